//! Register or edit a person (R1.1–R1.4). The ID number is checked as it is typed, and the
//! message names the expected check character; an ID number that is registered already offers
//! the existing person (Enter opens it) instead of a second record.

use super::form::{self, Editor, Field, Fields, FormScreen, Saved};
use super::person::PersonScreen;
use super::screen::Ctx;
use crate::domain::id_number::IdError;
use crate::domain::person::kind_fits_office;
use crate::domain::text::{clean_line, reveal_invisible};
use crate::domain::{IdNumber, Person, TitleLevel, UnitKind};
use crate::i18n::{Describe, Lang};
use crate::service::records::{self, Refusal};
use crate::service::{ServiceError, records::create_person};
use crate::store::{lookup, people};

const ID: usize = 0;
const NAME: usize = 1;
const UNIT: usize = 2;
const KIND: usize = 3;
const CITY: usize = 4;
const TITLE: usize = 5;
const LEVEL: usize = 6;
const SERIES: usize = 7;
const PHONE: usize = 8;
const FILE: usize = 9;

/// The person form: `PersonForm::new(None)` registers, `PersonForm::new(Some(id))` edits.
pub type PersonForm = FormScreen<PersonEditor>;

impl FormScreen<PersonEditor> {
    pub fn new(person_id: Option<i64>) -> PersonForm {
        let mut id = Field::new("身份证号", "ID number").required();
        id.locked = person_id.is_some();
        FormScreen::with(
            PersonEditor {
                person_id,
                name: String::new(),
                existing: None,
                opened: None,
            },
            vec![
                id,
                Field::new("姓名", "Name").required(),
                Field::new("单位", "Unit").required().wide(),
                Field::new("单位类型", "Unit kind").required(),
                Field::new("市州", "City").required(),
                Field::new("现有职称", "Title"),
                Field::new("职称级别", "Title level"),
                Field::new("职称系列", "Series"),
                Field::new("联系电话", "Phone"),
                Field::new("档案所在地", "File held at").wide(),
            ],
        )
    }
}

pub struct PersonEditor {
    person_id: Option<i64>,
    /// The name of the person being edited.
    name: String,
    /// The person whose ID number was typed, when registered already: (id, name).
    existing: Option<(i64, String)>,
    /// The person as the form opened it, so a save can tell whether another clerk changed it.
    opened: Option<crate::domain::Person>,
}

fn unit_kind(text: &str) -> Option<UnitKind> {
    form::choose(text, UnitKind::ALL, UnitKind::parse, UnitKind::label)
}

fn title_level(text: &str) -> Option<TitleLevel> {
    form::choose(text, TitleLevel::ALL, TitleLevel::parse, TitleLevel::label)
}

/// Digits, spaces and the separators of Chinese phone numbers; at least seven digits.
fn phone_ok(s: &str) -> bool {
    let digits = s.chars().filter(char::is_ascii_digit).count();
    (7..=20).contains(&digits)
        && s.chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '-' | '+' | ' ' | '(' | ')' | '转'))
}

/// R1.1 What is wrong with the ID number typed so far. When it holds something the clerk cannot
/// tell apart on screen — a space, or an invisible character that reached the field some other
/// way — the message quotes it with those shown (`<U+00A0>`), so that "19 characters" is
/// explained.
fn id_problem(text: &str, e: &IdError, lang: Lang) -> String {
    let shown = reveal_invisible(text);
    if shown == text && !text.contains(' ') {
        return e.describe(lang);
    }
    match lang {
        Lang::Zh => format!("“{shown}”：{}", e.describe(lang)),
        Lang::En => format!("\"{shown}\": {}", e.describe(lang)),
    }
}

impl PersonEditor {
    fn duplicate_message(&self, lang: Lang) -> Option<String> {
        let (_, name) = self.existing.as_ref()?;
        let name = clean_line(name);
        Some(match lang {
            Lang::Zh => format!("已登记为{name}，按 Enter 打开"),
            Lang::En => format!("registered already ({name}): Enter opens"),
        })
    }

