//! Deployment (issue 9, R5.5): the set-group-id install in which a clerk acts only as themself
//! and reaches the records only through the program, tried with two real accounts — once with
//! the freshly built binary in a temporary prefix, once with the installed package — and the
//! package's own files.
//!
//! These tests need root (accounts, `chown root:jijiao`, mounts). Run otherwise, each says why it
//! did not run and passes; with `JIJIAO_DEPLOY_TESTS=required` (set by `.ci/run`) a missing
//! prerequisite fails instead. Each run of the program happens in a private mount namespace
//! (`unshare --mount`) in which the test's own `/etc/jijiao` (and, for the package,
//! `/var/lib/jijiao`) is bind-mounted over the real one: the program reads its fixed system
//! paths as on a bureau server, and the machine's own configuration is never changed, not even
//! for a moment, while other tests or clerks use it.

mod common;

use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt, chown};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

use common::{people_csv, person_id};

/// The multi-user tests create accounts and may create the group: one at a time.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

const GROUP: &str = "jijiao";
const INSTALLED: &str = "/usr/bin/jijiao";

fn required() -> bool {
    std::env::var("JIJIAO_DEPLOY_TESTS").is_ok_and(|v| v == "required")
}

/// Says why a test did not run; fails it where the deployment tests are required (CI).
fn not_run(why: &str) {
    assert!(
        !required(),
        "JIJIAO_DEPLOY_TESTS=required, but the deployment test cannot run: {why}"
    );
    eprintln!("deployment test not run: {why}");
}

