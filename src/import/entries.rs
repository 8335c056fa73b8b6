//! The entries roster (docs/INTERFACES.md): a training institution's record of who took part in
//! what (R5.1), with the evidence already handed in (R3).

use std::collections::BTreeSet;

use chrono::{Datelike, NaiveDate};

use super::columns::RowReader;
use super::{Columns, Kind, ParseResult, Parsed, Problem, Row, Table};
use crate::domain::entry::default_year;
use crate::domain::{AssessmentResult, Category, Entry, EntryState, Form, Hours, IdNumber};
use crate::store::reference::Reference;

/// One row of an entries roster. The person and the filing are looked up by the service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryRow {
    pub id_number: IdNumber,
    pub entry: Entry,
    pub filing_no: Option<String>,
    /// Evidence option codes (R3) received.
    pub evidence: BTreeSet<String>,
}

/// Rosters separate items with any of these; Chinese spreadsheets favour the enumeration comma.
const EVIDENCE_SEPARATORS: [char; 5] = [';', '；', '、', ',', '，'];

pub fn parse(table: &Table, reference: &Reference, today: NaiveDate) -> ParseResult<EntryRow> {
    let (rows, errors) = parse_all(table, reference, today)?;
    if errors.is_empty() {
        Ok(rows)
    } else {
        Err(errors)
    }
}

/// Every row that parses, and every problem of those that do not: the service checks the good
/// rows against the database too, so a clerk sees all problems of a roster in one pass.
pub fn parse_all(
    table: &Table,
    reference: &Reference,
    today: NaiveDate,
) -> Result<super::Partial<EntryRow>, Vec<super::RowError>> {
    let cols = Columns::match_headers(Kind::Entries, table)?;
    let mut errors = Vec::new();
    let mut out = Vec::new();
    for row in &table.rows {
        match parse_row(&cols, row, reference, today) {
            Ok(parsed) => out.push(parsed),
            Err(mut e) => errors.append(&mut e),
        }
    }
    Ok((out, errors))
}

/// One row of an entries roster, or every problem of it (R5.1: each field checked as the entry
/// form checks it; R3 evidence against the form's checklist). The person and the filing are
/// the service's to look up.
pub fn parse_row(
    cols: &Columns,
    row: &Row,
    reference: &Reference,
    today: NaiveDate,
) -> Result<Parsed<EntryRow>, Vec<super::RowError>> {
    {
        let mut r = RowReader::new(cols, row);
        let id = r.id_number("id_number");
        let category = r.vocab_required("category", Category::parse, Category::expected);
        let form = r.vocab_required("form", Form::parse, Form::expected);
        let content = r.required("content");
        let provider = r.required("provider");
        let start = r.date("start_date", true).flatten();
        let end = r.date("end_date", true).flatten();
        if let (Some(s), Some(e)) = (start, end)
            && e < s
        {
            let end_raw = r.raw("end_date");
            r.error(
                "end_date",
                end_raw,
                Problem::StartAfterEnd {
                    start: r.raw("start_date").to_string(),
                },
            );
        }
        if let Some(e) = end
            && !crate::domain::entry::ended_by(e, today)
        {
            let end_raw = r.raw("end_date");
            r.error(
                "end_date",
                end_raw,
                Problem::EndsAfterToday {
                    today: today.to_string(),
                },
            );
        }
        let hours_raw = r.raw("hours");
        let hours = Hours::parse_positive(&r.text("hours"))
            .map_err(|e| r.rule_error("hours", hours_raw, &e))
            .ok();
        let result = r.vocab_required(
            "result",
            AssessmentResult::parse,
            AssessmentResult::expected,
        );
        let year_raw = r.raw("year");
        let year_text = r.text("year");
        let year = match (year_text.is_empty(), start, end) {
            (true, _, Some(e)) => Some(default_year(e)),
            (true, _, None) => None,
            (false, s, e) => match crate::domain::dates::whole_year(&year_text) {
                // An entry spanning New Year may count for either year it touches, no other.
                Some(y) if s.is_none_or(|s| y >= s.year()) && e.is_none_or(|e| y <= e.year()) => {
                    Some(y)
                }
                Some(_) => {
                    r.error("year", year_raw, Problem::YearOutsideDates);
                    None
                }
                None => {
                    r.error("year", year_raw, Problem::NotAYear);
                    None
                }
            },
        };
        let filing_no = Some(r.text("filing_no").into_owned()).filter(|s| !s.is_empty());
        let mut evidence = BTreeSet::new();
        if let Some(form) = form {
            let list = reference.checklist(form);
            let ev_text = r.text("evidence");
            for item in ev_text
                .split(EVIDENCE_SEPARATORS)
                .map(str::trim)
                .filter(|s| !s.is_empty())
            {
                match list.and_then(|l| l.option(item)) {
                    Some(o) => {
                        evidence.insert(o.code.clone());
                    }
                    None => {
                        let expected = list
                            .map(|l| {
                                l.items
                                    .iter()
                                    .flat_map(|i| &i.options)
                                    .map(|o| format!("{}/{}", o.zh, o.code))
                                    .collect::<Vec<_>>()
                                    .join("、")
                            })
                            .unwrap_or_default();
                        r.error(
                            "evidence",
                            item,
                            Problem::UnknownEvidence {
                                form: form.zh().to_string(),
                                expected,
                            },
                        );
                    }
                }
            }
        }
        match (
            id, category, form, content, provider, start, end, hours, result, year,
        ) {
            (
                Some(id_number),
                Some(category),
                Some(form),
                Some(content),
                Some(provider),
                Some(start_date),
                Some(end_date),
                Some(hours),
                Some(result),
                Some(year),
            ) if r.errors.is_empty() => Ok(Parsed {
                line: row.line,
                note: super::columns::note(cols, row),
                record: EntryRow {
                    id_number,
                    entry: Entry {
                        year,
                        category,
                        form,
                        content,
                        provider,
                        start_date,
                        end_date,
                        hours,
                        result,
                        state: EntryState::Recorded,
                        migrated: false,
                    },
                    filing_no,
                    evidence,
                },
            }),
            _ => Err(r.errors),
        }
    }
}
