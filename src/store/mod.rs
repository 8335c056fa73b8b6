//! The only place that speaks SQL: opening the database, migrations, reading and writing domain
//! types. Every query is parameterised; lists are paged and indexed.

pub mod anchor;
pub mod audit;
pub mod batches;
pub mod bulk;
pub mod cards;
pub mod certificates;
pub mod decisions;
pub mod entries;
pub mod entry_batch;
pub mod files;
pub mod filing_list;
pub mod filings;
pub mod hour_counts;
pub mod lookup;
pub mod notes;
pub mod people;
pub mod queue;
pub mod reference;
pub mod report;
pub mod schema;
pub mod search;
pub mod totals;

use std::fmt;
use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, Transaction, TransactionBehavior};

use crate::i18n::{Describe, Lang};

pub use rusqlite::Error as SqlError;

/// Several clerks write to one file: a writer waits this long for another's transaction.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// The page cache of a reading connection (the interface's query worker), in KiB: large enough
/// to hold what a list reads at a city's scale, small enough that the interface stays within
/// issue 10's 100 MB of resident memory at any size of database (BENCHMARKS.md, "People filters").
const READER_CACHE_KIB: i64 = 48 * 1024;

#[derive(Debug)]
pub enum StoreError {
    Sql(rusqlite::Error),
    Io {
        path: String,
        message: String,
    },
    /// The file was written by a newer jijiao; opening it here could corrupt it.
    TooNew {
        found: u32,
        known: u32,
    },
    /// The embedded reference data does not parse: a build defect, not user error.
    Reference(String),
    /// A backup's destination exists: a backup never overwrites a file.
    Exists(String),
    /// R5.5 The audit trail is keyed and this process has no key (`wrong`: a key other than
    /// the trail's): nothing is written, since a row appended so would break the chain.
    AuditKey {
        path: String,
        wrong: bool,
    },
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError::Sql(e)
    }
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe(Lang::En))
    }
}

impl std::error::Error for StoreError {}

/// Whether `e` is SQLite giving up on a lock another connection held past the busy timeout.
fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
    )
}

impl Describe for StoreError {
    fn describe(&self, lang: Lang) -> String {
        match (self, lang) {
            // Another clerk's long write (an import of a large roster) outlasted the wait:
            // nothing was written, and waiting is all there is to do (tester, 2026-11-30: a
            // form saved during an import said "database is locked" in English).
            (StoreError::Sql(e), Lang::Zh) if is_busy(e) => format!(
                "数据库正被其他职员的操作占用（例如导入一份大的名册），等待{}秒后仍未结束：未写入任何内容，请稍后再试",
                BUSY_TIMEOUT.as_secs()
            ),
            (StoreError::Sql(e), Lang::En) if is_busy(e) => format!(
                "the database is held by another clerk's work (such as the import of a large roster) and was still busy after {} s: nothing written; try again later",
                BUSY_TIMEOUT.as_secs()
            ),
            (StoreError::Sql(e), Lang::Zh) => format!("数据库错误：{e}"),
            (StoreError::Sql(e), Lang::En) => format!("database error: {e}"),
            (StoreError::Io { path, message }, Lang::Zh) => format!("无法打开 {path}：{message}"),
            (StoreError::Io { path, message }, Lang::En) => {
                format!("cannot open {path}: {message}")
            }
            (StoreError::TooNew { found, known }, Lang::Zh) => format!(
                "数据库由更新版本的继教创建（结构版本{found}，本程序只认识到{known}），请升级程序"
            ),
            (StoreError::TooNew { found, known }, Lang::En) => format!(
                "the database was made by a newer jijiao (schema {found}, this one knows up to {known}): upgrade the program"
            ),
            (StoreError::AuditKey { path, wrong: false }, Lang::Zh) => format!(
                "审计记录已用密钥链接，但无法读取审计密钥 {path}：未写入任何内容（请检查 [audit] key_file 及其权限）"
            ),
            (StoreError::AuditKey { path, wrong: false }, Lang::En) => format!(
                "the audit trail is keyed but the audit key {path} cannot be read: nothing written (check [audit] key_file and its permissions)"
            ),
            (StoreError::AuditKey { path, wrong: true }, Lang::Zh) => {
                format!("审计密钥 {path} 不是本数据库审计记录所用的密钥：未写入任何内容")
            }
            (StoreError::AuditKey { path, wrong: true }, Lang::En) => format!(
                "the audit key {path} is not the key this database's trail was started with: nothing written"
            ),
            (StoreError::Reference(m), Lang::Zh) => format!("内置参考数据有误：{m}"),
            (StoreError::Reference(m), Lang::En) => {
                format!("built-in reference data is broken: {m}")
            }
            (StoreError::Exists(path), Lang::Zh) => {
                format!("{path} 已存在：备份不会覆盖已有文件，请另选一个新文件名")
            }
            (StoreError::Exists(path), Lang::En) => {
                format!("{path} exists: a backup never overwrites a file, name a new one")
            }
        }
    }
}

pub type Result<T> = std::result::Result<T, StoreError>;

thread_local! {
    /// What the interface on this thread shows when one of its writes has to wait for another
    /// clerk's ([`Store::notice_waits`]).
    static WAIT_NOTICE: std::cell::RefCell<Option<Box<dyn FnMut()>>> =
        const { std::cell::RefCell::new(None) };
}

/// How often a waiting write tries the lock again ([`busy_noticed`]).
const BUSY_STEP: Duration = Duration::from_millis(10);

/// SQLite's busy handler for a connection whose waits are shown ([`Store::notice_waits`]):
/// waits as `busy_timeout` does, up to [`BUSY_TIMEOUT`], and tells this thread's notice when a
/// wait begins.
fn busy_noticed(tries: i32) -> bool {
    if tries == 0 {
        WAIT_NOTICE.with(|n| {
            if let Some(notice) = n.borrow_mut().as_mut() {
                notice();
            }
        });
    }
    if BUSY_STEP * u32::try_from(tries).unwrap_or(u32::MAX) >= BUSY_TIMEOUT {
        return false;
    }
    std::thread::sleep(BUSY_STEP);
    true
}

/// Switch to WAL, unless the file is in WAL already (the mode is kept in the file), so an
/// ordinary open asks for no lock at all. Changing the journal mode of a brand-new file needs an
/// exclusive lock, and SQLite reports a competing opener as busy at once instead of calling the
/// busy handler; when several clerks start on a new database together, wait and try again like
/// the handler would.
fn set_wal(conn: &Connection) -> Result<()> {
    let mode: String = conn.query_row("PRAGMA journal_mode", [], |r| r.get(0))?;
    if mode.eq_ignore_ascii_case("wal") {
        return Ok(());
    }
    let deadline = std::time::Instant::now() + BUSY_TIMEOUT;
    loop {
        match conn.pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get::<_, String>(0)) {
            Ok(_) => return Ok(()),
            Err(rusqlite::Error::SqliteFailure(e, _))
                if e.code == rusqlite::ErrorCode::DatabaseBusy
                    && std::time::Instant::now() < deadline =>
            {
                std::thread::sleep(Duration::from_millis(20));
            }
            Err(e) => return Err(e.into()),
        }
    }
}

/// Where a [`Store`]'s database lives, so that a second connection can open the same one
/// ([`Store::reader`]).
#[derive(Debug, Clone, PartialEq, Eq)]
enum Location {
    File(std::path::PathBuf),
    /// An in-memory database in SQLite's `memdb` VFS, named so that other connections of this
    /// process can open it (`file:/jijiao-<n>?vfs=memdb`).
    Memory(String),
}

pub struct Store {
    conn: Connection,
    location: Location,
}

/// Flags for a `memdb` database opened by URI.
fn memory_flags(read_only: bool) -> OpenFlags {
    let access = if read_only {
        OpenFlags::SQLITE_OPEN_READ_ONLY
    } else {
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE
    };
    access | OpenFlags::SQLITE_OPEN_NO_MUTEX | OpenFlags::SQLITE_OPEN_URI
}

