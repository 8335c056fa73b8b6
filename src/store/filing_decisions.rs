//! Decisions on filings (R4.2 approve or reject, R5.5 who, when, why), grouped so that one
//! decision on many marked filings can be undone as one. Undo restores the decision the filing
//! had before; the rows stay, marked undone.

use chrono::NaiveDate;
use rusqlite::{Connection, OptionalExtension, Transaction, params};

use super::Result;
use crate::domain::FilingStatus;

/// A filing's decision: its status, approval date, who decided, when, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decided {
    pub status: FilingStatus,
    pub approved_on: Option<NaiveDate>,
    pub decided_by: Option<String>,
    pub decided_at: Option<String>,
    pub reason: String,
}

fn parse_date(s: Option<String>) -> Option<NaiveDate> {
    s.and_then(|s| NaiveDate::parse_from_str(&s, "%Y-%m-%d").ok())
}

fn status(s: &str) -> rusqlite::Result<FilingStatus> {
    FilingStatus::parse(s).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            0,
            rusqlite::types::Type::Text,
            format!("status {s}").into(),
        )
    })
}

/// The decision a filing has now, with its number; `None` when there is no such filing.
pub fn current(conn: &Connection, id: i64) -> Result<Option<(String, Decided)>> {
    Ok(conn
        .prepare_cached(
            "SELECT filing_no, status, approved_on, decided_by, decided_at, reason
             FROM filings WHERE id = ?1",
        )?
        .query_row([id], |r| {
            let s: String = r.get(1)?;
            Ok((
                r.get(0)?,
                Decided {
                    status: status(&s)?,
                    approved_on: parse_date(r.get(2)?),
                    decided_by: r.get(3)?,
                    decided_at: r.get(4)?,
                    reason: r.get(5)?,
                },
            ))
        })
        .optional()?)
}

/// Write a decision onto the filing.
pub fn set(tx: &Transaction<'_>, id: i64, d: &Decided, now: &str) -> Result<()> {
    tx.prepare_cached(
        "UPDATE filings SET status = ?2, approved_on = ?3, decided_by = ?4, decided_at = ?5,
             reason = ?6, updated_at = ?7
         WHERE id = ?1",
    )?
    .execute(params![
        id,
        d.status.code(),
        d.approved_on.map(|d| d.to_string()),
        d.decided_by,
        d.decided_at,
        d.reason,
        now
    ])?;
    Ok(())
}

/// A new batch number for one decision.
pub fn next_batch(tx: &Transaction<'_>) -> Result<i64> {
    Ok(tx.query_row(
        "SELECT coalesce(max(batch), 0) + 1 FROM filing_decisions",
        [],
        |r| r.get(0),
    )?)
}

/// One filing a decision touched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecisionRow {
    pub id: i64,
    pub filing_id: i64,
    pub action: String,
    pub from: Decided,
    pub to_status: FilingStatus,
    pub to_approved_on: Option<NaiveDate>,
}

#[allow(clippy::too_many_arguments)]
pub fn insert(
    tx: &Transaction<'_>,
    batch: i64,
    filing_id: i64,
    action: &str,
    from: &Decided,
    to: &Decided,
    by: &str,
    at: &str,
) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO filing_decisions (batch, filing_id, action, from_status, from_approved_on,
             from_decided_by, from_decided_at, from_reason, to_status, to_approved_on, reason,
             made_by, made_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
    )?
    .execute(params![
        batch,
        filing_id,
        action,
        from.status.code(),
        from.approved_on.map(|d| d.to_string()),
        from.decided_by,
        from.decided_at,
        from.reason,
        to.status.code(),
        to.approved_on.map(|d| d.to_string()),
        to.reason,
        by,
        at
    ])?;
    Ok(())
}

/// The clerk's most recent filing decision not yet undone.
pub fn last_batch_of(conn: &Connection, user: &str) -> Result<Option<i64>> {
    Ok(conn
        .prepare_cached(
            "SELECT batch FROM filing_decisions WHERE made_by = ?1 AND undone_at IS NULL
             ORDER BY batch DESC LIMIT 1",
        )?
        .query_row([user], |r| r.get(0))
        .optional()?)
}

pub fn rows_of(conn: &Connection, batch: i64) -> Result<Vec<DecisionRow>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, filing_id, action, from_status, from_approved_on, from_decided_by,
                from_decided_at, from_reason, to_status, to_approved_on
         FROM filing_decisions WHERE batch = ?1 AND undone_at IS NULL ORDER BY id",
    )?;
    let rows = stmt
        .query_map([batch], |r| {
            let from: String = r.get(3)?;
            let to: String = r.get(8)?;
            Ok(DecisionRow {
                id: r.get(0)?,
                filing_id: r.get(1)?,
                action: r.get(2)?,
                from: Decided {
                    status: status(&from)?,
                    approved_on: parse_date(r.get(4)?),
                    decided_by: r.get(5)?,
                    decided_at: r.get(6)?,
                    reason: r.get(7)?,
                },
                to_status: status(&to)?,
                to_approved_on: parse_date(r.get(9)?),
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

pub fn mark_undone(tx: &Transaction<'_>, id: i64, by: &str, at: &str) -> Result<()> {
    tx.prepare_cached("UPDATE filing_decisions SET undone_by = ?2, undone_at = ?3 WHERE id = ?1")?
        .execute(params![id, by, at])?;
    Ok(())
}
