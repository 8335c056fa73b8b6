//! The columns of each roster kind (docs/INTERFACES.md), matched by English or Chinese name in any
//! order.

use super::limits::{FIELD_CHARS, FREE_TEXT_CHARS, NAME_CHARS};
use super::table::{Cell, CellKind, Vocabulary, column_name};
use super::{Problem, Row, RowError, Table};
use crate::domain::IdNumber;
use crate::domain::id_number::IdError;
use crate::domain::text::{clean, clean_line};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    People,
    Entries,
    Filings,
    /// The applicants of a verification batch (R6.3): ID numbers, names only for checking.
    Applicants,
}

/// (English name, Chinese name, required)
type Spec = (&'static str, &'static str, bool);

const PEOPLE: &[Spec] = &[
    ("id_number", "身份证号", true),
    ("name", "姓名", true),
    ("unit", "单位", true),
    ("unit_kind", "单位类型", true),
    ("city", "市州", true),
    ("title", "现有职称", false),
    ("title_level", "职称级别", false),
    ("series", "职称系列", false),
    ("phone", "联系电话", false),
    ("file_location", "档案所在地", false),
    NOTE,
];

/// The free-text note nearly every Chinese roster carries; kept with the record.
const NOTE: Spec = ("note", "备注", false);

/// Other names Chinese rosters give the same columns: (alias, English name of the column).
const ALIASES: &[(&str, &str)] = &[
    ("身份证号码", "id_number"),
    ("公民身份号码", "id_number"),
    ("身份证", "id_number"),
    ("证件号码", "id_number"),
    ("工作单位", "unit"),
    ("单位名称", "unit"),
    ("手机号码", "phone"),
    ("联系方式", "phone"),
];

/// Columns customary in rosters that carry nothing to keep: the row number.
const IGNORED: &[&str] = &["序号", "no", "no.", "#", "行号"];

const ENTRIES: &[Spec] = &[
    ("id_number", "身份证号", true),
    ("year", "年度", false),
    ("category", "科目类别", true),
    ("form", "学习形式", true),
    ("content", "培训内容", true),
    ("provider", "施教机构", true),
    ("start_date", "开始日期", true),
    ("end_date", "结束日期", true),
    ("hours", "学时", true),
    ("result", "考核结果", true),
    ("filing_no", "备案编号", false),
    ("evidence", "已交材料", false),
    // A name column is common in rosters and harmless: it is read only to make messages clearer.
    ("name", "姓名", false),
    NOTE,
];

const APPLICANTS: &[Spec] = &[
    ("id_number", "身份证号", true),
    // Read only to catch a roster whose ID numbers and names do not belong together.
    ("name", "姓名", false),
    NOTE,
];

const FILINGS: &[Spec] = &[
    ("filing_no", "备案编号", true),
    ("name", "培训名称", true),
    ("category", "科目类别", true),
    ("applicant_unit", "申报单位", true),
    ("institution", "培训机构", true),
    ("start_date", "开始日期", true),
    ("end_date", "结束日期", true),
    ("status", "状态", true),
    ("approved_on", "备案日期", false),
    ("address", "单位通讯地址", false),
    ("post_code", "邮编", false),
    ("email", "E-mail", false),
    ("head", "培训负责人", false),
    ("head_post", "负责人职务", false),
    ("head_phone", "负责人电话", false),
    ("contact", "培训联系人", false),
    ("contact_post", "联系人职务", false),
    ("contact_phone", "联系人电话", false),
    ("place", "培训地点", false),
    ("trainees", "拟培训人员范围", false),
    ("programme", "培训方案", false),
    ("schedule", "培训计划", false),
    NOTE,
];

impl Kind {
    /// The most characters a cell of the column `english` may hold (issue 9): a person's name
    /// [`NAME_CHARS`], free text [`FREE_TEXT_CHARS`], anything else [`FIELD_CHARS`].
    pub fn max_chars(self, english: &'static str) -> usize {
        match (self, english) {
            (Kind::Filings, "head" | "contact") => NAME_CHARS,
            (Kind::Filings, "name") => FIELD_CHARS,
            (_, "name") => NAME_CHARS,
            (Kind::Filings, "programme" | "schedule" | "trainees") => FREE_TEXT_CHARS,
            (_, "note") => FREE_TEXT_CHARS,
            _ => FIELD_CHARS,
        }
    }

