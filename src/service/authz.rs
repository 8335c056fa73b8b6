//! R5.5 Who may do what: the roles of the system configuration, the grants of one login, the
//! maker–checker rule, and the refusals that name the rule and the role.
//!
//! Every write of the services starts with [`require`]; decisions that check someone's work
//! (seal, register, issue) also ask [`maker_checker`] about the people who made it. Without a
//! `[roles]` table (a single-clerk install) every login holds every role and nobody's work needs
//! a second person.

use crate::config::{Policy, Roles};
use crate::domain::text::clean_line;
use crate::i18n::{Describe, Lang};

use super::{Actor, Result, ServiceError};

/// A role of `[roles]` in the system configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    /// Register people, record entries, tick evidence, import rosters.
    Clerk,
    /// Seal (初审盖章), register (登记), refuse, falsification findings and their lifting,
    /// decisions on filings (备案), print record cards and register pages (R5.4).
    Reviewer,
    /// Verify batches (合格验证), issue, void, reissue, print certificates.
    Issuer,
    /// Reference data, policy, roles; the demo data set.
    Admin,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Clerk, Role::Reviewer, Role::Issuer, Role::Admin];

    /// The key of `[roles]` that lists this role's logins.
    pub fn key(self) -> &'static str {
        match self {
            Role::Clerk => "clerk",
            Role::Reviewer => "reviewer",
            Role::Issuer => "issuer",
            Role::Admin => "admin",
        }
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            Role::Clerk => lang.pick("经办员", "clerk"),
            Role::Reviewer => lang.pick("审核员", "reviewer"),
            Role::Issuer => lang.pick("出证员", "issuer"),
            Role::Admin => lang.pick("管理员", "admin"),
        }
    }

    fn bit(self) -> u8 {
        1 << self as u8
    }

    fn members(self, roles: &Roles) -> &[String] {
        match self {
            Role::Clerk => &roles.clerk,
            Role::Reviewer => &roles.reviewer,
            Role::Issuer => &roles.issuer,
            Role::Admin => &roles.admin,
        }
    }
}

/// What one login may do: its roles, whether roles are configured at all, and the office's
/// policy. Small and `Copy`, so every [`Actor`] carries it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Grants {
    roles: u8,
    configured: bool,
    one_person_may_check: bool,
}

impl Default for Grants {
    fn default() -> Grants {
        Grants::single_clerk()
    }
}

impl Grants {
    /// No `[roles]` anywhere: every role, and no maker–checker rule (one clerk does it all).
    pub fn single_clerk() -> Grants {
        Grants {
            roles: Role::ALL.iter().fold(0, |bits, r| bits | r.bit()),
            configured: false,
            one_person_may_check: true,
        }
    }

    /// The grants of `login` under the system configuration's `roles` and `policy`; `roles`
    /// `None` is a single-clerk install ([`Grants::single_clerk`]).
    pub fn of(login: &str, roles: Option<&Roles>, policy: &Policy) -> Grants {
        let Some(roles) = roles else {
            return Grants::single_clerk();
        };
        let held = Role::ALL
            .iter()
            .filter(|r| r.members(roles).iter().any(|m| m.trim() == login))
            .fold(0, |bits, r| bits | r.bit());
        Grants {
            roles: held,
            configured: true,
            one_person_may_check: policy.one_person_may_check,
        }
    }

    /// The grants of `roles` exactly, under configured roles: for tests and the interface's
    /// read-only mode.
    pub fn only(roles: &[Role], one_person_may_check: bool) -> Grants {
        Grants {
            roles: roles.iter().fold(0, |bits, r| bits | r.bit()),
            configured: true,
            one_person_may_check,
        }
    }

    pub fn holds(&self, role: Role) -> bool {
        self.roles & role.bit() != 0
    }

    /// The roles held, in [`Role::ALL`]'s order.
    pub fn roles(&self) -> Vec<Role> {
        Role::ALL.into_iter().filter(|r| self.holds(*r)).collect()
    }

