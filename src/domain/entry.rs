//! R5.1–R5.3 A training entry and its lifecycle: recorded → evidence complete → sealed (初审盖章)
//! → registered (登记), or refused (不予登记).

use chrono::{Datelike, NaiveDate};

use super::filing::{FilingFacts, Recognition, recognise};
use super::form::{AssessmentResult, Category, Form};
use super::hours::Hours;
use super::person::vocabulary;
use crate::i18n::{Describe, Lang};

vocabulary! {
    /// R5.1 Where an entry stands.
    EntryState {
        Recorded => "recorded", "已记录", "recorded";
        EvidenceComplete => "evidence_complete", "材料齐全", "evidence complete";
        Sealed => "sealed", "已初审", "sealed";
        Registered => "registered", "已登记", "registered";
        Refused => "refused", "不予登记", "refused";
    }
}

/// The facts of an entry that rules look at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The year the hours count for (defaults to the end date's year).
    pub year: i32,
    pub category: Category,
    pub form: Form,
    pub content: String,
    pub provider: String,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    pub hours: Hours,
    pub result: AssessmentResult,
    pub state: EntryState,
    /// Came in as paper history (`import entries --registered`).
    pub migrated: bool,
}

/// R5.1 Why a decision cannot be taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecisionError {
    /// The decision does not apply from this state.
    WrongState { from: EntryState, to: EntryState },
    /// R3 Sealing needs every item of the checklist.
    EvidenceIncomplete,
    /// R4.3 Public hours without a valid filing cannot be registered.
    NotRecognised(Recognition),
    /// R4.4 Registering needs an explicit confirmation.
    NeedsConfirmation,
    /// R5.2 A failed assessment is never registered as counting.
    FailedAssessment,
    /// R5.5 Refusals and findings carry a reason.
    ReasonRequired,
}

/// R5.1 Which state an entry is in once its evidence is, or is no longer, complete.
pub fn state_after_evidence(state: EntryState, complete: bool) -> EntryState {
    match (state, complete) {
        (EntryState::Recorded, true) => EntryState::EvidenceComplete,
        (EntryState::EvidenceComplete, false) => EntryState::Recorded,
        (s, _) => s,
    }
}

impl Entry {
    /// R5.1 Preliminary review and seal by the competent department: evidence must be complete.
    pub fn can_seal(&self) -> Result<(), DecisionError> {
        match self.state {
            EntryState::EvidenceComplete => Ok(()),
            EntryState::Recorded => Err(DecisionError::EvidenceIncomplete),
            from => Err(DecisionError::WrongState {
                from,
                to: EntryState::Sealed,
            }),
        }
    }

    /// R5.1, R4.3, R4.4, R5.2 Registration after the seal.
    pub fn can_register(
        &self,
        filing: Option<&FilingFacts>,
        confirmed: bool,
    ) -> Result<(), DecisionError> {
        if self.state != EntryState::Sealed {
            return Err(DecisionError::WrongState {
                from: self.state,
                to: EntryState::Registered,
            });
        }
        if !self.result.passing() {
            return Err(DecisionError::FailedAssessment);
        }
        let r = self.recognition(filing);
        if r.needs_confirmation() && !confirmed {
            return Err(DecisionError::NeedsConfirmation);
        }
        if !r.hours_count() {
            return Err(DecisionError::NotRecognised(r));
        }
        Ok(())
    }

    /// R5.1, R5.3 Refusal, from any state but refused; a registered entry may be refused when
    /// falsification comes to light.
    pub fn can_refuse(&self, reason: &str) -> Result<(), DecisionError> {
        if reason.trim().is_empty() {
            return Err(DecisionError::ReasonRequired);
        }
        if self.state == EntryState::Refused {
            return Err(DecisionError::WrongState {
                from: self.state,
                to: EntryState::Refused,
            });
        }
        Ok(())
    }

    pub fn recognition(&self, filing: Option<&FilingFacts>) -> Recognition {
        recognise(self.category, self.start_date, filing, self.migrated)
    }

    /// R5.2, R4.3 Whether this entry's hours count toward its year.
    pub fn counts(&self, filing: Option<&FilingFacts>) -> bool {
        self.state == EntryState::Registered
            && self.result.passing()
            && self.recognition(filing).hours_count()
    }
}

/// R2.1 (our addition) An entry records a training that has ended, with its assessment: one whose
/// end date is after `today` (the clerk's clock) is refused, in the form and in rosters alike, so
/// no hours are counted for a year before they were earned.
pub fn ended_by(end_date: NaiveDate, today: NaiveDate) -> bool {
    end_date <= today
}

/// An entry spanning New Year counts for the year it ended in, unless the roster says otherwise.
pub fn default_year(end_date: NaiveDate) -> i32 {
    end_date.year()
}

