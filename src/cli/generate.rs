//! `jijiao generate`: the man pages and shell completions of the package, generated from the
//! same clap definitions that parse the command line, so `man jijiao` and `Tab` never promise an
//! option the program does not take. `packaging/build-deb.sh` runs it after the release build.
//!
//! A clerk may run it too (`jijiao generate completions zsh`). Everything is written to standard
//! output and nothing is read: the command needs no database,
//! clerk or configuration, and a set-group-id run of it can write no file with the group's rights.

use std::io::Write;

use clap::{CommandFactory, Subcommand};
use clap_complete::Shell;

use super::{Cli, EXIT_OK, Failure};
use crate::i18n::Lang;

/// What `jijiao generate` prints.
#[derive(Debug, Subcommand)]
pub enum Generate {
    /// Print a man page in roff: jijiao(1), or the page of one sub-command such as jijiao-import
    Man {
        /// The page: jijiao, jijiao-import, jijiao-audit-verify … (see --list)
        #[arg(default_value = "jijiao", value_name = "PAGE")]
        page: String,
        /// List the names of all pages, one a line, instead of printing one
        #[arg(long, conflicts_with = "page")]
        list: bool,
    },
    /// Print the completion script of a shell (bash, zsh, fish, elvish, powershell)
    Completions {
        #[arg(value_enum)]
        shell: Shell,
    },
}

/// The page name of the whole program, `jijiao(1)`.
pub const MAIN_PAGE: &str = "jijiao";

/// Runs `jijiao generate …`: prints the page or script on standard output; exit 0, or a
/// [`Failure`] naming an unknown page or a write that failed (a closed pipe, a full disk).
pub fn run(what: &Generate, lang: Lang) -> Result<u8, Failure> {
    let mut text = Vec::new();
    match what {
        Generate::Man { list: true, .. } => {
            for name in page_names() {
                text.extend_from_slice(name.as_bytes());
                text.push(b'\n');
            }
        }
        Generate::Man { page, .. } => man_page(page, &mut text).map_err(|e| e.fail(lang))?,
        Generate::Completions { shell } => completions(*shell, &mut text),
    }
    let mut out = std::io::stdout().lock();
    out.write_all(&text)
        .and_then(|()| out.flush())
        .map_err(|e| {
            Failure(match lang {
                Lang::Zh => format!("无法写出生成的文本：{e}"),
                Lang::En => format!("cannot write the generated text: {e}"),
            })
        })?;
    Ok(EXIT_OK)
}

/// The command as clap parses it, built, so every sub-command carries its page name
/// (`jijiao-import`) as its display name.
fn built_command() -> clap::Command {
    let mut cmd = Cli::command().disable_help_subcommand(true);
    cmd.build();
    cmd
}

/// Every visible command and sub-command, depth first, parents before children: the page names
/// `jijiao`, `jijiao-demo`, …, `jijiao-audit`, `jijiao-audit-verify`. Hidden commands get no
/// page.
pub fn page_names() -> Vec<String> {
    fn walk(cmd: &clap::Command, names: &mut Vec<String>) {
        names.push(page_name(cmd));
        for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
            walk(sub, names);
        }
    }
    let mut names = Vec::new();
    walk(&built_command(), &mut names);
    names
}

fn page_name(cmd: &clap::Command) -> String {
    cmd.get_display_name()
        .unwrap_or_else(|| cmd.get_name())
        .to_string()
}

/// A man page that is not among [`page_names`].
#[derive(Debug)]
pub struct UnknownPage(pub String);

impl UnknownPage {
    fn fail(&self, lang: Lang) -> Failure {
        let known = page_names().join(", ");
        let page = crate::domain::text::clean_line(&self.0);
        Failure(match lang {
            Lang::Zh => format!("没有名为“{page}”的手册页；可用的有：{known}"),
            Lang::En => format!("there is no man page \"{page}\"; the pages are: {known}"),
        })
    }
}

