//! Issue 10, point 3: long command-line work shows progress on standard error when it is a
//! terminal, and stays quiet otherwise. On a pseudo-terminal of 80×24 an import draws its bar
//! while it checks and writes, then clears it so the summary stands alone; with standard error
//! a pipe (scripts, cron, these tests) nothing but the usual lines is written.

mod common;
#[path = "support/pty.rs"]
mod pty;

use std::time::{Duration, Instant};

use common::{Env, PEOPLE_HEADER, TODAY, check_char};

/// How long a step may take on a loaded machine before the test says what it saw.
const PATIENCE: Duration = Duration::from_secs(60);

/// Large enough for the bar to move through several redraws in a debug build (about a second),
/// small enough to keep the suite quick.
const ROWS: u32 = 3000;

/// A people roster of `n` distinct, valid people (R1.1), born on different days of May 1975.
fn big_people_csv(n: u32) -> String {
    let mut s = format!("{PEOPLE_HEADER}\n");
    for i in 0..n {
        let head = format!("430102197505{:02}{:03}", 1 + i / 1000, i % 1000);
        let id = format!("{head}{}", check_char(&head));
        s.push_str(&format!(
            "{id},测试{i},湖南师范大学,省直单位,省直,副教授,副高,0731-88872000\n"
        ));
    }
    s
}

/// Run `jijiao ARGS…` on a terminal until it exits; its exit code and every byte it wrote.
fn on_terminal(env: &Env, args: &[&str], lang: &str) -> (u32, String) {
    let system = env.system_config_path();
    env.system_config("");
    let system = system.to_string_lossy().into_owned();
    let mut t = pty::Pty::run_with(
        &env.db(),
        env.dir.path(),
        TODAY,
        "022",
        args,
        &[("JIJIAO_SYSTEM_CONFIG", &system), ("JIJIAO_LANG", lang)],
    );
    let code = t.wait_exit(PATIENCE);
    // The reader thread may still be draining the terminal after the exit.
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut last = Vec::new();
    loop {
        let now = t.bytes();
        if (now.len() == last.len() && !now.is_empty()) || Instant::now() > deadline {
            return (code, String::from_utf8_lossy(&now).into_owned());
        }
        last = now;
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The terminal's screen of 80×24 after everything in `text`.
fn screen(text: &str) -> String {
    let rows = std::num::NonZeroU16::new(24).expect("rows");
    let cols = std::num::NonZeroU16::new(80).expect("cols");
    let mut parser = vt100::Parser::new(rows, cols, 0);
    parser.process(text.as_bytes());
    parser.screen().contents()
}

#[test]
fn an_import_on_a_terminal_shows_each_step_moving_then_only_the_summary() {
    let env = Env::new();
    let roster = env.write("people.csv", &big_people_csv(ROWS));
    let roster = roster.to_string_lossy().into_owned();
    let (code, text) = on_terminal(&env, &["import", "people", &roster], "zh");
    assert_eq!(code, 0, "{text}");

    // Both steps were drawn with their count of the roster's rows, and the writing moved
    // through intermediate counts (a bar, not one line at the end).
    assert!(text.contains("校验 ["), "no checking bar:\n{text}");
    assert!(text.contains("/3,000"), "no rows total:\n{text}");
    assert!(text.contains("行/秒"), "no rate:\n{text}");
    let writes: Vec<&str> = text.split('\r').filter(|l| l.contains("写入 [")).collect();
    assert!(
        writes
            .iter()
            .any(|l| !l.contains("] 0/") && !l.contains("3,000/3,000")),
        "the writing bar showed no intermediate count:\n{writes:?}"
    );

    // The summary comes after the last bar, on a line of its own: the bar was cleared.
    let summary = "新增 3000 条，更新 0 条，未变 0 条";
    let at_summary = text
        .find(summary)
        .unwrap_or_else(|| panic!("no summary:\n{text}"));
    let last_bar = text.rfind("写入 [").unwrap_or_default();
    assert!(
        last_bar < at_summary,
        "a bar drawn after the summary:\n{text}"
    );
    let shown = screen(&text);
    assert!(shown.contains(summary), "{shown}");
    assert!(
        !shown.contains('[') && !shown.contains("行/秒"),
        "the bar was left on the screen:\n{shown}"
    );
    assert_eq!(env.counts().people, i64::from(ROWS));
}

#[test]
fn a_demo_on_a_terminal_shows_its_people_moving_in_english() {
    let env = Env::new();
    let (code, text) = on_terminal(&env, &["demo", "--people", "40"], "en");
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("writing people ["), "no bar:\n{text}");
    assert!(text.contains("/40 "), "no people total:\n{text}");
    let shown = screen(&text);
    assert!(shown.contains("demo data written to"), "{shown}");
    assert!(
        !shown.contains("people/s"),
        "the bar was left on the screen:\n{shown}"
    );
}

#[test]
fn with_standard_error_piped_an_import_and_a_demo_write_only_their_usual_lines() {
    let env = Env::new();
    let roster = env.write("people.csv", &big_people_csv(ROWS));
    let out = env.import("people", &roster, &[]);
    out.expect(0);
    assert_eq!(out.stdout, "新增 3000 条，更新 0 条，未变 0 条\n");
    assert_eq!(
        out.stderr, "",
        "nothing on a standard error that is not a terminal"
    );

    let out = env.run(["--lang", "en", "demo", "--people", "5"]);
    out.expect(0);
    assert!(out.stdout.starts_with("demo data written to "), "{out:?}");
    assert_eq!(out.stdout.lines().count(), 1, "{out:?}");
    assert_eq!(out.stderr, "", "{out:?}");
}
