//! How much of a roster the program reads before it refuses it (issue 9): bounds on the file,
//! its rows, its cells and each cell's length, so that an oversized or hostile file is refused
//! early, with a message that says which bound and what to do, in time and memory that do not
//! grow with the attack.
//!
//! The one bound a bureau may need to change is `[import] max_rows` in the configuration; the
//! others follow from it or from what a roster's columns hold.

use serde::Deserialize;

/// The `[import]` table of the configuration.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct ImportConfig {
    /// The most data rows one roster may have (default 200 000, more than the largest city's
    /// roster). A larger file is refused before any row is validated.
    pub max_rows: usize,
}

impl Default for ImportConfig {
    fn default() -> ImportConfig {
        ImportConfig {
            max_rows: DEFAULT_MAX_ROWS,
        }
    }
}

impl ImportConfig {
    /// The bounds that follow from this configuration.
    pub fn limits(&self) -> Limits {
        Limits::for_rows(self.max_rows)
    }
}

/// The default of `[import] max_rows`.
pub const DEFAULT_MAX_ROWS: usize = 200_000;

/// Characters a person's name may have (the longest minority names transliterated in full,
/// with separators, stay well under it).
pub const NAME_CHARS: usize = 50;
/// Characters of an ordinary field: a unit, a training's content, an address.
pub const FIELD_CHARS: usize = 300;
/// Characters of free text: a filing's programme and schedule, a note.
pub const FREE_TEXT_CHARS: usize = 5_000;
/// A cell longer than this is not kept whole by the readers, whatever its column: only a prefix
/// for the message (the longest any column allows is [`FREE_TEXT_CHARS`]).
pub const CELL_CHARS: usize = FREE_TEXT_CHARS;

/// Bytes of a cell's text beyond which it is too long whatever it holds (4 bytes a character,
/// and as much padding again): the readers neither trim nor count it.
pub const CELL_BYTES: usize = CELL_CHARS * 8;

/// Cells a row may have on average, with a roster's 10 to 25 columns and room to spare.
const CELLS_PER_ROW: usize = 40;
/// Bytes of file a row may take on average (a filing's programme is long, a person's row short).
const BYTES_PER_ROW: u64 = 1_024;
/// Whatever `max_rows` says, a file up to this size is read: small rosters never meet the bound.
const MIN_FILE_BYTES: u64 = 64 << 20;
/// Bytes a row may unpack to, over all of a workbook's parts.
///
/// Measured on workbooks of 200 000 rows written as Excel writes them: people (8 columns)
/// unpack to 75 MB with shared strings and 106 MB with inline strings; entries (12 columns, a
/// long training content) to 93 MB and 183 MB — at most 920 bytes a row. Excel's style and
/// row attributes add some 15 %. 2 KiB a row is twice that: 410 MB at the default 200 000 rows.
///
/// Memory does not follow this bound: the parts are streamed, a cell or shared string at most
/// [`CELL_XML_BYTES`] at a time, and what is kept has bounds of its own (`max_shared_bytes`,
/// `max_text_bytes`, `max_cells`). What it bounds is time: the check streams 390 MB of sheet in
/// about 1.5 s of a release build, and calamine takes as long again.
const UNPACKED_BYTES_PER_ROW: u64 = 2_048;
/// Whatever `max_rows` says, a workbook may unpack to this much (30 000 rows' worth).
const MIN_UNPACKED_BYTES: u64 = 64 << 20;
/// Memory a row's shared strings may take once calamine holds them all (it keeps every one as
/// a `String` in a `Vec`, as long as the workbook is open). An ID number, a name and a
/// 60-character training content unique to each row take about 600 bytes counted as
/// [`shared_string_bytes`] counts; the 200 000 rows of the people workbook above take 40 MB.
/// 640 bytes a row: 128 MB at the default 200 000 rows.
const SHARED_BYTES_PER_ROW: u64 = 640;
/// Bytes of text the cells of a table may keep per row: a long row of an entries roster has
/// some 300 (12 cells, a 60-character content). Shared strings are copied into each cell that
/// refers to them, so without this bound one 5 000-character string referred to by every cell
/// would be copied millions of times. 512 bytes a row: 100 MB at the default 200 000 rows.
const TEXT_BYTES_PER_ROW: u64 = 512;
/// Whatever `max_rows` says, this much shared string memory and table text is allowed.
const MIN_HELD_BYTES: u64 = 16 << 20;
/// A workbook part (the sheet's XML) may be this many times its compressed size. Deflate of
/// spreadsheet XML gives 5–30; a zip bomb gives about 1 000.
pub const MAX_RATIO: u64 = 100;
/// Parts smaller than this are not held to [`MAX_RATIO`]: a nearly empty styles part compresses
/// well and harms nobody.
pub const RATIO_FREE_BYTES: u64 = 1 << 20;
/// Parts a workbook may have; Excel writes a dozen, a workbook with many sheets a few hundred.
pub const MAX_PARTS: usize = 2_000;
/// The longest single item (a tag, a run of text between tags) of a part calamine parses. The
/// XML reader holds one item whole, so this is how much it may hold: more than a cell's text
/// may take ([`CELL_BYTES`]), far more than any tag Excel writes (a few hundred bytes).
pub const XML_ITEM_BYTES: u64 = 64 << 10;
/// The longest XML of one cell (`<c>`), shared string (`<si>`) or defined name: calamine keeps
/// all of a cell's inline string XML in one buffer. A cell of 5 000 characters in a hundred
/// formatted runs takes some 40 KB.
pub const CELL_XML_BYTES: u64 = 256 << 10;

