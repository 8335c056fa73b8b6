//! Rosters shaped the way Chinese offices really produce them (Excel and WPS exports): each kind
//! of fault of the field cases, rebuilt here, put through the built binary, with the stored
//! value read back from the database or the refusal, its wording and "nothing written".

mod common;

use common::*;

const PEOPLE_XLSX_HEADER: [&str; 7] = [
    "身份证号",
    "姓名",
    "单位",
    "单位类型",
    "市州",
    "现有职称",
    "职称级别",
];

fn person_cells(id: Cell, name: &str) -> Vec<Cell> {
    vec![
        id,
        text(name),
        text("长沙市第一中学"),
        text("市州所属单位"),
        text("长沙"),
        text("中学一级教师"),
        text("中级"),
    ]
}

fn header(cells: &[&str]) -> Vec<Cell> {
    cells.iter().map(|c| text(c)).collect()
}

fn stored_name(env: &Env, id: &str) -> Option<String> {
    env.conn()
        .query_row("SELECT name FROM people WHERE id_number = ?1", [id], |r| {
            r.get(0)
        })
        .ok()
}

// ------------------------------------------------------------ ID numbers in number cells (R1.1)

#[test]
fn r1_1_an_id_number_saved_from_a_number_cell_to_csv_is_refused_with_the_cause() {
    let env = Env::new();
    // What Excel writes to CSV for an 18-digit number in a General column.
    let out = env.refused(
        "people",
        "people.csv",
        &format!("{PEOPLE_HEADER}\n4.30102E+17,冯数字,湖南师范大学,省直单位,省直,副教授,副高,1\n"),
        2,
        "身份证号",
        &["数字", "15 位", "文本"],
        &["formatted as a number", "15 significant digits", "Text"],
    );
    assert!(!out.stderr.contains("校验位"), "{}", out.stderr);
    // The same kind of number written out in full: its last digits are Excel's zeros, and the
    // check character no longer fits.
    let lost = "430102199001010000";
    assert_ne!(check_char(&lost[..17]), '0');
    let out = env.refused(
        "people",
        "people2.csv",
        &format!("{PEOPLE_HEADER}\n{lost},冯数字,湖南师范大学,省直单位,省直,副教授,副高,1\n"),
        2,
        "身份证号",
        &["000", "15 位", "文本"],
        &["ends in 000", "Text"],
    );
    assert!(
        !out.stderr.contains("应为"),
        "no check character is suggested: {}",
        out.stderr
    );
}

// ------------------------------------------------------------ numeric cells at 15 digits (R2.3)

fn entry_cells(content: &str, start: Cell, end: Cell, hours: Cell, year: Cell) -> Vec<Cell> {
    vec![
        text(ZHANG),
        year,
        text("专业"),
        text("培训班"),
        text(content),
        text("湖南师范大学"),
        start,
        end,
        hours,
        text("合格"),
    ]
}

const ENTRY_XLSX_HEADER: [&str; 10] = [
    "身份证号",
    "年度",
    "科目类别",
    "学习形式",
    "培训内容",
    "施教机构",
    "开始日期",
    "结束日期",
    "学时",
    "考核结果",
];

#[test]
fn r2_3_numeric_hours_are_read_as_excel_shows_them() {
    let env = Env::new();
    env.people(&[(ZHANG, "张伟")]);
    let file = env.path("entries.xlsx");
    let d = |m, day| Cell::Date(2017, m, day);
    write_xlsx(
        &file,
        &[
            header(&ENTRY_XLSX_HEADER),
            entry_cells(
                "噪声一",
                d(4, 1),
                d(4, 2),
                Cell::Number(29.999999999999996),
                Cell::Empty,
            ),
            entry_cells(
                "噪声二",
                d(4, 3),
                d(4, 4),
                Cell::Number(7.000000000000001),
                Cell::Empty,
            ),
            entry_cells(
                "累加",
                d(4, 5),
                d(4, 6),
                Cell::Number(0.1 + 0.2),
                Cell::Number(2017.0),
            ),
            entry_cells(
                "一位小数",
                d(4, 7),
                d(4, 8),
                Cell::Number(2.5),
                Cell::Number(2017.0),
            ),
        ],
    );
    env.import("entries", &file, &["--registered"]).expect(0);
    let c = env.conn();
    let hours = |content: &str| -> i64 {
        c.query_row(
            "SELECT hours_tenths FROM entries WHERE content = ?1",
            [content],
            |r| r.get(0),
        )
        .unwrap()
    };
    assert_eq!(hours("噪声一"), 300);
    assert_eq!(hours("噪声二"), 70);
    assert_eq!(hours("累加"), 3);
    assert_eq!(hours("一位小数"), 25);
}

