//! R5.5 The audit trail: one row per write, appended in the writer's transaction, each row
//! hashed together with the previous row's hash so that an altered or deleted row is found by
//! `jijiao audit verify`.
//!
//! A plain hash can be recomputed by whoever can write the file, so the chain is keyed: from the
//! first write made with an audit key (a file outside the database, `[audit] key_file`), every
//! row's hash is an HMAC-SHA256 under that key. The first keyed row is a marker (`audit.key`,
//! subject `audit:key`) naming the key by its fingerprint; the rows before it (a database made
//! before keys existed) are still verified as they always were, and since the marker's keyed
//! hash covers the last of them, none of them can be rewritten either once the marker exists.
//!
//! The key is handed to a connection with [`use_key`] and kept in a temporary table of that
//! connection only (never in the database file), so every service appends through the same
//! [`append`] without carrying the key around.

use hmac::{Hmac, Mac};
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use sha2::{Digest, Sha256};

use super::{Result, StoreError};

/// What a write did, for the audit row.
#[derive(Debug, Clone)]
pub struct Record<'a> {
    pub at: &'a str,
    pub user: &'a str,
    /// e.g. `person.create`, `entry.register`, `import.entries`.
    pub action: &'a str,
    /// e.g. `person:430102199001011234`, `entry:42`.
    pub subject: &'a str,
    pub before: Option<&'a str>,
    pub after: Option<&'a str>,
}

const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The action of the row that starts the keyed chain.
pub const KEY_ACTION: &str = "audit.key";
/// The subject of that row (indexed, so finding it costs one lookup).
pub const KEY_SUBJECT: &str = "audit:key";
/// The secret the trail is keyed with: 32 bytes, kept in a file the program's group alone can
/// read (`[audit] key_file`), written there as 64 hexadecimal digits.
#[derive(Clone, PartialEq, Eq)]
pub struct AuditKey([u8; 32]);

impl std::fmt::Debug for AuditKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the secret itself, in a log or a panic message.
        write!(f, "AuditKey({})", self.id())
    }
}

type HmacSha256 = Hmac<Sha256>;

impl AuditKey {
    pub const fn from_bytes(bytes: [u8; 32]) -> AuditKey {
        AuditKey(bytes)
    }

    /// The key as a key file holds it: 64 hexadecimal digits (surrounding blanks ignored);
    /// `None` for anything else.
    pub fn parse(text: &str) -> Option<AuditKey> {
        let t = text.trim();
        if t.len() != 64 || !t.is_ascii() {
            return None;
        }
        let mut out = [0u8; 32];
        for (i, b) in out.iter_mut().enumerate() {
            *b = u8::from_str_radix(&t[2 * i..2 * i + 2], 16).ok()?;
        }
        Some(AuditKey(out))
    }

    /// The text of a key file for this key (ends with a newline).
    pub fn to_file_text(&self) -> String {
        let mut s = hex(&self.0);
        s.push('\n');
        s
    }

    /// A new key from the operating system's random source (`/dev/urandom`).
    pub fn generate() -> std::io::Result<AuditKey> {
        use std::io::Read;
        let mut out = [0u8; 32];
        std::fs::File::open("/dev/urandom")?.read_exact(&mut out)?;
        Ok(AuditKey(out))
    }

    /// A fingerprint that names the key without revealing it (16 hexadecimal digits), recorded
    /// in the marker row so a wrong key file is told apart from a tampered trail.
    pub fn id(&self) -> String {
        let mut mac = self.mac();
        mac.update(b"jijiao audit key id");
        hex(&mac.finalize().into_bytes()[..8])
    }

    fn mac(&self) -> HmacSha256 {
        // HMAC takes a key of any length; 32 bytes cannot be refused.
        <HmacSha256 as Mac>::new_from_slice(&self.0).unwrap_or_else(|_| unreachable!())
    }

    /// HMAC-SHA256 under this key of `parts`, each length-prefixed so that moving text between
    /// parts changes the result.
    pub fn sign(&self, parts: &[&str]) -> [u8; 32] {
        let mut mac = self.mac();
        for part in parts {
            mac.update(&(part.len() as u64).to_le_bytes());
            mac.update(part.as_bytes());
        }
        mac.finalize().into_bytes().into()
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The hash of row `id`: plain SHA-256 before the keyed chain starts, HMAC-SHA256 under `key`
/// from its marker on.
fn hash(key: Option<&AuditKey>, prev: &str, id: i64, r: &Record<'_>) -> String {
    let id = id.to_string();
    let parts = [
        prev,
        id.as_str(),
        r.at,
        r.user,
        r.action,
        r.subject,
        r.before.unwrap_or("\u{0}"),
        r.after.unwrap_or("\u{0}"),
    ];
    if let Some(k) = key {
        return hex(&k.sign(&parts));
    }
    let mut h = Sha256::new();
    for part in parts {
        // Length-prefix each part so that moving text between fields changes the hash.
        h.update((part.len() as u64).to_le_bytes());
        h.update(part.as_bytes());
    }
    hex(&h.finalize())
}

/// Hand `key` to this connection for its appends (and verification), or take it away
/// (`None`). `path` names the key file in the refusal when the trail is keyed and no key was
/// given. Only this connection sees it: it lives in a temporary table, never in the file.
pub fn use_key(conn: &Connection, key: Option<&AuditKey>, path: &str) -> Result<()> {
    conn.execute_batch(
        "CREATE TEMP TABLE IF NOT EXISTS jijiao_audit_key (
             key BLOB, path TEXT NOT NULL, required INTEGER NOT NULL DEFAULT 0);
         DELETE FROM temp.jijiao_audit_key;",
    )?;
    conn.execute(
        "INSERT INTO temp.jijiao_audit_key (key, path) VALUES (?1, ?2)",
        params![key.map(|k| k.0.to_vec()), path],
    )?;
    Ok(())
}

/// Refuse every write on this connection without a key, keyed trail or not: a system install,
/// whose package made the key, never starts or extends a trail without it. After [`use_key`].
pub fn require_key(conn: &Connection) -> Result<()> {
    conn.execute("UPDATE temp.jijiao_audit_key SET required = 1", [])?;
    Ok(())
}

fn key_required(conn: &Connection) -> Result<bool> {
    Ok(conn
        .query_row(
            "SELECT required FROM temp.jijiao_audit_key LIMIT 1",
            [],
            |r| r.get::<_, bool>(0),
        )
        .optional()
        .unwrap_or(None)
        .unwrap_or(false))
}

/// The key handed to this connection by [`use_key`], and the key file it came from (or would
/// have: the path is known even when the key could not be read).
pub fn key_of(conn: &Connection) -> Result<(Option<AuditKey>, Option<String>)> {
    let installed: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM temp.sqlite_master WHERE name = 'jijiao_audit_key')",
        [],
        |r| r.get(0),
    )?;
    if !installed {
        return Ok((None, None));
    }
    let row: Option<(Option<Vec<u8>>, String)> = conn
        .query_row(
            "SELECT key, path FROM temp.jijiao_audit_key LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    Ok(match row {
        Some((bytes, path)) => (
            bytes
                .and_then(|b| <[u8; 32]>::try_from(b.as_slice()).ok())
                .map(AuditKey),
            Some(path),
        ),
        None => (None, None),
    })
}

