//! The review queue (R5.1): recorded entries awaiting seal and registration, by batch and
//! provider; marks, pattern marks and one decision for all.
//!
//! Triage as in taskwarrior-tui, with the marks of [`super::marks`]: `t` marks a row, `T` marks
//! every entry of the queue that matches a pattern (read from SQLite, not just the page), in
//! place of the marks or, after a leading `+`, in addition to them. The rule for decision keys
//! (`s r x !`): they act on the marked entries when any are marked, otherwise on the current
//! row; the line above the list always says which, and a decision uses up the marks it acted
//! on. `;` makes it explicit: the next decision applies to the marked entries, and with nothing
//! marked it refuses instead of falling back to the current row. Every decision is one call of
//! `service::review::decide` for all its entries, so one transaction and one batch that `u`
//! (on any screen) undoes as a whole.
//!
//! The search finds a provider by any part of its name, a person by the start of the name, its
//! pinyin initials (`zw` finds 张伟) or any part of the ID number, as the People screen does.

use std::collections::HashMap;

use ratatui::Frame;
use ratatui::crossterm::event::KeyEvent;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::keys::{Action, Scope};
use super::list::{Count, Lister, Seek, Source};
use super::marks::{Marks, Pattern, Vocabulary, Word};
use super::screen::{Ask, Ctx, Flow, Question as ScreenQuestion, Screen, View};
use super::worker::{Done, JobError};
use crate::domain::entry::DecisionError;
use crate::domain::text::{clean_line, fit, width};
use crate::domain::{AssessmentResult, Category, EntryState, Form, Recognition};
use crate::i18n::{Describe, Lang};
use crate::service::review::{self, Decision, Outcome};
use crate::store::Store;
use crate::store::queue::{self, Group, QueueFacts, QueueFilter};
use crate::store::search::{self, EntrySummary};

/// Rows under the list that describe the current entry in full.
const DETAIL_ROWS: u16 = 2;
/// Columns of the flag ("needs attention") column.
const FLAG_COLS: usize = 19;

/// What a `T` pattern may say on the review queue; any other word is part of a provider's name.
pub const PATTERN: Vocabulary = Vocabulary {
    words: &[
        Word {
            zh: "齐全",
            en: "complete",
        },
        Word {
            zh: "已初审",
            en: "sealed",
        },
        Word {
            zh: "缺材料",
            en: "recorded",
        },
        Word {
            zh: "本批",
            en: "batch",
        },
    ],
    other: Some(Word {
        zh: "机构名",
        en: "provider",
    }),
};

/// A word of a review pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Term {
    /// The current row's import batch.
    Batch,
    State(EntryState),
    /// Part of a provider's name.
    Provider(String),
}

/// The meaning of one (lower-cased) word of a `T` pattern; every word of [`PATTERN`] is one of
/// these spellings.
fn term(word: &str) -> Term {
    match word {
        "batch" | "批次" | "本批" | "同批" => Term::Batch,
        "complete" | "齐全" | "材料齐全" => Term::State(EntryState::EvidenceComplete),
        "sealed" | "已初审" | "初审" => Term::State(EntryState::Sealed),
        "recorded" | "已记录" | "缺材料" => Term::State(EntryState::Recorded),
        other => Term::Provider(other.to_string()),
    }
}

/// The questions the review queue asks, each with the entries (database ids) it decides on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Question {
    /// `T`: a pattern to mark by.
    Pattern,
    /// R4.4: register these, professional entries without a confirmed filing among them?
    Register(Vec<i64>),
    /// The reason for refusing these.
    Refuse(Vec<i64>),
    /// R5.3: the reason for finding these falsified.
    Falsified(Vec<i64>),
}

impl From<Question> for ScreenQuestion {
    fn from(q: Question) -> ScreenQuestion {
        ScreenQuestion::Review(q)
    }
}

/// What the queue shows beside the entries of a page.
#[derive(Default)]
pub struct QueueExtra {
    /// Filing facts and the rest that the rules need, for the rows of the page.
    facts: HashMap<i64, QueueFacts>,
    /// The groups (batch, provider) of the rows of the page, in order.
    groups: Vec<Group>,
}

/// The review queue ([`Source`]): entries awaiting seal and registration in the queue's order
/// (R5.1), searched as typed; a refresh drops the marks of entries that left it.
pub struct QueueSource;

impl Source for QueueSource {
    type Query = String;
    type Row = EntrySummary;
    type Extra = QueueExtra;

    fn page(
        store: &Store,
        text: &String,
        seek: &Seek<search::QueueKey>,
        limit: usize,
    ) -> Result<Vec<EntrySummary>, JobError> {
        Ok(search::review_queue_page(store.conn(), text, seek, limit)?)
    }

    fn count(store: &Store, text: &String) -> Result<Count, JobError> {
        Ok(search::count_review_queue_capped(store.conn(), text)?)
    }

    fn extra(
        store: &Store,
        text: &String,
        rows: &[EntrySummary],
        _row: usize,
    ) -> Result<QueueExtra, JobError> {
        let conn = store.conn();
        let ids: Vec<i64> = rows.iter().map(|e| e.id).collect();
        let facts = queue::facts(conn, &ids)?;
        let mut keys: Vec<(Option<i64>, String)> = Vec::new();
        for e in rows {
            let key = (e.batch_id, e.provider.clone());
            if keys.last() != Some(&key) {
                keys.push(key);
            }
        }
        let groups = queue::groups(conn, text, &keys)?;
        Ok(QueueExtra { facts, groups })
    }

    fn still_marked(
        store: &Store,
        text: &String,
        ids: &[i64],
    ) -> Result<Option<Vec<i64>>, JobError> {
        Ok(Some(queue::still_listed(store.conn(), text, ids)?))
    }

    fn set_text(text: &mut String, new: &str) {
        *text = new.to_string();
    }

    /// Each row, and a header before the first row of each group (batch, provider), as
    /// [`ReviewScreen::items`] draws them.
    fn lines(rows: &[EntrySummary]) -> usize {
        let groups = rows
            .iter()
            .enumerate()
            .filter(|(i, e)| {
                *i == 0 || {
                    let p = &rows[i - 1];
                    (p.batch_id, &p.provider) != (e.batch_id, &e.provider)
                }
            })
            .count();
        rows.len() + groups
    }
}

pub struct ReviewScreen {
    /// The page on screen, read by key in the queue's order (R5.1); its marks are entry ids,
    /// kept across pages and searches.
    list: Lister<QueueSource>,
    /// What the last decision taken here leaves to do, shown under the list; its words are
    /// chosen when drawn, from the marks as they are then (tester: after `T 已初审` marked the
    /// sealed entries the border still said to mark them).
    next: Option<NextStep>,
}

/// What a decision taken on this screen leaves the clerk to do next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NextStep {
    /// Entries sealed, using up the marks: mark the sealed ones, then register them.
    SealedMarks,
    /// Entries sealed, the cursor's row or rows without marks: register them.
    Sealed,
    /// Nothing sealed for want of evidence: look at what is missing.
    MissingEvidence,
    Registered,
    Refused,
    Falsified,
}

impl NextStep {
    /// The hint, with `marked` rows marked now: a seal's next step is to register the marked
    /// rows once there are any, else to mark the sealed ones (or register the row).
    fn text(self, marked: usize, lang: Lang) -> String {
        match (self, marked) {
            (NextStep::SealedMarks | NextStep::Sealed, n) if n > 0 => match lang {
                Lang::Zh => format!("下一步：按 r 登记已标记的 {n} 条；u 撤销本次初审"),
                Lang::En => format!("next: r registers the {n} marked; u undoes the seal"),
            },
            (NextStep::SealedMarks, _) => lang
                .pick(
                    "下一步：T 已初审 标记已初审的条目，再按 r 登记；u 撤销本次初审",
                    "next: T sealed marks the sealed entries, then r registers; u undoes",
                )
                .into(),
            (NextStep::Sealed, _) => lang
                .pick(
                    "下一步：按 r 登记已初审的条目；u 撤销本次初审",
                    "next: r registers the sealed entries; u undoes this",
                )
                .into(),
            (NextStep::MissingEvidence, _) => lang
                .pick(
                    "下一步：按 Enter 核对缺少的证明材料",
                    "next: Enter opens the evidence that is missing",
                )
                .into(),
            (NextStep::Registered, _) => lang
                .pick(
                    "已登记的学时计入年度要求；u 撤销本次登记",
                    "registered hours now count; u undoes this",
                )
                .into(),
            (NextStep::Refused, _) => lang
                .pick("u 撤销本次不予登记", "u undoes this refusal")
                .into(),
            (NextStep::Falsified, _) => lang
                .pick(
                    "相关人员的合格验证已冻结；u 撤销本次认定",
                    "their verification is blocked; u undoes this",
                )
                .into(),
        }
    }
}

