//! `jijiao report annual|register` and `jijiao export people|entries` (issue 11): parsing,
//! where the output goes, and the plain-text tables; the figures are the services'
//! (`service::report`, `service::export`), the files the one writer's (`crate::export`).

use std::ffi::{OsStr, OsString};
use std::fs::File;
use std::io::{BufWriter, IsTerminal, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand, ValueEnum};

use super::certs::To;
use super::{Context, EXIT_NO, EXIT_OK, Failure, as_real_group, output, progress};
use crate::domain::UnitKind;
use crate::domain::batch::{ApplicantState, DepartmentKind, Verdict};
use crate::domain::text::{Columns, clean_line, for_terminal};
use crate::export::{Column, CsvEncoding, CsvSink, Kind, Sink, Value, XlsxSink, one_decimal};
use crate::i18n::{Describe, Lang};
use crate::print::encode::PrintEncoding;
use crate::print::width::{AmbiguousWidth, PrintWidth};
use crate::service::report::{self, AnnualQuery, Figures, Line, RegisterCounts};
use crate::store::reference::Reference;
use crate::store::report::{ApplicantRow, BatchRow, CertificateRow};

/// The reports.
#[derive(Debug, Subcommand)]
pub enum Report {
    /// Annual completion (R2.1) by city, kind of unit and unit: people on record, meeting R2,
    /// short by rule, registered hours, entries pending review
    Annual {
        /// The year
        #[arg(long)]
        year: i32,
        /// One city only (长沙, 长沙市, 430100, 省直)
        #[arg(long)]
        city: Option<String>,
        /// One kind of unit only (省直单位, 市州所属单位, 非公企业和其他组织, 中央在湘单位, or
        /// provincial, city, non_public, central)
        #[arg(long, value_name = "KIND")]
        unit_kind: Option<String>,
        #[command(flatten)]
        out: ReportOut,
    },
    /// An office's verification batches of a year with their applicants' outcomes, and every
    /// certificate number it issued that year (R7.2) with who and when; exit 1 when the
    /// numbers disagree with the office's counter
    Register {
        /// The issuing office (长沙, 430100, 省直 …)
        #[arg(long)]
        office: String,
        /// The year (application year of the batches, year of the numbers)
        #[arg(long)]
        year: i32,
        #[command(flatten)]
        out: ReportOut,
    },
}

/// Where and how a report is written.
#[derive(Debug, Args)]
pub struct ReportOut {
    /// table (80 columns), csv or xlsx
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
    /// CSV only: utf-8 (with a byte-order mark, the default) or gb18030
    #[arg(long)]
    encoding: Option<String>,
    /// Write to FILE instead of standard output; `-` is standard output (an xlsx needs
    /// --to: a file, or `-` when standard output is not a terminal)
    #[arg(long, value_name = "FILE")]
    to: Option<OsString>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Csv,
    Xlsx,
}

impl Format {
    /// As `--format` is written.
    fn name(self) -> &'static str {
        match self {
            Format::Table => "table",
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
        }
    }
}

/// What `export` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportKind {
    /// The people roster (身份证号, 姓名, 单位 …)
    People,
    /// The entries roster (身份证号, 年度, 科目类别 …)
    Entries,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RosterFormat {
    Csv,
    Xlsx,
}

/// `export people|entries`: a roster the importers read back unchanged.
#[derive(Debug, Args)]
pub struct ExportArgs {
    #[arg(value_enum)]
    kind: ExportKind,
    /// People of one city only (长沙, 430100, 省直 …)
    #[arg(long)]
    city: Option<String>,
    /// Entries only: entries of one year only
    #[arg(long)]
    year: Option<i32>,
    /// csv or xlsx
    #[arg(long, value_enum, default_value = "csv")]
    format: RosterFormat,
    /// CSV only: utf-8 (with a byte-order mark, the default) or gb18030
    #[arg(long)]
    encoding: Option<String>,
    /// The file to write (created or replaced), or `-` for standard output (an xlsx only when
    /// standard output is not a terminal)
    #[arg(long, value_name = "FILE")]
    to: OsString,
}

fn fail(e: &impl Describe, lang: Lang) -> Failure {
    Failure::from(e, lang)
}

/// The CSV encoding asked for; `--encoding` with any `format` but CSV is an error that names
/// the format given.
fn encoding(lang: Lang, format: Format, given: Option<&str>) -> Result<CsvEncoding, Failure> {
    match given {
        None => Ok(CsvEncoding::default()),
        Some(_) if format != Format::Csv => {
            let f = format.name();
            Err(Failure(match lang {
                Lang::Zh => format!(
                    "--encoding 只用于 CSV（--format csv），不用于 --format {f}：请去掉 --encoding，或改用 --format csv"
                ),
                Lang::En => format!(
                    "--encoding applies to CSV only (--format csv), not to --format {f}: leave out --encoding, or use --format csv"
                ),
            }))
        }
        Some(s) => CsvEncoding::parse(s).ok_or_else(|| {
            let s = crate::domain::text::reveal_invisible(s);
            Failure(match lang {
                Lang::Zh => format!("编码“{s}”无法识别：请写 utf-8 或 gb18030"),
                Lang::En => format!("unknown encoding \"{s}\": write utf-8 or gb18030"),
            })
        }),
    }
}

/// A file written beside its destination and renamed over it when complete, so a failed or
/// interrupted export never leaves half a file under the name asked for. Created and renamed
/// with the clerk's rights (R5.5, set-group-id runs).
struct FileOut {
    partial: PathBuf,
    dest: PathBuf,
    done: bool,
}

