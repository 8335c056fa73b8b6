//! R7 Issuing certificates: only on a passing verification (R7.3), numbered without gaps or
//! duplicates per office and year (R7.2), voided with a reason and reissued with a new number
//! that refers to the old, and printed from what was issued (R7.4).

use chrono::Datelike;
use rusqlite::OptionalExtension;
use serde_json::json;

use crate::config::OfficeConfig;
use crate::domain::certificate::{CertificateNumber, CertificateText};
use crate::domain::routing::offices_for;
use crate::domain::text::{clean_line, reveal_invisible};
use crate::domain::verification::Verification;
use crate::domain::{IdNumber, Office};
use crate::i18n::{Describe, Lang};
use crate::store::audit::{self, AuditKey, Record};
use crate::store::certificates::{self, Stored};
use crate::store::reference::Reference;
use crate::store::{Store, people};

use super::check::{CheckResult, check, check_on, to_json};
use super::{Actor, Result, ServiceError};

/// Who signs and where to call, printed on the stub (R7.1) and frozen with the text at issue
/// (R7.4).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Signature {
    /// The handling clerk's name (经办人), as configured in `[office.clerk_names]`.
    pub clerk: String,
    /// The office's contact phone, `[office] phone`.
    pub phone: String,
}

impl Signature {
    /// R7.1 The stub's signature for `login` from the office configuration: the clerk's
    /// configured name (never the login) and the office phone. Refused with
    /// [`Refusal::Unsigned`], naming the missing configuration keys, when either is blank.
    pub fn configured(office: &OfficeConfig, login: &str) -> Outcome<Signature> {
        let sig = Signature {
            clerk: office.clerk_name(login).unwrap_or_default().to_string(),
            phone: office.contact_phone().unwrap_or_default().to_string(),
        };
        sig.check(login).map(|()| sig)
    }

    /// R7.1 A stub needs both the clerk's name and the phone; `login` is only named in the
    /// refusal, so the clerk knows which key of `[office.clerk_names]` to set.
    pub fn check(&self, login: &str) -> Outcome<()> {
        let clerk = clean_line(&self.clerk).is_empty();
        let phone = clean_line(&self.phone).is_empty();
        if clerk || phone {
            return Err(Refusal::Unsigned {
                login: clean_line(login),
                clerk,
                phone,
            });
        }
        Ok(())
    }
}

/// Why a certificate was not issued, voided or printed: nothing was written and no number used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// R7.3 The verification does not pass (short years, or blocked).
    NotPassing(Verification),
    /// A valid certificate already covers this person and period: reprint it instead.
    AlreadyIssued(String),
    NoOffice,
    UnknownOffice(String),
    /// R6.2 This office does not verify this person.
    WrongOffice {
        office: String,
        expected: Vec<String>,
    },
    NotFound(String),
    AlreadyVoided(String),
    Voided(String),
    ReasonRequired,
    BadNumber(String),
    /// R7.1 The stub would lack the handling clerk's name (`clerk`) or the contact phone
    /// (`phone`): the configuration must name them before anything is issued. `login` is the
    /// acting clerk's login, the key to set under `[office.clerk_names]`.
    Unsigned {
        login: String,
        clerk: bool,
        phone: bool,
    },
}

impl Refusal {
    /// The configuration lines an [`Refusal::Unsigned`] asks for, as an administrator writes
    /// them: `[office] phone = "…"`, `[office.clerk_names] LOGIN = "…"`.
    fn missing_keys(login: &str, clerk: bool, phone: bool, lang: Lang) -> String {
        let name = lang.pick("姓名", "NAME");
        let mut keys = Vec::new();
        if phone {
            keys.push("[office] phone = \"…\"".to_string());
        }
        if clerk {
            keys.push(format!("[office.clerk_names] {login} = \"{name}\""));
        }
        keys.join(lang.pick("；", "; "))
    }
}

