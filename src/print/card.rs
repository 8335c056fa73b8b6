//! R5.4 The yearly record card (年度备案卡) and the registration certificate page (登记证书页) as
//! plain text for a line printer, by the same machinery as the certificate
//! ([`super::layout`]): columns as the printer counts them ([`PrintWidth`]), wrapped content
//! ([`wrap`]), a form feed after every page, and on the province's pre-printed forms only the
//! variable fields at configured places ([`CardPositions`], `[preprinted_card]`).
//!
//! Both are views of the same entries (R5.4): only registered entries are on them (R5.2), and the
//! year's totals and verdict are handed in as [`YearResult`]s computed by the rule code `check`
//! uses (`domain::verification::verify` through `service::check`), never summed here again.
//!
//! A card whose entries do not fit on one page continues on the next, the header (title, year,
//! the person) repeated and the pages numbered "第 N/M 页"; an entry is never split across pages
//! unless it alone is longer than a page.

use chrono::NaiveDate;
use serde::Deserialize;

use super::layout::{FORM_FEED, MIN_WIDTH, centre, right, wrap};
use super::preprinted::{At, Canvas, at};
use super::width::PrintWidth;
use crate::domain::text::{Columns, clean_line};
use crate::domain::verification::YearResult;
use crate::domain::{AssessmentResult, Category, Form, Hours, Person};

/// The card's printed title.
pub const CARD_TITLE: &str = "湖南省专业技术人员继续教育年度备案卡";
/// The registration certificate page's printed title (五: "继续教育证书登记制").
pub const REGISTER_TITLE: &str = "湖南省专业技术人员继续教育登记证书";

/// The fewest body lines a page of the full layout keeps under its header, whatever
/// `page_lines` says: a page shorter than that is a configuration mistake, and the card is still
/// printed rather than refused (the page is then longer than configured).
const MIN_BODY: usize = 6;

/// One registered entry as a card prints it. Text is as stored; the layout cleans it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardEntry {
    pub category: Category,
    pub form: Form,
    pub content: String,
    pub provider: String,
    pub start: NaiveDate,
    pub end: NaiveDate,
    /// R2.3 Whole tenths; printed with one decimal (30.0, 0.5).
    pub hours: Hours,
    pub result: AssessmentResult,
    /// Who registered it (登记), as the card names them: the clerk's configured printed name,
    /// else the login recorded (R5.5).
    pub registered_by: String,
    /// The day it was registered; `None` when the database holds no time for it.
    pub registered_on: Option<NaiveDate>,
    /// Paper history entered as registered (`import entries --registered`).
    pub paper: bool,
    /// R4.3 Registered, but its hours do not count now (its filing's approval no longer covers
    /// it): printed, marked, and left out of the totals as `check` leaves it out.
    pub counts: bool,
}

/// One year of a card or page: the registered entries and the year's result against R2.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YearRecord {
    /// From `service::check` for this person and year: the hours that count, the year's policy
    /// and the shortfalls (R2.1).
    pub result: YearResult,
    /// Registered entries of the year, in the order of their dates.
    pub entries: Vec<CardEntry>,
}

/// Which document: a card for one year, or the register page over several.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// 年度备案卡: one person, one year.
    Card,
    /// 登记证书页: one person, every year of a period.
    Register,
}

impl Kind {
    /// The name recorded with each print and in the audit trail.
    pub fn code(self) -> &'static str {
        match self {
            Kind::Card => "card",
            Kind::Register => "register",
        }
    }
}

/// A card or a register page: the person and the years on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub kind: Kind,
    pub person: Person,
    /// A card has exactly one year; a page has one per year of its period, in order.
    pub years: Vec<YearRecord>,
    /// R5.3 An unlifted falsification finding: said on the card, since it stops verification.
    pub blocked: bool,
}

impl Record {
    /// The first year on it.
    pub fn from(&self) -> i32 {
        self.years.first().map_or(0, |y| y.result.year)
    }

    /// The last year on it.
    pub fn to(&self) -> i32 {
        self.years.last().map_or(0, |y| y.result.year)
    }

    /// "2016 年度" or "2012—2016 年度".
    fn period(&self) -> String {
        if self.from() == self.to() {
            format!("{} 年度", self.from())
        } else {
            format!("{}—{} 年度", self.from(), self.to())
        }
    }
}

/// Hours with one decimal, as the card prints them (R2.3): 30.0, 0.5, 12.5.
pub fn one_decimal(h: Hours) -> String {
    let t = h.tenths();
    let sign = if t < 0 { "-" } else { "" };
    format!("{sign}{}.{}", t.unsigned_abs() / 10, t.unsigned_abs() % 10)
}

/// `label` then `value` wrapped under itself (hanging indent), the whole `indent` columns in.
fn labelled(
    indent: usize,
    label: &str,
    value: &str,
    d: PrintWidth,
    cols: usize,
    out: &mut Vec<String>,
) {
    let hang = indent + d.width(label);
    let body = wrap(value, d, cols.saturating_sub(hang).max(2));
    if body.is_empty() {
        out.push(format!("{}{label}", " ".repeat(indent)));
    }
    for (i, part) in body.iter().enumerate() {
        if i == 0 {
            out.push(format!("{}{label}{part}", " ".repeat(indent)));
        } else {
            out.push(format!("{}{part}", " ".repeat(hang)));
        }
    }
}

