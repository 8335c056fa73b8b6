//! `jijiao import people|entries|filings`: every class of roster error is refused with exit
//! status 2, a `FILE:ROW:COLUMN: message` line naming the value and what was expected, in
//! Chinese by default and in English with `--lang en`, and nothing written (docs/INTERFACES.md).

mod common;

use common::*;

// ---------------------------------------------------------------- people (R1)

#[test]
fn r1_1_wrong_check_character_names_the_expected_one() {
    let env = Env::new();
    // 110105194912310021: the specimen 11010519491231002X with a wrong last character.
    let text = people_csv(&[(ZHANG, "张伟"), ("110105194912310021", "李娜")]);
    env.refused(
        "people",
        "people.csv",
        &text,
        3,
        "身份证号",
        &["“110105194912310021”", "校验位", "应为X"],
        &[
            "\"110105194912310021\"",
            "wrong check character 1",
            "expected X",
        ],
    );
}

#[test]
fn r1_1_impossible_birth_date_is_refused() {
    let env = Env::new();
    // 1999 was not a leap year; the check character is right for these 17 digits.
    let bad = format!("43010219990229001{}", check_char("43010219990229001"));
    let text = people_csv(&[(ZHANG, "张伟"), (&bad, "赵六")]);
    env.refused(
        "people",
        "people.csv",
        &text,
        3,
        "身份证号",
        &[&format!("“{bad}”"), "出生日期19990229不是有效日期"],
        &[
            &format!("\"{bad}\""),
            "birth date 19990229",
            "not a valid date",
        ],
    );
}

/// The day the field cases of issue 7 were written; the binary's clock is pinned to it.
const FIELD_DAY: &str = "2026-11-29";

/// R1.1 The ID numbers of field case 04, each well-formed with a real calendar date, and the
/// rule each breaks on FIELD_DAY.
const IMPLAUSIBLE: [(&str, &str, &str, &str); 4] = [
    (
        "430102209004012347",
        "赵未生",
        "出生日期2090-04-01晚于今天（2026-11-29）",
        "birth date 2090-04-01 in the ID number is after today (2026-11-29)",
    ),
    (
        "430102111111111118",
        "赵一一",
        "出生日期1111-11-11早于1900年",
        "birth date 1111-11-11 in the ID number is before 1900",
    ),
    (
        "430102185001010115",
        "赵清",
        "出生日期1850-01-01早于1900年",
        "birth date 1850-01-01 in the ID number is before 1900",
    ),
    (
        "43010220261225011X",
        "赵圣诞",
        "出生日期2026-12-25晚于今天（2026-11-29）",
        "birth date 2026-12-25 in the ID number is after today (2026-11-29)",
    ),
];

fn people_in_db(env: &Env) -> i64 {
    if !env.db().exists() {
        return 0;
    }
    env.conn()
        .query_row("SELECT count(*) FROM people", [], |r| r.get(0))
        .expect("count people")
}

// Issue 7 point 4: every row is refused, naming row, column, value and the rule broken (never
// "not a valid date" for a real date), and nothing is written.
#[test]
fn r1_1_implausible_birth_dates_are_refused_with_the_rule_broken() {
    let env = Env::new();
    let rows: Vec<(&str, &str)> = IMPLAUSIBLE.iter().map(|(id, n, _, _)| (*id, *n)).collect();
    let file = env.write("people.csv", &people_csv(&rows));
    for lang in ["zh", "en"] {
        let out = env.run_today(
            FIELD_DAY,
            [
                "--lang".as_ref(),
                lang.as_ref(),
                "import".as_ref(),
                "people".as_ref(),
                file.as_os_str(),
            ],
        );
        out.expect(2);
        for (i, (id, _, zh, en)) in IMPLAUSIBLE.iter().enumerate() {
            let (value, rule) = match lang {
                "zh" => (format!("值“{id}”"), *zh),
                _ => (format!("value \"{id}\""), *en),
            };
            assert_row_error(&out, &file, i + 2, "身份证号", &[&value, rule]);
        }
        assert_eq!(row_error_lines(&out, &file), 4, "{out:?}");
        assert!(!out.stderr.contains("不是有效日期"), "{out:?}");
        assert!(!out.stderr.contains("not a valid date"), "{out:?}");
        assert_eq!(people_in_db(&env), 0, "a refused roster writes nothing");
    }
    assert_eq!(env.counts().audit, 0, "not even an audit record");
}

