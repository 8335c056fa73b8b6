//! R6.2 Who verifies whom: the office that may handle a person's verification and certificate.

use super::{Person, UnitKind};

/// The provincial office's code (GB/T 2260 of Hunan).
pub const PROVINCE: &str = "430000";

/// R6.2 The offices (by GB/T 2260 code) that may verify `person`:
/// - a city unit's people: that city's HRSS bureau;
/// - provincial units' people (副高 and above) and central units in Hunan: the provincial office;
/// - non-public employers' people: the HR service agency holding the personnel file, at the
///   province or the city — the city recorded for the person, or the province.
pub fn offices_for(person: &Person) -> Vec<String> {
    match person.unit_kind {
        UnitKind::City => vec![person.city_code.clone()],
        UnitKind::Provincial | UnitKind::Central => vec![PROVINCE.to_string()],
        UnitKind::NonPublic if person.city_code == PROVINCE => vec![PROVINCE.to_string()],
        UnitKind::NonPublic => vec![person.city_code.clone(), PROVINCE.to_string()],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::IdNumber;

    fn person(kind: UnitKind, city: &str) -> Person {
        Person {
            id_number: IdNumber::parse("11010519491231002X").unwrap(),
            name: "张伟".into(),
            unit: "某单位".into(),
            unit_kind: kind,
            city_code: city.into(),
            title: String::new(),
            title_level: None,
            series: String::new(),
            phone: String::new(),
            file_location: String::new(),
        }
    }

    #[test]
    fn r6_2_routing_by_unit_kind() {
        assert_eq!(
            offices_for(&person(UnitKind::City, "430100")),
            vec!["430100"]
        );
        assert_eq!(
            offices_for(&person(UnitKind::Provincial, "430100")),
            vec![PROVINCE]
        );
        assert_eq!(
            offices_for(&person(UnitKind::Central, "430600")),
            vec![PROVINCE]
        );
        assert_eq!(
            offices_for(&person(UnitKind::NonPublic, "430200")),
            vec!["430200", PROVINCE]
        );
    }
}
