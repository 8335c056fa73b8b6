//! R5.5 The trail against everything else: the audit key and the anchor log (`[audit]`), and
//! the check that the state of the database is what its trail says it is.
//!
//! The chain (`store::audit`) shows that no row of the trail was changed; it cannot show that a
//! row of `entries` was switched to registered with `sqlite3` and nothing written to the trail.
//! [`check_state`] reads the trail from the first row to the last, keeps for each subject every
//! field its records state (a person's `people::to_json`; an entry's `entries::to_json`, its
//! state and evidence; a filing's `filings::to_json` and decisions; an applicant's decision and
//! certificate; a certificate's text, office, verification and whether it is void), and holds
//! the tables against the last value of each; the counter of each office and year must be the
//! number of certificates the trail issued there (R7.2). Every row of people, entries and
//! filings must have a record, except those a `jijiao demo` run states it wrote (one record for
//! the run, naming its ids). An import of entries or of people is one record that signs its
//! payload (a line for each entry or person it created or changed, [`entry_line`],
//! [`person_line`]): the lines are replayed at the record's place as if each were a record of
//! its own, once their SHA-256 is the one signed; a payload that is not is named
//! ([`Finding::Payload`]) and none of its lines is believed. A record older than a field
//! (written before the service recorded it) leaves that field unknown, and an unknown field is not compared: older databases are
//! checked on what their trail has.
//!
//! A keyed trail anchors its own start ([`anchor_key_start`]): the `audit.key` record goes to
//! the anchor log as soon as it is written, so a trail stripped of it and rehashed without the
//! key disagrees with the log even before anyone runs `jijiao audit anchor`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use rusqlite::{Connection, OptionalExtension};
use serde::Deserialize;
use serde_json::Value;
use sha2::Digest;

use crate::domain::Hours;
use crate::domain::certificate::CertificateNumber;
use crate::domain::text::clean_line;
use crate::i18n::{Describe, Lang};
use crate::store::anchor::{self, Anchor};
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

/// R5.5 Anchor the start of the keyed chain: when the trail of `store` has its `audit.key`
/// record, made with the key handed to `store` and verifying under it, and the anchor log of
/// `paths` holds no anchor of database `db` at or after that record, append one for it
/// (`keyed_from` set) — and, for a system install, to the system log. So a trail is anchored
/// from the moment it is keyed, not only from the first `jijiao audit anchor`: one stripped
/// of its key record and rehashed without the key is found even then (`anchor::compare`).
///
/// A trail not keyed yet (a database from before keys, opened by a reader) is left alone: it
/// is keyed, and anchored, by its first write. `at`: the actor's stamp. Returns the anchor
/// written, if any; `Err` says why the log could not be read or written.
pub fn anchor_key_start(
    store: &Store,
    paths: &AuditPaths,
    db: &str,
    at: &str,
) -> std::result::Result<Option<Anchor>, String> {
    let conn = store.conn();
    let (Some(key), _) = audit::key_of(conn).map_err(|e| e.to_string())? else {
        return Ok(None);
    };
    let Some((from, key_id)) = audit::marker(conn).map_err(|e| e.to_string())? else {
        return Ok(None);
    };
    if key_id != key.id() {
        return Ok(None);
    }
    let Some(head) = audit::keyed_row(conn, from).map_err(|e| e.to_string())? else {
        return Ok(None);
    };
    let latest = anchor::latest(&paths.anchor_log, db).map_err(|e| e.to_string())?;
    if latest.anchor.is_some_and(|a| a.count >= head.count) {
        return Ok(None);
    }
    let a = Anchor {
        count: head.count,
        hash: head.hash,
        at: at.to_string(),
        db: db.to_string(),
        keyed_from: Some(head.count),
    };
    anchor::append(&paths.anchor_log, &a, !paths.system).map_err(|e| e.to_string())?;
    if paths.system {
        // The file holds the anchor; the system log is a second copy, best effort.
        let _ = anchor::to_system_log(&format!(
            "audit anchor db={} count={} hash={} at={} keyed_from={}",
            a.db, a.count, a.hash, a.at, a.count
        ));
    }
    Ok(Some(a))
}

// ---------------------------------------------------------------------------------------------
// The payload of an import of entries or people (R5.5, schema 19).

/// The action of an import of entries' one record (`service::import`).
pub const IMPORT_ENTRIES: &str = "import.entries";

/// The action of an import of people's one record (`service::import`).
pub const IMPORT_PEOPLE: &str = "import.people";

/// The first line of a people payload: its format's name and version, then the names of the
/// fields of every later line, in order.
pub const PEOPLE_PAYLOAD_HEAD: &str = "jijiao.people.1\top\tid\tid_number\tname\tunit\tunit_kind\tcity_code\ttitle\ttitle_level\tseries\tphone\tfile_location";

/// The kind of rows an import's payload states, a line each (R5.5): what its record's action
/// is, and how a line reads back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PayloadKind {
    /// `import.entries`: lines of [`entry_line`], subjects `entry:ID`.
    Entries,
    /// `import.people`: lines of [`person_line`], subjects `person:ID-NUMBER`.
    People,
}

impl PayloadKind {
    /// The kind of payload an import record of `action` signs; `None` for other records.
    pub fn of_action(action: &str) -> Option<PayloadKind> {
        match action {
            IMPORT_ENTRIES => Some(PayloadKind::Entries),
            IMPORT_PEOPLE => Some(PayloadKind::People),
            _ => None,
        }
    }

    /// The action of the record that signs a payload of this kind.
    pub const fn action(self) -> &'static str {
        match self {
            PayloadKind::Entries => IMPORT_ENTRIES,
            PayloadKind::People => IMPORT_PEOPLE,
        }
    }

    /// The first line of a payload of this kind.
    pub const fn head(self) -> &'static str {
        match self {
            PayloadKind::Entries => ENTRIES_PAYLOAD_HEAD,
            PayloadKind::People => PEOPLE_PAYLOAD_HEAD,
        }
    }

    /// The table whose rows the payload states (as `store::audit::RANGED` names it).
    const fn table(self) -> &'static str {
        match self {
            PayloadKind::Entries => "entries",
            PayloadKind::People => "people",
        }
    }

    /// A line of this kind's payload read back: the subject's key (an entry's id, a person's
    /// ID number) and the JSON a record of that one row would state; `None` for the head or a
    /// line of another kind.
    fn read_line(self, line: &str) -> Option<(String, Value)> {
        match self {
            PayloadKind::Entries => entry_from_line(line).map(|(id, v)| (id.to_string(), v)),
            PayloadKind::People => person_from_line(line),
        }
    }

    /// The trail's subject of a row the payload states, by its key.
    fn subject(self, key: &str) -> String {
        match self {
            PayloadKind::Entries => format!("entry:{key}"),
            PayloadKind::People => format!("person:{key}"),
        }
    }
}

/// The first line of an entries payload: its format's name and version, then the names of the
/// fields of every later line, in order.
pub const ENTRIES_PAYLOAD_HEAD: &str = "jijiao.entries.1\top\tid\tperson_id\tyear\tcategory\tform\tcontent\tprovider\tstart_date\tend_date\thours\tresult\tstate\tmigrated\tfiling_id\tevidence";

