//! R5.5 Who is acting, through the built binary: roles come from the system configuration
//! (`JIJIAO_SYSTEM_CONFIG` here), the clerk is the real user id's passwd name, each refusal names
//! the rule and the role, and the maker of an entry does not register it unless the office's
//! policy allows it — and then the audit trail says so.

mod common;

use std::path::Path;
use std::process::Command;

use common::*;

/// The login the program finds for this process: the passwd name of the real user id.
fn me() -> String {
    nix::unistd::User::from_uid(nix::unistd::getuid())
        .expect("passwd lookup")
        .expect("this test runs as a user with a passwd entry")
        .name
}

/// A system configuration naming `roles` (`clerk = […]` lines) and the policy.
fn roles(lines: &[(&str, &[&str])], one_person_may_check: bool) -> String {
    let mut s = String::from("[roles]\n");
    for (role, logins) in lines {
        let list: Vec<String> = logins.iter().map(|l| format!("\"{l}\"")).collect();
        s.push_str(&format!("{role} = [{}]\n", list.join(", ")));
    }
    s.push_str(&format!(
        "[policy]\none_person_may_check = {one_person_may_check}\n"
    ));
    s
}

/// The binary as a clerk at a bureau with roles runs it: no `--user`, no pinned date.
fn as_me(env: &Env) -> Command {
    let mut c = env.command_on(&env.db(), TODAY);
    c.env_remove("JIJIAO_USER").env_remove("JIJIAO_TODAY");
    c
}

fn run<S: AsRef<std::ffi::OsStr>>(env: &Env, args: &[S]) -> Out {
    let mut c = as_me(env);
    c.args(args);
    Env::run_cmd(c)
}

fn run_en<S: AsRef<std::ffi::OsStr>>(env: &Env, args: &[S]) -> Out {
    let mut c = as_me(env);
    c.args(["--lang", "en"]).args(args);
    Env::run_cmd(c)
}

