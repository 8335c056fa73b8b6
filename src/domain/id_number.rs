//! R1.1 The 18-character resident ID number (GB 11643-1999).
//!
//! Two checks, kept apart on purpose:
//!
//! - **Well-formed** ([`IdNumber::parse`]): 18 characters, 17 digits and a check character, a
//!   birth date the calendar has, the right check character. Every use of an ID number needs
//!   this, lookups included (`check`, `issue`, search, `:ID` in the terminal interface, entries
//!   and applicants rosters, which only name people already registered).
//! - **Plausible** ([`IdNumber::plausible`], [`IdNumber::parse_plausible`]): the first two digits
//!   are a real province-level division, the person is born on or after 1900-01-01 and not
//!   after today. Enforced where a person is *registered*: the people roster
//!   (`import::people::parse`), `service::records::create_person`, and the terminal person form
//!   as the number is typed, each with `today` from the clock of the `Actor`. It is not applied
//!   to lookups or to editing a registered person (whose number does not change), so a record
//!   stored before these rules existed stays reachable and correctable.

use std::fmt;

use chrono::NaiveDate;

use super::dates::{DateError, calendar_date};
use crate::i18n::{Describe, Lang};

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK_CHARS: &[u8; 11] = b"10X98765432";

/// R1.1 The earliest plausible birth date of a person on record.
pub const EARLIEST_BIRTH: NaiveDate = match NaiveDate::from_ymd_opt(1900, 1, 1) {
    Some(d) => d,
    None => NaiveDate::MIN,
};

/// R1.1 The province-level codes (first two digits) of GB/T 2260: 11–15 North, 21–23
/// North-east, 31–37 East, 41–46 Central-south, 50–54 South-west, 61–65 North-west, 71 Taiwan,
/// 81 Hong Kong, 82 Macao; and 83, which the residence permits of Hong Kong, Macao and Taiwan
/// residents (港澳台居民居住证, numbered by GB 11643 since 2018: 810000, 820000, 830000) use
/// for Taiwan residents — the same permits are the only numbers that begin with 81 or 82.
pub const PROVINCE_CODES: [&str; 35] = [
    "11", "12", "13", "14", "15", // 北京 天津 河北 山西 内蒙古
    "21", "22", "23", // 辽宁 吉林 黑龙江
    "31", "32", "33", "34", "35", "36",
    "37", // 上海 江苏 浙江 安徽 福建 江西 山东
    "41", "42", "43", "44", "45", "46", // 河南 湖北 湖南 广东 广西 海南
    "50", "51", "52", "53", "54", // 重庆 四川 贵州 云南 西藏
    "61", "62", "63", "64", "65", // 陕西 甘肃 青海 宁夏 新疆
    "71", "81", "82", "83", // 台湾 香港 澳门, 台湾居民居住证
];

/// Whether `code` (two digits) is a province-level code of [`PROVINCE_CODES`].
pub fn is_province_code(code: &str) -> bool {
    PROVINCE_CODES.contains(&code)
}

/// A well-formed ID number (R1.1), upper-case `X` only. Plausibility is checked separately,
/// against a `today` passed in: see the module documentation.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct IdNumber(String);

/// Why a text is not an ID number, or not a plausible one (R1.1). Each rule is its own variant,
/// described in both languages by [`Describe`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdError {
    Empty,
    /// The number of characters found (18 expected).
    Length(usize),
    /// 1-based position of a character that must be a digit.
    NotDigit(usize),
    /// The eight birth-date digits (as found, e.g. `19990229`) are not a calendar date, and why.
    BirthDate {
        digits: String,
        reason: DateError,
    },
    Checksum {
        expected: char,
        found: char,
    },
    /// Plausibility: the first two digits are not a province-level code of GB/T 2260.
    Province {
        code: String,
    },
    /// Plausibility: born before [`EARLIEST_BIRTH`] (1900-01-01).
    BornBefore1900 {
        birth: NaiveDate,
    },
    /// Plausibility: born after `today` (the day of the clock passed in).
    BornAfterToday {
        birth: NaiveDate,
        today: NaiveDate,
    },
}

/// R1.1 The check character for the first 17 digits.
pub fn check_char(first17: &[u8; 17]) -> char {
    let sum: u32 = first17
        .iter()
        .zip(WEIGHTS)
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    char::from(CHECK_CHARS[(sum % 11) as usize])
}

