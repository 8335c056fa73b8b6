//! Dates as rosters write them: 2017-03-01, 2017/3/1, 2017.3.1, 2017年3月1日, 20170301.
//!
//! A text that is not in one of these forms is a [`DateError::Format`] (the message lists the
//! forms); a text in one of them that names a day the calendar does not have (2017-02-30,
//! 2017/13/1, 2017年2月29日) says exactly what does not exist, because listing the forms would
//! not tell the clerk what to correct.

use chrono::NaiveDate;

use crate::i18n::{Describe, Lang};

/// The bureaus' offset from UTC, in seconds: China Standard Time (UTC+8), the province's
/// whole year (no daylight saving since 1991). The times the program keeps as seconds since the
/// epoch (evidence, migration 15; entries, migration 25) are shown and dated at it.
pub const BUREAU_OFFSET_SECONDS: i32 = 8 * 3600;

/// Why a text is not a date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateError {
    /// Not written in any accepted form.
    Format,
    /// Well-formed, but the month is not 1–12.
    NoSuchMonth { month: u32 },
    /// Well-formed, month 1–12, but the month has no such day (day 0, 2月30日, 2月29日 outside a
    /// leap year).
    NoSuchDay { year: i32, month: u32, day: u32 },
}

/// The number of days of `month` (1–12) in `year`; 0 for a month that does not exist.
pub fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if NaiveDate::from_ymd_opt(year, 2, 29).is_some() => 29,
        2 => 28,
        _ => 0,
    }
}

/// The calendar date `year`-`month`-`day`, or which part of it does not exist.
pub fn calendar_date(year: i32, month: u32, day: u32) -> Result<NaiveDate, DateError> {
    if !(1..=12).contains(&month) {
        return Err(DateError::NoSuchMonth { month });
    }
    NaiveDate::from_ymd_opt(year, month, day).ok_or(DateError::NoSuchDay { year, month, day })
}

/// Parse a calendar date in any of the forms clerks and spreadsheets produce.
///
/// Errors: [`DateError::Format`] when the text is none of the forms (four-digit year, month and
/// day of one or two digits); [`DateError::NoSuchMonth`] / [`DateError::NoSuchDay`] when it is
/// well-formed but the calendar has no such day.
pub fn parse_date(input: &str) -> Result<NaiveDate, DateError> {
    // Typed in a Chinese input method's full-width mode: `２０１６－０３－０１`.
    let narrowed = super::text::narrow_width(input);
    let s = narrowed.trim();
    let (y, m, d) = if s.len() == 8 && s.bytes().all(|b| b.is_ascii_digit()) {
        (&s[0..4], &s[4..6], &s[6..8])
    } else {
        // A spreadsheet datetime "2017-03-01 00:00:00" or "2017-03-01T00:00:00": keep the date.
        let s = s.split([' ', 'T']).next().unwrap_or(s);
        let s = s.strip_suffix('日').unwrap_or(s);
        let parts: Vec<&str> = s.split(['-', '/', '.', '年', '月']).collect();
        if parts.len() != 3
            || parts
                .iter()
                .any(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()))
        {
            return Err(DateError::Format);
        }
        if parts[0].len() != 4 || parts[1].len() > 2 || parts[2].len() > 2 {
            return Err(DateError::Format);
        }
        (parts[0], parts[1], parts[2])
    };
    let number = |p: &str| p.parse::<u32>().map_err(|_| DateError::Format);
    let year = i32::try_from(number(y)?).map_err(|_| DateError::Format)?;
    calendar_date(year, number(m)?, number(d)?)
}

