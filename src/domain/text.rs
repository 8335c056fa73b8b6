//! Text has one identity. Everything that enters the system — roster cells and headers, typed and
//! pasted text, command-line arguments that are stored — passes [`clean_line`] (or
//! [`clean_multiline`] for long free text) before it is stored, compared or shown, so that the
//! same name is always the same string (R1.2):
//!
//! 1. terminal control sequences (CSI, OSC, DCS, single-character escapes) and every other
//!    control character are removed: text from rosters is untrusted and could move the cursor,
//!    retitle the window or reprogram a printer;
//! 2. invisible format characters ([`is_invisible_format`]) are removed: a zero-width space or
//!    joiner, a byte-order mark inside a cell, direction marks and overrides would make two
//!    spellings that look the same differ, or make a printed name read differently from the
//!    stored one;
//! 3. the result is normalised to NFC, so a name typed on one system and pasted from another
//!    (decomposed `e` + U+0301, conjoining Hangul jamo) is stored one way;
//! 4. white space is folded (one line: runs to one space, trimmed; multi-line: trailing white
//!    space of each line and blank lines at either end dropped).
//!
//! The order matters: removing an invisible character can bring two characters together that
//! NFC composes (`e` ZWSP U+0301 → `é`), so removal comes before NFC, and only then is the result
//! stable under cleaning again (`tests::proptests`).
//!
//! Messages that quote a value show what was really there through [`reveal_invisible`], and
//! search compares spellings through [`fold_for_search`].

use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick};

/// Text entering the system, as one line: controls and escape sequences stripped, invisible
/// format characters removed, NFC, runs of white space (including the ideographic space U+3000
/// and the no-break space U+00A0) folded to one space, trimmed. Line breaks are folded too:
/// roster fields are single-line. Idempotent, and a clean value passes unchanged.
pub fn clean_line(s: &str) -> String {
    clean(s).into_owned()
}

/// [`clean_line`], borrowing `s` when it is clean already.
pub fn clean(s: &str) -> std::borrow::Cow<'_, str> {
    // Most cells of a roster (ID numbers, dates, hours, names, units) are clean already: they
    // are taken as they are after one look at each character instead of being rebuilt three
    // times (a tenth of an import's reading, issue 10.3).
    if plainly_clean(s) {
        return std::borrow::Cow::Borrowed(s);
    }
    std::borrow::Cow::Owned(clean_line_rebuilt(s))
}

/// Whether `s` is, as it stands, what [`clean_line`] makes of it, judged from its characters
/// alone: printable ASCII and CJK unified ideographs (neither controls nor format characters,
/// each its own NFC, combining with nothing), with single spaces between words. `false` says
/// nothing: the text may still be clean.
fn plainly_clean(s: &str) -> bool {
    // Starts as after a space, so that a leading space is refused.
    let mut after_space = true;
    for c in s.chars() {
        match c {
            ' ' if after_space => return false,
            ' ' => after_space = true,
            '!'..='~' | '\u{4e00}'..='\u{9fff}' => after_space = false,
            _ => return false,
        }
    }
    s.is_empty() || !after_space
}

/// `c` as its ASCII form when it is a full-width form of one (U+FF01–U+FF5E: `０`–`９`, `．`,
/// `－`, `／`, `Ｘ` …), as a Chinese input method's full-width mode types numbers, dates and
/// ID numbers; any other character as it is.
pub fn narrow_char(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        c => c,
    }
}

/// `s` with every full-width form of an ASCII character read as that character
/// ([`narrow_char`]); borrowed when there is none.
pub fn narrow_width(s: &str) -> std::borrow::Cow<'_, str> {
    if s.is_ascii() || !s.chars().any(|c| narrow_char(c) != c) {
        return std::borrow::Cow::Borrowed(s);
    }
    std::borrow::Cow::Owned(s.chars().map(narrow_char).collect())
}

