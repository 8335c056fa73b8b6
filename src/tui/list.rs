//! The one list engine of the interface (issue 10).
//!
//! - [`Window`]: the page on screen, read by key (`Seek`), never by offset, and the cursor on it.
//! - [`Source`]: what a list is — its query type, how a page and the count are read, what the
//!   screen derives from a page. One small implementation per list, beside its screen.
//! - [`Lister`]: everything a list screen shares — the window, the marks ([`Marks`]), the search
//!   field and whether it is being typed in, the page size measured at draw time, and the query
//!   out on the worker ([`super::worker`]) with its generation, shown as 检索中… / searching… in
//!   the title while the last results stay on screen. The screens keep their columns and their
//!   decision keys.
//!
//! Navigation within the page is answered at once; past it a job goes to the worker. A key
//! that moves past the last row shows the next page with the cursor on its first row (and
//! back), as mutt does over slow links: within a page a key redraws two rows. Lists already in
//! memory (a person's entries and history) use the same window through [`Memory`], read at once.

use std::cell::Cell;
use std::sync::Arc;
use std::time::Instant;

use ratatui::crossterm::event::KeyEvent;

use super::input::LineInput;
use super::keys::Action;
use super::marks::{Marks, Pattern};
use super::screen::{Ctx, Flow};
use super::worker::{Done, JobError, Jobs, Payload, next_id};
use crate::domain::text::clean_line;
use crate::i18n::Lang;
use crate::store::Store;
pub use crate::store::search::{Count, Seek};

/// A row of a list read by key: what the next page starts after (`store::search::Seek`). Two
/// rows with the same key are the same row (the cursor follows it across reloads).
pub trait Keyed {
    type Key: Clone + PartialEq + Send + 'static;
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
    /// The cursor by this many rows (`j`/`k` ±1, PgDn/PgUp ± a page). PgDn/PgUp scroll only
    /// as far as needed to keep the cursor in sight; `j` past the last row shows the next page
    /// with the cursor on its first row, `k` past the first the previous page with the cursor
    /// on its last (so a terminal redraws two rows per key, not the whole list).
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

    /// Whether rows exist before the page.
    pub fn at_start(&self) -> bool {
        self.at_start
    }

    /// Whether rows exist after the page.
    pub fn at_end(&self) -> bool {
        self.at_end
    }

    /// Carry out `plan` without reading, when the page on screen is enough (a move within it,
    /// `g` on the first page, `G` on the last); false when rows must be read.
    pub fn try_local(&mut self, plan: Plan) -> bool {
        let len = self.rows.len() as isize;
        match plan {
            Plan::Stay => true,
            Plan::Reload => false,
            Plan::First if self.at_start => {
                self.row = 0;
                true
            }
            Plan::Last if self.at_end => {
                self.row = self.rows.len().saturating_sub(1);
                true
            }
            Plan::First | Plan::Last => false,
            Plan::Move(_) if len == 0 => true,
            Plan::Move(by) => {
                let target = self.row as isize + by;
                if (0..len).contains(&target) {
                    self.row = target as usize;
                    true
                } else if target >= len && self.at_end {
                    self.row = len as usize - 1;
                    true
                } else if target < 0 && self.at_start {
                    self.row = 0;
                    true
                } else {
                    false
                }
            }
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
                // A page at the start of the list stays at its start: rows that came before
                // the first one (a new batch, a new person) show, as they would on the first page.
                let from = if self.at_start {
                    Seek::First
                } else {
                    Seek::From(first.key())
                };
                let mut got = fetch(&from, page + 1)?;
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
                            // Near the end of the list (the page shrank on the last rows) the
                            // page from the cursor's row is short: fill it from before, so it
                            // ends on the last row instead of leaving the rest of it blank.
                            self.fill_before(&mut fetch)?;
                        }
                    }
                }
                Ok(true)
            }
            Plan::Move(by) => {
                let len = self.rows.len();
                let target = self.row as isize + by;
                if len > 0 && by == 1 && target == len as isize && !self.at_end {
                    return self.next_page(&mut fetch).map(|_| true);
                }
                if len > 0 && by == -1 && target < 0 && !self.at_start {
                    return self.previous_page(&mut fetch).map(|_| true);
                }
                let Some(last) = self.rows.last() else {
                    return Ok(false);
                };
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

    /// `j` past the last row: the page after this one, the cursor on its first row. Near the end
    /// of the list the page is filled from the rows before, so it stays full.
    fn next_page<E>(
        &mut self,
        fetch: &mut impl FnMut(&Seek<R::Key>, usize) -> Result<Vec<R>, E>,
    ) -> Result<(), E> {
        let page = self.page.max(1);
        let Some(last) = self.rows.last() else {
            return Ok(());
        };
        let mut got = fetch(&Seek::After(last.key()), page + 1)?;
        self.at_end = got.len() <= page;
        got.truncate(page);
        if got.is_empty() {
            self.row = self.rows.len() - 1;
            return Ok(());
        }
        let keep = (page - got.len()).min(self.rows.len());
        let old = std::mem::take(&mut self.rows);
        self.at_start = self.at_start && keep == old.len();
        self.rows = old.into_iter().rev().take(keep).rev().collect();
        self.row = self.rows.len();
        self.rows.append(&mut got);
        Ok(())
    }

    /// A page short of rows while rows exist before it: fill it from before, the cursor
    /// staying on its row (which moves down by the rows added).
    fn fill_before<E>(
        &mut self,
        fetch: &mut impl FnMut(&Seek<R::Key>, usize) -> Result<Vec<R>, E>,
    ) -> Result<(), E> {
        let page = self.page.max(1);
        if self.at_start || self.rows.is_empty() || self.rows.len() >= page {
            return Ok(());
        }
        let need = page - self.rows.len();
        let before = match self.rows.first() {
            Some(r) => Seek::Before(r.key()),
            None => Seek::Last,
        };
        let mut earlier = fetch(&before, need + 1)?;
        self.at_start = earlier.len() <= need;
        earlier.drain(..earlier.len().saturating_sub(need));
        self.row += earlier.len();
        earlier.append(&mut self.rows);
        self.rows = earlier;
        Ok(())
    }

    /// Drop rows until those left fit the page's lines, where `lines` counts what the screen
    /// draws for them (rows and the headers between them): from the end while the cursor is
    /// above the last row, else from the start, so the cursor's row always stays. The side
    /// rows were dropped from then has rows beyond it, and `j` from the last row drawn turns
    /// the page instead of scrolling a hidden row into view.
    pub fn trim(&mut self, lines: impl Fn(&[R]) -> usize) {
        let page = self.page.max(1);
        while self.rows.len() > 1 && lines(&self.rows) > page {
            if self.row + 1 < self.rows.len() {
                self.rows.pop();
                self.at_end = false;
            } else {
                self.rows.remove(0);
                self.at_start = false;
                self.row -= 1;
            }
        }
    }

    /// `k` past the first row: the page before this one, the cursor on its last row. Near the
    /// start of the list the page is filled from the rows after, so it stays full.
    fn previous_page<E>(
        &mut self,
        fetch: &mut impl FnMut(&Seek<R::Key>, usize) -> Result<Vec<R>, E>,
    ) -> Result<(), E> {
        let page = self.page.max(1);
        let Some(first) = self.rows.first() else {
            return Ok(());
        };
        let mut got = fetch(&Seek::Before(first.key()), page + 1)?;
        self.at_start = got.len() <= page;
        got.drain(..got.len().saturating_sub(page));
        if got.is_empty() {
            self.row = 0;
            return Ok(());
        }
        let keep = (page - got.len()).min(self.rows.len());
        self.at_end = self.at_end && keep == self.rows.len();
        self.row = got.len() - 1;
        self.rows.truncate(keep);
        got.append(&mut self.rows);
        self.rows = got;
        Ok(())
    }
}

