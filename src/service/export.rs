//! Roster exports (issue 11): the people and entries of the database as the rosters the
//! importers read (docs/INTERFACES.md, "Roster files"), in exactly their columns and header
//! names, so that an exported roster imports back unchanged. In Chinese the headers and values
//! are the Chinese names (身份证号, 市州所属单位, 长沙市, 培训通知); in English the English
//! column names and the codes (`id_number`, `city`, `430100`, `notice`) — the importers accept
//! both. Written through the one writer, `crate::export`.
//!
//! Not a roster column, so not exported: an entry's state (R5.1). Importing an export adds the
//! entries as recorded, or registered with `--registered`, as for any roster.

use rusqlite::Connection;

use super::report::Result;
use crate::domain::{AssessmentResult, Category, Form, Hours, TitleLevel, UnitKind};
use crate::export::{Column, Kind, Sink, Value};
use crate::i18n::Lang;
use crate::store::reference::Reference;
use crate::store::report as reads;

/// The people roster's columns, as `import::columns` names them.
pub const PEOPLE: &[Column] = &[
    Column::new("身份证号", "id_number", Kind::Id),
    Column::new("姓名", "name", Kind::Text),
    Column::new("单位", "unit", Kind::Text),
    Column::new("单位类型", "unit_kind", Kind::Text),
    Column::new("市州", "city", Kind::Text),
    Column::new("现有职称", "title", Kind::Text),
    Column::new("职称级别", "title_level", Kind::Text),
    Column::new("职称系列", "series", Kind::Text),
    Column::new("联系电话", "phone", Kind::Text),
    Column::new("档案所在地", "file_location", Kind::Text),
    Column::new("备注", "note", Kind::Text),
];

/// The entries roster's columns, as `import::columns` names them.
pub const ENTRIES: &[Column] = &[
    Column::new("身份证号", "id_number", Kind::Id),
    Column::new("姓名", "name", Kind::Text),
    Column::new("年度", "year", Kind::Count),
    Column::new("科目类别", "category", Kind::Text),
    Column::new("学习形式", "form", Kind::Text),
    Column::new("培训内容", "content", Kind::Text),
    Column::new("施教机构", "provider", Kind::Text),
    Column::new("开始日期", "start_date", Kind::Date),
    Column::new("结束日期", "end_date", Kind::Date),
    Column::new("学时", "hours", Kind::Hours),
    Column::new("考核结果", "result", Kind::Text),
    Column::new("备案编号", "filing_no", Kind::Text),
    Column::new("已交材料", "evidence", Kind::Text),
    Column::new("备注", "note", Kind::Text),
];

/// A stored vocabulary code shown as the roster writes it: the Chinese name in Chinese, the
/// code in English; a code this version does not know as it is stored.
fn vocab<T: Copy>(
    lang: Lang,
    code: &str,
    parse: fn(&str) -> Option<T>,
    zh: fn(T) -> &'static str,
) -> Value {
    match (lang, parse(code)) {
        (Lang::Zh, Some(v)) => Value::text(zh(v)),
        _ => Value::text(code),
    }
}

fn date(s: &str) -> Value {
    match chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        Ok(d) => Value::Date(d),
        Err(_) => Value::text(s),
    }
}

/// Write the people (of `city_code`, if given) as a people roster to `sink`; `progress` hears
/// each row written. Returns how many.
pub fn people(
    conn: &Connection,
    reference: &Reference,
    city_code: Option<&str>,
    lang: Lang,
    sink: &mut dyn Sink,
    progress: &mut dyn FnMut(u64),
) -> Result<u64> {
    sink.sheet(lang.pick("人员名册", "people"), PEOPLE)?;
    let mut n = 0u64;
    reads::each_person(conn, city_code, |p| -> Result<()> {
        let city = match reference.office_by_code(&p.city_code) {
            // 省直 as rosters write it, not the provincial office's full name.
            Some(o) if o.is_province && lang == Lang::Zh => Value::text(o.short.as_str()),
            Some(o) => Value::text(o.label(lang)),
            None => Value::text(p.city_code.as_str()),
        };
        let row = [
            Value::text(p.id_number),
            Value::text(p.name),
            Value::text(p.unit),
            vocab(lang, &p.unit_kind, UnitKind::parse, UnitKind::zh),
            city,
            Value::text(p.title),
            p.title_level.as_deref().map_or(Value::Empty, |l| {
                vocab(lang, l, TitleLevel::parse, TitleLevel::zh)
            }),
            Value::text(p.series),
            Value::text(p.phone),
            Value::text(p.file_location),
            Value::text(p.note.unwrap_or_default()),
        ];
        sink.row(&row)?;
        n += 1;
        progress(n);
        Ok(())
    })?;
    Ok(n)
}

/// Write the entries (of people of `city_code`, of `year`, when given) as an entries roster
/// to `sink`; evidence received (R3) by its Chinese names (in Chinese) or codes, in the
/// checklist's order. Returns how many.
pub fn entries(
    conn: &Connection,
    reference: &Reference,
    city_code: Option<&str>,
    year: Option<i32>,
    lang: Lang,
    sink: &mut dyn Sink,
    progress: &mut dyn FnMut(u64),
) -> Result<u64> {
    sink.sheet(lang.pick("培训记录", "entries"), ENTRIES)?;
    let mut n = 0u64;
    reads::each_entry(conn, city_code, year, |e| -> Result<()> {
        let form = Form::parse(&e.form);
        let evidence = match form.and_then(|f| reference.checklist(f)) {
            Some(list) => {
                // In the checklist's order, each received option once.
                let options: Vec<_> = list
                    .items
                    .iter()
                    .flat_map(|i| &i.options)
                    .filter(|o| e.evidence.contains(&o.code))
                    .map(|o| match lang {
                        Lang::Zh => o.zh.clone(),
                        Lang::En => o.code.clone(),
                    })
                    .collect();
                options.join(lang.pick("、", ";"))
            }
            None => {
                let mut codes = e.evidence.clone();
                codes.sort();
                codes.join(";")
            }
        };
        let row = [
            Value::text(e.id_number),
            Value::text(e.name),
            Value::Count(e.year.into()),
            vocab(lang, &e.category, Category::parse, Category::zh),
            vocab(lang, &e.form, Form::parse, Form::zh),
            Value::text(e.content),
            Value::text(e.provider),
            date(&e.start_date),
            date(&e.end_date),
            Value::Hours(Hours::from_tenths(e.hours_tenths)),
            vocab(
                lang,
                &e.result,
                AssessmentResult::parse,
                AssessmentResult::zh,
            ),
            Value::text(e.filing_no.unwrap_or_default()),
            Value::text(evidence),
            Value::text(e.note.unwrap_or_default()),
        ];
        sink.row(&row)?;
        n += 1;
        progress(n);
        Ok(())
    })?;
    Ok(n)
}
