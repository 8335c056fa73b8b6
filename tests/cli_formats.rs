//! Roster files as bureaus have them (docs/INTERFACES.md "Roster files"): CSV in UTF-8, UTF-8 with
//! BOM and GB18030, XLSX, headers in Chinese or English in any order. Every form of the same
//! roster gives the same people (R1.2).

mod common;

use common::*;

/// The people the rosters of this file describe, as stored in ID-number order: id, name, unit, unit kind, city code,
/// title, title level, file location. 刘䶮's 䶮 (U+4DAE) needs GB18030's four-byte sequences.
const EXPECTED: [[&str; 8]; 3] = [
    [
        LI,
        "欧阳修",
        "湘西州人民医院",
        "city",
        "433100",
        "主治医师",
        "intermediate",
        "",
    ],
    [
        ZHANG,
        "张伟",
        "湖南师范大学",
        "provincial",
        "430000",
        "副教授",
        "deputy_senior",
        "",
    ],
    [
        WANG,
        "刘䶮",
        "三一重工股份有限公司",
        "non_public",
        "430100",
        "正高级工程师",
        "senior",
        "长沙县人才服务中心",
    ],
];

fn chinese_roster() -> String {
    format!(
        "身份证号,姓名,单位,单位类型,市州,现有职称,职称级别,档案所在地\n\
         {ZHANG},张伟,湖南师范大学,省直单位,省直,副教授,副高,\n\
         {LI},欧阳修,湘西州人民医院,市州所属单位,湘西土家族苗族自治州,主治医师,中级,\n\
         {WANG},刘䶮,三一重工股份有限公司,非公企业和其他组织,长沙市,正高级工程师,正高,长沙县人才服务中心\n"
    )
}

/// What the database holds, ordered by ID number.
fn stored(env: &Env) -> Vec<[String; 8]> {
    let conn = env.conn();
    let mut stmt = conn
        .prepare(
            "SELECT id_number, name, unit, unit_kind, city_code, title, coalesce(title_level, ''),
                    file_location
             FROM people ORDER BY id_number",
        )
        .unwrap();
    stmt.query_map([], |r| {
        Ok([
            r.get(0)?,
            r.get(1)?,
            r.get(2)?,
            r.get(3)?,
            r.get(4)?,
            r.get(5)?,
            r.get(6)?,
            r.get(7)?,
        ])
    })
    .unwrap()
    .collect::<Result<_, _>>()
    .unwrap()
}

/// Import `file` as people and require the three people of [`EXPECTED`], names included.
fn imports_the_three(env: &Env, file: &std::path::Path) {
    let out = env.import("people", file, &[]);
    out.expect(0);
    assert!(out.stdout.contains("新增 3 条"), "{out:?}");
    let expected: Vec<[String; 8]> = EXPECTED.iter().map(|row| row.map(str::to_string)).collect();
    assert_eq!(stored(env), expected);
    for [id, name, ..] in EXPECTED {
        let (_, v) = env.check_json(id, &[]);
        assert_eq!(v["name"], name, "{id}");
    }
}

#[test]
fn utf8_csv() {
    let env = Env::new();
    let file = env.write("people.csv", &chinese_roster());
    imports_the_three(&env, &file);
}

#[test]
fn utf8_csv_with_byte_order_mark_and_crlf() {
    let env = Env::new();
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend_from_slice(chinese_roster().replace('\n', "\r\n").as_bytes());
    let file = env.write_bytes("people.csv", &bytes);
    imports_the_three(&env, &file);
}

#[test]
fn gb18030_csv_as_chinese_spreadsheets_save_it() {
    let env = Env::new();
    let text = chinese_roster().replace('\n', "\r\n");
    let (bytes, _, unmappable) = encoding_rs::GB18030.encode(&text);
    assert!(!unmappable);
    assert!(std::str::from_utf8(&bytes).is_err(), "really not UTF-8");
    let file = env.write_bytes("people.csv", &bytes);
    imports_the_three(&env, &file);
}

#[test]
fn gb18030_errors_show_the_value_in_readable_chinese() {
    let env = Env::new();
    let text = format!(
        "{}{STRANGER},赵六,湖南大学,省直单位,北京,,,\r\n",
        chinese_roster()
    );
    let (bytes, _, _) = encoding_rs::GB18030.encode(&text);
    let file = env.write_bytes("people.csv", &bytes);
    env.refused_file(
        "people",
        &file,
        &[],
        5,
        "市州",
        &["“北京”", "长沙/430100"],
        &["\"北京\""],
    );
}

#[test]
fn xlsx_with_id_numbers_as_text() {
    let env = Env::new();
    let file = env.path("people.xlsx");
    write_xlsx(&file, &csv_cells(&chinese_roster()));
    imports_the_three(&env, &file);
}

