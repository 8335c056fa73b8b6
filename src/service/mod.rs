//! The use cases. Each write is one transaction that also appends to the audit trail (R5.5);
//! the command line and the terminal interface call the same functions, so every rule is
//! enforced in one place.

pub mod audit;
pub mod authz;
pub mod batches;
pub mod cards;
pub mod certificates;
pub mod check;
pub mod decision;
pub mod demo;
pub mod export;
pub mod filings;
pub mod import;
pub mod person;
pub mod printing;
pub mod records;
pub mod report;
pub mod review;
#[cfg(test)]
mod totals_tests;

use chrono::{DateTime, FixedOffset, NaiveDate, SecondsFormat};

use crate::domain::id_number::IdError;
use crate::domain::verification::PeriodError;
use crate::i18n::{Describe, Lang};
use crate::import::{RowError, TableError};
use crate::store::StoreError;

/// Where "now" comes from. The interface reads it at each decision, never once at start: a
/// session left open past midnight must date a certificate with the day it is issued (R7.4), and
/// audit times must run forward alongside other clerks' commands (R5.5). Passed in, so tests pin
/// it or move it.
#[derive(Clone)]
pub struct Clock(std::sync::Arc<dyn Fn() -> DateTime<FixedOffset> + Send + Sync>);

impl Clock {
    /// The system's local time.
    pub fn system() -> Clock {
        Clock(std::sync::Arc::new(|| chrono::Local::now().fixed_offset()))
    }

    /// Always `at`: a pinned day for tests and training (`JIJIAO_TODAY`).
    pub fn fixed(at: DateTime<FixedOffset>) -> Clock {
        Clock(std::sync::Arc::new(move || at))
    }

    /// Whatever `f` says when asked: a clock a test moves forward.
    pub fn from_fn(f: impl Fn() -> DateTime<FixedOffset> + Send + Sync + 'static) -> Clock {
        Clock(std::sync::Arc::new(f))
    }

    pub fn now(&self) -> DateTime<FixedOffset> {
        (self.0)()
    }
}

impl std::fmt::Debug for Clock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Clock({})", self.now())
    }
}

/// Who acts, and when: the clock is passed in so that every rule is testable for any day. One
/// `Actor` stands for one decision; a long-lived session makes a new one from its [`Clock`] for
/// each decision.
#[derive(Debug, Clone)]
pub struct Actor {
    /// R5.5 The login recorded on every decision: the real user id's passwd name once roles are
    /// configured (`cli::Context`).
    pub user: String,
    pub now: DateTime<FixedOffset>,
    /// R5.5 What this login may do; every write of the services asks [`authz::require`].
    pub grants: authz::Grants,
}

impl Actor {
    /// An actor of a single-clerk install: every role ([`authz::Grants::single_clerk`]).
    pub fn new(user: impl Into<String>, now: DateTime<FixedOffset>) -> Actor {
        Actor {
            user: user.into(),
            now,
            grants: authz::Grants::single_clerk(),
        }
    }

    /// The same actor with the roles the system configuration gives it.
    pub fn with_grants(self, grants: authz::Grants) -> Actor {
        Actor { grants, ..self }
    }

    /// The timestamp written to the database and the audit trail.
    pub fn stamp(&self) -> String {
        self.now.to_rfc3339_opts(SecondsFormat::Secs, true)
    }

    pub fn today(&self) -> NaiveDate {
        self.now.date_naive()
    }
}

#[derive(Debug)]
pub enum ServiceError {
    Store(StoreError),
    Table(TableError),
    /// Problems in a roster, each with its row and column; nothing was written.
    Rows(Vec<RowError>),
    /// More problems in a roster than are kept (issue 10.3: memory does not grow with a
    /// roster full of mistakes): the first ones, and how many there are in all.
    ManyRows {
        listed: Vec<RowError>,
        total: usize,
    },
    /// An ID number that is not one (R1.1): `value` as given, shown through
    /// `reveal_invisible` so that an invisible character in it is seen.
    IdNumber {
        value: String,
        error: IdError,
    },
    UnknownPerson(String),
    Period(PeriodError),
    /// R4.2 A filing or a decision on filings that was not accepted; nothing was written.
    Filing(filings::Problem),
    /// A person or an entry the register refused (R1.2, R5.1); nothing was written.
    Refused(records::Refusal),
    /// A verification batch not created or not found (R6.3); nothing was written.
    Batch(batches::Refusal),
    /// R5.5 The actor's roles do not allow the write, or the maker would check their own work;
    /// nothing was written.
    Denied(authz::Refusal),
}

impl From<StoreError> for ServiceError {
    fn from(e: StoreError) -> Self {
        ServiceError::Store(e)
    }
}

