//! Verification batches (R6.2, R6.3), their applicants, the applicants' last verification
//! (R6.4), their triage state, and the certificates issued to them. The triage decisions are in
//! the one decision log (`store::decisions`).

use rusqlite::{
    Connection, OptionalExtension, Row, Transaction, params, params_from_iter, types::Value,
};

use super::Result;
use super::search::{Seek, slice};
use super::totals::YearTotals;
use crate::domain::batch::{ApplicantState, DepartmentKind, Verdict};
use crate::domain::{Hours, IdNumber, Person, TitleLevel, UnitKind};

/// A batch as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Batch {
    pub id: i64,
    pub department: String,
    pub kind: DepartmentKind,
    pub application_year: i32,
    /// The handling office's GB/T 2260 code.
    pub office: String,
    pub created_by: String,
    pub created_at: String,
    pub override_reason: String,
    pub window_override_reason: String,
    pub state: String,
}

/// How a batch's applicants stand.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub applicants: usize,
    pub pass: usize,
    pub short: usize,
    pub blocked: usize,
    pub unverified: usize,
    pub undecided: usize,
    pub accepted: usize,
    pub returned: usize,
    pub refused: usize,
    pub issued: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    pub batch: Batch,
    pub counts: Counts,
}

/// A certificate linked to an applicant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Linked {
    pub id: i64,
    pub number: String,
    pub prints: i64,
    pub voided: bool,
}

/// An applicant of a batch, with the person as recorded now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applicant {
    pub id: i64,
    pub batch_id: i64,
    pub person_id: i64,
    pub person: Person,
    pub state: ApplicantState,
    pub verdict: Option<Verdict>,
    pub reason: String,
    pub shortfall: String,
    pub decided_by: Option<String>,
    pub decided_at: Option<String>,
    pub verified_at: Option<String>,
    pub certificate: Option<Linked>,
}

/// Which applicants a list shows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Filter {
    #[default]
    All,
    State(ApplicantState),
    Verdict(Verdict),
    Unverified,
    Issued,
}

/// The order of a list of applicants.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Sort {
    #[default]
    Name,
    /// Blocked, short, unverified, then passing: what needs attention first.
    Verdict,
    /// Undecided first, then accepted, returned, refused.
    State,
}

impl Sort {
    pub fn next(self) -> Sort {
        match self {
            Sort::Name => Sort::Verdict,
            Sort::Verdict => Sort::State,
            Sort::State => Sort::Name,
        }
    }

    /// The columns of the order, as `batch_applicants` holds them (migration 13): each order
    /// has an index on `batch_id` and these, so a page is read by key, not sorted whole.
    fn columns(self) -> &'static str {
        match self {
            Sort::Name => "a.sort_name, a.sort_id_number",
            Sort::Verdict => "a.verdict_rank, a.sort_name, a.sort_id_number",
            Sort::State => "a.state_rank, a.sort_name, a.sort_id_number",
        }
    }
}

/// Where an applicant stands in each order of the list: the rank of its verdict and of its
/// state (as `batch_applicants.verdict_rank` and `state_rank` compute them), then the person's
/// name and ID number, which together are unique within a batch. A [`Sort`] uses the parts it
/// orders by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplicantKey {
    pub verdict_rank: i64,
    pub state_rank: i64,
    pub name: String,
    pub id_number: String,
}

impl Applicant {
    /// Where this applicant stands in the list's orders (keyset paging, [`applicants_page`]).
    pub fn key(&self) -> ApplicantKey {
        ApplicantKey {
            // Blocked, short, unverified, then passing: as the verdict order puts them.
            verdict_rank: match self.verdict {
                Some(Verdict::Blocked) => 0,
                Some(Verdict::Short) => 1,
                None => 2,
                Some(Verdict::Pass) => 3,
            },
            state_rank: match self.state {
                ApplicantState::Undecided => 0,
                ApplicantState::Accepted => 1,
                ApplicantState::Returned => 2,
                ApplicantState::Refused => 3,
            },
            name: self.person.name.clone(),
            id_number: self.person.id_number.as_str().to_string(),
        }
    }
}

fn conversion(what: &str, v: &str) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(
        0,
        rusqlite::types::Type::Text,
        format!("{what} {v}").into(),
    )
}

const BATCH_COLUMNS: &str = "b.id, b.department, b.department_kind, b.application_year, b.office,
    b.created_by, b.created_at, b.override_reason, b.window_override_reason, b.state";

fn batch_from_row(r: &Row<'_>) -> rusqlite::Result<Batch> {
    let kind: String = r.get(2)?;
    Ok(Batch {
        id: r.get(0)?,
        department: r.get(1)?,
        kind: DepartmentKind::parse(&kind).ok_or_else(|| conversion("department_kind", &kind))?,
        application_year: r.get(3)?,
        office: r.get(4)?,
        created_by: r.get(5)?,
        created_at: r.get(6)?,
        override_reason: r.get(7)?,
        window_override_reason: r.get(8)?,
        state: r.get(9)?,
    })
}

/// What a new batch is; the reasons are empty when no override was needed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewBatch {
    pub department: String,
    pub kind: DepartmentKind,
    pub application_year: i32,
    pub office: String,
    pub override_reason: String,
    pub window_override_reason: String,
}

