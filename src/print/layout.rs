//! R7.1, R7.5 The certificate as plain text for a line printer: fixed columns laid out in the
//! columns the printer counts ([`PrintWidth`]: in GB18030 every multi-byte code takes two), no
//! line wider than the configured width, the stub and the certificate separated by a cut line,
//! each page ended by a form feed.

use super::width::PrintWidth;
use crate::domain::certificate::{CERTIFICATE_TITLE, CertificateText, chinese_date};
use crate::domain::text::{Columns, clean_line};

pub const FORM_FEED: char = '\u{c}';

/// The narrowest page the layout supports: the certificate number line must fit.
pub const MIN_WIDTH: usize = 40;

/// Characters that must not begin a line (Chinese typesetting rule 避头点).
const NO_LINE_START: &str = "，。、；：？！）》」』”’,.;:?!)";

/// Wrap `text` into lines of at most `cols` columns as `device` counts them, never starting a
/// line with closing punctuation.
pub fn wrap(text: &str, device: PrintWidth, cols: usize) -> Vec<String> {
    let cols = cols.max(2);
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = device.char_width(c);
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
            used = device.width(&line);
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

/// `text` centred in `cols` columns; wrapped (left-aligned) when it does not fit.
pub(super) fn centre(text: &str, device: PrintWidth, cols: usize, out: &mut Vec<String>) {
    let w = device.width(text);
    if w > cols {
        out.extend(wrap(text, device, cols));
    } else {
        out.push(device.pad_start(text, (cols - w) / 2 + w));
    }
}

/// `text` pushed right to end at `cols`; wrapped (left-aligned) when it does not fit.
pub(super) fn right(text: &str, device: PrintWidth, cols: usize, out: &mut Vec<String>) {
    if device.width(text) > cols {
        out.extend(wrap(text, device, cols));
    } else {
        out.push(device.pad_start(text, cols));
    }
}

/// A labelled stub field, wrapped under its label when long (hanging indent).
fn field(label: &str, value: &str, device: PrintWidth, cols: usize, out: &mut Vec<String>) {
    let indent = 2 + device.width(label);
    let body = wrap(value, device, cols.saturating_sub(indent));
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

/// The cut line between the stub and the certificate, exactly `cols` columns on `device`.
pub fn cut_line(device: PrintWidth, cols: usize) -> String {
    let label = " 沿此线裁开 ";
    let dashes = cols.saturating_sub(device.width(label));
    let left = dashes / 2;
    format!("{}{label}{}", "-".repeat(left), "-".repeat(dashes - left))
}

/// The whole page for `device`, at most `cols` columns wide (at least [`MIN_WIDTH`]): stub, cut
/// line, certificate, form feed. `reprint` marks a reprint (R7.4). `code` is the certificate's
/// verification code (issue 9), printed on the stub under the number and on the certificate
/// under its number; a certificate issued before codes has none and prints as it first did.
///
/// R7.4 What is frozen at issue is the certificate's text — its fields, stored in
/// `certificates` — not its lines: the page is laid out here, at every print, for the device it
/// goes to. So a certificate first printed in UTF-8 and reprinted in GB18030 (or on a narrower
/// printer) says the same words, possibly broken at other places, and never runs past the
/// right margin as that printer counts columns; freezing the lines would have frozen one
/// printer's idea of width with them.
pub fn full(
    cert: &CertificateText,
    code: Option<&str>,
    device: PrintWidth,
    cols: usize,
    reprint: bool,
) -> String {
    let cols = cols.max(MIN_WIDTH);
    let d = device;
    let clean = |s: &str| clean_line(s);
    let number = cert.number.to_string();
    let date = chinese_date(cert.date);
    let mut out: Vec<String> = Vec::new();
    if reprint {
        right("【补打 REPRINT】", d, cols, &mut out);
    }
    centre(CERTIFICATE_TITLE, d, cols, &mut out);
    centre("（存根）", d, cols, &mut out);
    out.push(String::new());
    field("姓    名：", &clean(&cert.name), d, cols, &mut out);
    field("单    位：", &clean(&cert.unit), d, cols, &mut out);
    field("现有职称：", &clean(&cert.title), d, cols, &mut out);
    field("证书编号：", &number, d, cols, &mut out);
    let code = code.map(clean_line);
    if let Some(code) = &code {
        field("验 证 码：", code, d, cols, &mut out);
    }
    field("经 办 人：", &clean(&cert.clerk), d, cols, &mut out);
    field("联系电话：", &clean(&cert.phone), d, cols, &mut out);
    field("日    期：", &date, d, cols, &mut out);
    out.push(String::new());
    out.push(cut_line(d, cols));
    out.push(String::new());
    if reprint {
        right("【补打 REPRINT】", d, cols, &mut out);
    }
    centre(CERTIFICATE_TITLE, d, cols, &mut out);
    out.push(String::new());
    let body = CertificateText {
        name: clean(&cert.name),
        ..cert.clone()
    }
    .body();
    // A paragraph indented by two CJK characters, as Chinese documents are.
    let text = format!("\u{3000}\u{3000}{body}");
    for l in wrap(&text, d, cols.saturating_sub(4)) {
        out.push(format!("  {l}"));
    }
    out.push(String::new());
    right(
        &format!("继续教育合格证明编号：{number}"),
        d,
        cols.saturating_sub(2),
        &mut out,
    );
    if let Some(code) = &code {
        right(
            &format!("验证码：{code}"),
            d,
            cols.saturating_sub(2),
            &mut out,
        );
    }
    out.push(String::new());
    right("（盖章）", d, cols.saturating_sub(8), &mut out);
    right(&date, d, cols.saturating_sub(2), &mut out);
    let mut page = out.join("\n");
    page.push('\n');
    page.push(FORM_FEED);
    page
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::certificate::CertificateNumber;
    use crate::print::encode::PrintEncoding;
    use crate::print::width::{AmbiguousWidth, gb_printer_widest};
    use chrono::NaiveDate;

    const GB: PrintWidth = PrintWidth::GB18030;
    const UTF8_NARROW: PrintWidth = PrintWidth::new(PrintEncoding::Utf8, AmbiguousWidth::Narrow);

    fn width(s: &str) -> usize {
        GB.width(s)
    }

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

    /// No line wider than `cols` as a GB-mode printer counts the encoded bytes.
    fn assert_fits(page: &str, cols: usize) {
        let widest = gb_printer_widest(&PrintEncoding::Gb18030.encode(page));
        assert!(widest <= cols, "{widest} > {cols}: {page}");
    }

    #[test]
    fn r7_5_no_line_wider_than_the_page_for_names_of_2_to_4_characters_and_a_rare_one() {
        // 𠮷 (U+20BB7) is outside the BMP and takes two columns like any CJK character.
        for name in ["张伟", "欧阳娜娜", "司马相如", "吉𠮷", "买买提·艾力"] {
            for cols in [40, 60, 80, 136] {
                let page = full(&cert(name), None, GB, cols, false);
                assert_fits(&page, cols);
                assert!(page.contains(name), "{name} at {cols}");
            }
        }
    }

    /// Issue 9: the code on the stub under the number and on the certificate under its
    /// number, on a reprint too, and every page still as wide as the printer allows.
    #[test]
    fn r7_4_the_verification_code_is_on_the_stub_and_the_certificate_and_fits() {
        let code = "ABCDE-FGHJK";
        for cols in [40, 60, 80, 136] {
            for reprint in [false, true] {
                let page = full(&cert("买买提·艾力"), Some(code), GB, cols, reprint);
                assert_fits(&page, cols);
                let stub = page.find("验 证 码：ABCDE-FGHJK").unwrap();
                let number = page.find("证书编号：长沙—2017—0001").unwrap();
                let cut = page.find("沿此线裁开").unwrap();
                let on_cert = page.rfind("验证码：ABCDE-FGHJK").unwrap();
                let cert_number = page.find("继续教育合格证明编号").unwrap();
                assert!(number < stub && stub < cut, "{page}");
                assert!(cert_number < on_cert, "{page}");
                assert_eq!(page.matches(code).count(), 2);
            }
        }
        assert!(!full(&cert("张伟"), None, GB, 80, false).contains("验证码"));
    }

    #[test]
    fn r7_1_page_has_stub_cut_line_certificate_and_form_feed() {
        let page = full(&cert("张伟"), None, GB, 80, false);
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
        assert!(full(&cert("张伟"), None, GB, 80, true).contains("【补打 REPRINT】"));
    }

    #[test]
    fn r7_1_body_text_is_unchanged_by_wrapping() {
        let page = full(&cert("张伟"), None, GB, 60, false);
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
                GB,
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
                GB,
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
            let lines = wrap(&text, GB, cols);
            proptest::prop_assert_eq!(lines.concat(), text);
            for l in &lines {
                proptest::prop_assert!(width(l) <= cols, "{} > {}: {:?}", width(l), cols, l);
            }
        }
    }

    /// The unit of field case 25: four middle dots, 80 columns by Unicode width on the stub.
    const DOTTED_UNIT: &str =
        "长沙·中南大学湘雅二医院·湖南省代谢性疾病临床医学研究中心·检验科·临床生化室";

    #[test]
    fn r7_1_a_unit_with_middle_dots_stays_within_80_columns_on_a_gb_printer() {
        let c = CertificateText {
            unit: DOTTED_UNIT.into(),
            ..cert("王晓东")
        };
        let page = full(&c, None, GB, 80, false);
        assert_eq!(
            gb_printer_widest(&PrintEncoding::Gb18030.encode(&page)),
            80,
            "the cut line spans the page, nothing more: {page}"
        );
        let unit: String = page
            .lines()
            .skip_while(|l| !l.contains("单    位："))
            .take_while(|l| !l.contains("现有职称："))
            .map(|l| l.trim().trim_start_matches("单    位："))
            .collect();
        assert_eq!(unit, DOTTED_UNIT, "wrapped under its label, nothing lost");
    }

    #[test]
    fn r7_1_utf8_output_follows_the_configured_ambiguous_width() {
        use unicode_width::UnicodeWidthStr;
        let c = CertificateText {
            unit: DOTTED_UNIT.into(),
            ..cert("买买提·艾力")
        };
        let wide = full(&c, None, PrintWidth::default(), 80, false);
        let narrow = full(&c, None, UTF8_NARROW, 80, false);
        // A printer that gives ambiguous characters two columns: no line past 80 counted so.
        assert!(wide.lines().all(|l| l.width_cjk() <= 80), "{wide}");
        // One that gives them one column gets the fuller line it can take.
        assert!(narrow.lines().all(|l| l.width() <= 80), "{narrow}");
        assert!(narrow.lines().any(|l| l.width_cjk() > 80), "{narrow}");
        assert_ne!(wide, narrow);
        // GB18030 counts by bytes, which for this text is the wide count.
        assert_eq!(full(&c, None, GB, 80, false), wide);
    }

    #[test]
    fn r7_4_a_reprint_on_another_device_says_the_same_words() {
        let c = CertificateText {
            unit: DOTTED_UNIT.into(),
            ..cert("买买提·艾力")
        };
        // The words, less the cut line, whose dashes fill whatever width the page has.
        let words = |page: &str| -> String {
            page.lines()
                .filter(|l| !l.contains("沿此线裁开"))
                .flat_map(str::split_whitespace)
                .collect()
        };
        let gb = full(&c, None, GB, 80, true);
        let narrow = full(&c, None, UTF8_NARROW, 80, true);
        let slim = full(&c, None, GB, 40, true);
        assert_eq!(words(&gb), words(&narrow));
        assert_eq!(words(&gb), words(&slim));
        assert!(gb_printer_widest(&PrintEncoding::Gb18030.encode(&slim)) <= 40);
    }

    #[test]
    fn lines_too_long_to_align_are_wrapped_not_run_past_the_margin() {
        // The longest office name makes the number line wider than a 40-column page.
        let c = CertificateText {
            number: CertificateNumber {
                office: "湘西土家族苗族自治州".into(),
                year: 2017,
                sequence: 1,
            },
            ..cert("张伟")
        };
        assert_fits(&full(&c, None, GB, 40, true), 40);
    }

    proptest::proptest! {
        // R7.1 Whatever the name, unit and title — CJK, ambiguous characters, ASCII, outside
        // the BMP — no line of the GB18030 page is wider than the page as the printer counts
        // the bytes it receives.
        #[test]
        fn r7_1_gb18030_page_never_exceeds_the_width(
            name in "[张伟欧阳娜𠮷买提艾力·—“”‘’…×°№a-zA-Z0-9 ]{1,16}",
            unit in "[长沙中南大学湘雅医院·—“”‘’…×°№a-zA-Z0-9 ()-]{1,90}",
            title in "[主治医师·—…×°№a-z ]{0,12}",
            office in "[长沙湘西土家族苗族自治州·—]{1,10}",
            cols in 40usize..=136,
            reprint in proptest::bool::ANY,
        ) {
            let c = CertificateText {
                name,
                unit,
                title,
                number: CertificateNumber { office, year: 2017, sequence: 1 },
                ..cert("")
            };
            let page = full(&c, None, GB, cols, reprint);
            let widest = gb_printer_widest(&PrintEncoding::Gb18030.encode(&page));
            proptest::prop_assert!(widest <= cols, "{} > {}: {}", widest, cols, page);
        }
    }

    #[test]
    fn control_sequences_in_names_never_reach_the_printer() {
        let page = full(&cert("张\u{1b}[2J伟\u{7}"), None, GB, 80, false);
        assert!(page.contains("张伟"));
        assert!(!page.contains('\u{1b}') && !page.contains('\u{7}'));
    }
}
