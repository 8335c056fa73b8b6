//! The columns of each roster kind (INTERFACES.md), matched by English or Chinese name in any
//! order.

use super::{Problem, Row, RowError, Table};
use crate::domain::text::clean_line;

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
];

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
];

const APPLICANTS: &[Spec] = &[
    ("id_number", "身份证号", true),
    // Read only to catch a roster whose ID numbers and names do not belong together.
    ("name", "姓名", false),
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
];

impl Kind {
    fn spec(self) -> &'static [Spec] {
        match self {
            Kind::People => PEOPLE,
            Kind::Entries => ENTRIES,
            Kind::Filings => FILINGS,
            Kind::Applicants => APPLICANTS,
        }
    }

    /// "id_number/身份证号, name/姓名, …" for the unknown-column message.
    pub fn known(self) -> String {
        self.spec()
            .iter()
            .map(|(en, zh, _)| format!("{en}/{zh}"))
            .collect::<Vec<_>>()
            .join(", ")
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

/// Where each known column sits in a table.
#[derive(Debug, Clone)]
pub struct Columns {
    kind: Kind,
    /// For each spec entry: (index in the row, header as written).
    found: Vec<Option<(usize, String)>>,
}

impl Columns {
    /// Match the header row; every unknown, duplicate or missing required column is an error.
    pub fn match_headers(kind: Kind, table: &Table) -> Result<Columns, Vec<RowError>> {
        let spec = kind.spec();
        let mut found: Vec<Option<(usize, String)>> = vec![None; spec.len()];
        let mut errors = Vec::new();
        for (i, header) in table.headers.iter().enumerate() {
            if header.trim().is_empty() {
                continue;
            }
            let k = key(header);
            match spec
                .iter()
                .position(|(en, zh, _)| key(en) == k || key(zh) == k)
            {
                None => errors.push(RowError::new(
                    1,
                    header,
                    header,
                    Problem::UnknownColumn {
                        known: kind.known(),
                    },
                )),
                Some(j) if found[j].is_some() => {
                    errors.push(RowError::new(1, header, header, Problem::DuplicateColumn))
                }
                Some(j) => found[j] = Some((i, header.clone())),
            }
        }
        for (j, (en, zh, required)) in spec.iter().enumerate() {
            if *required && found[j].is_none() {
                errors.push(RowError::new(
                    1,
                    &format!("{zh}/{en}"),
                    "",
                    Problem::MissingColumn,
                ));
            }
        }
        if errors.is_empty() {
            Ok(Columns { kind, found })
        } else {
            Err(errors)
        }
    }

    fn index(&self, english: &str) -> Option<usize> {
        self.kind
            .spec()
            .iter()
            .position(|(en, _, _)| *en == english)
    }

    /// The header of a column as written in the file (or its Chinese name when absent).
    pub fn header(&self, english: &str) -> String {
        match self.index(english) {
            Some(j) => match &self.found[j] {
                Some((_, h)) => h.clone(),
                None => self.kind.spec()[j].1.to_string(),
            },
            None => english.to_string(),
        }
    }

    /// The cell of a column in a row, "" when the column is absent.
    pub fn get<'r>(&self, row: &'r Row, english: &str) -> &'r str {
        self.index(english)
            .and_then(|j| self.found[j].as_ref())
            .and_then(|(i, _)| row.cells.get(*i))
            .map_or("", |s| s.trim())
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
    pub fn new(cols: &'a Columns, row: &'a Row) -> RowReader<'a> {
        RowReader {
            cols,
            row,
            errors: Vec::new(),
        }
    }

    pub fn raw(&self, col: &str) -> &'a str {
        self.cols.get(self.row, col)
    }

    pub fn error(&mut self, col: &str, value: &str, problem: Problem) {
        self.errors.push(RowError::new(
            self.row.line,
            &self.cols.header(col),
            value,
            problem,
        ));
    }

    pub fn rule_error(&mut self, col: &str, value: &str, err: &impl crate::i18n::Describe) {
        self.errors.push(RowError::rule(
            self.row.line,
            &self.cols.header(col),
            value,
            err,
        ));
    }

    /// Optional free text, cleaned of control sequences.
    pub fn text(&self, col: &str) -> String {
        clean_line(self.raw(col))
    }

    /// Required free text; `None` (and an error) when empty.
    pub fn required(&mut self, col: &str) -> Option<String> {
        let v = self.text(col);
        if v.is_empty() {
            self.error(col, "", Problem::Required);
            None
        } else {
            Some(v)
        }
    }

    /// A value of a closed vocabulary. `Some(None)` when optional and empty; `None` on error.
    pub fn vocab<T>(
        &mut self,
        col: &str,
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
        col: &str,
        parse: fn(&str) -> Option<T>,
        expected: fn() -> String,
    ) -> Option<T> {
        self.vocab(col, true, parse, expected).flatten()
    }

    /// A date in any of the accepted forms. `Some(None)` when optional and empty.
    pub fn date(&mut self, col: &str, required: bool) -> Option<Option<chrono::NaiveDate>> {
        let raw = self.raw(col);
        let value = self.text(col);
        if value.is_empty() {
            if required {
                self.error(col, "", Problem::Required);
                return None;
            }
            return Some(None);
        }
        match crate::domain::dates::parse_date(&value) {
            Some(d) => Some(Some(d)),
            None => {
                self.error(col, raw, Problem::Date);
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(headers: &[&str]) -> Table {
        Table {
            headers: headers.iter().map(|s| s.to_string()).collect(),
            rows: vec![],
        }
    }

    #[test]
    fn headers_match_in_either_language_and_any_order() {
        let t = table(&["姓名", "Unit", "id_number", "单位类型", "市州 (必填)"]);
        let c = Columns::match_headers(Kind::People, &t).expect("matches");
        assert_eq!(c.header("city"), "市州 (必填)");
        assert_eq!(c.header("phone"), "联系电话");
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