impl Default for ReviewScreen {
    fn default() -> Self {
        ReviewScreen::new()
    }
}

/// What needs the clerk's attention on a row.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Flag {
    /// R3 Evidence incomplete: cannot be sealed yet.
    Evidence,
    /// R4.3 Public hours not recognised: cannot be registered.
    NotRecognised(Recognition),
    /// R4.4 Professional subject without confirmed filing: registering needs a confirmation.
    Confirm,
    /// R5.2 Failed assessment: never registered.
    Failed,
}

impl Flag {
    fn short(&self, lang: Lang) -> &'static str {
        match self {
            Flag::Evidence => lang.pick("缺材料", "no evid."),
            Flag::NotRecognised(Recognition::NoFiling) => lang.pick("未备案", "unfiled"),
            Flag::NotRecognised(Recognition::ApprovedLate(_)) => lang.pick("备案晚", "filed late"),
            Flag::NotRecognised(Recognition::NotApproved(_)) => lang.pick("备案未批", "unapproved"),
            Flag::NotRecognised(_) => lang.pick("备案不符", "bad filing"),
            Flag::Confirm => lang.pick("待确认", "confirm?"),
            Flag::Failed => lang.pick("不合格", "failed"),
        }
    }

    fn long(&self, lang: Lang) -> String {
        match self {
            Flag::Evidence => DecisionError::EvidenceIncomplete.describe(lang),
            Flag::NotRecognised(r) => r.describe(lang),
            Flag::Confirm => Recognition::NeedsConfirmation.describe(lang),
            Flag::Failed => DecisionError::FailedAssessment.describe(lang),
        }
    }
}

/// R3, R4.3, R4.4, R5.2 What a waiting entry needs before it can be sealed and registered.
fn flags(e: &EntrySummary, facts: Option<&QueueFacts>) -> Vec<Flag> {
    let mut out = Vec::new();
    if e.state == EntryState::Recorded {
        out.push(Flag::Evidence);
    }
    if let Some(f) = facts {
        let r = f.recognition();
        if r.needs_confirmation() {
            out.push(Flag::Confirm);
        } else if !r.hours_count() {
            out.push(Flag::NotRecognised(r));
        }
    }
    if AssessmentResult::parse(&e.result) == Some(AssessmentResult::Fail) {
        out.push(Flag::Failed);
    }
    out
}

/// A line of the list: a group header or an entry (indexes into `groups` and `rows`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Item {
    Header(usize),
    Row(usize),
}

/// The lines that fit in `height`, keeping the cursor row in sight and, when the top is
/// scrolled away, the header of the top row's group pinned at the top.
fn viewport(items: &[Item], cursor_row: usize, height: usize) -> Vec<usize> {
    if height == 0 || items.is_empty() {
        return Vec::new();
    }
    let cursor = items
        .iter()
        .position(|i| *i == Item::Row(cursor_row))
        .unwrap_or(0);
    let start = (cursor + 1).saturating_sub(height);
    if start > 0
        && height >= 2
        && !matches!(items[start], Item::Header(_))
        && let Some(h) = (0..start)
            .rev()
            .find(|&i| matches!(items[i], Item::Header(_)))
    {
        return std::iter::once(h)
            .chain((start + 1..items.len()).take(height - 1))
            .collect();
    }
    (start..items.len()).take(height).collect()
}

fn category_label(code: &str, lang: Lang) -> &'static str {
    match (Category::parse(code), lang) {
        (Some(c), Lang::Zh) => c.zh(),
        (Some(Category::Public), Lang::En) => "pub",
        (Some(Category::Professional), Lang::En) => "pro",
        (None, _) => "?",
    }
}

fn form_label(code: &str, lang: Lang) -> &'static str {
    match (Form::parse(code), lang) {
        (Some(f), Lang::Zh) => f.zh(),
        (Some(f), Lang::En) => match f {
            Form::TrainingClass => "class",
            Form::Workshop => "workshop",
            Form::AdvancedStudy => "advanced",
            Form::Practice => "practice",
            Form::Distance => "distance",
            Form::Conference => "confer.",
            Form::Lecture => "lecture",
            Form::Visit => "visit",
        },
        (None, _) => "?",
    }
}

fn state_label(s: EntryState, lang: Lang) -> &'static str {
    match (s, lang) {
        (s, Lang::Zh) => s.zh(),
        (EntryState::EvidenceComplete, Lang::En) => "complete",
        (s, Lang::En) => s.code(),
    }
}

/// `s` right-aligned in `cols` display columns.
fn right(s: &str, cols: usize) -> String {
    format!("{}{s}", " ".repeat(cols.saturating_sub(width(s))))
}

/// The status line after a decision: "已初审 12 条，跳过 3 条：证明材料不齐全…".
fn report(lang: Lang, decision: &Decision, out: &Outcome) -> String {
    let done = out.applied.len();
    let mut msg = match (decision, lang) {
        (Decision::Seal, Lang::Zh) => format!("已初审 {done} 条"),
        (Decision::Register { .. }, Lang::Zh) => format!("已登记 {done} 条"),
        (Decision::Refuse { .. }, Lang::Zh) => format!("已不予登记 {done} 条"),
        (Decision::Falsified { .. }, Lang::Zh) => format!("已认定弄虚作假 {done} 条"),
        (Decision::Seal, Lang::En) => format!("sealed {done}"),
        (Decision::Register { .. }, Lang::En) => format!("registered {done}"),
        (Decision::Refuse { .. }, Lang::En) => format!("refused {done}"),
        (Decision::Falsified { .. }, Lang::En) => format!("found falsified {done}"),
    };
    if out.skipped.is_empty() {
        return msg;
    }
    // The reasons, most frequent first, each once.
    let mut reasons: Vec<(String, usize)> = Vec::new();
    for (_, skip) in &out.skipped {
        let text = skip.describe(lang);
        match reasons.iter_mut().find(|(r, _)| *r == text) {
            Some((_, n)) => *n += 1,
            None => reasons.push((text, 1)),
        }
    }
    reasons.sort_by_key(|r| std::cmp::Reverse(r.1));
    let listed: Vec<String> = if reasons.len() == 1 {
        vec![reasons[0].0.clone()]
    } else {
        reasons
            .iter()
            .map(|(r, n)| match lang {
                Lang::Zh => format!("{r}（{n}）"),
                Lang::En => format!("{r} ({n})"),
            })
            .collect()
    };
    match lang {
        Lang::Zh => msg.push_str(&format!(
            "，跳过 {} 条：{}",
            out.skipped.len(),
            listed.join("；")
        )),
        Lang::En => msg.push_str(&format!(
            ", skipped {}: {}",
            out.skipped.len(),
            listed.join("; ")
        )),
    }
    msg
}

impl ReviewScreen {
    pub fn new() -> ReviewScreen {
        ReviewScreen {
            list: Lister::new(String::new()),
            next: None,
        }
    }

    fn selected(&self) -> Option<&EntrySummary> {
        self.list.selected()
    }

    fn text(&self) -> &str {
        self.list.search.text()
    }

    /// The page on screen read again at once with the count, after a decision taken here.
    fn load_page(&mut self, ctx: &mut Ctx<'_>) -> Result<(), String> {
        self.size(ctx);
        self.list.reload_now(ctx)
    }

    /// The list shares the body with the lines that describe the current entry.
    fn size(&mut self, ctx: &Ctx<'_>) {
        self.list
            .hint_rows(ctx.page_rows.saturating_sub(DETAIL_ROWS as usize));
    }

