//! People (R1.2) and falsification findings (R5.3).

use rusqlite::{Connection, OptionalExtension, Row, Transaction, params};
use serde_json::json;

use super::Result;
use crate::domain::initials::initials;
use crate::domain::{IdNumber, Person, TitleLevel, UnitKind};

const COLUMNS: &str = "id, id_number, name, unit, unit_kind, city_code, title, title_level, series, phone, file_location";

fn from_row(r: &Row<'_>) -> rusqlite::Result<(i64, Person)> {
    let id_number: String = r.get(1)?;
    let kind: String = r.get(4)?;
    let level: Option<String> = r.get(7)?;
    let bad = |what: &str, v: &str| {
        rusqlite::Error::FromSqlConversionFailure(
            0,
            rusqlite::types::Type::Text,
            format!("{what} {v}").into(),
        )
    };
    Ok((
        r.get(0)?,
        Person {
            id_number: IdNumber::parse(&id_number).map_err(|_| bad("id_number", &id_number))?,
            name: r.get(2)?,
            unit: r.get(3)?,
            unit_kind: UnitKind::parse(&kind).ok_or_else(|| bad("unit_kind", &kind))?,
            city_code: r.get(5)?,
            title: r.get(6)?,
            title_level: level.as_deref().and_then(TitleLevel::parse),
            series: r.get(8)?,
            phone: r.get(9)?,
            file_location: r.get(10)?,
        },
    ))
}

pub fn find_by_id_number(conn: &Connection, id_number: &str) -> Result<Option<(i64, Person)>> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM people WHERE id_number = ?1"
        ))?
        .query_row([id_number], from_row)
        .optional()?)
}

pub fn get(conn: &Connection, id: i64) -> Result<Option<Person>> {
    Ok(conn
        .prepare_cached(&format!("SELECT {COLUMNS} FROM people WHERE id = ?1"))?
        .query_row([id], from_row)
        .optional()?
        .map(|(_, p)| p))
}

pub fn insert(tx: &Transaction<'_>, p: &Person, now: &str) -> Result<i64> {
    tx.prepare_cached(
        "INSERT INTO people (id_number, name, unit, unit_kind, city_code, title, title_level,
             series, phone, file_location, created_at, updated_at, initials)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11, ?12)",
    )?
    .execute(params![
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
        initials(&p.name)
    ])?;
    Ok(tx.last_insert_rowid())
}

pub fn update(tx: &Transaction<'_>, id: i64, p: &Person, now: &str) -> Result<()> {
    tx.prepare_cached(
        "UPDATE people SET name = ?2, unit = ?3, unit_kind = ?4, city_code = ?5, title = ?6,
             title_level = ?7, series = ?8, phone = ?9, file_location = ?10, updated_at = ?11,
             initials = ?12
         WHERE id = ?1",
    )?
    .execute(params![
        id,
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
        initials(&p.name)
    ])?;
    Ok(())
}

/// The person as the audit trail records it.
pub fn to_json(p: &Person) -> String {
    json!({
        "id_number": p.id_number.as_str(),
        "name": p.name,
        "unit": p.unit,
        "unit_kind": p.unit_kind.code(),
        "city_code": p.city_code,
        "title": p.title,
        "title_level": p.title_level.map(TitleLevel::code),
        "series": p.series,
        "phone": p.phone,
        "file_location": p.file_location,
    })
    .to_string()
}

/// R5.3 Is verification blocked by a finding not yet lifted?
pub fn is_blocked(conn: &Connection, person_id: i64) -> Result<bool> {
    Ok(conn
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM findings WHERE person_id = ?1 AND lifted_at IS NULL)",
        )?
        .query_row([person_id], |r| r.get(0))?)
}

/// R5.3 Record a falsification finding.
pub fn add_finding(
    tx: &Transaction<'_>,
    person_id: i64,
    entry_id: Option<i64>,
    reason: &str,
    by: &str,
    at: &str,
) -> Result<i64> {
    tx.prepare_cached(
        "INSERT INTO findings (person_id, entry_id, reason, made_by, made_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![person_id, entry_id, reason, by, at])?;
    Ok(tx.last_insert_rowid())
}

pub fn count(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row("SELECT count(*) FROM people", [], |r| r.get(0))?)
}

/// Fill the initials of people written without them (databases from schema 1, bulk loads).
pub fn backfill_initials(tx: &Transaction<'_>) -> Result<usize> {
    let todo: Vec<(i64, String)> = tx
        .prepare("SELECT id, name FROM people WHERE initials = ''")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut stmt = tx.prepare_cached("UPDATE people SET initials = ?2 WHERE id = ?1")?;
    for (id, name) in &todo {
        // A name with no readable character gets a single space so it is not visited again.
        let i = initials(name);
        stmt.execute(params![id, if i.is_empty() { " ".to_string() } else { i }])?;
    }
    Ok(todo.len())
}
