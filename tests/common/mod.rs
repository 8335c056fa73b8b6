//! Shared helpers of the integration tests: a temporary directory with its own database, the
//! built binary run in it with a fixed clerk and clock, rosters written to that directory, and
//! direct reads of the SQLite file to show what was (not) written.
//!
//! Each test binary uses a different subset of these helpers.
#![allow(dead_code)]

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;

use rusqlite::Connection;
use serde_json::Value;

/// The day every command believes it is, unless a test says otherwise (hidden `JIJIAO_TODAY`).
pub const TODAY: &str = "2017-07-15";
/// The clerk recorded on every decision (R5.5).
pub const CLERK: &str = "wangfang";

/// Valid ID numbers (R1.1). `LI` is the published specimen whose check character is X.
pub const ZHANG: &str = "430102198001010011";
pub const LI: &str = "11010519491231002X";
pub const WANG: &str = "430203199007200031";
pub const ZHAO: &str = "430102197001010041";
/// Valid, but nobody in any test database has it.
pub const STRANGER: &str = "430102198503150022";

/// R1.1 The check character of the first 17 digits.
pub fn check_char(first17: &str) -> char {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = first17
        .bytes()
        .zip(WEIGHTS)
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    char::from(b"10X98765432"[(sum % 11) as usize])
}

/// A valid ID number for test person `n` (born 1975-05-05 in 长沙 芙蓉区).
pub fn person_id(n: u32) -> String {
    let head = format!("43010219750505{n:03}");
    format!("{head}{}", check_char(&head))
}

/// What a run of the binary did.
#[derive(Debug)]
pub struct Out {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Out {
    pub fn expect(&self, code: i32) -> &Out {
        assert_eq!(
            self.code, code,
            "expected exit status {code}\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout, self.stderr
        );
        self
    }
}

/// What a run of the binary did, standard output as bytes (a page in GB18030 is not UTF-8).
#[derive(Debug)]
pub struct RawOut {
    pub code: i32,
    pub stdout: Vec<u8>,
    pub stderr: String,
}

impl RawOut {
    pub fn expect(&self, code: i32) -> &RawOut {
        assert_eq!(
            self.code,
            code,
            "expected exit status {code}\n--- stdout\n{}\n--- stderr\n{}",
            String::from_utf8_lossy(&self.stdout),
            self.stderr
        );
        self
    }
}

/// Counts of the tables an import writes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counts {
    pub people: i64,
    pub filings: i64,
    pub entries: i64,
    pub evidence: i64,
    pub batches: i64,
    pub audit: i64,
}

/// One test's world: a temporary directory holding the database, the rosters and the home and
/// config directories, so no real configuration or database is ever read.
pub struct Env {
    pub dir: tempfile::TempDir,
}

impl Default for Env {
    fn default() -> Self {
        Env::new()
    }
}

impl Env {
    pub fn new() -> Env {
        Env {
            dir: tempfile::tempdir().expect("temporary directory"),
        }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn db(&self) -> PathBuf {
        self.path("jijiao.sqlite")
    }

    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        self.write_bytes(name, text.as_bytes())
    }

    pub fn write_bytes(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let p = self.path(name);
        std::fs::write(&p, bytes).expect("write roster");
        p
    }

    /// The binary with this test's database, clerk, clock and an empty home.
    /// The system configuration every command of this test reads (`JIJIAO_SYSTEM_CONFIG`):
    /// empty unless a test writes one, so the machine's `/etc/jijiao/config.toml` never counts.
    pub fn system_config_path(&self) -> PathBuf {
        self.path("system-config.toml")
    }

    /// Write this test's system configuration (roles, policy: R5.5).
    pub fn system_config(&self, text: &str) {
        std::fs::write(self.system_config_path(), text).expect("write the system configuration");
    }

