//! The paged lookups behind the interface's lists: nothing here loads a whole table.

use rusqlite::{Connection, params_from_iter, types::Value};

use super::Result;
use crate::domain::text::fold_for_search;
use crate::domain::{EntryState, Hours, UnitKind};

/// Which people a list shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PeopleQuery {
    /// Name prefix, pinyin initials, any part of the ID number, or part of the unit, compared
    /// through `fold_for_search` (R1.2: every spelling of a name finds it).
    pub text: String,
    pub city_code: Option<String>,
    pub unit_kind: Option<UnitKind>,
    pub state: PeopleState,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum PeopleState {
    #[default]
    All,
    /// Registered hours of `year` fall short of that year's policy (R2.1).
    ShortIn(i32),
    /// An unlifted falsification finding (R5.3).
    Blocked,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonSummary {
    pub id: i64,
    pub id_number: String,
    pub name: String,
    pub unit: String,
    pub unit_kind: String,
    pub city: String,
    pub title: String,
}

/// `LIKE` treats % and _ as wildcards; a clerk's text is literal.
fn like_escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// R2.1 with R4.3 and R5.2 in SQL: the registered hours that count, per category, for one person
/// and year. It mirrors `Entry::counts`; `tests::sql_short_filter_agrees_with_check` keeps the two
/// in step, because a filter over 100 000 people cannot call Rust per row.
const COUNTED: &str = "
    SELECT coalesce(sum(CASE WHEN e.category = 'public' THEN e.hours_tenths END), 0) AS pub,
           coalesce(sum(CASE WHEN e.category = 'professional' THEN e.hours_tenths END), 0) AS pro
    FROM entries e LEFT JOIN filings f ON f.id = e.filing_id
    WHERE e.person_id = p.id AND e.year = ?Y AND e.state = 'registered' AND e.result <> 'fail'
      AND (e.category = 'professional' OR e.migrated = 1
           OR (f.status = 'approved' AND f.category = 'public' AND f.approved_on <= e.start_date))";

fn where_clause(q: &PeopleQuery, args: &mut Vec<Value>) -> String {
    let mut clauses = vec!["1 = 1".to_string()];
    // R1.2 The text is compared folded, as the keys are stored: any separator of a minority name
    // finds every other, full-width letters and digits find their ASCII forms, `ｘ` finds `X`.
    let text = fold_for_search(&q.text);
    if !text.is_empty() {
        args.push(Value::Text(like_escape(&text)));
        let n = args.len();
        clauses.push(format!(
            "(p.name_key LIKE ?{n} || '%' ESCAPE '\\' OR p.id_number LIKE '%' || upper(?{n}) || '%' ESCAPE '\\'
              OR p.unit_key LIKE '%' || ?{n} || '%' ESCAPE '\\'
              OR p.initials LIKE ?{n} || '%' ESCAPE '\\' OR p.initials LIKE '% ' || ?{n} || '%' ESCAPE '\\')"
        ));
    }
    if let Some(c) = &q.city_code {
        args.push(Value::Text(c.clone()));
        clauses.push(format!("p.city_code = ?{}", args.len()));
    }
    if let Some(k) = q.unit_kind {
        args.push(Value::Text(k.code().into()));
        clauses.push(format!("p.unit_kind = ?{}", args.len()));
    }
    match q.state {
        PeopleState::All => {}
        PeopleState::Blocked => clauses.push(
            "EXISTS (SELECT 1 FROM findings x WHERE x.person_id = p.id AND x.lifted_at IS NULL)"
                .into(),
        ),
        PeopleState::ShortIn(year) => {
            args.push(Value::Integer(year.into()));
            let y = args.len();
            let counted = COUNTED.replace("?Y", &format!("?{y}"));
            let default = crate::domain::YearPolicy::default_for(year);
            let (dp, dr, dt) = (
                default.public_min.tenths(),
                default.professional_min.tenths(),
                default.total_min.tenths(),
            );
            clauses.push(format!(
                "EXISTS (SELECT 1 FROM ({counted}) c
                   LEFT JOIN policies pol ON pol.year = ?{y}
                   WHERE c.pub < coalesce(pol.public_min_tenths, {dp})
                      OR c.pro < coalesce(pol.professional_min_tenths, {dr})
                      OR c.pub + c.pro < coalesce(pol.total_min_tenths, {dt}))"
            ));
        }
    }
    clauses.join(" AND ")
}

