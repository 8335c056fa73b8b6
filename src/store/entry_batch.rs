//! New entries written many to a statement (issue 10): `INSERT INTO entries … VALUES (…), (…)
//! … RETURNING id`, for a writer that creates entries by the thousand in one transaction (an
//! import). One statement serves many rows: its preparation, its bookkeeping, and above all its
//! statement journal — each statement that may abort (a foreign key, a trigger) first copies
//! every page it changes that an earlier statement of the transaction changed, and one row a
//! statement copied the same last pages of `entries` and its indexes once a row.
//!
//! The natural key (R5.1) is still the schema's: the trigger `entries_same_training` turns away
//! a row whose person already has the training, including a row equal to one inserted earlier
//! in the same statement (SQLite inserts the rows of `VALUES` one after another, and the
//! trigger sees those before it). [`EntryBatch::insert`] says, row by row, which were written
//! and under which id, exactly as [`super::entries::insert_new`] would have one at a time.
//!
//! That trigger is a lookup of the person's other entries for every row — half of what the
//! statement costs SQLite when a roster lists a person's twenty trainings together. A writer
//! holding the write lock for a whole roster ([`EntryBatch::keyed`], the import) sets it aside
//! for its own transaction and compares the keys itself: each person's keys read once, at the
//! person's first row, and kept while the writer writes ([`Trainings`]); it puts the trigger
//! back, word for word, before the commit ([`EntryBatch::finish`]), so no other connection
//! ever sees the schema without it. The providers' counter (`entry_providers_insert`, an
//! upsert a row) goes aside with it: the writer counts the providers of the rows it writes and
//! adds each provider's count once, at the end. So do the review queue's two triggers, which
//! do nothing for a registered row ([`QUEUE_TRIGGERS`]), for as long as every row is one.
//!
//! On a connection that does not enforce foreign keys (an import's,
//! [`super::Store::without_foreign_keys`]), the writer looks up the rows its entries refer to
//! itself ([`Parents`]): each person, form, filing and batch once, where SQLite looks up four a
//! row.

use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};

use rusqlite::types::ValueRef;
use rusqlite::{Connection, Statement, Transaction};

use super::Result;
use super::bulk;
use super::entries::{NewEntry, bind_facts, id_by_key};
use crate::domain::{Category, EntryState, Form};
use chrono::NaiveDate;

/// The trigger that keeps the natural key (R5.1) on `INSERT`: set aside by a keyed writer.
const KEY_TRIGGER: &str = "entries_same_training";

/// The trigger that counts an entry's provider on `INSERT` (`entry_providers`, read by the
/// provider completion and the review queue's search): set aside by a keyed writer, which
/// adds the counts itself ([`add_providers`]).
const PROVIDERS_TRIGGER: &str = "entry_providers_insert";

/// The trigger that refuses a piece of evidence received twice for an entry (R3) on `INSERT`
/// into `evidence_sets`, a lookup of the entry's sets for every set written: set aside with the
/// key by a keyed writer, whose caller writes the evidence of the entries it creates, one set
/// for each (`entries::EvidenceWriter::add_new`: an entry created in this transaction has no
/// other), while evidence for any other entry goes through the view `evidence_received`, whose
/// own trigger refuses a piece already there before it writes a set.
const EVIDENCE_TRIGGER: &str = "evidence_sets_once";

/// The triggers that put an entry to be reviewed in the queue (`review_queue`) and count it
/// as pending (`pending_by_person`, `pending_by_kind`) on `INSERT`: each runs for every row
/// and does nothing for a registered one (their `WHEN`: recorded, evidence complete or
/// sealed), which is every row of paper history (`import entries --registered`). A keyed
/// writer sets them aside with the key and puts them back before the first row of any other
/// state is written ([`EntryBatch::insert`]); at a million rows of paper history the two
/// cost a twentieth of the import (issue 10).
const QUEUE_TRIGGERS: [&str; 2] = ["review_queue_insert", "pending_kept_insert"];

/// People whose keys a keyed writer keeps (about 21 trainings each, some 6 KB with the set's
/// own room): past this many it forgets them all and reads each again at its next row. A
/// roster lists a person's rows together, so a few hundred cover a statement's rows; 4 096
/// cost the import of a million rows 36 MB.
const PEOPLE_KEPT: usize = 256;

/// Bytes of keys a keyed writer keeps at most (about: the texts and a fixed part a key), so
/// people with a hundred long trainings each stay within the import's memory bound too.
const KEYS_KEPT_BYTES: usize = 8 << 20;

/// Rows a keyed writer claims before it judges whether keeping the keys pays.
const ROWS_TO_JUDGE: usize = 2_048;

/// Rows a person's keys must serve, on average, for keeping them to pay: a roster grouped by
/// person has some twenty a person; one sorted by class (a person's rows far apart) has one,
/// and reading a person's keys for each row costs more than the trigger's lookup (tester,
/// 2026-11-30: 90 classes of 2 000 people, 25.5 s with the trigger, 34.4 s keyed).
const ROWS_A_READ: usize = 4;

/// Rows of one full statement. Each row binds [`ROW_PARAMS`] numbers, so a statement binds
/// some 3 800 parameters (SQLite allows 32 766). Measured on the import of a million rows
/// (BENCHMARKS.md, "Import: entries many to a statement"): past a few hundred rows a statement,
/// a larger one gains nothing and holds more rows' data in memory.
pub const ROWS: usize = 256;

/// The most rows a statement can bind (SQLite allows 32 766 parameters).
const MOST_ROWS: usize = (32_766 - 2) / ROW_PARAMS;
const _: () = assert!(ROWS <= MOST_ROWS);

/// Parameters bound per row; two more, shared by every row, come first: the time (`?1`) and
/// the clerk (`?2`).
const ROW_PARAMS: usize = 15;

/// The columns written, in the order of each row's values.
const COLUMNS: &str = "INSERT INTO entries (person_id, year, category, form, content, provider,
    start_date, end_date, hours_tenths, result, filing_id, state, migrated, batch_id,
    registered_by, registered_at, created_at, updated_at, recorded_by)";

