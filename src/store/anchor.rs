//! R5.5 Anchors of the audit trail outside the database: `jijiao audit anchor` appends the head
//! of the trail (how many rows, the last row's hash, when, which database) as one line to an
//! append-only log (`[audit] anchor_log`), and `jijiao audit verify` holds the trail against the
//! latest line for its database. A tail deleted from the database leaves fewer rows than were
//! anchored; a trail rewritten and rehashed has another hash at the anchored row — both of which
//! the chain alone, kept in the same file an attacker rewrites, cannot show.
//!
//! One line per anchor, as JSON: `{"count":12,"hash":"…","at":"2017-07-15T12:00:00+08:00",
//! "db":"/var/lib/jijiao/jijiao.sqlite","keyed_from":1}` (`keyed_from`: the trail's `audit.key`
//! record, when it has one; a trail found without it was stripped of its key and rehashed).
//! The first line of a keyed trail is written when its key record is (see
//! `service::audit::anchor_key_start`). The log is only ever opened for appending.

use std::io::Write;
use std::path::Path;

use rusqlite::{Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

use super::Result;

/// One anchored head of a database's trail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Anchor {
    /// Rows in the trail when anchored (the last row's id).
    pub count: u64,
    /// That row's hash (the genesis hash for an empty trail).
    pub hash: String,
    /// When, RFC 3339 with the clerk's offset (the actor's clock).
    pub at: String,
    /// The database file, as an absolute path where it could be resolved.
    pub db: String,
    /// The record that starts the keyed chain (`audit.key`), when the trail had one: a trail
    /// later found without it was stripped of its key and rehashed. Absent in the lines of an
    /// older jijiao and of a trail not keyed yet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keyed_from: Option<u64>,
}

/// Append `anchor` as one line to the log at `path`, creating the file (mode 0640, or 0600
/// when `private`: a personal install) and its folder if need be. Never truncates or rewrites.
pub fn append(path: &Path, anchor: &Anchor, private: bool) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)?;
    }
    let mut line = serde_json::to_string(anchor).map_err(std::io::Error::other)?;
    line.push('\n');
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .mode(if private { 0o600 } else { 0o640 })
        .open(path)?;
    // One write of the whole line: two clerks anchoring at once never interleave in a line.
    f.write_all(line.as_bytes())?;
    f.sync_data()
}

/// What the log holds for one database: its latest anchor, and how many lines could not be
/// read (a damaged log is worth saying, not worth failing on).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Latest {
    pub anchor: Option<Anchor>,
    pub unreadable: usize,
}

/// The latest anchor of database `db` in the log at `path`; none when the log does not exist.
pub fn latest(path: &Path, db: &str) -> std::io::Result<Latest> {
    let text = match std::fs::read(path) {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Latest::default()),
        Err(e) => return Err(e),
    };
    let mut out = Latest::default();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        match serde_json::from_str::<Anchor>(line) {
            Ok(a) if a.db == db => out.anchor = Some(a),
            Ok(_) => {}
            Err(_) => out.unreadable += 1,
        }
    }
    Ok(out)
}

/// How the trail stands against an anchor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Against {
    /// The anchored row is there with the anchored hash.
    Agrees,
    /// Fewer rows than were anchored: the tail was deleted.
    Truncated { anchored: u64, found: u64 },
    /// Row `count` has another hash than was anchored: the trail was rewritten.
    Rewritten { count: u64 },
    /// The trail was keyed from record `from` when anchored and has no `audit.key` record
    /// there now: the key record was removed and the hashes recomputed without the key.
    Unkeyed { from: u64 },
}

/// Hold the trail in `conn` against `anchor`.
pub fn compare(conn: &Connection, anchor: &Anchor) -> Result<Against> {
    let found = super::audit::head(conn)?.count;
    if found < anchor.count {
        return Ok(Against::Truncated {
            anchored: anchor.count,
            found,
        });
    }
    if let Some(from) = anchor.keyed_from {
        let marker = super::audit::marker(conn)?.map(|(id, _)| id);
        if marker != i64::try_from(from).ok() {
            return Ok(Against::Unkeyed { from });
        }
    }
    if anchor.count == 0 {
        return Ok(Against::Agrees);
    }
    let hash: Option<String> = conn
        .query_row(
            "SELECT hash FROM audit WHERE id = ?1",
            [anchor.count as i64],
            |r| r.get(0),
        )
        .optional()?;
    Ok(if hash.as_deref() == Some(anchor.hash.as_str()) {
        Against::Agrees
    } else {
        Against::Rewritten {
            count: anchor.count,
        }
    })
}