    /// The entries a decision key acts on: the marked ones when any are marked, otherwise the
    /// current row; after `;` (`armed`) the marked ones or none.
    fn targets(&self, armed: bool) -> Vec<i64> {
        self.list
            .marks
            .targets(self.selected().map(|e| e.id), armed)
    }

    /// `T`: the words of [`PATTERN`], every other word part of a provider's name; several must
    /// all hold. The matches are read from the whole queue (within the search) and replace the
    /// marks, or join them after a leading `+`; no match leaves the marks alone; empty clears.
    fn mark_pattern(&mut self, text: &str, ctx: &mut Ctx<'_>) -> Flow {
        let lang = ctx.lang;
        let pattern = Pattern::parse(text);
        if pattern.is_clear() {
            let n = self.list.marks.clear();
            return Flow::Say(Marks::cleared(n, lang));
        }
        if let Some(msg) = pattern.empty_add(lang) {
            return Flow::Say(msg);
        }
        let mut filter = QueueFilter::default();
        for word in &pattern.words {
            match term(word) {
                Term::Batch => match self.selected() {
                    Some(e) => filter.batch = Some(e.batch_id),
                    None => {
                        return Flow::Say(
                            lang.pick(
                                "没有当前行，无法确定“本批”是哪一批，标记未变",
                                "no current row, so no \"batch\" to match: marks unchanged",
                            )
                            .into(),
                        );
                    }
                },
                Term::State(s) => filter.state = Some(s),
                Term::Provider(p) => filter.providers.push(p),
            }
        }
        let text = self.text().to_string();
        Flow::Say(self.list.mark_found(
            pattern,
            move |store| Ok(queue::ids(store.conn(), &text, &filter)?),
            ctx,
        ))
    }

    /// One decision on all `ids`: one call, one transaction, one batch for undo.
    fn decide(&mut self, ids: &[i64], decision: Decision, ctx: &mut Ctx<'_>) -> Flow {
        let lang = ctx.lang;
        if ids.is_empty() {
            return Flow::Say(
                lang.pick("没有可处理的条目", "no entry to decide on")
                    .into(),
            );
        }
        // Live progress hooks in here: decide() calls `ctx.progress` with (done, total) for
        // every entry while its transaction runs. The App redraws only between events, so the
        // terminal loop's sink writes it straight to the message row (and the test driver's
        // does nothing); once the decision is done the final count goes into the status line.
        let result = review::decide(ctx.store, ctx.actor, ids, &decision, &mut *ctx.progress);
        let out = match result {
            Ok(out) => out,
            Err(e) => return Flow::Say(e.describe(lang)),
        };
        let on_marks = ids.iter().any(|id| self.list.marks.contains(*id));
        self.list.marks.decided(ids, out.applied.len());
        self.next = Self::next_step(&decision, &out, on_marks);
        let mut msg = report(lang, &decision, &out);
        if let Err(e) = self.load_page(ctx) {
            msg.push_str(" / ");
            msg.push_str(&e);
        }
        Flow::Say(msg)
    }

    /// What the clerk will likely do next, after a decision.
    /// `on_marks`: the decision used up marks, so registering the sealed ones starts with
    /// marking them again.
    fn next_step(decision: &Decision, out: &Outcome, on_marks: bool) -> Option<NextStep> {
        let missing_evidence = out
            .skipped
            .iter()
            .any(|(_, s)| *s == review::Skip::Rule(DecisionError::EvidenceIncomplete));
        let applied = !out.applied.is_empty();
        match decision {
            Decision::Seal if applied && on_marks => Some(NextStep::SealedMarks),
            Decision::Seal if applied => Some(NextStep::Sealed),
            Decision::Seal if missing_evidence => Some(NextStep::MissingEvidence),
            Decision::Register { .. } if applied => Some(NextStep::Registered),
            Decision::Refuse { .. } if applied => Some(NextStep::Refused),
            Decision::Falsified { .. } if applied => Some(NextStep::Falsified),
            _ => None,
        }
    }

    /// `r`: R4.4 asks for an explicit decision when some entries are professional subjects
    /// without a confirmed filing.
    fn register(&mut self, ids: Vec<i64>, ctx: &mut Ctx<'_>) -> Flow {
        let lang = ctx.lang;
        if ids.is_empty() {
            return Flow::Say(
                lang.pick("没有可处理的条目", "no entry to decide on")
                    .into(),
            );
        }
        let facts = match queue::facts(ctx.store.conn(), &ids) {
            Ok(f) => f,
            Err(e) => return Flow::Say(e.describe(lang)),
        };
        let needs = ids
            .iter()
            .filter_map(|id| facts.get(id))
            .filter(|f| {
                f.state == EntryState::Sealed
                    && f.result.passing()
                    && f.recognition().needs_confirmation()
            })
            .count();
        if needs == 0 {
            return self.decide(&ids, Decision::Register { confirm: false }, ctx);
        }
        let question = match lang {
            Lang::Zh => format!(
                "登记 {} 条，其中 {needs} 条为专业科目且未经备案确认。确认一并登记？",
                ids.len()
            ),
            Lang::En => format!(
                "Register {}: {needs} are professional subjects without confirmed filing. Register them too?",
                ids.len()
            ),
        };
        Flow::Ask(Ask::confirm(Question::Register(ids), question))
    }

    fn ask_reason(&mut self, ids: Vec<i64>, falsified: bool, lang: Lang) -> Flow {
        if ids.is_empty() {
            return Flow::Say(
                lang.pick("没有可处理的条目", "no entry to decide on")
                    .into(),
            );
        }
        let n = ids.len();
        let prompt = match (falsified, lang) {
            (false, Lang::Zh) => format!(" 不予登记 {n} 条，理由（Esc 取消） "),
            (false, Lang::En) => format!(" refuse {n}: reason (Esc cancels) "),
            (true, Lang::Zh) => {
                format!(" 弄虚作假 {n} 条：不予登记并冻结其人员的验证，理由 ")
            }
            (true, Lang::En) => {
                format!(" falsified {n}: refuse, block the person; reason ")
            }
        };
        let about = if falsified {
            Question::Falsified(ids)
        } else {
            Question::Refuse(ids)
        };
        Flow::Ask(Ask::text(about, prompt, String::new()))
    }

    fn open_evidence(&self, lang: Lang) -> Flow {
        match self.selected() {
            Some(e) => Flow::Push(Box::new(super::evidence::EvidenceScreen::new(e.id))),
            None => Flow::Say(lang.pick("没有选中的条目", "no entry selected").into()),
        }
    }

    /// The line above the list: which entries a decision key acts on, or that `;` waits.
    fn rule_label(&self, lang: Lang) -> String {
        self.list.marks.rule_label(lang, "条")
    }

    /// The list as lines: a header before each group (and before the first row of the page).
    fn items(&self) -> Vec<Item> {
        let groups = &self.list.extra.groups;
        let mut items = Vec::with_capacity(self.list.rows().len() + groups.len());
        let mut group = 0usize;
        let mut prev: Option<(Option<i64>, &str)> = None;
        for (i, e) in self.list.rows().iter().enumerate() {
            let key = (e.batch_id, e.provider.as_str());
            if prev != Some(key) {
                if prev.is_some() {
                    group += 1;
                }
                items.push(Item::Header(group.min(groups.len().saturating_sub(1))));
                prev = Some(key);
            }
            items.push(Item::Row(i));
        }
        items
    }

    fn header_text(&self, g: &Group, lang: Lang, cols: usize) -> String {
        let batch = match (&g.batch_id, &g.source, lang) {
            (None, _, l) => l.pick("手工录入", "keyed in").to_string(),
            (Some(b), source, _) => {
                let day = g
                    .made_at
                    .as_deref()
                    .and_then(|s| s.get(..10))
                    .unwrap_or_default();
                let source = source.as_deref().map(clean_line).unwrap_or_default();
                format!("#{b} {} {day}", fit(&source, 24).trim_end())
            }
        };
        let count = match lang {
            Lang::Zh => format!("{} 条", g.waiting),
            Lang::En => format!("{} waiting", g.waiting),
        };
        let provider = clean_line(&g.provider);
        let room = cols.saturating_sub(width(&batch) + width(&count) + 12);
        let text = format!(
            "── {batch} · {} · {count} ",
            fit(&provider, room.min(width(&provider)))
        );
        let fill = cols.saturating_sub(width(&text));
        format!("{text}{}", "─".repeat(fill))
    }

