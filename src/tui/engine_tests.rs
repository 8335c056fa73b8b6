//! Issue 10: the list engine and its worker, driven through the real `App` as a clerk would:
//! typing over a query that is still out, another clerk's commit arriving through the worker
//! while keys are answered, the bytes a terminal receives per `j`, and the cursor keeping its
//! row when the list changes under it.

use ratatui::crossterm::event::KeyCode;

use crate::i18n::Lang;
use crate::service::fixtures::{actor, source, store_with, table};
use crate::store::Store;
use crate::tui::testing::Driver;
use crate::tui::worker::testing::Hold;

const PEOPLE: &str = "身份证号,姓名,单位,单位类型,市州";
const LI: &str = "430102198001010011,李娜,长沙市第一医院,市州所属单位,长沙";
const WANG: &str = "430203199007200031,王芳,株洲市中心医院,市州所属单位,株洲";

fn import(store: &mut Store, rows: &[&str]) {
    crate::service::import::people(
        store,
        &actor("lijun"),
        &table(PEOPLE, rows),
        &source(),
        false,
    )
    .expect("import people");
}

/// 张伟 (from the fixture), 李娜 and 王芳, in that order by name.
fn three_people() -> Store {
    let mut store = store_with(&[]);
    import(&mut store, &[LI, WANG]);
    store
}

/// The person the cursor is on, as `Enter` opens them (then back to the list).
fn opened(d: &mut Driver) -> String {
    d.key(KeyCode::Enter);
    let title = d
        .screen()
        .lines()
        .find(|l| l.starts_with("┌ "))
        .unwrap_or_default()
        .to_string();
    d.key(KeyCode::Esc);
    title
}

/// Keys typed while a search is out appear in the field at once, the title says 检索中… over
/// the rows already shown, the held query is interrupted (and nobody is told of it), and only
/// the last query's rows ever reach the screen.
#[test]
fn typing_over_a_query_that_is_out_interrupts_it_and_shows_only_the_last() {
    let mut d = Driver::new(three_people(), Lang::Zh);
    assert!(d.shows("人员 3 人"), "{}", d.screen());
    d.key(KeyCode::Char('/'));
    d.wait = false;
    let mut frames = Vec::new();
    d.app.jobs().hold_next(Hold::UntilInterrupted);
    // `z` would find 张伟 alone (pinyin initials): its query is held on the worker.
    d.keys("z");
    assert!(d.app.jobs().wait_held(), "the query did not start");
    frames.push(d.screen());
    assert!(d.shows("搜索/ z"), "the key shows at once:\n{}", d.screen());
    assert!(d.shows("检索中…"), "{}", d.screen());
    assert!(
        d.shows("人员 3 人") && d.shows("李娜") && d.shows("王芳"),
        "the last results stay meanwhile:\n{}",
        d.screen()
    );
    // `w` for 王芳: the held query is superseded while it runs.
    d.key(KeyCode::Backspace);
    frames.push(d.screen());
    d.keys("w");
    frames.push(d.screen());
    assert!(d.shows("搜索/ w"), "{}", d.screen());
    d.wait = true;
    d.draw();
    frames.push(d.screen());
    assert_eq!(
        d.app.jobs().interrupted(),
        1,
        "the held query was interrupted"
    );
    assert!(d.shows("人员 1 人") && d.shows("王芳"), "{}", d.screen());
    assert!(!d.shows("检索中…"), "{}", d.screen());
    assert_eq!(d.app.message(), "", "an interruption is nobody's error");
    for f in &frames {
        assert!(
            !(f.contains("人员 1 人") && f.contains("张伟")),
            "the superseded query's rows reached the screen:\n{f}"
        );
    }
    d.key(KeyCode::Esc);
    assert!(opened(&mut d).contains("王芳"), "{}", d.screen());
}