/// Renders the man page `name` (see [`page_names`]) as roff into `out`. The main page adds what
/// the option list cannot say: the environment, the files of a system install, the
/// set-group-id deployment and the exit statuses.
pub fn man_page(name: &str, out: &mut Vec<u8>) -> Result<(), UnknownPage> {
    fn find(cmd: &clap::Command, name: &str) -> Option<clap::Command> {
        if page_name(cmd) == name {
            return Some(cmd.clone());
        }
        cmd.get_subcommands()
            .filter(|s| !s.is_hide_set())
            .find_map(|s| find(s, name))
    }
    let cmd = find(&built_command(), name).ok_or_else(|| UnknownPage(name.to_string()))?;
    let man = clap_mangen::Man::new(cmd)
        .manual("jijiao manual")
        .source(concat!("jijiao ", env!("CARGO_PKG_VERSION")));
    if name != MAIN_PAGE {
        // Rendering into a Vec cannot fail: io::Write for Vec never returns an error.
        let _ = man.render(out);
        out.extend_from_slice(b".SH \"SEE ALSO\"\n\\fBjijiao\\fR(1)\n");
        return Ok(());
    }
    // The main page: the generated sections, ours before the version as man pages order them.
    let _ = man.render_title(out);
    let _ = man.render_name_section(out);
    let _ = man.render_synopsis_section(out);
    let _ = man.render_description_section(out);
    let _ = man.render_options_section(out);
    let _ = man.render_subcommands_section(out);
    out.extend_from_slice(MAIN_PAGE_SECTIONS.as_bytes());
    let _ = man.render_version_section(out);
    Ok(())
}

/// Renders the completion script of `shell` for the program named `jijiao` into `out`.
pub fn completions(shell: Shell, out: &mut Vec<u8>) {
    clap_complete::generate(shell, &mut Cli::command(), "jijiao", out);
}

/// The sections of jijiao(1) after the generated ones, in roff. They describe the deployment of
/// `packaging/` and README.md ("Deployment"); keep the three in step.
const MAIN_PAGE_SECTIONS: &str = r#".SH "EXIT STATUS"
.TP
\fB0\fR
success; \fBcheck\fR passes; \fBaudit verify\fR finds the trail intact
.TP
\fB1\fR
\fBcheck\fR does not pass; \fBissue\fR is refused; \fBaudit verify\fR finds tampering
.TP
\fB2\fR
an error: the message on standard error names what was wrong and what is expected
.SH ENVIRONMENT
.TP
\fBJIJIAO_DB\fR, \fBJIJIAO_CONFIG\fR, \fBJIJIAO_USER\fR, \fBJIJIAO_LANG\fR
the same as \fB\-\-db\fR, \fB\-\-config\fR, \fB\-\-user\fR and \fB\-\-lang\fR.
.TP
\fBJIJIAO_TODAY\fR
act as if today were this date (tests and training).
.TP
\fBJIJIAO_SYSTEM_CONFIG\fR
read this file instead of \fI/etc/jijiao/config.toml\fR (tests).
.PP
In a set\-group\-id run (the installed \fI/usr/bin/jijiao\fR) \fB\-\-db\fR, \fB\-\-config\fR,
\fB\-\-user\fR, \fBJIJIAO_CONFIG\fR, \fBJIJIAO_USER\fR, \fBJIJIAO_TODAY\fR and
\fBJIJIAO_SYSTEM_CONFIG\fR are refused: the clerk is the login of the real user id, never
\fBUSER\fR or \fBLOGNAME\fR, and the database is the one the system configuration names.
.SH FILES
.TP
\fI/etc/jijiao/config.toml\fR
the system configuration: \fB[roles]\fR (clerk, reviewer, issuer, admin), \fB[policy]\fR,
\fB[database] path\fR, \fB[audit]\fR, and the office, printer and pre\-printed form settings.
A user's configuration may add printer and display settings, never roles, policy, database or
audit settings.
.TP
\fI/etc/jijiao/audit.key\fR
the key of the audit trail's keyed hash, \fBroot:jijiao\fR mode 0640.
.TP
\fI/var/lib/jijiao/jijiao.sqlite\fR
the shared database with its \fI\-wal\fR and \fI\-shm\fR files, all created by the package
\fBroot:jijiao\fR mode 0660 in a folder \fBroot:jijiao\fR mode 3770 that clerks cannot enter: only
the program, set\-group\-id \fBjijiao\fR, reads and writes them. Do not run the program as root
there: root may remove the \fI\-wal\fR and \fI\-shm\fR files, and whoever runs next would own new
ones (\fBdpkg\-reconfigure jijiao\fR creates them again).
.TP
\fI/var/lib/jijiao/anchors.log\fR
the append\-only log of audit trail heads written by \fBjijiao audit anchor\fR.
.TP
\fI/var/lib/jijiao/backups/\fR
the nightly copies written by \fBjijiao\-nightly.service\fR (started by \fBjijiao\-nightly.timer\fR)
as the system account \fBjijiao\-nightly\fR.
.TP
\fI~/.config/jijiao/config.toml\fR, \fI~/.local/share/jijiao/jijiao.sqlite\fR
the configuration and database of a personal (not set\-group\-id) install.
.SH "SEE ALSO"
\fBsqlite3\fR(1), \fBsystemd.timer\fR(5), \fBdpkg\-statoverride\fR(8)
"#;

