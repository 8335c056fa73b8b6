//! The bureau's configuration, in two layers.
//!
//! - The **system configuration** ([`SYSTEM_CONFIG`], or the file `JIJIAO_SYSTEM_CONFIG` names
//!   when the process is not set-group-id) is the administrator's: roles, policy, the database
//!   and the audit key (R5.5), and also office, printer and pre-printed positions. It is read
//!   whenever it exists; a file the variable names must exist.
//! - The **user configuration** (`--config`, `JIJIAO_CONFIG`; default `config.toml` in the
//!   platform config directory) may add or override `[office]`, `[printer]` and `[preprinted]`,
//!   key by key. It can never add, remove or replace `[roles]`, `[policy]`, `[database]` or
//!   `[audit]`: a clerk must not be able to choose who they are allowed to be (R5.5).
//!
//! A missing default file means "no configuration"; a named file that is missing or malformed is
//! an error, so an administrator's typo never passes silently.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::i18n::{Describe, Lang};
use crate::print::encode::PrintEncoding;
use crate::print::width::{AmbiguousWidth, PrintWidth};

/// Where the system configuration lives on a system install (the package puts an example there).
pub const SYSTEM_CONFIG: &str = "/etc/jijiao/config.toml";

/// The variable that may name another system configuration, for tests; ignored (and refused) in
/// a set-group-id run, where it would let a clerk choose their own roles.
pub const SYSTEM_CONFIG_VAR: &str = "JIJIAO_SYSTEM_CONFIG";

/// The database of a system install when `[database] path` does not say otherwise.
pub const SYSTEM_DATABASE: &str = "/var/lib/jijiao/jijiao.sqlite";

/// The tables only the system configuration may hold (R5.5).
pub const SYSTEM_ONLY: [&str; 4] = ["roles", "policy", "database", "audit"];

#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub office: OfficeConfig,
    /// R5.5 Who may do what. `None` (no `[roles]` table in the system configuration): a
    /// single-clerk install, where everyone holds every role and `--user` names the clerk.
    #[serde(default)]
    pub roles: Option<Roles>,
    /// R5.5 The office's exceptions to the roles' rules.
    #[serde(default)]
    pub policy: Policy,
    /// Where the database is; the only database a set-group-id run opens.
    #[serde(default)]
    pub database: DatabaseConfig,
    #[serde(default)]
    pub printer: PrinterConfig,
    /// R7.5 Where each variable field goes on the pre-printed forms.
    #[serde(default)]
    pub preprinted: crate::print::preprinted::Positions,
    /// R5.4 Where each variable field goes on the province's pre-printed record card
    /// (`[preprinted_card]`); its `page_lines` also sets the length of the plain-paper card's
    /// pages.
    #[serde(default)]
    pub preprinted_card: crate::print::card::CardPositions,
    /// R5.5 The audit trail's key file and anchor log, outside the database
    /// (`service::audit::AuditConfig`); system configuration only.
    #[serde(default)]
    pub audit: crate::service::audit::AuditConfig,
    /// `[import] max_rows` and the bounds that follow from it (issue 9).
    #[serde(default)]
    pub import: crate::import::ImportConfig,
}

/// `[policy]` of the system configuration.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct Policy {
    /// R5.5 A small office where one person may both make and check: record or import an entry
    /// and seal or register it, accept an applicant and issue the certificate. The audit record
    /// of each such decision says that the exception applied. Default false.
    pub one_person_may_check: bool,
}

/// `[database]` of the system configuration.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct DatabaseConfig {
    /// The database file; default [`SYSTEM_DATABASE`] in a set-group-id run, else the platform
    /// data directory's `jijiao.sqlite`.
    pub path: Option<PathBuf>,
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct PrinterConfig {
    /// A CUPS queue name (printed with `lp -d QUEUE -o raw`), `socket://host:9100`, a device
    /// such as `/dev/usb/lp0`, `file:PATH`, or `-` for standard output.
    pub destination: String,
    /// `utf-8` or `gb18030`.
    pub encoding: String,
    /// Display columns per line (CJK characters take two).
    pub width: usize,
    /// `full` on plain paper, `preprinted` on the province's forms.
    pub layout: String,
    /// Columns (1 or 2) the printer gives an East Asian *ambiguous* character (`·`, `—`, `“”`,
    /// `…`) in UTF-8 output; default 2, as Chinese printers do. GB18030 output ignores it: there
    /// every character of two or more bytes takes two columns. Checked by [`Config::load`].
    pub ambiguous_width: i64,
}

