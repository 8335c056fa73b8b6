//! Bulk writes for `jijiao demo`: synthetic data written in one transaction with cached
//! statements. Every insert is `ON CONFLICT DO NOTHING` on the natural key, so running the
//! generator again adds nothing, while any other constraint (a CHECK, a foreign key) still fails
//! loudly instead of being skipped in silence.

use rusqlite::{Connection, OptionalExtension, Statement, Transaction, params};

use super::Result;
use super::people::search_key;
use crate::domain::initials::initials;
use crate::domain::{Entry, Filing, FilingStatus, IdNumber, Person, TitleLevel};

/// One continuing-education base (R4.1, attachment 2), its contact lines merged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Base {
    pub seq: i64,
    pub name: String,
    pub address: String,
    /// `集中授课;网络培训` …, every mode of every contact line.
    pub modes: String,
    /// The first contact person and phone number listed.
    pub contact: String,
    pub phone: String,
}

/// The bases as the database holds them (a bureau may have edited the shipped list), in order.
pub fn bases(conn: &Connection) -> Result<Vec<Base>> {
    let mut stmt = conn
        .prepare("SELECT seq, name, address, modes, contact, phones FROM bases ORDER BY seq, id")?;
    let rows = stmt
        .query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let first = |s: &str| {
        s.split([';', '；'])
            .map(str::trim)
            .find(|p| !p.is_empty())
            .unwrap_or("")
            .to_string()
    };
    let mut out: Vec<Base> = Vec::new();
    for (seq, name, address, modes, contact, phones) in rows {
        match out.iter_mut().find(|b| b.name == name) {
            Some(b) => {
                for m in modes.split([';', '；']).map(str::trim) {
                    if !m.is_empty() && !b.modes.split(';').any(|x| x == m) {
                        b.modes.push(';');
                        b.modes.push_str(m);
                    }
                }
            }
            None => out.push(Base {
                seq,
                name,
                address,
                modes,
                contact: first(&contact),
                phone: first(&phones),
            }),
        }
    }
    Ok(out)
}

/// An entry with everything the review history of synthetic data fills in.
#[derive(Debug, Clone)]
pub struct EntryRow<'a> {
    pub person_id: i64,
    pub entry: &'a Entry,
    pub filing_id: Option<i64>,
    pub batch_id: Option<i64>,
    pub confirmed: bool,
    pub reason: &'a str,
    pub sealed: Option<(&'a str, &'a str)>,
    pub registered: Option<(&'a str, &'a str)>,
    pub created_at: &'a str,
    pub updated_at: &'a str,
}

/// The three statements a bulk load runs per row, prepared once for the whole transaction.
pub struct Bulk<'a> {
    conn: &'a Connection,
    person: Statement<'a>,
    entry: Statement<'a>,
    evidence: Statement<'a>,
}

impl<'a> Bulk<'a> {
    pub fn new(tx: &'a Transaction<'_>) -> Result<Bulk<'a>> {
        let conn: &'a Connection = tx;
        Ok(Bulk {
            conn,
            person: conn.prepare(
                "INSERT INTO people (id_number, name, unit, unit_kind, city_code, title,
                     title_level, series, phone, file_location, created_at, updated_at, initials,
                     name_key, unit_key)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11, ?12, ?13, ?14)
                 ON CONFLICT DO NOTHING",
            )?,
            entry: conn.prepare(
                "INSERT INTO entries (person_id, year, category, form, content, provider,
                     start_date, end_date, hours_tenths, result, filing_id, state, migrated,
                     confirmed, batch_id, reason, sealed_by, sealed_at, registered_by,
                     registered_at, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16,
                     ?17, ?18, ?19, ?20, ?21, ?22)
                 ON CONFLICT DO NOTHING",
            )?,
            evidence: conn.prepare(
                "INSERT INTO entry_evidence (entry_id, code, received_by, received_at)
                 VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT DO NOTHING",
            )?,
        })
    }

    /// Insert a person unless the ID number is taken; `None` when it was.
    pub fn person(&mut self, p: &Person, now: &str) -> Result<Option<i64>> {
        let n = self.person.execute(params![
            p.id_number.as_str(),
            p.name,
            p.unit,
            p.unit_kind.code(),
            p.city_code,
            p.title,
            p.title_level.map(TitleLevel::code),
            p.series,
            p.phone,
            p.file_location,
            now,
            initials(&p.name),
            search_key(&p.name),
            search_key(&p.unit)
        ])?;
        Ok((n > 0).then(|| self.conn.last_insert_rowid()))
    }

    /// Insert an entry unless the same training is already recorded for the person (the
    /// natural key of the schema); `None` when it was.
    pub fn entry(&mut self, e: &EntryRow<'_>) -> Result<Option<i64>> {
        let x = e.entry;
        let n = self.entry.execute(params![
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
            e.sealed.map(|s| s.1),
            e.registered.map(|s| s.0),
            e.registered.map(|s| s.1),
            e.created_at,
            e.updated_at
        ])?;
        Ok((n > 0).then(|| self.conn.last_insert_rowid()))
    }

    /// Mark one evidence item received; returns whether it was new.
    pub fn evidence(&mut self, entry_id: i64, code: &str, by: &str, at: &str) -> Result<bool> {
        Ok(self.evidence.execute(params![entry_id, code, by, at])? > 0)
    }
}

