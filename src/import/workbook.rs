//! A workbook is checked before calamine reads any of it (issue 9: an XLSX zip bomb once took
//! 12 GB of memory, and a single 1.2 GB cell 2.5 GB). calamine unpacks the shared strings whole,
//! holds each item of XML whole while it parses it, and trusts the sizes a zip declares, so
//! everything it would unpack is first measured here, in memory that does not grow with the
//! file:
//!
//! 1. the central directory alone (nothing unpacked): how many parts, each part's declared
//!    unpacked size against its packed size ([`MAX_RATIO`]), and their total against the bound;
//! 2. every part unpacked into nothing, a buffer at a time, stopping as soon as it gives more
//!    than it declared — a zip's sizes are the attacker's to write;
//! 3. the parts calamine parses ([`parsed_by_calamine`]) are parsed as it parses them, with the
//!    same XML reader, but one that cannot be handed more than [`XML_ITEM_BYTES`] of one item
//!    (a tag, a run of text): the text of a cell or of a shared string is counted as it streams
//!    and refused as soon as it is longer than any column allows ([`CELL_CHARS`] characters),
//!    the XML of one cell or shared string is held to [`CELL_XML_BYTES`], the shared strings
//!    calamine would keep to `max_shared_bytes`, and shared formulas, whose `ref` range and
//!    `si` index calamine turns into tables as large as they say, to the cell bound.
//!
//! Only then does calamine open the workbook, and it runs under [`quietly`], which turns a panic
//! inside it (an out-of-range shared-string index) into "damaged workbook".

use std::cell::Cell as Flag;
use std::io::{BufReader, Cursor, Read};
use std::panic::AssertUnwindSafe;
use std::rc::Rc;
use std::sync::Once;

use quick_xml::events::{BytesRef, Event};

use super::limits::{
    CELL_BYTES, CELL_CHARS, CELL_XML_BYTES, Limits, MAX_PARTS, MAX_RATIO, RATIO_FREE_BYTES,
    XML_ITEM_BYTES, shared_string_bytes,
};
use super::table::{TableError, is_trimmed};
use crate::domain::text::QUOTE_CHARS;

/// Why a workbook was refused before it was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Disproportion {
    /// More parts than any workbook of rosters has.
    Parts { count: usize },
    /// One part unpacks to far more than it takes packed (or to more than it declared): the
    /// shape of a zip bomb. `unpacked` is what it declared or, when it lied, what it gave
    /// before it was stopped.
    Ratio {
        part: String,
        packed: u64,
        unpacked: u64,
    },
    /// All parts together unpack to more than a roster of the configured rows needs.
    Unpacked { total: u64, max: u64 },
    /// Shared formulas that claim ranges or indexes out of proportion to the cells allowed.
    Formulas { part: String },
    /// A cell's text or a shared string longer than any column allows ([`CELL_CHARS`]
    /// characters once trimmed, or [`CELL_BYTES`] bytes), or its XML longer than
    /// [`CELL_XML_BYTES`]: read no further than that. `prefix` is its start, from its first
    /// visible character, up to one character more than a message quotes.
    LongCell {
        part: String,
        place: Place,
        prefix: String,
    },
    /// One item of XML outside any cell (a tag, a comment) longer than [`XML_ITEM_BYTES`].
    LongXml { part: String },
    /// The shared strings would take more memory, held as calamine holds them, than a roster of
    /// the configured rows needs (`max_shared_bytes`). `bytes` is what was counted when the
    /// bound was passed.
    SharedStrings { bytes: u64, max: u64 },
    /// The cells of one sheet keep more text than a roster of the configured rows has
    /// (`max_text_bytes`): one long shared string referred to by a great many cells.
    Text { max: u64 },
}

/// Where in a workbook a [`Disproportion::LongCell`] is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    /// A cell of a sheet, by the reference its XML gives ("B7"), at most 16 characters of it.
    Cell(String),
    /// A cell of a sheet whose XML gives no reference.
    Unnamed,
    /// The shared string of this index (0-based, as cells refer to it).
    Shared(usize),
}

