//! The evidence checklist of one entry (R3): one line per item of the form's checklist, its
//! either-or options side by side ("培训课程表 或 培训日程安排"); ↑/↓ (j/k) choose an option,
//! Space marks it received or not. The header shows the entry and its state, and says
//! "材料齐全" the moment the last item arrives (R5.1).

use std::collections::BTreeSet;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::keys::{Action, Scope};
use super::screen::{Ctx, Flow, Screen, View};
use crate::domain::text::{clean_line, fit, width};
use crate::domain::{Checklist, Entry, EntryState};
use crate::i18n::{Describe, Lang};
use crate::service::review::set_evidence;
use crate::store::{entries, people};

struct Shown {
    /// Name and ID number of the person.
    who: String,
    entry: Entry,
    checklist: Checklist,
    have: BTreeSet<String>,
}

pub struct EvidenceScreen {
    entry_id: i64,
    shown: Option<Shown>,
    /// Index into the options of all items, in order.
    cursor: usize,
}

impl EvidenceScreen {
    pub fn new(entry_id: i64) -> EvidenceScreen {
        EvidenceScreen {
            entry_id,
            shown: None,
            cursor: 0,
        }
    }

    /// (item, option) of every option, in checklist order.
    fn options(&self) -> Vec<(usize, usize)> {
        self.shown.as_ref().map_or_else(Vec::new, |s| {
            s.checklist
                .items
                .iter()
                .enumerate()
                .flat_map(|(i, item)| (0..item.options.len()).map(move |o| (i, o)))
                .collect()
        })
    }

    fn selected(&self) -> Option<(String, String, String)> {
        let s = self.shown.as_ref()?;
        let (i, o) = *self.options().get(self.cursor)?;
        let opt = s.checklist.items.get(i)?.options.get(o)?;
        Some((opt.code.clone(), opt.zh.clone(), opt.en.clone()))
    }

    fn toggle(&mut self, ctx: &mut Ctx<'_>) -> Flow {
        let lang = ctx.lang;
        let (Some(s), Some((code, zh, en))) = (&self.shown, self.selected()) else {
            return Flow::Stay;
        };
        let before = s.entry.state;
        let received = !s.have.contains(&code);
        match set_evidence(ctx.store, ctx.actor, self.entry_id, &code, received) {
            Ok(Ok(state)) => {
                if let Err(e) = self.reload(ctx) {
                    return Flow::Say(e);
                }
                let name = clean_line(lang.pick(&zh, &en));
                Flow::Say(match (state, before, received, lang) {
                    (EntryState::EvidenceComplete, EntryState::Recorded, _, Lang::Zh) => {
                        "材料齐全，可送初审盖章".into()
                    }
                    (EntryState::EvidenceComplete, EntryState::Recorded, _, Lang::En) => {
                        "evidence complete: ready to be sealed".into()
                    }
                    (_, _, true, Lang::Zh) => format!("已收到：{name}"),
                    (_, _, true, Lang::En) => format!("received: {name}"),
                    (_, _, false, Lang::Zh) => format!("改为未收：{name}"),
                    (_, _, false, Lang::En) => format!("not received: {name}"),
                })
            }
            Ok(Err(refusal)) => Flow::Say(refusal.describe(lang)),
            Err(e) => Flow::Say(e.describe(lang)),
        }
    }
}