/// The statement inserting `n` rows: row `k`'s own values at `?(3 + 15k)` on, then the time
/// (`?1`) as registered (for a registered row only), created and updated at, as
/// [`super::entries::insert_new`] writes them, and the clerk (`?2`).
fn insert_sql(n: usize) -> String {
    let mut sql = String::with_capacity(COLUMNS.len() + 16 + n * 110);
    sql.push_str(COLUMNS);
    sql.push_str(" VALUES ");
    for k in 0..n {
        if k > 0 {
            sql.push_str(", ");
        }
        let first = 3 + ROW_PARAMS * k;
        sql.push('(');
        for i in first..first + ROW_PARAMS {
            sql.push_str(&format!("?{i}, "));
        }
        // The row's state is its twelfth value (`bind_facts`).
        sql.push_str(&format!(
            "CASE WHEN ?{} = 'registered' THEN ?1 END, ?1, ?1, ?2)",
            first + 11
        ));
    }
    sql.push_str(" RETURNING id");
    sql
}

/// Writes new entries for one clerk at one time, [`ROWS`] to a statement; the statement of a
/// full batch is prepared once and kept (its text, some 20 KB, is not hashed again for a cache
/// at every batch).
pub struct EntryBatch<'c> {
    conn: &'c Connection,
    /// Rows of a full statement: [`ROWS`] unless [`EntryBatch::with_rows`] said otherwise.
    rows: usize,
    full: Option<Statement<'c>>,
    /// The login written as `recorded_by` (and `registered_by` of a registered entry).
    by: String,
    /// The time written as created, updated (and registered) at, as `entries` holds it
    /// (migration 25: seconds since the epoch), converted once for every row.
    now: rusqlite::types::Value,
    /// The natural key kept here instead of by [`KEY_TRIGGER`] ([`EntryBatch::keyed`]).
    keyed: Option<Keyed>,
    /// The references checked here, when the connection does not check them.
    parents: Option<Parents>,
}

/// Rows the entries written refer to (`people`, `forms`, `filings`, `import_batches`), looked
/// up by the writer when its connection does not enforce foreign keys, and kept once found: a
/// roster names a person's twenty trainings, one form of a handful and one batch, so a row
/// costs a lookup in a set where SQLite's own check costs four in the tables.
#[derive(Default)]
struct Parents {
    people: HashSet<i64>,
    filings: HashSet<i64>,
    batches: HashSet<i64>,
    forms: HashSet<Form>,
}

/// Ids a [`Parents`] keeps of each table before it forgets them all (about 1 MB): a row after
/// that looks its parent up again.
const PARENTS_KEPT: usize = 65_536;

impl Parents {
    /// Whether `conn` leaves references to its writers: `Some` to check them here.
    fn needed(conn: &Connection) -> Result<Option<Parents>> {
        let enforced: bool = conn.query_row("PRAGMA foreign_keys", [], |r| r.get(0))?;
        Ok((!enforced).then(Parents::default))
    }

    /// Errors: a reference of `e` to a row that does not exist, as SQLite's own check would
    /// have failed the insert (`FOREIGN KEY constraint failed`, naming the table); SQL errors.
    fn check(&mut self, conn: &Connection, e: &NewEntry) -> Result<()> {
        let ids = [
            (Some(e.person_id), "people", &mut self.people),
            (e.filing_id, "filings", &mut self.filings),
            (e.batch_id, "import_batches", &mut self.batches),
        ];
        for (id, table, kept) in ids {
            let Some(id) = id else { continue };
            if kept.contains(&id) {
                continue;
            }
            // The table names are this function's own, never a row's.
            let found: bool = conn
                .prepare_cached(&format!(
                    "SELECT EXISTS (SELECT 1 FROM {table} WHERE id = ?1)"
                ))?
                .query_row([id], |r| r.get(0))?;
            if !found {
                return Err(bulk::dangling_reference(
                    "entries",
                    &format!("(person {}, {})", e.person_id, e.entry.content),
                    &format!("{table} (id {id})"),
                ));
            }
            if kept.len() >= PARENTS_KEPT {
                kept.clear();
            }
            kept.insert(id);
        }
        let form = e.entry.form;
        if !self.forms.contains(&form) {
            let found: bool = conn
                .prepare_cached("SELECT EXISTS (SELECT 1 FROM forms WHERE code = ?1)")?
                .query_row([form.code()], |r| r.get(0))?;
            if !found {
                return Err(bulk::dangling_reference(
                    "entries",
                    &format!("(person {}, {})", e.person_id, e.entry.content),
                    &format!("forms (code {})", form.code()),
                ));
            }
            self.forms.insert(form);
        }
        Ok(())
    }
}

/// What a keyed writer keeps while its triggers are aside.
struct Keyed {
    set: bulk::SetAside,
    trainings: Trainings,
    /// Entries written a provider, when [`PROVIDERS_TRIGGER`] is among the set.
    providers: Option<HashMap<String, i64>>,
    /// Whether [`QUEUE_TRIGGERS`] are still aside: only registered rows written so far.
    queue_aside: bool,
}

impl<'c> EntryBatch<'c> {
    /// A writer of entries recorded by clerk `by` at `now` (RFC 3339), on `conn`, which must be
    /// inside a write transaction for as long as the writer is used. On a connection that does
    /// not enforce foreign keys the writer checks its rows' references itself ([`Parents`]).
    ///
    /// Errors: SQL errors.
    pub fn new(conn: &'c Connection, by: &str, now: &str) -> Result<EntryBatch<'c>> {
        Ok(EntryBatch {
            conn,
            rows: ROWS,
            full: None,
            by: by.to_string(),
            now: super::entries::stored_time(conn, now)?,
            keyed: None,
            parents: Parents::needed(conn)?,
        })
    }

    /// A writer like [`EntryBatch::new`] that keeps the natural key itself (R5.1) for the rest
    /// of the transaction `tx`: the trigger `entries_same_training` is set aside in `tx` (and
    /// recorded as a load's, [`bulk::MARK`], so a file committed without it gets it back when
    /// next opened) and must be put back by [`EntryBatch::finish`] before `tx` commits. Where a
    /// load's objects are already set aside, or the schema has no such trigger, the writer
    /// leaves the key to the trigger, as [`EntryBatch::new`] does; so does a writer whose rows
    /// turn out not to be grouped by person, once it has seen enough of them to tell (it puts
    /// the triggers back then, in `tx`). Nothing else may insert entries in `tx` while the
    /// trigger is away, and evidence sets only as [`EVIDENCE_TRIGGER`] says (its trigger goes
    /// aside with the key's).
    ///
    /// Errors: SQL errors.
    pub fn keyed(tx: &'c Transaction<'_>, by: &str, now: &str) -> Result<EntryBatch<'c>> {
        let mut batch = EntryBatch::new(tx, by, now)?;
        if bulk::pending(tx)?.is_none() {
            let plan = bulk::Plan {
                indexed: &[],
                triggers: &[
                    KEY_TRIGGER,
                    PROVIDERS_TRIGGER,
                    EVIDENCE_TRIGGER,
                    QUEUE_TRIGGERS[0],
                    QUEUE_TRIGGERS[1],
                ],
                rebuild: &[],
                replayed: &[],
                counted: &[],
                checked: &[],
            };
            let set = bulk::set_aside(tx, &plan)?;
            let aside = |name: &str| set.objects.iter().any(|o| o.name == name);
            if aside(KEY_TRIGGER) {
                let providers = aside(PROVIDERS_TRIGGER).then(HashMap::new);
                let queue_aside = QUEUE_TRIGGERS.iter().any(|t| aside(t));
                batch.keyed = Some(Keyed {
                    set,
                    trainings: Trainings::default(),
                    providers,
                    queue_aside,
                });
            } else if !set.objects.is_empty() {
                // The counter alone (a schema without the key's trigger): not worth keeping.
                bulk::put_back(tx, &set)?;
            }
        }
        Ok(batch)
    }