pub fn insert(tx: &Transaction<'_>, b: &NewBatch, by: &str, at: &str) -> Result<i64> {
    tx.prepare_cached(
        "INSERT INTO verification_batches (department, department_kind, application_year, office,
             created_by, created_at, override_reason, window_override_reason)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(params![
        b.department,
        b.kind.code(),
        b.application_year,
        b.office,
        by,
        at,
        b.override_reason,
        b.window_override_reason
    ])?;
    Ok(tx.last_insert_rowid())
}

pub fn get(conn: &Connection, id: i64) -> Result<Option<Batch>> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {BATCH_COLUMNS} FROM verification_batches b WHERE b.id = ?1"
        ))?
        .query_row([id], batch_from_row)
        .optional()?)
}

/// R6.3 How many batches this department already has for this application year.
pub fn count_same(conn: &Connection, department: &str, year: i32) -> Result<usize> {
    let n: i64 = conn
        .prepare_cached(
            "SELECT count(*) FROM verification_batches WHERE application_year = ?1 AND department = ?2",
        )?
        .query_row(params![year, department], |r| r.get(0))?;
    Ok(n as usize)
}

/// The latest batch of this department, year and office.
pub fn find(conn: &Connection, department: &str, year: i32, office: &str) -> Result<Option<Batch>> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {BATCH_COLUMNS} FROM verification_batches b
             WHERE b.application_year = ?1 AND b.department = ?2 AND b.office = ?3
             ORDER BY b.id DESC LIMIT 1"
        ))?
        .query_row(params![year, department, office], batch_from_row)
        .optional()?)
}

/// The counts of a batch as `batch_counts` keeps them (migration 21), in [`Counts`]' order.
const KEPT_COUNTS: &str = "c.applicants, c.pass, c.short, c.blocked, c.unverified, c.undecided,
    c.accepted, c.returned, c.refused, c.issued";

fn counts_from_row(r: &Row<'_>, at: usize) -> rusqlite::Result<Counts> {
    let n = |i: usize| -> rusqlite::Result<usize> { Ok(r.get::<_, i64>(at + i)? as usize) };
    Ok(Counts {
        applicants: n(0)?,
        pass: n(1)?,
        short: n(2)?,
        blocked: n(3)?,
        unverified: n(4)?,
        undecided: n(5)?,
        accepted: n(6)?,
        returned: n(7)?,
        refused: n(8)?,
        issued: n(9)?,
    })
}

/// Where a batch stands in the list (R6.3): the newest application year first, then the
/// newest batch. Unique, so the order is total.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchKey {
    pub application_year: i32,
    pub id: i64,
}

impl Summary {
    /// Where this batch stands in the list ([`page`]).
    pub fn key(&self) -> BatchKey {
        BatchKey {
            application_year: self.batch.application_year,
            id: self.batch.id,
        }
    }
}

/// At most `limit` batches with their counts, in the list's order (the newest application year
/// first, then the newest batch), from where `seek` says. Read by key through
/// `verification_batches_order`, the counts from `batch_counts` (kept by triggers, migration
/// 18): a page reads its own rows and no applicant, however many batches and applicants there
/// are.
pub fn page(conn: &Connection, seek: &Seek<BatchKey>, limit: usize) -> Result<Vec<Summary>> {
    let (sql, args) = batches_page_sql(seek, limit);
    let mut stmt = conn.prepare_cached(&sql)?;
    let mut rows = stmt
        .query_map(params_from_iter(args), |r| {
            Ok(Summary {
                batch: batch_from_row(r)?,
                counts: counts_from_row(r, 10)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    if seek.backwards() {
        rows.reverse();
    }
    Ok(rows)
}

/// The statement of [`page`] with its arguments.
fn batches_page_sql(seek: &Seek<BatchKey>, limit: usize) -> (String, Vec<Value>) {
    // The list runs down the index backwards: "after" in the list is "less than" in the index.
    let (bound, key) = match seek {
        Seek::First | Seek::Last => ("", None),
        Seek::From(k) => (" WHERE (b.application_year, b.id) <= (?2, ?3)", Some(k)),
        Seek::After(k) => (" WHERE (b.application_year, b.id) < (?2, ?3)", Some(k)),
        Seek::Before(k) => (" WHERE (b.application_year, b.id) > (?2, ?3)", Some(k)),
    };
    let order = if seek.backwards() {
        "b.application_year, b.id"
    } else {
        "b.application_year DESC, b.id DESC"
    };
    let mut args = vec![Value::Integer(limit as i64)];
    if let Some(k) = key {
        args.push(Value::Integer(k.application_year.into()));
        args.push(Value::Integer(k.id));
    }
    let sql = format!(
        "SELECT {BATCH_COLUMNS}, {KEPT_COUNTS}
         FROM verification_batches b CROSS JOIN batch_counts c ON c.batch_id = b.id{bound}
         ORDER BY {order} LIMIT ?1"
    );
    (sql, args)
}

/// Batches `offset..offset + limit` of the list, reached page by page through [`page`] (for
/// tests and scripts; the screen pages by key).
pub fn list(conn: &Connection, offset: usize, limit: usize) -> Result<Vec<Summary>> {
    slice(offset, limit, |seek, n| page(conn, seek, n), Summary::key)
}

/// How many batches there are (a bureau makes a few a year).
pub fn count(conn: &Connection) -> Result<usize> {
    let n: i64 = conn.query_row("SELECT count(*) FROM verification_batches", [], |r| {
        r.get(0)
    })?;
    Ok(n as usize)
}

/// How a batch's applicants stand, as `batch_counts` keeps them (a batch that does not exist
/// counts nothing).
pub fn counts(conn: &Connection, batch_id: i64) -> Result<Counts> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {KEPT_COUNTS} FROM batch_counts c WHERE c.batch_id = ?1"
        ))?
        .query_row([batch_id], |r| counts_from_row(r, 0))
        .optional()?
        .unwrap_or_default())
}

