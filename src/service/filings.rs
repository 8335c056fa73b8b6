//! R4.2 Programme filings: save the attachment-3 form (create or update by filing number),
//! approve with the approval date, reject with a reason; `service::decision` logs each decision
//! and undoes the clerk's last one.
//! Each is one transaction with its audit rows (R5.5); a decision on many marked filings is one
//! decision, and filings it does not change are skipped and reported.
//!
//! R4.3: the approval date decides which trainings' public-subject hours count, so approving is
//! the only way a filing becomes approved, and every change of the date is a recorded decision.

use chrono::NaiveDate;
use serde_json::json;

use crate::domain::filing::{ApprovalLapsed, approval_lapses};
use crate::domain::text::{clean_line, clean_multiline};
use crate::domain::{Filing, FilingStatus};
use crate::i18n::{Describe, Lang};
use crate::store::audit::{self, Record};
use crate::store::decisions::{self as log_store, FilingDecided as Decided};
use crate::store::{Store, filings, totals};

use super::decision::{Filings, Log};
use super::{Actor, Result, ServiceError};

/// The fields of attachment 3, in the order the form shows them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FilingField {
    FilingNo,
    ApplicantUnit,
    Institution,
    Address,
    PostCode,
    Email,
    Head,
    HeadPost,
    HeadPhone,
    Contact,
    ContactPost,
    ContactPhone,
    Name,
    Place,
    StartDate,
    EndDate,
    Trainees,
    Category,
    Programme,
    Schedule,
}

impl FilingField {
    pub fn label(self, lang: Lang) -> &'static str {
        use FilingField::*;
        match self {
            FilingNo => lang.pick("备案编号", "Filing no."),
            ApplicantUnit => lang.pick("申报单位", "Applicant unit"),
            Institution => lang.pick("培训机构", "Institution"),
            Address => lang.pick("单位通讯地址", "Postal address"),
            PostCode => lang.pick("邮编", "Post code"),
            Email => lang.pick("E-mail", "E-mail"),
            Head => lang.pick("培训负责人", "In charge"),
            HeadPost | ContactPost => lang.pick("职务", "Post"),
            HeadPhone | ContactPhone => lang.pick("电话", "Phone"),
            Contact => lang.pick("培训联系人", "Contact"),
            Name => lang.pick("培训名称", "Training name"),
            Place => lang.pick("培训地点", "Place"),
            StartDate => lang.pick("开始日期", "Start date"),
            EndDate => lang.pick("结束日期", "End date"),
            Trainees => lang.pick("拟培训人员范围", "Intended trainees"),
            Category => lang.pick("科目类别", "Category"),
            Programme => lang.pick("培训方案", "Programme"),
            Schedule => lang.pick("培训计划", "Schedule"),
        }
    }

    /// The label with what it belongs to, for messages ("培训负责人电话").
    pub fn full_label(self, lang: Lang) -> String {
        use FilingField::*;
        match self {
            HeadPost | HeadPhone => format!("{}{}", Head.label(lang), self.label(lang)),
            ContactPost | ContactPhone => format!("{}{}", Contact.label(lang), self.label(lang)),
            _ => self.label(lang).to_string(),
        }
    }

    /// The fields the notice and the roster format require.
    pub fn required(self) -> bool {
        use FilingField::*;
        matches!(
            self,
            FilingNo | ApplicantUnit | Institution | Name | StartDate | EndDate | Category
        )
    }
}

/// Why a filing or a decision was not accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    Required(FilingField),
    /// Not a date in any form a clerk writes (the form reports this as a field is left).
    BadDate(FilingField),
    EndBeforeStart,
    PostCode,
    Email,
    /// A new filing with the number of an existing one.
    NumberTaken(String),
    /// An approval dated after today: a decision cannot be recorded before it is made.
    FutureDate(NaiveDate),
    ReasonRequired,
    /// Another clerk saved or decided this filing after the form was opened.
    ChangedMeanwhile,
}

