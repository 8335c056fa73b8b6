//! Marks on a triage list, as in taskwarrior-tui: `t` marks a row, `T` marks the rows matching a
//! pattern, and a decision key acts on the marked rows when any are marked, otherwise on the
//! current row. `;` makes it explicit: the next action applies to the marked rows, and with
//! nothing marked it refuses instead of falling back to the current row.
//!
//! The one form of marks every list screen keeps (review, filings, a verification batch,
//! people), so that they all behave alike:
//! - a decision uses up the marks it acted on ([`Marks::decided`]);
//! - a pattern replaces the marks, or adds to them when it starts with `+`
//!   ([`Marks::apply_pattern`]); a pattern that matches nothing leaves them as they were;
//! - `;` holds until the next action that is not a move of the cursor, or `Esc`
//!   ([`Marks::armed_for`]), and while it holds the screen says so ([`Marks::armed_label`]).

use std::collections::BTreeSet;

use super::keys::{Action, Scope};
use crate::domain::text::clean_line;
use crate::i18n::Lang;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Marks {
    ids: BTreeSet<i64>,
    /// `;` was pressed: the next action applies to the marked rows.
    armed: bool,
}

/// Keys that only move the cursor: `;` still holds after them, so the clerk may look around
/// before the action it announces.
pub fn is_move(action: Action) -> bool {
    matches!(
        action,
        Action::Up
            | Action::Down
            | Action::PageUp
            | Action::PageDown
            | Action::Top
            | Action::Bottom
    )
}

impl Marks {
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn contains(&self, id: i64) -> bool {
        self.ids.contains(&id)
    }

    pub fn toggle(&mut self, id: i64) {
        if !self.ids.remove(&id) {
            self.ids.insert(id);
        }
    }

    /// Clear every mark (and `;` with them); how many there were.
    pub fn clear(&mut self) -> usize {
        let n = self.ids.len();
        self.ids.clear();
        self.armed = false;
        n
    }

    pub fn extend(&mut self, ids: impl IntoIterator<Item = i64>) {
        self.ids.extend(ids);
    }

    /// Keep only the marks `keep` says are still there (rows another clerk moved on drop out).
    pub fn retain(&mut self, keep: impl Fn(i64) -> bool) {
        self.ids.retain(|id| keep(*id));
        if self.ids.is_empty() {
            self.armed = false;
        }
    }

    pub fn ids(&self) -> Vec<i64> {
        self.ids.iter().copied().collect()
    }

    /// A decision was taken on `ids` and applied to `applied` of them: their marks are used up,
    /// whether the rule let the decision apply to each or skipped it (the message says which),
    /// so the next key does not act on them again by surprise. When it applied to none, nothing
    /// happened: the marks stay for the decision the clerk meant (a wrong key must not cost the
    /// marking of a roster). Marks on other rows stay. `;` is disarmed either way.
    pub fn decided(&mut self, ids: &[i64], applied: usize) {
        if applied > 0 {
            for id in ids {
                self.ids.remove(id);
            }
        }
        self.armed = false;
    }

    /// `;`: false (and nothing armed) when nothing is marked.
    pub fn arm(&mut self) -> bool {
        self.armed = !self.ids.is_empty();
        self.armed
    }

    /// `;`: arm the marks and say so with the screen's decision keys (`keys` in Chinese and
    /// English, each starting with its separator), or say there is nothing marked.
    pub fn arm_saying(&mut self, lang: Lang, keys: (&str, &str)) -> String {
        if !self.arm() {
            return Marks::nothing_to_arm(lang);
        }
        format!("{}{}", self.armed_label(lang), lang.pick(keys.0, keys.1))
    }

    /// Whether `;` is waiting for its action.
    pub fn is_armed(&self) -> bool {
        self.armed
    }

    /// Forget `;` (`Esc`); whether it was waiting.
    pub fn disarm(&mut self) -> bool {
        std::mem::take(&mut self.armed)
    }

    /// Whether `;` was pressed before this key; it holds for one key only.
    pub fn take_armed(&mut self) -> bool {
        std::mem::take(&mut self.armed)
    }

    /// Whether `;` applies to `action`: it holds across moves of the cursor and is spent by any
    /// other action.
    pub fn armed_for(&mut self, action: Action) -> bool {
        if is_move(action) {
            self.armed
        } else {
            self.take_armed()
        }
    }