/// Another clerk's commit (a second `Store` on the same file) reaches the screen through the
/// worker; a key pressed while that refresh is out is answered at once, and when the refresh
/// arrives the cursor is still on the person the clerk moved to.
#[test]
fn another_clerks_commit_arrives_through_the_worker_and_keys_are_answered_meanwhile() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shared.sqlite");
    {
        let mut store = Store::open(&path).unwrap();
        import(&mut store, &[LI, WANG]);
    }
    let mut d = Driver::new(Store::open(&path).unwrap(), Lang::Zh);
    assert!(d.shows("人员 2 人"), "{}", d.screen());
    let mut other = Store::open(&path).unwrap();
    import(
        &mut other,
        &["11010519491231002X,张伟,长沙市第一医院,市州所属单位,长沙"],
    );
    d.wait = false;
    d.app.jobs().hold_next(Hold::UntilReleased);
    assert!(d.app.tick(), "the commit is seen");
    assert!(d.app.jobs().wait_held());
    d.draw();
    assert!(d.shows("人员 2 人 检索中…"), "{}", d.screen());
    // Keys are answered while the refresh is out: the cursor moves, help opens and closes.
    d.key(KeyCode::Char('j'));
    d.key(KeyCode::Char('?'));
    assert!(d.shows("帮助") || d.shows("退出"), "{}", d.screen());
    d.key(KeyCode::Char('x'));
    assert!(d.app.jobs().holding(), "all this while the refresh was out");
    d.app.jobs().release();
    d.wait = true;
    d.draw();
    assert!(d.shows("人员 3 人") && d.shows("张伟"), "{}", d.screen());
    assert!(!d.shows("检索中…"), "{}", d.screen());
    // 张伟 came in above; the cursor stayed on 王芳, where `j` put it.
    assert!(opened(&mut d).contains("王芳"), "{}", d.screen());
}

/// R1.2 Clearing a People search leaves the cursor on the person it was on (issue 10.5), not
/// on the first row.
#[test]
fn clearing_a_search_keeps_the_cursor_on_its_person() {
    let mut d = Driver::new(three_people(), Lang::Zh);
    d.key(KeyCode::Char('/')).keys("wf");
    assert!(d.shows("人员 1 人"), "{}", d.screen());
    d.key(KeyCode::Esc).key(KeyCode::Esc);
    assert!(d.shows("人员 3 人"), "{}", d.screen());
    assert!(opened(&mut d).contains("王芳"), "{}", d.screen());
}

/// The bytes a terminal receives for each of `keys` typed one by one on People, frame after
/// frame through ratatui's diff (as `tui::run` draws).
fn bytes_per_key(store: Store, keys: usize) -> Vec<usize> {
    use ratatui::backend::CrosstermBackend;
    use std::io::Write;

    /// A writer that keeps what it is given, shared with the test.
    #[derive(Clone, Default)]
    struct Sink(std::rc::Rc<std::cell::RefCell<Vec<u8>>>);
    impl Write for Sink {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.borrow_mut().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut d = Driver::new(store, Lang::Zh);
    let sink = Sink::default();
    let backend = CrosstermBackend::new(sink.clone());
    let viewport = ratatui::Viewport::Fixed(ratatui::layout::Rect::new(0, 0, 80, 24));
    let mut term =
        ratatui::Terminal::with_options(backend, ratatui::TerminalOptions { viewport }).unwrap();
    term.draw(|f| d.app.render(f)).unwrap();
    let mut out = Vec::new();
    for _ in 0..keys {
        sink.0.borrow_mut().clear();
        d.key(KeyCode::Char('j'));
        term.draw(|f| d.app.render(f)).unwrap();
        out.push(sink.0.borrow().len());
    }
    out
}

/// Issue 10.4: 40 `j` from the top of a long list. Within a page a key redraws two rows; `j`
/// past the last row turns the page once per page (mutt), instead of shifting every row on
/// every key as the list did, so the keys average well under 1 KB.
#[test]
fn j_down_a_long_list_writes_two_rows_a_key_and_turns_the_page_once_a_page() {
    let mut store = Store::open_in_memory().unwrap();
    crate::service::demo::generate(&mut store, &actor("demo"), 120, 7).unwrap();
    let sizes = bytes_per_key(store, 40);
    let total: usize = sizes.iter().sum();
    let mut sorted = sizes.clone();
    sorted.sort_unstable();
    let median = sorted[sorted.len() / 2];
    // The keys that rewrote most of the list: one per page turned.
    let turns = sizes.iter().filter(|&&n| n > 4 * median).count();
    // Two rows of 80 cells with their colours: the one left and the one the cursor is on.
    assert!(median < 700, "a move within the page: {sizes:?}");
    assert!((2..=3).contains(&turns), "page turns: {sizes:?}");
    assert!(total / 40 < 1024, "average {} bytes: {sizes:?}", total / 40);
    // Scrolling by one row, as before, changed every row of the list on every key past the
    // first page: counted as the smallest page turn for each of those keys.
    let page = sizes.iter().position(|&n| n > 4 * median).unwrap_or(0) + 1;
    let turn = sizes
        .iter()
        .filter(|&&n| n > 4 * median)
        .min()
        .copied()
        .unwrap_or(0);
    let scrolled: usize = sizes[..page - 1].iter().sum::<usize>() + (40 - (page - 1)) * turn;
    assert!(total < scrolled, "{total} vs {scrolled}: {sizes:?}");
}

/// A demo database of `n` people (and their entries), in memory.
fn demo(n: u32) -> Store {
    let mut store = Store::open_in_memory().unwrap();
    crate::service::demo::generate(&mut store, &actor("demo"), n, 7).unwrap();
    store
}

/// The People list in its order, as ID numbers.
fn all_people(store: &Store) -> Vec<String> {
    use crate::store::search::{PeopleQuery, people};
    people(store.conn(), &PeopleQuery::default(), 0, 10_000)
        .unwrap()
        .into_iter()
        .map(|p| p.id_number)
        .collect()
}

/// The rows of the list on screen that hold one of `ids`, top to bottom, with the line.
fn listed<'a>(d: &Driver, ids: &'a [String]) -> Vec<(&'a str, String)> {
    d.screen()
        .lines()
        .filter_map(|l| {
            ids.iter()
                .find(|id| l.contains(id.as_str()))
                .map(|id| (id.as_str(), l.to_string()))
        })
        .collect()
}

