//! R1.2–R1.4 People, their employers' kinds, title levels and the divisions of Hunan.

use std::fmt;

use crate::i18n::Lang;

/// Declares a closed vocabulary with a stable code (stored in the database and accepted in
/// English rosters), a Chinese name (shown to clerks and accepted in Chinese rosters) and an
/// English name for the English interface.
macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $code:literal, $zh:literal, $en:literal $(| $alias:literal)*;)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The code stored in the database.
            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            pub fn zh(self) -> &'static str {
                match self { $($name::$variant => $zh),+ }
            }

            pub fn label(self, lang: crate::i18n::Lang) -> &'static str {
                match self { $($name::$variant => lang.pick($zh, $en)),+ }
            }

            /// Accepts the code, the Chinese name or an alias, as rosters write them.
            pub fn parse(s: &str) -> Option<$name> {
                let s = s.trim();
                $(
                    if s.eq_ignore_ascii_case($code) || s == $zh $(|| s == $alias)* {
                        return Some($name::$variant);
                    }
                )+
                None
            }

            /// The accepted values, for "expected …" in error messages.
            pub fn expected() -> String {
                let zh: Vec<&str> = Self::ALL.iter().map(|v| v.zh()).collect();
                let codes: Vec<&str> = Self::ALL.iter().map(|v| v.code()).collect();
                format!("{} / {}", zh.join("、"), codes.join(", "))
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.zh())
            }
        }
    };
}
pub(crate) use vocabulary;

vocabulary! {
    /// R1.3 The kind of employer decides who verifies (R6.2).
    UnitKind {
        Provincial => "provincial", "省直单位", "provincial unit" | "省直";
        City => "city", "市州所属单位", "city/prefecture unit" | "市州单位" | "市直单位";
        NonPublic => "non_public", "非公企业和其他组织", "non-public organisation" | "非公企业" | "非公有制企业";
        Central => "central", "中央在湘单位", "central unit in Hunan" | "中央在湘";
    }
}

vocabulary! {
    /// R1.2 The level of a person's current title.
    TitleLevel {
        Junior => "junior", "初级", "junior";
        Intermediate => "intermediate", "中级", "intermediate";
        DeputySenior => "deputy_senior", "副高", "deputy senior" | "副高级";
        Senior => "senior", "正高", "senior" | "正高级";
    }
}

/// R1.4 An issuing office: one of the 14 divisions, or the provincial office (省直).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Office {
    /// GB/T 2260 code; 430000 for the province.
    pub code: String,
    /// Full name, e.g. 长沙市.
    pub name: String,
    /// Short name used in certificate numbers, e.g. 长沙 (R7.2).
    pub short: String,
    pub is_province: bool,
}

impl Office {
    /// R1.4 A roster may write 长沙, 长沙市 or 430100.
    pub fn matches(&self, input: &str) -> bool {
        let s = input.trim();
        !s.is_empty()
            && (s == self.code
                || s == self.name
                || s == self.short
                || s.strip_suffix('市') == Some(self.short.as_str())
                || s.strip_suffix('州') == Some(self.short.as_str())
                || s.strip_suffix("自治州") == Some(self.short.as_str()))
    }

    pub fn label(&self, lang: Lang) -> &str {
        match lang {
            Lang::Zh => &self.name,
            Lang::En => &self.code,
        }
    }
}

impl fmt::Display for Office {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

/// R1.3, R1.4 A unit kind and a city that contradict each other. A provincial unit (省直单位)
/// is filed under the provincial office (省直), and only a provincial unit is: a city unit, a
/// non-public employer or a central unit in Hunan is filed under the city it is in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KindCityConflict {
    /// A provincial unit given a city (`city` is its short name).
    ProvincialInCity { city: String },
    /// Another kind of unit given 省直.
    OtherUnderProvince { kind: UnitKind },
}

/// R1.3, R1.4 Whether a person of unit kind `kind` may be filed under `office`: the one check
/// the person form, the register service and the people roster import all make.
pub fn kind_fits_office(kind: UnitKind, office: &Office) -> Result<(), KindCityConflict> {
    match (kind, office.is_province) {
        (UnitKind::Provincial, false) => Err(KindCityConflict::ProvincialInCity {
            city: office.short.clone(),
        }),
        (UnitKind::Provincial, true) => Ok(()),
        (kind, true) => Err(KindCityConflict::OtherUnderProvince { kind }),
        (_, false) => Ok(()),
    }
}

