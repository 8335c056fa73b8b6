//! The command line of docs/INTERFACES.md: parsing and dispatch only; the work is the service's.

pub mod batches;
pub mod certs;
pub mod generate;
pub mod output;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use chrono::{DateTime, FixedOffset, Local, NaiveDate, TimeZone};
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::config::Config;
use crate::domain::dates::parse_date;
use crate::domain::text::clean_line;
use crate::i18n::{Describe, Lang};
use crate::service::{self, Actor, ServiceError};
use crate::store::Store;

/// Exit statuses scripts can test (docs/INTERFACES.md).
pub const EXIT_OK: u8 = 0;
pub const EXIT_NO: u8 = 1;
pub const EXIT_ERROR: u8 = 2;

#[derive(Debug, Parser)]
#[command(
    name = "jijiao",
    version,
    about = "继教：专业技术人员继续教育登记、验证与合格证明 / continuing-education records of professional technical personnel",
    long_about = None
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Args)]
pub struct Global {
    /// Database file [default: jijiao.sqlite in the platform data directory]
    #[arg(long, env = "JIJIAO_DB", global = true, value_name = "PATH")]
    pub db: Option<PathBuf>,
    /// Language of messages: zh or en
    #[arg(long, env = "JIJIAO_LANG", global = true, default_value = "zh", value_parser = parse_lang)]
    pub lang: Lang,
    /// Clerk recorded on every decision [default: the operating-system login]; refused when the
    /// configuration names roles
    #[arg(long, env = "JIJIAO_USER", global = true, value_name = "NAME")]
    pub user: Option<String>,
    /// Configuration file [default: config.toml in the platform config directory]
    #[arg(long, env = "JIJIAO_CONFIG", global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Act as if today were this date (tests and training); refused when roles are configured
    #[arg(
        long,
        env = "JIJIAO_TODAY",
        global = true,
        hide = true,
        value_name = "DATE"
    )]
    pub today: Option<String>,
}