/// Checks `bytes` (a zip) as the module describes; `Err(XlsxDamaged)` when it is not a
/// readable zip at all.
pub fn check(bytes: &[u8], limits: &Limits) -> Result<(), TableError> {
    check_reader(Cursor::new(bytes), limits)
}

/// [`check`] of a workbook read from `file` (read from where it stands, out of order as a zip
/// is read), so that a workbook on disk is measured without being held in memory.
pub fn check_reader<R: Read + std::io::Seek>(file: R, limits: &Limits) -> Result<(), TableError> {
    let damaged = |_| TableError::XlsxDamaged;
    let refused = TableError::XlsxOutOfProportion;
    let mut zip = zip::ZipArchive::new(file).map_err(damaged)?;
    if zip.len() > MAX_PARTS {
        return Err(refused(Disproportion::Parts { count: zip.len() }));
    }
    let mut total = 0u64;
    for i in 0..zip.len() {
        let part = zip.by_index_raw(i).map_err(damaged)?;
        let (packed, unpacked) = (part.compressed_size(), part.size());
        out_of_ratio(part.name(), packed, unpacked)?;
        total = total.saturating_add(unpacked);
        if total > limits.max_unpacked_bytes {
            return Err(refused(Disproportion::Unpacked {
                total,
                max: limits.max_unpacked_bytes,
            }));
        }
    }
    let mut held = Held::default();
    for i in 0..zip.len() {
        let part = zip.by_index(i).map_err(damaged)?;
        let name = part.name().to_string();
        let (packed, declared) = (part.compressed_size(), part.size());
        let mut counted = Counted {
            inner: part.take(declared.saturating_add(1)),
            n: 0,
        };
        if parsed_by_calamine(&name) {
            scan(&mut counted, &name, limits, &mut held).map_err(refused)?;
        }
        // The rest of the part (all of it, for one calamine does not parse), a buffer at a time.
        std::io::copy(&mut counted, &mut std::io::sink()).map_err(|_| TableError::XlsxDamaged)?;
        if counted.n > declared {
            return Err(refused(Disproportion::Ratio {
                part: name,
                packed,
                unpacked: counted.n,
            }));
        }
    }
    Ok(())
}

/// Whether calamine 0.31 parses the part `name` as XML when it opens a workbook and reads its
/// worksheets, as `table` uses it: the four parts it opens by name, and the sheets the
/// workbook's relationships point to — calamine takes a sheet's path only when its second
/// segment is `worksheets`, `chartsheets` or `dialogsheets` (otherwise the workbook does not
/// open), and finds the part by that path with `\` read as `/`, ignoring ASCII case. Other
/// parts (pictures, printer settings, drawings) are never parsed, and may hold anything.
pub fn parsed_by_calamine(name: &str) -> bool {
    let name = name.replace('\\', "/").to_ascii_lowercase();
    matches!(
        name.as_str(),
        "xl/sharedstrings.xml" | "xl/styles.xml" | "xl/workbook.xml" | "xl/_rels/workbook.xml.rels"
    ) || ["xl/worksheets/", "xl/chartsheets/", "xl/dialogsheets/"]
        .iter()
        .any(|dir| name.starts_with(dir))
}

fn out_of_ratio(part: &str, packed: u64, unpacked: u64) -> Result<(), TableError> {
    if unpacked > RATIO_FREE_BYTES && unpacked / packed.max(1) > MAX_RATIO {
        return Err(TableError::XlsxOutOfProportion(Disproportion::Ratio {
            part: part.to_string(),
            packed,
            unpacked,
        }));
    }
    Ok(())
}

/// A reader that counts the bytes it gave.
struct Counted<R> {
    inner: R,
    n: u64,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let k = self.inner.read(buf)?;
        self.n += k as u64;
        Ok(k)
    }
}

/// How far ahead of the XML reader its buffer reads.
const READ_AHEAD: u64 = 8 << 10;

/// A reader that gives no byte past `until` (a position in what it gives) and then fails,
/// noting that it did in `stopped`. The scanner moves `until` on after each item of XML, so
/// the XML reader, which holds an item whole, never holds more than [`XML_ITEM_BYTES`] (and
/// its read-ahead) of one.
struct Bounded<R> {
    inner: R,
    given: u64,
    until: Rc<Flag<u64>>,
    stopped: Rc<Flag<bool>>,
}

