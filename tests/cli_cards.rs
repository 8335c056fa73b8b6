//! `jijiao card` and `jijiao register-page` (R5.4) on the built binary and temporary databases:
//! the yearly record card of a person, of a unit and of a verification batch, and the
//! registration page over a period — only registered entries (R5.2), totals that agree with
//! `check`, lines within the printer's columns in both encodings, a form feed after every card,
//! the pre-printed layout, each print recorded with its audit row (R5.5), and clear refusals
//! that print and record nothing.

mod common;

use common::*;
use serde_json::Value;

const TITLE: &str = "湖南省专业技术人员继续教育年度备案卡";

fn one(env: &Env, sql: &str) -> i64 {
    env.conn().query_row(sql, [], |r| r.get(0)).unwrap()
}

/// 张伟 at 湖南师范大学 (省直) with 2016 registered on paper (30 public, 60.5 professional) and
/// a 2016 class that was only recorded, never registered.
fn zhang() -> Env {
    let env = Env::new();
    env.people(&[(ZHANG, "张伟")]);
    env.registered(&[
        Entry::public(ZHANG, 2016, "30"),
        Entry::professional(ZHANG, 2016, "60.5").content("临床新进展"),
        Entry::professional(ZHANG, 2015, "40").content("影像诊断进展"),
    ]);
    let pending = entries_csv(&[Entry::professional(ZHANG, 2016, "12").content("未登记的讲座")]);
    env.import_ok("entries", "pending.csv", &pending, &[]);
    env
}

/// `card ARGS… --to - --encoding utf-8`: the document as text.
fn card_text(env: &Env, args: &[&str]) -> (Out, String) {
    let mut all = vec!["card"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--to", "-", "--encoding", "utf-8"]);
    let out = env.run(all);
    let text = out.stdout.clone();
    (out, text)
}

/// The widest line as a GB-mode printer counts the bytes: 1 column for ASCII, 2 for any other
/// code (two or four bytes).
fn gb_widest(bytes: &[u8]) -> usize {
    let text = encoding_rs::GB18030
        .decode_without_bom_handling_and_without_replacement(bytes)
        .expect("valid GB18030");
    text.lines()
        .map(|l| l.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum())
        .max()
        .unwrap_or(0)
}

/// The number after `label` on the card, e.g. 30.0 after "公需科目：".
fn hours_after(text: &str, label: &str) -> f64 {
    let at = text
        .find(label)
        .unwrap_or_else(|| panic!("{label}: {text}"))
        + label.len();
    text[at..]
        .split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("a number after {label}: {text}"))
}

#[test]
fn r5_4_the_card_shows_registered_entries_and_the_totals_check_gives() {
    let env = zhang();
    let (out, text) = card_text(&env, &[ZHANG, "--year", "2016"]);
    out.expect(0);
    for s in [
        TITLE,
        "（2016 年度）",
        "姓    名：张伟",
        &format!("身份证号：{ZHANG}"),
        "单    位：湖南师范大学",
        "单位类别：省直单位",
        "现有职称：副教授（副高）",
        "【专业科目】临床新进展",
        "学时：60.5",
        "学时：30.0",
        "考核：合格",
        "（纸质登记转入）",
        "初审盖章",
    ] {
        assert!(text.contains(s), "{s}: {text}");
    }
    // R5.2 What was only recorded is not on the card; the other year's entry neither.
    assert!(!text.contains("未登记的讲座"), "{text}");
    assert!(!text.contains("影像诊断进展"), "{text}");
    // The totals are check's, for the same person and year.
    let (code, v) = env.check_json(ZHANG, &["--from", "2016", "--to", "2016"]);
    assert_eq!(code, 0);
    let y = &v["years"][0];
    for (label, key) in [
        ("公需科目：", "public"),
        ("专业科目：", "professional"),
        ("合    计：", "total"),
    ] {
        assert_eq!(
            hours_after(&text, label),
            y[key].as_f64().unwrap(),
            "{key}: {text}"
        );
    }
    assert_eq!(y["pass"], Value::Bool(true));
    assert!(text.contains("结    论：符合年度学时要求"), "{text}");
    // One print record and one audit row; the trail still verifies.
    assert_eq!(
        one(
            &env,
            "SELECT count(*) FROM card_prints WHERE kind = 'card' AND from_year = 2016 AND printed_by = 'wangfang' AND destination = '-'"
        ),
        1
    );
    assert_eq!(
        one(
            &env,
            &format!(
                "SELECT count(*) FROM audit WHERE action = 'card.print' AND subject = 'person:{ZHANG}'"
            )
        ),
        1
    );
    env.run(["audit", "verify"]).expect(0);
}

