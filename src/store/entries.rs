//! Training entries (R5) and the evidence received for them (R3).

use std::collections::{BTreeSet, HashMap};

use rusqlite::{Connection, OptionalExtension, Row, Transaction, params};
use serde_json::json;

use super::Result;
use super::filings::date;
use crate::domain::dates::IsoDate;
use crate::domain::{
    AssessmentResult, Category, Entry, EntryState, FilingFacts, FilingStatus, Form, Hours,
};

/// An entry to be written, with what links it to the rest of the database.
#[derive(Debug, Clone)]
pub struct NewEntry {
    pub person_id: i64,
    pub entry: Entry,
    pub filing_id: Option<i64>,
    pub batch_id: Option<i64>,
}

fn conversion(what: &str, v: &str) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(
        0,
        rusqlite::types::Type::Text,
        format!("{what} {v}").into(),
    )
}

fn vocab<T>(r: &Row<'_>, i: usize, parse: fn(&str) -> Option<T>) -> rusqlite::Result<T> {
    let s: String = r.get(i)?;
    parse(&s).ok_or_else(|| conversion("code", &s))
}

/// Columns of `entries e` read by [`entry_from_row`], starting at index 0.
const ENTRY_COLUMNS: &str = "e.year, e.category, e.form, e.content, e.provider, e.start_date,
    e.end_date, e.hours_tenths, e.result, e.state, e.migrated";

fn entry_from_row(r: &Row<'_>) -> rusqlite::Result<Entry> {
    Ok(Entry {
        year: r.get(0)?,
        category: vocab(r, 1, Category::parse)?,
        form: vocab(r, 2, Form::parse)?,
        content: r.get(3)?,
        provider: r.get(4)?,
        start_date: date(r, 5)?,
        end_date: date(r, 6)?,
        hours: Hours::from_tenths(r.get(7)?),
        result: vocab(r, 8, AssessmentResult::parse)?,
        state: vocab(r, 9, EntryState::parse)?,
        migrated: r.get(10)?,
    })
}

/// What an entry already in the database says, for comparing with a re-imported row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Existing {
    pub id: i64,
    pub state: EntryState,
    pub year: i32,
    pub result: AssessmentResult,
    pub filing_id: Option<i64>,
    pub migrated: bool,
}

/// The entry already recorded for this person and this training (the natural key), so that a
/// re-imported roster adds nothing.
pub fn find_same(tx: &Connection, e: &NewEntry) -> Result<Option<Existing>> {
    let x = &e.entry;
    Ok(tx
        .prepare_cached(
            "SELECT id, state, year, result, filing_id, migrated FROM entries
             WHERE person_id = ?1 AND category = ?2 AND form = ?3 AND start_date = ?4
               AND end_date = ?5 AND hours_tenths = ?6 AND content = ?7 AND provider = ?8",
        )?
        .query_row(
            params![
                e.person_id,
                x.category.code(),
                x.form.code(),
                x.start_date.to_string(),
                x.end_date.to_string(),
                x.hours.tenths(),
                x.content,
                x.provider
            ],
            |r| {
                Ok(Existing {
                    id: r.get(0)?,
                    state: vocab(r, 1, EntryState::parse)?,
                    year: r.get(2)?,
                    result: vocab(r, 3, AssessmentResult::parse)?,
                    filing_id: r.get(4)?,
                    migrated: r.get(5)?,
                })
            },
        )
        .optional()?)
}

/// A corrected roster row for an entry nobody has decided on yet: year, result, filing.
pub fn correct(
    tx: &Transaction<'_>,
    id: i64,
    year: i32,
    result: AssessmentResult,
    filing_id: Option<i64>,
    now: &str,
) -> Result<()> {
    tx.prepare_cached(
        "UPDATE entries SET year = ?2, result = ?3, filing_id = ?4, updated_at = ?5 WHERE id = ?1",
    )?
    .execute(params![
        id,
        year,
        result.code(),
        filing_id,
        stored_time(tx, now)?
    ])?;
    Ok(())
}

/// Paper history for an entry already recorded: it was registered on paper (`--registered`).
pub fn mark_migrated(tx: &Transaction<'_>, id: i64, by: &str, now: &str) -> Result<()> {
    tx.prepare_cached(
        "UPDATE entries SET state = 'registered', migrated = 1, registered_by = ?2,
             registered_at = ?3, updated_at = ?3 WHERE id = ?1",
    )?
    .execute(params![id, by, stored_time(tx, now)?])?;
    Ok(())
}

pub fn insert(tx: &Transaction<'_>, e: &NewEntry, by: &str, now: &str) -> Result<i64> {
    insert_new(tx, e, by, now)?.ok_or_else(|| {
        rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE),
            Some("UNIQUE constraint failed: entries (the same training of this person)".into()),
        )
        .into()
    })
}

/// [`insert`] for a writer that has not looked first (an import): the new entry's id, or
/// `None`, writing nothing, when the person already has this training (the natural key of
/// [`find_same`], held by the schema's trigger). Any other constraint still fails.
pub fn insert_new(tx: &Transaction<'_>, e: &NewEntry, by: &str, now: &str) -> Result<Option<i64>> {
    let x = &e.entry;
    let registered = x.state == EntryState::Registered;
    // The natural key is held by a trigger that skips a second row of the same training
    // (schema 14); a caller that did not look first (`find_same`) gets the constraint error it
    // always got, not the id of another row.
    let inserted = tx
        .prepare_cached(
            "INSERT INTO entries (person_id, year, category, form, content, provider, start_date,
             end_date, hours_tenths, result, filing_id, state, migrated, batch_id,
             registered_by, registered_at, created_at, updated_at, recorded_by)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15,
             CASE WHEN ?12 = 'registered' THEN ?16 END, ?16, ?16, ?17)",
        )?
        .execute(params![
            e.person_id,
            x.year,
            x.category.code(),
            x.form.code(),
            x.content,
            x.provider,
            x.start_date.to_string(),
            x.end_date.to_string(),
            x.hours.tenths(),
            x.result.code(),
            e.filing_id,
            x.state.code(),
            x.migrated,
            e.batch_id,
            registered.then_some(by),
            stored_time(tx, now)?,
            by
        ])?;
    Ok((inserted > 0).then(|| tx.last_insert_rowid()))
}

