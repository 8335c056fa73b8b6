//! `jijiao import applicants FILE --batch NAME`: the applicants roster of a verification batch
//! (R6.3): all rows or none, with `FILE:ROW:COLUMN` errors; the named batch is created for the
//! configured office and this year, under R6.3's window.

mod common;

use common::*;

/// A configuration naming the provincial office (the people of `people_csv` are 省直单位).
fn config(env: &Env) -> String {
    env.write(
        "config.toml",
        "[office]\nname = \"省直\"\nphone = \"0731-84900000\"\n",
    )
    .display()
    .to_string()
}

fn one(env: &Env, sql: &str) -> i64 {
    env.conn().query_row(sql, [], |r| r.get(0)).unwrap()
}

#[test]
fn r6_3_a_bad_id_row_refuses_the_whole_roster_and_writes_no_batch() {
    let env = Env::new();
    env.people(&[(ZHANG, "张伟"), (LI, "李娜")]);
    let cfg = config(&env);
    let file = env.write(
        "applicants.csv",
        &format!("身份证号,姓名\n{ZHANG},张伟\n430102198001010012,李娜\n{STRANGER},\n"),
    );
    let out = env.refused_file(
        "applicants",
        &file,
        &["--batch", "湖南师范大学", "--config", &cfg],
        3,
        "身份证号",
        &["“430102198001010012”", "校验位"],
        &["\"430102198001010012\"", "check character"],
    );
    assert_row_error(&out, &file, 4, "身份证号", &[STRANGER, "应先导入人员名册"]);
    assert_eq!(one(&env, "SELECT count(*) FROM verification_batches"), 0);
    assert_eq!(one(&env, "SELECT count(*) FROM batch_applicants"), 0);
}

#[test]
fn r6_3_a_good_roster_creates_the_departments_batch_once() {
    let env = Env::new();
    env.people(&[(ZHANG, "张伟"), (LI, "李娜")]);
    let cfg = config(&env);
    let file = env.write("applicants.csv", &format!("id_number\n{ZHANG}\n{LI}\n"));
    let batch = ["--batch", "湖南师范大学", "--config", cfg.as_str()];

    let dry = env.import("applicants", &file, &[&batch[..], &["--dry-run"]].concat());
    dry.expect(0);
    assert!(
        dry.stderr.contains("将新建验证批次：湖南师范大学"),
        "{dry:?}"
    );
    assert_eq!(one(&env, "SELECT count(*) FROM verification_batches"), 0);

    let out = env.import("applicants", &file, &batch);
    out.expect(0);
    assert!(out.stdout.contains("新增 2 条"), "{out:?}");
    assert!(
        out.stderr
            .contains("已新建验证批次 #1：湖南师范大学（省直主管部门，2017年）"),
        "{out:?}"
    );
    let (kind, office, year, by): (String, String, i32, String) = env
        .conn()
        .query_row(
            "SELECT department_kind, office, application_year, created_by FROM verification_batches",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .unwrap();
    assert_eq!(
        (kind.as_str(), office.as_str(), year, by.as_str()),
        ("competent", "430000", 2017, CLERK)
    );

    // The same roster again, by name or by number: nothing new.
    let again = env.import("applicants", &file, &batch);
    again.expect(0);
    assert!(
        again.stdout.contains("新增 0 条") && again.stdout.contains("未变 2 条"),
        "{again:?}"
    );
    let by_id = env.import("applicants", &file, &["--batch", "#1", "--config", &cfg]);
    by_id.expect(0);
    assert_eq!(one(&env, "SELECT count(*) FROM verification_batches"), 1);
    assert_eq!(one(&env, "SELECT count(*) FROM batch_applicants"), 2);
    assert_eq!(
        one(
            &env,
            "SELECT count(*) FROM audit WHERE action = 'applicant.add' AND user = 'wangfang'"
        ),
        2
    );
}

#[test]
fn r6_3_outside_the_window_a_new_competent_departments_batch_is_refused() {
    let env = Env::new();
    env.people(&[(ZHANG, "张伟")]);
    let cfg = config(&env);
    let file = env.write("applicants.csv", &format!("身份证号\n{ZHANG}\n"));
    let out = env.run_today(
        "2017-09-01",
        [
            "import",
            "applicants",
            file.to_str().unwrap(),
            "--batch",
            "湖南省教育厅",
            "--config",
            &cfg,
        ],
    );
    out.expect(2);
    assert!(out.stderr.contains("R6.3"), "{out:?}");
    assert_eq!(one(&env, "SELECT count(*) FROM verification_batches"), 0);
}

#[test]
fn batch_goes_with_import_applicants_only() {
    let env = Env::new();
    env.people(&[(ZHANG, "张伟")]);
    let file = env.write("applicants.csv", &format!("身份证号\n{ZHANG}\n"));
    let out = env.import("applicants", &file, &[]);
    out.expect(2);
    assert!(out.stderr.contains("--batch"), "{out:?}");
    let people = env.write("people.csv", &people_csv(&[(ZHANG, "张伟")]));
    env.import("people", &people, &["--batch", "x"]).expect(2);
    // No office configured: nowhere to create the batch.
    let out = env.import("applicants", &file, &["--batch", "湖南师范大学"]);
    out.expect(2);
    assert!(out.stderr.contains("[office]"), "{out:?}");
}

/// R6.3 A department's roster that names a person twice (two pages pasted together) adds them
/// once.
#[test]
fn r6_3_a_person_named_twice_in_a_roster_is_added_once() {
    let env = Env::new();
    env.people(&[(ZHANG, "张伟"), (LI, "李娜")]);
    let cfg = config(&env);
    let file = env.write(
        "applicants.csv",
        &format!("身份证号\n{ZHANG}\n{LI}\n{ZHANG}\n{LI}\n{ZHANG}\n"),
    );
    let out = env.import(
        "applicants",
        &file,
        &["--batch", "湖南师范大学", "--config", &cfg],
    );
    out.expect(0);
    // Every row is accounted for: the repeats are rows that changed nothing (tester: six rows
    // were summed as five).
    assert!(
        out.stdout.contains("新增 2 条，更新 0 条，未变 3 条"),
        "{out:?}"
    );
    assert_eq!(one(&env, "SELECT count(*) FROM batch_applicants"), 2);
}

/// R6.3 Without a configured office a batch cannot be named; the advice is the configuration,
/// never an option `import applicants` does not take (tester, 2026-11-30: "请用 --office" then
/// "unexpected argument '--office'"). Nothing is written.
#[test]
fn r6_3_without_an_office_the_advice_is_the_configuration_not_an_option() {
    let env = Env::new();
    env.people(&[(ZHANG, "张伟")]);
    let cfg = env.write("config.toml", "[office]\nphone = \"0731-84900000\"\n");
    let file = env.write("applicants.csv", &format!("身份证号\n{ZHANG}\n"));
    let args = ["--batch", "湖南师范大学", "--config", cfg.to_str().unwrap()];
    let out = env.import("applicants", &file, &args);
    out.expect(2);
    assert!(out.stderr.contains("[office] 中设置 name"), "{out:?}");
    assert!(!out.stderr.contains("请用 --office"), "{out:?}");
    let en = env.import_en("applicants", &file, &args);
    en.expect(2);
    assert!(en.stderr.contains("there is no --office here"), "{en:?}");
    assert_eq!(one(&env, "SELECT count(*) FROM verification_batches"), 0);
}