/// What an import did to the entry of a payload line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PayloadOp {
    /// Created it (`+`).
    Created,
    /// Changed an entry already there (`~`): evidence added, a correction, paper history.
    Changed,
}

/// Text in a payload field: `\`, tab, line feed and carriage return escaped, so a field is
/// one line without tabs whatever the roster held.
fn escape_into(out: &mut String, text: &str) {
    // By bytes: the four are ASCII, which no byte of a multi-byte character equals, so the
    // runs between them are whole characters, copied at once (an import escapes two texts a
    // row, a million times).
    let mut run = 0;
    for (i, b) in text.bytes().enumerate() {
        let escaped = match b {
            b'\\' => "\\\\",
            b'\t' => "\\t",
            b'\n' => "\\n",
            b'\r' => "\\r",
            _ => continue,
        };
        out.push_str(&text[run..i]);
        out.push_str(escaped);
        run = i + 1;
    }
    out.push_str(&text[run..]);
}

fn unescape(text: &str) -> String {
    if !text.contains('\\') {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('t') => out.push('\t'),
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}

/// R5.5 The canonical line of entry `id` in an import's payload (after
/// [`ENTRIES_PAYLOAD_HEAD`]): the fields `audit verify` holds the entry against — those of
/// `entries::to_json`, hours as the trail writes them (`22.5`) — and the codes of the evidence
/// received (R3), sorted, separated by `,`. Written into `out` (cleared first), so an import
/// reuses one buffer.
pub fn entry_line(
    out: &mut String,
    op: PayloadOp,
    id: i64,
    e: &crate::store::entries::NewEntry,
    evidence: &BTreeSet<String>,
) {
    let x = &e.entry;
    out.clear();
    out.push_str(match op {
        PayloadOp::Created => "+",
        PayloadOp::Changed => "~",
    });
    // Writing into a String cannot fail.
    // Pushed piece by piece rather than through `write!`, whose formatting machinery was a
    // tenth of an import's writer at a million lines (issue 10); the text is the same.
    let mut n = itoa::Buffer::new();
    for number in [id, e.person_id, i64::from(x.year)] {
        out.push('\t');
        out.push_str(n.format(number));
    }
    for code in [x.category.code(), x.form.code()] {
        out.push('\t');
        out.push_str(code);
    }
    out.push('\t');
    escape_into(out, &x.content);
    out.push('\t');
    escape_into(out, &x.provider);
    for date in [x.start_date, x.end_date] {
        out.push('\t');
        push_date(out, date);
    }
    out.push('\t');
    push_hours(out, x.hours);
    for code in [
        x.result.code(),
        x.state.code(),
        if x.migrated { "1" } else { "0" },
    ] {
        out.push('\t');
        out.push_str(code);
    }
    out.push('\t');
    match e.filing_id {
        Some(f) => out.push_str(n.format(f)),
        None => out.push('-'),
    }
    out.push('\t');
    for (i, code) in evidence.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        escape_into(out, code);
    }
}

/// `d` as its `Display` writes it (`2016-03-05`).
fn push_date(out: &mut String, d: chrono::NaiveDate) {
    out.push_str(crate::domain::dates::IsoDate::new(d).as_str());
}

/// `h` as its `Display` writes it (`8`, `12.5`, `-0.5`), in whole and tenth 学时.
fn push_hours(out: &mut String, h: crate::domain::Hours) {
    let tenths = h.tenths();
    if tenths < 0 {
        out.push('-');
    }
    let a = tenths.unsigned_abs();
    let mut n = itoa::Buffer::new();
    out.push_str(n.format(a / 10));
    if !a.is_multiple_of(10) {
        out.push('.');
        out.push_str(n.format(a % 10));
    }
}

/// A payload line read back as the JSON an entry's own record would state (the keys of
/// `ENTRY_FIELDS`, and `evidence`), with the entry's id; `None` for the head or a line that is
/// not an entry's.
fn entry_from_line(line: &str) -> Option<(i64, Value)> {
    let f: Vec<&str> = line.split('\t').collect();
    let [
        op,
        id,
        person,
        year,
        category,
        form,
        content,
        provider,
        start,
        end,
        hours,
        result,
        state,
        migrated,
        filing,
        evidence,
    ] = f.as_slice()
    else {
        return None;
    };
    if *op != "+" && *op != "~" {
        return None;
    }
    let evidence: Vec<String> = match *evidence {
        "" => Vec::new(),
        list => list.split(',').map(unescape).collect(),
    };
    let v = serde_json::json!({
        "person_id": person.parse::<i64>().ok()?,
        "year": year.parse::<i64>().ok()?,
        "category": category,
        "form": form,
        "content": unescape(content),
        "provider": unescape(provider),
        "start_date": start,
        "end_date": end,
        "hours": hours,
        "result": result,
        "state": state,
        "migrated": *migrated == "1",
        "filing_id": match *filing { "-" => None, f => Some(f.parse::<i64>().ok()?) },
        "evidence": evidence,
    });
    Some((id.parse().ok()?, v))
}

/// R5.5 The canonical line of person `id` in an import's payload (after
/// [`PEOPLE_PAYLOAD_HEAD`]): the fields `audit verify` holds the person against — those of
/// `people::to_json`, the title level's code or `-` when none — escaped as [`entry_line`]
/// escapes text. Written into `out` (cleared first), so an import reuses one buffer.
pub fn person_line(out: &mut String, op: PayloadOp, id: i64, p: &crate::domain::Person) {
    use std::fmt::Write;
    out.clear();
    out.push_str(match op {
        PayloadOp::Created => "+",
        PayloadOp::Changed => "~",
    });
    // Writing into a String cannot fail.
    let _ = write!(out, "\t{id}\t{}\t", p.id_number.as_str());
    escape_into(out, &p.name);
    out.push('\t');
    escape_into(out, &p.unit);
    let _ = write!(out, "\t{}\t", p.unit_kind.code());
    escape_into(out, &p.city_code);
    out.push('\t');
    escape_into(out, &p.title);
    out.push('\t');
    out.push_str(p.title_level.map_or("-", crate::domain::TitleLevel::code));
    for text in [&p.series, &p.phone, &p.file_location] {
        out.push('\t');
        escape_into(out, text);
    }
}

/// A people payload line read back as the JSON a person's own record states (the keys of
/// `PERSON_FIELDS`), with the person's ID number; `None` for the head or a line that is not a
/// person's.
fn person_from_line(line: &str) -> Option<(String, Value)> {
    let f: Vec<&str> = line.split('\t').collect();
    let [
        op,
        id,
        id_number,
        name,
        unit,
        unit_kind,
        city_code,
        title,
        title_level,
        series,
        phone,
        file_location,
    ] = f.as_slice()
    else {
        return None;
    };
    if (*op != "+" && *op != "~") || id.parse::<i64>().is_err() {
        return None;
    }
    let v = serde_json::json!({
        "id_number": unescape(id_number),
        "name": unescape(name),
        "unit": unescape(unit),
        "unit_kind": unit_kind,
        "city_code": unescape(city_code),
        "title": unescape(title),
        "title_level": match *title_level { "-" => None, l => Some(l) },
        "series": unescape(series),
        "phone": unescape(phone),
        "file_location": unescape(file_location),
    });
    Some((unescape(id_number), v))
}