/// Add a person to a batch; false when already in it.
pub fn add(
    tx: &Transaction<'_>,
    batch_id: i64,
    person_id: i64,
    by: &str,
    at: &str,
) -> Result<bool> {
    let n = tx
        .prepare_cached(
            "INSERT OR IGNORE INTO batch_applicants (batch_id, person_id, added_by, added_at)
             VALUES (?1, ?2, ?3, ?4)",
        )?
        .execute(params![batch_id, person_id, by, at])?;
    Ok(n > 0)
}

const APPLICANT_COLUMNS: &str = "a.id, a.batch_id, a.person_id, a.state, a.verdict, a.reason,
    a.shortfall, a.decided_by, a.decided_at, a.verified_at,
    c.id, c.number, (SELECT count(*) FROM certificate_prints x WHERE x.certificate_id = c.id),
    c.voided_at IS NOT NULL,
    p.id_number, p.name, p.unit, p.unit_kind, p.city_code, p.title, p.title_level, p.series,
    p.phone, p.file_location";

const APPLICANT_FROM: &str = "batch_applicants a JOIN people p ON p.id = a.person_id
    LEFT JOIN certificates c ON c.id = a.certificate_id";

fn applicant_from_row(r: &Row<'_>) -> rusqlite::Result<Applicant> {
    let state: String = r.get(3)?;
    let verdict: Option<String> = r.get(4)?;
    let cert: Option<i64> = r.get(10)?;
    let id_number: String = r.get(14)?;
    let kind: String = r.get(17)?;
    let level: Option<String> = r.get(20)?;
    Ok(Applicant {
        id: r.get(0)?,
        batch_id: r.get(1)?,
        person_id: r.get(2)?,
        state: ApplicantState::parse(&state).ok_or_else(|| conversion("state", &state))?,
        verdict: verdict.as_deref().and_then(Verdict::parse),
        reason: r.get(5)?,
        shortfall: r.get(6)?,
        decided_by: r.get(7)?,
        decided_at: r.get(8)?,
        verified_at: r.get(9)?,
        certificate: match cert {
            Some(id) => Some(Linked {
                id,
                number: r.get(11)?,
                prints: r.get(12)?,
                voided: r.get(13)?,
            }),
            None => None,
        },
        person: Person {
            id_number: IdNumber::parse(&id_number)
                .map_err(|_| conversion("id_number", &id_number))?,
            name: r.get(15)?,
            unit: r.get(16)?,
            unit_kind: UnitKind::parse(&kind).ok_or_else(|| conversion("unit_kind", &kind))?,
            city_code: r.get(18)?,
            title: r.get(19)?,
            title_level: level.as_deref().and_then(TitleLevel::parse),
            series: r.get(21)?,
            phone: r.get(22)?,
            file_location: r.get(23)?,
        },
    })
}

pub fn applicant(conn: &Connection, id: i64) -> Result<Option<Applicant>> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {APPLICANT_COLUMNS} FROM {APPLICANT_FROM} WHERE a.id = ?1"
        ))?
        .query_row([id], applicant_from_row)
        .optional()?)
}

fn filter_clause(f: Filter, args: &mut Vec<Value>) -> String {
    match f {
        Filter::All => "1 = 1".into(),
        Filter::State(s) => {
            args.push(Value::Text(s.code().into()));
            format!("a.state = ?{}", args.len())
        }
        Filter::Verdict(v) => {
            args.push(Value::Text(v.code().into()));
            format!("a.verdict = ?{}", args.len())
        }
        Filter::Unverified => "a.verdict IS NULL".into(),
        Filter::Issued => "a.certificate_id IS NOT NULL".into(),
    }
}

/// Of the applicants `ids`, those of batch `batch_id` that `filter` shows: read at a refresh,
/// so an applicant another clerk's decision moved out of the filter loses their mark, and a
/// decision on the marks never acts on an applicant the list does not show (R6.4).
pub fn still_listed(
    conn: &Connection,
    batch_id: i64,
    filter: Filter,
    ids: &[i64],
) -> Result<Vec<i64>> {
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(400) {
        let mut args = vec![Value::Integer(batch_id)];
        let clause = filter_clause(filter, &mut args);
        let first = args.len() + 1;
        let marks = super::numbered_params(first, chunk.len());
        args.extend(chunk.iter().map(|&id| Value::Integer(id)));
        let sql = format!(
            "SELECT a.id FROM batch_applicants a
             WHERE a.batch_id = ?1 AND {clause} AND a.id IN ({marks}) ORDER BY a.id"
        );
        let rows = conn
            .prepare(&sql)?
            .query_map(params_from_iter(args), |r| r.get(0))?
            .collect::<rusqlite::Result<Vec<i64>>>()?;
        out.extend(rows);
    }
    Ok(out)
}

