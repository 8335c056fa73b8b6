//! The people roster (INTERFACES.md): R1.1–R1.4.

use std::collections::HashMap;

use chrono::NaiveDate;

use super::columns::RowReader;
use super::{Columns, Kind, ParseResult, Parsed, Problem, RowError, Table};
use crate::domain::{Person, TitleLevel, UnitKind};
use crate::store::reference::Reference;

/// Every person of a people roster, or every problem. R1.1: ID numbers must be plausible on
/// `today` (the clock of the importing clerk), since a roster registers people.
pub fn parse(table: &Table, reference: &Reference, today: NaiveDate) -> ParseResult<Person> {
    let cols = Columns::match_headers(Kind::People, table)?;
    let mut errors = Vec::new();
    let mut out: Vec<Parsed<Person>> = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let city_list = || {
        reference
            .offices
            .iter()
            .map(|o| format!("{}/{}", o.short, o.code))
            .collect::<Vec<_>>()
            .join("、")
    };
    for row in &table.rows {
        let mut r = RowReader::new(&cols, row);
        let id = r
            .id_number("id_number")
            .and_then(|id| match id.plausible(today) {
                Ok(()) => Some(id),
                Err(e) => {
                    r.rule_error("id_number", id.as_str(), &e);
                    None
                }
            });
        let name = r.required("name");
        let unit = r.required("unit");
        let unit_kind = r.vocab_required("unit_kind", UnitKind::parse, UnitKind::expected);
        let city_raw = r.raw("city");
        let city = match reference.office(city_raw) {
            Some(c) => Some(c.code.clone()),
            None if city_raw.is_empty() => {
                r.error("city", "", Problem::Required);
                None
            }
            None => {
                r.error(
                    "city",
                    city_raw,
                    Problem::NotOneOf {
                        expected: city_list(),
                    },
                );
                None
            }
        };
        let title_level = r.vocab(
            "title_level",
            false,
            TitleLevel::parse,
            TitleLevel::expected,
        );
        let record = match (id, name, unit, unit_kind, city, title_level) {
            (
                Some(id_number),
                Some(name),
                Some(unit),
                Some(unit_kind),
                Some(city_code),
                Some(title_level),
            ) if r.errors.is_empty() => Person {
                id_number,
                name,
                unit,
                unit_kind,
                city_code,
                title: r.text("title"),
                title_level,
                series: r.text("series"),
                phone: r.text("phone"),
                file_location: r.text("file_location"),
            },
            _ => {
                errors.append(&mut r.errors);
                continue;
            }
        };
        let key = record.id_number.as_str().to_string();
        if let Some(&first) = seen.get(&key) {
            // The same person twice is harmless when identical; otherwise which row wins would
            // be a guess, so the clerk decides.
            if !out.iter().any(|p| p.line == first && p.record == record) {
                errors.push(RowError::new(
                    row.line,
                    &cols.header("id_number"),
                    &key,
                    Problem::Duplicate { first_line: first },
                ));
            }
            continue;
        }
        seen.insert(key, row.line);
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
