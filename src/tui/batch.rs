//! One verification batch (R6): its applicants, sortable and filterable, each with the five-year
//! table of R6.4 for the current row; triage with marks (`t`, `T`, `;`): `a` accepts the passing,
//! `r` returns the short with what they lack, `x` refuses the blocked, `u` undoes; `i` issues
//! certificates to the accepted (R7), `v` previews exactly the text `p` sends to the printer and
//! `w` writes to a file.
//!
//! The keys act on the marked applicants when any are marked, otherwise on the current row; the
//! line above the list says which, and `i`, `p` and `w` name them again before acting. `i`
//! numbers certificates in the order the list shows (R7.2); a printed document is in
//! certificate-number order. Issuing is refused before any number is taken while the stub would
//! lack the clerk's configured name or the office phone (R7.1).

use std::collections::HashMap;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::batches::kind_short;
use super::keys::{Action, Scope};
use super::list::{Count, Lister, Seek, Source};
use super::marks::{self, Pattern, Vocabulary, Word};
use super::person::PersonScreen;
use super::screen::{Ask, Ctx, Flow, Question as ScreenQuestion, Screen, View};
use super::worker::{Done, JobError};
use crate::config::Config;
use crate::domain::batch::{self as rules, ApplicantState, Decision, Route, Verdict};
use crate::domain::certificate::CertificateNumber;
use crate::domain::text::{clean_line, fit, pad};
use crate::domain::verification::Shortfall;
use crate::i18n::{Describe, Lang};
use crate::print::layout;
use crate::print::sink::Destination;
use crate::service::batches::{self, PrintSkip};
use crate::service::certificates::Signature;
use crate::service::check::{CheckResult, check};
use crate::service::printing::{self, Overrides, PrintError, PrintJob};
use crate::store::Store;
use crate::store::batches::{self as rows, Applicant, ApplicantKey, Batch, Counts, Filter, Sort};

/// The five-year table: its head, five years and a line on the current applicant.
const TABLE_ROWS: u16 = 7;
/// Above the list: the batch, then the filter, the order and the marks.
const INFO_ROWS: u16 = 2;

/// The decisions part of [`counts_title`]: undecided, accepted, returned and refused (the last
/// two when any: with them the four add up to the applicants; the tester found a title whose
/// parts did not), then issued.
fn decisions_part(c: &Counts, lang: Lang) -> String {
    let mut parts = match lang {
        Lang::Zh => vec![
            format!("待定 {}", c.undecided),
            format!("通过 {}", c.accepted),
        ],
        Lang::En => vec![
            format!("{} open", c.undecided),
            format!("{} accepted", c.accepted),
        ],
    };
    if c.returned > 0 {
        parts.push(match lang {
            Lang::Zh => format!("退回 {}", c.returned),
            Lang::En => format!("{} returned", c.returned),
        });
    }
    if c.refused > 0 {
        parts.push(match lang {
            Lang::Zh => format!("不予 {}", c.refused),
            Lang::En => format!("{} refused", c.refused),
        });
    }
    parts.push(match lang {
        Lang::Zh => format!("已出具 {}", c.issued),
        Lang::En => format!("{} issued", c.issued),
    });
    parts.join(" ")
}

/// The Batch screen's border title: how the batch stands, in at most `cols` columns. Parts are
/// dropped whole (first the words "verification batch", then the verdicts) rather than cut: a
/// title cut at the border once showed 4 571 issued as "已出具 45".
fn counts_title(c: &Counts, lang: Lang, cols: usize) -> String {
    let (head, verdicts, decisions) = match lang {
        Lang::Zh => (
            format!("验证批次 {} 人：", c.applicants),
            format!("合格 {} 不足 {} 冻结 {} · ", c.pass, c.short, c.blocked),
            decisions_part(c, lang),
        ),
        Lang::En => (
            format!("Batch of {}: ", c.applicants),
            format!("{} pass {} short {} blocked · ", c.pass, c.short, c.blocked),
            decisions_part(c, lang),
        ),
    };
    let short_head = match lang {
        Lang::Zh => format!("{} 人：", c.applicants),
        Lang::En => format!("{}: ", c.applicants),
    };
    [
        format!(" {head}{verdicts}{decisions} "),
        format!(" {short_head}{verdicts}{decisions} "),
        format!(" {short_head}{decisions} "),
        format!(" {decisions} "),
    ]
    .into_iter()
    .find(|t| crate::domain::text::width(t) <= cols)
    .unwrap_or_default()
}

/// R7.2 What `i` says it did: the numbers issued (first to last), the applicants who already
/// had a certificate of the period and were linked to it, and those not issued with why — only
/// the parts that happened, so "issued 0" is never followed by an empty list. Numbers another
/// clerk issued at the same time may fall between the first and the last: the range says how
/// many (tester: "已出具 4571 份：…0001 至 …4789" read as 4 789 of ours).
fn issued_message(
    numbers: &[CertificateNumber],
    linked: usize,
    skipped: &[String],
    lang: Lang,
) -> String {
    let mut parts = Vec::new();
    if !numbers.is_empty() {
        let range = match numbers {
            [one] => one.to_string(),
            [first, .., last] => format!("{first} {} {last}", lang.pick("至", "to")),
            [] => String::new(),
        };
        let others = match numbers {
            [first, .., last] if first.office == last.office && first.year == last.year => {
                (last.sequence.abs_diff(first.sequence) as usize + 1).saturating_sub(numbers.len())
            }
            _ => 0,
        };
        parts.push(match (lang, others) {
            (Lang::Zh, 0) => format!("已出具 {} 份：{range}", numbers.len()),
            (Lang::En, 0) => format!("issued {}: {range}", numbers.len()),
            (Lang::Zh, o) => format!(
                "已出具 {} 份：{range}（其间 {o} 个编号由其他职员同时出具）",
                numbers.len()
            ),
            (Lang::En, o) => format!(
                "issued {}: {range} ({o} between went to another clerk meanwhile)",
                numbers.len()
            ),
        });
    }
    if linked > 0 {
        parts.push(match lang {
            Lang::Zh => format!("{linked} 人已有证明，已关联"),
            Lang::En => format!("{linked} already had one, linked"),
        });
    }
    if !skipped.is_empty() {
        let mut part = match lang {
            Lang::Zh => format!("未出具 {} 人：", skipped.len()),
            Lang::En => format!("not issued {}: ", skipped.len()),
        };
        part.push_str(&reasons_summary(skipped.iter().cloned(), lang));
        parts.push(part);
    }
    if parts.is_empty() {
        return lang.pick("没有出具证明", "nothing issued").into();
    }
    parts.join(lang.pick("；", "; "))
}

/// How many times each reason occurred, most frequent first: "reason (2); other (1)". At most
/// [`REASONS_SHOWN`] reasons are named, then how many others and for how many rows: a batch of
/// thousands sent to fourteen offices once gave 27 reasons that filled 15 of 24 rows and hid
/// the list (tester, 2026-11-30); the rows themselves say theirs.
pub fn reasons_summary(reasons: impl IntoIterator<Item = String>, lang: Lang) -> String {
    let mut counted: Vec<(String, usize)> = Vec::new();
    for r in reasons {
        match counted.iter_mut().find(|(x, _)| *x == r) {
            Some((_, n)) => *n += 1,
            None => counted.push((r, 1)),
        }
    }
    counted.sort_by_key(|r| std::cmp::Reverse(r.1));
    if counted.len() == 1 {
        return counted.remove(0).0;
    }
    let rest = counted.split_off(counted.len().min(REASONS_SHOWN));
    let mut parts: Vec<String> = counted
        .iter()
        .map(|(r, n)| match lang {
            Lang::Zh => format!("{r}（{n}）"),
            Lang::En => format!("{r} ({n})"),
        })
        .collect();
    if !rest.is_empty() {
        let rows: usize = rest.iter().map(|(_, n)| n).sum();
        parts.push(match lang {
            Lang::Zh => format!("另有 {} 种原因（{rows}）", rest.len()),
            Lang::En => format!("{} other reasons ({rows})", rest.len()),
        });
    }
    parts.join(lang.pick("；", "; "))
}

/// Reasons a message names before it counts the others ([`reasons_summary`]).
const REASONS_SHOWN: usize = 3;

/// How many hours are missing to reach `need`.
fn lack(need: crate::domain::Hours, have: crate::domain::Hours) -> crate::domain::Hours {
    crate::domain::Hours::from_tenths(need.tenths() - have.tenths())
}

fn verdict_label(v: Option<Verdict>, lang: Lang) -> &'static str {
    match v {
        Some(v) => v.label(lang),
        None => lang.pick("未验证", "not yet"),
    }
}

fn filter_label(f: Filter, lang: Lang) -> String {
    match f {
        Filter::All => lang.pick("全部", "all").into(),
        Filter::State(s) => s.label(lang).into(),
        Filter::Verdict(v) => v.label(lang).into(),
        Filter::Unverified => lang.pick("未验证", "not verified").into(),
        Filter::Issued => lang.pick("已出具", "issued").into(),
    }
}

fn sort_label(s: Sort, lang: Lang) -> &'static str {
    match s {
        Sort::Name => lang.pick("姓名", "name"),
        Sort::Verdict => lang.pick("验证结果", "verdict"),
        Sort::State => lang.pick("处理状态", "state"),
    }
}

/// What a `T` pattern may say on a verification batch: every word is one of these (a word of
/// [`filter_word`], or 另办 / elsewhere), no other.
pub const PATTERN: Vocabulary = Vocabulary {
    words: &[
        Word {
            zh: "合格",
            en: "pass",
        },
        Word {
            zh: "不足",
            en: "short",
        },
        Word {
            zh: "冻结",
            en: "blocked",
        },
        Word {
            zh: "未验证",
            en: "unverified",
        },
        Word {
            zh: "待定",
            en: "undecided",
        },
        Word {
            zh: "通过",
            en: "accepted",
        },
        Word {
            zh: "退回",
            en: "returned",
        },
        Word {
            zh: "不予通过",
            en: "refused",
        },
        Word {
            zh: "已出具",
            en: "issued",
        },
        Word {
            zh: "另办",
            en: "elsewhere",
        },
    ],
    other: None,
};

/// A word of `T` that is no filter: R6.2 another office handles the applicant.
fn elsewhere_word(word: &str) -> bool {
    matches!(word, "另办" | "外办" | "elsewhere")
}

/// A word of `f` or `T`: a state, a verdict, 未验证 / unverified, 已出具 / issued.
fn filter_word(word: &str) -> Option<Filter> {
    if let Some(s) = ApplicantState::parse(word) {
        return Some(Filter::State(s));
    }
    if let Some(v) = Verdict::parse(word) {
        return Some(Filter::Verdict(v));
    }
    match word {
        "全部" | "all" | "" => Some(Filter::All),
        "未验证" | "unverified" | "not verified" => Some(Filter::Unverified),
        "已出具" | "出具" | "issued" => Some(Filter::Issued),
        "passing" | "passes" => Some(Filter::Verdict(Verdict::Pass)),
        _ => None,
    }
}

/// Up to three names of `names` and how many there are, so a confirmation says exactly whom
/// it acts on: "张伟、王芳（2人）", "张伟、王芳、赵敏等5人". No spaces in the Chinese: the
/// confirmation box wraps at spaces, and a break inside "2 人" reads badly.
fn who(names: &[String], lang: Lang) -> String {
    const SHOWN: usize = 3;
    let n = names.len();
    let first: Vec<String> = names.iter().take(SHOWN).map(|s| clean_line(s)).collect();
    match (lang, n > SHOWN) {
        (Lang::Zh, false) => format!("{}（{n}人）", first.join("、")),
        (Lang::Zh, true) => format!("{}等{n}人", first.join("、")),
        (Lang::En, false) => format!("{n} ({})", first.join(", ")),
        (Lang::En, true) => format!("{n} ({} and {} more)", first.join(", "), n - SHOWN),
    }
}

/// The print job of the certificates of applicants `ids`, built by the one print service
/// (R7.4: the preview and the print are the same text), and the applicants without one.
fn job_of(
    config: &Config,
    ids: &[i64],
    ctx: &mut Ctx<'_>,
) -> Result<(PrintJob, Vec<(i64, PrintSkip)>), String> {
    let lang = ctx.lang;
    let (pages, skipped) = batches::pages(ctx.store, ids).map_err(|e| e.describe(lang))?;
    let certs = pages.into_iter().map(|p| (p.cert, p.reprint)).collect();
    match PrintJob::build(config, &Overrides::default(), certs) {
        Ok(job) => Ok((job, skipped)),
        Err(PrintError::Empty) => Err(format!(
            "{}{}",
            lang.pick("没有可打印的合格证明：", "no certificate to print: "),
            reasons_summary(skipped.iter().map(|(_, s)| s.describe(lang)), lang)
        )),
        Err(e) => Err(e.describe(lang)),
    }
}

/// The configured printer, as the interface may use it: standard output is the terminal this
/// screen is drawn on, so it is refused; with no printer the clerk is told what to do here —
/// `w` to print to a file, or ask the administrator to set one — never a command-line option
/// the interface does not have.
pub(super) fn configured_printer(config: &Config, lang: Lang) -> Result<Destination, String> {
    match printing::destination(config, &Overrides::default()) {
        Err(PrintError::Sink(crate::print::sink::SinkError::NoPrinter)) => Err(lang
            .pick(
                "未配置打印机：可按 w 打印到文件，或请管理员在配置文件 [printer] 中设置 destination",
                "no printer is configured: press w to print to a file, or ask the administrator to set destination in [printer] of the configuration",
            )
            .into()),
        Ok(Destination::Stdout) => Err(lang
            .pick(
                "终端界面不能打印到标准输出（-）：请在配置 [printer] destination 中设置打印机，或按 w 打印到文件",
                "the interface cannot print to standard output (-): set [printer] destination, or press w to print to a file",
            )
            .into()),
        Ok(d) => Ok(d),
        Err(e) => Err(format!(
            "{}{}",
            e.describe(lang),
            lang.pick("；或按 w 打印到文件", "; or press w to print to a file")
        )),
    }
}

