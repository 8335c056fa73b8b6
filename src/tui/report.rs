//! Screen 5, the annual completion report (issue 11, R2.1): for a year, one row per city with
//! its people on record, how many meet R2.1, how many miss each minimum (public, professional,
//! total: one person may miss several), the registered hours that count and the entries still
//! waiting for review, and beside each row a bar of the share meeting R2.1 — characters, so it
//! reads the same under `NO_COLOR`.
//!
//! `Enter` drills down a level: a city's kinds of unit (R1.3), a kind's units, a unit's people
//! short, and a person (the person screen, as from People). `Esc` goes back up with the cursor
//! where it was. The levels are held by the tab's one screen ([`ReportScreen`]), so leaving
//! the tab and coming back finds them as they were. `[` / `]` (or `<` / `>`) change
//! the year, on every level of the drill-down at once; `w` writes the report of the level shown
//! to a CSV or XLSX file through the writer the command line uses (`jijiao report annual`).
//!
//! Reads go through the list engine on the worker (`super::list`), with 检索中… in the title
//! while one is out. The cities and a city's kinds of unit are lookups of the figures kept per
//! city and kind (migration 23, `service::report::kept_groups`): milliseconds whatever the
//! number of people. A kind's units are one read of those people's yearly totals
//! (`service::report::annual_page`), said under the table while it runs. Either is read once per
//! commit, and pages come from that read. The people short of a unit are read by key
//! (`service::report::short_people`), a page at a time.

use std::cell::Cell;
use std::path::Path;
use std::rc::Rc;
use std::sync::{Arc, Mutex};

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use super::batch::expand_home;
use super::batches::right;
use super::keys::{Action, Scope as KeyScope};
use super::list::{Count, Keyed, Lister, Seek, Source, seek_sorted};
use super::person::PersonScreen;
use super::screen::{Ask, Ctx, Flow, Question as ScreenQuestion, Screen, View};
use super::theme::Theme;
use super::worker::{Done, JobError};
use crate::domain::text::{clean_line, fit, width};
use crate::domain::verification::Shortfall;
use crate::domain::{UnitKind, YearPolicy};
use crate::export::{CsvEncoding, CsvSink, Sink, XlsxSink, one_decimal};
use crate::i18n::{Describe, Lang};
use crate::service::report::{self, AnnualQuery, Figures, Group, Level, ReportError, ShortPerson};
use crate::store::Store;
use crate::store::reference::Reference;
use crate::store::report::{After, Scope};
use crate::store::search::COUNT_CAP;

/// Columns of the figures of cities and kinds of unit, right-aligned: people, meeting R2.1,
/// short of the public, the professional and the total minimum, registered hours (one decimal;
/// a city of 200 000 people registers some 18 000 000.0), entries pending review. The people
/// counts are eight wide: the province's reach millions, and a seven-digit figure keeps a space
/// before it (at a million people `全省合计1000000` ran together); a million entries waiting
/// at once is far off (606 609 at a million people).
const FIGURE_COLS: [usize; 7] = [8, 8, 8, 8, 8, 11, 7];

/// A unit's figures: hundreds or thousands of people, so seven wide, and the name gets more.
const UNIT_FIGURE_COLS: [usize; 7] = [7, 7, 7, 7, 7, 11, 7];

/// The bar beside a city or a kind of unit: a space, the bar, a space, the share (`100%`).
const BAR_CELLS: usize = 6;
const CHART_COLS: usize = 1 + BAR_CELLS + 1 + 4;

/// Beside a unit only the share: the unit's name takes the bar's room. Wide enough for the
/// heading 达标率 (six columns) after a space, so it never runs into 待审.
const SHARE_COLS: usize = 1 + 6;

/// Rows under the list: the level's total, then two of detail on the cursor's row.
const TOTAL_ROWS: u16 = 1;
const DETAIL_ROWS: u16 = 2;

/// A read that fails the way a list's read fails: interrupted by a newer one is not an error.
fn job_error(e: ReportError) -> JobError {
    match e {
        ReportError::Store(s) => s.into(),
        other => JobError::Failed(Box::new(other)),
    }
}

/// Where a group stands in its level: (city code, kind of unit's code, unit), compared as
/// SQLite compares the text of migration 20's index (bytewise), so pages seek as SQL reads.
pub type GroupKey = (String, String, String);

impl Keyed for Group {
    type Key = GroupKey;
    fn key(&self) -> GroupKey {
        (
            self.city_code.clone(),
            self.unit_kind.map_or("", UnitKind::code).to_string(),
            self.unit.clone().unwrap_or_default(),
        )
    }
}

impl Keyed for ShortPerson {
    type Key = After;
    fn key(&self) -> After {
        self.after.clone()
    }
}

/// One level's groups as last read, and when: the database's `data_version` on the worker's
/// connection (it moves with every commit of another connection) and the year.
struct Memo {
    version: i64,
    year: i32,
    groups: Arc<Vec<Group>>,
}

/// A level of groups: the year (and the command line's filters, none here), the depth, and the
/// group drilled into.
#[derive(Clone)]
pub struct GroupQuery {
    pub annual: AnnualQuery,
    pub level: Level,
    pub within: Scope,
    reference: Arc<Reference>,
    /// The level read once per commit: moving through it reads nothing again.
    memo: Arc<Mutex<Option<Memo>>>,
}

/// The groups of one level ([`Source`]): cities, one city's kinds of unit, or one kind's units.
pub struct GroupSource;

impl GroupSource {
    /// The whole level, from the memo when nothing was committed since it was read.
    fn groups(store: &Store, q: &GroupQuery) -> Result<Arc<Vec<Group>>, JobError> {
        let version = store.data_version()?;
        let fresh = |m: &Memo| m.version == version && m.year == q.annual.year;
        if let Some(m) = q
            .memo
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
            .filter(|m| fresh(m))
        {
            return Ok(m.groups.clone());
        }
        let groups = report::annual_page(
            store.conn(),
            &q.reference,
            &q.annual,
            q.level,
            &q.within,
            None,
            usize::MAX,
        )
        .map_err(job_error)?;
        let groups = Arc::new(groups);
        *q.memo.lock().unwrap_or_else(|p| p.into_inner()) = Some(Memo {
            version,
            year: q.annual.year,
            groups: groups.clone(),
        });
        Ok(groups)
    }
}

