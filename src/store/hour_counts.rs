//! The people counted by year, city (and unit kind) and hours (`totals_by_hours`, migration 22;
//! `totals_by_kind`, migration 23): the counts the People screen's "short this year" and the
//! yearly reports read instead of the millions of rows of `person_year_totals`.
//!
//! The schema keeps them: six triggers on `person_year_totals` add a row's person to the count
//! of its (year, city, [kind,] public, professional) when the row is written and take them
//! from the count the row left. That is an upsert into each table, with a lookup of the
//! person, for every row written — for an import of a million paper entries (a quarter of a
//! million (person, year) rows), six percent of its time (issue 10).
//!
//! [`HourCounts`] is the same bookkeeping for a writer that writes many rows in one statement
//! ([`super::totals::NewHours::apply`]): it reads what the rows stand at before, runs the
//! statement with the connection's triggers off ([`without_triggers`]), and keeps the changes
//! of the counts in memory, where a roster's rows fall into a handful of counts, and writes
//! each count once ([`HourCounts::write`]). The triggers stay in the schema and keep every
//! other write; the test `r2_1_counts_written_once_equal_those_the_triggers_keep` holds the
//! two to the same result, and `the_triggers_on_the_totals_are_the_ones_restated_here` fails
//! when a trigger this module does not restate is added to `person_year_totals`.

use foldhash::{HashMap, HashMapExt};
use rusqlite::Connection;
use rusqlite::config::DbConfig;

use super::Result;

/// The triggers on `person_year_totals` whose work [`HourCounts`] does: every trigger on that
/// table, since [`without_triggers`] sets all of them aside.
pub const RESTATED: [&str; 6] = [
    "totals_by_hours_insert",
    "totals_by_hours_update",
    "totals_by_hours_delete",
    "totals_by_kind_insert",
    "totals_by_kind_update",
    "totals_by_kind_delete",
];

/// A count's key: year, city code, unit kind, public and professional tenths. The city and
/// kind are numbers into [`HourCounts::names`].
type Key = (i32, u32, u32, i64, i64);

/// Changes to the counts of `totals_by_hours` and `totals_by_kind` not yet written: people
/// added (positive) or taken (negative) per (year, city, kind, hours). Memory: one item per
/// distinct count changed, a few per city and year for a roster.
#[derive(Debug, Default)]
pub struct HourCounts {
    changes: HashMap<Key, i64>,
    /// City codes and unit kinds met, each once; a key holds their places here.
    names: Vec<String>,
    places: HashMap<String, u32>,
}

/// Where a (person, year) row of `person_year_totals` stood before a write, with the person's
/// city code and unit kind (their places in [`HourCounts`]'s names).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RowBefore {
    /// The place of its (person, year) in the keys asked for.
    pub key: usize,
    pub year: i32,
    city: u32,
    kind: u32,
    /// (public, professional) tenths; `None` when the person had no row for the year.
    pub sums: Option<(i64, i64)>,
}

impl HourCounts {
    fn place(&mut self, name: &str) -> u32 {
        if let Some(&k) = self.places.get(name) {
            return k;
        }
        let k = u32::try_from(self.names.len()).unwrap_or(u32::MAX);
        self.names.push(name.to_string());
        self.places.insert(name.to_string(), k);
        k
    }

