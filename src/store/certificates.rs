//! Certificates (R7): numbering, the issued snapshot, voids, reissues and prints.

use chrono::NaiveDate;
use rusqlite::{Connection, OptionalExtension, Row, Transaction, params};

use super::Result;
use crate::domain::certificate::{CertificateNumber, CertificateText};

/// A certificate as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    pub id: i64,
    pub person_id: i64,
    pub text: CertificateText,
    pub issued_by: String,
    pub issued_at: String,
    pub replaces: Option<i64>,
    pub voided: Option<(String, String, String)>,
    pub prints: i64,
    /// The verification code, `ABCDE-FGHJK`, frozen at issue (R7.4); `None` for a certificate
    /// issued before codes existed or without an audit key.
    pub code: Option<String>,
}

/// Take the next number of `office` in `year`, inside the issuing transaction.
pub fn next_sequence(tx: &Transaction<'_>, office: &str, year: i32) -> Result<u32> {
    tx.prepare_cached(
        "INSERT INTO certificate_counters (office, year, last) VALUES (?1, ?2, 1)
         ON CONFLICT (office, year) DO UPDATE SET last = last + 1",
    )?
    .execute(params![office, year])?;
    Ok(tx
        .prepare_cached("SELECT last FROM certificate_counters WHERE office = ?1 AND year = ?2")?
        .query_row(params![office, year], |r| r.get(0))?)
}

#[allow(clippy::too_many_arguments)]
pub fn insert(
    tx: &Transaction<'_>,
    person_id: i64,
    t: &CertificateText,
    verification_json: &str,
    replaces: Option<i64>,
    code: Option<&str>,
    by: &str,
    at: &str,
) -> Result<i64> {
    tx.prepare_cached(
        "INSERT INTO certificates (office, year, sequence, number, person_id, name, unit, title,
             period_from, period_to, clerk, phone, issued_on, issued_by, issued_at, verification,
             replaces, code)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)",
    )?
    .execute(params![
        t.number.office,
        t.number.year,
        t.number.sequence,
        t.number.to_string(),
        person_id,
        t.name,
        t.unit,
        t.title,
        t.from,
        t.to,
        t.clerk,
        t.phone,
        t.date.to_string(),
        by,
        at,
        verification_json,
        replaces,
        code
    ])?;
    Ok(tx.last_insert_rowid())
}

const COLUMNS: &str = "c.id, c.person_id, c.office, c.year, c.sequence, c.name, c.unit, c.title,
    c.period_from, c.period_to, c.clerk, c.phone, c.issued_on, c.issued_by, c.issued_at,
    c.replaces, c.voided_by, c.voided_at, c.void_reason,
    (SELECT count(*) FROM certificate_prints p WHERE p.certificate_id = c.id), c.code";

fn from_row(r: &Row<'_>) -> rusqlite::Result<Stored> {
    let on: String = r.get(12)?;
    let voided_by: Option<String> = r.get(16)?;
    Ok(Stored {
        id: r.get(0)?,
        person_id: r.get(1)?,
        text: CertificateText {
            number: CertificateNumber {
                office: r.get(2)?,
                year: r.get(3)?,
                sequence: r.get(4)?,
            },
            name: r.get(5)?,
            unit: r.get(6)?,
            title: r.get(7)?,
            from: r.get(8)?,
            to: r.get(9)?,
            clerk: r.get(10)?,
            phone: r.get(11)?,
            date: NaiveDate::parse_from_str(&on, "%Y-%m-%d").map_err(|_| {
                rusqlite::Error::FromSqlConversionFailure(
                    12,
                    rusqlite::types::Type::Text,
                    format!("date {on}").into(),
                )
            })?,
        },
        issued_by: r.get(13)?,
        issued_at: r.get(14)?,
        replaces: r.get(15)?,
        voided: match voided_by {
            Some(by) => Some((
                by,
                r.get(17)?,
                r.get::<_, Option<String>>(18)?.unwrap_or_default(),
            )),
            None => None,
        },
        prints: r.get(19)?,
        code: r.get(20)?,
    })
}

pub fn by_number(conn: &Connection, number: &CertificateNumber) -> Result<Option<Stored>> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM certificates c WHERE c.office = ?1 AND c.year = ?2 AND c.sequence = ?3"
        ))?
        .query_row(params![number.office, number.year, number.sequence], from_row)
        .optional()?)
}

pub fn get(conn: &Connection, id: i64) -> Result<Option<Stored>> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM certificates c WHERE c.id = ?1"
        ))?
        .query_row([id], from_row)
        .optional()?)
}

/// The certificate that replaced `id` (its reissue), if any: what a voided certificate's
/// verification names.
pub fn replaced_by(conn: &Connection, id: i64) -> Result<Option<Stored>> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM certificates c WHERE c.replaces = ?1 ORDER BY c.id LIMIT 1"
        ))?
        .query_row([id], from_row)
        .optional()?)
}

/// A valid (not voided) certificate of this person for this period, if one exists.
pub fn valid_for(conn: &Connection, person_id: i64, from: i32, to: i32) -> Result<Option<Stored>> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM certificates c
             WHERE c.person_id = ?1 AND c.period_from = ?2 AND c.period_to = ?3 AND c.voided_at IS NULL
             ORDER BY c.id DESC LIMIT 1"
        ))?
        .query_row(params![person_id, from, to], from_row)
        .optional()?)
}

pub fn void(tx: &Transaction<'_>, id: i64, reason: &str, by: &str, at: &str) -> Result<()> {
    tx.prepare_cached(
        "UPDATE certificates SET voided_by = ?2, voided_at = ?3, void_reason = ?4 WHERE id = ?1",
    )?
    .execute(params![id, by, at, reason])?;
    Ok(())
}

#[allow(clippy::too_many_arguments)]
pub fn log_print(
    tx: &Transaction<'_>,
    id: i64,
    reprint: bool,
    layout: &str,
    encoding: &str,
    destination: &str,
    by: &str,
    at: &str,
) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO certificate_prints (certificate_id, reprint, layout, encoding, destination,
             printed_by, printed_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![id, reprint, layout, encoding, destination, by, at])?;
    Ok(())
}
