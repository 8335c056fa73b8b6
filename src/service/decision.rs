//! The one decide/undo path (R5.5). A clerk decides on three kinds of subject: training entries
//! (R5.1 seal, register, refuse; R5.3 falsified), programme filings (R4.2 approve, reject) and
//! the applicants of a verification batch (R6 accept, return, refuse). Every decision goes
//! through [`Log::record`], which writes the subject's new state and one row of the decision log
//! (`store::decisions`) with the state before and after, the reason, who and when; a decision on
//! many marked subjects shares one number, so [`undo_last`] reverses it as one.
//!
//! `u` undoes the clerk's own most recent decision not yet undone, whatever its kind and whatever
//! screen it was taken on. Each subject still as that decision left it returns to the state it
//! had before; one that someone moved on since (decided again, or a certificate issued on an
//! acceptance, R7) is left as it is and reported. The undo is itself recorded in the log and the
//! audit trail: nothing is erased.
//!
//! Each kind of subject supplies only how to read its decision state, write one, compare and
//! serialise it ([`Kind`]); the rest of the path is shared.

use rusqlite::Transaction;
use serde_json::{Value, json};

use crate::domain::EntryState;
use crate::domain::FilingStatus;
use crate::domain::batch::ApplicantState;
use crate::domain::text::{clean_line, width};
use crate::i18n::Lang;
use crate::store::audit::{self, Record};
use crate::store::decisions::{self, FilingDecided, LogRow, Subject};
use crate::store::{Store, batches, entries, totals};

use super::{Actor, Result};

/// A subject's decision state as it is now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Current<S> {
    pub state: S,
    /// Something outside the log has been built on the decision (a certificate issued to an
    /// accepted applicant, R7.2): undo leaves the subject as it is.
    pub settled: bool,
}

/// A kind of subject a clerk decides on: how its decision state is read, written, compared and
/// kept in the log. Implemented by [`Entries`], [`Filings`] and [`Applicants`].
pub trait Kind {
    /// What a decision changes on a subject of this kind (and undo restores).
    type State;
    /// The audit action an undo of this kind records (R5.5).
    const UNDO_ACTION: &'static str;
    /// The key under which this kind's audit rows carry the decision's number.
    const NUMBER_KEY: &'static str;
    /// The log's name for the subject `id`.
    fn subject(id: i64) -> Subject;
    /// The subject's decision state now; `None` when there is no such subject.
    fn read(tx: &Transaction<'_>, id: i64) -> Result<Option<Current<Self::State>>>;
    /// Write `state` onto the subject.
    fn apply(
        tx: &Transaction<'_>,
        id: i64,
        state: &Self::State,
        actor: &Actor,
        now: &str,
    ) -> Result<()>;
    /// The subject is still as a decision left it (`left`): nobody moved it on since.
    fn unchanged(now: &Self::State, left: &Self::State) -> bool;
    /// The state as the log keeps it.
    fn encode(state: &Self::State) -> Value;
    /// A state the log kept; `None` when it cannot be read.
    fn decode(v: &Value) -> Option<Self::State>;
    /// How the audit trail names the subject (`entry:12`, `filing:2017-001`, `applicant:3`).
    fn audit_subject(tx: &Transaction<'_>, id: i64) -> Result<String>;
    /// The state as the audit trail shows it.
    fn audit(state: &Self::State) -> Value;
    /// What else undoing a decision `action` on the subject takes back.
    fn undone(
        _tx: &Transaction<'_>,
        _id: i64,
        _action: &str,
        _actor: &Actor,
        _now: &str,
    ) -> Result<()> {
        Ok(())
    }
}

/// One decision being taken, inside the caller's transaction: every subject it touches is
/// recorded under one number, which [`undo_last`] reverses as a whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Log {
    batch: i64,
}

impl Log {
    /// Start a decision: take the next number, shared by every kind of subject.
    pub fn begin(tx: &Transaction<'_>) -> Result<Log> {
        Ok(Log {
            batch: decisions::next_batch(tx)?,
        })
    }

    /// The decision's number (what the audit rows carry).
    pub fn number(&self) -> i64 {
        self.batch
    }

