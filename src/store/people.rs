//! People (R1.2) and falsification findings (R5.3).

use rusqlite::{Connection, OptionalExtension, Row, Transaction, params};
use serde_json::json;

use super::Result;
use crate::domain::initials::initials;
use crate::domain::text::{clean_line, fold_for_search};
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

/// The search key of a name or unit as the `name_key` and `unit_key` columns hold it: its
/// [`fold_for_search`], or a single space when nothing of it folds (so the backfill, which looks
/// for empty keys, does not visit it again; no typed search matches a space).
pub fn search_key(text: &str) -> String {
    let key = fold_for_search(text);
    if key.is_empty() { " ".to_string() } else { key }
}

/// Add a person (R1.2) with the derived search columns: pinyin initials and the folded keys of
/// name and unit. The caller has cleaned the text (`service::records`); a taken ID number is an
/// SQL constraint error.
pub fn insert(tx: &Transaction<'_>, p: &Person, now: &str) -> Result<i64> {
    tx.prepare_cached(
        "INSERT INTO people (id_number, name, unit, unit_kind, city_code, title, title_level,
             series, phone, file_location, created_at, updated_at, initials, name_key, unit_key)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11, ?12, ?13, ?14)",
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
        initials(&p.name),
        search_key(&p.name),
        search_key(&p.unit)
    ])?;
    Ok(tx.last_insert_rowid())
}

/// Change a person's record (the ID number stays) and recompute the derived search columns.
pub fn update(tx: &Transaction<'_>, id: i64, p: &Person, now: &str) -> Result<()> {
    tx.prepare_cached(
        "UPDATE people SET name = ?2, unit = ?3, unit_kind = ?4, city_code = ?5, title = ?6,
             title_level = ?7, series = ?8, phone = ?9, file_location = ?10, updated_at = ?11,
             initials = ?12, name_key = ?13, unit_key = ?14
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
        initials(&p.name),
        search_key(&p.name),
        search_key(&p.unit)
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
        .prepare_cached(&format!("SELECT {}", blocked_sql("?1")))?
        .query_row([person_id], |r| r.get(0))?)
}

/// R5.3 [`is_blocked`] as an SQL condition on `person` (an expression for a `people.id`), for
/// a read that asks it of many people in one statement (the annual report): one definition of
/// "blocked" for `check` and the figures that must agree with it. Served by the partial index
/// `findings_person`.
pub fn blocked_sql(person: &str) -> String {
    format!(
        "EXISTS (SELECT 1 FROM findings blocked WHERE blocked.person_id = {person} \
         AND blocked.lifted_at IS NULL)"
    )
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
        stmt.execute(params![id, initials_or_space(name)])?;
    }
    Ok(todo.len())
}

/// A name with no readable character gets a single space so it is not visited again.
fn initials_or_space(name: &str) -> String {
    let i = initials(name);
    if i.is_empty() { " ".to_string() } else { i }
}

/// The text columns of a person, in the order [`backfill_keys`] reads and writes them.
const TEXT_COLUMNS: [&str; 6] = ["name", "unit", "title", "series", "phone", "file_location"];

/// Bring people written before schema 6 (or by any writer that left `name_key` empty) to one
/// identity, and fill their search keys. Returns how many people were visited.
///
/// Their text is cleaned as text entering today is ([`clean_line`]: NFC, no invisible format or
/// control characters), because a name stored decomposed or with a zero-width joiner is a second
/// identity of the same name: exact comparisons (an applicants roster's name against the
/// database, a re-imported roster against the record) would fail, and prints would differ. A
/// required name or unit that would clean to nothing keeps its old text rather than be lost.
/// Every person whose text changed gets an audit row `person.normalise` (R5.5) with the fields
/// before and after, recorded as user `jijiao` at `at`.
pub fn backfill_keys(tx: &Transaction<'_>, at: &str) -> Result<usize> {
    let todo: Vec<(i64, String, [String; 6])> = tx
        .prepare(
            "SELECT id, id_number, name, unit, title, series, phone, file_location
             FROM people WHERE name_key = ''",
        )?
        .query_map([], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                [
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                    r.get(7)?,
                ],
            ))
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut stmt = tx.prepare_cached(
        "UPDATE people SET name = ?2, unit = ?3, title = ?4, series = ?5, phone = ?6,
             file_location = ?7, name_key = ?8, unit_key = ?9, initials = ?10
         WHERE id = ?1",
    )?;
    for (id, id_number, before) in &todo {
        let after: [String; 6] = std::array::from_fn(|i| {
            let clean = clean_line(&before[i]);
            if clean.is_empty() && i < 2 {
                before[i].clone()
            } else {
                clean
            }
        });
        stmt.execute(params![
            id,
            after[0],
            after[1],
            after[2],
            after[3],
            after[4],
            after[5],
            search_key(&after[0]),
            search_key(&after[1]),
            initials_or_space(&after[0])
        ])?;
        if &after != before {
            let fields = |v: &[String; 6]| {
                let mut m = serde_json::Map::new();
                for (i, col) in TEXT_COLUMNS.iter().enumerate() {
                    if before[i] != after[i] {
                        m.insert((*col).to_string(), v[i].clone().into());
                    }
                }
                serde_json::Value::Object(m).to_string()
            };
            super::audit::append(
                tx,
                &super::audit::Record {
                    at,
                    user: "jijiao",
                    action: "person.normalise",
                    subject: &format!("person:{id_number}"),
                    before: Some(&fields(before)),
                    after: Some(&fields(&after)),
                },
            )?;
        }
    }
    Ok(todo.len())
}