/// The marker row that starts the keyed chain: its id and the fingerprint it names.
pub fn marker(conn: &Connection) -> Result<Option<(i64, String)>> {
    let row: Option<(i64, Option<String>)> = conn
        .query_row(
            "SELECT id, after FROM audit WHERE subject = ?1 AND action = ?2 ORDER BY id LIMIT 1",
            params![KEY_SUBJECT, KEY_ACTION],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    Ok(row.map(|(id, after)| {
        let key_id = after
            .and_then(|a| serde_json::from_str::<serde_json::Value>(&a).ok())
            .and_then(|v| v["key_id"].as_str().map(str::to_string))
            .unwrap_or_default();
        (id, key_id)
    }))
}

/// The head of the trail: how many rows and the last one's hash ([`GENESIS`] when empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    pub count: u64,
    pub hash: String,
}

/// The last row of the trail as it stands (not verified: see [`check`]).
pub fn head(conn: &Connection) -> Result<Head> {
    let last: Option<(i64, String)> = conn
        .query_row(
            "SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1",
            [],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()?;
    Ok(match last {
        Some((id, hash)) => Head {
            count: id.max(0) as u64,
            hash,
        },
        None => Head {
            count: 0,
            hash: GENESIS.to_string(),
        },
    })
}

fn insert(tx: &Transaction<'_>, key: Option<&AuditKey>, r: &Record<'_>) -> Result<i64> {
    let Head { count, hash: prev } = head(tx)?;
    let id = count as i64 + 1;
    let h = hash(key, &prev, id, r);
    tx.execute(
        "INSERT INTO audit (id, at, user, action, subject, before, after, prev_hash, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            id, r.at, r.user, r.action, r.subject, r.before, r.after, prev, h
        ],
    )?;
    Ok(id)
}

/// Set when this process wrote an `audit.key` marker (in a transaction that may yet have been
/// rolled back): the caller anchors the start of the keyed chain once the write is over
/// (`service::audit::anchor_key_start`), since an anchor written inside the transaction
/// would vouch for a record a rollback takes away.
static STARTED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Whether this process started a keyed chain (see [`STARTED`]).
pub fn keyed_chain_started() -> bool {
    STARTED.load(std::sync::atomic::Ordering::Relaxed)
}

/// Row `id` as the head it would be anchored as, when its stored hash is its keyed hash under
/// the key handed to this connection; `None` without a key, without the row, or when the row
/// does not verify (nothing that does not verify is ever anchored).
pub fn keyed_row(conn: &Connection, id: i64) -> Result<Option<Head>> {
    let (Some(key), _) = key_of(conn)? else {
        return Ok(None);
    };
    type Row = (
        String,
        String,
        String,
        String,
        Option<String>,
        Option<String>,
        String,
        String,
    );
    let row: Option<Row> = conn
        .query_row(
            "SELECT at, user, action, subject, before, after, prev_hash, hash FROM audit
             WHERE id = ?1",
            [id],
            |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                    r.get(7)?,
                ))
            },
        )
        .optional()?;
    let Some((at, user, action, subject, before, after, prev, stored)) = row else {
        return Ok(None);
    };
    let rec = Record {
        at: &at,
        user: &user,
        action: &action,
        subject: &subject,
        before: before.as_deref(),
        after: after.as_deref(),
    };
    Ok((hash(Some(&key), &prev, id, &rec) == stored).then(|| Head {
        count: id.max(0) as u64,
        hash: stored,
    }))
}

/// Append a record inside the caller's write transaction. With a key on the connection, the
/// first keyed append writes the marker row first (the upgrade of an unkeyed trail). Refused
/// ([`StoreError::AuditKey`]) when the trail is keyed and this connection has no key, or a
/// key other than the trail's: a row written so would break the chain.
pub fn append(tx: &Transaction<'_>, r: &Record<'_>) -> Result<i64> {
    let (key, path) = key_of(tx)?;
    let keyed = marker(tx)?;
    match (&key, keyed) {
        (None, None) if path.is_some() && key_required(tx)? => Err(StoreError::AuditKey {
            path: path.unwrap_or_default(),
            wrong: false,
        }),
        (None, None) => insert(tx, None, r),
        (None, Some(_)) => Err(StoreError::AuditKey {
            path: path.unwrap_or_default(),
            wrong: false,
        }),
        (Some(k), Some((_, id))) if id != k.id() => Err(StoreError::AuditKey {
            path: path.unwrap_or_default(),
            wrong: true,
        }),
        (Some(k), Some(_)) => insert(tx, Some(k), r),
        (Some(k), None) => {
            STARTED.store(true, std::sync::atomic::Ordering::Relaxed);
            let before = head(tx)?;
            let after = serde_json::json!({
                "key_id": k.id(),
                "unkeyed_records": before.count,
            })
            .to_string();
            insert(
                tx,
                Some(k),
                &Record {
                    at: r.at,
                    // The clerk whose write started the keyed chain (R5.5: who, when).
                    user: r.user,
                    action: KEY_ACTION,
                    subject: KEY_SUBJECT,
                    before: None,
                    after: Some(&after),
                },
            )?;
            insert(tx, Some(k), r)
        }
    }
}

/// The tables whose rows a bulk writer (`jijiao demo`) records as ranges of ids in one record
/// instead of one record per row.
pub const RANGED: [&str; 3] = ["people", "entries", "filings"];