    /// The rows of `person_year_totals` for each (person, year) of `keys` as they stand, with the
    /// person's city code and unit kind, each with its key's place in `keys`, in no particular
    /// order; a person not in `people` is
    /// left out (the triggers count nothing for one). At most 16 383 keys (two parameters each);
    /// [`KEYS_A_STATEMENT`] is the size whose statement's text is made once.
    pub fn rows_before(
        &mut self,
        conn: &Connection,
        keys: &[(i64, i32)],
    ) -> Result<Vec<RowBefore>> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        static FULL: std::sync::OnceLock<String> = std::sync::OnceLock::new();
        let mut stmt = if keys.len() == KEYS_A_STATEMENT {
            conn.prepare_cached(FULL.get_or_init(|| before_sql(KEYS_A_STATEMENT)))?
        } else {
            conn.prepare_cached(&before_sql(keys.len()))?
        };
        for (k, (person_id, year)) in keys.iter().enumerate() {
            stmt.raw_bind_parameter(2 * k + 1, person_id)?;
            stmt.raw_bind_parameter(2 * k + 2, year)?;
        }
        let mut rows = stmt.raw_query();
        let mut out = Vec::with_capacity(keys.len());
        while let Some(r) = rows.next()? {
            let public: Option<i64> = r.get(4)?;
            let professional: Option<i64> = r.get(5)?;
            let city = self.place(r.get_ref(2)?.as_str().map_err(rusqlite::Error::from)?);
            let kind = self.place(r.get_ref(3)?.as_str().map_err(rusqlite::Error::from)?);
            out.push(RowBefore {
                key: r.get(0)?,
                year: r.get(1)?,
                city,
                kind,
                sums: public.zip(professional),
            });
        }
        Ok(out)
    }

    /// The row `before` now holds `after` (public, professional tenths): its person leaves the
    /// count of what it held, if it held a row, and joins that of `after` — what the insert or
    /// update triggers do for one row.
    pub fn moved(&mut self, before: &RowBefore, after: (i64, i64)) {
        let (city, kind) = (before.city, before.kind);
        if let Some((public, professional)) = before.sums {
            *self
                .changes
                .entry((before.year, city, kind, public, professional))
                .or_default() -= 1;
        }
        *self
            .changes
            .entry((before.year, city, kind, after.0, after.1))
            .or_default() += 1;
    }

    /// Writes the changes held to both tables and holds nothing. A count that reaches zero
    /// goes, as the triggers remove it. Errors: SQLite's, among them `totals_by_hours`' check
    /// when a count would fall below zero (the counts did not match the rows).
    pub fn write(&mut self, conn: &Connection) -> Result<()> {
        let mut by_hours: HashMap<(i32, u32, i64, i64), i64> = HashMap::new();
        let mut changes: Vec<(Key, i64)> = self.changes.drain().filter(|(_, d)| *d != 0).collect();
        // In key order, so the same roster writes the same pages in the same order.
        changes.sort_unstable();
        for &((year, city, _, public, professional), d) in &changes {
            *by_hours
                .entry((year, city, public, professional))
                .or_default() += d;
        }
        let mut by_hours: Vec<_> = by_hours.into_iter().filter(|(_, d)| *d != 0).collect();
        by_hours.sort_unstable();
        for ((year, city, kind, public, professional), d) in changes {
            let (city, kind) = (&self.names[city as usize], &self.names[kind as usize]);
            let args: [&dyn rusqlite::ToSql; 6] = [&year, city, kind, &public, &professional, &d];
            if d > 0 {
                conn.prepare_cached(
                    "INSERT INTO totals_by_kind
                         (year, city_code, unit_kind, public_tenths, professional_tenths, people)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                     ON CONFLICT DO UPDATE SET people = people + excluded.people",
                )?
                .execute(&args[..])?;
            } else {
                conn.prepare_cached(
                    "UPDATE totals_by_kind SET people = people + ?6
                     WHERE year = ?1 AND city_code = ?2 AND unit_kind = ?3
                       AND public_tenths = ?4 AND professional_tenths = ?5",
                )?
                .execute(&args[..])?;
                conn.prepare_cached(
                    "DELETE FROM totals_by_kind
                     WHERE year = ?1 AND city_code = ?2 AND unit_kind = ?3
                       AND public_tenths = ?4 AND professional_tenths = ?5 AND people <= 0",
                )?
                .execute(&args[..5])?;
            }
        }
        for ((year, city, public, professional), d) in by_hours {
            let city = &self.names[city as usize];
            let taken = -d;
            if d > 0 {
                let args: [&dyn rusqlite::ToSql; 5] = [&year, city, &public, &professional, &d];
                conn.prepare_cached(
                    "INSERT INTO totals_by_hours
                         (year, city_code, public_tenths, professional_tenths, people)
                     VALUES (?1, ?2, ?3, ?4, ?5)
                     ON CONFLICT DO UPDATE SET people = people + excluded.people",
                )?
                .execute(&args[..])?;
            } else {
                // `people > 0` is checked: the row goes first when the change empties it.
                let args: [&dyn rusqlite::ToSql; 5] = [&year, city, &public, &professional, &taken];
                conn.prepare_cached(
                    "DELETE FROM totals_by_hours
                     WHERE year = ?1 AND city_code = ?2 AND public_tenths = ?3
                       AND professional_tenths = ?4 AND people = ?5",
                )?
                .execute(&args[..])?;
                conn.prepare_cached(
                    "UPDATE totals_by_hours SET people = people - ?5
                     WHERE year = ?1 AND city_code = ?2 AND public_tenths = ?3
                       AND professional_tenths = ?4",
                )?
                .execute(&args[..])?;
            }
        }
        Ok(())
    }
}

/// Keys [`HourCounts::rows_before`] is best asked for at a time.
pub const KEYS_A_STATEMENT: usize = 128;

/// The query of [`HourCounts::rows_before`] for `n` keys, the `k`th at `?(2k + 1)`, `?(2k + 2)`.
fn before_sql(n: usize) -> String {
    let mut sql = String::with_capacity(320 + n * 16);
    sql.push_str("WITH k (person_id, year, n) AS (VALUES ");
    for k in 0..n {
        if k > 0 {
            sql.push_str(", ");
        }
        sql.push_str(&format!("(?{}, ?{}, {k})", 2 * k + 1, 2 * k + 2));
    }
    sql.push_str(
        ") SELECT k.n, k.year, p.city_code, p.unit_kind, t.public_tenths,
               t.professional_tenths
           FROM k JOIN people p ON p.id = k.person_id
           LEFT JOIN person_year_totals t ON t.person_id = k.person_id AND t.year = k.year",
    );
    sql
}

/// Runs `work` with every trigger of the connection off (`SQLITE_DBCONFIG_ENABLE_TRIGGER`:
/// nothing in the schema changes, so no other connection sees a difference), and puts them
/// back on whatever the outcome. Only for a statement on `person_year_totals`, whose
/// triggers' work the caller does with [`HourCounts`].
pub fn without_triggers<T>(conn: &Connection, work: impl FnOnce() -> Result<T>) -> Result<T> {
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_TRIGGER, false)?;
    let done = work();
    let back = conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_TRIGGER, true);
    let done = done?;
    back?;
    Ok(done)
}
