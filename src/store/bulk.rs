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
//! full-text table named in [`Plan::rebuild`], or the trigger itself replayed once over its
//! table's rows, [`Plan::replayed`]). Foreign keys the loader does not enforce row by row are
//! checked once, table by table, before the mark goes ([`Plan::checked`]): a dangling reference
//! is still an error, only found later. The caller names them ([`Plan`]).

use rusqlite::types::{Value, ValueRef};
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
    /// from their content table when the triggers are put back, as FTS5's `rebuild` does, but
    /// reading the content in rowid order (see `rebuild`).
    pub rebuild: &'a [&'a str],
    /// `AFTER INSERT` triggers that fill another table from each row of theirs, by name, with
    /// the order (an `ORDER BY` list of their table's columns) in which to replay them: dropped
    /// like [`Plan::triggers`], and when put back, run once for every row of their table, in
    /// that order, from their own definition (the body of the trigger as `sqlite_master`
    /// holds it, on a temporary view of the table). What they write then arrives in the order
    /// of the table they fill instead of at random places of it, and no statement of the load
    /// pays for them. A name the schema does not hold is skipped.
    pub replayed: &'a [(&'a str, &'a str)],
    /// Triggers that keep a table of counts (an upsert for every row of their table: the
    /// providers' counter, one for each of 21 million entries at a million people), with the
    /// query of the keys they count: dropped like [`Plan::triggers`], and when put back, the
    /// table is emptied and filled again in the last transaction with one row for each
    /// distinct key and how many times the query gave it. The keys are read and counted on the
    /// reader beside that transaction when there is one ([`References::Elsewhere`], the rows
    /// handed over), in it otherwise. The query is the caller's, a second statement of what the
    /// trigger keeps: the caller holds them equal with tests (a load with the trigger and one
    /// without give the same table). A trigger the schema does not hold is skipped, and its
    /// table left alone.
    pub counted: &'a [Recount<'a>],
    /// Tables whose foreign keys the load does not enforce row by row (the caller turns
    /// `PRAGMA foreign_keys` off, which only it can do, outside a transaction): each is checked
    /// whole with `PRAGMA foreign_key_check` when everything is put back, and a row whose
    /// reference is missing fails the restore as SQLite's own check would have failed its
    /// insert (`FOREIGN KEY constraint failed`), the mark kept. A table the schema does not
    /// hold is skipped.
    pub checked: &'a [&'a str],
}

/// A table of counts a load fills by one reading at the end instead of by its trigger row by
/// row ([`Plan::counted`]).
#[derive(Debug, Clone, Copy)]
pub struct Recount<'a> {
    /// The trigger that keeps the table as rows arrive, set aside for the load.
    pub trigger: &'a str,
    /// The table it keeps: its columns are the key's, then the count.
    pub table: &'a str,
    /// A query that gives the key of every row the trigger counts, once for each
    /// (`SELECT provider FROM entries`): the table holds each distinct key with how many rows
    /// gave it. Counted in memory, not by `GROUP BY`, which sorts every row (at 100 000 people
    /// 1.4 s to sort 2.1 million providers, most of the reader's count).
    pub keys: &'a str,
}

/// A table to count again when the load is put back, as the mark records it ([`Recount`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counted {
    pub table: String,
    /// The query giving the keys it counts ([`Recount::keys`]).
    pub keys: String,
}

/// The rows of [`SetAside::counted`]'s tables as a reader counted them, by table: what the
/// last transaction writes instead of counting them itself.
pub type Counts = Vec<(String, Vec<Vec<Value>>)>;

/// One object of the schema set aside, as `sqlite_master` held it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Object {
    /// `index` or `trigger`.
    pub kind: String,
    pub name: String,
    /// Its definition, word for word.
    pub sql: String,
    /// The `ORDER BY` of its table's rows when it is a trigger to replay ([`Plan::replayed`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replay: Option<String>,
}

/// The record kept under [`MARK`]: what is still to be put back.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetAside {
    /// In `sqlite_master`'s order (the order the migrations made them).
    pub objects: Vec<Object>,
    /// Full-text tables to rebuild with the triggers.
    pub rebuild: Vec<String>,
    /// Tables whose foreign keys are checked before the mark goes ([`Plan::checked`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub checked: Vec<String>,
    /// Tables of counts to fill again before the mark goes ([`Plan::counted`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub counted: Vec<Counted>,
}

/// Set aside what `plan` names, inside the load's first transaction `tx`: read each definition
/// from `sqlite_master`, record them under [`MARK`], drop them. Returns what was set aside
/// (nothing when the plan names nothing the schema holds, and then no mark is written).
///
/// Errors: SQL errors; a load already under way (a [`MARK`] present) is an SQL constraint
/// error rather than a second record that would lose the first.
pub fn set_aside(tx: &Transaction<'_>, plan: &Plan<'_>) -> Result<SetAside> {
    let mut objects = Vec::new();
    let mut counted = Vec::new();
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
            let replay = match kind.as_str() {
                "index" => None,
                _ => plan
                    .replayed
                    .iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, order)| order.to_string()),
            };
            let recount = match kind.as_str() {
                "index" => None,
                _ => plan.counted.iter().find(|c| c.trigger == name),
            };
            if let Some(c) = recount {
                counted.push(Counted {
                    table: c.table.to_string(),
                    keys: c.keys.to_string(),
                });
            }
            let chosen = match kind.as_str() {
                "index" => plan.indexed.contains(&table.as_str()),
                _ => {
                    plan.triggers.contains(&name.as_str()) || replay.is_some() || recount.is_some()
                }
            };
            if chosen {
                let sql: String = r.get(3)?;
                if replay.is_some() {
                    // Refused before anything is dropped: a trigger that cannot be replayed.
                    replay_head(&name, &sql)?;
                }
                objects.push(Object {
                    kind,
                    name,
                    sql,
                    replay,
                });
            }
        }
    }
    // A table an older schema does not have yet is skipped, as a trigger it does not hold is.
    let mut checked = Vec::new();
    for t in plan.checked {
        let present: bool = tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1)",
            [t],
            |r| r.get(0),
        )?;
        if present {
            checked.push(t.to_string());
        }
    }
    let set = SetAside {
        objects,
        rebuild: plan.rebuild.iter().map(|t| t.to_string()).collect(),
        checked,
        counted,
    };
    // Unchecked references are something to put back too: the mark says so.
    if set.objects.is_empty() && set.checked.is_empty() && pending(tx)?.is_none() {
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
/// then the triggers (those of [`Plan::replayed`] replayed first), the full-text rebuilds, the
/// tables of counts ([`Plan::counted`]), the foreign-key check of [`Plan::checked`] and the
/// removal of [`MARK`] in one last transaction, so no row can be written between a rebuild, a
/// replay or a count and the trigger that keeps it up. An object already present (put back by
/// an earlier, cut-off restore or another clerk's open) is skipped. Returns how many objects
/// were created; 0 when nothing was set aside.
///
/// Errors: SQL errors (what was committed stays put back; the mark lists the rest).
pub fn restore(store: &mut Store, after_each: &mut dyn FnMut(&Connection)) -> Result<usize> {
    restore_checking(store, after_each, &mut References::Here)
}

/// Where the reading of a restore's last transaction is done: the references of
/// [`SetAside::checked`]'s tables checked, the tables of [`SetAside::counted`] counted.
pub enum References<'r> {
    /// In the last transaction, on the restoring connection, one table after another.
    Here,
    /// On another connection of the file, while the last transaction replays and rebuilds:
    /// `start(set)` is called as that transaction begins (it sees every row the load wrote,
    /// and nothing the transaction adds is read), to run [`read_beside`]; and `result()` before
    /// the counts are written, waiting for the reading to end: its outcome, or `None` when it
    /// was not made (then it is made here). Starting with the last transaction keeps the log
    /// from growing: its pages cannot be copied into the file while the reader reads anyway.
    Elsewhere {
        start: &'r mut dyn FnMut(&SetAside),
        result: &'r mut dyn FnMut() -> Option<Result<Counts>>,
    },
}

