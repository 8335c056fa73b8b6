//! `import entries` streams its roster (issue 10.3): a file larger than every buffer of the
//! reader is imported whole, in CSV (UTF-8, GB18030) and XLSX, the database it gives is the
//! one a clerk expects (every entry, its evidence, its audit record, the yearly totals that
//! `check` and `audit verify` agree with, R2.1, R5.5), a bad row at the very end writes
//! nothing, and the memory of the process does not grow with the file.

mod common;

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use common::*;

/// A valid ID number for roster person `n` (R1.1), in a district no other test uses.
fn roster_id(n: usize) -> String {
    // Born on consecutive days from 1960 on, a thousand people a day.
    let day = chrono::NaiveDate::from_ymd_opt(1960, 1, 1).expect("date")
        + chrono::Days::new((n / 1000) as u64);
    let head = format!("439999{}{:03}", day.format("%Y%m%d"), n % 1000);
    format!("{head}{}", check_char(&head))
}

/// Entries per person in the generated rosters, as the benchmark's (20).
const PER_PERSON: usize = 20;

/// The people of an entries roster of `rows` rows.
fn people_roster(rows: usize) -> String {
    let mut s = String::from("身份证号,姓名,单位,单位类型,市州\n");
    for n in 0..rows.div_ceil(PER_PERSON) {
        s.push_str(&format!(
            "{},张伟{},长沙市基准测试研究院,市州所属单位,长沙\n",
            roster_id(n),
            n % 10
        ));
    }
    s
}

/// Row `r` of a generated entries roster: person `r / 20`, years 2012–2016, a public-subject
/// course of 30 hours every fourth row and professional ones of 22.5 hours otherwise.
fn entry_line(r: usize) -> String {
    let (person, k) = (r / PER_PERSON, r % PER_PERSON);
    let year = 2012 + k % 5;
    let (category, hours) = if k % 4 == 0 {
        ("公需", "30")
    } else {
        ("专业", "22.5")
    };
    let month = 1 + k % 12;
    let d = 1 + k / 12;
    format!(
        "{},{year},{category},培训班,专业技术人员继续教育课程{k},湖南大学,{year}-{month:02}-0{d},{year}-{month:02}-1{d},{hours},合格\n",
        roster_id(person)
    )
}

const ENTRIES_HEADER: &str =
    "身份证号,年度,科目类别,学习形式,培训内容,施教机构,开始日期,结束日期,学时,考核结果\n";

fn entries_roster(rows: usize) -> String {
    let mut s = String::from(ENTRIES_HEADER);
    (0..rows).for_each(|r| s.push_str(&entry_line(r)));
    s
}

/// Writes the people and the entries roster of `rows` rows (and `tail`, a last line) to files
/// a line at a time: this process holds no roster, so the memory a child is measured with
/// (which on Linux counts what the parent held when it forked) stays small.
fn write_rosters(env: &Env, rows: usize, tail: &str) -> (PathBuf, PathBuf) {
    use std::io::Write;
    let people = env.path("people.csv");
    let mut p = std::io::BufWriter::new(std::fs::File::create(&people).expect("roster"));
    p.write_all(people_roster(rows).as_bytes()).expect("write");
    p.flush().expect("flush");
    let entries = env.path("entries.csv");
    let mut e = std::io::BufWriter::new(std::fs::File::create(&entries).expect("roster"));
    e.write_all(ENTRIES_HEADER.as_bytes()).expect("write");
    for r in 0..rows {
        e.write_all(entry_line(r).as_bytes()).expect("write");
    }
    e.write_all(tail.as_bytes()).expect("write");
    e.flush().expect("flush");
    (people, entries)
}

/// The registered hours a generated roster gives person 0 in `year`, in tenths: (public,
/// professional), as R2.1 counts them (registered, passed).
fn roster_totals(year: usize) -> (i64, i64) {
    (0..PER_PERSON)
        .filter(|k| 2012 + k % 5 == year)
        .fold((0, 0), |(p, q), k| {
            if k % 4 == 0 {
                (p + 300, q)
            } else {
                (p, q + 225)
            }
        })
}

/// The configuration of a test whose rosters are larger than the default row bound.
fn big_config(env: &Env) -> PathBuf {
    env.write("config.toml", "[import]\nmax_rows = 1000000\n")
}

/// `import KIND FILE ARGS…` with the configuration of [`big_config`].
fn import(env: &Env, kind: &str, file: &Path, extra: &[&str]) -> Out {
    let config = big_config(env);
    let mut args: Vec<&OsStr> = vec![
        OsStr::new("--config"),
        config.as_os_str(),
        OsStr::new("import"),
        OsStr::new(kind),
        file.as_os_str(),
    ];
    args.extend(extra.iter().map(OsStr::new));
    env.run(args)
}