/// How many rows a list screen counts at most. Counting every match of a short search among a
/// million people would cost as much as reading them; past this the title says "10 000+".
pub const COUNT_CAP: usize = 10_000;

/// How many rows match a list's query: exactly, or more than [`COUNT_CAP`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Count {
    Exact(usize),
    /// More than [`COUNT_CAP`] rows match; how many more was not counted.
    Over,
}

impl Default for Count {
    fn default() -> Self {
        Count::Exact(0)
    }
}

impl Count {
    /// A count read with `LIMIT COUNT_CAP + 1`.
    pub fn capped(n: usize) -> Count {
        if n > COUNT_CAP {
            Count::Over
        } else {
            Count::Exact(n)
        }
    }

    /// Whether nothing matches.
    pub fn is_zero(&self) -> bool {
        *self == Count::Exact(0)
    }

    /// The exact count, `None` past the cap.
    pub fn exact(&self) -> Option<usize> {
        match self {
            Count::Exact(n) => Some(*n),
            Count::Over => None,
        }
    }
}

/// As the titles show it: `17`, or `10 000+` past the cap (the space groups thousands as
/// Chinese forms print them).
impl std::fmt::Display for Count {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Count::Exact(n) => write!(f, "{n}"),
            Count::Over => write!(f, "{} {:03}+", COUNT_CAP / 1000, COUNT_CAP % 1000),
        }
    }
}

/// Where a page starts, for keyset paging: by the sort key of a row already shown, never by an
/// offset (which SQLite reaches only by reading every row before it). Every page comes back in
/// the list's order, whichever way it was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seek<K> {
    /// The first rows.
    First,
    /// The last rows (`G`), read backwards.
    Last,
    /// Rows from this key on, itself included (a reload keeps the page where it was).
    From(K),
    /// Rows after this key.
    After(K),
    /// The rows just before this key, read backwards.
    Before(K),
}

impl<K> Seek<K> {
    /// Whether the page is read from the end of the list backwards.
    pub fn backwards(&self) -> bool {
        matches!(self, Seek::Last | Seek::Before(_))
    }
}

/// Rows `offset..offset + limit` of a list read by key, page after page from the first (for
/// tests and exports that want a slice; the screens keep their place by key).
pub fn slice<R, K>(
    offset: usize,
    limit: usize,
    mut fetch: impl FnMut(&Seek<K>, usize) -> Result<Vec<R>>,
    key: impl Fn(&R) -> K,
) -> Result<Vec<R>> {
    let mut out = Vec::new();
    let mut seek = Seek::First;
    let mut skip = offset;
    while out.len() < limit {
        let want = (skip + limit - out.len()).min(1000);
        let page = fetch(&seek, want)?;
        let Some(last) = page.last() else { break };
        seek = Seek::After(key(last));
        let got = page.len();
        out.extend(page.into_iter().skip(skip).take(limit - out.len()));
        skip = skip.saturating_sub(got);
        if got < want {
            break;
        }
    }
    Ok(out)
}

/// The People list's sort key: name, then ID number (unique, so the order is total).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonKey {
    pub name: String,
    pub id_number: String,
}

impl PersonSummary {
    pub fn key(&self) -> PersonKey {
        PersonKey {
            name: self.name.clone(),
            id_number: self.id_number.clone(),
        }
    }
}

/// The largest character: `key < text || MAX_CHAR` holds for every key that starts with `text`,
/// so a prefix becomes a range an index serves.
const MAX_CHAR: &str = "char(1114111)";