    fn row_text(&self, e: &EntrySummary, lang: Lang, cols: usize) -> String {
        let provider_w = cols.saturating_sub(41 + FLAG_COLS);
        let mark = if self.list.marks.contains(e.id) {
            "*"
        } else {
            " "
        };
        let flags: Vec<&str> = flags(e, self.list.extra.facts.get(&e.id))
            .iter()
            .map(|f| f.short(lang))
            .collect();
        format!(
            "{mark} {} {} {} {} {} {} {}",
            fit(&clean_line(&e.person_name), 8),
            fit(category_label(&e.category, lang), 4),
            fit(form_label(&e.form, lang), 8),
            right(&e.hours.to_string(), 5),
            fit(&clean_line(&e.provider), provider_w),
            fit(state_label(e.state, lang), 8),
            fit(&flags.join(" "), FLAG_COLS),
        )
    }

    fn column_heads(&self, lang: Lang, cols: usize) -> String {
        let provider_w = cols.saturating_sub(41 + FLAG_COLS);
        let (name, cat, form, hours, provider, state, flags) = match lang {
            Lang::Zh => ("姓名", "类别", "形式", "学时", "施教机构", "状态", "待处理"),
            Lang::En => (
                "Name",
                "Cat.",
                "Form",
                "Hours",
                "Provider",
                "State",
                "Attention",
            ),
        };
        format!(
            "  {} {} {} {} {} {} {}",
            fit(name, 8),
            fit(cat, 4),
            fit(form, 8),
            right(hours, 5),
            fit(provider, provider_w),
            fit(state, 8),
            fit(flags, FLAG_COLS),
        )
    }

    /// Two lines on the current entry: who and what, then what it needs (or what comes next).
    fn detail(&self, lang: Lang) -> (String, String) {
        let Some(e) = self.selected() else {
            return (String::new(), String::new());
        };
        let result = AssessmentResult::parse(&e.result)
            .map(|r| r.label(lang))
            .unwrap_or("?");
        let first = format!(
            "{} {} · {} · {}～{} · {result}",
            clean_line(&e.person_name),
            e.id_number,
            clean_line(&e.content),
            e.start_date,
            e.end_date
        );
        let fl = flags(e, self.list.extra.facts.get(&e.id));
        let second = if fl.is_empty() {
            match e.state {
                EntryState::EvidenceComplete => lang
                    .pick(
                        "材料齐全，可初审盖章（s）",
                        "evidence complete: ready to seal (s)",
                    )
                    .to_string(),
                EntryState::Sealed => lang
                    .pick("已初审，可登记（r）", "sealed: ready to register (r)")
                    .to_string(),
                _ => String::new(),
            }
        } else {
            let texts: Vec<String> = fl.iter().map(|f| f.long(lang)).collect();
            format!(
                "{}{}",
                lang.pick("注意：", "note: "),
                texts.join(lang.pick("；", "; "))
            )
        };
        (first, second)
    }
}

impl Screen for ReviewScreen {
    /// The "u undoes this" hint spoke of a decision that is no more.
    fn undone(&mut self) {
        self.next = None;
    }

    fn scopes(&self) -> &'static [Scope] {
        &[Scope::Review, Scope::List]
    }

    fn title(&self, lang: Lang) -> String {
        lang.pick("复核", "Review").into()
    }

    fn typing(&self) -> bool {
        self.list.searching
    }

    fn leave(&mut self) {
        self.list.leave();
    }

    fn reload(&mut self, ctx: &mut Ctx<'_>) -> Result<(), String> {
        self.load_page(ctx)
    }

    fn refresh(&mut self, ctx: &mut Ctx<'_>) -> Result<(), String> {
        self.size(ctx);
        self.list.refresh(ctx);
        Ok(())
    }

    fn deliver(&mut self, done: Done, ctx: &mut Ctx<'_>) -> Result<Flow, Done> {
        Ok(Flow::said(self.list.deliver(done, ctx)?))
    }

    fn fit(&mut self, ctx: &mut Ctx<'_>) -> bool {
        self.list.fit(ctx)
    }

    fn waiting(&self) -> bool {
        self.list.waiting()
    }

    fn on_action(&mut self, action: Action, ctx: &mut Ctx<'_>) -> Flow {
        let lang = ctx.lang;
        // `;` holds across moves of the cursor and is spent by the next other action.
        let armed = self.list.marks.armed_for(action);
        if let Some(flow) = self.list.on_action(action, armed, ctx) {
            return flow;
        }
        let decision_targets = |s: &ReviewScreen| -> Result<Vec<i64>, Flow> {
            if armed && s.list.marks.is_empty() {
                return Err(Flow::Say(Marks::nothing_to_arm(lang)));
            }
            Ok(s.targets(armed))
        };
        match action {
            // The footer says Enter opens, and so it does from the search field: the search
            // ends and the highlighted entry opens.
            Action::Open | Action::Evidence => {
                if self.selected().is_some() {
                    self.list.searching = false;
                }
                self.open_evidence(lang)
            }
            Action::Mark => {
                let id = self.selected().map(|e| e.id);
                self.list.toggle_mark(id, ctx);
                Flow::Stay
            }
            Action::MarkPattern => Flow::Ask(Ask::text(
                Question::Pattern,
                PATTERN.prompt(lang),
                String::new(),
            )),
            Action::ApplyToMarked => Flow::Say(self.list.marks.arm_saying(
                lang,
                (
                    "：s 初审 r 登记 x 不予登记 ! 弄虚作假（Esc 取消）",
                    ": s r x ! (Esc cancels)",
                ),
            )),
            Action::Seal => match decision_targets(self) {
                Ok(ids) => self.decide(&ids, Decision::Seal, ctx),
                Err(flow) => flow,
            },
            Action::Register => match decision_targets(self) {
                Ok(ids) => self.register(ids, ctx),
                Err(flow) => flow,
            },
            Action::Refuse | Action::Falsified => match decision_targets(self) {
                Ok(ids) => self.ask_reason(ids, action == Action::Falsified, lang),
                Err(flow) => flow,
            },
            _ => Flow::Stay,
        }
    }

    fn on_key(&mut self, key: &KeyEvent, ctx: &mut Ctx<'_>) -> Flow {
        self.list.on_key(key, ctx).unwrap_or(Flow::Stay)
    }

    fn on_paste(&mut self, text: &str, ctx: &mut Ctx<'_>) -> Flow {
        self.list.on_paste(text, ctx)
    }

    fn on_answer(
        &mut self,
        about: ScreenQuestion,
        answer: Option<&str>,
        ctx: &mut Ctx<'_>,
    ) -> Flow {
        let lang = ctx.lang;
        let ScreenQuestion::Review(about) = about else {
            return Flow::Stay;
        };
        match (about, answer) {
            (Question::Pattern, Some(text)) => self.mark_pattern(text, ctx),
            (Question::Pattern, None) => Flow::Stay,
            (Question::Register(ids), Some(_)) => {
                self.decide(&ids, Decision::Register { confirm: true }, ctx)
            }
            (Question::Register(_), None) => Flow::Say(
                lang.pick(
                    "已取消登记，没有条目被登记",
                    "registration cancelled: nothing was registered",
                )
                .into(),
            ),
            (Question::Refuse(_) | Question::Falsified(_), Some(reason))
                if clean_line(reason).is_empty() =>
            {
                Flow::Say(
                    lang.pick(
                        "未填写理由，没有条目被不予登记",
                        "no reason given: nothing was refused",
                    )
                    .into(),
                )
            }
            (Question::Refuse(ids), Some(reason)) => self.decide(
                &ids,
                Decision::Refuse {
                    reason: clean_line(reason),
                },
                ctx,
            ),
            (Question::Falsified(ids), Some(reason)) => self.decide(
                &ids,
                Decision::Falsified {
                    reason: clean_line(reason),
                },
                ctx,
            ),
            (Question::Refuse(_) | Question::Falsified(_), None) => Flow::Say(
                lang.pick("已取消，没有条目被改动", "cancelled: nothing changed")
                    .into(),
            ),
        }
    }

    fn render(&self, f: &mut Frame, area: Rect, view: &View) {
        let lang = view.lang;
        let t = &view.theme;
        let title = match lang {
            Lang::Zh => format!(
                " 复核 待办 {} 条 {}",
                self.list.total(),
                self.list.busy_mark(lang)
            ),
            Lang::En => format!(
                " Review: {} waiting {}",
                self.list.total(),
                self.list.busy_mark(lang)
            ),
        };
        let mut block = Block::default().borders(Borders::ALL).title(title);
        if let Some(next) = self.next {
            let hint = next.text(self.list.marks.len(), lang);
            block = block.title_bottom(Line::from(Span::styled(format!(" {hint} "), t.key)));
        }
        let inner = block.inner(area);
        f.render_widget(block, area);
        let [search_row, header, list, detail] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Min(0),
            Constraint::Length(DETAIL_ROWS),
        ])
        .areas(inner);

        let label = lang.pick("搜索/ ", "search/ ");
        let rule = format!("  {}", self.rule_label(lang));
        let label_w = width(label) as u16;
        let rule_w = (width(&rule) as u16).min(search_row.width.saturating_sub(label_w));
        f.render_widget(Paragraph::new(Span::styled(label, t.key)), search_row);
        let input_area = Rect {
            x: search_row.x + label_w,
            width: search_row.width.saturating_sub(label_w + rule_w),
            ..search_row
        };
        self.list
            .search
            .render(f, input_area, Style::default(), self.list.searching);
        let rule_style = if self.list.marks.is_empty() {
            t.dim
        } else {
            t.marked
        };
        f.render_widget(
            Paragraph::new(Span::styled(rule, rule_style)),
            Rect {
                x: input_area.x + input_area.width,
                width: rule_w,
                ..search_row
            },
        );

        let cols = inner.width as usize;
        f.render_widget(
            Paragraph::new(Span::styled(self.column_heads(lang, cols), t.header)),
            header,
        );

        self.list.measure(list.height);
        if self.list.rows().is_empty() {
            let empty = if self.list.search.is_empty() {
                lang.pick(
                    "没有待复核的条目。用 jijiao import entries 导入培训记录，或在人员页添加。",
                    "Nothing waits for review. Import entries (jijiao import entries) or add them on a person.",
                )
            } else {
                lang.pick(
                    "没有符合搜索的条目。Esc 清除搜索。",
                    "Nothing matches. Esc clears the search.",
                )
            };
            // Wrapped: the English sentence is longer than 80 columns less the borders.
            f.render_widget(
                Paragraph::new(self.list.empty_text(lang, empty))
                    .wrap(ratatui::widgets::Wrap { trim: true }),
                list,
            );
            return;
        }
        let items = self.items();
        let cursor = self.list.row();
        let lines: Vec<Line> = viewport(&items, cursor, list.height as usize)
            .into_iter()
            .map(|i| match items[i] {
                Item::Header(g) => match self.list.extra.groups.get(g) {
                    Some(group) => {
                        Line::from(Span::styled(self.header_text(group, lang, cols), t.header))
                    }
                    None => Line::from(""),
                },
                Item::Row(r) => {
                    let e = &self.list.rows()[r];
                    let style = if r == cursor {
                        t.selected
                    } else if self.list.marks.contains(e.id) {
                        t.marked
                    } else {
                        Style::default()
                    };
                    Line::from(Span::styled(self.row_text(e, lang, cols), style))
                }
            })
            .collect();
        f.render_widget(Paragraph::new(lines), list);

        let (first, second) = self.detail(lang);
        let needs = self
            .selected()
            .is_some_and(|e| !flags(e, self.list.extra.facts.get(&e.id)).is_empty());
        f.render_widget(
            Paragraph::new(vec![
                Line::from(Span::styled(fit(&first, cols), t.dim)),
                Line::from(Span::styled(
                    fit(&second, cols),
                    if needs { t.bad } else { t.good },
                )),
            ]),
            detail,
        );
    }
}