    /// Move subject `id` from `from` to `to` by the decision `action` (its audit action), with
    /// the clerk's `reason` (empty when the decision needs none): write the state and log it.
    /// The caller has checked the rule that allows it and appends its audit row.
    #[allow(clippy::too_many_arguments)]
    pub fn record<K: Kind>(
        &self,
        tx: &Transaction<'_>,
        actor: &Actor,
        now: &str,
        id: i64,
        action: &str,
        from: &K::State,
        to: &K::State,
        reason: &str,
    ) -> Result<()> {
        K::apply(tx, id, to, actor, now)?;
        Ok(decisions::insert(
            tx,
            self.batch,
            K::subject(id),
            action,
            &K::encode(from).to_string(),
            &K::encode(to).to_string(),
            reason,
            &actor.user,
            now,
        )?)
    }
}

/// What an undo did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Undone {
    /// The number of the decision undone.
    pub batch: i64,
    /// Its audit action (`entry.seal`, `filing.approve`, `applicant.return` …).
    pub action: String,
    /// The subjects (row ids of the decision's kind) returned to their earlier state.
    pub restored: Vec<i64>,
    /// Subjects someone moved on since (decided again, or certified): left as they are.
    pub changed_since: Vec<i64>,
    /// The first few restored subjects as the clerk names them (`张伟 临床新进展`), cleaned.
    pub names: Vec<String>,
}

/// How many restored subjects an undo names; the message says `…` for the rest.
const NAMED: usize = 5;

/// Undo the clerk's last decision not yet undone, of any kind: each subject still as the decision
/// left it returns to its earlier state; R5.3 findings a falsified decision made are lifted. The
/// log rows stay, marked undone, and each restored subject gets an audit row (R5.5). `None` when
/// the clerk has nothing to undo; another clerk's decisions are never undone.
pub fn undo_last(store: &mut Store, actor: &Actor) -> Result<Option<Undone>> {
    undo_last_with(store, actor, &mut |_, _| {})
}

/// [`undo_last`], telling `progress(done, total)` how many of the decision's subjects were
/// handled: undoing a decision on forty thousand entries takes seconds, and the interface
/// shows it moving.
pub fn undo_last_with(
    store: &mut Store,
    actor: &Actor,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Option<Undone>> {
    let now = actor.stamp();
    let tx = store.write()?;
    let Some(batch) = decisions::last_batch_of(&tx, &actor.user)? else {
        return Ok(None);
    };
    let rows = decisions::rows_of(&tx, batch)?;
    // R5.5 Undoing is the decision again, backwards: it needs the decision's role still.
    if let Some(first) = rows.first() {
        super::authz::require(actor, super::authz::undo_act(&first.action))?;
    }
    let mut out = Undone {
        batch,
        action: rows.first().map(|r| r.action.clone()).unwrap_or_default(),
        ..Undone::default()
    };
    for (i, row) in rows.iter().enumerate() {
        progress(i, rows.len());
        decisions::mark_undone(&tx, row.id, &actor.user, &now)?;
        let restored = match row.subject {
            Subject::Entry(id) => undo_row::<Entries>(&tx, actor, &now, batch, row, id)?,
            Subject::Filing(id) => undo_row::<Filings>(&tx, actor, &now, batch, row, id)?,
            Subject::Applicant(id) => undo_row::<Applicants>(&tx, actor, &now, batch, row, id)?,
        };
        if restored {
            out.restored.push(row.subject.id());
            if out.names.len() < NAMED
                && let Some(name) = decisions::label(&tx, row.subject)?
            {
                out.names.push(clean_line(&name));
            }
        } else {
            out.changed_since.push(row.subject.id());
        }
    }
    progress(rows.len(), rows.len());
    tx.commit()?;
    Ok(Some(out))
}

/// Restore one subject of decision `batch`; false when it was moved on since (or its log row
/// cannot be read, which only a hand-edited database has) and is left as it is.
fn undo_row<K: Kind>(
    tx: &Transaction<'_>,
    actor: &Actor,
    now: &str,
    batch: i64,
    row: &LogRow,
    id: i64,
) -> Result<bool> {
    let state = |s: &str| {
        serde_json::from_str::<Value>(s)
            .ok()
            .and_then(|v| K::decode(&v))
    };
    let (Some(before), Some(left)) = (state(&row.from), state(&row.to)) else {
        return Ok(false);
    };
    let Some(current) = K::read(tx, id)? else {
        return Ok(false);
    };
    if current.settled || !K::unchanged(&current.state, &left) {
        return Ok(false);
    }
    K::apply(tx, id, &before, actor, now)?;
    K::undone(tx, id, &row.action, actor, now)?;
    let mut after = K::audit(&before);
    after["undoes"] = json!(row.action);
    after[K::NUMBER_KEY] = json!(batch);
    audit::append(
        tx,
        &Record {
            at: now,
            user: &actor.user,
            action: K::UNDO_ACTION,
            subject: &K::audit_subject(tx, id)?,
            before: Some(&K::audit(&current.state).to_string()),
            after: Some(&after.to_string()),
        },
    )?;
    Ok(true)
}

/// What the clerk is told when there is nothing of theirs to undo.
pub fn nothing_to_undo(lang: Lang) -> &'static str {
    lang.pick("没有可撤销的决定", "no decision of yours to undo")
}

