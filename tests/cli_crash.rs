//! Nothing is half-done (issue 9): the built binary killed with `kill -9` at random moments of an
//! import, a demo run, a batch decision and a batch issue — at least 50 moments in all — leaves
//! a database that opens, whose audit trail verifies (R5.5), whose imports are all or nothing,
//! and whose certificate numbers have no gap and no duplicate (R7.2). Run again, each operation
//! ends as if it had never been interrupted: a demo with exactly the data set of an uninterrupted
//! run, a batch issue with every accepted applicant certified once, numbers consecutive.
//!
//! The moments are random; the seed is printed, and `JIJIAO_CRASH_SEED=N` replays a run.

mod common;
#[path = "support/pty.rs"]
mod pty;

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use common::*;
use rusqlite::Connection;
use rusqlite::types::Value;

/// The demo's size: big enough that its pending batch has applicants to triage, small enough
/// that the loop stays well under a minute.
const DEMO_PEOPLE: &str = "150";
const DEMO_SEED: &str = "9";
/// Rows of each killed import.
const ROSTER_ROWS: usize = 1200;
/// How long the interface may take to show a screen on a loaded machine.
const PATIENCE: Duration = Duration::from_secs(20);

/// splitmix64: random moments without a dependency, replayable from the printed seed.
struct Rng(u64);

impl Rng {
    fn new() -> Rng {
        let seed = std::env::var("JIJIAO_CRASH_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_nanos() as u64)
                    .unwrap_or(1)
            });
        eprintln!("kill moments: JIJIAO_CRASH_SEED={seed}");
        Rng(seed)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A moment in `0..=limit`.
    fn moment(&mut self, limit: Duration) -> Duration {
        let ms = limit.as_millis().max(1) as u64;
        Duration::from_micros(self.next() % (ms * 1000 + 1))
    }
}

/// `kill -9` the process `pid` (our own unreaped child).
fn kill9(child: &mut std::process::Child) {
    // SAFETY: kill(2) on our own child, not yet waited for, so its pid is still ours.
    unsafe {
        libc::kill(child.id() as libc::pid_t, libc::SIGKILL);
    }
    let _ = child.wait();
}

/// Run `jijiao ARGS` on `db` and kill it with `kill -9` after `after`, unless it ended before.
/// Whether it was killed.
fn killed_after(env: &Env, db: &Path, args: &[&str], after: Duration) -> bool {
    let mut c = env.command_on(db, TODAY);
    c.args(args).stdout(Stdio::null()).stderr(Stdio::null());
    let mut child = c.spawn().expect("start jijiao");
    let start = Instant::now();
    while start.elapsed() < after {
        if child.try_wait().expect("try_wait").is_some() {
            return false;
        }
        std::thread::sleep(Duration::from_micros(500));
    }
    let ended = child.try_wait().expect("try_wait").is_some();
    if !ended {
        kill9(&mut child);
    }
    !ended
}

/// Run `jijiao ARGS` on `db` and kill it with `kill -9` as soon as `sql` (a count) reaches
/// `at_least` in the database, unless it ended before. Whether it was killed.
fn killed_when(env: &Env, db: &Path, args: &[&str], sql: &str, at_least: i64) -> bool {
    let mut c = env.command_on(db, TODAY);
    c.args(args).stdout(Stdio::null()).stderr(Stdio::null());
    let mut child = c.spawn().expect("start jijiao");
    let start = Instant::now();
    loop {
        if child.try_wait().expect("try_wait").is_some() {
            return false;
        }
        // Without CREATE: the test must not make the file the program is about to create.
        let reached = Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE)
            .and_then(|c| c.query_row(sql, [], |r| r.get::<_, i64>(0)))
            .is_ok_and(|n| n >= at_least);
        if reached {
            kill9(&mut child);
            return true;
        }
        assert!(start.elapsed() < PATIENCE, "{sql} never reached {at_least}");
        std::thread::sleep(Duration::from_micros(200));
    }
}