impl<R: Read> Read for Bounded<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let room = self.until.get().saturating_sub(self.given);
        if room == 0 {
            self.stopped.set(true);
            return Err(std::io::Error::other("an item of XML beyond the bound"));
        }
        let n = buf.len().min(usize::try_from(room).unwrap_or(usize::MAX));
        let k = self.inner.read(&mut buf[..n])?;
        self.given += k as u64;
        Ok(k)
    }
}

/// What the scan of all parts adds up.
#[derive(Default)]
struct Held {
    /// Rows (or columns) spanned by shared formulas: table entries calamine makes.
    spans: usize,
    /// Memory of the shared strings as calamine would hold them.
    shared: u64,
    /// Shared strings seen.
    strings: usize,
}

/// The text of one cell or shared string, counted as it streams: characters as
/// [`super::table::Cell::text`] counts them (trimmed) and bytes as it holds them, with the
/// start kept for the message. Work is constant per character, memory constant.
#[derive(Default)]
struct Meter {
    /// Characters from the first visible one to the last visible one.
    chars: usize,
    /// Whitespace after the last visible character: counted only if more text follows.
    pending: usize,
    bytes: usize,
    prefix: String,
    prefix_chars: usize,
}

impl Meter {
    fn push(&mut self, c: char) {
        self.bytes += c.len_utf8();
        let started = self.chars > 0;
        if is_trimmed(c) {
            if !started {
                return;
            }
            self.pending += 1;
        } else {
            self.chars += self.pending + 1;
            self.pending = 0;
        }
        if self.prefix_chars <= QUOTE_CHARS {
            self.prefix.push(c);
            self.prefix_chars += 1;
        }
    }

    fn push_text(&mut self, bytes: &[u8]) {
        String::from_utf8_lossy(bytes)
            .chars()
            .for_each(|c| self.push(c));
    }

    /// Longer than [`super::table::Cell::text`] keeps: more characters than any column
    /// allows, or more bytes than it trims.
    fn too_long(&self) -> bool {
        self.chars > CELL_CHARS || self.bytes > CELL_BYTES
    }
}

/// A predefined entity or character reference as the character it stands for; another named
/// entity (calamine refuses it) counts as one visible character.
fn referenced(r: &BytesRef<'_>) -> char {
    if let Ok(Some(c)) = r.resolve_char_ref() {
        return c;
    }
    let name: &[u8] = r;
    match name {
        b"lt" => '<',
        b"gt" => '>',
        b"quot" => '"',
        b"apos" => '\'',
        _ => '&',
    }
}

/// The element whose XML is held to [`CELL_XML_BYTES`] while inside it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Within {
    Cell,
    Shared,
    Name,
}