/// A decision's audit action in the clerk's words: what it did (zh, en) and what it counts (zh
/// measure word, en singular and plural).
fn words(action: &str) -> (&str, &str, &'static str, &'static str, &'static str) {
    let (zh, en) = match action {
        "entry.seal" => ("初审盖章", "sealed"),
        "entry.register" => ("登记", "registered"),
        "entry.refuse" => ("不予登记", "refused"),
        "entry.falsified" => ("弄虚作假", "marked falsified"),
        "filing.approve" => ("准予备案", "approved"),
        "filing.reject" => ("不予备案", "rejected"),
        "applicant.accept" => ("通过", "accepted"),
        "applicant.return" => ("退回", "returned"),
        "applicant.refuse" => ("不予通过", "refused"),
        other => (other, other),
    };
    let (unit, one, many) = match action.split('.').next() {
        Some("filing") => ("件", "filing", "filings"),
        Some("applicant") => ("人", "applicant", "applicants"),
        _ => ("条", "entry", "entries"),
    };
    (zh, en, unit, one, many)
}

impl Undone {
    /// What the undo did in the clerk's words, at most `cols` terminal columns wide when it can
    /// be: `已撤销：初审盖章 3 条（张伟 临床新进展、李娜 学术年会…）` / `undone: sealed 3 entries
    /// (张伟 临床新进展, …)`, then how many were left because someone moved them on since.
    pub fn message(&self, lang: Lang, cols: usize) -> String {
        let (zh, en, unit, one, many) = words(&self.action);
        let n = self.restored.len();
        let head = match lang {
            Lang::Zh => format!("已撤销：{zh} {n} {unit}"),
            Lang::En => format!("undone: {en} {n} {}", if n == 1 { one } else { many }),
        };
        let left = self.changed_since.len();
        let tail = match (left, lang) {
            (0, _) => String::new(),
            (k, Lang::Zh) => format!("；{k} {unit}此后已有改动，保持不变"),
            (k, Lang::En) => format!("; {k} changed since, left as they are"),
        };
        let (open, sep, close) = match lang {
            Lang::Zh => ("（", "、", "）"),
            Lang::En => (" (", ", ", ")"),
        };
        // As many names as fit; `…` says there are more than shown.
        let mut best = String::new();
        for k in 1..=self.names.len() {
            let more = k < n;
            let candidate = format!(
                "{open}{}{}{close}",
                self.names[..k].join(sep),
                if more { "…" } else { "" }
            );
            if width(&head) + width(&candidate) + width(&tail) > cols {
                break;
            }
            best = candidate;
        }
        // When not even one name fits, the count alone still says what was undone.
        format!("{head}{best}{tail}")
    }
}

/// Training entries (R5.1): seal, register, refuse, falsified.
pub struct Entries;

/// An entry's decision state: its lifecycle state, the refusal reason, and whether its
/// professional-subject hours were confirmed by an explicit decision (R4.4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryDecided {
    pub state: EntryState,
    pub reason: String,
    /// `None` in the decisions an older jijiao logged: undo keeps the confirmation as it is.
    pub confirmed: Option<bool>,
}

impl EntryDecided {
    /// The state of a stored entry.
    pub fn of(rec: &entries::EntryRecord) -> EntryDecided {
        EntryDecided {
            state: rec.entry.state,
            reason: rec.reason.clone(),
            confirmed: Some(rec.confirmed),
        }
    }
}

impl Kind for Entries {
    type State = EntryDecided;
    const UNDO_ACTION: &'static str = "entry.undo";
    const NUMBER_KEY: &'static str = "batch";

    fn subject(id: i64) -> Subject {
        Subject::Entry(id)
    }

    fn read(tx: &Transaction<'_>, id: i64) -> Result<Option<Current<EntryDecided>>> {
        Ok(entries::get(tx, id)?.map(|rec| Current {
            state: EntryDecided::of(&rec),
            settled: false,
        }))
    }

    fn apply(
        tx: &Transaction<'_>,
        id: i64,
        s: &EntryDecided,
        actor: &Actor,
        now: &str,
    ) -> Result<()> {
        let confirmed = match s.confirmed {
            Some(c) => c,
            None => entries::get(tx, id)?.is_some_and(|r| r.confirmed),
        };
        entries::apply_state(tx, id, s.state, &s.reason, confirmed, &actor.user, now)?;
        // R5.2 Registering, refusing or undoing either changes what counts.
        totals::refresh_entry(tx, id)?;
        Ok(())
    }

    fn unchanged(now: &EntryDecided, left: &EntryDecided) -> bool {
        now.state == left.state
    }

    fn encode(s: &EntryDecided) -> Value {
        let mut v = json!({ "state": s.state.code(), "reason": s.reason });
        if let Some(c) = s.confirmed {
            v["confirmed"] = json!(c);
        }
        v
    }

