//! `import applicants FILE --batch NAME`: the applicants roster of a verification batch (R6).

use chrono::Datelike;

use super::{Context, Failure, ImportKind};
use crate::i18n::Lang;
use crate::import::stream::Roster;
use crate::service::batches::{self, Refusal, Request, Target};
use crate::service::certificates::{self, Refusal as CertRefusal};
use crate::service::import::{Progress, Source};
use crate::service::{Result, ServiceError};
use crate::store::Store;
use crate::store::reference::Reference;

/// `--batch` goes with `import applicants`, and only with it.
pub fn check_options(
    ctx: &Context,
    kind: ImportKind,
    batch: Option<&str>,
) -> std::result::Result<(), Failure> {
    let given = batch.is_some_and(|b| !b.trim().is_empty());
    match (kind, given) {
        (ImportKind::Applicants, false) => Err(Failure(
            ctx.lang
                .pick(
                    "import applicants 需要 --batch NAME（报送部门名称，或 #编号）",
                    "import applicants needs --batch NAME (the department, or #ID of a batch)",
                )
                .into(),
        )),
        (ImportKind::Applicants, true) | (_, false) => Ok(()),
        (_, true) => Err(Failure(
            ctx.lang
                .pick(
                    "--batch 只用于 import applicants",
                    "--batch applies to import applicants only",
                )
                .into(),
        )),
    }
}

/// `#12` names an existing batch by its number; anything else is a department's name.
fn target(ctx: &Context, store: &Store, batch: &str) -> Result<Target> {
    let batch = batch.trim();
    if let Some(id) = batch.strip_prefix('#').and_then(|n| n.trim().parse().ok()) {
        return Ok(Target::Id(id));
    }
    let reference = Reference::load(store)?;
    let configured = Some(ctx.config.office.name.as_str()).filter(|s| !s.trim().is_empty());
    let office = certificates::resolve_office(&reference, configured).map_err(|r| {
        ServiceError::Batch(match r {
            CertRefusal::UnknownOffice(o) => Refusal::UnknownOffice(o),
            _ => Refusal::NoOffice,
        })
    })?;
    Ok(Target::Named(Request::named(
        batch,
        &office,
        ctx.actor.today().year(),
    )))
}

/// Import the roster (issue 10.3: streamed, see `batches::import_applicants_from`); the batch it
/// went to is named on standard error.
pub fn import(
    ctx: &Context,
    store: &mut Store,
    batch: &str,
    roster: &(impl Roster + Sync),
    source: &Source,
    dry_run: bool,
    progress: Progress<'_>,
) -> Result<batches::Imported> {
    let done = match batches::import_applicants_from(
        store,
        &ctx.actor,
        // Resolved once the roster is checked: the file's own problems are named first.
        |store| target(ctx, store, batch),
        roster,
        source,
        dry_run,
        progress,
    ) {
        Err(ServiceError::Batch(Refusal::Rules(p))) => {
            super::output::warn(&format!(
                "jijiao: {}",
                ctx.lang.pick(
                    "如确需受理，请在终端界面（4 验证，n 新建批次）填写理由后再导入",
                    "to accept it anyway, create the batch with the reason in the terminal interface (4 Verification, n), then import",
                )
            ));
            return Err(ServiceError::Batch(Refusal::Rules(p)));
        }
        other => other?,
    };
    let b = &done.batch;
    let name = crate::domain::text::clean_line(&b.department);
    let kind = b.kind.label(ctx.lang);
    let year = b.application_year;
    super::output::warn(&match (ctx.lang, done.created, dry_run) {
        (Lang::Zh, true, true) => format!("将新建验证批次：{name}（{kind}，{year}年）"),
        (Lang::Zh, true, false) => format!("已新建验证批次 #{}：{name}（{kind}，{year}年）", b.id),
        (Lang::Zh, false, _) => format!("验证批次 #{}：{name}（{year}年）", b.id),
        (Lang::En, true, true) => {
            format!("would create the verification batch {name} ({kind}, {year})")
        }
        (Lang::En, true, false) => {
            format!("new verification batch #{}: {name} ({kind}, {year})", b.id)
        }
        (Lang::En, false, _) => format!("verification batch #{}: {name} ({year})", b.id),
    });
    Ok(done)
}