fn rule(cols: usize) -> String {
    "-".repeat(cols)
}

/// The header every page starts with: title, period, page number, the person (R1.2).
fn header(r: &Record, d: PrintWidth, cols: usize, page: usize, pages: usize) -> Vec<String> {
    let p = &r.person;
    let mut out = Vec::new();
    let title = match r.kind {
        Kind::Card => CARD_TITLE,
        Kind::Register => REGISTER_TITLE,
    };
    centre(title, d, cols, &mut out);
    let sub = match r.kind {
        Kind::Card => format!("（{}）", r.period()),
        Kind::Register => format!("（登记页 {}）", r.period()),
    };
    centre(&sub, d, cols, &mut out);
    right(&format!("第 {page}/{pages} 页"), d, cols, &mut out);
    labelled(2, "姓    名：", &clean_line(&p.name), d, cols, &mut out);
    labelled(2, "身份证号：", p.id_number.as_str(), d, cols, &mut out);
    labelled(2, "单    位：", &clean_line(&p.unit), d, cols, &mut out);
    labelled(2, "单位类别：", p.unit_kind.zh(), d, cols, &mut out);
    let title = match p.title_level {
        Some(level) => format!("{}（{}）", clean_line(&p.title), level.zh()),
        None => clean_line(&p.title),
    };
    labelled(2, "现有职称：", &title, d, cols, &mut out);
    if r.blocked {
        labelled(
            2,
            "",
            "【有弄虚作假认定，暂停合格验证（R5.3）】",
            d,
            cols,
            &mut out,
        );
    }
    out.push(rule(cols));
    out
}

/// One entry: number, category and content, then form, hours and result, provider, dates, who
/// registered it and when.
fn entry_block(n: usize, e: &CardEntry, d: PrintWidth, cols: usize) -> Vec<String> {
    let mut out = Vec::new();
    let lead = format!("{n}. ");
    let first = format!(
        "{lead}【{}科目】{}",
        e.category.zh(),
        clean_line(&e.content)
    );
    // The number hangs: the content's later lines line up after it.
    let hang = 2 + lead.len();
    let body = wrap(&first, d, cols.saturating_sub(2));
    let mut rest = String::new();
    for (i, part) in body.iter().enumerate() {
        if i == 0 {
            out.push(format!("  {part}"));
        } else {
            rest.push_str(part);
        }
    }
    if !rest.is_empty() {
        for part in wrap(&rest, d, cols.saturating_sub(hang)) {
            out.push(format!("{}{part}", " ".repeat(hang)));
        }
    }
    let facts = format!(
        "{}　学时：{}　考核：{}",
        e.form.zh(),
        one_decimal(e.hours),
        e.result.zh()
    );
    labelled(hang, "形式：", &facts, d, cols, &mut out);
    labelled(
        hang,
        "施教机构：",
        &clean_line(&e.provider),
        d,
        cols,
        &mut out,
    );
    labelled(
        hang,
        "起止日期：",
        &format!("{} 至 {}", e.start, e.end),
        d,
        cols,
        &mut out,
    );
    let on = e.registered_on.map(|d| d.to_string()).unwrap_or_default();
    let by = format!(
        "{} {on}{}",
        clean_line(&e.registered_by),
        if e.paper {
            "（纸质登记转入）"
        } else {
            ""
        }
    );
    labelled(hang, "登记：", by.trim(), d, cols, &mut out);
    if !e.counts {
        labelled(
            hang,
            "",
            "（学时不计入：公需科目的备案未在培训开始前批准，R4.3）",
            d,
            cols,
            &mut out,
        );
    }
    out
}

/// The year's totals against R2.1 and the verdict, from the rule code's [`YearResult`].
fn totals_block(y: &YearResult, d: PrintWidth, cols: usize) -> Vec<String> {
    let mut out = vec![rule(cols)];
    labelled(
        2,
        "",
        &format!("{} 年度已登记学时（R2.1 年度要求）", y.year),
        d,
        cols,
        &mut out,
    );
    let lines = [
        ("公需科目：", y.public, y.policy.public_min),
        ("专业科目：", y.professional, y.policy.professional_min),
        ("合    计：", y.total, y.policy.total_min),
    ];
    for (label, have, need) in lines {
        labelled(
            4,
            label,
            &format!(
                "{} 学时（应不少于 {}）",
                one_decimal(have),
                one_decimal(need)
            ),
            d,
            cols,
            &mut out,
        );
    }
    if y.pass() {
        labelled(2, "结    论：", &verdict(y), d, cols, &mut out);
    } else {
        // Each shortfall on a line of its own, under the verdict, so none is broken apart.
        labelled(2, "结    论：", "未达年度学时要求", d, cols, &mut out);
        for s in &y.shortfalls {
            labelled(
                12,
                "",
                &s.explain(y, crate::i18n::Lang::Zh),
                d,
                cols,
                &mut out,
            );
        }
    }
    out
}

