//! The evidence checklist of one entry (R3): one line per item of the form's checklist, its
//! either-or options side by side ("培训课程表 或 培训日程安排"). `j`/`k` (↑/↓) move from item to
//! item; on an either-or item ←/→ choose the alternative and Space cycles through them (none →
//! the first → the second → none), so `Space j` four times ticks a four-item checklist. The
//! header shows the entry and its state, and says "材料齐全" the moment the last item arrives
//! (R5.1).

use std::collections::BTreeSet;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::keys::{Action, Scope};
use super::person::{OneDecision, decide_entry};
use super::screen::{Ask, Ctx, Flow, Question, Screen, View};
use crate::domain::text::{clean_line, fit, width};
use crate::domain::{Checklist, Entry, EntryState};
use crate::i18n::{Describe, Lang};
use crate::service::review::{Decision, set_evidence};
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
    /// The checklist item the cursor is on.
    item: usize,
    /// The alternative of that item the cursor is on (0 for an item of one option).
    alt: usize,
}

/// What one Space on an item does to its options, given which are received and which one the
/// cursor is on: the option to receive (if any) and the options to withdraw.
///
/// An item of one option toggles it. An either-or item holds one alternative at a time: Space
/// on one not received takes it (and lets go of the others); Space on the one received moves on
/// to the next alternative, and past the last to none, so repeated Space cycles
/// none → A → B → none.
fn space_on(received: &[bool], cursor: usize) -> (Option<usize>, Vec<usize>) {
    let n = received.len();
    if n == 0 {
        return (None, Vec::new());
    }
    let cursor = cursor.min(n - 1);
    let target = if n == 1 {
        (!received[0]).then_some(0)
    } else if !received[cursor] {
        Some(cursor)
    } else {
        (cursor + 1 < n).then_some(cursor + 1)
    };
    let withdraw = (0..n)
        .filter(|&o| received[o] && Some(o) != target)
        .collect();
    (target, withdraw)
}

impl EvidenceScreen {
    pub fn new(entry_id: i64) -> EvidenceScreen {
        EvidenceScreen {
            entry_id,
            shown: None,
            item: 0,
            alt: 0,
        }
    }

    fn items(&self) -> usize {
        self.shown.as_ref().map_or(0, |s| s.checklist.items.len())
    }

    fn options_of(&self, item: usize) -> usize {
        self.shown
            .as_ref()
            .and_then(|s| s.checklist.items.get(item))
            .map_or(0, |i| i.options.len())
    }

    /// On arriving at an item, the cursor sits on the alternative received, else the first.
    fn go_to_item(&mut self, item: usize) {
        self.item = item.min(self.items().saturating_sub(1));
        self.alt = self
            .shown
            .as_ref()
            .and_then(|s| {
                s.checklist
                    .items
                    .get(self.item)?
                    .options
                    .iter()
                    .position(|o| s.have.contains(&o.code))
            })
            .unwrap_or(0);
    }

    /// `←`/`→` on an either-or item: move to the other alternative; when the item holds one
    /// already, the receipt moves with the cursor (one alternative at a time), so `←→` choose.
    fn choose(&mut self, forward: bool, ctx: &mut Ctx<'_>) -> Flow {
        let n = self.options_of(self.item);
        if n < 2 {
            return Flow::Stay;
        }
        let next = if forward {
            (self.alt + 1).min(n - 1)
        } else {
            self.alt.saturating_sub(1)
        };
        self.alt = next;
        let Some(received) = self.received_of(self.item) else {
            return Flow::Stay;
        };
        if !received.iter().any(|&r| r) || received[next] {
            return Flow::Stay;
        }
        let withdraw = (0..n).filter(|&o| received[o]).collect();
        self.change(Some(next), withdraw, ctx)
    }

    /// Which options of item `item` are received, in the checklist's order.
    fn received_of(&self, item: usize) -> Option<Vec<bool>> {
        let s = self.shown.as_ref()?;
        let item = s.checklist.items.get(item)?;
        Some(
            item.options
                .iter()
                .map(|o| s.have.contains(&o.code))
                .collect(),
        )
    }