/// Parses a part as calamine would, within the bounds the module describes; `Err` names the
/// bound passed. Stops quietly at the first XML error: calamine, configured the same way,
/// stops there too.
fn scan<R: Read>(
    part: R,
    name: &str,
    limits: &Limits,
    held: &mut Held,
) -> Result<(), Disproportion> {
    let until = Rc::new(Flag::new(XML_ITEM_BYTES + READ_AHEAD));
    let stopped = Rc::new(Flag::new(false));
    let bounded = Bounded {
        inner: part,
        given: 0,
        until: Rc::clone(&until),
        stopped: Rc::clone(&stopped),
    };
    let mut xml =
        quick_xml::Reader::from_reader(BufReader::with_capacity(READ_AHEAD as usize, bounded));
    let config = xml.config_mut();
    config.check_end_names = false;
    config.trim_text(false);
    config.check_comments = false;
    config.expand_empty_elements = true;
    let mut buf = Vec::with_capacity(1024);
    let mut formulas = 0usize;
    // Where the current cell or shared string began, and what it is.
    let mut within: Option<(Within, u64)> = None;
    let mut place = Place::Unnamed;
    let (mut in_text, mut in_phonetic) = (false, false);
    let mut meter = Meter::default();
    let long_cell = |place: &Place, meter: &Meter| Disproportion::LongCell {
        part: name.to_string(),
        place: place.clone(),
        prefix: meter.prefix.clone(),
    };
    loop {
        buf.clear();
        let read = xml.read_event_into(&mut buf);
        let at = xml.buffer_position();
        until.set(at.saturating_add(XML_ITEM_BYTES + READ_AHEAD));
        let event = match read {
            Ok(Event::Eof) => return Ok(()),
            Ok(event) => event,
            Err(_) if stopped.get() => {
                // An item too long to hold: the text of a cell (its start is in `buf`), the XML
                // inside a cell, or anything else.
                return Err(match within {
                    Some((Within::Cell | Within::Shared, _)) => {
                        if in_text {
                            meter.push_text(&buf[..buf.len().min(4 * QUOTE_CHARS + 64)]);
                        }
                        long_cell(&place, &meter)
                    }
                    _ => Disproportion::LongXml {
                        part: name.to_string(),
                    },
                });
            }
            Err(_) => return Ok(()),
        };
        if let Some((what, from)) = within
            && at.saturating_sub(from) > CELL_XML_BYTES
        {
            return Err(match what {
                Within::Name => Disproportion::LongXml {
                    part: name.to_string(),
                },
                _ => long_cell(&place, &meter),
            });
        }
        match event {
            Event::Start(e) => match e.local_name().as_ref() {
                b"c" => {
                    within = Some((Within::Cell, at));
                    place = e
                        .attributes()
                        .flatten()
                        .find(|a| a.key.as_ref() == b"r")
                        .map_or(Place::Unnamed, |a| {
                            Place::Cell(
                                String::from_utf8_lossy(&a.value).chars().take(16).collect(),
                            )
                        });
                    meter = Meter::default();
                }
                b"si" => {
                    within = Some((Within::Shared, at));
                    place = Place::Shared(held.strings);
                    held.strings += 1;
                    meter = Meter::default();
                }
                b"definedName" => within = Some((Within::Name, at)),
                // calamine keeps the last value of a cell.
                b"is" => meter = Meter::default(),
                b"v" => {
                    meter = Meter::default();
                    in_text = true;
                }
                // calamine leaves the phonetic guide out of a string.
                b"t" => in_text = !in_phonetic,
                b"rPh" => in_phonetic = true,
                b"f" if !shared_formula_in_bounds(&e, &mut formulas, &mut held.spans, limits) => {
                    return Err(Disproportion::Formulas {
                        part: name.to_string(),
                    });
                }
                _ => {}
            },
            Event::End(e) => match e.local_name().as_ref() {
                b"c" | b"definedName" => {
                    within = None;
                    (place, meter) = (Place::Unnamed, Meter::default());
                }
                b"si" => {
                    within = None;
                    place = Place::Unnamed;
                    held.shared = held
                        .shared
                        .saturating_add(shared_string_bytes(meter.bytes as u64));
                    if held.shared > limits.max_shared_bytes {
                        return Err(Disproportion::SharedStrings {
                            bytes: held.shared,
                            max: limits.max_shared_bytes,
                        });
                    }
                    meter = Meter::default();
                }
                b"t" | b"v" => in_text = false,
                b"rPh" => in_phonetic = false,
                _ => {}
            },
            Event::Text(t) if in_text => meter.push_text(&t),
            Event::GeneralRef(r) if in_text => meter.push(referenced(&r)),
            _ => {}
        }
        if meter.too_long() {
            return Err(long_cell(&place, &meter));
        }
    }
}

/// Adds the rows (or columns) a shared formula's `ref` spans to `spans`; false when that sum
/// passes the cell bound, or when its `si` index is beyond the shared formulas seen so far
/// (`formulas`; calamine grows a table to the index).
fn shared_formula_in_bounds(
    start: &quick_xml::events::BytesStart<'_>,
    formulas: &mut usize,
    spans: &mut usize,
    limits: &Limits,
) -> bool {
    let (mut is_shared, mut si, mut range) = (false, None, None);
    for a in start.attributes().flatten() {
        match a.key.as_ref() {
            b"t" => is_shared = a.value.as_ref() == b"shared",
            b"si" => {
                si = Some(
                    std::str::from_utf8(&a.value)
                        .ok()
                        .and_then(|s| s.parse::<u64>().ok()),
                )
            }
            b"ref" => range = Some(a.value.into_owned()),
            _ => {}
        }
    }
    if !is_shared {
        return true;
    }
    *formulas += 1;
    match si {
        // calamine refuses a shared formula without a numeric index.
        None | Some(None) => return true,
        Some(Some(i)) if i > *formulas as u64 => return false,
        Some(Some(_)) => {}
    }
    if let Some(span) = range.as_deref().and_then(span_of) {
        *spans = spans.saturating_add(span);
        if *spans > limits.max_cells {
            return false;
        }
    }
    true
}