/// How many applicants have nothing to print, for a confirmation: "；1 人无可打印的证明".
fn skipped_note(skipped: usize, lang: Lang) -> String {
    match (skipped, lang) {
        (0, _) => String::new(),
        (n, Lang::Zh) => format!("；另{n}人无可打印的证明"),
        (n, Lang::En) => format!("; {n} without one to print"),
    }
}

/// `p`: name the certificates' holders, the count and the printer, and ask (paper and the
/// first-print mark are spent, R7.4). The question carries the applicants to the answer.
fn ask_print(config: &Config, ids: Vec<i64>, ctx: &mut Ctx<'_>) -> Flow {
    let lang = ctx.lang;
    if ids.is_empty() {
        return BatchScreen::no_targets(lang);
    }
    let destination = match configured_printer(config, lang) {
        Ok(d) => d,
        Err(e) => return Flow::Say(e),
    };
    let (job, skipped) = match job_of(config, &ids, ctx) {
        Ok(j) => j,
        Err(e) => return Flow::Say(e),
    };
    let names = job.holders();
    let dest = clean_line(&destination.label());
    let question = match lang {
        Lang::Zh => format!(
            "打印{}的合格证明{}到打印机{dest}{}？",
            who(&names, lang),
            match job.reprints() {
                0 => String::new(),
                r => format!("（其中补打{r}份）"),
            },
            skipped_note(skipped.len(), lang)
        ),
        Lang::En => format!(
            "Print the certificates of {}{} on the printer {dest}{}?",
            who(&names, lang),
            match job.reprints() {
                0 => String::new(),
                r => format!(", {r} of them reprints,"),
            },
            skipped_note(skipped.len(), lang)
        ),
    };
    Flow::Ask(Ask::confirm(Question::Print(ids), question))
}

/// The file `w` suggests: `~/jijiao-证明-<batch>.txt`, or in English the ASCII
/// `~/jijiao-certificates-<batch>.txt` (an English setup may have no Chinese file names).
fn default_file(batch_id: i64, lang: Lang) -> String {
    format!(
        "~/jijiao-{}-{batch_id}.txt",
        lang.pick("证明", "certificates")
    )
}

/// A path as the clerk typed it, `~/` standing for the home directory.
pub(super) fn expand_home(path: &str) -> std::path::PathBuf {
    let home = directories::BaseDirs::new().map(|d| d.home_dir().to_path_buf());
    match (path.strip_prefix("~/"), home) {
        (Some(rest), Some(home)) => home.join(rest),
        _ => std::path::PathBuf::from(path),
    }
}

/// `w`: name whom it prints and ask for the file, suggesting [`default_file`].
fn ask_print_file(config: &Config, batch_id: i64, ids: Vec<i64>, ctx: &mut Ctx<'_>) -> Flow {
    let lang = ctx.lang;
    if ids.is_empty() {
        return BatchScreen::no_targets(lang);
    }
    let (job, _) = match job_of(config, &ids, ctx) {
        Ok(j) => j,
        Err(e) => return Flow::Say(e),
    };
    let names = job.holders();
    Flow::Ask(Ask::Text {
        about: Question::PrintFile(ids).into(),
        prompt: match lang {
            Lang::Zh => format!(" 将{}的合格证明打印到文件（Esc 取消） ", who(&names, lang)),
            Lang::En => format!(
                " print the certificates of {} to a file (Esc cancels) ",
                who(&names, lang)
            ),
        },
        initial: default_file(batch_id, lang),
    })
}

/// The answer to `w`: the file the clerk named, or why there is none.
pub(super) fn file_destination(answer: &str, lang: Lang) -> Result<Destination, String> {
    let path = clean_line(answer);
    if path.is_empty() {
        return Err(lang
            .pick("未填写文件名，没有打印", "no file named: nothing printed")
            .into());
    }
    Ok(Destination::NewFile(expand_home(&path)))
}

/// Print the certificates of `ids` to `destination` as one document in number order and
/// record each print (R7.4), through the print service the command line uses.
fn print_now(config: &Config, ids: &[i64], destination: &Destination, ctx: &mut Ctx<'_>) -> String {
    let lang = ctx.lang;
    let (job, skipped) = match job_of(config, ids, ctx) {
        Ok(j) => j,
        Err(e) => return e,
    };
    if let Err(e) = printing::print(ctx.store, ctx.actor, &job, destination) {
        return e.describe(lang);
    }
    let dest = clean_line(&destination.label());
    let n = job.sheets().len();
    let reprints = job.reprints();
    let mut msg = match lang {
        Lang::Zh => format!("已打印 {n} 份到 {dest}（其中补打 {reprints} 份）"),
        Lang::En => format!("printed {n} to {dest} ({reprints} reprints)"),
    };
    if !skipped.is_empty() {
        msg.push_str(&match lang {
            Lang::Zh => format!("；{} 人未打印：", skipped.len()),
            Lang::En => format!("; {} not printed: ", skipped.len()),
        });
        msg.push_str(&reasons_summary(
            skipped.iter().map(|(_, s)| s.describe(lang)),
            lang,
        ));
    }
    msg
}

/// The questions a batch (and its print preview) asks, each with the applicants (database ids)
/// it acts on: named to the clerk when asking, acted on when answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Question {
    /// `T`: a pattern to mark by.
    Pattern,
    /// `f`: the filter words.
    Filter,
    /// R5.3 The reason for refusing these.
    Refuse(Vec<i64>),
    /// R7.2 Issue certificates to the accepted among these, numbered in this order?
    Issue(Vec<i64>),
    /// R7.4 Print these applicants' certificates on the configured printer?
    Print(Vec<i64>),
    /// The file to print these applicants' certificates to.
    PrintFile(Vec<i64>),
    /// `n`: ID numbers to add to the batch.
    Add,
}

impl From<Question> for ScreenQuestion {
    fn from(q: Question) -> ScreenQuestion {
        ScreenQuestion::Batch(q)
    }
}

/// Which applicants of which batch, in which order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchQuery {
    batch_id: i64,
    filter: Filter,
    sort: Sort,
}

/// What the batch screen shows beside the applicants of a page.
#[derive(Default)]
pub struct BatchExtra {
    /// `None`: no batch has this number (any more).
    batch: Option<Batch>,
    counts: Counts,
    /// R6.4 The cursor's applicant (its id) verified now from the entries.
    current: Option<(i64, CheckResult)>,
}

/// A batch's applicants ([`Source`]), read by key in the order of the sort (never by offset),
/// with the batch, its counts and the current applicant's five years.
pub struct BatchSource;

impl Source for BatchSource {
    type Query = BatchQuery;
    type Row = Applicant;
    type Extra = BatchExtra;
    const EXTRA_FOLLOWS_CURSOR: bool = true;

    fn page(
        store: &Store,
        q: &BatchQuery,
        seek: &Seek<ApplicantKey>,
        limit: usize,
    ) -> Result<Vec<Applicant>, JobError> {
        Ok(rows::applicants_page(
            store.conn(),
            q.batch_id,
            q.filter,
            q.sort,
            seek,
            limit,
        )?)
    }

    /// A batch is one department's applicants for a year: counting them is one index range.
    fn count(store: &Store, q: &BatchQuery) -> Result<Count, JobError> {
        Ok(Count::Exact(rows::count_applicants(
            store.conn(),
            q.batch_id,
            q.filter,
        )?))
    }

    fn extra(
        store: &Store,
        q: &BatchQuery,
        page: &[Applicant],
        row: usize,
    ) -> Result<BatchExtra, JobError> {
        let conn = store.conn();
        let batch = rows::get(conn, q.batch_id)?;
        let counts = rows::counts(conn, q.batch_id)?;
        let current = match (page.get(row), &batch) {
            (Some(a), Some(b)) => {
                let (from, to) = batches::period(b);
                Some((a.id, check(store, a.person.id_number.as_str(), from, to)?))
            }
            _ => None,
        };
        Ok(BatchExtra {
            batch,
            counts,
            current,
        })
    }

    /// At a refresh, an applicant another clerk's decision took out of the filter loses the
    /// mark: no decision acts on an applicant the list does not show.
    fn still_marked(
        store: &Store,
        q: &BatchQuery,
        ids: &[i64],
    ) -> Result<Option<Vec<i64>>, JobError> {
        Ok(Some(rows::still_listed(
            store.conn(),
            q.batch_id,
            q.filter,
            ids,
        )?))
    }
}

pub struct BatchScreen {
    batch_id: i64,
    config: Config,
    office_names: HashMap<String, String>,
    /// The page on screen and what goes with it; its marks are applicant ids.
    list: Lister<BatchSource>,
    /// The suggested next step, under the list.
    hint: String,
}

impl BatchScreen {
    pub fn new(batch_id: i64, config: Config) -> BatchScreen {
        BatchScreen {
            batch_id,
            config,
            office_names: HashMap::new(),
            list: Lister::new(BatchQuery {
                batch_id,
                filter: Filter::All,
                sort: Sort::Name,
            }),
            hint: String::new(),
        }
    }

    fn selected(&self) -> Option<&Applicant> {
        self.list.selected()
    }

    fn batch(&self) -> Option<&Batch> {
        self.list.extra.batch.as_ref()
    }

    fn counts(&self) -> &Counts {
        &self.list.extra.counts
    }

    /// The current applicant's verification, once it has been read for them.
    fn current(&self) -> Option<&CheckResult> {
        match (&self.list.extra.current, self.selected()) {
            (Some((id, r)), Some(a)) if *id == a.id => Some(r),
            _ => None,
        }
    }

    fn office_name(&self, code: &str) -> String {
        self.office_names
            .get(code)
            .cloned()
            .unwrap_or_else(|| code.to_string())
    }

    /// R6.2 Who verifies `a`, seen from this batch's office.
    fn route(&self, a: &Applicant) -> Route {
        match self.batch() {
            Some(b) => rules::route(&a.person, &b.office),
            None => Route::Here,
        }
    }

    /// The office names for drawing, and the page size before the first draw.
    fn prepare(&mut self, ctx: &Ctx<'_>) {
        self.list
            .hint_rows(ctx.page_rows.saturating_sub(1 + TABLE_ROWS as usize));
        self.office_names = ctx
            .reference
            .offices
            .iter()
            .map(|o| (o.code.clone(), o.short.clone()))
            .collect();
    }

    /// A batch that is not there (any more) is said, not shown empty.
    fn gone(&self, lang: Lang) -> Option<String> {
        (self.list.loaded() && self.batch().is_none())
            .then(|| batches::Refusal::UnknownBatch(format!("#{}", self.batch_id)).describe(lang))
    }

