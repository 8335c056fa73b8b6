//! R6 Verification batches: a department's applicants for one application year, submitted in the
//! window and once a year where R6.3 says so (an override needs a recorded reason), verified as a
//! whole (R6.4), triaged (accept the passing, return the short with what they lack, refuse the
//! blocked), certified one applicant per transaction (R7.2, R7.3) and printed as one document.
//!
//! Every write is one transaction with its audit rows (R5.5); a triage decision on many marked
//! applicants is one transaction and one decision that `service::decision::undo_last` reverses
//! as a whole.

use std::collections::HashMap;

use rusqlite::Transaction;
use serde_json::json;

use crate::domain::batch::{
    self, ApplicantState, BatchProblem, Decision, DepartmentKind, Route, Verdict,
};
use crate::domain::text::{clean_line, fold_for_search};
use crate::domain::verification::default_period;
use crate::domain::{IdNumber, Office, YearPolicy};
use crate::i18n::{Describe, Lang};
use crate::import::columns::RowReader;
use crate::import::stream::{Header, Roster};
use crate::import::{self, Columns, Kind, Problem, Row, RowError, Table};
use crate::store::audit::{self, Appender, Record};
use crate::store::batches::{self as rows, Applicant, Batch, NewBatch};
use crate::store::certificates::{self as certs, Stored};
use crate::store::reference::Reference;
use crate::store::{Store, people};

use super::certificates::{self, Refusal as CertRefusal, Signature};
use super::check::{self, CheckResult, to_json};
use super::decision::{ApplicantDecided, Applicants, Log};
use super::import::{
    Checker, Parsed, Problems, Progress, RowKind, RowWriter, Source, Summary, quiet, two_passes,
    write_rows,
};
use super::{Actor, Result, ServiceError};

/// Why a batch was not created or found; nothing was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// R6.3 The window or the one-batch rule, not overridden.
    Rules(Vec<BatchProblem>),
    DepartmentRequired,
    UnknownBatch(String),
    NoOffice,
    UnknownOffice(String),
    /// R6.3 A competent department's or a central unit's batch goes to the provincial office;
    /// a city office cannot take it.
    ProvinceOnly {
        kind: DepartmentKind,
        office: String,
    },
}

impl Describe for Refusal {
    fn describe(&self, lang: Lang) -> String {
        match (self, lang) {
            (Refusal::Rules(p), lang) => p
                .iter()
                .map(|p| p.describe(lang))
                .collect::<Vec<_>>()
                .join(lang.pick("；", "; ")),
            (Refusal::DepartmentRequired, Lang::Zh) => "请填写报送部门的名称".into(),
            (Refusal::DepartmentRequired, Lang::En) => "the department's name is required".into(),
            (Refusal::UnknownBatch(b), Lang::Zh) => format!("没有验证批次“{b}”"),
            (Refusal::UnknownBatch(b), Lang::En) => format!("no verification batch \"{b}\""),
            // A batch is the configured office's: nothing here takes `--office` (tester: the
            // certificate's advice sent the clerk to an option `import applicants` refuses).
            (Refusal::NoOffice, Lang::Zh) => {
                "未配置本单位（出具单位）：请管理员在配置文件 [office] 中设置 name（验证批次属于本单位，此处没有 --office 选项）".into()
            }
            (Refusal::NoOffice, Lang::En) => {
                "no office configured: ask the administrator to set name in [office] of the configuration (a batch belongs to this office; there is no --office here)".into()
            }
            (Refusal::UnknownOffice(o), lang) => {
                CertRefusal::UnknownOffice(o.clone()).describe(lang)
            }
            (Refusal::ProvinceOnly { kind, office }, Lang::Zh) => format!(
                "{}的批次应集中报送省人力资源社会保障厅（省直）验证（R6.3），{office}不能受理",
                kind.zh()
            ),
            (Refusal::ProvinceOnly { kind, office }, Lang::En) => format!(
                "a batch of a {} goes to the provincial office (省直, R6.3); {office} cannot take it",
                kind.label(Lang::En)
            ),
        }
    }
}

pub type Outcome<T> = std::result::Result<T, Refusal>;

/// A new batch as the clerk asks for it. The reasons may be empty; each is recorded only when
/// the rule it overrides applies (R6.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub department: String,
    pub kind: DepartmentKind,
    pub application_year: i32,
    pub office: Office,
    pub window_reason: String,
    pub batch_reason: String,
}

impl Request {
    /// What a roster names a batch that does not exist yet: the department's batch for this
    /// office and year, a competent department's at the provincial office, a city unit's at a
    /// city's.
    pub fn named(department: &str, office: &Office, application_year: i32) -> Request {
        Request {
            department: department.to_string(),
            kind: if office.is_province {
                DepartmentKind::Competent
            } else {
                DepartmentKind::City
            },
            application_year,
            office: office.clone(),
            window_reason: String::new(),
            batch_reason: String::new(),
        }
    }
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

fn create_in(
    tx: &Transaction<'_>,
    actor: &Actor,
    req: &Request,
    policy: &YearPolicy,
) -> Result<Outcome<Batch>> {
    let department = clean_line(&req.department);
    if department.is_empty() {
        return Ok(Err(Refusal::DepartmentRequired));
    }
    if req.kind.consolidated() && !req.office.is_province {
        return Ok(Err(Refusal::ProvinceOnly {
            kind: req.kind,
            office: req.office.name.clone(),
        }));
    }
    let existing = rows::count_same(tx, &department, req.application_year)?;
    let window_reason = clean_line(&req.window_reason);
    let batch_reason = clean_line(&req.batch_reason);
    let today = actor.today();
    if let Err(p) = batch::check_new_batch(
        req.kind,
        policy,
        today,
        existing,
        &window_reason,
        &batch_reason,
    ) {
        return Ok(Err(Refusal::Rules(p)));
    }
    let rules = req.kind.consolidated();
    let new = NewBatch {
        department,
        kind: req.kind,
        application_year: req.application_year,
        office: req.office.code.clone(),
        override_reason: if rules && existing > 0 {
            batch_reason
        } else {
            String::new()
        },
        window_override_reason: if rules && !policy.in_window(today) {
            window_reason
        } else {
            String::new()
        },
    };
    let now = actor.stamp();
    let id = rows::insert(tx, &new, &actor.user, &now)?;
    log(
        tx,
        actor,
        "batch.create",
        &format!("batch:{id}"),
        None,
        Some(
            &json!({
                "department": new.department,
                "kind": new.kind.code(),
                "application_year": new.application_year,
                "office": new.office,
                "override_reason": new.override_reason,
                "window_override_reason": new.window_override_reason,
            })
            .to_string(),
        ),
    )?;
    rows::get(tx, id)?
        .map(Ok)
        .ok_or_else(|| ServiceError::Batch(Refusal::UnknownBatch(id.to_string())))
}

/// R6.3 Create a batch: refused outside the window or as a second batch of the department and
/// year, unless the request gives the reason that overrides it (recorded with the batch).
pub fn create(store: &mut Store, actor: &Actor, req: &Request) -> Result<Outcome<Batch>> {
    super::authz::require(actor, super::authz::Act::ReceiveApplicants)?;
    let policy = Reference::load(store)?.policy(req.application_year);
    let tx = store.write()?;
    let out = create_in(&tx, actor, req, &policy)?;
    if out.is_ok() {
        tx.commit()?;
    }
    Ok(out)
}

fn batch_of(store: &Store, id: i64) -> Result<Batch> {
    rows::get(store.conn(), id)?
        .ok_or_else(|| ServiceError::Batch(Refusal::UnknownBatch(id.to_string())))
}

/// How many applicants were added, and how many were in the batch already.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Added {
    pub added: usize,
    pub already: usize,
}