// R1.1 Plausible is judged on the clock passed in: the Christmas baby of field case 04 is refused
// weeks before the day and registered after it.
#[test]
fn r1_1_a_birth_after_today_is_judged_on_the_pinned_clock() {
    let env = Env::new();
    let (id, name, zh, _) = IMPLAUSIBLE[3];
    let file = env.write("people.csv", &people_csv(&[(id, name)]));
    let out = env.run_today(
        FIELD_DAY,
        ["import".as_ref(), "people".as_ref(), file.as_os_str()],
    );
    out.expect(2);
    assert_row_error(&out, &file, 2, "身份证号", &[zh]);
    assert_eq!(people_in_db(&env), 0);
    env.run_today(
        "2027-01-04",
        ["import".as_ref(), "people".as_ref(), file.as_os_str()],
    )
    .expect(0);
    assert_eq!(people_in_db(&env), 1);
}

// R1.1 The first two digits must be a province-level code of GB/T 2260.
#[test]
fn r1_1_an_unknown_province_code_is_refused() {
    let env = Env::new();
    let nowhere = format!("99010219800101001{}", check_char("99010219800101001"));
    let text = people_csv(&[(ZHANG, "张伟"), (&nowhere, "无名")]);
    env.refused(
        "people",
        "people.csv",
        &text,
        3,
        "身份证号",
        &[
            &format!("“{nowhere}”"),
            "前两位“99”不是有效的省级行政区划代码",
        ],
        &[
            &format!("\"{nowhere}\""),
            "first two digits \"99\" of the ID number are not a province-level division code",
        ],
    );
}

// R1.1 A lookup judges only the form of a number: a person registered on a later clock is still
// found on an earlier one, and an implausible number that nobody has is "not in the database",
// not a plausibility complaint.
#[test]
fn r1_1_lookups_find_stored_people_whatever_the_clock() {
    let env = Env::new();
    let (id, name, _, _) = IMPLAUSIBLE[3];
    let file = env.write("people.csv", &people_csv(&[(id, name)]));
    env.run_today(
        "2027-01-04",
        ["import".as_ref(), "people".as_ref(), file.as_os_str()],
    )
    .expect(0);
    let out = env.run_today(FIELD_DAY, ["check", id, "--from", "2021", "--to", "2025"]);
    assert_eq!(out.code, 1, "found and judged (no hours): {out:?}");
    assert!(out.stdout.contains(name), "{out:?}");

    let (old, _, _, _) = IMPLAUSIBLE[2];
    let out = env.run_today(FIELD_DAY, ["check", old]);
    out.expect(2);
    assert!(out.stderr.contains("数据库中没有身份证号为"), "{out:?}");
    assert!(!out.stderr.contains("1900"), "{out:?}");
}

#[test]
fn r1_1_wrong_length_is_refused() {
    let env = Env::new();
    let text = people_csv(&[(ZHANG, "张伟"), ("43010219800101001", "短号")]);
    env.refused(
        "people",
        "people.csv",
        &text,
        3,
        "身份证号",
        &["“43010219800101001”", "应为18位"],
        &["\"43010219800101001\"", "18 characters"],
    );
}

#[test]
fn r1_3_unknown_unit_kind_lists_the_four_kinds() {
    let env = Env::new();
    let text = format!(
        "{PEOPLE_HEADER}\n{ZHANG},张伟,湖南师范大学,省直单位,省直,,,\n{WANG},王芳,长沙警备区,部队,长沙,,,\n"
    );
    env.refused(
        "people",
        "people.csv",
        &text,
        3,
        "单位类型",
        &[
            "“部队”",
            "应为",
            "省直单位",
            "市州所属单位",
            "非公企业和其他组织",
            "中央在湘单位",
        ],
        &[
            "\"部队\"",
            "expected one of",
            "provincial, city, non_public, central",
        ],
    );
}

#[test]
fn r1_4_unknown_city_lists_the_divisions_of_hunan() {
    let env = Env::new();
    let text = format!(
        "{PEOPLE_HEADER}\n{ZHANG},张伟,湖南师范大学,省直单位,省直,,,\n{WANG},王芳,北京大学,中央在湘单位,北京,,,\n"
    );
    env.refused(
        "people",
        "people.csv",
        &text,
        3,
        "市州",
        &["“北京”", "长沙/430100", "湘西/433100"],
        &["\"北京\"", "expected one of", "长沙/430100"],
    );
}

