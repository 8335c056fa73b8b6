//! R1.4 The 14 divisions of Hunan as the demo draws them (`data/demo/cities.csv`): weight among
//! the people, telephone area code, and the districts that issue ID numbers; and the telephone
//! numbers of people and organisations.

use super::rng::Rng;
use super::table::{DataError, records};

const CITIES_CSV: &str = include_str!("../../data/demo/cities.csv");
const HEADER: &str = "code,name,short,weight,area,districts";

/// Mobile number prefixes (three digits, eight more follow).
const MOBILE_PREFIXES: &[&str] = &[
    "130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "153",
    "155", "156", "158", "159", "173", "177", "180", "182", "186", "187", "188", "189", "199",
];

/// A division with its weight among the demo people, its telephone area code and the GB/T 2260
/// codes of its districts and counties (where ID numbers are issued).
#[derive(Debug, Clone)]
pub(crate) struct CityInfo {
    pub code: &'static str,
    pub name: &'static str,
    pub short: &'static str,
    pub weight: u32,
    pub area: &'static str,
    pub districts: Vec<&'static str>,
}

/// The built-in divisions in the file's order; at least one, each with a district.
pub(crate) fn builtin() -> Result<Vec<CityInfo>, DataError> {
    parse(CITIES_CSV)
}

fn parse(text: &'static str) -> Result<Vec<CityInfo>, DataError> {
    let mut out = Vec::new();
    for (n, f) in records("cities.csv", text, HEADER)? {
        let [code, name, short, weight, area, districts] = f.as_slice() else {
            return Err(DataError::new("cities.csv", n, "six fields expected"));
        };
        let weight = weight
            .parse()
            .map_err(|_| DataError::new("cities.csv", n, "the weight is not a whole number"))?;
        let districts: Vec<&str> = districts.split_whitespace().collect();
        let six_digits = |s: &str| s.len() == 6 && s.bytes().all(|b| b.is_ascii_digit());
        if !six_digits(code) || districts.is_empty() || !districts.iter().all(|d| six_digits(d)) {
            return Err(DataError::new(
                "cities.csv",
                n,
                "the code and every district must be six digits, and a district is needed",
            ));
        }
        out.push(CityInfo {
            code,
            name,
            short,
            weight,
            area,
            districts,
        });
    }
    if out.is_empty() {
        return Err(DataError::new("cities.csv", 0, "no division"));
    }
    Ok(out)
}

/// An office line in `area`: eight digits in 长沙's 0731 network, seven elsewhere.
pub(crate) fn landline(area: &str, rng: &mut Rng) -> String {
    if area == "0731" {
        format!("{area}-8{:07}", rng.below(10_000_000))
    } else {
        format!("{area}-{}{:06}", rng.pick(&[2, 8]), rng.below(1_000_000))
    }
}

/// A person's phone: a mobile number, now and then an office line.
pub(crate) fn phone(area: &str, rng: &mut Rng) -> String {
    if rng.chance(150) {
        landline(area, rng)
    } else {
        format!("{}{:08}", rng.pick(MOBILE_PREFIXES), rng.below(100_000_000))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fourteen_divisions_parse_with_their_districts() {
        let cities = builtin().unwrap();
        assert_eq!(cities.len(), 14);
        assert!(
            cities
                .iter()
                .all(|c| c.districts.iter().all(|d| d[..4] == c.code[..4]))
        );
        assert_eq!(cities[0].name, "长沙市");
    }

    #[test]
    fn a_district_that_is_not_six_digits_is_refused_with_its_line() {
        let text = "code,name,short,weight,area,districts\n430100,长沙市,长沙,20,0731,4301\n";
        let err = parse(text).unwrap_err();
        assert_eq!((err.file, err.line), ("cities.csv", 2));
    }
}