/// What a command did.
struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run(cmd: &mut Command) -> Out {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    Out {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs a set-up command that must succeed.
fn must(cmd: &mut Command) -> String {
    let out = run(cmd);
    assert_eq!(
        out.code, 0,
        "{cmd:?} failed\n--- stdout\n{}\n--- stderr\n{}",
        out.stdout, out.stderr
    );
    out.stdout
}

fn sh(script: &str) -> Out {
    run(Command::new("sh").args(["-c", script]))
}

fn is_root() -> bool {
    fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

/// Why the multi-user tests cannot run here, if they cannot.
fn missing_prerequisite() -> Option<String> {
    if !is_root() {
        return Some(
            "it needs root to create accounts, install a set-group-id binary and mount \
             (run as root, as .ci/run does)"
                .into(),
        );
    }
    for tool in [
        "useradd", "userdel", "groupadd", "runuser", "unshare", "mount", "getent", "sqlite3",
    ] {
        if sh(&format!("command -v {tool}")).code != 0 {
            return Some(format!("{tool} is not installed (.ci/run installs it)"));
        }
    }
    let ns = run(Command::new("unshare").args(["--mount", "--propagation", "private", "true"]));
    if ns.code != 0 {
        return Some(format!(
            "unshare --mount failed, so the test cannot give the program its own /etc/jijiao: {}",
            ns.stderr.trim()
        ));
    }
    None
}

/// The group `jijiao`, created for the test when the package has not created it.
struct Group {
    gid: u32,
    created: bool,
}

impl Group {
    fn ensure() -> Group {
        let created = sh(&format!("getent group {GROUP}")).code != 0;
        if created {
            must(Command::new("groupadd").args(["--system", GROUP]));
        }
        let line = must(Command::new("getent").args(["group", GROUP]));
        let gid = line
            .split(':')
            .nth(2)
            .and_then(|g| g.trim().parse().ok())
            .unwrap_or_else(|| panic!("getent group {GROUP}: {line}"));
        Group { gid, created }
    }
}

impl Drop for Group {
    fn drop(&mut self) {
        if self.created {
            let _ = Command::new("groupdel").arg(GROUP).status();
        }
    }
}

/// Two ordinary accounts with unique names (not in the group `jijiao`), removed at the end.
struct Accounts {
    a: String,
    b: String,
}

impl Accounts {
    fn create(tag: &str) -> Accounts {
        let pid = std::process::id();
        let accounts = Accounts {
            a: format!("jj{tag}{pid}a"),
            b: format!("jj{tag}{pid}b"),
        };
        for name in [&accounts.a, &accounts.b] {
            must(Command::new("useradd").args(["-m", "-s", "/bin/sh", name]));
        }
        accounts
    }
}

impl Drop for Accounts {
    fn drop(&mut self) {
        for name in [&self.a, &self.b] {
            let _ = Command::new("userdel")
                .args(["-r", name])
                .stderr(std::process::Stdio::null())
                .status();
        }
    }
}

/// A folder the test accounts may enter (a temporary directory is 0700).
fn open_dir(path: &Path) {
    fs::create_dir_all(path).expect("folder");
    fs::set_permissions(path, fs::Permissions::from_mode(0o755)).expect("chmod 0755");
}

fn set_mode(path: &Path, uid: u32, gid: u32, mode: u32) {
    // chown first: changing the owner clears the set-group-id bit.
    chown(path, Some(uid), Some(gid)).expect("chown");
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).expect("chmod");
}

/// The database folder as the package's postinst makes it: `root:jijiao 3770` (set-group-id so
/// every file is in the group, sticky so no clerk's run can remove a root-owned file), holding
/// the database, its `-wal` and `-shm` and the anchor log created by root, `0660`.
fn database_folder(dir: &Path, gid: u32) {
    fs::create_dir_all(dir).expect("database folder");
    set_mode(dir, 0, gid, 0o3770);
    for name in DB_FILES.iter().chain(["anchors.log"].iter()) {
        let file = dir.join(name);
        fs::write(&file, b"").expect("empty file");
        set_mode(&file, 0, gid, 0o660);
    }
    let backups = dir.join("backups");
    fs::create_dir_all(&backups).expect("backups");
    set_mode(&backups, 0, gid, 0o2770);
}

const DB_FILES: [&str; 3] = ["jijiao.sqlite", "jijiao.sqlite-wal", "jijiao.sqlite-shm"];

/// Where and how the program runs: which binary, and what is bind-mounted over the system
/// paths in its private mount namespace.
struct Site {
    program: PathBuf,
    binds: Vec<(PathBuf, PathBuf)>,
}

impl Site {
    /// Runs `program args` as `user` (through `runuser`, with a clean environment plus `env`) in
    /// a private mount namespace holding this site's binds.
    fn run_as(&self, user: &str, env: &[(&str, &str)], program: &Path, args: &[&str]) -> Out {
        let mut script = String::new();
        for (from, onto) in &self.binds {
            script.push_str(&format!(
                "mount --bind '{}' '{}' || exit 97\n",
                from.display(),
                onto.display()
            ));
        }
        script.push_str("exec runuser -u \"$0\" -- env -i \"$@\"");
        let mut cmd = Command::new("unshare");
        cmd.args(["--mount", "--propagation", "private", "--", "sh", "-c"])
            .arg(script)
            .arg(user)
            .arg("PATH=/usr/sbin:/usr/bin:/sbin:/bin")
            .arg(format!("HOME=/home/{user}"))
            .arg(format!("USER={user}"))
            .arg(format!("LOGNAME={user}"))
            .arg("LANG=C.UTF-8");
        for (k, v) in env {
            cmd.arg(format!("{k}={v}"));
        }
        cmd.arg(program).args(args);
        let out = run(&mut cmd);
        assert_ne!(out.code, 97, "bind mount failed: {}", out.stderr);
        out
    }

    /// The program, in English, as `user`.
    fn jijiao(&self, user: &str, env: &[(&str, &str)], args: &[&str]) -> Out {
        let mut all = vec!["--lang", "en"];
        all.extend_from_slice(args);
        self.run_as(user, env, &self.program, &all)
    }

    /// A shell command as `user`, seeing the same paths as the program.
    fn shell(&self, user: &str, script: &str) -> Out {
        self.run_as(user, &[], Path::new("/bin/sh"), &["-c", script])
    }
}

/// Collects every broken promise of a run, so one run reports all of them, not the first.
#[derive(Default)]
struct Findings(Vec<String>);

impl Findings {
    fn check(&mut self, ok: bool, what: impl Into<String>) {
        if !ok {
            self.0.push(what.into());
        }
    }

    fn refused(&mut self, out: &Out, names: &str, what: &str) {
        self.check(
            out.code == 2 && out.stderr.contains(names),
            format!(
                "{what}: expected exit 2 and a message naming {names}, got exit {}: {}{}",
                out.code,
                out.stderr.trim(),
                out.stdout.trim()
            ),
        );
    }

    fn done(self, site: &str) {
        assert!(
            self.0.is_empty(),
            "{site}: {} promise(s) broken:\n- {}",
            self.0.len(),
            self.0.join("\n- ")
        );
    }
}

/// The audit trail's clerks in order, read by root without checkpointing (a read-only
/// connection never removes the `-wal` and `-shm`); an error when the table is not there.
fn trail_users(db: &Path) -> Result<Vec<String>, String> {
    let conn =
        rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .map_err(|e| e.to_string())?;
    let mut stmt = conn
        .prepare("SELECT user FROM audit ORDER BY id")
        .map_err(|e| e.to_string())?;
    let rows = stmt
        .query_map([], |r| r.get::<_, String>(0))
        .map_err(|e| e.to_string())?;
    rows.collect::<Result<Vec<_>, _>>()
        .map_err(|e| e.to_string())
}

fn people_count(db: &Path, id: &str) -> i64 {
    rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
        .and_then(|c| {
            c.query_row(
                "SELECT count(*) FROM people WHERE id_number = ?1",
                [id],
                |r| r.get(0),
            )
        })
        .unwrap_or(-1)
}

/// The system configuration of a multi-user test: both accounts hold every role (maker–checker
/// is another test's subject); `extra` adds the tables that say where the files are.
fn system_config(accounts: &Accounts, extra: &str) -> String {
    let (a, b) = (&accounts.a, &accounts.b);
    format!(
        "[roles]\nclerk = [\"{a}\", \"{b}\"]\nreviewer = [\"{a}\", \"{b}\"]\n\
         issuer = [\"{a}\", \"{b}\"]\nadmin = [\"{a}\", \"jijiao-nightly\"]\n\
         [policy]\none_person_may_check = true\n{extra}\
         [office]\nname = \"长沙\"\nphone = \"0731-88888888\"\n"
    )
}

/// The promises of issue 9 for two clerks on one site, each broken one in the findings. `db` is
/// the database as root sees it from outside the namespace, `db_seen` as the program and the
/// clerks see it.
fn two_clerks(
    site: &Site,
    accounts: &Accounts,
    gid: u32,
    db: &Path,
    db_seen: &Path,
    work: &Path,
) -> Findings {
    let (a, b) = (accounts.a.as_str(), accounts.b.as_str());
    let mut f = Findings::default();
    let roster = |name: &str, ids: &[u32]| {
        let rows: Vec<(String, String)> = ids
            .iter()
            .map(|&n| (person_id(n), format!("测试{n}")))
            .collect();
        let rows: Vec<(&str, &str)> = rows.iter().map(|(i, n)| (i.as_str(), n.as_str())).collect();
        let path = work.join(name);
        fs::write(&path, people_csv(&rows)).expect("roster");
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).expect("chmod");
        path.display().to_string()
    };
    let first = roster("first.csv", &[1, 2]);
    let second = roster("second.csv", &[3]);
    let never = roster("never.csv", &[4]);

    // R5.5 The clerk is the real user id: USER and LOGNAME naming the other clerk change nothing.
    let out = site.jijiao(
        a,
        &[("USER", b), ("LOGNAME", b)],
        &["import", "people", &first],
    );
    f.check(
        out.code == 0,
        format!("{a} imports: exit {} {}", out.code, out.stderr),
    );
    let after_a = trail_users(db);
    match &after_a {
        Ok(users) => f.check(
            !users.is_empty() && users.iter().all(|u| u == a),
            format!("the trail after {a}'s import with USER={b} names {users:?}, not only {a}"),
        ),
        Err(e) => f.check(
            false,
            format!("{a}'s import did not reach {}: {e}", db_seen.display()),
        ),
    }
    let out = site.jijiao(
        b,
        &[("USER", a), ("LOGNAME", a)],
        &["import", "people", &second],
    );
    f.check(
        out.code == 0,
        format!("{b} imports: exit {} {}", out.code, out.stderr),
    );
    let before = after_a.as_ref().map_or(0, Vec::len);
    match trail_users(db) {
        Ok(users) => f.check(
            users.len() > before && users[before..].iter().all(|u| u == b),
            format!(
                "the trail after {b}'s import with USER={a} names {:?}",
                users.get(before..)
            ),
        ),
        Err(e) => f.check(
            false,
            format!("{b}'s import did not reach the database: {e}"),
        ),
    }
    let trail_len = trail_users(db).map_or(0, |u| u.len());

    // Acting as another, or pointing the program at another file or configuration, is refused.
    let refused =
        |f: &mut Findings, user: &str, env: &[(&str, &str)], pre: &[&str], names: &str| {
            let mut args = pre.to_vec();
            args.extend_from_slice(&["import", "people", &never]);
            let out = site.jijiao(user, env, &args);
            f.refused(&out, names, &format!("{user} with {env:?} {pre:?}"));
        };
    refused(&mut f, b, &[], &["--user", a], "--user");
    refused(&mut f, b, &[("JIJIAO_USER", a)], &[], "JIJIAO_USER");
    let elsewhere = work.join("elsewhere");
    let other_db = elsewhere.join("other.sqlite").display().to_string();
    refused(&mut f, a, &[], &["--db", &other_db], "--db");
    refused(&mut f, a, &[("JIJIAO_DB", &other_db)], &[], "JIJIAO_DB");
    f.check(
        !elsewhere.join("other.sqlite").exists(),
        "--db / JIJIAO_DB created a database elsewhere",
    );
    // A configuration a clerk writes, naming only the other clerk as a role holder.
    let own = work.join("own.toml");
    fs::write(&own, format!("[roles]\nclerk = [\"{b}\"]\n")).expect("own config");
    let own = own.display().to_string();
    refused(&mut f, a, &[], &["--config", &own], "--config");
    refused(&mut f, a, &[("JIJIAO_CONFIG", &own)], &[], "JIJIAO_CONFIG");
    refused(
        &mut f,
        a,
        &[("JIJIAO_SYSTEM_CONFIG", &own)],
        &[],
        "JIJIAO_SYSTEM_CONFIG",
    );
    refused(
        &mut f,
        a,
        &[("JIJIAO_TODAY", "2017-07-15")],
        &[],
        "JIJIAO_TODAY",
    );
    f.check(
        people_count(db, &person_id(4)) == 0,
        "a refused run still imported person 4",
    );
    f.check(
        trail_users(db).map_or(0, |u| u.len()) == trail_len,
        "a refused run wrote to the audit trail",
    );

    // Neither clerk can open the database, its -wal and -shm, or the folder, except through the
    // program: not with sqlite3, not by reading, not by appending.
    let dir = db_seen.parent().expect("folder");
    for user in [a, b] {
        let out = site.shell(user, &format!("ls '{}'", dir.display()));
        f.check(
            out.code != 0 && out.stderr.contains("Permission denied"),
            format!("{user} lists the database folder: {}", out.stdout.trim()),
        );
        for name in DB_FILES.iter().chain(["anchors.log"].iter()) {
            let file = dir.join(name);
            for (how, script) in [
                ("reads", format!("cat '{}' >/dev/null", file.display())),
                ("appends to", format!(": >>'{}'", file.display())),
            ] {
                let out = site.shell(user, &script);
                f.check(
                    out.code != 0 && out.stderr.contains("Permission denied"),
                    format!("{user} {how} {name} directly (exit {})", out.code),
                );
            }
        }
        let out = site.shell(
            user,
            &format!("sqlite3 '{}' 'DELETE FROM audit'", db_seen.display()),
        );
        f.check(
            out.code != 0,
            format!("{user} opened the database with sqlite3: {}", out.stdout),
        );
    }

    // No program of the clerk's choosing runs with the program's group: `audit anchor` (an
    // admin's act; the other clerk is refused) calls the system's logger, not one on PATH.
    let evil = work.join("evil");
    fs::create_dir_all(&evil).expect("evil");
    fs::set_permissions(&evil, fs::Permissions::from_mode(0o777)).expect("chmod");
    let ran = evil.join("ran");
    fs::write(
        evil.join("logger"),
        format!("#!/bin/sh\ntouch '{}'\n", ran.display()),
    )
    .expect("fake logger");
    fs::set_permissions(evil.join("logger"), fs::Permissions::from_mode(0o755)).expect("chmod");
    let path = format!("{}:/usr/bin:/bin", evil.display());
    let out = site.jijiao(&accounts.a, &[("PATH", &path)], &["audit", "anchor"]);
    f.check(
        !ran.exists(),
        format!(
            "audit anchor ran the logger on the clerk's PATH (exit {})",
            out.code
        ),
    );
    let out = site.jijiao(&accounts.b, &[], &["audit", "anchor"]);
    f.check(
        out.code != 0,
        format!(
            "{} (no admin) anchored the trail: {}",
            accounts.b, out.stdout
        ),
    );

    // What the program writes where a clerk names a file is written with the clerk's rights:
    // a print cannot overwrite the anchor log or the database.
    for name in ["anchors.log", DB_FILES[0]] {
        let outside = db.with_file_name(name);
        let before = fs::read(&outside).unwrap_or_default();
        let target = dir.join(name).display().to_string();
        for how in [
            vec!["print", "--alignment", "--to", target.as_str()],
            vec!["print", "--alignment", "--printer"],
        ] {
            let mut args = how.clone();
            let file_dest = format!("file:{target}");
            if args.len() == 3 {
                args.push(&file_dest);
            }
            let out = site.jijiao(&accounts.a, &[], &args);
            f.check(
                out.code != 0 && fs::read(&outside).unwrap_or_default() == before,
                format!(
                    "{} {args:?} overwrote {name} (exit {})",
                    accounts.a, out.code
                ),
            );
        }
    }

    // The files stay root's, in the group, without world access: no clerk became the owner of
    // one (an owner may always open and chmod it), and SQLite could not remove -wal and -shm.
    for name in DB_FILES {
        match fs::metadata(db.with_file_name(name)) {
            Ok(m) => f.check(
                m.uid() == 0 && m.gid() == gid && m.mode() & 0o777 == 0o660,
                format!(
                    "{name} is uid {} gid {} mode {:o}, expected root:{GROUP} 0660",
                    m.uid(),
                    m.gid(),
                    m.mode() & 0o7777
                ),
            ),
            Err(e) => f.check(false, format!("{name} is gone after the clerks' runs: {e}")),
        }
    }
    f.check(
        trail_users(db).is_ok_and(|u| u.len() == trail_len),
        "the trail cannot be read after the checks, or root's read-only look changed it",
    );
    f
}

/// Builds the freshly built binary into a temporary prefix as the package installs it and
/// shows the promises of issue 9 with two new accounts (R5.5).
#[test]
fn two_clerks_on_a_set_group_id_install_in_a_temporary_prefix_act_only_as_themselves() {
    if let Some(why) = missing_prerequisite() {
        return not_run(&why);
    }
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let group = Group::ensure();
    let accounts = Accounts::create("p");

    let base = tempfile::Builder::new()
        .prefix("jijiao-deploy-")
        .tempdir_in("/tmp")
        .expect("temporary prefix");
    let root = base.path();
    open_dir(root);
    let bin = root.join("usr/bin");
    open_dir(&bin);
    let program = bin.join("jijiao");
    fs::copy(env!("CARGO_BIN_EXE_jijiao"), &program).expect("install the binary");
    set_mode(&program, 0, group.gid, 0o2755);
    let etc = root.join("etc/jijiao");
    open_dir(&etc);
    let key = etc.join("audit.key");
    fs::write(&key, format!("{}\n", "5a".repeat(32))).expect("key");
    set_mode(&key, 0, group.gid, 0o640);
    let var = root.join("var/lib/jijiao");
    open_dir(var.parent().expect("var/lib"));
    database_folder(&var, group.gid);
    let db = var.join("jijiao.sqlite");
    let work = root.join("work");
    open_dir(&work);
    let elsewhere = work.join("elsewhere");
    fs::create_dir_all(&elsewhere).expect("elsewhere");
    fs::set_permissions(&elsewhere, fs::Permissions::from_mode(0o1777)).expect("chmod");
    let extra = format!(
        "[database]\npath = \"{}\"\n[audit]\nkey_file = \"{}\"\nanchor_log = \"{}\"\n",
        db.display(),
        key.display(),
        var.join("anchors.log").display()
    );
    fs::write(etc.join("config.toml"), system_config(&accounts, &extra)).expect("config");

    // The program reads /etc/jijiao/config.toml: the test's folder is mounted over /etc/jijiao
    // in the namespace only, so a mount point must exist.
    let made_etc = !Path::new("/etc/jijiao").exists();
    if made_etc {
        fs::create_dir("/etc/jijiao").expect("mount point /etc/jijiao");
    }
    let site = Site {
        program,
        binds: vec![(etc.clone(), PathBuf::from("/etc/jijiao"))],
    };
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let mut f = two_clerks(&site, &accounts, group.gid, &db, &db, &work);
        // The key is the program's alone.
        for user in [&accounts.a, &accounts.b] {
            let out = site.shell(user, "cat /etc/jijiao/audit.key");
            f.check(
                out.code != 0 && out.stderr.contains("Permission denied"),
                format!("{user} reads the audit key"),
            );
        }
        f.done("the freshly built binary, set-group-id in a temporary prefix");
    }));
    if made_etc {
        let _ = fs::remove_dir("/etc/jijiao");
    }
    if let Err(panic) = result {
        std::panic::resume_unwind(panic);
    }
}