impl PrinterConfig {
    /// `ambiguous_width` as the print layout takes it; an error naming the key and the value
    /// when it is neither 1 nor 2.
    pub fn ambiguous(&self) -> Result<AmbiguousWidth, InvalidValue> {
        AmbiguousWidth::from_columns(self.ambiguous_width).ok_or_else(|| InvalidValue {
            key: "[printer] ambiguous_width",
            value: self.ambiguous_width.to_string(),
            expected: "1 / 2",
        })
    }

    /// How the configured printer counts columns when it receives `encoding`.
    pub fn print_width(&self, encoding: PrintEncoding) -> Result<PrintWidth, InvalidValue> {
        Ok(PrintWidth::new(encoding, self.ambiguous()?))
    }
}

/// A configuration value outside what its key allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidValue {
    /// The key as written in the file, with its table: `[printer] ambiguous_width`.
    pub key: &'static str,
    /// The value found.
    pub value: String,
    /// The values allowed, for the message: `1 / 2`.
    pub expected: &'static str,
}

impl Describe for InvalidValue {
    fn describe(&self, lang: Lang) -> String {
        let InvalidValue {
            key,
            value,
            expected,
        } = self;
        match lang {
            Lang::Zh => format!("配置项 {key} 的值“{value}”无效，应为 {expected}"),
            Lang::En => format!("{key} = {value} is not valid, expected {expected}"),
        }
    }
}

