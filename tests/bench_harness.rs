//! The benchmark harness (`cargo bench`, `benches/harness/`) run once at 1 000 people, so it
//! cannot rot while the program changes under it (issue 10, point 4).
//!
//! Nothing here asserts a time: the machine and its load decide those. What is asserted is
//! that every measurement was taken and is plausible — every key was answered by a frame
//! showing what the floor query says the clerk should see, bytes were written, the floors ran,
//! the batch was verified, certificates were issued, the rosters were imported — so a harness
//! that silently stopped measuring (a screen renamed, a command changed) fails here.

#[path = "../benches/harness/mod.rs"]
mod harness;

use std::time::Duration;

const PEOPLE: u64 = 1000;

fn config(dir: &std::path::Path) -> harness::Config {
    let mut cfg =
        harness::Config::from_env(env!("CARGO_BIN_EXE_jijiao").as_ref(), &dir.join("target"));
    cfg.sizes = vec![PEOPLE];
    cfg.seed = 2017;
    cfg.reps = 6;
    cfg.starts = 2;
    cfg.checks = 10;
    cfg.issues = 8;
    cfg.applicants = PEOPLE;
    cfg.import_rows = 400;
    cfg.quiet = Duration::from_millis(80);
    // A debug build on a loaded machine: generous, since only a step that never answers fails.
    cfg.patience = Duration::from_secs(60);
    cfg.verbose = false;
    cfg
}

#[test]
fn the_harness_measures_every_screen_and_command_at_1000_people() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = config(dir.path());
    let report = harness::run(&cfg);
    let row = |what: &str| {
        report
            .row(PEOPLE, what)
            .unwrap_or_else(|| panic!("no row {what:?} in\n{}", harness::table(&report)))
    };

    // The demo database was built (not found in a cache: the test has its own) and cached.
    let demo = row("demo --people 1000");
    assert_eq!(demo.samples.len(), 1, "the build was timed");
    let schema = jijiao::store::schema::MIGRATIONS.len();
    assert!(
        cfg.cache
            .join(format!("demo-1000-seed2017-schema{schema}.sqlite"))
            .is_file(),
        "the database is cached by size, seed and schema"
    );
    let size = row("database size per entry");
    let per_entry = size.figure("bytes_per_entry").expect("bytes per entry");
    assert!(
        (50.0..5_000.0).contains(&per_entry),
        "{per_entry} bytes per entry"
    );

    // Every key of every screen was answered by the frame the step expected; none timed out.
    let keys: Vec<&harness::Row> = report
        .rows
        .iter()
        .filter(|r| r.section == "interface" && !r.bytes.is_empty())
        .collect();
    for r in &keys {
        assert_eq!(r.unconfirmed, 0, "{}: unanswered keys", r.what);
        assert_eq!(r.samples.len(), r.bytes.len(), "{}", r.what);
        assert!(
            r.bytes.iter().all(|&b| b > 0),
            "{}: a key with no frame",
            r.what
        );
        for (first, last) in r.first.iter().zip(&r.samples) {
            assert!(first <= last, "{}: the first frame after the last", r.what);
            assert!(*last < cfg.patience, "{}", r.what);
        }
    }
    for what in [
        "People: j",
        "People: k",
        "People: PgDn",
        "People: G",
        "search by name",
        "search by pinyin initials",
        "search by ID fragment",
        "search by unit",
        "search: text that matches nothing",
        "filter: city",
        "filter: short this year",
        "open a person",
        "tab 1",
        "tab 2: the review queue",
        "tab 3",
        "tab 4",
        "Review: j",
        "Review: search by provider",
        "open a batch of 1000 applicants",
        "Batch: j",
        "verify the batch (c): 1000 applicants",
    ] {
        let r = row(what);
        assert!(!r.samples.is_empty(), "{what}: no sample");
        if !what.starts_with("tab 3") && !what.starts_with("tab 4") {
            assert!(
                r.floor.is_some_and(|f| f > Duration::ZERO),
                "{what}: no floor"
            );
        }
    }
    // Navigation redraws rows, not the screen: a j writes less than a page change (which
    // repaints the list) — the measure of bytes per key tells them apart.
    let mean = |r: &harness::Row| r.bytes.iter().sum::<usize>() / r.bytes.len();
    assert!(mean(row("People: j")) < mean(row("People: PgDn")));
    // Typing digits of an ID narrows the list one digit at a time: each digit was a sample.
    assert!(row("search by ID fragment").samples.len() >= 6);

    let start = row("start to first frame");
    assert_eq!(
        start.samples.len(),
        cfg.starts,
        "each start gave a first frame"
    );

    let memory = row("interface resident memory");
    let rss = memory.figure("rss_kib").expect("VmRSS read from /proc");
    let hwm = memory.figure("hwm_kib").expect("VmHWM read from /proc");
    assert!(rss > 1024.0 && hwm >= rss, "RSS {rss} KiB, peak {hwm} KiB");

    // Commands: check on enough people, some passing (R6); certificates issued (R7) by one
    // process and by four, each a real number, none refused.
    let check = row("check ID");
    assert!(check.samples.len() >= cfg.checks, "{}", check.note);
    assert!(
        check.figure("passing").unwrap_or(0.0) >= 2.0,
        "{}",
        check.note
    );
    assert!(check.floor.is_some());
    for procs in ["1 process", "4 process"] {
        let issue = report
            .rows
            .iter()
            .find(|r| r.what.starts_with("issue") && r.what.contains(procs))
            .expect("issue row");
        let issued = issue.figure("issued").expect("issued");
        assert_eq!(
            issued as usize,
            issue.samples.len(),
            "every certificate issued: {}",
            issue.note
        );
        assert!(issued >= 1.0 && issue.figure("per_second").unwrap_or(0.0) > 0.0);
    }

    // Imports: every row, with its rate and its own peak memory, beside sqlite3's floor when
    // the machine has sqlite3 (the report says when it was skipped).
    for (what, rows) in [("import people", 20.0), ("import entries", 400.0)] {
        let r = row(what);
        assert_eq!(r.figure("rows"), Some(rows), "{what}");
        assert!(r.figure("rows_per_second").unwrap_or(0.0) > 0.0, "{what}");
        assert!(r.figure("peak_kib").unwrap_or(0.0) > 1024.0, "{what}");
        if harness::data::sqlite3().is_some() {
            assert!(r.floor.is_some(), "{what}: {}", r.floor_note);
        } else {
            assert!(report.skipped.iter().any(|s| s.contains("sqlite3")));
        }
    }

    // Reports (issue 11): each ran to its file three times; the province's report holds more
    // than one city's.
    let province = row("report annual (province, CSV)");
    let city = row("report annual --city (one city, CSV)");
    for r in [province, city, row("export people (CSV)")] {
        assert_eq!(r.samples.len(), 3, "{}", r.what);
        assert!(
            r.figure("bytes").unwrap_or(0.0) > 100.0,
            "{}: {}",
            r.what,
            r.note
        );
        assert!(r.figure("peak_kib").unwrap_or(0.0) > 1024.0, "{}", r.what);
    }
    assert!(
        province.figure("bytes") > city.figure("bytes"),
        "{} / {}",
        province.note,
        city.note
    );

    // The outputs: a table for the terminal and Markdown for target/bench-results.md.
    let table = harness::table(&report);
    let md = harness::markdown(&report);
    for r in &report.rows {
        assert!(table.contains(&r.what), "{} missing from the table", r.what);
        assert!(md.contains(&r.what.replace('|', "\\|")), "{}", r.what);
    }
}