/// What one list is: how its pages and its count are read, and what its screen derives from a
/// page, all on a connection of its own (the worker's, or the clerk's after a decision).
/// Implemented by a unit type beside each screen.
pub trait Source: 'static {
    /// What selects and orders the rows (search text, filters, sort).
    type Query: Clone + Send + 'static;
    type Row: Keyed + Clone + Send + 'static;
    /// What the screen shows beside the rows, read with them (facts, group headers, the batch
    /// and the current applicant's verification); `()` for most lists.
    type Extra: Default + Send + 'static;
    /// Read at once on the clerk's thread instead of the worker's: lists already in memory.
    const INLINE: bool = false;
    /// [`Source::extra`] depends on the cursor's row: a move within the page reads it again.
    const EXTRA_FOLLOWS_CURSOR: bool = false;

    /// At most `limit` rows in the list's order, from where `seek` says (keyset paging).
    fn page(
        store: &Store,
        q: &Self::Query,
        seek: &Seek<<Self::Row as Keyed>::Key>,
        limit: usize,
    ) -> Result<Vec<Self::Row>, JobError>;

    /// How many rows match, capped where a list can be long ([`Count`]).
    fn count(store: &Store, q: &Self::Query) -> Result<Count, JobError>;

    /// What the screen shows beside the page `rows` with the cursor on `row`.
    fn extra(
        _store: &Store,
        _q: &Self::Query,
        _rows: &[Self::Row],
        _row: usize,
    ) -> Result<Self::Extra, JobError> {
        Ok(Self::Extra::default())
    }

    /// Of the marked rows `ids`, those still in the list (read at a refresh, so rows another
    /// clerk moved on lose their marks); `None` keeps the marks as they are.
    fn still_marked(
        _store: &Store,
        _q: &Self::Query,
        _ids: &[i64],
    ) -> Result<Option<Vec<i64>>, JobError> {
        Ok(None)
    }

    /// The query with `text` as its search (lists without a search field ignore it).
    fn set_text(_q: &mut Self::Query, _text: &str) {}

    /// The lines `rows` take on screen, for a list that draws more than its rows (the review
    /// queue's group headers): a page holds the rows that fit with them ([`Window::trim`]).
    fn lines(rows: &[Self::Row]) -> usize {
        rows.len()
    }
}

type KeyOf<S> = <<S as Source>::Row as Keyed>::Key;

/// One step of a read, applied to the window in order.
#[derive(Debug, Clone)]
enum Step<K> {
    Plan(Plan),
    /// Put the cursor on the row with this key, reading its page if it is not on screen.
    Focus(K),
    /// As `Focus` when the row with this key is in the list; else the window stays as the
    /// steps before left it (a widened search whose results lack the row: the first match).
    Keep(K),
}

impl<K> Step<K> {
    /// What the step is, for [`super::worker::trace`].
    fn name(&self) -> String {
        match self {
            Step::Plan(p) => format!("{p:?}"),
            Step::Focus(_) => "Focus".into(),
            Step::Keep(_) => "Keep".into(),
        }
    }
}

/// What a read asks of the worker: the window as it was when asked, the steps, and what else to
/// read with the rows.
struct Request<S: Source> {
    query: S::Query,
    window: Window<S::Row>,
    steps: Vec<Step<KeyOf<S>>>,
    count: bool,
    marked: Option<Vec<i64>>,
}

/// What a read found.
struct Loaded<S: Source> {
    window: Window<S::Row>,
    total: Option<Count>,
    extra: S::Extra,
    still_marked: Option<Vec<i64>>,
    /// Only the extra was read (a move within the page): the window stays as it is now.
    extra_only: bool,
}

impl<S: Source> Request<S> {
    fn run(mut self, store: &Store) -> Result<Loaded<S>, JobError> {
        let q = &self.query;
        let extra_only = self.steps.is_empty() && !self.count && self.marked.is_none();
        let t0 = Instant::now();
        let steps = if super::worker::tracing() {
            format!(
                "{:?}",
                self.steps.iter().map(Step::name).collect::<Vec<_>>()
            )
        } else {
            String::new()
        };
        for step in self.steps {
            let fetch = |seek: &Seek<KeyOf<S>>, n: usize| S::page(store, q, seek, n);
            match step {
                Step::Plan(plan) => {
                    self.window.apply(plan, fetch)?;
                }
                Step::Focus(key) => {
                    let is = |r: &S::Row| r.key() == key;
                    self.window.focus(key.clone(), is, fetch)?;
                }
                Step::Keep(key) => {
                    let there = fetch(&Seek::From(key.clone()), 1)?
                        .first()
                        .is_some_and(|r| r.key() == key);
                    if there {
                        let is = |r: &S::Row| r.key() == key;
                        self.window.focus(key.clone(), is, fetch)?;
                    }
                }
            }
        }
        self.window.trim(S::lines);
        let t_rows = t0.elapsed();
        let total = if self.count {
            Some(S::count(store, q)?)
        } else {
            None
        };
        let t_count = t0.elapsed();
        let extra = S::extra(store, q, &self.window.rows, self.window.row())?;
        let t_extra = t0.elapsed();
        let still_marked = match &self.marked {
            Some(ids) if !ids.is_empty() => S::still_marked(store, q, ids)?,
            _ => None,
        };
        if super::worker::tracing() {
            super::worker::trace(format_args!(
                "read {} steps={steps} rows={}us count={}us extra={}us marks={}us",
                std::any::type_name::<S>()
                    .rsplit("::")
                    .next()
                    .unwrap_or("?"),
                t_rows.as_micros(),
                (t_count - t_rows).as_micros(),
                (t_extra - t_count).as_micros(),
                (t0.elapsed() - t_extra).as_micros(),
            ));
        }
        Ok(Loaded {
            window: self.window,
            total,
            extra,
            still_marked,
            extra_only,
        })
    }
}

/// What kind of read is out, which decides what a key does meanwhile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Out {
    /// The rows change (a search, a page, `g`/`G`): moves wait for them.
    Rows,
    /// The same rows read again (another clerk's commit, a resize): moves go on on the rows
    /// shown, and the cursor keeps its row when the refresh arrives.
    Refresh,
    /// Only [`Source::extra`] for the cursor's row.
    Extra,
}

struct Pending<K> {
    generation: u64,
    since: Instant,
    out: Out,
    /// What the read does to the window, so a refresh while it is out sends the same read
    /// again instead of one of the page it is leaving.
    steps: Vec<Step<K>>,
    /// The page size it reads, so a resize while it is out sends it again at the new size.
    page: usize,
}

/// Where a window stands, as far as the page a key past its edge would show depends on it: a
/// read ahead is used only for the window it was read from.
#[derive(Clone, PartialEq)]
struct Edges<K> {
    first: Option<K>,
    last: Option<K>,
    len: usize,
    page: usize,
    at_start: bool,
    at_end: bool,
}

