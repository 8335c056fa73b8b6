//! `jijiao check ID [--from Y] [--to Y] [--json]`: the verification of R6 at every boundary of
//! R2, R4.3, R5.2 and R5.3, with exit status 0 (passes), 1 (does not) or 2 (error), and the JSON
//! of docs/INTERFACES.md.

mod common;

use std::collections::BTreeSet;

use common::*;
use serde_json::Value;

const Y2016: [&str; 4] = ["--from", "2016", "--to", "2016"];

fn keys(v: &Value) -> BTreeSet<&str> {
    v.as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect()
}

#[test]
fn json_has_exactly_the_fields_of_interfaces_md() {
    let env = Env::new();
    env.people(&[(ZHANG, "张伟")]);
    env.registered(&full_year(ZHANG, 2016));
    let (code, v) = env.check_json(ZHANG, &["--from", "2015", "--to", "2016"]);
    assert_eq!(code, 1);
    assert_eq!(
        keys(&v),
        BTreeSet::from([
            "id_number",
            "name",
            "from",
            "to",
            "pass",
            "blocked",
            "years"
        ])
    );
    assert_eq!(v["id_number"], ZHANG);
    assert_eq!(v["name"], "张伟");
    assert_eq!(v["from"], 2015);
    assert_eq!(v["to"], 2016);
    assert_eq!(v["pass"], false);
    assert_eq!(v["blocked"], false);
    let years = v["years"].as_array().unwrap();
    assert_eq!(years.len(), 2);
    for y in years {
        assert_eq!(
            keys(y),
            BTreeSet::from([
                "year",
                "public",
                "professional",
                "total",
                "pass",
                "shortfalls"
            ])
        );
        for s in shortfalls(&v, y["year"].as_i64().unwrap()) {
            assert!(
                ["public", "professional", "total"].contains(&s.as_str()),
                "{s}"
            );
        }
    }
    assert_eq!(year(&v, 2015)["pass"], false);
    assert_eq!(
        shortfalls(&v, 2015),
        ["public", "professional", "total"],
        "an empty year breaks every part of R2.1"
    );
    let y = year(&v, 2016);
    assert_eq!(y["pass"], true);
    assert_eq!(
        (
            y["public"].as_f64(),
            y["professional"].as_f64(),
            y["total"].as_f64()
        ),
        (Some(30.0), Some(60.0), Some(90.0))
    );
    assert!(shortfalls(&v, 2016).is_empty());
}

#[test]
fn r2_1_public_29_9_is_short_30_0_is_enough() {
    let env = Env::new();
    env.people(&[(ZHANG, "张伟"), (WANG, "王芳")]);
    env.registered(&[
        // 张伟: 29.9 + 60.1 = 90 in total, short only on public subjects.
        Entry::public(ZHANG, 2016, "29.9"),
        Entry::professional(ZHANG, 2016, "60.1"),
        // 王芳: exactly 30.0 + 60.
        Entry::public(WANG, 2016, "30.0"),
        Entry::professional(WANG, 2016, "60"),
    ]);
    let (code, v) = env.check_json(ZHANG, &Y2016);
    assert_eq!(code, 1);
    assert_eq!(v["pass"], false);
    assert_eq!(hours(&v, 2016, "public"), 29.9);
    assert_eq!(hours(&v, 2016, "total"), 90.0);
    assert_eq!(shortfalls(&v, 2016), ["public"]);

    let (code, v) = env.check_json(WANG, &Y2016);
    assert_eq!(code, 0);
    assert_eq!(v["pass"], true);
    assert_eq!(hours(&v, 2016, "public"), 30.0);
}