    /// R1.1 The ID number as typed so far: how many characters, a wrong one, the check
    /// character; a registered one names its person. Otherwise, when registering, the number must
    /// also be plausible on the clerk's today (province code, born 1900 or later and not after
    /// today); a registered number is still offered, and an edited person's number is locked and
    /// not judged again, so old records stay reachable.
    fn check_id(
        &mut self,
        fields: &mut Fields,
        ctx: &mut Ctx<'_>,
        complete: bool,
    ) -> Result<(), String> {
        self.existing = None;
        let text = fields.value(ID).to_string();
        let n = text.chars().count();
        if n < 18 && !complete {
            let wide = |c: char| ('０'..='９').contains(&c);
            if let Some(p) = text
                .chars()
                .take(17)
                .position(|c| !c.is_ascii_digit() && !wide(c))
            {
                return Err(id_problem(&text, &IdError::NotDigit(p + 1), ctx.lang));
            }
            if n > 0 {
                fields.list[ID].note = Some(match ctx.lang {
                    Lang::Zh => format!("已输入{n}/18位"),
                    Lang::En => format!("{n} of 18"),
                });
            }
            return Ok(());
        }
        let id = IdNumber::parse(&text).map_err(|e| id_problem(&text, &e, ctx.lang))?;
        if complete {
            fields.set(ID, id.as_str());
        }
        match people::find_by_id_number(ctx.store.conn(), id.as_str()) {
            Ok(Some((pid, p))) if Some(pid) != self.person_id => {
                self.existing = Some((pid, p.name));
                Err(self.duplicate_message(ctx.lang).unwrap_or_default())
            }
            Ok(_) => {
                if self.person_id.is_none() {
                    id.plausible(ctx.actor.today())
                        .map_err(|e| e.describe(ctx.lang))?;
                }
                fields.list[ID].note = Some(format!(
                    "{}{}",
                    ctx.lang.pick("出生 ", "born "),
                    id.birth_date()
                ));
                Ok(())
            }
            Err(e) => Err(e.describe(ctx.lang)),
        }
    }

    fn person(&self, fields: &Fields, ctx: &Ctx<'_>) -> Result<Person, String> {
        let lang = ctx.lang;
        let id_number = IdNumber::parse(fields.value(ID)).map_err(|e| e.describe(lang))?;
        let kind = unit_kind(fields.value(KIND))
            .ok_or_else(|| form::not_one_of(&fields.list[KIND].choices, lang))?;
        let city = ctx
            .reference
            .office(fields.value(CITY))
            .ok_or_else(|| form::not_one_of(&fields.list[CITY].choices, lang))?;
        Ok(Person {
            id_number,
            name: fields.value(NAME).to_string(),
            unit: fields.value(UNIT).to_string(),
            unit_kind: kind,
            city_code: city.code.clone(),
            title: fields.value(TITLE).to_string(),
            title_level: title_level(fields.value(LEVEL)),
            series: fields.value(SERIES).to_string(),
            phone: fields.value(PHONE).to_string(),
            file_location: fields.value(FILE).to_string(),
        })
    }

    /// Put a stored person into the fields, in the clerk's language.
    fn show(&self, fields: &mut Fields, p: &Person, ctx: &Ctx<'_>, only_repeating: bool) {
        let lang = ctx.lang;
        let city = ctx
            .reference
            .office_by_code(&p.city_code)
            .map_or(p.city_code.clone(), |o| o.short.clone());
        let mut put = |i: usize, text: &str| {
            if only_repeating {
                fields.fill(i, &clean_line(text));
            } else {
                fields.set(i, &clean_line(text));
            }
        };
        if !only_repeating {
            put(ID, p.id_number.as_str());
            put(NAME, &p.name);
            put(TITLE, &p.title);
            put(LEVEL, p.title_level.map_or("", |l| l.label(lang)));
            put(PHONE, &p.phone);
            put(SERIES, &p.series);
        }
        put(UNIT, &p.unit);
        put(KIND, p.unit_kind.label(lang));
        put(CITY, &city);
        put(FILE, &p.file_location);
    }
}

impl Editor for PersonEditor {
    fn title(&self, lang: Lang) -> String {
        match self.person_id {
            None => lang.pick("登记人员", "Register a person").into(),
            Some(_) => lang.pick("编辑人员信息", "Edit person").into(),
        }
    }

    fn header(&self, lang: Lang) -> Vec<String> {
        vec![match (self.person_id, lang) {
            (None, Lang::Zh) => "带*的为必填项；身份证号边输入边校验。".into(),
            (None, Lang::En) => {
                "* marks a required field; the ID number is checked as typed.".into()
            }
            (Some(_), Lang::Zh) => {
                format!("修改{}的信息（身份证号不可更改）", clean_line(&self.name))
            }
            (Some(_), Lang::En) => format!(
                "changing {} (the ID number does not change)",
                clean_line(&self.name)
            ),
        }]
    }

    fn info(&self, fields: &Fields, lang: Lang) -> Vec<(String, bool)> {
        // R1.2, R6.2: a non-public employee is verified where the personnel file is kept.
        if unit_kind(fields.value(KIND)) == Some(UnitKind::NonPublic)
            && fields.value(FILE).is_empty()
        {
            return vec![(
                lang.pick(
                    "非公企业和其他组织的人员：请填写人事档案所在地（由档案所在地验证）",
                    "non-public employer: fill in where the personnel file is kept (it verifies)",
                )
                .into(),
                true,
            )];
        }
        Vec::new()
    }