fn import(env: &Env, kind: &str, file: &Path, extra: &[&str]) -> Out {
    let mut args = vec![
        "import".to_string(),
        kind.into(),
        file.display().to_string(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    run_en(env, &args)
}

/// 张伟's five years 2012–2016, each meeting R2.1.
fn history() -> String {
    let entries: Vec<Entry> = (2012..=2016).flat_map(|y| full_year(ZHANG, y)).collect();
    entries_csv(&entries)
}

fn states(env: &Env) -> Vec<String> {
    let c = env.conn();
    let mut stmt = c
        .prepare("SELECT DISTINCT state FROM entries ORDER BY state")
        .unwrap();
    stmt.query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

#[test]
fn r5_5_a_clerk_imports_but_may_not_register_paper_history_which_is_the_reviewers() {
    let env = Env::new();
    let me = me();
    env.system_config(&roles(&[("clerk", &[&me])], false));
    let people = env.write("people.csv", &people_csv(&[(ZHANG, "张伟")]));
    import(&env, "people", &people, &[]).expect(0);
    let file = env.write("history.csv", &history());
    let out = import(&env, "entries", &file, &["--registered"]);
    out.expect(2);
    assert!(
        out.stderr
            .contains(&format!("{me} does not hold the reviewer role")),
        "{out:?}"
    );
    assert!(out.stderr.contains("R5.5"), "{out:?}");
    assert_eq!(env.counts().entries, 0);
    // The same roster as recorded entries is the clerk's to import; the decisions carry the
    // passwd login, not the test harness's clerk.
    import(&env, "entries", &file, &[]).expect(0);
    assert_eq!(env.counts().entries, 10);
    let users: Vec<String> = {
        let c = env.conn();
        let mut stmt = c.prepare("SELECT DISTINCT user FROM audit").unwrap();
        stmt.query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    };
    assert_eq!(users, [me]);
}

#[test]
fn r5_5_a_reviewer_may_not_issue_void_or_print_and_is_told_the_issuer_role_is_needed() {
    let env = Env::new();
    // Data from a single-clerk session, then the office configures its roles.
    env.people(&[(ZHANG, "张伟")]);
    env.registered(
        &(2012..=2016)
            .flat_map(|y| full_year(ZHANG, y))
            .collect::<Vec<_>>(),
    );
    let me = me();
    env.system_config(&roles(&[("reviewer", &[&me])], false));
    let before = env.counts();
    for args in [
        vec!["issue", ZHANG, "--from", "2012", "--to", "2016"],
        vec!["void", "长沙—2017—0001", "--reason", "错"],
        vec!["reissue", "长沙—2017—0001", "--reason", "错"],
        vec!["print", "长沙—2017—0001", "--to", "-"],
    ] {
        let out = run_en(&env, &args);
        out.expect(2);
        assert!(
            out.stderr
                .contains(&format!("{me} does not hold the issuer role")),
            "{args:?}: {out:?}"
        );
        let zh = run(&env, &args);
        zh.expect(2);
        assert!(zh.stderr.contains("没有出证员角色"), "{zh:?}");
    }
    assert_eq!(env.counts(), before);
    let certificates: i64 = env
        .conn()
        .query_row("SELECT count(*) FROM certificates", [], |r| r.get(0))
        .unwrap();
    assert_eq!(certificates, 0);
}

#[test]
fn r5_5_a_login_in_no_role_checks_and_verifies_the_trail_but_imports_nothing() {
    let env = Env::new();
    env.people(&[(ZHANG, "张伟")]);
    env.registered(
        &(2012..=2016)
            .flat_map(|y| full_year(ZHANG, y))
            .collect::<Vec<_>>(),
    );
    env.system_config(&roles(&[("clerk", &["somebody-else"])], false));
    let before = env.counts();

    let check = run_en(&env, &["check", ZHANG, "--from", "2012", "--to", "2016"]);
    check.expect(0);
    run_en(&env, &["audit", "verify"]).expect(0);

    let file = env.write("more.csv", &people_csv(&[(LI, "李娜")]));
    for out in [
        import(&env, "people", &file, &[]),
        import(&env, "people", &file, &["--dry-run"]),
    ] {
        out.expect(2);
        assert!(
            out.stderr.contains("holds no role and may only read"),
            "{out:?}"
        );
        assert!(out.stderr.contains("[roles] clerk"), "{out:?}");
    }
    let zh = run(&env, &["import", "people", &file.display().to_string()]);
    zh.expect(2);
    assert!(zh.stderr.contains("只能查阅"), "{zh:?}");
    assert_eq!(env.counts(), before);
}

#[test]
fn r5_5_the_maker_cannot_register_their_own_import_unless_the_policy_allows_and_the_trail_says_so()
{
    let env = Env::new();
    let me = me();
    env.system_config(&roles(&[("clerk", &[&me]), ("reviewer", &[&me])], false));
    let people = env.write("people.csv", &people_csv(&[(ZHANG, "张伟")]));
    import(&env, "people", &people, &[]).expect(0);
    let file = env.write("history.csv", &history());

    // New entries imported as registered by one person: made and checked at once.
    let out = import(&env, "entries", &file, &["--registered"]);
    out.expect(2);
    assert!(
        out.stderr.contains(&format!(
            "the new entries of history.csv are imported by {me}"
        )),
        "{out:?}"
    );
    assert!(out.stderr.contains("maker–checker"), "{out:?}");
    assert_eq!(env.counts().entries, 0);

    // Recorded by this login, then promoted by the same login: refused, nothing changes.
    import(&env, "entries", &file, &[]).expect(0);
    let out = import(&env, "entries", &file, &["--registered"]);
    out.expect(2);
    assert!(
        out.stderr.contains("was recorded or imported by"),
        "{out:?}"
    );
    assert!(out.stderr.contains("one_person_may_check"), "{out:?}");
    assert_eq!(states(&env), ["recorded"]);
    let zh = run(
        &env,
        &[
            "import",
            "entries",
            &file.display().to_string(),
            "--registered",
        ],
    );
    zh.expect(2);
    assert!(zh.stderr.contains("双人复核"), "{zh:?}");

    // A small office allows it: registered, and each decision's audit record says so.
    env.system_config(&roles(&[("clerk", &[&me]), ("reviewer", &[&me])], true));
    import(&env, "entries", &file, &["--registered"]).expect(0);
    assert_eq!(states(&env), ["registered"]);
    let c = env.conn();
    let mut stmt = c
        .prepare("SELECT user, after FROM audit WHERE action = 'entry.migrate'")
        .unwrap();
    let rows: Vec<(String, String)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(rows.len(), 10);
    for (user, after) in rows {
        assert_eq!(user, me);
        let after: serde_json::Value = serde_json::from_str(&after).unwrap();
        assert_eq!(after["exception"]["rule"], "maker-checker", "{after}");
        assert_eq!(after["exception"]["policy"], "one_person_may_check");
    }
    run_en(&env, &["audit", "verify"]).expect(0);
}

#[test]
fn r5_5_another_reviewer_promotes_the_clerks_import_without_any_exception() {
    let env = Env::new();
    let me = me();
    // The entries are recorded by another clerk (a single-clerk session as `wangfang`) …
    env.people(&[(ZHANG, "张伟")]);
    env.import_ok("entries", "history.csv", &history(), &[]);
    // … and this login, a reviewer, registers them as paper history.
    env.system_config(&roles(&[("clerk", &[&me]), ("reviewer", &[&me])], false));
    let file = env.path("history.csv");
    import(&env, "entries", &file, &["--registered"]).expect(0);
    assert_eq!(states(&env), ["registered"]);
    let exceptions: i64 = env
        .conn()
        .query_row(
            "SELECT count(*) FROM audit WHERE after LIKE '%exception%'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(exceptions, 0);
}

#[test]
fn r5_5_a_configuration_file_of_the_clerks_own_cannot_bring_or_replace_roles() {
    let env = Env::new();
    let me = me();
    env.system_config(&roles(&[("clerk", &["somebody-else"])], false));
    for (table, text) in [
        (
            "roles",
            format!("[roles]\nclerk = [\"{me}\"]\nadmin = [\"{me}\"]\n"),
        ),
        (
            "policy",
            "[policy]\none_person_may_check = true\n".to_string(),
        ),
        (
            "database",
            "[database]\npath = \"/tmp/elsewhere.sqlite\"\n".to_string(),
        ),
    ] {
        let mine = env.write("mine.toml", &text);
        for how in ["--config", "JIJIAO_CONFIG"] {
            let mut c = as_me(&env);
            if how == "--config" {
                c.arg("--config").arg(&mine);
            } else {
                c.env("JIJIAO_CONFIG", &mine);
            }
            c.args(["--lang", "en", "audit", "verify"]);
            let out = Env::run_cmd(c);
            out.expect(2);
            assert!(out.stderr.contains("mine.toml"), "{how}: {out:?}");
            assert!(out.stderr.contains(&format!("[{table}]")), "{how}: {out:?}");
        }
    }
    // Without any system roles a clerk's file cannot bring them in either (`--config
    // /dev/null` was the old way to drop them; now there is nothing in it to drop).
    env.system_config("");
    let mine = env.write("mine.toml", "[roles]\nadmin = [\"x\"]\n");
    let mut c = as_me(&env);
    c.arg("--config").arg(&mine).args(["audit", "verify"]);
    let out = Env::run_cmd(c);
    out.expect(2);
    assert!(out.stderr.contains("不能含有 [roles]"), "{out:?}");

    // A printer setting is the clerk's to add, and the roles still hold.
    env.system_config(&roles(&[("clerk", &["somebody-else"])], false));
    let mine = env.write("mine.toml", "[printer]\nencoding = \"utf-8\"\n");
    let file = env.write("people.csv", &people_csv(&[(ZHANG, "张伟")]));
    let mut c = as_me(&env);
    c.arg("--config")
        .arg(&mine)
        .args(["--lang", "en", "import", "people"])
        .arg(&file);
    let out = Env::run_cmd(c);
    out.expect(2);
    assert!(out.stderr.contains("may only read"), "{out:?}");
}

#[test]
fn r5_5_once_roles_exist_no_one_acts_under_another_name_or_on_another_day() {
    let env = Env::new();
    let me = me();
    env.system_config(&roles(&[("clerk", &[&me])], false));
    let file = env.write("people.csv", &people_csv(&[(ZHANG, "张伟")]));
    let mut c = as_me(&env);
    c.env("JIJIAO_USER", "wangfang")
        .args(["--lang", "en", "import", "people"])
        .arg(&file);
    let out = Env::run_cmd(c);
    out.expect(2);
    assert!(out.stderr.contains("--user"), "{out:?}");
    let mut c = as_me(&env);
    c.args(["--user", &me, "import", "people"]).arg(&file);
    let out = Env::run_cmd(c);
    out.expect(2);
    assert!(out.stderr.contains("不接受 --user"), "{out:?}");
    let mut c = as_me(&env);
    c.env("JIJIAO_TODAY", "2017-07-15")
        .args(["--lang", "en", "import", "people"])
        .arg(&file);
    let out = Env::run_cmd(c);
    out.expect(2);
    assert!(out.stderr.contains("the date cannot be changed"), "{out:?}");
    assert_eq!(env.counts().people, 0);
    // Setting USER or LOGNAME changes nothing either: the login is the passwd name.
    let mut c = as_me(&env);
    c.env("USER", "somebody-else")
        .env("LOGNAME", "somebody-else")
        .args(["import", "people"])
        .arg(&file);
    Env::run_cmd(c).expect(0);
    let user: String = env
        .conn()
        .query_row("SELECT user FROM audit ORDER BY id LIMIT 1", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(user, me);
}

#[test]
fn a_system_configuration_the_variable_names_must_exist() {
    let env = Env::new();
    let mut c = as_me(&env);
    c.env("JIJIAO_SYSTEM_CONFIG", env.path("nowhere.toml"))
        .args(["audit", "verify"]);
    let out = Env::run_cmd(c);
    out.expect(2);
    assert!(out.stderr.contains("nowhere.toml"), "{out:?}");
}
