//! Issue 10: `import entries` writes its new entries many to a statement. The same rosters
//! written a statement a row (as before) and many rows a statement leave byte-for-byte the same
//! database — entries, evidence, totals, notes, the import's batch, every audit record and its
//! payload — and an import cut by a problem found while writing leaves nothing.

use super::*;
use crate::service::fixtures::{actor, source, table};

const HEADER: &str =
    "身份证号,科目类别,学习形式,培训内容,施教机构,开始日期,结束日期,学时,考核结果,已交材料,备注";

/// A plausible ID number (R1.1) of test person `n`, born in 长沙 on 1981-02-03.
fn id_number(n: u16) -> String {
    let birth = chrono::NaiveDate::from_ymd_opt(1981, 2, 3).expect("date");
    crate::domain::IdNumber::compose("430102", birth, n)
        .expect("id number")
        .as_str()
        .to_string()
}

/// A roster row: person `n`'s one-day training `content` on `day` days after 2014-01-01.
fn row(n: u16, content: &str, day: u64, result: &str, evidence: &str, note: &str) -> String {
    let date = chrono::NaiveDate::from_ymd_opt(2014, 1, 1).expect("date") + chrono::Days::new(day);
    format!(
        "{},专业科目,培训班,{content},湖南大学,{date},{date},8,{result},{evidence},{note}",
        id_number(n)
    )
}

/// Three people, an entry registered on paper before (person 0, 旧课程一) and one a clerk
/// recorded (person 1, 旧课程二).
fn store() -> Store {
    let mut store = Store::open_in_memory().expect("store");
    let clerk = actor("clerk");
    let people: Vec<String> = (0..3)
        .map(|n| format!("{},张伟,长沙市第一医院,市州所属单位,长沙", id_number(n)))
        .collect();
    let people: Vec<&str> = people.iter().map(String::as_str).collect();
    super::people(
        &mut store,
        &clerk,
        &table("身份证号,姓名,单位,单位类型,市州", &people),
        &source(),
        false,
    )
    .expect("people");
    let paper = [row(0, "旧课程一", 50, "合格", "", "")];
    let recorded = [row(1, "旧课程二", 51, "合格", "培训通知", "")];
    for (rows, registered) in [(&paper, true), (&recorded, false)] {
        let rows: Vec<&str> = rows.iter().map(String::as_str).collect();
        super::entries(
            &mut store,
            &actor("archivist"),
            &table(HEADER, &rows),
            &source(),
            registered,
            false,
        )
        .expect("earlier entries");
    }
    store
}

/// 600 rows: new trainings for the three people, in which row 1's training comes again in the
/// same statement (row 3, more evidence), as the first row of the next statement when four go
/// to a statement (row 5, a note) and of the next full statement (row [`entry_batch::ROWS`] +
/// 1: more evidence, or for paper history the same row; another result there is refused, R5.1,
/// `tests/import_batches.rs`), twice a training the database
/// had before (rows 8 and 301–302), and notes here and there.
fn roster(registered: bool) -> Vec<String> {
    let mut rows: Vec<String> = (0..600u16)
        .map(|i| {
            let note = if i % 97 == 0 { "补录" } else { "" };
            row(i % 3, &format!("课程{i}"), u64::from(i), "合格", "", note)
        })
        .collect();
    rows[2] = row(0, "课程0", 0, "合格", "培训通知；培训签到表", "");
    rows[4] = row(0, "课程0", 0, "合格", "", "第二次");
    rows[entry_batch::ROWS] = if registered {
        row(0, "课程0", 0, "合格", "", "")
    } else {
        row(0, "课程0", 0, "合格", "培训通知；培训签到表；结业证明", "")
    };
    rows[7] = row(0, "旧课程一", 50, "合格", "", "");
    rows[300] = row(1, "旧课程二", 51, "合格", "培训课程表", "");
    rows[301] = row(1, "旧课程二", 51, "合格", "", "");
    rows
}

