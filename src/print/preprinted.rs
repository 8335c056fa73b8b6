//! R7.5 Printing on the province's pre-printed forms: only the variable fields, each at a line
//! and column read from the configuration, shifted by a global offset the clerk adjusts with the
//! alignment test page until the text sits in the blanks.

use chrono::Datelike;
use serde::Deserialize;

use super::layout::FORM_FEED;
use crate::domain::certificate::{CertificateText, chinese_count, chinese_year};
use crate::domain::text::clean_line;

/// A place on the form: 1-based line and display column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub struct At {
    pub line: usize,
    pub col: usize,
}

const fn at(line: usize, col: usize) -> At {
    At { line, col }
}

/// Where each variable field goes. The defaults suit the blank form of attachment 1 printed
/// from the top of a 66-line page; every bureau's printer differs, hence the offsets.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Positions {
    /// Added to every line: positive moves the text down.
    pub line_offset: i32,
    /// Added to every column: positive moves the text right.
    pub col_offset: i32,
    /// Lines on one form, for the form feed that ends it.
    pub page_lines: usize,
    pub stub_name: At,
    pub stub_unit: At,
    pub stub_title: At,
    pub stub_number: At,
    pub stub_clerk: At,
    pub stub_phone: At,
    /// The stub's date: the form prints 二〇 and leaves the last two year digits, month and day.
    pub stub_year: At,
    pub stub_month: At,
    pub stub_day: At,
    pub name: At,
    pub from: At,
    pub to: At,
    pub number: At,
    pub year: At,
    pub month: At,
    pub day: At,
}

impl Default for Positions {
    fn default() -> Positions {
        Positions {
            line_offset: 0,
            col_offset: 0,
            page_lines: 66,
            stub_name: at(6, 14),
            stub_unit: at(8, 14),
            stub_title: at(10, 14),
            stub_number: at(12, 14),
            stub_clerk: at(14, 14),
            stub_phone: at(16, 14),
            stub_year: at(18, 16),
            stub_month: at(18, 24),
            stub_day: at(18, 30),
            name: at(32, 20),
            from: at(32, 40),
            to: at(32, 52),
            number: at(40, 36),
            year: at(44, 50),
            month: at(44, 58),
            day: at(44, 64),
        }
    }
}

/// A page of fixed lines, written by display column.
struct Canvas {
    lines: Vec<Vec<char>>,
    width: usize,
}

impl Canvas {
    fn new(lines: usize, width: usize) -> Canvas {
        Canvas {
            lines: vec![Vec::new(); lines],
            width,
        }
    }

    /// Put `text` at (line, col) after offsets; text past the right margin is cut there, a
    /// place above the page or below its end is dropped (the preview shows it missing).
    fn put(&mut self, p: &Positions, place: At, text: &str) {
        let line = place.line as i64 - 1 + i64::from(p.line_offset);
        let col = place.col as i64 - 1 + i64::from(p.col_offset);
        if line < 0 || line as usize >= self.lines.len() {
            return;
        }
        let row = &mut self.lines[line as usize];
        let mut c = col.max(0) as usize;
        for ch in text.chars() {
            let w = unicode_width::UnicodeWidthChar::width(ch).unwrap_or(0);
            if c + w > self.width {
                break;
            }
            if row.len() < c + w {
                row.resize(c + w, ' ');
            }
            row[c] = ch;
            // A wide character covers the next column: mark it so rendering skips it.
            for k in 1..w {
                row[c + k] = '\0';
            }
            c += w;
        }
    }

    fn render(&self) -> String {
        let mut out: Vec<String> = self
            .lines
            .iter()
            .map(|l| {
                l.iter()
                    .filter(|c| **c != '\0')
                    .collect::<String>()
                    .trim_end()
                    .to_string()
            })
            .collect();
        while out.last().is_some_and(String::is_empty) {
            out.pop();
        }
        let mut page = out.join("\n");
        page.push('\n');
        page.push(FORM_FEED);
        page
    }
}

/// The two digits the form leaves after its printed 二〇: 2017 → 一七.
fn year_tail(year: i32) -> String {
    chinese_year(year).chars().skip(2).collect()
}

fn count(n: u32) -> String {
    chinese_count(n)
}

fn month(n: u32) -> String {
    chinese_count(n)
}

/// Only the variable fields, at their places.
pub fn fields(cert: &CertificateText, p: &Positions, width: usize, reprint: bool) -> String {
    let mut c = Canvas::new(p.page_lines.max(1), width);
    let d = cert.date;
    let number = cert.number.to_string();
    c.put(p, p.stub_name, &clean_line(&cert.name));
    c.put(p, p.stub_unit, &clean_line(&cert.unit));
    c.put(p, p.stub_title, &clean_line(&cert.title));
    c.put(p, p.stub_number, &number);
    c.put(p, p.stub_clerk, &clean_line(&cert.clerk));
    c.put(p, p.stub_phone, &clean_line(&cert.phone));
    c.put(p, p.stub_year, &year_tail(d.year()));
    c.put(p, p.stub_month, &month(d.month()));
    c.put(p, p.stub_day, &count(d.day()));
    c.put(p, p.name, &clean_line(&cert.name));
    c.put(p, p.from, &cert.from.to_string());
    c.put(p, p.to, &cert.to.to_string());
    c.put(p, p.number, &number);
    c.put(p, p.year, &year_tail(d.year()));
    c.put(p, p.month, &month(d.month()));
    c.put(p, p.day, &count(d.day()));
    if reprint {
        c.put(p, at(1, 1), "【补打 REPRINT】");
    }
    c.render()
}