impl IdNumber {
    /// R1.1 Parse a well-formed number: 18 characters, digits, a calendar birth date, the check
    /// character. Full-width digits and a lower-case `x` (both common from Chinese input methods)
    /// are accepted and stored in the canonical form.
    ///
    /// This is the check for looking a person up. To register one, use
    /// [`IdNumber::parse_plausible`]. Errors: [`IdError::Empty`], [`IdError::Length`],
    /// [`IdError::NotDigit`], [`IdError::BirthDate`], [`IdError::Checksum`], in that order.
    pub fn parse(input: &str) -> Result<IdNumber, IdError> {
        let s: String = input
            .trim()
            .chars()
            .map(|c| match crate::domain::text::narrow_char(c) {
                'x' => 'X',
                c => c,
            })
            .collect();
        if s.is_empty() {
            return Err(IdError::Empty);
        }
        let n = s.chars().count();
        if n != 18 {
            return Err(IdError::Length(n));
        }
        let bytes = s.as_bytes();
        if let Some(pos) = bytes[..17].iter().position(|b| !b.is_ascii_digit()) {
            return Err(IdError::NotDigit(pos + 1));
        }
        let last = bytes[17];
        if !(last.is_ascii_digit() || last == b'X') {
            return Err(IdError::NotDigit(18));
        }
        let digits = &s[6..14];
        if let Err(reason) = birth_date(digits) {
            return Err(IdError::BirthDate {
                digits: digits.to_string(),
                reason,
            });
        }
        let mut first17 = [0u8; 17];
        first17.copy_from_slice(&bytes[..17]);
        let expected = check_char(&first17);
        if char::from(last) != expected {
            return Err(IdError::Checksum {
                expected,
                found: char::from(last),
            });
        }
        Ok(IdNumber(s))
    }

    /// R1.1 Parse as [`IdNumber::parse`], then require [`IdNumber::plausible`] against `today`:
    /// the check for registering or importing a person.
    pub fn parse_plausible(input: &str, today: NaiveDate) -> Result<IdNumber, IdError> {
        let id = IdNumber::parse(input)?;
        id.plausible(today)?;
        Ok(id)
    }

