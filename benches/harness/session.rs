//! One size: the demo database (cached), a working copy, the interface driven key by key, then
//! the commands (`check`, `issue` with one and four processes, imports), each beside its floor.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rusqlite::Connection;

use super::data::{self, World};
use super::floor::{self, PeopleFilter};
use super::term::{self, Term};
use super::{Config, Report, Row, say};

/// The years a check covers on [`data::TODAY`] (R6.1: the five years before this one).
const FROM: i32 = 2012;
const TO: i32 = 2016;
/// The department of the batch the bench builds (R6.3), recognisable on screen.
const BATCH: &str = "基准测试批次";

/// How long the program holds a lone Esc (`tui::escape::ESC_WINDOW`, 300 ms) before acting.
const ESC_WINDOW: Duration = Duration::from_millis(300);

const NAV: &str = "p99 ≤ 10 ms, ≤ 1 KB/key";
const OPEN: &str = "p99 ≤ 10 ms";
const SEARCH: &str = "p99 ≤ 100 ms";

/// The keys of one group measured so far.
struct Group {
    row: Row,
    floors: Vec<Duration>,
}

/// The interface on one database, with the rows it has measured.
struct Drive<'a> {
    cfg: &'a Config,
    term: Term,
    conn: &'a Connection,
    size: u64,
    groups: Vec<Group>,
}

impl Drive<'_> {
    fn group(&mut self, section: &'static str, what: &str, target: &'static str) -> &mut Group {
        let i = match self.groups.iter().position(|g| g.row.what == what) {
            Some(i) => i,
            None => {
                self.groups.push(Group {
                    row: Row {
                        size: self.size,
                        section,
                        what: what.to_string(),
                        target,
                        ..Row::default()
                    },
                    floors: Vec::new(),
                });
                self.groups.len() - 1
            }
        };
        &mut self.groups[i]
    }

    /// Send `bytes`, wait for the screen `expect` wants, and count the answer in group `what`,
    /// beside `floor` (the same lookup as a bare statement, when there is one).
    fn key(
        &mut self,
        what: &str,
        target: &'static str,
        bytes: &[u8],
        floor: Option<Duration>,
        expect: &dyn Fn(&str) -> bool,
    ) {
        // A lone Esc is held for the program's window (a split escape sequence may follow):
        // the frame that answers it comes only after that, so wait past it.
        let quiet = if bytes == b"\x1b" {
            self.cfg.quiet + ESC_WINDOW
        } else {
            self.cfg.quiet
        };
        let a = self.term.key(bytes, expect, quiet, self.cfg.patience);
        let g = self.group("interface", what, target);
        if a.confirmed {
            g.row.samples.push(a.last);
            g.row.first.push(a.first);
            g.row.bytes.push(a.bytes);
        } else {
            g.row.unconfirmed += 1;
        }
        g.floors.extend(floor);
        if !a.confirmed && self.cfg.verbose {
            eprintln!(
                "bench: {what}: the expected screen did not come within {:?}; screen:\n{}",
                self.cfg.patience,
                self.term.screen()
            );
        }
    }

    /// A key whose answer is a People page: the floor runs first, and the key counts once the
    /// screen shows the first person the floor found (or, for no match, nobody).
    fn people_key(&mut self, what: &str, target: &'static str, bytes: &[u8], rows: FloorRows) {
        let (t, rows) = rows;
        let first = rows.first().map(|r| r.id_number.clone());
        self.key(what, target, bytes, Some(t), &move |s| {
            ids_on(s).first().cloned() == first
        });
    }

    /// The groups measured so far as rows, each with the median of its floors.
    fn rows(&mut self) -> Vec<Row> {
        std::mem::take(&mut self.groups)
            .into_iter()
            .map(|mut g| {
                if !g.floors.is_empty() {
                    g.floors.sort();
                    g.row.floor = Some(g.floors[g.floors.len() / 2]);
                }
                g.row
            })
            .collect()
    }
}

type FloorRows = (Duration, Vec<floor::Row>);

