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

/// R4.2, R4.3 What an approval covered: the training's dates, its category and the institution,
/// as they were filed. Changing one of them after approval means the office approved something
/// else than what is now on file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApprovedTerm {
    StartDate,
    EndDate,
    Category,
    Institution,
}

impl ApprovedTerm {
    /// Stored in the audit record.
    pub fn code(self) -> &'static str {
        match self {
            ApprovedTerm::StartDate => "start_date",
            ApprovedTerm::EndDate => "end_date",
            ApprovedTerm::Category => "category",
            ApprovedTerm::Institution => "institution",
        }
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            ApprovedTerm::StartDate => lang.pick("开始日期", "start date"),
            ApprovedTerm::EndDate => lang.pick("结束日期", "end date"),
            ApprovedTerm::Category => lang.pick("科目类别", "category"),
            ApprovedTerm::Institution => lang.pick("培训机构", "institution"),
        }
    }
}

/// R4.2, R4.3 The approved terms that `new` changes from `old`, in the order of the form; empty
/// unless `old` is approved (a pending or rejected filing is edited freely).
pub fn approval_lapses(old: &Filing, new: &Filing) -> Vec<ApprovedTerm> {
    if old.status != FilingStatus::Approved {
        return Vec::new();
    }
    let mut out = Vec::new();
    if old.institution != new.institution {
        out.push(ApprovedTerm::Institution);
    }
    if old.start_date != new.start_date {
        out.push(ApprovedTerm::StartDate);
    }
    if old.end_date != new.end_date {
        out.push(ApprovedTerm::EndDate);
    }
    if old.category != new.category {
        out.push(ApprovedTerm::Category);
    }
    out
}

/// R4.2, R4.3 An edit returned an approved filing to pending: what changed and the approval it
/// undid. Its Chinese description is the reason recorded on the filing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApprovalLapsed {
    pub changed: Vec<ApprovedTerm>,
    pub approved_on: Option<NaiveDate>,
}

impl Describe for ApprovalLapsed {
    fn describe(&self, lang: Lang) -> String {
        let changed: Vec<&str> = self.changed.iter().map(|t| t.label(lang)).collect();
        let on = self.approved_on.map(|d| d.to_string()).unwrap_or_default();
        match lang {
            Lang::Zh => format!(
                "已审核通过的备案（备案日期{on}）修改了{}，退回待审",
                changed.join("、")
            ),
            Lang::En => format!(
                "the filing approved as of {on} changed its {}: returned to pending",
                changed.join(", ")
            ),
        }
    }
}

/// A filing number as bureaus write them: some text, a year, some text, a numeric run, some
/// text — `湘人社专技备〔2026〕001号`, `2017-001`, `GX-2017-012`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilingNoPattern {
    pub prefix: String,
    pub year: i32,
    /// Between the year and the run (`〕`, `-`).
    pub middle: String,
    pub run: u64,
    /// Digits of the run as written (`001` is 3): the padding a next number keeps.
    pub width: usize,
    pub suffix: String,
}

impl FilingNoPattern {
    /// The year is the first run of exactly four digits from 1900 to 2199; the numeric run is
    /// the last run of digits after it. A number without both has no pattern to follow.
    pub fn parse(no: &str) -> Option<FilingNoPattern> {
        // Runs of ASCII digits, as byte ranges.
        let mut runs: Vec<(usize, usize)> = Vec::new();
        let mut start = None;
        for (i, b) in no.bytes().enumerate() {
            match (b.is_ascii_digit(), start) {
                (true, None) => start = Some(i),
                (false, Some(s)) => {
                    runs.push((s, i));
                    start = None;
                }
                _ => {}
            }
        }
        if let Some(s) = start {
            runs.push((s, no.len()));
        }
        let y = runs.iter().position(|&(s, e)| {
            e - s == 4
                && no[s..e]
                    .parse::<i32>()
                    .is_ok_and(|y| (1900..2200).contains(&y))
        })?;
        let (ys, ye) = runs[y];
        let &(rs, re) = runs.get(y + 1..)?.last()?;
        Some(FilingNoPattern {
            prefix: no[..ys].to_string(),
            year: no[ys..ye].parse().ok()?,
            middle: no[ye..rs].to_string(),
            run: no[rs..re].parse().ok()?,
            width: re - rs,
            suffix: no[re..].to_string(),
        })
    }

    /// The number with `year` and `run`, the run zero-padded to the width written.
    pub fn with(&self, year: i32, run: u64) -> String {
        format!(
            "{}{year}{}{run:0width$}{}",
            self.prefix,
            self.middle,
            self.suffix,
            width = self.width
        )
    }

    /// The same pattern apart from year and run.
    pub fn same_form(&self, other: &FilingNoPattern) -> bool {
        self.prefix == other.prefix && self.middle == other.middle && self.suffix == other.suffix
    }
}