/// The highest id of each of [`RANGED`] (0 for an empty table). Read before and after a bulk
/// write under the write lock, the two give exactly the rows it inserted: SQLite gives a new
/// row the highest id plus one.
pub fn last_ids(conn: &Connection) -> Result<[i64; 3]> {
    let mut out = [0; 3];
    for (slot, table) in out.iter_mut().zip(RANGED) {
        *slot = conn.query_row(
            &format!("SELECT coalesce(max(id), 0) FROM {table}"),
            [],
            |r| r.get(0),
        )?;
    }
    Ok(out)
}

/// The rows a bulk write inserted, as its audit record states them:
/// `{"people": [first, last], "entries": [first, last], …}`, a table only when it gained rows.
/// `before` and `after` are [`last_ids`] around the write.
pub fn written_rows(before: [i64; 3], after: [i64; 3]) -> serde_json::Value {
    let mut rows = serde_json::Map::new();
    for ((table, b), a) in RANGED.into_iter().zip(before).zip(after) {
        if a > b {
            rows.insert(table.into(), serde_json::json!([b + 1, a]));
        }
    }
    serde_json::Value::Object(rows)
}

/// One record of the trail as a reader of one subject needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubjectRecord {
    pub id: i64,
    /// As recorded: RFC 3339 with the clerk's offset.
    pub at: String,
    pub action: String,
    /// The JSON recorded after the write.
    pub after: Option<String>,
}

/// The last record on `subject` whose action is one of `actions` (through the subject index;
/// not verified: `jijiao audit verify` shows whether the trail itself stands).
pub fn last_record(
    conn: &Connection,
    subject: &str,
    actions: &[&str],
) -> Result<Option<SubjectRecord>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, at, action, after FROM audit WHERE subject = ?1 ORDER BY id DESC",
    )?;
    let mut rows = stmt.query([subject])?;
    while let Some(r) = rows.next()? {
        let action: String = r.get(2)?;
        if actions.contains(&action.as_str()) {
            return Ok(Some(SubjectRecord {
                id: r.get(0)?,
                at: r.get(1)?,
                action,
                after: r.get(3)?,
            }));
        }
    }
    Ok(None)
}

/// One row of the trail as a person's history shows it, with what its subject names: an
/// entry's content and start date, a filing's name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryRow {
    /// As recorded: RFC 3339 with the clerk's offset.
    pub at: String,
    pub user: String,
    /// e.g. `entry.register`.
    pub action: String,
    /// e.g. `entry:42`.
    pub subject: String,
    /// The JSON recorded after the write (an evidence code, a reason, an approval date).
    pub after: Option<String>,
    /// The entry the row is about: its content and start date.
    pub entry: Option<(String, String)>,
    /// The filing the row is about: its number and training name.
    pub filing: Option<(String, String)>,
    /// The verification batch of the applicant the row is about (R6).
    pub batch: Option<i64>,
}

/// R5.5 The trail about one person, newest first, at most `limit` rows: their own record
/// (`person:ID-NUMBER`), the import of people that registered them (its one record names the
/// first and last person it created; one record per import, `file:NAME`), their entries, the
/// imports that created their entries (one record each, `batch:ID`), and the decisions on the
/// filings their entries link to (an approval decides whether public hours count, R4.3). Each
/// row through the subject index.
pub fn about_person(
    conn: &Connection,
    id_number: &str,
    person_id: i64,
    limit: i64,
) -> Result<Vec<HistoryRow>> {
    let mut stmt = conn.prepare_cached(
        "SELECT a.at, a.user, a.action, a.subject, a.after, e.content, e.start_date,
                f.filing_no, f.name, ba.batch_id
         FROM audit a
         LEFT JOIN entries e
           ON a.subject LIKE 'entry:%' AND e.id = CAST(substr(a.subject, 7) AS INTEGER)
         LEFT JOIN filings f
           ON a.subject LIKE 'filing:%' AND f.filing_no = substr(a.subject, 8)
         LEFT JOIN batch_applicants ba
           ON a.subject LIKE 'applicant:%' AND ba.id = CAST(substr(a.subject, 11) AS INTEGER)
         WHERE a.subject = ?1
            OR (a.subject >= 'file:' AND a.subject < 'file;' AND a.action = 'import.people'
                AND ?2 BETWEEN json_extract(a.after, '$.created[0]')
                           AND json_extract(a.after, '$.created[1]'))
            OR a.subject IN (SELECT 'entry:' || id FROM entries WHERE person_id = ?2)
            OR a.subject IN (SELECT DISTINCT 'batch:' || batch_id FROM entries
                             WHERE person_id = ?2 AND batch_id IS NOT NULL)
            OR (a.subject IN (SELECT 'filing:' || fl.filing_no FROM entries en
                              JOIN filings fl ON fl.id = en.filing_id
                              WHERE en.person_id = ?2)
                AND a.action NOT IN ('filing.create', 'filing.update'))
            OR a.subject IN (SELECT 'applicant:' || id FROM batch_applicants
                             WHERE person_id = ?2)
            OR a.subject IN (SELECT 'certificate:' || number FROM certificates
                             WHERE person_id = ?2)
         ORDER BY a.id DESC LIMIT ?3",
    )?;
    let rows = stmt
        .query_map(
            params![format!("person:{id_number}"), person_id, limit],
            |r| {
                let entry: Option<String> = r.get(5)?;
                let filing: Option<String> = r.get(7)?;
                Ok(HistoryRow {
                    at: r.get(0)?,
                    user: r.get(1)?,
                    action: r.get(2)?,
                    subject: r.get(3)?,
                    after: r.get(4)?,
                    entry: match entry {
                        Some(content) => Some((content, r.get(6)?)),
                        None => None,
                    },
                    filing: match filing {
                        Some(no) => Some((no, r.get(8)?)),
                        None => None,
                    },
                    batch: r.get(9)?,
                })
            },
        )?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// The first problem found in the trail, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tamper {
    /// A row's content does not match its hash.
    Altered(i64),
    /// A row is missing between two others, or its chain link is wrong.
    Broken(i64),
}

/// Why the keyed part of the trail could not be checked at all (not a finding about the
/// trail: about the key at hand).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unchecked {
    /// The trail is keyed from row `from` and this connection has no key (`path`: the key file
    /// that was looked for).
    NoKey { from: i64, path: String },
    /// The key at hand is not the one the trail was started with (marker row `from`).
    WrongKey { from: i64, path: String },
}

