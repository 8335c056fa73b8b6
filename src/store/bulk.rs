//! Bulk loading a new file (issue 10: `jijiao demo --people 1000000` in minutes): the secondary
//! indexes of the tables a load fills, and the triggers it has no use for, are set aside before
//! the rows are written and put back once at the end — an index built by one `CREATE INDEX`
//! (a sort) instead of millions of insertions at random places, a full-text index built by one
//! `rebuild` instead of a flush and merge after every statement.
//!
//! Nothing here knows a definition: what is set aside is read from `sqlite_master` as the
//! migrations ([`super::schema`]) left it, and put back from that text, so each index and
//! trigger keeps one definition, the migration's. What was set aside is recorded in `meta`
//! under [`MARK`], in the transaction that drops it, so a load cut off at any moment (`kill
//! -9`, a full disk) leaves a file that says what it lacks: the next [`Store::open`] puts it
//! back ([`restore_if_pending`]) before anything reads or migrates the file, and a restore
//! itself cut off continues where it stopped.
//!
//! Only what the loader can vouch for may be set aside: UNIQUE and PRIMARY KEY constraints are
//! never touched (SQLite keeps them as part of the table), and a trigger may go only when the
//! loader cannot produce what it guards against or fills what it maintains in another way (a
//! full-text table named in [`Plan::rebuild`]). The caller names them ([`Plan`]).

use rusqlite::{Connection, OptionalExtension, Transaction};
use serde::{Deserialize, Serialize};

use super::{Result, Store};

/// The `meta` key under which a load keeps what it set aside, as JSON ([`SetAside`]), from
/// the transaction that set it aside to the one that puts the last of it back.
pub const MARK: &str = "bulk_load";

/// What a load sets aside.
#[derive(Debug, Clone, Copy)]
pub struct Plan<'a> {
    /// Tables whose secondary indexes (`CREATE INDEX …`, partial ones included) are dropped.
    pub indexed: &'a [&'a str],
    /// Triggers dropped, by name; a name the schema does not hold is skipped.
    pub triggers: &'a [&'a str],
    /// External-content FTS5 tables whose upkeep triggers are among [`Plan::triggers`]: rebuilt
    /// from their content table (`INSERT INTO t (t) VALUES ('rebuild')`) when the triggers are
    /// put back.
    pub rebuild: &'a [&'a str],
}

/// One object of the schema set aside, as `sqlite_master` held it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Object {
    /// `index` or `trigger`.
    pub kind: String,
    pub name: String,
    /// Its definition, word for word.
    pub sql: String,
}

/// The record kept under [`MARK`]: what is still to be put back.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetAside {
    /// In `sqlite_master`'s order (the order the migrations made them).
    pub objects: Vec<Object>,
    /// Full-text tables to rebuild with the triggers.
    pub rebuild: Vec<String>,
}

/// Set aside what `plan` names, inside the load's first transaction `tx`: read each definition
/// from `sqlite_master`, record them under [`MARK`], drop them. Returns what was set aside
/// (nothing when the plan names nothing the schema holds, and then no mark is written).
///
/// Errors: SQL errors; a load already under way (a [`MARK`] present) is an SQL constraint
/// error rather than a second record that would lose the first.
pub fn set_aside(tx: &Transaction<'_>, plan: &Plan<'_>) -> Result<SetAside> {
    let mut objects = Vec::new();
    {
        let mut stmt = tx.prepare(
            "SELECT type, name, tbl_name, sql FROM sqlite_master
             WHERE type IN ('index', 'trigger') AND sql IS NOT NULL ORDER BY rowid",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let kind: String = r.get(0)?;
            let name: String = r.get(1)?;
            let table: String = r.get(2)?;
            let chosen = match kind.as_str() {
                "index" => plan.indexed.contains(&table.as_str()),
                _ => plan.triggers.contains(&name.as_str()),
            };
            if chosen {
                objects.push(Object {
                    kind,
                    name,
                    sql: r.get(3)?,
                });
            }
        }
    }
    let set = SetAside {
        objects,
        rebuild: plan.rebuild.iter().map(|t| t.to_string()).collect(),
    };
    if set.objects.is_empty() {
        return Ok(set);
    }
    let json = to_json(&set)?;
    // A plain INSERT: a second load on top of one not put back fails instead of forgetting it.
    tx.execute(
        "INSERT INTO meta (key, value) VALUES (?1, ?2)",
        [MARK, &json],
    )?;
    for o in &set.objects {
        tx.execute_batch(&format!("DROP {} {}", kind_sql(&o.kind), quoted(&o.name)))?;
    }
    Ok(set)
}

