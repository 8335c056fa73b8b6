//! R2.1, R4.3, R5.2 The registered hours that count, per person and year: a cache of what
//! `service::check` computes from the entries, kept so that the People screen's "short this
//! year" filter and the verification of a batch (R6.4) are lookups instead of sums over millions
//! of entries.
//!
//! Shape: one row of `person_year_totals` per person and year in which some hours count, holding
//! the public and the professional hours in tenths (R2.3); a year without a row counts nothing.
//! Blocking (R5.3) is not cached: it is a lookup of its own (`people::is_blocked`).
//!
//! Kept by recomputing, never by subtracting: every service that changes what counts (a
//! decision on an entry or its undo, a correction, an import, a filing's approval or return,
//! the demo) calls [`refresh_person`], [`refresh_entry`] or [`refresh_filing`] inside its own
//! transaction, and the affected people's rows are rebuilt from their entries with
//! [`Entry::counts`], the one place that says whether an entry's hours count. A person has tens
//! of entries, so that is cheap, and a row can never drift from the entries it sums. The one
//! exception is an import's new entries ([`NewHours`]): an entry just created changes nothing
//! a row already summed, so its hours, judged by the same rule, are added to the row as it
//! stands — re-reading a person's twenty entries for each twenty created was a tenth of an
//! import's time (issue 10.3).
//!
//! Every write of a row is also counted by year and hours (`totals_by_hours`, kept by migration
//! 22's triggers in the same transaction), from which the People screen counts the people short
//! in a year without reading them; [`refresh_person`] therefore writes only the years whose
//! sums changed. [`NewHours::apply`] writes its rows with the triggers off and keeps those
//! counts itself, once per count instead of once per row ([`super::hour_counts`]).

use std::collections::{BTreeMap, BTreeSet};

use rusqlite::{Connection, Transaction, params};

use super::hour_counts::{self, HourCounts};
use super::{Result, entries};
use crate::domain::{Category, Entry, FilingFacts, Hours};

/// The hours that count for one person in one year (R2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct YearTotals {
    /// The year the hours count for (`Entry::year`).
    pub year: i32,
    /// Registered, recognised (R4.3) public-subject hours.
    pub public: Hours,
    /// Registered professional-subject hours (R4.4: they count once registered).
    pub professional: Hours,
}

/// The key under `meta` that asks [`Store::open`](super::Store::open) to rebuild every row: set
/// by the migration that made the table, so that an existing database is filled from its
/// entries by the same Rust rule (SQL cannot call [`Entry::counts`]).
pub const REBUILD_KEY: &str = "totals_rebuild";

/// Sums one person's entries year by year as they stream past in order of person and year, and
/// hands each (person, year) with hours that count to `sink` whenever the person or the year
/// changes.
struct Summer<F: FnMut(i64, i32, Hours, Hours) -> Result<()>> {
    current: Option<(i64, i32)>,
    public: Hours,
    professional: Hours,
    sink: F,
}

impl<F: FnMut(i64, i32, Hours, Hours) -> Result<()>> Summer<F> {
    fn new(sink: F) -> Self {
        Summer {
            current: None,
            public: Hours::ZERO,
            professional: Hours::ZERO,
            sink,
        }
    }