impl Describe for Refusal {
    fn describe(&self, lang: Lang) -> String {
        match (self, lang) {
            (Refusal::NotPassing(v), Lang::Zh) if v.blocked => {
                "该人员有未解除的弄虚作假记录，不予出具合格证明（R5.3、R7.3）".into()
            }
            (Refusal::NotPassing(v), Lang::En) if v.blocked => {
                "this person has an unlifted falsification finding: no certificate (R5.3, R7.3)"
                    .into()
            }
            (Refusal::NotPassing(v), Lang::Zh) => {
                let short: Vec<String> = v
                    .years
                    .iter()
                    .filter(|y| !y.pass())
                    .map(|y| y.year.to_string())
                    .collect();
                format!(
                    "{}—{}年验证不合格（{}年未达要求），不予出具合格证明（R7.3）",
                    v.from,
                    v.to,
                    short.join("、")
                )
            }
            (Refusal::NotPassing(v), Lang::En) => {
                let short: Vec<String> = v
                    .years
                    .iter()
                    .filter(|y| !y.pass())
                    .map(|y| y.year.to_string())
                    .collect();
                format!(
                    "verification {}–{} fails (short in {}): no certificate (R7.3)",
                    v.from,
                    v.to,
                    short.join(", ")
                )
            }
            (Refusal::AlreadyIssued(n), Lang::Zh) => {
                format!("该人员本期已有有效合格证明 {n}，如需再打请用 print（补打）")
            }
            (Refusal::AlreadyIssued(n), Lang::En) => format!(
                "a valid certificate {n} already covers this period: use print to reprint it"
            ),
            (Refusal::NoOffice, Lang::Zh) => {
                "未指定出具单位：请用 --office，或在配置文件 [office] 中设置 name".into()
            }
            (Refusal::NoOffice, Lang::En) => {
                "no issuing office: use --office or set name in [office] of the configuration"
                    .into()
            }
            (Refusal::UnknownOffice(o), Lang::Zh) => {
                format!("无法识别的出具单位“{o}”，应为14个市州之一或省直")
            }
            (Refusal::UnknownOffice(o), Lang::En) => {
                format!("unknown office \"{o}\": expected one of the 14 divisions or 省直")
            }
            (Refusal::WrongOffice { office, expected }, Lang::Zh) => {
                format!(
                    "按R6.2，该人员应由{}验证，不由{office}办理",
                    expected.join("或")
                )
            }
            (Refusal::WrongOffice { office, expected }, Lang::En) => {
                format!(
                    "under R6.2 this person is verified by {}, not by {office}",
                    expected.join(" or ")
                )
            }
            (Refusal::NotFound(n), Lang::Zh) => format!("没有编号为 {n} 的合格证明"),
            (Refusal::NotFound(n), Lang::En) => format!("no certificate numbered {n}"),
            (Refusal::AlreadyVoided(n), Lang::Zh) => format!("合格证明 {n} 已作废"),
            (Refusal::AlreadyVoided(n), Lang::En) => format!("certificate {n} is already void"),
            (Refusal::Voided(n), Lang::Zh) => {
                format!("合格证明 {n} 已作废，不能打印；请打印补发的新证明")
            }
            (Refusal::Voided(n), Lang::En) => {
                format!("certificate {n} is void and cannot be printed: print its reissue")
            }
            (Refusal::ReasonRequired, Lang::Zh) => "请填写理由".into(),
            (Refusal::ReasonRequired, Lang::En) => "a reason is required".into(),
            (Refusal::BadNumber(n), Lang::Zh) => {
                format!("“{n}”不是合格证明编号，应如 长沙—2017—0001")
            }
            (Refusal::BadNumber(n), Lang::En) => {
                format!("\"{n}\" is not a certificate number, expected e.g. 长沙—2017—0001")
            }
            (
                Refusal::Unsigned {
                    login,
                    clerk,
                    phone,
                },
                Lang::Zh,
            ) => {
                let what = match (clerk, phone) {
                    (true, true) => "经办人姓名和联系电话",
                    (true, false) => "经办人姓名",
                    _ => "联系电话",
                };
                format!(
                    "合格证明存根须有{what}（R7.1），未出具、未占用编号：请在配置文件中设置 {}（登录名不作为经办人打印）",
                    Refusal::missing_keys(login, *clerk, *phone, lang)
                )
            }
            (
                Refusal::Unsigned {
                    login,
                    clerk,
                    phone,
                },
                Lang::En,
            ) => {
                let what = match (clerk, phone) {
                    (true, true) => "the handling clerk's name and the contact phone",
                    (true, false) => "the handling clerk's name",
                    _ => "the contact phone",
                };
                format!(
                    "a certificate stub needs {what} (R7.1); nothing issued, no number used: set {} in the configuration (a login is never printed as the clerk)",
                    Refusal::missing_keys(login, *clerk, *phone, lang)
                )
            }
        }
    }
}