    /// The page on screen read again at once, keeping it where it starts and the cursor on its
    /// row (after a decision taken here).
    fn load_page(&mut self, ctx: &mut Ctx<'_>) -> Result<(), String> {
        self.prepare(ctx);
        self.list.reload_now(ctx)?;
        match self.gone(ctx.lang) {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// As [`BatchScreen::load_page`], with the cursor on applicant `id` (read again: a
    /// decision may have moved them in the list's order), their page read if it is not on
    /// screen; where they left the list (a filter) the cursor stays on its line.
    fn load_page_on(&mut self, id: Option<i64>, ctx: &mut Ctx<'_>) -> Result<(), String> {
        let now = match id.map(|id| rows::applicant(ctx.store.conn(), id)) {
            Some(Ok(Some(a))) => a,
            Some(Err(e)) => return Err(e.describe(ctx.lang)),
            _ => return self.load_page(ctx),
        };
        self.prepare(ctx);
        self.list.reload_on(now.key(), ctx)?;
        match self.gone(ctx.lang) {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// The marked applicants, else the current row (none after `;` with nothing marked).
    fn targets(&mut self) -> Option<Vec<i64>> {
        let armed = self.list.marks.take_armed();
        Some(
            self.list
                .marks
                .targets(self.selected().map(|a| a.id), armed),
        )
        .filter(|ids| !ids.is_empty())
    }

    fn no_targets(lang: Lang) -> Flow {
        Flow::Say(
            lang.pick(
                "没有可处理的申报人：先用 t 或 T 标记，或选中一行",
                "no applicant to act on: mark with t or T, or select a row",
            )
            .into(),
        )
    }

    /// `T`: every applicant of the batch matching all the words of [`PATTERN`] replaces the
    /// marks (or joins them after `+`); no match, or a word it does not know, leaves them;
    /// empty clears.
    fn mark_pattern(&mut self, text: &str, ctx: &mut Ctx<'_>) -> Flow {
        let lang = ctx.lang;
        let pattern = Pattern::parse(text);
        if pattern.is_clear() {
            let n = self.list.marks.clear();
            return Flow::Say(marks::Marks::cleared(n, lang));
        }
        if let Some(msg) = pattern.empty_add(lang) {
            return Flow::Say(msg);
        }
        let mut filters = Vec::new();
        let mut elsewhere = false;
        for w in &pattern.words {
            if elsewhere_word(w) {
                elsewhere = true;
            } else {
                match filter_word(w) {
                    Some(f) => filters.push(f),
                    None => return Flow::Say(PATTERN.unknown(w, lang)),
                }
            }
        }
        let all = match rows::all(
            ctx.store.conn(),
            self.batch_id,
            Filter::All,
            self.list.query.sort,
        ) {
            Ok(a) => a,
            Err(e) => return Flow::Say(e.describe(lang)),
        };
        let matches = |a: &Applicant| {
            filters.iter().all(|f| match f {
                Filter::All => true,
                Filter::State(s) => a.state == *s,
                Filter::Verdict(v) => a.verdict == Some(*v),
                Filter::Unverified => a.verdict.is_none(),
                Filter::Issued => a.certificate.is_some(),
            }) && (!elsewhere || matches!(self.route(a), Route::Elsewhere(_)))
        };
        let found: Vec<i64> = all.iter().filter(|a| matches(a)).map(|a| a.id).collect();
        Flow::Say(self.list.marks.apply_pattern(&pattern, found, "", lang))
    }

    fn decide(&mut self, ids: Vec<i64>, decision: Decision, ctx: &mut Ctx<'_>) -> Flow {
        let lang = ctx.lang;
        let out = match batches::decide(ctx.store, ctx.actor, &ids, &decision, &mut *ctx.progress) {
            Ok(o) => o,
            Err(e) => return Flow::Say(e.describe(lang)),
        };
        let on_marks = ids.iter().any(|id| self.list.marks.contains(*id));
        self.list.marks.decided(&ids, out.applied.len());
        let done = out.applied.len();
        let mut msg = match (&decision, lang) {
            (Decision::Accept, Lang::Zh) => format!("已通过 {done} 人"),
            (Decision::Return { .. }, Lang::Zh) => format!("已退回 {done} 人（附缺少的学时）"),
            (Decision::Refuse { .. }, Lang::Zh) => format!("已不予通过 {done} 人"),
            (Decision::Accept, Lang::En) => format!("accepted {done}"),
            (Decision::Return { .. }, Lang::En) => format!("returned {done} (with what they lack)"),
            (Decision::Refuse { .. }, Lang::En) => format!("refused {done}"),
        };
        if !out.skipped.is_empty() {
            msg.push_str(&match lang {
                Lang::Zh => format!("，跳过 {} 人：", out.skipped.len()),
                Lang::En => format!(", skipped {}: ", out.skipped.len()),
            });
            msg.push_str(&reasons_summary(
                out.skipped.iter().map(|(_, s)| s.describe(lang)),
                lang,
            ));
        }
        self.hint = match (&decision, done) {
            (_, 0) => String::new(),
            // The marks are used up: issuing to the accepted starts with marking them again.
            (Decision::Accept, _) if on_marks => lang
                .pick(
                    "下一步：T 通过 标记已通过者，按 i 出具合格证明；u 撤销本次通过",
                    "next: T accepted marks them, then i issues; u undoes this",
                )
                .into(),
            (Decision::Accept, _) => lang
                .pick(
                    "下一步：按 i 为已通过的申报人出具合格证明；u 撤销本次通过",
                    "next: i issues certificates to the accepted; u undoes this",
                )
                .into(),
            _ => lang.pick("u 撤销本次决定", "u undoes this decision").into(),
        };
        if let Err(e) = self.load_page(ctx) {
            msg.push_str(" / ");
            msg.push_str(&e);
        }
        Flow::Say(msg)
    }

    fn verify(&mut self, ctx: &mut Ctx<'_>) -> Flow {
        let lang = ctx.lang;
        // The applicant under the cursor: their verdict, and so their place in a list sorted
        // by verdict, may change; the cursor follows them there.
        let on = self.selected().map(|a| a.id);
        let v = match batches::verify(ctx.store, ctx.actor, self.batch_id, &mut *ctx.progress) {
            Ok(v) => v,
            Err(e) => return Flow::Say(e.describe(lang)),
        };
        self.hint = lang
            .pick(
                "下一步：T 合格 标记合格者，a 通过；T 不足，r 退回；T 冻结，x 不予通过",
                "next: T pass then a accepts; T short then r returns; T blocked then x refuses",
            )
            .into();
        let mut msg = match lang {
            Lang::Zh => format!(
                "已验证 {} 人：合格 {}，不足 {}，冻结 {}",
                v.pass + v.short + v.blocked,
                v.pass,
                v.short,
                v.blocked
            ),
            Lang::En => format!(
                "verified {}: {} pass, {} short, {} blocked",
                v.pass + v.short + v.blocked,
                v.pass,
                v.short,
                v.blocked
            ),
        };
        if let Err(e) = self.load_page_on(on, ctx) {
            msg.push_str(" / ");
            msg.push_str(&e);
        }
        Flow::Say(msg)
    }

    /// R7.2 Issue to the accepted among `ids`, which come in the order the list shows them, so
    /// the numbers run down the screen.
    fn issue(&mut self, ids: Vec<i64>, ctx: &mut Ctx<'_>) -> Flow {
        let lang = ctx.lang;
        let sig = match Signature::configured(&self.config.office, &ctx.actor.user) {
            Ok(s) => s,
            Err(r) => return Flow::Say(r.describe(lang)),
        };
        let out = match batches::issue(ctx.store, ctx.actor, &ids, &sig, &mut *ctx.progress) {
            Ok(o) => o,
            Err(e) => return Flow::Say(e.describe(lang)),
        };
        let numbers: Vec<CertificateNumber> = out
            .issued
            .iter()
            .map(|(_, c)| c.text.number.clone())
            .collect();
        let skipped: Vec<String> = out.skipped.iter().map(|(_, s)| s.describe(lang)).collect();
        let mut msg = issued_message(&numbers, out.linked.len(), &skipped, lang);
        if !numbers.is_empty() {
            self.hint = lang
                .pick(
                    "下一步：v 预览，p 打印，w 打印到文件（作用于标记项，否则当前行）",
                    "next: v previews, p prints, w prints to a file (the marked, else this row)",
                )
                .into();
        }
        if let Err(e) = self.load_page(ctx) {
            msg.push_str(" / ");
            msg.push_str(&e);
        }
        Flow::Say(msg)
    }

    /// What `i`, `v`, `p` and `w` act on: the marked applicants, else the current row (none
    /// after `;` with nothing marked), in the order the list shows them — never the whole batch
    /// unasked.
    fn chosen(&mut self, ctx: &mut Ctx<'_>) -> Result<Vec<Applicant>, String> {
        let lang = ctx.lang;
        let ids = self.targets().unwrap_or_default();
        match ids.as_slice() {
            [] => Err(lang
                .pick(
                    "没有可处理的申报人：先用 t 或 T 标记，或选中一行",
                    "no applicant to act on: mark with t or T, or select a row",
                )
                .into()),
            [one] if self.selected().is_some_and(|a| a.id == *one) => {
                Ok(self.selected().cloned().into_iter().collect())
            }
            _ => {
                let wanted: std::collections::HashSet<i64> = ids.iter().copied().collect();
                let all = rows::all(
                    ctx.store.conn(),
                    self.batch_id,
                    Filter::All,
                    self.list.query.sort,
                )
                .map_err(|e| e.describe(lang))?;
                Ok(all.into_iter().filter(|a| wanted.contains(&a.id)).collect())
            }
        }
    }

    /// `i`: refused at once, before any number is taken, while the stub would lack the clerk's
    /// name or the phone (R7.1); otherwise a confirmation naming whom it issues to.
    fn ask_issue(&mut self, ctx: &mut Ctx<'_>) -> Flow {
        let lang = ctx.lang;
        if let Err(r) = Signature::configured(&self.config.office, &ctx.actor.user) {
            self.list.marks.take_armed();
            return Flow::Say(r.describe(lang));
        }
        let chosen = match self.chosen(ctx) {
            Ok(c) => c,
            Err(e) => return Flow::Say(e),
        };
        let names: Vec<String> = chosen.iter().map(|a| a.person.name.clone()).collect();
        let office = self
            .batch()
            .map(|b| self.office_name(&b.office))
            .unwrap_or_default();
        let question = match lang {
            Lang::Zh => format!(
                "以{office}名义为{}中已通过者出具合格证明，按列表顺序连续编号，不可收回？",
                who(&names, lang)
            ),
            Lang::En => format!(
                "Issue certificates from {office} to the accepted among {}, numbered in list order (numbers are final)?",
                who(&names, lang)
            ),
        };
        let ids = chosen.iter().map(|a| a.id).collect();
        Flow::Ask(Ask::confirm(Question::Issue(ids), question))
    }

    /// Print the certificates of `ids` (the applicants the question named) to `destination`,
    /// and show the batch as it now is.
    fn print_to(
        &mut self,
        ids: &[i64],
        destination: Result<Destination, String>,
        ctx: &mut Ctx<'_>,
    ) -> Flow {
        let msg = match destination {
            Ok(d) => print_now(&self.config, ids, &d, ctx),
            Err(e) => e,
        };
        if let Err(e) = self.load_page(ctx) {
            return Flow::Say(format!("{msg} / {e}"));
        }
        Flow::Say(msg)
    }

    /// `v`: exactly the document `p` would send, built by the same print service.
    fn preview(&mut self, ctx: &mut Ctx<'_>) -> Flow {
        let chosen = match self.chosen(ctx) {
            Ok(c) => c,
            Err(e) => return Flow::Say(e),
        };
        let ids: Vec<i64> = chosen.iter().map(|a| a.id).collect();
        let mut preview = PreviewScreen {
            config: self.config.clone(),
            batch_id: self.batch_id,
            ids,
            numbers: Vec::new(),
            reprints: 0,
            lines: Vec::new(),
            offset: 0,
            page: 1,
        };
        match preview.build(ctx) {
            Ok(()) => Flow::Push(Box::new(preview)),
            Err(e) => Flow::Say(e),
        }
    }

    fn rule_line(&self, lang: Lang) -> String {
        let shown = match (self.list.query.filter, lang) {
            (Filter::All, _) => String::new(),
            (_, Lang::Zh) => format!("（{} 人）", self.list.total().exact().unwrap_or(0)),
            (_, Lang::En) => format!(" ({})", self.list.total().exact().unwrap_or(0)),
        };
        format!(
            "{}{}{shown} · {}{} · {}",
            lang.pick("筛选：", "filter: "),
            filter_label(self.list.query.filter, lang),
            lang.pick("排序：", "sort: "),
            sort_label(self.list.query.sort, lang),
            self.list.marks.rule_label(lang, "人")
        )
    }

    fn info_line(&self, lang: Lang) -> String {
        let Some(b) = self.batch() else {
            return String::new();
        };
        let (from, to) = batches::period(b);
        match lang {
            Lang::Zh => format!(
                "#{} {} · {} · {}年申报 · 核验{from}—{to}年 · {}办理",
                b.id,
                clean_line(&b.department),
                kind_short(b.kind, lang),
                b.application_year,
                self.office_name(&b.office),
            ),
            Lang::En => format!(
                "#{} {} · {} · applying {} · verifies {from}–{to} · {}",
                b.id,
                clean_line(&b.department),
                kind_short(b.kind, lang),
                b.application_year,
                self.office_name(&b.office),
            ),
        }
    }

    fn widths(lang: Lang) -> (usize, usize) {
        match lang {
            Lang::Zh => (6, 8),
            Lang::En => (7, 9),
        }
    }

    fn column_heads(lang: Lang, cols: usize) -> String {
        let (vw, sw) = Self::widths(lang);
        let cert_w = cols.saturating_sub(2 + 8 + 1 + 18 + 1 + vw + 1 + sw + 1 + 8 + 1);
        let (name, id, verdict, state, route, cert) = match lang {
            Lang::Zh => ("姓名", "身份证号", "验证", "状态", "办理", "合格证明"),
            Lang::En => (
                "Name",
                "ID number",
                "Verdict",
                "State",
                "Office",
                "Certificate",
            ),
        };
        format!(
            "  {} {} {} {} {} {}",
            fit(name, 8),
            fit(id, 18),
            fit(verdict, vw),
            fit(state, sw),
            fit(route, 8),
            fit(cert, cert_w)
        )
    }

    fn row_text(&self, a: &Applicant, lang: Lang, cols: usize) -> String {
        let (vw, sw) = Self::widths(lang);
        let cert_w = cols.saturating_sub(2 + 8 + 1 + 18 + 1 + vw + 1 + sw + 1 + 8 + 1);
        let mark = if self.list.marks.contains(a.id) {
            "*"
        } else {
            " "
        };
        let route = match self.route(a) {
            Route::Here => String::new(),
            Route::Elsewhere(codes) => {
                let names: Vec<String> = codes.iter().map(|c| self.office_name(c)).collect();
                format!("{}{}", lang.pick("另由", "→"), names.join("/"))
            }
        };
        let cert = match &a.certificate {
            None => String::new(),
            Some(c) if c.voided => format!("{} {}", c.number, lang.pick("作废", "void")),
            Some(c) if c.prints > 0 => format!("{} {}", c.number, lang.pick("已打印", "printed")),
            Some(c) => c.number.clone(),
        };
        format!(
            "{mark} {} {} {} {} {} {}",
            fit(&clean_line(&a.person.name), 8),
            fit(a.person.id_number.as_str(), 18),
            fit(verdict_label(a.verdict, lang), vw),
            fit(a.state.label(lang), sw),
            fit(&route, 8),
            fit(&cert, cert_w)
        )
    }

    /// The line under the five years: what stands out about the current applicant and what to
    /// do next; true when it is a problem.
    fn note(&self, lang: Lang) -> (String, bool) {
        let (Some(a), Some(r)) = (self.selected(), self.current()) else {
            return (String::new(), false);
        };
        let live = Verdict::of(&r.verification);
        if let Route::Elsewhere(codes) = self.route(a)
            && a.state == ApplicantState::Undecided
        {
            let names: Vec<String> = codes.iter().map(|c| self.office_name(c)).collect();
            return (
                match lang {
                    Lang::Zh => {
                        format!("应由{}验证，本处不办理：按 r 退回", names.join("或"))
                    }
                    Lang::En => format!("verified by {}, not here: r returns", names.join(" or ")),
                },
                true,
            );
        }
        match a.state {
            ApplicantState::Returned => {
                // Recorded in Chinese (the notice's language); said in the clerk's.
                let mut s = format!(
                    "{}{}",
                    lang.pick("已退回：", "returned: "),
                    rules::shortfall_in(&clean_line(&a.shortfall), lang)
                );
                if !a.reason.is_empty() {
                    s.push_str(lang.pick("；", "; "));
                    s.push_str(&clean_line(&a.reason));
                }
                return (s, true);
            }
            ApplicantState::Refused => {
                return (
                    format!(
                        "{}{}",
                        lang.pick("不予通过：", "refused: "),
                        clean_line(&a.reason)
                    ),
                    true,
                );
            }
            _ => {}
        }
        if live == Verdict::Blocked && a.state == ApplicantState::Undecided {
            return (
                lang.pick(
                    "冻结：有未解除的弄虚作假记录：按 x 不予通过",
                    "blocked by a falsification finding: x refuses",
                )
                .into(),
                true,
            );
        }
        match a.verdict {
            None => {
                return (
                    lang.pick(
                        "尚未验证：按 c 验证本批",
                        "not verified yet: c verifies the batch",
                    )
                    .into(),
                    true,
                );
            }
            Some(v) if v != live => {
                return (
                    match lang {
                        Lang::Zh => format!("验证结果已变为“{}”：按 c 重新验证本批", live.zh()),
                        Lang::En => format!(
                            "the verdict is now {}: c verifies the batch again",
                            live.label(lang)
                        ),
                    },
                    true,
                );
            }
            _ => {}
        }
        match (a.state, &a.certificate) {
            (ApplicantState::Accepted, Some(c)) => (
                match lang {
                    Lang::Zh => format!(
                        "已出具 {}（打印 {} 次）：v 预览，p 打印，w 打印到文件",
                        c.number, c.prints
                    ),
                    Lang::En => format!(
                        "issued {} (printed {}×): v preview, p print, w to a file",
                        c.number, c.prints
                    ),
                },
                false,
            ),
            (ApplicantState::Accepted, None) => (
                lang.pick(
                    "已通过：按 i 出具合格证明",
                    "accepted: i issues the certificate",
                )
                .into(),
                false,
            ),
            _ if live == Verdict::Pass => (
                lang.pick("合格：按 a 通过", "passes: a accepts").into(),
                false,
            ),
            _ => {
                let years: Vec<String> = r
                    .verification
                    .years
                    .iter()
                    .filter(|y| !y.pass())
                    .map(|y| y.year.to_string())
                    .collect();
                (
                    match lang {
                        Lang::Zh => {
                            format!("{}年学时不足：按 r 退回，附上缺少的学时", years.join("、"))
                        }
                        Lang::En => format!(
                            "short in {}: r returns it with what is missing",
                            years.join(", ")
                        ),
                    },
                    true,
                )
            }
        }
    }

    fn table_lines(&self, lang: Lang, t: &super::theme::Theme) -> Vec<Line<'static>> {
        let head = match lang {
            Lang::Zh => format!(
                "{}{}{}{}结论",
                pad("年度", 6),
                pad("公需", 7),
                pad("专业", 7),
                pad("合计", 7)
            ),
            Lang::En => format!(
                "{}{}{}{}result",
                pad("year", 6),
                pad("public", 7),
                pad("prof.", 7),
                pad("total", 7)
            ),
        };
        let mut lines = vec![Line::from(Span::styled(head, t.header))];
        let Some(r) = self.current() else {
            return lines;
        };
        for y in &r.verification.years {
            let verdict = if y.pass() {
                Span::styled(lang.pick("合格", "pass").to_string(), t.good)
            } else {
                let why: Vec<String> = y
                    .shortfalls
                    .iter()
                    .map(|s| match (s, lang) {
                        (Shortfall::Public, Lang::Zh) => {
                            format!("公需差{}", lack(y.policy.public_min, y.public))
                        }
                        (Shortfall::Professional, Lang::Zh) => {
                            format!("专业差{}", lack(y.policy.professional_min, y.professional))
                        }
                        (Shortfall::Total, Lang::Zh) => {
                            format!("合计差{}", lack(y.policy.total_min, y.total))
                        }
                        (Shortfall::Public, Lang::En) => {
                            format!("public −{}", lack(y.policy.public_min, y.public))
                        }
                        (Shortfall::Professional, Lang::En) => {
                            format!("prof. −{}", lack(y.policy.professional_min, y.professional))
                        }
                        (Shortfall::Total, Lang::En) => {
                            format!("total −{}", lack(y.policy.total_min, y.total))
                        }
                    })
                    .collect();
                Span::styled(
                    format!(
                        "{}{}",
                        lang.pick("不足：", "short: "),
                        why.join(lang.pick("、", ", "))
                    ),
                    t.bad,
                )
            };
            lines.push(Line::from(vec![
                Span::raw(format!(
                    "{}{}{}{}",
                    pad(&y.year.to_string(), 6),
                    pad(&y.public.to_string(), 7),
                    pad(&y.professional.to_string(), 7),
                    pad(&y.total.to_string(), 7)
                )),
                verdict,
            ]));
        }
        lines
    }
}

/// The keys that act on the marked applicants and so take `;` themselves.
fn uses_marks(action: Action) -> bool {
    matches!(
        action,
        Action::Accept
            | Action::Return
            | Action::Refuse
            | Action::Issue
            | Action::Preview
            | Action::Print
            | Action::Back
    )
}

impl Screen for BatchScreen {
    /// The "u undoes this" hint spoke of a decision that is no more.
    fn undone(&mut self) {
        self.hint.clear();
    }

    fn scopes(&self) -> &'static [Scope] {
        &[Scope::Batch, Scope::List]
    }

    fn title(&self, lang: Lang) -> String {
        lang.pick("验证批次", "Verification batch").into()
    }

    fn reload(&mut self, ctx: &mut Ctx<'_>) -> Result<(), String> {
        self.load_page(ctx)
    }

    fn refresh(&mut self, ctx: &mut Ctx<'_>) -> Result<(), String> {
        self.prepare(ctx);
        self.list.refresh(ctx);
        Ok(())
    }

    fn deliver(&mut self, done: Done, ctx: &mut Ctx<'_>) -> Result<Flow, Done> {
        let read = self.list.deliver(done, ctx)?;
        Ok(match read.or_else(|| self.gone(ctx.lang)) {
            Some(e) => Flow::Say(e),
            None => Flow::Stay,
        })
    }

    fn fit(&mut self, ctx: &mut Ctx<'_>) -> bool {
        self.list.fit(ctx)
    }

    fn waiting(&self) -> bool {
        self.list.waiting()
    }

    fn on_action(&mut self, action: Action, ctx: &mut Ctx<'_>) -> Flow {
        let lang = ctx.lang;
        // `;` holds across moves and is spent by the next other action: the keys that act on
        // the marks take it where they pick their rows (`targets`, `print_ids`), Esc cancels
        // it in the list, and any other action forgets it here.
        if !marks::is_move(action) && !uses_marks(action) {
            self.list.marks.disarm();
        }
        let armed = action == Action::Back && self.list.marks.is_armed();
        if let Some(flow) = self.list.on_action(action, armed, ctx) {
            return flow;
        }
        let result = match action {
            Action::Open => {
                return match self.selected() {
                    Some(a) => Flow::Push(Box::new(PersonScreen::new(a.person_id))),
                    None => Flow::Say(
                        lang.pick("没有选中的申报人", "no applicant selected")
                            .into(),
                    ),
                };
            }
            Action::Mark => {
                let id = self.selected().map(|a| a.id);
                self.list.toggle_mark(id, ctx);
                Ok(())
            }
            Action::MarkPattern => {
                return Flow::Ask(Ask::Text {
                    about: Question::Pattern.into(),
                    prompt: PATTERN.prompt(lang),
                    initial: String::new(),
                });
            }
            Action::ApplyToMarked => {
                return Flow::Say(self.list.marks.arm_saying(
                    lang,
                    (
                        "：a 通过 r 退回 x 不予通过 i 出具 p 打印",
                        ": a r x i p (Esc cancels)",
                    ),
                ));
            }
            Action::Filter => {
                return Flow::Ask(Ask::Text {
                    about: Question::Filter.into(),
                    prompt: lang
                        .pick(
                            " 筛选：待定 通过 退回 不予通过 合格 不足 冻结 未验证 已出具（空=全部） ",
                            " filter: undecided accepted returned refused pass short blocked issued ",
                        )
                        .into(),
                    initial: String::new(),
                });
            }
            Action::Sort => {
                // The applicant the cursor is on stays under it, in the new order.
                self.list.query.sort = self.list.query.sort.next();
                self.list.requery(true, ctx);
                return Flow::Say(format!(
                    "{}{}",
                    lang.pick("按此排序：", "sorted by "),
                    sort_label(self.list.query.sort, lang)
                ));
            }
            Action::Verify => return self.verify(ctx),
            Action::Accept => {
                return match self.targets() {
                    Some(ids) => self.decide(ids, Decision::Accept, ctx),
                    None => Self::no_targets(lang),
                };
            }
            Action::Return => {
                return match self.targets() {
                    Some(ids) => self.decide(
                        ids,
                        Decision::Return {
                            reason: String::new(),
                        },
                        ctx,
                    ),
                    None => Self::no_targets(lang),
                };
            }
            Action::Refuse => {
                return match self.targets() {
                    Some(ids) => {
                        let n = ids.len();
                        Flow::Ask(Ask::Text {
                            about: Question::Refuse(ids).into(),
                            prompt: match lang {
                                Lang::Zh => {
                                    format!(" 不予通过 {n} 人（冻结：弄虚作假），理由（Esc 取消） ")
                                }
                                Lang::En => {
                                    format!(
                                        " refuse {n} (blocked: falsification): reason (Esc cancels) "
                                    )
                                }
                            },
                            initial: String::new(),
                        })
                    }
                    None => Self::no_targets(lang),
                };
            }
            Action::Issue => return self.ask_issue(ctx),
            Action::Preview => return self.preview(ctx),
            Action::Print | Action::PrintToFile => {
                let ids: Vec<i64> = match self.chosen(ctx) {
                    Ok(c) => c.iter().map(|a| a.id).collect(),
                    Err(e) => return Flow::Say(e),
                };
                return if action == Action::Print {
                    ask_print(&self.config, ids, ctx)
                } else {
                    ask_print_file(&self.config, self.batch_id, ids, ctx)
                };
            }
            Action::New => {
                return Flow::Ask(Ask::Text {
                    about: Question::Add.into(),
                    prompt: lang
                        .pick(
                            " 添加申报人：身份证号（可用空格分隔多个） ",
                            " add applicants: ID numbers (separated by spaces) ",
                        )
                        .into(),
                    initial: String::new(),
                });
            }
            _ => Ok(()),
        };
        Flow::from(result)
    }

    fn on_answer(
        &mut self,
        about: ScreenQuestion,
        answer: Option<&str>,
        ctx: &mut Ctx<'_>,
    ) -> Flow {
        let lang = ctx.lang;
        let ScreenQuestion::Batch(about) = about else {
            return Flow::Stay;
        };
        let Some(answer) = answer else {
            return Flow::Say(
                lang.pick("已取消，没有改动", "cancelled: nothing changed")
                    .into(),
            );
        };
        match about {
            Question::Pattern => self.mark_pattern(answer, ctx),
            Question::Filter => {
                let word = clean_line(answer).to_lowercase();
                match filter_word(&word) {
                    Some(f) => {
                        // The applicant the cursor is on stays under it if the filter keeps them.
                        let unmarked = if f == Filter::All {
                            None
                        } else {
                            self.list.unmark_for_filter(lang)
                        };
                        self.list.query.filter = f;
                        self.list.requery(true, ctx);
                        unmarked.map_or(Flow::Stay, Flow::Say)
                    }
                    None => Flow::Say(match lang {
                        Lang::Zh => format!("无法识别的筛选条件“{word}”"),
                        Lang::En => format!("unknown filter \"{word}\""),
                    }),
                }
            }
            Question::Refuse(_) if clean_line(answer).is_empty() => Flow::Say(
                lang.pick(
                    "未填写理由，没有申报人被不予通过",
                    "no reason given: nobody was refused",
                )
                .into(),
            ),
            Question::Refuse(ids) => self.decide(
                ids,
                Decision::Refuse {
                    reason: clean_line(answer),
                },
                ctx,
            ),
            Question::Issue(ids) => self.issue(ids, ctx),
            Question::Print(ids) => {
                let to = configured_printer(&self.config, lang);
                self.print_to(&ids, to, ctx)
            }
            Question::PrintFile(ids) => self.print_to(&ids, file_destination(answer, lang), ctx),
            Question::Add => {
                let text = clean_line(answer);
                let ids: Vec<&str> = text
                    .split([' ', ',', '，', '、', ';', '；'])
                    .filter(|s| !s.is_empty())
                    .collect();
                if ids.is_empty() {
                    return Flow::Say(lang.pick("没有添加任何人", "nobody added").into());
                }
                match batches::add_by_id_numbers(ctx.store, ctx.actor, self.batch_id, &ids) {
                    Ok(added) => {
                        let mut msg = match lang {
                            Lang::Zh => format!(
                                "已添加 {} 人（已在本批 {} 人）",
                                added.added, added.already
                            ),
                            Lang::En => format!(
                                "added {} ({} already in the batch)",
                                added.added, added.already
                            ),
                        };
                        if added.added > 0 {
                            msg.push_str(lang.pick("；按 c 验证本批", "; c verifies the batch"));
                        }
                        if let Err(e) = self.load_page(ctx) {
                            msg.push_str(" / ");
                            msg.push_str(&e);
                        }
                        Flow::Say(msg)
                    }
                    Err(e) => Flow::Say(e.describe(lang)),
                }
            }
        }
    }

    fn render(&self, f: &mut Frame, area: Rect, view: &View) {
        let lang = view.lang;
        let t = &view.theme;
        let mut block = Block::default().borders(Borders::ALL).title(counts_title(
            self.counts(),
            lang,
            area.width.saturating_sub(2) as usize,
        ));
        if !self.hint.is_empty() {
            block = block.title_bottom(Line::from(Span::styled(
                format!(" {} ", clean_line(&self.hint)),
                t.key,
            )));
        }
        let inner = block.inner(area);
        f.render_widget(block, area);
        let [info, header, list, table, note] = Layout::vertical([
            Constraint::Length(INFO_ROWS),
            Constraint::Length(1),
            Constraint::Min(0),
            Constraint::Length(TABLE_ROWS - 1),
            Constraint::Length(1),
        ])
        .areas(inner);
        let cols = inner.width as usize;
        let rule_style = if self.list.marks.is_empty() {
            t.dim
        } else {
            t.marked
        };
        f.render_widget(
            Paragraph::new(vec![
                Line::from(Span::raw(fit(&self.info_line(lang), cols))),
                Line::from(Span::styled(fit(&self.rule_line(lang), cols), rule_style)),
            ]),
            info,
        );
        f.render_widget(
            Paragraph::new(Span::styled(Self::column_heads(lang, cols), t.header)),
            header,
        );
        self.list.measure(list.height);
        if self.list.rows().is_empty() {
            let empty = if self.list.query.filter == Filter::All {
                lang.pick(
                    "本批还没有申报人。按 n 添加身份证号，或用 jijiao import applicants 名册 --batch #编号 导入。",
                    "No applicants yet. n adds ID numbers, or jijiao import applicants FILE --batch #ID.",
                )
            } else {
                lang.pick(
                    "没有符合筛选的申报人。f 回车 显示全部。",
                    "Nobody matches the filter. f Enter shows all.",
                )
            };
            f.render_widget(
                Paragraph::new(self.list.empty_text(lang, empty))
                    .wrap(ratatui::widgets::Wrap { trim: true }),
                list,
            );
            return;
        }
        let cursor = self.list.row();
        let lines: Vec<Line> = self
            .list
            .rows()
            .iter()
            .enumerate()
            .map(|(i, a)| {
                let style = if i == cursor {
                    t.selected
                } else if self.list.marks.contains(a.id) {
                    t.marked
                } else {
                    Style::default()
                };
                Line::from(Span::styled(self.row_text(a, lang, cols), style))
            })
            .collect();
        f.render_widget(Paragraph::new(lines), list);
        f.render_widget(Paragraph::new(self.table_lines(lang, t)), table);
        let (text, bad) = self.note(lang);
        // A returned applicant's shortfall is recorded with its rule codes (R2.1): words only.
        let text = super::chrome::without_rule_codes(&text);
        f.render_widget(
            Paragraph::new(Span::styled(
                fit(&text, cols),
                if bad { t.bad } else { t.good },
            )),
            note,
        );
    }
}

/// The document as the terminal can show it: a form feed is a visible line, not a control.
pub(super) fn preview_lines(text: &str) -> Vec<String> {
    let shown = text.replace(layout::FORM_FEED, "\u{240c} ─── 换页 form feed ───\n");
    let mut out: Vec<String> = shown.split('\n').map(str::to_string).collect();
    while out.last().is_some_and(|l| l.is_empty()) {
        out.pop();
    }
    out
}

/// Exactly the text `p` sends, before encoding, page after page, in certificate-number order.
pub struct PreviewScreen {
    config: Config,
    batch_id: i64,
    /// The applicants whose certificates are shown; `p` and `w` print theirs.
    ids: Vec<i64>,
    numbers: Vec<String>,
    reprints: usize,
    lines: Vec<String>,
    offset: usize,
    /// Rows visible, known from the last reload.
    page: usize,
}

impl PreviewScreen {
    /// Lay the document out again from the certificates as stored now: after a print, every
    /// page shown is a reprint, exactly as the next `p` would send it (R7.4).
    fn build(&mut self, ctx: &mut Ctx<'_>) -> Result<(), String> {
        let (job, _) = job_of(&self.config, &self.ids, ctx)?;
        self.numbers = job
            .sheets()
            .iter()
            .map(|s| s.cert.text.number.to_string())
            .collect();
        self.reprints = job.reprints();
        self.lines = preview_lines(job.text());
        self.offset = self.offset.min(self.lines.len().saturating_sub(self.page));
        Ok(())
    }
}

impl Screen for PreviewScreen {
    fn scopes(&self) -> &'static [Scope] {
        &[Scope::Preview, Scope::List]
    }

    fn title(&self, lang: Lang) -> String {
        lang.pick("打印预览", "Print preview").into()
    }

    fn reload(&mut self, ctx: &mut Ctx<'_>) -> Result<(), String> {
        // The body less the two rules above and below the text.
        self.page = (ctx.page_rows + 2).max(1);
        self.build(ctx)
    }

    fn on_action(&mut self, action: Action, ctx: &mut Ctx<'_>) -> Flow {
        if scroll_preview(&mut self.offset, self.page, self.lines.len(), action) {
            return Flow::Stay;
        }
        match action {
            Action::Print => return ask_print(&self.config, self.ids.clone(), ctx),
            Action::PrintToFile => {
                return ask_print_file(&self.config, self.batch_id, self.ids.clone(), ctx);
            }
            Action::Back => return Flow::Pop,
            _ => {}
        }
        Flow::Stay
    }

    fn on_answer(
        &mut self,
        about: ScreenQuestion,
        answer: Option<&str>,
        ctx: &mut Ctx<'_>,
    ) -> Flow {
        let lang = ctx.lang;
        let destination = match (about, answer) {
            (ScreenQuestion::Batch(Question::Print(ids)), Some(_)) => {
                (ids, configured_printer(&self.config, lang))
            }
            (ScreenQuestion::Batch(Question::PrintFile(ids)), Some(path)) => {
                (ids, file_destination(path, lang))
            }
            _ => {
                return Flow::Say(
                    lang.pick("已取消，没有打印", "cancelled: nothing printed")
                        .into(),
                );
            }
        };
        let said = match destination {
            (ids, Ok(d)) => print_now(&self.config, &ids, &d, ctx),
            (_, Err(e)) => e,
        };
        match self.build(ctx) {
            Ok(()) => Flow::Say(said),
            Err(e) => Flow::Say(format!("{said} / {e}")),
        }
    }

    fn render(&self, f: &mut Frame, area: Rect, view: &View) {
        let lang = view.lang;
        let t = &view.theme;
        let first = self.numbers.first().cloned().unwrap_or_default();
        let title = match (lang, self.numbers.len()) {
            (Lang::Zh, 1) => format!(" 打印预览 {first}（补打 {}） ", self.reprints),
            (Lang::Zh, n) => format!(" 打印预览 {n} 份：{first} 等（补打 {}） ", self.reprints),
            (Lang::En, 1) => format!(" Preview {first} ({} reprints) ", self.reprints),
            (Lang::En, n) => format!(" Preview {n}: {first} … ({} reprints) ", self.reprints),
        };
        draw_preview(f, area, title, &self.lines, self.offset, self.page, t);
    }
}

/// Moves a preview of `len` lines, `page` on screen, by a scrolling `action` (line, page, top,
/// bottom); whether the action was one of those. Certificates and record cards share it.
pub(super) fn scroll_preview(offset: &mut usize, page: usize, len: usize, action: Action) -> bool {
    let last = len.saturating_sub(page);
    *offset = match action {
        Action::Up => offset.saturating_sub(1),
        Action::Down => (*offset + 1).min(last),
        Action::PageUp => offset.saturating_sub(page),
        Action::PageDown => (*offset + page).min(last),
        Action::Top => 0,
        Action::Bottom => last,
        _ => return false,
    };
    true
}

/// A print preview as it will print: the document's `lines` from `offset`, `page` of them on
/// screen, with `title` above and "first–last/total" below. No side borders, so a line of the
/// page may use every column of an 80-column terminal. Certificates and record cards (R5.4)
/// both show their preview through it.
pub(super) fn draw_preview(
    f: &mut Frame,
    area: Rect,
    title: String,
    lines: &[String],
    offset: usize,
    page: usize,
    t: &super::theme::Theme,
) {
    let shown = format!(
        " {}–{}/{} ",
        (offset + 1).min(lines.len()),
        (offset + page).min(lines.len()),
        lines.len()
    );
    let block = Block::default()
        .borders(Borders::TOP | Borders::BOTTOM)
        .title(Span::styled(title, t.header))
        .title_bottom(Line::from(shown).right_aligned());
    let inner = block.inner(area);
    f.render_widget(block, area);
    let shown: Vec<Line> = lines
        .iter()
        .skip(offset)
        .take(inner.height as usize)
        .map(|l| Line::from(l.clone()))
        .collect();
    f.render_widget(Paragraph::new(shown), inner);
}

#[cfg(test)]
mod tests {
    use ratatui::crossterm::event::KeyCode;

