//! Import rosters: validate every row first, then write all of it in one transaction, or
//! nothing. Re-importing the same file changes nothing.

use std::collections::BTreeSet;

use rusqlite::Transaction;

use crate::domain::EntryState;
use crate::domain::entry::state_after_evidence;
use crate::import::{self, Problem, RowError, Table};
use crate::store::audit::{self, Record};
use crate::store::entries::NewEntry;
use crate::store::reference::Reference;
use crate::store::{Store, entries, filings, notes, people, totals};

use super::authz::{self, Act, Made};
use super::{Actor, Result, ServiceError};

/// Where the roster came from, for the import batch and the audit trail.
#[derive(Debug, Clone)]
pub struct Source {
    pub name: String,
    pub sha256: String,
}

/// The part of an import a progress report is about: checking the rows (parsing them, and for
/// entries looking up each row's person and filing) before the write lock is taken, then
/// writing them in the one transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Validate,
    Write,
}

/// Where an import reports `(step, rows done, rows of the step)` as it goes, from `0` up to the
/// total of each step; called once per row, so it must be cheap (the command line's bar is
/// rate-limited). The interface and the tests pass [`quiet`].
pub type Progress<'a> = &'a mut dyn FnMut(Step, usize, usize);

/// The progress sink that reports nothing.
pub fn quiet(_: Step, _: usize, _: usize) {}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    pub added: usize,
    pub updated: usize,
    pub unchanged: usize,
    /// True when nothing was written on purpose (`--dry-run`).
    pub dry_run: bool,
}

fn finish(tx: Transaction<'_>, summary: Summary) -> Result<Summary> {
    if summary.dry_run {
        tx.rollback()?;
    } else {
        tx.commit()?;
    }
    Ok(summary)
}

fn log(
    tx: &Transaction<'_>,
    actor: &Actor,
    action: &str,
    subject: &str,
    before: Option<&str>,
    after: Option<&str>,
) -> Result<()> {
    let at = actor.stamp();
    audit::append(
        tx,
        &Record {
            at: &at,
            user: &actor.user,
            action,
            subject,
            before,
            after,
        },
    )?;
    Ok(())
}

/// Keeps a roster's 备注 with the record `subject`, audited as `note.set`. An empty cell leaves
/// an existing note alone: a roster without notes never erases one a clerk wrote. Returns
/// whether the note changed.
fn keep_note(tx: &Transaction<'_>, actor: &Actor, subject: &str, note: &str) -> Result<bool> {
    if note.is_empty() {
        return Ok(false);
    }
    let now = actor.stamp();
    match notes::set(tx, subject, note, &actor.user, &now)? {
        None => Ok(false),
        Some(old) => {
            let before = (!old.is_empty()).then(|| serde_json::json!({ "note": old }).to_string());
            let after = serde_json::json!({ "note": note }).to_string();
            log(
                tx,
                actor,
                "note.set",
                subject,
                before.as_deref(),
                Some(&after),
            )?;
            Ok(true)
        }
    }
}