    /// Space on the cursor's item (see [`space_on`]): receive first, then withdraw, so an entry
    /// whose item stays satisfied never drops back from "evidence complete" on the way. Each
    /// change is the service's own write with its audit row.
    fn toggle(&mut self, ctx: &mut Ctx<'_>) -> Flow {
        let Some(received) = self.received_of(self.item) else {
            return Flow::Stay;
        };
        let (target, withdraw) = space_on(&received, self.alt);
        self.change(target, withdraw, ctx)
    }

    /// Receive `target` and withdraw `withdraw` (options of the cursor's item), each the
    /// service's own write with its audit row, and say what changed.
    fn change(&mut self, target: Option<usize>, withdraw: Vec<usize>, ctx: &mut Ctx<'_>) -> Flow {
        let lang = ctx.lang;
        let Some(s) = &self.shown else {
            return Flow::Stay;
        };
        let Some(item) = s.checklist.items.get(self.item) else {
            return Flow::Stay;
        };
        let before = s.entry.state;
        let name = |o: usize| {
            item.options
                .get(o)
                .map(|x| clean_line(lang.pick(&x.zh, &x.en)))
                .unwrap_or_default()
        };
        let mut steps: Vec<(String, bool, String)> = Vec::new();
        if let Some(t) = target {
            steps.push((item.options[t].code.clone(), true, name(t)));
        }
        for &o in &withdraw {
            steps.push((item.options[o].code.clone(), false, name(o)));
        }
        let mut state = before;
        let mut said = Vec::new();
        for (code, receive, label) in steps {
            match set_evidence(ctx.store, ctx.actor, self.entry_id, &code, receive) {
                Ok(Ok(next)) => {
                    state = next;
                    said.push(match (receive, lang) {
                        (true, Lang::Zh) => format!("已收到：{label}"),
                        (true, Lang::En) => format!("received: {label}"),
                        (false, Lang::Zh) => format!("改为未收：{label}"),
                        (false, Lang::En) => format!("not received: {label}"),
                    });
                }
                Ok(Err(refusal)) => {
                    let _ = self.reload(ctx);
                    return Flow::Say(refusal.describe(lang));
                }
                Err(e) => {
                    let _ = self.reload(ctx);
                    return Flow::Say(e.describe(lang));
                }
            }
        }
        if let Some(t) = target {
            self.alt = t;
        } else if self.options_of(self.item) > 1 {
            // Cycled past the last alternative: the next Space starts again at the first.
            self.alt = 0;
        }
        if let Err(e) = self.reload(ctx) {
            return Flow::Say(e);
        }
        if state == EntryState::EvidenceComplete && before == EntryState::Recorded {
            return Flow::Say(
                lang.pick(
                    "材料齐全，可送初审盖章（s 初审盖章）",
                    "evidence complete: ready to be sealed (s seals)",
                )
                .into(),
            );
        }
        Flow::Say(said.join(lang.pick("；", "; ")))
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
        self.item = self.item.min(self.items().saturating_sub(1));
        self.alt = self.alt.min(self.options_of(self.item).saturating_sub(1));
        Ok(())
    }

