//! Decisions on entries, grouped so that one decision on many marked entries can be undone as
//! one (R5.5: undo is itself recorded; nothing is erased).

use rusqlite::{Connection, OptionalExtension, Transaction, params};

use super::Result;
use crate::domain::EntryState;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecisionRow {
    pub id: i64,
    pub entry_id: i64,
    pub action: String,
    pub from_state: EntryState,
    pub to_state: EntryState,
}

/// A new batch number for one decision.
pub fn next_batch(tx: &Transaction<'_>) -> Result<i64> {
    Ok(tx.query_row(
        "SELECT coalesce(max(batch), 0) + 1 FROM decisions",
        [],
        |r| r.get(0),
    )?)
}

#[allow(clippy::too_many_arguments)]
pub fn insert(
    tx: &Transaction<'_>,
    batch: i64,
    entry_id: i64,
    action: &str,
    from: EntryState,
    to: EntryState,
    reason: &str,
    by: &str,
    at: &str,
) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO decisions (batch, entry_id, action, from_state, to_state, reason, made_by, made_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(params![batch, entry_id, action, from.code(), to.code(), reason, by, at])?;
    Ok(())
}

/// The clerk's most recent decision not yet undone.
pub fn last_batch_of(conn: &Connection, user: &str) -> Result<Option<i64>> {
    Ok(conn
        .prepare_cached(
            "SELECT batch FROM decisions WHERE made_by = ?1 AND undone_at IS NULL
             ORDER BY batch DESC LIMIT 1",
        )?
        .query_row([user], |r| r.get(0))
        .optional()?)
}

pub fn rows_of(conn: &Connection, batch: i64) -> Result<Vec<DecisionRow>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, entry_id, action, from_state, to_state FROM decisions
         WHERE batch = ?1 AND undone_at IS NULL ORDER BY id",
    )?;
    let rows = stmt
        .query_map([batch], |r| {
            let from: String = r.get(3)?;
            let to: String = r.get(4)?;
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, from, to))
        })?
        .collect::<rusqlite::Result<Vec<(i64, i64, String, String, String)>>>()?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, entry_id, action, from, to)| {
            Some(DecisionRow {
                id,
                entry_id,
                action,
                from_state: EntryState::parse(&from)?,
                to_state: EntryState::parse(&to)?,
            })
        })
        .collect())
}

pub fn mark_undone(tx: &Transaction<'_>, id: i64, by: &str, at: &str) -> Result<()> {
    tx.prepare_cached("UPDATE decisions SET undone_by = ?2, undone_at = ?3 WHERE id = ?1")?
        .execute(params![id, by, at])?;
    Ok(())
}

/// R5.3 Lift the finding a falsification decision made on this entry (undo of that decision).
pub fn lift_findings_of_entry(
    tx: &Transaction<'_>,
    entry_id: i64,
    by: &str,
    at: &str,
    reason: &str,
) -> Result<usize> {
    Ok(tx
        .prepare_cached(
            "UPDATE findings SET lifted_by = ?2, lifted_at = ?3, lift_reason = ?4
             WHERE entry_id = ?1 AND lifted_at IS NULL",
        )?
        .execute(params![entry_id, by, at, reason])?)
}