/// The database id of the person with this ID number (R1.1), or `None`: the one lookup an
/// entries import makes per row (issue 10.3), without reading the person's other columns.
pub fn id_of(conn: &Connection, id_number: &str) -> Result<Option<i64>> {
    Ok(conn
        .prepare_cached("SELECT id FROM people WHERE id_number = ?1")?
        .query_row([id_number], |r| r.get(0))
        .optional()?)
}

/// R5.3 Whether the person has a finding (lifted or not) with this reason.
pub fn finding_exists(conn: &Connection, person_id: i64, reason: &str) -> Result<bool> {
    Ok(conn
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM findings WHERE person_id = ?1 AND reason = ?2)",
        )?
        .query_row(params![person_id, reason], |r| r.get(0))?)
}

/// The ids of the first `limit` people of one kind of unit in one division, in order of ID
/// number (the demo's pending batch takes its applicants from these).
pub fn first_of_city(
    conn: &Connection,
    kind: UnitKind,
    city_code: &str,
    limit: usize,
) -> Result<Vec<i64>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id FROM people WHERE unit_kind = ?1 AND city_code = ?2
         ORDER BY id_number LIMIT ?3",
    )?;
    let ids = stmt
        .query_map(params![kind.code(), city_code, limit as i64], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(ids)
}

/// Rows per statement of [`insert_rows`], largest first (15 parameters a row; SQLite allows
/// 32 766 a statement). An import of people inserts 256 at a time (`service::import`).
const PEOPLE_SIZES: [usize; 5] = [256, 64, 16, 4, 1];

/// Add many people (R1.2) as [`insert`] does, several rows a statement, so that the full-text
/// index of names is flushed once for them instead of once a person; returns their ids in the
/// order given. A taken ID number is an SQL constraint error.
pub fn insert_rows(tx: &Transaction<'_>, people: &[&Person], now: &str) -> Result<Vec<i64>> {
    let mut ids = Vec::with_capacity(people.len());
    let mut rest = people;
    while !rest.is_empty() {
        let n = super::entries::bulk_size(&PEOPLE_SIZES, rest.len());
        let (these, later) = rest.split_at(n.min(rest.len()));
        let sql = super::entries::values_sql(
            "INSERT INTO people (id_number, name, unit, unit_kind, city_code, title, title_level,
                 series, phone, file_location, created_at, updated_at, initials, name_key,
                 unit_key)",
            15,
            these.len(),
            "RETURNING id",
        );
        let mut stmt = tx.prepare_cached(&sql)?;
        for (k, p) in these.iter().enumerate() {
            let first = 1 + 15 * k;
            let values: [&dyn rusqlite::ToSql; 15] = [
                &p.id_number.as_str(),
                &p.name,
                &p.unit,
                &p.unit_kind.code(),
                &p.city_code,
                &p.title,
                &p.title_level.map(TitleLevel::code),
                &p.series,
                &p.phone,
                &p.file_location,
                &now,
                &now,
                &initials(&p.name),
                &search_key(&p.name),
                &search_key(&p.unit),
            ];
            for (i, v) in values.into_iter().enumerate() {
                stmt.raw_bind_parameter(first + i, v)?;
            }
        }
        let mut got = Vec::with_capacity(these.len());
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
