//! Issue 11: `report annual`, `report register` and `export people|entries`, run as the built
//! program on temporary databases. CSV is decoded and XLSX opened with calamine and compared
//! cell by cell; ID numbers must come back as text.

mod common;
#[path = "support/pty.rs"]
mod pty;

use std::collections::BTreeMap;
use std::path::Path;

use calamine::{Data, Reader, Xlsx, open_workbook};
use common::*;

// ---------------------------------------------------------------------------------------------
// The world of these tests

const PHONE: &str = "0731-82220000";

/// A bureau of 长沙 whose stubs are signed as R7.1 requires, so it can issue.
fn bureau() -> Env {
    let env = Env::new();
    std::fs::create_dir_all(env.path("config/jijiao")).expect("config directory");
    env.write(
        "config/jijiao/config.toml",
        &format!(
            "[office]\nname = \"长沙\"\nphone = \"{PHONE}\"\n\n[office.clerk_names]\n{CLERK} = \"王芳\"\n"
        ),
    );
    env
}

const PEOPLE: &str = "身份证号,姓名,单位,单位类型,市州,现有职称,职称级别,联系电话,备注\n";

fn id(n: u32) -> String {
    person_id(n)
}

/// Seven people in three units of 长沙 and one of 株洲, whose 2016 is known by hand (R2.1:
/// public ≥ 30, professional ≥ 60, total ≥ 90):
///
/// | who | unit | 2016 | short |
/// |---|---|---|---|
/// | 1 赵一 | 长沙市第一医院 (city unit) | 30 + 60 | — |
/// | 2 钱二 | 长沙市第一医院 | 20 + 70 | public |
/// | 3 孙三 | 长沙市第一医院 | 30 + 40 | professional, total |
/// | 4 李四 | 长沙市第二中学 (city unit) | nothing | public, professional, total |
/// | 5 周五 | 长沙市第二中学 | 30 + 60, and 10.5 professional waiting for review | — |
/// | 6 吴六 | 湖南星辰科技有限公司 (non-public, 长沙) | 30 + 55.5 | professional, total |
/// | 7 郑七 | 株洲市中心医院 (city unit, 株洲) | 35 + 60 | — |
///
/// 赵一 and 周五 also have 2012–2015 in full, so they pass the five years and can be certified.
fn world(env: &Env) {
    let mut people = String::from(PEOPLE);
    for (n, name, unit, kind, city, note) in [
        (1, "赵一", "长沙市第一医院", "市州所属单位", "长沙", ""),
        (2, "钱二", "长沙市第一医院", "市州所属单位", "长沙", ""),
        (3, "孙三", "长沙市第一医院", "市州所属单位", "长沙", ""),
        (4, "李四", "长沙市第二中学", "市州所属单位", "长沙", ""),
        (5, "周五", "长沙市第二中学", "市州所属单位", "长沙", ""),
        (
            6,
            "吴六",
            "湖南星辰科技有限公司",
            "非公企业和其他组织",
            "长沙",
            "",
        ),
        (7, "郑七", "株洲市中心医院", "市州所属单位", "株洲", "调入"),
    ] {
        people.push_str(&format!(
            "{},{name},{unit},{kind},{city},主治医师,中级,0731-88880000,{note}\n",
            id(n)
        ));
    }
    env.import_ok("people", "people.csv", &people, &[]);
    let mut history: Vec<Entry> = Vec::new();
    for n in [1, 5] {
        for y in 2012..=2016 {
            history.extend(full_year(&id(n), y));
        }
    }
    history.push(Entry::public(&id(2), 2016, "20"));
    history.push(Entry::professional(&id(2), 2016, "70"));
    history.push(Entry::public(&id(3), 2016, "30"));
    history.push(Entry::professional(&id(3), 2016, "40"));
    history.push(Entry::public(&id(6), 2016, "30"));
    history.push(Entry::professional(&id(6), 2016, "55.5"));
    history.push(Entry::public(&id(7), 2016, "35"));
    history.push(Entry::professional(&id(7), 2016, "60"));
    env.registered(&history);
    // R5.1 Recorded, not yet decided: pending, and counting nothing.
    env.import_ok(
        "entries",
        "pending.csv",
        &entries_csv(&[Entry::professional(&id(5), 2016, "10.5")
            .content("心电图进阶")
            .evidence("学习证明材料")]),
        &[],
    );
}

/// CSV text (a BOM taken off) as rows of cells.
fn csv_rows(bytes: &[u8]) -> Vec<Vec<String>> {
    let text = std::str::from_utf8(bytes).expect("UTF-8");
    let text = text
        .strip_prefix('\u{feff}')
        .expect("a UTF-8 CSV starts with a BOM");
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes())
        .records()
        .map(|r| {
            r.expect("a CSV record")
                .iter()
                .map(str::to_string)
                .collect()
        })
        .collect()
}

fn read_csv(path: &Path) -> Vec<Vec<String>> {
    csv_rows(&std::fs::read(path).expect("the exported file"))
}

/// A sheet of a workbook, every cell as calamine gives it.
fn sheet(path: &Path, name: &str) -> Vec<Vec<Data>> {
    let mut book: Xlsx<_> = open_workbook(path).expect("an XLSX calamine opens");
    let range = book
        .worksheet_range(name)
        .unwrap_or_else(|e| panic!("sheet {name}: {e}"));
    range.rows().map(|r| r.to_vec()).collect()
}

fn sheet_names(path: &Path) -> Vec<String> {
    let book: Xlsx<_> = open_workbook(path).expect("an XLSX calamine opens");
    book.sheet_names()
}

/// The figures of the annual report's rows, by (level, city, kind, unit).
fn figures(rows: &[Vec<String>]) -> BTreeMap<(String, String, String, String), Vec<String>> {
    rows[1..]
        .iter()
        .map(|r| {
            (
                (r[0].clone(), r[1].clone(), r[2].clone(), r[3].clone()),
                r[4..].to_vec(),
            )
        })
        .collect()
}