fn parse_lang(s: &str) -> Result<Lang, String> {
    Lang::parse(s).ok_or_else(|| format!("expected zh or en, found {s}"))
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Fill the database with a deterministic, realistic synthetic data set
    Demo {
        /// How many people
        #[arg(long, default_value_t = 300)]
        people: u32,
        /// Seed of the generator: the same seed gives the same data
        #[arg(long, default_value_t = 2017)]
        seed: u64,
    },
    /// Import a roster (CSV in UTF-8 or GB18030, or XLSX); all rows or none
    Import {
        #[arg(value_enum)]
        kind: ImportKind,
        /// The roster file
        file: PathBuf,
        /// Validate and report, write nothing
        #[arg(long)]
        dry_run: bool,
        /// Entries only: historical records already registered on paper
        #[arg(long)]
        registered: bool,
        /// Applicants only (required): the verification batch (R6.3) the roster goes to — the
        /// submitting department's name, or #ID of an existing batch. A department without a
        /// batch of this year at the configured office gets one, as a competent department's
        /// (provincial office) or a city unit's (a city's office); R6.3 applies, so outside
        /// June–August a competent department's batch is refused here and is created in the
        /// terminal interface (screen 4, n) with the reason
        #[arg(long, value_name = "NAME")]
        batch: Option<String>,
    },
    /// Verify one person's five years (R6); exit 0 passes, 1 does not, 2 error
    Check {
        /// The person's ID number
        id: String,
        /// First year [default: five years before this year]
        #[arg(long)]
        from: Option<i32>,
        /// Last year [default: last year]
        #[arg(long)]
        to: Option<i32>,
        /// Print the result as JSON
        #[arg(long)]
        json: bool,
    },
    /// Issue a certificate (R7) when the check passes; prints its number; exit 1 when refused
    Issue {
        /// The person's ID number
        id: String,
        /// First year [default: five years before this year]
        #[arg(long)]
        from: Option<i32>,
        /// Last year [default: last year]
        #[arg(long)]
        to: Option<i32>,
        /// Issuing office (长沙, 430100, 省直 …) [default: the configured office]
        #[arg(long)]
        office: Option<String>,
    },
    /// Print a certificate's stub and text; a second print is marked as a reprint
    Print {
        /// Certificate numbers, e.g. 长沙—2017—0001 (hyphens are accepted); several print as
        /// one document in number order
        #[arg(required_unless_present = "alignment", value_name = "NUMBER")]
        numbers: Vec<String>,
        /// utf-8 or gb18030 [default: configured, else gb18030]
        #[arg(long)]
        encoding: Option<String>,
        /// full (plain paper) or preprinted (the province's forms) [default: configured, else full]
        #[arg(long)]
        layout: Option<String>,
        /// Write to FILE, or - for standard output, instead of the printer
        #[arg(long, value_name = "FILE")]
        to: Option<String>,
        /// CUPS queue, socket://host:9100 or a device such as /dev/usb/lp0 [default: configured]
        #[arg(long)]
        printer: Option<String>,
        /// Print the alignment test page for pre-printed forms instead of a certificate
        #[arg(long, conflicts_with = "numbers")]
        alignment: bool,
    },
    /// Void a certificate; its number stays used
    Void {
        number: String,
        #[arg(long)]
        reason: String,
    },
    /// Void a certificate and issue a new number that refers to it
    Reissue {
        number: String,
        #[arg(long)]
        reason: String,
    },
    /// The audit trail
    Audit {
        #[command(subcommand)]
        action: AuditAction,
    },
    /// Write a consistent copy of the live database to FILE
    Backup { file: PathBuf },
    /// Print a man page or a shell's completion script, generated from these definitions
    Generate {
        #[command(subcommand)]
        what: generate::Generate,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ImportKind {
    People,
    Entries,
    Filings,
    /// ID numbers (身份证号/id_number) of the applicants of a verification batch (R6)
    Applicants,
}

#[derive(Debug, Subcommand)]
pub enum AuditAction {
    /// Check that the audit trail is complete and untampered; exit 0 intact, 1 tampered
    Verify,
}

/// The default database: `jijiao.sqlite` in the platform data directory.
pub fn default_db() -> Option<PathBuf> {
    directories::ProjectDirs::from("cn.gov.hunan", "hrss", "jijiao")
        .map(|d| d.data_dir().join("jijiao.sqlite"))
}

fn default_config() -> Option<PathBuf> {
    directories::ProjectDirs::from("cn.gov.hunan", "hrss", "jijiao")
        .map(|d| d.config_dir().join("config.toml"))
}

fn os_login() -> String {
    ["USER", "LOGNAME", "USERNAME"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|s| !s.is_empty()))
        // Cron jobs and some service shells set none of these: ask the system.
        .or_else(|| {
            std::process::Command::new("id")
                .arg("-un")
                .output()
                .ok()
                .filter(|o| o.status.success())
                .and_then(|o| String::from_utf8(o.stdout).ok())
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
        })
        .unwrap_or_else(|| "unknown".into())
}

/// A failure to report on standard error, in the clerk's language.
pub struct Failure(pub String);

impl Failure {
    pub fn from(e: &impl Describe, lang: Lang) -> Failure {
        Failure(e.describe(lang))
    }
}

/// Everything a command needs: the clerk, the clock, the configuration, the language.
pub struct Context {
    pub lang: Lang,
    /// Who acts and when, read once: a command is one decision.
    pub actor: Actor,
    /// Where the interface reads the time at each of its decisions.
    pub clock: crate::service::Clock,
    pub config: Config,
    pub db: PathBuf,
}

impl Context {
    pub fn from_global(g: &Global) -> Result<Context, Failure> {
        let lang = g.lang;
        let (config_path, explicit) = match &g.config {
            Some(p) => (Some(p.clone()), true),
            None => (default_config(), false),
        };
        let config = match config_path {
            Some(p) => Config::load(&p, explicit).map_err(|e| Failure::from(&e, lang))?,
            None => Config::default(),
        };
        let login = os_login();
        let user = match (&config.roles, &g.user) {
            // Recorded on every decision (R5.5): stored text, so cleaned like any other.
            (None, Some(u)) if !clean_line(u).is_empty() => clean_line(u),
            (None, _) => login,
            (Some(_), Some(u)) if u.trim() != login => {
                return Err(Failure(
                    lang.pick(
                        "已配置角色：不能用 --user 以他人名义操作",
                        "roles are configured: --user cannot act under another name",
                    )
                    .to_string(),
                ));
            }
            (Some(roles), _) if !roles.knows(&login) => {
                return Err(Failure(match lang {
                    Lang::Zh => format!("用户 {login} 不在配置的经办人名单中"),
                    Lang::En => format!("user {login} is not among the configured clerks"),
                }));
            }
            (Some(_), _) => login,
        };
        let clock = match (&g.today, &config.roles) {
            (None, _) => crate::service::Clock::system(),
            (Some(_), Some(_)) => {
                return Err(Failure(
                    lang.pick(
                        "已配置角色：不能改变日期",
                        "roles are configured: the date cannot be changed",
                    )
                    .to_string(),
                ));
            }
            (Some(s), None) => crate::service::Clock::fixed(at_date(s).ok_or_else(|| {
                Failure(match lang {
                    Lang::Zh => format!("JIJIAO_TODAY“{s}”不是有效日期"),
                    Lang::En => format!("JIJIAO_TODAY \"{s}\" is not a valid date"),
                })
            })?),
        };
        let db = match &g.db {
            Some(p) => p.clone(),
            None => default_db().ok_or_else(|| {
                Failure(
                    lang.pick(
                        "找不到用户数据目录，请用 --db 指定数据库",
                        "no user data directory: name the database with --db",
                    )
                    .to_string(),
                )
            })?,
        };
        Ok(Context {
            lang,
            actor: Actor::new(user, clock.now()),
            clock,
            config,
            db,
        })
    }

    /// R6.1 The period of a check or certificate: the five years before this year by default;
    /// one end given, the other five years away.
    pub fn period(&self, from: Option<i32>, to: Option<i32>) -> (i32, i32) {
        let this_year = chrono::Datelike::year(&self.actor.today());
        let (dfrom, dto) = crate::domain::verification::default_period(this_year);
        match (from, to) {
            (Some(f), Some(t)) => (f, t),
            (Some(f), None) => (f, f + 4),
            (None, Some(t)) => (t - 4, t),
            (None, None) => (dfrom, dto),
        }
    }

    pub fn open(&self) -> Result<Store, Failure> {
        Store::open(&self.db).map_err(|e| Failure::from(&e, self.lang))
    }
}

/// Noon of `s` in the local offset: a fixed clock for tests and training.
fn at_date(s: &str) -> Option<DateTime<FixedOffset>> {
    let d: NaiveDate = parse_date(s).ok()?;
    let offset = *Local::now().offset();
    offset
        .from_local_datetime(&d.and_hms_opt(12, 0, 0)?)
        .single()
        .map(|t| t.fixed_offset())
}

/// Run the parsed command line; the exit status follows docs/INTERFACES.md.
pub fn run(cli: Cli) -> ExitCode {
    let lang = cli.global.lang;
    let result = match &cli.command {
        // The package build generates these with no database, clerk or configuration at hand.
        Some(Command::Generate { what }) => generate::run(what, lang),
        _ => Context::from_global(&cli.global).and_then(|ctx| dispatch(&ctx, cli.command)),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(Failure(message)) => {
            eprintln!("jijiao: {}{message}", lang.pick("错误：", "error: "));
            ExitCode::from(EXIT_ERROR)
        }
    }
}

fn dispatch(ctx: &Context, command: Option<Command>) -> Result<u8, Failure> {
    let lang = ctx.lang;
    let fail = |e: ServiceError| Failure::from(&e, lang);
    match command {
        None => interface(ctx),
        Some(Command::Demo { people, seed }) => {
            let mut store = ctx.open()?;
            let summary =
                service::demo::generate(&mut store, &ctx.actor, people, seed).map_err(fail)?;
            output::demo(ctx, &summary);
            Ok(EXIT_OK)
        }
        Some(Command::Import {
            kind,
            file,
            dry_run,
            registered,
            batch,
        }) => import(ctx, kind, &file, dry_run, registered, batch.as_deref()),
        Some(Command::Check { id, from, to, json }) => {
            let (from, to) = ctx.period(from, to);
            let store = ctx.open()?;
            let result = service::check::check(&store, &id, from, to).map_err(fail)?;
            if json {
                println!("{}", output::check_json(&result));
            } else {
                print!("{}", output::check_text(&result, lang));
            }
            Ok(if result.verification.pass() {
                EXIT_OK
            } else {
                EXIT_NO
            })
        }
        Some(Command::Issue {
            id,
            from,
            to,
            office,
        }) => certs::issue(ctx, &id, from, to, office.as_deref()),
        Some(Command::Print {
            numbers,
            encoding,
            layout,
            to,
            printer,
            alignment,
        }) => certs::print(
            ctx,
            &numbers,
            certs::PrintOptions {
                encoding,
                layout,
                to,
                printer,
                alignment,
            },
        ),
        Some(Command::Void { number, reason }) => certs::void(ctx, &number, &reason),
        Some(Command::Reissue { number, reason }) => certs::reissue(ctx, &number, &reason),
        Some(Command::Audit {
            action: AuditAction::Verify,
        }) => {
            let store = ctx.open()?;
            let (n, tamper) =
                crate::store::audit::verify(store.conn()).map_err(|e| Failure::from(&e, lang))?;
            output::audit(lang, n, tamper.as_ref());
            Ok(if tamper.is_none() { EXIT_OK } else { EXIT_NO })
        }
        Some(Command::Backup { file }) => {
            let store = ctx.open()?;
            store
                .backup_to(&file)
                .map_err(|e| Failure::from(&e, lang))?;
            println!(
                "{}",
                match lang {
                    Lang::Zh => format!("已备份到 {}", file.display()),
                    Lang::En => format!("backed up to {}", file.display()),
                }
            );
            Ok(EXIT_OK)
        }
        Some(Command::Generate { what }) => generate::run(&what, lang),
    }
}

/// `jijiao` with no sub-command: the terminal interface, or a status line when standard output
/// is not a terminal (a script, a pipe).
fn interface(ctx: &Context) -> Result<u8, Failure> {
    use std::io::IsTerminal;
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        return output::status(ctx);
    }
    let store = ctx.open()?;
    let size = ratatui::crossterm::terminal::size().unwrap_or((80, 24));
    let office = if ctx.config.office.name.is_empty() {
        ctx.lang
            .pick("（未配置办公室）", "(no office configured)")
            .to_string()
    } else {
        ctx.config.office.name.clone()
    };
    let app = crate::tui::App::new(
        store,
        ctx.actor.clone(),
        ctx.lang,
        ctx.db.display().to_string(),
        office,
        size,
    )
    .map_err(Failure)?
    .with_config(ctx.config.clone())
    .with_clock(ctx.clock.clone());
    crate::tui::run(app).map_err(|e| {
        Failure(match ctx.lang {
            Lang::Zh => format!("终端错误：{e}"),
            Lang::En => format!("terminal error: {e}"),
        })
    })?;
    Ok(EXIT_OK)
}