#[test]
fn r1_2_unknown_title_level_is_refused() {
    let env = Env::new();
    let text = format!("{PEOPLE_HEADER}\n{ZHANG},张伟,湖南师范大学,省直单位,省直,教授,高级,\n");
    env.refused(
        "people",
        "people.csv",
        &text,
        2,
        "职称级别",
        &["“高级”", "初级", "副高", "正高"],
        &["\"高级\"", "junior, intermediate, deputy_senior, senior"],
    );
}

#[test]
fn unknown_column_is_refused_and_the_known_columns_are_listed() {
    let env = Env::new();
    let text = format!(
        "身份证号,姓名,性别,单位,单位类型,市州\n{ZHANG},张伟,男,湖南师范大学,省直单位,省直\n"
    );
    env.refused(
        "people",
        "people.csv",
        &text,
        1,
        "性别",
        &[
            "未知的列“性别”",
            "id_number/身份证号",
            "city/市州",
            "file_location/档案所在地",
        ],
        &[
            "unknown column \"性别\"",
            "known columns",
            "unit_kind/单位类型",
        ],
    );
}

#[test]
fn missing_required_column_is_refused() {
    let env = Env::new();
    let text = format!("身份证号,姓名,单位,单位类型\n{ZHANG},张伟,湖南师范大学,省直单位\n");
    env.refused(
        "people",
        "people.csv",
        &text,
        1,
        "市州/city",
        &["缺少必需的列"],
        &["a required column is missing"],
    );
}

#[test]
fn empty_required_cell_is_refused() {
    let env = Env::new();
    let text = format!(
        "{PEOPLE_HEADER}\n{ZHANG},张伟,湖南师范大学,省直单位,省直,,,\n{WANG},,湘潭大学,省直单位,省直,,,\n"
    );
    env.refused(
        "people",
        "people.csv",
        &text,
        3,
        "姓名",
        &["必填项为空"],
        &["required, but empty"],
    );
}

#[test]
fn the_same_person_twice_with_different_data_is_refused() {
    let env = Env::new();
    let text = people_csv(&[(ZHANG, "张伟"), (WANG, "王芳"), (ZHANG, "张玮")]);
    env.refused(
        "people",
        "people.csv",
        &text,
        4,
        "身份证号",
        &[&format!("“{ZHANG}”"), "与第2行重复"],
        &[&format!("\"{ZHANG}\""), "repeats row 2"],
    );
}

#[test]
fn a_good_row_and_a_bad_row_write_nothing() {
    let env = Env::new();
    let text = people_csv(&[
        (ZHANG, "张伟"),
        (WANG, "王芳"),
        ("110105194912310021", "李娜"),
    ]);
    env.refused(
        "people",
        "people.csv",
        &text,
        4,
        "身份证号",
        &["应为X"],
        &["expected X"],
    );
    assert_eq!(env.counts().people, 0);
    // `check` agrees: the good rows were not imported either.
    let out = env.run(["check", ZHANG]);
    out.expect(2);
    assert!(out.stderr.contains("没有身份证号为"), "{out:?}");
}

#[test]
fn every_problem_of_a_roster_is_listed_at_once() {
    let env = Env::new();
    let text = format!(
        "{PEOPLE_HEADER}\n110105194912310021,李娜,湘潭大学,省直单位,省直,,,\n{ZHANG},张伟,湖南师范大学,部队,北京,,,\n{WANG},王芳,湘潭大学,省直单位,省直,,,\n"
    );
    let file = env.write("people.csv", &text);
    let out = env.import("people", &file, &[]);
    out.expect(2);
    assert_row_error(&out, &file, 2, "身份证号", &["应为X"]);
    assert_row_error(&out, &file, 3, "单位类型", &["“部队”"]);
    assert_row_error(&out, &file, 3, "市州", &["“北京”"]);
    assert_eq!(row_error_lines(&out, &file), 3, "{out:?}");
    assert!(out.stderr.contains("名册有3处错误"), "{out:?}");
    assert_eq!(env.counts().people, 0);
}