    fn hint(&self, i: usize, lang: Lang) -> Option<String> {
        let h = match i {
            ID => lang.pick(
                "18位，末位校验码可为X；已登记的身份证号按 Enter 打开该人员",
                "18 characters, the last may be X; Enter opens a registered one",
            ),
            KIND => lang.pick(
                "←→ 选择，或输入：省直单位、市州所属单位、非公企业和其他组织、中央在湘单位",
                "←/→ to choose, or type: provincial, city, non_public, central",
            ),
            CITY => lang.pick(
                "←→ 选择，或输入市州名称或代码，如 长沙、430100；省直单位选省直",
                "←/→, or a name or code (长沙, 430100); a provincial unit: 省直",
            ),
            LEVEL => lang.pick(
                "←→ 选择：初级、中级、副高、正高（可空）",
                "←/→: junior, intermediate, deputy senior, senior (optional)",
            ),
            PHONE => lang.pick(
                "如 0731-88872346 或 13875855918",
                "e.g. 0731-88872346 or 13875855918",
            ),
            FILE => lang.pick(
                "非公企业和其他组织的人员须填写",
                "needed for non-public employers",
            ),
            _ => return None,
        };
        Some(h.into())
    }

    fn load(&mut self, fields: &mut Fields, ctx: &mut Ctx<'_>) -> Result<(), String> {
        let lang = ctx.lang;
        fields.list[KIND].choices = form::labels(UnitKind::ALL, UnitKind::label, lang);
        fields.list[LEVEL].choices = form::labels(TitleLevel::ALL, TitleLevel::label, lang);
        fields.list[CITY].choices = ctx
            .reference
            .offices
            .iter()
            .map(|o| o.short.clone())
            .collect();
        if let Some(id) = self.person_id {
            let p = people::get(ctx.store.conn(), id)
                .map_err(|e| e.describe(lang))?
                .ok_or_else(|| records::Refusal::NoSuchPerson(id).describe(lang))?;
            self.name = p.name.clone();
            self.show(fields, &p, ctx, false);
            self.opened = Some(p);
        }
        Ok(())
    }

    fn edited(&mut self, fields: &mut Fields, ctx: &mut Ctx<'_>) {
        if fields.focus == ID {
            let r = self.check_id(fields, ctx, false);
            fields.list[ID].error = r.err();
        }
    }

    fn check(&mut self, i: usize, fields: &mut Fields, ctx: &mut Ctx<'_>) -> Result<(), String> {
        let lang = ctx.lang;
        match i {
            ID => self.check_id(fields, ctx, true),
            NAME | UNIT => fields.require(i, lang).map(|_| ()),
            KIND => {
                let text = fields.require(i, lang)?;
                let k = unit_kind(text)
                    .ok_or_else(|| form::not_one_of(&fields.list[i].choices, lang))?;
                fields.set(i, k.label(lang));
                // R1.3, R1.4 Against a city already there (an edit, or a kind changed later):
                // the complaint sits on the city, so the pair is one thing to correct.
                if let Some(o) = ctx.reference.office(fields.value(CITY)) {
                    fields.list[CITY].error =
                        kind_fits_office(k, o).err().map(|c| c.describe(lang));
                }
                Ok(())
            }
            CITY => {
                let text = fields.require(i, lang)?;
                let o = ctx
                    .reference
                    .office(text)
                    .ok_or_else(|| form::not_one_of(&fields.list[i].choices, lang))?;
                let (short, note) = (o.short.clone(), format!("{} {}", o.name, o.code));
                // R1.3, R1.4 The unit kind decides whether 省直 is the right place.
                let fits = match unit_kind(fields.value(KIND)) {
                    Some(k) => kind_fits_office(k, o).map_err(|c| c.describe(lang)),
                    None => Ok(()),
                };
                fields.set(i, &short);
                fields.list[i].note = Some(note);
                fits
            }
            LEVEL => match fields.value(i) {
                "" => Ok(()),
                text => {
                    let l = title_level(text)
                        .ok_or_else(|| form::not_one_of(&fields.list[i].choices, lang))?;
                    fields.set(i, l.label(lang));
                    Ok(())
                }
            },
            PHONE => match fields.value(i) {
                "" => Ok(()),
                text if phone_ok(text) => Ok(()),
                _ => Err(lang
                    .pick(
                        "联系电话只能含数字和“-”，如 0731-88872346 或 13875855918",
                        "a phone number has digits and '-', e.g. 0731-88872346",
                    )
                    .into()),
            },
            _ => Ok(()),
        }
    }