impl<R: Keyed> Window<R> {
    fn edges(&self) -> Edges<R::Key> {
        Edges {
            first: self.rows.first().map(Keyed::key),
            last: self.rows.last().map(Keyed::key),
            len: self.rows.len(),
            page: self.page,
            at_start: self.at_start,
            at_end: self.at_end,
        }
    }
}

/// Whether lists read ahead: always, but in tests of a page turn held on the worker.
fn ahead_on(_jobs: &Jobs) -> bool {
    #[cfg(test)]
    return _jobs.reads_ahead();
    #[cfg(not(test))]
    true
}

/// What a read ahead found: the reads `j` past the last row and `k` past the first would
/// make, rows and what the screen derives from them, read while the clerk looks at the page.
struct Ahead<S: Source> {
    /// `j` from the last row: the next page, the cursor on its first row.
    down: Option<Loaded<S>>,
    /// `k` from the first row: the page before, the cursor on its last row.
    up: Option<Loaded<S>>,
}

/// A list screen's list: see the module documentation.
pub struct Lister<S: Source> {
    id: u64,
    pub query: S::Query,
    window: Window<S::Row>,
    /// Rows matching the query, as the title shows it.
    total: Count,
    pub extra: S::Extra,
    /// The marked rows (database ids): a decision acts on them when any are marked.
    pub marks: Marks,
    pub search: LineInput,
    /// The search field has the focus: printable keys are text.
    pub searching: bool,
    /// Rows the list area held at the last draw; the page size of the next read.
    measured: Cell<Option<usize>>,
    /// The page size to use before the first draw.
    hint: usize,
    pending: Option<Pending<KeyOf<S>>>,
    /// Moves that came while rows were being read, carried out when they arrive.
    deferred: Vec<Plan>,
    /// The row the clerk had under the cursor before a run of widened searches, kept across
    /// them (their results may move the cursor without the clerk moving it); cleared when the
    /// clerk moves or narrows the search.
    anchor: Option<KeyOf<S>>,
    loaded: bool,
    jobs: Option<Jobs>,
    /// The id the list's reads ahead go to the worker under (issue 10: a page turn must not
    /// wait for a read, so the pages either side of the one on screen are read while the
    /// clerk looks at it).
    ahead_id: u64,
    /// The read ahead out: its generation and the window it reads from.
    ahead_out: Option<(u64, Edges<KeyOf<S>>)>,
    /// The pages either side, for the window they were read from.
    ahead: Option<(Edges<KeyOf<S>>, Ahead<S>)>,
    /// The id the rows a pattern marks are found under on the worker ([`Lister::mark_found`]).
    marking_id: u64,
    /// The pattern whose rows are being found.
    marking: Option<Marking>,
}

/// A `T` pattern out on the worker: the job's generation, the pattern, and what the message
/// adds about the search it was found within.
struct Marking {
    generation: u64,
    pattern: Pattern,
    within: String,
}

impl<S: Source> Drop for Lister<S> {
    fn drop(&mut self) {
        // The screen is gone: its query is nobody's any more.
        if let Some(jobs) = &self.jobs {
            if self.pending.is_some() {
                jobs.cancel(self.id);
            }
            if self.ahead_out.is_some() {
                jobs.cancel(self.ahead_id);
            }
            if self.marking.is_some() {
                jobs.cancel(self.marking_id);
            }
        }
    }
}

/// The mark in a list's title while its query is out.
pub fn busy_label(lang: Lang) -> &'static str {
    lang.pick("检索中…", "searching…")
}

impl<S: Source> Lister<S> {
    pub fn new(query: S::Query) -> Lister<S> {
        Lister {
            id: next_id(),
            query,
            window: Window::default(),
            total: Count::default(),
            extra: S::Extra::default(),
            marks: Marks::default(),
            search: LineInput::default(),
            searching: false,
            measured: Cell::new(None),
            hint: 1,
            pending: None,
            deferred: Vec::new(),
            anchor: None,
            loaded: false,
            jobs: None,
            ahead_id: next_id(),
            ahead_out: None,
            ahead: None,
            marking_id: next_id(),
            marking: None,
        }
    }

    /// The rows of the page on screen.
    pub fn rows(&self) -> &[S::Row] {
        &self.window.rows
    }

    /// Index of the cursor within the page.
    pub fn row(&self) -> usize {
        self.window.row()
    }

    pub fn selected(&self) -> Option<&S::Row> {
        self.window.selected()
    }

    pub fn total(&self) -> Count {
        self.total
    }

    pub fn window(&self) -> &Window<S::Row> {
        &self.window
    }

    /// A read has come back at least once (before that an empty list says nothing yet).
    pub fn loaded(&self) -> bool {
        self.loaded
    }

    /// A query is out on the worker.
    pub fn busy(&self) -> bool {
        self.pending.is_some()
    }

    /// When the query out was sent.
    pub fn busy_since(&self) -> Option<Instant> {
        self.pending.as_ref().map(|p| p.since)
    }

    /// " 检索中…" after a title while a query is out (with the space before it), else nothing.
    pub fn busy_mark(&self, lang: Lang) -> String {
        match &self.pending {
            Some(p) if p.out != Out::Extra => format!("{} ", busy_label(lang)),
            _ => String::new(),
        }
    }

