//! What the Person screen shows: the profile, every entry with whether and why it counts, the
//! verification of each year that has entries (R6.4), and the decisions on this person (R5.5).

use chrono::{DateTime, Datelike, FixedOffset};

use crate::domain::text::clean_line;
use crate::domain::verification::{self, CountedHours, Verification};
use crate::domain::{Person, Recognition};
use crate::i18n::Lang;
use crate::store::audit::{self, HistoryRow};
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

/// One event in a person's history, as a clerk reads it.
#[derive(Debug, Clone)]
pub struct HistoryLine {
    /// Local time as recorded, to the second: `2026-11-30 14:03:12`.
    pub at: String,
    pub user: String,
    /// The audit action (`entry.register`); [`event_label`] names it.
    pub action: String,
    pub subject: String,
    /// What the event was about, in the clerk's words: the entry's start date and content, the
    /// evidence item, the filing, the reason given.
    pub what: What,
}

/// What a history event was about, kept as facts so either language can show it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct What {
    /// The entry's start date and content, or the filing's number and name, or the person's
    /// own record (empty).
    pub record: String,
    /// The evidence item (zh, en), when the event is one.
    pub item: Option<(String, String)>,
    /// The reason recorded with a refusal, a rejection or a return to pending.
    pub reason: String,
    /// The approval date of a filing approval.
    pub approved_on: String,
    /// The action an undo took back (`entry.register`).
    pub undoes: String,
}

impl What {
    /// One line, the most telling part first where lines are cut: "学习证明材料 · 2016-04-01
    /// 临床新进展", "备案日期2017-07-10 · 2017-001 公需科目培训班", "2016-04-01 临床新进展 · 理由".
    pub fn text(&self, lang: Lang) -> String {
        let mut parts = Vec::new();
        if !self.undoes.is_empty() {
            parts.push(event_label(&self.undoes, lang));
        }
        if let Some((zh, en)) = &self.item {
            parts.push(clean_line(lang.pick(zh, en)));
        }
        if !self.approved_on.is_empty() {
            parts.push(match lang {
                Lang::Zh => format!("备案日期{}", self.approved_on),
                Lang::En => format!("as of {}", self.approved_on),
            });
        }
        parts.push(clean_line(&self.record));
        if !self.reason.is_empty() {
            parts.push(clean_line(&self.reason));
        }
        parts.retain(|p| !p.is_empty());
        parts.join(" · ")
    }
}

/// R5.5 An audit action as a clerk names it (登记, 初审盖章, 收到材料, 备案通过 …); an action
/// this screen does not know shows as recorded.
pub fn event_label(action: &str, lang: Lang) -> String {
    let (zh, en) = match action {
        "person.create" => ("登记人员", "person registered"),
        "person.update" => ("修改人员信息", "person changed"),
        "entry.create" => ("记录培训", "entry recorded"),
        "entry.update" => ("更正培训", "entry corrected"),
        "entry.correct" => ("名册更正", "roster correction"),
        "entry.migrate" => ("纸质登记转入", "paper record"),
        "import.entries" => ("名册导入", "roster imported"),
        "import.people" => ("人员名册导入", "people imported"),
        "evidence.receive" => ("收到材料", "evidence received"),
        "evidence.withdraw" => ("材料改为未收", "evidence unmarked"),
        "entry.seal" => ("初审盖章", "sealed"),
        "entry.register" => ("登记", "registered"),
        "entry.refuse" => ("不予登记", "refused"),
        "entry.falsified" => ("认定弄虚作假", "found falsified"),
        "entry.undo" => ("撤销决定", "decision undone"),
        "filing.approve" => ("备案通过", "filing approved"),
        "filing.reject" => ("不予备案", "filing rejected"),
        "filing.return" => ("备案退回待审", "filing returned"),
        "filing.undo" => ("撤销备案决定", "filing undo"),
        "applicant.accept" => ("验证通过", "verification accepted"),
        "applicant.return" => ("验证退回", "verification returned"),
        "applicant.refuse" => ("验证不予通过", "verification refused"),
        "applicant.undo" => ("撤销验证决定", "verification undone"),
        "applicant.certificate" => ("证明归入批次", "certificate linked"),
        "certificate.issue" => ("出具合格证明", "certificate issued"),
        "certificate.reissue" => ("补发合格证明", "certificate reissued"),
        "certificate.void" => ("作废合格证明", "certificate voided"),
        "certificate.print" => ("打印合格证明", "certificate printed"),
        "certificate.reprint" => ("补打合格证明", "certificate reprinted"),
        // Short enough for the history's event column (12 and 17 columns).
        "card.print" => ("打印备案卡", "card printed"),
        "register.print" => ("打印登记页", "register printed"),
        other => return clean_line(other),
    };
    lang.pick(zh, en).to_string()
}