pub type Outcome<T> = std::result::Result<T, Refusal>;

/// The office a certificate is issued by: `--office`, else the configured office.
pub fn resolve_office(reference: &Reference, name: Option<&str>) -> Outcome<Office> {
    let name = name
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .ok_or(Refusal::NoOffice)?;
    reference
        .office(&clean_line(name))
        .cloned()
        .ok_or_else(|| Refusal::UnknownOffice(reveal_invisible(name)))
}

/// R7.3, R7.2 Issue a certificate to `id_number` for `from..=to` from `office`.
pub fn issue(
    store: &mut Store,
    actor: &Actor,
    id_number: &str,
    from: i32,
    to: i32,
    office: &Office,
    sig: &Signature,
) -> Result<Outcome<Stored>> {
    super::authz::require(actor, super::authz::Act::Issue)?;
    let result = check(store, id_number, from, to)?;
    issue_checked(store, actor, &result, office, sig, None, "")
}

fn issue_checked(
    store: &mut Store,
    actor: &Actor,
    result: &CheckResult,
    office: &Office,
    sig: &Signature,
    replaces: Option<&Stored>,
    reason: &str,
) -> Result<Outcome<Stored>> {
    // R7.1 Before anything else, so a stub without clerk or phone never takes a number.
    if let Err(r) = sig.check(&actor.user) {
        return Ok(Err(r));
    }
    if !result.verification.pass() {
        return Ok(Err(Refusal::NotPassing(result.verification.clone())));
    }
    let allowed = offices_for(&result.person);
    if !allowed.contains(&office.code) {
        let reference = Reference::load(store)?;
        let expected = allowed
            .iter()
            .map(|c| {
                reference
                    .office_by_code(c)
                    .map_or_else(|| c.clone(), |o| o.short.clone())
            })
            .collect();
        return Ok(Err(Refusal::WrongOffice {
            office: office.short.clone(),
            expected,
        }));
    }
    let now = actor.stamp();
    let today = actor.today();
    let tx = store.write()?;
    // Verify again under the write lock: a finding or a refusal recorded by another clerk since
    // the first check must not slip through (R5.3, R7.3).
    let fresh = check_on(
        &tx,
        result.person.id_number.as_str(),
        result.verification.from,
        result.verification.to,
    )?;
    if !fresh.verification.pass() {
        return Ok(Err(Refusal::NotPassing(fresh.verification)));
    }
    let result = &fresh;
    let v = &result.verification;
    let (person_id, person) = people::find_by_id_number(&tx, result.person.id_number.as_str())?
        .ok_or_else(|| ServiceError::UnknownPerson(result.person.id_number.to_string()))?;
    // R5.5 maker–checker: whoever accepted the applicant does not issue the certificate.
    let acceptors = crate::store::batches::acceptors(&tx, person_id, v.from, v.to)?;
    let exception = super::authz::maker_checker(
        actor,
        replaces.map_or(super::authz::Act::Issue, |_| super::authz::Act::Reissue),
        super::authz::Made::Applicant(person.id_number.to_string()),
        acceptors.iter().map(|a| a.as_str()),
    )?;
    // A reissue voids the old certificate unless a clerk already did, whose record stands.
    let voids_now = replaces.filter(|old| old.voided.is_none());
    if let Some(old) = voids_now {
        certificates::void(&tx, old.id, reason, &actor.user, &now)?;
    }
    // Checked inside the write lock, so two clerks cannot both issue for one period.
    if let Some(existing) = certificates::valid_for(&tx, person_id, v.from, v.to)? {
        return Ok(Err(Refusal::AlreadyIssued(
            existing.text.number.to_string(),
        )));
    }
    let sequence = certificates::next_sequence(&tx, &office.short, today.year())?;
    let text = CertificateText {
        name: person.name.clone(),
        unit: person.unit.clone(),
        title: person.title.clone(),
        number: CertificateNumber {
            office: office.short.clone(),
            year: today.year(),
            sequence,
        },
        clerk: sig.clerk.clone(),
        phone: sig.phone.clone(),
        from: v.from,
        to: v.to,
        date: today,
    };
    let verification = to_json(result).to_string();
    let number = text.number.to_string();
    // The head before this issue writes anything: the code anchors the trail as it stood.
    let head = audit::head(&tx)?;
    let code = audit::key_of(&tx)?
        .0
        .map(|k| verification_code(&k, &number, person.id_number.as_str(), &head.hash));
    let id = certificates::insert(
        &tx,
        person_id,
        &text,
        &verification,
        replaces.map(|r| r.id),
        code.as_deref(),
        &actor.user,
        &now,
    )?;
    if let Some(old) = voids_now {
        audit::append(
            &tx,
            &Record {
                at: &now,
                user: &actor.user,
                action: "certificate.void",
                subject: &format!("certificate:{}", old.text.number),
                before: None,
                after: Some(&json!({ "reason": reason, "replaced_by": number }).to_string()),
            },
        )?;
    }
    audit::append(
        &tx,
        &Record {
            at: &now,
            user: &actor.user,
            action: if replaces.is_some() {
                "certificate.reissue"
            } else {
                "certificate.issue"
            },
            subject: &format!("certificate:{number}"),
            before: None,
            after: Some(&{
                let mut after = json!({
                    "person": person.id_number.as_str(),
                    // R7.2 Also in the number; stated so `audit verify` holds the column.
                    "office": office.short,
                    "from": v.from,
                    "to": v.to,
                    "replaces": replaces.map(|r| r.text.number.to_string()),
                    "verification": serde_json::from_str::<serde_json::Value>(&verification).unwrap_or_default(),
                    // What the certificate says (R7.4), so `audit verify` finds it changed.
                    "name": text.name,
                    "unit": text.unit,
                    "title": text.title,
                    "clerk": text.clerk,
                    "phone": text.phone,
                    "issued_on": text.date.to_string(),
                    "code": code,
                    "head": head.hash,
                });
                super::authz::Exception::note(exception, &mut after);
                after.to_string()
            }),
        },
    )?;
    // R7.3 A batch row that named the old certificate names its replacement, in the same
    // transaction and with its record, so the batch screen never shows a voided number as the
    // applicant's certificate.
    if let Some(old) = replaces {
        for applicant in crate::store::batches::holding_certificate(&tx, old.id)? {
            crate::store::batches::set_certificate(&tx, applicant, id)?;
            audit::append(
                &tx,
                &Record {
                    at: &now,
                    user: &actor.user,
                    action: "applicant.certificate",
                    subject: &format!("applicant:{applicant}"),
                    before: None,
                    after: Some(&json!({ "certificate": number }).to_string()),
                },
            )?;
        }
    }
    let stored = certificates::get(&tx, id)?;
    tx.commit()?;
    Ok(stored.ok_or_else(|| Refusal::NotFound(number.clone())))
}

