//! The Filings screen's queries: one page of filings at a time, pending first, searched by
//! number, training name or institution as the clerk types.

use chrono::NaiveDate;
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, params};

use super::Result;
use super::filings::{COLUMNS, date, from_row};
use super::search::Seek;
use crate::domain::filing::{FilingNoPattern, next_filing_no as next_filing_no_after};
use crate::domain::{Category, Filing, FilingStatus};

/// What the clerk typed after `/`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FilingQuery {
    pub text: String,
}

/// One row of the list, with the decision on it (R5.5: who, when, why).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilingRow {
    pub id: i64,
    pub filing_no: String,
    pub name: String,
    pub category: Category,
    pub applicant_unit: String,
    pub institution: String,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    pub status: FilingStatus,
    pub approved_on: Option<NaiveDate>,
    pub decided_by: Option<String>,
    pub decided_at: Option<String>,
    pub reason: String,
}

fn conversion(what: &str, v: &str) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(
        0,
        rusqlite::types::Type::Text,
        format!("{what} {v}").into(),
    )
}

/// `LIKE` treats % and _ as wildcards; a clerk's text is literal.
fn like_escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

const MATCHES: &str = "(?1 = '' OR filing_no LIKE '%' || ?1 || '%' ESCAPE '\\'
    OR name LIKE '%' || ?1 || '%' ESCAPE '\\' OR institution LIKE '%' || ?1 || '%' ESCAPE '\\')";

/// Pending filings first, the training that starts soonest at the top (they are the ones waiting
/// on the office); decided ones after, most recent training first.
const ORDER: &str = "status <> 'pending',
    CASE WHEN status = 'pending' THEN start_date END ASC,
    start_date DESC, id DESC";

fn text_arg(q: &FilingQuery) -> String {
    // SQLite's LIKE ignores ASCII case, so `gx` finds `GX-2017-001`.
    like_escape(q.text.trim())
}

pub fn count(conn: &Connection, q: &FilingQuery) -> Result<usize> {
    let n: i64 = conn
        .prepare_cached(&format!("SELECT count(*) FROM filings WHERE {MATCHES}"))?
        .query_row([text_arg(q)], |r| r.get(0))?;
    Ok(n as usize)
}

/// How many of the matching filings wait for a decision.
pub fn count_pending(conn: &Connection, q: &FilingQuery) -> Result<usize> {
    let n: i64 = conn
        .prepare_cached(&format!(
            "SELECT count(*) FROM filings WHERE status = 'pending' AND {MATCHES}"
        ))?
        .query_row([text_arg(q)], |r| r.get(0))?;
    Ok(n as usize)
}

/// Where a filing stands in the list's order ([`ORDER`]): pending or decided, its start, its id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilingKey {
    pub pending: bool,
    pub start_date: NaiveDate,
    pub id: i64,
}

impl FilingRow {
    /// Where this filing stands in the list.
    pub fn key(&self) -> FilingKey {
        FilingKey {
            pending: self.status == FilingStatus::Pending,
            start_date: self.start_date,
            id: self.id,
        }
    }
}

/// The rows after `k` in [`ORDER`] (pending ones by start ascending, decided ones by start
/// descending, then id descending in both), as SQL on `?s` (the start) and `?i` (the id). The
/// order's directions differ, so a row value cannot say it.
fn after(k: &FilingKey, s: usize, i: usize) -> String {
    if k.pending {
        format!("(status <> 'pending' OR start_date > ?{s} OR (start_date = ?{s} AND id < ?{i}))")
    } else {
        format!(
            "(status <> 'pending' AND (start_date < ?{s} OR (start_date = ?{s} AND id < ?{i})))"
        )
    }
}

/// The rows before `k` in [`ORDER`].
fn before(k: &FilingKey, s: usize, i: usize) -> String {
    if k.pending {
        format!("(status = 'pending' AND (start_date < ?{s} OR (start_date = ?{s} AND id > ?{i})))")
    } else {
        format!("(status = 'pending' OR start_date > ?{s} OR (start_date = ?{s} AND id > ?{i}))")
    }
}

