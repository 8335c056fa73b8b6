//! The attachment-3 form (湖南省专业技术人员公需科目培训备案表, R4.2), laid out as the paper form is:
//! applicant unit, institution, address with post code and e-mail, person in charge and contact
//! with post and phone, training name, place, dates, intended trainees, category, then the
//! programme (培训方案) and schedule (培训计划) as multi-line text.
//!
//! Fields validate as they are left; `Ctrl-S` saves from anywhere. At 80×24 every field shows;
//! on a smaller terminal the form scrolls to keep the focused field in view.

use std::cell::Cell;
use std::rc::Rc;

use chrono::{Datelike, NaiveDate};
use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::{Alignment, Position, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use ratatui_textarea::{TextArea, WrapMode};

use super::input::LineInput;
use super::keys::{Action, Scope};
use super::screen::{Ctx, Flow, Screen, View};
use crate::domain::dates::parse_date;
use crate::domain::filing::{ApprovedTerm, approval_lapses};
use crate::domain::text::{clean_line, clean_multiline, fit, width};
use crate::domain::{Category, Filing, FilingStatus};
use crate::i18n::{Describe, Lang};
use crate::service::ServiceError;
use crate::service::filings::{
    FilingField, FilingSaved, Problem, check_text, create_filing, save_filing, update_filing,
};
use crate::store::{filing_list, filings};

use FilingField as F;

/// Focus order: the order of the paper form.
const ORDER: [FilingField; 20] = [
    F::FilingNo,
    F::ApplicantUnit,
    F::Institution,
    F::Address,
    F::PostCode,
    F::Email,
    F::Head,
    F::HeadPost,
    F::HeadPhone,
    F::Contact,
    F::ContactPost,
    F::ContactPhone,
    F::Name,
    F::Place,
    F::StartDate,
    F::EndDate,
    F::Trainees,
    F::Category,
    F::Programme,
    F::Schedule,
];

/// The one-line text fields (every field but the category and the two long texts).
const LINES: usize = 17;

fn line_index(field: FilingField) -> Option<usize> {
    ORDER[..LINES].iter().position(|f| *f == field)
}

/// How wide an input is within its row.
#[derive(Clone, Copy)]
enum Width {
    Fixed(u16),
    /// A share of what the fixed ones leave.
    Flex(u16),
}

/// One row of the paper form: its fields, the first labelled in the label column, the others
/// inline.
struct RowSpec {
    fields: &'static [(FilingField, Width)],
    /// The label of the row when it is not the first field's (预计培训时间).
    label: Option<fn(Lang) -> &'static str>,
}

fn dates_label(lang: Lang) -> &'static str {
    lang.pick("预计培训时间", "Dates")
}

const ROWS: &[RowSpec] = &[
    RowSpec {
        fields: &[(F::FilingNo, Width::Fixed(28))],
        label: None,
    },
    RowSpec {
        fields: &[(F::ApplicantUnit, Width::Flex(1))],
        label: None,
    },
    RowSpec {
        fields: &[(F::Institution, Width::Flex(1))],
        label: None,
    },
    RowSpec {
        fields: &[
            (F::Address, Width::Flex(5)),
            (F::PostCode, Width::Fixed(6)),
            (F::Email, Width::Flex(4)),
        ],
        label: None,
    },
    RowSpec {
        fields: &[
            (F::Head, Width::Flex(3)),
            (F::HeadPost, Width::Flex(3)),
            (F::HeadPhone, Width::Flex(5)),
        ],
        label: None,
    },
    RowSpec {
        fields: &[
            (F::Contact, Width::Flex(3)),
            (F::ContactPost, Width::Flex(3)),
            (F::ContactPhone, Width::Flex(5)),
        ],
        label: None,
    },
    RowSpec {
        fields: &[(F::Name, Width::Flex(1))],
        label: None,
    },
    RowSpec {
        fields: &[(F::Place, Width::Flex(1))],
        label: None,
    },
    RowSpec {
        fields: &[
            (F::StartDate, Width::Fixed(12)),
            (F::EndDate, Width::Fixed(12)),
        ],
        label: Some(dates_label),
    },
    RowSpec {
        fields: &[
            (F::Trainees, Width::Flex(1)),
            (F::Category, Width::Fixed(6)),
        ],
        label: None,
    },
    RowSpec {
        fields: &[(F::Programme, Width::Flex(1))],
        label: None,
    },
    RowSpec {
        fields: &[(F::Schedule, Width::Flex(1))],
        label: None,
    },
];

/// Rows of the form before the two long texts.
const SHORT_ROWS: u16 = 10;

fn row_of(field: FilingField) -> usize {
    ROWS.iter()
        .position(|r| r.fields.iter().any(|(f, _)| *f == field))
        .unwrap_or(0)
}

/// The label of a field inside its row (the second and third of a row).
fn inline_label(field: FilingField, lang: Lang) -> &'static str {
    match field {
        F::EndDate => lang.pick("至", "to"),
        other => other.label(lang),
    }
}

/// The category shows as ‹公需›: as wide as its longest name.
fn category_cols(lang: Lang) -> u16 {
    Category::ALL
        .iter()
        .map(|c| width(c.label(lang)) as u16 + 2)
        .max()
        .unwrap_or(6)
}

fn label_cols(lang: Lang) -> u16 {
    // ">" + the widest row label + "*" + a space.
    match lang {
        Lang::Zh => 1 + 14 + 2,
        Lang::En => 1 + 17 + 2,
    }
}

/// The changed terms of an approval, for a message ("开始日期、培训机构").
fn terms(changed: &[ApprovedTerm], lang: Lang) -> String {
    changed
        .iter()
        .map(|t| t.label(lang))
        .collect::<Vec<_>>()
        .join(lang.pick("、", ", "))
}

/// Everything the clerk can change, to tell whether the form was edited.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Values {
    lines: Vec<String>,
    category: Category,
    programme: String,
    schedule: String,
}

