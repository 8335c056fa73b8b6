//! One person: profile, the years against their policy (passing or short, and why), hours per
//! year as a small bar chart, the entries, and the history of decisions (R5.5, R6.4). `v` opens
//! the yearly record card (R5.4) of the year of the entry under the cursor.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::card::CardScreen;
use super::entry_form::EntryForm;
use super::evidence::EvidenceScreen;
use super::keys::{Action, Scope};
use super::list::{Keyed, Lister, Memory, Plan};
use super::person_form::PersonForm;
use super::screen::{Ask, Ctx, Flow, Question, Screen, View};
use crate::domain::entry::DecisionError;
use crate::domain::text::{clean_line, fit, pad};
use crate::domain::{Category, EntryState, Form, Hours};
use crate::i18n::{Describe, Lang};
use crate::service::person::{EntryLine, HistoryLine, PersonView, What, event_label, view};
use crate::service::records::{self, Refusal};
use crate::service::review::{Decision, Skip, decide};
use crate::store::entries;

/// Years shown in the table: the five of a verification and the current one.
const YEARS_SHOWN: usize = 6;
const BAR_COLS: usize = 20;

/// An entry of the person's list is the entry it shows: a reload after another clerk's
/// import keeps the cursor on it, wherever the new rows put it.
impl Keyed for EntryLine {
    type Key = i64;
    fn key(&self) -> i64 {
        self.summary.id
    }
}

/// An event of the history is what it records (when, who, what, about which record): the
/// audit row's id is not read with it, and two events alike in all of that read the same.
impl Keyed for HistoryLine {
    type Key = (String, String, String, String, What);
    fn key(&self) -> Self::Key {
        (
            self.at.clone(),
            self.user.clone(),
            self.action.clone(),
            self.subject.clone(),
            self.what.clone(),
        )
    }
}

pub struct PersonScreen {
    person_id: i64,
    data: Option<PersonView>,
    /// The entries and the history of decisions: lists in memory, read with the person, paged
    /// by the same engine as the list screens.
    entries: Lister<Memory<EntryLine>>,
    events: Lister<Memory<HistoryLine>>,
    /// `h`: the history is shown instead of the entries.
    history: bool,
}

impl PersonScreen {
    pub fn new(person_id: i64) -> PersonScreen {
        PersonScreen {
            person_id,
            data: None,
            entries: Lister::new(Default::default()),
            events: Lister::new(Default::default()),
            history: false,
        }
    }

    fn selected_entry(&self) -> Option<i64> {
        if self.history {
            return None;
        }
        self.entries.selected().map(|l| l.row.summary.id)
    }

    /// R5.4 The year whose card `v` shows: the year of the entry under the cursor; without one
    /// (no entries, or the history shown), last year, the one a clerk files cards for.
    fn card_year(&self, ctx: &Ctx<'_>) -> i32 {
        let entry = if self.history {
            None
        } else {
            self.entries.selected().map(|l| l.row.summary.year)
        };
        entry.unwrap_or_else(|| chrono::Datelike::year(&ctx.actor.today()) - 1)
    }

    /// Where the cursor is in the list shown, when it is longer than its page.
    fn position(&self) -> Option<String> {
        if self.history {
            self.events.position_of()
        } else {
            self.entries.position_of()
        }
    }
}

impl PersonScreen {
    /// R5.1 `s` / `r` on the selected entry: sealed or registered here, without the review
    /// screen.
    fn decide(&mut self, decision: Decision, ctx: &mut Ctx<'_>) -> Flow {
        let lang = ctx.lang;
        let Some(id) = self.selected_entry() else {
            return Flow::Say(
                lang.pick("请先用 ↑↓ 选择一条培训记录", "choose an entry first (↑/↓)")
                    .into(),
            );
        };
        let flow = match decide_entry(id, decision, ctx) {
            OneDecision::Said(msg) => Flow::Say(msg),
            OneDecision::Confirm(question) => {
                return Flow::Ask(Ask::confirm(Question::RegisterEntry(id), question));
            }
        };
        if let Err(e) = self.reload(ctx) {
            return Flow::Say(e);
        }
        flow
    }

