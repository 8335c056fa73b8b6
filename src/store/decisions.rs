//! The one decision log (R5.5): every decision a clerk takes on entries (seal, register, refuse,
//! falsified), filings (approve, reject) and batch applicants (accept, return, refuse), one row
//! per subject touched, with the subject's decision state before and after, the reason, who and
//! when. `batch` groups the rows of one decision on many marked subjects, so that undo reverses
//! exactly that decision; batch numbers are shared by every kind, so the clerk's last decision is
//! the highest number, whatever screen it was taken on. Undo marks rows undone; nothing is erased.
//!
//! The states are JSON written and read by `service::decision` (each kind of subject knows its
//! own); this module stores them as they are. It also reads and writes a filing's decision, the
//! one subject state that no other store module owns.

use chrono::NaiveDate;
use rusqlite::{Connection, OptionalExtension, Transaction, params};

use super::Result;
use crate::domain::FilingStatus;

/// What a logged decision was taken on: the kind of subject and its row id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Subject {
    /// A training entry (`entries.id`), R5.1.
    Entry(i64),
    /// A programme filing (`filings.id`), R4.2.
    Filing(i64),
    /// An applicant of a verification batch (`batch_applicants.id`), R6.
    Applicant(i64),
}

impl Subject {
    /// The row id within its kind's table.
    pub fn id(self) -> i64 {
        match self {
            Subject::Entry(id) | Subject::Filing(id) | Subject::Applicant(id) => id,
        }
    }

    /// The ids for the log's three subject columns, exactly one of them set.
    fn columns(self) -> (Option<i64>, Option<i64>, Option<i64>) {
        match self {
            Subject::Entry(id) => (Some(id), None, None),
            Subject::Filing(id) => (None, Some(id), None),
            Subject::Applicant(id) => (None, None, Some(id)),
        }
    }
}

/// One subject a decision touched, not yet undone. `from` and `to` are the JSON states the
/// subject's kind wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogRow {
    pub id: i64,
    pub subject: Subject,
    /// The audit action of the decision (`entry.seal`, `filing.approve`, `applicant.return` …).
    pub action: String,
    pub from: String,
    pub to: String,
}

/// A new number for one decision (on one subject or many marked ones).
pub fn next_batch(tx: &Transaction<'_>) -> Result<i64> {
    Ok(tx.query_row(
        "SELECT coalesce(max(batch), 0) + 1 FROM decisions",
        [],
        |r| r.get(0),
    )?)
}

/// One log row: decision `batch` moved `subject` from the state `from` to `to` (JSON).
#[allow(clippy::too_many_arguments)]
pub fn insert(
    tx: &Transaction<'_>,
    batch: i64,
    subject: Subject,
    action: &str,
    from: &str,
    to: &str,
    reason: &str,
    by: &str,
    at: &str,
) -> Result<()> {
    let (entry, filing, applicant) = subject.columns();
    tx.prepare_cached(
        "INSERT INTO decisions (batch, entry_id, filing_id, applicant_id, action, from_state,
             to_state, reason, made_by, made_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?
    .execute(params![
        batch, entry, filing, applicant, action, from, to, reason, by, at
    ])?;
    Ok(())
}

/// The clerk's most recent decision not yet undone, of any kind; `None` when there is none.
/// Another clerk's decisions are never this clerk's to undo.
pub fn last_batch_of(conn: &Connection, user: &str) -> Result<Option<i64>> {
    Ok(conn
        .prepare_cached(
            "SELECT batch FROM decisions WHERE made_by = ?1 AND undone_at IS NULL
             ORDER BY batch DESC LIMIT 1",
        )?
        .query_row([user], |r| r.get(0))
        .optional()?)
}

/// The rows of decision `batch` not yet undone, in the order they were taken.
pub fn rows_of(conn: &Connection, batch: i64) -> Result<Vec<LogRow>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, entry_id, filing_id, applicant_id, action, from_state, to_state
         FROM decisions WHERE batch = ?1 AND undone_at IS NULL ORDER BY id",
    )?;
    let rows = stmt
        .query_map([batch], |r| {
            let subject = match (
                r.get::<_, Option<i64>>(1)?,
                r.get::<_, Option<i64>>(2)?,
                r.get::<_, Option<i64>>(3)?,
            ) {
                (Some(id), _, _) => Subject::Entry(id),
                (_, Some(id), _) => Subject::Filing(id),
                (_, _, Some(id)) => Subject::Applicant(id),
                // The table's CHECK makes this impossible.
                _ => {
                    return Err(rusqlite::Error::FromSqlConversionFailure(
                        1,
                        rusqlite::types::Type::Null,
                        "a decision without a subject".into(),
                    ));
                }
            };
            Ok(LogRow {
                id: r.get(0)?,
                subject,
                action: r.get(4)?,
                from: r.get(5)?,
                to: r.get(6)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// R5.5 The row stays; it is marked undone, by whom and when.
pub fn mark_undone(tx: &Transaction<'_>, id: i64, by: &str, at: &str) -> Result<()> {
    tx.prepare_cached("UPDATE decisions SET undone_by = ?2, undone_at = ?3 WHERE id = ?1")?
        .execute(params![id, by, at])?;
    Ok(())
}

/// The subject as a clerk names it, uncleaned: `张伟 临床新进展` for an entry (the person and
/// the training), `2017-001 2017年公需科目培训班` for a filing (number and name), the person's
/// name for an applicant. `None` when the row is gone.
pub fn label(conn: &Connection, subject: Subject) -> Result<Option<String>> {
    let sql = match subject {
        Subject::Entry(_) => {
            "SELECT p.name || ' ' || e.content FROM entries e JOIN people p ON p.id = e.person_id
             WHERE e.id = ?1"
        }
        Subject::Filing(_) => "SELECT filing_no || ' ' || name FROM filings WHERE id = ?1",
        Subject::Applicant(_) => {
            "SELECT p.name FROM batch_applicants a JOIN people p ON p.id = a.person_id
             WHERE a.id = ?1"
        }
    };
    Ok(conn
        .prepare_cached(sql)?
        .query_row([subject.id()], |r| r.get(0))
        .optional()?)
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

/// A filing's decision (R4.2): its status, approval date, who decided, when, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilingDecided {
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
pub fn filing_current(conn: &Connection, id: i64) -> Result<Option<(String, FilingDecided)>> {
    Ok(conn
        .prepare_cached(
            "SELECT filing_no, status, approved_on, decided_by, decided_at, reason
             FROM filings WHERE id = ?1",
        )?
        .query_row([id], |r| {
            let s: String = r.get(1)?;
            Ok((
                r.get(0)?,
                FilingDecided {
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
pub fn set_filing(tx: &Transaction<'_>, id: i64, d: &FilingDecided, now: &str) -> Result<()> {
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