    /// A login in no role: it may read, nothing more.
    pub fn read_only(&self) -> bool {
        self.roles == 0
    }

    /// Whether the system configuration names roles (else a single-clerk install).
    pub fn configured(&self) -> bool {
        self.configured
    }
}

/// A write the services perform, by the role it needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Act {
    RecordPerson,
    RecordEntry,
    TickEvidence,
    Import,
    RecordFiling,
    /// Receive a department's applicants into a verification batch (R6.3).
    ReceiveApplicants,
    Seal,
    Register,
    /// `import entries --registered`: paper history enters as registered (R5.2).
    ImportRegistered,
    Refuse,
    Falsified,
    LiftFinding,
    DecideFiling,
    VerifyBatch,
    DecideApplicants,
    Issue,
    Void,
    Reissue,
    Print,
    /// R5.4 Print a person's yearly record card or registration page.
    PrintCard,
    Demo,
    /// `audit anchor`: append the trail's head outside the database (R5.5).
    Anchor,
}

impl Act {
    /// The role this act needs.
    pub fn role(self) -> Role {
        match self {
            Act::RecordPerson
            | Act::RecordEntry
            | Act::TickEvidence
            | Act::Import
            | Act::RecordFiling
            | Act::ReceiveApplicants => Role::Clerk,
            Act::Seal
            | Act::Register
            | Act::ImportRegistered
            | Act::PrintCard
            | Act::Refuse
            | Act::Falsified
            | Act::LiftFinding
            | Act::DecideFiling => Role::Reviewer,
            Act::VerifyBatch
            | Act::DecideApplicants
            | Act::Issue
            | Act::Void
            | Act::Reissue
            | Act::Print => Role::Issuer,
            Act::Demo | Act::Anchor => Role::Admin,
        }
    }

    /// The act in the clerk's words.
    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            Act::RecordPerson => lang.pick("登记人员", "registering people"),
            Act::RecordEntry => lang.pick("记录培训", "recording entries"),
            Act::TickEvidence => lang.pick("勾选证明材料", "ticking evidence"),
            Act::Import => lang.pick("导入名册", "importing rosters"),
            Act::RecordFiling => lang.pick("填写备案", "recording filings"),
            Act::ReceiveApplicants => lang.pick("接收验证申报", "receiving applicants"),
            Act::Seal => lang.pick("初审盖章", "sealing (preliminary review)"),
            Act::Register => lang.pick("登记", "registering entries"),
            Act::ImportRegistered => {
                lang.pick("导入已登记的纸质记录", "importing registered paper history")
            }
            Act::Refuse => lang.pick("不予登记", "refusing registration"),
            Act::Falsified => lang.pick("认定弄虚作假", "finding falsification"),
            Act::LiftFinding => lang.pick("撤销弄虚作假认定", "lifting a falsification finding"),
            Act::DecideFiling => lang.pick("审批备案", "deciding on filings"),
            Act::VerifyBatch => lang.pick("合格验证", "verifying batches"),
            Act::DecideApplicants => lang.pick("审定申报人", "deciding on applicants"),
            Act::Issue => lang.pick("出具合格证明", "issuing certificates"),
            Act::Void => lang.pick("作废合格证明", "voiding certificates"),
            Act::Reissue => lang.pick("补发合格证明", "reissuing certificates"),
            Act::Print => lang.pick("打印合格证明", "printing certificates"),
            Act::PrintCard => lang.pick(
                "打印年度备案卡和登记证书页",
                "printing record cards and register pages",
            ),
            Act::Demo => lang.pick("生成演示数据", "generating demo data"),
            Act::Anchor => lang.pick("锚定审计记录", "anchoring the audit trail"),
        }
    }
}