/// How long `jijiao ARGS` on `db` takes uninterrupted (it must succeed).
fn timed(env: &Env, db: &Path, args: &[&str]) -> Duration {
    let start = Instant::now();
    env.run_full(db, TODAY, args).expect(0);
    start.elapsed()
}

fn count(db: &Path, sql: &str) -> i64 {
    Connection::open(db)
        .expect("the database opens")
        .query_row(sql, [], |r| r.get(0))
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

/// Every row of every table, in order, as text: two databases with equal dumps hold the same
/// data set.
fn dump(db: &Path) -> Vec<String> {
    let conn = Connection::open(db).expect("the database opens");
    let tables: Vec<String> = conn
        .prepare(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'
             ORDER BY name",
        )
        .expect("tables")
        .query_map([], |r| r.get(0))
        .expect("tables")
        .collect::<rusqlite::Result<_>>()
        .expect("tables");
    let mut out = Vec::new();
    for t in tables {
        // Every column in the order: tables without a rowid too, and no row order left to chance.
        let n = conn
            .prepare(&format!("SELECT * FROM \"{t}\""))
            .expect("select")
            .column_count();
        let order: Vec<String> = (1..=n).map(|i| i.to_string()).collect();
        let mut stmt = conn
            .prepare(&format!(
                "SELECT * FROM \"{t}\" ORDER BY {}",
                order.join(", ")
            ))
            .expect("select");
        let mut rows = stmt.query([]).expect("query");
        while let Some(r) = rows.next().expect("row") {
            let cells: Vec<String> = (0..n)
                .map(|i| format!("{:?}", r.get::<_, Value>(i).expect("cell")))
                .collect();
            out.push(format!("{t}: {}", cells.join(" | ")));
        }
    }
    out
}

/// What every kill must leave: a database that opens and whose trail verifies (R5.5), and
/// certificate numbers without gap or duplicate, the counter at the last one (R7.2).
fn assert_sound(env: &Env, db: &Path, what: &str) {
    let out = env.run_full(db, TODAY, ["audit", "verify"]);
    assert_eq!(out.code, 0, "{what}: audit verify after kill -9: {out:?}");
    let conn = Connection::open(db).expect("the database opens");
    let mut stmt = conn
        .prepare(
            "SELECT office, year, group_concat(sequence, ',') FROM
                 (SELECT office, year, sequence FROM certificates ORDER BY sequence)
             GROUP BY office, year",
        )
        .expect("prepare");
    let series: Vec<(String, i64, String)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .expect("query")
        .collect::<rusqlite::Result<_>>()
        .expect("rows");
    for (office, year, seqs) in series {
        let seqs: Vec<i64> = seqs
            .split(',')
            .map(|s| s.parse().expect("number"))
            .collect();
        let expected: Vec<i64> = (1..=seqs.len() as i64).collect();
        assert_eq!(seqs, expected, "{what}: {office} {year} numbers (R7.2)");
        let last: i64 = conn
            .query_row(
                "SELECT last FROM certificate_counters WHERE office = ?1 AND year = ?2",
                rusqlite::params![office, year],
                |r| r.get(0),
            )
            .expect("counter");
        assert_eq!(
            last,
            seqs.len() as i64,
            "{what}: the counter of {office} {year}"
        );
    }
}

/// A people roster of [`ROSTER_ROWS`] new people, different for each `round` (born in year
/// 1961 + `round`), all in 长沙.
fn roster(env: &Env, round: usize) -> PathBuf {
    let mut text = String::from("身份证号,姓名,单位,单位类型,市州\n");
    for r in 0..ROSTER_ROWS {
        let head = format!(
            "430102{:04}{:02}{:02}{:03}",
            1961 + round,
            1 + r / 28 % 12,
            1 + r % 28,
            r % 1000
        );
        let given = char::from_u32(0x4e00 + (r % 500) as u32).unwrap_or('伟');
        text.push_str(&format!(
            "{head}{},张{given},长沙市第一医院,市州所属单位,长沙\n",
            check_char(&head)
        ));
    }
    env.write(&format!("roster-{round}.csv"), &text)
}

/// An import killed at a random moment wrote all of its roster or none of it (one
/// transaction), and the trail verifies.
fn imports(env: &Env, rng: &mut Rng, rounds: usize) -> usize {
    let db = env.path("import.sqlite");
    let first = roster(env, 0);
    let took = timed(env, &db, &["import", "people", first.to_str().unwrap()]);
    let mut kills = 0;
    for round in 1..=rounds {
        let before = count(&db, "SELECT count(*) FROM people");
        let audit_before = count(&db, "SELECT count(*) FROM audit");
        let file = roster(env, round);
        let at = rng.moment(took + took / 4);
        kills += usize::from(killed_after(
            env,
            &db,
            &["import", "people", file.to_str().unwrap()],
            at,
        ));
        let what = format!("import killed at {at:?}");
        assert_sound(env, &db, &what);
        let added = count(&db, "SELECT count(*) FROM people") - before;
        // R5.5 One audit record for the import, whose payload states every person.
        let recorded = count(&db, "SELECT count(*) FROM audit") - audit_before;
        let all = (ROSTER_ROWS as i64, 1);
        assert!(
            (added, recorded) == (0, 0) || (added, recorded) == all,
            "{what}: {added} people and {recorded} audit records: half an import"
        );
    }
    kills
}

/// A demo killed at a random moment and run again holds exactly what an uninterrupted run
/// holds — every table, every row, the trail included. Every fourth round is killed as soon as
/// the pending verification batch exists, before or just after its applicants are added (two
/// transactions of the batch service): the moment that used to leave the batch empty forever.
fn demos(env: &Env, rng: &mut Rng, rounds: usize) -> usize {
    let args = ["demo", "--people", DEMO_PEOPLE, "--seed", DEMO_SEED];
    let whole = env.path("demo-whole.sqlite");
    let took = timed(env, &whole, &args);
    let expected = dump(&whole);
    let mut kills = 0;
    for round in 0..rounds {
        let db = env.path(&format!("demo-{round}.sqlite"));
        let (killed, what) = if round % 4 == 3 {
            let sql = "SELECT count(*) FROM verification_batches";
            let killed = killed_when(env, &db, &args, sql, 1);
            let empty = killed && count(&db, "SELECT count(*) FROM batch_applicants") == 0;
            eprintln!("demo killed once its pending batch existed; the batch was empty: {empty}");
            (
                killed,
                "demo killed once the pending batch existed".to_string(),
            )
        } else {
            let at = rng.moment(took + took / 4);
            (
                killed_after(env, &db, &args, at),
                format!("demo killed at {at:?}"),
            )
        };
        kills += usize::from(killed);
        if db.exists() {
            assert_sound(env, &db, &what);
        }
        env.run_full(&db, TODAY, args).expect(0);
        let got = dump(&db);
        if got != expected {
            let missing = expected.iter().find(|e| !got.contains(e));
            let extra = got.iter().find(|g| !expected.contains(g));
            let first = format!("missing: {missing:?}\nextra:   {extra:?}");
            panic!("{what}, run again: not the data set of an uninterrupted run\n{first}");
        }
    }
    kills
}

/// 长沙's bureau: the stub's phone and clerk name (R7.1), so the interface may issue.
fn config(env: &Env) -> PathBuf {
    env.write(
        "config.toml",
        "[office]\nname = \"长沙\"\nphone = \"0731-88888888\"\n\n[office.clerk_names]\nwangfang = \"王芳\"\n",
    )
}

/// The interface in English on `db`, opened on the demo's pending batch (screen 4, Enter).
fn open_batch(env: &Env, db: &Path, config: &Path) -> pty::Pty {
    let mut t = pty::Pty::start_with(
        db,
        env.dir.path(),
        TODAY,
        "022",
        &[
            ("JIJIAO_LANG", "en"),
            ("JIJIAO_CONFIG", config.to_str().expect("utf-8")),
        ],
    );
    t.wait_for("People", PATIENCE);
    t.send(b"4");
    t.wait_for("Verification batches: 1", PATIENCE);
    t.send(b"\r");
    t.wait_for("Batch of", PATIENCE);
    t
}

fn applicants_in(db: &Path, state: &str) -> i64 {
    count(
        db,
        &format!("SELECT count(*) FROM batch_applicants WHERE state = '{state}'"),
    )
}

/// The interface's batch decision and batch issue, each killed at a random moment. How many
/// issues were killed with some certificates issued and some not.
fn batch_work(env: &Env, rng: &mut Rng, decide_rounds: usize, issue_rounds: usize) -> usize {
    let config = config(env);
    // The demo's pending batch, verified (R6.4): the template of every round.
    let verified = env.path("verified.sqlite");
    env.run_full(
        &verified,
        TODAY,
        ["demo", "--people", DEMO_PEOPLE, "--seed", DEMO_SEED],
    )
    .expect(0);
    let mut t = open_batch(env, &verified, &config);
    t.send(b"c");
    t.wait_for("verified", PATIENCE);
    assert_eq!(t.quit(), 0);
    let passing = count(
        &verified,
        "SELECT count(*) FROM batch_applicants WHERE verdict = 'pass'",
    );
    assert!(passing >= 3, "the demo's batch needs passing applicants");

    // Accept every passing applicant in one decision: all of them or none (one transaction).
    // First uninterrupted, to know how long it takes from the clerk's `; a` to the message.
    let accepted = env.path("accepted.sqlite");
    std::fs::copy(&verified, &accepted).expect("copy the template");
    let mut t = open_batch(env, &accepted, &config);
    t.send(b"Tpass\r");
    t.wait_for("marked", PATIENCE);
    let start = Instant::now();
    t.send(b";a");
    t.wait_for(&format!("\naccepted {passing}"), PATIENCE);
    let took = start.elapsed();
    assert_eq!(t.quit(), 0);
    eprintln!("accepting {passing} applicants takes {took:?}");
    for round in 0..decide_rounds {
        let db = env.path(&format!("decide-{round}.sqlite"));
        std::fs::copy(&verified, &db).expect("copy the template");
        let mut t = open_batch(env, &db, &config);
        t.send(b"Tpass\r");
        t.wait_for("marked", PATIENCE);
        let at = rng.moment(took);
        t.send(b";a");
        std::thread::sleep(at);
        t.kill9();
        let what = format!("batch decision killed {at:?} after ; a");
        assert_sound(env, &db, &what);
        let n = applicants_in(&db, "accepted");
        let logged = count(
            &db,
            "SELECT count(*) FROM decisions WHERE applicant_id IS NOT NULL",
        );
        eprintln!("{what}: {n} of {passing} accepted");
        assert!(
            (n, logged) == (0, 0) || (n, logged) == (passing, passing),
            "{what}: {n} of {passing} accepted, {logged} decisions logged: half a decision"
        );
    }
    assert_eq!(applicants_in(&accepted, "accepted"), passing);

    // Issue to the accepted, one certificate per transaction (R7.2): a kill between two leaves
    // the numbers so far, without gap; issuing again certifies the rest, and nobody twice.
    let issue = |db: &Path| {
        let mut t = open_batch(env, db, &config);
        t.send(b"Taccepted\r");
        t.wait_for("marked", PATIENCE);
        t.send(b"iy");
        t
    };
    // How long issuing takes, from the clerk's `y` to the message.
    let took = {
        let db = env.path("issued-whole.sqlite");
        std::fs::copy(&accepted, &db).expect("copy");
        let mut t = issue(&db);
        let start = Instant::now();
        t.wait_for(&format!("\nissued {passing}:"), PATIENCE);
        let took = start.elapsed();
        assert_eq!(t.quit(), 0);
        took
    };
    eprintln!("issuing {passing} certificates takes {took:?}");
    let mut partial = 0;
    for round in 0..issue_rounds {
        let db = env.path(&format!("issue-{round}.sqlite"));
        std::fs::copy(&accepted, &db).expect("copy the template");
        let mut t = issue(&db);
        // Half the rounds at a random time; the others right after a random number of
        // certificates, between two of the transactions, where a gap would appear.
        let at = if round % 2 == 0 {
            let at = rng.moment(took);
            std::thread::sleep(at);
            format!("{at:?} after i y")
        } else {
            let k = 1 + (rng.next() % (passing as u64 - 1)) as i64;
            let reader = Connection::open(&db).expect("open to watch");
            let start = Instant::now();
            while reader
                .query_row("SELECT count(*) FROM certificates", [], |r| {
                    r.get::<_, i64>(0)
                })
                .expect("count")
                < k
            {
                assert!(
                    start.elapsed() < PATIENCE,
                    "no certificate issued:\n{}",
                    t.screen()
                );
                std::thread::sleep(Duration::from_micros(200));
            }
            format!("after certificate {k}")
        };
        t.kill9();
        let what = format!("batch issue killed {at}");
        assert_sound(env, &db, &what);
        let linked = count(
            &db,
            "SELECT count(*) FROM batch_applicants WHERE certificate_id IS NOT NULL",
        );
        let issued = count(&db, "SELECT count(*) FROM certificates");
        eprintln!("{what}: {issued} of {passing} issued");
        partial += usize::from(issued > 0 && issued < passing);
        assert!(
            linked == issued || linked + 1 == issued,
            "{what}: {issued} issued, {linked} linked: at most the last is not linked yet"
        );
        // Issued again: every accepted applicant certified once, the numbers 1..=passing.
        let mut t = issue(&db);
        // Done when the title counts every accepted applicant issued: the message says "issued
        // …" only when some were left; a run killed after its commit left none ("not issued 9:
        // already issued …", whose wrapping once put "issued" at a line's start by chance).
        t.wait_for(&format!(" {passing} accepted {passing} issued "), PATIENCE);
        assert_eq!(t.quit(), 0);
        assert_sound(env, &db, &format!("{what}, issued again"));
        assert_eq!(
            count(&db, "SELECT count(*) FROM certificates"),
            passing,
            "{what}: one certificate per accepted applicant"
        );
        assert_eq!(
            count(
                &db,
                "SELECT count(DISTINCT certificate_id) FROM batch_applicants
                 WHERE state = 'accepted'"
            ),
            passing,
            "{what}: every accepted applicant linked to their own certificate"
        );
    }
    partial
}

#[test]
fn kill_9_at_random_moments_of_import_demo_batch_decisions_and_issue_leaves_nothing_half_done() {
    let env = Env::new();
    let mut rng = Rng::new();
    let start = Instant::now();
    let (imports_n, demos_n, decide_n, issue_n) = (16, 16, 10, 10);
    assert!(imports_n + demos_n + decide_n + issue_n >= 50);
    let killed_imports = imports(&env, &mut rng, imports_n);
    let killed_demos = demos(&env, &mut rng, demos_n);
    let partial_issues = batch_work(&env, &mut rng, decide_n, issue_n);
    eprintln!(
        "killed while running: {killed_imports} of {imports_n} imports, {killed_demos} of \
         {demos_n} demos; {partial_issues} of {issue_n} issues stopped between certificates; \
         {:?} in all",
        start.elapsed()
    );
    // Random moments over each operation's own duration: most land inside it, and the test
    // is not one of kills that always come too late.
    assert!(killed_imports >= imports_n / 4, "{killed_imports} imports");
    assert!(killed_demos >= demos_n / 4, "{killed_demos} demos");
    assert!(partial_issues >= 1, "no kill fell between two certificates");
}
