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

/// How many columns characters take on one output: the terminal ([`TerminalWidth`]) or a
/// printer (`crate::print::width::PrintWidth`, which counts the way the device does). Padding
/// and cutting are built once here on [`Columns::char_width`], so every output pads and cuts by
/// its own count.
pub trait Columns {
    /// Columns that `c` advances the output by: 0 (a combining mark on a terminal), 1 or 2.
    fn char_width(&self, c: char) -> usize;

    /// Columns of `s`: by default the sum over its characters.
    fn width(&self, s: &str) -> usize {
        s.chars().map(|c| self.char_width(c)).sum()
    }

    /// `s` padded with spaces on the right to `cols` columns (never truncated).
    fn pad(&self, s: &str, cols: usize) -> String {
        let mut out = s.to_string();
        out.extend(std::iter::repeat_n(' ', cols.saturating_sub(self.width(s))));
        out
    }

    /// `s` pushed right by spaces so that it ends at column `cols` (never truncated).
    fn pad_start(&self, s: &str, cols: usize) -> String {
        let mut out: String =
            std::iter::repeat_n(' ', cols.saturating_sub(self.width(s))).collect();
        out.push_str(s);
        out
    }

    /// `s` cut to at most `cols` columns, ending in `…` when cut, then padded to `cols`. A
    /// zero-width character stays with the character before it.
    fn fit(&self, s: &str, cols: usize) -> String {
        if self.width(s) <= cols {
            return self.pad(s, cols);
        }
        let ellipsis = self.char_width('…');
        let mut out = String::new();
        let mut used = 0;
        for c in s.chars() {
            let w = self.char_width(c);
            if used + w + ellipsis > cols {
                break;
            }
            out.push(c);
            used += w;
        }
        if cols >= used + ellipsis && cols > 0 {
            out.push('…');
            used += ellipsis;
        }
        out.extend(std::iter::repeat_n(' ', cols.saturating_sub(used)));
        out
    }

    /// Like [`Columns::fit`], but keeps the end of `s`: numbers such as 湘人社专技备〔2026〕018号
    /// differ at the end, so that is the part worth showing in a narrow column.
    fn fit_tail(&self, s: &str, cols: usize) -> String {
        if self.width(s) <= cols {
            return self.pad(s, cols);
        }
        let mut tail: Vec<char> = Vec::new();
        let mut used = self.char_width('…');
        for c in s.chars().rev() {
            let w = self.char_width(c);
            if used + w > cols {
                break;
            }
            tail.push(c);
            used += w;
        }
        let mut out = String::from("…");
        out.extend(tail.into_iter().rev());
        self.pad(&out, cols)
    }
}

/// A terminal in a UTF-8 locale, as ratatui lays it out: Unicode East Asian Width, CJK two
/// columns, East Asian *ambiguous* characters (`·`, `—`, `“”`, `…`) one column
/// (`unicode-width`'s `width`, not `width_cjk`), combining marks none.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TerminalWidth;

impl Columns for TerminalWidth {
    fn char_width(&self, c: char) -> usize {
        unicode_width::UnicodeWidthChar::width(c).unwrap_or(0)
    }

    /// The string's width as `unicode-width` (and so ratatui) counts it, sequences included.
    fn width(&self, s: &str) -> usize {
        unicode_width::UnicodeWidthStr::width(s)
    }
}

/// Display columns of `s` on the terminal ([`TerminalWidth`]): CJK characters take two.
pub fn width(s: &str) -> usize {
    TerminalWidth.width(s)
}

/// `s` padded with spaces to `cols` terminal columns (never truncated).
pub fn pad(s: &str, cols: usize) -> String {
    TerminalWidth.pad(s, cols)
}

/// `s` cut to at most `cols` terminal columns, ending in `…` when cut, then padded to `cols`.
pub fn fit(s: &str, cols: usize) -> String {
    TerminalWidth.fit(s, cols)
}

/// [`Columns::fit_tail`] on the terminal: keeps the end of `s`.
pub fn fit_tail(s: &str, cols: usize) -> String {
    TerminalWidth.fit_tail(s, cols)
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

    #[test]
    fn the_terminal_counts_ambiguous_characters_one_column_and_combining_marks_none() {
        // What a terminal in a UTF-8 locale does, and what ratatui lays out by (`width`, not
        // `width_cjk`); printers count otherwise (print::width).
        assert_eq!(width("·—“”‘’…×°№"), 10);
        assert_eq!(width("买买提·艾力"), 11);
        assert_eq!(width("Rene\u{301}e"), 5);
        // A cut never separates a base from its combining mark.
        assert_eq!(fit("e\u{301}e\u{301}e\u{301}", 2), "e\u{301}…");
        assert_eq!(fit("买买提·艾力", 8), "买买提·…");
    }
}