    /// R5.1 Open the selected entry for correction, or say why it cannot be changed.
    fn correct(&mut self, ctx: &mut Ctx<'_>) -> Flow {
        let lang = ctx.lang;
        let Some(id) = self.selected_entry() else {
            return Flow::Say(
                lang.pick("请先用 ↑↓ 选择一条培训记录", "choose an entry first (↑/↓)")
                    .into(),
            );
        };
        // As stored now: another clerk may have decided on it since this screen was drawn.
        match entries::get(ctx.store.conn(), id) {
            Ok(Some(rec)) if records::correctable(rec.entry.state) => {
                Flow::Push(Box::new(EntryForm::edit(id)))
            }
            Ok(Some(rec)) => Flow::Say(
                Refusal::AlreadyDecided {
                    entry_id: id,
                    state: rec.entry.state,
                }
                .describe(lang),
            ),
            Ok(None) => Flow::Say(Refusal::NoSuchEntry(id).describe(lang)),
            Err(e) => Flow::Say(e.describe(lang)),
        }
    }
}

/// What deciding on one entry from the person or evidence screen came to.
pub(super) enum OneDecision {
    /// Done or refused: what to tell the clerk.
    Said(String),
    /// R4.4 Registering this entry needs the clerk's explicit confirmation: the question.
    Confirm(String),
}

/// R5.1 Seal (初审盖章) or register (登记) the entry `id` where the clerk is, through the same
/// review service as the review screen (`review::decide`: same rules, same audit, same undo).
/// A registration that R4.4 holds back for confirmation comes back as the question to ask;
/// call again with `Register { confirm: true }` on yes.
pub(super) fn decide_entry(id: i64, decision: Decision, ctx: &mut Ctx<'_>) -> OneDecision {
    let lang = ctx.lang;
    let content = entries::get(ctx.store.conn(), id)
        .ok()
        .flatten()
        .map(|r| clean_line(&r.entry.content))
        .unwrap_or_default();
    let out = match decide(ctx.store, ctx.actor, &[id], &decision, &mut *ctx.progress) {
        Ok(out) => out,
        Err(e) => return OneDecision::Said(e.describe(lang)),
    };
    if let Some((_, skip)) = out.skipped.first() {
        if decision == (Decision::Register { confirm: false })
            && *skip == Skip::Rule(DecisionError::NeedsConfirmation)
        {
            return OneDecision::Confirm(match lang {
                Lang::Zh => format!("“{content}”为专业科目，未经备案确认。确认登记？"),
                Lang::En => format!(
                    "\"{content}\" is a professional subject without confirmed filing. Register it?"
                ),
            });
        }
        let not = match (&decision, lang) {
            (Decision::Seal, Lang::Zh) => "未初审盖章：",
            (Decision::Seal, Lang::En) => "not sealed: ",
            (_, Lang::Zh) => "未登记：",
            (_, Lang::En) => "not registered: ",
        };
        return OneDecision::Said(format!("{not}{}", skip.describe(lang)));
    }
    OneDecision::Said(match (&decision, lang) {
        (Decision::Seal, Lang::Zh) => format!("已初审盖章：{content}。按 r 登记，u 撤销"),
        (Decision::Seal, Lang::En) => format!("sealed: {content}. r registers, u undoes"),
        (_, Lang::Zh) => format!("已登记：{content}，学时计入年度要求；u 撤销"),
        (_, Lang::En) => format!("registered: {content}; its hours count. u undoes"),
    })
}

fn state_label(s: EntryState, lang: Lang) -> &'static str {
    s.label(lang)
}