    fn spec(self) -> &'static [Spec] {
        match self {
            Kind::People => PEOPLE,
            Kind::Entries => ENTRIES,
            Kind::Filings => FILINGS,
            Kind::Applicants => APPLICANTS,
        }
    }

    /// "id_number/身份证号, name/姓名, …, no/序号" for the unknown-column message.
    pub fn known(self) -> String {
        self.spec()
            .iter()
            .map(|(en, zh, _)| format!("{en}/{zh}"))
            .chain(std::iter::once("no/序号".to_string()))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The spec entry a header names, by either language.
    fn position(self, header: &str) -> Option<usize> {
        let k = key(header);
        let en = ALIASES
            .iter()
            .find(|(alias, _)| key(alias) == k)
            .map(|(_, en)| *en);
        self.spec()
            .iter()
            .position(|(e, zh, _)| key(e) == k || key(zh) == k || Some(*e) == en)
    }
}

fn is_ignored(header: &str) -> bool {
    let k = key(header);
    IGNORED.iter().any(|i| key(i) == k)
}

impl Vocabulary for Kind {
    fn recognises(&self, cell: &str) -> bool {
        self.position(cell).is_some() || is_ignored(cell)
    }

    fn names(&self) -> Vec<&'static str> {
        self.spec()
            .iter()
            .flat_map(|(en, zh, _)| [*en, *zh])
            .chain(IGNORED.iter().copied())
            .chain(
                ALIASES
                    .iter()
                    .filter(|(_, en)| self.spec().iter().any(|(e, _, _)| e == en))
                    .map(|(alias, _)| *alias),
            )
            .collect()
    }
}

/// Normalise a header: case, spaces, hyphens and a trailing "(必填)"-style note do not matter.
fn key(s: &str) -> String {
    let s = clean_line(s);
    let s = s
        .split(['(', '（'])
        .next()
        .unwrap_or(&s)
        .trim_end_matches(['*', '＊']);
    s.chars()
        .filter(|c| !c.is_whitespace() && *c != '-' && *c != '_')
        .flat_map(char::to_lowercase)
        .collect()
}

/// Texts a [`Columns`] remembers the place of by address ([`Columns::index`]): the names of
/// every column of every roster, and room for the same name at a few addresses.
const SEEN_KEPT: usize = 64;

/// Where each known column sits in a table.
#[derive(Debug, Clone)]
pub struct Columns {
    kind: Kind,
    /// For each spec entry: (index in the row, header as written).
    found: Vec<Option<(usize, String)>>,
    /// For each column of the header row: whether it has a name.
    named: Vec<bool>,
    /// How a name finds its spec entry (boxed: a `Columns` travels in every `Result` of the
    /// header's matching).
    lookup: Box<Lookup>,
}

/// A [`Columns`]' way from a column's English name to its spec entry.
#[derive(Debug, Clone)]
struct Lookup {
    /// Each spec entry's place, by English name: a row's every field is read by name, some
    /// thirty times a row with the checks, and a scan of the spec comparing names was a tenth
    /// of the check of a million-row roster (issue 10).
    places: foldhash::HashMap<&'static str, usize>,
    /// Names already looked up, by the address and length of the text the caller passed: the
    /// parsers pass the same literals every row, and hashing them was still a tenth of parsing
    /// a roster (issue 10). Sound because a name is `&'static str`: text at a static address
    /// never changes. Filled at the first lookup of each; a few dozen at most. A `Columns` is
    /// used by one thread at a time (each thread of an import has its own).
    seen: std::cell::RefCell<Vec<(usize, usize, Option<usize>)>>,
}