    fn decode(v: &Value) -> Option<EntryDecided> {
        Some(EntryDecided {
            state: EntryState::parse(v["state"].as_str()?)?,
            reason: v["reason"].as_str().unwrap_or_default().to_string(),
            confirmed: v["confirmed"].as_bool(),
        })
    }

    fn audit_subject(_tx: &Transaction<'_>, id: i64) -> Result<String> {
        Ok(format!("entry:{id}"))
    }

    fn audit(s: &EntryDecided) -> Value {
        json!({ "state": s.state.code() })
    }

    /// R5.3 Undoing a falsified decision lifts the finding it made.
    fn undone(tx: &Transaction<'_>, id: i64, action: &str, actor: &Actor, now: &str) -> Result<()> {
        if action == "entry.falsified" {
            decisions::lift_findings_of_entry(tx, id, &actor.user, now, "undo")?;
        }
        Ok(())
    }
}

/// Programme filings (R4.2): approve with a date, reject with a reason.
pub struct Filings;

fn date_json(d: Option<chrono::NaiveDate>) -> Value {
    json!(d.map(|d| d.to_string()))
}

impl Kind for Filings {
    type State = FilingDecided;
    const UNDO_ACTION: &'static str = "filing.undo";
    const NUMBER_KEY: &'static str = "batch";

    fn subject(id: i64) -> Subject {
        Subject::Filing(id)
    }

    fn read(tx: &Transaction<'_>, id: i64) -> Result<Option<Current<FilingDecided>>> {
        Ok(
            decisions::filing_current(tx, id)?.map(|(_, state)| Current {
                state,
                settled: false,
            }),
        )
    }

    fn apply(
        tx: &Transaction<'_>,
        id: i64,
        s: &FilingDecided,
        _actor: &Actor,
        now: &str,
    ) -> Result<()> {
        decisions::set_filing(tx, id, s, now)?;
        // R4.3 An approval, its date or its return decides whether linked public hours count.
        totals::refresh_filing(tx, id)?;
        Ok(())
    }

    /// R4.3 The approval date is part of the decision: a new date is a new decision.
    fn unchanged(now: &FilingDecided, left: &FilingDecided) -> bool {
        now.status == left.status && now.approved_on == left.approved_on
    }

    fn encode(s: &FilingDecided) -> Value {
        json!({
            "status": s.status.code(),
            "approved_on": date_json(s.approved_on),
            "decided_by": s.decided_by,
            "decided_at": s.decided_at,
            "reason": s.reason,
        })
    }

    fn decode(v: &Value) -> Option<FilingDecided> {
        Some(FilingDecided {
            status: FilingStatus::parse(v["status"].as_str()?)?,
            approved_on: v["approved_on"]
                .as_str()
                .and_then(|s| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()),
            decided_by: v["decided_by"].as_str().map(str::to_string),
            decided_at: v["decided_at"].as_str().map(str::to_string),
            reason: v["reason"].as_str().unwrap_or_default().to_string(),
        })
    }

    fn audit_subject(tx: &Transaction<'_>, id: i64) -> Result<String> {
        let no = decisions::filing_current(tx, id)?.map_or_else(|| id.to_string(), |(no, _)| no);
        Ok(format!("filing:{no}"))
    }

    fn audit(s: &FilingDecided) -> Value {
        json!({
            "status": s.status.code(),
            "approved_on": date_json(s.approved_on),
            "decided_by": s.decided_by,
            "reason": s.reason,
        })
    }
}

/// Applicants of a verification batch (R6): accept, return with what they lack, refuse.
pub struct Applicants;

/// An applicant's triage state: where it stands, why, what it lacks (R6.4), who decided, when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplicantDecided {
    pub state: ApplicantState,
    pub reason: String,
    pub shortfall: String,
    pub decided_by: Option<String>,
    pub decided_at: Option<String>,
}

impl ApplicantDecided {
    /// The state of a stored applicant.
    pub fn of(a: &batches::Applicant) -> ApplicantDecided {
        ApplicantDecided {
            state: a.state,
            reason: a.reason.clone(),
            shortfall: a.shortfall.clone(),
            decided_by: a.decided_by.clone(),
            decided_at: a.decided_at.clone(),
        }
    }
}

impl Kind for Applicants {
    type State = ApplicantDecided;
    const UNDO_ACTION: &'static str = "applicant.undo";
    const NUMBER_KEY: &'static str = "decision";

    fn subject(id: i64) -> Subject {
        Subject::Applicant(id)
    }

    fn read(tx: &Transaction<'_>, id: i64) -> Result<Option<Current<ApplicantDecided>>> {
        Ok(batches::applicant(tx, id)?.map(|a| Current {
            state: ApplicantDecided::of(&a),
            // R7.2 A certificate rests on the acceptance: undo never takes it from under it.
            settled: a.certificate.is_some(),
        }))
    }