#[test]
fn r2_3_two_decimals_are_still_refused_and_a_date_serial_in_a_general_cell_is_explained() {
    let env = Env::new();
    env.people(&[(ZHANG, "张伟")]);
    let file = env.path("entries.xlsx");
    write_xlsx(
        &file,
        &[
            header(&ENTRY_XLSX_HEADER),
            entry_cells(
                "两位小数",
                Cell::Date(2017, 4, 1),
                Cell::Date(2017, 4, 2),
                Cell::Number(1.25),
                Cell::Empty,
            ),
            // 42795 is 2017-03-01 as a serial; the cell is General, so Excel shows 42795.
            entry_cells(
                "序列号",
                Cell::Number(42795.0),
                Cell::Number(42795.0),
                Cell::Number(8.0),
                Cell::Empty,
            ),
        ],
    );
    let out = env.refused_file(
        "entries",
        &file,
        &["--registered"],
        2,
        "学时",
        &["1.25", "一位小数"],
        &["1.25"],
    );
    assert_row_error(
        &out,
        &file,
        3,
        "开始日期",
        &["42795", "不是日期", "2017-03-01", "日期"],
    );
    assert_row_error(&out, &file, 3, "结束日期", &["42795", "2017-03-01"]);
}

// ------------------------------------------------------------ the header row is found

#[test]
fn a_title_unit_line_and_english_second_header_are_skipped_and_reported() {
    let env = Env::new();
    let file = env.path("名册.xlsx");
    let id = "430102197803030415";
    let mut english = header(&[
        "id_number",
        "name",
        "unit",
        "unit_kind",
        "city",
        "title",
        "title_level",
    ]);
    english.truncate(7);
    write_xlsx(
        &file,
        &[
            vec![text("2017年度专业技术人员继续教育人员名册")],
            vec![
                text("填报单位：长沙市第一中学"),
                Cell::Empty,
                Cell::Empty,
                text("2017年3月"),
            ],
            vec![],
            header(&PEOPLE_XLSX_HEADER),
            english,
            person_cells(text(id), "戴红梅"),
        ],
    );
    let out = env.import("people", &file, &[]);
    out.expect(0);
    assert!(out.stdout.contains("表头在第4行"), "{}", out.stdout);
    assert!(out.stdout.contains("跳过了 3 行"), "{}", out.stdout);
    assert!(out.stdout.contains("新增 1 条"), "{}", out.stdout);
    assert_eq!(stored_name(&env, id).as_deref(), Some("戴红梅"));
    assert_eq!(env.counts().people, 1);
    let en = env.import_en("people", &file, &[]);
    en.expect(0);
    assert!(
        en.stdout.contains("the header is on row 4"),
        "{}",
        en.stdout
    );
}

#[test]
fn problems_under_a_title_row_name_the_spreadsheet_rows() {
    let env = Env::new();
    let text_csv = format!(
        "2017年度人员名册,,,,,,,\n{PEOPLE_HEADER},性别\n{ZHANG},张伟,湖南师范大学,省直单位,省直,副教授,副高,1,男\n"
    );
    // The unknown column is on the header's row (2), not row 1.
    env.refused(
        "people",
        "people.csv",
        &text_csv,
        2,
        "性别",
        &["未知的列“性别”", "note/备注", "no/序号"],
        &["unknown column \"性别\""],
    );
}

#[test]
fn a_value_under_no_header_is_refused_not_dropped() {
    let env = Env::new();
    let out = env.refused(
        "people",
        "people.csv",
        &format!("{PEOPLE_HEADER}\n{ZHANG},张伟,湖南师范大学,省直单位,省直,副教授,副高,1,,调出\n"),
        2,
        "J",
        &["J列有值“调出”", "没有表头"],
        &["column J holds \"调出\"", "no header"],
    );
    assert!(
        !out.stderr.contains("field"),
        "no reader jargon: {}",
        out.stderr
    );
}

// ------------------------------------------------------------ 序号 and 备注

