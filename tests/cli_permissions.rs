//! Files without world access (issue 9): the database holds ID numbers (R1.1), so the file, its
//! `-wal` and `-shm`, the folders jijiao creates for it and its backups are never readable by
//! every login on the machine — even when the clerk's shell leaves the common umask 022, under
//! which SQLite alone made them `0644`.
//!
//! A personal database is `0600` in `0700` folders; in a group-shared folder (set-group-id, as
//! the bureau's `/var/lib/jijiao` is) files are `0660` and new folders `0770`, so the other
//! clerks' program can still use them.

mod common;
#[path = "support/pty.rs"]
mod pty;

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use common::*;

/// The permission bits in octal, as `ls -l` and `chmod` speak of them.
fn mode(p: &Path) -> String {
    let m = std::fs::metadata(p)
        .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
        .mode();
    format!("{:o}", m & 0o7777)
}

fn sibling(db: &Path, suffix: &str) -> PathBuf {
    let mut s = db.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

/// `jijiao ARGS` on `db` started from a shell whose umask is 022.
fn under_umask_022(env: &Env, db: &Path, args: &[&str]) -> Out {
    let mut c = Command::new("sh");
    c.args([
        "-c",
        "umask 022; exec \"$0\" \"$@\"",
        env!("CARGO_BIN_EXE_jijiao"),
    ])
    .args(args);
    let template = env.command_on(db, TODAY);
    for (k, v) in template.get_envs() {
        match v {
            Some(v) => c.env(k, v),
            None => c.env_remove(k),
        };
    }
    c.current_dir(env.dir.path());
    Env::run_cmd(c)
}

fn roster(env: &Env) -> PathBuf {
    env.write("people.csv", &people_csv(&[(ZHANG, "张伟"), (LI, "李娜")]))
}

/// The interface holds the database open: the `-wal` and `-shm` it made exist; their modes.
fn wal_and_shm_modes_while_open(env: &Env, db: &Path) -> (String, String) {
    let mut t = pty::Pty::start(db, env.dir.path(), TODAY, "022");
    t.wait_for("人员 2 人", Duration::from_secs(20));
    let modes = (mode(&sibling(db, "-wal")), mode(&sibling(db, "-shm")));
    assert_eq!(t.quit(), 0);
    modes
}

#[test]
fn a_personal_database_its_new_folders_wal_shm_and_backup_keep_others_out_under_umask_022() {
    let env = Env::new();
    // Folders that do not exist yet, as the default data directory on a first run.
    let db = env.path("data/jijiao/records/jijiao.sqlite");
    under_umask_022(
        &env,
        &db,
        &["import", "people", roster(&env).to_str().unwrap()],
    )
    .expect(0);
    assert_eq!(mode(&db), "600", "the database");
    assert_eq!(mode(&env.path("data/jijiao/records")), "700", "its folder");
    assert_eq!(mode(&env.path("data/jijiao")), "700", "the folder above");
    assert_eq!(mode(&env.path("data")), "700", "the first folder made");

    assert_eq!(
        wal_and_shm_modes_while_open(&env, &db),
        ("600".into(), "600".into())
    );

    let copy = env.path("copy.sqlite");
    under_umask_022(&env, &db, &["backup", copy.to_str().unwrap()]).expect(0);
    assert_eq!(mode(&copy), "600", "the backup");
    // Still a database that answers like the original.
    let names: i64 = rusqlite::Connection::open(&copy)
        .unwrap()
        .query_row("SELECT count(*) FROM people", [], |r| r.get(0))
        .unwrap();
    assert_eq!(names, 2);
}

#[test]
fn in_a_set_group_id_folder_the_group_keeps_access_and_the_world_does_not() {
    let env = Env::new();
    let shared = env.path("shared");
    std::fs::create_dir(&shared).unwrap();
    std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o2770)).unwrap();
    let group = std::fs::metadata(&shared).unwrap().gid();

    // A folder jijiao makes inside keeps the group and its set-group-id bit.
    let db = shared.join("office/jijiao.sqlite");
    under_umask_022(
        &env,
        &db,
        &["import", "people", roster(&env).to_str().unwrap()],
    )
    .expect(0);
    assert_eq!(mode(&shared.join("office")), "2770", "the new folder");
    assert_eq!(mode(&db), "660", "the database");
    assert_eq!(std::fs::metadata(&db).unwrap().gid(), group);

    assert_eq!(
        wal_and_shm_modes_while_open(&env, &db),
        ("660".into(), "660".into())
    );

    let copy = shared.join("nightly.sqlite");
    under_umask_022(&env, &db, &["backup", copy.to_str().unwrap()]).expect(0);
    assert_eq!(mode(&copy), "660", "the backup, for the group's restore");
}

/// A database an older jijiao left world-readable is closed to the world the next time it is
/// opened; the access its group had is left as it was.
#[test]
fn an_existing_world_readable_database_loses_world_access_when_opened() {
    let env = Env::new();
    env.people(&[(ZHANG, "张伟")]);
    std::fs::set_permissions(env.db(), std::fs::Permissions::from_mode(0o644)).unwrap();
    env.run(["check", ZHANG]);
    assert_eq!(mode(&env.db()), "640");
}

/// A backup never overwrites, and says so in the clerk's language.
#[test]
fn a_backup_onto_an_existing_file_is_refused_in_both_languages() {
    let env = Env::new();
    env.people(&[(ZHANG, "张伟")]);
    let existing = env.write("precious.sqlite", "mine");
    let out = env.run(["backup", existing.to_str().unwrap()]);
    out.expect(2);
    assert!(
        out.stderr.contains("precious.sqlite 已存在") && out.stderr.contains("不会覆盖"),
        "{out:?}"
    );
    let out = env.run(["--lang", "en", "backup", existing.to_str().unwrap()]);
    out.expect(2);
    assert!(
        out.stderr.contains("precious.sqlite exists") && out.stderr.contains("never overwrites"),
        "{out:?}"
    );
    assert_eq!(std::fs::read_to_string(&existing).unwrap(), "mine");
}