impl Describe for DecisionError {
    fn describe(&self, lang: Lang) -> String {
        match (self, lang) {
            (DecisionError::WrongState { from, to }, Lang::Zh) => {
                format!("状态为“{}”的条目不能改为“{}”", from.zh(), to.zh())
            }
            (DecisionError::WrongState { from, to }, Lang::En) => {
                format!(
                    "an entry that is {} cannot become {}",
                    from.code(),
                    to.code()
                )
            }
            (DecisionError::EvidenceIncomplete, Lang::Zh) => "证明材料不齐全，不能初审盖章".into(),
            (DecisionError::EvidenceIncomplete, Lang::En) => {
                "evidence is incomplete: cannot seal".into()
            }
            (DecisionError::NotRecognised(r), lang) => r.describe(lang),
            (DecisionError::NeedsConfirmation, Lang::Zh) => {
                "专业科目未经备案确认，须确认后方可登记".into()
            }
            (DecisionError::NeedsConfirmation, Lang::En) => {
                "professional subject without confirmed filing: confirm to register".into()
            }
            (DecisionError::FailedAssessment, Lang::Zh) => "考核不合格，不予登记".into(),
            (DecisionError::FailedAssessment, Lang::En) => {
                "the assessment was failed: cannot register".into()
            }
            (DecisionError::ReasonRequired, Lang::Zh) => "请填写理由".into(),
            (DecisionError::ReasonRequired, Lang::En) => "a reason is required".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::filing::FilingStatus;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn entry(category: Category, state: EntryState) -> Entry {
        Entry {
            year: 2017,
            category,
            form: Form::TrainingClass,
            content: "保密意识和保密常识教育".into(),
            provider: "湖南师范大学".into(),
            start_date: d(2017, 5, 10),
            end_date: d(2017, 5, 12),
            hours: Hours::whole(30),
            result: AssessmentResult::Pass,
            state,
            migrated: false,
        }
    }

    fn filing(on: NaiveDate) -> FilingFacts {
        FilingFacts {
            category: Category::Public,
            status: FilingStatus::Approved,
            approved_on: Some(on),
        }
    }

    #[test]
    fn r5_1_sealing_needs_complete_evidence() {
        assert_eq!(
            entry(Category::Public, EntryState::Recorded).can_seal(),
            Err(DecisionError::EvidenceIncomplete)
        );
        assert!(
            entry(Category::Public, EntryState::EvidenceComplete)
                .can_seal()
                .is_ok()
        );
        assert!(
            entry(Category::Public, EntryState::Registered)
                .can_seal()
                .is_err()
        );
    }

    #[test]
    fn r5_1_evidence_moves_recorded_and_complete_only() {
        assert_eq!(
            state_after_evidence(EntryState::Recorded, true),
            EntryState::EvidenceComplete
        );
        assert_eq!(
            state_after_evidence(EntryState::EvidenceComplete, false),
            EntryState::Recorded
        );
        assert_eq!(
            state_after_evidence(EntryState::Sealed, false),
            EntryState::Sealed
        );
    }

    #[test]
    fn r4_3_unrecognised_public_entry_cannot_be_registered() {
        let e = entry(Category::Public, EntryState::Sealed);
        assert!(matches!(
            e.can_register(Some(&filing(d(2017, 5, 11))), true),
            Err(DecisionError::NotRecognised(Recognition::ApprovedLate(_)))
        ));
        assert!(e.can_register(Some(&filing(d(2017, 5, 10))), false).is_ok());
    }

    #[test]
    fn r4_4_professional_without_filing_needs_explicit_confirmation() {
        let e = entry(Category::Professional, EntryState::Sealed);
        assert_eq!(
            e.can_register(None, false),
            Err(DecisionError::NeedsConfirmation)
        );
        assert!(e.can_register(None, true).is_ok());
    }

    #[test]
    fn r5_2_only_registered_passing_entries_count() {
        let f = filing(d(2017, 1, 1));
        for s in [
            EntryState::Recorded,
            EntryState::EvidenceComplete,
            EntryState::Sealed,
            EntryState::Refused,
        ] {
            assert!(!entry(Category::Public, s).counts(Some(&f)), "{s:?}");
        }
        assert!(entry(Category::Public, EntryState::Registered).counts(Some(&f)));
        let failed = Entry {
            result: AssessmentResult::Fail,
            ..entry(Category::Public, EntryState::Registered)
        };
        assert!(!failed.counts(Some(&f)));
    }

    #[test]
    fn r5_3_refusal_needs_a_reason() {
        let e = entry(Category::Public, EntryState::Registered);
        assert_eq!(e.can_refuse("  "), Err(DecisionError::ReasonRequired));
        assert!(e.can_refuse("伪造签到表").is_ok());
    }

    #[test]
    fn an_entry_spanning_new_year_counts_for_the_year_it_ends() {
        assert_eq!(default_year(d(2017, 1, 3)), 2017);
    }
}