// ---------------------------------------------------------------------------------------------
// The state behind the trail.

/// One way the database differs from what its trail says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Finding {
    /// `field` of `subject` is `now` in the database; the trail's last record on it (`record`)
    /// says `trail`.
    /// `field` is the column as the trail's JSON names it (`person`, `year`, `status`), or a
    /// place inside a JSON column (`verification.years[0].public`).
    Differs {
        subject: String,
        field: String,
        trail: String,
        now: String,
        record: i64,
    },
    /// A row the trail never recorded (made behind the trail).
    Unrecorded { subject: String },
    /// The trail recorded `subject` (last in `record`) and the database has no such row.
    Missing { subject: String, record: i64 },
    /// R5.5 The payload of import record `record` (the entries or people it created or
    /// changed) is not what the record signed. The rows it created (`created`: their kind,
    /// first and last id, when the record names them) are then known to no record: they are
    /// reported here, not one by one.
    Payload {
        record: i64,
        problem: PayloadProblem,
        created: Option<(PayloadKind, i64, i64)>,
    },
    /// R7.2 The counter of `office` and `year` is `counter`; the trail issued `issued` numbers.
    Counter {
        office: String,
        year: i32,
        counter: i64,
        issued: i64,
    },
    /// R6.4 The per-person, per-year totals a batch's verification and the reports read hold
    /// `stored` (public, professional) for `person` and `year`, where the person's registered
    /// entries give `computed`. No audit record holds totals (they follow from the entries the
    /// trail covers), so the comparison is with the totals rebuilt from the entries.
    Totals {
        person: PersonNamed,
        year: i32,
        stored: (Hours, Hours),
        computed: (Hours, Hours),
    },
}

/// A person as a finding names them: by ID number and name, or — when the row is gone — by the
/// internal id that is all that is left of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PersonNamed {
    Known { id_number: String, name: String },
    Gone(i64),
}

impl Describe for PersonNamed {
    fn describe(&self, lang: Lang) -> String {
        match (self, lang) {
            (PersonNamed::Known { id_number, name }, _) => {
                format!("{id_number} {}", clean_line(name))
            }
            (PersonNamed::Gone(id), Lang::Zh) => {
                format!("内部编号为 {id} 的人员（人员表中已没有此人）")
            }
            (PersonNamed::Gone(id), Lang::En) => {
                format!("the person of internal id {id} (no longer in the people table)")
            }
        }
    }
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
                Finding::Payload {
                    record,
                    problem,
                    created,
                },
                lang,
            ) => {
                let what = match (problem, lang) {
                    (PayloadProblem::Changed, Lang::Zh) => {
                        "已被改动：其内容的 SHA-256 与记录签署的不符".to_string()
                    }
                    (PayloadProblem::Changed, Lang::En) => {
                        "was changed: its SHA-256 is not the one the record signed".to_string()
                    }
                    (PayloadProblem::Missing, Lang::Zh) => "不存在：被绕过程序删除".to_string(),
                    (PayloadProblem::Missing, Lang::En) => {
                        "is missing: deleted behind the trail".to_string()
                    }
                    (PayloadProblem::Damaged { part }, Lang::Zh) => {
                        format!("第 {part} 部分无法读出完整的行：被绕过程序改动")
                    }
                    (PayloadProblem::Damaged { part }, Lang::En) => {
                        format!(
                            "does not read as whole lines at part {part}: changed behind the trail"
                        )
                    }
                    (PayloadProblem::Unsigned, Lang::Zh) => {
                        "没有签署它的记录：被绕过程序写入".to_string()
                    }
                    (PayloadProblem::Unsigned, Lang::En) => {
                        "is signed by no record: written behind the trail".to_string()
                    }
                };
                let range = match (created, lang) {
                    (Some((PayloadKind::Entries, a, b)), Lang::Zh) => {
                        format!("；它新增的培训记录 entry:{a}…entry:{b} 因而没有可信的审计记录")
                    }
                    (Some((PayloadKind::Entries, a, b)), Lang::En) => format!(
                        "; the entries it created, entry:{a} to entry:{b}, have no record to trust"
                    ),
                    (Some((PayloadKind::People, a, b)), Lang::Zh) => {
                        format!("；它新增的人员（people 表 id {a}…{b}）因而没有可信的审计记录")
                    }
                    (Some((PayloadKind::People, a, b)), Lang::En) => format!(
                        "; the people it created, ids {a} to {b} of people, have no record to trust"
                    ),
                    (None, _) => String::new(),
                };
                match lang {
                    Lang::Zh => format!("审计记录第 {record} 条（名册导入）的明细{what}{range}"),
                    Lang::En => {
                        format!(
                            "the payload of audit record {record} (a roster import) {what}{range}"
                        )
                    }
                }
            }
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
            (
                Finding::Totals {
                    person,
                    year,
                    stored,
                    computed,
                },
                lang,
            ) => {
                let who = person.describe(lang);
                let pair = |(p, q): &(Hours, Hours)| format!("{p}+{q}");
                let (stored, computed) = (pair(stored), pair(computed));
                match lang {
                    Lang::Zh => format!(
                        "{who} {year}年的学时汇总（公需+专业）现为“{stored}”，而按其培训记录重算应为“{computed}”：汇总与记录不符，被绕过程序修改（R6.4）"
                    ),
                    Lang::En => format!(
                        "{who}: the {year} totals (public+professional) are \"{stored}\" but rebuilt from the entries they are \"{computed}\": changed behind the services (R6.4)"
                    ),
                }
            }
        }
    }
}

/// How a payload differs from what its record signed (R5.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PayloadProblem {
    /// Its lines are not the ones whose SHA-256 the record states.
    Changed,
    /// The record states a payload and none is kept.
    Missing,
    /// Part `part` does not unpack to whole lines, or the parts do not run from 0.
    Damaged { part: i64 },
    /// Parts are kept for a record that states no payload.
    Unsigned,
}

/// What [`check_state`] found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StateReport {
    /// Every difference, in the order of the tables: people, entries, filings, applicants,
    /// certificates, counters.
    pub findings: Vec<Finding>,
    /// Rows the trail knows, compared on what it says of them.
    pub compared: u64,
    /// People, entries and filings a `jijiao demo` run wrote (it records the ids it wrote in
    /// one summary, not a record per row), so without a record of their own.
    pub demo_rows: u64,
}

/// A field as the trail last recorded it, and in which record.
type Said<T> = Option<(T, i64)>;

/// How a field's value is written, in the trail and in its table, so the two compare as text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// As it is: text, a number, a date; NULL and JSON null as `-`.
    Plain,
    /// R2 Hours: the trail writes `"12.5"`, the table tenths (125).
    Hours,
}

/// One column the trail's records state: its key in their JSON, the SQL expression that reads
/// it from the table as the JSON writes it, and its shape.
#[derive(Debug, Clone, Copy)]
struct Field {
    key: &'static str,
    sql: &'static str,
    shape: Shape,
}

const fn plain(key: &'static str) -> Field {
    Field {
        key,
        sql: key,
        shape: Shape::Plain,
    }
}