/// Runs `cmd` to its end: its output and the child's own peak resident memory in KiB
/// (`ru_maxrss` from `wait4`, which reaps exactly this child).
#[allow(clippy::zombie_processes)]
fn run_measured(mut cmd: Command) -> (Out, i64) {
    use std::io::Read;
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("spawn jijiao");
    let mut out = child.stdout.take().expect("stdout");
    let mut err = child.stderr.take().expect("stderr");
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = out.read_to_string(&mut s);
        s
    });
    let mut stderr = String::new();
    let _ = err.read_to_string(&mut stderr);
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value for wait4 to fill in.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: waits for our own child, with pointers to live locals.
    let pid = unsafe { libc::wait4(child.id() as i32, &mut status, 0, &mut usage) };
    assert_eq!(pid, child.id() as i32, "wait4 reaps the child");
    let stdout = reader.join().expect("reader");
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        -1
    };
    (
        Out {
            code,
            stdout,
            stderr,
        },
        usage.ru_maxrss,
    )
}

/// The import of `rows` generated entries (after their people) in a fresh database, with a bad
/// row after them when `bad_last` is set: its exit and the importing process's peak memory.
fn measured_import(rows: usize, bad_last: bool) -> (Out, i64, Env) {
    let env = Env::new();
    // R5.1 Hours must be positive: the very last row of the file breaks it.
    let tail = match bad_last {
        true => entry_line(rows)
            .replace(",30,", ",-3,")
            .replace(",22.5,", ",-3,"),
        false => String::new(),
    };
    let (people, file) = write_rosters(&env, rows, &tail);
    import(&env, "people", &people, &[]).expect(0);
    let config = big_config(&env);
    let mut cmd = env.command_on(&env.db(), TODAY);
    cmd.arg("--config")
        .arg(&config)
        .args(["import", "entries"])
        .arg(&file)
        .arg("--registered");
    let (out, kib) = run_measured(cmd);
    (out, kib, env)
}