/// Send `message` to the system log as `logger -t jijiao` does. `Ok(false)` when there is no
/// `logger` on this system (not an error: the file log holds the anchor).
pub fn to_system_log(message: &str) -> std::io::Result<bool> {
    // The system's own logger, never one found on the caller's PATH, and run with the caller's
    // rights: in a set-group-id run a `logger` of the clerk's choosing would otherwise hold the
    // program's group, read the audit key and rewrite the database.
    let Some(logger) = ["/usr/bin/logger", "/bin/logger"]
        .into_iter()
        .find(|p| std::path::Path::new(p).is_file())
    else {
        return Ok(false);
    };
    let status = crate::privilege::as_clerk(|| {
        std::process::Command::new(logger)
            .args(["-t", "jijiao", "--", message])
            .env_clear()
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
    })?;
    match status {
        Ok(s) if s.success() => Ok(true),
        Ok(s) => Err(std::io::Error::other(format!("logger: {s}"))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;
    use crate::store::audit::{Record, append as record};

    fn trail(n: usize) -> Store {
        let mut store = Store::open_in_memory().unwrap();
        let tx = store.write().unwrap();
        for i in 0..n {
            record(
                &tx,
                &Record {
                    at: "2017-07-15T09:00:00+08:00",
                    user: "wangfang",
                    action: "person.create",
                    subject: &format!("person:{i}"),
                    before: None,
                    after: Some("{}"),
                },
            )
            .unwrap();
        }
        tx.commit().unwrap();
        store
    }

    fn anchor_of(store: &Store, db: &str) -> Anchor {
        let h = crate::store::audit::head(store.conn()).unwrap();
        Anchor {
            count: h.count,
            hash: h.hash,
            at: "2017-07-15T12:00:00+08:00".into(),
            db: db.into(),
            keyed_from: None,
        }
    }

    /// R5.5 The latest line of this database wins; other databases' lines and a damaged line
    /// are passed over, and the file is only appended to.
    #[test]
    fn r5_5_the_log_keeps_every_anchor_and_the_latest_of_a_database_counts() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("sub/anchors.log");
        assert_eq!(latest(&log, "/a.sqlite").unwrap(), Latest::default());
        let store = trail(2);
        let first = anchor_of(&store, "/a.sqlite");
        append(&log, &first, true).unwrap();
        append(&log, &anchor_of(&trail(5), "/b.sqlite"), true).unwrap();
        let mut text = std::fs::read_to_string(&log).unwrap();
        text.push_str("garbage\n");
        std::fs::write(&log, &text).unwrap();
        let second = Anchor {
            count: 3,
            ..first.clone()
        };
        append(&log, &second, true).unwrap();
        let got = latest(&log, "/a.sqlite").unwrap();
        assert_eq!(got.anchor, Some(second));
        assert_eq!(got.unreadable, 1);
        assert_eq!(std::fs::read_to_string(&log).unwrap().lines().count(), 4);
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&log).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode & 0o077, 0, "a personal log is private: {mode:o}");
    }

    /// R5.5 Deleting the tail leaves fewer rows than anchored; rewriting the anchored row
    /// changes its hash; more rows since the anchor is the normal case.
    #[test]
    fn r5_5_a_truncated_or_rewritten_trail_disagrees_with_its_anchor() {
        let store = trail(3);
        let a = anchor_of(&store, "/a");
        assert_eq!(compare(store.conn(), &a).unwrap(), Against::Agrees);
        let grown = trail(5);
        let three = Anchor {
            count: 3,
            hash: grown
                .conn()
                .query_row("SELECT hash FROM audit WHERE id = 3", [], |r| r.get(0))
                .unwrap(),
            ..a.clone()
        };
        assert_eq!(compare(grown.conn(), &three).unwrap(), Against::Agrees);
        store
            .conn()
            .execute("DELETE FROM audit WHERE id = 3", [])
            .unwrap();
        assert_eq!(
            compare(store.conn(), &a).unwrap(),
            Against::Truncated {
                anchored: 3,
                found: 2
            }
        );
        grown
            .conn()
            .execute("UPDATE audit SET hash = 'x' WHERE id = 3", [])
            .unwrap();
        assert_eq!(
            compare(grown.conn(), &three).unwrap(),
            Against::Rewritten { count: 3 }
        );
    }

    /// R5.5 An anchor of a keyed trail names the record its key starts at: the trail without
    /// an `audit.key` record there no longer agrees, whatever its hashes say.
    #[test]
    fn r5_5_a_trail_without_its_anchored_key_record_disagrees() {
        let mut store = trail(0);
        let key = crate::store::audit::AuditKey::from_bytes([9; 32]);
        crate::store::audit::use_key(store.conn(), Some(&key), "/k").unwrap();
        let tx = store.write().unwrap();
        record(
            &tx,
            &Record {
                at: "2017-07-15T09:00:00+08:00",
                user: "wangfang",
                action: "person.create",
                subject: "person:1",
                before: None,
                after: Some("{}"),
            },
        )
        .unwrap();
        tx.commit().unwrap();
        let a = Anchor {
            keyed_from: Some(1),
            ..anchor_of(&store, "/a")
        };
        assert_eq!(compare(store.conn(), &a).unwrap(), Against::Agrees);
        store
            .conn()
            .execute("UPDATE audit SET action = 'person.create' WHERE id = 1", [])
            .unwrap();
        assert_eq!(
            compare(store.conn(), &a).unwrap(),
            Against::Unkeyed { from: 1 }
        );
    }
}