fn row(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

// ---------------------------------------------------------------------------------------------
// Annual completion report

/// R2.1 Every shortfall kind counted by hand, hours with one decimal, pending entries (R5.1):
/// the units, their kinds' and cities' subtotals, and the total.
#[test]
fn r2_1_the_annual_report_counts_each_shortfall_hours_and_pending_entries_as_known_by_hand() {
    let env = bureau();
    world(&env);
    let file = env.path("annual.csv");
    let out = env.run(
        [
            "report", "annual", "--year", "2016", "--format", "csv", "--to",
        ]
        .iter()
        .map(std::ffi::OsStr::new)
        .chain([file.as_os_str()]),
    );
    out.expect(0);
    assert!(out.stdout.contains("7 人，达标 3 人"), "{out:?}");
    assert_eq!(
        out.stderr, "",
        "no progress bar when standard error is not a terminal"
    );
    let rows = read_csv(&file);
    assert_eq!(
        rows[0],
        row(&[
            "汇总级别",
            "市州",
            "单位类型",
            "单位",
            "人数",
            "达标人数",
            "未达标人数",
            "公需不足",
            "专业不足",
            "合计不足",
            "冻结人数",
            "公需学时",
            "专业学时",
            "登记学时",
            "待审条目"
        ])
    );
    let f = figures(&rows);
    let get = |level: &str, city: &str, kind: &str, unit: &str| {
        f.get(&(level.into(), city.into(), kind.into(), unit.into()))
            .unwrap_or_else(|| panic!("no row {level} {city} {kind} {unit} in {rows:?}"))
            .clone()
    };
    // people, meeting, short, <public, <professional, <total, blocked (R5.3), public,
    // professional, all, pending
    assert_eq!(
        get("单位", "长沙市", "市州所属单位", "长沙市第一医院"),
        row(&[
            "3", "1", "2", "1", "1", "1", "0", "80.0", "170.0", "250.0", "0"
        ])
    );
    assert_eq!(
        get("单位", "长沙市", "市州所属单位", "长沙市第二中学"),
        row(&[
            "2", "1", "1", "1", "1", "1", "0", "30.0", "60.0", "90.0", "1"
        ])
    );
    assert_eq!(
        get("单位类型小计", "长沙市", "市州所属单位", ""),
        row(&[
            "5", "2", "3", "2", "2", "2", "0", "110.0", "230.0", "340.0", "1"
        ])
    );
    assert_eq!(
        get(
            "单位",
            "长沙市",
            "非公企业和其他组织",
            "湖南星辰科技有限公司"
        ),
        row(&[
            "1", "0", "1", "0", "1", "1", "0", "30.0", "55.5", "85.5", "0"
        ])
    );
    assert_eq!(
        get("市州小计", "长沙市", "", ""),
        row(&[
            "6", "2", "4", "2", "3", "3", "0", "140.0", "285.5", "425.5", "1"
        ])
    );
    assert_eq!(
        get("市州小计", "株洲市", "", ""),
        row(&[
            "1", "1", "0", "0", "0", "0", "0", "35.0", "60.0", "95.0", "0"
        ])
    );
    assert_eq!(
        get("合计", "", "", ""),
        row(&[
            "7", "3", "4", "2", "3", "3", "0", "175.0", "345.5", "520.5", "1"
        ])
    );
    // Units, then their kind's subtotal, then the city's: a clerk reads a city top to bottom.
    let levels: Vec<&str> = rows[1..].iter().map(|r| r[0].as_str()).collect();
    assert_eq!(
        levels,
        [
            "单位",
            "单位",
            "单位类型小计",
            "单位",
            "单位类型小计",
            "市州小计",
            "单位",
            "单位类型小计",
            "市州小计",
            "合计"
        ]
    );
}

/// R2.1, R5.3, R6.4 The report's figures are `check`'s: each person's verdict and shortfalls
/// for the year, as `check --json` gives them, summed per unit, are the unit's row — a person
/// with an unlifted falsification finding (赵一, full hours) does not meet R2 and is counted
/// blocked, as `check` says 不合格; one whose finding was lifted (郑七) meets it again; and a
/// year no one has hours in yet (this one) counts everyone short. Certificates issued, voided
/// and reissued change nothing in it.
#[test]
fn r2_1_r5_3_the_annual_report_agrees_with_check_for_every_person() {
    let env = bureau();
    world(&env);
    // Certificates do not move hours (R7): issue, void and reissue before reporting.
    env.run(["issue", id(1).as_str()]).expect(0);
    env.run(["issue", id(5).as_str()]).expect(0);
    env.run(["void", "长沙-2017-0001", "--reason", "打印错误"])
        .expect(0);
    env.run(["reissue", "长沙-2017-0002", "--reason", "遗失"])
        .expect(0);
    // R5.3 Findings, as a review of falsified evidence leaves them: 赵一's stands, 郑七's was
    // lifted by a recorded decision.
    let conn = env.conn();
    conn.execute(
        "INSERT INTO findings (person_id, reason, made_by, made_at)
         SELECT id, '伪造学时证明', 'wangfang', '2017-07-01T09:00:00Z' FROM people
         WHERE id_number = ?1",
        [id(1)],
    )
    .unwrap();
    conn.execute(
        "INSERT INTO findings (person_id, reason, made_by, made_at, lifted_by, lifted_at,
                               lift_reason)
         SELECT id, '材料存疑', 'wangfang', '2017-07-01T09:00:00Z', 'wangfang',
                '2017-07-02T09:00:00Z', '复核属实' FROM people WHERE id_number = ?1",
        [id(7)],
    )
    .unwrap();
    drop(conn);
    let blocked = env.run(["check", id(1).as_str(), "--from", "2016", "--to", "2016"]);
    blocked.expect(1);
    assert!(blocked.stdout.contains("R5.3"), "{blocked:?}");
    // 2017, this year, is one nobody has hours in yet.
    for year in [2016, 2015, 2017] {
        let file = env.path(&format!("annual-{year}.csv"));
        env.run([
            "report".as_ref(),
            "annual".as_ref(),
            "--year".as_ref(),
            std::ffi::OsStr::new(&year.to_string()),
            "--format".as_ref(),
            "csv".as_ref(),
            "--to".as_ref(),
            file.as_os_str(),
        ])
        .expect(0);
        let f = figures(&read_csv(&file));
        let units = [
            ("长沙市", "市州所属单位", "长沙市第一医院", vec![1, 2, 3]),
            ("长沙市", "市州所属单位", "长沙市第二中学", vec![4, 5]),
            (
                "长沙市",
                "非公企业和其他组织",
                "湖南星辰科技有限公司",
                vec![6],
            ),
            ("株洲市", "市州所属单位", "株洲市中心医院", vec![7]),
        ];
        for (city, kind, unit, people) in units {
            let mut expect = [0u64; 7];
            let mut hours = 0f64;
            for n in people {
                let (_, v) = env.check_json(
                    &id(n),
                    &["--from", &year.to_string(), "--to", &year.to_string()],
                );
                let short = shortfalls(&v, year as i64);
                let pass = v["pass"].as_bool().expect("pass");
                expect[0] += 1;
                expect[1] += u64::from(pass);
                expect[2] += u64::from(!pass);
                for (i, kind) in ["public", "professional", "total"].iter().enumerate() {
                    expect[3 + i] += u64::from(short.iter().any(|s| s == kind));
                }
                expect[6] += u64::from(v["blocked"].as_bool().expect("blocked"));
                hours += common::hours(&v, year as i64, "total");
            }
            let got = &f[&(
                "单位".to_string(),
                city.to_string(),
                kind.to_string(),
                unit.to_string(),
            )];
            let counts: Vec<u64> = got[..7].iter().map(|c| c.parse().unwrap()).collect();
            assert_eq!(counts, expect, "{year} {unit}");
            assert_eq!(got[9], format!("{hours:.1}"), "{year} {unit}: hours");
        }
        if year == 2016 {
            // 赵一 met every minimum: blocked alone keeps him from meeting R2.
            let first = &f[&(
                "单位".to_string(),
                "长沙市".to_string(),
                "市州所属单位".to_string(),
                "长沙市第一医院".to_string(),
            )];
            assert_eq!(first[..7], row(&["3", "0", "3", "1", "1", "1", "1"]));
        }
    }
    // The table says so in its columns and legend.
    let out = env.run(["report", "annual", "--year", "2016"]);
    assert!(out.stdout.contains("冻结"), "{}", out.stdout);
    assert!(out.stdout.contains("R5.3"), "{}", out.stdout);
}

