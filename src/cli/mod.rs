//! The command line of docs/INTERFACES.md: parsing and dispatch only; the work is the service's.

pub mod audit;
pub mod batches;
pub mod cards;
pub mod certs;
pub mod generate;
pub mod output;
pub mod progress;
pub mod reports;

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
    /// system configuration names roles, and in a set-group-id run
    #[arg(long, env = "JIJIAO_USER", global = true, value_name = "NAME")]
    pub user: Option<String>,
    /// Configuration file over the system's /etc/jijiao/config.toml: office, printer and
    /// pre-printed positions only [default: config.toml in the platform config directory]
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
        /// People per committed chunk (tests and measurements): a killed run continues after
        /// the last chunk, and the write-ahead log holds about one chunk
        #[arg(
            long,
            env = "JIJIAO_DEMO_CHUNK",
            hide = true,
            default_value_t = service::demo::DEFAULT_CHUNK,
            value_parser = clap::value_parser!(u32).range(1..)
        )]
        chunk: u32,
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
    /// Print the yearly record card (年度备案卡, R5.4) of a person, of every person of a unit,
    /// or of every applicant of a verification batch: one card each, one document
    #[command(group(clap::ArgGroup::new("whose").args(["id", "unit", "batch", "alignment"]).required(true)))]
    Card {
        /// The person's ID number
        #[arg(conflicts_with_all = ["unit", "batch"])]
        id: Option<String>,
        /// Every person of this unit (单位), by name then ID number
        #[arg(long, value_name = "UNIT", conflicts_with = "batch")]
        unit: Option<String>,
        /// Every applicant of verification batch N (screen 4), by name then ID number
        #[arg(long, value_name = "N")]
        batch: Option<i64>,
        /// The year of the card
        #[arg(long, value_name = "Y", required_unless_present = "alignment")]
        year: Option<i32>,
        /// utf-8 or gb18030 [default: configured, else gb18030]
        #[arg(long)]
        encoding: Option<String>,
        /// full (plain paper) or preprinted (the province's cards) [default: configured, else full]
        #[arg(long)]
        layout: Option<String>,
        /// Write to FILE, or - for standard output, instead of the printer
        #[arg(long, value_name = "FILE")]
        to: Option<String>,
        /// CUPS queue, socket://host:9100 or a device such as /dev/usb/lp0 [default: configured]
        #[arg(long)]
        printer: Option<String>,
        /// Print the alignment test page for the pre-printed cards instead of a card
        #[arg(long, conflicts_with_all = ["id", "unit", "batch", "year"])]
        alignment: bool,
    },
    /// Print the registration page (登记证书页, R5.4) of a person: their registered entries and
    /// each year's totals over a period
    RegisterPage {
        /// The person's ID number
        id: String,
        /// First year [default: five years before this year]
        #[arg(long, value_name = "Y")]
        from: Option<i32>,
        /// Last year [default: last year]
        #[arg(long, value_name = "Y")]
        to: Option<i32>,
        /// utf-8 or gb18030 [default: configured, else gb18030]
        #[arg(long)]
        encoding: Option<String>,
        /// full (plain paper) or preprinted (one pre-printed card per year) [default: configured,
        /// else full]
        #[arg(long)]
        layout: Option<String>,
        /// Write to FILE, or - for standard output, instead of the printer (`--to` is the last
        /// year here)
        #[arg(long, value_name = "FILE")]
        out: Option<String>,
        /// CUPS queue, socket://host:9100 or a device such as /dev/usb/lp0 [default: configured]
        #[arg(long)]
        printer: Option<String>,
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
    /// Tell whether a paper certificate is genuine: exit 0 genuine and valid, 1 voided or not
    /// genuine, 2 no such number
    VerifyCode {
        /// The certificate number, e.g. 长沙—2017—0001 (hyphens are accepted)
        number: String,
        /// The verification code printed on it, e.g. ABCDE-FGHJK
        code: String,
    },
    /// Reports: the annual completion report (R2) and an office's verification and certificate
    /// register (R7.2), as an 80-column table, CSV or XLSX
    Report {
        #[command(subcommand)]
        what: reports::Report,
    },
    /// Export people or entries as a roster (CSV or XLSX) that imports back unchanged
    Export(reports::ExportArgs),
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
    /// Check the audit trail: its keyed chain, the latest anchor (a truncated or rewritten
    /// trail), and the database against what the trail says; exit 0 intact, 1 tampered, 2 the
    /// audit key is missing or another
    Verify,
    /// Append the trail's head (count, hash, time, database) to the anchor log
    /// ([audit] anchor_log) and the system log; run it nightly
    Anchor,
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

/// The ids of this process that decide who acts (R5.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ids {
    pub real_uid: u32,
    pub real_gid: u32,
    pub effective_gid: u32,
    /// The program file itself is set-group-id: a system install, also when run by an account
    /// whose own group is the program's (the nightly job), where the two gids are equal.
    pub installed: bool,
}

