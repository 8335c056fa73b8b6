//! The report screen (issue 11) driven on `TestBackend` at 80×24, as a clerk would: the
//! figures it shows against the command line's report, the drill-down to a person short of
//! R2.1 and back, the year, `NO_COLOR`, and the file `w` writes.

use ratatui::crossterm::event::KeyCode;
use ratatui::style::{Color, Modifier};

use crate::i18n::Lang;
use crate::service::fixtures::{ZHANG, actor, source, store_with, table};
use crate::service::import;
use crate::service::report::{self, AnnualQuery, Line};
use crate::store::Store;
use crate::store::reference::Reference;
use crate::tui::testing::Driver;

const WANG: &str = "430102198001010011";
const ZHAO: &str = "430102198102020024";
const LIU: &str = "430302198304040040";
const CHEN: &str = "430102198405050052";

/// Known counts for 2016 (R2.1: public ≥ 30, professional ≥ 60, total ≥ 90):
/// - 长沙, 市州所属单位, 长沙市第一医院: 张伟 30 + 60 registered, meets; 王强 60
///   professional only, short of public and total; 赵敏 30 public, and 20 professional
///   recorded but not reviewed (1 pending), short of professional and total.
/// - 湘潭, 非公企业和其他组织: 刘洋, nothing, short of all three.
/// - 省直, 省直单位: 陈静 30 + 60, meets.
fn known() -> Store {
    let mut store = store_with(&[]);
    let a = actor("clerk");
    import::people(
        &mut store,
        &a,
        &table(
            "身份证号,姓名,单位,单位类型,市州",
            &[
                &format!("{WANG},王强,长沙市第一医院,市州所属单位,长沙"),
                &format!("{ZHAO},赵敏,长沙市第一医院,市州所属单位,长沙"),
                &format!("{LIU},刘洋,湘潭华菱钢铁有限公司,非公企业和其他组织,湘潭"),
                &format!("{CHEN},陈静,湖南省人民医院,省直单位,省直"),
            ],
        ),
        &source(),
        false,
    )
    .unwrap();
    let head =
        "身份证号,科目类别,学习形式,培训内容,施教机构,开始日期,结束日期,学时,考核结果,已交材料";
    let public = "公需,培训班,保密意识和保密常识教育,湖南师范大学,2016-05-10,2016-05-12,30,合格,";
    let pro = |h: u32| {
        format!(
            "专业,远程教育,临床新进展,湖南人才市场有限公司,2016-04-01,2016-04-30,{h},合格,学习证明材料"
        )
    };
    let registered = [
        format!("{ZHANG},{public}"),
        format!("{ZHANG},{}", pro(60)),
        format!("{WANG},{}", pro(60)),
        format!("{ZHAO},{public}"),
        format!("{CHEN},{public}"),
        format!("{CHEN},{}", pro(60)),
    ];
    let rows: Vec<&str> = registered.iter().map(String::as_str).collect();
    import::entries(&mut store, &a, &table(head, &rows), &source(), true, false).unwrap();
    let recorded = format!("{ZHAO},{}", pro(20));
    import::entries(
        &mut store,
        &a,
        &table(head, &[&recorded]),
        &source(),
        false,
        false,
    )
    .unwrap();
    store
}

/// The demo's 120 people: every city of Hunan, entries over several years.
fn demo() -> Store {
    let mut store = Store::open_in_memory().unwrap();
    crate::service::demo::generate(&mut store, &actor("demo"), 120, 11).unwrap();
    store
}

/// The row under the cursor (drawn in reverse video), as text.
fn cursor_row(d: &Driver) -> String {
    let buf = d.term.backend().buffer();
    let screen = d.screen();
    let rows: Vec<&str> = screen.lines().collect();
    (0..buf.area.height)
        .find(|&y| buf[(1, y)].modifier.contains(Modifier::REVERSED))
        .and_then(|y| rows.get(y as usize).map(|r| r.to_string()))
        .unwrap_or_default()
}