/// [`clean_line`] the long way: stripped, normalised, spaces folded.
fn clean_line_rebuilt(s: &str) -> String {
    let kept = nfc(strip(s, false));
    let mut out = String::with_capacity(kept.len());
    let mut pending_space = false;
    for c in kept.chars() {
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

/// Like [`clean_line`] but keeps line breaks (CR LF, CR and the Unicode line and paragraph
/// separators become `\n`) and tabs, for long free text such as a filing's programme and
/// schedule. Trailing white space of each line and blank lines at either end are dropped.
pub fn clean_multiline(s: &str) -> String {
    let unified: String = s
        .replace("\r\n", "\n")
        .chars()
        .map(|c| match c {
            '\r' | '\u{2028}' | '\u{2029}' => '\n',
            c => c,
        })
        .collect();
    let kept = nfc(strip(&unified, true));
    kept.lines()
        .map(str::trim_end)
        .collect::<Vec<_>>()
        .join("\n")
        .trim_matches('\n')
        .to_string()
}

/// The invisible format characters that cleaning removes: Unicode's default-ignorable code
/// points (which render as nothing), except the variation selectors, plus the interlinear
/// annotation controls. Exactly:
///
/// - U+00AD soft hyphen; U+034F combining grapheme joiner; U+061C Arabic letter mark;
/// - U+115F, U+1160, U+3164, U+FFA0 Hangul fillers (blank-looking letters);
/// - U+17B4, U+17B5 Khmer inherent vowels; U+180E Mongolian vowel separator;
/// - U+200B–U+200F zero-width space, non-joiner, joiner, left-to-right and right-to-left marks;
/// - U+202A–U+202E direction embeddings and overrides;
/// - U+2060–U+206F word joiner, invisible operators, direction isolates, deprecated formats;
/// - U+FEFF byte-order mark (zero-width no-break space) anywhere in the text;
/// - U+FFF0–U+FFF8 (reserved, default-ignorable) and U+FFF9–U+FFFB interlinear annotation;
/// - U+1BCA0–U+1BCA3 shorthand format controls; U+1D173–U+1D17A musical format controls;
/// - U+E0000–U+E00FF tag characters (which can smuggle hidden ASCII text) and U+E01F0–U+E0FFF.
///
/// Kept: the variation selectors U+FE00–U+FE0F and U+E0100–U+E01EF and the Mongolian free
/// variation selectors U+180B–U+180D, U+180F — an ideographic variation sequence is how a rare
/// character in a name is written exactly. Also kept: private-use characters, which some
/// offices use for rare name characters their fonts add.
pub fn is_invisible_format(c: char) -> bool {
    matches!(
        c,
        '\u{AD}'
            | '\u{34F}'
            | '\u{61C}'
            | '\u{115F}'
            | '\u{1160}'
            | '\u{17B4}'
            | '\u{17B5}'
            | '\u{180E}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}'
            | '\u{3164}'
            | '\u{FEFF}'
            | '\u{FFA0}'
            | '\u{FFF0}'..='\u{FFFB}'
            | '\u{1BCA0}'..='\u{1BCA3}'
            | '\u{1D173}'..='\u{1D17A}'
            | '\u{E0000}'..='\u{E00FF}'
            | '\u{E01F0}'..='\u{E0FFF}'
    )
}

/// A variation selector: invisible, but part of how a character is written (kept by cleaning,
/// shown by [`reveal_invisible`]).
fn is_variation_selector(c: char) -> bool {
    matches!(
        c,
        '\u{180B}'..='\u{180D}' | '\u{180F}' | '\u{FE00}'..='\u{FE0F}' | '\u{E0100}'..='\u{E01EF}'
    )
}

/// `s` for quoting in a message: every character a clerk could not see or tell apart — control
/// characters, invisible format characters, variation selectors, noncharacters and white space
/// other than the plain space U+0020 — written as `<U+XXXX>`, so that `430102<U+200B>19900101…`
/// shows why an ID number "has 19 characters". Everything else is kept as it is; the result
/// holds no control character, so it is also safe to print on a terminal.
pub fn reveal_invisible(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        let hidden = c != ' '
            && (c.is_control()
                || c.is_whitespace()
                || is_invisible_format(c)
                || is_variation_selector(c)
                || is_noncharacter(c));
        if hidden {
            out.push_str(&format!("<U+{:04X}>", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    out
}

/// `s` made safe to write to a terminal, for every message the command line prints (errors,
/// header names, echoed names and values): each control character except the line break — ESC
/// and the CSI/OSC/DCS sequences it starts, BEL, CR, backspace, DEL, the C1 controls — and each
/// invisible format character (direction overrides and isolates, zero-width characters), as well
/// as the line and paragraph separators U+2028/U+2029, is written `<U+XXXX>` as
/// [`reveal_invisible`] writes it. Unlike [`clean_line`], nothing is dropped: the clerk sees that
/// a header cell held `<U+001B>]0;evil<U+0007>`, and the terminal is neither retitled, cleared,
/// overwritten from the line start nor made to read right to left. Line breaks stay, so a
/// multi-line report keeps its lines; everything else (CJK, the ideographic space, variation
/// selectors) passes unchanged. Idempotent.
pub fn for_terminal(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        let hidden = c != '\n'
            && (c.is_control() || is_invisible_format(c) || matches!(c, '\u{2028}' | '\u{2029}'));
        if hidden {
            out.push_str(&format!("<U+{:04X}>", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    out
}

/// How many characters of a value a message quotes: enough to find the cell, never enough to
/// flood a terminal with a 50 MB cell.
pub const QUOTE_CHARS: usize = 40;

/// A value as a message quotes it: its first [`QUOTE_CHARS`] characters through
/// [`reveal_invisible`], followed by `…` when there was more. Work and result are bounded
/// whatever the length of `s`.
pub fn quote_prefix(s: &str) -> String {
    match s.char_indices().nth(QUOTE_CHARS) {
        None => reveal_invisible(s),
        Some((end, _)) => format!("{}…", reveal_invisible(&s[..end])),
    }
}

fn is_noncharacter(c: char) -> bool {
    let u = u32::from(c);
    (0xFDD0..=0xFDEF).contains(&u) || u & 0xFFFE == 0xFFFE
}

/// The separators written between the parts of a minority name (阿卜杜拉·买买提) — the middle dot
/// U+00B7 that GB/T 28039 prescribes and what input methods and fonts put in its place: `•`
/// U+2022 bullet, `‧` U+2027 hyphenation point, `・` U+30FB and `･` U+FF65 katakana middle
/// dots, `∙` U+2219 bullet operator, `⋅` U+22C5 dot operator, `ꞏ` U+A78F sinological dot,
/// `⸱` U+2E31 word separator middle dot, `.` U+002E full stop, `．` U+FF0E full-width full stop,
/// `․` U+2024 one dot leader, `﹒` U+FE52 small full stop, and `。` U+3002 / `｡` U+FF61, the
/// full stop a Chinese input method types for the `.` key.
pub fn is_name_separator(c: char) -> bool {
    matches!(
        c,
        '\u{B7}'
            | '\u{2022}'
            | '\u{2027}'
            | '\u{30FB}'
            | '\u{FF65}'
            | '\u{2219}'
            | '\u{22C5}'
            | '\u{A78F}'
            | '\u{2E31}'
            | '.'
            | '\u{FF0E}'
            | '\u{2024}'
            | '\u{FE52}'
            | '\u{3002}'
            | '\u{FF61}'
    )
}

/// The key under which search compares text (people's names and units, the search box), so the
/// spelling a clerk types finds every stored spelling (R1.2): the text [cleaned](clean_line),
/// then NFKC (full-width letters and digits `Ａ１` → `A1`, and the other compatibility variants
/// such as Kangxi radicals copied from PDF files), lower case, white space removed (`李　娜`
/// padded for alignment is `李娜`), and every [name separator](is_name_separator) written `·`.
/// Idempotent. A key is for comparing only; it is never shown.
pub fn fold_for_search(s: &str) -> String {
    // Lower-casing can leave a sequence that NFKC writes differently (`İ` → `i` U+0307 …);
    // folding again reaches the fixed point within a pass or two, so a key folds to itself.
    let mut key = fold_once(s);
    for _ in 0..3 {
        let again = fold_once(&key);
        if again == key {
            break;
        }
        key = again;
    }
    key
}

fn fold_once(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in clean_line(s).nfkc() {
        if c.is_whitespace() {
            continue;
        }
        if is_name_separator(c) {
            out.push('\u{B7}');
        } else {
            out.extend(c.to_lowercase());
        }
    }
    out
}

fn nfc(s: String) -> String {
    if is_nfc_quick(s.chars()) == IsNormalized::Yes {
        s
    } else {
        s.nfc().collect()
    }
}

fn strip(s: &str, keep_newlines: bool) -> String {
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
            c if c.is_control() || is_invisible_format(c) => {}
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
    fn invisible_format_characters_are_removed() {
        // R1.2 ZWJ, RLM, a BOM inside the cell, a soft hyphen, a word joiner, a tag character.
        assert_eq!(clean_line("张\u{200d}伟"), "张伟");
        assert_eq!(clean_line("\u{200f}王芳"), "王芳");
        assert_eq!(clean_line("李\u{feff}娜"), "李娜");
        assert_eq!(
            clean_line("430102\u{200b}199001011234"),
            "430102199001011234"
        );
        assert_eq!(clean_line("赵\u{ad}\u{2060}\u{e0041}铃"), "赵铃");
        assert_eq!(clean_line("\u{2066}\u{202b}湖南\u{2069}"), "湖南");
        // A BEL and an escape sequence are never stored either.
        assert_eq!(clean_line("赵\u{7}铃"), "赵铃");
        assert_eq!(clean_line("王\u{1b}[31m红\u{1b}[0m"), "王红");
    }

    #[test]
    fn variation_selectors_of_rare_characters_are_kept() {
        // An ideographic variation sequence (葛 + VS17) and an emoji presentation selector.
        assert_eq!(clean_line("葛\u{e0100}亮"), "葛\u{e0100}亮");
        assert_eq!(clean_line("\u{20bb7}田"), "\u{20bb7}田");
        assert_eq!(clean_line("a\u{fe0f}"), "a\u{fe0f}");
    }

    #[test]
    fn text_is_normalised_to_nfc() {
        assert_eq!(clean_line("陈e\u{301}"), "陈\u{e9}");
        // Conjoining jamo compose to the Hangul syllables 최지운.
        assert_eq!(
            clean_line("\u{110e}\u{116c}\u{110c}\u{1175}\u{110b}\u{116e}"),
            "\u{cd5c}\u{c9c0}\u{c6b0}"
        );
        // Removal comes first: what the zero-width space kept apart composes.
        assert_eq!(clean_line("e\u{200b}\u{301}"), "\u{e9}");
        assert_eq!(clean_multiline("e\u{200d}\u{301}\r\nx"), "\u{e9}\nx");
    }

    #[test]
    fn multiline_takes_unicode_line_separators_as_line_breaks() {
        assert_eq!(clean_multiline("一\u{2028}二\u{2029}三"), "一\n二\n三");
    }

    #[test]
    fn reveal_invisible_names_what_cannot_be_seen() {
        assert_eq!(
            reveal_invisible("430102\u{200b}199001011234"),
            "430102<U+200B>199001011234"
        );
        assert_eq!(reveal_invisible("430102\u{a0}1990"), "430102<U+00A0>1990");
        assert_eq!(reveal_invisible("王\u{1b}[31m"), "王<U+001B>[31m");
        assert_eq!(reveal_invisible("a\tb\n"), "a<U+0009>b<U+000A>");
        assert_eq!(reveal_invisible("湖南\u{3000}师大"), "湖南<U+3000>师大");
        assert_eq!(reveal_invisible("葛\u{e0100}"), "葛<U+E0100>");
        assert_eq!(reveal_invisible("\u{feff}x\u{200f}"), "<U+FEFF>x<U+200F>");
        // Plain text, a plain space and visible punctuation pass as they are.
        assert_eq!(reveal_invisible("阿卜杜拉·买买提 A1"), "阿卜杜拉·买买提 A1");
    }

    #[test]
    fn for_terminal_shows_escape_sequences_instead_of_obeying_them() {
        // A window title, a screen clear, a carriage return and a right-to-left override: each
        // is shown, none reaches the terminal as a control.
        let shown = for_terminal("\u{1b}]0;evil\u{7}张\u{1b}[2J伟\rX\u{202e}abc");
        assert_eq!(
            shown,
            "<U+001B>]0;evil<U+0007>张<U+001B>[2J伟<U+000D>X<U+202E>abc"
        );
        assert!(!shown.chars().any(|c| c.is_control()), "{shown}");
        // C1 controls (the one-byte CSI) and DEL too; line breaks and CJK spaces stay.
        assert_eq!(for_terminal("a\u{9b}2Jb\u{7f}"), "a<U+009B>2Jb<U+007F>");
        assert_eq!(
            for_terminal("第一行\n湖南\u{3000}师大"),
            "第一行\n湖南\u{3000}师大"
        );
        assert_eq!(for_terminal(&shown), shown, "idempotent");
    }

    #[test]
    fn quote_prefix_is_short_whatever_the_value() {
        let long = "张".repeat(10_000_000);
        let q = quote_prefix(&long);
        assert_eq!(q, format!("{}…", "张".repeat(QUOTE_CHARS)));
        assert_eq!(quote_prefix("王\u{200b}芳"), "王<U+200B>芳");
        let exact = "x".repeat(QUOTE_CHARS);
        assert_eq!(quote_prefix(&exact), exact, "nothing cut, no ellipsis");
    }

    #[test]
    fn r1_2_minority_name_separators_fold_for_search() {
        let want = "阿卜杜拉\u{b7}买买提";
        for sep in [
            '\u{b7}', '\u{2022}', '\u{2027}', '\u{30fb}', '\u{ff65}', '.', '\u{ff0e}', '\u{2219}',
            '\u{22c5}', '\u{a78f}', '\u{2e31}', '\u{2024}', '\u{fe52}', '\u{3002}', '\u{ff61}',
        ] {
            assert_eq!(
                fold_for_search(&format!("阿卜杜拉{sep}买买提")),
                want,
                "U+{:04X}",
                u32::from(sep)
            );
        }
        // White space around the separator or padding a short name does not matter.
        assert_eq!(fold_for_search("阿卜杜拉 · 买买提"), want);
        assert_eq!(fold_for_search("李\u{3000}娜"), "李娜");
    }

    #[test]
    fn width_variants_and_case_fold_for_search() {
        assert_eq!(fold_for_search("ＡＢｃ１２３"), "abc123");
        assert_eq!(fold_for_search("４３０１０２ｘ"), "430102x");
        assert_eq!(fold_for_search("Mary ANN"), "maryann");
        // Kangxi radical 金 (U+2FA6) as copied from a PDF file.
        assert_eq!(fold_for_search("\u{2fa6}"), "金");
        assert_eq!(fold_for_search("张\u{200d}伟"), "张伟");
        assert_eq!(fold_for_search(""), "");
    }

    mod proptests {
        use super::super::*;
        use proptest::prelude::*;

        /// Text as it arrives: CJK, Latin with combining marks, jamo, white space of every kind,
        /// controls and escape starts, invisible format characters and separators.
        fn messy() -> impl Strategy<Value = String> {
            let pieces = prop_oneof![
                Just("张".to_string()),
                Just("阿卜杜拉".to_string()),
                Just("e".to_string()),
                Just("\u{301}".to_string()),
                Just("\u{327}".to_string()),
                Just("\u{110e}".to_string()),
                Just("\u{116c}".to_string()),
                Just("\u{11a8}".to_string()),
                Just(" ".to_string()),
                Just("\u{3000}".to_string()),
                Just("\u{a0}".to_string()),
                Just("\n".to_string()),
                Just("\r".to_string()),
                Just("\t".to_string()),
                Just("\u{2028}".to_string()),
                Just("\u{1b}[31m".to_string()),
                Just("\u{1b}".to_string()),
                Just("\u{7}".to_string()),
                Just("\u{9b}".to_string()),
                Just("\u{200b}".to_string()),
                Just("\u{200d}".to_string()),
                Just("\u{200f}".to_string()),
                Just("\u{202e}".to_string()),
                Just("\u{feff}".to_string()),
                Just("\u{fe0f}".to_string()),
                Just("\u{e0100}".to_string()),
                Just("·".to_string()),
                Just("\u{2022}".to_string()),
                Just(".".to_string()),
                Just("Ａ".to_string()),
                Just("İ".to_string()),
                any::<char>().prop_map(String::from),
            ];
            proptest::collection::vec(pieces, 0..12).prop_map(|v| v.concat())
        }

        /// Clean text: what cleaning leaves (no controls, formats, odd spacing; NFC).
        fn clean_text() -> impl Strategy<Value = String> {
            "([\\p{Han}a-zA-Z0-9·（）éü]{1,4}( [\\p{Han}a-zA-Z0-9·（）éü]{1,4}){0,2})?"
        }

        proptest! {
            #[test]
            fn cleaning_is_idempotent(s in messy()) {
                let once = clean_line(&s);
                prop_assert_eq!(&clean_line(&once), &once);
                let multi = clean_multiline(&s);
                prop_assert_eq!(&clean_multiline(&multi), &multi);
            }

            #[test]
            fn cleaning_is_idempotent_on_any_text(s in any::<String>()) {
                let once = clean_line(&s);
                prop_assert_eq!(&clean_line(&once), &once);
                let multi = clean_multiline(&s);
                prop_assert_eq!(&clean_multiline(&multi), &multi);
            }

            #[test]
            fn cleaned_text_is_nfc_without_controls_or_formats(s in messy()) {
                for out in [clean_line(&s), clean_multiline(&s)] {
                    prop_assert!(out.nfc().eq(out.chars()), "{:?}", out);
                    prop_assert!(!out.chars().any(|c| is_invisible_format(c)
                        || (c.is_control() && c != '\n' && c != '\t')), "{:?}", out);
                }
                prop_assert!(!clean_line(&s).contains(['\n', '\t']));
            }

            /// Issue 10.3 The short cut for plain cells gives what the long way gives, on
            /// text made of what it accepts and of what it must refuse.
            #[test]
            fn plain_text_is_cleaned_as_the_long_way_cleans_it(
                s in "[ a-z0-9~!\u{4e00}\u{9fa5}\u{9fff}\u{a000}\u{3000}\t\u{301}\u{200b}\u{1b}（]{0,10}",
                t in messy(),
            ) {
                for s in [s, t] {
                    prop_assert_eq!(clean_line(&s), clean_line_rebuilt(&s), "{:?}", s);
                }
            }

            #[test]
            fn a_clean_value_is_never_changed(s in clean_text()) {
                let s: String = s.nfc().collect();
                prop_assert_eq!(&clean_line(&s), &s);
                prop_assert_eq!(&clean_multiline(&s), &s);
                prop_assert_eq!(&reveal_invisible(&s), &s);
            }

            #[test]
            fn folding_is_idempotent(s in messy()) {
                let key = fold_for_search(&s);
                prop_assert_eq!(&fold_for_search(&key), &key);
                prop_assert_eq!(fold_for_search(&clean_line(&s)), key);
            }

            #[test]
            fn folding_is_idempotent_on_any_text(s in any::<String>()) {
                let key = fold_for_search(&s);
                prop_assert_eq!(&fold_for_search(&key), &key);
            }

            #[test]
            fn revealed_text_has_no_control_or_invisible_character(s in messy()) {
                let shown = reveal_invisible(&s);
                prop_assert!(!shown.chars().any(|c| c.is_control()
                    || is_invisible_format(c)
                    || (c.is_whitespace() && c != ' ')), "{:?}", shown);
            }
        }
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