fn find(store: &Store, number: &str) -> Result<Outcome<Stored>> {
    let Some(n) = CertificateNumber::parse(&clean_line(number)) else {
        return Ok(Err(Refusal::BadNumber(reveal_invisible(number))));
    };
    Ok(certificates::by_number(store.conn(), &n)?.ok_or_else(|| Refusal::NotFound(n.to_string())))
}

/// Void a certificate; its number stays used (R7.2).
pub fn void(
    store: &mut Store,
    actor: &Actor,
    number: &str,
    reason: &str,
) -> Result<Outcome<Stored>> {
    super::authz::require(actor, super::authz::Act::Void)?;
    let reason = clean_line(reason);
    if reason.is_empty() {
        return Ok(Err(Refusal::ReasonRequired));
    }
    let cert = match find(store, number)? {
        Ok(c) => c,
        Err(r) => return Ok(Err(r)),
    };
    if cert.voided.is_some() {
        return Ok(Err(Refusal::AlreadyVoided(cert.text.number.to_string())));
    }
    let now = actor.stamp();
    let tx = store.write()?;
    certificates::void(&tx, cert.id, &reason, &actor.user, &now)?;
    audit::append(
        &tx,
        &Record {
            at: &now,
            user: &actor.user,
            action: "certificate.void",
            subject: &format!("certificate:{}", cert.text.number),
            before: None,
            after: Some(&json!({ "reason": reason }).to_string()),
        },
    )?;
    let stored = certificates::get(&tx, cert.id)?;
    tx.commit()?;
    Ok(stored.ok_or_else(|| Refusal::NotFound(number.to_string())))
}

