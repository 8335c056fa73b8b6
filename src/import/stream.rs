//! A roster read as a stream of rows (issue 10.3): the file is read once from its start to its
//! end, a buffer at a time, and each data row is handed to a [`RowSink`] as soon as it is
//! complete, so what a pass over a roster holds does not grow with the file — the header
//! search window (at most [`HEADER_SEARCH_ROWS`] non-blank rows and the one under them), the
//! row being read, and the reader's buffers.
//!
//! - **CSV**: the encoding is decided by evidence ([`super::encoding::decode`]) on a bounded
//!   prefix ([`DECIDE_BYTES`], whole lines), and every later line is checked against that
//!   decision as it streams: a UTF-8 file whose later line is not UTF-8, or a GB18030 file
//!   with a line of convincing UTF-8, is refused as [`EncodingError::Mixed`] (or `NotText`,
//!   `BomButNotUtf8`) naming the line, as a whole-file read named it. A prefix of ASCII alone
//!   decides nothing; the first window with other characters does.
//! - **XLSX**: measured first ([`super::workbook::check_reader`]), then read from the file
//!   with calamine's cell reader, a row at a time in the sheet's order. calamine holds the
//!   workbook's shared strings while it is open (bounded by `max_shared_bytes`); a sheet's
//!   formulas are looked for in a pass of their own, and only the places of those that have a
//!   formula are kept, to tell a formula without a saved value from an empty cell.
//!
//! Every pass also gives the SHA-256 of the bytes it read ([`Pass::sha256`]), so a caller that
//! validates in one pass and writes in another can tell that both read the same file.

use std::collections::VecDeque;
use std::io::{BufReader, Read, Seek};
use std::path::Path;

use calamine::{Reader, Xlsx};
use sha2::{Digest, Sha256};

use super::encoding::{self, Encoding, EncodingError};
use super::limits::Limits;
use super::table::{
    Actually, CFB_MAGIC, Cell, CellKind, Count, HEADER_SEARCH_ROWS, Row, TableError, Vocabulary,
    ZIP_MAGIC, cell_of, recognised, what_is,
};

/// Bytes of a CSV file (whole lines) on which its encoding is decided: thousands of rows of
/// names and units, enough evidence for [`encoding::decode`] and bounded whatever the file.
pub const DECIDE_BYTES: usize = 1 << 20;
/// Bytes of raw text the CSV reader decodes at a time once the encoding is decided.
const CHUNK_BYTES: usize = 64 << 10;

/// What lies above a roster's data: the header row and the rows skipped around it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Header {
    /// The spreadsheet row of the header (1 when it is the first row).
    pub header_line: usize,
    /// The header's cells as written, trailing empty ones dropped.
    pub headers: Vec<String>,
    /// Rows with content above the header, and a second header row under it: skipped.
    pub skipped: Vec<usize>,
    /// The rows above the header, kept so an importer can refuse a data row there.
    pub above: Vec<Row>,
    /// The worksheet read, when it is not the workbook's first.
    pub sheet: Option<String>,
}

/// Where the rows of a pass go. `E` is the caller's error: a [`TableError`] becomes one, so a
/// pass stops at the first error of either the file or the sink.
pub trait RowSink<E: From<TableError>> {
    /// Called once, before any row, when the header has been found.
    fn header(&mut self, header: &Header) -> Result<(), E>;
    /// Called for each data row in the file's order; blank rows are never handed over. Each
    /// row has at least as many cells as the header (missing ones empty).
    fn row(&mut self, row: Row) -> Result<(), E>;
}

/// What one pass over a file read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pass {
    /// The encoding the text was read in (`Xlsx` for a workbook).
    pub encoding: Encoding,
    /// SHA-256 of every byte of the file, as lower-case hexadecimal.
    pub sha256: String,
    /// Data rows handed to the sink.
    pub rows: usize,
}

/// Reads the `.csv` or `.xlsx` roster at `path` (an extension-less file is read as CSV, and a
/// file whose content is a workbook as one) within `limits`, handing its header and then each
/// data row to `sink`. Memory does not grow with the file (see the module). Errors are the
/// file's ([`TableError`], converted) or the sink's, whichever comes first.
pub fn read_rows<E: From<TableError>>(
    path: &Path,
    vocabulary: &dyn Vocabulary,
    limits: &Limits,
    sink: &mut dyn RowSink<E>,
) -> Result<Pass, E> {
    // An unknown kind of file is named as such, whether or not it can be opened.
    known_extension(path)?;
    let file = std::fs::File::open(path).map_err(|e| TableError::Io {
        path: path.display().to_string(),
        message: e.to_string(),
    })?;
    read_file_rows(&file, path, vocabulary, limits, sink)
}