    /// What an empty list says: `empty` once it has been read, "searching…" before.
    pub fn empty_text<'a>(&self, lang: Lang, empty: &'a str) -> &'a str {
        if self.loaded { empty } else { busy_label(lang) }
    }

    /// The page size before the first draw (the screen's estimate from the terminal's rows).
    pub fn hint_rows(&mut self, rows: usize) {
        self.hint = rows.max(1);
    }

    /// Record the rows the list area holds, while drawing it: the next read fills that many.
    pub fn measure(&self, rows: u16) {
        self.measured.set(Some((rows as usize).max(1)));
    }

    fn page_size(&self) -> usize {
        self.measured.get().unwrap_or(self.hint)
    }

    /// After a draw: when the area no longer holds the page (a resize, a message taking rows),
    /// read the page again at the new size. True when that changed the rows at once (a list
    /// in memory): the screen must be drawn again.
    pub fn fit(&mut self, ctx: &mut Ctx<'_>) -> bool {
        // The size of the read out, if one is: a resize while it is out sends it again.
        let page = self.pending.as_ref().map_or(self.window.page, |p| p.page);
        if self.loaded && self.measured.get().is_some_and(|m| m != page) {
            self.refresh(ctx);
            return S::INLINE;
        }
        false
    }

    /// New rows are out (a page, a search, `g`/`G`): the rows on screen are about to give way,
    /// so keys that act on the current row wait for them (`App::must_wait`). A refresh of the
    /// same rows or a read of [`Source::extra`] does not make them wait.
    ///
    /// The rows a pattern marks are waited for too: a decision typed after `T …` acts on the
    /// marks the pattern makes, never on the marks before it.
    pub fn waiting(&self) -> bool {
        self.pending.as_ref().is_some_and(|p| p.out == Out::Rows) || self.marking.is_some()
    }

    /// `T` with `pattern`: the rows `find` gives (ids, in any order; found within the search
    /// as typed) are marked when the worker has found them — at a province's size a pattern
    /// such as 齐全 matches hundreds of thousands of waiting entries, which the clerk's thread
    /// must not read (issue 10: the keyboard never waits for a query). A later pattern
    /// supersedes this one; a change of the search or the filter cancels it
    /// ([`Lister::requery`]). Returns what to say meanwhile.
    pub fn mark_found(
        &mut self,
        pattern: Pattern,
        find: impl FnOnce(&Store) -> Result<Vec<i64>, JobError> + Send + 'static,
        ctx: &mut Ctx<'_>,
    ) -> String {
        let text = self.search.text();
        let within = if text.trim().is_empty() {
            String::new()
        } else {
            match ctx.lang {
                Lang::Zh => format!("（在搜索“{}”的结果中）", clean_line(text)),
                Lang::En => format!(" (within the search \"{}\")", clean_line(text)),
            }
        };
        let generation = next_id();
        let said = match ctx.lang {
            Lang::Zh => format!("正在查找“{}”匹配的行…", pattern.text()),
            Lang::En => format!("finding the rows \"{}\" matches…", pattern.text()),
        };
        self.marking = Some(Marking {
            generation,
            pattern,
            within,
        });
        let jobs = ctx.jobs.clone();
        jobs.submit(
            self.marking_id,
            generation,
            Box::new(move |store: &Store| find(store).map(|ids| Box::new(ids) as Payload)),
        );
        self.jobs = Some(jobs);
        said
    }

    /// Cancel the pattern out, if any; what to say about it.
    fn stop_marking(&mut self, jobs: &Jobs, lang: Lang) -> Option<String> {
        let m = self.marking.take()?;
        jobs.cancel(self.marking_id);
        Some(match lang {
            Lang::Zh => format!("搜索已变，“{}”的标记未做", m.pattern.text()),
            Lang::En => format!(
                "the search changed: \"{}\" marked nothing",
                m.pattern.text()
            ),
        })
    }

    fn request(&self, steps: Vec<Step<KeyOf<S>>>, count: bool, refresh: bool) -> Request<S> {
        let mut window = self.window.clone();
        window.page = self.page_size();
        Request {
            query: self.query.clone(),
            window,
            steps,
            count,
            marked: refresh.then(|| self.marks.ids()),
        }
    }

    /// Send `req` to the worker (or read it at once for a list in memory).
    fn send(&mut self, req: Request<S>, out: Out, ctx: &mut Ctx<'_>) {
        if S::INLINE {
            // Only lists in memory read inline, and they cannot fail.
            let result = req.run(ctx.store);
            let _ = self.install(result, Out::Rows);
            return;
        }
        // One worker thread: a read ahead out would hold this read up, so it goes (and is sent
        // again once this one is in). New rows or a refresh make the pages read ahead stale.
        self.stop_ahead(ctx.jobs, out != Out::Extra);
        let generation = next_id();
        self.pending = Some(Pending {
            generation,
            since: Instant::now(),
            out,
            steps: req.steps.clone(),
            page: req.window.page,
        });
        let jobs = ctx.jobs.clone();
        jobs.submit(
            self.id,
            generation,
            Box::new(move |store: &Store| req.run(store).map(|l| Box::new(l) as Payload)),
        );
        self.jobs = Some(jobs);
    }

    /// Read now, on the clerk's connection: the reload after a decision this clerk just took
    /// there. Whatever was out is superseded.
    fn now(&mut self, req: Request<S>, ctx: &mut Ctx<'_>) -> Result<(), String> {
        if let (Some(jobs), Some(_)) = (&self.jobs, self.pending.take()) {
            jobs.cancel(self.id);
        }
        self.stop_ahead(ctx.jobs, true);
        self.deferred.clear();
        let result = req.run(ctx.store);
        self.install(result, Out::Rows)
            .map_err(|e| e.describe(ctx.lang))
    }

    /// Read the page on screen again, with the count and the marks still in the list, on the
    /// worker: another clerk's commit, a resize, the screen coming back into view.
    ///
    /// While new rows are out (a search typed, a page turned) the clerk waits for *those*: that
    /// read goes out again as it was asked (the first page of the new search, the next page …)
    /// at the page size of now, with the count and the marks, never a reload of the page it
    /// leaves.
    pub fn refresh(&mut self, ctx: &mut Ctx<'_>) {
        if let Some(p) = self.pending.as_ref().filter(|p| p.out == Out::Rows) {
            let req = self.request(p.steps.clone(), true, true);
            return self.send(req, Out::Rows, ctx);
        }
        let req = self.request(vec![Step::Plan(Plan::Reload)], true, true);
        let out = if self.loaded { Out::Refresh } else { Out::Rows };
        self.send(req, out, ctx);
    }

    /// As [`Lister::refresh`], then the cursor on the row keyed `key` (the row the clerk opened
    /// and comes back from, or one just made), its page read if it is not on screen.
    pub fn refresh_on(&mut self, key: KeyOf<S>, ctx: &mut Ctx<'_>) {
        let req = self.request(vec![Step::Plan(Plan::Reload), Step::Focus(key)], true, true);
        self.deferred.clear();
        self.anchor = None;
        self.send(req, Out::Rows, ctx);
    }

    /// As [`Lister::refresh_on`], read at once (a record this clerk just saved).
    pub fn reload_on(&mut self, key: KeyOf<S>, ctx: &mut Ctx<'_>) -> Result<(), String> {
        self.anchor = None;
        let req = self.request(vec![Step::Plan(Plan::Reload), Step::Focus(key)], true, true);
        self.now(req, ctx)
    }

    /// The page on screen read again at once, after a decision taken on this connection.
    pub fn reload_now(&mut self, ctx: &mut Ctx<'_>) -> Result<(), String> {
        let req = self.request(vec![Step::Plan(Plan::Reload)], true, true);
        self.now(req, ctx)
    }

    /// Carry out `plan` at once (after a decision: the cursor to the next row).
    pub fn apply_now(&mut self, plan: Plan, ctx: &mut Ctx<'_>) -> Result<(), String> {
        if self.window.try_local(plan) {
            return Ok(());
        }
        let req = self.request(vec![Step::Plan(plan)], false, false);
        self.now(req, ctx)
    }

    /// The first page of the query as it now stands (a new filter, sort or search); with
    /// `keep` the row the cursor was on stays under it if it is still in the list.
    pub fn requery(&mut self, keep: bool, ctx: &mut Ctx<'_>) {
        self.stop_marking(ctx.jobs, ctx.lang);
        let mut steps = vec![Step::Plan(Plan::First)];
        if let Some(key) = self.selected().map(Keyed::key).filter(|_| keep) {
            steps.push(Step::Focus(key));
        }
        self.deferred.clear();
        let req = self.request(steps, true, false);
        self.send(req, Out::Rows, ctx);
    }

    /// The same as [`Lister::requery`], read at once (a `:` jump that opens the one match).
    pub fn requery_now(&mut self, ctx: &mut Ctx<'_>) -> Result<(), String> {
        self.stop_marking(ctx.jobs, ctx.lang);
        let req = self.request(vec![Step::Plan(Plan::First)], true, false);
        self.now(req, ctx)
    }

    /// A navigation key: answered on the page when it can be, else read on the worker; while
    /// new rows are being read it waits for them.
    pub fn navigate(&mut self, action: Action, ctx: &mut Ctx<'_>) {
        // The clerk chose the row now under the cursor: a later widened search keeps that one.
        self.anchor = None;
        let plan = self.window.plan(action);
        self.go(plan, ctx);
    }

    fn go(&mut self, plan: Plan, ctx: &mut Ctx<'_>) {
        if self.pending.as_ref().is_some_and(|p| p.out == Out::Rows) {
            self.deferred.push(plan);
            return;
        }
        let row = self.window.row();
        if self.window.try_local(plan) {
            if S::EXTRA_FOLLOWS_CURSOR && self.window.row() != row {
                let req = self.request(Vec::new(), false, false);
                self.send(req, Out::Extra, ctx);
            }
            return;
        }
        // `j` past the last row, `k` past the first: the page read ahead, if it was read from
        // this window and nothing is out that would change it.
        if self.pending.is_none()
            && ahead_on(ctx.jobs)
            && let Some(loaded) = self.take_ahead(plan)
        {
            if super::worker::tracing() {
                super::worker::trace(format_args!("page from the read ahead: {plan:?}"));
            }
            let _ = self.install(Ok(loaded), Out::Rows);
            self.read_ahead(ctx.jobs);
            return;
        }
        // A refresh out is superseded by the read of the new page, which counts again for it.
        let count = self.pending.as_ref().is_some_and(|p| p.out == Out::Refresh);
        let req = self.request(vec![Step::Plan(plan)], count, count);
        self.send(req, Out::Rows, ctx);
    }

    /// `t`: mark or unmark the cursor's row (`id` of it) and go on to the next, as mutt and
    /// taskwarrior-tui do, so a run of rows is quick to mark.
    pub fn toggle_mark(&mut self, id: Option<i64>, ctx: &mut Ctx<'_>) {
        if let Some(id) = id {
            self.anchor = None;
            self.marks.toggle(id);
            self.go(Plan::Move(1), ctx);
        }
    }

    /// The search as typed: the field shows it at once, and one read per key goes to the
    /// worker, superseding the one before.
    ///
    /// A search made wider (characters removed: the new text is a prefix of the old one, or
    /// empty) keeps under the cursor the row the clerk last had there, when it is among the new
    /// results; a narrower or different search shows its first match. Over a run of widenings
    /// the row is the one the clerk had before the first of them (kept in `anchor`), not one
    /// an intermediate search's results put the cursor on: `zw`, cursor moved to 周伟,
    /// Backspace, Backspace keeps 周伟 whether or not the `z` results arrived in between.
    /// The search text changed from `was`: read the rows anew. A search that is not a widening
    /// of the last one may hide marked rows, and a decision on marks must never act on rows the
    /// clerk cannot see (a tester refused five entries found by an earlier search): the marks
    /// are cleared, and what to say about it is returned.
    fn searched(&mut self, was: &str, ctx: &mut Ctx<'_>) -> Option<String> {
        let text = self.search.text().to_string();
        if text == was {
            return None;
        }
        S::set_text(&mut self.query, &text);
        let clerks = self
            .anchor
            .take()
            .or_else(|| self.selected().map(Keyed::key));
        let wider = was.starts_with(text.as_str());
        let stopped = self.stop_marking(ctx.jobs, ctx.lang);
        let unmarked = if wider || self.marks.is_empty() {
            None
        } else {
            self.marks.disarm();
            Some(Marks::cleared_as_hidden(
                self.marks.clear(),
                false,
                ctx.lang,
            ))
        };
        let mut steps = vec![Step::Plan(Plan::First)];
        if let Some(key) = clerks.clone().filter(|_| wider) {
            steps.push(Step::Keep(key));
        }
        // A narrower search's first match is the row the clerk will see under the cursor, and
        // the one a later widening keeps.
        self.anchor = clerks.filter(|_| wider);
        self.deferred.clear();
        let req = self.request(steps, true, false);
        self.send(req, Out::Rows, ctx);
        unmarked.or(stopped)
    }

    /// A key while the search field has the focus; `None` when the field is not being typed in
    /// or the key is no edit.
    pub fn on_key(&mut self, key: &KeyEvent, ctx: &mut Ctx<'_>) -> Option<Flow> {
        if !self.searching {
            return None;
        }
        let was = self.search.text().to_string();
        if !self.search.handle(key) {
            return None;
        }
        Some(self.searched(&was, ctx).map_or(Flow::Stay, Flow::Say))
    }

    /// Pasted text goes to the search field (which takes the focus).
    pub fn on_paste(&mut self, text: &str, ctx: &mut Ctx<'_>) -> Flow {
        self.searching = true;
        let was = self.search.text().to_string();
        self.search.insert_str(text);
        self.searched(&was, ctx).map_or(Flow::Stay, Flow::Say)
    }

    /// The screen is left (a tab switch, another screen opened over it): the search field loses
    /// the focus; its text, the results and the cursor stay.
    pub fn leave(&mut self) {
        self.searching = false;
    }

    /// A filter that may hide marked rows was set (any but "all"): the marks are cleared, as a
    /// narrower search clears them ([`List::searched`]), and what to say about it is returned.
    pub fn unmark_for_filter(&mut self, lang: Lang) -> Option<String> {
        if self.marks.is_empty() {
            return None;
        }
        self.marks.disarm();
        Some(Marks::cleared_as_hidden(self.marks.clear(), true, lang))
    }

    /// Replace the search text (a `:` jump, a filing saved outside the search).
    pub fn set_search(&mut self, text: &str) {
        self.search.set(text);
        S::set_text(&mut self.query, text);
    }

    /// The keys every list answers alike: moves (saying `;` still holds), `/`, and `Esc` —
    /// which leaves the search field, cancels `;` (`armed`), clears the search (the cursor
    /// keeping its row), clears the marks, and only then goes back. `None` for the screen's
    /// own keys.
    pub fn on_action(&mut self, action: Action, armed: bool, ctx: &mut Ctx<'_>) -> Option<Flow> {
        let lang = ctx.lang;
        Some(match action {
            Action::Up
            | Action::Down
            | Action::PageUp
            | Action::PageDown
            | Action::Top
            | Action::Bottom => {
                self.navigate(action, ctx);
                if self.marks.is_armed() {
                    Flow::Say(self.marks.armed_label(lang))
                } else {
                    Flow::Stay
                }
            }
            Action::Search => {
                self.searching = true;
                Flow::Stay
            }
            Action::Back if self.searching => {
                self.searching = false;
                Flow::Stay
            }
            Action::Back if armed => {
                self.marks.disarm();
                Flow::Say(Marks::disarmed(lang))
            }
            Action::Back if !self.search.is_empty() => {
                let was = self.search.text().to_string();
                self.search.set("");
                // Clearing widens: no mark is hidden by it.
                self.searched(&was, ctx);
                Flow::Stay
            }
            Action::Back if !self.marks.is_empty() => {
                let n = self.marks.clear();
                Flow::Say(Marks::cleared(n, lang))
            }
            Action::Back => Flow::Pop,
            _ => return None,
        })
    }

    /// A result from the worker: `Err(done)` back when it is not this list's. A stale one
    /// (an older generation) is dropped; a failed read comes back as what to say. Moves that
    /// waited for the rows are then carried out.
    ///
    /// The rows a pattern marks ([`Lister::mark_found`]) land here too: the marks are made and
    /// what they are said.
    pub fn deliver(&mut self, done: Done, ctx: &mut Ctx<'_>) -> Result<Option<String>, Done> {
        if done.list == self.ahead_id {
            self.ahead_in(done);
            return Ok(None);
        }
        if done.list == self.marking_id {
            let Some(m) = self.marking.take_if(|m| m.generation == done.generation) else {
                return Ok(None);
            };
            let found = done.result.and_then(|payload| {
                payload
                    .downcast::<Vec<i64>>()
                    .map(|ids| *ids)
                    .map_err(|_| JobError::Failed(Box::new(Mismatch)))
            });
            let said = match found {
                Ok(ids) => self
                    .marks
                    .apply_pattern(&m.pattern, ids, &m.within, ctx.lang),
                Err(e) => e.describe(ctx.lang),
            };
            return Ok(Some(said));
        }
        if done.list != self.id {
            return Err(done);
        }
        let Some(p) = self
            .pending
            .as_ref()
            .filter(|p| p.generation == done.generation)
        else {
            return Ok(None);
        };
        let out = p.out;
        self.pending = None;
        let result = done.result.and_then(|payload| {
            payload
                .downcast::<Loaded<S>>()
                .map(|l| *l)
                .map_err(|_| JobError::Failed(Box::new(Mismatch)))
        });
        let installed = self.install(result, out).map_err(|e| e.describe(ctx.lang));
        self.catch_up(ctx);
        if self.pending.is_none() {
            self.read_ahead(ctx.jobs);
        }
        Ok(installed.err())
    }

    /// Read the pages either side of the window on the worker, unless they are read (or being
    /// read) for it already. Not for lists in memory, which read at once.
    fn read_ahead(&mut self, jobs: &Jobs) {
        if S::INLINE || self.window.rows.is_empty() {
            return;
        }
        if !ahead_on(jobs) {
            return;
        }
        let edges = self.window.edges();
        if edges.at_start && edges.at_end {
            return;
        }
        let known = |e: Option<&Edges<KeyOf<S>>>| e == Some(&edges);
        if known(self.ahead.as_ref().map(|a| &a.0)) || known(self.ahead_out.as_ref().map(|a| &a.1))
        {
            return;
        }
        self.ahead = None;
        let generation = next_id();
        self.ahead_out = Some((generation, edges));
        let query = self.query.clone();
        let window = self.window.clone();
        jobs.submit_ahead(
            self.ahead_id,
            generation,
            Box::new(move |store: &Store| {
                // The reads the keys would make: from the window with the cursor at its edge.
                let edge = |to_last: bool| -> Result<Loaded<S>, JobError> {
                    let mut w = window.clone();
                    w.row = if to_last { w.rows.len() - 1 } else { 0 };
                    let by = if to_last { 1 } else { -1 };
                    Request::<S> {
                        query: query.clone(),
                        window: w,
                        steps: vec![Step::Plan(Plan::Move(by))],
                        count: false,
                        marked: None,
                    }
                    .run(store)
                };
                let down = if window.at_end {
                    None
                } else {
                    Some(edge(true)?)
                };
                let up = if window.at_start {
                    None
                } else {
                    Some(edge(false)?)
                };
                Ok(Box::new(Ahead::<S> { down, up }) as Payload)
            }),
        );
        self.jobs = Some(jobs.clone());
    }

    /// A read ahead came back: kept if it is the one out (a failed one is simply not used:
    /// the key then reads as it would have).
    fn ahead_in(&mut self, done: Done) {
        let Some((generation, edges)) = self.ahead_out.take_if(|a| a.0 == done.generation) else {
            return;
        };
        if let Ok(Ok(ahead)) = done.result.map(|p| p.downcast::<Ahead<S>>()) {
            self.ahead = Some((edges, *ahead));
        }
        let _ = generation;
    }

    /// The page read ahead for `plan` (`j` from the last row, `k` from the first) on the
    /// window as it is now; `None` when there is none for it.
    fn take_ahead(&mut self, plan: Plan) -> Option<Loaded<S>> {
        let rows = self.window.rows.len();
        let down = match plan {
            Plan::Move(1) if self.window.row + 1 == rows => true,
            Plan::Move(-1) if self.window.row == 0 => false,
            _ => return None,
        };
        let edges = self.window.edges();
        let page = self.page_size();
        let (for_window, ahead) = self.ahead.as_mut()?;
        if *for_window != edges || edges.page != page {
            return None;
        }
        if down {
            ahead.down.take()
        } else {
            ahead.up.take()
        }
    }

    /// Cancel the read ahead out (a read of the list's own must not wait behind it on the one
    /// worker thread); with `stale`, forget the pages read ahead too (new rows, a refresh).
    fn stop_ahead(&mut self, jobs: &Jobs, stale: bool) {
        if self.ahead_out.take().is_some() {
            jobs.cancel(self.ahead_id);
        }
        if stale {
            self.ahead = None;
        }
    }

    /// Moves deferred while rows were read, now that they are here; what cannot be answered on
    /// the page goes out again.
    fn catch_up(&mut self, ctx: &mut Ctx<'_>) {
        let deferred = std::mem::take(&mut self.deferred);
        let mut rest = deferred.into_iter();
        for plan in rest.by_ref() {
            self.go(plan, ctx);
            if self.pending.is_some() {
                break;
            }
        }
        self.deferred.extend(rest);
    }

    fn install(&mut self, result: Result<Loaded<S>, JobError>, out: Out) -> Result<(), JobError> {
        let loaded = result?;
        if let Some(total) = loaded.total {
            self.total = total;
        }
        if let Some(kept) = loaded.still_marked {
            self.marks.retain(|id| kept.contains(&id));
        }
        if loaded.extra_only {
            self.extra = loaded.extra;
            return Ok(());
        }
        // A refresh keeps the row the clerk moved to while it was out, if it is still there.
        let on = (out == Out::Refresh)
            .then(|| self.selected().map(Keyed::key))
            .flatten();
        self.window = loaded.window;
        if let Some(at) = on.and_then(|k| self.window.rows.iter().position(|r| r.key() == k)) {
            self.window.row = at;
        }
        self.extra = loaded.extra;
        self.loaded = true;
        Ok(())
    }
}