/// The list row naming `name` (its first cell), split into its words.
fn row_of(d: &Driver, name: &str) -> Vec<String> {
    let screen = d.screen();
    let line = screen
        .lines()
        .find(|l| l.trim_start_matches('│').starts_with(name))
        .unwrap_or_else(|| panic!("no row {name}:\n{screen}"));
    line.trim_matches('│')
        .split_whitespace()
        .map(str::to_string)
        .collect()
}

/// The figures as `report annual` counts them (the command line streams the same lines):
/// people, meeting, short of public / professional / total, hours, pending.
fn cells(f: &report::Figures) -> Vec<String> {
    vec![
        f.people.to_string(),
        f.meeting.to_string(),
        f.short_public.to_string(),
        f.short_professional.to_string(),
        f.short_total.to_string(),
        crate::export::one_decimal(f.hours()),
        f.pending.to_string(),
    ]
}

/// Issue 11: every city row, and the province's total, show the figures of the command line's
/// report for the same data and year — in the default year (the clock's, 2017) and after `[`.
#[test]
fn r2_1_the_city_rows_are_the_command_line_reports_figures_in_each_year() {
    let store = demo();
    let reference = Reference::load(&store).unwrap();
    let lines = |year: i32| {
        let mut out = Vec::new();
        let q = AnnualQuery {
            year,
            city_code: None,
            unit_kind: None,
        };
        report::annual(store.conn(), &reference, &q, &mut |_, _| {}, &mut |l| {
            out.push(l);
            Ok(())
        })
        .unwrap();
        out
    };
    let (l2017, l2016) = (lines(2017), lines(2016));
    let mut d = Driver::new(demo(), Lang::Zh);
    d.key(KeyCode::Char('5'));
    for (year, lines) in [(2017, &l2017), (2016, &l2016)] {
        if year == 2016 {
            d.key(KeyCode::Char('['));
        }
        assert!(
            // Tester's fault 6: 14 cities and the provincial office, not "15 cities".
            d.shows(&format!("{year} 年度完成情况 · 全省 14 个市州及省直 ")),
            "{}",
            d.screen()
        );
        let mut cities = 0;
        for line in lines {
            match line {
                Line::CityTotal(g) => {
                    let short = reference
                        .office_by_code(&g.city_code)
                        .unwrap()
                        .short
                        .clone();
                    assert_eq!(
                        row_of(&d, &short)[1..8],
                        cells(&g.figures),
                        "{year} {short}"
                    );
                    cities += 1;
                }
                Line::Total(f) => assert_eq!(row_of(&d, "全省合计")[1..8], cells(f), "{year}"),
                _ => {}
            }
        }
        assert_eq!(cities, 15);
    }
    // The years differ, so the screen changed with the year.
    assert_ne!(l2016.last(), l2017.last());
}