    fn apply(
        tx: &Transaction<'_>,
        id: i64,
        s: &ApplicantDecided,
        _actor: &Actor,
        _now: &str,
    ) -> Result<()> {
        batches::set_decision(
            tx,
            id,
            s.state,
            &s.reason,
            &s.shortfall,
            s.decided_by.as_deref(),
            s.decided_at.as_deref(),
        )?;
        Ok(())
    }

    fn unchanged(now: &ApplicantDecided, left: &ApplicantDecided) -> bool {
        now.state == left.state
    }

    fn encode(s: &ApplicantDecided) -> Value {
        json!({
            "state": s.state.code(),
            "reason": s.reason,
            "shortfall": s.shortfall,
            "decided_by": s.decided_by,
            "decided_at": s.decided_at,
        })
    }

    fn decode(v: &Value) -> Option<ApplicantDecided> {
        Some(ApplicantDecided {
            state: ApplicantState::parse(v["state"].as_str()?)?,
            reason: v["reason"].as_str().unwrap_or_default().to_string(),
            shortfall: v["shortfall"].as_str().unwrap_or_default().to_string(),
            decided_by: v["decided_by"].as_str().map(str::to_string),
            decided_at: v["decided_at"].as_str().map(str::to_string),
        })
    }

    fn audit_subject(_tx: &Transaction<'_>, id: i64) -> Result<String> {
        Ok(format!("applicant:{id}"))
    }

