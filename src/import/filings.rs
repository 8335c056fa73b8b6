//! The filings roster (docs/INTERFACES.md, R4.2 attachment 3).

use std::collections::HashMap;

use super::columns::RowReader;
use super::{Columns, Kind, ParseResult, Parsed, Problem, RowError, Table};
use crate::domain::text::clean_multiline;
use crate::domain::{Category, Filing, FilingStatus};

pub fn parse(table: &Table) -> ParseResult<Filing> {
    let cols = Columns::match_headers(Kind::Filings, table)?;
    let mut errors = Vec::new();
    let mut out: Vec<Parsed<Filing>> = Vec::new();
    // Filing number → index in `out` of its first row (linear work for a roster of repeats).
    let mut seen: HashMap<String, usize> = HashMap::new();
    for row in &table.rows {
        let mut r = RowReader::new(&cols, row);
        let filing_no = r.required("filing_no");
        let name = r.required("name");
        let category = r.vocab_required("category", Category::parse, Category::expected);
        let applicant_unit = r.required("applicant_unit");
        let institution = r.required("institution");
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
        let status = r.vocab_required("status", FilingStatus::parse, FilingStatus::expected);
        let approved_on = r.date("approved_on", false);
        if status == Some(FilingStatus::Approved) && approved_on == Some(None) {
            r.error("approved_on", "", Problem::ApprovedWithoutDate);
        }
        let record = match (
            filing_no,
            name,
            category,
            applicant_unit,
            institution,
            start,
            end,
            status,
            approved_on,
        ) {
            (
                Some(filing_no),
                Some(name),
                Some(category),
                Some(applicant_unit),
                Some(institution),
                Some(start_date),
                Some(end_date),
                Some(status),
                Some(approved_on),
            ) if r.errors.is_empty() => Filing {
                filing_no,
                name,
                category,
                applicant_unit,
                institution,
                address: r.text("address"),
                post_code: r.text("post_code"),
                email: r.text("email"),
                head: r.text("head"),
                head_post: r.text("head_post"),
                head_phone: r.text("head_phone"),
                contact: r.text("contact"),
                contact_post: r.text("contact_post"),
                contact_phone: r.text("contact_phone"),
                place: r.text("place"),
                trainees: r.text("trainees"),
                programme: clean_multiline(r.raw("programme")),
                schedule: clean_multiline(r.raw("schedule")),
                start_date,
                end_date,
                status,
                // Only an approval has a date that matters (R4.3).
                approved_on: approved_on.filter(|_| status == FilingStatus::Approved),
            },
            _ => {
                errors.append(&mut r.errors);
                continue;
            }
        };
        if let Some(&at) = seen.get(&record.filing_no) {
            let first = out[at].line;
            if out[at].record != record {
                errors.push(RowError::new(
                    row.line,
                    &cols.header("filing_no"),
                    &record.filing_no,
                    Problem::Duplicate { first_line: first },
                ));
            }
            continue;
        }
        seen.insert(record.filing_no.clone(), out.len());
        out.push(Parsed {
            line: row.line,
            note: super::columns::note(&cols, row),
            record,
        });
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}
