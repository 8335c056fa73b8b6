//! R7.1, R7.2 The certificate of compliance (合格证明): its number and its exact text.

use std::fmt;

use chrono::{Datelike, NaiveDate};

/// R7.2 (市州)—(年度)—(四位数编号), e.g. 长沙—2017—0001. The separator is the em dash of the
/// notice's sample.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CertificateNumber {
    pub office: String,
    pub year: i32,
    pub sequence: u32,
}

pub const NUMBER_SEPARATOR: char = '—';

impl CertificateNumber {
    /// Accepts the em dash, a hyphen or a full-width hyphen between the parts, since clerks type
    /// the number on keyboards without an em dash.
    pub fn parse(s: &str) -> Option<CertificateNumber> {
        let parts: Vec<&str> = s
            .trim()
            .split([NUMBER_SEPARATOR, '-', '－', '–'])
            .map(str::trim)
            .collect();
        let [office, year, seq] = parts.as_slice() else {
            return None;
        };
        if office.is_empty() || year.len() != 4 || seq.len() < 4 {
            return None;
        }
        Some(CertificateNumber {
            office: office.to_string(),
            year: year.parse().ok()?,
            sequence: seq.parse().ok().filter(|n| *n > 0)?,
        })
    }
}

impl fmt::Display for CertificateNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sep = NUMBER_SEPARATOR;
        write!(
            f,
            "{}{sep}{}{sep}{:04}",
            self.office, self.year, self.sequence
        )
    }
}

const DIGITS: [char; 10] = ['〇', '一', '二', '三', '四', '五', '六', '七', '八', '九'];

/// R7.1 A year digit by digit: 2017 → 二〇一七.
pub fn chinese_year(year: i32) -> String {
    year.to_string()
        .chars()
        .map(|c| c.to_digit(10).map_or(c, |d| DIGITS[d as usize]))
        .collect()
}

/// 1..=31 as counted: 十, 十五, 二十, 三十一.
pub fn chinese_count(n: u32) -> String {
    let (tens, ones) = (n / 10, n % 10);
    let mut s = String::new();
    if tens > 1 {
        s.push(DIGITS[tens as usize]);
    }
    if tens > 0 {
        s.push('十');
    }
    if ones > 0 || tens == 0 {
        s.push(DIGITS[ones as usize]);
    }
    s
}

/// R7.1 二〇一七年七月十五日.
pub fn chinese_date(d: NaiveDate) -> String {
    format!(
        "{}年{}月{}日",
        chinese_year(d.year()),
        chinese_count(d.month()),
        chinese_count(d.day())
    )
}

/// Everything the certificate and its stub say (R7.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateText {
    pub name: String,
    pub unit: String,
    pub title: String,
    pub number: CertificateNumber,
    pub clerk: String,
    pub phone: String,
    pub from: i32,
    pub to: i32,
    pub date: NaiveDate,
}

pub const CERTIFICATE_TITLE: &str = "湖南省专业技术人员继续教育合格证明";

impl CertificateText {
    /// R7.1 The certificate's body, word for word as attachment 1.
    pub fn body(&self) -> String {
        format!(
            "根据《专业技术人员继续教育规定》(人社部令第 25 号)精神,{} 同志自 {} 年至 {} 年(近五年)参加继续教育时间,符合申报副高以上专业技术职称的继续教育要求。特此证明。",
            self.name, self.from, self.to
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn r7_2_number_format_and_parse() {
        let n = CertificateNumber {
            office: "长沙".into(),
            year: 2017,
            sequence: 1,
        };
        assert_eq!(n.to_string(), "长沙—2017—0001");
        assert_eq!(CertificateNumber::parse("长沙—2017—0001"), Some(n.clone()));
        assert_eq!(CertificateNumber::parse("长沙-2017-0001"), Some(n));
        assert_eq!(CertificateNumber::parse("长沙-2017-0000"), None);
        assert_eq!(CertificateNumber::parse("长沙-17-0001"), None);
        let big = CertificateNumber {
            office: "省直".into(),
            year: 2017,
            sequence: 12345,
        };
        assert_eq!(CertificateNumber::parse(&big.to_string()), Some(big));
    }

    #[test]
    fn r7_1_dates_in_chinese_numerals() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        assert_eq!(chinese_date(d(2017, 7, 15)), "二〇一七年七月十五日");
        assert_eq!(chinese_date(d(2020, 10, 1)), "二〇二〇年十月一日");
        assert_eq!(chinese_date(d(2016, 2, 29)), "二〇一六年二月二十九日");
        assert_eq!(chinese_date(d(2018, 12, 31)), "二〇一八年十二月三十一日");
        assert_eq!(chinese_date(d(2019, 11, 20)), "二〇一九年十一月二十日");
    }

    #[test]
    fn r7_1_body_is_the_notices_text() {
        let t = CertificateText {
            name: "张伟".into(),
            unit: "长沙市第一医院".into(),
            title: "主治医师".into(),
            number: CertificateNumber {
                office: "长沙".into(),
                year: 2017,
                sequence: 1,
            },
            clerk: "王芳".into(),
            phone: "0731-88888888".into(),
            from: 2012,
            to: 2016,
            date: NaiveDate::from_ymd_opt(2017, 7, 15).unwrap(),
        };
        assert_eq!(
            t.body(),
            "根据《专业技术人员继续教育规定》(人社部令第 25 号)精神,张伟 同志自 2012 年至 2016 年(近五年)参加继续教育时间,符合申报副高以上专业技术职称的继续教育要求。特此证明。"
        );
    }
}