/// The people the search text can find, through the indexes that serve it (migration 11), as a
/// query of one column `id` with at most [`COUNT_CAP`] + 1 rows per branch; `None` when the text
/// matches too many people for that to help (then the list is read in its own order and the
/// text compared row by row, which finds a page quickly precisely because matches are dense).
/// Every row `where_clause` keeps is among these, so the list is the same either way.
fn candidates(conn: &Connection, text: &str, args: &mut Vec<Value>) -> Result<Option<String>> {
    let cap = COUNT_CAP + 1;
    let sql = if text.chars().count() >= 3 {
        // A trigram phrase matches where its characters stand together: any part of the ID
        // number or unit, and (a superset of) the start of a name or of a reading of initials.
        args.push(Value::Text(format!("\"{}\"", text.replace('"', "\"\""))));
        format!(
            "SELECT rowid AS id FROM people_fts WHERE people_fts MATCH ?{} LIMIT {cap}",
            args.len()
        )
    } else {
        // One or two digits are in nearly every ID number: nothing narrows them.
        if text
            .chars()
            .all(|c| c.is_ascii_digit() || c.eq_ignore_ascii_case(&'x'))
        {
            return Ok(None);
        }
        args.push(Value::Text(text.to_string()));
        let t = args.len();
        args.push(Value::Text(like_escape(text)));
        let e = args.len();
        format!(
            "SELECT id FROM (SELECT id FROM people
                             WHERE name_key >= ?{t} AND name_key < ?{t} || {MAX_CHAR} LIMIT {cap})
             UNION
             SELECT id FROM (SELECT person_id AS id FROM people_readings
                             WHERE reading >= ?{t} AND reading < ?{t} || {MAX_CHAR} LIMIT {cap})
             UNION
             SELECT id FROM (SELECT p.id FROM people_units u CROSS JOIN people p ON p.unit_key = u.unit_key
                             WHERE u.unit_key LIKE '%' || ?{e} || '%' ESCAPE '\\' LIMIT {cap})"
        )
    };
    let n: i64 = conn
        .prepare_cached(&format!(
            "SELECT count(*) FROM (SELECT id FROM ({sql}) LIMIT {cap})"
        ))?
        .query_row(params_from_iter(args.iter()), |r| r.get(0))?;
    Ok((n as usize <= COUNT_CAP).then_some(sql))
}

/// The `FROM` of a People query: the candidates joined to their rows when the search text has
/// few enough, else the whole table (read in `people_order`).
fn people_from(conn: &Connection, q: &PeopleQuery, args: &mut Vec<Value>) -> Result<String> {
    let text = fold_for_search(&q.text);
    let cands = if text.is_empty() {
        None
    } else {
        candidates(conn, &text, args)?
    };
    Ok(match cands {
        // CROSS JOIN keeps the candidates outside: a few thousand rows sorted, not a million
        // read in order to find them.
        Some(c) => format!("({c}) c CROSS JOIN people p ON p.id = c.id"),
        None => "people p".into(),
    })
}

const PERSON_SUMMARY: &str = "p.id, p.id_number, p.name, p.unit, p.unit_kind,
    coalesce(o.short, p.city_code), p.title";

fn person_summary(r: &rusqlite::Row<'_>) -> rusqlite::Result<PersonSummary> {
    Ok(PersonSummary {
        id: r.get(0)?,
        id_number: r.get(1)?,
        name: r.get(2)?,
        unit: r.get(3)?,
        unit_kind: r.get(4)?,
        city: r.get(5)?,
        title: r.get(6)?,
    })
}