/// The id and name of the person holding `id_number`.
pub fn person_by_id_number(tx: &Connection, id_number: &IdNumber) -> Result<Option<(i64, String)>> {
    Ok(tx
        .prepare_cached("SELECT id, name FROM people WHERE id_number = ?1")?
        .query_row([id_number.as_str()], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?)
}

/// The office's decision on a filing: who and when, and why when refused.
pub use super::filings::Decided as FilingDecision;

/// Insert a filing unless its number is taken; `None` when it was.
pub fn insert_filing(
    tx: &Transaction<'_>,
    f: &Filing,
    decision: Option<FilingDecision<'_>>,
    now: &str,
) -> Result<Option<i64>> {
    super::filings::insert_with(tx, f, decision, now, true)
}

/// The id, name and status of the filing numbered `filing_no`.
pub fn filing_by_no(
    tx: &Connection,
    filing_no: &str,
) -> Result<Option<(i64, String, Option<FilingStatus>)>> {
    Ok(tx
        .prepare_cached("SELECT id, name, status FROM filings WHERE filing_no = ?1")?
        .query_row([filing_no], |r| {
            let status: String = r.get(2)?;
            Ok((r.get(0)?, r.get(1)?, FilingStatus::parse(&status)))
        })
        .optional()?)
}

/// A demo filing written while still pending whose approval date has since passed: approve it,
/// unless someone decided on it meanwhile. Returns whether it changed.
pub fn approve_if_pending(
    tx: &Transaction<'_>,
    id: i64,
    approved_on: &str,
    decision: FilingDecision<'_>,
    now: &str,
) -> Result<bool> {
    let n = tx
        .prepare_cached(
            "UPDATE filings SET status = 'approved', approved_on = ?2, decided_by = ?3,
                 decided_at = ?4, reason = ?5, updated_at = ?6
             WHERE id = ?1 AND status = 'pending'",
        )?
        .execute(params![
            id,
            approved_on,
            decision.by,
            decision.at,
            decision.reason,
            now
        ])?;
    Ok(n > 0)
}

/// The id of the entry with this entry's natural key.
pub fn entry_id(tx: &Connection, person_id: i64, x: &Entry) -> Result<Option<i64>> {
    Ok(tx
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

/// The import batch of this kind and source, if one was recorded.
pub fn batch_by_source(tx: &Connection, kind: &str, source: &str) -> Result<Option<i64>> {
    Ok(tx
        .prepare_cached(
            "SELECT id FROM import_batches WHERE kind = ?1 AND source = ?2 ORDER BY id LIMIT 1",
        )?
        .query_row(params![kind, source], |r| r.get(0))
        .optional()?)
}

/// Count `added` more rows into a batch written by an earlier run.
pub fn add_batch_rows(tx: &Transaction<'_>, batch_id: i64, added: u64) -> Result<()> {
    tx.prepare_cached("UPDATE import_batches SET rows = rows + ?2 WHERE id = ?1")?
        .execute(params![batch_id, added as i64])?;
    Ok(())
}

/// Whether the person has a finding (lifted or not) with this reason.
pub fn finding_exists(tx: &Connection, person_id: i64, reason: &str) -> Result<bool> {
    Ok(tx
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM findings WHERE person_id = ?1 AND reason = ?2)",
        )?
        .query_row(params![person_id, reason], |r| r.get(0))?)
}

/// Set the page cache of this connection to `kib` KiB; returns the setting it replaces (SQLite's
/// own units: negative is KiB, positive is pages), so that the caller can put it back.
pub fn set_cache_size(conn: &Connection, kib: i64) -> Result<i64> {
    let before: i64 = conn.query_row("PRAGMA cache_size", [], |r| r.get(0))?;
    conn.pragma_update(None, "cache_size", -kib)?;
    Ok(before)
}

/// Put back a setting returned by [`set_cache_size`].
pub fn restore_cache_size(conn: &Connection, setting: i64) -> Result<()> {
    conn.pragma_update(None, "cache_size", setting)?;
    Ok(())
}
