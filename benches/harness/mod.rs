//! The benchmark that drives the real program (issue 10, point 4): the built `jijiao` on demo
//! databases of several sizes, its interface in a pseudo-terminal of 80×24 fed key by key, its
//! commands run as a clerk's scripts run them, and beside each figure the floor measured in the
//! same run (the same lookup as one bare prepared statement; `sqlite3 .import` for an import).
//!
//! `benches/program.rs` runs it (`cargo bench`); `tests/bench_harness.rs` runs it once at 1 000
//! people so it cannot rot. Method and results: `BENCHMARKS.md`. Nothing here asserts a time.
#![allow(dead_code)]

pub mod data;
pub mod floor;
pub mod session;
pub mod term;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// What to measure and how patiently.
#[derive(Debug, Clone)]
pub struct Config {
    /// The built binary (`CARGO_BIN_EXE_jijiao`).
    pub bin: PathBuf,
    /// Demo sizes in people.
    pub sizes: Vec<u64>,
    pub seed: u64,
    /// Demo databases, kept between runs (`target/bench-cache/`).
    pub cache: PathBuf,
    /// Working copies, rosters, the clerk's home: emptied at the end of each size.
    pub work: PathBuf,
    /// Samples of each navigation key (j, k); other keys take a fraction of this.
    pub reps: usize,
    /// How many times the interface is started (start to first frame).
    pub starts: usize,
    /// At least this many `check` runs.
    pub checks: usize,
    /// Certificates to issue with one process, and again with four.
    pub issues: usize,
    /// Applicants of the verification batch (at most the people there are).
    pub applicants: u64,
    /// Rows of the entries roster imported (0: as many as the size in people).
    pub import_rows: u64,
    /// A key's answer is complete when the program has been silent this long.
    pub quiet: Duration,
    /// How long any one step may take before it counts as not answered.
    pub patience: Duration,
    /// Progress lines on standard error.
    pub verbose: bool,
}

impl Config {
    /// The defaults of `cargo bench`, overridden by `JIJIAO_BENCH_*` (see `BENCHMARKS.md`).
    pub fn from_env(bin: &Path, target: &Path) -> Config {
        let num = |name: &str, default: u64| -> u64 {
            std::env::var(name)
                .ok()
                .and_then(|v| v.replace(['_', ' '], "").parse().ok())
                .unwrap_or(default)
        };
        let sizes = std::env::var("JIJIAO_BENCH_SIZES")
            .ok()
            .map(|v| {
                v.split(',')
                    .filter_map(|s| s.trim().replace('_', "").parse().ok())
                    .collect::<Vec<u64>>()
            })
            .filter(|v| !v.is_empty())
            .unwrap_or_else(|| vec![10_000, 100_000]);
        Config {
            bin: bin.to_path_buf(),
            sizes,
            seed: num("JIJIAO_BENCH_SEED", 2017),
            cache: target.join("bench-cache"),
            work: target.join("bench-work"),
            reps: num("JIJIAO_BENCH_REPS", 60) as usize,
            starts: num("JIJIAO_BENCH_STARTS", 5) as usize,
            checks: num("JIJIAO_BENCH_CHECKS", 200) as usize,
            issues: num("JIJIAO_BENCH_ISSUES", 1000) as usize,
            applicants: num("JIJIAO_BENCH_APPLICANTS", 10_000),
            import_rows: num("JIJIAO_BENCH_IMPORT_ROWS", 0),
            quiet: Duration::from_millis(num("JIJIAO_BENCH_QUIET_MS", 150)),
            patience: Duration::from_secs(num("JIJIAO_BENCH_PATIENCE_S", 600)),
            verbose: true,
        }
    }
}