/// R5.1 What `entry.create`, `entry.update` (`entries::to_json`), `entry.correct`,
/// `entry.migrate`, the decisions and the evidence records state of an entry.
const ENTRY_FIELDS: &[Field] = &[
    plain("person_id"),
    plain("year"),
    plain("category"),
    plain("form"),
    plain("content"),
    plain("provider"),
    plain("start_date"),
    plain("end_date"),
    Field {
        key: "hours",
        sql: "hours_tenths",
        shape: Shape::Hours,
    },
    plain("result"),
    plain("state"),
    Field {
        key: "migrated",
        sql: "CASE WHEN migrated THEN 'true' ELSE 'false' END",
        shape: Shape::Plain,
    },
    plain("filing_id"),
];

/// R1.2 What `person.create` / `person.update` (`people::to_json`) and `person.normalise` state.
const PERSON_FIELDS: &[Field] = &[
    plain("name"),
    plain("unit"),
    plain("unit_kind"),
    plain("city_code"),
    plain("title"),
    plain("title_level"),
    plain("series"),
    plain("phone"),
    plain("file_location"),
];

/// R4.2 What `filing.create` / `filing.update` (`filings::to_json`) and the decisions state.
const FILING_FIELDS: &[Field] = &[
    plain("name"),
    plain("category"),
    plain("applicant_unit"),
    plain("institution"),
    plain("start_date"),
    plain("end_date"),
    plain("status"),
    plain("approved_on"),
    plain("address"),
    plain("post_code"),
    plain("email"),
    plain("head"),
    plain("head_post"),
    plain("head_phone"),
    plain("contact"),
    plain("contact_post"),
    plain("contact_phone"),
    plain("place"),
    plain("trainees"),
    plain("programme"),
    plain("schedule"),
];

/// The certificate fields an issue record carries: its JSON key, and the column (of the
/// query in [`certificates`]) it is held against.
const CERTIFICATE_FIELDS: [(&str, &str); 12] = [
    ("person", "person"),
    ("from", "period_from"),
    ("to", "period_to"),
    ("name", "name"),
    ("unit", "unit"),
    ("title", "title"),
    ("clerk", "clerk"),
    ("phone", "phone"),
    ("issued_on", "issued_on"),
    ("code", "code"),
    ("replaces", "replaces"),
    ("office", "office"),
];

/// A value of the trail as text: `None` for what cannot be compared (an object, a list, hours
/// that do not read).
fn said_text(v: &Value, shape: Shape) -> Option<String> {
    match (v, shape) {
        (Value::Null, _) => Some("-".into()),
        (Value::String(s), Shape::Hours) => Hours::parse(s).ok().map(|h| h.to_string()),
        (Value::String(s), Shape::Plain) => Some(s.clone()),
        (Value::Number(n), _) => Some(n.to_string()),
        (Value::Bool(b), _) => Some(b.to_string()),
        _ => None,
    }
}

/// A value of a table as text, as [`said_text`] writes the trail's.
fn table_text(v: rusqlite::types::ValueRef<'_>, shape: Shape) -> String {
    use rusqlite::types::ValueRef;
    match (v, shape) {
        (ValueRef::Null, _) => "-".into(),
        (ValueRef::Integer(i), Shape::Hours) => Hours::from_tenths(i).to_string(),
        (ValueRef::Integer(i), Shape::Plain) => i.to_string(),
        (ValueRef::Real(f), _) => f.to_string(),
        (ValueRef::Text(t), _) => String::from_utf8_lossy(t).into_owned(),
        (ValueRef::Blob(b), _) => format!("({} bytes)", b.len()),
    }
}

/// What the trail last said of one row: for each field (as the table's field list orders
/// them) the fingerprint of the value some record stated, and that record. Fingerprints rather
/// than the text keep a trail of a million entries in memory the size it was when only states
/// were compared; the text is read again from the record when it differs.
#[derive(Debug, Default)]
struct RowTrail {
    /// The last record on the row.
    last: i64,
    fields: Vec<Option<(Fingerprint, i64)>>,
}

/// The first 16 bytes of a value's SHA-256: a value written to collide with another would
/// have to break SHA-256.
type Fingerprint = [u8; 16];

fn fingerprint(text: &str) -> Fingerprint {
    let digest = sha2::Sha256::digest(text.as_bytes());
    let mut out = [0; 16];
    out.copy_from_slice(&digest[..16]);
    out
}

impl RowTrail {
    /// Take what record `id` states of the row: each field its JSON names replaces what an
    /// earlier record said; the others stand.
    fn take(&mut self, id: i64, after: &Value, fields: &[Field]) {
        self.last = id;
        self.fields.resize(fields.len(), None);
        for (slot, f) in self.fields.iter_mut().zip(fields) {
            if let Some(v) = after.get(f.key) {
                *slot = said_text(v, f.shape).map(|t| (fingerprint(&t), id));
            }
        }
    }

    /// Forget field `key` of `fields`: what the trail says of it is no longer known.
    fn forget(&mut self, fields: &[Field], key: &str) {
        if let Some(i) = fields.iter().position(|f| f.key == key)
            && let Some(slot) = self.fields.get_mut(i)
        {
            *slot = None;
        }
    }
}

/// The text of field `f` of the row keyed `key` as record `id` states it (read again for a
/// report): from the record's JSON, or, for an import's record, from its payload's line on
/// that row.
fn said_in(conn: &Connection, id: i64, f: &Field, key: &str) -> Result<String> {
    let (action, after): (String, Option<String>) = conn
        .prepare_cached("SELECT action, after FROM audit WHERE id = ?1")?
        .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))?;
    let v: Value = if let Some(kind) = PayloadKind::of_action(&action) {
        let mut found = Value::Null;
        audit::read_payload(conn, id, &mut |line| {
            if let Some((row, v)) = kind.read_line(line)
                && row == key
            {
                found = v;
            }
            Ok(())
        })?;
        found
    } else {
        after
            .and_then(|a| serde_json::from_str(&a).ok())
            .unwrap_or(Value::Null)
    };
    Ok(v.get(f.key)
        .and_then(|v| said_text(v, f.shape))
        .unwrap_or_else(|| "?".into()))
}

#[derive(Debug, Default)]
struct EntryTrail {
    row: RowTrail,
    evidence: Said<BTreeSet<String>>,
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
    verification: Said<Value>,
    voided: Said<bool>,
    void_reason: Said<String>,
}

fn text_of(v: &Value) -> Option<String> {
    said_text(v, Shape::Plain)
}

/// One `jijiao demo` run, which records the rows it wrote as ranges of ids.
#[derive(Debug)]
struct DemoRun {
    /// When it ran (its record's time, and the `created_at` of the people and filings it
    /// wrote).
    at: String,
    /// `people`, `entries`, `filings` → the first and last id it wrote; `None` in a record
    /// of an older jijiao, which did not say.
    rows: Option<BTreeMap<String, (i64, i64)>>,
}

#[derive(Default)]
struct Trail {
    people: BTreeMap<String, RowTrail>,
    entries: BTreeMap<String, EntryTrail>,
    filings: BTreeMap<String, RowTrail>,
    applicants: BTreeMap<i64, ApplicantTrail>,
    certificates: BTreeMap<String, CertificateTrail>,
    demo: Vec<DemoRun>,
    /// Import records that sign a payload.
    signed_payloads: BTreeSet<i64>,
    /// Payloads that are not what their record signed: the record, how, and the entries it
    /// says it created.
    bad_payloads: Vec<BadPayload>,
}

