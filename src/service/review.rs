//! R5 Review of entries: evidence, seal (初审), register (登记), refuse, mark falsified. Each
//! decision is logged through `service::decision`, which also undoes it.
//! A decision on many marked entries is one transaction; entries it cannot apply to are skipped
//! and reported, so one odd row never blocks a batch of 300.

use serde_json::json;

use crate::domain::EntryState;
use crate::domain::entry::{DecisionError, state_after_evidence};
use crate::domain::text::clean_line;
use crate::i18n::{Describe, Lang};
use crate::store::audit::{self, Record};
use crate::store::reference::Reference;
use crate::store::{Store, entries, people, totals};

use super::decision::{Entries, EntryDecided, Log};

use super::{Actor, Result, authz};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// R5.1 Preliminary review and seal by the competent department.
    Seal,
    /// R5.1 Register; `confirm` is the explicit decision R4.4 asks for professional entries
    /// without a confirmed filing.
    Register { confirm: bool },
    /// R5.1 Refuse registration, with a reason.
    Refuse { reason: String },
    /// R5.3 Falsified: refuse, and block the person's verification until lifted.
    Falsified { reason: String },
}

impl Decision {
    pub fn action(&self) -> &'static str {
        match self {
            Decision::Seal => "entry.seal",
            Decision::Register { .. } => "entry.register",
            Decision::Refuse { .. } => "entry.refuse",
            Decision::Falsified { .. } => "entry.falsified",
        }
    }

    /// R5.5 The act, by the role it needs.
    pub fn act(&self) -> authz::Act {
        match self {
            Decision::Seal => authz::Act::Seal,
            Decision::Register { .. } => authz::Act::Register,
            Decision::Refuse { .. } => authz::Act::Refuse,
            Decision::Falsified { .. } => authz::Act::Falsified,
        }
    }

    fn reason(&self) -> &str {
        match self {
            Decision::Seal | Decision::Register { .. } => "",
            Decision::Refuse { reason } | Decision::Falsified { reason } => reason,
        }
    }

    pub fn label(&self, lang: Lang) -> &'static str {
        match self {
            Decision::Seal => lang.pick("初审盖章", "seal"),
            Decision::Register { .. } => lang.pick("登记", "register"),
            Decision::Refuse { .. } => lang.pick("不予登记", "refuse"),
            Decision::Falsified { .. } => lang.pick("弄虚作假", "falsified"),
        }
    }
}

/// Why an entry was left out of a decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Skip {
    Missing,
    Rule(DecisionError),
    /// R5.5 maker–checker: the actor recorded, imported or corrected the entry.
    Denied(authz::Refusal),
}

