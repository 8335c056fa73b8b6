//! Programme filings (R4.2): the list, pending first, searched as the clerk types (`Enter` in
//! the search opens the highlighted filing); the attachment-3 form; approve with the approval
//! date, reject with a reason, on the marked rows or the current one; `u` (on any screen)
//! undoes the clerk's last decision. Marks as on every triage list ([`super::marks`]): `t`, `T` with a pattern (status,
//! category, part of the number, name or institution; `+` adds), `;`, and a decision uses up
//! the marks it acted on.
//!
//! R4.3: an approval dated after a training started does not make that training's public hours
//! count, so the confirmation says how many trainings already linked to the filing that is.

use std::cell::Cell;
use std::rc::Rc;

use chrono::NaiveDate;
use ratatui::Frame;
use ratatui::crossterm::event::KeyEvent;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::filing_form::FilingForm;
use super::keys::{Action, Scope};
use super::list::{Count, Lister, Seek, Source};
use super::marks::{Marks, Pattern, Vocabulary, Word};
use super::screen::{Ask, Ctx, Flow, Question as ScreenQuestion, Screen, View};
use super::worker::{Done, JobError};
use crate::domain::dates::parse_date;
use crate::domain::text::{clean_line, fit, fit_tail, width};
use crate::domain::{Category, FilingStatus};
use crate::i18n::{Describe, Lang};
use crate::service::filings::{self as service, Outcome, Problem};
use crate::store::Store;
use crate::store::filing_list::{self, FilingFilter, FilingKey, FilingQuery, FilingRow};

/// The most columns a filing number takes in the list: the province's numbers
/// (湘继教备〔2017〕018号, 22 columns) whole, with room for a longer city prefix; a longer
/// one shows its end, where numbers differ.
const NUMBER_COLS: usize = 26;
/// The institution's column, shown while the name keeps [`MIN_NAME_COLS`] beside it.
const INSTITUTION_COLS: usize = 12;
const MIN_NAME_COLS: usize = 16;

/// What a `T` pattern may say on the Filings screen; any other word is part of the filing
/// number, the training's name or the institution, as the search.
pub const PATTERN: Vocabulary = Vocabulary {
    words: &[
        Word {
            zh: "待审",
            en: "pending",
        },
        Word {
            zh: "已备案",
            en: "approved",
        },
        Word {
            zh: "不予备案",
            en: "rejected",
        },
        Word {
            zh: "公需",
            en: "public",
        },
        Word {
            zh: "专业",
            en: "professional",
        },
    ],
    other: Some(Word {
        zh: "名称/机构",
        en: "name/institution",
    }),
};

/// Adds one (lower-cased) pattern word to `filter`: a status, a category, else part of the
/// number, name or institution.
fn pattern_word(word: &str, filter: &mut FilingFilter) {
    if let Some(s) = FilingStatus::parse(word) {
        filter.status = Some(s);
    } else if let Some(c) = Category::parse(word) {
        filter.category = Some(c);
    } else {
        filter.words.push(word.to_string());
    }
}

/// The questions the filings screen asks, each with the filings (database ids) it decides on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Question {
    /// `T`: a pattern to mark by.
    Pattern,
    /// R4.2 The approval date for these.
    ApprovalDate(Vec<i64>),
    /// R4.3 Approve these as of this date, knowing what it means for trainings already linked?
    Approve(Vec<i64>, NaiveDate),
    /// The reason for rejecting these.
    RejectReason(Vec<i64>),
}

impl From<Question> for ScreenQuestion {
    fn from(q: Question) -> ScreenQuestion {
        ScreenQuestion::Filings(q)
    }
}

/// The filings list ([`Source`]): pending first, searched as typed; with the count of pending
/// ones for the title.
pub struct FilingsSource;

impl Source for FilingsSource {
    type Query = FilingQuery;
    type Row = FilingRow;
    /// Filings pending among those the query matches.
    type Extra = usize;

    fn page(
        store: &Store,
        q: &FilingQuery,
        seek: &Seek<FilingKey>,
        limit: usize,
    ) -> Result<Vec<FilingRow>, JobError> {
        Ok(filing_list::page_by_key(store.conn(), q, seek, limit)?)
    }

    /// Filings are a bureau's programmes: hundreds a year, so counting them stays cheap.
    fn count(store: &Store, q: &FilingQuery) -> Result<Count, JobError> {
        Ok(Count::Exact(filing_list::count(store.conn(), q)?))
    }