/// A payload that is not what its record signed: the record, how, and the kind, first and last
/// id of the rows the record says it created.
type BadPayload = (i64, PayloadProblem, Option<(PayloadKind, i64, i64)>);

impl Trail {
    fn read(conn: &Connection) -> Result<Trail> {
        let mut t = Trail::default();
        let mut stmt =
            conn.prepare("SELECT id, at, action, subject, after FROM audit ORDER BY id")?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            let id: i64 = row.get(0)?;
            let at: String = row.get(1)?;
            let action: String = row.get(2)?;
            let subject: String = row.get(3)?;
            let after: Option<String> = row.get(4)?;
            let after: Value = after
                .and_then(|a| serde_json::from_str(&a).ok())
                .unwrap_or(Value::Null);
            if action == "demo.generate" {
                t.demo.push(DemoRun {
                    at,
                    rows: demo_rows(&after),
                });
            }
            t.take(id, &action, &subject, &after);
            if let Some(kind) = PayloadKind::of_action(&action) {
                t.replay(conn, id, kind, &after)?;
            }
        }
        Ok(t)
    }

    /// R5.5 An import's record that signs a payload: every line of the payload (an entry's or
    /// a person's, as `kind` says) is taken as a record of its own, at the import's place in
    /// the trail — once the lines have been read and found to be the ones the record signed
    /// (read twice: the first reading only hashes, so nothing unsigned is ever taken).
    fn replay(
        &mut self,
        conn: &Connection,
        id: i64,
        kind: PayloadKind,
        after: &Value,
    ) -> Result<()> {
        let Some(signed) = after["payload"]["sha256"].as_str() else {
            return Ok(());
        };
        self.signed_payloads.insert(id);
        let problem = match audit::read_payload(conn, id, &mut |_| Ok(()))? {
            audit::PayloadRead::Read(d) if d.sha256 == signed => None,
            audit::PayloadRead::Read(_) => Some(PayloadProblem::Changed),
            audit::PayloadRead::Missing => Some(PayloadProblem::Missing),
            audit::PayloadRead::Damaged { part } => Some(PayloadProblem::Damaged { part }),
        };
        if let Some(problem) = problem {
            let created = after["created"]
                .as_array()
                .and_then(|r| Some((kind, r.first()?.as_i64()?, r.get(1)?.as_i64()?)));
            self.bad_payloads.push((id, problem, created));
            return Ok(());
        }
        audit::read_payload(conn, id, &mut |line| {
            if let Some((key, v)) = kind.read_line(line) {
                self.take(id, kind.action(), &kind.subject(&key), &v);
            }
            Ok(())
        })?;
        Ok(())
    }

    /// Whether row `id` of `table` is one a payload that is not what its record signed says it
    /// created.
    fn in_bad_payload(&self, table: &str, id: i64) -> bool {
        self.bad_payloads.iter().any(|(_, _, c)| {
            c.is_some_and(|(kind, a, b)| kind.table() == table && (a..=b).contains(&id))
        })
    }

    fn take(&mut self, id: i64, action: &str, subject: &str, after: &Value) {
        let Some((kind, key)) = subject.split_once(':') else {
            return;
        };
        match kind {
            "person" => {
                self.people
                    .entry(key.to_string())
                    .or_default()
                    .take(id, after, PERSON_FIELDS);
            }
            "entry" => {
                let e = self.entries.entry(key.to_string()).or_default();
                e.row.take(id, after, ENTRY_FIELDS);
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
                f.take(id, after, FILING_FIELDS);
                // The approval date goes with the status it was recorded with: a status
                // stated without one leaves the date unknown.
                if after.get("status").is_some() && after.get("approved_on").is_none() {
                    f.forget(FILING_FIELDS, "approved_on");
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
                        c.void_reason = None;
                        c.fields.clear();
                        // R7.2 The number names its office, year and sequence.
                        if let Some(n) = CertificateNumber::parse(key) {
                            c.fields.insert("office", (n.office, id));
                            c.fields.insert("year", (n.year.to_string(), id));
                            c.fields.insert("sequence", (n.sequence.to_string(), id));
                        }
                        for (from, to) in CERTIFICATE_FIELDS {
                            if let Some(v) = after.get(from).and_then(text_of) {
                                c.fields.insert(to, (v, id));
                            }
                        }
                        c.verification = after
                            .get("verification")
                            .filter(|v| v.is_object())
                            .map(|v| (v.clone(), id));
                    }
                    "certificate.void" => {
                        c.voided = Some((true, id));
                        c.void_reason = after["reason"].as_str().map(|r| (r.to_string(), id));
                    }
                    _ => {}
                }
            }
            _ => {}
        }
    }

    /// Whether row `id` of `table` (one of `store::audit::RANGED`), made at `created_at` by
    /// `person` (an entry's person's row id), was written by a demo run. A run of an older
    /// jijiao did not record its ids: the people and filings it made carry its time, and the
    /// entries it made belong to those people.
    fn demo_made(&self, table: &str, id: i64, created_at: &str, person: Option<&str>) -> bool {
        self.demo.iter().any(|run| match &run.rows {
            Some(rows) => rows
                .get(table)
                .is_some_and(|(first, last)| (*first..=*last).contains(&id)),
            None => match table {
                "entries" => person.is_some_and(|p| p == run.at),
                _ => created_at == run.at,
            },
        })
    }
}

/// The ranges a `demo.generate` record states (`store::audit::written_rows`).
fn demo_rows(after: &Value) -> Option<BTreeMap<String, (i64, i64)>> {
    let rows = after.get("rows")?.as_object()?;
    Some(
        rows.iter()
            .filter_map(|(table, range)| {
                let first = range.get(0)?.as_i64()?;
                let last = range.get(1)?.as_i64()?;
                Some((table.clone(), (first, last)))
            })
            .collect(),
    )
}

/// Compare the database with what its trail says (see the module). Reads every table once.
pub fn check_state(conn: &Connection) -> Result<StateReport> {
    let trail = Trail::read(conn)?;
    let mut r = StateReport::default();
    for &(record, problem, created) in &trail.bad_payloads {
        r.findings.push(Finding::Payload {
            record,
            problem,
            created,
        });
    }
    for record in audit::payload_records(conn)? {
        if !trail.signed_payloads.contains(&record) {
            r.findings.push(Finding::Payload {
                record,
                problem: PayloadProblem::Unsigned,
                created: None,
            });
        }
    }
    let names = Names { conn };
    rows(conn, &trail, &names, &PEOPLE, &mut r)?;
    rows(conn, &trail, &names, &ENTRIES, &mut r)?;
    evidence(conn, &trail, &mut r)?;
    rows(conn, &trail, &names, &FILINGS, &mut r)?;
    applicants(conn, &trail, &mut r)?;
    certificates(conn, &trail, &mut r)?;
    counters(conn, &trail, &mut r)?;
    totals(conn, &mut r)?;
    Ok(r)
}