    /// Tester, 2026-11-30: at 80 columns the title was cut at the border, so 4 571
    /// certificates issued read "已出具 45" (and in English the word "issued" went): a title
    /// that does not fit drops whole parts, never a digit of a count.
    #[test]
    fn a_large_batch_title_fits_80_columns_with_every_number_it_shows_whole() {
        let c = Counts {
            applicants: 6010,
            pass: 4572,
            short: 1399,
            blocked: 39,
            undecided: 1438,
            accepted: 4572,
            issued: 4571,
            ..Counts::default()
        };
        for lang in [Lang::Zh, Lang::En] {
            let title = super::counts_title(&c, lang, 78);
            assert!(crate::domain::text::width(&title) <= 78, "{title}");
            let issued = lang.pick("已出具 4571", "4571 issued");
            assert!(title.contains(issued), "{title}");
            assert!(
                title.contains(lang.pick("通过 4572", "4572 accepted")),
                "{title}"
            );
            // With room, everything, the words included.
            let wide = super::counts_title(&c, lang, 200);
            assert!(
                wide.contains(lang.pick("验证批次 6010 人", "Batch of 6010")),
                "{wide}"
            );
            assert!(wide.contains(lang.pick("冻结 39", "39 blocked")), "{wide}");
        }
        // Returned and refused applicants are counted: the four decisions add up.
        let decided = Counts {
            applicants: 30000,
            pass: 22846,
            short: 6980,
            blocked: 174,
            undecided: 20060,
            accepted: 2960,
            returned: 6980,
            ..Counts::default()
        };
        let title = super::counts_title(&decided, Lang::Zh, 78);
        assert!(
            title.contains("待定 20060 通过 2960 退回 6980 已出具 0"),
            "{title}"
        );
        assert!(!title.contains("不予"), "{title}");
        let title = super::counts_title(&decided, Lang::En, 78);
        assert!(
            title.contains("20060 open 2960 accepted 6980 returned 0 issued"),
            "{title}"
        );
        // A small batch keeps the whole title at 80 columns, as before.
        let small = Counts {
            applicants: 12,
            pass: 9,
            short: 3,
            ..Counts::default()
        };
        let title = super::counts_title(&small, Lang::En, 78);
        assert!(
            title.contains("Batch of 12: 9 pass 3 short 0 blocked"),
            "{title}"
        );
    }