#[test]
fn a_roster_larger_than_every_buffer_imports_whole_and_again_changes_nothing() {
    // 12 000 rows, 1.5 MB: past the bounded prefix the encoding is decided on (1 MiB) and
    // two dozen of the reader's windows.
    let rows = 12_000;
    let env = Env::new();
    let people = env.write("people.csv", &people_roster(rows));
    import(&env, "people", &people, &[]).expect(0);
    let file = env.write("entries.csv", &entries_roster(rows));
    assert!(std::fs::metadata(&file).expect("roster").len() > 1 << 20);
    let out = import(&env, "entries", &file, &["--registered"]);
    out.expect(0);
    assert!(
        out.stdout.contains(&format!("新增 {rows} 条")),
        "{}",
        out.stdout
    );
    let c = env.counts();
    assert_eq!(c.entries, rows as i64);
    // R3 Paper history arrives with its evidence complete: every item of 培训班's checklist.
    let per_entry: i64 = env
        .conn()
        .query_row(
            "SELECT count(*) FROM entry_evidence WHERE entry_id = (SELECT min(id) FROM entries)",
            [],
            |r| r.get(0),
        )
        .expect("evidence");
    assert!(per_entry > 0);
    assert_eq!(c.evidence, rows as i64 * per_entry);
    // R5.5 One record for the import, with the file's sha256 as the file's own bytes give it,
    // and its payload: a line for every entry created (after the payload's head), in parts
    // of bounded size; no record per entry.
    let conn = env.conn();
    let per_entry: i64 = conn
        .query_row(
            "SELECT count(*) FROM audit WHERE action LIKE 'entry.%'",
            [],
            |r| r.get(0),
        )
        .expect("audit");
    assert_eq!(per_entry, 0);
    let (record, summary): (i64, String) = conn
        .query_row(
            "SELECT id, after FROM audit WHERE action = 'import.entries'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("the import's record");
    let bytes = std::fs::read(&file).expect("roster");
    let sha = sha2_hex(&bytes);
    assert!(summary.contains(&sha), "{summary} names {sha}");
    let summary: serde_json::Value = serde_json::from_str(&summary).expect("json");
    assert_eq!(summary["payload"]["lines"], rows as i64 + 1, "{summary}");
    let parts: i64 = conn
        .query_row(
            "SELECT count(*) FROM audit_payloads WHERE audit_id = ?1",
            [record],
            |r| r.get(0),
        )
        .expect("parts");
    assert_eq!(summary["payload"]["parts"], parts, "{summary}");
    // R2.1 The yearly totals are what the roster gives, and what `check` computes from the
    // entries (`audit verify` compares every person's totals with their entries).
    for year in 2012..=2016 {
        let (public, professional): (i64, i64) = conn
            .query_row(
                "SELECT public_tenths, professional_tenths FROM person_year_totals t
                 JOIN people p ON p.id = t.person_id WHERE p.id_number = ?1 AND t.year = ?2",
                rusqlite::params![roster_id(0), year],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .expect("a totals row per year");
        assert_eq!(
            (public, professional),
            roster_totals(year as usize),
            "{year}"
        );
    }
    env.run(["audit", "verify"]).expect(0);
    drop(conn);

    // Re-importing the same file changes nothing.
    let again = import(&env, "entries", &file, &["--registered"]);
    again.expect(0);
    assert!(
        again
            .stdout
            .contains(&format!("新增 0 条，更新 0 条，未变 {rows} 条")),
        "{}",
        again.stdout
    );
    assert_eq!(env.counts(), c);
}

fn sha2_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[test]
fn peak_memory_does_not_grow_with_the_roster() {
    // Issue 10.3: a whole import of twice the rows takes about the same memory (a whole-file
    // read held every row: 152 MB for 100 000 rows). Both write more than the import's page
    // cache holds (32 MB: 100 000 rows make a 41 MB file), so the cache, which fills up to its
    // bound, is full in both.
    let (small_out, small, _e1) = measured_import(100_000, false);
    small_out.expect(0);
    let (large_out, large, e2) = measured_import(200_000, false);
    large_out.expect(0);
    assert_eq!(e2.counts().entries, 200_000);
    assert!(
        (large as f64) < 1.25 * small as f64,
        "200 000 rows took {large} KiB, 100 000 rows {small} KiB"
    );
}

#[test]
fn a_bad_row_at_the_very_end_writes_nothing_and_checking_holds_no_rows() {
    // 200 000 good rows and a bad one after them: the check reads them all, the bad one is
    // named, nothing is written, and the check took no more memory than for 20 000.
    let (small_out, small, _e1) = measured_import(20_000, true);
    small_out.expect(2);
    let (out, large, env) = measured_import(200_000, true);
    out.expect(2);
    let last = 200_000 + 2;
    assert!(
        out.stderr.contains(&format!("entries.csv:{last}:学时:")),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("未写入任何数据"), "{}", out.stderr);
    let c = env.counts();
    assert_eq!((c.entries, c.evidence, c.batches), (0, 0, 0));
    let audited: i64 = env
        .conn()
        .query_row(
            "SELECT count(*) FROM audit WHERE action LIKE 'entry.%' OR action = 'import.entries'",
            [],
            |r| r.get(0),
        )
        .expect("audit");
    assert_eq!(audited, 0);
    assert!(
        (large as f64) < 1.5 * small as f64,
        "checking 200 000 rows took {large} KiB, 20 000 rows {small} KiB"
    );
}

#[test]
fn a_gb18030_roster_streams_and_a_utf8_line_past_the_decided_prefix_is_refused() {
    let rows = 15_000;
    let env = Env::new();
    let people = env.write("people.csv", &people_roster(rows));
    import(&env, "people", &people, &[]).expect(0);
    let text = entries_roster(rows);
    let (gb, _, _) = encoding_rs::GB18030.encode(&text);
    assert!(
        gb.len() > 1 << 20,
        "longer than the prefix the encoding is decided on"
    );
    // The same rows with one line saved as UTF-8 near the end: two files pasted together.
    let mut mixed = gb.to_vec();
    let pasted = entry_line(rows - 1).replace("课程", "课程（补）");
    mixed.extend_from_slice(pasted.as_bytes());
    let mixed_file = env.write_bytes("mixed.csv", &mixed);
    let out = import(&env, "entries", &mixed_file, &["--registered"]);
    out.expect(2);
    let line = rows + 2;
    assert!(
        out.stderr.contains(&format!("第{line}行是 UTF-8")) && out.stderr.contains("GB18030"),
        "{}",
        out.stderr
    );
    assert_eq!(env.counts().entries, 0);

    let file = env.write_bytes("gbk.csv", &gb);
    let out = import(&env, "entries", &file, &["--registered"]);
    out.expect(0);
    assert_eq!(env.counts().entries, rows as i64);
    // Text decoded, not mojibake: the course names read as the roster wrote them.
    let content: String = env
        .conn()
        .query_row(
            "SELECT content FROM entries ORDER BY id DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .expect("an entry");
    assert_eq!(
        content,
        format!("专业技术人员继续教育课程{}", (rows - 1) % PER_PERSON)
    );
}

#[test]
fn an_xlsx_roster_streams_row_by_row() {
    let rows = 3_000;
    let env = Env::new();
    let people = env.write("people.csv", &people_roster(rows));
    import(&env, "people", &people, &[]).expect(0);
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    let text = entries_roster(rows);
    for (r, line) in text.lines().enumerate() {
        for (c, cell) in line.split(',').enumerate() {
            sheet
                .write_string(r as u32, c as u16, cell)
                .expect("write a cell");
        }
    }
    let file = env.path("entries.xlsx");
    book.save(&file).expect("save the workbook");
    let out = import(&env, "entries", &file, &["--registered"]);
    out.expect(0);
    assert_eq!(env.counts().entries, rows as i64);
    env.run(["audit", "verify"]).expect(0);
}
