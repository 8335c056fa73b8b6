//! Reading the demo's data files (`data/demo/`): comment lines (`#`) and blank lines skipped,
//! a CSV header checked, fields split on commas (the tables hold no quoted commas).

use std::fmt;

/// A data file of the demo that does not read: which file, which line (1-based; 0 for the file
/// as a whole) and what is wrong. The files are built into the program, so this means a broken
/// build; the demo refuses to run instead of generating a data set other than its seed's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataError {
    pub file: &'static str,
    pub line: usize,
    pub message: String,
}

impl DataError {
    pub(crate) fn new(file: &'static str, line: usize, message: &str) -> DataError {
        DataError {
            file,
            line,
            message: message.to_string(),
        }
    }
}

impl fmt::Display for DataError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "data/demo/{}:{}: {}", self.file, self.line, self.message)
    }
}

/// The lines that hold data, trimmed, with their 1-based line numbers.
pub(crate) fn lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim()))
        .filter(|(_, l)| !l.is_empty() && !l.starts_with('#'))
}

/// The records of a CSV table whose header must be `header`, each with exactly as many fields.
pub(crate) fn records<'t>(
    file: &'static str,
    text: &'t str,
    header: &str,
) -> Result<Vec<(usize, Vec<&'t str>)>, DataError> {
    let mut rows = lines(text);
    match rows.next() {
        Some((_, h)) if h == header => {}
        Some((n, h)) => {
            return Err(DataError::new(
                file,
                n,
                &format!("the header is {h}, expected {header}"),
            ));
        }
        None => return Err(DataError::new(file, 0, "empty file")),
    }
    let width = header.split(',').count();
    rows.map(|(n, l)| {
        let fields: Vec<&str> = l.split(',').map(str::trim).collect();
        if fields.len() == width {
            Ok((n, fields))
        } else {
            Err(DataError::new(
                file,
                n,
                &format!("{} fields, expected {width} ({header})", fields.len()),
            ))
        }
    })
    .collect()
}