/// One page of at most `limit` people, ordered by name then ID number, starting where `seek`
/// says (keyset paging: the page after a key costs the same at row 10 as at row 900 000).
pub fn people_page(
    conn: &Connection,
    q: &PeopleQuery,
    seek: &Seek<PersonKey>,
    limit: usize,
) -> Result<Vec<PersonSummary>> {
    let mut args = Vec::new();
    let w = where_clause(q, &mut args);
    let from = people_from(conn, q, &mut args)?;
    let mut key = |k: &PersonKey, op: &str| {
        args.push(Value::Text(k.name.clone()));
        args.push(Value::Text(k.id_number.clone()));
        let n = args.len();
        format!(" AND (p.name, p.id_number) {op} (?{}, ?{n})", n - 1)
    };
    let bound = match seek {
        Seek::First | Seek::Last => String::new(),
        Seek::From(k) => key(k, ">="),
        Seek::After(k) => key(k, ">"),
        Seek::Before(k) => key(k, "<"),
    };
    let dir = if seek.backwards() { "DESC" } else { "ASC" };
    args.push(Value::Integer(limit as i64));
    let sql = format!(
        "SELECT {PERSON_SUMMARY}
         FROM {from} LEFT JOIN offices o ON o.code = p.city_code
         WHERE {w}{bound} ORDER BY p.name {dir}, p.id_number {dir} LIMIT ?{}",
        args.len()
    );
    let mut rows = conn
        .prepare_cached(&sql)?
        .query_map(params_from_iter(args), person_summary)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    if seek.backwards() {
        rows.reverse();
    }
    Ok(rows)
}

/// How many people the list for `q` holds, counted up to [`COUNT_CAP`].
pub fn count_people_capped(conn: &Connection, q: &PeopleQuery) -> Result<Count> {
    let mut args = Vec::new();
    let w = where_clause(q, &mut args);
    let from = people_from(conn, q, &mut args)?;
    let n: i64 = conn
        .prepare_cached(&format!(
            "SELECT count(*) FROM (SELECT 1 FROM {from} WHERE {w} LIMIT {})",
            COUNT_CAP + 1
        ))?
        .query_row(params_from_iter(args), |r| r.get(0))?;
    Ok(Count::capped(n as usize))
}

/// People `offset..offset + limit` of the list, reached page by page through
/// [`people_page`] (for tests and exports that want a slice; the screens page by key).
pub fn people(
    conn: &Connection,
    q: &PeopleQuery,
    offset: usize,
    limit: usize,
) -> Result<Vec<PersonSummary>> {
    slice(
        offset,
        limit,
        |seek, n| people_page(conn, q, seek, n),
        PersonSummary::key,
    )
}

/// How many people the list for `q` holds, exactly (reading every match: the screens use
/// [`count_people_capped`]).
pub fn count_people(conn: &Connection, q: &PeopleQuery) -> Result<usize> {
    let mut args = Vec::new();
    let w = where_clause(q, &mut args);
    let n: i64 = conn
        .prepare_cached(&format!("SELECT count(*) FROM people p WHERE {w}"))?
        .query_row(params_from_iter(args), |r| r.get(0))?;
    Ok(n as usize)
}

/// An entry as the review queue and the person screen list it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntrySummary {
    pub id: i64,
    pub person_id: i64,
    pub person_name: String,
    pub id_number: String,
    pub year: i32,
    pub category: String,
    pub form: String,
    pub content: String,
    pub provider: String,
    pub start_date: String,
    pub end_date: String,
    pub hours: Hours,
    pub result: String,
    pub state: EntryState,
    pub filing_no: Option<String>,
    pub batch_id: Option<i64>,
    pub batch_source: Option<String>,
    pub migrated: bool,
}

const ENTRY_SUMMARY: &str =
    "SELECT e.id, e.person_id, p.name, p.id_number, e.year, e.category, e.form,
        e.content, e.provider, e.start_date, e.end_date, e.hours_tenths, e.result, e.state,
        f.filing_no, e.batch_id, b.source, e.migrated
    FROM entries e JOIN people p ON p.id = e.person_id
    LEFT JOIN filings f ON f.id = e.filing_id
    LEFT JOIN import_batches b ON b.id = e.batch_id";