    use super::*;
    use crate::service::batches::tests::{batch_of_six, bureau, one};
    use crate::tui::testing::Driver;

    /// 长沙's bureau, its printer a file in `dir`.
    fn config(dir: &std::path::Path) -> Config {
        let mut c = Config::default();
        c.office.name = "长沙".into();
        c.office.phone = "0731-88888888".into();
        c.office
            .clerk_names
            .insert("wangfang".into(), "王芳".into());
        c.printer.destination = format!("file:{}", dir.join("printed.txt").display());
        c.printer.encoding = "utf-8".into();
        c
    }

    /// Screen 4 of a bureau with one unverified batch of six applicants.
    fn verification(lang: Lang, dir: &std::path::Path) -> Driver {
        let mut store = bureau();
        batch_of_six(&mut store);
        let mut d = Driver::new(store, lang);
        d.app.set_config(config(dir));
        d.key(KeyCode::Char('4'));
        d
    }

    fn line_with(d: &Driver, text: &str) -> String {
        d.screen()
            .lines()
            .find(|l| l.contains(text))
            .map(str::to_string)
            .unwrap_or_default()
    }

    /// Tester, 2026-11-30: accepting 22 846 applicants of whom 19 886 belonged to fourteen
    /// other offices named 27 reasons, 15 rows of a 24-row screen. Three are named, most
    /// frequent first, then the others counted.
    #[test]
    fn a_summary_of_many_reasons_names_three_and_counts_the_rest() {
        let mut reasons = Vec::new();
        for (i, n) in [50, 40, 30, 3, 2, 1].into_iter().enumerate() {
            reasons.extend(std::iter::repeat_n(format!("原因{i}"), n));
        }
        assert_eq!(
            reasons_summary(reasons.clone(), Lang::Zh),
            "原因0（50）；原因1（40）；原因2（30）；另有 3 种原因（6）"
        );
        assert_eq!(
            reasons_summary(reasons[..120].to_vec(), Lang::En),
            "原因0 (50); 原因1 (40); 原因2 (30)"
        );
        assert_eq!(reasons_summary(vec!["x".into(); 4], Lang::En), "x");
    }

