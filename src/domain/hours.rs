//! R2.3 Class hours (学时), exact to one decimal place: stored as whole tenths.

use std::fmt;
use std::iter::Sum;
use std::ops::Add;

use crate::i18n::{Describe, Lang};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Hours(i64);

/// Why a text is not a number of class hours (R2.3); each says what to write instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HoursError {
    Empty,
    /// Not a decimal number at all ("三十", "1e3").
    NotANumber,
    /// More than one decimal place ("2.55").
    TooManyDecimals,
    /// A number below zero ("-3", "−3", "－3"), where zero is allowed ([`Hours::parse`]).
    Negative,
    /// Zero or below, where an entry needs hours ([`Hours::parse_positive`]).
    NotPositive,
    /// More than one entry plausibly holds (10000).
    TooLarge,
}

/// No single entry plausibly exceeds a year of full-time study; the cap keeps sums far from
/// overflow even over millions of entries.
const MAX_TENTHS: i64 = 100_000;

impl Hours {
    pub const ZERO: Hours = Hours(0);

    pub const fn from_tenths(t: i64) -> Hours {
        Hours(t)
    }

    pub const fn whole(h: i64) -> Hours {
        Hours(h * 10)
    }

    pub const fn tenths(self) -> i64 {
        self.0
    }

    /// R2.3 Parse `30`, `30.0`, `2.5`, `.5`, full-width `２.５`, or any of these followed by the
    /// unit `学时` (`30学时`, as clerks write it); at most one decimal place.
    /// Zero is allowed here (a policy minimum may be zero); [`Hours::parse_positive`] is for
    /// entries. A number below zero, with any minus sign (`-`, `−` U+2212, full-width `－`), is
    /// [`HoursError::Negative`], not "not a number": the clerk is told what is wrong with it.
    pub fn parse(input: &str) -> Result<Hours, HoursError> {
        let s: String = input
            .trim()
            .chars()
            .map(|c| match crate::domain::text::narrow_char(c) {
                '。' => '.',
                '−' | '﹣' => '-',
                c => c,
            })
            .collect();
        let s = s.strip_suffix("学时").map_or(s.as_str(), str::trim_end);
        if s.is_empty() {
            return Err(HoursError::Empty);
        }
        if let Some(magnitude) = s.strip_prefix('-') {
            // Only a number below zero is "negative"; "-abc" stays "not a number".
            return match Hours::parse(magnitude.trim_start()) {
                Ok(h) if h.0 == 0 => Ok(Hours::ZERO),
                Ok(_) | Err(HoursError::TooManyDecimals | HoursError::TooLarge) => {
                    Err(HoursError::Negative)
                }
                Err(_) => Err(HoursError::NotANumber),
            };
        }
        let (int, frac) = match s.split_once('.') {
            Some((i, f)) => (i, Some(f)),
            None => (s, None),
        };
        let digits = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
        if !digits(int) || int.len() > 7 || (int.is_empty() && frac.is_none_or(str::is_empty)) {
            return Err(HoursError::NotANumber);
        }
        let whole: i64 = if int.is_empty() {
            0
        } else {
            int.parse().map_err(|_| HoursError::NotANumber)?
        };
        let tenth: i64 = match frac {
            None | Some("") => 0,
            Some(f) if !digits(f) => return Err(HoursError::NotANumber),
            Some(f) => {
                // "2.50" is still one decimal place of information; "2.55" is not.
                let significant = f.trim_end_matches('0');
                if significant.len() > 1 {
                    return Err(HoursError::TooManyDecimals);
                }
                significant.parse().unwrap_or(0)
            }
        };
        let t = whole * 10 + tenth;
        if t > MAX_TENTHS {
            return Err(HoursError::TooLarge);
        }
        Ok(Hours(t))
    }

    /// R2.3 An entry's hours: as [`Hours::parse`], and more than zero; zero and negative numbers
    /// are [`HoursError::NotPositive`] ("应大于0").
    pub fn parse_positive(input: &str) -> Result<Hours, HoursError> {
        let h = Hours::parse(input).map_err(|e| match e {
            HoursError::Negative => HoursError::NotPositive,
            e => e,
        })?;
        if h.0 == 0 {
            return Err(HoursError::NotPositive);
        }
        Ok(h)
    }

    /// For JSON output only: a tenth is exactly representable as the nearest f64 of a one-decimal
    /// literal, so `29.9` prints as `29.9`.
    pub fn as_f64(self) -> f64 {
        self.0 as f64 / 10.0
    }
}

impl Add for Hours {
    type Output = Hours;
    fn add(self, rhs: Hours) -> Hours {
        Hours(self.0.saturating_add(rhs.0))
    }
}

impl Sum for Hours {
    fn sum<I: Iterator<Item = Hours>>(iter: I) -> Hours {
        iter.fold(Hours::ZERO, Add::add)
    }
}

impl fmt::Display for Hours {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let a = self.0.unsigned_abs();
        if a.is_multiple_of(10) {
            write!(f, "{sign}{}", a / 10)
        } else {
            write!(f, "{sign}{}.{}", a / 10, a % 10)
        }
    }
}