pub struct FilingForm {
    /// The filing being edited; `None` for a new one.
    id: Option<i64>,
    lines: Vec<LineInput>,
    category: Category,
    programme: TextArea<'static>,
    schedule: TextArea<'static>,
    focus: usize,
    /// Problems found as fields were left, by field.
    problems: Vec<(FilingField, Problem)>,
    /// The field left last: its problem is the one the message line names.
    left: Option<FilingField>,
    initial: Values,
    /// The decision of the filing being edited, for the title.
    decision: Option<(FilingStatus, Option<NaiveDate>)>,
    /// The filing saved last, which `Ctrl-P` copies a field from.
    previous: Option<Filing>,
    /// Where to tell the list which filing was saved.
    saved: Option<Rc<Cell<Option<i64>>>>,
    loaded: bool,
    /// The filing as the form opened it, so a save can tell whether another clerk changed it.
    opened: Option<Filing>,
}

fn textarea(text: &str) -> TextArea<'static> {
    let mut t = TextArea::new(if text.is_empty() {
        vec![String::new()]
    } else {
        text.lines().map(str::to_string).collect()
    });
    // CJK text has no spaces: wrap at words where there are some, else anywhere.
    t.set_wrap_mode(WrapMode::WordOrGlyph);
    t.set_cursor_line_style(Style::default());
    t
}

fn textarea_text(t: &TextArea<'_>) -> String {
    t.lines().join("\n")
}

impl FilingForm {
    /// A new filing (`None`) or the filing `id` to edit.
    pub fn new(id: Option<i64>) -> FilingForm {
        let mut form = FilingForm {
            id,
            lines: vec![LineInput::default(); LINES],
            category: Category::Public,
            programme: textarea(""),
            schedule: textarea(""),
            focus: 0,
            problems: Vec::new(),
            left: None,
            initial: Values {
                lines: vec![String::new(); LINES],
                category: Category::Public,
                programme: String::new(),
                schedule: String::new(),
            },
            decision: None,
            previous: None,
            saved: None,
            loaded: false,
            opened: None,
        };
        if id.is_some() {
            // The number is the filing's key: it is shown, not edited.
            form.focus = 1;
        }
        form.style_textareas();
        form
    }

    /// Tell `saved` the id of the filing once it is saved (the list puts its cursor there).
    pub fn notify(mut self, saved: Rc<Cell<Option<i64>>>) -> FilingForm {
        self.saved = Some(saved);
        self
    }

    fn field(&self) -> FilingField {
        ORDER[self.focus]
    }

    fn text(&self, field: FilingField) -> &str {
        line_index(field).map_or("", |i| self.lines[i].text())
    }

    fn values(&self) -> Values {
        Values {
            lines: self.lines.iter().map(|l| l.text().to_string()).collect(),
            category: self.category,
            programme: textarea_text(&self.programme),
            schedule: textarea_text(&self.schedule),
        }
    }

    fn set_values(&mut self, v: &Values) {
        for (input, text) in self.lines.iter_mut().zip(&v.lines) {
            input.set(text);
        }
        self.category = v.category;
        self.programme = textarea(&v.programme);
        self.schedule = textarea(&v.schedule);
        self.style_textareas();
    }

    fn values_of(f: &Filing) -> Values {
        let mut lines = vec![String::new(); LINES];
        let mut put = |field: FilingField, s: &str| {
            if let Some(i) = line_index(field) {
                lines[i] = s.to_string();
            }
        };
        put(F::FilingNo, &f.filing_no);
        put(F::ApplicantUnit, &f.applicant_unit);
        put(F::Institution, &f.institution);
        put(F::Address, &f.address);
        put(F::PostCode, &f.post_code);
        put(F::Email, &f.email);
        put(F::Head, &f.head);
        put(F::HeadPost, &f.head_post);
        put(F::HeadPhone, &f.head_phone);
        put(F::Contact, &f.contact);
        put(F::ContactPost, &f.contact_post);
        put(F::ContactPhone, &f.contact_phone);
        put(F::Name, &f.name);
        put(F::Place, &f.place);
        put(F::StartDate, &f.start_date.to_string());
        put(F::EndDate, &f.end_date.to_string());
        put(F::Trainees, &f.trainees);
        Values {
            lines,
            category: f.category,
            programme: f.programme.clone(),
            schedule: f.schedule.clone(),
        }
    }

    /// The focused text area shows its cursor; the other one shows none.
    fn style_textareas(&mut self) {
        let field = self.field();
        for (t, f) in [
            (&mut self.programme, F::Programme),
            (&mut self.schedule, F::Schedule),
        ] {
            t.set_cursor_style(if f == field {
                Style::default().add_modifier(Modifier::REVERSED)
            } else {
                Style::default()
            });
        }
    }

