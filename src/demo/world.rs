//! The fixed parts of one run: today and the actor's clock, the reference data, the data
//! tables, the divisions the database knows and the continuing-education bases.

use chrono::{Datelike, NaiveDate, TimeDelta};

use super::Tables;
use super::careers::PUBLIC_THEMES;
use super::places::{self, CityInfo};
use super::rng::Rng;
use super::table::DataError;
use crate::service::Actor;
use crate::store::reference::{Base, Reference};

/// Used when the bases table has been emptied by hand: name, address, contact, phone.
const FALLBACK_BASE: (&str, &str, &str, &str) = (
    "湖南人才市场有限公司",
    "湖南省长沙市湘府中路168号",
    "徐卫",
    "0731-85063700",
);

pub(crate) fn add_days(d: NaiveDate, n: i64) -> NaiveDate {
    d.checked_add_signed(TimeDelta::days(n)).unwrap_or(d)
}

pub(crate) fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

pub(crate) fn days_between(a: NaiveDate, b: NaiveDate) -> i64 {
    (b - a).num_days()
}

/// `2017年7月15日`, as filings write dates.
pub(crate) fn zh_date(d: NaiveDate) -> String {
    format!("{}年{}月{}日", d.year(), d.month(), d.day())
}

/// The fixed parts of one run.
pub(crate) struct World<'r> {
    pub reference: &'r Reference,
    pub tables: &'static Tables,
    pub today: NaiveDate,
    pub year: i32,
    /// `actor.stamp()`: written for everything that happens "now".
    pub now: String,
    /// The actor's UTC offset as `actor.stamp()` writes it (`+08:00`, or `Z`).
    offset: String,
    pub user: String,
    pub province_code: String,
    /// The divisions the database's offices know (all of the table when it knows none).
    cities: Vec<&'static CityInfo>,
    city_weights: Vec<u32>,
    /// The first division of the table: where an unknown code falls back to.
    first_city: &'static CityInfo,
    pub bases: Vec<Base>,
}

impl<'r> World<'r> {
    pub(crate) fn new(
        reference: &'r Reference,
        tables: &'static Tables,
        mut bases: Vec<Base>,
        actor: &Actor,
    ) -> Result<World<'r>, DataError> {
        let first_city = tables
            .cities
            .first()
            .ok_or_else(|| DataError::new("cities.csv", 0, "no division"))?;
        let known = |code: &str| reference.offices.iter().any(|o| o.code == code);
        let mut cities: Vec<&'static CityInfo> =
            tables.cities.iter().filter(|c| known(c.code)).collect();
        if cities.is_empty() {
            cities = tables.cities.iter().collect();
        }
        let city_weights = cities.iter().map(|c| c.weight).collect();
        let province_code = reference
            .offices
            .iter()
            .find(|o| o.is_province)
            .map_or_else(|| "430000".to_string(), |o| o.code.clone());
        if bases.is_empty() {
            let (name, address, contact, phone) = FALLBACK_BASE;
            bases.push(Base {
                seq: 1,
                name: name.into(),
                address: address.into(),
                modes: "集中授课;网络培训".into(),
                contact: contact.into(),
                phone: phone.into(),
            });
        }
        let offset = if actor.now.offset().local_minus_utc() == 0 {
            "Z".to_string()
        } else {
            actor.now.format("%:z").to_string()
        };
        Ok(World {
            reference,
            tables,
            today: actor.today(),
            year: actor.today().year(),
            now: actor.stamp(),
            offset,
            user: actor.user.clone(),
            province_code,
            cities,
            city_weights,
            first_city,
            bases,
        })
    }

    /// A time during office hours of `d`; `now` for today or later, so that nothing is
    /// stamped in the future.
    pub(crate) fn stamp(&self, d: NaiveDate, rng: &mut Rng) -> String {
        if d >= self.today {
            return self.now.clone();
        }
        let minute = rng.range(8 * 60 + 30, 17 * 60 + 30);
        let second = rng.below(60);
        format!(
            "{d}T{:02}:{:02}:{second:02}{}",
            minute / 60,
            minute % 60,
            self.offset
        )
    }

    /// R2.2 The public-subject theme of `year`.
    pub(crate) fn theme(&self, year: i32) -> String {
        let p = self.reference.policy(year);
        if p.theme.trim().is_empty() {
            let i = year.rem_euclid(PUBLIC_THEMES.len() as i32) as usize;
            PUBLIC_THEMES.get(i).copied().unwrap_or("").to_string()
        } else {
            p.theme
        }
    }

    /// The bases offering `mode` (网络培训, 集中授课), or all of them when none does.
    pub(crate) fn bases_with(&self, mode: &str) -> Vec<&Base> {
        let with: Vec<&Base> = self
            .bases
            .iter()
            .filter(|b| b.modes.contains(mode))
            .collect();
        if with.is_empty() {
            self.bases.iter().collect()
        } else {
            with
        }
    }

    pub(crate) fn base(&self, name: &str) -> Option<&Base> {
        self.bases.iter().find(|b| b.name == name)
    }

    pub(crate) fn name(&self, rng: &mut Rng, male: bool) -> String {
        self.tables.names.draw(rng, male)
    }

    pub(crate) fn landline(&self, area: &str, rng: &mut Rng) -> String {
        places::landline(area, rng)
    }

    pub(crate) fn phone(&self, area: &str, rng: &mut Rng) -> String {
        places::phone(area, rng)
    }

    /// A division, each as likely as its weight.
    pub(crate) fn city(&self, rng: &mut Rng) -> &'static CityInfo {
        let i = rng.weighted(&self.city_weights);
        self.cities.get(i).copied().unwrap_or(self.first_city)
    }

    pub(crate) fn city_by_code(&self, code: &str) -> &'static CityInfo {
        self.tables
            .cities
            .iter()
            .find(|c| c.code == code)
            .unwrap_or(self.first_city)
    }
}