/// A payload of another type than the list asked for: a defect, said rather than hidden.
struct Mismatch;

impl crate::i18n::Describe for Mismatch {
    fn describe(&self, lang: Lang) -> String {
        lang.pick(
            "列表收到了不属于它的结果",
            "the list got a result that is not its own",
        )
        .into()
    }
}

/// A row of a list already in memory: the row, and its place in the list when it was read.
#[derive(Debug, Clone, PartialEq)]
pub struct At<T> {
    pub at: usize,
    pub row: T,
}

/// The key of a row of a list in memory: the row's own key (which record it is: an entry's
/// id), and the place it had when read. Two places are the same row when their records are,
/// wherever they stand now, so a reload of the list keeps the cursor on the record the clerk
/// was on as the lists read from SQLite do ([`Plan::Reload`]); the place only serves to find
/// the nearest row once the record has gone.
#[derive(Debug, Clone)]
pub struct Place<K> {
    pub at: usize,
    pub key: K,
}

impl<K: PartialEq> PartialEq for Place<K> {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}

impl<T: Keyed> Keyed for At<T> {
    type Key = Place<T::Key>;
    fn key(&self) -> Place<T::Key> {
        Place {
            at: self.at,
            key: self.row.key(),
        }
    }
}

/// The rows of `all` (in the list's order, ascending by key) that `seek` names, at most `limit`.
pub fn seek_sorted<R: Keyed + Clone>(all: &[R], seek: &Seek<R::Key>, limit: usize) -> Vec<R>
where
    R::Key: Ord,
{
    let (from, to) = match seek {
        Seek::First => (0, limit.min(all.len())),
        Seek::Last => (all.len().saturating_sub(limit), all.len()),
        Seek::From(k) => {
            let at = all.partition_point(|r| r.key() < *k);
            (at, (at + limit).min(all.len()))
        }
        Seek::After(k) => {
            let at = all.partition_point(|r| r.key() <= *k);
            (at, (at + limit).min(all.len()))
        }
        Seek::Before(k) => {
            let at = all.partition_point(|r| r.key() < *k);
            (at.saturating_sub(limit), at)
        }
    };
    all[from..to].to_vec()
}