/// Void `number` (if not yet) and issue a new certificate for the same person and period that
/// refers to it, after verifying again (R7.2, R7.3).
pub fn reissue(
    store: &mut Store,
    actor: &Actor,
    number: &str,
    reason: &str,
    sig: &Signature,
) -> Result<Outcome<Stored>> {
    super::authz::require(actor, super::authz::Act::Reissue)?;
    let reason = clean_line(reason);
    if reason.is_empty() {
        return Ok(Err(Refusal::ReasonRequired));
    }
    let old = match find(store, number)? {
        Ok(c) => c,
        Err(r) => return Ok(Err(r)),
    };
    let reference = Reference::load(store)?;
    let Some(office) = reference
        .offices
        .iter()
        .find(|o| o.short == old.text.number.office)
        .cloned()
    else {
        return Ok(Err(Refusal::UnknownOffice(old.text.number.office.clone())));
    };
    let person = people::get(store.conn(), old.person_id)?
        .ok_or_else(|| ServiceError::UnknownPerson(old.person_id.to_string()))?;
    let result = check(store, person.id_number.as_str(), old.text.from, old.text.to)?;
    issue_checked(store, actor, &result, &office, sig, Some(&old), &reason)
}

/// The certificate to print, and whether this print is a reprint (R7.4).
pub fn for_print(store: &Store, number: &str) -> Result<Outcome<(Stored, bool)>> {
    let cert = match find(store, number)? {
        Ok(c) => c,
        Err(r) => return Ok(Err(r)),
    };
    if cert.voided.is_some() {
        return Ok(Err(Refusal::Voided(cert.text.number.to_string())));
    }
    let reprint = cert.prints > 0;
    Ok(Ok((cert, reprint)))
}

/// Parse an ID number for a caller that has only text (a command-line argument, say); a
/// pasted one may carry invisible characters, which are removed first.
pub fn parse_id(s: &str) -> Result<IdNumber> {
    IdNumber::parse(&clean_line(s)).map_err(|error| ServiceError::IdNumber {
        value: s.to_string(),
        error,
    })
}

// ---------------------------------------------------------------------------------------------
// Verification codes: every certificate on paper anchors the trail.

/// Crockford's base32: no I, L, O or U, so a code read aloud or retyped is not misread.
const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// The verification code of certificate `number` issued to `id_number` when the trail's head
/// was `head`: the first 50 bits of their HMAC-SHA256 under the audit key, as 10 characters of
/// Crockford base32 grouped `ABCDE-FGHJK`. Without the key nobody can make one that fits, and
/// since the head is in it, a paper certificate vouches for the trail up to its issue.
pub fn verification_code(key: &AuditKey, number: &str, id_number: &str, head: &str) -> String {
    let mac = key.sign(&["jijiao certificate code", number, id_number, head]);
    let bits = mac[..7]
        .iter()
        .fold(0u64, |acc, b| (acc << 8) | u64::from(*b))
        >> 6;
    let mut code = String::with_capacity(11);
    for i in 0..10 {
        if i == 5 {
            code.push('-');
        }
        let index = ((bits >> (45 - 5 * i)) & 31) as usize;
        code.push(char::from(CROCKFORD[index]));
    }
    code
}

/// A code as someone typed it from paper, in the printed form `ABCDE-FGHJK`: case, blanks and
/// hyphens do not matter, and O, I and L are read as 0, 1 and 1 as Crockford prescribes.
/// `None` when it is not 10 such characters.
pub fn normalise_code(typed: &str) -> Option<String> {
    let mut out = String::with_capacity(11);
    for c in typed
        .chars()
        .filter(|c| !matches!(c, '-' | ' ' | '\u{3000}' | '—' | '－'))
    {
        let c = match c.to_ascii_uppercase() {
            'O' => '0',
            'I' | 'L' => '1',
            c => c,
        };
        if !c.is_ascii() || !CROCKFORD.contains(&(c as u8)) {
            return None;
        }
        if out.len() == 5 {
            out.push('-');
        }
        out.push(c);
    }
    (out.len() == 11).then_some(out)
}

