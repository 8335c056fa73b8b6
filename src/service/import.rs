//! Import rosters: validate every row first, then write all of it in one transaction, or
//! nothing. Re-importing the same file changes nothing.

use std::collections::{BTreeSet, HashMap};
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};

use rusqlite::{Connection, Transaction};

use crate::domain::entry::state_after_evidence;
use crate::domain::{EntryState, Filing, Person};
use crate::import::stream::{Header, Roster, RowSink};
use crate::import::{self, Columns, Kind, Problem, Row, RowError, Table, TableError};
use crate::store::audit::{Appender, PayloadWriter, Record};
use crate::store::entries::NewEntry;
use crate::store::entry_batch::{self, EntryBatch};
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

/// `import people`: add new people, update changed ones (R1.2); ID numbers must be plausible
/// on the actor's today (R1.1). See [`people_from`].
pub fn people(
    store: &mut Store,
    actor: &Actor,
    table: &Table,
    source: &Source,
    dry_run: bool,
) -> Result<Summary> {
    people_with_progress(store, actor, table, source, dry_run, &mut quiet)
}

/// [`people`], reporting its progress: the checking row by row, then the writing row by row.
pub fn people_with_progress(
    store: &mut Store,
    actor: &Actor,
    table: &Table,
    source: &Source,
    dry_run: bool,
    progress: Progress<'_>,
) -> Result<Summary> {
    Ok(people_from(store, actor, table, source, dry_run, progress)?.summary)
}

/// `import people` of any [`Roster`] (a file read as a stream, or a table), as
/// [`entries_from`] imports entries (issue 10.3): checked in a first pass that holds no write
/// lock — every row as the roster's parser reads it (R1.1–R1.4), and a person listed twice
/// with different data refused ([`Problem::Duplicate`], naming the first row) — then written in
/// a second pass, in one transaction: new people inserted several to a statement
/// (`people::insert_rows`, which also fills the People search tables through their
/// triggers), changed ones updated, identical ones and exact repeats left alone, so
/// re-importing a file changes nothing. R5.5 One signed audit record for the import
/// (`import.people`: who, when, the file and its SHA-256, what it did, the first and last
/// person created) with its payload, a line for every person created or changed
/// (`service::audit::person_line`), which `audit verify` replays as it replays the records of
/// single people; a row's 备注 keeps its own record (`note.set`). A file changed between the
/// two readings is refused ([`TableError::Changed`]) with nothing written.
///
/// Memory: the rows stream; what grows with the roster is one 24-byte mark per person in the
/// first pass (ID number, row, fingerprint), to find a person listed twice.
///
/// Errors: the roster's problems ([`ServiceError::Rows`], [`ServiceError::ManyRows`]) with
/// nothing written; the file's ([`ServiceError::Table`]); the actor's rights
/// ([`ServiceError::Denied`]); the store's.
pub fn people_from(
    store: &mut Store,
    actor: &Actor,
    roster: &(impl Roster + Sync),
    source: &Source,
    dry_run: bool,
    progress: Progress<'_>,
) -> Result<Imported> {
    authz::require(actor, Act::Import)?;
    let reference = Reference::load(store)?;
    let kind = PeopleRows {
        reference: &reference,
        today: actor.today(),
    };
    let mut checker = PeopleChecker::default();
    two_passes(
        store,
        roster,
        &kind,
        &mut checker,
        source,
        progress,
        |store, source, checked, progress| {
            let tx = store.write()?;
            let summary = {
                let mut write = PeopleWrite {
                    tx: &tx,
                    actor,
                    now: actor.stamp(),
                    summary: Summary {
                        dry_run,
                        ..Summary::default()
                    },
                    trail: Appender::new(),
                    payload: PayloadWriter::new(),
                    line: String::new(),
                    new: Vec::with_capacity(NEW_PEOPLE_A_STATEMENT),
                    created: None,
                };
                write_rows(roster, &kind, checked, progress, &mut write)?;
                write.finish(source, checked.rows)?;
                write.summary
            };
            finish(tx, summary)
        },
    )
}

/// One person of a people roster as the first pass keeps it, to find a person listed twice
/// (R1.2): 24 bytes, whatever the row holds.
#[derive(Debug, Clone, Copy)]
struct Listed {
    /// The first 17 digits of the ID number, which decide the whole of a valid one (R1.1: the
    /// 18th is their check character).
    id: u64,
    /// A 64-bit fingerprint of everything the row says of the person.
    print: u64,
    line: usize,
}

/// R1.2 The people roster's first pass beyond each row: the same person listed twice. Each
/// parsed row leaves a [`Listed`]; at the end they are sorted by ID number and row, and every
/// later row of a person is compared with the first — a different one is a
/// [`Problem::Duplicate`] naming the first row, the same one is left out of the writing, as a
/// whole-table parse leaves it out (`import::people::parse`).
#[derive(Default)]
struct PeopleChecker {
    seen: Vec<Listed>,
    repeats: Vec<usize>,
}

/// The first 17 digits of a valid ID number as a number (see [`Listed::id`]).
fn id_key(id: &crate::domain::IdNumber) -> u64 {
    id.as_str().bytes().take(17).fold(0u64, |k, b| {
        k.wrapping_mul(10)
            .wrapping_add(u64::from(b.wrapping_sub(b'0')))
    })
}

/// The ID number whose first 17 digits are `key` (the inverse of [`id_key`]).
fn id_of_key(key: u64) -> String {
    let first: String = format!("{key:017}");
    let mut digits = [0u8; 17];
    digits.copy_from_slice(&first.as_bytes()[..17]);
    format!("{first}{}", crate::domain::id_number::check_char(&digits))
}

/// A fingerprint of every field of a person: two rows that differ in any field differ in it
/// but for odds of one in 2^64 (SipHash with fixed keys, the same in every run).
fn fingerprint(p: &Person) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::hash::DefaultHasher::new();
    p.id_number.as_str().hash(&mut h);
    p.name.hash(&mut h);
    p.unit.hash(&mut h);
    p.unit_kind.code().hash(&mut h);
    p.city_code.hash(&mut h);
    p.title.hash(&mut h);
    p.title_level
        .map(crate::domain::TitleLevel::code)
        .hash(&mut h);
    p.series.hash(&mut h);
    p.phone.hash(&mut h);
    p.file_location.hash(&mut h);
    h.finish()
}

impl Checker<Person> for PeopleChecker {
    fn row(
        &mut self,
        _conn: &Connection,
        _cols: &Columns,
        row: &import::Parsed<Person>,
        _problems: &mut Problems,
    ) -> Result<()> {
        self.seen.push(Listed {
            id: id_key(&row.record.id_number),
            print: fingerprint(&row.record),
            line: row.line,
        });
        Ok(())
    }

    fn finish(&mut self, cols: Option<&Columns>, problems: Problems) -> Problems {
        let mut seen = std::mem::take(&mut self.seen);
        seen.sort_unstable_by_key(|l| (l.id, l.line));
        // (row, (first row, ID number)) of each person listed again with other data.
        let mut twice: Vec<(usize, (usize, u64))> = Vec::new();
        for group in seen.chunk_by(|a, b| a.id == b.id) {
            let first = group[0];
            for later in &group[1..] {
                if later.print == first.print {
                    self.repeats.push(later.line);
                } else {
                    twice.push((later.line, (first.line, later.id)));
                }
            }
        }
        drop(seen);
        self.repeats.sort_unstable();
        twice.sort_unstable();
        let column = cols.map_or_else(|| "id_number".to_string(), |c| c.header("id_number"));
        problems.merged(twice, |line, (first_line, id)| {
            RowError::new(
                line,
                &column,
                &id_of_key(id),
                Problem::Duplicate { first_line },
            )
        })
    }

    fn left_out(&mut self) -> Vec<usize> {
        std::mem::take(&mut self.repeats)
    }
}

/// New people inserted by one statement (`people::insert_rows`), in the list's order. Each
/// statement flushes the full-text index of names and journals every page it changes, once
/// (issue 10.3), so larger statements cost less CPU (64 unsorted: 8.8 s of CPU for 100 000
/// people; 512 sorted: 7.2 s). The statement journal is held in memory while the import runs
/// and grows with the statement: 512 people reached 97 MB at a million, too near the bound
/// of 100 MB.
const NEW_PEOPLE_A_STATEMENT: usize = 256;

/// The people roster's second pass: each row written as it streams past, in the one
/// transaction.
struct PeopleWrite<'a, 't> {
    tx: &'a Transaction<'t>,
    actor: &'a Actor,
    now: String,
    summary: Summary,
    trail: Appender,
    /// R5.5 Every person this import creates or changes, a line each (see [`people_from`]).
    payload: PayloadWriter,
    /// The line being made (one buffer for the whole import).
    line: String,
    /// New people waiting for their statement, at most [`NEW_PEOPLE_A_STATEMENT`]. A later
    /// row never names one of them: the first pass left exact repeats out, and found the
    /// others.
    new: Vec<import::Parsed<Person>>,
    /// The first and last id of the people created: consecutive, as the import holds the write
    /// lock and SQLite gives each new row the highest id plus one.
    created: Option<(i64, i64)>,
}

impl RowWriter<Person> for PeopleWrite<'_, '_> {
    fn repeat(&mut self) {
        self.summary.unchanged += 1;
    }

    fn row(&mut self, _cols: &Columns, row: import::Parsed<Person>) -> Result<()> {
        let tx = self.tx;
        let subject = format!("person:{}", row.record.id_number.as_str());
        match people::find_by_id_number(tx, row.record.id_number.as_str())? {
            None => {
                self.new.push(row);
                if self.new.len() >= NEW_PEOPLE_A_STATEMENT {
                    self.insert_new()?;
                }
            }
            Some((_, old)) if old == row.record => {
                if keep_note(tx, &mut self.trail, self.actor, &subject, &row.note)? {
                    self.summary.updated += 1;
                } else {
                    self.summary.unchanged += 1;
                }
            }
            Some((id, _)) => {
                keep_note(tx, &mut self.trail, self.actor, &subject, &row.note)?;
                people::update(tx, id, &row.record, &self.now)?;
                self.payload_line(PayloadOp::Changed, id, &row.record)?;
                self.summary.updated += 1;
            }
        }
        Ok(())
    }
}

impl PeopleWrite<'_, '_> {
    /// R5.5 Adds person `id` as it now stands to the payload (its head first).
    fn payload_line(&mut self, op: PayloadOp, id: i64, p: &Person) -> Result<()> {
        if self.payload.lines() == 0 {
            self.payload.line(self.tx, audit::PEOPLE_PAYLOAD_HEAD)?;
        }
        audit::person_line(&mut self.line, op, id, p);
        self.payload.line(self.tx, &self.line)?;
        Ok(())
    }

    /// The new people waiting, inserted (R1.2) with their payload lines and notes.
    fn insert_new(&mut self) -> Result<()> {
        if self.new.is_empty() {
            return Ok(());
        }
        let mut new = std::mem::take(&mut self.new);
        // In the list's order (name, then ID number): the largest of the search tables
        // (`people_order`, `people_prefixes`, `people_key`) are keyed by the name, so the
        // statement's rows land on neighbouring pages, each written and journalled once for
        // several people instead of once for each.
        new.sort_unstable_by(|a, b| {
            (&a.record.name, a.record.id_number.as_str())
                .cmp(&(&b.record.name, b.record.id_number.as_str()))
        });
        let records: Vec<&Person> = new.iter().map(|p| &p.record).collect();
        let ids = people::insert_rows(self.tx, &records, &self.now)?;
        for (p, id) in new.iter().zip(ids) {
            self.payload_line(PayloadOp::Created, id, &p.record)?;
            self.created = Some(self.created.map_or((id, id), |(first, _)| (first, id)));
            if !p.note.is_empty() {
                let subject = format!("person:{}", p.record.id_number.as_str());
                keep_note(self.tx, &mut self.trail, self.actor, &subject, &p.note)?;
            }
            self.summary.added += 1;
        }
        self.new = new;
        self.new.clear();
        Ok(())
    }

