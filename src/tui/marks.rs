//! Marks on a triage list, as in taskwarrior-tui: `t` marks a row, `T` marks the rows matching a
//! pattern, and a decision key acts on the marked rows when any are marked, otherwise on the
//! current row. `;` makes it explicit: the next decision applies to the marked rows, and with
//! nothing marked it refuses instead of falling back to the current row.

use std::collections::BTreeSet;

use crate::i18n::Lang;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Marks {
    ids: BTreeSet<i64>,
    /// `;` was pressed: the next decision applies to the marked rows.
    armed: bool,
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

    /// Clear every mark; how many there were.
    pub fn clear(&mut self) -> usize {
        let n = self.ids.len();
        self.ids.clear();
        n
    }

    pub fn extend(&mut self, ids: impl IntoIterator<Item = i64>) {
        self.ids.extend(ids);
    }

    /// Keep only the marks `keep` says are still there.
    pub fn retain(&mut self, keep: impl Fn(i64) -> bool) {
        self.ids.retain(|id| keep(*id));
    }

    pub fn ids(&self) -> Vec<i64> {
        self.ids.iter().copied().collect()
    }

    /// `;`: false (and nothing armed) when nothing is marked.
    pub fn arm(&mut self) -> bool {
        self.armed = !self.ids.is_empty();
        self.armed
    }

    /// Whether `;` was pressed before this key; it holds for one key only.
    pub fn take_armed(&mut self) -> bool {
        std::mem::take(&mut self.armed)
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

    /// The line that says what a decision key acts on.
    pub fn rule_label(&self, lang: Lang) -> String {
        match (self.ids.len(), lang) {
            (0, Lang::Zh) => "未标记，按键作用于当前行".into(),
            (0, Lang::En) => "none marked: keys act on this row".into(),
            (n, Lang::Zh) => format!("已标记 {n} 人，按键作用于标记项"),
            (n, Lang::En) => format!("{n} marked: keys act on them"),
        }
    }
}

/// The words of a `T` pattern, lower-cased; several words must all hold.
pub fn pattern_words(text: &str) -> Vec<String> {
    crate::domain::text::clean_line(text)
        .split_whitespace()
        .map(str::to_lowercase)
        .collect()
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
}
