//! Screen 4, Verification: the queue of verification batches (R6.3) with how their applicants
//! stand (passing / short / blocked / undecided); `Enter` opens a batch, `n` creates one, asking
//! for the recorded reason when R6.3's window or one-batch rule would refuse it.

use std::collections::HashMap;

use chrono::Datelike;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::batch::BatchScreen;
use super::keys::{Action, Scope};
use super::list::{Count, Keyed, Lister, Seek, Source};
use super::screen::{Ask, Ctx, Flow, Question as ScreenQuestion, Screen, View};
use super::worker::{Done, JobError};
use crate::config::Config;
use crate::domain::batch::{BatchProblem, DepartmentKind};
use crate::domain::text::{clean_line, fit, width};
use crate::i18n::{Describe, Lang};
use crate::service::batches::{self, Refusal, Request};
use crate::store::Store;
use crate::store::batches::{self as rows, Summary};

/// Rows under the list that describe the current batch.
const DETAIL_ROWS: u16 = 2;

/// A department kind in a column: short enough for 80 columns.
pub fn kind_short(k: DepartmentKind, lang: Lang) -> &'static str {
    match (k, lang) {
        (DepartmentKind::Competent, Lang::Zh) => "主管部门",
        (DepartmentKind::City, Lang::Zh) => "市州单位",
        (DepartmentKind::Agency, Lang::Zh) => "服务机构",
        (DepartmentKind::Central, Lang::Zh) => "中央在湘",
        (DepartmentKind::Competent, Lang::En) => "competent",
        (DepartmentKind::City, Lang::En) => "city",
        (DepartmentKind::Agency, Lang::En) => "agency",
        (DepartmentKind::Central, Lang::En) => "central",
    }
}

/// `s` right-aligned in `cols` display columns.
pub fn right(s: &str, cols: usize) -> String {
    format!("{}{s}", " ".repeat(cols.saturating_sub(width(s))))
}

/// A new batch being asked for, one answer at a time.
#[derive(Debug, Clone, Default)]
struct Draft {
    department: String,
    kind: Option<DepartmentKind>,
}

/// The questions the batch list asks while a new batch is drafted (R6.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Question {
    /// The department that sends the batch.
    Department,
    /// The kind of department.
    Kind,
    /// The reason for a batch outside June–August, or a second one this year.
    Override,
}

impl From<Question> for ScreenQuestion {
    fn from(q: Question) -> ScreenQuestion {
        ScreenQuestion::Batches(q)
    }
}

/// Where a batch stands in the list: the newest application year first, then the newest batch.
pub use crate::store::batches::BatchKey;

impl Keyed for Summary {
    type Key = BatchKey;
    fn key(&self) -> BatchKey {
        Summary::key(self)
    }
}

/// The batches list ([`Source`]): a page read by key with the counts the database keeps
/// (`store::batches::page`), so neither the number of batches nor of their applicants makes a
/// page slower.
pub struct BatchesSource;

impl Source for BatchesSource {
    type Query = ();
    type Row = Summary;
    type Extra = ();

    fn page(
        store: &Store,
        _q: &(),
        seek: &Seek<BatchKey>,
        limit: usize,
    ) -> Result<Vec<Summary>, JobError> {
        Ok(rows::page(store.conn(), seek, limit)?)
    }

    fn count(store: &Store, _q: &()) -> Result<Count, JobError> {
        Ok(Count::Exact(rows::count(store.conn())?))
    }
}

pub struct BatchesScreen {
    config: Config,
    /// The configured office (name, short name or code), as the status line shows it.
    office: String,
    list: Lister<BatchesSource>,
    /// The batch the clerk opened (or just made): the cursor is on it when they come back.
    opened: Option<BatchKey>,
    draft: Draft,
    /// Office short names by code, for drawing without the database.
    office_names: HashMap<String, String>,
}

impl BatchesScreen {
    pub fn new(config: Config, office: String) -> BatchesScreen {
        BatchesScreen {
            config,
            office,
            list: Lister::new(()),
            opened: None,
            draft: Draft::default(),
            office_names: HashMap::new(),
        }
    }

    fn selected(&self) -> Option<&Summary> {
        self.list.selected()
    }