/// A roster record that is added when new and updated when changed: people by ID number,
/// filings by number.
trait Upsert: PartialEq + Sized {
    /// `person` / `filing`: the audit actions are `NOUN.create`, `NOUN.update`, `import.NOUNs`.
    const NOUN: &'static str;
    fn key(&self) -> String;
    fn find(tx: &Transaction<'_>, r: &Self) -> crate::store::Result<Option<(i64, Self)>>;
    fn insert(tx: &Transaction<'_>, r: &Self, now: &str) -> crate::store::Result<i64>;
    fn update(tx: &Transaction<'_>, id: i64, r: &Self, now: &str) -> crate::store::Result<()>;
    fn to_json(&self) -> String;
}

impl Upsert for crate::domain::Person {
    const NOUN: &'static str = "person";
    fn key(&self) -> String {
        self.id_number.to_string()
    }
    fn find(tx: &Transaction<'_>, r: &Self) -> crate::store::Result<Option<(i64, Self)>> {
        people::find_by_id_number(tx, r.id_number.as_str())
    }
    fn insert(tx: &Transaction<'_>, r: &Self, now: &str) -> crate::store::Result<i64> {
        people::insert(tx, r, now)
    }
    fn update(tx: &Transaction<'_>, id: i64, r: &Self, now: &str) -> crate::store::Result<()> {
        people::update(tx, id, r, now)
    }
    fn to_json(&self) -> String {
        people::to_json(self)
    }
}

impl Upsert for crate::domain::Filing {
    const NOUN: &'static str = "filing";
    fn key(&self) -> String {
        self.filing_no.clone()
    }
    fn find(tx: &Transaction<'_>, r: &Self) -> crate::store::Result<Option<(i64, Self)>> {
        filings::find_by_no(tx, &r.filing_no)
    }
    fn insert(tx: &Transaction<'_>, r: &Self, now: &str) -> crate::store::Result<i64> {
        filings::insert(tx, r, now)
    }
    fn update(tx: &Transaction<'_>, id: i64, r: &Self, now: &str) -> crate::store::Result<()> {
        filings::update(tx, id, r, now)?;
        // R4.3 A roster may change a filing's status, approval date or category.
        totals::refresh_filing(tx, id)
    }
    fn to_json(&self) -> String {
        filings::to_json(self)
    }
}

/// Write parsed rows in one transaction: new ones added, changed ones updated, each with its
/// audit record; identical ones left alone, so re-importing a file changes nothing.
fn upsert_all<T: Upsert>(
    store: &mut Store,
    actor: &Actor,
    rows: &[import::Parsed<T>],
    source: &Source,
    dry_run: bool,
    progress: Progress<'_>,
) -> Result<Summary> {
    let now = actor.stamp();
    let tx = store.write()?;
    let mut s = Summary {
        dry_run,
        ..Summary::default()
    };
    for (i, row) in rows.iter().enumerate() {
        progress(Step::Write, i, rows.len());
        let r = &row.record;
        let subject = format!("{}:{}", T::NOUN, r.key());
        match T::find(&tx, r)? {
            None => {
                T::insert(&tx, r, &now)?;
                let action = format!("{}.create", T::NOUN);
                log(&tx, actor, &action, &subject, None, Some(&r.to_json()))?;
                keep_note(&tx, actor, &subject, &row.note)?;
                s.added += 1;
            }
            Some((_, old)) if &old == r => {
                if keep_note(&tx, actor, &subject, &row.note)? {
                    s.updated += 1;
                } else {
                    s.unchanged += 1;
                }
            }
            Some((id, old)) => {
                keep_note(&tx, actor, &subject, &row.note)?;
                T::update(&tx, id, r, &now)?;
                let action = format!("{}.update", T::NOUN);
                log(
                    &tx,
                    actor,
                    &action,
                    &subject,
                    Some(&old.to_json()),
                    Some(&r.to_json()),
                )?;
                s.updated += 1;
            }
        }
    }
    if s.added + s.updated > 0 {
        log(
            &tx,
            actor,
            &format!("import.{}s", T::NOUN),
            &format!("file:{}", source.name),
            None,
            Some(&summary_json(source, &s)),
        )?;
    }
    progress(Step::Write, rows.len(), rows.len());
    finish(tx, s)
}

/// `import people`: add new people, update changed ones (R1.2); ID numbers must be plausible
/// on the actor's today (R1.1).
pub fn people(
    store: &mut Store,
    actor: &Actor,
    table: &Table,
    source: &Source,
    dry_run: bool,
) -> Result<Summary> {
    people_with_progress(store, actor, table, source, dry_run, &mut quiet)
}

/// [`people`], reporting its progress. The roster is parsed in one call, so validation is
/// reported at its start and its end only.
pub fn people_with_progress(
    store: &mut Store,
    actor: &Actor,
    table: &Table,
    source: &Source,
    dry_run: bool,
    progress: Progress<'_>,
) -> Result<Summary> {
    authz::require(actor, Act::Import)?;
    let reference = Reference::load(store)?;
    progress(Step::Validate, 0, rows_len(table));
    let rows =
        import::people::parse(table, &reference, actor.today()).map_err(ServiceError::Rows)?;
    progress(Step::Validate, rows_len(table), rows_len(table));
    upsert_all(store, actor, &rows, source, dry_run, progress)
}

/// `import filings`: add new filings, update changed ones (R4.2).
pub fn filings(
    store: &mut Store,
    actor: &Actor,
    table: &Table,
    source: &Source,
    dry_run: bool,
) -> Result<Summary> {
    filings_with_progress(store, actor, table, source, dry_run, &mut quiet)
}

/// [`filings`], reporting its progress as [`people_with_progress`] does.
pub fn filings_with_progress(
    store: &mut Store,
    actor: &Actor,
    table: &Table,
    source: &Source,
    dry_run: bool,
    progress: Progress<'_>,
) -> Result<Summary> {
    authz::require(actor, Act::Import)?;
    progress(Step::Validate, 0, rows_len(table));
    let rows = import::filings::parse(table).map_err(ServiceError::Rows)?;
    progress(Step::Validate, rows_len(table), rows_len(table));
    upsert_all(store, actor, &rows, source, dry_run, progress)
}

/// `import entries [--registered]`: add training entries as recorded (R5.1), or as paper
/// history already registered, evidence complete and marked migrated.
pub fn entries(
    store: &mut Store,
    actor: &Actor,
    table: &Table,
    source: &Source,
    registered: bool,
    dry_run: bool,
) -> Result<Summary> {
    entries_with_progress(store, actor, table, source, registered, dry_run, &mut quiet)
}

/// [`entries`], reporting its progress: validation row by row as each row's person and filing
/// are looked up, then the writing row by row.
pub fn entries_with_progress(
    store: &mut Store,
    actor: &Actor,
    table: &Table,
    source: &Source,
    registered: bool,
    dry_run: bool,
    progress: Progress<'_>,
) -> Result<Summary> {
    authz::require(actor, Act::Import)?;
    if registered {
        // R5.2 Paper history enters as registered: a registration, the reviewer's.
        authz::require(actor, Act::ImportRegistered)?;
    }
    let reference = Reference::load(store)?;
    let (rows, mut errors) =
        import::entries::parse_all(table, &reference).map_err(ServiceError::Rows)?;
    let cols =
        import::Columns::match_headers(import::Kind::Entries, table).map_err(ServiceError::Rows)?;

    // Resolve people and filings before writing anything, so every unknown one is reported
    // together with the rows that did not parse.
    let mut resolved = Vec::with_capacity(rows.len());
    for (i, row) in rows.iter().enumerate() {
        progress(Step::Validate, i, rows.len());
        let r = &row.record;
        let person = people::find_by_id_number(store.conn(), r.id_number.as_str())?;
        if person.is_none() {
            errors.push(RowError::new(
                row.line,
                &cols.header("id_number"),
                r.id_number.as_str(),
                Problem::UnknownPerson,
            ));
        }
        let filing = match &r.filing_no {
            None => None,
            Some(no) => {
                let f = filings::find_by_no(store.conn(), no)?;
                if f.is_none() {
                    errors.push(RowError::new(
                        row.line,
                        &cols.header("filing_no"),
                        no,
                        Problem::UnknownFiling,
                    ));
                }
                f.map(|(id, _)| id)
            }
        };
        if let Some((person_id, _)) = person {
            resolved.push((row, person_id, filing));
        }
    }
    progress(Step::Validate, rows.len(), rows.len());
    if !errors.is_empty() {
        errors.sort_by_key(|e| e.line);
        return Err(ServiceError::Rows(errors));
    }

    let now = actor.stamp();
    let tx = store.write()?;
    let mut s = Summary {
        dry_run,
        ..Summary::default()
    };
    let mut batch_id = None;
    // The people whose counted hours may have changed: rebuilt once each before the commit.
    // Only a registered entry counts (R5.2), so a roster of recorded entries rebuilds nothing.
    let mut touched = BTreeSet::new();
    // R5.5 maker–checker, for paper history: who imports new entries as registered makes and
    // registers them at once; an entry another recorded is promoted only by someone else.
    let mine = [actor.user.as_str()];
    let to_write = resolved.len();
    for (i, (row, person_id, filing_id)) in resolved.into_iter().enumerate() {
        progress(Step::Write, i, to_write);
        let r = &row.record;
        let checklist = reference.checklist(r.entry.form);
        let mut new = NewEntry {
            person_id,
            entry: r.entry.clone(),
            filing_id,
            batch_id: None,
        };
        let mut evidence: BTreeSet<String> = r.evidence.clone();
        if registered {
            // Paper history: registered on paper, so its evidence was seen then.
            new.entry.state = EntryState::Registered;
            new.entry.migrated = true;
            if let Some(list) = checklist {
                evidence.extend(list.all_codes());
            }
        }
        match entries::find_same(&tx, &new)? {
            Some(ex) => {
                let id = ex.id;
                let corrected = ex.year != new.entry.year
                    || ex.result != new.entry.result
                    || ex.filing_id != new.filing_id;
                let open = matches!(
                    ex.state,
                    EntryState::Recorded | EntryState::EvidenceComplete
                );
                let promote = registered && !ex.migrated;
                let exception = match promote {
                    true => {
                        let makers = entries::makers(&tx, id)?;
                        let makers = makers.iter().map(|m| m.as_str());
                        authz::maker_checker(actor, Act::ImportRegistered, Made::Entry(id), makers)?
                    }
                    false => None,
                };
                // A decision (seal, registration, refusal) is not undone by a roster; paper
                // history may still register an entry that is only recorded or sealed.
                let blocked = match (corrected || promote, ex.state) {
                    (false, _) => false,
                    (true, EntryState::Refused) => true,
                    (true, EntryState::Registered) => true,
                    (true, EntryState::Sealed) => corrected || !promote,
                    (true, _) => !open && !promote,
                };
                if blocked {
                    errors.push(RowError::new(
                        row.line,
                        &cols.header("id_number"),
                        r.id_number.as_str(),
                        Problem::AlreadyDecided { state: ex.state },
                    ));
                    continue;
                }
                let before = entries::evidence(&tx, id)?;
                // A note is not a decision: it is kept whatever the entry's state.
                let noted = keep_note(&tx, actor, &format!("entry:{id}"), &row.note)?;
                if !corrected && !promote && evidence.is_subset(&before) {
                    if noted {
                        s.updated += 1;
                    } else {
                        s.unchanged += 1;
                    }
                    continue;
                }
                if corrected {
                    entries::correct(
                        &tx,
                        id,
                        new.entry.year,
                        new.entry.result,
                        new.filing_id,
                        &now,
                    )?;
                }
                entries::add_evidence(&tx, id, &evidence, &actor.user, &now)?;
                let have = entries::evidence(&tx, id)?;
                let next = if promote {
                    entries::mark_migrated(&tx, id, &actor.user, &now)?;
                    EntryState::Registered
                } else {
                    let complete = checklist.is_some_and(|l| l.is_complete(&have));
                    let next = state_after_evidence(ex.state, complete);
                    if next != ex.state {
                        entries::set_state(&tx, id, next, &now)?;
                    }
                    next
                };
                let action = if promote {
                    "entry.migrate"
                } else {
                    "entry.correct"
                };
                if corrected || next == EntryState::Registered {
                    touched.insert(person_id);
                }
                let mut after = serde_json::json!({
                    "year": new.entry.year,
                    "result": new.entry.result.code(),
                    "filing_id": new.filing_id,
                    "state": next.code(),
                    "migrated": promote || ex.migrated,
                    "evidence": have,
                });
                authz::Exception::note(exception, &mut after);
                log(
                    &tx,
                    actor,
                    action,
                    &format!("entry:{id}"),
                    Some(&existing_json(&ex, &before)),
                    Some(&after.to_string()),
                )?;
                s.updated += 1;
            }
            None => {
                let id_batch = match batch_id {
                    Some(b) => b,
                    None => {
                        let kind = if registered {
                            "entries.registered"
                        } else {
                            "entries"
                        };
                        let b = entries::insert_batch(
                            &tx,
                            kind,
                            &source.name,
                            &source.sha256,
                            rows_len(table),
                            &actor.user,
                            &now,
                        )?;
                        batch_id = Some(b);
                        b
                    }
                };
                new.batch_id = Some(id_batch);
                if !registered {
                    let complete = checklist.is_some_and(|l| l.is_complete(&evidence));
                    new.entry.state = state_after_evidence(EntryState::Recorded, complete);
                }
                let exception = match registered {
                    true => {
                        let made = Made::Roster(source.name.clone());
                        authz::maker_checker(actor, Act::ImportRegistered, made, mine)?
                    }
                    false => None,
                };
                let id = entries::insert(&tx, &new, &actor.user, &now)?;
                entries::add_evidence(&tx, id, &evidence, &actor.user, &now)?;
                if new.entry.state == EntryState::Registered {
                    touched.insert(person_id);
                }
                let action = if registered {
                    "entry.migrate"
                } else {
                    "entry.create"
                };
                // With the evidence received, so `audit verify` knows the set it starts from.
                let mut after: serde_json::Value =
                    serde_json::from_str(&entries::to_json(&new)).unwrap_or_default();
                after["evidence"] = serde_json::json!(evidence);
                authz::Exception::note(exception, &mut after);
                log(
                    &tx,
                    actor,
                    action,
                    &format!("entry:{id}"),
                    None,
                    Some(&after.to_string()),
                )?;
                keep_note(&tx, actor, &format!("entry:{id}"), &row.note)?;
                s.added += 1;
            }
        }
    }
    if !errors.is_empty() {
        // Nothing is half-written: the transaction is dropped, so rolled back.
        return Err(ServiceError::Rows(errors));
    }
    progress(Step::Write, to_write, to_write);
    totals::refresh_people(&tx, &touched)?;
    if s.added + s.updated > 0 {
        log(
            &tx,
            actor,
            "import.entries",
            &format!("file:{}", source.name),
            None,
            Some(&summary_json(source, &s)),
        )?;
    }
    finish(tx, s)
}

fn rows_len(table: &Table) -> usize {
    table.rows.len()
}

fn existing_json(ex: &entries::Existing, evidence: &BTreeSet<String>) -> String {
    serde_json::json!({
        "year": ex.year,
        "result": ex.result.code(),
        "filing_id": ex.filing_id,
        "state": ex.state.code(),
        "migrated": ex.migrated,
        "evidence": evidence,
    })
    .to_string()
}

fn summary_json(source: &Source, s: &Summary) -> String {
    serde_json::json!({
        "file": source.name,
        "sha256": source.sha256,
        "added": s.added,
        "updated": s.updated,
        "unchanged": s.unchanged,
    })
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::fixtures::{ZHANG, actor, source, table};

    /// Every report of one import, in order.
    fn reports(run: impl FnOnce(Progress<'_>) -> Result<Summary>) -> Vec<(Step, usize, usize)> {
        let mut seen = Vec::new();
        run(&mut |step, done, total| seen.push((step, done, total))).expect("the import succeeds");
        seen
    }

    /// Checking runs before writing, each counting up from 0 to its total: the command line's
    /// bar (issue 10) shows each step from empty to full.
    fn assert_steps(seen: &[(Step, usize, usize)], rows: usize) {
        let first_write = seen.iter().position(|r| r.0 == Step::Write);
        let (check, write) = seen.split_at(first_write.expect("the writing is reported"));
        for (part, step) in [(check, Step::Validate), (write, Step::Write)] {
            assert!(part.iter().all(|r| r.0 == step && r.2 == rows), "{seen:?}");
            assert!(part.windows(2).all(|w| w[0].1 <= w[1].1), "{seen:?}");
            assert_eq!(part.first().map(|r| r.1), Some(0), "{seen:?}");
            assert_eq!(part.last().map(|r| r.1), Some(rows), "{seen:?}");
        }
    }

    #[test]
    fn an_import_reports_checking_then_writing_each_from_none_to_all_rows() {
        let mut store = Store::open_in_memory().expect("store");
        let a = actor("clerk");
        let people = table(
            "身份证号,姓名,单位,单位类型,市州",
            &[
                &format!("{ZHANG},张伟,长沙市第一医院,市州所属单位,长沙"),
                "430102198001010011,李娜,长沙市第一医院,市州所属单位,长沙",
            ],
        );
        let seen = reports(|p| people_with_progress(&mut store, &a, &people, &source(), false, p));
        assert_steps(&seen, 2);

        let entries = table(
            "身份证号,科目类别,学习形式,培训内容,施教机构,开始日期,结束日期,学时,考核结果",
            &[
                &format!("{ZHANG},专业科目,培训班,内科进展,省医学会,2016-03-01,2016-03-05,40,合格"),
                &format!("{ZHANG},公需科目,培训班,法治讲座,省人社厅,2016-05-01,2016-05-02,12,合格"),
                "430102198001010011,专业科目,培训班,护理,省医学会,2016-04-01,2016-04-03,24,合格",
            ],
        );
        let seen = reports(|p| {
            entries_with_progress(&mut store, &a, &entries, &source(), false, false, p)
        });
        assert_steps(&seen, 3);
        // Per row, not only at the ends: a long import shows the bar move.
        assert!(
            seen.iter().any(|r| r.0 == Step::Write && r.1 == 1),
            "{seen:?}"
        );
    }
}
