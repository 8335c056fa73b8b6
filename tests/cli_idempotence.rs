//! Re-importing the same roster changes nothing, and `--dry-run` writes nothing (docs/INTERFACES.md
//! "Every import accepts --dry-run … Re-importing the same file changes nothing").

mod common;

use common::*;

fn assert_added(out: &Out, added: usize, updated: usize, unchanged: usize) {
    let line = format!("新增 {added} 条，更新 {updated} 条，未变 {unchanged} 条");
    assert!(out.stdout.contains(&line), "expected {line:?}: {out:?}");
}

#[test]
fn people_twice_adds_nobody_the_second_time() {
    let env = Env::new();
    let roster = people_csv(&[(ZHANG, "张伟"), (LI, "李娜"), (WANG, "王芳")]);
    let out = env.import_ok("people", "people.csv", &roster, &[]);
    assert_added(&out, 3, 0, 0);
    let after_first = env.counts();
    assert_eq!(after_first.people, 3);

    let out = env.import_ok("people", "people.csv", &roster, &[]);
    assert_added(&out, 0, 0, 3);
    assert_eq!(
        env.counts(),
        after_first,
        "no rows, no audit records: nothing happened"
    );
}

#[test]
fn r1_2_a_changed_person_is_updated_not_duplicated() {
    let env = Env::new();
    env.people(&[(ZHANG, "张伟"), (WANG, "王芳")]);
    let audit_before = env.counts().audit;
    let out = env.import_ok(
        "people",
        "people2.csv",
        &people_csv(&[(ZHANG, "张玮"), (WANG, "王芳")]),
        &[],
    );
    assert_added(&out, 0, 1, 1);
    assert_eq!(env.counts().people, 2);
    assert!(
        env.counts().audit > audit_before,
        "R5.5 the change is audited"
    );
    let (_, v) = env.check_json(ZHANG, &[]);
    assert_eq!(v["name"], "张玮");
}

#[test]
fn filings_twice_add_nothing_the_second_time() {
    let env = Env::new();
    let roster = filings_csv(&[
        filing_line(
            "F2016-01",
            "公需",
            "2016-03-01",
            "2016-03-05",
            "已备案",
            "2016-02-20",
        ),
        filing_line("F2016-02", "专业", "2016-04-01", "2016-04-20", "待审", ""),
    ]);
    let out = env.import_ok("filings", "filings.csv", &roster, &[]);
    assert_added(&out, 2, 0, 0);
    let after_first = env.counts();
    assert_eq!(after_first.filings, 2);
    let out = env.import_ok("filings", "filings.csv", &roster, &[]);
    assert_added(&out, 0, 0, 2);
    assert_eq!(env.counts(), after_first);
}

#[test]
fn entries_twice_add_nothing_the_second_time() {
    let env = Env::new();
    env.people(&[(ZHANG, "张伟"), (WANG, "王芳")]);
    let roster = entries_csv(&[
        Entry::public(ZHANG, 2016, "30").evidence("培训通知;培训签到表"),
        Entry::professional(ZHANG, 2016, "60").evidence("学习证明材料"),
        Entry::public(WANG, 2016, "12.5"),
    ]);
    let out = env.import_ok("entries", "entries.csv", &roster, &[]);
    assert_added(&out, 3, 0, 0);
    let after_first = env.counts();
    assert_eq!((after_first.entries, after_first.batches), (3, 1));
    let out = env.import_ok("entries", "entries.csv", &roster, &[]);
    assert_added(&out, 0, 0, 3);
    assert_eq!(env.counts(), after_first);
}

#[test]
fn registered_entries_twice_add_nothing_the_second_time() {
    let env = Env::new();
    env.people(&[(ZHANG, "张伟")]);
    let roster = entries_csv(&full_year(ZHANG, 2015));
    let out = env.import_ok("entries", "history.csv", &roster, &["--registered"]);
    assert_added(&out, 2, 0, 0);
    let after_first = env.counts();
    let out = env.import_ok("entries", "history.csv", &roster, &["--registered"]);
    assert_added(&out, 0, 0, 2);
    assert_eq!(env.counts(), after_first);
    let (code, v) = env.check_json(ZHANG, &["--from", "2015", "--to", "2015"]);
    assert_eq!(code, 0);
    assert_eq!(hours(&v, 2015, "total"), 90.0, "counted once, not twice");
}

