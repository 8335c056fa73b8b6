//! Which text encoding a CSV roster is in, decided by evidence rather than by "it decodes".
//!
//! Chinese spreadsheet programs save CSV in GBK (GB18030) unless asked for UTF-8; a short GBK
//! file is often valid UTF-8 too (the GBK bytes of 何 are the UTF-8 bytes of Greek κ), so the
//! first encoding that decodes cannot be trusted. Each possible reading is scored by how much of
//! its non-ASCII text is what a Hunan roster holds (common Chinese characters, Chinese
//! punctuation, the roster's own header names) against what it never holds (Greek, Cyrillic,
//! Latin-1 accents, box drawing, private-use code points); when no reading is convincing the file
//! is refused, naming the encodings tried and what each reading would have stored.
//!
//! chardetng (by encoding_rs's author) was weighed for this: it returns UTF-8 for every input
//! that is valid UTF-8, by design, so it stores the field case `κΰ` as Greek, and it never says
//! "undecidable". The rule here decides the short cases it gets wrong and is as good on long
//! files; see the tests.

use std::borrow::Cow;

/// What the file turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Utf8Bom,
    Gb18030,
    Xlsx,
}

impl Encoding {
    /// The name a clerk sees in a spreadsheet program's "save as" dialog.
    pub fn label(self) -> &'static str {
        match self {
            Encoding::Utf8 => "UTF-8",
            Encoding::Utf8Bom => "UTF-8 (BOM)",
            Encoding::Gb18030 => "GB18030/GBK",
            Encoding::Xlsx => "XLSX",
        }
    }
}

/// Why a CSV file's bytes could not be turned into text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EncodingError {
    /// Excel's "Unicode text" (UTF-16): decoding it as GB18030 would give plausible-looking garbage.
    Utf16,
    /// The file starts with a UTF-8 byte-order mark but line `line` is not UTF-8.
    BomButNotUtf8 { line: usize },
    /// Line `line` is neither UTF-8 nor GB18030.
    NotText { line: usize },
    /// Line `line` is in `here` while the lines before it were in `first` (two files pasted
    /// together, or a row typed into a file saved in the other encoding).
    Mixed {
        line: usize,
        first: Encoding,
        here: Encoding,
    },
    /// Both readings are possible and neither looks like a roster; each sample is the first
    /// non-ASCII text of that reading, so the clerk sees what would have been stored.
    Undecided {
        utf8_sample: Option<String>,
        gb18030_sample: Option<String>,
    },
}

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// A reading is convincing when at least this share of its non-ASCII characters is plausible.
const CONVINCING: f64 = 0.6;
/// When UTF-8 is impossible, GB18030 needs less to be believed (Big5 or Latin-1 files still fail).
const CONVINCING_ALONE: f64 = 0.3;

/// Decodes a CSV file. `known` are the header names the roster may carry (evidence: a reading
/// whose first lines contain one of them is the right one).
pub fn decode<'a>(
    bytes: &'a [u8],
    known: &[&str],
) -> Result<(Cow<'a, str>, Encoding), EncodingError> {
    if let Some(rest) = bytes.strip_prefix(UTF8_BOM) {
        return match std::str::from_utf8(rest) {
            Ok(text) => Ok((Cow::Borrowed(text), Encoding::Utf8Bom)),
            Err(e) => Err(EncodingError::BomButNotUtf8 {
                line: line_at(rest, e.valid_up_to()),
            }),
        };
    }
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        return Err(EncodingError::Utf16);
    }
    let utf8 = std::str::from_utf8(bytes).ok();
    let gb = encoding_rs::GB18030.decode_without_bom_handling_and_without_replacement(bytes);
    match (utf8, gb) {
        (Some(u), _) if u.is_ascii() => Ok((Cow::Borrowed(u), Encoding::Utf8)),
        (Some(u), None) => Ok((Cow::Borrowed(u), Encoding::Utf8)),
        (Some(u), Some(g)) => {
            let (su, sg) = (Evidence::of(u, known), Evidence::of(&g, known));
            if su.headers != sg.headers {
                return Ok(if su.headers {
                    (Cow::Borrowed(u), Encoding::Utf8)
                } else {
                    (g, Encoding::Gb18030)
                });
            }
            if su.score >= CONVINCING && su.score >= sg.score {
                Ok((Cow::Borrowed(u), Encoding::Utf8))
            } else if sg.score >= CONVINCING && sg.score > su.score {
                Ok((g, Encoding::Gb18030))
            } else {
                Err(EncodingError::Undecided {
                    utf8_sample: sample(u),
                    gb18030_sample: sample(&g),
                })
            }
        }
        (None, gb) => {
            // Not UTF-8 as a whole: either GB18030 throughout, or lines of both, or neither.
            mixed_or_bad_line(bytes, known)?;
            match gb {
                Some(g) => {
                    let e = Evidence::of(&g, known);
                    if e.headers || e.score >= CONVINCING_ALONE {
                        Ok((g, Encoding::Gb18030))
                    } else {
                        Err(EncodingError::Undecided {
                            utf8_sample: None,
                            gb18030_sample: sample(&g),
                        })
                    }
                }
                None => Err(EncodingError::NotText {
                    line: first_bad_gb_line(bytes),
                }),
            }
        }
    }
}

