//! Rosters in: CSV (UTF-8, UTF-8 with BOM, GB18030) and XLSX, header aliases in Chinese and
//! English, and row-level errors that name the row, the column, the value and what was expected.
//!
//! Parsing here needs only the reference data; checks against the database (does this person
//! exist?) are the service's, which reports them in the same form.

pub mod columns;
pub mod encoding;
pub mod entries;
pub mod filings;
pub mod limits;
pub mod people;
pub mod stream;
pub mod table;
pub mod workbook;

use crate::domain::text::quote_prefix;
use crate::i18n::{Describe, Lang};

pub use columns::{Columns, Kind};
pub use limits::{ImportConfig, Limits};
pub use table::{Cell, CellKind, Encoding, Row, Table, TableError, read_table};

/// What is wrong with one cell (or the header).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// The column is required and the cell is empty.
    Required,
    /// A value outside a closed vocabulary; `expected` lists the accepted values.
    NotOneOf {
        expected: String,
    },
    /// The explanation comes from a domain error (ID number, hours …) already in both languages.
    Rule {
        zh: String,
        en: String,
    },
    Date,
    StartAfterEnd {
        start: String,
    },
    /// R2.1 The training ends after the clerk's today (given as `YYYY-MM-DD`).
    EndsAfterToday {
        today: String,
    },
    YearOutsideDates,
    /// The 年度 is not a whole year (`2017`, `2017年`, or `2017.0` as a number saved as text).
    NotAYear,
    UnknownPerson,
    UnknownFiling,
    /// An evidence item that is not on the form's checklist.
    UnknownEvidence {
        form: String,
        expected: String,
    },
    /// The same key appears twice in the file with different data.
    Duplicate {
        first_line: usize,
    },
    ApprovedWithoutDate,
    /// R5.1 The same training (person, category, form, content, provider, dates, hours) listed
    /// again further down the roster with another year, result or filing: which of the two
    /// rows holds is the clerk's to say, not the last row's.
    TrainingTwice {
        first_line: usize,
    },
    /// The entry is already sealed, registered or refused: a roster cannot change a decision.
    AlreadyDecided {
        state: crate::domain::EntryState,
    },
    UnknownColumn {
        known: String,
    },
    MissingColumn,
    DuplicateColumn,
    /// A value in a column that has no header: it would otherwise be dropped unread.
    NoHeader {
        column: String,
    },
    /// A row above the header row holds an ID number: data the import would otherwise skip.
    DataAboveHeader {
        header_line: usize,
    },
    /// An ID number held in a number cell: Excel kept only 15 significant digits (R1.1).
    IdAsNumber,
    /// An 18-digit ID number ending in 000 whose check character fails: the digits a number
    /// cell lost, saved as text (R1.1).
    IdDigitsLost,
    /// A number in a date column whose cell is not formatted as a date; `as_date` is the date
    /// Excel would show for it as a date serial.
    DateAsNumber {
        as_date: Option<String>,
    },
    /// An Excel error value (`#N/A`, `#REF!` …) where a value belongs.
    ExcelError,
    /// A formula whose result the file does not hold.
    FormulaWithoutValue,
    /// Longer than the column allows (issue 9): `max` characters; `chars` is the cell's length
    /// when it was counted (a cell beyond every column's bound is not).
    TooLong {
        max: usize,
        chars: Option<usize>,
    },
}

/// One problem, located the way a clerk finds it in the spreadsheet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    /// Spreadsheet row (the header is row 1).
    pub line: usize,
    /// The column's header as written in the file.
    pub column: String,
    /// The offending value exactly as the roster has it (not cleaned), or empty: messages show
    /// its start through [`quote_prefix`] (so `reveal_invisible`), so an invisible character
    /// that made it wrong is seen and a long value does not flood the terminal.
    pub value: String,
    pub problem: Problem,
}

impl RowError {
    /// `value` is kept raw; see [`RowError::value`].
    pub fn new(line: usize, column: &str, value: &str, problem: Problem) -> RowError {
        RowError {
            line,
            column: column.to_string(),
            value: value.to_string(),
            problem,
        }
    }

    pub fn rule(line: usize, column: &str, value: &str, err: &impl Describe) -> RowError {
        RowError::new(
            line,
            column,
            value,
            Problem::Rule {
                zh: err.describe(Lang::Zh),
                en: err.describe(Lang::En),
            },
        )
    }

    /// `FILE:ROW:COLUMN: message` (docs/INTERFACES.md). The column is the roster's header, shown
    /// like a value (at most its start, as every quoted value).
    pub fn render(&self, file: &str, lang: Lang) -> String {
        format!(
            "{file}:{}:{}: {}",
            self.line,
            quote_prefix(&self.column),
            self.describe(lang)
        )
    }
}

