//! Reports (issue 11): the annual completion report (R2) and the verification and certificate
//! register of an office (R6.3, R6.4, R7.2). Reads only: nothing here writes.
//!
//! **Annual completion.** For a year, every person on record is counted in their city (R1.4),
//! kind of unit (R1.3) and unit: whether they meet R2.1 that year and, if not, which minimums
//! they miss (public, professional, total: each one missed is a shortfall of its own, so a
//! person may count under several), the registered hours that count (R4.3, R5.2) and their
//! entries of the year still waiting for review (R5.1). R2.1 applies to every professional
//! technical person each year, whatever their title level (R6.1's five years concern only those
//! applying for 副高 and above), so everyone on record is counted. Each person is judged by
//! `domain::verification::verify` on their yearly totals (`store::totals`), the rule `check`
//! applies, with the year's policy (R2.2): a read of the totals, not a sum over entries.
//!
//! A screen pages it without recomputing more than it shows: [`annual_page`] gives the groups of
//! one level (cities; one city's kinds of unit; one kind's units) after a key, and
//! [`short_people`] the people short in a group after a key, each read from the key on through
//! migration 20's index. [`annual`] streams the whole report, units with subtotals after each
//! kind of unit and city, in that order, in memory bounded by one group.
//!
//! **Register.** For an office and a year: its verification batches of that application year
//! with their applicants' outcomes, and every certificate number it issued that year in number
//! order — who issued it and when, the audit record of the issue, its void (who, when, why, the
//! record) and what it replaces or was replaced by. Its counts are checked against the office's
//! counter (R7.2): as many numbers as the counter gave, none missing.

use rusqlite::Connection;

use crate::domain::policy::{YearOutOfRange, record_year};
use crate::domain::verification::{self, CountedHours, Shortfall, Verification};
use crate::domain::{Category, Hours, Office, UnitKind, YearPolicy};
use crate::export::{Column, ExportError, Kind, Sink, Value};
use crate::i18n::{Describe, Lang};
use crate::store::StoreError;
use crate::store::reference::Reference;
use crate::store::report::{self as reads, After, Detail, PersonYear, Scope};

/// Why a report or export could not be made.
#[derive(Debug)]
pub enum ReportError {
    Store(StoreError),
    Export(ExportError),
    /// A city or office name that is none of R1.4's (as typed, invisible characters shown).
    UnknownOffice(String),
    /// A year no record can hold: before 1980 or after this year (R2.2: a later year has no
    /// policy and no hours yet).
    Year(YearOutOfRange),
}

impl From<StoreError> for ReportError {
    fn from(e: StoreError) -> Self {
        ReportError::Store(e)
    }
}

impl From<rusqlite::Error> for ReportError {
    fn from(e: rusqlite::Error) -> Self {
        ReportError::Store(StoreError::Sql(e))
    }
}

impl From<ExportError> for ReportError {
    fn from(e: ExportError) -> Self {
        ReportError::Export(e)
    }
}

impl Describe for ReportError {
    fn describe(&self, lang: Lang) -> String {
        match (self, lang) {
            (ReportError::Store(e), lang) => e.describe(lang),
            (ReportError::Export(e), lang) => e.describe(lang),
            (ReportError::UnknownOffice(s), Lang::Zh) => {
                format!("“{s}”不是市州或省直：请写简称、全称或代码，如 长沙、长沙市、430100、省直")
            }
            (ReportError::UnknownOffice(s), Lang::En) => format!(
                "\"{s}\" is not a city or 省直: write its short name, full name or code, such \
                 as 长沙, 长沙市, 430100, 省直"
            ),
            (ReportError::Year(e), lang) => e.describe(lang),
        }
    }
}

pub type Result<T> = std::result::Result<T, ReportError>;

/// R1.4 The office a clerk names (`长沙`, `长沙市`, `430100`, `省直`), or [`ReportError::UnknownOffice`].
pub fn office(reference: &Reference, input: &str) -> Result<Office> {
    let cleaned = crate::domain::text::clean_line(input);
    reference
        .office(&cleaned)
        .cloned()
        .ok_or_else(|| ReportError::UnknownOffice(crate::domain::text::reveal_invisible(input)))
}

/// R2.2 A report's or an export's year on `today`: 1980 to this year, the bounds a card's year
/// has (`policy::record_year`, the one check of both); [`ReportError::Year`] otherwise.
pub fn check_year(year: i32, today: chrono::NaiveDate) -> Result<i32> {
    record_year(year, today).map_err(ReportError::Year)
}

/// What the annual report covers: a year, and optionally one city and one kind of unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnnualQuery {
    pub year: i32,
    /// GB/T 2260 code of the city (R1.4).
    pub city_code: Option<String>,
    pub unit_kind: Option<UnitKind>,
}

impl AnnualQuery {
    /// The people of this query inside `within` (a screen's drill-down): both must hold.
    fn scope(&self, within: &Scope) -> Scope {
        Scope {
            city_code: within.city_code.clone().or_else(|| self.city_code.clone()),
            unit_kind: within.unit_kind.or(self.unit_kind),
            unit: within.unit.clone(),
        }
    }

    /// Whether `within` contradicts the query's own filters (nobody can be in both).
    fn excludes(&self, within: &Scope) -> bool {
        matches!((&self.city_code, &within.city_code), (Some(a), Some(b)) if a != b)
            || matches!((self.unit_kind, within.unit_kind), (Some(a), Some(b)) if a != b)
    }
}

/// The counts of one group (or the whole report).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Figures {
    /// People on record in the group.
    pub people: u64,
    /// People who meet R2 in the year as `check` judges it: every minimum met (R2.1) and no
    /// unlifted falsification finding (R5.3).
    pub meeting: u64,
    /// People below the public-subject minimum (R2.1).
    pub short_public: u64,
    /// People below the professional-subject minimum.
    pub short_professional: u64,
    /// People below the total minimum.
    pub short_total: u64,
    /// R5.3 People whose verification an unlifted falsification finding blocks: not meeting R2
    /// whatever their hours (`check` says 不合格), so among the short; those with enough hours
    /// are short by this alone and in none of the three shortfalls.
    pub blocked: u64,
    /// Registered public-subject hours that count (R4.3, R5.2).
    pub public: Hours,
    /// Registered professional-subject hours that count.
    pub professional: Hours,
    /// Entries of the year waiting for review (R5.1).
    pub pending: u64,
}

impl Figures {
    /// People not meeting R2: short of at least one minimum, or blocked (R5.3).
    pub fn short(&self) -> u64 {
        self.people - self.meeting
    }

    /// All registered hours that count.
    pub fn hours(&self) -> Hours {
        self.public + self.professional
    }

    /// One person with `check`'s verdict on their year (`judge`).
    fn add(&mut self, p: &PersonYear, verdict: &Verification) {
        self.people += 1;
        if verdict.pass() {
            self.meeting += 1;
        }
        if verdict.blocked {
            self.blocked += 1;
        }
        for s in verdict.years.iter().flat_map(|y| &y.shortfalls) {
            match s {
                Shortfall::Public => self.short_public += 1,
                Shortfall::Professional => self.short_professional += 1,
                Shortfall::Total => self.short_total += 1,
            }
        }
        self.public = self.public + Hours::from_tenths(p.public_tenths);
        self.professional = self.professional + Hours::from_tenths(p.professional_tenths);
        self.pending += p.pending.max(0) as u64;
    }