/// R6.4 The per-person, per-year totals that the "short" filter and a batch's verification read
/// (`store::totals`) must be what the entries give: a row changed behind the services would
/// pass a person who is short. They have no record of their own; they follow from the entries,
/// which the trail covers, so each difference is reported against the entries' sum
/// ([`Finding::Totals`]), the person by ID number and name.
fn totals(conn: &Connection, r: &mut StateReport) -> Result<()> {
    for d in crate::store::totals::drift(conn)? {
        let person = conn
            .prepare_cached("SELECT id_number, name FROM people WHERE id = ?1")?
            .query_row([d.person_id], |row| {
                Ok(PersonNamed::Known {
                    id_number: row.get(0)?,
                    name: row.get(1)?,
                })
            })
            .optional()?
            .unwrap_or(PersonNamed::Gone(d.person_id));
        r.findings.push(Finding::Totals {
            person,
            year: d.year,
            stored: d.stored,
            computed: d.computed,
        });
    }
    Ok(())
}

/// How the rows of people and filings are named to the clerk: an entry's `person_id` and
/// `filing_id` are internal, so a difference names the ID number and filing number they stand
/// for (looked up only for a difference).
struct Names<'c> {
    conn: &'c Connection,
}

impl Names<'_> {
    /// The field and value as the clerk reads them.
    fn show(&self, field: &str, value: &str) -> Result<(String, String)> {
        let (label, sql) = match field {
            "person_id" => ("person", "SELECT id_number FROM people WHERE id = ?1"),
            "filing_id" => ("filing", "SELECT filing_no FROM filings WHERE id = ?1"),
            _ => return Ok((field.to_string(), value.to_string())),
        };
        let name: Option<String> = match value.parse::<i64>() {
            Ok(id) => self
                .conn
                .prepare_cached(sql)?
                .query_row([id], |r| r.get(0))
                .optional()?,
            Err(_) => None,
        };
        let shown = match (value, name) {
            ("-", _) => "-".to_string(),
            (_, Some(name)) => name,
            // A row that is gone: its id is all there is.
            (id, None) => format!("#{id}"),
        };
        Ok((label.to_string(), shown))
    }
}

/// A table whose rows the trail records one subject each.
struct Table {
    /// As `store::audit::RANGED` and SQL name it.
    name: &'static str,
    /// The subject's prefix in the trail: `person`, `entry`, `filing`.
    kind: &'static str,
    /// The SQL of the subject's key: the ID number, the entry's id, the filing number.
    key: &'static str,
    /// For entries: the entry's person (for a demo run of an older jijiao); else `NULL`.
    person: &'static str,
    fields: &'static [Field],
}

const PEOPLE: Table = Table {
    name: "people",
    kind: "person",
    key: "id_number",
    person: "NULL",
    fields: PERSON_FIELDS,
};

const ENTRIES: Table = Table {
    name: "entries",
    kind: "entry",
    key: "CAST(id AS TEXT)",
    person: "person_id",
    fields: ENTRY_FIELDS,
};

const FILINGS: Table = Table {
    name: "filings",
    kind: "filing",
    key: "filing_no",
    person: "NULL",
    fields: FILING_FIELDS,
};

fn trail_of<'a>(trail: &'a Trail, table: &Table, key: &str) -> Option<&'a RowTrail> {
    match table.kind {
        "person" => trail.people.get(key),
        "entry" => trail.entries.get(key).map(|e| &e.row),
        _ => trail.filings.get(key),
    }
}

/// Hold every row of `table` against the trail: each field the trail's last record on it
/// states; a row the trail never recorded (unless a demo run wrote it); a row the trail
/// recorded and the table lacks.
fn rows(
    conn: &Connection,
    trail: &Trail,
    names: &Names<'_>,
    table: &Table,
    r: &mut StateReport,
) -> Result<()> {
    let columns: Vec<&str> = table.fields.iter().map(|f| f.sql).collect();
    let sql = format!(
        "SELECT id, {key}, created_at, {person}, {cols} FROM {name} ORDER BY id",
        key = table.key,
        person = table.person,
        cols = columns.join(", "),
        name = table.name,
    );
    let mut seen = BTreeSet::new();
    let mut stmt = conn.prepare(&sql)?;
    let mut rows = stmt.query([])?;
    while let Some(row) = rows.next()? {
        let id: i64 = row.get(0)?;
        let key: String = row.get(1)?;
        let subject = format!("{}:{key}", table.kind);
        let said = trail_of(trail, table, &key);
        let key_text = key.clone();
        seen.insert(key);
        let Some(said) = said else {
            // Seconds in `entries` (migration 25), RFC 3339 text in the other tables.
            let created_at = crate::store::entries::stamp_text(row.get_ref(2)?).unwrap_or_default();
            let person: Option<i64> = row.get(3)?;
            // Only a demo run of an older jijiao needs to know when the person was made.
            let person_made: Option<String> = match person {
                Some(p) if trail.demo.iter().any(|run| run.rows.is_none()) => conn
                    .prepare_cached("SELECT created_at FROM people WHERE id = ?1")?
                    .query_row([p], |r| r.get(0))
                    .optional()?,
                _ => None,
            };
            if trail.demo_made(table.name, id, &created_at, person_made.as_deref()) {
                r.demo_rows += 1;
            } else if trail.in_bad_payload(table.name, id) {
                // Named once, with the payload that should have recorded it.
                continue;
            } else {
                r.findings.push(Finding::Unrecorded { subject });
            }
            continue;
        };
        r.compared += 1;
        for (i, f) in table.fields.iter().enumerate() {
            let Some((was, record)) = said.fields.get(i).copied().flatten() else {
                continue;
            };
            let now = table_text(row.get_ref(4 + i)?, f.shape);
            if fingerprint(&now) != was {
                let was = said_in(conn, record, f, &key_text)?;
                let (field, trail_shown) = names.show(f.key, &was)?;
                let (_, now_shown) = names.show(f.key, &now)?;
                r.findings.push(Finding::Differs {
                    subject: subject.clone(),
                    field,
                    trail: trail_shown,
                    now: now_shown,
                    record,
                });
            }
        }
    }
    let recorded: Vec<(&String, i64)> = match table.kind {
        "person" => trail.people.iter().map(|(k, t)| (k, t.last)).collect(),
        "entry" => trail.entries.iter().map(|(k, t)| (k, t.row.last)).collect(),
        _ => trail.filings.iter().map(|(k, t)| (k, t.last)).collect(),
    };
    for (key, last) in recorded {
        if !seen.contains(key) {
            r.findings.push(Finding::Missing {
                subject: format!("{}:{key}", table.kind),
                record: last,
            });
        }
    }
    Ok(())
}

fn set_text(s: &BTreeSet<String>) -> String {
    s.iter().cloned().collect::<Vec<_>>().join(",")
}

