//! UTF-8 or GB18030 (what Chinese dot-matrix printers take).

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PrintEncoding {
    #[default]
    Utf8,
    Gb18030,
}

impl PrintEncoding {
    pub fn parse(s: &str) -> Option<PrintEncoding> {
        match s.trim().to_ascii_lowercase().replace('_', "-").as_str() {
            "utf-8" | "utf8" => Some(PrintEncoding::Utf8),
            "gb18030" | "gbk" | "gb2312" => Some(PrintEncoding::Gb18030),
            _ => None,
        }
    }

    /// GB18030 encodes all of Unicode, so nothing is lost or replaced.
    pub fn encode(self, text: &str) -> Vec<u8> {
        match self {
            PrintEncoding::Utf8 => text.as_bytes().to_vec(),
            PrintEncoding::Gb18030 => encoding_rs::GB18030.encode(text).0.into_owned(),
        }
    }
}

impl fmt::Display for PrintEncoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PrintEncoding::Utf8 => "utf-8",
            PrintEncoding::Gb18030 => "gb18030",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gb18030_is_the_utf8_text_re_encoded_and_round_trips_rare_characters() {
        let text = "张伟 吉𠮷 二〇一七年七月十五日\n\u{c}";
        let gb = PrintEncoding::Gb18030.encode(text);
        let (back, _, bad) = encoding_rs::GB18030.decode(&gb);
        assert!(!bad);
        assert_eq!(back, text);
        assert_ne!(gb, text.as_bytes());
        // The form feed and line feed stay single control bytes for the printer.
        assert!(gb.ends_with(b"\n\x0c"));
        assert_eq!(PrintEncoding::parse("GBK"), Some(PrintEncoding::Gb18030));
    }
}