/// How many table entries calamine makes for a shared formula's `ref` ("A1:A5000" → 5 000):
/// one per row when it spans rows, else one per column.
fn span_of(range: &[u8]) -> Option<usize> {
    let text = std::str::from_utf8(range).ok()?;
    let (a, b) = text.split_once(':').unwrap_or((text, text));
    let (r1, c1) = position(a)?;
    let (r2, c2) = position(b)?;
    let span = if r1 != r2 {
        r1.abs_diff(r2)
    } else {
        c1.abs_diff(c2)
    };
    usize::try_from(span).ok()?.checked_add(1)
}

/// "B12" → (12, 2); `None` for anything else.
fn position(cell: &str) -> Option<(u64, u64)> {
    let cell = cell.trim().replace('$', "");
    let digits = cell.find(|c: char| c.is_ascii_digit())?;
    let (letters, number) = cell.split_at(digits);
    if letters.is_empty() || letters.len() > 7 || !letters.bytes().all(|b| b.is_ascii_uppercase()) {
        return None;
    }
    let col = letters
        .bytes()
        .fold(0u64, |n, b| n * 26 + u64::from(b - b'A' + 1));
    Some((number.parse().ok()?, col))
}

thread_local! {
    /// Set while this thread runs third-party parsing under [`quietly`].
    static QUIET: Flag<bool> = const { Flag::new(false) };
}
static HOOK: Once = Once::new();