fn entry_summary(r: &rusqlite::Row<'_>) -> rusqlite::Result<EntrySummary> {
    let state: String = r.get(13)?;
    Ok(EntrySummary {
        id: r.get(0)?,
        person_id: r.get(1)?,
        person_name: r.get(2)?,
        id_number: r.get(3)?,
        year: r.get(4)?,
        category: r.get(5)?,
        form: r.get(6)?,
        content: r.get(7)?,
        provider: r.get(8)?,
        start_date: r.get(9)?,
        end_date: r.get(10)?,
        hours: Hours::from_tenths(r.get(11)?),
        result: r.get(12)?,
        state: EntryState::parse(&state).unwrap_or(EntryState::Recorded),
        filing_no: r.get(14)?,
        batch_id: r.get(15)?,
        batch_source: r.get(16)?,
        migrated: r.get(17)?,
    })
}

/// Every entry of one person (a person has tens, not thousands).
pub fn entries_of_person(conn: &Connection, person_id: i64) -> Result<Vec<EntrySummary>> {
    let mut stmt = conn.prepare_cached(&format!(
        "{ENTRY_SUMMARY} WHERE e.person_id = ?1 ORDER BY e.year DESC, e.start_date, e.id"
    ))?;
    let rows = stmt
        .query_map([person_id], entry_summary)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// The review queue's search as you type, for a query on `entries e JOIN people p`: the
/// provider by any part of its name (`?{raw}`, the clean text escaped for `LIKE`), the person as
/// People search finds them (`?{folded}`, the text through `fold_for_search`, escaped): the start
/// of the name in any of its spellings (R1.2), pinyin initials (`zw` finds 张伟, either reading
/// of a heteronym), any part of the ID number. Empty text matches every entry. The paged queue,
/// its count, its groups and the ids a pattern marks all use this one clause.
pub fn queue_search_clause(raw: usize, folded: usize) -> String {
    format!(
        "(?{folded} = '' OR e.provider LIKE '%' || ?{raw} || '%' ESCAPE '\\'
          OR p.name_key LIKE ?{folded} || '%' ESCAPE '\\'
          OR p.id_number LIKE '%' || upper(?{folded}) || '%' ESCAPE '\\'
          OR p.initials LIKE ?{folded} || '%' ESCAPE '\\'
          OR p.initials LIKE '% ' || ?{folded} || '%' ESCAPE '\\')"
    )
}

/// The two arguments of [`queue_search_clause`] for what the clerk typed: (raw, folded).
pub fn queue_search_args(text: &str) -> (String, String) {
    let raw = crate::domain::text::clean_line(text);
    (like_escape(raw.trim()), like_escape(&fold_for_search(text)))
}

/// The review queue's sort key (R5.1): import batch, newest first (`batch_rank` is minus the
/// batch, 0 for entries keyed in by hand), provider, person's name, entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueKey {
    pub batch_rank: i64,
    pub provider: String,
    pub person_name: String,
    pub id: i64,
}

impl EntrySummary {
    /// Where this entry stands in the review queue.
    pub fn queue_key(&self) -> QueueKey {
        QueueKey {
            batch_rank: -self.batch_id.unwrap_or(0),
            provider: self.provider.clone(),
            person_name: self.person_name.clone(),
            id: self.id,
        }
    }
}

/// The queue's columns (as [`entry_summary`] reads them) over [`QUEUE_FROM`]: the rows are read from `review_queue` (migration 11), which holds exactly the waiting
/// entries with the keys of the queue's order; `CROSS JOIN` keeps it outside, so the rows come
/// in its index's order and a page stops reading when it is full.
const QUEUE_COLUMNS: &str = "e.id, e.person_id, p.name, p.id_number, e.year, e.category,
    e.form, e.content, e.provider, e.start_date, e.end_date, e.hours_tenths, e.result, e.state,
    f.filing_no, e.batch_id, b.source, e.migrated";

/// The tables behind [`QUEUE_COLUMNS`].
pub const QUEUE_FROM: &str = "review_queue q CROSS JOIN entries e ON e.id = q.entry_id
    CROSS JOIN people p ON p.id = q.person_id
    LEFT JOIN filings f ON f.id = e.filing_id
    LEFT JOIN import_batches b ON b.id = e.batch_id";

/// The queue's order, on the columns of `review_queue_order`.
pub const QUEUE_ORDER: &str = "q.batch_rank, q.provider, q.person_name, q.entry_id";