    fn extra(
        store: &Store,
        q: &FilingQuery,
        _rows: &[FilingRow],
        _row: usize,
    ) -> Result<usize, JobError> {
        Ok(filing_list::count_pending(store.conn(), q)?)
    }

    fn set_text(q: &mut FilingQuery, text: &str) {
        q.text = text.to_string();
    }
}

pub struct FilingsScreen {
    /// The page on screen, read by key in the list's order; its marks are filing ids, which a
    /// decision applies to when there are any.
    list: Lister<FilingsSource>,
    /// The form tells the list which filing it saved; the cursor goes there.
    saved: Rc<Cell<Option<i64>>>,
    notice: Option<String>,
}

impl Default for FilingsScreen {
    fn default() -> Self {
        FilingsScreen::new()
    }
}

impl FilingsScreen {
    pub fn new() -> FilingsScreen {
        FilingsScreen {
            list: Lister::new(FilingQuery::default()),
            saved: Rc::new(Cell::new(None)),
            notice: None,
        }
    }

    fn selected(&self) -> Option<&FilingRow> {
        self.list.selected()
    }

    /// The page on screen read again at once with the counts (after a decision or a save taken
    /// here); after a save, the cursor goes to the filing saved.
    fn load_page(&mut self, ctx: &mut Ctx<'_>) -> Result<(), String> {
        let err = |e: crate::store::StoreError| e.describe(ctx.lang);
        // One row of the list area shows the selected filing's decision.
        self.list.hint_rows(ctx.page_rows.saturating_sub(1));
        let Some(id) = self.saved.take() else {
            return self.list.reload_now(ctx);
        };
        let conn = ctx.store.conn();
        let mut key = filing_list::key_of(conn, &self.list.query, id).map_err(err)?;
        if key.is_none() && !self.list.query.text.is_empty() {
            // Saved but outside the search: clear it so the clerk sees the filing.
            self.list.set_search("");
            key = filing_list::key_of(conn, &self.list.query, id).map_err(err)?;
        }
        match key {
            Some(key) => {
                self.list.reload_on(key, ctx)?;
                self.notice = Some(match ctx.lang {
                    Lang::Zh => "已保存。y 准予备案，x 不予备案，e 修改".into(),
                    Lang::En => "Saved. y approves, x rejects, e edits".into(),
                });
                Ok(())
            }
            None => self.list.reload_now(ctx),
        }
        // Marks on filings that are gone stay harmless: the service skips what is missing.
    }

    /// The marked rows, or the current one when none is marked; after `;` (`armed`) the marked
    /// ones or none.
    fn targets(&self, armed: bool) -> Vec<i64> {
        self.list
            .marks
            .targets(self.selected().map(|r| r.id), armed)
    }