/// Runs `f`, turning a panic inside it into `None` without a word on standard error: a panic in
/// a parser of hostile files is that file's fault, reported as such by the caller. Panics on
/// other threads, and outside `f`, are reported as before.
pub fn quietly<T>(f: impl FnOnce() -> T) -> Option<T> {
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !QUIET.with(Flag::get) {
                previous(info);
            }
        }));
    });
    let was = QUIET.with(|q| q.replace(true));
    let result = std::panic::catch_unwind(AssertUnwindSafe(f));
    QUIET.with(|q| q.set(was));
    result.ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    /// A zip of `parts`; `stored` parts are not compressed (their bytes can be patched).
    fn zip_of(parts: &[(&str, &[u8], bool)]) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for (name, data, stored) in parts {
            let method = if *stored {
                zip::CompressionMethod::Stored
            } else {
                zip::CompressionMethod::Deflated
            };
            let options = zip::write::SimpleFileOptions::default().compression_method(method);
            w.start_file(*name, options).unwrap();
            w.write_all(data).unwrap();
        }
        w.finish().unwrap().into_inner()
    }

    /// A sheet part whose XML unpacks to `mb` megabytes of one cell's text, written a
    /// megabyte at a time: the zip is a few hundred kilobytes.
    fn bomb(mb: usize) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .compression_level(Some(1))
            .large_file(true);
        w.start_file("xl/worksheets/sheet1.xml", options).unwrap();
        w.write_all(b"<worksheet><sheetData><row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>")
            .unwrap();
        let chunk = vec![b'A'; 1 << 20];
        for _ in 0..mb {
            w.write_all(&chunk).unwrap();
        }
        w.write_all(b"</t></is></c></row></sheetData></worksheet>")
            .unwrap();
        w.finish().unwrap().into_inner()
    }

    /// Issue 9: a 300 MB sheet packed into a few hundred kilobytes is refused from the central
    /// directory alone, naming the part and both sizes.
    #[test]
    fn a_zip_bomb_is_refused_from_its_central_directory() {
        let bytes = bomb(300);
        assert!(bytes.len() < 4 << 20, "the bomb is small: {}", bytes.len());
        match check(&bytes, &Limits::default()) {
            Err(TableError::XlsxOutOfProportion(Disproportion::Ratio {
                part,
                packed,
                unpacked,
            })) => {
                assert_eq!(part, "xl/worksheets/sheet1.xml");
                assert!(unpacked > 300 << 20, "{unpacked}");
                assert!(packed < 4 << 20, "{packed}");
            }
            other => panic!("not refused as a bomb: {other:?}"),
        }
    }

    /// A part that declares a small size and unpacks to more is stopped one byte past what it
    /// declared: the sizes in a zip are the attacker's to write.
    #[test]
    fn a_part_that_lies_about_its_size_is_stopped_at_the_size_it_declared() {
        // Digits from a linear congruential generator: they pack about 2:1.
        let mut seed = 2017u64;
        let digits: Vec<u8> = (0..3 << 20)
            .map(|_| {
                seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
                b'0' + (seed >> 60) as u8 % 10
            })
            .collect();
        // (A picture: a sheet of 3 MB of text without a tag would be refused for that.)
        let honest = zip_of(&[("xl/media/image1.png", &digits, false)]);
        assert_eq!(
            check(&honest, &Limits::default()),
            Ok(()),
            "ratio well under the bound"
        );
        // Patch the declared unpacked size (local header offset 22, central directory 24).
        let mut lying = honest.clone();
        let declared = (1000u32).to_le_bytes();
        for (sig, at) in [(b"PK\x03\x04", 22), (b"PK\x01\x02", 24)] {
            let pos = lying.windows(4).position(|w| w == sig).unwrap();
            lying[pos + at..pos + at + 4].copy_from_slice(&declared);
        }
        match check(&lying, &Limits::default()) {
            Err(TableError::XlsxOutOfProportion(Disproportion::Ratio { unpacked, .. })) => {
                assert_eq!(unpacked, 1001, "stopped one byte past the declared size")
            }
            other => panic!("a lying part passed: {other:?}"),
        }
    }

    #[test]
    fn the_total_unpacked_size_is_bounded_by_max_rows() {
        let bytes = zip_of(&[
            ("a.xml", &vec![b'a'; 600 << 10], false),
            ("b.xml", &vec![b'b'; 600 << 10], false),
        ]);
        let small = Limits {
            max_unpacked_bytes: 1 << 20,
            ..Limits::for_rows(10)
        };
        assert!(matches!(
            check(&bytes, &small),
            Err(TableError::XlsxOutOfProportion(Disproportion::Unpacked { max, .. })) if max == 1 << 20
        ));
        assert_eq!(check(&bytes, &Limits::default()), Ok(()));
    }

    #[test]
    fn shared_formulas_claiming_huge_ranges_or_indexes_are_refused() {
        let sheet = |f: &str| {
            format!(
                "<worksheet><sheetData><row r=\"1\"><c r=\"A1\">{f}</c></row></sheetData></worksheet>"
            )
        };
        let limits = Limits::for_rows(100);
        let ok = sheet(r#"<f t="shared" ref="A1:A50" si="0">B1</f><v>1</v>"#);
        let range = sheet(r#"<f t="shared" ref="A1:A1048576" si="0">B1</f>"#);
        let index = sheet(r#"<f t="shared" ref="A1" si="4000000000">B1</f>"#);
        let name = "xl/worksheets/sheet1.xml";
        assert_eq!(
            check(&zip_of(&[(name, ok.as_bytes(), false)]), &limits),
            Ok(())
        );
        for bad in [range, index] {
            assert_eq!(
                check(&zip_of(&[(name, bad.as_bytes(), false)]), &limits),
                Err(TableError::XlsxOutOfProportion(Disproportion::Formulas {
                    part: name.to_string()
                })),
                "{bad}"
            );
        }
    }

    const SHEET: &str = "xl/worksheets/sheet1.xml";
    const STRINGS: &str = "xl/sharedStrings.xml";

    /// A sheet part whose second row holds `cell` (the XML inside `<c r="B2" ...>`) after a
    /// header cell.
    fn sheet_with(attrs: &str, cell: &str) -> String {
        format!(
            "<worksheet><sheetData><row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>姓名</t></is></c></row>\
             <row r=\"2\"><c r=\"B2\" {attrs}>{cell}</c></row></sheetData></worksheet>"
        )
    }

    fn inline(text: &str) -> Vec<u8> {
        let sheet = sheet_with("t=\"inlineStr\"", &format!("<is><t>{text}</t></is>"));
        zip_of(&[(SHEET, sheet.as_bytes(), true)])
    }

    fn shared(strings: &str) -> Vec<u8> {
        let sst = format!("<sst>{strings}</sst>");
        let sheet = sheet_with("t=\"s\"", "<v>0</v>");
        zip_of(&[
            (STRINGS, sst.as_bytes(), true),
            (SHEET, sheet.as_bytes(), true),
        ])
    }

    fn refusal(bytes: &[u8]) -> Disproportion {
        match check(bytes, &Limits::default()) {
            Err(TableError::XlsxOutOfProportion(d)) => d,
            other => panic!("not refused: {other:?}"),
        }
    }

    /// Issue 9: the longest cell any column allows is [`CELL_CHARS`] characters once trimmed,
    /// as `Cell::text` counts them; one more, in an inline string, is refused naming the cell
    /// and quoting its start.
    #[test]
    fn an_inline_string_is_refused_one_character_past_the_longest_cell() {
        let at_most = format!("  \n{}\u{3000} ", "张".repeat(CELL_CHARS));
        assert_eq!(check(&inline(&at_most), &Limits::default()), Ok(()));
        let over = format!("  {}", "张".repeat(CELL_CHARS + 1));
        assert_eq!(
            refusal(&inline(&over)),
            Disproportion::LongCell {
                part: SHEET.into(),
                place: Place::Cell("B2".into()),
                prefix: "张".repeat(QUOTE_CHARS + 1),
            }
        );
        // Entities are one character each, as calamine reads them.
        assert_eq!(
            check(&inline(&"&amp;".repeat(CELL_CHARS)), &Limits::default()),
            Ok(())
        );
        assert!(matches!(
            refusal(&inline(&"&#x41;".repeat(CELL_CHARS + 1))),
            Disproportion::LongCell { prefix, .. } if prefix.starts_with("AAAA")
        ));
        // Bytes count as well: whitespace that trimming would have to walk through.
        assert!(matches!(
            refusal(&inline(&format!("x{}y", " ".repeat(CELL_BYTES)))),
            Disproportion::LongCell { .. }
        ));
    }

    /// A cell's value in `<v>` (a formula's text result) is held to the same bound.
    #[test]
    fn a_long_value_is_refused_like_a_long_string() {
        let sheet = sheet_with(
            "t=\"str\"",
            &format!("<v>{}</v>", "x".repeat(CELL_CHARS + 1)),
        );
        assert!(matches!(
            refusal(&zip_of(&[(SHEET, sheet.as_bytes(), false)])),
            Disproportion::LongCell { place: Place::Cell(at), .. } if at == "B2"
        ));
    }

    /// A shared string is counted over all its formatted runs but without its phonetic guide,
    /// as calamine builds it, and refused by its number.
    #[test]
    fn a_shared_string_is_refused_one_character_past_the_longest_cell() {
        let half = "李".repeat(CELL_CHARS / 2);
        let phonetic = format!("<rPh><t>{}</t></rPh>", "li".repeat(CELL_CHARS));
        let fits = format!(
            "<si><t>姓名</t></si><si><r><t>{half}</t></r><r><t>{half}</t></r>{phonetic}</si>"
        );
        assert_eq!(check(&shared(&fits), &Limits::default()), Ok(()));
        let over =
            format!("<si><t>姓名</t></si><si><r><t>{half}</t></r><r><t>{half}x</t></r></si>");
        assert!(matches!(
            refusal(&shared(&over)),
            Disproportion::LongCell { part, place: Place::Shared(1), .. } if part == STRINGS
        ));
    }

    /// Text of one item longer than the XML reader may hold is stopped at that bound, without
    /// the reader ever holding it: what is refused is the cell, with its start quoted.
    #[test]
    fn a_megabyte_of_text_in_one_piece_is_stopped_at_the_item_bound() {
        let text = "A".repeat(1 << 20);
        for bytes in [inline(&text), shared(&format!("<si><t>{text}</t></si>"))] {
            match refusal(&bytes) {
                Disproportion::LongCell { prefix, .. } => {
                    assert_eq!(prefix, "A".repeat(QUOTE_CHARS + 1))
                }
                other => panic!("{other:?}"),
            }
        }
        // A tag of a megabyte is no cell: the part is named.
        let sheet = format!(
            "<worksheet x=\"{}\"><sheetData/></worksheet>",
            "x".repeat(1 << 20)
        );
        assert_eq!(
            refusal(&zip_of(&[(SHEET, sheet.as_bytes(), true)])),
            Disproportion::LongXml { part: SHEET.into() }
        );
    }

    /// calamine keeps a cell's whole inline string XML in one buffer: ten thousand empty
    /// formatting runs are refused although their text is short.
    #[test]
    fn the_xml_of_one_cell_is_bounded_too() {
        let runs = "<r><rPr><b/><sz val=\"11\"/></rPr><t></t></r>".repeat(10_000);
        let sheet = sheet_with("t=\"inlineStr\"", &format!("<is>{runs}</is>"));
        assert!(matches!(
            refusal(&zip_of(&[(SHEET, sheet.as_bytes(), false)])),
            Disproportion::LongCell { place: Place::Cell(at), .. } if at == "B2"
        ));
    }

    /// The shared strings calamine would hold are counted as it holds them: many short
    /// strings pass the bound as surely as a few long ones.
    #[test]
    fn the_shared_strings_held_are_bounded() {
        let strings = "<si><t>王芳</t></si>".repeat(20_000);
        let limits = Limits {
            max_shared_bytes: 1 << 20,
            ..Limits::for_rows(100)
        };
        assert!(shared_string_bytes(6) * 20_000 > 1 << 20);
        assert!(matches!(
            check(&shared(&strings), &limits),
            Err(TableError::XlsxOutOfProportion(Disproportion::SharedStrings { max, .. })) if max == 1 << 20
        ));
        assert_eq!(check(&shared(&strings), &Limits::default()), Ok(()));
    }

    /// Only the parts calamine parses are held to the XML bounds: a picture may be anything,
    /// and a sheet is found whatever the case of its path.
    #[test]
    fn the_parts_calamine_parses_are_the_ones_bounded() {
        assert!(parsed_by_calamine("xl/sharedStrings.xml"));
        assert!(parsed_by_calamine("XL\\Worksheets\\Sheet1.xml"));
        assert!(parsed_by_calamine("xl/chartsheets/sheet1.xml"));
        assert!(parsed_by_calamine("xl/_rels/workbook.xml.rels"));
        assert!(!parsed_by_calamine("xl/media/image1.png"));
        assert!(!parsed_by_calamine("docProps/core.xml"));
        let picture = vec![b'A'; 2 << 20];
        let sheet = sheet_with("t=\"inlineStr\"", "<is><t>张伟</t></is>");
        let ok = zip_of(&[
            (SHEET, sheet.as_bytes(), false),
            ("xl/media/image1.png", &picture, true),
        ]);
        assert_eq!(check(&ok, &Limits::default()), Ok(()));
        let upper = zip_of(&[("XL/WORKSHEETS/SHEET1.XML", &picture, true)]);
        assert!(matches!(refusal(&upper), Disproportion::LongXml { .. }));
    }

    #[test]
    fn not_a_zip_is_damaged() {
        assert_eq!(
            check(b"PK\x03\x04 nothing", &Limits::default()),
            Err(TableError::XlsxDamaged)
        );
    }

    #[test]
    fn spans_of_shared_formula_ranges() {
        assert_eq!(span_of(b"A1:A5000"), Some(5000));
        assert_eq!(span_of(b"A1:XFD1"), Some(16384));
        assert_eq!(span_of(b"$B$2"), Some(1));
        assert_eq!(span_of(b"nonsense"), None);
    }

    #[test]
    fn a_panic_inside_quietly_is_none() {
        assert_eq!(quietly(|| 7), Some(7));
        let v: Vec<u8> = Vec::new();
        assert_eq!(quietly(|| v[3]), None);
        assert!(!QUIET.with(Flag::get), "the flag is restored");
    }
}