impl Source for GroupSource {
    type Query = GroupQuery;
    type Row = Group;
    /// Of the level's groups, how many are the provincial office (省直), which the title
    /// names apart: it is not a city (R1.4).
    type Extra = usize;

    fn page(
        store: &Store,
        q: &GroupQuery,
        seek: &Seek<GroupKey>,
        limit: usize,
    ) -> Result<Vec<Group>, JobError> {
        Ok(seek_sorted(&Self::groups(store, q)?, seek, limit))
    }

    fn count(store: &Store, q: &GroupQuery) -> Result<Count, JobError> {
        Ok(Count::Exact(Self::groups(store, q)?.len()))
    }

    fn extra(
        store: &Store,
        q: &GroupQuery,
        _rows: &[Group],
        _row: usize,
    ) -> Result<usize, JobError> {
        if q.level != Level::City {
            return Ok(0);
        }
        Ok(Self::groups(store, q)?
            .iter()
            .filter(|g| {
                q.reference
                    .office_by_code(&g.city_code)
                    .is_some_and(|o| o.is_province)
            })
            .count())
    }
}

/// The people short in one unit.
#[derive(Clone)]
pub struct ShortQuery {
    pub annual: AnnualQuery,
    pub within: Scope,
    reference: Arc<Reference>,
}

/// A person's place in the drill-down's order (city, kind, unit, name, id), as the index
/// orders it.
fn rank(a: &After) -> (&str, &str, &str, &str, i64) {
    match a {
        After::Person {
            city_code,
            unit_kind,
            unit,
            name,
            person_id,
        } => (city_code, unit_kind.code(), unit, name, *person_id),
        After::City(c) => (c, "", "", "", i64::MIN),
        After::Kind(c, k) => (c, k.code(), "", "", i64::MIN),
        After::Unit(c, k, u) => (c, k.code(), u, "", i64::MIN),
    }
}

/// The people short of a unit ([`Source`]), read by key.
pub struct ShortSource;

impl ShortSource {
    fn read(
        store: &Store,
        q: &ShortQuery,
        after: Option<&After>,
        limit: usize,
    ) -> Result<Vec<ShortPerson>, JobError> {
        report::short_people(
            store.conn(),
            &q.reference,
            &q.annual,
            &q.within,
            after,
            limit,
        )
        .map_err(job_error)
    }

    /// The last `limit` people short before `until` (all of them when `None`): the service
    /// reads forwards only, so the unit is read from its start, a page at a time, keeping the
    /// last ones. A unit is hundreds of people, and `k` past the first row or `G` reads it once.
    fn tail(
        store: &Store,
        q: &ShortQuery,
        until: Option<&After>,
        limit: usize,
    ) -> Result<Vec<ShortPerson>, JobError> {
        const CHUNK: usize = 500;
        let mut kept: std::collections::VecDeque<ShortPerson> = Default::default();
        let mut after: Option<After> = None;
        loop {
            let page = Self::read(store, q, after.as_ref(), CHUNK)?;
            let full = page.len() == CHUNK;
            after = page.last().map(|p| p.after.clone());
            for p in page {
                if until.is_some_and(|k| rank(&p.after) >= rank(k)) {
                    return Ok(kept.into());
                }
                kept.push_back(p);
                if kept.len() > limit {
                    kept.pop_front();
                }
            }
            if !full {
                return Ok(kept.into());
            }
        }
    }
}

impl Source for ShortSource {
    type Query = ShortQuery;
    type Row = ShortPerson;
    type Extra = ();

    fn page(
        store: &Store,
        q: &ShortQuery,
        seek: &Seek<After>,
        limit: usize,
    ) -> Result<Vec<ShortPerson>, JobError> {
        match seek {
            Seek::First => Self::read(store, q, None, limit),
            Seek::After(k) => Self::read(store, q, Some(k), limit),
            // From the row itself: after the one key before it (ids are whole numbers).
            Seek::From(After::Person {
                city_code,
                unit_kind,
                unit,
                name,
                person_id,
            }) => {
                let before = After::Person {
                    city_code: city_code.clone(),
                    unit_kind: *unit_kind,
                    unit: unit.clone(),
                    name: name.clone(),
                    person_id: person_id.saturating_sub(1),
                };
                Self::read(store, q, Some(&before), limit)
            }
            Seek::From(k) => Self::read(store, q, Some(k), limit),
            Seek::Last => Self::tail(store, q, None, limit),
            Seek::Before(k) => Self::tail(store, q, Some(k), limit),
        }
    }

    fn count(store: &Store, q: &ShortQuery) -> Result<Count, JobError> {
        Ok(Count::capped(
            Self::read(store, q, None, COUNT_CAP + 1)?.len(),
        ))
    }
}

/// What the report screen asks: the file to write the level shown to, with what it writes
/// fixed when asking (the year may change before the clerk answers).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Question {
    /// The annual report of `query` (its units, subtotals and total), or, with `short_in`, the
    /// people short inside that group.
    Export {
        query: AnnualQuery,
        short_in: Option<Scope>,
    },
}

impl From<Question> for ScreenQuestion {
    fn from(q: Question) -> ScreenQuestion {
        ScreenQuestion::Report(Box::new(q))
    }
}

/// The rows of a level: groups, or the people short of a unit.
enum Rows {
    Groups(Lister<GroupSource>),
    Short(Lister<ShortSource>),
}

/// One level of the report (the cities, a city's kinds of unit, a kind's units, a unit's
/// people short): see the module documentation.
struct LevelView {
    /// The year, shared by every level of one drill-down: changed on one, the others follow
    /// when they are shown again.
    year: Rc<Cell<i32>>,
    rows: Rows,
    /// The groups drilled through to reach this level: a city, its kind of unit, the unit.
    path: Vec<Group>,
    /// For drawing: office names and the year's minimums (R2.2).
    reference: Arc<Reference>,
}