fn package_installed() -> bool {
    sh("dpkg-query -W -f='${Status}' jijiao 2>/dev/null").stdout == "install ok installed"
}

/// The same promises against the installed package: `/usr/bin/jijiao` from `dpkg -i` with its
/// default paths (`/var/lib/jijiao/jijiao.sqlite`, `/etc/jijiao/audit.key`), the test's folder
/// and configuration mounted over `/var/lib/jijiao` and `/etc/jijiao/config.toml`. Also the
/// package's own files as postinst left them, and the nightly job run as its unit says.
#[test]
fn two_clerks_on_the_installed_package_act_only_as_themselves() {
    if let Some(why) = missing_prerequisite() {
        return not_run(&why);
    }
    if !package_installed() {
        return not_run("the package jijiao is not installed (.ci/run builds and installs it)");
    }
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let group = Group::ensure();
    assert!(
        !group.created,
        "the package did not create the group {GROUP}"
    );
    let mut f = Findings::default();

    // What postinst made: the group has no members; owners and modes.
    let members = must(Command::new("getent").args(["group", GROUP]));
    f.check(
        members.trim_end().ends_with(':'),
        format!("the group has members: {members}"),
    );
    for (path, mode) in [
        (INSTALLED, 0o2755),
        ("/var/lib/jijiao", 0o3770),
        ("/var/lib/jijiao/backups", 0o2770),
        ("/var/lib/jijiao/jijiao.sqlite", 0o660),
        ("/var/lib/jijiao/anchors.log", 0o660),
        ("/etc/jijiao/config.toml", 0o644),
        ("/etc/jijiao/audit.key", 0o640),
    ] {
        match fs::metadata(path) {
            Ok(m) => f.check(
                m.uid() == 0 && m.gid() == group.gid && m.mode() & 0o7777 == mode,
                format!(
                    "{path} is uid {} gid {} mode {:o}, expected root:{GROUP} {mode:o}",
                    m.uid(),
                    m.gid(),
                    m.mode() & 0o7777
                ),
            ),
            Err(e) => f.check(false, format!("{path}: {e}")),
        }
    }
    let key = fs::read_to_string("/etc/jijiao/audit.key").unwrap_or_default();
    f.check(
        key.trim().len() == 64 && key.trim().bytes().all(|c| c.is_ascii_hexdigit()),
        "the audit key is not 32 random bytes in hexadecimal",
    );
    f.check(
        sh("getent passwd jijiao-nightly").code == 0,
        "postinst did not create the account jijiao-nightly",
    );
    // Its primary group is jijiao (it writes the nightly copies with its own rights); the group
    // still lists no member, so no person is in it.
    f.check(
        sh("id -gn jijiao-nightly").stdout.trim() == GROUP,
        "jijiao-nightly's primary group is not jijiao",
    );
    f.done("the installed package's files");

    let accounts = Accounts::create("i");
    let base = tempfile::Builder::new()
        .prefix("jijiao-deploy-")
        .tempdir_in("/tmp")
        .expect("temporary folder");
    let root = base.path();
    open_dir(root);
    let var = root.join("var-lib-jijiao");
    database_folder(&var, group.gid);
    let config = root.join("config.toml");
    fs::write(&config, system_config(&accounts, "")).expect("config");
    fs::set_permissions(&config, fs::Permissions::from_mode(0o644)).expect("chmod");
    let work = root.join("work");
    open_dir(&work);
    let elsewhere = work.join("elsewhere");
    fs::create_dir_all(&elsewhere).expect("elsewhere");
    fs::set_permissions(&elsewhere, fs::Permissions::from_mode(0o1777)).expect("chmod");

    let site = Site {
        program: PathBuf::from(INSTALLED),
        binds: vec![
            (var.clone(), PathBuf::from("/var/lib/jijiao")),
            (config, PathBuf::from("/etc/jijiao/config.toml")),
        ],
    };
    let db = var.join("jijiao.sqlite");
    let mut f = two_clerks(
        &site,
        &accounts,
        group.gid,
        &db,
        Path::new("/var/lib/jijiao/jijiao.sqlite"),
        &work,
    );

    // The nightly job, each ExecStart of the installed unit as its account: an anchor appended,
    // a backup written.
    let unit = fs::read_to_string("/usr/lib/systemd/system/jijiao-nightly.service")
        .or_else(|_| fs::read_to_string("/lib/systemd/system/jijiao-nightly.service"))
        .expect("the installed jijiao-nightly.service");
    for line in unit.lines().filter_map(|l| l.strip_prefix("ExecStart=")) {
        let line = line.replace("%%", "%");
        let out = site.run_as("jijiao-nightly", &[], Path::new("/bin/sh"), &["-c", &line]);
        f.check(
            out.code == 0,
            format!(
                "the nightly job's `{line}`: exit {} {}",
                out.code, out.stderr
            ),
        );
    }
    f.check(
        fs::metadata(var.join("anchors.log")).is_ok_and(|m| m.len() > 0),
        "the nightly job appended no anchor",
    );
    let backups = fs::read_dir(var.join("backups")).map_or(0, |d| d.count());
    f.check(
        backups == 1,
        format!("the nightly job left {backups} backups"),
    );
    f.done("the installed /usr/bin/jijiao");
}