    /// The rows a decision acts on: the marked ones, else the current row. `armed` (from
    /// [`Marks::take_armed`]) with nothing marked gives none.
    pub fn targets(&self, current: Option<i64>, armed: bool) -> Vec<i64> {
        if !self.ids.is_empty() {
            self.ids()
        } else if armed {
            Vec::new()
        } else {
            current.into_iter().collect()
        }
    }

    /// The line that says what a decision key acts on; `unit` is the measure word of the rows
    /// (条 entries, 人 applicants, 件 filings). While `;` waits it says that instead.
    pub fn rule_label(&self, lang: Lang, unit: &str) -> String {
        if self.armed {
            return self.armed_label(lang);
        }
        match (self.ids.len(), lang) {
            (0, Lang::Zh) => "未标记，按键作用于当前行".into(),
            (0, Lang::En) => "none marked: keys act on this row".into(),
            (n, Lang::Zh) => format!("已标记 {n} {unit}，按键作用于标记项"),
            (1, Lang::En) => "1 marked: keys act on it".into(),
            (n, Lang::En) => format!("{n} marked: keys act on them"),
        }
    }

    /// What `;` announces, shown until its action or `Esc`.
    pub fn armed_label(&self, lang: Lang) -> String {
        let n = self.ids.len();
        match lang {
            Lang::Zh => format!("; → 下一操作作用于已标记的 {n} 行"),
            Lang::En if n == 1 => "; → the next action applies to the marked row".into(),
            Lang::En => format!("; → the next action applies to the {n} marked rows"),
        }
    }

    /// What clearing `n` marks says (`Esc`, or an empty `T` pattern).
    pub fn cleared(n: usize, lang: Lang) -> String {
        match (n, lang) {
            (n, Lang::Zh) => format!("已清除 {n} 个标记"),
            (1, Lang::En) => "cleared 1 mark".into(),
            (n, Lang::En) => format!("cleared {n} marks"),
        }
    }

    /// What a narrower search (`filter` false) or a filter says when it cleared `n` marks:
    /// marked rows it hides would otherwise be decided on unseen.
    pub fn cleared_as_hidden(n: usize, filter: bool, lang: Lang) -> String {
        let (zh, en) = if filter {
            ("筛选", "filter")
        } else {
            ("搜索", "search")
        };
        match (n, lang) {
            (n, Lang::Zh) => format!("{zh}已改变，已清除 {n} 个标记：标记的行可能不在新的结果中"),
            (1, Lang::En) => format!("{en} changed: cleared 1 mark, which it may hide"),
            (n, Lang::En) => format!("{en} changed: cleared {n} marks, which it may hide"),
        }
    }

    /// `;` with nothing marked.
    pub fn nothing_to_arm(lang: Lang) -> String {
        lang.pick(
            "没有标记的行：先用 t 或 T 标记",
            "nothing is marked: mark with t or T first",
        )
        .into()
    }

    /// `Esc` while `;` waited.
    pub fn disarmed(lang: Lang) -> String {
        lang.pick(
            "已取消 ;：按键又作用于标记项或当前行",
            "; cancelled: keys act on the marks or this row again",
        )
        .into()
    }

    /// `T` answered: `found` are the rows the pattern matches (`within` says in what, e.g. the
    /// current search, or is empty). Replaces the marks, or adds to them after `+`; matching
    /// nothing leaves them as they were. The message for the clerk.
    pub fn apply_pattern(
        &mut self,
        pattern: &Pattern,
        found: Vec<i64>,
        within: &str,
        lang: Lang,
    ) -> String {
        let text = pattern.text();
        let before = self.ids.len();
        self.armed = false;
        if found.is_empty() {
            return match (before, lang) {
                (0, Lang::Zh) => format!("没有符合“{text}”的行{within}，未标记任何行"),
                (0, Lang::En) => format!("no row matches \"{text}\"{within}; nothing marked"),
                (k, Lang::Zh) => {
                    format!("没有符合“{text}”的行{within}：标记未变，仍标记 {k} 行")
                }
                (k, Lang::En) => {
                    format!("no row matches \"{text}\"{within}: marks unchanged, {k} marked")
                }
            };
        }
        let n = found.len();
        if pattern.add {
            self.ids.extend(found);
            let total = self.ids.len();
            match lang {
                Lang::Zh => format!("追加标记 {n} 行，符合“{text}”{within}，共标记 {total} 行"),
                Lang::En => {
                    format!("{n} more marked, matching \"{text}\"{within}; {total} marked in all")
                }
            }
        } else {
            self.ids = found.into_iter().collect();
            let replaced = match (before, lang) {
                (0, _) => String::new(),
                (k, Lang::Zh) => format!("，替换原有 {k} 个标记（+ 开头为追加）"),
                (k, Lang::En) => format!(" (was {k}; a leading + adds instead)"),
            };
            match lang {
                Lang::Zh => format!("已标记 {n} 行：符合“{text}”{within}{replaced}"),
                Lang::En => format!("{n} marked: rows matching \"{text}\"{within}{replaced}"),
            }
        }
    }
}

