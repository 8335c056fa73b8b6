//! Tables out (issue 11): the one writer every report and roster export goes through, so that
//! each file a clerk opens in a Chinese spreadsheet program behaves the same way.
//!
//! A [`Sink`] receives sheets: a title, [`Column`]s (a header in each language and a [`Kind`])
//! and rows of [`Value`]s, one row at a time, so an export of a million rows holds one row in
//! memory. Two formats:
//!
//! - **CSV** ([`CsvSink`]): UTF-8 with a byte-order mark by default (what Excel and WPS need
//!   to read UTF-8 Chinese text instead of guessing GBK), or GB18030 for older tools
//!   ([`CsvEncoding`]); CRLF line ends; several sheets one after another, each under its title
//!   line and separated by an empty line (a roster export has one sheet and no title line, so
//!   it imports back as it is).
//! - **XLSX** ([`XlsxSink`], rust_xlsxwriter in constant-memory mode): one worksheet per sheet,
//!   ID numbers and every other text as text cells (Excel never shows 4.30102E+17), dates as
//!   date cells (`yyyy-mm-dd`), hours as numbers shown with one decimal (`0.0`), counts as whole
//!   numbers, each column as wide as its widest cell (CJK counted as two columns).
//!
//! Every text cell is cleaned ([`clean_line`]: no control sequence from the database reaches the
//! file) and, in CSV, a cell that begins with `=`, `+`, `-` or `@` is written with a leading
//! apostrophe ([`guard_formula`]), so a spreadsheet opening the file never runs it as a formula
//! (CSV injection); the importers take the apostrophe off again
//! (`import::columns::unguard_formula`), so the roster still imports back unchanged. In XLSX
//! such a cell is a text cell, which a spreadsheet never evaluates, and is written as it is.

use std::io::Write;

use chrono::{Datelike, NaiveDate};

use crate::domain::Hours;
use crate::domain::text::{Columns, clean_line};
use crate::i18n::{Describe, Lang};
use crate::print::encode::PrintEncoding;
use crate::print::width::{AmbiguousWidth, PrintWidth};

/// The rows an XLSX worksheet holds, header included (Excel's limit, 2^20).
pub const XLSX_MAX_ROWS: u32 = 1_048_576;

/// What a column holds, which decides its cell type in a workbook and its alignment in a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Free text (names, units, reasons).
    Text,
    /// An ID number (R1.1) or another code made of digits that must stay text: a text cell,
    /// never a number.
    Id,
    /// A whole count (people, entries).
    Count,
    /// Class hours (R2.3): a number shown with one decimal.
    Hours,
    /// A calendar date: a date cell.
    Date,
}

/// One column: its header in each language, as the importers accept it for rosters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    pub zh: &'static str,
    pub en: &'static str,
    pub kind: Kind,
}

impl Column {
    pub const fn new(zh: &'static str, en: &'static str, kind: Kind) -> Column {
        Column { zh, en, kind }
    }

    /// The header in `lang`.
    pub fn header(&self, lang: Lang) -> &'static str {
        lang.pick(self.zh, self.en)
    }
}

/// One cell's value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Empty,
    /// Text; cleaned ([`clean_line`]) when written.
    Text(String),
    /// Whole number.
    Count(i64),
    /// Class hours in tenths (R2.3).
    Hours(Hours),
    Date(NaiveDate),
}

impl Value {
    /// Text, or [`Value::Empty`] when `s` is empty.
    pub fn text(s: impl Into<String>) -> Value {
        let s = s.into();
        if s.is_empty() {
            Value::Empty
        } else {
            Value::Text(s)
        }
    }

    /// The cell as a CSV or a plain-text table shows it: hours with one decimal (`30.0`), dates
    /// `yyyy-mm-dd`, text cleaned.
    pub fn display(&self) -> String {
        match self {
            Value::Empty => String::new(),
            Value::Text(s) => clean_line(s),
            Value::Count(n) => n.to_string(),
            Value::Hours(h) => one_decimal(*h),
            Value::Date(d) => d.format("%Y-%m-%d").to_string(),
        }
    }
}

