//! The bureau's configuration file (`--config`, `JIJIAO_CONFIG`; default `config.toml` in the
//! platform config directory). A missing default file means "no configuration"; a named file
//! that is missing or malformed is an error, so an administrator's typo never passes silently.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::i18n::{Describe, Lang};
use crate::print::encode::PrintEncoding;
use crate::print::width::{AmbiguousWidth, PrintWidth};

#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub office: OfficeConfig,
    /// Clerks allowed to act. When set, the acting clerk is the operating-system login and
    /// `--user` is refused: a clerk must not act under another's name (docs/INTERFACES.md).
    #[serde(default)]
    pub roles: Option<Roles>,
    #[serde(default)]
    pub printer: PrinterConfig,
    /// R7.5 Where each variable field goes on the pre-printed forms.
    #[serde(default)]
    pub preprinted: crate::print::preprinted::Positions,
    /// `[import] max_rows` and the bounds that follow from it (issue 9).
    #[serde(default)]
    pub import: crate::import::ImportConfig,
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

#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Roles {
    /// Logins that may record and review.
    #[serde(default)]
    pub clerks: Vec<String>,
    /// Logins that may also approve filings and issue certificates.
    #[serde(default)]
    pub supervisors: Vec<String>,
}

impl Roles {
    pub fn knows(&self, login: &str) -> bool {
        self.clerks
            .iter()
            .chain(&self.supervisors)
            .any(|u| u == login)
    }
}

#[derive(Debug)]
pub enum ConfigError {
    Read { path: PathBuf, message: String },
    Parse { path: PathBuf, message: String },
    Invalid { path: PathBuf, value: InvalidValue },
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
        }
    }
}

impl Config {
    /// Load `path`; when `explicit` is false a missing file is an empty configuration.
    pub fn load(path: &Path, explicit: bool) -> Result<Config, ConfigError> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !explicit => {
                return Ok(Config::default());
            }
            Err(e) => {
                return Err(ConfigError::Read {
                    path: path.to_path_buf(),
                    message: e.to_string(),
                });
            }
        };
        let config: Config = toml::from_str(&text).map_err(|e| ConfigError::Parse {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
        config
            .printer
            .ambiguous()
            .map_err(|value| ConfigError::Invalid {
                path: path.to_path_buf(),
                value,
            })?;
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_office_and_roles_and_refuses_typos() {
        let c: Config = toml::from_str(
            "[office]\nname = \"长沙\"\nphone = \"0731-1\"\n[roles]\nclerks = [\"wf\"]\n",
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
}