impl Describe for Problem {
    fn describe(&self, lang: Lang) -> String {
        match (self, lang) {
            (Problem::Required(f), Lang::Zh) => format!("{}不能为空", f.full_label(lang)),
            (Problem::Required(f), Lang::En) => format!("{} is required", f.full_label(lang)),
            (Problem::BadDate(f), Lang::Zh) => {
                format!("{}不是有效日期（如 2017-03-01）", f.label(lang))
            }
            (Problem::BadDate(f), Lang::En) => {
                format!("{} is not a valid date (e.g. 2017-03-01)", f.label(lang))
            }
            (Problem::EndBeforeStart, Lang::Zh) => "结束日期早于开始日期".into(),
            (Problem::EndBeforeStart, Lang::En) => "the end date is before the start date".into(),
            (Problem::PostCode, Lang::Zh) => "邮编应为6位数字".into(),
            (Problem::PostCode, Lang::En) => "a post code is 6 digits".into(),
            (Problem::Email, Lang::Zh) => "E-mail 格式不对（应含 @）".into(),
            (Problem::Email, Lang::En) => "not an e-mail address (no @)".into(),
            (Problem::NumberTaken(no), Lang::Zh) => {
                format!(
                    "备案编号{}已存在；要修改它，请在列表中选中后按 e",
                    clean_line(no)
                )
            }
            (Problem::NumberTaken(no), Lang::En) => format!(
                "filing {} exists already; to change it, select it in the list and press e",
                clean_line(no)
            ),
            (Problem::FutureDate(d), Lang::Zh) => format!("备案日期{d}晚于今天"),
            (Problem::FutureDate(d), Lang::En) => format!("the approval date {d} is after today"),
            (Problem::ReasonRequired, Lang::Zh) => "不予备案须填写理由".into(),
            (Problem::ReasonRequired, Lang::En) => "a rejection needs a reason".into(),
            (Problem::ChangedMeanwhile, Lang::Zh) => {
                "未保存：打开表单后另一位经办人修改或决定了这条备案，请按 Esc 返回后重新打开再改".into()
            }
            (Problem::ChangedMeanwhile, Lang::En) => {
                "not saved: another clerk changed or decided this filing after you opened it; Esc, reopen and edit again".into()
            }
        }
    }
}

/// The problem with one text field's value, if any (the form calls this as a field is left).
pub fn check_text(field: FilingField, value: &str) -> Option<Problem> {
    let v = value.trim();
    if v.is_empty() {
        return field.required().then_some(Problem::Required(field));
    }
    match field {
        FilingField::PostCode if !(v.len() == 6 && v.bytes().all(|b| b.is_ascii_digit())) => {
            Some(Problem::PostCode)
        }
        FilingField::Email
            if !v
                .split_once('@')
                .is_some_and(|(a, b)| !a.is_empty() && !b.is_empty()) =>
        {
            Some(Problem::Email)
        }
        _ => None,
    }
}

/// Every problem of a whole filing, in the order of the form.
pub fn validate(f: &Filing) -> Vec<Problem> {
    use FilingField::*;
    let texts = [
        (FilingNo, &f.filing_no),
        (ApplicantUnit, &f.applicant_unit),
        (Institution, &f.institution),
        (PostCode, &f.post_code),
        (Email, &f.email),
        (Name, &f.name),
    ];
    let mut out: Vec<Problem> = texts
        .iter()
        .filter_map(|(field, v)| check_text(*field, v))
        .collect();
    if f.end_date < f.start_date {
        out.push(Problem::EndBeforeStart);
    }
    out
}

/// Text as stored: cleaned as all text entering is (`domain::text`: no control sequences or
/// invisible format characters, NFC), one line (programme and schedule keep their lines).
fn normalised(f: &Filing) -> Filing {
    let line = |s: &str| clean_line(s);
    let multi = |s: &str| clean_multiline(s);
    Filing {
        filing_no: line(&f.filing_no),
        name: line(&f.name),
        applicant_unit: line(&f.applicant_unit),
        institution: line(&f.institution),
        address: line(&f.address),
        post_code: line(&f.post_code),
        email: line(&f.email),
        head: line(&f.head),
        head_post: line(&f.head_post),
        head_phone: line(&f.head_phone),
        contact: line(&f.contact),
        contact_post: line(&f.contact_post),
        contact_phone: line(&f.contact_phone),
        place: line(&f.place),
        trainees: line(&f.trainees),
        programme: multi(&f.programme),
        schedule: multi(&f.schedule),
        ..f.clone()
    }
}

fn log(
    tx: &rusqlite::Transaction<'_>,
    actor: &Actor,
    at: &str,
    action: &str,
    subject: &str,
    before: Option<&str>,
    after: Option<&str>,
) -> Result<()> {
    audit::append(
        tx,
        &Record {
            at,
            user: &actor.user,
            action,
            subject,
            before,
            after,
        },
    )?;
    Ok(())
}

