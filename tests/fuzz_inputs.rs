//! Fuzzing with proptest where cargo-fuzz needs a nightly toolchain (issue 9): the CSV and XLSX
//! readers (arbitrary bytes, and mutations of a valid workbook), the roster parsers behind them,
//! the ID number, date and hours parsers, the configuration loader and the terminal
//! neutralising. Each property is "no panic, and the answer is bounded": a reader either gives
//! a table within the limits or an error whose message is short and inert. Case counts are
//! bounded so that each property runs in a few seconds.

use std::io::{Cursor, Read, Write};

use chrono::NaiveDate;
use proptest::collection::vec;
use proptest::prelude::*;

use jijiao::config::Config;
use jijiao::domain::dates::parse_date;
use jijiao::domain::text::{clean_line, for_terminal, quote_prefix};
use jijiao::domain::{Hours, IdNumber};
use jijiao::i18n::{Describe, Lang};
use jijiao::import::table::{read_csv_bytes_with, read_xlsx_bytes};
use jijiao::import::{Kind, Limits, Table, TableError};
use jijiao::store::Store;
use jijiao::store::reference::Reference;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2017, 7, 15).unwrap_or_default()
}

/// Small bounds, so that the limits themselves are exercised by small inputs.
fn limits() -> Limits {
    Limits::for_rows(40)
}

/// Whatever a reader answers: a table within the bounds, parsed by every roster kind without a
/// panic; or an error whose messages are short and hold no control character.
fn check_answer(answer: Result<Table, TableError>, limits: &Limits) -> Result<(), TestCaseError> {
    match answer {
        Ok(table) => {
            prop_assert!(table.rows.len() <= limits.max_rows);
            let cells: usize = table.rows.iter().map(|r| r.cells.len()).sum();
            prop_assert!(cells <= limits.max_cells.max(table.headers.len() * table.rows.len()));
            let store =
                Store::open_in_memory().map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
            let reference =
                Reference::load(&store).map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
            let mut problems = Vec::new();
            if let Err(e) = jijiao::import::people::parse(&table, &reference, today()) {
                problems.extend(e);
            }
            if let Err(e) = jijiao::import::entries::parse(&table, &reference, today()) {
                problems.extend(e);
            }
            // Filings are parsed a row at a time, as the import streams them.
            match jijiao::import::Columns::match_headers(Kind::Filings, &table) {
                Err(e) => problems.extend(e),
                Ok(cols) => table.rows.iter().for_each(|row| {
                    if let Err(e) = jijiao::import::filings::parse_row(&cols, row) {
                        problems.extend(e);
                    }
                }),
            }
            for p in problems.iter().take(50) {
                for lang in [Lang::Zh, Lang::En] {
                    let line = for_terminal(&p.render("f.csv", lang));
                    prop_assert!(
                        !line.chars().any(|c| c.is_control() && c != '\n'),
                        "{line:?}"
                    );
                }
            }
        }
        Err(e) => {
            for lang in [Lang::Zh, Lang::En] {
                let m = for_terminal(&e.describe(lang));
                prop_assert!(m.chars().count() < 600, "{m}");
                prop_assert!(!m.chars().any(|c| c.is_control() && c != '\n'), "{m:?}");
            }
        }
    }
    Ok(())
}

/// CSV-ish bytes: mostly the characters rosters are made of, with quotes, separators, line
/// breaks, escape bytes and invalid UTF-8 mixed in.
fn csv_bytes() -> impl Strategy<Value = Vec<u8>> {
    let pieces = prop_oneof![
        Just(b",".to_vec()),
        Just(b"\"".to_vec()),
        Just(b"\n".to_vec()),
        Just(b"\r".to_vec()),
        Just(b"\x1b[2J".to_vec()),
        Just("身份证号,姓名,单位,单位类型,市州\n".as_bytes().to_vec()),
        Just(
            "430102198001010011,张伟,湖南师范大学,省直单位,省直\n"
                .as_bytes()
                .to_vec()
        ),
        Just(
            "年度,科目类别,学习形式,开始日期,结束日期,学时"
                .as_bytes()
                .to_vec()
        ),
        Just(b"\xff\xfe".to_vec()),
        Just(b"\xef\xbb\xbf".to_vec()),
        Just(vec![0xd5, 0xc5]),
        vec(any::<u8>(), 0..8),
    ];
    vec(pieces, 0..60).prop_map(|ps| ps.concat())
}