/// A list in memory (a person's entries, their history): the same window and keys as a list
/// in SQLite, read at once. Its rows are keyed by what they are ([`Place`]), so the engine
/// keeps the cursor on the same record when the list is read again with rows added or gone.
pub struct Memory<T>(std::marker::PhantomData<T>);

impl<T: Keyed + Clone + Send + Sync + 'static> Memory<T> {
    /// Where the row `place` names stands in `rows` now: where its record is, else (the record
    /// gone) the place it had, so a read from it goes on from the nearest row.
    fn find(rows: &[T], place: &Place<T::Key>) -> (usize, bool) {
        // Before the scan, the place it had: a list read again unchanged finds it there.
        if rows.get(place.at).is_some_and(|r| r.key() == place.key) {
            return (place.at, true);
        }
        match rows.iter().position(|r| r.key() == place.key) {
            Some(at) => (at, true),
            None => (place.at.min(rows.len()), false),
        }
    }
}

impl<T: Keyed + Clone + Send + Sync + 'static> Source for Memory<T> {
    type Query = Arc<Vec<T>>;
    type Row = At<T>;
    type Extra = ();
    const INLINE: bool = true;

    fn page(
        _store: &Store,
        q: &Self::Query,
        seek: &Seek<Place<T::Key>>,
        limit: usize,
    ) -> Result<Vec<At<T>>, JobError> {
        let len = q.len();
        let (from, to) = match seek {
            Seek::First => (0, limit.min(len)),
            Seek::Last => (len.saturating_sub(limit), len),
            Seek::From(k) => {
                let (at, _) = Self::find(q, k);
                (at, (at + limit).min(len))
            }
            Seek::After(k) => {
                // A record gone: the row now at its place is the first after it.
                let (at, there) = Self::find(q, k);
                let at = if there { at + 1 } else { at };
                (at.min(len), (at + limit).min(len))
            }
            Seek::Before(k) => {
                let (at, _) = Self::find(q, k);
                (at.saturating_sub(limit), at)
            }
        };
        Ok((from..to)
            .map(|at| At {
                at,
                row: q[at].clone(),
            })
            .collect())
    }

    fn count(_store: &Store, q: &Self::Query) -> Result<Count, JobError> {
        Ok(Count::Exact(q.len()))
    }
}

