//! `audit verify` (R5.5), `backup`, `--help`, configuration, and databases made by other
//! versions of jijiao.

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use common::*;
use rusqlite::Connection;

/// A database with people, a filing and five years of paper history for 张伟.
fn populated() -> Env {
    let env = Env::new();
    env.people(&[(ZHANG, "张伟"), (LI, "李娜")]);
    env.import_ok(
        "filings",
        "filings.csv",
        &filings_csv(&[filing_line(
            "F2016-01",
            "公需",
            "2016-03-01",
            "2016-03-05",
            "已备案",
            "2016-02-20",
        )]),
        &[],
    );
    let mut entries: Vec<Entry> = (2012..=2016).flat_map(|y| full_year(ZHANG, y)).collect();
    entries.push(Entry::public(LI, 2016, "12.5"));
    env.registered(&entries);
    env
}

// ---------------------------------------------------------------- audit (R5.5)

#[test]
fn r5_5_audit_verify_passes_after_imports() {
    let env = populated();
    let n = env.counts().audit;
    assert!(
        n >= 4,
        "every person and filing is audited, and the import: {n}"
    );
    // R5.5 Each entry is a line of its import's payload (after its head).
    let lines: i64 = env
        .conn()
        .query_row(
            "SELECT json_extract(after, '$.payload.lines') FROM audit
             WHERE action = 'import.entries'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(lines, env.counts().entries + 1);
    let out = env.run(["audit", "verify"]);
    out.expect(0);
    assert!(
        out.stdout.contains(&format!("审计记录完整：共 {n} 条")),
        "{out:?}"
    );
    let out = env.run(["--lang", "en", "audit", "verify"]);
    out.expect(0);
    assert!(
        out.stdout
            .contains(&format!("audit trail intact: {n} records")),
        "{out:?}"
    );
}

#[test]
fn r5_5_audit_records_the_clerk_and_the_day() {
    let env = populated();
    let conn = env.conn();
    let mut stmt = conn.prepare("SELECT DISTINCT user FROM audit").unwrap();
    let users: Vec<String> = stmt
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(users, [CLERK]);
    let off_day: i64 = conn
        .query_row(
            "SELECT count(*) FROM audit WHERE at NOT LIKE ?1",
            [format!("{TODAY}%")],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(off_day, 0, "every record is stamped with JIJIAO_TODAY");
}

#[test]
fn r5_5_an_altered_audit_record_is_found() {
    let env = populated();
    env.conn()
        .execute(
            "UPDATE audit SET after = json_set(after, '$.added', 99) WHERE id = 2",
            [],
        )
        .unwrap();
    // Record 1 is the audit.key record that starts the keyed chain; 2 is the import that
    // registered 张伟 (one record for the roster, R5.5).
    let out = env.run(["audit", "verify"]);
    out.expect(1);
    assert!(out.stdout.contains("第 2 条被修改"), "{out:?}");
    let out = env.run(["--lang", "en", "audit", "verify"]);
    out.expect(1);
    assert!(out.stdout.contains("audit record 2 was altered"), "{out:?}");
}

#[test]
fn r5_5_a_deleted_audit_record_is_found() {
    let env = populated();
    env.conn()
        .execute("DELETE FROM audit WHERE id = 2", [])
        .unwrap();
    let out = env.run(["audit", "verify"]);
    out.expect(1);
    assert!(out.stdout.contains("断链"), "{out:?}");
}

#[test]
fn r5_5_a_new_database_has_an_intact_empty_trail() {
    let env = Env::new();
    let out = env.run(["audit", "verify"]);
    out.expect(0);
    assert!(out.stdout.contains("共 0 条"), "{out:?}");
}

#[test]
fn r5_5_clerks_importing_at_the_same_time_keep_the_trail_intact() {
    // Several clerks share one file: concurrent imports queue, none fails, and the hash chain
    // has no fork.
    let env = Env::new();
    env.run(["audit", "verify"]).expect(0);
    let children: Vec<_> = (0..4u32)
        .map(|k| {
            let rows: Vec<(String, String)> = (0..5u32)
                .map(|i| (person_id(k * 10 + i), format!("职员{k}{i}")))
                .collect();
            let rows: Vec<(&str, &str)> =
                rows.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
            let file = env.write(&format!("people{k}.csv"), &people_csv(&rows));
            let mut c = env.command_on(&env.db(), TODAY);
            c.args(["import".as_ref(), "people".as_ref(), file.as_os_str()])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped());
            c.spawn().expect("spawn jijiao")
        })
        .collect();
    for child in children {
        let o = child.wait_with_output().unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    assert_eq!(env.counts().people, 20);
    let out = env.run(["audit", "verify"]);
    out.expect(0);
    // One record per import (R5.5), whose payload states its five people: every person is
    // held against the trail.
    assert!(
        out.stdout.contains("共 5 条") && out.stdout.contains("核对 20 条记录"),
        "4 imports of 5 people and the audit.key record the first of them wrote: {out:?}"
    );
}

// ---------------------------------------------------------------- backup

#[test]
fn backup_is_a_database_that_gives_the_same_verification() {
    let env = populated();
    let copy = env.path("backup/copy.sqlite");
    std::fs::create_dir_all(copy.parent().unwrap()).unwrap();
    let out = env.run(["backup".as_ref(), copy.as_os_str()]);
    out.expect(0);
    assert!(out.stdout.contains("copy.sqlite"), "{out:?}");

    for id in [ZHANG, LI] {
        let original = env.run(["check", id, "--json"]);
        let restored = env.run_full(&copy, TODAY, ["check", id, "--json"]);
        assert_eq!(restored.code, original.code, "{id}");
        assert_eq!(restored.stdout, original.stdout, "{id}");
        assert!(!original.stdout.is_empty());
    }
    env.run_full(&copy, TODAY, ["audit", "verify"]).expect(0);
}

#[test]
fn backup_never_overwrites_an_existing_file() {
    let env = populated();
    let existing = env.write("precious.sqlite", "not a database, but mine");
    let out = env.run(["backup".as_ref(), existing.as_os_str()]);
    out.expect(2);
    assert!(out.stderr.contains("precious.sqlite"), "{out:?}");
    assert_eq!(
        std::fs::read_to_string(&existing).unwrap(),
        "not a database, but mine"
    );
}

// ---------------------------------------------------------------- --help

#[test]
fn every_sub_command_has_help() {
    let env = Env::new();
    let commands: &[&[&str]] = &[
        &["--help"],
        &["help"],
        &["demo", "--help"],
        &["import", "--help"],
        &["check", "--help"],
        &["audit", "--help"],
        &["audit", "verify", "--help"],
        &["backup", "--help"],
    ];
    for args in commands {
        let out = env.run(*args);
        out.expect(0);
        assert!(out.stdout.contains("Usage"), "{args:?}: {out:?}");
    }
    let out = env.run(["check", "--help"]);
    for option in ["--from", "--to", "--json"] {
        assert!(out.stdout.contains(option), "check --help names {option}");
    }
    let out = env.run(["import", "--help"]);
    for word in ["people", "entries", "filings", "--dry-run", "--registered"] {
        assert!(out.stdout.contains(word), "import --help names {word}");
    }
    assert!(!env.db().exists(), "asking for help creates no database");
    env.run(["--version"]).expect(0);
}

// ---------------------------------------------------------------- configuration

#[test]
fn an_explicitly_named_missing_configuration_is_an_error() {
    let env = Env::new();
    let missing = env.path("no-such-config.toml");
    let mut c = env.command_on(&env.db(), TODAY);
    c.env("JIJIAO_CONFIG", &missing).args(["audit", "verify"]);
    let out = Env::run_cmd(c);
    out.expect(2);
    assert!(out.stderr.contains("no-such-config.toml"), "{out:?}");
}

#[test]
fn the_default_configuration_is_read_from_the_config_directory() {
    // A malformed file where the platform puts the configuration is reported, not ignored.
    let env = Env::new();
    let dir = env.path("config/jijiao");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("config.toml"), "[ofice]\nname = \"长沙\"\n").unwrap();
    let out = env.run(["audit", "verify"]);
    out.expect(2);
    assert!(out.stderr.contains("config.toml"), "{out:?}");
}

#[test]
fn r5_5_with_roles_configured_no_clerk_acts_under_another_name() {
    let env = Env::new();
    // Roles live in the system configuration only (R5.5).
    env.system_config("[roles]\nclerk = [\"nobody-logs-in-as-this\"]\n");
    let file = env.write("people.csv", &people_csv(&[(ZHANG, "张伟")]));
    let mut c = env.command_on(&env.db(), TODAY);
    c.env_remove("JIJIAO_TODAY")
        .args(["import".as_ref(), "people".as_ref(), file.as_os_str()]);
    let out = Env::run_cmd(c);
    out.expect(2);
    assert!(out.stderr.contains("--user"), "{out:?}");
    assert_eq!(env.counts().people, 0);
}

// ---------------------------------------------------------------- schema versions

fn user_version(db: &Path) -> u32 {
    Connection::open(db)
        .unwrap()
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap()
}

/// (type, name) of every schema object, and the columns of every table.
type Schema = (BTreeSet<(String, String)>, Vec<(String, Vec<String>)>);

fn schema(conn: &Connection) -> Schema {
    let mut stmt = conn
        .prepare(
            "SELECT type, name FROM sqlite_master
             WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name",
        )
        .unwrap();
    let objects: BTreeSet<(String, String)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let columns = objects
        .iter()
        .filter(|(t, _)| t == "table")
        .map(|(_, name)| {
            let mut s = conn
                .prepare(&format!("SELECT name FROM pragma_table_info('{name}')"))
                .unwrap();
            let cols: Vec<String> = s
                .query_map([], |r| r.get(0))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            (name.clone(), cols)
        })
        .collect();
    (objects, columns)
}

/// Turn a current database into what jijiao with only migration 1 left behind: drop every
/// object and column the later migrations added, keep the data.
fn downgrade_to_schema_1(db: &Path) {
    let old = Connection::open_in_memory().unwrap();
    old.execute_batch(jijiao::store::schema::MIGRATIONS[0])
        .unwrap();
    let (old_objects, old_columns) = schema(&old);
    let conn = Connection::open(db).unwrap();
    conn.pragma_update(None, "foreign_keys", false).unwrap();
    let (objects, columns) = schema(&conn);
    // A table a later migration turned into a view over new tables (schema 15: evidence) keeps
    // its rows: they are read through the view before it goes, and written back into the table.
    let was_table = |name: &str| old_objects.contains(&("table".to_string(), name.to_string()));
    let kept: Vec<&String> = objects
        .iter()
        .filter(|(t, name)| t == "view" && was_table(name))
        .map(|(_, name)| name)
        .collect();
    for name in &kept {
        conn.execute_batch(&format!(
            "CREATE TEMP TABLE \"kept_{name}\" AS SELECT * FROM \"{name}\""
        ))
        .unwrap_or_else(|e| panic!("keep the rows of view {name}: {e}"));
    }
    for kind in ["trigger", "view", "index", "table"] {
        for (t, name) in objects.iter().filter(|(t, _)| t == kind) {
            // The trail's payloads (schema 19) stay: the trail this file was made with states
            // its imported entries there (R5.5), and schema 19 keeps a table already there.
            if !old_objects.contains(&(t.clone(), name.clone())) && name != "audit_payloads" {
                // IF EXISTS: dropping an FTS5 table drops its shadow tables with it.
                conn.execute_batch(&format!("DROP {t} IF EXISTS \"{name}\""))
                    .unwrap_or_else(|e| panic!("drop {t} {name}: {e}"));
            }
        }
    }
    for (table, cols) in &columns {
        let Some((_, old_cols)) = old_columns.iter().find(|(t, _)| t == table) else {
            continue;
        };
        for col in cols.iter().filter(|c| !old_cols.contains(c)) {
            conn.execute_batch(&format!("ALTER TABLE \"{table}\" DROP COLUMN \"{col}\""))
                .unwrap_or_else(|e| panic!("drop column {table}.{col}: {e}"));
        }
    }
    // What later migrations dropped (schema 14: indexes nothing reads any more) comes back.
    for (t, name) in old_objects.difference(&objects) {
        let sql: String = old
            .query_row(
                "SELECT sql FROM sqlite_master WHERE type = ?1 AND name = ?2",
                [t, name],
                |r| r.get(0),
            )
            .unwrap();
        conn.execute_batch(&sql)
            .unwrap_or_else(|e| panic!("create {t} {name}: {e}"));
    }
    for name in &kept {
        conn.execute_batch(&format!(
            "INSERT INTO main.\"{name}\" SELECT * FROM temp.\"kept_{name}\";
             DROP TABLE temp.\"kept_{name}\""
        ))
        .unwrap_or_else(|e| panic!("put back the rows of {name}: {e}"));
    }
    conn.pragma_update(None, "user_version", 1).unwrap();
    // Schema 1, and the trail's payloads kept above.
    let (mut now_objects, mut now_columns) = schema(&conn);
    now_objects.remove(&("table".to_string(), "audit_payloads".to_string()));
    now_columns.retain(|(t, _)| t != "audit_payloads");
    assert_eq!((now_objects, now_columns), (old_objects, old_columns));
}

#[test]
fn a_database_of_schema_1_upgrades_in_place_and_keeps_its_data() {
    let env = populated();
    let before_zhang = env.run(["check", ZHANG, "--json"]);
    before_zhang.expect(0);
    let before_li = env.run(["check", LI, "--json"]);
    let counts = env.counts();

    // What the current binary makes of a brand-new database.
    let fresh = env.path("fresh.sqlite");
    env.run_full(&fresh, TODAY, ["audit", "verify"]).expect(0);
    let current = user_version(&fresh);
    assert!(
        current > 1,
        "there is a later migration to upgrade to (schema {current})"
    );

    downgrade_to_schema_1(&env.db());
    assert_eq!(user_version(&env.db()), 1);

    // The first command on the old file upgrades it and answers as before.
    let after = env.run(["check", ZHANG, "--json"]);
    after.expect(0);
    assert_eq!(after.stdout, before_zhang.stdout);
    assert_eq!(env.run(["check", LI, "--json"]).stdout, before_li.stdout);
    assert_eq!(user_version(&env.db()), current);
    assert_eq!(
        schema(&env.conn()),
        schema(&Connection::open(&fresh).unwrap()),
        "the upgraded file has the schema of a new one"
    );
    assert_eq!(env.counts(), counts, "no row lost or added");
    // Schema 2's search initials are filled in for the people schema 1 stored without them.
    let blank: i64 = env
        .conn()
        .query_row(
            "SELECT count(*) FROM people WHERE trim(initials) = ''",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(blank, 0);
    env.run(["audit", "verify"]).expect(0);
    let out = env.import_ok(
        "people",
        "people.csv",
        &people_csv(&[(ZHANG, "张伟"), (LI, "李娜")]),
        &[],
    );
    assert!(out.stdout.contains("新增 0 条"), "{out:?}");
}

#[test]
fn a_database_from_a_newer_jijiao_is_refused_and_left_alone() {
    let env = populated();
    env.conn().pragma_update(None, "user_version", 999).unwrap();
    let out = env.run(["check", ZHANG]);
    out.expect(2);
    assert!(out.stderr.contains("更新版本"), "{out:?}");
    let out = env.run(["--lang", "en", "audit", "verify"]);
    out.expect(2);
    assert!(out.stderr.contains("newer jijiao"), "{out:?}");
    assert_eq!(user_version(&env.db()), 999);
}

/// R6.4 Tester's point 7: `audit verify` on totals changed behind the services says where each
/// value comes from — the totals table now, the totals rebuilt from the entries — the right way
/// round, names the person by ID number and name, and cites no audit record "0" (none holds
/// totals). A row of a person who is gone is named by the internal id left of them.
#[test]
fn r6_4_audit_verify_names_the_person_and_the_source_of_each_total() {
    let env = populated();
    env.run(["audit", "verify"]).expect(0);
    let conn = env.conn();
    let zhang: i64 = conn
        .query_row("SELECT id FROM people WHERE id_number = ?1", [ZHANG], |r| {
            r.get(0)
        })
        .unwrap();
    let (public, professional): (i64, i64) = conn
        .query_row(
            "SELECT public_tenths, professional_tenths FROM person_year_totals
             WHERE person_id = ?1 AND year = 2016",
            [zhang],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    let shown = |t: i64| {
        if t % 10 == 0 {
            (t / 10).to_string()
        } else {
            format!("{}.{}", t / 10, t % 10)
        }
    };
    let rebuilt = format!("{}+{}", shown(public), shown(professional));
    conn.execute(
        "UPDATE person_year_totals SET public_tenths = 123, professional_tenths = 456
         WHERE person_id = ?1 AND year = 2016",
        [zhang],
    )
    .unwrap();
    // A totals row of a person no longer in the people table, as a hand edit with foreign
    // keys off leaves it.
    conn.execute_batch("PRAGMA foreign_keys = OFF").unwrap();
    conn.execute(
        "INSERT INTO person_year_totals (person_id, year, public_tenths, professional_tenths)
         VALUES (9999, 2015, 300, 600)",
        [],
    )
    .unwrap();
    drop(conn);
    let out = env.run(["audit", "verify"]);
    out.expect(1);
    assert!(
        out.stdout.contains(&format!(
            "{ZHANG} 张伟 2016年的学时汇总（公需+专业）现为“12.3+45.6”，而按其培训记录重算应为“{rebuilt}”"
        )),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains(
            "内部编号为 9999 的人员（人员表中已没有此人） 2015年的学时汇总（公需+专业）现为“30+60”，而按其培训记录重算应为“0+0”"
        ),
        "{}",
        out.stdout
    );
    assert!(!out.stdout.contains("第 0 条"), "{}", out.stdout);
    assert!(!out.stdout.contains("person:"), "{}", out.stdout);
    let en = env.run(["--lang", "en", "audit", "verify"]);
    assert!(
        en.stdout.contains(&format!(
            "{ZHANG} 张伟: the 2016 totals (public+professional) are \"12.3+45.6\" but rebuilt from the entries they are \"{rebuilt}\""
        )),
        "{}",
        en.stdout
    );
    assert!(
        en.stdout
            .contains("the person of internal id 9999 (no longer in the people table)"),
        "{}",
        en.stdout
    );
    assert!(!en.stdout.contains("record 0"), "{}", en.stdout);
}