/// Press `j` with the worker holding whatever it is sent, until a `j` goes past the page: that
/// read is then held on the worker (the keys after it are sent while it is out).
fn j_until_the_page_turns_held(d: &mut Driver) {
    // The page after this one is not read ahead, so the page turn is a read to hold.
    d.app.jobs().set_read_ahead(false);
    d.wait = false;
    for _ in 0..200 {
        d.app.jobs().hold_next(Hold::UntilReleased);
        d.key(KeyCode::Char('j'));
        if d.app.busy() {
            assert!(d.app.jobs().wait_held(), "the page read did not start");
            return;
        }
    }
    panic!("no page turn within 200 rows:\n{}", d.screen());
}

/// Tester's point 1: another clerk commits, this clerk presses a key before the next poll, and
/// the poll still reloads the list: the key does not absorb the commit.
#[test]
fn another_clerks_commit_is_not_absorbed_by_a_key_pressed_before_the_poll() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shared.sqlite");
    {
        let mut store = Store::open(&path).unwrap();
        import(&mut store, &[LI, WANG]);
    }
    let mut d = Driver::new(Store::open(&path).unwrap(), Lang::Zh);
    assert!(d.shows("人员 2 人"), "{}", d.screen());
    let mut other = Store::open(&path).unwrap();
    import(
        &mut other,
        &["11010519491231002X,张伟,长沙市第一医院,市州所属单位,长沙"],
    );
    d.key(KeyCode::Char('j'));
    assert!(d.shows("人员 2 人"), "no poll yet:\n{}", d.screen());
    assert!(d.app.tick(), "the commit is still seen after the key");
    d.draw();
    assert!(d.shows("人员 3 人") && d.shows("张伟"), "{}", d.screen());
    assert!(!d.app.tick(), "and seen once");
    // Showing another tab reads it after the last commit: the next poll finds nothing new.
    d.key(KeyCode::Char('2'));
    assert!(!d.app.tick(), "switching tabs reads after the last commit");
}

/// Tester's point 2 (`jt`): `t` typed while the next page is still being read marks the row
/// `j` went to, the first of the new page, and moves on from it; nothing is marked meanwhile.
#[test]
fn t_after_j_past_the_page_marks_the_row_of_the_new_page() {
    let store = demo(120);
    let all = all_people(&store);
    let mut d = Driver::new(store, Lang::Zh);
    j_until_the_page_turns_held(&mut d);
    let page: Vec<&str> = listed(&d, &all).into_iter().map(|(id, _)| id).collect();
    let left = *page.last().expect("a page");
    let at = all.iter().position(|id| id == left).unwrap();
    d.key(KeyCode::Char('t'));
    assert!(
        !d.shows("已标记"),
        "t acted on the row being left:\n{}",
        d.screen()
    );
    d.app.jobs().release();
    d.wait = true;
    d.draw();
    let marked: Vec<&str> = listed(&d, &all)
        .into_iter()
        .filter(|(_, l)| l.starts_with("│*"))
        .map(|(id, _)| id)
        .collect();
    assert_eq!(marked, [all[at + 1].as_str()], "{}", d.screen());
    assert!(d.shows("已标记 1 人"), "{}", d.screen());
    assert_eq!(listed(&d, &all)[0].0, all[at + 1], "the page turned");
    // `t` moved on: the cursor is on the row after the marked one.
    assert!(opened(&mut d).contains(&all[at + 2]), "{}", d.screen());
}

