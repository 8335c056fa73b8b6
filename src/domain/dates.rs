//! Dates as rosters write them: 2017-03-01, 2017/3/1, 2017.3.1, 2017年3月1日, 20170301.

use chrono::NaiveDate;

/// Parse a calendar date in any of the forms clerks and spreadsheets produce.
pub fn parse_date(input: &str) -> Option<NaiveDate> {
    let s = input.trim();
    if s.len() == 8 && s.bytes().all(|b| b.is_ascii_digit()) {
        return NaiveDate::parse_from_str(s, "%Y%m%d").ok();
    }
    // A spreadsheet datetime "2017-03-01 00:00:00" or "2017-03-01T00:00:00": keep the date.
    let s = s.split([' ', 'T']).next().unwrap_or(s);
    let s = s.strip_suffix('日').unwrap_or(s);
    let parts: Vec<&str> = s.split(['-', '/', '.', '年', '月']).collect();
    if parts.len() != 3
        || parts
            .iter()
            .any(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    if parts[0].len() != 4 || parts[1].len() > 2 || parts[2].len() > 2 {
        return None;
    }
    let y = parts[0].parse().ok()?;
    let m = parts[1].parse().ok()?;
    let d = parts[2].parse().ok()?;
    NaiveDate::from_ymd_opt(y, m, d)
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
        assert_eq!(parse_date("2017-03-01"), Some(d(2017, 3, 1)));
        assert_eq!(parse_date("2017/3/1"), Some(d(2017, 3, 1)));
        assert_eq!(parse_date("2017年3月1日"), Some(d(2017, 3, 1)));
        assert_eq!(parse_date("2017.03.01"), Some(d(2017, 3, 1)));
        assert_eq!(parse_date("20170301"), Some(d(2017, 3, 1)));
        assert_eq!(parse_date("2017-03-01 00:00:00"), Some(d(2017, 3, 1)));
    }

    #[test]
    fn feb_29_only_in_leap_years() {
        assert_eq!(parse_date("2016-02-29"), Some(d(2016, 2, 29)));
        assert_eq!(parse_date("2017-02-29"), None);
        assert_eq!(parse_date("2000/2/29"), Some(d(2000, 2, 29)));
        assert_eq!(parse_date("1900/2/29"), None);
    }

    #[test]
    fn junk_is_refused() {
        for s in [
            "",
            "2017",
            "17-3-1",
            "2017-13-01",
            "2017-3-1-1",
            "三月一日",
            "2017--1",
        ] {
            assert_eq!(parse_date(s), None, "{s}");
        }
    }

    proptest! {
        #[test]
        fn every_date_round_trips_in_every_form(days in 0i64..60000) {
            let date = d(1950, 1, 1) + chrono::Duration::days(days);
            for f in ["%Y-%m-%d", "%Y/%-m/%-d", "%Y年%-m月%-d日", "%Y%m%d"] {
                prop_assert_eq!(parse_date(&date.format(f).to_string()), Some(date));
            }
        }

        #[test]
        fn parser_is_total(s in "\\PC{0,20}") {
            let _ = parse_date(&s);
        }
    }
}
