//! Readers never wait (issue 9): while another clerk's import holds the write lock — here a
//! connection that began `BEGIN IMMEDIATE` and changed a name without committing — `check`,
//! `audit verify`, `backup`, the status line and the terminal interface start at once and see
//! the last committed state; a writer queues behind the lock and succeeds once it is released.
//!
//! Before, every command took the write lock when it opened the database, so a reader waited the
//! whole 30-second busy timeout behind a long import and then failed.

mod common;
#[path = "support/pty.rs"]
mod pty;

use std::io::Read;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use rusqlite::Connection;

/// How long a reader may take while another clerk writes: far below the 30 s a reader used to
/// wait, and generous for a machine where several test suites compile at once.
const AT_ONCE: Duration = Duration::from_secs(10);

/// Another clerk in the middle of a write transaction: the write lock is held and 张伟 is being
/// renamed, not yet committed.
struct OtherClerk {
    conn: Connection,
}

impl OtherClerk {
    fn writing(db: &Path) -> OtherClerk {
        let conn = Connection::open(db).expect("open the database as the other clerk");
        conn.execute_batch("BEGIN IMMEDIATE")
            .expect("take the write lock");
        let renamed = conn
            .execute(
                "UPDATE people SET name = '正在导入' WHERE id_number = ?1",
                [ZHANG],
            )
            .expect("change a row inside the transaction");
        assert_eq!(renamed, 1);
        let clerk = OtherClerk { conn };
        clerk.assert_holds_the_lock(db);
        clerk
    }

    /// Nobody else can begin a write: the test really has a writer in the way.
    fn assert_holds_the_lock(&self, db: &Path) {
        let probe = Connection::open(db).expect("open a probe");
        probe.busy_timeout(Duration::ZERO).expect("no waiting");
        let err = probe
            .execute_batch("BEGIN IMMEDIATE")
            .expect_err("the other clerk holds the write lock");
        assert!(
            err.to_string().contains("locked") || err.to_string().contains("busy"),
            "{err}"
        );
    }

    fn commit(self) {
        self.conn.execute_batch("COMMIT").expect("commit");
    }
}

/// Run `jijiao ARGS` and require it to finish within [`AT_ONCE`]; its output and how long it
/// took. Killed and reported if it is still waiting.
fn run_at_once(env: &Env, args: &[&str]) -> (Out, Duration) {
    let mut c = env.command_on(&env.db(), TODAY);
    c.args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let start = Instant::now();
    let mut child = c.spawn().expect("start jijiao");
    let status = wait_or_kill(&mut child, AT_ONCE, args);
    let took = start.elapsed();
    let mut stdout = String::new();
    let mut stderr = String::new();
    child
        .stdout
        .take()
        .expect("stdout")
        .read_to_string(&mut stdout)
        .expect("read stdout");
    child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut stderr)
        .expect("read stderr");
    let out = Out {
        code: status.code().expect("exited normally"),
        stdout,
        stderr,
    };
    (out, took)
}

