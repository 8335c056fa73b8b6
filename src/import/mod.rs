//! Rosters in: CSV (UTF-8, UTF-8 with BOM, GB18030) and XLSX, header aliases, row-level errors.
pub mod table;