    fn audit(s: &ApplicantDecided) -> Value {
        json!({ "state": s.state.code() })
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;
    use crate::service::fixtures::{actor, store_with};
    use crate::service::{filings, review};
    use crate::store::schema::MIGRATIONS;

    /// 张伟's distance-education training with its evidence complete.
    const COMPLETE: &str =
        "专业,远程教育,临床新进展,湖南人才市场有限公司,2016-04-01,2016-04-30,90,合格,学习证明材料";

    fn one(store: &Store, sql: &str) -> i64 {
        store.conn().query_row(sql, [], |r| r.get(0)).unwrap()
    }

    fn text(store: &Store, sql: &str) -> Option<String> {
        store.conn().query_row(sql, [], |r| r.get(0)).unwrap()
    }

    /// Tester, 2026-11-30: undoing a decision on forty thousand entries held the screen for
    /// nine seconds without a word. The undo reports its progress, subject by subject, ending
    /// at the whole.
    #[test]
    fn an_undo_reports_its_progress_to_the_whole() {
        let mut store = store_with(&[
            COMPLETE,
            COMPLETE.replace("临床新进展", "医患沟通").as_str(),
        ]);
        let a = actor("wangfang");
        let ids: Vec<i64> = store
            .conn()
            .prepare("SELECT id FROM entries ORDER BY id")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        review::decide(
            &mut store,
            &a,
            &ids,
            &review::Decision::Seal,
            &mut |_, _| {},
        )
        .unwrap();
        let mut heard = Vec::new();
        let u = undo_last_with(&mut store, &a, &mut |done, total| heard.push((done, total)))
            .unwrap()
            .unwrap();
        assert_eq!(u.restored.len(), 2);
        assert_eq!(heard.first(), Some(&(0, 2)));
        assert_eq!(heard.last(), Some(&(2, 2)));
        assert!(heard.windows(2).all(|w| w[0].0 <= w[1].0), "{heard:?}");
        assert_eq!(
            one(
                &store,
                "SELECT count(*) FROM entries WHERE state = 'sealed'"
            ),
            0
        );
    }

    /// R5.5 One log: the clerk's last decision is undone first whatever its kind, then the one
    /// before, across kinds; each undo names what it took back.
    #[test]
    fn undo_takes_back_the_last_decision_of_any_kind_in_turn() {
        let mut store = store_with(&[COMPLETE]);
        let a = actor("wangfang");
        let entry = one(&store, "SELECT id FROM entries");
        let filing =
            filings::save_filing(&mut store, &a, &filings::sample_filing("2017-001")).unwrap();
        review::decide(
            &mut store,
            &a,
            &[entry],
            &review::Decision::Seal,
            &mut |_, _| {},
        )
        .unwrap();
        let on = NaiveDate::from_ymd_opt(2017, 7, 1).unwrap();
        filings::approve(&mut store, &a, &[filing], on).unwrap();

        let u = undo_last(&mut store, &a).unwrap().unwrap();
        assert_eq!(
            (u.action.as_str(), u.restored.as_slice()),
            ("filing.approve", &[filing][..])
        );
        assert_eq!(
            u.message(Lang::Zh, 80),
            "已撤销：准予备案 1 件（2017-001 2017年公需科目培训班）"
        );
        assert_eq!(
            text(&store, "SELECT status FROM filings").as_deref(),
            Some("pending")
        );
        assert_eq!(
            text(&store, "SELECT state FROM entries").as_deref(),
            Some("sealed"),
            "the earlier decision stands until it is undone in turn"
        );
        let u = undo_last(&mut store, &a).unwrap().unwrap();
        assert_eq!(
            u.message(Lang::En, 80),
            "undone: sealed 1 entry (张伟 临床新进展)"
        );
        assert_eq!(
            text(&store, "SELECT state FROM entries").as_deref(),
            Some("evidence_complete")
        );
        assert_eq!(undo_last(&mut store, &a).unwrap(), None);
        assert_eq!(nothing_to_undo(Lang::Zh), "没有可撤销的决定");
        // Nothing erased: both rows stay, marked undone, and the trail holds both undos.
        assert_eq!(
            one(
                &store,
                "SELECT count(*) FROM decisions WHERE undone_by = 'wangfang'"
            ),
            2
        );
        assert_eq!(
            one(
                &store,
                "SELECT count(*) FROM audit WHERE action IN ('entry.undo', 'filing.undo')"
            ),
            2
        );
        assert_eq!(audit::verify(store.conn()).unwrap().1, None);
    }

    /// Undo is per clerk: another clerk's later decision is neither undone by me nor in my way.
    #[test]
    fn my_undo_skips_another_clerks_later_decision() {
        let mut store = store_with(&[COMPLETE]);
        let me = actor("wangfang");
        let other = actor("lijun");
        let entry = one(&store, "SELECT id FROM entries");
        let filing =
            filings::save_filing(&mut store, &me, &filings::sample_filing("2017-001")).unwrap();
        review::decide(
            &mut store,
            &me,
            &[entry],
            &review::Decision::Seal,
            &mut |_, _| {},
        )
        .unwrap();
        filings::reject(&mut store, &other, &[filing], "材料不全").unwrap();
        let u = undo_last(&mut store, &me).unwrap().unwrap();
        assert_eq!(u.action, "entry.seal");
        assert_eq!(
            text(&store, "SELECT status FROM filings").as_deref(),
            Some("rejected"),
            "lijun's rejection stands"
        );
        let u = undo_last(&mut store, &other).unwrap().unwrap();
        assert_eq!(u.action, "filing.reject");
        assert_eq!(
            text(&store, "SELECT status FROM filings").as_deref(),
            Some("pending")
        );
    }

    /// R4.4 An explicit confirmation is part of the registration it came with: undoing the
    /// registration takes it back too, so registering again asks for it again.
    #[test]
    fn r4_4_undoing_a_confirmed_registration_takes_back_the_confirmation() {
        let mut store = store_with(&[COMPLETE]);
        let a = actor("wangfang");
        let id = one(&store, "SELECT id FROM entries");
        review::decide(
            &mut store,
            &a,
            &[id],
            &review::Decision::Seal,
            &mut |_, _| {},
        )
        .unwrap();
        let reg = review::Decision::Register { confirm: true };
        review::decide(&mut store, &a, &[id], &reg, &mut |_, _| {}).unwrap();
        assert_eq!(one(&store, "SELECT confirmed FROM entries"), 1);
        undo_last(&mut store, &a).unwrap().unwrap();
        assert_eq!(
            text(&store, "SELECT state FROM entries").as_deref(),
            Some("sealed")
        );
        assert_eq!(one(&store, "SELECT confirmed FROM entries"), 0);
        let again = review::decide(
            &mut store,
            &a,
            &[id],
            &review::Decision::Register { confirm: false },
            &mut |_, _| {},
        )
        .unwrap();
        assert!(again.applied.is_empty(), "the confirmation is asked again");
    }

    #[test]
    fn the_message_names_as_many_as_fit_and_counts_those_left_as_they_are() {
        let u = Undone {
            batch: 7,
            action: "entry.seal".into(),
            restored: vec![1, 2, 3],
            changed_since: vec![4],
            names: vec![
                "张伟 临床新进展".into(),
                "李娜 学术年会".into(),
                "王芳 病历书写规范".into(),
            ],
        };
        assert_eq!(
            u.message(Lang::Zh, 200),
            "已撤销：初审盖章 3 条（张伟 临床新进展、李娜 学术年会、王芳 病历书写规范）；1 条此后已有改动，保持不变"
        );
        let narrow = u.message(Lang::Zh, 80);
        assert_eq!(
            narrow,
            "已撤销：初审盖章 3 条（张伟 临床新进展…）；1 条此后已有改动，保持不变"
        );
        assert!(width(&narrow) <= 80);
        assert_eq!(
            u.message(Lang::En, 40),
            "undone: sealed 3 entries; 1 changed since, left as they are"
        );
        let applicants = Undone {
            action: "applicant.return".into(),
            restored: vec![1],
            names: vec!["孙强".into()],
            ..Undone::default()
        };
        assert_eq!(
            applicants.message(Lang::En, 80),
            "undone: returned 1 applicant (孙强)"
        );
    }

    /// Schema 8 moves the three logs of a database made by the previous release (schema 7) into
    /// one, numbered by time, with every undone state kept: the clerk's undo then takes back
    /// their decisions newest first whatever their kind, restores what each replaced (R5.3: a
    /// falsification's finding is lifted), never undoes an undone one again, and never touches
    /// another clerk's.
    #[test]
    fn a_schema_7_database_keeps_its_three_logs_in_one_and_undo_works_on_them() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.sqlite");
        {
            let conn = rusqlite::Connection::open(&path).unwrap();
            for sql in &MIGRATIONS[..7] {
                conn.execute_batch(sql).unwrap();
            }
            conn.pragma_update(None, "user_version", 7).unwrap();
            // The reference data (offices, forms) is loaded when the store opens it.
            conn.pragma_update(None, "foreign_keys", false).unwrap();
            // What the previous release wrote: the subjects as its decisions left them …
            conn.execute_batch(
                "INSERT INTO people (id, id_number, name, unit, unit_kind, city_code, created_at,
                     updated_at, initials, name_key, unit_key)
                 VALUES (1, '11010519491231002X', '张伟', '长沙市第一医院', 'city', '430100',
                     'x', 'x', 'zw', '张伟', '长沙市第一医院');
                 INSERT INTO entries (id, person_id, year, category, form, content, provider,
                     start_date, end_date, hours_tenths, result, state, reason, created_at,
                     updated_at)
                 VALUES (1, 1, 2016, 'professional', 'distance', '临床新进展',
                     '湖南人才市场有限公司', '2016-04-01', '2016-04-30', 900, 'pass', 'sealed',
                     '', 'x', 'x'),
                    (2, 1, 2016, 'professional', 'distance', '学术年会', '湖南省医学会',
                     '2016-05-01', '2016-05-02', 120, 'pass', 'refused', '签到表系伪造', 'x',
                     'x');
                 INSERT INTO findings (person_id, entry_id, reason, made_by, made_at)
                 VALUES (1, 2, '签到表系伪造', 'wangfang', '2017-07-14T11:00:00+08:00');
                 INSERT INTO filings (id, filing_no, name, category, applicant_unit, institution,
                     start_date, end_date, status, approved_on, created_at, updated_at,
                     decided_by, decided_at, reason)
                 VALUES (1, '2017-001', '2017年公需科目培训班', 'public', '湖南省人社厅',
                     '湖南师范大学', '2017-08-01', '2017-08-03', 'approved', '2017-07-10', 'x',
                     'x', 'wangfang', '2017-07-14T10:00:00+08:00', ''),
                    (2, '2017-002', '临床医学新进展研修班', 'professional', '湖南省卫健委',
                     '湖南省医学会', '2017-09-01', '2017-09-02', 'approved', '2017-07-12', 'x',
                     'x', 'lijun', '2017-07-14T13:00:00+08:00', '');
                 INSERT INTO verification_batches (id, department, department_kind,
                     application_year, office, created_by, created_at)
                 VALUES (1, '长沙市卫生健康委员会', 'city', 2017, '430100', 'wangfang', 'x');
                 INSERT INTO batch_applicants (id, batch_id, person_id, state, reason, shortfall,
                     decided_by, decided_at, verdict, added_by, added_at)
                 VALUES (1, 1, 1, 'returned', '', '2013年公需科目不足', 'wangfang',
                     '2017-07-14T12:00:00+08:00', 'short', 'wangfang', 'x');",
            )
            .unwrap();
            // … and its three logs, each numbered on its own. The entry log's batch 2 (a
            // registration) was undone already.
            conn.execute_batch(
                "INSERT INTO decisions (batch, entry_id, action, from_state, to_state, reason,
                     made_by, made_at, undone_by, undone_at)
                 VALUES (1, 1, 'entry.seal', 'evidence_complete', 'sealed', '', 'wangfang',
                     '2017-07-14T09:00:00+08:00', NULL, NULL),
                    (2, 1, 'entry.register', 'sealed', 'registered', '', 'wangfang',
                     '2017-07-14T09:30:00+08:00', 'wangfang', '2017-07-14T09:40:00+08:00'),
                    (3, 2, 'entry.falsified', 'evidence_complete', 'refused', '签到表系伪造',
                     'wangfang', '2017-07-14T11:00:00+08:00', NULL, NULL);
                 INSERT INTO filing_decisions (batch, filing_id, action, from_status,
                     from_approved_on, from_decided_by, from_decided_at, from_reason, to_status,
                     to_approved_on, reason, made_by, made_at)
                 VALUES (1, 1, 'filing.approve', 'pending', NULL, NULL, NULL, '', 'approved',
                     '2017-07-10', '', 'wangfang', '2017-07-14T10:00:00+08:00'),
                    (2, 2, 'filing.approve', 'pending', NULL, NULL, NULL, '', 'approved',
                     '2017-07-12', '', 'lijun', '2017-07-14T13:00:00+08:00');
                 INSERT INTO batch_decisions (decision, applicant_id, action, from_state,
                     from_reason, from_shortfall, from_decided_by, from_decided_at, to_state,
                     reason, shortfall, made_by, made_at)
                 VALUES (1, 1, 'applicant.return', 'undecided', '', '', NULL, NULL, 'returned',
                     '', '2013年公需科目不足', 'wangfang', '2017-07-14T12:00:00+08:00');",
            )
            .unwrap();
        }

        let mut store = Store::open(&path).unwrap();
        assert_eq!(store.schema_version().unwrap() as usize, MIGRATIONS.len());
        assert_eq!(
            one(
                &store,
                "SELECT count(*) FROM sqlite_master WHERE name IN
                     ('entry_decisions', 'filing_decisions', 'batch_decisions')"
            ),
            0,
            "the old logs are gone"
        );
        assert_eq!(
            one(&store, "SELECT count(*) FROM decisions"),
            6,
            "every row moved"
        );
        assert_eq!(
            text(
                &store,
                "SELECT action FROM decisions WHERE undone_by = 'wangfang'
                     AND undone_at = '2017-07-14T09:40:00+08:00'"
            )
            .as_deref(),
            Some("entry.register"),
            "the undone decision is still undone"
        );
        // Numbered by time, whatever the kind: seal, (register), approve, falsified, return, and
        // lijun's approval last.
        let order: Vec<String> = store
            .conn()
            .prepare("SELECT action FROM decisions ORDER BY batch")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(|r| r.unwrap())
            .collect();
        assert_eq!(
            order,
            [
                "entry.seal",
                "entry.register",
                "filing.approve",
                "entry.falsified",
                "applicant.return",
                "filing.approve"
            ]
        );

        let a = actor("wangfang");
        let u = undo_last(&mut store, &a).unwrap().unwrap();
        assert_eq!(u.message(Lang::Zh, 80), "已撤销：退回 1 人（张伟）");
        assert_eq!(
            store
                .conn()
                .query_row(
                    "SELECT state, shortfall, decided_by FROM batch_applicants",
                    [],
                    |r| Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, Option<String>>(2)?
                    ))
                )
                .unwrap(),
            ("undecided".into(), String::new(), None)
        );

        let u = undo_last(&mut store, &a).unwrap().unwrap();
        assert_eq!(
            u.message(Lang::Zh, 80),
            "已撤销：弄虚作假 1 条（张伟 学术年会）"
        );
        assert_eq!(
            text(&store, "SELECT state FROM entries WHERE id = 2").as_deref(),
            Some("evidence_complete")
        );
        assert_eq!(
            one(
                &store,
                "SELECT count(*) FROM findings WHERE lifted_at IS NULL"
            ),
            0,
            "R5.3 the finding is lifted"
        );

        let u = undo_last(&mut store, &a).unwrap().unwrap();
        assert_eq!(u.action, "filing.approve");
        assert_eq!(
            text(&store, "SELECT status FROM filings WHERE id = 1").as_deref(),
            Some("pending")
        );

        let u = undo_last(&mut store, &a).unwrap().unwrap();
        assert_eq!(u.action, "entry.seal");
        assert_eq!(
            text(&store, "SELECT state FROM entries WHERE id = 1").as_deref(),
            Some("evidence_complete")
        );
        assert_eq!(
            undo_last(&mut store, &a).unwrap(),
            None,
            "the registration was undone before the upgrade"
        );
        assert_eq!(
            text(&store, "SELECT status FROM filings WHERE id = 2").as_deref(),
            Some("approved"),
            "lijun's approval is lijun's to undo"
        );
        let u = undo_last(&mut store, &actor("lijun")).unwrap().unwrap();
        assert_eq!(u.restored, [2]);

        // A decision after the upgrade is numbered after the moved ones, so it is undone first.
        let b = filings::approve(
            &mut store,
            &a,
            &[1],
            NaiveDate::from_ymd_opt(2017, 7, 1).unwrap(),
        )
        .unwrap();
        assert_eq!(b.batch, 7);
        assert_eq!(
            undo_last(&mut store, &a).unwrap().unwrap().action,
            "filing.approve"
        );
        assert_eq!(audit::verify(store.conn()).unwrap().1, None);
    }
}