/// R4.2 The number to propose for a new filing in `year`, following `last` (the number of the
/// filing saved last that has a year and a numeric run): the same form with this year, the run
/// one past the last one's when the year is the same, and restarting at 1 in a new year, padded
/// as the last one was (`〔2026〕099号` → `〔2026〕100号`; in 2027, `〔2027〕001号`). `taken` are
/// other numbers already in use: the run goes past any of the same form and year, so the
/// proposal is never one that exists. `None` when `last` has no year and run to follow.
pub fn next_filing_no<'a>(
    last: &str,
    year: i32,
    taken: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    let p = FilingNoPattern::parse(last)?;
    let mut run = if p.year == year { p.run + 1 } else { 1 };
    for t in taken {
        if let Some(o) = FilingNoPattern::parse(t)
            && o.year == year
            && o.same_form(&p)
            && o.run >= run
        {
            run = o.run + 1;
        }
    }
    Some(p.with(year, run))
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

    #[test]
    fn r4_2_the_next_number_follows_the_bureaus_form_and_padding() {
        let none: [&str; 0] = [];
        assert_eq!(
            next_filing_no("湘人社专技备〔2026〕001号", 2026, none).as_deref(),
            Some("湘人社专技备〔2026〕002号")
        );
        assert_eq!(
            next_filing_no("湘人社专技备〔2026〕099号", 2026, none).as_deref(),
            Some("湘人社专技备〔2026〕100号")
        );
        assert_eq!(
            next_filing_no("2017-009", 2017, none).as_deref(),
            Some("2017-010")
        );
        assert_eq!(
            next_filing_no("GX-2017-12", 2017, none).as_deref(),
            Some("GX-2017-13")
        );
        // The run outgrows its padding rather than wrapping.
        assert_eq!(
            next_filing_no("湘继备2017第999号", 2017, none).as_deref(),
            Some("湘继备2017第1000号")
        );
    }

    #[test]
    fn r4_2_a_new_year_restarts_the_run_at_one_keeping_the_padding() {
        let none: [&str; 0] = [];
        assert_eq!(
            next_filing_no("湘人社专技备〔2025〕099号", 2026, none).as_deref(),
            Some("湘人社专技备〔2026〕001号")
        );
        // A number filed ahead for next year is followed the same way, not continued.
        assert_eq!(
            next_filing_no("2027-004", 2026, none).as_deref(),
            Some("2026-001")
        );
    }

    #[test]
    fn r4_2_the_proposal_skips_numbers_already_taken_of_the_same_form() {
        let taken = [
            "湘人社专技备〔2026〕007号",
            "湘人社专技备〔2025〕050号",
            "2026-100",
            "湘人社专技备〔2026〕005号",
        ];
        assert_eq!(
            next_filing_no("湘人社专技备〔2026〕003号", 2026, taken).as_deref(),
            Some("湘人社专技备〔2026〕008号")
        );
    }

    #[test]
    fn r4_2_a_number_without_year_and_run_gives_no_pattern() {
        let none: [&str; 0] = [];
        assert_eq!(next_filing_no("XJ-001", 2026, none), None);
        assert_eq!(next_filing_no("2026", 2026, none), None);
        assert_eq!(next_filing_no("备案甲", 2026, none), None);
        // 12345 is no year; 2017 is, with 001 after it.
        let p = FilingNoPattern::parse("12345-2017-001").unwrap();
        assert_eq!((p.year, p.run, p.width), (2017, 1, 3));
        assert_eq!(p.prefix, "12345-");
    }

    fn filed() -> Filing {
        Filing {
            filing_no: "2017-001".into(),
            name: "公需科目培训班".into(),
            category: Category::Public,
            applicant_unit: "湖南省人社厅".into(),
            institution: "湖南师范大学".into(),
            address: String::new(),
            post_code: String::new(),
            email: String::new(),
            head: String::new(),
            head_post: String::new(),
            head_phone: String::new(),
            contact: String::new(),
            contact_post: String::new(),
            contact_phone: String::new(),
            place: "长沙".into(),
            trainees: String::new(),
            programme: String::new(),
            schedule: String::new(),
            start_date: d(2017, 8, 1),
            end_date: d(2017, 8, 3),
            status: FilingStatus::Approved,
            approved_on: Some(d(2017, 7, 1)),
        }
    }

    #[test]
    fn r4_3_changing_what_an_approval_covered_lapses_it() {
        let old = filed();
        let mut new = old.clone();
        new.place = "株洲".into();
        new.programme = "新方案".into();
        assert!(
            approval_lapses(&old, &new).is_empty(),
            "place and programme are not"
        );
        new.start_date = d(2017, 7, 31);
        new.institution = "湖南大学".into();
        new.category = Category::Professional;
        assert_eq!(
            approval_lapses(&old, &new),
            [
                ApprovedTerm::Institution,
                ApprovedTerm::StartDate,
                ApprovedTerm::Category
            ]
        );
        let pending = Filing {
            status: FilingStatus::Pending,
            approved_on: None,
            ..old.clone()
        };
        assert!(approval_lapses(&pending, &new).is_empty());
        let why = ApprovalLapsed {
            changed: vec![ApprovedTerm::StartDate, ApprovedTerm::EndDate],
            approved_on: old.approved_on,
        };
        assert_eq!(
            why.describe(Lang::Zh),
            "已审核通过的备案（备案日期2017-07-01）修改了开始日期、结束日期，退回待审"
        );
        assert_eq!(
            why.describe(Lang::En),
            "the filing approved as of 2017-07-01 changed its start date, end date: returned to pending"
        );
    }
}