/// What walking the trail found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chain {
    /// Rows verified, from the first, before any problem.
    pub intact: u64,
    /// The first problem, if any.
    pub tamper: Option<Tamper>,
    /// The keyed part could not be checked; `intact` counts the rows before it.
    pub unchecked: Option<Unchecked>,
    /// The marker row that starts the keyed chain, if the trail has one.
    pub keyed_from: Option<i64>,
    /// The last row as stored (its id and hash), verified or not: what an anchor is compared
    /// with.
    pub head: Head,
}

impl Chain {
    /// Every row verified: nothing tampered and nothing left unchecked.
    pub fn intact(&self) -> bool {
        self.tamper.is_none() && self.unchecked.is_none()
    }
}

/// Walk the whole trail (this is the one place a full scan is the point) with the key handed
/// to this connection: rows before the marker by their plain hash, the marker and every row
/// after it by the key.
pub fn check(conn: &Connection) -> Result<Chain> {
    let (key, path) = key_of(conn)?;
    let keyed_from = marker(conn)?;
    let mut chain = Chain {
        intact: 0,
        tamper: None,
        unchecked: None,
        keyed_from: keyed_from.as_ref().map(|(id, _)| *id),
        head: head(conn)?,
    };
    let mut stmt = conn.prepare(
        "SELECT id, at, user, action, subject, before, after, prev_hash, hash FROM audit ORDER BY id",
    )?;
    let mut rows = stmt.query([])?;
    let mut expected_prev = GENESIS.to_string();
    let mut expected_id = 1i64;
    while let Some(row) = rows.next()? {
        let id: i64 = row.get(0)?;
        let at: String = row.get(1)?;
        let user: String = row.get(2)?;
        let action: String = row.get(3)?;
        let subject: String = row.get(4)?;
        let before: Option<String> = row.get(5)?;
        let after: Option<String> = row.get(6)?;
        let prev: String = row.get(7)?;
        let stored: String = row.get(8)?;
        if id != expected_id || prev != expected_prev {
            chain.tamper = Some(Tamper::Broken(id));
            return Ok(chain);
        }
        let keyed = keyed_from.as_ref().is_some_and(|(from, _)| id >= *from);
        let with = if keyed {
            let (from, key_id) = keyed_from.clone().unwrap_or_default();
            let path = path.clone().unwrap_or_default();
            match &key {
                None => {
                    chain.unchecked = Some(Unchecked::NoKey { from, path });
                    return Ok(chain);
                }
                Some(k) if k.id() != key_id => {
                    chain.unchecked = Some(Unchecked::WrongKey { from, path });
                    return Ok(chain);
                }
                Some(k) => Some(k),
            }
        } else {
            None
        };
        let rec = Record {
            at: &at,
            user: &user,
            action: &action,
            subject: &subject,
            before: before.as_deref(),
            after: after.as_deref(),
        };
        if hash(with, &prev, id, &rec) != stored {
            chain.tamper = Some(Tamper::Altered(id));
            return Ok(chain);
        }
        expected_prev = stored;
        expected_id += 1;
        chain.intact += 1;
    }
    Ok(chain)
}

/// [`check`] in short: rows intact and the first problem, for callers that only ask "intact?".
/// A keyed trail without its key counts as altered at its marker: it cannot be shown intact.
pub fn verify(conn: &rusqlite::Connection) -> Result<(u64, Option<Tamper>)> {
    let c = check(conn)?;
    let tamper = c.tamper.or(match c.unchecked {
        Some(Unchecked::NoKey { from, .. } | Unchecked::WrongKey { from, .. }) => {
            Some(Tamper::Altered(from))
        }
        None => None,
    });
    Ok((c.intact, tamper))
}