#[test]
fn r2_1_a_short_year_on_the_card_is_short_in_check_too() {
    let env = zhang();
    let (out, text) = card_text(&env, &[ZHANG, "--year", "2015"]);
    out.expect(0);
    let (code, v) = env.check_json(ZHANG, &["--from", "2015", "--to", "2015"]);
    assert_eq!(code, 1, "2015 is short");
    assert_eq!(
        v["years"][0]["shortfalls"],
        serde_json::json!(["public", "professional", "total"])
    );
    assert!(text.contains("结    论：未达年度学时要求"), "{text}");
    assert!(text.contains("公需科目不足：0 < 30（R2.1）"), "{text}");
    assert!(text.contains("专业科目不足：40 < 60（R2.1）"), "{text}");
    assert!(text.contains("合计不足：40 < 90（R2.1）"), "{text}");
}

/// R5.2 A year with nothing registered still prints a card, which says so; standard error
/// tells the clerk too.
#[test]
fn r5_2_a_year_with_nothing_registered_prints_a_card_that_says_so() {
    let env = zhang();
    let (out, text) = card_text(&env, &[ZHANG, "--year", "2014"]);
    out.expect(0);
    assert!(text.contains("本年度没有已登记的培训记录"), "{text}");
    assert!(text.contains("合    计：0.0 学时"), "{text}");
    assert!(
        out.stderr.contains(&format!(
            "注意：张伟（{ZHANG}）2014 年度没有已登记的培训记录"
        )),
        "{out:?}"
    );
}

/// The default encoding is GB18030: the file decodes back without loss, no line is wider than
/// the configured columns as a GB printer counts them, and each card ends with a form feed.
#[test]
fn r5_4_gb18030_cards_fit_the_configured_width_and_decode_back() {
    let env = zhang();
    // A long unit, with middle dots a GB printer prints two columns wide.
    env.conn()
        .execute(
            "UPDATE people SET unit = '长沙·中南大学湘雅二医院·湖南省代谢性疾病临床医学研究中心·检验科·临床生化室'",
            [],
        )
        .unwrap();
    for width in [40usize, 60, 80, 136] {
        let config = env.write(
            &format!("config-{width}.toml"),
            &format!("[printer]\nwidth = {width}\n"),
        );
        let file = env.path(&format!("card-{width}.txt"));
        let out = env.run([
            "--config",
            config.to_str().unwrap(),
            "card",
            ZHANG,
            "--year",
            "2016",
            "--to",
            file.to_str().unwrap(),
        ]);
        out.expect(0);
        assert!(
            out.stderr.contains("已打印 张伟 2016 年度备案卡"),
            "{out:?}"
        );
        let bytes = std::fs::read(&file).unwrap();
        assert!(gb_widest(&bytes) <= width, "{width}");
        let (text, _, bad) = encoding_rs::GB18030.decode(&bytes);
        assert!(!bad);
        assert!(text.contains(TITLE));
        assert!(text.ends_with("\n\u{c}"), "{text:?}");
        let joined: String = text.lines().map(str::trim).collect();
        assert!(joined.contains("检验科·临床生化室"), "{width}: {text}");
    }
    assert_eq!(one(&env, "SELECT count(*) FROM card_prints"), 4);
}