/// R5.5 Who made entry `id`, for maker–checker: whoever recorded or imported it (its
/// `recorded_by`, else its import batch's maker) and whoever corrected its facts since
/// (`entry.update`, `entry.correct` in the trail). Sorted, without repeats.
pub fn makers(conn: &Connection, id: i64) -> Result<Vec<String>> {
    let mut stmt = conn.prepare_cached(
        "SELECT COALESCE(e.recorded_by, b.made_by) FROM entries e
             LEFT JOIN import_batches b ON b.id = e.batch_id
         WHERE e.id = ?1 AND COALESCE(e.recorded_by, b.made_by) IS NOT NULL
         UNION
         SELECT a.user FROM audit a
         WHERE a.subject = 'entry:' || ?1 AND a.action IN ('entry.update', 'entry.correct')
         ORDER BY 1",
    )?;
    let makers = stmt
        .query_map([id], |r| r.get(0))?
        .collect::<rusqlite::Result<Vec<String>>>()?;
    Ok(makers)
}

/// R3 The number of evidence item `code` in `evidence_codes` (schema 15), added the first time
/// a code is received.
fn code_id(tx: &Connection, code: &str) -> Result<i64> {
    known_or_added(tx, "evidence_codes", "code", code)
}

/// R5.5 The number of `login` in `logins` (schema 15), added the first time a clerk is named.
fn clerk_id(tx: &Connection, login: &str) -> Result<i64> {
    known_or_added(tx, "logins", "login", login)
}

/// The id of `value` in a dictionary table `(id INTEGER PRIMARY KEY, column TEXT UNIQUE)`: read
/// first, so that the usual case writes nothing.
fn known_or_added(tx: &Connection, table: &str, column: &str, value: &str) -> Result<i64> {
    let known = tx
        .prepare_cached(&format!("SELECT id FROM {table} WHERE {column} = ?1"))?
        .query_row([value], |r| r.get(0))
        .optional()?;
    if let Some(id) = known {
        return Ok(id);
    }
    Ok(tx
        .prepare_cached(&format!(
            "INSERT INTO {table} ({column}) VALUES (?1) RETURNING id"
        ))?
        .query_row([value], |r| r.get(0))?)
}

/// The SQL that stores an RFC 3339 stamp bound at parameter `?n` as seconds since the epoch,
/// and anything SQLite cannot read as a time as the text it is (as migration 15 does).
fn seconds_sql(n: usize) -> String {
    format!("coalesce(unixepoch(?{n}), ?{n})")
}

/// R3 The bit of evidence code number `id` in `evidence_sets.codes` (migration 24): bit `id`
/// for the numbers 1 to 62; `None` for a number outside them, whose pieces are one-piece rows of
/// `evidence_pieces` instead (bit 63 would make the set a negative number).
fn code_bit(id: i64) -> Option<i64> {
    (1..=62).contains(&id).then(|| 1_i64 << id)
}

