//! The reads behind the reports and roster exports (issue 11). Each one streams its rows to a
//! callback in a fixed order an index gives, so memory does not grow with the database and a
//! screen can page by key; none sums entries: hours come from the yearly totals the services
//! keep (`store::totals`), pending entries from the counts migration 23 keeps of the review
//! queue, and the report's cities and kinds of unit from its counts per city and kind.

use rusqlite::types::Value as Sql;
use rusqlite::{Connection, params_from_iter};

use super::{Result, StoreError};
use crate::domain::UnitKind;

/// A SQLite error as the caller's error.
fn sql<E: From<StoreError>>(e: rusqlite::Error) -> E {
    E::from(StoreError::Sql(e))
}

/// One person of the annual report, with their totals of the report's year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonYear {
    pub person_id: i64,
    /// The person's city or prefecture (R1.4), by GB/T 2260 code.
    pub city_code: String,
    /// R1.3; `None` for a code this version does not know (never written by the program).
    pub unit_kind: Option<UnitKind>,
    pub unit: String,
    pub name: String,
    /// Empty unless the read asked for names ([`Detail::People`]).
    pub id_number: String,
    /// Registered public-subject hours that count in the year (R2.1, R4.3, R5.2), in tenths.
    pub public_tenths: i64,
    /// Registered professional-subject hours that count in the year, in tenths.
    pub professional_tenths: i64,
    /// The person's entries of the year waiting for review (recorded, evidence complete or
    /// sealed: R5.1).
    pub pending: i64,
    /// R5.3 An unlifted falsification finding blocks the person's verification, as `check`
    /// reads it (`people::blocked_sql`).
    pub blocked: bool,
}

/// Which people of the annual report: everyone, or one city, kind of unit, unit.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scope {
    pub city_code: Option<String>,
    pub unit_kind: Option<UnitKind>,
    pub unit: Option<String>,
}

/// Where a page starts: after a group of the report (a city; a city's kind of unit; a unit),
/// or after a person of the drill-down list. Everything is compared in the index's order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum After {
    City(String),
    Kind(String, UnitKind),
    Unit(String, UnitKind, String),
    Person {
        city_code: String,
        unit_kind: UnitKind,
        unit: String,
        name: String,
        person_id: i64,
    },
}

/// Whether a read needs each person's ID number (the drill-down) or not (the figures, which
/// the index then answers alone, without the people table).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detail {
    Figures,
    People,
}

/// Every person of `scope` after `after`, with their totals of `year`, handed to `f` in the
/// order of city, unit kind, unit, name (migration 20's `people_report`) until `f` returns
/// `false`. Per person: one index read, one primary-key search of the totals, one of the
/// entries waiting (migration 23's `pending_by_person`). Returns how many people were handed
/// over.
pub fn each_person_of_year<E: From<StoreError>>(
    conn: &Connection,
    year: i32,
    scope: &Scope,
    after: Option<&After>,
    detail: Detail,
    mut f: impl FnMut(PersonYear) -> std::result::Result<bool, E>,
) -> std::result::Result<u64, E> {
    let mut args: Vec<Sql> = vec![Sql::Integer(year.into())];
    let mut clauses: Vec<String> = Vec::new();
    let arg = |v: Sql, args: &mut Vec<Sql>| {
        args.push(v);
        format!("?{}", args.len())
    };
    if let Some(c) = &scope.city_code {
        let a = arg(Sql::Text(c.clone()), &mut args);
        clauses.push(format!("p.city_code = {a}"));
    }
    if let Some(k) = scope.unit_kind {
        let a = arg(Sql::Text(k.code().into()), &mut args);
        clauses.push(format!("p.unit_kind = {a}"));
    }
    if let Some(u) = &scope.unit {
        let a = arg(Sql::Text(u.clone()), &mut args);
        clauses.push(format!("p.unit = {a}"));
    }
    match after {
        None => {}
        Some(After::City(c)) => {
            let a = arg(Sql::Text(c.clone()), &mut args);
            clauses.push(format!("p.city_code > {a}"));
        }
        Some(After::Kind(c, k)) => {
            let a = arg(Sql::Text(c.clone()), &mut args);
            let b = arg(Sql::Text(k.code().into()), &mut args);
            clauses.push(format!("(p.city_code, p.unit_kind) > ({a}, {b})"));
        }
        Some(After::Unit(c, k, u)) => {
            let a = arg(Sql::Text(c.clone()), &mut args);
            let b = arg(Sql::Text(k.code().into()), &mut args);
            let d = arg(Sql::Text(u.clone()), &mut args);
            clauses.push(format!(
                "(p.city_code, p.unit_kind, p.unit) > ({a}, {b}, {d})"
            ));
        }
        Some(After::Person {
            city_code,
            unit_kind,
            unit,
            name,
            person_id,
        }) => {
            let a = arg(Sql::Text(city_code.clone()), &mut args);
            let b = arg(Sql::Text(unit_kind.code().into()), &mut args);
            let d = arg(Sql::Text(unit.clone()), &mut args);
            let e = arg(Sql::Text(name.clone()), &mut args);
            let g = arg(Sql::Integer(*person_id), &mut args);
            clauses.push(format!(
                "(p.city_code, p.unit_kind, p.unit, p.name, p.id) > ({a}, {b}, {d}, {e}, {g})"
            ));
        }
    }
    let id_number = match detail {
        Detail::Figures => "''",
        Detail::People => "p.id_number",
    };
    let filter = if clauses.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", clauses.join(" AND "))
    };
    let query = person_year_sql(id_number, &filter);
    let mut stmt = conn.prepare_cached(&query).map_err(sql)?;
    let mut rows = stmt.query(params_from_iter(args)).map_err(sql)?;
    let mut handed = 0;
    while let Some(r) = rows.next().map_err(sql)? {
        let p = (|| -> rusqlite::Result<PersonYear> {
            let kind: String = r.get(2)?;
            Ok(PersonYear {
                person_id: r.get(0)?,
                city_code: r.get(1)?,
                unit_kind: UnitKind::parse(&kind),
                unit: r.get(3)?,
                name: r.get(4)?,
                id_number: r.get(5)?,
                public_tenths: r.get(6)?,
                professional_tenths: r.get(7)?,
                pending: r.get(8)?,
                blocked: r.get(9)?,
            })
        })()
        .map_err(sql)?;
        handed += 1;
        if !f(p)? {
            break;
        }
    }
    Ok(handed)
}