    /// R7.2 Tester's finding: `i` on someone who already had a certificate of the period said
    /// "已出具 0 份：；1 人已有证明，已关联". Only what happened is said.
    #[test]
    fn issuing_says_only_what_happened() {
        let n = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let c = |v: &[&str]| {
            v.iter()
                .map(|s| CertificateNumber::parse(s).unwrap())
                .collect::<Vec<_>>()
        };
        assert_eq!(
            issued_message(&[], 1, &[], Lang::Zh),
            "1 人已有证明，已关联"
        );
        assert_eq!(
            issued_message(&[], 1, &[], Lang::En),
            "1 already had one, linked"
        );
        assert_eq!(
            issued_message(
                &c(&["长沙—2017—0001", "长沙—2017—0002", "长沙—2017—0003"]),
                1,
                &[],
                Lang::Zh
            ),
            "已出具 3 份：长沙—2017—0001 至 长沙—2017—0003；1 人已有证明，已关联"
        );
        assert_eq!(
            issued_message(&c(&["长沙—2017—0004"]), 0, &[], Lang::En),
            "issued 1: 长沙—2017—0004"
        );
        // Tester, 2026-11-30: another clerk issued 0003 and 0004 while this batch was issued.
        assert_eq!(
            issued_message(
                &c(&["长沙—2017—0001", "长沙—2017—0002", "长沙—2017—0005"]),
                0,
                &[],
                Lang::Zh
            ),
            "已出具 3 份：长沙—2017—0001 至 长沙—2017—0005（其间 2 个编号由其他职员同时出具）"
        );
        assert_eq!(
            issued_message(&c(&["长沙—2017—0001", "长沙—2017—0003"]), 0, &[], Lang::En),
            "issued 2: 长沙—2017—0001 to 长沙—2017—0003 (1 between went to another clerk meanwhile)"
        );
        let said = issued_message(&[], 0, &n(&["未通过", "未通过"]), Lang::Zh);
        assert!(said.starts_with("未出具 2 人："), "{said}");
        assert!(!said.contains("已出具"), "{said}");
        assert_eq!(issued_message(&[], 0, &[], Lang::En), "nothing issued");
    }

    /// The help lists [`PATTERN`]'s words, and only those: each one is understood, and a word
    /// it does not list is refused (the marks stay).
    #[test]
    fn every_pattern_word_the_help_lists_is_one_the_parser_knows() {
        for w in PATTERN.words {
            for s in [w.zh, w.en] {
                let s = s.to_lowercase();
                assert!(filter_word(&s).is_some() || elsewhere_word(&s), "{s}");
            }
        }
        for s in ["及格", "soon"] {
            assert!(filter_word(s).is_none() && !elsewhere_word(s), "{s}");
        }
    }

    #[test]
    fn r6_a_batch_is_verified_triaged_certified_and_previewed_key_by_key() {
        let dir = tempfile::tempdir().unwrap();
        let mut d = verification(Lang::Zh, dir.path());
        assert!(d.shows("4验证"), "{}", d.screen());
        assert!(d.shows("验证批次 1 批"), "{}", d.screen());

        // Open the batch and verify it (R6.4).
        d.key(KeyCode::Enter);
        assert!(
            line_with(&d, "张伟").contains("未验证 待定"),
            "{}",
            d.screen()
        );
        d.key(KeyCode::Char('j')).key(KeyCode::Char('j'));
        assert!(d.shows("尚未验证：按 c 验证本批"), "{}", d.screen());
        d.key(KeyCode::Char('c'));
        assert_eq!(d.app.message(), "已验证 6 人：合格 4，不足 1，冻结 1");
        // The queue counts what the batch holds.
        d.key(KeyCode::Esc);
        let row = line_with(&d, "长沙市卫生健康委员会");
        assert!(
            row.ends_with("市州单位       6     4     1     1     6     0│"),
            "{row}"
        );
        insta::assert_snapshot!("batches_zh", d.screen());
        d.key(KeyCode::Enter);

        // R6.2 flags the applicant another office verifies; R6.4 table of the current row.
        assert!(line_with(&d, "周杰").contains("另由株洲"), "{}", d.screen());
        // In the notice's words, without the rule's code (tester's fault 7).
        assert!(d.shows("应由株洲验证，本处不办理"), "{}", d.screen());
        assert!(!d.shows("R6.2"), "{}", d.screen());
        // Mark every passing applicant and accept: the one for 株洲 is skipped.
        d.key(KeyCode::Char('T')).keys("合格").key(KeyCode::Enter);
        assert_eq!(d.app.message(), "已标记 4 行：符合“合格”");
        d.key(KeyCode::Char('a'));
        assert_eq!(
            d.app.message(),
            "已通过 3 人，跳过 1 人：按R6.2应由株洲验证，请退回"
        );
        // The message keeps its code for the log; the clerk reads the words.
        assert!(
            d.shows("已通过 3 人，跳过 1 人：应由株洲验证，请退回"),
            "{}",
            d.screen()
        );
        // The decision used the marks up; the hint says how to reach the accepted.
        assert!(d.shows("未标记，按键作用于当前行"), "{}", d.screen());
        assert!(
            d.shows("下一步：T 通过 标记已通过者，按 i 出具"),
            "{}",
            d.screen()
        );
        d.key(KeyCode::Char('T')).keys("通过").key(KeyCode::Enter);
        assert_eq!(d.app.message(), "已标记 3 行：符合“通过”");
        // Issue to the marked: consecutive numbers.
        d.key(KeyCode::Char('i'));
        assert!(d.shows("（3人）中已通过者出具合格证明"), "{}", d.screen());
        d.key(KeyCode::Char('y'));
        let msg = d.app.message().to_string();
        assert!(
            msg.starts_with("已出具 3 份：长沙—2017—0001 至 长沙—2017—0003"),
            "{msg}"
        );
        assert!(
            line_with(&d, "张伟").contains("长沙—2017—"),
            "{}",
            d.screen()
        );
        insta::assert_snapshot!("batch_zh", d.screen());

        // The preview is exactly what goes out: the certificate text of attachment 1.
        d.key(KeyCode::Char('v'));
        assert!(d.shows("打印预览 3 份"), "{}", d.screen());
        assert!(
            d.shows("湖南省专业技术人员继续教育合格证明"),
            "{}",
            d.screen()
        );
        assert!(d.shows("证书编号：长沙—2017—0001"), "{}", d.screen());
        assert!(d.shows("经 办 人：王芳"), "{}", d.screen());
        insta::assert_snapshot!("batch_preview_zh", d.screen());
        d.key(KeyCode::Char('G'));
        assert!(d.shows("二〇一七年七月十五日"), "{}", d.screen());
        assert!(d.shows("换页 form feed"), "{}", d.screen());

        // p prints the same document, after asking.
        d.key(KeyCode::Char('p'));
        assert!(
            d.shows("打印张伟、王芳、赵敏（3人）的合格证明到打印机"),
            "{}",
            d.screen()
        );
        d.key(KeyCode::Char('y'));
        assert!(
            d.app.message().starts_with("已打印 3 份到 "),
            "{}",
            d.app.message()
        );
        let printed = std::fs::read_to_string(dir.path().join("printed.txt")).unwrap();
        assert_eq!(printed.matches('\u{c}').count(), 3);
        assert!(printed.contains("张伟 同志自 2012"), "{printed}");
        let s = d.app.store();
        assert_eq!(one(s, "SELECT count(*) FROM certificate_prints"), 3);
        assert_eq!(
            one(
                s,
                "SELECT count(*) FROM audit WHERE action = 'certificate.print' AND user = 'wangfang'"
            ),
            3
        );
        d.key(KeyCode::Esc);
        assert!(line_with(&d, "张伟").contains("已打印"), "{}", d.screen());
    }

    /// Issue 10.5: a new sort or filter leaves the cursor on the applicant it was on (while the
    /// filter keeps them), not on the first row.
    #[test]
    fn sorting_and_filtering_keep_the_cursor_on_its_applicant() {
        let dir = tempfile::tempdir().unwrap();
        let mut d = verification(Lang::Zh, dir.path());
        d.key(KeyCode::Enter).key(KeyCode::Char('c'));
        d.key(KeyCode::Char('j')).key(KeyCode::Char('j'));
        let on = |d: &mut Driver| {
            d.key(KeyCode::Enter);
            let title = d
                .screen()
                .lines()
                .find(|l| l.starts_with("┌ "))
                .unwrap_or_default()
                .to_string();
            d.key(KeyCode::Esc);
            title
        };
        let before = on(&mut d);
        assert!(before.contains("4301"), "a person: {before}");
        d.key(KeyCode::Char('o'));
        assert_eq!(d.app.message(), "按此排序：验证结果");
        assert_eq!(on(&mut d), before, "after the sort:\n{}", d.screen());
        d.key(KeyCode::Char('o'));
        assert_eq!(on(&mut d), before, "after the second sort:\n{}", d.screen());
        d.key(KeyCode::Char('f')).keys("待定").key(KeyCode::Enter);
        assert!(d.shows("筛选：待定"), "{}", d.screen());
        assert_eq!(on(&mut d), before, "after the filter:\n{}", d.screen());
    }

    /// R6.4 A filter that may hide marked applicants clears the marks and says so, so that no
    /// decision acts on applicants filtered out of sight.
    #[test]
    fn a_filter_that_may_hide_marked_applicants_clears_the_marks() {
        let dir = tempfile::tempdir().unwrap();
        let mut d = verification(Lang::Zh, dir.path());
        d.key(KeyCode::Enter)
            .key(KeyCode::Char('c'))
            .key(KeyCode::Esc)
            .key(KeyCode::Enter);
        d.key(KeyCode::Char('T')).keys("合格").key(KeyCode::Enter);
        assert!(d.shows("已标记 4 人"), "{}", d.screen());
        d.key(KeyCode::Char('f')).keys("不足").key(KeyCode::Enter);
        assert_eq!(
            d.app.message(),
            "筛选已改变，已清除 4 个标记：标记的行可能不在新的结果中"
        );
        assert!(d.shows("未标记"), "{}", d.screen());
        // Back to every applicant: nothing to clear, nothing said.
        d.key(KeyCode::Char('T')).keys("合格").key(KeyCode::Enter);
        d.key(KeyCode::Char('f')).key(KeyCode::Enter);
        assert!(d.shows("已标记 4 人"), "{}", d.screen());
    }

    /// Tester's minor point: `c` (verify the batch, R6) keeps the cursor on its applicant when
    /// the list is sorted by verdict and the verdicts move them, on every row.
    #[test]
    fn verifying_keeps_the_cursor_on_its_applicant_in_the_verdict_order() {
        let on = |d: &mut Driver| {
            d.key(KeyCode::Enter);
            let title = d
                .screen()
                .lines()
                .find(|l| l.starts_with("┌ "))
                .unwrap_or_default()
                .to_string();
            d.key(KeyCode::Esc);
            title
        };
        for row in 0..6 {
            let dir = tempfile::tempdir().unwrap();
            let mut d = verification(Lang::Zh, dir.path());
            d.key(KeyCode::Enter).key(KeyCode::Char('o'));
            assert_eq!(d.app.message(), "按此排序：验证结果");
            for _ in 0..row {
                d.key(KeyCode::Char('j'));
            }
            let before = on(&mut d);
            assert!(before.contains("4301"), "a person: {before}");
            d.key(KeyCode::Char('c'));
            assert!(
                d.app.message().starts_with("已验证 6 人"),
                "{}",
                d.app.message()
            );
            assert_eq!(on(&mut d), before, "row {row}:\n{}", d.screen());
        }
    }

    #[test]
    fn return_refuse_and_undo_on_the_current_row_and_semicolon_insists_on_marks() {
        let dir = tempfile::tempdir().unwrap();
        let mut d = verification(Lang::Zh, dir.path());
        d.key(KeyCode::Enter).key(KeyCode::Char('c'));
        // `;` with nothing marked refuses instead of falling back to the current row.
        d.key(KeyCode::Char(';'));
        assert_eq!(d.app.message(), "没有标记的行：先用 t 或 T 标记");
        // Sort by verdict: blocked first, then short.
        d.key(KeyCode::Char('o'));
        assert_eq!(d.app.message(), "按此排序：验证结果");
        // The cursor stayed on its applicant in the new order; the blocked one is first.
        d.key(KeyCode::Char('g'));
        assert!(
            d.shows("冻结：有未解除的弄虚作假记录：按 x 不予通过"),
            "{}",
            d.screen()
        );
        d.key(KeyCode::Char('a'));
        assert_eq!(
            d.app.message(),
            "已通过 0 人，跳过 1 人：验证结果为“冻结”，不能通过（R6.1）"
        );
        assert!(
            d.shows("已通过 0 人，跳过 1 人：验证结果为“冻结”，不能通过"),
            "{}",
            d.screen()
        );
        assert!(!d.shows("R6.1"), "{}", d.screen());
        d.key(KeyCode::Char('x'));
        assert!(
            d.shows("不予通过 1 人（冻结：弄虚作假），理由"),
            "{}",
            d.screen()
        );
        d.key(KeyCode::Enter);
        assert_eq!(d.app.message(), "未填写理由，没有申报人被不予通过");
        d.key(KeyCode::Char('x'))
            .keys("签到表系伪造")
            .key(KeyCode::Enter);
        assert_eq!(d.app.message(), "已不予通过 1 人");
        assert!(d.shows("不予通过：签到表系伪造"), "{}", d.screen());

        // The short one: r returns it with the years and hours it lacks.
        d.key(KeyCode::Char('j'));
        assert!(d.shows("2013年学时不足：按 r 退回"), "{}", d.screen());
        assert!(d.shows("不足：公需差20、合计差20"), "{}", d.screen());
        d.key(KeyCode::Char('r'));
        assert_eq!(d.app.message(), "已退回 1 人（附缺少的学时）");
        assert!(
            d.shows("已退回：2013年公需科目不足：10 < 30，合计不足：70 < 90"),
            "{}",
            d.screen()
        );
        d.key(KeyCode::Char('u'));
        assert_eq!(d.app.message(), "已撤销：退回 1 人（李娜）");
        d.key(KeyCode::Char('u'));
        assert_eq!(d.app.message(), "已撤销：不予通过 1 人（孙强）");
        d.key(KeyCode::Char('u'));
        assert_eq!(d.app.message(), "没有可撤销的决定");

        // Filter by state; an unknown word is named.
        d.key(KeyCode::Char('f')).keys("退回").key(KeyCode::Enter);
        assert!(d.shows("没有符合筛选的申报人"), "{}", d.screen());
        d.key(KeyCode::Char('f')).key(KeyCode::Enter);
        assert!(d.shows("筛选：全部 ·"), "{}", d.screen());
        assert_eq!(d.screen().matches("待定     ").count(), 6, "{}", d.screen());
        d.key(KeyCode::Char('f')).keys("很好").key(KeyCode::Enter);
        assert_eq!(d.app.message(), "无法识别的筛选条件“很好”");

        // n adds an applicant by ID number; a wrong one adds nobody.
        d.key(KeyCode::Char('n'))
            .keys("430102197505050011")
            .key(KeyCode::Enter);
        assert!(d.app.message().contains("校验"), "{}", d.app.message());
    }