#[cfg(test)]
mod tests {
    use ratatui::crossterm::event::KeyCode;

    use super::*;
    use crate::service::fixtures::{ZHANG, actor, source as src, store_with, table};
    use crate::service::import::{self, Source};
    use crate::store::Store;
    use crate::tui::testing::Driver;

    const RENCAI: &str = "湖南人才市场有限公司";
    const LI: &str = "43010219800101002X";
    const ENTRY_HEADERS: &str = "身份证号,科目类别,学习形式,培训内容,施教机构,开始日期,结束日期,学时,考核结果,已交材料,备案编号";

    /// A professional distance-education entry of 张伟 (`evidence` 学习证明材料 completes it).
    fn pro(content: &str, provider: &str, result: &str, evidence: &str) -> String {
        format!("专业,远程教育,{content},{provider},2016-04-01,2016-04-30,10,{result},{evidence}")
    }

    fn rows(v: &[String]) -> Vec<&str> {
        v.iter().map(String::as_str).collect()
    }

    fn one(store: &Store, sql: &str) -> i64 {
        store.conn().query_row(sql, [], |r| r.get(0)).unwrap()
    }

    fn state_of(store: &Store, content: &str) -> String {
        store
            .conn()
            .query_row(
                "SELECT state FROM entries WHERE content = ?1",
                [content],
                |r| r.get(0),
            )
            .unwrap()
    }

    fn queue(store: Store, lang: Lang) -> Driver {
        let mut d = Driver::new(store, lang);
        d.key(KeyCode::Char('2'));
        d
    }

    /// Two people, two import batches, a public training filed too late (R4.3), a public
    /// entry without filing, professional entries without filing (R4.4), a failed assessment
    /// (R5.2) and evidence missing (R3).
    fn bureau() -> Store {
        let mut store = store_with(&[]);
        let a = actor("clerk");
        let src = |name: &str| Source {
            name: name.into(),
            sha256: "0".into(),
        };
        import::people(
            &mut store,
            &a,
            &table(
                "身份证号,姓名,单位,单位类型,市州",
                &[&format!("{LI},李娜,湖南省人民医院,省直单位,省直")],
            ),
            &src("people.csv"),
            false,
        )
        .unwrap();
        import::filings(
            &mut store,
            &a,
            &table(
                "备案编号,培训名称,科目类别,申报单位,培训机构,开始日期,结束日期,状态,备案日期",
                &["湘继备2017-001,保密意识和保密常识教育,公需,湖南师范大学,湖南师范大学,2017-05-10,2017-05-12,已备案,2017-05-11"],
            ),
            &src("filings.csv"),
            false,
        )
        .unwrap();
        let first = [
            format!(
                "{ZHANG},专业,远程教育,临床新进展,{RENCAI},2017-03-01,2017-03-31,10,合格,学习证明材料,"
            ),
            format!(
                "{LI},专业,远程教育,医患沟通,{RENCAI},2017-03-01,2017-03-31,8,合格,学习证明材料,"
            ),
            format!(
                "{ZHANG},公需,远程教育,职业道德,{RENCAI},2017-03-01,2017-03-31,6,合格,学习证明材料,"
            ),
            format!(
                "{LI},专业,远程教育,药事管理,{RENCAI},2017-03-01,2017-03-31,4.5,不合格,学习证明材料,"
            ),
        ];
        import::entries(
            &mut store,
            &a,
            &table(ENTRY_HEADERS, &rows(&first)),
            &src("人才市场2017上半年.csv"),
            false,
            false,
        )
        .unwrap();
        let second = [
            format!(
                "{ZHANG},专业,学术会议,学术年会,湖南省医学会,2017-05-01,2017-05-02,12,合格,学术会议邀请函,"
            ),
            format!(
                "{LI},公需,培训班,保密意识和保密常识教育,湖南师范大学,2017-05-10,2017-05-12,30,合格,培训通知、培训签到表、培训日程安排、结业证明,湘继备2017-001"
            ),
        ];
        import::entries(
            &mut store,
            &a,
            &table(ENTRY_HEADERS, &rows(&second)),
            &src("医学会师大2017.xlsx"),
            false,
            false,
        )
        .unwrap();
        store
    }