/// [`read_rows`] of a file already open (so that it is read with the rights it was opened
/// with, and every pass reads the same file even if another is put in its place), from its
/// start whatever was read of it before. `path` names it in messages and gives its extension.
pub fn read_file_rows<E: From<TableError>>(
    mut file: &std::fs::File,
    path: &Path,
    vocabulary: &dyn Vocabulary,
    limits: &Limits,
    sink: &mut dyn RowSink<E>,
) -> Result<Pass, E> {
    let lower = known_extension(path)?;
    let io = |e: std::io::Error| TableError::Io {
        path: path.display().to_string(),
        message: e.to_string(),
    };
    file.rewind().map_err(io)?;
    // The size a file claims is checked first; a device or a growing file has no honest size,
    // so the reading below is held to the bound as well.
    if let Ok(meta) = file.metadata()
        && meta.is_file()
        && meta.len() > limits.max_file_bytes
    {
        return Err(TableError::TooLarge {
            bytes: meta.len(),
            max: limits.max_file_bytes,
        }
        .into());
    }
    let mut magic = Vec::with_capacity(512);
    file.take(512).read_to_end(&mut magic).map_err(io)?;
    if magic.starts_with(ZIP_MAGIC) {
        let sha256 = file_sha256(file, limits).map_err(io)??;
        let (rows, _) = xlsx_rows(file, vocabulary, limits, sink)?;
        return Ok(Pass {
            encoding: Encoding::Xlsx,
            sha256,
            rows,
        });
    }
    if magic.starts_with(CFB_MAGIC) {
        return Err(if lower == "xlsx" {
            TableError::NotXlsx(Actually::OldXlsOrEncrypted)
        } else {
            TableError::UnknownFormat("xls".to_string())
        }
        .into());
    }
    if lower == "xlsx" {
        return Err(TableError::NotXlsx(what_is(&magic)).into());
    }
    let raw = Hashing::new(
        std::io::Cursor::new(magic).chain(file),
        limits.max_file_bytes,
    );
    csv_rows(raw, vocabulary, limits, sink, Some(&io))
}

/// The extension of a roster file in lower case: `csv`, `xlsx` or none (extension-less files
/// are read as CSV, so that scripts can hand over temporary files); any other is refused.
fn known_extension(path: &Path) -> Result<String, TableError> {
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().into_owned())
        .unwrap_or_default();
    let lower = ext.to_ascii_lowercase();
    if matches!(lower.as_str(), "csv" | "xlsx" | "") {
        Ok(lower)
    } else {
        Err(TableError::UnknownFormat(ext))
    }
}

/// A roster that can be read more than once, each time from its start: a file on disk (read
/// as a stream) or a [`super::Table`] in memory.
pub trait Roster {
    /// Reads the roster from its start, handing its header and each data row to `sink`; the
    /// pass over a file says what it read (its SHA-256, its rows), a table's `None`.
    fn pass<E: From<TableError>>(&self, sink: &mut dyn RowSink<E>) -> Result<Option<Pass>, E>;
    /// The data rows, when they are known before a pass (a table's).
    fn rows_hint(&self) -> Option<usize>;
}

/// A roster file opened for reading, read as a stream on every pass.
pub struct RosterFile<'a> {
    /// The file, opened once (with the clerk's rights); each pass reads it from its start.
    pub file: std::fs::File,
    /// The path it was opened by: messages name it, and its extension says CSV or XLSX.
    pub path: &'a Path,
    /// The header names of the roster's kind (finds the header, and evidence of encoding).
    /// `Sync`, so that a pass may read on a thread of its own (`service::import`).
    pub vocabulary: &'a (dyn Vocabulary + Sync),
    /// The bounds the file is held to (issue 9).
    pub limits: Limits,
}

impl Roster for RosterFile<'_> {
    fn pass<E: From<TableError>>(&self, sink: &mut dyn RowSink<E>) -> Result<Option<Pass>, E> {
        read_file_rows(&self.file, self.path, self.vocabulary, &self.limits, sink).map(Some)
    }

    fn rows_hint(&self) -> Option<usize> {
        None
    }
}