/// R2.1 in words: met, or each shortfall with its numbers.
fn verdict(y: &YearResult) -> String {
    if y.pass() {
        "符合年度学时要求".into()
    } else {
        let why: Vec<String> = y
            .shortfalls
            .iter()
            .map(|s| s.explain(y, crate::i18n::Lang::Zh))
            .collect();
        format!("未达年度学时要求：{}", why.join("；"))
    }
}

/// The register page's one line per year: the three sums and the verdict.
fn year_line(y: &YearResult, d: PrintWidth, cols: usize) -> Vec<String> {
    let mut out = Vec::new();
    labelled(
        2,
        "本年度合计：",
        &format!(
            "公需 {}　专业 {}　合计 {}　{}",
            one_decimal(y.public),
            one_decimal(y.professional),
            one_decimal(y.total),
            verdict(y)
        ),
        d,
        cols,
        &mut out,
    );
    out
}

/// The box the competent department seals after its preliminary review (初审盖章, R5.1).
fn seal_block(d: PrintWidth, cols: usize) -> Vec<String> {
    let inner = cols.saturating_sub(6).clamp(20, 40);
    let mut out = vec![
        String::new(),
        "  主管部门初审意见（初审盖章）：".to_string(),
    ];
    out.push(format!("  +{}+", "-".repeat(inner)));
    for _ in 0..3 {
        out.push(format!("  |{}|", " ".repeat(inner)));
    }
    let sign = d.pad_start("（盖章）  ", inner);
    out.push(format!("  |{sign}|"));
    let date = d.pad_start("年    月    日  ", inner);
    out.push(format!("  |{date}|"));
    out.push(format!("  +{}+", "-".repeat(inner)));
    out
}

/// The body of a record as blocks that stay together on a page where they can.
fn blocks(r: &Record, d: PrintWidth, cols: usize) -> Vec<Vec<String>> {
    let mut out: Vec<Vec<String>> = Vec::new();
    for y in &r.years {
        if r.kind == Kind::Register {
            out.push(vec![format!("  【{} 年度】", y.result.year)]);
        }
        if y.entries.is_empty() {
            let mut b = Vec::new();
            labelled(
                2,
                "",
                "本年度没有已登记的培训记录（R5.2：只有已登记的培训记入）。",
                d,
                cols,
                &mut b,
            );
            out.push(b);
        }
        for (i, e) in y.entries.iter().enumerate() {
            out.push(entry_block(i + 1, e, d, cols));
        }
        match r.kind {
            Kind::Card => out.push(totals_block(&y.result, d, cols)),
            Kind::Register => out.push(year_line(&y.result, d, cols)),
        }
    }
    out.push(seal_block(d, cols));
    out
}

/// Blocks onto pages of `room` lines each: a block that fits on a fresh page never splits.
fn paginate(blocks: Vec<Vec<String>>, room: usize) -> Vec<Vec<String>> {
    let room = room.max(1);
    let mut pages: Vec<Vec<String>> = vec![Vec::new()];
    for block in blocks {
        let used = pages.last().map_or(0, Vec::len);
        if used + block.len() > room && block.len() <= room && used > 0 {
            pages.push(Vec::new());
        }
        for line in block {
            if pages.last().map_or(0, Vec::len) >= room {
                pages.push(Vec::new());
            }
            if let Some(page) = pages.last_mut() {
                page.push(line);
            }
        }
    }
    pages
}

/// The record on plain paper for `device`: lines of at most `cols` columns (at least
/// [`MIN_WIDTH`]), pages of at most `page_lines` lines (the header and a few body lines at the
/// least), each page ended by a form feed.
pub fn full(r: &Record, device: PrintWidth, cols: usize, page_lines: usize) -> String {
    let cols = cols.max(MIN_WIDTH);
    let head = header(r, device, cols, 1, 1).len();
    let room = page_lines.saturating_sub(head).max(MIN_BODY);
    let pages = paginate(blocks(r, device, cols), room);
    let n = pages.len();
    let mut text = String::new();
    for (i, body) in pages.into_iter().enumerate() {
        let mut lines = header(r, device, cols, i + 1, n);
        lines.extend(body);
        text.push_str(&lines.join("\n"));
        text.push('\n');
        text.push(FORM_FEED);
    }
    text
}