    /// Puts back what [`EntryBatch::keyed`] set aside, in the same transaction; nothing for a
    /// writer that set nothing aside, or a second time. Rows inserted after it are checked by
    /// the trigger again.
    ///
    /// Errors: SQL errors (the caller rolls back, and the trigger is back with the rollback).
    pub fn finish(&mut self) -> Result<()> {
        if let Some(keyed) = self.keyed.take() {
            if let Some(providers) = keyed.providers {
                add_providers(self.conn, providers)?;
            }
            // The set was made in this writer's transaction, which is still open.
            bulk::put_back(self.conn, &keyed.set)?;
        }
        Ok(())
    }

    /// Whether the writer keeps the natural key itself at this moment (for tests: it gives the
    /// key back to the trigger when a roster's rows are not grouped by person).
    pub fn is_keyed(&self) -> bool {
        self.keyed.is_some()
    }

    /// The same writer with `rows` rows to a full statement (at least 1, at most what SQLite
    /// can bind): 1 writes a statement a row, as [`super::entries::insert_new`] did, which the
    /// tests compare with.
    pub fn with_rows(mut self, rows: usize) -> EntryBatch<'c> {
        self.rows = rows.clamp(1, MOST_ROWS);
        self
    }

    /// Rows of a full statement: a caller that queues rows writes them when it holds this many.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Inserts `rows` in their order and returns, for each, its new id, or `None` when the
    /// natural key turned it away (the person already had the training, before this call or
    /// from an earlier row of `rows`) and nothing was written for it — the results, row for
    /// row, of [`super::entries::insert_new`] called once a row. Any other constraint (a
    /// CHECK, a foreign key) fails the call; the caller's transaction then holds whatever rows
    /// the failing statement had written before it, and is to be rolled back.
    pub fn insert<'r>(
        &mut self,
        rows: impl ExactSizeIterator<Item = &'r NewEntry> + Clone,
    ) -> Result<Vec<Option<i64>>> {
        if self.keyed.as_ref().is_some_and(|k| !k.trainings.pays()) {
            // A roster not grouped by person: the trigger is cheaper from here on.
            self.finish()?;
        }
        if let Some(keyed) = self.keyed.as_mut()
            && keyed.queue_aside
            && rows
                .clone()
                .any(|e| e.entry.state != EntryState::Registered)
        {
            // A row the queue's triggers act on: they are back before it is written.
            bulk::put_back_some(self.conn, &keyed.set, &QUEUE_TRIGGERS)?;
            keyed.queue_aside = false;
        }
        let Some(keyed) = self.keyed.as_mut() else {
            return self.insert_all(rows);
        };
        // Every row of earlier calls is written, so the keys can be read again from the table.
        keyed.trainings.forget_if_full();
        let mut fresh = Vec::with_capacity(rows.len());
        for e in rows.clone() {
            fresh.push(keyed.trainings.claim(self.conn, e)?);
        }
        let written: Vec<&NewEntry> = rows
            .zip(&fresh)
            .filter_map(|(e, new)| new.then_some(e))
            .collect();
        // Nothing else turns a row away while the trigger is aside: each claimed row has its
        // id, in order (a `None` would only send the row on to be looked up as one found).
        let ids = self.insert_all(written.iter().copied())?;
        if let Some(providers) = self.keyed.as_mut().and_then(|k| k.providers.as_mut()) {
            for (e, id) in written.iter().zip(&ids) {
                if id.is_some() {
                    match providers.get_mut(&e.entry.provider) {
                        Some(n) => *n += 1,
                        None => {
                            providers.insert(e.entry.provider.clone(), 1);
                        }
                    }
                }
            }
        }
        let mut ids = ids.into_iter();
        Ok(fresh
            .into_iter()
            .map(|new| if new { ids.next().flatten() } else { None })
            .collect())
    }

    /// [`EntryBatch::insert`] with the natural key left to the trigger: every row offered to
    /// SQLite, [`ROWS`] to a statement.
    fn insert_all<'r>(
        &mut self,
        rows: impl ExactSizeIterator<Item = &'r NewEntry> + Clone,
    ) -> Result<Vec<Option<i64>>> {
        if let Some(parents) = self.parents.as_mut() {
            for e in rows.clone() {
                parents.check(self.conn, e)?;
            }
        }
        let mut out = Vec::with_capacity(rows.len());
        let mut rest = rows;
        loop {
            let n = rest.len().min(self.rows);
            if n == 0 {
                break;
            }
            let chunk = rest.clone().take(n);
            let ids = if n == self.rows {
                let stmt = match self.full.take() {
                    Some(s) => s,
                    None => self.conn.prepare(&insert_sql(self.rows))?,
                };
                let stmt = self.full.insert(stmt);
                run(stmt, &self.by, &self.now, chunk.clone())?
            } else {
                // The last, partial statement of an import (or of a flush before a problem is
                // reported): made for its size, not kept.
                let mut stmt = self.conn.prepare(&insert_sql(n))?;
                run(&mut stmt, &self.by, &self.now, chunk.clone())?
            };
            place(self.conn, chunk, ids, &mut out)?;
            rest.nth(n - 1);
        }
        Ok(out)
    }
}