/// The ID numbers listed on a screen, top to bottom (the tab bar and the title row left out).
fn ids_on(screen: &str) -> Vec<String> {
    screen
        .lines()
        .skip(2)
        .flat_map(|l| {
            l.split(|c: char| !c.is_ascii_alphanumeric())
                .filter(|t| {
                    t.len() == 18
                        && t[..17].bytes().all(|b| b.is_ascii_digit())
                        && (t.as_bytes()[17].is_ascii_digit() || t.ends_with('X'))
                })
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .collect()
}

/// The list's title row (the second line) contains `text`.
fn title_has(screen: &str, text: &str) -> bool {
    screen.lines().nth(1).is_some_and(|l| l.contains(text))
}

fn utf8(s: &str) -> &[u8] {
    s.as_bytes()
}

/// Measure everything at `size` people, working in `dir`.
pub fn size(cfg: &Config, size: u64, dir: &Path, report: &mut Report) {
    let world = World::new(
        &cfg.bin,
        dir,
        &cfg.cache.join("home"),
        cfg.import_rows.max(size) as usize,
    );
    say(cfg, "demo database (cached by size and seed)");
    let (cached, built) = data::demo(&world, &cfg.cache, size, cfg.seed);
    let (file_bytes, entries, people) = data::shape(&cached);
    let mut rows = Vec::new();
    rows.push(Row {
        size,
        section: "data",
        what: format!("demo --people {size} --seed {}", cfg.seed),
        samples: built.iter().map(|b| b.wall).collect(),
        figures: built
            .iter()
            .map(|b| ("peak_kib", b.peak_kib as f64))
            .collect(),
        target: "≤ 4 min at 1 000 000",
        note: match &built {
            Some(b) => format!(
                "{people} people, {entries} entries; peak {:.0} MB",
                b.peak_kib as f64 / 1024.0
            ),
            None => format!("{people} people, {entries} entries; from the cache, not timed"),
        },
        ..Row::default()
    });
    rows.push(Row {
        size,
        section: "data",
        what: "database size per entry".into(),
        figures: vec![
            ("bytes", file_bytes as f64),
            ("bytes_per_entry", file_bytes as f64 / entries.max(1) as f64),
        ],
        target: "≤ 400 B/entry",
        note: format!(
            "{:.0} B/entry, {:.1} MB file",
            file_bytes as f64 / entries.max(1) as f64,
            file_bytes as f64 / 1048576.0
        ),
        ..Row::default()
    });

    // The cache stays as built: everything that writes works on a copy.
    say(cfg, "working copy");
    let db = dir.join("work.sqlite");
    std::fs::copy(&cached, &db).expect("copy the demo database");
    // Migrations a newer binary adds run now, not inside a measured start.
    let someone = data::candidates(&db, 1, 1);
    let warm = data::run(world.command(&db, &["check", &someone[0].0]));
    assert!(
        warm.code <= 1,
        "jijiao cannot open the working copy: {}",
        data::head(&warm.stderr)
    );

    // R6.1 a batch of applicants for the verification measured in the interface.
    say(cfg, "applicants of a verification batch");
    let (roster, n_applicants) = data::applicants(&db, dir, cfg.applicants);
    let ran = data::run(world.command(
        &db,
        &[
            "import",
            "applicants",
            "--batch",
            BATCH,
            roster.to_str().expect("utf-8"),
        ],
    ));
    assert_eq!(
        ran.code,
        0,
        "import applicants: {}",
        data::head(&ran.stderr)
    );
    rows.push(Row {
        size,
        section: "commands",
        what: format!("import applicants --batch: {n_applicants} rows"),
        samples: vec![ran.wall],
        figures: vec![
            ("rows", n_applicants as f64),
            ("peak_kib", ran.peak_kib as f64),
        ],
        note: format!("peak {:.0} MB", ran.peak_kib as f64 / 1024.0),
        ..Row::default()
    });
    let conn = floor::open(&db).expect("read-only connection");
    let batch: i64 = conn
        .query_row(
            "SELECT max(id) FROM verification_batches WHERE department = ?1",
            [BATCH],
            |r| r.get(0),
        )
        .expect("the bench's batch");

    say(cfg, "the interface, key by key");
    rows.extend(interface(
        cfg,
        &world,
        &db,
        &conn,
        size,
        batch,
        n_applicants,
    ));

    say(cfg, "check and issue");
    rows.extend(check_and_issue(cfg, &world, &db, &conn, size));
    drop(conn);

    say(cfg, "reports");
    rows.extend(reports(&world, &db, dir, size));

    say(cfg, "imports");
    let (people_rows, entry_rows) = imports(cfg, &world, &db, dir, size, report);
    rows.push(people_rows);
    rows.push(entry_rows);
    report.rows.extend(rows);
}

/// Start the interface (start to first frame), drive every screen, read its memory, quit; start
/// it again `starts - 1` times for more samples of the start.
fn interface(
    cfg: &Config,
    world: &World,
    db: &Path,
    conn: &Connection,
    size: u64,
    batch: i64,
    n_applicants: u64,
) -> Vec<Row> {
    let env = world.env(db);
    let people_all = floor::time(|| floor::people(conn, "", PeopleFilter::All, false));
    let people_last = floor::time(|| floor::people(conn, "", PeopleFilter::All, true));
    let mut start = Row {
        size,
        section: "interface",
        what: "start to first frame".into(),
        floor: Some(people_all.0),
        floor_note: "first page of People".into(),
        ..Row::default()
    };
    let term = Term::start(&cfg.bin, &env, &world.dir, cfg.patience);
    start.samples.extend(term.start_to_first_frame);
    let pid = term.pid();
    let mut d = Drive {
        cfg,
        term,
        conn,
        size,
        groups: Vec::new(),
    };
    let first_id = people_all.1.first().map(|r| r.id_number.clone());
    let last_id = people_last.1.first().map(|r| r.id_number.clone());
    let reps = cfg.reps.max(2);
    let few = (reps / 4).max(2);
    // The first frame may come before the list: the list is there before anything is measured.
    d.key("redraw (Ctrl-L)", NAV, b"\x0c", None, &|s| {
        title_has(s, "人员")
    });
    d.groups.clear();

    // People (screen 1): navigation.
    for _ in 0..reps {
        d.key("People: j", NAV, b"j", Some(people_all.0), &|_| true);
    }
    for _ in 0..reps {
        d.key("People: k", NAV, b"k", Some(people_all.0), &|_| true);
    }
    for _ in 0..few {
        d.key("People: PgDn", NAV, b"\x1b[6~", Some(people_all.0), &|_| {
            true
        });
    }
    for _ in 0..few.min(5) {
        let last = last_id.clone();
        d.key(
            "People: G (end of the list)",
            NAV,
            b"G",
            Some(people_last.0),
            &move |s| last.as_ref().is_none_or(|id| s.contains(id.as_str())),
        );
        let first = first_id.clone();
        d.key(
            "People: g (top)",
            NAV,
            b"g",
            Some(people_all.0),
            &move |s| ids_on(s).first() == first.as_ref(),
        );
    }

    // People: search as you type, one key at a time, each beside its floor.
    d.key(
        "People: / (into the search field)",
        OPEN,
        b"/",
        None,
        &|_| true,
    );
    let clear = |d: &mut Drive<'_>| {
        let f = floor::time(|| floor::people(conn, "", PeopleFilter::All, false));
        // The cursor keeps its person when the search is cleared (issue 10.5), so the page need
        // not start at the first person: the answer is the whole list with an empty field.
        d.key(
            "search: clear the field (Ctrl-U)",
            SEARCH,
            b"\x15",
            Some(f.0),
            &|s| {
                !ids_on(s).is_empty()
                    && s.lines()
                        .nth(2)
                        .is_some_and(|l| l.trim_matches(['│', ' ']) == "搜索/")
            },
        );
    };
    let type_in = |d: &mut Drive<'_>, what: &str, text: &str| {
        let mut typed = String::new();
        for c in text.chars() {
            typed.push(c);
            let f = floor::time(|| floor::people(conn, &typed, PeopleFilter::All, false));
            let group = if f.1.is_empty() {
                "search: text that matches nothing, per key".to_string()
            } else {
                what.to_string()
            };
            d.people_key(&group, SEARCH, c.to_string().as_bytes(), f);
        }
    };
    for name in ["张", "王", "李", "刘"] {
        type_in(&mut d, "search by name (1 character)", name);
        clear(&mut d);
    }
    for initials in ["zw", "lj", "wf", "cy"] {
        type_in(&mut d, "search by pinyin initials, per key", initials);
        clear(&mut d);
    }
    // ID fragments: the birth year and month of people spread over the list, digit by digit.
    let fragments: Vec<String> = [0usize, 5, 11, 16]
        .iter()
        .filter_map(|&i| people_all.1.get(i))
        .map(|r| r.id_number[6..12].to_string())
        .collect();
    for fragment in &fragments {
        type_in(&mut d, "search by ID fragment, per digit", fragment);
        clear(&mut d);
    }
    for unit in ["医院", "大学", "中学", "公司"] {
        type_in(&mut d, "search by unit, per key", unit);
        clear(&mut d);
    }
    // 鬯 is in no name, unit or ID: every prefix matches nothing.
    type_in(
        &mut d,
        "search: text that matches nothing, per key",
        "鬯鬯鬯",
    );
    clear(&mut d);
    d.key(
        "Esc: leave the search field (incl. the 300 ms Esc window)",
        OPEN,
        b"\x1b",
        None,
        &|_| true,
    );

    // People: filters (f, words, Enter).
    let filter = |d: &mut Drive<'_>, words: &str, what: &str, f: PeopleFilter| {
        d.key("f: the filter prompt", OPEN, b"f", None, &|_| true);
        d.key("prompt: clear (Ctrl-U)", OPEN, b"\x15", None, &|_| true);
        for c in words.chars() {
            d.key(
                "prompt: typing",
                OPEN,
                c.to_string().as_bytes(),
                None,
                &|_| true,
            );
        }
        let rows = floor::time(|| floor::people(conn, "", f, false));
        d.people_key(what, SEARCH, b"\r", rows);
    };
    for _ in 0..2 {
        filter(
            &mut d,
            "长沙",
            "filter: city 长沙",
            PeopleFilter::City("430100"),
        );
        filter(
            &mut d,
            "不足",
            "filter: short this year (不足, R2.1)",
            PeopleFilter::ShortIn(2017),
        );
        filter(&mut d, "", "filter: cleared", PeopleFilter::All);
    }

    // A person: open, move, back.
    for i in 0..few.min(6) {
        let row = people_all.1.get(i + 1).cloned();
        d.key("People: j", NAV, b"j", Some(people_all.0), &|_| true);
        let f = row
            .as_ref()
            .map(|r| floor::time(|| floor::person_entries(conn, &r.id_number)).0);
        let id = row.map(|r| r.id_number);
        d.key("open a person (Enter)", OPEN, b"\r", f, &move |s| {
            id.as_ref()
                .is_none_or(|id| s.lines().nth(1).is_some_and(|l| l.contains(id.as_str())))
        });
        for _ in 0..4 {
            d.key("Person: j", NAV, b"j", None, &|_| true);
        }
        d.key(
            "Esc: back to the list (incl. the 300 ms Esc window)",
            OPEN,
            b"\x1b",
            Some(people_all.0),
            &|s| title_has(s, "人员"),
        );
    }

    // Tab switches 2 3 4 1, each beside its screen's first page.
    for _ in 0..few.min(5) {
        let f = floor::time(|| floor::review_queue(conn, ""));
        let name = f.1.first().map(|r| r.name.clone());
        d.key(
            "tab 2: the review queue",
            "≤ 50 ms",
            b"2",
            Some(f.0),
            &move |s| title_has(s, "复核") && name.as_ref().is_none_or(|n| s.contains(n.as_str())),
        );
        let f = floor::time(|| floor::filings(conn));
        d.key("tab 3: filings", OPEN, b"3", Some(f.0), &|s| {
            title_has(s, "备案")
        });
        let f = floor::time(|| floor::batches(conn));
        d.key("tab 4: verification batches", OPEN, b"4", Some(f.0), &|s| {
            title_has(s, "验证批次")
        });
        let first = first_id.clone();
        d.key("tab 1: People", OPEN, b"1", Some(people_all.0), &move |s| {
            title_has(s, "人员") && ids_on(s).first() == first.as_ref()
        });
    }

    // The review queue (screen 2).
    let review = floor::time(|| floor::review_queue(conn, ""));
    d.key(
        "tab 2: the review queue",
        "≤ 50 ms",
        b"2",
        Some(review.0),
        &|s| title_has(s, "复核"),
    );
    for _ in 0..reps {
        d.key("Review: j", NAV, b"j", Some(review.0), &|_| true);
    }
    for _ in 0..reps {
        d.key("Review: k", NAV, b"k", Some(review.0), &|_| true);
    }
    for _ in 0..few {
        d.key("Review: PgDn", NAV, b"\x1b[6~", Some(review.0), &|_| true);
    }
    for _ in 0..few.min(3) {
        d.key(
            "Review: G (end of the queue)",
            NAV,
            b"G",
            Some(review.0),
            &|_| true,
        );
        d.key("Review: g (top)", NAV, b"g", Some(review.0), &|_| true);
    }
    d.key(
        "Review: / (into the search field)",
        OPEN,
        b"/",
        None,
        &|_| true,
    );
    for provider in ["大学", "医院"] {
        let mut typed = String::new();
        for c in provider.chars() {
            typed.push(c);
            let f = floor::time(|| floor::review_queue(conn, &typed));
            let name = f.1.first().map(|r| r.name.clone());
            d.key(
                "Review: search by provider, per key",
                SEARCH,
                utf8(&c.to_string()),
                Some(f.0),
                &move |s| name.as_ref().is_none_or(|n| s.contains(n.as_str())),
            );
        }
        d.key(
            "Review: clear the search (Ctrl-U)",
            SEARCH,
            b"\x15",
            Some(review.0),
            &|_| true,
        );
    }
    d.key(
        "Esc: leave the search field (incl. the 300 ms Esc window)",
        OPEN,
        b"\x1b",
        None,
        &|_| true,
    );

    // Filings (screen 3).
    d.key("tab 3: filings", OPEN, b"3", None, &|s| {
        title_has(s, "备案")
    });
    for _ in 0..few {
        d.key("Filings: j", NAV, b"j", None, &|_| true);
    }

    // Batches (screen 4): the newest batch is the bench's; open it, move, verify it (R6.4).
    d.key("tab 4: verification batches", OPEN, b"4", None, &|s| {
        title_has(s, "验证批次")
    });
    d.key("Batches: g (top)", NAV, b"g", None, &|_| true);
    let f = floor::time(|| floor::applicants(conn, batch));
    d.key(
        &format!("open a batch of {n_applicants} applicants (Enter)"),
        OPEN,
        b"\r",
        Some(f.0),
        &|s| s.contains(BATCH),
    );
    for _ in 0..reps {
        d.key("Batch: j", NAV, b"j", Some(f.0), &|_| true);
    }
    for _ in 0..few {
        d.key("Batch: PgDn", NAV, b"\x1b[6~", Some(f.0), &|_| true);
    }
    let sums = floor::time(|| floor::batch_sums(conn, batch, FROM, TO));
    d.key(
        &format!("verify the batch (c): {n_applicants} applicants, R6.4"),
        "≤ 1 s",
        b"c",
        Some(sums.0),
        &|s| s.contains("已验证"),
    );
    let memory = pid.and_then(term::memory_kib);
    let answered = d.term.answered();
    let mut rows = vec![start];
    let mut keys = d.rows();
    if let Some(g) = keys
        .iter_mut()
        .find(|r| r.what.starts_with("verify the batch"))
    {
        g.floor_note = "every applicant's yearly sums, one statement".into();
    }
    for r in keys.iter_mut().filter(|r| r.what.starts_with("search")) {
        if r.floor.is_some() {
            r.floor_note = "the page as one statement, no count".into();
        }
    }
    rows.extend(keys);
    rows.push(Row {
        size,
        section: "interface",
        what: "interface resident memory (VmRSS / VmHWM)".into(),
        figures: memory
            .map(|(rss, hwm)| vec![("rss_kib", rss as f64), ("hwm_kib", hwm as f64)])
            .unwrap_or_default(),
        target: "≤ 100 MB",
        note: match memory {
            Some((rss, hwm)) => format!(
                "{:.1} MB resident, {:.1} MB peak, after every screen above; {answered} terminal questions answered",
                rss as f64 / 1024.0,
                hwm as f64 / 1024.0
            ),
            None => "no /proc status".into(),
        },
        ..Row::default()
    });
    let quit = d.term.quit(cfg.patience);
    assert!(quit, "q did not end the interface");
    for _ in 1..cfg.starts {
        let t = Term::start(&cfg.bin, &env, &world.dir, cfg.patience);
        rows[0].samples.extend(t.start_to_first_frame);
        t.quit(cfg.patience);
    }
    rows
}