impl<T: Keyed + Clone + Send + Sync + 'static> Lister<Memory<T>> {
    /// Show `rows` (read with the screen), keeping the cursor's place; `fresh` puts it on the
    /// first row (another list shown in the same place).
    pub fn show(&mut self, rows: Vec<T>, fresh: bool, ctx: &mut Ctx<'_>) {
        self.query = Arc::new(rows);
        let plan = if fresh || !self.loaded {
            Plan::First
        } else {
            Plan::Reload
        };
        let req = self.request(vec![Step::Plan(plan)], true, false);
        // Nothing here can fail: the rows are in memory.
        let _ = self.now(req, ctx);
    }

    /// Where the cursor is among all the rows, as `3/17` (1-based), when the list holds more
    /// than a page shows; `None` when every row is on screen, so short lists stay quiet.
    pub fn position_of(&self) -> Option<String> {
        let n = self.query.len();
        let at = self.selected()?.at;
        (n > self.window.page.max(1)).then(|| format!("{}/{n}", at + 1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

    /// The list read by offset, as a clerk sees it move: PgDn/PgUp scroll only as far as the
    /// cursor needs; `j` past the last row starts the next page at the cursor (`k` past the
    /// first ends the previous page there), the last and first pages staying full.
    struct Model {
        offset: usize,
        cursor: usize,
        n: usize,
        page: usize,
    }

    impl Model {
        fn key(&mut self, a: Action) {
            let (n, page) = (self.n, self.page);
            if n == 0 {
                return;
            }
            match a {
                Action::Down if self.cursor + 1 < n => {
                    self.cursor += 1;
                    if self.cursor >= self.offset + page {
                        self.offset = self.cursor.min(n.saturating_sub(page));
                    }
                }
                Action::Up if self.cursor > 0 => {
                    self.cursor -= 1;
                    if self.cursor < self.offset {
                        self.offset = (self.cursor + 1).saturating_sub(page);
                    }
                }
                Action::Down | Action::Up => {}
                Action::PageDown => self.cursor = (self.cursor + page).min(n - 1),
                Action::PageUp => self.cursor = self.cursor.saturating_sub(page),
                Action::Top => self.cursor = 0,
                Action::Bottom => self.cursor = n - 1,
                _ => {}
            }
            if self.cursor < self.offset {
                self.offset = self.cursor;
            } else if self.cursor >= self.offset + page {
                self.offset = self.cursor + 1 - page;
            }
            self.offset = self.offset.min(n.saturating_sub(page));
        }
    }

    /// Read by key, the window shows what the list read by offset shows, key after key: the
    /// same rows on screen and the cursor on the same one, for every navigation key, across
    /// page boundaries, and for lists shorter than a page.
    #[test]
    fn keyset_paging_moves_as_the_offset_model_and_j_jumps_a_page() {
        use Action::*;
        let keys = [
            Down, Down, PageDown, PageDown, Down, Up, PageUp, Bottom, Up, Up, PageUp, PageUp,
            PageDown, Down, Top, PageDown, Bottom, Down, PageDown, Top, Up, PageUp, Down, Down,
            Down, Down, Down, Down, Down, Down, Down, Down, Down, Down, Up, Up, Up, Up, Up, Up, Up,
            Up, Up, Up, Up, Up, Up, Bottom, Up, Up, Up, Up, Up, Up, Up, Up, Up, Up, Down,
        ];
        for (n, page) in [
            (100, 10),
            (23, 7),
            (7, 10),
            (10, 10),
            (11, 10),
            (1, 5),
            (0, 5),
            (13, 1),
        ] {
            let mut old = Model {
                offset: 0,
                cursor: 0,
                n,
                page,
            };
            let mut new: Window<N> = Window {
                page,
                ..Window::default()
            };
            new.apply(Plan::First, fetch(n)).unwrap();
            for (i, &k) in keys.iter().enumerate() {
                old.key(k);
                let plan = new.plan(k);
                if !new.try_local(plan) {
                    new.apply(plan, fetch(n)).unwrap();
                }
                let shown: Vec<usize> = new.rows.iter().map(|r| r.0).collect();
                let want: Vec<usize> = (old.offset..(old.offset + page).min(n)).collect();
                assert_eq!(shown, want, "list {n}, page {page}, key {i} {k:?}");
                assert_eq!(
                    new.row(),
                    old.cursor - old.offset,
                    "list {n}, page {page}, key {i} {k:?}"
                );
            }
        }
    }

    /// Issue 10: `j` down a page and on past it changes the page once per page, with the cursor
    /// on its first row; within a page no row is read.
    #[test]
    fn j_past_the_last_row_shows_the_next_page_from_its_first_row() {
        let mut w: Window<N> = Window {
            page: 5,
            ..Window::default()
        };
        w.apply(Plan::First, fetch(12)).unwrap();
        for _ in 0..4 {
            assert!(w.try_local(Plan::Move(1)), "within the page");
        }
        assert!(!w.try_local(Plan::Move(1)), "past it: a read");
        w.apply(Plan::Move(1), fetch(12)).unwrap();
        let shown: Vec<usize> = w.rows.iter().map(|r| r.0).collect();
        assert_eq!((shown, w.row()), (vec![5, 6, 7, 8, 9], 0));
        w.apply(Plan::Move(-1), fetch(12)).unwrap();
        let shown: Vec<usize> = w.rows.iter().map(|r| r.0).collect();
        assert_eq!((shown, w.row()), (vec![0, 1, 2, 3, 4], 4));
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

    /// Tester's point 3: the page shrinking (a resize) on the last page, or with the cursor near
    /// the end, stays full: it is filled from before and ends on the list's last row, with the
    /// cursor on the row it was on — not that row alone above a blank page.
    #[test]
    fn a_page_that_shrinks_near_the_end_is_filled_from_before() {
        let shown = |w: &Window<N>| w.rows.iter().map(|r| r.0).collect::<Vec<_>>();
        let mut w: Window<N> = Window {
            page: 5,
            ..Window::default()
        };
        w.apply(Plan::Last, fetch(20)).unwrap();
        // Larger, then back: the cursor on the last row.
        w.page = 8;
        w.apply(Plan::Reload, fetch(20)).unwrap();
        assert_eq!(shown(&w), (12..20).collect::<Vec<_>>());
        assert_eq!(w.selected(), Some(&N(19)));
        w.page = 3;
        w.apply(Plan::Reload, fetch(20)).unwrap();
        assert_eq!(shown(&w), [17, 18, 19]);
        assert_eq!(w.selected(), Some(&N(19)));
        assert!(!w.at_start() && w.at_end());
        // The cursor a few rows above the end: the page ends on the list's last row.
        w.page = 8;
        w.apply(Plan::Reload, fetch(20)).unwrap();
        w.apply(Plan::Move(-2), fetch(20)).unwrap();
        assert_eq!(w.selected(), Some(&N(17)));
        w.page = 5;
        w.apply(Plan::Reload, fetch(20)).unwrap();
        assert_eq!(shown(&w), [15, 16, 17, 18, 19]);
        assert_eq!(w.selected(), Some(&N(17)));
        // `k` from there moves within the page, as on any full page.
        assert!(w.try_local(Plan::Move(-1)));
        assert_eq!(w.selected(), Some(&N(16)));
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

    /// Rows in memory are read by their place, as SQL reads them by key.
    #[test]
    fn a_list_in_memory_and_a_sorted_one_seek_like_sql() {
        let all: Vec<N> = (0..10).map(|i| N(i * 2)).collect();
        let got = |seek: Seek<usize>, n| -> Vec<usize> {
            seek_sorted(&all, &seek, n)
                .into_iter()
                .map(|r| r.0)
                .collect()
        };
        assert_eq!(got(Seek::First, 3), [0, 2, 4]);
        assert_eq!(got(Seek::Last, 3), [14, 16, 18]);
        assert_eq!(got(Seek::From(5), 2), [6, 8]);
        assert_eq!(got(Seek::From(6), 2), [6, 8]);
        assert_eq!(got(Seek::After(6), 2), [8, 10]);
        assert_eq!(got(Seek::Before(6), 5), [0, 2, 4]);
        let store = Store::open_in_memory().unwrap();
        let q = Arc::new(vec![N(10), N(11), N(12), N(13)]);
        let place = |at, key| Place { at, key };
        let page = |seek: Seek<Place<usize>>, n| -> Vec<usize> {
            Memory::page(&store, &q, &seek, n)
                .ok()
                .unwrap_or_default()
                .into_iter()
                .map(|r| r.row.0)
                .collect()
        };
        assert_eq!(page(Seek::After(place(1, 11)), 5), [12, 13]);
        assert_eq!(page(Seek::Before(place(1, 11)), 5), [10]);
        assert_eq!(page(Seek::Last, 3), [11, 12, 13]);
        assert_eq!(page(Seek::From(place(9, 99)), 3), Vec::<usize>::new());
        // A row is found by what it is, wherever it now stands; a row gone, from its place.
        assert_eq!(page(Seek::From(place(0, 12)), 2), [12, 13]);
        assert_eq!(page(Seek::After(place(3, 11)), 1), [12]);
        assert_eq!(page(Seek::After(place(1, 99)), 2), [11, 12]);
        assert_eq!(page(Seek::Before(place(2, 99)), 5), [10, 11]);
    }

    /// Tester's fault 1: a list in memory read again with a row added before the cursor's (an
    /// entry another clerk imported) keeps the cursor on the record it was on, by its key, not
    /// on the line; a record gone leaves the cursor on the nearest row.
    #[test]
    fn a_list_in_memory_read_again_keeps_the_cursor_on_its_record() {
        let store = Store::open_in_memory().unwrap();
        let read = |rows: &[usize]| Arc::new(rows.iter().copied().map(N).collect::<Vec<_>>());
        let mut w: Window<At<N>> = Window {
            page: 4,
            ..Window::default()
        };
        let mut q = read(&[20, 21, 22, 23, 24, 25, 26]);
        let fetch = |q: &Arc<Vec<N>>| {
            let q = q.clone();
            let store = &store;
            move |seek: &Seek<Place<usize>>, n: usize| {
                Memory::page(store, &q, seek, n).map_err(|_| ())
            }
        };
        w.apply(Plan::First, fetch(&q)).unwrap();
        w.apply(Plan::Move(3), fetch(&q)).unwrap();
        assert_eq!(w.selected().map(|r| r.row.0), Some(23));
        // A new row first in the list: the cursor stays on 23, one line lower.
        q = read(&[19, 20, 21, 22, 23, 24, 25, 26]);
        w.apply(Plan::Reload, fetch(&q)).unwrap();
        assert_eq!(w.selected().map(|r| r.row.0), Some(23));
        // Pushed past the page: the page is read from it.
        q = read(&[17, 18, 19, 20, 21, 22, 23, 24, 25, 26]);
        w.apply(Plan::Reload, fetch(&q)).unwrap();
        assert_eq!(w.selected().map(|r| r.row.0), Some(23));
        let at = w.selected().map(|r| r.at);
        assert_eq!(
            at,
            Some(6),
            "its place among all the rows, for the n/m in the border"
        );
        // Gone: a neighbour. The page it started was left short and is filled from before, as
        // a list in SQLite is, and the cursor keeps its line: the row before it.
        q = read(&[17, 18, 19, 20, 21, 22, 24, 25, 26]);
        w.apply(Plan::Reload, fetch(&q)).unwrap();
        assert_eq!(w.selected().map(|r| r.row.0), Some(22));
        w.apply(Plan::Move(1), fetch(&q)).unwrap();
        assert_eq!(w.selected().map(|r| r.row.0), Some(24));
        // Gone from a page at the list's start: the row that took its place.
        w.apply(Plan::First, fetch(&q)).unwrap();
        w.apply(Plan::Move(2), fetch(&q)).unwrap();
        assert_eq!(w.selected().map(|r| r.row.0), Some(19));
        q = read(&[17, 18, 20, 21, 22, 24, 25, 26]);
        w.apply(Plan::Reload, fetch(&q)).unwrap();
        assert_eq!(w.selected().map(|r| r.row.0), Some(20));
    }
}