    /// The help lists [`PATTERN`]'s words: each must mean what it says, not fall through to a
    /// provider's name.
    #[test]
    fn every_pattern_word_the_help_lists_is_one_the_parser_knows() {
        for w in PATTERN.words {
            for s in [w.zh, w.en] {
                assert!(!matches!(term(&s.to_lowercase()), Term::Provider(_)), "{s}");
            }
        }
        assert_eq!(term("人才"), Term::Provider("人才".into()));
    }

    #[test]
    fn the_queue_groups_by_batch_and_provider_and_flags_what_needs_attention() {
        let mut d = queue(bureau(), Lang::Zh);
        assert!(d.shows("复核 待办 6 条"), "{}", d.screen());
        // The newer batch first, a header per batch and provider.
        assert!(d.shows("#2 医学会师大2017.xlsx 2017-07-15 · 湖南师范大学 · 1 条"));
        assert!(d.shows("#2 医学会师大2017.xlsx 2017-07-15 · 湖南省医学会 · 1 条"));
        assert!(d.shows("#1 人才市场2017上半年.csv 2017-07-15 · 湖南人才市场有限公司 · 4 条"));
        let line = |text: &str| {
            d.screen()
                .lines()
                .find(|l| l.contains(text))
                .map(str::to_string)
                .unwrap_or_default()
        };
        // R4.3 filed after the start; R3 evidence; R4.4 needs confirmation; R5.2 failed.
        assert!(line("李娜     公需").contains("备案晚"), "{}", d.screen());
        assert!(line("学术会议").contains("缺材料 待确认"), "{}", d.screen());
        assert!(line("4.5").contains("待确认 不合格"), "{}", d.screen());
        assert!(line("张伟     公需").contains("未备案"), "{}", d.screen());
        // The current row explains itself in full.
        assert!(
            d.shows("备案于2017-05-11才批准，晚于培训开始日期，学时不予确认"),
            "{}",
            d.screen()
        );
        d.key(KeyCode::Char('t'));
        insta::assert_snapshot!("review_zh", d.screen());
    }

    #[test]
    fn the_queue_in_english() {
        let mut d = queue(bureau(), Lang::En);
        d.key(KeyCode::Char('j')).key(KeyCode::Char('t'));
        assert!(d.shows("Review: 6 waiting"), "{}", d.screen());
        assert!(d.shows("1 marked: keys act on it"), "{}", d.screen());
        insta::assert_snapshot!("review_en", d.screen());
    }

    #[test]
    fn search_as_you_type_by_provider_name_and_id_number() {
        let mut d = queue(bureau(), Lang::Zh);
        d.key(KeyCode::Char('/')).keys("医学");
        assert!(d.shows("复核 待办 1 条"), "{}", d.screen());
        d.key(KeyCode::Esc).key(KeyCode::Esc);
        assert!(d.shows("复核 待办 6 条"), "{}", d.screen());
        d.key(KeyCode::Char('/')).keys("李");
        assert!(d.shows("复核 待办 3 条"), "{}", d.screen());
        d.key(KeyCode::Char('u')); // text while searching, not undo
        assert!(d.shows("没有符合搜索的条目"), "{}", d.screen());
        d.key(KeyCode::Backspace)
            .key(KeyCode::Backspace)
            .keys("1231002");
        assert!(d.shows("复核 待办 3 条"), "{}", d.screen());
    }

    #[test]
    fn enter_and_m_open_the_evidence_of_the_current_entry() {
        let mut d = queue(bureau(), Lang::Zh);
        d.key(KeyCode::Enter);
        assert!(!d.shows("复核 待办"), "{}", d.screen());
        d.key(KeyCode::Esc);
        assert!(d.shows("复核 待办 6 条"), "{}", d.screen());
        d.key(KeyCode::Char('m'));
        assert!(!d.shows("复核 待办"), "{}", d.screen());
    }

    /// Tester's fault 5, in English: after a seal that used the marks, the border's hint
    /// says to mark the sealed entries while none are marked, and to register the marked ones
    /// once they are; unmarked again, it says to mark them again.
    #[test]
    fn the_next_step_hint_follows_the_marks() {
        let v = [
            pro("临床新进展", RENCAI, "合格", "学习证明材料"),
            pro("医患沟通", RENCAI, "合格", "学习证明材料"),
        ];
        let mut d = queue(store_with(&rows(&v)), Lang::En);
        d.key(KeyCode::Char('T')).keys("人才").key(KeyCode::Enter);
        d.key(KeyCode::Char('s'));
        let mark_them = "next: T sealed marks the sealed entries, then r registers";
        assert!(d.shows(mark_them), "{}", d.screen());
        d.key(KeyCode::Char('t'));
        assert!(
            d.shows("next: r registers the 1 marked; u undoes the seal"),
            "{}",
            d.screen()
        );
        assert!(!d.shows(mark_them), "{}", d.screen());
        // `t` went on to the next row: back up and unmark it.
        d.key(KeyCode::Char('k')).key(KeyCode::Char('t'));
        assert!(d.shows(mark_them), "{}", d.screen());
    }

    #[test]
    fn mark_a_providers_batch_seal_register_with_confirmation_and_undo() {
        let v = [
            pro("临床新进展", RENCAI, "合格", "学习证明材料"),
            pro("医患沟通", RENCAI, "合格", "学习证明材料"),
            pro("病历书写规范", RENCAI, "合格", "学习证明材料"),
            pro("医疗纠纷防范", RENCAI, "合格", ""),
            pro("药事管理", RENCAI, "不合格", "学习证明材料"),
            "专业,学术会议,学术年会,湖南省医学会,2016-05-01,2016-05-02,12,合格,学术会议邀请函"
                .to_string(),
        ];
        let mut d = queue(store_with(&rows(&v)), Lang::Zh);
        assert!(d.shows("未标记，按键作用于当前行"), "{}", d.screen());

        d.key(KeyCode::Char('T'));
        assert!(d.shows("模式（+ 追加到已标记）"), "{}", d.screen());
        d.keys("人才").key(KeyCode::Enter);
        assert_eq!(d.app.message(), "已标记 5 行：符合“人才”");
        assert!(d.shows("已标记 5 条，按键作用于标记项"), "{}", d.screen());

        d.key(KeyCode::Char('s'));
        assert_eq!(
            d.app.message(),
            "已初审 4 条，跳过 1 条：证明材料不齐全，不能初审盖章"
        );
        // The seal used the marks up; the hint says how to go on to registering.
        assert!(d.shows("未标记，按键作用于当前行"), "{}", d.screen());
        assert!(
            d.shows("下一步：T 已初审 标记已初审的条目，再按 r 登记"),
            "{}",
            d.screen()
        );
        assert_eq!(state_of(d.app.store(), "临床新进展"), "sealed");
        assert_eq!(state_of(d.app.store(), "医疗纠纷防范"), "recorded");

        d.key(KeyCode::Char('T')).keys("已初审").key(KeyCode::Enter);
        assert_eq!(d.app.message(), "已标记 4 行：符合“已初审”");
        // Tester's fault 5: the hint follows the marks — they are made, so it no longer says
        // to make them, but what the next key does with them.
        assert!(
            d.shows("下一步：按 r 登记已标记的 4 条；u 撤销本次初审"),
            "{}",
            d.screen()
        );
        assert!(!d.shows("T 已初审 标记已初审的条目"), "{}", d.screen());
        // R4.4: three sealed professional entries without filing need the explicit decision.
        d.key(KeyCode::Char('r'));
        assert!(
            d.shows("登记 4 条，其中 3 条为专业科目且未经备案确认"),
            "{}",
            d.screen()
        );
        d.key(KeyCode::Char('n'));
        assert_eq!(d.app.message(), "已取消登记，没有条目被登记");
        assert_eq!(
            one(
                d.app.store(),
                "SELECT count(*) FROM entries WHERE state = 'registered'"
            ),
            0
        );
        d.key(KeyCode::Char('r')).key(KeyCode::Char('y'));
        assert_eq!(
            d.app.message(),
            "已登记 3 条，跳过 1 条：考核不合格，不予登记"
        );
        let s = d.app.store();
        assert_eq!(
            one(
                s,
                "SELECT count(*) FROM entries WHERE state = 'registered' AND confirmed = 1
                   AND registered_by = 'wangfang'"
            ),
            3
        );
        // R5.5 the audit trail names the clerk.
        assert_eq!(
            one(
                s,
                "SELECT count(*) FROM audit WHERE action = 'entry.seal' AND user = 'wangfang'"
            ),
            4
        );
        assert_eq!(
            one(
                s,
                "SELECT count(*) FROM audit WHERE action = 'entry.register' AND user = 'wangfang'"
            ),
            3
        );
        // The registered ones left the queue; the decision used up all four marks.
        assert!(d.shows("复核 待办 3 条"), "{}", d.screen());
        assert!(d.shows("未标记"), "{}", d.screen());
        assert!(d.shows("u 撤销本次登记"), "{}", d.screen());

        d.key(KeyCode::Char('u'));
        assert_eq!(
            d.app.message(),
            "已撤销：登记 3 条（张伟 临床新进展、张伟 医患沟通、张伟 病历书写规范）"
        );
        assert!(
            !d.shows("u 撤销本次登记"),
            "the hint about the undone decision is gone:\n{}",
            d.screen()
        );
        assert_eq!(state_of(d.app.store(), "临床新进展"), "sealed");
        assert!(d.shows("复核 待办 6 条"), "{}", d.screen());
        d.key(KeyCode::Char('u'));
        // Four names do not fit on the message line at 80 columns: `…` stands for the rest.
        assert_eq!(
            d.app.message(),
            "已撤销：初审盖章 4 条（张伟 临床新进展、张伟 医患沟通、张伟 病历书写规范…）"
        );
        assert!(width(d.app.message()) <= 80);
        assert_eq!(state_of(d.app.store(), "临床新进展"), "evidence_complete");
        d.key(KeyCode::Char('u'));
        assert_eq!(d.app.message(), "没有可撤销的决定");

        // An empty pattern clears the marks.
        d.key(KeyCode::Char('T')).keys("人才").key(KeyCode::Enter);
        d.key(KeyCode::Char('T')).key(KeyCode::Enter);
        assert_eq!(d.app.message(), "已清除 5 个标记");
        assert!(d.shows("未标记"), "{}", d.screen());
    }

