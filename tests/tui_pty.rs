//! The built binary in a pseudo-terminal of 80×24 that answers nothing, as some terminals and
//! slow links do (issue 8, points 4 and 5).
//!
//! The test reads everything the program writes, parses it with a VT parser to see the screen
//! the clerk sees, and checks the bytes for terminal queries: a program that asks the terminal
//! where the cursor is (`ESC[6n`) and waits for an answer stops on such terminals.

use std::io::{Read, Write};
use std::path::Path;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use portable_pty::{Child, CommandBuilder, PtySize, native_pty_system};

const BIN: &str = env!("CARGO_BIN_EXE_jijiao");
const ROWS: u16 = 24;
const COLS: u16 = 80;

/// How long a step may take on a loaded machine before the test says what the screen showed.
const PATIENCE: Duration = Duration::from_secs(20);

/// The cursor-position query, and crossterm's keyboard-protocol and primary-attributes queries.
const QUERIES: [&[u8]; 3] = [b"\x1b[6n", b"\x1b[?u", b"\x1b[c"];

/// `jijiao` running in a pseudo-terminal on its own database; every byte it wrote is kept.
struct Pty {
    child: Box<dyn Child + Send + Sync>,
    writer: Box<dyn Write + Send>,
    output: Arc<Mutex<Vec<u8>>>,
    /// Reads the program's output until the terminal closes.
    reader: std::thread::JoinHandle<()>,
    _dir: tempfile::TempDir,
}

