//! The databases and files a run measures on: demo databases built once per size and seed and
//! cached, the working copy each run may change, the clerk's configuration, rosters written for
//! the import, and the built binary run as a child whose own peak memory is read at its end.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The day every run believes it is: July, inside R6.3's window for batches, with 2012–2016 as
/// the five years a check covers. The demo data set is generated for this day.
pub const TODAY: &str = "2017-07-15";
/// The clerk recorded on every decision (R5.5).
pub const CLERK: &str = "wangfang";
/// The office the clerk works at (R6.2 routes people to it or elsewhere).
pub const OFFICE: &str = "长沙";

/// Where a run keeps its files: the home and configuration of its clerk, rosters, copies.
pub struct World {
    pub bin: PathBuf,
    pub dir: PathBuf,
    /// The clerk's home: it holds the personal audit key the cached databases' trails are
    /// keyed with (R5.5), so it lives beside the cache, not in the working directory.
    pub home: PathBuf,
    /// Imports up to this many rows are allowed (`[import] max_rows`).
    pub max_rows: usize,
}

impl World {
    /// A world under `dir` (created), running `bin`, the clerk's home in `home`.
    pub fn new(bin: &Path, dir: &Path, home: &Path, max_rows: usize) -> World {
        std::fs::create_dir_all(home.join("config")).expect("bench home");
        // The office, its phone and the clerk's printed name are what issuing needs (R7.1);
        // the row bound is raised so the large roster is read at all.
        std::fs::write(
            dir.join("config.toml"),
            format!(
                "[office]\nname = \"{OFFICE}\"\nphone = \"0731-84440000\"\n\n\
                 [office.clerk_names]\n{CLERK} = \"王芳\"\n\n[import]\nmax_rows = {}\n",
                max_rows.max(200_000)
            ),
        )
        .expect("bench config");
        // No roles: the machine's /etc/jijiao/config.toml never counts.
        std::fs::write(dir.join("system.toml"), "").expect("bench system config");
        World {
            bin: bin.to_path_buf(),
            dir: dir.to_path_buf(),
            home: home.to_path_buf(),
            max_rows,
        }
    }

    /// The environment of every run of the binary on `db`.
    pub fn env(&self, db: &Path) -> Vec<(String, String)> {
        let p = |x: &Path| x.to_string_lossy().into_owned();
        vec![
            ("JIJIAO_DB".into(), p(db)),
            ("JIJIAO_USER".into(), CLERK.into()),
            ("JIJIAO_TODAY".into(), TODAY.into()),
            ("JIJIAO_CONFIG".into(), p(&self.dir.join("config.toml"))),
            (
                "JIJIAO_SYSTEM_CONFIG".into(),
                p(&self.dir.join("system.toml")),
            ),
            ("HOME".into(), p(&self.home)),
            ("XDG_CONFIG_HOME".into(), p(&self.home.join("config"))),
            ("XDG_DATA_HOME".into(), p(&self.home.join("data"))),
        ]
    }

    /// The binary with `args` on `db`, quiet on standard output.
    pub fn command(&self, db: &Path, args: &[&str]) -> Command {
        let mut c = Command::new(&self.bin);
        c.args(args)
            .current_dir(&self.dir)
            .env_remove("JIJIAO_LANG")
            .env_remove("NO_COLOR")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in self.env(db) {
            c.env(k, v);
        }
        c
    }
}

/// The first lines of a child's complaint, for a failure message that stays readable.
pub fn head(text: &str) -> String {
    text.lines().take(12).collect::<Vec<_>>().join("\n")
}

/// How a child process ended and what it cost.
#[derive(Debug, Clone)]
pub struct Ran {
    pub code: i32,
    pub wall: Duration,
    /// Peak resident memory of this child alone (`ru_maxrss` from `wait4`), KiB.
    pub peak_kib: u64,
    pub stdout: String,
    pub stderr: String,
}