impl Roster for super::Table {
    fn pass<E: From<TableError>>(&self, sink: &mut dyn RowSink<E>) -> Result<Option<Pass>, E> {
        sink.header(&Header {
            header_line: self.header_line,
            headers: self.headers.clone(),
            skipped: self.skipped.clone(),
            above: self.above.clone(),
            sheet: self.sheet.clone(),
        })?;
        for row in &self.rows {
            sink.row(row.clone())?;
        }
        Ok(None)
    }

    fn rows_hint(&self) -> Option<usize> {
        Some(self.rows.len())
    }
}

/// Reads CSV `bytes` as [`read_rows`] reads a file.
pub fn read_csv_rows<E: From<TableError>>(
    bytes: &[u8],
    vocabulary: &dyn Vocabulary,
    limits: &Limits,
    sink: &mut dyn RowSink<E>,
) -> Result<Pass, E> {
    csv_rows(
        Hashing::new(bytes, u64::MAX),
        vocabulary,
        limits,
        sink,
        None,
    )
}

/// Reads a workbook's `bytes` as [`read_rows`] reads a `.xlsx` file.
pub fn read_xlsx_rows<E: From<TableError>>(
    bytes: &[u8],
    vocabulary: &dyn Vocabulary,
    limits: &Limits,
    sink: &mut dyn RowSink<E>,
) -> Result<(usize, Option<String>), E> {
    xlsx_rows(std::io::Cursor::new(bytes), vocabulary, limits, sink)
}

/// SHA-256 of a whole file (for a workbook, which calamine reads out of order), from its
/// start; the file is left at its start. `Err(Err(TooLarge))` past the bound.
fn file_sha256(
    mut file: &std::fs::File,
    limits: &Limits,
) -> std::io::Result<Result<String, TableError>> {
    file.rewind()?;
    let mut h = Hashing::new(file, limits.max_file_bytes);
    std::io::copy(&mut h, &mut std::io::sink())?;
    let (bytes, sha) = (h.read, h.hex());
    file.rewind()?;
    if bytes > limits.max_file_bytes {
        return Ok(Err(TableError::TooLarge {
            bytes,
            max: limits.max_file_bytes,
        }));
    }
    Ok(Ok(sha))
}

/// A reader that hashes what passes through it, and reads at most one byte more than `max`
/// (so that a file past the bound is known to be, without reading all of it).
struct Hashing<R> {
    inner: std::io::Take<R>,
    /// The most bytes the file may have.
    max: u64,
    sha: Sha256,
    read: u64,
}

impl<R: Read> Hashing<R> {
    fn new(inner: R, max: u64) -> Hashing<R> {
        Hashing {
            inner: inner.take(max.saturating_add(1)),
            max,
            sha: Sha256::new(),
            read: 0,
        }
    }

    fn hex(&self) -> String {
        self.sha
            .clone()
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.sha.update(&buf[..n]);
        self.read += n as u64;
        Ok(n)
    }
}

/// How far the text reader has got in deciding the file's encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Decided {
    /// Nothing read yet.
    Start,
    /// Only ASCII so far: every encoding reads it alike, and nothing is decided.
    Ascii,
    Is(Encoding),
}

/// CSV bytes as UTF-8 text, decoded a window of whole lines at a time (see the module), with
/// the places of every line break handed out, so that a record's spreadsheet row is found
/// without keeping the text behind it.
struct TextStream<R: Read> {
    raw: Hashing<R>,
    /// Raw bytes read but not yet decoded (the start of an unfinished line).
    carry: Vec<u8>,
    eof: bool,
    out: Vec<u8>,
    out_pos: usize,
    /// Decoded bytes handed out before `out[0]`.
    produced: u64,
    /// Physical lines (`\n`) in the raw bytes decoded so far: the line numbers of messages.
    lines: usize,
    decided: Decided,
    known: Vec<&'static str>,
    /// Offsets in the decoded text of the `\r` and `\n` not yet passed by the CSV reader.
    breaks: VecDeque<(u64, u8)>,
    error: Option<EncodingError>,
}

impl<R: Read> TextStream<R> {
    fn new(raw: Hashing<R>, known: Vec<&'static str>) -> TextStream<R> {
        TextStream {
            raw,
            carry: Vec::new(),
            eof: false,
            out: Vec::new(),
            out_pos: 0,
            produced: 0,
            lines: 0,
            decided: Decided::Start,
            known,
            breaks: VecDeque::new(),
            error: None,
        }
    }