/// The table fits 80 columns (CJK counted two) in both languages, with each unit's name
/// whole: a name too long for its column gets a line of its own.
#[test]
fn the_annual_table_fits_80_columns_in_both_languages() {
    let env = bureau();
    world(&env);
    env.import_ok(
        "people",
        "long.csv",
        &format!(
            "{PEOPLE}{},钱八,湘西土家族苗族自治州农业技术推广中心第二分中心,市州所属单位,湘西州,农艺师,中级,0743-8888888,\n",
            id(8)
        ),
        &[],
    );
    for (lang, heads) in [
        (
            "zh",
            ["单位", "人数", "达标", "缺公需", "冻结", "待审", "总计"],
        ),
        (
            "en",
            [
                "unit", "people", "meet", "<publ.", "frozen", "pend.", "TOTAL",
            ],
        ),
    ] {
        let out = env.run(["--lang", lang, "report", "annual", "--year", "2016"]);
        out.expect(0);
        for line in out.stdout.lines() {
            let w = jijiao::print::width::PrintWidth::new(
                jijiao::print::encode::PrintEncoding::Utf8,
                jijiao::print::width::AmbiguousWidth::Wide,
            );
            use jijiao::domain::text::Columns;
            assert!(w.width(line) <= 80, "{} columns: {line}", w.width(line));
        }
        for h in heads {
            assert!(out.stdout.contains(h), "{lang}: {h} in\n{}", out.stdout);
        }
        assert!(
            out.stdout
                .contains("湘西土家族苗族自治州农业技术推广中心第二分中心"),
            "the long name whole on its own line:\n{}",
            out.stdout
        );
    }
    let en = env.run(["--lang", "en", "report", "annual", "--year", "2016"]);
    let total = en.stdout.lines().find(|l| l.starts_with("TOTAL")).unwrap();
    assert_eq!(
        total.split_whitespace().collect::<Vec<_>>(),
        ["TOTAL", "8", "3", "3", "4", "4", "0", "520.5", "1"]
    );
}

/// A line of the table cut into its cells where two or more spaces separate them, as a
/// reader (or a script) tells columns apart.
fn cells(line: &str) -> Vec<String> {
    line.trim()
        .split("  ")
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_string)
        .collect()
}

/// Tester's point 4: every column of the annual table stands apart from the next by at least
/// two spaces, in both languages — the English header once ran `…hourspending`. The header and
/// each figure line split into the same nine cells, and the header's words are the columns'.
#[test]
fn every_column_of_the_annual_table_stands_apart_in_both_languages() {
    let env = bureau();
    world(&env);
    for (lang, heads, total) in [
        (
            "zh",
            [
                "单位",
                "人数",
                "达标",
                "缺公需",
                "缺专业",
                "缺合计",
                "冻结",
                "登记学时",
                "待审",
            ],
            "总计",
        ),
        (
            "en",
            [
                "unit", "people", "meet", "<publ.", "<prof.", "<total", "frozen", "hours", "pend.",
            ],
            "TOTAL",
        ),
    ] {
        let total_word = total;
        let out = env.run(["--lang", lang, "report", "annual", "--year", "2016"]);
        out.expect(0);
        let header = out
            .stdout
            .lines()
            .find(|l| l.starts_with(heads[0]))
            .unwrap_or_else(|| panic!("{lang}: a header in\n{}", out.stdout));
        assert_eq!(cells(header), heads, "{lang}: {header}");
        let total = out
            .stdout
            .lines()
            .find(|l| l.starts_with(total))
            .expect("the total line");
        assert_eq!(
            cells(total),
            // people, meeting, the three shortfalls, blocked, hours, pending
            [total_word, "7", "3", "2", "3", "3", "0", "520.5", "1"],
            "{lang}: {total}"
        );
        // A subtotal line (its name fits the column) has the header's cells too.
        let subtotal = out
            .stdout
            .lines()
            .find(|l| l.trim_start().starts_with(lang_subtotal(lang)))
            .expect("a subtotal line");
        assert_eq!(cells(subtotal).len(), heads.len(), "{lang}: {subtotal}");
    }
}

fn lang_subtotal(lang: &str) -> &'static str {
    if lang == "zh" { "小计" } else { "subtotal" }
}

/// `--city` and `--unit-kind` narrow the report; an unknown city or kind is refused naming
/// what is expected, in both languages (exit 2).
#[test]
fn the_annual_report_filters_by_city_and_kind_and_refuses_unknown_ones() {
    let env = bureau();
    world(&env);
    let file = env.path("f.csv");
    let run = |args: &[&str]| {
        let mut a: Vec<std::ffi::OsString> =
            ["report", "annual", "--year", "2016", "--format", "csv"]
                .iter()
                .map(|s| s.into())
                .collect();
        a.extend(args.iter().map(|s| s.into()));
        a.push("--to".into());
        a.push(file.clone().into_os_string());
        env.run(a)
    };
    run(&["--city", "430100", "--unit-kind", "非公企业和其他组织"]).expect(0);
    let f = figures(&read_csv(&file));
    assert_eq!(
        f[&("合计".into(), "".into(), "".into(), "".into())][..2],
        row(&["1", "0"])
    );
    run(&["--city", "株洲市"]).expect(0);
    let rows = read_csv(&file);
    assert!(
        rows[1..].iter().all(|r| r[1] == "株洲市" || r[0] == "合计"),
        "{rows:?}"
    );
    let out = run(&["--city", "长沙县"]);
    out.expect(2);
    assert!(out.stderr.contains("“长沙县”不是市州或省直"), "{out:?}");
    let out = env.run([
        "--lang",
        "en",
        "report",
        "annual",
        "--year",
        "2016",
        "--unit-kind",
        "school",
    ]);
    out.expect(2);
    assert!(
        out.stderr
            .contains("unknown kind of unit \"school\": expected 省直单位"),
        "{out:?}"
    );
    let out = env.run(["report", "annual", "--year", "2016", "--format", "xlsx"]);
    out.expect(2);
    assert!(out.stderr.contains("请用 --to 指定文件"), "{out:?}");
}

/// The report as a workbook: Chinese headers, counts as numbers, hours as numbers.
#[test]
fn the_annual_report_as_xlsx_has_numbers_where_numbers_belong() {
    let env = bureau();
    world(&env);
    let file = env.path("annual.xlsx");
    env.run([
        "report".as_ref(),
        "annual".as_ref(),
        "--year".as_ref(),
        "2016".as_ref(),
        "--format".as_ref(),
        "xlsx".as_ref(),
        "--to".as_ref(),
        file.as_os_str(),
    ])
    .expect(0);
    let rows = sheet(&file, "2016年度完成情况");
    assert_eq!(rows[0][0], Data::String("汇总级别".into()));
    assert_eq!(rows[0][9], Data::String("合计不足".into()));
    assert_eq!(rows[0][10], Data::String("冻结人数".into()));
    assert_eq!(rows[0][14], Data::String("待审条目".into()));
    let unit = rows
        .iter()
        .find(|r| r[3] == Data::String("湖南星辰科技有限公司".into()))
        .expect("the unit's row");
    assert_eq!(unit[4], Data::Float(1.0));
    assert_eq!(unit[10], Data::Float(0.0));
    assert_eq!(unit[12], Data::Float(55.5));
    assert_eq!(unit[13], Data::Float(85.5));
}