impl FileOut {
    fn create(ctx: &Context, dest: &Path) -> Result<(FileOut, File), Failure> {
        let name = dest
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "export".into());
        let partial = dest.with_file_name(format!(".{name}.partial"));
        let file = as_real_group(ctx.ids, ctx.lang, || File::create(&partial))?
            .map_err(|e| cannot_write(ctx.lang, dest, &e))?;
        Ok((
            FileOut {
                partial,
                dest: dest.to_path_buf(),
                done: false,
            },
            file,
        ))
    }

    fn commit(mut self, ctx: &Context) -> Result<(), Failure> {
        as_real_group(ctx.ids, ctx.lang, || {
            std::fs::rename(&self.partial, &self.dest)
        })?
        .map_err(|e| cannot_write(ctx.lang, &self.dest, &e))?;
        self.done = true;
        Ok(())
    }
}

impl Drop for FileOut {
    fn drop(&mut self) {
        if !self.done {
            let _ = std::fs::remove_file(&self.partial);
        }
    }
}

fn cannot_write(lang: Lang, path: &Path, e: &std::io::Error) -> Failure {
    let path = clean_line(&path.display().to_string());
    Failure(match lang {
        Lang::Zh => format!("无法写入 {path}：{e}"),
        Lang::En => format!("cannot write {path}: {e}"),
    })
}

/// Where a report or an export goes: its `--to` as `certs::To` reads it (`-` is standard
/// output), and standard output when there is no `--to`.
fn target(to: Option<&OsStr>) -> To {
    to.map_or(To::Stdout, To::of)
}

/// What standard output's failure says (a closed pipe is not said: `cli::run` ends quietly).
fn cannot_write_stdout(lang: Lang, e: &std::io::Error) -> Failure {
    output::is_closed_pipe(e);
    Failure(match lang {
        Lang::Zh => format!("无法写入标准输出：{e}"),
        Lang::En => format!("cannot write to standard output: {e}"),
    })
}

/// What is left once a sink is finished: a file to rename into place, a workbook spooled to
/// a temporary file to copy to standard output, or nothing (standard output was written).
enum Pending {
    File(FileOut),
    Spool(File),
    Stdout,
}

impl Pending {
    /// Whether the data went to standard output: the words about it then go to standard error.
    fn on_stdout(&self) -> bool {
        !matches!(self, Pending::File(_))
    }

    fn complete(self, ctx: &Context) -> Result<(), Failure> {
        match self {
            Pending::File(f) => f.commit(ctx),
            Pending::Spool(mut f) => {
                let mut out = output::Stdout;
                f.seek(SeekFrom::Start(0))
                    .and_then(|_| std::io::copy(&mut f, &mut out))
                    .and_then(|_| out.flush())
                    .map_err(|e| cannot_write_stdout(ctx.lang, &e))
            }
            Pending::Stdout => Ok(()),
        }
    }
}

/// A temporary file for a workbook on its way to standard output (a zip is written with
/// seeks, a pipe has none): readable by the clerk only, and unlinked at once so nothing is
/// left behind whatever happens. Returns the file and a second handle to read it back.
fn spool(ctx: &Context) -> Result<(File, File), Failure> {
    use std::os::unix::fs::OpenOptionsExt;
    let lang = ctx.lang;
    let dir = std::env::temp_dir();
    for attempt in 0..100 {
        let path = dir.join(format!(".jijiao-{}-{attempt}.xlsx", std::process::id()));
        let opened = as_real_group(ctx.ids, lang, || {
            std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(&path)
        })?;
        match opened {
            Ok(f) => {
                let _ = std::fs::remove_file(&path);
                let back = f.try_clone().map_err(|e| cannot_write(lang, &path, &e))?;
                return Ok((f, back));
            }
            // Left by an earlier run of the same process id: take the next name.
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(cannot_write(lang, &path, &e)),
        }
    }
    let e = std::io::Error::from(std::io::ErrorKind::AlreadyExists);
    Err(cannot_write(lang, &dir, &e))
}

/// The refusal of an XLSX without a file to go to: with no `--to`, or with `--to -` when
/// standard output is the clerk's terminal (a workbook is binary).
fn xlsx_needs_a_file(lang: Lang) -> Failure {
    Failure(
        lang.pick(
            "XLSX 是二进制文件，不能写到终端：请用 --to 指定文件（标准输出接管道或文件时可用 --to -）",
            "an XLSX file is binary and is not written to the terminal: name a file with --to (or --to - when standard output is a pipe or a file)",
        )
        .to_string(),
    )
}

/// A sink for `format` to `to` (`None`: no `--to`), and what is left to do when it is
/// finished.
fn open_sink(
    ctx: &Context,
    format: Format,
    enc: CsvEncoding,
    titled: bool,
    to: Option<&OsStr>,
) -> Result<(Box<dyn Sink>, Pending), Failure> {
    let lang = ctx.lang;
    let werr = |e: crate::export::ExportError| fail(&e, lang);
    match (format, to.map(To::of)) {
        (Format::Xlsx, None) => Err(xlsx_needs_a_file(lang)),
        (Format::Xlsx, Some(To::Stdout)) => {
            if std::io::stdout().is_terminal() {
                return Err(xlsx_needs_a_file(lang));
            }
            let (file, back) = spool(ctx)?;
            Ok((
                Box::new(XlsxSink::new(BufWriter::new(file), lang)),
                Pending::Spool(back),
            ))
        }
        (Format::Xlsx, Some(To::File(path))) => {
            let (out, file) = FileOut::create(ctx, &path)?;
            Ok((
                Box::new(XlsxSink::new(BufWriter::new(file), lang)),
                Pending::File(out),
            ))
        }
        (_, Some(To::File(path))) => {
            let (out, file) = FileOut::create(ctx, &path)?;
            let sink = CsvSink::new(BufWriter::new(file), enc, lang, titled).map_err(werr)?;
            Ok((Box::new(sink), Pending::File(out)))
        }
        (_, None | Some(To::Stdout)) => {
            let sink =
                CsvSink::new(BufWriter::new(output::Stdout), enc, lang, titled).map_err(werr)?;
            Ok((Box::new(sink), Pending::Stdout))
        }
    }
}

