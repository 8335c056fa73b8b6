//! The employers of the demo's people (`data/demo/units.csv`): city units, provincial units,
//! central units in Hunan, and the kinds and brands of non-public employers. A unit's sector
//! decides its people's title series (`careers`).

use super::table::{DataError, records};

const UNITS_CSV: &str = include_str!("../../data/demo/units.csv");
const HEADER: &str = "kind,name,sector,city";

/// What a unit does, which decides the title series of its people.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Sector {
    Hospital,
    MiddleSchool,
    PrimarySchool,
    College,
    Design,
    Agri,
    Research,
    Finance,
    Media,
}

impl Sector {
    fn parse(s: &str) -> Option<Sector> {
        Some(match s {
            "hospital" => Sector::Hospital,
            "middle_school" => Sector::MiddleSchool,
            "primary_school" => Sector::PrimarySchool,
            "college" => Sector::College,
            "design" => Sector::Design,
            "agri" => Sector::Agri,
            "research" => Sector::Research,
            "finance" => Sector::Finance,
            "media" => Sector::Media,
            _ => return None,
        })
    }
}

/// The unit tables in the file's order (the order is part of what a seed gives).
#[derive(Debug)]
pub(crate) struct Units {
    /// City units: `{c}` is the division's name (株洲市), `{s}` its short name (株洲).
    pub city: Vec<(&'static str, Sector)>,
    /// Provincial units (省直单位) with the division they sit in (for telephone numbers).
    pub provincial: Vec<(&'static str, Sector, &'static str)>,
    /// Central units in Hunan (中央在湘单位) and their division.
    pub central: Vec<(&'static str, Sector, &'static str)>,
    /// Non-public employers: place + brand + this.
    pub private: Vec<(&'static str, Sector)>,
    pub brands: Vec<&'static str>,
}

impl Units {
    /// The built-in tables; each kind has at least one row.
    pub(crate) fn builtin() -> Result<Units, DataError> {
        Units::parse(UNITS_CSV)
    }

    fn parse(text: &'static str) -> Result<Units, DataError> {
        let mut u = Units {
            city: Vec::new(),
            provincial: Vec::new(),
            central: Vec::new(),
            private: Vec::new(),
            brands: Vec::new(),
        };
        for (n, f) in records("units.csv", text, HEADER)? {
            let [kind, name, sector, city] = f.as_slice() else {
                return Err(DataError::new("units.csv", n, "four fields expected"));
            };
            if name.is_empty() {
                return Err(DataError::new("units.csv", n, "the name is empty"));
            }
            let sector = || {
                Sector::parse(sector).ok_or_else(|| {
                    DataError::new(
                        "units.csv",
                        n,
                        &format!("unknown sector {sector}: expected hospital, middle_school, primary_school, college, design, agri, research, finance or media"),
                    )
                })
            };
            match *kind {
                "city" => u.city.push((name, sector()?)),
                "provincial" => u.provincial.push((name, sector()?, city)),
                "central" => u.central.push((name, sector()?, city)),
                "non_public" => u.private.push((name, sector()?)),
                "brand" => u.brands.push(name),
                other => {
                    return Err(DataError::new(
                        "units.csv",
                        n,
                        &format!(
                            "unknown kind {other}: expected city, provincial, central, non_public or brand"
                        ),
                    ));
                }
            }
        }
        if u.city.is_empty()
            || u.provincial.is_empty()
            || u.central.is_empty()
            || u.private.is_empty()
            || u.brands.is_empty()
        {
            return Err(DataError::new(
                "units.csv",
                0,
                "every kind (city, provincial, central, non_public, brand) needs a row",
            ));
        }
        Ok(u)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_units_parse_in_every_kind() {
        let u = Units::builtin().unwrap();
        assert_eq!(
            (u.city.len(), u.provincial.len(), u.central.len()),
            (17, 20, 13)
        );
        assert_eq!((u.private.len(), u.brands.len()), (11, 20));
        assert_eq!(u.city[0], ("{c}中心医院", Sector::Hospital));
        assert_eq!(u.central[0], ("中南大学", Sector::College, "430100"));
    }

    #[test]
    fn an_unknown_sector_is_refused_naming_the_expected_ones() {
        let err = Units::parse("kind,name,sector,city\ncity,{c}医院,hospitals,\n").unwrap_err();
        assert_eq!(err.line, 2);
        assert!(err.message.contains("expected hospital"), "{err}");
    }
}
