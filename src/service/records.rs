//! Register a person and record a training entry one at a time, as a clerk does at the counter
//! (R1.2, R5.1). Each write is one transaction with its audit row (R5.5); what a roster import
//! refuses, these refuse too, in the clerk's words rather than as an SQL error.

use std::collections::BTreeSet;

use crate::domain::entry::state_after_evidence;
use crate::domain::person::{KindCityConflict, kind_fits_office};
use crate::domain::text::clean_line;
use crate::domain::{Entry, EntryState, Person};
use crate::i18n::{Describe, Lang};
use crate::store::audit::{self, Record};
use crate::store::entries::NewEntry;
use crate::store::reference::Reference;
use crate::store::{Store, entries, lookup, people, totals};
use chrono::{Datelike, NaiveDate};

use super::{Actor, Result, ServiceError};

/// Why a register write was refused. Nothing was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// R1.1 The ID number is registered already.
    PersonExists {
        person_id: i64,
        id_number: String,
        name: String,
    },
    NoSuchPerson(i64),
    /// Another clerk saved this person after the form was opened: saving would lose their change.
    ChangedMeanwhile {
        user: String,
    },
    /// R1.4 Not one of the offices of the reference data.
    UnknownCity(String),
    /// R1.3, R1.4 The unit kind contradicts the city (省直单位 ⇔ 省直).
    KindContradictsCity(KindCityConflict),
    /// A required field is empty.
    Required {
        zh: &'static str,
        en: &'static str,
    },
    /// R2.1 The training ends after today: it cannot have been assessed yet.
    EndsAfterToday {
        end: NaiveDate,
        today: NaiveDate,
    },
    StartAfterEnd {
        start: NaiveDate,
        end: NaiveDate,
    },
    /// An entry counts for a year its dates touch, no other.
    YearOutsideDates {
        year: i32,
        start: NaiveDate,
        end: NaiveDate,
    },
    /// R2.3 An entry's hours are more than zero.
    NoHours,
    /// The same training is already recorded for this person (the natural key of an entry).
    DuplicateEntry {
        entry_id: i64,
        state: EntryState,
    },
    NoSuchFiling(i64),
    NoSuchEntry(i64),
    /// R5.1 Sealed, registered or refused: a decision stands, no form changes the entry.
    AlreadyDecided {
        entry_id: i64,
        state: EntryState,
    },
}

impl Describe for Refusal {
    fn describe(&self, lang: Lang) -> String {
        match (self, lang) {
            (
                Refusal::PersonExists {
                    id_number, name, ..
                },
                Lang::Zh,
            ) => format!(
                "身份证号{id_number}已登记（{}），不能重复登记",
                clean_line(name)
            ),
            (
                Refusal::PersonExists {
                    id_number, name, ..
                },
                Lang::En,
            ) => format!(
                "ID number {id_number} is registered already ({}): not added twice",
                clean_line(name)
            ),
            (Refusal::NoSuchPerson(id), Lang::Zh) => format!("人员（编号{id}）不存在"),
            (Refusal::NoSuchPerson(id), Lang::En) => format!("no person with id {id}"),
            (Refusal::ChangedMeanwhile { user }, Lang::Zh) => {
                format!("未保存：{user} 在你打开表单后修改了此记录，请按 Esc 返回后重新打开再改")
            }
            (Refusal::ChangedMeanwhile { user }, Lang::En) => format!(
                "not saved: {user} changed this record after you opened the form; Esc, reopen and edit again"
            ),
            (Refusal::UnknownCity(c), Lang::Zh) => format!("没有代码为{}的市州", clean_line(c)),
            (Refusal::UnknownCity(c), Lang::En) => {
                format!("no city or prefecture with code {}", clean_line(c))
            }
            (Refusal::KindContradictsCity(c), lang) => c.describe(lang),
            (Refusal::Required { zh, .. }, Lang::Zh) => format!("{zh}不能为空"),
            (Refusal::Required { en, .. }, Lang::En) => format!("{en} is required"),
            (Refusal::EndsAfterToday { end, today }, Lang::Zh) => {
                format!("结束日期{end}晚于今天（{today}）：培训结束并考核后再登记")
            }
            (Refusal::EndsAfterToday { end, today }, Lang::En) => {
                format!(
                    "the end date {end} is after today ({today}): record a training once it has ended and been assessed"
                )
            }
            (Refusal::StartAfterEnd { start, end }, Lang::Zh) => {
                format!("结束日期{end}早于开始日期{start}")
            }
            (Refusal::StartAfterEnd { start, end }, Lang::En) => {
                format!("the end date {end} is before the start date {start}")
            }
            (Refusal::YearOutsideDates { year, start, end }, Lang::Zh) => {
                format!("年度{year}不在培训日期（{start}至{end}）所在的年份内")
            }
            (Refusal::YearOutsideDates { year, start, end }, Lang::En) => {
                format!("year {year} is not a year of the training's dates ({start} to {end})")
            }
            (Refusal::NoHours, Lang::Zh) => "学时应大于0".into(),
            (Refusal::NoHours, Lang::En) => "hours must be more than zero".into(),
            (Refusal::DuplicateEntry { entry_id, state }, Lang::Zh) => format!(
                "此人已有同一培训的记录（第{entry_id}条，{}），未重复保存",
                state.zh()
            ),
            (Refusal::DuplicateEntry { entry_id, state }, Lang::En) => format!(
                "this training is recorded for this person already (entry {entry_id}, {}): not saved twice",
                state.code()
            ),
            (Refusal::NoSuchFiling(id), Lang::Zh) => format!("备案（编号{id}）不存在"),
            (Refusal::NoSuchFiling(id), Lang::En) => format!("no filing with id {id}"),
            (Refusal::NoSuchEntry(id), Lang::Zh) => format!("培训记录（第{id}条）不存在"),
            (Refusal::NoSuchEntry(id), Lang::En) => format!("no entry {id}"),
            (Refusal::AlreadyDecided { entry_id, state }, Lang::Zh) => format!(
                "第{entry_id}条培训记录{}，不能更正：已初审、已登记或不予登记的记录不能再修改",
                state.zh()
            ),
            (Refusal::AlreadyDecided { entry_id, state }, Lang::En) => format!(
                "entry {entry_id} is {}: a sealed, registered or refused entry cannot be changed",
                state.code()
            ),
        }
    }
}