/// The width every table line is counted in: CJK and ambiguous characters two columns, so a
/// line fits 80 columns on a terminal and on a printer alike.
const COLS: PrintWidth = PrintWidth::new(PrintEncoding::Utf8, AmbiguousWidth::Wide);
const WIDTH: usize = 80;

/// `s` in lines of at most `cols` columns ([`COLS`]), broken after a space or a Chinese comma
/// or semicolon when the line has one in its second half, else between characters: a sentence
/// is never cut off.
fn wrap(s: &str, cols: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut line = String::new();
    for c in s.chars() {
        if COLS.width(&line) + COLS.char_width(c) > cols {
            let cut = line
                .char_indices()
                .filter(|(_, ch)| matches!(ch, ' ' | '，' | '；' | ','))
                .map(|(i, ch)| i + ch.len_utf8())
                .next_back()
                .filter(|&i| COLS.width(&line[..i]) > cols / 2);
            match cut {
                Some(i) => {
                    let rest = line.split_off(i);
                    out.push(line.trim_end().to_string());
                    line = rest.trim_start().to_string();
                }
                None => out.push(std::mem::take(&mut line)),
            }
        }
        line.push(c);
    }
    if !line.is_empty() || out.is_empty() {
        out.push(line);
    }
    out
}

/// Lines of a plain-text table, written to standard output or a file as they come.
struct TextOut {
    file: Option<(FileOut, BufWriter<File>)>,
}

impl TextOut {
    fn open(ctx: &Context, to: Option<&OsStr>) -> Result<TextOut, Failure> {
        Ok(TextOut {
            file: match target(to) {
                To::File(p) => {
                    let (out, file) = FileOut::create(ctx, &p)?;
                    Some((out, BufWriter::new(file)))
                }
                To::Stdout => None,
            },
        })
    }

    fn line(&mut self, lang: Lang, s: &str) -> Result<(), Failure> {
        match &mut self.file {
            // As `output::say` writes; a closed pipe (`| head`) stops the report, and
            // `cli::run` ends it quietly.
            None => writeln!(output::Stdout, "{}", for_terminal(s))
                .map_err(|e| cannot_write_stdout(lang, &e)),
            Some((out, w)) => writeln!(w, "{s}").map_err(|e| cannot_write(lang, &out.dest, &e)),
        }
    }

    fn finish(self, ctx: &Context) -> Result<(), Failure> {
        if let Some((out, mut w)) = self.file {
            w.flush()
                .map_err(|e| cannot_write(ctx.lang, &out.dest, &e))?;
            drop(w);
            out.commit(ctx)?;
        }
        Ok(())
    }
}

/// `jijiao report …`
pub fn report(ctx: &Context, what: Report) -> Result<u8, Failure> {
    match what {
        Report::Annual {
            year,
            city,
            unit_kind,
            out,
        } => annual(ctx, year, city.as_deref(), unit_kind.as_deref(), &out),
        Report::Register { office, year, out } => register(ctx, &office, year, &out),
    }
}

/// The gap before every figure of the annual table: two spaces, so its columns stay apart
/// whatever the language and whatever a figure's width (a reader splits them on two spaces).
const GAP: &str = "  ";

/// Widths of the annual table's cells, each after a [`GAP`]: the name, then people, meeting,
/// the three shortfalls, blocked (R5.3), hours and pending. 80 columns in all; each wide
/// enough for its heading in both languages and for the figures of a city of up to a million
/// people (hours up to 9 999 999.9). A larger figure widens its line rather than being cut.
const ANNUAL_WIDTHS: [usize; 9] = [10, 7, 7, 6, 6, 6, 6, 10, 6];

/// The headings of the annual table's figures, as [`annual_line`] places them.
fn annual_headings(lang: Lang) -> [String; 8] {
    [
        lang.pick("人数", "people"),
        lang.pick("达标", "meet"),
        lang.pick("缺公需", "<publ."),
        lang.pick("缺专业", "<prof."),
        lang.pick("缺合计", "<total"),
        lang.pick("冻结", "frozen"),
        lang.pick("登记学时", "hours"),
        lang.pick("待审", "pend."),
    ]
    .map(str::to_string)
}

/// A line of the annual table: `name` cut to its column (a longer name is given a line of
/// its own by the caller), then each cell right-aligned after a [`GAP`].
fn annual_line(name: &str, cells: [String; 8]) -> String {
    let mut s = COLS.fit(name, ANNUAL_WIDTHS[0]);
    for (c, w) in cells.iter().zip(&ANNUAL_WIDTHS[1..]) {
        s.push_str(GAP);
        s.push_str(&COLS.pad_start(c, *w));
    }
    s.trim_end().to_string()
}

fn annual_figures(name: &str, f: &Figures) -> String {
    annual_line(
        name,
        [
            f.people.to_string(),
            f.meeting.to_string(),
            f.short_public.to_string(),
            f.short_professional.to_string(),
            f.short_total.to_string(),
            f.blocked.to_string(),
            one_decimal(f.hours()),
            f.pending.to_string(),
        ],
    )
}