#[test]
fn row_numbers_count_blank_lines_as_the_spreadsheet_does() {
    let env = Env::new();
    let text = format!(
        "{PEOPLE_HEADER}\n{ZHANG},张伟,湖南师范大学,省直单位,省直,,,\n\n,,,,,,,\n110105194912310021,李娜,湘潭大学,省直单位,省直,,,\n"
    );
    env.refused(
        "people",
        "people.csv",
        &text,
        5,
        "身份证号",
        &["应为X"],
        &["expected X"],
    );
}

#[test]
fn errors_name_the_column_as_written_in_an_english_header() {
    let env = Env::new();
    let text = format!(
        "Name,ID Number,Unit,Unit_Kind,City\n张伟,{ZHANG},湖南师范大学,provincial,430100\n王芳,{WANG},湘潭大学,military,430300\n"
    );
    env.refused(
        "people",
        "people.csv",
        &text,
        3,
        "Unit_Kind",
        &["“military”"],
        &["\"military\"", "provincial, city, non_public, central"],
    );
}

// ---------------------------------------------------------------- entries (R2, R3, R5)

/// A database with 张伟 and 王芳, and an entries roster whose row 3 is `bad` (row 2 is good).
fn entries_env(bad: Entry) -> (Env, String) {
    let env = Env::new();
    env.people(&[(ZHANG, "张伟"), (WANG, "王芳")]);
    let text = entries_csv(&[Entry::public(ZHANG, 2016, "30"), bad]);
    (env, text)
}

/// R2.1 A roster row for a training that ends after today (the pinned clock, 2017-07-15) is
/// refused naming the row, the column, the value and today; nothing of the roster is written.
#[test]
fn r2_1_a_training_ending_after_today_is_refused() {
    let (env, text) = entries_env(Entry::new(WANG, "专业", "2017-07-10", "2017-07-20", "24"));
    env.refused(
        "entries",
        "entries.csv",
        &text,
        3,
        "结束日期",
        &["“2017-07-20”", "晚于今天（2017-07-15）"],
        &["\"2017-07-20\"", "after today (2017-07-15)"],
    );
    assert_eq!(
        env.conn()
            .query_row("SELECT count(*) FROM entries", [], |r| r.get::<_, i64>(0))
            .unwrap(),
        0
    );
}

#[test]
fn r2_3_hours_with_two_decimals_are_refused() {
    let (env, text) = entries_env(Entry::professional(WANG, 2016, "2.55"));
    env.refused(
        "entries",
        "entries.csv",
        &text,
        3,
        "学时",
        &["“2.55”", "最多保留一位小数"],
        &["\"2.55\"", "at most one decimal place"],
    );
}

#[test]
fn r2_3_zero_hours_are_refused() {
    let (env, text) = entries_env(Entry::professional(WANG, 2016, "0"));
    env.refused(
        "entries",
        "entries.csv",
        &text,
        3,
        "学时",
        &["“0”", "学时应大于0"],
        &["\"0\"", "more than 0"],
    );
}

// R2.3, issue 7 point 6: negative hours are refused as "more than 0", whatever minus sign the
// spreadsheet wrote, not as "not a number".
#[test]
fn r2_3_negative_hours_are_refused_as_not_more_than_zero() {
    for minus in ["-3", "−3", "－3"] {
        let (env, text) = entries_env(Entry::professional(WANG, 2016, minus));
        let out = env.refused(
            "entries",
            "entries.csv",
            &text,
            3,
            "学时",
            &[&format!("“{minus}”"), "学时应大于0"],
            &[&format!("\"{minus}\""), "hours must be more than 0"],
        );
        assert!(!out.stderr.contains("应为数字"), "{out:?}");
    }
}

#[test]
fn r2_3_hours_may_carry_the_unit() {
    let env = Env::new();
    env.people(&[(WANG, "王芳")]);
    env.import_ok(
        "entries",
        "entries.csv",
        &entries_csv(&[Entry::professional(WANG, 2016, "60学时")]),
        &[],
    );
    let hours: i64 = env
        .conn()
        .query_row("SELECT hours_tenths FROM entries", [], |r| r.get(0))
        .expect("one entry");
    assert_eq!(hours, 600);
}

#[test]
fn r2_3_hours_that_are_not_a_number_are_refused() {
    let (env, text) = entries_env(Entry::professional(WANG, 2016, "三十"));
    env.refused(
        "entries",
        "entries.csv",
        &text,
        3,
        "学时",
        &["“三十”", "应为数字"],
        &["\"三十\"", "must be a number"],
    );
}