/// Adds `providers` (provider, entries written) to `entry_providers`, in provider order, as
/// [`PROVIDERS_TRIGGER`] would have added them one entry at a time.
fn add_providers(conn: &Connection, providers: HashMap<String, i64>) -> Result<()> {
    let mut add = conn.prepare_cached(
        "INSERT INTO entry_providers (provider, entries) VALUES (?1, ?2)
         ON CONFLICT (provider) DO UPDATE SET entries = entries + excluded.entries",
    )?;
    let mut sorted: Vec<(String, i64)> = providers.into_iter().collect();
    sorted.sort_unstable();
    for (provider, n) in sorted {
        add.execute(rusqlite::params![provider, n])?;
    }
    Ok(())
}

/// The natural keys (R5.1) of the trainings of the people a keyed writer has met, read from
/// `entries` at each person's first row and added to as rows are claimed: what the trigger
/// would compare each row with, without a lookup a row.
#[derive(Default)]
struct Trainings {
    people: HashMap<i64, HashSet<Key>>,
    /// About how many bytes the keys held take ([`Key::bytes`]).
    bytes: usize,
    /// Rows claimed, and people's keys read for them.
    rows: usize,
    reads: usize,
}

/// The columns the trigger compares, as the writers bind them: the codes and dates stand for
/// their text (`YYYY-MM-DD`), the hours are tenths.
#[derive(PartialEq, Eq, Hash)]
pub(crate) struct Key {
    category: Category,
    form: Form,
    start: NaiveDate,
    end: NaiveDate,
    tenths: i64,
    content: String,
    provider: String,
}

impl Key {
    /// About what the key takes in memory: its texts and a fixed part for the rest and the
    /// set's own room.
    fn bytes(&self) -> usize {
        self.content.len() + self.provider.len() + 96
    }

    fn of(e: &NewEntry) -> Key {
        Key::of_entry(&e.entry)
    }

    /// The natural key (R5.1) of `x`, less its person.
    pub(crate) fn of_entry(x: &crate::domain::Entry) -> Key {
        Key {
            category: x.category,
            form: x.form,
            start: x.start_date,
            end: x.end_date,
            tenths: x.hours.tenths(),
            content: x.content.clone(),
            provider: x.provider.clone(),
        }
    }
}

impl Trainings {
    /// Forgets every person once [`PEOPLE_KEPT`] are known or their keys take
    /// [`KEYS_KEPT_BYTES`].
    fn forget_if_full(&mut self) {
        if self.people.len() >= PEOPLE_KEPT || self.bytes >= KEYS_KEPT_BYTES {
            self.people.clear();
            self.bytes = 0;
        }
    }

    /// Whether the keys read so far served enough rows each ([`ROWS_A_READ`]) for keeping
    /// them to beat the trigger; always, before [`ROWS_TO_JUDGE`] rows.
    fn pays(&self) -> bool {
        self.rows < ROWS_TO_JUDGE || self.reads * ROWS_A_READ <= self.rows
    }

    /// Whether `e` is a training its person does not have yet, counting the rows claimed
    /// before it; a new one is claimed, so the same again is turned away.
    fn claim(&mut self, conn: &Connection, e: &NewEntry) -> Result<bool> {
        self.rows += 1;
        let known = match self.people.entry(e.person_id) {
            std::collections::hash_map::Entry::Occupied(o) => o.into_mut(),
            std::collections::hash_map::Entry::Vacant(v) => {
                self.reads += 1;
                let keys = read_keys(conn, e.person_id)?;
                self.bytes += keys.iter().map(Key::bytes).sum::<usize>();
                v.insert(keys)
            }
        };
        let key = Key::of(e);
        let bytes = key.bytes();
        let new = known.insert(key);
        if new {
            self.bytes += bytes;
        }
        Ok(new)
    }
}

/// The keys of the entries `person_id` has. A value of another type than the writers write
/// (a file changed by hand: a blob, a fraction of a tenth) is left out: under the columns'
/// affinities it cannot equal what a writer binds (text, whole tenths), for the trigger either.
fn read_keys(conn: &Connection, person_id: i64) -> Result<HashSet<Key>> {
    let mut stmt = conn.prepare_cached(
        "SELECT category, form, start_date, end_date, hours_tenths, content, provider
         FROM entries WHERE person_id = ?1",
    )?;
    let mut rows = stmt.query([person_id])?;
    let mut keys = HashSet::new();
    while let Some(r) = rows.next()? {
        keys.extend(stored_key(r));
    }
    Ok(keys)
}

/// The key of a row of [`read_keys`], or `None` when a column holds what no writer binds: text
/// that is not a code, a date not written `YYYY-MM-DD`, anything but text or whole tenths.
fn stored_key(r: &rusqlite::Row<'_>) -> Option<Key> {
    let text = |i: usize| match r.get_ref(i).ok()? {
        ValueRef::Text(t) => std::str::from_utf8(t).ok(),
        _ => None,
    };
    let date = |i: usize| {
        let t = text(i)?;
        let b = t.as_bytes();
        let canonical = b.len() == 10
            && b.iter().enumerate().all(|(k, c)| {
                if k == 4 || k == 7 {
                    *c == b'-'
                } else {
                    c.is_ascii_digit()
                }
            });
        canonical
            .then(|| NaiveDate::parse_from_str(t, "%Y-%m-%d").ok())
            .flatten()
    };
    Some(Key {
        category: Category::ALL
            .iter()
            .copied()
            .find(|c| Some(c.code()) == text(0))?,
        form: Form::ALL
            .iter()
            .copied()
            .find(|f| Some(f.code()) == text(1))?,
        start: date(2)?,
        end: date(3)?,
        tenths: match r.get_ref(4).ok()? {
            ValueRef::Integer(i) => i,
            _ => return None,
        },
        content: text(5)?.to_string(),
        provider: text(6)?.to_string(),
    })
}

/// Binds `rows` to `stmt` (made for exactly as many) and runs it: the ids written, ascending.
fn run<'r>(
    stmt: &mut Statement<'_>,
    by: &str,
    now: &rusqlite::types::Value,
    rows: impl Iterator<Item = &'r NewEntry>,
) -> Result<Vec<i64>> {
    stmt.raw_bind_parameter(1, now)?;
    stmt.raw_bind_parameter(2, by)?;
    for (k, e) in rows.enumerate() {
        let x = &e.entry;
        let mut i = 3 + ROW_PARAMS * k;
        let mut bind = |v: &dyn rusqlite::ToSql| -> rusqlite::Result<()> {
            stmt.raw_bind_parameter(i, v)?;
            i += 1;
            Ok(())
        };
        bind_facts(&mut bind, e.person_id, x, e.filing_id)?;
        bind(&e.batch_id)?;
        bind(&(x.state == EntryState::Registered).then_some(by))?;
    }
    let mut ids = Vec::new();
    let mut returned = stmt.raw_query();
    while let Some(r) = returned.next()? {
        ids.push(r.get::<_, i64>(0)?);
    }
    // SQLite gives each new row the highest id plus one, so ids ascend in the order the rows
    // were inserted, whatever order RETURNING lists them in.
    ids.sort_unstable();
    Ok(ids)
}

