//! R5.4 The yearly record card (年度备案卡) and the registration page (登记证书页) of a person,
//! read from the entries kept once: the registered ones (R5.2), each with who registered it and
//! when (R5.5), and each year's totals and verdict from [`super::check::check_on`] — the same
//! rule code `jijiao check` runs, so a card can never disagree with a check.
//!
//! The cards of a unit or a verification batch come one per person in a stable order (name,
//! then ID number). Printing them is `service::printing`'s, as for certificates.

use chrono::NaiveDate;

use super::{ServiceError, check};
use crate::domain::IdNumber;
use crate::domain::text::{clean_line, reveal_invisible};
use crate::i18n::{Describe, Lang};
use crate::print::card::{CardEntry, Kind, Record, YearRecord};
use crate::store::{Store, cards, people};

/// The first year a card may be asked for (`policy::FIRST_RECORD_YEAR`, as for reports).
pub const FIRST_YEAR: i32 = crate::domain::policy::FIRST_RECORD_YEAR;

/// Whose cards: one person by ID number, the people of a unit (as its name is typed), or the
/// applicants of a verification batch (its number).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Person(String),
    Unit(String),
    Batch(i64),
}

/// Why no card was made.
#[derive(Debug)]
pub enum CardError {
    Service(ServiceError),
    /// No person's unit is this one (as typed).
    NoSuchUnit(String),
    /// No verification batch has this number.
    NoSuchBatch(i64),
    /// The batch has no applicants yet.
    EmptyBatch(i64),
    /// A year before [`FIRST_YEAR`] or after this year: most likely a typo.
    Year(crate::domain::policy::YearOutOfRange),
}

impl From<ServiceError> for CardError {
    fn from(e: ServiceError) -> CardError {
        CardError::Service(e)
    }
}

impl From<crate::store::StoreError> for CardError {
    fn from(e: crate::store::StoreError) -> CardError {
        CardError::Service(e.into())
    }
}

impl Describe for CardError {
    fn describe(&self, lang: Lang) -> String {
        match (self, lang) {
            (CardError::Service(e), lang) => e.describe(lang),
            (CardError::NoSuchUnit(u), Lang::Zh) => format!(
                "没有单位为“{}”的人员：请按人员信息中的单位名称填写",
                reveal_invisible(u)
            ),
            (CardError::NoSuchUnit(u), Lang::En) => format!(
                "nobody's unit is \"{}\": give the unit as the people's records name it",
                reveal_invisible(u)
            ),
            (CardError::NoSuchBatch(n), Lang::Zh) => {
                format!("没有编号为 {n} 的验证批次（见界面第 4 屏的批次编号）")
            }
            (CardError::NoSuchBatch(n), Lang::En) => {
                format!("no verification batch numbered {n} (see the numbers on screen 4)")
            }
            (CardError::EmptyBatch(n), Lang::Zh) => {
                format!("验证批次 {n} 还没有申报人，没有可打印的备案卡")
            }
            (CardError::EmptyBatch(n), Lang::En) => {
                format!("verification batch {n} has no applicants yet: no card to print")
            }
            (CardError::Year(e), lang) => e.describe(lang),
        }
    }
}

/// A year a card may be asked for on `today`: from [`FIRST_YEAR`] to this year, the check
/// reports make too (`policy::record_year`).
pub fn check_year(year: i32, today: NaiveDate) -> Result<(), CardError> {
    crate::domain::policy::record_year(year, today)
        .map(|_| ())
        .map_err(CardError::Year)
}

/// The record of person `person_id` (ID number `id_number`) for `from..=to`: the registered
/// entries by year, and each year's result from `check`. `name_of` turns a login into the
/// name the card prints (the configured printed name, else the login).
fn record_of(
    store: &Store,
    person_id: i64,
    id_number: &str,
    kind: Kind,
    from: i32,
    to: i32,
    name_of: &dyn Fn(&str) -> String,
) -> Result<Record, CardError> {
    let conn = store.conn();
    // R2.1 The rule code `check` runs: totals and shortfalls are never summed here.
    let checked = check::check_on(conn, id_number, from, to)?;
    let registered = cards::registered(conn, person_id, from, to)?;
    let years = checked
        .verification
        .years
        .into_iter()
        .map(|result| {
            let entries = registered
                .iter()
                .filter(|r| r.entry.year == result.year)
                .map(|r| {
                    let e = &r.entry;
                    let by = r.registered_by.as_deref().unwrap_or_default();
                    CardEntry {
                        category: e.category,
                        form: e.form,
                        content: e.content.clone(),
                        provider: e.provider.clone(),
                        start: e.start_date,
                        end: e.end_date,
                        hours: e.hours,
                        result: e.result,
                        registered_by: clean_line(&name_of(by)),
                        registered_on: r
                            .registered_at
                            .as_deref()
                            .and_then(|at| at.get(..10))
                            .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()),
                        paper: e.migrated,
                        counts: e.counts(r.filing.as_ref()),
                    }
                })
                .collect();
            YearRecord { result, entries }
        })
        .collect();
    Ok(Record {
        kind,
        person: checked.person,
        years,
        blocked: checked.verification.blocked,
    })
}