impl Ids {
    pub fn current() -> Ids {
        use nix::unistd::{getegid, getgid, getuid};
        Ids {
            real_uid: getuid().as_raw(),
            real_gid: getgid().as_raw(),
            effective_gid: getegid().as_raw(),
            installed: crate::privilege::installed_set_group_id(),
        }
    }

    /// A system install: the program holds rights its user may not (it runs set-group-id), so
    /// nothing the user chooses may point it elsewhere; the database and configuration are the
    /// system's.
    pub fn set_group_id(&self) -> bool {
        self.effective_gid != self.real_gid || self.installed
    }
}

/// The passwd name of `uid`: the clerk, once roles are configured or the run is set-group-id
/// (R5.5). `None` when the system has no entry for it.
pub fn passwd_login(uid: u32) -> Option<String> {
    nix::unistd::User::from_uid(nix::unistd::Uid::from_raw(uid))
        .ok()
        .flatten()
        .map(|u| u.name)
        .filter(|n| !n.is_empty())
}

/// A single-clerk install's default clerk: the passwd name, else what the session says.
fn os_login(uid: u32) -> String {
    passwd_login(uid)
        .or_else(|| {
            ["USER", "LOGNAME", "USERNAME"]
                .iter()
                .find_map(|v| std::env::var(v).ok().filter(|s| !s.is_empty()))
        })
        .unwrap_or_else(|| "unknown".into())
}

/// R5.5 The set-group-id guard: in such a run, the options and variables that would choose the
/// database, the configuration, the clerk or the date (as their names are shown), in the order
/// of the command line's help; empty when the run may go on. `var` reads the environment.
pub fn set_group_id_refusals(
    ids: Ids,
    g: &Global,
    var: &dyn Fn(&str) -> Option<std::ffi::OsString>,
) -> Vec<&'static str> {
    if !ids.set_group_id() {
        return Vec::new();
    }
    // clap folds each variable into its option: either names what was given.
    [
        (g.db.is_some(), "--db / JIJIAO_DB"),
        (g.user.is_some(), "--user / JIJIAO_USER"),
        (g.config.is_some(), "--config / JIJIAO_CONFIG"),
        (g.today.is_some(), "JIJIAO_TODAY"),
        (
            var(crate::config::SYSTEM_CONFIG_VAR).is_some(),
            crate::config::SYSTEM_CONFIG_VAR,
        ),
    ]
    .into_iter()
    .filter_map(|(given, name)| given.then_some(name))
    .collect()
}

/// The database a run opens: in a set-group-id run only the system's (`[database] path`, else
/// [`crate::config::SYSTEM_DATABASE`]), whatever was asked, since the program's group may write
/// no other file; otherwise `--db`, else the system configuration's, else the platform data
/// directory's. `None` when there is none of these.
pub fn choose_db(ids: Ids, option: Option<&Path>, system: Option<&Path>) -> Option<PathBuf> {
    if ids.set_group_id() {
        return Some(system.map_or_else(
            || PathBuf::from(crate::config::SYSTEM_DATABASE),
            Path::to_path_buf,
        ));
    }
    option.or(system).map(Path::to_path_buf).or_else(default_db)
}

