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

/// R2.1 "Short in `year`": the person's registered hours that count (R4.3, R5.2) miss one of
/// that year's minimums (the `policies` row, else the notice's defaults, R2.2). A lookup of the
/// totals the services keep (`store::totals`, decided by `Entry::counts`), never a sum over the
/// entries: one primary-key search per person. A year without a totals row counts nothing, so
/// it is short unless every minimum is zero. Pushes its arguments onto `args`.
fn short_clause(year: i32, args: &mut Vec<Value>) -> String {
    args.push(Value::Integer(year.into()));
    let y = args.len();
    let default = crate::domain::YearPolicy::default_for(year);
    // Uncorrelated: SQLite evaluates each once per query, not once per person.
    let min = |column: &str, fallback: Hours| {
        format!(
            "(SELECT coalesce(max({column}), {}) FROM policies WHERE year = ?{y})",
            fallback.tenths()
        )
    };
    let (public, professional, total) = (
        min("public_min_tenths", default.public_min),
        min("professional_min_tenths", default.professional_min),
        min("total_min_tenths", default.total_min),
    );
    format!(
        "(NOT EXISTS (SELECT 1 FROM person_year_totals t
                      WHERE t.person_id = p.id AND t.year = ?{y}
                        AND t.public_tenths >= {public}
                        AND t.professional_tenths >= {professional}
                        AND t.public_tenths + t.professional_tenths >= {total})
          AND ({public} > 0 OR {professional} > 0 OR {total} > 0))"
    )
}

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
        PeopleState::ShortIn(year) => clauses.push(short_clause(year, args)),
    }
    clauses.join(" AND ")
}

/// One page of people, ordered by name then ID number.
pub fn people(
    conn: &Connection,
    q: &PeopleQuery,
    offset: usize,
    limit: usize,
) -> Result<Vec<PersonSummary>> {
    let mut args = Vec::new();
    let w = where_clause(q, &mut args);
    args.push(Value::Integer(limit as i64));
    let l = args.len();
    args.push(Value::Integer(offset as i64));
    let o = args.len();
    let sql = format!(
        "SELECT p.id, p.id_number, p.name, p.unit, p.unit_kind, coalesce(o.short, p.city_code), p.title
         FROM people p LEFT JOIN offices o ON o.code = p.city_code
         WHERE {w} ORDER BY p.name, p.id_number LIMIT ?{l} OFFSET ?{o}"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt
        .query_map(params_from_iter(args), |r| {
            Ok(PersonSummary {
                id: r.get(0)?,
                id_number: r.get(1)?,
                name: r.get(2)?,
                unit: r.get(3)?,
                unit_kind: r.get(4)?,
                city: r.get(5)?,
                title: r.get(6)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

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

/// The review queue: entries awaiting review and registration, grouped by import batch and
/// provider (R5.1), one page at a time, searched as [`queue_search_clause`] says.
pub fn review_queue(
    conn: &Connection,
    text: &str,
    offset: usize,
    limit: usize,
) -> Result<Vec<EntrySummary>> {
    let mut stmt = conn.prepare_cached(&format!(
        "{ENTRY_SUMMARY}
         WHERE e.state IN ('recorded', 'evidence_complete', 'sealed')
           AND {}
         ORDER BY coalesce(e.batch_id, 0) DESC, e.provider, p.name, e.id
         LIMIT ?3 OFFSET ?4",
        queue_search_clause(1, 2)
    ))?;
    let (raw, folded) = queue_search_args(text);
    let rows = stmt
        .query_map(
            rusqlite::params![raw, folded, limit as i64, offset as i64],
            entry_summary,
        )?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

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