/// Where each variable field of the province's pre-printed card goes (`[preprinted_card]`, like
/// the certificate's `[preprinted]`): the person's fields at their places, the entries one per
/// row from `first_row`, `row_lines` lines each, each field at its column with the width its
/// box has; the totals and the verdict at theirs. The defaults suit an 80-column form of 66
/// lines; every bureau's printer differs, hence the offsets and the alignment page.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CardPositions {
    /// Added to every line: positive moves the text down.
    pub line_offset: i32,
    /// Added to every column: positive moves the text right.
    pub col_offset: i32,
    /// Lines on one form (the full layout's pages too).
    pub page_lines: usize,
    pub year: At,
    /// "N/M" when a card takes more than one form.
    pub page: At,
    pub name: At,
    pub id_number: At,
    pub unit: At,
    pub unit_kind: At,
    pub title: At,
    /// The line of the first entry row.
    pub first_row: usize,
    /// Entry rows on one form; more entries continue on the next form.
    pub rows: usize,
    /// Lines per entry row: content and provider wrap within them, dates and the registrar's
    /// name and day take one line each.
    pub row_lines: usize,
    pub category_col: usize,
    pub content_col: usize,
    pub content_width: usize,
    pub provider_col: usize,
    pub provider_width: usize,
    pub dates_col: usize,
    pub hours_col: usize,
    pub result_col: usize,
    pub registered_col: usize,
    pub public: At,
    pub professional: At,
    pub total: At,
    pub verdict: At,
}

impl Default for CardPositions {
    fn default() -> CardPositions {
        CardPositions {
            line_offset: 0,
            col_offset: 0,
            page_lines: 66,
            year: at(3, 36),
            page: at(3, 70),
            name: at(5, 12),
            id_number: at(5, 46),
            unit: at(7, 12),
            unit_kind: at(7, 60),
            title: at(9, 12),
            first_row: 14,
            rows: 10,
            row_lines: 2,
            category_col: 3,
            content_col: 8,
            content_width: 22,
            provider_col: 31,
            provider_width: 16,
            dates_col: 48,
            hours_col: 60,
            result_col: 66,
            registered_col: 71,
            public: at(36, 16),
            professional: at(36, 36),
            total: at(36, 56),
            verdict: at(38, 16),
        }
    }
}

impl CardPositions {
    fn offset(&self) -> (i32, i32) {
        (self.line_offset, self.col_offset)
    }
}

/// `text` in lines of at most `cols` columns, at most `lines` of them: the last one cut with an
/// ellipsis when more would follow (a pre-printed box has no more room).
fn boxed(text: &str, d: PrintWidth, cols: usize, lines: usize) -> Vec<String> {
    let mut parts = wrap(text, d, cols.max(2));
    if parts.len() > lines {
        let rest: String = parts[lines.saturating_sub(1)..].concat();
        parts.truncate(lines.saturating_sub(1));
        parts.push(d.fit(&rest, cols.max(2)).trim_end().to_string());
    }
    parts
}

/// One form of a year: the header fields, `entries` in its rows, and the totals when `last`.
fn form_page(
    r: &Record,
    y: &YearRecord,
    entries: &[CardEntry],
    page: (usize, usize),
    p: &CardPositions,
    d: PrintWidth,
    width: usize,
) -> String {
    let mut c = Canvas::new(p.page_lines.max(1), d, width);
    let o = p.offset();
    let person = &r.person;
    c.put_shifted(o, p.year, &y.result.year.to_string());
    if page.1 > 1 {
        c.put_shifted(o, p.page, &format!("{}/{}", page.0, page.1));
    }
    c.put_shifted(o, p.name, &clean_line(&person.name));
    c.put_shifted(o, p.id_number, person.id_number.as_str());
    c.put_shifted(o, p.unit, &clean_line(&person.unit));
    c.put_shifted(o, p.unit_kind, person.unit_kind.zh());
    let title = match person.title_level {
        Some(level) => format!("{}（{}）", clean_line(&person.title), level.zh()),
        None => clean_line(&person.title),
    };
    c.put_shifted(o, p.title, &title);
    let lines = p.row_lines.max(1);
    for (i, e) in entries.iter().enumerate() {
        let line = p.first_row + i * lines;
        let put = |c: &mut Canvas, k: usize, col: usize, text: &str| {
            c.put_shifted(o, at(line + k, col), text);
        };
        put(&mut c, 0, p.category_col, e.category.zh());
        for (k, part) in boxed(&clean_line(&e.content), d, p.content_width, lines)
            .iter()
            .enumerate()
        {
            put(&mut c, k, p.content_col, part);
        }
        for (k, part) in boxed(&clean_line(&e.provider), d, p.provider_width, lines)
            .iter()
            .enumerate()
        {
            put(&mut c, k, p.provider_col, part);
        }
        if lines >= 2 {
            put(&mut c, 0, p.dates_col, &e.start.to_string());
            put(&mut c, 1, p.dates_col, &e.end.to_string());
        } else {
            put(
                &mut c,
                0,
                p.dates_col,
                &format!("{}~{}", e.start.format("%m-%d"), e.end.format("%m-%d")),
            );
        }
        // R4.3 Hours that do not count are printed in brackets: the totals leave them out.
        let hours = if e.counts {
            one_decimal(e.hours)
        } else {
            format!("({})", one_decimal(e.hours))
        };
        put(&mut c, 0, p.hours_col, &hours);
        put(&mut c, 0, p.result_col, e.result.zh());
        put(&mut c, 0, p.registered_col, &clean_line(&e.registered_by));
        if lines >= 2
            && let Some(on) = e.registered_on
        {
            put(&mut c, 1, p.registered_col, &on.to_string());
        }
    }
    if page.0 == page.1 {
        let y = &y.result;
        c.put_shifted(o, p.public, &one_decimal(y.public));
        c.put_shifted(o, p.professional, &one_decimal(y.professional));
        c.put_shifted(o, p.total, &one_decimal(y.total));
        c.put_shifted(o, p.verdict, &verdict(y));
    }
    c.render()
}