/// What the clerk typed after `T`: a leading `+` (or the full-width `＋` an input method gives)
/// adds to the marks instead of replacing them; the words, lower-cased, must all hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern {
    pub add: bool,
    pub words: Vec<String>,
}

impl Pattern {
    pub fn parse(text: &str) -> Pattern {
        let text = clean_line(text);
        let text = text.trim();
        let (add, rest) = match text.strip_prefix(['+', '＋']) {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        Pattern {
            add,
            words: pattern_words(rest),
        }
    }

    /// The words as the messages quote them.
    pub fn text(&self) -> String {
        self.words.join(" ")
    }

    /// Nothing at all (not even `+`): `T` then `Enter` clears the marks.
    pub fn is_clear(&self) -> bool {
        !self.add && self.words.is_empty()
    }

    /// `+` with no word after it.
    pub fn empty_add(&self, lang: Lang) -> Option<String> {
        (self.add && self.words.is_empty()).then(|| {
            lang.pick(
                "“+”后没有条件，标记未变：写出要追加标记的条件，如 +齐全",
                "nothing after \"+\", marks unchanged: write what to add, e.g. +complete",
            )
            .into()
        })
    }
}

/// The words of a `T` pattern, lower-cased; several words must all hold.
pub fn pattern_words(text: &str) -> Vec<String> {
    clean_line(text)
        .split_whitespace()
        .map(str::to_lowercase)
        .collect()
}

/// One word a screen's pattern understands, as the prompt and help list it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Word {
    pub zh: &'static str,
    pub en: &'static str,
}

/// What a screen's `T` patterns may say: its words, and what any other word means there (`None`:
/// other words are refused). The screen's parser must accept every word listed here; each
/// screen has a test that holds it to that, so the help cannot promise a word the parser
/// refuses.
#[derive(Debug, Clone, Copy)]
pub struct Vocabulary {
    pub words: &'static [Word],
    pub other: Option<Word>,
}

impl Vocabulary {
    /// "齐全 已初审 缺材料 本批 机构名": the words, then what another word stands for.
    pub fn listing(&self, lang: Lang) -> String {
        let mut out: Vec<&str> = self.words.iter().map(|w| lang.pick(w.zh, w.en)).collect();
        if let Some(o) = self.other {
            out.push(lang.pick(o.zh, o.en));
        }
        out.join(" ")
    }

    /// The `T` prompt: how to add rather than replace, and every word the pattern takes.
    pub fn prompt(&self, lang: Lang) -> String {
        // The question box wraps its text between words, so every word the pattern takes is
        // listed whole, however many lines that needs.
        let head = lang.pick(" 模式（+ 追加到已标记）：", " pattern (+ adds to marks): ");
        format!("{head}{} ", self.listing(lang))
    }

    /// The lines under the keys in `?`: the words, then how patterns combine with the marks.
    pub fn help(&self, lang: Lang) -> String {
        let words: Vec<String> = self
            .words
            .iter()
            .map(|w| match lang {
                Lang::Zh => w.zh.to_string(),
                Lang::En => w.en.to_string(),
            })
            .collect();
        let other = match (self.other, lang) {
            (Some(o), Lang::Zh) => format!("，其他词为{}的一部分", o.zh),
            (Some(o), Lang::En) => format!("; any other word: part of a {}", o.en),
            (None, _) => String::new(),
        };
        match lang {
            Lang::Zh => format!(
                "T 模式：{}{other}。\n多词须同时符合；新模式替换标记，+开头为追加；空=清除；无匹配时标记不变。",
                words.join(" ")
            ),
            Lang::En => format!(
                "T patterns: {}{other}.\nAll words must hold; a pattern replaces the marks, a leading + adds to them; empty clears; no match leaves them.",
                words.join(" ")
            ),
        }
    }

