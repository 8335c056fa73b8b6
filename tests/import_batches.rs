//! Issue 10: `import entries` writes its new entries many to a statement (256). Through the
//! built program: a roster that lists a training twice within one statement, as row 1 and the
//! row one full statement later, and rows equal to entries already there gives the counts the
//! natural key (R5.1) gives, a trail `audit verify` accepts (R5.5), and nothing new the second
//! time; a row refused while writing, after statements of new entries had already run, leaves
//! nothing written. The import keeps the natural key itself while it writes (its trigger set
//! aside in its own transaction): afterwards, refused or not, the trigger keeps it again for
//! every other writer of the file.

mod common;

use common::*;

/// New entries a statement (`store::entry_batch::ROWS`): row 1 and row `ROWS + 1` of a roster
/// are in different statements.
const ROWS: usize = 256;

/// Data rows of the rosters below: two full statements and part of a third.
const ROSTER: usize = 600;

/// People of the rosters, twenty trainings each.
fn people() -> Vec<String> {
    (0..ROSTER as u32 / 20).map(person_id).collect()
}

/// Data row `i` (from 0): a one-day professional training class of person `i / 20`, its own
/// content and day.
fn training(i: usize) -> Entry {
    let day =
        chrono::NaiveDate::from_ymd_opt(2014, 1, 1).expect("date") + chrono::Days::new(i as u64);
    let mut e = Entry::new(
        &person_id((i / 20) as u32),
        "专业",
        &day.to_string(),
        &day.to_string(),
        "8",
    );
    e.content = format!("临床新进展第{i}讲");
    e
}

/// Entry registered on paper before the rosters (R5.2): person 0's 2013 class.
fn earlier() -> Entry {
    Entry::new(&person_id(0), "专业", "2013-05-02", "2013-05-02", "8")
}

/// A world with the people and [`earlier`] registered.
fn env() -> Env {
    let env = Env::new();
    let ids = people();
    let rows: Vec<(&str, &str)> = ids.iter().map(|id| (id.as_str(), "张伟")).collect();
    env.people(&rows);
    env.registered(&[earlier()]);
    env
}

/// [`ROSTER`] new trainings in which data row 1's comes again as row 3 (the same statement)
/// and as row `ROWS + 1` (the next one), row 8 is [`earlier`] as it stands, and row 501 is row
/// 500's training with a piece of evidence it lacked.
fn roster() -> Vec<Entry> {
    let mut rows: Vec<Entry> = (0..ROSTER).map(training).collect();
    rows[2] = training(0);
    rows[ROWS] = training(0);
    rows[7] = earlier();
    rows[500] = training(499).evidence("培训通知");
    rows
}

/// R5.1 The schema's natural key is in place: the trigger is there, no load's mark says
/// something is set aside, the providers' counts agree with the entries, and a training written again by another connection (as another
/// clerk's screen would) is turned away.
fn assert_key_kept(env: &Env) {
    let conn = env.conn();
    let trigger: bool = conn
        .query_row(
            "SELECT EXISTS (SELECT 1 FROM sqlite_master
             WHERE type = 'trigger' AND name = 'entries_same_training')",
            [],
            |r| r.get(0),
        )
        .expect("schema");
    assert!(trigger, "the natural key's trigger is back");
    let mark: i64 = conn
        .query_row(
            "SELECT count(*) FROM meta WHERE key = 'bulk_load'",
            [],
            |r| r.get(0),
        )
        .expect("meta");
    assert_eq!(mark, 0, "nothing left set aside");
    // The providers' counts the completion reads: what the entries say, whoever counted them.
    let rows = |sql: &str| -> Vec<(String, i64)> {
        let mut stmt = conn.prepare(sql).expect("prepare");
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .expect("query")
            .collect::<Result<_, _>>()
            .expect("rows")
    };
    assert_eq!(
        rows("SELECT provider, entries FROM entry_providers ORDER BY provider"),
        rows("SELECT provider, count(*) FROM entries GROUP BY provider ORDER BY provider"),
        "the providers' counts"
    );
    let before = env.counts().entries;
    conn.execute(
        "INSERT INTO entries SELECT NULL, person_id, year, category, form, content, provider,
             start_date, end_date, hours_tenths, result, filing_id, state, migrated, confirmed,
             batch_id, reason, sealed_by, sealed_at, registered_by, registered_at, created_at,
             updated_at, recorded_by
         FROM entries ORDER BY id LIMIT 1",
        [],
    )
    .expect("insert");
    assert_eq!(
        env.counts().entries,
        before,
        "the same training turned away"
    );
}