    fn add(&mut self, person_id: i64, e: &Entry, filing: Option<&FilingFacts>) -> Result<()> {
        if self.current != Some((person_id, e.year)) {
            self.flush()?;
            self.current = Some((person_id, e.year));
        }
        // R5.2, R4.3 The one rule: registered, passed, and (public) recognised.
        if e.counts(filing) {
            match e.category {
                Category::Public => self.public = self.public + e.hours,
                Category::Professional => self.professional = self.professional + e.hours,
            }
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<()> {
        if let Some((person_id, year)) = self.current.take()
            && (self.public != Hours::ZERO || self.professional != Hours::ZERO)
        {
            (self.sink)(person_id, year, self.public, self.professional)?;
        }
        self.public = Hours::ZERO;
        self.professional = Hours::ZERO;
        Ok(())
    }
}

/// A (person, year) whose stored totals are not what its entries give now: the table was
/// changed behind the services (R5.5), found by `audit verify`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Drift {
    pub person_id: i64,
    pub year: i32,
    /// (public, professional) as stored; zero when there is no row.
    pub stored: (Hours, Hours),
    /// (public, professional) as the entries give them now.
    pub computed: (Hours, Hours),
}

/// Every row that differs from its entries, and every row the entries do not give. Streams the
/// entries and looks each sum up, so memory stays bounded; only when the table holds rows the
/// entries do not give are the computed keys gathered, to name them.
pub fn drift(conn: &Connection) -> Result<Vec<Drift>> {
    let mut out = Vec::new();
    let mut found = 0usize;
    let mut lookup = conn.prepare_cached(
        "SELECT public_tenths, professional_tenths FROM person_year_totals
         WHERE person_id = ?1 AND year = ?2",
    )?;
    {
        let mut sum = Summer::new(|person_id, year, public, professional| {
            let stored: Option<(i64, i64)> = lookup
                .query_map(params![person_id, year], |r| Ok((r.get(0)?, r.get(1)?)))?
                .next()
                .transpose()?;
            if stored.is_some() {
                found += 1;
            }
            let stored = stored.map_or((Hours::ZERO, Hours::ZERO), |(p, q)| {
                (Hours::from_tenths(p), Hours::from_tenths(q))
            });
            if stored != (public, professional) {
                out.push(Drift {
                    person_id,
                    year,
                    stored,
                    computed: (public, professional),
                });
            }
            Ok(())
        });
        entries::each_of_people(conn, i64::MIN, i64::MAX, |p, e, f| sum.add(p, e, f))?;
        sum.flush()?;
    }
    let rows: i64 = conn.query_row("SELECT count(*) FROM person_year_totals", [], |r| r.get(0))?;
    if rows as usize > found {
        let mut computed = std::collections::HashSet::new();
        let mut sum = Summer::new(|person_id, year, _, _| {
            computed.insert((person_id, year));
            Ok(())
        });
        entries::each_of_people(conn, i64::MIN, i64::MAX, |p, e, f| sum.add(p, e, f))?;
        sum.flush()?;
        let mut stmt = conn.prepare(
            "SELECT person_id, year, public_tenths, professional_tenths FROM person_year_totals
             ORDER BY person_id, year",
        )?;
        let extra = stmt.query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i32>(1)?,
                r.get(2)?,
                r.get(3)?,
            ))
        })?;
        for row in extra {
            let (person_id, year, p, q) = row?;
            if !computed.contains(&(person_id, year)) {
                out.push(Drift {
                    person_id,
                    year,
                    stored: (Hours::from_tenths(p), Hours::from_tenths(q)),
                    computed: (Hours::ZERO, Hours::ZERO),
                });
            }
        }
    }
    Ok(out)
}

/// Rebuild the rows of the people with database ids `first..=last` from their entries, inside
/// the caller's transaction. Returns how many rows were written.
pub fn refresh_range(tx: &Transaction<'_>, first: i64, last: i64) -> Result<usize> {
    tx.prepare_cached("DELETE FROM person_year_totals WHERE person_id BETWEEN ?1 AND ?2")?
        .execute(params![first, last])?;
    let mut written = 0;
    let mut insert = tx.prepare_cached(
        "INSERT INTO person_year_totals (person_id, year, public_tenths, professional_tenths)
         VALUES (?1, ?2, ?3, ?4)",
    )?;
    {
        let mut sum = Summer::new(|person_id, year, public: Hours, professional: Hours| {
            insert.execute(params![
                person_id,
                year,
                public.tenths(),
                professional.tenths()
            ])?;
            written += 1;
            Ok(())
        });
        entries::each_of_people(tx, first, last, |person_id, e, filing| {
            sum.add(person_id, e, filing)
        })?;
        sum.flush()?;
    }
    Ok(written)
}