/// R2.3 Hours with exactly one decimal, `30.0`, `2.5`: exact, from the tenths, no binary float.
pub fn one_decimal(h: Hours) -> String {
    let t = h.tenths();
    let sign = if t < 0 { "-" } else { "" };
    let a = t.unsigned_abs();
    format!("{sign}{}.{}", a / 10, a % 10)
}

/// CSV injection: a cell a spreadsheet would read as a formula (`=`, `+`, `-`, `@` first) gets
/// a leading apostrophe, which spreadsheets show as text. Other cells are returned as they are.
pub fn guard_formula(s: &str) -> std::borrow::Cow<'_, str> {
    if s.starts_with(['=', '+', '-', '@']) {
        std::borrow::Cow::Owned(format!("'{s}"))
    } else {
        std::borrow::Cow::Borrowed(s)
    }
}

/// The encoding of a CSV file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CsvEncoding {
    /// UTF-8 with a byte-order mark (the default): Excel and WPS read it as UTF-8.
    #[default]
    Utf8Bom,
    /// GB18030 (a superset of GBK), for older tools; every character is encodable.
    Gb18030,
}

impl CsvEncoding {
    /// `utf-8` (also `utf8`, `utf-8-bom`) or `gb18030` (also `gbk`, `gb2312`); `None` otherwise.
    pub fn parse(s: &str) -> Option<CsvEncoding> {
        match s.trim().to_ascii_lowercase().as_str() {
            "utf-8" | "utf8" | "utf-8-bom" | "utf8-bom" => Some(CsvEncoding::Utf8Bom),
            "gb18030" | "gbk" | "gb2312" => Some(CsvEncoding::Gb18030),
            _ => None,
        }
    }
}

/// Why a table could not be written.
#[derive(Debug)]
pub enum ExportError {
    Io(std::io::Error),
    Xlsx(String),
    /// More rows than an XLSX worksheet holds ([`XLSX_MAX_ROWS`]).
    TooManyRows {
        sheet: String,
    },
}

impl From<std::io::Error> for ExportError {
    fn from(e: std::io::Error) -> Self {
        ExportError::Io(e)
    }
}

impl From<rust_xlsxwriter::XlsxError> for ExportError {
    fn from(e: rust_xlsxwriter::XlsxError) -> Self {
        ExportError::Xlsx(e.to_string())
    }
}

impl Describe for ExportError {
    fn describe(&self, lang: Lang) -> String {
        match (self, lang) {
            (ExportError::Io(e), Lang::Zh) => format!("写入失败：{e}"),
            (ExportError::Io(e), Lang::En) => format!("cannot write: {e}"),
            (ExportError::Xlsx(e), Lang::Zh) => format!("无法生成 XLSX 文件：{e}"),
            (ExportError::Xlsx(e), Lang::En) => format!("cannot make the XLSX file: {e}"),
            (ExportError::TooManyRows { sheet }, Lang::Zh) => format!(
                "“{}”超过 XLSX 工作表的上限 {} 行：请用 --city 或 --year 缩小范围，或改用 --format csv",
                clean_line(sheet),
                XLSX_MAX_ROWS
            ),
            (ExportError::TooManyRows { sheet }, Lang::En) => format!(
                "\"{}\" has more rows than an XLSX worksheet holds ({}): narrow it with --city or \
                 --year, or use --format csv",
                clean_line(sheet),
                XLSX_MAX_ROWS
            ),
        }
    }
}

pub type Result<T> = std::result::Result<T, ExportError>;

/// Where sheets go: a CSV or an XLSX file. Rows are written as they come.
pub trait Sink {
    /// Start a sheet named `title` with these columns; writes the header row (and, where the
    /// format shows it, the title).
    fn sheet(&mut self, title: &str, columns: &[Column]) -> Result<()>;
    /// One row of the current sheet, a value per column.
    fn row(&mut self, values: &[Value]) -> Result<()>;
    /// Finish the file: flushes CSV, lays out and saves a workbook.
    fn finish(self: Box<Self>) -> Result<()>;
}

