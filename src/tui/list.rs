//! Cursor and paging over a list that lives in SQLite: only the visible page is in memory.

use super::keys::Action;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Paged {
    /// Index of the first loaded row.
    pub offset: usize,
    /// Absolute index of the cursor row.
    pub cursor: usize,
    /// Rows matching the query.
    pub total: usize,
    /// Rows that fit on screen.
    pub page: usize,
}

impl Paged {
    /// Move for a navigation action; returns true when the visible page changed (reload).
    pub fn navigate(&mut self, action: Action) -> bool {
        if self.total == 0 {
            return false;
        }
        let last = self.total - 1;
        let page = self.page.max(1);
        self.cursor = match action {
            Action::Up => self.cursor.saturating_sub(1),
            Action::Down => (self.cursor + 1).min(last),
            Action::PageUp => self.cursor.saturating_sub(page),
            Action::PageDown => (self.cursor + page).min(last),
            Action::Top => 0,
            Action::Bottom => last,
            _ => return false,
        };
        self.follow()
    }

    /// Keep the cursor inside the loaded page; true when the offset moved.
    pub fn follow(&mut self) -> bool {
        let page = self.page.max(1);
        if self.total > 0 {
            self.cursor = self.cursor.min(self.total - 1);
        } else {
            self.cursor = 0;
        }
        let before = self.offset;
        if self.cursor < self.offset {
            self.offset = self.cursor;
        } else if self.cursor >= self.offset + page {
            self.offset = self.cursor + 1 - page;
        }
        self.offset = self.offset.min(self.total.saturating_sub(page));
        self.offset != before
    }

    /// Index of the cursor within the loaded page.
    pub fn row(&self) -> usize {
        self.cursor.saturating_sub(self.offset)
    }

    /// Where the cursor is among all the rows, as `3/17` (1-based), when the list holds more
    /// than a page shows; `None` when every row is on screen, so short lists stay quiet.
    pub fn position(&self) -> Option<String> {
        (self.total > self.page.max(1)).then(|| format!("{}/{}", self.cursor + 1, self.total))
    }

    pub fn reset(&mut self) {
        self.offset = 0;
        self.cursor = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paging_keeps_the_cursor_visible() {
        let mut p = Paged {
            total: 100,
            page: 10,
            ..Paged::default()
        };
        assert!(!p.navigate(Action::Down));
        assert_eq!(p.cursor, 1);
        assert!(p.navigate(Action::PageDown));
        assert_eq!((p.cursor, p.offset), (11, 2));
        assert!(p.navigate(Action::Bottom));
        assert_eq!((p.cursor, p.offset), (99, 90));
        p.navigate(Action::Top);
        assert_eq!((p.cursor, p.offset, p.row()), (0, 0, 0));
    }

    #[test]
    fn the_position_shows_only_when_rows_are_out_of_sight() {
        let mut p = Paged {
            total: 17,
            page: 6,
            ..Paged::default()
        };
        assert_eq!(p.position().as_deref(), Some("1/17"));
        p.navigate(Action::PageDown);
        assert_eq!(p.position().as_deref(), Some("7/17"));
        p.navigate(Action::Bottom);
        assert_eq!(p.position().as_deref(), Some("17/17"));
        p.total = 6;
        assert_eq!(p.position(), None, "all rows show");
        assert_eq!(Paged::default().position(), None);
    }

    #[test]
    fn an_empty_list_does_not_move() {
        let mut p = Paged::default();
        assert!(!p.navigate(Action::Down));
        assert_eq!(p.cursor, 0);
    }
}