impl Describe for RowError {
    fn describe(&self, lang: Lang) -> String {
        // At most the start of the value: a message names the cell, it does not copy it.
        let v = &quote_prefix(&self.value);
        match (&self.problem, lang) {
            (Problem::Required, Lang::Zh) => "必填项为空".into(),
            (Problem::Required, Lang::En) => "required, but empty".into(),
            (Problem::NotOneOf { expected }, Lang::Zh) => {
                format!("无法识别的值“{v}”，应为：{expected}")
            }
            (Problem::NotOneOf { expected }, Lang::En) => {
                format!("unknown value \"{v}\", expected one of: {expected}")
            }
            (Problem::Rule { zh, .. }, Lang::Zh) => format!("值“{v}”：{zh}"),
            (Problem::Rule { en, .. }, Lang::En) => format!("value \"{v}\": {en}"),
            (Problem::Date, Lang::Zh) => {
                format!("日期“{v}”无效，应为有效日期，如 2017-03-01、2017/3/1 或 2017年3月1日")
            }
            (Problem::Date, Lang::En) => format!(
                "\"{v}\" is not a valid date, expected e.g. 2017-03-01, 2017/3/1 or 2017年3月1日"
            ),
            (Problem::EndsAfterToday { today }, Lang::Zh) => {
                format!("结束日期“{v}”晚于今天（{today}），应为已结束并考核的培训")
            }
            (Problem::EndsAfterToday { today }, Lang::En) => format!(
                "end date \"{v}\" is after today ({today}), expected a training that has ended and been assessed"
            ),
            (Problem::StartAfterEnd { start }, Lang::Zh) => {
                let start = quote_prefix(start);
                format!("结束日期“{v}”早于开始日期“{start}”，应不早于开始日期")
            }
            (Problem::StartAfterEnd { start }, Lang::En) => {
                let start = quote_prefix(start);
                format!(
                    "end date \"{v}\" is before the start date \"{start}\", expected on or after it"
                )
            }
            (Problem::YearOutsideDates, Lang::Zh) => {
                format!("年度“{v}”不在培训起止日期所在年份之内")
            }
            (Problem::YearOutsideDates, Lang::En) => {
                format!("year \"{v}\" is not the year of the start or end date")
            }
            (Problem::NotAYear, Lang::Zh) => {
                format!("年度“{v}”不是年份，应为四位数字的年份，如 2017")
            }
            (Problem::NotAYear, Lang::En) => {
                format!("year \"{v}\" is not a year, expected a four-digit year such as 2017")
            }
            (Problem::UnknownPerson, Lang::Zh) => {
                format!("数据库中没有身份证号为“{v}”的人员，应先导入人员名册")
            }
            (Problem::UnknownPerson, Lang::En) => {
                format!("no person with ID number \"{v}\" in the database: import the people first")
            }
            (Problem::UnknownFiling, Lang::Zh) => {
                format!("数据库中没有备案编号“{v}”，应先导入备案")
            }
            (Problem::UnknownFiling, Lang::En) => {
                format!("no filing numbered \"{v}\" in the database: import the filings first")
            }
            (Problem::UnknownEvidence { form, expected }, Lang::Zh) => {
                format!("“{v}”不是{form}的证明材料，应为：{expected}")
            }
            (Problem::UnknownEvidence { form, expected }, Lang::En) => {
                format!("\"{v}\" is not evidence for {form}, expected: {expected}")
            }
            (Problem::Duplicate { first_line }, Lang::Zh) => {
                format!("“{v}”与第{first_line}行重复但内容不同")
            }
            (Problem::Duplicate { first_line }, Lang::En) => {
                format!("\"{v}\" repeats row {first_line} with different data")
            }
            (Problem::TrainingTwice { first_line }, Lang::Zh) => {
                let quoted = if v.is_empty() { String::new() } else { format!("“{v}”：") };
                format!(
                    "{quoted}与第{first_line}行是同一培训（同一人、类别、形式、内容、机构、日期、学时），但这一列与第{first_line}行不同；请只保留正确的一行"
                )
            }
            (Problem::TrainingTwice { first_line }, Lang::En) => {
                let quoted = if v.is_empty() { String::new() } else { format!("\"{v}\": ") };
                format!(
                    "{quoted}the same training as row {first_line} (person, category, form, content, provider, dates, hours), but this column differs from row {first_line}; keep only the right row"
                )
            }
            (Problem::AlreadyDecided { state }, Lang::Zh) => {
                let state = state.zh();
                let quoted = if v.is_empty() { String::new() } else { format!("“{v}”：") };
                format!(
                    "{quoted}该培训记录已是“{state}”状态，名册不能再修改其年度、考核结果或备案，应通过复核决定处理"
                )
            }
            (Problem::AlreadyDecided { state }, Lang::En) => {
                let quoted = if v.is_empty() { String::new() } else { format!("\"{v}\": ") };
                format!(
                    "{quoted}this entry is already {}: a roster cannot change its year, result or filing; use a review decision",
                    state.code()
                )
            }
            (Problem::ApprovedWithoutDate, Lang::Zh) => "状态为已备案，但备案日期为空".into(),
            (Problem::ApprovedWithoutDate, Lang::En) => {
                "status is approved but approved_on is empty".into()
            }
            (Problem::UnknownColumn { known }, Lang::Zh) => {
                format!("未知的列“{v}”，可用的列：{known}")
            }
            (Problem::UnknownColumn { known }, Lang::En) => {
                format!("unknown column \"{v}\", known columns: {known}")
            }
            (Problem::MissingColumn, Lang::Zh) => "缺少必需的列".into(),
            (Problem::MissingColumn, Lang::En) => "a required column is missing".into(),
            (Problem::DuplicateColumn, Lang::Zh) => format!("列“{v}”出现了不止一次"),
            (Problem::DuplicateColumn, Lang::En) => {
                format!("column \"{v}\" appears more than once")
            }
            (Problem::NoHeader { column }, Lang::Zh) => format!(
                "{column}列有值“{v}”，但该列没有表头：请给这一列填上列名（如 备注），或删除这一列的内容"
            ),
            (Problem::NoHeader { column }, Lang::En) => format!(
                "column {column} holds \"{v}\" but has no header: name the column (e.g. note) or clear it"
            ),
            (Problem::IdAsNumber, Lang::Zh) => format!(
                "身份证号所在的列被设置成了“数字”格式，单元格中是数字 {v}：Excel 只保留 15 位有效数字，18 位身份证号的后几位已经丢失，无法恢复。\
                 请把该列设置为“文本”格式后重新录入（或粘贴）身份证号，再导入"
            ),
            (Problem::IdAsNumber, Lang::En) => format!(
                "the ID-number column is formatted as a number and the cell holds {v}: Excel keeps only 15 significant digits, so the last digits of an 18-digit ID number are lost. \
                 Format the column as Text, enter (or paste) the ID numbers again, then import"
            ),
            (Problem::DataAboveHeader { header_line }, Lang::Zh) => format!(
                "这一行在表头（第{header_line}行）之上，却有身份证号“{v}”，像是数据行：请把表头移到所有数据行之上，或删除这一行"
            ),
            (Problem::DataAboveHeader { header_line }, Lang::En) => format!(
                "this row is above the header (row {header_line}) but holds the ID number \"{v}\": move the header above every data row, or delete this row"
            ),
            (Problem::IdDigitsLost, Lang::Zh) => format!(
                "身份证号 {v} 以 000 结尾且校验位不符：很可能是表格把身份证号当作数字保存，只保留了 15 位有效数字，后几位已经丢失。\
                 请把该列设置为“文本”格式后重新录入（或粘贴）身份证号，再导入"
            ),
            (Problem::IdDigitsLost, Lang::En) => format!(
                "ID number {v} ends in 000 and its check character fails: the spreadsheet most likely held it as a number and kept only 15 significant digits. \
                 Format the column as Text, enter (or paste) the ID numbers again, then import"
            ),
            (Problem::DateAsNumber { as_date }, Lang::Zh) => {
                let hint = as_date
                    .as_ref()
                    .map(|d| format!("（作为 Excel 日期序号它是 {d}）"))
                    .unwrap_or_default();
                format!(
                    "单元格是数字 {v}，不是日期{hint}：请把该列设置为“日期”格式，确认显示的日期无误后再导入"
                )
            }
            (Problem::DateAsNumber { as_date }, Lang::En) => {
                let hint = as_date
                    .as_ref()
                    .map(|d| format!(" (as an Excel date serial it is {d})"))
                    .unwrap_or_default();
                format!(
                    "the cell holds the number {v}, not a date{hint}: format the column as Date, check the dates shown, then import"
                )
            }
            (Problem::ExcelError, Lang::Zh) => {
                format!("单元格是 Excel 错误值 {v}：请在表格软件中改正该单元格的公式或内容")
            }
            (Problem::ExcelError, Lang::En) => {
                format!("the cell holds the Excel error {v}: correct its formula or value")
            }
            (Problem::FormulaWithoutValue, Lang::Zh) => {
                "公式单元格没有保存计算结果，请在表格软件中打开并保存".into()
            }
            (Problem::TooLong { max, chars }, Lang::Zh) => match chars {
                Some(n) => format!("内容过长：有 {n} 个字符，此列最多 {max} 个字符（开头是“{v}”）"),
                None => format!("内容过长：远超此列最多 {max} 个字符的限制（开头是“{v}”）"),
            },
            (Problem::TooLong { max, chars }, Lang::En) => match chars {
                Some(n) => format!(
                    "too long: {n} characters, this column allows at most {max} (it begins \"{v}\")"
                ),
                None => format!(
                    "too long: far more than the {max} characters this column allows (it begins \"{v}\")"
                ),
            },
            (Problem::FormulaWithoutValue, Lang::En) => {
                "the formula cell has no saved result: open the file in the spreadsheet program and save it".into()
            }
        }
    }
}

/// A parsed record and the spreadsheet row it came from.
#[derive(Debug, Clone)]
pub struct Parsed<T> {
    pub line: usize,
    pub record: T,
    /// The row's 备注 (note), cleaned; empty when the roster has none. Kept with the record, not
    /// part of it: a note never makes a record differ.
    pub note: String,
}

/// The rows that parsed and the problems of those that did not.
pub type Partial<T> = (Vec<Parsed<T>>, Vec<RowError>);

/// The outcome of parsing a whole table: every record, or every problem.
pub type ParseResult<T> = Result<Vec<Parsed<T>>, Vec<RowError>>;