    /// Reads raw bytes until `carry` holds at least `want` bytes ending in a line break (or
    /// the file ends), and returns how many of them make whole lines.
    fn fill(&mut self, want: usize) -> std::io::Result<usize> {
        // The end of the last whole line in `carry`; only new bytes are searched, so a line of
        // 50 MB costs one pass, not one per buffer.
        let mut whole = memchr::memrchr(b'\n', &self.carry).map(|i| i + 1);
        loop {
            if self.eof {
                return Ok(self.carry.len());
            }
            if let Some(end) = whole
                && self.carry.len() >= want
            {
                return Ok(end);
            }
            // Read straight into the window's own room: no buffer between.
            let at = self.carry.len();
            self.carry.resize(at + CHUNK_BYTES, 0);
            let n = self.raw.read(&mut self.carry[at..]);
            self.carry.truncate(at + *n.as_ref().unwrap_or(&0));
            let n = n?;
            if n == 0 {
                self.eof = true;
            }
            if let Some(i) = memchr::memrchr(b'\n', &self.carry[at..]) {
                whole = Some(at + i + 1);
            }
        }
    }

    /// Decodes the next window into `out`; false at the end of the file.
    fn advance(&mut self) -> std::io::Result<bool> {
        let want = match self.decided {
            Decided::Is(_) => CHUNK_BYTES,
            _ => DECIDE_BYTES,
        };
        let n = self.fill(want)?;
        if n == 0 {
            return Ok(false);
        }
        // The window leaves `carry` whole; only the unfinished line after it is copied back.
        let rest = self.carry.split_off(n);
        let window = std::mem::replace(&mut self.carry, rest);
        let lines = memchr::memchr_iter(b'\n', &window).count();
        let text = self.decode(window).map_err(|e| {
            self.error = Some(e.clone());
            std::io::Error::other("encoding")
        })?;
        self.lines += lines;
        self.out = text.into_bytes();
        self.out_pos = 0;
        for i in memchr::memchr2_iter(b'\n', b'\r', &self.out) {
            self.breaks
                .push_back((self.produced + i as u64, self.out[i]));
        }
        Ok(true)
    }

    /// One window of whole lines as text, against the encoding decided so far; the first
    /// window that is not all ASCII decides it by evidence.
    fn decode(&mut self, window: Vec<u8>) -> Result<String, EncodingError> {
        let shift = |e: EncodingError, by: usize| match e {
            EncodingError::BomButNotUtf8 { line } => {
                EncodingError::BomButNotUtf8 { line: line + by }
            }
            EncodingError::NotText { line } => EncodingError::NotText { line: line + by },
            EncodingError::Mixed { line, first, here } => EncodingError::Mixed {
                line: line + by,
                first,
                here,
            },
            e => e,
        };
        let before = self.lines;
        match self.decided {
            Decided::Start | Decided::Ascii => {
                // Every encoding read here reads ASCII alike: nothing to decide yet.
                if window.is_ascii() {
                    self.decided = Decided::Ascii;
                    return Ok(ascii(window));
                }
                let (text, enc) =
                    encoding::decode(&window, &self.known).map_err(|e| shift(e, before))?;
                self.decided = Decided::Is(enc);
                Ok(text.into_owned())
            }
            Decided::Is(Encoding::Utf8Bom) => String::from_utf8(window).map_err(|e| {
                let at = e.utf8_error().valid_up_to();
                EncodingError::BomButNotUtf8 {
                    line: before + line_at(e.as_bytes(), at),
                }
            }),
            Decided::Is(Encoding::Gb18030) => self.gb_window(&window, before),
            Decided::Is(_) => match String::from_utf8(window) {
                Ok(t) => Ok(t),
                Err(e) => {
                    let window = e.as_bytes();
                    let e = e.utf8_error();
                    let at = line_at(window, e.valid_up_to());
                    let line = window
                        .split(|&b| b == b'\n')
                        .nth(at - 1)
                        .unwrap_or_default();
                    let gb = encoding_rs::GB18030
                        .decode_without_bom_handling_and_without_replacement(line);
                    Err(match gb {
                        Some(_) => EncodingError::Mixed {
                            line: before + at,
                            first: Encoding::Utf8,
                            here: Encoding::Gb18030,
                        },
                        None => EncodingError::NotText { line: before + at },
                    })
                }
            },
        }
    }