impl Screen for EvidenceScreen {
    fn scopes(&self) -> &'static [Scope] {
        &[Scope::Evidence]
    }

    fn title(&self, lang: Lang) -> String {
        lang.pick("证明材料", "Evidence").into()
    }

    fn reload(&mut self, ctx: &mut Ctx<'_>) -> Result<(), String> {
        let lang = ctx.lang;
        let conn = ctx.store.conn();
        let rec = entries::get(conn, self.entry_id)
            .map_err(|e| e.describe(lang))?
            .ok_or_else(|| lang.pick("条目不存在", "no such entry").to_string())?;
        let who = people::get(conn, rec.person_id)
            .map_err(|e| e.describe(lang))?
            .map(|p| format!("{} {}", clean_line(&p.name), p.id_number))
            .unwrap_or_default();
        let have = entries::evidence(conn, self.entry_id).map_err(|e| e.describe(lang))?;
        let checklist = ctx
            .reference
            .checklist(rec.entry.form)
            .cloned()
            .unwrap_or_default();
        self.shown = Some(Shown {
            who,
            entry: rec.entry,
            checklist,
            have,
        });
        self.cursor = self.cursor.min(self.options().len().saturating_sub(1));
        Ok(())
    }

    fn on_action(&mut self, action: Action, ctx: &mut Ctx<'_>) -> Flow {
        match action {
            Action::Up => {
                self.cursor = self.cursor.saturating_sub(1);
                Flow::Stay
            }
            Action::Down => {
                self.cursor = (self.cursor + 1).min(self.options().len().saturating_sub(1));
                Flow::Stay
            }
            Action::Toggle => self.toggle(ctx),
            Action::Back => Flow::Pop,
            _ => Flow::Stay,
        }
    }

    fn render(&self, f: &mut Frame, area: Rect, view: &View) {
        let lang = view.lang;
        let t = &view.theme;
        let block = Block::default()
            .borders(Borders::ALL)
            .title(format!(" {} ", self.title(lang)));
        let inner = block.inner(area);
        f.render_widget(block, area);
        let Some(s) = &self.shown else {
            return;
        };
        let w = inner.width as usize;
        let e = &s.entry;
        let missing = s.checklist.missing(&s.have).len();
        let total = s.checklist.items.len();
        let state = match (e.state, lang) {
            (EntryState::Recorded, Lang::Zh) => {
                format!("已记录，尚缺{missing}项（共{total}项）")
            }
            (EntryState::Recorded, Lang::En) => {
                format!("recorded, {missing} of {total} items missing")
            }
            (other, lang) => other.label(lang).to_string(),
        };
        let state_style = match e.state {
            EntryState::Recorded => t.bad,
            EntryState::Refused => t.bad,
            _ => t.good,
        };
        let mut lines: Vec<Line> = vec![
            Line::from(fit(&s.who, w)),
            Line::from(fit(
                &format!(
                    "{} {} {} · {}",
                    e.year,
                    e.category.label(lang),
                    e.form.label(lang),
                    clean_line(&e.content)
                ),
                w,
            )),
            Line::from(fit(
                &match lang {
                    Lang::Zh => format!(
                        "{} · {} 至 {} · {}学时 · {}",
                        clean_line(&e.provider),
                        e.start_date,
                        e.end_date,
                        e.hours,
                        e.result.label(lang)
                    ),
                    Lang::En => format!(
                        "{} · {} to {} · {} h · {}",
                        clean_line(&e.provider),
                        e.start_date,
                        e.end_date,
                        e.hours,
                        e.result.label(lang)
                    ),
                },
                w,
            )),
            Line::from(vec![
                Span::raw(lang.pick("状态：", "state: ")),
                Span::styled(state, state_style),
            ]),
            Line::from(""),
        ];
        if s.checklist.items.is_empty() {
            lines.push(Line::from(lang.pick(
                "此学习形式没有材料清单",
                "this form of study has no checklist",
            )));
        }
        let options = self.options();
        let cursor = options.get(self.cursor).copied();
        let sep = lang.pick(" 或 ", " or ");
        for (i, item) in s.checklist.items.iter().enumerate() {
            let done = item.options.iter().any(|o| s.have.contains(&o.code));
            let here = cursor.is_some_and(|(ci, _)| ci == i);
            let mut spans = vec![
                Span::raw(if here { "> " } else { "  " }),
                Span::raw(format!("{}. ", item.number)),
                if done {
                    Span::styled(fit(lang.pick("已收", "have"), 5), t.good)
                } else {
                    Span::styled(fit(lang.pick("缺", "need"), 5), t.bad)
                },
            ];
            for (o, opt) in item.options.iter().enumerate() {
                if o > 0 {
                    spans.push(Span::raw(sep));
                }
                let mark = if s.have.contains(&opt.code) {
                    "[x] "
                } else {
                    "[ ] "
                };
                let style = if cursor == Some((i, o)) {
                    t.selected
                } else {
                    Style::default()
                };
                spans.push(Span::styled(
                    format!("{mark}{}", clean_line(lang.pick(&opt.zh, &opt.en))),
                    style,
                ));
            }
            lines.push(Line::from(spans));
        }
        lines.push(Line::from(""));
        let hint = lang.pick(
            "空格 标记收到/未收  ↑↓ 选择  Esc 返回",
            "Space marks received or not  ↑↓ choose  Esc back",
        );
        if width(hint) <= w {
            lines.push(Line::from(Span::styled(hint, t.dim)));
        }
        f.render_widget(Paragraph::new(lines), inner);
    }
}

#[cfg(test)]
mod tests {
    use ratatui::crossterm::event::KeyCode;