    /// After the last row: the people still waiting, then the import's own record (when it
    /// changed anything) signing its payload.
    fn finish(&mut self, source: &Source, rows: usize) -> Result<()> {
        self.insert_new()?;
        let s = self.summary;
        if s.added + s.updated > 0 {
            let mut after = summary_value(source, &s);
            after["kind"] = serde_json::json!("people");
            after["rows"] = serde_json::json!(rows);
            after["created"] = serde_json::json!(self.created.map(|(a, b)| [a, b]));
            let payload = std::mem::take(&mut self.payload);
            sign_import(
                self.tx,
                &mut self.trail,
                self.actor,
                audit::IMPORT_PEOPLE,
                &format!("file:{}", source.name),
                after,
                payload,
            )?;
        }
        Ok(())
    }
}

/// R5.5 Appends an import's one record (`action` on `subject`, stating `after`) and, when the
/// import wrote payload lines, the payload's SHA-256, lines and parts, then gives the payload's
/// parts to the record. An import that changed only notes has no line, and states no payload.
fn sign_import(
    tx: &Transaction<'_>,
    trail: &mut Appender,
    actor: &Actor,
    action: &str,
    subject: &str,
    mut after: serde_json::Value,
    payload: PayloadWriter,
) -> Result<i64> {
    let signs = payload.lines() > 0;
    if signs {
        let payload = payload.finish(tx)?;
        after["payload"] = serde_json::json!({
            "sha256": payload.sha256,
            "lines": payload.lines,
            "parts": payload.parts,
        });
    }
    let at = actor.stamp();
    let id = trail.append(
        tx,
        &Record {
            at: &at,
            user: &actor.user,
            action,
            subject,
            before: None,
            after: Some(&after.to_string()),
        },
    )?;
    if signs {
        crate::store::audit::sign_payload(tx, id)?;
    }
    Ok(id)
}

/// `import filings` of a table in memory: add new filings, update changed ones (R4.2). See
/// [`filings_from`].
pub fn filings(
    store: &mut Store,
    actor: &Actor,
    table: &Table,
    source: &Source,
    dry_run: bool,
) -> Result<Summary> {
    Ok(filings_from(store, actor, table, source, dry_run, &mut quiet)?.summary)
}

/// `import filings` of any [`Roster`] (a file read as a stream, or a table), as
/// [`entries_from`] and [`people_from`] import theirs (issue 10.3): checked in a first pass
/// that holds no write lock — every row as the roster's parser reads it (R4.2, R4.3), and a
/// filing listed twice with different data refused ([`Problem::Duplicate`], naming the first
/// row) — then written in a second pass, in one transaction: a new filing inserted, a changed
/// one updated (its people's totals refreshed, R4.3), an identical one and exact repeats left
/// alone, so re-importing a file changes nothing. R5.5 Each filing created or changed keeps its
/// own record (`filing.create`, `filing.update` with the filing before and after), a row's
/// 备注 its `note.set`, and the import one `import.filings` record (the file, its SHA-256 as
/// read, what it did) when it changed anything. A file changed between the two readings is
/// refused ([`TableError::Changed`]) with nothing written.
///
/// Memory: the rows stream; what grows with the roster is, in the first pass, each filing
/// number (in one buffer) and a 32-byte mark per row, to find a filing listed twice.
///
/// Errors: the roster's problems ([`ServiceError::Rows`], [`ServiceError::ManyRows`]) with
/// nothing written; the file's ([`ServiceError::Table`]); the actor's rights
/// ([`ServiceError::Denied`]); the store's.
pub fn filings_from(
    store: &mut Store,
    actor: &Actor,
    roster: &(impl Roster + Sync),
    source: &Source,
    dry_run: bool,
    progress: Progress<'_>,
) -> Result<Imported> {
    authz::require(actor, Act::Import)?;
    let mut checker = FilingsChecker::default();
    two_passes(
        store,
        roster,
        &FilingRows,
        &mut checker,
        source,
        progress,
        |store, source, checked, progress| {
            let tx = store.write()?;
            let summary = {
                let mut write = FilingsWrite {
                    tx: &tx,
                    actor,
                    now: actor.stamp(),
                    summary: Summary {
                        dry_run,
                        ..Summary::default()
                    },
                    trail: Appender::new(),
                };
                write_rows(roster, &FilingRows, checked, progress, &mut write)?;
                write.finish(source)?;
                write.summary
            };
            finish(tx, summary)
        },
    )
}

/// Rows of a filings roster (R4.2, R4.3).
struct FilingRows;

impl RowKind for FilingRows {
    type Record = Filing;
    fn kind(&self) -> Kind {
        Kind::Filings
    }
    fn parse(&self, cols: &Columns, row: &Row) -> Parsed<Filing> {
        import::filings::parse_row(cols, row)
    }
}

/// One filing of a filings roster as the first pass keeps it, to find a filing listed twice:
/// where its number lies in [`FilingsChecker::numbers`], a fingerprint of the row, and its row.
#[derive(Debug, Clone, Copy)]
struct Numbered {
    at: usize,
    len: usize,
    print: u64,
    line: usize,
}

/// R4.2 The filings roster's first pass beyond each row: the same filing number listed twice.
/// The numbers are kept exactly (one buffer, not a hash of them: two numbers are never taken
/// for one), sorted at the end by number and row; a later row that differs from the first of
/// its number is a [`Problem::Duplicate`] naming the first row, a later row alike is left out
/// of the writing (its note too: the first row's is kept), as the whole-table import did.
#[derive(Default)]
struct FilingsChecker {
    /// Every filing number of the roster's good rows, one after another.
    numbers: String,
    seen: Vec<Numbered>,
    repeats: Vec<usize>,
}

/// A fingerprint of every field of a filing (see [`fingerprint`]). The filing is taken apart
/// field by field, so a field added to [`Filing`] does not compile here until it is hashed.
fn filing_print(f: &Filing) -> u64 {
    use std::hash::{Hash, Hasher};
    let Filing {
        filing_no,
        name,
        category,
        applicant_unit,
        institution,
        address,
        post_code,
        email,
        head,
        head_post,
        head_phone,
        contact,
        contact_post,
        contact_phone,
        place,
        trainees,
        programme,
        schedule,
        start_date,
        end_date,
        status,
        approved_on,
    } = f;
    let mut h = std::hash::DefaultHasher::new();
    for text in [
        filing_no,
        name,
        applicant_unit,
        institution,
        address,
        post_code,
        email,
        head,
        head_post,
        head_phone,
        contact,
        contact_post,
        contact_phone,
        place,
        trainees,
        programme,
        schedule,
    ] {
        text.hash(&mut h);
    }
    category.code().hash(&mut h);
    status.code().hash(&mut h);
    (start_date, end_date, approved_on).hash(&mut h);
    h.finish()
}

impl Checker<Filing> for FilingsChecker {
    fn row(
        &mut self,
        _conn: &Connection,
        _cols: &Columns,
        row: &import::Parsed<Filing>,
        _problems: &mut Problems,
    ) -> Result<()> {
        let no = &row.record.filing_no;
        self.seen.push(Numbered {
            at: self.numbers.len(),
            len: no.len(),
            print: filing_print(&row.record),
            line: row.line,
        });
        self.numbers.push_str(no);
        Ok(())
    }

    fn finish(&mut self, cols: Option<&Columns>, problems: Problems) -> Problems {
        let mut seen = std::mem::take(&mut self.seen);
        let numbers = std::mem::take(&mut self.numbers);
        let no = |n: &Numbered| &numbers[n.at..n.at + n.len];
        seen.sort_unstable_by(|a, b| (no(a), a.line).cmp(&(no(b), b.line)));
        // (row, (first row, the later row's mark)) of each filing listed again with other data.
        let mut twice: Vec<(usize, (usize, Numbered))> = Vec::new();
        for group in seen.chunk_by(|a, b| no(a) == no(b)) {
            let first = group[0];
            for later in &group[1..] {
                if later.print == first.print {
                    self.repeats.push(later.line);
                } else {
                    twice.push((later.line, (first.line, *later)));
                }
            }
        }
        drop(seen);
        self.repeats.sort_unstable();
        twice.sort_unstable_by_key(|t| t.0);
        let column = cols.map_or_else(|| "filing_no".to_string(), |c| c.header("filing_no"));
        problems.merged(twice, |line, (first_line, later)| {
            RowError::new(line, &column, no(&later), Problem::Duplicate { first_line })
        })
    }

    fn left_out(&mut self) -> Vec<usize> {
        std::mem::take(&mut self.repeats)
    }
}

/// The filings roster's second pass: each row written as it streams past, in the one
/// transaction.
struct FilingsWrite<'a, 't> {
    tx: &'a Transaction<'t>,
    actor: &'a Actor,
    now: String,
    summary: Summary,
    trail: Appender,
}

impl RowWriter<Filing> for FilingsWrite<'_, '_> {
    fn repeat(&mut self) {
        self.summary.unchanged += 1;
    }

    fn row(&mut self, _cols: &Columns, row: import::Parsed<Filing>) -> Result<()> {
        let (tx, actor) = (self.tx, self.actor);
        let r = &row.record;
        let subject = format!("filing:{}", r.filing_no);
        let trail = &mut self.trail;
        match filings::find_by_no(tx, &r.filing_no)? {
            None => {
                filings::insert(tx, r, &self.now)?;
                let after = filings::to_json(r);
                log(
                    tx,
                    trail,
                    actor,
                    "filing.create",
                    &subject,
                    None,
                    Some(&after),
                )?;
                keep_note(tx, trail, actor, &subject, &row.note)?;
                self.summary.added += 1;
            }
            Some((_, old)) if &old == r => {
                if keep_note(tx, trail, actor, &subject, &row.note)? {
                    self.summary.updated += 1;
                } else {
                    self.summary.unchanged += 1;
                }
            }
            Some((id, old)) => {
                keep_note(tx, trail, actor, &subject, &row.note)?;
                filings::update(tx, id, r, &self.now)?;
                // R4.3 A roster may change a filing's status, approval date or category, and
                // with them what its entries count.
                totals::refresh_filing(tx, id)?;
                let (before, after) = (filings::to_json(&old), filings::to_json(r));
                log(
                    tx,
                    trail,
                    actor,
                    "filing.update",
                    &subject,
                    Some(&before),
                    Some(&after),
                )?;
                self.summary.updated += 1;
            }
        }
        Ok(())
    }
}

impl FilingsWrite<'_, '_> {
    /// R5.5 After the last row: the import's own record, when it changed anything.
    fn finish(&mut self, source: &Source) -> Result<()> {
        let s = self.summary;
        if s.added + s.updated > 0 {
            log(
                self.tx,
                &mut self.trail,
                self.actor,
                "import.filings",
                &format!("file:{}", source.name),
                None,
                Some(&summary_json(source, &s)),
            )?;
        }
        Ok(())
    }
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

/// What an import of entries, people or filings did, with what it read above the data.
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
pub(super) struct Problems {
    kept: Vec<RowError>,
    total: usize,
}

impl Problems {
    pub(super) fn push(&mut self, e: RowError) {
        self.total += 1;
        if self.kept.len() < KEPT_PROBLEMS {
            self.kept.push(e);
        }
    }