    /// A window of a file decided to be GB18030: every line must decode, and a line that is
    /// convincing UTF-8 is the other encoding pasted in ([`EncodingError::Mixed`]).
    fn gb_window(&self, window: &[u8], before: usize) -> Result<String, EncodingError> {
        for (i, line) in window.split(|&b| b == b'\n').enumerate() {
            if line.is_ascii() || std::str::from_utf8(line).is_err() {
                continue;
            }
            if encoding::line_is_utf8(line, &self.known) {
                return Err(EncodingError::Mixed {
                    line: before + i + 1,
                    first: Encoding::Gb18030,
                    here: Encoding::Utf8,
                });
            }
        }
        match encoding_rs::GB18030.decode_without_bom_handling_and_without_replacement(window) {
            Some(t) => Ok(t.into_owned()),
            None => {
                let at = window
                    .split(|&b| b == b'\n')
                    .position(|l| {
                        encoding_rs::GB18030
                            .decode_without_bom_handling_and_without_replacement(l)
                            .is_none()
                    })
                    .map_or(1, |i| i + 1);
                Err(EncodingError::NotText { line: before + at })
            }
        }
    }

    /// The line a record's text starts on, given where the CSV reader says the record starts
    /// (where the previous one ended: before any blank lines and before the `\n` of a CRLF):
    /// the breaks that follow that place are counted. Breaks before it are forgotten.
    fn start_line(&mut self, pos: &csv::Position) -> usize {
        let mut line = usize::try_from(pos.line()).unwrap_or(usize::MAX);
        let start = pos.byte();
        while self.breaks.front().is_some_and(|&(o, _)| o < start) {
            self.breaks.pop_front();
        }
        for (expected, &(o, b)) in (start..).zip(self.breaks.iter()) {
            if o != expected {
                break;
            }
            if b == b'\n' {
                line = line.saturating_add(1);
            }
        }
        line
    }
}

/// An all-ASCII window as text, without a copy.
fn ascii(window: Vec<u8>) -> String {
    String::from_utf8(window).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// 1-based line of byte offset `at`.
fn line_at(bytes: &[u8], at: usize) -> usize {
    1 + bytes[..at.min(bytes.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
}

impl<R: Read> Read for TextStream<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.out_pos >= self.out.len() {
            self.produced += self.out.len() as u64;
            self.out.clear();
            self.out_pos = 0;
            if !self.advance()? {
                return Ok(0);
            }
        }
        let n = buf.len().min(self.out.len() - self.out_pos);
        buf[..n].copy_from_slice(&self.out[self.out_pos..self.out_pos + n]);
        self.out_pos += n;
        Ok(n)
    }
}

/// The rows above the data: gathers the first non-blank records until the header is found,
/// then hands each data row on, padded and trimmed as a table keeps it.
struct Assembler<'s, E> {
    vocabulary: &'s dyn Vocabulary,
    limits: Limits,
    sink: &'s mut dyn RowSink<E>,
    /// The non-blank records of the header search window, until the header is chosen.
    window: Vec<(usize, Vec<Cell>)>,
    header: Option<Header>,
    /// Whether the row right under the header is still to be looked at (a second header).
    under_header: bool,
    /// Whether the sink has been handed the header (once that row has been looked at).
    announced: bool,
    rows: usize,
    sheet: Option<String>,
}