impl Columns {
    /// Match the header row; every unknown, duplicate or missing required column is an error,
    /// and so is a value in a column without a header. `序号` is accepted and ignored.
    pub fn match_headers(kind: Kind, table: &Table) -> Result<Columns, Vec<RowError>> {
        let header = crate::import::stream::Header {
            header_line: table.header_line,
            headers: table.headers.clone(),
            skipped: Vec::new(),
            above: table.above.clone(),
            sheet: None,
        };
        let (cols, mut errors) = match Columns::match_header(kind, &header) {
            Ok(cols) => (Some(cols), Vec::new()),
            Err((cols, errors)) => (Some(cols), errors),
        };
        // A value under no header would otherwise vanish without a word.
        if let Some(cols) = &cols {
            errors.extend(table.rows.iter().filter_map(|row| cols.unheaded(row)));
        }
        match cols {
            Some(cols) if errors.is_empty() => Ok(cols),
            _ => Err(errors),
        }
    }

    /// The header row alone, as a streamed roster has it before its rows: unknown, duplicate
    /// and missing required columns, and data above the header, are errors. The columns are
    /// returned with the errors too, so that a stream can still find the values under no
    /// header ([`Columns::unheaded`]) and report every problem of the header at once.
    pub fn match_header(
        kind: Kind,
        header: &crate::import::stream::Header,
    ) -> Result<Columns, (Columns, Vec<RowError>)> {
        let spec = kind.spec();
        let line = header.header_line;
        let mut found: Vec<Option<(usize, String)>> = vec![None; spec.len()];
        let mut named = vec![false; header.headers.len()];
        let mut errors = Vec::new();
        for (i, name) in header.headers.iter().enumerate() {
            if name.trim().is_empty() {
                continue;
            }
            named[i] = true;
            if is_ignored(name) {
                continue;
            }
            match kind.position(name) {
                None => errors.push(RowError::new(
                    line,
                    name,
                    name,
                    Problem::UnknownColumn {
                        known: kind.known(),
                    },
                )),
                Some(j) if found[j].is_some() => {
                    errors.push(RowError::new(line, name, name, Problem::DuplicateColumn))
                }
                Some(j) => found[j] = Some((i, name.clone())),
            }
        }
        for (j, (en, zh, required)) in spec.iter().enumerate() {
            if *required && found[j].is_none() {
                errors.push(RowError::new(
                    line,
                    &format!("{zh}/{en}"),
                    "",
                    Problem::MissingColumn,
                ));
            }
        }
        // A row with an ID number above the header is data, not a title: skipping it would
        // lose a person without a word.
        for row in &header.above {
            if let Some((i, cell)) = row
                .cells
                .iter()
                .enumerate()
                .find(|(_, c)| IdNumber::parse(&clean_line(&c.text)).is_ok())
            {
                let column = match header.headers.get(i) {
                    Some(h) if !h.is_empty() => h.clone(),
                    _ => column_name(i),
                };
                errors.push(RowError::new(
                    row.line,
                    &column,
                    &cell.text,
                    Problem::DataAboveHeader { header_line: line },
                ));
            }
        }
        let places = spec.iter().enumerate().map(|(j, s)| (s.0, j)).collect();
        let cols = Columns {
            kind,
            found,
            named,
            lookup: Box::new(Lookup {
                places,
                seen: std::cell::RefCell::new(Vec::new()),
            }),
        };
        if errors.is_empty() {
            Ok(cols)
        } else {
            Err((cols, errors))
        }
    }

    /// The first value of `row` in a column that has no header (it would otherwise be dropped
    /// unread), as the error that names it.
    pub fn unheaded(&self, row: &Row) -> Option<RowError> {
        let (i, cell) = row.cells.iter().enumerate().find(|(i, cell)| {
            !cell.text.is_empty() && !self.named.get(*i).copied().unwrap_or(false)
        })?;
        Some(RowError::new(
            row.line,
            &column_name(i),
            &cell.text,
            Problem::NoHeader {
                column: column_name(i),
            },
        ))
    }