impl From<TableError> for ServiceError {
    fn from(e: TableError) -> Self {
        ServiceError::Table(e)
    }
}

impl From<rusqlite::Error> for ServiceError {
    fn from(e: rusqlite::Error) -> Self {
        ServiceError::Store(StoreError::Sql(e))
    }
}

impl Describe for ServiceError {
    fn describe(&self, lang: Lang) -> String {
        match (self, lang) {
            (ServiceError::Store(e), lang) => e.describe(lang),
            (ServiceError::Table(e), Lang::Zh) => format!("无法读取名册：{}", e.describe(lang)),
            (ServiceError::Table(e), Lang::En) => {
                format!("cannot read the roster: {}", e.describe(lang))
            }
            (ServiceError::Rows(rows), Lang::Zh) => {
                format!("名册有{}处错误，未写入任何数据", rows.len())
            }
            (ServiceError::Rows(rows), Lang::En) => match rows.len() {
                1 => "1 problem in the roster; nothing was written".to_string(),
                n => format!("{n} problems in the roster; nothing was written"),
            },
            (ServiceError::ManyRows { total, .. }, Lang::Zh) => {
                format!("名册有{total}处错误，未写入任何数据")
            }
            (ServiceError::ManyRows { total, .. }, Lang::En) => {
                format!("{total} problems in the roster; nothing was written")
            }
            (ServiceError::IdNumber { value, error }, lang) => {
                let value = crate::domain::text::reveal_invisible(value);
                format!("{value}: {}", error.describe(lang))
            }
            (ServiceError::UnknownPerson(id), Lang::Zh) => {
                format!("数据库中没有身份证号为{id}的人员")
            }
            (ServiceError::UnknownPerson(id), Lang::En) => {
                format!("no person with ID number {id} in the database")
            }
            (ServiceError::Period(e), lang) => e.describe(lang),
            (ServiceError::Filing(p), lang) => p.describe(lang),
            (ServiceError::Refused(r), lang) => r.describe(lang),
            (ServiceError::Batch(r), lang) => r.describe(lang),
            (ServiceError::Denied(r), lang) => r.describe(lang),
        }
    }
}

pub type Result<T> = std::result::Result<T, ServiceError>;

/// Shared set-up for the service tests: a store with people and entries imported as a clerk
/// would import them.
#[cfg(test)]
pub(crate) mod fixtures {
    use super::Actor;
    use crate::import::Table;
    use crate::service::import::{self, Source};
    use crate::store::Store;

    pub const ZHANG: &str = "11010519491231002X";

    pub fn actor(user: &str) -> Actor {
        Actor::new(
            user,
            chrono::DateTime::parse_from_rfc3339("2017-07-15T10:00:00+08:00").unwrap(),
        )
    }

    pub fn table(headers: &str, rows: &[&str]) -> Table {
        let headers: Vec<&str> = headers.split(',').collect();
        let rows: Vec<Vec<&str>> = rows.iter().map(|r| r.split(',').collect()).collect();
        Table::of_text(&headers, &rows)
    }

    pub fn source() -> Source {
        Source {
            name: "test.csv".into(),
            sha256: "0".into(),
        }
    }

    /// One person (张伟, city unit in 长沙) and the given entries rows
    /// (category,form,content,provider,start,end,hours,result,evidence).
    pub fn store_with(entries: &[&str]) -> Store {
        let mut store = Store::open_in_memory().unwrap();
        add_zhang(&mut store, "clerk");
        add_entries(&mut store, "clerk", entries);
        store
    }

    /// 张伟, a city unit's in 长沙, imported into `store` by clerk `by`.
    pub fn add_zhang(store: &mut Store, by: &str) {
        import::people(
            store,
            &actor(by),
            &table(
                "身份证号,姓名,单位,单位类型,市州",
                &[&format!("{ZHANG},张伟,长沙市第一医院,市州所属单位,长沙")],
            ),
            &source(),
            false,
        )
        .unwrap();
    }

    /// 张伟's entries rows (category,form,content,provider,start,end,hours,result,evidence)
    /// imported into `store` by clerk `by`.
    pub fn add_entries(store: &mut Store, by: &str, entries: &[&str]) {
        let rows: Vec<String> = entries.iter().map(|e| format!("{ZHANG},{e}")).collect();
        let rows: Vec<&str> = rows.iter().map(String::as_str).collect();
        import::entries(
            store,
            &actor(by),
            &table(
                "身份证号,科目类别,学习形式,培训内容,施教机构,开始日期,结束日期,学时,考核结果,已交材料",
                &rows,
            ),
            &source(),
            false,
            false,
        )
        .unwrap();
    }
}