    pub(super) fn is_empty(&self) -> bool {
        self.total == 0
    }

    /// These problems (in the file's order) with `later` ones put in their place by row, so
    /// that those kept are still the file's first: `later` is in the file's order, a row and
    /// what `make` makes its problem of — made only when it is kept (a roster of a million
    /// repeats holds a million marks, not a million messages).
    fn merged<T>(self, later: Vec<(usize, T)>, make: impl Fn(usize, T) -> RowError) -> Problems {
        if later.is_empty() {
            return self;
        }
        let total = self.total + later.len();
        let mut out = Problems::default();
        let mut kept = self.kept.into_iter().peekable();
        for (line, what) in later {
            while let Some(e) = kept.next_if(|e| e.line <= line) {
                out.push(e);
            }
            if out.kept.len() >= KEPT_PROBLEMS {
                break;
            }
            out.push(make(line, what));
        }
        kept.for_each(|e| out.push(e));
        out.total = total;
        out
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

    pub(super) fn into_error(self) -> ServiceError {
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
    people: foldhash::HashMap<String, Option<i64>>,
    filings: foldhash::HashMap<String, Option<i64>>,
}

/// Numbers an [`Ids`] holds of each kind before it starts again.
const CACHED_IDS: usize = 4_096;

impl Ids {
    fn cached(
        map: &mut foldhash::HashMap<String, Option<i64>>,
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

/// What one kind of import checks of each row against the database in the first pass, beyond
/// what parsing the row checked (issue 10.3): entries look up their person and filing; people
/// look for the same person listed twice.
pub(super) trait Checker<T> {
    /// Checks the parsed `row` (on the first pass's read transaction `conn`), adding what is
    /// wrong with it to `problems`.
    fn row(
        &mut self,
        conn: &Connection,
        cols: &Columns,
        row: &import::Parsed<T>,
        problems: &mut Problems,
    ) -> Result<()>;

    /// After the last row, with every row's problems in the file's order: those only the
    /// whole roster shows, put in their place. Nothing more by default.
    fn finish(&mut self, _cols: Option<&Columns>, problems: Problems) -> Problems {
        problems
    }

    /// After [`Checker::finish`] found no problem: the rows (by spreadsheet row, in order) the
    /// second pass leaves out. None by default.
    fn left_out(&mut self) -> Vec<usize> {
        Vec::new()
    }
}

/// R5.1, R4.2 An entry's person must be registered, and its filing, if it names one, known.
/// R5.1 And a training the roster lists twice for a person, with another year, result or
/// filing the second time, is two rows that disagree: found here among the rows a roster lists
/// together for one person (as rosters do), so the clerk hears of it with every other problem
/// instead of only once those are put right (tester, 2026-11-30). The writing pass still finds
/// such rows wherever they stand.
#[derive(Default)]
struct EntriesChecker {
    ids: Ids,
    /// The ID number of the person whose rows are being read, and the first row of each of
    /// their trainings so far (at most [`RUN_KEPT`]).
    run_of: String,
    run: foldhash::HashMap<entry_batch::Key, FirstListed>,
}

/// Trainings of one person kept by the first pass at most: a person's rows are some twenty.
const RUN_KEPT: usize = 1_024;

/// What the first row of a training said that a later row may not contradict.
struct FirstListed {
    line: usize,
    year: i32,
    result: crate::domain::AssessmentResult,
    filing_no: Option<String>,
}

impl EntriesChecker {
    /// R5.1 The problem of a row whose training its person's rows listed before with another
    /// result, year or filing, named as the writing pass names it (the column that differs,
    /// in that order, with the row's value); `None` for a training new to the run, or the
    /// same again.
    fn listed_twice(
        &mut self,
        cols: &Columns,
        line: usize,
        r: &import::entries::EntryRow,
    ) -> Option<RowError> {
        if self.run_of != r.id_number.as_str() {
            self.run_of = r.id_number.as_str().to_string();
            self.run.clear();
        }
        let x = &r.entry;
        let key = entry_batch::Key::of_entry(x);
        let Some(first) = self.run.get(&key) else {
            if self.run.len() < RUN_KEPT {
                let first = FirstListed {
                    line,
                    year: x.year,
                    result: x.result,
                    filing_no: r.filing_no.clone(),
                };
                self.run.insert(key, first);
            }
            return None;
        };
        let (column, value) = if first.result != x.result {
            (cols.header("result"), x.result.zh().to_string())
        } else if first.year != x.year {
            (cols.header("year"), x.year.to_string())
        } else if first.filing_no != r.filing_no {
            (cols.header("filing_no"), String::new())
        } else {
            return None;
        };
        let first_line = first.line;
        Some(RowError::new(
            line,
            &column,
            &value,
            Problem::TrainingTwice { first_line },
        ))
    }
}

impl Checker<import::entries::EntryRow> for EntriesChecker {
    fn row(
        &mut self,
        conn: &Connection,
        cols: &Columns,
        parsed: &import::Parsed<import::entries::EntryRow>,
        problems: &mut Problems,
    ) -> Result<()> {
        let r = &parsed.record;
        if self.ids.person(conn, r.id_number.as_str())?.is_none() {
            problems.push(RowError::new(
                parsed.line,
                &cols.header("id_number"),
                r.id_number.as_str(),
                Problem::UnknownPerson,
            ));
        } else if let Some(problem) = self.listed_twice(cols, parsed.line, r) {
            problems.push(problem);
        }
        if let Some(no) = &r.filing_no
            && self.ids.filing(conn, no)?.is_none()
        {
            problems.push(RowError::new(
                parsed.line,
                &cols.header("filing_no"),
                no,
                Problem::UnknownFiling,
            ));
        }
        Ok(())
    }
}

/// The first pass: every row parsed and checked, on a read transaction (no write lock: other
/// clerks write meanwhile).
struct Check<'a, 'p, T> {
    conn: &'a Connection,
    cols: Option<Columns>,
    header: Header,
    /// The header's own problems: with them (or values under no header) the rows are not
    /// judged, as a roster whose columns are wrong tells nothing row by row.
    header_problems: Problems,
    unheaded: Problems,
    problems: Problems,
    checker: &'a mut dyn Checker<T>,
    rows: usize,
    hint: Option<usize>,
    progress: Progress<'p>,
}

impl<T> Check<'_, '_, T> {
    /// One item of the first reading (see [`read_ahead`]): the header's columns and problems,
    /// then each row as parsed on the reading thread, checked here.
    fn take(&mut self, ahead: Ahead<T>) -> Result<()> {
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

    fn row(&mut self, unheaded: Option<RowError>, parsed: Parsed<T>) -> Result<()> {
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
        match parsed {
            Ok(parsed) => self
                .checker
                .row(self.conn, cols, &parsed, &mut self.problems),
            Err(errors) => {
                errors.into_iter().for_each(|e| self.problems.push(e));
                Ok(())
            }
        }
    }
}

/// What the first pass read: the file (its SHA-256 and rows; `None` for a table), the header
/// found and the data rows.
pub(super) struct Checked {
    pass: Option<import::stream::Pass>,
    header: Header,
    rows: usize,
    /// Rows the checker leaves out of the writing ([`Checker::left_out`]), in order.
    left_out: Vec<usize>,
}

/// The two passes of an import of any [`Roster`] (issue 10.3), whatever the kind of its rows:
/// every row read, parsed (on a thread of its own, [`read_ahead`]) and checked by `checker` on
/// a read transaction that holds no write lock; then, only when no row has a problem, `write`
/// called to write the rows in one transaction (reading them again through [`write_rows`]),
/// with the connection's page cache and statement journals set for a bulk write and put back
/// after, whatever the outcome. The [`Source`] handed to `write` carries the SHA-256 of the
/// file as the first pass read it (the given one, for a table).
pub(super) fn two_passes<K: RowKind>(
    store: &mut Store,
    roster: &(impl Roster + Sync),
    kind: &K,
    checker: &mut dyn Checker<K::Record>,
    source: &Source,
    progress: Progress<'_>,
    write: impl FnOnce(&mut Store, &Source, &Checked, Progress<'_>) -> Result<Summary>,
) -> Result<Imported> {
    // Pass 1: a read transaction, so the checks see one state of the database and take no
    // write lock.
    let checked = {
        let read = store.conn().unchecked_transaction()?;
        let mut check = Check {
            conn: &read,
            cols: None,
            header: Header::default(),
            header_problems: Problems::default(),
            unheaded: Problems::default(),
            problems: Problems::default(),
            checker: &mut *checker,
            rows: 0,
            hint: roster.rows_hint(),
            progress: &mut *progress,
        };
        let pass = read_ahead(roster, kind, &mut |ahead| check.take(ahead))?;
        (check.progress)(Step::Validate, check.rows, check.rows);
        let Check {
            header_problems,
            unheaded,
            problems,
            header,
            rows,
            cols,
            ..
        } = check;
        read.commit()?;
        if !header_problems.is_empty() || !unheaded.is_empty() {
            return Err(header_problems.then(unheaded).into_error());
        }
        let problems = checker.finish(cols.as_ref(), problems);
        if !problems.is_empty() {
            return Err(problems.into_error());
        }
        Checked {
            pass,
            header,
            rows,
            left_out: checker.left_out(),
        }
    };
    let sha256 = checked
        .pass
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
    let written = write(store, &source, &checked, progress);
    let conn = store.conn();
    let restored = conn
        .pragma_update(None, "cache_size", cache)
        .map_err(crate::store::StoreError::from)
        .and_then(|()| crate::store::audit::set_temp_store(conn, &temp.to_string()));
    let summary = written?;
    restored?;
    Ok(Imported {
        summary,
        header: checked.header,
        sha256: source.sha256,
    })
}

/// What one kind of import does with each row of the second pass, inside its transaction.
pub(super) trait RowWriter<T> {
    /// Writes the parsed `row` (checked in the first pass); a problem met now (another clerk
    /// changed the database since) is kept, to be reported with nothing written.
    fn row(&mut self, cols: &Columns, row: import::Parsed<T>) -> Result<()>;
    /// A row the check left out of the writing as a repeat of an earlier one
    /// ([`Checker::left_out`]): counted as unchanged, so the summary accounts for every row
    /// (tester, 2026-11-30: six applicants' rows, one person twice, were summed as five).
    fn repeat(&mut self);
}

/// The second reading of [`two_passes`]: every row handed to `writer` in the file's order, with
/// the writing reported as it goes; the file read must be the file checked (`checked`: the
/// same SHA-256 and rows, or for a table the same rows), else [`TableError::Changed`] — and so
/// is a header or a row that no longer reads as it did. The caller commits only after this
/// returns.
pub(super) fn write_rows<K: RowKind>(
    roster: &(impl Roster + Sync),
    kind: &K,
    checked: &Checked,
    progress: Progress<'_>,
    writer: &mut dyn RowWriter<K::Record>,
) -> Result<()> {
    let changed = || ServiceError::Table(TableError::Changed);
    let rows = checked.rows;
    let mut cols: Option<Columns> = None;
    let mut done = 0usize;
    let pass = read_ahead(roster, kind, &mut |ahead| match ahead {
        // The header was checked in the first pass: one that no longer matches is a changed
        // file.
        Ahead::Header {
            cols: now,
            problems,
            ..
        } => {
            if !problems.is_empty() {
                return Err(changed());
            }
            cols = Some(now);
            Ok(())
        }
        Ahead::Row { unheaded, parsed } => {
            if unheaded.is_some() {
                return Err(changed());
            }
            progress(Step::Write, done, rows);
            done += 1;
            let Some(cols) = &cols else {
                return Ok(());
            };
            // Checked in the first pass: a row that no longer parses is a changed file.
            match parsed {
                Ok(row) if checked.left_out.binary_search(&row.line).is_ok() => {
                    writer.repeat();
                    Ok(())
                }
                Ok(row) => writer.row(cols, row),
                Err(_) => Err(changed()),
            }
        }
    })?;
    // What was written must be what was checked (R5.5: the trail names its sha256).
    let same = match (&checked.pass, &pass) {
        (Some(a), Some(b)) => a.sha256 == b.sha256 && a.rows == b.rows,
        _ => done == rows,
    };
    if !same {
        return Err(changed());
    }
    progress(Step::Write, rows, rows);
    Ok(())
}

/// `import entries` of any [`Roster`] (a file read as a stream, or a table): checked in a first
/// pass that holds no write lock, then written in a second pass, in one transaction with
/// prepared statements (new entries [`entry_batch::ROWS`] to a statement, each row otherwise
/// written as if alone, in the file's order: `Write::flush_entries`), the per-person yearly
/// totals (R2.1) and one signed audit record for the import (R5.5: who, when, the file and
/// its SHA-256, what it did) with its payload, a line for every entry created or changed
/// (`service::audit::entry_line`), which `audit verify` replays as it replays the records of
/// single entries. A decision or correction on an entry already there also keeps its own
/// record (maker–checker reads it), and so does a row's 备注 (`note.set`). A file is read from
/// its start on each pass, and refused ([`TableError::Changed`]) when the second reading is
/// not the first. Memory does not grow with the roster: only the rows queued for a statement,
/// bounded caches and at most [`KEPT_PROBLEMS`] problems are held.
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
    entries_written(
        store,
        actor,
        roster,
        source,
        (registered, dry_run),
        progress,
        entry_batch::ROWS,
    )
}

/// [`entries_from`] with `rows` new entries to a statement (issue 10; 1 is a statement a row,
/// as before, which the tests compare with); `(registered, dry_run)` as there.
fn entries_written(
    store: &mut Store,
    actor: &Actor,
    roster: &(impl Roster + Sync),
    source: &Source,
    (registered, dry_run): (bool, bool),
    progress: Progress<'_>,
    rows: usize,
) -> Result<Imported> {
    authz::require(actor, Act::Import)?;
    if registered {
        // R5.2 Paper history enters as registered: a registration, the reviewer's.
        authz::require(actor, Act::ImportRegistered)?;
    }
    let reference = Reference::load(store)?;
    let kind = EntryRows {
        reference: &reference,
        today: actor.today(),
    };
    let mut checker = EntriesChecker::default();
    two_passes(
        store,
        roster,
        &kind,
        &mut checker,
        source,
        progress,
        |store, source, checked, progress| {
            // The entry writer looks up the rows its entries refer to itself, each once
            // (`EntryBatch`), and every other reference the import writes is one it has just
            // read or written in this transaction.
            store.without_foreign_keys(|store| {
                let tx = store.write()?;
                let summary = {
                    let mut write = Write {
                        tx: &tx,
                        actor,
                        reference: &reference,
                        source,
                        registered,
                        rows: checked.rows,
                        now: actor.stamp(),
                        summary: Summary {
                            dry_run,
                            ..Summary::default()
                        },
                        batch_id: None,
                        touched: BTreeSet::new(),
                        new_hours: totals::NewHours::default(),
                        problems: Problems::default(),
                        ids: Ids::default(),
                        trail: Appender::new(),
                        payload: PayloadWriter::new(),
                        line: String::new(),
                        evidence: None,
                        created: None,
                        codes: HashMap::new(),
                        new_exception: None,
                        inserter: EntryBatch::keyed(&tx, &actor.user, &actor.stamp())?
                            .with_rows(rows),
                        pending: Vec::new(),
                        id_header: String::new(),
                        year_header: String::new(),
                        result_header: String::new(),
                        filing_header: String::new(),
                        first_rows: FirstRows::default(),
                    };
                    write_rows(roster, &kind, checked, progress, &mut write)?;
                    write.finish()?;
                    write.summary
                };
                finish(tx, summary)
            })
        },
    )
}

/// Page cache of the writing connection during an import, in KiB (SQLite's default is 2 000):
/// the pages of the entries, evidence, audit and totals an import touches stay in memory
/// between rows, well within the import's memory bound (issue 10: 100 MB).
const IMPORT_CACHE_KIB: i64 = 32 << 10;

/// People whose totals are rebuilt together; the set is emptied after each rebuild, so it does
/// not grow with the roster. Rebuilding a person twice is harmless: totals are recomputed from
/// the entries (`store::totals`).
const TOUCHED_PEOPLE: usize = 4_096;

/// (Person, year) sums of new entries' hours held before they are added to the totals
/// (`totals::NewHours`): a roster lists a person's entries together, so about four thousand
/// people of five years each.
const NEW_HOURS_HELD: usize = 20_480;

/// The second pass: each row written as it streams past, in the one transaction.
struct Write<'a, 't> {
    tx: &'a Transaction<'t>,
    actor: &'a Actor,
    reference: &'a Reference,
    source: &'a Source,
    registered: bool,
    /// Data rows of the roster, as the first pass counted them.
    rows: usize,
    now: String,
    summary: Summary,
    batch_id: Option<i64>,
    /// The people whose counted hours may have changed other than by a new entry (a
    /// correction, a promotion, a new entry with a filing), rebuilt in groups of at most
    /// [`TOUCHED_PEOPLE`] and before the commit. Only a registered entry counts (R5.2), so a
    /// roster of recorded entries rebuilds nothing.
    touched: BTreeSet<i64>,
    /// R2.1 The hours of the registered entries created without a filing, added to their
    /// people's totals with the rebuilds (issue 10.3: not re-read from the entries).
    new_hours: totals::NewHours,
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
    codes: HashMap<crate::domain::Form, Rc<BTreeSet<String>>>,
    /// R5.5 The maker–checker exception of registering new paper history, the same for every
    /// row of a roster: decided at the first new entry.
    new_exception: Option<Option<authz::Exception>>,
    /// Writes the new entries many to a statement (issue 10).
    inserter: EntryBatch<'a>,
    /// Rows checked against the people and filings and waiting for their entry's statement,
    /// in the file's order, at most [`EntryBatch::rows`]; everything else a row does (its
    /// evidence, totals, payload line, note, or the comparison with the entry already there)
    /// follows in [`Write::flush_entries`], row by row in the same order.
    pending: Vec<Pending>,
    /// The roster's heading of the ID number column, for a problem found after the row has
    /// gone by (the same for every row of a pass).
    id_header: String,
    /// The headings of the year, result and filing columns, for the same.
    year_header: String,
    result_header: String,
    filing_header: String,
    /// The first roster row of each entry this roster created or found (R5.1: a training
    /// listed twice is named with the row that first listed it).
    first_rows: FirstRows,
}

/// The first roster row of each entry an import creates or finds, kept as runs of entries with
/// consecutive ids listed by consecutive rows: a roster of new trainings, or one imported
/// again, is one run however long it is (a number a row was 4 MB at a million rows, and grew
/// without bound with `[import] max_rows`).
#[derive(Debug, Default)]
struct FirstRows {
    /// First id of each run → (its row, entries in the run).
    runs: std::collections::BTreeMap<i64, (usize, usize)>,
    /// The run the last entry went to, which the next one most likely continues.
    last: Option<i64>,
}

impl FirstRows {
    /// Entry `id` listed at `line`; an entry already listed keeps its first row.
    fn note(&mut self, id: i64, line: usize) {
        if self.get(id).is_some() {
            return;
        }
        if let Some(first) = self.last
            && let Some((its, n)) = self.runs.get_mut(&first)
            && first + *n as i64 == id
            && *its + *n == line
        {
            *n += 1;
            return;
        }
        self.runs.insert(id, (line, 1));
        self.last = Some(id);
    }

    /// The first row that listed entry `id`, if any did.
    fn get(&self, id: i64) -> Option<usize> {
        let (first, (its, n)) = self.runs.range(..=id).next_back()?;
        let k = usize::try_from(id - first).ok()?;
        (k < *n).then_some(its + k)
    }
}

/// A roster row waiting to be written ([`Write::pending`]): the entry as it will be inserted
/// and what the rest of its writing needs.
struct Pending {
    /// Spreadsheet row, for a problem.
    line: usize,
    id_number: crate::domain::IdNumber,
    new: NewEntry,
    /// R3 Every piece the row brings (with paper history's whole checklist, then shared by
    /// every row of the form).
    evidence: Rc<BTreeSet<String>>,
    /// The row's 备注, cleaned.
    note: String,
}

/// Rows the reading thread sends the checking or writing one at a time: a send wakes the
/// other thread, so rows go in batches (one wake-up per batch, not per row).
const ROWS_A_BATCH: usize = 256;
/// Batches the reading thread may have ready ahead of the other: with [`ROWS_A_BATCH`], at
/// most some two thousand rows (a few MB) whatever the roster.
const BATCHES_AHEAD: usize = 8;

/// A row as the reading thread parsed it: the record, or every problem of the row.
pub(super) type Parsed<T> = std::result::Result<import::Parsed<T>, Vec<RowError>>;

/// A kind of roster as the two-pass import reads it (issue 10.3): its columns, and how one of
/// its rows is parsed — on the reading thread, so what it needs is shared (`Sync`) and what it
/// makes is sent (`Send`).
pub(super) trait RowKind: Sync {
    type Record: Send;
    /// The roster's columns.
    fn kind(&self) -> Kind;
    /// One data row under `cols`, as the roster's parser reads it.
    fn parse(&self, cols: &Columns, row: &Row) -> Parsed<Self::Record>;
}

/// Rows of an entries roster (R5.1, R3).
struct EntryRows<'a> {
    reference: &'a Reference,
    /// The clerk's today: a training ending after it is refused (R2.1).
    today: chrono::NaiveDate,
}

impl RowKind for EntryRows<'_> {
    type Record = import::entries::EntryRow;
    fn kind(&self) -> Kind {
        Kind::Entries
    }
    fn parse(&self, cols: &Columns, row: &Row) -> Parsed<Self::Record> {
        import::entries::parse_row(cols, row, self.reference, self.today)
    }
}

/// Rows of a people roster (R1.1–R1.4): ID numbers plausible on the importing clerk's `today`.
struct PeopleRows<'a> {
    reference: &'a Reference,
    today: chrono::NaiveDate,
}

impl RowKind for PeopleRows<'_> {
    type Record = Person;
    fn kind(&self) -> Kind {
        Kind::People
    }
    fn parse(&self, cols: &Columns, row: &Row) -> Parsed<Self::Record> {
        import::people::parse_row(cols, row, self.reference, self.today)
    }
}

/// What the reading thread hands over, in the file's order.
enum Ahead<T> {
    /// The header, its columns as matched, and its problems (a column missing or twice).
    Header {
        header: Header,
        cols: Columns,
        problems: Vec<RowError>,
    },
    /// A data row: a value under no header, if any, and the row parsed.
    Row {
        unheaded: Option<RowError>,
        parsed: Parsed<T>,
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

/// What the reading thread sends, [`ROWS_A_BATCH`] rows at a time: rows it parsed, or rows
/// it read and left for the taking thread to parse.
enum Batch<T> {
    Parsed(Vec<Ahead<T>>),
    Raw(Vec<Row>),
}

/// A data row parsed as `kind` parses it under `cols`: what either thread hands on.
fn parse_ahead<K: RowKind>(kind: &K, cols: &Columns, row: &Row) -> Ahead<K::Record> {
    Ahead::Row {
        unheaded: cols.unheaded(row),
        parsed: kind.parse(cols, row),
    }
}

/// The reading thread's sink: rows read into batches, each parsed there unless the other
/// thread is waiting for work. While the other thread checks (the first pass, where parsing
/// is most of the work) it takes rows as fast as they come and parses half of them itself;
/// while it writes (slower than the reading) the batches queue up and this thread parses them
/// all. Either way both cores work and no row waits on a thread that could have parsed it.
struct Parser<'a, K: RowKind> {
    send: std::sync::mpsc::SyncSender<Batch<K::Record>>,
    /// Batches sent and not yet taken by the other thread.
    queued: &'a AtomicUsize,
    kind: &'a K,
    cols: Option<Columns>,
    raw: Vec<Row>,
}

impl<K: RowKind> Parser<'_, K> {
    fn send(&self, batch: Batch<K::Record>) -> std::result::Result<(), Stop> {
        self.queued.fetch_add(1, Ordering::AcqRel);
        self.send.send(batch).map_err(|_| Stop::Gone)
    }