#[cfg(test)]
mod tests {
    use super::*;

    fn page(name: &str) -> String {
        let mut out = Vec::new();
        man_page(name, &mut out).expect("known page");
        String::from_utf8(out).expect("roff is UTF-8")
    }

    #[test]
    fn every_subcommand_has_a_page_and_help_has_none() {
        let names = page_names();
        assert_eq!(names.first().map(String::as_str), Some(MAIN_PAGE));
        for expected in [
            "jijiao-demo",
            "jijiao-import",
            "jijiao-check",
            "jijiao-issue",
            "jijiao-print",
            "jijiao-void",
            "jijiao-reissue",
            "jijiao-audit",
            "jijiao-audit-verify",
            "jijiao-backup",
            "jijiao-generate-man",
        ] {
            assert!(
                names.iter().any(|n| n == expected),
                "{expected} in {names:?}"
            );
        }
        assert!(!names.iter().any(|n| n.ends_with("-help")), "{names:?}");
    }

    #[test]
    fn the_main_page_lists_the_commands_and_the_set_group_id_files() {
        let text = page(MAIN_PAGE);
        assert!(text.contains(".TH jijiao 1"), "{text}");
        assert_eq!(text.matches(".TH ").count(), 1, "one title: {text}");
        let files = text.find(".SH FILES").expect("FILES");
        assert!(files < text.find(".SH VERSION").expect("VERSION"), "{text}");
        for sub in ["import", "check", "issue", "print", "audit", "backup"] {
            assert!(
                text.contains(&format!("jijiao\\-{sub}(1)")),
                "{sub}: {text}"
            );
        }
        assert!(text.contains("/etc/jijiao/config.toml"));
        assert!(text.contains("/var/lib/jijiao/jijiao.sqlite"));
        assert!(text.contains("set\\-group\\-id"));
        // A page generated from clap: the global options are there with their help.
        assert!(text.contains("\\-\\-db"), "{text}");
    }

    #[test]
    fn a_subcommand_page_shows_its_own_options_and_points_to_the_main_page() {
        let text = page("jijiao-import");
        assert!(text.contains("\\-\\-dry\\-run"), "{text}");
        assert!(text.contains("\\-\\-batch"), "{text}");
        assert!(text.contains("\\fBjijiao\\fR(1)"), "{text}");
        assert!(!text.contains("/etc/jijiao/audit.key"), "{text}");
    }

    #[test]
    fn an_unknown_page_is_refused_with_the_known_ones_in_both_languages() {
        let err = man_page("jijiao-frobnicate", &mut Vec::new()).expect_err("unknown");
        let Failure(en) = err.fail(Lang::En);
        assert!(en.contains("\"jijiao-frobnicate\""), "{en}");
        assert!(en.contains("jijiao-import"), "{en}");
        let Failure(zh) = err.fail(Lang::Zh);
        assert!(zh.contains("没有名为“jijiao-frobnicate”的手册页"), "{zh}");
    }

    #[test]
    fn completions_offer_the_subcommands_and_their_options() {
        for shell in [Shell::Bash, Shell::Zsh, Shell::Fish] {
            let mut out = Vec::new();
            completions(shell, &mut out);
            let text = String::from_utf8(out).expect("UTF-8");
            for word in [
                "import", "check", "issue", "audit", "verify", "dry-run", "zsh",
            ] {
                assert!(text.contains(word), "{shell:?} lacks {word}");
            }
        }
    }
}