/// The package's units are valid systemd units, and the timer runs the service nightly, also
/// after a night the server was off.
#[test]
fn the_nightly_timer_and_service_are_valid_units() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("packaging/debian");
    let timer = fs::read_to_string(dir.join("jijiao-nightly.timer")).expect("timer");
    let service = fs::read_to_string(dir.join("jijiao-nightly.service")).expect("service");
    assert!(timer.contains("\nOnCalendar=*-*-* 02:30:00\n"), "{timer}");
    assert!(timer.contains("\nPersistent=true\n"), "{timer}");
    assert!(timer.contains("\nWantedBy=timers.target\n"), "{timer}");
    let exec: Vec<&str> = service
        .lines()
        .filter_map(|l| l.strip_prefix("ExecStart="))
        .collect();
    assert_eq!(exec.len(), 2, "{service}");
    assert_eq!(exec[0], "/usr/bin/jijiao audit anchor", "anchor first");
    assert!(
        exec[1].contains(
            "/usr/bin/jijiao backup \"/var/lib/jijiao/backups/jijiao-$(date +%%Y-%%m-%%d).sqlite\""
        ),
        "{}",
        exec[1]
    );
    assert!(
        service.contains("\nUser=jijiao-nightly\n"),
        "not root: {service}"
    );
    // systemd's own check, where systemd is installed (it needs the binary the units name).
    if sh("command -v systemd-analyze").code == 0 && Path::new(INSTALLED).exists() {
        let out = run(Command::new("systemd-analyze")
            .arg("verify")
            .arg(dir.join("jijiao-nightly.timer"))
            .arg(dir.join("jijiao-nightly.service")));
        assert_eq!(out.code, 0, "systemd-analyze verify: {}", out.stderr);
        assert!(!out.stderr.contains("jijiao-nightly"), "{}", out.stderr);
    } else {
        not_run("systemd-analyze verify needs systemd and the installed /usr/bin/jijiao");
    }
}

