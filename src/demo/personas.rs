//! R1.2 The people of a seed: person `i` depends only on the seed, `i` and the year of the run,
//! so `--people 100` is the first hundred of `--people 300`.

use chrono::NaiveDate;

use super::careers::Series;
use super::rng::Rng;
use super::world::{World, add_days, ymd};
use crate::domain::{IdNumber, Person, TitleLevel, UnitKind};

/// Logins of the clerks who seal (competent departments) and register (HR bureaus).
const SEALERS: &[&str] = &[
    "zhangli", "wangjun", "liuhong", "chenyan", "yangwei", "hetao",
];
const REGISTRARS: &[&str] = &[
    "wangfang",
    "lijing",
    "zhaomin",
    "zhouqiang",
    "huangli",
    "xuyan",
    "tanglei",
    "dengyu",
];

/// A person of the data set and what shapes their records.
pub(crate) struct Persona {
    pub person: Person,
    /// Index into `careers::FIELDS`: where they train.
    pub field: usize,
    /// Their years `year-6` and `year-5` came in as paper history.
    pub paper: bool,
    /// The year of a falsified entry (R5.3).
    pub falsified: Option<i32>,
    pub sealer: &'static str,
    pub registrar: &'static str,
    /// The seed of their years.
    pub seed: u64,
    /// ID number parts, for another sequence number if the first is taken.
    pub region: &'static str,
    pub birth: NaiveDate,
    pub sequence: u16,
}

impl Persona {
    /// The next ID number of the same region, birth date and sex, for when another person holds
    /// this one; `None` when none can be composed.
    pub(crate) fn next_id_number(&mut self) -> Option<()> {
        // Keep the sex digit; 000 is not issued.
        self.sequence = match (self.sequence + 2) % 1000 {
            0 => 2,
            n => n,
        };
        self.person.id_number = IdNumber::compose(self.region, self.birth, self.sequence)?;
        Some(())
    }
}

/// Person `i` of `seed`; `None` only if the tables give no unit or ID number for them.
pub(crate) fn persona(world: &World<'_>, seed: u64, i: u32) -> Option<Persona> {
    let units = &world.tables.units;
    let person_seed = Rng::child(seed, u64::from(i)).next();
    let mut rng = Rng::child(person_seed, 0);
    let male = rng.chance(520);
    let name = world.name(&mut rng, male);

    let kind = [
        UnitKind::Provincial,
        UnitKind::City,
        UnitKind::NonPublic,
        UnitKind::Central,
    ][rng.weighted(&[18, 52, 20, 10])];
    let (unit, sector, city, city_code) = match kind {
        UnitKind::City => {
            let city = world.city(&mut rng);
            let (pattern, sector) = rng.pick_ref(&units.city).copied()?;
            let unit = pattern.replace("{c}", city.name).replace("{s}", city.short);
            (unit, sector, city, city.code.to_string())
        }
        UnitKind::NonPublic => {
            let city = world.city(&mut rng);
            let (kind_name, sector) = rng.pick_ref(&units.private).copied()?;
            let prefix = if rng.chance(300) { "湖南" } else { city.name };
            let unit = format!("{prefix}{}{kind_name}", rng.pick(&units.brands));
            (unit, sector, city, city.code.to_string())
        }
        UnitKind::Provincial => {
            let (unit, sector, at) = rng.pick_ref(&units.provincial).copied()?;
            (
                unit.to_string(),
                sector,
                world.city_by_code(at),
                world.province_code.clone(),
            )
        }
        UnitKind::Central => {
            let (unit, sector, at) = rng.pick_ref(&units.central).copied()?;
            let city = world.city_by_code(at);
            (unit.to_string(), sector, city, city.code.to_string())
        }
    };
    let series = Series::of(sector, &mut rng);

    // Old enough to have worked every year of the demo: 28 to 58.
    let age = rng.range(28, 58) as i32;
    let level = match age {
        ..=29 => [TitleLevel::Junior, TitleLevel::Intermediate][rng.weighted(&[80, 20])],
        30..=35 => [TitleLevel::Junior, TitleLevel::Intermediate][rng.weighted(&[30, 70])],
        36..=45 => [
            TitleLevel::Intermediate,
            TitleLevel::DeputySenior,
            TitleLevel::Senior,
        ][rng.weighted(&[55, 40, 5])],
        _ => [
            TitleLevel::Intermediate,
            TitleLevel::DeputySenior,
            TitleLevel::Senior,
        ][rng.weighted(&[30, 50, 20])],
    };
    let titles = series.titles();
    let title = titles[match level {
        TitleLevel::Junior => 0,
        TitleLevel::Intermediate => 1,
        TitleLevel::DeputySenior => 2,
        TitleLevel::Senior => 3,
    }];

    // Born where they work, mostly.
    let birth_city = if rng.chance(700) {
        city
    } else {
        world.city(&mut rng)
    };
    let region = rng.pick(&birth_city.districts);
    let jan1 = ymd(world.year - age, 1, 1);
    let birth = add_days(jan1, rng.range(0, 364));
    // The 17th digit is odd for men, even for women (from 002).
    let sequence = (rng.range(i64::from(!male), 499) * 2 + i64::from(male)) as u16;
    // `compose` refuses only regions that are not digits, and ours are.
    let id_number = IdNumber::compose(region, birth, sequence)?;

    let phone = world.phone(city.area, &mut rng);
    let file_location = if kind == UnitKind::NonPublic {
        if rng.chance(720) {
            format!("{}人才服务中心", city.name)
        } else {
            "湖南省人才流动服务中心".to_string()
        }
    } else {
        String::new()
    };
    let paper = rng.chance(350);
    let falsified = (i % 250 == 7 || rng.chance(2)).then(|| world.year - rng.range(1, 4) as i32);
    let sealer = rng.pick(SEALERS);
    let registrar = rng.pick(REGISTRARS);

    Some(Persona {
        person: Person {
            id_number,
            name,
            unit,
            unit_kind: kind,
            city_code,
            title: title.to_string(),
            title_level: Some(level),
            series: series.name().to_string(),
            phone,
            file_location,
        },
        field: series.field(),
        paper,
        falsified,
        sealer,
        registrar,
        seed: person_seed,
        region,
        birth,
        sequence,
    })
}