impl LevelView {
    /// The cities of the province for `year`.
    fn new(year: i32) -> LevelView {
        LevelView::level(Rc::new(Cell::new(year)), Vec::new())
    }

    /// The level under the groups of `path` (none: the cities).
    fn level(year: Rc<Cell<i32>>, path: Vec<Group>) -> LevelView {
        let reference = Arc::new(Reference::default());
        let within = path.last().map(Group::scope).unwrap_or_default();
        let annual = AnnualQuery {
            year: year.get(),
            city_code: None,
            unit_kind: None,
        };
        let depth = match path.last().map(Group::level) {
            None => Some(Level::City),
            Some(Level::City) => Some(Level::Kind),
            Some(Level::Kind) => Some(Level::Unit),
            Some(Level::Unit) => None,
        };
        let rows = match depth {
            Some(level) => Rows::Groups(Lister::new(GroupQuery {
                annual,
                level,
                within,
                reference: reference.clone(),
                memo: Arc::default(),
            })),
            None => Rows::Short(Lister::new(ShortQuery {
                annual,
                within,
                reference: reference.clone(),
            })),
        };
        LevelView {
            year,
            rows,
            path,
            reference,
        }
    }

    /// The year the level shows (its query's: the shared year may have moved since).
    fn shown_year(&self) -> i32 {
        match &self.rows {
            Rows::Groups(l) => l.query.annual.year,
            Rows::Short(l) => l.query.annual.year,
        }
    }

    /// Before a read: the reference data for the worker and the drawing, the page size before
    /// the first draw, and the shared year. True when the year changed (the level reads anew).
    fn prepare(&mut self, ctx: &mut Ctx<'_>) -> bool {
        if self.reference.offices.is_empty() {
            self.reference = Arc::new(ctx.reference.clone());
        }
        let rows = ctx
            .page_rows
            .saturating_sub((TOTAL_ROWS + DETAIL_ROWS) as usize);
        let year = self.year.get();
        let reference = self.reference.clone();
        match &mut self.rows {
            Rows::Groups(l) => {
                l.hint_rows(rows);
                l.query.reference = reference;
                let changed = l.query.annual.year != year;
                l.query.annual.year = year;
                changed
            }
            Rows::Short(l) => {
                l.hint_rows(rows);
                l.query.reference = reference;
                let changed = l.query.annual.year != year;
                l.query.annual.year = year;
                changed
            }
        }
    }

    /// Read the level again without making the clerk wait; after a change of year, its first
    /// page with the cursor kept on the same group or person when they are still there.
    fn read(&mut self, ctx: &mut Ctx<'_>) {
        let new_year = self.prepare(ctx);
        match &mut self.rows {
            Rows::Groups(l) if new_year => l.requery(true, ctx),
            Rows::Groups(l) => l.refresh(ctx),
            Rows::Short(l) if new_year => l.requery(true, ctx),
            Rows::Short(l) => l.refresh(ctx),
        }
    }

    /// `[` / `]`: the year before or after, for this level and the ones around it.
    fn change_year(&mut self, by: i32, ctx: &mut Ctx<'_>) -> Flow {
        match report::check_year(self.year.get() + by, ctx.actor.today()) {
            Ok(y) => {
                self.year.set(y);
                self.read(ctx);
                Flow::Stay
            }
            Err(e) => Flow::Say(e.describe(ctx.lang)),
        }
    }

    /// The level under the group at the cursor, when the cursor is on a group.
    fn drill(&self) -> Option<LevelView> {
        let Rows::Groups(l) = &self.rows else {
            return None;
        };
        let mut path = self.path.clone();
        path.push(l.selected()?.clone());
        let mut next = LevelView::level(self.year.clone(), path);
        next.reference = self.reference.clone();
        Some(next)
    }

    /// `Enter` where [`LevelView::drill`] found no group: the person at the cursor, or what
    /// is missing.
    fn open(&mut self, lang: Lang) -> Flow {
        match &self.rows {
            Rows::Groups(_) => Flow::Say(lang.pick("没有选中的一行", "no row selected").into()),
            Rows::Short(l) => match l.selected().map(|p| &p.after) {
                Some(After::Person { person_id, .. }) => {
                    Flow::Push(Box::new(PersonScreen::new(*person_id)))
                }
                _ => Flow::Say(lang.pick("没有选中的人员", "no person selected").into()),
            },
        }
    }

    /// A city as the screen names it: its short name (长沙, 湘西, 省直), or its code.
    fn city_name(&self, code: &str, fallback: &str) -> String {
        clean_line(
            self.reference
                .office_by_code(code)
                .map_or(fallback, |o| o.short.as_str()),
        )
    }

    /// A group's name in its level's column: the city, the kind of unit, or the unit.
    fn group_name(&self, g: &Group, lang: Lang) -> String {
        match g.level() {
            Level::City => self.city_name(&g.city_code, &g.city),
            Level::Kind => kind_short(g.unit_kind, lang).to_string(),
            Level::Unit => clean_line(g.unit.as_deref().unwrap_or_default()),
        }
    }

    /// Where this level is: `长沙 · 市州单位 · 长沙市第一医院`.
    fn breadcrumb(&self, lang: Lang) -> String {
        self.path
            .iter()
            .map(|g| self.group_name(g, lang))
            .collect::<Vec<_>>()
            .join(" · ")
    }