/// R2.1 Known counts at each level, the drill-down from 长沙 to the people short of its
/// hospital, Enter opening one as from People, and Esc back up with the cursor where it was.
#[test]
fn r2_1_drill_down_to_a_person_short_and_back_keeping_the_cursor() {
    let mut d = Driver::new(known(), Lang::Zh);
    d.key(KeyCode::Char('5')).key(KeyCode::Char('['));
    assert_eq!(
        row_of(&d, "长沙")[1..8],
        ["3", "1", "1", "1", "2", "180.0", "1"]
    );
    assert_eq!(
        row_of(&d, "湘潭")[1..8],
        ["1", "0", "1", "1", "1", "0.0", "0"]
    );
    assert_eq!(
        row_of(&d, "省直")[1..8],
        ["1", "1", "0", "0", "0", "90.0", "0"]
    );
    assert_eq!(
        row_of(&d, "全省合计")[1..8],
        ["5", "2", "2", "2", "3", "270.0", "1"]
    );
    insta::assert_snapshot!("report_cities_zh", d.screen());

    d.key(KeyCode::Char('j'));
    assert!(cursor_row(&d).contains("长沙"), "{}", d.screen());
    d.key(KeyCode::Enter);
    assert!(
        d.shows("2016 年度 · 长沙 · 单位类型 1 类"),
        "{}",
        d.screen()
    );
    assert_eq!(
        row_of(&d, "市州单位")[1..8],
        ["3", "1", "1", "1", "2", "180.0", "1"]
    );
    d.key(KeyCode::Enter);
    assert!(d.shows("长沙 · 市州单位 · 1 个单位"), "{}", d.screen());
    assert_eq!(
        row_of(&d, "长沙市第一医院")[1..8],
        ["3", "1", "1", "1", "2", "180.0", "1"]
    );
    d.key(KeyCode::Enter);
    assert!(d.shows("长沙市第一医院 · 未达标 2 人"), "{}", d.screen());
    insta::assert_snapshot!("report_short_zh", d.screen());
    assert_eq!(
        row_of(&d, "王强")[1..],
        [WANG, "0.0", "60.0", "60.0", "公需、合计", "0"]
    );
    assert_eq!(
        row_of(&d, "赵敏")[1..],
        [ZHAO, "30.0", "0.0", "30.0", "专业、合计", "1"]
    );
    assert!(!d.shows("张伟"), "张伟 meets R2.1:\n{}", d.screen());

    d.key(KeyCode::Char('j'));
    assert!(cursor_row(&d).contains("赵敏"), "{}", d.screen());
    d.key(KeyCode::Enter);
    assert!(
        d.shows(&format!("┌ 赵敏 {ZHAO}")),
        "the person screen:\n{}",
        d.screen()
    );
    d.key(KeyCode::Esc);
    assert!(cursor_row(&d).contains("赵敏"), "{}", d.screen());
    d.key(KeyCode::Esc).key(KeyCode::Esc).key(KeyCode::Esc);
    assert!(d.shows("2016 年度完成情况"), "{}", d.screen());
    assert!(
        cursor_row(&d).contains("长沙"),
        "the cursor kept:\n{}",
        d.screen()
    );
}

/// The year: the clock's by default, `[` `<` back and `]` `>` forward; changed on a level
/// below, the levels above follow when the clerk goes back up to them.
#[test]
fn the_year_changes_with_its_keys_on_every_level() {
    let mut d = Driver::new(known(), Lang::En);
    d.key(KeyCode::Char('5'));
    assert!(
        // 长沙, 湘潭 and the provincial office, which is not a city (tester's fault 6).
        d.shows("Completion 2017 · Hunan · cities: 2 and 省直 "),
        "{}",
        d.screen()
    );
    // Nothing registered in 2017: nobody meets R2.1.
    assert_eq!(row_of(&d, "Hunan")[1..3], ["5", "0"]);
    assert!(
        d.shows("│2017: public ≥ 30, professional ≥ 60, total ≥ 90 h; one may miss several"),
        "{}",
        d.screen()
    );
    d.key(KeyCode::Char('<')).key(KeyCode::Char('['));
    assert!(d.shows("Completion 2015"), "{}", d.screen());
    d.key(KeyCode::Char('>'));
    assert!(d.shows("Completion 2016"), "{}", d.screen());
    assert_eq!(row_of(&d, "Hunan")[1..3], ["5", "2"]);
    // Into 长沙's hospital, then to 2017 there: 张伟 is short too.
    d.key(KeyCode::Char('j'));
    d.key(KeyCode::Enter)
        .key(KeyCode::Enter)
        .key(KeyCode::Enter);
    assert!(
        d.shows("2016 · 长沙 · city · 长沙市第一医院 · short: 2"),
        "{}",
        d.screen()
    );
    d.key(KeyCode::Char(']'));
    assert!(
        d.shows("2017 · 长沙 · city · 长沙市第一医院 · short: 3"),
        "{}",
        d.screen()
    );
    assert!(d.shows("张伟"), "{}", d.screen());
    d.key(KeyCode::Esc);
    assert!(d.shows("2017 · 长沙 · city · units: 1"), "{}", d.screen());
    assert_eq!(row_of(&d, "长沙市第一医院")[1..3], ["3", "0"]);
    d.key(KeyCode::Esc).key(KeyCode::Esc);
    assert!(d.shows("Completion 2017"), "{}", d.screen());
    assert!(cursor_row(&d).contains("长沙"), "{}", d.screen());
}