/// One page of at most `limit` of a batch's applicants matching `filter`, in the order of
/// `sort`, starting where `seek` says. Read by key through the order's index (migration 13):
/// the page after a key costs the same at the 10th applicant as at the 10 000th.
pub fn applicants_page(
    conn: &Connection,
    batch_id: i64,
    filter: Filter,
    sort: Sort,
    seek: &Seek<ApplicantKey>,
    limit: usize,
) -> Result<Vec<Applicant>> {
    let (sql, args) = page_sql(batch_id, filter, sort, seek, limit);
    let mut rows = conn
        .prepare_cached(&sql)?
        .query_map(params_from_iter(args), applicant_from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    if seek.backwards() {
        rows.reverse();
    }
    Ok(rows)
}

/// The statement of [`applicants_page`] and its arguments.
fn page_sql(
    batch_id: i64,
    filter: Filter,
    sort: Sort,
    seek: &Seek<ApplicantKey>,
    limit: usize,
) -> (String, Vec<Value>) {
    let mut args = vec![Value::Integer(batch_id)];
    let w = filter_clause(filter, &mut args);
    let columns = sort.columns();
    let mut key = |k: &ApplicantKey, op: &str| {
        let first = args.len() + 1;
        match sort {
            Sort::Name => {}
            Sort::Verdict => args.push(Value::Integer(k.verdict_rank)),
            Sort::State => args.push(Value::Integer(k.state_rank)),
        }
        args.push(Value::Text(k.name.clone()));
        args.push(Value::Text(k.id_number.clone()));
        let marks: Vec<String> = (first..=args.len()).map(|n| format!("?{n}")).collect();
        format!(" AND ({columns}) {op} ({})", marks.join(", "))
    };
    let bound = match seek {
        Seek::First | Seek::Last => String::new(),
        Seek::From(k) => key(k, ">="),
        Seek::After(k) => key(k, ">"),
        Seek::Before(k) => key(k, "<"),
    };
    let order = if seek.backwards() {
        columns.replace(',', " DESC,") + " DESC"
    } else {
        columns.to_string()
    };
    args.push(Value::Integer(limit.min(i64::MAX as usize) as i64));
    // CROSS JOIN keeps the applicants outside, so the rows come in the index's order and the
    // read stops when the page is full.
    let sql = format!(
        "SELECT {APPLICANT_COLUMNS} FROM batch_applicants a CROSS JOIN people p ON p.id = a.person_id
         LEFT JOIN certificates c ON c.id = a.certificate_id
         WHERE a.batch_id = ?1 AND {w}{bound} ORDER BY {order} LIMIT ?{}",
        args.len()
    );
    (sql, args)
}

/// Applicants `offset..offset + limit` of the list, reached page by page through
/// [`applicants_page`] (for tests and callers that want a slice; the screen pages by key).
pub fn applicants(
    conn: &Connection,
    batch_id: i64,
    filter: Filter,
    sort: Sort,
    offset: usize,
    limit: usize,
) -> Result<Vec<Applicant>> {
    slice(
        offset,
        limit,
        |seek, n| applicants_page(conn, batch_id, filter, sort, seek, n),
        Applicant::key,
    )
}

pub fn count_applicants(conn: &Connection, batch_id: i64, filter: Filter) -> Result<usize> {
    let mut args = vec![Value::Integer(batch_id)];
    let w = filter_clause(filter, &mut args);
    let n: i64 = conn
        .prepare_cached(&format!(
            "SELECT count(*) FROM batch_applicants a WHERE a.batch_id = ?1 AND {w}"
        ))?
        .query_row(params_from_iter(args), |r| r.get(0))?;
    Ok(n as usize)
}

/// Every applicant of one batch (a batch is one department's applicants for a year: hundreds at
/// most), in the order of `sort`, for verifying, marking by pattern and printing.
pub fn all(conn: &Connection, batch_id: i64, filter: Filter, sort: Sort) -> Result<Vec<Applicant>> {
    applicants_page(
        conn,
        batch_id,
        filter,
        sort,
        &Seek::First,
        i64::MAX as usize,
    )
}

/// R6.4 Store the result of verifying an applicant.
pub fn set_verification(
    tx: &Transaction<'_>,
    id: i64,
    verdict: Verdict,
    json: &str,
    at: &str,
) -> Result<()> {
    tx.prepare_cached(
        "UPDATE batch_applicants SET verdict = ?2, verification = ?3, verified_at = ?4 WHERE id = ?1",
    )?
    .execute(params![id, verdict.code(), json, at])?;
    Ok(())
}

/// One applicant as verifying the batch reads it (R6.4): the applicant, the person, the
/// person's counted hours in each year of the period that has any (`store::totals`), and
/// whether an unlifted falsification finding blocks them (R5.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToVerify {
    /// The applicant row's id.
    pub id: i64,
    pub person: Person,
    /// In year order; a year without hours that count has no element.
    pub years: Vec<YearTotals>,
    pub blocked: bool,
}

