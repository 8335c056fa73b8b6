//! R5.5 The trail against everything else: the audit key and the anchor log (`[audit]`), and
//! the check that the state of the database is what its trail says it is.
//!
//! The chain (`store::audit`) shows that no row of the trail was changed; it cannot show that a
//! row of `entries` was switched to registered with `sqlite3` and nothing written to the trail.
//! [`check_state`] reads the trail from the first row to the last, keeps for each subject what
//! its last record says (an entry's state, hours and evidence; a filing's status and approval
//! date; an applicant's decision and certificate; a certificate's number, text and whether it
//! is void), and holds the tables against it; the counter of each office and year must be the
//! number of certificates the trail issued there (R7.2). A record older than a field (written
//! before the service recorded it) leaves that field unknown, and an unknown field is not
//! compared: older databases are checked on what their trail has.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use rusqlite::Connection;
use serde::Deserialize;
use serde_json::Value;

use crate::domain::Hours;
use crate::domain::certificate::CertificateNumber;
use crate::i18n::{Describe, Lang};
use crate::store::audit::{self, AuditKey};
use crate::store::{Result, Store};

/// `[audit]` of the system configuration (never of a user's: see `config.rs`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuditConfig {
    /// The audit key: 64 hexadecimal digits. Default: `/etc/jijiao/audit.key` for a system
    /// install (made by the package, `root:jijiao 0640`), else `audit.key` in the user's
    /// configuration folder, made 0600 on first use.
    pub key_file: Option<PathBuf>,
    /// The append-only anchor log. Default: `/var/lib/jijiao/anchors.log` for a system install,
    /// else beside the database: `<db>.anchors`.
    pub anchor_log: Option<PathBuf>,
}

/// The system install's key file (made by the package).
pub const SYSTEM_KEY_FILE: &str = "/etc/jijiao/audit.key";
/// The system install's anchor log.
pub const SYSTEM_ANCHOR_LOG: &str = "/var/lib/jijiao/anchors.log";
/// Where a system install keeps its database and anchor log.
const SYSTEM_DATA_DIR: &str = "/var/lib/jijiao";

/// Whether this process runs set-group-id (effective group other than the real one).
pub fn set_group_id() -> bool {
    crate::privilege::set_group_id()
}

/// The key file and anchor log in force.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditPaths {
    pub key_file: PathBuf,
    pub anchor_log: PathBuf,
    /// A system install: the package makes the key, files are group-readable.
    pub system: bool,
}

impl AuditConfig {
    /// The paths for database `db`: as configured, else the system install's when this run is
    /// set-group-id or the database lies in `/var/lib/jijiao`, else the personal ones
    /// (`user_dir`: the user's configuration folder).
    pub fn paths(&self, db: &Path, user_dir: Option<&Path>) -> AuditPaths {
        let system = set_group_id() || db.starts_with(SYSTEM_DATA_DIR);
        let key_file = self.key_file.clone().unwrap_or_else(|| {
            if system {
                PathBuf::from(SYSTEM_KEY_FILE)
            } else {
                user_dir
                    .map(|d| d.join("audit.key"))
                    .unwrap_or_else(|| PathBuf::from("audit.key"))
            }
        });
        let anchor_log = self.anchor_log.clone().unwrap_or_else(|| {
            if system {
                PathBuf::from(SYSTEM_ANCHOR_LOG)
            } else {
                let mut p = db.as_os_str().to_owned();
                p.push(".anchors");
                PathBuf::from(p)
            }
        });
        AuditPaths {
            key_file,
            anchor_log,
            system,
        }
    }
}

/// The user's configuration folder (where a personal key file is made).
pub fn user_config_dir() -> Option<PathBuf> {
    directories::ProjectDirs::from("cn.gov.hunan", "hrss", "jijiao")
        .map(|d| d.config_dir().to_path_buf())
}

