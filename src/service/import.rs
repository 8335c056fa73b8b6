//! Import rosters: validate every row first, then write all of it in one transaction, or
//! nothing. Re-importing the same file changes nothing.

use std::collections::{BTreeSet, HashMap};

use rusqlite::{Connection, Transaction};

use crate::domain::EntryState;
use crate::domain::entry::state_after_evidence;
use crate::import::stream::{Header, Roster, RowSink};
use crate::import::{self, Columns, Kind, Problem, Row, RowError, Table, TableError};
use crate::store::audit::{Appender, PayloadWriter, Record};
use crate::store::entries::NewEntry;
use crate::store::reference::Reference;
use crate::store::{Store, entries, filings, notes, people, totals};

use super::audit::{self, PayloadOp};
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

/// Appends one audit record (R5.5) through the import's appender: every record of one
/// import's transaction goes through the same one.
fn log(
    tx: &Transaction<'_>,
    trail: &mut Appender,
    actor: &Actor,
    action: &str,
    subject: &str,
    before: Option<&str>,
    after: Option<&str>,
) -> Result<()> {
    let at = actor.stamp();
    trail.append(
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
fn keep_note(
    tx: &Transaction<'_>,
    trail: &mut Appender,
    actor: &Actor,
    subject: &str,
    note: &str,
) -> Result<bool> {
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
                trail,
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
    let trail = &mut Appender::new();
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
                log(
                    &tx,
                    trail,
                    actor,
                    &action,
                    &subject,
                    None,
                    Some(&r.to_json()),
                )?;
                keep_note(&tx, trail, actor, &subject, &row.note)?;
                s.added += 1;
            }
            Some((_, old)) if &old == r => {
                if keep_note(&tx, trail, actor, &subject, &row.note)? {
                    s.updated += 1;
                } else {
                    s.unchanged += 1;
                }
            }
            Some((id, old)) => {
                keep_note(&tx, trail, actor, &subject, &row.note)?;
                T::update(&tx, id, r, &now)?;
                let action = format!("{}.update", T::NOUN);
                log(
                    &tx,
                    trail,
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
            trail,
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
    let done = entries_from(store, actor, table, source, registered, dry_run, progress)?;
    Ok(done.summary)
}

/// What an entries import did, with what it read above the data.
#[derive(Debug, Clone)]
pub struct Imported {
    pub summary: Summary,
    /// The header row found and the rows skipped around it (and the sheet read, for a
    /// workbook whose first sheet has no header), for the clerk to hear about.
    pub header: Header,
    /// SHA-256 of the file as checked and as written (the [`Source`]'s, for a table).
    pub sha256: String,
}

/// Problems of a roster kept to be listed; those beyond are only counted (issue 10.3: memory
/// does not grow with a roster full of mistakes). More than the command line lists.
pub const KEPT_PROBLEMS: usize = 1_000;

/// A roster's problems in the order they were found: the first [`KEPT_PROBLEMS`], and the count.
#[derive(Default)]
struct Problems {
    kept: Vec<RowError>,
    total: usize,
}

impl Problems {
    fn push(&mut self, e: RowError) {
        self.total += 1;
        if self.kept.len() < KEPT_PROBLEMS {
            self.kept.push(e);
        }
    }

    fn is_empty(&self) -> bool {
        self.total == 0
    }

    /// Appends `more` after these.
    fn then(mut self, more: Problems) -> Problems {
        let total = self.total + more.total;
        for e in more.kept {
            self.push(e);
        }
        self.total = total;
        self
    }

    fn into_error(self) -> ServiceError {
        if self.total > self.kept.len() {
            ServiceError::ManyRows {
                listed: self.kept,
                total: self.total,
            }
        } else {
            ServiceError::Rows(self.kept)
        }
    }
}

/// ID numbers and filing numbers already looked up, so a roster that lists a person's twenty
/// entries together looks the person up once. Bounded: emptied when it holds [`CACHED_IDS`].
#[derive(Default)]
struct Ids {
    people: HashMap<String, Option<i64>>,
    filings: HashMap<String, Option<i64>>,
}

/// Numbers an [`Ids`] holds of each kind before it starts again.
const CACHED_IDS: usize = 4_096;

impl Ids {
    fn cached(
        map: &mut HashMap<String, Option<i64>>,
        key: &str,
        look: impl FnOnce() -> crate::store::Result<Option<i64>>,
    ) -> Result<Option<i64>> {
        if let Some(id) = map.get(key) {
            return Ok(*id);
        }
        if map.len() >= CACHED_IDS {
            map.clear();
        }
        let id = look()?;
        map.insert(key.to_string(), id);
        Ok(id)
    }

    fn person(&mut self, conn: &Connection, id_number: &str) -> Result<Option<i64>> {
        Ids::cached(&mut self.people, id_number, || {
            people::id_of(conn, id_number)
        })
    }

    fn filing(&mut self, conn: &Connection, no: &str) -> Result<Option<i64>> {
        Ids::cached(&mut self.filings, no, || filings::id_of(conn, no))
    }
}

/// The first pass: every row parsed and checked, its person and filing looked up, on a read
/// transaction (no write lock: other clerks write meanwhile).
struct Check<'a, 'p> {
    conn: &'a Connection,
    cols: Option<Columns>,
    header: Header,
    /// The header's own problems: with them (or values under no header) the rows are not
    /// judged, as a roster whose columns are wrong tells nothing row by row.
    header_problems: Problems,
    unheaded: Problems,
    problems: Problems,
    ids: Ids,
    rows: usize,
    hint: Option<usize>,
    progress: Progress<'p>,
}

impl Check<'_, '_> {
    /// One item of the first reading (see [`read_ahead`]): the header's columns and problems,
    /// then each row as parsed on the reading thread, its person and filing looked up here.
    fn take(&mut self, ahead: Ahead) -> Result<()> {
        match ahead {
            Ahead::Header {
                header,
                cols,
                problems,
            } => {
                self.header = header;
                problems
                    .into_iter()
                    .for_each(|e| self.header_problems.push(e));
                self.cols = Some(cols);
                Ok(())
            }
            Ahead::Row { unheaded, parsed } => self.row(unheaded, parsed),
        }
    }

    fn row(&mut self, unheaded: Option<RowError>, parsed: Parsed) -> Result<()> {
        (self.progress)(Step::Validate, self.rows, self.hint.unwrap_or(self.rows));
        self.rows += 1;
        let Some(cols) = &self.cols else {
            return Ok(());
        };
        if let Some(e) = unheaded {
            self.unheaded.push(e);
        }
        if !self.header_problems.is_empty() || !self.unheaded.is_empty() {
            return Ok(());
        }
        let parsed = match parsed {
            Ok(parsed) => parsed,
            Err(errors) => {
                errors.into_iter().for_each(|e| self.problems.push(e));
                return Ok(());
            }
        };
        let r = &parsed.record;
        if self.ids.person(self.conn, r.id_number.as_str())?.is_none() {
            self.problems.push(RowError::new(
                parsed.line,
                &cols.header("id_number"),
                r.id_number.as_str(),
                Problem::UnknownPerson,
            ));
        }
        if let Some(no) = &r.filing_no
            && self.ids.filing(self.conn, no)?.is_none()
        {
            self.problems.push(RowError::new(
                parsed.line,
                &cols.header("filing_no"),
                no,
                Problem::UnknownFiling,
            ));
        }
        Ok(())
    }
}

/// `import entries` of any [`Roster`] (a file read as a stream, or a table): checked in a first
/// pass that holds no write lock, then written in a second pass, in one transaction with
/// prepared statements, the per-person yearly totals (R2.1) and one signed audit record for
/// the import (R5.5: who, when, the file and its SHA-256, what it did) with its payload, a
/// line for every entry created or changed (`service::audit::entry_line`), which `audit
/// verify` replays as it replays the records of single entries. A decision or correction on
/// an entry already there also keeps its own record (maker–checker reads it), and so does a
/// row's 备注 (`note.set`). A file is read from its start on each pass,
/// and refused ([`TableError::Changed`]) when the second reading is not the first. Memory does
/// not grow with the roster: only the row at hand, bounded caches and at most
/// [`KEPT_PROBLEMS`] problems are held.
///
/// Errors: the roster's problems ([`ServiceError::Rows`], [`ServiceError::ManyRows`]) with
/// nothing written; the file's ([`ServiceError::Table`]); the actor's rights
/// ([`ServiceError::Denied`]); the store's.
pub fn entries_from(
    store: &mut Store,
    actor: &Actor,
    roster: &(impl Roster + Sync),
    source: &Source,
    registered: bool,
    dry_run: bool,
    progress: Progress<'_>,
) -> Result<Imported> {
    authz::require(actor, Act::Import)?;
    if registered {
        // R5.2 Paper history enters as registered: a registration, the reviewer's.
        authz::require(actor, Act::ImportRegistered)?;
    }
    let reference = Reference::load(store)?;

    // Pass 1: a read transaction, so the checks see one state of the database and take no
    // write lock.
    let (checked, header, rows) = {
        let read = store.conn().unchecked_transaction()?;
        let mut check = Check {
            conn: &read,
            cols: None,
            header: Header::default(),
            header_problems: Problems::default(),
            unheaded: Problems::default(),
            problems: Problems::default(),
            ids: Ids::default(),
            rows: 0,
            hint: roster.rows_hint(),
            progress: &mut *progress,
        };
        let pass = read_ahead(roster, &reference, &mut |ahead| check.take(ahead))?;
        (check.progress)(Step::Validate, check.rows, check.rows);
        let Check {
            header_problems,
            unheaded,
            problems,
            header,
            rows,
            ..
        } = check;
        read.commit()?;
        if !header_problems.is_empty() || !unheaded.is_empty() {
            return Err(header_problems.then(unheaded).into_error());
        }
        if !problems.is_empty() {
            return Err(problems.into_error());
        }
        (pass, header, rows)
    };
    let sha256 = checked
        .as_ref()
        .map_or_else(|| source.sha256.clone(), |p| p.sha256.clone());
    let source = Source {
        name: source.name.clone(),
        sha256,
    };

    // Pass 2: the one write transaction. The transaction of a large roster outgrows SQLite's
    // default page cache (2 MB), which then spills pages to the log mid-transaction, and its
    // statement journals (foreign keys, triggers) go to temporary files: both cost a write per
    // row. Set for this connection while it imports (the temporary store only outside a
    // transaction), and put back after, whatever the outcome.
    let conn = store.conn();
    let cache: i64 = conn.query_row("PRAGMA cache_size", [], |r| r.get(0))?;
    let temp: i64 = conn.query_row("PRAGMA temp_store", [], |r| r.get(0))?;
    conn.pragma_update(None, "cache_size", -IMPORT_CACHE_KIB)?;
    crate::store::audit::set_temp_store(conn, "MEMORY")?;
    let written = write_pass(
        store, actor, roster, &reference, &source, registered, dry_run, rows, &checked, progress,
    );
    let conn = store.conn();
    let restored = conn
        .pragma_update(None, "cache_size", cache)
        .map_err(crate::store::StoreError::from)
        .and_then(|()| crate::store::audit::set_temp_store(conn, &temp.to_string()));
    let summary = written?;
    restored?;
    Ok(Imported {
        summary,
        header,
        sha256: source.sha256,
    })
}

/// The second pass of [`entries_from`]: every row written in one transaction, committed only
/// when the file read is the file checked (`checked`) and no row met a problem; otherwise
/// nothing is written (the transaction is dropped, so rolled back).
#[allow(clippy::too_many_arguments)]
fn write_pass(
    store: &mut Store,
    actor: &Actor,
    roster: &(impl Roster + Sync),
    reference: &Reference,
    source: &Source,
    registered: bool,
    dry_run: bool,
    rows: usize,
    checked: &Option<import::stream::Pass>,
    progress: Progress<'_>,
) -> Result<Summary> {
    let tx = store.write()?;
    let summary = {
        let mut write = Write {
            tx: &tx,
            actor,
            reference,
            source,
            registered,
            rows,
            now: actor.stamp(),
            cols: None,
            summary: Summary {
                dry_run,
                ..Summary::default()
            },
            batch_id: None,
            touched: BTreeSet::new(),
            problems: Problems::default(),
            ids: Ids::default(),
            trail: Appender::new(),
            payload: PayloadWriter::new(),
            line: String::new(),
            evidence: None,
            created: None,
            codes: HashMap::new(),
            new_exception: None,
            done: 0,
            progress,
        };
        let pass = read_ahead(roster, reference, &mut |ahead| write.take(ahead))?;
        // What was written must be what was checked (R5.5: the trail names its sha256).
        let same = match (checked, &pass) {
            (Some(a), Some(b)) => a.sha256 == b.sha256 && a.rows == b.rows,
            _ => write.done == rows,
        };
        if !same {
            return Err(ServiceError::Table(TableError::Changed));
        }
        write.finish()?;
        write.summary
    };
    finish(tx, summary)
}

/// Page cache of the writing connection during an import, in KiB (SQLite's default is 2 000):
/// the pages of the entries, evidence, audit and totals an import touches stay in memory
/// between rows, well within the import's memory bound (issue 10: 100 MB).
const IMPORT_CACHE_KIB: i64 = 32 << 10;

/// People whose totals are rebuilt together; the set is emptied after each rebuild, so it does
/// not grow with the roster. Rebuilding a person twice is harmless: totals are recomputed from
/// the entries, never added to (`store::totals`).
const TOUCHED_PEOPLE: usize = 4_096;

/// The second pass: each row written as it streams past, in the one transaction.
struct Write<'a, 't, 'p> {
    tx: &'a Transaction<'t>,
    actor: &'a Actor,
    reference: &'a Reference,
    source: &'a Source,
    registered: bool,
    /// Data rows of the roster, as the first pass counted them.
    rows: usize,
    now: String,
    cols: Option<Columns>,
    summary: Summary,
    batch_id: Option<i64>,
    /// The people whose counted hours may have changed, rebuilt in groups of at most
    /// [`TOUCHED_PEOPLE`] and before the commit. Only a registered entry counts (R5.2), so a
    /// roster of recorded entries rebuilds nothing.
    touched: BTreeSet<i64>,
    problems: Problems,
    ids: Ids,
    trail: Appender,
    /// R5.5 Every entry this import creates or changes, one line each: what its one record
    /// signs (the record states the lines' SHA-256), written in compressed parts as it goes.
    payload: PayloadWriter,
    /// The line being made (one buffer for the whole import).
    line: String,
    /// Writes the evidence received, made at the first piece.
    evidence: Option<entries::EvidenceWriter>,
    /// The first and last id of the entries created: consecutive, as the import holds the
    /// write lock and SQLite gives each new row the highest id plus one.
    created: Option<(i64, i64)>,
    /// Every evidence code of each form's checklist (R3), for paper history.
    codes: HashMap<crate::domain::Form, BTreeSet<String>>,
    /// R5.5 The maker–checker exception of registering new paper history, the same for every
    /// row of a roster: decided at the first new entry.
    new_exception: Option<Option<authz::Exception>>,
    done: usize,
    progress: Progress<'p>,
}

/// Rows the reading thread sends the checking or writing one at a time: a send wakes the
/// other thread, so rows go in batches (one wake-up per batch, not per row).
const ROWS_A_BATCH: usize = 256;
/// Batches the reading thread may have ready ahead of the other: with [`ROWS_A_BATCH`], at
/// most some two thousand rows (a few MB) whatever the roster.
const BATCHES_AHEAD: usize = 8;

/// A row as the reading thread parsed it: the entry, or every problem of the row.
type Parsed = std::result::Result<import::Parsed<import::entries::EntryRow>, Vec<RowError>>;

/// What the reading thread hands over, in the file's order.
enum Ahead {
    /// The header, its columns as matched, and its problems (a column missing or twice).
    Header {
        header: Header,
        cols: Columns,
        problems: Vec<RowError>,
    },
    /// A data row: a value under no header, if any, and the row parsed.
    Row {
        unheaded: Option<RowError>,
        parsed: Parsed,
    },
}

/// Why the reading thread stopped early: the file's error, or the other thread has stopped
/// taking rows (it met a problem of its own, which is the one reported).
enum Stop {
    Table(TableError),
    Gone,
}

impl From<TableError> for Stop {
    fn from(e: TableError) -> Stop {
        Stop::Table(e)
    }
}

/// The reading thread's sink: each row parsed there, then sent on in batches.
struct Parser<'a> {
    send: std::sync::mpsc::SyncSender<Vec<Ahead>>,
    reference: &'a Reference,
    cols: Option<Columns>,
    batch: Vec<Ahead>,
}

impl Parser<'_> {
    fn push(&mut self, ahead: Ahead) -> std::result::Result<(), Stop> {
        self.batch.push(ahead);
        if self.batch.len() >= ROWS_A_BATCH {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> std::result::Result<(), Stop> {
        if self.batch.is_empty() {
            return Ok(());
        }
        let batch = std::mem::replace(&mut self.batch, Vec::with_capacity(ROWS_A_BATCH));
        self.send.send(batch).map_err(|_| Stop::Gone)
    }
}

impl RowSink<Stop> for Parser<'_> {
    fn header(&mut self, header: &Header) -> std::result::Result<(), Stop> {
        let (cols, problems) = match Columns::match_header(Kind::Entries, header) {
            Ok(cols) => (cols, Vec::new()),
            Err((cols, problems)) => (cols, problems),
        };
        self.cols = Some(cols.clone());
        self.push(Ahead::Header {
            header: header.clone(),
            cols,
            problems,
        })
    }

    fn row(&mut self, row: Row) -> std::result::Result<(), Stop> {
        let Some(cols) = &self.cols else {
            return Ok(());
        };
        let unheaded = cols.unheaded(&row);
        let parsed = import::entries::parse_row(cols, &row, self.reference);
        self.push(Ahead::Row { unheaded, parsed })
    }
}

/// A reading of `roster` (issue 10.3) on a thread of its own, each row parsed there, at most
/// [`BATCHES_AHEAD`] batches ahead, and handed to `each` on this thread in the file's order: the
/// reading and parsing use the machine's second core while this one checks or writes. Stops
/// at the first error of `each` (which is returned) or of the file; what the reading read, as
/// [`Roster::pass`] says it.
fn read_ahead<R: Roster + Sync>(
    roster: &R,
    reference: &Reference,
    each: &mut dyn FnMut(Ahead) -> Result<()>,
) -> Result<Option<import::stream::Pass>> {
    let (send, receive) = std::sync::mpsc::sync_channel(BATCHES_AHEAD);
    std::thread::scope(|scope| {
        let reader = scope.spawn(move || {
            let mut parser = Parser {
                send,
                reference,
                cols: None,
                batch: Vec::with_capacity(ROWS_A_BATCH),
            };
            let read = roster.pass::<Stop>(&mut parser);
            parser.flush()?;
            read
        });
        let mut taken = Ok(());
        'batches: for batch in receive.iter() {
            for ahead in batch {
                taken = each(ahead);
                if taken.is_err() {
                    break 'batches;
                }
            }
        }
        // The reader, if still reading, stops at its next batch.
        drop(receive);
        let read = reader
            .join()
            .unwrap_or_else(|panicked| std::panic::resume_unwind(panicked));
        taken?;
        match read {
            Ok(pass) => Ok(pass),
            Err(Stop::Table(e)) => Err(ServiceError::Table(e)),
            // Only when `each` failed, which returned above.
            Err(Stop::Gone) => Err(ServiceError::Table(TableError::Changed)),
        }
    })
}