/// The parts of a small valid workbook of a people roster (a number cell, a formula).
fn workbook_parts() -> Vec<(String, Vec<u8>)> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let ws = book.add_worksheet();
    for (c, h) in ["身份证号", "姓名", "单位", "单位类型", "市州"]
        .iter()
        .enumerate()
    {
        ws.write_string(0, c as u16, *h).ok();
    }
    for (c, v) in [
        "430102198001010011",
        "张伟",
        "湖南师范大学",
        "省直单位",
        "省直",
    ]
    .iter()
    .enumerate()
    {
        ws.write_string(1, c as u16, *v).ok();
    }
    ws.write_number(2, 0, 4.30102e17).ok();
    ws.write_formula(2, 1, "=A2").ok();
    let bytes = book.save_to_buffer().unwrap_or_default();
    let mut zin = zip::ZipArchive::new(Cursor::new(bytes)).expect("a workbook is a zip");
    (0..zin.len())
        .map(|i| {
            let mut f = zin.by_index(i).expect("part");
            let mut data = Vec::new();
            f.read_to_end(&mut data).expect("read part");
            (f.name().to_string(), data)
        })
        .collect()
}

/// `parts` zipped, stored (not compressed), with correct checksums.
fn zip_parts(parts: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let stored =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, data) in parts {
        out.start_file(name.as_str(), stored).expect("start part");
        out.write_all(data).expect("write part");
    }
    out.finish().expect("finish").into_inner()
}