    fn merge(&mut self, o: &Figures) {
        self.people += o.people;
        self.meeting += o.meeting;
        self.short_public += o.short_public;
        self.short_professional += o.short_professional;
        self.short_total += o.short_total;
        self.blocked += o.blocked;
        self.public = self.public + o.public;
        self.professional = self.professional + o.professional;
        self.pending += o.pending;
    }
}

/// R2.1 The minimums `public` and `professional` hours miss under `policy`: the same
/// judgement `check` makes of one year (`verification::verify`), on the year's totals.
pub fn shortfalls(policy: &YearPolicy, public: Hours, professional: Hours) -> Vec<Shortfall> {
    judge(policy, public, professional, false)
        .years
        .pop()
        .map(|y| y.shortfalls)
        .unwrap_or_default()
}

/// R2.1, R5.3 One person's year as `check --from Y --to Y` judges it, by the same rule code
/// (`verification::verify`): the year's `public` and `professional` hours against `policy`, and
/// `blocked` by an unlifted falsification finding (`people::blocked_sql`, what `check` reads).
/// [`Verification::pass`] is whether they meet R2: a blocked person never does.
pub fn judge(
    policy: &YearPolicy,
    public: Hours,
    professional: Hours,
    blocked: bool,
) -> Verification {
    let hours = [
        CountedHours {
            year: policy.year,
            category: Category::Public,
            hours: public,
        },
        CountedHours {
            year: policy.year,
            category: Category::Professional,
            hours: professional,
        },
    ];
    verification::verify(
        policy.year,
        policy.year,
        |_| policy.clone(),
        &hours,
        blocked,
    )
}

/// `judge` of a person as the report reads them.
fn judge_person(policy: &YearPolicy, p: &PersonYear) -> Verification {
    judge(
        policy,
        Hours::from_tenths(p.public_tenths),
        Hours::from_tenths(p.professional_tenths),
        p.blocked,
    )
}

/// The depth of a group: a city, a city's kind of unit, or a unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    City,
    Kind,
    Unit,
}

/// One group of the report with its figures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    pub city_code: String,
    /// The city's full name (R1.4), 省直 for the provincial office, or the code when the
    /// reference data lacks it.
    pub city: String,
    /// `None` at [`Level::City`].
    pub unit_kind: Option<UnitKind>,
    /// `None` above [`Level::Unit`].
    pub unit: Option<String>,
    pub figures: Figures,
}

impl Group {
    pub fn level(&self) -> Level {
        match (&self.unit_kind, &self.unit) {
            (None, _) => Level::City,
            (Some(_), None) => Level::Kind,
            (Some(_), Some(_)) => Level::Unit,
        }
    }

    /// The key the next page starts after.
    pub fn after(&self) -> After {
        match (self.unit_kind, &self.unit) {
            (None, _) => After::City(self.city_code.clone()),
            (Some(k), None) => After::Kind(self.city_code.clone(), k),
            (Some(k), Some(u)) => After::Unit(self.city_code.clone(), k, u.clone()),
        }
    }

    /// The people of this group, as a drill-down's `within`.
    pub fn scope(&self) -> Scope {
        Scope {
            city_code: Some(self.city_code.clone()),
            unit_kind: self.unit_kind,
            unit: self.unit.clone(),
        }
    }
}

/// A group's key: (city code, kind of unit, unit), as deep as its level.
type GroupKey = (String, Option<UnitKind>, Option<String>);

/// A person's group key at `level`: (city, kind, unit) cut to the level's depth.
fn key_at(p: &PersonYear, level: Level) -> GroupKey {
    match level {
        Level::City => (p.city_code.clone(), None, None),
        Level::Kind => (p.city_code.clone(), p.unit_kind, None),
        Level::Unit => (p.city_code.clone(), p.unit_kind, Some(p.unit.clone())),
    }
}

/// R1.4 How reports name a city in either language: its full name (长沙市), 省直 for the
/// province's office by its short name (it is not a city). The project keeps no English names
/// for cities, so an English report names them in Chinese too, never by bare code.
pub fn city_name(o: &Office) -> &str {
    if o.is_province { &o.short } else { &o.name }
}

fn group_of(reference: &Reference, key: GroupKey, level: Level, figures: Figures) -> Group {
    let city = reference
        .office_by_code(&key.0)
        .map_or_else(|| key.0.clone(), |o| city_name(o).to_string());
    Group {
        city,
        city_code: key.0,
        // A stored kind this version does not know still groups, under the city.
        unit_kind: if level == Level::City {
            None
        } else {
            key.1.or(Some(UnitKind::City))
        },
        unit: key.2,
        figures,
    }
}

/// Up to `limit` groups of `level` inside `within` (empty: the whole query), after `after`,
/// in order: for a screen's page of cities, of one city's kinds of unit, or of one kind's
/// units. Cities and kinds of unit are read from the kept figures ([`kept_groups`]: lookups,
/// whatever the number of people); units from their people ([`annual_page_read`]).
pub fn annual_page(
    conn: &Connection,
    reference: &Reference,
    q: &AnnualQuery,
    level: Level,
    within: &Scope,
    after: Option<&After>,
    limit: usize,
) -> Result<Vec<Group>> {
    if level == Level::Unit {
        return annual_page_read(conn, reference, q, level, within, after, limit);
    }
    if limit == 0 || q.excludes(within) {
        return Ok(Vec::new());
    }
    let from = after.map(|a| match a {
        After::City(c) => (c.clone(), String::new()),
        After::Kind(c, k)
        | After::Unit(c, k, _)
        | After::Person {
            city_code: c,
            unit_kind: k,
            ..
        } => (c.clone(), k.code().to_string()),
    });
    let mut groups = kept_groups(conn, reference, q, level, within)?;
    groups.retain(|g| {
        let key = (
            g.city_code.clone(),
            g.unit_kind.map_or(String::new(), |k| k.code().to_string()),
        );
        // After a city: the next city; after a kind (or deeper): the next kind.
        from.as_ref().is_none_or(|f| match after {
            Some(After::City(_)) => key.0 > f.0,
            _ => key > *f,
        })
    });
    groups.truncate(limit);
    Ok(groups)
}