/// Every person of a unit: one card each, in the order of their names, a form feed after each;
/// the person of another unit is not among them.
#[test]
fn r5_4_a_units_cards_print_as_one_document_in_a_stable_order() {
    let env = Env::new();
    env.people(&[(ZHANG, "张伟"), (LI, "李娜"), (WANG, "王芳")]);
    env.import_ok(
        "people",
        "other.csv",
        &format!(
            "{PEOPLE_HEADER}\n{ZHAO},赵敏,湖南省人民医院,省直单位,省直,主任医师,正高,0731-1\n"
        ),
        &[],
    );
    env.registered(&full_year(LI, 2016));
    let (out, text) = card_text(&env, &["--unit", "湖南师范大学", "--year", "2016"]);
    out.expect(0);
    assert_eq!(text.matches(TITLE).count(), 3, "{text}");
    assert_eq!(text.matches('\u{c}').count(), 3);
    let order: Vec<&str> = text
        .lines()
        .filter_map(|l| l.trim().strip_prefix("姓    名："))
        .collect();
    let mut sorted = order.clone();
    sorted.sort();
    assert_eq!(order, sorted, "by name");
    assert_eq!(order.len(), 3);
    assert!(!text.contains("赵敏"));
    assert_eq!(one(&env, "SELECT count(*) FROM card_prints"), 3);
    // The same again gives the same document.
    let (_, again) = card_text(&env, &["--unit", "湖南师范大学", "--year", "2016"]);
    assert_eq!(again, text);
}

#[test]
fn r5_4_a_verification_batchs_cards() {
    let env = Env::new();
    env.people(&[(ZHANG, "张伟"), (LI, "李娜"), (WANG, "王芳")]);
    let cfg = env.write(
        "office.toml",
        "[office]\nname = \"省直\"\nphone = \"0731-84900000\"\n",
    );
    let file = env.write("applicants.csv", &format!("身份证号\n{ZHANG}\n{LI}\n"));
    env.import(
        "applicants",
        &file,
        &["--batch", "湖南师范大学", "--config", cfg.to_str().unwrap()],
    )
    .expect(0);
    let (out, text) = card_text(&env, &["--batch", "1", "--year", "2016"]);
    out.expect(0);
    assert_eq!(text.matches(TITLE).count(), 2, "{text}");
    assert!(text.contains("张伟") && text.contains("李娜") && !text.contains("王芳"));
    let (out, _) = card_text(&env, &["--batch", "9", "--year", "2016"]);
    out.expect(2);
    assert!(out.stderr.contains("没有编号为 9 的验证批次"), "{out:?}");
}

/// Refusals name what was wrong and what is expected, in both languages, exit 2, and print and
/// record nothing.
#[test]
fn refusals_are_clear_and_print_nothing() {
    let env = zhang();
    let before = one(&env, "SELECT count(*) FROM audit");
    let cases: [(&[&str], &str, &str); 4] = [
        (
            &[STRANGER, "--year", "2016"],
            "数据库中没有身份证号为430102198503150022的人员",
            "no person with ID number 430102198503150022",
        ),
        (
            &["--unit", "长沙市第九医院", "--year", "2016"],
            "没有单位为“长沙市第九医院”的人员",
            "nobody's unit is \"长沙市第九医院\"",
        ),
        (
            &[ZHANG, "--year", "216"],
            "年度 216 不在 1980–2017 之内",
            "year 216 is outside 1980–2017",
        ),
        (
            &[ZHANG, "--year", "2016", "--encoding", "latin1"],
            "--encoding 的值“latin1”无法识别，应为 utf-8 / gb18030",
            "--encoding \"latin1\" is not known, expected utf-8 / gb18030",
        ),
    ];
    for (args, zh, en) in cases {
        let mut all = vec!["card"];
        all.extend_from_slice(args);
        all.extend_from_slice(&["--to", "-"]);
        let out = env.run(&all);
        out.expect(2);
        assert!(out.stderr.contains(zh), "{out:?}");
        assert!(out.stdout.is_empty(), "{out:?}");
        let mut en_args = vec!["--lang", "en"];
        en_args.extend_from_slice(&all);
        let out = env.run(&en_args);
        out.expect(2);
        assert!(out.stderr.contains(en), "{out:?}");
    }
    // No year: clap says which option is missing.
    let out = env.run(["card", ZHANG, "--to", "-"]);
    out.expect(2);
    assert!(out.stderr.contains("--year"), "{out:?}");
    assert_eq!(one(&env, "SELECT count(*) FROM card_prints"), 0);
    assert_eq!(one(&env, "SELECT count(*) FROM audit"), before);
}