/// The alignment test page: a column ruler on the first line and each field's name in brackets
/// at its place, so the clerk sees how far to move the offsets.
pub fn alignment_page(p: &Positions, width: usize) -> String {
    let mut c = Canvas::new(p.page_lines.max(1), width);
    let ruler: String = (1..=width)
        .map(|i| {
            if i % 10 == 0 {
                char::from_digit(((i / 10) % 10) as u32, 10).unwrap_or('0')
            } else if i % 5 == 0 {
                '+'
            } else {
                '.'
            }
        })
        .collect();
    let zero = Positions {
        line_offset: 0,
        col_offset: 0,
        ..p.clone()
    };
    c.put(&zero, at(1, 1), &ruler);
    let places = [
        (p.stub_name, "[存根姓名]"),
        (p.stub_unit, "[存根单位]"),
        (p.stub_title, "[存根职称]"),
        (p.stub_number, "[存根编号]"),
        (p.stub_clerk, "[经办人]"),
        (p.stub_phone, "[联系电话]"),
        (p.stub_year, "[年]"),
        (p.stub_month, "[月]"),
        (p.stub_day, "[日]"),
        (p.name, "[姓名]"),
        (p.from, "[起]"),
        (p.to, "[止]"),
        (p.number, "[证明编号]"),
        (p.year, "[年]"),
        (p.month, "[月]"),
        (p.day, "[日]"),
    ];
    for (place, label) in places {
        c.put(p, place, label);
    }
    c.render()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::text::width;

    fn cert() -> CertificateText {
        CertificateText {
            name: "欧阳娜娜".into(),
            unit: "湖南省交通规划勘察设计院有限公司".into(),
            title: "高级工程师".into(),
            number: crate::domain::certificate::CertificateNumber {
                office: "省直".into(),
                year: 2017,
                sequence: 12,
            },
            clerk: "王芳".into(),
            phone: "0731-88888888".into(),
            from: 2012,
            to: 2016,
            date: chrono::NaiveDate::from_ymd_opt(2017, 7, 15).unwrap(),
        }
    }

    #[test]
    fn r7_5_only_the_variable_fields_at_their_places() {
        let p = Positions::default();
        let page = fields(&cert(), &p, 80, false);
        let lines: Vec<&str> = page.lines().collect();
        let at = |a: At| -> String {
            // The text starting at display column a.col of line a.line.
            let line = lines[a.line - 1];
            let mut col = 1;
            let mut out = String::new();
            for ch in line.chars() {
                if col >= a.col {
                    out.push(ch);
                }
                col += unicode_width::UnicodeWidthChar::width(ch).unwrap_or(0);
            }
            out
        };
        assert!(at(p.stub_name).starts_with("欧阳娜娜"));
        assert!(at(p.name).starts_with("欧阳娜娜"));
        assert!(at(p.number).starts_with("省直—2017—0012"));
        assert!(at(p.stub_year).starts_with("一七"));
        assert!(at(p.month).starts_with("七"));
        assert!(at(p.day).starts_with("十五"));
        assert!(!page.contains("根据"), "no pre-printed text");
        assert!(page.ends_with('\u{c}'));
        assert!(page.lines().all(|l| width(l) <= 80));
    }

    #[test]
    fn r7_5_offsets_move_every_field() {
        let p = Positions {
            line_offset: 2,
            col_offset: 3,
            ..Positions::default()
        };
        let moved = fields(&cert(), &p, 80, false);
        let base = fields(&cert(), &Positions::default(), 80, false);
        let find = |page: &str| {
            page.lines()
                .enumerate()
                .find(|(_, l)| l.contains("0731-88888888"))
                .map(|(i, l)| (i, width(&l[..l.find("0731").unwrap()])))
                .unwrap()
        };
        let (l0, c0) = find(&base);
        let (l1, c1) = find(&moved);
        assert_eq!((l1 - l0, c1 - c0), (2, 3));
    }

    #[test]
    fn alignment_page_has_a_ruler_and_every_field_label() {
        let page = alignment_page(&Positions::default(), 80);
        assert!(page.starts_with("....+....1....+....2"));
        for label in ["[存根姓名]", "[姓名]", "[证明编号]", "[经办人]"] {
            assert!(page.contains(label), "{label}");
        }
        assert!(page.lines().all(|l| width(l) <= 80));
    }

    #[test]
    fn chinese_numerals_for_the_date_blanks() {
        assert_eq!(year_tail(2017), "一七");
        assert_eq!(month(12), "十二");
        assert_eq!(count(31), "三十一");
        assert_eq!(count(1), "一");
    }
}
