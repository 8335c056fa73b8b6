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

/// R2.2 The three minimums of `year` (public, professional, total, in tenths) as SQL
/// expressions over the year in `?{y}`: the year's `policies` row, else the notice's defaults
/// for it. Uncorrelated: SQLite evaluates each once per query, not once per person. Shared by
/// [`short_clause`] and [`count_short`], so that the list and its count apply one policy.
fn minimums_sql(year: i32, y: usize) -> [String; 3] {
    let default = crate::domain::YearPolicy::default_for(year);
    let min = |column: &str, fallback: Hours| {
        format!(
            "(SELECT coalesce(max({column}), {}) FROM policies WHERE year = ?{y})",
            fallback.tenths()
        )
    };
    [
        min("public_min_tenths", default.public_min),
        min("professional_min_tenths", default.professional_min),
        min("total_min_tenths", default.total_min),
    ]
}

/// R2.1 "Short in `year`": the person's registered hours that count (R4.3, R5.2) miss one of
/// that year's minimums (the `policies` row, else the notice's defaults, R2.2). A lookup of the
/// totals the services keep (`store::totals`, decided by `Entry::counts`), never a sum over the
/// entries: one primary-key search per person. A year without a totals row counts nothing, so
/// it is short unless every minimum is zero. Pushes its arguments onto `args`.
fn short_clause(year: i32, args: &mut Vec<Value>) -> String {
    args.push(Value::Integer(year.into()));
    let y = args.len();
    let [public, professional, total] = minimums_sql(year, y);
    format!(
        "(NOT EXISTS (SELECT 1 FROM person_year_totals t
                      WHERE t.person_id = p.id AND t.year = ?{y}
                        AND t.public_tenths >= {public}
                        AND t.professional_tenths >= {professional}
                        AND t.public_tenths + t.professional_tenths >= {total})
          AND ({public} > 0 OR {professional} > 0 OR {total} > 0))"
    )
}

/// R2.1 How many people are short in `year`, of every city or of `city`, with no other filter:
/// the people less those whose totals of the year meet its minimums, read from what migration
/// 22 keeps (`people_count`, the people of each city, and `totals_by_hours`, the year's rows
/// counted by city and hours), so the cost is a sum over the year's distinct (city, hours), not
/// a lookup per person. Equal to counting the people [`short_clause`] keeps, since a person has
/// at most one totals row a year and a row's person exists (the tests compare the two on every
/// change). With every minimum zero nobody is short.
fn count_short(conn: &Connection, year: i32, city: Option<&str>) -> Result<usize> {
    let [public, professional, total] = minimums_sql(year, 1);
    let of_city = if city.is_some() {
        " WHERE city_code = ?2"
    } else {
        ""
    };
    let and_city = if city.is_some() {
        " AND city_code = ?2"
    } else {
        ""
    };
    let sql = format!(
        "SELECT CASE WHEN {public} > 0 OR {professional} > 0 OR {total} > 0
             THEN (SELECT coalesce(sum(n), 0) FROM people_count{of_city})
                  - (SELECT coalesce(sum(people), 0) FROM totals_by_hours
                     WHERE year = ?1{and_city} AND public_tenths >= {public}
                       AND professional_tenths >= {professional}
                       AND public_tenths + professional_tenths >= {total})
             ELSE 0 END"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let n: i64 = match city {
        Some(c) => stmt.query_row(rusqlite::params![year, c], |r| r.get(0))?,
        None => stmt.query_row([year], |r| r.get(0))?,
    };
    Ok(n.max(0) as usize)
}

/// The R1.2 text clause for `text` (already through `fold_for_search`), on `people p`: the start
/// of the name, any part of the ID number or of the unit, the start of a reading of the pinyin
/// initials. This is what the People search finds; every shape of [`Shape`] reads exactly these
/// rows, however it reaches them.
fn text_clause(text: &str, args: &mut Vec<Value>) -> String {
    args.push(Value::Text(like_escape(text)));
    let n = args.len();
    format!(
        "(p.name_key LIKE ?{n} || '%' ESCAPE '\\' OR p.id_number LIKE '%' || upper(?{n}) || '%' ESCAPE '\\'
          OR p.unit_key LIKE '%' || ?{n} || '%' ESCAPE '\\'
          OR p.initials LIKE ?{n} || '%' ESCAPE '\\' OR p.initials LIKE '% ' || ?{n} || '%' ESCAPE '\\')"
    )
}

/// The clauses of `q` besides its text (city, kind of unit, state), on `people p`, joined by
/// `AND`; `None` when there are none.
fn filter_clause(q: &PeopleQuery, args: &mut Vec<Value>) -> Option<String> {
    let mut clauses = Vec::new();
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
        PeopleState::ShortIn(year) => clauses.push(short_clause(year, args)),
    }
    (!clauses.is_empty()).then(|| clauses.join(" AND "))
}

/// Which people the list for `q` holds, as a condition on `people p`: the definition every
/// faster shape of the query is held to (the tests compare them).
fn where_clause(q: &PeopleQuery, args: &mut Vec<Value>) -> String {
    let mut clauses = vec!["1 = 1".to_string()];
    // R1.2 The text is compared folded, as the keys are stored: any separator of a minority name
    // finds every other, full-width letters and digits find their ASCII forms, `ｘ` finds `X`.
    let text = fold_for_search(&q.text);
    if !text.is_empty() {
        clauses.push(text_clause(&text, args));
    }
    clauses.extend(filter_clause(q, args));
    clauses.join(" AND ")
}

/// How many rows a list screen counts at most. Counting every match of a short search among a
/// million people would cost as much as reading them; past this the title says "10 000+".
pub const COUNT_CAP: usize = 10_000;

/// How many of the people a search text finds the count of a text with a filter reads at most
/// (issue 10). Each is looked up in the filter's table (their yearly totals, findings or row),
/// about 2 µs of CPU each at a million people, where the lookups fall on pages far apart: so
/// about 25 ms at most. A little more than [`COUNT_CAP`], so that a filter five in six of them
/// pass (short in the current year) still says "10 000+"; past it the count is a lower bound
/// ([`Count::AtLeast`]).
pub const EXAMINED: usize = COUNT_CAP + 2_000;

/// How many rows match a list's query: exactly, more than [`COUNT_CAP`], or at least a number
/// (a search with a filter whose candidates were too many to read them all).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Count {
    Exact(usize),
    /// More than [`COUNT_CAP`] rows match; how many more was not counted.
    Over,
    /// At least this many rows match (at most [`COUNT_CAP`]): a text together with a filter
    /// (short, blocked, a city, a kind of unit) was counted among the first
    /// [`EXAMINED`] people the text finds, and it finds more. A search's count must not cost
    /// more than its page (issue 10), and there is no kept count of a text by a filter.
    AtLeast(usize),
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

    /// The exact count, `None` past the cap or when only a lower bound was counted.
    pub fn exact(&self) -> Option<usize> {
        match self {
            Count::Exact(n) => Some(*n),
            Count::Over | Count::AtLeast(_) => None,
        }
    }
}

/// `n` with its thousands grouped by a space, as Chinese forms print them: `10 000`, `2 417`.
fn grouped(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(' ');
        }
        out.push(c);
    }
    out
}

/// As the titles show it, the same in both languages: `17`; `10 000+` past the cap; `2 417+`
/// for at least 2 417 (the `+` says more may match, as past the cap).
impl std::fmt::Display for Count {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Count::Exact(n) => write!(f, "{n}"),
            Count::Over => write!(f, "{}+", grouped(COUNT_CAP)),
            Count::AtLeast(n) => write!(f, "{}+", grouped(*n)),
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

/// How the People list reaches the rows [`where_clause`] keeps (issue 10): each shape reads an
/// index in the list's order (name, then ID number) from the page's key, or a set small enough
/// to sort, so that a page costs about the same wherever in the list its rows are. The rows are
/// the same whatever the shape.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Shape {
    /// Every person in the list's order (`people_order`, `people_city_order`), each compared
    /// with [`where_clause`]: no text, or one or two digits, which are in nearly every ID
    /// number, so a page is found among its first rows.
    Scan,
    /// Three characters or more, through the trigram index `people_fts` (`phrase` is the FTS5
    /// phrase of the text). Its matches are a superset of the rows (the text anywhere in the
    /// name or initials), decided by [`where_clause`]. `few`: at most [`COUNT_CAP`] of them,
    /// joined to their rows and sorted; else they are dense, and a page is read as [`Shape::Scan`]
    /// reads it (found among its first few thousand rows). Either way they are counted through
    /// the index, not by comparing the list row by row until the count's cap.
    Trigram { phrase: String, few: bool },
    /// One or two characters, not all digits: the people whose name or a reading of whose
    /// initials starts with `text` are the range `prefix = text` of `people_prefixes`
    /// (migration 18), in the list's order; the people of the units the text is part of are
    /// merged in (an ID number holds only digits and `X`).
    Prefix { text: String, units: Units },
}

/// How many people work at the units a one- or two-character text is part of, which decides
/// how they are read in the list's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Units {
    /// No unit holds the text.
    None,
    /// At most [`COUNT_CAP`] people: read from `people_unit_order` unit by unit and sorted.
    Few,
    /// More: dense enough to be found by reading the list's own index, keeping those people.
    Many,
}

/// The arguments' `LIKE` text for "`unit_key` holds `text`" over `people_units`.
fn units_like(e: usize) -> String {
    format!("unit_key LIKE '%' || ?{e} || '%' ESCAPE '\\'")
}

/// The people of the units that hold `?{e}`, as `p`, through the distinct units and
/// `people_unit_order` (a city has thousands of units, not millions), in no particular order.
fn units_from(e: usize) -> String {
    format!(
        "people_units u CROSS JOIN people p INDEXED BY people_unit_order ON p.unit_key = u.unit_key
         WHERE u.{}",
        units_like(e)
    )
}

/// How many rows `sql` (a query of any columns) yields, up to [`COUNT_CAP`] + 1.
fn count_capped(conn: &Connection, sql: &str, args: &[Value]) -> Result<usize> {
    let n: i64 = conn
        .prepare_cached(&format!(
            "SELECT count(*) FROM ({sql} LIMIT {})",
            COUNT_CAP + 1
        ))?
        .query_row(params_from_iter(args.iter()), |r| r.get(0))?;
    Ok(n as usize)
}

/// The shape for the search text `text` (through `fold_for_search`). Costs one capped count
/// of the trigram index or of the matching units' people.
fn shape(conn: &Connection, text: &str) -> Result<Shape> {
    let chars = text.chars().count();
    if chars == 0
        || (chars < 3
            && text
                .chars()
                .all(|c| c.is_ascii_digit() || c.eq_ignore_ascii_case(&'x')))
    {
        return Ok(Shape::Scan);
    }
    if chars >= 3 {
        let phrase = format!("\"{}\"", text.replace('"', "\"\""));
        let n = count_capped(
            conn,
            "SELECT 1 FROM people_fts WHERE people_fts MATCH ?1",
            &[Value::Text(phrase.clone())],
        )?;
        return Ok(Shape::Trigram {
            phrase,
            few: n <= COUNT_CAP,
        });
    }
    let n = count_capped(
        conn,
        &format!("SELECT 1 FROM {}", units_from(1)),
        &[Value::Text(like_escape(text))],
    )?;
    let units = match n {
        0 => Units::None,
        n if n <= COUNT_CAP => Units::Few,
        _ => Units::Many,
    };
    Ok(Shape::Prefix {
        text: text.to_string(),
        units,
    })
}

/// `AND (a, b) op (?, ?)` for the page's key on columns `cols`, the key's arguments at `key`.
fn bound(seek: &Seek<PersonKey>, key: usize, cols: &str) -> String {
    let op = match seek {
        Seek::First | Seek::Last => return String::new(),
        Seek::From(_) => ">=",
        Seek::After(_) => ">",
        Seek::Before(_) => "<",
    };
    format!(" AND ({cols}) {op} (?{key}, ?{})", key + 1)
}

/// Pushes the key of `seek`, if any, and returns the number of its first argument.
fn push_key(seek: &Seek<PersonKey>, args: &mut Vec<Value>) -> usize {
    match seek {
        Seek::First | Seek::Last => 0,
        Seek::From(k) | Seek::After(k) | Seek::Before(k) => {
            args.push(Value::Text(k.name.clone()));
            args.push(Value::Text(k.id_number.clone()));
            args.len() - 1
        }
    }
}

/// The two parts of a [`Shape::Prefix`] query as queries of `name, id_number`: the prefix range
/// (`?{t}` the text) and, unless no unit holds the text, the people of those units (`?{e}` the
/// text escaped for `LIKE`), each with `filters` and the page's `bound` (on `cols`). `ordered`
/// asks for the units' people in the list's order (a page), else any order (a count).
struct PrefixArms {
    prefix: String,
    units: Option<String>,
}

fn prefix_arms(
    units: Units,
    t: usize,
    e: usize,
    filters: Option<&str>,
    bound: &dyn Fn(&str) -> String,
    city: bool,
    ordered: bool,
) -> PrefixArms {
    let and = filters.map(|f| format!(" AND {f}")).unwrap_or_default();
    // Without filters the range holds all it needs; with them each row's person is read.
    let prefix = match filters {
        None => format!(
            "SELECT x.name, x.id_number FROM people_prefixes x WHERE x.prefix = lower(?{t}){}",
            bound("x.name, x.id_number")
        ),
        Some(_) => format!(
            "SELECT x.name, x.id_number FROM people_prefixes x
             CROSS JOIN people p ON p.id = x.person_id
             WHERE x.prefix = lower(?{t}){and}{}",
            bound("x.name, x.id_number")
        ),
    };
    let b = bound("p.name, p.id_number");
    let units = match units {
        Units::None => None,
        Units::Many if ordered => {
            // More than the cap of a million: at least one in a hundred, so a page is found
            // within a few thousand rows of the list's own index from its key.
            let index = if city {
                "people_city_order"
            } else {
                "people_order"
            };
            Some(format!(
                "SELECT p.name, p.id_number FROM people p INDEXED BY {index}
                 WHERE p.unit_key IN (SELECT unit_key FROM people_units WHERE {}){and}{b}",
                units_like(e)
            ))
        }
        Units::Few | Units::Many => Some(format!(
            "SELECT p.name, p.id_number FROM {}{and}{b}",
            units_from(e)
        )),
    };
    PrefixArms { prefix, units }
}

