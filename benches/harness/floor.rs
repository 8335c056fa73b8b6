//! The floors: each lookup the screen makes, as one bare prepared statement with rusqlite on the
//! same file, so a figure can be read against what SQLite itself needs for the same rows.
//!
//! A floor fetches the rows the screen shows (a page of [`PAGE`]) and nothing else: no count,
//! no second query, no drawing. The statements restate the program's queries of today
//! (`store::search`, `store::batches`, `store::filing_list`): the same `WHERE`, the same order.
//! Their results double as expectations: the harness waits until the screen shows the first row
//! a floor found, so a sample is the time until the clerk sees the answer, not a stale frame.

use std::time::{Duration, Instant};

use rusqlite::{Connection, OpenFlags, params};

/// Rows of a list at 80×24 (People shows 17).
pub const PAGE: i64 = 17;

/// How often each floor runs; its median is reported (the first run warms the cache).
const RUNS: usize = 5;

/// A read-only connection, as a second clerk's would be.
pub fn open(db: &std::path::Path) -> rusqlite::Result<Connection> {
    Connection::open_with_flags(
        db,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
}

/// The median of `RUNS` runs of `f`, and its last result.
pub fn time<T>(mut f: impl FnMut() -> T) -> (Duration, T) {
    let mut times = Vec::with_capacity(RUNS);
    let mut out = None;
    for _ in 0..RUNS {
        let t = Instant::now();
        out = Some(f());
        times.push(t.elapsed());
    }
    times.sort();
    (times[RUNS / 2], out.expect("RUNS > 0"))
}

/// A person as a list row: enough to recognise them on screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub id_number: String,
    pub name: String,
}

/// `LIKE` treats % and _ as wildcards; the clerk's text is literal (as `store::search`).
fn like_escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// People search as `store::search::where_clause` has it: name and initials by their start, ID
/// number and unit by any part, the text folded as the program folds it (R1.2).
const PEOPLE_TEXT: &str = "(p.name_key LIKE ?1 || '%' ESCAPE '\\'
     OR p.id_number LIKE '%' || upper(?1) || '%' ESCAPE '\\'
     OR p.unit_key LIKE '%' || ?1 || '%' ESCAPE '\\'
     OR p.initials LIKE ?1 || '%' ESCAPE '\\' OR p.initials LIKE '% ' || ?1 || '%' ESCAPE '\\')";

/// R2.1 with R4.3 and R5.2: the registered hours that count, as `store::search::COUNTED`.
const COUNTS: &str = "e.state = 'registered' AND e.result <> 'fail'
     AND (e.category = 'professional' OR e.migrated = 1
          OR (f.status = 'approved' AND f.category = 'public' AND f.approved_on <= e.start_date))";

/// A filter of the People screen, as the floor restates it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeopleFilter {
    All,
    City(&'static str),
    /// R2.1 short of the year's policy in this year.
    ShortIn(i32),
}

/// One page of People for `text` and `filter`, in the screen's order (name, then ID number);
/// `last` reads the end of the list instead (`G`).
pub fn people(conn: &Connection, text: &str, filter: PeopleFilter, last: bool) -> Vec<Row> {
    let folded = like_escape(&jijiao::domain::text::fold_for_search(text));
    let extra = match filter {
        PeopleFilter::All => "?2 IS NULL".to_string(),
        PeopleFilter::City(_) => "p.city_code = ?2".to_string(),
        PeopleFilter::ShortIn(year) => {
            let default = jijiao::domain::YearPolicy::default_for(year);
            let (dp, dr, dt) = (
                default.public_min.tenths(),
                default.professional_min.tenths(),
                default.total_min.tenths(),
            );
            format!(
            "EXISTS (SELECT 1 FROM (
                SELECT coalesce(sum(CASE WHEN e.category = 'public' THEN e.hours_tenths END), 0) AS pub,
                       coalesce(sum(CASE WHEN e.category = 'professional' THEN e.hours_tenths END), 0) AS pro
                FROM entries e LEFT JOIN filings f ON f.id = e.filing_id
                WHERE e.person_id = p.id AND e.year = ?2 AND {COUNTS}) c
              LEFT JOIN policies pol ON pol.year = ?2
              WHERE c.pub < coalesce(pol.public_min_tenths, {dp})
                 OR c.pro < coalesce(pol.professional_min_tenths, {dr})
                 OR c.pub + c.pro < coalesce(pol.total_min_tenths, {dt}))"
            )
        }
    };
    let arg: rusqlite::types::Value = match filter {
        PeopleFilter::All => rusqlite::types::Value::Null,
        PeopleFilter::City(code) => code.to_string().into(),
        PeopleFilter::ShortIn(year) => i64::from(year).into(),
    };
    let order = if last {
        "p.name DESC, p.id_number DESC"
    } else {
        "p.name, p.id_number"
    };
    // Like the program, no text clause at all for an empty field: an `?1 = '' OR …` would
    // change the plan and the floor would no longer be the same lookup.
    let text_clause = if folded.is_empty() {
        "?1 = ''"
    } else {
        PEOPLE_TEXT
    };
    let sql = format!(
        "SELECT p.id_number, p.name FROM people p
         WHERE {text_clause} AND {extra} ORDER BY {order} LIMIT {PAGE}"
    );
    rows(conn, &sql, params![folded, arg])
}