/// Rebuild one person's rows: after anything that changed one of their entries' state, hours,
/// category, year, result or filing link.
///
/// The sums are made from the entries as always, but only the years whose sums changed are
/// written (a decision changes one year): each write of a row also keeps the year's counts by
/// hours (migration 22's triggers, read by the "short in a year" count), so rewriting a
/// person's unchanged years would cost those counts for nothing.
pub fn refresh_person(tx: &Transaction<'_>, person_id: i64) -> Result<()> {
    let stored: Vec<(i32, i64, i64)> = tx
        .prepare_cached(
            "SELECT year, public_tenths, professional_tenths FROM person_year_totals
             WHERE person_id = ?1 ORDER BY year",
        )?
        .query_map([person_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut computed: Vec<(i32, i64, i64)> = Vec::with_capacity(stored.len() + 1);
    {
        let mut sum = Summer::new(|_, year, public: Hours, professional: Hours| {
            computed.push((year, public.tenths(), professional.tenths()));
            Ok(())
        });
        entries::each_of_people(tx, person_id, person_id, |p, e, filing| {
            sum.add(p, e, filing)
        })?;
        sum.flush()?;
    }
    // Both in order of year (the entries stream in order of person and year): merge them.
    let (mut old, mut new) = (stored.iter().peekable(), computed.iter().peekable());
    loop {
        match (old.peek().copied(), new.peek().copied()) {
            (None, None) => break,
            (Some(o), Some(n)) if o.0 == n.0 => {
                if o != n {
                    tx.prepare_cached(
                        "UPDATE person_year_totals SET public_tenths = ?3, professional_tenths = ?4
                         WHERE person_id = ?1 AND year = ?2",
                    )?
                    .execute(params![person_id, n.0, n.1, n.2])?;
                }
                old.next();
                new.next();
            }
            (Some(o), Some(n)) if n.0 < o.0 => {
                insert_row(tx, person_id, *n)?;
                new.next();
            }
            (Some(o), _) => {
                tx.prepare_cached(
                    "DELETE FROM person_year_totals WHERE person_id = ?1 AND year = ?2",
                )?
                .execute(params![person_id, o.0])?;
                old.next();
            }
            (None, Some(n)) => {
                insert_row(tx, person_id, *n)?;
                new.next();
            }
        }
    }
    Ok(())
}

fn insert_row(
    tx: &Transaction<'_>,
    person_id: i64,
    (year, public, professional): (i32, i64, i64),
) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO person_year_totals (person_id, year, public_tenths, professional_tenths)
         VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![person_id, year, public, professional])?;
    Ok(())
}

/// R2.1 The hours of entries a writer has just created (an import), summed per person and year
/// by the rule every row is made by ([`Entry::counts`]), to be added to those people's rows as
/// they stand ([`NewHours::apply`]) instead of rebuilding the rows from all their entries.
///
/// Sound only for an entry created in the same transaction whose count does not depend on a
/// filing (it names none: [`NewHours::add`] refuses the others, whose people the writer
/// rebuilds with [`refresh_person`]); and a person rebuilt in the same step must not also be
/// added to, as the rebuild already counts their new entries ([`NewHours::apply`] takes that
/// set). Memory: one item per person and year, until applied.
#[derive(Debug, Default)]
pub struct NewHours {
    /// (public, professional) tenths per (person, year), only for hours that count.
    sums: BTreeMap<(i64, i32), (i64, i64)>,
}

impl NewHours {
    /// Counts `entry`, just created for `person_id` with no filing. Returns `false`, counting
    /// nothing, for an entry that names a filing (R4.3: whether it counts is the filing's to
    /// say; rebuild the person instead).
    pub fn add(&mut self, person_id: i64, entry: &Entry, filing_id: Option<i64>) -> bool {
        if filing_id.is_some() {
            return false;
        }
        // R5.2, R4.3 The one rule: registered, passed, and (public) recognised.
        if entry.counts(None) {
            let sum = self.sums.entry((person_id, entry.year)).or_default();
            match entry.category {
                Category::Public => sum.0 += entry.hours.tenths(),
                Category::Professional => sum.1 += entry.hours.tenths(),
            }
        }
        true
    }