    pub fn command_on(&self, db: &Path, today: &str) -> Command {
        let system = self.system_config_path();
        if !system.exists() {
            self.system_config("");
        }
        let mut c = Command::new(env!("CARGO_BIN_EXE_jijiao"));
        c.current_dir(self.dir.path())
            .env("JIJIAO_SYSTEM_CONFIG", &system)
            .env("JIJIAO_DB", db)
            .env("JIJIAO_USER", CLERK)
            .env("JIJIAO_TODAY", today)
            .env("HOME", self.dir.path())
            .env("XDG_CONFIG_HOME", self.dir.path().join("config"))
            .env("XDG_DATA_HOME", self.dir.path().join("data"))
            .env_remove("JIJIAO_CONFIG")
            .env_remove("JIJIAO_LANG")
            .env("NO_COLOR", "1");
        c
    }

    pub fn run_cmd(mut c: Command) -> Out {
        let o = c.output().expect("run jijiao");
        Out {
            code: o.status.code().expect("exited normally, not by a signal"),
            stdout: String::from_utf8(o.stdout).expect("stdout is UTF-8"),
            stderr: String::from_utf8(o.stderr).expect("stderr is UTF-8"),
        }
    }

    /// Like [`Env::run_full`], but standard output kept as bytes: printed pages may be GB18030.
    pub fn run_raw_on<I, S>(&self, db: &Path, args: I) -> RawOut
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let mut c = self.command_on(db, TODAY);
        c.args(args);
        let o = c.output().expect("run jijiao");
        RawOut {
            code: o.status.code().expect("exited normally, not by a signal"),
            stdout: o.stdout,
            stderr: String::from_utf8(o.stderr).expect("stderr is UTF-8"),
        }
    }

    /// [`Env::run_raw_on`] on this test's database.
    pub fn run_raw<I, S>(&self, args: I) -> RawOut
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.run_raw_on(&self.db(), args)
    }

    pub fn run_full<I, S>(&self, db: &Path, today: &str, args: I) -> Out
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let mut c = self.command_on(db, today);
        c.args(args);
        Env::run_cmd(c)
    }

    pub fn run<I, S>(&self, args: I) -> Out
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.run_full(&self.db(), TODAY, args)
    }

    pub fn run_today<I, S>(&self, today: &str, args: I) -> Out
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.run_full(&self.db(), today, args)
    }

    /// `jijiao [--lang en] import KIND FILE EXTRA…`
    pub fn import(&self, kind: &str, file: &Path, extra: &[&str]) -> Out {
        let mut args: Vec<&OsStr> = vec![OsStr::new("import"), OsStr::new(kind), file.as_os_str()];
        args.extend(extra.iter().map(OsStr::new));
        self.run(args)
    }

    /// `jijiao --lang en import KIND FILE EXTRA…`
    pub fn import_en(&self, kind: &str, file: &Path, extra: &[&str]) -> Out {
        let mut args: Vec<&OsStr> = vec![
            OsStr::new("--lang"),
            OsStr::new("en"),
            OsStr::new("import"),
            OsStr::new(kind),
            file.as_os_str(),
        ];
        args.extend(extra.iter().map(OsStr::new));
        self.run(args)
    }

    /// Import a roster that must be accepted.
    pub fn import_ok(&self, kind: &str, name: &str, text: &str, extra: &[&str]) -> Out {
        let file = self.write(name, text);
        let out = self.import(kind, &file, extra);
        out.expect(0);
        out
    }

    pub fn people(&self, rows: &[(&str, &str)]) {
        self.import_ok("people", "people.csv", &people_csv(rows), &[]);
    }

    pub fn registered(&self, entries: &[Entry]) {
        self.import_ok(
            "entries",
            "history.csv",
            &entries_csv(entries),
            &["--registered"],
        );
    }

    /// `check ID --json EXTRA…`: exit status and the parsed object.
    pub fn check_json(&self, id: &str, extra: &[&str]) -> (i32, Value) {
        let mut args = vec!["check", id, "--json"];
        args.extend_from_slice(extra);
        let out = self.run(args);
        assert!(
            out.code == 0 || out.code == 1,
            "check should decide, not fail: {out:?}"
        );
        let v: Value = serde_json::from_str(out.stdout.trim())
            .unwrap_or_else(|e| panic!("check --json printed no JSON ({e}): {out:?}"));
        (out.code, v)
    }

    pub fn conn(&self) -> Connection {
        Connection::open(self.db()).expect("open the test database")
    }

    /// Row counts; all zero while the database does not exist.
    pub fn counts(&self) -> Counts {
        if !self.db().exists() {
            return Counts::default();
        }
        let c = self.conn();
        let n = |t: &str| -> i64 {
            c.query_row(&format!("SELECT count(*) FROM {t}"), [], |r| r.get(0))
                .unwrap_or_else(|e| panic!("count {t}: {e}"))
        };
        Counts {
            people: n("people"),
            filings: n("filings"),
            entries: n("entries"),
            evidence: n("entry_evidence"),
            batches: n("import_batches"),
            audit: n("audit"),
        }
    }

    /// Import `text` as `kind` and require it refused in both languages with a line
    /// `FILE:ROW:COLUMN: message` containing the fragments, and nothing written. Returns the
    /// Chinese run for further checks.
    #[allow(clippy::too_many_arguments)]
    pub fn refused(
        &self,
        kind: &str,
        name: &str,
        text: &str,
        row: usize,
        column: &str,
        zh: &[&str],
        en: &[&str],
    ) -> Out {
        let file = self.write(name, text);
        self.refused_file(kind, &file, &[], row, column, zh, en)
    }

    #[allow(clippy::too_many_arguments)]
    pub fn refused_file(
        &self,
        kind: &str,
        file: &Path,
        extra: &[&str],
        row: usize,
        column: &str,
        zh: &[&str],
        en: &[&str],
    ) -> Out {
        let before = self.counts();
        let out = self.import(kind, file, extra);
        out.expect(2);
        assert_row_error(&out, file, row, column, zh);
        assert!(
            out.stderr.contains("未写入任何数据"),
            "the clerk is told nothing was written: {out:?}"
        );
        assert_eq!(self.counts(), before, "a refused roster writes nothing");

        let en_out = self.import_en(kind, file, extra);
        en_out.expect(2);
        assert_row_error(&en_out, file, row, column, en);
        assert!(
            en_out.stderr.contains("nothing was written"),
            "the clerk is told nothing was written: {en_out:?}"
        );
        assert_eq!(self.counts(), before, "a refused roster writes nothing");
        out
    }
}

