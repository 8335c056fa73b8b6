//! A roster file as a table of cells: the header row (found, not assumed), data rows with the
//! row number a clerk would look for in the spreadsheet, and each cell's text as the spreadsheet
//! shows it together with what kind of cell it was. Knows which header names to look for only
//! through [`Vocabulary`]; the importers map headers to fields and validate values.

use compact_str::CompactString;
use std::fmt;
use std::path::Path;

pub use super::encoding::{Encoding, EncodingError};
use super::limits::{CELL_BYTES, CELL_CHARS, Limits, XML_ITEM_BYTES};
pub use super::workbook::{Disproportion, Place};
use crate::domain::text::QUOTE_CHARS;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    /// The spreadsheet row of the header (1 when it is the first row).
    pub header_line: usize,
    pub headers: Vec<String>,
    pub rows: Vec<Row>,
    /// Rows with content above the header (a title, a unit and date line) and a second header
    /// row under it (English names under Chinese ones): skipped, and reported to the clerk.
    pub skipped: Vec<usize>,
    /// The rows above the header, kept so that an importer can refuse a data row that sits
    /// there (a header moved down by mistake) instead of dropping it unread.
    pub above: Vec<Row>,
    /// The worksheet read, when it is not the workbook's first (which is read unless another
    /// sheet has the header).
    pub sheet: Option<String>,
}

impl Table {
    /// A table of text cells with the header on row 1 and data from row 2, for tests and for
    /// callers that build rosters in memory.
    pub fn of_text(headers: &[&str], rows: &[Vec<&str>]) -> Table {
        Table {
            header_line: 1,
            headers: headers.iter().map(|s| s.to_string()).collect(),
            rows: rows
                .iter()
                .enumerate()
                .map(|(i, r)| Row {
                    line: i + 2,
                    cells: r.iter().map(|s| Cell::text(s)).collect(),
                })
                .collect(),
            skipped: Vec::new(),
            above: Vec::new(),
            sheet: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// The row number Excel shows, also for a CSV opened in a spreadsheet program (a cell with
    /// line breaks is one row), so error messages point where the clerk will look.
    pub line: usize,
    /// At least as many as `Table::headers` (missing cells are empty); more when the row has
    /// values beyond the header, which the importers refuse.
    pub cells: Vec<Cell>,
}

/// One cell: its text as the spreadsheet displays it, and what kind of cell held it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cell {
    /// Trimmed; numbers at Excel's 15 significant digits, dates as `YYYY-MM-DD`. Held inline
    /// up to 24 bytes (an ID number, a date, a unit's name): a roster's cells are read by the
    /// million, and one allocation each, made on the reading thread and freed on the checking
    /// one, was a fifth of an import's first pass (issue 10).
    pub text: CompactString,
    pub kind: CellKind,
}

impl Cell {
    /// A text cell, trimmed. A cell longer than [`CELL_CHARS`] (more than any column allows) is
    /// kept as [`CellKind::Oversized`] with only the prefix a message quotes: a 50 MB cell costs
    /// a few bytes of memory, and work bounded by the limit, not by its length.
    pub fn text(s: &str) -> Cell {
        // More bytes than the longest allowed cell can take (4 bytes a character, and as much
        // padding again) is too long whatever it holds; not even trimmed, which would read it all.
        let long_bytes = s.len() > CELL_BYTES;
        let trimmed = if long_bytes { s } else { trim(s) };
        // A character takes a byte at least: a cell of no more bytes than the limit has
        // characters to spare, and is not counted.
        if long_bytes || (trimmed.len() > CELL_CHARS && trimmed.chars().nth(CELL_CHARS).is_some()) {
            return Cell::oversized(trimmed);
        }
        Cell {
            text: CompactString::from(trimmed),
            kind: CellKind::Text,
        }
    }

    fn oversized(s: &str) -> Cell {
        // The start of the cell, from its first visible character, as far as a message quotes
        // it (one more character, so the quote shows that it goes on).
        let head = &s[..s.char_indices().nth(1024).map_or(s.len(), |(i, _)| i)];
        let prefix: CompactString = head.trim_start().chars().take(QUOTE_CHARS + 1).collect();
        Cell {
            text: prefix,
            kind: CellKind::Oversized,
        }
    }

    pub(super) fn empty() -> Cell {
        Cell {
            text: CompactString::const_new(""),
            kind: CellKind::Text,
        }
    }

    pub(super) fn is_blank(&self) -> bool {
        self.text.is_empty() && self.kind != CellKind::FormulaWithoutValue
    }
}

/// Whether a cell's text drops `c` at its start and end: whitespace, and the byte-order mark and
/// zero-width space that copying from web pages and Word leaves there.
pub(super) fn is_trimmed(c: char) -> bool {
    c.is_whitespace() || c == '\u{FEFF}' || c == '\u{200B}'
}

/// `s` without what [`is_trimmed`] drops at its ends. Most cells start and end with a visible
/// ASCII character (an ID number, a date, hours), which is settled by two bytes.
pub(crate) fn trim(s: &str) -> &str {
    let b = s.as_bytes();
    let kept = |c: &u8| c.is_ascii_graphic();
    if b.first().is_some_and(kept) && b.last().is_some_and(kept) {
        return s;
    }
    s.trim_matches(is_trimmed)
}

/// What kind of cell a value came from. CSV cells are all `Text`: a CSV holds what the
/// spreadsheet displayed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CellKind {
    Text,
    /// A numeric XLSX cell (not formatted as a date). An ID number here has lost its last digits.
    Number,
    /// A numeric XLSX cell formatted as a date (or an ISO date).
    Date,
    Bool,
    /// An Excel error value such as `#N/A` or `#REF!`; the text holds it.
    Error,
    /// A formula whose result was never saved (files written by programs, not by Excel or WPS).
    FormulaWithoutValue,
    /// A cell longer than any column allows ([`CELL_CHARS`]); the text holds only its start.
    Oversized,
}

/// The header names a roster may carry: how the header row is found among the first rows, and
/// evidence for a CSV file's encoding.
pub trait Vocabulary {
    /// Whether `cell` names a column of this roster (in either language, or a customary column
    /// such as 序号 or 备注).
    fn recognises(&self, cell: &str) -> bool;
    /// Every name the roster's columns go by.
    fn names(&self) -> Vec<&'static str>;