/// What the audit trail says of a certificate the database holds, where the two disagree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TrailSays {
    /// Record `record` voided it at `at` (RFC 3339) for `reason`; the database shows it valid.
    Voided {
        record: i64,
        at: String,
        reason: String,
    },
    /// Record `record` issued it and nothing voided it since; the database shows it void.
    Valid { record: i64 },
    /// The trail never issued it: the row was written behind the trail.
    NeverIssued,
}

/// What `jijiao verify-code NUMBER CODE` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodeCheck {
    /// The code is this certificate's and it stands.
    Valid(Stored),
    /// The code is this certificate's, but it was voided; `replaced_by` is its reissue.
    Voided {
        cert: Stored,
        replaced_by: Option<String>,
    },
    /// A certificate of this number exists and this is not its code (`before_codes`: it was
    /// issued before verification codes, so no code can confirm it).
    NotGenuine { number: String, before_codes: bool },
    /// The code is this certificate's, but the database and the audit trail disagree on
    /// whether it stands (a void written or taken back behind the trail): not confirmed.
    Disagrees { number: String, trail: TrailSays },
    /// No certificate has this number.
    NoSuchNumber(String),
    /// Not a certificate number at all.
    BadNumber(String),
}

impl CodeCheck {
    /// The exit status of `verify-code`: 0 genuine and valid, 1 voided or not genuine, 2 no
    /// such number (docs/INTERFACES.md).
    pub fn exit_code(&self) -> u8 {
        match self {
            CodeCheck::Valid(_) => 0,
            CodeCheck::Voided { .. }
            | CodeCheck::NotGenuine { .. }
            | CodeCheck::Disagrees { .. } => 1,
            CodeCheck::NoSuchNumber(_) | CodeCheck::BadNumber(_) => 2,
        }
    }
}