impl Write<'_, '_, '_> {
    /// One item of the second reading.
    fn take(&mut self, ahead: Ahead) -> Result<()> {
        let changed = || ServiceError::Table(TableError::Changed);
        match ahead {
            // The header was checked in the first pass: one that no longer matches is a
            // changed file.
            Ahead::Header { cols, problems, .. } => {
                if !problems.is_empty() {
                    return Err(changed());
                }
                self.cols = Some(cols);
                Ok(())
            }
            Ahead::Row { unheaded, parsed } => {
                if unheaded.is_some() {
                    return Err(changed());
                }
                (self.progress)(Step::Write, self.done, self.rows);
                self.done += 1;
                let Some(cols) = self.cols.take() else {
                    return Ok(());
                };
                // Checked in the first pass: a row that no longer parses is a changed file.
                let written = match parsed {
                    Ok(row) => self.write_row(&cols, row),
                    Err(_) => Err(changed()),
                };
                self.cols = Some(cols);
                written
            }
        }
    }
}

impl Write<'_, '_, '_> {
    fn log(
        &mut self,
        action: &str,
        subject: &str,
        before: Option<&str>,
        after: Option<&str>,
    ) -> Result<()> {
        log(
            self.tx,
            &mut self.trail,
            self.actor,
            action,
            subject,
            before,
            after,
        )
    }

    fn keep_note(&mut self, subject: &str, note: &str) -> Result<bool> {
        keep_note(self.tx, &mut self.trail, self.actor, subject, note)
    }

    /// R3 Marks `codes` received for entry `id` by the importing clerk, now.
    fn add_evidence(&mut self, id: i64, codes: &BTreeSet<String>) -> Result<usize> {
        if codes.is_empty() {
            return Ok(0);
        }
        let writer = match &mut self.evidence {
            Some(w) => w,
            None => self.evidence.insert(entries::EvidenceWriter::new(
                self.tx,
                &self.actor.user,
                &self.now,
            )?),
        };
        Ok(writer.add(self.tx, id, codes)?)
    }

    /// R5.5 Adds entry `id` as it now stands to the payload (its head first).
    fn payload_line(
        &mut self,
        op: PayloadOp,
        id: i64,
        entry: &NewEntry,
        evidence: &BTreeSet<String>,
    ) -> Result<()> {
        if self.payload.lines() == 0 {
            self.payload.line(self.tx, audit::ENTRIES_PAYLOAD_HEAD)?;
        }
        audit::entry_line(&mut self.line, op, id, entry, evidence);
        self.payload.line(self.tx, &self.line)?;
        Ok(())
    }

    fn touch(&mut self, person_id: i64) -> Result<()> {
        self.touched.insert(person_id);
        if self.touched.len() >= TOUCHED_PEOPLE {
            totals::refresh_people(self.tx, &self.touched)?;
            self.touched.clear();
        }
        Ok(())
    }

    fn write_row(
        &mut self,
        cols: &Columns,
        row: import::Parsed<import::entries::EntryRow>,
    ) -> Result<()> {
        let tx = self.tx;
        let actor = self.actor;
        let r = &row.record;
        // Looked up again under the write lock: another clerk may have changed the people or
        // filings since the check.
        let Some(person_id) = self.ids.person(tx, r.id_number.as_str())? else {
            self.problems.push(RowError::new(
                row.line,
                &cols.header("id_number"),
                r.id_number.as_str(),
                Problem::UnknownPerson,
            ));
            return Ok(());
        };
        let filing_id = match &r.filing_no {
            None => None,
            Some(no) => match self.ids.filing(tx, no)? {
                Some(id) => Some(id),
                None => {
                    self.problems.push(RowError::new(
                        row.line,
                        &cols.header("filing_no"),
                        no,
                        Problem::UnknownFiling,
                    ));
                    return Ok(());
                }
            },
        };
        let checklist = self.reference.checklist(r.entry.form);
        let mut new = NewEntry {
            person_id,
            entry: r.entry.clone(),
            filing_id,
            batch_id: None,
        };
        let mut evidence: BTreeSet<String> = r.evidence.clone();
        if self.registered {
            // Paper history: registered on paper, so its evidence was seen then.
            new.entry.state = EntryState::Registered;
            new.entry.migrated = true;
            if let Some(list) = checklist {
                let all = self
                    .codes
                    .entry(r.entry.form)
                    .or_insert_with(|| list.all_codes());
                evidence.extend(all.iter().cloned());
            }
        }
        let registered = self.registered;
        let now = self.now.clone();
        new.batch_id = Some(self.batch()?);
        if !registered {
            let complete = checklist.is_some_and(|l| l.is_complete(&evidence));
            new.entry.state = state_after_evidence(EntryState::Recorded, complete);
        }
        // A new training is inserted at once, and only a row the natural key turns away is
        // looked up (issue 10.3: one lookup of the key for a new row, not two).
        if let Some(id) = entries::insert_new(tx, &new, &actor.user, &now)? {
            // R5.5 Registering paper history the clerk imports: decided once per roster, at
            // its first new entry (a refusal rolls the whole import back).
            if registered && self.new_exception.is_none() {
                let made = Made::Roster(self.source.name.clone());
                let mine = [actor.user.as_str()];
                let decided = authz::maker_checker(actor, Act::ImportRegistered, made, mine)?;
                self.new_exception = Some(decided);
            }
            self.add_evidence(id, &evidence)?;
            if new.entry.state == EntryState::Registered {
                self.touch(person_id)?;
            }
            // R5.5 With the evidence received, so `audit verify` knows the set it starts
            // from; the maker–checker exception, the same for every new entry, is stated once
            // in the import's record.
            self.payload_line(PayloadOp::Created, id, &new, &evidence)?;
            self.created = Some(self.created.map_or((id, id), |(first, _)| (first, id)));
            if !row.note.is_empty() {
                self.keep_note(&format!("entry:{id}"), &row.note)?;
            }
            self.summary.added += 1;
            return Ok(());
        }
        let ex = entries::find_same(tx, &new)?.ok_or_else(|| {
            // The natural key turned the row away, so its training is there to be found.
            crate::store::StoreError::from(rusqlite::Error::QueryReturnedNoRows)
        })?;
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
                let makers = entries::makers(tx, id)?;
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
            self.problems.push(RowError::new(
                row.line,
                &cols.header("id_number"),
                r.id_number.as_str(),
                Problem::AlreadyDecided { state: ex.state },
            ));
            return Ok(());
        }
        let before = entries::evidence(tx, id)?;
        // A note is not a decision: it is kept whatever the entry's state.
        let noted = self.keep_note(&format!("entry:{id}"), &row.note)?;
        if !corrected && !promote && evidence.is_subset(&before) {
            if noted {
                self.summary.updated += 1;
            } else {
                self.summary.unchanged += 1;
            }
            return Ok(());
        }
        if corrected {
            entries::correct(
                tx,
                id,
                new.entry.year,
                new.entry.result,
                new.filing_id,
                &now,
            )?;
        }
        self.add_evidence(id, &evidence)?;
        let have = entries::evidence(tx, id)?;
        let next = if promote {
            entries::mark_migrated(tx, id, &actor.user, &now)?;
            EntryState::Registered
        } else {
            let complete = checklist.is_some_and(|l| l.is_complete(&have));
            let next = state_after_evidence(ex.state, complete);
            if next != ex.state {
                entries::set_state(tx, id, next, &now)?;
            }
            next
        };
        let action = if promote {
            "entry.migrate"
        } else {
            "entry.correct"
        };
        if corrected || next == EntryState::Registered {
            self.touch(person_id)?;
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
        // A decision on, or a correction of, an entry already there keeps a record of
        // its own: maker–checker (`entries::makers`) and the person's history read it.
        self.log(
            action,
            &format!("entry:{id}"),
            Some(&existing_json(&ex, &before)),
            Some(&after.to_string()),
        )?;
        new.entry.state = next;
        new.entry.migrated = promote || ex.migrated;
        self.payload_line(PayloadOp::Changed, id, &new, &have)?;
        self.summary.updated += 1;
        Ok(())
    }

    /// The import batch of the entries this import creates (the review queue groups them by
    /// it), made at the first row; [`Write::finish`] takes it back if no entry was created.
    fn batch(&mut self) -> Result<i64> {
        if let Some(b) = self.batch_id {
            return Ok(b);
        }
        let kind = if self.registered {
            "entries.registered"
        } else {
            "entries"
        };
        let b = entries::insert_batch(
            self.tx,
            kind,
            &self.source.name,
            &self.source.sha256,
            self.rows,
            &self.actor.user,
            &self.now,
        )?;
        self.batch_id = Some(b);
        Ok(b)
    }

    /// After the last row: the problems found while writing, else the remaining totals and
    /// the import's own audit record.
    fn finish(&mut self) -> Result<()> {
        if !self.problems.is_empty() {
            return Err(std::mem::take(&mut self.problems).into_error());
        }
        (self.progress)(Step::Write, self.rows, self.rows);
        if self.created.is_none()
            && let Some(b) = self.batch_id.take()
        {
            // Every row was there already: an import that creates nothing leaves no batch.
            entries::delete_batch(self.tx, b)?;
        }
        totals::refresh_people(self.tx, &self.touched)?;
        self.touched.clear();
        let s = self.summary;
        if s.added + s.updated > 0 {
            // The batch of the entries it created, when it created any: a person's history
            // finds the import that brought their entries through it (`audit::about_person`).
            let subject = match self.batch_id {
                Some(b) => format!("batch:{b}"),
                None => format!("file:{}", self.source.name),
            };
            let payload = std::mem::take(&mut self.payload).finish(self.tx)?;
            let mut after = summary_value(self.source, &s);
            after["kind"] = serde_json::json!(if self.registered {
                "entries.registered"
            } else {
                "entries"
            });
            after["batch"] = serde_json::json!(self.batch_id);
            after["rows"] = serde_json::json!(self.rows);
            after["created"] = serde_json::json!(self.created.map(|(a, b)| [a, b]));
            after["payload"] = serde_json::json!({
                "sha256": payload.sha256,
                "lines": payload.lines,
                "parts": payload.parts,
            });
            authz::Exception::note(self.new_exception.flatten(), &mut after);
            let at = self.actor.stamp();
            let id = self.trail.append(
                self.tx,
                &Record {
                    at: &at,
                    user: &self.actor.user,
                    action: audit::IMPORT_ENTRIES,
                    subject: &subject,
                    before: None,
                    after: Some(&after.to_string()),
                },
            )?;
            crate::store::audit::sign_payload(self.tx, id)?;
        }
        Ok(())
    }
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
    summary_value(source, s).to_string()
}