#[test]
fn start_after_end_is_refused() {
    let mut bad = Entry::professional(WANG, 2016, "60");
    bad.start = "2016-04-20".into();
    bad.end = "2016-04-01".into();
    let (env, text) = entries_env(bad);
    env.refused(
        "entries",
        "entries.csv",
        &text,
        3,
        "结束日期",
        &[
            "“2016-04-01”",
            "早于开始日期“2016-04-20”",
            "应不早于开始日期",
        ],
        &[
            "\"2016-04-01\"",
            "before the start date \"2016-04-20\"",
            "expected on or after",
        ],
    );
}

// Issue 7 point 6: a well-formed date the calendar does not have says what does not exist,
// not the list of forms (which it already follows).
#[test]
fn a_date_that_does_not_exist_says_what_does_not_exist() {
    let mut bad = Entry::professional(WANG, 2017, "60");
    bad.start = "2017-02-29".into();
    let (env, text) = entries_env(bad);
    let out = env.refused(
        "entries",
        "entries.csv",
        &text,
        3,
        "开始日期",
        &["“2017-02-29”", "日期不存在：2017年不是闰年，2月没有29日"],
        &[
            "\"2017-02-29\"",
            "no such date: 2017 is not a leap year: February has no 29th day",
        ],
    );
    assert!(
        !out.stderr.contains("2017/3/1"),
        "no list of forms: {out:?}"
    );
}

#[test]
fn february_30_is_refused_as_a_day_february_does_not_have() {
    let mut bad = Entry::professional(WANG, 2017, "60");
    bad.end = "2017-02-30".into();
    bad.start = "2017-02-01".into();
    let (env, text) = entries_env(bad);
    let out = env.refused(
        "entries",
        "entries.csv",
        &text,
        3,
        "结束日期",
        &[
            "“2017-02-30”",
            "日期不存在：2月没有30日（2017年2月只有28天）",
        ],
        &["\"2017-02-30\"", "no such date: month 2 has no day 30"],
    );
    assert!(
        !out.stderr.contains("2017/3/1"),
        "no list of forms: {out:?}"
    );
}

#[test]
fn month_13_is_refused_as_a_month_that_does_not_exist() {
    let mut bad = Entry::professional(WANG, 2017, "60");
    bad.start = "2017/13/1".into();
    let (env, text) = entries_env(bad);
    env.refused(
        "entries",
        "entries.csv",
        &text,
        3,
        "开始日期",
        &["“2017/13/1”", "月份13不存在"],
        &["\"2017/13/1\"", "there is no month 13"],
    );
}

#[test]
fn a_malformed_date_still_lists_the_forms() {
    let mut bad = Entry::professional(WANG, 2017, "60");
    bad.start = "17-3-1".into();
    let (env, text) = entries_env(bad);
    env.refused(
        "entries",
        "entries.csv",
        &text,
        3,
        "开始日期",
        &["“17-3-1”无效", "2017-03-01、2017/3/1 或 2017年3月1日"],
        &["\"17-3-1\" is not a valid date", "2017-03-01"],
    );
}

#[test]
fn r3_unknown_form_lists_the_eight_forms() {
    let (env, text) = entries_env(Entry::professional(WANG, 2016, "60").form("讲课"));
    env.refused(
        "entries",
        "entries.csv",
        &text,
        3,
        "学习形式",
        &["“讲课”", "培训班", "实践活动", "远程教育", "学术访问"],
        &["\"讲课\"", "expected one of", "training_class", "visit"],
    );
}

#[test]
fn r2_1_unknown_category_is_refused() {
    let (env, text) = entries_env(Entry::professional(WANG, 2016, "60").category("必修"));
    env.refused(
        "entries",
        "entries.csv",
        &text,
        3,
        "科目类别",
        &["“必修”", "公需", "专业"],
        &["\"必修\"", "public, professional"],
    );
}

#[test]
fn r5_1_unknown_assessment_result_is_refused() {
    let (env, text) = entries_env(Entry::professional(WANG, 2016, "60").result("及格"));
    env.refused(
        "entries",
        "entries.csv",
        &text,
        3,
        "考核结果",
        &["“及格”", "合格", "不合格", "优秀", "良好"],
        &["\"及格\"", "pass", "fail"],
    );
}