/// English at 80×24: the cities with their bars, the footer naming the year keys and `w`.
#[test]
fn the_report_in_english_fits_80x24() {
    let mut d = Driver::new(known(), Lang::En);
    d.key(KeyCode::Char('5')).key(KeyCode::Char('['));
    insta::assert_snapshot!("report_cities_en", d.screen());
    let footer = d.screen().lines().last().unwrap_or_default().to_string();
    for hint in ["Enter drill down", "[ prev year", "] next year", "w export"] {
        assert!(footer.contains(hint), "{footer}");
    }
    for line in d.screen().lines() {
        assert!(crate::domain::text::width(line) <= 80, "{line}");
    }
}

/// NO_COLOR: the share meeting R2.1 is a bar of characters, as long as the share, and no cell
/// carries a colour; with colour the bar is the same characters, in green.
#[test]
fn no_color_draws_the_bars_as_characters() {
    let mut d = Driver::new(known(), Lang::Zh);
    d.key(KeyCode::Char('5')).key(KeyCode::Char('['));
    // 长沙: 1 of 3 → 6 cells × ⅓ = 2 cells; 湘潭: none; 省直: all.
    assert!(
        row_of(&d, "长沙").join(" ").ends_with("1 ██ 33%"),
        "{}",
        d.screen()
    );
    assert!(
        row_of(&d, "湘潭").join(" ").ends_with("0 0%"),
        "{}",
        d.screen()
    );
    assert!(
        row_of(&d, "省直")
            .join(" ")
            .ends_with(&format!("{} 100%", "█".repeat(6)))
    );
    let buf = d.term.backend().buffer();
    assert!(
        buf.content()
            .iter()
            .all(|c| c.fg == Color::Reset && c.bg == Color::Reset),
        "a colour under NO_COLOR"
    );
    let plain = d.screen();
    d.app.theme = crate::tui::theme::Theme::colour();
    d.draw();
    assert_eq!(d.screen(), plain, "the same characters with colour");
    let buf = d.term.backend().buffer();
    assert!(
        buf.content()
            .iter()
            .any(|c| c.symbol() == "█" && c.fg == Color::Green)
    );
}

/// While a level is being counted the title says 检索中… and the line under the table says
/// what is counted and that keys still work; the figures come when the read lands.
#[test]
fn a_level_being_counted_says_so_and_keys_still_work() {
    use crate::tui::worker::testing::Hold;
    let mut d = Driver::new(known(), Lang::Zh);
    d.wait = false;
    d.app.jobs().hold_next(Hold::UntilReleased);
    d.key(KeyCode::Char('5'));
    assert!(d.app.jobs().wait_held());
    d.draw();
    assert!(d.shows("检索中…"), "{}", d.screen());
    assert!(d.shows("正在统计全省 2017 年度"), "{}", d.screen());
    d.key(KeyCode::Char('?'));
    assert!(
        d.shows("任意键关闭"),
        "help opens meanwhile:\n{}",
        d.screen()
    );
    d.key(KeyCode::Char('x'));
    d.app.jobs().release();
    d.wait = true;
    d.draw();
    assert!(!d.shows("检索中…"), "{}", d.screen());
    assert_eq!(row_of(&d, "全省合计")[1..2], ["5"]);
}

