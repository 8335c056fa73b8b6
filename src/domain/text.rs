//! Text from rosters is untrusted: it may carry terminal control sequences that would move the
//! cursor, retitle the window or reprogram a printer. Everything stored or shown passes here.

/// Strip ANSI escape sequences (CSI, OSC, DCS, single-character escapes) and every other control
/// character, fold runs of white space (including the ideographic space U+3000) to one space and
/// trim. Line breaks are folded too: roster fields are single-line.
pub fn clean_line(s: &str) -> String {
    let stripped = strip_controls(s, false);
    let mut out = String::with_capacity(stripped.len());
    let mut pending_space = false;
    for c in stripped.chars() {
        if c.is_whitespace() {
            pending_space = !out.is_empty();
        } else {
            if pending_space {
                out.push(' ');
                pending_space = false;
            }
            out.push(c);
        }
    }
    out
}

/// Like [`clean_line`] but keeps line breaks (normalised to `\n`) and tabs, for long free text
/// such as a filing's programme and schedule.
pub fn clean_multiline(s: &str) -> String {
    let kept = strip_controls(&s.replace("\r\n", "\n").replace('\r', "\n"), true);
    kept.lines()
        .map(str::trim_end)
        .collect::<Vec<_>>()
        .join("\n")
        .trim_matches('\n')
        .to_string()
}

fn strip_controls(s: &str, keep_newlines: bool) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\u{1b}' => skip_escape(&mut chars),
            // C1 CSI / OSC / DCS introducers behave like ESC [ / ESC ] / ESC P on some terminals.
            '\u{9b}' => skip_csi(&mut chars),
            '\u{9d}' | '\u{90}' | '\u{9e}' | '\u{9f}' => skip_string(&mut chars),
            '\n' | '\t' if keep_newlines => out.push(c),
            '\n' | '\t' => out.push(' '),
            // Bidirectional overrides can make a printed name read differently from what is stored.
            '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' => {}
            '\u{feff}' => {}
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

fn skip_escape(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    match chars.next() {
        Some('[') => skip_csi(chars),
        Some(']') | Some('P') | Some('X') | Some('^') | Some('_') => skip_string(chars),
        // Two-character escapes with an intermediate byte (ESC ( B, ESC # 8 …).
        Some(c) if (' '..='/').contains(&c) => {
            chars.next();
        }
        _ => {}
    }
}

fn skip_csi(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    // Parameters and intermediates run until a final byte in @..~.
    for c in chars.by_ref() {
        if ('@'..='~').contains(&c) {
            break;
        }
    }
}

fn skip_string(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    // OSC / DCS strings end at BEL, ST (ESC \) or C1 ST.
    while let Some(c) = chars.next() {
        match c {
            '\u{7}' | '\u{9c}' => break,
            '\u{1b}' => {
                if chars.peek() == Some(&'\\') {
                    chars.next();
                }
                break;
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_csi_osc_and_controls() {
        assert_eq!(clean_line("张\u{1b}[2J\u{1b}[31m伟\u{1b}[0m"), "张伟");
        assert_eq!(clean_line("\u{1b}]0;pwned\u{7}李娜"), "李娜");
        assert_eq!(clean_line("王\u{1b}]8;;http://x\u{1b}\\芳"), "王芳");
        assert_eq!(clean_line("a\u{0}b\u{8}c\u{9b}1;1Hd"), "abcd");
        assert_eq!(clean_line("\u{202e}abc"), "abc");
    }

    #[test]
    fn folds_white_space_including_ideographic_space() {
        assert_eq!(
            clean_line("  湖南\u{3000}\u{3000}大学 \n 财院校区 "),
            "湖南 大学 财院校区"
        );
    }

    #[test]
    fn multiline_keeps_lines_but_not_escapes() {
        assert_eq!(
            clean_multiline("第一天：报到\r\n第二天：\u{1b}[1m授课\u{1b}[0m  \n\n"),
            "第一天：报到\n第二天：授课"
        );
    }
}

/// Display columns of `s` on a terminal or line printer: CJK characters take two.
pub fn width(s: &str) -> usize {
    unicode_width::UnicodeWidthStr::width(s)
}

/// `s` padded with spaces to `cols` display columns (never truncated).
pub fn pad(s: &str, cols: usize) -> String {
    let w = width(s);
    let mut out = s.to_string();
    out.extend(std::iter::repeat_n(' ', cols.saturating_sub(w)));
    out
}

/// `s` cut to at most `cols` display columns, ending in `…` when cut, then padded to `cols`.
pub fn fit(s: &str, cols: usize) -> String {
    if width(s) <= cols {
        return pad(s, cols);
    }
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let w = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
        if used + w + 1 > cols {
            break;
        }
        out.push(c);
        used += w;
    }
    if cols > 0 {
        out.push('…');
        used += 1;
    }
    out.extend(std::iter::repeat_n(' ', cols.saturating_sub(used)));
    out
}

/// Like [`fit`], but keeps the end of `s`: numbers such as 湘人社专技备〔2026〕018号 differ at
/// the end, so that is the part worth showing in a narrow column.
pub fn fit_tail(s: &str, cols: usize) -> String {
    if width(s) <= cols {
        return pad(s, cols);
    }
    let mut tail: Vec<char> = Vec::new();
    let mut used = 1; // the leading …
    for c in s.chars().rev() {
        let w = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
        if used + w > cols {
            break;
        }
        tail.push(c);
        used += w;
    }
    let mut out = String::from("…");
    out.extend(tail.into_iter().rev());
    pad(&out, cols)
}

#[cfg(test)]
mod width_tests {
    use super::*;

    #[test]
    fn cjk_counts_two_columns() {
        assert_eq!(width("张伟"), 4);
        assert_eq!(width("ab"), 2);
        assert_eq!(pad("公需", 6), "公需  ");
        assert_eq!(pad("toolong", 3), "toolong");
        assert_eq!(fit("湖南师范大学", 7), "湖南师…");
        assert_eq!(fit("湖南师范大学", 8), "湖南师… ");
        assert_eq!(width(&fit("湖南师范大学", 7)), 7);
        assert_eq!(fit("ab", 4), "ab  ");
        assert_eq!(fit_tail("湘人社专技备〔2026〕018号", 9), "…6〕018号");
        assert_eq!(width(&fit_tail("湘人社专技备〔2026〕018号", 9)), 9);
        assert_eq!(fit_tail("2017-001", 9), "2017-001 ");
    }
}