/// The ID number of person `person_id`.
fn id_of(store: &Store, person_id: i64) -> Result<String, CardError> {
    people::get(store.conn(), person_id)?
        .map(|p| p.id_number.to_string())
        .ok_or_else(|| CardError::Service(ServiceError::UnknownPerson(person_id.to_string())))
}

/// The database id of the person with ID number `id_number` (cleaned and checked, R1.1).
fn person_id(store: &Store, id_number: &str) -> Result<(i64, String), CardError> {
    let id = IdNumber::parse(&clean_line(id_number)).map_err(|error| {
        CardError::Service(ServiceError::IdNumber {
            value: id_number.to_string(),
            error,
        })
    })?;
    let found = people::id_of(store.conn(), id.as_str())?;
    found
        .map(|pid| (pid, id.to_string()))
        .ok_or_else(|| CardError::Service(ServiceError::UnknownPerson(id.to_string())))
}

/// R5.4 The yearly card of person `person_id` (database id) for `year`, as the person screen
/// shows it. Errors: no such person, or the store's.
pub fn card_of_person(
    store: &Store,
    person_id: i64,
    year: i32,
    name_of: &dyn Fn(&str) -> String,
) -> Result<(i64, Record), CardError> {
    let id_number = id_of(store, person_id)?;
    let r = record_of(
        store,
        person_id,
        &id_number,
        Kind::Card,
        year,
        year,
        name_of,
    )?;
    Ok((person_id, r))
}

/// R5.4 The yearly cards of `target` for `year`, each with its person's database id, one per
/// person in a stable order (name, then ID number); a year with nothing registered is a card
/// that says so. Errors: a year outside [`check_year`] on `today`, a person, unit or batch that
/// does not exist, a batch without applicants, or the store's.
pub fn cards(
    store: &Store,
    target: &Target,
    year: i32,
    today: NaiveDate,
    name_of: &dyn Fn(&str) -> String,
) -> Result<Vec<(i64, Record)>, CardError> {
    check_year(year, today)?;
    let ids: Vec<i64> = match target {
        Target::Person(id) => vec![person_id(store, id)?.0],
        Target::Unit(unit) => {
            let key = people::search_key(&clean_line(unit));
            let ids = cards::people_of_unit(store.conn(), &key)?;
            if ids.is_empty() {
                return Err(CardError::NoSuchUnit(unit.clone()));
            }
            ids
        }
        Target::Batch(n) => match cards::people_of_batch(store.conn(), *n)? {
            None => return Err(CardError::NoSuchBatch(*n)),
            Some(ids) if ids.is_empty() => return Err(CardError::EmptyBatch(*n)),
            Some(ids) => ids,
        },
    };
    ids.into_iter()
        .map(|pid| card_of_person(store, pid, year, name_of))
        .collect()
}