/// `w` writes the level shown through the command line's writer: the cities' level is the
/// whole report, byte for byte what `report annual --year 2016 --format csv` writes; an
/// existing file is never overwritten; the people short of a unit go to a sheet of their own,
/// ID numbers as text; `.xlsx` makes a workbook.
#[test]
fn w_writes_the_level_shown_as_the_command_line_writes_it() {
    use crate::export::{CsvEncoding, CsvSink, Sink};
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("全省.csv");
    let mut d = Driver::new(known(), Lang::Zh);
    d.key(KeyCode::Char('5')).key(KeyCode::Char('['));
    d.key(KeyCode::Char('w'));
    assert!(
        d.shows("将2016年度完成情况（全省）写入文件"),
        "{}",
        d.screen()
    );
    assert!(d.shows("~/jijiao-年度完成情况-2016.csv"), "{}", d.screen());
    d.ctrl('u')
        .paste(&csv.display().to_string())
        .key(KeyCode::Enter);
    assert!(
        d.shows("2016年度完成情况，5 人，达标 2 人"),
        "{}",
        d.screen()
    );
    let written = std::fs::read(&csv).unwrap();
    // The command line's path: the same sink, the same sheet.
    let store = known();
    let reference = Reference::load(&store).unwrap();
    let mut expected = Vec::new();
    {
        let mut sink: Box<dyn Sink> =
            Box::new(CsvSink::new(&mut expected, CsvEncoding::default(), Lang::Zh, false).unwrap());
        let q = AnnualQuery {
            year: 2016,
            city_code: None,
            unit_kind: None,
        };
        report::write_annual(
            store.conn(),
            &reference,
            &q,
            Lang::Zh,
            sink.as_mut(),
            &mut |_, _| {},
        )
        .unwrap();
        sink.finish().unwrap();
    }
    assert_eq!(written, expected);
    let text = String::from_utf8(written.clone()).unwrap();
    assert!(text.starts_with("\u{feff}汇总级别,市州"), "{text}");
    assert!(
        text.contains("市州小计,长沙市,,,3,1,2,1,1,2,0,60.0,120.0,180.0,1"),
        "{text}"
    );

    // Again to the same name: refused, the file as it was.
    d.key(KeyCode::Char('w'))
        .ctrl('u')
        .paste(&csv.display().to_string());
    d.key(KeyCode::Enter);
    assert!(d.shows("已存在，未覆盖"), "{}", d.screen());
    assert_eq!(std::fs::read(&csv).unwrap(), written);

    // The people short of 长沙市第一医院, as a workbook.
    let xlsx = dir.path().join("short.xlsx");
    d.key(KeyCode::Char('j'));
    d.key(KeyCode::Enter)
        .key(KeyCode::Enter)
        .key(KeyCode::Enter);
    d.key(KeyCode::Char('w'));
    assert!(
        d.shows("将2016年度未达标人员（长沙 · 市州单位 · 长沙市第一医院）"),
        "{}",
        d.screen()
    );
    d.ctrl('u')
        .paste(&xlsx.display().to_string())
        .key(KeyCode::Enter);
    assert!(d.shows("2016年度未达标 2 人"), "{}", d.screen());
    use calamine::{Data, Reader, Xlsx, open_workbook};
    let mut book: Xlsx<_> = open_workbook(&xlsx).unwrap();
    let sheet = book.worksheet_range_at(0).unwrap().unwrap();
    let rows: Vec<Vec<Data>> = sheet.rows().map(|r| r.to_vec()).collect();
    assert_eq!(rows.len(), 3, "{rows:?}");
    assert_eq!(rows[1][0], Data::String("王强".into()));
    assert_eq!(
        rows[1][1],
        Data::String(WANG.into()),
        "the ID number is text"
    );
    assert_eq!(rows[2][8], Data::String("专业、合计".into()));
    assert_eq!(rows[2][9], Data::Float(1.0));

    // Esc on the question writes nothing.
    d.key(KeyCode::Char('w')).key(KeyCode::Esc);
    assert!(d.shows("已取消，没有导出"), "{}", d.screen());
}