/// The example `/etc/jijiao/config.toml` changes nothing as installed (every setting
/// commented), and each setting it shows, uncommented, is well-formed TOML in the tables the
/// contract names; the settings a clerk's own configuration may hold load as today.
#[test]
fn the_example_system_configuration_is_inert_and_its_settings_are_well_formed() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("packaging/config.toml");
    let text = fs::read_to_string(&path).expect("packaging/config.toml");
    let live: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    assert!(live.is_empty(), "settings in force as installed: {live:?}");

    // Uncommented: lines that are a table header or a `key = value`.
    let settings: String = text
        .lines()
        .filter_map(|l| l.strip_prefix("# "))
        .filter(|l| {
            l.starts_with('[')
                && l.split_once(']').is_some_and(|(_, rest)| {
                    rest.trim().is_empty() || rest.trim_start().starts_with('#')
                })
                || l.split_once(" = ").is_some_and(|(k, _)| {
                    !k.is_empty() && k.bytes().all(|c| c.is_ascii_lowercase() || c == b'_')
                })
        })
        .map(|l| format!("{l}\n"))
        .collect();
    let table: toml::Table = toml::from_str(&settings)
        .unwrap_or_else(|e| panic!("uncommented example is not TOML: {e}\n{settings}"));
    for name in [
        "roles",
        "policy",
        "database",
        "audit",
        "office",
        "printer",
        "preprinted",
    ] {
        assert!(table.contains_key(name), "[{name}] missing: {settings}");
    }
    assert_eq!(
        table["database"]["path"].as_str(),
        Some("/var/lib/jijiao/jijiao.sqlite")
    );
    assert_eq!(
        table["audit"]["key_file"].as_str(),
        Some("/etc/jijiao/audit.key")
    );
    assert_eq!(
        table["audit"]["anchor_log"].as_str(),
        Some("/var/lib/jijiao/anchors.log")
    );
    for role in ["clerk", "reviewer", "issuer", "admin"] {
        assert!(table["roles"][role].is_array(), "[roles] {role}");
    }

    // What a clerk's configuration may also hold loads with today's reader.
    let mut user_part = toml::Table::new();
    for name in ["office", "printer", "preprinted"] {
        user_part.insert(name.into(), table[name].clone());
    }
    let dir = tempfile::tempdir().expect("temporary directory");
    let file = dir.path().join("config.toml");
    fs::write(&file, toml::to_string(&user_part).expect("TOML")).expect("write");
    let config = jijiao::config::Config::load(&file, true).unwrap_or_else(|e| {
        panic!(
            "{}",
            jijiao::i18n::Describe::describe(&e, jijiao::i18n::Lang::En)
        )
    });
    assert_eq!(config.office.name, "长沙");
    assert_eq!(config.printer.encoding, "gb18030");
}

