//! The filings roster (docs/INTERFACES.md, R4.2 attachment 3).

use super::columns::RowReader;
use super::{Columns, Parsed, Problem, Row, RowError};
use crate::domain::text::clean_multiline;
use crate::domain::{Category, Filing, FilingStatus};

/// One row of a filings roster, or every problem of it: R4.2 the number, name, category,
/// applicant unit, institution and dates present, the end not before the start, the status
/// known; R4.3 an approved filing has its approval date (kept only for an approval). Whether
/// the filing is listed twice is for the caller, who sees every row
/// (`service::import::filings_from`).
pub fn parse_row(cols: &Columns, row: &Row) -> Result<Parsed<Filing>, Vec<RowError>> {
    let mut r = RowReader::new(cols, row);
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
    match (
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
        ) if r.errors.is_empty() => Ok(Parsed {
            line: row.line,
            note: super::columns::note(cols, row),
            record: Filing {
                filing_no,
                name,
                category,
                applicant_unit,
                institution,
                address: r.text("address").into_owned(),
                post_code: r.text("post_code").into_owned(),
                email: r.text("email").into_owned(),
                head: r.text("head").into_owned(),
                head_post: r.text("head_post").into_owned(),
                head_phone: r.text("head_phone").into_owned(),
                contact: r.text("contact").into_owned(),
                contact_post: r.text("contact_post").into_owned(),
                contact_phone: r.text("contact_phone").into_owned(),
                place: r.text("place").into_owned(),
                trainees: r.text("trainees").into_owned(),
                programme: clean_multiline(r.raw("programme")),
                schedule: clean_multiline(r.raw("schedule")),
                start_date,
                end_date,
                status,
                // Only an approval has a date that matters (R4.3).
                approved_on: approved_on.filter(|_| status == FilingStatus::Approved),
            },
        }),
        _ => Err(r.errors),
    }
}
