//! A roster file as a plain table of trimmed strings: header row, data rows, and the row number a
//! clerk would look for in the spreadsheet. Knows nothing about the domain; the importers map
//! headers to fields and validate values.

use std::borrow::Cow;
use std::fmt;
use std::io::Cursor;
use std::path::Path;

use calamine::{Data, Reader, Xlsx};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    pub headers: Vec<String>,
    pub rows: Vec<Row>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// The row number Excel shows, or the CSV line where the record starts (header = row 1 when
    /// it is the first line), so error messages point where the clerk will look.
    pub line: usize,
    /// Exactly as many as `Table::headers`; missing cells are "".
    pub cells: Vec<String>,
}

/// What the file turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Utf8Bom,
    Gb18030,
    Xlsx,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TableError {
    Io {
        path: String,
        message: String,
    },
    /// No header row: the file (or first sheet) has no non-blank row.
    Empty,
    BadCsv {
        line: usize,
        message: String,
    },
    Xlsx(String),
    /// Carries the file's extension as written ("" when there is none).
    UnknownFormat(String),
}

impl fmt::Display for TableError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TableError::Io { path, message } => write!(f, "{path}: {message}"),
            TableError::Empty => write!(f, "no header row: the file is empty"),
            TableError::BadCsv { line, message } => write!(f, "line {line}: {message}"),
            TableError::Xlsx(message) => write!(f, "xlsx: {message}"),
            TableError::UnknownFormat(ext) => {
                write!(f, "unsupported file type .{ext}: save it as .xlsx or .csv")
            }
        }
    }
}

impl std::error::Error for TableError {}

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";
const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
/// OLE compound file: the old binary .xls (and .doc) format.
const CFB_MAGIC: &[u8] = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";

/// Reads a `.csv` or `.xlsx` roster. A `.csv` (or extension-less) file that is really a workbook
/// is read as one: a workbook given a .csv name by hand is a common mistake, and the content
/// says unambiguously what it is.
pub fn read_table(path: &Path) -> Result<(Table, Encoding), TableError> {
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().into_owned())
        .unwrap_or_default();
    let lower = ext.to_ascii_lowercase();
    // Extension-less files are accepted as CSV so that scripts can hand over temporary files.
    if !matches!(lower.as_str(), "csv" | "xlsx" | "") {
        return Err(TableError::UnknownFormat(ext));
    }
    let bytes = std::fs::read(path).map_err(|e| TableError::Io {
        path: path.display().to_string(),
        message: e.to_string(),
    })?;
    if lower == "xlsx" || bytes.starts_with(ZIP_MAGIC) {
        return Ok((read_xlsx(bytes)?, Encoding::Xlsx));
    }
    if bytes.starts_with(CFB_MAGIC) {
        return Err(TableError::UnknownFormat("xls".to_string()));
    }
    read_csv_bytes(&bytes)
}

/// Parses CSV bytes in UTF-8 (with or without BOM) or GB18030, the superset of the GBK that
/// Chinese Excel and WPS write when asked for "CSV".
pub fn read_csv_bytes(bytes: &[u8]) -> Result<(Table, Encoding), TableError> {
    let (text, encoding) = decode(bytes)?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let records = reader.records().map(|record| {
        let record = record.map_err(|e| TableError::BadCsv {
            line: e.position().map_or(0, |p| start_line(text.as_bytes(), p)),
            message: e.to_string(),
        })?;
        let line = record
            .position()
            .map_or(0, |p| start_line(text.as_bytes(), p));
        Ok((line, record.iter().map(clean).collect()))
    });
    let table = assemble(records, |line, field, width| TableError::BadCsv {
        line,
        message: format!("field {field} has a value but the header has only {width} columns"),
    })?;
    Ok((table, encoding))
}

