//! `jijiao demo` at scale (issue 10.3), the built binary on temporary databases: the same seed
//! gives the same data; people are committed in chunks (`--chunk`, or `JIJIAO_DEMO_CHUNK`), so a
//! run killed with `kill -9` after a chunk and started again ends with exactly the database of
//! an uninterrupted run, the audit trail included (R5.5); and the write-ahead log stays bounded
//! by what one chunk writes instead of growing with the whole run.

mod common;

use std::path::Path;
use std::process::{Child, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use common::*;
use rusqlite::types::Value;
use rusqlite::{Connection, OpenFlags};
use sha2::{Digest, Sha256};

/// How long a demo may take on a loaded machine before the test gives up.
const PATIENCE: Duration = Duration::from_secs(300);

fn count(db: &Path, sql: &str) -> i64 {
    Connection::open(db)
        .expect("the database opens")
        .query_row(sql, [], |r| r.get(0))
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

/// Every column of every row of `table` in order of its first columns, hashed.
fn digest(db: &Path, table: &str) -> String {
    let conn = Connection::open(db).expect("the database opens");
    let n = conn
        .prepare(&format!("SELECT * FROM {table}"))
        .expect("select")
        .column_count();
    let order: Vec<String> = (1..=n).map(|i| i.to_string()).collect();
    let mut stmt = conn
        .prepare(&format!(
            "SELECT * FROM {table} ORDER BY {}",
            order.join(", ")
        ))
        .expect("select");
    let mut rows = stmt.query([]).expect("query");
    let mut h = Sha256::new();
    while let Some(r) = rows.next().expect("row") {
        for i in 0..n {
            let v: Value = r.get(i).expect("cell");
            h.update(format!("{v:?}\u{1f}").as_bytes());
        }
        h.update(b"\x1e");
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// The digest of every table of the database, table by table. `strict` includes the
/// full-text index's own tables, whose layout depends on where the commits fell (the same
/// chunks give the same layout; other chunks give the same search results from another one).
fn dump(db: &Path, strict: bool) -> Vec<String> {
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
    tables
        .into_iter()
        .filter(|t| strict || !t.starts_with("people_fts_"))
        .map(|t| format!("{t}: {}", digest(db, &t)))
        .collect()
}

fn demo_args<'a>(people: &'a str, chunk: &'a str) -> [&'a str; 7] {
    ["demo", "--people", people, "--seed", "11", "--chunk", chunk]
}

/// `kill -9` our own unreaped child.
fn kill9(child: &mut Child) {
    // SAFETY: kill(2) on our own child, not yet waited for, so its pid is still ours.
    unsafe {
        libc::kill(child.id() as libc::pid_t, libc::SIGKILL);
    }
    let _ = child.wait();
}

/// The demo's chunk records in the trail (R5.5): one per committed chunk.
const RECORDS: &str = "SELECT count(*) FROM audit WHERE action = 'demo.generate'";

#[test]
fn the_same_seed_gives_the_same_people_and_entries() {
    let env = Env::new();
    let (a, b) = (env.path("a.sqlite"), env.path("b.sqlite"));
    // The default chunk for one, chunks of 30 for the other: how it is written changes nothing.
    env.run_full(&a, TODAY, ["demo", "--people", "200", "--seed", "11"])
        .expect(0);
    env.run_full(&b, TODAY, demo_args("200", "30")).expect(0);
    assert_eq!(count(&a, "SELECT count(*) FROM people"), 200);
    assert!(count(&a, "SELECT count(*) FROM entries") > 200 * 15);
    for table in ["people", "entries", "entry_evidence", "person_year_totals"] {
        assert_eq!(digest(&a, table), digest(&b, table), "{table}");
    }
    // Another seed is other people.
    let c = env.path("c.sqlite");
    env.run_full(&c, TODAY, ["demo", "--people", "200", "--seed", "12"])
        .expect(0);
    assert_ne!(digest(&a, "people"), digest(&c, "people"));
    // Seven chunks of 30 people, each with its record; one record for the whole of `a`.
    assert_eq!(count(&b, RECORDS), 7);
    assert_eq!(count(&a, RECORDS), 1);
    env.run_full(&b, TODAY, ["audit", "verify"]).expect(0);
}

/// Every index and trigger of the schema with its definition.
fn schema(db: &Path) -> Vec<String> {
    let conn = Connection::open(db).expect("the database opens");
    conn.prepare(
        "SELECT type || ' ' || name || ': ' || sql FROM sqlite_master
         WHERE type IN ('index', 'trigger') AND sql IS NOT NULL ORDER BY name",
    )
    .expect("schema")
    .query_map([], |r| r.get(0))
    .expect("schema")
    .collect::<rusqlite::Result<_>>()
    .expect("schema")
}

/// SQLite's check that every index holds exactly its table's rows, FTS5's that the full-text
/// index holds exactly `people`'s text, and who a search for a unit's text finds.
fn searchable(db: &Path) -> Vec<i64> {
    let conn = Connection::open(db).expect("the database opens");
    let ok: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .expect("integrity_check");
    assert_eq!(ok, "ok", "{}", db.display());
    conn.execute(
        "INSERT INTO people_fts (people_fts, rank) VALUES ('integrity-check', 1)",
        [],
    )
    .expect("the full-text index agrees with people");
    conn.prepare(
        "SELECT rowid FROM people_fts WHERE people_fts MATCH '\"人民医院\" OR \"430102\"'
         ORDER BY rowid",
    )
    .expect("search")
    .query_map([], |r| r.get(0))
    .expect("search")
    .collect::<rusqlite::Result<_>>()
    .expect("search")
}

/// Whether a bulk load's set-aside objects are recorded in the file (`store::bulk`).
const SET_ASIDE: &str = "SELECT count(*) FROM meta WHERE key = 'bulk_load'";

/// Issue 10.3: a new file is loaded in bulk, its people's indexes and full-text index set aside
/// with the first chunk. Killed then, the file says what it lacks; whatever opens it next (here
/// `audit verify`) puts every index back, and the run started again continues after the last
/// chunk and ends with the rows, the trail, the schema and the search results of an
/// uninterrupted run. (Only the full-text index's own pages differ: built in one piece by the
/// uninterrupted run, in two by the resumed one.)
#[test]
fn a_run_killed_after_its_first_chunk_and_run_again_equals_an_uninterrupted_run() {
    let env = Env::new();
    let whole = env.path("whole.sqlite");
    let args = demo_args("600", "100");
    env.run_full(&whole, TODAY, args).expect(0);
    let expected = dump(&whole, false);
    assert_eq!(count(&whole, RECORDS), 6);
    assert_eq!(count(&whole, SET_ASIDE), 0);
    let fresh = env.path("fresh.sqlite");
    env.run_full(&fresh, TODAY, ["demo", "--people", "0"])
        .expect(0);
    assert_eq!(
        schema(&whole),
        schema(&fresh),
        "every index and trigger is back"
    );
    let found = searchable(&whole);
    assert!(found.len() > 20, "{}", found.len());

    let db = env.path("killed.sqlite");
    let mut c = env.command_on(&db, TODAY);
    c.args(args).stdout(Stdio::null()).stderr(Stdio::null());
    let mut child = c.spawn().expect("start jijiao");
    let start = Instant::now();
    // Kill it as soon as its first chunk is committed (its record is in the trail).
    loop {
        assert!(
            child.try_wait().expect("try_wait").is_none(),
            "the demo ended before its first chunk was seen"
        );
        let committed = Connection::open_with_flags(&db, OpenFlags::SQLITE_OPEN_READ_ONLY)
            .and_then(|c| c.query_row(RECORDS, [], |r| r.get::<_, i64>(0)))
            .is_ok_and(|n| n >= 1);
        if committed {
            kill9(&mut child);
            break;
        }
        assert!(start.elapsed() < PATIENCE, "no chunk committed");
        std::thread::sleep(Duration::from_micros(300));
    }
    // Chunks are all or nothing: whole hundreds of people, one record for each hundred, and
    // not the whole run.
    let people = count(&db, "SELECT count(*) FROM people");
    let records = count(&db, RECORDS);
    assert_eq!(people, records * 100, "{records} chunks recorded");
    assert!(
        (1..6).contains(&records),
        "killed too late: {records} chunks"
    );
    // Killed in the bulk phase: the indexes are away and the file says so.
    assert_eq!(count(&db, SET_ASIDE), 1);
    assert_ne!(schema(&db), schema(&whole));
    env.run_full(&db, TODAY, ["audit", "verify"]).expect(0);
    assert_eq!(count(&db, SET_ASIDE), 0, "put back by the next open");
    assert_eq!(schema(&db), schema(&whole));
    searchable(&db);

    // Run again: it continues after the last chunk, and the result is the uninterrupted one.
    let out = env.run_full(&db, TODAY, args);
    out.expect(0);
    assert!(out.stdout.contains("600"), "{out:?}");
    let got = dump(&db, false);
    assert_eq!(got, expected, "not the data set of an uninterrupted run");
    assert_eq!(schema(&db), schema(&whole));
    assert_eq!(searchable(&db), found);
    env.run_full(&db, TODAY, ["audit", "verify"]).expect(0);
    // A third run finds everything done and adds nothing, not even a record.
    env.run_full(&db, TODAY, args).expect(0);
    assert_eq!(dump(&db, false), expected);
}

/// The largest size the `-wal` file beside `db` had while `jijiao ARGS` ran.
fn largest_wal(env: &Env, db: &Path, args: &[&str]) -> u64 {
    let wal = db.with_extension("sqlite-wal");
    let largest = AtomicU64::new(0);
    let done = AtomicBool::new(false);
    std::thread::scope(|s| {
        s.spawn(|| {
            while !done.load(Ordering::Relaxed) {
                let size = std::fs::metadata(&wal).map_or(0, |m| m.len());
                largest.fetch_max(size, Ordering::Relaxed);
                std::thread::sleep(Duration::from_millis(2));
            }
        });
        env.run_full(db, TODAY, args).expect(0);
        done.store(true, Ordering::Relaxed);
    });
    largest.load(Ordering::Relaxed)
}

#[test]
fn the_write_ahead_log_stays_bounded_by_one_chunk() {
    let env = Env::new();
    // The whole run in one chunk: the log grows with everything it writes.
    let one = env.path("one.sqlite");
    let whole = largest_wal(&env, &one, &demo_args("2500", "2500"));
    // Chunks of 100 people: checkpointed after each, the log holds about one chunk.
    let small = env.path("small.sqlite");
    let chunked = largest_wal(&env, &small, &demo_args("2500", "100"));
    // (14 MB since the entries' times are numbers, migration 25; 17 MB before.)
    assert!(
        whole > 10 << 20,
        "one transaction of 2 500 people: {whole} bytes of log"
    );
    assert!(
        chunked < 6 << 20 && chunked * 2 < whole,
        "chunks of 100 people: {chunked} bytes of log (one chunk: {whole})"
    );
    assert_eq!(dump(&one, false), dump_without_audit(&small, &one));
}

/// The dump of `db`, but with the trail of `like` (chunked and unchunked runs write the same
/// data and a different number of chunk records).
fn dump_without_audit(db: &Path, like: &Path) -> Vec<String> {
    let audit = format!("audit: {}", digest(like, "audit"));
    dump(db, false)
        .into_iter()
        .map(|l| {
            if l.starts_with("audit: ") {
                audit.clone()
            } else {
                l
            }
        })
        .collect()
}