/// The annual report's read: `id_number` is the column (or `''`) for the ID number, `filter` a
/// `WHERE` clause or nothing; `?1` is the year.
fn person_year_sql(id_number: &str, filter: &str) -> String {
    let blocked = super::people::blocked_sql("p.id");
    format!(
        "SELECT p.id, p.city_code, p.unit_kind, p.unit, p.name, {id_number},
                coalesce(t.public_tenths, 0), coalesce(t.professional_tenths, 0),
                coalesce((SELECT w.entries FROM pending_by_person w
                          WHERE w.person_id = p.id AND w.year = ?1), 0),
                {blocked}
         FROM people p INDEXED BY people_report
         LEFT JOIN person_year_totals t ON t.person_id = p.id AND t.year = ?1
         {filter}
         ORDER BY p.city_code, p.unit_kind, p.unit, p.name, p.id"
    )
}

/// How many people `scope` holds (for the progress of a report): one count over the index.
pub fn count_people(conn: &Connection, scope: &Scope) -> Result<u64> {
    let mut args: Vec<Sql> = Vec::new();
    let mut clauses = vec!["1 = 1".to_string()];
    if let Some(c) = &scope.city_code {
        args.push(Sql::Text(c.clone()));
        clauses.push(format!("city_code = ?{}", args.len()));
    }
    if let Some(k) = scope.unit_kind {
        args.push(Sql::Text(k.code().into()));
        clauses.push(format!("unit_kind = ?{}", args.len()));
    }
    if let Some(u) = &scope.unit {
        args.push(Sql::Text(u.clone()));
        clauses.push(format!("unit = ?{}", args.len()));
    }
    let count: i64 = conn
        .prepare_cached(&format!(
            "SELECT count(*) FROM people INDEXED BY people_report WHERE {}",
            clauses.join(" AND ")
        ))?
        .query_row(params_from_iter(args), |r| r.get(0))?;
    Ok(count.max(0) as u64)
}

/// The people of a city and kind of unit with the same hours in a year, as migration 23 keeps
/// them (`totals_by_kind`); or, from [`kept_people`], the people of a city and kind (hours
/// unused); or one blocked person (R5.3) with their hours of the year ([`kept_blocked`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeptRow {
    pub city_code: String,
    /// The kind's code as stored (`UnitKind::code`), compared bytewise as the report's index.
    pub unit_kind: String,
    /// Registered public-subject hours that count in the year, in tenths (R2.1).
    pub public_tenths: i64,
    pub professional_tenths: i64,
    /// How many people (or entries waiting, from [`kept_pending`]) the row stands for.
    pub count: i64,
}