    /// The (person, year) sums held.
    pub fn len(&self) -> usize {
        self.sums.len()
    }

    /// Whether nothing is held.
    pub fn is_empty(&self) -> bool {
        self.sums.is_empty()
    }

    /// Adds the sums held to the people's rows (a row made for a year that had none), except
    /// for the people of `rebuilt`, whose rows the caller rebuilds from their entries in the
    /// same step; then holds nothing. Returns how many rows were written.
    pub fn apply(&mut self, tx: &Transaction<'_>, rebuilt: &BTreeSet<i64>) -> Result<usize> {
        let sums: Vec<((i64, i32), (i64, i64))> = std::mem::take(&mut self.sums)
            .into_iter()
            .filter(|((person_id, _), _)| !rebuilt.contains(person_id))
            .collect();
        // Many rows a statement (issue 10: a statement a row was a third of the cost of adding
        // a million rows' hours). The counts by hours are kept here, not by the triggers
        // (`hour_counts`): a roster's rows fall into a few counts, written once each.
        let mut counts = HourCounts::default();
        let mut before = Vec::with_capacity(sums.len());
        let mut keys = Vec::with_capacity(ADDED_A_STATEMENT);
        for chunk in sums.chunks(ADDED_A_STATEMENT) {
            keys.clear();
            keys.extend(chunk.iter().map(|(key, _)| *key));
            let offset = before.len();
            before.extend(counts.rows_before(tx, &keys)?.into_iter().map(|mut row| {
                row.key += offset;
                row
            }));
        }
        // All the statements with the triggers off at once: turning them off or on makes
        // SQLite prepare every statement of the connection again.
        hour_counts::without_triggers(tx, || {
            for chunk in sums.chunks(ADDED_A_STATEMENT) {
                // The full statement's text made once.
                static FULL: std::sync::OnceLock<String> = std::sync::OnceLock::new();
                let mut add = if chunk.len() == ADDED_A_STATEMENT {
                    tx.prepare_cached(FULL.get_or_init(|| add_sql(ADDED_A_STATEMENT)))?
                } else {
                    tx.prepare_cached(&add_sql(chunk.len()))?
                };
                for (k, ((person_id, year), (public, professional))) in chunk.iter().enumerate() {
                    add.raw_bind_parameter(4 * k + 1, person_id)?;
                    add.raw_bind_parameter(4 * k + 2, year)?;
                    add.raw_bind_parameter(4 * k + 3, public)?;
                    add.raw_bind_parameter(4 * k + 4, professional)?;
                }
                add.raw_execute()?;
            }
            Ok(())
        })?;
        for row in &before {
            let Some((_, (public, professional))) = sums.get(row.key) else {
                continue;
            };
            let (was_public, was_professional) = row.sums.unwrap_or_default();
            counts.moved(row, (was_public + public, was_professional + professional));
        }
        counts.write(tx)?;
        Ok(sums.len())
    }
}

/// (Person, year) sums a statement of [`NewHours::apply`] adds.
const ADDED_A_STATEMENT: usize = hour_counts::KEYS_A_STATEMENT;

/// The upsert of `n` (person, year) sums, the `k`th's four values at `?(4k + 1)` on; a row of
/// `VALUES` conflicting with one already there adds to it, as one statement a row would.
fn add_sql(n: usize) -> String {
    let rows: Vec<String> = (0..n)
        .map(|k| {
            let p = 4 * k;
            format!("(?{}, ?{}, ?{}, ?{})", p + 1, p + 2, p + 3, p + 4)
        })
        .collect();
    format!(
        "INSERT INTO person_year_totals (person_id, year, public_tenths, professional_tenths)
         VALUES {}
         ON CONFLICT (person_id, year) DO UPDATE SET
             public_tenths = public_tenths + excluded.public_tenths,
             professional_tenths = professional_tenths + excluded.professional_tenths",
        rows.join(", ")
    )
}

