//! R6 The pending verification batch the demo leaves on screen 4: a 长沙 city department's
//! applicants for this year, not yet verified, so a newcomer has batch work to triage.

use crate::service::{self, Actor};
use crate::store::Store;
use crate::store::reference::Reference;

/// The department whose verification batch the demo leaves pending on screen 4.
pub(crate) const DEMO_DEPARTMENT: &str = "长沙市卫生健康委员会";
/// How many applicants that batch holds.
pub(crate) const DEMO_APPLICANTS: usize = 24;

/// Make the batch once per year (a re-run finds it) through the batch service.
///
/// Resumable: creating the batch and adding its applicants are two transactions (the batch
/// service's own), so a run killed between them leaves the batch empty; the next run finds it
/// empty and adds the applicants, ending with the data set of an uninterrupted run.
pub(crate) fn pending_batch(store: &mut Store, actor: &Actor) -> service::Result<()> {
    use chrono::Datelike;
    let year = actor.today().year();
    let reference = Reference::load(store)?;
    let Some(office) = reference.office("长沙").cloned() else {
        return Ok(());
    };
    let found = crate::store::batches::find(store.conn(), DEMO_DEPARTMENT, year, &office.code)?;
    if let Some(batch) = &found {
        let applicants = crate::store::batches::count_applicants(
            store.conn(),
            batch.id,
            crate::store::batches::Filter::All,
        )?;
        if applicants > 0 {
            return Ok(());
        }
    }
    let people = crate::store::people::first_of_city(
        store.conn(),
        crate::domain::UnitKind::City,
        &office.code,
        DEMO_APPLICANTS,
    )?;
    if people.is_empty() {
        return Ok(());
    }
    let batch = match found {
        Some(batch) => batch,
        None => {
            let req = service::batches::Request {
                department: DEMO_DEPARTMENT.into(),
                kind: crate::domain::batch::DepartmentKind::City,
                application_year: year,
                office,
                window_reason: String::new(),
                batch_reason: String::new(),
            };
            // City units' batches are outside R6.3's window and one-batch rule, so this is not
            // refused.
            match service::batches::create(store, actor, &req)? {
                Ok(batch) => batch,
                Err(_) => return Ok(()),
            }
        }
    };
    service::batches::add_people(store, actor, batch.id, &people)?;
    Ok(())
}
