//! R4.2–R4.4 Programme filings (备案) and whether an entry's hours are recognised.

use chrono::NaiveDate;

use super::form::Category;
use super::person::vocabulary;
use crate::i18n::{Describe, Lang};

vocabulary! {
    /// R4.2 A filing's state at the provincial office.
    FilingStatus {
        Pending => "pending", "待审", "pending";
        Approved => "approved", "已备案", "approved" | "备案" | "通过";
        Rejected => "rejected", "不予备案", "rejected";
    }
}

/// R4.2 A programme filing as attachment 3 lays it out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filing {
    pub filing_no: String,
    pub name: String,
    pub category: Category,
    pub applicant_unit: String,
    pub institution: String,
    pub address: String,
    pub post_code: String,
    pub email: String,
    pub head: String,
    pub head_post: String,
    pub head_phone: String,
    pub contact: String,
    pub contact_post: String,
    pub contact_phone: String,
    pub place: String,
    pub trainees: String,
    /// Long free text (培训方案).
    pub programme: String,
    /// Long free text (培训计划).
    pub schedule: String,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    pub status: FilingStatus,
    pub approved_on: Option<NaiveDate>,
}

impl Filing {
    pub fn facts(&self) -> FilingFacts {
        FilingFacts {
            category: self.category,
            status: self.status,
            approved_on: self.approved_on,
        }
    }
}

/// What recognition needs to know of the filing an entry links to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilingFacts {
    pub category: Category,
    pub status: FilingStatus,
    pub approved_on: Option<NaiveDate>,
}

/// R4.3, R4.4 Why an entry's hours are or are not recognised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recognition {
    /// Linked to a filing approved on or before the start date.
    Recognised,
    /// Historical record registered on paper: its filing was judged then (INTERFACES `--registered`).
    Migrated,
    /// R4.4 Professional subject without a confirmed filing: flagged for review, may be
    /// registered by an explicit decision.
    NeedsConfirmation,
    /// R4.3 Public subject not linked to any filing.
    NoFiling,
    /// R4.3 The linked filing is pending or rejected.
    NotApproved(FilingStatus),
    /// R4.3 The filing was approved after the training had started.
    ApprovedLate(NaiveDate),
    /// The linked filing is for the other category of subject.
    WrongCategory(Category),
}

impl Recognition {
    /// R4.3 Public-subject hours count only when recognised; R4.4 professional hours may count
    /// without confirmation once registered.
    pub fn hours_count(&self) -> bool {
        matches!(
            self,
            Recognition::Recognised | Recognition::Migrated | Recognition::NeedsConfirmation
        )
    }

    /// R4.4 Registering needs a deliberate decision when this is true.
    pub fn needs_confirmation(&self) -> bool {
        matches!(self, Recognition::NeedsConfirmation)
    }
}

/// R4.3, R4.4 Judge an entry of `category` starting on `start` that links to `filing`.
pub fn recognise(
    category: Category,
    start: NaiveDate,
    filing: Option<&FilingFacts>,
    migrated: bool,
) -> Recognition {
    if migrated {
        return Recognition::Migrated;
    }
    let fail = |r: Recognition| match category {
        Category::Public => r,
        Category::Professional => Recognition::NeedsConfirmation,
    };
    let Some(f) = filing else {
        return fail(Recognition::NoFiling);
    };
    if f.category != category {
        return fail(Recognition::WrongCategory(f.category));
    }
    match (f.status, f.approved_on) {
        (FilingStatus::Approved, Some(on)) if on <= start => Recognition::Recognised,
        (FilingStatus::Approved, Some(on)) => fail(Recognition::ApprovedLate(on)),
        // Approved without a date cannot show it preceded the training.
        (FilingStatus::Approved, None) => fail(Recognition::NotApproved(FilingStatus::Approved)),
        (status, _) => fail(Recognition::NotApproved(status)),
    }
}