    #[test]
    fn a_new_batch_outside_the_window_asks_for_the_reason_it_records() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = bureau();
        batch_of_six(&mut store);
        let mut d = Driver::new(store, Lang::Zh);
        d.app.set_config(config(dir.path()));
        d.key(KeyCode::Char('4')).key(KeyCode::Char('n'));
        d.keys("长沙市卫生健康委员会").key(KeyCode::Enter);
        // A city unit: several batches a year are fine (R6.3 binds competent departments).
        assert!(d.shows("部门类型"), "{}", d.screen());
        d.key(KeyCode::Enter);
        assert!(
            d.app.message().starts_with("已新建验证批次 #2"),
            "{}",
            d.app.message()
        );
        assert!(d.shows("本批还没有申报人"), "{}", d.screen());
        d.key(KeyCode::Esc);
        // A central unit's batch goes to the provincial office, not to 长沙 (R6.3).
        d.key(KeyCode::Char('n'))
            .keys("中国铁建")
            .key(KeyCode::Enter);
        d.key(KeyCode::Backspace).keys("4").key(KeyCode::Enter);
        assert_eq!(
            d.app.message(),
            "中央在湘单位的批次应集中报送省人力资源社会保障厅（省直）验证（R6.3），长沙市不能受理"
        );
        // At the provincial office its second batch needs a reason, which is recorded.
        let mut provincial = config(dir.path());
        provincial.office.name = "省直".into();
        d.app.set_config(provincial);
        d.key(KeyCode::Char('1')).key(KeyCode::Char('4'));
        d.key(KeyCode::Char('n'))
            .keys("中国铁建")
            .key(KeyCode::Enter);
        d.key(KeyCode::Backspace).keys("4").key(KeyCode::Enter);
        assert!(
            d.app.message().starts_with("已新建验证批次 #3"),
            "{}",
            d.app.message()
        );
        d.key(KeyCode::Esc)
            .key(KeyCode::Char('n'))
            .keys("中国铁建")
            .key(KeyCode::Enter);
        d.key(KeyCode::Backspace).keys("4").key(KeyCode::Enter);
        assert!(
            d.shows("该部门本年已有批次，应一次集中报送"),
            "{}",
            d.screen()
        );
        d.key(KeyCode::Enter);
        assert_eq!(d.app.message(), "未填写理由，没有新建批次");
        d.key(KeyCode::Char('n'))
            .keys("中国铁建")
            .key(KeyCode::Enter);
        d.key(KeyCode::Backspace).keys("4").key(KeyCode::Enter);
        d.keys("首批漏报两人").key(KeyCode::Enter);
        assert!(
            d.app.message().starts_with("已新建验证批次 #4"),
            "{}",
            d.app.message()
        );
        d.key(KeyCode::Esc);
        assert!(d.shows("再次报送理由：首批漏报两人"), "{}", d.screen());
    }

    /// R5.5 `u` undoes the clerk's last decision whatever screen it was taken on, in English
    /// too: a filing approved on the filings screen is undone from a batch, and a triage decision
    /// taken in the batch is undone from the filings screen.
    #[test]
    fn u_undoes_a_filing_decision_from_a_batch_and_a_triage_decision_from_the_filings() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = bureau();
        batch_of_six(&mut store);
        crate::service::filings::save_filing(
            &mut store,
            &crate::service::fixtures::actor("lisi"),
            &crate::service::filings::sample_filing("2017-001"),
        )
        .unwrap();
        let mut d = Driver::new(store, Lang::En);
        d.app.set_config(config(dir.path()));
        let status = |d: &Driver| -> String {
            d.app
                .store()
                .conn()
                .query_row(
                    "SELECT status FROM filings WHERE filing_no = '2017-001'",
                    [],
                    |r| r.get(0),
                )
                .unwrap()
        };

        // Approve the filing as of today on screen 3, then open the batch on screen 4.
        d.key(KeyCode::Char('3')).key(KeyCode::Char('y'));
        d.key(KeyCode::Enter).key(KeyCode::Char('y'));
        assert_eq!(
            status(&d),
            "approved",
            "{}\n{}",
            d.app.message(),
            d.screen()
        );
        d.key(KeyCode::Char('4')).key(KeyCode::Enter);
        assert!(d.shows("张伟"), "{}", d.screen());
        d.key(KeyCode::Char('u'));
        assert_eq!(
            d.app.message(),
            "undone: approved 1 filing (2017-001 2017年公需科目培训班)"
        );
        assert_eq!(status(&d), "pending");
        assert!(d.shows("undone: approved 1 filing"), "{}", d.screen());

