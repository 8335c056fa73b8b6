//! Text has one identity (R1.2): what a roster brings in is stored NFC, without invisible format
//! characters or control characters, whatever the spreadsheet or the clerk's system wrote; and a
//! message that quotes a wrong value shows the characters that cannot be seen.

mod common;

use common::*;
use unicode_normalization::UnicodeNormalization;

/// The names as rosters from different offices write them, and how they are stored.
fn names() -> Vec<(String, &'static str, &'static str)> {
    vec![
        // The minority-name separator written four ways: stored as written (it is visible),
        // folded to one search key.
        (person_id(1), "阿卜杜拉\u{b7}买买提", "阿卜杜拉\u{b7}买买提"),
        (
            person_id(2),
            "阿卜杜拉\u{2022}买买提",
            "阿卜杜拉\u{2022}买买提",
        ),
        (
            person_id(3),
            "阿卜杜拉\u{2027}买买提",
            "阿卜杜拉\u{2027}买买提",
        ),
        (person_id(4), "阿卜杜拉.买买提", "阿卜杜拉.买买提"),
        // Decomposed: e + combining acute; conjoining Hangul jamo.
        (person_id(5), "陈e\u{301}", "陈\u{e9}"),
        (
            person_id(6),
            "\u{110e}\u{116c}\u{110c}\u{1175}\u{110b}\u{116e}",
            "\u{cd5c}\u{c9c0}\u{c6b0}",
        ),
        // Zero-width joiner, right-to-left mark, a BOM inside the cell.
        (person_id(7), "张\u{200d}伟", "张伟"),
        (person_id(8), "\u{200f}王芳", "王芳"),
        (person_id(9), "李\u{feff}娜", "李娜"),
        // A BEL and a colour escape sequence.
        (person_id(10), "赵\u{7}铃", "赵铃"),
        (person_id(11), "王\u{1b}[31m红\u{1b}[0m", "王红"),
        // A rare character outside the BMP and an ideographic variation sequence are kept.
        (person_id(12), "\u{20bb7}田", "\u{20bb7}田"),
        (person_id(13), "葛\u{e0100}亮", "葛\u{e0100}亮"),
    ]
}

#[test]
fn r1_2_a_roster_is_stored_nfc_without_invisible_or_control_characters() {
    let env = Env::new();
    let mut csv = String::from("身份证号,姓名,单位,单位类型,市州,现有职称\n");
    for (id, name, _) in names() {
        csv.push_str(&format!(
            "{id},{name},湖南\u{200b}师范大学\u{202e},省直单位,省直,副教\u{ad}授\n"
        ));
    }
    // A zero-width space inside an ID number cell is removed, and the number accepted.
    let id14 = person_id(14);
    csv.push_str(&format!(
        "{}\u{200b}{},刘洋,湖南大学,省直单位,省\u{200b}直,\n",
        &id14[..6],
        &id14[6..]
    ));
    env.import_ok("people", "人员.csv", &csv, &[]);

    let conn = env.conn();
    for (id, _, stored) in names() {
        let (name, unit, title): (String, String, String) = conn
            .query_row(
                "SELECT name, unit, title FROM people WHERE id_number = ?1",
                [&id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .unwrap_or_else(|e| panic!("{id} ({stored}) not stored: {e}"));
        assert_eq!(name, stored, "{id}");
        assert_eq!(unit, "湖南师范大学");
        assert_eq!(title, "副教授");
    }
    let city: String = conn
        .query_row(
            "SELECT city_code FROM people WHERE id_number = ?1",
            [&id14],
            |r| r.get(0),
        )
        .expect("the ID number with a zero-width space inside is accepted");
    assert_eq!(
        city, "430000",
        "a provincial unit is filed under 省直 (R1.3, R1.4)"
    );

    // Every stored text of every person is NFC and has nothing invisible or controlling.
    let mut stmt = conn
        .prepare("SELECT name || unit || title || series || phone || file_location FROM people")
        .unwrap();
    let texts: Vec<String> = stmt
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(texts.len(), names().len() + 1);
    for t in &texts {
        assert!(t.nfc().eq(t.chars()), "not NFC: {t:?}");
        assert!(
            !t.chars().any(|c| c.is_control()
                || matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{feff}' | '\u{ad}')),
            "invisible or control character stored: {t:?}"
        );
    }

    // The four spellings share one search key.
    let keys: Vec<String> = conn
        .prepare("SELECT DISTINCT name_key FROM people WHERE name LIKE '阿卜杜拉%'")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(keys, ["阿卜杜拉\u{b7}买买提"]);

    // Importing the same roster again finds every person as stored: nothing is updated, so
    // the re-import leaves no record (R5.5: an import that changes nothing writes none).
    let changed = |conn: &rusqlite::Connection| -> i64 {
        conn.query_row(
            "SELECT count(*) FROM audit WHERE action IN ('person.update', 'import.people')",
            [],
            |r| r.get(0),
        )
        .unwrap()
    };
    assert_eq!(changed(&conn), 1, "the first import's one record");
    env.import_ok("people", "人员.csv", &csv, &[]);
    assert_eq!(env.counts().people, texts.len() as i64);
    assert_eq!(changed(&env.conn()), 1, "a re-import changes nothing");
}

#[test]
fn r1_1_an_id_number_with_a_no_break_space_inside_is_quoted_with_it_shown() {
    let env = Env::new();
    let good = person_id(1);
    let bad = format!("{}\u{a0}{}", &good[..6], &good[6..]);
    let shown = format!("{}<U+00A0>{}", &good[..6], &good[6..]);
    let text = people_csv(&[(ZHANG, "张伟"), (&bad, "李娜")]);
    env.refused(
        "people",
        "people.csv",
        &text,
        3,
        "身份证号",
        &[&format!("“{shown}”"), "实为19位"],
        &[&format!("\"{shown}\""), "this one has 19"],
    );
}

#[test]
fn r1_1_a_zero_width_space_in_an_entries_roster_id_is_removed_and_a_wrong_result_shown() {
    let env = Env::new();
    env.people(&[(ZHANG, "张伟")]);
    let mut e = Entry::new(
        &format!("{}\u{200b}{}", &ZHANG[..6], &ZHANG[6..]),
        "专业",
        "2016-03-01",
        "2016-03-05",
        "30",
    );
    e.result = "合格\u{200b}x".into();
    env.refused(
        "entries",
        "entries.csv",
        &entries_csv(&[e]),
        2,
        "考核结果",
        &["“合格<U+200B>x”"],
        &["\"合格<U+200B>x\""],
    );
}

#[test]
fn r1_1_an_id_number_argument_is_read_clean_and_quoted_as_given() {
    let env = Env::new();
    env.people(&[(ZHANG, "张伟")]);
    let pasted = format!("\u{200b}{}\u{200d}{}", &ZHANG[..6], &ZHANG[6..]);
    let (_, v) = env.check_json(&pasted, &["--from", "2012", "--to", "2016"]);
    assert_eq!(v["id_number"], ZHANG);
    let out = env.run(["check", &format!("{}\u{3000}{}", &ZHANG[..6], &ZHANG[6..])]);
    out.expect(2);
    let shown = format!(
        "{}<U+3000>{}: 身份证号应为18位，实为19位",
        &ZHANG[..6],
        &ZHANG[6..]
    );
    assert!(out.stderr.contains(&shown), "{out:?}");
}