/// R3 The evidence of each entry whose set the trail knows.
fn evidence(conn: &Connection, trail: &Trail, r: &mut StateReport) -> Result<()> {
    let mut exists = conn.prepare_cached("SELECT 1 FROM entries WHERE id = ?1")?;
    for (key, t) in &trail.entries {
        let (Some((set, record)), Ok(id)) = (&t.evidence, key.parse::<i64>()) else {
            continue;
        };
        if !exists.exists([id])? {
            continue;
        }
        let now = crate::store::entries::evidence(conn, id)?;
        if &now != set {
            r.findings.push(Finding::Differs {
                subject: format!("entry:{id}"),
                field: "evidence".into(),
                trail: set_text(set),
                now: set_text(&now),
                record: *record,
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
        let t = trail.applicants.get(&id);
        // Added to a batch (recorded under the batch) and never decided: it must still be
        // undecided and without a certificate (record 0: no record of its own says so).
        let said_state = t
            .and_then(|t| t.state.clone())
            .unwrap_or_else(|| ("undecided".into(), 0));
        let said_cert = t
            .and_then(|t| t.certificate.clone())
            .unwrap_or_else(|| ("-".into(), 0));
        let now_cert = number.unwrap_or_else(|| "-".into());
        for (field, (was, record), now) in [
            ("state", said_state, state),
            ("certificate", said_cert, now_cert),
        ] {
            if was != now {
                r.findings.push(Finding::Differs {
                    subject: subject.clone(),
                    field: field.into(),
                    trail: was,
                    now,
                    record,
                });
            }
        }
    }
    Ok(())
}

/// The first place where two JSON values differ: its path (`.years[0].public`) and each
/// side's value there (`-` where one side has none).
fn first_difference(path: &str, was: &Value, now: &Value) -> Option<(String, String, String)> {
    fn show(v: Option<&Value>) -> String {
        match v {
            None => "-".into(),
            Some(v) => text_of(v).unwrap_or_else(|| {
                let s = v.to_string();
                match s.char_indices().nth(60) {
                    Some((cut, _)) => format!("{}…", &s[..cut]),
                    None => s,
                }
            }),
        }
    }
    match (was, now) {
        (Value::Object(a), Value::Object(b)) => {
            let keys: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
            keys.into_iter().find_map(|k| {
                let p = format!("{path}.{k}");
                match (a.get(k), b.get(k)) {
                    (Some(x), Some(y)) => first_difference(&p, x, y),
                    (x, y) => Some((p, show(x), show(y))),
                }
            })
        }
        (Value::Array(a), Value::Array(b)) => (0..a.len().max(b.len())).find_map(|i| {
            let p = format!("{path}[{i}]");
            match (a.get(i), b.get(i)) {
                (Some(x), Some(y)) => first_difference(&p, x, y),
                (x, y) => Some((p, show(x), show(y))),
            }
        }),
        _ => (was != now).then(|| (path.to_string(), show(Some(was)), show(Some(now)))),
    }
}

fn certificates(conn: &Connection, trail: &Trail, r: &mut StateReport) -> Result<()> {
    let mut seen = BTreeSet::new();
    let mut stmt = conn.prepare(
        "SELECT c.number, p.id_number, c.period_from, c.period_to, c.name, c.unit, c.title,
                c.clerk, c.phone, c.issued_on, c.code, o.number, c.office, c.year, c.sequence,
                c.verification, c.voided_by IS NOT NULL, c.void_reason
         FROM certificates c LEFT JOIN people p ON p.id = c.person_id
         LEFT JOIN certificates o ON o.id = c.replaces ORDER BY c.id",
    )?;
    let names = CERTIFICATE_FIELDS
        .iter()
        .map(|(_, col)| *col)
        .chain(["year", "sequence"]);
    let columns: Vec<&str> = names.collect();
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
        let mut differs = |field: String, trail: String, now: String, record: i64| {
            r.findings.push(Finding::Differs {
                subject: subject.clone(),
                field,
                trail,
                now,
                record,
            })
        };
        for (i, field) in columns.iter().enumerate() {
            if let Some((was, record)) = t.fields.get(field) {
                let now = table_text(row.get_ref(1 + i)?, Shape::Plain);
                if was != &now {
                    differs(field.to_string(), was.clone(), now, *record);
                }
            }
        }
        if let Some((was, record)) = &t.verification {
            let text: String = row.get(15)?;
            match serde_json::from_str::<Value>(&text) {
                Ok(now) => {
                    if let Some((path, was, now)) = first_difference("verification", was, &now) {
                        differs(path, was, now, *record);
                    }
                }
                Err(_) => differs(
                    "verification".into(),
                    "JSON".into(),
                    clean_line(text.chars().take(60).collect::<String>().as_str()),
                    *record,
                ),
            }
        }
        let voided: bool = row.get(16)?;
        let status = |v: bool| if v { "void" } else { "valid" }.to_string();
        if let Some((was, record)) = t.voided
            && was != voided
        {
            differs("status".into(), status(was), status(voided), record);
        }
        if let (Some((was, record)), true) = (&t.void_reason, voided) {
            let now: Option<String> = row.get(17)?;
            let now = now.unwrap_or_else(|| "-".into());
            if was != &now {
                differs("void_reason".into(), was.clone(), now, *record);
            }
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

    proptest::proptest! {
        /// R5.5 Any text a roster brings (Chinese, tabs, line breaks, backslashes, the four
        /// next to each other and to multi-byte characters) is escaped to one field of one line
        /// and reads back as it was.
        #[test]
        fn r5_5_a_payload_field_reads_back_as_the_text_was(
            text in "[\\\\\t\n\r a-z\u{4e00}-\u{4e2f}\u{1f600}]{0,40}"
        ) {
            let mut out = String::from("x");
            escape_into(&mut out, &text);
            proptest::prop_assert!(!out.contains(['\t', '\n', '\r']), "{out:?}");
            proptest::prop_assert_eq!(unescape(&out[1..]), text);
        }

        /// R5.5 Dates and hours in a payload line read as their `Display` writes them, which
        /// `audit verify` compares with: any date chrono holds, any number of tenths.
        #[test]
        fn r5_5_payload_dates_and_hours_are_written_as_displayed(
            days in -400_000_i32..4_000_000,
            tenths in proptest::num::i64::ANY,
        ) {
            let date = chrono::NaiveDate::from_num_days_from_ce_opt(days)
                .unwrap_or(chrono::NaiveDate::MIN);
            let mut out = String::new();
            push_date(&mut out, date);
            proptest::prop_assert_eq!(&out, &date.to_string());
            let hours = crate::domain::Hours::from_tenths(tenths);
            out.clear();
            push_hours(&mut out, hours);
            proptest::prop_assert_eq!(out, hours.to_string());
        }
    }

    /// R5.5 A payload line reads back as the record of a single entry states it: every field
    /// `audit verify` compares, the evidence set, and text with tabs, line breaks and
    /// backslashes intact (the line stays one line of tab-separated fields).
    #[test]
    fn r5_5_a_payload_line_reads_back_as_an_entry_record_states_the_entry() {
        use crate::domain::{AssessmentResult, Category, Entry, EntryState, Form, Hours};
        use crate::store::entries::{NewEntry, to_value};
        let day = |d| chrono::NaiveDate::from_ymd_opt(2016, 3, d).expect("date");
        for (filing_id, content, evidence) in [
            (None, "内科进展", vec![]),
            (
                Some(7),
                "a\tb\\c\nd\re\\t",
                vec!["attendance", "certificate"],
            ),
        ] {
            let new = NewEntry {
                person_id: 42,
                entry: Entry {
                    year: 2016,
                    category: Category::Professional,
                    form: Form::TrainingClass,
                    content: content.to_string(),
                    provider: "省医学会\t分会".to_string(),
                    start_date: day(1),
                    end_date: day(5),
                    hours: Hours::from_tenths(225),
                    result: AssessmentResult::Pass,
                    state: EntryState::Registered,
                    migrated: true,
                },
                filing_id,
                batch_id: Some(3),
            };
            let evidence: BTreeSet<String> = evidence.into_iter().map(String::from).collect();
            let mut line = String::new();
            entry_line(&mut line, PayloadOp::Created, 17, &new, &evidence);
            assert!(
                !line.contains('\n') && line.split('\t').count() == 16,
                "{line:?}"
            );
            let (id, v) = entry_from_line(&line).expect("an entry's line");
            assert_eq!(id, 17);
            let said = to_value(&new);
            for f in ENTRY_FIELDS {
                assert_eq!(v.get(f.key), said.get(f.key), "{}", f.key);
            }
            assert_eq!(v["evidence"], serde_json::json!(evidence));
        }
        assert_eq!(entry_from_line(ENTRIES_PAYLOAD_HEAD), None);
    }

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

    /// A person row written straight into the table, as `sqlite3` (or the demo's bulk
    /// writer) would: no record of its own.
    fn bare_person(store: &Store, id_number: &str, created_at: &str) -> i64 {
        store
            .conn()
            .execute(
                "INSERT INTO people (id_number, name, unit, unit_kind, city_code, created_at,
                     updated_at)
                 VALUES (?1, '某人', '某单位', 'city', '430100', ?2, ?2)",
                [id_number, created_at],
            )
            .unwrap();
        store.conn().last_insert_rowid()
    }

    fn demo_record(store: &mut Store, at: &str, after: &str) {
        let tx = store.write().unwrap();
        audit::append(
            &tx,
            &audit::Record {
                at,
                user: "admin",
                action: "demo.generate",
                subject: "demo:seed-1",
                before: None,
                after: Some(after),
            },
        )
        .unwrap();
        tx.commit().unwrap();
    }

    fn unrecorded(report: &StateReport) -> Vec<String> {
        report
            .findings
            .iter()
            .filter_map(|f| match f {
                Finding::Unrecorded { subject } => Some(subject.clone()),
                _ => None,
            })
            .collect()
    }

    /// R5.5 A demo run excuses the rows whose ids it recorded, and no others.
    #[test]
    fn r5_5_a_demo_run_excuses_only_the_rows_it_recorded() {
        use crate::service::fixtures::store_with;
        let mut store = store_with(&[]);
        let first = bare_person(&store, "430102198001010011", "2017-07-15T10:00:00+08:00");
        let last = bare_person(&store, "430203199007200031", "2017-07-15T10:00:00+08:00");
        let after =
            serde_json::json!({ "rows": audit::written_rows([first - 1, 0, 0], [last, 0, 0]) });
        demo_record(&mut store, "2017-07-15T10:00:00+08:00", &after.to_string());
        let report = check_state(store.conn()).unwrap();
        assert_eq!((report.demo_rows, unrecorded(&report)), (2, vec![]));
        bare_person(&store, "430102197001010041", "2017-07-15T10:00:00+08:00");
        let report = check_state(store.conn()).unwrap();
        assert_eq!(
            unrecorded(&report),
            ["person:430102197001010041".to_string()]
        );
    }

    /// A demo record of an older jijiao, which did not state its ids, excuses the people made
    /// at its time (the demo's own stamp) and their entries; a person made at another time is
    /// found.
    #[test]
    fn r5_5_an_older_demo_record_excuses_what_was_made_at_its_time() {
        use crate::service::fixtures::store_with;
        let mut store = store_with(&[]);
        let at = "2017-07-15T10:00:00+08:00";
        let demo = bare_person(&store, "430102198001010011", at);
        store
            .conn()
            .execute(
                "INSERT INTO entries (person_id, year, category, form, content, provider,
                     start_date, end_date, hours_tenths, result, state, created_at, updated_at)
                 VALUES (?1, 2016, 'public', 'training_class', '课', '机构', '2016-03-01', '2016-03-05',
                     300, 'pass', 'registered', '2016-03-06T09:00:00+08:00', 'x')",
                [demo],
            )
            .unwrap();
        demo_record(&mut store, at, "{\"seed\":1}");
        bare_person(&store, "430102197001010041", "2017-07-16T09:00:00+08:00");
        let report = check_state(store.conn()).unwrap();
        assert_eq!(report.demo_rows, 2);
        assert_eq!(
            unrecorded(&report),
            ["person:430102197001010041".to_string()]
        );
    }

    /// The first place two verifications differ is named by its path, with both values.
    #[test]
    fn the_first_difference_of_two_json_values_is_named_by_its_place() {
        let was = serde_json::json!({"pass": true, "years": [{"public": 30}, {"public": 24}]});
        let mut now = was.clone();
        assert_eq!(first_difference("v", &was, &now), None);
        now["years"][1]["public"] = serde_json::json!(12);
        assert_eq!(
            first_difference("v", &was, &now),
            Some(("v.years[1].public".into(), "24".into(), "12".into()))
        );
        now["extra"] = serde_json::json!("x");
        assert_eq!(
            first_difference("v", &was, &now),
            Some(("v.extra".into(), "-".into(), "x".into()))
        );
    }

    /// R5.5 The start of the keyed chain is anchored once, by the connection that holds the
    /// key; a trail not keyed yet, or a key record that does not verify, is not anchored.
    #[test]
    fn r5_5_the_start_of_the_keyed_chain_is_anchored_once() {
        use crate::service::fixtures::store_with;
        let dir = tempfile::tempdir().unwrap();
        let paths = AuditPaths {
            key_file: dir.path().join("audit.key"),
            anchor_log: dir.path().join("anchors"),
            system: false,
        };
        let mut store = store_with(&[]);
        assert_eq!(
            anchor_key_start(&store, &paths, "/db", "2017-07-15T10:00:00+08:00"),
            Ok(None),
            "no key at hand"
        );
        attach_key(&store, &paths).unwrap();
        assert_eq!(
            anchor_key_start(&store, &paths, "/db", "2017-07-15T10:00:00+08:00"),
            Ok(None),
            "not keyed yet: the old records are no one's to anchor"
        );
        let old = audit::head(store.conn()).unwrap().count;
        demo_record(&mut store, "2017-07-15T10:00:00+08:00", "{}");
        let a = anchor_key_start(&store, &paths, "/db", "2017-07-15T10:00:00+08:00")
            .unwrap()
            .expect("anchored");
        assert_eq!((a.count, a.keyed_from), (old + 1, Some(old + 1)));
        assert_eq!(
            anchor_key_start(&store, &paths, "/db", "2017-07-15T11:00:00+08:00"),
            Ok(None),
            "once"
        );
        assert_eq!(
            std::fs::read_to_string(&paths.anchor_log)
                .unwrap()
                .lines()
                .count(),
            1
        );
        store
            .conn()
            .execute(
                "UPDATE audit SET user = 'mallory' WHERE action = 'audit.key'",
                [],
            )
            .unwrap();
        let other = AuditPaths {
            anchor_log: dir.path().join("other"),
            ..paths
        };
        assert_eq!(
            anchor_key_start(&store, &other, "/db", "2017-07-15T10:00:00+08:00"),
            Ok(None),
            "an altered key record is not vouched for"
        );
    }
}