    fn problem_of(&self, field: FilingField) -> Option<&Problem> {
        self.problems
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, p)| p)
    }

    fn set_problem(&mut self, field: FilingField, problem: Option<Problem>) {
        self.problems.retain(|(f, _)| *f != field);
        if let Some(p) = problem {
            self.problems.push((field, p));
            self.problems
                .sort_by_key(|(f, _)| ORDER.iter().position(|o| o == f));
        }
    }

    fn date(&self, field: FilingField) -> Option<NaiveDate> {
        parse_date(self.text(field)).ok()
    }

    /// Check `field` as the clerk leaves it; dates are rewritten as 2017-08-01.
    fn check(&mut self, field: FilingField, ctx: &Ctx<'_>) {
        let problem = match field {
            F::StartDate | F::EndDate => {
                let raw = self.text(field).trim().to_string();
                if raw.is_empty() {
                    Some(Problem::Required(field))
                } else if let Ok(d) = parse_date(&raw) {
                    if let Some(i) = line_index(field) {
                        self.lines[i].set(&d.to_string());
                    }
                    None
                } else {
                    Some(Problem::BadDate(field))
                }
            }
            F::Category | F::Programme | F::Schedule => None,
            F::FilingNo if self.id.is_none() => check_text(field, self.text(field)).or_else(|| {
                let no = clean_line(self.text(field));
                match filings::find_by_no(ctx.store.conn(), &no) {
                    Ok(Some(_)) => Some(Problem::NumberTaken(no)),
                    _ => None,
                }
            }),
            other => check_text(other, self.text(other)),
        };
        self.set_problem(field, problem);
        // R4.2 the dates as a pair: the end is not before the start.
        if matches!(field, F::StartDate | F::EndDate) {
            let order = match (self.date(F::StartDate), self.date(F::EndDate)) {
                (Some(s), Some(e)) if e < s => Some(Problem::EndBeforeStart),
                _ => None,
            };
            if self.problem_of(F::EndDate).is_none()
                || self.problem_of(F::EndDate) == Some(&Problem::EndBeforeStart)
            {
                self.set_problem(F::EndDate, order);
            }
        }
    }

    fn move_focus(&mut self, forward: bool, ctx: &Ctx<'_>) {
        let field = self.field();
        self.check(field, ctx);
        self.left = Some(field);
        let first = if self.id.is_some() { 1 } else { 0 };
        self.focus = if forward {
            if self.focus + 1 >= ORDER.len() {
                first
            } else {
                self.focus + 1
            }
        } else if self.focus <= first {
            ORDER.len() - 1
        } else {
            self.focus - 1
        };
        self.style_textareas();
    }

    fn focus_on(&mut self, field: FilingField) {
        if let Some(i) = ORDER.iter().position(|f| *f == field) {
            self.focus = i;
            self.style_textareas();
        }
    }

    /// Check every field; the filing when all are right.
    fn collect(&mut self, ctx: &Ctx<'_>) -> Option<Filing> {
        for field in ORDER {
            if self.id.is_some() && field == F::FilingNo {
                continue;
            }
            self.check(field, ctx);
        }
        if !self.problems.is_empty() {
            return None;
        }
        let t = |f: FilingField| self.text(f).to_string();
        Some(Filing {
            filing_no: t(F::FilingNo),
            name: t(F::Name),
            category: self.category,
            applicant_unit: t(F::ApplicantUnit),
            institution: t(F::Institution),
            address: t(F::Address),
            post_code: t(F::PostCode),
            email: t(F::Email),
            head: t(F::Head),
            head_post: t(F::HeadPost),
            head_phone: t(F::HeadPhone),
            contact: t(F::Contact),
            contact_post: t(F::ContactPost),
            contact_phone: t(F::ContactPhone),
            place: t(F::Place),
            trainees: t(F::Trainees),
            programme: clean_multiline(&textarea_text(&self.programme)),
            schedule: clean_multiline(&textarea_text(&self.schedule)),
            start_date: self.date(F::StartDate)?,
            end_date: self.date(F::EndDate)?,
            status: FilingStatus::Pending,
            approved_on: None,
        })
    }

    fn save(&mut self, ctx: &mut Ctx<'_>) -> Flow {
        let Some(filing) = self.collect(ctx) else {
            return match self.problems.first().cloned() {
                Some((field, problem)) => {
                    self.focus_on(field);
                    Flow::Say(problem.describe(ctx.lang))
                }
                None => Flow::Stay,
            };
        };
        let plain = |id| FilingSaved { id, returned: None };
        let saved = match (self.id, &self.opened) {
            (Some(_), Some(opened)) => update_filing(ctx.store, ctx.actor, opened, &filing),
            (Some(_), None) => save_filing(ctx.store, ctx.actor, &filing).map(plain),
            (None, _) => create_filing(ctx.store, ctx.actor, &filing).map(plain),
        };
        match saved {
            Ok(FilingSaved { id, returned }) => {
                if let Some(saved) = &self.saved {
                    saved.set(Some(id));
                }
                // Saved: nothing is left to lose, so the app's Esc check passes.
                self.initial = self.values();
                match returned {
                    // R4.2, R4.3 The approval covered what was filed: it has to be given anew.
                    Some(why) => Flow::PopSay(match ctx.lang {
                        Lang::Zh => format!(
                            "已保存。此备案原已审核通过，因修改了{}，已退回待审，须重新审核（y 准予备案）",
                            terms(&why.changed, ctx.lang)
                        ),
                        Lang::En => format!(
                            "Saved. This filing was approved; its {} changed, so it is pending again: y approves it anew",
                            terms(&why.changed, ctx.lang)
                        ),
                    }),
                    None => Flow::Pop,
                }
            }
            Err(ServiceError::Filing(problem)) => {
                let field = match &problem {
                    Problem::Required(f) | Problem::BadDate(f) => *f,
                    Problem::EndBeforeStart => F::EndDate,
                    Problem::PostCode => F::PostCode,
                    Problem::Email => F::Email,
                    Problem::NumberTaken(_) => F::FilingNo,
                    _ => self.field(),
                };
                let text = problem.describe(ctx.lang);
                self.set_problem(field, Some(problem));
                self.focus_on(field);
                Flow::Say(text)
            }
            Err(e) => Flow::Say(e.describe(ctx.lang)),
        }
    }

    /// `Ctrl-P`: this field as in the filing saved last.
    fn same_as_previous(&mut self, lang: Lang) -> Flow {
        let field = self.field();
        if field == F::FilingNo {
            return Flow::Say(
                lang.pick("备案编号不能照抄上一条", "a filing number is never copied")
                    .into(),
            );
        }
        let Some(prev) = &self.previous else {
            return Flow::Say(
                lang.pick("还没有已保存的备案", "no filing saved yet")
                    .into(),
            );
        };
        let v = Self::values_of(prev);
        match field {
            F::Category => self.category = v.category,
            F::Programme => {
                self.programme = textarea(&v.programme);
                self.style_textareas();
            }
            F::Schedule => {
                self.schedule = textarea(&v.schedule);
                self.style_textareas();
            }
            other => {
                if let Some(i) = line_index(other) {
                    self.lines[i].set(&v.lines[i]);
                }
            }
        }
        Flow::Stay
    }

    /// R4.2, R4.3 The terms of an approved filing that the form now changes: what will return
    /// it to pending when saved. A date being typed that does not parse yet counts as changed
    /// once its text differs from the approved date.
    fn lapses(&self) -> Vec<ApprovedTerm> {
        let Some(opened) = self.opened.as_ref() else {
            return Vec::new();
        };
        let date = |field: FilingField, approved: NaiveDate| {
            self.date(field)
                .unwrap_or(if self.text(field).trim() == approved.to_string() {
                    approved
                } else {
                    NaiveDate::MIN
                })
        };
        let now = Filing {
            institution: clean_line(self.text(F::Institution)),
            start_date: date(F::StartDate, opened.start_date),
            end_date: date(F::EndDate, opened.end_date),
            category: self.category,
            ..opened.clone()
        };
        approval_lapses(opened, &now)
    }

    fn focused_textarea(&mut self) -> Option<&mut TextArea<'static>> {
        match self.field() {
            F::Programme => Some(&mut self.programme),
            F::Schedule => Some(&mut self.schedule),
            _ => None,
        }
    }
}