/// Whether `name` fits the annual table's name column; a wider one goes on a line of its own
/// (the figures under it): units are told apart by the ends of their names, so a name is never
/// cut.
fn fits_name_column(name: &str) -> bool {
    COLS.width(name) <= ANNUAL_WIDTHS[0]
}

fn annual(
    ctx: &Context,
    year: i32,
    city: Option<&str>,
    unit_kind: Option<&str>,
    out: &ReportOut,
) -> Result<u8, Failure> {
    let lang = ctx.lang;
    let year = report::check_year(year, ctx.actor.today()).map_err(|e| fail(&e, lang))?;
    let enc = encoding(lang, out.format, out.encoding.as_deref())?;
    let unit_kind = match unit_kind {
        None => None,
        Some(k) => Some(UnitKind::parse(&clean_line(k)).ok_or_else(|| {
            let k = crate::domain::text::reveal_invisible(k);
            Failure(match lang {
                Lang::Zh => format!("单位类型“{k}”无法识别：应为 {}", UnitKind::expected()),
                Lang::En => format!(
                    "unknown kind of unit \"{k}\": expected {}",
                    UnitKind::expected()
                ),
            })
        })?),
    };
    let store = ctx.open()?;
    let reference = Reference::load(&store).map_err(|e| fail(&e, lang))?;
    let city = match city {
        None => None,
        Some(c) => Some(report::office(&reference, c).map_err(|e| fail(&e, lang))?),
    };
    let q = AnnualQuery {
        year,
        city_code: city.as_ref().map(|o| o.code.clone()),
        unit_kind,
    };
    let mut bar = progress::Bar::stderr(lang);
    let mut on_progress =
        |done: u64, total: u64| bar.report(progress::Work::Report, done as usize, total as usize);
    let policy = reference.policy(year);
    if out.format == Format::Table {
        let mut text = TextOut::open(ctx, out.to.as_deref())?;
        let scope = match (&city, unit_kind) {
            (None, None) => lang.pick("全省", "all of Hunan").to_string(),
            (c, k) => [
                c.as_ref().map(|o| report::city_name(o).to_string()),
                k.map(|k| k.label(lang).to_string()),
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" / "),
        };
        let legend = [
            match lang {
                Lang::Zh => format!("专业技术人员继续教育年度完成情况　{year}年　{scope}"),
                Lang::En => format!("Continuing education, annual completion {year}: {scope}"),
            },
            match lang {
                Lang::Zh => format!(
                    "要求（R2.1）：公需≥{} 专业≥{} 合计≥{} 学时；一人可同时计入几项不足",
                    policy.public_min, policy.professional_min, policy.total_min
                ),
                Lang::En => format!(
                    "R2.1: public ≥ {}, professional ≥ {}, total ≥ {} hours; one person may miss several",
                    policy.public_min, policy.professional_min, policy.total_min
                ),
            },
            lang.pick(
                "达标：三项均满足且无未撤销的弄虚作假记录；冻结：有此记录（R5.3），学时够也计为未达标；待审：待审核的条目（R5.1）",
                "meet: all three met and no unlifted falsification finding; frozen: blocked by one (R5.3), not meeting whatever the hours; pend.: entries awaiting review (R5.1)",
            )
            .to_string(),
        ];
        for l in legend.iter().flat_map(|l| wrap(l, WIDTH)) {
            text.line(lang, &l)?;
        }
        text.line(
            lang,
            &annual_line(lang.pick("单位", "unit"), annual_headings(lang)),
        )?;
        text.line(lang, &"-".repeat(WIDTH))?;
        let mut heading: Option<(String, Option<UnitKind>)> = None;
        let mut failed: Option<Failure> = None;
        // A name wider than the name column: a line of its own (wrapped, never cut), the
        // figures under it.
        let named = |lines: &mut Vec<String>, name: &str, f: &Figures| {
            if fits_name_column(name) {
                lines.push(annual_figures(name, f));
            } else {
                lines.extend(wrap(name, WIDTH));
                lines.push(annual_figures("", f));
            }
        };
        let result = report::annual(
            store.conn(),
            &reference,
            &q,
            &mut on_progress,
            &mut |line| {
                let mut lines = Vec::new();
                match &line {
                    Line::Unit(g) => {
                        let key = (g.city_code.clone(), g.unit_kind);
                        if heading.as_ref() != Some(&key) {
                            lines.extend(wrap(
                                &format!(
                                    "{} · {}",
                                    clean_line(&g.city),
                                    g.unit_kind.map(|k| k.label(lang)).unwrap_or_default()
                                ),
                                WIDTH,
                            ));
                            heading = Some(key);
                        }
                        let name =
                            format!("  {}", clean_line(g.unit.as_deref().unwrap_or_default()));
                        named(&mut lines, &name, &g.figures);
                    }
                    Line::KindTotal(g) => lines.push(annual_figures(
                        lang.pick("  小计", "  subtotal"),
                        &g.figures,
                    )),
                    Line::CityTotal(g) => {
                        let name =
                            format!("{} {}", clean_line(&g.city), lang.pick("合计", "total"));
                        named(&mut lines, &name, &g.figures);
                        lines.push(String::new());
                    }
                    Line::Total(f) => {
                        lines.push("=".repeat(WIDTH));
                        lines.push(annual_figures(lang.pick("总计", "TOTAL"), f));
                    }
                }
                for l in lines {
                    if let Err(e) = text.line(lang, &l) {
                        // Stop reading people: nothing more can be written (a closed pipe).
                        let stop = std::io::Error::other(e.0.clone());
                        failed.get_or_insert(e);
                        return Err(crate::export::ExportError::Io(stop).into());
                    }
                }
                Ok(())
            },
        );
        bar.clear();
        if let Some(e) = failed {
            return Err(e);
        }
        result.map_err(|e| fail(&e, lang))?;
        text.finish(ctx)?;
        return Ok(EXIT_OK);
    }
    let format = out.format;
    let (mut sink, pending) = open_sink(ctx, format, enc, false, out.to.as_deref())?;
    let result = report::write_annual(
        store.conn(),
        &reference,
        &q,
        lang,
        sink.as_mut(),
        &mut on_progress,
    );
    bar.clear();
    let total = result.map_err(|e| fail(&e, lang))?;
    sink.finish().map_err(|e| fail(&e, lang))?;
    let on_stdout = pending.on_stdout();
    pending.complete(ctx)?;
    // The file's name and the counts; nothing beside a report on standard output, which
    // holds the data only.
    if !on_stdout {
        let path = clean_line(
            &Path::new(out.to.as_deref().unwrap_or_default())
                .display()
                .to_string(),
        );
        output::say(&match lang {
            Lang::Zh => format!(
                "已写入 {path}：{} 人，达标 {} 人",
                total.people, total.meeting
            ),
            Lang::En => format!(
                "written to {path}: {} people, {} meeting R2",
                total.people, total.meeting
            ),
        });
    }
    Ok(EXIT_OK)
}