/// Run `cmd` to its end; its wall time and its own peak memory (`wait4` reaps exactly this
/// child, so the peak is not another child's, as `RUSAGE_CHILDREN` would give).
// The child is reaped by `wait4` below, which clippy does not know as a wait.
#[allow(clippy::zombie_processes)]
pub fn run(mut cmd: Command) -> Ran {
    use std::io::Read;
    let started = Instant::now();
    let mut child = cmd.spawn().expect("spawn");
    let mut out = child.stdout.take();
    let mut err = child.stderr.take();
    // Drain both pipes while the child runs, so a talkative child never blocks on a full pipe.
    let out_reader = std::thread::spawn(move || {
        let mut s = String::new();
        if let Some(o) = out.as_mut() {
            let _ = o.read_to_string(&mut s);
        }
        s
    });
    let err_reader = std::thread::spawn(move || {
        let mut s = String::new();
        if let Some(e) = err.as_mut() {
            let _ = e.read_to_string(&mut s);
        }
        s
    });
    let pid = child.id() as libc::pid_t;
    let mut status: libc::c_int = 0;
    // SAFETY: an all-zero rusage is a valid value of this plain C struct.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: wait4 on our own child's pid, not yet reaped (we never call child.wait), with
    // valid pointers to locals that outlive the call.
    let reaped = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let wall = started.elapsed();
    assert_eq!(reaped, pid, "wait4 on the child");
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        -1
    };
    Ran {
        code,
        wall,
        peak_kib: u64::try_from(usage.ru_maxrss).unwrap_or(0),
        stdout: out_reader.join().unwrap_or_default(),
        stderr: err_reader.join().unwrap_or_default(),
    }
}

/// What building a demo database cost (when this run built it).
#[derive(Debug, Clone)]
pub struct Built {
    pub wall: Duration,
    pub peak_kib: u64,
}

/// The cached demo database of `people` and `seed` under `cache`, built with
/// `jijiao demo --people N --seed S` when missing; `Some` when this run built it. The key
/// holds the schema's version too: a file of an older schema would be migrated again on every
/// copy a run makes (untimed, but migration 25 rewrites every entry), and measured with the
/// free pages the rewrite leaves instead of as a new file of today's layout.
pub fn demo(world: &World, cache: &Path, people: u64, seed: u64) -> (PathBuf, Option<Built>) {
    std::fs::create_dir_all(cache).expect("bench cache");
    let schema = jijiao::store::schema::MIGRATIONS.len();
    let path = cache.join(format!("demo-{people}-seed{seed}-schema{schema}.sqlite"));
    if path.exists() {
        return (path, None);
    }
    let partial = cache.join(format!(
        "demo-{people}-seed{seed}-schema{schema}.partial.sqlite"
    ));
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", partial.display()));
    }
    let (n, s) = (people.to_string(), seed.to_string());
    let ran = run(world.command(&partial, &["demo", "--people", &n, "--seed", &s]));
    assert_eq!(ran.code, 0, "demo --people {people}: {}", head(&ran.stderr));
    // Fold any write-ahead log into the file before it becomes the cache: the cache is one file.
    let conn = rusqlite::Connection::open(&partial).expect("open the demo database");
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
        .expect("checkpoint");
    drop(conn);
    std::fs::rename(&partial, &path).expect("cache the demo database");
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", partial.display()));
    }
    (
        path,
        Some(Built {
            wall: ran.wall,
            peak_kib: ran.peak_kib,
        }),
    )
}

/// R1.1 the check character of the first 17 digits.
fn check_char(first17: &str) -> char {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = first17
        .bytes()
        .zip(WEIGHTS)
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    char::from(b"10X98765432"[(sum % 11) as usize])
}

/// A valid ID number for roster person `n`, in district 439999, which no demo person has:
/// born on one of the days from 1960 on, sequence `n % 1000`.
fn roster_id(n: u64) -> String {
    let day =
        chrono::NaiveDate::from_ymd_opt(1960, 1, 1).expect("date") + chrono::Days::new(n / 1000);
    let head = format!("439999{}{:03}", day.format("%Y%m%d"), n % 1000);
    format!("{head}{}", check_char(&head))
}

/// Entries per person in the roster: about the demo's (21).
pub const ENTRIES_PER_PERSON: u64 = 20;