/// Classifies each line of a file that is not UTF-8 as a whole: a line that is convincing UTF-8
/// among GB18030 lines makes the file mixed; a line that is neither is named.
fn mixed_or_bad_line(bytes: &[u8], known: &[&str]) -> Result<(), EncodingError> {
    let mut first: Option<Encoding> = None;
    for (i, line) in bytes.split(|&b| b == b'\n').enumerate() {
        if line.is_ascii() {
            continue;
        }
        let utf8 = std::str::from_utf8(line).ok();
        let gb = encoding_rs::GB18030.decode_without_bom_handling_and_without_replacement(line);
        let here = match (utf8, gb) {
            (None, None) => return Err(EncodingError::NotText { line: i + 1 }),
            (None, Some(_)) => Encoding::Gb18030,
            (Some(_), None) => Encoding::Utf8,
            (Some(u), Some(g)) => {
                let (su, sg) = (Evidence::of(u, known), Evidence::of(&g, known));
                if su.score >= CONVINCING && su.score > sg.score {
                    Encoding::Utf8
                } else {
                    Encoding::Gb18030
                }
            }
        };
        match first {
            None => first = Some(here),
            Some(f) if f != here => {
                return Err(EncodingError::Mixed {
                    line: i + 1,
                    first: f,
                    here,
                });
            }
            Some(_) => {}
        }
    }
    Ok(())
}

/// Whether a line that is valid UTF-8 reads as UTF-8 rather than GB18030, judged as
/// [`mixed_or_bad_line`] judges each line of a file that is not UTF-8 as a whole: a stream
/// decided to be GB18030 checks its later lines with this.
pub(super) fn line_is_utf8(line: &[u8], known: &[&str]) -> bool {
    let Ok(u) = std::str::from_utf8(line) else {
        return false;
    };
    match encoding_rs::GB18030.decode_without_bom_handling_and_without_replacement(line) {
        None => true,
        Some(g) => {
            let (su, sg) = (Evidence::of(u, known), Evidence::of(&g, known));
            su.score >= CONVINCING && su.score > sg.score
        }
    }
}

fn first_bad_gb_line(bytes: &[u8]) -> usize {
    bytes
        .split(|&b| b == b'\n')
        .position(|line| {
            encoding_rs::GB18030
                .decode_without_bom_handling_and_without_replacement(line)
                .is_none()
        })
        .map_or(1, |i| i + 1)
}