    /// Sends the rows read: as they are when the other thread has nothing queued (it is, or
    /// soon will be, waiting), else parsed here while it works through what it has. (Sent
    /// raw whenever the queue had room, a writer slower than the reading was handed a share
    /// of the parsing whenever it caught up for a moment: a tenth of its time, issue 10.)
    fn flush(&mut self) -> std::result::Result<(), Stop> {
        if self.raw.is_empty() {
            return Ok(());
        }
        let raw = std::mem::replace(&mut self.raw, Vec::with_capacity(ROWS_A_BATCH));
        match self.cols.as_ref() {
            Some(cols) if self.queued.load(Ordering::Acquire) > 0 => {
                let parsed = raw
                    .iter()
                    .map(|row| parse_ahead(self.kind, cols, row))
                    .collect();
                self.send(Batch::Parsed(parsed))
            }
            _ => self.send(Batch::Raw(raw)),
        }
    }
}

impl<K: RowKind> RowSink<Stop> for Parser<'_, K> {
    fn header(&mut self, header: &Header) -> std::result::Result<(), Stop> {
        let (cols, problems) = match Columns::match_header(self.kind.kind(), header) {
            Ok(cols) => (cols, Vec::new()),
            Err((cols, problems)) => (cols, problems),
        };
        self.flush()?;
        self.cols = Some(cols.clone());
        self.send(Batch::Parsed(vec![Ahead::Header {
            header: header.clone(),
            cols,
            problems,
        }]))
    }