    /// Whether any of `cells` names a column of this roster.
    fn recognises_any(&self, cells: &[String]) -> bool {
        cells.iter().any(|c| self.recognises(c))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TableError {
    Io {
        path: String,
        message: String,
    },
    /// No header row: the file (or first sheet) has no non-blank row.
    Empty,
    /// The CSV text could not be split into records (the csv crate's complaint).
    BadCsv {
        line: usize,
    },
    Encoding(EncodingError),
    /// A `.xlsx` file that is something else.
    NotXlsx(Actually),
    /// A zip file that is not a readable workbook (damaged, or another kind of zip).
    XlsxDamaged,
    /// Carries the file's extension as written ("" when there is none).
    UnknownFormat(String),
    /// The file is larger than a roster of the configured rows can be (`[import] max_rows`).
    TooLarge {
        bytes: u64,
        max: u64,
    },
    /// More data rows than `[import] max_rows`.
    TooManyRows {
        max: usize,
    },
    /// More cells than rows of a roster hold (a value far to the right on every row, or a
    /// sheet spread over a million columns); `max` is the bound.
    TooManyCells {
        max: usize,
    },
    /// A workbook refused before it was read: a zip bomb, or parts out of proportion.
    XlsxOutOfProportion(Disproportion),
    /// The file read to be written is not the file that was checked (issue 10.3: an import
    /// checks a roster in one pass and writes it in a second): its SHA-256 differs.
    Changed,
}

/// What a file named `.xlsx` really holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actually {
    /// Text, i.e. a CSV given the .xlsx name.
    Text,
    /// A web page, as some systems "export to Excel".
    Html,
    /// An OLE compound file: the old binary .xls, or a password-protected workbook.
    OldXlsOrEncrypted,
    Unknown,
}

impl fmt::Display for TableError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&crate::i18n::Describe::describe(
            self,
            crate::i18n::Lang::En,
        ))
    }
}

impl std::error::Error for TableError {}

pub(super) const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
/// OLE compound file: the old binary .xls (and .doc), and encrypted OOXML workbooks.
pub(super) const CFB_MAGIC: &[u8] = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";
/// How far down the header row is looked for: titles, unit lines and notes take a few rows.
pub(super) const HEADER_SEARCH_ROWS: usize = 20;

/// [`read_table_with`] the default limits.
pub fn read_table(
    path: &Path,
    vocabulary: &dyn Vocabulary,
) -> Result<(Table, Encoding), TableError> {
    read_table_with(path, vocabulary, &Limits::default())
}

/// Reads a `.csv` or `.xlsx` roster whose columns are named in `vocabulary`, whole, into a
/// [`Table`]: the rows of [`super::stream::read_rows`] collected. A `.csv` (or extension-less)
/// file that is really a workbook is read as one: the content says unambiguously what it is. A
/// file, a workbook, a table or a cell beyond `limits` is refused (or, for a cell, kept as
/// [`CellKind::Oversized`]) before it costs more than the bound. A large roster is better
/// streamed (`stream::read_rows`): a table holds every row.
pub fn read_table_with(
    path: &Path,
    vocabulary: &dyn Vocabulary,
    limits: &Limits,
) -> Result<(Table, Encoding), TableError> {
    let mut sink = Collect::default();
    let pass = super::stream::read_rows(path, vocabulary, limits, &mut sink)?;
    Ok((sink.table(), pass.encoding))
}

/// Gathers a stream's rows into a [`Table`].
#[derive(Default)]
struct Collect {
    header: super::stream::Header,
    rows: Vec<Row>,
}

impl Collect {
    fn table(self) -> Table {
        let h = self.header;
        Table {
            header_line: h.header_line,
            headers: h.headers,
            rows: self.rows,
            skipped: h.skipped,
            above: h.above,
            sheet: h.sheet,
        }
    }
}

impl super::stream::RowSink<TableError> for Collect {
    fn header(&mut self, header: &super::stream::Header) -> Result<(), TableError> {
        self.header = header.clone();
        Ok(())
    }

    fn row(&mut self, row: Row) -> Result<(), TableError> {
        self.rows.push(row);
        Ok(())
    }
}

/// What a non-zip file named `.xlsx` holds, judged from its first bytes.
pub(super) fn what_is(bytes: &[u8]) -> Actually {
    let head = &bytes[..bytes.len().min(512)];
    let lower = String::from_utf8_lossy(head).to_ascii_lowercase();
    if lower.contains("<html") || lower.contains("<!doctype") || lower.contains("<table") {
        Actually::Html
    } else if !head.is_empty() && !head.contains(&0) {
        Actually::Text
    } else {
        Actually::Unknown
    }
}

/// Parses CSV bytes in UTF-8 (with or without BOM) or GB18030, the superset of the GBK that
/// Chinese Excel and WPS write when asked for "CSV"; the encoding is decided by evidence
/// (see [`super::encoding`]).
pub fn read_csv_bytes(
    bytes: &[u8],
    vocabulary: &dyn Vocabulary,
) -> Result<(Table, Encoding), TableError> {
    read_csv_bytes_with(bytes, vocabulary, &Limits::default())
}

/// [`read_csv_bytes`] held to `limits`: reading stops at the first record beyond the row or
/// cell bound.
pub fn read_csv_bytes_with(
    bytes: &[u8],
    vocabulary: &dyn Vocabulary,
    limits: &Limits,
) -> Result<(Table, Encoding), TableError> {
    let mut sink = Collect::default();
    let pass = super::stream::read_csv_rows(bytes, vocabulary, limits, &mut sink)?;
    Ok((sink.table(), pass.encoding))
}

/// What a reader has kept so far, against the row and cell bounds: counted as records arrive,
/// so a file with too many is refused before the rest of it is held in memory.
pub(super) struct Count {
    rows: usize,
    cells: usize,
    /// Bytes of text kept (counted for workbooks only: a CSV keeps no more than its size).
    text: u64,
    limits: Limits,
}

impl Count {
    pub(super) fn new(limits: &Limits) -> Count {
        Count {
            rows: 0,
            cells: 0,
            text: 0,
            limits: *limits,
        }
    }

    /// Counts one record: its cells, and a row when it is not blank. The header lies within
    /// the first [`HEADER_SEARCH_ROWS`] non-blank rows, with a second header row under it, so
    /// more non-blank rows than that plus `max_rows` are too many whatever the header.
    pub(super) fn record(&mut self, cells: &[Cell]) -> Result<(), TableError> {
        self.cells(cells.len())?;
        if cells.iter().any(|c| !c.is_blank()) {
            self.rows += 1;
            if self.rows > self.limits.max_rows.saturating_add(HEADER_SEARCH_ROWS + 1) {
                return Err(TableError::TooManyRows {
                    max: self.limits.max_rows,
                });
            }
        }
        Ok(())
    }

    /// Counts a row of a workbook (its cells are counted as they are placed).
    pub(super) fn new_row(&mut self) -> Result<(), TableError> {
        self.rows += 1;
        if self.rows > self.limits.max_rows.saturating_add(HEADER_SEARCH_ROWS + 1) {
            return Err(TableError::TooManyRows {
                max: self.limits.max_rows,
            });
        }
        Ok(())
    }

    pub(super) fn cells(&mut self, n: usize) -> Result<(), TableError> {
        self.cells = self.cells.saturating_add(n);
        if self.cells > self.limits.max_cells {
            return Err(TableError::TooManyCells {
                max: self.limits.max_cells,
            });
        }
        Ok(())
    }

    /// Counts the text of a workbook's cell: a shared string is copied into every cell that
    /// refers to it, so a workbook's text may be far more than its parts.
    pub(super) fn text(&mut self, bytes: usize) -> Result<(), TableError> {
        self.text = self.text.saturating_add(bytes as u64);
        if self.text > self.limits.max_text_bytes {
            return Err(TableError::XlsxOutOfProportion(Disproportion::Text {
                max: self.limits.max_text_bytes,
            }));
        }
        Ok(())
    }
}