/// R6.4 Every applicant of batch `batch_id` with their totals for `from..=to`, read by one
/// statement in the order of the people: the applicants through their `(batch_id, person_id)`
/// key, each person and each year by primary key, the finding by `findings_person`. Nothing in
/// it grows with the database but the depth of those indexes, so ten thousand applicants cost
/// ten thousand short lookups at any size.
pub fn to_verify(conn: &Connection, batch_id: i64, from: i32, to: i32) -> Result<Vec<ToVerify>> {
    let mut stmt = conn.prepare_cached(
        "SELECT a.id, p.id_number, p.name, p.unit, p.unit_kind, p.city_code, p.title,
                p.title_level, p.series, p.phone, p.file_location,
                -- R5.3 as `people::is_blocked` asks it.
                EXISTS (SELECT 1 FROM findings f WHERE f.person_id = a.person_id
                        AND f.lifted_at IS NULL),
                t.year, t.public_tenths, t.professional_tenths
         FROM batch_applicants a
             CROSS JOIN people p ON p.id = a.person_id
             LEFT JOIN person_year_totals t
                 ON t.person_id = a.person_id AND t.year BETWEEN ?2 AND ?3
         WHERE a.batch_id = ?1
         ORDER BY a.person_id, t.year",
    )?;
    let mut rows = stmt.query(params![batch_id, from, to])?;
    let mut out: Vec<ToVerify> = Vec::new();
    while let Some(r) = rows.next()? {
        let id: i64 = r.get(0)?;
        if out.last().is_none_or(|last| last.id != id) {
            let id_number: String = r.get(1)?;
            let kind: String = r.get(4)?;
            let level: Option<String> = r.get(7)?;
            out.push(ToVerify {
                id,
                person: Person {
                    id_number: IdNumber::parse(&id_number)
                        .map_err(|_| conversion("id_number", &id_number))?,
                    name: r.get(2)?,
                    unit: r.get(3)?,
                    unit_kind: UnitKind::parse(&kind)
                        .ok_or_else(|| conversion("unit_kind", &kind))?,
                    city_code: r.get(5)?,
                    title: r.get(6)?,
                    title_level: level.as_deref().and_then(TitleLevel::parse),
                    series: r.get(8)?,
                    phone: r.get(9)?,
                    file_location: r.get(10)?,
                },
                years: Vec::new(),
                blocked: r.get(11)?,
            });
        }
        if let (Some(year), Some(last)) = (r.get::<_, Option<i32>>(12)?, out.last_mut()) {
            last.years.push(YearTotals {
                year,
                public: Hours::from_tenths(r.get(13)?),
                professional: Hours::from_tenths(r.get(14)?),
            });
        }
    }
    Ok(out)
}

/// The stored verification JSON of an applicant (what the last verify saw).
pub fn verification_json(conn: &Connection, id: i64) -> Result<Option<String>> {
    Ok(conn
        .prepare_cached("SELECT verification FROM batch_applicants WHERE id = ?1")?
        .query_row([id], |r| r.get(0))
        .optional()?
        .flatten())
}

/// R6 Write an applicant's triage state (`service::decision` logs the decision that does it):
/// where it stands, the reason, what it lacks (R6.4), who decided and when (`None` before any
/// decision, as an undo may restore).
pub fn set_decision(
    tx: &Transaction<'_>,
    id: i64,
    state: ApplicantState,
    reason: &str,
    shortfall: &str,
    by: Option<&str>,
    at: Option<&str>,
) -> Result<()> {
    tx.prepare_cached(
        "UPDATE batch_applicants SET state = ?2, reason = ?3, shortfall = ?4, decided_by = ?5,
             decided_at = ?6
         WHERE id = ?1",
    )?
    .execute(params![id, state.code(), reason, shortfall, by, at])?;
    Ok(())
}

/// R5.5 Who accepted `person_id` as an applicant of a batch verifying `from..=to` (R6.1: the
/// five years before its application year), for maker–checker: they may not issue the
/// certificate. Sorted, without repeats.
pub fn acceptors(conn: &Connection, person_id: i64, from: i32, to: i32) -> Result<Vec<String>> {
    let mut stmt = conn.prepare_cached(
        "SELECT DISTINCT a.decided_by FROM batch_applicants a
             JOIN verification_batches b ON b.id = a.batch_id
         WHERE a.person_id = ?1 AND a.state = 'accepted' AND a.decided_by IS NOT NULL
           AND b.application_year - 5 = ?2 AND b.application_year - 1 = ?3
         ORDER BY 1",
    )?;
    let who = stmt
        .query_map(rusqlite::params![person_id, from, to], |r| r.get(0))?
        .collect::<rusqlite::Result<Vec<String>>>()?;
    Ok(who)
}

/// R7.3 The applicants (ids) whose batch row names certificate `certificate_id`.
pub fn holding_certificate(tx: &Transaction<'_>, certificate_id: i64) -> Result<Vec<i64>> {
    let ids = tx
        .prepare_cached("SELECT id FROM batch_applicants WHERE certificate_id = ?1 ORDER BY id")?
        .query_map([certificate_id], |r| r.get(0))?
        .collect::<rusqlite::Result<Vec<i64>>>()?;
    Ok(ids)
}