fn refuse<T>(r: Refusal) -> Result<T> {
    Err(ServiceError::Refused(r))
}

/// The person as stored: text fields on one clean line; name, unit and city required (R1.2).
fn checked(store: &Store, p: &Person) -> Result<Person> {
    let p = Person {
        id_number: p.id_number.clone(),
        name: clean_line(&p.name),
        unit: clean_line(&p.unit),
        unit_kind: p.unit_kind,
        city_code: clean_line(&p.city_code),
        title: clean_line(&p.title),
        title_level: p.title_level,
        series: clean_line(&p.series),
        phone: clean_line(&p.phone),
        file_location: clean_line(&p.file_location),
    };
    if p.name.is_empty() {
        return refuse(Refusal::Required {
            zh: "姓名",
            en: "the name",
        });
    }
    if p.unit.is_empty() {
        return refuse(Refusal::Required {
            zh: "单位",
            en: "the unit",
        });
    }
    if !lookup::office_exists(store.conn(), &p.city_code)? {
        return refuse(Refusal::UnknownCity(p.city_code));
    }
    let reference = Reference::load(store)?;
    if let Some(office) = reference.office_by_code(&p.city_code)
        && let Err(conflict) = kind_fits_office(p.unit_kind, office)
    {
        return refuse(Refusal::KindContradictsCity(conflict));
    }
    Ok(p)
}

/// R1.2 Register a new person; refused when the ID number is registered already, or when it is
/// not plausible on the actor's today (R1.1: [`ServiceError::IdNumber`] with the broken rule).
pub fn create_person(store: &mut Store, actor: &Actor, person: &Person) -> Result<i64> {
    super::authz::require(actor, super::authz::Act::RecordPerson)?;
    person
        .id_number
        .plausible(actor.today())
        .map_err(|error| ServiceError::IdNumber {
            value: person.id_number.to_string(),
            error,
        })?;
    let p = checked(store, person)?;
    let now = actor.stamp();
    let tx = store.write()?;
    if let Some((person_id, old)) = people::find_by_id_number(&tx, p.id_number.as_str())? {
        return refuse(Refusal::PersonExists {
            person_id,
            id_number: old.id_number.to_string(),
            name: old.name,
        });
    }
    let id = people::insert(&tx, &p, &now)?;
    audit::append(
        &tx,
        &Record {
            at: &now,
            user: &actor.user,
            action: "person.create",
            subject: &format!("person:{}", p.id_number),
            before: None,
            after: Some(&people::to_json(&p)),
        },
    )?;
    tx.commit()?;
    Ok(id)
}

/// R1.2 Change a person's record. The ID number identifies the person and does not change, so
/// it is not checked for plausibility again (R1.1): a record stored before that rule stays
/// correctable.
/// Returns whether anything changed (an unchanged save writes nothing).
///
/// `opened` is the person as the clerk's form showed it: when another clerk has saved a
/// different version since, nothing is written, so no one's change is silently lost.
pub fn update_person(
    store: &mut Store,
    actor: &Actor,
    id: i64,
    opened: &Person,
    person: &Person,
) -> Result<bool> {
    super::authz::require(actor, super::authz::Act::RecordPerson)?;
    let p = checked(store, person)?;
    let now = actor.stamp();
    let tx = store.write()?;
    let Some(old) = people::get(&tx, id)? else {
        return refuse(Refusal::NoSuchPerson(id));
    };
    if &old != opened {
        return refuse(Refusal::ChangedMeanwhile {
            user: last_writer(&tx, &format!("person:{}", old.id_number)),
        });
    }
    let p = Person {
        id_number: old.id_number.clone(),
        ..p
    };
    if p == old {
        return Ok(false);
    }
    people::update(&tx, id, &p, &now)?;
    audit::append(
        &tx,
        &Record {
            at: &now,
            user: &actor.user,
            action: "person.update",
            subject: &format!("person:{}", p.id_number),
            before: Some(&people::to_json(&old)),
            after: Some(&people::to_json(&p)),
        },
    )?;
    tx.commit()?;
    Ok(true)
}