/// The csv crate positions a record where the previous one ended, i.e. before any blank lines
/// and before the "\n" of a CRLF terminator; the clerk needs the line the record's text is on.
fn start_line(text: &[u8], pos: &csv::Position) -> usize {
    let mut line = usize::try_from(pos.line()).unwrap_or(usize::MAX);
    let start = usize::try_from(pos.byte()).unwrap_or(usize::MAX);
    for &b in text.iter().skip(start) {
        match b {
            b'\n' => line = line.saturating_add(1),
            b'\r' => {}
            _ => break,
        }
    }
    line
}

fn decode(bytes: &[u8]) -> Result<(Cow<'_, str>, Encoding), TableError> {
    if let Some(rest) = bytes.strip_prefix(UTF8_BOM) {
        return match std::str::from_utf8(rest) {
            Ok(text) => Ok((Cow::Borrowed(text), Encoding::Utf8Bom)),
            Err(e) => Err(TableError::BadCsv {
                line: line_at(rest, e.valid_up_to()),
                message: "not valid UTF-8, although the file starts with a UTF-8 byte-order mark"
                    .to_string(),
            }),
        };
    }
    // Excel's "Unicode text" export; decoding it as GB18030 would yield plausible-looking garbage.
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        return Err(TableError::BadCsv {
            line: 1,
            message: "UTF-16 text is not supported: save the sheet as .xlsx or CSV".to_string(),
        });
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok((Cow::Borrowed(text), Encoding::Utf8));
    }
    let (text, had_errors) = encoding_rs::GB18030.decode_without_bom_handling(bytes);
    if had_errors {
        // Replacement characters would otherwise reach the database as silently corrupted names.
        let at = text.find('\u{FFFD}').unwrap_or(0);
        return Err(TableError::BadCsv {
            line: line_at(text.as_bytes(), at),
            message: "text is neither UTF-8 nor GB18030/GBK".to_string(),
        });
    }
    Ok((text, Encoding::Gb18030))
}

