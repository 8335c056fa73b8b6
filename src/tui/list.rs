//! Cursor and paging over a list: [`Window`] for lists that live in SQLite (only the visible
//! page is in memory, and pages are read by key, never by offset), [`Paged`] for lists already
//! in memory (the entries of one person) or short ones read by offset.

use super::keys::Action;
pub use crate::store::search::{Count, Seek};

/// A row of a list read by key: what the next page starts after (`store::search::Seek`).
pub trait Keyed {
    type Key;
    fn key(&self) -> Self::Key;
}

impl Keyed for crate::store::search::PersonSummary {
    type Key = crate::store::search::PersonKey;
    fn key(&self) -> Self::Key {
        crate::store::search::PersonSummary::key(self)
    }
}

impl Keyed for crate::store::search::EntrySummary {
    type Key = crate::store::search::QueueKey;
    fn key(&self) -> Self::Key {
        self.queue_key()
    }
}

impl Keyed for crate::store::filing_list::FilingRow {
    type Key = crate::store::filing_list::FilingKey;
    fn key(&self) -> Self::Key {
        crate::store::filing_list::FilingRow::key(self)
    }
}

impl Keyed for crate::store::batches::Applicant {
    type Key = crate::store::batches::ApplicantKey;
    fn key(&self) -> Self::Key {
        crate::store::batches::Applicant::key(self)
    }
}

/// What a key asks of a [`Window`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Plan {
    /// Nothing to move.
    Stay,
    /// Read the rows on screen again (after a decision, or another clerk's commit), keeping the
    /// window where it starts and the cursor on the same line.
    Reload,
    /// The first page, cursor on the first row (`g`, a new search).
    First,
    /// The last page, cursor on the last row (`G`).
    Last,
    /// The cursor by this many rows (`j`/`k` ±1, PgDn/PgUp ± a page); the window scrolls only
    /// as far as needed to keep it in sight, as it always has.
    Move(isize),
}

/// The page of a list on screen, read by key: the rows, the cursor among them, whether rows
/// exist before and after them, and how many match (capped: [`Count`]). A page is at most
/// `page` rows; reads ask for one more than needed to learn whether the list goes on.
#[derive(Debug, Clone)]
pub struct Window<R> {
    pub rows: Vec<R>,
    row: usize,
    /// Rows matching the query, as the title shows it.
    pub total: Count,
    /// Rows that fit on screen (measured by the screen before each read).
    pub page: usize,
    at_start: bool,
    at_end: bool,
}

impl<R> Default for Window<R> {
    fn default() -> Self {
        Window {
            rows: Vec::new(),
            row: 0,
            total: Count::default(),
            page: 1,
            at_start: true,
            at_end: true,
        }
    }
}