/// A time of `entries` as it was written before migration 25 and as a reader shows it: RFC 3339
/// text at the bureaus' offset ([`crate::domain::dates::BUREAU_OFFSET_SECONDS`]) for the
/// seconds the column holds, the text itself for a stamp that was not a time, `None` for NULL.
pub fn stamp_text(v: rusqlite::types::ValueRef<'_>) -> Option<String> {
    use rusqlite::types::ValueRef;
    match v {
        ValueRef::Integer(t) => {
            let zone = chrono::FixedOffset::east_opt(crate::domain::dates::BUREAU_OFFSET_SECONDS)?;
            let at = chrono::DateTime::from_timestamp(t, 0)?.with_timezone(&zone);
            Some(at.to_rfc3339_opts(chrono::SecondsFormat::Secs, false))
        }
        ValueRef::Text(t) => Some(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Real(f) => Some(f.to_string()),
        ValueRef::Null | ValueRef::Blob(_) => None,
    }
}

/// A stamp of the shape the program writes (`2017-07-15T10:00:00+08:00`, or `…Z`) as seconds
/// since the epoch; `None` for any other text (which [`stored_time`] gives to SQLite).
fn seconds(now: &str) -> Option<i64> {
    let b = now.as_bytes();
    let shaped = b.get(10) == Some(&b'T')
        && match b.len() {
            20 => b[19] == b'Z',
            25 => matches!(b[19], b'+' | b'-'),
            _ => false,
        };
    shaped
        .then(|| chrono::DateTime::parse_from_rfc3339(now).ok())
        .flatten()
        .map(|t| t.timestamp())
}

/// The time `now` (RFC 3339) as `evidence_sets.received_at` and the times of `entries`
/// (migration 25) hold it: seconds since the epoch,
/// or the text itself where it is not a time SQLite reads (as migration 15 stored it). A stamp
/// of the shape the program writes (`2017-07-15T10:00:00+08:00`, or `…Z`) is read here, without
/// a statement (the demo stamps millions); anything else is given to SQLite's `unixepoch`, so
/// both paths store what migration 15's `coalesce(unixepoch(t), t)` stores.
pub(crate) fn stored_time(tx: &Connection, now: &str) -> Result<rusqlite::types::Value> {
    use rusqlite::types::Value;
    if let Some(t) = seconds(now) {
        return Ok(Value::Integer(t));
    }
    Ok(tx
        .prepare_cached(&format!("SELECT {}", seconds_sql(1)))?
        .query_row([now], |r| r.get(0))?)
}

/// R3 Receives the codes numbered `ids` for entry `entry_id`, by clerk number `clerk` at `at`
/// (as stored): the codes the entry has not received yet go into the set of this clerk and
/// time (made if the entry has none), a code received before keeps its first clerk and time
/// (the old key's `INSERT OR IGNORE`). Returns how many pieces were new.
fn receive(
    tx: &Connection,
    entry_id: i64,
    clerk: i64,
    at: &rusqlite::types::Value,
    ids: &[i64],
) -> Result<usize> {
    let mut bits = 0_i64;
    let mut singles = Vec::new();
    for &id in ids {
        match code_bit(id) {
            Some(bit) => bits |= bit,
            None => singles.push(id),
        }
    }
    let mut added = 0;
    if bits != 0 {
        // An entry has one set, or a few when clerks received pieces at different times: the
        // codes it holds are all of theirs, and this clerk's set of this time is extended.
        let mut held = 0_i64;
        let mut theirs = false;
        let mut stmt = tx.prepare_cached(
            "SELECT clerk_id, received_at, codes FROM evidence_sets WHERE entry_id = ?1",
        )?;
        let mut rows = stmt.query([entry_id])?;
        while let Some(r) = rows.next()? {
            held |= r.get::<_, i64>(2)?;
            if r.get::<_, i64>(0)? == clerk && &r.get::<_, rusqlite::types::Value>(1)? == at {
                theirs = true;
            }
        }
        drop(rows);
        let new = bits & !held;
        if new != 0 {
            let sql = if theirs {
                "UPDATE evidence_sets SET codes = codes | ?4
                 WHERE entry_id = ?1 AND clerk_id = ?2 AND received_at = ?3"
            } else {
                "INSERT INTO evidence_sets (entry_id, clerk_id, received_at, codes)
                 VALUES (?1, ?2, ?3, ?4)"
            };
            tx.prepare_cached(sql)?
                .execute(params![entry_id, clerk, at, new])?;
            added += new.count_ones() as usize;
        }
    }
    for id in singles {
        added += tx
            .prepare_cached(
                "INSERT OR IGNORE INTO evidence_pieces (entry_id, code_id, clerk_id, received_at)
                 VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(params![entry_id, id, clerk, at])?;
    }
    Ok(added)
}

/// R3 Mark the codes of `codes` received for entry `entry_id` by clerk `by` at `now` (RFC
/// 3339); returns how many codes were new. A code received before keeps its first clerk and
/// time; the new ones join the entry's set of this clerk and time (migration 24).
pub fn add_evidence(
    tx: &Transaction<'_>,
    entry_id: i64,
    codes: &BTreeSet<String>,
    by: &str,
    now: &str,
) -> Result<usize> {
    if codes.is_empty() {
        return Ok(0);
    }
    let clerk = clerk_id(tx, by)?;
    let at = stored_time(tx, now)?;
    let ids = codes
        .iter()
        .map(|code| code_id(tx, code))
        .collect::<Result<Vec<_>>>()?;
    receive(tx, entry_id, clerk, &at, &ids)
}

/// R3 [`add_evidence`] for a writer that adds the evidence of many entries in one transaction
/// (an import), by the same clerk at the same time: the clerk's number and the time are read
/// once, and each code's number once, instead of once a piece.
pub struct EvidenceWriter {
    clerk: i64,
    /// The time as stored: seconds since the epoch, or the text SQLite could not read as one.
    at: rusqlite::types::Value,
    codes: foldhash::HashMap<String, i64>,
    /// (entry, set of codes) of new entries not yet written ([`EvidenceWriter::add_new`]).
    pending: Vec<(i64, i64)>,
    /// (entry, code number) of new entries' codes numbered outside the sets' bits.
    pending_singles: Vec<(i64, i64)>,
}

impl EvidenceWriter {
    /// A writer for evidence received by clerk `by` at `now` (RFC 3339).
    pub fn new(tx: &Transaction<'_>, by: &str, now: &str) -> Result<EvidenceWriter> {
        Ok(EvidenceWriter {
            clerk: clerk_id(tx, by)?,
            at: stored_time(tx, now)?,
            codes: foldhash::HashMap::default(),
            pending: Vec::new(),
            pending_singles: Vec::new(),
        })
    }

    /// The number of evidence item `code`, read once per writer.
    fn code(&mut self, tx: &Transaction<'_>, code: &str) -> Result<i64> {
        if let Some(id) = self.codes.get(code) {
            return Ok(*id);
        }
        let id = code_id(tx, code)?;
        self.codes.insert(code.to_string(), id);
        Ok(id)
    }

    /// Marks `codes` received for entry `entry_id`, created in this transaction and so
    /// holding none yet: one set (migration 24), waiting to go in with those of the next
    /// entries, many sets a statement (issue 10.3: a statement per entry was a fifth of an
    /// import's writing). Until [`EvidenceWriter::flush`] they are not in the database, so
    /// the caller flushes before reading any entry's evidence and before committing (a writer
    /// dropped with pieces held loses them). [`EvidenceWriter::add`] flushes first.
    pub fn add_new(
        &mut self,
        tx: &Transaction<'_>,
        entry_id: i64,
        codes: &BTreeSet<String>,
    ) -> Result<()> {
        let mut bits = 0_i64;
        for code in codes {
            let id = self.code(tx, code)?;
            match code_bit(id) {
                Some(bit) => bits |= bit,
                None => self.pending_singles.push((entry_id, id)),
            }
        }
        if bits != 0 {
            // The same entry twice in a row is one set (its key is the entry, clerk and time).
            match self.pending.last_mut() {
                Some((entry, held)) if *entry == entry_id => *held |= bits,
                _ => self.pending.push((entry_id, bits)),
            }
        }
        if self.pending.len() >= PENDING_SETS {
            self.flush(tx)?;
        }
        Ok(())
    }

    /// Writes the sets [`EvidenceWriter::add_new`] holds.
    pub fn flush(&mut self, tx: &Transaction<'_>) -> Result<()> {
        for chunk in self.pending.chunks(PENDING_SETS) {
            // The full statement's text made once (some 6 KB, made again at every flush was
            // a twentieth of the evidence's writing).
            static FULL: std::sync::OnceLock<String> = std::sync::OnceLock::new();
            let mut stmt = if chunk.len() == PENDING_SETS {
                tx.prepare_cached(FULL.get_or_init(|| pending_insert_sql(PENDING_SETS)))?
            } else {
                tx.prepare_cached(&pending_insert_sql(chunk.len()))?
            };
            stmt.raw_bind_parameter(1, self.clerk)?;
            stmt.raw_bind_parameter(2, &self.at)?;
            for (i, (entry, codes)) in chunk.iter().enumerate() {
                stmt.raw_bind_parameter(3 + 2 * i, entry)?;
                stmt.raw_bind_parameter(4 + 2 * i, codes)?;
            }
            stmt.raw_execute()?;
        }
        self.pending.clear();
        for (entry, id) in std::mem::take(&mut self.pending_singles) {
            receive(tx, entry, self.clerk, &self.at, &[id])?;
        }
        Ok(())
    }

    /// Marks `codes` received for entry `entry_id`, as [`add_evidence`] does; returns how many
    /// were new.
    pub fn add(
        &mut self,
        tx: &Transaction<'_>,
        entry_id: i64,
        codes: &BTreeSet<String>,
    ) -> Result<usize> {
        self.flush(tx)?;
        let mut ids = Vec::with_capacity(codes.len());
        for code in codes {
            ids.push(self.code(tx, code)?);
        }
        receive(tx, entry_id, self.clerk, &self.at, &ids)
    }
}

/// Sets of new entries' evidence written by one statement of [`EvidenceWriter::flush`] (two
/// numbers bound a set, well under SQLite's 32 766).
const PENDING_SETS: usize = 256;

/// `INSERT` of `n` sets by clerk `?1` at `?2`, each set's entry and codes at `?3`, `?4` on.
fn pending_insert_sql(n: usize) -> String {
    let rows: Vec<String> = (0..n)
        .map(|i| format!("(?{}, ?1, ?2, ?{})", 3 + 2 * i, 4 + 2 * i))
        .collect();
    format!(
        "INSERT INTO evidence_sets (entry_id, clerk_id, received_at, codes) VALUES {}",
        rows.join(", ")
    )
}

/// R3 The codes of the evidence received for entry `entry_id`.
pub fn evidence(conn: &Connection, entry_id: i64) -> Result<BTreeSet<String>> {
    let mut stmt = conn.prepare_cached(
        "SELECT c.code FROM evidence_received r JOIN evidence_codes c ON c.id = r.code_id
         WHERE r.entry_id = ?1",
    )?;
    let codes = stmt
        .query_map([entry_id], |r| r.get(0))?
        .collect::<rusqlite::Result<BTreeSet<String>>>()?;
    Ok(codes)
}

/// One piece of evidence as recorded: the item's code, the login of the clerk who received it
/// (R5.5), and when, as RFC 3339 in UTC (`2017-07-15T02:00:00Z`; a stamp that was stored as
/// text because it was not a time comes back as that text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvidenceRecord {
    pub code: String,
    pub received_by: String,
    pub received_at: String,
}

/// R3, R5.5 Every piece of evidence received for entry `entry_id`, who received it and when,
/// in order of code.
pub fn evidence_records(conn: &Connection, entry_id: i64) -> Result<Vec<EvidenceRecord>> {
    let mut stmt = conn.prepare_cached(
        "SELECT c.code, l.login,
             CASE WHEN typeof(r.received_at) = 'integer'
                  THEN strftime('%Y-%m-%dT%H:%M:%SZ', r.received_at, 'unixepoch')
                  ELSE r.received_at END
         FROM evidence_received r
             JOIN evidence_codes c ON c.id = r.code_id
             JOIN logins l ON l.id = r.clerk_id
         WHERE r.entry_id = ?1
         ORDER BY c.code",
    )?;
    let records = stmt
        .query_map([entry_id], |r| {
            Ok(EvidenceRecord {
                code: r.get(0)?,
                received_by: r.get(1)?,
                received_at: r.get(2)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(records)
}

pub fn set_state(tx: &Transaction<'_>, entry_id: i64, state: EntryState, now: &str) -> Result<()> {
    tx.prepare_cached("UPDATE entries SET state = ?2, updated_at = ?3 WHERE id = ?1")?
        .execute(params![entry_id, state.code(), stored_time(tx, now)?])?;
    Ok(())
}

/// The facts of the filing an entry links to, from `f.category, f.status, f.approved_on` at
/// column `at` of a `LEFT JOIN filings f`: `None` when the entry links to none.
fn facts_from_row(r: &Row<'_>, at: usize) -> rusqlite::Result<Option<FilingFacts>> {
    let category: Option<String> = r.get(at)?;
    let Some(c) = category else {
        return Ok(None);
    };
    Ok(Some(FilingFacts {
        category: Category::parse(&c).ok_or_else(|| conversion("category", &c))?,
        status: vocab(r, at + 1, FilingStatus::parse)?,
        approved_on: r
            .get::<_, Option<String>>(at + 2)?
            .and_then(|s| chrono::NaiveDate::parse_from_str(&s, "%Y-%m-%d").ok()),
    }))
}

/// Every entry of the people with database ids `first..=last`, with the filing each links to,
/// handed to `each(person_id, entry, filing)` one at a time in order of person and year: what
/// the per-person, per-year totals (`store::totals`) are rebuilt from, without holding a whole
/// table in memory. Stops at the first error `each` returns.
pub fn each_of_people(
    conn: &Connection,
    first: i64,
    last: i64,
    mut each: impl FnMut(i64, &Entry, Option<&FilingFacts>) -> Result<()>,
) -> Result<()> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {ENTRY_COLUMNS}, f.category, f.status, f.approved_on, e.person_id
         FROM entries e LEFT JOIN filings f ON f.id = e.filing_id
         WHERE e.person_id BETWEEN ?1 AND ?2
         ORDER BY e.person_id, e.year"
    ))?;
    let mut rows = stmt.query(params![first, last])?;
    while let Some(r) = rows.next()? {
        let entry = entry_from_row(r)?;
        let filing = facts_from_row(r, 11)?;
        each(r.get(14)?, &entry, filing.as_ref())?;
    }
    Ok(())
}

/// A person's entries in `from..=to` with the filing each links to: what verification needs.
pub fn for_person(
    conn: &Connection,
    person_id: i64,
    from: i32,
    to: i32,
) -> Result<Vec<(i64, Entry, Option<FilingFacts>)>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {ENTRY_COLUMNS}, e.id, f.category, f.status, f.approved_on
         FROM entries e LEFT JOIN filings f ON f.id = e.filing_id
         WHERE e.person_id = ?1 AND e.year BETWEEN ?2 AND ?3
         ORDER BY e.year, e.start_date, e.id"
    ))?;
    let rows = stmt
        .query_map(params![person_id, from, to], |r| {
            let entry = entry_from_row(r)?;
            let id: i64 = r.get(11)?;
            Ok((id, entry, facts_from_row(r, 12)?))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// The entry as its audit record states it (R5.5): the text of [`to_value`].
pub fn to_json(e: &NewEntry) -> String {
    // One shape for an entry in the trail: `audit verify` replays both writers' records.
    to_value(e).to_string()
}

/// Take back import batch `id` that no entry refers to (an import that created nothing).
pub fn delete_batch(tx: &Transaction<'_>, id: i64) -> Result<()> {
    tx.prepare_cached(
        "DELETE FROM import_batches WHERE id = ?1
           AND NOT EXISTS (SELECT 1 FROM entries WHERE batch_id = ?1)",
    )?
    .execute([id])?;
    Ok(())
}

/// Record an import batch (the review queue groups entries by it).
pub fn insert_batch(
    tx: &Transaction<'_>,
    kind: &str,
    source: &str,
    sha256: &str,
    rows: usize,
    by: &str,
    now: &str,
) -> Result<i64> {
    tx.prepare_cached(
        "INSERT INTO import_batches (kind, source, sha256, rows, made_by, made_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![kind, source, sha256, rows as i64, by, now])?;
    Ok(tx.last_insert_rowid())
}

pub fn count(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row("SELECT count(*) FROM entries", [], |r| r.get(0))?)
}

/// One entry with its person and the filing it links to.
#[derive(Debug, Clone)]
pub struct EntryRecord {
    pub id: i64,
    pub person_id: i64,
    pub entry: Entry,
    pub filing_id: Option<i64>,
    pub filing: Option<FilingFacts>,
    pub confirmed: bool,
    pub reason: String,
}

pub fn get(conn: &Connection, id: i64) -> Result<Option<EntryRecord>> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {ENTRY_COLUMNS}, e.id, f.category, f.status, f.approved_on, e.person_id,
                    e.filing_id, e.confirmed, e.reason
             FROM entries e LEFT JOIN filings f ON f.id = e.filing_id
             WHERE e.id = ?1"
        ))?
        .query_row([id], |r| {
            let filing = facts_from_row(r, 12)?;
            Ok(EntryRecord {
                entry: entry_from_row(r)?,
                id: r.get(11)?,
                filing,
                person_id: r.get(15)?,
                filing_id: r.get(16)?,
                confirmed: r.get(17)?,
                reason: r.get(18)?,
            })
        })
        .optional()?)
}