impl Describe for Recognition {
    fn describe(&self, lang: Lang) -> String {
        match (self, lang) {
            (Recognition::Recognised, Lang::Zh) => "已备案，学时予以确认".into(),
            (Recognition::Recognised, Lang::En) => "filed and approved: hours recognised".into(),
            (Recognition::Migrated, Lang::Zh) => "纸质登记历史记录".into(),
            (Recognition::Migrated, Lang::En) => "historical record registered on paper".into(),
            (Recognition::NeedsConfirmation, Lang::Zh) => {
                "专业科目未经备案确认，需明确决定后登记".into()
            }
            (Recognition::NeedsConfirmation, Lang::En) => {
                "professional subject without confirmed filing: needs an explicit decision".into()
            }
            (Recognition::NoFiling, Lang::Zh) => "公需科目未关联备案，学时不予确认".into(),
            (Recognition::NoFiling, Lang::En) => {
                "public subject with no filing: hours not recognised".into()
            }
            (Recognition::NotApproved(s), Lang::Zh) => {
                format!("备案状态为{}，学时不予确认", s.zh())
            }
            (Recognition::NotApproved(s), Lang::En) => {
                format!("filing is {}: hours not recognised", s.code())
            }
            (Recognition::ApprovedLate(d), Lang::Zh) => {
                format!("备案于{d}才批准，晚于培训开始日期，学时不予确认")
            }
            (Recognition::ApprovedLate(d), Lang::En) => {
                format!("filing approved on {d}, after the training started: hours not recognised")
            }
            (Recognition::WrongCategory(c), Lang::Zh) => {
                format!("关联的备案属于{}科目，学时不予确认", c.zh())
            }
            (Recognition::WrongCategory(c), Lang::En) => {
                format!(
                    "the linked filing is for {} subjects: hours not recognised",
                    c.code()
                )
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn approved(on: NaiveDate) -> FilingFacts {
        FilingFacts {
            category: Category::Public,
            status: FilingStatus::Approved,
            approved_on: Some(on),
        }
    }

    #[test]
    fn r4_3_filing_approved_on_the_start_date_is_recognised() {
        let start = d(2017, 5, 10);
        assert_eq!(
            recognise(Category::Public, start, Some(&approved(start)), false),
            Recognition::Recognised
        );
    }

    #[test]
    fn r4_3_filing_approved_the_day_after_the_start_is_not() {
        let start = d(2017, 5, 10);
        let r = recognise(
            Category::Public,
            start,
            Some(&approved(d(2017, 5, 11))),
            false,
        );
        assert_eq!(r, Recognition::ApprovedLate(d(2017, 5, 11)));
        assert!(!r.hours_count());
    }

    #[test]
    fn r4_3_public_without_filing_or_with_pending_filing_does_not_count() {
        let start = d(2017, 5, 10);
        assert!(!recognise(Category::Public, start, None, false).hours_count());
        let pending = FilingFacts {
            status: FilingStatus::Pending,
            approved_on: None,
            ..approved(start)
        };
        assert_eq!(
            recognise(Category::Public, start, Some(&pending), false),
            Recognition::NotApproved(FilingStatus::Pending)
        );
    }

    #[test]
    fn r4_3_paper_history_is_recognised_without_filing() {
        assert_eq!(
            recognise(Category::Public, d(2013, 1, 1), None, true),
            Recognition::Migrated
        );
    }

    #[test]
    fn r4_4_professional_without_filing_needs_confirmation_but_counts() {
        let r = recognise(Category::Professional, d(2017, 1, 1), None, false);
        assert!(r.needs_confirmation());
        assert!(r.hours_count());
    }

    #[test]
    fn r4_3_filing_of_the_other_category_does_not_recognise_public_hours() {
        let f = FilingFacts {
            category: Category::Professional,
            ..approved(d(2017, 1, 1))
        };
        assert_eq!(
            recognise(Category::Public, d(2017, 5, 1), Some(&f), false),
            Recognition::WrongCategory(Category::Professional)
        );
    }
}