/// Every group of `level` ([`Level::City`] or [`Level::Kind`]; units are not kept, so
/// [`Level::Unit`] is answered by kind: [`annual_page`] reads units by the pass) inside
/// `within`, in order, from the figures migration 23 keeps instead of a pass over
/// people: per city and kind of unit the people on record, the year's totals counted by hours,
/// the entries waiting for review, and the few people blocked (R5.3). Each distinct hours is
/// judged once by [`judge`], the rule `check` applies (R2.1, with the year's policy, R2.2), and
/// counts for as many people as hold it; people without totals that year hold 0 hours. A
/// blocked person is in the shortfalls their hours give, and never meeting (R5.3). Equal to
/// [`annual_page_read`] at those levels, group for group (tested).
pub fn kept_groups(
    conn: &Connection,
    reference: &Reference,
    q: &AnnualQuery,
    level: Level,
    within: &Scope,
) -> Result<Vec<Group>> {
    use std::collections::BTreeMap;
    if q.excludes(within) {
        return Ok(Vec::new());
    }
    let scope = q.scope(within);
    let (city, kind) = (scope.city_code.as_deref(), scope.unit_kind);
    let policy = reference.policy(q.year);
    // By (city, stored kind code): the stored text orders as the report's index does, and an
    // unknown code (never written by the program) stays a group of its own, as in the pass.
    let key_of = |r: &reads::KeptRow| match level {
        Level::City => (r.city_code.clone(), String::new()),
        _ => (r.city_code.clone(), r.unit_kind.clone()),
    };
    let mut figures: BTreeMap<(String, String), Figures> = BTreeMap::new();
    // People on record first: they say which groups there are; those not met among the
    // totals below hold no hours (0, 0) that year.
    let mut unseen: BTreeMap<(String, String), u64> = BTreeMap::new();
    for r in reads::kept_people(conn, city, kind)? {
        let n = r.count.max(0) as u64;
        figures.entry(key_of(&r)).or_default().people += n;
        *unseen.entry(key_of(&r)).or_default() += n;
    }
    let mut add_hours = |key: (String, String), public: i64, professional: i64, n: u64| {
        let Some(f) = figures.get_mut(&key) else {
            return;
        };
        let (public, professional) = (Hours::from_tenths(public), Hours::from_tenths(professional));
        let verdict = judge(&policy, public, professional, false);
        if verdict.pass() {
            f.meeting += n;
        }
        for s in verdict.years.iter().flat_map(|y| &y.shortfalls) {
            match s {
                Shortfall::Public => f.short_public += n,
                Shortfall::Professional => f.short_professional += n,
                Shortfall::Total => f.short_total += n,
            }
        }
        f.public = f.public + Hours::from_tenths(public.tenths() * n as i64);
        f.professional = f.professional + Hours::from_tenths(professional.tenths() * n as i64);
    };
    for r in reads::kept_totals(conn, q.year, city, kind)? {
        let n = r.count.max(0) as u64;
        let key = key_of(&r);
        if let Some(u) = unseen.get_mut(&key) {
            *u = u.saturating_sub(n);
        }
        add_hours(key, r.public_tenths, r.professional_tenths, n);
    }
    for (key, n) in unseen {
        if n > 0 {
            add_hours(key, 0, 0, n);
        }
    }
    for r in reads::kept_pending(conn, q.year, city, kind)? {
        if let Some(f) = figures.get_mut(&key_of(&r)) {
            f.pending += r.count.max(0) as u64;
        }
    }
    // R5.3 A blocked person was counted above by their hours alone: never meeting.
    for r in reads::kept_blocked(conn, q.year, city, kind)? {
        let key = key_of(&r);
        let hours_meet = judge(
            &policy,
            Hours::from_tenths(r.public_tenths),
            Hours::from_tenths(r.professional_tenths),
            false,
        )
        .pass();
        if let Some(f) = figures.get_mut(&key) {
            f.blocked += 1;
            if hours_meet {
                f.meeting = f.meeting.saturating_sub(1);
            }
        }
    }
    Ok(figures
        .into_iter()
        .map(|((city_code, kind_code), f)| {
            let kind = match level {
                Level::City => None,
                _ => UnitKind::parse(&kind_code),
            };
            group_of(reference, (city_code, kind, None), level, f)
        })
        .collect())
}

/// [`annual_page`] read from the people of the groups (and of the group after, to know the
/// last one ended), each judged as `check` judges them: what a level of units takes, and what
/// the kept figures of cities and kinds of unit must equal.
pub fn annual_page_read(
    conn: &Connection,
    reference: &Reference,
    q: &AnnualQuery,
    level: Level,
    within: &Scope,
    after: Option<&After>,
    limit: usize,
) -> Result<Vec<Group>> {
    let mut out = Vec::new();
    if limit == 0 || q.excludes(within) {
        return Ok(out);
    }
    let policy = reference.policy(q.year);
    let mut current: Option<(GroupKey, Figures)> = None;
    reads::each_person_of_year::<ReportError>(
        conn,
        q.year,
        &q.scope(within),
        after,
        Detail::Figures,
        |p| {
            let key = key_at(&p, level);
            if current.as_ref().is_some_and(|(k, _)| *k != key) {
                if let Some((k, f)) = current.take() {
                    out.push(group_of(reference, k, level, f));
                }
                if out.len() >= limit {
                    return Ok(false);
                }
            }
            let verdict = judge_person(&policy, &p);
            current
                .get_or_insert_with(|| (key, Figures::default()))
                .1
                .add(&p, &verdict);
            Ok(true)
        },
    )?;
    if out.len() < limit
        && let Some((k, f)) = current
    {
        out.push(group_of(reference, k, level, f));
    }
    Ok(out)
}

/// One person not meeting R2 in the report's year (short of a minimum, or blocked by a
/// finding, R5.3): the drill-down's row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShortPerson {
    pub name: String,
    pub id_number: String,
    pub city_code: String,
    pub unit_kind: Option<UnitKind>,
    pub unit: String,
    pub public: Hours,
    pub professional: Hours,
    /// What they miss (R2.1); empty only when they are blocked with enough hours.
    pub shortfalls: Vec<Shortfall>,
    /// R5.3 An unlifted falsification finding blocks their verification.
    pub blocked: bool,
    /// Entries of the year waiting for review: what may still close the gap.
    pub pending: u64,
    /// The key the next page starts after.
    pub after: After,
}

/// Up to `limit` people not meeting R2 in the query's year inside `within` (a group's
/// [`Group::scope`]), after `after`, by unit and name: those short of a minimum and those
/// blocked by a finding (R5.3), as many as the group's [`Figures::short`]. Reads people from
/// `after` on until the page is full.
pub fn short_people(
    conn: &Connection,
    reference: &Reference,
    q: &AnnualQuery,
    within: &Scope,
    after: Option<&After>,
    limit: usize,
) -> Result<Vec<ShortPerson>> {
    let mut out = Vec::new();
    if limit == 0 || q.excludes(within) {
        return Ok(out);
    }
    let policy = reference.policy(q.year);
    reads::each_person_of_year::<ReportError>(
        conn,
        q.year,
        &q.scope(within),
        after,
        Detail::People,
        |p| {
            let (public, professional) = (
                Hours::from_tenths(p.public_tenths),
                Hours::from_tenths(p.professional_tenths),
            );
            let verdict = judge_person(&policy, &p);
            if !verdict.pass() {
                let blocked = verdict.blocked;
                let short = verdict
                    .years
                    .into_iter()
                    .flat_map(|y| y.shortfalls)
                    .collect();
                out.push(ShortPerson {
                    after: After::Person {
                        city_code: p.city_code.clone(),
                        unit_kind: p.unit_kind.unwrap_or(UnitKind::City),
                        unit: p.unit.clone(),
                        name: p.name.clone(),
                        person_id: p.person_id,
                    },
                    name: p.name,
                    id_number: p.id_number,
                    city_code: p.city_code,
                    unit_kind: p.unit_kind,
                    unit: p.unit,
                    public,
                    professional,
                    shortfalls: short,
                    blocked,
                    pending: p.pending.max(0) as u64,
                });
            }
            Ok(out.len() < limit)
        },
    )?;
    Ok(out)
}