/// Run `f` with the effective group id set back to the real one, so that a file the clerk names
/// (a roster, their configuration, a backup) is opened with the clerk's rights only, never the
/// program's group's: in a set-group-id run a roster named `/etc/jijiao/audit.key` must not be
/// readable. Outside such a run, just `f()`.
pub fn as_real_group<T>(ids: Ids, lang: Lang, f: impl FnOnce() -> T) -> Result<T, Failure> {
    if !ids.set_group_id() {
        return Ok(f());
    }
    crate::privilege::as_clerk(f).map_err(|e| {
        Failure(match lang {
            Lang::Zh => format!("无法切换有效组（{}）：{e}", ids.real_gid),
            Lang::En => format!("cannot switch the effective group to {}: {e}", ids.real_gid),
        })
    })
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
    /// Who acts and when, read once: a command is one decision. Its grants say what the login
    /// may do (R5.5).
    pub actor: Actor,
    /// Where the interface reads the time at each of its decisions.
    pub clock: crate::service::Clock,
    /// The system configuration with the user's over it (`Config::load_layered`).
    pub config: Config,
    pub db: PathBuf,
    /// The process's ids; `ids.set_group_id()` is a system install run by a clerk.
    pub ids: Ids,
}

impl Context {
    pub fn from_global(g: &Global) -> Result<Context, Failure> {
        Context::from_global_with(g, Ids::current(), &|name| std::env::var_os(name))
    }