const BATCHES: &[Column] = &[
    Column::new("批次号", "batch", Kind::Count),
    Column::new("申报单位", "department", Kind::Text),
    Column::new("单位类别", "department_kind", Kind::Text),
    Column::new("建立人", "created_by", Kind::Text),
    Column::new("建立时间", "created_at", Kind::Text),
    Column::new("状态", "state", Kind::Text),
    Column::new("申报人数", "applicants", Kind::Count),
    Column::new("通过", "accepted", Kind::Count),
    Column::new("退回", "returned", Kind::Count),
    Column::new("不予通过", "refused", Kind::Count),
    Column::new("待定", "undecided", Kind::Count),
    Column::new("核验合格", "verdict_pass", Kind::Count),
    Column::new("核验不足", "verdict_short", Kind::Count),
    Column::new("核验冻结", "verdict_blocked", Kind::Count),
    Column::new("已发证", "certified", Kind::Count),
];

const APPLICANTS: &[Column] = &[
    Column::new("批次号", "batch", Kind::Count),
    Column::new("姓名", "name", Kind::Text),
    Column::new("身份证号", "id_number", Kind::Id),
    Column::new("核验结果", "verdict", Kind::Text),
    Column::new("决定", "decision", Kind::Text),
    Column::new("理由", "reason", Kind::Text),
    Column::new("决定人", "decided_by", Kind::Text),
    Column::new("决定时间", "decided_at", Kind::Text),
    Column::new("证书编号", "certificate", Kind::Text),
];

const CERTIFICATES: &[Column] = &[
    Column::new("证书编号", "number", Kind::Text),
    Column::new("序号", "sequence", Kind::Count),
    Column::new("姓名", "name", Kind::Text),
    Column::new("身份证号", "id_number", Kind::Id),
    Column::new("起始年度", "from", Kind::Count),
    Column::new("截止年度", "to", Kind::Count),
    Column::new("签发日期", "issued_on", Kind::Date),
    Column::new("签发人", "issued_by", Kind::Text),
    Column::new("签发时间", "issued_at", Kind::Text),
    Column::new("签发审计记录", "issue_record", Kind::Count),
    Column::new("补发自", "replaces", Kind::Text),
    Column::new("补发为", "replaced_by", Kind::Text),
    Column::new("状态", "state", Kind::Text),
    Column::new("作废人", "voided_by", Kind::Text),
    Column::new("作废时间", "voided_at", Kind::Text),
    Column::new("作废原因", "void_reason", Kind::Text),
    Column::new("作废审计记录", "void_record", Kind::Count),
];

fn vocab_label<T: Copy>(
    lang: Lang,
    code: &str,
    parse: fn(&str) -> Option<T>,
    label: fn(T, Lang) -> &'static str,
) -> String {
    parse(code).map_or_else(|| code.to_string(), |v| label(v, lang).to_string())
}

fn batch_values(lang: Lang, b: &BatchRow) -> Vec<Value> {
    let n = Value::Count;
    vec![
        n(b.id),
        Value::text(b.department.as_str()),
        Value::text(vocab_label(
            lang,
            &b.department_kind,
            DepartmentKind::parse,
            DepartmentKind::label,
        )),
        Value::text(b.created_by.as_str()),
        Value::text(b.created_at.as_str()),
        Value::text(match b.state.as_str() {
            "open" => lang.pick("办理中", "open").to_string(),
            "closed" => lang.pick("已结束", "closed").to_string(),
            s => s.to_string(),
        }),
        n(b.applicants),
        n(b.accepted),
        n(b.returned),
        n(b.refused),
        n(b.undecided),
        n(b.verdict_pass),
        n(b.verdict_short),
        n(b.verdict_blocked),
        n(b.certified),
    ]
}

fn verdict_label(lang: Lang, v: Option<&str>) -> String {
    match v {
        Some(v) => vocab_label(lang, v, Verdict::parse, Verdict::label),
        None => lang.pick("未核验", "not verified").to_string(),
    }
}