/// One line of the streamed report ([`annual`]): a unit, then the subtotal of its kind of unit
/// once its last unit is past, then the city's, and the total at the end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Line {
    Unit(Group),
    KindTotal(Group),
    CityTotal(Group),
    Total(Figures),
}

/// The whole report for `q`, streamed to `sink` line by line ([`Line`]) in order of city, kind
/// of unit and unit; `progress(done, total)` hears how many people are counted. Memory holds
/// one unit, one kind and one city at a time. Returns the total.
pub fn annual(
    conn: &Connection,
    reference: &Reference,
    q: &AnnualQuery,
    progress: &mut dyn FnMut(u64, u64),
    sink: &mut dyn FnMut(Line) -> Result<()>,
) -> Result<Figures> {
    let scope = q.scope(&Scope::default());
    let total_people = reads::count_people(conn, &scope)?;
    let policy = reference.policy(q.year);
    let mut unit: Option<(GroupKey, Figures)> = None;
    let mut kind: Option<(GroupKey, Figures)> = None;
    let mut city: Option<(GroupKey, Figures)> = None;
    let mut total = Figures::default();
    let mut done = 0u64;
    progress(0, total_people);
    // Close the groups a person's key leaves: the unit, then the kind, then the city.
    let close = |p: Option<&PersonYear>,
                 unit: &mut Option<_>,
                 kind: &mut Option<_>,
                 city: &mut Option<_>,
                 sink: &mut dyn FnMut(Line) -> Result<()>|
     -> Result<()> {
        let ends = |slot: &Option<(GroupKey, Figures)>, level: Level| match (slot, p) {
            (Some((k, _)), Some(p)) => *k != key_at(p, level),
            (Some(_), None) => true,
            (None, _) => false,
        };
        let (end_unit, end_kind, end_city) = (
            ends(unit, Level::Unit),
            ends(kind, Level::Kind),
            ends(city, Level::City),
        );
        if end_unit && let Some((k, f)) = unit.take() {
            sink(Line::Unit(group_of(reference, k, Level::Unit, f)))?;
        }
        if end_kind && let Some((k, f)) = kind.take() {
            sink(Line::KindTotal(group_of(reference, k, Level::Kind, f)))?;
        }
        if end_city && let Some((k, f)) = city.take() {
            sink(Line::CityTotal(group_of(reference, k, Level::City, f)))?;
        }
        Ok(())
    };
    reads::each_person_of_year::<ReportError>(conn, q.year, &scope, None, Detail::Figures, |p| {
        close(Some(&p), &mut unit, &mut kind, &mut city, sink)?;
        let mut one = Figures::default();
        one.add(&p, &judge_person(&policy, &p));
        for (slot, level) in [
            (&mut unit, Level::Unit),
            (&mut kind, Level::Kind),
            (&mut city, Level::City),
        ] {
            slot.get_or_insert_with(|| (key_at(&p, level), Figures::default()))
                .1
                .merge(&one);
        }
        total.merge(&one);
        done += 1;
        if done.is_multiple_of(1024) {
            progress(done, total_people.max(done));
        }
        Ok(true)
    })?;
    close(None, &mut unit, &mut kind, &mut city, sink)?;
    progress(done, total_people.max(done));
    sink(Line::Total(total))?;
    Ok(total)
}

/// The annual report's spreadsheet columns: one sheet, a row per unit, kind subtotal, city
/// subtotal and the total ([`write_annual`]; `report annual --format csv|xlsx` and the report
/// screen's `w` both write it).
pub const ANNUAL_COLUMNS: &[Column] = &[
    Column::new("汇总级别", "level", Kind::Text),
    Column::new("市州", "city", Kind::Text),
    Column::new("单位类型", "unit_kind", Kind::Text),
    Column::new("单位", "unit", Kind::Text),
    Column::new("人数", "people", Kind::Count),
    Column::new("达标人数", "meeting", Kind::Count),
    Column::new("未达标人数", "short", Kind::Count),
    Column::new("公需不足", "short_public", Kind::Count),
    Column::new("专业不足", "short_professional", Kind::Count),
    Column::new("合计不足", "short_total", Kind::Count),
    Column::new("冻结人数", "blocked", Kind::Count),
    Column::new("公需学时", "public_hours", Kind::Hours),
    Column::new("专业学时", "professional_hours", Kind::Hours),
    Column::new("登记学时", "hours", Kind::Hours),
    Column::new("待审条目", "pending", Kind::Count),
];

fn figure_values(f: &Figures) -> [Value; 11] {
    let n = |v: u64| Value::Count(v as i64);
    [
        n(f.people),
        n(f.meeting),
        n(f.short()),
        n(f.short_public),
        n(f.short_professional),
        n(f.short_total),
        n(f.blocked),
        Value::Hours(f.public),
        Value::Hours(f.professional),
        Value::Hours(f.hours()),
        n(f.pending),
    ]
}

/// The city as the report names it in both languages: its name (`Group::city`, 长沙市, 省直),
/// never the bare code (a tester read `430100` in an English report); the project has no
/// English names for cities. The roster export keeps codes, since they import back.
fn city_cell(_lang: Lang, g: &Group) -> String {
    g.city.clone()
}

/// One [`Line`] of the annual report as a row of [`ANNUAL_COLUMNS`].
pub fn annual_row(lang: Lang, line: &Line) -> Vec<Value> {
    let (level, group, figures) = match line {
        Line::Unit(g) => (lang.pick("单位", "unit"), Some(g), &g.figures),
        Line::KindTotal(g) => (
            lang.pick("单位类型小计", "kind subtotal"),
            Some(g),
            &g.figures,
        ),
        Line::CityTotal(g) => (lang.pick("市州小计", "city subtotal"), Some(g), &g.figures),
        Line::Total(f) => (lang.pick("合计", "total"), None, f),
    };
    let mut row = vec![Value::text(level)];
    match group {
        Some(g) => {
            row.push(Value::text(city_cell(lang, g)));
            row.push(Value::text(
                g.unit_kind.map(|k| k.label(lang)).unwrap_or_default(),
            ));
            row.push(Value::text(g.unit.clone().unwrap_or_default()));
        }
        None => row.extend([Value::Empty, Value::Empty, Value::Empty]),
    }
    row.extend(figure_values(figures));
    row
}

/// The annual report's sheet title: `2016年度完成情况` / `completion 2016`.
pub fn annual_title(year: i32, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!("{year}年度完成情况"),
        Lang::En => format!("completion {year}"),
    }
}