/// Write a decision's effect on an entry: its state, who sealed or registered it, the reason.
pub fn apply_state(
    tx: &Transaction<'_>,
    id: i64,
    state: EntryState,
    reason: &str,
    confirmed: bool,
    by: &str,
    now: &str,
) -> Result<()> {
    tx.prepare_cached(
        "UPDATE entries SET state = ?2, reason = ?3, confirmed = ?4, updated_at = ?6,
             sealed_by = CASE WHEN ?2 = 'sealed' THEN ?5 ELSE sealed_by END,
             sealed_at = CASE WHEN ?2 = 'sealed' THEN ?6 ELSE sealed_at END,
             registered_by = CASE WHEN ?2 = 'registered' THEN ?5 ELSE registered_by END,
             registered_at = CASE WHEN ?2 = 'registered' THEN ?6 ELSE registered_at END
         WHERE id = ?1",
    )?
    .execute(params![
        id,
        state.code(),
        reason,
        confirmed,
        by,
        stored_time(tx, now)?
    ])?;
    Ok(())
}

/// R3 Take back evidence `code` of entry `entry_id`; returns 1 if it had been received, else 0.
/// Its bit leaves the set that holds it, and a set left empty goes (migration 24).
pub fn remove_evidence(tx: &Transaction<'_>, entry_id: i64, code: &str) -> Result<usize> {
    let id: Option<i64> = tx
        .prepare_cached("SELECT id FROM evidence_codes WHERE code = ?1")?
        .query_row([code], |r| r.get(0))
        .optional()?;
    let Some(id) = id else {
        return Ok(0);
    };
    let Some(bit) = code_bit(id) else {
        return Ok(tx
            .prepare_cached("DELETE FROM evidence_pieces WHERE entry_id = ?1 AND code_id = ?2")?
            .execute(params![entry_id, id])?);
    };
    let gone = tx
        .prepare_cached("DELETE FROM evidence_sets WHERE entry_id = ?1 AND codes = ?2")?
        .execute(params![entry_id, bit])?;
    if gone > 0 {
        return Ok(gone);
    }
    Ok(tx
        .prepare_cached(
            "UPDATE evidence_sets SET codes = codes & ~?2
             WHERE entry_id = ?1 AND codes & ?2 <> 0",
        )?
        .execute(params![entry_id, bit])?)
}