/// What saving a filing did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilingSaved {
    pub id: i64,
    /// R4.2, R4.3 The filing was approved and the edit changed what the approval covered: it is
    /// pending again, and this is why (also recorded on the filing and in the audit trail).
    pub returned: Option<ApprovalLapsed>,
}

/// Save the attachment-3 form: a new number creates a pending filing, a known number updates
/// it. Saving never approves or rejects: only `approve`, `reject` and undo do, so every
/// decision is recorded as one. One edit does undo an approval: changing an approved filing's
/// dates, category or institution returns it to pending (R4.2, R4.3: the approval covered what
/// was filed), with the reason recorded. Returns the filing's id.
pub fn save_filing(store: &mut Store, actor: &Actor, filing: &Filing) -> Result<i64> {
    save(store, actor, filing, false, None).map(|s| s.id)
}

/// Save an edit of a filing as the clerk's form `opened` it: when another clerk has saved or
/// decided it since, nothing is written ([`Problem::ChangedMeanwhile`]), so no change is lost.
/// Says whether the edit returned an approved filing to pending (see [`save_filing`]).
pub fn update_filing(
    store: &mut Store,
    actor: &Actor,
    opened: &Filing,
    filing: &Filing,
) -> Result<FilingSaved> {
    save(store, actor, filing, false, Some(opened))
}

/// Save a filing the clerk means to be new: refused with [`Problem::NumberTaken`] when another
/// clerk saved that number meanwhile, checked inside the write, so nobody's filing is
/// overwritten by a form that was opened as new.
pub fn create_filing(store: &mut Store, actor: &Actor, filing: &Filing) -> Result<i64> {
    save(store, actor, filing, true, None).map(|s| s.id)
}

fn save(
    store: &mut Store,
    actor: &Actor,
    filing: &Filing,
    only_new: bool,
    opened: Option<&Filing>,
) -> Result<FilingSaved> {
    super::authz::require(actor, super::authz::Act::RecordFiling)?;
    let f = normalised(filing);
    if let Some(p) = validate(&f).into_iter().next() {
        return Err(ServiceError::Filing(p));
    }
    let now = actor.stamp();
    let tx = store.write()?;
    let subject = format!("filing:{}", f.filing_no);
    let mut returned = None;
    let id = match filings::find_by_no(&tx, &f.filing_no)? {
        None => {
            let new = Filing {
                status: FilingStatus::Pending,
                approved_on: None,
                ..f
            };
            let id = filings::insert(&tx, &new, &now)?;
            log(
                &tx,
                actor,
                &now,
                "filing.create",
                &subject,
                None,
                Some(&filings::to_json(&new)),
            )?;
            id
        }
        Some(_) if only_new => {
            return Err(ServiceError::Filing(Problem::NumberTaken(f.filing_no)));
        }
        Some((_, old)) if opened.is_some_and(|o| *o != old) => {
            return Err(ServiceError::Filing(Problem::ChangedMeanwhile));
        }
        Some((id, old)) => {
            let lapsed = approval_lapses(&old, &f);
            let new = if lapsed.is_empty() {
                Filing {
                    status: old.status,
                    approved_on: old.approved_on,
                    ..f
                }
            } else {
                Filing {
                    status: FilingStatus::Pending,
                    approved_on: None,
                    ..f
                }
            };
            // The decision as it stood, read before the update sets the filing pending: the
            // return's audit record says what approval it took back.
            let decided_before = if lapsed.is_empty() {
                None
            } else {
                log_store::filing_current(&tx, id)?.map(|(_, d)| decision_json(&d, None))
            };
            if new != old {
                filings::update(&tx, id, &new, &now)?;
                log(
                    &tx,
                    actor,
                    &now,
                    "filing.update",
                    &subject,
                    Some(&filings::to_json(&old)),
                    Some(&filings::to_json(&new)),
                )?;
            }
            if !lapsed.is_empty() {
                let why = ApprovalLapsed {
                    changed: lapsed,
                    approved_on: old.approved_on,
                };
                return_to_pending(&tx, actor, &now, id, &subject, decided_before, &why)?;
                returned = Some(why);
            }
            // R4.3 A new category, or an approval that lapsed, changes what linked entries count.
            if new.facts() != old.facts() {
                totals::refresh_filing(&tx, id)?;
            }
            id
        }
    };
    tx.commit()?;
    Ok(FilingSaved { id, returned })
}