/// One line of the results: a key (or a command) measured several times, or one figure.
#[derive(Debug, Clone, Default)]
pub struct Row {
    /// People in the database.
    pub size: u64,
    pub section: &'static str,
    pub what: String,
    /// Time per sample: for a key, from sending it to the last byte of the frame that answers
    /// it; for a command, the whole process.
    pub samples: Vec<Duration>,
    /// For a key: key sent → end of the first frame after it.
    pub first: Vec<Duration>,
    /// For a key: bytes written to the terminal in answer.
    pub bytes: Vec<usize>,
    /// Keys whose expected screen never came within the patience (kept out of `samples`).
    pub unconfirmed: usize,
    /// The floor's median, per sample.
    pub floor: Option<Duration>,
    /// What the floor is, or why there is none.
    pub floor_note: String,
    /// The issue's target for this figure.
    pub target: &'static str,
    /// Figures that are not times (rows/s, peak memory…), by name, for the table and the tests.
    pub figures: Vec<(&'static str, f64)>,
    pub note: String,
}

impl Row {
    pub fn figure(&self, name: &str) -> Option<f64> {
        self.figures
            .iter()
            .find(|(n, _)| *n == name)
            .map(|&(_, v)| v)
    }
    pub fn p50(&self) -> Option<Duration> {
        percentile(&self.samples, 0.50)
    }
    pub fn p99(&self) -> Option<Duration> {
        percentile(&self.samples, 0.99)
    }
}

/// Nearest rank: with fewer than 100 samples p99 is the slowest.
pub fn percentile(samples: &[Duration], p: f64) -> Option<Duration> {
    if samples.is_empty() {
        return None;
    }
    let mut v = samples.to_vec();
    v.sort();
    let rank = ((p * v.len() as f64).ceil() as usize).clamp(1, v.len());
    Some(v[rank - 1])
}

/// Everything one run measured.
#[derive(Debug, Default)]
pub struct Report {
    pub rows: Vec<Row>,
    pub machine: String,
    pub started: String,
    /// What was left out and why (a floor that needs sqlite3 on a machine without it…).
    pub skipped: Vec<String>,
}

impl Report {
    /// The row of `size` whose name starts with `what`.
    pub fn row(&self, size: u64, what: &str) -> Option<&Row> {
        self.rows
            .iter()
            .find(|r| r.size == size && r.what.starts_with(what))
    }
}

/// Run every measurement at every size.
pub fn run(cfg: &Config) -> Report {
    let mut report = Report {
        machine: machine(),
        started: chrono::Local::now().format("%Y-%m-%d %H:%M").to_string(),
        ..Report::default()
    };
    for &size in &cfg.sizes {
        let t = Instant::now();
        say(cfg, &format!("== {size} people"));
        let dir = cfg.work.join(format!("{size}"));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("bench work directory");
        session::size(cfg, size, &dir, &mut report);
        let _ = std::fs::remove_dir_all(&dir);
        say(
            cfg,
            &format!("== {size} people done in {:.0?}", t.elapsed()),
        );
    }
    report
}

fn say(cfg: &Config, text: &str) {
    if cfg.verbose {
        eprintln!("bench: {text}");
    }
}

/// The machine: processors, memory, kernel (the figures are this machine's).
fn machine() -> String {
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_string())
        })
        .unwrap_or_else(|| "unknown processor".into());
    let mem = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("MemTotal:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|k| k.parse::<u64>().ok())
        })
        .map_or_else(String::new, |k| {
            format!(", {:.0} GiB", k as f64 / 1048576.0)
        });
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .map(|s| format!(", Linux {}", s.trim()))
        .unwrap_or_default();
    format!("{cpus} × {model}{mem}{kernel}")
}

fn ms(d: Duration) -> String {
    let ms = d.as_secs_f64() * 1e3;
    if ms >= 10_000.0 {
        format!("{:.1} s", ms / 1e3)
    } else if ms >= 100.0 {
        format!("{ms:.0} ms")
    } else if ms >= 10.0 {
        format!("{ms:.1} ms")
    } else {
        format!("{ms:.2} ms")
    }
}

fn bytes(n: f64) -> String {
    if n >= 10_240.0 {
        format!("{:.1} KB", n / 1024.0)
    } else {
        format!("{n:.0} B")
    }
}