    /// `T`: the filings matching every word of the pattern, within the search, replace the marks
    /// (or join them after `+`); no match leaves them; empty clears.
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
        let mut filter = FilingFilter::default();
        for w in &pattern.words {
            pattern_word(w, &mut filter);
        }
        let query = self.list.query.clone();
        Flow::Say(self.list.mark_found(
            pattern,
            move |store| Ok(filing_list::ids(store.conn(), &query, &filter)?),
            ctx,
        ))
    }

    /// No row to act on; after `;` (`armed`) because nothing is marked.
    fn nothing_selected(armed: bool, lang: Lang) -> Flow {
        if armed {
            return Flow::Say(Marks::nothing_to_arm(lang));
        }
        Flow::Say(lang.pick("没有选中的备案", "no filing selected").into())
    }

    fn open_form(&self, id: Option<i64>) -> Flow {
        Flow::Push(Box::new(FilingForm::new(id).notify(self.saved.clone())))
    }

    fn ask_approval_date(&mut self, armed: bool, ctx: &Ctx<'_>) -> Flow {
        let ids = self.targets(armed);
        if ids.is_empty() {
            return Self::nothing_selected(armed, ctx.lang);
        }
        let prompt = match ctx.lang {
            Lang::Zh => format!(" 准予备案 {} 件：备案日期（默认今天） ", ids.len()),
            Lang::En => format!(" Approve {}: approval date (default today) ", ids.len()),
        };
        Flow::Ask(Ask::text(
            Question::ApprovalDate(ids),
            prompt,
            ctx.actor.today().to_string(),
        ))
    }

    /// R4.3 The confirmation, with what the date means for the trainings already linked.
    fn confirm_approval(&mut self, ids: Vec<i64>, text: &str, ctx: &mut Ctx<'_>) -> Flow {
        let lang = ctx.lang;
        let Ok(on) = parse_date(text) else {
            return Flow::Say(match lang {
                Lang::Zh => format!("“{}”不是有效日期，未作处理", clean_line(text)),
                Lang::En => format!("\"{}\" is not a date; nothing done", clean_line(text)),
            });
        };
        if on > ctx.actor.today() {
            return Flow::Say(Problem::FutureDate(on).describe(lang));
        }
        let started = match filing_list::entries_started_before(ctx.store.conn(), &ids, on) {
            Ok(s) => s,
            Err(e) => return Flow::Say(e.describe(lang)),
        };
        let n = ids.len();
        // The consequence first, so it is read before the answer; it fits one line of the box.
        let mut question = String::new();
        if started.public > 0 {
            question = match lang {
                Lang::Zh => format!(
                    "此备案下已有 {} 条培训开始于备案日期之前，其公需学时不予确认。 ",
                    started.public
                ),
                Lang::En => format!(
                    "{} trainings under it started before {on}: their public hours will not count. ",
                    started.public
                ),
            };
        } else if started.professional > 0 {
            question = match lang {
                Lang::Zh => format!(
                    "此备案下已有 {} 条专业科目培训开始于备案日期之前，登记须明确确认。 ",
                    started.professional
                ),
                Lang::En => format!(
                    "{} professional trainings under it started before {on}: registering them needs a confirmation. ",
                    started.professional
                ),
            };
        }
        question.push_str(&match lang {
            Lang::Zh => format!("准予备案 {n} 件，备案日期 {on}？"),
            Lang::En => format!("Approve {n} as of {on}?"),
        });
        Flow::Ask(Ask::confirm(Question::Approve(ids, on), question))
    }

    fn ask_reject_reason(&mut self, armed: bool, lang: Lang) -> Flow {
        let ids = self.targets(armed);
        if ids.is_empty() {
            return Self::nothing_selected(armed, lang);
        }
        let prompt = match lang {
            Lang::Zh => format!(" 不予备案 {} 件：理由 ", ids.len()),
            Lang::En => format!(" Reject {}: reason ", ids.len()),
        };
        Flow::Ask(Ask::text(
            Question::RejectReason(ids),
            prompt,
            String::new(),
        ))
    }

    /// The decision on `ids` is taken: their marks are used up, and the clerk is told.
    fn report(
        &mut self,
        what: &str,
        ids: &[i64],
        out: &Outcome,
        lang: Lang,
        ctx: &mut Ctx<'_>,
    ) -> Flow {
        self.list.marks.decided(ids, out.applied.len());
        let mut msg = match lang {
            Lang::Zh => format!("{what} {} 件", out.applied.len()),
            Lang::En => format!("{what}: {}", out.applied.len()),
        };
        if let Some((_, why)) = out.skipped.first() {
            msg.push_str(&match lang {
                Lang::Zh => format!("；跳过 {} 件（{}）", out.skipped.len(), why.describe(lang)),
                Lang::En => format!("; skipped {} ({})", out.skipped.len(), why.describe(lang)),
            });
        }
        if !out.applied.is_empty() {
            msg.push_str(lang.pick("。u 撤销", ". u undoes"));
        }
        if let Err(e) = self.load_page(ctx) {
            return Flow::Say(e);
        }
        Flow::Say(msg)
    }

    fn dates_text(row: &FilingRow) -> String {
        let (s, e) = (row.start_date, row.end_date);
        if s == e {
            s.to_string()
        } else if s.format("%Y").to_string() == e.format("%Y").to_string() {
            format!("{s}~{}", e.format("%m-%d"))
        } else {
            format!("{s}~{e}")
        }
    }

    /// The selected filing's decision: who, when, why (R5.5).
    fn detail(row: &FilingRow, lang: Lang) -> String {
        let who = row
            .decided_by
            .as_deref()
            .map(clean_line)
            .unwrap_or_default();
        let when = row
            .decided_at
            .as_deref()
            .map(|s| s.chars().take(10).collect::<String>())
            .unwrap_or_default();
        let unit = clean_line(&row.applicant_unit);
        match (row.status, lang) {
            (FilingStatus::Pending, Lang::Zh) => format!("待审 · 申报单位：{unit}"),
            (FilingStatus::Pending, Lang::En) => format!("pending · applicant: {unit}"),
            (FilingStatus::Approved, Lang::Zh) => format!(
                "{who} {when} 准予备案，备案日期 {} · 申报单位：{unit}",
                row.approved_on.map(|d| d.to_string()).unwrap_or_default()
            ),
            (FilingStatus::Approved, Lang::En) => format!(
                "approved as of {} by {who} on {when} · applicant: {unit}",
                row.approved_on.map(|d| d.to_string()).unwrap_or_default()
            ),
            (FilingStatus::Rejected, Lang::Zh) => {
                format!("{who} {when} 不予备案：{}", clean_line(&row.reason))
            }
            (FilingStatus::Rejected, Lang::En) => {
                format!("rejected by {who} on {when}: {}", clean_line(&row.reason))
            }
        }
    }
}