impl Screen for FilingForm {
    fn scopes(&self) -> &'static [Scope] {
        // In the programme and schedule the arrows move within the text; Tab leaves it.
        if matches!(self.field(), F::Programme | F::Schedule) {
            &[Scope::Text]
        } else {
            &[Scope::Form]
        }
    }

    fn title(&self, lang: Lang) -> String {
        lang.pick("备案表", "Filing form").into()
    }

    fn typing(&self) -> bool {
        true
    }

    fn dirty(&self) -> bool {
        self.values() != self.initial
    }

    fn reload(&mut self, ctx: &mut Ctx<'_>) -> Result<(), String> {
        let conn = ctx.store.conn();
        let previous = filing_list::last_saved(conn).map_err(|e| e.describe(ctx.lang))?;
        let mut fetched = None;
        let values = match self.id {
            Some(id) => {
                let Some(f) = filing_list::get(conn, id).map_err(|e| e.describe(ctx.lang))? else {
                    return Err(ctx
                        .lang
                        .pick("这条备案已不存在", "this filing no longer exists")
                        .into());
                };
                self.decision = Some((f.status, f.approved_on));
                let values = Self::values_of(&f);
                fetched = Some(f);
                values
            }
            None => {
                let mut v = self.initial.clone();
                v.lines[0] = filing_list::next_filing_no(conn, ctx.actor.today().year())
                    .map_err(|e| e.describe(ctx.lang))?;
                v
            }
        };
        self.previous = previous.filter(|p| {
            self.id.is_none() || p.filing_no != values.lines[0] // not the filing itself
        });
        // Another clerk's change shows, unless the clerk here has typed something.
        if !self.loaded || !self.dirty() {
            if !self.loaded || values != self.initial {
                self.set_values(&values);
                self.initial = values;
                self.loaded = true;
            }
            // What the clerk now sees: a save is checked against it.
            self.opened = fetched;
        }
        Ok(())
    }

    fn on_action(&mut self, action: Action, ctx: &mut Ctx<'_>) -> Flow {
        match action {
            Action::NextField => self.move_focus(true, ctx),
            Action::PrevField => self.move_focus(false, ctx),
            Action::Save => return self.save(ctx),
            Action::SameAsPrevious => return self.same_as_previous(ctx.lang),
            Action::Back => return Flow::Pop,
            _ => {}
        }
        Flow::Stay
    }

    fn on_key(&mut self, key: &KeyEvent, ctx: &mut Ctx<'_>) -> Flow {
        if let Some(t) = self.focused_textarea() {
            // Enter is a new line here; app-wide keys (Ctrl-S, Esc, Tab) never arrive.
            if !key.modifiers.contains(KeyModifiers::ALT) {
                t.input(*key);
            }
            return Flow::Stay;
        }
        match (self.field(), key.code) {
            (F::Category, KeyCode::Char(' ') | KeyCode::Left | KeyCode::Right) => {
                self.category = match self.category {
                    Category::Public => Category::Professional,
                    Category::Professional => Category::Public,
                };
            }
            (_, KeyCode::Enter) => self.move_focus(true, ctx),
            (F::FilingNo, _) if self.id.is_some() => {}
            (field, _) => {
                if let Some(i) = line_index(field) {
                    self.lines[i].handle(key);
                }
            }
        }
        Flow::Stay
    }

    fn on_paste(&mut self, text: &str, _ctx: &mut Ctx<'_>) -> Flow {
        if let Some(t) = self.focused_textarea() {
            t.insert_str(clean_multiline(text));
            return Flow::Stay;
        }
        let field = self.field();
        if let Some(i) = line_index(field)
            && !(field == F::FilingNo && self.id.is_some())
        {
            self.lines[i].insert_str(text);
        }
        Flow::Stay
    }

    fn render(&self, f: &mut Frame, area: Rect, view: &View) {
        let lang = view.lang;
        let t = &view.theme;
        let title = match (self.id, self.decision) {
            (None, _) => lang
                .pick(
                    " 新建备案 · 附件3 公需科目培训备案表 ",
                    " New filing · attachment 3 ",
                )
                .to_string(),
            (Some(_), decision) => {
                let no = clean_line(self.text(F::FilingNo));
                let state = match decision {
                    Some((FilingStatus::Approved, Some(on))) => {
                        format!("{} {on}", FilingStatus::Approved.label(lang))
                    }
                    Some((s, _)) => s.label(lang).to_string(),
                    None => String::new(),
                };
                match lang {
                    Lang::Zh => format!(" 备案 {no} · {state} "),
                    Lang::En => format!(" Filing {no} · {state} "),
                }
            }
        };
        let block = Block::default().borders(Borders::ALL).title(title);
        let inner = block.inner(area);
        if inner.width < label_cols(lang) + 8 || inner.height < 3 {
            f.render_widget(
                Paragraph::new(lang.pick("窗口太小", "window too small")).block(block),
                area,
            );
            return;
        }

        // The two long texts share what the short rows leave; the form scrolls when even three
        // rows each do not fit.
        let visible = inner.height.saturating_sub(1);
        let text_h = (visible.saturating_sub(SHORT_ROWS) / 2).max(3).min(visible);
        let heights: Vec<u16> = (0..ROWS.len())
            .map(|i| if i < SHORT_ROWS as usize { 1 } else { text_h })
            .collect();
        let focus_row = row_of(self.field());
        let bottom: u16 = heights[..=focus_row].iter().sum();
        let offset = bottom.saturating_sub(visible);
        let total: u16 = heights.iter().sum();
        let mut block = block;
        if offset > 0 {
            block = block.title_top(Line::from(" ↑ ").alignment(Alignment::Right));
        }
        if total > offset + visible {
            block = block.title_bottom(Line::from(" ↓ ").alignment(Alignment::Right));
        }
        f.render_widget(block, area);

        let label_w = label_cols(lang);
        let field_style = Style::default().add_modifier(Modifier::UNDERLINED);
        let mut y = 0u16;
        for (ri, row) in ROWS.iter().enumerate() {
            let h = heights[ri];
            let top = y;
            y += h;
            if top < offset || y > offset + visible {
                continue;
            }
            let ry = inner.y + top - offset;
            let first = row.fields[0].0;
            let here = row.fields.iter().any(|(fl, _)| *fl == self.field());
            let label = row.label.map_or(first.label(lang), |l| l(lang));
            let required = row.fields.iter().any(|(fl, _)| fl.required());
            let mark = if here {
                ">"
            } else if row
                .fields
                .iter()
                .any(|(fl, _)| self.problem_of(*fl).is_some())
            {
                "!"
            } else {
                " "
            };
            let mut spans = vec![
                Span::styled(mark, t.key),
                Span::styled(label, if here { t.header } else { Style::default() }),
            ];
            if required {
                spans.push(Span::styled("*", t.bad));
            }
            f.render_widget(
                Paragraph::new(Line::from(spans)),
                Rect::new(inner.x, ry, label_w.min(inner.width), 1),
            );
            let x0 = inner.x + label_w;
            let avail = inner.width.saturating_sub(label_w);

            if matches!(first, F::Programme | F::Schedule) {
                let ta = if first == F::Programme {
                    &self.programme
                } else {
                    &self.schedule
                };
                let lines = ta.lines().len();
                if h > 1 {
                    let count = match lang {
                        Lang::Zh => format!("  {lines} 行"),
                        Lang::En if lines == 1 => "  1 line".to_string(),
                        Lang::En => format!("  {lines} lines"),
                    };
                    f.render_widget(
                        Paragraph::new(Span::styled(count, t.dim)),
                        Rect::new(inner.x, ry + 1, label_w.min(inner.width), 1),
                    );
                }
                let rect = Rect::new(x0, ry, avail, h);
                let frame = Block::default().borders(Borders::LEFT).border_style(t.dim);
                let text_area = frame.inner(rect);
                f.render_widget(frame, rect);
                f.render_widget(ta, text_area);
                if here && text_area.width > 0 && text_area.height > 0 {
                    let sc = ta.screen_cursor();
                    let (top_row, top_col) = ta.scroll_offset();
                    let cx = (sc.col as u16).saturating_sub(top_col);
                    let cy = (sc.row as u16).saturating_sub(top_row);
                    f.set_cursor_position(Position::new(
                        text_area.x + cx.min(text_area.width - 1),
                        text_area.y + cy.min(text_area.height - 1),
                    ));
                }
                continue;
            }

            // Widths: inline labels and fixed inputs first, the rest shared by weight.
            let inline: Vec<u16> = row
                .fields
                .iter()
                .enumerate()
                .map(|(i, (fl, _))| {
                    if i == 0 {
                        0
                    } else {
                        width(inline_label(*fl, lang)) as u16 + 2
                    }
                })
                .collect();
            let fixed: u16 = row
                .fields
                .iter()
                .map(|(fl, w)| match w {
                    Width::Fixed(_) if *fl == F::Category => category_cols(lang),
                    Width::Fixed(n) => *n,
                    Width::Flex(_) => 0,
                })
                .sum::<u16>()
                + inline.iter().sum::<u16>();
            let weights: u16 = row
                .fields
                .iter()
                .map(|(_, w)| match w {
                    Width::Flex(n) => *n,
                    Width::Fixed(_) => 0,
                })
                .sum();
            let flex_room = avail.saturating_sub(fixed);
            let mut x = x0;
            let mut flex_left = flex_room;
            let mut weight_left = weights;
            for (i, (fl, w)) in row.fields.iter().enumerate() {
                if i > 0 {
                    let l = inline_label(*fl, lang);
                    let lw = inline[i];
                    let style = if *fl == self.field() {
                        t.header
                    } else {
                        Style::default()
                    };
                    f.render_widget(
                        Paragraph::new(Span::styled(format!(" {l} "), style)),
                        Rect::new(x, ry, lw.min(inner.right().saturating_sub(x)), 1),
                    );
                    x += lw;
                }
                let fw = match w {
                    Width::Fixed(_) if *fl == F::Category => category_cols(lang),
                    Width::Fixed(n) => *n,
                    Width::Flex(n) => {
                        // The last flexible field takes the remainder, so rounding loses nothing.
                        let share = if *n == weight_left {
                            flex_left
                        } else {
                            flex_room * n / weights.max(1)
                        };
                        flex_left = flex_left.saturating_sub(share);
                        weight_left = weight_left.saturating_sub(*n);
                        share
                    }
                };
                let fw = fw.min(inner.right().saturating_sub(x));
                let rect = Rect::new(x, ry, fw, 1);
                let focused = *fl == self.field();
                let style = if self.problem_of(*fl).is_some() {
                    field_style.patch(t.bad)
                } else {
                    field_style
                };
                match fl {
                    F::Category => {
                        let text = format!("‹{}›", self.category.label(lang));
                        f.render_widget(Paragraph::new(Span::styled(text, style)), rect);
                        if focused && fw > 0 {
                            f.set_cursor_position(Position::new(x + 1, ry));
                        }
                    }
                    F::FilingNo if self.id.is_some() => {
                        f.render_widget(Paragraph::new(clean_line(self.text(F::FilingNo))), rect);
                    }
                    other => {
                        if let Some(li) = line_index(*other) {
                            if focused {
                                // Scrolled so the caret shows; the real cursor sits there.
                                f.render_widget(
                                    Paragraph::new(Span::styled(" ".repeat(fw as usize), style)),
                                    rect,
                                );
                                self.lines[li].render(f, rect, style, true);
                            } else {
                                // From its start, cut with … when longer than the field; an
                                // empty field still shows where it is.
                                let text = fit(&clean_line(self.lines[li].text()), fw as usize);
                                f.render_widget(Paragraph::new(Span::styled(text, style)), rect);
                            }
                        }
                    }
                }
                x += fw;
            }
        }

        // The message line: the problem of the focused field, else of the field just left,
        // else the first one, else a hint.
        let msg_area = Rect::new(inner.x, inner.y + visible, inner.width, 1);
        let problem = self
            .problem_of(self.field())
            .or_else(|| self.left.and_then(|f| self.problem_of(f)))
            .or_else(|| self.problems.first().map(|(_, p)| p));
        let approved = self
            .opened
            .as_ref()
            .is_some_and(|o| o.status == FilingStatus::Approved);
        let lapses = self.lapses();
        let cols = inner.width as usize;
        let line = match problem {
            Some(p) => Line::from(Span::styled(format!("✗ {}", p.describe(lang)), t.bad)),
            // Said before saving: the approval covered what was filed (R4.2, R4.3).
            None if !lapses.is_empty() => Line::from(Span::styled(
                fit(
                    &match lang {
                        Lang::Zh => format!(
                            "! 此备案已审核通过，修改后将退回待审（已改{}）",
                            terms(&lapses, lang)
                        ),
                        Lang::En => format!(
                            "! approved: saving returns it to pending ({} changed)",
                            terms(&lapses, lang)
                        ),
                    },
                    cols,
                ),
                t.bad,
            )),
            None if approved => Line::from(Span::styled(
                lang.pick(
                    "已审核通过：修改日期、科目类别或培训机构将退回待审",
                    "approved: changing dates, category or institution returns it to pending",
                ),
                t.dim,
            )),
            None => Line::from(Span::styled(
                lang.pick(
                    "* 必填；日期如 2017-08-01；方案、计划可多行：Enter 换行，Tab 离开",
                    "* required; dates like 2017-08-01; programme, schedule: Enter new line",
                ),
                t.dim,
            )),
        };
        f.render_widget(Paragraph::new(line), msg_area);
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;
    use ratatui::crossterm::event::KeyCode;

    use crate::domain::FilingStatus;
    use crate::i18n::Lang;
    use crate::service::filings::{sample_filing, save_filing};
    use crate::service::fixtures::actor;
    use crate::store::{Store, filing_list, filings};
    use crate::tui::App;
    use crate::tui::testing::Driver;

    /// The screen as a terminal shows it, drawn in full: after a frame where a narrow character
    /// replaces a wide one, `TestBackend` keeps whatever stood in the wide one's right half
    /// (ratatui sends no update for that cell; a real terminal blanks it), so a partial redraw
    /// can show stale characters that no terminal would.
    pub(crate) fn screen(d: &mut Driver) -> String {
        d.term.clear().expect("clear");
        d.draw();
        d.screen()
    }

    pub(crate) fn shows(d: &mut Driver, text: &str) -> bool {
        screen(d).contains(text)
    }

    /// From the Filings list: `n`, then every field of attachment 3 as a clerk types it,
    /// including a programme of two lines; not saved yet.
    pub(crate) fn fill_new_filing(d: &mut Driver) {
        d.key(KeyCode::Char('n'));
        // The number is suggested; the clerk keeps it.
        d.key(KeyCode::Tab)
            .keys("湖南省人力资源和社会保障厅")
            .key(KeyCode::Tab)
            .keys("湖南师范大学")
            .key(KeyCode::Tab)
            .keys("长沙市岳麓区麓山南路36号")
            .key(KeyCode::Tab)
            .keys("410081")
            .key(KeyCode::Tab)
            .keys("jxjy@hunnu.edu.cn")
            .key(KeyCode::Tab)
            .keys("刘志武")
            .key(KeyCode::Tab)
            .keys("主任")
            .key(KeyCode::Tab)
            .keys("0731-88872346")
            .key(KeyCode::Tab)
            .keys("李颖")
            .key(KeyCode::Tab)
            .keys("干事")
            .key(KeyCode::Tab)
            .keys("13517492756")
            .key(KeyCode::Tab)
            .keys("2017年公需科目培训班")
            .key(KeyCode::Tab)
            .keys("湖南师范大学")
            .key(KeyCode::Tab)
            .keys("2017/8/1")
            .key(KeyCode::Tab)
            .keys("20170803")
            .key(KeyCode::Tab)
            .keys("全省专业技术人员")
            .key(KeyCode::Tab) // category: public, as attachment 3 is
            .key(KeyCode::Tab)
            .keys("保密意识教育")
            .key(KeyCode::Enter)
            .keys("保密常识教育")
            .key(KeyCode::Tab)
            .keys("第一天：报到、开班");
    }

    fn one(store: &Store) -> (i64, crate::domain::Filing) {
        let id: i64 = store
            .conn()
            .query_row("SELECT id FROM filings", [], |r| r.get(0))
            .unwrap();
        (id, filing_list::get(store.conn(), id).unwrap().unwrap())
    }

    #[test]
    fn r4_2_attachment_3_typed_in_full_is_saved_pending_with_a_two_line_programme() {
        let mut d = Driver::new(Store::open_in_memory().unwrap(), Lang::Zh);
        d.key(KeyCode::Char('3'));
        fill_new_filing(&mut d);
        assert!(
            shows(&mut d, "2017-001"),
            "a number is suggested\n{}",
            screen(&mut d)
        );
        assert!(
            shows(&mut d, "2017-08-01"),
            "dates are rewritten as they are left"
        );
        assert!(shows(&mut d, "保密意识教育"));
        assert!(shows(&mut d, "保密常识教育"));
        assert!(shows(&mut d, "2 行"), "{}", screen(&mut d));
        assert!(
            d.app
                .store()
                .conn()
                .query_row("SELECT count(*) FROM filings", [], |r| r.get::<_, i64>(0))
                .unwrap()
                == 0
        );
        insta::assert_snapshot!("filing_form_zh", screen(&mut d));

        d.ctrl('s');
        let (_, f) = one(d.app.store());
        assert_eq!(f.filing_no, "2017-001");
        assert_eq!(f.programme, "保密意识教育\n保密常识教育");
        assert_eq!(f.schedule, "第一天：报到、开班");
        assert_eq!(f.head_phone, "0731-88872346");
        assert_eq!(f.end_date.to_string(), "2017-08-03");
        assert_eq!(f.status, FilingStatus::Pending);
        assert!(shows(&mut d, "待审"), "{}", screen(&mut d));
        assert!(shows(&mut d, "已保存"), "{}", screen(&mut d));
    }

    #[test]
    fn fields_are_checked_as_they_are_left_and_save_goes_to_the_first_problem() {
        let mut d = Driver::new(Store::open_in_memory().unwrap(), Lang::Zh);
        d.key(KeyCode::Char('3')).key(KeyCode::Char('n'));
        // Leave the applicant unit empty: required.
        d.key(KeyCode::Tab).key(KeyCode::Tab);
        assert!(shows(&mut d, "申报单位不能为空"), "{}", screen(&mut d));
        d.key(KeyCode::Tab).key(KeyCode::Tab).keys("4100");
        d.key(KeyCode::Tab);
        assert!(shows(&mut d, "邮编应为6位数字"), "{}", screen(&mut d));
        // Up goes back, and a corrected field clears its problem.
        d.key(KeyCode::Up).keys("81").key(KeyCode::Tab);
        assert!(!shows(&mut d, "邮编应为6位数字"), "{}", screen(&mut d));
        for _ in 0..9 {
            d.key(KeyCode::Tab);
        }
        d.keys("2017-13-01").key(KeyCode::Tab);
        assert!(shows(&mut d, "开始日期不是有效日期"), "{}", screen(&mut d));
        d.key(KeyCode::BackTab)
            .ctrl('u')
            .keys("2017-08-05")
            .key(KeyCode::Tab)
            .keys("2017-08-01")
            .key(KeyCode::Tab);
        assert!(shows(&mut d, "结束日期早于开始日期"), "{}", screen(&mut d));

        d.ctrl('s');
        assert_eq!(
            d.app.message(),
            "申报单位不能为空",
            "save stops at the first problem"
        );
        assert!(
            screen(&mut d).lines().any(|l| l.contains(">申报单位")),
            "and goes there\n{}",
            screen(&mut d)
        );
        let n: i64 = d
            .app
            .store()
            .conn()
            .query_row("SELECT count(*) FROM filings", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 0);
    }

    #[test]
    fn esc_on_an_edited_form_asks_before_discarding() {
        let mut d = Driver::new(Store::open_in_memory().unwrap(), Lang::Zh);
        d.key(KeyCode::Char('3')).key(KeyCode::Char('n'));
        d.key(KeyCode::Esc);
        assert!(shows(&mut d, "还没有备案"), "an untouched form just closes");
        d.key(KeyCode::Char('n')).key(KeyCode::Tab).keys("湖南");
        d.key(KeyCode::Esc);
        assert!(shows(&mut d, "放弃并离开"), "{}", screen(&mut d));
        d.key(KeyCode::Char('n'));
        assert!(shows(&mut d, "湖南"), "kept\n{}", screen(&mut d));
        d.key(KeyCode::Esc).key(KeyCode::Char('y'));
        assert!(shows(&mut d, "还没有备案"));
    }

    #[test]
    fn a_new_filing_cannot_take_an_existing_number() {
        let mut store = Store::open_in_memory().unwrap();
        save_filing(&mut store, &actor("lisi"), &sample_filing("2017-001")).unwrap();
        let mut d = Driver::new(store, Lang::Zh);
        d.key(KeyCode::Char('3')).key(KeyCode::Char('n'));
        assert!(shows(&mut d, "2017-002"), "{}", screen(&mut d));
        d.ctrl('u').keys("2017-001").key(KeyCode::Tab);
        assert!(
            shows(&mut d, "备案编号2017-001已存在"),
            "{}",
            screen(&mut d)
        );
    }

    /// R4.2 The number proposed follows the bureau's own form: this year put in, the run
    /// restarted in a new year and incremented within one, its zero padding kept.
    #[test]
    fn r4_2_a_new_filing_number_follows_the_last_numbers_pattern() {
        let mut store = Store::open_in_memory().unwrap();
        save_filing(
            &mut store,
            &actor("lisi"),
            &sample_filing("湘人社专技备〔2016〕099号"),
        )
        .unwrap();
        let mut d = Driver::new(store, Lang::Zh);
        // The clerk's today is 2017-07-15: a new year starts again at 001.
        d.key(KeyCode::Char('3'));
        fill_new_filing(&mut d);
        assert!(
            shows(&mut d, "湘人社专技备〔2017〕001号"),
            "{}",
            screen(&mut d)
        );
        d.ctrl('s');
        assert!(shows(&mut d, "已保存"), "{}", screen(&mut d));
        d.key(KeyCode::Char('n'));
        assert!(
            shows(&mut d, "湘人社专技备〔2017〕002号"),
            "{}",
            screen(&mut d)
        );
    }

    #[test]
    fn an_edit_saved_after_another_clerks_change_is_refused_not_lost() {
        use crate::service::ServiceError;
        use crate::service::filings::{Problem, update_filing};
        let mut store = Store::open_in_memory().unwrap();
        let id = save_filing(&mut store, &actor("lisi"), &sample_filing("2017-001")).unwrap();
        let opened = filing_list::get(store.conn(), id).unwrap().unwrap();
        let mut theirs = opened.clone();
        theirs.place = "长沙市岳麓区".into();
        update_filing(&mut store, &actor("lisi"), &opened, &theirs).unwrap();
        let mut mine = opened.clone();
        mine.trainees = "全省卫生系统专业技术人员".into();
        let r = update_filing(&mut store, &actor("wangfang"), &opened, &mine);
        assert!(matches!(
            r,
            Err(ServiceError::Filing(Problem::ChangedMeanwhile))
        ));
        let now = filing_list::get(store.conn(), id).unwrap().unwrap();
        assert_eq!(
            now.place, "长沙市岳麓区",
            "the other clerk's change is kept"
        );
        assert_ne!(now.trainees, mine.trainees);
    }

    #[test]
    fn edit_keeps_the_number_and_the_decision_and_ctrl_p_copies_the_last_filing() {
        let mut store = Store::open_in_memory().unwrap();
        let a = actor("wangfang");
        let id = save_filing(&mut store, &a, &sample_filing("2017-001")).unwrap();
        crate::service::filings::approve(
            &mut store,
            &a,
            &[id],
            chrono::NaiveDate::from_ymd_opt(2017, 7, 1).unwrap(),
        )
        .unwrap();
        let mut d = Driver::new(store, Lang::En);
        d.key(KeyCode::Char('3')).key(KeyCode::Char('e'));
        assert!(
            shows(&mut d, "Filing 2017-001 · approved 2017-07-01"),
            "{}",
            screen(&mut d)
        );
        insta::assert_snapshot!("filing_form_en", screen(&mut d));
        // To the place: the cursor starts on the applicant unit.
        for _ in 0..12 {
            d.key(KeyCode::Tab);
        }
        d.ctrl('u').keys("长沙市雨花区");
        d.ctrl('s');
        let f = filings::find_by_no(d.app.store().conn(), "2017-001")
            .unwrap()
            .unwrap()
            .1;
        assert_eq!(f.place, "长沙市雨花区");
        assert_eq!(f.status, FilingStatus::Approved, "saving never decides");

        // A new filing copies the institution from the one saved last.
        d.key(KeyCode::Char('n'))
            .key(KeyCode::Tab)
            .key(KeyCode::Tab);
        d.ctrl('p');
        assert!(shows(&mut d, "湖南师范大学"), "{}", screen(&mut d));
    }

    fn approved_store() -> Store {
        let mut store = Store::open_in_memory().unwrap();
        let a = actor("lisi");
        let id = save_filing(&mut store, &a, &sample_filing("2017-001")).unwrap();
        crate::service::filings::approve(
            &mut store,
            &a,
            &[id],
            chrono::NaiveDate::from_ymd_opt(2017, 7, 1).unwrap(),
        )
        .unwrap();
        store
    }

    /// R4.2, R4.3 The form says before saving that changing what the approval covered returns
    /// the filing to pending; saved, the filing is pending and the clerk is told why.
    #[test]
    fn r4_3_the_form_warns_before_an_edit_returns_an_approved_filing_to_pending() {
        let mut d = Driver::new(approved_store(), Lang::Zh);
        d.key(KeyCode::Char('3')).key(KeyCode::Char('e'));
        assert!(
            shows(&mut d, "已审核通过：修改日期、科目类别或培训机构将退回待审"),
            "{}",
            screen(&mut d)
        );
        // The place is not what the approval covered: no warning.
        for _ in 0..12 {
            d.key(KeyCode::Tab);
        }
        d.keys("东校区");
        assert!(!shows(&mut d, "修改后将退回待审"), "{}", screen(&mut d));
        d.key(KeyCode::Tab).ctrl('u').keys("2017-08-02");
        assert!(
            shows(&mut d, "此备案已审核通过，修改后将退回待审（已改开始日期）"),
            "{}",
            screen(&mut d)
        );
        // Typed back as it was: nothing will be returned.
        d.ctrl('u').keys("2017-08-01");
        assert!(!shows(&mut d, "修改后将退回待审"), "{}", screen(&mut d));
        d.ctrl('u').keys("2017/8/2").key(KeyCode::Tab);
        assert!(shows(&mut d, "已改开始日期"), "{}", screen(&mut d));
        d.ctrl('s');
        assert!(
            shows(&mut d, "因修改了开始日期，已退回待审，须重新审核"),
            "{}",
            screen(&mut d)
        );
        let f = filings::find_by_no(d.app.store().conn(), "2017-001")
            .unwrap()
            .unwrap()
            .1;
        assert_eq!(f.status, FilingStatus::Pending);
        assert_eq!(f.approved_on, None);
        assert_eq!(f.start_date.to_string(), "2017-08-02");
    }

    #[test]
    fn r4_3_the_warning_in_english() {
        let mut d = Driver::new(approved_store(), Lang::En);
        d.key(KeyCode::Char('3')).key(KeyCode::Char('e'));
        // The institution, second on the form.
        d.key(KeyCode::Tab).ctrl('u').keys("Hunan University");
        assert!(
            shows(
                &mut d,
                "! approved: saving returns it to pending (institution changed)"
            ),
            "{}",
            screen(&mut d)
        );
        d.ctrl('s');
        // Longer than one line at 80 columns: the message wraps between words.
        assert!(
            d.app
                .message()
                .contains("its institution changed, so it is pending again"),
            "{}",
            screen(&mut d)
        );
        assert!(shows(&mut d, "so it is pending"), "{}", screen(&mut d));
    }

    #[test]
    fn on_a_short_terminal_the_form_scrolls_to_the_focused_field() {
        let store = Store::open_in_memory().unwrap();
        let mut app = App::new(
            store,
            actor("wangfang"),
            Lang::Zh,
            "db".into(),
            "长沙".into(),
            (80, 16),
        )
        .unwrap();
        app.theme = crate::tui::theme::Theme::plain();
        let term = Terminal::new(TestBackend::new(80, 16)).unwrap();
        let mut d = Driver {
            app,
            term,
            wait: true,
        };
        d.key(KeyCode::Char('3')).key(KeyCode::Char('n'));
        assert!(
            shows(&mut d, "申报单位") && !shows(&mut d, "培训计划"),
            "{}",
            screen(&mut d)
        );
        for _ in 0..19 {
            d.key(KeyCode::Tab);
        }
        assert!(shows(&mut d, ">培训计划"), "{}", screen(&mut d));
        assert!(!shows(&mut d, "培训机构"), "{}", screen(&mut d));
    }
}