fn applicant_values(lang: Lang, a: &ApplicantRow) -> Vec<Value> {
    vec![
        Value::Count(a.batch_id),
        Value::text(a.name.as_str()),
        Value::text(a.id_number.as_str()),
        Value::text(verdict_label(lang, a.verdict.as_deref())),
        Value::text(vocab_label(
            lang,
            &a.state,
            ApplicantState::parse,
            ApplicantState::label,
        )),
        Value::text(a.reason.as_str()),
        Value::text(a.decided_by.clone().unwrap_or_default()),
        Value::text(a.decided_at.clone().unwrap_or_default()),
        Value::text(a.certificate.clone().unwrap_or_default()),
    ]
}

fn certificate_values(lang: Lang, c: &CertificateRow) -> Vec<Value> {
    let record = |r: Option<i64>| r.map_or(Value::Empty, Value::Count);
    vec![
        Value::text(c.number.as_str()),
        Value::Count(c.sequence),
        Value::text(c.name.as_str()),
        Value::text(c.id_number.as_str()),
        Value::Count(c.period_from.into()),
        Value::Count(c.period_to.into()),
        match chrono::NaiveDate::parse_from_str(&c.issued_on, "%Y-%m-%d") {
            Ok(d) => Value::Date(d),
            Err(_) => Value::text(c.issued_on.as_str()),
        },
        Value::text(c.issued_by.as_str()),
        Value::text(c.issued_at.as_str()),
        record(c.issue_record),
        Value::text(c.replaces.clone().unwrap_or_default()),
        Value::text(c.replaced_by.clone().unwrap_or_default()),
        Value::text(if c.voided_by.is_some() {
            lang.pick("作废", "void")
        } else {
            lang.pick("有效", "valid")
        }),
        Value::text(c.voided_by.clone().unwrap_or_default()),
        Value::text(c.voided_at.clone().unwrap_or_default()),
        Value::text(c.void_reason.clone().unwrap_or_default()),
        record(c.void_record),
    ]
}

/// The register's closing lines: the counts, and whether they agree with the counter (R7.2).
fn register_summary(lang: Lang, office: &str, year: i32, c: &RegisterCounts) -> Vec<String> {
    let mut out = vec![match lang {
        Lang::Zh => format!(
            "批次 {} 个，申报人 {} 人；证书编号 {} 个（补发 {} 个），作废 {} 个，有效 {} 个",
            c.batches,
            c.applicants,
            c.numbers,
            c.reissues,
            c.voided,
            c.valid()
        ),
        Lang::En => format!(
            "{} batches, {} applicants; {} certificate numbers ({} reissues), {} void, {} valid",
            c.batches,
            c.applicants,
            c.numbers,
            c.reissues,
            c.voided,
            c.valid()
        ),
    }];
    out.push(if c.agrees() {
        match lang {
            Lang::Zh => format!(
                "编号计数器 {office}—{year}：已用到 {:04}，与登记簿一致（R7.2）",
                c.counter
            ),
            Lang::En => format!(
                "counter {office}—{year}: last number {:04}, agrees with the register (R7.2)",
                c.counter
            ),
        }
    } else {
        let gap = c
            .first_gap
            .map(|g| format!("{g:04}"))
            .unwrap_or_else(|| "—".into());
        match lang {
            Lang::Zh => format!(
                "不一致：编号计数器 {office}—{year} 已用到 {:04}，登记簿有 {} 个编号，首个缺号或错号 {gap}（R7.2 编号不得跳号或重用）",
                c.counter, c.numbers
            ),
            Lang::En => format!(
                "DISAGREES: counter {office}—{year} is at {:04}, the register holds {} numbers, first missing or out of order {gap} (R7.2: never skipped, never reused)",
                c.counter, c.numbers
            ),
        }
    });
    out
}

