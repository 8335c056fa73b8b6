//! R2.1, R2.2, R6.3 The yearly policy: minimum hours, the public-subject theme and the
//! June–August submission window. Data, not constants: the notice says 一般 ("generally").

use chrono::{Datelike, NaiveDate};

use super::Hours;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YearPolicy {
    pub year: i32,
    pub public_min: Hours,
    pub professional_min: Hours,
    pub total_min: Hours,
    pub theme: String,
    /// R6.3 First and last day (month, day) of the verification window.
    pub window_start: (u32, u32),
    pub window_end: (u32, u32),
}

impl YearPolicy {
    /// R2.1 The notice's numbers, for a year no policy row covers.
    pub fn default_for(year: i32) -> YearPolicy {
        YearPolicy {
            year,
            public_min: Hours::whole(30),
            professional_min: Hours::whole(60),
            total_min: Hours::whole(90),
            theme: String::new(),
            window_start: (6, 1),
            window_end: (8, 31),
        }
    }

    /// R6.3 Is `day` inside this year's submission window?
    pub fn in_window(&self, day: NaiveDate) -> bool {
        day.year() == self.year
            && (day.month(), day.day()) >= self.window_start
            && (day.month(), day.day()) <= self.window_end
    }
}

/// Parse `06-01` as (6, 1); the day must exist in a leap year.
pub fn parse_month_day(s: &str) -> Option<(u32, u32)> {
    let (m, d) = s.trim().split_once('-')?;
    let (m, d) = (m.parse().ok()?, d.parse().ok()?);
    NaiveDate::from_ymd_opt(2000, m, d).map(|_| (m, d))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn r2_1_defaults_are_the_notices_numbers() {
        let p = YearPolicy::default_for(2017);
        assert_eq!(p.total_min, Hours::whole(90));
        assert_eq!(p.public_min, Hours::whole(30));
        assert_eq!(p.professional_min, Hours::whole(60));
    }

    #[test]
    fn r6_3_window_is_june_to_august_inclusive() {
        let p = YearPolicy::default_for(2017);
        let d = |m, day| NaiveDate::from_ymd_opt(2017, m, day).unwrap();
        assert!(!p.in_window(d(5, 31)));
        assert!(p.in_window(d(6, 1)));
        assert!(p.in_window(d(8, 31)));
        assert!(!p.in_window(d(9, 1)));
        assert!(!p.in_window(NaiveDate::from_ymd_opt(2018, 7, 1).unwrap()));
    }

    #[test]
    fn month_day_parsing() {
        assert_eq!(parse_month_day("06-01"), Some((6, 1)));
        assert_eq!(parse_month_day("02-29"), Some((2, 29)));
        assert_eq!(parse_month_day("02-30"), None);
    }
}