/// Change a setting of this connection that drops its temporary schema (`PRAGMA temp_store`:
/// SQLite deletes every temporary table when it changes) without losing the audit key handed to
/// it ([`use_key`]): the key, its path and whether it is required are put back. Returns `false`,
/// changing nothing, when the temporary schema holds anything besides the key, which the change
/// would drop.
pub fn keeping_key(
    conn: &Connection,
    change: impl FnOnce(&Connection) -> Result<()>,
) -> Result<bool> {
    let others: i64 = conn.query_row(
        "SELECT count(*) FROM temp.sqlite_master WHERE name <> 'jijiao_audit_key'",
        [],
        |r| r.get(0),
    )?;
    if others > 0 {
        return Ok(false);
    }
    let (key, path) = key_of(conn)?;
    let required = key_required(conn)?;
    change(conn)?;
    if let Some(path) = path {
        use_key(conn, key.as_ref(), &path)?;
        if required {
            require_key(conn)?;
        }
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    fn rec<'a>(subject: &'a str, after: &'a str) -> Record<'a> {
        Record {
            at: "2017-07-15T09:00:00+08:00",
            user: "wangfang",
            action: "person.create",
            subject,
            before: None,
            after: Some(after),
        }
    }

    #[test]
    fn r5_5_an_intact_trail_verifies_and_an_edit_is_found() {
        let mut store = Store::open_in_memory().unwrap();
        let tx = store.write().unwrap();
        append(&tx, &rec("person:1", "{\"name\":\"张伟\"}")).unwrap();
        append(&tx, &rec("person:2", "{\"name\":\"李娜\"}")).unwrap();
        append(&tx, &rec("person:3", "{\"name\":\"王芳\"}")).unwrap();
        tx.commit().unwrap();
        assert_eq!(verify(store.conn()).unwrap(), (3, None));

        store
            .conn()
            .execute("UPDATE audit SET user = 'someone' WHERE id = 2", [])
            .unwrap();
        assert_eq!(verify(store.conn()).unwrap().1, Some(Tamper::Altered(2)));
    }

    #[test]
    fn r5_5_a_deleted_row_breaks_the_chain() {
        let mut store = Store::open_in_memory().unwrap();
        let tx = store.write().unwrap();
        for i in 0..3 {
            append(&tx, &rec(&format!("person:{i}"), "{}")).unwrap();
        }
        tx.commit().unwrap();
        store
            .conn()
            .execute("DELETE FROM audit WHERE id = 2", [])
            .unwrap();
        assert_eq!(verify(store.conn()).unwrap().1, Some(Tamper::Broken(3)));
    }

    const KEY: AuditKey = AuditKey::from_bytes([7; 32]);

    /// Rewrite row `id` as an attacker with the file but not the key would: new content,
    /// plain hashes recomputed from it to the end.
    fn rehash_from(store: &Store, id: i64) {
        let conn = store.conn();
        conn.execute("UPDATE audit SET user = 'mallory' WHERE id = ?1", [id])
            .unwrap();
        type Row = (
            i64,
            String,
            String,
            String,
            String,
            Option<String>,
            Option<String>,
        );
        let rows: Vec<Row> =
            conn.prepare(
                "SELECT id, at, user, action, subject, before, after FROM audit WHERE id >= ?1 ORDER BY id",
            )
            .unwrap()
            .query_map([id], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?))
            })
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        let mut prev: String = conn
            .query_row("SELECT prev_hash FROM audit WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .unwrap();
        for (rid, at, user, action, subject, before, after) in rows {
            let r = Record {
                at: &at,
                user: &user,
                action: &action,
                subject: &subject,
                before: before.as_deref(),
                after: after.as_deref(),
            };
            let h = hash(None, &prev, rid, &r);
            conn.execute(
                "UPDATE audit SET prev_hash = ?1, hash = ?2 WHERE id = ?3",
                params![prev, h, rid],
            )
            .unwrap();
            prev = h;
        }
    }

    fn append_one(store: &mut Store, subject: &str) -> Result<i64> {
        let tx = store.write().unwrap();
        let id = append(&tx, &rec(subject, "{}"))?;
        tx.commit().unwrap();
        Ok(id)
    }

    /// R5.5 Without a key the plain chain is all there is: a row rewritten with every later
    /// hash recomputed passes. This is why the chain is keyed.
    #[test]
    fn r5_5_an_unkeyed_trail_cannot_tell_a_rehashed_row() {
        let mut store = Store::open_in_memory().unwrap();
        for i in 0..3 {
            append_one(&mut store, &format!("person:{i}")).unwrap();
        }
        rehash_from(&store, 2);
        assert_eq!(verify(store.conn()).unwrap(), (3, None));
    }

    /// R5.5 An unkeyed trail (a database from before keys) keeps verifying; the first write
    /// with a key adds the `audit.key` marker naming the key, and from there a rewrite with
    /// recomputed hashes is found, in the keyed part and in the old part alike.
    #[test]
    fn r5_5_the_upgrade_starts_a_keyed_chain_and_rehashing_is_then_found() {
        let mut store = Store::open_in_memory().unwrap();
        append_one(&mut store, "person:old1").unwrap();
        append_one(&mut store, "person:old2").unwrap();
        use_key(store.conn(), Some(&KEY), "/tmp/k").unwrap();
        assert_eq!(verify(store.conn()).unwrap(), (2, None));
        assert_eq!(append_one(&mut store, "person:new").unwrap(), 4);
        let (id, key_id) = marker(store.conn()).unwrap().unwrap();
        assert_eq!((id, key_id), (3, KEY.id()));
        let chain = check(store.conn()).unwrap();
        assert!(chain.intact());
        assert_eq!((chain.intact, chain.keyed_from), (4, Some(3)));

        let copy = |store: &Store| {
            let mut c = Store::open_in_memory().unwrap();
            c.conn().execute("DELETE FROM audit", []).unwrap();
            let rows: Vec<[String; 8]> = store
                .conn()
                .prepare("SELECT id, at, user, action, subject, coalesce(after, ''), prev_hash, hash FROM audit")
                .unwrap()
                .query_map([], |r| {
                    Ok([r.get::<_, i64>(0)?.to_string(), r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?])
                })
                .unwrap()
                .collect::<rusqlite::Result<_>>()
                .unwrap();
            let tx = c.write().unwrap();
            for r in rows {
                tx.execute(
                    "INSERT INTO audit (id, at, user, action, subject, after, prev_hash, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                    params![r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7]],
                )
                .unwrap();
            }
            tx.commit().unwrap();
            use_key(c.conn(), Some(&KEY), "/tmp/k").unwrap();
            c
        };
        let keyed_part = copy(&store);
        rehash_from(&keyed_part, 4);
        assert_eq!(
            verify(keyed_part.conn()).unwrap().1,
            Some(Tamper::Altered(4))
        );
        let old_part = copy(&store);
        rehash_from(&old_part, 1);
        assert_eq!(verify(old_part.conn()).unwrap().1, Some(Tamper::Altered(3)));
    }

    /// R5.5 A keyed trail is not extended without its key, nor with another key: the write is
    /// refused naming the key file, and verification says the key is missing or foreign.
    #[test]
    fn r5_5_a_keyed_trail_refuses_writes_and_checks_without_its_key() {
        let mut store = Store::open_in_memory().unwrap();
        use_key(store.conn(), Some(&KEY), "/etc/jijiao/audit.key").unwrap();
        append_one(&mut store, "person:1").unwrap();
        use_key(store.conn(), None, "/etc/jijiao/audit.key").unwrap();
        match append_one(&mut store, "person:2") {
            Err(StoreError::AuditKey { path, wrong: false }) => {
                assert_eq!(path, "/etc/jijiao/audit.key")
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            check(store.conn()).unwrap().unchecked,
            Some(Unchecked::NoKey {
                from: 1,
                path: "/etc/jijiao/audit.key".into()
            })
        );
        let other = AuditKey::from_bytes([8; 32]);
        use_key(store.conn(), Some(&other), "/tmp/other.key").unwrap();
        assert!(matches!(
            append_one(&mut store, "person:2"),
            Err(StoreError::AuditKey { wrong: true, .. })
        ));
        assert!(matches!(
            check(store.conn()).unwrap().unchecked,
            Some(Unchecked::WrongKey { from: 1, .. })
        ));
        assert_eq!(head(store.conn()).unwrap().count, 2, "nothing was appended");
    }

    /// A system install never writes an unkeyed record: without its key, even a trail that
    /// is not keyed yet is not extended.
    #[test]
    fn r5_5_a_required_key_refuses_unkeyed_writes() {
        let mut store = Store::open_in_memory().unwrap();
        use_key(store.conn(), None, "/etc/jijiao/audit.key").unwrap();
        append_one(&mut store, "person:1").unwrap();
        require_key(store.conn()).unwrap();
        assert!(matches!(
            append_one(&mut store, "person:2"),
            Err(StoreError::AuditKey { wrong: false, .. })
        ));
        use_key(store.conn(), Some(&KEY), "/etc/jijiao/audit.key").unwrap();
        require_key(store.conn()).unwrap();
        assert_eq!(append_one(&mut store, "person:2").unwrap(), 3);
    }

    #[test]
    fn a_key_file_round_trips_and_garbage_is_no_key() {
        let text = KEY.to_file_text();
        assert_eq!(text.len(), 65);
        assert_eq!(AuditKey::parse(&text), Some(KEY));
        assert_eq!(AuditKey::parse("not a key"), None);
        assert_eq!(AuditKey::parse(&"zz".repeat(32)), None);
        assert!(
            !format!("{KEY:?}").contains("0707"),
            "Debug never shows the secret"
        );
        assert_ne!(AuditKey::generate().unwrap(), AuditKey::generate().unwrap());
    }

    /// R5.5 A person's trail: their record, their entries, the decisions on the filings their
    /// entries link to (not the filing's edits, and nobody else's entries), newest first.
    /// R5.5, issue 10 A payload of several parts (packed on a thread of their own) reads back
    /// line for line in its order, with the digest of its text and its parts numbered from 0;
    /// one of a single part and one of none alike.
    #[test]
    fn r5_5_a_payload_of_many_parts_reads_back_line_for_line() {
        let mut store = Store::open_in_memory().expect("store");
        for (n, audit_id) in [(30_000_usize, 1_i64), (10, 2), (0, 3)] {
            let lines: Vec<String> = (0..n)
                .map(|i| format!("+\t{i}\t张伟\t{}", "内科进展".repeat(i % 23)))
                .collect();
            let tx = store.write().expect("tx");
            let mut writer = PayloadWriter::new();
            for line in &lines {
                writer.line(&tx, line).expect("line");
            }
            let digest = writer.finish(&tx).expect("finish");
            sign_payload(&tx, audit_id).expect("sign");
            tx.commit().expect("commit");
            let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
            assert_eq!(digest.sha256, hex(&Sha256::digest(text.as_bytes())));
            assert_eq!(digest.lines, n as u64);
            let parts = text.len().div_ceil(PART_TEXT_BYTES) as i64;
            if n == 30_000 {
                assert!(parts >= 3, "{parts}");
            }
            let mut read = Vec::new();
            let got = read_payload(store.conn(), audit_id, &mut |l| {
                read.push(l.to_string());
                Ok(())
            })
            .expect("read");
            assert_eq!(read, lines);
            if n == 0 {
                assert_eq!(got, PayloadRead::Missing);
            } else {
                assert_eq!(got, PayloadRead::Read(digest.clone()));
                assert!(digest.parts >= 1 && digest.parts <= parts, "{digest:?}");
            }
        }
    }

    #[test]
    fn r5_5_about_person_gathers_the_trail_of_one_person() {
        use crate::service::filings::{approve, sample_filing, save_filing};
        use crate::service::fixtures::{ZHANG, actor, store_with};
        let mut store = store_with(&[
            "公需,培训班,保密意识和保密常识教育,湖南师范大学,2017-06-01,2017-06-03,30,合格,",
        ]);
        let a = actor("lisi");
        let fid = save_filing(&mut store, &a, &sample_filing("2017-001")).unwrap();
        store
            .conn()
            .execute("UPDATE entries SET filing_id = ?1", [fid])
            .unwrap();
        approve(
            &mut store,
            &a,
            &[fid],
            chrono::NaiveDate::from_ymd_opt(2017, 7, 10).unwrap(),
        )
        .unwrap();
        let tx = store.write().unwrap();
        append(&tx, &rec("entry:999", "{}")).unwrap();
        tx.commit().unwrap();
        let (pid, _) = crate::store::people::find_by_id_number(store.conn(), ZHANG)
            .unwrap()
            .unwrap();
        let rows = about_person(store.conn(), ZHANG, pid, 50).unwrap();
        let actions: Vec<&str> = rows.iter().map(|r| r.action.as_str()).collect();
        // The person and the entry came from rosters: each import's one record (R5.5) stands
        // for them.
        assert_eq!(
            actions,
            ["filing.approve", "import.entries", "import.people"]
        );
        assert_eq!(
            rows[0].filing,
            Some(("2017-001".to_string(), "2017年公需科目培训班".to_string()))
        );
        assert!(rows[1].subject.starts_with("batch:"), "{:?}", rows[1]);
        assert_eq!(about_person(store.conn(), ZHANG, pid, 1).unwrap().len(), 1);

        // A later import of another person is in that person's history, not in 张伟's.
        const OTHER: &str = "430102197001010041";
        crate::service::import::people(
            &mut store,
            &a,
            &crate::service::fixtures::table(
                "身份证号,姓名,单位,单位类型,市州",
                &[&format!("{OTHER},李娜,长沙市第一医院,市州所属单位,长沙")],
            ),
            &crate::service::fixtures::source(),
            false,
        )
        .unwrap();
        let (other, _) = crate::store::people::find_by_id_number(store.conn(), OTHER)
            .unwrap()
            .unwrap();
        let imports = |id_number: &str, person: i64| -> Vec<i64> {
            about_person(store.conn(), id_number, person, 50)
                .unwrap()
                .iter()
                .filter(|r| r.action == "import.people")
                .map(|r| {
                    let after: serde_json::Value =
                        serde_json::from_str(r.after.as_deref().unwrap_or("null")).unwrap();
                    after["created"][0].as_i64().unwrap_or(0)
                })
                .collect()
        };
        assert_eq!(imports(ZHANG, pid), [pid]);
        assert_eq!(imports(OTHER, other), [other]);
    }
}