impl<'s, E: From<TableError>> Assembler<'s, E> {
    fn new(
        vocabulary: &'s dyn Vocabulary,
        limits: &Limits,
        sink: &'s mut dyn RowSink<E>,
    ) -> Assembler<'s, E> {
        Assembler {
            vocabulary,
            limits: *limits,
            sink,
            window: Vec::new(),
            header: None,
            under_header: true,
            announced: false,
            rows: 0,
            sheet: None,
        }
    }

    /// One record of the file, blank or not.
    fn record(&mut self, line: usize, cells: Vec<Cell>) -> Result<(), E> {
        if !cells.iter().any(|c| !c.is_blank()) {
            return Ok(());
        }
        if self.header.is_some() {
            return self.data(line, cells);
        }
        self.window.push((line, cells));
        // The header is among the first HEADER_SEARCH_ROWS non-blank rows; the row under the
        // last of them may be a second header, so one more is read before choosing.
        if self.window.len() > HEADER_SEARCH_ROWS {
            self.choose()?;
        }
        Ok(())
    }

    /// The header is the row of the window that names the most known columns (the first
    /// when none names any, so the clerk hears which columns are unknown).
    fn choose(&mut self) -> Result<(), E> {
        let mut window = std::mem::take(&mut self.window);
        let mut best = (0, 0);
        for (i, (_, cells)) in window.iter().enumerate().take(HEADER_SEARCH_ROWS) {
            let n = recognised(cells, self.vocabulary);
            if n > best.1 {
                best = (i, n);
            }
        }
        let at = best.0;
        let rest = window.split_off(at + 1);
        let (header_line, header_cells) = window.pop().unwrap_or_default();
        let mut headers: Vec<String> = header_cells
            .into_iter()
            .map(|c| c.text.into_string())
            .collect();
        // Spreadsheets often export trailing empty columns; they name nothing.
        let last = headers
            .iter()
            .rposition(|h| !h.is_empty())
            .map_or(0, |i| i + 1);
        headers.truncate(last);
        let header = Header {
            header_line,
            headers,
            skipped: window.iter().map(|(line, _)| *line).collect(),
            above: window
                .into_iter()
                .map(|(line, cells)| Row { line, cells })
                .collect(),
            sheet: self.sheet.clone(),
        };
        self.header = Some(header);
        for (line, cells) in rest {
            self.data(line, cells)?;
        }
        Ok(())
    }

    fn data(&mut self, line: usize, mut cells: Vec<Cell>) -> Result<(), E> {
        let Some(header) = self.header.as_mut() else {
            return Ok(());
        };
        if std::mem::take(&mut self.under_header) {
            let named = cells.iter().filter(|c| !c.is_blank()).count();
            if named > 0 && recognised(&cells, self.vocabulary) == named {
                header.skipped.push(line);
                return Ok(());
            }
        }
        if !std::mem::replace(&mut self.announced, true) {
            self.sink.header(header)?;
        }
        self.rows += 1;
        if self.rows > self.limits.max_rows {
            return Err(TableError::TooManyRows {
                max: self.limits.max_rows,
            }
            .into());
        }
        let width = header.headers.len();
        let used = cells
            .iter()
            .rposition(|c| !c.is_blank())
            .map_or(0, |i| i + 1);
        cells.truncate(used.max(width));
        cells.resize(width.max(cells.len()), Cell::empty());
        self.sink.row(Row { line, cells })
    }

    /// The end of the file: a window never filled is chosen from now.
    fn finish(&mut self) -> Result<usize, E> {
        if self.header.is_none() {
            if self.window.is_empty() {
                return Err(TableError::Empty.into());
            }
            self.choose()?;
        }
        if let Some(header) = &self.header
            && !std::mem::replace(&mut self.announced, true)
        {
            self.sink.header(header)?;
        }
        Ok(self.rows)
    }
}

fn csv_rows<R: Read, E: From<TableError>>(
    raw: Hashing<R>,
    vocabulary: &dyn Vocabulary,
    limits: &Limits,
    sink: &mut dyn RowSink<E>,
    io: Option<&dyn Fn(std::io::Error) -> TableError>,
) -> Result<Pass, E> {
    let stream = TextStream::new(raw, vocabulary.names());
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        // The text reader's window at a time, not 8 KB of it.
        .buffer_capacity(CHUNK_BYTES)
        .from_reader(stream);
    let mut assembler = Assembler::new(vocabulary, limits, sink);
    let mut count = Count::new(limits);
    // A spreadsheet shows a quoted cell with line breaks (Alt+Enter) as one row, so every
    // break inside the cells before a record moves its text line but not its row.
    let mut breaks = 0usize;
    let mut record = csv::ByteRecord::new();
    loop {
        let got = reader.read_byte_record(&mut record);
        let stream = reader.get_mut();
        // The file past its bound is refused before anything it holds is judged.
        if stream.raw.read > stream.raw.max {
            return Err(TableError::TooLarge {
                bytes: stream.raw.read,
                max: stream.raw.max,
            }
            .into());
        }
        let more = match got {
            Ok(more) => more,
            Err(e) => {
                if let Some(enc) = stream.error.take() {
                    return Err(TableError::Encoding(enc).into());
                }
                if let csv::ErrorKind::Io(err) = e.kind()
                    && let Some(io) = io
                {
                    return Err(io(std::io::Error::new(err.kind(), err.to_string())).into());
                }
                let line = e
                    .position()
                    .map_or(0, |p| stream.start_line(p).saturating_sub(breaks));
                return Err(TableError::BadCsv { line }.into());
            }
        };
        if !more {
            break;
        }
        let line = record
            .position()
            .map_or(0, |p| stream.start_line(p))
            .saturating_sub(breaks);
        // The text reader hands out UTF-8 only, and the fields are split at ASCII bytes: the
        // record's text is checked once, and each field taken from it at its bounds (a
        // roster's million records hold ten million fields).
        let bytes = record.as_slice();
        let all = std::str::from_utf8(bytes).map_err(|_| TableError::BadCsv { line })?;
        breaks += memchr::memchr_iter(b'\n', bytes).count();
        let mut cells = Vec::with_capacity(record.len());
        for i in 0..record.len() {
            let text = record
                .range(i)
                .and_then(|r| all.get(r))
                .ok_or(TableError::BadCsv { line })?;
            cells.push(Cell::text(text));
        }
        count.record(&cells)?;
        assembler.record(line, cells)?;
    }
    let rows = assembler.finish()?;
    let stream = reader.into_inner();
    let encoding = match stream.decided {
        Decided::Is(e) => e,
        Decided::Start | Decided::Ascii => Encoding::Utf8,
    };
    Ok(Pass {
        encoding,
        sha256: stream.raw.hex(),
        rows,
    })
}