/// Appends to `out`, for each of `rows` in order, the id it was written under (of `ids`, the
/// statement's, ascending) or `None`.
///
/// Every row written (the usual case) or none (a roster imported again) needs no lookup. Else
/// each row's natural key is looked up: a row was written when its key's entry is one of this
/// statement's and no earlier row of the statement claimed it (a training listed twice: the
/// first row is written, the second turned away by the first).
fn place<'r>(
    conn: &Connection,
    rows: impl ExactSizeIterator<Item = &'r NewEntry>,
    ids: Vec<i64>,
    out: &mut Vec<Option<i64>>,
) -> Result<()> {
    if ids.len() == rows.len() {
        out.extend(ids.into_iter().map(Some));
        return Ok(());
    }
    if ids.is_empty() {
        out.extend(rows.map(|_| None));
        return Ok(());
    }
    let mut mine: HashSet<i64> = ids.into_iter().collect();
    for e in rows {
        let id = id_by_key(conn, e.person_id, &e.entry)?;
        out.push(id.filter(|id| mine.remove(id)));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{
        AssessmentResult, Category, Entry, Form, Hours, IdNumber, Person, UnitKind,
    };
    use crate::store::entries::insert_new;
    use crate::store::{Store, people};
    use chrono::NaiveDate;

    const NOW: &str = "2017-07-15T10:00:00+08:00";

    fn store_with_people(n: u16) -> (Store, Vec<i64>) {
        let mut store = Store::open_in_memory().expect("store");
        let birth = NaiveDate::from_ymd_opt(1980, 5, 17).expect("date");
        let people: Vec<Person> = (0..n)
            .map(|i| Person {
                id_number: IdNumber::compose("430102", birth, i).expect("id number"),
                name: "张伟".into(),
                unit: "长沙市第一医院".into(),
                unit_kind: UnitKind::City,
                city_code: "430100".into(),
                title: String::new(),
                title_level: None,
                series: String::new(),
                phone: String::new(),
                file_location: String::new(),
            })
            .collect();
        let tx = store.write().expect("tx");
        let refs: Vec<&Person> = people.iter().collect();
        let ids = people::insert_rows(&tx, &refs, NOW).expect("people");
        tx.commit().expect("commit");
        (store, ids)
    }

    /// An entry of `person` for training `k` (its content and start day), registered or not.
    fn entry(person: i64, k: u32, registered: bool) -> NewEntry {
        let day = NaiveDate::from_ymd_opt(2016, 3, 1).expect("date") + chrono::Days::new(k.into());
        NewEntry {
            person_id: person,
            entry: Entry {
                year: 2016,
                category: Category::Professional,
                form: Form::TrainingClass,
                content: format!("内科进展{k}"),
                provider: ["省医学会", "湘雅医院", "湖南大学"][k as usize % 3].into(),
                start_date: day,
                end_date: day,
                hours: Hours::from_tenths(80),
                result: AssessmentResult::Pass,
                state: if registered {
                    EntryState::Registered
                } else {
                    EntryState::Recorded
                },
                migrated: registered,
            },
            filing_id: None,
            batch_id: None,
        }
    }

    /// Every column of every entry, in id order: what a clerk's screens and reports read.
    fn table(store: &Store) -> Vec<Vec<String>> {
        let mut stmt = store
            .conn()
            .prepare("SELECT * FROM entries ORDER BY id")
            .expect("select");
        let cols = stmt.column_count();
        stmt.query_map([], |r| {
            (0..cols)
                .map(|i| {
                    r.get::<_, rusqlite::types::Value>(i)
                        .map(|v| format!("{v:?}"))
                })
                .collect()
        })
        .expect("query")
        .collect::<rusqlite::Result<_>>()
        .expect("rows")
    }

    /// R5.5 Only a registered entry carries a registration: a recorded one, written by either
    /// writer, has no `registered_at` (tester, 2026-11-30: a plain import stamped every row
    /// as registered at the import's time), a registered one the writer's time, in seconds.
    #[test]
    fn only_a_registered_entry_is_stamped_registered() {
        let (store, people) = store_with_people(1);
        let tx = store.conn().unchecked_transaction().expect("tx");
        let rows = [entry(people[0], 0, false), entry(people[0], 1, true)];
        EntryBatch::new(&tx, "wangfang", NOW)
            .unwrap()
            .insert(rows.iter())
            .expect("many at a time");
        insert_new(&tx, &entry(people[0], 2, false), "wangfang", NOW).expect("one");
        insert_new(&tx, &entry(people[0], 3, true), "wangfang", NOW).expect("one");
        tx.commit().expect("commit");
        let at = chrono::DateTime::parse_from_rfc3339(NOW)
            .expect("now")
            .timestamp();
        let got: Vec<(String, Option<i64>, Option<String>)> = store
            .conn()
            .prepare("SELECT state, registered_at, registered_by FROM entries ORDER BY id")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        let recorded = ("recorded".to_string(), None, None);
        let registered = (
            "registered".to_string(),
            Some(at),
            Some("wangfang".to_string()),
        );
        assert_eq!(
            got,
            [recorded.clone(), registered.clone(), recorded, registered]
        );
    }

    /// `rows` written by [`insert_new`], a statement each, the trigger keeping the key: the
    /// outcome every other writer is compared with.
    fn one_at_a_time(tx: &rusqlite::Transaction<'_>, rows: &[NewEntry]) -> Vec<Option<i64>> {
        rows.iter()
            .map(|e| insert_new(tx, e, "wangfang", NOW))
            .collect::<Result<_>>()
            .expect("one at a time")
    }

    /// The same rows written one a statement ([`insert_new`], the path before issue 10) and
    /// many a statement give the same ids, the same `None`s and the same table.
    fn same_as_one_at_a_time(before: &[NewEntry], rows: &[NewEntry]) -> Vec<Option<i64>> {
        let (one, _) = store_with_people(3);
        let (many, _) = store_with_people(3);
        let singly = {
            let tx = one.conn().unchecked_transaction().expect("tx");
            for e in before {
                insert_new(&tx, e, "wangfang", NOW).expect("before");
            }
            let got = one_at_a_time(&tx, rows);
            tx.commit().expect("commit");
            got
        };
        let batched = {
            let tx = many.conn().unchecked_transaction().expect("tx");
            for e in before {
                insert_new(&tx, e, "wangfang", NOW).expect("before");
            }
            let got = EntryBatch::new(&tx, "wangfang", NOW)
                .unwrap()
                .insert(rows.iter())
                .expect("many at a time");
            tx.commit().expect("commit");
            got
        };
        let (keyed_store, _) = store_with_people(3);
        let keyed = {
            let tx = keyed_store.conn().unchecked_transaction().expect("tx");
            for e in before {
                insert_new(&tx, e, "wangfang", NOW).expect("before");
            }
            let mut writer = EntryBatch::keyed(&tx, "wangfang", NOW).expect("keyed");
            assert!(writer.keyed.is_some(), "the trigger is set aside");
            let got = writer.insert(rows.iter()).expect("keyed");
            writer.finish().expect("put back");
            drop(writer);
            tx.commit().expect("commit");
            got
        };
        assert_eq!(batched, singly);
        assert_eq!(keyed, singly, "the key kept by the writer");
        assert_eq!(table(&many), table(&one));
        assert_eq!(table(&keyed_store), table(&one));
        assert_eq!(schema(&keyed_store), schema(&one), "the triggers are back");
        assert_eq!(
            providers(&keyed_store),
            providers(&one),
            "the providers' counts added by the writer"
        );
        assert_eq!(
            queue(&keyed_store),
            queue(&one),
            "the rows to review queued and counted as pending"
        );
        assert_eq!(queue(&many), queue(&one));
        batched
    }

    /// What the queue's triggers keep: the review queue and the pending counts.
    fn queue(store: &Store) -> Vec<String> {
        let mut out = Vec::new();
        for sql in [
            "SELECT entry_id || ' ' || batch_rank || ' ' || provider || ' ' || person_name
             FROM review_queue ORDER BY entry_id",
            "SELECT person_id || ' ' || year || ' ' || entries FROM pending_by_person
             ORDER BY person_id, year",
            "SELECT year || ' ' || city_code || ' ' || unit_kind || ' ' || entries
             FROM pending_by_kind ORDER BY 1",
        ] {
            let mut stmt = store.conn().prepare(sql).expect("queue");
            out.extend(
                stmt.query_map([], |r| r.get::<_, String>(0))
                    .expect("query")
                    .collect::<rusqlite::Result<Vec<_>>>()
                    .expect("rows"),
            );
        }
        out
    }

    /// Issue 10: a keyed writer of paper history (registered rows only) leaves the queue's
    /// triggers aside for as long as it writes, and puts them back word for word; the first
    /// row to review brings them back before it is written, so it is queued and counted.
    #[test]
    fn the_queues_triggers_are_aside_only_while_every_row_is_registered() {
        let (store, people) = store_with_people(2);
        let (reference, _) = store_with_people(2);
        let present = |store: &Store| -> Vec<String> {
            let mut stmt = store
                .conn()
                .prepare(
                    "SELECT name FROM sqlite_master WHERE name IN
                     ('review_queue_insert', 'pending_kept_insert') ORDER BY name",
                )
                .expect("names");
            stmt.query_map([], |r| r.get(0))
                .expect("query")
                .collect::<rusqlite::Result<_>>()
                .expect("rows")
        };
        let tx = store.conn().unchecked_transaction().expect("tx");
        let mut writer = EntryBatch::keyed(&tx, "wangfang", NOW).expect("keyed");
        let paper: Vec<NewEntry> = (0..3).map(|k| entry(people[0], k, true)).collect();
        writer.insert(paper.iter()).expect("paper history");
        assert!(
            present(&store).is_empty(),
            "aside while rows are registered"
        );
        let to_review = [entry(people[1], 7, false), entry(people[1], 8, true)];
        let got = writer.insert(to_review.iter()).expect("a row to review");
        assert_eq!(present(&store).len(), 2, "back before the row to review");
        writer.finish().expect("put back");
        drop(writer);
        tx.commit().expect("commit");
        assert_eq!(schema(&store), schema(&reference), "word for word");
        let queued: i64 = store
            .conn()
            .query_row("SELECT count(*) FROM review_queue", [], |r| r.get(0))
            .expect("count");
        assert_eq!(queued, 1, "{got:?}");
        let pending: i64 = store
            .conn()
            .query_row(
                "SELECT entries FROM pending_by_person WHERE person_id = ?1",
                [people[1]],
                |r| r.get(0),
            )
            .expect("counted");
        assert_eq!(pending, 1);
    }

    /// `entry_providers`, as the provider completion reads it.
    fn providers(store: &Store) -> Vec<(String, i64)> {
        let mut stmt = store
            .conn()
            .prepare("SELECT provider, entries FROM entry_providers ORDER BY provider")
            .expect("providers");
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .expect("query")
            .collect::<rusqlite::Result<_>>()
            .expect("rows")
    }

    /// Every index and trigger of the file, word for word.
    fn schema(store: &Store) -> Vec<(String, String)> {
        let mut stmt = store
            .conn()
            .prepare(
                "SELECT name, sql FROM sqlite_master WHERE type IN ('index', 'trigger')
                 AND sql IS NOT NULL ORDER BY name",
            )
            .expect("schema");
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .expect("query")
            .collect::<rusqlite::Result<_>>()
            .expect("rows")
    }

    /// R5.1 A roster listing one training twice within a statement: the first row is written,
    /// the second turned away, and the rows after it still get their ids.
    #[test]
    fn r5_1_the_same_training_twice_in_one_statement_is_written_once() {
        let (_, people) = store_with_people(1);
        let p = people[0];
        let rows = vec![
            entry(p, 0, true),
            entry(p, 1, false),
            entry(p, 0, true),
            entry(p, 2, true),
        ];
        let got = same_as_one_at_a_time(&[], &rows);
        assert_eq!(got.iter().filter(|g| g.is_none()).count(), 1);
        assert_eq!(got[2], None);
        assert!(got[0] < got[1] && got[1] < got[3], "{got:?}");
    }

    /// R5.1 The same training as rows 1 and [`ROWS`] + 1: the second is in the next statement
    /// and still turned away; the full statement and the partial one both write.
    #[test]
    fn r5_1_the_same_training_across_two_statements_is_written_once() {
        let (_, people) = store_with_people(3);
        let mut rows: Vec<NewEntry> = (0..ROWS as u32)
            .map(|k| entry(people[(k % 3) as usize], k, k % 2 == 0))
            .collect();
        rows.push(entry(people[0], 0, true));
        rows.push(entry(people[1], 300, false));
        let got = same_as_one_at_a_time(&[], &rows);
        assert_eq!(got.len(), ROWS + 2);
        assert_eq!(got[ROWS], None, "row 1 again, one statement later");
        assert!(got[..ROWS].iter().all(Option::is_some));
        assert!(got[ROWS + 1].is_some());
    }

    /// R5.1 Rows equal to entries already there write nothing and give `None`, whether the
    /// whole statement is such rows (a roster imported again) or only some.
    #[test]
    fn r5_1_rows_already_there_are_turned_away() {
        let (_, people) = store_with_people(2);
        let before: Vec<NewEntry> = (0..5).map(|k| entry(people[0], k, true)).collect();
        let all_again = same_as_one_at_a_time(&before, &before);
        assert!(all_again.iter().all(Option::is_none), "{all_again:?}");
        let mixed = vec![
            entry(people[1], 0, false),
            entry(people[0], 3, true),
            entry(people[0], 7, true),
            entry(people[0], 0, true),
        ];
        let got = same_as_one_at_a_time(&before, &mixed);
        assert_eq!(
            got.iter().map(Option::is_some).collect::<Vec<_>>(),
            [true, false, true, false]
        );
    }

    /// A row that breaks another constraint (here a person who does not exist: the foreign
    /// key) fails the call; nothing of it is kept once the transaction is rolled back.
    #[test]
    fn another_constraint_fails_the_statement() {
        let (store, people) = store_with_people(1);
        let tx = store.conn().unchecked_transaction().expect("tx");
        let rows = [entry(people[0], 0, true), entry(people[0] + 99, 1, true)];
        let got = EntryBatch::new(&tx, "wangfang", NOW)
            .unwrap()
            .insert(rows.iter());
        assert!(got.is_err(), "{got:?}");
        tx.rollback().expect("rollback");
        assert!(table(&store).is_empty());
    }

    /// Issue 10: on a connection that does not enforce foreign keys (an import's), the writer
    /// refuses a row naming a person, filing or batch that does not exist, as SQLite refuses it
    /// when it enforces them, naming the table; the rows naming rows that exist are written.
    #[test]
    fn without_foreign_keys_a_row_naming_a_missing_row_is_refused_as_sqlite_would() {
        let (store, people) = store_with_people(1);
        type Spoil = fn(&mut NewEntry);
        let missing: [(&str, Spoil); 3] = [
            ("people", |e| e.person_id += 99),
            ("filings", |e| e.filing_id = Some(999)),
            ("import_batches", |e| e.batch_id = Some(999)),
        ];
        for keys in [true, false] {
            store
                .conn()
                .pragma_update(None, "foreign_keys", keys)
                .expect("keys");
            for (table_named, spoil) in missing {
                for keyed in [true, false] {
                    let tx = store.conn().unchecked_transaction().expect("tx");
                    let mut bad = entry(people[0], 1, true);
                    spoil(&mut bad);
                    let rows = [entry(people[0], 0, true), bad];
                    let mut writer = if keyed {
                        EntryBatch::keyed(&tx, "wangfang", NOW).expect("keyed")
                    } else {
                        EntryBatch::new(&tx, "wangfang", NOW).expect("writer")
                    };
                    let said = writer.insert(rows.iter()).expect_err("refused").to_string();
                    assert!(said.contains("FOREIGN KEY"), "{said}");
                    if !keys {
                        assert!(said.contains(table_named), "{said}");
                    }
                    drop(writer);
                    tx.rollback().expect("rollback");
                }
            }
        }
        assert!(table(&store).is_empty());
        let tx = store.conn().unchecked_transaction().expect("tx");
        let rows = [entry(people[0], 0, true), entry(people[0], 1, false)];
        let got = EntryBatch::keyed(&tx, "wangfang", NOW)
            .expect("keyed")
            .insert(rows.iter())
            .expect("written");
        assert!(got.iter().all(Option::is_some), "{got:?}");
    }

    /// A writer asked for more rows a statement than SQLite can bind writes as many as it can
    /// and the rest in the next statement, the same rows as one at a time.
    #[test]
    fn the_largest_statement_sqlite_binds_is_written() {
        let (store, people) = store_with_people(3);
        let rows: Vec<NewEntry> = (0..MOST_ROWS as u32 + 2)
            .map(|k| entry(people[(k % 3) as usize], k % 700, k % 2 == 0))
            .collect();
        let tx = store.conn().unchecked_transaction().expect("tx");
        let got = EntryBatch::new(&tx, "wangfang", NOW)
            .unwrap()
            .with_rows(usize::MAX)
            .insert(rows.iter())
            .expect("the largest statement");
        tx.commit().expect("commit");
        // (person k mod 3, training k mod 700): 2 100 distinct, the rest repeats, some within
        // the first statement and the last two in the second.
        let written = got.iter().filter(|g| g.is_some()).count();
        assert_eq!(written, 2_100);
        assert_eq!(table(&store).len(), written);
    }

    /// R5.1 A keyed writer that has forgotten the people it met (more than [`PEOPLE_KEPT`])
    /// reads their keys again: the first person's training, repeated after rows of hundreds of
    /// others in later statements, is still turned away.
    #[test]
    fn r5_1_a_person_forgotten_by_the_writer_is_read_again() {
        let (store, people) = store_with_people(PEOPLE_KEPT as u16 + 50);
        let tx = store.conn().unchecked_transaction().expect("tx");
        let mut writer = EntryBatch::keyed(&tx, "wangfang", NOW).expect("keyed");
        let first: Vec<NewEntry> = people.iter().map(|&p| entry(p, 0, true)).collect();
        let got = writer.insert(first.iter()).expect("first");
        assert!(got.iter().all(Option::is_some));
        let again = [entry(people[0], 0, true), entry(people[0], 1, true)];
        let got = writer.insert(again.iter()).expect("again");
        assert_eq!(got[0], None, "forgotten, read again, turned away");
        assert!(got[1].is_some());
        writer.finish().expect("put back");
        drop(writer);
        tx.commit().expect("commit");
        assert_eq!(table(&store).len(), people.len() + 1);
    }

    /// A roster whose rows are not grouped by person (here by class: every person once a
    /// class) would read a person's keys for each row: past [`ROWS_TO_JUDGE`] rows the writer
    /// gives the key back to the trigger and counts what it counted so far, and the outcome
    /// is still that of one row at a time — repeats of the first class at the end turned away,
    /// the providers' counts whole, the triggers back.
    #[test]
    fn r5_1_a_roster_not_grouped_by_person_gives_the_key_back_to_the_trigger() {
        let people_n = 700_u16;
        let (store, people) = store_with_people(people_n);
        let mut rows: Vec<NewEntry> = (0..4_u32)
            .flat_map(|class| people.iter().map(move |&p| entry(p, class, class % 2 == 0)))
            .collect();
        rows.extend(people.iter().take(300).map(|&p| entry(p, 0, true)));
        let tx = store.conn().unchecked_transaction().expect("tx");
        let mut writer = EntryBatch::keyed(&tx, "wangfang", NOW).expect("keyed");
        let mut got = Vec::new();
        for chunk in rows.chunks(ROWS) {
            got.extend(writer.insert(chunk.iter()).expect("insert"));
        }
        assert!(!writer.is_keyed(), "the key is the trigger's again");
        writer.finish().expect("nothing left to put back");
        drop(writer);
        tx.commit().expect("commit");
        assert_eq!(got.iter().filter(|g| g.is_none()).count(), 300);
        assert!(got[..4 * people_n as usize].iter().all(Option::is_some));

        let (one, _) = store_with_people(people_n);
        let tx = one.conn().unchecked_transaction().expect("tx");
        let singly = one_at_a_time(&tx, &rows);
        tx.commit().expect("commit");
        assert_eq!(got, singly);
        assert_eq!(table(&store), table(&one));
        assert_eq!(providers(&store), providers(&one));
        assert_eq!(schema(&store), schema(&one));
    }

    /// R5.1 Entries changed by hand — a content stored as a blob, dates written `2016-3-6` —
    /// are keys no roster row equals, for the trigger as for the writer (a writer that read the
    /// date leniently would take the roster's `2016-03-06` for it): those trainings are
    /// written again, as one row at a time writes them, and a training listed twice is still
    /// written once.
    #[test]
    fn r5_1_entries_changed_by_hand_compare_as_sqlite_compares_them() {
        let by_hand = |tx: &rusqlite::Transaction<'_>, p: i64| {
            insert_new(tx, &entry(p, 0, true), "wangfang", NOW).expect("before");
            insert_new(tx, &entry(p, 5, true), "wangfang", NOW).expect("before");
            tx.execute(
                "UPDATE entries SET content = CAST(content AS BLOB)
                 WHERE person_id = ?1 AND start_date = '2016-03-01'",
                [p],
            )
            .expect("a blob");
            tx.execute(
                "UPDATE entries SET start_date = '2016-3-6', end_date = '2016-3-6'
                 WHERE person_id = ?1 AND start_date = '2016-03-06'",
                [p],
            )
            .expect("a date");
        };
        let rows = [
            entry(0, 0, true),
            entry(0, 5, true),
            entry(0, 1, true),
            entry(0, 1, true),
        ];
        let (store, people) = store_with_people(1);
        let p = people[0];
        let rows: Vec<NewEntry> = rows
            .into_iter()
            .map(|mut e| {
                e.person_id = p;
                e
            })
            .collect();
        let tx = store.conn().unchecked_transaction().expect("tx");
        by_hand(&tx, p);
        let mut writer = EntryBatch::keyed(&tx, "wangfang", NOW).expect("keyed");
        let got = writer.insert(rows.iter()).expect("insert");
        writer.finish().expect("put back");
        drop(writer);
        tx.commit().expect("commit");
        assert!(got[..3].iter().all(Option::is_some), "{got:?}");
        assert_eq!(got[3], None, "the same training twice in the roster");
        let (one, _) = store_with_people(1);
        let tx = one.conn().unchecked_transaction().expect("tx");
        by_hand(&tx, p);
        let singly = one_at_a_time(&tx, &rows);
        tx.commit().expect("commit");
        assert_eq!(got, singly);
    }

    /// A keyed writer whose transaction commits without [`EntryBatch::finish`] (a bug) leaves
    /// a file that says what it lacks: the next open puts the trigger back, and the natural
    /// key holds again.
    #[test]
    fn a_file_committed_without_the_trigger_gets_it_back_when_opened() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("j.sqlite");
        let whole = {
            let store = Store::open(&path).expect("open");
            schema(&store)
        };
        {
            let store = Store::open(&path).expect("open");
            let tx = store.conn().unchecked_transaction().expect("tx");
            let writer = EntryBatch::keyed(&tx, "wangfang", NOW).expect("keyed");
            assert!(writer.keyed.is_some());
            drop(writer);
            tx.commit().expect("commit");
            assert_ne!(schema(&store), whole, "committed without it");
        }
        let store = Store::open(&path).expect("open again");
        assert_eq!(schema(&store), whole);
        assert!(bulk::pending(store.conn()).expect("mark").is_none());
    }

    /// While a load's objects are set aside (a demo cut off, put back at the next open), a
    /// keyed writer leaves the key to the trigger instead of failing on the load's mark.
    #[test]
    fn a_keyed_writer_beside_a_load_leaves_the_key_to_the_trigger() {
        let (store, people) = store_with_people(1);
        let tx = store.conn().unchecked_transaction().expect("tx");
        let plan = bulk::Plan {
            indexed: &[],
            triggers: &["entry_providers_insert"],
            rebuild: &[],
            replayed: &[],
            counted: &[],
            checked: &[],
        };
        bulk::set_aside(&tx, &plan).expect("a load");
        let mut writer = EntryBatch::keyed(&tx, "wangfang", NOW).expect("keyed");
        assert!(writer.keyed.is_none());
        let rows = [entry(people[0], 0, true), entry(people[0], 0, true)];
        let got = writer.insert(rows.iter()).expect("insert");
        assert!(got[0].is_some());
        assert_eq!(got[1], None, "turned away by the trigger");
        writer.finish().expect("nothing to put back");
        assert!(
            bulk::pending(&tx).expect("mark").is_some(),
            "the load's mark stays"
        );
    }
}