/// The SQL of one page of the People list with its arguments. The rows come in the list's
/// order read from where `seek` says (backwards for [`Seek::Last`] and [`Seek::Before`]); the
/// caller puts them in the list's order.
fn page_sql(
    conn: &Connection,
    q: &PeopleQuery,
    seek: &Seek<PersonKey>,
    limit: usize,
) -> Result<(String, Vec<Value>)> {
    let mut shape = shape(conn, &fold_for_search(&q.text))?;
    // Units found all over the province are mostly in other cities than the one filtered
    // for: read from the city's own index, a page of them was a read of the whole city when
    // none work there (`张` in 长沙 at a million people: 1.3 s, the 17 985 people of the
    // units holding 张, 张家界's, all elsewhere). Up to [`FEW_IN_A_CITY`] they are read unit
    // by unit, each person's city compared, and sorted (about 50 ms at most).
    if q.city_code.is_some()
        && let Shape::Prefix { text, units } = &mut shape
        && *units == Units::Many
        && count_limited(
            conn,
            &format!("SELECT 1 FROM {}", units_from(1)),
            &[Value::Text(like_escape(text))],
            FEW_IN_A_CITY + 1,
        )? <= FEW_IN_A_CITY
    {
        *units = Units::Few;
    }
    Ok(shaped_page_sql(shape, q, seek, limit))
}

/// How many people of the units a short text is part of are read unit by unit for a page
/// with a city filter, rather than through the city's own index ([`page_sql`]).
const FEW_IN_A_CITY: usize = 4 * COUNT_CAP;

/// [`page_sql`] for a query of this shape.
fn shaped_page_sql(
    shape: Shape,
    q: &PeopleQuery,
    seek: &Seek<PersonKey>,
    limit: usize,
) -> (String, Vec<Value>) {
    let dir = if seek.backwards() { "DESC" } else { "ASC" };
    let mut args = Vec::new();
    let sql = match shape {
        Shape::Scan | Shape::Trigram { few: false, .. } if q.state == PeopleState::Blocked => {
            // R5.3 The blocked people are a range of `people_blocked` in the list's order,
            // each decided by the list's own clause on their row.
            let w = where_clause(q, &mut args);
            let key = push_key(seek, &mut args);
            format!(
                "SELECT {PERSON_SUMMARY} FROM people_blocked b
                 CROSS JOIN people p ON p.id = b.person_id
                 LEFT JOIN offices o ON o.code = p.city_code
                 WHERE {w}{} ORDER BY b.name {dir}, b.id_number {dir} LIMIT {limit}",
                bound(seek, key, "b.name, b.id_number")
            )
        }
        Shape::Scan | Shape::Trigram { few: false, .. } => {
            let w = where_clause(q, &mut args);
            let key = push_key(seek, &mut args);
            format!(
                "SELECT {PERSON_SUMMARY} FROM people p LEFT JOIN offices o ON o.code = p.city_code
                 WHERE {w}{} ORDER BY p.name {dir}, p.id_number {dir} LIMIT {limit}",
                bound(seek, key, "p.name, p.id_number")
            )
        }
        Shape::Trigram { phrase, few: true } => {
            let w = where_clause(q, &mut args);
            let key = push_key(seek, &mut args);
            args.push(Value::Text(phrase));
            // CROSS JOIN keeps the matches outside: a few thousand rows sorted, not a million
            // read in order to find them.
            format!(
                "SELECT {PERSON_SUMMARY}
                 FROM (SELECT rowid AS id FROM people_fts WHERE people_fts MATCH ?{}) c
                 CROSS JOIN people p ON p.id = c.id LEFT JOIN offices o ON o.code = p.city_code
                 WHERE {w}{} ORDER BY p.name {dir}, p.id_number {dir} LIMIT {limit}",
                args.len(),
                bound(seek, key, "p.name, p.id_number")
            )
        }
        Shape::Prefix { text, units } => {
            let filters = filter_clause(q, &mut args);
            let key = push_key(seek, &mut args);
            args.push(Value::Text(text.clone()));
            let t = args.len();
            // Every argument pushed is used: SQLite counts its parameters by the highest one.
            if units != Units::None {
                args.push(Value::Text(like_escape(&text)));
            }
            let e = args.len();
            let arms = prefix_arms(
                units,
                t,
                e,
                filters.as_deref(),
                &|cols| bound(seek, key, cols),
                q.city_code.is_some(),
                true,
            );
            // Each part is read in the list's order, so SQLite merges them without sorting and
            // stops when the page is full.
            let keys = match arms.units {
                None => format!(
                    "{} ORDER BY x.name {dir}, x.id_number {dir} LIMIT {limit}",
                    arms.prefix
                ),
                Some(units) => format!(
                    "{} UNION {units} ORDER BY 1 {dir}, 2 {dir} LIMIT {limit}",
                    arms.prefix
                ),
            };
            format!(
                "SELECT {PERSON_SUMMARY} FROM ({keys}) c
                 CROSS JOIN people p ON p.id_number = c.id_number
                 LEFT JOIN offices o ON o.code = p.city_code"
            )
        }
    };
    (sql, args)
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
    // R2.1 A year in which nobody is short (every minimum zero, or everyone done) would
    // otherwise be a read of the whole list in search of a first row. Asked when a list is
    // (re)read, not at every page after a row already found.
    if let Some(year) = short_alone(q)
        && matches!(seek, Seek::First | Seek::Last | Seek::From(_))
        && count_short(conn, year, q.city_code.as_deref())? == 0
    {
        return Ok(Vec::new());
    }
    let (sql, args) = page_sql(conn, q, seek, limit)?;
    let mut rows = conn
        .prepare_cached(&sql)?
        .query_map(params_from_iter(args), person_summary)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    // Byte order of UTF-8 is SQLite's BINARY order: the list's order whichever way it was read.
    rows.sort_unstable_by(|a, b| (&a.name, &a.id_number).cmp(&(&b.name, &b.id_number)));
    Ok(rows)
}

/// The rows of a [`Shape::Trigram`] query to count: the trigram index's matches in id order,
/// each decided by [`where_clause`] on its row (a key at a million people reads about
/// [`COUNT_CAP`] of them, where comparing the list row by row read a third of it for `1985`).
fn trigram_count_sql(q: &PeopleQuery, phrase: String) -> (String, Vec<Value>) {
    let mut args = Vec::new();
    let w = where_clause(q, &mut args);
    args.push(Value::Text(phrase));
    let sql = format!(
        "SELECT 1 FROM (SELECT rowid AS id FROM people_fts WHERE people_fts MATCH ?{})
         c CROSS JOIN people p ON p.id = c.id WHERE {w}",
        args.len()
    );
    (sql, args)
}

/// The year of a query that is "short in a year" and nothing else but perhaps a city (no text,
/// no kind of unit): the one [`count_short`] counts from the kept counts.
fn short_alone(q: &PeopleQuery) -> Option<i32> {
    match q.state {
        PeopleState::ShortIn(year)
            if q.unit_kind.is_none() && fold_for_search(&q.text).is_empty() =>
        {
            Some(year)
        }
        _ => None,
    }
}

/// How many people the list for `q` holds, counted up to [`COUNT_CAP`]. Reads at most about
/// [`COUNT_CAP`] matches through the index that finds them, never the list row by row for a
/// text that matches one person in a hundred; "short in a year" alone or in a city is read from
/// kept counts ([`count_short`]), "blocked" through `people_blocked`. A text together with a
/// filter reads at most [`EXAMINED`] of the people the text finds ([`count_filtered_text`]):
/// exact when it finds no more, else at least what those gave ([`Count::AtLeast`]).
pub fn count_people_capped(conn: &Connection, q: &PeopleQuery) -> Result<Count> {
    if let Some(year) = short_alone(q) {
        return Ok(Count::capped(count_short(
            conn,
            year,
            q.city_code.as_deref(),
        )?));
    }
    let mut args = Vec::new();
    let text = fold_for_search(&q.text);
    let shape = shape(conn, &text)?;
    let filtered = q.city_code.is_some() || q.unit_kind.is_some() || q.state != PeopleState::All;
    if filtered && !text.is_empty() {
        return count_filtered_text(conn, q, shape, EXAMINED);
    }
    let n = match shape {
        Shape::Scan if q.state == PeopleState::Blocked => {
            // R5.3 The blocked people, each decided by the list's clause on their row.
            let w = where_clause(q, &mut args);
            count_capped(
                conn,
                &format!(
                    "SELECT 1 FROM people_blocked b CROSS JOIN people p ON p.id = b.person_id
                     WHERE {w}"
                ),
                &args,
            )?
        }
        Shape::Scan => {
            let w = where_clause(q, &mut args);
            // The state filters look up each person by id (totals, findings): read in id
            // order, those lookups go through their tables in order instead of at random.
            let order = if q.state != PeopleState::All && q.city_code.is_none() {
                " NOT INDEXED"
            } else {
                ""
            };
            count_capped(
                conn,
                &format!("SELECT 1 FROM people p{order} WHERE {w}"),
                &args,
            )?
        }
        Shape::Trigram { phrase, .. } => {
            let (sql, args) = trigram_count_sql(q, phrase);
            count_capped(conn, &sql, &args)?
        }
        Shape::Prefix { text, units } => {
            args.push(Value::Text(text.clone()));
            let t = args.len();
            args.push(Value::Text(like_escape(&text)));
            let e = args.len();
            let arms = prefix_arms(units, t, e, None, &|_| String::new(), false, false);
            // Each part alone past the cap is the whole past it; under it, the union of two
            // sets of at most the cap each is counted (a person found by name and by unit once).
            let a = count_capped(conn, &arms.prefix, &args[..t])?;
            match arms.units {
                Some(units) if a <= COUNT_CAP => {
                    let b = count_capped(conn, &units, &args)?;
                    if a == 0 || b > COUNT_CAP {
                        b
                    } else if b == 0 {
                        a
                    } else {
                        count_capped(
                            conn,
                            &format!("SELECT * FROM ({} UNION {units})", arms.prefix),
                            &args,
                        )?
                    }
                }
                _ => a,
            }
        }
    };
    Ok(Count::capped(n))
}

/// How many rows `sql` yields, reading at most `limit` of them.
fn count_limited(conn: &Connection, sql: &str, args: &[Value], limit: usize) -> Result<usize> {
    let n: i64 = conn
        .prepare_cached(&format!("SELECT count(*) FROM ({sql} LIMIT {limit})"))?
        .query_row(params_from_iter(args.iter()), |r| r.get(0))?;
    Ok(n as usize)
}

/// Counts the candidates `sql` yields (one column: whether the candidate is in the list) that
/// are in the list: stops past [`COUNT_CAP`] of them ([`Count::Over`]) or after `examined`
/// candidates when more follow ([`Count::AtLeast`]); `more` says that `sql` itself left
/// candidates out. Exact otherwise.
fn count_among(
    conn: &Connection,
    sql: &str,
    args: &[Value],
    more: bool,
    examined: usize,
) -> Result<Count> {
    let budget = examined;
    let mut stmt = conn.prepare_cached(sql)?;
    let mut rows = stmt.query(params_from_iter(args.iter()))?;
    let (mut examined, mut matched) = (0usize, 0usize);
    while let Some(r) = rows.next()? {
        if examined == budget {
            return Ok(Count::AtLeast(matched));
        }
        examined += 1;
        if r.get::<_, Option<bool>>(0)?.unwrap_or(false) {
            matched += 1;
            if matched > COUNT_CAP {
                return Ok(Count::Over);
            }
        }
    }
    Ok(if more {
        Count::AtLeast(matched)
    } else {
        Count::Exact(matched)
    })
}

