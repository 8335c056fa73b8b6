//! R7.1, R7.5 How many columns a printer gives each character: the one place that decides it,
//! used by the page layout, its wrapping and alignment, the pre-printed form's placement and
//! the alignment test page.
//!
//! A printer in GB mode (what Chinese dot-matrix printers run in, and what GB18030 output is
//! for) prints every one-byte code one column wide and every longer code two columns wide. That
//! includes the East Asian *ambiguous* characters — `·` `—` `“”` `‘’` `…` `×` `°` `№` — which
//! Unicode calls narrow but GB18030 encodes in two bytes. So in GB18030 the width is decided by
//! the encoded length, not by Unicode's East Asian Width.
//!
//! In UTF-8 output there is no byte rule to follow: CJK is two columns and combining marks none,
//! as Unicode says, and an ambiguous character takes what the printer gives it,
//! `[printer] ambiguous_width` (default 2, what Chinese printers do).
//!
//! Zero-width combining marks (e.g. U+0301 after `e`): a UTF-8 printer composes them onto the
//! character before, so they count 0 there. GB18030 has no combining: such a mark is a four-byte
//! code of its own that a GB printer advances over like any other multi-byte code, so it counts
//! 2. If a printer does overprint it, the line is only shorter than we counted — never longer
//! than the page, which is the promise (docs/INTERFACES.md "Printing").

use std::fmt;

use unicode_width::UnicodeWidthChar;

use super::encode::PrintEncoding;
use crate::domain::text::Columns;

/// Columns an East Asian *ambiguous* character (`·`, `—`, `“`, `…`) takes in UTF-8 output:
/// `[printer] ambiguous_width = 1 | 2`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AmbiguousWidth {
    /// One column, as Unicode's East Asian Width says for Western contexts.
    Narrow,
    /// Two columns, as Chinese printers print them (the default).
    #[default]
    Wide,
}

impl AmbiguousWidth {
    /// `1` → [`AmbiguousWidth::Narrow`], `2` → [`AmbiguousWidth::Wide`]; anything else `None`.
    pub fn from_columns(columns: i64) -> Option<AmbiguousWidth> {
        match columns {
            1 => Some(AmbiguousWidth::Narrow),
            2 => Some(AmbiguousWidth::Wide),
            _ => None,
        }
    }

    /// The columns: 1 or 2.
    pub fn columns(self) -> usize {
        match self {
            AmbiguousWidth::Narrow => 1,
            AmbiguousWidth::Wide => 2,
        }
    }
}

/// An output device as the layout sees it: the encoding it receives and, for UTF-8, how wide
/// it prints ambiguous characters. Implements [`Columns`], so `width`, `pad`, `fit` … count
/// the device's columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PrintWidth {
    encoding: PrintEncoding,
    ambiguous: AmbiguousWidth,
}

impl PrintWidth {
    /// A GB-mode printer: one column per one-byte GB18030 code, two per longer code.
    pub const GB18030: PrintWidth = PrintWidth {
        encoding: PrintEncoding::Gb18030,
        ambiguous: AmbiguousWidth::Wide,
    };

    /// The device for `encoding`; `ambiguous` applies to UTF-8 only (GB18030 decides by bytes).
    pub const fn new(encoding: PrintEncoding, ambiguous: AmbiguousWidth) -> PrintWidth {
        PrintWidth {
            encoding,
            ambiguous,
        }
    }

    /// What the device receives.
    pub const fn encoding(self) -> PrintEncoding {
        self.encoding
    }

    /// Columns of an ambiguous character in UTF-8 output.
    pub const fn ambiguous(self) -> AmbiguousWidth {
        self.ambiguous
    }
}

/// Bytes that GB18030 encodes `c` in: 1 (ASCII), 2 or 4.
pub fn gb18030_len(c: char) -> usize {
    let mut utf8 = [0u8; 4];
    let mut out = [0u8; 8];
    let mut encoder = encoding_rs::GB18030.new_encoder();
    // GB18030 maps every Unicode scalar value, so nothing is unmappable and 8 bytes are room
    // enough for one character.
    let (_, _, written) =
        encoder.encode_from_utf8_without_replacement(c.encode_utf8(&mut utf8), &mut out, true);
    written
}

impl Columns for PrintWidth {
    fn char_width(&self, c: char) -> usize {
        match self.encoding {
            PrintEncoding::Gb18030 => match gb18030_len(c) {
                1 => 1,
                _ => 2,
            },
            PrintEncoding::Utf8 => match self.ambiguous {
                AmbiguousWidth::Narrow => c.width(),
                AmbiguousWidth::Wide => c.width_cjk(),
            }
            .unwrap_or(0),
        }
    }
}

impl fmt::Display for PrintWidth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.encoding {
            PrintEncoding::Gb18030 => write!(f, "gb18030"),
            PrintEncoding::Utf8 => {
                write!(f, "utf-8, ambiguous_width = {}", self.ambiguous.columns())
            }
        }
    }
}