impl Screen for FilingsScreen {
    fn scopes(&self) -> &'static [Scope] {
        &[Scope::Filings, Scope::List]
    }

    fn title(&self, lang: Lang) -> String {
        lang.pick("备案", "Filings").into()
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
        // Back from the form with a filing just saved: that save ran here, and the cursor goes
        // to it at once.
        if self.saved.get().is_some() {
            return self.load_page(ctx);
        }
        self.list.hint_rows(ctx.page_rows.saturating_sub(1));
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
        self.notice = None;
        let lang = ctx.lang;
        // `;` holds across moves of the cursor and is spent by the next other action.
        let armed = self.list.marks.armed_for(action);
        if let Some(flow) = self.list.on_action(action, armed, ctx) {
            return flow;
        }
        match action {
            Action::New => self.open_form(None),
            // The footer says Enter opens, and so it does from the search field: the search
            // ends and the highlighted filing opens (with nothing highlighted the field stays).
            Action::Open | Action::Edit => match self.selected() {
                Some(r) => {
                    let id = r.id;
                    self.list.searching = false;
                    self.open_form(Some(id))
                }
                None => Self::nothing_selected(false, lang),
            },
            Action::Mark => {
                let id = self.selected().map(|r| r.id);
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
                    "：y 准予备案 x 不予备案（Esc 取消）",
                    ": y approves, x rejects (Esc cancels)",
                ),
            )),
            Action::Approve => self.ask_approval_date(armed, ctx),
            Action::Reject => self.ask_reject_reason(armed, lang),
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
        let ScreenQuestion::Filings(about) = about else {
            return Flow::Stay;
        };
        match (about, answer) {
            (Question::Pattern, Some(text)) => self.mark_pattern(text, ctx),
            (Question::Pattern, None) => Flow::Say(
                lang.pick("已取消，标记未变", "cancelled: marks unchanged")
                    .into(),
            ),
            (Question::ApprovalDate(ids), Some(text)) => self.confirm_approval(ids, text, ctx),
            (Question::Approve(ids, on), Some(_)) => {
                match service::approve(ctx.store, ctx.actor, &ids, on) {
                    Ok(out) => {
                        let what = match lang {
                            Lang::Zh => format!("已准予备案（备案日期 {on}）"),
                            Lang::En => format!("approved as of {on}"),
                        };
                        self.report(&what, &ids, &out, lang, ctx)
                    }
                    Err(e) => Flow::Say(e.describe(lang)),
                }
            }
            (Question::RejectReason(ids), Some(reason)) => {
                match service::reject(ctx.store, ctx.actor, &ids, reason) {
                    Ok(out) => {
                        self.report(lang.pick("已不予备案", "rejected"), &ids, &out, lang, ctx)
                    }
                    Err(e) => Flow::Say(match lang {
                        Lang::Zh => format!("{}，未作处理", e.describe(lang)),
                        Lang::En => format!("{}; nothing done", e.describe(lang)),
                    }),
                }
            }
            (_, None) => Flow::Say(
                lang.pick("已取消，未作处理", "cancelled; nothing done")
                    .into(),
            ),
        }
    }

    fn render(&self, f: &mut Frame, area: Rect, view: &View) {
        let lang = view.lang;
        let t = &view.theme;
        let mut title = match lang {
            Lang::Zh => format!(" 备案 {} 件 · 待审 {} ", self.list.total(), self.list.extra),
            Lang::En => format!(
                " Filings: {} · pending {} ",
                self.list.total(),
                self.list.extra
            ),
        };
        let marks = &self.list.marks;
        if marks.is_armed() {
            title.push_str(&format!("· {} ", marks.armed_label(lang)));
        } else if !marks.is_empty() {
            title.push_str(&match lang {
                Lang::Zh => format!("· 已标记 {} ", marks.len()),
                Lang::En => format!("· marked {} ", marks.len()),
            });
        }
        title.push_str(&self.list.busy_mark(lang));
        let block = Block::default().borders(Borders::ALL).title(title);
        let inner = block.inner(area);
        f.render_widget(block, area);
        let [search_row, header, list, detail] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Min(0),
            Constraint::Length(1),
        ])
        .areas(inner);

        let label = lang.pick("搜索/ ", "search/ ");
        let label_w = width(label) as u16;
        f.render_widget(Paragraph::new(Span::styled(label, t.key)), search_row);
        self.list.search.render(
            f,
            Rect {
                x: search_row.x + label_w,
                width: search_row.width.saturating_sub(label_w),
                ..search_row
            },
            Style::default(),
            self.list.searching,
        );

        // Tester's fault 3: the number whole (湘继教备〔2017〕018号 is 22 columns), as wide as
        // the widest on the page; the status as wide as its longest label (the approval date is
        // in the line under the list); category 4 and dates 16, a space between columns. What
        // is left goes to the name. The institution takes 12 of it while the name keeps 16;
        // else it is left out of the rows and named in the line under the list.
        let w = inner.width as usize;
        let (no_head, name_head, cat_head, inst_head, dates_head, status_head) = match lang {
            Lang::Zh => (
                "备案编号",
                "培训名称",
                "类别",
                "培训机构",
                "培训时间",
                "状态",
            ),
            Lang::En => ("No.", "Training", "Cat.", "Institution", "Dates", "Status"),
        };
        let no_w = self
            .list
            .rows()
            .iter()
            .map(|r| width(&clean_line(&r.filing_no)))
            .chain(std::iter::once(width(no_head)))
            .max()
            .unwrap_or(0)
            .min(NUMBER_COLS);
        let status_w = [
            FilingStatus::Pending,
            FilingStatus::Approved,
            FilingStatus::Rejected,
        ]
        .iter()
        .map(|s| width(s.label(lang)))
        .chain(std::iter::once(width(status_head)))
        .max()
        .unwrap_or(0);
        let rest = w.saturating_sub(1 + no_w + 4 + 16 + status_w + 5);
        let inst_w = if rest >= MIN_NAME_COLS + 1 + INSTITUTION_COLS {
            INSTITUTION_COLS
        } else {
            0
        };
        let name_w = if inst_w > 0 { rest - inst_w - 1 } else { rest };
        let cols =
            |mark: &str, no: &str, name: &str, cat: &str, inst: &str, dates: &str, status: &str| {
                let inst = if inst_w > 0 {
                    format!(" {}", fit(inst, inst_w))
                } else {
                    String::new()
                };
                format!(
                    "{mark} {} {} {}{inst} {} {}",
                    // A number longer than the column: its end, where numbers differ.
                    fit_tail(no, no_w),
                    fit(name, name_w),
                    fit(cat, 4),
                    fit(dates, 16),
                    fit(status, status_w)
                )
            };
        let head = cols(
            " ",
            no_head,
            name_head,
            cat_head,
            inst_head,
            dates_head,
            status_head,
        );
        f.render_widget(Paragraph::new(Span::styled(head, t.header)), header);

        self.list.measure(list.height);
        if self.list.rows().is_empty() {
            let empty = if self.list.query.text.is_empty() {
                lang.pick(
                    "还没有备案。按 n 按附件3填写新备案，或用 jijiao import filings 导入。",
                    "No filings yet. Press n to fill in attachment 3, or import them with jijiao import filings.",
                )
            } else {
                lang.pick(
                    "没有符合条件的备案。Esc 清除搜索。",
                    "No filing matches. Esc clears the search.",
                )
            };
            f.render_widget(
                Paragraph::new(self.list.empty_text(lang, empty))
                    .wrap(ratatui::widgets::Wrap { trim: true }),
                list,
            );
            return;
        }
        let lines: Vec<Line> = self
            .list
            .rows()
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let marked = self.list.marks.contains(r.id);
                let cat = match (r.category, lang) {
                    (c, Lang::Zh) => c.zh(),
                    (Category::Public, Lang::En) => "pub",
                    (Category::Professional, Lang::En) => "pro",
                };
                let text = cols(
                    if marked { "*" } else { " " },
                    &clean_line(&r.filing_no),
                    &clean_line(&r.name),
                    cat,
                    &clean_line(&r.institution),
                    &Self::dates_text(r),
                    r.status.label(lang),
                );
                let mut style = match r.status {
                    FilingStatus::Pending => Style::default(),
                    FilingStatus::Approved => t.good,
                    FilingStatus::Rejected => t.dim,
                };
                if marked {
                    style = style.patch(t.marked);
                }
                if i == self.list.row() {
                    style = style.patch(t.selected);
                }
                Line::from(Span::styled(text, style))
            })
            .collect();
        f.render_widget(Paragraph::new(lines), list);

        let text = match (&self.notice, self.selected()) {
            (Some(n), _) => n.clone(),
            // The institution not in the rows: named here, for the filing under the cursor.
            (None, Some(r)) if inst_w == 0 => {
                format!("{} · {}", clean_line(&r.institution), Self::detail(r, lang))
            }
            (None, Some(r)) => Self::detail(r, lang),
            (None, None) => String::new(),
        };
        f.render_widget(
            Paragraph::new(Span::styled(fit(&text, detail.width as usize), t.dim)),
            detail,
        );
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;
    use ratatui::crossterm::event::KeyCode;

    use crate::domain::FilingStatus;
    use crate::i18n::Lang;
    use crate::service::filings::{sample_filing, save_filing};
    use crate::service::fixtures::{ZHANG, actor, source, store_with, table};
    use crate::store::Store;
    use crate::tui::filing_form::tests::{fill_new_filing, screen, shows};
    use crate::tui::testing::Driver;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    /// status, approved_on, decided_by, reason of the filing numbered `no`.
    fn decision(store: &Store, no: &str) -> (String, Option<String>, Option<String>, String) {
        store
            .conn()
            .query_row(
                "SELECT status, approved_on, decided_by, reason FROM filings WHERE filing_no = ?1",
                [no],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .unwrap()
    }

    fn audit(store: &Store) -> Vec<(String, String, String)> {
        let mut stmt = store
            .conn()
            .prepare(
                "SELECT user, action, subject FROM audit WHERE action LIKE 'filing.%' ORDER BY id",
            )
            .unwrap();
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .map(|r| r.unwrap())
            .collect()
    }

    /// Filings saved by another clerk: 2017-001 (training from 2017-08-01) and 2017-002 (from
    /// 2017-05-01, a professional one).
    fn store_with_filings() -> Store {
        let mut store = Store::open_in_memory().unwrap();
        let a = actor("lisi");
        save_filing(&mut store, &a, &sample_filing("2017-001")).unwrap();
        let mut two = sample_filing("2017-002");
        two.name = "临床医学新进展研修班".into();
        two.institution = "湖南省医学会".into();
        two.category = crate::domain::Category::Professional;
        two.start_date = d(2017, 5, 1);
        two.end_date = d(2017, 5, 2);
        save_filing(&mut store, &a, &two).unwrap();
        store
    }

    /// Tester's fault 3: the province's filing numbers (22 columns) are read whole at 80
    /// columns, the status column is as wide as its longest label, and the name takes the
    /// room left — more than the six characters it had — in both languages.
    #[test]
    fn filing_numbers_are_whole_and_the_name_takes_the_room_left() {
        let filings = || {
            let mut store = Store::open_in_memory().unwrap();
            let a = actor("lisi");
            let mut one = sample_filing("湘继教备〔2017〕018号");
            one.name = "信息技术与学科教学融合网络研修".into();
            let id = save_filing(&mut store, &a, &one).unwrap();
            let mut two = sample_filing("湘继教备〔2017〕019号");
            two.name = "临床医学新进展研修班".into();
            save_filing(&mut store, &a, &two).unwrap();
            crate::service::filings::approve(&mut store, &a, &[id], d(2017, 7, 10)).unwrap();
            store
        };
        for lang in [Lang::Zh, Lang::En] {
            let mut dr = Driver::new(filings(), lang);
            dr.key(KeyCode::Char('3'));
            let s = screen(&mut dr);
            let row = |no: &str| {
                s.lines()
                    .find(|l| l.contains(no))
                    .unwrap_or_default()
                    .to_string()
            };
            let (approved, pending) = match lang {
                Lang::Zh => ("已备案", "待审"),
                Lang::En => ("approved", "pending"),
            };
            // Eleven characters of the name and “…”, where six were.
            let first = row("湘继教备〔2017〕018号");
            assert!(
                first.contains("湘继教备〔2017〕018号 信息技术与学科教学融合…"),
                "{s}"
            );
            assert!(first.contains(approved), "{s}");
            let second = row("湘继教备〔2017〕019号");
            assert!(second.contains("临床医学新进展研修班"), "{s}");
            assert!(second.contains(pending), "{s}");
            // The institution, no longer in the rows, is named for the filing under the cursor.
            assert!(s.lines().any(|l| l.starts_with("│湖南师范大学 · ")), "{s}");
        }
        // On a wider terminal the institution has its column again.
        let mut dr = Driver::sized(filings(), Lang::Zh, 110, 24);
        dr.key(KeyCode::Char('3'));
        let s = screen(&mut dr);
        assert!(s.contains("培训机构"), "{s}");
        assert!(s.contains("信息技术与学科教学融合网络研修 "), "{s}");
        assert!(
            s.contains("公需 湖南师范大学 2017-08-01~08-03 已备案"),
            "{s}"
        );
    }

    /// The help lists the pattern's words: each must set a status or a category, not fall
    /// through to part of a name.
    #[test]
    fn every_pattern_word_the_help_lists_is_one_the_parser_knows() {
        for w in super::PATTERN.words {
            for s in [w.zh, w.en] {
                let mut f = crate::store::filing_list::FilingFilter::default();
                super::pattern_word(&s.to_lowercase(), &mut f);
                assert!(f.words.is_empty(), "{s}");
                assert!(f.status.is_some() || f.category.is_some(), "{s}");
            }
        }
    }

    #[test]
    fn r4_2_a_typed_filing_is_listed_pending_and_approved_with_a_date() {
        let mut dr = Driver::new(Store::open_in_memory().unwrap(), Lang::Zh);
        dr.key(KeyCode::Char('3'));
        fill_new_filing(&mut dr);
        dr.ctrl('s');
        assert!(
            shows(&mut dr, "2017-001 2017年公需科目培训班"),
            "{}",
            screen(&mut dr)
        );
        assert!(shows(&mut dr, "待审"));
        insta::assert_snapshot!("filings_zh", screen(&mut dr));

        // y: the approval date, today by default; the clerk types the real one.
        dr.key(KeyCode::Char('y'));
        assert!(
            shows(&mut dr, "备案日期（默认今天）"),
            "{}",
            screen(&mut dr)
        );
        assert!(shows(&mut dr, "2017-07-15"), "{}", screen(&mut dr));
        dr.ctrl('u').keys("2017-07-10").key(KeyCode::Enter);
        assert!(
            shows(&mut dr, "准予备案 1 件，备案日期 2017-07-10？"),
            "{}",
            screen(&mut dr)
        );
        dr.key(KeyCode::Char('y'));
        assert!(shows(&mut dr, "已备案"), "{}", screen(&mut dr));
        // The approval date in the line under the list, the status column its label.
        assert!(
            shows(&mut dr, "wangfang 2017-07-15 准予备案，备案日期 2017-07-10"),
            "{}",
            screen(&mut dr)
        );

        let store = dr.app.store();
        assert_eq!(
            decision(store, "2017-001"),
            (
                "approved".into(),
                Some("2017-07-10".into()),
                Some("wangfang".into()),
                String::new()
            )
        );
        assert_eq!(
            audit(store),
            [
                (
                    "wangfang".into(),
                    "filing.create".into(),
                    "filing:2017-001".into()
                ),
                (
                    "wangfang".into(),
                    "filing.approve".into(),
                    "filing:2017-001".into()
                ),
            ]
        );
    }

    #[test]
    fn r4_3_the_confirmation_says_which_trainings_an_approval_comes_too_late_for() {
        let mut store = store_with(&[]);
        let a = actor("lisi");
        let mut f = sample_filing("2017-001");
        f.start_date = d(2017, 5, 1);
        f.end_date = d(2017, 6, 30);
        save_filing(&mut store, &a, &f).unwrap();
        crate::service::import::entries(
            &mut store,
            &a,
            &table(
                "身份证号,科目类别,学习形式,培训内容,施教机构,开始日期,结束日期,学时,考核结果,备案编号",
                &[
                    &format!("{ZHANG},公需,培训班,保密教育,湖南师范大学,2017-05-10,2017-05-11,12,合格,2017-001"),
                    &format!("{ZHANG},公需,培训班,保密教育二,湖南师范大学,2017-06-20,2017-06-21,12,合格,2017-001"),
                ],
            ),
            &source(),
            false,
            false,
        )
        .unwrap();
        let mut dr = Driver::new(store, Lang::Zh);
        dr.key(KeyCode::Char('3')).key(KeyCode::Char('y'));
        dr.ctrl('u').keys("2017-06-01").key(KeyCode::Enter);
        assert!(
            shows(
                &mut dr,
                "此备案下已有 1 条培训开始于备案日期之前，其公需学时不予确认"
            ),
            "{}",
            screen(&mut dr)
        );
        // n: nothing is decided.
        dr.key(KeyCode::Char('n'));
        assert_eq!(decision(dr.app.store(), "2017-001").0, "pending");
        assert_eq!(dr.app.message(), "已取消，未作处理");
    }

    #[test]
    fn r4_2_reject_asks_a_reason_an_empty_one_rejects_nothing_and_undo_restores_pending() {
        let mut dr = Driver::new(store_with_filings(), Lang::Zh);
        dr.key(KeyCode::Char('3')).key(KeyCode::Char('x'));
        assert!(shows(&mut dr, "不予备案 1 件：理由"), "{}", screen(&mut dr));
        dr.key(KeyCode::Enter);
        assert_eq!(dr.app.message(), "不予备案须填写理由，未作处理");
        assert_eq!(decision(dr.app.store(), "2017-002").0, "pending");

        // The first row is the pending training that starts soonest: 2017-002.
        dr.key(KeyCode::Char('x'))
            .keys("培训计划不完整")
            .key(KeyCode::Enter);
        assert_eq!(
            decision(dr.app.store(), "2017-002"),
            (
                "rejected".into(),
                None,
                Some("wangfang".into()),
                "培训计划不完整".into()
            )
        );
        // Decided filings go below the pending one.
        dr.key(KeyCode::Char('G'));
        assert!(
            shows(&mut dr, "不予备案：培训计划不完整"),
            "{}",
            screen(&mut dr)
        );

        dr.key(KeyCode::Char('u'));
        assert_eq!(
            dr.app.message(),
            "已撤销：不予备案 1 件（2017-002 临床医学新进展研修班）"
        );
        assert_eq!(
            decision(dr.app.store(), "2017-002"),
            ("pending".into(), None, None, String::new())
        );
        let actions: Vec<String> = audit(dr.app.store()).into_iter().map(|a| a.1).collect();
        assert_eq!(
            actions,
            [
                "filing.create",
                "filing.create",
                "filing.reject",
                "filing.undo"
            ],
            "the undo is recorded, the rejection is not erased"
        );
        dr.key(KeyCode::Char('u'));
        assert_eq!(dr.app.message(), "没有可撤销的决定");
    }

    #[test]
    fn marked_rows_are_approved_together_and_search_finds_by_number_name_or_institution() {
        let mut dr = Driver::new(store_with_filings(), Lang::En);
        dr.key(KeyCode::Char('3'));
        dr.key(KeyCode::Char('/')).keys("医学会");
        assert!(
            shows(&mut dr, "Filings: 1 · pending 1"),
            "{}",
            screen(&mut dr)
        );
        dr.key(KeyCode::Esc).key(KeyCode::Esc);
        assert!(
            shows(&mut dr, "Filings: 2 · pending 2"),
            "{}",
            screen(&mut dr)
        );
        dr.key(KeyCode::Char('/')).keys("002");
        assert!(shows(&mut dr, "Filings: 1"), "{}", screen(&mut dr));
        dr.key(KeyCode::Esc).key(KeyCode::Esc);

        dr.key(KeyCode::Char('t')).key(KeyCode::Char('t'));
        assert!(shows(&mut dr, "marked 2"), "{}", screen(&mut dr));
        dr.key(KeyCode::Char('y')).key(KeyCode::Enter);
        assert!(
            shows(&mut dr, "Approve 2 as of 2017-07-15?"),
            "{}",
            screen(&mut dr)
        );
        dr.key(KeyCode::Char('y'));
        for no in ["2017-001", "2017-002"] {
            assert_eq!(decision(dr.app.store(), no).0, "approved");
        }
        assert!(!shows(&mut dr, "marked"), "marks clear once applied");
        insta::assert_snapshot!("filings_en", screen(&mut dr));

        // One undo takes back the one decision on both.
        dr.key(KeyCode::Char('u'));
        for no in ["2017-001", "2017-002"] {
            assert_eq!(decision(dr.app.store(), no).0, "pending");
        }
        let status =
            crate::store::filing_list::page(dr.app.store().conn(), &Default::default(), 0, 5)
                .unwrap();
        assert!(status.iter().all(|r| r.status == FilingStatus::Pending));
    }
}