/// 1-based line of byte offset `at`.
fn line_at(bytes: &[u8], at: usize) -> usize {
    1 + bytes[..at.min(bytes.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
}

/// Up to 12 characters of the first non-ASCII run of a reading, control characters dropped.
fn sample(text: &str) -> Option<String> {
    let start = text.find(|c: char| !c.is_ascii())?;
    let s: String = text[start..]
        .chars()
        .take_while(|c| !matches!(c, ',' | '\n' | '\r'))
        .filter(|c| !c.is_control())
        .take(12)
        .collect();
    Some(s)
}

/// How much a reading looks like a Hunan roster.
#[derive(Debug, Clone, Copy)]
struct Evidence {
    /// Share of non-ASCII characters that are plausible (0.0 to 1.0).
    score: f64,
    /// One of the roster's header names appears in the first lines.
    headers: bool,
}

impl Evidence {
    /// Judged on the first 12 lines (at most [`SAMPLE_BYTES`] of them) for header names, and on
    /// the first [`SAMPLE_CHARS`] non-ASCII characters for the score: an encoding holds for a
    /// whole file, so a sample decides as well as all of it, in work that does not grow with a
    /// 50 MB cell.
    fn of(text: &str, known: &[&str]) -> Evidence {
        let start = &text[..floor_char_boundary(text, SAMPLE_BYTES)];
        let head: String = start.lines().take(12).collect::<Vec<_>>().join("\n");
        let headers = known.iter().any(|k| !k.is_ascii() && head.contains(k));
        let (mut total, mut good) = (0.0f64, 0.0f64);
        // A character's plausibility costs a search of the GBK table; a file repeats few
        // characters many times, so each is looked up once: linear work in the file's length
        // (a 50 MB cell of one character took two minutes before).
        let mut known: std::collections::HashMap<char, f64> = std::collections::HashMap::new();
        for c in text.chars().filter(|c| !c.is_ascii()).take(SAMPLE_CHARS) {
            total += 1.0;
            good += *known.entry(c).or_insert_with(|| plausibility(c));
        }
        let score = if total == 0.0 { 1.0 } else { good / total };
        Evidence { score, headers }
    }
}

/// How much of a file's start [`Evidence`] looks in for header names.
const SAMPLE_BYTES: usize = 64 << 10;
/// How many non-ASCII characters [`Evidence`] scores: thousands of rows of names and units.
const SAMPLE_CHARS: usize = 1 << 18;

/// The largest index not above `at` that starts a character of `s` (or its length).
fn floor_char_boundary(s: &str, at: usize) -> usize {
    if at >= s.len() {
        return s.len();
    }
    (0..=at).rev().find(|&i| s.is_char_boundary(i)).unwrap_or(0)
}

/// 1.0 for what rosters are made of, 0.5 for the less common characters of GB2312, 0.0 for
/// characters a mis-decoding produces (Greek, Cyrillic, Latin-1 accents, rare CJK, symbols).
fn plausibility(c: char) -> f64 {
    match c {
        // Chinese punctuation and full-width forms; the minority-name dot.
        '\u{3000}'..='\u{303F}'
        | '\u{FF01}'..='\u{FF5E}'
        | '·'
        | '—'
        | '‘'
        | '’'
        | '“'
        | '”'
        | '…'
        | '•'
        | '‧' => 1.0,
        c if is_cjk_ideograph(c) => {
            // GB2312 level 1 (lead bytes B0–D7) holds the 3 755 most used characters, level 2
            // (D8–F7) the next 3 008; a mis-decoded file is mostly outside level 1.
            let mut buf = [0u8; 4];
            let (bytes, _, _) = encoding_rs::GBK.encode(c.encode_utf8(&mut buf));
            match (bytes.len(), bytes.first()) {
                (2, Some(0xB0..=0xD7)) => 1.0,
                (2, Some(0xD8..=0xF7)) => 0.5,
                _ => 0.0,
            }
        }
        _ => 0.0,
    }
}

fn is_cjk_ideograph(c: char) -> bool {
    matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}' | '\u{20000}'..='\u{3134F}')
}

#[cfg(test)]
mod tests {
    use super::*;

    const KNOWN: &[&str] = &["身份证号", "姓名", "单位", "id_number", "name"];

    fn gb(s: &str) -> Vec<u8> {
        encoding_rs::GB18030.encode(s).0.into_owned()
    }

    fn enc(bytes: &[u8]) -> Result<(String, Encoding), EncodingError> {
        decode(bytes, KNOWN).map(|(t, e)| (t.into_owned(), e))
    }

    #[test]
    fn a_short_gbk_file_that_is_also_valid_utf8_is_read_as_gbk() {
        // The field case: 魏伟's GBK bytes are the UTF-8 bytes of Greek "κΰ".
        let bytes = gb("id_number,name,unit\n430102198305060616,魏伟,IBM\n");
        assert_eq!(
            std::str::from_utf8(&bytes).ok(),
            Some("id_number,name,unit\n430102198305060616,κΰ,IBM\n")
        );
        let (text, e) = enc(&bytes).unwrap();
        assert_eq!(e, Encoding::Gb18030);
        assert!(text.contains("魏伟"), "{text}");
    }

    #[test]
    fn utf8_chinese_is_utf8_short_or_long() {
        for text in [
            "id,name\n1,张\n".to_string(),
            "id,name\n1,何某\n".to_string(),
            "身份证号,姓名,单位\n430102198305060616,张伟,湖南大学\n".repeat(200),
        ] {
            assert_eq!(
                enc(text.as_bytes()).unwrap(),
                (text.clone(), Encoding::Utf8)
            );
        }
    }

    #[test]
    fn gbk_chinese_is_gbk_short_or_long() {
        for text in [
            "id,name\n1,张\n".to_string(),
            "身份证号,姓名,单位\r\n430102198305060616,张伟,湖南大学\r\n".repeat(300),
        ] {
            assert_eq!(enc(&gb(&text)).unwrap(), (text.clone(), Encoding::Gb18030));
        }
    }

    #[test]
    fn known_headers_decide_when_the_letters_do_not() {
        let text = "姓名,单位\n1,κΰ\n";
        assert_eq!(enc(text.as_bytes()).unwrap().1, Encoding::Utf8);
    }

    #[test]
    fn neither_reading_convincing_is_refused_with_both_samples() {
        // Valid UTF-8 (a character outside GBK, no Chinese header) whose GB18030 reading is
        // private-use and rare characters.
        let err = enc("a,b\n1,𠮷\n".as_bytes()).unwrap_err();
        match err {
            EncodingError::Undecided {
                utf8_sample: Some(u),
                gb18030_sample: Some(_),
            } => assert_eq!(u, "𠮷"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_file_mixing_encodings_names_the_row() {
        let mut bytes = "身份证号,姓名\n1,张伟\n2,李娜\n".as_bytes().to_vec();
        bytes.extend(gb("3,王芳\n"));
        assert_eq!(
            enc(&bytes).unwrap_err(),
            EncodingError::Mixed {
                line: 4,
                first: Encoding::Utf8,
                here: Encoding::Gb18030
            }
        );
        let mut bytes = gb("身份证号,姓名\n1,张伟\n");
        bytes.extend("2,李娜\n".as_bytes());
        assert_eq!(
            enc(&bytes).unwrap_err(),
            EncodingError::Mixed {
                line: 3,
                first: Encoding::Gb18030,
                here: Encoding::Utf8
            }
        );
    }

    #[test]
    fn bytes_that_are_no_text_name_the_line() {
        assert_eq!(
            enc(b"a,b\n1,2\n3,\xFF\n").unwrap_err(),
            EncodingError::NotText { line: 3 }
        );
    }

    #[test]
    fn bom_and_utf16() {
        let mut bytes = UTF8_BOM.to_vec();
        bytes.extend("姓名\n张三\n".as_bytes());
        assert_eq!(enc(&bytes).unwrap().1, Encoding::Utf8Bom);
        bytes.extend(b"\n\xFF\n");
        assert_eq!(
            enc(&bytes).unwrap_err(),
            EncodingError::BomButNotUtf8 { line: 4 }
        );
        assert_eq!(enc(b"\xFF\xFEa\x00").unwrap_err(), EncodingError::Utf16);
    }

    proptest::proptest! {
        /// Names drawn from common surnames and given-name characters, in either encoding, are
        /// read back exactly: the rule never turns a real roster into mojibake.
        #[test]
        fn rosters_of_common_names_round_trip(
            names in proptest::collection::vec("[张王李赵刘陈杨黄周吴何][伟芳娜敏静丽强磊军洋勇艳杰涛明超秀英华]{1,2}", 1..20),
            as_gb: bool,
        ) {
            let mut text = String::from("id,name\n");
            for (i, n) in names.iter().enumerate() {
                text.push_str(&format!("{i},{n}\n"));
            }
            let bytes = if as_gb { gb(&text) } else { text.clone().into_bytes() };
            let (got, e) = enc(&bytes).unwrap();
            proptest::prop_assert_eq!(got, text);
            proptest::prop_assert_eq!(e, if as_gb { Encoding::Gb18030 } else { Encoding::Utf8 });
        }
    }
}