/// R5.1 The figures follow the clerk's decisions: registering 赵敏's 20 professional hours on
/// the review queue shows on the report when the clerk comes back to it (read on the worker),
/// and `u` there undoes it and the report shows the figures from before (read at once on the
/// clerk's connection, never from the level read before the undo).
#[test]
fn r5_1_the_figures_follow_a_registration_and_its_undo() {
    let mut d = Driver::new(known(), Lang::Zh);
    d.key(KeyCode::Char('5')).key(KeyCode::Char('['));
    assert_eq!(
        row_of(&d, "长沙")[1..8],
        ["3", "1", "1", "1", "2", "180.0", "1"]
    );
    d.key(KeyCode::Char('2'))
        .key(KeyCode::Char('s'))
        .key(KeyCode::Char('r'));
    if d.shows("(y") {
        d.key(KeyCode::Char('y'));
    }
    assert!(d.shows("已登记 1 条"), "{}", d.screen());
    d.key(KeyCode::Char('5'));
    // 赵敏 still short of professional (50 < 60) and total (80 < 90); nothing pending now.
    assert_eq!(
        row_of(&d, "长沙")[1..8],
        ["3", "1", "1", "1", "2", "200.0", "0"]
    );
    d.key(KeyCode::Char('u'));
    assert_eq!(
        row_of(&d, "长沙")[1..8],
        ["3", "1", "1", "1", "2", "180.0", "1"],
        "{}",
        d.screen()
    );
}

/// The units level shows only the share beside each unit: its heading stands apart from the
/// pending column in both languages, and every heading has a column of figures under it
/// (a tester read `待审达标` and `pend. meet` run together).
#[test]
fn the_units_levels_headings_stand_apart_in_both_languages() {
    for (lang, pending, share) in [(Lang::Zh, "待审", "达标率"), (Lang::En, "pend.", "meet")] {
        let mut d = Driver::new(known(), lang);
        d.key(KeyCode::Char('5')).key(KeyCode::Char('['));
        d.key(KeyCode::Char('j'))
            .key(KeyCode::Enter)
            .key(KeyCode::Enter);
        let screen = d.screen();
        let head = screen
            .lines()
            .find(|l| l.contains(pending) && l.contains(share))
            .unwrap_or_else(|| panic!("no heading with {pending} and {share}:\n{screen}"));
        let words: Vec<&str> = head
            .trim_matches(|c| c == '│' || c == ' ')
            .split_whitespace()
            .collect();
        assert!(
            words.ends_with(&[pending, share]),
            "{share} runs into {pending}: {head}"
        );
        let row = row_of(&d, "长沙市第一医院");
        assert_eq!(row.len(), words.len(), "{head}\n{row:?}");
    }
}

/// Leaving tab 5 and coming back finds the drill-down where the clerk left it: the level, the
/// cursor and the year (tester's fault: it started again at the cities). A person opened from
/// the people short is closed by the switch, as People closes an open person; the level under
/// them stays.
#[test]
fn the_drill_down_level_and_cursor_are_kept_across_tab_switches() {
    let mut d = Driver::new(known(), Lang::Zh);
    d.key(KeyCode::Char('5')).key(KeyCode::Char('['));
    d.key(KeyCode::Char('j'));
    assert!(cursor_row(&d).contains("长沙"), "{}", d.screen());
    d.key(KeyCode::Enter)
        .key(KeyCode::Enter)
        .key(KeyCode::Enter);
    d.key(KeyCode::Char('j'));
    assert!(d.shows("长沙市第一医院 · 未达标 2 人"), "{}", d.screen());
    assert!(cursor_row(&d).contains("赵敏"), "{}", d.screen());

    d.key(KeyCode::Char('1'));
    assert!(!d.shows("未达标 2 人"), "People is shown:\n{}", d.screen());
    d.key(KeyCode::Char('5'));
    assert!(
        d.shows("2016 年度 · 长沙 · 市州单位 · 长沙市第一医院 · 未达标 2 人"),
        "the same level and year:\n{}",
        d.screen()
    );
    assert!(cursor_row(&d).contains("赵敏"), "{}", d.screen());

    // The person screen above the level goes with the switch; the level stays.
    d.key(KeyCode::Enter);
    assert!(d.shows(&format!("┌ 赵敏 {ZHAO}")), "{}", d.screen());
    d.key(KeyCode::Tab).key(KeyCode::Char('5'));
    assert!(d.shows("长沙市第一医院 · 未达标 2 人"), "{}", d.screen());
    assert!(cursor_row(&d).contains("赵敏"), "{}", d.screen());

    // Up a level, away and back: the units of 市州单位, then the cities, cursors kept.
    d.key(KeyCode::Esc);
    assert!(d.shows("长沙 · 市州单位 · 1 个单位"), "{}", d.screen());
    d.key(KeyCode::Char('2')).key(KeyCode::Char('5'));
    assert!(d.shows("长沙 · 市州单位 · 1 个单位"), "{}", d.screen());
    assert!(cursor_row(&d).contains("长沙市第一医院"), "{}", d.screen());
    d.key(KeyCode::Esc).key(KeyCode::Esc);
    assert!(d.shows("2016 年度完成情况"), "{}", d.screen());
    assert!(cursor_row(&d).contains("长沙"), "{}", d.screen());
    // Esc on the cities stays on the cities.
    d.key(KeyCode::Esc);
    assert!(d.shows("2016 年度完成情况"), "{}", d.screen());
}