/// R4.2, R4.3 The approval of filing `id` no longer covers what is filed: it is pending again,
/// the filing records who returned it, when and why (in Chinese, as the bureau's records are),
/// and the audit trail names the terms that changed. It follows from the edit rather than being
/// a decision of its own, so it is not in the decision log that undo walks: undo never puts the
/// old approval back over content it did not cover, and the way back is a new approval.
fn return_to_pending(
    tx: &rusqlite::Transaction<'_>,
    actor: &Actor,
    now: &str,
    id: i64,
    subject: &str,
    before: Option<String>,
    why: &ApprovalLapsed,
) -> Result<()> {
    let reason = why.describe(Lang::Zh);
    let to = Decided {
        status: FilingStatus::Pending,
        approved_on: None,
        decided_by: Some(actor.user.clone()),
        decided_at: Some(now.to_string()),
        reason: reason.clone(),
    };
    log_store::set_filing(tx, id, &to, now)?;
    let changed: Vec<&str> = why.changed.iter().map(|t| t.code()).collect();
    let after = json!({
        "status": FilingStatus::Pending.code(),
        "approved_on": null,
        "reason": reason,
        "changed": changed,
    });
    log(
        tx,
        actor,
        now,
        "filing.return",
        subject,
        before.as_deref(),
        Some(&after.to_string()),
    )
}

/// Why a filing was left out of a decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Skip {
    Missing,
    /// Approved already, on that same date.
    AlreadyApproved(NaiveDate),
    AlreadyRejected,
}