/// [`restore`], with the last transaction's reading done where `references` says.
///
/// Errors: as [`restore`]; a check made elsewhere fails the restore as one made here would.
pub fn restore_checking(
    store: &mut Store,
    after_each: &mut dyn FnMut(&Connection),
    references: &mut References<'_>,
) -> Result<usize> {
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
                let reading = !set.checked.is_empty() || !set.counted.is_empty();
                if let References::Elsewhere { start, .. } = references
                    && reading
                {
                    start(&set);
                }
                for o in &set.objects {
                    if let Some(order) = &o.replay {
                        replay(&tx, o, order)?;
                    }
                    created += create_unless_present(&tx, o)?;
                }
                for t in &set.rebuild {
                    rebuild(&tx, t)?;
                }
                let elsewhere = match references {
                    References::Elsewhere { result, .. } if reading => result(),
                    _ => None,
                };
                match elsewhere {
                    Some(counts) => fill_counted(&tx, &set.counted, &counts?)?,
                    None => {
                        check_references(&tx, &set.checked)?;
                        count_here(&tx, &set.counted)?;
                    }
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

/// Put back, in the transaction that set them aside (open on `tx`), the objects of `set` and its
/// full-text rebuilds, check its [`SetAside::checked`] tables, count its
/// [`SetAside::counted`] ones and remove [`MARK`]: for a writer
/// that sets a trigger aside for one transaction only (an import checking the natural key
/// itself, `store::entry_batch`), so no other connection ever sees the schema without it. An
/// object already present is skipped.
///
/// Errors: SQL errors, and a dangling reference in a checked table; the caller rolls back.
pub fn put_back(tx: &Connection, set: &SetAside) -> Result<()> {
    for o in &set.objects {
        if let Some(order) = &o.replay {
            replay(tx, o, order)?;
        }
        create_unless_present(tx, o)?;
    }
    for t in &set.rebuild {
        rebuild(tx, t)?;
    }
    check_references(tx, &set.checked)?;
    count_here(tx, &set.counted)?;
    tx.execute("DELETE FROM meta WHERE key = ?1", [MARK])?;
    Ok(())
}

/// Puts back, in the same transaction, the objects of `set` named in `names` (each unless
/// already present), leaving the rest aside and the mark in place: for a writer that needs
/// some of its triggers again before the end ([`put_back`] then skips them).
///
/// Errors: SQL errors; the caller rolls back.
pub fn put_back_some(tx: &Connection, set: &SetAside, names: &[&str]) -> Result<()> {
    for o in set
        .objects
        .iter()
        .filter(|o| names.contains(&o.name.as_str()))
    {
        create_unless_present(tx, o)?;
    }
    Ok(())
}

/// Bytes of postings a full-text rebuild gathers in memory before writing them out as a segment
/// of the index (FTS5's `hashsize`; its default is 1 MiB): at 100 000 people the whole of the
/// people's index (15 MB on disk), written once instead of merged again and again into larger
/// segments (`automerge`); at a million people, a handful of segments. The memory is taken
/// only as postings arrive, and given back at the commit.
const REBUILD_HASH: i64 = 64 * 1024 * 1024;

/// FTS5's `hashsize` when a table sets none (`FTS5_DEFAULT_HASHSIZE` in SQLite's source).
const FTS5_DEFAULT_HASHSIZE: i64 = 1024 * 1024;

/// Rebuild the external-content full-text table `table` from its content table, as FTS5's
/// `rebuild` does (every posting dropped, every row of the content indexed again), but reading
/// the content in the order of its rowid: FTS5's own `rebuild` reads it in whatever order the
/// planner picks, which for `people` is the covering index `people_order` (by name), and a
/// rowid lower than the last makes FTS5 write out what it gathered — at 100 000 people, a
/// segment every few rows and three fifths of the rebuild merging them (measured with `perf`).
/// The postings are gathered in [`REBUILD_HASH`] bytes, the table's own setting put back after.
/// A table whose definition does not name its content table is rebuilt by FTS5's `rebuild`.
fn rebuild(tx: &Connection, table: &str) -> Result<()> {
    let t = quoted(table);
    let config = quoted(&format!("{table}_config"));
    let configured: Option<i64> = tx
        .query_row(
            &format!("SELECT v FROM {config} WHERE k = 'hashsize'"),
            [],
            |r| r.get(0),
        )
        .optional()?;
    let hashsize = |n: i64| {
        tx.execute(
            &format!("INSERT INTO {t} ({t}, rank) VALUES ('hashsize', ?1)"),
            [n],
        )
    };
    hashsize(REBUILD_HASH)?;
    match content_of(tx, table)? {
        Some((content, rowid, columns)) => {
            let names = columns
                .iter()
                .map(|c| quoted(c))
                .collect::<Vec<_>>()
                .join(", ");
            let (content, rowid) = (quoted(&content), quoted(&rowid));
            tx.execute_batch(&format!(
                "INSERT INTO {t} ({t}) VALUES ('delete-all');
                 INSERT INTO {t} (rowid, {names})
                 SELECT {rowid}, {names} FROM main.{content} ORDER BY {rowid};"
            ))?;
        }
        None => tx.execute_batch(&format!("INSERT INTO {t} ({t}) VALUES ('rebuild')"))?,
    }
    // FTS5's own default when the table had no setting; the row that leaves goes again, so the
    // file holds the table as the schema made it.
    hashsize(configured.unwrap_or(FTS5_DEFAULT_HASHSIZE))?;
    if configured.is_none() {
        tx.execute(&format!("DELETE FROM {config} WHERE k = 'hashsize'"), [])?;
    }
    Ok(())
}

/// The content table of the external-content FTS5 table `table`, its rowid column and the
/// full-text table's columns (which FTS5 reads from the content table's columns of the same
/// names), from the `content` and `content_rowid` options of its definition; `None` when the
/// definition names no content table (or is not one this reads).
fn content_of(conn: &Connection, table: &str) -> Result<Option<(String, String, Vec<String>)>> {
    let sql: Option<String> = conn
        .query_row(
            "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?1",
            [table],
            |r| r.get(0),
        )
        .optional()?;
    let Some(sql) = sql else { return Ok(None) };
    let (Some(open), Some(close)) = (sql.find('('), sql.rfind(')')) else {
        return Ok(None);
    };
    let mut content = None;
    let mut rowid = "rowid".to_string();
    for arg in split_options(sql.get(open + 1..close).unwrap_or("")) {
        let Some((key, value)) = arg.split_once('=') else {
            continue;
        };
        let value = unquoted(value.trim());
        match key.trim().to_ascii_lowercase().as_str() {
            "content" => content = Some(value),
            "content_rowid" => rowid = value,
            _ => {}
        }
    }
    let Some(content) = content.filter(|c| !c.is_empty()) else {
        return Ok(None);
    };
    let mut stmt = conn.prepare("SELECT name FROM pragma_table_info(?1) ORDER BY cid")?;
    let columns = stmt
        .query_map([table], |r| r.get(0))?
        .collect::<rusqlite::Result<Vec<String>>>()?;
    Ok((!columns.is_empty()).then_some((content, rowid, columns)))
}

/// The arguments of a `CREATE VIRTUAL TABLE … USING fts5(…)`, split at commas outside quotes.
fn split_options(args: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut quote = None;
    let mut start = 0;
    for (i, c) in args.char_indices() {
        match (quote, c) {
            (None, '\'' | '"' | '`' | '[') => quote = Some(if c == '[' { ']' } else { c }),
            (Some(q), c) if c == q => quote = None,
            (None, ',') => {
                parts.push(args.get(start..i).unwrap_or(""));
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(args.get(start..).unwrap_or(""));
    parts
}

/// An option's value without its quotes (`'people'`, `"people"`, `people`).
fn unquoted(v: &str) -> String {
    let inner = v
        .strip_prefix('\'')
        .and_then(|x| x.strip_suffix('\''))
        .map(|x| x.replace("''", "'"))
        .or_else(|| {
            v.strip_prefix('"')
                .and_then(|x| x.strip_suffix('"'))
                .map(|x| x.replace("\"\"", "\""))
        });
    inner.unwrap_or_else(|| v.to_string())
}

/// The reading of a restore's last transaction made on another connection of the file (a
/// reader on another thread, [`References::Elsewhere`]): the references of `set`'s checked
/// tables ([`check_references`]), then the rows of its tables of counts, all from one snapshot.
/// Returns those rows, table by table.
///
/// Errors: as [`check_references`]; SQL errors of a count's query.
pub fn read_beside(conn: &Connection, set: &SetAside) -> Result<Counts> {
    conn.execute_batch("BEGIN")?;
    let read = check_references(conn, &set.checked).and_then(|()| {
        let mut counts = Vec::with_capacity(set.counted.len());
        for c in &set.counted {
            counts.push((c.table.clone(), count_keys(conn, &c.keys)?));
        }
        Ok(counts)
    });
    let ended = conn.execute_batch("COMMIT");
    let counts = read?;
    ended?;
    Ok(counts)
}

/// The rows of a table of counts: each distinct key `keys` gives (its columns' values) followed
/// by how many rows gave it, in the order of the keys (SQLite's: numbers before text, text by
/// its bytes), so a table keyed by them is filled from its start to its end.
fn count_keys(conn: &Connection, keys: &str) -> Result<Vec<Vec<Value>>> {
    let mut stmt = conn.prepare(keys)?;
    let columns = stmt.column_count();
    // Each key written as bytes into one reused buffer, looked up without allocating: only a
    // key seen for the first time is copied (a few thousand of 21 million at a million people).
    let mut counted: std::collections::HashMap<Vec<u8>, (Vec<Value>, i64)> = Default::default();
    let mut key = Vec::new();
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        key.clear();
        for i in 0..columns {
            write_key(&mut key, r.get_ref(i)?);
        }
        match counted.get_mut(key.as_slice()) {
            Some((_, n)) => *n += 1,
            None => {
                let values = (0..columns)
                    .map(|i| r.get::<_, Value>(i))
                    .collect::<rusqlite::Result<Vec<Value>>>()?;
                counted.insert(key.clone(), (values, 1));
            }
        }
    }
    let mut table: Vec<Vec<Value>> = counted
        .into_values()
        .map(|(mut values, n)| {
            values.push(Value::Integer(n));
            values
        })
        .collect();
    table.sort_by(|a, b| {
        a.iter()
            .zip(b)
            .map(|(x, y)| sql_order(x, y))
            .find(|o| o.is_ne())
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    Ok(table)
}

/// `v` appended to `key` so that two keys are the same bytes exactly when their values are the
/// same: a tag for the type, then the value (text and blobs with their length first).
fn write_key(key: &mut Vec<u8>, v: ValueRef<'_>) {
    let mut bytes = |tag: u8, b: &[u8]| {
        key.push(tag);
        key.extend_from_slice(&(b.len() as u64).to_le_bytes());
        key.extend_from_slice(b);
    };
    match v {
        ValueRef::Null => bytes(0, &[]),
        ValueRef::Integer(i) => bytes(1, &i.to_le_bytes()),
        ValueRef::Real(f) => bytes(2, &f.to_bits().to_le_bytes()),
        ValueRef::Text(t) => bytes(3, t),
        ValueRef::Blob(b) => bytes(4, b),
    }
}

/// SQLite's order of two values of a key (BINARY collation): NULL, then numbers, text, blobs.
fn sql_order(a: &Value, b: &Value) -> std::cmp::Ordering {
    fn rank(v: &Value) -> u8 {
        match v {
            Value::Null => 0,
            Value::Integer(_) | Value::Real(_) => 1,
            Value::Text(_) => 2,
            Value::Blob(_) => 3,
        }
    }
    match (a, b) {
        (Value::Integer(x), Value::Integer(y)) => x.cmp(y),
        (Value::Real(x), Value::Real(y)) => x.total_cmp(y),
        (Value::Integer(x), Value::Real(y)) => (*x as f64).total_cmp(y),
        (Value::Real(x), Value::Integer(y)) => x.total_cmp(&(*y as f64)),
        (Value::Text(x), Value::Text(y)) => x.as_bytes().cmp(y.as_bytes()),
        (Value::Blob(x), Value::Blob(y)) => x.cmp(y),
        _ => rank(a).cmp(&rank(b)),
    }
}

/// Fill the tables of `counted` again from their keys, counted in this transaction.
fn count_here(tx: &Connection, counted: &[Counted]) -> Result<()> {
    let counts = counted
        .iter()
        .map(|c| Ok((c.table.clone(), count_keys(tx, &c.keys)?)))
        .collect::<Result<Counts>>()?;
    fill_counted(tx, counted, &counts)
}

/// Fill the tables of `counted` again with the rows counted (`counts`, on a reader or here); a
/// table not counted there is counted here.
fn fill_counted(tx: &Connection, counted: &[Counted], counts: &Counts) -> Result<()> {
    for c in counted {
        let Some((_, rows)) = counts.iter().find(|(t, _)| *t == c.table) else {
            count_here(tx, std::slice::from_ref(c))?;
            continue;
        };
        let t = quoted(&c.table);
        tx.execute(&format!("DELETE FROM {t}"), [])?;
        let Some(width) = rows.first().map(Vec::len) else {
            continue;
        };
        let marks = vec!["?"; width].join(", ");
        let mut insert = tx.prepare(&format!("INSERT INTO {t} VALUES ({marks})"))?;
        for row in rows {
            insert.execute(rusqlite::params_from_iter(row))?;
        }
    }
    Ok(())
}

/// [`restore`] when a load's objects are set aside (looked for without a lock, as the store's
/// other backfills are); nothing otherwise.
pub fn restore_if_pending(store: &mut Store) -> Result<usize> {
    if pending(store.conn())?.is_none() {
        return Ok(0);
    }
    restore(store, &mut |_| {})
}

/// Where the definition of an `AFTER INSERT` trigger stops naming its event: the table's name
/// and the byte offset just past it (what follows is `[FOR EACH ROW] [WHEN …] BEGIN … END`).
/// Errors: any other kind of trigger, as an SQL error naming it.
fn replay_head(name: &str, sql: &str) -> Result<(String, usize)> {
    // Words with their offsets, up to the body: the head holds no string literal.
    let mut words: Vec<(usize, &str)> = Vec::new();
    let mut start = None;
    for (i, c) in sql.char_indices().chain(std::iter::once((sql.len(), ' '))) {
        match (c.is_whitespace(), start) {
            (false, None) => start = Some(i),
            (true, Some(s)) => {
                let word = sql.get(s..i).unwrap_or("");
                if word.eq_ignore_ascii_case("BEGIN") {
                    break;
                }
                words.push((s, word));
                start = None;
            }
            _ => {}
        }
    }
    let at = words.windows(4).find(|w| {
        w[0].1.eq_ignore_ascii_case("AFTER")
            && w[1].1.eq_ignore_ascii_case("INSERT")
            && w[2].1.eq_ignore_ascii_case("ON")
    });
    match at {
        Some(w) => {
            let (offset, table) = w[3];
            let table = table.trim_matches(|c| c == '"' || c == '`' || c == '[' || c == ']');
            Ok((table.to_string(), offset + w[3].1.len()))
        }
        None => Err(rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_MISUSE),
            Some(format!(
                "trigger {name} cannot be replayed: not an AFTER INSERT trigger of one table"
            )),
        )
        .into()),
    }
}

/// Run the trigger `o` once for every row of its table, in `order`: its own body, unchanged,
/// as an `INSTEAD OF INSERT` trigger of a temporary view of the table, and every row inserted
/// into the view. The temporary objects are gone afterwards.
fn replay(tx: &Connection, o: &Object, order: &str) -> Result<()> {
    let (table, end) = replay_head(&o.name, &o.sql)?;
    let rest = o.sql.get(end..).unwrap_or("");
    let table = quoted(&table);
    tx.execute_batch(&format!(
        "CREATE TEMP VIEW bulk_replay AS SELECT * FROM main.{table};
         CREATE TEMP TRIGGER bulk_replay_rows INSTEAD OF INSERT ON bulk_replay {rest};
         INSERT INTO bulk_replay SELECT * FROM main.{table} ORDER BY {order};
         DROP VIEW bulk_replay;"
    ))?;
    Ok(())
}

/// Every reference of the rows of `tables` names a row that exists, as SQLite checks each
/// insert when foreign keys are on; `conn` is any connection of the file (a reader on another
/// thread included). Errors: the first row that does not, as the SQL error SQLite gives for it,
/// with the table, the row and the table it refers to.
pub fn check_references(conn: &Connection, tables: &[String]) -> Result<()> {
    for t in tables {
        check_foreign_keys(conn, t)?;
    }
    Ok(())
}

fn check_foreign_keys(conn: &Connection, table: &str) -> Result<()> {
    let dangling: Option<(Option<i64>, String)> = conn
        .query_row(
            "SELECT rowid, parent FROM pragma_foreign_key_check(?1) LIMIT 1",
            [table],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    match dangling {
        None => Ok(()),
        Some((row, parent)) => {
            let row = row.map_or_else(|| "?".to_string(), |r| r.to_string());
            Err(dangling_reference(table, &format!("row {row}"), &parent))
        }
    }
}

/// The error of a reference to a row that does not exist, found by a writer that checks
/// references itself: SQLite's own (`FOREIGN KEY constraint failed`, its extended code), with
/// the table written, the row (`row 12`, or what the caller knows of it) and the table it
/// refers to.
pub(crate) fn dangling_reference(table: &str, row: &str, parent: &str) -> super::StoreError {
    rusqlite::Error::SqliteFailure(
        rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_CONSTRAINT_FOREIGNKEY),
        Some(format!(
            "FOREIGN KEY constraint failed: {table} {row} refers to a missing row of {parent}"
        )),
    )
    .into()
}

fn create_unless_present(tx: &Connection, o: &Object) -> Result<usize> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{IdNumber, Person, UnitKind};
    use crate::store::people;
    use chrono::NaiveDate;

    /// What the demo sets aside, written out here so the store's tests do not lean on it.
    const PLAN: Plan<'static> = Plan {
        indexed: &["people", "entries", "review_queue", "people_readings"],
        triggers: &["entries_same_training", "people_fts_insert"],
        rebuild: &["people_fts"],
        replayed: &[],
        counted: &[],
        checked: &[],
    };

    const NOW: &str = "2017-07-15T10:00:00+08:00";

    /// Every index and trigger of the schema with its definition, by name.
    fn schema(conn: &Connection) -> Vec<(String, String, String)> {
        conn.prepare(
            "SELECT type, name, sql FROM sqlite_master
             WHERE type IN ('index', 'trigger') AND sql IS NOT NULL ORDER BY name",
        )
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap()
    }

    fn person(i: u16, name: &str, unit: &str) -> Person {
        let birth = NaiveDate::from_ymd_opt(1980, 5, 17).unwrap();
        Person {
            id_number: IdNumber::compose("430102", birth, i).unwrap(),
            name: name.into(),
            unit: unit.into(),
            unit_kind: UnitKind::City,
            city_code: "430100".into(),
            title: String::new(),
            title_level: None,
            series: String::new(),
            phone: String::new(),
            file_location: String::new(),
        }
    }

    fn add(store: &mut Store, people: &[Person]) -> Vec<i64> {
        let tx = store.write().unwrap();
        let refs: Vec<&Person> = people.iter().collect();
        let ids = people::insert_rows(&tx, &refs, NOW).unwrap();
        tx.commit().unwrap();
        ids
    }

    fn set_aside_now(store: &mut Store) -> SetAside {
        let tx = store.write().unwrap();
        let set = set_aside(&tx, &PLAN).unwrap();
        tx.commit().unwrap();
        set
    }

    /// SQLite's own check that every index holds exactly its table's rows, and FTS5's that the
    /// full-text index holds exactly `people`'s text.
    fn assert_indexes_agree(conn: &Connection) {
        let ok: String = conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(ok, "ok");
        conn.execute(
            "INSERT INTO people_fts (people_fts, rank) VALUES ('integrity-check', 1)",
            [],
        )
        .expect("the full-text index agrees with people");
    }

    /// Substring search as `store::search` runs it, through the full-text index.
    fn found(conn: &Connection, text: &str) -> i64 {
        conn.query_row(
            "SELECT count(*) FROM people_fts WHERE people_fts MATCH ?1",
            [format!("\"{text}\"")],
            |r| r.get(0),
        )
        .unwrap()
    }

    #[test]
    fn the_schema_is_put_back_word_for_word() {
        let mut store = Store::open_in_memory().unwrap();
        let before = schema(store.conn());
        let set = set_aside_now(&mut store);
        let names: Vec<&str> = set.objects.iter().map(|o| o.name.as_str()).collect();
        for name in [
            "people_order",
            "people_city_order",
            "entries_person_year",
            "entries_filing",
            "review_queue_order",
            "people_readings_person",
            "entries_same_training",
            "people_fts_insert",
        ] {
            assert!(names.contains(&name), "{name} set aside: {names:?}");
        }
        // Only those: other tables' indexes and the triggers that fill tables stay.
        let left = schema(store.conn());
        assert_eq!(left.len() + set.objects.len(), before.len());
        for kept in [
            "audit_subject",
            "review_queue_insert",
            "people_readings_insert",
        ] {
            assert!(left.iter().any(|(_, n, _)| n == kept), "{kept} kept");
        }
        assert_eq!(pending(store.conn()).unwrap(), Some(set.clone()));

        let mut checkpoints = 0;
        let created = restore(&mut store, &mut |_| checkpoints += 1).unwrap();
        assert_eq!(created, set.objects.len());
        assert_eq!(schema(store.conn()), before);
        assert_eq!(pending(store.conn()).unwrap(), None);
        // One commit per index, and one for the triggers and the rebuild.
        let indexes = set.objects.iter().filter(|o| o.kind == "index").count();
        assert_eq!(checkpoints, indexes + 1);
        // Nothing left: a second restore does nothing.
        assert_eq!(restore_if_pending(&mut store).unwrap(), 0);
    }

    #[test]
    fn people_written_while_set_aside_are_in_every_index_and_found_by_search() {
        let mut store = Store::open_in_memory().unwrap();
        set_aside_now(&mut store);
        add(
            &mut store,
            &[
                person(12, "欧阳明", "长沙市第一医院"),
                person(14, "曾伟", "湘雅医院"),
            ],
        );
        // Not searchable yet: the full-text upkeep is set aside.
        assert_eq!(found(store.conn(), "第一医院"), 0);
        restore(&mut store, &mut |_| {}).unwrap();
        assert_indexes_agree(store.conn());
        assert_eq!(found(store.conn(), "第一医院"), 1);
        assert_eq!(found(store.conn(), "430102198005170"), 2);
        // The trigger is back: a person added now is found at once.
        add(&mut store, &[person(16, "李娜", "株洲市中心医院")]);
        assert_eq!(found(store.conn(), "中心医院"), 1);
        assert_indexes_agree(store.conn());
    }

    /// The people's full-text index is rebuilt from `people` read by id (FTS5's own `rebuild`
    /// reads it by name, through a covering index), and ends as a rebuild leaves it: every
    /// person found, and the table's settings as they were, set or not.
    #[test]
    fn the_full_text_index_is_rebuilt_from_its_content_and_keeps_its_settings() {
        assert_eq!(
            content_of(Store::open_in_memory().unwrap().conn(), "people_fts").unwrap(),
            Some((
                "people".to_string(),
                "id".to_string(),
                ["name_key", "id_number", "unit_key", "initials"]
                    .map(String::from)
                    .to_vec()
            ))
        );
        for setting in [None, Some(2 * 1024 * 1024)] {
            let mut store = Store::open_in_memory().unwrap();
            if let Some(n) = setting {
                store
                    .conn()
                    .execute(
                        "INSERT INTO people_fts (people_fts, rank) VALUES ('hashsize', ?1)",
                        [n],
                    )
                    .unwrap();
            }
            add(&mut store, &[person(12, "欧阳明", "长沙市第一医院")]);
            set_aside_now(&mut store);
            add(
                &mut store,
                &[
                    person(16, "曾伟", "湘雅医院"),
                    person(14, "张伟", "湘雅医院"),
                ],
            );
            restore(&mut store, &mut |_| {}).unwrap();
            assert_indexes_agree(store.conn());
            assert_eq!(found(store.conn(), "湘雅医院"), 2, "{setting:?}");
            assert_eq!(found(store.conn(), "第一医院"), 1, "{setting:?}");
            let kept: Option<i64> = store
                .conn()
                .query_row(
                    "SELECT v FROM people_fts_config WHERE k = 'hashsize'",
                    [],
                    |r| r.get(0),
                )
                .optional()
                .unwrap();
            assert_eq!(kept, setting);
        }
    }

    #[test]
    fn options_split_at_commas_outside_quotes() {
        assert_eq!(
            split_options("a, content = 'x,y', tokenize = \"porter ascii\""),
            ["a", " content = 'x,y'", " tokenize = \"porter ascii\""]
        );
        assert_eq!(unquoted("'it''s'"), "it's");
        assert_eq!(unquoted("people"), "people");
    }

    /// R1.2 An ID number is still written once: UNIQUE constraints are never set aside.
    #[test]
    fn r1_2_an_id_number_taken_is_still_refused_while_indexes_are_away() {
        let mut store = Store::open_in_memory().unwrap();
        set_aside_now(&mut store);
        add(&mut store, &[person(12, "欧阳明", "长沙市第一医院")]);
        let tx = store.write().unwrap();
        let again = person(12, "王芳", "湘雅医院");
        assert!(people::insert_rows(&tx, &[&again], NOW).is_err());
    }

    #[test]
    fn a_second_load_on_top_of_one_not_put_back_is_refused() {
        let mut store = Store::open_in_memory().unwrap();
        let first = set_aside_now(&mut store);
        let tx = store.write().unwrap();
        assert!(set_aside(&tx, &PLAN).is_err());
        drop(tx);
        assert_eq!(pending(store.conn()).unwrap(), Some(first));
    }

    /// Cut off after its first index (here: a panic where the checkpoint would run), a restore
    /// leaves that index built and the rest listed; the next one finishes.
    #[test]
    fn a_restore_cut_off_after_one_index_continues_where_it_stopped() {
        let mut store = Store::open_in_memory().unwrap();
        let before = schema(store.conn());
        add(&mut store, &[person(12, "欧阳明", "长沙市第一医院")]);
        let set = set_aside_now(&mut store);
        add(&mut store, &[person(14, "曾伟", "湘雅医院")]);
        let cut = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            restore(&mut store, &mut |_| panic!("cut off"))
        }));
        assert!(cut.is_err());
        let left = pending(store.conn()).unwrap().expect("the rest is listed");
        assert_eq!(left.objects.len(), set.objects.len() - 1);
        assert_eq!(
            restore_if_pending(&mut store).unwrap(),
            set.objects.len() - 1
        );
        assert_eq!(schema(store.conn()), before);
        assert_indexes_agree(store.conn());
        assert_eq!(found(store.conn(), "湘雅医院"), 1);
    }

    /// A load killed while its indexes were away: whoever opens the file next finds them back.
    #[test]
    fn a_file_whose_load_was_cut_off_is_put_back_when_opened() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cut.sqlite");
        let mut store = Store::open(&path).unwrap();
        let before = schema(store.conn());
        set_aside_now(&mut store);
        add(&mut store, &[person(12, "欧阳明", "长沙市第一医院")]);
        drop(store);

        let store = Store::open(&path).unwrap();
        assert_eq!(schema(store.conn()), before);
        assert_eq!(pending(store.conn()).unwrap(), None);
        assert_indexes_agree(store.conn());
        assert_eq!(found(store.conn(), "第一医院"), 1);
    }

    /// What a plan replaying the people's search triggers and checking their references
    /// would set aside, beside [`PLAN`].
    const REPLAYING: Plan<'static> = Plan {
        indexed: &["people"],
        triggers: &["people_fts_insert"],
        rebuild: &["people_fts"],
        replayed: &[
            ("people_prefixes_insert", "name, id_number"),
            ("people_readings_insert", "id"),
        ],
        counted: &[],
        checked: &["people", "person_year_totals"],
    };

    fn rows(conn: &Connection, sql: &str) -> Vec<String> {
        conn.prepare(sql)
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap()
    }

    /// The search structures of one- and two-character searches (R1.2): every prefix of
    /// name and initials, every reading, as the triggers write them.
    fn prefixes_and_readings(conn: &Connection) -> (Vec<String>, Vec<String>) {
        (
            rows(
                conn,
                "SELECT prefix || '|' || name || '|' || id_number || '|' || person_id
                 FROM people_prefixes ORDER BY 1",
            ),
            rows(
                conn,
                "SELECT reading || '|' || person_id FROM people_readings ORDER BY 1",
            ),
        )
    }

    fn staff() -> Vec<Person> {
        vec![
            person(12, "曾伟", "长沙市第一医院"),
            person(14, "欧阳明", "湘雅医院"),
            person(16, "张伟", "株洲市中心医院"),
            person(18, "Ann Lee", "长沙市第一医院"),
        ]
    }

    /// R1.2 People written while the prefix and reading triggers are set aside are found by a
    /// short search once put back: the triggers, replayed over `people`, write exactly what
    /// they would have written row by row (`zw` and `cw` for 曾伟), and are back for the next.
    #[test]
    fn r1_2_replayed_triggers_write_what_they_would_have_written_row_by_row() {
        let mut through = Store::open_in_memory().unwrap();
        add(&mut through, &staff());
        let expected = prefixes_and_readings(through.conn());
        assert!(
            expected.0.iter().any(|r| r.starts_with("zw|曾伟|")),
            "{expected:?}"
        );
        assert!(
            expected.1.iter().any(|r| r.starts_with("cw|")),
            "{expected:?}"
        );

        let mut store = Store::open_in_memory().unwrap();
        let before = schema(store.conn());
        let tx = store.write().unwrap();
        let set = set_aside(&tx, &REPLAYING).unwrap();
        tx.commit().unwrap();
        let replayed: Vec<&str> = set
            .objects
            .iter()
            .filter(|o| o.replay.is_some())
            .map(|o| o.name.as_str())
            .collect();
        assert_eq!(
            replayed,
            ["people_readings_insert", "people_prefixes_insert"]
        );
        add(&mut store, &staff());
        // Nothing yet: a short search would not find them.
        assert_eq!(prefixes_and_readings(store.conn()), (vec![], vec![]));

        restore(&mut store, &mut |_| {}).unwrap();
        assert_eq!(prefixes_and_readings(store.conn()), expected);
        assert_eq!(schema(store.conn()), before);
        assert_indexes_agree(store.conn());
        // No temporary view or trigger is left behind.
        let temp: i64 = store
            .conn()
            .query_row("SELECT count(*) FROM sqlite_temp_master", [], |r| r.get(0))
            .unwrap();
        assert_eq!(temp, 0);
        // The triggers are back: the next person gets prefixes at once.
        add(&mut store, &[person(20, "李娜", "湘雅医院")]);
        let (prefixes, _) = prefixes_and_readings(store.conn());
        assert!(
            prefixes.iter().any(|r| r.starts_with("ln|李娜|")),
            "{prefixes:?}"
        );
    }

    /// Only a trigger that fills a table from the rows of its own (`AFTER INSERT`) can be
    /// replayed; any other is refused before anything is dropped.
    #[test]
    fn a_trigger_that_is_not_after_insert_is_not_replayed_and_nothing_is_set_aside() {
        let mut store = Store::open_in_memory().unwrap();
        let before = schema(store.conn());
        let tx = store.write().unwrap();
        let plan = Plan {
            replayed: &[("entries_same_training", "id")],
            ..REPLAYING
        };
        let refused = set_aside(&tx, &plan).unwrap_err();
        assert!(
            refused.to_string().contains("entries_same_training"),
            "{refused}"
        );
        drop(tx);
        assert_eq!(schema(store.conn()), before);
        assert_eq!(pending(store.conn()).unwrap(), None);
    }

    /// A reference that no row answers, written while foreign keys were not enforced, fails the
    /// restore as the insert would have failed, and the file keeps saying what it lacks; once
    /// the row is mended, the restore completes.
    #[test]
    fn a_dangling_reference_written_unchecked_fails_the_restore_and_keeps_the_mark() {
        let mut store = Store::open_in_memory().unwrap();
        let ids = add(&mut store, &staff());
        let tx = store.write().unwrap();
        set_aside(&tx, &REPLAYING).unwrap();
        tx.commit().unwrap();
        store
            .conn()
            .pragma_update(None, "foreign_keys", false)
            .unwrap();
        store
            .conn()
            .execute(
                "INSERT INTO person_year_totals (person_id, year, public_tenths,
                     professional_tenths) VALUES (?1, 2016, 240, 0), (999999, 2016, 0, 10)",
                [ids[0]],
            )
            .unwrap();
        store
            .conn()
            .pragma_update(None, "foreign_keys", true)
            .unwrap();

        let failed = restore(&mut store, &mut |_| {}).unwrap_err();
        let said = failed.to_string();
        assert!(said.contains("FOREIGN KEY"), "{said}");
        assert!(said.contains("person_year_totals"), "{said}");
        assert!(
            pending(store.conn()).unwrap().is_some(),
            "still to be put back"
        );

        store
            .conn()
            .execute(
                "DELETE FROM person_year_totals WHERE person_id = 999999",
                [],
            )
            .unwrap();
        restore(&mut store, &mut |_| {}).unwrap();
        assert_eq!(pending(store.conn()).unwrap(), None);
        assert_indexes_agree(store.conn());
    }

    /// A person's totals for a person who does not exist, written with foreign keys off.
    fn dangle(store: &Store, real: i64) {
        let conn = store.conn();
        conn.pragma_update(None, "foreign_keys", false).unwrap();
        conn.execute(
            "INSERT INTO person_year_totals (person_id, year, public_tenths,
                 professional_tenths) VALUES (?1, 2016, 240, 0), (999999, 2016, 0, 10)",
            [real],
        )
        .unwrap();
        conn.pragma_update(None, "foreign_keys", true).unwrap();
    }

    /// Restore with the references checked on a reader of `path` on another thread (or, with
    /// `made` false, a check that never ran); returns what the restore said.
    fn restore_elsewhere(store: &mut Store, path: &std::path::Path, made: bool) -> Result<usize> {
        let reader = Store::open_reader(path).unwrap();
        std::thread::scope(|scope| {
            let running = std::cell::RefCell::new(None);
            let mut reader = Some(reader);
            let mut start = |set: &SetAside| {
                let r = reader.take().expect("started once");
                let set = set.clone();
                if made {
                    let read = scope.spawn(move || read_beside(r.conn(), &set));
                    *running.borrow_mut() = Some(read);
                }
            };
            let mut result = || {
                let check = running.borrow_mut().take()?;
                check.join().ok()
            };
            restore_checking(
                store,
                &mut |_| {},
                &mut References::Elsewhere {
                    start: &mut start,
                    result: &mut result,
                },
            )
        })
    }

    /// A check made on another connection, beside the last transaction, fails the restore as
    /// the check made in it does; one that was never made is made in the transaction.
    #[test]
    fn references_checked_on_another_thread_fail_the_restore_as_they_would_here() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("load.sqlite");
        let mut store = Store::open(&path).unwrap();
        let ids = add(&mut store, &staff());
        let tx = store.write().unwrap();
        set_aside(&tx, &REPLAYING).unwrap();
        tx.commit().unwrap();
        dangle(&store, ids[0]);

        for made in [true, false] {
            let failed = restore_elsewhere(&mut store, &path, made).unwrap_err();
            assert!(
                failed.to_string().contains("person_year_totals"),
                "{failed}"
            );
            assert!(pending(store.conn()).unwrap().is_some(), "made: {made}");
        }
        store
            .conn()
            .execute(
                "DELETE FROM person_year_totals WHERE person_id = 999999",
                [],
            )
            .unwrap();
        restore_elsewhere(&mut store, &path, true).unwrap();
        assert_eq!(pending(store.conn()).unwrap(), None);
        assert_indexes_agree(store.conn());
        let (prefixes, _) = prefixes_and_readings(store.conn());
        assert!(
            prefixes.iter().any(|r| r.starts_with("zw|曾伟|")),
            "{prefixes:?}"
        );
    }

    /// A plan that counts the people of each city again at the end (`people_count`, R2.1's
    /// "short in a year" is counted from it) instead of by its trigger, person by person.
    const COUNTING: Plan<'static> = Plan {
        counted: &[Recount {
            trigger: "people_count_insert",
            table: "people_count",
            keys: "SELECT city_code FROM people",
        }],
        ..PLAN
    };

    fn in_city(mut p: Person, city: &str) -> Person {
        p.city_code = city.into();
        p
    }

    /// People of three cities (Changsha, Zhuzhou, Xiangtan), some written before a load and
    /// some during it.
    fn citizens() -> (Vec<Person>, Vec<Person>) {
        (
            vec![
                in_city(person(12, "曾伟", "长沙市第一医院"), "430100"),
                in_city(person(14, "欧阳明", "株洲市中心医院"), "430200"),
            ],
            vec![
                in_city(person(16, "张伟", "长沙市第一医院"), "430100"),
                in_city(person(18, "李娜", "湘潭市中心医院"), "430300"),
                in_city(person(20, "王芳", "长沙市第一医院"), "430100"),
            ],
        )
    }

    fn city_counts(conn: &Connection) -> Vec<String> {
        rows(
            conn,
            "SELECT city_code || ':' || n FROM people_count ORDER BY city_code",
        )
    }

    /// What the trigger keeps when every person goes through it.
    fn counted_by_the_trigger() -> Vec<String> {
        let mut through = Store::open_in_memory().unwrap();
        let (before, during) = citizens();
        add(&mut through, &before);
        add(&mut through, &during);
        let counts = city_counts(through.conn());
        assert_eq!(counts, ["430100:3", "430200:1", "430300:1"]);
        counts
    }

    /// A file with two people, a load's plan set aside, and three people written while the
    /// counting trigger is away (which has therefore counted only the first two).
    fn loading_with_counts_aside(path: &std::path::Path) -> (Store, Vec<(String, String, String)>) {
        let mut store = Store::open(path).unwrap();
        let schema_before = schema(store.conn());
        let (before, during) = citizens();
        add(&mut store, &before);
        let tx = store.write().unwrap();
        let set = set_aside(&tx, &COUNTING).unwrap();
        tx.commit().unwrap();
        assert_eq!(
            set.counted,
            [Counted {
                table: "people_count".into(),
                keys: "SELECT city_code FROM people".into(),
            }]
        );
        assert!(set.objects.iter().any(|o| o.name == "people_count_insert"));
        add(&mut store, &during);
        assert_eq!(city_counts(store.conn()), ["430100:1", "430200:1"]);
        (store, schema_before)
    }

    /// R2.1 A table of counts whose trigger was set aside is counted again when the load is
    /// put back, whether the count is made on a reader beside the last transaction, in that
    /// transaction (no reader, or one that did not count), or by the next open of a file whose
    /// load was cut off: each time it is what the trigger would have kept, and the trigger is
    /// back for the next person.
    #[test]
    fn r2_1_a_table_of_counts_set_aside_is_counted_again_as_its_trigger_keeps_it() {
        let expected = counted_by_the_trigger();
        let dir = tempfile::tempdir().unwrap();
        for how in ["beside", "not made beside", "here", "cut off and opened"] {
            let path = dir.path().join(format!("{how}.sqlite"));
            let (mut store, schema_before) = loading_with_counts_aside(&path);
            match how {
                "beside" => restore_elsewhere(&mut store, &path, true).map(drop),
                "not made beside" => restore_elsewhere(&mut store, &path, false).map(drop),
                "here" => restore(&mut store, &mut |_| {}).map(drop),
                _ => {
                    drop(store);
                    store = Store::open(&path).unwrap();
                    Ok(())
                }
            }
            .unwrap();
            assert_eq!(city_counts(store.conn()), expected, "{how}");
            assert_eq!(pending(store.conn()).unwrap(), None, "{how}");
            assert_eq!(schema(store.conn()), schema_before, "{how}");
            add(
                &mut store,
                &[in_city(person(22, "刘洋", "株洲市中心医院"), "430200")],
            );
            assert_eq!(
                city_counts(store.conn()),
                ["430100:3", "430200:2", "430300:1"],
                "{how}: the trigger is back"
            );
        }
    }

    /// The reader beside the last transaction counts from what the load committed, and hands
    /// the rows over table by table.
    #[test]
    fn a_reader_counts_the_tables_set_aside_from_what_the_load_wrote() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("load.sqlite");
        let (store, _) = loading_with_counts_aside(&path);
        let set = pending(store.conn()).unwrap().unwrap();
        let reader = Store::open_reader(&path).unwrap();
        let counts = read_beside(reader.conn(), &set).unwrap();
        let text = |v: &str| Value::Text(v.into());
        assert_eq!(
            counts,
            vec![(
                "people_count".to_string(),
                vec![
                    vec![text("430100"), Value::Integer(3)],
                    vec![text("430200"), Value::Integer(1)],
                    vec![text("430300"), Value::Integer(1)],
                ]
            )]
        );
        // The reading ended its snapshot: the writer's restore is not held back by it.
        assert!(reader.conn().is_autocommit());
    }

    #[test]
    fn only_tables_without_rows_are_empty() {
        let mut store = Store::open_in_memory().unwrap();
        assert!(all_empty(store.conn(), &["people", "entries"]).unwrap());
        add(&mut store, &[person(12, "欧阳明", "长沙市第一医院")]);
        assert!(!all_empty(store.conn(), &["people", "entries"]).unwrap());
        assert!(all_empty(store.conn(), &["entries"]).unwrap());
    }
}