/// R5.1, R5.5 The natural key decides, whatever statement a row falls in: 596 new entries; row
/// 501 adds its evidence to row 500's entry (updated); rows 3, `ROWS + 1` and 8 change nothing.
/// The trail verifies, and the same roster again adds nothing.
#[test]
fn r5_1_a_training_listed_twice_across_statements_is_one_entry() {
    let env = env();
    let before = env.counts();
    let out = env.import_ok("entries", "roster.csv", &entries_csv(&roster()), &[]);
    assert!(
        out.stdout.contains("新增 596 条，更新 1 条，未变 3 条"),
        "{out:?}"
    );
    assert_eq!(env.counts().entries, before.entries + 596);
    let twice: i64 = env
        .conn()
        .query_row(
            "SELECT count(*) FROM entries WHERE content = ?1",
            [&training(0).content],
            |r| r.get(0),
        )
        .expect("count");
    assert_eq!(
        twice, 1,
        "row 1's training, listed three times, is one entry"
    );
    let evidence: i64 = env
        .conn()
        .query_row(
            "SELECT count(*) FROM entry_evidence v JOIN entries e ON e.id = v.entry_id
             WHERE e.content = ?1",
            [&training(499).content],
            |r| r.get(0),
        )
        .expect("count");
    assert_eq!(evidence, 1, "R3 row 501's piece is on row 500's entry");
    env.run(["audit", "verify"]).expect(0);

    let again = env.import_ok("entries", "roster.csv", &entries_csv(&roster()), &[]);
    assert!(
        again.stdout.contains("新增 0 条，更新 0 条，未变 600 条"),
        "{again:?}"
    );
    assert_eq!(env.counts().entries, before.entries + 596);
    assert_key_kept(&env);
}

/// R5.1 Row 402 would fail [`earlier`], which is registered: found only while writing, after
/// the first statement of new entries (rows 2–257) has run and while the second is queued.
/// The import is refused at that row in both languages and leaves nothing written.
#[test]
fn r5_1_a_row_refused_while_writing_leaves_nothing_written() {
    let env = env();
    let mut rows = roster();
    rows[400] = earlier().result("不合格");
    let file = env.write("roster.csv", &entries_csv(&rows));
    env.refused_file(
        "entries",
        &file,
        &[],
        402,
        "考核结果",
        &["不合格", "已登记", "名册不能再修改"],
        &["already registered", "cannot change"],
    );
    assert_key_kept(&env);
}

/// R5.1 Tester, 2026-11-30: the same training listed twice with another result (合格 then
/// 不合格) stored the last row's and said "1 added, 1 updated"; with `--registered` it was
/// refused as an entry "already registered" that no database held. Two rows that disagree are
/// refused at the second, naming the first, and nothing is written — rows within one statement
/// and rows a statement apart alike.
#[test]
fn r5_1_a_training_listed_twice_with_another_result_is_refused_naming_both_rows() {
    for (second, registered) in [(2, false), (2, true), (ROWS + 5, false)] {
        let env = env();
        let mut rows = roster();
        rows[second] = training(0).result("不合格");
        let file = env.write("twice.csv", &entries_csv(&rows));
        let args: &[&str] = if registered { &["--registered"] } else { &[] };
        env.refused_file(
            "entries",
            &file,
            args,
            second + 2,
            "考核结果",
            &["“不合格”", "与第2行是同一培训", "这一列与第2行不同"],
            &[
                "the same training as row 2",
                "this column differs from row 2",
            ],
        );
    }
}

/// R5.1 Tester, 2026-11-30: a training already recorded (by an earlier roster) listed twice in
/// a new roster with two results stored the last row's and said "2 updated"; in the other order
/// "1 updated, 1 unchanged". Either way the second row is refused naming the first, in both
/// languages, and nothing of the roster is written; the same training twice with the same
/// result is one update.
#[test]
fn r5_1_an_entry_already_there_listed_twice_with_another_result_is_refused() {
    let env = env();
    env.import_ok("entries", "first.csv", &entries_csv(&[training(5)]), &[]);
    let before = env.counts();
    for (a, b) in [("不合格", "良好"), ("良好", "不合格")] {
        let rows = vec![training(5).result(a), training(7), training(5).result(b)];
        let file = env.write("twice.csv", &entries_csv(&rows));
        env.refused_file(
            "entries",
            &file,
            &[],
            4,
            "考核结果",
            &[&format!("“{b}”"), "与第2行是同一培训", "这一列与第2行不同"],
            &[
                "the same training as row 2",
                "this column differs from row 2",
            ],
        );
        assert_eq!(env.counts().entries, before.entries, "nothing written");
    }
    let rows = vec![training(5).result("良好"), training(5).result("良好")];
    let out = env.import_ok("entries", "same.csv", &entries_csv(&rows), &[]);
    assert!(
        out.stdout.contains("新增 0 条，更新 1 条，未变 1 条"),
        "{out:?}"
    );
}

/// R5.1 Tester, 2026-11-30: a roster whose rows 2 and 3 list one training with two results and
/// whose row 4 has hours that are not a number named only row 4; once that was put right, the
/// next attempt named row 3. Both are named the first time, each once, and nothing is written.
#[test]
fn r5_1_a_training_listed_twice_is_named_with_the_rosters_other_problems() {
    let env = env();
    let before = env.counts();
    // With row 4's hours wrong, then with them put right: the two rows that disagree are named
    // both times.
    for (hours, named) in [("abc", 2), ("8", 1)] {
        let rows = vec![
            training(0),
            training(0).result("不合格"),
            training(1).hours(hours),
            training(2),
        ];
        let file = env.write("both.csv", &entries_csv(&rows));
        let out = env.import("entries", &file, &[]);
        out.expect(2);
        assert_row_error(
            &out,
            &file,
            3,
            "考核结果",
            &["“不合格”", "与第2行是同一培训"],
        );
        if named == 2 {
            assert_row_error(&out, &file, 4, "学时", &["abc"]);
        }
        assert_eq!(row_error_lines(&out, &file), named, "{out:?}");
        assert_eq!(env.counts(), before, "a refused roster writes nothing");
    }
}
