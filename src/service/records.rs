//! Register a person and record a training entry one at a time, as a clerk does at the counter
//! (R1.2, R5.1). Each write is one transaction with its audit row (R5.5); what a roster import
//! refuses, these refuse too, in the clerk's words rather than as an SQL error.

use crate::domain::text::clean_line;
use crate::domain::{Entry, EntryState, Person};
use crate::i18n::{Describe, Lang};
use crate::store::audit::{self, Record};
use crate::store::entries::NewEntry;
use crate::store::{Store, entries, lookup, people};
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
    /// A required field is empty.
    Required {
        zh: &'static str,
        en: &'static str,
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
                format!("未保存：{user} 在你打开表单后修改了此人员，请按 Esc 返回后重新打开再改")
            }
            (Refusal::ChangedMeanwhile { user }, Lang::En) => format!(
                "not saved: {user} changed this person after you opened the form; Esc, reopen and edit again"
            ),
            (Refusal::UnknownCity(c), Lang::Zh) => format!("没有代码为{}的市州", clean_line(c)),
            (Refusal::UnknownCity(c), Lang::En) => {
                format!("no city or prefecture with code {}", clean_line(c))
            }
            (Refusal::Required { zh, .. }, Lang::Zh) => format!("{zh}不能为空"),
            (Refusal::Required { en, .. }, Lang::En) => format!("{en} is required"),
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
    Ok(p)
}

/// R1.2 Register a new person; refused when the ID number is registered already.
pub fn create_person(store: &mut Store, actor: &Actor, person: &Person) -> Result<i64> {
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

/// R1.2 Change a person's record. The ID number identifies the person and does not change.
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
    let p = checked(store, person)?;
    let now = actor.stamp();
    let tx = store.write()?;
    let Some(old) = people::get(&tx, id)? else {
        return refuse(Refusal::NoSuchPerson(id));
    };
    if &old != opened {
        let user: String = tx
            .query_row(
                "SELECT user FROM audit WHERE subject = ?1 ORDER BY id DESC LIMIT 1",
                [format!("person:{}", old.id_number)],
                |r| r.get(0),
            )
            .unwrap_or_default();
        return refuse(Refusal::ChangedMeanwhile { user });
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

/// R5.1 Record a training entry for a person, as the training institution reported it: it starts
/// as recorded, with no evidence yet. The same training twice is refused.
pub fn add_entry(
    store: &mut Store,
    actor: &Actor,
    person_id: i64,
    entry: Entry,
    filing_id: Option<i64>,
) -> Result<i64> {
    let entry = Entry {
        content: clean_line(&entry.content),
        provider: clean_line(&entry.provider),
        state: EntryState::Recorded,
        migrated: false,
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
    let now = actor.stamp();
    let tx = store.write()?;
    if people::get(&tx, person_id)?.is_none() {
        return refuse(Refusal::NoSuchPerson(person_id));
    }
    if let Some(f) = filing_id
        && lookup::filing_by_id(&tx, f)?.is_none()
    {
        return refuse(Refusal::NoSuchFiling(f));
    }
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
    audit::append(
        &tx,
        &Record {
            at: &now,
            user: &actor.user,
            action: "entry.create",
            subject: &format!("entry:{id}"),
            before: None,
            after: Some(&entries::to_json(&new)),
        },
    )?;
    tx.commit()?;
    Ok(id)
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
    }
}
