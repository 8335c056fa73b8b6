//! The people roster (docs/INTERFACES.md): R1.1–R1.4.

use std::collections::HashMap;

use chrono::NaiveDate;

use super::columns::RowReader;
use super::{Columns, Kind, ParseResult, Parsed, Problem, Row, RowError, Table};
use crate::domain::person::kind_fits_office;
use crate::domain::{Person, TitleLevel, UnitKind};
use crate::store::reference::Reference;

/// Every person of a people roster, or every problem. R1.1: ID numbers must be plausible on
/// `today` (the clock of the importing clerk), since a roster registers people. A person listed
/// twice with the same data is kept once; with different data, the later row is a
/// [`Problem::Duplicate`] of the first.
pub fn parse(table: &Table, reference: &Reference, today: NaiveDate) -> ParseResult<Person> {
    let cols = Columns::match_headers(Kind::People, table)?;
    let mut errors = Vec::new();
    let mut out: Vec<Parsed<Person>> = Vec::new();
    // ID number → index in `out` of its first row: a repeat is compared with that row alone, so
    // a roster of repeats costs linear work, not a scan of every row kept so far.
    let mut seen: HashMap<String, usize> = HashMap::new();
    for row in &table.rows {
        let parsed = match parse_row(&cols, row, reference, today) {
            Ok(parsed) => parsed,
            Err(mut e) => {
                errors.append(&mut e);
                continue;
            }
        };
        let key = parsed.record.id_number.as_str().to_string();
        if let Some(&at) = seen.get(&key) {
            // The same person twice is harmless when identical; otherwise which row wins would
            // be a guess, so the clerk decides.
            if out[at].record != parsed.record {
                errors.push(RowError::new(
                    row.line,
                    &cols.header("id_number"),
                    &key,
                    Problem::Duplicate {
                        first_line: out[at].line,
                    },
                ));
            }
            continue;
        }
        seen.insert(key, out.len());
        out.push(parsed);
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// One row of a people roster, or every problem of it: R1.1 the ID number well-formed and
/// plausible on `today`; R1.2 name and unit present and within their lengths; R1.3, R1.4 the
/// kind of unit known and fitting the city's office. Whether the person is listed twice is
/// for the caller, who sees every row ([`parse`], `service::import`).
pub fn parse_row(
    cols: &Columns,
    row: &Row,
    reference: &Reference,
    today: NaiveDate,
) -> Result<Parsed<Person>, Vec<RowError>> {
    let city_list = || {
        reference
            .offices
            .iter()
            .map(|o| format!("{}/{}", o.short, o.code))
            .collect::<Vec<_>>()
            .join("、")
    };
    let mut r = RowReader::new(cols, row);
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
    let city = match reference.office(&r.text("city")) {
        // R1.3, R1.4 The same check as the person form's (省直单位 ⇔ 省直).
        Some(c) => match unit_kind.map(|k| kind_fits_office(k, c)) {
            Some(Err(conflict)) => {
                r.rule_error("city", city_raw, &conflict);
                None
            }
            _ => Some(c.code.clone()),
        },
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
    match (id, name, unit, unit_kind, city, title_level) {
        (
            Some(id_number),
            Some(name),
            Some(unit),
            Some(unit_kind),
            Some(city_code),
            Some(title_level),
        ) if r.errors.is_empty() => Ok(Parsed {
            line: row.line,
            note: super::columns::note(cols, row),
            record: Person {
                id_number,
                name,
                unit,
                unit_kind,
                city_code,
                title: r.text("title").into_owned(),
                title_level,
                series: r.text("series").into_owned(),
                phone: r.text("phone").into_owned(),
                file_location: r.text("file_location").into_owned(),
            },
        }),
        _ => Err(r.errors),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::{Describe, Lang};
    use crate::import::table::read_csv_bytes;
    use crate::store::Store;

    const HEADER: &str = "身份证号,姓名,单位,单位类型,市州\n";

    fn today() -> chrono::NaiveDate {
        chrono::NaiveDate::from_ymd_opt(2017, 7, 15).unwrap()
    }

    fn parse_csv(rows: &str) -> ParseResult<Person> {
        let store = Store::open_in_memory().unwrap();
        let reference = Reference::load(&store).unwrap();
        let (table, _) =
            read_csv_bytes(format!("{HEADER}{rows}").as_bytes(), &Kind::People).unwrap();
        parse(&table, &reference, today())
    }

    /// R1.1, R1.2 Invisible characters inside cells are removed before the values are read: the
    /// ID number with a zero-width space is valid, the name is stored NFC without its joiner,
    /// the unit kind with a BOM inside is known.
    #[test]
    fn r1_2_cells_are_read_clean() {
        let people = parse_csv(
            "430102\u{200b}198001010011,张\u{200d}伟e\u{301},长沙\u{200f}市第一医院,市州\u{feff}所属单位,长\u{200b}沙\n",
        )
        .unwrap();
        let p = &people[0].record;
        assert_eq!(p.id_number.as_str(), "430102198001010011");
        assert_eq!(p.name, "张伟\u{e9}");
        assert_eq!(p.unit, "长沙市第一医院");
        assert_eq!(p.unit_kind, UnitKind::City);
        assert_eq!(p.city_code, "430100");
    }

    /// Header names are cleaned like cells: an invisible character in a header does not make
    /// a known column unknown.
    #[test]
    fn header_names_are_read_clean() {
        let store = Store::open_in_memory().unwrap();
        let reference = Reference::load(&store).unwrap();
        let text = "\u{feff}身份\u{200b}证号,\u{200f}姓名,单位\u{2060},单位类型,市州\n\
                    430102198001010011,张伟,长沙市第一医院,市州所属单位,长沙\n";
        let (table, _) = read_csv_bytes(text.as_bytes(), &Kind::People).unwrap();
        let people = parse(&table, &reference, today()).unwrap();
        assert_eq!(people[0].record.name, "张伟");
    }

    /// A value that stays wrong after cleaning is quoted as the roster has it, with the
    /// character that cannot be seen shown by its code point, in both languages.
    #[test]
    fn r1_1_a_wrong_value_is_quoted_with_its_invisible_characters_shown() {
        let errors = parse_csv(
            "430102\u{a0}198001010011,张伟,长沙市第一医院,市州所属单位,长沙\n\
             430102198001010011,李娜,长沙市第一医院,市州所属\u{200b}单位x,长沙\n",
        )
        .unwrap_err();
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert_eq!(errors[0].value, "430102\u{a0}198001010011", "kept raw");
        let zh = errors[0].describe(Lang::Zh);
        assert!(zh.contains("“430102<U+00A0>198001010011”"), "{zh}");
        assert!(zh.contains("实为19位"), "{zh}");
        let en = errors[0].describe(Lang::En);
        assert!(en.contains("\"430102<U+00A0>198001010011\""), "{en}");
        let zh = errors[1].render("people.csv", Lang::Zh);
        assert!(
            zh.starts_with("people.csv:3:单位类型: ") && zh.contains("“市州所属<U+200B>单位x”"),
            "{zh}"
        );
        let en = errors[1].describe(Lang::En);
        assert!(en.contains("\"市州所属<U+200B>单位x\""), "{en}");
    }

    /// A control sequence in a quoted value reaches the terminal as text, never as a command
    /// (cleaned away, the same cell would be read; 省属 is not a unit kind either way).
    #[test]
    fn an_escape_sequence_in_a_quoted_value_is_shown_not_sent() {
        let errors =
            parse_csv("430102198001010011,张伟,长沙市第一医院,\u{1b}[2J省属,长沙\n").unwrap_err();
        let zh = errors[0].render("people.csv", Lang::Zh);
        assert!(zh.contains("“<U+001B>[2J省属”"), "{zh}");
        assert!(!zh.chars().any(char::is_control), "{zh:?}");
    }

    /// Issue 9: a name is at most 50 characters, a unit 300; the message gives the length, the
    /// bound and the start of the value, and the row is not recorded.
    #[test]
    fn cells_longer_than_their_column_allows_are_refused() {
        let name = "欧".repeat(51);
        let unit = "湖".repeat(301);
        let errors = parse_csv(&format!(
            "430102198001010011,{name},长沙市第一医院,市州所属单位,长沙\n\
             430203199007200031,李娜,{unit},市州所属单位,长沙\n\
             11010519491231002X,{},长沙市第一医院,市州所属单位,长沙\n",
            "赵".repeat(50)
        ))
        .unwrap_err();
        assert_eq!(errors.len(), 2, "50 characters are a name: {errors:?}");
        assert_eq!(
            errors[0].problem,
            Problem::TooLong {
                max: 50,
                chars: Some(51)
            }
        );
        let zh = errors[0].render("people.csv", Lang::Zh);
        assert!(
            zh.starts_with("people.csv:2:姓名: ")
                && zh.contains("有 51 个字符，此列最多 50 个字符")
                && zh.contains(&format!("“{}…”", "欧".repeat(40))),
            "{zh}"
        );
        let en = errors[1].describe(Lang::En);
        assert!(
            en.contains("301 characters, this column allows at most 300"),
            "{en}"
        );
    }

    /// A megabyte of name: refused by the length bound, quoted by its start, and the rest of
    /// the row is not read further (no pinyin, no cleaning of the megabyte).
    #[test]
    fn a_megabyte_name_is_refused_quickly_and_quoted_short() {
        let errors = parse_csv(&format!(
            "430102198001010011,{},长沙市第一医院,市州所属单位,长沙\n",
            "曾".repeat(1 << 20)
        ))
        .unwrap_err();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(
            errors[0].problem,
            Problem::TooLong {
                max: 50,
                chars: None
            }
        );
        for lang in [Lang::Zh, Lang::En] {
            let line = errors[0].render("people.csv", lang);
            assert!(line.chars().count() < 200, "{line}");
        }
    }
}