#[test]
fn r2_1_professional_59_9_is_short_60_is_enough() {
    let env = Env::new();
    env.people(&[(ZHANG, "张伟"), (WANG, "王芳"), (ZHAO, "赵强")]);
    env.registered(&[
        Entry::public(ZHANG, 2016, "30.1"),
        Entry::professional(ZHANG, 2016, "59.9"),
        Entry::public(WANG, 2016, "30"),
        Entry::professional(WANG, 2016, "60"),
        // 赵强: 30 + 59.9 misses both the professional minimum and the total.
        Entry::public(ZHAO, 2016, "30"),
        Entry::professional(ZHAO, 2016, "59.9"),
    ]);
    let (code, v) = env.check_json(ZHANG, &Y2016);
    assert_eq!(code, 1);
    assert_eq!(hours(&v, 2016, "professional"), 59.9);
    assert_eq!(shortfalls(&v, 2016), ["professional"]);

    let (code, _) = env.check_json(WANG, &Y2016);
    assert_eq!(code, 0);

    let (code, v) = env.check_json(ZHAO, &Y2016);
    assert_eq!(code, 1);
    assert_eq!(hours(&v, 2016, "total"), 89.9);
    assert_eq!(shortfalls(&v, 2016), ["professional", "total"]);
}

#[test]
fn r2_3_tenths_add_up_exactly() {
    // Ten entries of 3.0 and one of 0.1 + 0.2: binary floating point would not give 30.3.
    let env = Env::new();
    env.people(&[(ZHANG, "张伟")]);
    let mut entries: Vec<Entry> = (1..=10)
        .map(|d| {
            Entry::new(
                ZHANG,
                "公需",
                &format!("2016-05-{d:02}"),
                &format!("2016-05-{d:02}"),
                "3.0",
            )
            .form("学术讲座")
        })
        .collect();
    entries.push(Entry::new(ZHANG, "公需", "2016-06-01", "2016-06-01", "0.1").form("学术讲座"));
    entries.push(Entry::new(ZHANG, "公需", "2016-06-02", "2016-06-02", "0.2").form("学术讲座"));
    entries.push(Entry::professional(ZHANG, 2016, "60"));
    env.registered(&entries);
    let (code, v) = env.check_json(ZHANG, &Y2016);
    assert_eq!(code, 0);
    assert_eq!(year(&v, 2016)["public"].to_string(), "30.3");
    assert_eq!(year(&v, 2016)["total"].to_string(), "90.3");
}

#[test]
fn r6_4_text_output_names_the_rule_each_shortfall_breaks() {
    let env = Env::new();
    env.people(&[(ZHANG, "张伟")]);
    env.registered(&[
        Entry::public(ZHANG, 2016, "29.9"),
        Entry::professional(ZHANG, 2016, "60.1"),
    ]);
    let out = env.run(["check", ZHANG, "--from", "2016", "--to", "2016"]);
    out.expect(1);
    assert!(out.stdout.contains("张伟"), "{out:?}");
    assert!(out.stdout.contains("不合格"), "{out:?}");
    assert!(
        out.stdout.contains("公需科目不足：29.9 < 30（R2.1）"),
        "{out:?}"
    );
    let out = env.run([
        "--lang", "en", "check", ZHANG, "--from", "2016", "--to", "2016",
    ]);
    out.expect(1);
    assert!(out.stdout.contains("FAIL"), "{out:?}");
    assert!(
        out.stdout.contains("public short: 29.9 < 30 (R2.1)"),
        "{out:?}"
    );
}

#[test]
fn r5_2_recorded_entries_do_not_count_until_registered() {
    let env = Env::new();
    env.people(&[(ZHANG, "张伟")]);
    // The institution's record, even with every piece of evidence, is not a registration.
    let entries = vec![
        Entry::public(ZHANG, 2016, "30").evidence("培训通知、培训签到表、培训课程表、结业证明"),
        Entry::professional(ZHANG, 2016, "60").evidence("学习证明材料"),
    ];
    env.import_ok("entries", "entries.csv", &entries_csv(&entries), &[]);
    assert_eq!(env.counts().entries, 2);
    let (code, v) = env.check_json(ZHANG, &Y2016);
    assert_eq!(code, 1);
    assert_eq!(hours(&v, 2016, "public"), 0.0);
    assert_eq!(hours(&v, 2016, "professional"), 0.0);
    assert_eq!(shortfalls(&v, 2016), ["public", "professional", "total"]);
}

