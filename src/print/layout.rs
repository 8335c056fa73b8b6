//! R7.1, R7.5 The certificate as plain text for a line printer: fixed columns laid out by display
//! width (CJK = 2), no line wider than the configured width, the stub and the certificate
//! separated by a cut line, each page ended by a form feed.

use crate::domain::certificate::{CERTIFICATE_TITLE, CertificateText, chinese_date};
use crate::domain::text::{clean_line, width};

pub const FORM_FEED: char = '\u{c}';

/// The narrowest page the layout supports: the certificate number line must fit.
pub const MIN_WIDTH: usize = 40;

/// Characters that must not begin a line (Chinese typesetting rule 避头点).
const NO_LINE_START: &str = "，。、；：？！）》」』”’,.;:?!)";

/// Wrap `text` into lines of at most `cols` display columns, never starting a line with closing
/// punctuation.
pub fn wrap(text: &str, cols: usize) -> Vec<String> {
    let cols = cols.max(2);
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
        if used + w > cols {
            // What moves down with `c`: a number or Latin word is not split, and closing
            // punctuation never starts a line, so the end of the line comes along — unless it is
            // the whole line.
            let run = line
                .chars()
                .rev()
                .take_while(char::is_ascii_alphanumeric)
                .count();
            let carry = if (c.is_ascii_alphanumeric() || NO_LINE_START.contains(c)) && run > 0 {
                run
            } else if NO_LINE_START.contains(c) {
                1
            } else {
                0
            };
            let total = line.chars().count();
            if carry > 0 && carry < total {
                let at = line
                    .char_indices()
                    .nth(total - carry)
                    .map_or(line.len(), |(i, _)| i);
                let tail = line.split_off(at);
                lines.push(std::mem::take(&mut line));
                line = tail;
            } else {
                lines.push(std::mem::take(&mut line));
            }
            used = width(&line);
            if used + w > cols {
                // The carried part and `c` still do not fit: give up keeping them together.
                lines.push(std::mem::take(&mut line));
                used = 0;
            }
        }
        line.push(c);
        used += w;
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// `text` centred in `cols` columns (left-aligned when it does not fit).
fn centre(text: &str, cols: usize) -> String {
    let w = width(text);
    let left = cols.saturating_sub(w) / 2;
    format!("{}{text}", " ".repeat(left))
}

/// `text` pushed right to end at `cols`.
fn right(text: &str, cols: usize) -> String {
    format!("{}{text}", " ".repeat(cols.saturating_sub(width(text))))
}

/// A labelled stub field, wrapped under its label when long (hanging indent).
fn field(label: &str, value: &str, cols: usize, out: &mut Vec<String>) {
    let indent = 2 + width(label);
    let body = wrap(value, cols.saturating_sub(indent));
    let mut first = true;
    for part in body
        .iter()
        .map(String::as_str)
        .chain(body.is_empty().then_some(""))
    {
        if first {
            out.push(format!("  {label}{part}"));
            first = false;
        } else {
            out.push(format!("{}{part}", " ".repeat(indent)));
        }
    }
}

/// The cut line between the stub and the certificate.
pub fn cut_line(cols: usize) -> String {
    let label = " 沿此线裁开 ";
    let dashes = cols.saturating_sub(width(label));
    let left = dashes / 2;
    format!("{}{label}{}", "-".repeat(left), "-".repeat(dashes - left))
}

/// The whole page: stub, cut line, certificate, form feed. `reprint` marks a reprint (R7.4).
pub fn full(cert: &CertificateText, cols: usize, reprint: bool) -> String {
    let cols = cols.max(MIN_WIDTH);
    let clean = |s: &str| clean_line(s);
    let number = cert.number.to_string();
    let date = chinese_date(cert.date);
    let mut out: Vec<String> = Vec::new();
    if reprint {
        out.push(right("【补打 REPRINT】", cols));
    }
    out.push(centre(CERTIFICATE_TITLE, cols));
    out.push(centre("（存根）", cols));
    out.push(String::new());
    field("姓    名：", &clean(&cert.name), cols, &mut out);
    field("单    位：", &clean(&cert.unit), cols, &mut out);
    field("现有职称：", &clean(&cert.title), cols, &mut out);
    field("证书编号：", &number, cols, &mut out);
    field("经 办 人：", &clean(&cert.clerk), cols, &mut out);
    field("联系电话：", &clean(&cert.phone), cols, &mut out);
    field("日    期：", &date, cols, &mut out);
    out.push(String::new());
    out.push(cut_line(cols));
    out.push(String::new());
    if reprint {
        out.push(right("【补打 REPRINT】", cols));
    }
    out.push(centre(CERTIFICATE_TITLE, cols));
    out.push(String::new());
    let body = CertificateText {
        name: clean(&cert.name),
        ..cert.clone()
    }
    .body();
    // A paragraph indented by two CJK characters, as Chinese documents are.
    let text = format!("\u{3000}\u{3000}{body}");
    for l in wrap(&text, cols.saturating_sub(4)) {
        out.push(format!("  {l}"));
    }
    out.push(String::new());
    out.push(right(
        &format!("继续教育合格证明编号：{number}"),
        cols.saturating_sub(2),
    ));
    out.push(String::new());
    out.push(right("（盖章）", cols.saturating_sub(8)));
    out.push(right(&date, cols.saturating_sub(2)));
    let mut page = out.join("\n");
    page.push('\n');
    page.push(FORM_FEED);
    page
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::certificate::CertificateNumber;
    use chrono::NaiveDate;

    pub(crate) fn cert(name: &str) -> CertificateText {
        CertificateText {
            name: name.into(),
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
        }
    }

    fn assert_fits(page: &str, cols: usize) {
        for line in page.lines() {
            assert!(width(line) <= cols, "{} > {cols}: {line}", width(line));
        }
    }

    #[test]
    fn r7_5_no_line_wider_than_the_page_for_names_of_2_to_4_characters_and_a_rare_one() {
        // 𠮷 (U+20BB7) is outside the BMP and takes two columns like any CJK character.
        for name in ["张伟", "欧阳娜娜", "司马相如", "吉𠮷", "买买提·艾力"] {
            for cols in [40, 60, 80, 136] {
                let page = full(&cert(name), cols, false);
                assert_fits(&page, cols);
                assert!(page.contains(name), "{name} at {cols}");
            }
        }
    }

    #[test]
    fn r7_1_page_has_stub_cut_line_certificate_and_form_feed() {
        let page = full(&cert("张伟"), 80, false);
        let stub = page.find("（存根）").unwrap();
        let cut = page.find("沿此线裁开").unwrap();
        let body = page.find("根据《专业技术人员继续教育规定》").unwrap();
        assert!(stub < cut && cut < body);
        assert!(page.ends_with("\n\u{c}"));
        assert_eq!(page.matches(FORM_FEED).count(), 1);
        assert!(page.contains("证书编号：长沙—2017—0001"));
        assert!(page.contains("继续教育合格证明编号：长沙—2017—0001"));
        assert!(page.contains("二〇一七年七月十五日"));
        assert!(!page.contains("补打"));
        assert!(full(&cert("张伟"), 80, true).contains("【补打 REPRINT】"));
    }

    #[test]
    fn r7_1_body_text_is_unchanged_by_wrapping() {
        let page = full(&cert("张伟"), 60, false);
        let joined: String = page
            .lines()
            .skip_while(|l| !l.contains("根据"))
            .take_while(|l| !l.trim().is_empty())
            .map(str::trim)
            .collect();
        assert_eq!(joined.trim_start_matches('\u{3000}'), cert("张伟").body());
    }

    #[test]
    fn wrapping_never_starts_a_line_with_closing_punctuation() {
        for cols in 10..40 {
            for l in wrap(
                "根据规定，张伟同志自二〇一二年至二〇一六年参加继续教育。特此证明。",
                cols,
            )
            .iter()
            .skip(1)
            {
                let first = l.chars().next().unwrap();
                assert!(!NO_LINE_START.contains(first), "{cols}: {l}");
                assert!(width(l) <= cols);
            }
        }
    }

    #[test]
    fn numbers_are_not_split_across_lines() {
        for cols in 10..60 {
            let lines = wrap(
                "张伟同志自 2012 年至 2016 年参加继续教育，编号长沙—2017—0001。",
                cols,
            );
            for pair in lines.windows(2) {
                let end = pair[0].chars().last().unwrap();
                let start = pair[1].chars().next().unwrap();
                assert!(
                    !(end.is_ascii_digit() && start.is_ascii_digit()),
                    "{cols}: {:?} | {:?}",
                    pair[0],
                    pair[1]
                );
            }
            assert!(lines.iter().all(|l| width(l) <= cols));
            assert_eq!(
                lines.concat(),
                "张伟同志自 2012 年至 2016 年参加继续教育，编号长沙—2017—0001。"
            );
        }
    }

    proptest::proptest! {
        // Whatever the text, no line is wider than the page and nothing is lost or reordered.
        #[test]
        fn wrap_keeps_every_character_within_the_width(
            text in "[张伟𠮷〇一二三abcXYZ0123456789 ，。、（）《》]{0,80}",
            cols in 2usize..50,
        ) {
            let lines = wrap(&text, cols);
            proptest::prop_assert_eq!(lines.concat(), text);
            for l in &lines {
                proptest::prop_assert!(width(l) <= cols, "{} > {}: {:?}", width(l), cols, l);
            }
        }
    }

    #[test]
    fn control_sequences_in_names_never_reach_the_printer() {
        let page = full(&cert("张\u{1b}[2J伟\u{7}"), 80, false);
        assert!(page.contains("张伟"));
        assert!(!page.contains('\u{1b}') && !page.contains('\u{7}'));
    }
}