fn import(
    ctx: &Context,
    kind: ImportKind,
    file: &Path,
    dry_run: bool,
    registered: bool,
    batch: Option<&str>,
) -> Result<u8, Failure> {
    let lang = ctx.lang;
    let name = file.display().to_string();
    batches::check_options(ctx, kind, batch)?;
    if registered && !matches!(kind, ImportKind::Entries) {
        return Err(Failure(
            lang.pick(
                "--registered 只用于 import entries",
                "--registered applies to import entries only",
            )
            .to_string(),
        ));
    }
    let bytes = std::fs::read(file).map_err(|e| {
        Failure(match lang {
            Lang::Zh => format!("无法读取 {name}：{e}"),
            Lang::En => format!("cannot read {name}: {e}"),
        })
    })?;
    let roster = match kind {
        ImportKind::People => crate::import::Kind::People,
        ImportKind::Entries => crate::import::Kind::Entries,
        ImportKind::Filings => crate::import::Kind::Filings,
        ImportKind::Applicants => crate::import::Kind::Applicants,
    };
    let (table, _encoding) = crate::import::read_table(file, &roster)
        .map_err(|e| Failure(format!("{name}: {}", e.describe(lang))))?;
    let source = service::import::Source {
        name: file
            .file_name()
            .map_or_else(|| name.clone(), |n| n.to_string_lossy().into_owned()),
        sha256: output::sha256_hex(&bytes),
    };
    let mut store = ctx.open()?;
    let actor = &ctx.actor;
    let result = match kind {
        ImportKind::People => service::import::people(&mut store, actor, &table, &source, dry_run),
        ImportKind::Filings => {
            service::import::filings(&mut store, actor, &table, &source, dry_run)
        }
        ImportKind::Entries => {
            service::import::entries(&mut store, actor, &table, &source, registered, dry_run)
        }
        ImportKind::Applicants => batches::import(
            ctx,
            &mut store,
            batch.unwrap_or_default(),
            &table,
            &source,
            dry_run,
        ),
    };
    match result {
        Ok(summary) => {
            if let Some(sheet) = &table.sheet {
                let sheet = crate::domain::text::clean_line(sheet);
                println!(
                    "{}",
                    match lang {
                        Lang::Zh => format!("读取的是工作表“{sheet}”：第一张工作表没有表头"),
                        Lang::En =>
                            format!("read the sheet \"{sheet}\": the first sheet has no header"),
                    }
                );
            }
            if let Some(skipped) = output::skipped_rows(&table, lang) {
                println!("{skipped}");
            }
            println!("{}", output::import_summary(&summary, lang));
            Ok(EXIT_OK)
        }
        Err(ServiceError::Rows(rows)) => {
            for r in &rows {
                eprintln!("{}", r.render(&name, lang));
            }
            Err(Failure::from(&ServiceError::Rows(rows), lang))
        }
        Err(e) => Err(Failure::from(&e, lang)),
    }
}