/// R6.1 Adds person `person_id` to batch `batch_id` unless already in it, with its
/// `applicant.add` record (R5.5) through `trail`, the one appender of the transaction's records
/// after the first; whether the person was added.
fn add_in(
    tx: &Transaction<'_>,
    trail: &mut Appender,
    actor: &Actor,
    batch_id: i64,
    person_id: i64,
    id_number: &str,
) -> Result<bool> {
    let now = actor.stamp();
    let added = rows::add(tx, batch_id, person_id, &actor.user, &now)?;
    if added {
        let after = json!({ "person": id_number }).to_string();
        trail.append(
            tx,
            &Record {
                at: &now,
                user: &actor.user,
                action: "applicant.add",
                subject: &format!("batch:{batch_id}"),
                before: None,
                after: Some(&after),
            },
        )?;
    }
    Ok(added)
}

/// Add people (by database id) to a batch, in one transaction.
pub fn add_people(
    store: &mut Store,
    actor: &Actor,
    batch_id: i64,
    person_ids: &[i64],
) -> Result<Added> {
    super::authz::require(actor, super::authz::Act::ReceiveApplicants)?;
    batch_of(store, batch_id)?;
    let tx = store.write()?;
    let mut out = Added::default();
    let mut trail = Appender::new();
    for &pid in person_ids {
        let person =
            people::get(&tx, pid)?.ok_or_else(|| ServiceError::UnknownPerson(pid.to_string()))?;
        if add_in(
            &tx,
            &mut trail,
            actor,
            batch_id,
            pid,
            person.id_number.as_str(),
        )? {
            out.added += 1;
        } else {
            out.already += 1;
        }
    }
    tx.commit()?;
    Ok(out)
}

/// Add people by ID number; one that is malformed or unknown refuses them all.
pub fn add_by_id_numbers(
    store: &mut Store,
    actor: &Actor,
    batch_id: i64,
    ids: &[&str],
) -> Result<Added> {
    super::authz::require(actor, super::authz::Act::ReceiveApplicants)?;
    let mut person_ids = Vec::with_capacity(ids.len());
    for raw in ids {
        let id = IdNumber::parse(&clean_line(raw)).map_err(|error| ServiceError::IdNumber {
            value: raw.to_string(),
            error,
        })?;
        let (pid, _) = people::find_by_id_number(store.conn(), id.as_str())?
            .ok_or_else(|| ServiceError::UnknownPerson(id.to_string()))?;
        person_ids.push(pid);
    }
    add_people(store, actor, batch_id, &person_ids)
}

/// The batch an applicants roster goes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Id(i64),
    /// Found by department, office and year, or created as [`Request::named`] describes.
    Named(Request),
}

/// What an applicants import did: the batch the roster went to (and whether this import
/// created it), what it added, and what it read above the data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Imported {
    pub batch: Batch,
    pub created: bool,
    pub summary: Summary,
    /// The header row found and the rows skipped around it (and the sheet read), for the clerk
    /// to hear about.
    pub header: Header,
}

/// One row of an applicants roster as the reading thread parses it: the ID number (R1.1), the
/// name the roster gives (empty when none), and the problems of the row's other cells (a value
/// too long, an Excel error), reported with those the check finds against the database.
#[derive(Debug, Clone)]
pub struct ApplicantRow {
    id_number: IdNumber,
    name: String,
    problems: Vec<RowError>,
}

/// Rows of an applicants roster (R6.1): a row whose ID number cannot be read is refused here;
/// whether its person is registered, and has the name given, is the first pass's to look up.
struct ApplicantRows;

impl RowKind for ApplicantRows {
    type Record = ApplicantRow;
    fn kind(&self) -> Kind {
        Kind::Applicants
    }
    fn parse(&self, cols: &Columns, row: &Row) -> Parsed<ApplicantRow> {
        let mut r = RowReader::new(cols, row);
        let Some(id_number) = r.id_number("id_number") else {
            return Err(r.errors);
        };
        Ok(import::Parsed {
            line: row.line,
            record: ApplicantRow {
                id_number,
                name: r.text("name").into_owned(),
                problems: r.errors,
            },
            // An applicants roster keeps no notes.
            note: String::new(),
        })
    }
}

/// The applicants roster's first pass beyond each row: the person registered, under the name
/// the roster gives (R1.2, however its separators or widths are written), and the same person
/// listed twice — harmless, added once: each good row leaves a 16-byte mark (person, row),
/// sorted at the end, and every later row of a person is left out of the writing.
#[derive(Default)]
struct ApplicantsChecker {
    seen: Vec<(i64, usize)>,
    repeats: Vec<usize>,
}

impl Checker<ApplicantRow> for ApplicantsChecker {
    fn row(
        &mut self,
        conn: &rusqlite::Connection,
        cols: &Columns,
        parsed: &import::Parsed<ApplicantRow>,
        problems: &mut Problems,
    ) -> Result<()> {
        let (line, a) = (parsed.line, &parsed.record);
        a.problems.iter().for_each(|e| problems.push(e.clone()));
        // A column already named for this row is not named again (as `RowReader::error`).
        let reported = |col: &'static str| {
            let header = cols.header(col);
            a.problems.iter().any(|e| e.column == header)
        };
        let id = a.id_number.as_str();
        match people::find_by_id_number(conn, id)? {
            None if reported("id_number") => {}
            None => problems.push(RowError::new(
                line,
                &cols.header("id_number"),
                id,
                Problem::UnknownPerson,
            )),
            Some((_, person))
                if !a.name.is_empty()
                    && fold_for_search(&a.name) != fold_for_search(&person.name) =>
            {
                if !reported("name") {
                    problems.push(RowError::new(
                        line,
                        &cols.header("name"),
                        &a.name,
                        Problem::Rule {
                            zh: format!("与数据库中身份证号{id}的姓名“{}”不一致", person.name),
                            en: format!(
                                "does not match \"{}\", the name of {id} in the database",
                                person.name
                            ),
                        },
                    ));
                }
            }
            Some((pid, _)) => self.seen.push((pid, line)),
        }
        Ok(())
    }

    fn finish(&mut self, _cols: Option<&Columns>, problems: Problems) -> Problems {
        let mut seen = std::mem::take(&mut self.seen);
        seen.sort_unstable();
        for group in seen.chunk_by(|a, b| a.0 == b.0) {
            self.repeats
                .extend(group[1..].iter().map(|&(_, line)| line));
        }
        self.repeats.sort_unstable();
        problems
    }

    fn left_out(&mut self) -> Vec<usize> {
        std::mem::take(&mut self.repeats)
    }
}

