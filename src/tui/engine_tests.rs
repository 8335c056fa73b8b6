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