/// Tester's point 2 (`js`) on the review queue: `s` typed while the next page is read seals
/// (or refuses to seal, saying why) the entry `j` went to, not the one the cursor left, and the
/// page turn is kept.
#[test]
fn s_after_j_past_the_page_decides_on_the_row_of_the_new_page() {
    let store = demo(120);
    let mut d = Driver::new(store, Lang::Zh);
    d.key(KeyCode::Char('2'));
    // The line under the list that names the current entry: `name ID · content · dates`.
    let current = |d: &Driver| -> String {
        let s = d.screen();
        let lines: Vec<&str> = s.lines().collect();
        let bottom = lines.iter().rposition(|l| l.starts_with('└')).unwrap();
        lines[bottom - 2].trim_matches('│').trim().to_string()
    };
    let states = |d: &Driver| -> Vec<(i64, String)> {
        let conn = d.app.store().conn();
        let mut st = conn
            .prepare("SELECT id, state FROM entries ORDER BY id")
            .unwrap();
        st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    let before = states(&d);
    // The entry whose row is left, and the one `j` goes to (read first without holding).
    let left = {
        j_until_the_page_turns_held(&mut d);
        d.app.jobs().release();
        d.wait = true;
        d.draw();
        let gone_to = current(&d);
        d.key(KeyCode::Char('k'));
        (current(&d), gone_to)
    };
    let (left, gone_to) = left;
    assert_ne!(left, gone_to);
    d.app.jobs().hold_next(Hold::UntilReleased);
    d.wait = false;
    d.key(KeyCode::Char('j'));
    assert!(d.app.jobs().wait_held());
    d.key(KeyCode::Char('s'));
    assert_eq!(states(&d), before, "s acted before the page came");
    d.app.jobs().release();
    d.wait = true;
    d.draw();
    assert_eq!(
        current(&d),
        gone_to,
        "the page turn was kept:\n{}",
        d.screen()
    );
    assert!(d.app.message().starts_with("已初审"), "{}", d.app.message());
    let after = states(&d);
    let changed: Vec<i64> = before
        .iter()
        .zip(&after)
        .filter(|(a, b)| a != b)
        .map(|(a, _)| a.0)
        .collect();
    assert!(changed.len() <= 1, "{changed:?}");
    // The entry that changed, if any (a complete one is sealed; one short of evidence is
    // skipped with the reason), is the one `j` went to: its ID and content are on that line.
    for id in changed {
        let (id_number, content): (String, String) = d
            .app
            .store()
            .conn()
            .query_row(
                "SELECT p.id_number, e.content FROM entries e JOIN people p ON p.id = e.person_id
                 WHERE e.id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert!(
            gone_to.contains(&id_number) && gone_to.contains(&content),
            "sealed {id_number} {content}, expected {gone_to}; left {left}"
        );
    }
}

/// Tester's point 3: `/`, a name and Enter sent at once open the person the search finds, not
/// the row of the results before it; a search that finds nobody opens nobody.
#[test]
fn enter_after_typing_a_search_opens_what_the_search_finds() {
    let mut d = Driver::new(three_people(), Lang::Zh);
    d.wait = false;
    d.key(KeyCode::Char('/')).keys("w");
    // Only the last key's query is held (each one supersedes the one before).
    d.app.jobs().hold_next(Hold::UntilReleased);
    d.keys("f");
    assert!(d.app.jobs().wait_held());
    d.key(KeyCode::Enter);
    assert!(d.shows("人员 3 人"), "nothing opened yet:\n{}", d.screen());
    d.app.jobs().release();
    d.wait = true;
    d.draw();
    assert!(d.shows("┌ 王芳 430203199007200031"), "{}", d.screen());
    d.key(KeyCode::Esc);
    // Nobody matches: Enter says so once the (empty) result is in, and opens nobody.
    d.key(KeyCode::Esc).key(KeyCode::Esc);
    d.wait = false;
    d.key(KeyCode::Char('/')).keys("qqqqx");
    d.app.jobs().hold_next(Hold::UntilReleased);
    d.keys("z");
    assert!(d.app.jobs().wait_held());
    d.key(KeyCode::Enter);
    d.app.jobs().release();
    d.wait = true;
    d.draw();
    assert!(d.shows("人员 0 人"), "{}", d.screen());
    assert_eq!(d.app.message(), "没有选中的人员");
}

/// Tester's point 4: a resize while a search is out sends that search again at the new size:
/// its first page shows, not the rows after the page the clerk had scrolled to.
#[test]
fn a_resize_while_a_search_is_out_shows_the_first_page_of_that_search() {
    use ratatui::crossterm::event::Event;
    let store = demo(120);
    let all = all_people(&store);
    let mut d = Driver::new(store, Lang::Zh);
    d.key(KeyCode::Char('G')).key(KeyCode::Char('/'));
    d.wait = false;
    // Every ID number here starts 43: the search matches the whole list.
    d.keys("4");
    d.app.jobs().hold_next(Hold::UntilReleased);
    d.keys("3");
    assert!(d.app.jobs().wait_held());
    d.term.backend_mut().resize(100, 30);
    d.app.handle_event(Event::Resize(100, 30));
    d.wait = true;
    d.draw();
    let rows = listed(&d, &all);
    assert_eq!(
        rows.first().map(|r| r.0),
        Some(all[0].as_str()),
        "{}",
        d.screen()
    );
    assert!(rows.len() > 17, "the page of the new size:\n{}", d.screen());
    assert!(d.shows("人员 120 人"), "{}", d.screen());
}

/// Tester's point 5: a resize redraws a person's entries at once at the new size, and back at
/// 80×24 the cursor's entry is on screen (the footer's position is the row highlighted).
#[test]
fn a_resize_refits_a_persons_entries_at_once() {
    use ratatui::crossterm::event::Event;
    let rows: Vec<String> = (1..=21)
        .map(|i| {
            format!("专业,远程教育,课程{i:02},湖南人才市场有限公司,2016-04-{i:02},2016-04-{i:02},6,合格,学习证明材料")
        })
        .collect();
    let rows: Vec<&str> = rows.iter().map(String::as_str).collect();
    let mut d = Driver::new(store_with(&rows), Lang::Zh);
    d.key(KeyCode::Enter);
    let shown = |d: &Driver| d.screen().lines().filter(|l| l.contains("课程")).count();
    let small = shown(&d);
    assert!(small > 3 && small < 21, "{}", d.screen());
    let resize = |d: &mut Driver, w: u16, h: u16| {
        d.term.backend_mut().resize(w, h);
        d.app.handle_event(Event::Resize(w, h));
        d.draw();
    };
    resize(&mut d, 100, 30);
    assert_eq!(shown(&d), small + 6, "{}", d.screen());
    for _ in 0..12 {
        d.key(KeyCode::Char('j'));
    }
    assert!(d.shows("培训记录 13/21"), "{}", d.screen());
    resize(&mut d, 80, 24);
    assert_eq!(shown(&d), small, "{}", d.screen());
    assert!(d.shows("培训记录 13/21"), "{}", d.screen());
    // The highlighted row is on screen, and it is the 13th entry.
    let buf = d.term.backend().buffer();
    let lit: Vec<u16> = (0..buf.area.height)
        .filter(|&y| {
            buf[(2, y)]
                .modifier
                .contains(ratatui::style::Modifier::REVERSED)
        })
        .collect();
    assert_eq!(lit.len(), 1, "{}", d.screen());
    let line = d.screen().lines().nth(lit[0] as usize).unwrap().to_string();
    // Entries are in date order: the 13th is 课程13.
    assert!(line.contains("课程13"), "{line}");
}

/// The review queue's list area: its lines between the column heads and the two detail lines,
/// each with whether it is the cursor's (drawn reversed).
fn queue_lines(d: &Driver) -> Vec<(String, bool)> {
    let s = d.screen();
    let lines: Vec<&str> = s.lines().collect();
    let heads = lines.iter().position(|l| l.contains("施教机构")).unwrap();
    let bottom = lines.iter().rposition(|l| l.starts_with('└')).unwrap();
    let buf = d.term.backend().buffer();
    (heads + 1..bottom - 2)
        .map(|y| {
            let lit = buf[(2, y as u16)]
                .modifier
                .contains(ratatui::style::Modifier::REVERSED);
            (lines[y].to_string(), lit)
        })
        .collect()
}

/// Minor point of the tester: the queue's page holds the rows that fit with their group
/// headers, so the page is full, every row read is drawn, and `j` from the bottom row turns
/// the page (the rows drawn all change) instead of scrolling by one line.
#[test]
fn review_pages_hold_the_rows_that_fit_with_their_headers_and_j_turns_them() {
    let mut d = Driver::new(demo(120), Lang::Zh);
    d.key(KeyCode::Char('2'));
    for _ in 0..3 {
        let lines = queue_lines(&d);
        // Full, but for a line too few for the next row's group header and the row.
        let blank = lines
            .iter()
            .filter(|(l, _)| l.trim_matches('│').trim().is_empty())
            .count();
        assert!(blank <= 1, "the page is full:\n{}", d.screen());
        assert!(
            lines.iter().any(|(l, _)| l.contains("──")),
            "{}",
            d.screen()
        );
        let rows: Vec<String> = lines
            .iter()
            .filter(|(l, _)| !l.contains("──"))
            .map(|(l, _)| l.clone())
            .collect();
        // Down to the bottom row drawn, which stays where it is.
        for _ in 1..rows.len() {
            d.key(KeyCode::Char('j'));
        }
        let lines = queue_lines(&d);
        assert!(lines.last().is_some_and(|(_, lit)| *lit), "{}", d.screen());
        d.key(KeyCode::Char('j'));
        let next: Vec<String> = queue_lines(&d)
            .into_iter()
            .filter(|(l, _)| !l.contains("──"))
            .map(|(l, _)| l)
            .collect();
        assert!(
            next.iter().all(|l| !rows.contains(l)),
            "the page turned whole:\n{}",
            d.screen()
        );
        let lit = queue_lines(&d).into_iter().find(|(_, lit)| *lit);
        assert_eq!(lit.map(|(l, _)| l), next.first().cloned(), "{}", d.screen());
    }
}

/// Tester's minor point: switching tabs keeps each tab's screen — People's search, marks and
/// cursor, the review queue's place — and shows it again read through the worker (the rows
/// on screen stay while that read is out), instead of a new screen at its first row.
#[test]
fn switching_tabs_keeps_each_tabs_search_position_and_marks() {
    let store = demo(120);
    let mut d = Driver::new(store, Lang::Zh);
    // People: a search, a mark, the cursor moved on by it.
    d.key(KeyCode::Char('/')).keys("43").key(KeyCode::Esc);
    d.key(KeyCode::Char('j')).key(KeyCode::Char('t'));
    let people = d.screen();
    assert!(d.shows("已标记 1 人"), "{people}");
    let person = opened(&mut d);
    // The review queue, further down.
    d.key(KeyCode::Char('2'));
    for _ in 0..25 {
        d.key(KeyCode::Char('j'));
    }
    let queue = d.screen();
    d.key(KeyCode::Char('3')).key(KeyCode::Char('1'));
    assert_eq!(d.screen(), people, "People as it was left");
    assert_eq!(opened(&mut d), person);
    // Back on the queue with the worker held: the page left is shown at once, its refresh out.
    d.wait = false;
    d.app.jobs().hold_next(Hold::UntilReleased);
    d.key(KeyCode::Char('2'));
    assert!(
        d.app.jobs().wait_held(),
        "the tab is read again through the worker"
    );
    d.draw();
    assert!(d.shows("检索中…"), "{}", d.screen());
    // All but the title, which says 检索中….
    let body = |s: &str| s.lines().skip(2).collect::<Vec<_>>().join("\n");
    assert_eq!(
        body(&d.screen()),
        body(&queue),
        "the rows left stay meanwhile"
    );
    d.app.jobs().release();
    d.wait = true;
    d.draw();
    assert_eq!(d.screen(), queue, "the queue as it was left");
}

/// Tester's second report, point 3: `G` on People, the window made larger and then back to
/// 80×24 — the page is full again and ends on the cursor's row (the last person), not that
/// row alone above a blank list. A person's entries (a list in memory) do the same.
#[test]
fn shrinking_the_window_on_the_last_page_keeps_the_page_full() {
    use ratatui::crossterm::event::Event;
    let resize = |d: &mut Driver, w: u16, h: u16| {
        d.term.backend_mut().resize(w, h);
        d.app.handle_event(Event::Resize(w, h));
        d.draw();
    };
    let store = demo(120);
    let all = all_people(&store);
    let mut d = Driver::new(store, Lang::Zh);
    let full = listed(&d, &all).len();
    assert!(full > 10, "{}", d.screen());
    d.key(KeyCode::Char('G'));
    resize(&mut d, 100, 30);
    assert!(listed(&d, &all).len() > full, "{}", d.screen());
    resize(&mut d, 80, 24);
    let rows = listed(&d, &all);
    assert_eq!(rows.len(), full, "a full page:\n{}", d.screen());
    assert_eq!(rows.last().map(|r| r.0), all.last().map(String::as_str));
    assert_eq!(
        rows.first().map(|r| r.0),
        Some(all[all.len() - full].as_str())
    );
    assert!(
        opened(&mut d).contains(all.last().unwrap().as_str()),
        "{}",
        d.screen()
    );

    // A person's entries, on the last one.
    let entries: Vec<String> = (1..=21)
        .map(|i| {
            format!("专业,远程教育,课程{i:02},湖南人才市场有限公司,2016-04-{i:02},2016-04-{i:02},6,合格,学习证明材料")
        })
        .collect();
    let entries: Vec<&str> = entries.iter().map(String::as_str).collect();
    let mut d = Driver::new(store_with(&entries), Lang::Zh);
    d.key(KeyCode::Enter);
    let shown = |d: &Driver| d.screen().lines().filter(|l| l.contains("课程")).count();
    let small = shown(&d);
    assert!(small > 3 && small < 21, "{}", d.screen());
    d.key(KeyCode::Char('G'));
    assert!(d.shows("培训记录 21/21"), "{}", d.screen());
    resize(&mut d, 100, 30);
    resize(&mut d, 80, 24);
    assert_eq!(shown(&d), small, "a full page:\n{}", d.screen());
    assert!(d.shows("培训记录 21/21"), "{}", d.screen());
    let last = d
        .screen()
        .lines()
        .rfind(|l| l.contains("课程"))
        .map(str::to_string);
    assert!(last.is_some_and(|l| l.contains("课程21")), "{}", d.screen());
}

/// Tester's second report, the trap: leaving the Review tab while typing in its search ends
/// the typing. `/湖南师范`, Tab (Filings), `2` (back on Review), `4` opens Verification; the
/// `4` is not typed into the search, and the search text and its results are still there.
#[test]
fn leaving_a_tab_ends_typing_in_its_search_and_keeps_the_search() {
    let mut d = Driver::new(demo(120), Lang::Zh);
    d.key(KeyCode::Char('2'));
    d.key(KeyCode::Char('/')).keys("湖南师范");
    assert!(d.shows("搜索/ 湖南师范"), "{}", d.screen());
    let found = d.screen();
    d.key(KeyCode::Tab);
    assert!(d.shows("┌ 备案"), "on Filings:\n{}", d.screen());
    d.key(KeyCode::Char('2'));
    assert!(
        d.shows("搜索/ 湖南师范"),
        "the search stays:\n{}",
        d.screen()
    );
    // The same list and rows as left; only the footer no longer offers the field's keys.
    let body = |s: &str| s.lines().take(22).collect::<Vec<_>>().join("\n");
    assert_eq!(body(&d.screen()), body(&found), "the results stay");
    d.key(KeyCode::Char('4'));
    assert!(
        !d.shows("湖南师范4"),
        "typed into the search:\n{}",
        d.screen()
    );
    assert!(d.shows("┌ 验证"), "Verification opens:\n{}", d.screen());
    // People alike: a search being typed, Tab away and `1` back; `j` moves, it is not typed.
    d.key(KeyCode::Char('1')).key(KeyCode::Char('/')).keys("43");
    d.key(KeyCode::Tab).key(KeyCode::Char('1'));
    d.key(KeyCode::Char('j'));
    assert!(d.shows("搜索/ 43"), "{}", d.screen());
    assert!(!d.shows("搜索/ 43j"), "{}", d.screen());
}

/// People matching `text` in the list's order, as ID numbers.
fn people_matching(store: &Store, text: &str) -> Vec<String> {
    use crate::store::search::{PeopleQuery, people};
    let q = PeopleQuery {
        text: text.into(),
        ..PeopleQuery::default()
    };
    people(store.conn(), &q, 0, 10_000)
        .unwrap()
        .into_iter()
        .map(|p| p.id_number)
        .collect()
}

/// Tester's second report, point 2 (R1.2 search): `/zw`, the cursor moved down to a person,
/// then the search cleared one Backspace at a time — at the clerk's pace (each search's
/// results in before the next key) or in one burst — keeps that person under the cursor: a
/// wider search keeps the clerk's row when it is among its results, and the `z` results
/// arriving in between do not replace it. A narrower search still goes to its first match.
#[test]
fn widening_a_search_keeps_the_clerks_row_at_any_typing_speed() {
    let store = demo(120);
    let all = all_people(&store);
    // Two pinyin initials (as `zw` for 周伟) with six people or more: the sixth is neither
    // the first of the one-letter search nor of the whole list.
    let letters: Vec<char> = ('a'..='z').collect();
    let (two, one, zw, z) = letters
        .iter()
        .filter_map(|&a| {
            let z = people_matching(&store, &a.to_string());
            letters.iter().find_map(|&b| {
                let two = format!("{a}{b}");
                let zw = people_matching(&store, &two);
                (zw.len() > 5 && z.contains(&zw[5]) && z[0] != zw[5] && all[0] != zw[5])
                    .then(|| (two, a, zw, z.clone()))
            })
        })
        .next()
        .expect("two initials shared by six people in the demo");
    let chosen = zw[5].clone();
    for wait in [true, false] {
        let mut d = Driver::new(demo(120), Lang::Zh);
        d.key(KeyCode::Char('/')).keys(&two);
        assert!(d.shows(&format!("人员 {} 人", zw.len())), "{}", d.screen());
        d.key(KeyCode::Esc);
        for _ in 0..5 {
            d.key(KeyCode::Char('j'));
        }
        assert!(lit(&d).contains(&chosen), "{}", d.screen());
        d.key(KeyCode::Char('/'));
        d.wait = wait;
        d.key(KeyCode::Backspace);
        if wait {
            assert!(d.shows(&format!("人员 {} 人", z.len())), "{}", d.screen());
            assert!(lit(&d).contains(&chosen), "{one}, waited:\n{}", d.screen());
        }
        d.key(KeyCode::Backspace);
        d.wait = true;
        d.draw();
        assert!(d.shows(&format!("人员 {} 人", all.len())), "{}", d.screen());
        assert!(
            opened_keeps(&mut d, &chosen),
            "cleared, wait {wait}:\n{}",
            d.screen()
        );
        // Narrower again: the first match, not the row kept.
        d.key(KeyCode::Char('/')).keys(&one.to_string());
        assert!(lit(&d).contains(&z[0]), "{}", d.screen());
        // Erased again: that match, now under the cursor, stays there (R1.2, issue 10.5).
        d.key(KeyCode::Backspace);
        assert!(d.shows(&format!("人员 {} 人", all.len())), "{}", d.screen());
        assert!(opened_keeps(&mut d, &z[0]), "{}", d.screen());
    }
}

/// The line of the screen drawn reversed (the cursor's row).
fn lit(d: &Driver) -> String {
    let buf = d.term.backend().buffer();
    let screen = d.screen();
    (0..buf.area.height)
        .find(|&y| {
            buf[(2, y)]
                .modifier
                .contains(ratatui::style::Modifier::REVERSED)
        })
        .and_then(|y| screen.lines().nth(y as usize))
        .unwrap_or_default()
        .to_string()
}

/// Whether `Enter` (after leaving the search field) opens the person with ID number `id`;
/// back on the list after.
fn opened_keeps(d: &mut Driver, id: &str) -> bool {
    d.key(KeyCode::Esc);
    opened(d).contains(id)
}

/// Wait until every read is in, reads ahead included, and deliver them.
fn all_in(d: &mut Driver) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !d.app.jobs().all_idle() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    d.settle();
}

/// The ID numbers of the People list on screen, top to bottom.
fn ids_shown(d: &Driver, all: &[String]) -> Vec<String> {
    listed(d, all)
        .into_iter()
        .map(|(id, _)| id.to_string())
        .collect()
}

/// Issue 10 (Review `j` at a million people: every page turn waited 18–28 ms for its rows on
/// the worker): the pages either side of the one on screen are read ahead, so `j` past the
/// last row and `k` past the first show them with no read out, even with the worker holding
/// whatever it is sent; the rows are those of the list in its order, the cursor where a read
/// would have put it.
#[test]
fn j_and_k_past_the_page_show_the_pages_read_ahead_without_a_read() {
    let store = demo(60);
    let all = all_people(&store);
    let mut d = Driver::new(store, Lang::Zh);
    all_in(&mut d);
    let page = ids_shown(&d, &all).len();
    assert!(page > 3 && all.len() > 3 * page, "{page} of {}", all.len());
    // Anything sent to the worker from here on is held: a page shown is a page read ahead.
    d.app.jobs().hold_next(Hold::UntilReleased);
    d.wait = false;
    for turn in 1..=2 {
        for _ in 0..page {
            d.key(KeyCode::Char('j'));
        }
        assert!(!d.app.busy(), "page {turn} needed a read:\n{}", d.screen());
        d.draw();
        assert_eq!(ids_shown(&d, &all), all[turn * page..(turn + 1) * page]);
        assert!(lit(&d).contains(&all[turn * page]), "{}", d.screen());
        // The read ahead of the pages around this one (not held: nobody waits for it).
        all_in(&mut d);
    }
    // `k` from the first row: the page before, the cursor on its last row.
    d.key(KeyCode::Char('k'));
    assert!(!d.app.busy(), "k needed a read:\n{}", d.screen());
    d.draw();
    assert_eq!(ids_shown(&d, &all), all[page..2 * page]);
    assert!(lit(&d).contains(&all[2 * page - 1]), "{}", d.screen());
    assert!(
        !d.app.jobs().holding(),
        "nothing was held: no read went out"
    );
    d.app.jobs().release();
}
