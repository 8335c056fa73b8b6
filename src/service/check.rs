//! R6.1, R6.4 Verify one person's period from the registered entries.

use crate::domain::verification::{self, CountedHours, Verification, check_period};
use crate::domain::{Category, IdNumber, Person};
use crate::store::reference::Reference;
use crate::store::{Store, entries, people, totals};

use super::{Result, ServiceError};

#[derive(Debug, Clone)]
pub struct CheckResult {
    pub person: Person,
    pub verification: Verification,
}

/// Verify `id_number` for `from..=to`. Only registered entries with a passing result count, and
/// public-subject hours only with a filing approved by the start date (R5.2, R4.3).
pub fn check(store: &Store, id_number: &str, from: i32, to: i32) -> Result<CheckResult> {
    check_on(store.conn(), id_number, from, to)
}

/// As [`check`], on a connection: inside a write transaction the result cannot change before
/// the transaction acts on it (an issue after a falsification finding, for one).
pub fn check_on(
    conn: &rusqlite::Connection,
    id_number: &str,
    from: i32,
    to: i32,
) -> Result<CheckResult> {
    let id = IdNumber::parse(&crate::domain::text::clean_line(id_number)).map_err(|error| {
        ServiceError::IdNumber {
            value: id_number.to_string(),
            error,
        }
    })?;
    check_period(from, to).map_err(ServiceError::Period)?;
    let (person_id, person) = people::find_by_id_number(conn, id.as_str())?
        .ok_or_else(|| ServiceError::UnknownPerson(id.to_string()))?;
    let reference = Reference::load_from(conn)?;
    let hours: Vec<CountedHours> = entries::for_person(conn, person_id, from, to)?
        .into_iter()
        .filter(|(_, e, filing)| e.counts(filing.as_ref()))
        .map(|(_, e, _)| CountedHours {
            year: e.year,
            category: e.category,
            hours: e.hours,
        })
        .collect();
    let blocked = people::is_blocked(conn, person_id)?;
    let verification = verification::verify(from, to, |y| reference.policy(y), &hours, blocked);
    Ok(CheckResult {
        person,
        verification,
    })
}

/// R6.1, R6.4 As [`check_on`], for a person already found (database id `person_id`), from the
/// per-person, per-year totals the services keep (`store::totals`) instead of the entries: a
/// lookup of at most `to - from + 1` rows, for verifying a batch of thousands. The totals are a
/// cache of exactly what [`check`] sums, so the result is the same; `reference` gives each
/// year's policy (R2.2), loaded once by the caller for the whole batch. Errors: a period that
/// runs backwards or is too long ([`ServiceError::Period`]), or the store's.
pub fn check_from_totals(
    conn: &rusqlite::Connection,
    reference: &Reference,
    person_id: i64,
    person: Person,
    from: i32,
    to: i32,
) -> Result<CheckResult> {
    check_period(from, to).map_err(ServiceError::Period)?;
    let years = totals::of_person(conn, person_id, from, to)?;
    let blocked = people::is_blocked(conn, person_id)?;
    from_totals(reference, person, from, to, &years, blocked)
}

/// R6.1, R6.4 The verification of `person` for `from..=to` from their totals (`years`: the
/// years of the period with hours that count) and whether a finding blocks them (R5.3), as
/// [`check_from_totals`] reads them; for a batch that read every applicant's in one statement
/// (`store::batches::to_verify`). Errors: a period that runs backwards or is too long.
pub fn from_totals(
    reference: &Reference,
    person: Person,
    from: i32,
    to: i32,
    years: &[totals::YearTotals],
    blocked: bool,
) -> Result<CheckResult> {
    check_period(from, to).map_err(ServiceError::Period)?;
    let hours: Vec<CountedHours> = years
        .iter()
        .flat_map(|t| {
            [
                CountedHours {
                    year: t.year,
                    category: Category::Public,
                    hours: t.public,
                },
                CountedHours {
                    year: t.year,
                    category: Category::Professional,
                    hours: t.professional,
                },
            ]
        })
        .collect();
    let verification = verification::verify(from, to, |y| reference.policy(y), &hours, blocked);
    Ok(CheckResult {
        person,
        verification,
    })
}

/// The verification as docs/INTERFACES.md's `check --json`; also stored with each certificate
/// (R6.4), so what a certificate rests on can be shown later exactly as it was.
pub fn to_json(r: &CheckResult) -> serde_json::Value {
    use serde_json::json;
    // Whole hours as JSON integers (30), tenths as decimals (29.9).
    fn number(h: crate::domain::Hours) -> serde_json::Value {
        if h.tenths().rem_euclid(10) == 0 {
            json!(h.tenths() / 10)
        } else {
            json!(h.as_f64())
        }
    }
    let v = &r.verification;
    json!({
        "id_number": r.person.id_number.as_str(),
        "name": r.person.name,
        "from": v.from,
        "to": v.to,
        "pass": v.pass(),
        "blocked": v.blocked,
        "years": v.years.iter().map(|y| json!({
            "year": y.year,
            "public": number(y.public),
            "professional": number(y.professional),
            "total": number(y.total),
            "pass": y.pass(),
            "shortfalls": y.shortfalls,
        })).collect::<Vec<_>>(),
    })
}
