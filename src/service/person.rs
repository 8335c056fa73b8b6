//! What the Person screen shows: the profile, every entry with whether and why it counts, the
//! verification of each year that has entries (R6.4), and the decisions on this person (R5.5).

use chrono::Datelike;

use crate::domain::verification::{self, CountedHours, Verification};
use crate::domain::{Person, Recognition};
use crate::store::reference::Reference;
use crate::store::search::{self, EntrySummary};
use crate::store::{Store, entries, people};

use super::{Result, ServiceError};

#[derive(Debug, Clone)]
pub struct EntryLine {
    pub summary: EntrySummary,
    /// R5.2, R4.3 Whether its hours count now.
    pub counts: bool,
    pub recognition: Recognition,
}

#[derive(Debug, Clone)]
pub struct HistoryLine {
    pub at: String,
    pub user: String,
    pub action: String,
    pub subject: String,
}

#[derive(Debug, Clone)]
pub struct PersonView {
    pub id: i64,
    pub person: Person,
    pub city: String,
    /// The 备注 kept from a roster, if any.
    pub note: Option<String>,
    pub entries: Vec<EntryLine>,
    /// From the earliest year with an entry (at most ten years back, at least five) to this year.
    pub years: Verification,
    pub history: Vec<HistoryLine>,
}

const HISTORY_ROWS: i64 = 200;

pub fn view(store: &Store, person_id: i64, this_year: i32) -> Result<PersonView> {
    let conn = store.conn();
    let person = people::get(conn, person_id)?
        .ok_or_else(|| ServiceError::UnknownPerson(person_id.to_string()))?;
    let reference = Reference::load(store)?;
    let summaries = search::entries_of_person(conn, person_id)?;
    let facts = entries::for_person(conn, person_id, i32::MIN, i32::MAX)?;
    let mut lines = Vec::with_capacity(summaries.len());
    let mut counted = Vec::new();
    for summary in summaries {
        let Some((_, e, filing)) = facts.iter().find(|(id, _, _)| *id == summary.id) else {
            continue;
        };
        let counts = e.counts(filing.as_ref());
        if counts {
            counted.push(CountedHours {
                year: e.year,
                category: e.category,
                hours: e.hours,
            });
        }
        lines.push(EntryLine {
            recognition: e.recognition(filing.as_ref()),
            counts,
            summary,
        });
    }
    let first = lines
        .iter()
        .map(|l| l.summary.year)
        .min()
        .unwrap_or(this_year)
        .max(this_year - 9)
        // Always the five years a verification would look at, and this one.
        .min(this_year - 5);
    let blocked = people::is_blocked(conn, person_id)?;
    let years = verification::verify(first, this_year, |y| reference.policy(y), &counted, blocked);
    let city = reference
        .office_by_code(&person.city_code)
        .map_or_else(|| person.city_code.clone(), |o| o.short.clone());
    let mut stmt = conn.prepare_cached(
        "SELECT at, user, action, subject FROM audit
         WHERE subject = ?1
            OR subject IN (SELECT 'entry:' || id FROM entries WHERE person_id = ?2)
         ORDER BY id DESC LIMIT ?3",
    )?;
    let history = stmt
        .query_map(
            rusqlite::params![
                format!("person:{}", person.id_number),
                person_id,
                HISTORY_ROWS
            ],
            |r| {
                Ok(HistoryLine {
                    at: r.get(0)?,
                    user: r.get(1)?,
                    action: r.get(2)?,
                    subject: r.get(3)?,
                })
            },
        )?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let note = crate::store::notes::get(conn, &format!("person:{}", person.id_number))?;
    Ok(PersonView {
        id: person_id,
        person,
        city,
        note,
        entries: lines,
        years,
        history,
    })
}

/// The year an application made today would verify (R6.1) — what "this year" means on screen.
pub fn current_year(today: chrono::NaiveDate) -> i32 {
    today.year()
}