/// The applicants roster's second pass: each person added to the batch as the row streams
/// past, in the one transaction.
struct ApplicantsWrite<'a, 't> {
    tx: &'a Transaction<'t>,
    actor: &'a Actor,
    batch_id: i64,
    summary: Summary,
    trail: Appender,
    /// Problems met now: a person gone since the check (another clerk's work).
    problems: Problems,
}

impl RowWriter<ApplicantRow> for ApplicantsWrite<'_, '_> {
    fn repeat(&mut self) {
        self.summary.unchanged += 1;
    }

    fn row(&mut self, cols: &Columns, row: import::Parsed<ApplicantRow>) -> Result<()> {
        let id = row.record.id_number.as_str();
        // Looked up again under the write lock.
        let Some(pid) = people::id_of(self.tx, id)? else {
            self.problems.push(RowError::new(
                row.line,
                &cols.header("id_number"),
                id,
                Problem::UnknownPerson,
            ));
            return Ok(());
        };
        if add_in(self.tx, &mut self.trail, self.actor, self.batch_id, pid, id)? {
            self.summary.added += 1;
        } else {
            self.summary.unchanged += 1;
        }
        Ok(())
    }
}

/// `import applicants FILE --batch NAME` of a table in memory, reporting nothing; see
/// [`import_applicants_from`].
pub fn import_applicants(
    store: &mut Store,
    actor: &Actor,
    target: &Target,
    table: &Table,
    source: &Source,
    dry_run: bool,
) -> Result<Imported> {
    import_applicants_from(
        store,
        actor,
        |_| Ok(target.clone()),
        table,
        source,
        dry_run,
        &mut quiet,
    )
}

/// `import applicants FILE --batch NAME` of any [`Roster`] (a file read as a stream, or a
/// table), through the same two passes as the other rosters (issue 10.3): every row checked in
/// a first pass that holds no write lock — the ID number (R1.1), the person registered, the name
/// the roster gives theirs (R1.2); a person listed twice is added once — then, only when no
/// row has a problem, written in one transaction: the batch `target` names (asked for only now,
/// so that a roster's own problems are named before a batch or office that cannot be found),
/// found, or created when named and not
/// there yet (R6.3 applies: outside the window it is refused, and the clerk creates it in the
/// terminal interface with a reason), and each person added who is not in it yet. All rows or
/// none; re-importing the same roster changes nothing. R5.5 Each person added keeps its
/// `applicant.add` record, and the import one `import.applicants` record (the file, its SHA-256
/// as read, the batch, what it did) when it added anyone. A file changed between the two
/// readings is refused ([`TableError::Changed`](crate::import::TableError::Changed)).
///
/// Memory: the rows stream; what grows with the roster is a 16-byte mark per row in the first
/// pass, to find a person listed twice.
///
/// Errors: the roster's problems ([`ServiceError::Rows`], [`ServiceError::ManyRows`]); the
/// file's ([`ServiceError::Table`]); the batch's ([`ServiceError::Batch`]: unknown, or not to
/// be created); the actor's rights; the store's. Nothing is written on any of them.
pub fn import_applicants_from(
    store: &mut Store,
    actor: &Actor,
    target: impl FnOnce(&Store) -> Result<Target>,
    roster: &(impl Roster + Sync),
    source: &Source,
    dry_run: bool,
    progress: Progress<'_>,
) -> Result<Imported> {
    super::authz::require(actor, super::authz::Act::ReceiveApplicants)?;
    let mut checker = ApplicantsChecker::default();
    let mut to: Option<(Batch, bool)> = None;
    let done = two_passes(
        store,
        roster,
        &ApplicantRows,
        &mut checker,
        source,
        progress,
        |store, source, checked, progress| {
            let target = target(store)?;
            let policy = match &target {
                Target::Named(req) => Reference::load(store)?.policy(req.application_year),
                Target::Id(_) => YearPolicy::default_for(0),
            };
            let tx = store.write()?;
            let (batch, created) = match &target {
                Target::Id(id) => (
                    rows::get(&tx, *id)?.ok_or_else(|| {
                        ServiceError::Batch(Refusal::UnknownBatch(id.to_string()))
                    })?,
                    false,
                ),
                Target::Named(req) => {
                    let department = clean_line(&req.department);
                    match rows::find(&tx, &department, req.application_year, &req.office.code)? {
                        Some(b) => (b, false),
                        None => (
                            create_in(&tx, actor, req, &policy)?.map_err(ServiceError::Batch)?,
                            true,
                        ),
                    }
                }
            };
            let mut write = ApplicantsWrite {
                tx: &tx,
                actor,
                batch_id: batch.id,
                summary: Summary {
                    dry_run,
                    ..Summary::default()
                },
                trail: Appender::new(),
                problems: Problems::default(),
            };
            write_rows(roster, &ApplicantRows, checked, progress, &mut write)?;
            let ApplicantsWrite {
                summary,
                mut trail,
                problems,
                ..
            } = write;
            if !problems.is_empty() {
                return Err(problems.into_error());
            }
            if summary.added > 0 {
                let at = actor.stamp();
                let after = json!({
                    "file": source.name,
                    "sha256": source.sha256,
                    "batch": batch.id,
                    "added": summary.added,
                    "unchanged": summary.unchanged,
                })
                .to_string();
                trail.append(
                    &tx,
                    &Record {
                        at: &at,
                        user: &actor.user,
                        action: "import.applicants",
                        subject: &format!("file:{}", source.name),
                        before: None,
                        after: Some(&after),
                    },
                )?;
            }
            to = Some((batch, created));
            if dry_run {
                tx.rollback()?;
            } else {
                tx.commit()?;
            }
            Ok(summary)
        },
    )?;
    // Set by the writing, which ran: `two_passes` returned no error.
    let (batch, created) = to.ok_or(ServiceError::Batch(Refusal::NoOffice))?;
    Ok(Imported {
        batch,
        created,
        summary: done.summary,
        header: done.header,
    })
}

/// R6.1 The period a batch verifies: the five years before its application year.
pub fn period(b: &Batch) -> (i32, i32) {
    default_period(b.application_year)
}

/// The verdicts of a batch's verification.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Verified {
    pub pass: usize,
    pub short: usize,
    pub blocked: usize,
}