/// A clerk's correction of an entry nobody has decided on yet (R5.1): every fact the entry form
/// shows, its filing, and the state its evidence now gives it.
pub fn update_fields(
    tx: &Transaction<'_>,
    id: i64,
    e: &Entry,
    filing_id: Option<i64>,
    now: &str,
) -> Result<()> {
    tx.prepare_cached(
        "UPDATE entries SET year = ?2, category = ?3, form = ?4, content = ?5, provider = ?6,
             start_date = ?7, end_date = ?8, hours_tenths = ?9, result = ?10, filing_id = ?11,
             state = ?12, updated_at = ?13
         WHERE id = ?1",
    )?
    .execute(params![
        id,
        e.year,
        e.category.code(),
        e.form.code(),
        e.content,
        e.provider,
        e.start_date.to_string(),
        e.end_date.to_string(),
        e.hours.tenths(),
        e.result.code(),
        filing_id,
        e.state.code(),
        stored_time(tx, now)?
    ])?;
    Ok(())
}

/// [`to_json`] as a JSON value, for a caller that adds to it before writing it once (the
/// import's `entry.create` / `entry.migrate` records add the evidence received).
pub fn to_value(e: &NewEntry) -> serde_json::Value {
    let x = &e.entry;
    json!({
        "person_id": e.person_id,
        "year": x.year,
        "category": x.category.code(),
        "form": x.form.code(),
        "content": x.content,
        "provider": x.provider,
        "start_date": x.start_date.to_string(),
        "end_date": x.end_date.to_string(),
        "hours": x.hours.to_string(),
        "result": x.result.code(),
        "state": x.state.code(),
        "migrated": x.migrated,
        "filing_id": e.filing_id,
        "batch_id": e.batch_id,
    })
}