/// An entry as stored: content and provider on one clean line and required, dates in order, the
/// year one of its dates' years, the training ended by `today` (R2.1), hours more than zero. What
/// `add_entry` and `update_entry` check.
fn checked_entry(entry: Entry, today: NaiveDate) -> Result<Entry> {
    let entry = Entry {
        content: clean_line(&entry.content),
        provider: clean_line(&entry.provider),
        ..entry
    };
    if entry.content.is_empty() {
        return refuse(Refusal::Required {
            zh: "培训内容",
            en: "the content",
        });
    }
    if entry.provider.is_empty() {
        return refuse(Refusal::Required {
            zh: "施教机构",
            en: "the provider",
        });
    }
    let (start, end) = (entry.start_date, entry.end_date);
    if end < start {
        return refuse(Refusal::StartAfterEnd { start, end });
    }
    if !crate::domain::entry::ended_by(end, today) {
        return refuse(Refusal::EndsAfterToday { end, today });
    }
    if entry.year < start.year() || entry.year > end.year() {
        return refuse(Refusal::YearOutsideDates {
            year: entry.year,
            start,
            end,
        });
    }
    if entry.hours.tenths() <= 0 {
        return refuse(Refusal::NoHours);
    }
    Ok(entry)
}

fn check_filing(tx: &rusqlite::Connection, filing_id: Option<i64>) -> Result<()> {
    if let Some(f) = filing_id
        && lookup::filing_by_id(tx, f)?.is_none()
    {
        return refuse(Refusal::NoSuchFiling(f));
    }
    Ok(())
}

/// The clerk who last wrote to `subject`, for "changed meanwhile".
fn last_writer(tx: &rusqlite::Connection, subject: &str) -> String {
    tx.query_row(
        "SELECT user FROM audit WHERE subject = ?1 ORDER BY id DESC LIMIT 1",
        [subject],
        |r| r.get(0),
    )
    .unwrap_or_default()
}

/// R5.1 Record a training entry for a person, as the training institution reported it: it starts
/// as recorded, with no evidence yet. The same training twice is refused.
pub fn add_entry(
    store: &mut Store,
    actor: &Actor,
    person_id: i64,
    entry: Entry,
    filing_id: Option<i64>,
) -> Result<i64> {
    super::authz::require(actor, super::authz::Act::RecordEntry)?;
    let entry = checked_entry(
        Entry {
            state: EntryState::Recorded,
            migrated: false,
            ..entry
        },
        actor.today(),
    )?;
    let now = actor.stamp();
    let tx = store.write()?;
    if people::get(&tx, person_id)?.is_none() {
        return refuse(Refusal::NoSuchPerson(person_id));
    }
    check_filing(&tx, filing_id)?;
    let new = NewEntry {
        person_id,
        entry,
        filing_id,
        batch_id: None,
    };
    if let Some(ex) = entries::find_same(&tx, &new)? {
        return refuse(Refusal::DuplicateEntry {
            entry_id: ex.id,
            state: ex.state,
        });
    }
    let id = entries::insert(&tx, &new, &actor.user, &now)?;
    totals::refresh_person(&tx, person_id)?;
    audit::append(
        &tx,
        &Record {
            at: &now,
            user: &actor.user,
            action: "entry.create",
            subject: &format!("entry:{id}"),
            before: None,
            // An entry starts without evidence: recorded, so `audit verify` can compare.
            after: Some(&entry_json(
                person_id,
                &new.entry,
                filing_id,
                &BTreeSet::new(),
            )),
        },
    )?;
    tx.commit()?;
    Ok(id)
}

/// R5.1 Whether a form may still change an entry in this state: only before any decision.
pub fn correctable(state: EntryState) -> bool {
    matches!(state, EntryState::Recorded | EntryState::EvidenceComplete)
}

/// What a correction did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Corrected {
    /// Nothing differed from what is stored: nothing was written.
    pub unchanged: bool,
    /// The entry's state now: a new form's checklist may leave its evidence incomplete.
    pub state: EntryState,
    /// R3 Evidence codes removed because the new form's checklist does not have them.
    pub dropped: BTreeSet<String>,
}

/// An entry in the audit trail: the facts `entry.create` records, and the evidence received.
fn entry_json(
    person_id: i64,
    entry: &Entry,
    filing_id: Option<i64>,
    evidence: &BTreeSet<String>,
) -> String {
    let facts = entries::to_json(&NewEntry {
        person_id,
        entry: entry.clone(),
        filing_id,
        batch_id: None,
    });
    let mut v: serde_json::Value = serde_json::from_str(&facts).unwrap_or_default();
    if let Some(o) = v.as_object_mut() {
        o.remove("batch_id");
        o.insert("evidence".into(), serde_json::json!(evidence));
    }
    v.to_string()
}