/// `?first, ?first+1, …` for `n` values: the parameters of an `IN (…)` list that follows
/// parameters already numbered (the marks kept at a refresh, `still_listed` and its kin).
pub(crate) fn numbered_params(first: usize, n: usize) -> String {
    (first..first + n)
        .map(|i| format!("?{i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Process-wide SQLite settings, to be called once at the start of `main`, before any
/// connection is opened (SQLite takes them only then; later calls change nothing).
///
/// SQLite's memory statistics (`SQLITE_CONFIG_MEMSTATUS`) are turned off: with them on, every
/// allocation takes a global mutex to keep counts the program never reads, and a bulk load or
/// an import allocates for every value it binds (issue 10's demo and import profiles showed the
/// allocator and its mutex as a tenth of the writer's time). Nothing of the data depends on it.
pub fn configure_process() {
    // SAFETY: `sqlite3_config` is called before SQLite is initialised (the first thing `main`
    // does) with an option that takes one `int`; on a later call SQLite returns
    // `SQLITE_MISUSE` and changes nothing, which is harmless, so the result is not needed.
    unsafe {
        rusqlite::ffi::sqlite3_config(rusqlite::ffi::SQLITE_CONFIG_MEMSTATUS, 0 as std::ffi::c_int);
    }
}

impl Store {
    /// Open (creating it and its parent folder if need be) and bring the schema up to date.
    ///
    /// Readers never wait: an up-to-date database is opened with reads only, so `check`, `audit
    /// verify`, `backup` and the interface start while another clerk's import holds the write
    /// lock; only a due migration, the reference data of a new file or a backfill take it (and
    /// then queue behind the other writer for up to [`BUSY_TIMEOUT`]).
    ///
    /// A new file, its `-wal` and `-shm` and a new folder get no world access ([`files`]): `0600`
    /// (`0700`) for a personal database, `0660` (`0770`) in a group-shared folder.
    ///
    /// Errors: [`StoreError::Io`] naming the path when the folder or file cannot be made or
    /// opened, [`StoreError::TooNew`] for a database of a newer jijiao, [`StoreError::Sql`].
    pub fn open(path: &Path) -> Result<Store> {
        let plain = files::is_plain_file(path);
        if plain {
            files::prepare_database(path)?;
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_URI;
        let conn = Connection::open_with_flags(path, flags).map_err(|e| StoreError::Io {
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
        let store = Store::init(conn, Location::File(path.to_path_buf()))?;
        if plain {
            files::restrict_database(path);
        }
        Ok(store)
    }

    /// A new, empty database in memory (tests, demos), migrated like a file.
    ///
    /// It lives in SQLite's `memdb` VFS under a name unique in this process, so that
    /// [`Store::reader`] can open a second connection to it, as the interface's query worker
    /// does for a file; it is freed when its last connection closes.
    pub fn open_in_memory() -> Result<Store> {
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let uri = format!("file:/jijiao-{}-{n}?vfs=memdb", std::process::id());
        let conn = Connection::open_with_flags(&uri, memory_flags(false))?;
        Store::init(conn, Location::Memory(uri))
    }

    /// A second, read-only connection to this store's database, for reading on another thread
    /// (the interface's query worker): see [`Store::open_reader`]. An in-memory store's reader
    /// sees the same database. Its page cache is larger than SQLite's default (48 MiB, taken
    /// as pages are read), since the lists read the same pages again at every key.
    ///
    /// Errors: those of [`Store::open_reader`].
    pub fn reader(&self) -> Result<Store> {
        match &self.location {
            Location::File(path) => Store::open_reader(path),
            Location::Memory(uri) => {
                let conn = Connection::open_with_flags(uri, memory_flags(true))?;
                Store::reading(conn, self.location.clone())
            }
        }
    }

    /// Open an existing database for reading only: no migrations, no reference data, no
    /// backfill, and `query_only` on, so nothing written through it can reach the file. It waits
    /// up to [`BUSY_TIMEOUT`] for a lock like any other connection, and can be interrupted
    /// (`Connection::get_interrupt_handle`) when its query is no longer wanted.
    ///
    /// Errors: [`StoreError::Io`] naming the path when it cannot be opened (it must exist).
    pub fn open_reader(path: &Path) -> Result<Store> {
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_URI;
        let conn = Connection::open_with_flags(path, flags).map_err(|e| StoreError::Io {
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
        Store::reading(conn, Location::File(path.to_path_buf()))
    }

    fn reading(conn: Connection, location: Location) -> Result<Store> {
        conn.busy_timeout(BUSY_TIMEOUT)?;
        conn.pragma_update(None, "query_only", true)?;
        // Issue 10: the lists' reads (a page of people with their totals or findings, a count
        // up to the cap) touch the same few thousand pages again and again; SQLite's default
        // 2 MiB cache sent most of them back to the file, a system call each. Negative: KiB.
        // Pages are taken as they are read, so a small database costs no more than before.
        conn.pragma_update(None, "cache_size", -READER_CACHE_KIB)?;
        Ok(Store { conn, location })
    }

    fn init(conn: Connection, location: Location) -> Result<Store> {
        conn.busy_timeout(BUSY_TIMEOUT)?;
        if matches!(location, Location::Memory(_)) {
            // memdb has no shared memory for WAL; its rollback journal stays in memory too
            // (a journal file would go to the real file system).
            conn.pragma_update(None, "journal_mode", "MEMORY")?;
        } else {
            // WAL lets clerks read while another writes; NORMAL sync is durable at each
            // checkpoint and safe against corruption in WAL mode.
            set_wal(&conn)?;
        }
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", true)?;
        let mut store = Store { conn, location };
        // A bulk load cut off before it put its indexes back: back first, so the migrations
        // and every reader find the schema the migrations made.
        bulk::restore_if_pending(&mut store)?;
        store.migrate()?;
        if !store.has_reference()? {
            reference::load_if_empty(&mut store)?;
        }
        store.backfill()?;
        Ok(store)
    }

    /// Whether the reference data is there, read without a lock (a new file has none yet).
    fn has_reference(&self) -> Result<bool> {
        Ok(self
            .conn
            .query_row("SELECT EXISTS (SELECT 1 FROM offices)", [], |r| r.get(0))?)
    }

    /// Apply the migrations this database lacks, each in its own transaction.
    fn migrate(&mut self) -> Result<()> {
        self.migrate_to(schema::MIGRATIONS.len())
    }

    /// Apply migrations up to `target` (tests build old databases with this). The version is read
    /// first without a lock, so an up-to-date database never waits for another clerk's write;
    /// only when a migration is due is the write lock taken and the version read again under it
    /// (another clerk may have migrated meanwhile).
    pub fn migrate_to(&mut self, target: usize) -> Result<()> {
        let known = schema::MIGRATIONS.len() as u32;
        let version = self.schema_version()?;
        if version > known {
            return Err(StoreError::TooNew {
                found: version,
                known,
            });
        }
        if version as usize >= target {
            return Ok(());
        }
        // A table rebuild (schema::REBUILDS) drops the table others refer to and puts one of
        // the same name, with the same ids, in its place; SQLite's procedure for that runs with
        // foreign keys off, which can only be switched outside a transaction. Every row is
        // copied in one statement of the migration's transaction, so no reference can be left
        // dangling by it (and one that dangled before, say in a file an older tool wrote, does
        // not stop the upgrade).
        let rebuilds = schema::REBUILDS
            .iter()
            .any(|&n| n > version as usize && n <= target);
        let keys_on: bool = self
            .conn
            .query_row("PRAGMA foreign_keys", [], |r| r.get(0))?;
        if rebuilds && keys_on {
            self.conn.pragma_update(None, "foreign_keys", false)?;
        }
        let applied = self.apply_migrations(target);
        if rebuilds && keys_on {
            self.conn.pragma_update(None, "foreign_keys", true)?;
        }
        applied
    }

    /// The migrations from the version read under the write lock up to `target`, in one
    /// transaction.
    fn apply_migrations(&mut self, target: usize) -> Result<()> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let version: u32 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        for (i, sql) in schema::MIGRATIONS
            .iter()
            .enumerate()
            .take(target)
            .skip(version as usize)
        {
            tx.execute_batch(sql)?;
            tx.pragma_update(None, "user_version", (i + 1) as u32)?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Derived columns that a migration added but SQL alone cannot fill. Each is looked for
    /// without a lock first; the write lock is taken only when there is something to fill.
    fn backfill(&mut self) -> Result<()> {
        // Keys first: they clean the text of old rows, and fill their initials from the result.
        let unkeyed: bool = self.conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM people WHERE name_key = '')",
            [],
            |r| r.get(0),
        )?;
        if unkeyed {
            let tx = self.write()?;
            // The store has no clock of its own (the service passes one in); a migration step
            // is stamped with the database's.
            let at: String =
                tx.query_row("SELECT strftime('%Y-%m-%dT%H:%M:%SZ', 'now')", [], |r| {
                    r.get(0)
                })?;
            people::backfill_keys(&tx, &at)?;
            tx.commit()?;
        }
        let pending: bool = self.conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM people WHERE initials = '')",
            [],
            |r| r.get(0),
        )?;
        if pending {
            let tx = self.write()?;
            people::backfill_initials(&tx)?;
            tx.commit()?;
        }
        // R2.1 The per-person, per-year totals of a database from before them (schema 11).
        let stale = |conn: &Connection| -> Result<bool> {
            Ok(conn.query_row(
                "SELECT EXISTS (SELECT 1 FROM meta WHERE key = ?1)",
                [totals::REBUILD_KEY],
                |r| r.get(0),
            )?)
        };
        if stale(&self.conn)? {
            let tx = self.write()?;
            // Another clerk's open may have rebuilt them while this one waited for the lock.
            if stale(&tx)? {
                totals::rebuild(&tx)?;
                tx.execute("DELETE FROM meta WHERE key = ?1", [totals::REBUILD_KEY])?;
            }
            tx.commit()?;
        }
        Ok(())
    }

    pub fn schema_version(&self) -> Result<u32> {
        Ok(self
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))?)
    }

    pub fn conn(&self) -> &Connection {
        &self.conn
    }

    /// A write transaction that takes the write lock at once, so two clerks' transactions
    /// queue instead of failing when one upgrades a read lock.
    pub fn write(&mut self) -> Result<Transaction<'_>> {
        Ok(self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?)
    }

    /// Runs `work` with SQLite's row-by-row enforcement of foreign keys off on this connection,
    /// and switches it back on after, whatever the outcome (issue 10: at a million imported
    /// entries, SQLite's lookups of each row's person, form, batch and clerk were 1.3 s of
    /// 8.9). Whatever `work` writes is then its own to keep whole: every reference must name a
    /// row that exists, as the writers that run here check for the rows they write
    /// ([`entry_batch::EntryBatch`] looks up the people, forms, filings and batches its rows
    /// name, once each); no row is deleted here. Only outside a transaction: inside one SQLite
    /// ignores the switch, and `work` runs with the keys as they are.
    ///
    /// Errors: `work`'s; else the error switching the keys back on (the connection is then
    /// not to be used again).
    pub fn without_foreign_keys<T, E: From<StoreError>>(
        &mut self,
        work: impl FnOnce(&mut Store) -> std::result::Result<T, E>,
    ) -> std::result::Result<T, E> {
        let enforced = |conn: &Connection| -> Result<bool> {
            Ok(conn.query_row("PRAGMA foreign_keys", [], |r| r.get(0))?)
        };
        if !enforced(&self.conn)? || !self.conn.is_autocommit() {
            return work(self);
        }
        self.conn
            .pragma_update(None, "foreign_keys", false)
            .map_err(StoreError::from)?;
        let done = work(self);
        let back = self
            .conn
            .pragma_update(None, "foreign_keys", true)
            .map_err(StoreError::from)
            .and_then(|()| match enforced(&self.conn)? {
                true => Ok(()),
                // `work` left a transaction open, and SQLite ignored the switch.
                false => Err(StoreError::from(rusqlite::Error::SqliteFailure(
                    rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_MISUSE),
                    Some("foreign keys left off: a transaction is still open".into()),
                ))),
            });
        let done = done?;
        back?;
        Ok(done)
    }

    /// Call `notice` (on this thread) each time a statement of this connection starts to
    /// wait for another connection's lock — a write queued behind another clerk's import or
    /// decision. The wait itself is as before (up to 30 s). The interface says "waiting for
    /// another clerk" with it instead of freezing without a word.
    pub fn notice_waits(&self, notice: Box<dyn FnMut()>) -> Result<()> {
        WAIT_NOTICE.with(|n| *n.borrow_mut() = Some(notice));
        self.conn.busy_handler(Some(busy_noticed))?;
        Ok(())
    }

    /// SQLite's counter of commits by other connections: the interface polls it to show other
    /// clerks' changes without restarting.
    pub fn data_version(&self) -> Result<i64> {
        Ok(self
            .conn
            .query_row("PRAGMA data_version", [], |r| r.get(0))?)
    }

    /// A consistent copy of the live database (`jijiao backup`), safe while others write and
    /// without waiting for them (it reads a snapshot). The copy is created without world access,
    /// like the database (`0600`, or `0660` in a group-shared folder); an existing `dest` is
    /// refused ([`StoreError::Exists`]) and left untouched.
    pub fn backup_to(&self, dest: &Path) -> Result<()> {
        files::create_backup_file(dest)?;
        let copied = match &self.location {
            Location::File(_) => self
                .conn
                .execute("VACUUM INTO ?1", [dest.to_string_lossy().as_ref()])
                .map(|_| ()),
            // VACUUM INTO opens its file through the database's own VFS, which for an in-memory
            // store is memdb: the copy would stay in memory. The backup API writes the file.
            Location::Memory(_) => Connection::open(dest).and_then(|mut to| {
                rusqlite::backup::Backup::new(&self.conn, &mut to)?.run_to_completion(
                    1000,
                    Duration::ZERO,
                    None,
                )
            }),
        };
        if let Err(e) = copied {
            // Ours, and empty or half-written: a failed backup leaves nothing that looks like one.
            let _ = std::fs::remove_file(dest);
            return Err(e.into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys_on(store: &Store) -> bool {
        store
            .conn()
            .query_row("PRAGMA foreign_keys", [], |r| r.get(0))
            .expect("pragma")
    }

    /// Issue 10: work run without foreign keys (an import's writing) finds them off, and the
    /// connection enforces them again after it, whether it succeeded or failed; work that
    /// leaves a transaction open (where SQLite ignores the switch) is an error, not a
    /// connection quietly left unchecked; inside a transaction the keys stay on.
    #[test]
    fn foreign_keys_come_back_on_after_work_run_without_them() {
        let mut store = Store::open_in_memory().expect("store");
        assert!(keys_on(&store));
        let seen = store
            .without_foreign_keys(|s| Ok::<_, StoreError>(keys_on(s)))
            .expect("ran");
        assert!(!seen);
        assert!(keys_on(&store));

        let failed = store.without_foreign_keys(|s| {
            s.conn().execute("INSERT INTO nowhere VALUES (1)", [])?;
            Ok::<_, StoreError>(())
        });
        assert!(failed.is_err());
        assert!(keys_on(&store));

        let left_open = store.without_foreign_keys(|s| {
            s.conn().execute_batch("BEGIN")?;
            Ok::<_, StoreError>(())
        });
        let said = left_open.expect_err("a transaction left open").to_string();
        assert!(said.contains("foreign keys"), "{said}");
        store.conn().execute_batch("ROLLBACK").expect("rollback");
        store
            .conn()
            .pragma_update(None, "foreign_keys", true)
            .expect("on");

        store.conn().execute_batch("BEGIN").expect("begin");
        let inside = store
            .without_foreign_keys(|s| Ok::<_, StoreError>(keys_on(s)))
            .expect("ran");
        assert!(inside, "inside a transaction the keys stay as they are");
        store.conn().execute_batch("ROLLBACK").expect("rollback");
    }

    /// A write that gave up waiting for another clerk's long write says so in the clerk's
    /// language, and that nothing was written, instead of SQLite's "database is locked".
    #[test]
    fn a_write_that_waited_out_another_clerks_says_so_in_both_languages() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("j.sqlite");
        drop(Store::open(&path).expect("open"));
        let holder = rusqlite::Connection::open(&path).expect("holder");
        holder
            .execute_batch("BEGIN IMMEDIATE; INSERT INTO meta (key, value) VALUES ('x', 'y')")
            .expect("hold the write lock");
        let other = rusqlite::Connection::open(&path).expect("other");
        other.busy_timeout(Duration::ZERO).expect("no wait");
        let refused = other
            .execute("INSERT INTO meta (key, value) VALUES ('z', 'w')", [])
            .expect_err("the lock is held");
        let e = StoreError::from(refused);
        let zh = e.describe(Lang::Zh);
        assert!(
            zh.contains("其他职员") && zh.contains("未写入任何内容"),
            "{zh}"
        );
        assert!(!zh.contains("locked"), "{zh}");
        let en = e.describe(Lang::En);
        assert!(
            en.contains("another clerk") && en.contains("nothing written"),
            "{en}"
        );
    }

    #[test]
    fn a_new_database_gets_every_migration_and_the_reference_data() {
        let store = Store::open_in_memory().unwrap();
        assert_eq!(
            store.schema_version().unwrap() as usize,
            schema::MIGRATIONS.len()
        );
        let r = reference::Reference::load(&store).unwrap();
        assert_eq!(r.offices.iter().filter(|o| !o.is_province).count(), 14);
        assert!(r.office("湘西州").is_some());
        assert_eq!(r.policy(2017).theme, "保密意识和保密常识教育");
        assert_eq!(r.checklists.len(), 8);
        let bases: i64 = store
            .conn()
            .query_row("SELECT count(DISTINCT seq) FROM bases", [], |x| x.get(0))
            .unwrap();
        assert_eq!(bases, 7);
    }

    #[test]
    fn a_database_of_schema_1_upgrades_in_place_and_keeps_its_people() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.sqlite");
        {
            // What jijiao with one migration wrote.
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch(schema::MIGRATIONS[0]).unwrap();
            conn.pragma_update(None, "user_version", 1).unwrap();
            conn.execute(
                "INSERT INTO offices (code, name, short, kind) VALUES ('430100', '长沙市', '长沙', 'city')",
                [],
            )
            .unwrap();
            conn.execute(
                "INSERT INTO people (id_number, name, unit, unit_kind, city_code, created_at, updated_at)
                 VALUES ('11010519491231002X', '张伟', '长沙市第一医院', 'city', '430100', 'x', 'x')",
                [],
            )
            .unwrap();
        }
        let store = Store::open(&path).unwrap();
        assert_eq!(
            store.schema_version().unwrap() as usize,
            schema::MIGRATIONS.len()
        );
        let initials: String = store
            .conn()
            .query_row(
                "SELECT initials FROM people WHERE name = '张伟'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(initials, "zw");
        let decisions: i64 = store
            .conn()
            .query_row("SELECT count(*) FROM decisions", [], |r| r.get(0))
            .unwrap();
        assert_eq!(decisions, 0);
    }

    /// R1.2 Schema 6: names and units that an older jijiao stored decomposed or with invisible
    /// characters are cleaned to one identity when the database is opened, get their search
    /// keys, and each change is in the audit trail; clean rows are keyed but not touched.
    #[test]
    fn a_database_of_schema_5_gets_one_identity_for_its_peoples_text() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.sqlite");
        {
            // What jijiao with five migrations wrote.
            let mut old = Store {
                conn: Connection::open(&path).unwrap(),
                location: Location::File(path.clone()),
            };
            old.migrate_to(5).unwrap();
            assert_eq!(old.schema_version().unwrap(), 5);
            let conn = old.conn();
            conn.execute(
                "INSERT INTO offices (code, name, short, kind) VALUES ('430100', '长沙市', '长沙', 'city')",
                [],
            )
            .unwrap();
            for (id, name, unit) in [
                // Decomposed é, a zero-width joiner, a right-to-left mark, conjoining jamo.
                ("11010519491231002X", "陈e\u{301}", "长沙\u{200b}市第一医院"),
                ("430102198001010011", "张\u{200d}伟", "湖南师范大学"),
                ("430203199007200031", "\u{200f}王芳", "湖南大学"),
                (
                    "430102197001010041",
                    "\u{110e}\u{116c}\u{110c}\u{1175}",
                    "中南大学",
                ),
                ("430102198503150022", "阿卜杜拉.买买提", "新疆大学"),
            ] {
                conn.execute(
                    "INSERT INTO people (id_number, name, unit, unit_kind, city_code, created_at,
                         updated_at, initials)
                     VALUES (?1, ?2, ?3, 'city', '430100', 'x', 'x', 'x')",
                    [id, name, unit],
                )
                .unwrap();
            }
        }
        let store = Store::open(&path).unwrap();
        assert_eq!(
            store.schema_version().unwrap() as usize,
            schema::MIGRATIONS.len()
        );
        let rows: Vec<(String, String, String, String)> = store
            .conn()
            .prepare("SELECT name, unit, name_key, unit_key FROM people ORDER BY id")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        let names: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
        assert_eq!(
            names,
            [
                "陈\u{e9}",
                "张伟",
                "王芳",
                "\u{cd5c}\u{c9c0}",
                "阿卜杜拉.买买提"
            ]
        );
        assert_eq!(rows[0].1, "长沙市第一医院");
        assert_eq!(rows[4].2, "阿卜杜拉·买买提", "the key folds the separator");
        assert_eq!(rows[0].3, "长沙市第一医院");
        // Four people changed, each recorded; the fifth was clean.
        let audited: Vec<(String, String, String)> = store
            .conn()
            .prepare("SELECT user, action, subject FROM audit ORDER BY id")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert_eq!(audited.len(), 4, "{audited:?}");
        assert!(
            audited
                .iter()
                .all(|(u, a, _)| u == "jijiao" && a == "person.normalise")
        );
        assert_eq!(audited[0].2, "person:11010519491231002X");
        assert_eq!(
            crate::store::audit::verify(store.conn()).unwrap().1,
            None,
            "the trail stays intact"
        );
        // Opening again changes nothing more.
        drop(store);
        let again = Store::open(&path).unwrap();
        let n: i64 = again
            .conn()
            .query_row("SELECT count(*) FROM audit", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 4);
    }

    /// A store on the file at `path` brought up to schema `version` only, as the jijiao of that
    /// schema would open it.
    fn open_at(path: &Path, version: usize) -> Store {
        let mut store = Store {
            conn: Connection::open(path).unwrap(),
            location: Location::File(path.to_path_buf()),
        };
        store
            .conn
            .pragma_update(None, "foreign_keys", true)
            .unwrap();
        store.migrate_to(version).unwrap();
        store
    }

    /// Lets today's evidence functions (`store::entries`, which read and write the numbered
    /// tables of schema 15) write the evidence of a file of schema 14 or older on this
    /// connection, as that file held it: a row of texts, the time as the program of the time
    /// stamped it (RFC 3339 at +08:00, the offset of the test clerks' clock). Temporary objects
    /// only: the file itself keeps its old schema, and a new connection sees none of this.
    fn texts_evidence(conn: &Connection) {
        conn.execute_batch(
            "CREATE TEMP TABLE evidence_codes (id INTEGER PRIMARY KEY, code TEXT NOT NULL UNIQUE);
             CREATE TEMP TABLE logins (id INTEGER PRIMARY KEY, login TEXT NOT NULL UNIQUE);
             CREATE TEMP VIEW evidence_received (entry_id, code_id, clerk_id, received_at) AS
                 SELECT v.entry_id, c.id, l.id, unixepoch(v.received_at)
                 FROM main.entry_evidence v
                     JOIN evidence_codes c ON c.code = v.code
                     JOIN logins l ON l.login = v.received_by;
             CREATE TEMP TRIGGER evidence_received_insert
             INSTEAD OF INSERT ON evidence_received BEGIN
                 INSERT INTO entry_evidence (entry_id, code, received_by, received_at)
                 SELECT new.entry_id, c.code, l.login,
                     strftime('%Y-%m-%dT%H:%M:%S+08:00', new.received_at + 28800, 'unixepoch')
                 FROM evidence_codes c, logins l
                 WHERE c.id = new.code_id AND l.id = new.clerk_id;
             END;
             CREATE TEMP TRIGGER evidence_received_delete
             INSTEAD OF DELETE ON evidence_received BEGIN
                 DELETE FROM entry_evidence WHERE entry_id = old.entry_id
                     AND code = (SELECT code FROM evidence_codes WHERE id = old.code_id);
             END;",
        )
        .unwrap();
        pieces_evidence(conn);
    }

    /// Steps the evidence of a file of schema 24 or later back to schema 23's shape (a table
    /// `evidence_received`, a row a piece; `entry_evidence` as migration 15 made it), for tests
    /// that set `user_version` back below 24 to migrate a file again: migration 24 turns a
    /// table into a view of the same name, which plain SQL cannot do twice (a `DROP TABLE`
    /// refuses a view), so unlike migrations 21 to 23 it does not run over itself.
    pub(crate) fn step_back_below_24(conn: &Connection) {
        conn.execute_batch(
            "CREATE TEMP TABLE pieces_23 AS SELECT entry_id, code_id, clerk_id, received_at
                 FROM evidence_received;
             DROP VIEW entry_evidence; DROP VIEW evidence_received;
             DROP TABLE evidence_sets; DROP TABLE evidence_pieces;
             CREATE TABLE evidence_received (
                 entry_id    INTEGER NOT NULL REFERENCES entries (id),
                 code_id     INTEGER NOT NULL REFERENCES evidence_codes (id),
                 clerk_id    INTEGER NOT NULL REFERENCES logins (id),
                 received_at INTEGER NOT NULL,
                 PRIMARY KEY (entry_id, code_id)
             ) WITHOUT ROWID;
             INSERT INTO evidence_received SELECT * FROM temp.pieces_23 ORDER BY 1, 2;
             DROP TABLE temp.pieces_23;
             CREATE VIEW entry_evidence (entry_id, code, received_by, received_at) AS
             SELECT r.entry_id, c.code, l.login,
                 CASE WHEN typeof(r.received_at) = 'integer'
                      THEN strftime('%Y-%m-%dT%H:%M:%SZ', r.received_at, 'unixepoch')
                      ELSE r.received_at END
             FROM evidence_received r
                 JOIN evidence_codes c ON c.id = r.code_id
                 JOIN logins l ON l.id = r.clerk_id;
             CREATE TRIGGER entry_evidence_insert INSTEAD OF INSERT ON entry_evidence BEGIN
                 INSERT INTO evidence_codes (code) SELECT new.code
                 WHERE NOT EXISTS (SELECT 1 FROM evidence_codes WHERE code = new.code);
                 INSERT INTO logins (login) SELECT new.received_by
                 WHERE NOT EXISTS (SELECT 1 FROM logins WHERE login = new.received_by);
                 INSERT INTO evidence_received (entry_id, code_id, clerk_id, received_at)
                 SELECT new.entry_id, c.id, l.id,
                     coalesce(unixepoch(new.received_at), new.received_at)
                 FROM evidence_codes c, logins l
                 WHERE c.code = new.code AND l.login = new.received_by;
             END;
             CREATE TRIGGER entry_evidence_delete INSTEAD OF DELETE ON entry_evidence BEGIN
                 DELETE FROM evidence_received WHERE entry_id = old.entry_id
                     AND code_id = (SELECT id FROM evidence_codes WHERE code = old.code);
             END;",
        )
        .unwrap();
    }

    /// Lets today's evidence functions (`store::entries`, which write the sets of schema 24)
    /// write the evidence of a file of schema 15 to 23 on this connection as that file held
    /// it, a row of `evidence_received` per piece (or of [`texts_evidence`]'s view of it, for
    /// older files): `evidence_sets` and `evidence_pieces` as temporary views of those rows,
    /// their writes turned into rows. Temporary objects only, as in [`texts_evidence`].
    fn pieces_evidence(conn: &Connection) {
        conn.execute_batch(
            "CREATE TEMP VIEW evidence_sets (entry_id, clerk_id, received_at, codes) AS
                 SELECT entry_id, clerk_id, received_at, sum(1 << code_id) FROM evidence_received
                 WHERE code_id BETWEEN 1 AND 62 GROUP BY entry_id, clerk_id, received_at;
             CREATE TEMP TRIGGER evidence_sets_insert INSTEAD OF INSERT ON evidence_sets BEGIN
                 INSERT INTO evidence_received (entry_id, code_id, clerk_id, received_at)
                 SELECT new.entry_id, c.id, new.clerk_id, new.received_at FROM evidence_codes c
                 WHERE c.id BETWEEN 1 AND 62 AND new.codes & (1 << c.id) <> 0;
             END;
             CREATE TEMP TRIGGER evidence_sets_update INSTEAD OF UPDATE ON evidence_sets BEGIN
                 DELETE FROM evidence_received WHERE entry_id = old.entry_id
                     AND code_id BETWEEN 1 AND 62
                     AND old.codes & ~new.codes & (1 << code_id) <> 0;
                 INSERT INTO evidence_received (entry_id, code_id, clerk_id, received_at)
                 SELECT new.entry_id, c.id, new.clerk_id, new.received_at FROM evidence_codes c
                 WHERE c.id BETWEEN 1 AND 62 AND new.codes & ~old.codes & (1 << c.id) <> 0;
             END;
             CREATE TEMP TRIGGER evidence_sets_delete INSTEAD OF DELETE ON evidence_sets BEGIN
                 DELETE FROM evidence_received WHERE entry_id = old.entry_id
                     AND code_id BETWEEN 1 AND 62 AND old.codes & (1 << code_id) <> 0;
             END;
             CREATE TEMP VIEW evidence_pieces (entry_id, code_id, clerk_id, received_at) AS
                 SELECT entry_id, code_id, clerk_id, received_at FROM evidence_received
                 WHERE code_id NOT BETWEEN 1 AND 62;
             CREATE TEMP TRIGGER evidence_pieces_insert INSTEAD OF INSERT ON evidence_pieces BEGIN
                 INSERT INTO evidence_received (entry_id, code_id, clerk_id, received_at)
                 VALUES (new.entry_id, new.code_id, new.clerk_id, new.received_at);
             END;
             CREATE TEMP TRIGGER evidence_pieces_delete INSTEAD OF DELETE ON evidence_pieces BEGIN
                 DELETE FROM evidence_received
                 WHERE entry_id = old.entry_id AND code_id = old.code_id;
             END;",
        )
        .unwrap();
    }

    /// Every row of `table` in id order (or key order), each column as SQLite holds it.
    fn rows_of(conn: &Connection, table: &str, order: &str) -> Vec<Vec<rusqlite::types::Value>> {
        rows_of_sql(conn, &format!("SELECT * FROM {table} ORDER BY {order}"))
    }

    /// Issue 10, migration 14: a schema-13 database holding the demo's records (every state,
    /// evidence, findings, paper history, a review queue) is rebuilt without the natural key's
    /// index and keeps every row and reference, every answer of the queue and of `check`, the
    /// providers completion offers, and the natural key itself (R5.1: a roster imported again
    /// adds nothing).
    #[test]
    fn a_schema_13_database_keeps_every_row_and_answer_through_migration_14() {
        use crate::service::{check::check, demo, fixtures::actor};
        use rusqlite::OptionalExtension;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.sqlite");
        let mut old = Store {
            conn: Connection::open(&path).unwrap(),
            location: Location::File(path.clone()),
        };
        old.conn.pragma_update(None, "foreign_keys", true).unwrap();
        old.migrate_to(13).unwrap();
        reference::load_if_empty(&mut old).unwrap();
        texts_evidence(old.conn());
        demo::generate(&mut old, &actor("demo"), 80, 2017).unwrap();
        let c = old.conn();
        let tables = [
            ("entries", "id"),
            ("entry_evidence", "entry_id, code"),
            ("findings", "id"),
            ("review_queue", "entry_id"),
            ("person_year_totals", "person_id, year"),
            ("people", "id"),
            ("audit", "id"),
        ];
        let before: Vec<_> = tables.iter().map(|(t, o)| rows_of(c, t, o)).collect();
        assert!(!before[2].is_empty(), "the demo records findings");
        let texts = ["", "大学", "医院", "张", "zw", "1985", "没有"];
        let queue = |c: &Connection| -> Vec<Vec<i64>> {
            texts
                .iter()
                .map(|t| {
                    // The queue's clause in its order on the schema of the time (the paged
                    // search needs migration 21's groups; it is held to this in
                    // `store::queue::tests::ids_agree_with_the_paged_queue`).
                    crate::store::queue::ids(c, t, &Default::default()).unwrap()
                })
                .collect()
        };
        let queued = queue(c);
        assert!(queued[0].len() > 10, "entries wait for review");
        let people: Vec<String> = c
            .prepare("SELECT id_number FROM people ORDER BY id")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        let checks = |s: &Store| -> Vec<String> {
            people
                .iter()
                .map(|n| format!("{:?}", check(s, n, 2012, 2016).unwrap().verification))
                .collect()
        };
        let checked = checks(&old);
        let providers: Vec<(String, i64)> = c
            .prepare("SELECT provider, count(*) FROM entries GROUP BY provider ORDER BY provider")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        drop(old);

        let mut store = open_at(&path, 14);
        assert_eq!(store.schema_version().unwrap(), 14);
        let c = store.conn();
        for ((table, order), rows) in tables.iter().zip(&before) {
            assert_eq!(&rows_of(c, table, order), rows, "{table}");
        }
        assert_eq!(queue(c), queued);
        assert_eq!(checks(&store), checked);
        let counted: Vec<(String, i64)> = c
            .prepare("SELECT provider, entries FROM entry_providers ORDER BY provider")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert_eq!(counted, providers);
        let some = &providers[0].0;
        let offered = lookup::providers(c, some, 50).unwrap();
        assert!(offered.contains(some), "{offered:?}");
        let keys_on: bool = c
            .query_row("PRAGMA foreign_keys", [], |r| r.get(0))
            .unwrap();
        assert!(keys_on, "foreign keys are on again after the rebuild");
        let dangling: Option<String> = c
            .query_row("PRAGMA foreign_key_check", [], |r| r.get(0))
            .optional()
            .unwrap();
        assert_eq!(dangling, None);
        let names: Vec<String> = c
            .prepare("SELECT name FROM sqlite_schema WHERE tbl_name = 'entries' ORDER BY name")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert!(
            !names.iter().any(|n| n.starts_with("sqlite_autoindex")),
            "{names:?}"
        );

        // The natural key still holds: the same training again is skipped by a bulk writer,
        // refused to a plain insert, and an update cannot make two the same.
        let tx = store.write().unwrap();
        let first = entries::get(&tx, 1).unwrap().unwrap();
        let person_id = first.person_id;
        let same = entries::NewEntry {
            person_id,
            entry: first.entry,
            filing_id: first.filing_id,
            batch_id: None,
        };
        assert!(entries::insert(&tx, &same, "wangfang", "2017-07-15T10:00:00+08:00").is_err());
        let skipped = tx
            .execute(
                "INSERT INTO entries (person_id, year, category, form, content, provider,
                     start_date, end_date, hours_tenths, result, state, created_at, updated_at)
                 SELECT person_id, year, category, form, content, provider, start_date,
                     end_date, hours_tenths, result, state, created_at, updated_at
                 FROM entries WHERE id = 1
                 ON CONFLICT DO NOTHING",
                [],
            )
            .unwrap();
        assert_eq!(skipped, 0);
        let other: i64 = tx
            .query_row(
                "SELECT id FROM entries WHERE person_id = ?1 AND id <> 1 LIMIT 1",
                [person_id],
                |r| r.get(0),
            )
            .unwrap();
        let collided = tx.execute(
            "UPDATE entries SET (category, form, content, provider, start_date, end_date,
                 hours_tenths) = (SELECT category, form, content, provider, start_date,
                 end_date, hours_tenths FROM entries WHERE id = 1)
             WHERE id = ?1",
            [other],
        );
        assert!(
            collided.is_err(),
            "an update may not make two the same training"
        );
    }

    /// Issue 10, migration 15: a schema-14 database holding the demo's records, evidence ticked
    /// and taken back by a clerk through the service, and evidence stamped in other ways, is
    /// rebuilt with entries' checks as comparisons and evidence as numbers, and keeps every row,
    /// every evidence set with its clerk and time (R3, R5.5), every answer of `check` and of the
    /// review queue (R5.1), and a trail that still verifies and still matches the records.
    #[test]
    fn a_schema_14_database_keeps_every_row_evidence_and_answer_through_migration_15() {
        use crate::service::{audit::check_state, check::check, demo, fixtures::actor, review};
        use rusqlite::{OptionalExtension, params};
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.sqlite");
        let mut old = open_at(&path, 14);
        reference::load_if_empty(&mut old).unwrap();
        texts_evidence(old.conn());
        demo::generate(&mut old, &actor("demo"), 80, 2017).unwrap();
        // A clerk takes one item back and ticks it again (R3): the trail now knows this
        // entry's set, and the item's clerk and time are hers.
        let (ticked, code): (i64, String) = old
            .conn()
            .query_row(
                "SELECT v.entry_id, v.code FROM main.entry_evidence v
                     JOIN entries e ON e.id = v.entry_id
                 WHERE e.state = 'recorded' ORDER BY v.entry_id, v.code LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        let clerk = actor("wangfang");
        review::set_evidence(&mut old, &clerk, ticked, &code, false)
            .unwrap()
            .unwrap();
        review::set_evidence(&mut old, &clerk, ticked, &code, true)
            .unwrap()
            .unwrap();
        // Stamps an older tool or a hand in `sqlite3` may have left: UTC, and not a time.
        let c = old.conn();
        let other: i64 = c
            .query_row("SELECT max(id) FROM entries", [], |r| r.get(0))
            .unwrap();
        for (code, by, at) in [
            ("zz_utc", "lisi", "2016-03-01T01:02:03Z"),
            ("zz_text", "lisi", "去年"),
        ] {
            c.execute(
                "INSERT INTO main.entry_evidence (entry_id, code, received_by, received_at)
                 VALUES (?1, ?2, ?3, ?4)",
                params![other, code, by, at],
            )
            .unwrap();
        }
        let tables = [
            ("entries", "id"),
            ("findings", "id"),
            ("review_queue", "entry_id"),
            ("entry_providers", "provider"),
            ("person_year_totals", "person_id, year"),
            ("people", "id"),
            ("audit", "id"),
        ];
        let before: Vec<_> = tables.iter().map(|(t, o)| rows_of(c, t, o)).collect();
        let received = |c: &Connection| -> Vec<(i64, String, String, String)> {
            c.prepare(
                "SELECT entry_id, code, received_by, received_at FROM entry_evidence
                 ORDER BY entry_id, code",
            )
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap()
        };
        let evidence_before = received(c);
        assert!(
            evidence_before.len() > 200,
            "the demo receives evidence: {}",
            evidence_before.len()
        );
        assert!(
            evidence_before
                .iter()
                .any(|(e, k, by, _)| *e == ticked && *k == code && by == "wangfang")
        );
        let people: Vec<String> = c
            .prepare("SELECT id_number FROM people ORDER BY id")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        let checks = |s: &Store| -> Vec<String> {
            people
                .iter()
                .map(|n| format!("{:?}", check(s, n, 2012, 2016).unwrap().verification))
                .collect()
        };
        let checked = checks(&old);
        let queued: Vec<i64> = search::review_queue(c, "", 0, 100_000)
            .unwrap()
            .iter()
            .map(|e| e.id)
            .collect();
        let state = check_state(c).unwrap();
        assert!(state.compared > 0, "the trail knows an evidence set");
        drop(old);

        let mut store = Store::open(&path).unwrap();
        assert_eq!(
            store.schema_version().unwrap() as usize,
            crate::store::schema::MIGRATIONS.len()
        );
        let c = store.conn();
        // Today's writers stamp entries in seconds (migration 25), which a file of schema 14
        // holds as their digits: the same times, as numbers once the column is a number's.
        let as_numbers = |rows: &Vec<Vec<rusqlite::types::Value>>| -> Vec<Vec<_>> {
            use rusqlite::types::Value;
            rows.iter()
                .map(|row| {
                    row.iter()
                        .map(|v| match v {
                            Value::Text(t)
                                if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) =>
                            {
                                t.parse().map_or_else(|_| v.clone(), Value::Integer)
                            }
                            v => v.clone(),
                        })
                        .collect()
                })
                .collect()
        };
        for ((table, order), rows) in tables.iter().zip(&before) {
            let rows = if *table == "entries" {
                as_numbers(rows)
            } else {
                rows.clone()
            };
            assert_eq!(rows_of(c, table, order), rows, "{table}");
        }
        // The same pieces of evidence, each with its clerk and the same instant (now told in
        // UTC); the stamp that was not a time is kept as it was.
        let evidence_after = received(c);
        assert_eq!(evidence_after.len(), evidence_before.len());
        let instant = |at: &str| chrono::DateTime::parse_from_rfc3339(at).map(|t| t.timestamp());
        for (was, is) in evidence_before.iter().zip(&evidence_after) {
            assert_eq!((was.0, &was.1, &was.2), (is.0, &is.1, &is.2));
            match instant(&was.3) {
                Ok(t) => assert_eq!(instant(&is.3), Ok(t), "{was:?} → {is:?}"),
                Err(_) => assert_eq!(was.3, is.3),
            }
        }
        let utc = entries::evidence_records(c, other).unwrap();
        assert!(
            utc.contains(&entries::EvidenceRecord {
                code: "zz_utc".into(),
                received_by: "lisi".into(),
                received_at: "2016-03-01T01:02:03Z".into(),
            }),
            "{utc:?}"
        );
        assert!(utc.iter().any(|r| r.received_at == "去年"), "{utc:?}");
        let hers = entries::evidence_records(c, ticked).unwrap();
        let hers = hers.iter().find(|r| r.code == code).unwrap();
        assert_eq!(hers.received_by, "wangfang");
        assert_eq!(hers.received_at, "2017-07-15T02:00:00Z", "10:00 at +08:00");
        // Each entry's set as the program reads it is the set it had.
        let mut sets: std::collections::BTreeMap<i64, std::collections::BTreeSet<String>> =
            Default::default();
        for (e, k, _, _) in &evidence_before {
            sets.entry(*e).or_default().insert(k.clone());
        }
        for (e, set) in &sets {
            assert_eq!(&entries::evidence(c, *e).unwrap(), set, "entry {e}");
        }
        assert_eq!(checks(&store), checked);
        let queued_now: Vec<i64> = search::review_queue(c, "", 0, 100_000)
            .unwrap()
            .iter()
            .map(|e| e.id)
            .collect();
        assert_eq!(queued_now, queued);
        // R5.5 The trail verifies, and says of the records what it said before.
        assert_eq!(crate::store::audit::verify(c).unwrap().1, None);
        assert_eq!(check_state(c).unwrap(), state);
        assert_eq!(
            state.findings,
            vec![],
            "the records are what the trail says"
        );
        let keys_on: bool = c
            .query_row("PRAGMA foreign_keys", [], |r| r.get(0))
            .unwrap();
        assert!(keys_on, "foreign keys are on again after the rebuild");
        let dangling: Option<String> = c
            .query_row("PRAGMA foreign_key_check", [], |r| r.get(0))
            .optional()
            .unwrap();
        assert_eq!(dangling, None);

        // Evidence ticked after the migration is read back with its clerk and time.
        review::set_evidence(&mut store, &clerk, ticked, &code, false)
            .unwrap()
            .unwrap();
        assert!(
            !entries::evidence(store.conn(), ticked)
                .unwrap()
                .contains(&code)
        );
        let later = actor("lisi");
        review::set_evidence(&mut store, &later, ticked, &code, true)
            .unwrap()
            .unwrap();
        let again = entries::evidence_records(store.conn(), ticked).unwrap();
        let again = again.iter().find(|r| r.code == code).unwrap();
        assert_eq!(
            (again.received_by.as_str(), again.received_at.as_str()),
            ("lisi", "2017-07-15T02:00:00Z")
        );
        assert_eq!(check_state(store.conn()).unwrap().findings, vec![]);
    }

    /// Issue 10, migration 24: a schema-23 database holding the demo's records (every state,
    /// paper history's complete checklists), a piece taken back, pieces received later by other
    /// clerks at other times, stamps in UTC and one that is not a time, and a code numbered past
    /// the sets' 62 bits, keeps every evidence answer: the `evidence_received` and
    /// `entry_evidence` rows as they were, each entry's set and records (R3, R5.5), the entries
    /// export's codes, and a trail that verifies and still matches the records. What was
    /// received together is one row.
    #[test]
    fn a_schema_23_database_keeps_every_evidence_answer_through_migration_24() {
        use crate::service::{audit::check_state, demo, fixtures::actor, review};
        use rusqlite::{OptionalExtension, params};
        type Values = Vec<Vec<rusqlite::types::Value>>;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.sqlite");
        let mut old = open_at(&path, 23);
        reference::load_if_empty(&mut old).unwrap();
        pieces_evidence(old.conn());
        demo::generate(&mut old, &actor("demo"), 80, 2017).unwrap();
        // Entries still being reviewed whose checklist is incomplete, and one with two pieces.
        let recorded: Vec<(i64, String)> = old
            .conn()
            .prepare(
                "SELECT v.entry_id, v.code FROM entry_evidence v
                     JOIN entries e ON e.id = v.entry_id
                 WHERE e.state = 'recorded' ORDER BY v.entry_id, v.code",
            )
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        let (ticked, code) = recorded[0].clone();
        let (taken, taken_code) = recorded
            .iter()
            .find(|(e, _)| *e != ticked)
            .cloned()
            .unwrap();
        // R3 A clerk takes one piece back and receives it again (her clerk and time, a second
        // set of that entry); another piece is taken back for good.
        let clerk = actor("wangfang");
        review::set_evidence(&mut old, &clerk, ticked, &code, false)
            .unwrap()
            .unwrap();
        review::set_evidence(&mut old, &clerk, ticked, &code, true)
            .unwrap()
            .unwrap();
        review::set_evidence(&mut old, &clerk, taken, &taken_code, false)
            .unwrap()
            .unwrap();
        // Pieces of the last entry from other hands: two at one time by one clerk (one set),
        // one in UTC, one whose stamp is not a time, and one whose code is numbered 63+.
        let c = old.conn();
        let other: i64 = c
            .query_row("SELECT max(id) FROM entries", [], |r| r.get(0))
            .unwrap();
        let fillers = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 64)
             INSERT OR IGNORE INTO evidence_codes (code) SELECT 'zz_filler_' || i FROM n;";
        for (code, by, at) in [
            ("zz_a", "lisi", "2016-03-01T09:02:03+08:00"),
            ("zz_b", "lisi", "2016-03-01T09:02:03+08:00"),
            ("zz_utc", "zhaoliu", "2016-03-02T01:02:03Z"),
            ("zz_text", "lisi", "去年"),
            ("", "", ""),
            ("zz_past_the_bits", "lisi", "2016-03-03T09:00:00+08:00"),
        ] {
            if code.is_empty() {
                c.execute_batch(fillers).unwrap();
                continue;
            }
            c.execute(
                "INSERT INTO entry_evidence (entry_id, code, received_by, received_at)
                 VALUES (?1, ?2, ?3, ?4)",
                params![other, code, by, at],
            )
            .unwrap();
        }
        let past: i64 = c
            .query_row(
                "SELECT id FROM evidence_codes WHERE code = 'zz_past_the_bits'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert!(past > 62, "numbered past the bits: {past}");
        let pieces =
            |c: &Connection| -> Values { rows_of(c, "evidence_received", "entry_id, code_id") };
        let texts = |c: &Connection| -> Values { rows_of(c, "entry_evidence", "entry_id, code") };
        let entry_ids: Vec<i64> = c
            .prepare("SELECT id FROM entries ORDER BY id")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        let answers = |c: &Connection| {
            entry_ids
                .iter()
                .map(|&e| {
                    (
                        entries::evidence(c, e).unwrap(),
                        entries::evidence_records(c, e).unwrap(),
                    )
                })
                .collect::<Vec<_>>()
        };
        let exported = |c: &Connection| {
            let mut rows = Vec::new();
            crate::store::report::each_entry::<StoreError>(c, None, None, |r| {
                rows.push((r.id_number, r.content, r.start_date, r.evidence));
                Ok(())
            })
            .unwrap();
            rows
        };
        let at = |e: i64| {
            entry_ids
                .iter()
                .position(|&id| id == e)
                .unwrap_or(usize::MAX)
        };
        let pieces_before = pieces(c);
        let texts_before = texts(c);
        let answers_before = answers(c);
        let exported_before = exported(c);
        assert!(pieces_before.len() > 200, "{}", pieces_before.len());
        assert!(
            answers_before[at(ticked)]
                .1
                .iter()
                .any(|r| r.code == code && r.received_by == "wangfang"),
            "her piece"
        );
        assert!(!answers_before[at(taken)].0.contains(&taken_code));
        assert!(
            exported_before.iter().any(|r| r.3.len() > 1),
            "the export lists codes"
        );
        let paper: i64 = c
            .query_row(
                "SELECT count(*) FROM entries e WHERE e.migrated = 1
                     AND EXISTS (SELECT 1 FROM evidence_received r WHERE r.entry_id = e.id)",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert!(paper > 0, "the demo holds paper history with its evidence");
        let states: i64 = c
            .query_row("SELECT count(DISTINCT state) FROM entries", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(states, 5, "every state");
        let state = check_state(c).unwrap();
        assert!(state.compared > 0, "the trail knows evidence sets");
        assert_eq!(state.findings, vec![]);
        drop(old);

        let store = Store::open(&path).unwrap();
        assert_eq!(
            store.schema_version().unwrap() as usize,
            crate::store::schema::MIGRATIONS.len()
        );
        let c = store.conn();
        assert_eq!(
            pieces(c),
            pieces_before,
            "evidence_received, value for value"
        );
        assert_eq!(texts(c), texts_before, "entry_evidence, value for value");
        assert_eq!(answers(c), answers_before, "evidence and evidence_records");
        assert_eq!(exported(c), exported_before, "the entries export's codes");
        // R5.5 The trail verifies, and says of the records what it said before.
        assert_eq!(crate::store::audit::verify(c).unwrap().1, None);
        assert_eq!(check_state(c).unwrap(), state);
        let dangling: Option<String> = c
            .query_row("PRAGMA foreign_key_check", [], |r| r.get(0))
            .optional()
            .unwrap();
        assert_eq!(dangling, None);

        // Received together, stored together: every set is one clerk's at one time, a paper
        // history's checklist is one row, the entry ticked again has two, and the code past
        // the bits is a row of its own.
        let count = |sql: &str| -> i64 { c.query_row(sql, [], |r| r.get(0)).unwrap() };
        let sets = count("SELECT count(*) FROM evidence_sets");
        let groups = count(
            "SELECT count(*) FROM (SELECT DISTINCT entry_id, clerk_id, received_at
                 FROM evidence_received WHERE code_id <= 62)",
        );
        assert_eq!(sets, groups);
        assert!(sets * 2 < pieces_before.len() as i64, "{sets} sets");
        assert_eq!(
            count(
                "SELECT count(*) FROM entries e WHERE e.migrated = 1
                     AND (SELECT count(*) FROM evidence_sets s WHERE s.entry_id = e.id) <> 1
                     AND EXISTS (SELECT 1 FROM evidence_received r WHERE r.entry_id = e.id)"
            ),
            0,
            "paper history: one set an entry"
        );
        let of = |e: i64| -> i64 {
            c.query_row(
                "SELECT count(*) FROM evidence_sets WHERE entry_id = ?1",
                [e],
                |r| r.get(0),
            )
            .unwrap()
        };
        assert_eq!(of(ticked), 2, "the demo's set and hers");
        let together: i64 = c
            .query_row(
                "SELECT count(*) FROM evidence_sets WHERE entry_id = ?1 AND codes =
                     (SELECT sum(1 << id) FROM evidence_codes WHERE code IN ('zz_a', 'zz_b'))",
                [other],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(together, 1, "two pieces received together are one set");
        assert_eq!(
            count("SELECT count(*) FROM evidence_pieces"),
            1,
            "the code numbered past the bits"
        );
        // R3 A piece an entry holds cannot be received twice, whatever the row it would go in.
        for sql in [
            "INSERT INTO entry_evidence (entry_id, code, received_by, received_at)
             SELECT entry_id, code, 'lisi', '2017-01-01T00:00:00Z' FROM entry_evidence
             WHERE entry_id = ?1",
            "INSERT INTO evidence_sets (entry_id, clerk_id, received_at, codes)
             SELECT entry_id, clerk_id, received_at + 1, codes FROM evidence_sets
             WHERE entry_id = ?1 LIMIT 1",
        ] {
            let twice = c.execute(sql, [ticked]);
            assert!(twice.is_err(), "{sql}");
        }
    }

    /// Issue 10, migration 24: the readers of one entry's evidence through the old shapes
    /// (`entries::evidence`, `evidence_records`, `entry_evidence`; the entries export's codes
    /// are held to this in `store::report`)
    /// look up that entry's sets by their key and the few codes by number: no scan of the sets
    /// or of the pieces, whatever their size.
    #[test]
    fn evidence_of_one_entry_is_read_through_the_sets_key() {
        let store = Store::open_in_memory().unwrap();
        let c = store.conn();
        let plan = |sql: &str| -> String {
            let mut stmt = c.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
            stmt.query_map([7], |r| r.get::<_, String>(3))
                .unwrap()
                .collect::<rusqlite::Result<Vec<_>>>()
                .unwrap()
                .join("\n")
        };
        for sql in [
            "SELECT c.code FROM evidence_received r JOIN evidence_codes c ON c.id = r.code_id
             WHERE r.entry_id = ?1",
            "SELECT c.code, l.login, r.received_at FROM evidence_received r
                 JOIN evidence_codes c ON c.id = r.code_id
                 JOIN logins l ON l.id = r.clerk_id
             WHERE r.entry_id = ?1 ORDER BY c.code",
            "SELECT * FROM entry_evidence WHERE entry_id = ?1",
        ] {
            let p = plan(sql);
            assert!(
                p.contains("SEARCH s USING PRIMARY KEY (entry_id=?)"),
                "the sets by key: {p}"
            );
            assert!(
                p.contains("SEARCH evidence_pieces USING PRIMARY KEY (entry_id=?)"),
                "the pieces by key: {p}"
            );
            assert!(
                !p.contains("SCAN s") && !p.contains("SCAN evidence_"),
                "{p}"
            );
        }
    }

    /// R3, R5.5 The bulk writer of evidence (the demo's) gathers what one clerk received for
    /// an entry at one time into one set, keeps a code's first clerk and time when it is named
    /// again, and does so also for rows that come out of entry order.
    #[test]
    fn r3_pieces_written_in_bulk_are_gathered_by_entry_clerk_and_time() {
        use crate::service::{demo, fixtures::actor};
        let mut store = Store::open_in_memory().unwrap();
        demo::generate(&mut store, &actor("demo"), 3, 2017).unwrap();
        let (a, b): (i64, i64) = store
            .conn()
            .query_row("SELECT min(id), max(id) FROM entries", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .unwrap();
        let tx = store.write().unwrap();
        tx.execute(
            "DELETE FROM evidence_sets WHERE entry_id IN (?1, ?2)",
            [a, b],
        )
        .unwrap();
        let t1 = "2016-03-01T09:00:00+08:00";
        let t2 = "2016-03-02T09:00:00+08:00";
        let row = |entry_id, code, by, at| entries::Received {
            entry_id,
            code,
            by,
            at,
        };
        let rows = [
            row(b, "notice", "lisi", t1),
            row(b, "sign_in", "lisi", t1),
            row(b, "agenda", "zhaoliu", t2),
            row(b, "notice", "zhaoliu", t2),
            // Out of entry order, then back to the first entry.
            row(a, "notice", "zhaoliu", t2),
            row(b, "timetable", "lisi", t1),
            row(b, "sign_in", "zhaoliu", t1),
        ];
        assert_eq!(entries::add_evidence_rows(&tx, &rows).unwrap(), 5);
        let sets =
            |e: i64| -> Vec<(String, i64)> {
                tx.prepare(
                "SELECT l.login, s.codes FROM evidence_sets s JOIN logins l ON l.id = s.clerk_id
                 WHERE s.entry_id = ?1 ORDER BY l.login",
            )
            .unwrap()
            .query_map([e], |r| Ok((r.get(0)?, r.get::<_, i64>(1)?.count_ones() as i64)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap()
            };
        assert_eq!(
            sets(b),
            vec![("lisi".into(), 3), ("zhaoliu".into(), 1)],
            "lisi's three pieces at one time, zhaoliu's new one"
        );
        assert_eq!(sets(a), vec![("zhaoliu".into(), 1)]);
        let records = entries::evidence_records(&tx, b).unwrap();
        let who: Vec<(&str, &str, &str)> = records
            .iter()
            .map(|r| {
                (
                    r.code.as_str(),
                    r.received_by.as_str(),
                    r.received_at.as_str(),
                )
            })
            .collect();
        assert_eq!(
            who,
            vec![
                ("agenda", "zhaoliu", "2016-03-02T01:00:00Z"),
                ("notice", "lisi", "2016-03-01T01:00:00Z"),
                ("sign_in", "lisi", "2016-03-01T01:00:00Z"),
                ("timetable", "lisi", "2016-03-01T01:00:00Z"),
            ]
        );
    }

    /// R3, R5.5 The time a piece was received is stored as SQLite's own `unixepoch` reads the
    /// stamp (seconds, or the text where it is not a time), whichever path reads it: the
    /// program's own stamps are read without a statement, the rest by SQLite.
    #[test]
    fn r3_the_time_received_is_stored_as_sqlite_reads_the_stamp() {
        use crate::service::{demo, fixtures::actor};
        use rusqlite::types::Value;
        let mut store = Store::open_in_memory().unwrap();
        demo::generate(&mut store, &actor("demo"), 3, 2017).unwrap();
        let tx = store.write().unwrap();
        let stamps = [
            "2017-07-15T10:00:00+08:00",
            "2017-07-15T02:00:00Z",
            "1969-12-31T23:59:59-01:00",
            "2017-07-15 10:00:00",
            "2017-07-15T10:00:00.750+08:00",
            "2017-07-15t10:00:00z",
            "2017-02-30T10:00:00+08:00",
            "去年",
        ];
        let entry: i64 = tx
            .query_row("SELECT min(id) FROM entries", [], |r| r.get(0))
            .unwrap();
        for (i, at) in stamps.iter().enumerate() {
            tx.execute("DELETE FROM evidence_sets WHERE entry_id = ?1", [entry])
                .unwrap();
            let codes = std::iter::once("notice".to_string()).collect();
            let by = format!("clerk{i}");
            assert_eq!(
                entries::add_evidence(&tx, entry, &codes, &by, at).unwrap(),
                1
            );
            let stored: Value = tx
                .query_row(
                    "SELECT received_at FROM evidence_sets WHERE entry_id = ?1",
                    [entry],
                    |r| r.get(0),
                )
                .unwrap();
            let sqlite: Value = tx
                .query_row("SELECT coalesce(unixepoch(?1), ?1)", [at], |r| r.get(0))
                .unwrap();
            assert_eq!(stored, sqlite, "{at}");
        }
    }

    /// R5 Migration 15 rewrote entries' checks as comparisons: each still refuses a value
    /// outside its vocabulary (state, category, result, the two flags), the form must be one
    /// of the forms, and every value of the vocabularies is still taken.
    #[test]
    fn entries_still_refuse_a_bad_state_category_result_or_form_after_migration_15() {
        let mut store = Store::open_in_memory().unwrap();
        let tx = store.write().unwrap();
        let form = zhang_and_a_form(&tx);
        // One entry a call, each a new training (the natural key would skip a repeat), with
        // `column` set to `value` and every other column a good value.
        let made = std::cell::Cell::new(0);
        let insert = |column: &str, value: &dyn rusqlite::ToSql| -> rusqlite::Result<usize> {
            made.set(made.get() + 1);
            let content = format!("课程{}", made.get());
            let mut values: Vec<(String, &dyn rusqlite::ToSql)> = vec![
                (":category".into(), &"public"),
                (":form".into(), &form),
                (":result".into(), &"pass"),
                (":state".into(), &"recorded"),
                (":migrated".into(), &0),
                (":confirmed".into(), &0),
            ];
            for (name, v) in &mut values {
                if name[1..] == *column {
                    *v = value;
                }
            }
            values.push((":content".into(), &content));
            let named: Vec<(&str, &dyn rusqlite::ToSql)> =
                values.iter().map(|(n, v)| (n.as_str(), *v)).collect();
            tx.execute(
                "INSERT INTO entries (person_id, year, category, form, content, provider,
                     start_date, end_date, hours_tenths, result, state, migrated, confirmed,
                     created_at, updated_at)
                 VALUES (1, 2016, :category, :form, :content, '机构', '2016-03-01',
                     '2016-03-02', 80, :result, :state, :migrated, :confirmed, 'x', 'x')",
                &named[..],
            )
        };
        for (column, good, bad) in [
            (
                "state",
                &[
                    "recorded",
                    "evidence_complete",
                    "sealed",
                    "registered",
                    "refused",
                ][..],
                "approved",
            ),
            ("category", &["public", "professional"][..], "general"),
            ("result", &["pass", "fail", "excellent", "good"][..], "ok"),
        ] {
            for v in good {
                assert_eq!(insert(column, v).unwrap(), 1, "{column} = {v}");
            }
            let refused = insert(column, &bad).unwrap_err().to_string();
            assert!(
                refused.contains("CHECK constraint failed"),
                "{column}: {refused}"
            );
            let refused = insert(column, &bad.to_uppercase()).unwrap_err().to_string();
            assert!(
                refused.contains("CHECK constraint failed"),
                "{column}: {refused}"
            );
        }
        for column in ["migrated", "confirmed"] {
            assert_eq!(insert(column, &1).unwrap(), 1);
            assert!(insert(column, &2).is_err(), "{column} = 2");
        }
        let refused = insert("form", &"no_such_form").unwrap_err().to_string();
        assert!(
            refused.contains("FOREIGN KEY constraint failed"),
            "{refused}"
        );
    }

    /// Another clerk's write transaction, holding the write lock on `path`.
    fn writer_holding_the_lock(path: &Path) -> Connection {
        let other = Connection::open(path).unwrap();
        other.execute_batch("BEGIN IMMEDIATE").unwrap();
        other
            .execute(
                "INSERT INTO meta (key, value) VALUES ('import', 'running')",
                [],
            )
            .unwrap();
        other
    }

    /// Issue 9: an up-to-date database opens, and reads, while another clerk holds the write
    /// lock: nothing at open asks for it.
    #[test]
    fn an_up_to_date_database_opens_at_once_while_another_clerk_writes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.sqlite");
        drop(Store::open(&path).unwrap());
        let other = writer_holding_the_lock(&path);
        let start = std::time::Instant::now();
        let store = Store::open(&path).unwrap();
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "{:?}",
            start.elapsed()
        );
        let offices: i64 = store
            .conn()
            .query_row("SELECT count(*) FROM offices", [], |r| r.get(0))
            .unwrap();
        assert_eq!(offices, 15, "the committed reference data (R1.4)");
        let seen: i64 = store
            .conn()
            .query_row("SELECT count(*) FROM meta WHERE key = 'import'", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(
            seen, 0,
            "the other clerk's work is not seen before its commit"
        );
        other.execute_batch("ROLLBACK").unwrap();
    }

    /// Issue 9: when a migration is due, the open needs the write lock: it waits for the other
    /// clerk's transaction (the busy timeout) and migrates once that commits, rather than fail.
    #[test]
    fn a_due_migration_waits_for_another_clerks_write_and_then_applies() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.sqlite");
        {
            let mut old = Store {
                conn: Connection::open(&path).unwrap(),
                location: Location::File(path.clone()),
            };
            set_wal(old.conn()).unwrap();
            old.migrate_to(5).unwrap();
        }
        let other = writer_holding_the_lock(&path);
        let opening = std::thread::spawn({
            let path = path.clone();
            move || Store::open(&path).map(|s| s.schema_version())
        });
        std::thread::sleep(Duration::from_millis(800));
        assert!(!opening.is_finished(), "migrated under another's lock");
        other.execute_batch("COMMIT").unwrap();
        let version = opening.join().unwrap().unwrap().unwrap();
        assert_eq!(version as usize, schema::MIGRATIONS.len());
    }

    #[test]
    fn a_database_from_a_newer_jijiao_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("new.sqlite");
        {
            let conn = Connection::open(&path).unwrap();
            conn.pragma_update(None, "user_version", 99).unwrap();
        }
        assert!(matches!(
            Store::open(&path),
            Err(StoreError::TooNew { found: 99, .. })
        ));
    }

    /// The query worker's connection: it sees what the clerk's connection committed, in memory
    /// as in a file, and cannot write (nothing but services writes, ARCHITECTURE.md).
    #[test]
    fn a_reader_sees_the_stores_commits_and_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        for store in [
            Store::open_in_memory().unwrap(),
            Store::open(&dir.path().join("r.sqlite")).unwrap(),
        ] {
            let reader = store.reader().unwrap();
            let count = |s: &Store| -> i64 {
                s.conn()
                    .query_row("SELECT count(*) FROM meta WHERE key = 'seen'", [], |r| {
                        r.get(0)
                    })
                    .unwrap()
            };
            assert_eq!(count(&reader), 0);
            store
                .conn()
                .execute("INSERT INTO meta (key, value) VALUES ('seen', '1')", [])
                .unwrap();
            assert_eq!(count(&reader), 1, "{:?}", store.location);
            assert!(
                reader
                    .conn()
                    .execute("DELETE FROM meta WHERE key = 'seen'", [])
                    .is_err()
            );
            assert_eq!(count(&store), 1);
        }
        // Two in-memory stores are two databases.
        let a = Store::open_in_memory().unwrap();
        let b = Store::open_in_memory().unwrap();
        a.conn()
            .execute("INSERT INTO meta (key, value) VALUES ('seen', 'a')", [])
            .unwrap();
        let n: i64 = b
            .conn()
            .query_row("SELECT count(*) FROM meta WHERE key = 'seen'", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(n, 0);
    }

    #[test]
    fn backup_is_a_working_database() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("a.sqlite")).unwrap();
        let copy = dir.path().join("b.sqlite");
        store.backup_to(&copy).unwrap();
        let back = Store::open(&copy).unwrap();
        assert_eq!(
            back.schema_version().unwrap(),
            store.schema_version().unwrap()
        );
        assert!(
            store.backup_to(&copy).is_err(),
            "never overwrite an existing file"
        );
    }

    /// Issue 10, migration 25: a schema-24 file's entries keep every row, with each time (created,
    /// updated, sealed, registered) now the seconds of the same instant whether it was written at
    /// +08:00 or in UTC, a stamp that is not a time kept as its text, an empty one empty; the
    /// table keeps its indexes and every trigger word for word, and the one trigger elsewhere
    /// that reads it comes back; a card reads the registration at the offset it was made.
    #[test]
    fn migration_25_keeps_each_entrys_times_as_the_seconds_of_the_same_instant() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.sqlite");
        let mut old = open_at(&path, 24);
        reference::load_if_empty(&mut old).unwrap();
        let c = old.conn();
        let form = zhang_and_a_form(c);
        // (created, updated, sealed, registered) as an older jijiao, a tool in UTC, or a hand
        // in `sqlite3` left them.
        let stamps: [(&str, &str, Option<&str>, Option<&str>); 5] = [
            (
                "2016-03-01T09:00:00+08:00",
                "2016-04-02T10:30:00+08:00",
                Some("2016-04-01T23:59:59+08:00"),
                Some("2016-04-02T10:30:00+08:00"),
            ),
            ("2016-03-01T01:02:03Z", "2016-03-01T01:02:03Z", None, None),
            ("去年", "", Some("now"), Some("2016-05-05T00:00:00+08:00")),
            ("2457000.5", "1462500000", None, None),
            (
                "2016-06-01T00:30:00+08:00",
                "2016-06-01T00:30:00+08:00",
                None,
                None,
            ),
        ];
        for (k, (created, updated, sealed, registered)) in stamps.iter().enumerate() {
            c.execute(
                "INSERT INTO entries (person_id, year, category, form, content, provider,
                     start_date, end_date, hours_tenths, result, state, sealed_by, sealed_at,
                     registered_by, registered_at, created_at, updated_at)
                 VALUES (1, 2016, 'public', ?1, ?2, '湖南大学', '2016-02-01', '2016-02-02', 80,
                     'pass', CASE WHEN ?5 IS NULL THEN 'recorded' ELSE 'registered' END,
                     CASE WHEN ?3 IS NULL THEN NULL ELSE 'lisi' END, ?3,
                     CASE WHEN ?5 IS NULL THEN NULL ELSE 'wangfang' END, ?5, ?6, ?7)",
                rusqlite::params![
                    form,
                    format!("课程{k}"),
                    sealed,
                    k,
                    registered,
                    created,
                    updated
                ],
            )
            .unwrap();
        }
        let schema = |c: &Connection| -> Vec<(String, String)> {
            c.prepare(
                "SELECT name, sql FROM sqlite_schema
                 WHERE type IN ('index', 'trigger') AND (tbl_name = 'entries'
                     OR name = 'report_kept_moved') AND sql IS NOT NULL ORDER BY name",
            )
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap()
        };
        let schema_before = schema(c);
        assert_eq!(schema_before.len(), 14, "{schema_before:?}");
        let others = "id, person_id, year, category, form, content, provider, start_date,
            end_date, hours_tenths, result, filing_id, state, migrated, confirmed, batch_id,
            reason, sealed_by, registered_by, recorded_by";
        let other_before = rows_of_sql(c, &format!("SELECT {others} FROM entries ORDER BY id"));
        drop(old);

        let store = Store::open(&path).unwrap();
        let c = store.conn();
        assert_eq!(schema(c), schema_before);
        assert_eq!(
            rows_of_sql(c, &format!("SELECT {others} FROM entries ORDER BY id")),
            other_before
        );
        use rusqlite::types::Value;
        // A time becomes its seconds, digits their number; anything else, even what SQLite
        // could read as a time (`now`, a Julian day), stays what it was (a number-like text
        // the column's type makes a number, as it would any value written to it).
        let seconds = |t: &str| match chrono::DateTime::parse_from_rfc3339(t) {
            Ok(at) => Value::Integer(at.timestamp()),
            Err(_) => match (t.parse::<i64>(), t.parse::<f64>()) {
                (Ok(n), _) => Value::Integer(n),
                (_, Ok(f)) => Value::Real(f),
                _ => Value::Text(t.into()),
            },
        };
        let times = rows_of_sql(
            c,
            "SELECT created_at, updated_at, sealed_at, registered_at FROM entries ORDER BY id",
        );
        let want: Vec<Vec<Value>> = stamps
            .iter()
            .map(|(created, updated, sealed, registered)| {
                vec![
                    seconds(created),
                    seconds(updated),
                    sealed.map_or(Value::Null, seconds),
                    registered.map_or(Value::Null, seconds),
                ]
            })
            .collect();
        assert_eq!(times, want);
        assert_eq!(
            times[0][0],
            Value::Integer(1_456_794_000),
            "2016-03-01 01:00 UTC"
        );
        // The registration as a card reads it: at +08:00, the day it was made there.
        let reg = cards::registered(c, 1, 2016, 2016).unwrap();
        let at: Vec<Option<&str>> = reg.iter().map(|r| r.registered_at.as_deref()).collect();
        assert_eq!(
            at,
            [
                Some("2016-04-02T10:30:00+08:00"),
                Some("2016-05-05T00:00:00+08:00")
            ]
        );
    }

    /// Every row `sql` returns, as values.
    fn rows_of_sql(conn: &Connection, sql: &str) -> Vec<Vec<rusqlite::types::Value>> {
        let mut stmt = conn.prepare(sql).unwrap();
        let n = stmt.column_count();
        stmt.query_map([], |r| {
            (0..n)
                .map(|i| r.get::<_, rusqlite::types::Value>(i))
                .collect()
        })
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap()
    }

    /// 张伟 as person 1 (bare, as raw SQL writes him) and the code of the first form, for
    /// tests that write entries with SQL.
    fn zhang_and_a_form(c: &Connection) -> String {
        c.execute(
            "INSERT INTO people (id_number, name, unit, unit_kind, city_code, created_at, updated_at)
             VALUES ('11010519491231002X', '张伟', '长沙市第一医院', 'city', '430100', 'x', 'x')",
            [],
        )
        .unwrap();
        c.query_row("SELECT code FROM forms ORDER BY code LIMIT 1", [], |r| {
            r.get(0)
        })
        .unwrap()
    }
}