pub fn set_certificate(tx: &Transaction<'_>, id: i64, certificate_id: i64) -> Result<()> {
    tx.prepare_cached("UPDATE batch_applicants SET certificate_id = ?2 WHERE id = ?1")?
        .execute(params![id, certificate_id])?;
    Ok(())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::service::batches::tests::{changsha, id};
    use crate::service::batches::{self as service, Request};
    use crate::service::fixtures::{actor, source, table};
    use crate::store::Store;

    /// A 长沙 batch of `n` people whose names repeat (twelve names, so the ID number decides
    /// between them), with verdicts, states and certificates spread over them as a batch
    /// part-way through triage has them.
    pub(crate) fn big_batch(n: u16) -> (Store, i64) {
        const NAMES: [&str; 12] = [
            "张伟", "王芳", "李娜", "刘洋", "陈静", "杨帆", "赵敏", "黄磊", "周杰", "吴刚", "徐丽",
            "孙强",
        ];
        let mut store = Store::open_in_memory().unwrap();
        let a = actor("wangfang");
        let rows: Vec<String> = (1..=n)
            .map(|i| {
                format!(
                    "{},{},长沙市第一医院,市州所属单位,长沙,主治医师,中级",
                    id(i),
                    NAMES[(i as usize * 7) % NAMES.len()]
                )
            })
            .collect();
        let rows: Vec<&str> = rows.iter().map(String::as_str).collect();
        crate::service::import::people(
            &mut store,
            &a,
            &table("身份证号,姓名,单位,单位类型,市州,现有职称,职称级别", &rows),
            &source(),
            false,
        )
        .unwrap();
        let req = Request::named("长沙市卫生健康委员会", &changsha(&store), 2017);
        let b = service::create(&mut store, &a, &req).unwrap().unwrap();
        let ids: Vec<String> = (1..=n).map(id).collect();
        let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
        service::add_by_id_numbers(&mut store, &a, b.id, &ids).unwrap();
        store
            .conn()
            .execute_batch(
                "UPDATE batch_applicants SET
                   verdict = CASE id % 4 WHEN 0 THEN 'pass' WHEN 1 THEN 'short'
                                         WHEN 2 THEN 'blocked' ELSE NULL END,
                   state = CASE id % 5 WHEN 0 THEN 'accepted' WHEN 1 THEN 'returned'
                                       WHEN 2 THEN 'refused' ELSE 'undecided' END",
            )
            .unwrap();
        (store, b.id)
    }

    /// R6.4 At a refresh a mark is kept only on applicants the list's filter still shows: of
    /// the marked, those moved out of the filter (another clerk's decision) are dropped, those
    /// of another batch never kept, and with no filter every applicant of the batch stays.
    #[test]
    fn still_listed_keeps_the_marks_the_filter_still_shows() {
        let (store, batch) = big_batch(40);
        let conn = store.conn();
        let all: Vec<i64> = (1..=40).collect();
        let undecided =
            still_listed(conn, batch, Filter::State(ApplicantState::Undecided), &all).unwrap();
        let expected: Vec<i64> = all.iter().copied().filter(|i| i % 5 >= 3).collect();
        assert_eq!(undecided, expected);
        assert_eq!(
            still_listed(conn, batch, Filter::All, &all).unwrap(),
            all,
            "no filter keeps every mark of the batch"
        );
        assert!(
            still_listed(conn, batch + 1, Filter::All, &all)
                .unwrap()
                .is_empty()
        );
    }

    /// R6.3 How a batch's applicants stand, summed over its applicants as the list summed
    /// them before `batch_counts` kept them.
    pub(crate) fn counts_summed(conn: &Connection, batch_id: i64) -> Counts {
        conn.query_row(
            "SELECT count(a.id),
                 coalesce(sum(a.verdict = 'pass'), 0), coalesce(sum(a.verdict = 'short'), 0),
                 coalesce(sum(a.verdict = 'blocked'), 0),
                 coalesce(sum(a.id IS NOT NULL AND a.verdict IS NULL), 0),
                 coalesce(sum(a.state = 'undecided'), 0), coalesce(sum(a.state = 'accepted'), 0),
                 coalesce(sum(a.state = 'returned'), 0), coalesce(sum(a.state = 'refused'), 0),
                 coalesce(sum(a.certificate_id IS NOT NULL), 0)
             FROM batch_applicants a WHERE a.batch_id = ?1",
            [batch_id],
            |r| counts_from_row(r, 0),
        )
        .unwrap()
    }

    /// R6.3 The counts the batches list shows are kept by the database as applicants are
    /// added, verified (R6.4), decided and given certificates, and as decisions are changed
    /// back: after each step they equal the applicants counted one by one.
    #[test]
    fn r6_3_kept_counts_equal_the_applicants_counted() {
        let (store, b) = big_batch(60);
        let c = store.conn();
        let kept = counts(c, b).unwrap();
        assert_eq!(kept, counts_summed(c, b));
        assert!(kept.pass > 0 && kept.short > 0 && kept.blocked > 0 && kept.unverified > 0);
        assert!(kept.accepted > 0 && kept.returned > 0 && kept.refused > 0);
        // Each kind of change, as verification, triage and issuing make them.
        c.execute_batch(
            "UPDATE batch_applicants SET verdict = NULL WHERE id % 7 = 0;
             UPDATE batch_applicants SET verdict = 'pass', state = 'accepted' WHERE id % 11 = 0;
             UPDATE batch_applicants SET state = 'undecided' WHERE id % 13 = 0;",
        )
        .unwrap();
        assert_eq!(counts(c, b).unwrap(), counts_summed(c, b));
        // A certificate linked, then another applicant's (the link, not the certificate, counts).
        c.execute_batch(
            "PRAGMA foreign_keys = OFF;
             UPDATE batch_applicants SET certificate_id = id WHERE id % 9 = 0;
             UPDATE batch_applicants SET certificate_id = NULL WHERE id % 18 = 0;
             PRAGMA foreign_keys = ON;",
        )
        .unwrap();
        let issued = counts(c, b).unwrap();
        assert_eq!(issued, counts_summed(c, b));
        assert!(issued.issued > 0);
        c.execute("DELETE FROM batch_applicants WHERE id % 5 = 4", [])
            .unwrap();
        let fewer = counts(c, b).unwrap();
        assert_eq!(fewer, counts_summed(c, b));
        assert!(fewer.applicants < kept.applicants);
        assert_eq!(
            counts(c, b + 100).unwrap(),
            Counts::default(),
            "no such batch"
        );
    }

    /// Batches of several application years, in the list's order (newest year, then newest
    /// batch), read by key a page at a time forward and backward, and with their counts.
    #[test]
    fn r6_3_the_batches_list_is_read_by_key_in_its_order() {
        let (store, b) = big_batch(12);
        let c = store.conn();
        for (i, year) in [2016, 2018, 2017, 2016, 2018, 2015, 2017]
            .iter()
            .enumerate()
        {
            c.execute(
                "INSERT INTO verification_batches (department, department_kind,
                     application_year, office, created_by, created_at)
                 VALUES (?1, 'city', ?2, '430100', 'wangfang', '2017-07-15T09:00:00+08:00')",
                rusqlite::params![format!("部门{i}"), year],
            )
            .unwrap();
        }
        let want: Vec<(i32, i64)> = c
            .prepare(
                "SELECT application_year, id FROM verification_batches
                 ORDER BY application_year DESC, id DESC",
            )
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        let keyed = |rows: &[Summary]| -> Vec<(i32, i64)> {
            rows.iter()
                .map(|s| (s.batch.application_year, s.batch.id))
                .collect()
        };
        assert_eq!(keyed(&list(c, 0, 100).unwrap()), want);
        // Forward by 3, and backward by 3 from the end.
        let mut forward = Vec::new();
        let mut seek = Seek::First;
        loop {
            let p = page(c, &seek, 3).unwrap();
            forward.extend(keyed(&p));
            match p.last() {
                Some(l) if p.len() == 3 => seek = Seek::After(l.key()),
                _ => break,
            }
        }
        assert_eq!(forward, want);
        let mut backward: Vec<(i32, i64)> = Vec::new();
        let mut seek = Seek::Last;
        loop {
            let p = page(c, &seek, 3).unwrap();
            let mut k = keyed(&p);
            k.extend(backward);
            backward = k;
            match p.first() {
                Some(f) if p.len() == 3 => seek = Seek::Before(f.key()),
                _ => break,
            }
        }
        assert_eq!(backward, want);
        let third = list(c, 2, 1).unwrap().remove(0);
        assert_eq!(
            keyed(&page(c, &Seek::From(third.key()), 2).unwrap()),
            want[2..4]
        );
        let big = list(c, 0, 100)
            .unwrap()
            .into_iter()
            .find(|s| s.batch.id == b)
            .unwrap();
        assert_eq!(big.counts, counts_summed(c, b));
        assert_eq!(big.counts.applicants, 12);
        assert_eq!(count(c).unwrap(), want.len());
    }

    /// The batches list is read in `verification_batches_order`, from the key on, with each
    /// batch's kept counts by key: no applicant is read and nothing is sorted.
    #[test]
    fn the_batches_list_reads_its_index_and_the_kept_counts() {
        let (store, _) = big_batch(20);
        let c = store.conn();
        let key = BatchKey {
            application_year: 2017,
            id: 1,
        };
        for seek in [
            Seek::First,
            Seek::Last,
            Seek::After(key),
            Seek::Before(key),
            Seek::From(key),
        ] {
            let (sql, args) = batches_page_sql(&seek, 10);
            let mut stmt = c.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
            let plan: Vec<String> = stmt
                .query_map(params_from_iter(args), |r| r.get::<_, String>(3))
                .unwrap()
                .collect::<rusqlite::Result<_>>()
                .unwrap();
            let plan = plan.join(" | ");
            assert!(
                plan.contains("verification_batches_order"),
                "{seek:?}: {plan}"
            );
            assert!(
                plan.contains("SEARCH c USING INTEGER PRIMARY KEY"),
                "{seek:?}: {plan}"
            );
            assert!(!plan.contains("batch_applicants"), "{seek:?}: {plan}");
            assert!(!plan.contains("TEMP B-TREE"), "{seek:?}: {plan}");
        }
    }

    /// The list as it was read before keyset paging: sorted whole, then skipped by OFFSET.
    fn by_offset(conn: &Connection, batch_id: i64, filter: Filter, sort: Sort) -> Vec<i64> {
        let order = match sort {
            Sort::Name => "p.name, p.id_number",
            Sort::Verdict => {
                "CASE a.verdict WHEN 'blocked' THEN 0 WHEN 'short' THEN 1 WHEN 'pass' THEN 3 ELSE 2 END,
                 p.name, p.id_number"
            }
            Sort::State => {
                "CASE a.state WHEN 'undecided' THEN 0 WHEN 'accepted' THEN 1 WHEN 'returned' THEN 2 ELSE 3 END,
                 p.name, p.id_number"
            }
        };
        let mut args = vec![Value::Integer(batch_id)];
        let w = filter_clause(filter, &mut args);
        let mut out = Vec::new();
        // Page by page through OFFSET, as the screen read them.
        loop {
            let sql = format!(
                "SELECT a.id FROM {APPLICANT_FROM} WHERE a.batch_id = ?1 AND {w}
                 ORDER BY {order} LIMIT 17 OFFSET {}",
                out.len()
            );
            let page: Vec<i64> = conn
                .prepare(&sql)
                .unwrap()
                .query_map(params_from_iter(args.clone()), |r| r.get(0))
                .unwrap()
                .collect::<rusqlite::Result<_>>()
                .unwrap();
            if page.is_empty() {
                return out;
            }
            out.extend(page);
        }
    }

    const FILTERS: [Filter; 5] = [
        Filter::All,
        Filter::State(ApplicantState::Undecided),
        Filter::Verdict(Verdict::Short),
        Filter::Unverified,
        Filter::Issued,
    ];

    fn ids(rows: Vec<Applicant>) -> Vec<i64> {
        rows.iter().map(|a| a.id).collect()
    }

    /// Read by key, every order and filter lists the same applicants in the same order as the
    /// OFFSET query did, forwards page after page, from the end (`G`) and back from any row.
    #[test]
    fn keyset_pages_list_what_offset_pages_listed_in_every_order_and_filter() {
        let (store, b) = big_batch(300);
        let c = store.conn();
        for sort in [Sort::Name, Sort::Verdict, Sort::State] {
            for filter in FILTERS {
                let want = by_offset(c, b, filter, sort);
                let what = format!("{sort:?} {filter:?}");
                if filter != Filter::Issued {
                    assert!(want.len() > 40, "{what}: the batch fills pages");
                }
                assert_eq!(
                    ids(applicants(c, b, filter, sort, 0, 10_000).unwrap()),
                    want,
                    "{what}"
                );
                assert_eq!(ids(all(c, b, filter, sort).unwrap()), want, "{what}");
                let page = |seek: &Seek<ApplicantKey>, n| {
                    ids(applicants_page(c, b, filter, sort, seek, n).unwrap())
                };
                if want.len() < 40 {
                    continue;
                }
                assert_eq!(page(&Seek::Last, 9), want[want.len() - 9..], "{what}");
                let at = |i: usize| applicant(c, want[i]).unwrap().unwrap().key();
                for i in [1, 13, 20, want.len() - 1] {
                    assert_eq!(page(&Seek::Before(at(i)), 8), want[i.saturating_sub(8)..i]);
                    assert_eq!(
                        page(&Seek::From(at(i)), 8),
                        want[i..(i + 8).min(want.len())]
                    );
                    assert_eq!(
                        page(&Seek::After(at(i)), 8),
                        want[i + 1..(i + 9).min(want.len())]
                    );
                }
            }
        }
    }

    /// The copies the orders are read by follow the person: renamed, an applicant moves in the
    /// name order as the old query (reading `people`) would move them.
    #[test]
    fn a_renamed_person_moves_in_the_name_order() {
        let (store, b) = big_batch(60);
        let c = store.conn();
        c.execute(
            "UPDATE people SET name = '丁一' WHERE id_number = ?1",
            [id(30)],
        )
        .unwrap();
        let want = by_offset(c, b, Filter::All, Sort::Name);
        let got = ids(applicants(c, b, Filter::All, Sort::Name, 0, 1000).unwrap());
        assert_eq!(got, want);
        let first = applicant(c, got[0]).unwrap().unwrap();
        assert_eq!(
            first.person.name, "丁一",
            "丁 (U+4E01) sorts before every other name"
        );
    }

    /// Every order is served by its index: a page past a key reads in the index's order, with
    /// no temporary sort of the whole batch, filtered or not.
    #[test]
    fn each_order_is_read_through_its_index_without_sorting_the_batch() {
        let (store, b) = big_batch(40);
        let c = store.conn();
        c.execute_batch("ANALYZE").unwrap();
        let key = applicant(c, ids(all(c, b, Filter::All, Sort::Name).unwrap())[5])
            .unwrap()
            .unwrap()
            .key();
        for (sort, index) in [
            (Sort::Name, "batch_applicants_by_name"),
            (Sort::Verdict, "batch_applicants_by_verdict"),
            (Sort::State, "batch_applicants_by_state"),
        ] {
            for filter in [Filter::All, Filter::State(ApplicantState::Returned)] {
                for seek in [
                    Seek::First,
                    Seek::Last,
                    Seek::After(key.clone()),
                    Seek::Before(key.clone()),
                ] {
                    let plan = plan_of(c, b, filter, sort, &seek);
                    let what = format!("{sort:?} {filter:?} {seek:?}: {plan}");
                    assert!(plan.contains(index), "{what}");
                    assert!(!plan.contains("TEMP B-TREE"), "{what}");
                }
            }
        }
    }

    /// EXPLAIN QUERY PLAN of the page query, its lines joined.
    fn plan_of(
        c: &Connection,
        b: i64,
        filter: Filter,
        sort: Sort,
        seek: &Seek<ApplicantKey>,
    ) -> String {
        let (sql, args) = page_sql(b, filter, sort, seek, 10);
        let mut stmt = c.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
        let lines: Vec<String> = stmt
            .query_map(params_from_iter(args), |r| r.get::<_, String>(3))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        lines.join(" | ")
    }
}
