//! Programme filings (R4.2).

use chrono::NaiveDate;
use rusqlite::{Connection, OptionalExtension, Row, Transaction, params};
use serde_json::json;

use super::Result;
use crate::domain::{Category, Filing, FilingStatus};

pub(crate) const COLUMNS: &str =
    "id, filing_no, name, category, applicant_unit, institution, address, post_code, email,
    head, head_post, head_phone, contact, contact_post, contact_phone, place, trainees, programme,
    schedule, start_date, end_date, status, approved_on";

fn conversion(what: &str, v: &str) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(
        0,
        rusqlite::types::Type::Text,
        format!("{what} {v}").into(),
    )
}

pub(crate) fn date(r: &Row<'_>, i: usize) -> rusqlite::Result<NaiveDate> {
    let s: String = r.get(i)?;
    NaiveDate::parse_from_str(&s, "%Y-%m-%d").map_err(|_| conversion("date", &s))
}

pub(crate) fn from_row(r: &Row<'_>) -> rusqlite::Result<(i64, Filing)> {
    let category: String = r.get(3)?;
    let status: String = r.get(21)?;
    let approved_on: Option<String> = r.get(22)?;
    Ok((
        r.get(0)?,
        Filing {
            filing_no: r.get(1)?,
            name: r.get(2)?,
            category: Category::parse(&category)
                .ok_or_else(|| conversion("category", &category))?,
            applicant_unit: r.get(4)?,
            institution: r.get(5)?,
            address: r.get(6)?,
            post_code: r.get(7)?,
            email: r.get(8)?,
            head: r.get(9)?,
            head_post: r.get(10)?,
            head_phone: r.get(11)?,
            contact: r.get(12)?,
            contact_post: r.get(13)?,
            contact_phone: r.get(14)?,
            place: r.get(15)?,
            trainees: r.get(16)?,
            programme: r.get(17)?,
            schedule: r.get(18)?,
            start_date: date(r, 19)?,
            end_date: date(r, 20)?,
            status: FilingStatus::parse(&status).ok_or_else(|| conversion("status", &status))?,
            approved_on: approved_on
                .as_deref()
                .and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()),
        },
    ))
}

pub fn find_by_no(conn: &Connection, filing_no: &str) -> Result<Option<(i64, Filing)>> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM filings WHERE filing_no = ?1"
        ))?
        .query_row([filing_no], from_row)
        .optional()?)
}

pub fn insert(tx: &Transaction<'_>, f: &Filing, now: &str) -> Result<i64> {
    insert_with(tx, f, None, now, false)?
        .ok_or_else(|| super::StoreError::Sql(rusqlite::Error::QueryReturnedNoRows))
}

/// Who decided a filing written with its decision already made (demo data, history).
#[derive(Debug, Clone, Copy)]
pub struct Decided<'a> {
    pub by: &'a str,
    pub at: &'a str,
    pub reason: &'a str,
}

/// Insert a filing, with its decision when it has one. With `unless_taken`, a number already
/// used leaves the table alone and gives `None` (re-runnable bulk loads).
pub fn insert_with(
    tx: &Transaction<'_>,
    f: &Filing,
    decided: Option<Decided<'_>>,
    now: &str,
    unless_taken: bool,
) -> Result<Option<i64>> {
    let conflict = if unless_taken {
        "ON CONFLICT DO NOTHING"
    } else {
        ""
    };
    let n = tx
        .prepare_cached(&format!(
            "INSERT INTO filings (filing_no, name, category, applicant_unit, institution, address,
                 post_code, email, head, head_post, head_phone, contact, contact_post,
                 contact_phone, place, trainees, programme, schedule, start_date, end_date, status,
                 approved_on, created_at, updated_at, decided_by, decided_at, reason)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,
                 ?18, ?19, ?20, ?21, ?22, ?23, ?23, ?24, ?25, ?26)
             {conflict}"
        ))?
        .execute(params![
            f.filing_no,
            f.name,
            f.category.code(),
            f.applicant_unit,
            f.institution,
            f.address,
            f.post_code,
            f.email,
            f.head,
            f.head_post,
            f.head_phone,
            f.contact,
            f.contact_post,
            f.contact_phone,
            f.place,
            f.trainees,
            f.programme,
            f.schedule,
            f.start_date.to_string(),
            f.end_date.to_string(),
            f.status.code(),
            f.approved_on.map(|d| d.to_string()),
            now,
            decided.map(|d| d.by),
            decided.map(|d| d.at),
            decided.map_or("", |d| d.reason)
        ])?;
    Ok((n > 0).then(|| tx.last_insert_rowid()))
}

pub fn update(tx: &Transaction<'_>, id: i64, f: &Filing, now: &str) -> Result<()> {
    tx.prepare_cached(
        "UPDATE filings SET name = ?2, category = ?3, applicant_unit = ?4, institution = ?5,
             address = ?6, post_code = ?7, email = ?8, head = ?9, head_post = ?10,
             head_phone = ?11, contact = ?12, contact_post = ?13, contact_phone = ?14,
             place = ?15, trainees = ?16, programme = ?17, schedule = ?18, start_date = ?19,
             end_date = ?20, status = ?21, approved_on = ?22, updated_at = ?23
         WHERE id = ?1",
    )?
    .execute(params![
        id,
        f.name,
        f.category.code(),
        f.applicant_unit,
        f.institution,
        f.address,
        f.post_code,
        f.email,
        f.head,
        f.head_post,
        f.head_phone,
        f.contact,
        f.contact_post,
        f.contact_phone,
        f.place,
        f.trainees,
        f.programme,
        f.schedule,
        f.start_date.to_string(),
        f.end_date.to_string(),
        f.status.code(),
        f.approved_on.map(|d| d.to_string()),
        now
    ])?;
    Ok(())
}

pub fn to_json(f: &Filing) -> String {
    json!({
        "filing_no": f.filing_no,
        "name": f.name,
        "category": f.category.code(),
        "applicant_unit": f.applicant_unit,
        "institution": f.institution,
        "start_date": f.start_date.to_string(),
        "end_date": f.end_date.to_string(),
        "status": f.status.code(),
        "approved_on": f.approved_on.map(|d| d.to_string()),
        "address": f.address,
        "post_code": f.post_code,
        "email": f.email,
        "head": f.head,
        "head_post": f.head_post,
        "head_phone": f.head_phone,
        "contact": f.contact,
        "contact_post": f.contact_post,
        "contact_phone": f.contact_phone,
        "place": f.place,
        "trainees": f.trainees,
        "programme": f.programme,
        "schedule": f.schedule,
    })
    .to_string()
}

/// The database id of the filing numbered `filing_no` (R4.2), or `None`: the lookup an entries
/// import makes per row that names a filing (issue 10.3).
pub fn id_of(conn: &Connection, filing_no: &str) -> Result<Option<i64>> {
    Ok(conn
        .prepare_cached("SELECT id FROM filings WHERE filing_no = ?1")?
        .query_row([filing_no], |r| r.get(0))
        .optional()?)
}

/// A filing written while still pending whose approval date has since passed (demo data):
/// approve it with its decision, unless someone decided on it meanwhile. Returns whether it
/// changed; the caller refreshes the totals of the people it concerns (R4.3).
pub fn approve_if_pending(
    tx: &Transaction<'_>,
    id: i64,
    approved_on: &str,
    decision: Decided<'_>,
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