/// Rebuild each of `people`'s rows once, however many of their entries changed.
pub fn refresh_people(tx: &Transaction<'_>, people: &BTreeSet<i64>) -> Result<()> {
    for &p in people {
        refresh_person(tx, p)?;
    }
    Ok(())
}

/// Rebuild the rows of the person whose entry `entry_id` is; nothing when there is no such entry.
pub fn refresh_entry(tx: &Transaction<'_>, entry_id: i64) -> Result<()> {
    let person: Option<i64> = tx
        .prepare_cached("SELECT person_id FROM entries WHERE id = ?1")?
        .query_map([entry_id], |r| r.get(0))?
        .next()
        .transpose()?;
    if let Some(p) = person {
        refresh_person(tx, p)?;
    }
    Ok(())
}

/// R4.3 A filing's status, approval date or category changed: rebuild the rows of every person
/// with an entry linked to it, since its recognition decides whether their public hours count.
pub fn refresh_filing(tx: &Transaction<'_>, filing_id: i64) -> Result<()> {
    let people: BTreeSet<i64> = tx
        .prepare_cached("SELECT DISTINCT person_id FROM entries WHERE filing_id = ?1")?
        .query_map([filing_id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    refresh_people(tx, &people)
}

/// Rebuild every row from every entry (a database from before the table, or a repair).
/// Streams the entries, so memory stays bounded whatever the number of people.
pub fn rebuild(tx: &Transaction<'_>) -> Result<usize> {
    refresh_range(tx, i64::MIN, i64::MAX)
}

/// One person's totals for the years `from..=to` that have any, in order of year. A year
/// missing from the result counts no hours.
pub fn of_person(conn: &Connection, person_id: i64, from: i32, to: i32) -> Result<Vec<YearTotals>> {
    let rows = conn
        .prepare_cached(
            "SELECT year, public_tenths, professional_tenths FROM person_year_totals
             WHERE person_id = ?1 AND year BETWEEN ?2 AND ?3 ORDER BY year",
        )?
        .query_map(params![person_id, from, to], |r| {
            Ok(YearTotals {
                year: r.get(0)?,
                public: Hours::from_tenths(r.get(1)?),
                professional: Hours::from_tenths(r.get(2)?),
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// R2.1 Write the rows of a person who had no entries before this transaction and whose entries
/// were all just written (a new person of a bulk load, `jijiao demo`): summed from the entries
/// as written, each with the facts of the filing it links to, by the same rule as
/// [`refresh_person`] ([`Entry::counts`]) but without reading them back. Returns how many rows
/// were written; a person with rows already gets a constraint error (use [`refresh_person`]).
pub fn insert_new_person<'a>(
    tx: &Transaction<'_>,
    person_id: i64,
    entries: impl IntoIterator<Item = (&'a Entry, Option<&'a FilingFacts>)>,
) -> Result<usize> {
    let mut entries: Vec<(&Entry, Option<&FilingFacts>)> = entries.into_iter().collect();
    // The summer flushes at every change of year: one run per year.
    entries.sort_by_key(|(e, _)| e.year);
    let mut insert = tx.prepare_cached(
        "INSERT INTO person_year_totals (person_id, year, public_tenths, professional_tenths)
         VALUES (?1, ?2, ?3, ?4)",
    )?;
    let mut written = 0;
    {
        let mut sum = Summer::new(|person_id, year, public: Hours, professional: Hours| {
            insert.execute(params![
                person_id,
                year,
                public.tenths(),
                professional.tenths()
            ])?;
            written += 1;
            Ok(())
        });
        for (e, filing) in entries {
            sum.add(person_id, e, filing)?;
        }
        sum.flush()?;
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::fixtures::{ZHANG, actor, store_with};
    use crate::store::people;

    fn totals_of(store: &crate::store::Store) -> Vec<YearTotals> {
        let (id, _) = people::find_by_id_number(store.conn(), ZHANG)
            .unwrap()
            .unwrap();
        of_person(store.conn(), id, 2000, 2100).unwrap()
    }

    /// R5.2 Only registered, passed entries count: an imported (recorded) entry adds nothing,
    /// paper history imported `--registered` counts at once.
    #[test]
    fn r5_2_recorded_entries_add_nothing_and_paper_history_counts() {
        let mut store = store_with(&[
            "专业科目,远程教育,临床新进展,湖南省继续医学教育中心,2016-03-01,2016-03-20,40,合格,学习证明材料",
        ]);
        assert_eq!(totals_of(&store), []);
        crate::service::import::entries(
            &mut store,
            &actor("archivist"),
            &crate::service::fixtures::table(
                "身份证号,科目类别,学习形式,培训内容,施教机构,开始日期,结束日期,学时,考核结果",
                &[&format!(
                    "{ZHANG},公需科目,远程教育,保密常识,湖南省人事考试院,2015-04-01,2015-04-02,30.5,合格"
                )],
            ),
            &crate::service::fixtures::source(),
            true,
            false,
        )
        .unwrap();
        assert_eq!(
            totals_of(&store),
            [YearTotals {
                year: 2015,
                public: Hours::from_tenths(305),
                professional: Hours::ZERO,
            }]
        );
    }

    /// A rebuild writes what the services kept, row for row.
    #[test]
    fn a_rebuild_finds_what_the_services_kept() {
        let mut store = crate::store::Store::open_in_memory().unwrap();
        crate::service::demo::generate(&mut store, &actor("demo"), 40, 7).unwrap();
        let dump = |store: &crate::store::Store| -> Vec<(i64, i32, i64, i64)> {
            store
                .conn()
                .prepare("SELECT * FROM person_year_totals ORDER BY person_id, year")
                .unwrap()
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
                .unwrap()
                .collect::<rusqlite::Result<_>>()
                .unwrap()
        };
        let kept = dump(&store);
        assert!(kept.len() > 100, "{}", kept.len());
        let tx = store.write().unwrap();
        assert_eq!(rebuild(&tx).unwrap(), kept.len());
        tx.commit().unwrap();
        assert_eq!(dump(&store), kept);
    }

    type CountRow = (i64, String, String, i64, i64, i64);

    /// The people counted by (year, city, kind, hours) and by (year, city, hours), and the
    /// rows they count.
    fn counts(store: &crate::store::Store) -> (Vec<CountRow>, Vec<CountRow>, Vec<[i64; 4]>) {
        let rows = |sql: &str| -> Vec<CountRow> {
            store
                .conn()
                .prepare(sql)
                .unwrap()
                .query_map([], |r| {
                    Ok((
                        r.get(0)?,
                        r.get(1)?,
                        r.get(2)?,
                        r.get(3)?,
                        r.get(4)?,
                        r.get(5)?,
                    ))
                })
                .unwrap()
                .collect::<rusqlite::Result<_>>()
                .unwrap()
        };
        let totals = store
            .conn()
            .prepare("SELECT * FROM person_year_totals ORDER BY 1, 2")
            .unwrap()
            .query_map([], |r| Ok([r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?]))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        (
            rows("SELECT * FROM totals_by_kind ORDER BY 1, 2, 3, 4, 5"),
            rows(
                "SELECT year, city_code, '', public_tenths, professional_tenths, people
                 FROM totals_by_hours ORDER BY 1, 2, 3, 4, 5",
            ),
            totals,
        )
    }

    /// R2.1 New hours added many rows a statement with the counting triggers off and the counts
    /// kept in memory (`hour_counts`) leave `totals_by_hours` and `totals_by_kind` exactly as
    /// the triggers leave them when the same hours are added row by row: rows made and rows
    /// added to, people of several cities and kinds, a row of no hours moved out of its count
    /// (which empties), and the people being rebuilt left alone.
    #[test]
    fn r2_1_counts_written_once_equal_those_the_triggers_keep() {
        let demo = || {
            let mut store = crate::store::Store::open_in_memory().unwrap();
            crate::service::demo::generate(&mut store, &actor("demo"), 60, 5).unwrap();
            store
        };
        let (mut by_statement, mut by_rows) = (demo(), demo());
        let people: Vec<i64> = by_rows
            .conn()
            .prepare("SELECT id FROM people ORDER BY id")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        let kinds: i64 = by_rows
            .conn()
            .query_row(
                "SELECT count(DISTINCT city_code || unit_kind) FROM people",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert!(kinds > 2, "several cities and kinds: {kinds}");
        for store in [&by_statement, &by_rows] {
            store
                .conn()
                .execute(
                    "INSERT INTO person_year_totals VALUES (?1, 2031, 0, 0)",
                    [people[0]],
                )
                .unwrap();
        }
        let before = counts(&by_rows);
        assert_eq!(before, counts(&by_statement), "the same start");
        // Every third person, every other year from 2012 (most have rows there, some not), and
        // the row of no hours; the last person is being rebuilt.
        let mut sums = BTreeMap::new();
        for (k, &p) in people.iter().enumerate().step_by(3) {
            for year in (2012..2020).step_by(2) {
                sums.insert((p, year), ((k as i64 % 4) * 40, 10 + year as i64 % 3 * 25));
            }
        }
        sums.insert((people[0], 2031), (0, 15));
        let rebuilt: BTreeSet<i64> = [*people.last().unwrap()].into();
        sums.insert((*people.last().unwrap(), 2014), (30, 30));

        let tx = by_statement.write().unwrap();
        let mut new = NewHours { sums: sums.clone() };
        let written = new.apply(&tx, &rebuilt).unwrap();
        tx.commit().unwrap();
        assert_eq!(written, sums.len() - 1);

        let tx = by_rows.write().unwrap();
        for ((p, year), (public, professional)) in &sums {
            if rebuilt.contains(p) {
                continue;
            }
            tx.execute(
                "INSERT INTO person_year_totals VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT DO UPDATE SET public_tenths = public_tenths + excluded.public_tenths,
                     professional_tenths = professional_tenths + excluded.professional_tenths",
                params![p, year, public, professional],
            )
            .unwrap();
        }
        tx.commit().unwrap();

        let after = counts(&by_rows);
        assert_ne!(after, before, "the hours moved people between counts");
        assert!(
            !after.1.iter().any(|c| c.0 == 2031 && c.3 == 0 && c.4 == 0),
            "the count of no hours in 2031 emptied and went"
        );
        assert_eq!(counts(&by_statement), after);
    }

    /// Every trigger on `person_year_totals` is one whose work `hour_counts` restates, since
    /// `NewHours::apply` runs its statement with all triggers off: a new trigger there must be
    /// restated too (or the statement run with it).
    #[test]
    fn the_triggers_on_the_totals_are_the_ones_restated_here() {
        let store = crate::store::Store::open_in_memory().unwrap();
        let mut on_totals: Vec<String> = store
            .conn()
            .prepare(
                "SELECT name FROM sqlite_schema
                 WHERE type = 'trigger' AND tbl_name = 'person_year_totals' ORDER BY name",
            )
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        let mut restated = hour_counts::RESTATED.map(String::from).to_vec();
        restated.sort();
        on_totals.sort();
        assert_eq!(on_totals, restated);
    }

    /// The triggers are back on after a statement run without them, also when it failed.
    #[test]
    fn triggers_come_back_on_after_work_run_without_them_fails() {
        use rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_TRIGGER as TRIGGERS;
        let store = crate::store::Store::open_in_memory().unwrap();
        let c = store.conn();
        let failed = hour_counts::without_triggers(c, || {
            assert!(!c.db_config(TRIGGERS).unwrap(), "off while the work runs");
            c.execute("INSERT INTO person_year_totals VALUES (1, 2017, -1, 0)", [])?;
            Ok(())
        });
        assert!(failed.is_err(), "the check refuses negative hours");
        assert!(c.db_config(TRIGGERS).unwrap(), "on again");
    }
}