/// One page of the review queue: entries awaiting review and registration, grouped by import
/// batch and provider (R5.1), at most `limit` from where `seek` says, searched as
/// [`queue_search_clause`] says.
pub fn review_queue_page(
    conn: &Connection,
    text: &str,
    seek: &Seek<QueueKey>,
    limit: usize,
) -> Result<Vec<EntrySummary>> {
    let (raw, folded) = queue_search_args(text);
    let mut args = vec![Value::Text(raw), Value::Text(folded)];
    let mut key = |k: &QueueKey, op: &str| {
        args.push(Value::Integer(k.batch_rank));
        args.push(Value::Text(k.provider.clone()));
        args.push(Value::Text(k.person_name.clone()));
        args.push(Value::Integer(k.id));
        let n = args.len();
        format!(
            " AND ({QUEUE_ORDER}) {op} (?{}, ?{}, ?{}, ?{n})",
            n - 3,
            n - 2,
            n - 1
        )
    };
    let bound = match seek {
        Seek::First | Seek::Last => String::new(),
        Seek::From(k) => key(k, ">="),
        Seek::After(k) => key(k, ">"),
        Seek::Before(k) => key(k, "<"),
    };
    let order = if seek.backwards() {
        QUEUE_ORDER.replace(',', " DESC,") + " DESC"
    } else {
        QUEUE_ORDER.to_string()
    };
    args.push(Value::Integer(limit as i64));
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {QUEUE_COLUMNS} FROM {QUEUE_FROM} WHERE {}{bound} ORDER BY {order} LIMIT ?{}",
        queue_search_clause(1, 2),
        args.len()
    ))?;
    let mut rows = stmt
        .query_map(params_from_iter(args), entry_summary)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    if seek.backwards() {
        rows.reverse();
    }
    Ok(rows)
}

/// Entries `offset..offset + limit` of the queue, reached page by page through
/// [`review_queue_page`] (for tests; the screen pages by key).
pub fn review_queue(
    conn: &Connection,
    text: &str,
    offset: usize,
    limit: usize,
) -> Result<Vec<EntrySummary>> {
    slice(
        offset,
        limit,
        |seek, n| review_queue_page(conn, text, seek, n),
        EntrySummary::queue_key,
    )
}

/// How many entries wait in the queue that match `text`, counted up to [`COUNT_CAP`].
pub fn count_review_queue_capped(conn: &Connection, text: &str) -> Result<Count> {
    let (raw, folded) = queue_search_args(text);
    let n: i64 = if folded.is_empty() {
        conn.prepare_cached(&format!(
            "SELECT count(*) FROM (SELECT 1 FROM review_queue LIMIT {})",
            COUNT_CAP + 1
        ))?
        .query_row([], |r| r.get(0))?
    } else {
        conn.prepare_cached(&format!(
            "SELECT count(*) FROM (SELECT 1 FROM {QUEUE_FROM} WHERE {} LIMIT {})",
            queue_search_clause(1, 2),
            COUNT_CAP + 1
        ))?
        .query_row(rusqlite::params![raw, folded], |r| r.get(0))?
    };
    Ok(Count::capped(n as usize))
}