#[test]
fn r5_1_registered_history_enters_registered_evidence_complete_and_migrated() {
    let env = Env::new();
    env.people(&[(ZHANG, "张伟")]);
    env.registered(&[Entry::public(ZHANG, 2015, "30")]);
    let conn = env.conn();
    let (state, migrated, by): (String, i64, Option<String>) = conn
        .query_row(
            "SELECT state, migrated, registered_by FROM entries",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!(state, "registered");
    assert_eq!(migrated, 1);
    assert_eq!(by.as_deref(), Some(CLERK), "R5.5 who registered it");
    // R3.1 a training class has four items; the third may be either of two documents.
    let evidence: i64 = conn
        .query_row("SELECT count(*) FROM entry_evidence", [], |r| r.get(0))
        .unwrap();
    assert!(evidence >= 4, "every checklist item received: {evidence}");
}

#[test]
fn r3_1_evidence_decides_whether_a_recorded_entry_is_complete() {
    let env = Env::new();
    env.people(&[(ZHANG, "张伟"), (WANG, "王芳")]);
    let roster = entries_csv(&[
        // Either 培训课程表 or 培训日程安排 satisfies item 3 (R3.1 "A or B").
        Entry::public(ZHANG, 2016, "30").evidence("培训通知、培训签到表、培训日程安排、结业证明"),
        Entry::public(WANG, 2016, "30").evidence("培训通知、培训签到表、结业证明"),
    ]);
    env.import_ok("entries", "entries.csv", &roster, &[]);
    let state = |id: &str| -> String {
        env.conn()
            .query_row(
                "SELECT e.state FROM entries e JOIN people p ON p.id = e.person_id
                 WHERE p.id_number = ?1",
                [id],
                |r| r.get(0),
            )
            .unwrap()
    };
    assert_eq!(state(ZHANG), "evidence_complete");
    assert_eq!(state(WANG), "recorded");

    // The missing timetable arrives in a second roster: the entry is updated, not duplicated.
    let later = entries_csv(&[Entry::public(WANG, 2016, "30").evidence("timetable")]);
    let out = env.import_ok("entries", "later.csv", &later, &[]);
    assert_added(&out, 0, 1, 0);
    assert_eq!(state(WANG), "evidence_complete");
    assert_eq!(env.counts().entries, 2);
}

#[test]
fn dry_run_reports_counts_and_writes_nothing() {
    let env = Env::new();
    let file = env.write(
        "people.csv",
        &people_csv(&[(ZHANG, "张伟"), (WANG, "王芳")]),
    );
    let out = env.import("people", &file, &["--dry-run"]);
    out.expect(0);
    assert_added(&out, 2, 0, 0);
    assert!(out.stdout.contains("试运行，未写入任何数据"), "{out:?}");
    assert_eq!(env.counts(), Counts::default());
    let out = env.run(["check", ZHANG]);
    out.expect(2);
    assert!(out.stderr.contains("没有身份证号为"), "{out:?}");

    let out = env.import_en("people", &file, &["--dry-run"]);
    out.expect(0);
    assert!(out.stdout.contains("added 2"), "{out:?}");
    assert!(
        out.stdout.contains("dry run: nothing was written"),
        "{out:?}"
    );
    assert_eq!(env.counts(), Counts::default());
}

#[test]
fn dry_run_of_entries_and_filings_writes_nothing() {
    let env = Env::new();
    env.people(&[(ZHANG, "张伟")]);
    let before = env.counts();
    let filings = env.write(
        "filings.csv",
        &filings_csv(&[filing_line(
            "F2016-01",
            "公需",
            "2016-03-01",
            "2016-03-05",
            "已备案",
            "2016-02-20",
        )]),
    );
    let out = env.import("filings", &filings, &["--dry-run"]);
    out.expect(0);
    assert_added(&out, 1, 0, 0);
    assert_eq!(env.counts(), before);

    let entries = env.write("entries.csv", &entries_csv(&full_year(ZHANG, 2016)));
    for extra in [&["--dry-run"][..], &["--dry-run", "--registered"][..]] {
        let out = env.import("entries", &entries, extra);
        out.expect(0);
        assert_added(&out, 2, 0, 0);
        assert_eq!(env.counts(), before, "{extra:?}");
    }
    let (code, _) = env.check_json(ZHANG, &["--from", "2016", "--to", "2016"]);
    assert_eq!(code, 1);
}

#[test]
fn dry_run_of_a_bad_roster_reports_the_errors() {
    let env = Env::new();
    let text = people_csv(&[(ZHANG, "张伟"), ("110105194912310021", "李娜")]);
    let file = env.write("people.csv", &text);
    env.refused_file(
        "people",
        &file,
        &["--dry-run"],
        3,
        "身份证号",
        &["应为X"],
        &["expected X"],
    );
}

/// The stored (result, filing number, state, migrated) of 张伟's only entry.
fn stored_entry(env: &Env) -> (String, Option<String>, String, bool) {
    env.conn()
        .query_row(
            "SELECT e.result, f.filing_no, e.state, e.migrated
             FROM entries e LEFT JOIN filings f ON f.id = e.filing_id",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .unwrap()
}

#[test]
fn r5_1_a_corrected_entries_roster_is_not_reported_unchanged() {
    // The institution corrects its roster: the assessment was passed (R5.1) and the training was
    // filed (R4.3). Re-importing must apply the correction or refuse it with a row error; it must
    // not say "unchanged" and keep the old facts, leaving the hours uncounted for no visible
    // reason.
    let env = Env::new();
    env.people(&[(ZHANG, "张伟")]);
    env.import_ok(
        "filings",
        "filings.csv",
        &filings_csv(&[filing_line(
            "F2016-01",
            "公需",
            "2016-03-01",
            "2016-03-05",
            "已备案",
            "2016-02-20",
        )]),
        &[],
    );
    let first = entries_csv(&[Entry::public(ZHANG, 2016, "30").result("不合格")]);
    env.import_ok("entries", "entries.csv", &first, &[]);

    let corrected = env.write(
        "entries-corrected.csv",
        &entries_csv(&[Entry::public(ZHANG, 2016, "30").filing("F2016-01")]),
    );
    let out = env.import("entries", &corrected, &[]);
    let (result, filing, _, _) = stored_entry(&env);
    let applied = result == "pass" && filing.as_deref() == Some("F2016-01");
    let refused = out.code == 2 && row_error_lines(&out, &corrected) > 0;
    assert!(
        applied || refused,
        "correction neither applied nor refused: stored result {result}, filing {filing:?}; {out:?}"
    );
    assert_eq!(env.counts().entries, 1, "never a second copy");
}

#[test]
fn r5_1_paper_history_of_an_entry_already_recorded_registers_it_or_says_why_not() {
    // The institution's roster came first (recorded); then the bureau imports its paper
    // registrations, which include the same training. `--registered` promises the rows "enter
    // as registered … marked as migrated"; reporting success while the entry stays unregistered
    // leaves the clerk believing the hours count.
    let env = Env::new();
    env.people(&[(ZHANG, "张伟")]);
    let roster = entries_csv(&[Entry::public(ZHANG, 2016, "30")]);
    env.import_ok("entries", "institution.csv", &roster, &[]);
    let history = env.write("history.csv", &roster);
    let out = env.import("entries", &history, &["--registered"]);
    let (_, _, state, migrated) = stored_entry(&env);
    let registered = out.code == 0 && state == "registered" && migrated;
    let refused = out.code == 2 && row_error_lines(&out, &history) > 0;
    assert!(
        registered || refused,
        "import said {:?} but the entry is {state}, migrated {migrated}; {out:?}",
        out.stdout.trim()
    );
    assert_eq!(env.counts().entries, 1, "never a second copy");
}