    fn enter(&mut self, fields: &mut Fields, ctx: &mut Ctx<'_>) -> Option<Saved> {
        if fields.focus != ID {
            return None;
        }
        let (pid, name) = self.existing.clone()?;
        let message = match ctx.lang {
            Lang::Zh => format!("{}已登记，已打开其信息", clean_line(&name)),
            Lang::En => format!("{} is registered: opened", clean_line(&name)),
        };
        Some(Saved::Open(Box::new(PersonScreen::new(pid)), message))
    }

    /// A unit's staff come in together: the unit, its kind, the city and the file location of
    /// the person saved before.
    fn same_as_previous(&mut self, fields: &mut Fields, ctx: &mut Ctx<'_>) -> String {
        let lang = ctx.lang;
        let last = lookup::last_subject(
            ctx.store.conn(),
            &ctx.actor.user,
            &["person.create", "person.update"],
            ctx.session_started,
        );
        let previous = match last {
            Ok(Some(subject)) => subject.strip_prefix("person:").and_then(|id| {
                people::find_by_id_number(ctx.store.conn(), id)
                    .ok()
                    .flatten()
            }),
            Ok(None) => None,
            Err(e) => return e.describe(lang),
        };
        let Some((_, p)) = previous else {
            return lang
                .pick(
                    "本次还没有保存过人员，没有可沿用的内容",
                    "nobody saved in this session yet: nothing to copy",
                )
                .into();
        };
        self.show(fields, &p, ctx, true);
        fields.focus = if fields.value(ID).is_empty() && !fields.list[ID].locked {
            ID
        } else {
            NAME
        };
        match lang {
            Lang::Zh => format!(
                "已按上一位（{}）填写单位、单位类型、市州、档案所在地",
                clean_line(&p.name)
            ),
            Lang::En => format!(
                "unit, unit kind, city and file location copied from {}",
                clean_line(&p.name)
            ),
        }
    }

