//! R6.1, R6.4 Verification of a period: per year, registered public, professional and total
//! hours against that year's policy, and the rule each shortfall breaks.

use serde::Serialize;

use super::form::Category;
use super::hours::Hours;
use super::policy::YearPolicy;
use crate::i18n::{Describe, Lang};

/// The hours of one counting entry (already filtered by [`super::Entry::counts`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CountedHours {
    pub year: i32,
    pub category: Category,
    pub hours: Hours,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Shortfall {
    /// R2.1 public subjects below the minimum
    Public,
    /// R2.1 professional subjects below the minimum
    Professional,
    /// R2.1 total below the minimum
    Total,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YearResult {
    pub year: i32,
    pub public: Hours,
    pub professional: Hours,
    pub total: Hours,
    pub policy: YearPolicy,
    pub shortfalls: Vec<Shortfall>,
}

impl YearResult {
    pub fn pass(&self) -> bool {
        self.shortfalls.is_empty()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verification {
    pub from: i32,
    pub to: i32,
    pub years: Vec<YearResult>,
    /// R5.3 An unlifted falsification finding.
    pub blocked: bool,
}

impl Verification {
    /// R6.1 Every year meets R2, and R5.3 no falsification block.
    pub fn pass(&self) -> bool {
        !self.blocked && self.years.iter().all(YearResult::pass)
    }
}

/// R6.1 The default period: the five calendar years before the application year.
pub fn default_period(application_year: i32) -> (i32, i32) {
    (application_year - 5, application_year - 1)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PeriodError {
    Reversed { from: i32, to: i32 },
    TooLong { from: i32, to: i32 },
}

/// A period runs forwards and is not absurdly long (a typo such as 201 for 2017).
pub fn check_period(from: i32, to: i32) -> Result<(), PeriodError> {
    if from > to {
        return Err(PeriodError::Reversed { from, to });
    }
    if to - from >= 20 {
        return Err(PeriodError::TooLong { from, to });
    }
    Ok(())
}

/// R6.1, R6.4 Verify `from..=to`. `policy` gives the policy of each year; hours outside the
/// period are ignored. Reproducible: a pure function of its inputs.
pub fn verify(
    from: i32,
    to: i32,
    policy: impl Fn(i32) -> YearPolicy,
    hours: &[CountedHours],
    blocked: bool,
) -> Verification {
    let years = (from..=to)
        .map(|year| {
            let of = |c: Category| -> Hours {
                hours
                    .iter()
                    .filter(|h| h.year == year && h.category == c)
                    .map(|h| h.hours)
                    .sum()
            };
            let public = of(Category::Public);
            let professional = of(Category::Professional);
            let total = public + professional;
            let policy = policy(year);
            let mut shortfalls = Vec::new();
            if public < policy.public_min {
                shortfalls.push(Shortfall::Public);
            }
            if professional < policy.professional_min {
                shortfalls.push(Shortfall::Professional);
            }
            if total < policy.total_min {
                shortfalls.push(Shortfall::Total);
            }
            YearResult {
                year,
                public,
                professional,
                total,
                policy,
                shortfalls,
            }
        })
        .collect();
    Verification {
        from,
        to,
        years,
        blocked,
    }
}

impl Shortfall {
    /// The shortfall with the numbers, e.g. 公需科目不足：20 < 30 (R2.1).
    pub fn explain(self, y: &YearResult, lang: Lang) -> String {
        let (have, need) = match self {
            Shortfall::Public => (y.public, y.policy.public_min),
            Shortfall::Professional => (y.professional, y.policy.professional_min),
            Shortfall::Total => (y.total, y.policy.total_min),
        };
        self.words(have, need, lang)
    }

    /// R2.1's words for this shortfall: `have` hours where `need` are required (as
    /// [`Shortfall::explain`] says them, and a stored return's reason is said again).
    pub fn words(
        self,
        have: impl std::fmt::Display,
        need: impl std::fmt::Display,
        lang: Lang,
    ) -> String {
        match lang {
            Lang::Zh => {
                let what = match self {
                    Shortfall::Public => "公需科目",
                    Shortfall::Professional => "专业科目",
                    Shortfall::Total => "合计",
                };
                format!("{what}不足：{have} < {need}（R2.1）")
            }
            Lang::En => {
                let what = match self {
                    Shortfall::Public => "public",
                    Shortfall::Professional => "professional",
                    Shortfall::Total => "total",
                };
                format!("{what} short: {have} < {need} (R2.1)")
            }
        }
    }
}

impl Describe for PeriodError {
    fn describe(&self, lang: Lang) -> String {
        match (self, lang) {
            (PeriodError::Reversed { from, to }, Lang::Zh) => {
                format!("起始年度{from}晚于截止年度{to}")
            }
            (PeriodError::Reversed { from, to }, Lang::En) => {
                format!("the period starts in {from}, after it ends in {to}")
            }
            (PeriodError::TooLong { from, to }, Lang::Zh) => {
                format!("{from}至{to}年的验证期过长（应为近五年）")
            }
            (PeriodError::TooLong { from, to }, Lang::En) => {
                format!("the period {from}–{to} is too long (five recent years expected)")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(year: i32, category: Category, tenths: i64) -> CountedHours {
        CountedHours {
            year,
            category,
            hours: Hours::from_tenths(tenths),
        }
    }

    fn full_year(year: i32) -> Vec<CountedHours> {
        vec![
            h(year, Category::Public, 300),
            h(year, Category::Professional, 600),
        ]
    }

    #[test]
    fn r6_1_default_period_is_the_five_years_before() {
        assert_eq!(default_period(2017), (2012, 2016));
    }

    #[test]
    fn r6_1_five_full_years_pass() {
        let hours: Vec<_> = (2012..=2016).flat_map(full_year).collect();
        let v = verify(2012, 2016, YearPolicy::default_for, &hours, false);
        assert!(v.pass());
        assert_eq!(v.years.len(), 5);
    }

    #[test]
    fn r2_1_29_9_public_hours_is_short_30_0_is_not() {
        let mut hours: Vec<_> = (2012..=2016).flat_map(full_year).collect();
        hours[0] = h(2012, Category::Public, 299);
        hours.push(h(2012, Category::Professional, 1));
        let v = verify(2012, 2016, YearPolicy::default_for, &hours, false);
        assert!(!v.pass());
        assert_eq!(v.years[0].shortfalls, vec![Shortfall::Public]);
        assert_eq!(v.years[0].total, Hours::whole(90));
        assert!(v.years[1..].iter().all(YearResult::pass));
    }

    #[test]
    fn r2_1_total_short_even_when_each_part_meets_lower_policy() {
        // A year whose policy asks 20/40/90: 30 + 59.9 meets both parts, misses the total.
        let policy = |year| YearPolicy {
            public_min: Hours::whole(20),
            professional_min: Hours::whole(40),
            ..YearPolicy::default_for(year)
        };
        let hours = vec![
            h(2016, Category::Public, 300),
            h(2016, Category::Professional, 599),
        ];
        let v = verify(2016, 2016, policy, &hours, false);
        assert_eq!(v.years[0].shortfalls, vec![Shortfall::Total]);
        let explained = Shortfall::Total.explain(&v.years[0], Lang::Zh);
        assert_eq!(explained, "合计不足：89.9 < 90（R2.1）");
    }

    #[test]
    fn r6_4_hours_outside_the_period_are_ignored() {
        let mut hours: Vec<_> = (2012..=2016).flat_map(full_year).collect();
        hours.push(h(2017, Category::Public, 1000));
        let v = verify(2012, 2016, YearPolicy::default_for, &hours, false);
        assert!(v.years.iter().all(|y| y.total == Hours::whole(90)));
    }

    #[test]
    fn r5_3_a_block_fails_an_otherwise_passing_period() {
        let hours: Vec<_> = (2012..=2016).flat_map(full_year).collect();
        let v = verify(2012, 2016, YearPolicy::default_for, &hours, true);
        assert!(!v.pass());
        assert!(v.years.iter().all(YearResult::pass));
    }

    #[test]
    fn a_year_without_entries_is_short_on_every_count() {
        let v = verify(2016, 2016, YearPolicy::default_for, &[], false);
        assert_eq!(
            v.years[0].shortfalls,
            vec![Shortfall::Public, Shortfall::Professional, Shortfall::Total]
        );
    }

    #[test]
    fn periods_must_run_forwards() {
        assert!(check_period(2016, 2012).is_err());
        assert!(check_period(2012, 2016).is_ok());
        assert!(check_period(201, 2016).is_err());
    }
}