#[test]
fn entries_for_a_person_not_in_the_database_are_refused() {
    let (env, text) = entries_env(Entry::professional(STRANGER, 2016, "60"));
    env.refused(
        "entries",
        "entries.csv",
        &text,
        3,
        "身份证号",
        &[
            &format!("没有身份证号为“{STRANGER}”的人员"),
            "应先导入人员名册",
        ],
        &[
            &format!("no person with ID number \"{STRANGER}\""),
            "import the people first",
        ],
    );
}

#[test]
fn r4_3_unknown_filing_number_is_refused() {
    let (env, text) =
        entries_env(Entry::professional(WANG, 2016, "60").filing("湘人社继备〔2016〕999号"));
    env.refused(
        "entries",
        "entries.csv",
        &text,
        3,
        "备案编号",
        &["“湘人社继备〔2016〕999号”", "应先导入备案"],
        &["\"湘人社继备〔2016〕999号\"", "import the filings first"],
    );
}

#[test]
fn r3_evidence_not_on_the_forms_checklist_is_refused() {
    // R3.3 distance education asks only for proof of study; a training notice is R3.1's.
    let (env, text) = entries_env(
        Entry::professional(WANG, 2016, "60")
            .form("远程教育")
            .evidence("学习证明材料、培训通知"),
    );
    env.refused(
        "entries",
        "entries.csv",
        &text,
        3,
        "已交材料",
        &[
            "“培训通知”不是远程教育的证明材料",
            "学习证明材料/study_proof",
        ],
        &[
            "\"培训通知\" is not evidence for",
            "学习证明材料/study_proof",
        ],
    );
}

#[test]
fn year_outside_the_training_dates_is_refused() {
    let (env, text) = entries_env(Entry::professional(WANG, 2016, "60").year("2015"));
    env.refused(
        "entries",
        "entries.csv",
        &text,
        3,
        "年度",
        &["年度“2015”", "不在培训起止日期所在年份之内"],
        &["year \"2015\"", "not the year of the start or end date"],
    );
}

/// A 年度 saved by a spreadsheet as the text of a number (`2016.0`) is the year 2016, as a
/// workbook's number cell is; a year that is no whole year is refused as not a year, not as
/// a year outside the training's dates (tester, 2026-11-30: "year 2017.0 is not within the
/// years of the training dates").
#[test]
fn a_year_written_as_a_number_is_read_and_a_fraction_of_a_year_is_not_a_year() {
    let env = Env::new();
    env.people(&[(ZHANG, "张伟"), (WANG, "王芳")]);
    // As saved by a spreadsheet, and as typed in a Chinese input method's full-width mode
    // (tester, 2026-11-30: `２０１６` was refused as "not four digits").
    let text = entries_csv(&[
        Entry::professional(WANG, 2016, "60").year("2016.0"),
        Entry::professional(ZHANG, 2016, "60").year("２０１６年"),
    ]);
    env.import_ok("entries", "entries.csv", &text, &[]);
    let years: Vec<i32> = env
        .conn()
        .prepare("SELECT year FROM entries ORDER BY id")
        .expect("query")
        .query_map([], |r| r.get(0))
        .expect("rows")
        .collect::<rusqlite::Result<_>>()
        .expect("the entries");
    assert_eq!(years, [2016, 2016]);
    for bad in ["2016.5", "二〇一六"] {
        let (env, text) = entries_env(Entry::professional(WANG, 2016, "60").year(bad));
        env.refused(
            "entries",
            "entries.csv",
            &text,
            3,
            "年度",
            &[&format!("年度“{bad}”不是年份"), "如 2017"],
            &[&format!("year \"{bad}\" is not a year"), "such as 2017"],
        );
    }
}

#[test]
fn a_good_entry_and_a_bad_entry_write_nothing() {
    let (env, text) = entries_env(Entry::professional(WANG, 2016, "2.55"));
    let file = env.write("entries.csv", &text);
    // The same with --registered: paper history is validated just as strictly.
    env.refused_file(
        "entries",
        &file,
        &["--registered"],
        3,
        "学时",
        &["“2.55”"],
        &["\"2.55\""],
    );
    let c = env.counts();
    assert_eq!((c.entries, c.evidence, c.batches), (0, 0, 0));
    // The good row of 张伟 did not count either.
    let (code, v) = env.check_json(ZHANG, &["--from", "2016", "--to", "2016"]);
    assert_eq!(code, 1);
    assert_eq!(hours(&v, 2016, "public"), 0.0);
}