/// The whole annual report for `q` as one sheet of [`ANNUAL_COLUMNS`] on `sink` (units, then
/// the subtotals of each kind of unit and city, then the total), streamed as [`annual`] reads
/// it; `progress(done, total)` hears the people counted. Does not finish the sink. Returns the
/// total.
pub fn write_annual(
    conn: &Connection,
    reference: &Reference,
    q: &AnnualQuery,
    lang: Lang,
    sink: &mut dyn Sink,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<Figures> {
    sink.sheet(&annual_title(q.year, lang), ANNUAL_COLUMNS)?;
    annual(conn, reference, q, progress, &mut |line| {
        Ok(sink.row(&annual_row(lang, &line))?)
    })
}

/// The sheet of the people short in a group ([`write_short`]).
pub const SHORT_COLUMNS: &[Column] = &[
    Column::new("姓名", "name", Kind::Text),
    Column::new("身份证号", "id_number", Kind::Id),
    Column::new("市州", "city", Kind::Text),
    Column::new("单位类型", "unit_kind", Kind::Text),
    Column::new("单位", "unit", Kind::Text),
    Column::new("公需学时", "public_hours", Kind::Hours),
    Column::new("专业学时", "professional_hours", Kind::Hours),
    Column::new("登记学时", "hours", Kind::Hours),
    Column::new("未达标项", "shortfalls", Kind::Text),
    Column::new("待审条目", "pending", Kind::Count),
];

/// R2.1 What a person misses, as a cell and a screen column say it: `公需、合计` /
/// `public, total`.
pub fn shortfall_words(shortfalls: &[Shortfall], lang: Lang) -> String {
    shortfalls
        .iter()
        .map(|s| match s {
            Shortfall::Public => lang.pick("公需", "public"),
            Shortfall::Professional => lang.pick("专业", "professional"),
            Shortfall::Total => lang.pick("合计", "total"),
        })
        .collect::<Vec<_>>()
        .join(lang.pick("、", ", "))
}

/// Every person short in `q`'s year inside `within` (a group's [`Group::scope`]) as one sheet
/// of [`SHORT_COLUMNS`] on `sink`, in the drill-down's order (unit, name), read a page at a
/// time by key (a unit's people: no progress to show). Does not finish the sink. Returns how
/// many people were written.
pub fn write_short(
    conn: &Connection,
    reference: &Reference,
    q: &AnnualQuery,
    within: &Scope,
    lang: Lang,
    sink: &mut dyn Sink,
) -> Result<u64> {
    const PAGE: usize = 1000;
    let title = match lang {
        Lang::Zh => format!("{}年度未达标人员", q.year),
        Lang::En => format!("short {}", q.year),
    };
    sink.sheet(&title, SHORT_COLUMNS)?;
    let mut after: Option<After> = None;
    let mut written = 0u64;
    loop {
        let page = short_people(conn, reference, q, within, after.as_ref(), PAGE)?;
        for p in &page {
            let city = reference
                .office_by_code(&p.city_code)
                .map_or_else(|| p.city_code.clone(), |o| o.label(lang).to_string());
            sink.row(&[
                Value::text(p.name.as_str()),
                Value::text(p.id_number.as_str()),
                Value::text(city),
                Value::text(p.unit_kind.map(|k| k.label(lang)).unwrap_or_default()),
                Value::text(p.unit.as_str()),
                Value::Hours(p.public),
                Value::Hours(p.professional),
                Value::Hours(p.public + p.professional),
                Value::text(shortfall_words(&p.shortfalls, lang)),
                Value::Count(p.pending as i64),
            ])?;
            written += 1;
        }
        match page.last() {
            Some(last) if page.len() == PAGE => after = Some(last.after.clone()),
            _ => return Ok(written),
        }
    }
}

/// What the register found, to tell the clerk and to compare with the counter (R7.2).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RegisterCounts {
    pub batches: u64,
    pub applicants: u64,
    /// Certificate numbers of the office and year, voided ones included.
    pub numbers: u64,
    /// Of these, reissues (numbers that replace another).
    pub reissues: u64,
    pub voided: u64,
    /// The office's counter for the year: the last number it gave (0 when it gave none).
    pub counter: i64,
    /// The first number missing from 1..=counter, or the first out of order (R7.2: never
    /// skipped).
    pub first_gap: Option<i64>,
}

impl RegisterCounts {
    /// Valid certificates: numbers not voided.
    pub fn valid(&self) -> u64 {
        self.numbers - self.voided
    }

    /// R7.2 The register accounts for every number the counter gave, and for no other.
    pub fn agrees(&self) -> bool {
        self.numbers as i64 == self.counter && self.first_gap.is_none()
    }
}