/// Text stored before cleaning existed (an old row, a direct edit) reaches the printer clean.
#[test]
fn r5_4_escape_sequences_in_stored_text_are_printed_clean() {
    let env = zhang();
    env.conn()
        .execute(
            "UPDATE entries SET content = '临床' || char(27) || '[2J新进展' || char(7),
                                provider = '湖南' || char(27) || ']0;x' || char(7) || '基地'
             WHERE content = '临床新进展'",
            [],
        )
        .unwrap();
    let (out, text) = card_text(&env, &[ZHANG, "--year", "2016"]);
    out.expect(0);
    assert!(
        text.contains("临床[2J新进展") || text.contains("临床新进展"),
        "{text}"
    );
    assert!(
        !text
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\u{c}'),
        "{text:?}"
    );
}

/// The registration page over the default period (2012–2016 on 2017-07-15): every year with
/// its entries and check's totals, one print record and audit row.
#[test]
fn r5_4_the_register_page_agrees_with_check_for_every_year() {
    let env = zhang();
    let out = env.run(["register-page", ZHANG, "--out", "-", "--encoding", "utf-8"]);
    out.expect(0);
    let text = &out.stdout;
    assert!(
        text.contains("湖南省专业技术人员继续教育登记证书"),
        "{text}"
    );
    assert!(text.contains("（登记页 2012—2016 年度）"), "{text}");
    let (_, v) = env.check_json(ZHANG, &[]);
    let totals: Vec<f64> = text
        .lines()
        .filter_map(|l| l.trim().strip_prefix("本年度合计："))
        .map(|l| {
            let at = l.find("合计 ").unwrap() + "合计 ".len();
            l[at..].split('　').next().unwrap().parse().unwrap()
        })
        .collect();
    let expected: Vec<f64> = v["years"]
        .as_array()
        .unwrap()
        .iter()
        .map(|y| y["total"].as_f64().unwrap())
        .collect();
    assert_eq!(totals, expected);
    assert!(text.contains("影像诊断进展") && text.contains("临床新进展"));
    assert!(!text.contains("未登记的讲座"));
    assert_eq!(
        one(
            &env,
            "SELECT count(*) FROM card_prints WHERE kind = 'register' AND from_year = 2012 AND to_year = 2016"
        ),
        1
    );
    assert_eq!(
        one(
            &env,
            "SELECT count(*) FROM audit WHERE action = 'register.print'"
        ),
        1
    );
    // A chosen period, and one that runs backwards.
    let out = env.run([
        "register-page",
        ZHANG,
        "--from",
        "2015",
        "--to",
        "2016",
        "--out",
        "-",
        "--encoding",
        "utf-8",
    ]);
    out.expect(0);
    assert!(out.stdout.contains("（登记页 2015—2016 年度）"), "{out:?}");
    let out = env.run([
        "--lang",
        "en",
        "register-page",
        ZHANG,
        "--from",
        "2016",
        "--to",
        "2015",
        "--out",
        "-",
    ]);
    out.expect(2);
    assert!(
        out.stderr.contains("2016") && out.stderr.contains("2015"),
        "{out:?}"
    );
}

/// On the province's pre-printed cards only the variable fields, at their configured places;
/// the alignment page shows every place.
#[test]
fn r5_4_preprinted_cards_and_their_alignment_page() {
    let env = zhang();
    let config = env.write(
        "preprinted.toml",
        "[preprinted_card]\nline_offset = 1\nname = { line = 6, col = 20 }\n",
    );
    let out = env.run([
        "--config",
        config.to_str().unwrap(),
        "card",
        ZHANG,
        "--year",
        "2016",
        "--layout",
        "preprinted",
        "--to",
        "-",
        "--encoding",
        "utf-8",
    ]);
    out.expect(0);
    let text = &out.stdout;
    assert!(!text.contains(TITLE), "no pre-printed words: {text}");
    let line = text.lines().nth(6).unwrap_or_default();
    assert_eq!(line, format!("{}张伟", " ".repeat(19)), "{text}");
    assert!(
        text.contains("60.5") && text.contains("符合年度学时要求"),
        "{text}"
    );
    let out = env.run(["card", "--alignment", "--to", "-", "--encoding", "utf-8"]);
    out.expect(0);
    for label in ["[姓名]", "[身份证号]", "[培训内容]", "[学时]", "[结论]"] {
        assert!(out.stdout.contains(label), "{label}: {out:?}");
    }
    assert_eq!(
        one(&env, "SELECT count(*) FROM card_prints"),
        1,
        "the test page is no card"
    );
}