#[test]
fn every_problem_of_an_entries_roster_is_listed_in_one_pass() {
    // docs/INTERFACES.md: "standard error lists each problem". A clerk who fixes the hours of row 2
    // must not discover on the next run that row 3's person is unknown.
    let env = Env::new();
    env.people(&[(ZHANG, "张伟")]);
    let text = entries_csv(&[
        Entry::public(ZHANG, 2016, "2.55"),
        Entry::professional(STRANGER, 2016, "60"),
    ]);
    let file = env.write("entries.csv", &text);
    let out = env.import("entries", &file, &[]);
    out.expect(2);
    assert_row_error(&out, &file, 2, "学时", &["“2.55”"]);
    assert_row_error(&out, &file, 3, "身份证号", &[&format!("“{STRANGER}”")]);
    assert_eq!(env.counts().entries, 0);
}

// ---------------------------------------------------------------- filings (R4.2)

fn filings_env(bad: String) -> (Env, String) {
    let env = Env::new();
    let good = filing_line(
        "F2016-01",
        "公需",
        "2016-03-01",
        "2016-03-05",
        "已备案",
        "2016-02-20",
    );
    (env, filings_csv(&[good, bad]))
}

#[test]
fn r4_2_unknown_filing_status_is_refused() {
    let (env, text) = filings_env(filing_line(
        "F2016-02",
        "专业",
        "2016-04-01",
        "2016-04-20",
        "审核中",
        "",
    ));
    env.refused(
        "filings",
        "filings.csv",
        &text,
        3,
        "状态",
        &["“审核中”", "待审", "已备案", "不予备案"],
        &["\"审核中\"", "pending, approved, rejected"],
    );
}

#[test]
fn r4_3_an_approved_filing_needs_its_approval_date() {
    let (env, text) = filings_env(filing_line(
        "F2016-02",
        "公需",
        "2016-04-01",
        "2016-04-20",
        "已备案",
        "",
    ));
    env.refused(
        "filings",
        "filings.csv",
        &text,
        3,
        "备案日期",
        &["已备案", "备案日期为空"],
        &["approved", "approved_on is empty"],
    );
}

#[test]
fn r4_2_filing_start_after_end_is_refused() {
    let (env, text) = filings_env(filing_line(
        "F2016-02",
        "公需",
        "2016-04-20",
        "2016-04-01",
        "待审",
        "",
    ));
    env.refused(
        "filings",
        "filings.csv",
        &text,
        3,
        "结束日期",
        &["“2016-04-01”", "“2016-04-20”"],
        &["\"2016-04-01\"", "before the start date"],
    );
}

#[test]
fn r4_2_filing_with_unknown_category_is_refused() {
    let (env, text) = filings_env(filing_line(
        "F2016-02",
        "选修",
        "2016-04-01",
        "2016-04-20",
        "待审",
        "",
    ));
    env.refused(
        "filings",
        "filings.csv",
        &text,
        3,
        "科目类别",
        &["“选修”", "公需", "专业"],
        &["\"选修\"", "public, professional"],
    );
}

#[test]
fn r4_2_unknown_filing_column_lists_the_known_ones() {
    let env = Env::new();
    let text = format!(
        "{FILINGS_HEADER},性别\n{},无\n",
        filing_line("F2016-01", "公需", "2016-03-01", "2016-03-05", "待审", "")
    );
    env.refused(
        "filings",
        "filings.csv",
        &text,
        1,
        "性别",
        &["未知的列“性别”", "filing_no/备案编号", "schedule/培训计划"],
        &["unknown column \"性别\"", "approved_on/备案日期"],
    );
}

// ---------------------------------------------------------------- files

#[test]
fn a_missing_roster_file_is_an_error() {
    let env = Env::new();
    let out = env.import("people", &env.path("nowhere.csv"), &[]);
    out.expect(2);
    assert!(out.stderr.contains("nowhere.csv"), "{out:?}");
    assert_eq!(env.counts().people, 0);
}

#[test]
fn an_old_binary_xls_is_refused_with_a_hint() {
    let env = Env::new();
    let file = env.write_bytes("people.xls", b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1rest");
    let out = env.import("people", &file, &[]);
    out.expect(2);
    assert!(out.stderr.contains(".xlsx"), "{out:?}");
}