    fn save(&mut self, fields: &mut Fields, ctx: &mut Ctx<'_>) -> Result<Saved, String> {
        let lang = ctx.lang;
        let p = self.person(fields, ctx)?;
        match self.person_id {
            None => match create_person(ctx.store, ctx.actor, &p) {
                Ok(id) => {
                    let message = match lang {
                        Lang::Zh => {
                            format!("已登记{}。按 a 添加第一条培训记录", clean_line(&p.name))
                        }
                        Lang::En => format!(
                            "{} registered. Press a to add the first training entry",
                            clean_line(&p.name)
                        ),
                    };
                    Ok(Saved::Open(Box::new(PersonScreen::new(id)), message))
                }
                Err(ServiceError::Refused(r @ Refusal::PersonExists { person_id, .. })) => {
                    // Registered by another clerk meanwhile: offer it as typing would have.
                    if let Refusal::PersonExists { name, .. } = &r {
                        self.existing = Some((person_id, name.clone()));
                    }
                    fields.focus = ID;
                    fields.list[ID].error = self.duplicate_message(lang);
                    Err(r.describe(lang))
                }
                Err(e) => Err(e.describe(lang)),
            },
            Some(id) => match records::update_person(
                ctx.store,
                ctx.actor,
                id,
                self.opened.as_ref().unwrap_or(&p),
                &p,
            ) {
                Ok(_) => Ok(Saved::Close),
                Err(e) => Err(e.describe(lang)),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;
    use ratatui::crossterm::event::KeyCode;

    use crate::domain::{IdNumber, TitleLevel, UnitKind};
    use crate::i18n::Lang;
    use crate::service::fixtures::{ZHANG, actor, store_with};
    use crate::service::records;
    use crate::store::{Store, people};
    use crate::tui::form::screen;
    use crate::tui::testing::Driver;

    fn shows(d: &mut Driver, text: &str) -> bool {
        screen(d).contains(text)
    }

    /// A valid ID number nobody has, and the same with a wrong check character.
    fn li_na_id() -> (String, String, char) {
        let id = IdNumber::compose("430102", NaiveDate::from_ymd_opt(1985, 6, 15).unwrap(), 123)
            .unwrap();
        let good = id.as_str().to_string();
        let check = good.chars().last().unwrap();
        let wrong = if check == '1' { '2' } else { '1' };
        let bad = format!("{}{wrong}", &good[..17]);
        (good, bad, check)
    }

    fn audit_users(store: &Store, action: &str, subject: &str) -> Vec<String> {
        let mut stmt = store
            .conn()
            .prepare("SELECT user FROM audit WHERE action = ?1 AND subject = ?2")
            .unwrap();
        stmt.query_map([action, subject], |r| r.get(0))
            .unwrap()
            .map(|r| r.unwrap())
            .collect()
    }

    #[test]
    fn r1_1_register_a_person_key_by_key_with_the_check_character_named() {
        let (good, bad, check) = li_na_id();
        let mut d = Driver::new(store_with(&[]), Lang::Zh);
        d.key(KeyCode::Char('n'));
        assert!(shows(&mut d, "登记人员"), "{}", d.screen());
        d.keys(&bad[..10]);
        assert!(shows(&mut d, "已输入10/18位"), "{}", d.screen());
        d.keys(&bad[10..]);
        // Checked as typed: the message names the expected check character (R1.1).
        assert!(shows(&mut d, &format!("应为{check}")), "{}", d.screen());
        d.key(KeyCode::Backspace).keys(&check.to_string());
        assert!(shows(&mut d, "出生 1985-06-15"), "{}", d.screen());
        assert!(!shows(&mut d, "应为"), "{}", d.screen());
        d.key(KeyCode::Tab).keys("李娜");
        d.key(KeyCode::Tab).keys("长沙市中心医院");
        // Closed vocabularies: ← → cycle, or typed text checked on leaving.
        d.key(KeyCode::Tab).key(KeyCode::Right).key(KeyCode::Right);
        assert!(shows(&mut d, "市州所属单位"), "{}", d.screen());
        d.key(KeyCode::Tab).keys("株洲市").key(KeyCode::Tab);
        assert!(
            shows(&mut d, "株洲市 430200"),
            "the city is normalised: {}",
            d.screen()
        );
        d.keys("主治医师").key(KeyCode::Tab);
        d.key(KeyCode::Right).key(KeyCode::Right).key(KeyCode::Tab);
        d.keys("卫生").key(KeyCode::Tab).keys("0731-88");
        d.key(KeyCode::Tab);
        assert!(shows(&mut d, "联系电话只能含数字"), "{}", d.screen());
        d.key(KeyCode::BackTab).keys("872346").key(KeyCode::Tab);
        assert!(!shows(&mut d, "联系电话只能含数字"), "{}", d.screen());
        d.ctrl('s');
        // The person screen, and the next step suggested.
        assert!(
            shows(&mut d, "已登记李娜。按 a 添加第一条培训记录"),
            "{}",
            d.screen()
        );
        assert!(shows(&mut d, "a 添加培训"), "{}", d.screen());

        let store = d.app.store();
        let (_, p) = people::find_by_id_number(store.conn(), &good)
            .unwrap()
            .unwrap();
        assert_eq!(p.name, "李娜");
        assert_eq!(p.unit_kind, UnitKind::City);
        assert_eq!(p.city_code, "430200");
        assert_eq!(p.title_level, Some(TitleLevel::Intermediate));
        assert_eq!(p.phone, "0731-88872346");
        assert_eq!(
            audit_users(store, "person.create", &format!("person:{good}")),
            vec!["wangfang"]
        );
        // The form gave its place to the person: Esc goes back to the list, not to the form.
        d.key(KeyCode::Esc);
        assert!(shows(&mut d, "人员 2 人"), "{}", d.screen());
    }

    /// R1.3, R1.4 The form refuses a unit kind that contradicts the city as the city is left,
    /// names what is expected, and clears the complaint once the pair agrees.
    #[test]
    fn r1_3_the_form_refuses_a_provincial_unit_in_a_city() {
        let (good, _, _) = li_na_id();
        let mut d = Driver::new(store_with(&[]), Lang::Zh);
        d.key(KeyCode::Char('n')).keys(&good);
        d.key(KeyCode::Tab).keys("李娜");
        d.key(KeyCode::Tab).keys("湖南省人民医院");
        d.key(KeyCode::Tab).key(KeyCode::Right);
        assert!(shows(&mut d, "> 单位类型*   省直单位"), "{}", d.screen());
        d.key(KeyCode::Tab).keys("长沙").key(KeyCode::Tab);
        assert!(
            shows(&mut d, "省直单位的市州应为省直，不是长沙"),
            "{}",
            d.screen()
        );
        d.ctrl('s');
        assert!(
            shows(&mut d, "未保存，1项需要更正。市州："),
            "{}",
            d.screen()
        );
        assert_eq!(people::count(d.app.store().conn()).unwrap(), 1);
        // 省直 it is.
        d.ctrl('u').keys("省直").key(KeyCode::Tab);
        assert!(!shows(&mut d, "省直单位的市州应为省直"), "{}", d.screen());
        d.ctrl('s');
        assert!(shows(&mut d, "已登记李娜"), "{}", d.screen());
        let (_, p) = people::find_by_id_number(d.app.store().conn(), &good)
            .unwrap()
            .unwrap();
        assert_eq!(
            (p.unit_kind, p.city_code.as_str()),
            (UnitKind::Provincial, "430000")
        );
    }

    /// R1.3 Editing: a city unit moved to 省直 is refused in English too, and nothing changes.
    #[test]
    fn r1_3_an_edit_putting_a_city_unit_under_sheng_zhi_is_refused() {
        let mut d = Driver::new(store_with(&[]), Lang::En);
        d.key(KeyCode::Enter).key(KeyCode::Char('e'));
        for _ in 0..3 {
            d.key(KeyCode::Tab);
        }
        d.ctrl('u').keys("省直").key(KeyCode::Tab);
        assert!(
            shows(&mut d, "only a provincial unit belongs under 省直"),
            "{}",
            d.screen()
        );
        d.ctrl('s');
        assert!(shows(&mut d, "not saved"), "{}", d.screen());
        let (_, p) = people::find_by_id_number(d.app.store().conn(), ZHANG)
            .unwrap()
            .unwrap();
        assert_eq!(p.city_code, "430100");
        // Changing the kind to match is the other way to agree.
        assert!(
            shows(&mut d, ">!City*"),
            "save goes to the city\n{}",
            d.screen()
        );
        d.key(KeyCode::BackTab);
        assert!(shows(&mut d, "> Unit kind*"), "{}", d.screen());
        d.ctrl('u').keys("provincial").key(KeyCode::Tab);
        assert!(!shows(&mut d, "only a provincial unit"), "{}", d.screen());
        d.ctrl('s');
        let (_, p) = people::find_by_id_number(d.app.store().conn(), ZHANG)
            .unwrap()
            .unwrap();
        assert_eq!(
            (p.unit_kind, p.city_code.as_str()),
            (UnitKind::Provincial, "430000")
        );
    }

    // R1.1 The live check judges plausibility against the clock the app was given (the Driver's
    // actor is pinned at 2017-07-15): a birth after that day is refused as the number is typed,
    // and the person cannot be saved.
    #[test]
    fn r1_1_the_live_id_check_refuses_a_birth_after_the_pinned_today() {
        let unborn =
            IdNumber::compose("430102", NaiveDate::from_ymd_opt(2017, 12, 25).unwrap(), 11)
                .unwrap();
        let mut d = Driver::new(store_with(&[]), Lang::Zh);
        d.key(KeyCode::Char('n')).keys(unborn.as_str());
        assert!(
            shows(&mut d, "出生日期2017-12-25晚于今天（2017-07-15）"),
            "{}",
            d.screen()
        );
        assert!(!shows(&mut d, "出生 2017-12-25"), "{}", d.screen());
        d.key(KeyCode::Tab).keys("李娜");
        d.key(KeyCode::Tab).keys("长沙市中心医院");
        d.key(KeyCode::Tab).key(KeyCode::Right).key(KeyCode::Right);
        d.key(KeyCode::Tab).keys("长沙").key(KeyCode::Tab);
        d.ctrl('s');
        assert!(shows(&mut d, "未保存"), "{}", d.screen());
        assert_eq!(people::count(d.app.store().conn()).unwrap(), 1);

        // A number born on the pinned day itself is accepted.
        let today =
            IdNumber::compose("430102", NaiveDate::from_ymd_opt(2017, 7, 15).unwrap(), 11).unwrap();
        let mut d = Driver::new(store_with(&[]), Lang::En);
        d.key(KeyCode::Char('n')).keys(unborn.as_str());
        // The status line wraps the English message: both halves are shown.
        assert!(shows(&mut d, "is after today"), "{}", d.screen());
        assert!(shows(&mut d, "(2017-07-15)"), "{}", d.screen());
        for _ in 0..18 {
            d.key(KeyCode::Backspace);
        }
        d.keys(today.as_str());
        assert!(shows(&mut d, "born 2017-07-15"), "{}", d.screen());
    }

    // R1.1 The first two digits must be a province-level code (GB/T 2260), checked as typed.
    #[test]
    fn r1_1_the_live_id_check_refuses_an_unknown_province() {
        let nowhere =
            IdNumber::compose("990101", NaiveDate::from_ymd_opt(1980, 1, 1).unwrap(), 11).unwrap();
        let mut d = Driver::new(store_with(&[]), Lang::Zh);
        d.key(KeyCode::Char('n')).keys(nowhere.as_str());
        assert!(
            shows(&mut d, "前两位“99”不是有效的省级行政区划代码"),
            "{}",
            d.screen()
        );
    }

    #[test]
    fn r1_1_a_registered_id_number_opens_the_existing_person() {
        let mut d = Driver::new(store_with(&[]), Lang::Zh);
        d.key(KeyCode::Char('n')).keys(&ZHANG.to_lowercase());
        assert!(
            shows(&mut d, "已登记为张伟，按 Enter 打开"),
            "{}",
            d.screen()
        );
        d.key(KeyCode::Enter);
        assert!(shows(&mut d, "张伟 11010519491231002X"), "{}", d.screen());
        assert!(shows(&mut d, "a 添加培训"), "{}", d.screen());
        assert_eq!(people::count(d.app.store().conn()).unwrap(), 1);
        d.key(KeyCode::Esc);
        assert!(shows(&mut d, "人员 1 人"), "{}", d.screen());
    }

    #[test]
    fn saving_an_incomplete_form_names_what_to_correct() {
        let mut d = Driver::new(store_with(&[]), Lang::Zh);
        d.key(KeyCode::Char('n')).key(KeyCode::Tab).keys("王五");
        d.ctrl('s');
        assert!(
            shows(&mut d, "未保存，4项需要更正。身份证号：身份证号不能为空"),
            "{}",
            d.screen()
        );
        assert_eq!(people::count(d.app.store().conn()).unwrap(), 1);
    }

    #[test]
    fn esc_on_a_filled_form_asks_before_discarding() {
        let mut d = Driver::new(store_with(&[]), Lang::Zh);
        // An untouched form closes at once.
        d.key(KeyCode::Char('n')).key(KeyCode::Esc);
        assert!(shows(&mut d, "人员 1 人"), "{}", d.screen());
        d.key(KeyCode::Char('n')).keys("4301");
        d.key(KeyCode::Esc);
        assert!(shows(&mut d, "有未保存的内容"), "{}", d.screen());
        d.key(KeyCode::Char('n'));
        assert!(shows(&mut d, "已保留未保存的内容"), "{}", d.screen());
        assert!(shows(&mut d, "4301"), "{}", d.screen());
        d.key(KeyCode::Esc).key(KeyCode::Char('y'));
        assert!(shows(&mut d, "人员 1 人"), "{}", d.screen());
    }

    #[test]
    fn edit_a_person_keeps_the_id_number_and_records_the_change() {
        let mut d = Driver::new(store_with(&[]), Lang::Zh);
        d.key(KeyCode::Enter).key(KeyCode::Char('e'));
        assert!(shows(&mut d, "编辑人员信息"), "{}", d.screen());
        assert!(shows(&mut d, "修改张伟的信息"), "{}", d.screen());
        // The focus starts on the name: the ID number is locked.
        for _ in 0..4 {
            d.key(KeyCode::Tab);
        }
        d.keys("主任医师").ctrl('s');
        assert!(shows(&mut d, "职称：主任医师"), "{}", d.screen());
        let store = d.app.store();
        let (_, p) = people::find_by_id_number(store.conn(), ZHANG)
            .unwrap()
            .unwrap();
        assert_eq!(p.title, "主任医师");
        assert_eq!(
            audit_users(store, "person.update", &format!("person:{ZHANG}")),
            vec!["wangfang"]
        );
    }

    #[test]
    fn same_as_previous_copies_the_unit_of_the_person_saved_before() {
        let mut store = store_with(&[]);
        let (good, _, _) = li_na_id();
        let li = crate::domain::Person {
            id_number: IdNumber::parse(&good).unwrap(),
            name: "李娜".into(),
            unit: "株洲市中心医院".into(),
            unit_kind: UnitKind::NonPublic,
            city_code: "430200".into(),
            title: String::new(),
            title_level: None,
            series: String::new(),
            phone: String::new(),
            file_location: "株洲市人才服务中心".into(),
        };
        records::create_person(&mut store, &actor("wangfang"), &li).unwrap();
        let mut d = Driver::new(store, Lang::Zh);
        d.key(KeyCode::Char('n')).ctrl('p');
        assert!(shows(&mut d, "已按上一位（李娜）填写"), "{}", d.screen());
        assert!(shows(&mut d, "株洲市中心医院"), "{}", d.screen());
        assert!(shows(&mut d, "非公企业和其他组织"), "{}", d.screen());
        assert!(shows(&mut d, "株洲市人才服务中心"), "{}", d.screen());
        d.key(KeyCode::Esc);
        assert!(
            shows(&mut d, "有未保存的内容"),
            "a copy is unsaved work: {}",
            d.screen()
        );
    }

    /// R5.5 Minutes after the clerk saved a person (the clock moving, as in a real session), the
    /// next person of the unit is still filled from them: the trail is read from the session's
    /// start, not from the current second.
    #[test]
    fn same_as_previous_copies_a_person_saved_minutes_before_in_this_session() {
        let at = |s: &str| chrono::DateTime::parse_from_rfc3339(s).expect("a test time");
        let now = std::sync::Arc::new(std::sync::Mutex::new(at("2017-07-15T09:00:00+08:00")));
        let hand = now.clone();
        let mut d = Driver::new(store_with(&[]), Lang::Zh);
        d.app.set_clock(crate::service::Clock::from_fn(move || {
            *hand.lock().expect("clock")
        }));
        let (good, _, _) = li_na_id();
        let li = crate::domain::Person {
            id_number: IdNumber::parse(&good).unwrap(),
            name: "李娜".into(),
            unit: "株洲市中心医院".into(),
            unit_kind: UnitKind::NonPublic,
            city_code: "430200".into(),
            title: String::new(),
            title_level: None,
            series: String::new(),
            phone: String::new(),
            file_location: "株洲市人才服务中心".into(),
        };
        let mut clerk = actor("wangfang");
        clerk.now = at("2017-07-15T09:01:00+08:00");
        records::create_person(d.app.store_mut(), &clerk, &li).unwrap();
        *now.lock().expect("clock") = at("2017-07-15T09:12:00+08:00");
        d.key(KeyCode::Char('n')).ctrl('p');
        assert!(shows(&mut d, "已按上一位（李娜）填写"), "{}", d.screen());
        assert!(shows(&mut d, "株洲市人才服务中心"), "{}", d.screen());
    }

    #[test]
    fn the_real_cursor_sits_at_the_caret_after_wide_characters() {
        let mut d = Driver::new(store_with(&[]), Lang::Zh);
        d.key(KeyCode::Char('n')).key(KeyCode::Tab).keys("李娜");
        // Row: status, border, header, blank, ID, name. Column: border, mark, label (8 + 3),
        // space, then two wide characters.
        d.term
            .backend_mut()
            .assert_cursor_position(ratatui::layout::Position::new(1 + 2 + 11 + 1 + 4, 5));
    }

    #[test]
    fn a_pasted_id_number_is_cleaned_and_checked() {
        let mut d = Driver::new(store_with(&[]), Lang::Zh);
        d.key(KeyCode::Char('n'))
            .paste(&format!("\u{1b}[31m{ZHANG}\r\n"));
        assert!(shows(&mut d, "已登记为张伟"), "{}", d.screen());
    }

    #[test]
    fn r1_1_an_id_number_with_a_space_inside_is_quoted_so_the_space_is_seen() {
        let mut d = Driver::new(store_with(&[]), Lang::Zh);
        // A no-break space pasted inside the number arrives as a space: 19 characters.
        let pasted = format!("{}\u{a0}{}", &ZHANG[..6], &ZHANG[6..]);
        d.key(KeyCode::Char('n')).paste(&pasted).key(KeyCode::Tab);
        let quoted = format!("“{} {}”：", &ZHANG[..6], &ZHANG[6..]);
        assert!(shows(&mut d, &quoted), "{}", d.screen());
        // A zero-width space is removed on the way in: the number is accepted.
        let mut d = Driver::new(store_with(&[]), Lang::En);
        let pasted = format!("{}\u{200b}{}", &ZHANG[..6], &ZHANG[6..]);
        d.key(KeyCode::Char('n')).paste(&pasted);
        assert!(shows(&mut d, "registered already"), "{}", d.screen());
    }

    fn filled(lang: Lang) -> Driver {
        let (_, bad, _) = li_na_id();
        let mut d = Driver::new(store_with(&[]), lang);
        d.key(KeyCode::Char('n')).keys(&bad).key(KeyCode::Tab);
        d.keys("李娜")
            .key(KeyCode::Tab)
            .keys("长沙市中心医院")
            .key(KeyCode::Tab);
        d.key(KeyCode::Right).key(KeyCode::Right).key(KeyCode::Tab);
        d.keys("长沙").key(KeyCode::Tab).key(KeyCode::Tab);
        d
    }

    #[test]
    fn person_form_zh() {
        let mut d = filled(Lang::Zh);
        insta::assert_snapshot!("person_form_zh", screen(&mut d));
    }

    #[test]
    fn person_form_en() {
        let mut d = filled(Lang::En);
        assert!(shows(&mut d, "wrong check character"), "{}", d.screen());
        insta::assert_snapshot!("person_form_en", screen(&mut d));
    }
}