impl DateError {
    /// What does not exist, without a preamble: "2月没有30日（2017年2月只有28天）". Empty for
    /// [`DateError::Format`], whose explanation is the list of forms ([`Describe`]).
    pub fn reason(&self, lang: Lang) -> String {
        match (*self, lang) {
            (DateError::Format, _) => String::new(),
            (DateError::NoSuchMonth { month }, Lang::Zh) => {
                format!("月份{month}不存在（应为1至12）")
            }
            (DateError::NoSuchMonth { month }, Lang::En) => {
                format!("there is no month {month} (months are 1 to 12)")
            }
            (DateError::NoSuchDay { day: 0, .. }, Lang::Zh) => "日期中的日不能为0".into(),
            (DateError::NoSuchDay { day: 0, .. }, Lang::En) => "there is no day 0".into(),
            (
                DateError::NoSuchDay {
                    year,
                    month: 2,
                    day: 29,
                },
                Lang::Zh,
            ) => {
                format!("{year}年不是闰年，2月没有29日")
            }
            (
                DateError::NoSuchDay {
                    year,
                    month: 2,
                    day: 29,
                },
                Lang::En,
            ) => {
                format!("{year} is not a leap year: February has no 29th day")
            }
            (DateError::NoSuchDay { year, month, day }, Lang::Zh) => {
                let n = days_in_month(year, month);
                format!("{month}月没有{day}日（{year}年{month}月只有{n}天）")
            }
            (DateError::NoSuchDay { year, month, day }, Lang::En) => {
                let n = days_in_month(year, month);
                format!("month {month} has no day {day} (it has {n} days in {year})")
            }
        }
    }
}

impl Describe for DateError {
    fn describe(&self, lang: Lang) -> String {
        match (self, lang) {
            (DateError::Format, Lang::Zh) => {
                "日期无法识别，应写成 2017-03-01、2017/3/1 或 2017年3月1日".into()
            }
            (DateError::Format, Lang::En) => {
                "not a date: expected e.g. 2017-03-01, 2017/3/1 or 2017年3月1日".into()
            }
            (_, Lang::Zh) => format!("日期不存在：{}", self.reason(lang)),
            (_, Lang::En) => format!("no such date: {}", self.reason(lang)),
        }
    }
}

/// A 年度 (the year an entry counts for, R2.1) as a clerk or a roster writes it: `2017`,
/// `2017年`, or `2017.0` (a spreadsheet's number cell saved as text keeps its decimals), in
/// ASCII or full-width digits (`２０１７`). `None` for anything else, a fraction of a year
/// among them. Whether the year fits the training's dates is the caller's to judge.
pub fn whole_year(text: &str) -> Option<i32> {
    let narrowed = super::text::narrow_width(text);
    let text = narrowed.trim().trim_end_matches('年').trim();
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    if whole.is_empty()
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !fraction.bytes().all(|b| b == b'0')
    {
        return None;
    }
    whole.parse().ok()
}

/// A date written as its `Display` writes it (`2016-03-05`): for the years a roster can hold
/// (0 to 9999) without the formatting machinery and without allocating, since an import
/// writes two dates a row into the database and one into its record (issue 10); any other
/// year through `Display` itself.
#[derive(Debug, Clone)]
pub enum IsoDate {
    Short([u8; 10]),
    Long(String),
}

impl IsoDate {
    pub fn new(d: NaiveDate) -> IsoDate {
        use chrono::Datelike;
        let year = d.year();
        let Ok(year @ 0..=9999) = u32::try_from(year) else {
            return IsoDate::Long(d.to_string());
        };
        let mut b = *b"0000-00-00";
        let mut put = |at: usize, width: usize, mut v: u32| {
            for k in (at..at + width).rev() {
                b[k] = b'0' + (v % 10) as u8;
                v /= 10;
            }
        };
        put(0, 4, year);
        put(5, 2, d.month());
        put(8, 2, d.day());
        IsoDate::Short(b)
    }

