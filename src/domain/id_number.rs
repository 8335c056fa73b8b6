//! R1.1 The 18-character resident ID number (GB 11643-1999).

use std::fmt;

use chrono::NaiveDate;

use crate::i18n::{Describe, Lang};

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK_CHARS: &[u8; 11] = b"10X98765432";

/// A valid ID number, upper-case `X` only.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct IdNumber(String);

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdError {
    Empty,
    Length(usize),
    /// 1-based position of a character that must be a digit.
    NotDigit(usize),
    /// The eight birth-date digits are not a calendar date (or before 1900).
    BirthDate(String),
    Checksum {
        expected: char,
        found: char,
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
    /// R1.1 Parse and validate. Full-width digits and a lower-case `x` (both common from Chinese
    /// input methods) are accepted and stored in the canonical form.
    pub fn parse(input: &str) -> Result<IdNumber, IdError> {
        let s: String = input
            .trim()
            .chars()
            .map(|c| match c {
                '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
                'x' | 'ｘ' | 'Ｘ' => 'X',
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
        let birth = &s[6..14];
        if birth_date(birth).is_none() {
            return Err(IdError::BirthDate(birth.to_string()));
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

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// GB/T 2260 code of the region where the number was issued.
    pub fn region_code(&self) -> &str {
        &self.0[..6]
    }

    pub fn birth_date(&self) -> NaiveDate {
        // Validated in `parse`; the fallback is unreachable but keeps this total.
        birth_date(&self.0[6..14]).unwrap_or_default()
    }

    /// Build a valid number from its parts (demo data, tests).
    pub fn compose(region: &str, birth: NaiveDate, sequence: u16) -> Option<IdNumber> {
        let head = format!("{region}{}{:03}", birth.format("%Y%m%d"), sequence % 1000);
        let bytes: [u8; 17] = head.as_bytes().try_into().ok()?;
        if !bytes.iter().all(u8::is_ascii_digit) {
            return None;
        }
        IdNumber::parse(&format!("{head}{}", check_char(&bytes))).ok()
    }
}

fn birth_date(digits: &str) -> Option<NaiveDate> {
    let y: i32 = digits.get(0..4)?.parse().ok()?;
    let m: u32 = digits.get(4..6)?.parse().ok()?;
    let d: u32 = digits.get(6..8)?.parse().ok()?;
    if y < 1900 {
        return None;
    }
    NaiveDate::from_ymd_opt(y, m, d)
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
            (IdError::BirthDate(b), Lang::Zh) => {
                format!("身份证号中的出生日期{b}不是有效日期")
            }
            (IdError::BirthDate(b), Lang::En) => {
                format!("the birth date {b} in the ID number is not a valid date")
            }
            (IdError::Checksum { expected, found }, Lang::Zh) => {
                format!("身份证号校验位错误：末位为{found}，应为{expected}")
            }
            (IdError::Checksum { expected, found }, Lang::En) => {
                format!("wrong check character {found}: expected {expected}")
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

    #[test]
    fn r1_1_impossible_birth_dates_are_refused() {
        // 1999 is not a leap year; 2000 is.
        let bad = IdNumber::compose("430102", NaiveDate::from_ymd_opt(2000, 2, 29).unwrap(), 1)
            .unwrap()
            .as_str()
            .replacen("20000229", "19990229", 1);
        assert!(matches!(IdNumber::parse(&bad), Err(IdError::BirthDate(b)) if b == "19990229"));
        assert!(IdNumber::parse(&VALID.replacen("1231", "1331", 1)).is_err());
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
        }
    }
}