/// CSV to any writer. See the module's notes on encoding, titles and formulas.
pub struct CsvSink<W: Write> {
    out: csv::Writer<EncodeTo<W>>,
    /// Empty lines to put before the next bytes ([`EncodeTo::blank`]).
    blank: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    lang: Lang,
    /// Whether sheets carry a title line (reports) or not (rosters, which must import back).
    titled: bool,
    sheets: usize,
    width: usize,
}

/// Encodes UTF-8 text on its way to `inner` (GB18030), or passes it through. The csv writer
/// flushes its buffer wherever it fills, which may cut a character in two: the cut bytes wait
/// in `pending` for the rest.
struct EncodeTo<W: Write> {
    inner: W,
    encoding: CsvEncoding,
    pending: Vec<u8>,
    /// Empty lines to write before the next bytes: the line between a report's sections. The
    /// csv writer itself writes a record of one empty field as `""`, which a spreadsheet shows
    /// as a line that is not empty.
    blank: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

impl<W: Write> EncodeTo<W> {
    fn blank_lines(&mut self) -> std::io::Result<()> {
        for _ in 0..self.blank.swap(0, std::sync::atomic::Ordering::Relaxed) {
            // The same bytes in UTF-8 and GB18030.
            self.inner.write_all(b"\r\n")?;
        }
        Ok(())
    }
}

impl<W: Write> Write for EncodeTo<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.blank_lines()?;
        if self.encoding == CsvEncoding::Utf8Bom {
            return self.inner.write(buf);
        }
        self.pending.extend_from_slice(buf);
        let valid = match std::str::from_utf8(&self.pending) {
            Ok(s) => s.len(),
            Err(e) if e.error_len().is_none() => e.valid_up_to(),
            Err(_) => {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    "text that is not UTF-8",
                ));
            }
        };
        let text = std::str::from_utf8(&self.pending[..valid]).unwrap_or_default();
        let (bytes, _, _) = encoding_rs::GB18030.encode(text);
        self.inner.write_all(&bytes)?;
        self.pending.drain(..valid);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.blank_lines()?;
        self.inner.flush()
    }
}

impl<W: Write> CsvSink<W> {
    /// A CSV of `encoding` on `out`. `titled`: each sheet starts with its title line (reports
    /// of several sheets); a roster is not titled, so its first line is the header the
    /// importers find.
    pub fn new(mut out: W, encoding: CsvEncoding, lang: Lang, titled: bool) -> Result<CsvSink<W>> {
        if encoding == CsvEncoding::Utf8Bom {
            out.write_all("\u{feff}".as_bytes())?;
        }
        let blank = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let out = csv::WriterBuilder::new()
            .flexible(true)
            .terminator(csv::Terminator::CRLF)
            .from_writer(EncodeTo {
                inner: out,
                encoding,
                pending: Vec::new(),
                blank: blank.clone(),
            });
        Ok(CsvSink {
            out,
            blank,
            lang,
            titled,
            sheets: 0,
            width: 0,
        })
    }

    fn record(&mut self, cells: &[String]) -> Result<()> {
        self.out
            .write_record(cells.iter().map(|c| guard_formula(c).into_owned()))
            .map_err(csv_error)
    }
}

fn csv_error(e: csv::Error) -> ExportError {
    match e.into_kind() {
        csv::ErrorKind::Io(e) => ExportError::Io(e),
        other => ExportError::Io(std::io::Error::other(format!("{other:?}"))),
    }
}