/// The audit key of `paths`: read from its file; for a personal install made there (0600, in a
/// 0700 folder) when the file does not exist yet. `Err` says why there is none.
pub fn load_key(paths: &AuditPaths) -> std::result::Result<AuditKey, String> {
    match std::fs::read_to_string(&paths.key_file) {
        Ok(text) => AuditKey::parse(&text).ok_or_else(|| "not 64 hexadecimal digits".to_string()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !paths.system => {
            make_key(&paths.key_file).map_err(|e| e.to_string())
        }
        Err(e) => Err(e.to_string()),
    }
}

fn make_key(path: &Path) -> std::io::Result<AuditKey> {
    use std::io::Write;
    use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(parent)?;
    }
    let key = AuditKey::generate()?;
    // Written whole beside it, then linked into place: linking never replaces an existing
    // file, so of two first runs at once one key wins, and the other reads it complete.
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(format!(".{}.tmp", std::process::id()));
    let tmp = PathBuf::from(tmp);
    let written = (|| {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&tmp)?;
        f.write_all(key.to_file_text().as_bytes())?;
        f.sync_all()?;
        std::fs::hard_link(&tmp, path)
    })();
    let _ = std::fs::remove_file(&tmp);
    match written {
        Ok(()) => Ok(key),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            AuditKey::parse(&std::fs::read_to_string(path)?)
                .ok_or_else(|| std::io::Error::other("not 64 hexadecimal digits"))
        }
        Err(e) => Err(e),
    }
}

/// Hand the key of `paths` to `store`'s connection, so its writes extend the keyed chain and
/// its checks can verify it. Without a readable key nothing is handed over: a keyed trail then
/// refuses writes naming the key file (`store::audit::append`), and so does any trail of a
/// system install; a personal install's unkeyed trail goes on unkeyed. Returns why there is no
/// key, if there is none.
pub fn attach_key(store: &Store, paths: &AuditPaths) -> Result<Option<String>> {
    let path = paths.key_file.display().to_string();
    match load_key(paths) {
        Ok(key) => {
            audit::use_key(store.conn(), Some(&key), &path)?;
            Ok(None)
        }
        Err(why) => {
            audit::use_key(store.conn(), None, &path)?;
            if paths.system {
                audit::require_key(store.conn())?;
            }
            Ok(Some(why))
        }
    }
}

/// The database path as anchors name it: absolute where it can be resolved.
pub fn anchor_name(db: &Path) -> String {
    std::fs::canonicalize(db)
        .unwrap_or_else(|_| db.to_path_buf())
        .display()
        .to_string()
}

// ---------------------------------------------------------------------------------------------
// The state behind the trail.

/// One way the database differs from what its trail says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Finding {
    /// `field` of `subject` is `now` in the database; the trail's last record on it
    /// (`record`) says `trail`.
    Differs {
        subject: String,
        field: &'static str,
        trail: String,
        now: String,
        record: i64,
    },
    /// A row the trail never recorded (made behind the trail).
    Unrecorded { subject: String },
    /// The trail recorded `subject` (last in `record`) and the database has no such row.
    Missing { subject: String, record: i64 },
    /// R7.2 The counter of `office` and `year` is `counter`; the trail issued `issued` numbers.
    Counter {
        office: String,
        year: i32,
        counter: i64,
        issued: i64,
    },
}

impl Describe for Finding {
    fn describe(&self, lang: Lang) -> String {
        match (self, lang) {
            (
                Finding::Differs {
                    subject,
                    field,
                    trail,
                    now,
                    record,
                },
                Lang::Zh,
            ) => format!(
                "{subject} 的 {field} 现为“{now}”，而审计记录第 {record} 条记载为“{trail}”：数据被绕过程序修改"
            ),
            (
                Finding::Differs {
                    subject,
                    field,
                    trail,
                    now,
                    record,
                },
                Lang::En,
            ) => format!(
                "{subject}: {field} is \"{now}\" but audit record {record} says \"{trail}\": changed behind the trail"
            ),
            (Finding::Unrecorded { subject }, Lang::Zh) => {
                format!("{subject} 没有任何审计记录：数据被绕过程序写入")
            }
            (Finding::Unrecorded { subject }, Lang::En) => {
                format!("{subject} has no audit record: written behind the trail")
            }
            (Finding::Missing { subject, record }, Lang::Zh) => format!(
                "审计记录第 {record} 条记载的 {subject} 在数据库中不存在：数据被绕过程序删除"
            ),
            (Finding::Missing { subject, record }, Lang::En) => format!(
                "{subject}, recorded in audit record {record}, is not in the database: deleted behind the trail"
            ),
            (
                Finding::Counter {
                    office,
                    year,
                    counter,
                    issued,
                },
                Lang::Zh,
            ) => format!(
                "{office}{year}年合格证明编号计数为 {counter}，审计记录共出具 {issued} 个编号（R7.2）"
            ),
            (
                Finding::Counter {
                    office,
                    year,
                    counter,
                    issued,
                },
                Lang::En,
            ) => format!(
                "the certificate counter of {office} {year} is {counter}; the trail issued {issued} numbers (R7.2)"
            ),
        }
    }
}