fn wait_or_kill(child: &mut Child, limit: Duration, what: &[&str]) -> std::process::ExitStatus {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            return status;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "`jijiao {}` still waited after {limit:?} behind the other clerk's write lock",
                what.join(" ")
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// 张伟 with five registered years, 李娜 with one entry: something to check and to copy.
fn bureau() -> Env {
    let env = Env::new();
    env.people(&[(ZHANG, "张伟"), (LI, "李娜")]);
    let mut entries: Vec<Entry> = (2012..=2016).flat_map(|y| full_year(ZHANG, y)).collect();
    entries.push(Entry::public(LI, 2016, "12.5"));
    env.registered(&entries);
    env
}

#[test]
fn check_audit_verify_backup_and_status_start_at_once_while_another_clerk_imports() {
    let env = bureau();
    let before = env.check_json(ZHANG, &[]);
    let other = OtherClerk::writing(&env.db());

    // `check` decides on the committed records: the uncommitted rename is not seen.
    let (out, took) = run_at_once(&env, &["check", ZHANG, "--json"]);
    assert_eq!(out.code, before.0, "{out:?}");
    let v: serde_json::Value = serde_json::from_str(out.stdout.trim()).expect("JSON");
    assert_eq!(
        v, before.1,
        "the same verdict as before the other clerk began"
    );
    assert!(out.stdout.contains("张伟") && !out.stdout.contains("正在导入"));
    assert!(took < AT_ONCE, "check took {took:?}");

    // R5.5 The trail is verified without waiting for the import to finish.
    let (out, _) = run_at_once(&env, &["audit", "verify"]);
    out.expect(0);

    // A backup is a consistent copy of what was committed, made while the import runs.
    let copy = env.path("during-import.sqlite");
    let (out, _) = run_at_once(&env, &["backup", copy.to_str().expect("utf-8")]);
    out.expect(0);
    let name: String = Connection::open(&copy)
        .expect("open the copy")
        .query_row(
            "SELECT name FROM people WHERE id_number = ?1",
            [ZHANG],
            |r| r.get(0),
        )
        .expect("张伟 is in the copy");
    assert_eq!(name, "张伟", "the copy holds no uncommitted work");

    // `jijiao` outside a terminal: the status line.
    let (out, _) = run_at_once(&env, &[]);
    out.expect(0);

    // The other clerk was held up by none of them and still holds the lock.
    other.assert_holds_the_lock(&env.db());
    other.commit();
    let (_, after) = env.check_json(ZHANG, &[]);
    assert!(after.to_string().contains("正在导入"), "{after}");
}

/// A second writer waits its turn (the busy timeout) and succeeds once the first commits,
/// instead of failing because the file is locked.
#[test]
fn an_import_queues_behind_another_clerks_write_and_succeeds_when_it_commits() {
    let env = bureau();
    let other = OtherClerk::writing(&env.db());
    let roster = env.write("more.csv", &people_csv(&[(WANG, "王强")]));
    let mut c = env.command_on(&env.db(), TODAY);
    c.args(["import", "people", roster.to_str().expect("utf-8")])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = c.spawn().expect("start the import");
    std::thread::sleep(Duration::from_millis(1500));
    assert!(
        child.try_wait().expect("try_wait").is_none(),
        "the import neither waited nor may it have written under another's lock"
    );
    other.commit();
    let status = wait_or_kill(&mut child, AT_ONCE, &["import", "people"]);
    let mut err = String::new();
    if let Some(mut e) = child.stderr.take() {
        e.read_to_string(&mut err).expect("stderr");
    }
    assert!(status.success(), "the queued import failed: {err}");
    let names: Vec<String> = env
        .conn()
        .prepare("SELECT name FROM people ORDER BY id")
        .expect("prepare")
        .query_map([], |r| r.get(0))
        .expect("query")
        .collect::<rusqlite::Result<_>>()
        .expect("names");
    assert_eq!(
        names,
        ["正在导入", "李娜", "王强"],
        "both clerks' work is kept"
    );
}

/// The terminal interface, on a pseudo-terminal of 80×24, opens on the People screen while
/// another clerk holds the write lock, and shows the committed name.
#[test]
fn the_interface_opens_at_once_while_another_clerk_imports() {
    let env = bureau();
    let other = OtherClerk::writing(&env.db());
    let mut t = pty::Pty::start(&env.db(), env.dir.path(), TODAY, "022");
    let shown = t.wait_for("人员 2 人", AT_ONCE);
    assert!(
        shown.contains("张伟") && !shown.contains("正在导入"),
        "{shown}"
    );
    assert_eq!(t.quit(), 0);
    other.commit();
}

/// The reference data a brand-new file needs is the one write an open of a new database does;
/// two clerks starting on the same new file together both get a working database with one set.
#[test]
fn two_clerks_starting_on_a_new_database_together_get_one_set_of_reference_data() {
    let env = Env::new();
    let spawn = || {
        let mut c: Command = env.command_on(&env.db(), TODAY);
        c.args(["audit", "verify"])
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        c.spawn().expect("start jijiao")
    };
    let mut a = spawn();
    let mut b = spawn();
    assert!(wait_or_kill(&mut a, AT_ONCE, &["audit", "verify"]).success());
    assert!(wait_or_kill(&mut b, AT_ONCE, &["audit", "verify"]).success());
    let offices: i64 = env
        .conn()
        .query_row("SELECT count(*) FROM offices", [], |r| r.get(0))
        .expect("count");
    assert_eq!(
        offices, 15,
        "the 14 divisions and the province, once (R1.4)"
    );
}