/// A people roster and an entries roster of `rows` entries (`rows / 20` people, at least one),
/// as a bureau would import its paper history (`import entries --registered`).
pub fn rosters(dir: &Path, rows: u64) -> (PathBuf, PathBuf, u64) {
    use std::io::Write;
    let people = rows.div_ceil(ENTRIES_PER_PERSON).max(1);
    let people_csv = dir.join(format!("people-{rows}.csv"));
    let entries_csv = dir.join(format!("entries-{rows}.csv"));
    let mut p = std::io::BufWriter::new(std::fs::File::create(&people_csv).expect("roster"));
    writeln!(p, "身份证号,姓名,单位,单位类型,市州").expect("write");
    const SURNAMES: [&str; 8] = ["张", "王", "李", "刘", "陈", "杨", "黄", "赵"];
    const GIVEN: [&str; 8] = ["伟", "芳", "娜", "敏", "静", "强", "磊", "洋"];
    for n in 0..people {
        writeln!(
            p,
            "{},{}{}{},长沙市基准测试研究院第{}所,市州所属单位,长沙",
            roster_id(n),
            SURNAMES[(n % 8) as usize],
            GIVEN[(n / 8 % 8) as usize],
            GIVEN[(n / 64 % 8) as usize],
            n % 50 + 1
        )
        .expect("write");
    }
    p.flush().expect("flush roster");
    let mut e = std::io::BufWriter::new(std::fs::File::create(&entries_csv).expect("roster"));
    writeln!(
        e,
        "身份证号,年度,科目类别,学习形式,培训内容,施教机构,开始日期,结束日期,学时,考核结果"
    )
    .expect("write");
    for r in 0..rows {
        let person = r / ENTRIES_PER_PERSON;
        let k = r % ENTRIES_PER_PERSON;
        let year = 2012 + (k % 5);
        let (category, hours) = if k.is_multiple_of(4) {
            ("公需", "30")
        } else {
            ("专业", "22.5")
        };
        // A different course and start day per row: no two rows are the same entry.
        let month = 1 + k % 12;
        writeln!(
            e,
            "{},{year},{category},培训班,专业技术人员继续教育课程{k},湖南大学,{year}-{month:02}-0{d},{year}-{month:02}-1{d},{hours},合格",
            roster_id(person),
            d = 1 + k / 12,
        )
        .expect("write");
    }
    e.flush().expect("flush roster");
    (people_csv, entries_csv, people)
}

/// `sqlite3` on the path, if the machine has it (the floor of an import needs it).
pub fn sqlite3() -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join("sqlite3"))
            .find(|p| p.is_file())
    })
}

/// The floor of an import: `sqlite3 .import` of the same CSV into an empty file (a table made
/// from the header, no checks, no indexes).
pub fn sqlite3_import(sqlite3: &Path, dir: &Path, csv: &Path) -> Ran {
    let db = dir.join("floor-import.sqlite");
    let _ = std::fs::remove_file(&db);
    let mut c = Command::new(sqlite3);
    c.arg(&db)
        .arg(".mode csv")
        .arg(format!(".import '{}' roster", csv.display()))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let ran = run(c);
    let _ = std::fs::remove_file(&db);
    ran
}

/// The ID numbers of people who are routed (R6.2) and the office that may issue for them, for
/// `check` and `issue`: every `step`-th person, `limit` of them.
pub fn candidates(db: &Path, limit: usize, step: u64) -> Vec<(String, String)> {
    let conn = rusqlite::Connection::open(db).expect("open");
    let mut stmt = conn
        .prepare(
            "SELECT id_number,
                    CASE unit_kind WHEN 'city' THEN city_code WHEN 'non_public' THEN city_code
                                   ELSE '430000' END
             FROM people WHERE id % ?1 = 0 AND id_number NOT LIKE '439999%' ORDER BY id LIMIT ?2",
        )
        .expect("candidates");
    stmt.query_map(rusqlite::params![step as i64, limit as i64], |r| {
        Ok((r.get(0)?, r.get(1)?))
    })
    .expect("candidates")
    .collect::<rusqlite::Result<Vec<_>>>()
    .expect("candidates")
}

/// The first `n` people's ID numbers as an applicants roster (R6.1) for one batch.
pub fn applicants(db: &Path, dir: &Path, n: u64) -> (PathBuf, u64) {
    use std::io::Write;
    let conn = rusqlite::Connection::open(db).expect("open");
    let mut stmt = conn
        .prepare("SELECT id_number FROM people ORDER BY id LIMIT ?1")
        .expect("applicants");
    let ids = stmt
        .query_map([n as i64], |r| r.get::<_, String>(0))
        .expect("applicants")
        .collect::<rusqlite::Result<Vec<_>>>()
        .expect("applicants");
    let path = dir.join("applicants.csv");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&path).expect("applicants"));
    writeln!(f, "身份证号").expect("write");
    for id in &ids {
        writeln!(f, "{id}").expect("write");
    }
    f.flush().expect("flush");
    (path, ids.len() as u64)
}

/// A database's size in bytes, and its entries and people.
pub fn shape(db: &Path) -> (u64, u64, u64) {
    let bytes = std::fs::metadata(db).map(|m| m.len()).unwrap_or(0);
    let conn = rusqlite::Connection::open(db).expect("open");
    let count = |t: &str| -> u64 {
        conn.query_row(&format!("SELECT count(*) FROM {t}"), [], |r| {
            r.get::<_, i64>(0)
        })
        .map(|n| n as u64)
        .unwrap_or(0)
    };
    (bytes, count("entries"), count("people"))
}