/// What [`check_state`] found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StateReport {
    /// Every difference, in the order of the tables: entries, filings, applicants,
    /// certificates, counters.
    pub findings: Vec<Finding>,
    /// Rows the trail knows, compared on what it says of them.
    pub compared: u64,
    /// Entries and filings of demo data (`jijiao demo` records one summary, not each row), not
    /// comparable with a record of their own. Zero unless the trail holds a `demo.generate`.
    pub demo_rows: u64,
}

/// A field as the trail last recorded it, and in which record.
type Said<T> = Option<(T, i64)>;

#[derive(Debug, Default)]
struct EntryTrail {
    last: i64,
    state: Said<String>,
    hours: Said<i64>,
    evidence: Said<BTreeSet<String>>,
}

#[derive(Debug, Default)]
struct FilingTrail {
    last: i64,
    status: Said<String>,
    approved_on: Said<Option<String>>,
}

#[derive(Debug, Default)]
struct ApplicantTrail {
    state: Said<String>,
    certificate: Said<String>,
}

#[derive(Debug, Default)]
struct CertificateTrail {
    issued: i64,
    fields: BTreeMap<&'static str, (String, i64)>,
    voided: Said<bool>,
}

/// The certificate text fields an issue record carries, as the `certificates` column is named.
const CERTIFICATE_FIELDS: [(&str, &str); 9] = [
    ("person", "person"),
    ("from", "period_from"),
    ("to", "period_to"),
    ("name", "name"),
    ("unit", "unit"),
    ("title", "title"),
    ("clerk", "clerk"),
    ("phone", "phone"),
    ("issued_on", "issued_on"),
];

fn text_of(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

#[derive(Default)]
struct Trail {
    entries: BTreeMap<i64, EntryTrail>,
    filings: BTreeMap<String, FilingTrail>,
    applicants: BTreeMap<i64, ApplicantTrail>,
    certificates: BTreeMap<String, CertificateTrail>,
    demo: bool,
}

impl Trail {
    fn read(conn: &Connection) -> Result<Trail> {
        let mut t = Trail::default();
        let mut stmt = conn.prepare("SELECT id, action, subject, after FROM audit ORDER BY id")?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            let id: i64 = row.get(0)?;
            let action: String = row.get(1)?;
            let subject: String = row.get(2)?;
            let after: Option<String> = row.get(3)?;
            let after: Value = after
                .and_then(|a| serde_json::from_str(&a).ok())
                .unwrap_or(Value::Null);
            t.take(id, &action, &subject, &after);
        }
        Ok(t)
    }

    fn take(&mut self, id: i64, action: &str, subject: &str, after: &Value) {
        if action == "demo.generate" {
            self.demo = true;
        }
        let Some((kind, key)) = subject.split_once(':') else {
            return;
        };
        match kind {
            "entry" => {
                let Ok(n) = key.parse::<i64>() else { return };
                let e = self.entries.entry(n).or_default();
                e.last = id;
                if let Some(s) = after["state"].as_str() {
                    e.state = Some((s.to_string(), id));
                }
                if let Some(h) = after["hours"].as_str().and_then(|h| Hours::parse(h).ok()) {
                    e.hours = Some((h.tenths(), id));
                }
                if let Some(list) = after["evidence"].as_array() {
                    let set = list.iter().filter_map(|c| c.as_str().map(str::to_string));
                    e.evidence = Some((set.collect(), id));
                } else if let (Some((set, _)), Some(code)) =
                    (e.evidence.take(), after["code"].as_str())
                {
                    let mut set = set;
                    match action {
                        "evidence.receive" => {
                            set.insert(code.to_string());
                        }
                        "evidence.withdraw" => {
                            set.remove(code);
                        }
                        _ => {}
                    }
                    e.evidence = Some((set, id));
                } else if matches!(action, "evidence.receive" | "evidence.withdraw") {
                    // A change to a set the trail never listed: still unknown.
                    e.evidence = None;
                }
            }
            "filing" => {
                let f = self.filings.entry(key.to_string()).or_default();
                f.last = id;
                if let Some(s) = after["status"].as_str() {
                    f.status = Some((s.to_string(), id));
                    // The approval date goes with the status it was recorded with.
                    f.approved_on = after
                        .get("approved_on")
                        .map(|d| (d.as_str().map(str::to_string), id));
                }
            }
            "applicant" => {
                let Ok(n) = key.parse::<i64>() else { return };
                let a = self.applicants.entry(n).or_default();
                if let Some(s) = after["state"].as_str() {
                    a.state = Some((s.to_string(), id));
                }
                if let Some(c) = after["certificate"].as_str() {
                    a.certificate = Some((c.to_string(), id));
                }
            }
            "certificate" => {
                let c = self.certificates.entry(key.to_string()).or_default();
                match action {
                    "certificate.issue" | "certificate.reissue" => {
                        c.issued = id;
                        c.voided = Some((false, id));
                        c.fields.clear();
                        for (from, to) in CERTIFICATE_FIELDS.into_iter().chain([("code", "code")]) {
                            if let Some(v) = after.get(from).and_then(text_of) {
                                c.fields.insert(to, (v, id));
                            }
                        }
                    }
                    "certificate.void" => c.voided = Some((true, id)),
                    _ => {}
                }
            }
            _ => {}
        }
    }
}