// ---------------------------------------------------------------------------------------------
// Verification and certificate register

/// Issue, void and reissue (R7.2), and a batch of applicants (R6.3): build the register's world.
fn certified(env: &Env) {
    world(env);
    let applicants = env.write(
        "applicants.csv",
        &format!("身份证号,姓名\n{},赵一\n{},钱二\n", id(1), id(2)),
    );
    env.import(
        "applicants",
        &applicants,
        &["--batch", "长沙市卫生健康委员会"],
    )
    .expect(0);
    // 0001 to 赵一, 0002 to 周五; 0001 voided; 0002 reissued as 0003; 赵一 again as 0004.
    env.run(["issue", id(1).as_str()]).expect(0);
    env.run(["issue", id(5).as_str()]).expect(0);
    env.run(["void", "长沙-2017-0001", "--reason", "打印错误"])
        .expect(0);
    env.run(["reissue", "长沙-2017-0002", "--reason", "遗失"])
        .expect(0);
    env.run(["issue", id(1).as_str()]).expect(0);
}

/// R7.2 Every number issued, voided and reissued, in number order, with who and when and the
/// audit records; its counts agree with the office's counter.
#[test]
fn r7_2_the_register_lists_every_number_and_agrees_with_the_counter() {
    let env = bureau();
    certified(&env);
    let counter: i64 = env
        .conn()
        .query_row(
            "SELECT last FROM certificate_counters WHERE office = '长沙' AND year = 2017",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(counter, 4);
    let file = env.path("register.csv");
    let out = env.run([
        "report".as_ref(),
        "register".as_ref(),
        "--office".as_ref(),
        "长沙市".as_ref(),
        "--year".as_ref(),
        "2017".as_ref(),
        "--format".as_ref(),
        "csv".as_ref(),
        "--to".as_ref(),
        file.as_os_str(),
    ]);
    out.expect(0);
    assert!(
        out.stdout
            .contains("证书编号 4 个（补发 1 个），作废 2 个，有效 2 个"),
        "{out:?}"
    );
    assert!(
        out.stdout.contains("已用到 0004，与登记簿一致（R7.2）"),
        "{out:?}"
    );
    let rows = read_csv(&file);
    // Three sections, each under its title, separated by an empty line.
    let titles: Vec<usize> = rows
        .iter()
        .enumerate()
        .filter(|(_, r)| {
            ["验证批次", "申报人", "证书编号"].contains(&r[0].as_str()) && r.len() == 1
        })
        .map(|(i, _)| i)
        .collect();
    assert_eq!(titles.len(), 3, "{rows:?}");
    let batches = &rows[titles[0] + 1..titles[1]];
    assert_eq!(batches[0][..3], row(&["批次号", "申报单位", "单位类别"]));
    assert_eq!(batches[1][1], "长沙市卫生健康委员会");
    assert_eq!(batches[1][6], "2", "two applicants");
    let applicants = &rows[titles[1] + 1..titles[2]];
    assert_eq!(
        applicants.len(),
        1 + 2,
        "header and two applicants; the empty line between sections is no record: {applicants:?}"
    );
    assert_eq!(
        applicants[1][1..5],
        row(&["赵一", &id(1), "未核验", "待定"])
    );
    let certs = &rows[titles[2] + 1..];
    assert_eq!(
        certs[0][..13],
        row(&[
            "证书编号",
            "序号",
            "姓名",
            "身份证号",
            "起始年度",
            "截止年度",
            "签发日期",
            "签发人",
            "签发时间",
            "签发审计记录",
            "补发自",
            "补发为",
            "状态"
        ])
    );
    let numbers: Vec<&str> = certs[1..].iter().map(|r| r[0].as_str()).collect();
    assert_eq!(
        numbers,
        [
            "长沙—2017—0001",
            "长沙—2017—0002",
            "长沙—2017—0003",
            "长沙—2017—0004"
        ]
    );
    let by = |n: usize| &certs[n];
    // 0001: 赵一, voided by the clerk with the reason, its trail records named.
    assert_eq!(
        by(1)[2..10][..5],
        row(&["赵一", &id(1), "2012", "2016", "2017-07-15"])
    );
    assert_eq!(by(1)[7], CLERK);
    assert_eq!(by(1)[12..16][..2], row(&["作废", CLERK]));
    assert_eq!(by(1)[15], "打印错误");
    // 0002 reissued as 0003, which names it.
    assert_eq!(by(2)[11], "长沙—2017—0003");
    assert_eq!(by(2)[15], "遗失");
    assert_eq!(by(3)[10], "长沙—2017—0002");
    assert_eq!(by(3)[12], "有效");
    assert_eq!(by(4)[12], "有效");
    // The audit records exist and say what the register says.
    let conn = env.conn();
    for r in &certs[1..] {
        let record: i64 = r[9].parse().expect("an issue record");
        let (action, user, subject): (String, String, String) = conn
            .query_row(
                "SELECT action, user, subject FROM audit WHERE id = ?1",
                [record],
                |x| Ok((x.get(0)?, x.get(1)?, x.get(2)?)),
            )
            .unwrap();
        assert!(action == "certificate.issue" || action == "certificate.reissue");
        assert_eq!(user, CLERK);
        assert_eq!(subject, format!("certificate:{}", r[0]));
    }
    let void_record: i64 = by(1)[16].parse().expect("a void record");
    let action: String = conn
        .query_row(
            "SELECT action FROM audit WHERE id = ?1",
            [void_record],
            |x| x.get(0),
        )
        .unwrap();
    assert_eq!(action, "certificate.void");
}

/// R7.2 A number missing from the register (a counter moved behind the services) is named and
/// the register exits 1; in English too.
#[test]
fn r7_2_a_register_that_disagrees_with_the_counter_says_so_and_exits_1() {
    let env = bureau();
    certified(&env);
    env.conn()
        .execute(
            "UPDATE certificate_counters SET last = 5 WHERE office = '长沙' AND year = 2017",
            [],
        )
        .unwrap();
    // The sentence may wrap at 80 columns: read it whole.
    let whole = |s: &str| s.replace(['\n', ' '], "");
    let out = env.run(["report", "register", "--office", "长沙", "--year", "2017"]);
    out.expect(1);
    assert!(
        whole(&out.stdout)
            .contains("不一致：编号计数器长沙—2017已用到0005，登记簿有4个编号，首个缺号或错号0005"),
        "{}",
        out.stdout
    );
    let out = env.run([
        "--lang", "en", "report", "register", "--office", "430100", "--year", "2017",
    ]);
    out.expect(1);
    assert!(
        whole(&out.stdout).contains("DISAGREES:counter长沙—2017isat0005,theregisterholds4numbers,firstmissingoroutoforder0005"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("3. Certificate numbers"),
        "{}",
        out.stdout
    );
}

/// The register as a table fits 80 columns and names voids and reissues; as a workbook, one
/// sheet per section, ID numbers as text and the issue date as a date cell.
#[test]
fn the_register_table_fits_80_columns_and_its_workbook_keeps_id_numbers_as_text() {
    let env = bureau();
    certified(&env);
    let out = env.run(["report", "register", "--office", "长沙", "--year", "2017"]);
    out.expect(0);
    let w = jijiao::print::width::PrintWidth::new(
        jijiao::print::encode::PrintEncoding::Utf8,
        jijiao::print::width::AmbiguousWidth::Wide,
    );
    use jijiao::domain::text::Columns;
    for line in out.stdout.lines() {
        assert!(w.width(line) <= 80, "{line}");
    }
    assert!(
        out.stdout
            .contains("作废 2017-07-15 wangfang 原因：打印错误"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("补发为 长沙—2017—0003"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("补发，替代 长沙—2017—0002"),
        "{}",
        out.stdout
    );
    let file = env.path("register.xlsx");
    env.run([
        "report".as_ref(),
        "register".as_ref(),
        "--office".as_ref(),
        "长沙".as_ref(),
        "--year".as_ref(),
        "2017".as_ref(),
        "--format".as_ref(),
        "xlsx".as_ref(),
        "--to".as_ref(),
        file.as_os_str(),
    ])
    .expect(0);
    assert_eq!(sheet_names(&file), ["验证批次", "申报人", "证书编号"]);
    let certs = sheet(&file, "证书编号");
    assert_eq!(certs.len(), 5);
    assert_eq!(
        certs[1][3],
        Data::String(id(1)),
        "an ID number is a text cell"
    );
    assert!(
        matches!(certs[1][6], Data::DateTime(d) if d.is_datetime()),
        "the issue date is a date cell: {:?}",
        certs[1][6]
    );
    assert_eq!(certs[1][1], Data::Float(1.0));
    let applicants = sheet(&file, "申报人");
    assert_eq!(applicants[1][2], Data::String(id(1)));
}

// ---------------------------------------------------------------------------------------------
// Roster exports

/// A people roster with the cells that trip spreadsheets: a formula, a leading plus and minus,
/// an `@`, digits with leading zeros; and filings for the entries to link to.
fn tricky(env: &Env) {
    env.import_ok(
        "filings",
        "filings.csv",
        &filings_csv(&[filing_line(
            "湘人社专技备〔2016〕001号",
            "公需",
            "2016-03-01",
            "2016-03-05",
            "已备案",
            "2016-02-01",
        )]),
        &[],
    );
    let mut people = String::from(PEOPLE);
    people.push_str(&format!(
        "{},赵一,长沙市第一医院,市州所属单位,长沙,主治医师,中级,+86 0731-88880000,\"=HYPERLINK(\"\"http://x\"\",\"\"点我\"\")\"\n",
        id(1)
    ));
    people.push_str(&format!(
        "{},钱二,-,非公企业和其他组织,株洲,,,@admin,007\n",
        id(2)
    ));
    people.push_str(&format!(
        "{},孙三,湖南师范大学,省直单位,省直,教授,正高,,\n",
        LI
    ));
    env.import_ok("people", "people.csv", &people, &[]);
    env.registered(&[
        Entry::public(&id(1), 2016, "30").filing("湘人社专技备〔2016〕001号"),
        Entry::professional(&id(1), 2016, "60.5").evidence("学习证明材料"),
        Entry::new(&id(2), "专业", "2015-12-28", "2016-01-03", "12.5")
            .year("2015")
            .form("实践活动")
            .evidence("实践活动通知；报名表；实践活动日志"),
    ]);
}

fn export(env: &Env, db: &Path, lang: &str, args: &[&str], to: &Path) -> Out {
    let mut a: Vec<std::ffi::OsString> = vec!["--lang".into(), lang.into(), "export".into()];
    a.extend(args.iter().map(|s| s.into()));
    a.push("--to".into());
    a.push(to.as_os_str().to_owned());
    env.run_full(db, TODAY, a)
}

fn import_into(env: &Env, db: &Path, kind: &str, file: &Path, extra: &[&str]) {
    let mut a: Vec<std::ffi::OsString> = vec!["import".into(), kind.into(), file.into()];
    a.extend(extra.iter().map(|s| s.into()));
    env.run_full(db, TODAY, a).expect(0);
}

/// Issue 11: export → import into a fresh database → export again gives identical cells, for
/// people and entries, CSV and XLSX, Chinese and English headers.
#[test]
fn every_exported_roster_imports_back_unchanged() {
    let env = bureau();
    tricky(&env);
    for (lang, format, ext) in [
        ("zh", "csv", "csv"),
        ("en", "csv", "csv"),
        ("zh", "xlsx", "xlsx"),
        ("en", "xlsx", "xlsx"),
    ] {
        let fresh = env.path(&format!("fresh-{lang}-{ext}.sqlite"));
        env.run_full(
            &fresh,
            TODAY,
            [
                "import",
                "filings",
                env.path("filings.csv").to_str().unwrap(),
            ],
        )
        .expect(0);
        let mut cells = Vec::new();
        for (db, round) in [(env.db(), "a"), (fresh.clone(), "b")] {
            let people = env.path(&format!("people-{lang}-{round}.{ext}"));
            let entries = env.path(&format!("entries-{lang}-{round}.{ext}"));
            export(&env, &db, lang, &["people", "--format", format], &people).expect(0);
            export(&env, &db, lang, &["entries", "--format", format], &entries).expect(0);
            if round == "a" {
                import_into(&env, &fresh, "people", &people, &[]);
                import_into(&env, &fresh, "entries", &entries, &["--registered"]);
            }
            let read = |p: &Path| -> Vec<Vec<String>> {
                if ext == "csv" {
                    read_csv(p)
                } else {
                    sheet(
                        p,
                        if lang == "zh" {
                            "人员名册"
                        } else {
                            "people"
                        },
                    )
                    .into_iter()
                    .map(|r| r.iter().map(|c| c.to_string()).collect())
                    .collect()
                }
            };
            let read_entries = |p: &Path| -> Vec<Vec<String>> {
                if ext == "csv" {
                    read_csv(p)
                } else {
                    sheet(
                        p,
                        if lang == "zh" {
                            "培训记录"
                        } else {
                            "entries"
                        },
                    )
                    .into_iter()
                    .map(|r| r.iter().map(|c| format!("{c:?}")).collect())
                    .collect()
                }
            };
            cells.push((read(&people), read_entries(&entries)));
        }
        assert_eq!(cells[0].0.len(), 4, "{lang} {ext}: header and three people");
        assert_eq!(
            cells[0].1.len(),
            4,
            "{lang} {ext}: header and three entries"
        );
        assert_eq!(
            cells[0], cells[1],
            "{lang} {ext}: the round trip changed a cell"
        );
    }
}

/// The exported people roster has exactly the importer's columns and values, in Chinese and in
/// English; a formula, `+`, `-` and `@` are written so a spreadsheet shows them as text.
#[test]
fn the_people_export_has_the_importers_columns_and_guards_formulas() {
    let env = bureau();
    tricky(&env);
    let zh = env.path("people.csv");
    export(&env, &env.db(), "zh", &["people"], &zh).expect(0);
    let rows = read_csv(&zh);
    assert_eq!(
        rows[0],
        row(&[
            "身份证号",
            "姓名",
            "单位",
            "单位类型",
            "市州",
            "现有职称",
            "职称级别",
            "职称系列",
            "联系电话",
            "档案所在地",
            "备注"
        ])
    );
    // People-list order: by name (孙 < 赵 < 钱 in code point order).
    let zhao = rows.iter().find(|r| r[1] == "赵一").expect("赵一");
    assert_eq!(zhao[0], id(1));
    assert_eq!(
        zhao[3..7],
        row(&["市州所属单位", "长沙市", "主治医师", "中级"])
    );
    assert_eq!(zhao[8], "'+86 0731-88880000");
    assert_eq!(zhao[10], "'=HYPERLINK(\"http://x\",\"点我\")");
    let qian = rows.iter().find(|r| r[1] == "钱二").expect("钱二");
    assert_eq!(qian[2], "'-");
    assert_eq!(qian[8], "'@admin");
    assert_eq!(qian[10], "007", "leading zeros kept: CSV cells are text");
    let sun = rows.iter().find(|r| r[1] == "孙三").expect("孙三");
    assert_eq!(sun[0], LI, "an X check character stays");
    assert_eq!(sun[4], "省直");
    let en = env.path("people-en.csv");
    export(&env, &env.db(), "en", &["people", "--city", "长沙"], &en).expect(0);
    let rows = read_csv(&en);
    assert_eq!(
        rows[0][..5],
        row(&["id_number", "name", "unit", "unit_kind", "city"])
    );
    assert_eq!(rows.len(), 2, "--city 长沙: only 赵一");
    assert_eq!(rows[1][3..5], row(&["city", "430100"]));
    // In a workbook the same cells are text cells, never formulas, written as they are.
    let book = env.path("people.xlsx");
    export(
        &env,
        &env.db(),
        "zh",
        &["people", "--format", "xlsx"],
        &book,
    )
    .expect(0);
    let cells = sheet(&book, "人员名册");
    let zhao = cells
        .iter()
        .find(|r| r[1] == Data::String("赵一".into()))
        .expect("赵一");
    assert_eq!(
        zhao[0],
        Data::String(id(1)),
        "ID number as text, never 4.30102E+17"
    );
    assert_eq!(
        zhao[10],
        Data::String("=HYPERLINK(\"http://x\",\"点我\")".into())
    );
    let mut wb: Xlsx<_> = open_workbook(&book).unwrap();
    let formulas = wb.worksheet_formula("人员名册").unwrap();
    assert!(
        formulas.used_cells().all(|(_, _, f)| f.is_empty()),
        "no cell of the export is a formula"
    );
}

/// Entries: dates as date cells, hours as numbers with one decimal, evidence by name (zh) or
/// code (en), the year explicit; `--year` keeps one year and is refused for people.
#[test]
fn the_entries_export_writes_dates_hours_and_evidence_as_the_importer_reads_them() {
    let env = bureau();
    tricky(&env);
    let book = env.path("entries.xlsx");
    export(
        &env,
        &env.db(),
        "zh",
        &["entries", "--format", "xlsx"],
        &book,
    )
    .expect(0);
    let cells = sheet(&book, "培训记录");
    assert_eq!(cells[0][0], Data::String("身份证号".into()));
    assert_eq!(cells[0][12], Data::String("已交材料".into()));
    let practice = cells
        .iter()
        .find(|r| r[4] == Data::String("实践活动".into()))
        .expect("the practice entry");
    assert_eq!(practice[2], Data::Float(2015.0));
    assert!(matches!(practice[7], Data::DateTime(d) if d.is_datetime()));
    assert_eq!(practice[9], Data::Float(12.5));
    // Paper history enters with every item received (R5.1, `--registered`), listed in the
    // checklist's order (R3.2), either-or alternatives both.
    assert_eq!(
        practice[12],
        Data::String("实践活动通知、加盖单位公章的派出通知、报名表、实践活动日志".into())
    );
    let en = env.path("entries-en.csv");
    export(&env, &env.db(), "en", &["entries", "--year", "2016"], &en).expect(0);
    let rows = read_csv(&en);
    assert_eq!(rows.len(), 3, "two entries of 2016: {rows:?}");
    assert_eq!(
        rows[0][..4],
        row(&["id_number", "name", "year", "category"])
    );
    assert_eq!(rows[1][3..5], row(&["public", "training_class"]));
    assert_eq!(rows[1][9], "30.0");
    assert_eq!(rows[1][11], "湘人社专技备〔2016〕001号");
    assert_eq!(rows[2][12], "study_proof");
    let out = env.run(["export", "people", "--year", "2016", "--to", "x.csv"]);
    out.expect(2);
    assert!(
        out.stderr.contains("--year 只用于 export entries"),
        "{out:?}"
    );
    assert!(!env.path("x.csv").exists());
}

/// `--encoding gb18030` writes GB18030 without a BOM, which decodes to the UTF-8 export's text
/// and imports back; an unknown encoding is refused in both languages and writes nothing.
#[test]
fn gb18030_exports_decode_to_the_same_text_and_unknown_encodings_are_refused() {
    let env = bureau();
    tricky(&env);
    let utf8 = env.path("p-utf8.csv");
    let gb = env.path("p-gb.csv");
    export(&env, &env.db(), "zh", &["people"], &utf8).expect(0);
    export(
        &env,
        &env.db(),
        "zh",
        &["people", "--encoding", "gb18030"],
        &gb,
    )
    .expect(0);
    let gb_bytes = std::fs::read(&gb).unwrap();
    assert!(std::str::from_utf8(&gb_bytes).is_err(), "really GB18030");
    let (decoded, _, bad) = encoding_rs::GB18030.decode(&gb_bytes);
    assert!(!bad);
    let utf8_text = String::from_utf8(std::fs::read(&utf8).unwrap()).unwrap();
    assert_eq!(decoded, utf8_text.trim_start_matches('\u{feff}'));
    let fresh = env.path("fresh.sqlite");
    import_into(&env, &fresh, "people", &gb, &[]);
    let again = env.path("again.csv");
    export(&env, &fresh, "zh", &["people"], &again).expect(0);
    assert_eq!(
        std::fs::read(&again).unwrap(),
        std::fs::read(&utf8).unwrap()
    );
    for (lang, msg) in [
        ("zh", "编码“latin1”无法识别：请写 utf-8 或 gb18030"),
        ("en", "unknown encoding \"latin1\": write utf-8 or gb18030"),
    ] {
        let out = export(
            &env,
            &env.db(),
            lang,
            &["people", "--encoding", "latin1"],
            &env.path("no.csv"),
        );
        out.expect(2);
        assert!(out.stderr.contains(msg), "{out:?}");
        assert!(!env.path("no.csv").exists());
    }
    let out = export(
        &env,
        &env.db(),
        "en",
        &["people", "--format", "xlsx", "--encoding", "gb18030"],
        &env.path("no.xlsx"),
    );
    out.expect(2);
    assert!(
        out.stderr.contains("--encoding applies to CSV only"),
        "{out:?}"
    );
}

/// Text changed behind the services (sqlite3) with a terminal escape is cleaned on its way out.
#[test]
fn control_sequences_in_the_database_never_reach_an_export() {
    let env = bureau();
    tricky(&env);
    env.conn()
        .execute(
            "UPDATE people SET unit = '长沙市' || char(27) || '[2J第一医院' WHERE id_number = ?1",
            [id(1)],
        )
        .unwrap();
    let file = env.path("p.csv");
    export(&env, &env.db(), "zh", &["people"], &file).expect(0);
    let bytes = std::fs::read(&file).unwrap();
    assert!(!bytes.contains(&0x1b), "no escape byte in the file");
    let rows = csv_rows(&bytes);
    assert!(rows.iter().any(|r| r[2] == "长沙市第一医院"), "{rows:?}");
}

// ---------------------------------------------------------------------------------------------
// Standard output: `--to -`, and a reader that goes away

/// `jijiao ARGS…` with its standard output a pipe whose reader has already gone, as in
/// `jijiao ARGS… | true`: every write to it fails with a broken pipe.
fn into_closed_pipe(env: &Env, args: &[&str]) -> Out {
    let (reader, writer) = std::io::pipe().expect("a pipe");
    drop(reader);
    let mut c = env.command_on(&env.db(), TODAY);
    c.args(args).stdout(writer);
    let o = c.output().expect("run jijiao");
    Out {
        code: o.status.code().expect("exited normally, not by a signal"),
        stdout: String::new(),
        stderr: String::from_utf8(o.stderr).expect("stderr is UTF-8"),
    }
}

/// Issue 11: `--to -` is standard output for reports and exports in every format, as it is
/// for `card` and `print`: no file named `-` is made, standard output holds the data alone,
/// and the words about it (the export's count, the register's counts) go to standard error.
#[test]
fn dash_is_standard_output_for_reports_and_exports_with_the_summary_on_standard_error() {
    let env = bureau();
    world(&env);
    certified(&env);
    let dash = env.path("-");
    // The annual report: the table, and the CSV cell for cell as the file has it.
    let out = env.run(["report", "annual", "--year", "2016", "--to", "-"]);
    out.expect(0);
    assert!(out.stdout.contains("2016年"), "{out:?}");
    assert!(!dash.exists(), "no file named -");
    let file = env.path("annual.csv");
    env.run([
        "report".as_ref(),
        "annual".as_ref(),
        "--year".as_ref(),
        "2016".as_ref(),
        "--format".as_ref(),
        "csv".as_ref(),
        "--to".as_ref(),
        file.as_os_str(),
    ])
    .expect(0);
    let out = env.run_raw([
        "report", "annual", "--year", "2016", "--format", "csv", "--to", "-",
    ]);
    out.expect(0);
    assert_eq!(csv_rows(&out.stdout), read_csv(&file));
    assert_eq!(
        out.stderr, "",
        "nothing but the data, and no words elsewhere"
    );
    // The register as CSV on standard output: its counts on standard error.
    let out = env.run_raw([
        "report", "register", "--office", "长沙", "--year", "2017", "--format", "csv", "--to", "-",
    ]);
    out.expect(0);
    let rows = csv_rows(&out.stdout);
    assert_eq!(rows[0], row(&["验证批次"]), "{rows:?}");
    assert!(out.stderr.contains("证书编号"), "{out:?}");
    // Exports: the roster on standard output exactly as in a file, the count on standard error.
    for (kind, count) in [
        ("people", "已导出 7 人到 标准输出"),
        ("entries", "条培训记录到 标准输出"),
    ] {
        let file = env.path(&format!("{kind}.csv"));
        export(&env, &env.db(), "zh", &[kind], &file).expect(0);
        let out = env.run_raw(["export", kind, "--to", "-"]);
        out.expect(0);
        assert_eq!(csv_rows(&out.stdout), read_csv(&file), "{kind}");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(!text.contains("已导出"), "no summary in the data: {text}");
        assert!(out.stderr.contains(count), "{kind}: {}", out.stderr);
    }
    let out = env.run_raw(["--lang", "en", "export", "people", "--to", "-"]);
    assert!(
        out.stderr.contains("exported 7 people to standard output"),
        "{}",
        out.stderr
    );
    // A workbook goes to standard output when it is not a terminal (here a pipe), and opens.
    for args in [
        &["export", "people", "--format", "xlsx", "--to", "-"][..],
        &[
            "report", "annual", "--year", "2016", "--format", "xlsx", "--to", "-",
        ],
    ] {
        let out = env.run_raw(args);
        out.expect(0);
        let book = env.path("from-stdout.xlsx");
        std::fs::write(&book, &out.stdout).unwrap();
        let names = sheet_names(&book);
        let rows = sheet(&book, &names[0]);
        assert!(rows.len() > 1, "{args:?}: {rows:?}");
    }
    let rows = sheet(&env.path("from-stdout.xlsx"), "2016年度完成情况");
    assert_eq!(rows[0][0], Data::String("汇总级别".into()));
    assert!(!dash.exists(), "no file named -");
}

/// Issue 11: a reader that goes away (`| head`, `| true`) ends the command quietly — no panic,
/// no error message — with the status a shell gives a command ended by SIGPIPE (141), which
/// `set -o pipefail` scripts see from `cat` and `ls` too.
#[test]
fn a_closed_pipe_ends_a_command_quietly_with_status_141() {
    let env = bureau();
    world(&env);
    for args in [
        &["check", id(1).as_str()][..],
        &["check", "--json", id(2).as_str()],
        &["export", "people", "--to", "-"],
        &["export", "entries", "--format", "xlsx", "--to", "-"],
        &["report", "annual", "--year", "2016"],
        &["report", "annual", "--year", "2016", "--format", "csv"],
        &["report", "register", "--office", "长沙", "--year", "2017"],
        &["audit", "verify"],
        &["--help"],
    ] {
        let out = into_closed_pipe(&env, args);
        assert_eq!(out.code, 141, "{args:?}: {out:?}");
        assert_eq!(out.stderr, "", "{args:?}: quietly");
    }
}

/// R5.4, R7.4 The closed pipe is quiet for data only: a card printed to standard output that
/// nobody reads was not delivered, so it stays an error (exit 2) and no print is recorded —
/// as when a printer goes away. The process never dies of SIGPIPE.
#[test]
fn r5_4_a_card_printed_into_a_closed_pipe_is_an_error_with_nothing_recorded() {
    let env = bureau();
    world(&env);
    let audit = env.counts().audit;
    let out = into_closed_pipe(
        &env,
        &["card", id(1).as_str(), "--year", "2016", "--to", "-"],
    );
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("无法写入 -"), "{out:?}");
    assert_eq!(env.counts().audit, audit, "no print recorded");
}

/// Issue 11: an XLSX is binary: to standard output only when it is not the clerk's terminal.
#[test]
fn an_xlsx_to_standard_output_on_a_terminal_is_refused() {
    let env = bureau();
    world(&env);
    env.system_config("");
    let system = env.system_config_path().to_string_lossy().into_owned();
    for (args, lang, expect) in [
        (
            &["export", "people", "--format", "xlsx", "--to", "-"][..],
            "zh",
            "不能写到终端",
        ),
        (
            &[
                "report", "annual", "--year", "2016", "--format", "xlsx", "--to", "-",
            ],
            "en",
            "is not written to the terminal",
        ),
    ] {
        let mut t = pty::Pty::run_with(
            &env.db(),
            env.dir.path(),
            TODAY,
            "022",
            args,
            &[("JIJIAO_SYSTEM_CONFIG", &system), ("JIJIAO_LANG", lang)],
        );
        assert_eq!(t.wait_exit(std::time::Duration::from_secs(60)), 2);
        // The reader thread may still be draining the terminal after the exit.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while !t.screen().contains(expect) && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        let screen = t.screen();
        assert!(screen.contains(expect), "{args:?}: {screen}");
        assert!(!screen.contains("PK"), "no workbook bytes on the terminal");
    }
}

// ---------------------------------------------------------------------------------------------
// Years

/// R2.2 A year with no policy and no records — after this year, before 1980, a typo such as
/// 3000 — is refused by the annual report and the entries export with the card's own check
/// and words (exit 2), naming the value and the years expected, in both languages; nothing
/// is written. This year and 1980 are accepted.
#[test]
fn r2_2_a_year_with_no_policy_is_refused_as_the_card_refuses_it() {
    let env = bureau();
    world(&env);
    let file = env.path("entries.csv");
    for year in ["3000", "1900", "2018"] {
        for (lang, expect) in [
            ("zh", format!("年度 {year} 不在 1980–2017 之内")),
            ("en", format!("year {year} is outside 1980–2017")),
        ] {
            for args in [
                &["report", "annual", "--year", year][..],
                &["report", "register", "--office", "长沙", "--year", year],
                &["export", "entries", "--year", year, "--to", "entries.csv"],
                &["card", id(1).as_str(), "--year", year, "--to", "card.txt"],
            ] {
                let mut a = vec!["--lang", lang];
                a.extend(args);
                let out = env.run(&a);
                out.expect(2);
                assert!(out.stderr.contains(&expect), "{a:?}: {out:?}");
                assert_eq!(out.stdout, "", "{a:?}: no report");
            }
        }
        assert!(!file.exists(), "no export written");
    }
    for year in ["1980", "2017"] {
        env.run(["report", "annual", "--year", year]).expect(0);
    }
}

/// Tester's point 5: the English report names the city as the Chinese one does (长沙市, its
/// name: the project keeps no English names for cities), never by its code 430100, in the
/// title and in the spreadsheet's city column.
#[test]
fn the_english_report_names_the_city_not_its_code() {
    let env = bureau();
    world(&env);
    let out = env.run([
        "--lang",
        "en",
        "report",
        "annual",
        "--year",
        "2016",
        "--city",
        "长沙",
        "--unit-kind",
        "city",
    ]);
    out.expect(0);
    let title = out.stdout.lines().next().unwrap_or_default();
    assert_eq!(
        title,
        "Continuing education, annual completion 2016: 长沙市 / city/prefecture unit"
    );
    assert!(!out.stdout.contains("430100"), "{}", out.stdout);
    let zh = env.run([
        "report",
        "annual",
        "--year",
        "2016",
        "--city",
        "430100",
        "--unit-kind",
        "city",
    ]);
    assert!(
        zh.stdout
            .lines()
            .next()
            .unwrap_or_default()
            .contains("长沙市"),
        "{zh:?}"
    );
    let out = env.run_raw([
        "--lang", "en", "report", "annual", "--year", "2016", "--format", "csv",
    ]);
    let rows = csv_rows(&out.stdout);
    let cities: std::collections::BTreeSet<&str> =
        rows[1..].iter().map(|r| r[1].as_str()).collect();
    assert_eq!(
        cities,
        ["", "株洲市", "长沙市"].into_iter().collect(),
        "{rows:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// Minor points of the tester

/// Tester's point 7: `--encoding` with a format that is not CSV is refused naming the format
/// given and what the option applies to, in both languages (it once spoke of XLSX for a table).
#[test]
fn encoding_with_a_table_names_the_table_and_says_csv_only() {
    let env = bureau();
    world(&env);
    for (lang, format, expect) in [
        (
            "zh",
            "table",
            "--encoding 只用于 CSV（--format csv），不用于 --format table",
        ),
        (
            "en",
            "table",
            "--encoding applies to CSV only (--format csv), not to --format table",
        ),
        (
            "zh",
            "xlsx",
            "--encoding 只用于 CSV（--format csv），不用于 --format xlsx",
        ),
    ] {
        let out = env.run([
            "--lang",
            lang,
            "report",
            "annual",
            "--year",
            "2016",
            "--format",
            format,
            "--encoding",
            "gb18030",
            "--to",
            "r.out",
        ]);
        out.expect(2);
        assert!(out.stderr.contains(expect), "{out:?}");
        assert!(!env.path("r.out").exists());
    }
}

/// Tester's point 7: the register's CSV separates its sections (batches, applicants,
/// certificate numbers) by an empty line, not by a line holding `""`, in both encodings.
#[test]
fn the_register_csv_separates_its_sections_by_an_empty_line() {
    let env = bureau();
    world(&env);
    certified(&env);
    for encoding in ["utf-8", "gb18030"] {
        let out = env.run_raw([
            "report",
            "register",
            "--office",
            "长沙",
            "--year",
            "2017",
            "--format",
            "csv",
            "--encoding",
            encoding,
        ]);
        out.expect(0);
        let lines: Vec<&[u8]> = out.stdout.split(|&b| b == b'\n').collect();
        let empty = lines.iter().filter(|l| **l == b"\r").count();
        assert_eq!(
            empty, 2,
            "{encoding}: two empty lines between three sections"
        );
        assert!(
            !lines.iter().any(|l| *l == b"\"\"\r"),
            "{encoding}: no line of \"\""
        );
    }
}

/// R7.2 The register of the year under way is the register so far: on 15 July 2017 the 2017
/// register lists the batches and numbers given until then (accepted, exit 0), and 2018, which
/// has not begun, is refused naming the year given and the years expected, in both languages,
/// with nothing on standard output. The clock decides: on 2 January 2018 the 2018 register is
/// accepted (nothing yet), 2019 refused.
#[test]
fn r7_2_the_register_of_this_year_so_far_is_given_and_a_later_year_refused() {
    let env = bureau();
    certified(&env);
    let out = env.run(["report", "register", "--office", "长沙", "--year", "2017"]);
    out.expect(0);
    assert!(
        out.stdout.contains("已用到 0004，与登记簿一致（R7.2）"),
        "{out:?}"
    );
    for (lang, expect) in [
        ("zh", ["年度 2018 不在 1980–2017 之内", "不晚于今年"]),
        (
            "en",
            ["year 2018 is outside 1980–2017", "not later than this one"],
        ),
    ] {
        let out = env.run([
            "--lang", lang, "report", "register", "--office", "长沙", "--year", "2018",
        ]);
        out.expect(2);
        for e in expect {
            assert!(out.stderr.contains(e), "{lang}: {out:?}");
        }
        assert_eq!(out.stdout, "", "{lang}: no register");
    }
    let out = env.run_today(
        "2018-01-02",
        ["report", "register", "--office", "长沙", "--year", "2018"],
    );
    out.expect(0);
    assert!(out.stdout.contains("2018"), "{out:?}");
    env.run_today(
        "2018-01-02",
        ["report", "register", "--office", "长沙", "--year", "2019"],
    )
    .expect(2);
}