/// The rows of a workbook: the sheet is chosen as a whole read chose it (the first whose
/// header search finds a known column, else the first), then streamed. Returns the data rows
/// and the sheet's name when it is not the first.
fn xlsx_rows<RS: Read + Seek, E: From<TableError>>(
    mut file: RS,
    vocabulary: &dyn Vocabulary,
    limits: &Limits,
    sink: &mut dyn RowSink<E>,
) -> Result<(usize, Option<String>), E> {
    // Measured before calamine unpacks anything (a zip bomb is refused here).
    super::workbook::check_reader(&mut file, limits)?;
    file.rewind().map_err(|_| TableError::XlsxDamaged)?;
    let damaged = || E::from(TableError::XlsxDamaged);
    super::workbook::quietly(|| -> Result<(usize, Option<String>), E> {
        let mut book: Xlsx<_> =
            Xlsx::new(BufReader::new(file)).map_err(|_| TableError::XlsxDamaged)?;
        let names = book.sheet_names();
        let Some(first) = names.first().cloned() else {
            return Err(TableError::Empty.into());
        };
        // Templates often open on a sheet of instructions (填表说明): the first sheet whose
        // header search window names a known column is read, the first sheet when none does.
        let mut chosen = first.clone();
        for name in &names {
            match header_of(&mut book, name, vocabulary, limits) {
                Ok(true) => {
                    chosen = name.clone();
                    break;
                }
                Ok(false) => {}
                Err(
                    e @ (TableError::TooManyRows { .. }
                    | TableError::TooManyCells { .. }
                    | TableError::XlsxOutOfProportion(_)),
                ) => return Err(e.into()),
                Err(_) => {}
            }
        }
        let sheet = (chosen != first).then(|| chosen.clone());
        let mut assembler = Assembler::new(vocabulary, limits, sink);
        assembler.sheet = sheet.clone();
        sheet_rows(&mut book, &chosen, limits, &mut |line, cells| {
            assembler.record(line, cells)
        })?;
        Ok((assembler.finish()?, sheet))
    })
    .unwrap_or_else(|| Err(damaged()))
}

/// Whether the header search window of a sheet names a known column (the sheet is read only
/// as far as the window).
fn header_of<RS: Read + Seek>(
    book: &mut Xlsx<RS>,
    sheet: &str,
    vocabulary: &dyn Vocabulary,
    limits: &Limits,
) -> Result<bool, TableError> {
    /// Stops the reading at the header, keeping its names.
    struct First(Option<Vec<String>>);
    enum Stop {
        Found,
        Table(TableError),
    }
    impl From<TableError> for Stop {
        fn from(e: TableError) -> Stop {
            Stop::Table(e)
        }
    }
    impl RowSink<Stop> for First {
        fn header(&mut self, header: &Header) -> Result<(), Stop> {
            self.0 = Some(header.headers.clone());
            Err(Stop::Found)
        }
        fn row(&mut self, _: Row) -> Result<(), Stop> {
            Err(Stop::Found)
        }
    }
    let mut first = First(None);
    let mut assembler: Assembler<'_, Stop> = Assembler::new(vocabulary, limits, &mut first);
    let read = sheet_rows(book, sheet, limits, &mut |line, cells| {
        assembler.record(line, cells)
    })
    .and_then(|()| assembler.finish().map(|_| ()));
    match read {
        Ok(()) | Err(Stop::Found) => {}
        Err(Stop::Table(e)) => return Err(e),
    }
    Ok(first
        .0
        .is_some_and(|headers| vocabulary.recognises_any(&headers)))
}

