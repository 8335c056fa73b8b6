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

/// Cells a row may have on average, with a roster's 10 to 25 columns and room to spare.
const CELLS_PER_ROW: usize = 40;
/// Bytes of file a row may take on average (a filing's programme is long, a person's row short).
const BYTES_PER_ROW: u64 = 1_024;
/// Whatever `max_rows` says, a file up to this size is read: small rosters never meet the bound.
const MIN_FILE_BYTES: u64 = 64 << 20;
/// A workbook part (the sheet's XML) may be this many times its compressed size. Deflate of
/// spreadsheet XML gives 5–30; a zip bomb gives about 1 000.
pub const MAX_RATIO: u64 = 100;
/// Parts smaller than this are not held to [`MAX_RATIO`]: a nearly empty styles part compresses
/// well and harms nobody.
pub const RATIO_FREE_BYTES: u64 = 1 << 20;
/// Parts a workbook may have; Excel writes a dozen, a workbook with many sheets a few hundred.
pub const MAX_PARTS: usize = 2_000;

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
}

impl Limits {
    /// The bounds for a roster of at most `max_rows` data rows.
    pub fn for_rows(max_rows: usize) -> Limits {
        let rows = u64::try_from(max_rows).unwrap_or(u64::MAX);
        let max_file_bytes = rows.saturating_mul(BYTES_PER_ROW).max(MIN_FILE_BYTES);
        Limits {
            max_rows,
            max_cells: max_rows.saturating_add(100).saturating_mul(CELLS_PER_ROW),
            max_file_bytes,
            // Sheet XML takes 5–10 times the CSV of the same rows.
            max_unpacked_bytes: max_file_bytes.saturating_mul(8),
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
    }
}