/// [`append`] for a writer that appends many records in one transaction (an import: one per
/// entry, R5.5): the first record goes through [`append`], with every check of the key and the
/// marker; the head it leaves (id and hash) and the key are then kept, so each later record
/// costs its hash and one prepared insert instead of four lookups. Every record of the
/// transaction must go through the same appender, or the head it keeps is stale.
#[derive(Default)]
pub struct Appender {
    key: Option<AuditKey>,
    head: Option<(i64, String)>,
}

impl Appender {
    /// An appender that has appended nothing yet: its first record goes through [`append`].
    pub fn new() -> Appender {
        Appender::default()
    }

    /// Appends `r` inside `tx`, as [`append`] would; returns the record's id.
    pub fn append(&mut self, tx: &Transaction<'_>, r: &Record<'_>) -> Result<i64> {
        let Some((last, prev)) = &self.head else {
            let id = append(tx, r)?;
            self.key = key_of(tx)?.0;
            let hash: String =
                tx.query_row("SELECT hash FROM audit WHERE id = ?1", [id], |row| {
                    row.get(0)
                })?;
            self.head = Some((id, hash));
            return Ok(id);
        };
        let id = last + 1;
        let h = hash(self.key.as_ref(), prev, id, r);
        tx.prepare_cached(
            "INSERT INTO audit (id, at, user, action, subject, before, after, prev_hash, hash)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        )?
        .execute(params![
            id, r.at, r.user, r.action, r.subject, r.before, r.after, prev, h
        ])?;
        self.head = Some((id, h));
        Ok(id)
    }
}

/// Sets `PRAGMA temp_store` of this connection (`"DEFAULT"`, `"FILE"` or `"MEMORY"`; outside a
/// transaction) and keeps the key handed to it by [`use_key`], and whether it is required:
/// SQLite drops every temporary table when the setting changes, and the key lives in one. An
/// import keeps its statement journals in memory this way (issue 10.3).
pub fn set_temp_store(conn: &Connection, mode: &str) -> Result<()> {
    let installed: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM temp.sqlite_master WHERE name = 'jijiao_audit_key')",
        [],
        |r| r.get(0),
    )?;
    let saved: Vec<(Option<Vec<u8>>, String, bool)> = if installed {
        conn.prepare("SELECT key, path, required FROM temp.jijiao_audit_key")?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<rusqlite::Result<_>>()?
    } else {
        Vec::new()
    };
    conn.pragma_update(None, "temp_store", mode)?;
    if installed {
        conn.execute_batch(
            "CREATE TEMP TABLE IF NOT EXISTS jijiao_audit_key (
                 key BLOB, path TEXT NOT NULL, required INTEGER NOT NULL DEFAULT 0);
             DELETE FROM temp.jijiao_audit_key;",
        )?;
        for (key, path, required) in saved {
            conn.execute(
                "INSERT INTO temp.jijiao_audit_key (key, path, required) VALUES (?1, ?2, ?3)",
                params![key, path, required],
            )?;
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Payloads: what one record of a bulk write states, kept beside the trail (schema 19).

/// Text of a payload cut into one part, before compression: a part is compressed and written
/// when it holds this much, so neither writing nor replaying a payload holds more than one part
/// of it whatever the size of the import (issue 10: memory bounded).
pub const PART_TEXT_BYTES: usize = 1 << 20;

/// The `audit_id` of the parts of a payload still being written: the record that signs it is
/// appended after its last line (the record states the payload's SHA-256), and [`sign_payload`]
/// then gives the parts its id. Written and re-keyed in one transaction, so never committed.
const UNSIGNED: i64 = 0;

/// What a finished payload is, for the record that signs it (R5.5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayloadDigest {
    /// SHA-256 of every line of the payload (each ended by `\n`), as lower-case hexadecimal.
    pub sha256: String,
    /// Lines of the payload.
    pub lines: u64,
    /// Parts it was written in.
    pub parts: i64,
}