    fn row(&mut self, row: Row) -> std::result::Result<(), Stop> {
        if self.cols.is_none() {
            return Ok(());
        }
        self.raw.push(row);
        if self.raw.len() >= ROWS_A_BATCH {
            self.flush()?;
        }
        Ok(())
    }
}

/// A reading of `roster` (issue 10.3) on a thread of its own, each row parsed as `kind`
/// parses it (there, or here when this thread would otherwise wait: [`Parser`]), at most
/// [`BATCHES_AHEAD`] batches ahead, and handed to `each` on this thread in the file's order:
/// the reading and parsing use the machine's second core while this one checks or writes. Stops at the first error of `each` (which is returned) or of the file;
/// what the reading read, as [`Roster::pass`] says it.
fn read_ahead<R: Roster + Sync, K: RowKind>(
    roster: &R,
    kind: &K,
    each: &mut dyn FnMut(Ahead<K::Record>) -> Result<()>,
) -> Result<Option<import::stream::Pass>> {
    let (send, receive) = std::sync::mpsc::sync_channel(BATCHES_AHEAD);
    let queued = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        let queued = &queued;
        let reader = scope.spawn(move || {
            let mut parser = Parser {
                send,
                queued,
                kind,
                cols: None,
                raw: Vec::with_capacity(ROWS_A_BATCH),
            };
            let read = roster.pass::<Stop>(&mut parser);
            parser.flush()?;
            read
        });
        let mut taken = Ok(());
        let mut cols: Option<Columns> = None;
        'batches: for batch in receive.iter() {
            queued.fetch_sub(1, Ordering::AcqRel);
            let rows = match batch {
                Batch::Parsed(rows) => rows,
                // Sent only after the header, whose columns came first.
                Batch::Raw(raw) => match &cols {
                    Some(c) => raw.iter().map(|row| parse_ahead(kind, c, row)).collect(),
                    None => Vec::new(),
                },
            };
            for ahead in rows {
                if let Ahead::Header { cols: c, .. } = &ahead {
                    cols = Some(c.clone());
                }
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

impl RowWriter<import::entries::EntryRow> for Write<'_, '_> {
    fn repeat(&mut self) {
        self.summary.unchanged += 1;
    }

    fn row(
        &mut self,
        cols: &Columns,
        row: import::Parsed<import::entries::EntryRow>,
    ) -> Result<()> {
        self.write_row(cols, row)
    }
}

impl Write<'_, '_> {
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

    /// The evidence writer, made at the first piece.
    fn evidence_writer(&mut self) -> Result<&mut entries::EvidenceWriter> {
        let w = match self.evidence.take() {
            Some(w) => w,
            None => entries::EvidenceWriter::new(self.tx, &self.actor.user, &self.now)?,
        };
        Ok(self.evidence.insert(w))
    }

    /// R3 Marks `codes` received for entry `id` by the importing clerk, now.
    fn add_evidence(&mut self, id: i64, codes: &BTreeSet<String>) -> Result<usize> {
        if codes.is_empty() {
            return Ok(0);
        }
        let tx = self.tx;
        Ok(self.evidence_writer()?.add(tx, id, codes)?)
    }

    /// R3 [`Write::add_evidence`] for entry `id` just created: written with the next
    /// entries' pieces, or at [`Write::flush_evidence`].
    fn add_new_evidence(&mut self, id: i64, codes: &BTreeSet<String>) -> Result<()> {
        if codes.is_empty() {
            return Ok(());
        }
        let tx = self.tx;
        Ok(self.evidence_writer()?.add_new(tx, id, codes)?)
    }

    /// R3 Writes the new entries' evidence still held: before any entry's evidence is read.
    fn flush_evidence(&mut self) -> Result<()> {
        if let Some(w) = &mut self.evidence {
            w.flush(self.tx)?;
        }
        Ok(())
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

    /// R2.1 Person `person_id`'s totals are to be rebuilt from their entries (after the rows
    /// being written: [`Write::flush_entries`]).
    fn touch(&mut self, person_id: i64) {
        self.touched.insert(person_id);
    }

    /// R2.1 A registered entry just created for `person_id`: its hours are to be added to the
    /// person's totals, or, when it names a filing (R4.3), the person rebuilt.
    fn count_new(&mut self, person_id: i64, new: &NewEntry) {
        if !self.new_hours.add(person_id, &new.entry, new.filing_id) {
            self.touch(person_id);
        }
    }

    /// Brings the totals up to date once the people waiting reach their bound, so that memory
    /// does not grow with the roster.
    fn bound_totals(&mut self) -> Result<()> {
        if self.touched.len() >= TOUCHED_PEOPLE || self.new_hours.len() >= NEW_HOURS_HELD {
            self.refresh_totals()?;
        }
        Ok(())
    }

    /// R2.1 The totals of every person this import changed, made right: the new entries' hours
    /// added, except to the people rebuilt from all their entries (which counts those too).
    fn refresh_totals(&mut self) -> Result<()> {
        self.new_hours.apply(self.tx, &self.touched)?;
        totals::refresh_people(self.tx, &self.touched)?;
        self.touched.clear();
        Ok(())
    }

    /// Checks `row` against the people and filings as they are now and queues its entry for
    /// [`Write::flush_entries`], which a full queue calls.
    fn write_row(
        &mut self,
        cols: &Columns,
        row: import::Parsed<import::entries::EntryRow>,
    ) -> Result<()> {
        let tx = self.tx;
        let import::Parsed {
            line,
            record: r,
            note,
        } = row;
        if self.id_header.is_empty() {
            self.id_header = cols.header("id_number");
            self.year_header = cols.header("year");
            self.result_header = cols.header("result");
            self.filing_header = cols.header("filing_no");
        }
        // Looked up again under the write lock: another clerk may have changed the people or
        // filings since the check. The rows queued before go first, so that the problems are
        // listed in the file's order.
        let Some(person_id) = self.ids.person(tx, r.id_number.as_str())? else {
            self.flush_entries()?;
            self.problems.push(RowError::new(
                line,
                &self.id_header,
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
                    self.flush_entries()?;
                    self.problems.push(RowError::new(
                        line,
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
            entry: r.entry,
            filing_id,
            batch_id: None,
        };
        let mut evidence = r.evidence;
        let mut shared = None;
        if self.registered {
            // Paper history: registered on paper, so its evidence was seen then.
            new.entry.state = EntryState::Registered;
            new.entry.migrated = true;
            if let Some(list) = checklist {
                let all = self
                    .codes
                    .entry(new.entry.form)
                    .or_insert_with(|| Rc::new(list.all_codes()));
                if evidence.is_subset(all) {
                    // The form's one set (most rows of paper history list no evidence: a
                    // set made and dropped a row was a twentieth of the writing).
                    shared = Some(Rc::clone(all));
                } else {
                    evidence.extend(all.iter().cloned());
                }
            }
        }
        let evidence = shared.unwrap_or_else(|| Rc::new(evidence));
        new.batch_id = Some(self.batch()?);
        if !self.registered {
            let complete = checklist.is_some_and(|l| l.is_complete(&evidence));
            new.entry.state = state_after_evidence(EntryState::Recorded, complete);
        }
        self.pending.push(Pending {
            line,
            id_number: r.id_number,
            new,
            evidence,
            note,
        });
        if self.pending.len() >= self.inserter.rows() {
            self.flush_entries()?;
        }
        Ok(())
    }

    /// Writes the queued rows (issue 10): their new trainings inserted many to a statement,
    /// then each row, in the file's order, finished as it was when a row was a statement — a
    /// new entry's evidence, hours, payload line and note; a row the natural key turned away
    /// (R5.1: the person has the training, from before or from an earlier row) compared with
    /// the entry there. Nothing here reads an entry before its row's statement has run, and
    /// the totals are brought up to date only after the last row, when every entry the
    /// statement wrote has been counted (a rebuild in between would count a later row's
    /// entry, which that row then adds again).
    fn flush_entries(&mut self) -> Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let mut pending = std::mem::take(&mut self.pending);
        let ids = self.inserter.insert(pending.iter().map(|p| &p.new))?;
        for (p, id) in pending.drain(..).zip(ids) {
            match id {
                Some(id) => self.created(p, id)?,
                None => self.already_there(p)?,
            }
        }
        self.pending = pending;
        self.bound_totals()
    }

    /// The rest of a row whose entry was just created as `id`.
    fn created(&mut self, p: Pending, id: i64) -> Result<()> {
        let actor = self.actor;
        // R5.5 Registering paper history the clerk imports: decided once per roster, at its
        // first new entry (a refusal rolls the whole import back).
        if self.registered && self.new_exception.is_none() {
            let made = Made::Roster(self.source.name.clone());
            let mine = [actor.user.as_str()];
            let decided = authz::maker_checker(actor, Act::ImportRegistered, made, mine)?;
            self.new_exception = Some(decided);
        }
        self.add_new_evidence(id, &p.evidence)?;
        if p.new.entry.state == EntryState::Registered {
            self.count_new(p.new.person_id, &p.new);
        }
        // R5.5 With the evidence received, so `audit verify` knows the set it starts from; the
        // maker–checker exception, the same for every new entry, is stated once in the
        // import's record.
        self.payload_line(PayloadOp::Created, id, &p.new, &p.evidence)?;
        self.created = Some(self.created.map_or((id, id), |(first, _)| (first, id)));
        self.first_rows.note(id, p.line);
        if !p.note.is_empty() {
            self.keep_note(&format!("entry:{id}"), &p.note)?;
        }
        self.summary.added += 1;
        Ok(())
    }

    /// The rest of a row the natural key turned away: its entry found, and corrected,
    /// promoted, given more evidence or left as it is.
    fn already_there(&mut self, p: Pending) -> Result<()> {
        let tx = self.tx;
        let actor = self.actor;
        let registered = self.registered;
        let now = self.now.clone();
        let Pending {
            line,
            id_number,
            mut new,
            evidence,
            note,
        } = p;
        let checklist = self.reference.checklist(new.entry.form);
        let person_id = new.person_id;
        let ex = entries::find_same(tx, &new)?.ok_or_else(|| {
            // The natural key turned the row away, so its training is there to be found.
            crate::store::StoreError::from(rusqlite::Error::QueryReturnedNoRows)
        })?;
        let id = ex.id;
        // The entry may be one this roster created a row ago (the same training listed twice),
        // whose evidence is still held.
        self.flush_evidence()?;
        let corrected = ex.year != new.entry.year
            || ex.result != new.entry.result
            || ex.filing_id != new.filing_id;
        // R5.1 Listed earlier in this roster: the same again is nothing new, and more evidence
        // is evidence received, but another year, result or filing is two rows that disagree,
        // and the last one must not quietly win (tester, 2026-11-30: 合格 then 不合格 stored
        // 不合格 and counted "1 added, 1 updated"; with `--registered` it was refused as an
        // entry already decided).
        let created_here = self
            .created
            .is_some_and(|(first, last)| (first..=last).contains(&id));
        // The column the row would change, with its value: what a refusal names (tester: a
        // changed result was reported under the ID number, and "year, result or filing").
        let year = new.entry.year.to_string();
        let (column, value) = if ex.result != new.entry.result {
            (&self.result_header, new.entry.result.zh())
        } else if ex.year != new.entry.year {
            (&self.year_header, year.as_str())
        } else if ex.filing_id != new.filing_id {
            (&self.filing_header, "")
        } else {
            (&self.id_header, id_number.as_str())
        };
        let twice = |first_rows: &FirstRows| {
            first_rows.get(id).filter(|_| corrected).map(|first_line| {
                RowError::new(line, column, value, Problem::TrainingTwice { first_line })
            })
        };
        if created_here && let Some(problem) = twice(&self.first_rows) {
            self.problems.push(problem);
            return Ok(());
        }
        let open = matches!(
            ex.state,
            EntryState::Recorded | EntryState::EvidenceComplete
        );
        // Paper history registers what is not registered yet: an entry registered through
        // review is registered already, and the same row again is nothing new (tester,
        // 2026-11-30: it was refused as "already registered" under the ID number).
        let promote = registered && !ex.migrated && ex.state != EntryState::Registered;
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
                line,
                column,
                value,
                Problem::AlreadyDecided { state: ex.state },
            ));
            return Ok(());
        }
        // The same holds for an entry that was there before the roster (once it is known not
        // to be decided already, which says more): its first row here may correct it, and a
        // later one that disagrees is refused (tester, 2026-11-30: 不合格 then 良好 for an
        // entry already recorded stored 良好, "2 updated").
        if let Some(problem) = twice(&self.first_rows) {
            self.problems.push(problem);
            return Ok(());
        }
        self.first_rows.note(id, line);
        // A note is not a decision: it is kept whatever the entry's state.
        if registered && !corrected && ex.state == EntryState::Registered {
            // Paper history of an entry registered already: the registration stands with the
            // evidence it was registered on (the whole checklist paper history brings is not
            // added to it).
            let noted = self.keep_note(&format!("entry:{id}"), &note)?;
            match noted {
                true => self.summary.updated += 1,
                false => self.summary.unchanged += 1,
            }
            return Ok(());
        }
        let before = entries::evidence(tx, id)?;
        let noted = self.keep_note(&format!("entry:{id}"), &note)?;
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
            self.touch(person_id);
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
        // The rows still queued: their entries, and any problem they meet, come first.
        self.flush_entries()?;
        if !self.problems.is_empty() {
            return Err(std::mem::take(&mut self.problems).into_error());
        }
        self.flush_evidence()?;
        // R5.1 The natural key back in the schema's keeping before anything commits.
        self.inserter.finish()?;
        if self.created.is_none()
            && let Some(b) = self.batch_id.take()
        {
            // Every row was there already: an import that creates nothing leaves no batch.
            entries::delete_batch(self.tx, b)?;
        }
        self.refresh_totals()?;
        let s = self.summary;
        if s.added + s.updated > 0 {
            // The batch of the entries it created, when it created any: a person's history
            // finds the import that brought their entries through it (`audit::about_person`).
            let subject = match self.batch_id {
                Some(b) => format!("batch:{b}"),
                None => format!("file:{}", self.source.name),
            };
            let mut after = summary_value(self.source, &s);
            after["kind"] = serde_json::json!(if self.registered {
                "entries.registered"
            } else {
                "entries"
            });
            after["batch"] = serde_json::json!(self.batch_id);
            after["rows"] = serde_json::json!(self.rows);
            after["created"] = serde_json::json!(self.created.map(|(a, b)| [a, b]));
            authz::Exception::note(self.new_exception.flatten(), &mut after);
            let payload = std::mem::take(&mut self.payload);
            sign_import(
                self.tx,
                &mut self.trail,
                self.actor,
                audit::IMPORT_ENTRIES,
                &subject,
                after,
                payload,
            )?;
        }
        Ok(())
    }
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
    use crate::domain::Hours;
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

    /// R5.1 The first row of each entry listed is found again, whatever the gaps between the
    /// rows (rows turned away, repeats) and the order of the ids (entries found, not created);
    /// an entry listed again keeps its first row; entries created one after another by rows
    /// one after another are held as one run.
    #[test]
    fn r5_1_the_first_row_of_every_entry_listed_is_found_again() {
        let listed = [
            (10, 2),
            (11, 3),
            (12, 4),
            (13, 7),
            (14, 8),
            (3, 9),
            (4, 10),
            (11, 12),
            (90, 5000),
        ];
        let mut rows = FirstRows::default();
        for (id, line) in listed {
            rows.note(id, line);
        }
        let found: Vec<Option<usize>> = [10, 11, 12, 13, 14, 3, 4, 90, 5, 15, 2, 91]
            .iter()
            .map(|&id| rows.get(id))
            .collect();
        assert_eq!(
            found,
            [
                Some(2),
                Some(3),
                Some(4),
                Some(7),
                Some(8),
                Some(9),
                Some(10),
                Some(5000),
                None,
                None,
                None,
                None
            ]
        );
        assert_eq!(rows.runs.len(), 4);
        let mut long = FirstRows::default();
        (0..1_000_000_i64).for_each(|k| long.note(1_000 + k, 2 + k as usize));
        assert_eq!(long.runs.len(), 1);
        assert_eq!(long.get(1_000 + 999_999), Some(1_000_001));
    }

    /// Rows parsed by the test kind: each row's line and the thread that parsed it. A row
    /// parsed on any thread but `taker` takes a while, so that a taker that takes rows as they
    /// come outruns the reading thread, whatever else the machine runs (the test was at the
    /// mercy of the scheduler once the reading got faster).
    struct WhoParsed {
        taker: std::thread::ThreadId,
    }

    impl RowKind for WhoParsed {
        type Record = std::thread::ThreadId;
        fn kind(&self) -> Kind {
            Kind::People
        }
        fn parse(&self, _cols: &Columns, row: &Row) -> Parsed<Self::Record> {
            if std::thread::current().id() != self.taker {
                std::thread::sleep(std::time::Duration::from_micros(20));
            }
            Ok(import::Parsed {
                line: row.line,
                record: std::thread::current().id(),
                note: String::new(),
            })
        }
    }

    /// Issue 10: the reading thread parses what the other thread has no time for, and leaves
    /// it the rest when it waits. A taker slow at first (the reading thread fills the queue,
    /// then parses) and fast after (it takes rows as they are read, and parses them) gets
    /// every row once, in the file's order, whoever parsed it.
    #[test]
    fn rows_parsed_by_either_thread_arrive_once_in_the_files_order() {
        let rows: Vec<String> = (0..ROWS_A_BATCH * (BATCHES_AHEAD + 6))
            .map(|i| {
                format!(
                    "430102198005170{:03},张伟{i},长沙市第一医院,市州所属单位,长沙",
                    i % 1000
                )
            })
            .collect();
        let refs: Vec<&str> = rows.iter().map(String::as_str).collect();
        let roster = table("身份证号,姓名,单位,单位类型,市州", &refs);
        let here = std::thread::current().id();
        let mut lines = Vec::new();
        let mut by_here = 0;
        read_ahead(&roster, &WhoParsed { taker: here }, &mut |ahead| {
            if let Ahead::Row { parsed, .. } = ahead {
                let parsed = parsed.expect("parsed");
                if lines.len() < ROWS_A_BATCH {
                    std::thread::sleep(std::time::Duration::from_micros(200));
                }
                by_here += usize::from(parsed.record == here);
                lines.push(parsed.line);
            }
            Ok(())
        })
        .expect("read");
        let first = lines.first().copied().expect("rows");
        assert_eq!(lines, (first..first + rows.len()).collect::<Vec<_>>());
        assert!(
            by_here > 0,
            "the taking thread parsed the rows it waited for"
        );
        assert!(
            by_here < rows.len(),
            "the reading thread parsed while the taker was slow"
        );
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

    const PEOPLE_HEADER: &str = "身份证号,姓名,单位,单位类型,市州";

    /// R3, issue 10.3 New entries' evidence is written many entries to a statement: a training
    /// listed twice in one roster, its evidence split between the rows, ends with the pieces of
    /// both (the first row's are in the database before the second row reads them) and so
    /// complete; one listed twice with the same piece is unchanged by its second row; the
    /// person's other trainings keep only their own pieces; the trail agrees with the database
    /// (R5.5).
    #[test]
    fn r3_a_training_listed_twice_gathers_the_evidence_of_both_rows() {
        let a = actor("clerk");
        let mut store = people_store(&a);
        let header = format!("{ENTRIES_HEADER},已交材料");
        let row = |content: &str, day: u32, evidence: &str| {
            format!(
                "{ZHANG},专业科目,培训班,{content},湖南大学,2016-05-{day:02},2016-05-{day:02},8,合格,{evidence}"
            )
        };
        let rows = [
            row("急救技能", 3, "培训通知；培训签到表"),
            row("病历书写", 4, "培训通知"),
            row("急救技能", 3, "培训课程表；结业证明"),
            row("病历书写", 4, "培训通知"),
            row("影像诊断", 5, ""),
        ];
        let rows: Vec<&str> = rows.iter().map(String::as_str).collect();
        let done = self::entries(
            &mut store,
            &a,
            &table(&header, &rows),
            &source(),
            false,
            false,
        )
        .expect("import");
        // The second 病历书写 brings nothing new: unchanged, as its first row's piece is read.
        assert_eq!((done.added, done.updated, done.unchanged), (3, 1, 1));
        let of = |content: &str| -> (BTreeSet<String>, String) {
            let id: i64 = store
                .conn()
                .query_row(
                    "SELECT id FROM entries WHERE content = ?1",
                    [content],
                    |r| r.get(0),
                )
                .expect("the entry");
            let state: String = store
                .conn()
                .query_row("SELECT state FROM entries WHERE id = ?1", [id], |r| {
                    r.get(0)
                })
                .expect("its state");
            (
                entries::evidence(store.conn(), id).expect("evidence"),
                state,
            )
        };
        let codes = |list: &[&str]| list.iter().map(|c| c.to_string()).collect::<BTreeSet<_>>();
        assert_eq!(
            of("急救技能"),
            (
                codes(&["completion", "notice", "sign_in", "timetable"]),
                "evidence_complete".into()
            )
        );
        assert_eq!(of("病历书写"), (codes(&["notice"]), "recorded".into()));
        assert_eq!(of("影像诊断"), (codes(&[]), "recorded".into()));
        let report = audit::check_state(store.conn()).expect("audit");
        assert!(report.findings.is_empty(), "{:?}", report.findings);
    }

    /// One person's (year, public tenths, professional tenths), for the years that count any.
    type YearSums = Vec<(i32, i64, i64)>;

    /// R2.1 A person's totals, year by year: as `check` sums them from the entries, and as the
    /// kept table holds them.
    fn totals_and_check(store: &Store, id_number: &str) -> (YearSums, YearSums) {
        let v = crate::service::check::check(store, id_number, 2010, 2018)
            .expect("check")
            .verification;
        let summed = v
            .years
            .iter()
            .filter(|y| y.public != Hours::ZERO || y.professional != Hours::ZERO)
            .map(|y| (y.year, y.public.tenths(), y.professional.tenths()))
            .collect();
        let (person, _) = people::find_by_id_number(store.conn(), id_number)
            .expect("lookup")
            .expect("registered");
        let kept = totals::of_person(store.conn(), person, 2010, 2018)
            .expect("totals")
            .iter()
            .map(|t| (t.year, t.public.tenths(), t.professional.tenths()))
            .collect();
        (summed, kept)
    }

    /// Issue 10: the entries import writes with SQLite's row-by-row foreign keys off (its
    /// writer looks the references up itself): after it, every reference in the file names a
    /// row that exists, and the connection enforces foreign keys again — after an import that
    /// creates entries with evidence, a filing and a note, one that finds and corrects them and
    /// adds evidence, a dry run, and a roster refused.
    #[test]
    fn an_entries_import_leaves_every_reference_whole_and_foreign_keys_on() {
        let a = actor("clerk");
        let mut store = people_store(&a);
        let approved = filing_row("F1", "内科进展", "已备案", "2016-04-10", "");
        filings(
            &mut store,
            &a,
            &table(FILINGS_HEADER, &[&approved]),
            &source(),
            false,
        )
        .expect("filings");
        let whole = |store: &Store| {
            let keys: bool = store
                .conn()
                .query_row("PRAGMA foreign_keys", [], |r| r.get(0))
                .expect("keys");
            (
                keys,
                count(store, "SELECT count(*) FROM pragma_foreign_key_check"),
            )
        };
        let header = format!("{ENTRIES_HEADER},已交材料,备案编号,备注");
        let row = |content: &str, day: u32, result: &str, evidence: &str, filing: &str| {
            format!(
                "{ZHANG},专业科目,培训班,{content},湖南大学,2016-05-{day:02},2016-05-{day:02},8,{result},{evidence},{filing},首批"
            )
        };
        let import = |store: &mut Store, rows: &[String], dry_run: bool| {
            let rows: Vec<&str> = rows.iter().map(String::as_str).collect();
            self::entries(store, &a, &table(&header, &rows), &source(), false, dry_run)
        };
        let first = [
            row("急救技能", 3, "合格", "培训通知", ""),
            row("内科进展", 4, "合格", "", "F1"),
        ];
        let done = import(&mut store, &first, false).expect("first");
        assert_eq!((done.added, done.updated), (2, 0));
        assert_eq!(whole(&store), (true, 0));

        let again = [
            row("急救技能", 3, "不合格", "培训签到表", ""),
            row("影像诊断", 5, "合格", "培训通知", ""),
        ];
        let done = import(&mut store, &again, true).expect("dry run");
        assert_eq!((done.added, done.updated), (1, 1));
        assert_eq!(whole(&store), (true, 0));
        let done = import(&mut store, &again, false).expect("again");
        assert_eq!((done.added, done.updated), (1, 1));
        assert_eq!(whole(&store), (true, 0));

        let refused = [format!(
            "{},专业科目,培训班,病历书写,湖南大学,2016-05-06,2016-05-06,8,合格,,,",
            person_id(7)
        )];
        assert!(import(&mut store, &refused, false).is_err());
        assert_eq!(whole(&store), (true, 0));
        assert_eq!(count(&store, "SELECT count(*) FROM entries"), 3);
    }

    /// R5.2 Paper history that lists an entry already registered through review, as it stands,
    /// leaves it as it is (unchanged, not "migrated", nothing refused); the same row with
    /// another result is refused under the result column, as a decision is not undone by a
    /// roster.
    #[test]
    fn r5_2_paper_history_of_an_entry_registered_through_review_is_unchanged() {
        let (clerk, archivist) = (actor("clerk"), actor("archivist"));
        let mut store = people_store(&clerk);
        let row = |result: &str| {
            format!("{ZHANG},专业科目,培训班,急救技能,湖南大学,2016-05-03,2016-05-03,8,{result}")
        };
        let first = row("合格");
        self::entries(
            &mut store,
            &clerk,
            &table(ENTRIES_HEADER, &[&first]),
            &source(),
            false,
            false,
        )
        .expect("recorded");
        // As the review screen leaves it: registered by a reviewer, not paper history.
        store
            .conn()
            .execute(
                "UPDATE entries SET state = 'registered', registered_by = 'reviewer',
                     registered_at = '2017-07-01T09:00:00+08:00'",
                [],
            )
            .expect("registered");
        let stored = |store: &Store| -> (String, i64, String) {
            store
                .conn()
                .query_row("SELECT state, migrated, result FROM entries", [], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                })
                .expect("entry")
        };
        let done = self::entries(
            &mut store,
            &archivist,
            &table(ENTRIES_HEADER, &[&first]),
            &source(),
            true,
            false,
        )
        .expect("the same row again");
        assert_eq!((done.added, done.updated, done.unchanged), (0, 0, 1));
        assert_eq!(stored(&store), ("registered".into(), 0, "pass".into()));

        let failed = row("不合格");
        match self::entries(
            &mut store,
            &archivist,
            &table(ENTRIES_HEADER, &[&failed]),
            &source(),
            true,
            false,
        ) {
            Err(ServiceError::Rows(rows)) => {
                assert_eq!(rows.len(), 1, "{rows:?}");
                assert_eq!(rows[0].column, "考核结果", "{rows:?}");
                assert!(
                    matches!(rows[0].problem, Problem::AlreadyDecided { .. }),
                    "{rows:?}"
                );
            }
            other => panic!("expected the row refused, got {other:?}"),
        }
        assert_eq!(stored(&store), ("registered".into(), 0, "pass".into()));
    }

    /// R2.1, issue 10.3 Paper history adds its hours to what people had counted already: the
    /// same years, a failed assessment (which counts nothing), an entry recorded before and now
    /// registered by the roster (rebuilt, not added to), twice the same training in one roster,
    /// and a person whose rows come apart in the file. Every person's kept totals are what
    /// `check` sums, and importing the roster again changes none of them.
    #[test]
    fn r2_1_paper_history_adds_its_hours_to_the_totals_people_had() {
        let (archivist, clerk) = (actor("archivist"), actor("clerk"));
        let mut store = Store::open_in_memory().expect("store");
        let ids: Vec<String> = (1..=3).map(person_id).collect();
        let people_rows: Vec<String> = ids
            .iter()
            .map(|id| format!("{id},张伟,长沙市第一医院,市州所属单位,长沙"))
            .collect();
        let people_rows: Vec<&str> = people_rows.iter().map(String::as_str).collect();
        self::people(
            &mut store,
            &clerk,
            &table(PEOPLE_HEADER, &people_rows),
            &source(),
            false,
        )
        .expect("people");
        let row = |id: &str, public: bool, content: &str, day: u32, hours: &str, result: &str| {
            let category = if public {
                "公需科目"
            } else {
                "专业科目"
            };
            format!(
                "{id},{category},远程教育,{content},湖南省人事考试院,2016-03-{day:02},2016-03-{day:02},{hours},{result}"
            )
        };
        let earlier = [
            row(&ids[0], true, "保密常识", 1, "30", "合格"),
            row(&ids[0], false, "临床新进展", 2, "12.5", "合格"),
            row(&ids[1], false, "临床新进展", 2, "40", "合格"),
        ];
        let earlier: Vec<&str> = earlier.iter().map(String::as_str).collect();
        self::entries(
            &mut store,
            &archivist,
            &table(ENTRIES_HEADER, &earlier),
            &source(),
            true,
            false,
        )
        .expect("earlier paper history");
        // Recorded, not yet counted: the paper roster below registers it.
        let recorded = [row(&ids[2], false, "急救技能", 5, "8", "合格")];
        let recorded: Vec<&str> = recorded.iter().map(String::as_str).collect();
        self::entries(
            &mut store,
            &clerk,
            &table(ENTRIES_HEADER, &recorded),
            &source(),
            false,
            false,
        )
        .expect("recorded");
        let (summed, kept) = totals_and_check(&store, &ids[2]);
        assert_eq!(
            (summed.len(), kept.len()),
            (0, 0),
            "recorded hours count nothing yet"
        );

        let paper = [
            row(&ids[0], true, "法律法规", 7, "6", "合格"),
            row(&ids[0], false, "病历书写", 8, "20", "不合格"),
            row(&ids[1], true, "保密常识", 1, "30", "合格"),
            row(&ids[2], false, "急救技能", 5, "8", "合格"),
            row(&ids[2], true, "法律法规", 7, "6", "合格"),
            row(&ids[0], false, "影像诊断", 9, "4.5", "合格"),
            row(&ids[1], true, "保密常识", 1, "30", "合格"),
        ];
        let paper: Vec<&str> = paper.iter().map(String::as_str).collect();
        let roster = table(ENTRIES_HEADER, &paper);
        self::entries(&mut store, &archivist, &roster, &source(), true, false).expect("paper");
        let expected = [
            // 30 + 6 public; 12.5 + 4.5 professional (the failed 20 counts nothing).
            vec![(2016, 360, 170)],
            // 30 public once (the repeated row is the same training); 40 professional.
            vec![(2016, 300, 400)],
            // The recorded 8, registered by the roster, and the new 6.
            vec![(2016, 60, 80)],
        ];
        for (id, want) in ids.iter().zip(&expected) {
            let (summed, kept) = totals_and_check(&store, id);
            assert_eq!(&summed, want, "{id}: check");
            assert_eq!(kept, summed, "{id}: kept totals");
        }
        let again =
            self::entries(&mut store, &archivist, &roster, &source(), true, false).expect("again");
        assert_eq!((again.added, again.updated), (0, 0));
        for (id, want) in ids.iter().zip(&expected) {
            assert_eq!(
                &totals_and_check(&store, id).1,
                want,
                "{id}: after the same roster again"
            );
        }
    }

    /// A plausible ID number (R1.1) of a person born in 长沙 in 1980, the `n`th that day.
    fn person_id(n: u16) -> String {
        let birth = chrono::NaiveDate::from_ymd_opt(1980, 1, 1).expect("date")
            + chrono::Days::new(u64::from(n / 900));
        crate::domain::IdNumber::compose("430102", birth, n % 900 + 1)
            .expect("composes")
            .to_string()
    }

    fn count(store: &Store, sql: &str) -> i64 {
        store
            .conn()
            .query_row(sql, [], |r| r.get(0))
            .expect("count")
    }

    /// R1.2 A person listed twice with other data is named at the later row, with the first
    /// row, among the roster's other problems in the file's order (the duplicates are found
    /// only once every row is read); nothing is written. Listed twice alike, the person is
    /// written once and counted once.
    #[test]
    fn r1_2_a_person_listed_twice_with_other_data_is_named_in_the_files_order() {
        let a = actor("clerk");
        let mut store = Store::open_in_memory().expect("store");
        let (p1, p2) = (person_id(1), person_id(2));
        let roster = table(
            PEOPLE_HEADER,
            &[
                &format!("{p1},张伟,长沙市第一医院,市州所属单位,长沙"),
                &format!("{p2},李娜,长沙市第一医院,省属,长沙"),
                &format!("{p1},张卫,长沙市第一医院,市州所属单位,长沙"),
                &format!("{p2},李娜,长沙市第一医院,市州所属单位,长沙"),
                &format!("{p1},张伟,长沙市第一医院,市州所属单位,长沙"),
            ],
        );
        match people(&mut store, &a, &roster, &source(), false) {
            Err(ServiceError::Rows(rows)) => {
                let seen: Vec<(usize, &Problem)> =
                    rows.iter().map(|e| (e.line, &e.problem)).collect();
                assert_eq!(seen.len(), 2, "{rows:?}");
                assert_eq!(seen[0].0, 3, "the bad unit kind first: {rows:?}");
                assert_eq!(seen[1], (4, &Problem::Duplicate { first_line: 2 }));
                assert_eq!(rows[1].value, p1);
                assert_eq!(rows[1].column, "身份证号");
            }
            other => panic!("expected the roster's problems, got {other:?}"),
        }
        assert_eq!(count(&store, "SELECT count(*) FROM people"), 0);
        assert_eq!(count(&store, "SELECT count(*) FROM audit"), 0);

        // The same person twice alike, and twice more: one person, counted once.
        let roster = table(
            PEOPLE_HEADER,
            &[
                &format!("{p1},张伟,长沙市第一医院,市州所属单位,长沙"),
                &format!("{p2},李娜,长沙市第一医院,市州所属单位,长沙"),
                &format!("{p1},张伟,长沙市第一医院,市州所属单位,长沙"),
                &format!("{p1},张伟,长沙市第一医院,市州所属单位,长沙"),
            ],
        );
        let s = people(&mut store, &a, &roster, &source(), false).expect("imports");
        assert_eq!(
            (s.added, s.updated, s.unchanged),
            (2, 0, 2),
            "every row accounted for"
        );
        assert_eq!(count(&store, "SELECT count(*) FROM people"), 2);
    }

    /// Issue 10.3: more problems than are kept, duplicates among them, are counted; those
    /// listed are the first of the file, whichever kind they are.
    #[test]
    fn people_problems_beyond_those_kept_are_counted_and_the_first_listed() {
        let a = actor("clerk");
        let mut store = Store::open_in_memory().expect("store");
        let first = person_id(0);
        let mut rows = vec![format!("{first},张伟,长沙市第一医院,市州所属单位,长沙")];
        // Alternately a person listed again with another name, and a unit kind unknown.
        for i in 0..KEPT_PROBLEMS + 10 {
            rows.push(match i % 2 {
                0 => format!("{first},张卫{i},长沙市第一医院,市州所属单位,长沙"),
                _ => format!("{},李娜,长沙市第一医院,省属,长沙", person_id(i as u16 + 1)),
            });
        }
        let rows: Vec<&str> = rows.iter().map(String::as_str).collect();
        match people(
            &mut store,
            &a,
            &table(PEOPLE_HEADER, &rows),
            &source(),
            false,
        ) {
            Err(ServiceError::ManyRows { listed, total }) => {
                assert_eq!(total, KEPT_PROBLEMS + 10);
                assert_eq!(listed.len(), KEPT_PROBLEMS);
                let lines: Vec<usize> = listed.iter().map(|e| e.line).collect();
                let expected: Vec<usize> = (3..3 + KEPT_PROBLEMS).collect();
                assert_eq!(lines, expected, "the first problems, in the file's order");
                assert_eq!(listed[0].problem, Problem::Duplicate { first_line: 2 });
                assert!(matches!(listed[1].problem, Problem::NotOneOf { .. }));
            }
            other => panic!("expected the counted problems, got {other:?}"),
        }
        assert_eq!(count(&store, "SELECT count(*) FROM people"), 0);
    }

    /// Issue 10.3, R1.2, R5.5 A people roster read from its file as a stream: more people than
    /// one statement inserts, every one written with the People search tables filled (name
    /// trigrams, readings of the initials, prefixes, units), one record with its payload, and
    /// `audit verify` agreeing; the same file again changes nothing and records nothing.
    #[test]
    fn a_people_roster_streams_from_its_file_and_again_changes_nothing() {
        let a = actor("clerk");
        let mut store = Store::open_in_memory().expect("store");
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("people.csv");
        let n = 3 * NEW_PEOPLE_A_STATEMENT + 5;
        let mut text = format!("{PEOPLE_HEADER}\n");
        for i in 0..n {
            text.push_str(&format!(
                "{},张伟{i},长沙市第{}医院,市州所属单位,长沙\n",
                person_id(i as u16),
                i % 7
            ));
        }
        std::fs::write(&path, &text).expect("roster");
        let open = || crate::import::stream::RosterFile {
            file: std::fs::File::open(&path).expect("open"),
            path: &path,
            vocabulary: &Kind::People,
            limits: crate::import::Limits::default(),
        };
        let done =
            people_from(&mut store, &a, &open(), &source(), false, &mut quiet).expect("imports");
        assert_eq!((done.summary.added, done.summary.unchanged), (n, 0));
        let n = n as i64;
        assert_eq!(count(&store, "SELECT count(*) FROM people"), n);
        assert_eq!(
            count(
                &store,
                "SELECT count(*) FROM people_fts WHERE people_fts MATCH 'name_key:张伟1'"
            ),
            count(
                &store,
                "SELECT count(*) FROM people WHERE name LIKE '张伟1%'"
            ),
        );
        assert_eq!(
            count(
                &store,
                "SELECT count(DISTINCT person_id) FROM people_prefixes WHERE prefix = '张'"
            ),
            n
        );
        assert_eq!(
            count(
                &store,
                "SELECT count(DISTINCT person_id) FROM people_readings WHERE reading GLOB 'zw*'"
            ),
            n
        );
        assert_eq!(count(&store, "SELECT count(*) FROM people_units"), 7);
        let (records, lines) = store
            .conn()
            .query_row(
                "SELECT count(*), json_extract(max(after), '$.payload.lines') FROM audit",
                [],
                |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)),
            )
            .expect("trail");
        assert_eq!((records, lines), (1, n + 1), "one record, a line a person");
        let report = crate::service::audit::check_state(store.conn()).expect("verify");
        assert_eq!(report.findings, vec![]);
        assert_eq!(report.compared, n as u64);

        let again = people_from(&mut store, &a, &open(), &source(), false, &mut quiet)
            .expect("imports again");
        assert_eq!(
            (
                again.summary.added,
                again.summary.updated,
                again.summary.unchanged
            ),
            (0, 0, n as usize)
        );
        assert_eq!(count(&store, "SELECT count(*) FROM audit"), 1);
    }

    /// Issue 10.3: a people roster rewritten between the check and the writing (a name
    /// changed, still valid) is refused, and nothing is written.
    #[test]
    fn a_people_roster_changed_between_checking_and_writing_writes_nothing() {
        let a = actor("clerk");
        let mut store = Store::open_in_memory().expect("store");
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("people.csv");
        let roster = |name: &str| {
            format!("{PEOPLE_HEADER}\n{ZHANG},{name},长沙市第一医院,市州所属单位,长沙\n")
        };
        std::fs::write(&path, roster("张伟")).expect("roster");
        let file = RewrittenAfterCheck {
            file: crate::import::stream::RosterFile {
                file: std::fs::File::open(&path).expect("open"),
                path: &path,
                vocabulary: &Kind::People,
                limits: crate::import::Limits::default(),
            },
            rewrite: roster("张卫"),
            passes: std::sync::atomic::AtomicUsize::new(0),
        };
        let result = people_from(&mut store, &a, &file, &source(), false, &mut quiet);
        assert!(
            matches!(result, Err(ServiceError::Table(TableError::Changed))),
            "{result:?}"
        );
        assert_eq!(count(&store, "SELECT count(*) FROM people"), 0);
        assert_eq!(count(&store, "SELECT count(*) FROM audit"), 0);
        assert_eq!(count(&store, "SELECT count(*) FROM audit_payloads"), 0);
    }

    const FILINGS_HEADER: &str =
        "备案编号,培训名称,科目类别,申报单位,培训机构,开始日期,结束日期,状态,备案日期,备注";

    /// A filings row: number, name, status and approval date; the rest alike.
    fn filing_row(no: &str, name: &str, status: &str, on: &str, note: &str) -> String {
        format!(
            "{no},{name},专业,湖南省人社厅,湖南省继续教育基地,2016-04-01,2016-04-05,{status},{on},{note}"
        )
    }

    /// R4.2 A filing listed twice with other data is named at the later row, with the first
    /// row and its number, among the roster's other problems in the file's order (found only
    /// once every row is read); nothing is written. Numbers are compared exactly: F1 and F10
    /// are two filings. Listed twice alike, a filing is written once, with the first row's note.
    #[test]
    fn r4_2_a_filing_listed_twice_with_other_data_is_named_in_the_files_order() {
        let a = actor("clerk");
        let mut store = Store::open_in_memory().expect("store");
        let roster = table(
            FILINGS_HEADER,
            &[
                &filing_row("F1", "内科进展", "待审", "", ""),
                &filing_row("F10", "内科进展", "待审", "", ""),
                &filing_row("F2", "外科进展", "审核中", "", ""),
                &filing_row("F1", "内科新进展", "待审", "", ""),
                &filing_row("F10", "内科进展", "已备案", "", ""),
            ],
        );
        match filings(&mut store, &a, &roster, &source(), false) {
            Err(ServiceError::Rows(rows)) => {
                let seen: Vec<(usize, &str, &str)> = rows
                    .iter()
                    .map(|e| (e.line, e.column.as_str(), e.value.as_str()))
                    .collect();
                assert_eq!(
                    seen,
                    vec![
                        (4, "状态", "审核中"),
                        (5, "备案编号", "F1"),
                        (6, "备案日期", "")
                    ],
                    "{rows:?}"
                );
                assert_eq!(rows[1].problem, Problem::Duplicate { first_line: 2 });
                assert_eq!(rows[2].problem, Problem::ApprovedWithoutDate);
            }
            other => panic!("expected the roster's problems, got {other:?}"),
        }
        assert_eq!(count(&store, "SELECT count(*) FROM filings"), 0);
        assert_eq!(count(&store, "SELECT count(*) FROM audit"), 0);

        let roster = table(
            FILINGS_HEADER,
            &[
                &filing_row("F1", "内科进展", "待审", "", "首批"),
                &filing_row("F10", "内科进展", "待审", "", ""),
                &filing_row("F1", "内科进展", "待审", "", "重复"),
            ],
        );
        let s = filings(&mut store, &a, &roster, &source(), false).expect("imports");
        assert_eq!(
            (s.added, s.updated, s.unchanged),
            (2, 0, 1),
            "every row accounted for"
        );
        assert_eq!(count(&store, "SELECT count(*) FROM filings"), 2);
        assert_eq!(
            count(
                &store,
                "SELECT count(*) FROM audit WHERE action = 'note.set'"
            ),
            1,
            "the first row's note alone"
        );
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

#[cfg(test)]
#[path = "import_batch_tests.rs"]
mod batch_tests;