/// [`ORDER`] read backwards.
const ORDER_BACKWARDS: &str = "status <> 'pending' DESC,
    CASE WHEN status = 'pending' THEN start_date END DESC,
    start_date ASC, id ASC";

/// At most `limit` filings of the list for `q`, from where `seek` says (keyset paging), in
/// the list's order.
pub fn page_by_key(
    conn: &Connection,
    q: &FilingQuery,
    seek: &Seek<FilingKey>,
    limit: usize,
) -> Result<Vec<FilingRow>> {
    let bound = match seek {
        Seek::First | Seek::Last => "1 = 1".to_string(),
        Seek::From(k) => format!("({} OR id = ?3)", after(k, 2, 3)),
        Seek::After(k) => after(k, 2, 3),
        Seek::Before(k) => before(k, 2, 3),
    };
    let mut args: Vec<Value> = vec![Value::Text(text_arg(q))];
    if let Seek::From(k) | Seek::After(k) | Seek::Before(k) = seek {
        args.push(Value::Text(k.start_date.to_string()));
        args.push(Value::Integer(k.id));
    }
    args.push(Value::Integer(limit as i64));
    let order = if seek.backwards() {
        ORDER_BACKWARDS
    } else {
        ORDER
    };
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT id, filing_no, name, category, applicant_unit, institution, start_date, end_date,
                status, approved_on, decided_by, decided_at, reason
         FROM filings WHERE {MATCHES} AND {bound}
         ORDER BY {order} LIMIT ?{}",
        args.len()
    ))?;
    let mut rows = stmt
        .query_map(rusqlite::params_from_iter(args), |r| {
            let category: String = r.get(3)?;
            let status: String = r.get(8)?;
            let approved_on: Option<String> = r.get(9)?;
            Ok(FilingRow {
                id: r.get(0)?,
                filing_no: r.get(1)?,
                name: r.get(2)?,
                category: Category::parse(&category)
                    .ok_or_else(|| conversion("category", &category))?,
                applicant_unit: r.get(4)?,
                institution: r.get(5)?,
                start_date: date(r, 6)?,
                end_date: date(r, 7)?,
                status: FilingStatus::parse(&status)
                    .ok_or_else(|| conversion("status", &status))?,
                approved_on: approved_on
                    .as_deref()
                    .and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()),
                decided_by: r.get(10)?,
                decided_at: r.get(11)?,
                reason: r.get(12)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    if seek.backwards() {
        rows.reverse();
    }
    Ok(rows)
}

/// Filings `offset..offset + limit` of the list for `q`, page after page by key (for tests).
pub fn page(
    conn: &Connection,
    q: &FilingQuery,
    offset: usize,
    limit: usize,
) -> Result<Vec<FilingRow>> {
    super::search::slice(
        offset,
        limit,
        |seek, n| page_by_key(conn, q, seek, n),
        FilingRow::key,
    )
}

/// The place in the list for `q` of the filing `id`, if the search finds it (to put the cursor
/// on a filing just saved).
pub fn key_of(conn: &Connection, q: &FilingQuery, id: i64) -> Result<Option<FilingKey>> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT status = 'pending', start_date, id FROM filings WHERE {MATCHES} AND id = ?2"
        ))?
        .query_row(params![text_arg(q), id], |r| {
            Ok(FilingKey {
                pending: r.get(0)?,
                start_date: date(r, 1)?,
                id: r.get(2)?,
            })
        })
        .optional()?)
}

/// The whole filing, for the form.
pub fn get(conn: &Connection, id: i64) -> Result<Option<Filing>> {
    Ok(conn
        .prepare_cached(&format!("SELECT {COLUMNS} FROM filings WHERE id = ?1"))?
        .query_row([id], from_row)
        .optional()?
        .map(|(_, f)| f))
}

/// The filing saved most recently (what `Ctrl-P` copies a field from on a new form).
pub fn last_saved(conn: &Connection) -> Result<Option<Filing>> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM filings ORDER BY updated_at DESC, id DESC LIMIT 1"
        ))?
        .query_row([], from_row)
        .optional()?
        .map(|(_, f)| f))
}

