//! The bureau's configuration file (`--config`, `JIJIAO_CONFIG`; default `config.toml` in the
//! platform config directory). A missing default file means "no configuration"; a named file
//! that is missing or malformed is an error, so an administrator's typo never passes silently.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::i18n::{Describe, Lang};

#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub office: OfficeConfig,
    /// Clerks allowed to act. When set, the acting clerk is the operating-system login and
    /// `--user` is refused: a clerk must not act under another's name (INTERFACES.md).
    #[serde(default)]
    pub roles: Option<Roles>,
    #[serde(default)]
    pub printer: PrinterConfig,
    /// R7.5 Where each variable field goes on the pre-printed forms.
    #[serde(default)]
    pub preprinted: crate::print::preprinted::Positions,
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
}

impl Default for PrinterConfig {
    fn default() -> PrinterConfig {
        PrinterConfig {
            destination: String::new(),
            encoding: "gb18030".into(),
            width: 80,
            layout: "full".into(),
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct OfficeConfig {
    /// The issuing office of this bureau: a short name, full name or code of R1.4.
    #[serde(default)]
    pub name: String,
    /// The office's contact phone, printed on certificate stubs (R7.1).
    #[serde(default)]
    pub phone: String,
    /// Clerks' names as printed on stubs (经办人), by login: `wangfang = "王芳"`.
    #[serde(default)]
    pub clerk_names: std::collections::BTreeMap<String, String>,
}

impl OfficeConfig {
    /// The handling clerk's printed name: the configured name, else the login.
    pub fn clerk_name(&self, login: &str) -> String {
        self.clerk_names
            .get(login)
            .cloned()
            .unwrap_or_else(|| login.to_string())
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
        toml::from_str(&text).map_err(|e| ConfigError::Parse {
            path: path.to_path_buf(),
            message: e.to_string(),
        })
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
    fn a_missing_default_file_is_no_configuration() {
        let p = Path::new("/nonexistent/jijiao/config.toml");
        assert_eq!(Config::load(p, false).unwrap(), Config::default());
        assert!(Config::load(p, true).is_err());
    }
}