impl Default for PrinterConfig {
    fn default() -> PrinterConfig {
        PrinterConfig {
            destination: String::new(),
            encoding: "gb18030".into(),
            width: 80,
            layout: "full".into(),
            ambiguous_width: 2,
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct OfficeConfig {
    /// The issuing office of this bureau: a short name, full name or code of R1.4.
    #[serde(default)]
    pub name: String,
    /// The office's contact phone, printed on certificate stubs (R7.1). Required to issue: while
    /// it is blank, issuing is refused before any number is taken.
    #[serde(default)]
    pub phone: String,
    /// Clerks' names as printed on stubs (经办人), by login: `wangfang = "王芳"`. Required to
    /// issue for the acting login; the login itself is never printed in its place (R7.1).
    #[serde(default)]
    pub clerk_names: std::collections::BTreeMap<String, String>,
}

impl OfficeConfig {
    /// R7.1 The handling clerk's name as printed on the stub (经办人), from
    /// `[office.clerk_names]`; `None` when `login` has no (non-blank) name there. There is no
    /// fallback to the login: a login such as `wangfang` is not a name, and a stub signed with
    /// it would be frozen so at issue (R7.4).
    pub fn clerk_name(&self, login: &str) -> Option<&str> {
        self.clerk_names
            .get(login)
            .map(|n| n.trim())
            .filter(|n| !n.is_empty())
    }

    /// R7.1 The office's contact phone for the stub; `None` when `[office] phone` is blank.
    pub fn contact_phone(&self) -> Option<&str> {
        Some(self.phone.trim()).filter(|p| !p.is_empty())
    }
}

/// `[roles]` of the system configuration (R5.5): logins, one login possibly in several roles.
/// A login in none may read (check, audit verify, the interface read-only) and nothing more.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct Roles {
    /// Register people, record entries, tick evidence, import rosters.
    pub clerk: Vec<String>,
    /// Seal (初审盖章), register (登记), refuse, falsification findings and their lifting,
    /// decisions on filings (备案).
    pub reviewer: Vec<String>,
    /// Verify batches (合格验证), issue, void, reissue and print certificates.
    pub issuer: Vec<String>,
    /// Reference data, policy, roles.
    pub admin: Vec<String>,
}

impl Roles {
    /// Whether `login` holds any role at all.
    pub fn knows(&self, login: &str) -> bool {
        [&self.clerk, &self.reviewer, &self.issuer, &self.admin]
            .iter()
            .any(|list| list.iter().any(|u| u.trim() == login))
    }
}

#[derive(Debug)]
pub enum ConfigError {
    Read {
        path: PathBuf,
        message: String,
    },
    Parse {
        path: PathBuf,
        message: String,
    },
    Invalid {
        path: PathBuf,
        value: InvalidValue,
    },
    /// R5.5 A user configuration holding a table only the system configuration may hold.
    SystemOnly {
        path: PathBuf,
        table: &'static str,
    },
}

impl Describe for ConfigError {
    fn describe(&self, lang: Lang) -> String {
        match (self, lang) {
            (ConfigError::Read { path, message }, Lang::Zh) => {
                format!("无法读取配置文件 {}：{message}", path.display())
            }
            (ConfigError::Read { path, message }, Lang::En) => {
                format!(
                    "cannot read the configuration {}: {message}",
                    path.display()
                )
            }
            (ConfigError::Parse { path, message }, Lang::Zh) => {
                format!("配置文件 {} 有误：{message}", path.display())
            }
            (ConfigError::Parse { path, message }, Lang::En) => {
                format!(
                    "the configuration {} is malformed: {message}",
                    path.display()
                )
            }
            (ConfigError::Invalid { path, value }, Lang::Zh) => {
                format!("配置文件 {} 有误：{}", path.display(), value.describe(lang))
            }
            (ConfigError::Invalid { path, value }, Lang::En) => {
                format!(
                    "the configuration {} is malformed: {}",
                    path.display(),
                    value.describe(lang)
                )
            }
            (ConfigError::SystemOnly { path, table }, Lang::Zh) => format!(
                "配置文件 {} 不能含有 [{table}]：角色、政策、数据库和审计只由系统配置 {SYSTEM_CONFIG} 规定，请删去该表",
                path.display()
            ),
            (ConfigError::SystemOnly { path, table }, Lang::En) => format!(
                "the configuration {} may not hold [{table}]: roles, policy, database and audit \
                 come from the system configuration {SYSTEM_CONFIG} only; remove the table",
                path.display()
            ),
        }
    }
}

/// One configuration file to read, and whether it must exist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    pub path: PathBuf,
    /// Named by the clerk or the environment: a missing file is an error, not "no file".
    pub explicit: bool,
}

impl Source {
    pub fn new(path: impl Into<PathBuf>, explicit: bool) -> Source {
        Source {
            path: path.into(),
            explicit,
        }
    }
}

/// How a file's text is read: `std::fs::read_to_string`, or, for a set-group-id run's user
/// file, the same with the real group id (so that a clerk's file cannot name one only the
/// program's group may read).
pub type Reader<'a> = &'a dyn Fn(&Path) -> std::io::Result<String>;

/// The text of `source` as a TOML table checked against [`Config`]; `None` when a default file
/// is missing.
fn read_table(source: &Source, read: Reader<'_>) -> Result<Option<toml::Table>, ConfigError> {
    let path = &source.path;
    let text = match read(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !source.explicit => {
            return Ok(None);
        }
        Err(e) => {
            return Err(ConfigError::Read {
                path: path.clone(),
                message: e.to_string(),
            });
        }
    };
    let parse = |message: String| ConfigError::Parse {
        path: path.clone(),
        message,
    };
    let table: toml::Table = toml::from_str(&text).map_err(|e| parse(e.to_string()))?;
    // Checked alone first, so that a typo is reported against the file that has it.
    checked(
        table.clone().try_into().map_err(|e| parse(e.to_string()))?,
        path,
    )?;
    Ok(Some(table))
}

fn checked(config: Config, path: &Path) -> Result<Config, ConfigError> {
    config
        .printer
        .ambiguous()
        .map_err(|value| ConfigError::Invalid {
            path: path.to_path_buf(),
            value,
        })?;
    Ok(config)
}

/// `over`'s keys into `base`, tables merged key by key: a user file that sets the printer's
/// destination keeps the system's encoding.
fn merge(base: &mut toml::Table, over: toml::Table) {
    for (key, value) in over {
        match (base.get_mut(&key), value) {
            (Some(toml::Value::Table(b)), toml::Value::Table(o)) => merge(b, o),
            (_, value) => {
                base.insert(key, value);
            }
        }
    }
}

impl Config {
    /// Load one file; when `explicit` is false a missing file is an empty configuration.
    pub fn load(path: &Path, explicit: bool) -> Result<Config, ConfigError> {
        Config::load_layered(None, Some(&Source::new(path, explicit)))
    }

