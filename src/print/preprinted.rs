//! R7.5 Printing on the province's pre-printed forms: only the variable fields, each at a line
//! and column read from the configuration, shifted by a global offset the clerk adjusts with the
//! alignment test page until the text sits in the blanks.

use chrono::Datelike;
use serde::Deserialize;

use super::layout::FORM_FEED;
use super::width::PrintWidth;
use crate::domain::certificate::{CertificateText, chinese_count, chinese_year};
use crate::domain::text::{Columns, clean_line};

/// A place on the form: 1-based line and display column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub struct At {
    pub line: usize,
    pub col: usize,
}

pub(super) const fn at(line: usize, col: usize) -> At {
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
    /// The verification code on the stub (issue 9), printed with its label: the form has no
    /// blank for it.
    pub stub_code: At,
    pub name: At,
    pub from: At,
    pub to: At,
    pub number: At,
    /// The verification code on the certificate, with its label.
    pub code: At,
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
            stub_code: at(20, 14),
            name: at(32, 20),
            from: at(32, 40),
            to: at(32, 52),
            number: at(40, 36),
            code: at(42, 36),
            year: at(44, 50),
            month: at(44, 58),
            day: at(44, 64),
        }
    }
}

/// One column of a line on the page.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Cell {
    Blank,
    /// A character starting here (with any zero-width marks that follow it) and the columns it
    /// takes on the device.
    Text(String, usize),
    /// Covered by the wide character to the left.
    Covered,
}

/// A page of fixed lines, written by column as the device counts them, so a field lands where
/// the printer will put it whatever precedes it on the line. Shared with the record card's
/// pre-printed form (`super::card`).
pub(super) struct Canvas {
    lines: Vec<Vec<Cell>>,
    width: usize,
    device: PrintWidth,
}

impl Canvas {
    pub(super) fn new(lines: usize, device: PrintWidth, width: usize) -> Canvas {
        Canvas {
            lines: vec![Vec::new(); lines],
            width,
            device,
        }
    }

    /// Put `text` at (line, col) after offsets; text past the right margin is cut there, a
    /// place above the page or below its end is dropped (the preview shows it missing). Writing
    /// over part of a wide character blanks the rest of it, so later columns never shift.
    fn put(&mut self, p: &Positions, place: At, text: &str) {
        self.put_shifted((p.line_offset, p.col_offset), place, text);
    }

    /// [`Canvas::put`] with the offsets (lines down, columns right) given directly, for a form
    /// whose positions are not the certificate's.
    pub(super) fn put_shifted(&mut self, offset: (i32, i32), place: At, text: &str) {
        let line = place.line as i64 - 1 + i64::from(offset.0);
        let col = place.col as i64 - 1 + i64::from(offset.1);
        if line < 0 || line as usize >= self.lines.len() {
            return;
        }
        let device = self.device;
        let width = self.width;
        let row = &mut self.lines[line as usize];
        let mut c = col.max(0) as usize;
        let mut last: Option<usize> = None;
        for ch in text.chars() {
            let w = device.char_width(ch);
            if w == 0 {
                // A combining mark goes with the character before it, or nowhere.
                if let Some(Cell::Text(s, _)) = last.and_then(|at| row.get_mut(at)) {
                    s.push(ch);
                }
                continue;
            }
            if c + w > width {
                break;
            }
            if row.len() < c + w {
                row.resize(c + w, Cell::Blank);
            }
            for k in c..c + w {
                clear(row, k);
            }
            row[c] = Cell::Text(ch.to_string(), w);
            for cell in &mut row[c + 1..c + w] {
                *cell = Cell::Covered;
            }
            last = Some(c);
            c += w;
        }
    }