/// Filings looked back over for the last number with a year and a run: a bureau's numbers
/// follow one form, so the newest few hundred are plenty.
const PATTERN_LOOKBACK: i64 = 500;

/// R4.2 A number for a new filing in `year`: in the form of the last filing saved whose number
/// has a year and a numeric run (`湘人社专技备〔2026〕001号` → `…〔2026〕002号`, a new year
/// restarting at 001; see [`crate::domain::filing::next_filing_no`]), never one that exists;
/// `YEAR-NNN`, one after the highest of that year, when no earlier number has such a form.
pub fn next_filing_no(conn: &Connection, year: i32) -> Result<String> {
    let last = conn
        .prepare_cached("SELECT filing_no FROM filings ORDER BY id DESC LIMIT ?1")?
        .query_map([PATTERN_LOOKBACK], |r| r.get::<_, String>(0))?
        .filter_map(|r| r.ok())
        .find(|no| FilingNoPattern::parse(no).is_some());
    if let Some(last) = last
        && let Some(p) = FilingNoPattern::parse(&last)
    {
        let head = like_escape(&format!("{}{year}{}", p.prefix, p.middle));
        let taken: Vec<String> = conn
            .prepare_cached(
                "SELECT filing_no FROM filings WHERE filing_no LIKE ?1 || '%' ESCAPE '\\'",
            )?
            .query_map([head], |r| r.get::<_, String>(0))?
            .collect::<rusqlite::Result<_>>()?;
        if let Some(no) = next_filing_no_after(&last, year, taken.iter().map(String::as_str)) {
            return Ok(no);
        }
    }
    let prefix = format!("{year}-");
    let mut stmt =
        conn.prepare_cached("SELECT filing_no FROM filings WHERE filing_no LIKE ?1 || '%'")?;
    let highest = stmt
        .query_map([&prefix], |r| r.get::<_, String>(0))?
        .filter_map(|r| r.ok())
        .filter_map(|no| no.strip_prefix(&prefix)?.parse::<u32>().ok())
        .max()
        .unwrap_or(0);
    Ok(format!("{prefix}{:03}", highest + 1))
}

/// R4.3 What an approval dated `on` means for the trainings already linked to `ids`: how many
/// entries, not refused and not paper history, started before that date. Their public-subject
/// hours are not recognised (professional ones need the R4.4 confirmation instead).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Started {
    pub public: usize,
    pub professional: usize,
}

pub fn entries_started_before(conn: &Connection, ids: &[i64], on: NaiveDate) -> Result<Started> {
    let mut out = Started::default();
    let mut stmt = conn.prepare_cached(
        "SELECT coalesce(sum(category = 'public'), 0), coalesce(sum(category = 'professional'), 0)
         FROM entries
         WHERE filing_id = ?1 AND start_date < ?2 AND state <> 'refused' AND migrated = 0",
    )?;
    for &id in ids {
        let (public, professional): (i64, i64) =
            stmt.query_row(params![id, on.to_string()], |r| Ok((r.get(0)?, r.get(1)?)))?;
        out.public += public as usize;
        out.professional += professional as usize;
    }
    Ok(out)
}

/// Which filings a `T` pattern on the Filings screen marks; every part that is set must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FilingFilter {
    pub status: Option<FilingStatus>,
    pub category: Option<Category>,
    /// Parts of the filing number, the training's name or the institution, each as the search.
    pub words: Vec<String>,
}