/// An entry written with its review history already made (`jijiao demo`'s synthetic data, R5.1):
/// its state, who sealed (初审盖章) and registered (登记) it and when, a refusal's reason, a
/// reviewer's confirmation of unfiled professional hours (R4.4).
#[derive(Debug, Clone)]
pub struct Reviewed<'a> {
    pub person_id: i64,
    pub entry: &'a Entry,
    pub filing_id: Option<i64>,
    pub batch_id: Option<i64>,
    pub confirmed: bool,
    /// Why it was refused; empty otherwise.
    pub reason: &'a str,
    /// (login, RFC 3339 time) of the seal.
    pub sealed: Option<(&'a str, &'a str)>,
    /// (login, RFC 3339 time) of the registration.
    pub registered: Option<(&'a str, &'a str)>,
    pub created_at: &'a str,
    pub updated_at: &'a str,
}

/// Insert an entry with its review history unless the person already has this training (the
/// natural key of the schema): `None` then, so a re-run adds nothing, while any other
/// constraint (a CHECK, a foreign key) still fails loudly. Its `recorded_by` stays empty: the
/// import batch's maker, or nobody, made it.
pub fn insert_reviewed(tx: &Transaction<'_>, e: &Reviewed<'_>) -> Result<Option<i64>> {
    let x = e.entry;
    let n = tx
        .prepare_cached(
            "INSERT INTO entries (person_id, year, category, form, content, provider,
                 start_date, end_date, hours_tenths, result, filing_id, state, migrated,
                 confirmed, batch_id, reason, sealed_by, sealed_at, registered_by,
                 registered_at, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16,
                 ?17, ?18, ?19, ?20, ?21, ?22)
             ON CONFLICT DO NOTHING",
        )?
        .execute(params![
            e.person_id,
            x.year,
            x.category.code(),
            x.form.code(),
            x.content,
            x.provider,
            x.start_date.to_string(),
            x.end_date.to_string(),
            x.hours.tenths(),
            x.result.code(),
            e.filing_id,
            x.state.code(),
            x.migrated,
            e.confirmed,
            e.batch_id,
            e.reason,
            e.sealed.map(|s| s.0),
            e.sealed.map(|s| stored_time(tx, s.1)).transpose()?,
            e.registered.map(|s| s.0),
            e.registered.map(|s| stored_time(tx, s.1)).transpose()?,
            stored_time(tx, e.created_at)?,
            stored_time(tx, e.updated_at)?
        ])?;
    Ok((n > 0).then(|| tx.last_insert_rowid()))
}

/// The id of the person's entry with this entry's natural key.
pub fn id_by_key(conn: &Connection, person_id: i64, x: &Entry) -> Result<Option<i64>> {
    Ok(conn
        .prepare_cached(
            "SELECT id FROM entries
             WHERE person_id = ?1 AND category = ?2 AND form = ?3 AND start_date = ?4
               AND end_date = ?5 AND hours_tenths = ?6 AND content = ?7 AND provider = ?8",
        )?
        .query_row(
            params![
                person_id,
                x.category.code(),
                x.form.code(),
                x.start_date.to_string(),
                x.end_date.to_string(),
                x.hours.tenths(),
                x.content,
                x.provider
            ],
            |r| r.get(0),
        )
        .optional()?)
}

/// The first import batch of this kind (`entries`, `entries.registered`) and source, if one
/// was recorded: a generator that names its batches finds them again on a re-run.
pub fn batch_by_source(conn: &Connection, kind: &str, source: &str) -> Result<Option<i64>> {
    Ok(conn
        .prepare_cached(
            "SELECT id FROM import_batches WHERE kind = ?1 AND source = ?2 ORDER BY id LIMIT 1",
        )?
        .query_row(params![kind, source], |r| r.get(0))
        .optional()?)
}

/// Count `added` more rows into a batch recorded earlier (a batch filled in several
/// transactions).
pub fn add_batch_rows(tx: &Transaction<'_>, batch_id: i64, added: u64) -> Result<()> {
    tx.prepare_cached("UPDATE import_batches SET rows = rows + ?2 WHERE id = ?1")?
        .execute(params![batch_id, added as i64])?;
    Ok(())
}