/// A city and a kind of unit (each when given) as conditions on a kept table's columns, with
/// their arguments numbered from `first`. Units are not kept: a unit's figures are a pass.
fn kept_filter(
    city_code: Option<&str>,
    unit_kind: Option<UnitKind>,
    first: usize,
) -> (String, Vec<Sql>) {
    let mut clauses = String::new();
    let mut args = Vec::new();
    if let Some(c) = city_code {
        args.push(Sql::Text(c.to_string()));
        clauses.push_str(&format!(" AND city_code = ?{}", first + args.len() - 1));
    }
    if let Some(k) = unit_kind {
        args.push(Sql::Text(k.code().into()));
        clauses.push_str(&format!(" AND unit_kind = ?{}", first + args.len() - 1));
    }
    (clauses, args)
}

fn kept_rows(conn: &Connection, query: &str, args: Vec<Sql>) -> Result<Vec<KeptRow>> {
    let rows = conn
        .prepare_cached(query)?
        .query_map(params_from_iter(args), |r| {
            Ok(KeptRow {
                city_code: r.get(0)?,
                unit_kind: r.get(1)?,
                public_tenths: r.get(2)?,
                professional_tenths: r.get(3)?,
                count: r.get(4)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// The people on record per city and kind of unit of `city_code` and `unit_kind` (each when given) (migration 23's
/// `people_by_kind`), in (city, kind) order; hours are 0.
pub fn kept_people(
    conn: &Connection,
    city_code: Option<&str>,
    unit_kind: Option<UnitKind>,
) -> Result<Vec<KeptRow>> {
    let (filter, args) = kept_filter(city_code, unit_kind, 1);
    kept_rows(
        conn,
        &format!(
            "SELECT city_code, unit_kind, 0, 0, people FROM people_by_kind
             WHERE people > 0{filter} ORDER BY city_code, unit_kind"
        ),
        args,
    )
}

/// The rows of `person_year_totals` of `year` of `city_code` and `unit_kind` (each when given), counted by city, kind of unit and
/// hours (migration 23's `totals_by_kind`), in that order: one row per distinct hours, a few
/// thousand a year at any size. People without a row that year are not here (they count 0).
pub fn kept_totals(
    conn: &Connection,
    year: i32,
    city_code: Option<&str>,
    unit_kind: Option<UnitKind>,
) -> Result<Vec<KeptRow>> {
    let (filter, mut args) = kept_filter(city_code, unit_kind, 2);
    args.insert(0, Sql::Integer(year.into()));
    kept_rows(
        conn,
        &format!(
            "SELECT city_code, unit_kind, public_tenths, professional_tenths, people
             FROM totals_by_kind WHERE year = ?1 AND people > 0{filter}
             ORDER BY city_code, unit_kind, public_tenths, professional_tenths"
        ),
        args,
    )
}

/// R5.1 The entries of `year` waiting for review per city and kind of unit of `city_code` and `unit_kind` (each when given)
/// (migration 23's `pending_by_kind`); hours are 0, `count` is entries.
pub fn kept_pending(
    conn: &Connection,
    year: i32,
    city_code: Option<&str>,
    unit_kind: Option<UnitKind>,
) -> Result<Vec<KeptRow>> {
    let (filter, mut args) = kept_filter(city_code, unit_kind, 2);
    args.insert(0, Sql::Integer(year.into()));
    kept_rows(
        conn,
        &format!(
            "SELECT city_code, unit_kind, 0, 0, entries FROM pending_by_kind
             WHERE year = ?1 AND entries > 0{filter} ORDER BY city_code, unit_kind"
        ),
        args,
    )
}

/// R5.3 Each person of `city_code` and `unit_kind` (each when given) with an unlifted falsification finding (migration 22's
/// `people_blocked`, a few at any size) with their hours of `year` (0 without a row), one row
/// each (`count` 1), in no particular order. The blocked lead the join (`CROSS JOIN`): a
/// planner that would rather read people in order would read all of them.
pub fn kept_blocked(
    conn: &Connection,
    year: i32,
    city_code: Option<&str>,
    unit_kind: Option<UnitKind>,
) -> Result<Vec<KeptRow>> {
    let (filter, mut args) = kept_filter(city_code, unit_kind, 2);
    args.insert(0, Sql::Integer(year.into()));
    let filter = filter
        .replace("city_code", "p.city_code")
        .replace("unit_kind", "p.unit_kind");
    kept_rows(
        conn,
        &format!(
            "SELECT p.city_code, p.unit_kind, coalesce(t.public_tenths, 0),
                    coalesce(t.professional_tenths, 0), 1
             FROM people_blocked b CROSS JOIN people p ON p.id = b.person_id
             LEFT JOIN person_year_totals t ON t.person_id = p.id AND t.year = ?1
             WHERE 1 = 1{filter}"
        ),
        args,
    )
}

/// One verification batch of the register (R6.3), with its applicants counted by decision and
/// by the verdict of its last verification (R6.4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchRow {
    pub id: i64,
    pub department: String,
    /// `competent`, `city`, `agency` or `central` (`domain::batch::DepartmentKind`).
    pub department_kind: String,
    pub created_by: String,
    pub created_at: String,
    /// `open` or `closed`.
    pub state: String,
    pub applicants: i64,
    pub accepted: i64,
    pub returned: i64,
    pub refused: i64,
    pub undecided: i64,
    pub verdict_pass: i64,
    pub verdict_short: i64,
    pub verdict_blocked: i64,
    /// Applicants whose certificate is recorded on the applicant (R7).
    pub certified: i64,
}

/// The batches handled by `office_code` for application year `year`, in the order they were
/// made. An office has tens of batches a year, so they come as a list.
pub fn batches_of(conn: &Connection, office_code: &str, year: i32) -> Result<Vec<BatchRow>> {
    let rows = conn
        .prepare_cached(
            "SELECT b.id, b.department, b.department_kind, b.created_by, b.created_at, b.state,
                    count(a.id),
                    coalesce(sum(a.state = 'accepted'), 0), coalesce(sum(a.state = 'returned'), 0),
                    coalesce(sum(a.state = 'refused'), 0), coalesce(sum(a.state = 'undecided'), 0),
                    coalesce(sum(a.verdict = 'pass'), 0), coalesce(sum(a.verdict = 'short'), 0),
                    coalesce(sum(a.verdict = 'blocked'), 0),
                    coalesce(sum(a.certificate_id IS NOT NULL), 0)
             FROM verification_batches b LEFT JOIN batch_applicants a ON a.batch_id = b.id
             WHERE b.office = ?1 AND b.application_year = ?2
             GROUP BY b.id ORDER BY b.id",
        )?
        .query_map(rusqlite::params![office_code, year], |r| {
            Ok(BatchRow {
                id: r.get(0)?,
                department: r.get(1)?,
                department_kind: r.get(2)?,
                created_by: r.get(3)?,
                created_at: r.get(4)?,
                state: r.get(5)?,
                applicants: r.get(6)?,
                accepted: r.get(7)?,
                returned: r.get(8)?,
                refused: r.get(9)?,
                undecided: r.get(10)?,
                verdict_pass: r.get(11)?,
                verdict_short: r.get(12)?,
                verdict_blocked: r.get(13)?,
                certified: r.get(14)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// One applicant of a batch and what became of them (R6.3, R6.4, R7).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplicantRow {
    pub batch_id: i64,
    pub name: String,
    pub id_number: String,
    /// `pass`, `short`, `blocked`, or `None` before the batch was verified.
    pub verdict: Option<String>,
    /// `undecided`, `accepted`, `returned` or `refused`.
    pub state: String,
    pub reason: String,
    pub decided_by: Option<String>,
    pub decided_at: Option<String>,
    /// The certificate number issued to the applicant, if any.
    pub certificate: Option<String>,
}

/// Every applicant of the batches `batches_of` gives, batch by batch, by name within a batch
/// (`batch_applicants_by_name`), handed to `f`.
pub fn each_applicant<E: From<StoreError>>(
    conn: &Connection,
    office_code: &str,
    year: i32,
    mut f: impl FnMut(ApplicantRow) -> std::result::Result<(), E>,
) -> std::result::Result<(), E> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT a.batch_id, p.name, p.id_number, a.verdict, a.state, a.reason, a.decided_by,
                a.decided_at, c.number
         FROM verification_batches b
         JOIN batch_applicants a ON a.batch_id = b.id
         JOIN people p ON p.id = a.person_id
         LEFT JOIN certificates c ON c.id = a.certificate_id
         WHERE b.office = ?1 AND b.application_year = ?2
         ORDER BY b.id, a.sort_name, a.sort_id_number",
        )
        .map_err(sql)?;
    let mut rows = stmt
        .query(rusqlite::params![office_code, year])
        .map_err(sql)?;
    while let Some(r) = rows.next().map_err(sql)? {
        let row = (|| -> rusqlite::Result<ApplicantRow> {
            Ok(ApplicantRow {
                batch_id: r.get(0)?,
                name: r.get(1)?,
                id_number: r.get(2)?,
                verdict: r.get(3)?,
                state: r.get(4)?,
                reason: r.get(5)?,
                decided_by: r.get(6)?,
                decided_at: r.get(7)?,
                certificate: r.get(8)?,
            })
        })()
        .map_err(sql)?;
        f(row)?;
    }
    Ok(())
}

/// One certificate number of the register (R7.2): who issued it and when, as the table and
/// the audit trail record it, and its void and reissue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateRow {
    pub sequence: i64,
    pub number: String,
    /// The name as issued (R7.4).
    pub name: String,
    pub id_number: String,
    pub period_from: i32,
    pub period_to: i32,
    /// The date printed on the certificate, `yyyy-mm-dd`.
    pub issued_on: String,
    pub issued_by: String,
    pub issued_at: String,
    /// The trail's record of the issue (`certificate.issue` or `certificate.reissue`): id.
    pub issue_record: Option<i64>,
    /// The number this one replaces (a reissue), and the one that replaced it.
    pub replaces: Option<String>,
    pub replaced_by: Option<String>,
    pub voided_by: Option<String>,
    pub voided_at: Option<String>,
    pub void_reason: Option<String>,
    /// The trail's last record of the void: id.
    pub void_record: Option<i64>,
}

/// Every certificate `office` (its short name, as numbers carry it) issued in `year`, in number
/// order (the `UNIQUE (office, year, sequence)` index), handed to `f`.
pub fn each_certificate<E: From<StoreError>>(
    conn: &Connection,
    office: &str,
    year: i32,
    mut f: impl FnMut(CertificateRow) -> std::result::Result<(), E>,
) -> std::result::Result<(), E> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT c.sequence, c.number, c.name, p.id_number, c.period_from, c.period_to,
                c.issued_on, c.issued_by, c.issued_at,
                (SELECT max(x.id) FROM audit x WHERE x.subject = 'certificate:' || c.number
                   AND x.action IN ('certificate.issue', 'certificate.reissue')),
                (SELECT o.number FROM certificates o WHERE o.id = c.replaces),
                (SELECT n.number FROM certificates n WHERE n.replaces = c.id ORDER BY n.id LIMIT 1),
                c.voided_by, c.voided_at, c.void_reason,
                (SELECT max(x.id) FROM audit x WHERE x.subject = 'certificate:' || c.number
                   AND x.action = 'certificate.void')
         FROM certificates c JOIN people p ON p.id = c.person_id
         WHERE c.office = ?1 AND c.year = ?2
         ORDER BY c.sequence",
        )
        .map_err(sql)?;
    let mut rows = stmt.query(rusqlite::params![office, year]).map_err(sql)?;
    while let Some(r) = rows.next().map_err(sql)? {
        let row = (|| -> rusqlite::Result<CertificateRow> {
            Ok(CertificateRow {
                sequence: r.get(0)?,
                number: r.get(1)?,
                name: r.get(2)?,
                id_number: r.get(3)?,
                period_from: r.get(4)?,
                period_to: r.get(5)?,
                issued_on: r.get(6)?,
                issued_by: r.get(7)?,
                issued_at: r.get(8)?,
                issue_record: r.get(9)?,
                replaces: r.get(10)?,
                replaced_by: r.get(11)?,
                voided_by: r.get(12)?,
                voided_at: r.get(13)?,
                void_reason: r.get(14)?,
                void_record: r.get(15)?,
            })
        })()
        .map_err(sql)?;
        f(row)?;
    }
    Ok(())
}

/// R7.2 The last number `office` used in `year`, as its counter says; `None` when it issued
/// none.
pub fn counter(conn: &Connection, office: &str, year: i32) -> Result<Option<i64>> {
    use rusqlite::OptionalExtension;
    Ok(conn
        .prepare_cached("SELECT last FROM certificate_counters WHERE office = ?1 AND year = ?2")?
        .query_row(rusqlite::params![office, year], |r| r.get(0))
        .optional()?)
}

/// One person as the people roster has them (docs/INTERFACES.md "people"), codes as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonRow {
    pub id_number: String,
    pub name: String,
    pub unit: String,
    pub unit_kind: String,
    pub city_code: String,
    pub title: String,
    pub title_level: Option<String>,
    pub series: String,
    pub phone: String,
    pub file_location: String,
    pub note: Option<String>,
}

/// Every person (of `city_code`, if given) in the People list's order, name then ID number
/// (`people_order`, `people_city_order`), handed to `f`.
pub fn each_person<E: From<StoreError>>(
    conn: &Connection,
    city_code: Option<&str>,
    mut f: impl FnMut(PersonRow) -> std::result::Result<(), E>,
) -> std::result::Result<(), E> {
    let (filter, args): (&str, Vec<Sql>) = match city_code {
        Some(c) => ("WHERE p.city_code = ?1", vec![Sql::Text(c.to_string())]),
        None => ("", Vec::new()),
    };
    let mut stmt = conn
        .prepare_cached(&format!(
            "SELECT p.id_number, p.name, p.unit, p.unit_kind, p.city_code, p.title, p.title_level,
                p.series, p.phone, p.file_location, n.note
         FROM people p LEFT JOIN notes n ON n.subject = 'person:' || p.id_number
         {filter}
         ORDER BY p.name, p.id_number"
        ))
        .map_err(sql)?;
    let mut rows = stmt.query(params_from_iter(args)).map_err(sql)?;
    while let Some(r) = rows.next().map_err(sql)? {
        let row = (|| -> rusqlite::Result<PersonRow> {
            Ok(PersonRow {
                id_number: r.get(0)?,
                name: r.get(1)?,
                unit: r.get(2)?,
                unit_kind: r.get(3)?,
                city_code: r.get(4)?,
                title: r.get(5)?,
                title_level: r.get(6)?,
                series: r.get(7)?,
                phone: r.get(8)?,
                file_location: r.get(9)?,
                note: r.get(10)?,
            })
        })()
        .map_err(sql)?;
        f(row)?;
    }
    Ok(())
}

/// One training entry as the entries roster has it, codes as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryRow {
    pub id_number: String,
    pub name: String,
    pub year: i32,
    pub category: String,
    pub form: String,
    pub content: String,
    pub provider: String,
    pub start_date: String,
    pub end_date: String,
    pub hours_tenths: i64,
    pub result: String,
    pub filing_no: Option<String>,
    /// The codes of the evidence received (R3), in no particular order.
    pub evidence: Vec<String>,
    pub note: Option<String>,
}

/// How many entries [`each_entry`] gives for these filters (to size a progress bar).
pub fn count_entries(conn: &Connection, city_code: Option<&str>, year: Option<i32>) -> Result<u64> {
    let mut args: Vec<Sql> = Vec::new();
    let mut clauses = vec!["1 = 1".to_string()];
    if let Some(c) = city_code {
        args.push(Sql::Text(c.to_string()));
        clauses.push(format!("p.city_code = ?{}", args.len()));
    }
    if let Some(y) = year {
        args.push(Sql::Integer(y.into()));
        clauses.push(format!("e.year = ?{}", args.len()));
    }
    let n: i64 = conn
        .prepare_cached(&format!(
            "SELECT count(*) FROM people p JOIN entries e ON e.person_id = p.id WHERE {}",
            clauses.join(" AND ")
        ))?
        .query_row(params_from_iter(args), |r| r.get(0))?;
    Ok(n.max(0) as u64)
}

/// The entries export's read, for a `WHERE` condition on `p` and `e`.
fn entries_sql(condition: &str) -> String {
    format!(
        "SELECT p.id_number, p.name, e.year, e.category, e.form, e.content, e.provider,
                e.start_date, e.end_date, e.hours_tenths, e.result, f.filing_no,
                (SELECT group_concat(code, ';' ORDER BY id) FROM (
                     SELECT c.id, c.code FROM evidence_sets s CROSS JOIN evidence_codes c
                         ON c.id BETWEEN 1 AND 62 AND s.codes & (1 << c.id) <> 0
                     WHERE s.entry_id = e.id
                     UNION ALL
                     SELECT c.id, c.code FROM evidence_pieces r
                         JOIN evidence_codes c ON c.id = r.code_id
                     WHERE r.entry_id = e.id)),
                n.note
         FROM people p
         CROSS JOIN entries e ON e.person_id = p.id
         LEFT JOIN filings f ON f.id = e.filing_id
         LEFT JOIN notes n ON n.subject = 'entry:' || e.id
         WHERE {condition}
         ORDER BY p.name, p.id_number, e.year, e.start_date, e.end_date, e.category, e.form,
                  e.content, e.provider, e.hours_tenths, e.id"
    )
}

/// Every entry (of people of `city_code`, of `year`, when given), person by person in the
/// People list's order and, within a person, by year, dates and the rest of the entry's key, so
/// two databases holding the same records give the same rows in the same order. Handed to `f`.
/// People lead the join (`CROSS JOIN`): SQLite then reads them in order through `people_order`
/// or `people_city_order` and sorts only each person's few entries, never all of them.
pub fn each_entry<E: From<StoreError>>(
    conn: &Connection,
    city_code: Option<&str>,
    year: Option<i32>,
    mut f: impl FnMut(EntryRow) -> std::result::Result<(), E>,
) -> std::result::Result<(), E> {
    let mut args: Vec<Sql> = Vec::new();
    let mut clauses = vec!["1 = 1".to_string()];
    if let Some(c) = city_code {
        args.push(Sql::Text(c.to_string()));
        clauses.push(format!("p.city_code = ?{}", args.len()));
    }
    if let Some(y) = year {
        args.push(Sql::Integer(y.into()));
        clauses.push(format!("e.year = ?{}", args.len()));
    }
    let mut stmt = conn
        .prepare_cached(&entries_sql(&clauses.join(" AND ")))
        .map_err(sql)?;
    let mut rows = stmt.query(params_from_iter(args)).map_err(sql)?;
    while let Some(r) = rows.next().map_err(sql)? {
        let row = (|| -> rusqlite::Result<EntryRow> {
            let evidence: Option<String> = r.get(12)?;
            Ok(EntryRow {
                id_number: r.get(0)?,
                name: r.get(1)?,
                year: r.get(2)?,
                category: r.get(3)?,
                form: r.get(4)?,
                content: r.get(5)?,
                provider: r.get(6)?,
                start_date: r.get(7)?,
                end_date: r.get(8)?,
                hours_tenths: r.get(9)?,
                result: r.get(10)?,
                filing_no: r.get(11)?,
                evidence: evidence
                    .map(|s| s.split(';').map(str::to_string).collect())
                    .unwrap_or_default(),
                note: r.get(13)?,
            })
        })()
        .map_err(sql)?;
        f(row)?;
    }
    Ok(())
}

#[cfg(test)]
pub(crate) mod tests {
    use crate::store::Store;

    fn plan(store: &Store, sql: &str) -> String {
        let mut stmt = store
            .conn()
            .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
            .unwrap();
        let rows = stmt
            .query_map([], |r| r.get::<_, String>(3))
            .unwrap()
            .collect::<rusqlite::Result<Vec<_>>>()
            .unwrap();
        rows.join("\n")
    }

    /// What migration 23 keeps, asserted equal to what the tables it is kept from give: rows
    /// of (year or 0, city or person, kind, public, professional, count) for people, totals and
    /// pending. Returns how many rows are kept.
    pub(crate) fn assert_kept_as_the_tables_give(c: &rusqlite::Connection, when: &str) -> usize {
        type Row = (i64, String, String, i64, i64, i64);
        let rows = |sql: &str| -> Vec<Row> {
            c.prepare(sql)
                .unwrap()
                .query_map([], |r| {
                    Ok((
                        r.get(0)?,
                        r.get(1)?,
                        r.get(2)?,
                        r.get(3)?,
                        r.get(4)?,
                        r.get(5)?,
                    ))
                })
                .unwrap()
                .collect::<rusqlite::Result<_>>()
                .unwrap()
        };
        let mut n = 0;
        for (kept, truth, what) in [
            (
                "SELECT 0, city_code, unit_kind, 0, 0, people FROM people_by_kind ORDER BY 2, 3",
                "SELECT 0, city_code, unit_kind, 0, 0, count(*) FROM people GROUP BY 2, 3
                 ORDER BY 2, 3",
                "people_by_kind",
            ),
            (
                "SELECT * FROM totals_by_kind ORDER BY 1, 2, 3, 4, 5",
                "SELECT t.year, p.city_code, p.unit_kind, t.public_tenths, t.professional_tenths,
                        count(*)
                 FROM person_year_totals t JOIN people p ON p.id = t.person_id
                 GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5",
                "totals_by_kind",
            ),
            (
                "SELECT year, CAST(person_id AS TEXT), '', 0, 0, entries FROM pending_by_person
                 ORDER BY 1, person_id",
                "SELECT e.year, CAST(q.person_id AS TEXT), '', 0, 0, count(*)
                 FROM review_queue q JOIN entries e ON e.id = q.entry_id
                 GROUP BY e.year, q.person_id ORDER BY 1, q.person_id",
                "pending_by_person",
            ),
            (
                "SELECT year, city_code, unit_kind, 0, 0, entries FROM pending_by_kind
                 ORDER BY 1, 2, 3",
                "SELECT e.year, p.city_code, p.unit_kind, 0, 0, count(*)
                 FROM review_queue q JOIN entries e ON e.id = q.entry_id
                 JOIN people p ON p.id = q.person_id GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
                "pending_by_kind",
            ),
        ] {
            let (kept, truth) = (rows(kept), rows(truth));
            assert_eq!(kept, truth, "{when}: {what}");
            n += kept.len();
        }
        n
    }

    /// Issue 10/11: migration 23's tables hold what the people, totals and review queue give,
    /// after the demo (written through the triggers); and a file stepped back below the
    /// migration (its tables and triggers gone, or its tables emptied) is refilled by it.
    #[test]
    fn migration_23_keeps_and_refills_the_reports_figures() {
        let mut store = Store::open_in_memory().unwrap();
        crate::service::demo::generate(&mut store, &crate::service::fixtures::actor("demo"), 80, 5)
            .unwrap();
        let n = assert_kept_as_the_tables_give(store.conn(), "demo");
        for table in [
            "people_by_kind",
            "totals_by_kind",
            "pending_by_kind",
            "pending_by_person",
        ] {
            let rows: i64 = store
                .conn()
                .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
                .unwrap();
            assert!(rows > 0, "the demo gives {table} rows to keep");
        }
        store
            .conn()
            .execute_batch(
                "DROP TABLE totals_by_kind; DROP TRIGGER totals_by_kind_insert;
                 DROP TRIGGER report_kept_moved; DELETE FROM people_by_kind;
                 UPDATE pending_by_kind SET entries = entries + 5;
                 DROP TRIGGER pending_kept_update; DELETE FROM pending_by_person;
                 PRAGMA user_version = 22;",
            )
            .unwrap();
        crate::store::tests::step_back_below_24(store.conn());
        store
            .migrate_to(super::super::schema::MIGRATIONS.len())
            .unwrap();
        assert_eq!(
            assert_kept_as_the_tables_give(store.conn(), "migrated again"),
            n
        );
    }

    /// Issue 10/11: the report's cities and kinds of unit read only the kept tables, each by
    /// its key's year (a range of a few thousand rows), never the people or their totals
    /// (the blocked few are read through `people_blocked`).
    #[test]
    fn the_kept_reads_are_lookups_not_passes_over_people() {
        let store = Store::open_in_memory().unwrap();
        for (sql, table) in [
            (
                "SELECT city_code, unit_kind, public_tenths, professional_tenths, people
                 FROM totals_by_kind WHERE year = 2016 AND people > 0 AND city_code = 'x'
                 ORDER BY city_code, unit_kind, public_tenths, professional_tenths",
                "totals_by_kind USING PRIMARY KEY (year=? AND city_code=?)",
            ),
            (
                "SELECT city_code, unit_kind, 0, 0, entries FROM pending_by_kind
                 WHERE year = 2016 AND entries > 0 ORDER BY city_code, unit_kind",
                "pending_by_kind USING PRIMARY KEY (year=?)",
            ),
        ] {
            let p = plan(&store, sql);
            assert!(p.contains(table), "{p}");
            assert!(!p.contains("TEMP B-TREE"), "{p}");
            assert!(!p.contains("people"), "{p}");
        }
        let p = plan(
            &store,
            "SELECT p.city_code, p.unit_kind, coalesce(t.public_tenths, 0),
                    coalesce(t.professional_tenths, 0), 1
             FROM people_blocked b CROSS JOIN people p ON p.id = b.person_id
             LEFT JOIN person_year_totals t ON t.person_id = p.id AND t.year = 2016
             WHERE 1 = 1 AND p.city_code = 'x'",
        );
        assert!(p.contains("SCAN b"), "the blocked lead: {p}");
        assert!(p.contains("SEARCH p USING INTEGER PRIMARY KEY"), "{p}");
    }

    /// Issue 11: the entries export sorts one person's entries at a time, whatever the filters:
    /// memory stays bounded at millions of entries.
    #[test]
    fn the_entries_export_never_sorts_every_entry() {
        let store = Store::open_in_memory().unwrap();
        for filter in ["1 = 1", "p.city_code = '430100'", "e.year = 2016"] {
            let p = plan(&store, &super::entries_sql(filter));
            // A sort of the last terms only (per person), never of every row.
            assert!(!p.contains("TEMP B-TREE FOR ORDER BY"), "{filter}: {p}");
            let first = p.lines().next().unwrap_or_default();
            assert!(first.contains(" p USING "), "people lead: {p}");
            assert!(p.contains("entries_person_year"), "{filter}: {p}");
            // R3 An entry's codes (migration 24): its sets and pieces by their key.
            assert!(p.contains("SEARCH s USING PRIMARY KEY (entry_id=?)"), "{p}");
            assert!(p.contains("SEARCH r USING PRIMARY KEY (entry_id=?)"), "{p}");
            assert!(!p.contains("SCAN s") && !p.contains("SCAN r"), "{p}");
        }
    }

    /// Issue 11: the report reads people in its order through migration 20's index, without
    /// sorting them, also from a key in the middle (a screen's next page).
    #[test]
    fn the_report_streams_people_in_index_order_without_a_sort() {
        let store = Store::open_in_memory().unwrap();
        for filter in [
            "",
            "WHERE p.city_code = '430100'",
            "WHERE (p.city_code, p.unit_kind, p.unit) > ('430100', 'city', 'x')",
            "WHERE (p.city_code, p.unit_kind, p.unit, p.name, p.id) > ('430100', 'city', 'x', 'y', 3)",
        ] {
            let p = plan(
                &store,
                &super::person_year_sql("''", filter).replace("?1", "2017"),
            );
            assert!(p.contains("people_report"), "{filter}: {p}");
            assert!(!p.contains("TEMP B-TREE"), "{filter}: {p}");
            // R5.3 A person's finding is a search of the partial index, never a scan.
            assert!(p.contains("findings_person"), "{filter}: {p}");
        }
    }
}