    /// R1.1 Whether this number can belong to a living professional on `today` (from the clock
    /// passed in, never read here): the first two digits are a province-level code of GB/T 2260
    /// ([`IdError::Province`]), and the birth date is on or after 1900-01-01
    /// ([`IdError::BornBefore1900`]) and not after `today` ([`IdError::BornAfterToday`]).
    pub fn plausible(&self, today: NaiveDate) -> Result<(), IdError> {
        let code = self.province_code();
        if !is_province_code(code) {
            return Err(IdError::Province {
                code: code.to_string(),
            });
        }
        let birth = self.birth_date();
        if birth < EARLIEST_BIRTH {
            return Err(IdError::BornBefore1900 { birth });
        }
        if birth > today {
            return Err(IdError::BornAfterToday { birth, today });
        }
        Ok(())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// GB/T 2260 code of the region where the number was issued (six digits).
    pub fn region_code(&self) -> &str {
        &self.0[..6]
    }

    /// The first two digits: the province-level part of [`IdNumber::region_code`].
    pub fn province_code(&self) -> &str {
        &self.0[..2]
    }

    /// The birth date of digits 7–14.
    pub fn birth_date(&self) -> NaiveDate {
        // Validated in `parse`; the fallback is unreachable but keeps this total.
        birth_date(&self.0[6..14]).unwrap_or_default()
    }

    /// Build a well-formed number from its parts (demo data, tests); `None` when `region` is not
    /// six digits. Plausibility is the caller's.
    pub fn compose(region: &str, birth: NaiveDate, sequence: u16) -> Option<IdNumber> {
        let head = format!("{region}{}{:03}", birth.format("%Y%m%d"), sequence % 1000);
        let bytes: [u8; 17] = head.as_bytes().try_into().ok()?;
        if !bytes.iter().all(u8::is_ascii_digit) {
            return None;
        }
        IdNumber::parse(&format!("{head}{}", check_char(&bytes))).ok()
    }
}

/// The date of eight ASCII digits `YYYYMMDD`, or what of it does not exist.
fn birth_date(digits: &str) -> Result<NaiveDate, DateError> {
    let part = |r: std::ops::Range<usize>| {
        digits
            .get(r)
            .and_then(|p| p.parse::<u32>().ok())
            .ok_or(DateError::Format)
    };
    let year = i32::try_from(part(0..4)?).map_err(|_| DateError::Format)?;
    calendar_date(year, part(4..6)?, part(6..8)?)
}

impl fmt::Display for IdNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Describe for IdError {
    fn describe(&self, lang: Lang) -> String {
        match (self, lang) {
            (IdError::Empty, Lang::Zh) => "身份证号不能为空".into(),
            (IdError::Empty, Lang::En) => "the ID number is empty".into(),
            (IdError::Length(n), Lang::Zh) => format!("身份证号应为18位，实为{n}位"),
            (IdError::Length(n), Lang::En) => {
                format!("an ID number has 18 characters, this one has {n}")
            }
            (IdError::NotDigit(p), Lang::Zh) => {
                format!("身份证号第{p}位应为数字（第18位可为X）")
            }
            (IdError::NotDigit(p), Lang::En) => {
                format!("character {p} of the ID number must be a digit (the 18th may be X)")
            }
            (IdError::BirthDate { digits, reason }, Lang::Zh) => format!(
                "身份证号中的出生日期{digits}不是有效日期：{}",
                reason.reason(lang)
            ),
            (IdError::BirthDate { digits, reason }, Lang::En) => format!(
                "the birth date {digits} in the ID number is not a valid date: {}",
                reason.reason(lang)
            ),
            (IdError::Checksum { expected, found }, Lang::Zh) => {
                format!("身份证号校验位错误：末位为{found}，应为{expected}")
            }
            (IdError::Checksum { expected, found }, Lang::En) => {
                format!("wrong check character {found}: expected {expected}")
            }
            (IdError::Province { code }, Lang::Zh) => {
                format!("身份证号前两位“{code}”不是有效的省级行政区划代码（GB/T 2260，如湖南为43）")
            }
            (IdError::Province { code }, Lang::En) => format!(
                "the first two digits \"{code}\" of the ID number are not a province-level division code (GB/T 2260; Hunan is 43)"
            ),
            (IdError::BornBefore1900 { birth }, Lang::Zh) => {
                format!("身份证号中的出生日期{birth}早于1900年，不是可信的出生日期")
            }
            (IdError::BornBefore1900 { birth }, Lang::En) => format!(
                "the birth date {birth} in the ID number is before 1900: not a plausible birth date"
            ),
            (IdError::BornAfterToday { birth, today }, Lang::Zh) => {
                format!("身份证号中的出生日期{birth}晚于今天（{today}）")
            }
            (IdError::BornAfterToday { birth, today }, Lang::En) => {
                format!("the birth date {birth} in the ID number is after today ({today})")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    // A published specimen number with a valid checksum.
    const VALID: &str = "11010519491231002X";

    #[test]
    fn r1_1_accepts_a_valid_number() {
        let id = IdNumber::parse(VALID).expect("valid");
        assert_eq!(id.as_str(), VALID);
        assert_eq!(id.region_code(), "110105");
        assert_eq!(
            id.birth_date(),
            NaiveDate::from_ymd_opt(1949, 12, 31).unwrap()
        );
    }

    #[test]
    fn r1_1_lower_case_x_is_stored_upper_case() {
        let id = IdNumber::parse("11010519491231002x").expect("valid");
        assert_eq!(id.as_str(), VALID);
    }

    #[test]
    fn r1_1_wrong_checksum_names_the_expected_character() {
        let err = IdNumber::parse("110105194912310021").unwrap_err();
        assert_eq!(
            err,
            IdError::Checksum {
                expected: 'X',
                found: '1'
            }
        );
        assert!(err.describe(Lang::Zh).contains("应为X"));
        assert!(err.describe(Lang::En).contains("expected X"));
    }

    /// A well-formed number with these first 17 digits (the check character computed).
    fn with_check(first17: &str) -> String {
        let bytes: [u8; 17] = first17.as_bytes().try_into().unwrap();
        format!("{first17}{}", check_char(&bytes))
    }

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    /// The day of issue 7, when the field cases were written.
    fn today() -> NaiveDate {
        day(2026, 11, 29)
    }

    #[test]
    fn r1_1_impossible_birth_dates_say_why() {
        // 1999 is not a leap year; 2000 is.
        let bad = with_check("43010219990229001");
        let err = IdNumber::parse(&bad).unwrap_err();
        assert_eq!(
            err,
            IdError::BirthDate {
                digits: "19990229".into(),
                reason: DateError::NoSuchDay {
                    year: 1999,
                    month: 2,
                    day: 29
                }
            }
        );
        assert_eq!(
            err.describe(Lang::Zh),
            "身份证号中的出生日期19990229不是有效日期：1999年不是闰年，2月没有29日"
        );
        assert_eq!(
            err.describe(Lang::En),
            "the birth date 19990229 in the ID number is not a valid date: 1999 is not a leap year: February has no 29th day"
        );
        let m13 = IdNumber::parse(&with_check("43010219491331002")).unwrap_err();
        assert!(
            m13.describe(Lang::Zh)
                .ends_with("不是有效日期：月份13不存在（应为1至12）")
        );
        assert!(m13.describe(Lang::En).contains("there is no month 13"));
        let feb30 = IdNumber::parse(&with_check("43010219900230002")).unwrap_err();
        assert!(
            feb30.describe(Lang::Zh).contains("2月没有30日"),
            "{feb30:?}"
        );
        assert!(feb30.describe(Lang::En).contains("month 2 has no day 30"));
    }

    // R1.1 Well-formed and plausible are separate: a real date long ago or after today is
    // well-formed (a lookup finds what is stored), and only registering refuses it.
    #[test]
    fn r1_1_real_dates_are_well_formed_whatever_the_year() {
        for first17 in [
            "43010211111111111",
            "43010218500101011",
            "43010220900401234",
            "43010220261225011",
        ] {
            let id = with_check(first17);
            assert!(IdNumber::parse(&id).is_ok(), "{id}");
        }
        assert_eq!(
            IdNumber::parse("430102185001010115").unwrap().birth_date(),
            day(1850, 1, 1)
        );
    }

    // R1.1 The four numbers of field case 04: each refused by the rule it breaks.
    #[test]
    fn r1_1_field_case_04_each_number_breaks_its_rule() {
        let future = IdNumber::parse_plausible("430102209004012347", today()).unwrap_err();
        assert_eq!(
            future,
            IdError::BornAfterToday {
                birth: day(2090, 4, 1),
                today: today()
            }
        );
        assert_eq!(
            future.describe(Lang::Zh),
            "身份证号中的出生日期2090-04-01晚于今天（2026-11-29）"
        );
        assert_eq!(
            future.describe(Lang::En),
            "the birth date 2090-04-01 in the ID number is after today (2026-11-29)"
        );

        let weeks = IdNumber::parse_plausible("43010220261225011X", today()).unwrap_err();
        assert_eq!(
            weeks,
            IdError::BornAfterToday {
                birth: day(2026, 12, 25),
                today: today()
            }
        );
        assert!(weeks.describe(Lang::Zh).contains("晚于今天（2026-11-29）"));

        for (id, birth) in [
            ("430102111111111118", day(1111, 11, 11)),
            ("430102185001010115", day(1850, 1, 1)),
        ] {
            let e = IdNumber::parse_plausible(id, today()).unwrap_err();
            assert_eq!(e, IdError::BornBefore1900 { birth });
            let zh = e.describe(Lang::Zh);
            assert!(zh.contains(&format!("出生日期{birth}早于1900年")), "{zh}");
            assert!(!zh.contains("不是有效日期"), "a real date is a date: {zh}");
            let en = e.describe(Lang::En);
            assert!(en.contains("before 1900"), "{en}");
            assert!(!en.contains("not a valid date"), "{en}");
        }
    }

    // R1.1 The boundaries: born today and born on 1900-01-01 are plausible; a day later or
    // earlier is not. `today` is the clock passed in, so the same number changes with it.
    #[test]
    fn r1_1_birth_boundaries_follow_the_clock() {
        let born = |d: NaiveDate| IdNumber::compose("430102", d, 11).unwrap();
        assert_eq!(born(today()).plausible(today()), Ok(()));
        assert!(matches!(
            born(day(2026, 11, 30)).plausible(today()),
            Err(IdError::BornAfterToday { .. })
        ));
        assert_eq!(born(day(2026, 11, 30)).plausible(day(2026, 11, 30)), Ok(()));
        assert_eq!(born(EARLIEST_BIRTH).plausible(today()), Ok(()));
        assert_eq!(
            born(day(1899, 12, 31)).plausible(today()),
            Err(IdError::BornBefore1900 {
                birth: day(1899, 12, 31)
            })
        );
    }

    // R1.1 The first two digits are a province-level division of GB/T 2260.
    #[test]
    fn r1_1_province_codes_of_gb_t_2260() {
        let valid: Vec<String> = (0..100)
            .map(|n| format!("{n:02}"))
            .filter(|c| is_province_code(c))
            .collect();
        let expected: Vec<String> = [11..=15, 21..=23, 31..=37, 41..=46, 50..=54, 61..=65]
            .into_iter()
            .flatten()
            .chain([71, 81, 82, 83])
            .map(|n| n.to_string())
            .collect();
        assert_eq!(valid, expected);

        let id = |region: &str| IdNumber::compose(region, day(1980, 1, 1), 11).unwrap();
        assert_eq!(id("430102").plausible(today()), Ok(()));
        assert_eq!(id("110105").plausible(today()), Ok(()));
        assert_eq!(id("810000").plausible(today()), Ok(()));
        for region in [
            "000000", "100000", "160101", "240101", "470101", "990101", "720000",
        ] {
            let e = id(region).plausible(today()).unwrap_err();
            assert_eq!(
                e,
                IdError::Province {
                    code: region[..2].to_string()
                }
            );
        }
        let e = id("990101").plausible(today()).unwrap_err();
        assert_eq!(
            e.describe(Lang::Zh),
            "身份证号前两位“99”不是有效的省级行政区划代码（GB/T 2260，如湖南为43）"
        );
        assert!(
            e.describe(Lang::En)
                .contains("\"99\" of the ID number are not a province-level division code")
        );
        // The province is checked before the birth date: one message, the first rule broken.
        let both = IdNumber::compose("990101", day(2090, 1, 1), 11).unwrap();
        assert!(matches!(
            both.plausible(today()),
            Err(IdError::Province { .. })
        ));
    }

    #[test]
    fn r1_1_parse_plausible_keeps_the_well_formed_errors() {
        assert_eq!(
            IdNumber::parse_plausible("4301", today()),
            Err(IdError::Length(4))
        );
        assert!(matches!(
            IdNumber::parse_plausible("110105194912310021", today()),
            Err(IdError::Checksum { .. })
        ));
        assert_eq!(
            IdNumber::parse_plausible(VALID, today()).unwrap().as_str(),
            VALID
        );
    }

    #[test]
    fn r1_1_length_and_digits() {
        assert_eq!(IdNumber::parse("4301"), Err(IdError::Length(4)));
        assert_eq!(IdNumber::parse(""), Err(IdError::Empty));
        assert_eq!(
            IdNumber::parse("1101051949123100AX"),
            Err(IdError::NotDigit(17))
        );
    }

    #[test]
    fn r1_1_full_width_digits_are_normalised() {
        let wide: String = VALID
            .chars()
            .map(|c| match c {
                '0'..='9' => char::from_u32(c as u32 - '0' as u32 + '０' as u32).unwrap(),
                c => c,
            })
            .collect();
        assert_eq!(IdNumber::parse(&wide).unwrap().as_str(), VALID);
    }

    proptest! {
        // R1.1 Every composed number validates, and changing its check character breaks it.
        #[test]
        fn r1_1_composed_numbers_validate(days in 0i64..40000, seq in 0u16..1000, other in 0usize..11) {
            let birth = NaiveDate::from_ymd_opt(1920, 1, 1).unwrap() + chrono::Duration::days(days);
            let id = IdNumber::compose("430102", birth, seq).unwrap();
            prop_assert_eq!(IdNumber::parse(id.as_str()).unwrap(), id.clone());
            let good = id.as_str().as_bytes()[17];
            let bad = CHECK_CHARS[other];
            if bad != good {
                let s = format!("{}{}", &id.as_str()[..17], char::from(bad));
                let is_checksum_error = matches!(IdNumber::parse(&s), Err(IdError::Checksum { .. }));
                prop_assert!(is_checksum_error);
            }
        }

        // R1.1 The parser never panics, whatever a roster holds.
        #[test]
        fn r1_1_parser_is_total(s in "\\PC{0,24}") {
            let _ = IdNumber::parse(&s);
            let _ = IdNumber::parse_plausible(&s, NaiveDate::MIN);
        }

        // R1.1 Any 18 digits: never a panic, and a well-formed number is plausible exactly when
        // its province and birth date are.
        #[test]
        fn r1_1_plausible_is_province_and_birth(head in "[0-9]{17}", days in 0i64..80000) {
            let today = NaiveDate::from_ymd_opt(1950, 1, 1).unwrap() + chrono::Duration::days(days);
            let id = with_check(&head);
            if let Ok(parsed) = IdNumber::parse(&id) {
                let b = parsed.birth_date();
                let ok = is_province_code(&head[..2]) && b >= EARLIEST_BIRTH && b <= today;
                prop_assert_eq!(parsed.plausible(today).is_ok(), ok);
            }
        }
    }
}