    /// `w`: what the level shown writes, and the file to write it to.
    fn ask_export(&self, lang: Lang) -> Flow {
        let year = self.shown_year();
        let within = self.path.last().map(Group::scope).unwrap_or_default();
        let query = AnnualQuery {
            year,
            city_code: within.city_code.clone(),
            unit_kind: within.unit_kind,
        };
        let place = match self.path.len() {
            0 => lang.pick("全省", "all of Hunan").to_string(),
            _ => self.breadcrumb(lang),
        };
        // A file name without the path separators a unit's name might hold.
        let slug: String = self
            .path
            .iter()
            .map(|g| self.group_name(g, Lang::Zh))
            .collect::<Vec<_>>()
            .join("-")
            .chars()
            .map(|c| {
                if matches!(c, '/' | '\\' | ' ') {
                    '_'
                } else {
                    c
                }
            })
            .collect();
        let slug = if slug.is_empty() {
            String::new()
        } else {
            format!("-{slug}")
        };
        let short = matches!(self.rows, Rows::Short(_));
        let (prompt, initial) = match (short, lang) {
            (false, Lang::Zh) => (
                format!(
                    " 将{year}年度完成情况（{place}）写入文件：以 .xlsx 结尾为 Excel 工作簿，否则为 CSV（Esc 取消） "
                ),
                format!("~/jijiao-年度完成情况-{year}{slug}.csv"),
            ),
            (false, Lang::En) => (
                format!(
                    " write the {year} completion report ({place}) to a file: .xlsx makes a workbook, anything else CSV (Esc cancels) "
                ),
                format!("~/jijiao-completion-{year}{slug}.csv"),
            ),
            (true, Lang::Zh) => (
                format!(
                    " 将{year}年度未达标人员（{place}）写入文件：以 .xlsx 结尾为 Excel 工作簿，否则为 CSV（Esc 取消） "
                ),
                format!("~/jijiao-未达标-{year}{slug}.csv"),
            ),
            (true, Lang::En) => (
                format!(
                    " write the people short in {year} ({place}) to a file: .xlsx makes a workbook, anything else CSV (Esc cancels) "
                ),
                format!("~/jijiao-short-{year}{slug}.csv"),
            ),
        };
        Flow::Ask(Ask::Text {
            about: Question::Export {
                query,
                short_in: short.then_some(within),
            }
            .into(),
            prompt,
            initial,
        })
    }

    fn rows_busy_mark(&self, lang: Lang) -> String {
        match &self.rows {
            Rows::Groups(l) => l.busy_mark(lang),
            Rows::Short(l) => l.busy_mark(lang),
        }
    }

    fn title(&self, lang: Lang) -> String {
        let year = self.shown_year();
        let busy = self.rows_busy_mark(lang);
        let count = match &self.rows {
            Rows::Groups(l) => l.total(),
            Rows::Short(l) => l.total(),
        };
        let place = self.breadcrumb(lang);
        // Tester's fault 6: the province's groups are its 14 cities and the provincial office
        // (省直), which is not a city: counted apart, not as a fifteenth.
        let province = match &self.rows {
            Rows::Groups(l) if self.path.is_empty() => l.extra,
            _ => 0,
        };
        let cities = match count {
            Count::Exact(n) => Count::Exact(n.saturating_sub(province)),
            other => other,
        };
        match (&self.rows, self.path.len(), lang) {
            (_, 0, Lang::Zh) if province > 0 => {
                format!(" {year} 年度完成情况 · 全省 {cities} 个市州及省直 {busy}")
            }
            (_, 0, Lang::Zh) => format!(" {year} 年度完成情况 · 全省 {cities} 个市州 {busy}"),
            (_, 0, Lang::En) if province > 0 => {
                format!(" Completion {year} · Hunan · cities: {cities} and 省直 {busy}")
            }
            (_, 0, Lang::En) => format!(" Completion {year} · Hunan · cities: {cities} {busy}"),
            (Rows::Groups(_), 1, Lang::Zh) => {
                format!(" {year} 年度 · {place} · 单位类型 {count} 类 {busy}")
            }
            (Rows::Groups(_), 1, Lang::En) => {
                format!(" {year} · {place} · kinds of unit: {count} {busy}")
            }
            (Rows::Groups(_), _, Lang::Zh) => {
                format!(" {year} 年度 · {place} · {count} 个单位 {busy}")
            }
            (Rows::Groups(_), _, Lang::En) => format!(" {year} · {place} · units: {count} {busy}"),
            (Rows::Short(_), _, Lang::Zh) => {
                format!(" {year} 年度 · {place} · 未达标 {count} 人 {busy}")
            }
            (Rows::Short(_), _, Lang::En) => format!(" {year} · {place} · short: {count} {busy}"),
        }
    }

    /// The R2.1 minimums of the year shown (R2.2: the year's policy).
    fn rule(&self, lang: Lang) -> String {
        let year = self.shown_year();
        let p: YearPolicy = self.reference.policy(year);
        match lang {
            Lang::Zh => format!(
                "{year}年要求：公需≥{} 专业≥{} 合计≥{} 学时；一人可同时计入几项不足",
                p.public_min, p.professional_min, p.total_min
            ),
            Lang::En => format!(
                "{year}: public ≥ {}, professional ≥ {}, total ≥ {} h; one may miss several",
                p.public_min, p.professional_min, p.total_min
            ),
        }
    }

    /// Write what `about` names to the file at `path`, with the clerk's rights (a file the
    /// program's group could write might be the database), never over an existing file, and
    /// removed again when it could not be completed. What to say.
    fn export(&self, about: &Question, path: &Path, ctx: &mut Ctx<'_>) -> String {
        let lang = ctx.lang;
        let shown = clean_line(&path.display().to_string());
        let opened = crate::privilege::as_clerk(|| {
            std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(path)
        });
        let file = match opened {
            Ok(Ok(f)) => f,
            Ok(Err(e)) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                return match lang {
                    Lang::Zh => format!("文件 {shown} 已存在，未覆盖、未导出：请换一个文件名"),
                    Lang::En => format!(
                        "the file {shown} already exists and was left as it is, nothing written: give another name"
                    ),
                };
            }
            Ok(Err(e)) | Err(e) => {
                return match lang {
                    Lang::Zh => format!("无法写入 {shown}：{e}"),
                    Lang::En => format!("cannot write {shown}: {e}"),
                };
            }
        };
        let xlsx = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("xlsx"));
        match write_report(file, xlsx, about, ctx) {
            Ok(what) => match lang {
                Lang::Zh => format!("已写入 {shown}：{what}"),
                Lang::En => format!("written to {shown}: {what}"),
            },
            Err(e) => {
                // Half a report under the name asked for would be taken for the whole one.
                let _ = crate::privilege::as_clerk(|| std::fs::remove_file(path));
                e.describe(lang)
            }
        }
    }
}