/// R5.4 The registration page (登记证书页) of the person with ID number `id_number` over
/// `from..=to` (a period as R6.1 allows: forwards, under 20 years), with their database id.
pub fn register_page(
    store: &Store,
    id_number: &str,
    from: i32,
    to: i32,
    today: NaiveDate,
    name_of: &dyn Fn(&str) -> String,
) -> Result<(i64, Record), CardError> {
    check_year(from, today)?;
    check_year(to, today)?;
    let (pid, id) = person_id(store, id_number)?;
    let r = record_of(store, pid, &id, Kind::Register, from, to, name_of)?;
    Ok((pid, r))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::fixtures::{ZHANG, actor, store_with};
    use crate::service::review::{Decision, decide};

    const PRO: &str = "专业,远程教育,临床新进展,湖南人才市场有限公司,2016-04-01,2016-04-30,60.5,合格,学习证明材料";
    const PUB: &str =
        "公需,培训班,保密意识和保密常识教育,湖南师范大学,2016-05-10,2016-05-12,30,合格,";
    const PRO_2015: &str = "专业,远程教育,影像诊断进展,湖南人才市场有限公司,2015-03-01,2015-03-20,40,合格,学习证明材料";

    fn day() -> NaiveDate {
        NaiveDate::from_ymd_opt(2017, 7, 15).unwrap()
    }

    fn login(s: &str) -> String {
        match s {
            "lijun" => "李军".into(),
            other => other.into(),
        }
    }

    /// Entries 1 (2016 professional) and 3 (2015 professional) registered by lijun; entry 2
    /// (2016 public, no evidence) only recorded.
    fn store() -> Store {
        let mut store = store_with(&[PRO, PUB, PRO_2015]);
        let a = actor("lijun");
        decide(&mut store, &a, &[1, 3], &Decision::Seal, &mut |_, _| {}).unwrap();
        decide(
            &mut store,
            &a,
            &[1, 3],
            &Decision::Register { confirm: true },
            &mut |_, _| {},
        )
        .unwrap();
        store
    }

    /// R5.2, R5.4: only registered entries; who and when; totals exactly `check`'s.
    #[test]
    fn r5_4_a_card_has_the_registered_entries_and_checks_totals() {
        let store = store();
        let cards = cards(&store, &Target::Person(ZHANG.into()), 2016, day(), &login).unwrap();
        assert_eq!(cards.len(), 1);
        let (_, r) = &cards[0];
        assert_eq!(r.years.len(), 1);
        let y = &r.years[0];
        let contents: Vec<&str> = y.entries.iter().map(|e| e.content.as_str()).collect();
        assert_eq!(
            contents,
            ["临床新进展"],
            "the recorded public class is not on it"
        );
        assert_eq!(y.entries[0].registered_by, "李军");
        assert_eq!(y.entries[0].registered_on, Some(day()));
        let checked = check::check(&store, ZHANG, 2016, 2016).unwrap();
        assert_eq!(y.result, checked.verification.years[0]);
        assert_eq!(y.result.professional.tenths(), 605);
        assert!(!y.result.pass());
    }

    /// Totals agree with `check` for every year of a register page too, and each year holds
    /// only its own entries.
    #[test]
    fn r5_4_the_register_page_agrees_with_check_year_by_year() {
        let store = store();
        let (_, r) = register_page(&store, ZHANG, 2012, 2016, day(), &login).unwrap();
        let checked = check::check(&store, ZHANG, 2012, 2016).unwrap();
        let results: Vec<_> = r.years.iter().map(|y| y.result.clone()).collect();
        assert_eq!(results, checked.verification.years);
        let per_year: Vec<(i32, usize)> = r
            .years
            .iter()
            .map(|y| (y.result.year, y.entries.len()))
            .collect();
        assert_eq!(
            per_year,
            [(2012, 0), (2013, 0), (2014, 0), (2015, 1), (2016, 1)]
        );
    }

    #[test]
    fn unknown_people_units_batches_and_typo_years_are_refused_in_both_languages() {
        let store = store();
        let e = cards(
            &store,
            &Target::Unit("不存在的单位".into()),
            2016,
            day(),
            &login,
        )
        .unwrap_err();
        assert_eq!(
            e.describe(Lang::Zh),
            "没有单位为“不存在的单位”的人员：请按人员信息中的单位名称填写"
        );
        let e = cards(&store, &Target::Batch(7), 2016, day(), &login).unwrap_err();
        assert!(
            e.describe(Lang::En)
                .contains("no verification batch numbered 7")
        );
        let e = cards(&store, &Target::Person(ZHANG.into()), 201, day(), &login).unwrap_err();
        assert!(
            e.describe(Lang::En)
                .contains("year 201 is outside 1980–2017")
        );
        let e = cards(&store, &Target::Person(ZHANG.into()), 2018, day(), &login).unwrap_err();
        assert!(
            e.describe(Lang::Zh)
                .contains("年度 2018 不在 1980–2017 之内")
        );
        let e = cards(
            &store,
            &Target::Person("430102198503150022".into()),
            2016,
            day(),
            &login,
        )
        .unwrap_err();
        assert!(
            e.describe(Lang::Zh)
                .contains("没有身份证号为430102198503150022的人员")
        );
        // The unit as typed with full-width spaces finds the same people.
        let found = cards(
            &store,
            &Target::Unit("长沙市　第一医院".into()),
            2016,
            day(),
            &login,
        )
        .unwrap();
        assert_eq!(found.len(), 1);
    }
}