    fn index(&self, english: &'static str) -> Option<usize> {
        let key = (english.as_ptr() as usize, english.len());
        if let Ok(seen) = self.lookup.seen.try_borrow()
            && let Some(&(_, _, place)) = seen.iter().find(|(at, len, _)| (*at, *len) == key)
        {
            return place;
        }
        let place = self.lookup.places.get(english).copied();
        if let Ok(mut seen) = self.lookup.seen.try_borrow_mut()
            && seen.len() < SEEN_KEPT
        {
            seen.push((key.0, key.1, place));
        }
        place
    }

    /// The header of a column as written in the file (or its Chinese name when absent).
    pub fn header(&self, english: &'static str) -> String {
        match self.index(english) {
            Some(j) => match &self.found[j] {
                Some((_, h)) => h.clone(),
                None => self.kind.spec()[j].1.to_string(),
            },
            None => english.to_string(),
        }
    }

    /// The cell of a column in a row, `None` when the column is absent.
    pub fn cell<'r>(&self, row: &'r Row, english: &'static str) -> Option<&'r Cell> {
        self.index(english)
            .and_then(|j| self.found[j].as_ref())
            .and_then(|(i, _)| row.cells.get(*i))
    }

    /// The text of a column's cell in a row, "" when the column is absent.
    pub fn get<'r>(&self, row: &'r Row, english: &'static str) -> &'r str {
        self.cell(row, english)
            .map_or("", |c| super::table::trim(&c.text))
    }

    /// Known columns present in the table: each one's English name and its cell in `row`
    /// (`None` past the row's last cell), found by place, not by name.
    fn present<'s, 'r: 's>(
        &'s self,
        row: &'r Row,
    ) -> impl Iterator<Item = (&'static str, Option<&'r Cell>)> + 's {
        self.kind
            .spec()
            .iter()
            .zip(&self.found)
            .filter_map(move |((en, _, _), f)| f.as_ref().map(|(i, _)| (*en, row.cells.get(*i))))
    }
}

/// The row's 备注 (note), cleaned like any roster text; empty when the roster has no note column.
pub fn note(cols: &Columns, row: &Row) -> String {
    clean_line(unguard_formula(cols.get(row, NOTE.0)))
}

/// A cell as it was before an export guarded it against running as a formula
/// (`crate::export::guard_formula`, issue 11): `'=…`, `'+…`, `'-…`, `'@…` lose the apostrophe,
/// which a spreadsheet keeps in the cell when the file is saved again. So an exported roster,
/// also one opened and saved by a clerk's spreadsheet, imports back unchanged.
pub fn unguard_formula(s: &str) -> &str {
    match s.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@']) => rest,
        _ => s,
    }
}

/// Reads one row's cells, collecting every problem instead of stopping at the first, so that a
/// clerk fixes a roster in one pass.
pub struct RowReader<'a> {
    pub cols: &'a Columns,
    pub row: &'a Row,
    pub errors: Vec<RowError>,
}

