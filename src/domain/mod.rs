//! The rules of docs/DOMAIN.md as plain types and pure functions: no SQL, no terminal, no clock.

pub mod batch;
pub mod certificate;
pub mod dates;
pub mod entry;
pub mod filing;
pub mod form;
pub mod hours;
pub mod id_number;
pub mod initials;
pub mod person;
pub mod policy;
pub mod routing;
pub mod text;
pub mod verification;

pub use entry::{Entry, EntryState};
pub use filing::{Filing, FilingFacts, FilingStatus, Recognition};
pub use form::{AssessmentResult, Category, Checklist, Form};
pub use hours::Hours;
pub use id_number::IdNumber;
pub use person::{Office, Person, TitleLevel, UnitKind};
pub use policy::YearPolicy;