#[test]
fn r5_2_a_failed_assessment_never_counts() {
    let env = Env::new();
    env.people(&[(ZHANG, "张伟"), (WANG, "王芳")]);
    env.registered(&[
        Entry::public(ZHANG, 2016, "30").result("不合格"),
        Entry::professional(ZHANG, 2016, "60"),
        // 优秀 and 良好 are passing results.
        Entry::public(WANG, 2016, "30").result("优秀"),
        Entry::professional(WANG, 2016, "60").result("良好"),
    ]);
    let (code, v) = env.check_json(ZHANG, &Y2016);
    assert_eq!(code, 1);
    assert_eq!(hours(&v, 2016, "public"), 0.0);
    assert_eq!(shortfalls(&v, 2016), ["public", "total"]);
    let (code, _) = env.check_json(WANG, &Y2016);
    assert_eq!(code, 0);
}

#[test]
fn r4_3_public_hours_count_only_with_a_filing_approved_by_the_start_date() {
    let env = Env::new();
    let a = person_id(1);
    let b = person_id(2);
    let c = person_id(3);
    let d = person_id(4);
    env.people(&[(&a, "甲"), (&b, "乙"), (&c, "丙"), (&d, "丁")]);
    env.import_ok(
        "filings",
        "filings.csv",
        &filings_csv(&[
            filing_line(
                "F-ON",
                "公需",
                "2016-03-01",
                "2016-03-05",
                "已备案",
                "2016-03-01",
            ),
            filing_line(
                "F-LATE",
                "公需",
                "2016-03-01",
                "2016-03-05",
                "已备案",
                "2016-03-02",
            ),
            filing_line("F-PENDING", "公需", "2016-03-01", "2016-03-05", "待审", ""),
        ]),
        &[],
    );
    let mut entries = vec![
        // Training starts 2016-03-01 in every case.
        Entry::public(&a, 2016, "30").filing("F-ON"),
        Entry::public(&b, 2016, "30").filing("F-LATE"),
        Entry::public(&c, 2016, "30").filing("F-PENDING"),
        Entry::public(&d, 2016, "30"),
    ];
    for p in [&a, &b, &c, &d] {
        entries.push(Entry::professional(p, 2016, "60"));
    }
    env.import_ok("entries", "entries.csv", &entries_csv(&entries), &[]);
    // Registering needs the review workflow, which arrives with the TUI issue; until then the
    // test registers the entries directly in the database. `--registered` would not do: paper
    // history counts without a filing.
    env.conn()
        .execute("UPDATE entries SET state = 'registered'", [])
        .unwrap();

    let (code, v) = env.check_json(&a, &Y2016);
    assert_eq!(code, 0, "approved on the start date counts: {v}");
    assert_eq!(hours(&v, 2016, "public"), 30.0);
    for (p, why) in [
        (&b, "approved the day after the start"),
        (&c, "pending"),
        (&d, "no filing"),
    ] {
        let (code, v) = env.check_json(p, &Y2016);
        assert_eq!(code, 1, "{why}: {v}");
        assert_eq!(hours(&v, 2016, "public"), 0.0, "{why}");
        assert_eq!(hours(&v, 2016, "professional"), 60.0, "{why}");
        assert_eq!(shortfalls(&v, 2016), ["public", "total"], "{why}");
    }
}

#[test]
fn r4_3_paper_history_public_hours_count_without_a_filing() {
    let env = Env::new();
    env.people(&[(ZHANG, "张伟")]);
    env.registered(&full_year(ZHANG, 2014));
    let (code, v) = env.check_json(ZHANG, &["--from", "2014", "--to", "2014"]);
    assert_eq!(code, 0);
    assert_eq!(hours(&v, 2014, "public"), 30.0);
}

#[test]
fn an_entry_spanning_new_year_counts_in_the_year_it_ends_unless_the_roster_says_otherwise() {
    let env = Env::new();
    env.people(&[(ZHANG, "张伟"), (WANG, "王芳")]);
    let span = |id: &str| Entry::new(id, "公需", "2016-12-30", "2017-01-02", "30");
    env.registered(&[span(ZHANG), span(WANG).year("2016")]);
    let period = ["--from", "2016", "--to", "2017"];

    let (_, v) = env.check_json(ZHANG, &period);
    assert_eq!(hours(&v, 2016, "public"), 0.0);
    assert_eq!(hours(&v, 2017, "public"), 30.0);

    let (_, v) = env.check_json(WANG, &period);
    assert_eq!(hours(&v, 2016, "public"), 30.0);
    assert_eq!(hours(&v, 2017, "public"), 0.0);
}