fn register(ctx: &Context, office: &str, year: i32, out: &ReportOut) -> Result<u8, Failure> {
    let lang = ctx.lang;
    let year = report::check_year(year, ctx.actor.today()).map_err(|e| fail(&e, lang))?;
    let enc = encoding(lang, out.format, out.encoding.as_deref())?;
    let store = ctx.open()?;
    let reference = Reference::load(&store).map_err(|e| fail(&e, lang))?;
    let office = report::office(&reference, office).map_err(|e| fail(&e, lang))?;
    let counts = if out.format == Format::Table {
        let mut text = TextOut::open(ctx, out.to.as_deref())?;
        let mut lines: Vec<String> = vec![
            match lang {
                Lang::Zh => format!("{} {year}年 继续教育合格验证与证书登记簿", office.name),
                Lang::En => format!(
                    "{} ({}) {year}: verification and certificate register",
                    office.short, office.code
                ),
            },
            String::new(),
        ];
        let failed: std::cell::RefCell<Option<Failure>> = std::cell::RefCell::new(None);
        let emit = |lines: &mut Vec<String>, text: &mut TextOut| {
            for l in lines.drain(..) {
                let l = COLS.fit(&l, WIDTH);
                if let Err(e) = text.line(lang, l.trim_end()) {
                    failed.borrow_mut().get_or_insert(e);
                }
            }
        };
        emit(&mut lines, &mut text);
        let text = std::cell::RefCell::new(text);
        let lines = std::cell::RefCell::new(lines);
        let mut applicant_heading: Option<i64> = None;
        let mut cert_heading = false;
        let counts = report::register(
            store.conn(),
            &office,
            year,
            &mut |batches| {
                let mut l = lines.borrow_mut();
                l.push(lang.pick("一、验证批次", "1. Verification batches").into());
                l.push(format!(
                    "{}{}{}{}{}{}{}",
                    COLS.pad(lang.pick("批次", "batch"), 6),
                    COLS.pad(lang.pick("申报单位", "department"), 26),
                    COLS.pad_start(lang.pick("人数", "appl."), 7),
                    COLS.pad_start(lang.pick("通过", "acc."), 7),
                    COLS.pad_start(lang.pick("退回", "ret."), 7),
                    COLS.pad_start(lang.pick("不予", "ref."), 7),
                    COLS.pad_start(lang.pick("已发证", "cert."), 8),
                ));
                if batches.is_empty() {
                    l.push(lang.pick("（无）", "(none)").into());
                }
                for b in batches {
                    l.push(format!(
                        "{}{}{}{}{}{}{}",
                        COLS.pad(&format!("#{}", b.id), 6),
                        COLS.fit(&clean_line(&b.department), 26),
                        COLS.pad_start(&b.applicants.to_string(), 7),
                        COLS.pad_start(&b.accepted.to_string(), 7),
                        COLS.pad_start(&b.returned.to_string(), 7),
                        COLS.pad_start(&b.refused.to_string(), 7),
                        COLS.pad_start(&b.certified.to_string(), 8),
                    ));
                }
                l.push(String::new());
                l.push(lang.pick("二、申报人", "2. Applicants").into());
                emit(&mut l, &mut text.borrow_mut());
                Ok(())
            },
            &mut |a| {
                let mut l = lines.borrow_mut();
                if applicant_heading != Some(a.batch_id) {
                    l.push(format!("#{}", a.batch_id));
                    applicant_heading = Some(a.batch_id);
                }
                let state =
                    vocab_label(lang, &a.state, ApplicantState::parse, ApplicantState::label);
                let when = a
                    .decided_at
                    .as_deref()
                    .and_then(|s| s.get(..10))
                    .unwrap_or_default()
                    .to_string();
                l.push(format!(
                    "  {} {} {} {} {} {} {}",
                    COLS.fit(&clean_line(&a.name), 8),
                    COLS.pad(&a.id_number, 18),
                    COLS.fit(&verdict_label(lang, a.verdict.as_deref()), 6),
                    COLS.fit(&state, 8),
                    COLS.fit(&clean_line(a.decided_by.as_deref().unwrap_or_default()), 8),
                    COLS.pad(&when, 10),
                    COLS.fit_tail(a.certificate.as_deref().unwrap_or_default(), 10),
                ));
                emit(&mut l, &mut text.borrow_mut());
                Ok(())
            },
            &mut |c| {
                let mut l = lines.borrow_mut();
                if !cert_heading {
                    l.push(String::new());
                    l.push(lang.pick("三、证书编号", "3. Certificate numbers").into());
                    cert_heading = true;
                }
                let issued_at = c.issued_at.get(..10).unwrap_or(&c.issued_at).to_string();
                l.push(format!(
                    "{} {} {} {}–{} {} {}",
                    COLS.pad(&c.number, 18),
                    COLS.fit(&clean_line(&c.name), 8),
                    COLS.pad(&c.id_number, 18),
                    c.period_from,
                    c.period_to,
                    COLS.pad(&issued_at, 10),
                    COLS.fit(&clean_line(&c.issued_by), 10),
                ));
                if let Some(old) = &c.replaces {
                    l.push(match lang {
                        Lang::Zh => format!("    补发，替代 {old}"),
                        Lang::En => format!("    reissue of {old}"),
                    });
                }
                if let Some(by) = &c.voided_by {
                    let at = c.voided_at.as_deref().unwrap_or_default();
                    let at = at.get(..10).unwrap_or(at);
                    let reason = clean_line(c.void_reason.as_deref().unwrap_or_default());
                    let new = c
                        .replaced_by
                        .as_deref()
                        .map(|n| match lang {
                            Lang::Zh => format!("，补发为 {n}"),
                            Lang::En => format!(", reissued as {n}"),
                        })
                        .unwrap_or_default();
                    l.push(match lang {
                        Lang::Zh => format!("    作废 {at} {} 原因：{reason}{new}", clean_line(by)),
                        Lang::En => {
                            format!("    void {at} by {} reason: {reason}{new}", clean_line(by))
                        }
                    });
                }
                emit(&mut l, &mut text.borrow_mut());
                Ok(())
            },
        )
        .map_err(|e| fail(&e, lang))?;
        let mut l = lines.into_inner();
        let mut text = text.into_inner();
        if !cert_heading {
            l.push(String::new());
            l.push(lang.pick("三、证书编号", "3. Certificate numbers").into());
            l.push(lang.pick("（无）", "(none)").into());
        }
        l.push(String::new());
        for line in register_summary(lang, &office.short, year, &counts) {
            l.extend(wrap(&line, WIDTH));
        }
        emit(&mut l, &mut text);
        if let Some(e) = failed.into_inner() {
            return Err(e);
        }
        text.finish(ctx)?;
        counts
    } else {
        let (sink, pending) = open_sink(ctx, out.format, enc, true, out.to.as_deref())?;
        let sink = std::cell::RefCell::new(sink);
        let started_applicants = std::cell::Cell::new(false);
        let start_applicants = |sink: &mut Box<dyn Sink>| -> Result<(), report::ReportError> {
            if !started_applicants.get() {
                started_applicants.set(true);
                sink.sheet(lang.pick("申报人", "applicants"), APPLICANTS)?;
            }
            Ok(())
        };
        let started_certificates = std::cell::Cell::new(false);
        let counts = report::register(
            store.conn(),
            &office,
            year,
            &mut |batches| {
                let mut s = sink.borrow_mut();
                s.sheet(lang.pick("验证批次", "batches"), BATCHES)?;
                for b in batches {
                    s.row(&batch_values(lang, b))?;
                }
                Ok(())
            },
            &mut |a| {
                let mut s = sink.borrow_mut();
                start_applicants(&mut s)?;
                s.row(&applicant_values(lang, &a))?;
                Ok(())
            },
            &mut |c| {
                let mut s = sink.borrow_mut();
                start_applicants(&mut s)?;
                if !started_certificates.get() {
                    started_certificates.set(true);
                    s.sheet(lang.pick("证书编号", "certificates"), CERTIFICATES)?;
                }
                s.row(&certificate_values(lang, &c))?;
                Ok(())
            },
        )
        .map_err(|e| fail(&e, lang))?;
        let mut sink = sink.into_inner();
        let werr = |e: report::ReportError| fail(&e, lang);
        start_applicants(&mut sink).map_err(werr)?;
        if !started_certificates.get() {
            sink.sheet(lang.pick("证书编号", "certificates"), CERTIFICATES)
                .map_err(|e| fail(&e, lang))?;
        }
        sink.finish().map_err(|e| fail(&e, lang))?;
        let summary = register_summary(lang, &office.short, year, &counts);
        let on_stdout = pending.on_stdout();
        pending.complete(ctx)?;
        for l in &summary {
            if on_stdout {
                // Standard output holds the data: the counts go to standard error.
                output::warn(l);
            } else {
                output::say(l);
            }
        }
        counts
    };
    if counts.agrees() {
        Ok(EXIT_OK)
    } else {
        Ok(EXIT_NO)
    }
}