impl<W: Write> Sink for CsvSink<W> {
    fn sheet(&mut self, title: &str, columns: &[Column]) -> Result<()> {
        if self.sheets > 0 {
            // An empty line between sections: what the csv writer holds goes out first.
            self.out.flush()?;
            self.blank
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        self.sheets += 1;
        if self.titled {
            self.record(&[clean_line(title)])?;
        }
        self.width = columns.len();
        let headers: Vec<String> = columns
            .iter()
            .map(|c| c.header(self.lang).to_string())
            .collect();
        self.record(&headers)
    }

    fn row(&mut self, values: &[Value]) -> Result<()> {
        let cells: Vec<String> = values
            .iter()
            .take(self.width.max(values.len()))
            .map(Value::display)
            .collect();
        self.record(&cells)
    }

    fn finish(mut self: Box<Self>) -> Result<()> {
        self.out.flush()?;
        Ok(())
    }
}

/// The columns a cell takes on screen in a spreadsheet: CJK and ambiguous characters two.
fn cell_width(s: &str) -> usize {
    PrintWidth::new(PrintEncoding::Utf8, AmbiguousWidth::Wide).width(s)
}

/// A workbook written row by row to a temporary file per sheet (constant memory), saved to
/// `out` at [`Sink::finish`].
pub struct XlsxSink<W: Write + std::io::Seek + Send> {
    book: rust_xlsxwriter::Workbook,
    out: W,
    lang: Lang,
    /// The current sheet's index in the workbook, its next row, columns and widest cells.
    current: Option<usize>,
    next_row: u32,
    columns: Vec<Column>,
    widths: Vec<usize>,
    title: String,
    header: rust_xlsxwriter::Format,
    date: rust_xlsxwriter::Format,
    hours: rust_xlsxwriter::Format,
    text: rust_xlsxwriter::Format,
}

impl<W: Write + std::io::Seek + Send> XlsxSink<W> {
    /// A workbook to be saved to `out`; headers in `lang`.
    pub fn new(out: W, lang: Lang) -> XlsxSink<W> {
        use rust_xlsxwriter::Format;
        XlsxSink {
            book: rust_xlsxwriter::Workbook::new(),
            out,
            lang,
            current: None,
            next_row: 0,
            columns: Vec::new(),
            widths: Vec::new(),
            title: String::new(),
            header: Format::new().set_bold(),
            date: Format::new().set_num_format("yyyy-mm-dd"),
            hours: Format::new().set_num_format("0.0"),
            // "@": the cell is text, also once a clerk types into it.
            text: Format::new().set_num_format("@"),
        }
    }

    fn set_widths(&mut self) -> Result<()> {
        if let Some(i) = self.current {
            let sheet = self.book.worksheet_from_index(i)?;
            for (c, w) in self.widths.iter().enumerate() {
                // Excel's width unit is about one digit; two more for the cell's margins.
                let w = (*w + 2).min(80) as f64;
                sheet.set_column_width(c as u16, w)?;
            }
        }
        Ok(())
    }
}

/// A worksheet name Excel accepts: at most 31 characters, none of `[]:*?/\`.
fn sheet_name(title: &str, index: usize) -> String {
    let cleaned: String = clean_line(title)
        .chars()
        .filter(|c| !matches!(c, '[' | ']' | ':' | '*' | '?' | '/' | '\\'))
        .take(31)
        .collect();
    let cleaned = cleaned.trim_matches('\'').to_string();
    if cleaned.is_empty() {
        format!("Sheet{}", index + 1)
    } else {
        cleaned
    }
}

impl<W: Write + std::io::Seek + Send> Sink for XlsxSink<W> {
    fn sheet(&mut self, title: &str, columns: &[Column]) -> Result<()> {
        self.set_widths()?;
        let index = self.current.map_or(0, |i| i + 1);
        let sheet = self.book.add_worksheet_with_constant_memory();
        sheet.set_name(sheet_name(title, index))?;
        for (c, col) in columns.iter().enumerate() {
            sheet.write_string_with_format(0, c as u16, col.header(self.lang), &self.header)?;
        }
        sheet.set_freeze_panes(1, 0)?;
        self.current = Some(index);
        self.next_row = 1;
        self.columns = columns.to_vec();
        self.widths = columns
            .iter()
            .map(|c| {
                cell_width(c.header(self.lang)).max(match c.kind {
                    Kind::Date => 10,
                    Kind::Id => 18,
                    _ => 4,
                })
            })
            .collect();
        self.title = title.to_string();
        Ok(())
    }

