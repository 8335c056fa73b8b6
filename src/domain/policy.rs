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

/// The first year records, cards and reports may be asked for: before it nobody kept these
/// records on computers, and a year such as 201 is a typo.
pub const FIRST_RECORD_YEAR: i32 = 1980;

/// A year asked of the records (a card, an annual report, an export) that no record can hold:
/// before [`FIRST_RECORD_YEAR`], or after this year (`this_year`, from the clerk's clock).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct YearOutOfRange {
    pub year: i32,
    pub this_year: i32,
}

impl crate::i18n::Describe for YearOutOfRange {
    fn describe(&self, lang: crate::i18n::Lang) -> String {
        let (year, this_year) = (self.year, self.this_year);
        match lang {
            crate::i18n::Lang::Zh => format!(
                "年度 {year} 不在 {FIRST_RECORD_YEAR}–{this_year} 之内：请给出四位数的年度，不早于 {FIRST_RECORD_YEAR} 年，且不晚于今年"
            ),
            crate::i18n::Lang::En => format!(
                "year {year} is outside {FIRST_RECORD_YEAR}–{this_year}: give a four-digit year, not before {FIRST_RECORD_YEAR} and not later than this one"
            ),
        }
    }
}

/// R2.2 A year whose records may be asked for on `today`: [`FIRST_RECORD_YEAR`] to this year.
/// A later year has no policy and no hours yet (R2.1 would count everyone short), an earlier
/// one is a typo. The one check of the cards (R5.4) and the annual report (R2.1).
pub fn record_year(year: i32, today: NaiveDate) -> Result<i32, YearOutOfRange> {
    let this_year = today.year();
    if (FIRST_RECORD_YEAR..=this_year).contains(&year) {
        Ok(year)
    } else {
        Err(YearOutOfRange { year, this_year })
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

    /// R2.2 A record year runs from 1980 to this year, both ends included; the message names
    /// the value and the range.
    #[test]
    fn r2_2_a_record_year_is_from_1980_to_this_year() {
        use crate::i18n::{Describe, Lang};
        let today = NaiveDate::from_ymd_opt(2017, 7, 15).unwrap();
        assert_eq!(record_year(1980, today), Ok(1980));
        assert_eq!(record_year(2017, today), Ok(2017));
        for year in [1979, 1900, 2018, 3000, 201] {
            let e = record_year(year, today).unwrap_err();
            assert_eq!(
                e,
                YearOutOfRange {
                    year,
                    this_year: 2017
                }
            );
            assert!(
                e.describe(Lang::Zh)
                    .contains(&format!("年度 {year} 不在 1980–2017 之内"))
            );
            assert!(
                e.describe(Lang::En)
                    .contains(&format!("year {year} is outside 1980–2017"))
            );
        }
    }

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