impl crate::i18n::Describe for KindCityConflict {
    fn describe(&self, lang: Lang) -> String {
        match (self, lang) {
            (KindCityConflict::ProvincialInCity { city }, Lang::Zh) => {
                format!("省直单位的市州应为省直，不是{city}")
            }
            (KindCityConflict::ProvincialInCity { city }, Lang::En) => {
                format!("a provincial unit belongs under 省直, not {city}")
            }
            (KindCityConflict::OtherUnderProvince { kind }, Lang::Zh) => {
                format!("只有省直单位属省直，{}应选所在市州", kind.zh())
            }
            (KindCityConflict::OtherUnderProvince { kind }, Lang::En) => format!(
                "only a provincial unit belongs under 省直, a {} under its city",
                kind.label(Lang::En)
            ),
        }
    }
}

/// R1.2 A person as the bureaus record them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    pub id_number: super::IdNumber,
    pub name: String,
    pub unit: String,
    pub unit_kind: UnitKind,
    /// GB/T 2260 code of the city/prefecture (R1.4); 430000 for provincial units.
    pub city_code: String,
    pub title: String,
    pub title_level: Option<TitleLevel>,
    pub series: String,
    pub phone: String,
    /// Where a non-public employee's personnel file is kept (R1.2, R6.2).
    pub file_location: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn changsha() -> Office {
        Office {
            code: "430100".into(),
            name: "长沙市".into(),
            short: "长沙".into(),
            is_province: false,
        }
    }

    #[test]
    fn r1_3_unit_kinds_parse_in_both_languages() {
        assert_eq!(UnitKind::parse("省直单位"), Some(UnitKind::Provincial));
        assert_eq!(UnitKind::parse("non_public"), Some(UnitKind::NonPublic));
        assert_eq!(UnitKind::parse("Central"), Some(UnitKind::Central));
        assert_eq!(UnitKind::parse("乡镇单位"), None);
        assert!(UnitKind::expected().contains("中央在湘单位"));
    }

    #[test]
    fn r1_4_city_by_name_short_name_or_code() {
        let c = changsha();
        assert!(c.matches("长沙"));
        assert!(c.matches("长沙市"));
        assert!(c.matches("430100"));
        assert!(!c.matches("株洲"));
        assert!(!c.matches(""));
        let xiangxi = Office {
            code: "433100".into(),
            name: "湘西土家族苗族自治州".into(),
            short: "湘西".into(),
            is_province: false,
        };
        assert!(xiangxi.matches("湘西州"));
        assert!(xiangxi.matches("湘西自治州"));
    }

    #[test]
    fn r1_2_title_levels() {
        assert_eq!(TitleLevel::parse("副高"), Some(TitleLevel::DeputySenior));
        assert_eq!(
            TitleLevel::parse("deputy_senior"),
            Some(TitleLevel::DeputySenior)
        );
        assert!(TitleLevel::DeputySenior < TitleLevel::Senior);
    }

    fn province() -> Office {
        Office {
            code: "430000".into(),
            name: "湖南省".into(),
            short: "省直".into(),
            is_province: true,
        }
    }

    #[test]
    fn r1_3_r1_4_a_provincial_unit_is_under_sheng_zhi_and_only_it_is() {
        use crate::i18n::Describe;
        assert_eq!(kind_fits_office(UnitKind::Provincial, &province()), Ok(()));
        for kind in [UnitKind::City, UnitKind::NonPublic, UnitKind::Central] {
            assert_eq!(kind_fits_office(kind, &changsha()), Ok(()), "{kind:?}");
            assert_eq!(
                kind_fits_office(kind, &province()),
                Err(KindCityConflict::OtherUnderProvince { kind })
            );
        }
        let e = kind_fits_office(UnitKind::Provincial, &changsha()).unwrap_err();
        assert_eq!(e.describe(Lang::Zh), "省直单位的市州应为省直，不是长沙");
        assert_eq!(
            e.describe(Lang::En),
            "a provincial unit belongs under 省直, not 长沙"
        );
        let e = kind_fits_office(UnitKind::City, &province()).unwrap_err();
        assert_eq!(
            e.describe(Lang::Zh),
            "只有省直单位属省直，市州所属单位应选所在市州"
        );
    }
}