/// The cells of one row: what, n, p50, p99, bytes per key (mean / max), floor, ratio, target,
/// note.
fn cells(r: &Row) -> [String; 9] {
    let n = if r.unconfirmed > 0 {
        format!("{} ({} unanswered)", r.samples.len(), r.unconfirmed)
    } else {
        r.samples.len().to_string()
    };
    let (p50, p99) = match (r.p50(), r.p99()) {
        (Some(a), Some(b)) if r.samples.len() > 1 => (ms(a), ms(b)),
        (Some(a), _) => (ms(a), "—".into()),
        _ => ("—".into(), "—".into()),
    };
    let per_key = if r.bytes.is_empty() {
        "—".into()
    } else {
        let mean = r.bytes.iter().sum::<usize>() as f64 / r.bytes.len() as f64;
        let max = r.bytes.iter().max().copied().unwrap_or(0) as f64;
        format!("{} / {}", bytes(mean), bytes(max))
    };
    let (floor, ratio) = match (r.floor, r.p50()) {
        (Some(f), Some(p)) if f > Duration::ZERO => (ms(f), {
            let x = p.as_secs_f64() / f.as_secs_f64();
            if x < 10.0 {
                format!("{x:.1}×")
            } else {
                format!("{x:.0}×")
            }
        }),
        (Some(f), _) => (ms(f), "—".into()),
        (None, _) => ("—".into(), "—".into()),
    };
    let mut note = r.note.clone();
    if !r.floor_note.is_empty() {
        if !note.is_empty() {
            note.push_str("; ");
        }
        let _ = write!(note, "floor: {}", r.floor_note);
    }
    [
        r.what.clone(),
        n,
        p50,
        p99,
        per_key,
        floor,
        ratio,
        r.target.to_string(),
        note,
    ]
}

const HEADER: [&str; 9] = [
    "what",
    "n",
    "p50",
    "p99",
    "bytes/key mean / max",
    "floor",
    "p50/floor",
    "target",
    "note",
];

/// The results as a plain table for standard output.
pub fn table(report: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "jijiao benchmark, {} on {}",
        report.started, report.machine
    );
    let mut size = None;
    let w = [58usize, 6, 9, 9, 20, 9, 9];
    for r in &report.rows {
        if size != Some(r.size) {
            size = Some(r.size);
            let _ = writeln!(out, "\n{} people", r.size);
            let mut line = String::new();
            for (h, w) in HEADER.iter().zip(w) {
                let _ = write!(line, "{h:<w$} ");
            }
            let _ = writeln!(out, "{}", line.trim_end());
        }
        let c = cells(r);
        let mut line = String::new();
        for (i, cell) in c.iter().enumerate().take(7) {
            let _ = write!(line, "{cell:<w$} ", w = w[i]);
        }
        let _ = writeln!(out, "{}  {}  {}", line.trim_end(), c[7], c[8]);
    }
    for s in &report.skipped {
        let _ = writeln!(out, "skipped: {s}");
    }
    out
}

/// The results as Markdown tables, one per size, for `target/bench-results.md`.
pub fn markdown(report: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# jijiao benchmark results\n\n{} on {}\n",
        report.started, report.machine
    );
    let mut size = None;
    for r in &report.rows {
        if size != Some(r.size) {
            size = Some(r.size);
            let _ = writeln!(out, "\n## {} people\n", r.size);
            let _ = writeln!(out, "| {} |", HEADER.join(" | "));
            let _ = writeln!(out, "|{}", "---|".repeat(HEADER.len()));
        }
        let c = cells(r).map(|c| c.replace('|', "\\|"));
        let _ = writeln!(out, "| {} |", c.join(" | "));
    }
    if !report.skipped.is_empty() {
        let _ = writeln!(out, "\nSkipped:\n");
        for s in &report.skipped {
            let _ = writeln!(out, "- {s}");
        }
    }
    out
}