    /// A word the screen does not know: the marks stay, and `?` lists the words it does.
    pub fn unknown(&self, word: &str, lang: Lang) -> String {
        match lang {
            Lang::Zh => format!(
                "无法识别的条件“{}”，标记未变；可用的词见 ? 帮助",
                clean_line(word)
            ),
            Lang::En => format!(
                "unknown pattern word \"{}\", marks unchanged; ? lists the words",
                clean_line(word)
            ),
        }
    }
}

/// The pattern words of the screen whose scopes these are, for the help overlay.
pub fn help(scopes: &[Scope], lang: Lang) -> Option<String> {
    scopes.iter().find_map(|s| match s {
        Scope::Review => Some(super::review::PATTERN.help(lang)),
        Scope::Filings => Some(super::filings::PATTERN.help(lang)),
        Scope::Batch => Some(super::batch::PATTERN.help(lang)),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_act_on_the_marked_rows_else_the_current_one_and_semicolon_insists_on_marks() {
        let mut m = Marks::default();
        assert_eq!(m.targets(Some(7), false), vec![7]);
        assert!(!m.arm(), "nothing to arm");
        assert_eq!(m.targets(Some(7), true), Vec::<i64>::new());
        m.toggle(3);
        m.toggle(5);
        m.toggle(3);
        assert_eq!(m.targets(Some(7), false), vec![5]);
        assert!(m.arm());
        assert!(m.take_armed());
        assert!(!m.take_armed(), "for one key only");
        m.retain(|id| id != 5);
        assert!(m.is_empty());
        assert_eq!(pattern_words("  合格  Pass "), vec!["合格", "pass"]);
    }

    #[test]
    fn semicolon_holds_across_moves_and_is_spent_by_the_next_other_action() {
        let mut m = Marks::default();
        m.toggle(1);
        m.toggle(2);
        assert!(m.arm());
        assert_eq!(
            m.rule_label(Lang::Zh, "条"),
            "; → 下一操作作用于已标记的 2 行"
        );
        assert!(m.armed_for(Action::Down));
        assert!(m.armed_for(Action::PageDown));
        assert!(m.is_armed(), "moving keeps it");
        assert!(m.armed_for(Action::Seal));
        assert!(!m.is_armed(), "the action spends it");
        assert_eq!(
            m.rule_label(Lang::Zh, "条"),
            "已标记 2 条，按键作用于标记项"
        );
        m.arm();
        m.decided(&[1], 1);
        assert!(!m.is_armed());
        assert_eq!(m.ids(), vec![2], "only the decided rows lose their marks");
        m.arm();
        m.decided(&[2], 0);
        assert!(!m.is_armed());
        assert_eq!(
            m.ids(),
            vec![2],
            "a decision applied to none leaves the marks"
        );
    }

    #[test]
    fn a_pattern_replaces_the_marks_a_plus_adds_and_no_match_leaves_them() {
        let mut m = Marks::default();
        m.extend([1, 2, 3]);
        let msg = m.apply_pattern(&Pattern::parse("齐全"), vec![7, 8], "", Lang::Zh);
        assert_eq!(m.ids(), vec![7, 8]);
        assert_eq!(
            msg,
            "已标记 2 行：符合“齐全”，替换原有 3 个标记（+ 开头为追加）"
        );
        let msg = m.apply_pattern(&Pattern::parse(" ＋ 人才 "), vec![8, 9], "", Lang::Zh);
        assert_eq!(m.ids(), vec![7, 8, 9]);
        assert_eq!(msg, "追加标记 2 行，符合“人才”，共标记 3 行");
        let msg = m.apply_pattern(&Pattern::parse("Nobody"), vec![], "", Lang::En);
        assert_eq!(
            m.ids(),
            vec![7, 8, 9],
            "nothing matched: marks as they were"
        );
        assert_eq!(msg, "no row matches \"nobody\": marks unchanged, 3 marked");
        assert!(Pattern::parse("  ").is_clear());
        assert!(Pattern::parse("+").empty_add(Lang::Zh).is_some());
        assert!(Pattern::parse("+x").empty_add(Lang::Zh).is_none());
    }
}