/// The register of `office` for `year`: its batches (as a list, tens a year), then each
/// applicant to `on_applicant` and each certificate number to `on_certificate`, streamed;
/// returns the counts, checked against the counter.
pub fn register(
    conn: &Connection,
    office: &Office,
    year: i32,
    on_batches: &mut dyn FnMut(&[reads::BatchRow]) -> Result<()>,
    on_applicant: &mut dyn FnMut(reads::ApplicantRow) -> Result<()>,
    on_certificate: &mut dyn FnMut(reads::CertificateRow) -> Result<()>,
) -> Result<RegisterCounts> {
    let mut counts = RegisterCounts::default();
    let batches = reads::batches_of(conn, &office.code, year)?;
    counts.batches = batches.len() as u64;
    on_batches(&batches)?;
    reads::each_applicant(conn, &office.code, year, |a| {
        counts.applicants += 1;
        on_applicant(a)
    })?;
    let mut expected = 1i64;
    reads::each_certificate(conn, &office.short, year, |c| {
        counts.numbers += 1;
        if c.replaces.is_some() {
            counts.reissues += 1;
        }
        if c.voided_by.is_some() {
            counts.voided += 1;
        }
        if c.sequence != expected && counts.first_gap.is_none() {
            counts.first_gap = Some(expected);
        }
        expected = c.sequence + 1;
        on_certificate(c)
    })?;
    counts.counter = reads::counter(conn, &office.short, year)?.unwrap_or(0);
    if counts.first_gap.is_none() && (counts.numbers as i64) < counts.counter {
        counts.first_gap = Some(expected);
    }
    Ok(counts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::fixtures::actor;
    use crate::store::Store;

    fn demo() -> (Store, Reference) {
        let mut store = Store::open_in_memory().unwrap();
        crate::service::demo::generate(&mut store, &actor("demo"), 120, 11).unwrap();
        let reference = Reference::load(&store).unwrap();
        (store, reference)
    }

    fn streamed(store: &Store, reference: &Reference, q: &AnnualQuery) -> Vec<Line> {
        let mut lines = Vec::new();
        annual(store.conn(), reference, q, &mut |_, _| {}, &mut |l| {
            lines.push(l);
            Ok(())
        })
        .unwrap();
        lines
    }

    /// Issue 11: a screen paging the report by key, a few groups at a time, at each level,
    /// sees exactly the groups the whole report has, with the same figures.
    #[test]
    fn pages_by_key_at_every_level_are_the_whole_reports_groups() {
        let (store, reference) = demo();
        let q = AnnualQuery {
            year: 2016,
            city_code: None,
            unit_kind: None,
        };
        let lines = streamed(&store, &reference, &q);
        let all = |level: Level, within: &Scope| {
            let mut out: Vec<Group> = Vec::new();
            loop {
                let after = out.last().map(Group::after);
                let page = annual_page(
                    store.conn(),
                    &reference,
                    &q,
                    level,
                    within,
                    after.as_ref(),
                    3,
                )
                .unwrap();
                if page.is_empty() {
                    break;
                }
                assert!(page.len() <= 3);
                out.extend(page);
            }
            out
        };
        let units: Vec<Group> = lines
            .iter()
            .filter_map(|l| match l {
                Line::Unit(g) => Some(g.clone()),
                _ => None,
            })
            .collect();
        assert!(units.len() > 20, "{}", units.len());
        assert_eq!(all(Level::Unit, &Scope::default()), units);
        let cities: Vec<Group> = lines
            .iter()
            .filter_map(|l| match l {
                Line::CityTotal(g) => Some(g.clone()),
                _ => None,
            })
            .collect();
        assert_eq!(all(Level::City, &Scope::default()), cities);
        // Drilling into one city: its kinds of unit, as the report's subtotals of that city.
        let first = &cities[0];
        let kinds: Vec<Group> = lines
            .iter()
            .filter_map(|l| match l {
                Line::KindTotal(g) if g.city_code == first.city_code => Some(g.clone()),
                _ => None,
            })
            .collect();
        assert_eq!(all(Level::Kind, &first.scope()), kinds);
        let Some(Line::Total(total)) = lines.last() else {
            panic!("the report ends with its total");
        };
        assert_eq!(total.people, 120);
    }

    /// R2.1 The drill-down to the people short of a city, paged two at a time, is exactly the
    /// people of that city `check` finds short in the year, with check's shortfalls.
    #[test]
    fn r2_1_the_people_short_of_a_group_are_those_check_finds_short() {
        let (store, reference) = demo();
        let q = AnnualQuery {
            year: 2016,
            city_code: None,
            unit_kind: None,
        };
        let groups = annual_page(
            store.conn(),
            &reference,
            &q,
            Level::City,
            &Scope::default(),
            None,
            99,
        )
        .unwrap();
        let city = groups
            .iter()
            .max_by_key(|g| g.figures.short())
            .expect("a city");
        assert!(
            city.figures.short() > 0,
            "the demo has people short in 2016"
        );
        let mut short: Vec<ShortPerson> = Vec::new();
        loop {
            let after = short.last().map(|p| p.after.clone());
            let page = short_people(
                store.conn(),
                &reference,
                &q,
                &city.scope(),
                after.as_ref(),
                2,
            )
            .unwrap();
            if page.is_empty() {
                break;
            }
            short.extend(page);
        }
        assert_eq!(short.len() as u64, city.figures.short());
        let mut everyone: Vec<String> = store
            .conn()
            .prepare("SELECT id_number FROM people WHERE city_code = ?1")
            .unwrap()
            .query_map([&city.city_code], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        everyone.sort();
        let mut expected = Vec::new();
        for id in &everyone {
            let r = crate::service::check::check(&store, id, 2016, 2016).unwrap();
            let y = &r.verification.years[0];
            if !r.verification.pass() {
                expected.push((
                    id.clone(),
                    y.shortfalls.clone(),
                    y.public,
                    y.professional,
                    r.verification.blocked,
                ));
            }
        }
        let mut got: Vec<_> = short
            .iter()
            .map(|p| {
                (
                    p.id_number.clone(),
                    p.shortfalls.clone(),
                    p.public,
                    p.professional,
                    p.blocked,
                )
            })
            .collect();
        got.sort();
        assert_eq!(got, expected);
    }

    /// R5.3, R2 Tester's point: a person with an unlifted falsification finding is 不合格 in
    /// `check` whatever their hours, so the report never counts them as meeting R2; it counts
    /// them blocked. The province's totals are `check`'s, person by person, in both respects.
    #[test]
    fn r5_3_a_blocked_person_never_meets_r2_in_the_report_as_in_check() {
        let (store, reference) = demo();
        for year in [2016, 2015] {
            let q = AnnualQuery {
                year,
                city_code: None,
                unit_kind: None,
            };
            let Some(Line::Total(total)) = streamed(&store, &reference, &q).pop() else {
                panic!("the report ends with its total");
            };
            let ids: Vec<String> = store
                .conn()
                .prepare("SELECT id_number FROM people")
                .unwrap()
                .query_map([], |r| r.get(0))
                .unwrap()
                .collect::<rusqlite::Result<_>>()
                .unwrap();
            let (mut meeting, mut blocked, mut blocked_with_hours) = (0, 0, 0);
            for id in &ids {
                let v = crate::service::check::check(&store, id, year, year)
                    .unwrap()
                    .verification;
                meeting += u64::from(v.pass());
                blocked += u64::from(v.blocked);
                blocked_with_hours += u64::from(v.blocked && v.years[0].pass());
            }
            assert!(blocked > 0, "the demo has people with a finding");
            assert_eq!((total.meeting, total.blocked), (meeting, blocked), "{year}");
            if year == 2016 {
                assert!(
                    blocked_with_hours > 0,
                    "someone blocked with enough hours, whom hours alone would count as meeting"
                );
            }
        }
        // The verdict itself: enough hours, blocked, is not meeting R2 and misses no minimum.
        let p = YearPolicy::default_for(2016);
        let v = judge(&p, Hours::whole(30), Hours::whole(60), true);
        assert!(!v.pass());
        assert!(v.years[0].shortfalls.is_empty());
        assert!(judge(&p, Hours::whole(30), Hours::whole(60), false).pass());
    }

    /// Issue 10/11: every city and every city's kind of unit from the kept figures (migration
    /// 24) equals the pass over people that judges each as `check` does, figure for figure, in
    /// the same order: the whole province, each city drilled into, and the command line's
    /// `--city` / `--unit-kind` filters, for every year of `years`.
    fn assert_kept_equals_read(store: &Store, reference: &Reference, years: &[i32], step: &str) {
        let all = |q: &AnnualQuery, level: Level, within: &Scope| {
            let read =
                annual_page_read(store.conn(), reference, q, level, within, None, usize::MAX)
                    .unwrap();
            let kept = kept_groups(store.conn(), reference, q, level, within).unwrap();
            assert_eq!(
                kept, read,
                "{step}: {} {level:?} in {within:?} of {q:?}",
                q.year
            );
            read
        };
        let kinds = [
            UnitKind::Provincial,
            UnitKind::City,
            UnitKind::NonPublic,
            UnitKind::Central,
        ];
        for &year in years {
            let q = AnnualQuery {
                year,
                city_code: None,
                unit_kind: None,
            };
            let cities = all(&q, Level::City, &Scope::default());
            for city in &cities {
                all(&q, Level::Kind, &city.scope());
                let one = AnnualQuery {
                    city_code: Some(city.city_code.clone()),
                    ..q.clone()
                };
                all(&one, Level::City, &Scope::default());
            }
            for k in kinds {
                let of_kind = AnnualQuery {
                    unit_kind: Some(k),
                    ..q.clone()
                };
                all(&of_kind, Level::City, &Scope::default());
                all(&of_kind, Level::Kind, &Scope::default());
            }
            // A city nobody lives in has no group in either.
            let nobody = Scope {
                city_code: Some("439900".into()),
                ..Scope::default()
            };
            assert!(all(&q, Level::Kind, &nobody).is_empty());
        }
    }

    /// The years every check covers: the demo's, one with a policy of its own (2015, set in
    /// `reference`: R2.2), and one nobody has hours in (1990: everyone short of all three).
    const YEARS: [i32; 8] = [1990, 2012, 2013, 2014, 2015, 2016, 2017, 2018];

    fn reference_with_2015_policy(store: &Store) -> Reference {
        let mut reference = Reference::load(store).unwrap();
        reference.policies.insert(
            2015,
            YearPolicy {
                public_min: Hours::whole(20),
                professional_min: Hours::whole(45),
                total_min: Hours::whole(72),
                ..YearPolicy::default_for(2015)
            },
        );
        reference
    }

    /// Issue 10/11, R2.1, R2.2, R5.3: on the demo data set the kept cities and kinds of unit
    /// are the pass's, in every year including one whose policy differs and one nobody has
    /// hours in; and the figures are not trivially equal: people meet, miss each minimum, are
    /// blocked, and have entries waiting.
    #[test]
    fn kept_cities_and_kinds_equal_the_pass_over_people_on_the_demo() {
        let (store, _) = demo();
        let reference = reference_with_2015_policy(&store);
        assert_kept_equals_read(&store, &reference, &YEARS, "demo");
        let total = |year| {
            let q = AnnualQuery {
                year,
                city_code: None,
                unit_kind: None,
            };
            let mut t = Figures::default();
            for g in
                kept_groups(store.conn(), &reference, &q, Level::City, &Scope::default()).unwrap()
            {
                t.merge(&g.figures);
            }
            t
        };
        let t = total(2016);
        assert_eq!(t.people, 120);
        assert!(t.meeting > 0 && t.short() > 0, "{t:?}");
        assert!(t.short_public > 0 && t.short_professional > 0 && t.short_total > 0);
        assert!(t.blocked > 0, "{t:?}");
        assert!(
            total(2017).pending > 0,
            "this year's entries wait for review"
        );
        // 2015's lower minimums let more people meet than the notice's would.
        let default = Reference::load(&store).unwrap();
        let q = AnnualQuery {
            year: 2015,
            city_code: None,
            unit_kind: None,
        };
        let meeting = |r: &Reference| -> u64 {
            kept_groups(store.conn(), r, &q, Level::City, &Scope::default())
                .unwrap()
                .iter()
                .map(|g| g.figures.meeting)
                .sum()
        };
        assert!(meeting(&reference) > meeting(&default));
        // Nobody has hours in 1990: everyone on record misses all three minimums.
        let t = total(1990);
        assert_eq!((t.meeting, t.short_public, t.short_total), (0, 120, 120));
        assert_eq!(t.hours(), Hours::ZERO);
    }

    /// What a random step does to the records.
    #[derive(Debug, Clone)]
    enum Op {
        /// R5.1/R5.3 A decision on a waiting entry: seal, register, refuse, falsified.
        Decide {
            entry: usize,
            kind: u8,
        },
        /// R5.5 Undo the last decision (lifts a finding a falsified decision made).
        Undo,
        /// A new entry waiting for review, or an entry corrected to another year.
        Record {
            person: usize,
            year: i32,
            tenths: i64,
            public: bool,
        },
        Correct {
            entry: usize,
            year: i32,
        },
        /// R1.3, R1.4 A person moved to another city or kind of unit.
        Move {
            person: usize,
            city: usize,
            kind: usize,
        },
        /// An import of new people.
        Import {
            city: usize,
            kind: usize,
            n: u8,
        },
        /// A person deleted with everything of theirs (by hand: no service deletes people).
        Delete {
            person: usize,
        },
    }

    fn op() -> impl proptest::strategy::Strategy<Value = Op> {
        use proptest::prelude::*;
        prop_oneof![
            3 => (any::<usize>(), 0u8..5).prop_map(|(entry, kind)| Op::Decide { entry, kind }),
            1 => Just(Op::Undo),
            2 => (any::<usize>(), 2013i32..=2017, 1i64..400, any::<bool>()).prop_map(
                |(person, year, tenths, public)| Op::Record { person, year, tenths, public }
            ),
            1 => (any::<usize>(), 2012i32..=2017).prop_map(|(entry, year)| Op::Correct { entry, year }),
            2 => (any::<usize>(), any::<usize>(), any::<usize>())
                .prop_map(|(person, city, kind)| Op::Move { person, city, kind }),
            1 => (any::<usize>(), any::<usize>(), 1u8..4).prop_map(|(city, kind, n)| Op::Import { city, kind, n }),
            1 => any::<usize>().prop_map(|person| Op::Delete { person }),
        ]
    }

    fn ids(store: &Store, sql: &str) -> Vec<i64> {
        store
            .conn()
            .prepare(sql)
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap()
    }

    fn pick(list: &[i64], i: usize) -> Option<i64> {
        (!list.is_empty()).then(|| list[i % list.len()])
    }

    const KIND_NAMES: [&str; 4] = ["省直单位", "市州所属单位", "非公企业", "中央在湘单位"];

    /// Do `op`; a refusal (a rule said no) writes nothing, which the comparison after covers.
    fn apply(store: &mut Store, reference: &Reference, op: &Op, serial: &mut u32) {
        use crate::service::review::Decision;
        use crate::service::{decision, fixtures, import, records, review};
        let reviewer = actor("reviewer");
        let clerk = actor("clerk");
        let waiting = ids(store, "SELECT entry_id FROM review_queue ORDER BY entry_id");
        // Entries a clerk may still correct (R5.1: before the seal).
        let entries = ids(
            store,
            "SELECT id FROM entries WHERE state IN ('recorded', 'evidence_complete') ORDER BY id",
        );
        let people = ids(store, "SELECT id FROM people ORDER BY id");
        let cities: Vec<&crate::domain::Office> = reference.offices.iter().collect();
        let result: crate::service::Result<()> = match op {
            Op::Decide { entry, kind } => {
                let Some(id) = pick(&waiting, *entry) else {
                    return;
                };
                let d = match kind {
                    0 => Decision::Seal,
                    1 => Decision::Register { confirm: true },
                    2 => Decision::Refuse {
                        reason: "材料不实".into(),
                    },
                    _ => Decision::Falsified {
                        reason: "伪造结业证明".into(),
                    },
                };
                if matches!(d, Decision::Register { .. }) {
                    let _ =
                        review::decide(store, &reviewer, &[id], &Decision::Seal, &mut |_, _| {});
                }
                review::decide(store, &reviewer, &[id], &d, &mut |_, _| {}).map(drop)
            }
            Op::Undo => decision::undo_last(store, &reviewer).map(drop),
            Op::Record {
                person,
                year,
                tenths,
                public,
            } => {
                let Some(pid) = pick(&people, *person) else {
                    return;
                };
                let start = chrono::NaiveDate::from_ymd_opt(*year, 9, 1).unwrap();
                let e = crate::domain::Entry {
                    year: *year,
                    category: if *public {
                        Category::Public
                    } else {
                        Category::Professional
                    },
                    form: crate::domain::Form::Distance,
                    content: format!("网络课程{tenths}"),
                    provider: "湖南省人事考试院".into(),
                    start_date: start,
                    end_date: start,
                    hours: Hours::from_tenths(*tenths),
                    result: crate::domain::AssessmentResult::Pass,
                    state: crate::domain::EntryState::Recorded,
                    migrated: false,
                };
                records::add_entry(store, &clerk, pid, e, None).map(drop)
            }
            Op::Correct { entry, year } => {
                let Some(id) = pick(&entries, *entry) else {
                    return;
                };
                let rec = crate::store::entries::get(store.conn(), id)
                    .unwrap()
                    .unwrap();
                let start = chrono::NaiveDate::from_ymd_opt(*year, 4, 1).unwrap();
                let new = crate::domain::Entry {
                    year: *year,
                    start_date: start,
                    end_date: start,
                    ..rec.entry.clone()
                };
                records::update_entry(
                    store,
                    &clerk,
                    id,
                    &rec.entry,
                    rec.filing_id,
                    new,
                    rec.filing_id,
                )
                .map(drop)
            }
            Op::Move { person, city, kind } => {
                let Some(pid) = pick(&people, *person) else {
                    return;
                };
                let old = crate::store::people::get(store.conn(), pid)
                    .unwrap()
                    .unwrap();
                let office = cities[city % cities.len()];
                let kinds = [
                    UnitKind::Provincial,
                    UnitKind::City,
                    UnitKind::NonPublic,
                    UnitKind::Central,
                ];
                let moved = crate::domain::Person {
                    city_code: office.code.clone(),
                    unit_kind: kinds[kind % kinds.len()],
                    ..old.clone()
                };
                records::update_person(store, &clerk, pid, &old, &moved).map(drop)
            }
            Op::Import { city, kind, n } => {
                let office = cities[city % cities.len()];
                let rows: Vec<String> = (0..*n)
                    .map(|_| {
                        *serial += 1;
                        let birth = chrono::NaiveDate::from_ymd_opt(1980, 1, 1).unwrap()
                            + chrono::Days::new(u64::from(*serial));
                        let id = crate::domain::IdNumber::compose("430102", birth, 7)
                            .expect("six digits")
                            .as_str()
                            .to_string();
                        format!(
                            "{id},新人{serial},新单位{},{},{}",
                            *serial % 3,
                            KIND_NAMES[kind % KIND_NAMES.len()],
                            office.short
                        )
                    })
                    .collect();
                let rows: Vec<&str> = rows.iter().map(String::as_str).collect();
                import::people(
                    store,
                    &clerk,
                    &fixtures::table("身份证号,姓名,单位,单位类型,市州", &rows),
                    &fixtures::source(),
                    false,
                )
                .map(drop)
            }
            Op::Delete { person } => {
                let Some(pid) = pick(&people, *person) else {
                    return;
                };
                let tx = store.write().unwrap();
                // Children first, as the foreign keys ask; nothing else refers to a demo
                // person the steps here make.
                let refs: Vec<(String, String)> = tx
                    .prepare(
                        "SELECT m.name, f.\"from\" FROM sqlite_master m,
                         pragma_foreign_key_list(m.name) f
                         WHERE m.type = 'table' AND f.\"table\" = 'entries'",
                    )
                    .unwrap()
                    .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
                    .unwrap()
                    .collect::<rusqlite::Result<_>>()
                    .unwrap();
                for (table, column) in refs {
                    tx.execute(
                        &format!(
                            "DELETE FROM \"{table}\" WHERE \"{column}\" IN
                             (SELECT id FROM entries WHERE person_id = ?1)"
                        ),
                        [pid],
                    )
                    .unwrap();
                }
                let refs: Vec<(String, String)> = tx
                    .prepare(
                        "SELECT m.name, f.\"from\" FROM sqlite_master m,
                         pragma_foreign_key_list(m.name) f
                         WHERE m.type = 'table' AND f.\"table\" = 'people'",
                    )
                    .unwrap()
                    .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
                    .unwrap()
                    .collect::<rusqlite::Result<_>>()
                    .unwrap();
                for (table, column) in refs {
                    if table != "entries" {
                        tx.execute(
                            &format!("DELETE FROM \"{table}\" WHERE \"{column}\" = ?1"),
                            [pid],
                        )
                        .unwrap();
                    }
                }
                tx.execute("DELETE FROM entries WHERE person_id = ?1", [pid])
                    .unwrap();
                tx.execute("DELETE FROM people WHERE id = ?1", [pid])
                    .unwrap();
                tx.commit().unwrap();
                Ok(())
            }
        };
        if let Err(crate::service::ServiceError::Store(e)) = result {
            panic!("{op:?}: {e}");
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig {
            cases: 16,
            ..proptest::prelude::ProptestConfig::default()
        })]

        /// Issue 10/11: after any sequence of decisions and their undo (findings made and
        /// lifted, R5.3), new and corrected entries, people moved to another city or kind of
        /// unit, imports and deletions, the kept cities and kinds of unit still equal the pass
        /// over people, in every year of [`YEARS`].
        #[test]
        fn kept_figures_equal_the_pass_after_any_sequence_of_changes(
            ops in proptest::collection::vec(op(), 1..16)
        ) {
            let mut store = Store::open_in_memory().unwrap();
            crate::service::demo::generate(&mut store, &actor("demo"), 30, 7).unwrap();
            let reference = reference_with_2015_policy(&store);
            let mut serial = 0;
            for (i, op) in ops.iter().enumerate() {
                apply(&mut store, &reference, op, &mut serial);
                let step = format!("step {i}: {op:?}");
                crate::store::report::tests::assert_kept_as_the_tables_give(store.conn(), &step);
                assert_kept_equals_read(&store, &reference, &YEARS, &step);
            }
        }
    }

    #[test]
    fn r2_1_each_minimum_missed_is_its_own_shortfall() {
        let p = YearPolicy::default_for(2017);
        let h = Hours::whole;
        assert!(shortfalls(&p, h(30), h(60)).is_empty());
        assert_eq!(shortfalls(&p, h(29), h(61)), [Shortfall::Public]);
        assert_eq!(
            shortfalls(&p, h(40), h(45)),
            [Shortfall::Professional, Shortfall::Total]
        );
        assert_eq!(
            shortfalls(&p, Hours::ZERO, Hours::ZERO),
            [Shortfall::Public, Shortfall::Professional, Shortfall::Total]
        );
    }

    #[test]
    fn the_register_agrees_only_when_every_number_of_the_counter_is_there() {
        let c = RegisterCounts {
            numbers: 3,
            counter: 3,
            ..Default::default()
        };
        assert!(c.agrees());
        assert!(!RegisterCounts { counter: 4, ..c }.agrees());
        assert!(
            !RegisterCounts {
                first_gap: Some(2),
                ..c
            }
            .agrees()
        );
    }
}