/// Rows per statement of the bulk inserts below, largest first: a list is written in
/// statements of these sizes, so each table needs at most five prepared statements, which the
/// connection's cache keeps. Entries bind 22 parameters a row, evidence 4 (SQLite allows 32 766
/// a statement).
const ENTRY_SIZES: [usize; 5] = [256, 64, 16, 4, 1];
const EVIDENCE_SIZES: [usize; 5] = [1024, 256, 64, 16, 4];

/// The largest of `sizes` that `left` rows fill, else 1.
pub(super) fn bulk_size(sizes: &[usize], left: usize) -> usize {
    sizes.iter().copied().find(|&n| n <= left).unwrap_or(1)
}

/// `head` followed by `n` copies of a `(?, …)` tuple of `width` parameters, then `tail`.
pub(super) fn values_sql(head: &str, width: usize, n: usize, tail: &str) -> String {
    let tuple = format!("({})", vec!["?"; width].join(", "));
    format!("{head} VALUES {} {tail}", vec![tuple; n].join(", "))
}

/// Bind an entry's facts, the first 13 columns of every multi-row insert of entries (this
/// module's [`insert_reviewed`], the import's `entry_batch`): person, year, category, form,
/// content, provider, start and end date, hours (tenths), result, filing, state, migrated.
pub(super) fn bind_facts(
    bind: &mut dyn FnMut(&dyn rusqlite::ToSql) -> rusqlite::Result<()>,
    person_id: i64,
    x: &Entry,
    filing_id: Option<i64>,
) -> rusqlite::Result<()> {
    bind(&person_id)?;
    bind(&x.year)?;
    bind(&x.category.code())?;
    bind(&x.form.code())?;
    bind(&x.content)?;
    bind(&x.provider)?;
    bind(&IsoDate::new(x.start_date).as_str())?;
    bind(&IsoDate::new(x.end_date).as_str())?;
    bind(&x.hours.tenths())?;
    bind(&x.result.code())?;
    bind(&filing_id)?;
    bind(&x.state.code())?;
    bind(&x.migrated)
}

/// Bind `e`'s 22 columns of [`insert_reviewed`] from parameter `first` on.
fn bind_reviewed(
    tx: &Connection,
    stmt: &mut rusqlite::Statement<'_>,
    first: usize,
    e: &Reviewed<'_>,
) -> Result<()> {
    let x = e.entry;
    let mut i = first;
    let mut bind = |v: &dyn rusqlite::ToSql| -> rusqlite::Result<()> {
        stmt.raw_bind_parameter(i, v)?;
        i += 1;
        Ok(())
    };
    bind_facts(&mut bind, e.person_id, x, e.filing_id)?;
    bind(&e.confirmed)?;
    bind(&e.batch_id)?;
    bind(&e.reason)?;
    bind(&e.sealed.map(|s| s.0))?;
    bind(&e.sealed.map(|s| stored_time(tx, s.1)).transpose()?)?;
    bind(&e.registered.map(|s| s.0))?;
    bind(&e.registered.map(|s| stored_time(tx, s.1)).transpose()?)?;
    bind(&stored_time(tx, e.created_at)?)?;
    bind(&stored_time(tx, e.updated_at)?)?;
    Ok(())
}

/// Insert the entries of people who had none before this transaction (a bulk load's new
/// people), with their review history, many rows a statement: one statement's bookkeeping
/// (its journal of the pages it changes, the full-text index's flush) then serves many rows.
/// Returns their ids in the order given. No two may share a natural key, and none may be in the
/// table already: that is a constraint error, as in [`insert`] (use [`insert_reviewed`] to skip
/// what is there).
pub fn insert_reviewed_new(tx: &Transaction<'_>, rows: &[Reviewed<'_>]) -> Result<Vec<i64>> {
    let mut ids = Vec::with_capacity(rows.len());
    let mut rest = rows;
    while !rest.is_empty() {
        let n = bulk_size(&ENTRY_SIZES, rest.len());
        let (now, later) = rest.split_at(n.min(rest.len()));
        let sql = values_sql(
            "INSERT INTO entries (person_id, year, category, form, content, provider,
                 start_date, end_date, hours_tenths, result, filing_id, state, migrated,
                 confirmed, batch_id, reason, sealed_by, sealed_at, registered_by,
                 registered_at, created_at, updated_at)",
            22,
            now.len(),
            "RETURNING id",
        );
        let mut stmt = tx.prepare_cached(&sql)?;
        for (k, e) in now.iter().enumerate() {
            bind_reviewed(tx, &mut stmt, 1 + 22 * k, e)?;
        }
        let mut got = Vec::with_capacity(now.len());
        let mut returned = stmt.raw_query();
        while let Some(r) = returned.next()? {
            got.push(r.get::<_, i64>(0)?);
        }
        // Rows get ids in the order they are inserted, whatever order RETURNING lists them in.
        got.sort_unstable();
        ids.extend(got);
        rest = later;
    }
    Ok(ids)
}

/// One piece of evidence received for an entry (R3), to be written by [`add_evidence_rows`].
#[derive(Debug, Clone, Copy)]
pub struct Received<'a> {
    pub entry_id: i64,
    /// The evidence item's code (`evidence_items.code`).
    pub code: &'a str,
    /// The login of the clerk who received it (R5.5).
    pub by: &'a str,
    /// When, RFC 3339.
    pub at: &'a str,
}

/// The statement of [`add_evidence_rows`] for `n` sets.
fn evidence_sql(n: usize) -> String {
    values_sql(
        "INSERT INTO evidence_sets (entry_id, clerk_id, received_at, codes)",
        4,
        n,
        "",
    )
}

/// Where a piece of an entry goes among the sets [`add_evidence_rows`] gathers.
enum Placed {
    /// The entry has the code already: the piece its first row gave stays (`INSERT OR
    /// IGNORE` before migration 24).
    Held,
    /// Into the entry's set of the same clerk and time, at this place.
    Into(usize),
    /// Into a set of its own.
    New,
}