    pub(super) fn render(&self) -> String {
        let mut out: Vec<String> = self
            .lines
            .iter()
            .map(|l| {
                l.iter()
                    .map(|c| match c {
                        Cell::Blank => " ",
                        Cell::Text(s, _) => s.as_str(),
                        Cell::Covered => "",
                    })
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

/// Blank the whole character that column `k` of `row` belongs to.
fn clear(row: &mut [Cell], k: usize) {
    let mut start = k;
    while start > 0 && row[start] == Cell::Covered {
        start -= 1;
    }
    let span = match &row[start] {
        Cell::Text(_, w) => *w,
        _ => 1,
    };
    for cell in row.iter_mut().skip(start).take(span.max(k + 1 - start)) {
        *cell = Cell::Blank;
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

/// Only the variable fields, each starting at its place as `device` counts columns, on lines of
/// at most `width` columns. R7.4: laid out at every print from the stored text, like
/// [`super::layout::full`]. `code`, the verification code, is printed on the stub and the
/// certificate with its label when the certificate has one.
pub fn fields(
    cert: &CertificateText,
    code: Option<&str>,
    p: &Positions,
    device: PrintWidth,
    width: usize,
    reprint: bool,
) -> String {
    let mut c = Canvas::new(p.page_lines.max(1), device, width);
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
    if let Some(code) = code {
        let labelled = format!("验证码：{}", clean_line(code));
        c.put(p, p.stub_code, &labelled);
        c.put(p, p.code, &labelled);
    }
    if reprint {
        c.put(p, at(1, 1), "【补打 REPRINT】");
    }
    c.render()
}

/// The alignment test page: a column ruler on the first line and each field's name in brackets
/// at its place, so the clerk sees how far to move the offsets. Columns are counted as `device`
/// counts them, so the brackets land where the fields will.
pub fn alignment_page(p: &Positions, device: PrintWidth, width: usize) -> String {
    let mut c = Canvas::new(p.page_lines.max(1), device, width);
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
        (p.stub_code, "[存根验证码]"),
        (p.code, "[验证码]"),
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
    use crate::print::encode::PrintEncoding;
    use crate::print::width::{AmbiguousWidth, gb_printer_widest};

    const GB: PrintWidth = PrintWidth::GB18030;

    /// The text that starts at column `a.col` of line `a.line` as a GB-mode printer counts
    /// columns: one for an ASCII character, two for any other (it encodes to two or more bytes).
    /// Empty when no character starts exactly there.
    fn printed_at(page: &str, a: At) -> String {
        let gb = PrintEncoding::Gb18030.encode(page);
        let (text, _, bad) = encoding_rs::GB18030.decode(&gb);
        assert!(!bad);
        let line = text.lines().nth(a.line - 1).unwrap_or_default();
        let mut col = 1;
        for (i, ch) in line.char_indices() {
            if col == a.col {
                return line[i..].to_string();
            }
            if col > a.col {
                break;
            }
            col += if ch.is_ascii() { 1 } else { 2 };
        }
        String::new()
    }

    fn fits(page: &str, cols: usize) -> bool {
        gb_printer_widest(&PrintEncoding::Gb18030.encode(page)) <= cols
    }

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

    /// Issue 9: the code, labelled, at its two places; moved with the offsets like any field.
    #[test]
    fn r7_5_the_verification_code_at_its_places() {
        let p = Positions {
            line_offset: 1,
            col_offset: -2,
            ..Positions::default()
        };
        let page = fields(&cert(), Some("ABCDE-FGHJK"), &p, GB, 80, false);
        let moved = |a: At| At {
            line: a.line + 1,
            col: a.col - 2,
        };
        assert_eq!(printed_at(&page, moved(p.stub_code)), "验证码：ABCDE-FGHJK");
        assert_eq!(printed_at(&page, moved(p.code)), "验证码：ABCDE-FGHJK");
        assert!(fits(&page, 80));
        let none = fields(&cert(), None, &p, GB, 80, false);
        assert!(!none.contains("验证码"));
        let align = alignment_page(&Positions::default(), GB, 80);
        assert!(align.contains("[存根验证码]") && align.contains("[验证码]"));
    }

    #[test]
    fn r7_5_only_the_variable_fields_at_their_places() {
        let p = Positions::default();
        let page = fields(&cert(), None, &p, GB, 80, false);
        let at = |a: At| printed_at(&page, a);
        assert!(at(p.stub_name).starts_with("欧阳娜娜"));
        assert!(at(p.name).starts_with("欧阳娜娜"));
        assert!(at(p.number).starts_with("省直—2017—0012"));
        assert!(at(p.stub_year).starts_with("一七"));
        assert!(at(p.month).starts_with("七"));
        assert!(at(p.day).starts_with("十五"));
        assert!(!page.contains("根据"), "no pre-printed text");
        assert!(page.ends_with('\u{c}'));
        assert!(fits(&page, 80));
    }

    #[test]
    fn r7_5_offsets_move_every_field() {
        let p = Positions {
            line_offset: 2,
            col_offset: 3,
            ..Positions::default()
        };
        let moved = fields(&cert(), None, &p, GB, 80, false);
        let base = fields(&cert(), None, &Positions::default(), GB, 80, false);
        let find = |page: &str| {
            page.lines()
                .enumerate()
                .find(|(_, l)| l.contains("0731-88888888"))
                .map(|(i, l)| (i, GB.width(&l[..l.find("0731").unwrap()])))
                .unwrap()
        };
        let (l0, c0) = find(&base);
        let (l1, c1) = find(&moved);
        assert_eq!((l1 - l0, c1 - c0), (2, 3));
    }

    #[test]
    fn alignment_page_has_a_ruler_and_every_field_label() {
        let page = alignment_page(&Positions::default(), GB, 80);
        assert!(page.starts_with("....+....1....+....2"));
        for label in ["[存根姓名]", "[姓名]", "[证明编号]", "[经办人]"] {
            assert!(page.contains(label), "{label}");
        }
        assert!(fits(&page, 80));
    }

    #[test]
    fn r7_5_fields_after_middle_dots_and_dashes_start_at_their_column_as_the_printer_counts() {
        // The unit and the title share a line, and so do the name and the period: what
        // precedes a field must not push it off its column on a GB printer.
        let p = Positions {
            stub_unit: at(8, 14),
            stub_title: at(8, 60),
            ..Positions::default()
        };
        let c = CertificateText {
            name: "买买提·艾力".into(),
            unit: "长沙·中南大学—湘雅“二”医院…".into(),
            title: "主管技师".into(),
            ..cert()
        };
        for offset in [0, 3] {
            let p = Positions {
                col_offset: offset,
                ..p.clone()
            };
            let page = fields(&c, None, &p, GB, 80, false);
            let shifted = |a: At| at(a.line, (a.col as i32 + offset) as usize);
            assert!(
                printed_at(&page, shifted(p.stub_unit)).starts_with("长沙·中南大学—湘雅"),
                "{page}"
            );
            assert_eq!(
                printed_at(&page, shifted(p.stub_title)),
                "主管技师",
                "{page}"
            );
            assert!(printed_at(&page, shifted(p.name)).starts_with("买买提·艾力"));
            assert!(
                printed_at(&page, shifted(p.from)).starts_with("2012"),
                "{page}"
            );
            assert_eq!(printed_at(&page, shifted(p.to)), "2016", "{page}");
            assert!(printed_at(&page, shifted(p.number)).starts_with("省直—2017—0012"));
            assert!(fits(&page, 80));
        }
    }

    #[test]
    fn r7_5_utf8_places_fields_by_the_configured_ambiguous_width() {
        let c = CertificateText {
            name: "买买提·艾力".into(),
            ..cert()
        };
        let p = Positions::default();
        let prefix = |d: PrintWidth| -> String {
            let page = fields(&c, None, &p, d, 80, false);
            let line = page
                .lines()
                .nth(p.from.line - 1)
                .unwrap_or_default()
                .to_string();
            line[..line.find("2012").unwrap_or(0)].to_string()
        };
        let wide = PrintWidth::new(PrintEncoding::Utf8, AmbiguousWidth::Wide);
        let narrow = PrintWidth::new(PrintEncoding::Utf8, AmbiguousWidth::Narrow);
        assert_eq!(wide.width(&prefix(wide)), p.from.col - 1);
        assert_eq!(narrow.width(&prefix(narrow)), p.from.col - 1);
        // One more space before the period where `·` counts one column.
        assert_eq!(prefix(narrow).len(), prefix(wide).len() + 1);
    }

    #[test]
    fn overwriting_part_of_a_wide_character_never_shifts_the_line() {
        let mut c = Canvas::new(1, GB, 20);
        let p = Positions::default();
        c.put(&p, at(1, 1), "张伟·李");
        // Column 2 is the right half of 张, column 5 the left half of ·.
        c.put(&p, at(1, 2), "a");
        c.put(&p, at(1, 5), "b");
        c.put(&p, at(1, 10), "e\u{301}x");
        let page = c.render();
        assert_eq!(page.lines().next(), Some(" a伟b 李 e\u{301}x"));
        assert!(printed_at(&page, at(1, 10)).starts_with('e'));
        assert!(printed_at(&page, at(1, 7)).starts_with('李'));
        // A combining mark in UTF-8 goes with its base, even at the end of a line.
        let mut u = Canvas::new(1, PrintWidth::default(), 2);
        u.put(&p, at(1, 1), "e\u{301}e\u{301}e");
        assert_eq!(u.render(), "e\u{301}e\u{301}\n\u{c}");
    }

    proptest::proptest! {
        // R7.5 Whatever the fields hold, each starts exactly at its column and no line is wider
        // than the page as a GB printer counts.
        #[test]
        fn r7_5_gb18030_fields_stay_at_their_columns(
            name in "[张伟欧阳𠮷·—“”…×°№a-z ]{1,8}",
            unit in "[长沙中南大学·—“”‘’…×°№a-z0-9 ]{1,60}",
            width in 60usize..=136,
        ) {
            let c = CertificateText { name: name.trim().to_string(), unit, ..cert() };
            proptest::prop_assume!(!c.name.is_empty());
            let p = Positions::default();
            let page = fields(&c, None, &p, GB, width, false);
            proptest::prop_assert!(fits(&page, width), "{}", page);
            proptest::prop_assert!(printed_at(&page, p.from).starts_with("2012"), "{}", page);
            proptest::prop_assert!(printed_at(&page, p.to).starts_with("2016"), "{}", page);
        }
    }

    #[test]
    fn chinese_numerals_for_the_date_blanks() {
        assert_eq!(year_tail(2017), "一七");
        assert_eq!(month(12), "十二");
        assert_eq!(count(31), "三十一");
        assert_eq!(count(1), "一");
    }
}