/// Test oracle, independent of [`PrintWidth`]: the widest line of GB18030 `bytes` as a GB-mode
/// printer counts it, walking the bytes — one column for a byte below 0x80, two for a two-byte
/// code (lead 0x81–0xFE) or a four-byte code (lead, then a digit 0x30–0x39 second).
#[cfg(test)]
pub(crate) fn gb_printer_widest(bytes: &[u8]) -> usize {
    let mut widest = 0;
    for line in bytes.split(|b| *b == b'\n') {
        let (mut i, mut cols) = (0, 0);
        while i < line.len() {
            if line[i] < 0x80 {
                i += 1;
                cols += 1;
            } else if line.get(i + 1).is_some_and(u8::is_ascii_digit) {
                i += 4;
                cols += 2;
            } else {
                i += 2;
                cols += 2;
            }
        }
        widest = widest.max(cols);
    }
    widest
}

#[cfg(test)]
mod tests {
    use super::*;

    const AMBIGUOUS: [char; 10] = ['·', '—', '“', '”', '‘', '’', '…', '×', '°', '№'];

    fn utf8(ambiguous: AmbiguousWidth) -> PrintWidth {
        PrintWidth::new(PrintEncoding::Utf8, ambiguous)
    }

    #[test]
    fn r7_1_gb18030_gives_ambiguous_characters_two_columns() {
        for c in AMBIGUOUS {
            assert_eq!(gb18030_len(c), 2, "{c} is a double-byte GB code");
            assert_eq!(PrintWidth::GB18030.char_width(c), 2, "{c}");
            // Unicode calls them narrow: the terminal counts one.
            assert_eq!(c.width(), Some(1), "{c}");
        }
        assert_eq!(PrintWidth::GB18030.width("买买提·艾力"), 12);
        assert_eq!(PrintWidth::GB18030.width("长沙—2017—0001"), 16);
    }

    #[test]
    fn r7_1_utf8_follows_the_configured_ambiguous_width() {
        for c in AMBIGUOUS {
            assert_eq!(utf8(AmbiguousWidth::Wide).char_width(c), 2, "{c}");
            assert_eq!(utf8(AmbiguousWidth::Narrow).char_width(c), 1, "{c}");
        }
        assert_eq!(PrintWidth::default(), utf8(AmbiguousWidth::Wide));
    }

    #[test]
    fn cjk_ascii_non_bmp_and_emoji_on_every_device() {
        let devices = [
            PrintWidth::GB18030,
            utf8(AmbiguousWidth::Wide),
            utf8(AmbiguousWidth::Narrow),
        ];
        for d in devices {
            assert_eq!(d.width("张伟"), 4, "{d}");
            assert_eq!(d.width("〇"), 2, "{d}");
            assert_eq!(d.width("，。（）"), 8, "{d}");
            assert_eq!(d.width("Ab1-"), 4, "{d}");
            // 𠮷 (U+20BB7), outside the BMP: four bytes in GB18030, wide in Unicode.
            assert_eq!(d.char_width('𠮷'), 2, "{d}");
            assert_eq!(d.char_width('😀'), 2, "{d}");
        }
        assert_eq!(gb18030_len('A'), 1);
        assert_eq!(gb18030_len('张'), 2);
        assert_eq!(gb18030_len('𠮷'), 4);
        assert_eq!(gb18030_len('😀'), 4);
    }

    #[test]
    fn combining_marks_compose_in_utf8_and_take_a_cell_in_gb18030() {
        let nfd = "e\u{301}";
        assert_eq!(utf8(AmbiguousWidth::Narrow).width(nfd), 1);
        assert_eq!(utf8(AmbiguousWidth::Wide).char_width('\u{301}'), 0);
        assert_eq!(gb18030_len('\u{301}'), 4);
        assert_eq!(PrintWidth::GB18030.width(nfd), 3);
    }

    #[test]
    fn gb18030_width_is_one_exactly_for_ascii() {
        // Over a sample of all of Unicode: GB18030's one-byte codes are ASCII and nothing else.
        for u in (0..=0x10ffffu32).step_by(97).chain(0x80..0x800) {
            if let Some(c) = char::from_u32(u) {
                let expected = if c.is_ascii() { 1 } else { 2 };
                assert_eq!(PrintWidth::GB18030.char_width(c), expected, "U+{u:04X}");
            }
        }
    }

    #[test]
    fn the_oracle_counts_like_the_field_script() {
        let bytes = PrintEncoding::Gb18030.encode("长沙·中南大学 ab—𠮷\nx");
        assert_eq!(gb_printer_widest(&bytes), 2 * 2 + 2 + 4 * 2 + 1 + 2 + 2 + 2);
    }

    #[test]
    fn pad_and_fit_count_the_device_columns() {
        let gb = PrintWidth::GB18030;
        assert_eq!(gb.pad("·", 4), "·  ");
        assert_eq!(gb.pad_start("—", 3), " —");
        // The ellipsis is two columns on a GB printer.
        assert_eq!(gb.fit("湖南·师范大学", 8), "湖南·…");
        assert_eq!(gb.width(&gb.fit("湖南·师范大学", 8)), 8);
        assert_eq!(gb.fit("ab", 1), " ");
    }
}