    pub fn as_str(&self) -> &str {
        match self {
            // Only ASCII digits and dashes are ever written into it.
            IsoDate::Short(b) => std::str::from_utf8(b).unwrap_or("0000-00-00"),
            IsoDate::Long(s) => s,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn the_forms_of_interfaces_md() {
        assert_eq!(parse_date("2017-03-01"), Ok(d(2017, 3, 1)));
        assert_eq!(parse_date("2017/3/1"), Ok(d(2017, 3, 1)));
        assert_eq!(parse_date("2017年3月1日"), Ok(d(2017, 3, 1)));
        assert_eq!(parse_date("2017.03.01"), Ok(d(2017, 3, 1)));
        assert_eq!(parse_date("20170301"), Ok(d(2017, 3, 1)));
        assert_eq!(parse_date("2017-03-01 00:00:00"), Ok(d(2017, 3, 1)));
    }

    #[test]
    fn feb_29_only_in_leap_years() {
        assert_eq!(parse_date("2016-02-29"), Ok(d(2016, 2, 29)));
        assert_eq!(
            parse_date("2017-02-29"),
            Err(DateError::NoSuchDay {
                year: 2017,
                month: 2,
                day: 29
            })
        );
        assert_eq!(parse_date("2000/2/29"), Ok(d(2000, 2, 29)));
        // A century is a leap year only when divisible by 400.
        assert!(matches!(
            parse_date("1900/2/29"),
            Err(DateError::NoSuchDay { year: 1900, .. })
        ));
    }

    // Point 6 of issue 7: a well-formed date that does not exist says what does not exist, in
    // every form, and never lists the formats.
    #[test]
    fn an_impossible_date_names_what_does_not_exist() {
        let feb30 = DateError::NoSuchDay {
            year: 2017,
            month: 2,
            day: 30,
        };
        for s in [
            "2017-02-30",
            "2017/2/30",
            "2017年2月30日",
            "20170230",
            "2017.02.30",
        ] {
            assert_eq!(parse_date(s), Err(feb30), "{s}");
        }
        assert_eq!(
            feb30.describe(Lang::Zh),
            "日期不存在：2月没有30日（2017年2月只有28天）"
        );
        assert_eq!(
            feb30.describe(Lang::En),
            "no such date: month 2 has no day 30 (it has 28 days in 2017)"
        );

        let m13 = parse_date("2017/13/1").unwrap_err();
        assert_eq!(m13, DateError::NoSuchMonth { month: 13 });
        assert_eq!(
            m13.describe(Lang::Zh),
            "日期不存在：月份13不存在（应为1至12）"
        );
        assert!(m13.describe(Lang::En).contains("there is no month 13"));
        assert_eq!(parse_date("20171301"), Err(m13));
        assert_eq!(
            parse_date("2017-00-10"),
            Err(DateError::NoSuchMonth { month: 0 })
        );

        let leap = parse_date("2017年2月29日").unwrap_err();
        assert_eq!(
            leap.describe(Lang::Zh),
            "日期不存在：2017年不是闰年，2月没有29日"
        );
        assert_eq!(
            leap.describe(Lang::En),
            "no such date: 2017 is not a leap year: February has no 29th day"
        );

        let april31 = parse_date("2017-4-31").unwrap_err();
        assert_eq!(april31.reason(Lang::Zh), "4月没有31日（2017年4月只有30天）");

        let day0 = parse_date("2017-03-00").unwrap_err();
        assert_eq!(day0.reason(Lang::Zh), "日期中的日不能为0");
        assert_eq!(day0.reason(Lang::En), "there is no day 0");
        for e in [feb30, m13, leap, april31, day0] {
            assert!(!e.describe(Lang::Zh).contains("2017/3/1"), "{e:?}");
            assert!(!e.describe(Lang::En).contains("2017/3/1"), "{e:?}");
        }
    }

    #[test]
    fn a_malformed_date_keeps_the_list_of_forms() {
        for s in [
            "",
            "2017",
            "17-3-1",
            "2017-3-1-1",
            "三月一日",
            "2017--1",
            "2017-003-01",
        ] {
            assert_eq!(parse_date(s), Err(DateError::Format), "{s}");
        }
        let zh = DateError::Format.describe(Lang::Zh);
        assert!(zh.contains("2017-03-01、2017/3/1 或 2017年3月1日"), "{zh}");
        assert!(DateError::Format.describe(Lang::En).contains("2017/3/1"));
    }

    #[test]
    fn days_in_month_follows_the_gregorian_calendar() {
        assert_eq!(days_in_month(2016, 2), 29);
        assert_eq!(days_in_month(2017, 2), 28);
        assert_eq!(days_in_month(2000, 2), 29);
        assert_eq!(days_in_month(1900, 2), 28);
        assert_eq!(days_in_month(2017, 12), 31);
        assert_eq!(days_in_month(2017, 13), 0);
    }

    proptest! {
        #[test]
        fn every_date_round_trips_in_every_form(days in 0i64..60000) {
            let date = d(1950, 1, 1) + chrono::Duration::days(days);
            for f in ["%Y-%m-%d", "%Y/%-m/%-d", "%Y年%-m月%-d日", "%Y%m%d"] {
                prop_assert_eq!(parse_date(&date.format(f).to_string()), Ok(date));
            }
        }

        // Every well-formed year, month and day is either a date or says which part is missing.
        #[test]
        fn well_formed_is_a_date_or_names_the_missing_part(y in 1000i32..9999, m in 0u32..100, day in 0u32..100) {
            match parse_date(&format!("{y}-{m}-{day}")) {
                Ok(date) => prop_assert_eq!(date, d(y, m, day)),
                Err(DateError::NoSuchMonth { month }) => prop_assert!(month == m && !(1..=12).contains(&m)),
                Err(DateError::NoSuchDay { year, month, day: dd }) => {
                    prop_assert_eq!((year, month, dd), (y, m, day));
                    prop_assert!(day == 0 || day > days_in_month(y, m));
                }
                Err(DateError::Format) => prop_assert!(false, "well-formed"),
            }
        }

        /// A year written as digits, with 年, as a number's text or in full-width digits is
        /// that year; with a fraction, or any other text, it is no year.
        #[test]
        fn whole_year_reads_the_forms_of_a_year(y in 1000i32..9999, tenths in 1u32..10) {
            let wide: String = y.to_string().chars()
                .map(|c| char::from_u32(c as u32 + 0xFEE0).unwrap_or(c)).collect();
            for form in [y.to_string(), format!("{y}年"), format!("{y}.0"), format!(" {y}.00 "), wide.clone(), format!("{wide}年")] {
                prop_assert_eq!(whole_year(&form), Some(y), "{}", form);
            }
            for form in [format!("{y}.{tenths}"), format!("-{y}"), format!("{y}a"), String::new(), "年".to_string()] {
                prop_assert_eq!(whole_year(&form), None, "{}", form);
            }
        }

        /// A date typed in full-width digits and separators is the same date.
        #[test]
        fn full_width_dates_are_read(days in 0i64..60000) {
            let date = d(1950, 1, 1) + chrono::Duration::days(days);
            for f in ["%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y%m%d"] {
                let wide: String = date
                    .format(f)
                    .to_string()
                    .chars()
                    .map(|c| match c {
                        '!'..='~' => char::from_u32(c as u32 + 0xFEE0).unwrap_or(c),
                        c => c,
                    })
                    .collect();
                prop_assert_eq!(parse_date(&wide), Ok(date), "{}", wide);
            }
        }

        /// A date as the database and the import's record hold it is what `Display` writes,
        /// for every year chrono can hold (those a roster can hold made the short way).
        #[test]
        fn iso_date_writes_what_display_writes(days in -4_000_000i64..4_000_000) {
            let date = d(2000, 1, 1) + chrono::Duration::days(days);
            let iso = IsoDate::new(date);
            prop_assert_eq!(iso.as_str(), date.to_string());
        }

        #[test]
        fn parser_is_total(s in "\\PC{0,20}") {
            let _ = parse_date(&s);
        }
    }
}