/// Writes the lines of one payload inside the writer's transaction, a compressed part at a time
/// (zlib at its fastest setting: the lines repeat themselves, and the import waits for it).
/// Lines must not hold `\n`; the caller's format escapes it. From its second part on, the
/// digest and the compression run on a thread of their own while the writer goes on with its
/// rows (issue 10: they were a twentieth of the writer of a million entries), one part ahead
/// at most; a payload of one part is packed on the writer's thread, at the end.
pub struct PayloadWriter {
    text: Vec<u8>,
    lines: u64,
    /// Parts handed to be written so far.
    part: i64,
    /// Packs the parts when there is more than one.
    packer: Option<Packer>,
    /// The digest of what was packed here (before any [`Packer`]).
    sha: Sha256,
}

/// The thread that digests and compresses a payload's parts, in order: text in, the compressed
/// part (and the emptied buffer, to fill again) out; its digest of them all when it ends.
struct Packer {
    to: std::sync::mpsc::SyncSender<Vec<u8>>,
    back: std::sync::mpsc::Receiver<(Vec<u8>, Vec<u8>)>,
    done: std::thread::JoinHandle<Sha256>,
    /// Parts sent and not yet written.
    waiting: usize,
    /// The number the next part written back takes.
    next: i64,
}

impl Default for PayloadWriter {
    fn default() -> Self {
        PayloadWriter::new()
    }
}

/// `text` compressed as a part is kept (zlib, fastest).
fn pack(text: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut z = flate2::write::ZlibEncoder::new(
        Vec::with_capacity(text.len() / 8),
        flate2::Compression::fast(),
    );
    // Compressing into memory fails only if memory does, which aborts the process anyway.
    let _ = z.write_all(text);
    z.finish().unwrap_or_default()
}

fn write_part(tx: &Transaction<'_>, part: i64, body: &[u8]) -> Result<()> {
    tx.prepare_cached("INSERT INTO audit_payloads (audit_id, part, body) VALUES (?1, ?2, ?3)")?
        .execute(params![UNSIGNED, part, body])?;
    Ok(())
}

fn packer_gone() -> StoreError {
    StoreError::Io {
        path: "audit_payloads".into(),
        message: "the thread compressing the payload stopped".into(),
    }
}

impl Packer {
    fn start(sha: Sha256, next: i64) -> Packer {
        let (to, parts) = std::sync::mpsc::sync_channel::<Vec<u8>>(1);
        let (packed, back) = std::sync::mpsc::channel();
        let done = std::thread::spawn(move || {
            let mut sha = sha;
            for text in parts {
                sha.update(&text);
                let body = pack(&text);
                if packed.send((body, text)).is_err() {
                    break;
                }
            }
            sha
        });
        Packer {
            to,
            back,
            done,
            waiting: 0,
            next,
        }
    }

    /// Writes the parts packed so far; all of them, waiting for each, when `all`. Returns an
    /// emptied buffer when one came back.
    fn write_packed(&mut self, tx: &Transaction<'_>, all: bool) -> Result<Option<Vec<u8>>> {
        let mut spare = None;
        while self.waiting > 0 {
            let got = if all {
                self.back.recv().map_err(|_| packer_gone())?
            } else {
                match self.back.try_recv() {
                    Ok(got) => got,
                    Err(std::sync::mpsc::TryRecvError::Empty) => break,
                    Err(_) => return Err(packer_gone()),
                }
            };
            let (body, mut text) = got;
            write_part(tx, self.next, &body)?;
            self.next += 1;
            self.waiting -= 1;
            text.clear();
            spare = Some(text);
        }
        Ok(spare)
    }
}