/// [`count_people_capped`] for a search text together with a filter (a city, a kind of unit,
/// short in a year, blocked). No count is kept of a text by a filter, so the people the text
/// finds are read through the text's own index and each decided by the filter, at most
/// [`EXAMINED`] of them, in id order so that the lookups of their rows, totals or findings go
/// through those tables in their order. At a million people `z` finds 148 000 people and `张`
/// 32 000: reading them all was 620 and 121 ms with "short".
///
/// R5.3 The blocked people are few and kept in `people_blocked`: while there are no more than
/// [`EXAMINED`], the blocked filter reads them instead, each decided by the list's clause,
/// and is exact whatever the text.
/// `examined` is [`EXAMINED`] but for tests, which try the bound on a few hundred people.
fn count_filtered_text(
    conn: &Connection,
    q: &PeopleQuery,
    shape: Shape,
    examined: usize,
) -> Result<Count> {
    let mut args = Vec::new();
    if q.state == PeopleState::Blocked
        && count_limited(conn, "SELECT 1 FROM people_blocked", &[], examined + 1)? <= examined
    {
        let w = where_clause(q, &mut args);
        return count_among(
            conn,
            &format!(
                "SELECT {w} FROM (SELECT person_id AS id FROM people_blocked ORDER BY 1) c
                 CROSS JOIN people p ON p.id = c.id"
            ),
            &args,
            false,
            examined,
        );
    }
    match shape {
        Shape::Scan => {
            // One or two digits, in nearly every ID number: the candidates are everyone (of
            // the city), in id order (the city's index order).
            let w = where_clause(q, &mut args);
            let from = match &q.city_code {
                Some(c) => {
                    args.push(Value::Text(c.clone()));
                    format!("people p WHERE p.city_code = ?{}", args.len())
                }
                None => "people p NOT INDEXED".into(),
            };
            count_among(
                conn,
                &format!("SELECT {w} FROM {from}"),
                &args,
                false,
                examined,
            )
        }
        Shape::Trigram { phrase, .. } => {
            // The trigram index's matches come in id order, a superset of the text's people.
            let w = where_clause(q, &mut args);
            args.push(Value::Text(phrase));
            let sql = format!(
                "SELECT {w} FROM (SELECT rowid AS id FROM people_fts WHERE people_fts MATCH ?{})
                 c CROSS JOIN people p ON p.id = c.id",
                args.len()
            );
            count_among(conn, &sql, &args, false, examined)
        }
        Shape::Prefix { text, units } => {
            // Exactly the people the text finds: by name or initials (the range of
            // `people_prefixes`, in name order) and by unit. Each part is cut at one more than
            // `examined` before they are merged and put in id order, so a text that finds a
            // hundred thousand people never sorts them all.
            let f = filter_clause(q, &mut args).unwrap_or_else(|| "1".into());
            args.push(Value::Text(text.clone()));
            let t = args.len();
            let limit = examined + 1;
            let prefix = |n: usize| {
                format!("SELECT person_id AS id FROM people_prefixes WHERE prefix = lower(?{n})")
            };
            let escaped = Value::Text(like_escape(&text));
            let mut more = count_limited(conn, &prefix(1), &[Value::Text(text)], limit)? > examined;
            let found = match units {
                Units::None => format!("SELECT id FROM ({} LIMIT {limit})", prefix(t)),
                Units::Few | Units::Many => {
                    more |= count_limited(
                        conn,
                        &format!("SELECT 1 FROM {}", units_from(1)),
                        std::slice::from_ref(&escaped),
                        limit,
                    )? > examined;
                    args.push(escaped);
                    format!(
                        "SELECT id FROM ({} LIMIT {limit})
                         UNION SELECT id FROM (SELECT p.id FROM {} LIMIT {limit})",
                        prefix(t),
                        units_from(args.len())
                    )
                }
            };
            // A state filter alone needs only the person's id (the totals or findings are
            // looked up by it): the people's rows, a random read each, are left alone.
            let sql = if q.city_code.is_none() && q.unit_kind.is_none() {
                format!("SELECT {f} FROM ({found} ORDER BY 1) p")
            } else {
                format!("SELECT {f} FROM ({found} ORDER BY 1) c CROSS JOIN people p ON p.id = c.id")
            };
            count_among(conn, &sql, &args, more, examined)
        }
    }
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

/// Of the people `ids`, those the list for `q` shows, in id order: read at a refresh, so that a
/// person another clerk changed so that the search or filter no longer finds them (renamed,
/// moved to another city, no longer short) loses the mark, and `b` never adds someone the list
/// does not show to a batch (R6.3). The same clause as [`count_people`], on a few rows.
pub fn people_still_listed(conn: &Connection, q: &PeopleQuery, ids: &[i64]) -> Result<Vec<i64>> {
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(400) {
        let mut args = Vec::new();
        let w = where_clause(q, &mut args);
        let first = args.len() + 1;
        let marks = super::numbered_params(first, chunk.len());
        args.extend(chunk.iter().map(|&id| Value::Integer(id)));
        let rows = conn
            .prepare(&format!(
                "SELECT p.id FROM people p WHERE p.id IN ({marks}) AND {w} ORDER BY p.id"
            ))?
            .query_map(params_from_iter(args), |r| r.get(0))?
            .collect::<rusqlite::Result<Vec<i64>>>()?;
        out.extend(rows);
    }
    Ok(out)
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

/// The largest character: `key < text || MAX_CHAR` holds for every key that starts with `text`,
/// so a prefix becomes a range an index serves.
const MAX_CHAR: &str = "char(1114111)";

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

/// The review queue's search as you type, for a query on `review_queue q JOIN people p`: the
/// provider by any part of its name (`?{raw}`, the clean text escaped for `LIKE`), the person as
/// People search finds them (`?{folded}`, the text through `fold_for_search`, escaped): the start
/// of the name in any of its spellings (R1.2), pinyin initials (`zw` finds 张伟, either reading
/// of a heteronym), any part of the ID number. Empty text matches every entry. The paged queue,
/// its count, its groups and the ids a pattern marks all use this one clause. The provider is
/// the queue row's own copy, so deciding whether an entry matches never reads the entry.
pub fn queue_search_clause(raw: usize, folded: usize) -> String {
    format!(
        "(?{folded} = '' OR {} OR {})",
        queue_provider_match("q.provider", raw),
        queue_person_match(folded)
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

/// The tables behind [`QUEUE_COLUMNS`]. The person comes before the entry: the search clause
/// is decided on the queue's row and the person, so an entry that does not match is never read.
pub const QUEUE_FROM: &str = "review_queue q CROSS JOIN people p ON p.id = q.person_id
    CROSS JOIN entries e ON e.id = q.entry_id
    LEFT JOIN filings f ON f.id = e.filing_id
    LEFT JOIN import_batches b ON b.id = e.batch_id";

/// What [`queue_search_clause`] needs and no more, for counting: the queue's rows in its order
/// and each one's person, never the entry (a read of the wide entry row per waiting entry was
/// most of a search key's time at 100 000 people).
pub const QUEUE_MATCH_FROM: &str = "review_queue q CROSS JOIN people p ON p.id = q.person_id";

/// The queue's order, on the columns of `review_queue_order`.
pub const QUEUE_ORDER: &str = "q.batch_rank, q.provider, q.person_name, q.entry_id";

/// One page of the review queue: entries awaiting review and registration, grouped by import
/// batch and provider (R5.1), at most `limit` from where `seek` says, searched as
/// [`queue_search_clause`] says.
///
/// Without search text the page is one statement read in `review_queue_order` from the key on.
/// With text, the entries whose provider matches and the other entries whose person matches
/// are read as two streams in the queue's order ([`queue_provider_keys`],
/// [`queue_person_keys`]), each through an index that serves it, merged, and the page's rows
/// read by id: a search by provider is a walk over the groups, not over the waiting entries.
pub fn review_queue_page(
    conn: &Connection,
    text: &str,
    seek: &Seek<QueueKey>,
    limit: usize,
) -> Result<Vec<EntrySummary>> {
    let (raw, folded) = queue_search_args(text);
    if !folded.is_empty() {
        let people = queue_people(conn, text)?;
        let mut keys = queue_provider_keys(conn, &raw, seek, limit)?;
        keys.extend(queue_person_keys(
            conn, &raw, &folded, &people, seek, limit,
        )?);
        // The streams are disjoint (an entry whose provider matches is only in the first).
        keys.sort_by(queue_cmp);
        if seek.backwards() {
            keys.drain(..keys.len().saturating_sub(limit));
        } else {
            keys.truncate(limit);
        }
        return queue_rows(conn, &keys);
    }
    let mut args = Vec::new();
    let bound = queue_bound(seek, &mut args);
    let order = queue_order(seek.backwards());
    args.push(Value::Integer(limit as i64));
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {QUEUE_COLUMNS} FROM {QUEUE_FROM} WHERE 1 = 1{bound} ORDER BY {order} LIMIT ?{}",
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

/// How many entries wait in the queue that match `text`, counted up to [`COUNT_CAP`]. The
/// entries whose provider matches are summed from `review_queue_groups` (exact, one row per
/// group); only the others whose person matches are counted entry by entry, from the people
/// the text finds when they are few.
pub fn count_review_queue_capped(conn: &Connection, text: &str) -> Result<Count> {
    let (raw, folded) = queue_search_args(text);
    if folded.is_empty() {
        let n: i64 = conn
            .prepare_cached(&format!(
                "SELECT count(*) FROM (SELECT 1 FROM review_queue LIMIT {})",
                COUNT_CAP + 1
            ))?
            .query_row([], |r| r.get(0))?;
        return Ok(Count::capped(n as usize));
    }
    let by_provider: i64 = conn
        .prepare_cached(&format!(
            "SELECT coalesce(sum(waiting), 0) FROM review_queue_groups g WHERE {}",
            queue_provider_match("g.provider", 1)
        ))?
        .query_row([&raw], |r| r.get(0))?;
    let by_provider = by_provider as usize;
    if by_provider > COUNT_CAP {
        return Ok(Count::Over);
    }
    let people = queue_people(conn, text)?;
    let mut args = vec![Value::Text(raw), Value::Text(folded)];
    let from = people.from(&mut args);
    args.push(Value::Integer((COUNT_CAP + 1 - by_provider) as i64));
    let by_person: i64 = conn
        .prepare_cached(&format!(
            "SELECT count(*) FROM (SELECT 1 FROM {from} WHERE {} AND NOT {} LIMIT ?{})",
            queue_person_match(2),
            queue_provider_match("q.provider", 1),
            args.len()
        ))?
        .query_row(params_from_iter(args), |r| r.get(0))?;
    Ok(Count::capped(by_provider + by_person as usize))
}

/// How many entries wait in the queue that match `text`, exactly, compared entry by entry (the
/// screen uses [`count_review_queue_capped`]; this is the plain statement tests hold it to).
pub fn count_review_queue(conn: &Connection, text: &str) -> Result<usize> {
    let (raw, folded) = queue_search_args(text);
    let n: i64 = conn
        .prepare_cached(&format!(
            "SELECT count(*) FROM {QUEUE_MATCH_FROM} WHERE {}",
            queue_search_clause(1, 2)
        ))?
        .query_row(rusqlite::params![raw, folded], |r| r.get(0))?;
    Ok(n as usize)
}

/// The provider half of [`queue_search_clause`]: `column` holds any part of `?{raw}`.
pub(crate) fn queue_provider_match(column: &str, raw: usize) -> String {
    format!("{column} LIKE '%' || ?{raw} || '%' ESCAPE '\\'")
}

/// The person half of [`queue_search_clause`], on `people p`.
pub(crate) fn queue_person_match(folded: usize) -> String {
    format!(
        "(p.name_key LIKE ?{folded} || '%' ESCAPE '\\'
          OR p.id_number LIKE '%' || upper(?{folded}) || '%' ESCAPE '\\'
          OR p.initials LIKE ?{folded} || '%' ESCAPE '\\'
          OR p.initials LIKE '% ' || ?{folded} || '%' ESCAPE '\\')"
    )
}

/// The people the queue's search text can find (the person half of [`queue_search_clause`]),
/// as the queue needs them: [`QueuePeople::Few`] when an index gives a superset of at most
/// [`COUNT_CAP`] people (their entries are then looked up by person and sorted, a few thousand
/// at most), [`QueuePeople::Many`] when the text is common enough that reading the queue in its
/// order and comparing each entry's person finds a page soon (one or two digits, a common
/// surname, one initial).
pub(crate) enum QueuePeople {
    /// `sql`, a query of one column `id` naming the folded `text` `?T`: every person the text
    /// can match is among them; the statements still compare each with
    /// [`queue_person_match`].
    Few {
        sql: String,
        text: String,
    },
    Many,
}

impl QueuePeople {
    /// The `FROM` of a statement over the waiting entries whose person may match, as
    /// `review_queue q` and `people p`: the candidates' entries through `review_queue_person`,
    /// or the whole queue in its order. The candidates' argument is pushed onto `args`.
    pub(crate) fn from(&self, args: &mut Vec<Value>) -> String {
        match self {
            QueuePeople::Few { sql, text } => {
                args.push(Value::Text(text.clone()));
                format!(
                    "({}) c CROSS JOIN review_queue q ON q.person_id = c.id
                     CROSS JOIN people p ON p.id = q.person_id",
                    sql.replace("?T", &format!("?{}", args.len()))
                )
            }
            QueuePeople::Many => "review_queue q CROSS JOIN people p ON p.id = q.person_id".into(),
        }
    }
}

/// Which people the queue's search `text` can find, through the people search's indexes: a
/// trigram phrase in `people_fts` (name, ID number and initials; three characters or more), or
/// the start of a folded name (`people_key`) and of a reading of the initials
/// (`people_readings`). One or two digits are in nearly every ID number: [`QueuePeople::Many`].
/// The SQL names the folded text `?T` ([`QueuePeople::from`] numbers it).
pub(crate) fn queue_people(conn: &Connection, text: &str) -> Result<QueuePeople> {
    let folded = fold_for_search(text);
    let cap = COUNT_CAP + 1;
    let branches = if folded.chars().count() >= 3 {
        vec![format!(
            "SELECT rowid AS id FROM people_fts
             WHERE people_fts MATCH '{{name_key id_number initials}} : \"' || replace(?T, '\"', '\"\"') || '\"'
             LIMIT {cap}"
        )]
    } else if folded
        .chars()
        .all(|c| c.is_ascii_digit() || c.eq_ignore_ascii_case(&'x'))
    {
        return Ok(QueuePeople::Many);
    } else {
        vec![
            format!(
                "SELECT id FROM (SELECT id FROM people
                 WHERE name_key >= ?T AND name_key < ?T || {MAX_CHAR} LIMIT {cap})"
            ),
            format!(
                "SELECT id FROM (SELECT person_id AS id FROM people_readings
                 WHERE reading >= ?T AND reading < ?T || {MAX_CHAR} LIMIT {cap})"
            ),
        ]
    };
    // Counted with the branches' duplicates kept, as `candidates` does: a branch cut at its
    // LIMIT brings the count past the cap on its own.
    let n: i64 = conn
        .prepare_cached(&format!(
            "SELECT count(*) FROM (SELECT id FROM ({}) LIMIT {cap})",
            branches.join(" UNION ALL ").replace("?T", "?1")
        ))?
        .query_row([&folded], |r| r.get(0))?;
    if n as usize > COUNT_CAP {
        return Ok(QueuePeople::Many);
    }
    Ok(QueuePeople::Few {
        sql: branches.join(" UNION "),
        text: folded,
    })
}

/// The queue's order on `q`, ascending or (read backwards) descending.
fn queue_order(backwards: bool) -> String {
    if backwards {
        QUEUE_ORDER.replace(',', " DESC,") + " DESC"
    } else {
        QUEUE_ORDER.to_string()
    }
}

/// The bound of a page on the queue's order (` AND (…) > (…)`), its key pushed onto `args`.
fn queue_bound(seek: &Seek<QueueKey>, args: &mut Vec<Value>) -> String {
    let (k, op) = match seek {
        Seek::First | Seek::Last => return String::new(),
        Seek::From(k) => (k, ">="),
        Seek::After(k) => (k, ">"),
        Seek::Before(k) => (k, "<"),
    };
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
}

/// The queue's order on keys, as SQLite orders the columns (integers, then text byte by byte,
/// which is how `BINARY` compares UTF-8).
fn queue_cmp(a: &QueueKey, b: &QueueKey) -> std::cmp::Ordering {
    (a.batch_rank, &a.provider, &a.person_name, a.id).cmp(&(
        b.batch_rank,
        &b.provider,
        &b.person_name,
        b.id,
    ))
}

fn queue_key_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<QueueKey> {
    Ok(QueueKey {
        batch_rank: r.get(0)?,
        provider: r.get(1)?,
        person_name: r.get(2)?,
        id: r.get(3)?,
    })
}

/// Up to `limit` keys of the waiting entries whose provider matches `raw` (escaped for `LIKE`),
/// from where `seek` says, in the queue's order (descending when read backwards): the rest of
/// the key's own group by its range of `review_queue_order`, then the matching groups after it
/// in `review_queue_groups`' key order, each one range of `review_queue_order`. No sort: the
/// groups' key is the start of the queue's order.
fn queue_provider_keys(
    conn: &Connection,
    raw: &str,
    seek: &Seek<QueueKey>,
    limit: usize,
) -> Result<Vec<QueueKey>> {
    let dir = if seek.backwards() { " DESC" } else { "" };
    let key = match seek {
        Seek::First | Seek::Last => None,
        Seek::From(k) => Some((k, ">=")),
        Seek::After(k) => Some((k, ">")),
        Seek::Before(k) => Some((k, "<")),
    };
    let mut out = Vec::new();
    if let Some((k, op)) = key {
        let matches: bool = conn
            .prepare_cached(&format!("SELECT {}", queue_provider_match("?1", 2)))?
            .query_row(rusqlite::params![k.provider, raw], |r| r.get(0))?;
        if matches {
            let mut stmt = conn.prepare_cached(&queue_group_rest_sql(op, dir))?;
            let rows = stmt.query_map(
                rusqlite::params![k.batch_rank, k.provider, k.person_name, k.id, limit as i64],
                queue_key_row,
            )?;
            for r in rows {
                out.push(r?);
            }
        }
    }
    if out.len() >= limit {
        return Ok(out);
    }
    let (sql, args) = queue_groups_sql(raw, seek, limit - out.len());
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params_from_iter(args), queue_key_row)?;
    for r in rows {
        out.push(r?);
    }
    Ok(out)
}

/// The statement of [`queue_provider_keys`] for the rest of the key's own group: its range of
/// `review_queue_order` from `(?1, ?2, ?3, ?4)` (the key) by `op`, in the direction `dir`, at
/// most `?5` rows.
pub(crate) fn queue_group_rest_sql(op: &str, dir: &str) -> String {
    format!(
        "SELECT q.batch_rank, q.provider, q.person_name, q.entry_id FROM review_queue q
         WHERE q.batch_rank = ?1 AND q.provider = ?2 AND (q.person_name, q.entry_id) {op} (?3, ?4)
         ORDER BY q.person_name{dir}, q.entry_id{dir} LIMIT ?5"
    )
}

/// The statement of [`queue_provider_keys`] after the key's own group, with its arguments:
/// the matching groups after (or, read backwards, before) the key's group in
/// `review_queue_groups`' key order, each one range of `review_queue_order`.
pub(crate) fn queue_groups_sql(
    raw: &str,
    seek: &Seek<QueueKey>,
    limit: usize,
) -> (String, Vec<Value>) {
    let dir = if seek.backwards() { " DESC" } else { "" };
    let mut args = vec![Value::Text(raw.to_string())];
    let bound = match seek {
        Seek::First | Seek::Last => String::new(),
        Seek::From(k) | Seek::After(k) | Seek::Before(k) => {
            args.push(Value::Integer(k.batch_rank));
            args.push(Value::Text(k.provider.clone()));
            let op = if seek.backwards() { "<" } else { ">" };
            format!(" AND (g.batch_rank, g.provider) {op} (?2, ?3)")
        }
    };
    args.push(Value::Integer(limit as i64));
    let sql = format!(
        "SELECT q.batch_rank, q.provider, q.person_name, q.entry_id
         FROM review_queue_groups g CROSS JOIN review_queue q
             ON q.batch_rank = g.batch_rank AND q.provider = g.provider
         WHERE {}{bound}
         ORDER BY g.batch_rank{dir}, g.provider{dir}, q.person_name{dir}, q.entry_id{dir}
         LIMIT ?{}",
        queue_provider_match("g.provider", 1),
        args.len()
    );
    (sql, args)
}

/// Up to `limit` keys of the waiting entries whose provider does not match `raw` but whose
/// person matches `folded` (both escaped for `LIKE`), from where `seek` says, in the queue's
/// order (descending when read backwards): from the candidates' entries when `people` are few
/// (sorted, a few thousand at most), else read in `review_queue_order`.
fn queue_person_keys(
    conn: &Connection,
    raw: &str,
    folded: &str,
    people: &QueuePeople,
    seek: &Seek<QueueKey>,
    limit: usize,
) -> Result<Vec<QueueKey>> {
    let (sql, args) = queue_person_sql(raw, folded, people, seek, limit);
    let mut stmt = conn.prepare_cached(&sql)?;
    let keys = stmt
        .query_map(params_from_iter(args), queue_key_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(keys)
}

/// The statement of [`queue_person_keys`], with its arguments.
pub(crate) fn queue_person_sql(
    raw: &str,
    folded: &str,
    people: &QueuePeople,
    seek: &Seek<QueueKey>,
    limit: usize,
) -> (String, Vec<Value>) {
    let mut args = vec![
        Value::Text(raw.to_string()),
        Value::Text(folded.to_string()),
    ];
    let from = people.from(&mut args);
    let bound = queue_bound(seek, &mut args);
    args.push(Value::Integer(limit as i64));
    let sql = format!(
        "SELECT q.batch_rank, q.provider, q.person_name, q.entry_id FROM {from}
         WHERE {} AND NOT {}{bound} ORDER BY {} LIMIT ?{}",
        queue_person_match(2),
        queue_provider_match("q.provider", 1),
        queue_order(seek.backwards()),
        args.len()
    );
    (sql, args)
}

/// The queue's rows of these keys, in their order (a page: a few dozen ids).
fn queue_rows(conn: &Connection, keys: &[QueueKey]) -> Result<Vec<EntrySummary>> {
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    let marks = vec!["?"; keys.len()].join(", ");
    let mut stmt = conn.prepare(&format!(
        "SELECT {QUEUE_COLUMNS} FROM {QUEUE_FROM} WHERE q.entry_id IN ({marks})"
    ))?;
    let mut found: std::collections::HashMap<i64, EntrySummary> = stmt
        .query_map(params_from_iter(keys.iter().map(|k| k.id)), entry_summary)?
        .map(|r| r.map(|e| (e.id, e)))
        .collect::<rusqlite::Result<_>>()?;
    // An entry another clerk moved on between the two reads is left out; the refresh that
    // their commit brings reads the page as it then stands.
    Ok(keys.iter().filter_map(|k| found.remove(&k.id)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::check::check;
    use crate::service::demo;
    use crate::service::fixtures::actor;
    use crate::store::Store;

    /// R6.3 At a refresh the People list keeps a mark only on people its query still shows:
    /// `people_still_listed` gives, of any ids, exactly those the list pages through, for a
    /// text, a filter and both; and drops a person renamed out of the search.
    #[test]
    fn people_still_listed_are_the_marked_the_list_still_shows() {
        let mut store = Store::open_in_memory().unwrap();
        demo::generate(&mut store, &actor("demo"), 300, 2017).unwrap();
        let conn = store.conn();
        let every: Vec<i64> = people(conn, &PeopleQuery::default(), 0, 10_000)
            .unwrap()
            .into_iter()
            .map(|p| p.id)
            .collect();
        let queries = [
            PeopleQuery {
                text: "张".into(),
                ..PeopleQuery::default()
            },
            PeopleQuery {
                state: PeopleState::ShortIn(2016),
                ..PeopleQuery::default()
            },
            PeopleQuery {
                text: "w".into(),
                city_code: Some("430100".into()),
                ..PeopleQuery::default()
            },
        ];
        for q in &queries {
            let mut listed: Vec<i64> = people(conn, q, 0, 10_000)
                .unwrap()
                .into_iter()
                .map(|p| p.id)
                .collect();
            listed.sort_unstable();
            assert!(!listed.is_empty(), "{q:?} finds someone in the demo");
            assert_eq!(
                people_still_listed(conn, q, &every).unwrap(),
                listed,
                "{q:?}"
            );
        }
        // One of 张's people renamed: the mark goes.
        let q = &queries[0];
        let zhang = people_still_listed(conn, q, &every).unwrap();
        conn.execute(
            "UPDATE people SET name = '李' || substr(name, 2), name_key = '李' || substr(name_key, 2),
                 initials = 'l' WHERE id = ?1",
            [zhang[0]],
        )
        .unwrap();
        let after = people_still_listed(conn, q, &zhang).unwrap();
        assert_eq!(after, zhang[1..].to_vec());
    }

    /// The "short this year" filter reads the totals the services keep and restates R2.1's
    /// comparisons in SQL; on the demo data set (every form, state, filing state, short years,
    /// late filings, paper history) it must pick exactly the people `check` finds short that
    /// year from the entries.
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

    /// Issue 10: the short filter is a lookup of the totals (one primary-key search per person
    /// shown), never a read of the entries, whose millions of rows made it take seconds.
    #[test]
    fn the_short_filter_reads_the_totals_not_the_entries() {
        let store = Store::open_in_memory().unwrap();
        let q = PeopleQuery {
            state: PeopleState::ShortIn(2016),
            ..PeopleQuery::default()
        };
        let mut args = Vec::new();
        let w = where_clause(&q, &mut args);
        let plan: Vec<String> = store
            .conn()
            .prepare(&format!(
                "EXPLAIN QUERY PLAN SELECT p.id FROM people p WHERE {w}"
            ))
            .unwrap()
            .query_map(params_from_iter(args), |r| r.get::<_, String>(3))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert!(
            plan.iter()
                .any(|l| l.contains("SEARCH t USING PRIMARY KEY (person_id=? AND year=?)")),
            "{plan:#?}"
        );
        assert!(!plan.iter().any(|l| l.contains("entries")), "{plan:#?}");
    }

    /// R2.2 The minimums are the year's policy, read at each query: a bureau that lowers a
    /// year's minimums sees fewer people short at once, and with every minimum zero nobody is,
    /// not even a person with no hours that year (no totals row).
    #[test]
    fn r2_2_the_short_filter_follows_the_years_policy() {
        let mut store = Store::open_in_memory().unwrap();
        demo::generate(&mut store, &actor("demo"), 60, 2017).unwrap();
        let short = |store: &Store| {
            let q = PeopleQuery {
                state: PeopleState::ShortIn(2015),
                ..PeopleQuery::default()
            };
            count_people(store.conn(), &q).unwrap()
        };
        let before = short(&store);
        assert!(before > 0);
        store
            .conn()
            .execute(
                "UPDATE policies SET public_min_tenths = 0, professional_min_tenths = 0,
                     total_min_tenths = 0 WHERE year = 2015",
                [],
            )
            .unwrap();
        assert_eq!(short(&store), 0);
        store
            .conn()
            .execute(
                "UPDATE policies SET total_min_tenths = 1 WHERE year = 2015",
                [],
            )
            .unwrap();
        let no_hours: i64 = store
            .conn()
            .query_row(
                "SELECT count(*) FROM people p WHERE NOT EXISTS (SELECT 1 FROM
                     person_year_totals t WHERE t.person_id = p.id AND t.year = 2015)",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert!(no_hours > 0, "the demo has people without hours in 2015");
        assert_eq!(short(&store) as i64, no_hours);
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

/// Issue 10: the indexes change how the lists are read, never what they hold.
#[cfg(test)]
mod scale_tests {
    use super::*;
    use crate::service::demo;
    use crate::service::fixtures::actor;
    use crate::store::Store;

    fn demo_store(people: u32) -> Store {
        let mut store = Store::open_in_memory().unwrap();
        demo::generate(&mut store, &actor("demo"), people, 2017).unwrap();
        store
    }

    /// The list as the screens showed it before the indexes: every person compared with the
    /// R1.2 text clause row by row, sorted by name then ID number.
    fn by_brute_force(conn: &Connection, q: &PeopleQuery) -> Vec<String> {
        let mut args = Vec::new();
        let w = where_clause(q, &mut args);
        conn.prepare(&format!(
            "SELECT p.id_number FROM people p NOT INDEXED WHERE {w} ORDER BY p.name, p.id_number"
        ))
        .unwrap()
        .query_map(params_from_iter(args), |r| r.get(0))
        .unwrap()
        .collect::<rusqlite::Result<Vec<String>>>()
        .unwrap()
    }

    fn text(t: &str) -> PeopleQuery {
        PeopleQuery {
            text: t.into(),
            ..PeopleQuery::default()
        }
    }

    /// Every page of the list, read forward by key, as ID numbers.
    fn paged(conn: &Connection, q: &PeopleQuery, size: usize) -> Vec<String> {
        let mut out = Vec::new();
        let mut seek = Seek::First;
        loop {
            let page = people_page(conn, q, &seek, size).unwrap();
            out.extend(page.iter().map(|p| p.id_number.clone()));
            match page.last() {
                Some(last) if page.len() == size => seek = Seek::After(last.key()),
                _ => return out,
            }
        }
    }

    /// R1.2 Search of one, two, three and more characters, pinyin initials (either reading of a
    /// heteronym), ID fragments, units and text that matches nobody: the indexed search finds
    /// exactly the rows, in exactly the order, that comparing every person finds, and counts
    /// them the same way.
    #[test]
    fn r1_2_indexed_search_finds_what_comparing_every_row_finds() {
        let store = demo_store(400);
        let c = store.conn();
        let some = people(c, &PeopleQuery::default(), 17, 1).unwrap().remove(0);
        let id_tail = &some.id_number[10..16];
        let name: String = some.name.chars().take(2).collect();
        let surname: String = some.name.chars().take(1).collect();
        let unit: String = some.unit.chars().skip(2).take(3).collect();
        let unit2: String = some.unit.chars().skip(1).take(2).collect();
        let initials = crate::domain::initials::initials(&some.name);
        let mut found_any = 0;
        for t in [
            "z",
            "zw",
            "zwh",
            "l",
            "cw",
            "张",
            "张伟",
            &surname,
            &name,
            &some.name,
            "1",
            "9",
            "19",
            "x",
            "X",
            "198",
            "1985",
            id_tail,
            &some.id_number,
            &unit,
            &unit2,
            "医院",
            "医",
            "大学",
            &initials,
            "qqxqq",
            "没有此人",
            "%",
            "_",
            "\"",
            "a\"b",
        ] {
            let q = text(t);
            let want = by_brute_force(c, &q);
            assert_eq!(paged(c, &q, 7), want, "pages of 7 for {t:?}");
            assert_eq!(
                count_people_capped(c, &q).unwrap(),
                Count::Exact(want.len()),
                "count for {t:?}"
            );
            found_any += usize::from(!want.is_empty());
        }
        assert!(found_any >= 15, "the queries find people: {found_any}");
    }

    /// Keyset pages: forward, backward from a key, the last page read backwards (`G`), and a
    /// page from a key (a reload) all agree with the whole list.
    #[test]
    fn keyset_pages_forward_back_and_last_agree_with_the_list() {
        let store = demo_store(120);
        let c = store.conn();
        let q = PeopleQuery::default();
        let all = by_brute_force(c, &q);
        assert!(all.len() >= 100);
        let ids =
            |v: Vec<PersonSummary>| -> Vec<String> { v.into_iter().map(|p| p.id_number).collect() };
        let first = people_page(c, &q, &Seek::First, 10).unwrap();
        assert_eq!(ids(first.clone()), all[..10]);
        let k = first[9].key();
        assert_eq!(
            ids(people_page(c, &q, &Seek::After(k.clone()), 10).unwrap()),
            all[10..20]
        );
        assert_eq!(
            ids(people_page(c, &q, &Seek::From(k.clone()), 10).unwrap()),
            all[9..19]
        );
        assert_eq!(
            ids(people_page(c, &q, &Seek::Before(k), 5).unwrap()),
            all[4..9],
            "the rows just before, in list order"
        );
        let n = all.len();
        assert_eq!(
            ids(people_page(c, &q, &Seek::Last, 10).unwrap()),
            all[n - 10..]
        );
        let first = people_page(c, &q, &Seek::First, 1).unwrap();
        assert!(
            people_page(c, &q, &Seek::Before(first[0].key()), 5)
                .unwrap()
                .is_empty(),
            "nothing before the first"
        );
        assert_eq!(ids(people(c, &q, 37, 30).unwrap()), all[37..67]);
    }

    #[test]
    fn counts_stop_at_the_cap_and_say_so() {
        assert_eq!(Count::capped(COUNT_CAP), Count::Exact(10_000));
        assert_eq!(Count::capped(COUNT_CAP + 1), Count::Over);
        assert_eq!(Count::Over.to_string(), "10 000+");
        assert_eq!(Count::Exact(9_999).to_string(), "9999");
        assert_eq!(Count::Over.exact(), None);
    }

    /// Found at a million people (the benchmark): people with two readings of their initials
    /// (丁 also reads zhēng, so 丁丹 is `dd zd`) fill the readings' branch with duplicates. Cut at
    /// the cap, the branch held fewer distinct people than the cap, was taken for the whole set,
    /// and `z` listed and counted only some of the people it finds, from the wrong first row.
    #[test]
    fn a_search_whose_readings_repeat_past_the_cap_still_finds_everyone() {
        let mut store = Store::open_in_memory().unwrap();
        // Two readings each for most, filling the branch past the cap before it reaches the
        // `zc` people, whose names come first in the list.
        let (doubled, people) = (COUNT_CAP as i64 / 2 + 500, COUNT_CAP as i64 / 2 + 1_500);
        {
            let tx = store.write().unwrap();
            let mut stmt = tx
                .prepare(
                    "INSERT INTO people (id_number, name, unit, unit_kind, city_code, created_at,
                         updated_at, initials, name_key, unit_key)
                     VALUES (printf('4301021985%08d', ?1), ?2 || ?1, '长沙医院', 'city',
                         '430100', 'x', 'x', ?3, ?2 || ?1, '长沙医院')",
                )
                .unwrap();
            for i in 0..people {
                let (surname, initials) = if i < doubled {
                    ("丁", "za zb")
                } else {
                    ("一", "zc")
                };
                stmt.execute(rusqlite::params![i, surname, initials])
                    .unwrap();
            }
            drop(stmt);
            tx.commit().unwrap();
        }
        let c = store.conn();
        let everyone = by_brute_force(c, &text("z"));
        assert_eq!(everyone.len() as i64, people);
        assert_eq!(
            count_people_capped(c, &text("z")).unwrap(),
            Count::Exact(people as usize)
        );
        let page = people_page(c, &text("z"), &Seek::First, 3).unwrap();
        assert_eq!(
            page.iter().map(|p| p.id_number.clone()).collect::<Vec<_>>(),
            everyone[..3]
        );
    }

    /// A search for the digit 1 matches nearly everyone: past the cap, the count says "10 000+"
    /// and reads no further, while the first page is still exactly the list's first page.
    #[test]
    fn a_search_that_matches_more_than_the_cap_counts_to_the_cap() {
        let mut store = Store::open_in_memory().unwrap();
        {
            let tx = store.write().unwrap();
            let mut stmt = tx
                .prepare(
                    "INSERT INTO people (id_number, name, unit, unit_kind, city_code, created_at,
                         updated_at, initials, name_key, unit_key)
                     VALUES (printf('4301021985%08d', ?1), '张' || ?1, '长沙医院', 'city',
                         '430100', 'x', 'x', 'z', '张' || ?1, '长沙医院')",
                )
                .unwrap();
            for i in 0..(COUNT_CAP as i64 + 5) {
                stmt.execute([i]).unwrap();
            }
            drop(stmt);
            tx.commit().unwrap();
        }
        let c = store.conn();
        for t in ["", "1", "z", "张", "长沙医院", "1985"] {
            assert_eq!(
                count_people_capped(c, &text(t)).unwrap(),
                Count::Over,
                "{t}"
            );
            let page = people_page(c, &text(t), &Seek::First, 3).unwrap();
            assert_eq!(
                page.iter().map(|p| p.id_number.clone()).collect::<Vec<_>>(),
                by_brute_force(c, &text(t))[..3],
                "{t}"
            );
        }
        assert_eq!(
            count_people_capped(c, &text("张10004")).unwrap(),
            Count::Exact(1)
        );
    }

    fn plan(conn: &Connection, sql: &str, args: Vec<Value>) -> String {
        let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
        let rows = stmt
            .query_map(params_from_iter(args), |r| r.get::<_, String>(3))
            .unwrap()
            .collect::<rusqlite::Result<Vec<_>>>()
            .unwrap();
        rows.join("\n")
    }

    /// Whether a plan reads the whole people table (not an index range, not a key lookup).
    fn scans_people(plan: &str) -> bool {
        plan.lines().any(|l| {
            l == "SCAN p" || l.starts_with("SCAN p USING") || l.starts_with("SCAN people ")
        })
    }

    /// The plan of the SQL `people_page` runs for `q` and `seek`.
    fn people_sql(conn: &Connection, q: &PeopleQuery, seek: &Seek<PersonKey>) -> String {
        let (sql, args) = page_sql(conn, q, seek, 20).unwrap();
        plan(conn, &sql, args)
    }

    /// People search reads an index, never the whole table: a trigram search through
    /// `people_fts`, short text through the prefix table, the unfiltered list and dense
    /// matches in `people_order` with no sort.
    #[test]
    fn people_search_and_pages_use_their_indexes() {
        let store = demo_store(300);
        let c = store.conn();
        let key = PersonKey {
            name: "张".into(),
            id_number: "4".into(),
        };
        for t in ["没有此人", "1985", "zwh"] {
            let p = people_sql(c, &text(t), &Seek::First);
            assert!(p.contains("people_fts VIRTUAL TABLE INDEX"), "{t}: {p}");
            assert!(!scans_people(&p), "{t}: {p}");
        }
        for t in ["zw", "qq", "张"] {
            let p = people_sql(c, &text(t), &Seek::First);
            assert!(
                p.contains("SEARCH x USING PRIMARY KEY (prefix=?"),
                "{t}: {p}"
            );
            assert!(!scans_people(&p), "{t}: {p}");
        }
        let p = people_sql(c, &PeopleQuery::default(), &Seek::After(key));
        assert!(p.contains("SEARCH p USING INDEX people_order"), "{p}");
        assert!(!p.contains("TEMP B-TREE"), "{p}");
        let p = people_sql(c, &text("1"), &Seek::First);
        assert!(
            p.contains("people_order") && !p.contains("TEMP B-TREE"),
            "{p}"
        );
    }

    /// A city filter reads that city's people in the list's order (migration 16): no sort of
    /// every person of 长沙 for each page, which took 230-410 ms at a million people.
    #[test]
    fn a_city_filter_reads_its_page_in_order_without_sorting() {
        let store = demo_store(300);
        let c = store.conn();
        let q = PeopleQuery {
            city_code: Some("430100".into()),
            ..PeopleQuery::default()
        };
        for seek in [
            Seek::First,
            Seek::After(PersonKey {
                name: "张".into(),
                id_number: "4".into(),
            }),
        ] {
            let p = people_sql(c, &q, &seek);
            assert!(p.contains("people_city_order"), "{p}");
            assert!(!p.contains("TEMP B-TREE"), "{p}");
        }
    }

    /// R5.1 The queue page is read in `review_queue_order`, from the key on, and not sorted.
    #[test]
    fn the_review_queue_is_read_in_its_index_order() {
        let store = demo_store(100);
        let c = store.conn();
        let sql = format!(
            "SELECT {QUEUE_COLUMNS} FROM {QUEUE_FROM}
             WHERE {} AND ({QUEUE_ORDER}) > (?3, ?4, ?5, ?6) ORDER BY {QUEUE_ORDER} LIMIT 20",
            queue_search_clause(1, 2)
        );
        let args = vec![
            Value::Text(String::new()),
            Value::Text(String::new()),
            Value::Integer(-1),
            Value::Text("a".into()),
            Value::Text("b".into()),
            Value::Integer(3),
        ];
        let p = plan(c, &sql, args);
        assert!(p.contains("SEARCH q USING INDEX review_queue_order"), "{p}");
        assert!(!p.contains("TEMP B-TREE"), "{p}");
    }

    /// The queue read by key is the queue as it was read before the index: every waiting entry,
    /// ordered by batch (newest first), provider, name, entry; forward, backward and last.
    #[test]
    fn r5_1_the_queue_by_key_is_the_queue_in_its_order() {
        let store = demo_store(150);
        let c = store.conn();
        for t in ["", "zw", "张", "1985", "学院", "没有"] {
            let (raw, folded) = queue_search_args(t);
            let want: Vec<i64> = c
                .prepare(&format!(
                    "SELECT e.id FROM entries e JOIN people p ON p.id = e.person_id
                     WHERE e.state IN ('recorded', 'evidence_complete', 'sealed') AND {}
                     ORDER BY coalesce(e.batch_id, 0) DESC, e.provider, p.name, e.id",
                    // The queue's rows carry the entry's provider; the entries are the truth.
                    queue_search_clause(1, 2).replace("q.provider", "e.provider")
                ))
                .unwrap()
                .query_map(rusqlite::params![raw, folded], |r| r.get(0))
                .unwrap()
                .collect::<rusqlite::Result<_>>()
                .unwrap();
            let got: Vec<i64> = review_queue(c, t, 0, 100_000)
                .unwrap()
                .iter()
                .map(|e| e.id)
                .collect();
            assert_eq!(got, want, "{t:?}");
            assert_eq!(
                count_review_queue_capped(c, t).unwrap(),
                Count::Exact(want.len())
            );
            if want.len() > 12 {
                let last: Vec<i64> = review_queue_page(c, t, &Seek::Last, 5)
                    .unwrap()
                    .iter()
                    .map(|e| e.id)
                    .collect();
                assert_eq!(last, want[want.len() - 5..], "{t:?}");
                let mid = review_queue(c, t, 10, 1).unwrap().remove(0);
                let before: Vec<i64> = review_queue_page(c, t, &Seek::Before(mid.queue_key()), 4)
                    .unwrap()
                    .iter()
                    .map(|e| e.id)
                    .collect();
                assert_eq!(before, want[6..10], "{t:?}");
            }
        }
    }

    /// The indexes follow every write: a person renamed is found by the new name and initials
    /// and not the old ones, moves in the queue's order, and a new unit is found.
    #[test]
    fn r1_2_a_changed_person_is_found_as_changed() {
        let mut store = crate::service::fixtures::store_with(&[
            "专业,远程教育,临床新进展,湖南人才市场有限公司,2016-04-01,2016-04-30,90,合格,学习证明材料",
        ]);
        let c = store.conn();
        let (id, before) = crate::store::people::find_by_id_number(
            c,
            &people(c, &PeopleQuery::default(), 0, 1).unwrap()[0].id_number,
        )
        .unwrap()
        .unwrap();
        let mut after = before.clone();
        after.name = "欧阳修文".into();
        after.unit = "岳麓书院研究所".into();
        crate::service::records::update_person(&mut store, &actor("clerk"), id, &before, &after)
            .unwrap();
        let c = store.conn();
        let found = |t: &str| {
            let q = text(t);
            assert_eq!(paged(c, &q, 5), by_brute_force(c, &q), "{t}");
            count_people_capped(c, &q).unwrap()
        };
        assert_eq!(found("欧阳修"), Count::Exact(1));
        assert_eq!(found("oyxw"), Count::Exact(1));
        assert_eq!(found("oy"), Count::Exact(1));
        assert_eq!(found("书院"), Count::Exact(1));
        assert_eq!(found("岳麓书院"), Count::Exact(1));
        assert_eq!(found(&before.name), Count::Exact(0));
        assert_eq!(found(&before.unit), Count::Exact(0));
        let queued = review_queue(c, "", 0, 10).unwrap();
        assert!(queued.iter().all(|e| e.person_name == "欧阳修文"));
        let n: i64 = c
            .query_row(
                "SELECT count(*) FROM review_queue WHERE person_name = '欧阳修文'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(n as usize, queued.len());
    }
}

/// Issue 10: the dense shapes of the People search (migration 18's prefix ranges merged with the
/// units' people, trigram counts, the short filter's count) list exactly the rows, in exactly
/// the order, that comparing every person with the search clause lists, from every kind of key.
#[cfg(test)]
mod dense_tests {
    use super::*;
    use crate::domain::initials::initials;
    use crate::service::demo;
    use crate::service::fixtures::actor;
    use crate::store::Store;
    use crate::store::people::search_key;

    /// A person as a roster would bring them, written by SQL so the set can be large and odd.
    struct Row<'a> {
        id_number: String,
        name: &'a str,
        unit: &'a str,
        kind: &'a str,
        city: &'a str,
    }

    fn insert(store: &mut Store, rows: &[Row<'_>]) {
        let tx = store.write().unwrap();
        {
            let mut stmt = tx
                .prepare(
                    "INSERT INTO people (id_number, name, unit, unit_kind, city_code, created_at,
                         updated_at, initials, name_key, unit_key)
                     VALUES (?1, ?2, ?3, ?4, ?5, 'x', 'x', ?6, ?7, ?8)",
                )
                .unwrap();
            for r in rows {
                stmt.execute(rusqlite::params![
                    r.id_number,
                    r.name,
                    r.unit,
                    r.kind,
                    r.city,
                    initials(r.name),
                    search_key(r.name),
                    search_key(r.unit)
                ])
                .unwrap();
            }
        }
        tx.commit().unwrap();
    }

    /// Surnames early and late in the list's order (一 U+4E00 … 龚 U+9F9A), heteronyms with
    /// two readings of their initials (曾 zc, 单 sd, 区 oq, 解 jx, 丁 dz), a compound surname,
    /// a minority name with its separator, Latin and full-width letters (`Ｚ` folds to `z` but
    /// sorts after every CJK name), digits in a name, and a name of one character.
    const SURNAMES: [&str; 17] = [
        "一",
        "丁",
        "区",
        "刘",
        "单",
        "曾",
        "张",
        "李",
        "王",
        "解",
        "郑",
        "龚",
        "欧阳",
        "阿卜杜拉·",
        "Zhang",
        "Ｚ",
        "z",
    ];
    const GIVEN: [&str; 6] = ["伟", "文华", "", "1号", "z", "卫东"];
    /// Units that hold the searched characters (张家界, ZTE, 医院) and units that hold none.
    const UNITS: [&str; 6] = [
        "张家界市人民医院",
        "长沙市第一中学",
        "ZTE湖南公司",
        "湘潭大学",
        "株洲市中心医院",
        "岳阳市张谷英中学",
    ];
    const KINDS: [&str; 3] = ["city", "provincial", "non_public"];
    const CITIES: [&str; 4] = ["430100", "430200", "430300", "430800"];

    /// `n` people in a deterministic mix of the above; ID numbers hold `19`, `198`, `1985`,
    /// and some end in `X`. Every third has yearly totals for 2016 (some short, R2.1) and one
    /// in forty an unlifted finding (R5.3).
    fn data_set(n: usize) -> Store {
        let mut store = Store::open_in_memory().unwrap();
        let mut rows = Vec::new();
        let mut seed: u64 = 17;
        let mut next = |m: usize| {
            seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (seed >> 33) as usize % m
        };
        let mut names = Vec::new();
        for i in 0..n {
            names.push(format!(
                "{}{}",
                SURNAMES[next(SURNAMES.len())],
                GIVEN[next(GIVEN.len())]
            ));
            let last = if i % 11 == 0 {
                "X".to_string()
            } else {
                (i % 10).to_string()
            };
            rows.push((
                format!(
                    "43{:04}19{:02}{:02}{:02}{:03}{last}",
                    i,
                    80 + next(10),
                    1 + next(12),
                    1 + next(28),
                    i % 1000
                ),
                next(UNITS.len()),
                next(KINDS.len()),
                next(CITIES.len()),
            ));
        }
        let rows: Vec<Row<'_>> = rows
            .iter()
            .zip(&names)
            .map(|((id, u, k, c), name)| Row {
                id_number: id.clone(),
                name,
                unit: UNITS[*u],
                kind: KINDS[*k],
                city: CITIES[*c],
            })
            .collect();
        insert(&mut store, &rows);
        let tx = store.write().unwrap();
        tx.execute_batch(
            "INSERT INTO person_year_totals (person_id, year, public_tenths, professional_tenths)
             SELECT id, 2016, (id * 37) % 500, (id * 53) % 900 FROM people WHERE id % 3 = 0;
             INSERT INTO findings (person_id, reason, made_by, made_at)
             SELECT id, '伪造证明', 'clerk', 'x' FROM people WHERE id % 40 = 7;",
        )
        .unwrap();
        tx.commit().unwrap();
        store
    }

    /// The list as comparing every person with [`where_clause`] gives it, as ID numbers.
    fn brute(conn: &Connection, q: &PeopleQuery) -> Vec<String> {
        let mut args = Vec::new();
        let w = where_clause(q, &mut args);
        conn.prepare(&format!(
            "SELECT p.id_number FROM people p NOT INDEXED WHERE {w} ORDER BY p.name, p.id_number"
        ))
        .unwrap()
        .query_map(params_from_iter(args), |r| r.get(0))
        .unwrap()
        .collect::<rusqlite::Result<Vec<String>>>()
        .unwrap()
    }

    fn ids(rows: &[PersonSummary]) -> Vec<String> {
        rows.iter().map(|p| p.id_number.clone()).collect()
    }

    /// Every page forward from the first, and every page backward from the last (`G`, then
    /// `k` past the top of each page), each in the list's order.
    fn both_ways(conn: &Connection, q: &PeopleQuery, size: usize) -> (Vec<String>, Vec<String>) {
        let mut forward = Vec::new();
        let mut seek = Seek::First;
        loop {
            let page = people_page(conn, q, &seek, size).unwrap();
            forward.extend(ids(&page));
            match page.last() {
                Some(last) if page.len() == size => seek = Seek::After(last.key()),
                _ => break,
            }
        }
        let mut backward: Vec<String> = Vec::new();
        let mut seek = Seek::Last;
        loop {
            let page = people_page(conn, q, &seek, size).unwrap();
            let mut got = ids(&page);
            got.extend(backward);
            backward = got;
            match page.first() {
                Some(first) if page.len() == size => seek = Seek::Before(first.key()),
                _ => break,
            }
        }
        (forward, backward)
    }

    fn queries() -> Vec<PeopleQuery> {
        let texts = [
            "张",
            "z",
            "zw",
            "zh",
            "ｚ",
            "z1",
            "w",
            "曾",
            "c",
            "cw",
            "zc",
            "d",
            "dd",
            "zd",
            "o",
            "oy",
            "欧",
            "欧阳",
            "阿",
            "阿卜",
            "a",
            "院",
            "医院",
            "中",
            "张家界",
            "zte",
            "1",
            "19",
            "x",
            "198",
            "1985",
            "号",
            "%",
            "_",
            "鬯",
        ];
        let filters = [
            PeopleQuery::default(),
            PeopleQuery {
                city_code: Some("430800".into()),
                ..PeopleQuery::default()
            },
            PeopleQuery {
                unit_kind: Some(UnitKind::City),
                ..PeopleQuery::default()
            },
            PeopleQuery {
                state: PeopleState::ShortIn(2016),
                ..PeopleQuery::default()
            },
            PeopleQuery {
                state: PeopleState::Blocked,
                ..PeopleQuery::default()
            },
        ];
        let mut out = Vec::new();
        for f in &filters {
            for t in texts {
                out.push(PeopleQuery {
                    text: t.into(),
                    ..f.clone()
                });
            }
            out.push(f.clone());
        }
        out
    }

    /// R1.2, R2.1, R5.3 Every shape lists what comparing every row lists: forward and
    /// backward across page boundaries, from a key (a reload) and around it, and counts it.
    #[test]
    fn r1_2_dense_shapes_list_what_comparing_every_row_lists() {
        let store = data_set(700);
        let c = store.conn();
        let mut dense = 0;
        for q in queries() {
            let want = brute(c, &q);
            let (forward, backward) = both_ways(c, &q, 9);
            assert_eq!(forward, want, "forward {q:?}");
            assert_eq!(backward, want, "backward {q:?}");
            assert_eq!(
                count_people_capped(c, &q).unwrap(),
                Count::Exact(want.len()),
                "count {q:?}"
            );
            if want.len() > 30 {
                dense += 1;
                let all = people(c, &q, 0, want.len()).unwrap();
                for i in [0, 9, want.len() / 2, want.len() - 1] {
                    let k = all[i].key();
                    let from = people_page(c, &q, &Seek::From(k.clone()), 5).unwrap();
                    assert_eq!(
                        ids(&from),
                        want[i..(i + 5).min(want.len())],
                        "from {i} {q:?}"
                    );
                    let before = people_page(c, &q, &Seek::Before(k.clone()), 4).unwrap();
                    assert_eq!(
                        ids(&before),
                        want[i.saturating_sub(4)..i],
                        "before {i} {q:?}"
                    );
                    let after = people_page(c, &q, &Seek::After(k), 4).unwrap();
                    assert_eq!(
                        ids(&after),
                        want[(i + 1).min(want.len())..(i + 5).min(want.len())],
                        "after {i} {q:?}"
                    );
                }
            }
        }
        assert!(dense >= 40, "the data set makes dense matches: {dense}");
        // The ones that matter: a surname late in the order, both readings of a heteronym (曾
        // zēng/céng, 丁 dīng/zhēng), a full-width letter that sorts after every CJK name.
        for (t, name) in [
            ("张", "张"),
            ("zw", "曾伟"),
            ("cw", "曾伟"),
            ("dw", "丁伟"),
            ("zw", "丁伟"),
            ("z", "Ｚ"),
        ] {
            let found = people(
                c,
                &PeopleQuery {
                    text: t.into(),
                    ..PeopleQuery::default()
                },
                0,
                10_000,
            )
            .unwrap();
            assert!(
                found.iter().any(|p| p.name.starts_with(name)),
                "{t} finds {name}"
            );
        }
    }

    /// Issue 10: a text with a filter reads at most `examined` of the people the text finds
    /// (here a few dozen of the 700, to try the bound the screens use at 12 000). Under it the
    /// count is what the list pages through; past it the count is "at least" a number no
    /// greater than that, and says so. R5.3 The blocked people, fewer than the bound, are
    /// read instead of the text's, and counted exactly whatever the text.
    #[test]
    fn a_text_with_a_filter_counts_at_most_the_people_it_examines() {
        let store = data_set(700);
        let c = store.conn();
        let examined = 40;
        let blocked = count_people(
            c,
            &PeopleQuery {
                state: PeopleState::Blocked,
                ..PeopleQuery::default()
            },
        )
        .unwrap();
        assert!((1..=examined).contains(&blocked), "{blocked} blocked");
        let (mut exact, mut at_least) = (0, 0);
        for q in queries() {
            let text = fold_for_search(&q.text);
            let filtered =
                q.city_code.is_some() || q.unit_kind.is_some() || q.state != PeopleState::All;
            if text.is_empty() || !filtered {
                continue;
            }
            let listed = both_ways(c, &q, 9).0.len();
            let found = brute(
                c,
                &PeopleQuery {
                    text: q.text.clone(),
                    ..PeopleQuery::default()
                },
            )
            .len();
            let got = count_filtered_text(c, &q, shape(c, &text).unwrap(), examined).unwrap();
            match got {
                Count::Exact(n) => {
                    assert_eq!(n, listed, "{q:?}");
                    exact += 1;
                }
                Count::AtLeast(n) => {
                    assert!(n <= listed, "{q:?}: at least {n} of {listed}");
                    assert!(found > examined, "{q:?}: {found} found, all examined");
                    assert_ne!(q.state, PeopleState::Blocked, "{q:?}");
                    at_least += 1;
                }
                Count::Over => panic!("{q:?}: {listed} listed"),
            }
            if found <= examined {
                assert_eq!(got, Count::Exact(listed), "{q:?}");
            }
        }
        assert!(
            exact >= 20 && at_least >= 10,
            "{exact} exact, {at_least} bounds"
        );
        // With the screens' bound every one of these is exact (they find at most 700).
        for q in queries() {
            let listed = both_ways(c, &q, 9).0.len();
            assert_eq!(count_people_capped(c, &q).unwrap(), Count::Exact(listed));
        }
    }

    /// The titles' words for a count, the same in both languages.
    #[test]
    fn counts_read_as_a_number_ten_thousand_plus_or_at_least() {
        assert_eq!(Count::Exact(17).to_string(), "17");
        assert_eq!(Count::Over.to_string(), "10 000+");
        assert_eq!(Count::AtLeast(2417).to_string(), "2 417+");
        assert_eq!(Count::AtLeast(618).to_string(), "618+");
        assert_eq!(Count::AtLeast(0).to_string(), "0+");
        assert_eq!(Count::AtLeast(2417).exact(), None);
    }

    /// Past the cap: people of matching units read in the list's own index (more than
    /// [`COUNT_CAP`] of them), merged with the prefix range; pages from any key agree with the
    /// list, and the count says "10 000+" without reading them all.
    #[test]
    fn a_dense_unit_merged_with_a_prefix_pages_like_the_list() {
        let mut store = Store::open_in_memory().unwrap();
        let names: Vec<String> = (0..COUNT_CAP + 300)
            .map(|i| format!("{}{}", SURNAMES[i % SURNAMES.len()], GIVEN[i % GIVEN.len()]))
            .collect();
        let rows: Vec<Row<'_>> = names
            .iter()
            .enumerate()
            .map(|(i, name)| Row {
                id_number: format!("4301021985{i:08}"),
                name,
                unit: if i % 50 == 0 {
                    "湘潭大学"
                } else {
                    "株洲市中心医院"
                },
                kind: "city",
                city: CITIES[i % CITIES.len()],
            })
            .collect();
        insert(&mut store, &rows);
        let c = store.conn();
        for (t, units) in [
            ("院", Units::Many),
            ("z", Units::None),
            ("湘", Units::Few),
            ("zh", Units::None),
        ] {
            assert!(
                matches!(shape(c, t).unwrap(), Shape::Prefix { units: u, .. } if u == units),
                "{t}"
            );
        }
        for q in [
            PeopleQuery {
                text: "院".into(),
                ..PeopleQuery::default()
            },
            PeopleQuery {
                text: "湘".into(),
                ..PeopleQuery::default()
            },
            // With a city the units' people (at most FEW_IN_A_CITY) are read unit by unit.
            PeopleQuery {
                text: "院".into(),
                city_code: Some("430800".into()),
                ..PeopleQuery::default()
            },
        ] {
            let want = brute(c, &q);
            assert!(want.len() > 100, "{q:?}");
            let all = people(c, &q, 0, want.len()).unwrap();
            assert_eq!(ids(&all), want, "{q:?}");
            let last = people_page(c, &q, &Seek::Last, 6).unwrap();
            assert_eq!(ids(&last), want[want.len() - 6..], "last {q:?}");
            for i in [1, 17, want.len() / 3, want.len() - 2] {
                let k = all[i].key();
                let before = people_page(c, &q, &Seek::Before(k.clone()), 6).unwrap();
                assert_eq!(
                    ids(&before),
                    want[i.saturating_sub(6)..i],
                    "before {i} {q:?}"
                );
                let after = people_page(c, &q, &Seek::After(k), 6).unwrap();
                assert_eq!(
                    ids(&after),
                    want[i + 1..(i + 7).min(want.len())],
                    "after {i} {q:?}"
                );
            }
            assert_eq!(
                count_people_capped(c, &q).unwrap(),
                Count::capped(want.len()),
                "{q:?}"
            );
        }
    }

    /// Whether the plan sorts rows or reads the people table whole (an index read in order from
    /// a key is neither).
    fn sorts_or_scans(plan: &str) -> bool {
        plan.contains("TEMP B-TREE")
            || plan.lines().any(|l| {
                let l = l.trim_start_matches(['|', '`', '-', ' ']);
                l == "SCAN p" || l == "SCAN x" || l.starts_with("SCAN x ")
            })
    }

    fn explain(conn: &Connection, sql: &str, args: Vec<Value>) -> String {
        let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
        stmt.query_map(params_from_iter(args), |r| r.get::<_, String>(3))
            .unwrap()
            .collect::<rusqlite::Result<Vec<_>>>()
            .unwrap()
            .join("\n")
    }

    /// Issue 10: the dense shapes read ranges already in the list's order, from the page's key,
    /// either way: the name's or initials' prefix range of `people_prefixes`, merged (`MERGE
    /// (UNION)`) with a dense unit's people from the list's own index; no sort of the matches,
    /// no read of the whole table, for every kind of key and with the filters.
    #[test]
    fn dense_shapes_read_in_the_lists_order_without_sorting() {
        let store = data_set(50);
        let c = store.conn();
        let key = PersonKey {
            name: "张".into(),
            id_number: "4".into(),
        };
        let seeks = [
            Seek::First,
            Seek::Last,
            Seek::From(key.clone()),
            Seek::After(key.clone()),
            Seek::Before(key),
        ];
        let plain = PeopleQuery::default();
        let city = PeopleQuery {
            city_code: Some("430800".into()),
            ..PeopleQuery::default()
        };
        let short = PeopleQuery {
            state: PeopleState::ShortIn(2017),
            ..PeopleQuery::default()
        };
        for seek in &seeks {
            for q in [&plain, &city, &short] {
                for units in [Units::None, Units::Many] {
                    let shape = Shape::Prefix {
                        text: "z".into(),
                        units,
                    };
                    let (sql, args) = shaped_page_sql(shape, q, seek, 17);
                    let p = explain(c, &sql, args);
                    assert!(p.contains("SEARCH x USING PRIMARY KEY (prefix=?"), "{p}");
                    assert!(!sorts_or_scans(&p), "{seek:?} {q:?} {units:?}:\n{p}");
                    if units == Units::Many {
                        assert!(p.contains("MERGE (UNION)"), "{p}");
                    }
                }
                // One or two digits, and the short filter alone: the list's own index.
                for t in ["1", ""] {
                    let q = PeopleQuery {
                        text: t.into(),
                        ..q.clone()
                    };
                    let (sql, args) = shaped_page_sql(Shape::Scan, &q, seek, 17);
                    let p = explain(c, &sql, args);
                    assert!(
                        p.contains("people_order") || p.contains("people_city_order"),
                        "{p}"
                    );
                    assert!(!p.contains("TEMP B-TREE"), "{seek:?} {q:?}:\n{p}");
                }
            }
        }
    }

    /// Issue 10: a count reads the index that finds the matches: a trigram text through
    /// `people_fts` (not the list compared row by row until ten thousand match), a short text
    /// through the prefix range alone when no unit holds it.
    #[test]
    fn counts_read_the_index_that_finds_the_matches() {
        let store = data_set(50);
        let c = store.conn();
        let q = PeopleQuery {
            text: "1985".into(),
            ..PeopleQuery::default()
        };
        let (sql, args) = trigram_count_sql(&q, "\"1985\"".into());
        let p = explain(c, &sql, args);
        assert!(p.contains("people_fts VIRTUAL TABLE INDEX"), "{p}");
        assert!(p.contains("SEARCH p USING INTEGER PRIMARY KEY"), "{p}");
        assert!(matches!(shape(c, "1985").unwrap(), Shape::Trigram { .. }));
        assert!(matches!(
            shape(c, "zw").unwrap(),
            Shape::Prefix {
                units: Units::None,
                ..
            }
        ));
        assert!(matches!(shape(c, "19").unwrap(), Shape::Scan));
        assert!(matches!(
            shape(c, "医院").unwrap(),
            Shape::Prefix {
                units: Units::Few,
                ..
            }
        ));
    }

    /// The prefix table follows every write (migration 18's triggers): a renamed person is
    /// found by the new name's first characters and initials and no longer by the old ones,
    /// and the table holds exactly the prefixes of the names and readings there are.
    #[test]
    fn r1_2_the_prefix_table_follows_renames() {
        let mut store = data_set(60);
        let expected = |c: &Connection| -> i64 {
            c.query_row(
                "SELECT count(*) FROM (SELECT DISTINCT lower(substr(j.value, 1, w.n)), p.id
                 FROM people p,
                     json_each(json_insert('[\"' || replace(p.initials, ' ', '\",\"') || '\"]',
                                           '$[#]', p.name_key)) j,
                     (SELECT 1 AS n UNION ALL SELECT 2) w
                 WHERE trim(j.value) <> '')",
                [],
                |r| r.get(0),
            )
            .unwrap()
        };
        let held = |c: &Connection| -> i64 {
            c.query_row("SELECT count(*) FROM people_prefixes", [], |r| r.get(0))
                .unwrap()
        };
        assert_eq!(held(store.conn()), expected(store.conn()));
        let (id_number, old_name, old_initials): (String, String, String) = store
            .conn()
            .query_row(
                "SELECT id_number, name, initials FROM people WHERE id = 5",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .unwrap();
        let tx = store.write().unwrap();
        tx.execute(
            "UPDATE people SET name = '鬯一', name_key = '鬯一', initials = 'cy' WHERE id = 5",
            [],
        )
        .unwrap();
        tx.commit().unwrap();
        let c = store.conn();
        assert_eq!(held(c), expected(c));
        let text = |t: &str| PeopleQuery {
            text: t.into(),
            ..PeopleQuery::default()
        };
        let finds = |t: &str| ids(&people(c, &text(t), 0, 1000).unwrap()).contains(&id_number);
        assert!(finds("鬯") && finds("鬯一") && finds("cy") && finds("c"));
        assert_eq!(
            count_people_capped(c, &text("鬯")).unwrap(),
            Count::Exact(1)
        );
        // The old name's and readings' prefixes list what comparing every row lists: no row
        // left behind in the table finds the person by their old name.
        let old: String = old_name.chars().take(1).collect();
        let old2: String = old_name.chars().take(2).collect();
        let reading: String = old_initials.chars().take(2).collect();
        for t in [old, old2, reading] {
            assert_eq!(
                ids(&people(c, &text(&t), 0, 1000).unwrap()),
                brute(c, &text(&t)),
                "{t}"
            );
        }
    }

    /// What migration 22 keeps, as the tables it is kept from give it: the people counted, the
    /// totals counted by year and hours, and the people with an unlifted finding.
    /// (city, people) rows; (year, city, public, professional, people) rows; (name, ID number,
    /// id) rows.
    type Kept = (
        Vec<(String, i64)>,
        Vec<(i64, String, i64, i64, i64)>,
        Vec<(String, String, i64)>,
    );

    /// What migration 22 keeps, asserted equal to what the tables it is kept from give.
    fn kept(c: &Connection) -> Kept {
        let counted = |sql: &str| -> Vec<(String, i64)> {
            c.prepare(sql)
                .unwrap()
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
                .unwrap()
                .collect::<rusqlite::Result<_>>()
                .unwrap()
        };
        let rows = |sql: &str| -> Vec<(i64, String, i64, i64, i64)> {
            c.prepare(sql)
                .unwrap()
                .query_map([], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
                })
                .unwrap()
                .collect::<rusqlite::Result<_>>()
                .unwrap()
        };
        let blocked = |sql: &str| -> Vec<(String, String, i64)> {
            c.prepare(sql)
                .unwrap()
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                .unwrap()
                .collect::<rusqlite::Result<_>>()
                .unwrap()
        };
        let people = counted("SELECT city_code, n FROM people_count ORDER BY 1");
        assert_eq!(
            people,
            counted("SELECT city_code, count(*) FROM people GROUP BY 1 ORDER BY 1"),
            "people_count"
        );
        let by_hours = rows("SELECT * FROM totals_by_hours ORDER BY 1, 2, 3, 4");
        assert_eq!(
            by_hours,
            rows(
                "SELECT t.year, p.city_code, t.public_tenths, t.professional_tenths, count(*)
                 FROM person_year_totals t JOIN people p ON p.id = t.person_id
                 GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4"
            ),
            "totals_by_hours"
        );
        let held = blocked("SELECT name, id_number, person_id FROM people_blocked ORDER BY 1, 2");
        assert_eq!(
            held,
            blocked(
                "SELECT name, id_number, id FROM people WHERE id IN
                     (SELECT person_id FROM findings WHERE lifted_at IS NULL) ORDER BY 1, 2"
            ),
            "people_blocked"
        );
        (people, by_hours, held)
    }

    /// R2.1 The count of "short in a year", of everyone and of each city (and of a city nobody
    /// lives in), from the kept counts is the count of the people [`short_clause`] keeps, row by
    /// row, for every year of `years`.
    fn assert_short_counts_agree(c: &Connection, years: std::ops::RangeInclusive<i32>) {
        let (cities, _, _) = kept(c);
        let mut cities: Vec<Option<String>> = cities.into_iter().map(|(c, _)| Some(c)).collect();
        cities.extend([None, Some("439900".to_string())]);
        for year in years {
            for city in &cities {
                let q = PeopleQuery {
                    city_code: city.clone(),
                    state: PeopleState::ShortIn(year),
                    ..PeopleQuery::default()
                };
                let by_rows = count_people(c, &q).unwrap();
                assert_eq!(
                    count_short(c, year, city.as_deref()).unwrap(),
                    by_rows,
                    "{year} {city:?}"
                );
                assert_eq!(
                    count_people_capped(c, &q).unwrap(),
                    Count::capped(by_rows),
                    "{year} {city:?}"
                );
            }
        }
    }

    /// R2.1, R2.2 "Short in a year" counted from migration 22's counts equals counting every
    /// person with the rule's clause, on the demo's people (every state and filing, short and
    /// complete years, years without a policy row), and stays equal through what changes it: the
    /// services' decisions (a year's sums change, a year's row appears or goes), a year's policy
    /// raised, lowered, zeroed or removed (the defaults apply), new people, a rebuild.
    #[test]
    fn r2_1_short_counts_from_the_kept_counts_equal_the_rows() {
        let mut store = Store::open_in_memory().unwrap();
        demo::generate(&mut store, &actor("demo"), 200, 2017).unwrap();
        assert_short_counts_agree(store.conn(), 2009..=2019);
        let short_2016 = count_short(store.conn(), 2016, None).unwrap();
        assert!(short_2016 > 0 && short_2016 < 200, "{short_2016}");

        // Every entry of some people fails its assessment: their years drop out (R5.2).
        let tx = store.write().unwrap();
        let ids: Vec<i64> = tx
            .prepare("SELECT id FROM people ORDER BY id LIMIT 15")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        for (i, id) in ids.iter().enumerate() {
            let sql = if i % 2 == 0 {
                // One year's hours halved: that year's row changes, or goes.
                "UPDATE entries SET hours_tenths = max(1, hours_tenths / 2)
                 WHERE person_id = ?1 AND year = 2016"
            } else {
                "UPDATE entries SET result = 'fail' WHERE person_id = ?1"
            };
            tx.execute(sql, [id]).unwrap();
            crate::store::totals::refresh_person(&tx, *id).unwrap();
        }
        tx.commit().unwrap();
        assert_short_counts_agree(store.conn(), 2009..=2019);
        assert!(count_short(store.conn(), 2016, None).unwrap() > short_2016);
        // One of them passes again: their years come back.
        let tx = store.write().unwrap();
        tx.execute(
            "UPDATE entries SET result = 'pass' WHERE person_id = ?1",
            [ids[1]],
        )
        .unwrap();
        crate::store::totals::refresh_person(&tx, ids[1]).unwrap();
        tx.commit().unwrap();
        assert_short_counts_agree(store.conn(), 2009..=2019);

        // A year's policy raised, lowered, zeroed and removed: applied when counting.
        for sql in [
            "UPDATE policies SET public_min_tenths = 500 WHERE year = 2016",
            "UPDATE policies SET professional_min_tenths = 100, total_min_tenths = 150
             WHERE year = 2015",
            "UPDATE policies SET public_min_tenths = 0, professional_min_tenths = 0,
                 total_min_tenths = 0 WHERE year = 2014",
            "DELETE FROM policies WHERE year = 2013",
        ] {
            store.conn().execute(sql, []).unwrap();
            assert_short_counts_agree(store.conn(), 2009..=2019);
        }
        assert_eq!(count_short(store.conn(), 2014, None).unwrap(), 0);
        let nobody = PeopleQuery {
            state: PeopleState::ShortIn(2014),
            ..PeopleQuery::default()
        };
        assert!(
            people_page(store.conn(), &nobody, &Seek::First, 17)
                .unwrap()
                .is_empty()
        );

        // New people without hours are short in every year with a minimum.
        let before = count_short(store.conn(), 2016, None).unwrap();
        insert(
            &mut store,
            &[Row {
                id_number: "430102199001011234".into(),
                name: "新人",
                unit: "湘潭大学",
                kind: "city",
                city: "430300",
            }],
        );
        assert_eq!(count_short(store.conn(), 2016, None).unwrap(), before + 1);
        assert_short_counts_agree(store.conn(), 2009..=2019);

        // People moving to another city take their years with them (one of them to a city
        // nobody lived in); the new person leaves again.
        let tx = store.write().unwrap();
        tx.execute_batch(
            "UPDATE people SET city_code = '430100' WHERE id IN (SELECT id FROM people
                 WHERE city_code <> '430100' ORDER BY id LIMIT 12);
             UPDATE people SET city_code = '433100'
                 WHERE id = (SELECT max(id) FROM people WHERE city_code = '430100'
                             AND id IN (SELECT person_id FROM person_year_totals));
             DELETE FROM people WHERE id_number = '430102199001011234';",
        )
        .unwrap();
        tx.commit().unwrap();
        assert_short_counts_agree(store.conn(), 2009..=2019);
        assert_eq!(count_short(store.conn(), 2016, None).unwrap(), before);

        let tx = store.write().unwrap();
        crate::store::totals::rebuild(&tx).unwrap();
        tx.commit().unwrap();
        assert_short_counts_agree(store.conn(), 2009..=2019);
    }

    /// R2.1 Past the cap the kept count says "10 000+", and under it the exact number, as the
    /// title shows it; the first page is the list's first short people either way.
    #[test]
    fn short_counts_past_the_cap_say_so() {
        let mut store = Store::open_in_memory().unwrap();
        let names: Vec<String> = (0..COUNT_CAP + 40).map(|i| format!("张{i}")).collect();
        let rows: Vec<Row<'_>> = names
            .iter()
            .enumerate()
            .map(|(i, name)| Row {
                id_number: format!("4301021985{i:08}"),
                name,
                unit: "湘潭大学",
                kind: "city",
                city: "430300",
            })
            .collect();
        insert(&mut store, &rows);
        let q = PeopleQuery {
            state: PeopleState::ShortIn(2016),
            ..PeopleQuery::default()
        };
        let c = store.conn();
        assert_eq!(count_people_capped(c, &q).unwrap(), Count::Over);
        assert_eq!(count_people_capped(c, &q).unwrap().to_string(), "10 000+");
        let tx = store.write().unwrap();
        // 60 people complete 2016 (30 public + 60 professional hours): 9 980 remain short.
        tx.execute(
            "INSERT INTO person_year_totals (person_id, year, public_tenths, professional_tenths)
             SELECT id, 2016, 300, 600 FROM people ORDER BY id LIMIT 60",
            [],
        )
        .unwrap();
        tx.commit().unwrap();
        let c = store.conn();
        assert_eq!(
            count_people_capped(c, &q).unwrap(),
            Count::Exact(COUNT_CAP + 40 - 60)
        );
        assert_eq!(count_people(c, &q).unwrap(), COUNT_CAP + 40 - 60);
        let first = people_page(c, &q, &Seek::First, 5).unwrap();
        assert_eq!(ids(&first), brute(c, &q)[..5]);
    }

    /// R5.3 The blocked people are kept by the findings' triggers through every change a
    /// finding or a person goes through — made, a second one, lifted, moved to another person,
    /// deleted, the person renamed (moving in the list's order) — and the filter lists and
    /// counts what comparing every person with the findings lists, page by page either way.
    #[test]
    fn r5_3_the_blocked_filter_follows_every_finding() {
        let mut store = data_set(400);
        let blocked = |text: &str, city: Option<&str>| PeopleQuery {
            text: text.into(),
            city_code: city.map(str::to_string),
            state: PeopleState::Blocked,
            ..PeopleQuery::default()
        };
        let agree = |c: &Connection, step: &str| {
            kept(c);
            for q in [
                blocked("", None),
                blocked("", Some("430800")),
                blocked("1", None),
                blocked("张", None),
                blocked("1985", None),
            ] {
                let want = brute(c, &q);
                let (forward, backward) = both_ways(c, &q, 3);
                assert_eq!(forward, want, "{step}: forward {q:?}");
                assert_eq!(backward, want, "{step}: backward {q:?}");
                assert_eq!(
                    count_people_capped(c, &q).unwrap(),
                    Count::Exact(want.len()),
                    "{step}: count {q:?}"
                );
            }
            brute(c, &blocked("", None))
        };
        let first = agree(store.conn(), "made by the data set");
        assert!(first.len() >= 9, "{}", first.len());
        let id_of = |c: &Connection, id: i64| -> String {
            c.query_row("SELECT id_number FROM people WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .unwrap()
        };
        let renamed = id_of(store.conn(), 167);
        let place = first.iter().position(|i| *i == renamed);
        let steps = [
            ("a second finding", "INSERT INTO findings (person_id, reason, made_by, made_at)
                 VALUES (7, '伪造证明', 'clerk', 'x'), (8, '材料不全', 'clerk', 'x')"),
            ("one of two lifted", "UPDATE findings SET lifted_at = 'y', lifted_by = 'chief',
                 lift_reason = '复查' WHERE id = (SELECT min(id) FROM findings WHERE person_id = 7)"),
            ("lifted", "UPDATE findings SET lifted_at = 'y', lifted_by = 'chief',
                 lift_reason = '复查' WHERE person_id = 47"),
            ("moved", "UPDATE findings SET person_id = 9 WHERE person_id = 87"),
            ("deleted", "DELETE FROM findings WHERE person_id = 127"),
            ("renamed", "UPDATE people SET name = '一一', name_key = '一一', initials = 'yy'
                 WHERE id = 167"),
            ("made again", "UPDATE findings SET lifted_at = NULL WHERE person_id = 47"),
        ];
        for (step, sql) in steps {
            let tx = store.write().unwrap();
            tx.execute_batch(sql).unwrap();
            tx.commit().unwrap();
            agree(store.conn(), step);
        }
        let c = store.conn();
        let now = agree(c, "at the end");
        // 7 keeps a finding; 8 and 9 are newly blocked; 87 and 127 no longer; 167 moved.
        for (id, is) in [
            (7, true),
            (8, true),
            (9, true),
            (87, false),
            (127, false),
            (47, true),
        ] {
            assert_eq!(now.contains(&id_of(c, id)), is, "person {id}");
        }
        let moved = now.iter().position(|i| *i == renamed);
        assert!(
            moved.is_some() && place.is_some() && moved != place,
            "{place:?} {moved:?}"
        );
    }

    /// Issue 10: "blocked" is a range read of `people_blocked` in the list's order from the
    /// page's key, either way, without sorting and without reading the people list; "short in a
    /// year" alone is counted from the year's range of `totals_by_hours`, reading neither the
    /// people nor their totals.
    #[test]
    fn the_filters_read_their_kept_tables() {
        let store = data_set(50);
        let c = store.conn();
        let key = PersonKey {
            name: "张".into(),
            id_number: "4".into(),
        };
        for seek in [
            Seek::First,
            Seek::Last,
            Seek::From(key.clone()),
            Seek::After(key.clone()),
            Seek::Before(key),
        ] {
            for city in [None, Some("430800".to_string())] {
                let q = PeopleQuery {
                    city_code: city,
                    state: PeopleState::Blocked,
                    ..PeopleQuery::default()
                };
                let (sql, args) = shaped_page_sql(Shape::Scan, &q, &seek, 17);
                let p = explain(c, &sql, args);
                // `b` is `people_blocked`.
                assert!(p.contains("SCAN b") || p.contains("SEARCH b"), "{p}");
                assert!(!p.contains("TEMP B-TREE"), "{seek:?}:\n{p}");
                assert!(
                    !p.lines().any(|l| l.contains("SCAN p")),
                    "{seek:?} reads the list whole:\n{p}"
                );
                if matches!(seek, Seek::After(_) | Seek::Before(_) | Seek::From(_)) {
                    assert!(
                        p.contains("SEARCH b USING PRIMARY KEY ((name,id_number)"),
                        "{seek:?}:\n{p}"
                    );
                }
            }
        }
        let [public, professional, total] = minimums_sql(2016, 1);
        let sums = |city: &str| {
            explain(
                c,
                &format!(
                    "SELECT coalesce(sum(people), 0) FROM totals_by_hours
                     WHERE year = ?1{city} AND public_tenths >= {public}
                       AND professional_tenths >= {professional}
                       AND public_tenths + professional_tenths >= {total}"
                ),
                if city.is_empty() {
                    vec![Value::Integer(2016)]
                } else {
                    vec![Value::Integer(2016), Value::Text("430800".into())]
                },
            )
        };
        let all = sums("");
        assert!(
            all.contains("SEARCH totals_by_hours USING PRIMARY KEY (year=?)"),
            "{all}"
        );
        let p = sums(" AND city_code = ?2");
        assert!(
            p.contains(
                "SEARCH totals_by_hours USING PRIMARY KEY (year=? AND city_code=? AND public_tenths>?)"
            ),
            "{p}"
        );
        for p in [&all, &p] {
            assert!(
                !p.contains("person_year_totals") && !p.contains("people"),
                "{p}"
            );
        }
        assert!(
            !p.contains("person_year_totals") && !p.contains("people"),
            "{p}"
        );
    }

    /// Migration 22 fills what it keeps from a file that had people, totals and findings
    /// before it, and runs again on a file stepped back below it by hand.
    #[test]
    fn migration_22_fills_its_tables_from_the_file() {
        let mut store = Store::open_in_memory().unwrap();
        demo::generate(&mut store, &actor("demo"), 80, 2017).unwrap();
        let before = kept(store.conn());
        let people: i64 = before.0.iter().map(|(_, n)| n).sum();
        assert!(people == 80 && !before.1.is_empty() && !before.2.is_empty());
        store
            .conn()
            .execute_batch(
                "DROP TRIGGER people_count_insert; DROP TRIGGER people_count_delete;
                 DROP TRIGGER totals_by_hours_moved;
                 DROP TABLE people_count; DROP TABLE totals_by_hours;
                 DROP TRIGGER people_blocked_found; DROP TRIGGER people_blocked_changed;
                 DROP TRIGGER people_blocked_unfound; DROP TRIGGER people_blocked_renamed;
                 DROP TRIGGER people_blocked_gone; DROP TABLE people_blocked;
                 PRAGMA user_version = 21;",
            )
            .unwrap();
        crate::store::tests::step_back_below_24(store.conn());
        store
            .migrate_to(crate::store::schema::MIGRATIONS.len())
            .unwrap();
        assert_eq!(kept(store.conn()), before);
        // Again over tables already there (the objects are made only if missing).
        store
            .conn()
            .execute_batch("PRAGMA user_version = 21;")
            .unwrap();
        crate::store::tests::step_back_below_24(store.conn());
        store
            .migrate_to(crate::store::schema::MIGRATIONS.len())
            .unwrap();
        assert_eq!(kept(store.conn()), before);
        assert_short_counts_agree(store.conn(), 2010..=2018);
    }
}