/// Only the variable fields on the province's pre-printed card, one form per year (a register
/// page prints a form for each year of its period), a year with more entries than the form has
/// rows continuing on the next form with the person's fields repeated and the totals on the
/// last. Lines of at most `width` columns as `device` counts them; each form ends with a form
/// feed.
pub fn preprinted(r: &Record, p: &CardPositions, device: PrintWidth, width: usize) -> String {
    let rows = p.rows.max(1);
    let mut text = String::new();
    for y in &r.years {
        let chunks: Vec<&[CardEntry]> = if y.entries.is_empty() {
            vec![&[]]
        } else {
            y.entries.chunks(rows).collect()
        };
        let n = chunks.len();
        for (i, chunk) in chunks.into_iter().enumerate() {
            text.push_str(&form_page(r, y, chunk, (i + 1, n), p, device, width));
        }
    }
    text
}

/// The alignment test page of the pre-printed card: a column ruler on the first line and each
/// field's name in brackets at its place (the first and last entry rows too), so the clerk sees
/// how far to move the offsets.
pub fn alignment_page(p: &CardPositions, device: PrintWidth, width: usize) -> String {
    let mut c = Canvas::new(p.page_lines.max(1), device, width);
    let ruler: String = (1..=width)
        .map(|i| {
            if i % 10 == 0 {
                char::from_digit(((i / 10) % 10) as u32, 10).unwrap_or('0')
            } else if i % 5 == 0 {
                '+'
            } else {
                '.'
            }
        })
        .collect();
    c.put_shifted((0, 0), at(1, 1), &ruler);
    let o = p.offset();
    let fields = [
        (p.year, "[年度]"),
        (p.page, "[页]"),
        (p.name, "[姓名]"),
        (p.id_number, "[身份证号]"),
        (p.unit, "[单位]"),
        (p.unit_kind, "[单位类别]"),
        (p.title, "[职称]"),
        (p.public, "[公需]"),
        (p.professional, "[专业]"),
        (p.total, "[合计]"),
        (p.verdict, "[结论]"),
    ];
    for (place, label) in fields {
        c.put_shifted(o, place, label);
    }
    let last = p.first_row + (p.rows.max(1) - 1) * p.row_lines.max(1);
    for line in [p.first_row, last] {
        for (col, label) in [
            (p.category_col, "[类别]"),
            (p.content_col, "[培训内容]"),
            (p.provider_col, "[施教机构]"),
            (p.dates_col, "[起止日期]"),
            (p.hours_col, "[学时]"),
            (p.result_col, "[考核]"),
            (p.registered_col, "[登记]"),
        ] {
            c.put_shifted(o, at(line, col), label);
        }
    }
    c.render()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::policy::YearPolicy;
    use crate::domain::verification::{CountedHours, verify};
    use crate::domain::{IdNumber, TitleLevel, UnitKind};
    use crate::print::encode::PrintEncoding;
    use crate::print::width::{AmbiguousWidth, gb_printer_widest};

    const GB: PrintWidth = PrintWidth::GB18030;
    const UTF8_WIDE: PrintWidth = PrintWidth::new(PrintEncoding::Utf8, AmbiguousWidth::Wide);
    const UTF8_NARROW: PrintWidth = PrintWidth::new(PrintEncoding::Utf8, AmbiguousWidth::Narrow);

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn person(name: &str, unit: &str) -> Person {
        Person {
            id_number: IdNumber::parse("11010519491231002X").unwrap(),
            name: name.into(),
            unit: unit.into(),
            unit_kind: UnitKind::City,
            city_code: "430100".into(),
            title: "主治医师".into(),
            title_level: Some(TitleLevel::Intermediate),
            series: "卫生".into(),
            phone: "0731-88888888".into(),
            file_location: String::new(),
        }
    }

    fn entry(category: Category, content: &str, tenths: i64) -> CardEntry {
        CardEntry {
            category,
            form: Form::TrainingClass,
            content: content.into(),
            provider: "湖南师范大学".into(),
            start: date("2016-05-10"),
            end: date("2016-05-12"),
            hours: Hours::from_tenths(tenths),
            result: AssessmentResult::Pass,
            registered_by: "王芳".into(),
            registered_on: Some(date("2017-03-01")),
            paper: false,
            counts: true,
        }
    }

    /// The year's result as the rule code computes it from the entries that count.
    fn result(year: i32, entries: &[CardEntry]) -> YearResult {
        let hours: Vec<CountedHours> = entries
            .iter()
            .filter(|e| e.counts)
            .map(|e| CountedHours {
                year,
                category: e.category,
                hours: e.hours,
            })
            .collect();
        verify(year, year, YearPolicy::default_for, &hours, false)
            .years
            .remove(0)
    }

    fn card(name: &str, unit: &str, entries: Vec<CardEntry>) -> Record {
        Record {
            kind: Kind::Card,
            person: person(name, unit),
            years: vec![YearRecord {
                result: result(2016, &entries),
                entries,
            }],
            blocked: false,
        }
    }

    fn two() -> Vec<CardEntry> {
        vec![
            entry(Category::Public, "保密意识和保密常识教育", 300),
            entry(Category::Professional, "临床新进展", 605),
        ]
    }

    /// The widest line as a GB printer counts the bytes it receives.
    fn widest_gb(text: &str) -> usize {
        gb_printer_widest(&PrintEncoding::Gb18030.encode(text))
    }

    #[test]
    fn r5_4_the_card_holds_the_person_the_entries_the_totals_and_the_seal_box() {
        let page = full(&card("张伟", "长沙市第一医院", two()), GB, 80, 66);
        for text in [
            CARD_TITLE,
            "（2016 年度）",
            "姓    名：张伟",
            "身份证号：11010519491231002X",
            "单    位：长沙市第一医院",
            "单位类别：市州所属单位",
            "现有职称：主治医师（中级）",
            "1. 【公需科目】保密意识和保密常识教育",
            "2. 【专业科目】临床新进展",
            "学时：60.5",
            "学时：30.0",
            "考核：合格",
            "施教机构：湖南师范大学",
            "起止日期：2016-05-10 至 2016-05-12",
            "登记：王芳 2017-03-01",
            "公需科目：30.0 学时（应不少于 30.0）",
            "专业科目：60.5 学时（应不少于 60.0）",
            "合    计：90.5 学时（应不少于 90.0）",
            "结    论：符合年度学时要求",
            "初审盖章",
            "年    月    日",
        ] {
            assert!(page.contains(text), "{text}: {page}");
        }
        assert!(page.ends_with("\n\u{c}"));
        assert_eq!(page.matches(FORM_FEED).count(), 1, "one page");
    }

    #[test]
    fn r2_1_a_short_year_says_which_minimum_it_misses() {
        let page = full(
            &card(
                "张伟",
                "长沙市第一医院",
                vec![entry(Category::Professional, "临床新进展", 600)],
            ),
            GB,
            80,
            66,
        );
        assert!(
            page.contains("公需科目：0.0 学时（应不少于 30.0）"),
            "{page}"
        );
        assert!(page.contains("结    论：未达年度学时要求\n"), "{page}");
        assert!(
            page.contains("\n            公需科目不足：0 < 30（R2.1）\n"),
            "{page}"
        );
        assert!(
            page.contains("\n            合计不足：60 < 90（R2.1）\n"),
            "{page}"
        );
        assert!(!page.contains("专业科目不足"), "{page}");
    }

    #[test]
    fn r5_2_a_year_with_nothing_registered_says_so() {
        let page = full(&card("张伟", "长沙市第一医院", vec![]), GB, 80, 66);
        assert!(page.contains("本年度没有已登记的培训记录"), "{page}");
        assert!(page.contains("合    计：0.0 学时"), "{page}");
    }

    /// Every line within the page on every device, for widths from the narrowest to a wide
    /// carriage, with long names, units, contents and ambiguous characters.
    #[test]
    fn r5_4_no_line_wider_than_the_printer_counts_on_any_device() {
        let unit = "长沙·中南大学湘雅二医院·湖南省代谢性疾病临床医学研究中心·检验科·临床生化室";
        let mut entries = two();
        entries.push(CardEntry {
            content: "“互联网+医疗健康”背景下的临床检验质量管理—理论与实践…第二期（2016 年）"
                .into(),
            provider: "湖南省医学会·检验医学专业委员会".into(),
            paper: true,
            counts: false,
            ..entry(Category::Public, "", 125)
        });
        let r = card("买买提·艾力", unit, entries);
        for cols in [40, 60, 80, 136] {
            let gb = full(&r, GB, cols, 66);
            assert!(widest_gb(&gb) <= cols, "{cols}: {gb}");
            let wide = full(&r, UTF8_WIDE, cols, 66);
            use unicode_width::UnicodeWidthStr;
            assert!(wide.lines().all(|l| l.width_cjk() <= cols), "{wide}");
            let narrow = full(&r, UTF8_NARROW, cols, 66);
            assert!(narrow.lines().all(|l| l.width() <= cols), "{narrow}");
            // GB18030 bytes decode back to exactly the text.
            let bytes = PrintEncoding::Gb18030.encode(&gb);
            let (back, _, bad) = encoding_rs::GB18030.decode(&bytes);
            assert!(!bad);
            assert_eq!(back, gb);
            // Nothing lost to wrapping: the content reads whole once the breaks are removed.
            let joined: String = gb.lines().map(str::trim).collect();
            assert!(joined.contains("检验医学专业委员会"), "{cols}: {gb}");
            assert!(
                joined.contains("临床检验质量管理—理论与实践…第二期"),
                "{cols}: {gb}"
            );
        }
        let page = full(&r, GB, 80, 66);
        assert!(page.contains("（纸质登记转入）"), "{page}");
        assert!(page.contains("学时不计入"), "{page}");
    }

    #[test]
    fn r5_4_control_sequences_in_stored_text_never_reach_the_printer() {
        let mut e = entry(Category::Professional, "临床\u{1b}[2J新进展\u{7}", 600);
        e.provider = "湖南\u{1b}]0;owned\u{7}人才市场\r\n有限公司".into();
        e.registered_by = "王\u{1b}[31m芳".into();
        let r = card("张\u{1b}[2J伟\u{200b}", "长沙市\u{9b}31m第一医院", vec![e]);
        for page in [
            full(&r, GB, 80, 66),
            preprinted(&r, &CardPositions::default(), GB, 80),
        ] {
            assert!(
                !page
                    .chars()
                    .any(|c| c.is_control() && c != '\n' && c != FORM_FEED),
                "{page:?}"
            );
            assert!(page.contains("张伟"), "{page}");
            assert!(page.contains("新进展"), "{page}");
        }
    }

    #[test]
    fn r5_4_a_card_that_overflows_continues_with_the_header_repeated() {
        let entries: Vec<CardEntry> = (1..=20)
            .map(|i| entry(Category::Professional, &format!("临床专题讲座第{i}讲"), 50))
            .collect();
        let r = card("张伟", "长沙市第一医院", entries);
        let text = full(&r, GB, 80, 40);
        let pages: Vec<&str> = text.split_terminator(FORM_FEED).collect();
        assert!(pages.len() >= 3, "{text}");
        for (i, page) in pages.iter().enumerate() {
            assert!(page.lines().count() <= 40, "page {i}: {page}");
            assert!(page.contains(CARD_TITLE), "page {i}");
            assert!(page.contains("身份证号：11010519491231002X"), "page {i}");
            assert!(
                page.contains(&format!("第 {}/{} 页", i + 1, pages.len())),
                "page {i}: {page}"
            );
        }
        // An entry is never split: each page holds whole entries (from number to registrar).
        for page in &pages {
            let numbered = page.matches("【专业科目】").count();
            let registered = page.matches("登记：王芳").count();
            assert_eq!(numbered, registered, "{page}");
        }
        // The totals and the seal box only once, at the end.
        assert_eq!(text.matches("结    论：").count(), 1);
        assert!(pages.last().unwrap().contains("初审盖章"));
        // Every entry is there once.
        for i in 1..=20 {
            assert_eq!(
                text.matches(&format!("临床专题讲座第{i}讲")).count(),
                1,
                "{i}"
            );
        }
    }

    #[test]
    fn r5_4_the_register_page_has_every_year_with_its_totals() {
        let years: Vec<YearRecord> = (2012..=2016)
            .map(|y| {
                let entries = if y == 2014 { vec![] } else { two() };
                let mut res = result(y, &entries);
                res.year = y;
                YearRecord {
                    result: res,
                    entries,
                }
            })
            .collect();
        let r = Record {
            kind: Kind::Register,
            person: person("张伟", "长沙市第一医院"),
            years,
            blocked: true,
        };
        let text = full(&r, GB, 80, 66);
        assert!(text.contains(REGISTER_TITLE), "{text}");
        assert!(text.contains("（登记页 2012—2016 年度）"), "{text}");
        for y in 2012..=2016 {
            assert!(text.contains(&format!("【{y} 年度】")), "{y}");
        }
        assert_eq!(text.matches("本年度合计：").count(), 5);
        assert_eq!(text.matches("符合年度学时要求").count(), 4);
        assert!(text.contains("本年度合计：公需 0.0　专业 0.0　合计 0.0　未达年度学时要求"));
        assert!(text.contains("R5.3"), "a finding is said: {text}");
        assert!(widest_gb(&text) <= 80);
        // On pre-printed forms: one form per year.
        let forms = preprinted(&r, &CardPositions::default(), GB, 80);
        assert_eq!(forms.matches(FORM_FEED).count(), 5);
    }

    /// The text that starts at (line, col) of a page as a GB printer counts columns.
    fn printed_at(page: &str, a: At) -> String {
        let line = page.lines().nth(a.line - 1).unwrap_or_default();
        let mut col = 1;
        for (i, ch) in line.char_indices() {
            if col == a.col {
                return line[i..].to_string();
            }
            if col > a.col {
                break;
            }
            col += GB.char_width(ch);
        }
        String::new()
    }

    #[test]
    fn r5_4_preprinted_fields_at_their_places_and_moved_by_the_offsets() {
        let r = card("买买提·艾力", "长沙·中南大学—湘雅“二”医院", two());
        for (dl, dc) in [(0i32, 0i32), (2, 3), (-1, -2)] {
            let p = CardPositions {
                line_offset: dl,
                col_offset: dc,
                ..CardPositions::default()
            };
            let page = preprinted(&r, &p, GB, 80);
            let m = |a: At| at((a.line as i32 + dl) as usize, (a.col as i32 + dc) as usize);
            assert!(printed_at(&page, m(p.name)).starts_with("买买提·艾力"));
            assert!(printed_at(&page, m(p.id_number)).starts_with("11010519491231002X"));
            assert!(printed_at(&page, m(p.unit)).starts_with("长沙·中南大学—湘雅"));
            assert!(printed_at(&page, m(p.unit_kind)).starts_with("市州所属单位"));
            assert!(printed_at(&page, m(p.title)).starts_with("主治医师（中级）"));
            assert!(printed_at(&page, m(p.year)).starts_with("2016"));
            let row = |k: usize, col: usize| m(at(p.first_row + k * p.row_lines, col));
            assert!(printed_at(&page, row(0, p.category_col)).starts_with("公需"));
            assert!(printed_at(&page, row(0, p.content_col)).starts_with("保密意识"));
            assert!(printed_at(&page, row(0, p.provider_col)).starts_with("湖南师范大学"));
            assert!(printed_at(&page, row(0, p.dates_col)).starts_with("2016-05-10"));
            assert!(printed_at(&page, row(0, p.hours_col)).starts_with("30.0"));
            assert!(printed_at(&page, row(0, p.result_col)).starts_with("合格"));
            assert_eq!(printed_at(&page, row(0, p.registered_col)), "王芳");
            assert!(printed_at(&page, row(1, p.category_col)).starts_with("专业"));
            assert!(printed_at(&page, row(1, p.hours_col)).starts_with("60.5"));
            assert_eq!(printed_at(&page, m(p.total)).trim(), "90.5");
            assert!(printed_at(&page, m(p.verdict)).starts_with("符合年度学时要求"));
            assert!(!page.contains(CARD_TITLE), "no pre-printed text");
            assert!(widest_gb(&page) <= 80);
            assert!(page.ends_with('\u{c}'));
        }
    }

    #[test]
    fn r5_4_preprinted_rows_overflow_onto_a_second_form_with_the_person_repeated() {
        let entries: Vec<CardEntry> = (1..=13)
            .map(|i| entry(Category::Professional, &format!("专题{i}"), 70))
            .collect();
        let r = card("张伟", "长沙市第一医院", entries);
        let p = CardPositions::default();
        let text = preprinted(&r, &p, GB, 80);
        let forms: Vec<&str> = text.split_terminator(FORM_FEED).collect();
        assert_eq!(forms.len(), 2, "10 rows, then 3: {text}");
        for (i, form) in forms.iter().enumerate() {
            assert!(printed_at(form, p.name).starts_with("张伟"), "{i}");
            assert_eq!(printed_at(form, p.page), format!("{}/2", i + 1));
            assert!(form.lines().count() <= p.page_lines);
        }
        assert!(printed_at(forms[1], at(p.first_row, p.content_col)).starts_with("专题11"));
        // The totals only on the last form.
        assert_eq!(printed_at(forms[0], p.total), "");
        assert_eq!(printed_at(forms[1], p.total), "91.0");
    }

    #[test]
    fn r5_4_a_long_content_is_cut_to_its_box_on_the_form_not_past_it() {
        let long = entry(
            Category::Professional,
            "临床检验质量管理与实验室认可理论与实践高级研修班第二期",
            600,
        );
        let r = card("张伟", "长沙市第一医院", vec![long]);
        let p = CardPositions::default();
        let page = preprinted(&r, &p, GB, 80);
        let row: Vec<&str> = page.lines().skip(p.first_row - 1).take(2).collect();
        // The content's box: from its column up to the provider's, on both lines of the row.
        let cell = |line: &str| -> String {
            let text = printed_at(line, at(1, p.content_col));
            let mut w = 0;
            text.chars()
                .take_while(|c| {
                    w += GB.char_width(*c);
                    w <= p.provider_col - p.content_col
                })
                .collect::<String>()
                .trim_end()
                .to_string()
        };
        assert_eq!(cell(row[0]), "临床检验质量管理与实验");
        assert!(cell(row[1]).ends_with('…'), "{page}");
        assert!(GB.width(&cell(row[1])) <= p.content_width);
        // The provider still starts at its own column.
        assert!(printed_at(row[0], at(1, p.provider_col)).starts_with("湖南师范大学"));
    }

    #[test]
    fn r5_4_the_card_alignment_page_has_a_ruler_and_every_field() {
        let page = alignment_page(&CardPositions::default(), GB, 80);
        assert!(page.starts_with("....+....1....+....2"));
        for label in [
            "[姓名]",
            "[身份证号]",
            "[年度]",
            "[培训内容]",
            "[施教机构]",
            "[登记]",
            "[合计]",
            "[结论]",
        ] {
            assert!(page.contains(label), "{label}: {page}");
        }
        assert_eq!(page.matches("[培训内容]").count(), 2, "first and last row");
        assert!(widest_gb(&page) <= 80);
    }

    #[test]
    fn one_decimal_always_shows_the_tenth() {
        assert_eq!(one_decimal(Hours::from_tenths(300)), "30.0");
        assert_eq!(one_decimal(Hours::from_tenths(5)), "0.5");
        assert_eq!(one_decimal(Hours::from_tenths(1255)), "125.5");
    }
}