/// The built `.deb` holds what a bureau server needs, in Debian's places, and its maintainer
/// scripts do what README.md's deployment section says.
#[test]
fn the_package_holds_the_binary_man_pages_completions_units_and_example_configuration() {
    let debs: Vec<PathBuf> =
        fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("target/debian"))
            .map(|d| {
                d.filter_map(Result::ok)
                    .map(|e| e.path())
                    .filter(|p| p.extension().is_some_and(|x| x == "deb"))
                    .collect()
            })
            .unwrap_or_default();
    let Some(deb) = debs.last() else {
        return not_run("no target/debian/*.deb: run packaging/build-deb.sh (.ci/run does)");
    };
    if sh("command -v dpkg-deb").code != 0 {
        return not_run("dpkg-deb is not installed");
    }
    let listing = must(Command::new("dpkg-deb").arg("-c").arg(deb));
    for path in [
        "./usr/bin/jijiao",
        "./etc/jijiao/config.toml",
        "./usr/share/man/man1/jijiao.1.gz",
        "./usr/share/man/man1/jijiao-import.1.gz",
        "./usr/share/man/man1/jijiao-audit-verify.1.gz",
        "./usr/share/bash-completion/completions/jijiao",
        "./usr/share/zsh/vendor-completions/_jijiao",
        "./usr/share/fish/vendor_completions.d/jijiao.fish",
        "./usr/lib/systemd/system/jijiao-nightly.service",
        "./usr/lib/systemd/system/jijiao-nightly.timer",
    ] {
        assert!(
            listing.lines().any(|l| l.ends_with(&format!(" {path}"))),
            "{path} not in {}:\n{listing}",
            deb.display()
        );
    }
    let control = tempfile::tempdir().expect("temporary directory");
    must(
        Command::new("dpkg-deb")
            .arg("-e")
            .arg(deb)
            .arg(control.path()),
    );
    let conffiles = fs::read_to_string(control.path().join("conffiles")).unwrap_or_default();
    assert!(
        conffiles.lines().any(|l| l == "/etc/jijiao/config.toml"),
        "{conffiles}"
    );
    let postinst = fs::read_to_string(control.path().join("postinst")).expect("postinst");
    for step in [
        "groupadd --system jijiao",
        "dpkg-statoverride --update --add root jijiao 2755 /usr/bin/jijiao",
        "install -d -o root -g jijiao -m 3770 /var/lib/jijiao",
        "jijiao.sqlite jijiao.sqlite-wal jijiao.sqlite-shm anchors.log",
        "deb-systemd-helper enable jijiao-nightly.timer",
    ] {
        assert!(postinst.contains(step), "postinst lacks `{step}`");
    }
    // The man page in the package is the one the binary generates.
    let page = must(Command::new("sh").arg("-c").arg(format!(
        "dpkg-deb --fsys-tarfile '{}' | tar -xOf - ./usr/share/man/man1/jijiao.1.gz | gzip -dc",
        deb.display()
    )));
    let generated = must(Command::new(env!("CARGO_BIN_EXE_jijiao")).args(["generate", "man"]));
    assert_eq!(
        page, generated,
        "the packaged jijiao(1) is stale: rebuild the package"
    );
}