/// Standard error has a line `FILE:ROW:COLUMN: …` containing every fragment.
pub fn assert_row_error(out: &Out, file: &Path, row: usize, column: &str, fragments: &[&str]) {
    let prefix = format!("{}:{row}:{column}: ", file.display());
    let found = out
        .stderr
        .lines()
        .any(|l| l.starts_with(&prefix) && fragments.iter().all(|f| l.contains(f)));
    assert!(
        found,
        "no stderr line starting with {prefix:?} and containing {fragments:?}\n--- stderr\n{}",
        out.stderr
    );
}

/// How many `FILE:ROW:COLUMN:` lines standard error has.
pub fn row_error_lines(out: &Out, file: &Path) -> usize {
    let prefix = format!("{}:", file.display());
    out.stderr
        .lines()
        .filter(|l| l.starts_with(&prefix))
        .count()
}

pub const PEOPLE_HEADER: &str = "身份证号,姓名,单位,单位类型,市州,现有职称,职称级别,联系电话";

/// A people roster in Chinese: everyone at 湖南师范大学 (省直单位, filed under 省直: R1.3, R1.4),
/// 副教授 (副高).
pub fn people_csv(rows: &[(&str, &str)]) -> String {
    let mut s = format!("{PEOPLE_HEADER}\n");
    for (id, name) in rows {
        s.push_str(&format!(
            "{id},{name},湖南师范大学,省直单位,省直,副教授,副高,0731-88872000\n"
        ));
    }
    s
}

pub const ENTRIES_HEADER: &str = "身份证号,年度,科目类别,学习形式,培训内容,施教机构,开始日期,结束日期,学时,考核结果,备案编号,已交材料";