/// How many cells of a row name a column of the roster.
pub(super) fn recognised(cells: &[Cell], vocabulary: &dyn Vocabulary) -> usize {
    cells
        .iter()
        .filter(|c| c.kind == CellKind::Text && vocabulary.recognises(&c.text))
        .count()
}

/// A workbook's bytes read as [`read_table_with`] reads a `.xlsx` file: measured first
/// (zip bombs refused), then read cell by cell within `limits`.
pub fn read_xlsx_bytes(
    bytes: Vec<u8>,
    vocabulary: &dyn Vocabulary,
    limits: &Limits,
) -> Result<Table, TableError> {
    let mut sink = Collect::default();
    super::stream::read_xlsx_rows(&bytes, vocabulary, limits, &mut sink)?;
    Ok(sink.table())
}

pub(super) fn cell_of(data: &calamine::DataRef<'_>) -> Cell {
    use calamine::DataRef;
    let (text, kind) = match data {
        DataRef::Empty => return Cell::empty(),
        // A shared string is copied into each cell that refers to it, and counted against
        // `max_text_bytes` there; one longer than any column allows was refused by the
        // workbook check before calamine read it.
        DataRef::SharedString(s) => return Cell::text(s),
        DataRef::String(s) => return Cell::text(s),
        DataRef::Int(i) => (i.to_string(), CellKind::Number),
        DataRef::Float(f) => (excel_number(*f), CellKind::Number),
        DataRef::Bool(true) => ("TRUE".to_string(), CellKind::Bool),
        DataRef::Bool(false) => ("FALSE".to_string(), CellKind::Bool),
        DataRef::DateTime(dt) if dt.is_datetime() => {
            let (y, m, d, ..) = dt.to_ymd_hms_milli();
            (format!("{y:04}-{m:02}-{d:02}"), CellKind::Date)
        }
        DataRef::DateTime(dt) => (excel_number(dt.as_f64()), CellKind::Number),
        // ISO date-times ("2017-03-01T00:00:00") come from ODS-style writers; keep the date.
        DataRef::DateTimeIso(s) => match s.get(..10) {
            Some(date) if s.len() == 10 || s[10..].starts_with('T') => {
                (date.to_string(), CellKind::Date)
            }
            _ => return Cell::text(s),
        },
        DataRef::DurationIso(s) => return Cell::text(s),
        DataRef::Error(e) => (e.to_string(), CellKind::Error),
    };
    let cell = Cell::text(&text);
    Cell {
        kind: if cell.kind == CellKind::Oversized {
            CellKind::Oversized
        } else {
            kind
        },
        text: cell.text,
    }
}

/// A number as Excel displays it in a General cell wide enough: rounded to 15 significant
/// digits (Excel's precision), without exponent or trailing zeros. The binary noise of
/// computed values goes (29.999999999999996 → 30, 0.30000000000000004 → 0.3) while what a
/// clerk typed stays (1.25 → 1.25); an 18-digit ID number typed into a number cell shows
/// the digits Excel kept (4.30102197501020E+17 → 430102197501020000).
pub fn excel_number(f: f64) -> String {
    if !f.is_finite() {
        return f.to_string();
    }
    let rounded: f64 = format!("{f:.14e}").parse().unwrap_or(f);
    if rounded == 0.0 {
        return "0".to_string();
    }
    rounded.to_string()
}