/// Work someone made, which another must check (R5.5 maker–checker).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Made {
    /// An entry recorded, imported or corrected.
    Entry(i64),
    /// An applicant accepted in a verification batch: the person's ID number.
    Applicant(String),
    /// The new entries of a roster (its file name), imported as registered paper history by the
    /// actor: making and registering at once.
    Roster(String),
}

/// R5.5 Why a write was refused; nothing was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// A login in no role: read only.
    ReadOnly { login: String, act: Act },
    /// A login without the role `act` needs.
    Missing { login: String, act: Act },
    /// The maker of `made` may not check it.
    OwnWork { login: String, act: Act, made: Made },
}

impl Describe for Refusal {
    fn describe(&self, lang: Lang) -> String {
        match self {
            Refusal::ReadOnly { login, act } => {
                let login = clean_line(login);
                let role = act.role();
                let key = role.key();
                match lang {
                    Lang::Zh => format!(
                        "{login} 未被分配任何角色，只能查阅（check、audit verify、只读界面）：{}需要{}角色（R5.5，系统配置 [roles] {key}）",
                        act.label(lang),
                        role.label(lang)
                    ),
                    Lang::En => format!(
                        "{login} holds no role and may only read (check, audit verify, the \
                         read-only interface): {} needs the {key} role (R5.5, [roles] {key} of \
                         the system configuration)",
                        act.label(lang)
                    ),
                }
            }
            Refusal::Missing { login, act } => {
                let login = clean_line(login);
                let role = act.role();
                let key = role.key();
                match lang {
                    Lang::Zh => format!(
                        "{login} 没有{}角色，不能{}（R5.5，系统配置 [roles] {key}）",
                        role.label(lang),
                        act.label(lang)
                    ),
                    Lang::En => format!(
                        "{login} does not hold the {key} role, which {} needs (R5.5, [roles] \
                         {key} of the system configuration)",
                        act.label(lang)
                    ),
                }
            }
            Refusal::OwnWork { login, act, made } => {
                let login = clean_line(login);
                let (zh, en) = match made {
                    Made::Entry(id) => (
                        format!("条目 {id} 由 {login} 本人记录或导入"),
                        format!("entry {id} was recorded or imported by {login}"),
                    ),
                    Made::Applicant(id_number) => {
                        let id_number = clean_line(id_number);
                        (
                            format!("申报人 {id_number} 由 {login} 本人审定通过"),
                            format!("applicant {id_number} was accepted by {login}"),
                        )
                    }
                    Made::Roster(file) => {
                        let file = clean_line(file);
                        (
                            format!("名册 {file} 中的新条目由 {login} 本人导入"),
                            format!("the new entries of {file} are imported by {login}"),
                        )
                    }
                };
                match lang {
                    Lang::Zh => format!(
                        "{zh}，不能再由本人{}：经办与复核须为两人（R5.5 双人复核；小单位可在系统配置中设 [policy] one_person_may_check = true）",
                        act.label(lang)
                    ),
                    Lang::En => format!(
                        "{en}, who may not also do the {} of it: making and checking take two \
                         people (R5.5 maker–checker; a small office may set [policy] \
                         one_person_may_check = true in the system configuration)",
                        act.label(lang)
                    ),
                }
            }
        }
    }
}

/// R5.5 Refuse `act` unless `actor` holds the role it needs. The first line of every write.
pub fn require(actor: &Actor, act: Act) -> Result<()> {
    let g = &actor.grants;
    if g.holds(act.role()) {
        return Ok(());
    }
    let login = actor.user.clone();
    Err(ServiceError::Denied(if g.read_only() {
        Refusal::ReadOnly { login, act }
    } else {
        Refusal::Missing { login, act }
    }))
}

/// A maker–checker decision taken by one person because the office's policy allows it; the
/// audit record of that decision says so ([`Exception::audit`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Exception;

impl Exception {
    /// The key under which the audit record's `after` carries [`Exception::audit`].
    pub const KEY: &'static str = "exception";