        // Accept the passing applicants here, then undo that from the filings screen.
        d.key(KeyCode::Char('c'));
        d.key(KeyCode::Char('T')).keys("pass").key(KeyCode::Enter);
        d.key(KeyCode::Char(';')).key(KeyCode::Char('a'));
        assert!(
            d.app.message().starts_with("accepted 3"),
            "{}",
            d.app.message()
        );
        d.key(KeyCode::Char('3'));
        d.key(KeyCode::Char('u'));
        let said = d.app.message().to_string();
        assert!(
            said.starts_with("undone: accepted 3 applicants ("),
            "{said}"
        );
        assert!(said.contains("张伟"), "{said}");
        assert!(
            d.shows("pending"),
            "the filing stays as it was:\n{}",
            d.screen()
        );
        assert_eq!(
            one(
                d.app.store(),
                "SELECT count(*) FROM batch_applicants WHERE state = 'accepted'"
            ),
            0
        );
        d.key(KeyCode::Char('u'));
        assert_eq!(d.app.message(), "no decision of yours to undo");
        assert_eq!(status(&d), "pending", "an undo is not a decision to undo");
    }

    #[test]
    fn the_verification_screens_in_english() {
        let dir = tempfile::tempdir().unwrap();
        let mut d = verification(Lang::En, dir.path());
        d.key(KeyCode::Enter)
            .key(KeyCode::Char('c'))
            .key(KeyCode::Esc);
        insta::assert_snapshot!("batches_en", d.screen());
        d.key(KeyCode::Enter);
        d.key(KeyCode::Char('T')).keys("pass").key(KeyCode::Enter);
        d.key(KeyCode::Char(';')).key(KeyCode::Char('a'));
        assert_eq!(
            d.app.message(),
            "accepted 3, skipped 1: verified by 株洲 under R6.2: return it"
        );
        assert!(
            d.shows("accepted 3, skipped 1: verified by 株洲: return it"),
            "{}",
            d.screen()
        );
        d.key(KeyCode::Char('T'))
            .keys("accepted")
            .key(KeyCode::Enter);
        assert_eq!(d.app.message(), "3 marked: rows matching \"accepted\"");
        d.key(KeyCode::Char('i')).key(KeyCode::Char('y'));
        assert!(
            d.app
                .message()
                .starts_with("issued 3: 长沙—2017—0001 to 长沙—2017—0003"),
            "{}",
            d.app.message()
        );
        insta::assert_snapshot!("batch_en", d.screen());
        d.key(KeyCode::Char('v'));
        insta::assert_snapshot!("batch_preview_en", d.screen());
    }

    /// Tester's minor point (issue 11): in English, `w` suggests an ASCII file name, and `p`
    /// with no printer configured tells the clerk what to do in the interface — `w`, or ask
    /// the administrator — never a command-line option; nothing is printed or recorded.
    #[test]
    fn in_english_w_suggests_an_ascii_file_and_p_without_a_printer_says_what_to_do_here() {
        let dir = tempfile::tempdir().unwrap();
        let mut d = verification(Lang::En, dir.path());
        d.key(KeyCode::Enter)
            .key(KeyCode::Char('c'))
            .key(KeyCode::Esc)
            .key(KeyCode::Enter);
        d.key(KeyCode::Char('T')).keys("pass").key(KeyCode::Enter);
        d.key(KeyCode::Char(';')).key(KeyCode::Char('a'));
        d.key(KeyCode::Char('T'))
            .keys("accepted")
            .key(KeyCode::Enter);
        d.key(KeyCode::Char('i')).key(KeyCode::Char('y'));
        let mut c = config(dir.path());
        c.printer.destination = String::new();
        // A new configuration opens the verification tab anew: back into the batch.
        d.app.set_config(c);
        d.key(KeyCode::Enter);
        d.key(KeyCode::Char('p'));
        let said = d.app.message();
        assert!(
            said.contains("press w to print to a file") && said.contains("ask the administrator"),
            "{said}"
        );
        assert!(!said.contains("--printer"), "{said}");
        assert_eq!(
            one(d.app.store(), "SELECT count(*) FROM certificate_prints"),
            0
        );
        // 张伟, the third row, holds a certificate.
        d.key(KeyCode::Char('j')).key(KeyCode::Char('j'));
        d.key(KeyCode::Char('w'));
        assert!(d.shows("to a file (Esc"), "{}", d.screen());
        let batch = one(d.app.store(), "SELECT max(id) FROM verification_batches");
        assert!(
            d.shows(&format!("~/jijiao-certificates-{batch}.txt")),
            "{}",
            d.screen()
        );
        assert!(!d.shows("证明-"), "{}", d.screen());
    }

    /// Tester's minor point: a returned applicant's shortfall, recorded in Chinese (R6.4),
    /// reads in English on an English screen, with R2.1's English words.
    #[test]
    fn a_returned_applicants_shortfall_is_said_in_the_clerks_language() {
        let dir = tempfile::tempdir().unwrap();
        let mut d = verification(Lang::En, dir.path());
        d.key(KeyCode::Enter).key(KeyCode::Char('c'));
        // By verdict: the blocked one first, then the short one.
        d.key(KeyCode::Char('o')).key(KeyCode::Char('g'));
        d.key(KeyCode::Char('j')).key(KeyCode::Char('r'));
        assert!(
            d.shows("returned: 2013: public short: 10 < 30, total short: 70 < 90"),
            "{}",
            d.screen()
        );
        assert!(!d.shows("不足"), "{}", d.screen());
    }

    /// A batch of 长沙 holding 赵敏, 王芳 and 张伟, added in that order: the list (by name)
    /// shows them the other way round.
    fn reversed_batch(store: &mut crate::store::Store) -> i64 {
        use crate::service::batches::tests::{PASSING, changsha, id};
        let a = crate::service::fixtures::actor("wangfang");
        let req = batches::Request::named("长沙市第一医院", &changsha(store), 2017);
        let b = batches::create(store, &a, &req).unwrap().unwrap();
        let ids: Vec<String> = PASSING.iter().rev().map(|(n, _)| id(*n)).collect();
        let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
        batches::add_by_id_numbers(store, &a, b.id, &ids).unwrap();
        b.id
    }

    /// Every line of the open preview as the screen shows it, read page by page.
    fn read_preview(d: &mut Driver) -> Vec<String> {
        d.key(KeyCode::Char('g'));
        let mut lines: Vec<Option<String>> = Vec::new();
        loop {
            let screen = d.screen();
            let rows: Vec<&str> = screen.lines().collect();
            // The bottom rule ends with the lines shown: "─── 20–38/72".
            let rule = rows
                .iter()
                .rposition(|r| r.starts_with('─') && r.contains('/'))
                .expect("the preview's bottom rule");
            let range = rows[rule].trim_start_matches('─').trim();
            let (span, total) = range.split_once('/').unwrap();
            let (first, last) = span.split_once('–').unwrap();
            let (first, last, total): (usize, usize, usize) = (
                first.parse().unwrap(),
                last.parse().unwrap(),
                total.parse().unwrap(),
            );
            lines.resize(total, None);
            // The rows between the title rule (row 1) and the bottom rule.
            assert_eq!(rule - 2, last + 1 - first, "{screen}");
            for (i, row) in rows[2..rule].iter().enumerate() {
                lines[first - 1 + i] = Some(row.to_string());
            }
            if last == total {
                break;
            }
            d.key(KeyCode::PageDown);
        }
        lines.into_iter().map(Option::unwrap_or_default).collect()
    }

    /// The certificate numbers of a printed document, in the order they come off the printer.
    fn numbers_in(text: &str) -> Vec<String> {
        text.lines()
            .filter_map(|l| l.trim().strip_prefix("证书编号："))
            .map(str::to_string)
            .collect()
    }

    #[test]
    fn r7_2_numbers_run_down_the_screen_and_the_file_is_in_number_order_as_previewed() {
        use crate::service::batches::tests::{applicant_of, bureau, one};
        let dir = tempfile::tempdir().unwrap();
        let mut store = bureau();
        let batch = reversed_batch(&mut store);
        // Insertion order is 赵敏, 王芳, 张伟: numbering by it would give 赵敏 the first.
        assert!(applicant_of(&store, 3).id < applicant_of(&store, 1).id);
        let mut d = Driver::new(store, Lang::Zh);
        let mut c = config(dir.path());
        c.printer.encoding = "gb18030".into();
        d.app.set_config(c);
        d.key(KeyCode::Char('4')).key(KeyCode::Enter);
        d.key(KeyCode::Char('c'));
        d.key(KeyCode::Char('T')).keys("合格").key(KeyCode::Enter);
        d.key(KeyCode::Char('a'));
        assert_eq!(d.app.message(), "已通过 3 人");
        // The decision used the marks up: i acts on the current row only, and says so first.
        assert!(d.shows("未标记"), "{}", d.screen());
        d.key(KeyCode::Char('G'));
        assert!(
            line_with(&d, "赵敏").starts_with("│  赵敏"),
            "{}",
            d.screen()
        );
        d.key(KeyCode::Char('i'));
        assert!(
            d.shows("以长沙名义为赵敏（1人）中已通过者出具合格证明，按列表顺序连续编号"),
            "{}",
            d.screen()
        );
        d.key(KeyCode::Char('y'));
        assert_eq!(d.app.message(), "已出具 1 份：长沙—2017—0001");
        // The three marked: the confirmation names them in the list's order, and the numbers
        // follow it (R7.2), 赵敏 already issued.
        d.key(KeyCode::Char('T')).keys("通过").key(KeyCode::Enter);
        d.key(KeyCode::Char('i'));
        assert!(
            d.shows("以长沙名义为张伟、王芳、赵敏（3人）中已通过者出具合格证明"),
            "{}",
            d.screen()
        );
        d.key(KeyCode::Char('y'));
        assert!(
            d.app.message().starts_with(
                "已出具 2 份：长沙—2017—0002 至 长沙—2017—0003；未出具 1 人：已出具 长沙—2017—0001"
            ),
            "{}",
            d.app.message()
        );
        let number =
            |d: &Driver, n: u16| applicant_of(d.app.store(), n).certificate.unwrap().number;
        assert_eq!(number(&d, 3), "长沙—2017—0001");
        assert_eq!(number(&d, 1), "长沙—2017—0002", "张伟 is shown first");
        assert_eq!(number(&d, 2), "长沙—2017—0003");

        // The preview of the three: in number order, not the list's.
        d.key(KeyCode::Char('v'));
        assert!(
            d.shows("打印预览 3 份：长沙—2017—0001 等"),
            "{}",
            d.screen()
        );
        let previewed = read_preview(&mut d);
        // w prints the same to a file the clerk names; the preview stays open.
        let file = dir.path().join("证明.txt");
        d.key(KeyCode::Char('w'));
        assert!(
            d.shows("将赵敏、张伟、王芳（3人）的合格证明打印到文件"),
            "{}",
            d.screen()
        );
        assert!(d.shows("~/jijiao-证明-"), "{}", d.screen());
        d.ctrl('u')
            .keys(&file.display().to_string())
            .key(KeyCode::Enter);
        assert_eq!(
            d.app.message(),
            format!("已打印 3 份到 {}（其中补打 0 份）", file.display())
        );
        let bytes = std::fs::read(&file).unwrap();
        let (printed, _, bad) = encoding_rs::GB18030.decode(&bytes);
        assert!(!bad, "GB18030 as configured");
        assert_eq!(
            numbers_in(&printed),
            vec!["长沙—2017—0001", "长沙—2017—0002", "长沙—2017—0003"]
        );
        // What the clerk read on the screen is, line for line, what was written.
        let expected: Vec<String> = preview_lines(&printed)
            .iter()
            .map(|l| l.trim_end().to_string())
            .collect();
        assert_eq!(previewed, expected);
        assert!(!printed.contains("wangfang"), "the login is never printed");
        assert_eq!(printed.matches("经 办 人：王芳").count(), 3);
        assert_eq!(
            one(d.app.store(), "SELECT count(*) FROM certificate_prints"),
            3
        );

        // The same name again is refused and left as it was: nothing printed, nothing recorded.
        d.key(KeyCode::Char('w'))
            .ctrl('u')
            .keys(&file.display().to_string())
            .key(KeyCode::Enter);
        assert!(
            d.app.message().contains("已存在，未覆盖、未打印"),
            "{}",
            d.app.message()
        );
        assert_eq!(std::fs::read(&file).unwrap(), bytes);
        assert_eq!(
            one(d.app.store(), "SELECT count(*) FROM certificate_prints"),
            3
        );
        let _ = batch;
    }

    /// A batch of three verified, its current row accepted and issued 长沙—2017—0001 (in zh).
    fn one_issued(dir: &std::path::Path) -> Driver {
        use crate::service::batches::tests::bureau;
        let mut store = bureau();
        reversed_batch(&mut store);
        let mut d = Driver::new(store, Lang::Zh);
        d.app.set_config(config(dir));
        d.key(KeyCode::Char('4')).key(KeyCode::Enter);
        d.key(KeyCode::Char('c')).key(KeyCode::Char('a'));
        d.key(KeyCode::Char('i')).key(KeyCode::Char('y'));
        d
    }

    /// R5.5 The person's history shows the verification decision and the certificate, in the
    /// clerk's words, beside the entries' decisions.
    #[test]
    fn the_persons_history_shows_the_verification_and_the_certificate() {
        let dir = tempfile::tempdir().unwrap();
        let mut d = one_issued(dir.path());
        assert!(
            d.app.message().starts_with("已出具 1 份"),
            "{}",
            d.app.message()
        );
        d.key(KeyCode::Enter).key(KeyCode::Char('h'));
        assert!(line_with(&d, "验证通过").contains("#1"), "{}", d.screen());
        let issued = line_with(&d, "出具合格证明");
        assert!(issued.contains("长沙—2017—0001"), "{}", d.screen());
        assert!(issued.contains("2017-07-15 10:00:00"), "{}", d.screen());
    }

    /// R7.4 After `w` or `p` the preview shows what the next print sends: reprints, marked.
    #[test]
    fn the_preview_follows_the_prints_it_made() {
        let dir = tempfile::tempdir().unwrap();
        let mut d = one_issued(dir.path());
        d.key(KeyCode::Char('v'));
        assert!(d.shows("（补打 0）"), "{}", d.screen());
        assert!(!d.shows("补打 REPRINT"), "{}", d.screen());
        let file = dir.path().join("first.txt");
        d.key(KeyCode::Char('w'))
            .ctrl('u')
            .keys(&file.display().to_string())
            .key(KeyCode::Enter);
        assert!(
            d.app.message().starts_with("已打印 1 份"),
            "{}",
            d.app.message()
        );
        assert!(d.shows("（补打 1）"), "{}", d.screen());
        assert!(d.shows("补打 REPRINT"), "{}", d.screen());
        d.key(KeyCode::Char('p')).key(KeyCode::Char('y'));
        let printed = std::fs::read_to_string(dir.path().join("printed.txt")).unwrap();
        assert!(printed.contains("补打 REPRINT"), "{printed}");
    }

    /// `T` names every word a pattern may say, in the box, whole (the words wrap, never cut).
    #[test]
    fn the_pattern_question_lists_every_word() {
        for lang in [Lang::Zh, Lang::En] {
            let dir = tempfile::tempdir().unwrap();
            let mut d = verification(lang, dir.path());
            d.key(KeyCode::Enter).key(KeyCode::Char('T'));
            let shown: String = d
                .screen()
                .lines()
                .map(|l| l.trim_matches(|c| c == '│' || c == ' '))
                .collect::<Vec<_>>()
                .join(" ");
            for word in PATTERN.listing(lang).split(' ') {
                assert!(shown.contains(word), "{word} missing:\n{}", d.screen());
            }
        }
    }

    #[test]
    fn p_on_an_unmarked_list_prints_the_current_row_only_and_says_so() {
        use crate::service::batches::tests::bureau;
        let dir = tempfile::tempdir().unwrap();
        let mut store = bureau();
        reversed_batch(&mut store);
        let mut d = Driver::new(store, Lang::En);
        d.app.set_config(config(dir.path()));
        d.key(KeyCode::Char('4')).key(KeyCode::Enter);
        d.key(KeyCode::Char('c'));
        d.key(KeyCode::Char('T')).keys("pass").key(KeyCode::Enter);
        d.key(KeyCode::Char('a'));
        d.key(KeyCode::Char('T'))
            .keys("accepted")
            .key(KeyCode::Enter);
        d.key(KeyCode::Char('i'));
        // The box wraps the question: its lines, read in order, name all three.
        let flat: String = d
            .screen()
            .lines()
            .map(|l| l.trim_matches(|c| c == '│' || c == ' '))
            .collect::<Vec<_>>()
            .join(" ");
        assert!(
            flat.contains("to the accepted among 3 (张伟, 王芳, 赵敏)"),
            "{}",
            d.screen()
        );
        d.key(KeyCode::Char('y')).key(KeyCode::Esc);
        // No marks: p names the current row's holder alone, never the whole batch.
        d.key(KeyCode::Char('p'));
        assert!(
            d.shows("Print the certificates of 1 (张伟) on the printer"),
            "{}",
            d.screen()
        );
        d.key(KeyCode::Char('n'));
        assert_eq!(d.app.message(), "cancelled: nothing changed");
        assert!(!dir.path().join("printed.txt").exists());
        d.key(KeyCode::Char('p')).key(KeyCode::Char('y'));
        let printed = std::fs::read_to_string(dir.path().join("printed.txt")).unwrap();
        assert_eq!(numbers_in(&printed), vec!["长沙—2017—0001"]);
    }

    #[test]
    fn r7_1_issuing_is_refused_before_any_number_without_phone_or_clerk_name() {
        use crate::service::batches::tests::{bureau, one};
        for (lang, phone, clerk, expected) in [
            (
                Lang::Zh,
                "",
                None,
                "合格证明存根须有经办人姓名和联系电话（R7.1），未出具、未占用编号：请在配置文件中设置 [office] phone = \"…\"；[office.clerk_names] wangfang = \"姓名\"（登录名不作为经办人打印）",
            ),
            (
                Lang::En,
                "0731-88888888",
                Some(("lisi", "李四")),
                "a certificate stub needs the handling clerk's name (R7.1); nothing issued, no number used: set [office.clerk_names] wangfang = \"NAME\" in the configuration (a login is never printed as the clerk)",
            ),
            (
                Lang::En,
                " ",
                Some(("wangfang", "王芳")),
                "a certificate stub needs the contact phone (R7.1); nothing issued, no number used: set [office] phone = \"…\" in the configuration (a login is never printed as the clerk)",
            ),
        ] {
            let dir = tempfile::tempdir().unwrap();
            let mut store = bureau();
            reversed_batch(&mut store);
            let mut d = Driver::new(store, lang);
            let mut c = config(dir.path());
            c.office.phone = phone.into();
            c.office.clerk_names.clear();
            if let Some((login, name)) = clerk {
                c.office.clerk_names.insert(login.into(), name.into());
            }
            d.app.set_config(c);
            d.key(KeyCode::Char('4')).key(KeyCode::Enter);
            d.key(KeyCode::Char('c')).key(KeyCode::Char('a'));
            d.key(KeyCode::Char('i'));
            // Refused at once: no question asked, no number taken.
            assert_eq!(d.app.message(), expected);
            assert!(!d.shows("(y"), "{}", d.screen());
            let s = d.app.store();
            assert_eq!(one(s, "SELECT count(*) FROM certificate_counters"), 0);
            assert_eq!(one(s, "SELECT count(*) FROM certificates"), 0);
        }
    }

    #[test]
    fn form_feeds_show_as_a_line_in_the_preview() {
        let lines = preview_lines("a\nb\n\u{c}c\n\u{c}");
        assert_eq!(
            lines,
            vec![
                "a",
                "b",
                "\u{240c} ─── 换页 form feed ───",
                "c",
                "\u{240c} ─── 换页 form feed ───"
            ]
        );
    }
}

/// A batch longer than the screen, paged by key on the real screen.
#[cfg(test)]
mod paging_tests {
    use ratatui::crossterm::event::KeyCode;

    use crate::i18n::Lang;
    use crate::tui::testing::Driver;

    /// The ID numbers on screen, top to bottom (the list's rows hold them).
    fn shown_ids(d: &Driver) -> Vec<String> {
        d.screen()
            .lines()
            .filter_map(|l| {
                l.split_whitespace()
                    .find(|w| w.len() == 18 && w.starts_with("4301"))
                    .map(str::to_string)
            })
            .collect()
    }

    /// R6 Sorted by name (then ID number), 60 applicants: `G` shows the last, `g` the first,
    /// PgDn then PgUp comes back to the same rows, and `j` past the page's end shows the next.
    #[test]
    fn a_long_batch_pages_by_key_on_the_screen() {
        let (store, _) = crate::store::batches::tests::big_batch(60);
        let all: Vec<String> = {
            let mut stmt = store
                .conn()
                .prepare(
                    "SELECT p.id_number FROM batch_applicants a JOIN people p ON p.id = a.person_id
                     ORDER BY p.name, p.id_number",
                )
                .unwrap();
            stmt.query_map([], |r| r.get(0))
                .unwrap()
                .collect::<rusqlite::Result<_>>()
                .unwrap()
        };
        let mut d = Driver::new(store, Lang::Zh);
        d.key(KeyCode::Char('4')).key(KeyCode::Enter);
        let first_page = shown_ids(&d);
        assert!(first_page.len() > 3, "{}", d.screen());
        assert_eq!(first_page, all[..first_page.len()], "{}", d.screen());
        d.key(KeyCode::Char('G'));
        assert_eq!(shown_ids(&d).last(), all.last(), "{}", d.screen());
        d.key(KeyCode::Char('g'));
        assert_eq!(shown_ids(&d), first_page, "{}", d.screen());
        d.key(KeyCode::PageDown).key(KeyCode::PageUp);
        assert_eq!(shown_ids(&d), first_page, "{}", d.screen());
        let n = first_page.len();
        for _ in 0..n - 1 {
            d.key(KeyCode::Char('j'));
        }
        assert_eq!(shown_ids(&d), first_page, "within the page: {}", d.screen());
        // Past the last row: the next page, the cursor on its first row (issue 10).
        d.key(KeyCode::Char('j'));
        assert_eq!(shown_ids(&d), all[n..2 * n], "{}", d.screen());
        d.key(KeyCode::Enter);
        assert!(
            d.shows(&all[n]),
            "opened the first of the page: {}",
            d.screen()
        );
    }
}