/// How many entries wait in the queue that match `text`, exactly (the screen uses
/// [`count_review_queue_capped`]).
pub fn count_review_queue(conn: &Connection, text: &str) -> Result<usize> {
    let (raw, folded) = queue_search_args(text);
    let n: i64 = conn
        .prepare_cached(&format!(
            "SELECT count(*) FROM entries e JOIN people p ON p.id = e.person_id
             WHERE e.state IN ('recorded', 'evidence_complete', 'sealed') AND {}",
            queue_search_clause(1, 2)
        ))?
        .query_row(rusqlite::params![raw, folded], |r| r.get(0))?;
    Ok(n as usize)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::check::check;
    use crate::service::demo;
    use crate::service::fixtures::actor;
    use crate::store::Store;

    /// The SQL of the "short this year" filter restates R2.1, R4.3 and R5.2; on the demo data set
    /// (every form, state, filing state, short years, late filings, paper history) it must pick
    /// exactly the people `check` finds short that year.
    #[test]
    fn sql_short_filter_agrees_with_check() {
        let mut store = Store::open_in_memory().unwrap();
        demo::generate(&mut store, &actor("demo"), 300, 2017).unwrap();
        let conn = store.conn();
        for year in 2011..=2017 {
            let q = PeopleQuery {
                state: PeopleState::ShortIn(year),
                ..PeopleQuery::default()
            };
            let sql: std::collections::BTreeSet<String> = people(conn, &q, 0, 10_000)
                .unwrap()
                .into_iter()
                .map(|p| p.id_number)
                .collect();
            assert_eq!(count_people(conn, &q).unwrap(), sql.len());
            let all = people(conn, &PeopleQuery::default(), 0, 10_000).unwrap();
            let rust: std::collections::BTreeSet<String> = all
                .into_iter()
                .filter(|p| {
                    let v = check(&store, &p.id_number, year, year)
                        .unwrap()
                        .verification;
                    // Blocking is a separate filter; the years' hours are what is compared.
                    !v.years[0].pass()
                })
                .map(|p| p.id_number)
                .collect();
            assert_eq!(sql, rust, "year {year}");
            assert!(
                !rust.is_empty() || year == 2017,
                "the demo has short people in {year}"
            );
        }
    }

    fn names_found(store: &Store, text: &str) -> Vec<String> {
        let q = PeopleQuery {
            text: text.into(),
            ..PeopleQuery::default()
        };
        let found = people(store.conn(), &q, 0, 100).unwrap();
        assert_eq!(count_people(store.conn(), &q).unwrap(), found.len());
        let mut ids: Vec<String> = found.into_iter().map(|p| p.id_number).collect();
        ids.sort();
        ids
    }

    /// R1.2 Any spelling a clerk types finds every stored spelling of a minority name, and
    /// full-width letters and digits find their ASCII forms.
    #[test]
    fn r1_2_every_spelling_of_a_name_finds_every_other() {
        let mut store = Store::open_in_memory().unwrap();
        let ids = [
            "430102198601012002",
            "430102198601012010",
            "430102198601012029",
            "430102198601012037",
        ];
        let rows: Vec<String> = ids
            .iter()
            .zip(['\u{b7}', '\u{2022}', '\u{2027}', '.'])
            .map(|(id, sep)| format!("{id},阿卜杜拉{sep}买买提,新疆大学 NO.1,市州所属单位,长沙"))
            .collect();
        let rows: Vec<&str> = rows.iter().map(String::as_str).collect();
        crate::service::import::people(
            &mut store,
            &actor("clerk"),
            &crate::service::fixtures::table("身份证号,姓名,单位,单位类型,市州", &rows),
            &crate::service::fixtures::source(),
            false,
        )
        .unwrap();
        for typed in [
            "阿卜杜拉·买买提",
            "阿卜杜拉.买买提",
            "阿卜杜拉•买买提",
            "阿卜杜拉・买买提",
            "阿卜杜拉．买买提",
            "阿卜杜拉。买",
            "阿卜杜拉",
        ] {
            assert_eq!(names_found(&store, typed), ids, "{typed}");
        }
        // Full-width digits find the ID number; full-width letters and case the unit.
        assert_eq!(names_found(&store, "２０２９"), [ids[2]]);
        assert_eq!(names_found(&store, "ｎｏ．1"), ids);
        assert!(
            names_found(&store, "买买提").is_empty(),
            "a name matches by its start"
        );
    }

    #[test]
    fn search_text_is_literal_not_a_pattern() {
        let mut store = Store::open_in_memory().unwrap();
        demo::generate(&mut store, &actor("demo"), 50, 1).unwrap();
        let q = PeopleQuery {
            text: "%".into(),
            ..PeopleQuery::default()
        };
        assert_eq!(count_people(store.conn(), &q).unwrap(), 0);
    }
}