/// R6.4 Verify every applicant of a batch and store each result; `progress(done, total)`.
/// Every applicant's years are read from the totals the services keep (`store::totals`) by one
/// statement (`store::batches::to_verify`), so a batch of ten thousand is ten thousand index
/// lookups whatever the size of the database, with the table and result `check` gives.
pub fn verify(
    store: &mut Store,
    actor: &Actor,
    batch_id: i64,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Verified> {
    super::authz::require(actor, super::authz::Act::VerifyBatch)?;
    let b = batch_of(store, batch_id)?;
    let (from, to) = period(&b);
    let all = rows::to_verify(store.conn(), batch_id, from, to)?;
    let reference = Reference::load(store)?;
    let total = all.len();
    let mut results = Vec::with_capacity(total);
    for (i, a) in all.into_iter().enumerate() {
        progress(i, total);
        let r = check::from_totals(&reference, a.person, from, to, &a.years, a.blocked)?;
        results.push((a.id, Verdict::of(&r.verification), to_json(&r).to_string()));
    }
    // Written in the order of the rows, not of the people: each page of the table is visited
    // once.
    results.sort_unstable_by_key(|(id, _, _)| *id);
    let now = actor.stamp();
    let tx = store.write()?;
    let mut out = Verified::default();
    for (id, verdict, json) in &results {
        rows::set_verification(&tx, *id, *verdict, json, &now)?;
        match verdict {
            Verdict::Pass => out.pass += 1,
            Verdict::Short => out.short += 1,
            Verdict::Blocked => out.blocked += 1,
        }
    }
    log(
        &tx,
        actor,
        "batch.verify",
        &format!("batch:{batch_id}"),
        None,
        Some(&json!({ "from": from, "to": to, "pass": out.pass, "short": out.short, "blocked": out.blocked }).to_string()),
    )?;
    tx.commit()?;
    progress(total, total);
    Ok(out)
}

/// R6.2 The office names of a route, for the clerk and the department.
fn office_names(reference: &Reference, codes: &[String]) -> Vec<String> {
    codes
        .iter()
        .map(|c| {
            reference
                .office_by_code(c)
                .map_or_else(|| c.clone(), |o| o.short.clone())
        })
        .collect()
}

/// Why an applicant was left out of a decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Skip {
    Missing,
    Rule(batch::DecisionError),
}