/// One row of an entries roster, as a training institution writes it.
#[derive(Debug, Clone)]
pub struct Entry {
    pub id: String,
    pub year: String,
    pub category: String,
    pub form: String,
    pub content: String,
    pub provider: String,
    pub start: String,
    pub end: String,
    pub hours: String,
    pub result: String,
    pub filing: String,
    pub evidence: String,
}

impl Entry {
    /// A passed training class, no filing, no evidence listed.
    pub fn new(id: &str, category: &str, start: &str, end: &str, hours: &str) -> Entry {
        Entry {
            id: id.into(),
            year: String::new(),
            category: category.into(),
            form: "培训班".into(),
            content: format!("{category}科目培训 {start}"),
            provider: "湖南省专业技术人员继续教育基地".into(),
            start: start.into(),
            end: end.into(),
            hours: hours.into(),
            result: "合格".into(),
            filing: String::new(),
            evidence: String::new(),
        }
    }

    /// A public-subject class in March of `year`.
    pub fn public(id: &str, year: i32, hours: &str) -> Entry {
        Entry::new(
            id,
            "公需",
            &format!("{year}-03-01"),
            &format!("{year}-03-05"),
            hours,
        )
    }

    /// A professional-subject distance course in April of `year`.
    pub fn professional(id: &str, year: i32, hours: &str) -> Entry {
        Entry::new(
            id,
            "专业",
            &format!("{year}-04-01"),
            &format!("{year}-04-20"),
            hours,
        )
        .form("远程教育")
    }

    pub fn form(mut self, f: &str) -> Entry {
        self.form = f.into();
        self
    }
    pub fn year(mut self, y: &str) -> Entry {
        self.year = y.into();
        self
    }
    pub fn result(mut self, r: &str) -> Entry {
        self.result = r.into();
        self
    }
    pub fn filing(mut self, f: &str) -> Entry {
        self.filing = f.into();
        self
    }
    pub fn evidence(mut self, e: &str) -> Entry {
        self.evidence = e.into();
        self
    }
    pub fn hours(mut self, h: &str) -> Entry {
        self.hours = h.into();
        self
    }
    pub fn category(mut self, c: &str) -> Entry {
        self.category = c.into();
        self
    }
    pub fn content(mut self, c: &str) -> Entry {
        self.content = c.into();
        self
    }

    pub fn line(&self) -> String {
        [
            &self.id,
            &self.year,
            &self.category,
            &self.form,
            &self.content,
            &self.provider,
            &self.start,
            &self.end,
            &self.hours,
            &self.result,
            &self.filing,
            &self.evidence,
        ]
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(",")
    }
}

pub fn entries_csv(entries: &[Entry]) -> String {
    let mut s = format!("{ENTRIES_HEADER}\n");
    for e in entries {
        s.push_str(&e.line());
        s.push('\n');
    }
    s
}

/// A year that meets R2.1 exactly: 30 public and 60 professional hours.
pub fn full_year(id: &str, year: i32) -> Vec<Entry> {
    vec![
        Entry::public(id, year, "30"),
        Entry::professional(id, year, "60"),
    ]
}

pub const FILINGS_HEADER: &str =
    "备案编号,培训名称,科目类别,申报单位,培训机构,开始日期,结束日期,状态,备案日期";

/// One filing row: (number, category, start, end, status, approved_on).
pub fn filing_line(
    no: &str,
    category: &str,
    start: &str,
    end: &str,
    status: &str,
    on: &str,
) -> String {
    format!(
        "{no},{category}科目培训班,{category},湖南省人力资源和社会保障厅,湖南省专业技术人员继续教育基地,{start},{end},{status},{on}"
    )
}

pub fn filings_csv(lines: &[String]) -> String {
    let mut s = format!("{FILINGS_HEADER}\n");
    for l in lines {
        s.push_str(l);
        s.push('\n');
    }
    s
}

/// The object of `years` for `year` in a `check --json` result.
pub fn year(v: &Value, year: i64) -> &Value {
    v["years"]
        .as_array()
        .expect("years is an array")
        .iter()
        .find(|y| y["year"].as_i64() == Some(year))
        .unwrap_or_else(|| panic!("no year {year} in {v}"))
}