impl Pty {
    /// A database with one person (张伟), and the interface started on it in Chinese.
    fn start() -> Pty {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = dir.path().join("pty.sqlite");
        people_roster(&db);
        let pair = native_pty_system()
            .openpty(PtySize {
                rows: ROWS,
                cols: COLS,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("openpty");
        let mut cmd = CommandBuilder::new(BIN);
        cmd.env("JIJIAO_DB", &db);
        cmd.env("JIJIAO_USER", "wangfang");
        cmd.env("JIJIAO_TODAY", "2017-07-15");
        cmd.env("HOME", dir.path());
        cmd.env("XDG_CONFIG_HOME", dir.path());
        cmd.env("TERM", "xterm-256color");
        cmd.env_remove("JIJIAO_LANG");
        cmd.env_remove("JIJIAO_CONFIG");
        cmd.env_remove("NO_COLOR");
        cmd.cwd(dir.path());
        let child = pair.slave.spawn_command(cmd).expect("spawn jijiao");
        // Our end of the slave must close, or reading never sees the end after the exit.
        drop(pair.slave);
        let mut reader = pair.master.try_clone_reader().expect("reader");
        let writer = pair.master.take_writer().expect("writer");
        let output = Arc::new(Mutex::new(Vec::new()));
        let sink = output.clone();
        let reader = std::thread::spawn(move || {
            // Keep the master alive as long as we read from it.
            let _master = pair.master;
            let mut buf = [0u8; 4096];
            loop {
                match reader.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => sink
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .extend_from_slice(&buf[..n]),
                }
            }
        });
        Pty {
            child,
            writer,
            output,
            reader,
            _dir: dir,
        }
    }

    fn bytes(&self) -> Vec<u8> {
        self.output
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// The screen as a VT100 terminal of 80×24 shows it after everything written so far.
    fn screen(&self) -> String {
        let mut parser = vt100::Parser::new(
            ROWS.try_into().expect("rows"),
            COLS.try_into().expect("cols"),
            0,
        );
        parser.process(&self.bytes());
        parser.screen().contents()
    }

    /// Wait until the screen shows `text`; the program's exit or the time running out fails
    /// the test with the screen it showed.
    fn wait_for(&mut self, text: &str) -> String {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let s = self.screen();
            if s.contains(text) {
                return s;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("jijiao exited ({status:?}) before showing {text:?}; screen:\n{s}");
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {text:?}; screen:\n{s}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn send(&mut self, bytes: &[u8]) {
        self.writer.write_all(bytes).expect("write to the pty");
        self.writer.flush().expect("flush the pty");
    }

    /// Wait for the program to end and for the last of its output to be read; its exit code.
    fn exit_code(&mut self) -> u32 {
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                while !self.reader.is_finished() && Instant::now() < deadline {
                    std::thread::sleep(Duration::from_millis(20));
                }
                return status.exit_code();
            }
            assert!(
                Instant::now() < deadline,
                "jijiao did not exit; screen:\n{}",
                self.screen()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// No query the terminal might never answer was ever written.
    fn assert_asked_nothing(&self) {
        let bytes = self.bytes();
        for q in QUERIES {
            assert!(
                !bytes.windows(q.len()).any(|w| w == q),
                "the program asked the terminal {:?}",
                String::from_utf8_lossy(q)
            );
        }
    }
}

impl Drop for Pty {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn people_roster(db: &Path) {
    let roster = db.with_file_name("people.csv");
    std::fs::write(
        &roster,
        "身份证号,姓名,单位,单位类型,市州\n11010519491231002X,张伟,长沙市第一医院,市州所属单位,长沙\n",
    )
    .expect("write roster");
    // The same home as the interface's, so both use the one personal audit key made there.
    let home = db.parent().unwrap_or(db);
    let out = Command::new(BIN)
        .args(["import", "people", roster.to_str().expect("utf-8 path")])
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home)
        .env("JIJIAO_DB", db)
        .env("JIJIAO_USER", "wangfang")
        .env("JIJIAO_TODAY", "2017-07-15")
        .env_remove("JIJIAO_LANG")
        .env_remove("JIJIAO_CONFIG")
        .output()
        .expect("run jijiao import");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Issue 8.4: a terminal that answers no question still gets the first screen, well within
/// the two seconds after which a query would have failed, and `q` leaves with status 0.
#[test]
fn starts_and_quits_on_a_terminal_that_answers_nothing() {
    let mut t = Pty::start();
    let s = t.wait_for("人员 1 人");
    // Five tabs leave no room for the word 经办人 beside an unconfigured office at 80 columns
    // (the status line drops it before the database's name): the clerk is named all the same.
    let status = s.lines().next().unwrap_or_default();
    assert!(
        status.contains(" wangfang （未配置办公室）"),
        "status line:\n{s}"
    );
    assert!(s.contains("张伟"), "the list:\n{s}");
    // Still running after the time a query would have waited: nothing stopped it.
    std::thread::sleep(Duration::from_millis(2500));
    assert!(
        matches!(t.child.try_wait(), Ok(None)),
        "exited on its own; screen:\n{}",
        t.screen()
    );
    t.send(b"q");
    assert_eq!(t.exit_code(), 0, "screen:\n{}", t.screen());
    t.assert_asked_nothing();
    // The alternate screen is left: the interface is gone from the clerk's terminal.
    assert!(!t.screen().contains("人员 1 人"), "{}", t.screen());
}

/// Issue 8.5: over a slow link `ESC` comes alone and `[B` 100 ms later. In a text field that
/// is one Down key: nothing typed, no question about unsaved input; a real `Esc` still asks.
#[test]
fn a_split_cursor_down_in_a_text_field_moves_down_and_types_nothing() {
    let mut t = Pty::start();
    t.wait_for("人员 1 人");
    // R1.1: the registration form, the ID number as typed.
    t.send(b"n");
    t.wait_for("身份证号*");
    t.send(b"4301");
    t.wait_for("已输入4/18位");
    t.send(b"\x1b");
    std::thread::sleep(Duration::from_millis(100));
    t.send(b"[B");
    // Down leaves the ID field, which then says what it lacks.
    let s = t.wait_for("> 姓名*");
    assert!(s.contains("身份证号*   4301 "), "field changed:\n{s}");
    assert!(!s.contains("[B") && !s.contains("4301B"), "typed:\n{s}");
    assert!(!s.contains("有未保存的内容"), "the Esc acted:\n{s}");
    // Long after the window, still nothing: the Esc was taken up by the sequence.
    std::thread::sleep(Duration::from_millis(600));
    let s = t.screen();
    assert!(!s.contains("有未保存的内容"), "a late Esc:\n{s}");
    // A real Esc, alone: after the window it asks before discarding the input.
    t.send(b"\x1b");
    t.wait_for("有未保存的内容");
    t.send(b"y");
    t.wait_for("人员 1 人");
    t.send(b"q");
    assert_eq!(t.exit_code(), 0, "screen:\n{}", t.screen());
    t.assert_asked_nothing();
}

/// Issue 10: search as you type on a file database, through the query worker: each key shows
/// in the field and the list follows; `Esc` leaves the field and clears the search, and tab
/// switches still answer.
#[test]
fn search_as_you_type_on_a_file_goes_through_the_worker_and_keys_still_answer() {
    let mut t = Pty::start();
    t.wait_for("人员 1 人");
    t.send(b"/");
    t.send(b"l");
    // 张伟's initials are zw: nobody matches `l`.
    t.wait_for("人员 0 人");
    t.send(b"\x7f");
    t.send(b"z");
    let s = t.wait_for("人员 1 人");
    assert!(s.contains("搜索/ z"), "the field:\n{s}");
    t.send(b"w");
    let s = t.wait_for("搜索/ zw");
    assert!(s.contains("张伟"), "{s}");
    // Esc leaves the field (after its window for a split sequence), a second clears it.
    t.send(b"\x1b");
    std::thread::sleep(Duration::from_millis(400));
    t.send(b"\x1b");
    std::thread::sleep(Duration::from_millis(400));
    let s = t.wait_for("人员 1 人");
    assert!(!s.contains("搜索/ zw"), "cleared:\n{s}");
    // Tab switches answer: the review queue, then back to People.
    t.send(b"2");
    t.wait_for("复核 待办");
    t.send(b"\t");
    t.wait_for("备案");
    t.send(b"1");
    t.wait_for("人员 1 人");
    t.send(b"q");
    assert_eq!(t.exit_code(), 0, "screen:\n{}", t.screen());
    t.assert_asked_nothing();
}