impl Describe for Skip {
    fn describe(&self, lang: Lang) -> String {
        match self {
            Skip::Missing => lang.pick("申报人不存在", "no such applicant").into(),
            Skip::Rule(e) => e.describe(lang),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Decided {
    pub decision: i64,
    pub applied: Vec<i64>,
    pub skipped: Vec<(i64, Skip)>,
}

/// What deciding on one applicant needs to know, read before the write transaction.
struct Seen {
    result: CheckResult,
    verdict: Verdict,
    /// R6.2, with the other offices by name.
    route: Route,
    offices: Vec<String>,
}

fn see(
    store: &Store,
    reference: &Reference,
    batches: &mut HashMap<i64, Batch>,
    a: &Applicant,
) -> Result<Seen> {
    let b = match batches.entry(a.batch_id) {
        std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
        std::collections::hash_map::Entry::Vacant(e) => e.insert(batch_of(store, a.batch_id)?),
    };
    let (from, to) = period(b);
    let result = check::check_from_totals(
        store.conn(),
        reference,
        a.person_id,
        a.person.clone(),
        from,
        to,
    )?;
    // The clerk and the department read office names, not codes.
    let (route, offices) = match batch::route(&a.person, &b.office) {
        Route::Here => (Route::Here, Vec::new()),
        Route::Elsewhere(codes) => {
            let names = office_names(reference, &codes);
            (Route::Elsewhere(names.clone()), names)
        }
    };
    Ok(Seen {
        verdict: Verdict::of(&result.verification),
        result,
        route,
        offices,
    })
}

/// Apply `decision` to the applicants `ids` in one transaction, verifying each again first (the
/// entries may have changed since the batch was verified); those it cannot apply to are skipped
/// and reported. `progress(done, total)` as it goes.
pub fn decide(
    store: &mut Store,
    actor: &Actor,
    ids: &[i64],
    decision: &Decision,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Decided> {
    super::authz::require(actor, super::authz::Act::DecideApplicants)?;
    let reference = Reference::load(store)?;
    let mut batches = HashMap::new();
    let mut seen: HashMap<i64, Seen> = HashMap::new();
    for (i, &id) in ids.iter().enumerate() {
        // Two passes (seeing, then deciding) over the same applicants: the clerk is told of
        // applicants, half of each pass's step each (tester: 43848/45692 for 22 846).
        progress(i / 2, ids.len());
        if let Some(a) = rows::applicant(store.conn(), id)? {
            seen.insert(id, see(store, &reference, &mut batches, &a)?);
        }
    }
    let now = actor.stamp();
    let tx = store.write()?;
    let decision_log = Log::begin(&tx)?;
    let number = decision_log.number();
    let mut out = Decided {
        decision: number,
        ..Decided::default()
    };
    for (i, &id) in ids.iter().enumerate() {
        progress((ids.len() + i) / 2, ids.len());
        let (Some(a), Some(s)) = (rows::applicant(&tx, id)?, seen.get(&id)) else {
            out.skipped.push((id, Skip::Missing));
            continue;
        };
        rows::set_verification(&tx, id, s.verdict, &to_json(&s.result).to_string(), &now)?;
        if let Err(e) = batch::can_decide(decision, a.state, s.verdict, &s.route) {
            out.skipped.push((id, Skip::Rule(e)));
            continue;
        }
        let to = decision.target();
        let reason = clean_line(decision.reason());
        let shortfall = match decision {
            Decision::Return { .. } => {
                batch::shortfall_text(&s.result.verification, &s.route, &s.offices, Lang::Zh)
            }
            _ => String::new(),
        };
        let to_state = ApplicantDecided {
            state: to,
            reason: reason.clone(),
            shortfall: shortfall.clone(),
            decided_by: Some(actor.user.clone()),
            decided_at: Some(now.clone()),
        };
        decision_log.record::<Applicants>(
            &tx,
            actor,
            &now,
            id,
            decision.action(),
            &ApplicantDecided::of(&a),
            &to_state,
            &reason,
        )?;
        log(
            &tx,
            actor,
            decision.action(),
            &format!("applicant:{id}"),
            Some(&json!({ "state": a.state.code(), "batch": a.batch_id, "person": a.person.id_number.as_str() }).to_string()),
            Some(
                &json!({
                    "state": to.code(),
                    "reason": reason,
                    "shortfall": shortfall,
                    "verdict": s.verdict.code(),
                    "decision": number,
                })
                .to_string(),
            ),
        )?;
        out.applied.push(id);
    }
    progress(ids.len(), ids.len());
    tx.commit()?;
    Ok(out)
}

/// Why an applicant got no certificate from an issue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IssueSkip {
    Missing,
    /// Only accepted applicants are certified.
    NotAccepted(ApplicantState),
    /// The applicant's certificate is already issued (this number).
    Issued(String),
    /// R7.3, R6.2 … as the certificate service refused it: no number was used.
    Refused(CertRefusal),
    /// R5.5 maker–checker: the actor accepted this applicant; no number was used.
    Denied(super::authz::Refusal),
}

impl Describe for IssueSkip {
    fn describe(&self, lang: Lang) -> String {
        match (self, lang) {
            (IssueSkip::Missing, lang) => Skip::Missing.describe(lang),
            (IssueSkip::NotAccepted(s), Lang::Zh) => {
                format!("状态为“{}”，只为已通过的申报人出具", s.zh())
            }
            (IssueSkip::NotAccepted(s), Lang::En) => {
                format!("{}: only accepted applicants are certified", s.code())
            }
            (IssueSkip::Issued(n), Lang::Zh) => format!("已出具 {n}"),
            (IssueSkip::Issued(n), Lang::En) => format!("already issued {n}"),
            (IssueSkip::Refused(r), lang) => r.describe(lang),
            (IssueSkip::Denied(r), lang) => r.describe(lang),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IssueOutcome {
    pub issued: Vec<(i64, Stored)>,
    /// A valid certificate for the period already existed (issued outside the batch): linked.
    pub linked: Vec<(i64, String)>,
    pub skipped: Vec<(i64, IssueSkip)>,
}

fn link(store: &mut Store, actor: &Actor, applicant_id: i64, cert: &Stored) -> Result<()> {
    let tx = store.write()?;
    rows::set_certificate(&tx, applicant_id, cert.id)?;
    log(
        &tx,
        actor,
        "applicant.certificate",
        &format!("applicant:{applicant_id}"),
        None,
        Some(&json!({ "certificate": cert.text.number.to_string() }).to_string()),
    )?;
    tx.commit()?;
    Ok(())
}

/// R7 Issue certificates to the accepted applicants among `ids`, from each batch's office: one
/// call of the certificate service per applicant, each its own transaction, so a refusal uses
/// no number and the others still get theirs (consecutive numbers, R7.2).
pub fn issue(
    store: &mut Store,
    actor: &Actor,
    ids: &[i64],
    sig: &Signature,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<IssueOutcome> {
    super::authz::require(actor, super::authz::Act::Issue)?;
    let reference = Reference::load(store)?;
    let mut batches: HashMap<i64, Batch> = HashMap::new();
    let mut out = IssueOutcome::default();
    for (i, &id) in ids.iter().enumerate() {
        progress(i, ids.len());
        let Some(a) = rows::applicant(store.conn(), id)? else {
            out.skipped.push((id, IssueSkip::Missing));
            continue;
        };
        if a.state != ApplicantState::Accepted {
            out.skipped.push((id, IssueSkip::NotAccepted(a.state)));
            continue;
        }
        if let Some(c) = a.certificate.as_ref().filter(|c| !c.voided) {
            out.skipped.push((id, IssueSkip::Issued(c.number.clone())));
            continue;
        }
        // R5.5 Told here, per applicant, so the others of the batch still get theirs.
        let made = super::authz::Made::Applicant(a.person.id_number.to_string());
        let acceptor = a.decided_by.iter().map(|d| d.as_str());
        if let Err(ServiceError::Denied(r)) =
            super::authz::maker_checker(actor, super::authz::Act::Issue, made, acceptor)
        {
            out.skipped.push((id, IssueSkip::Denied(r)));
            continue;
        }
        let b = match batches.entry(a.batch_id) {
            std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::hash_map::Entry::Vacant(e) => e.insert(batch_of(store, a.batch_id)?),
        };
        let (from, to) = period(b);
        let Some(office) = reference.office_by_code(&b.office).cloned() else {
            out.skipped.push((
                id,
                IssueSkip::Refused(CertRefusal::UnknownOffice(b.office.clone())),
            ));
            continue;
        };
        match certificates::issue(
            store,
            actor,
            a.person.id_number.as_str(),
            from,
            to,
            &office,
            sig,
        )? {
            Ok(cert) => {
                link(store, actor, id, &cert)?;
                out.issued.push((id, cert));
            }
            Err(CertRefusal::AlreadyIssued(number)) => {
                match certs::valid_for(store.conn(), a.person_id, from, to)? {
                    Some(cert) => {
                        link(store, actor, id, &cert)?;
                        out.linked.push((id, number));
                    }
                    None => out
                        .skipped
                        .push((id, IssueSkip::Refused(CertRefusal::AlreadyIssued(number)))),
                }
            }
            Err(r) => out.skipped.push((id, IssueSkip::Refused(r))),
        }
    }
    progress(ids.len(), ids.len());
    Ok(out)
}

/// One certificate to print, and whether it is a reprint (R7.4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    pub applicant_id: i64,
    pub cert: Stored,
    pub reprint: bool,
}

/// Why an applicant has nothing to print.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrintSkip {
    Missing,
    NoCertificate,
    Refused(CertRefusal),
}

impl Describe for PrintSkip {
    fn describe(&self, lang: Lang) -> String {
        match (self, lang) {
            (PrintSkip::Missing, lang) => Skip::Missing.describe(lang),
            (PrintSkip::NoCertificate, Lang::Zh) => "尚未出具合格证明".into(),
            (PrintSkip::NoCertificate, Lang::En) => "no certificate issued yet".into(),
            (PrintSkip::Refused(r), lang) => r.describe(lang),
        }
    }
}

/// The pages to print, and the applicants that have none (with why).
pub type Pages = (Vec<Page>, Vec<(i64, PrintSkip)>);

/// The certificates of `ids`, in that order, as the certificate service hands them out to print.
pub fn pages(store: &Store, ids: &[i64]) -> Result<Pages> {
    let mut out = Vec::new();
    let mut skipped = Vec::new();
    for &id in ids {
        let Some(a) = rows::applicant(store.conn(), id)? else {
            skipped.push((id, PrintSkip::Missing));
            continue;
        };
        let Some(linked) = a.certificate else {
            skipped.push((id, PrintSkip::NoCertificate));
            continue;
        };
        match certificates::for_print(store, &linked.number)? {
            Ok((cert, reprint)) => out.push(Page {
                applicant_id: id,
                cert,
                reprint,
            }),
            Err(r) => skipped.push((id, PrintSkip::Refused(r))),
        }
    }
    Ok((out, skipped))
}

#[cfg(test)]
pub(crate) mod tests {
    use chrono::NaiveDate;

    use super::*;
    use crate::service::fixtures::{actor, source, table};
    use crate::service::import;

    /// A valid ID number for test person `n`.
    pub(crate) fn id(n: u16) -> String {
        IdNumber::compose("430102", NaiveDate::from_ymd_opt(1975, 5, 5).unwrap(), n)
            .unwrap()
            .to_string()
    }

    pub(crate) const PASSING: [(u16, &str); 3] = [(1, "张伟"), (2, "王芳"), (3, "赵敏")];
    pub(crate) const SHORT: (u16, &str) = (4, "李娜");
    pub(crate) const BLOCKED: (u16, &str) = (5, "孙强");
    /// A city unit of 株洲: the 长沙 office does not verify him (R6.2).
    pub(crate) const AWAY: (u16, &str) = (6, "周杰");

    pub(crate) fn one(store: &Store, sql: &str) -> i64 {
        store.conn().query_row(sql, [], |r| r.get(0)).unwrap()
    }

    /// Six people of city units; five years of paper history each (2012–2016), 李娜 20 public
    /// hours short in 2013, 孙强 blocked by a finding (R5.3), 周杰 in 株洲.
    pub(crate) fn bureau() -> Store {
        let mut store = Store::open_in_memory().unwrap();
        let a = actor("clerk");
        let everyone: Vec<(u16, &str)> = PASSING
            .iter()
            .copied()
            .chain([SHORT, BLOCKED, AWAY])
            .collect();
        let people: Vec<String> = everyone
            .iter()
            .map(|(n, name)| {
                let city = if (*n, *name) == AWAY {
                    "株洲"
                } else {
                    "长沙"
                };
                format!(
                    "{},{name},{city}市第一医院,市州所属单位,{city},主治医师,中级",
                    id(*n)
                )
            })
            .collect();
        let people: Vec<&str> = people.iter().map(String::as_str).collect();
        import::people(
            &mut store,
            &a,
            &table(
                "身份证号,姓名,单位,单位类型,市州,现有职称,职称级别",
                &people,
            ),
            &source(),
            false,
        )
        .unwrap();
        let mut entries = Vec::new();
        for (n, _) in &everyone {
            for year in 2012..=2016 {
                let public = if (*n, year) == (SHORT.0, 2013) {
                    10
                } else {
                    30
                };
                entries.push(format!(
                    "{},公需,远程教育,公需课{year},湖南人才市场有限公司,{year}-03-01,{year}-03-31,{public},合格,"
                    , id(*n)
                ));
                entries.push(format!(
                    "{},专业,远程教育,专业课{year},湖南人才市场有限公司,{year}-04-01,{year}-04-30,60,合格,"
                    , id(*n)
                ));
            }
        }
        let entries: Vec<&str> = entries.iter().map(String::as_str).collect();
        import::entries(
            &mut store,
            &a,
            &table(
                "身份证号,科目类别,学习形式,培训内容,施教机构,开始日期,结束日期,学时,考核结果,已交材料",
                &entries,
            ),
            &source(),
            true,
            false,
        )
        .unwrap();
        block(&mut store, BLOCKED.0);
        store
    }

    /// R5.3 A falsification finding on person `n`.
    pub(crate) fn block(store: &mut Store, n: u16) {
        let (pid, _) = people::find_by_id_number(store.conn(), &id(n))
            .unwrap()
            .unwrap();
        let tx = store.write().unwrap();
        people::add_finding(
            &tx,
            pid,
            None,
            "签到表系伪造",
            "clerk",
            "2017-07-01T09:00:00+08:00",
        )
        .unwrap();
        tx.commit().unwrap();
    }

    pub(crate) fn changsha(store: &Store) -> Office {
        Reference::load(store)
            .unwrap()
            .office("长沙")
            .unwrap()
            .clone()
    }

    /// A batch request at the office R6.3 sends it to: the provincial office for competent
    /// departments and central units, 长沙 for the others.
    fn request(store: &Store, department: &str, kind: DepartmentKind) -> Request {
        let office = if kind.consolidated() {
            Reference::load(store)
                .unwrap()
                .office("省直")
                .unwrap()
                .clone()
        } else {
            changsha(store)
        };
        Request {
            department: department.into(),
            kind,
            application_year: 2017,
            office,
            window_reason: String::new(),
            batch_reason: String::new(),
        }
    }

    /// A batch of the 长沙 office holding all six people, not verified yet.
    pub(crate) fn batch_of_six(store: &mut Store) -> i64 {
        let a = actor("wangfang");
        let req = request(store, "长沙市卫生健康委员会", DepartmentKind::City);
        let b = create(store, &a, &req).unwrap().unwrap();
        let ids: Vec<String> = (1..=6).map(id).collect();
        let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
        add_by_id_numbers(store, &a, b.id, &ids).unwrap();
        b.id
    }

    /// [`batch_of_six`], verified.
    pub(crate) fn verified_batch(store: &mut Store) -> i64 {
        let id = batch_of_six(store);
        verify(store, &actor("wangfang"), id, &mut |_, _| {}).unwrap();
        id
    }

    pub(crate) fn applicant_of(store: &Store, n: u16) -> Applicant {
        let aid: i64 = store
            .conn()
            .query_row(
                "SELECT a.id FROM batch_applicants a JOIN people p ON p.id = a.person_id
                 WHERE p.id_number = ?1 ORDER BY a.id DESC LIMIT 1",
                [id(n)],
                |r| r.get(0),
            )
            .unwrap();
        rows::applicant(store.conn(), aid).unwrap().unwrap()
    }

    fn all_ids(store: &Store, batch: i64) -> Vec<i64> {
        rows::all(store.conn(), batch, rows::Filter::All, rows::Sort::Name)
            .unwrap()
            .iter()
            .map(|a| a.id)
            .collect()
    }

    fn at(day: &str) -> Actor {
        Actor::new(
            "wangfang",
            chrono::DateTime::parse_from_rfc3339(&format!("{day}T10:00:00+08:00")).unwrap(),
        )
    }

    #[test]
    fn r6_3_outside_the_window_a_competent_department_needs_a_recorded_reason() {
        let mut store = bureau();
        let mut req = request(&store, "湖南省卫生健康委员会", DepartmentKind::Competent);
        let refused = create(&mut store, &at("2017-09-01"), &req).unwrap();
        assert!(matches!(refused, Err(Refusal::Rules(ref p)) if p.len() == 1 && p[0].is_window()));
        assert_eq!(one(&store, "SELECT count(*) FROM verification_batches"), 0);
        req.window_reason = "厅领导批准延期报送".into();
        let b = create(&mut store, &at("2017-09-01"), &req)
            .unwrap()
            .unwrap();
        assert_eq!(b.window_override_reason, "厅领导批准延期报送");
        assert_eq!(b.override_reason, "");
        assert_eq!(
            one(
                &store,
                "SELECT count(*) FROM audit WHERE action = 'batch.create'"
            ),
            1
        );
        // In the window the reason is not needed, and not recorded.
        let req = request(&store, "湖南省教育厅", DepartmentKind::Competent);
        let b = create(&mut store, &at("2017-06-01"), &req)
            .unwrap()
            .unwrap();
        assert_eq!(b.window_override_reason, "");
    }

    /// R6.3 A competent department's batch is the provincial office's: 长沙 cannot take it.
    #[test]
    fn r6_3_a_city_office_cannot_take_a_competent_departments_batch() {
        let mut store = bureau();
        let mut req = request(&store, "湖南省卫生健康委员会", DepartmentKind::Competent);
        req.office = changsha(&store);
        let refused = create(&mut store, &at("2017-07-01"), &req).unwrap();
        assert!(
            matches!(refused, Err(Refusal::ProvinceOnly { .. })),
            "{refused:?}"
        );
        assert_eq!(one(&store, "SELECT count(*) FROM verification_batches"), 0);
    }

    #[test]
    fn r6_3_a_second_batch_of_a_department_and_year_needs_a_recorded_reason() {
        let mut store = bureau();
        let a = at("2017-07-15");
        let mut req = request(&store, "中国铁建湖南分公司", DepartmentKind::Central);
        create(&mut store, &a, &req).unwrap().unwrap();
        let second = create(&mut store, &a, &req).unwrap();
        assert_eq!(
            second,
            Err(Refusal::Rules(vec![BatchProblem::SecondBatch {
                existing: 1
            }]))
        );
        req.batch_reason = "首批漏报两人".into();
        let b = create(&mut store, &a, &req).unwrap().unwrap();
        assert_eq!(b.override_reason, "首批漏报两人");
        // A city unit may send several.
        let city = request(&store, "长沙市第一医院", DepartmentKind::City);
        create(&mut store, &a, &city).unwrap().unwrap();
        create(&mut store, &a, &city).unwrap().unwrap();
        assert_eq!(one(&store, "SELECT count(*) FROM verification_batches"), 4);
    }

    #[test]
    fn r6_4_verifying_a_batch_stores_each_applicants_verdict() {
        let mut store = bureau();
        let a = actor("wangfang");
        let req = request(&store, "长沙市卫健委", DepartmentKind::City);
        let b = create(&mut store, &a, &req).unwrap().unwrap();
        let ids: Vec<String> = (1..=6).map(id).collect();
        let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
        let added = add_by_id_numbers(&mut store, &a, b.id, &ids).unwrap();
        assert_eq!(
            added,
            Added {
                added: 6,
                already: 0
            }
        );
        assert_eq!(
            add_by_id_numbers(&mut store, &a, b.id, &ids[..1])
                .unwrap()
                .already,
            1
        );
        let mut calls = Vec::new();
        let v = verify(&mut store, &a, b.id, &mut |d, t| calls.push((d, t))).unwrap();
        assert_eq!(
            v,
            Verified {
                pass: 4,
                short: 1,
                blocked: 1
            }
        );
        assert_eq!(calls.last(), Some(&(6, 6)), "progress reaches the end");
        let c = rows::counts(store.conn(), b.id).unwrap();
        assert_eq!((c.pass, c.short, c.blocked, c.undecided), (4, 1, 1, 6));
        let json = rows::verification_json(store.conn(), applicant_of(&store, SHORT.0).id)
            .unwrap()
            .unwrap();
        assert!(
            json.contains("\"shortfalls\":[\"public\",\"total\"]"),
            "{json}"
        );
        // An unknown ID number adds nobody.
        assert!(matches!(
            add_by_id_numbers(&mut store, &a, b.id, &[&id(99)]),
            Err(ServiceError::UnknownPerson(_))
        ));
    }

    /// R6.4 Verifying a batch reads every applicant's totals in one statement; for each of the
    /// demo's people (short years, paper history, late filings, falsification findings) the
    /// stored verdict and verification are exactly what `check` gives from the entries.
    #[test]
    fn r6_4_a_verified_batch_agrees_with_check_for_every_applicant() {
        let mut store = Store::open_in_memory().unwrap();
        crate::service::demo::generate(&mut store, &actor("demo"), 150, 2017).unwrap();
        let a = actor("wangfang");
        let req = request(&store, "长沙市卫生健康委员会", DepartmentKind::City);
        let b = create(&mut store, &a, &req).unwrap().unwrap();
        let everyone: Vec<String> = store
            .conn()
            .prepare("SELECT id_number FROM people ORDER BY id")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        let ids: Vec<&str> = everyone.iter().map(String::as_str).collect();
        add_by_id_numbers(&mut store, &a, b.id, &ids).unwrap();
        let v = verify(&mut store, &a, b.id, &mut |_, _| {}).unwrap();
        assert_eq!(v.pass + v.short + v.blocked, everyone.len());
        assert!(
            v.pass > 0 && v.short > 0 && v.blocked > 0,
            "the demo has every verdict: {v:?}"
        );
        let (from, to) = period(&batch_of(&store, b.id).unwrap());
        for applicant in rows::all(store.conn(), b.id, rows::Filter::All, rows::Sort::Name).unwrap()
        {
            let n = applicant.person.id_number.as_str();
            let want = check::check(&store, n, from, to).unwrap();
            assert_eq!(
                applicant.verdict,
                Some(Verdict::of(&want.verification)),
                "{n}"
            );
            assert_eq!(
                rows::verification_json(store.conn(), applicant.id)
                    .unwrap()
                    .as_deref(),
                Some(to_json(&want).to_string().as_str()),
                "{n}"
            );
        }
    }

    /// Tester, 2026-11-30: a decision on 22 846 applicants showed `处理中 43848/45692`. The
    /// progress counts applicants: it never passes their number and ends at it.
    #[test]
    fn a_batch_decision_reports_progress_in_applicants() {
        let mut store = bureau();
        let batch = verified_batch(&mut store);
        let all = all_ids(&store, batch);
        let mut heard = Vec::new();
        decide(
            &mut store,
            &actor("wangfang"),
            &all,
            &Decision::Accept,
            &mut |done, total| heard.push((done, total)),
        )
        .unwrap();
        let n = all.len();
        assert!(heard.iter().all(|&(d, t)| t == n && d <= n), "{heard:?}");
        assert_eq!(heard.last(), Some(&(n, n)));
    }

    #[test]
    fn triage_accepts_the_passing_returns_the_short_refuses_the_blocked_and_undoes() {
        let mut store = bureau();
        let batch = verified_batch(&mut store);
        let a = actor("wangfang");
        let all = all_ids(&store, batch);

        // Accept on every applicant: only the passing ones this office handles.
        let out = decide(&mut store, &a, &all, &Decision::Accept, &mut |_, _| {}).unwrap();
        assert_eq!(out.applied.len(), 3);
        assert_eq!(out.skipped.len(), 3);
        let away = applicant_of(&store, AWAY.0);
        assert!(matches!(
            out.skipped.iter().find(|(id, _)| *id == away.id),
            Some((_, Skip::Rule(batch::DecisionError::Elsewhere(o)))) if o == &["株洲".to_string()]
        ));
        assert_eq!(applicant_of(&store, 1).state, ApplicantState::Accepted);
        assert_eq!(
            applicant_of(&store, 1).decided_by.as_deref(),
            Some("wangfang")
        );

        // Return the rest: the short one and the one routed elsewhere, with what they lack.
        let ret = Decision::Return {
            reason: String::new(),
        };
        let out = decide(&mut store, &a, &all, &ret, &mut |_, _| {}).unwrap();
        assert_eq!(out.applied.len(), 2);
        let short = applicant_of(&store, SHORT.0);
        assert_eq!(short.state, ApplicantState::Returned);
        assert_eq!(
            short.shortfall,
            "2013年公需科目不足：10 < 30（R2.1），合计不足：70 < 90（R2.1）"
        );
        assert_eq!(applicant_of(&store, AWAY.0).shortfall, "按R6.2应由株洲验证");

        // R5.3 refuse needs a reason and applies to the blocked only.
        let blocked = applicant_of(&store, BLOCKED.0).id;
        let out = decide(
            &mut store,
            &a,
            &[blocked],
            &Decision::Refuse { reason: " ".into() },
            &mut |_, _| {},
        )
        .unwrap();
        assert_eq!(
            out.skipped,
            vec![(blocked, Skip::Rule(batch::DecisionError::ReasonRequired))]
        );
        decide(
            &mut store,
            &a,
            &[blocked],
            &Decision::Refuse {
                reason: "签到表系伪造".into(),
            },
            &mut |_, _| {},
        )
        .unwrap();
        assert_eq!(
            applicant_of(&store, BLOCKED.0).state,
            ApplicantState::Refused
        );
        assert_eq!(applicant_of(&store, BLOCKED.0).reason, "签到表系伪造");

        // Undo goes back one decision at a time, per clerk, and is recorded.
        assert!(
            crate::service::decision::undo_last(&mut store, &actor("lijun"))
                .unwrap()
                .is_none()
        );
        let u = crate::service::decision::undo_last(&mut store, &a)
            .unwrap()
            .unwrap();
        assert_eq!(
            (u.action.as_str(), u.restored.len()),
            ("applicant.refuse", 1)
        );
        assert_eq!(
            applicant_of(&store, BLOCKED.0).state,
            ApplicantState::Undecided
        );
        assert_eq!(applicant_of(&store, BLOCKED.0).reason, "");
        let u = crate::service::decision::undo_last(&mut store, &a)
            .unwrap()
            .unwrap();
        assert_eq!(
            (u.action.as_str(), u.restored.len()),
            ("applicant.return", 2)
        );
        assert_eq!(applicant_of(&store, SHORT.0).shortfall, "");
        assert_eq!(
            one(
                &store,
                "SELECT count(*) FROM audit WHERE action = 'applicant.undo'"
            ),
            3
        );
        assert_eq!(
            one(
                &store,
                "SELECT count(*) FROM decisions WHERE applicant_id IS NOT NULL AND undone_at IS NULL"
            ),
            3,
            "the accept decision stands"
        );
    }

    #[test]
    fn r7_2_issuing_all_accepted_gives_consecutive_numbers_and_a_refusal_uses_none() {
        let mut store = bureau();
        let batch = verified_batch(&mut store);
        let a = actor("wangfang");
        let all = all_ids(&store, batch);
        decide(&mut store, &a, &all, &Decision::Accept, &mut |_, _| {}).unwrap();
        // 赵敏 is found to have falsified after acceptance: R7.3 refuses her certificate.
        block(&mut store, 3);
        let sig = Signature {
            clerk: "王芳".into(),
            phone: "0731-88888888".into(),
        };
        let out = issue(&mut store, &a, &all, &sig, &mut |_, _| {}).unwrap();
        let numbers: Vec<String> = out
            .issued
            .iter()
            .map(|(_, c)| c.text.number.to_string())
            .collect();
        assert_eq!(numbers, vec!["长沙—2017—0001", "长沙—2017—0002"]);
        let zhao = applicant_of(&store, 3).id;
        assert!(matches!(
            out.skipped.iter().find(|(id, _)| *id == zhao),
            Some((_, IssueSkip::Refused(CertRefusal::NotPassing(v)))) if v.blocked
        ));
        // The not-accepted are skipped, not refused by the certificate service.
        assert_eq!(
            out.skipped
                .iter()
                .filter(|(_, s)| matches!(s, IssueSkip::NotAccepted(_)))
                .count(),
            3
        );
        assert_eq!(
            applicant_of(&store, 1).certificate.unwrap().number,
            "长沙—2017—0001"
        );
        assert_eq!(one(&store, "SELECT last FROM certificate_counters"), 2);

        // Issuing again changes nothing; the next person issued elsewhere gets 0003.
        let again = issue(&mut store, &a, &all, &sig, &mut |_, _| {}).unwrap();
        assert!(again.issued.is_empty());
        assert_eq!(
            again
                .skipped
                .iter()
                .filter(|(_, s)| matches!(s, IssueSkip::Issued(_)))
                .count(),
            2
        );
        // An issued applicant's acceptance is not undone.
        let u = crate::service::decision::undo_last(&mut store, &a)
            .unwrap()
            .unwrap();
        assert_eq!(u.restored, vec![zhao]);
        assert_eq!(u.changed_since.len(), 2);
        assert_eq!(applicant_of(&store, 1).state, ApplicantState::Accepted);
    }

    /// R7.3 Tester's finding: after `reissue` of a certificate issued in a batch, the batch row
    /// still named the voided number. It names the new one, by a record of its own, and the
    /// trail agrees with the tables (`audit verify`).
    #[test]
    fn r7_3_a_reissued_certificate_replaces_the_old_one_on_its_batch_row() {
        let mut store = bureau();
        let batch = verified_batch(&mut store);
        let a = actor("wangfang");
        let all = all_ids(&store, batch);
        decide(&mut store, &a, &all, &Decision::Accept, &mut |_, _| {}).unwrap();
        let sig = Signature {
            clerk: "王芳".into(),
            phone: "0731-88888888".into(),
        };
        issue(&mut store, &a, &all, &sig, &mut |_, _| {}).unwrap();
        assert_eq!(
            applicant_of(&store, 1).certificate.unwrap().number,
            "长沙—2017—0001"
        );
        let new = certificates::reissue(&mut store, &a, "长沙—2017—0001", "姓名有误", &sig)
            .unwrap()
            .unwrap();
        assert_eq!(new.text.number.to_string(), "长沙—2017—0004");
        assert_eq!(
            applicant_of(&store, 1).certificate.unwrap().number,
            "长沙—2017—0004"
        );
        let report = crate::service::audit::check_state(store.conn()).unwrap();
        assert!(report.findings.is_empty(), "{:?}", report.findings);
    }

    fn roster(rows: &[&str]) -> Table {
        table("身份证号,姓名", rows)
    }

    #[test]
    fn an_applicants_roster_is_all_or_nothing_and_creates_the_named_batch() {
        let mut store = bureau();
        let a = actor("wangfang");
        let target = Target::Named(Request::named("长沙市第一医院", &changsha(&store), 2017));
        let bad = roster(&[
            &format!("{},张伟", id(1)),
            "430102197505050011,王芳",
            &format!("{},李四", id(2)),
            &format!("{},路人", id(77)),
            ",",
        ]);
        let Err(ServiceError::Rows(errors)) =
            import_applicants(&mut store, &a, &target, &bad, &source(), false)
        else {
            panic!("refused");
        };
        let lines: Vec<(usize, &str)> =
            errors.iter().map(|e| (e.line, e.column.as_str())).collect();
        assert_eq!(
            lines,
            vec![
                (3, "身份证号"),
                (4, "姓名"),
                (5, "身份证号"),
                (6, "身份证号")
            ]
        );
        assert!(
            errors[0].describe(Lang::Zh).contains("校验位"),
            "{}",
            errors[0].describe(Lang::Zh)
        );
        assert!(errors[1].describe(Lang::Zh).contains("王芳"));
        assert_eq!(one(&store, "SELECT count(*) FROM verification_batches"), 0);

        let good = roster(&[
            &format!("{},张伟", id(1)),
            &format!("{},", id(4)),
            &format!("{},张伟", id(1)),
        ]);
        let dry = import_applicants(&mut store, &a, &target, &good, &source(), true).unwrap();
        assert!(dry.created && dry.summary.dry_run);
        assert_eq!(one(&store, "SELECT count(*) FROM batch_applicants"), 0);
        let done = import_applicants(&mut store, &a, &target, &good, &source(), false).unwrap();
        assert!(done.created);
        assert_eq!(done.summary.added, 2);
        assert_eq!(done.batch.kind, DepartmentKind::City);
        // Again: the same batch, nothing new.
        let again = import_applicants(&mut store, &a, &target, &good, &source(), false).unwrap();
        assert!(!again.created);
        // Every row of the three is accounted for: 张伟's second row changes nothing either.
        assert_eq!((again.summary.added, again.summary.unchanged), (0, 3));
        assert_eq!(again.batch.id, done.batch.id);
    }
}