impl Describe for Skip {
    fn describe(&self, lang: Lang) -> String {
        match self {
            Skip::Missing => lang.pick("条目不存在", "no such entry").into(),
            Skip::Rule(e) => e.describe(lang),
            Skip::Denied(r) => r.describe(lang),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outcome {
    pub batch: i64,
    pub applied: Vec<i64>,
    pub skipped: Vec<(i64, Skip)>,
}

/// Apply `decision` to `ids` in one transaction. `progress(done, total)` is called as it goes, so
/// the interface can show a long decision moving.
pub fn decide(
    store: &mut Store,
    actor: &Actor,
    ids: &[i64],
    decision: &Decision,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Outcome> {
    authz::require(actor, decision.act())?;
    // The reason is stored text: cleaned here, so every caller's is (and a reason of invisible
    // characters only is as empty as it looks).
    let decision = &match decision {
        Decision::Refuse { reason } => Decision::Refuse {
            reason: clean_line(reason),
        },
        Decision::Falsified { reason } => Decision::Falsified {
            reason: clean_line(reason),
        },
        other => other.clone(),
    };
    let now = actor.stamp();
    let tx = store.write()?;
    let decision_log = Log::begin(&tx)?;
    let batch = decision_log.number();
    let mut out = Outcome {
        batch,
        ..Outcome::default()
    };
    for (i, &id) in ids.iter().enumerate() {
        progress(i, ids.len());
        let Some(rec) = entries::get(&tx, id)? else {
            out.skipped.push((id, Skip::Missing));
            continue;
        };
        let e = &rec.entry;
        let check = match decision {
            Decision::Seal => e.can_seal(),
            Decision::Register { confirm } => e.can_register(rec.filing.as_ref(), *confirm),
            Decision::Refuse { reason } | Decision::Falsified { reason } => e.can_refuse(reason),
        };
        if let Err(err) = check {
            out.skipped.push((id, Skip::Rule(err)));
            continue;
        }
        // R5.5 maker–checker: whoever made the entry neither seals nor registers it.
        let exception = match decision {
            Decision::Seal | Decision::Register { .. } => {
                let makers = entries::makers(&tx, id)?;
                let made = authz::Made::Entry(id);
                match authz::maker_checker(
                    actor,
                    decision.act(),
                    made,
                    makers.iter().map(|m| m.as_str()),
                ) {
                    Ok(applied) => applied,
                    Err(super::ServiceError::Denied(r)) => {
                        out.skipped.push((id, Skip::Denied(r)));
                        continue;
                    }
                    Err(e) => return Err(e),
                }
            }
            _ => None,
        };
        let to = match decision {
            Decision::Seal => EntryState::Sealed,
            Decision::Register { .. } => EntryState::Registered,
            Decision::Refuse { .. } | Decision::Falsified { .. } => EntryState::Refused,
        };
        let confirmed = rec.confirmed
            || matches!(decision, Decision::Register { confirm: true })
                && e.recognition(rec.filing.as_ref()).needs_confirmation();
        let reason = decision.reason().trim();
        let to_state = EntryDecided {
            state: to,
            reason: reason.to_string(),
            confirmed: Some(confirmed),
        };
        decision_log.record::<Entries>(
            &tx,
            actor,
            &now,
            id,
            decision.action(),
            &EntryDecided::of(&rec),
            &to_state,
            reason,
        )?;
        if let Decision::Falsified { reason } = decision {
            people::add_finding(
                &tx,
                rec.person_id,
                Some(id),
                reason.trim(),
                &actor.user,
                &now,
            )?;
        }
        let mut after = json!({ "state": to.code(), "reason": reason, "batch": batch });
        authz::Exception::note(exception, &mut after);
        audit::append(
            &tx,
            &Record {
                at: &now,
                user: &actor.user,
                action: decision.action(),
                subject: &format!("entry:{id}"),
                before: Some(&json!({ "state": e.state.code() }).to_string()),
                after: Some(&after.to_string()),
            },
        )?;
        out.applied.push(id);
    }
    progress(ids.len(), ids.len());
    tx.commit()?;
    Ok(out)
}

/// R3 Mark one evidence item received or not. Evidence is settled once an entry is sealed.
pub fn set_evidence(
    store: &mut Store,
    actor: &Actor,
    entry_id: i64,
    code: &str,
    received: bool,
) -> Result<std::result::Result<EntryState, Skip>> {
    authz::require(actor, authz::Act::TickEvidence)?;
    let reference = Reference::load(store)?;
    let now = actor.stamp();
    let tx = store.write()?;
    let Some(rec) = entries::get(&tx, entry_id)? else {
        return Ok(Err(Skip::Missing));
    };
    let state = rec.entry.state;
    if !matches!(state, EntryState::Recorded | EntryState::EvidenceComplete) {
        return Ok(Err(Skip::Rule(DecisionError::WrongState {
            from: state,
            to: EntryState::EvidenceComplete,
        })));
    }
    let changed = if received {
        let codes = std::iter::once(code.to_string()).collect();
        entries::add_evidence(&tx, entry_id, &codes, &actor.user, &now)?
    } else {
        entries::remove_evidence(&tx, entry_id, code)?
    };
    let have = entries::evidence(&tx, entry_id)?;
    let complete = reference
        .checklist(rec.entry.form)
        .is_some_and(|l| l.is_complete(&have));
    let next = state_after_evidence(state, complete);
    if changed > 0 {
        if next != state {
            entries::set_state(&tx, entry_id, next, &now)?;
            // Neither state counts today (R5.2); kept in step all the same, as every state change.
            totals::refresh_person(&tx, rec.person_id)?;
        }
        audit::append(
            &tx,
            &Record {
                at: &now,
                user: &actor.user,
                action: if received {
                    "evidence.receive"
                } else {
                    "evidence.withdraw"
                },
                subject: &format!("entry:{entry_id}"),
                before: Some(&json!({ "state": state.code() }).to_string()),
                after: Some(&json!({ "state": next.code(), "code": code }).to_string()),
            },
        )?;
    }
    tx.commit()?;
    Ok(Ok(next))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::check::check;
    use crate::service::fixtures::{ZHANG, actor, store_with};

    const COMPLETE: &str =
        "专业,远程教育,临床新进展,湖南人才市场有限公司,2016-04-01,2016-04-30,90,合格,学习证明材料";
    const BARE: &str =
        "专业,学术会议,学术年会,湖南省医学会,2016-05-01,2016-05-02,12,合格,学术会议邀请函";

    fn ids(store: &Store) -> Vec<i64> {
        let mut stmt = store
            .conn()
            .prepare("SELECT id FROM entries ORDER BY id")
            .unwrap();
        stmt.query_map([], |r| r.get(0))
            .unwrap()
            .map(|r| r.unwrap())
            .collect()
    }

    fn state(store: &Store, id: i64) -> EntryState {
        entries::get(store.conn(), id).unwrap().unwrap().entry.state
    }

    #[test]
    fn r5_1_seal_then_register_skips_the_incomplete_entry_and_counts_hours() {
        let mut store = store_with(&[COMPLETE, BARE]);
        let a = actor("wangfang");
        let all = ids(&store);
        let mut calls = 0;
        let out = decide(&mut store, &a, &all, &Decision::Seal, &mut |_, _| {
            calls += 1
        })
        .unwrap();
        assert_eq!(out.applied, vec![all[0]]);
        assert_eq!(
            out.skipped,
            vec![(all[1], Skip::Rule(DecisionError::EvidenceIncomplete))]
        );
        assert!(calls >= 2, "progress is reported");

        // R4.4: a professional entry without filing needs the explicit confirmation.
        let refused = decide(
            &mut store,
            &a,
            &all[..1],
            &Decision::Register { confirm: false },
            &mut |_, _| {},
        )
        .unwrap();
        assert!(refused.applied.is_empty());
        decide(
            &mut store,
            &a,
            &all[..1],
            &Decision::Register { confirm: true },
            &mut |_, _| {},
        )
        .unwrap();
        assert_eq!(state(&store, all[0]), EntryState::Registered);
        let r = check(&store, ZHANG, 2016, 2016).unwrap();
        assert_eq!(r.verification.years[0].professional.to_string(), "90");
        let who: String = store
            .conn()
            .query_row(
                "SELECT registered_by FROM entries WHERE id = ?1",
                [all[0]],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(who, "wangfang", "R5.5 the decision says who made it");
    }

    #[test]
    fn r3_evidence_completes_an_entry_and_is_locked_after_sealing() {
        let mut store = store_with(&[BARE]);
        let a = actor("wangfang");
        let id = ids(&store)[0];
        assert_eq!(state(&store, id), EntryState::Recorded);
        let s = set_evidence(&mut store, &a, id, "attendance_receipt", true).unwrap();
        assert_eq!(s, Ok(EntryState::EvidenceComplete));
        let s = set_evidence(&mut store, &a, id, "attendance_receipt", false).unwrap();
        assert_eq!(s, Ok(EntryState::Recorded));
        set_evidence(&mut store, &a, id, "attendance_receipt", true)
            .unwrap()
            .unwrap();
        decide(&mut store, &a, &[id], &Decision::Seal, &mut |_, _| {}).unwrap();
        assert!(
            set_evidence(&mut store, &a, id, "attendance_receipt", false)
                .unwrap()
                .is_err()
        );
    }

    #[test]
    fn r5_3_falsified_blocks_the_person_and_undo_lifts_it() {
        let mut store = store_with(&[COMPLETE]);
        let a = actor("wangfang");
        let id = ids(&store)[0];
        let empty = decide(
            &mut store,
            &a,
            &[id],
            &Decision::Falsified { reason: " ".into() },
            &mut |_, _| {},
        )
        .unwrap();
        assert_eq!(
            empty.skipped,
            vec![(id, Skip::Rule(DecisionError::ReasonRequired))]
        );
        decide(
            &mut store,
            &a,
            &[id],
            &Decision::Falsified {
                reason: "签到表系伪造".into(),
            },
            &mut |_, _| {},
        )
        .unwrap();
        assert!(
            check(&store, ZHANG, 2016, 2016)
                .unwrap()
                .verification
                .blocked
        );
        assert_eq!(state(&store, id), EntryState::Refused);

        let undone = crate::service::decision::undo_last(&mut store, &a)
            .unwrap()
            .unwrap();
        assert_eq!(undone.restored, vec![id]);
        assert_eq!(state(&store, id), EntryState::EvidenceComplete);
        assert!(
            !check(&store, ZHANG, 2016, 2016)
                .unwrap()
                .verification
                .blocked
        );
        // The undo is recorded, the decision is not erased.
        let n: i64 = store
            .conn()
            .query_row(
                "SELECT count(*) FROM audit WHERE action IN ('entry.falsified', 'entry.undo')",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(n, 2);
        assert!(
            crate::service::decision::undo_last(&mut store, &a)
                .unwrap()
                .is_none(),
            "nothing left to undo"
        );
    }

    #[test]
    fn undo_is_per_clerk_and_leaves_entries_others_moved_on() {
        let mut store = store_with(&[COMPLETE]);
        let id = ids(&store)[0];
        decide(
            &mut store,
            &actor("wangfang"),
            &[id],
            &Decision::Seal,
            &mut |_, _| {},
        )
        .unwrap();
        assert!(
            crate::service::decision::undo_last(&mut store, &actor("lijun"))
                .unwrap()
                .is_none()
        );
        decide(
            &mut store,
            &actor("lijun"),
            &[id],
            &Decision::Register { confirm: true },
            &mut |_, _| {},
        )
        .unwrap();
        let undone = crate::service::decision::undo_last(&mut store, &actor("wangfang"))
            .unwrap()
            .unwrap();
        assert_eq!(undone.changed_since, vec![id]);
        assert_eq!(state(&store, id), EntryState::Registered);
    }
}