impl Describe for HoursError {
    fn describe(&self, lang: Lang) -> String {
        lang.pick(
            match self {
                HoursError::Empty => "学时不能为空",
                HoursError::NotANumber => "学时应为数字，如 30 或 2.5",
                HoursError::TooManyDecimals => "学时最多保留一位小数，如 2.5",
                HoursError::Negative => "学时不能为负数",
                HoursError::NotPositive => "学时应大于0",
                HoursError::TooLarge => "学时过大（单条不超过10000）",
            },
            match self {
                HoursError::Empty => "hours are empty",
                HoursError::NotANumber => "hours must be a number such as 30 or 2.5",
                HoursError::TooManyDecimals => "hours have at most one decimal place, such as 2.5",
                HoursError::Negative => "hours cannot be negative",
                HoursError::NotPositive => "hours must be more than 0",
                HoursError::TooLarge => "hours are too large (at most 10000 for one entry)",
            },
        )
        .to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn r2_3_parses_whole_and_tenths() {
        assert_eq!(Hours::parse("30"), Ok(Hours::whole(30)));
        assert_eq!(Hours::parse("30.0"), Ok(Hours::whole(30)));
        assert_eq!(Hours::parse("2.5"), Ok(Hours::from_tenths(25)));
        assert_eq!(Hours::parse(".5"), Ok(Hours::from_tenths(5)));
        assert_eq!(Hours::parse("2.50"), Ok(Hours::from_tenths(25)));
        assert_eq!(Hours::parse("２．５"), Ok(Hours::from_tenths(25)));
        assert_eq!(Hours::parse(" 12 "), Ok(Hours::whole(12)));
    }

    #[test]
    fn r2_3_refuses_two_decimals_and_junk() {
        assert_eq!(Hours::parse("2.55"), Err(HoursError::TooManyDecimals));
        assert_eq!(Hours::parse("abc"), Err(HoursError::NotANumber));
        assert_eq!(Hours::parse("1e3"), Err(HoursError::NotANumber));
        assert_eq!(Hours::parse("."), Err(HoursError::NotANumber));
        assert_eq!(Hours::parse(""), Err(HoursError::Empty));
        assert_eq!(Hours::parse_positive("0"), Err(HoursError::NotPositive));
        assert_eq!(Hours::parse("99999"), Err(HoursError::TooLarge));
    }

    // R2.3, issue 7 point 6: a negative number is refused as such ("应大于0"), whatever minus
    // sign a spreadsheet or an input method wrote; a text after the minus is still not a number.
    #[test]
    fn r2_3_negative_hours_say_more_than_zero_not_a_number() {
        for s in ["-3", "−3", "－3", "－３", "-2.5", " - 3", "-99999", "-2.55"] {
            assert_eq!(Hours::parse(s), Err(HoursError::Negative), "{s}");
            let e = Hours::parse_positive(s).unwrap_err();
            assert_eq!(e, HoursError::NotPositive, "{s}");
            assert_eq!(e.describe(Lang::Zh), "学时应大于0");
            assert_eq!(e.describe(Lang::En), "hours must be more than 0");
        }
        assert_eq!(HoursError::Negative.describe(Lang::Zh), "学时不能为负数");
        assert_eq!(
            HoursError::Negative.describe(Lang::En),
            "hours cannot be negative"
        );
        assert_eq!(Hours::parse("-0"), Ok(Hours::ZERO));
        assert_eq!(Hours::parse_positive("-0"), Err(HoursError::NotPositive));
        assert_eq!(Hours::parse_positive("0"), Err(HoursError::NotPositive));
        assert_eq!(Hours::parse("-abc"), Err(HoursError::NotANumber));
        assert_eq!(Hours::parse("-"), Err(HoursError::NotANumber));
        assert_eq!(Hours::parse("--3"), Err(HoursError::NotANumber));
    }

    // R2.3 The unit written after the number, as clerks do, is understood; other words are not.
    #[test]
    fn r2_3_the_unit_xueshi_may_follow_the_number() {
        assert_eq!(Hours::parse("30学时"), Ok(Hours::whole(30)));
        assert_eq!(Hours::parse("２.５ 学时"), Ok(Hours::from_tenths(25)));
        assert_eq!(Hours::parse("-3学时"), Err(HoursError::Negative));
        assert_eq!(Hours::parse("学时"), Err(HoursError::Empty));
        assert_eq!(Hours::parse("30小时"), Err(HoursError::NotANumber));
        assert_eq!(Hours::parse("三十学时"), Err(HoursError::NotANumber));
    }

    #[test]
    fn r2_3_sums_are_exact_where_floats_are_not() {
        // 0.1 + 0.2 != 0.3 in binary floating point; in tenths it is.
        let sum: Hours = ["0.1", "0.2"]
            .iter()
            .map(|s| Hours::parse(s).unwrap())
            .sum();
        assert_eq!(sum, Hours::parse("0.3").unwrap());
        let ninety: Hours = std::iter::repeat_n(Hours::from_tenths(1), 900).sum();
        assert_eq!(ninety, Hours::whole(90));
    }

    #[test]
    fn r2_3_displays_without_trailing_zero() {
        assert_eq!(Hours::whole(30).to_string(), "30");
        assert_eq!(Hours::from_tenths(299).to_string(), "29.9");
        assert_eq!(Hours::from_tenths(5).to_string(), "0.5");
    }

    proptest! {
        // R2.3 Display and parse round-trip for every representable value.
        #[test]
        fn r2_3_round_trip(t in 0i64..=MAX_TENTHS) {
            let h = Hours::from_tenths(t);
            prop_assert_eq!(Hours::parse(&h.to_string()), Ok(h));
        }

        #[test]
        fn r2_3_parser_is_total(s in "\\PC{0,12}") {
            let _ = Hours::parse(&s);
        }

        // R2.3 A sum of tenths equals the parse of the decimal sum written out.
        #[test]
        fn r2_3_sum_matches_decimal(ts in proptest::collection::vec(0i64..1000, 0..50)) {
            let total: Hours = ts.iter().map(|&t| Hours::from_tenths(t)).sum();
            prop_assert_eq!(total.tenths(), ts.iter().sum::<i64>());
        }
    }
}