/// `check` (whole process) on people until enough have run and enough pass, then `issue` to
/// `issues` of those who pass with one process, and to as many others with four.
fn check_and_issue(
    cfg: &Config,
    world: &World,
    db: &Path,
    conn: &Connection,
    size: u64,
) -> Vec<Row> {
    let want_passing = cfg.issues * 2;
    let candidates = data::candidates(db, cfg.checks + want_passing * 3, 1);
    let mut check = Row {
        size,
        section: "commands",
        what: "check ID (whole process)".into(),
        target: "—",
        floor_note: "the person's yearly sums, one statement".into(),
        ..Row::default()
    };
    let mut floors = Vec::new();
    let mut passing: Vec<(String, String)> = Vec::new();
    for (id, office) in candidates {
        if check.samples.len() >= cfg.checks && passing.len() >= want_passing {
            break;
        }
        let ran = data::run(world.command(db, &["check", &id]));
        assert!(ran.code <= 1, "check {id}: {}", data::head(&ran.stderr));
        check.samples.push(ran.wall);
        floors.push(floor::time(|| floor::check(conn, &id, FROM, TO)).0);
        if ran.code == 0 {
            passing.push((id, office));
        }
    }
    floors.sort();
    check.floor = floors.get(floors.len() / 2).copied();
    check.figures.push(("passing", passing.len() as f64));
    check.note = format!("{} of {} pass", passing.len(), check.samples.len());
    let half = passing.len().min(want_passing) / 2;
    let (one, four) = passing.split_at(half);
    let four = &four[..half.min(four.len())];
    let mut rows = vec![check];
    for (procs, people) in [(1usize, one), (4, four)] {
        let t = Instant::now();
        let chunks: Vec<Vec<(String, String)>> = (0..procs)
            .map(|k| people.iter().skip(k).step_by(procs).cloned().collect())
            .collect();
        let results: Vec<Vec<data::Ran>> = std::thread::scope(|s| {
            let handles: Vec<_> = chunks
                .iter()
                .map(|chunk| {
                    s.spawn(move || {
                        chunk
                            .iter()
                            .map(|(id, office)| {
                                data::run(world.command(db, &["issue", id, "--office", office]))
                            })
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("issuing thread"))
                .collect()
        });
        let wall = t.elapsed();
        let all: Vec<&data::Ran> = results.iter().flatten().collect();
        let issued = all.iter().filter(|r| r.code == 0).count();
        let refused: Vec<&&data::Ran> = all.iter().filter(|r| r.code != 0).collect();
        let per_s = issued as f64 / wall.as_secs_f64().max(1e-9);
        rows.push(Row {
            size,
            section: "commands",
            what: format!("issue {} certificates, {procs} process(es)", people.len()),
            samples: all.iter().map(|r| r.wall).collect(),
            figures: vec![
                ("issued", issued as f64),
                ("per_second", per_s),
                ("wall_s", wall.as_secs_f64()),
            ],
            target: "≥ 200 certificates/s",
            note: format!(
                "{issued} issued in {:.2} s = {per_s:.0}/s{}",
                wall.as_secs_f64(),
                refused
                    .first()
                    .map(|r| format!("; {} refused, e.g. {}", refused.len(), r.stderr.trim()))
                    .unwrap_or_default()
            ),
            ..Row::default()
        });
    }
    rows
}

/// Import a people roster and an entries roster (`--registered`) into the working copy, each
/// beside `sqlite3 .import` of the same file.
fn imports(
    cfg: &Config,
    world: &World,
    db: &Path,
    dir: &Path,
    size: u64,
    report: &mut Report,
) -> (Row, Row) {
    let rows = if cfg.import_rows > 0 {
        cfg.import_rows
    } else {
        size
    };
    let (people_csv, entries_csv, people) = data::rosters(dir, rows);
    let sqlite3 = data::sqlite3();
    if sqlite3.is_none() {
        report.skipped.push(format!(
            "{size} people: the import floors (`sqlite3 .import`): no sqlite3 on the path"
        ));
    }
    let one = |kind: &str, csv: &PathBuf, n: u64, registered: bool| -> Row {
        let mut args = vec!["import", kind, csv.to_str().expect("utf-8")];
        if registered {
            args.push("--registered");
        }
        let ran = data::run(world.command(db, &args));
        assert_eq!(ran.code, 0, "import {kind}: {}", data::head(&ran.stderr));
        let floor = sqlite3.as_ref().map(|s| data::sqlite3_import(s, dir, csv));
        let per_s = n as f64 / ran.wall.as_secs_f64().max(1e-9);
        let mb = std::fs::metadata(csv).map_or(0.0, |m| m.len() as f64 / 1048576.0);
        Row {
            size,
            section: "commands",
            what: format!(
                "import {kind}{}: {n} rows",
                if registered { " --registered" } else { "" }
            ),
            samples: vec![ran.wall],
            floor: floor.as_ref().filter(|f| f.code == 0).map(|f| f.wall),
            floor_note: match &floor {
                Some(f) if f.code == 0 => format!(
                    "sqlite3 .import of the same file, peak {:.0} MB",
                    f.peak_kib as f64 / 1024.0
                ),
                Some(f) => format!("sqlite3 .import failed: {}", f.stderr.trim()),
                None => "no sqlite3 on this machine".into(),
            },
            figures: vec![
                ("rows", n as f64),
                ("rows_per_second", per_s),
                ("peak_kib", ran.peak_kib as f64),
            ],
            target: "≥ 150 000 rows/s, ≤ 3× floor, ≤ 100 MB",
            note: format!(
                "{per_s:.0} rows/s, peak {:.0} MB, file {mb:.1} MB",
                ran.peak_kib as f64 / 1024.0
            ),
            ..Row::default()
        }
    };
    say(cfg, &format!("import people: {people} rows"));
    let p = one("people", &people_csv, people, false);
    say(cfg, &format!("import entries --registered: {rows} rows"));
    let e = one("entries", &entries_csv, rows, true);
    (p, e)
}

/// Issue 11: the annual completion report of the province and of one city (a read of the yearly
/// totals in `people_report` order), and the people roster exported, each a whole process with
/// its peak memory. No floor: the report is itself one pass over people and their totals.
fn reports(world: &World, db: &Path, dir: &Path, size: u64) -> Vec<Row> {
    let year = TO.to_string();
    let runs: [(&str, Vec<String>); 3] = [
        (
            "report annual (province, CSV)",
            vec!["report", "annual", "--year", &year, "--format", "csv"],
        ),
        (
            "report annual --city (one city, CSV)",
            vec![
                "report",
                "annual",
                "--year",
                &year,
                "--city",
                data::OFFICE,
                "--format",
                "csv",
            ],
        ),
        (
            "export people (CSV)",
            vec!["export", "people", "--format", "csv"],
        ),
    ]
    .map(|(what, args)| (what, args.into_iter().map(String::from).collect()));
    let mut rows = Vec::new();
    for (k, (what, mut args)) in runs.into_iter().enumerate() {
        let out = dir.join(format!("report-{k}.csv"));
        let _ = std::fs::remove_file(&out);
        args.push("--to".into());
        args.push(out.display().to_string());
        let argv: Vec<&str> = args.iter().map(String::as_str).collect();
        let mut samples = Vec::new();
        let mut peak = 0;
        for _ in 0..3 {
            let _ = std::fs::remove_file(&out);
            let ran = data::run(world.command(db, &argv));
            assert_eq!(ran.code, 0, "{what}: {}", data::head(&ran.stderr));
            samples.push(ran.wall);
            peak = peak.max(ran.peak_kib);
        }
        let bytes = std::fs::metadata(&out).map(|m| m.len()).unwrap_or(0);
        rows.push(Row {
            size,
            section: "reports",
            what: what.into(),
            samples,
            target: "seconds at 1 000 000",
            floor_note: "none: one pass over people and their yearly totals".into(),
            figures: vec![("peak_kib", peak as f64), ("bytes", bytes as f64)],
            note: format!(
                "peak {:.0} MB, {} KB written",
                peak as f64 / 1024.0,
                bytes / 1024
            ),
            ..Row::default()
        });
    }
    rows
}