/// The report (or the people short) of `about` into `file` as CSV (UTF-8 with a byte-order
/// mark, as `report annual --format csv` writes it) or XLSX; what was written, in words.
fn write_report(
    file: std::fs::File,
    xlsx: bool,
    about: &Question,
    ctx: &mut Ctx<'_>,
) -> Result<String, ReportError> {
    let lang = ctx.lang;
    let out = std::io::BufWriter::new(file);
    let mut sink: Box<dyn Sink> = if xlsx {
        Box::new(XlsxSink::new(out, lang))
    } else {
        Box::new(CsvSink::new(out, CsvEncoding::default(), lang, false)?)
    };
    let Question::Export { query, short_in } = about;
    let year = query.year;
    let said = match short_in {
        None => {
            let progress = &mut *ctx.progress;
            let total = report::write_annual(
                ctx.store.conn(),
                ctx.reference,
                query,
                lang,
                sink.as_mut(),
                &mut |done, total| progress(done as usize, total as usize),
            )?;
            match lang {
                Lang::Zh => format!(
                    "{year}年度完成情况，{} 人，达标 {} 人",
                    total.people, total.meeting
                ),
                Lang::En => format!(
                    "completion {year}, {} people, {} meeting the year's minimums",
                    total.people, total.meeting
                ),
            }
        }
        Some(scope) => {
            let n = report::write_short(
                ctx.store.conn(),
                ctx.reference,
                query,
                scope,
                lang,
                sink.as_mut(),
            )?;
            match lang {
                Lang::Zh => format!("{year}年度未达标 {n} 人"),
                Lang::En => format!("{n} people short in {year}"),
            }
        }
    };
    sink.finish()?;
    Ok(said)
}

/// A kind of unit in a column of eight: 省直单位, 市州单位, 非公企业, 中央在湘.
fn kind_short(kind: Option<UnitKind>, lang: Lang) -> &'static str {
    match (kind, lang) {
        (Some(UnitKind::Provincial), Lang::Zh) => "省直单位",
        (Some(UnitKind::City), Lang::Zh) => "市州单位",
        (Some(UnitKind::NonPublic), Lang::Zh) => "非公企业",
        (Some(UnitKind::Central), Lang::Zh) => "中央在湘",
        (Some(UnitKind::Provincial), Lang::En) => "province",
        (Some(UnitKind::City), Lang::En) => "city",
        (Some(UnitKind::NonPublic), Lang::En) => "non-pub.",
        (Some(UnitKind::Central), Lang::En) => "central",
        (None, _) => "",
    }
}

/// R2.1 What a person misses, short enough for a column: 公需、专业、合计 / pub, prof, total.
fn shortfalls_short(s: &[Shortfall], lang: Lang) -> String {
    s.iter()
        .map(|s| match s {
            Shortfall::Public => lang.pick("公需", "pub"),
            Shortfall::Professional => lang.pick("专业", "prof"),
            Shortfall::Total => lang.pick("合计", "total"),
        })
        .collect::<Vec<_>>()
        .join(lang.pick("、", ", "))
}

/// The share of `people` meeting R2.1 in whole percent, rounded down: `100%` only when nobody
/// is short.
fn share(meeting: u64, people: u64) -> String {
    match people {
        0 => "—".into(),
        n => format!("{}%", meeting * 100 / n),
    }
}

/// The bar of the share meeting R2.1 in `cells` columns, in eighths of a cell: characters, so
/// it reads without colour (`NO_COLOR`) as with it.
pub fn bar(meeting: u64, people: u64, cells: usize) -> String {
    const PARTS: [char; 7] = ['▏', '▎', '▍', '▌', '▋', '▊', '▉'];
    if people == 0 {
        return " ".repeat(cells);
    }
    let eighths = (u128::from(meeting) * cells as u128 * 8 / u128::from(people)) as usize;
    let (full, part) = (eighths / 8, eighths % 8);
    let mut s = "█".repeat(full.min(cells));
    if full < cells && part > 0 {
        s.push(PARTS[part - 1]);
    }
    let w = width(&s);
    s.push_str(&" ".repeat(cells.saturating_sub(w)));
    s
}

/// The figures of a group as the columns `widths` show them ([`FIGURE_COLS`],
/// [`UNIT_FIGURE_COLS`]).
fn figure_cells(f: &Figures, widths: [usize; 7]) -> String {
    let cells = [
        f.people.to_string(),
        f.meeting.to_string(),
        f.short_public.to_string(),
        f.short_professional.to_string(),
        f.short_total.to_string(),
        one_decimal(f.hours()),
        f.pending.to_string(),
    ];
    cells.iter().zip(widths).map(|(c, w)| right(c, w)).collect()
}

fn figure_heads(lang: Lang, widths: [usize; 7]) -> String {
    let heads = match lang {
        Lang::Zh => [
            "人数",
            "达标",
            "缺公需",
            "缺专业",
            "缺合计",
            "登记学时",
            "待审",
        ],
        Lang::En => [
            "people", "meet", "<pub", "<prof", "<total", "hours", "pend.",
        ],
    };
    heads.iter().zip(widths).map(|(c, w)| right(c, w)).collect()
}

/// Screen 5: the report's drill-down, from the cities to a unit's people short, as one screen
/// that holds its levels, so that leaving the tab and coming back finds the level and the
/// cursor where the clerk left them (the app keeps a tab's root screen, not the screens above
/// it). `Enter` on a group opens the level under it here; on a person it opens the person
/// screen above this one, as People does. `Esc` goes back up a level, the cursor kept.
pub struct ReportScreen {
    /// From the cities down; never empty.
    levels: Vec<LevelView>,
}

impl ReportScreen {
    /// The cities of the province for `year`: the tab's root.
    pub fn new(year: i32) -> ReportScreen {
        ReportScreen {
            levels: vec![LevelView::new(year)],
        }
    }

    fn top(&self) -> &LevelView {
        // `levels` is never empty: made with one, and `Esc` never pops the last.
        &self.levels[self.levels.len() - 1]
    }