    /// The office names for drawing, and the page size before the first draw.
    fn prepare(&mut self, ctx: &mut Ctx<'_>) {
        self.list
            .hint_rows(ctx.page_rows.saturating_sub(DETAIL_ROWS as usize));
        self.office_names = ctx
            .reference
            .offices
            .iter()
            .map(|o| (o.code.clone(), o.short.clone()))
            .collect();
    }

    fn ask_kind(&self, ctx: &Ctx<'_>) -> Flow {
        let province = ctx
            .reference
            .office(&self.office)
            .is_some_and(|o| o.is_province);
        Flow::Ask(Ask::Text {
            about: Question::Kind.into(),
            prompt: ctx
                .lang
                .pick(
                    " 部门类型：1 省直主管部门 2 市州单位 3 人力资源服务机构 4 中央在湘 ",
                    " kind: 1 competent dept. 2 city unit 3 HR agency 4 central unit ",
                )
                .into(),
            initial: if province { "1" } else { "2" }.into(),
        })
    }

    /// Create the drafted batch; R6.3 refusals ask for the reason that overrides them.
    fn create(&mut self, reason: &str, ctx: &mut Ctx<'_>) -> Flow {
        let lang = ctx.lang;
        let Some(kind) = self.draft.kind else {
            return Flow::Stay;
        };
        let Some(office) = ctx.reference.office(&self.office).cloned() else {
            return Flow::Say(Refusal::NoOffice.describe(lang));
        };
        let req = Request {
            department: self.draft.department.clone(),
            kind,
            application_year: ctx.actor.today().year(),
            office,
            window_reason: reason.to_string(),
            batch_reason: reason.to_string(),
        };
        match batches::create(ctx.store, ctx.actor, &req) {
            Err(e) => Flow::Say(e.describe(lang)),
            Ok(Err(Refusal::Rules(problems))) if reason.is_empty() => {
                let window = problems.iter().any(BatchProblem::is_window);
                let second = problems.iter().any(|p| !p.is_window());
                let prompt = match (lang, window, second) {
                    (Lang::Zh, true, true) => " 超出报送时间且本年已有批次，受理理由： ",
                    (Lang::Zh, true, false) => " 不在6月至8月报送时间内，受理理由： ",
                    (Lang::Zh, _, _) => " 该部门本年已有批次，应一次集中报送；再次受理的理由： ",
                    (Lang::En, true, true) => " outside the window, and a second batch: reason ",
                    (Lang::En, true, false) => " outside the June–August window: reason ",
                    (Lang::En, _, _) => " a second batch this year (one is due): reason ",
                };
                Flow::Ask(Ask::Text {
                    about: Question::Override.into(),
                    prompt: prompt.into(),
                    initial: String::new(),
                })
            }
            Ok(Err(r)) => Flow::Say(r.describe(lang)),
            Ok(Ok(b)) => {
                self.draft = Draft::default();
                self.opened = Some(BatchKey {
                    application_year: b.application_year,
                    id: b.id,
                });
                let msg = match lang {
                    Lang::Zh => format!(
                        "已新建验证批次 #{}：{}。按 n 添加申报人",
                        b.id,
                        clean_line(&b.department)
                    ),
                    Lang::En => format!(
                        "created verification batch #{}: {}. n adds applicants",
                        b.id,
                        clean_line(&b.department)
                    ),
                };
                Flow::Replace(Box::new(BatchScreen::new(b.id, self.config.clone())), msg)
            }
        }
    }

    fn column_heads(lang: Lang, cols: usize) -> String {
        let dept_w = cols.saturating_sub(58);
        let (id, year, dept, kind, n, pass, short, blocked, open, issued) = match lang {
            Lang::Zh => (
                "编号",
                "年度",
                "报送部门",
                "类型",
                "人数",
                "合格",
                "不足",
                "冻结",
                "待定",
                "出具",
            ),
            Lang::En => (
                "#",
                "year",
                "department",
                "kind",
                "all",
                "pass",
                "short",
                "block",
                "open",
                "cert",
            ),
        };
        format!(
            "{} {} {} {} {}{}{}{}{}{}",
            fit(id, 5),
            fit(year, 4),
            fit(dept, dept_w),
            fit(kind, 9),
            right(n, 6),
            right(pass, 6),
            right(short, 6),
            right(blocked, 6),
            right(open, 6),
            right(issued, 6),
        )
    }