/// The ids of every filing that matches the search `q` and `filter`, in list order (a pattern
/// marks across every page, not only the one shown).
pub fn ids(conn: &Connection, q: &FilingQuery, filter: &FilingFilter) -> Result<Vec<i64>> {
    use rusqlite::types::Value;
    let mut args = vec![Value::Text(text_arg(q))];
    let mut clauses = vec![MATCHES.to_string()];
    for w in &filter.words {
        args.push(Value::Text(like_escape(w.trim())));
        clauses.push(MATCHES.replace("?1", &format!("?{}", args.len())));
    }
    if let Some(s) = filter.status {
        args.push(Value::Text(s.code().into()));
        clauses.push(format!("status = ?{}", args.len()));
    }
    if let Some(c) = filter.category {
        args.push(Value::Text(c.code().into()));
        clauses.push(format!("category = ?{}", args.len()));
    }
    let mut stmt = conn.prepare(&format!(
        "SELECT id FROM filings WHERE {} ORDER BY {ORDER}",
        clauses.join(" AND ")
    ))?;
    let ids = stmt
        .query_map(rusqlite::params_from_iter(args), |r| r.get(0))?
        .collect::<rusqlite::Result<Vec<i64>>>()?;
    Ok(ids)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    fn add(store: &mut Store, no: &str, name: &str, status: &str, start: &str) {
        store
            .conn()
            .execute(
                "INSERT INTO filings (filing_no, name, category, applicant_unit, institution,
                     start_date, end_date, status, created_at, updated_at)
                 VALUES (?1, ?2, 'public', '湖南省人社厅', '湖南师范大学', ?3, ?3, ?4, 'x', 'x')",
                params![no, name, start, status],
            )
            .unwrap();
    }

    #[test]
    fn pending_first_and_search_by_number_name_or_institution() {
        let mut store = Store::open_in_memory().unwrap();
        add(&mut store, "2017-001", "保密教育", "approved", "2017-03-01");
        add(
            &mut store,
            "2017-002",
            "公需科目班",
            "pending",
            "2017-06-01",
        );
        add(&mut store, "2017-003", "研修班_甲", "pending", "2017-05-01");
        let c = store.conn();
        let all = page(c, &FilingQuery::default(), 0, 10).unwrap();
        let nos: Vec<&str> = all.iter().map(|r| r.filing_no.as_str()).collect();
        assert_eq!(nos, ["2017-003", "2017-002", "2017-001"]);
        let q = |t: &str| FilingQuery { text: t.into() };
        assert_eq!(count(c, &q("002")).unwrap(), 1);
        assert_eq!(count(c, &q("保密")).unwrap(), 1);
        assert_eq!(count(c, &q("师范")).unwrap(), 3);
        assert_eq!(count(c, &q("_")).unwrap(), 1, "a wildcard is literal");
        assert_eq!(count_pending(c, &FilingQuery::default()).unwrap(), 2);
        let id = all[2].id;
        assert_eq!(
            key_of(c, &FilingQuery::default(), id).unwrap(),
            Some(all[2].key())
        );
        assert_eq!(key_of(c, &q("002"), id).unwrap(), None);
        assert_eq!(next_filing_no(c, 2017).unwrap(), "2017-004");
        assert_eq!(next_filing_no(c, 2018).unwrap(), "2018-001");
    }

    #[test]
    fn r4_2_the_proposed_number_follows_the_last_one_saved() {
        let mut store = Store::open_in_memory().unwrap();
        assert_eq!(next_filing_no(store.conn(), 2026).unwrap(), "2026-001");
        add(
            &mut store,
            "湘人社专技备〔2025〕099号",
            "甲",
            "approved",
            "2025-03-01",
        );
        // A new year restarts at 001, padded as before.
        assert_eq!(
            next_filing_no(store.conn(), 2026).unwrap(),
            "湘人社专技备〔2026〕001号"
        );
        add(
            &mut store,
            "湘人社专技备〔2026〕001号",
            "乙",
            "pending",
            "2026-03-01",
        );
        add(
            &mut store,
            "湘人社专技备〔2026〕004号",
            "丙",
            "pending",
            "2026-03-01",
        );
        // A number without a year is no pattern; the last one with a year is followed, and a
        // number already taken is never proposed.
        add(&mut store, "临时备案", "丁", "pending", "2026-03-01");
        add(
            &mut store,
            "湘人社专技备〔2026〕002号",
            "戊",
            "pending",
            "2026-03-01",
        );
        assert_eq!(
            next_filing_no(store.conn(), 2026).unwrap(),
            "湘人社专技备〔2026〕005号"
        );
    }
}