impl Describe for CodeCheck {
    fn describe(&self, lang: Lang) -> String {
        match (self, lang) {
            (CodeCheck::Valid(c), Lang::Zh) => format!(
                "真实有效：合格证明 {}，{}，{}—{}年，{} 出具",
                c.text.number,
                clean_line(&c.text.name),
                c.text.from,
                c.text.to,
                c.text.date
            ),
            (CodeCheck::Valid(c), Lang::En) => format!(
                "genuine and valid: certificate {}, {}, {}–{}, issued {}",
                c.text.number,
                clean_line(&c.text.name),
                c.text.from,
                c.text.to,
                c.text.date
            ),
            (CodeCheck::Voided { cert, replaced_by }, Lang::Zh) => {
                let (_, at, reason) = cert.voided.clone().unwrap_or_default();
                let day = at.get(..10).unwrap_or(&at).to_string();
                let by = replaced_by
                    .as_ref()
                    .map(|n| format!("，已由补发的 {n} 取代"))
                    .unwrap_or_default();
                format!(
                    "证明真实但已作废：合格证明 {}（{}）于 {day} 作废，理由：{}{by}",
                    cert.text.number,
                    clean_line(&cert.text.name),
                    clean_line(&reason)
                )
            }
            (CodeCheck::Voided { cert, replaced_by }, Lang::En) => {
                let (_, at, reason) = cert.voided.clone().unwrap_or_default();
                let day = at.get(..10).unwrap_or(&at).to_string();
                let by = replaced_by
                    .as_ref()
                    .map(|n| format!("; replaced by the reissue {n}"))
                    .unwrap_or_default();
                format!(
                    "genuine but void: certificate {} ({}) was voided on {day}, reason: {}{by}",
                    cert.text.number,
                    clean_line(&cert.text.name),
                    clean_line(&reason)
                )
            }
            (
                CodeCheck::NotGenuine {
                    number,
                    before_codes: false,
                },
                Lang::Zh,
            ) => {
                format!("不是真实证明：验证码与合格证明 {number} 不符")
            }
            (
                CodeCheck::NotGenuine {
                    number,
                    before_codes: false,
                },
                Lang::En,
            ) => {
                format!("not genuine: the code does not match certificate {number}")
            }
            (
                CodeCheck::NotGenuine {
                    number,
                    before_codes: true,
                },
                Lang::Zh,
            ) => format!(
                "无法以验证码证实：合格证明 {number} 出具于启用验证码之前，没有验证码；请向出具单位核实"
            ),
            (
                CodeCheck::NotGenuine {
                    number,
                    before_codes: true,
                },
                Lang::En,
            ) => format!(
                "not confirmed by a code: certificate {number} was issued before verification codes and has none; ask the issuing office"
            ),
            (CodeCheck::Disagrees { number, trail }, lang) => {
                let (zh, en) = match trail {
                    TrailSays::Voided { record, at, reason } => {
                        let day = at.get(..10).unwrap_or(at);
                        let reason = clean_line(reason);
                        (
                            format!(
                                "审计记录第 {record} 条记载合格证明 {number} 已于 {day} 作废（理由：{reason}），数据库却显示有效；请按作废处理，并向出具单位核实"
                            ),
                            format!(
                                "certificate {number} was voided on {day} (reason: {reason}, audit record {record}), but the database shows it valid; treat it as void and ask the issuing office"
                            ),
                        )
                    }
                    TrailSays::Valid { record } => (
                        format!(
                            "合格证明 {number} 在数据库中为作废，而审计记录从未将其作废（第 {record} 条出具）；请向出具单位核实"
                        ),
                        format!(
                            "certificate {number} is void in the database, but the trail never voided it (issued in audit record {record}); ask the issuing office"
                        ),
                    ),
                    TrailSays::NeverIssued => (
                        format!(
                            "数据库中有合格证明 {number}，而审计记录从未出具该证明；请向出具单位核实"
                        ),
                        format!(
                            "certificate {number} is in the database, but the trail never issued it; ask the issuing office"
                        ),
                    ),
                };
                match lang {
                    Lang::Zh => format!("数据库与审计记录不一致：{zh}"),
                    Lang::En => format!("the database disagrees with the audit trail: {en}"),
                }
            }
            (CodeCheck::NoSuchNumber(n), Lang::Zh) => format!("没有编号为 {n} 的合格证明"),
            (CodeCheck::NoSuchNumber(n), Lang::En) => format!("no certificate numbered {n}"),
            (CodeCheck::BadNumber(n), lang) => Refusal::BadNumber(n.clone()).describe(lang),
        }
    }
}

/// Whether `code` is the verification code of certificate `number`, and whether that
/// certificate stands. With the audit key at hand the stored code is also derived again from
/// the trail's issue record (its number, person and head): a code written into the database
/// behind the trail is not genuine.
pub fn check_code(store: &Store, number: &str, code: &str) -> Result<CodeCheck> {
    let cert = match find(store, number)? {
        Ok(c) => c,
        Err(Refusal::BadNumber(n)) => return Ok(CodeCheck::BadNumber(n)),
        Err(Refusal::NotFound(n)) => return Ok(CodeCheck::NoSuchNumber(n)),
        Err(_) => return Ok(CodeCheck::NoSuchNumber(clean_line(number))),
    };
    let number = cert.text.number.to_string();
    let Some(stored) = cert.code.clone() else {
        return Ok(CodeCheck::NotGenuine {
            number,
            before_codes: true,
        });
    };
    let matches = normalise_code(code).is_some_and(|c| c == stored);
    let derived = match audit::key_of(store.conn())?.0 {
        Some(key) => issued_code(store, &key, &number)?.is_none_or(|c| c == stored),
        None => true,
    };
    if !matches || !derived {
        return Ok(CodeCheck::NotGenuine {
            number,
            before_codes: false,
        });
    }
    // R5.5 The void columns are the database's word; the trail's is the last issue or void
    // record on the number. Where they differ the paper is not confirmed either way.
    let said = audit::last_record(
        store.conn(),
        &format!("certificate:{number}"),
        &[
            "certificate.issue",
            "certificate.reissue",
            "certificate.void",
        ],
    )?;
    let trail = match said {
        None => Some(TrailSays::NeverIssued),
        Some(r) if r.action == "certificate.void" => {
            let after: serde_json::Value = r
                .after
                .as_deref()
                .and_then(|a| serde_json::from_str(a).ok())
                .unwrap_or_default();
            let voided = TrailSays::Voided {
                record: r.id,
                at: r.at,
                reason: after["reason"].as_str().unwrap_or_default().to_string(),
            };
            cert.voided.is_none().then_some(voided)
        }
        Some(r) => cert
            .voided
            .is_some()
            .then_some(TrailSays::Valid { record: r.id }),
    };
    if let Some(trail) = trail {
        return Ok(CodeCheck::Disagrees { number, trail });
    }
    if cert.voided.is_some() {
        let replaced_by =
            certificates::replaced_by(store.conn(), cert.id)?.map(|c| c.text.number.to_string());
        return Ok(CodeCheck::Voided { cert, replaced_by });
    }
    Ok(CodeCheck::Valid(cert))
}