impl<R: Keyed> Window<R>
where
    R::Key: PartialEq + Clone,
{
    /// Index of the cursor within the page.
    pub fn row(&self) -> usize {
        self.row
    }

    pub fn selected(&self) -> Option<&R> {
        self.rows.get(self.row)
    }

    /// The plan for a navigation action ([`Plan::Stay`] for any other).
    pub fn plan(&self, action: Action) -> Plan {
        let page = self.page.max(1) as isize;
        match action {
            Action::Up => Plan::Move(-1),
            Action::Down => Plan::Move(1),
            Action::PageUp => Plan::Move(-page),
            Action::PageDown => Plan::Move(page),
            Action::Top => Plan::First,
            Action::Bottom => Plan::Last,
            _ => Plan::Stay,
        }
    }

    /// Put the cursor on the row for which `is` holds, whose key is `key` (a record just saved):
    /// where it is on screen if it is, else on a page read from it. The screen reloads first.
    pub fn focus<E>(
        &mut self,
        key: R::Key,
        is: impl Fn(&R) -> bool,
        mut fetch: impl FnMut(&Seek<R::Key>, usize) -> Result<Vec<R>, E>,
    ) -> Result<(), E> {
        if let Some(at) = self.rows.iter().position(&is) {
            self.row = at;
            return Ok(());
        }
        let page = self.page.max(1);
        let mut got = fetch(&Seek::From(key), page + 1)?;
        self.at_end = got.len() <= page;
        got.truncate(page);
        self.rows = got;
        self.at_start = false;
        self.row = 0;
        // Near the end of the list the page is filled from before the row, as at a reload.
        self.apply(Plan::Reload, &mut fetch)?;
        if let Some(at) = self.rows.iter().position(&is) {
            self.row = at;
        }
        Ok(())
    }

    /// Carry out `plan`, reading through `fetch(seek, limit)`, which returns at most `limit`
    /// rows in the list's order from where `seek` says. Returns whether rows were read (the
    /// screen then reloads what it derives from them). On an error the window is unchanged.
    pub fn apply<E>(
        &mut self,
        plan: Plan,
        mut fetch: impl FnMut(&Seek<R::Key>, usize) -> Result<Vec<R>, E>,
    ) -> Result<bool, E> {
        let page = self.page.max(1);
        match plan {
            Plan::Stay => Ok(false),
            Plan::First => {
                let mut got = fetch(&Seek::First, page + 1)?;
                self.at_start = true;
                self.at_end = got.len() <= page;
                got.truncate(page);
                self.rows = got;
                self.row = 0;
                Ok(true)
            }
            Plan::Last => {
                let mut got = fetch(&Seek::Last, page + 1)?;
                self.at_end = true;
                self.at_start = got.len() <= page;
                got.drain(..got.len().saturating_sub(page));
                self.rows = got;
                self.row = self.rows.len().saturating_sub(1);
                Ok(true)
            }
            Plan::Reload => {
                // The row the cursor is on, so a refresh keeps it there: another clerk's decision
                // above it must not slide the cursor onto someone else's entry.
                let was = self.selected().map(|r| r.key());
                let Some(first) = self.rows.first() else {
                    let row = self.row;
                    self.apply(Plan::First, fetch)?;
                    self.row = row.min(self.rows.len().saturating_sub(1));
                    return Ok(true);
                };
                let first = first.key();
                let mut got = fetch(&Seek::From(first), page + 1)?;
                let at_end = got.len() <= page;
                got.truncate(page);
                let mut at_start = self.at_start;
                // Rows left the end of the list: fill the page from before it, as a list read
                // by offset would show the last page.
                if got.len() < page && !at_start {
                    let need = page - got.len();
                    let before = match got.first() {
                        Some(r) => Seek::Before(r.key()),
                        None => Seek::Last,
                    };
                    let mut earlier = fetch(&before, need + 1)?;
                    at_start = earlier.len() <= need;
                    earlier.drain(..earlier.len().saturating_sub(need));
                    earlier.append(&mut got);
                    got = earlier;
                }
                self.rows = got;
                self.at_start = at_start;
                self.at_end = at_end;
                self.row = self.row.min(self.rows.len().saturating_sub(1));
                if let Some(was) = was {
                    if let Some(at) = self.rows.iter().position(|r| r.key() == was) {
                        self.row = at;
                    } else {
                        // Pushed off the page by rows that came before it: show the page from
                        // it. Gone from the list: the cursor stays on the line it was on.
                        let mut from = fetch(&Seek::From(was.clone()), page + 1)?;
                        if from.first().is_some_and(|r| r.key() == was) {
                            self.at_end = from.len() <= page;
                            from.truncate(page);
                            self.rows = from;
                            self.at_start = false;
                            self.row = 0;
                        }
                    }
                }
                Ok(true)
            }
            Plan::Move(by) => {
                let len = self.rows.len();
                let Some(last) = self.rows.last() else {
                    return Ok(false);
                };
                let target = self.row as isize + by;
                if (0..len as isize).contains(&target) {
                    self.row = target as usize;
                    return Ok(false);
                }
                if target >= len as isize {
                    if self.at_end {
                        self.row = len - 1;
                        return Ok(false);
                    }
                    let need = (target - (len as isize - 1)) as usize;
                    let mut got = fetch(&Seek::After(last.key()), need + 1)?;
                    self.at_end = got.len() <= need;
                    got.truncate(need);
                    self.rows.append(&mut got);
                    let excess = self.rows.len().saturating_sub(page);
                    self.rows.drain(..excess);
                    if excess > 0 {
                        self.at_start = false;
                    }
                    let at = (target as usize).saturating_sub(excess);
                    self.row = at.min(self.rows.len() - 1);
                } else {
                    if self.at_start {
                        self.row = 0;
                        return Ok(false);
                    }
                    let need = target.unsigned_abs();
                    let first = self.rows[0].key();
                    let mut got = fetch(&Seek::Before(first), need + 1)?;
                    self.at_start = got.len() <= need;
                    got.drain(..got.len().saturating_sub(need));
                    let added = got.len();
                    got.append(&mut self.rows);
                    self.rows = got;
                    if self.rows.len() > page {
                        self.rows.truncate(page);
                        self.at_end = false;
                    }
                    self.row = (target + added as isize).max(0) as usize;
                }
                Ok(true)
            }
        }
    }
}

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

    /// A list of numbers 0..n read by key, as SQL would read it.
    #[derive(Debug, Clone, PartialEq)]
    struct N(usize);

    impl Keyed for N {
        type Key = usize;
        fn key(&self) -> usize {
            self.0
        }
    }

    fn fetch(n: usize) -> impl FnMut(&Seek<usize>, usize) -> Result<Vec<N>, ()> {
        move |seek, limit| {
            let all = 0..n;
            let rows: Vec<usize> = match *seek {
                Seek::First => all.take(limit).collect(),
                Seek::From(k) => all.filter(|&i| i >= k).take(limit).collect(),
                Seek::After(k) => all.filter(|&i| i > k).take(limit).collect(),
                Seek::Last => {
                    let mut v: Vec<usize> = all.rev().take(limit).collect();
                    v.reverse();
                    v
                }
                Seek::Before(k) => {
                    let mut v: Vec<usize> = all.filter(|&i| i < k).rev().take(limit).collect();
                    v.reverse();
                    v
                }
            };
            Ok(rows.into_iter().map(N).collect())
        }
    }

    /// Read by key, the window shows what the list read by offset showed, key after key: the
    /// same rows on screen and the cursor on the same one, for every navigation key, across
    /// page boundaries, and for lists shorter than a page.
    #[test]
    fn keyset_paging_moves_as_offset_paging_did() {
        use Action::*;
        let keys = [
            Down, Down, PageDown, PageDown, Down, Up, PageUp, Bottom, Up, Up, PageUp, PageUp,
            PageDown, Down, Top, PageDown, Bottom, Down, PageDown, Top, Up, PageUp,
        ];
        for (n, page) in [
            (100, 10),
            (23, 7),
            (7, 10),
            (10, 10),
            (11, 10),
            (1, 5),
            (0, 5),
        ] {
            let mut old = Paged {
                total: n,
                page,
                ..Paged::default()
            };
            let mut new: Window<N> = Window {
                page,
                ..Window::default()
            };
            new.apply(Plan::First, fetch(n)).unwrap();
            for (i, &k) in keys.iter().enumerate() {
                old.navigate(k);
                let plan = new.plan(k);
                new.apply(plan, fetch(n)).unwrap();
                let shown: Vec<usize> = new.rows.iter().map(|r| r.0).collect();
                let want: Vec<usize> = (old.offset..(old.offset + page).min(n)).collect();
                assert_eq!(shown, want, "list {n}, page {page}, key {i} {k:?}");
                assert_eq!(new.row(), old.row(), "list {n}, page {page}, key {i} {k:?}");
            }
        }
    }

    /// A reload keeps the page where it starts; when rows left the end of the list, the page
    /// fills from before, as the last page would show.
    #[test]
    fn a_reload_keeps_the_page_and_fills_it_when_rows_left() {
        let mut w: Window<N> = Window {
            page: 5,
            ..Window::default()
        };
        w.apply(Plan::First, fetch(20)).unwrap();
        w.apply(Plan::Move(7), fetch(20)).unwrap();
        assert_eq!(w.selected(), Some(&N(7)));
        w.apply(Plan::Reload, fetch(20)).unwrap();
        assert_eq!(w.rows.first(), Some(&N(3)));
        assert_eq!(w.selected(), Some(&N(7)));
        // Another clerk's decisions took rows 4.. away.
        w.apply(Plan::Reload, fetch(4)).unwrap();
        let shown: Vec<usize> = w.rows.iter().map(|r| r.0).collect();
        assert_eq!(shown, [0, 1, 2, 3]);
        assert_eq!(w.selected(), Some(&N(3)));
        w.apply(Plan::Reload, fetch(0)).unwrap();
        assert!(w.rows.is_empty() && w.selected().is_none());
    }

    /// `focus` puts the cursor on a row off the page: the page is read from it.
    #[test]
    fn focus_reads_the_page_of_a_row_off_screen() {
        let mut w: Window<N> = Window {
            page: 5,
            ..Window::default()
        };
        w.apply(Plan::First, fetch(30)).unwrap();
        w.focus(12, |r| r.0 == 12, fetch(30)).unwrap();
        assert_eq!(w.selected(), Some(&N(12)));
        w.focus(28, |r| r.0 == 28, fetch(30)).unwrap();
        assert_eq!(w.selected(), Some(&N(28)));
        assert_eq!(w.rows.len(), 5, "the last page is full");
        w.apply(Plan::Move(1), fetch(30)).unwrap();
        assert_eq!(w.selected(), Some(&N(29)));
    }

    #[test]
    fn an_empty_list_does_not_move() {
        let mut p = Paged::default();
        assert!(!p.navigate(Action::Down));
        assert_eq!(p.cursor, 0);
    }
}