    fn row_text(s: &Summary, lang: Lang, cols: usize) -> String {
        let dept_w = cols.saturating_sub(58);
        let c = &s.counts;
        let n = |v: usize| v.to_string();
        format!(
            "{} {} {} {} {}{}{}{}{}{}",
            fit(&format!("#{}", s.batch.id), 5),
            fit(&s.batch.application_year.to_string(), 4),
            fit(&clean_line(&s.batch.department), dept_w),
            fit(kind_short(s.batch.kind, lang), 9),
            right(&n(c.applicants), 6),
            right(&n(c.pass), 6),
            right(&n(c.short), 6),
            right(&n(c.blocked), 6),
            right(&n(c.undecided), 6),
            right(&n(c.issued), 6),
        )
    }

    fn detail(&self, lang: Lang) -> (String, String) {
        let view_office = |code: &str| {
            self.office_names
                .get(code)
                .cloned()
                .unwrap_or_else(|| code.to_string())
        };
        let Some(s) = self.selected() else {
            return (String::new(), String::new());
        };
        let b = &s.batch;
        let (from, to) = batches::period(b);
        let day = b.created_at.get(..10).unwrap_or_default();
        let mut first = match lang {
            Lang::Zh => format!(
                "{} · {}办理 · 核验{from}—{to}年 · {} {day}建",
                b.kind.zh(),
                view_office(&b.office),
                clean_line(&b.created_by),
            ),
            Lang::En => format!(
                "{} · {} office · verifies {from}–{to} · by {} {day}",
                b.kind.label(lang),
                view_office(&b.office),
                clean_line(&b.created_by),
            ),
        };
        if s.counts.unverified > 0 {
            first.push_str(&match lang {
                Lang::Zh => format!(" · 未验证 {} 人", s.counts.unverified),
                Lang::En => format!(" · {} unverified", s.counts.unverified),
            });
        }
        let mut reasons = Vec::new();
        if !b.window_override_reason.is_empty() {
            reasons.push(format!(
                "{}{}",
                lang.pick("逾期受理理由：", "accepted outside the window: "),
                clean_line(&b.window_override_reason)
            ));
        }
        if !b.override_reason.is_empty() {
            reasons.push(format!(
                "{}{}",
                lang.pick("再次报送理由：", "second batch: "),
                clean_line(&b.override_reason)
            ));
        }
        (first, reasons.join(lang.pick("；", "; ")))
    }
}

/// The batches list has no marks and no search: `Esc` goes back, moves move.
fn marks_free(action: Action) -> bool {
    matches!(
        action,
        Action::Up
            | Action::Down
            | Action::PageUp
            | Action::PageDown
            | Action::Top
            | Action::Bottom
            | Action::Back
    )
}