    /// R5.1 Tester's finding: rows marked under a search, then another clerk renamed one of
    /// those people so the search no longer finds them; the refresh took the row off the screen
    /// but kept its mark, and `s` sealed it unseen. A refresh keeps only the marks of rows the
    /// list still shows.
    #[test]
    fn a_refresh_unmarks_a_row_the_search_no_longer_finds() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("shared.sqlite");
        let people = "身份证号,姓名,单位,单位类型,市州";
        let zhang = format!("{ZHANG},张伟,长沙市第一医院,市州所属单位,长沙");
        {
            let mut store = Store::open(&path).unwrap();
            let a = actor("clerk");
            let li = format!("{LI},张丽,长沙市第一医院,市州所属单位,长沙");
            import::people(
                &mut store,
                &a,
                &table(people, &[&zhang, &li]),
                &src(),
                false,
            )
            .unwrap();
            let entries = [
                format!("{ZHANG},{}", pro("甲课程", RENCAI, "合格", "学习证明材料")),
                format!("{LI},{}", pro("乙课程", RENCAI, "合格", "学习证明材料")),
            ];
            import::entries(
                &mut store,
                &a,
                &table(
                    "身份证号,科目类别,学习形式,培训内容,施教机构,开始日期,结束日期,学时,考核结果,已交材料",
                    &rows(&entries),
                ),
                &src(),
                false,
                false,
            )
            .unwrap();
        }
        let mut d = queue(Store::open(&path).unwrap(), Lang::Zh);
        d.key(KeyCode::Char('/')).keys("张").key(KeyCode::Esc);
        d.key(KeyCode::Char('T')).keys("齐全").key(KeyCode::Enter);
        assert!(d.shows("已标记 2 条"), "{}", d.screen());
        // Another clerk: 张丽 is 李丽 now.
        let mut other = Store::open(&path).unwrap();
        let renamed = format!("{LI},李丽,长沙市第一医院,市州所属单位,长沙");
        import::people(
            &mut other,
            &actor("lijun"),
            &table(people, &[&renamed]),
            &src(),
            false,
        )
        .unwrap();
        assert!(d.app.tick(), "the commit is seen");
        d.draw();
        assert!(!d.shows("乙课程"), "{}", d.screen());
        assert!(d.shows("已标记 1 条"), "{}", d.screen());
        d.key(KeyCode::Char('s'));
        assert_eq!(d.app.message(), "已初审 1 条");
        assert_eq!(state_of(d.app.store(), "甲课程"), "sealed");
        assert_eq!(state_of(d.app.store(), "乙课程"), "evidence_complete");
    }

    /// R5.1 Tester's finding: rows marked under one search, then a search that hides them, and
    /// `x` refused the five hidden entries. A narrower search clears the marks and says so, and
    /// the decision acts on the row in view only.
    #[test]
    fn a_search_that_may_hide_marked_rows_clears_the_marks() {
        let v = [
            pro("甲课程", RENCAI, "合格", "学习证明材料"),
            pro("乙课程", RENCAI, "合格", "学习证明材料"),
            pro("丙课程", "湖南师范大学", "合格", "学习证明材料"),
        ];
        let mut d = queue(store_with(&rows(&v)), Lang::Zh);
        d.key(KeyCode::Char('/')).keys("人才").key(KeyCode::Esc);
        d.key(KeyCode::Char('T')).keys("人才").key(KeyCode::Enter);
        assert!(d.shows("已标记 2 条"), "{}", d.screen());
        // Widening (the text shortened) hides nothing: the marks stay.
        d.key(KeyCode::Char('/')).key(KeyCode::Backspace);
        assert!(d.shows("已标记 2 条"), "{}", d.screen());
        d.ctrl('u').keys("师");
        assert_eq!(
            d.app.message(),
            "搜索已改变，已清除 2 个标记：标记的行可能不在新的结果中"
        );
        d.keys("范");
        assert!(d.shows("未标记"), "{}", d.screen());
        d.key(KeyCode::Esc);
        d.key(KeyCode::Char('x'))
            .keys("材料不实")
            .key(KeyCode::Enter);
        assert_eq!(state_of(d.app.store(), "丙课程"), "refused");
        assert_eq!(state_of(d.app.store(), "甲课程"), "evidence_complete");
        assert_eq!(state_of(d.app.store(), "乙课程"), "evidence_complete");
    }

    #[test]
    fn decision_keys_act_on_the_current_row_unless_rows_are_marked() {
        let v = [
            pro("甲课程", RENCAI, "合格", "学习证明材料"),
            pro("乙课程", RENCAI, "合格", "学习证明材料"),
            pro("丙课程", RENCAI, "合格", "学习证明材料"),
        ];
        let mut d = queue(store_with(&rows(&v)), Lang::Zh);
        d.key(KeyCode::Char('s'));
        assert_eq!(d.app.message(), "已初审 1 条");
        assert_eq!(state_of(d.app.store(), "甲课程"), "sealed");
        assert_eq!(state_of(d.app.store(), "乙课程"), "evidence_complete");

        // `;` with nothing marked refuses instead of falling back to the current row.
        d.key(KeyCode::Char(';'));
        assert_eq!(d.app.message(), "没有标记的行：先用 t 或 T 标记");
        d.key(KeyCode::Char('s'));
        assert_eq!(
            d.app.message(),
            "已初审 0 条，跳过 1 条：状态为“已初审”的条目不能改为“已初审”"
        );

        // `t` marks 乙 and moves to 丙; `s` then seals the marked 乙 only.
        d.key(KeyCode::Char('j')).key(KeyCode::Char('t'));
        assert!(d.shows("* 张伟"), "{}", d.screen());
        assert!(d.shows("已标记 1 条，按键作用于标记项"), "{}", d.screen());
        d.key(KeyCode::Char('s'));
        assert_eq!(d.app.message(), "已初审 1 条");
        assert_eq!(state_of(d.app.store(), "乙课程"), "sealed");
        assert_eq!(state_of(d.app.store(), "丙课程"), "evidence_complete");
        assert!(
            d.shows("未标记"),
            "the seal used the mark up: {}",
            d.screen()
        );

        // `;` then a decision key: the marked rows.
        d.key(KeyCode::Char('k')).key(KeyCode::Char('t'));
        d.key(KeyCode::Char(';'));
        assert!(
            d.app
                .message()
                .starts_with("; → 下一操作作用于已标记的 1 行："),
            "{}",
            d.app.message()
        );
        d.key(KeyCode::Char('r')).key(KeyCode::Char('y'));
        assert_eq!(d.app.message(), "已登记 1 条");
        assert_eq!(state_of(d.app.store(), "乙课程"), "registered");
        assert_eq!(state_of(d.app.store(), "丙课程"), "evidence_complete");
    }

    /// R5.5 `u` undoes the clerk's last decision whatever screen it was taken on: a seal on the
    /// review queue is undone from the filings screen, which says what it undid and stays.
    #[test]
    fn u_on_the_filings_screen_undoes_a_seal_taken_on_the_review_queue() {
        let v = [pro("甲课程", RENCAI, "合格", "学习证明材料")];
        let mut store = store_with(&rows(&v));
        crate::service::filings::save_filing(
            &mut store,
            &actor("lisi"),
            &crate::service::filings::sample_filing("2017-001"),
        )
        .unwrap();
        let mut d = queue(store, Lang::Zh);
        d.key(KeyCode::Char('s'));
        assert_eq!(d.app.message(), "已初审 1 条");
        assert_eq!(state_of(d.app.store(), "甲课程"), "sealed");

        d.key(KeyCode::Char('3'));
        assert!(d.shows("2017-001"), "{}", d.screen());
        d.key(KeyCode::Char('u'));
        assert_eq!(d.app.message(), "已撤销：初审盖章 1 条（张伟 甲课程）");
        assert!(
            d.shows("已撤销：初审盖章 1 条（张伟 甲课程）"),
            "{}",
            d.screen()
        );
        assert!(
            d.shows("2017-001"),
            "still the filings screen:\n{}",
            d.screen()
        );
        assert_eq!(state_of(d.app.store(), "甲课程"), "evidence_complete");
        assert_eq!(
            one(
                d.app.store(),
                "SELECT count(*) FROM audit WHERE action = 'entry.undo' AND user = 'wangfang'"
            ),
            1,
            "the undo is recorded"
        );
        // Back on the queue the entry awaits its seal again.
        d.key(KeyCode::Char('2'));
        assert!(d.shows("甲课程"), "{}", d.screen());
        d.key(KeyCode::Char('u'));
        assert_eq!(d.app.message(), "没有可撤销的决定");
    }

    #[test]
    fn refuse_asks_for_a_reason_and_an_empty_reason_refuses_nothing() {
        let v = [
            pro("甲课程", RENCAI, "合格", "学习证明材料"),
            pro("乙课程", RENCAI, "合格", "学习证明材料"),
        ];
        let mut d = queue(store_with(&rows(&v)), Lang::Zh);
        d.key(KeyCode::Char('x'));
        assert!(d.shows("不予登记 1 条，理由"), "{}", d.screen());
        d.key(KeyCode::Enter);
        assert_eq!(d.app.message(), "未填写理由，没有条目被不予登记");
        assert_eq!(one(d.app.store(), "SELECT count(*) FROM decisions"), 0);
        assert_eq!(state_of(d.app.store(), "甲课程"), "evidence_complete");

        d.key(KeyCode::Char('x')).key(KeyCode::Esc);
        assert_eq!(d.app.message(), "已取消，没有条目被改动");

        d.key(KeyCode::Char('x'))
            .keys("重复录入")
            .key(KeyCode::Enter);
        assert_eq!(d.app.message(), "已不予登记 1 条");
        let reason: String = d
            .app
            .store()
            .conn()
            .query_row(
                "SELECT reason FROM entries WHERE content = '甲课程' AND state = 'refused'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(reason, "重复录入");
        assert!(d.shows("复核 待办 1 条"), "{}", d.screen());

        // R5.3 falsified says it blocks the person.
        d.key(KeyCode::Char('!'));
        assert!(d.shows("冻结其人员的验证"), "{}", d.screen());
        d.keys("签到表系伪造").key(KeyCode::Enter);
        assert_eq!(d.app.message(), "已认定弄虚作假 1 条");
        assert!(d.shows("合格验证已冻结"), "{}", d.screen());
        assert_eq!(
            one(
                d.app.store(),
                "SELECT count(*) FROM findings WHERE lifted_at IS NULL AND made_by = 'wangfang'"
            ),
            1
        );
        d.key(KeyCode::Char('u'));
        assert_eq!(d.app.message(), "已撤销：弄虚作假 1 条（张伟 乙课程）");
        assert_eq!(
            one(
                d.app.store(),
                "SELECT count(*) FROM findings WHERE lifted_at IS NULL"
            ),
            0
        );
    }

    #[test]
    fn a_decision_on_300_marked_entries_is_one_transaction() {
        let v: Vec<String> = (0..300)
            .map(|i| pro(&format!("课程{i:03}"), RENCAI, "合格", "学习证明材料"))
            .collect();
        let mut d = queue(store_with(&rows(&v)), Lang::Zh);
        assert!(d.shows("复核 待办 300 条"), "{}", d.screen());
        d.key(KeyCode::Char('T'))
            .keys("complete")
            .key(KeyCode::Enter);
        assert_eq!(d.app.message(), "已标记 300 行：符合“complete”");
        let seen = std::rc::Rc::new(std::cell::Cell::new((0, 0)));
        let sink = seen.clone();
        d.app
            .set_progress(Box::new(move |done, total| sink.set((done, total))));
        d.key(KeyCode::Char('s'));
        assert_eq!(d.app.message(), "已初审 300 条");
        assert_eq!(seen.get(), (300, 300), "progress reaches the end");
        let s = d.app.store();
        assert_eq!(
            one(
                s,
                "SELECT count(*) FROM decisions WHERE batch = (SELECT max(batch) FROM decisions)"
            ),
            300
        );
        assert_eq!(one(s, "SELECT count(DISTINCT batch) FROM decisions"), 1);
        assert_eq!(
            one(s, "SELECT count(*) FROM entries WHERE state = 'sealed'"),
            300
        );

        // Marks by pattern `sealed` and `batch` find the same 300 across every page.
        d.key(KeyCode::Char('T')).key(KeyCode::Enter);
        d.key(KeyCode::Char('G'));
        // The last page, with its group's header pinned at the top.
        assert!(d.shows("课程299"), "{}", d.screen());
        assert!(d.shows("── #1 test.csv"), "{}", d.screen());
        d.key(KeyCode::Char('T'))
            .keys("batch sealed")
            .key(KeyCode::Enter);
        assert_eq!(d.app.message(), "已标记 300 行：符合“batch sealed”");
        d.key(KeyCode::Char(';'))
            .key(KeyCode::Char('r'))
            .key(KeyCode::Char('y'));
        assert_eq!(d.app.message(), "已登记 300 条");
        assert_eq!(
            one(d.app.store(), "SELECT count(DISTINCT batch) FROM decisions"),
            2
        );
        assert!(d.shows("没有待复核的条目"), "{}", d.screen());
        assert!(d.shows("未标记"), "{}", d.screen());
    }

    #[test]
    fn the_viewport_keeps_the_cursor_and_its_group_header_in_sight() {
        use Item::*;
        let items = [Header(0), Row(0), Row(1), Header(1), Row(2), Row(3), Row(4)];
        assert_eq!(viewport(&items, 0, 4), vec![0, 1, 2, 3]);
        // Scrolled: the top row's header stays pinned.
        assert_eq!(viewport(&items, 4, 4), vec![3, 4, 5, 6]);
        assert_eq!(viewport(&items, 3, 3), vec![3, 4, 5]);
        assert_eq!(viewport(&items, 1, 2), vec![0, 2]);
        assert!(viewport(&items, 0, 0).is_empty());
    }
}