#[test]
fn feb_29_2016_is_a_training_date() {
    let env = Env::new();
    env.people(&[(ZHANG, "张伟")]);
    env.registered(&[
        Entry::new(ZHANG, "公需", "2016-02-29", "2016-02-29", "30").form("学术讲座"),
        Entry::new(ZHANG, "专业", "2016/2/1", "2016年2月29日", "60").form("研修班"),
    ]);
    let (code, v) = env.check_json(ZHANG, &Y2016);
    assert_eq!(code, 0, "{v}");
    assert_eq!(hours(&v, 2016, "total"), 90.0);
}

#[test]
fn r1_1_lower_case_x_on_the_command_line_finds_the_person() {
    let env = Env::new();
    env.people(&[(LI, "李娜")]);
    env.registered(&full_year(LI, 2016));
    let (code, v) = env.check_json(&LI.to_lowercase(), &Y2016);
    assert_eq!(code, 0);
    assert_eq!(v["id_number"], LI, "stored and shown with upper-case X");
    assert_eq!(v["name"], "李娜");
}

#[test]
fn r1_1_lower_case_x_in_rosters_is_the_same_person() {
    let env = Env::new();
    let lower = LI.to_lowercase();
    env.people(&[(&lower, "李娜")]);
    env.registered(&full_year(LI, 2016));
    let (code, v) = env.check_json(LI, &Y2016);
    assert_eq!(code, 0);
    assert_eq!(v["id_number"], LI);
}