impl<'a> RowReader<'a> {
    /// Starts on a row; cells that hold no usable value whatever the column (an Excel error
    /// such as `#N/A`, a formula without a saved result, a value longer than the column
    /// allows) are reported once here, and then read as empty, so no later check spends work
    /// on them.
    pub fn new(cols: &'a Columns, row: &'a Row) -> RowReader<'a> {
        let mut r = RowReader {
            cols,
            row,
            errors: Vec::new(),
        };
        for (col, cell) in cols.present(row) {
            let Some(cell) = cell else {
                continue;
            };
            let max = cols.kind.max_chars(col);
            match cell.kind {
                CellKind::Error => r.error(col, &cell.text, Problem::ExcelError),
                CellKind::FormulaWithoutValue => r.error(col, "", Problem::FormulaWithoutValue),
                CellKind::Oversized => {
                    r.error(col, &cell.text, Problem::TooLong { max, chars: None })
                }
                // No more characters than bytes: most cells are not counted at all.
                _ if cell.text.len() <= max => {}
                _ => {
                    // Counted only up to the bound (the reader keeps no cell longer than
                    // the longest bound anyway).
                    let chars = cell.text.chars().count();
                    if chars > max {
                        r.error(
                            col,
                            &cell.text,
                            Problem::TooLong {
                                max,
                                chars: Some(chars),
                            },
                        );
                    }
                }
            }
        }
        r
    }

    pub fn raw(&self, col: &'static str) -> &'a str {
        match self.cols.cell(self.row, col) {
            Some(c)
                if matches!(
                    c.kind,
                    CellKind::Error | CellKind::FormulaWithoutValue | CellKind::Oversized
                ) =>
            {
                ""
            }
            Some(c) => super::table::trim(&c.text),
            None => "",
        }
    }

    /// Whether a problem was already reported for this column of the row: one message a cell.
    fn reported(&self, col: &'static str) -> bool {
        let header = self.cols.header(col);
        self.errors.iter().any(|e| e.column == header)
    }

    /// An ID number (R1.1) from a column, every problem reported. Refused when the spreadsheet
    /// held it as a number: Excel keeps 15 significant digits, so the last digits of an
    /// 18-digit number are already lost and no check character can be trusted; scientific
    /// notation in a CSV (`4.30102E+17`) is the same cell saved as displayed, and an 18-digit
    /// number ending in 000 whose check character fails is those lost digits written out.
    /// Parsed clean (an invisible character inside the cell is removed), quoted raw.
    pub fn id_number(&mut self, col: &'static str) -> Option<IdNumber> {
        let raw = self.raw(col);
        let text = self.text(col);
        let number_cell = self
            .cols
            .cell(self.row, col)
            .is_some_and(|c| c.kind == CellKind::Number);
        if number_cell || is_scientific(&text) {
            self.error(col, raw, Problem::IdAsNumber);
            return None;
        }
        if text.is_empty() {
            self.error(col, "", Problem::Required);
            return None;
        }
        match IdNumber::parse(&text) {
            Ok(id) => Some(id),
            Err(IdError::Checksum { .. })
                if text.len() == 18
                    && text.ends_with("000")
                    && text.bytes().all(|b| b.is_ascii_digit()) =>
            {
                self.error(col, raw, Problem::IdDigitsLost);
                None
            }
            Err(e) => {
                self.rule_error(col, raw, &e);
                None
            }
        }
    }

    pub fn error(&mut self, col: &'static str, value: &str, problem: Problem) {
        if self.reported(col) {
            return;
        }
        self.errors.push(RowError::new(
            self.row.line,
            &self.cols.header(col),
            value,
            problem,
        ));
    }

    pub fn rule_error(&mut self, col: &'static str, value: &str, err: &impl crate::i18n::Describe) {
        if self.reported(col) {
            return;
        }
        self.errors.push(RowError::rule(
            self.row.line,
            &self.cols.header(col),
            value,
            err,
        ));
    }

    /// Optional free text, cleaned of control sequences, an export's formula guard taken off
    /// ([`unguard_formula`]).
    pub fn text(&self, col: &'static str) -> std::borrow::Cow<'a, str> {
        clean(unguard_formula(self.raw(col)))
    }

    /// Required free text; `None` (and an error) when empty.
    pub fn required(&mut self, col: &'static str) -> Option<String> {
        let v = self.text(col);
        if v.is_empty() {
            self.error(col, "", Problem::Required);
            None
        } else {
            Some(v.into_owned())
        }
    }

    /// A value of a closed vocabulary. `Some(None)` when optional and empty; `None` on error.
    pub fn vocab<T>(
        &mut self,
        col: &'static str,
        required: bool,
        parse: fn(&str) -> Option<T>,
        expected: fn() -> String,
    ) -> Option<Option<T>> {
        // Parsed clean (a zero-width space does not make 省直单位 unknown); quoted raw.
        let raw = self.raw(col);
        let value = self.text(col);
        if value.is_empty() {
            if required {
                self.error(col, "", Problem::Required);
                return None;
            }
            return Some(None);
        }
        match parse(&value) {
            Some(v) => Some(Some(v)),
            None => {
                self.error(
                    col,
                    raw,
                    Problem::NotOneOf {
                        expected: expected(),
                    },
                );
                None
            }
        }
    }

    /// A required value of a closed vocabulary.
    pub fn vocab_required<T>(
        &mut self,
        col: &'static str,
        parse: fn(&str) -> Option<T>,
        expected: fn() -> String,
    ) -> Option<T> {
        self.vocab(col, true, parse, expected).flatten()
    }

    /// A date in any of the accepted forms. `Some(None)` when optional and empty. A text in none
    /// of the forms is [`Problem::Date`] (the forms listed); a well-formed day the calendar does
    /// not have says what does not exist ("2月没有30日"), as a [`Problem::Rule`].
    pub fn date(&mut self, col: &'static str, required: bool) -> Option<Option<chrono::NaiveDate>> {
        let raw = self.raw(col);
        let value = self.text(col);
        if value.is_empty() {
            if required {
                self.error(col, "", Problem::Required);
                return None;
            }
            return Some(None);
        }
        let number = self
            .cols
            .cell(self.row, col)
            .is_some_and(|c| c.kind == CellKind::Number);
        if number {
            // A date serial in a cell not formatted as a date: Excel shows the number, so the
            // clerk sees 42795 where a date belongs.
            let as_date = raw
                .parse::<f64>()
                .ok()
                .filter(|f| (1.0..2_958_466.0).contains(f))
                .and_then(|f| {
                    chrono::NaiveDate::from_ymd_opt(1899, 12, 30)?
                        .checked_add_days(chrono::Days::new(f as u64))
                });
            self.error(
                col,
                raw,
                Problem::DateAsNumber {
                    as_date: as_date.map(|d| d.to_string()),
                },
            );
            return None;
        }
        match crate::domain::dates::parse_date(&value) {
            Ok(d) => Some(Some(d)),
            Err(crate::domain::dates::DateError::Format) => {
                self.error(col, raw, Problem::Date);
                None
            }
            Err(impossible) => {
                self.rule_error(col, raw, &impossible);
                None
            }
        }
    }
}

/// `4.30102E+17`, `4.30102197501020e17`: a number as a spreadsheet displays a large one.
fn is_scientific(s: &str) -> bool {
    let Some((mantissa, exp)) = s.split_once(['e', 'E']) else {
        return false;
    };
    let exp = exp.strip_prefix('+').unwrap_or(exp);
    !mantissa.is_empty()
        && mantissa.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && mantissa.bytes().filter(|&b| b == b'.').count() <= 1
        && !exp.is_empty()
        && exp.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(headers: &[&str]) -> Table {
        Table::of_text(headers, &[])
    }

    #[test]
    fn headers_match_in_either_language_and_any_order() {
        let t = table(&["姓名", "Unit", "id_number", "单位类型", "市州 (必填)"]);
        let c = Columns::match_headers(Kind::People, &t).expect("matches");
        assert_eq!(c.header("city"), "市州 (必填)");
        assert_eq!(c.header("phone"), "联系电话");
    }

    #[test]
    fn the_usual_other_names_of_columns_are_known() {
        let t = table(&[
            "公民身份号码",
            "姓名",
            "工作单位",
            "单位类型",
            "市州",
            "手机号码",
        ]);
        let c = Columns::match_headers(Kind::People, &t).expect("matches");
        assert_eq!(c.header("id_number"), "公民身份号码");
        assert_eq!(c.header("unit"), "工作单位");
        assert_eq!(c.header("phone"), "手机号码");
        // An alias of a column the roster kind does not have stays unknown.
        let t = table(&["身份证号码", "工作单位"]);
        let errs = Columns::match_headers(Kind::Applicants, &t).unwrap_err();
        assert!(errs.iter().any(|e| e.column == "工作单位"));
    }

    #[test]
    fn unknown_and_missing_columns_are_reported() {
        let t = table(&["身份证号", "姓名", "单位", "单位类型", "性别"]);
        let errs = Columns::match_headers(Kind::People, &t).unwrap_err();
        assert!(errs.iter().any(|e| e.column == "性别"
            && matches!(&e.problem, Problem::UnknownColumn { known } if known.contains("city/市州"))));
        assert!(
            errs.iter()
                .any(|e| e.column == "市州/city" && e.problem == Problem::MissingColumn)
        );
    }
}