impl Screen for BatchesScreen {
    fn scopes(&self) -> &'static [Scope] {
        &[Scope::Batches, Scope::List]
    }

    fn title(&self, lang: Lang) -> String {
        lang.pick("验证", "Verification").into()
    }

    fn reload(&mut self, ctx: &mut Ctx<'_>) -> Result<(), String> {
        self.prepare(ctx);
        self.list.reload_now(ctx)
    }

    fn refresh(&mut self, ctx: &mut Ctx<'_>) -> Result<(), String> {
        self.prepare(ctx);
        match self.opened.take() {
            Some(key) => self.list.refresh_on(key, ctx),
            None => self.list.refresh(ctx),
        }
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
        if marks_free(action)
            && let Some(flow) = self.list.on_action(action, false, ctx)
        {
            return flow;
        }
        match action {
            Action::Open => match self.selected() {
                Some(s) => {
                    let (key, id) = (s.key(), s.batch.id);
                    self.opened = Some(key);
                    Flow::Push(Box::new(BatchScreen::new(id, self.config.clone())))
                }
                None => Flow::Say(lang.pick("没有选中的批次", "no batch selected").into()),
            },
            Action::New => {
                if ctx.reference.office(&self.office).is_none() {
                    return Flow::Say(Refusal::NoOffice.describe(lang));
                }
                self.draft = Draft::default();
                Flow::Ask(Ask::Text {
                    about: Question::Department.into(),
                    prompt: lang
                        .pick(
                            " 新建验证批次：报送部门名称（Esc 取消） ",
                            " new verification batch: the department (Esc cancels) ",
                        )
                        .into(),
                    initial: String::new(),
                })
            }
            _ => Flow::Stay,
        }
    }

    fn on_answer(
        &mut self,
        about: ScreenQuestion,
        answer: Option<&str>,
        ctx: &mut Ctx<'_>,
    ) -> Flow {
        let lang = ctx.lang;
        let ScreenQuestion::Batches(about) = about else {
            return Flow::Stay;
        };
        let Some(answer) = answer.map(clean_line) else {
            self.draft = Draft::default();
            return Flow::Say(
                lang.pick("已取消，没有新建批次", "cancelled: no batch created")
                    .into(),
            );
        };
        match about {
            Question::Department if answer.is_empty() => {
                Flow::Say(Refusal::DepartmentRequired.describe(lang))
            }
            Question::Department => {
                self.draft.department = answer;
                self.ask_kind(ctx)
            }
            Question::Kind => {
                let kind = match answer.as_str() {
                    "1" => Some(DepartmentKind::Competent),
                    "2" => Some(DepartmentKind::City),
                    "3" => Some(DepartmentKind::Agency),
                    "4" => Some(DepartmentKind::Central),
                    other => DepartmentKind::parse(other),
                };
                match kind {
                    Some(k) => {
                        self.draft.kind = Some(k);
                        self.create("", ctx)
                    }
                    None => Flow::Say(match lang {
                        Lang::Zh => format!(
                            "无法识别的部门类型“{answer}”，应为 1–4 或 {}",
                            DepartmentKind::expected()
                        ),
                        Lang::En => format!(
                            "unknown kind \"{answer}\": 1–4 or {}",
                            DepartmentKind::expected()
                        ),
                    }),
                }
            }
            Question::Override if answer.is_empty() => {
                self.draft = Draft::default();
                Flow::Say(
                    lang.pick(
                        "未填写理由，没有新建批次",
                        "no reason given: no batch created",
                    )
                    .into(),
                )
            }
            Question::Override => self.create(&answer, ctx),
        }
    }

    fn render(&self, f: &mut Frame, area: Rect, view: &View) {
        let lang = view.lang;
        let t = &view.theme;
        let busy = self.list.busy_mark(lang);
        let title = match lang {
            Lang::Zh => format!(" 验证批次 {} 批 {busy}", self.list.total()),
            Lang::En => format!(" Verification batches: {} {busy}", self.list.total()),
        };
        let block = Block::default().borders(Borders::ALL).title(title);
        let inner = block.inner(area);
        f.render_widget(block, area);
        let [header, list, detail] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Min(0),
            Constraint::Length(DETAIL_ROWS),
        ])
        .areas(inner);
        let cols = inner.width as usize;
        f.render_widget(
            Paragraph::new(Span::styled(Self::column_heads(lang, cols), t.header)),
            header,
        );
        self.list.measure(list.height);
        if self.list.rows().is_empty() {
            f.render_widget(
                Paragraph::new(self.list.empty_text(lang, lang.pick(
                    "还没有验证批次。按 n 新建，或用 jijiao import applicants 名册 --batch 部门 导入。",
                    "No verification batches yet. n creates one, or jijiao import applicants FILE --batch DEPT.",
                )))
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
            .map(|(i, s)| {
                let style = if i == cursor {
                    t.selected
                } else {
                    Style::default()
                };
                Line::from(Span::styled(Self::row_text(s, lang, cols), style))
            })
            .collect();
        f.render_widget(Paragraph::new(lines), list);
        let (first, second) = self.detail(lang);
        f.render_widget(
            Paragraph::new(vec![
                Line::from(Span::styled(fit(&first, cols), t.dim)),
                Line::from(Span::styled(fit(&second, cols), t.dim)),
            ]),
            detail,
        );
    }
}