    /// As [`Context::from_global`], for these ids and this environment (`var`).
    pub fn from_global_with(
        g: &Global,
        ids: Ids,
        var: &dyn Fn(&str) -> Option<std::ffi::OsString>,
    ) -> Result<Context, Failure> {
        use crate::config::{SYSTEM_CONFIG, SYSTEM_CONFIG_VAR, Source};
        let lang = g.lang;
        let refused = set_group_id_refusals(ids, g, var);
        if !refused.is_empty() {
            let list = refused.join(", ");
            return Err(Failure(match lang {
                Lang::Zh => format!(
                    "本程序以 set-group-id 方式安装：不接受 {list}；数据库、配置、经办人和日期均由系统规定，请去掉它们"
                ),
                Lang::En => format!(
                    "jijiao is installed set-group-id: {list} not accepted; the database, \
                     configuration, clerk and date are the system's, remove them"
                ),
            }));
        }
        let system = match var(SYSTEM_CONFIG_VAR).filter(|p| !p.is_empty()) {
            // Named by the environment (tests, never a set-group-id run): it must exist.
            Some(p) => Source::new(p, true),
            None => Source::new(SYSTEM_CONFIG, false),
        };
        let user = match &g.config {
            Some(p) => Some(Source::new(p.clone(), true)),
            None => default_config().map(|p| Source::new(p, false)),
        };
        let read_user = |p: &Path| {
            as_real_group(ids, lang, || std::fs::read_to_string(p))
                .unwrap_or_else(|Failure(m)| Err(std::io::Error::other(m)))
        };
        let config = Config::load_layered_reading(Some(&system), user.as_ref(), &read_user)
            .map_err(|e| Failure::from(&e, lang))?;
        let strict = config.roles.is_some() || ids.set_group_id();
        let user = if strict {
            // R5.5 Roles are worth nothing if a clerk can name someone else.
            if g.user.is_some() {
                return Err(Failure(
                    lang.pick(
                        "已配置角色：不接受 --user / JIJIAO_USER，经办人就是登录本机的用户",
                        "roles are configured: --user / JIJIAO_USER are not accepted, the clerk is the user logged in",
                    )
                    .to_string(),
                ));
            }
            passwd_login(ids.real_uid).ok_or_else(|| {
                Failure(match lang {
                    Lang::Zh => format!("无法确定当前用户：用户号 {} 没有账户记录", ids.real_uid),
                    Lang::En => format!(
                        "cannot tell who you are: user id {} has no passwd entry",
                        ids.real_uid
                    ),
                })
            })?
        } else {
            match &g.user {
                // Recorded on every decision (R5.5): stored text, so cleaned like any other.
                Some(u) if !clean_line(u).is_empty() => clean_line(u),
                _ => os_login(ids.real_uid),
            }
        };
        let clock = match (&g.today, strict) {
            (None, _) => crate::service::Clock::system(),
            (Some(_), true) => {
                return Err(Failure(
                    lang.pick(
                        "已配置角色：不能改变日期",
                        "roles are configured: the date cannot be changed",
                    )
                    .to_string(),
                ));
            }
            (Some(s), false) => crate::service::Clock::fixed(at_date(s).ok_or_else(|| {
                Failure(match lang {
                    Lang::Zh => format!("JIJIAO_TODAY“{s}”不是有效日期"),
                    Lang::En => format!("JIJIAO_TODAY \"{s}\" is not a valid date"),
                })
            })?),
        };
        let db =
            choose_db(ids, g.db.as_deref(), config.database.path.as_deref()).ok_or_else(|| {
                Failure(
                    lang.pick(
                        "找不到用户数据目录，请用 --db 指定数据库",
                        "no user data directory: name the database with --db",
                    )
                    .to_string(),
                )
            })?;
        let grants =
            crate::service::authz::Grants::of(&user, config.roles.as_ref(), &config.policy);
        Ok(Context {
            lang,
            actor: Actor::new(user, clock.now()).with_grants(grants),
            clock,
            config,
            db,
            ids,
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

    /// R5.5 Refuse `act` before anything else is asked of the clerk (a stub's phone, a
    /// printer): the services refuse it too, this only says it first.
    pub fn require(&self, act: service::authz::Act) -> Result<(), Failure> {
        service::authz::require(&self.actor, act).map_err(|e| Failure::from(&e, self.lang))
    }

    pub fn open(&self) -> Result<Store, Failure> {
        let store = Store::open(&self.db).map_err(|e| Failure::from(&e, self.lang))?;
        // R5.5 Every write extends the keyed trail: the key goes with the connection.
        audit::attach(self, &store)?;
        Ok(store)
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

/// Parses the command line and runs it. clap's own messages (an unknown option, a bad value,
/// `--help`) quote what was typed, so they too are written through [`output::say`] /
/// [`output::warn`] (issue 9): a value pasted from a roster cannot reach the terminal as a
/// control sequence. They are written plain, without clap's colours.
pub fn main() -> ExitCode {
    match Cli::try_parse() {
        Ok(cli) => run(cli),
        Err(e) => {
            let text = e.render().to_string();
            let text = text.trim_end_matches('\n');
            if e.use_stderr() {
                output::warn(text);
            } else {
                output::say(text);
            }
            if output::stdout_closed() {
                return ExitCode::from(output::EXIT_CLOSED_PIPE);
            }
            ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(EXIT_ERROR))
        }
    }
}

/// Run the parsed command line; the exit status follows docs/INTERFACES.md.
pub fn run(cli: Cli) -> ExitCode {
    let lang = cli.global.lang;
    let result = match &cli.command {
        // The package build generates these with no database, clerk or configuration at hand.
        Some(Command::Generate { what }) => generate::run(what, lang),
        _ => Context::from_global(&cli.global).and_then(|ctx| {
            let result = dispatch(&ctx, cli.command);
            // R5.5 The start of a keyed chain is anchored once its write is committed.
            audit::anchor_if_started(&ctx);
            result
        }),
    };
    match result {
        // The reader of standard output went away (`| head`): the command stopped quietly.
        _ if output::stdout_closed() => ExitCode::from(output::EXIT_CLOSED_PIPE),
        Ok(code) => ExitCode::from(code),
        Err(Failure(message)) => {
            output::warn(&format!(
                "jijiao: {}{message}",
                lang.pick("错误：", "error: ")
            ));
            ExitCode::from(EXIT_ERROR)
        }
    }
}

fn dispatch(ctx: &Context, command: Option<Command>) -> Result<u8, Failure> {
    let lang = ctx.lang;
    let fail = |e: ServiceError| Failure::from(&e, lang);
    match command {
        None => interface(ctx),
        Some(Command::Demo {
            people,
            seed,
            chunk,
        }) => {
            let mut store = ctx.open()?;
            let mut bar = progress::Bar::stderr(lang);
            let summary = service::demo::generate_with(
                &mut store,
                &ctx.actor,
                people,
                seed,
                &service::demo::Options { chunk },
                &mut |done, total| bar.report(progress::Work::DemoPeople, done, total),
            );
            bar.clear();
            let summary = summary.map_err(fail)?;
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
                output::say(&output::check_json(&result));
            } else {
                output::say(output::check_text(&result, lang).trim_end_matches('\n'));
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
        }) => {
            ctx.require(service::authz::Act::Issue)?;
            certs::issue(ctx, &id, from, to, office.as_deref())
        }
        Some(Command::Print {
            numbers,
            encoding,
            layout,
            to,
            printer,
            alignment,
        }) => {
            // The alignment page is a blank form's test, no certificate: anyone may print it.
            if !alignment {
                ctx.require(service::authz::Act::Print)?;
            }
            certs::print(
                ctx,
                &numbers,
                certs::PrintOptions {
                    encoding,
                    layout,
                    to,
                    printer,
                    alignment,
                },
            )
        }
        Some(Command::Card {
            id,
            unit,
            batch,
            year,
            encoding,
            layout,
            to,
            printer,
            alignment,
        }) => {
            let o = cards::CardOptions {
                encoding,
                layout,
                to,
                printer,
            };
            // The alignment page is a blank form's test, no card: anyone may print it.
            if alignment {
                return cards::alignment(ctx, &o);
            }
            ctx.require(service::authz::Act::PrintCard)?;
            let target = match (id, unit, batch) {
                (Some(id), _, _) => service::cards::Target::Person(id),
                (None, Some(unit), _) => service::cards::Target::Unit(unit),
                (None, None, Some(n)) => service::cards::Target::Batch(n),
                (None, None, None) => {
                    return Err(Failure(
                        lang.pick(
                            "请给出身份证号、--unit 单位或 --batch 批次编号",
                            "give an ID number, --unit UNIT or --batch N",
                        )
                        .into(),
                    ));
                }
            };
            let Some(year) = year else {
                return Err(Failure(
                    lang.pick("请用 --year 给出年度", "give the year with --year")
                        .into(),
                ));
            };
            cards::card(ctx, target, year, &o)
        }
        Some(Command::RegisterPage {
            id,
            from,
            to,
            encoding,
            layout,
            out,
            printer,
        }) => {
            ctx.require(service::authz::Act::PrintCard)?;
            let o = cards::CardOptions {
                encoding,
                layout,
                to: out,
                printer,
            };
            cards::register_page(ctx, &id, from, to, &o)
        }
        Some(Command::Void { number, reason }) => certs::void(ctx, &number, &reason),
        Some(Command::Reissue { number, reason }) => {
            ctx.require(service::authz::Act::Reissue)?;
            certs::reissue(ctx, &number, &reason)
        }
        Some(Command::Audit {
            action: AuditAction::Verify,
        }) => audit::verify(ctx),
        Some(Command::Audit {
            action: AuditAction::Anchor,
        }) => audit::anchor(ctx),
        Some(Command::VerifyCode { number, code }) => audit::verify_code(ctx, &number, &code),
        Some(Command::Backup { file }) => {
            let store = ctx.open()?;
            // Written with the clerk's rights: the program's group may write no file but its own.
            as_real_group(ctx.ids, lang, || store.backup_to(&file))?
                .map_err(|e| Failure::from(&e, lang))?;
            output::say(&match lang {
                Lang::Zh => format!("已备份到 {}", file.display()),
                Lang::En => format!("backed up to {}", file.display()),
            });
            Ok(EXIT_OK)
        }
        Some(Command::Report { what }) => reports::report(ctx, what),
        Some(Command::Export(args)) => reports::export(ctx, args),
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
        ctx.lang.pick("（未配置办公室）", "(no office)").to_string()
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
    let roster = match kind {
        ImportKind::People => crate::import::Kind::People,
        ImportKind::Entries => crate::import::Kind::Entries,
        ImportKind::Filings => crate::import::Kind::Filings,
        ImportKind::Applicants => crate::import::Kind::Applicants,
    };
    let limits = ctx.config.import.limits();
    // Issue 10.3: every roster streamed from the file, checked in one pass and written in a
    // second, so memory does not grow with the file (issue 9's bounds still apply as the
    // reader meets them); the file is opened once, with the clerk's rights (R5.5, set-group-id
    // runs), both passes read that opening, and its SHA-256 is taken from what they read.
    let opened = as_real_group(ctx.ids, lang, || std::fs::File::open(file))?.map_err(|e| {
        let e = crate::import::TableError::Io {
            path: name.clone(),
            message: e.to_string(),
        };
        Failure(format!("{name}: {}", e.describe(lang)))
    })?;
    let source = service::import::Source {
        name: file
            .file_name()
            .map_or_else(|| name.clone(), |n| n.to_string_lossy().into_owned()),
        // The service takes the file's SHA-256 from what it reads.
        sha256: String::new(),
    };
    let streamed = crate::import::stream::RosterFile {
        file: opened,
        path: file,
        vocabulary: &roster,
        limits,
    };
    let mut store = ctx.open()?;
    let actor = &ctx.actor;
    // Issue 10: a bar on standard error while the rows are checked and written, when it is a
    // terminal; cleared before the summary or the problems below.
    let mut bar = progress::Bar::stderr(lang);
    let mut report = |step, done, total| bar.report(progress::Work::from(step), done, total);
    let result = match kind {
        ImportKind::People => service::import::people_from(
            &mut store,
            actor,
            &streamed,
            &source,
            dry_run,
            &mut report,
        )
        .map(|done| (done.summary, done.header)),
        ImportKind::Entries => service::import::entries_from(
            &mut store,
            actor,
            &streamed,
            &source,
            registered,
            dry_run,
            &mut report,
        )
        .map(|done| (done.summary, done.header)),
        ImportKind::Filings => service::import::filings_from(
            &mut store,
            actor,
            &streamed,
            &source,
            dry_run,
            &mut report,
        )
        .map(|done| (done.summary, done.header)),
        ImportKind::Applicants => batches::import(
            ctx,
            &mut store,
            batch.unwrap_or_default(),
            &streamed,
            &source,
            dry_run,
            &mut report,
        )
        .map(|done| (done.summary, done.header)),
    };
    bar.clear();
    match result {
        Ok((summary, h)) => {
            // What the clerk hears about the rows above the data: a table of no rows.
            let above = crate::import::Table {
                header_line: h.header_line,
                headers: h.headers,
                rows: Vec::new(),
                skipped: h.skipped,
                above: h.above,
                sheet: h.sheet,
            };
            imported(Ok(summary), &above, &name, lang)
        }
        Err(ServiceError::Table(e)) => Err(Failure(format!("{name}: {}", e.describe(lang)))),
        Err(e) => imported(
            Err(e),
            &crate::import::Table::of_text(&[], &[]),
            &name,
            lang,
        ),
    }
}

/// What an import says when it is over: the sheet read and the rows skipped, then the summary;
/// or every problem (at most [`output::LISTED_PROBLEMS`] of them listed).
fn imported(
    result: Result<service::import::Summary, ServiceError>,
    table: &crate::import::Table,
    name: &str,
    lang: Lang,
) -> Result<u8, Failure> {
    match result {
        Ok(summary) => {
            if let Some(sheet) = &table.sheet {
                let sheet = crate::domain::text::clean_line(sheet);
                output::say(&match lang {
                    Lang::Zh => format!("读取的是工作表“{sheet}”：第一张工作表没有表头"),
                    Lang::En => {
                        format!("read the sheet \"{sheet}\": the first sheet has no header")
                    }
                });
            }
            if let Some(skipped) = output::skipped_rows(table, lang) {
                output::say(&skipped);
            }
            output::say(&output::import_summary(&summary, lang));
            Ok(EXIT_OK)
        }
        Err(ServiceError::Rows(rows)) => {
            for r in rows.iter().take(output::LISTED_PROBLEMS) {
                output::warn(&r.render(name, lang));
            }
            if let Some(more) = output::unlisted_problems(rows.len(), lang) {
                output::warn(&more);
            }
            Err(Failure::from(&ServiceError::Rows(rows), lang))
        }
        Err(ServiceError::ManyRows { listed, total }) => {
            for r in listed.iter().take(output::LISTED_PROBLEMS) {
                output::warn(&r.render(name, lang));
            }
            if let Some(more) = output::unlisted_problems(total, lang) {
                output::warn(&more);
            }
            Err(Failure::from(
                &ServiceError::ManyRows { listed, total },
                lang,
            ))
        }
        Err(e) => Err(Failure::from(&e, lang)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PLAIN: Ids = Ids {
        real_uid: 1001,
        real_gid: 1001,
        effective_gid: 1001,
        installed: false,
    };
    /// Installed set-group-id `jijiao` (gid 998), run by a clerk.
    const SETGID: Ids = Ids {
        real_uid: 1001,
        real_gid: 1001,
        effective_gid: 998,
        installed: true,
    };

    fn global(args: &[&str]) -> Global {
        let mut argv = vec!["jijiao"];
        argv.extend_from_slice(args);
        Cli::try_parse_from(argv).expect("parses").global
    }

    #[test]
    fn r5_5_a_set_group_id_run_refuses_every_option_and_variable_that_would_point_it_elsewhere() {
        let g = global(&[
            "--db",
            "/tmp/x.sqlite",
            "--user",
            "lisi",
            "--config",
            "/tmp/c.toml",
            "--today",
            "2017-07-15",
        ]);
        let var = |name: &str| (name == "JIJIAO_SYSTEM_CONFIG").then(|| "/tmp/s.toml".into());
        assert_eq!(
            set_group_id_refusals(SETGID, &g, &var),
            [
                "--db / JIJIAO_DB",
                "--user / JIJIAO_USER",
                "--config / JIJIAO_CONFIG",
                "JIJIAO_TODAY",
                "JIJIAO_SYSTEM_CONFIG"
            ]
        );
        // One at a time, each is named alone.
        let none = |_: &str| None;
        assert_eq!(
            set_group_id_refusals(SETGID, &global(&["--db", "/tmp/x"]), &none),
            ["--db / JIJIAO_DB"]
        );
        assert_eq!(
            set_group_id_refusals(SETGID, &global(&["--lang", "en"]), &none),
            Vec::<&str>::new(),
            "the language is harmless"
        );
        // Not set-group-id (a personal install, the tests): all of them work as before.
        assert!(set_group_id_refusals(PLAIN, &g, &var).is_empty());
        assert!(SETGID.set_group_id() && !PLAIN.set_group_id());
    }

    #[test]
    fn r5_5_a_set_group_id_run_opens_only_the_systems_database() {
        let asked = Path::new("/home/lisi/other.sqlite");
        let system = Path::new("/srv/jijiao/jj.sqlite");
        assert_eq!(
            choose_db(SETGID, Some(asked), None),
            Some(PathBuf::from("/var/lib/jijiao/jijiao.sqlite"))
        );
        assert_eq!(
            choose_db(SETGID, Some(asked), Some(system)),
            Some(system.to_path_buf())
        );
        assert_eq!(
            choose_db(PLAIN, Some(asked), Some(system)),
            Some(asked.to_path_buf())
        );
        assert_eq!(
            choose_db(PLAIN, None, Some(system)),
            Some(system.to_path_buf())
        );
    }

    #[test]
    fn the_refusal_of_a_set_group_id_run_names_what_was_given_in_both_languages() {
        for (lang, expected) in [
            (
                Lang::En,
                "jijiao is installed set-group-id: --user / JIJIAO_USER not accepted",
            ),
            (
                Lang::Zh,
                "本程序以 set-group-id 方式安装：不接受 --user / JIJIAO_USER",
            ),
        ] {
            let mut g = global(&["--user", "lisi"]);
            g.lang = lang;
            let Err(Failure(message)) = Context::from_global_with(&g, SETGID, &|_| None) else {
                panic!("a set-group-id run with --user must be refused");
            };
            assert!(message.starts_with(expected), "{message}");
        }
    }
}