/// Compare the database with what its trail says (see the module). Reads every table once.
pub fn check_state(conn: &Connection) -> Result<StateReport> {
    let trail = Trail::read(conn)?;
    let mut r = StateReport::default();
    entries(conn, &trail, &mut r)?;
    filings(conn, &trail, &mut r)?;
    applicants(conn, &trail, &mut r)?;
    certificates(conn, &trail, &mut r)?;
    counters(conn, &trail, &mut r)?;
    Ok(r)
}

fn differs<T: PartialEq + ToString>(
    r: &mut StateReport,
    subject: &str,
    field: &'static str,
    said: &Said<T>,
    now: &T,
) {
    if let Some((was, record)) = said
        && was != now
    {
        r.findings.push(Finding::Differs {
            subject: subject.to_string(),
            field,
            trail: was.to_string(),
            now: now.to_string(),
            record: *record,
        });
    }
}

fn set_text(s: &BTreeSet<String>) -> String {
    s.iter().cloned().collect::<Vec<_>>().join(",")
}

fn unrecorded(r: &mut StateReport, trail: &Trail, subject: String) {
    if trail.demo {
        r.demo_rows += 1;
    } else {
        r.findings.push(Finding::Unrecorded { subject });
    }
}

fn entries(conn: &Connection, trail: &Trail, r: &mut StateReport) -> Result<()> {
    let mut seen = BTreeSet::new();
    let mut evidence =
        conn.prepare_cached("SELECT code FROM entry_evidence WHERE entry_id = ?1 ORDER BY code")?;
    let mut stmt = conn.prepare("SELECT id, state, hours_tenths FROM entries ORDER BY id")?;
    let mut rows = stmt.query([])?;
    while let Some(row) = rows.next()? {
        let id: i64 = row.get(0)?;
        let state: String = row.get(1)?;
        let tenths: i64 = row.get(2)?;
        let subject = format!("entry:{id}");
        seen.insert(id);
        let Some(t) = trail.entries.get(&id) else {
            unrecorded(r, trail, subject);
            continue;
        };
        r.compared += 1;
        differs(r, &subject, "state", &t.state, &state);
        if let Some((h, record)) = t.hours
            && h != tenths
        {
            r.findings.push(Finding::Differs {
                subject: subject.clone(),
                field: "hours",
                trail: Hours::from_tenths(h).to_string(),
                now: Hours::from_tenths(tenths).to_string(),
                record,
            });
        }
        if let Some((set, record)) = &t.evidence {
            let now: BTreeSet<String> = evidence
                .query_map([id], |row| row.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            if &now != set {
                r.findings.push(Finding::Differs {
                    subject: subject.clone(),
                    field: "evidence",
                    trail: set_text(set),
                    now: set_text(&now),
                    record: *record,
                });
            }
        }
    }
    for (id, t) in &trail.entries {
        if !seen.contains(id) {
            r.findings.push(Finding::Missing {
                subject: format!("entry:{id}"),
                record: t.last,
            });
        }
    }
    Ok(())
}

fn filings(conn: &Connection, trail: &Trail, r: &mut StateReport) -> Result<()> {
    let mut seen = BTreeSet::new();
    let mut stmt =
        conn.prepare("SELECT filing_no, status, approved_on FROM filings ORDER BY id")?;
    let mut rows = stmt.query([])?;
    while let Some(row) = rows.next()? {
        let no: String = row.get(0)?;
        let status: String = row.get(1)?;
        let approved_on: Option<String> = row.get(2)?;
        let subject = format!("filing:{no}");
        let t = trail.filings.get(&no);
        seen.insert(no);
        let Some(t) = t else {
            unrecorded(r, trail, subject);
            continue;
        };
        r.compared += 1;
        differs(r, &subject, "status", &t.status, &status);
        let shown = |d: &Option<String>| d.clone().unwrap_or_else(|| "-".into());
        if let Some((was, record)) = &t.approved_on
            && was != &approved_on
        {
            r.findings.push(Finding::Differs {
                subject,
                field: "approved_on",
                trail: shown(was),
                now: shown(&approved_on),
                record: *record,
            });
        }
    }
    for (no, t) in &trail.filings {
        if !seen.contains(no) {
            r.findings.push(Finding::Missing {
                subject: format!("filing:{no}"),
                record: t.last,
            });
        }
    }
    Ok(())
}

fn applicants(conn: &Connection, trail: &Trail, r: &mut StateReport) -> Result<()> {
    let mut stmt = conn.prepare(
        "SELECT a.id, a.state, c.number FROM batch_applicants a
         LEFT JOIN certificates c ON c.id = a.certificate_id ORDER BY a.id",
    )?;
    let mut rows = stmt.query([])?;
    while let Some(row) = rows.next()? {
        let id: i64 = row.get(0)?;
        let state: String = row.get(1)?;
        let number: Option<String> = row.get(2)?;
        let subject = format!("applicant:{id}");
        r.compared += 1;
        match trail.applicants.get(&id) {
            Some(t) => {
                differs(r, &subject, "state", &t.state, &state);
                let now = number.clone().unwrap_or_else(|| "-".into());
                differs(r, &subject, "certificate", &t.certificate, &now);
                if t.state.is_none() && state != "undecided" {
                    r.findings.push(Finding::Differs {
                        subject: subject.clone(),
                        field: "state",
                        trail: "undecided".into(),
                        now: state.clone(),
                        record: 0,
                    });
                }
                if t.certificate.is_none()
                    && let Some(n) = number
                {
                    r.findings.push(Finding::Differs {
                        subject,
                        field: "certificate",
                        trail: "-".into(),
                        now: n,
                        record: 0,
                    });
                }
            }
            // Added to a batch (recorded under the batch) and never decided: it must still be
            // undecided and without a certificate.
            None => {
                if state != "undecided" {
                    r.findings.push(Finding::Differs {
                        subject: subject.clone(),
                        field: "state",
                        trail: "undecided".into(),
                        now: state,
                        record: 0,
                    });
                }
                if let Some(n) = number {
                    r.findings.push(Finding::Differs {
                        subject,
                        field: "certificate",
                        trail: "-".into(),
                        now: n,
                        record: 0,
                    });
                }
            }
        }
    }
    Ok(())
}

fn certificates(conn: &Connection, trail: &Trail, r: &mut StateReport) -> Result<()> {
    let mut seen = BTreeSet::new();
    let mut stmt = conn.prepare(
        "SELECT c.number, p.id_number, c.period_from, c.period_to, c.name, c.unit, c.title,
                c.clerk, c.phone, c.issued_on, c.code, c.voided_by IS NOT NULL
         FROM certificates c LEFT JOIN people p ON p.id = c.person_id ORDER BY c.id",
    )?;
    let mut rows = stmt.query([])?;
    while let Some(row) = rows.next()? {
        let number: String = row.get(0)?;
        let subject = format!("certificate:{number}");
        let t = trail.certificates.get(&number).filter(|t| t.issued > 0);
        seen.insert(number);
        let Some(t) = t else {
            r.findings.push(Finding::Unrecorded { subject });
            continue;
        };
        r.compared += 1;
        let now: [Option<String>; 10] = [
            row.get(1)?,
            row.get::<_, i64>(2).map(|v| Some(v.to_string()))?,
            row.get::<_, i64>(3).map(|v| Some(v.to_string()))?,
            row.get(4)?,
            row.get(5)?,
            row.get(6)?,
            row.get(7)?,
            row.get(8)?,
            row.get(9)?,
            row.get(10)?,
        ];
        let names = CERTIFICATE_FIELDS
            .iter()
            .map(|(_, col)| *col)
            .chain(["code"]);
        for (field, now) in names.zip(now) {
            if let Some((was, record)) = t.fields.get(field) {
                let now = now.unwrap_or_else(|| "-".into());
                if was != &now {
                    r.findings.push(Finding::Differs {
                        subject: subject.clone(),
                        field,
                        trail: was.clone(),
                        now,
                        record: *record,
                    });
                }
            }
        }
        let voided: bool = row.get(11)?;
        let status = |v: bool| if v { "void" } else { "valid" }.to_string();
        if let Some((was, record)) = t.voided
            && was != voided
        {
            r.findings.push(Finding::Differs {
                subject,
                field: "status",
                trail: status(was),
                now: status(voided),
                record,
            });
        }
    }
    for (number, t) in &trail.certificates {
        if t.issued > 0 && !seen.contains(number) {
            r.findings.push(Finding::Missing {
                subject: format!("certificate:{number}"),
                record: t.issued,
            });
        }
    }
    Ok(())
}

fn counters(conn: &Connection, trail: &Trail, r: &mut StateReport) -> Result<()> {
    let mut issued: BTreeMap<(String, i32), i64> = BTreeMap::new();
    for (number, t) in &trail.certificates {
        if t.issued > 0
            && let Some(n) = CertificateNumber::parse(number)
        {
            *issued.entry((n.office, n.year)).or_default() += 1;
        }
    }
    let mut stmt = conn.prepare("SELECT office, year, last FROM certificate_counters")?;
    let counted: BTreeMap<(String, i32), i64> = stmt
        .query_map([], |row| Ok(((row.get(0)?, row.get(1)?), row.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let keys: BTreeSet<&(String, i32)> = issued.keys().chain(counted.keys()).collect();
    for k in keys {
        let counter = counted.get(k).copied().unwrap_or(0);
        let n = issued.get(k).copied().unwrap_or(0);
        if counter != n {
            r.findings.push(Finding::Counter {
                office: k.0.clone(),
                year: k.1,
                counter,
                issued: n,
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn personal_paths_sit_beside_the_database_and_in_the_config_folder() {
        let cfg = AuditConfig::default();
        let p = cfg.paths(
            Path::new("/home/w/j.sqlite"),
            Some(Path::new("/home/w/.config/j")),
        );
        if !set_group_id() {
            assert_eq!(p.key_file, PathBuf::from("/home/w/.config/j/audit.key"));
            assert_eq!(p.anchor_log, PathBuf::from("/home/w/j.sqlite.anchors"));
            assert!(!p.system);
        }
        let sys = cfg.paths(Path::new("/var/lib/jijiao/jijiao.sqlite"), None);
        assert_eq!(sys.key_file, PathBuf::from(SYSTEM_KEY_FILE));
        assert_eq!(sys.anchor_log, PathBuf::from(SYSTEM_ANCHOR_LOG));
        let set = AuditConfig {
            key_file: Some("/k".into()),
            anchor_log: Some("/a".into()),
        };
        let p = set.paths(Path::new("/var/lib/jijiao/jijiao.sqlite"), None);
        assert_eq!((p.key_file, p.anchor_log), ("/k".into(), "/a".into()));
    }

    /// A personal key is made once, private, and read back the same; a system install's
    /// missing key is not made (the package makes it, owned by root).
    #[test]
    fn a_personal_key_is_made_private_on_first_use_and_a_system_one_never() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let paths = AuditPaths {
            key_file: dir.path().join("conf/audit.key"),
            anchor_log: dir.path().join("a"),
            system: false,
        };
        let k = load_key(&paths).unwrap();
        assert_eq!(load_key(&paths).unwrap(), k);
        let mode = std::fs::metadata(&paths.key_file)
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        let system = AuditPaths {
            key_file: dir.path().join("etc/audit.key"),
            system: true,
            ..paths
        };
        assert!(load_key(&system).is_err());
        assert!(!system.key_file.exists());
    }
}