    fn top_mut(&mut self) -> &mut LevelView {
        let last = self.levels.len() - 1;
        &mut self.levels[last]
    }
}

impl Screen for ReportScreen {
    fn scopes(&self) -> &'static [KeyScope] {
        self.top().scopes()
    }

    fn title(&self, lang: Lang) -> String {
        Screen::title(self.top(), lang)
    }

    fn reload(&mut self, ctx: &mut Ctx<'_>) -> Result<(), String> {
        self.top_mut().reload(ctx)
    }

    fn refresh(&mut self, ctx: &mut Ctx<'_>) -> Result<(), String> {
        self.top_mut().refresh(ctx)
    }

    /// A read for the level shown, or for one under or over it that asked before the clerk
    /// moved (it is read again when shown).
    fn deliver(&mut self, done: Done, ctx: &mut Ctx<'_>) -> Result<Flow, Done> {
        let top = self.levels.len() - 1;
        let mut done = done;
        for (i, level) in self.levels.iter_mut().enumerate().rev() {
            match level.deliver(done, ctx) {
                Ok(flow) if i == top => return Ok(flow),
                Ok(Flow::Say(m)) => return Ok(Flow::Say(m)),
                Ok(_) => return Ok(Flow::Stay),
                Err(d) => done = d,
            }
        }
        Err(done)
    }

    fn fit(&mut self, ctx: &mut Ctx<'_>) -> bool {
        self.top_mut().fit(ctx)
    }

    fn waiting(&self) -> bool {
        self.top().waiting()
    }

    fn on_action(&mut self, action: Action, ctx: &mut Ctx<'_>) -> Flow {
        match action {
            Action::Open => {
                if let Some(mut next) = self.top().drill() {
                    next.read(ctx);
                    self.levels.push(next);
                    return Flow::Stay;
                }
            }
            Action::Back if self.levels.len() > 1 => {
                self.levels.pop();
                // The year may have changed below; the level reads again either way (others
                // may have committed meanwhile), its cursor kept.
                self.top_mut().read(ctx);
                return Flow::Stay;
            }
            _ => {}
        }
        self.top_mut().on_action(action, ctx)
    }

    fn on_answer(
        &mut self,
        about: ScreenQuestion,
        answer: Option<&str>,
        ctx: &mut Ctx<'_>,
    ) -> Flow {
        self.top_mut().on_answer(about, answer, ctx)
    }

    fn render(&self, f: &mut Frame, area: Rect, view: &View) {
        self.top().render(f, area, view)
    }
}

/// The columns of the people short: name, ID number, hours by kind and in all, what they
/// miss, entries pending; the name takes what is left.
const SHORT_FIXED: usize = 19 + 7 + 7 + 7 + 2 + 16 + 6;

impl Screen for LevelView {
    fn scopes(&self) -> &'static [KeyScope] {
        &[KeyScope::Report, KeyScope::List]
    }

    fn title(&self, lang: Lang) -> String {
        lang.pick("报表", "Report").into()
    }

    fn reload(&mut self, ctx: &mut Ctx<'_>) -> Result<(), String> {
        self.prepare(ctx);
        match &mut self.rows {
            Rows::Groups(l) => {
                // Read on the clerk's connection after the clerk's own commit (an undo), which
                // leaves that connection's data_version as it was; and its versions are not the
                // worker's. So the level is read anew here, and anew on the worker next time.
                let forget = |l: &Lister<GroupSource>| {
                    *l.query.memo.lock().unwrap_or_else(|p| p.into_inner()) = None;
                };
                forget(l);
                let read = l.reload_now(ctx);
                forget(l);
                read
            }
            Rows::Short(l) => l.reload_now(ctx),
        }
    }

    fn refresh(&mut self, ctx: &mut Ctx<'_>) -> Result<(), String> {
        self.read(ctx);
        Ok(())
    }

    fn deliver(&mut self, done: Done, ctx: &mut Ctx<'_>) -> Result<Flow, Done> {
        let read = match &mut self.rows {
            Rows::Groups(l) => l.deliver(done, ctx)?,
            Rows::Short(l) => l.deliver(done, ctx)?,
        };
        Ok(Flow::said(read))
    }

    fn fit(&mut self, ctx: &mut Ctx<'_>) -> bool {
        match &mut self.rows {
            Rows::Groups(l) => l.fit(ctx),
            Rows::Short(l) => l.fit(ctx),
        }
    }

    fn waiting(&self) -> bool {
        match &self.rows {
            Rows::Groups(l) => l.waiting(),
            Rows::Short(l) => l.waiting(),
        }
    }

    fn on_action(&mut self, action: Action, ctx: &mut Ctx<'_>) -> Flow {
        let lang = ctx.lang;
        match action {
            Action::Open => return self.open(lang),
            Action::PrevYear => return self.change_year(-1, ctx),
            Action::NextYear => return self.change_year(1, ctx),
            Action::Export => return self.ask_export(lang),
            _ => {}
        }
        // No marks and no search here: the list's own keys are moves and Esc (back up a level).
        let flow = match &mut self.rows {
            Rows::Groups(l) => l.on_action(action, false, ctx),
            Rows::Short(l) => l.on_action(action, false, ctx),
        };
        flow.unwrap_or(Flow::Stay)
    }

    fn on_answer(
        &mut self,
        about: ScreenQuestion,
        answer: Option<&str>,
        ctx: &mut Ctx<'_>,
    ) -> Flow {
        let lang = ctx.lang;
        let ScreenQuestion::Report(about) = about else {
            return Flow::Stay;
        };
        let Some(path) = answer.map(clean_line) else {
            return Flow::Say(
                lang.pick("已取消，没有导出", "cancelled: nothing written")
                    .into(),
            );
        };
        if path.is_empty() {
            return Flow::Say(
                lang.pick(
                    "未填写文件名，没有导出：请写文件名，如 ~/报表.csv 或 ~/报表.xlsx",
                    "no file named, nothing written: name one, such as ~/report.csv or ~/report.xlsx",
                )
                .into(),
            );
        }
        Flow::Say(self.export(&about, &expand_home(&path), ctx))
    }

    fn render(&self, f: &mut Frame, area: Rect, view: &View) {
        let lang = view.lang;
        let t = &view.theme;
        let title = fit(&self.title(lang), (area.width as usize).saturating_sub(2));
        let block = Block::default()
            .borders(Borders::ALL)
            .title(Span::styled(title.trim_end().to_string() + " ", t.header));
        let inner = block.inner(area);
        f.render_widget(block, area);
        let [header, list, total, detail] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Min(0),
            Constraint::Length(TOTAL_ROWS),
            Constraint::Length(DETAIL_ROWS),
        ])
        .areas(inner);
        let cols = inner.width as usize;
        match &self.rows {
            Rows::Groups(l) => self.render_groups(f, l, [header, list, total], cols, view),
            Rows::Short(l) => self.render_short(f, l, [header, list, total], cols, view),
        }
        let (first, busy) = self.detail(lang);
        let second = if busy {
            self.busy_words(lang)
        } else {
            self.rule(lang)
        };
        f.render_widget(
            Paragraph::new(vec![
                Line::from(Span::styled(fit(&first, cols), t.dim)),
                Line::from(Span::styled(fit(&second, cols), t.dim)),
            ]),
            detail,
        );
    }
}