/// Excel's column letters for a 0-based column index: 0 → A, 26 → AA.
pub fn column_name(mut col: usize) -> String {
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

impl crate::i18n::Describe for TableError {
    fn describe(&self, lang: crate::i18n::Lang) -> String {
        use crate::i18n::Lang::{En, Zh};
        const RESAVE_ZH: &str =
            "请在表格软件中打开，另存为“CSV UTF-8（逗号分隔）”或 .xlsx 后再导入";
        const RESAVE_EN: &str = "open it in the spreadsheet program and save it as \"CSV UTF-8\" or .xlsx, then import again";
        match (self, lang) {
            (TableError::Io { path, message }, Zh) => format!("无法读取文件 {path}：{message}"),
            (TableError::Io { path, message }, En) => format!("cannot read {path}: {message}"),
            (TableError::Empty, Zh) => "文件（或第一张工作表）是空的，应有表头行和数据行".into(),
            (TableError::Empty, En) => {
                "the file (or its first sheet) is empty; expected a header row and data rows".into()
            }
            (TableError::BadCsv { line }, Zh) => {
                format!("第{line}行不是有效的 CSV（引号没有配对？）；{RESAVE_ZH}")
            }
            (TableError::BadCsv { line }, En) => {
                format!("line {line} is not valid CSV (unbalanced quotes?); {RESAVE_EN}")
            }
            (TableError::Encoding(e), _) => describe_encoding(e, lang, RESAVE_ZH, RESAVE_EN),
            (TableError::NotXlsx(what), Zh) => {
                let what = match what {
                    Actually::Text => "是文本（CSV）：请把扩展名改为 .csv，或在表格软件中打开后另存为 .xlsx",
                    Actually::Html => "是网页（HTML，某些系统“导出 Excel”时生成）：请在表格软件中打开并另存为 .xlsx",
                    Actually::OldXlsOrEncrypted => "是旧版 .xls 格式，或是设置了打开密码的工作簿：请取消密码并另存为 .xlsx",
                    Actually::Unknown => "不是 Excel 工作簿：请确认选对了文件",
                };
                format!("文件扩展名是 .xlsx，但内容{what}")
            }
            (TableError::NotXlsx(what), En) => {
                let what = match what {
                    Actually::Text => "text (a CSV): rename it to .csv, or open it and save it as .xlsx",
                    Actually::Html => "a web page (HTML, as some systems \"export to Excel\"): open it and save it as .xlsx",
                    Actually::OldXlsOrEncrypted => "an old .xls workbook or a password-protected one: remove the password and save it as .xlsx",
                    Actually::Unknown => "not an Excel workbook: check that this is the right file",
                };
                format!("the file is named .xlsx but is {what}")
            }
            (TableError::XlsxDamaged, Zh) => {
                "文件不是有效的 .xlsx 工作簿（可能已损坏或下载不完整）：请在表格软件中打开并重新另存为 .xlsx".into()
            }
            (TableError::XlsxDamaged, En) => {
                "the file is not a readable .xlsx workbook (damaged or incompletely downloaded): open it in the spreadsheet program and save it as .xlsx again".into()
            }
            (TableError::UnknownFormat(ext), Zh) => {
                format!("不支持的文件类型“{ext}”，应为 .csv 或 .xlsx（旧版 .xls 请另存为 .xlsx）")
            }
            (TableError::UnknownFormat(ext), En) => format!(
                "unsupported file type \"{ext}\", expected .csv or .xlsx (save old .xls as .xlsx)"
            ),
            (TableError::TooLarge { bytes, max }, Zh) => format!(
                "文件有 {}，超过了名册文件的上限 {}（由配置项 [import] max_rows 决定）：请确认选对了文件，或把名册分成几个文件导入",
                size(*bytes),
                size(*max)
            ),
            (TableError::TooLarge { bytes, max }, En) => format!(
                "the file is {}, more than the {} a roster may be (set by [import] max_rows): check that this is the right file, or split the roster into several files",
                size(*bytes),
                size(*max)
            ),
            (TableError::TooManyRows { max }, Zh) => format!(
                "名册超过 {max} 行，超过了上限（配置项 [import] max_rows）：请把名册分成几个文件导入，或请管理员调整上限"
            ),
            (TableError::TooManyRows { max }, En) => format!(
                "the roster has more than {max} rows, the limit ([import] max_rows): split it into several files, or ask the administrator to raise the limit"
            ),
            (TableError::TooManyCells { max }, Zh) => format!(
                "表格的单元格超过 {max} 个，与名册的行数不成比例（可能是远在右侧的列里有内容）：请删除多余的列后另存再导入"
            ),
            (TableError::TooManyCells { max }, En) => format!(
                "the table has more than {max} cells, out of proportion to a roster's rows (values far to the right?): delete the extra columns, save and import again"
            ),
            (TableError::XlsxOutOfProportion(d), _) => describe_disproportion(d, lang),
            (TableError::Changed, Zh) => "文件在校验之后、写入之前被改动过（两次读取的 SHA-256 不同），未写入任何数据：请等文件保存完毕、不再变动后重新导入".into(),
            (TableError::Changed, En) => "the file changed after it was checked and before it was written (its SHA-256 differs between the two readings); nothing was written: import it again once it is saved and no longer changing".into(),
        }
    }
}

/// A byte count as a clerk reads it: "3.2 MB", "512 KB", "900 B".
fn size(bytes: u64) -> String {
    const MB: u64 = 1 << 20;
    match bytes {
        b if b >= MB => format!("{:.1} MB", b as f64 / MB as f64),
        b if b >= 1024 => format!("{} KB", b / 1024),
        b => format!("{b} B"),
    }
}

fn describe_disproportion(d: &Disproportion, lang: crate::i18n::Lang) -> String {
    use crate::domain::text::quote_prefix;
    use crate::i18n::Lang::{En, Zh};
    const REFUSED_ZH: &str = "为安全起见未读取其内容。如果这确实是名册，请在表格软件中打开并另存为 .xlsx 或 CSV 后再导入";
    const REFUSED_EN: &str = "it was not read, for safety. If it really is a roster, open it in the spreadsheet program and save it as .xlsx or CSV, then import again";
    match (d, lang) {
        (Disproportion::Parts { count }, Zh) => {
            format!("工作簿由 {count} 个部件组成，远多于任何名册工作簿：{REFUSED_ZH}")
        }
        (Disproportion::Parts { count }, En) => {
            format!(
                "the workbook has {count} parts, far more than any roster workbook: {REFUSED_EN}"
            )
        }
        (
            Disproportion::Ratio {
                part,
                packed,
                unpacked,
            },
            Zh,
        ) => format!(
            "工作簿的部件“{}”压缩后只有 {}，解压后却有 {}，比例异常（“压缩炸弹”的特征）：{REFUSED_ZH}",
            quote_prefix(part),
            size(*packed),
            size(*unpacked)
        ),
        (
            Disproportion::Ratio {
                part,
                packed,
                unpacked,
            },
            En,
        ) => format!(
            "the workbook part \"{}\" takes {} packed but {} unpacked, out of all proportion (the mark of a zip bomb): {REFUSED_EN}",
            quote_prefix(part),
            size(*packed),
            size(*unpacked)
        ),
        (Disproportion::Unpacked { total, max }, Zh) => format!(
            "工作簿解压后共 {}，超过了名册的上限 {}（由配置项 [import] max_rows 决定）：{REFUSED_ZH}",
            size(*total),
            size(*max)
        ),
        (Disproportion::Unpacked { total, max }, En) => format!(
            "the workbook unpacks to {}, more than the {} a roster may take (set by [import] max_rows): {REFUSED_EN}",
            size(*total),
            size(*max)
        ),
        (Disproportion::Formulas { part }, Zh) => format!(
            "工作簿的部件“{}”中的共享公式所声明的范围与单元格数量不成比例：{REFUSED_ZH}",
            quote_prefix(part)
        ),
        (Disproportion::Formulas { part }, En) => format!(
            "the shared formulas of the workbook part \"{}\" claim ranges out of proportion to its cells: {REFUSED_EN}",
            quote_prefix(part)
        ),
        (
            Disproportion::LongCell {
                part,
                place,
                prefix,
            },
            Zh,
        ) => {
            let what = match place {
                Place::Cell(at) => format!("单元格 {} 的内容", quote_prefix(at)),
                Place::Unnamed => "一个单元格的内容".to_string(),
                Place::Shared(i) => format!("第 {} 条共享文本（单元格所引用的文字）", i + 1),
            };
            format!(
                "工作簿的部件“{}”中，{what}超过 {CELL_CHARS} 个字符，比任何一列允许的都长：{}。请在表格软件中删减该单元格的内容后另存再导入",
                quote_prefix(part),
                quote_start(prefix)
            )
        }
        (
            Disproportion::LongCell {
                part,
                place,
                prefix,
            },
            En,
        ) => {
            let what = match place {
                Place::Cell(at) => format!("cell {}", quote_prefix(at)),
                Place::Unnamed => "a cell".to_string(),
                Place::Shared(i) => format!("shared string no. {} (text cells refer to)", i + 1),
            };
            format!(
                "in the workbook part \"{}\", {what} holds more than {CELL_CHARS} characters, longer than any column allows: {}. Shorten it in the spreadsheet program, save and import again",
                quote_prefix(part),
                quote_start(prefix)
            )
        }
        (Disproportion::LongXml { part }, Zh) => format!(
            "工作簿的部件“{}”中有一段 XML 长于任何表格所需（超过 {}）：{REFUSED_ZH}",
            quote_prefix(part),
            size(XML_ITEM_BYTES)
        ),
        (Disproportion::LongXml { part }, En) => format!(
            "the workbook part \"{}\" holds an item of XML longer than any table needs (over {}): {REFUSED_EN}",
            quote_prefix(part),
            size(XML_ITEM_BYTES)
        ),
        (Disproportion::SharedStrings { bytes, max }, Zh) => format!(
            "工作簿的共享文本读入后至少占 {}，超过了名册的上限 {}（由配置项 [import] max_rows 决定）：{REFUSED_ZH}",
            size(*bytes),
            size(*max)
        ),
        (Disproportion::SharedStrings { bytes, max }, En) => format!(
            "the workbook's shared strings would take at least {} once read, more than the {} a roster may take (set by [import] max_rows): {REFUSED_EN}",
            size(*bytes),
            size(*max)
        ),
        (Disproportion::Text { max }, Zh) => format!(
            "工作表各单元格的文字合计超过 {}，超过了名册的上限（由配置项 [import] max_rows 决定；多半是同一段长文字被大量单元格引用）：{REFUSED_ZH}",
            size(*max)
        ),
        (Disproportion::Text { max }, En) => format!(
            "the cells of the sheet hold more than {} of text in all, more than a roster may (set by [import] max_rows; most likely one long text that a great many cells refer to): {REFUSED_EN}",
            size(*max)
        ),
    }
}

/// The start of a value that goes on, quoted: at most [`QUOTE_CHARS`] characters and always
/// the `…` that says there is more.
fn quote_start(prefix: &str) -> String {
    use crate::domain::text::quote_prefix;
    let quoted = quote_prefix(prefix);
    if quoted.ends_with('…') {
        format!("“{quoted}”")
    } else {
        format!("“{quoted}…”")
    }
}

fn describe_encoding(
    e: &EncodingError,
    lang: crate::i18n::Lang,
    resave_zh: &str,
    resave_en: &str,
) -> String {
    use crate::i18n::Lang::{En, Zh};
    let quote = |s: &Option<String>| {
        s.as_deref()
            .map(crate::domain::text::clean_line)
            .unwrap_or_default()
    };
    match (e, lang) {
        (EncodingError::Utf16, Zh) => {
            format!("文件是 UTF-16 编码（Excel 的“Unicode 文本”）；{resave_zh}")
        }
        (EncodingError::Utf16, En) => {
            format!("the file is UTF-16 (Excel's \"Unicode text\"); {resave_en}")
        }
        (EncodingError::BomButNotUtf8 { line }, Zh) => {
            format!("文件开头标明是 UTF-8，但第{line}行不是 UTF-8 编码；{resave_zh}")
        }
        (EncodingError::BomButNotUtf8 { line }, En) => {
            format!("the file starts with a UTF-8 mark but line {line} is not UTF-8; {resave_en}")
        }
        (EncodingError::NotText { line }, Zh) => format!(
            "第{line}行既不是 UTF-8 也不是 GB18030/GBK 编码的文字（文件可能已损坏，或不是 CSV）"
        ),
        (EncodingError::NotText { line }, En) => format!(
            "line {line} is neither UTF-8 nor GB18030/GBK text (the file may be damaged, or not a CSV)"
        ),
        (EncodingError::Mixed { line, first, here }, Zh) => format!(
            "文件混用了两种编码：前面的行是 {}，第{line}行是 {}（可能由两个文件拼接而成）；{resave_zh}",
            first.label(),
            here.label()
        ),
        (EncodingError::Mixed { line, first, here }, En) => format!(
            "the file mixes two encodings: the lines before are {}, line {line} is {} (two files pasted together?); {resave_en}",
            first.label(),
            here.label()
        ),
        (
            EncodingError::Undecided {
                utf8_sample,
                gb18030_sample,
            },
            Zh,
        ) => {
            let mut tried = Vec::new();
            if utf8_sample.is_some() {
                tried.push(format!("按 UTF-8 读作“{}”", quote(utf8_sample)));
            }
            if gb18030_sample.is_some() {
                tried.push(format!("按 GB18030/GBK 读作“{}”", quote(gb18030_sample)));
            }
            format!(
                "无法判断文件的编码（已尝试 UTF-8 和 GB18030/GBK）：{}，都不像中文名册；{resave_zh}",
                tried.join("，")
            )
        }
        (
            EncodingError::Undecided {
                utf8_sample,
                gb18030_sample,
            },
            En,
        ) => {
            let mut tried = Vec::new();
            if utf8_sample.is_some() {
                tried.push(format!("as UTF-8 it reads \"{}\"", quote(utf8_sample)));
            }
            if gb18030_sample.is_some() {
                tried.push(format!("as GB18030/GBK \"{}\"", quote(gb18030_sample)));
            }
            format!(
                "cannot tell the file's encoding (tried UTF-8 and GB18030/GBK): {}, neither looks like a Chinese roster; {resave_en}",
                tried.join(", ")
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Cursor, Read, Write};

    const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

    /// Recognises single lower-case letters and a few roster names, like a roster kind does.
    struct Words;
    impl Vocabulary for Words {
        fn recognises(&self, cell: &str) -> bool {
            self.names().contains(&cell)
        }
        fn names(&self) -> Vec<&'static str> {
            vec![
                "身份证号",
                "姓名",
                "单位",
                "市州",
                "结束日期",
                "学时",
                "name",
                "unit",
                "id_number",
                "content",
            ]
        }
    }

    fn read_csv(bytes: &[u8]) -> Result<(Table, Encoding), TableError> {
        read_csv_bytes(bytes, &Words)
    }

    fn csv(text: &str) -> (Table, Encoding) {
        read_csv(text.as_bytes()).unwrap()
    }

    fn read(path: &Path) -> Result<(Table, Encoding), TableError> {
        read_table(path, &Words)
    }

    fn cells(table: &Table) -> Vec<Vec<&str>> {
        table
            .rows
            .iter()
            .map(|r| r.cells.iter().map(|c| c.text.as_str()).collect())
            .collect()
    }

    fn lines(table: &Table) -> Vec<usize> {
        table.rows.iter().map(|r| r.line).collect()
    }

    /// Issue 9: a 50 MB cell is kept as the start a message quotes, whatever its column; the
    /// cells around it are read as usual.
    #[test]
    fn a_50_mb_cell_is_kept_as_its_start_only() {
        let long = "张".repeat((50 << 20) / 3);
        let (t, _) = csv(&format!(
            "name,unit\n{long},湖南大学\n  {}  x,y\n",
            "a".repeat(CELL_CHARS)
        ));
        let big = &t.rows[0].cells[0];
        assert_eq!(big.kind, CellKind::Oversized);
        assert_eq!(big.text, "张".repeat(QUOTE_CHARS + 1));
        assert_eq!(t.rows[0].cells[1].text, "湖南大学");
        // Exactly at the bound is still a cell; one more character is not.
        let at_bound = &t.rows[1].cells[0];
        assert_eq!(
            at_bound.kind,
            CellKind::Oversized,
            "{} characters",
            CELL_CHARS + 2
        );
        let (t, _) = csv(&format!("name\n{}\n", "a".repeat(CELL_CHARS)));
        assert_eq!(t.rows[0].cells[0].kind, CellKind::Text);
        assert_eq!(t.rows[0].cells[0].text.len(), CELL_CHARS);
    }

    #[test]
    fn more_rows_than_max_rows_are_refused() {
        let limits = Limits::for_rows(3);
        let roster = |n: usize| {
            let mut s = String::from("标题\nname,unit\n");
            for i in 0..n {
                s.push_str(&format!("p{i},u\n"));
            }
            s
        };
        let (t, _) = read_csv_bytes_with(roster(3).as_bytes(), &Words, &limits).unwrap();
        assert_eq!(
            t.rows.len(),
            3,
            "the title row and the header are not data rows"
        );
        assert_eq!(
            read_csv_bytes_with(roster(4).as_bytes(), &Words, &limits).unwrap_err(),
            TableError::TooManyRows { max: 3 }
        );
        // Far more rows: refused as soon as the count passes the bound, the same way.
        assert_eq!(
            read_csv_bytes_with(roster(100_000).as_bytes(), &Words, &limits).unwrap_err(),
            TableError::TooManyRows { max: 3 }
        );
    }

    #[test]
    fn a_row_of_a_million_cells_is_refused_by_the_cell_bound() {
        let limits = Limits::for_rows(10);
        let text = format!("name,unit\nx{}\n", ",".repeat(1_000_000));
        assert_eq!(
            read_csv_bytes_with(text.as_bytes(), &Words, &limits).unwrap_err(),
            TableError::TooManyCells {
                max: limits.max_cells
            }
        );
    }

    #[test]
    fn a_file_larger_than_the_bound_is_refused_without_reading_it_all() {
        let mut file = tempfile::Builder::new().suffix(".csv").tempfile().unwrap();
        file.write_all(&vec![b'a'; 2048]).unwrap();
        let limits = Limits {
            max_file_bytes: 1024,
            ..Limits::for_rows(1)
        };
        assert_eq!(
            read_table_with(file.path(), &Words, &limits).unwrap_err(),
            TableError::TooLarge {
                bytes: 2048,
                max: 1024
            }
        );
        // A device that never ends is read only up to the bound.
        assert!(matches!(
            read_table_with(Path::new("/dev/zero"), &Words, &limits),
            Err(TableError::TooLarge { max: 1024, .. })
        ));
    }

    /// A sheet whose every row has a value in the last column (XFD) would be 16 384 cells a
    /// row: refused by the cell bound, not allocated.
    #[test]
    fn a_sheet_spread_over_the_last_column_is_refused_by_the_cell_bound() {
        let file = write_xlsx(".xlsx", |ws| {
            ws.write_string(0, 0, "name").unwrap();
            for r in 1..=600 {
                ws.write_string(r, 16_383, "x").unwrap();
            }
        });
        let limits = Limits::for_rows(100);
        assert_eq!(
            read_table_with(file.path(), &Words, &limits).unwrap_err(),
            TableError::TooManyCells {
                max: limits.max_cells
            }
        );
        // Two cells a million rows and sixteen thousand columns apart cost two cells.
        let file = write_xlsx(".xlsx", |ws| {
            ws.write_string(0, 0, "name").unwrap();
            ws.write_string(1_048_575, 16_383, "far").unwrap();
        });
        let (t, _) = read(file.path()).unwrap();
        assert_eq!(lines(&t), [1_048_576]);
        assert_eq!(t.rows[0].cells.len(), 16_384);
    }

    /// calamine indexes shared strings without checking; a workbook that names a string it does
    /// not have is damaged, not a crash.
    #[test]
    fn a_shared_string_index_out_of_range_is_a_damaged_workbook() {
        let file = write_xlsx(".xlsx", |ws| {
            ws.write_string(0, 0, "name").unwrap();
            ws.write_string(1, 0, "张三").unwrap();
        });
        let bytes = std::fs::read(file.path()).unwrap();
        let mut zin = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
        let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for i in 0..zin.len() {
            let mut f = zin.by_index(i).unwrap();
            let name = f.name().to_string();
            let mut data = String::new();
            f.read_to_string(&mut data).unwrap();
            if name == "xl/worksheets/sheet1.xml" {
                data = data.replace("<v>1</v>", "<v>99</v>");
            }
            out.start_file(name, zip::write::SimpleFileOptions::default())
                .unwrap();
            out.write_all(data.as_bytes()).unwrap();
        }
        let bytes = out.finish().unwrap().into_inner();
        assert_eq!(
            read_xlsx_bytes(bytes, &Words, &Limits::default()).unwrap_err(),
            TableError::XlsxDamaged
        );
    }

    /// Issue 9: a shared string is copied into every cell that refers to it, so one long
    /// string referred to by many cells is refused by the bound on the text kept, not read
    /// into memory without end.
    #[test]
    fn one_long_shared_string_in_many_cells_is_bounded_by_the_text_kept() {
        let long = "培".repeat(4_000);
        let file = write_xlsx(".xlsx", |ws| {
            ws.write_string(0, 0, "name").unwrap();
            for row in 1..=40 {
                ws.write_string(row, 0, long.as_str()).unwrap();
            }
        });
        let bytes = std::fs::read(file.path()).unwrap();
        let limits = Limits {
            max_text_bytes: 12_000 * 30,
            ..Limits::for_rows(100)
        };
        assert_eq!(
            read_xlsx_bytes(bytes.clone(), &Words, &limits).unwrap_err(),
            TableError::XlsxOutOfProportion(Disproportion::Text { max: 360_000 })
        );
        let t = read_xlsx_bytes(bytes, &Words, &Limits::for_rows(100)).unwrap();
        assert_eq!(t.rows.len(), 40);
        assert_eq!(t.rows[39].cells[0].text, long);
    }

    /// The refusals of a long cell say where it is, quote its start and say what to do, in
    /// both languages.
    #[test]
    fn long_cell_messages_name_the_cell_and_quote_its_start() {
        use crate::i18n::{Describe, Lang};
        let cell = TableError::XlsxOutOfProportion(Disproportion::LongCell {
            part: "xl/worksheets/sheet1.xml".into(),
            place: Place::Cell("B7".into()),
            prefix: "张".repeat(41),
        });
        let zh = cell.describe(Lang::Zh);
        assert!(
            zh.contains("单元格 B7 的内容超过 5000 个字符")
                && zh.contains(&format!("“{}…”", "张".repeat(40)))
                && zh.contains("删减"),
            "{zh}"
        );
        let shared = TableError::XlsxOutOfProportion(Disproportion::LongCell {
            part: "xl/sharedStrings.xml".into(),
            place: Place::Shared(0),
            prefix: "A\u{1b}[2J".into(),
        });
        let en = shared.describe(Lang::En);
        assert!(
            en.contains("shared string no. 1")
                && en.contains("more than 5000 characters")
                && en.contains("“A<U+001B>[2J…”"),
            "{en}"
        );
    }

    #[test]
    fn limit_messages_name_the_bound_and_what_to_do() {
        use crate::i18n::{Describe, Lang};
        let zh = TableError::TooManyRows { max: 200_000 }.describe(Lang::Zh);
        assert!(
            zh.contains("200000") && zh.contains("[import] max_rows"),
            "{zh}"
        );
        let en = TableError::TooLarge {
            bytes: 300 << 20,
            max: 200 << 20,
        }
        .describe(Lang::En);
        assert!(en.contains("300.0 MB") && en.contains("200.0 MB"), "{en}");
        let bomb = TableError::XlsxOutOfProportion(Disproportion::Ratio {
            part: format!("xl/{}\u{1b}[2J.xml", "x".repeat(1000)),
            packed: 300 << 10,
            unpacked: 300 << 20,
        });
        let zh = bomb.describe(Lang::Zh);
        assert!(
            zh.contains("压缩炸弹") && zh.contains("300 KB") && zh.contains("300.0 MB"),
            "{zh}"
        );
        assert!(
            zh.chars().count() < 300,
            "the part name is quoted short: {zh}"
        );
        assert!(!zh.contains('\u{1b}'), "{zh}");
        let en = bomb.describe(Lang::En);
        assert!(en.contains("zip bomb"), "{en}");
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
        let (t, enc) = read_csv(&bytes).unwrap();
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
        let (t, enc) = read_csv(&bytes).unwrap();
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
        let err = read_csv(b"a,b\n1,2\n3,\xFF\n").unwrap_err();
        assert_eq!(
            err,
            TableError::Encoding(EncodingError::NotText { line: 3 })
        );
    }

    #[test]
    fn utf16_is_refused_rather_than_garbled() {
        let err = read_csv(b"\xFF\xFEa\x00,\x00b\x00").unwrap_err();
        assert_eq!(err, TableError::Encoding(EncodingError::Utf16));
    }

    #[test]
    fn embedded_newline_keeps_line_numbers_of_later_rows() {
        let (t, _) = csv("name,content\n张三,\"第一行\n第二行\n第三行\"\n李四,x\n");
        assert_eq!(cells(&t)[0], ["张三", "第一行\n第二行\n第三行"]);
        assert_eq!(cells(&t)[1], ["李四", "x"]);
        // The spreadsheet's rows: the three-line cell is one row.
        assert_eq!(lines(&t), [2, 3]);
    }

    #[test]
    fn crlf_and_blank_lines_keep_line_numbers() {
        let (t, _) = csv("a,b\r\n\r\n1,\"x\r\ny\"\r\n\r\n\r\n2,z\r\n");
        assert_eq!(cells(&t), [["1", "x\r\ny"], ["2", "z"]]);
        assert_eq!(lines(&t), [3, 6]);
        // A value beyond the header is kept, so the importer can name its row and column.
        let (t, _) = csv("a\r\n\r\n1,2\r\n");
        assert_eq!(cells(&t), [["1", "2"]]);
        assert_eq!(lines(&t), [3]);
    }

    proptest::proptest! {
        #[test]
        fn records_report_the_spreadsheet_row(
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
                line += 1;
            }
            let (t, _) = read_csv(text.as_bytes()).unwrap();
            proptest::prop_assert_eq!(lines(&t), expected);
            let got: Vec<Vec<String>> = t
                .rows
                .into_iter()
                .map(|r| r.cells.into_iter().map(|c| c.text.into_string()).collect())
                .collect();
            let want: Vec<Vec<String>> = records.into_iter().map(|(f, _)| f).collect();
            proptest::prop_assert_eq!(got, want);
        }

        /// The two-byte shortcut of [`trim`] keeps what a full trim keeps: a cell padded with
        /// an ideographic space, a no-break space, a BOM or a zero-width space loses them, a
        /// cell ending in a visible character is kept whole.
        #[test]
        fn trim_drops_what_a_full_trim_drops(
            s in "[ \t\u{3000}\u{a0}\u{feff}\u{200b}a1张-]{0,6}",
        ) {
            proptest::prop_assert_eq!(trim(&s), s.trim_matches(is_trimmed));
        }
    }

    #[test]
    fn short_row_is_padded() {
        let (t, _) = csv("a,b,c\n1\n1,2\n");
        assert_eq!(cells(&t), [["1", "", ""], ["1", "2", ""]]);
    }

    #[test]
    fn long_row_keeps_the_value_beyond_the_header() {
        let (t, _) = csv("a,b\n1,2\n1,2,3\n");
        assert_eq!(t.headers, ["a", "b"]);
        assert_eq!(t.rows[1].cells.len(), 3);
        assert_eq!(lines(&t), [2, 3]);
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
        assert_eq!(read_csv(b"").unwrap_err(), TableError::Empty);
        assert_eq!(read_csv(UTF8_BOM).unwrap_err(), TableError::Empty);
        assert_eq!(read_csv(b"\n , \n\n").unwrap_err(), TableError::Empty);
    }

    #[test]
    fn empty_file_is_empty() {
        let file = tempfile::Builder::new().suffix(".csv").tempfile().unwrap();
        assert_eq!(read(file.path()).unwrap_err(), TableError::Empty);
    }

    #[test]
    fn csv_file_by_extension_any_case() {
        let mut file = tempfile::Builder::new().suffix(".CSV").tempfile().unwrap();
        file.write_all("a\n1\n".as_bytes()).unwrap();
        let (t, enc) = read(file.path()).unwrap();
        assert_eq!(enc, Encoding::Utf8);
        assert_eq!(cells(&t), [["1"]]);
    }

    #[test]
    fn old_xls_and_other_extensions_are_unknown() {
        for ext in ["xls", "ods", "txt"] {
            let path = Path::new("/nonexistent/roster").with_extension(ext);
            assert_eq!(
                read(&path).unwrap_err(),
                TableError::UnknownFormat(ext.to_string())
            );
        }
        let mut file = tempfile::Builder::new().suffix(".csv").tempfile().unwrap();
        file.write_all(CFB_MAGIC).unwrap();
        assert_eq!(
            read(file.path()).unwrap_err(),
            TableError::UnknownFormat("xls".to_string())
        );
    }

    #[test]
    fn missing_file_is_io_error_with_path() {
        let err = read(Path::new("/nonexistent/roster.csv")).unwrap_err();
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

    fn kinds(table: &Table) -> Vec<Vec<CellKind>> {
        table
            .rows
            .iter()
            .map(|r| r.cells.iter().map(|c| c.kind).collect())
            .collect()
    }

    #[test]
    fn xlsx_cells_read_as_excel_shows_them() {
        let file = write_xlsx(".xlsx", |ws| {
            let date = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
            let day = rust_xlsxwriter::ExcelDateTime::from_ymd(2017, 3, 1).unwrap();
            for (col, h) in [
                "身份证号",
                "结束日期",
                "学时",
                "学时2",
                "数字身份证",
                "ok",
                "序列号",
            ]
            .iter()
            .enumerate()
            {
                ws.write_string(0, col as u16, *h).unwrap();
            }
            ws.write_string(1, 0, "43010219900101123X").unwrap();
            ws.write_datetime_with_format(1, 1, &day, &date).unwrap();
            ws.write_number(1, 2, 29.999999999999996).unwrap();
            ws.write_number(1, 3, 0.30000000000000004).unwrap();
            // What Excel keeps of a typed 18-digit number: 15 significant digits.
            ws.write_number(1, 4, 4.30102199001011e17).unwrap();
            ws.write_boolean(1, 5, true).unwrap();
            // A date serial in a General cell: Excel shows 42795, not a date.
            ws.write_number(1, 6, 42795).unwrap();
            ws.write_string(2, 0, "\u{3000}x ").unwrap();
            ws.write_number(2, 2, 1.25).unwrap();
            ws.write_number(2, 3, 7.000000000000001).unwrap();
        });
        let (t, enc) = read(file.path()).unwrap();
        assert_eq!(enc, Encoding::Xlsx);
        assert_eq!(
            cells(&t),
            [
                vec![
                    "43010219900101123X",
                    "2017-03-01",
                    "30",
                    "0.3",
                    "430102199001011000",
                    "TRUE",
                    "42795"
                ],
                vec!["x", "", "1.25", "7", "", "", ""],
            ]
        );
        use CellKind::*;
        assert_eq!(
            kinds(&t)[0],
            [Text, Date, Number, Number, Number, Bool, Number]
        );
        assert_eq!(lines(&t), [2, 3]);
    }

    #[test]
    fn excel_number_rounds_to_fifteen_significant_digits() {
        assert_eq!(excel_number(29.999999999999996), "30");
        assert_eq!(excel_number(0.30000000000000004), "0.3");
        assert_eq!(excel_number(0.1 + 0.2 + 0.3), "0.6");
        assert_eq!(excel_number(1.25), "1.25");
        assert_eq!(excel_number(2017.0), "2017");
        assert_eq!(excel_number(-3.0), "-3");
        assert_eq!(excel_number(-0.0), "0");
        assert_eq!(excel_number(4.3010219750102e17), "430102197501020000");
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
        let (t, _) = read(file.path()).unwrap();
        // Column A exists in Excel, empty: column letters in messages stay Excel's.
        assert_eq!(t.headers, ["", "name", "unit"]);
        assert_eq!(t.header_line, 3);
        assert_eq!(cells(&t), [["", "张三", ""], ["", "", "湖南大学"]]);
        assert_eq!(lines(&t), [4, 6]);
    }

    #[test]
    fn the_header_is_found_under_a_title_and_a_unit_line() {
        let file = write_xlsx(".xlsx", |ws| {
            ws.merge_range(
                0,
                0,
                0,
                2,
                "2017年度专业技术人员继续教育人员名册",
                &Default::default(),
            )
            .unwrap();
            ws.write_string(1, 0, "填报单位：长沙市第一中学").unwrap();
            ws.write_string(1, 2, "2017年3月").unwrap();
            ws.write_string(3, 0, "身份证号").unwrap();
            ws.write_string(3, 1, "姓名").unwrap();
            ws.write_string(3, 2, "单位").unwrap();
            // The English header some templates carry under the Chinese one.
            ws.write_string(4, 0, "id_number").unwrap();
            ws.write_string(4, 1, "name").unwrap();
            ws.write_string(4, 2, "unit").unwrap();
            ws.write_string(5, 0, "430102197803030415").unwrap();
            ws.write_string(5, 1, "戴红梅").unwrap();
            ws.write_string(5, 2, "长沙市第一中学").unwrap();
        });
        let (t, _) = read(file.path()).unwrap();
        assert_eq!(t.headers, ["身份证号", "姓名", "单位"]);
        assert_eq!(t.header_line, 4);
        assert_eq!(t.skipped, [1, 2, 5]);
        assert_eq!(
            cells(&t),
            [["430102197803030415", "戴红梅", "长沙市第一中学"]]
        );
        assert_eq!(lines(&t), [6]);
    }

    #[test]
    fn csv_title_row_is_skipped_too() {
        let (t, _) = csv("2017年度人员名册,,\n身份证号,姓名,单位\n1,张三,湖南大学\n");
        assert_eq!(t.header_line, 2);
        assert_eq!(t.skipped, [1]);
        assert_eq!(cells(&t), [["1", "张三", "湖南大学"]]);
    }

    #[test]
    fn with_no_known_name_the_first_row_is_the_header() {
        let (t, _) = csv("性别,年龄\n男,40\n");
        assert_eq!(t.headers, ["性别", "年龄"]);
        assert!(t.skipped.is_empty());
    }

    #[test]
    fn excel_errors_are_marked() {
        let file = write_xlsx(".xlsx", |ws| {
            ws.write_string(0, 0, "姓名").unwrap();
            ws.write_string(0, 1, "学时").unwrap();
            ws.write_string(1, 0, "张三").unwrap();
            ws.write_formula(
                1,
                1,
                rust_xlsxwriter::Formula::new("=1/0").set_result("#DIV/0!"),
            )
            .unwrap();
        });
        let (t, _) = read(file.path()).unwrap();
        assert_eq!(cells(&t)[0][1], "#DIV/0!");
        assert_eq!(kinds(&t)[0][1], CellKind::Error);
    }

    #[test]
    fn xlsx_value_outside_the_header_is_kept_for_the_importer() {
        let file = write_xlsx(".xlsx", |ws| {
            ws.write_string(0, 0, "name").unwrap();
            ws.write_string(1, 0, "张三").unwrap();
            ws.write_string(1, 2, "备注").unwrap();
        });
        let (t, _) = read(file.path()).unwrap();
        assert_eq!(t.headers, ["name"]);
        assert_eq!(cells(&t), [["张三", "", "备注"]]);
    }

    #[test]
    fn workbook_saved_as_csv_is_recognised_by_its_magic() {
        let file = write_xlsx(".csv", |ws| {
            ws.write_string(0, 0, "name").unwrap();
            ws.write_string(1, 0, "张三").unwrap();
        });
        let (t, enc) = read(file.path()).unwrap();
        assert_eq!(enc, Encoding::Xlsx);
        assert_eq!(cells(&t), [["张三"]]);
    }

    #[test]
    fn empty_xlsx_is_empty() {
        let file = write_xlsx(".xlsx", |_| {});
        assert_eq!(read(file.path()).unwrap_err(), TableError::Empty);
    }

    #[test]
    fn a_file_named_xlsx_says_what_it_really_is() {
        let cases: [(&[u8], TableError); 5] = [
            (b"PK\x03\x04 not really a zip", TableError::XlsxDamaged),
            (
                "身份证号,姓名\n1,张三\n".as_bytes(),
                TableError::NotXlsx(Actually::Text),
            ),
            (
                b"<html><body><table><tr><td>1</td></tr></table>",
                TableError::NotXlsx(Actually::Html),
            ),
            (CFB_MAGIC, TableError::NotXlsx(Actually::OldXlsOrEncrypted)),
            (b"\x00\x01\x02", TableError::NotXlsx(Actually::Unknown)),
        ];
        for (bytes, want) in cases {
            let mut file = tempfile::Builder::new().suffix(".xlsx").tempfile().unwrap();
            file.write_all(bytes).unwrap();
            assert_eq!(read(file.path()).unwrap_err(), want);
        }
    }

    #[test]
    fn reader_messages_are_in_the_clerks_language() {
        use crate::i18n::{Describe, Lang};
        let zh = TableError::NotXlsx(Actually::Text).describe(Lang::Zh);
        assert!(zh.contains("扩展名是 .xlsx") && zh.contains(".csv"), "{zh}");
        let zh = TableError::XlsxDamaged.describe(Lang::Zh);
        assert!(!zh.contains("Zip") && zh.contains("另存为 .xlsx"), "{zh}");
        let zh = TableError::Encoding(EncodingError::Mixed {
            line: 7,
            first: Encoding::Utf8,
            here: Encoding::Gb18030,
        })
        .describe(Lang::Zh);
        assert!(zh.contains("第7行") && zh.contains("混用"), "{zh}");
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