    fn row(&mut self, values: &[Value]) -> Result<()> {
        let Some(i) = self.current else {
            return Err(ExportError::Xlsx("a row before any sheet".into()));
        };
        if self.next_row >= XLSX_MAX_ROWS {
            return Err(ExportError::TooManyRows {
                sheet: self.title.clone(),
            });
        }
        let row = self.next_row;
        let sheet = self.book.worksheet_from_index(i)?;
        for (c, v) in values.iter().enumerate() {
            let col = c as u16;
            let shown = match v {
                Value::Empty => continue,
                Value::Text(s) => {
                    let s = clean_line(s);
                    sheet.write_string_with_format(row, col, &s, &self.text)?;
                    s
                }
                Value::Count(n) => {
                    sheet.write_number(row, col, *n as f64)?;
                    n.to_string()
                }
                Value::Hours(h) => {
                    // A tenth is the nearest double to its one-decimal literal, which Excel
                    // shows back as that literal under `0.0`.
                    sheet.write_number_with_format(row, col, h.as_f64(), &self.hours)?;
                    one_decimal(*h)
                }
                Value::Date(d) => {
                    let day = rust_xlsxwriter::ExcelDateTime::from_ymd(
                        u16::try_from(d.year()).unwrap_or(1900),
                        d.month() as u8,
                        d.day() as u8,
                    )?;
                    sheet.write_datetime_with_format(row, col, &day, &self.date)?;
                    continue;
                }
            };
            if let Some(w) = self.widths.get_mut(c) {
                *w = (*w).max(cell_width(&shown));
            }
        }
        self.next_row += 1;
        Ok(())
    }