impl Screen for PersonScreen {
    fn scopes(&self) -> &'static [Scope] {
        &[Scope::Person, Scope::List]
    }

    fn title(&self, lang: Lang) -> String {
        lang.pick("人员详情", "Person").into()
    }

    fn reload(&mut self, ctx: &mut Ctx<'_>) -> Result<(), String> {
        let v = view(ctx.store, self.person_id, ctx.actor.now).map_err(|e| e.describe(ctx.lang))?;
        // The list's rows before the first draw measures them: the body (a list screen's rows
        // plus its borders, header and one) less the borders (2), the profile (2), the year
        // table (1 + YEARS_SHOWN) and the list's own header (1), as `render` lays them out.
        let rows = (ctx.page_rows + 4).saturating_sub(2 + 2 + 1 + YEARS_SHOWN + 1);
        self.entries.hint_rows(rows);
        self.events.hint_rows(rows);
        self.entries.show(v.entries.clone(), false, ctx);
        self.events.show(v.history.clone(), false, ctx);
        self.data = Some(v);
        Ok(())
    }

    fn fit(&mut self, ctx: &mut Ctx<'_>) -> bool {
        // Both lists: the one hidden behind `h` keeps its size for when it is shown.
        let entries = self.entries.fit(ctx);
        let events = self.events.fit(ctx);
        entries || events
    }

    fn on_action(&mut self, action: Action, ctx: &mut Ctx<'_>) -> Flow {
        match action {
            Action::Up
            | Action::Down
            | Action::PageUp
            | Action::PageDown
            | Action::Top
            | Action::Bottom => {
                if self.history {
                    self.events.navigate(action, ctx);
                } else {
                    self.entries.navigate(action, ctx);
                }
                Flow::Stay
            }
            Action::History => {
                self.history = !self.history;
                // Each list opens at its first row.
                let shown = if self.history {
                    self.events.apply_now(Plan::First, ctx)
                } else {
                    self.entries.apply_now(Plan::First, ctx)
                };
                Flow::from(shown)
            }
            Action::Open | Action::Evidence => match self.selected_entry() {
                Some(id) => Flow::Push(Box::new(EvidenceScreen::new(id))),
                None => Flow::Say(
                    ctx.lang
                        .pick("按 a 添加培训记录", "press a to add an entry")
                        .into(),
                ),
            },
            Action::AddEntry => Flow::Push(Box::new(EntryForm::new(self.person_id))),
            Action::EditEntry => self.correct(ctx),
            Action::Seal => self.decide(Decision::Seal, ctx),
            Action::Register => self.decide(Decision::Register { confirm: false }, ctx),
            Action::Edit => Flow::Push(Box::new(PersonForm::new(Some(self.person_id)))),
            Action::Preview => {
                let year = self.card_year(ctx);
                match CardScreen::open(self.person_id, year, ctx) {
                    Ok(card) => Flow::Push(Box::new(card)),
                    Err(e) => Flow::Say(e),
                }
            }
            Action::Back => Flow::Pop,
            _ => Flow::Stay,
        }
    }

    fn on_answer(&mut self, about: Question, answer: Option<&str>, ctx: &mut Ctx<'_>) -> Flow {
        match (about, answer) {
            (Question::RegisterEntry(id), Some(_)) => {
                let msg = match decide_entry(id, Decision::Register { confirm: true }, ctx) {
                    OneDecision::Said(msg) | OneDecision::Confirm(msg) => msg,
                };
                if let Err(e) = self.reload(ctx) {
                    return Flow::Say(e);
                }
                Flow::Say(msg)
            }
            _ => Flow::Say(ctx.lang.pick("已取消登记", "registration cancelled").into()),
        }
    }

    fn render(&self, f: &mut Frame, area: Rect, view: &View) {
        let lang = view.lang;
        let t = &view.theme;
        let Some(d) = &self.data else {
            f.render_widget(Paragraph::new(lang.pick("正在读取…", "loading…")), area);
            return;
        };
        let p = &d.person;
        let mut block = Block::default().borders(Borders::ALL).title(format!(
            " {} {} ",
            clean_line(&p.name),
            p.id_number
        ));
        // A list longer than its page says where the cursor is among all its rows.
        if let Some(at) = self.position() {
            let what = if self.history {
                lang.pick("决定历史", "decisions")
            } else {
                lang.pick("培训记录", "entries")
            };
            block = block.title_bottom(Line::from(format!(" {what} {at} ")).right_aligned());
        }
        let inner = block.inner(area);
        f.render_widget(block, area);
        let [profile, years, list] = Layout::vertical([
            Constraint::Length(2),
            Constraint::Length(1 + YEARS_SHOWN as u16),
            Constraint::Min(0),
        ])
        .areas(inner);

        // Profile.
        let level = p.title_level.map_or("", |l| l.label(lang));
        let blocked = if d.years.blocked {
            Span::styled(
                lang.pick("  【冻结：有弄虚作假记录】", "  [BLOCKED: falsification]"),
                t.bad,
            )
        } else {
            Span::raw("")
        };
        let line1 = Line::from(vec![
            Span::raw(format!(
                "{} · {} · {}",
                d.city,
                p.unit_kind.label(lang),
                clean_line(&p.unit)
            )),
            blocked,
        ]);
        let mut line2 = format!(
            "{}{} {} {}  {}{}",
            lang.pick("职称：", "title: "),
            clean_line(&p.title),
            level,
            clean_line(&p.series),
            lang.pick("电话：", "phone: "),
            clean_line(&p.phone)
        );
        if let Some(note) = &d.note {
            line2.push_str(&format!(
                "  {}{}",
                lang.pick("备注：", "note: "),
                clean_line(note)
            ));
        }
        let line2 = Line::from(line2);
        f.render_widget(Paragraph::new(vec![line1, line2]), profile);

        // Years: table on the left, bars on the right.
        let head = match lang {
            Lang::Zh => format!(
                "{}{}{}{}{}",
                pad("年度", 6),
                pad("公需", 7),
                pad("专业", 7),
                pad("合计", 7),
                // R5.4 The key to the year's record card, where the years are.
                "结论  v 备案卡"
            ),
            Lang::En => format!(
                "{}{}{}{}{}",
                pad("year", 6),
                pad("public", 7),
                pad("prof.", 7),
                pad("total", 7),
                "result  v card"
            ),
        };
        let mut lines = vec![Line::from(Span::styled(head, t.header))];
        let shown: Vec<_> = d.years.years.iter().rev().take(YEARS_SHOWN).collect();
        for y in shown.iter().rev() {
            let verdict = if y.pass() {
                Span::styled(lang.pick("合格", "pass"), t.good)
            } else {
                let why: Vec<&str> = y
                    .shortfalls
                    .iter()
                    .map(|s| match s {
                        crate::domain::verification::Shortfall::Public => lang.pick("公需", "pub"),
                        crate::domain::verification::Shortfall::Professional => {
                            lang.pick("专业", "prof")
                        }
                        crate::domain::verification::Shortfall::Total => lang.pick("合计", "total"),
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
        let [left, right] =
            Layout::horizontal([Constraint::Min(44), Constraint::Length(BAR_COLS as u16 + 8)])
                .areas(years);
        f.render_widget(Paragraph::new(lines), left);
        let mut bars = vec![Line::from(Span::styled(
            lang.pick("学时（|=要求）", "hours (|=required)"),
            t.header,
        ))];
        for y in shown.iter().rev() {
            let filled = bar(y.total, y.policy.total_min);
            let mut s: String = "█".repeat(filled.min(BAR_COLS));
            s.push_str(&" ".repeat(BAR_COLS.saturating_sub(filled)));
            // The required total sits at three quarters of the bar.
            let mark = BAR_COLS * 3 / 4;
            let mut chars: Vec<char> = s.chars().collect();
            if mark < chars.len() && chars[mark] == ' ' {
                chars[mark] = '|';
            }
            let style = if y.pass() { t.good } else { t.bad };
            bars.push(Line::from(Span::styled(
                chars.into_iter().collect::<String>(),
                style,
            )));
        }
        f.render_widget(Paragraph::new(bars), right);

        // Entries or history.
        let mut out = Vec::new();
        if self.history {
            out.push(Line::from(Span::styled(
                lang.pick(
                    "决定历史（h 切换回培训记录）",
                    "decisions (h: back to entries)",
                ),
                t.header,
            )));
            self.events.measure(list.height.saturating_sub(1));
            for (i, h) in self.events.rows().iter().enumerate() {
                let text = history_text(&h.row, lang, list.width as usize);
                let style = if i == self.events.row() {
                    t.selected
                } else {
                    Style::default()
                };
                out.push(Line::from(Span::styled(text, style)));
            }
        } else {
            let w = list.width as usize;
            // Column widths: English words are longer than their Chinese names.
            let (cat_w, form_w, state_w, counts_w) = match lang {
                Lang::Zh => (4, 8, 8, 4),
                Lang::En => (4, 10, 10, 6),
            };
            // Six columns of fixed width and six separating spaces; the content takes the rest.
            let content_w = w.saturating_sub(4 + cat_w + form_w + 6 + state_w + counts_w + 6);
            let columns = |year: &str,
                           cat: &str,
                           form: &str,
                           content: &str,
                           hours: &str,
                           state: &str,
                           counts: &str| {
                format!(
                    "{} {} {} {} {} {} {}",
                    fit(year, 4),
                    fit(cat, cat_w),
                    fit(form, form_w),
                    fit(content, content_w),
                    fit(hours, 6),
                    fit(state, state_w),
                    counts
                )
            };
            let head = match lang {
                Lang::Zh => columns("年度", "类别", "形式", "内容", "学时", "状态", "计入"),
                Lang::En => columns(
                    "year", "cat.", "form", "content", "hours", "state", "counts",
                ),
            };
            out.push(Line::from(Span::styled(head, t.header)));
            if d.entries.is_empty() {
                out.push(Line::from(lang.pick(
                    "还没有培训记录。按 a 添加第一条。",
                    "No entries yet. Press a to add the first.",
                )));
            }
            self.entries.measure(list.height.saturating_sub(1));
            for (i, e) in self.entries.rows().iter().enumerate() {
                let e = &e.row;
                let s = &e.summary;
                let cat = Category::parse(&s.category).map_or("", |c| match lang {
                    Lang::Zh => c.label(lang),
                    Lang::En => match c {
                        Category::Public => "pub",
                        Category::Professional => "prof",
                    },
                });
                let form = Form::parse(&s.form).map_or(s.form.as_str(), |f| f.label(lang));
                let counts = if e.counts {
                    lang.pick("是", "yes")
                } else {
                    lang.pick("否", "no")
                };
                let text = columns(
                    &s.year.to_string(),
                    cat,
                    form,
                    &clean_line(&s.content),
                    &s.hours.to_string(),
                    state_label(s.state, lang),
                    counts,
                );
                let style = if i == self.entries.row() {
                    t.selected
                } else {
                    Style::default()
                };
                out.push(Line::from(Span::styled(text, style)));
            }
        }
        f.render_widget(Paragraph::new(out), list);
    }
}

/// R5.5 One line of the history as a clerk reads it: when to the second, who, what happened
/// (登记, 初审盖章, 收到材料 …) and to what (the entry's date and content, the item, the
/// reason), fitted to `cols`.
fn history_text(h: &HistoryLine, lang: Lang, cols: usize) -> String {
    let event_w = match lang {
        Lang::Zh => 12,
        Lang::En => 17,
    };
    let line = format!(
        "{} {} {} {}",
        fit(&h.at, 19),
        fit(&clean_line(&h.user), 8),
        fit(&event_label(&h.action, lang), event_w),
        h.what.text(lang)
    );
    fit(&line, cols)
}

/// Columns of a bar for `total` when the requirement fills three quarters of it.
fn bar(total: Hours, required: Hours) -> usize {
    let req = required.tenths().max(1);
    ((total.tenths() * (BAR_COLS as i64 * 3 / 4)) / req).clamp(0, BAR_COLS as i64) as usize
}

#[cfg(test)]
mod tests {
    use ratatui::crossterm::event::KeyCode;

    use crate::i18n::Lang;
    use crate::service::fixtures::store_with;
    use crate::service::review::{Decision, decide};
    use crate::tui::testing::Driver;

    const PRO: &str =
        "专业,远程教育,临床新进展,湖南人才市场有限公司,2016-04-01,2016-04-30,60,合格,学习证明材料";
    const PUB: &str =
        "公需,培训班,保密意识和保密常识教育,湖南师范大学,2016-05-10,2016-05-12,30,合格,";

    fn registered_store() -> crate::store::Store {
        let mut store = store_with(&[PRO, PUB]);
        let a = crate::service::fixtures::actor("lijun");
        let ids: Vec<i64> = store
            .conn()
            .prepare("SELECT id FROM entries ORDER BY id")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(|r| r.unwrap())
            .collect();
        decide(&mut store, &a, &ids, &Decision::Seal, &mut |_, _| {}).unwrap();
        decide(
            &mut store,
            &a,
            &ids,
            &Decision::Register { confirm: true },
            &mut |_, _| {},
        )
        .unwrap();
        store
    }

    #[test]
    fn person_screen_shows_years_against_policy_and_why_short() {
        let mut d = Driver::new(registered_store(), Lang::Zh);
        d.key(KeyCode::Enter);
        let s = d.screen();
        assert!(s.contains("张伟 11010519491231002X"), "{s}");
        // 2016: 60 professional registered; the public entry was never complete, so never
        // sealed: public short (R2.1).
        assert!(
            s.contains("2016  0      60     60     不足：公需、合计"),
            "{s}"
        );
        assert!(s.contains("临床新进展"), "{s}");
        insta::assert_snapshot!("person_zh", s);
        d.key(KeyCode::Char('h'));
        assert!(!d.shows("entry.register"), "{}", d.screen());
        assert!(d.shows("lijun"));
    }

    #[test]
    fn person_screen_in_english() {
        let mut d = Driver::new(registered_store(), Lang::En);
        d.key(KeyCode::Enter);
        assert!(d.shows("short: pub, total"), "{}", d.screen());
        insta::assert_snapshot!("person_en", d.screen());
    }

    #[test]
    fn r5_1_correct_an_entry_from_the_person_screen_key_by_key() {
        let mut d = Driver::new(registered_store(), Lang::Zh);
        d.key(KeyCode::Enter);
        assert!(d.shows("c 更正培训"), "{}", d.screen());
        // The first row is registered: a decision stands, the form does not open.
        d.key(KeyCode::Char('c'));
        assert!(d.shows("第1条培训记录已登记，不能更正"), "{}", d.screen());
        assert!(d.shows("人员详情") || d.shows("张伟 11010519491231002X"));
        assert!(!d.shows("更正培训记录"), "{}", d.screen());
        // The second is only recorded: correct its hours.
        d.key(KeyCode::Char('j')).key(KeyCode::Char('c'));
        assert!(d.shows("更正培训记录"), "{}", d.screen());
        assert!(d.shows("保密意识和保密常识教育"), "{}", d.screen());
        for _ in 0..6 {
            d.key(KeyCode::Tab);
        }
        assert!(d.shows("> 学时*     30"), "{}", d.screen());
        d.ctrl('u').keys("24").ctrl('s');
        assert!(d.shows("已更正第2条培训记录"), "{}", d.screen());
        assert!(
            d.shows("2016 公需 培训班   保密意识和保密常识教育                 24     已记录"),
            "{}",
            d.screen()
        );
        // Back on the person screen: Esc leaves it, not a spent form.
        d.key(KeyCode::Esc);
        assert!(!d.shows("更正培训记录"), "{}", d.screen());
        assert!(!d.shows("张伟 11010519491231002X"), "{}", d.screen());
    }

    fn states(store: &crate::store::Store) -> Vec<(String, bool)> {
        store
            .conn()
            .prepare("SELECT state, confirmed FROM entries ORDER BY id")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(|r| r.unwrap())
            .collect()
    }

    /// R5.1, R4.4 From the person's entry whose evidence is complete: `s` seals, `r` registers
    /// after the explicit confirmation a professional subject without filing needs, through the
    /// review service (same audit rows as the review screen), and `u` undoes.
    #[test]
    fn r5_1_seal_and_register_from_the_person_screen() {
        let mut d = Driver::new(store_with(&[PRO, PUB]), Lang::Zh);
        d.key(KeyCode::Enter);
        // The public class has no evidence: not sealed, and why.
        d.key(KeyCode::Char('j')).key(KeyCode::Char('s'));
        assert!(d.shows("未初审盖章："), "{}", d.screen());
        d.key(KeyCode::Char('k')).key(KeyCode::Char('s'));
        assert!(
            d.shows("已初审盖章：临床新进展。按 r 登记，u 撤销"),
            "{}",
            d.screen()
        );
        assert!(d.shows("已初审"), "{}", d.screen());
        d.key(KeyCode::Char('r'));
        assert!(
            d.shows("为专业科目，未经备案确认。确认登记？"),
            "{}",
            d.screen()
        );
        d.key(KeyCode::Char('n'));
        assert!(d.shows("已取消登记"), "{}", d.screen());
        assert_eq!(states(d.app.store())[0], ("sealed".to_string(), false));
        d.key(KeyCode::Char('r')).key(KeyCode::Char('y'));
        assert!(
            d.shows("已登记：临床新进展，学时计入年度要求；u 撤销"),
            "{}",
            d.screen()
        );
        assert_eq!(states(d.app.store())[0], ("registered".to_string(), true));
        // Its 60 professional hours count in 2016 now.
        assert!(d.shows("2016  0      60     60"), "{}", d.screen());
        let actions: Vec<(String, String)> = d
            .app
            .store()
            .conn()
            .prepare("SELECT action, user FROM audit WHERE action IN ('entry.seal', 'entry.register') ORDER BY id")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(|r| r.unwrap())
            .collect();
        assert_eq!(
            actions,
            [
                ("entry.seal".to_string(), "wangfang".to_string()),
                ("entry.register".to_string(), "wangfang".to_string())
            ]
        );
        d.key(KeyCode::Char('u'));
        assert!(
            d.shows("已撤销：登记 1 条（张伟 临床新进展）"),
            "{}",
            d.screen()
        );
        assert_eq!(states(d.app.store())[0].0, "sealed");
    }

    #[test]
    fn r5_1_register_from_the_person_screen_in_english_says_why_not() {
        let mut d = Driver::new(store_with(&[PRO]), Lang::En);
        d.key(KeyCode::Enter).key(KeyCode::Char('r'));
        assert!(d.shows("not registered: "), "{}", d.screen());
        assert_eq!(states(d.app.store())[0].0, "evidence_complete");
        d.key(KeyCode::Char('s'));
        assert!(
            d.shows("sealed: 临床新进展. r registers, u undoes"),
            "{}",
            d.screen()
        );
    }

    /// R5.1 The evidence screen goes on from "complete" to the seal with the same key.
    #[test]
    fn r5_1_the_evidence_screen_seals_once_complete() {
        const BARE: &str =
            "专业,学术会议,学术年会,湖南省医学会,2016-05-01,2016-05-02,12,合格,学术会议邀请函";
        let mut d = Driver::new(store_with(&[BARE]), Lang::Zh);
        d.key(KeyCode::Enter).key(KeyCode::Char('m'));
        d.key(KeyCode::Char('s'));
        assert!(d.shows("未初审盖章："), "{}", d.screen());
        d.key(KeyCode::Char('j')).key(KeyCode::Char(' '));
        assert!(
            d.shows("材料齐全，可送初审盖章（s 初审盖章）"),
            "{}",
            d.screen()
        );
        d.key(KeyCode::Char('s'));
        assert!(d.shows("已初审盖章：学术年会"), "{}", d.screen());
        assert!(d.shows("状态：已初审"), "{}", d.screen());
        assert_eq!(states(d.app.store())[0].0, "sealed");
    }

    /// R5.5 The history shows what a clerk reads: when to the second, who, what happened and
    /// to which entry — not audit codes or row ids.
    #[test]
    fn r5_5_history_reads_as_events_on_entries_with_full_timestamps() {
        let mut d = Driver::new(registered_store(), Lang::Zh);
        d.key(KeyCode::Enter).key(KeyCode::Char('h'));
        let s = d.screen();
        assert!(
            s.contains("2017-07-15 10:00:00 lijun    登记         2016-04-01 临床新进展"),
            "{s}"
        );
        assert!(
            s.contains("2017-07-15 10:00:00 lijun    初审盖章     2016-04-01 临床新进展"),
            "{s}"
        );
        // The entries came from a roster: its one import record (R5.5), named by its file.
        assert!(
            s.contains("2017-07-15 10:00:00 clerk    名册导入     test.csv"),
            "{s}"
        );
        assert!(!s.contains("entry:"), "{s}");
        assert!(!s.contains("entry.seal"), "{s}");
        assert!(!s.contains("+08:00"), "{s}");
    }

    /// R5.5 A decision stamped by a process that ran on UTC (a server whose time zone was left
    /// at UTC, a cron job) reads at the clerk's hour, like every other time of the session.
    #[test]
    fn r5_5_history_shows_a_decision_stamped_in_utc_at_the_clerks_local_hour() {
        let mut store = store_with(&[PRO]);
        let mut on_utc = crate::service::fixtures::actor("lijun");
        on_utc.now = chrono::DateTime::parse_from_rfc3339("2017-07-15T02:30:05Z").unwrap();
        let ids: Vec<i64> = vec![
            store
                .conn()
                .query_row("SELECT id FROM entries", [], |r| r.get(0))
                .unwrap(),
        ];
        decide(&mut store, &on_utc, &ids, &Decision::Seal, &mut |_, _| {}).unwrap();
        // The clerk's session runs at +08:00 (the fixtures' clock).
        let mut d = Driver::new(store, Lang::Zh);
        d.key(KeyCode::Enter).key(KeyCode::Char('h'));
        let s = d.screen();
        assert!(s.contains("2017-07-15 10:30:05 lijun    初审盖章"), "{s}");
        assert!(!s.contains("02:30:05"), "{s}");
    }

    #[test]
    fn r5_5_history_in_english_names_the_evidence_and_the_filing_decision() {
        use crate::service::filings::{approve, sample_filing, save_filing};
        use crate::service::fixtures::actor;
        let mut store = store_with(&[
            "公需,培训班,保密意识和保密常识教育,湖南师范大学,2017-06-01,2017-06-03,30,合格,",
        ]);
        let a = actor("lisi");
        let fid = save_filing(&mut store, &a, &sample_filing("2017-001")).unwrap();
        store
            .conn()
            .execute("UPDATE entries SET filing_id = ?1", [fid])
            .unwrap();
        approve(
            &mut store,
            &a,
            &[fid],
            chrono::NaiveDate::from_ymd_opt(2017, 7, 10).unwrap(),
        )
        .unwrap();
        let mut d = Driver::new(store, Lang::En);
        d.key(KeyCode::Enter).key(KeyCode::Char('m'));
        d.key(KeyCode::Char(' '));
        d.key(KeyCode::Esc).key(KeyCode::Char('h'));
        let s = d.screen();
        assert!(
            s.contains(
                "2017-07-15 10:00:00 wangfang evidence received training notice · 2017-06-01"
            ),
            "{s}"
        );
        assert!(
            s.contains("lisi     filing approved   as of 2017-07-10 · 2017-001 20"),
            "{s}"
        );
        assert!(!s.contains("filing.approve"), "{s}");
    }

    #[test]
    fn correcting_in_english_says_why_not() {
        let mut d = Driver::new(registered_store(), Lang::En);
        d.key(KeyCode::Enter).key(KeyCode::Char('c'));
        assert!(
            d.shows("entry 1 is registered: a sealed, registered or refused entry cannot be"),
            "{}",
            d.screen()
        );
    }

    /// Tester's fault 1: another clerk imports an entry for the person on screen (a 2017 one,
    /// listed first); the refresh keeps the highlight on the entry the clerk was on, and
    /// `Enter` opens that one, not the new row now on its line. Its place in the border moves
    /// with it.
    #[test]
    fn another_clerks_import_keeps_the_cursor_on_the_same_entry() {
        use crate::service::fixtures::{add_entries, add_zhang};
        for lang in [Lang::Zh, Lang::En] {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("shared.sqlite");
            let mut store = crate::store::Store::open(&path).unwrap();
            add_zhang(&mut store, "lijun");
            let rows: Vec<String> = (1..=12)
                .map(|m| format!("专业,远程教育,专题{m:02},湖南人才市场有限公司,2016-{m:02}-01,2016-{m:02}-02,10,合格,学习证明材料"))
                .collect();
            let rows: Vec<&str> = rows.iter().map(String::as_str).collect();
            add_entries(&mut store, "lijun", &rows);
            let mut d = Driver::new(store, lang);
            d.key(KeyCode::Enter).keys("jjj");
            assert!(d.shows(" 4/12 ┘"), "{}", d.screen());
            // Another clerk, another connection: a 2017 entry for him, first in his list.
            let mut other = crate::store::Store::open(&path).unwrap();
            add_entries(
                &mut other,
                "lijun",
                &["公需,培训班,新增课程,湖南师范大学,2017-03-10,2017-03-12,30,合格,"],
            );
            assert!(d.app.tick(), "the commit is seen");
            d.draw();
            assert!(d.shows("新增课程"), "{}", d.screen());
            assert!(
                d.shows(" 5/13 ┘"),
                "the cursor moved down with its entry: {}",
                d.screen()
            );
            d.key(KeyCode::Enter);
            assert!(d.shows("专题04"), "{}", d.screen());
            assert!(!d.shows("新增课程"), "{}", d.screen());
        }
    }

    /// A person with more entries than the page shows: the list says where the cursor is
    /// among all of them (issue 8), and so does the history of decisions, in both languages.
    #[test]
    fn long_lists_show_the_scroll_position() {
        let rows: Vec<String> = (1..=17)
            .map(|i| {
                format!(
                    "专业,远程教育,临床专题{i},湖南人才市场有限公司,2016-{:02}-01,2016-{:02}-02,10,合格,学习证明材料",
                    1 + i % 12,
                    1 + i % 12
                )
            })
            .collect();
        let rows: Vec<&str> = rows.iter().map(String::as_str).collect();
        for (lang, entries, decisions) in [
            (Lang::Zh, "培训记录", "决定历史"),
            (Lang::En, "entries", "decisions"),
        ] {
            // Each entry sealed: a decision history longer than its page (a roster itself is
            // one record, R5.5).
            let mut store = store_with(&rows);
            let ids: Vec<i64> = (1..=17).collect();
            let a = crate::service::fixtures::actor("lijun");
            decide(&mut store, &a, &ids, &Decision::Seal, &mut |_, _| {}).unwrap();
            let mut d = Driver::new(store, lang);
            d.key(KeyCode::Enter);
            assert!(d.shows(&format!(" {entries} 1/17 ┘")), "{}", d.screen());
            // Every row of the list's area holds an entry: nine at 80×24, no blank rows.
            let listed = d.screen().matches("临床专题").count();
            assert_eq!(listed, 9, "{}", d.screen());
            d.keys("jjj");
            assert!(d.shows(&format!(" {entries} 4/17 ┘")), "{}", d.screen());
            d.key(KeyCode::End);
            assert!(d.shows(&format!(" {entries} 17/17 ┘")), "{}", d.screen());
            d.key(KeyCode::Char('h'));
            let s = d.screen();
            let bottom = s.lines().find(|l| l.starts_with('└')).unwrap_or("");
            assert!(bottom.contains(&format!(" {decisions} 1/")), "{s}");
            assert_eq!(crate::domain::text::width(bottom), 80, "{s}");
        }
        // A short list is not numbered.
        let mut d = Driver::new(store_with(&[PRO]), Lang::Zh);
        d.key(KeyCode::Enter);
        assert!(!d.shows("/1 ┘"), "{}", d.screen());
    }
}