/// `jijiao export people|entries`
pub fn export(ctx: &Context, args: ExportArgs) -> Result<u8, Failure> {
    let lang = ctx.lang;
    if args.year.is_some() && args.kind == ExportKind::People {
        return Err(Failure(
            lang.pick(
                "--year 只用于 export entries：人员名册不分年度",
                "--year applies to export entries only: the people roster has no year",
            )
            .to_string(),
        ));
    }
    let year = args
        .year
        .map(|y| report::check_year(y, ctx.actor.today()))
        .transpose()
        .map_err(|e| fail(&e, lang))?;
    let format = match args.format {
        RosterFormat::Csv => Format::Csv,
        RosterFormat::Xlsx => Format::Xlsx,
    };
    let enc = encoding(lang, format, args.encoding.as_deref())?;
    let store = ctx.open()?;
    let reference = Reference::load(&store).map_err(|e| fail(&e, lang))?;
    let city = match &args.city {
        None => None,
        Some(c) => Some(report::office(&reference, c).map_err(|e| fail(&e, lang))?),
    };
    let city_code = city.as_ref().map(|o| o.code.as_str());
    let mut bar = progress::Bar::stderr(lang);
    // Counted only to size a bar someone sees.
    let total = if bar.drawn() {
        match args.kind {
            ExportKind::People => crate::store::report::count_people(
                store.conn(),
                &crate::store::report::Scope {
                    city_code: city_code.map(str::to_string),
                    ..Default::default()
                },
            ),
            ExportKind::Entries => {
                crate::store::report::count_entries(store.conn(), city_code, year)
            }
        }
        .map_err(|e| fail(&e, lang))?
    } else {
        0
    };
    let (mut sink, pending) = open_sink(ctx, format, enc, false, Some(&args.to))?;
    let mut on_row = |n: u64| {
        if n.is_multiple_of(1024) {
            bar.report(progress::Work::Export, n as usize, total.max(n) as usize)
        }
    };
    let written = match args.kind {
        ExportKind::People => crate::service::export::people(
            store.conn(),
            &reference,
            city_code,
            lang,
            sink.as_mut(),
            &mut on_row,
        ),
        ExportKind::Entries => crate::service::export::entries(
            store.conn(),
            &reference,
            city_code,
            year,
            lang,
            sink.as_mut(),
            &mut on_row,
        ),
    };
    bar.clear();
    let written = written.map_err(|e| fail(&e, lang))?;
    sink.finish().map_err(|e| fail(&e, lang))?;
    let on_stdout = pending.on_stdout();
    pending.complete(ctx)?;
    let path = if on_stdout {
        lang.pick("标准输出", "standard output").to_string()
    } else {
        clean_line(&Path::new(&args.to).display().to_string())
    };
    let summary = match (lang, args.kind) {
        (Lang::Zh, ExportKind::People) => format!("已导出 {written} 人到 {path}"),
        (Lang::Zh, ExportKind::Entries) => format!("已导出 {written} 条培训记录到 {path}"),
        (Lang::En, ExportKind::People) => format!("exported {written} people to {path}"),
        (Lang::En, ExportKind::Entries) => format!("exported {written} entries to {path}"),
    };
    // Standard output holds the roster: the summary goes to standard error.
    if on_stdout {
        output::warn(&summary);
    } else {
        output::say(&summary);
    }
    Ok(EXIT_OK)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_keeps_every_character_within_the_width() {
        let s = "不一致：编号计数器 长沙—2017 已用到 0005，登记簿有 4 个编号，首个缺号或错号 0005（R7.2 编号不得跳号或重用）";
        let lines = wrap(s, 80);
        assert!(lines.len() > 1, "{lines:?}");
        assert!(lines.iter().all(|l| COLS.width(l) <= 80), "{lines:?}");
        assert_eq!(lines.concat().replace(' ', ""), s.replace(' ', ""));
        assert_eq!(wrap("short", 80), ["short"]);
    }
}