/// R5.5 What an import's record says: the file by name and SHA-256, and what it did.
fn summary_value(source: &Source, s: &Summary) -> serde_json::Value {
    serde_json::json!({
        "file": source.name,
        "sha256": source.sha256,
        "added": s.added,
        "updated": s.updated,
        "unchanged": s.unchanged,
    })
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

    /// A roster file that another program rewrites right after it has been checked: what
    /// a clerk saving the spreadsheet again mid-import does.
    struct RewrittenAfterCheck<'a> {
        file: crate::import::stream::RosterFile<'a>,
        rewrite: String,
        passes: std::sync::atomic::AtomicUsize,
    }

    impl Roster for RewrittenAfterCheck<'_> {
        fn pass<E: From<TableError>>(
            &self,
            sink: &mut dyn RowSink<E>,
        ) -> std::result::Result<Option<import::stream::Pass>, E> {
            let read = self.file.pass(sink);
            if self
                .passes
                .fetch_add(1, std::sync::atomic::Ordering::SeqCst)
                == 0
            {
                std::fs::write(self.file.path, &self.rewrite).expect("rewrite the roster");
            }
            read
        }

        fn rows_hint(&self) -> Option<usize> {
            None
        }
    }

    const ENTRIES_HEADER: &str =
        "身份证号,科目类别,学习形式,培训内容,施教机构,开始日期,结束日期,学时,考核结果";

    fn people_store(a: &Actor) -> Store {
        let mut store = Store::open_in_memory().expect("store");
        let people = table(
            "身份证号,姓名,单位,单位类型,市州",
            &[&format!("{ZHANG},张伟,长沙市第一医院,市州所属单位,长沙")],
        );
        self::people(&mut store, a, &people, &source(), false).expect("people");
        store
    }

    /// Issue 10.3: the rows written are the rows checked. A file changed between the check and
    /// the writing (here a row's hours, still valid) is refused and nothing is written.
    #[test]
    fn a_file_changed_between_checking_and_writing_is_refused_and_nothing_written() {
        let a = actor("clerk");
        let mut store = people_store(&a);
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("entries.csv");
        let row = |hours: &str| {
            format!(
                "{ENTRIES_HEADER}\n{ZHANG},专业科目,培训班,内科进展,省医学会,2016-03-01,2016-03-05,{hours},合格\n"
            )
        };
        std::fs::write(&path, row("40")).expect("roster");
        let roster = RewrittenAfterCheck {
            file: crate::import::stream::RosterFile {
                file: std::fs::File::open(&path).expect("open"),
                path: &path,
                vocabulary: &Kind::Entries,
                limits: crate::import::Limits::default(),
            },
            rewrite: row("400"),
            passes: std::sync::atomic::AtomicUsize::new(0),
        };
        let result = entries_from(&mut store, &a, &roster, &source(), false, false, &mut quiet);
        assert!(
            matches!(result, Err(ServiceError::Table(TableError::Changed))),
            "{result:?}"
        );
        assert_eq!(
            roster.passes.load(std::sync::atomic::Ordering::SeqCst),
            2,
            "checked, then read again to be written"
        );
        let written: i64 = store
            .conn()
            .query_row("SELECT count(*) FROM entries", [], |r| r.get(0))
            .expect("count");
        assert_eq!(written, 0);
        let msg = ServiceError::Table(TableError::Changed);
        assert!(crate::i18n::Describe::describe(&msg, crate::i18n::Lang::Zh).contains("改动"));

        // The same file left alone imports, and its sha256 is the one recorded.
        std::fs::write(&path, row("40")).expect("roster");
        let plain = crate::import::stream::RosterFile {
            file: std::fs::File::open(&path).expect("open"),
            path: &path,
            vocabulary: &Kind::Entries,
            limits: crate::import::Limits::default(),
        };
        let done = entries_from(&mut store, &a, &plain, &source(), false, false, &mut quiet)
            .expect("imports");
        assert_eq!(done.summary.added, 1);
        let bytes = std::fs::read(&path).expect("roster");
        let sha: String = {
            use sha2::Digest;
            sha2::Sha256::digest(&bytes)
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect()
        };
        assert_eq!(done.sha256, sha);
    }

    /// Issue 10.3: problems beyond [`KEPT_PROBLEMS`] are counted, not kept, and the count is
    /// what the clerk is told.
    #[test]
    fn problems_beyond_those_kept_are_counted() {
        let a = actor("clerk");
        let mut store = people_store(&a);
        let bad = format!("{ZHANG},专业科目,培训班,内科进展,省医学会,2016-03-01,2016-03-05,0,合格");
        let rows: Vec<&str> = (0..KEPT_PROBLEMS + 5).map(|_| bad.as_str()).collect();
        let roster = table(ENTRIES_HEADER, &rows);
        match entries(&mut store, &a, &roster, &source(), false, false) {
            Err(ServiceError::ManyRows { listed, total }) => {
                assert_eq!(listed.len(), KEPT_PROBLEMS);
                assert_eq!(total, KEPT_PROBLEMS + 5);
                assert_eq!(listed[0].line, 2);
                let e = ServiceError::ManyRows { listed, total };
                let en = crate::i18n::Describe::describe(&e, crate::i18n::Lang::En);
                assert!(en.contains(&format!("{total} problems")), "{en}");
            }
            other => panic!("expected the counted problems, got {other:?}"),
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