/// The row being gathered from a sheet's cells.
struct Gathering {
    row: Option<(u32, Vec<Cell>)>,
    count: Count,
}

impl Gathering {
    /// Puts `cell` at its place; a cell of a later row hands the row before it to `each`.
    fn place<E: From<TableError>>(
        &mut self,
        (row, col): (u32, u32),
        cell: Cell,
        each: &mut dyn FnMut(usize, Vec<Cell>) -> Result<(), E>,
    ) -> Result<(), E> {
        match &self.row {
            Some((r, _)) if *r == row => {}
            // Out of the sheet's order: no spreadsheet program writes this.
            Some((r, _)) if *r > row => return Err(TableError::XlsxDamaged.into()),
            _ => {
                if let Some((r, cells)) = self.row.take() {
                    each(r as usize + 1, cells)?;
                }
                self.count.new_row()?;
                self.row = Some((row, Vec::new()));
            }
        }
        let Some((_, cells)) = self.row.as_mut() else {
            return Ok(());
        };
        let col = col as usize;
        if col >= cells.len() {
            self.count.cells(col + 1 - cells.len())?;
            cells.resize(col + 1, Cell::empty());
        }
        self.count.text(cell.text.len())?;
        cells[col] = cell;
        Ok(())
    }
}

/// One sheet, cell by cell as calamine streams it, as records keyed by Excel's row number
/// (1-based) with each cell at its column (A is 0), handed to `each` a row at a time. Rows must
/// come in the sheet's order, as every spreadsheet program writes them; cells are counted
/// against the row, cell and text bounds as they arrive.
fn sheet_rows<RS: Read + Seek, E: From<TableError>>(
    book: &mut Xlsx<RS>,
    sheet: &str,
    limits: &Limits,
    each: &mut dyn FnMut(usize, Vec<Cell>) -> Result<(), E>,
) -> Result<(), E> {
    // Formulas whose result was never saved read as empty cells; they must not pass as empty.
    // Their places are found first, in a pass of their own (the workbook check has bounded
    // what shared formulas make calamine build); only places are kept.
    let mut formulas: VecDeque<(u32, u32)> = VecDeque::new();
    if let Ok(mut reader) = book.worksheet_cells_reader(sheet) {
        while let Ok(Some(f)) = reader.next_formula() {
            if !f.get_value().trim().is_empty() {
                formulas.push_back(f.get_position());
            }
        }
    }
    let mut reader = book
        .worksheet_cells_reader(sheet)
        .map_err(|_| TableError::XlsxDamaged)?;
    let mut g = Gathering {
        row: None,
        count: Count::new(limits),
    };
    let formula_cell = || Cell {
        text: compact_str::CompactString::const_new(""),
        kind: CellKind::FormulaWithoutValue,
    };
    let mut any = false;
    loop {
        let next = reader.next_cell().map_err(|_| TableError::XlsxDamaged)?;
        let pos = next.as_ref().map(|c| c.get_position());
        // A formula before this cell that no cell of the sheet gave a value.
        while let Some(&f) = formulas.front()
            && pos.is_none_or(|p| f < p)
        {
            formulas.pop_front();
            any = true;
            g.place(f, formula_cell(), each)?;
        }
        let Some(c) = next else { break };
        let cell = cell_of(c.get_value());
        let at_formula = formulas.front() == Some(&c.get_position());
        if at_formula {
            formulas.pop_front();
        }
        if !cell.is_blank() {
            any = true;
            g.place(c.get_position(), cell, each)?;
        } else if at_formula {
            any = true;
            g.place(c.get_position(), formula_cell(), each)?;
        }
    }
    if let Some((r, cells)) = g.row.take() {
        each(r as usize + 1, cells)?;
    }
    if !any {
        return Err(TableError::Empty.into());
    }
    Ok(())
}