/// What a mutation of a part's XML inserts: tokens that reach calamine's edge cases (a shared
/// string index it does not have, the last cell of a sheet, shared formulas over a column,
/// inline strings, error values, dates) as well as plain bytes.
fn xml_token() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        Just(b"<v>99</v>".to_vec()),
        Just(br#" r="XFD1048576""#.to_vec()),
        Just(br#"<f t="shared" ref="A1:A1048576" si="7">A1</f>"#.to_vec()),
        Just(br#"<c r="B9" t="inlineStr"><is><t>x</t></is></c>"#.to_vec()),
        Just(br#"<c r="C9" t="e"><v>#REF!</v></c>"#.to_vec()),
        Just(br#"<c r="D9" s="1"><v>42795</v></c>"#.to_vec()),
        Just(br#"<c r="E9" t="d"><v>2017-03-01T00:00:00</v></c>"#.to_vec()),
        Just(b"<row>".to_vec()),
        Just(b"</c>".to_vec()),
        Just(b"&#0;".to_vec()),
        vec(any::<u8>(), 1..6),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn csv_reader_and_parsers_survive_arbitrary_bytes(bytes in csv_bytes()) {
        let l = limits();
        let answer = read_csv_bytes_with(&bytes, &Kind::People, &l).map(|(t, _)| t);
        check_answer(answer, &l)?;
    }

    #[test]
    fn csv_reader_survives_raw_noise(bytes in vec(any::<u8>(), 0..4096)) {
        let l = limits();
        let answer = read_csv_bytes_with(&bytes, &Kind::Entries, &l).map(|(t, _)| t);
        check_answer(answer, &l)?;
    }

    #[test]
    fn xlsx_reader_survives_arbitrary_bytes(tail in vec(any::<u8>(), 0..2048)) {
        let mut bytes = b"PK\x03\x04".to_vec();
        bytes.extend(tail);
        let l = limits();
        check_answer(read_xlsx_bytes(bytes, &Kind::People, &l), &l)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(120))]

    /// Mutations of a valid workbook's XML (tokens inserted, bytes replaced, a part cut
    /// short), zipped again with correct checksums so that they reach calamine's parser.
    #[test]
    fn xlsx_reader_survives_mutated_workbook_xml(
        part in any::<prop::sample::Index>(),
        edits in vec((any::<prop::sample::Index>(), xml_token(), any::<bool>()), 1..6),
        cut in proptest::option::of(any::<prop::sample::Index>()),
    ) {
        let mut parts = workbook_parts();
        // The sheet and the shared strings most of the time, any part otherwise.
        let at = part.index(parts.len() + 4);
        let chosen = match at.checked_sub(parts.len()) {
            None => at,
            Some(k) => {
                let want = if k % 2 == 0 { "xl/worksheets/sheet1.xml" } else { "xl/sharedStrings.xml" };
                parts.iter().position(|(n, _)| n == want).unwrap_or(0)
            }
        };
        let data = &mut parts[chosen].1;
        for (pos, token, replace) in edits {
            let i = pos.index(data.len() + 1);
            if replace && i < data.len() {
                let end = (i + token.len()).min(data.len());
                data.splice(i..end, token);
            } else {
                data.splice(i..i, token);
            }
        }
        if let Some(c) = cut {
            data.truncate(c.index(data.len() + 1));
        }
        let l = limits();
        check_answer(read_xlsx_bytes(zip_parts(&parts), &Kind::People, &l), &l)?;
    }

    /// Mutations of the zip container itself: bytes replaced anywhere (headers, sizes, the
    /// central directory) and the file cut short.
    #[test]
    fn xlsx_reader_survives_mutated_zip_containers(
        edits in vec((any::<prop::sample::Index>(), any::<u8>()), 1..12),
        cut in proptest::option::of(any::<prop::sample::Index>()),
    ) {
        let mut bytes = zip_parts(&workbook_parts());
        for (at, b) in edits {
            let i = at.index(bytes.len());
            bytes[i] = b;
        }
        if let Some(at) = cut {
            bytes.truncate(at.index(bytes.len()).max(4));
        }
        let l = limits();
        check_answer(read_xlsx_bytes(bytes, &Kind::People, &l), &l)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn id_number_parser_survives_any_text(s in "\\PC{0,40}|[0-9Xx \u{200b}]{0,24}") {
        if let Ok(id) = IdNumber::parse(&s) {
            prop_assert_eq!(id.as_str().len(), 18);
            let _ = id.plausible(today());
        } else {
            let e = IdNumber::parse(&s).err();
            for lang in [Lang::Zh, Lang::En] {
                prop_assert!(!e.as_ref().map(|e| e.describe(lang)).unwrap_or_default().is_empty());
            }
        }
    }

    #[test]
    fn date_parser_survives_any_text(s in "\\PC{0,30}|[0-9年月日/.\\- T:]{0,24}") {
        if let Ok(d) = parse_date(&s) {
            prop_assert!(d.to_string().len() >= 10);
        }
    }

    #[test]
    fn hours_parser_survives_any_text(s in "\\PC{0,30}|[0-9０-９.．。\\-−学时 ]{0,20}") {
        if let Ok(h) = Hours::parse(&s) {
            prop_assert!(h.tenths() >= 0);
        }
        let _ = Hours::parse_positive(&s);
    }

    #[test]
    fn terminal_text_never_carries_a_control_and_quotes_stay_short(s in "\\PC{0,60}|[\u{0}-\u{9f}\u{202a}-\u{202e}\u{2066}-\u{2069}a张]{0,60}") {
        let shown = for_terminal(&s);
        prop_assert!(!shown.chars().any(|c| (c.is_control() && c != '\n')
            || ('\u{202a}'..='\u{202e}').contains(&c)
            || ('\u{2066}'..='\u{2069}').contains(&c)), "{shown:?}");
        prop_assert_eq!(for_terminal(&shown), shown.clone());
        let q = quote_prefix(&s.repeat(100));
        prop_assert!(q.chars().count() <= 41 * 8 + 1, "{q}");
        let clean = clean_line(&s);
        prop_assert_eq!(for_terminal(&clean), clean.clone(), "cleaned text needs no showing");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// The configuration loader: arbitrary text, and text built from the keys it knows with
    /// values of every type, gives a configuration or an error naming the file, never a panic.
    #[test]
    fn configuration_loader_survives_any_text(
        text in "\\PC{0,200}|(\\[(office|printer|import|roles|preprinted|x)\\]\n|(name|max_rows|width|ambiguous_width|encoding|clerks) = (-?[0-9]{1,20}|\"[^\"\n]{0,8}\"|\\[\\]|true)\n){0,8}",
    ) {
        let dir = tempfile::tempdir().map_err(|e| TestCaseError::fail(e.to_string()))?;
        let path = dir.path().join("config.toml");
        std::fs::write(&path, &text).map_err(|e| TestCaseError::fail(e.to_string()))?;
        match Config::load(&path, true) {
            Ok(c) => {
                let l = c.import.limits();
                prop_assert!(l.max_file_bytes >= l.max_rows.min(1) as u64);
            }
            Err(e) => {
                let m = e.describe(Lang::Zh);
                prop_assert!(m.contains("config.toml"), "{m}");
            }
        }
    }
}

/// The workbook the mutations start from is a roster the reader accepts: mutations start from
/// the parser's ordinary path, not from a file it refuses at once.
#[test]
fn the_workbook_mutated_is_read_unmutated() {
    let table =
        read_xlsx_bytes(zip_parts(&workbook_parts()), &Kind::People, &limits()).expect("reads");
    assert_eq!(table.headers[..2], ["身份证号", "姓名"]);
    assert_eq!(table.rows.len(), 2);
    assert_eq!(table.rows[0].cells[1].text, "张伟");
}