impl Describe for Skip {
    fn describe(&self, lang: Lang) -> String {
        match (self, lang) {
            (Skip::Missing, Lang::Zh) => "备案不存在".into(),
            (Skip::Missing, Lang::En) => "no such filing".into(),
            (Skip::AlreadyApproved(d), Lang::Zh) => format!("已于{d}备案"),
            (Skip::AlreadyApproved(d), Lang::En) => format!("approved on {d} already"),
            (Skip::AlreadyRejected, Lang::Zh) => "已不予备案".into(),
            (Skip::AlreadyRejected, Lang::En) => "rejected already".into(),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outcome {
    pub batch: i64,
    pub applied: Vec<i64>,
    pub skipped: Vec<(i64, Skip)>,
}

fn decide(
    store: &mut Store,
    actor: &Actor,
    ids: &[i64],
    action: &str,
    to_status: FilingStatus,
    approved_on: Option<NaiveDate>,
    reason: &str,
) -> Result<Outcome> {
    let now = actor.stamp();
    let tx = store.write()?;
    let decision_log = Log::begin(&tx)?;
    let batch = decision_log.number();
    let mut out = Outcome {
        batch,
        ..Outcome::default()
    };
    for &id in ids {
        let Some((no, from)) = log_store::filing_current(&tx, id)? else {
            out.skipped.push((id, Skip::Missing));
            continue;
        };
        match (from.status, to_status, from.approved_on) {
            (FilingStatus::Approved, FilingStatus::Approved, Some(d)) if Some(d) == approved_on => {
                out.skipped.push((id, Skip::AlreadyApproved(d)));
                continue;
            }
            (FilingStatus::Rejected, FilingStatus::Rejected, _) => {
                out.skipped.push((id, Skip::AlreadyRejected));
                continue;
            }
            _ => {}
        }
        let to = Decided {
            status: to_status,
            approved_on,
            decided_by: Some(actor.user.clone()),
            decided_at: Some(now.clone()),
            reason: reason.to_string(),
        };
        decision_log.record::<Filings>(&tx, actor, &now, id, action, &from, &to, reason)?;
        log(
            &tx,
            actor,
            &now,
            action,
            &format!("filing:{no}"),
            Some(&decision_json(&from, None)),
            Some(&decision_json(&to, Some(batch))),
        )?;
        out.applied.push(id);
    }
    tx.commit()?;
    Ok(out)
}

fn decision_json(d: &Decided, batch: Option<i64>) -> String {
    let mut v = json!({
        "status": d.status.code(),
        "approved_on": d.approved_on.map(|d| d.to_string()),
        "decided_by": d.decided_by,
        "reason": d.reason,
    });
    if let Some(b) = batch {
        v["batch"] = json!(b);
    }
    v.to_string()
}

/// R4.2 Approve the filings `ids` as of `on` (the date the office approved them). A filing
/// approved already on another date gets the new date: R4.3 then counts the trainings that start
/// on or after it.
pub fn approve(store: &mut Store, actor: &Actor, ids: &[i64], on: NaiveDate) -> Result<Outcome> {
    super::authz::require(actor, super::authz::Act::DecideFiling)?;
    if on > actor.today() {
        return Err(ServiceError::Filing(Problem::FutureDate(on)));
    }
    decide(
        store,
        actor,
        ids,
        "filing.approve",
        FilingStatus::Approved,
        Some(on),
        "",
    )
}

/// R4.2 Reject the filings `ids` (不予备案) with a reason; an empty reason rejects nothing.
pub fn reject(store: &mut Store, actor: &Actor, ids: &[i64], reason: &str) -> Result<Outcome> {
    super::authz::require(actor, super::authz::Act::DecideFiling)?;
    let reason = clean_line(reason);
    if reason.is_empty() {
        return Err(ServiceError::Filing(Problem::ReasonRequired));
    }
    decide(
        store,
        actor,
        ids,
        "filing.reject",
        FilingStatus::Rejected,
        None,
        &reason,
    )
}

/// A filled attachment-3 form, for the tests of this module and of the screens.
#[cfg(test)]
pub(crate) fn sample_filing(no: &str) -> Filing {
    Filing {
        filing_no: no.into(),
        name: "2017年公需科目培训班".into(),
        category: crate::domain::Category::Public,
        applicant_unit: "湖南省人力资源和社会保障厅".into(),
        institution: "湖南师范大学".into(),
        address: "长沙市岳麓区麓山南路36号".into(),
        post_code: "410081".into(),
        email: "jxjy@hunnu.edu.cn".into(),
        head: "刘志武".into(),
        head_post: "主任".into(),
        head_phone: "0731-88872346".into(),
        contact: "李颖".into(),
        contact_post: "干事".into(),
        contact_phone: "13517492756".into(),
        place: "湖南师范大学".into(),
        trainees: "全省专业技术人员".into(),
        programme: "保密意识\n保密常识".into(),
        schedule: "第一天：报到".into(),
        start_date: NaiveDate::from_ymd_opt(2017, 8, 1).expect("date"),
        end_date: NaiveDate::from_ymd_opt(2017, 8, 3).expect("date"),
        status: FilingStatus::Pending,
        approved_on: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::filing::ApprovedTerm;
    use crate::service::decision::undo_last;
    use crate::service::fixtures::actor;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn audit_actions(store: &Store) -> Vec<String> {
        let mut stmt = store
            .conn()
            .prepare("SELECT action FROM audit ORDER BY id")
            .unwrap();
        stmt.query_map([], |r| r.get(0))
            .unwrap()
            .map(|r| r.unwrap())
            .collect()
    }

    fn decided(store: &Store, id: i64) -> Decided {
        log_store::filing_current(store.conn(), id)
            .unwrap()
            .unwrap()
            .1
    }

    #[test]
    fn migration_3_is_applied_to_a_new_store() {
        let store = Store::open_in_memory().unwrap();
        assert!(store.schema_version().unwrap() >= 3);
        let n: i64 = store
            .conn()
            .query_row(
                "SELECT count(*) FROM pragma_table_info('filings')
                 WHERE name IN ('decided_by', 'decided_at', 'reason')",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(n, 3);
        let rows: i64 = store
            .conn()
            .query_row(
                "SELECT count(*) FROM decisions WHERE filing_id IS NOT NULL",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(rows, 0);
    }

    #[test]
    fn r4_2_save_creates_pending_then_updates_by_number_keeping_the_decision() {
        let mut store = Store::open_in_memory().unwrap();
        let a = actor("wangfang");
        let mut f = sample_filing("2017-001");
        f.status = FilingStatus::Approved; // ignored: saving never decides
        let id = save_filing(&mut store, &a, &f).unwrap();
        let saved = crate::store::filing_list::get(store.conn(), id)
            .unwrap()
            .unwrap();
        assert_eq!(saved.status, FilingStatus::Pending);
        assert_eq!(saved.programme, "保密意识\n保密常识");

        approve(&mut store, &a, &[id], d(2017, 7, 10)).unwrap();
        let mut edited = sample_filing("2017-001");
        edited.place = "长沙\u{1b}[2J市".into();
        assert_eq!(save_filing(&mut store, &a, &edited).unwrap(), id);
        let saved = crate::store::filing_list::get(store.conn(), id)
            .unwrap()
            .unwrap();
        assert_eq!(saved.place, "长沙市", "control sequences are stripped");
        assert_eq!(saved.status, FilingStatus::Approved);
        assert_eq!(saved.approved_on, Some(d(2017, 7, 10)));
        // Saving the same again writes nothing.
        save_filing(&mut store, &a, &edited).unwrap();
        assert_eq!(
            audit_actions(&store),
            ["filing.create", "filing.approve", "filing.update"]
        );
    }

    /// R4.2, R4.3 The approval covered what was filed: an edit of the dates, category or
    /// institution returns the filing to pending, records why, and undo does not bring the old
    /// approval back over content it never saw.
    #[test]
    fn r4_3_editing_an_approved_filings_dates_returns_it_to_pending_with_the_reason() {
        let mut store = Store::open_in_memory().unwrap();
        let a = actor("wangfang");
        let id = save_filing(&mut store, &a, &sample_filing("2017-001")).unwrap();
        approve(&mut store, &a, &[id], d(2017, 7, 10)).unwrap();
        let opened = crate::store::filing_list::get(store.conn(), id)
            .unwrap()
            .unwrap();

        let mut moved = opened.clone();
        moved.start_date = d(2017, 7, 20);
        moved.institution = "湖南大学".into();
        let saved = update_filing(&mut store, &actor("lijun"), &opened, &moved).unwrap();
        assert_eq!(saved.id, id);
        let why = saved.returned.expect("returned to pending");
        assert_eq!(
            why.changed,
            [ApprovedTerm::Institution, ApprovedTerm::StartDate]
        );
        let now = decided(&store, id);
        assert_eq!(now.status, FilingStatus::Pending);
        assert_eq!(now.approved_on, None);
        assert_eq!(now.decided_by.as_deref(), Some("lijun"));
        assert_eq!(
            now.reason,
            "已审核通过的备案（备案日期2017-07-10）修改了培训机构、开始日期，退回待审"
        );
        let f = crate::store::filing_list::get(store.conn(), id)
            .unwrap()
            .unwrap();
        assert_eq!(f.start_date, d(2017, 7, 20), "the edit itself is saved");
        assert_eq!(
            audit_actions(&store),
            [
                "filing.create",
                "filing.approve",
                "filing.update",
                "filing.return"
            ]
        );
        let after: String = store
            .conn()
            .query_row(
                "SELECT after FROM audit WHERE action = 'filing.return'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        let after: serde_json::Value = serde_json::from_str(&after).unwrap();
        assert_eq!(after["changed"], json!(["institution", "start_date"]));
        assert_eq!(after["status"], "pending");
        // What it took back: the approval as it stood, with its date.
        let before: String = store
            .conn()
            .query_row(
                "SELECT before FROM audit WHERE action = 'filing.return'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        let before: serde_json::Value = serde_json::from_str(&before).unwrap();
        assert_eq!(before["status"], "approved", "{before}");
        assert!(before["approved_on"].is_string(), "{before}");

        // The approving clerk's undo finds the filing changed since: nothing is restored.
        let undone = undo_last(&mut store, &a).unwrap().unwrap();
        assert!(undone.restored.is_empty());
        assert_eq!(decided(&store, id).status, FilingStatus::Pending);
        // Approved anew, it is approved as of the new date.
        approve(&mut store, &a, &[id], d(2017, 7, 15)).unwrap();
        assert_eq!(decided(&store, id).approved_on, Some(d(2017, 7, 15)));
    }

    #[test]
    fn r4_3_other_edits_or_edits_of_a_pending_filing_keep_the_decision() {
        let mut store = Store::open_in_memory().unwrap();
        let a = actor("wangfang");
        let id = save_filing(&mut store, &a, &sample_filing("2017-001")).unwrap();
        let opened = crate::store::filing_list::get(store.conn(), id)
            .unwrap()
            .unwrap();
        // Pending: dates change freely, nothing is "returned".
        let mut moved = opened.clone();
        moved.end_date = d(2017, 8, 4);
        let saved = update_filing(&mut store, &a, &opened, &moved).unwrap();
        assert_eq!(saved.returned, None);
        approve(&mut store, &a, &[id], d(2017, 7, 10)).unwrap();
        let opened = crate::store::filing_list::get(store.conn(), id)
            .unwrap()
            .unwrap();
        // Approved: the contact and the programme are not what the approval covered.
        let mut other = opened.clone();
        other.contact_phone = "13800000000".into();
        other.programme = "保密意识\n保密常识\n结业考试".into();
        let saved = update_filing(&mut store, &a, &opened, &other).unwrap();
        assert_eq!(saved.returned, None);
        assert_eq!(decided(&store, id).status, FilingStatus::Approved);
        // The category is.
        let opened = crate::store::filing_list::get(store.conn(), id)
            .unwrap()
            .unwrap();
        let mut other = opened.clone();
        other.category = crate::domain::Category::Professional;
        let saved = update_filing(&mut store, &a, &opened, &other).unwrap();
        assert_eq!(
            saved.returned.map(|w| w.changed),
            Some(vec![ApprovedTerm::Category])
        );
        assert_eq!(decided(&store, id).status, FilingStatus::Pending);
    }

    #[test]
    fn r4_2_required_fields_and_dates_are_checked() {
        let mut store = Store::open_in_memory().unwrap();
        let a = actor("wangfang");
        let mut f = sample_filing("2017-001");
        f.institution = "  ".into();
        f.end_date = d(2017, 7, 1);
        assert_eq!(
            validate(&f),
            [
                Problem::Required(FilingField::Institution),
                Problem::EndBeforeStart
            ]
        );
        assert!(matches!(
            save_filing(&mut store, &a, &f),
            Err(ServiceError::Filing(Problem::Required(
                FilingField::Institution
            )))
        ));
        assert_eq!(
            check_text(FilingField::PostCode, "41008"),
            Some(Problem::PostCode)
        );
        assert_eq!(check_text(FilingField::Email, "a@b"), None);
        assert_eq!(check_text(FilingField::Email, "ab"), Some(Problem::Email));
        assert_eq!(check_text(FilingField::Place, ""), None);
    }

    #[test]
    fn r5_5_approve_records_date_who_and_when_and_undo_restores_pending() {
        let mut store = Store::open_in_memory().unwrap();
        let a = actor("wangfang");
        let one = save_filing(&mut store, &a, &sample_filing("2017-001")).unwrap();
        let two = save_filing(&mut store, &a, &sample_filing("2017-002")).unwrap();
        let out = approve(&mut store, &a, &[one, two], d(2017, 7, 1)).unwrap();
        assert_eq!(out.applied, [one, two]);
        let got = decided(&store, one);
        assert_eq!(got.status, FilingStatus::Approved);
        assert_eq!(got.approved_on, Some(d(2017, 7, 1)));
        assert_eq!(got.decided_by.as_deref(), Some("wangfang"));
        assert_eq!(got.decided_at.as_deref(), Some("2017-07-15T10:00:00+08:00"));

        // The same date again changes nothing; another clerk's undo does not touch it.
        let again = approve(&mut store, &a, &[one], d(2017, 7, 1)).unwrap();
        assert_eq!(again.skipped, [(one, Skip::AlreadyApproved(d(2017, 7, 1)))]);
        assert_eq!(undo_last(&mut store, &actor("lisi")).unwrap(), None);

        let undone = undo_last(&mut store, &a).unwrap().unwrap();
        assert_eq!(undone.restored, [one, two]);
        assert_eq!(undone.action, "filing.approve");
        let back = decided(&store, one);
        assert_eq!(back.status, FilingStatus::Pending);
        assert_eq!(back.approved_on, None);
        assert_eq!(back.decided_by, None);
        // Recorded, not erased: the decision rows stay, marked undone, and the audit has both.
        let undone_rows: i64 = store
            .conn()
            .query_row(
                "SELECT count(*) FROM decisions WHERE filing_id IS NOT NULL AND undone_by = 'wangfang'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(undone_rows, 2);
        let actions = audit_actions(&store);
        assert_eq!(actions.iter().filter(|a| *a == "filing.approve").count(), 2);
        assert_eq!(actions.iter().filter(|a| *a == "filing.undo").count(), 2);
        assert_eq!(crate::store::audit::verify(store.conn()).unwrap().1, None);
        assert_eq!(undo_last(&mut store, &a).unwrap(), None);
    }

    #[test]
    fn r4_2_reject_needs_a_reason_and_undo_brings_back_the_earlier_approval() {
        let mut store = Store::open_in_memory().unwrap();
        let a = actor("wangfang");
        let id = save_filing(&mut store, &a, &sample_filing("2017-001")).unwrap();
        assert!(matches!(
            reject(&mut store, &a, &[id], "  "),
            Err(ServiceError::Filing(Problem::ReasonRequired))
        ));
        assert_eq!(decided(&store, id).status, FilingStatus::Pending);

        approve(&mut store, &a, &[id], d(2017, 7, 1)).unwrap();
        reject(&mut store, &a, &[id], "培训计划不完整").unwrap();
        let got = decided(&store, id);
        assert_eq!(got.status, FilingStatus::Rejected);
        assert_eq!(got.reason, "培训计划不完整");
        assert_eq!(got.approved_on, None);
        assert_eq!(
            reject(&mut store, &a, &[id], "again").unwrap().skipped,
            [(id, Skip::AlreadyRejected)]
        );

        undo_last(&mut store, &a).unwrap().unwrap();
        let back = decided(&store, id);
        assert_eq!(back.status, FilingStatus::Approved);
        assert_eq!(back.approved_on, Some(d(2017, 7, 1)));
        assert_eq!(back.decided_by.as_deref(), Some("wangfang"));
    }

    #[test]
    fn migration_3_upgrades_a_schema_2_database_in_place_keeping_its_filings() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.sqlite");
        {
            let conn = rusqlite::Connection::open(&path).unwrap();
            for sql in &crate::store::schema::MIGRATIONS[..2] {
                conn.execute_batch(sql).unwrap();
            }
            conn.pragma_update(None, "user_version", 2).unwrap();
            conn.execute(
                "INSERT INTO filings (filing_no, name, category, applicant_unit, institution,
                     start_date, end_date, status, approved_on, created_at, updated_at)
                 VALUES ('2016-001', '公需科目班', 'public', '湖南省人社厅', '湖南大学',
                     '2016-05-01', '2016-05-02', 'approved', '2016-04-01', 'x', 'x')",
                [],
            )
            .unwrap();
        }
        let mut store = Store::open(&path).unwrap();
        assert_eq!(
            store.schema_version().unwrap() as usize,
            crate::store::schema::MIGRATIONS.len()
        );
        let (id, old) = crate::store::filings::find_by_no(store.conn(), "2016-001")
            .unwrap()
            .unwrap();
        assert_eq!(old.approved_on, Some(d(2016, 4, 1)));
        let got = decided(&store, id);
        assert_eq!((got.decided_by, got.reason), (None, String::new()));
        // A decision taken before jijiao recorded deciders can still be changed, and undone.
        let a = actor("wangfang");
        approve(&mut store, &a, &[id], d(2016, 5, 1)).unwrap();
        assert_eq!(decided(&store, id).approved_on, Some(d(2016, 5, 1)));
        undo_last(&mut store, &a).unwrap().unwrap();
        assert_eq!(decided(&store, id).approved_on, Some(d(2016, 4, 1)));
    }

    #[test]
    fn create_never_overwrites_a_filing_of_the_same_number() {
        let mut store = Store::open_in_memory().unwrap();
        let a = actor("wangfang");
        create_filing(&mut store, &a, &sample_filing("2017-001")).unwrap();
        let mut other = sample_filing("2017-001");
        other.name = "另一个培训班".into();
        assert!(matches!(
            create_filing(&mut store, &a, &other),
            Err(ServiceError::Filing(Problem::NumberTaken(no))) if no == "2017-001"
        ));
        let kept = filings::find_by_no(store.conn(), "2017-001")
            .unwrap()
            .unwrap()
            .1;
        assert_eq!(kept.name, "2017年公需科目培训班");
    }

    #[test]
    fn an_approval_cannot_be_dated_after_today() {
        let mut store = Store::open_in_memory().unwrap();
        let a = actor("wangfang");
        let id = save_filing(&mut store, &a, &sample_filing("2017-001")).unwrap();
        assert!(matches!(
            approve(&mut store, &a, &[id], d(2017, 7, 16)),
            Err(ServiceError::Filing(Problem::FutureDate(_)))
        ));
    }

    #[test]
    fn undo_leaves_a_filing_someone_decided_again_since() {
        let mut store = Store::open_in_memory().unwrap();
        let a = actor("wangfang");
        let b = actor("lisi");
        let id = save_filing(&mut store, &a, &sample_filing("2017-001")).unwrap();
        approve(&mut store, &a, &[id], d(2017, 7, 1)).unwrap();
        reject(&mut store, &b, &[id], "材料不全").unwrap();
        let undone = undo_last(&mut store, &a).unwrap().unwrap();
        assert_eq!(undone.changed_since, [id]);
        assert_eq!(decided(&store, id).status, FilingStatus::Rejected);
    }
}