    fn on_action(&mut self, action: Action, ctx: &mut Ctx<'_>) -> Flow {
        match action {
            Action::Up => {
                self.go_to_item(self.item.saturating_sub(1));
                Flow::Stay
            }
            Action::Down => {
                self.go_to_item(self.item + 1);
                Flow::Stay
            }
            Action::PrevOption | Action::NextOption => {
                self.choose(action == Action::NextOption, ctx)
            }
            Action::Toggle => self.toggle(ctx),
            // R5.1 Complete evidence goes on to the seal and registration from here.
            Action::Seal | Action::Register => {
                let decision = if action == Action::Seal {
                    Decision::Seal
                } else {
                    Decision::Register { confirm: false }
                };
                let flow = match decide_entry(self.entry_id, decision, ctx) {
                    OneDecision::Said(msg) => Flow::Say(msg),
                    OneDecision::Confirm(question) => {
                        return Flow::Ask(Ask::confirm(
                            Question::RegisterEntry(self.entry_id),
                            question,
                        ));
                    }
                };
                match self.reload(ctx) {
                    Ok(()) => flow,
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
                match self.reload(ctx) {
                    Ok(()) => Flow::Say(msg),
                    Err(e) => Flow::Say(e),
                }
            }
            _ => Flow::Say(ctx.lang.pick("已取消登记", "registration cancelled").into()),
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
        let cursor = Some((self.item, self.alt));
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
            "空格 收到/未收（二选一的项轮换）  j/k 上下项  ←→ 选其一  Esc 返回",
            "Space: received or not (cycles an either-or)  j/k item  ←→ alternative",
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
    const BARE_CLASS: &str =
        "公需,培训班,保密意识和保密常识教育,湖南师范大学,2017-05-10,2017-05-12,30,合格,";
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

    fn received(store: &Store, id: i64) -> Vec<String> {
        entries::evidence(store.conn(), id)
            .unwrap()
            .into_iter()
            .collect()
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
        // j moves by item: two steps reach item 3; → chooses its agenda, Space takes it.
        d.key(KeyCode::Char('j')).key(KeyCode::Down);
        assert!(shows(&mut d, "> 3. 缺"), "{}", d.screen());
        d.key(KeyCode::Right).key(KeyCode::Char(' '));
        assert!(shows(&mut d, "已收到：培训日程安排"), "{}", d.screen());
        assert!(
            shows(&mut d, "3. 已收 [ ] 培训课程表 或 [x] 培训日程安排"),
            "{}",
            d.screen()
        );
        d.key(KeyCode::Char('k')).key(KeyCode::Char(' '));
        d.key(KeyCode::Char('j')).key(KeyCode::Char('j'));
        d.key(KeyCode::Char(' '));
        assert!(shows(&mut d, "状态：材料齐全"), "{}", d.screen());
        assert!(shows(&mut d, "材料齐全，可送初审盖章"), "{}", d.screen());
        let e = entries::get(d.app.store().conn(), id).unwrap().unwrap();
        assert_eq!(e.entry.state, EntryState::EvidenceComplete);
        // The clerk's name is on every item received (R5.5).
        let received = entries::evidence_records(d.app.store().conn(), id).unwrap();
        let agenda = received.iter().find(|r| r.code == "agenda");
        assert_eq!(
            agenda.map(|r| r.received_by.as_str()),
            Some("wangfang"),
            "{received:?}"
        );
    }

    /// R3.1 `Space j` four times ticks the four items of a training class, either-or included.
    #[test]
    fn r3_space_j_four_times_ticks_four_items() {
        let store = store_with(&[BARE_CLASS]);
        let id = only_entry(&store);
        let mut d = open(store, Lang::Zh);
        assert!(shows(&mut d, "尚缺4项（共4项）"), "{}", d.screen());
        for _ in 0..4 {
            d.key(KeyCode::Char(' ')).key(KeyCode::Char('j'));
        }
        assert!(shows(&mut d, "状态：材料齐全"), "{}", d.screen());
        assert!(
            shows(&mut d, "3. 已收 [x] 培训课程表 或 [ ] 培训日程安排"),
            "{}",
            d.screen()
        );
        assert_eq!(
            received(d.app.store(), id),
            ["completion", "notice", "sign_in", "timetable"]
        );
    }

    /// R3 On an either-or item that holds one alternative, `→` and `←` move the receipt to the
    /// other one (the entry stays evidence-complete), as a clerk choosing between them expects.
    #[test]
    fn r3_arrows_move_the_receipt_between_the_alternatives() {
        let store = store_with(&[BARE_CLASS]);
        let id = only_entry(&store);
        let mut d = open(store, Lang::Zh);
        for _ in 0..4 {
            d.key(KeyCode::Char(' ')).key(KeyCode::Char('j'));
        }
        d.key(KeyCode::Char('k'));
        assert!(
            shows(&mut d, "> 3. 已收 [x] 培训课程表 或 [ ] 培训日程安排"),
            "{}",
            d.screen()
        );
        d.key(KeyCode::Right);
        assert!(
            shows(&mut d, "3. 已收 [ ] 培训课程表 或 [x] 培训日程安排"),
            "{}",
            d.screen()
        );
        assert!(shows(&mut d, "状态：材料齐全"), "{}", d.screen());
        assert_eq!(
            received(d.app.store(), id),
            ["agenda", "completion", "notice", "sign_in"]
        );
        // At the last alternative → stays; ← goes back.
        d.key(KeyCode::Right).key(KeyCode::Left);
        assert!(
            shows(&mut d, "3. 已收 [x] 培训课程表 或 [ ] 培训日程安排"),
            "{}",
            d.screen()
        );
    }

    /// R3 An either-or item holds one alternative: Space cycles none → A → B → none, and the
    /// entry stays evidence-complete while it moves from A to B.
    #[test]
    fn r3_space_cycles_the_alternatives_of_an_either_or_item() {
        let store = store_with(&[BARE_CLASS]);
        let id = only_entry(&store);
        let mut d = open(store, Lang::En);
        for _ in 0..4 {
            d.key(KeyCode::Char(' ')).key(KeyCode::Char('j'));
        }
        assert!(shows(&mut d, "state: evidence complete"), "{}", d.screen());
        d.key(KeyCode::Char('k'));
        d.key(KeyCode::Char(' '));
        assert!(
            shows(
                &mut d,
                "received: training agenda; not received: course timetable"
            ),
            "{}",
            d.screen()
        );
        assert!(
            shows(&mut d, "[ ] course timetable or [x] training agenda"),
            "{}",
            d.screen()
        );
        assert!(shows(&mut d, "state: evidence complete"), "{}", d.screen());
        // Receiving before withdrawing: the entry never dropped back to recorded.
        let dips: i64 = d
            .app
            .store()
            .conn()
            .query_row(
                "SELECT count(*) FROM audit WHERE subject = ?1 AND after LIKE '%\"recorded\"%'
                 AND action = 'evidence.withdraw'",
                [format!("entry:{id}")],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(dips, 0);
        d.key(KeyCode::Char(' '));
        assert!(
            shows(&mut d, "not received: training agenda"),
            "{}",
            d.screen()
        );
        assert!(
            shows(&mut d, "[ ] course timetable or [ ] training agenda"),
            "{}",
            d.screen()
        );
        assert!(
            shows(&mut d, "recorded, 1 of 4 items missing"),
            "{}",
            d.screen()
        );
        // ← / → choose without writing; Space then takes the one chosen.
        d.key(KeyCode::Right);
        assert!(
            shows(&mut d, "[ ] course timetable or [ ] training agenda"),
            "{}",
            d.screen()
        );
        d.key(KeyCode::Left)
            .key(KeyCode::Right)
            .key(KeyCode::Char(' '));
        assert!(
            shows(&mut d, "[ ] course timetable or [x] training agenda"),
            "{}",
            d.screen()
        );
        assert!(
            received(d.app.store(), id).contains(&"agenda".to_string()),
            "{:?}",
            received(d.app.store(), id)
        );
    }

    #[test]
    fn space_on_decides_what_to_receive_and_withdraw() {
        use super::space_on;
        // One option: a toggle.
        assert_eq!(space_on(&[false], 0), (Some(0), vec![]));
        assert_eq!(space_on(&[true], 0), (None, vec![0]));
        // Either-or: take the one under the cursor, or move on from it.
        assert_eq!(space_on(&[false, false], 0), (Some(0), vec![]));
        assert_eq!(space_on(&[false, false], 1), (Some(1), vec![]));
        assert_eq!(space_on(&[true, false], 0), (Some(1), vec![0]));
        assert_eq!(space_on(&[false, true], 1), (None, vec![1]));
        assert_eq!(space_on(&[true, false], 1), (Some(1), vec![0]));
        // Both received (an import can do that): one remains.
        assert_eq!(space_on(&[true, true], 0), (Some(1), vec![0]));
        assert_eq!(space_on(&[], 0), (None, vec![]));
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
