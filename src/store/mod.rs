//! The only place that speaks SQL: opening the database, migrations, reading and writing domain
//! types. Every query is parameterised; lists are paged and indexed.

pub mod audit;
pub mod entries;
pub mod filings;
pub mod people;
pub mod reference;
pub mod schema;

use std::fmt;
use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, Transaction, TransactionBehavior};

use crate::i18n::{Describe, Lang};

pub use rusqlite::Error as SqlError;

/// Several clerks write to one file: a writer waits this long for another's transaction.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

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

impl Describe for StoreError {
    fn describe(&self, lang: Lang) -> String {
        match (self, lang) {
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
            (StoreError::Reference(m), Lang::Zh) => format!("内置参考数据有误：{m}"),
            (StoreError::Reference(m), Lang::En) => {
                format!("built-in reference data is broken: {m}")
            }
        }
    }
}

pub type Result<T> = std::result::Result<T, StoreError>;

pub struct Store {
    conn: Connection,
}

impl Store {
    /// Open (creating it and its parent folder if need be) and bring the schema up to date.
    pub fn open(path: &Path) -> Result<Store> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|e| StoreError::Io {
                path: parent.display().to_string(),
                message: e.to_string(),
            })?;
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_URI;
        let conn = Connection::open_with_flags(path, flags).map_err(|e| StoreError::Io {
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
        Store::init(conn)
    }

    pub fn open_in_memory() -> Result<Store> {
        Store::init(Connection::open_in_memory()?)
    }

    fn init(conn: Connection) -> Result<Store> {
        conn.busy_timeout(BUSY_TIMEOUT)?;
        // WAL lets clerks read while another writes; NORMAL sync is durable at each checkpoint
        // and safe against corruption in WAL mode.
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", true)?;
        let mut store = Store { conn };
        store.migrate()?;
        reference::load_if_empty(&mut store)?;
        Ok(store)
    }

    /// Apply the migrations this database lacks, each in its own transaction.
    fn migrate(&mut self) -> Result<()> {
        self.migrate_to(schema::MIGRATIONS.len())
    }

    /// Apply migrations up to `target` (tests build old databases with this).
    pub fn migrate_to(&mut self, target: usize) -> Result<()> {
        let known = schema::MIGRATIONS.len() as u32;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let version: u32 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        if version > known {
            return Err(StoreError::TooNew {
                found: version,
                known,
            });
        }
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

    /// SQLite's counter of commits by other connections: the interface polls it to show other
    /// clerks' changes without restarting.
    pub fn data_version(&self) -> Result<i64> {
        Ok(self
            .conn
            .query_row("PRAGMA data_version", [], |r| r.get(0))?)
    }

    /// A consistent copy of the live database (`jijiao backup`), safe while others write.
    pub fn backup_to(&self, dest: &Path) -> Result<()> {
        if dest.exists() {
            return Err(StoreError::Io {
                path: dest.display().to_string(),
                message: "file exists".into(),
            });
        }
        self.conn
            .execute("VACUUM INTO ?1", [dest.to_string_lossy().as_ref()])?;
        Ok(())
    }
}