#[test]
fn r6_1_default_period_is_the_five_years_before_the_current_one() {
    let env = Env::new();
    env.people(&[(ZHANG, "张伟")]);
    let entries: Vec<Entry> = (2012..=2016).flat_map(|y| full_year(ZHANG, y)).collect();
    env.registered(&entries);

    // Today is 2017-07-15: 2012–2016, all met.
    let (code, v) = env.check_json(ZHANG, &[]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(
        (v["from"].as_i64(), v["to"].as_i64()),
        (Some(2012), Some(2016))
    );
    let years: Vec<i64> = v["years"]
        .as_array()
        .unwrap()
        .iter()
        .map(|y| y["year"].as_i64().unwrap())
        .collect();
    assert_eq!(years, [2012, 2013, 2014, 2015, 2016]);
    assert_eq!(v["pass"], true);

    // On 2018-01-01 the period is 2013–2017, and 2017 has nothing.
    let out = env.run_today("2018-01-01", ["check", ZHANG, "--json"]);
    out.expect(1);
    let v: Value = serde_json::from_str(out.stdout.trim()).unwrap();
    assert_eq!(
        (v["from"].as_i64(), v["to"].as_i64()),
        (Some(2013), Some(2017))
    );
    assert_eq!(shortfalls(&v, 2017), ["public", "professional", "total"]);
    assert!(year(&v, 2013)["pass"].as_bool().unwrap());
}

#[test]
fn r6_1_one_short_year_fails_the_five() {
    let env = Env::new();
    env.people(&[(ZHANG, "张伟")]);
    let mut entries: Vec<Entry> = (2012..=2016).flat_map(|y| full_year(ZHANG, y)).collect();
    entries.retain(|e| !(e.start.starts_with("2014") && e.category == "专业"));
    entries.push(Entry::professional(ZHANG, 2014, "59.5"));
    env.registered(&entries);
    let (code, v) = env.check_json(ZHANG, &[]);
    assert_eq!(code, 1);
    assert_eq!(v["pass"], false);
    for y in [2012, 2013, 2015, 2016] {
        assert_eq!(year(&v, y)["pass"], true, "{y}");
    }
    assert_eq!(shortfalls(&v, 2014), ["professional", "total"]);
}

#[test]
fn r5_3_a_falsification_finding_blocks_an_otherwise_passing_person() {
    let env = Env::new();
    env.people(&[(ZHANG, "张伟"), (WANG, "王芳")]);
    let entries: Vec<Entry> = [ZHANG, WANG]
        .iter()
        .flat_map(|p| (2012..=2016).flat_map(|y| full_year(p, y)))
        .collect();
    env.registered(&entries);
    assert_eq!(env.check_json(ZHANG, &[]).0, 0);

    // Findings are recorded by the review workflow, which arrives with the TUI issue; until then
    // the test writes them directly. 王芳's finding was lifted by a recorded decision.
    let conn = env.conn();
    conn.execute(
        "INSERT INTO findings (person_id, reason, made_by, made_at)
         SELECT id, '伪造结业证明', 'supervisor', '2017-06-01T09:00:00+08:00'
         FROM people WHERE id_number = ?1",
        [ZHANG],
    )
    .unwrap();
    conn.execute(
        "INSERT INTO findings (person_id, reason, made_by, made_at, lifted_by, lifted_at, lift_reason)
         SELECT id, '疑似代签', 'supervisor', '2017-06-01T09:00:00+08:00',
                'supervisor', '2017-06-20T09:00:00+08:00', '经核实为本人签名'
         FROM people WHERE id_number = ?1",
        [WANG],
    )
    .unwrap();
    drop(conn);

    let (code, v) = env.check_json(ZHANG, &[]);
    assert_eq!(code, 1);
    assert_eq!(v["blocked"], true);
    assert_eq!(v["pass"], false);
    assert!(
        v["years"]
            .as_array()
            .unwrap()
            .iter()
            .all(|y| y["pass"] == true),
        "the hours are met; only the finding fails: {v}"
    );
    let out = env.run(["check", ZHANG]);
    out.expect(1);
    assert!(out.stdout.contains("弄虚作假"), "{out:?}");

    let (code, v) = env.check_json(WANG, &[]);
    assert_eq!(code, 0, "a lifted finding no longer blocks: {v}");
    assert_eq!(v["blocked"], false);
}

#[test]
fn r6_4_the_result_is_reproducible() {
    let env = Env::new();
    env.people(&[(ZHANG, "张伟")]);
    env.registered(&[
        Entry::public(ZHANG, 2015, "12.5"),
        Entry::professional(ZHANG, 2016, "61"),
    ]);
    let first = env.run(["check", ZHANG, "--json"]);
    let second = env.run_today("2017-12-31", ["check", ZHANG, "--json"]);
    assert_eq!(first.stdout, second.stdout);
}

#[test]
fn check_errors_exit_2() {
    let env = Env::new();
    env.people(&[(ZHANG, "张伟")]);

    // R1.1 a wrong check character, named.
    let out = env.run(["check", "430102198001010012"]);
    out.expect(2);
    assert!(out.stderr.contains("应为1"), "{out:?}");
    assert!(out.stdout.is_empty(), "{out:?}");
    let out = env.run(["--lang", "en", "check", "430102198001010012", "--json"]);
    out.expect(2);
    assert!(out.stderr.contains("expected 1"), "{out:?}");
    assert!(out.stdout.is_empty(), "no JSON on error: {out:?}");

    // A valid number nobody has.
    let out = env.run(["check", STRANGER]);
    out.expect(2);
    assert!(
        out.stderr
            .contains(&format!("没有身份证号为{STRANGER}的人员")),
        "{out:?}"
    );
    let out = env.run(["--lang", "en", "check", STRANGER, "--json"]);
    out.expect(2);
    assert!(out.stderr.contains("no person"), "{out:?}");

    // A period that runs backwards.
    let out = env.run(["check", ZHANG, "--from", "2016", "--to", "2015"]);
    out.expect(2);
    assert!(
        out.stderr.contains("2016") && out.stderr.contains("2015"),
        "{out:?}"
    );
    let out = env.run([
        "--lang", "en", "check", ZHANG, "--from", "2016", "--to", "2015", "--json",
    ]);
    out.expect(2);
    assert!(out.stdout.is_empty(), "{out:?}");
}
