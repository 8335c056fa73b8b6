//! R1.3, R1.4 on the people roster import: a provincial unit (省直单位) is filed under 省直,
//! and only a provincial unit is. The import makes the same domain check as the person form
//! and the register service, names the row and what is expected, and writes nothing.

mod common;

use common::*;

#[test]
fn r1_3_a_provincial_unit_under_a_city_is_refused_with_the_row_named() {
    let env = Env::new();
    let text = format!(
        "{PEOPLE_HEADER}\n\
         {ZHANG},张伟,湖南师范大学,省直单位,省直,副教授,副高,\n\
         {LI},李娜,湖南省人民医院,省直单位,长沙,主治医师,中级,\n"
    );
    env.refused(
        "people",
        "people.csv",
        &text,
        3,
        "市州",
        &["“长沙”", "省直单位的市州应为省直，不是长沙"],
        &["\"长沙\"", "a provincial unit belongs under 省直, not 长沙"],
    );
}

#[test]
fn r1_4_only_a_provincial_unit_is_filed_under_sheng_zhi() {
    let env = Env::new();
    let text = format!(
        "{PEOPLE_HEADER}\n\
         {ZHANG},张伟,长沙市第一医院,市州所属单位,省直,主治医师,中级,\n"
    );
    env.refused(
        "people",
        "people.csv",
        &text,
        2,
        "市州",
        &["只有省直单位属省直，市州所属单位应选所在市州"],
        &["only a provincial unit belongs under 省直"],
    );
}

#[test]
fn r1_3_kinds_that_agree_with_their_city_are_imported() {
    let env = Env::new();
    let text = format!(
        "{PEOPLE_HEADER}\n\
         {ZHANG},张伟,湖南师范大学,省直单位,省直,副教授,副高,\n\
         {LI},李娜,长沙市第一医院,市州所属单位,长沙,主治医师,中级,\n\
         {WANG},王芳,中南大学湘雅医院,中央在湘单位,长沙,主任医师,正高,\n"
    );
    let out = env.import_ok("people", "people.csv", &text, &[]);
    assert!(out.stdout.contains("新增 3 条"), "{out:?}");
    let codes: Vec<(String, String)> = env
        .conn()
        .prepare("SELECT unit_kind, city_code FROM people ORDER BY id_number")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(|r| r.unwrap())
        .collect();
    assert!(
        codes.contains(&("provincial".to_string(), "430000".to_string())),
        "{codes:?}"
    );
    assert!(
        codes.contains(&("central".to_string(), "430100".to_string())),
        "{codes:?}"
    );
}