/// The facts a clerk's form shows and edits: everything but the state (evidence moves it) and
/// the paper-history flag.
fn same_facts(a: &Entry, b: &Entry) -> bool {
    Entry {
        state: b.state,
        migrated: b.migrated,
        ..a.clone()
    } == *b
}

/// R5.1 Correct an entry nobody has decided on yet (recorded or evidence complete), in one
/// transaction with its audit row. Refused, with nothing written, when the entry was sealed,
/// registered or refused; when another clerk changed it after the form was opened (`opened`,
/// `opened_filing`: what the form showed); when it would become the same training as another
/// entry of the person; and by the rules `add_entry` applies.
///
/// R3 A new form brings its own checklist: evidence not on it is removed, and the state follows
/// what remains (back to recorded when the new checklist is not complete).
pub fn update_entry(
    store: &mut Store,
    actor: &Actor,
    entry_id: i64,
    opened: &Entry,
    opened_filing: Option<i64>,
    new: Entry,
    filing_id: Option<i64>,
) -> Result<Corrected> {
    super::authz::require(actor, super::authz::Act::RecordEntry)?;
    let new = checked_entry(new, actor.today())?;
    let reference = Reference::load(store)?;
    let now = actor.stamp();
    let tx = store.write()?;
    let Some(old) = entries::get(&tx, entry_id)? else {
        return refuse(Refusal::NoSuchEntry(entry_id));
    };
    let state = old.entry.state;
    if !correctable(state) {
        return refuse(Refusal::AlreadyDecided { entry_id, state });
    }
    let subject = format!("entry:{entry_id}");
    // Evidence ticked meanwhile moves the state only; the facts the form shows are what count.
    if !same_facts(&old.entry, opened) || old.filing_id != opened_filing {
        return refuse(Refusal::ChangedMeanwhile {
            user: last_writer(&tx, &subject),
        });
    }
    let mut new = Entry {
        state,
        migrated: old.entry.migrated,
        ..new
    };
    if new == old.entry && filing_id == old.filing_id {
        return Ok(Corrected {
            unchanged: true,
            state,
            dropped: BTreeSet::new(),
        });
    }
    check_filing(&tx, filing_id)?;
    let same = NewEntry {
        person_id: old.person_id,
        entry: new.clone(),
        filing_id,
        batch_id: None,
    };
    if let Some(ex) = entries::find_same(&tx, &same)?
        && ex.id != entry_id
    {
        return refuse(Refusal::DuplicateEntry {
            entry_id: ex.id,
            state: ex.state,
        });
    }
    let before = entries::evidence(&tx, entry_id)?;
    let checklist = reference.checklist(new.form);
    let on_list = checklist.map(|l| l.all_codes()).unwrap_or_default();
    let dropped: BTreeSet<String> = if new.form == old.entry.form {
        BTreeSet::new()
    } else {
        before.difference(&on_list).cloned().collect()
    };
    for code in &dropped {
        entries::remove_evidence(&tx, entry_id, code)?;
    }
    let have: BTreeSet<String> = before.difference(&dropped).cloned().collect();
    let complete = checklist.is_some_and(|l| l.is_complete(&have));
    new.state = state_after_evidence(state, complete);
    entries::update_fields(&tx, entry_id, &new, filing_id, &now)?;
    // Year, hours, category, result and filing link all decide what counts (R2.1, R4.3, R5.2).
    totals::refresh_person(&tx, old.person_id)?;
    audit::append(
        &tx,
        &Record {
            at: &now,
            user: &actor.user,
            action: "entry.update",
            subject: &subject,
            before: Some(&entry_json(
                old.person_id,
                &old.entry,
                old.filing_id,
                &before,
            )),
            after: Some(&entry_json(old.person_id, &new, filing_id, &have)),
        },
    )?;
    tx.commit()?;
    Ok(Corrected {
        unchanged: false,
        state: new.state,
        dropped,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{AssessmentResult, Category, Form, Hours, IdNumber, UnitKind};
    use crate::service::fixtures::{ZHANG, actor, store_with};

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn li_na() -> Person {
        Person {
            id_number: IdNumber::compose("430102", d(1985, 6, 15), 123).unwrap(),
            name: " 李娜\u{1b}[31m ".into(),
            unit: "长沙市中心医院".into(),
            unit_kind: UnitKind::City,
            city_code: "430100".into(),
            title: "主治医师".into(),
            title_level: None,
            series: String::new(),
            phone: String::new(),
            file_location: String::new(),
        }
    }

    /// R1.3, R1.4 A provincial unit is filed under 省直 and only a provincial unit is: the
    /// register service refuses the contradiction, whichever form or caller sends it.
    #[test]
    fn r1_3_a_unit_kind_that_contradicts_the_city_is_refused() {
        let mut store = store_with(&[]);
        let a = actor("wangfang");
        let provincial_in_changsha = Person {
            unit: "湖南省人民医院".into(),
            unit_kind: UnitKind::Provincial,
            ..li_na()
        };
        let r = create_person(&mut store, &a, &provincial_in_changsha);
        assert!(
            matches!(
                r,
                Err(ServiceError::Refused(Refusal::KindContradictsCity(
                    KindCityConflict::ProvincialInCity { ref city }
                ))) if city == "长沙"
            ),
            "{r:?}"
        );
        let city_unit_under_province = Person {
            city_code: "430000".into(),
            ..li_na()
        };
        let r = create_person(&mut store, &a, &city_unit_under_province);
        assert!(
            matches!(
                r,
                Err(ServiceError::Refused(Refusal::KindContradictsCity(
                    KindCityConflict::OtherUnderProvince {
                        kind: UnitKind::City
                    }
                )))
            ),
            "{r:?}"
        );
        assert_eq!(
            people::count(store.conn()).unwrap(),
            1,
            "nothing was written"
        );
        let id = create_person(
            &mut store,
            &a,
            &Person {
                city_code: "430000".into(),
                ..provincial_in_changsha.clone()
            },
        )
        .unwrap();
        // An edit is held to the same rule.
        let opened = people::get(store.conn(), id).unwrap().unwrap();
        let moved = Person {
            city_code: "430100".into(),
            ..opened.clone()
        };
        let r = update_person(&mut store, &a, id, &opened, &moved);
        assert!(
            matches!(
                r,
                Err(ServiceError::Refused(Refusal::KindContradictsCity(_)))
            ),
            "{r:?}"
        );
        assert_eq!(
            people::get(store.conn(), id).unwrap().unwrap().city_code,
            "430000"
        );
    }

    fn class() -> Entry {
        Entry {
            year: 2017,
            category: Category::Public,
            form: Form::TrainingClass,
            content: "保密意识和保密常识教育".into(),
            provider: "湖南师范大学".into(),
            start_date: d(2017, 5, 10),
            end_date: d(2017, 5, 12),
            hours: Hours::whole(30),
            result: AssessmentResult::Pass,
            state: EntryState::Registered,
            migrated: true,
        }
    }

    fn audit_rows(store: &Store, action: &str) -> Vec<(String, String)> {
        let mut stmt = store
            .conn()
            .prepare("SELECT user, subject FROM audit WHERE action = ?1 ORDER BY id")
            .unwrap();
        stmt.query_map([action], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(|r| r.unwrap())
            .collect()
    }

    fn refusal<T: std::fmt::Debug>(r: Result<T>) -> Refusal {
        match r {
            Err(ServiceError::Refused(x)) => x,
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn r1_2_create_then_update_a_person_with_audit() {
        let mut store = store_with(&[]);
        let a = actor("wangfang");
        let id = create_person(&mut store, &a, &li_na()).unwrap();
        let p = people::get(store.conn(), id).unwrap().unwrap();
        assert_eq!(p.name, "李娜", "stored on one clean line");
        let rows = audit_rows(&store, "person.create");
        assert_eq!(rows.last().unwrap().0, "wangfang");

        let again = refusal(create_person(&mut store, &a, &li_na()));
        assert!(matches!(again, Refusal::PersonExists { person_id, .. } if person_id == id));
        assert!(again.describe(Lang::Zh).contains("已登记"));

        let mut changed = li_na();
        changed.title = "副主任医师".into();
        assert!(update_person(&mut store, &a, id, &p, &changed).unwrap());
        let stored = people::get(store.conn(), id).unwrap().unwrap();
        assert!(
            !update_person(&mut store, &a, id, &stored, &changed).unwrap(),
            "no change, no write"
        );
        assert_eq!(audit_rows(&store, "person.update").len(), 1);
        assert_eq!(
            people::get(store.conn(), id).unwrap().unwrap().title,
            "副主任医师"
        );
    }

    // R1.1 Registering judges the number against the actor's today (2017-07-15 here); editing a
    // person stored before that rule does not, so the record stays correctable.
    #[test]
    fn r1_1_registering_needs_a_plausible_number_editing_an_old_record_does_not() {
        use crate::domain::id_number::IdError;
        let mut store = store_with(&[]);
        let a = actor("wangfang");
        let before = people::count(store.conn()).unwrap();
        let unborn = Person {
            id_number: IdNumber::compose("430102", d(2017, 12, 25), 11).unwrap(),
            ..li_na()
        };
        let e = create_person(&mut store, &a, &unborn).unwrap_err();
        assert!(
            matches!(&e, ServiceError::IdNumber { error: IdError::BornAfterToday { birth, today }, .. }
                if *birth == d(2017, 12, 25) && *today == d(2017, 7, 15)),
            "{e:?}"
        );
        assert!(e.describe(Lang::Zh).contains("晚于今天（2017-07-15）"));
        assert!(e.describe(Lang::En).contains("after today (2017-07-15)"));
        let nowhere = Person {
            id_number: IdNumber::compose("990101", d(1980, 1, 1), 11).unwrap(),
            ..li_na()
        };
        assert!(matches!(
            create_person(&mut store, &a, &nowhere),
            Err(ServiceError::IdNumber {
                error: IdError::Province { .. },
                ..
            })
        ));
        assert_eq!(
            people::count(store.conn()).unwrap(),
            before,
            "nothing written"
        );

        // A record stored before the rule (written past the service, as an old database holds it).
        let tx = store.write().unwrap();
        let id = people::insert(&tx, &nowhere, "2016-01-01T00:00:00Z").unwrap();
        tx.commit().unwrap();
        let stored = people::get(store.conn(), id).unwrap().unwrap();
        let mut changed = stored.clone();
        changed.title = "副主任医师".into();
        assert!(update_person(&mut store, &a, id, &stored, &changed).unwrap());
        // And it is found by its number.
        assert!(
            people::find_by_id_number(store.conn(), nowhere.id_number.as_str())
                .unwrap()
                .is_some()
        );
    }

    #[test]
    fn two_clerks_editing_one_person_never_lose_a_change() {
        let mut store = store_with(&[]);
        let id = create_person(&mut store, &actor("wangfang"), &li_na()).unwrap();
        // Both open the form on the same version.
        let opened = people::get(store.conn(), id).unwrap().unwrap();
        let mut by_lijun = opened.clone();
        by_lijun.phone = "13800000000".into();
        assert!(update_person(&mut store, &actor("lijun"), id, &opened, &by_lijun).unwrap());
        let mut by_wangfang = opened.clone();
        by_wangfang.title = "副主任医师".into();
        let r = refusal(update_person(
            &mut store,
            &actor("wangfang"),
            id,
            &opened,
            &by_wangfang,
        ));
        assert_eq!(
            r,
            Refusal::ChangedMeanwhile {
                user: "lijun".into()
            }
        );
        assert!(r.describe(Lang::Zh).contains("lijun"));
        let now = people::get(store.conn(), id).unwrap().unwrap();
        assert_eq!(now.phone, "13800000000", "lijun's change is kept");
        assert_eq!(now.title, opened.title);
    }

    #[test]
    fn r1_2_name_unit_and_city_are_required() {
        let mut store = store_with(&[]);
        let a = actor("wangfang");
        let nameless = Person {
            name: "  ".into(),
            ..li_na()
        };
        assert!(matches!(
            refusal(create_person(&mut store, &a, &nameless)),
            Refusal::Required { zh: "姓名", .. }
        ));
        let nowhere = Person {
            city_code: "999999".into(),
            ..li_na()
        };
        assert_eq!(
            refusal(create_person(&mut store, &a, &nowhere)),
            Refusal::UnknownCity("999999".into())
        );
    }

    #[test]
    fn r5_1_an_entry_is_recorded_once_with_audit() {
        let mut store = store_with(&[]);
        let a = actor("wangfang");
        let (person, _) = people::find_by_id_number(store.conn(), ZHANG)
            .unwrap()
            .unwrap();
        let id = add_entry(&mut store, &a, person, class(), None).unwrap();
        let rec = entries::get(store.conn(), id).unwrap().unwrap();
        assert_eq!(
            rec.entry.state,
            EntryState::Recorded,
            "a new entry starts recorded"
        );
        assert!(!rec.entry.migrated);
        assert_eq!(
            audit_rows(&store, "entry.create").last().unwrap(),
            &("wangfang".to_string(), format!("entry:{id}"))
        );
        let dup = refusal(add_entry(&mut store, &a, person, class(), None));
        assert_eq!(
            dup,
            Refusal::DuplicateEntry {
                entry_id: id,
                state: EntryState::Recorded
            }
        );
        assert!(dup.describe(Lang::Zh).contains("未重复保存"));
    }

    #[test]
    fn entry_rules_are_refused_in_words() {
        let mut store = store_with(&[]);
        let a = actor("wangfang");
        let (person, _) = people::find_by_id_number(store.conn(), ZHANG)
            .unwrap()
            .unwrap();
        let backwards = Entry {
            end_date: d(2017, 5, 1),
            ..class()
        };
        assert!(matches!(
            refusal(add_entry(&mut store, &a, person, backwards, None)),
            Refusal::StartAfterEnd { .. }
        ));
        // R2.1 A training that ends after today (the clerk's clock: 2017-07-15) has not been
        // assessed; the day itself is accepted.
        let future = Entry {
            start_date: d(2017, 7, 14),
            end_date: d(2017, 7, 16),
            ..class()
        };
        let refused = refusal(add_entry(&mut store, &a, person, future, None));
        assert_eq!(
            refused,
            Refusal::EndsAfterToday {
                end: d(2017, 7, 16),
                today: d(2017, 7, 15)
            }
        );
        assert_eq!(
            refused.describe(Lang::Zh),
            "结束日期2017-07-16晚于今天（2017-07-15）：培训结束并考核后再登记"
        );
        let wrong_year = Entry {
            year: 2016,
            ..class()
        };
        assert!(matches!(
            refusal(add_entry(&mut store, &a, person, wrong_year, None)),
            Refusal::YearOutsideDates { year: 2016, .. }
        ));
        let none = Entry {
            hours: Hours::ZERO,
            ..class()
        };
        assert_eq!(
            refusal(add_entry(&mut store, &a, person, none, None)),
            Refusal::NoHours
        );
        assert_eq!(
            refusal(add_entry(&mut store, &a, person, class(), Some(99))),
            Refusal::NoSuchFiling(99)
        );
        assert_eq!(
            refusal(add_entry(&mut store, &a, 9999, class(), None)),
            Refusal::NoSuchPerson(9999)
        );
        assert_eq!(entries::count(store.conn()).unwrap(), 0);
        // A training that ended today is recorded.
        let ends_today = Entry {
            start_date: d(2017, 7, 14),
            end_date: d(2017, 7, 15),
            ..class()
        };
        add_entry(&mut store, &a, person, ends_today, None).expect("ends today");
        assert_eq!(entries::count(store.conn()).unwrap(), 1);
    }

    /// A conference with both items of its checklist received: evidence complete (R3.4).
    const CONFERENCE: &str = "专业,学术会议,学术年会,湖南省医学会,2016-05-01,2016-05-02,12,合格,学术会议邀请函、参会回执";
    /// A distance course with nothing received yet.
    const COURSE: &str =
        "专业,远程教育,临床新进展,湖南人才市场有限公司,2016-04-01,2016-04-30,90,合格,";

    fn entry_ids(store: &Store) -> Vec<i64> {
        let mut stmt = store
            .conn()
            .prepare("SELECT id FROM entries ORDER BY id")
            .unwrap();
        stmt.query_map([], |r| r.get(0))
            .unwrap()
            .map(|r| r.unwrap())
            .collect()
    }

    fn stored(store: &Store, id: i64) -> entries::EntryRecord {
        entries::get(store.conn(), id).unwrap().unwrap()
    }

    fn audit_json(store: &Store, action: &str) -> (serde_json::Value, serde_json::Value) {
        let (before, after): (String, String) = store
            .conn()
            .query_row(
                "SELECT before, after FROM audit WHERE action = ?1 ORDER BY id DESC LIMIT 1",
                [action],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        (
            serde_json::from_str(&before).unwrap(),
            serde_json::from_str(&after).unwrap(),
        )
    }

    #[test]
    fn r5_1_correct_an_undecided_entry_with_audit() {
        let mut store = store_with(&[CONFERENCE]);
        let id = entry_ids(&store)[0];
        let opened = stored(&store, id);
        assert_eq!(opened.entry.state, EntryState::EvidenceComplete);
        let new = Entry {
            hours: Hours::whole(16),
            content: " 学术年会\u{1b}[31m ".into(),
            ..opened.entry.clone()
        };
        let c = update_entry(
            &mut store,
            &actor("wangfang"),
            id,
            &opened.entry,
            opened.filing_id,
            new,
            None,
        )
        .unwrap();
        assert_eq!(
            c,
            Corrected {
                unchanged: false,
                state: EntryState::EvidenceComplete,
                dropped: BTreeSet::new(),
            },
            "the same form keeps its evidence and its state"
        );
        let now = stored(&store, id);
        assert_eq!(now.entry.hours, Hours::whole(16));
        assert_eq!(now.entry.content, "学术年会", "cleaned as add_entry cleans");
        assert_eq!(
            audit_rows(&store, "entry.update"),
            vec![("wangfang".to_string(), format!("entry:{id}"))]
        );
        let (before, after) = audit_json(&store, "entry.update");
        assert_eq!(before["hours"], "12");
        assert_eq!(after["hours"], "16");
        assert_eq!(after["state"], "evidence_complete");
        assert_eq!(
            after["evidence"],
            serde_json::json!(["attendance_receipt", "conference_invitation"])
        );

        // Saving what is stored writes nothing.
        let again = update_entry(
            &mut store,
            &actor("wangfang"),
            id,
            &now.entry,
            now.filing_id,
            now.entry.clone(),
            None,
        )
        .unwrap();
        assert!(again.unchanged);
        assert_eq!(audit_rows(&store, "entry.update").len(), 1);

        // The rules of add_entry apply, in the same words.
        let backwards = Entry {
            end_date: d(2016, 4, 1),
            ..now.entry.clone()
        };
        assert!(matches!(
            refusal(update_entry(
                &mut store,
                &actor("wangfang"),
                id,
                &now.entry,
                None,
                backwards,
                None
            )),
            Refusal::StartAfterEnd { .. }
        ));
        assert_eq!(
            refusal(update_entry(
                &mut store,
                &actor("wangfang"),
                id,
                &now.entry,
                None,
                now.entry.clone(),
                Some(99)
            )),
            Refusal::NoSuchFiling(99)
        );
    }

    #[test]
    fn r5_1_a_sealed_registered_or_refused_entry_is_not_corrected() {
        use crate::service::review::{Decision, decide};
        let mut store = store_with(&[CONFERENCE]);
        let id = entry_ids(&store)[0];
        let a = actor("lijun");
        decide(&mut store, &a, &[id], &Decision::Seal, &mut |_, _| {}).unwrap();
        let opened = stored(&store, id);
        assert_eq!(opened.entry.state, EntryState::Sealed);
        let new = Entry {
            hours: Hours::whole(16),
            ..opened.entry.clone()
        };
        let r = refusal(update_entry(
            &mut store,
            &actor("wangfang"),
            id,
            &opened.entry,
            None,
            new,
            None,
        ));
        assert_eq!(
            r,
            Refusal::AlreadyDecided {
                entry_id: id,
                state: EntryState::Sealed
            }
        );
        assert!(
            r.describe(Lang::Zh).contains("已初审，不能更正"),
            "{}",
            r.describe(Lang::Zh)
        );
        assert!(r.describe(Lang::En).contains("cannot be changed"));
        assert_eq!(stored(&store, id).entry.hours, Hours::whole(12));
        assert!(audit_rows(&store, "entry.update").is_empty());
        assert!(!correctable(EntryState::Registered));
        assert!(!correctable(EntryState::Refused));
        assert!(correctable(EntryState::Recorded));
    }

    #[test]
    fn two_clerks_correcting_one_entry_never_lose_a_change() {
        let mut store = store_with(&[CONFERENCE]);
        let id = entry_ids(&store)[0];
        let opened = stored(&store, id).entry;
        let by_lijun = Entry {
            hours: Hours::whole(14),
            ..opened.clone()
        };
        update_entry(
            &mut store,
            &actor("lijun"),
            id,
            &opened,
            None,
            by_lijun,
            None,
        )
        .unwrap();
        let by_wangfang = Entry {
            result: AssessmentResult::Fail,
            ..opened.clone()
        };
        let r = refusal(update_entry(
            &mut store,
            &actor("wangfang"),
            id,
            &opened,
            None,
            by_wangfang,
            None,
        ));
        assert_eq!(
            r,
            Refusal::ChangedMeanwhile {
                user: "lijun".into()
            }
        );
        assert!(r.describe(Lang::Zh).contains("lijun"));
        let now = stored(&store, id).entry;
        assert_eq!(now.hours, Hours::whole(14), "lijun's change is kept");
        assert_eq!(now.result, AssessmentResult::Pass);
    }

    #[test]
    fn evidence_ticked_meanwhile_is_no_conflict() {
        let mut store = store_with(&[COURSE]);
        let id = entry_ids(&store)[0];
        let opened = stored(&store, id).entry;
        crate::service::review::set_evidence(&mut store, &actor("lijun"), id, "study_proof", true)
            .unwrap()
            .unwrap();
        let c = update_entry(
            &mut store,
            &actor("wangfang"),
            id,
            &opened,
            None,
            Entry {
                hours: Hours::whole(80),
                ..opened.clone()
            },
            None,
        )
        .unwrap();
        assert_eq!(c.state, EntryState::EvidenceComplete);
    }

    #[test]
    fn a_correction_that_makes_it_the_same_training_as_another_entry_is_refused() {
        let mut store = store_with(&[CONFERENCE, COURSE]);
        let ids = entry_ids(&store);
        let conference = stored(&store, ids[0]).entry;
        let course = stored(&store, ids[1]).entry;
        let r = refusal(update_entry(
            &mut store,
            &actor("wangfang"),
            ids[1],
            &course,
            None,
            Entry {
                state: EntryState::Recorded,
                ..conference.clone()
            },
            None,
        ));
        assert_eq!(
            r,
            Refusal::DuplicateEntry {
                entry_id: ids[0],
                state: EntryState::EvidenceComplete
            }
        );
        assert!(r.describe(Lang::Zh).contains("未重复保存"));
        assert_eq!(stored(&store, ids[1]).entry, course, "nothing written");
    }

    #[test]
    fn r3_a_new_form_drops_evidence_not_on_its_checklist_and_the_state_follows() {
        let mut store = store_with(&[CONFERENCE]);
        let id = entry_ids(&store)[0];
        let opened = stored(&store, id).entry;
        assert_eq!(opened.state, EntryState::EvidenceComplete);
        // A lecture (R3.5): lecture notice and attendance receipt. The receipt stays, the
        // conference invitation goes, and the lecture notice is missing.
        let c = update_entry(
            &mut store,
            &actor("wangfang"),
            id,
            &opened,
            None,
            Entry {
                form: Form::Lecture,
                ..opened.clone()
            },
            None,
        )
        .unwrap();
        assert_eq!(c.state, EntryState::Recorded);
        assert_eq!(
            c.dropped,
            BTreeSet::from(["conference_invitation".to_string()])
        );
        let now = stored(&store, id).entry;
        assert_eq!((now.form, now.state), (Form::Lecture, EntryState::Recorded));
        assert_eq!(
            entries::evidence(store.conn(), id).unwrap(),
            BTreeSet::from(["attendance_receipt".to_string()])
        );
        let (before, after) = audit_json(&store, "entry.update");
        assert_eq!(before["state"], "evidence_complete");
        assert_eq!(after["state"], "recorded");
        assert_eq!(after["form"], "lecture");
        assert_eq!(after["evidence"], serde_json::json!(["attendance_receipt"]));
    }
}