/// The code derived again from the trail's issue record of `number`; `None` when the record
/// lacks what it takes (issued before codes).
fn issued_code(store: &Store, key: &AuditKey, number: &str) -> Result<Option<String>> {
    let after: Option<String> = store
        .conn()
        .query_row(
            "SELECT after FROM audit WHERE subject = ?1
               AND action IN ('certificate.issue', 'certificate.reissue')
             ORDER BY id DESC LIMIT 1",
            [format!("certificate:{number}")],
            |r| r.get(0),
        )
        .optional()
        .map_err(crate::store::StoreError::from)?
        .flatten();
    let v: serde_json::Value = after
        .and_then(|a| serde_json::from_str(&a).ok())
        .unwrap_or_default();
    Ok(match (v["person"].as_str(), v["head"].as_str()) {
        (Some(person), Some(head)) => Some(verification_code(key, number, person, head)),
        _ => None,
    })
}

#[cfg(test)]
mod code_tests {
    use super::*;

    const KEY: AuditKey = AuditKey::from_bytes([42; 32]);
    const HEAD: &str = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

    /// Issue 9: 10 Crockford characters grouped 5-5, fixed by the key, the number, the person
    /// and the head; a change in any of them gives another code.
    #[test]
    fn r7_4_a_code_depends_on_key_number_person_and_head() {
        let code = verification_code(&KEY, "长沙—2017—0001", "430102198001010011", HEAD);
        assert_eq!(code.len(), 11);
        assert_eq!(code.chars().nth(5), Some('-'));
        assert!(
            code.chars()
                .filter(|c| *c != '-')
                .all(|c| CROCKFORD.contains(&(c as u8)))
        );
        assert_eq!(
            code,
            verification_code(&KEY, "长沙—2017—0001", "430102198001010011", HEAD)
        );
        let others = [
            verification_code(
                &AuditKey::from_bytes([43; 32]),
                "长沙—2017—0001",
                "430102198001010011",
                HEAD,
            ),
            verification_code(&KEY, "长沙—2017—0002", "430102198001010011", HEAD),
            verification_code(&KEY, "长沙—2017—0001", "11010519491231002X", HEAD),
            verification_code(&KEY, "长沙—2017—0001", "430102198001010011", &HEAD[1..]),
        ];
        for other in others {
            assert_ne!(other, code);
        }
    }

    /// What a person types from paper: any case, with or without the hyphen or blanks, and
    /// the letters Crockford reads as digits.
    #[test]
    fn r7_4_a_typed_code_is_read_as_crockford_prescribes() {
        assert_eq!(normalise_code("abcde-fghjk"), Some("ABCDE-FGHJK".into()));
        assert_eq!(normalise_code(" ABCDE FGHJK "), Some("ABCDE-FGHJK".into()));
        assert_eq!(normalise_code("OIL00-11111"), Some("01100-11111".into()));
        assert_eq!(normalise_code("ABCDE-FGHJ"), None, "too short");
        assert_eq!(normalise_code("ABCDE-FGHJKM"), None, "too long");
        assert_eq!(normalise_code("ABCDE-FGHJU"), None, "U is not Crockford");
        assert_eq!(normalise_code("ＡBCDE-FGHJK"), None, "full-width");
    }
}