#[test]
fn english_headers_in_another_order_with_english_values() {
    let env = Env::new();
    let text = format!(
        "city,name,title_level,id_number,unit_kind,unit,title,file_location\n\
         430000,张伟,deputy_senior,{ZHANG},provincial,湖南师范大学,副教授,\n\
         433100,欧阳修,intermediate,{LI},city,湘西州人民医院,主治医师,\n\
         长沙市,刘䶮,senior,{WANG},non_public,三一重工股份有限公司,正高级工程师,长沙县人才服务中心\n"
    );
    let file = env.write("people.csv", &text);
    imports_the_three(&env, &file);
    // …and it is the same roster as the Chinese one: importing that changes nothing.
    let out = env.import_ok("people", "people-zh.csv", &chinese_roster(), &[]);
    assert!(out.stdout.contains("新增 0 条"), "{out:?}");
    assert!(out.stdout.contains("未变 3 条"), "{out:?}");
}

#[test]
fn xlsx_errors_name_the_excel_row() {
    let env = Env::new();
    let mut rows = csv_cells(&chinese_roster());
    rows[2][0] = text("110105194912310021");
    let file = env.path("people.xlsx");
    write_xlsx(&file, &rows);
    env.refused_file(
        "people",
        &file,
        &[],
        3,
        "身份证号",
        &["“110105194912310021”", "应为X"],
        &["expected X"],
    );
}

#[test]
fn xlsx_id_numbers_stored_as_numbers_are_refused_not_guessed() {
    // Excel keeps 15 significant digits: 430102198001010011 typed as a number loses its last
    // digits. Importing the rounded number would create a person who does not exist.
    let env = Env::new();
    let mut rows = csv_cells(&chinese_roster());
    rows[1][0] = Cell::Number(430102198001010011.0);
    let file = env.path("people.xlsx");
    write_xlsx(&file, &rows);
    let out = env.import("people", &file, &[]);
    out.expect(2);
    // The cause is the cell format, so the message says so and never suggests another check
    // character (R1.1).
    assert_row_error(&out, &file, 2, "身份证号", &["数字", "15 位", "文本"]);
    assert!(!out.stderr.contains("校验位"), "{}", out.stderr);
    assert_eq!(env.counts().people, 0);
}

#[test]
fn xlsx_entries_with_real_excel_dates_and_numeric_hours() {
    let env = Env::new();
    env.people(&[(ZHANG, "张伟")]);
    let header = csv_cells(ENTRIES_HEADER).remove(0);
    let row = |cat: &str, form: &str, start: (u8, u8), end: (u8, u8), h: f64| {
        vec![
            text(ZHANG),
            Cell::Number(2016.0),
            text(cat),
            text(form),
            text(&format!("{cat}{form}")),
            text("湖南大学继续教育学院"),
            Cell::Date(2016, start.0, start.1),
            Cell::Date(2016, end.0, end.1),
            Cell::Number(h),
            text("合格"),
            Cell::Empty,
            Cell::Empty,
        ]
    };
    let file = env.path("entries.xlsx");
    write_xlsx(
        &file,
        &[
            header,
            row("公需", "培训班", (3, 1), (3, 5), 17.5),
            row("公需", "学术讲座", (2, 29), (2, 29), 12.5),
            row("专业", "远程教育", (4, 1), (4, 20), 60.0),
        ],
    );
    let out = env.import("entries", &file, &["--registered"]);
    out.expect(0);
    assert!(out.stdout.contains("新增 3 条"), "{out:?}");

    let conn = env.conn();
    let mut stmt = conn
        .prepare("SELECT start_date, end_date, hours_tenths FROM entries ORDER BY start_date")
        .unwrap();
    let rows: Vec<(String, String, i64)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        rows,
        [
            ("2016-02-29".to_string(), "2016-02-29".to_string(), 125),
            ("2016-03-01".to_string(), "2016-03-05".to_string(), 175),
            ("2016-04-01".to_string(), "2016-04-20".to_string(), 600),
        ]
    );
    let (code, v) = env.check_json(ZHANG, &["--from", "2016", "--to", "2016"]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(hours(&v, 2016, "public"), 30.0);

    // The same roster as CSV is the same entries: nothing new.
    let csv = entries_csv(&[
        Entry::new(ZHANG, "公需", "2016-03-01", "2016-03-05", "17.5").content("公需培训班"),
        Entry::new(ZHANG, "公需", "2016/2/29", "2016年2月29日", "12.5")
            .form("学术讲座")
            .content("公需学术讲座"),
        Entry::new(ZHANG, "专业", "2016-04-01", "2016-04-20", "60")
            .form("远程教育")
            .content("专业远程教育"),
    ])
    .replace("湖南省专业技术人员继续教育基地", "湖南大学继续教育学院");
    let out = env.import_ok("entries", "entries.csv", &csv, &["--registered"]);
    assert!(out.stdout.contains("新增 0 条"), "{out:?}");
}