    fn finish(mut self: Box<Self>) -> Result<()> {
        self.set_widths()?;
        if self.current.is_none() {
            self.book.add_worksheet();
        }
        let mut out = self.out;
        self.book.save_to_writer(&mut out)?;
        out.flush()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const COLS: &[Column] = &[
        Column::new("身份证号", "id_number", Kind::Id),
        Column::new("姓名", "name", Kind::Text),
        Column::new("学时", "hours", Kind::Hours),
        Column::new("开始日期", "start_date", Kind::Date),
        Column::new("人数", "people", Kind::Count),
    ];

    fn row(name: &str) -> Vec<Value> {
        vec![
            Value::text("430102198001010011"),
            Value::text(name),
            Value::Hours(Hours::from_tenths(305)),
            Value::Date(NaiveDate::from_ymd_opt(2017, 3, 1).unwrap()),
            Value::Count(12),
        ]
    }

    fn csv(encoding: CsvEncoding, rows: &[Vec<Value>]) -> Vec<u8> {
        let mut buf = Vec::new();
        let mut sink = Box::new(CsvSink::new(&mut buf, encoding, Lang::Zh, false).unwrap());
        sink.sheet("名册", COLS).unwrap();
        for r in rows {
            sink.row(r).unwrap();
        }
        sink.finish().unwrap();
        buf
    }

    #[test]
    fn csv_is_utf8_with_a_bom_and_crlf_hours_with_one_decimal() {
        let bytes = csv(CsvEncoding::Utf8Bom, &[row("张伟")]);
        assert!(bytes.starts_with(&[0xEF, 0xBB, 0xBF]), "BOM first");
        let text = std::str::from_utf8(&bytes[3..]).unwrap();
        assert_eq!(
            text,
            "身份证号,姓名,学时,开始日期,人数\r\n430102198001010011,张伟,30.5,2017-03-01,12\r\n"
        );
    }

    #[test]
    fn csv_in_gb18030_decodes_back_to_the_same_text_without_a_bom() {
        // 𠀀 (U+20000) is outside GBK: GB18030 still encodes it, nothing is replaced.
        let bytes = csv(CsvEncoding::Gb18030, &[row("张𠀀")]);
        assert!(!bytes.starts_with(&[0xEF, 0xBB, 0xBF]));
        let (text, _, bad) = encoding_rs::GB18030.decode(&bytes);
        assert!(!bad);
        assert!(text.contains("430102198001010011,张𠀀,30.5"), "{text}");
        assert!(std::str::from_utf8(&bytes).is_err(), "really GB18030");
    }

    #[test]
    fn a_cell_a_spreadsheet_would_run_as_a_formula_is_written_as_text() {
        for evil in ["=HYPERLINK(\"http://x\")", "+1+1", "-2+3", "@SUM(A1)"] {
            let bytes = csv(CsvEncoding::Utf8Bom, &[row(evil)]);
            let mut r = csv::ReaderBuilder::new()
                .has_headers(true)
                .from_reader(&bytes[3..]);
            let rec = r.records().next().unwrap().unwrap();
            assert_eq!(&rec[1], format!("'{evil}"), "{evil}");
        }
        assert_eq!(guard_formula("张伟"), "张伟");
        assert_eq!(guard_formula("0731-888"), "0731-888");
    }

    #[test]
    fn control_sequences_from_the_database_never_reach_the_file() {
        let bytes = csv(CsvEncoding::Utf8Bom, &[row("张\u{1b}[31m伟\u{7}")]);
        let text = String::from_utf8(bytes).unwrap();
        assert!(text.contains(",张伟,"), "{text}");
        assert!(!text.contains('\u{1b}'));
    }

    #[test]
    fn one_decimal_is_exact() {
        assert_eq!(one_decimal(Hours::from_tenths(0)), "0.0");
        assert_eq!(one_decimal(Hours::from_tenths(5)), "0.5");
        assert_eq!(one_decimal(Hours::from_tenths(900)), "90.0");
        assert_eq!(one_decimal(Hours::from_tenths(12345)), "1234.5");
    }

    /// Column widths fit their widest cell, a CJK character counted two columns; ID numbers
    /// are text cells (a shared or inline string, never a number).
    #[test]
    fn xlsx_columns_are_as_wide_as_their_cells_and_id_numbers_are_text() {
        use std::io::Read;
        let mut bytes = std::io::Cursor::new(Vec::new());
        let mut sink = Box::new(XlsxSink::new(&mut bytes, Lang::Zh));
        sink.sheet("名册", COLS).unwrap();
        sink.row(&row("湘西土家族苗族自治州农业技术推广中心"))
            .unwrap();
        sink.finish().unwrap();
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes.into_inner())).unwrap();
        let mut xml = String::new();
        zip.by_name("xl/worksheets/sheet1.xml")
            .unwrap()
            .read_to_string(&mut xml)
            .unwrap();
        let width = |col: u32| -> f64 {
            let tag = format!("<col min=\"{col}\" max=\"{col}\" width=\"");
            let at = xml.find(&tag).unwrap_or_else(|| panic!("{tag} in {xml}")) + tag.len();
            xml[at..].split('"').next().unwrap().parse().unwrap()
        };
        // 18 characters of CJK: 36 columns, and the margin.
        assert!(width(2) >= 36.0, "{}", width(2));
        assert!(width(1) >= 18.0, "an ID number's 18 digits: {}", width(1));
        // The ID number is a string cell (t="inlineStr" in constant-memory mode), the hours a
        // number cell.
        let a2 = xml.find("<c r=\"A2\"").unwrap();
        assert!(
            xml[a2..a2 + 60].contains("t=\"inlineStr\""),
            "{}",
            &xml[a2..a2 + 60]
        );
        let c2 = xml.find("<c r=\"C2\"").unwrap();
        assert!(
            xml[c2..c2 + 60].contains("<v>30.5</v>"),
            "{}",
            &xml[c2..c2 + 60]
        );
    }

    #[test]
    fn sheet_names_are_ones_excel_accepts() {
        assert_eq!(sheet_name("证书/登记[2017]", 0), "证书登记2017");
        assert_eq!(sheet_name("", 2), "Sheet3");
        assert_eq!(sheet_name(&"长".repeat(40), 0).chars().count(), 31);
    }
}