/// Every row of every table, each table's rows sorted: the whole of what the import left.
fn dump(store: &Store) -> Vec<(String, Vec<String>)> {
    let conn = store.conn();
    let names: Vec<String> = conn
        .prepare(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'
             ORDER BY name",
        )
        .expect("tables")
        .query_map([], |r| r.get(0))
        .expect("tables")
        .collect::<rusqlite::Result<_>>()
        .expect("tables");
    names
        .into_iter()
        .map(|name| {
            let mut stmt = conn
                .prepare(&format!("SELECT * FROM \"{name}\""))
                .expect("select");
            let cols = stmt.column_count();
            let mut rows: Vec<String> = stmt
                .query_map([], |r| {
                    (0..cols)
                        .map(|i| {
                            r.get::<_, rusqlite::types::Value>(i)
                                .map(|v| format!("{v:?}"))
                        })
                        .collect::<rusqlite::Result<Vec<_>>>()
                        .map(|v| v.join("|"))
                })
                .expect("rows")
                .collect::<rusqlite::Result<_>>()
                .expect("rows");
            rows.sort();
            (name, rows)
        })
        .collect()
}

/// Imports `rows` into a fresh [`store`], `per_statement` new entries to a statement.
fn write_roster(
    rows: &[String],
    registered: bool,
    per_statement: usize,
) -> (Result<Summary>, Store) {
    let mut store = store();
    let rows: Vec<&str> = rows.iter().map(String::as_str).collect();
    let done = entries_written(
        &mut store,
        &actor("archivist"),
        &table(HEADER, &rows),
        &source(),
        (registered, false),
        &mut quiet,
        per_statement,
    )
    .map(|i| i.summary);
    (done, store)
}

/// R5.1, R2.1, R3, R5.5 A training listed twice within a statement, across a statement's
/// boundary, and rows equal to entries already there: the counts, the entries, their evidence,
/// the totals, the notes and every audit record with its payload lines (in the same order:
/// the chain's hashes are equal too) are those of the same roster written a row a statement.
#[test]
fn many_to_a_statement_leaves_what_a_row_a_statement_left() {
    for registered in [false, true] {
        let rows = roster(registered);
        let (one, one_store) = write_roster(&rows, registered, 1);
        let one = one.expect("a row a statement");
        // Rows 3, 5 and ROWS + 1 name row 1's training; 8, 301 and 302 trainings already there.
        assert_eq!(one.added, 594, "registered {registered}: {one:?}");
        assert_eq!(one.added + one.updated + one.unchanged, 600);
        let want = dump(&one_store);
        for per_statement in [4, entry_batch::ROWS] {
            let (many, many_store) = write_roster(&rows, registered, per_statement);
            let many = many.expect("many a statement");
            assert_eq!(
                many, one,
                "registered {registered}, {per_statement} a statement"
            );
            let got = dump(&many_store);
            for ((table, got), (_, want)) in got.iter().zip(&want) {
                assert_eq!(
                    got, want,
                    "table {table}: registered {registered}, {per_statement} a statement"
                );
            }
            assert_eq!(got.len(), want.len());
            let report = audit::check_state(many_store.conn()).expect("audit");
            assert!(report.findings.is_empty(), "{:?}", report.findings);
        }
    }
}

/// R5.1 A row met while writing that would change an entry already registered stops the
/// import (the problem found at its row), and nothing is left of it — not the entries the
/// statements before and after that row had already inserted.
#[test]
fn r5_1_an_import_stopped_while_writing_leaves_nothing() {
    let mut rows = roster(false);
    // Row 402, in the second full statement: 旧课程一 is registered; a roster may not fail it.
    rows[400] = row(0, "旧课程一", 50, "不合格", "", "");
    let before = dump(&store());
    for per_statement in [1, 4, entry_batch::ROWS] {
        let (done, store) = write_roster(&rows, false, per_statement);
        match done {
            Err(ServiceError::Rows(problems)) => {
                assert_eq!(problems.len(), 1, "{problems:?}");
                assert_eq!(problems[0].line, 402);
                assert_eq!(problems[0].column, "考核结果");
                assert!(
                    matches!(
                        problems[0].problem,
                        Problem::AlreadyDecided {
                            state: EntryState::Registered
                        }
                    ),
                    "{problems:?}"
                );
            }
            other => panic!("{per_statement} a statement: expected the row refused, got {other:?}"),
        }
        assert!(
            dump(&store) == before,
            "{per_statement} a statement left something"
        );
    }
}