    /// What the audit record says: the rule set aside and the policy that allowed it.
    pub fn audit(self) -> serde_json::Value {
        serde_json::json!({ "rule": "maker-checker", "policy": "one_person_may_check" })
    }

    /// Add the exception, when one applied, to an audit record's `after` object.
    pub fn note(applied: Option<Exception>, after: &mut serde_json::Value) {
        if let (Some(e), Some(obj)) = (applied, after.as_object_mut()) {
            obj.insert(Exception::KEY.into(), e.audit());
        }
    }
}

/// R5.5 maker–checker: may `actor` do `act` on `made`, which `makers` made? Refused when the
/// actor is one of them, unless `[policy] one_person_may_check` allows it: then
/// `Some(Exception)`, to be written into the decision's audit record. `None` when the actor is
/// not a maker, or when no roles are configured (a single clerk checks their own work).
pub fn maker_checker<'a>(
    actor: &Actor,
    act: Act,
    made: Made,
    makers: impl IntoIterator<Item = &'a str>,
) -> Result<Option<Exception>> {
    let g = &actor.grants;
    if !g.configured || !makers.into_iter().any(|m| m == actor.user) {
        return Ok(None);
    }
    if g.one_person_may_check {
        return Ok(Some(Exception));
    }
    Err(ServiceError::Denied(Refusal::OwnWork {
        login: actor.user.clone(),
        act,
        made,
    }))
}