/// The memory a shared string of `bytes` bytes of text takes once calamine holds it: its
/// `String` (24 bytes, twice over for the growth of the `Vec` that holds it) and its text (up to
/// twice its length for the growth of the `String` as the runs are appended, in an allocation of
/// at least 32 bytes).
pub fn shared_string_bytes(bytes: u64) -> u64 {
    let text = if bytes == 0 {
        0
    } else {
        (bytes.saturating_mul(2).saturating_add(8 + 15) & !15).max(32)
    };
    48 + text
}

/// The bounds one import is held to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Data rows (not counting the header and the rows above it).
    pub max_rows: usize,
    /// Cells kept in all (blank ones inside a row count: they take memory too).
    pub max_cells: usize,
    /// Size of the file itself.
    pub max_file_bytes: u64,
    /// Total size of a workbook's parts once unpacked.
    pub max_unpacked_bytes: u64,
    /// Memory of a workbook's shared strings as calamine holds them (see
    /// [`shared_string_bytes`]).
    pub max_shared_bytes: u64,
    /// Bytes of text the cells read from a workbook may keep in all.
    pub max_text_bytes: u64,
}

impl Limits {
    /// The bounds for a roster of at most `max_rows` data rows.
    pub fn for_rows(max_rows: usize) -> Limits {
        let rows = u64::try_from(max_rows).unwrap_or(u64::MAX);
        let per_row = |bytes: u64, min: u64| rows.saturating_mul(bytes).max(min);
        Limits {
            max_rows,
            max_cells: max_rows.saturating_add(100).saturating_mul(CELLS_PER_ROW),
            max_file_bytes: per_row(BYTES_PER_ROW, MIN_FILE_BYTES),
            max_unpacked_bytes: per_row(UNPACKED_BYTES_PER_ROW, MIN_UNPACKED_BYTES),
            max_shared_bytes: per_row(SHARED_BYTES_PER_ROW, MIN_HELD_BYTES),
            max_text_bytes: per_row(TEXT_BYTES_PER_ROW, MIN_HELD_BYTES),
        }
    }
}

impl Default for Limits {
    fn default() -> Limits {
        Limits::for_rows(DEFAULT_MAX_ROWS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_import_table_sets_max_rows_and_refuses_typos() {
        let c: ImportConfig = toml::from_str("max_rows = 500\n").unwrap();
        assert_eq!(c.max_rows, 500);
        assert_eq!(c.limits().max_rows, 500);
        let d: ImportConfig = toml::from_str("").unwrap();
        assert_eq!(d.max_rows, DEFAULT_MAX_ROWS);
        assert!(toml::from_str::<ImportConfig>("max_row = 5\n").is_err());
        assert!(toml::from_str::<ImportConfig>("max_rows = -5\n").is_err());
    }

    /// Issue 9: the bounds the comments above derive, at the default 200 000 rows.
    #[test]
    fn the_default_bounds_are_the_ones_measured_for() {
        let d = Limits::default();
        assert_eq!(d.max_unpacked_bytes, 409_600_000);
        assert_eq!(d.max_shared_bytes, 128_000_000);
        assert_eq!(d.max_text_bytes, 102_400_000);
        // A shared string of 18 bytes (an ID number): its String twice over, 48 bytes of text.
        assert_eq!(shared_string_bytes(18), 96);
        assert_eq!(shared_string_bytes(0), 48);
    }

    #[test]
    fn bounds_grow_with_max_rows_and_never_overflow() {
        let small = Limits::for_rows(10);
        assert_eq!(
            small.max_file_bytes, MIN_FILE_BYTES,
            "small rosters always fit"
        );
        let big = Limits::for_rows(1_000_000);
        assert!(big.max_file_bytes > Limits::default().max_file_bytes);
        let absurd = Limits::for_rows(usize::MAX);
        assert_eq!(absurd.max_cells, usize::MAX);
        assert_eq!(absurd.max_unpacked_bytes, u64::MAX);
        assert_eq!(absurd.max_shared_bytes, u64::MAX);
        assert_eq!(absurd.max_text_bytes, u64::MAX);
    }
}