    use crate::domain::EntryState;
    use crate::i18n::Lang;
    use crate::service::fixtures::{actor, store_with};
    use crate::service::review::{Decision, decide};
    use crate::store::{Store, entries};
    use crate::tui::form::screen;
    use crate::tui::testing::Driver;

    const CLASS: &str =
        "公需,培训班,保密意识和保密常识教育,湖南师范大学,2017-05-10,2017-05-12,30,合格,培训通知";
    const VISIT: &str = "专业,学术访问,临床护理交流,湖南省人民医院,2016-09-01,2016-09-03,12,合格,学术访问邀请函;相关证明材料";

    fn shows(d: &mut Driver, text: &str) -> bool {
        screen(d).contains(text)
    }

    fn only_entry(store: &Store) -> i64 {
        store
            .conn()
            .query_row("SELECT id FROM entries ORDER BY id LIMIT 1", [], |r| {
                r.get(0)
            })
            .unwrap()
    }

    /// People → 张伟 → `m` on the first entry.
    fn open(store: Store, lang: Lang) -> Driver {
        let mut d = Driver::new(store, lang);
        d.key(KeyCode::Enter).key(KeyCode::Char('m'));
        d
    }

    #[test]
    fn r3_either_or_items_share_one_line_and_one_of_them_is_enough() {
        let store = store_with(&[CLASS]);
        let id = only_entry(&store);
        let mut d = open(store, Lang::Zh);
        assert!(shows(&mut d, "已记录，尚缺3项（共4项）"), "{}", d.screen());
        assert!(
            shows(&mut d, "3. 缺   [ ] 培训课程表 或 [ ] 培训日程安排"),
            "{}",
            d.screen()
        );
        // The agenda, the fourth option, satisfies item 3.
        d.key(KeyCode::Down).key(KeyCode::Down).key(KeyCode::Down);
        d.key(KeyCode::Char(' '));
        assert!(shows(&mut d, "已收到：培训日程安排"), "{}", d.screen());
        assert!(
            shows(&mut d, "3. 已收 [ ] 培训课程表 或 [x] 培训日程安排"),
            "{}",
            d.screen()
        );
        d.key(KeyCode::Char('k')).key(KeyCode::Char('k'));
        d.key(KeyCode::Char(' '));
        d.key(KeyCode::Char('j')).key(KeyCode::Char('j'));
        d.key(KeyCode::Char('j')).key(KeyCode::Char(' '));
        assert!(shows(&mut d, "状态：材料齐全"), "{}", d.screen());
        let e = entries::get(d.app.store().conn(), id).unwrap().unwrap();
        assert_eq!(e.entry.state, EntryState::EvidenceComplete);
        // The clerk's name is on every item received (R5.5).
        let who: String = d
            .app
            .store()
            .conn()
            .query_row(
                "SELECT received_by FROM entry_evidence WHERE entry_id = ?1 AND code = 'agenda'",
                [id],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(who, "wangfang");
    }

    #[test]
    fn r5_1_evidence_of_a_sealed_entry_is_settled_and_the_refusal_is_shown() {
        let mut store = store_with(&[VISIT]);
        let id = only_entry(&store);
        decide(
            &mut store,
            &actor("lijun"),
            &[id],
            &Decision::Seal,
            &mut |_, _| {},
        )
        .unwrap();
        let mut d = open(store, Lang::Zh);
        assert!(shows(&mut d, "状态：已初审"), "{}", d.screen());
        d.key(KeyCode::Char(' '));
        assert!(
            shows(&mut d, "状态为“已初审”的条目不能改为“材料齐全”"),
            "{}",
            d.screen()
        );
        assert!(shows(&mut d, "[x] 学术访问邀请函"), "{}", d.screen());
        d.key(KeyCode::Esc);
        assert!(shows(&mut d, "a 添加培训"), "{}", d.screen());
    }

    #[test]
    fn evidence_zh() {
        let mut d = open(store_with(&[CLASS]), Lang::Zh);
        d.key(KeyCode::Char('j')).key(KeyCode::Char('j'));
        insta::assert_snapshot!("evidence_zh", screen(&mut d));
    }

    #[test]
    fn evidence_en() {
        let mut d = open(store_with(&[CLASS]), Lang::En);
        d.key(KeyCode::Char('j')).key(KeyCode::Char(' '));
        assert!(shows(&mut d, "received: sign-in sheet"), "{}", d.screen());
        insta::assert_snapshot!("evidence_en", screen(&mut d));
    }
}