/// Issue 10/11: a city's kinds of unit, drilled into on the screen, show the subtotals the
/// command line's report sums person by person (the screen reads them from the kept figures),
/// in English as in Chinese, for the city with the most kinds.
#[test]
fn r2_1_the_kinds_of_a_city_are_the_command_line_reports_subtotals() {
    let store = demo();
    let reference = Reference::load(&store).unwrap();
    let q = AnnualQuery {
        year: 2017,
        city_code: None,
        unit_kind: None,
    };
    let mut kinds: Vec<report::Group> = Vec::new();
    report::annual(store.conn(), &reference, &q, &mut |_, _| {}, &mut |l| {
        if let Line::KindTotal(g) = l {
            kinds.push(g);
        }
        Ok(())
    })
    .unwrap();
    let cities: Vec<String> = reference.offices.iter().map(|o| o.code.clone()).collect();
    let city = cities
        .iter()
        .max_by_key(|c| kinds.iter().filter(|g| &g.city_code == *c).count())
        .unwrap();
    let of_city: Vec<&report::Group> = kinds.iter().filter(|g| &g.city_code == city).collect();
    assert!(of_city.len() >= 3, "{of_city:?}");
    let short = reference.office_by_code(city).unwrap().short.clone();
    for lang in [Lang::Zh, Lang::En] {
        let mut d = Driver::new(demo(), lang);
        d.key(KeyCode::Char('5'));
        while !cursor_row(&d).contains(&short) {
            d.key(KeyCode::Char('j'));
        }
        d.key(KeyCode::Enter);
        for g in &of_city {
            let label = match (g.unit_kind, lang) {
                (Some(crate::domain::UnitKind::Provincial), Lang::Zh) => "省直单位",
                (Some(crate::domain::UnitKind::City), Lang::Zh) => "市州单位",
                (Some(crate::domain::UnitKind::NonPublic), Lang::Zh) => "非公企业",
                (Some(crate::domain::UnitKind::Central), Lang::Zh) => "中央在湘",
                (Some(crate::domain::UnitKind::Provincial), Lang::En) => "province",
                (Some(crate::domain::UnitKind::City), Lang::En) => "city",
                (Some(crate::domain::UnitKind::NonPublic), Lang::En) => "non-pub.",
                (Some(crate::domain::UnitKind::Central), Lang::En) => "central",
                (None, _) => unreachable!("a kind subtotal names its kind"),
            };
            assert_eq!(
                row_of(&d, label)[1..8],
                cells(&g.figures),
                "{lang:?} {short} {label}:\n{}",
                d.screen()
            );
        }
    }
}