/// 1-based line of byte offset `at`.
fn line_at(bytes: &[u8], at: usize) -> usize {
    1 + bytes[..at.min(bytes.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
}

/// Invisible padding that clerks type or paste around values: all Unicode white space (which
/// includes the ideographic space U+3000 of Chinese input methods), plus a stray BOM or
/// zero-width space copied from web pages.
fn clean(cell: &str) -> String {
    cell.trim_matches(|c: char| c.is_whitespace() || c == '\u{FEFF}' || c == '\u{200B}')
        .to_string()
}

/// Turns raw records into a table: the first non-blank record is the header, blank records are
/// dropped, short records are padded. `too_long(line, field, header_width)` builds the error for
/// a record with a value beyond the header's last column (`field` is 1-based).
fn assemble<I, F>(records: I, too_long: F) -> Result<Table, TableError>
where
    I: Iterator<Item = Result<(usize, Vec<String>), TableError>>,
    F: Fn(usize, usize, usize) -> TableError,
{
    let mut headers: Option<Vec<String>> = None;
    let mut rows = Vec::new();
    for record in records {
        let (line, mut cells) = record?;
        let Some(last) = cells.iter().rposition(|c| !c.is_empty()) else {
            continue;
        };
        match &headers {
            None => {
                // Spreadsheets often export trailing empty columns; they name nothing.
                cells.truncate(last + 1);
                headers = Some(cells);
            }
            Some(h) => {
                if last >= h.len() {
                    return Err(too_long(line, last + 1, h.len()));
                }
                cells.resize(h.len(), String::new());
                rows.push(Row { line, cells });
            }
        }
    }
    let headers = headers.ok_or(TableError::Empty)?;
    Ok(Table { headers, rows })
}

fn read_xlsx(bytes: Vec<u8>) -> Result<Table, TableError> {
    let mut book: Xlsx<_> =
        Xlsx::new(Cursor::new(bytes)).map_err(|e| TableError::Xlsx(e.to_string()))?;
    let range = match book.worksheet_range_at(0) {
        Some(range) => range.map_err(|e| TableError::Xlsx(e.to_string()))?,
        None => return Err(TableError::Empty),
    };
    // The range starts at the first used cell, not at A1; row numbers must match Excel's.
    let Some((first_row, first_col)) = range.start() else {
        return Err(TableError::Empty);
    };
    let first_row = first_row as usize;
    let first_col = first_col as usize;
    let records = range
        .rows()
        .enumerate()
        .map(|(i, cells)| Ok((first_row + i + 1, cells.iter().map(cell_text).collect())));
    assemble(records, |line, field, _| {
        TableError::Xlsx(format!(
            "cell {}{line} has a value but its column has no header",
            column_name(first_col + field - 1)
        ))
    })
}

fn cell_text(cell: &Data) -> String {
    let text = match cell {
        Data::Empty => return String::new(),
        Data::String(s) => return clean(s),
        Data::Int(i) => i.to_string(),
        // Display never uses an exponent and prints whole numbers without ".0"; for 18-digit ID
        // numbers that Excel stored as floats this shows the digits Excel kept, so validation
        // reports a wrong checksum rather than us guessing the lost digits.
        Data::Float(f) if *f == 0.0 => "0".to_string(),
        Data::Float(f) => f.to_string(),
        Data::Bool(true) => "TRUE".to_string(),
        Data::Bool(false) => "FALSE".to_string(),
        Data::DateTime(dt) if dt.is_datetime() => {
            let (y, m, d, ..) = dt.to_ymd_hms_milli();
            format!("{y:04}-{m:02}-{d:02}")
        }
        Data::DateTime(dt) => dt.as_f64().to_string(),
        // ISO date-times ("2017-03-01T00:00:00") come from ODS-style writers; keep the date.
        Data::DateTimeIso(s) => match s.get(..10) {
            Some(date) if s.len() == 10 || s[10..].starts_with('T') => date.to_string(),
            _ => s.clone(),
        },
        Data::DurationIso(s) => s.clone(),
        Data::Error(e) => e.to_string(),
    };
    clean(&text)
}

/// Excel's column letters for a 0-based column index: 0 → A, 26 → AA.
fn column_name(mut col: usize) -> String {
    let mut name = Vec::new();
    loop {
        name.push(b'A' + (col % 26) as u8);
        if col < 26 {
            break;
        }
        col = col / 26 - 1;
    }
    name.reverse();
    String::from_utf8_lossy(&name).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn csv(text: &str) -> (Table, Encoding) {
        read_csv_bytes(text.as_bytes()).unwrap()
    }

    fn cells(table: &Table) -> Vec<Vec<&str>> {
        table
            .rows
            .iter()
            .map(|r| r.cells.iter().map(String::as_str).collect())
            .collect()
    }

    fn lines(table: &Table) -> Vec<usize> {
        table.rows.iter().map(|r| r.line).collect()
    }

    #[test]
    fn utf8_csv_is_read_and_trimmed() {
        let (t, enc) = csv("身份证号, 姓名 \n430102199001011234,\u{3000}张三\u{3000}\n");
        assert_eq!(enc, Encoding::Utf8);
        assert_eq!(t.headers, ["身份证号", "姓名"]);
        assert_eq!(cells(&t), [["430102199001011234", "张三"]]);
        assert_eq!(lines(&t), [2]);
    }

    #[test]
    fn utf8_bom_is_detected_and_stripped() {
        let mut bytes = UTF8_BOM.to_vec();
        bytes.extend_from_slice("id_number,name\r\n1,李四\r\n".as_bytes());
        let (t, enc) = read_csv_bytes(&bytes).unwrap();
        assert_eq!(enc, Encoding::Utf8Bom);
        assert_eq!(t.headers, ["id_number", "name"]);
        assert_eq!(cells(&t), [["1", "李四"]]);
        assert_eq!(lines(&t), [2]);
    }

    #[test]
    fn gb18030_csv_is_decoded() {
        let text = "姓名,单位,市州\r\n王五,湖南师范大学,长沙\r\n赵六,湘潭大学,湘潭\r\n";
        let (bytes, _, unmappable) = encoding_rs::GB18030.encode(text);
        assert!(!unmappable);
        assert!(std::str::from_utf8(&bytes).is_err());
        let (t, enc) = read_csv_bytes(&bytes).unwrap();
        assert_eq!(enc, Encoding::Gb18030);
        assert_eq!(t.headers, ["姓名", "单位", "市州"]);
        assert_eq!(
            cells(&t),
            [
                ["王五", "湖南师范大学", "长沙"],
                ["赵六", "湘潭大学", "湘潭"]
            ]
        );
        assert_eq!(lines(&t), [2, 3]);
    }

    #[test]
    fn bytes_that_are_neither_utf8_nor_gb18030_name_the_line() {
        // 0xFF is neither a GB18030 lead byte nor valid anywhere in UTF-8.
        let err = read_csv_bytes(b"a,b\n1,2\n3,\xFF\n").unwrap_err();
        assert!(matches!(err, TableError::BadCsv { line: 3, .. }), "{err:?}");
    }

    #[test]
    fn utf16_is_refused_rather_than_garbled() {
        let err = read_csv_bytes(b"\xFF\xFEa\x00,\x00b\x00").unwrap_err();
        assert!(matches!(err, TableError::BadCsv { line: 1, .. }), "{err:?}");
    }

    #[test]
    fn embedded_newline_keeps_line_numbers_of_later_rows() {
        let (t, _) = csv("name,content\n张三,\"第一行\n第二行\n第三行\"\n李四,x\n");
        assert_eq!(cells(&t)[0], ["张三", "第一行\n第二行\n第三行"]);
        assert_eq!(cells(&t)[1], ["李四", "x"]);
        assert_eq!(lines(&t), [2, 5]);
    }

    #[test]
    fn crlf_and_blank_lines_keep_line_numbers() {
        let (t, _) = csv("a,b\r\n\r\n1,\"x\r\ny\"\r\n\r\n\r\n2,z\r\n");
        assert_eq!(cells(&t), [["1", "x\r\ny"], ["2", "z"]]);
        assert_eq!(lines(&t), [3, 7]);
        let err = read_csv_bytes(b"a\r\n\r\n1,2\r\n").unwrap_err();
        assert!(matches!(err, TableError::BadCsv { line: 3, .. }), "{err:?}");
    }

    proptest::proptest! {
        #[test]
        fn records_report_the_line_they_start_on(
            records in proptest::collection::vec(
                (proptest::collection::vec("[a-z张三]|[a-z张三][a-z张三, \"\n]{0,4}[a-z张三]", 2), 0..3usize),
                1..8,
            ),
            crlf: bool,
        ) {
            let eol = if crlf { "\r\n" } else { "\n" };
            let mut text = format!("h1,h2{eol}");
            let mut line = 2;
            let mut expected = Vec::new();
            for (fields, blanks) in &records {
                for _ in 0..*blanks {
                    text.push_str(eol);
                    line += 1;
                }
                expected.push(line);
                let quoted: Vec<String> = fields
                    .iter()
                    .map(|f| format!("\"{}\"", f.replace('"', "\"\"")))
                    .collect();
                text.push_str(&quoted.join(","));
                text.push_str(eol);
                line += 1 + quoted.iter().map(|f| f.matches('\n').count()).sum::<usize>();
            }
            let (t, _) = read_csv_bytes(text.as_bytes()).unwrap();
            proptest::prop_assert_eq!(lines(&t), expected);
            let got: Vec<Vec<String>> = t.rows.into_iter().map(|r| r.cells).collect();
            let want: Vec<Vec<String>> = records.into_iter().map(|(f, _)| f).collect();
            proptest::prop_assert_eq!(got, want);
        }
    }

    #[test]
    fn short_row_is_padded() {
        let (t, _) = csv("a,b,c\n1\n1,2\n");
        assert_eq!(cells(&t), [["1", "", ""], ["1", "2", ""]]);
    }

    #[test]
    fn long_row_is_an_error_naming_its_line() {
        let err = read_csv_bytes(b"a,b\n1,2\n1,2,3\n").unwrap_err();
        assert!(matches!(err, TableError::BadCsv { line: 3, .. }), "{err:?}");
    }

    #[test]
    fn trailing_empty_columns_are_not_data() {
        let (t, _) = csv("a,b,,\n1,2,,\n3,4,\n");
        assert_eq!(t.headers, ["a", "b"]);
        assert_eq!(cells(&t), [["1", "2"], ["3", "4"]]);
    }

    #[test]
    fn blank_rows_are_skipped_but_counted() {
        let (t, _) = csv("a,b\n\n1,2\n , \u{3000}\n,\n3,4\n");
        assert_eq!(cells(&t), [["1", "2"], ["3", "4"]]);
        assert_eq!(lines(&t), [3, 6]);
    }

    #[test]
    fn header_without_rows_is_an_empty_table() {
        let (t, _) = csv("a,b\n");
        assert_eq!(t.headers, ["a", "b"]);
        assert!(t.rows.is_empty());
    }

    #[test]
    fn empty_input_is_empty() {
        assert_eq!(read_csv_bytes(b"").unwrap_err(), TableError::Empty);
        assert_eq!(read_csv_bytes(UTF8_BOM).unwrap_err(), TableError::Empty);
        assert_eq!(read_csv_bytes(b"\n , \n\n").unwrap_err(), TableError::Empty);
    }

    #[test]
    fn empty_file_is_empty() {
        let file = tempfile::Builder::new().suffix(".csv").tempfile().unwrap();
        assert_eq!(read_table(file.path()).unwrap_err(), TableError::Empty);
    }

    #[test]
    fn csv_file_by_extension_any_case() {
        let mut file = tempfile::Builder::new().suffix(".CSV").tempfile().unwrap();
        file.write_all("a\n1\n".as_bytes()).unwrap();
        let (t, enc) = read_table(file.path()).unwrap();
        assert_eq!(enc, Encoding::Utf8);
        assert_eq!(cells(&t), [["1"]]);
    }

    #[test]
    fn old_xls_and_other_extensions_are_unknown() {
        for ext in ["xls", "ods", "txt"] {
            let path = Path::new("/nonexistent/roster").with_extension(ext);
            assert_eq!(
                read_table(&path).unwrap_err(),
                TableError::UnknownFormat(ext.to_string())
            );
        }
        let mut file = tempfile::Builder::new().suffix(".csv").tempfile().unwrap();
        file.write_all(CFB_MAGIC).unwrap();
        assert_eq!(
            read_table(file.path()).unwrap_err(),
            TableError::UnknownFormat("xls".to_string())
        );
    }

    #[test]
    fn missing_file_is_io_error_with_path() {
        let err = read_table(Path::new("/nonexistent/roster.csv")).unwrap_err();
        assert!(
            matches!(&err, TableError::Io { path, .. } if path == "/nonexistent/roster.csv"),
            "{err:?}"
        );
    }

    fn write_xlsx(
        suffix: &str,
        fill: impl FnOnce(&mut rust_xlsxwriter::Worksheet),
    ) -> tempfile::NamedTempFile {
        let file = tempfile::Builder::new().suffix(suffix).tempfile().unwrap();
        let mut book = rust_xlsxwriter::Workbook::new();
        fill(book.add_worksheet());
        book.add_worksheet()
            .write_string(0, 0, "second sheet is ignored")
            .unwrap();
        book.save(file.path()).unwrap();
        file
    }

    #[test]
    fn xlsx_cells_become_strings() {
        let file = write_xlsx(".xlsx", |ws| {
            let date = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
            let day = rust_xlsxwriter::ExcelDateTime::from_ymd(2017, 3, 1).unwrap();
            for (col, h) in ["身份证号", "结束日期", "学时", "学时2", "数字身份证", "ok"]
                .iter()
                .enumerate()
            {
                ws.write_string(0, col as u16, *h).unwrap();
            }
            ws.write_string(1, 0, "43010219900101123X").unwrap();
            ws.write_datetime_with_format(1, 1, &day, &date).unwrap();
            ws.write_number(1, 2, 2.5).unwrap();
            ws.write_number(1, 3, 30).unwrap();
            // What Excel keeps of a typed 18-digit number: 15 significant digits.
            ws.write_number(1, 4, 4.30102199001011e17).unwrap();
            ws.write_boolean(1, 5, true).unwrap();
            ws.write_string(2, 0, "\u{3000}x ").unwrap();
        });
        let (t, enc) = read_table(file.path()).unwrap();
        assert_eq!(enc, Encoding::Xlsx);
        assert_eq!(
            t.headers,
            ["身份证号", "结束日期", "学时", "学时2", "数字身份证", "ok"]
        );
        assert_eq!(
            cells(&t),
            [
                vec![
                    "43010219900101123X",
                    "2017-03-01",
                    "2.5",
                    "30",
                    "430102199001011000",
                    "TRUE"
                ],
                vec!["x", "", "", "", "", ""],
            ]
        );
        assert_eq!(lines(&t), [2, 3]);
    }

    #[test]
    fn xlsx_row_numbers_follow_the_sheet_offset_and_blank_rows() {
        let file = write_xlsx(".xlsx", |ws| {
            // Header on Excel row 3 starting in column B; row 5 left blank.
            ws.write_string(2, 1, "name").unwrap();
            ws.write_string(2, 2, "unit").unwrap();
            ws.write_string(3, 1, "张三").unwrap();
            ws.write_string(5, 2, "湖南大学").unwrap();
        });
        let (t, _) = read_table(file.path()).unwrap();
        assert_eq!(t.headers, ["name", "unit"]);
        assert_eq!(cells(&t), [["张三", ""], ["", "湖南大学"]]);
        assert_eq!(lines(&t), [4, 6]);
    }

    #[test]
    fn xlsx_value_outside_the_header_names_the_cell() {
        let file = write_xlsx(".xlsx", |ws| {
            ws.write_string(0, 0, "name").unwrap();
            ws.write_string(1, 0, "张三").unwrap();
            ws.write_string(1, 2, "备注").unwrap();
        });
        let err = read_table(file.path()).unwrap_err();
        assert!(
            matches!(&err, TableError::Xlsx(m) if m.contains("C2")),
            "{err:?}"
        );
    }

    #[test]
    fn workbook_saved_as_csv_is_recognised_by_its_magic() {
        let file = write_xlsx(".csv", |ws| {
            ws.write_string(0, 0, "name").unwrap();
            ws.write_string(1, 0, "张三").unwrap();
        });
        let (t, enc) = read_table(file.path()).unwrap();
        assert_eq!(enc, Encoding::Xlsx);
        assert_eq!(cells(&t), [["张三"]]);
    }

    #[test]
    fn empty_xlsx_is_empty() {
        let file = write_xlsx(".xlsx", |_| {});
        assert_eq!(read_table(file.path()).unwrap_err(), TableError::Empty);
    }

    #[test]
    fn broken_xlsx_is_an_xlsx_error() {
        let mut file = tempfile::Builder::new().suffix(".xlsx").tempfile().unwrap();
        file.write_all(b"PK\x03\x04 not really a zip").unwrap();
        assert!(matches!(
            read_table(file.path()).unwrap_err(),
            TableError::Xlsx(_)
        ));
    }

    #[test]
    fn column_names() {
        assert_eq!(column_name(0), "A");
        assert_eq!(column_name(25), "Z");
        assert_eq!(column_name(26), "AA");
        assert_eq!(column_name(27), "AB");
        assert_eq!(column_name(701), "ZZ");
        assert_eq!(column_name(702), "AAA");
    }
}