/// `2026-11-30T14:03:12+08:00` as `2026-11-30 14:03:12`: the clerk's time as recorded.
/// R5.5 The instant a decision was recorded, as the clock of the clerk reading it shows time
/// (`zone`): a decision stamped by a process that ran in UTC (a server left on UTC, a cron job)
/// reads at the hour it was made in Hunan, like every other time of the session. A stamp that
/// is not RFC 3339 is shown as written.
fn local_time(at: &str, zone: &FixedOffset) -> String {
    chrono::DateTime::parse_from_rfc3339(at).map_or_else(
        |_| at.replacen('T', " ", 1).chars().take(19).collect(),
        |t| {
            t.with_timezone(zone)
                .format("%Y-%m-%d %H:%M:%S")
                .to_string()
        },
    )
}

fn history_line(row: HistoryRow, reference: &Reference, zone: &FixedOffset) -> HistoryLine {
    let after: serde_json::Value = row
        .after
        .as_deref()
        .and_then(|a| serde_json::from_str(a).ok())
        .unwrap_or_default();
    let field = |k: &str| {
        after
            .get(k)
            .and_then(|v| v.as_str())
            .unwrap_or("")
            .to_string()
    };
    let record = match (&row.entry, &row.filing, row.batch) {
        (Some((content, start)), _, _) => format!("{start} {content}"),
        (None, Some((no, name)), _) => format!("{no} {name}"),
        (None, None, Some(batch)) => format!("#{batch}"),
        // An import names its roster by the file's name (R5.5: one record per import).
        (None, None, None) if matches!(row.action.as_str(), "import.entries" | "import.people") => {
            let file = field("file");
            std::path::Path::new(&file)
                .file_name()
                .map_or(file.clone(), |n| n.to_string_lossy().into_owned())
        }
        (None, None, None) => row
            .subject
            .strip_prefix("certificate:")
            .unwrap_or_default()
            .to_string(),
    };
    let item = row.action.starts_with("evidence.").then(|| {
        let code = field("code");
        reference
            .checklists
            .values()
            .flat_map(|c| c.items.iter())
            .flat_map(|i| i.options.iter())
            .find(|o| o.code == code)
            .map_or((code.clone(), code.clone()), |o| {
                (o.zh.clone(), o.en.clone())
            })
    });
    let approved_on = if row.action == "filing.approve" {
        field("approved_on")
    } else {
        String::new()
    };
    HistoryLine {
        at: local_time(&row.at, zone),
        user: row.user,
        what: What {
            record,
            item,
            reason: field("reason"),
            approved_on,
            undoes: field("undoes"),
        },
        action: row.action,
        subject: row.subject,
    }
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

/// R2.1 R5.5 What the person screen shows of `person_id` at `now` (the clerk's clock): the
/// entries, the years from the earliest entry (at most ten back, at least the five a
/// verification reads) to this one, and the history with its times in `now`'s offset.
/// Errors: an unknown person ([`ServiceError::UnknownPerson`]) or the store's.
pub fn view(store: &Store, person_id: i64, now: DateTime<FixedOffset>) -> Result<PersonView> {
    let this_year = now.year();
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
    let history = audit::about_person(conn, person.id_number.as_str(), person_id, HISTORY_ROWS)?
        .into_iter()
        .map(|row| history_line(row, &reference, now.offset()))
        .collect();
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