#[test]
fn xuhao_is_ignored_and_beizhu_is_kept_with_the_record() {
    let env = Env::new();
    let file = env.path("people.xlsx");
    let mut head = vec![text("序号")];
    head.extend(header(&PEOPLE_XLSX_HEADER));
    head.push(text("备注"));
    let row = |n: f64, id: &str, name: &str, note: &str| {
        let mut r = vec![Cell::Number(n)];
        r.extend(person_cells(text(id), name));
        r.push(text(note));
        r
    };
    write_xlsx(
        &file,
        &[
            head,
            row(1.0, ZHANG, "张伟", "退休返聘"),
            row(2.0, WANG, "王芳", ""),
        ],
    );
    env.import("people", &file, &[]).expect(0);
    let c = env.conn();
    let note: String = c
        .query_row(
            "SELECT note FROM notes WHERE subject = ?1",
            [format!("person:{ZHANG}")],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(note, "退休返聘");
    let notes: i64 = c
        .query_row("SELECT count(*) FROM notes", [], |r| r.get(0))
        .unwrap();
    assert_eq!(notes, 1, "an empty note cell stores nothing");
    let audited: i64 = c
        .query_row(
            "SELECT count(*) FROM audit WHERE action = 'note.set'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(audited, 1);
    // Importing again changes nothing; a changed note is an update.
    let again = env.import("people", &file, &[]);
    again.expect(0);
    assert!(again.stdout.contains("未变 2 条"), "{}", again.stdout);
    let text_csv = format!(
        "序号,{PEOPLE_HEADER},备注\n1,{ZHANG},张伟,湖南师范大学,省直单位,省直,副教授,副高,0731-88872000,调往株洲\n"
    );
    let out = env.import_ok("people", "people2.csv", &text_csv, &[]);
    assert!(out.stdout.contains("更新 1 条"), "{}", out.stdout);
}

// ------------------------------------------------------------ encodings by evidence

#[test]
fn a_short_gbk_file_that_is_valid_utf8_too_is_stored_as_chinese() {
    let env = Env::new();
    let id = "430102198305060616";
    let roster = format!("id_number,name,unit,unit_kind,city\n{id},魏伟,IBM,non_public,430100\n");
    let (bytes, _, _) = encoding_rs::GB18030.encode(&roster);
    assert!(
        std::str::from_utf8(&bytes).is_ok(),
        "the case needs bytes valid in both"
    );
    let file = env.write_bytes("gbk.csv", &bytes);
    env.import("people", &file, &[]).expect(0);
    assert_eq!(stored_name(&env, id).as_deref(), Some("魏伟"));
}

#[test]
fn a_file_mixing_encodings_is_refused_naming_the_row() {
    let env = Env::new();
    let mut bytes = people_csv(&[(ZHANG, "张伟"), (WANG, "王芳")]).into_bytes();
    let row = format!("{ZHAO},赵六,湖南师范大学,省直单位,省直,副教授,副高,0731\n");
    let (gb, _, _) = encoding_rs::GB18030.encode(&row);
    bytes.extend_from_slice(&gb);
    let file = env.write_bytes("mixed.csv", &bytes);
    let out = env.import("people", &file, &[]);
    out.expect(2);
    assert!(
        out.stderr.contains("混用") && out.stderr.contains("第4行"),
        "{}",
        out.stderr
    );
    assert_eq!(env.counts().people, 0);
}

#[test]
fn an_undecidable_encoding_is_refused_saying_what_was_tried() {
    let env = Env::new();
    let file = env.write("odd.csv", &format!("id_number,name\n{ZHANG},𠮷\n"));
    let out = env.import("applicants", &file, &["--batch", "测试"]);
    out.expect(2);
    assert!(
        out.stderr.contains("UTF-8") && out.stderr.contains("GB18030"),
        "{}",
        out.stderr
    );
    assert_eq!(env.counts().audit, 0);
}

// ------------------------------------------------------------ files that are not what they say

#[test]
fn files_named_xlsx_that_are_not_workbooks_say_what_they_are() {
    let env = Env::new();
    let cases: [(&str, &[u8], &str, &str); 3] = [
        (
            "csv.xlsx",
            "身份证号,姓名\n1,张三\n".as_bytes(),
            "内容是文本（CSV）",
            "text (a CSV)",
        ),
        (
            "web.xlsx",
            b"<html><table><tr><td>1</td></tr></table></html>",
            "网页",
            "web page",
        ),
        (
            "broken.xlsx",
            b"PK\x03\x04 half a download",
            "已损坏",
            "damaged",
        ),
    ];
    for (name, bytes, zh, en) in cases {
        let file = env.write_bytes(name, bytes);
        let out = env.import("people", &file, &[]);
        out.expect(2);
        assert!(out.stderr.contains(zh), "{name}: {}", out.stderr);
        assert!(
            !out.stderr.contains("Zip") && !out.stderr.contains("EOCD"),
            "{}",
            out.stderr
        );
        let out = env.import_en("people", &file, &[]);
        assert!(out.stderr.contains(en), "{name}: {}", out.stderr);
    }
    assert_eq!(env.counts().people, 0);
}

#[test]
fn formula_cells_without_a_result_and_excel_errors_are_named() {
    let env = Env::new();
    env.people(&[(ZHANG, "张伟")]);
    let file = env.path("entries.xlsx");
    write_xlsx(
        &file,
        &[
            header(&ENTRY_XLSX_HEADER),
            entry_cells(
                "公式",
                Cell::Date(2017, 4, 1),
                Cell::Date(2017, 4, 2),
                Cell::Formula("=10+20".into()),
                Cell::Empty,
            ),
            entry_cells(
                "错误值",
                Cell::Date(2017, 4, 3),
                Cell::Date(2017, 4, 4),
                Cell::Error("#N/A".into()),
                Cell::Empty,
            ),
        ],
    );
    let out = env.refused_file(
        "entries",
        &file,
        &[],
        2,
        "学时",
        &["公式单元格没有保存计算结果，请在表格软件中打开并保存"],
        &["formula cell has no saved result"],
    );
    assert_row_error(&out, &file, 3, "学时", &["#N/A", "错误值"]);
    // One message a cell: no "required" on top.
    assert_eq!(row_error_lines(&out, &file), 2, "{}", out.stderr);
}

#[test]
fn a_data_row_above_the_header_is_refused_not_skipped() {
    let env = Env::new();
    let text_csv = format!(
        "{WANG},王芳,湖南师范大学,省直单位,省直,副教授,副高,1\n{PEOPLE_HEADER}\n{ZHANG},张伟,湖南师范大学,省直单位,省直,副教授,副高,1\n"
    );
    env.refused(
        "people",
        "people.csv",
        &text_csv,
        1,
        "身份证号",
        &["表头（第2行）之上", WANG],
        &["above the header (row 2)"],
    );
}

#[test]
fn a_cell_with_line_breaks_is_one_spreadsheet_row_in_messages() {
    let env = Env::new();
    // Alt+Enter in Excel: the unit of row 2 spans two text lines; the bad ID is on row 3.
    let text_csv = format!(
        "{PEOPLE_HEADER}\n{ZHANG},张伟,\"长沙市第一中学\n（本部）\",省直单位,省直,副教授,副高,1\n430102198001010012,王芳,湖南师范大学,省直单位,省直,副教授,副高,1\n"
    );
    env.refused(
        "people",
        "people.csv",
        &text_csv,
        3,
        "身份证号",
        &["430102198001010012"],
        &["430102198001010012"],
    );
}

#[test]
fn a_workbook_opening_on_instructions_is_read_from_the_sheet_with_the_header() {
    let env = Env::new();
    let file = env.path("template.xlsx");
    let mut book = rust_xlsxwriter::Workbook::new();
    let notes = book.add_worksheet();
    notes.set_name("填表说明").unwrap();
    notes
        .write_string(0, 0, "填表说明：身份证号请设置为文本格式")
        .unwrap();
    let data = book.add_worksheet();
    data.set_name("人员名册").unwrap();
    for (c, h) in PEOPLE_XLSX_HEADER.iter().enumerate() {
        data.write_string(0, c as u16, *h).unwrap();
    }
    for (c, v) in [
        ZHANG,
        "张伟",
        "长沙市第一中学",
        "市州所属单位",
        "长沙",
        "中学一级教师",
        "中级",
    ]
    .iter()
    .enumerate()
    {
        data.write_string(1, c as u16, *v).unwrap();
    }
    book.save(&file).unwrap();
    let out = env.import("people", &file, &[]);
    out.expect(0);
    assert!(out.stdout.contains("工作表“人员名册”"), "{}", out.stdout);
    assert_eq!(stored_name(&env, ZHANG).as_deref(), Some("张伟"));
}