/// Where the piece `bit` received by `clerk` at `times[time]` goes, among the entry's sets
/// `theirs` (places in `sets`: entry, clerk, time, codes).
fn place_piece(
    sets: &[(i64, i64, usize, i64)],
    times: &[rusqlite::types::Value],
    theirs: impl Iterator<Item = usize> + Clone,
    clerk: i64,
    time: usize,
    bit: i64,
) -> Placed {
    if theirs.clone().any(|i| sets[i].3 & bit != 0) {
        return Placed::Held;
    }
    let mut theirs = theirs;
    match theirs.find(|&i| sets[i].1 == clerk && times[sets[i].2] == times[time]) {
        Some(i) => Placed::Into(i),
        None => Placed::New,
    }
}

/// R3 Mark many pieces of evidence received for entries that hold none yet (created in this
/// transaction, as a bulk load's are), many sets a statement; returns how many pieces were
/// written. The pieces of one entry, clerk and time are one row of `evidence_sets` (migration
/// 24); a code named twice for an entry is one piece, with the clerk and time of its first row. Nothing is read first, which is what makes it fast:
/// a piece an entry already holds is refused by the schema (`evidence_sets_once`) and fails the
/// call, so an entry that may hold evidence goes through [`add_evidence`].
pub fn add_evidence_rows(tx: &Transaction<'_>, rows: &[Received<'_>]) -> Result<usize> {
    use rusqlite::types::Value;
    // A bulk load names a few dozen codes and clerks over millions of rows: each is looked up
    // once per call, not once per row. Each time's text is read once per run of rows naming
    // it (an entry's pieces share one stamp).
    let mut codes: HashMap<&str, i64> = HashMap::new();
    let mut clerks: HashMap<&str, i64> = HashMap::new();
    let mut times: Vec<Value> = Vec::new();
    let mut last_time: Option<&str> = None;
    // The sets in the order the rows came (a bulk load's entries ascend, so they go in at the
    // end of the table): entry, clerk, time (in `times`), codes. While the entries ascend, an
    // entry's rows are together and its sets are the last ones; once a row comes out of that
    // order, each entry's sets are found through `of_entry`, filled from then on.
    let mut sets: Vec<(i64, i64, usize, i64)> = Vec::new();
    let mut first_of_entry = 0;
    let mut of_entry: Option<HashMap<i64, Vec<usize>>> = None;
    let mut singles = Vec::new();
    for r in rows {
        let code = match codes.get(r.code) {
            Some(&id) => id,
            None => {
                let id = code_id(tx, r.code)?;
                codes.insert(r.code, id);
                id
            }
        };
        let clerk = match clerks.get(r.by) {
            Some(&id) => id,
            None => {
                let id = clerk_id(tx, r.by)?;
                clerks.insert(r.by, id);
                id
            }
        };
        if last_time != Some(r.at) {
            times.push(stored_time(tx, r.at)?);
            last_time = Some(r.at);
        }
        let time = times.len() - 1;
        let Some(bit) = code_bit(code) else {
            singles.push((r.entry_id, code, clerk, time));
            continue;
        };
        if of_entry.is_none() {
            match sets.last() {
                Some(last) if last.0 > r.entry_id => {
                    let mut map: HashMap<i64, Vec<usize>> = HashMap::new();
                    for (i, s) in sets.iter().enumerate() {
                        map.entry(s.0).or_default().push(i);
                    }
                    of_entry = Some(map);
                }
                Some(last) if last.0 < r.entry_id => first_of_entry = sets.len(),
                _ => {}
            }
        }
        let placed = match &of_entry {
            None => place_piece(&sets, &times, first_of_entry..sets.len(), clerk, time, bit),
            Some(map) => {
                let theirs = map.get(&r.entry_id).map(Vec::as_slice).unwrap_or(&[]);
                place_piece(&sets, &times, theirs.iter().copied(), clerk, time, bit)
            }
        };
        match placed {
            Placed::Held => {}
            Placed::Into(i) => sets[i].3 |= bit,
            Placed::New => {
                if let Some(map) = &mut of_entry {
                    map.entry(r.entry_id).or_default().push(sets.len());
                }
                sets.push((r.entry_id, clerk, time, bit));
            }
        }
    }
    let mut added: usize = sets.iter().map(|s| s.3.count_ones() as usize).sum();
    let mut rest = &sets[..];
    while !rest.is_empty() {
        let n = bulk_size(&EVIDENCE_SIZES, rest.len());
        let (now, later) = rest.split_at(n.min(rest.len()));
        // Made once per size: formatting 1 024 tuples for every statement was a tenth of the
        // demo's time (issue 10).
        static SQL: std::sync::Mutex<Vec<(usize, std::sync::Arc<str>)>> =
            std::sync::Mutex::new(Vec::new());
        let sql = {
            let mut made = SQL
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            match made.iter().find(|(k, _)| *k == now.len()) {
                Some((_, sql)) => sql.clone(),
                None => {
                    let sql: std::sync::Arc<str> = evidence_sql(now.len()).into();
                    made.push((now.len(), sql.clone()));
                    sql
                }
            }
        };
        let mut stmt = tx.prepare_cached(&sql)?;
        for (k, &(entry_id, clerk, at, bits)) in now.iter().enumerate() {
            let i = 1 + 4 * k;
            stmt.raw_bind_parameter(i, entry_id)?;
            stmt.raw_bind_parameter(i + 1, clerk)?;
            stmt.raw_bind_parameter(i + 2, &times[at])?;
            stmt.raw_bind_parameter(i + 3, bits)?;
        }
        stmt.raw_execute()?;
        rest = later;
    }
    for (entry_id, code, clerk, at) in singles {
        added += receive(tx, entry_id, clerk, &times[at], &[code])?;
    }
    Ok(added)
}