/// A number of a year object as f64 (whole hours are printed as integers, tenths as decimals).
pub fn hours(v: &Value, year_no: i64, field: &str) -> f64 {
    year(v, year_no)[field]
        .as_f64()
        .unwrap_or_else(|| panic!("{field} of {year_no} is not a number in {v}"))
}

pub fn shortfalls(v: &Value, year_no: i64) -> Vec<String> {
    year(v, year_no)["shortfalls"]
        .as_array()
        .expect("shortfalls is an array")
        .iter()
        .map(|s| s.as_str().expect("shortfall is a string").to_string())
        .collect()
}

/// A cell of a workbook written by [`write_xlsx`].
#[derive(Debug, Clone)]
pub enum Cell {
    Text(String),
    Number(f64),
    /// A real Excel date (a serial number with a date format), as Excel stores typed dates.
    Date(u16, u8, u8),
    /// A formula saved without its result, as programs that write workbooks without
    /// calculating them do.
    Formula(String),
    /// A formula whose saved result is an Excel error such as `#N/A`.
    Error(String),
    Empty,
}

pub fn text(s: &str) -> Cell {
    Cell::Text(s.to_string())
}

/// Write `rows` to the first sheet of a new workbook at `path`.
pub fn write_xlsx(path: &Path, rows: &[Vec<Cell>]) {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let mut book = Workbook::new();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let sheet = book.add_worksheet();
    for (r, cells) in rows.iter().enumerate() {
        for (c, cell) in cells.iter().enumerate() {
            let (r, c) = (r as u32, c as u16);
            match cell {
                Cell::Text(s) => {
                    sheet.write_string(r, c, s.as_str()).unwrap();
                }
                Cell::Number(n) => {
                    sheet.write_number(r, c, *n).unwrap();
                }
                Cell::Date(y, m, d) => {
                    let dt = ExcelDateTime::from_ymd(*y, *m, *d).unwrap();
                    sheet.write_datetime_with_format(r, c, &dt, &date).unwrap();
                }
                Cell::Formula(f) => {
                    sheet.write_formula(r, c, f.as_str()).unwrap();
                }
                Cell::Error(e) => {
                    let f = rust_xlsxwriter::Formula::new("=NA()").set_result(e.as_str());
                    sheet.write_formula(r, c, f).unwrap();
                }
                Cell::Empty => {}
            }
        }
    }
    book.save(path).expect("save workbook");
    if rows.iter().flatten().any(|c| matches!(c, Cell::Formula(_))) {
        strip_formula_results(path);
    }
}

/// Removes the saved results of plain formulas from the first sheet (rust_xlsxwriter writes 0).
fn strip_formula_results(path: &Path) {
    use std::io::{Read, Write};
    let bytes = std::fs::read(path).unwrap();
    let mut zin = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for i in 0..zin.len() {
        let mut f = zin.by_index(i).unwrap();
        let name = f.name().to_string();
        let mut data = Vec::new();
        f.read_to_end(&mut data).unwrap();
        if name == "xl/worksheets/sheet1.xml" {
            let xml = String::from_utf8(data).unwrap();
            let mut kept = String::new();
            let mut rest = xml.as_str();
            while let Some(at) = rest.find("</f><v>0</v>") {
                kept.push_str(&rest[..at + 4]);
                rest = &rest[at + "</f><v>0</v>".len()..];
            }
            kept.push_str(rest);
            data = kept.into_bytes();
        }
        out.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        out.write_all(&data).unwrap();
    }
    std::fs::write(path, out.finish().unwrap().into_inner()).unwrap();
}

/// A CSV text as rows of text cells (no quoting needed by the rosters of these tests).
pub fn csv_cells(text_csv: &str) -> Vec<Vec<Cell>> {
    text_csv
        .lines()
        .map(|l| {
            l.split(',')
                .map(|s| if s.is_empty() { Cell::Empty } else { text(s) })
                .collect()
        })
        .collect()
}