impl PayloadWriter {
    pub fn new() -> PayloadWriter {
        PayloadWriter {
            text: Vec::with_capacity(PART_TEXT_BYTES + 4096),
            lines: 0,
            part: 0,
            packer: None,
            sha: Sha256::new(),
        }
    }

    /// Adds `line` (without its `\n`) to the payload; hands a part on when one is full.
    ///
    /// Errors: SQL errors writing a part; the packing thread gone.
    pub fn line(&mut self, tx: &Transaction<'_>, line: &str) -> Result<()> {
        self.text.extend_from_slice(line.as_bytes());
        self.text.push(b'\n');
        self.lines += 1;
        if self.text.len() >= PART_TEXT_BYTES {
            self.hand_on(tx)?;
        }
        Ok(())
    }

    /// Lines added so far.
    pub fn lines(&self) -> u64 {
        self.lines
    }

    /// The full part to the packer (started at the first), and what it packed meanwhile
    /// written.
    fn hand_on(&mut self, tx: &Transaction<'_>) -> Result<()> {
        let packer = match &mut self.packer {
            Some(p) => p,
            None => self
                .packer
                .insert(Packer::start(std::mem::take(&mut self.sha), self.part)),
        };
        let spare = packer.write_packed(tx, false)?;
        let next = spare.unwrap_or_else(|| Vec::with_capacity(PART_TEXT_BYTES + 4096));
        let text = std::mem::replace(&mut self.text, next);
        packer.to.send(text).map_err(|_| packer_gone())?;
        packer.waiting += 1;
        self.part += 1;
        Ok(())
    }

    /// Writes the last part and every part still being packed; the payload's digest, for the
    /// record that signs it. The parts wait for [`sign_payload`] with that record's id.
    ///
    /// Errors: SQL errors writing a part; the packing thread gone.
    pub fn finish(mut self, tx: &Transaction<'_>) -> Result<PayloadDigest> {
        let sha = match self.packer.take() {
            None => {
                if !self.text.is_empty() {
                    self.sha.update(&self.text);
                    write_part(tx, self.part, &pack(&self.text))?;
                    self.part += 1;
                }
                self.sha
            }
            Some(mut packer) => {
                if !self.text.is_empty() {
                    packer
                        .to
                        .send(std::mem::take(&mut self.text))
                        .map_err(|_| packer_gone())?;
                    packer.waiting += 1;
                    self.part += 1;
                }
                packer.write_packed(tx, true)?;
                drop(packer.to);
                packer.done.join().map_err(|_| packer_gone())?
            }
        };
        Ok(PayloadDigest {
            sha256: hex(&sha.finalize()),
            lines: self.lines,
            parts: self.part,
        })
    }
}

/// Gives the parts [`PayloadWriter::finish`] left unsigned to record `audit_id`, which states
/// their digest.
pub fn sign_payload(tx: &Transaction<'_>, audit_id: i64) -> Result<()> {
    // `OR FAIL`: an update of many rows that may abort keeps a statement journal, a copy of
    // every page it changes, in memory while importing (`temp_store`) — the whole payload, 2 MB
    // of an import's peak memory per 100 000 entries (issue 10.3: memory bounded whatever the
    // roster). Without it, a failure leaves some parts moved, and the error rolls back the
    // writer's whole transaction, as every error of an import does.
    tx.prepare_cached("UPDATE OR FAIL audit_payloads SET audit_id = ?1 WHERE audit_id = ?2")?
        .execute(params![audit_id, UNSIGNED])?;
    Ok(())
}

/// How the parts of one payload read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PayloadRead {
    /// Every part read, in order from 0: the digest of their lines.
    Read(PayloadDigest),
    /// No part is kept for the record.
    Missing,
    /// A part is not compressed text, does not end a line, is larger than a part may be, or the
    /// parts do not run 0, 1, 2 …: part `part`.
    Damaged { part: i64 },
}

/// Reads the payload of record `audit_id`, handing each line (without its `\n`) to `each` in
/// order; what the parts gave. One part is held at a time. `each` is called only with lines
/// of parts that read: a caller that must trust the lines reads once for the digest, compares
/// it with the record, then reads again to use them.
pub fn read_payload(
    conn: &Connection,
    audit_id: i64,
    each: &mut dyn FnMut(&str) -> Result<()>,
) -> Result<PayloadRead> {
    use std::io::Read;
    let mut stmt = conn.prepare_cached(
        "SELECT part, body FROM audit_payloads WHERE audit_id = ?1 ORDER BY part",
    )?;
    let mut rows = stmt.query([audit_id])?;
    let mut sha = Sha256::new();
    let (mut lines, mut parts) = (0u64, 0i64);
    let mut text = Vec::new();
    while let Some(row) = rows.next()? {
        let part: i64 = row.get(0)?;
        let body = row.get_ref(1)?.as_blob().ok();
        text.clear();
        // A part is at most PART_TEXT_BYTES and one line past it; one that unpacks to more was
        // not written by a writer (and is not unpacked further).
        let bound = (PART_TEXT_BYTES as u64) * 2;
        let unpacked = body.map(|b| {
            flate2::read::ZlibDecoder::new(b)
                .take(bound + 1)
                .read_to_end(&mut text)
        });
        let whole = matches!(unpacked, Some(Ok(n)) if (n as u64) <= bound)
            && text.last() == Some(&b'\n')
            && part == parts;
        let Ok(s) = std::str::from_utf8(&text) else {
            return Ok(PayloadRead::Damaged { part });
        };
        if !whole {
            return Ok(PayloadRead::Damaged { part });
        }
        sha.update(s.as_bytes());
        for line in s[..s.len() - 1].split('\n') {
            lines += 1;
            each(line)?;
        }
        parts += 1;
    }
    if parts == 0 {
        return Ok(PayloadRead::Missing);
    }
    Ok(PayloadRead::Read(PayloadDigest {
        sha256: hex(&sha.finalize()),
        lines,
        parts,
    }))
}

/// The records that have payload parts kept (a part whose record states no payload was put
/// there behind the trail); none in a database from before schema 19.
pub fn payload_records(conn: &Connection) -> Result<Vec<i64>> {
    let kept: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE name = 'audit_payloads')",
        [],
        |r| r.get(0),
    )?;
    if !kept {
        return Ok(Vec::new());
    }
    let ids = conn
        .prepare("SELECT DISTINCT audit_id FROM audit_payloads ORDER BY audit_id")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<Vec<i64>>>()?;
    Ok(ids)
}