    /// R5.5 The system configuration, then the user configuration over it. The user file may
    /// not hold any of [`SYSTEM_ONLY`] (refused, naming the file and the table, even when the
    /// system file has none: a clerk cannot add roles either).
    pub fn load_layered(
        system: Option<&Source>,
        user: Option<&Source>,
    ) -> Result<Config, ConfigError> {
        Config::load_layered_reading(system, user, &|p| std::fs::read_to_string(p))
    }

    /// As [`Config::load_layered`], the user file read by `read_user`.
    pub fn load_layered_reading(
        system: Option<&Source>,
        user: Option<&Source>,
        read_user: Reader<'_>,
    ) -> Result<Config, ConfigError> {
        let mut merged = match system {
            Some(s) => read_table(s, &|p| std::fs::read_to_string(p))?.unwrap_or_default(),
            None => toml::Table::new(),
        };
        if let Some(user) = user
            && let Some(table) = read_table(user, read_user)?
        {
            if let Some(forbidden) = SYSTEM_ONLY.iter().find(|t| table.contains_key(**t)) {
                return Err(ConfigError::SystemOnly {
                    path: user.path.clone(),
                    table: forbidden,
                });
            }
            // Where roles are kept, the office is too: its phone and the clerks' printed names
            // go on every stub (R7.1), and a clerk's own file must not sign as another.
            if merged.contains_key("roles") && table.contains_key("office") {
                return Err(ConfigError::SystemOnly {
                    path: user.path.clone(),
                    table: "office",
                });
            }
            merge(&mut merged, table);
        }
        // Each file was checked alone; what the merge can still get wrong is reported against
        // the file that came last.
        let last = user
            .or(system)
            .map_or_else(PathBuf::new, |s| s.path.clone());
        let config: Config =
            merged
                .try_into()
                .map_err(|e: toml::de::Error| ConfigError::Parse {
                    path: last.clone(),
                    message: e.to_string(),
                })?;
        checked(config, &last)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_office_and_roles_and_refuses_typos() {
        let c: Config = toml::from_str(
            "[office]\nname = \"长沙\"\nphone = \"0731-1\"\n[roles]\nclerk = [\"wf\"]\n",
        )
        .unwrap();
        assert_eq!(c.office.name, "长沙");
        assert!(c.roles.as_ref().is_some_and(|r| r.knows("wf")));
        assert!(toml::from_str::<Config>("[ofice]\nname = \"x\"\n").is_err());
        let p: Config = toml::from_str(
            "[printer]\ndestination = \"socket://10.1.1.9\"\nwidth = 136\n[preprinted]\ncol_offset = 2\nname = { line = 30, col = 18 }\n",
        )
        .unwrap();
        assert_eq!(p.printer.width, 136);
        assert_eq!(p.printer.encoding, "gb18030");
        assert_eq!(p.preprinted.col_offset, 2);
        assert_eq!(p.preprinted.name.line, 30);
        assert_eq!(
            p.preprinted.stub_name,
            crate::print::preprinted::Positions::default().stub_name
        );
    }

    /// R5.4 The card's positions are a table of their own, set key by key like the
    /// certificate's; a misspelt key is refused rather than ignored.
    #[test]
    fn r5_4_the_card_positions_are_read_key_by_key() {
        let c: Config = toml::from_str(
            "[preprinted_card]\nline_offset = -1\nrows = 8\nname = { line = 6, col = 14 }\n",
        )
        .unwrap();
        let default = crate::print::card::CardPositions::default();
        assert_eq!(c.preprinted_card.line_offset, -1);
        assert_eq!(c.preprinted_card.rows, 8);
        assert_eq!(c.preprinted_card.name.col, 14);
        assert_eq!(c.preprinted_card.unit, default.unit);
        assert_eq!(c.preprinted, crate::print::preprinted::Positions::default());
        assert!(toml::from_str::<Config>("[preprinted_card]\nrow = 8\n").is_err());
    }

    #[test]
    fn r7_1_ambiguous_width_is_1_or_2_and_defaults_to_2() {
        let dir = tempfile::tempdir().unwrap();
        let load = |text: &str| {
            let path = dir.path().join("config.toml");
            std::fs::write(&path, text).unwrap();
            Config::load(&path, true)
        };
        let default = load("[printer]\nwidth = 80\n").unwrap();
        assert_eq!(default.printer.ambiguous(), Ok(AmbiguousWidth::Wide));
        let one = load("[printer]\nambiguous_width = 1\n").unwrap();
        assert_eq!(one.printer.ambiguous(), Ok(AmbiguousWidth::Narrow));
        assert_eq!(
            one.printer.print_width(PrintEncoding::Utf8),
            Ok(PrintWidth::new(PrintEncoding::Utf8, AmbiguousWidth::Narrow))
        );
        for bad in ["3", "0", "-1"] {
            let e = load(&format!("[printer]\nambiguous_width = {bad}\n")).unwrap_err();
            let zh = e.describe(Lang::Zh);
            let en = e.describe(Lang::En);
            assert!(
                zh.contains("[printer] ambiguous_width") && zh.contains(&format!("“{bad}”")),
                "{zh}"
            );
            assert!(zh.contains("应为 1 / 2"), "{zh}");
            assert!(
                en.contains(&format!("[printer] ambiguous_width = {bad} is not valid")),
                "{en}"
            );
            assert!(en.contains("expected 1 / 2"), "{en}");
        }
    }

    #[test]
    fn r7_1_the_clerk_name_is_the_configured_one_never_the_login() {
        let c: Config = toml::from_str(
            "[office]\nphone = \" \"\n[office.clerk_names]\nwangfang = \"王芳\"\nlisi = \"  \"\n",
        )
        .unwrap();
        assert_eq!(c.office.clerk_name("wangfang"), Some("王芳"));
        assert_eq!(
            c.office.clerk_name("zhangsan"),
            None,
            "no fallback to the login"
        );
        assert_eq!(c.office.clerk_name("lisi"), None, "a blank name is no name");
        assert_eq!(c.office.contact_phone(), None, "a blank phone is no phone");
    }

    #[test]
    fn a_missing_default_file_is_no_configuration() {
        let p = Path::new("/nonexistent/jijiao/config.toml");
        assert_eq!(Config::load(p, false).unwrap(), Config::default());
        assert!(Config::load(p, true).is_err());
    }

    fn files(system: &str, user: &str) -> (tempfile::TempDir, Source, Source) {
        let dir = tempfile::tempdir().unwrap();
        let sys = dir.path().join("system.toml");
        let usr = dir.path().join("user.toml");
        std::fs::write(&sys, system).unwrap();
        std::fs::write(&usr, user).unwrap();
        (dir, Source::new(sys, true), Source::new(usr, true))
    }

    #[test]
    fn r5_5_a_user_file_can_neither_add_nor_replace_roles_policy_database_or_audit() {
        let system = "[roles]\nclerk = [\"wf\"]\n";
        for (table, text) in [
            ("roles", "[roles]\nadmin = [\"me\"]\n"),
            ("roles", "roles = {}\n"),
            ("policy", "[policy]\none_person_may_check = true\n"),
            ("database", "[database]\npath = \"/tmp/mine.sqlite\"\n"),
            ("audit", "[audit]\nkey_file = \"/tmp/key\"\n"),
        ] {
            let (_dir, sys, usr) = files(system, text);
            let e = Config::load_layered(Some(&sys), Some(&usr)).unwrap_err();
            let zh = e.describe(Lang::Zh);
            let en = e.describe(Lang::En);
            let path = usr.path.display().to_string();
            assert!(
                zh.contains(&path) && zh.contains(&format!("[{table}]")),
                "{zh}"
            );
            assert!(
                en.contains(&path) && en.contains(&format!("[{table}]")),
                "{en}"
            );
            assert!(en.contains("system configuration"), "{en}");
            // Without a system file, a user file still cannot bring roles in.
            let e = Config::load_layered(None, Some(&usr)).unwrap_err();
            assert!(matches!(e, ConfigError::SystemOnly { .. }), "{e:?}");
        }
    }

    #[test]
    fn r5_5_the_user_file_adds_printer_settings_key_by_key() {
        let (_dir, sys, usr) = files(
            "[roles]\nclerk = [\"wf\"]\nissuer = [\"lj\", \"wf\"]\n[policy]\none_person_may_check = true\n\
             [database]\npath = \"/srv/jj.sqlite\"\n[office]\nname = \"长沙\"\nphone = \"0731-1\"\n\
             [office.clerk_names]\nwf = \"王芳\"\n[printer]\nencoding = \"utf-8\"\n",
            "[printer]\ndestination = \"-\"\n",
        );
        let c = Config::load_layered(Some(&sys), Some(&usr)).unwrap();
        assert_eq!(c.office.name, "长沙");
        assert_eq!(c.office.clerk_name("wf"), Some("王芳"));
        assert_eq!(c.printer.destination, "-", "the user's value");
        assert_eq!(c.printer.encoding, "utf-8", "the system's other keys stay");
        let roles = c.roles.unwrap();
        assert_eq!(roles.issuer, ["lj", "wf"]);
        assert!(roles.knows("lj") && !roles.knows("zs"));
        assert!(c.policy.one_person_may_check);
        assert_eq!(c.database.path, Some(PathBuf::from("/srv/jj.sqlite")));
    }

    /// R7.1, R5.5 Where roles are kept, a clerk's own file cannot sign stubs as another clerk
    /// or with another phone: the office is the system's.
    #[test]
    fn r7_1_with_roles_the_user_file_cannot_change_the_office() {
        let (_dir, sys, usr) = files(
            "[roles]\nissuer = [\"wf\"]\n[office]\nname = \"长沙\"\nphone = \"0731-1\"\n",
            "[office.clerk_names]\nwf = \"王芳\"\n",
        );
        let e = Config::load_layered(Some(&sys), Some(&usr)).unwrap_err();
        assert!(
            matches!(
                e,
                ConfigError::SystemOnly {
                    table: "office",
                    ..
                }
            ),
            "{e:?}"
        );
        // Without roles (a single-clerk install) the clerk's file holds the office.
        let (_dir, sys, usr) = files("", "[office]\nname = \"株洲\"\n");
        let c = Config::load_layered(Some(&sys), Some(&usr)).unwrap();
        assert_eq!(c.office.name, "株洲");
    }

    #[test]
    fn a_named_system_file_must_exist_and_its_typos_name_it() {
        let dir = tempfile::tempdir().unwrap();
        let missing = Source::new(dir.path().join("none.toml"), true);
        assert!(matches!(
            Config::load_layered(Some(&missing), None),
            Err(ConfigError::Read { .. })
        ));
        let absent_default = Source::new(dir.path().join("none.toml"), false);
        assert_eq!(
            Config::load_layered(Some(&absent_default), None).unwrap(),
            Config::default()
        );
        // The old names of the roles are typos now, reported against the system file.
        let (_d, sys, usr) = files("[roles]\nclerks = [\"wf\"]\n", "");
        let e = Config::load_layered(Some(&sys), Some(&usr)).unwrap_err();
        let en = e.describe(Lang::En);
        assert!(en.contains("system.toml") && en.contains("clerks"), "{en}");
    }
}