/// What a load cut off (or under way) has set aside, or `None`. A file too new to have a
/// `meta` table has none.
pub fn pending(conn: &Connection) -> Result<Option<SetAside>> {
    let has_meta: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta')",
        [],
        |r| r.get(0),
    )?;
    if !has_meta {
        return Ok(None);
    }
    let json: Option<String> = conn
        .query_row("SELECT value FROM meta WHERE key = ?1", [MARK], |r| {
            r.get(0)
        })
        .optional()?;
    match json {
        None => Ok(None),
        // Written only by `set_aside` and `restore`: text that does not read is a damaged file.
        Some(j) => serde_json::from_str(&j).map(Some).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
                .into()
        }),
    }
}

/// Put back everything a load set aside: each index in a transaction of its own (the log
/// holds one index at a time; `after_each` is called after each commit, to checkpoint it),
/// then the triggers, the full-text rebuilds and the removal of [`MARK`] in one last
/// transaction, so no row can be written between a rebuild and the trigger that keeps it up.
/// An object already present (put back by an earlier, cut-off restore or another clerk's open)
/// is skipped. Returns how many objects were created; 0 when nothing was set aside.
///
/// Errors: SQL errors (what was committed stays put back; the mark lists the rest).
pub fn restore(store: &mut Store, after_each: &mut dyn FnMut(&Connection)) -> Result<usize> {
    let mut created = 0;
    loop {
        let tx = store.write()?;
        // Read under the write lock: another process may have put some back meanwhile.
        let Some(mut set) = pending(&tx)? else {
            return Ok(created);
        };
        let next = set.objects.iter().position(|o| o.kind == "index");
        match next {
            Some(i) => {
                let o = set.objects.remove(i);
                created += create_unless_present(&tx, &o)?;
                tx.execute(
                    "UPDATE meta SET value = ?2 WHERE key = ?1",
                    [MARK, &to_json(&set)?],
                )?;
            }
            None => {
                for o in &set.objects {
                    created += create_unless_present(&tx, o)?;
                }
                for t in &set.rebuild {
                    let t = quoted(t);
                    tx.execute_batch(&format!("INSERT INTO {t} ({t}) VALUES ('rebuild')"))?;
                }
                tx.execute("DELETE FROM meta WHERE key = ?1", [MARK])?;
                tx.commit()?;
                after_each(store.conn());
                return Ok(created);
            }
        }
        tx.commit()?;
        after_each(store.conn());
    }
}

/// [`restore`] when a load's objects are set aside (looked for without a lock, as the store's
/// other backfills are); nothing otherwise.
pub fn restore_if_pending(store: &mut Store) -> Result<usize> {
    if pending(store.conn())?.is_none() {
        return Ok(0);
    }
    restore(store, &mut |_| {})
}

fn create_unless_present(tx: &Transaction<'_>, o: &Object) -> Result<usize> {
    let present: bool = tx.query_row(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = ?1 AND name = ?2)",
        [&o.kind, &o.name],
        |r| r.get(0),
    )?;
    if present {
        return Ok(0);
    }
    tx.execute_batch(&o.sql)?;
    Ok(1)
}

fn to_json(set: &SetAside) -> Result<String> {
    serde_json::to_string(set)
        .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)).into())
}

fn kind_sql(kind: &str) -> &'static str {
    if kind == "index" { "INDEX" } else { "TRIGGER" }
}

/// `name` as an SQL identifier.
fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Whether every one of `tables` is empty (read through each table's first row, not a count).
/// A load into tables that hold rows is no bulk load: their rows would be indexed again from
/// scratch, and clerks may be reading them.
pub fn all_empty(conn: &Connection, tables: &[&str]) -> Result<bool> {
    for t in tables {
        let any: bool = conn.query_row(
            &format!("SELECT EXISTS (SELECT 1 FROM {})", quoted(t)),
            [],
            |r| r.get(0),
        )?;
        if any {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Copy the log into the database and flush the database and its log to the disk: the end of a
/// load written with `synchronous = OFF`, whose checkpoints left the pages to the operating
/// system. A database in memory has nothing to flush.
///
/// Errors: SQL errors; [`super::StoreError::Io`] naming the file when it cannot be flushed.
pub fn sync_to_disk(conn: &Connection) -> Result<()> {
    conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))?;
    let Some(path) = conn.path().filter(|p| !p.is_empty()).map(str::to_string) else {
        return Ok(());
    };
    for file in [path.clone(), format!("{path}-wal")] {
        let synced = std::fs::File::open(&file).and_then(|f| f.sync_all());
        match synced {
            Ok(()) => {}
            // No log (checkpointed and removed), or a database in memory (`memdb`).
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(super::StoreError::Io {
                    path: file,
                    message: e.to_string(),
                });
            }
        }
    }
    Ok(())
}