/// The role an undone decision needs, by its audit action (`entry.seal`, `filing.approve`,
/// `applicant.accept`): undo is the decision again, backwards. `entry.falsified` undone lifts
/// the finding.
pub fn undo_act(action: &str) -> Act {
    match action.split('.').next() {
        Some("entry") if action == "entry.falsified" => Act::LiftFinding,
        Some("entry") => Act::Register,
        Some("filing") => Act::DecideFiling,
        _ => Act::DecideApplicants,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::fixtures::{actor, store_with};

    fn roles() -> Roles {
        Roles {
            clerk: vec!["wf".into(), "lj".into()],
            reviewer: vec!["lj".into()],
            issuer: vec![" zs ".into()],
            admin: vec![],
        }
    }

    fn as_(login: &str, policy: bool) -> Actor {
        let g = Grants::of(
            login,
            Some(&roles()),
            &Policy {
                one_person_may_check: policy,
            },
        );
        actor(login).with_grants(g)
    }

    #[test]
    fn r5_5_a_login_holds_the_roles_it_is_listed_in_and_no_others() {
        let policy = Policy::default();
        assert_eq!(
            Grants::of("lj", Some(&roles()), &policy).roles(),
            [Role::Clerk, Role::Reviewer]
        );
        assert_eq!(
            Grants::of("zs", Some(&roles()), &policy).roles(),
            [Role::Issuer],
            "spaces around a login in the file do not matter"
        );
        let stranger = Grants::of("nobody", Some(&roles()), &policy);
        assert!(stranger.read_only() && stranger.configured());
        let single = Grants::of("anyone", None, &policy);
        assert_eq!(single.roles(), Role::ALL);
        assert!(!single.configured());
    }

    #[test]
    fn r5_5_each_write_needs_its_role_and_the_refusal_names_rule_and_role() {
        let clerk = as_("wf", false);
        assert!(require(&clerk, Act::Import).is_ok());
        assert!(require(&clerk, Act::TickEvidence).is_ok());
        let e = require(&clerk, Act::Seal).unwrap_err();
        let zh = e.describe(Lang::Zh);
        let en = e.describe(Lang::En);
        assert!(zh.contains("wf") && zh.contains("审核员") && zh.contains("初审盖章"));
        assert!(
            zh.contains("R5.5") && zh.contains("[roles] reviewer"),
            "{zh}"
        );
        assert!(
            en.contains("does not hold the reviewer role") && en.contains("sealing"),
            "{en}"
        );
        let reviewer = as_("lj", false);
        for act in [
            Act::Issue,
            Act::Void,
            Act::Reissue,
            Act::Print,
            Act::VerifyBatch,
        ] {
            let en = require(&reviewer, act).unwrap_err().describe(Lang::En);
            assert!(en.contains("issuer role"), "{en}");
        }
        assert!(require(&reviewer, Act::Register).is_ok());
        let issuer = as_("zs", false);
        assert!(require(&issuer, Act::Issue).is_ok());
        assert!(require(&issuer, Act::Import).is_err());
        let en = require(&issuer, Act::Demo).unwrap_err().describe(Lang::En);
        assert!(en.contains("admin role"), "{en}");
    }

    #[test]
    fn r5_5_a_login_in_no_role_reads_only_and_is_told_so() {
        let nobody = as_("nobody", false);
        for act in [
            Act::Import,
            Act::Seal,
            Act::Issue,
            Act::Demo,
            Act::RecordPerson,
        ] {
            let e = require(&nobody, act).unwrap_err();
            assert!(
                matches!(e, ServiceError::Denied(Refusal::ReadOnly { .. })),
                "{e:?}"
            );
            let zh = e.describe(Lang::Zh);
            let en = e.describe(Lang::En);
            assert!(
                zh.contains("只能查阅") && zh.contains(act.role().key()),
                "{zh}"
            );
            assert!(en.contains("may only read") && en.contains(act.role().key()));
        }
        // A single-clerk install: anyone does anything.
        let solo = actor("solo");
        for act in [Act::Import, Act::Seal, Act::Issue, Act::Demo] {
            assert!(require(&solo, act).is_ok());
        }
    }

    #[test]
    fn r5_5_the_maker_cannot_check_unless_the_policy_allows_and_then_it_is_noted() {
        let lj = as_("lj", false);
        assert_eq!(
            maker_checker(&lj, Act::Seal, Made::Entry(7), ["wf"]).unwrap(),
            None,
            "another's work"
        );
        let e = maker_checker(&lj, Act::Seal, Made::Entry(7), ["wf", "lj"]).unwrap_err();
        let zh = e.describe(Lang::Zh);
        let en = e.describe(Lang::En);
        assert!(zh.contains("条目 7") && zh.contains("双人复核") && zh.contains("初审盖章"));
        assert!(
            en.contains("entry 7 was recorded or imported by lj"),
            "{en}"
        );
        assert!(en.contains("one_person_may_check"), "{en}");
        let small = as_("lj", true);
        let applied = maker_checker(&small, Act::Seal, Made::Entry(7), ["lj"]).unwrap();
        assert_eq!(applied, Some(Exception));
        let mut after = serde_json::json!({ "state": "sealed" });
        Exception::note(applied, &mut after);
        assert_eq!(after["exception"]["policy"], "one_person_may_check");
        Exception::note(None, &mut after);
        let mut plain = serde_json::json!({ "state": "sealed" });
        Exception::note(None, &mut plain);
        assert!(plain.get("exception").is_none());
        // Without roles there is no second person to ask.
        assert_eq!(
            maker_checker(
                &actor("lj"),
                Act::Issue,
                Made::Applicant("x".into()),
                ["lj"]
            )
            .unwrap(),
            None
        );
    }

    #[test]
    fn r5_5_undo_needs_the_role_of_the_decision_it_reverses() {
        assert_eq!(undo_act("entry.seal"), Act::Register);
        assert_eq!(undo_act("entry.falsified"), Act::LiftFinding);
        assert_eq!(undo_act("filing.approve"), Act::DecideFiling);
        assert_eq!(undo_act("applicant.accept"), Act::DecideApplicants);
        assert_eq!(undo_act("entry.seal").role(), Role::Reviewer);
        assert_eq!(undo_act("applicant.accept").role(), Role::Issuer);
    }

    // ------------------------------------------------------------ the services ask

    use crate::service::{batches, certificates, review};
    use crate::store::Store;

    const COMPLETE: &str =
        "专业,远程教育,临床新进展,湖南人才市场有限公司,2016-04-01,2016-04-30,90,合格,学习证明材料";

    fn with(login: &str, roles: &[Role], policy: bool) -> Actor {
        actor(login).with_grants(Grants::only(roles, policy))
    }

    fn last_audit(store: &Store, action: &str) -> (String, serde_json::Value) {
        store
            .conn()
            .query_row(
                "SELECT user, after FROM audit WHERE action = ?1 ORDER BY id DESC LIMIT 1",
                [action],
                |r| {
                    let after: String = r.get(1)?;
                    Ok((r.get(0)?, serde_json::from_str(&after).unwrap_or_default()))
                },
            )
            .unwrap()
    }

    #[test]
    fn r5_5_whoever_recorded_an_entry_neither_seals_nor_registers_it() {
        // `store_with` imports as the login "clerk".
        let mut store = store_with(&[COMPLETE]);
        let id: i64 = store
            .conn()
            .query_row("SELECT id FROM entries", [], |r| r.get(0))
            .unwrap();
        let maker = with("clerk", &[Role::Clerk, Role::Reviewer], false);
        let out = review::decide(
            &mut store,
            &maker,
            &[id],
            &review::Decision::Seal,
            &mut |_, _| {},
        )
        .unwrap();
        assert!(out.applied.is_empty());
        let (_, why) = &out.skipped[0];
        assert!(
            matches!(why, review::Skip::Denied(Refusal::OwnWork { .. })),
            "{why:?}"
        );
        assert!(
            why.describe(Lang::En)
                .contains("recorded or imported by clerk")
        );

        // A reviewer who did not record it seals; the maker, allowed by policy, registers.
        let other = with("lijun", &[Role::Reviewer], false);
        let out = review::decide(
            &mut store,
            &other,
            &[id],
            &review::Decision::Seal,
            &mut |_, _| {},
        )
        .unwrap();
        assert_eq!(out.applied, [id]);
        assert!(
            last_audit(&store, "entry.seal")
                .1
                .get("exception")
                .is_none()
        );
        let small = with("clerk", &[Role::Reviewer], true);
        let register = review::Decision::Register { confirm: true };
        let out = review::decide(&mut store, &small, &[id], &register, &mut |_, _| {}).unwrap();
        assert_eq!(out.applied, [id]);
        let (user, after) = last_audit(&store, "entry.register");
        assert_eq!(user, "clerk");
        assert_eq!(after["exception"]["policy"], "one_person_may_check");
    }

    #[test]
    fn r5_5_a_correction_makes_the_corrector_a_maker_too() {
        let mut store = store_with(&[COMPLETE]);
        let id: i64 = store
            .conn()
            .query_row("SELECT id FROM entries", [], |r| r.get(0))
            .unwrap();
        let rec = crate::store::entries::get(store.conn(), id)
            .unwrap()
            .unwrap();
        let mut changed = rec.entry.clone();
        changed.content = "临床新进展（修订）".into();
        let lijun = with("lijun", &[Role::Clerk, Role::Reviewer], false);
        crate::service::records::update_entry(
            &mut store,
            &lijun,
            id,
            &rec.entry,
            rec.filing_id,
            changed,
            rec.filing_id,
        )
        .unwrap();
        assert_eq!(
            crate::store::entries::makers(store.conn(), id).unwrap(),
            ["clerk", "lijun"]
        );
        let out = review::decide(
            &mut store,
            &lijun,
            &[id],
            &review::Decision::Seal,
            &mut |_, _| {},
        )
        .unwrap();
        assert!(out.applied.is_empty(), "{out:?}");
    }

    #[test]
    fn r5_5_whoever_accepted_an_applicant_does_not_issue_the_certificate() {
        let mut store = batches::tests::bureau();
        let batch = batches::tests::verified_batch(&mut store);
        let zhang = batches::tests::applicant_of(&store, 1);
        let acceptor = with("wangfang", &[Role::Issuer], false);
        let accepted = batches::decide(
            &mut store,
            &acceptor,
            &[zhang.id],
            &crate::domain::batch::Decision::Accept,
            &mut |_, _| {},
        )
        .unwrap();
        assert_eq!(accepted.applied, [zhang.id], "batch {batch}");
        let sig = certificates::Signature {
            clerk: "王芳".into(),
            phone: "0731-88888888".into(),
        };
        let out = batches::issue(&mut store, &acceptor, &[zhang.id], &sig, &mut |_, _| {}).unwrap();
        assert!(out.issued.is_empty());
        assert!(
            matches!(out.skipped[0].1, batches::IssueSkip::Denied(_)),
            "{out:?}"
        );
        // Nor around the batch, by ID number: no number is taken.
        let office = batches::tests::changsha(&store);
        let id = batches::tests::id(1);
        let e =
            certificates::issue(&mut store, &acceptor, &id, 2012, 2016, &office, &sig).unwrap_err();
        assert!(
            e.describe(Lang::Zh).contains("本人审定通过"),
            "{}",
            e.describe(Lang::Zh)
        );
        assert_eq!(
            batches::tests::one(&store, "SELECT count(*) FROM certificates"),
            0
        );
        // Another issuer issues.
        let other = with("lijun", &[Role::Issuer], false);
        let out = batches::issue(&mut store, &other, &[zhang.id], &sig, &mut |_, _| {}).unwrap();
        assert_eq!(out.issued.len(), 1, "{out:?}");
        assert!(
            last_audit(&store, "certificate.issue")
                .1
                .get("exception")
                .is_none()
        );
    }

    #[test]
    fn r5_5_a_small_office_issues_what_it_accepted_and_the_trail_says_so() {
        let mut store = batches::tests::bureau();
        batches::tests::verified_batch(&mut store);
        let zhang = batches::tests::applicant_of(&store, 1);
        let solo = with("wangfang", &[Role::Issuer], true);
        batches::decide(
            &mut store,
            &solo,
            &[zhang.id],
            &crate::domain::batch::Decision::Accept,
            &mut |_, _| {},
        )
        .unwrap();
        let sig = certificates::Signature {
            clerk: "王芳".into(),
            phone: "0731-88888888".into(),
        };
        let out = batches::issue(&mut store, &solo, &[zhang.id], &sig, &mut |_, _| {}).unwrap();
        assert_eq!(out.issued.len(), 1, "{out:?}");
        let (user, after) = last_audit(&store, "certificate.issue");
        assert_eq!(user, "wangfang");
        assert_eq!(after["exception"]["rule"], "maker-checker");
    }

    #[test]
    fn r5_5_a_read_only_login_writes_nothing_through_any_service() {
        let mut store = store_with(&[COMPLETE]);
        let nobody = with("visitor", &[], false);
        let id: i64 = batches::tests::one(&store, "SELECT id FROM entries");
        let denied = |e: crate::service::ServiceError| {
            assert!(
                matches!(e, ServiceError::Denied(Refusal::ReadOnly { .. })),
                "{e:?}"
            );
        };
        denied(
            review::decide(
                &mut store,
                &nobody,
                &[id],
                &review::Decision::Seal,
                &mut |_, _| {},
            )
            .unwrap_err(),
        );
        denied(review::set_evidence(&mut store, &nobody, id, "x", true).unwrap_err());
        // A decision taken while the login held a role is not undone once it holds none.
        let was = actor("visitor");
        review::decide(
            &mut store,
            &was,
            &[id],
            &review::Decision::Seal,
            &mut |_, _| {},
        )
        .unwrap();
        let before = batches::tests::one(&store, "SELECT count(*) FROM audit");
        denied(crate::service::decision::undo_last(&mut store, &nobody).unwrap_err());
        assert_eq!(
            batches::tests::one(&store, "SELECT count(*) FROM audit"),
            before
        );
    }
}