impl LevelView {
    /// The widths of the figures' columns at this level.
    fn figure_cols(&self) -> [usize; 7] {
        match &self.rows {
            Rows::Groups(l) if l.query.level == Level::Unit => UNIT_FIGURE_COLS,
            _ => FIGURE_COLS,
        }
    }

    /// The widths of a level of groups: the name, and the chart beside the figures.
    fn group_widths(&self, cols: usize) -> (usize, usize) {
        let figures: usize = self.figure_cols().iter().sum();
        let chart = match &self.rows {
            Rows::Groups(l) if l.query.level == Level::Unit => SHARE_COLS,
            _ => CHART_COLS,
        };
        (cols.saturating_sub(figures + chart), chart)
    }

    fn group_line(&self, name: &str, f: &Figures, cols: usize, t: &Theme) -> Vec<Span<'static>> {
        let (name_w, chart) = self.group_widths(cols);
        let mut spans = vec![
            Span::raw(fit(name, name_w)),
            Span::raw(figure_cells(f, self.figure_cols())),
        ];
        if chart == CHART_COLS {
            spans.push(Span::raw(" "));
            spans.push(Span::styled(bar(f.meeting, f.people, BAR_CELLS), t.good));
            spans.push(Span::raw(right(&share(f.meeting, f.people), 5)));
        } else {
            spans.push(Span::raw(right(&share(f.meeting, f.people), chart)));
        }
        spans
    }

    fn render_groups(
        &self,
        f: &mut Frame,
        l: &Lister<GroupSource>,
        [header, list, total]: [Rect; 3],
        cols: usize,
        view: &View,
    ) {
        let (lang, t) = (view.lang, &view.theme);
        let (name_w, chart) = self.group_widths(cols);
        let name_head = match (l.query.level, lang) {
            (Level::City, Lang::Zh) => "市州",
            (Level::City, Lang::En) => "city",
            (Level::Kind, Lang::Zh) => "单位类型",
            (Level::Kind, Lang::En) => "kind",
            (Level::Unit, Lang::Zh) => "单位",
            (Level::Unit, Lang::En) => "unit",
        };
        let share_head = if chart == CHART_COLS {
            right(lang.pick("达标率", "meeting"), chart)
        } else {
            right(lang.pick("达标率", "meet"), chart)
        };
        f.render_widget(
            Paragraph::new(Span::styled(
                format!(
                    "{}{}{share_head}",
                    fit(name_head, name_w),
                    figure_heads(lang, self.figure_cols())
                ),
                t.header,
            )),
            header,
        );
        l.measure(list.height);
        if l.rows().is_empty() {
            let empty = lang.pick(
                "还没有在册人员：先在 1 人员 登记，或用 jijiao import people 导入名册。",
                "No people on record yet: register them on 1 People, or jijiao import people FILE.",
            );
            f.render_widget(
                Paragraph::new(l.empty_text(lang, empty)).wrap(Wrap { trim: true }),
                list,
            );
            return;
        }
        let cursor = l.row();
        let lines: Vec<Line> = l
            .rows()
            .iter()
            .enumerate()
            .map(|(i, g)| {
                let line =
                    Line::from(self.group_line(&self.group_name(g, lang), &g.figures, cols, t));
                if i == cursor {
                    line.style(t.selected)
                } else {
                    line
                }
            })
            .collect();
        f.render_widget(Paragraph::new(lines), list);
        // The level's total, when every group of it is on screen (the figures of the group
        // drilled into, or of the province).
        let w = l.window();
        if w.at_start() && w.at_end() {
            let mut sum = Figures::default();
            for g in l.rows() {
                sum.people += g.figures.people;
                sum.meeting += g.figures.meeting;
                sum.short_public += g.figures.short_public;
                sum.short_professional += g.figures.short_professional;
                sum.short_total += g.figures.short_total;
                sum.public = sum.public + g.figures.public;
                sum.professional = sum.professional + g.figures.professional;
                sum.pending += g.figures.pending;
            }
            let label = match (self.path.is_empty(), lang) {
                (true, Lang::Zh) => "全省合计",
                (true, Lang::En) => "Hunan",
                (false, Lang::Zh) => "合计",
                (false, Lang::En) => "total",
            };
            f.render_widget(
                Paragraph::new(Line::from(self.group_line(label, &sum, cols, t)).style(t.title)),
                total,
            );
        }
    }

    fn render_short(
        &self,
        f: &mut Frame,
        l: &Lister<ShortSource>,
        [header, list, _total]: [Rect; 3],
        cols: usize,
        view: &View,
    ) {
        let (lang, t) = (view.lang, &view.theme);
        let name_w = cols.saturating_sub(SHORT_FIXED);
        let heads = match lang {
            Lang::Zh => [
                "姓名",
                "身份证号",
                "公需",
                "专业",
                "合计",
                "未达标项",
                "待审",
            ],
            Lang::En => [
                "name",
                "ID number",
                "public",
                "prof.",
                "total",
                "short of",
                "pend.",
            ],
        };
        let line = |cells: [String; 7]| {
            format!(
                "{} {}{}{}{}  {}{}",
                fit(&cells[0], name_w.saturating_sub(1)),
                fit(&cells[1], 18),
                right(&cells[2], 7),
                right(&cells[3], 7),
                right(&cells[4], 7),
                fit(&cells[5], 16),
                right(&cells[6], 6),
            )
        };
        f.render_widget(
            Paragraph::new(Span::styled(line(heads.map(str::to_string)), t.header)),
            header,
        );
        l.measure(list.height);
        if l.rows().is_empty() {
            let empty = match lang {
                Lang::Zh => format!("{} 年度本单位人人达标。", self.shown_year()),
                Lang::En => format!("Everyone here meets the {} minimums.", self.shown_year()),
            };
            f.render_widget(
                Paragraph::new(l.empty_text(lang, &empty).to_string()).wrap(Wrap { trim: true }),
                list,
            );
            return;
        }
        let cursor = l.row();
        let lines: Vec<Line> = l
            .rows()
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let text = line([
                    clean_line(&p.name),
                    clean_line(&p.id_number),
                    one_decimal(p.public),
                    one_decimal(p.professional),
                    one_decimal(p.public + p.professional),
                    shortfalls_short(&p.shortfalls, lang),
                    p.pending.to_string(),
                ]);
                let style = if i == cursor {
                    t.selected
                } else {
                    Style::default()
                };
                Line::from(Span::styled(text, style))
            })
            .collect();
        f.render_widget(Paragraph::new(lines), list);
    }

    /// The first detail row, on the cursor's row; and whether a read is out (the second row
    /// then says what is being counted).
    fn detail(&self, lang: Lang) -> (String, bool) {
        match &self.rows {
            Rows::Groups(l) => {
                let text = l.selected().map_or_else(String::new, |g| {
                    let name = match g.level() {
                        Level::City => format!("{} {}", clean_line(&g.city), g.city_code),
                        Level::Kind => g.unit_kind.map_or("", |k| k.label(lang)).to_string(),
                        Level::Unit => clean_line(g.unit.as_deref().unwrap_or_default()),
                    };
                    let fig = &g.figures;
                    match lang {
                        Lang::Zh => format!(
                            "{name} · 达标 {}/{} 人 · 公需 {} 专业 {} 学时",
                            fig.meeting,
                            fig.people,
                            one_decimal(fig.public),
                            one_decimal(fig.professional)
                        ),
                        Lang::En => format!(
                            "{name} · {} of {} meet the minimums · public {} professional {} h",
                            fig.meeting,
                            fig.people,
                            one_decimal(fig.public),
                            one_decimal(fig.professional)
                        ),
                    }
                });
                (text, l.busy())
            }
            Rows::Short(l) => {
                let text = l.selected().map_or_else(String::new, |p| {
                    let p2 = self.reference.policy(self.shown_year());
                    match lang {
                        Lang::Zh => format!(
                            "{} · {} · 公需 {}/{} 专业 {}/{} 学时 · 待审 {} 条 · Enter 打开",
                            clean_line(&p.name),
                            clean_line(&p.unit),
                            one_decimal(p.public),
                            p2.public_min,
                            one_decimal(p.professional),
                            p2.professional_min,
                            p.pending
                        ),
                        Lang::En => format!(
                            "{} · {} · public {}/{} professional {}/{} h · {} pending · Enter opens",
                            clean_line(&p.name),
                            clean_line(&p.unit),
                            one_decimal(p.public),
                            p2.public_min,
                            one_decimal(p.professional),
                            p2.professional_min,
                            p.pending
                        ),
                    }
                });
                (text, l.busy())
            }
        }
    }

    /// What is being counted while a read is out: the cities and kinds of unit from the kept
    /// figures, a kind's units from their people's yearly totals.
    fn busy_words(&self, lang: Lang) -> String {
        let year = self.shown_year();
        match (&self.rows, self.path.is_empty(), lang) {
            (Rows::Groups(_), true, Lang::Zh) => {
                format!("正在统计全省 {year} 年度：读取按市州、单位类型留存的汇总；按键照常")
            }
            (Rows::Groups(_), true, Lang::En) => format!(
                "counting Hunan {year} from the figures kept per city and kind; keys still work"
            ),
            (Rows::Groups(l), false, Lang::Zh) if l.query.level == Level::Unit => {
                format!("正在统计 {year} 年度各单位：逐人读取年度汇总；按键照常")
            }
            (Rows::Groups(l), false, Lang::En) if l.query.level == Level::Unit => {
                format!("counting {year}'s units from each person's yearly totals; keys still work")
            }
            (_, _, Lang::Zh) => format!("正在统计 {year} 年度…"),
            (_, _, Lang::En) => format!("counting {year}…"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Hours;

    /// Issue 10 at a province's size: the total row of a million people (and more) keeps a
    /// space before every figure, so `全省合计`, the people, those meeting and each shortfall
    /// read apart; and the row fits the 78 columns inside the frame at 80×24.
    #[test]
    fn a_province_of_millions_keeps_its_figures_apart() {
        let f = Figures {
            people: 9_999_999,
            meeting: 9_999_999,
            short_public: 1_000_000,
            short_professional: 1_000_000,
            short_total: 1_000_000,
            blocked: 0,
            public: Hours::from_tenths(999_999_999),
            professional: Hours::ZERO,
            pending: 999_999,
        };
        let line = format!(
            "{}{}",
            fit(
                "全省合计",
                78 - FIGURE_COLS.iter().sum::<usize>() - CHART_COLS
            ),
            figure_cells(&f, FIGURE_COLS)
        );
        let words: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(
            words,
            [
                "全省合计",
                "9999999",
                "9999999",
                "1000000",
                "1000000",
                "1000000",
                "99999999.9",
                "999999"
            ],
            "{line}"
        );
        assert_eq!(width(&line) + CHART_COLS, 78);
    }
}