fn rows(conn: &Connection, sql: &str, args: impl rusqlite::Params) -> Vec<Row> {
    let mut stmt = conn.prepare(sql).expect("floor statement");
    stmt.query_map(args, |r| {
        Ok(Row {
            id_number: r.get(0)?,
            name: r.get(1)?,
        })
    })
    .expect("floor query")
    .collect::<rusqlite::Result<Vec<_>>>()
    .expect("floor rows")
}

/// The review queue's first page (R5.1: awaiting review, grouped by import batch and provider),
/// searched by provider or person as `store::search::queue_search_clause`.
pub fn review_queue(conn: &Connection, text: &str) -> Vec<Row> {
    let raw = like_escape(jijiao::domain::text::clean_line(text).trim());
    let folded = like_escape(&jijiao::domain::text::fold_for_search(text));
    rows(
        conn,
        &format!(
            "SELECT p.id_number, p.name FROM entries e JOIN people p ON p.id = e.person_id
             WHERE e.state IN ('recorded', 'evidence_complete', 'sealed')
               AND (?2 = '' OR e.provider LIKE '%' || ?1 || '%' ESCAPE '\\'
                    OR p.name_key LIKE ?2 || '%' ESCAPE '\\'
                    OR p.id_number LIKE '%' || upper(?2) || '%' ESCAPE '\\'
                    OR p.initials LIKE ?2 || '%' ESCAPE '\\'
                    OR p.initials LIKE '% ' || ?2 || '%' ESCAPE '\\')
             ORDER BY coalesce(e.batch_id, 0) DESC, e.provider, p.name, e.id LIMIT {PAGE}"
        ),
        params![raw, folded],
    )
}

/// Filings, pending first (`store::filing_list`); the row carries the filing number and name.
pub fn filings(conn: &Connection) -> Vec<Row> {
    rows(
        conn,
        &format!(
            "SELECT filing_no, name FROM filings ORDER BY status <> 'pending',
               CASE WHEN status = 'pending' THEN start_date END ASC, start_date DESC, id DESC
             LIMIT {PAGE}"
        ),
        [],
    )
}

/// The verification batches, newest first, with their applicants counted by state.
pub fn batches(conn: &Connection) -> Vec<Row> {
    rows(
        conn,
        &format!(
            "SELECT CAST(b.id AS TEXT), b.department, count(a.id), sum(a.verdict = 'pass')
             FROM verification_batches b LEFT JOIN batch_applicants a ON a.batch_id = b.id
             GROUP BY b.id ORDER BY b.application_year DESC, b.id DESC LIMIT {PAGE}"
        ),
        [],
    )
}

/// One page of a batch's applicants by name.
pub fn applicants(conn: &Connection, batch: i64) -> Vec<Row> {
    rows(
        conn,
        &format!(
            "SELECT p.id_number, p.name FROM batch_applicants a JOIN people p ON p.id = a.person_id
             WHERE a.batch_id = ?1 ORDER BY p.name, p.id_number LIMIT {PAGE}"
        ),
        [batch],
    )
}

/// A person's entries as the person screen lists them; the number of rows.
pub fn person_entries(conn: &Connection, id_number: &str) -> usize {
    conn.prepare(
        "SELECT e.id, e.year, e.category, e.form, e.content, e.hours_tenths, e.state
         FROM people p JOIN entries e ON e.person_id = p.id
         WHERE p.id_number = ?1 ORDER BY e.year DESC, e.start_date, e.id",
    )
    .expect("floor statement")
    .query_map([id_number], |_| Ok(()))
    .expect("floor query")
    .count()
}

/// R6.1 one person's counted hours per year of `from..=to` (what `check` adds up): the years
/// found.
pub fn check(conn: &Connection, id_number: &str, from: i32, to: i32) -> usize {
    conn.prepare(&format!(
        "SELECT e.year,
                sum(CASE WHEN e.category = 'public' THEN e.hours_tenths END),
                sum(CASE WHEN e.category = 'professional' THEN e.hours_tenths END)
         FROM people p JOIN entries e ON e.person_id = p.id
              LEFT JOIN filings f ON f.id = e.filing_id
         WHERE p.id_number = ?1 AND e.year BETWEEN ?2 AND ?3 AND {COUNTS}
         GROUP BY e.year"
    ))
    .expect("floor statement")
    .query_map(params![id_number, from, to], |_| Ok(()))
    .expect("floor query")
    .count()
}

/// R6.4 every applicant's counted hours per year of `from..=to` for a whole batch, in one
/// statement: the (person, year) groups found.
pub fn batch_sums(conn: &Connection, batch: i64, from: i32, to: i32) -> usize {
    conn.prepare(&format!(
        "SELECT e.person_id, e.year,
                sum(CASE WHEN e.category = 'public' THEN e.hours_tenths END),
                sum(CASE WHEN e.category = 'professional' THEN e.hours_tenths END)
         FROM batch_applicants a JOIN entries e ON e.person_id = a.person_id
              LEFT JOIN filings f ON f.id = e.filing_id
         WHERE a.batch_id = ?1 AND e.year BETWEEN ?2 AND ?3 AND {COUNTS}
         GROUP BY e.person_id, e.year"
    ))
    .expect("floor statement")
    .query_map(params![batch, from, to], |_| Ok(()))
    .expect("floor query")
    .count()
}
