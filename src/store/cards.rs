//! R5.4 What the yearly record card and the registration page read — a person's registered
//! entries with who registered them, the people of a unit or a verification batch — and their
//! print records (`card_prints`, migration 17).

use rusqlite::{Connection, OptionalExtension, Transaction, params};

use super::Result;
use crate::domain::{Entry, EntryState, FilingFacts};

/// A registered entry with the filing it links to and its registration (R5.5: who, when).
#[derive(Debug, Clone)]
pub struct Registered {
    pub id: i64,
    pub entry: Entry,
    pub filing: Option<FilingFacts>,
    /// The login that registered it; `None` in rows older than the column.
    pub registered_by: Option<String>,
    /// RFC 3339 at the bureaus' offset (`entries::stamp_text`).
    pub registered_at: Option<String>,
}

/// R5.2 The registered entries of `person_id` in `from..=to`, by year and start date: the
/// entries a card shows. Others (recorded, sealed, refused) are not on a card.
pub fn registered(
    conn: &Connection,
    person_id: i64,
    from: i32,
    to: i32,
) -> Result<Vec<Registered>> {
    let facts = super::entries::for_person(conn, person_id, from, to)?;
    let mut stmt = conn.prepare_cached(
        "SELECT id, registered_by, registered_at FROM entries
         WHERE person_id = ?1 AND year BETWEEN ?2 AND ?3 AND state = 'registered'",
    )?;
    let who: Vec<(i64, Option<String>, Option<String>)> = stmt
        .query_map(params![person_id, from, to], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                super::entries::stamp_text(r.get_ref(2)?),
            ))
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(facts
        .into_iter()
        .filter(|(_, e, _)| e.state == EntryState::Registered)
        .map(|(id, entry, filing)| {
            let (by, at) = who
                .iter()
                .find(|(x, _, _)| *x == id)
                .map(|(_, by, at)| (by.clone(), at.clone()))
                .unwrap_or_default();
            Registered {
                id,
                entry,
                filing,
                registered_by: by,
                registered_at: at,
            }
        })
        .collect())
}

/// The people whose unit has the search key `unit_key` (`people::search_key`: the same unit
/// however its spaces or full-width characters were typed), by name and ID number: a unit's
/// cards in a stable order. Through the `people_unit_key` index.
pub fn people_of_unit(conn: &Connection, unit_key: &str) -> Result<Vec<i64>> {
    let mut stmt =
        conn.prepare_cached("SELECT id FROM people WHERE unit_key = ?1 ORDER BY name, id_number")?;
    let ids = stmt
        .query_map([unit_key], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(ids)
}

/// The applicants of verification batch `batch_id` (database ids of people), by name and ID
/// number; `None` when there is no such batch.
pub fn people_of_batch(conn: &Connection, batch_id: i64) -> Result<Option<Vec<i64>>> {
    let exists = conn
        .prepare_cached("SELECT 1 FROM verification_batches WHERE id = ?1")?
        .query_row([batch_id], |_| Ok(()))
        .optional()?;
    if exists.is_none() {
        return Ok(None);
    }
    let mut stmt = conn.prepare_cached(
        "SELECT p.id FROM batch_applicants a JOIN people p ON p.id = a.person_id
         WHERE a.batch_id = ?1 ORDER BY p.name, p.id_number",
    )?;
    let ids = stmt
        .query_map([batch_id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(Some(ids))
}

/// One printed card or page, as the print service records it (R5.5).
pub struct Print<'a> {
    pub person_id: i64,
    /// `card` or `register`.
    pub kind: &'a str,
    pub from: i32,
    pub to: i32,
    pub layout: &'a str,
    pub encoding: &'a str,
    pub destination: &'a str,
    pub by: &'a str,
    pub at: &'a str,
}

/// Record one print inside the caller's transaction.
pub fn log_print(tx: &Transaction<'_>, p: &Print<'_>) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO card_prints (person_id, kind, from_year, to_year, layout, encoding,
             destination, printed_by, printed_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?
    .execute(params![
        p.person_id,
        p.kind,
        p.from,
        p.to,
        p.layout,
        p.encoding,
        p.destination,
        p.by,
        p.at
    ])?;
    Ok(())
}
