//! A trail that cannot be rewritten (R5.5, issue 9), on the built binary and temporary
//! databases tampered with through rusqlite as someone with `sqlite3` would: `audit verify`
//! names an edited, inserted, deleted or reordered record, a truncated tail, a trail rewritten
//! with recomputed hashes, and state changed behind the trail; `audit anchor` keeps heads
//! outside the database; a database from before keys upgrades to a keyed trail; and
//! `verify-code` tells a genuine certificate from a forged or voided one (R7.4).

mod common;

use std::path::PathBuf;

use common::*;
use rusqlite::{Connection, params};
use sha2::{Digest, Sha256};

const PHONE: &str = "0731-84900000";

/// A bureau of the provincial office whose stubs are signed (R7.1), with 张伟 passing
/// 2012–2016 (paper history), 李娜 with one training recorded for review, and a filing.
fn bureau() -> Env {
    let env = Env::new();
    std::fs::create_dir_all(env.path("config/jijiao")).unwrap();
    env.write(
        "config/jijiao/config.toml",
        &format!(
            "[office]\nname = \"省直\"\nphone = \"{PHONE}\"\n\n[office.clerk_names]\n{CLERK} = \"王芳\"\n"
        ),
    );
    env.people(&[(ZHANG, "张伟"), (LI, "李娜")]);
    env.import_ok(
        "filings",
        "filings.csv",
        &filings_csv(&[filing_line(
            "F2016-01",
            "公需",
            "2016-03-01",
            "2016-03-05",
            "待审",
            "",
        )]),
        &[],
    );
    let history: Vec<Entry> = (2012..=2016).flat_map(|y| full_year(ZHANG, y)).collect();
    env.registered(&history);
    env.import_ok(
        "entries",
        "review.csv",
        &entries_csv(&[Entry::public(LI, 2016, "12.5")]),
        &[],
    );
    env
}

fn key_file(env: &Env) -> PathBuf {
    env.path("config/jijiao/audit.key")
}

fn one<T: rusqlite::types::FromSql>(env: &Env, sql: &str) -> T {
    env.conn().query_row(sql, [], |r| r.get(0)).unwrap()
}

fn verify(env: &Env) -> Out {
    env.run(["--lang", "en", "audit", "verify"])
}

fn verify_zh(env: &Env) -> Out {
    env.run(["audit", "verify"])
}

/// Exit 1 and every fragment on standard output.
fn found(out: &Out, fragments: &[&str]) {
    out.expect(1);
    for f in fragments {
        assert!(out.stdout.contains(f), "{f:?} not in\n{}", out.stdout);
    }
}

/// The plain (unkeyed) hash of the trail, as someone without the key recomputes it.
fn plain_hash(prev: &str, id: i64, fields: &[Option<String>; 6]) -> String {
    let mut h = Sha256::new();
    let id = id.to_string();
    let mut parts: Vec<&str> = vec![prev, &id];
    for f in fields {
        parts.push(f.as_deref().unwrap_or("\u{0}"));
    }
    for p in parts {
        h.update((p.len() as u64).to_le_bytes());
        h.update(p.as_bytes());
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Rewrite every record from `from` on with recomputed plain hashes (after an edit).
fn rehash_from(conn: &Connection, from: i64) {
    let rows: Vec<(i64, [Option<String>; 6])> = conn
        .prepare(
            "SELECT id, at, user, action, subject, before, after FROM audit WHERE id >= ?1 ORDER BY id",
        )
        .unwrap()
        .query_map([from], |r| {
            Ok((
                r.get(0)?,
                [
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                ],
            ))
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let mut prev: String = conn
        .query_row("SELECT prev_hash FROM audit WHERE id = ?1", [from], |r| {
            r.get(0)
        })
        .unwrap();
    for (id, f) in rows {
        let h = plain_hash(&prev, id, &f);
        conn.execute(
            "UPDATE audit SET prev_hash = ?1, hash = ?2 WHERE id = ?3",
            params![prev, h, id],
        )
        .unwrap();
        prev = h;
    }
}

// ---------------------------------------------------------------- the chain

/// R5.5 A bureau's trail is keyed from its first record (a private key made on first use),
/// and everything agrees.
#[test]
fn r5_5_an_intact_trail_is_keyed_and_agrees_with_the_database() {
    let env = bureau();
    let out = verify(&env);
    out.expect(0);
    let n: i64 = one(&env, "SELECT count(*) FROM audit");
    for f in [
        format!("audit trail intact: {n} records"),
        "every record is keyed".into(),
        // The start of the keyed chain anchored itself (record 1).
        "anchor: agrees with the anchor of 2017-07-15".into(),
        "the database agrees with the trail".into(),
    ] {
        assert!(out.stdout.contains(&f), "{f}: {out:?}");
    }
    assert_eq!(
        one::<String>(&env, "SELECT action FROM audit WHERE id = 1"),
        "audit.key"
    );
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(key_file(&env))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600, "the personal key is the clerk's alone");
    let out = verify_zh(&env);
    out.expect(0);
    assert!(
        out.stdout.contains(&format!("审计记录完整：共 {n} 条")),
        "{out:?}"
    );
    assert!(out.stdout.contains("数据与审计记录一致"), "{out:?}");
}

#[test]
fn r5_5_an_edited_record_is_named() {
    let env = bureau();
    env.conn()
        .execute(
            "UPDATE audit SET after = replace(after, '\"added\":2', '\"added\":3') WHERE action = 'import.people'",
            [],
        )
        .unwrap();
    found(&verify(&env), &["audit record 2 was altered"]);
    found(&verify_zh(&env), &["审计记录第 2 条被修改"]);
}

#[test]
fn r5_5_an_inserted_record_is_named() {
    let env = bureau();
    let conn = env.conn();
    // Make room after record 3 and slip a record in, linked to record 3 as well as one can
    // without the key.
    conn.execute_batch(
        "UPDATE audit SET id = id + 100000 WHERE id > 3;
         UPDATE audit SET id = id - 99999 WHERE id > 100000;",
    )
    .unwrap();
    let prev: String = one(&env, "SELECT hash FROM audit WHERE id = 3");
    let f = [
        Some("2017-07-15T12:00:00+08:00".to_string()),
        Some(CLERK.to_string()),
        Some("entry.register".to_string()),
        Some("entry:1".to_string()),
        None,
        Some("{\"state\":\"registered\"}".to_string()),
    ];
    conn.execute(
        "INSERT INTO audit (id, at, user, action, subject, before, after, prev_hash, hash)
         VALUES (4, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            f[0],
            f[1],
            f[2],
            f[3],
            f[4],
            f[5],
            prev,
            plain_hash(&prev, 4, &f)
        ],
    )
    .unwrap();
    found(&verify(&env), &["audit record 4 was altered"]);
}

#[test]
fn r5_5_a_deleted_record_is_named() {
    let env = bureau();
    env.conn()
        .execute("DELETE FROM audit WHERE id = 5", [])
        .unwrap();
    found(
        &verify(&env),
        &[
            "audit trail broken at record 6: a record was removed or inserted (4 records before it are intact)",
        ],
    );
    found(&verify_zh(&env), &["第 6 条处断链"]);
}

#[test]
fn r5_5_reordered_records_are_named() {
    let env = bureau();
    env.conn()
        .execute_batch(
            "UPDATE audit SET id = -1 WHERE id = 3;
             UPDATE audit SET id = 3 WHERE id = 4;
             UPDATE audit SET id = 4 WHERE id = -1;",
        )
        .unwrap();
    found(&verify(&env), &["broken at record 3"]);
}

/// R5.5 The attack the issue describes: rewrite a record and recompute every hash after it.
/// Without the key the recomputed hashes are plain ones, which the keyed chain refuses.
#[test]
fn r5_5_a_trail_rewritten_with_recomputed_hashes_is_found() {
    let env = bureau();
    let conn = env.conn();
    conn.execute(
        "UPDATE audit SET user = 'lisi' WHERE action = 'import.people'",
        [],
    )
    .unwrap();
    rehash_from(&conn, 2);
    found(&verify(&env), &["audit record 2 was altered"]);
}

/// R5.5 Without its key a keyed trail cannot be shown intact, and is not extended.
#[test]
fn r5_5_without_the_key_nothing_is_verified_or_written() {
    let env = bureau();
    let key = std::fs::read(key_file(&env)).unwrap();
    std::fs::remove_file(key_file(&env)).unwrap();
    // A new key is made on first use: not the trail's.
    let out = verify(&env);
    out.expect(2);
    assert!(
        out.stdout
            .contains("is not the key record 1 started the trail with"),
        "{out:?}"
    );
    let before: i64 = one(&env, "SELECT count(*) FROM audit");
    let file = env.write("more.csv", &people_csv(&[(WANG, "王五")]));
    let out = env.import_en("people", &file, &[]);
    out.expect(2);
    assert!(
        out.stderr
            .contains("is not the key this database's trail was started with"),
        "{out:?}"
    );
    assert_eq!(one::<i64>(&env, "SELECT count(*) FROM audit"), before);
    std::fs::write(key_file(&env), key).unwrap();
    verify(&env).expect(0);
}

// ---------------------------------------------------------------- anchors

fn anchor(env: &Env) -> Out {
    let out = env.run(["--lang", "en", "audit", "anchor"]);
    out.expect(0);
    out
}

fn anchor_log(env: &Env) -> PathBuf {
    env.path("jijiao.sqlite.anchors")
}

/// R5.5 `audit anchor` appends the head to the log beside the database; later work still
/// agrees with it.
#[test]
fn r5_5_anchors_are_appended_and_later_work_agrees() {
    let env = bureau();
    let n: i64 = one(&env, "SELECT count(*) FROM audit");
    let out = anchor(&env);
    assert!(
        out.stdout.contains(&format!("anchored: {n} audit records")),
        "{out:?}"
    );
    // The first line anchors the start of the keyed chain (record 1), made by the first
    // write; `audit anchor` appends the head after it.
    let log = std::fs::read_to_string(anchor_log(&env)).unwrap();
    let line = log.lines().last().unwrap();
    let v: serde_json::Value = serde_json::from_str(line.trim()).unwrap();
    let head: String = one(&env, "SELECT hash FROM audit ORDER BY id DESC LIMIT 1");
    assert_eq!(v["count"], n);
    assert_eq!(v["hash"], head.as_str());
    assert_eq!(v["keyed_from"], 1);
    assert!(v["at"].as_str().unwrap().starts_with(TODAY));
    env.people(&[(WANG, "王五")]);
    anchor(&env);
    assert_eq!(
        std::fs::read_to_string(anchor_log(&env))
            .unwrap()
            .lines()
            .count(),
        3,
        "appended, never rewritten"
    );
    let out = verify(&env);
    out.expect(0);
    assert!(
        out.stdout.contains("anchor: agrees with the anchor of"),
        "{out:?}"
    );
}

/// R5.5 Deleting the last records leaves a chain that links up, but fewer records than
/// anchored.
#[test]
fn r5_5_a_truncated_tail_is_found_by_the_anchor() {
    let env = bureau();
    anchor(&env);
    let n: i64 = one(&env, "SELECT count(*) FROM audit");
    env.conn()
        .execute("DELETE FROM audit WHERE id > ?1", [n - 3])
        .unwrap();
    let out = verify(&env);
    found(
        &out,
        &[&format!(
            "audit trail truncated: {n} records were anchored on {TODAY}"
        )],
    );
    assert!(out.stdout.contains(&format!("{} remain", n - 3)), "{out:?}");
    found(&verify_zh(&env), &["审计记录被截短"]);
}

/// R5.5 A trail from before keys: it verifies as before, `audit anchor` holds its head, and
/// the first write with a key starts the keyed chain with an `audit.key` record; the old
/// records are then beyond rewriting too.
#[test]
fn r5_5_an_unkeyed_trail_upgrades_and_its_rewrite_is_found() {
    let env = Env::new();
    // No readable key: the database is written as one made before keys.
    std::fs::create_dir_all(key_file(&env)).unwrap();
    env.people(&[(ZHANG, "张伟"), (LI, "李娜")]);
    let old: i64 = one(&env, "SELECT count(*) FROM audit");
    assert_eq!(
        one::<i64>(
            &env,
            "SELECT count(*) FROM audit WHERE action = 'audit.key'"
        ),
        0
    );
    let out = verify(&env);
    out.expect(0);
    assert!(out.stdout.contains("not keyed yet"), "{out:?}");
    anchor(&env);

    // Unkeyed, a rewrite with recomputed hashes passes the chain; the anchor finds it.
    let copy = env.path("copy.sqlite");
    std::fs::copy(env.db(), &copy).unwrap();
    std::fs::copy(anchor_log(&env), env.path("copy.sqlite.anchors")).unwrap();
    let line = std::fs::read_to_string(anchor_log(&env)).unwrap();
    let db = std::fs::canonicalize(env.db())
        .unwrap()
        .display()
        .to_string();
    let copied = std::fs::canonicalize(&copy).unwrap().display().to_string();
    std::fs::write(env.path("copy.sqlite.anchors"), line.replace(&db, &copied)).unwrap();
    let c = Connection::open(&copy).unwrap();
    c.execute("UPDATE audit SET user = 'lisi' WHERE id = 1", [])
        .unwrap();
    rehash_from(&c, 1);
    drop(c);
    let out = env.run_full(&copy, TODAY, ["--lang", "en", "audit", "verify"]);
    found(
        &out,
        &[
            &format!("audit trail intact: {old} records"),
            &format!("audit trail rewritten: record {old} does not have the hash anchored"),
        ],
    );

    // The key arrives (the upgrade): the next write marks the start of the keyed chain.
    std::fs::remove_dir(key_file(&env)).unwrap();
    env.people(&[(WANG, "王五")]);
    let marker: String = one(
        &env,
        &format!("SELECT action FROM audit WHERE id = {}", old + 1),
    );
    assert_eq!(marker, "audit.key");
    let out = verify(&env);
    out.expect(0);
    assert!(
        out.stdout.contains(&format!(
            "keyed (HMAC-SHA256) from record {}; the {old} records before it predate the key",
            old + 1
        )),
        "{out:?}"
    );
    // Now rewriting even an old record breaks the keyed marker after it.
    let conn = env.conn();
    conn.execute("UPDATE audit SET user = 'lisi' WHERE id = 1", [])
        .unwrap();
    rehash_from(&conn, 1);
    found(
        &verify(&env),
        &[&format!("audit record {} was altered", old + 1)],
    );
}

// ---------------------------------------------------------------- state behind the trail

fn entry_of(env: &Env, id_number: &str) -> i64 {
    one(
        env,
        &format!(
            "SELECT e.id FROM entries e JOIN people p ON p.id = e.person_id
             WHERE p.id_number = '{id_number}' ORDER BY e.id LIMIT 1"
        ),
    )
}

/// The issue's example: an entry switched to registered in the database, with the trail
/// untouched, is named with what the trail says — and R5.5's trail stays "intact" as a chain.
#[test]
fn r5_5_an_entry_registered_behind_the_trail_is_named() {
    let env = bureau();
    let id = entry_of(&env, LI);
    let was: String = one(&env, &format!("SELECT state FROM entries WHERE id = {id}"));
    env.conn()
        .execute(
            "UPDATE entries SET state = 'registered' WHERE id = ?1",
            [id],
        )
        .unwrap();
    let out = verify(&env);
    found(
        &out,
        &[
            "audit trail intact",
            "the database differs from the trail in 1 places",
            &format!("entry:{id}: state is \"registered\" but audit record"),
            &format!("says \"{was}\": changed behind the trail"),
        ],
    );
    found(
        &verify_zh(&env),
        &[&format!("entry:{id} 的 state 现为“registered”")],
    );
}

#[test]
fn r5_5_hours_and_evidence_changed_behind_the_trail_are_named() {
    let env = bureau();
    let id = entry_of(&env, LI);
    let conn = env.conn();
    conn.execute("UPDATE entries SET hours_tenths = 900 WHERE id = ?1", [id])
        .unwrap();
    conn.execute(
        "INSERT INTO entry_evidence (entry_id, code, received_by, received_at)
         VALUES (?1, 'certificate', 'mallory', '2017-07-15')",
        [id],
    )
    .unwrap();
    found(
        &verify(&env),
        &[
            &format!("entry:{id}: hours is \"90\" but audit record"),
            "says \"12.5\"",
            &format!("entry:{id}: evidence is \""),
        ],
    );
}

#[test]
fn r5_5_rows_added_or_deleted_behind_the_trail_are_named() {
    let env = bureau();
    let conn = env.conn();
    let id = entry_of(&env, LI);
    conn.execute(
        "INSERT INTO entries (person_id, year, category, form, content, provider, start_date,
             end_date, hours_tenths, result, state, created_at, updated_at)
         SELECT person_id, year, category, form, content || '（补）', provider, start_date,
             end_date, hours_tenths, result, 'registered', created_at, updated_at
         FROM entries WHERE id = 1",
        [],
    )
    .unwrap();
    let new = conn.last_insert_rowid();
    conn.execute("DELETE FROM entry_evidence WHERE entry_id = ?1", [id])
        .unwrap();
    conn.execute("DELETE FROM entries WHERE id = ?1", [id])
        .unwrap();
    found(
        &verify(&env),
        &[
            &format!("entry:{new} has no audit record: written behind the trail"),
            &format!("entry:{id}, recorded in audit record"),
            "is not in the database: deleted behind the trail",
        ],
    );
}

#[test]
fn r5_5_a_filing_approved_behind_the_trail_is_named() {
    let env = bureau();
    env.conn()
        .execute(
            "UPDATE filings SET status = 'approved', approved_on = '2016-02-01'",
            [],
        )
        .unwrap();
    found(
        &verify(&env),
        &[
            "filing:F2016-01: status is \"approved\" but audit record",
            "says \"pending\"",
            "filing:F2016-01: approved_on is \"2016-02-01\"",
        ],
    );
}

#[test]
fn r6_an_applicant_accepted_behind_the_trail_is_named() {
    let env = bureau();
    let file = env.write("applicants.csv", &format!("id_number\n{ZHANG}\n"));
    env.import("applicants", &file, &["--batch", "湖南师范大学"])
        .expect(0);
    verify(&env).expect(0);
    env.conn()
        .execute("UPDATE batch_applicants SET state = 'accepted'", [])
        .unwrap();
    found(
        &verify(&env),
        &["applicant:1: state is \"accepted\" but audit record 0 says \"undecided\""],
    );
}

// ---------------------------------------------------------------- certificates

fn issue(env: &Env, id: &str) -> String {
    let out = env.run(["issue", id]);
    out.expect(0);
    out.stdout.trim().to_string()
}

fn code_of(env: &Env, number: &str) -> String {
    env.conn()
        .query_row(
            "SELECT code FROM certificates WHERE number = ?1",
            [number],
            |r| r.get(0),
        )
        .unwrap()
}

/// R7.2, R7.4 A certificate's text, status and the office's counter are held against the
/// trail.
#[test]
fn r7_a_certificate_or_counter_changed_behind_the_trail_is_named() {
    let env = bureau();
    let number = issue(&env, ZHANG);
    verify(&env).expect(0);
    let conn = env.conn();
    conn.execute("UPDATE certificates SET name = '张三'", [])
        .unwrap();
    conn.execute(
        "UPDATE certificate_counters SET last = last + 1 WHERE office = '省直'",
        [],
    )
    .unwrap();
    found(
        &verify(&env),
        &[
            &format!("certificate:{number}: name is \"张三\" but audit record"),
            "says \"张伟\"",
            "the certificate counter of 省直 2017 is 2; the trail issued 1 numbers (R7.2)",
        ],
    );
    found(
        &verify_zh(&env),
        &["省直2017年合格证明编号计数为 2，审计记录共出具 1 个编号"],
    );
}

#[test]
fn r7_a_void_undone_behind_the_trail_is_named() {
    let env = bureau();
    let number = issue(&env, ZHANG);
    env.run(["void", &number, "--reason", "信息有误"]).expect(0);
    env.conn()
        .execute(
            "UPDATE certificates SET voided_by = NULL, voided_at = NULL, void_reason = NULL",
            [],
        )
        .unwrap();
    found(
        &verify(&env),
        &[&format!(
            "certificate:{number}: status is \"valid\" but audit record"
        )],
    );
}

/// R7.4 The code is on the stub and the certificate, is the same on a reprint, and
/// `verify-code` confirms it whatever case or grouping is typed.
#[test]
fn r7_4_the_verification_code_is_printed_and_confirms_a_genuine_certificate() {
    let env = bureau();
    let number = issue(&env, ZHANG);
    let code = code_of(&env, &number);
    assert_eq!(code.len(), 11);
    assert_eq!(&code[5..6], "-");
    assert!(
        code.chars()
            .all(|c| c == '-' || "0123456789ABCDEFGHJKMNPQRSTVWXYZ".contains(c)),
        "{code}"
    );
    let page = |reprint: bool| {
        let out = env.run_raw(["print", &number, "--to", "-", "--encoding", "utf-8"]);
        out.expect(0);
        let page = String::from_utf8(out.stdout).unwrap();
        assert_eq!(page.contains("补打"), reprint);
        page
    };
    let first = page(false);
    assert!(first.contains(&format!("验 证 码：{code}")), "{first}");
    assert!(first.contains(&format!("验证码：{code}")), "{first}");
    assert_eq!(
        first.matches(code.as_str()).count(),
        2,
        "stub and certificate"
    );
    let again = page(true);
    assert_eq!(
        again.matches(code.as_str()).count(),
        2,
        "a reprint keeps the code"
    );

    let out = env.run(["--lang", "en", "verify-code", &number, &code]);
    out.expect(0);
    assert!(
        out.stdout.contains(&format!(
            "genuine and valid: certificate {number}, 张伟, 2012–2016"
        )),
        "{out:?}"
    );
    let typed = code.replace('-', "").to_lowercase();
    let hyphens = number.replace('—', "-");
    env.run(["verify-code", &hyphens, &typed]).expect(0);
    let out = env.run(["verify-code", &number, &code]);
    assert!(out.stdout.contains("真实有效"), "{out:?}");
}

#[test]
fn r7_4_a_wrong_code_or_number_is_not_genuine() {
    let env = bureau();
    let number = issue(&env, ZHANG);
    let code = code_of(&env, &number);
    // The same code with its first character changed.
    let first = if code.starts_with('0') { "1" } else { "0" };
    let wrong: String = first.chars().chain(code.chars().skip(1)).collect();
    let out = env.run(["--lang", "en", "verify-code", &number, &wrong]);
    out.expect(1);
    assert!(
        out.stdout.contains(&format!(
            "not genuine: the code does not match certificate {number}"
        )),
        "{out:?}"
    );
    let out = env.run(["verify-code", &number, "ABC"]);
    out.expect(1);
    assert!(out.stdout.contains("不是真实证明"), "{out:?}");
    let out = env.run(["--lang", "en", "verify-code", "省直—2017—0099", &code]);
    out.expect(2);
    assert!(
        out.stderr
            .contains("no certificate numbered 省直—2017—0099"),
        "{out:?}"
    );
    let out = env.run(["verify-code", "省直—2017—0099", &code]);
    out.expect(2);
    assert!(
        out.stderr.contains("没有编号为 省直—2017—0099 的合格证明"),
        "{out:?}"
    );
}

/// R7.2, R7.4 A voided certificate's code is reported void, naming its reissue; the reissue
/// has a code of its own.
#[test]
fn r7_4_a_voided_certificates_code_is_reported_void_with_its_reissue() {
    let env = bureau();
    let old = issue(&env, ZHANG);
    let old_code = code_of(&env, &old);
    let out = env.run(["reissue", &old, "--reason", "单位名称有误"]);
    out.expect(0);
    let new = out.stdout.trim().to_string();
    let new_code = code_of(&env, &new);
    assert_ne!(old_code, new_code);
    let out = env.run(["--lang", "en", "verify-code", &old, &old_code]);
    out.expect(1);
    assert!(
        out.stdout.contains(&format!(
            "genuine but void: certificate {old} (张伟) was voided on {TODAY}, reason: 单位名称有误; replaced by the reissue {new}"
        )),
        "{out:?}"
    );
    let out = env.run(["verify-code", &old, &old_code]);
    out.expect(1);
    assert!(out.stdout.contains("证明真实但已作废"), "{out:?}");
    assert!(
        out.stdout.contains(&format!("已由补发的 {new} 取代")),
        "{out:?}"
    );
    env.run(["verify-code", &new, &new_code]).expect(0);
    verify(&env).expect(0);
}

/// A code written into the database behind the trail is not genuine, and `audit verify` says
/// the certificate differs from its issue record.
#[test]
fn r7_4_a_code_forged_in_the_database_is_not_genuine() {
    let env = bureau();
    let number = issue(&env, ZHANG);
    let forged = "ABCDE-FGHJK";
    assert_ne!(code_of(&env, &number), forged);
    env.conn()
        .execute("UPDATE certificates SET code = ?1", [forged])
        .unwrap();
    env.run(["verify-code", &number, forged]).expect(1);
    found(
        &verify(&env),
        &[&format!(
            "certificate:{number}: code is \"{forged}\" but audit record"
        )],
    );
}

// ---------------------------------------------------------------- issue 9, the second attack
//
// Each of these passed `audit verify` (or `verify-code`) before it was closed: the state
// behind the trail was compared only on an entry's state, hours and evidence; one demo run
// excused every unrecorded row; a trail stripped of its key record and rehashed passed when no
// anchor existed yet; and `verify-code` believed the database's void columns.

/// The id of the `n`th entry (by id) of a person.
fn nth_entry_of(env: &Env, id_number: &str, n: usize) -> i64 {
    one(
        env,
        &format!(
            "SELECT e.id FROM entries e JOIN people p ON p.id = e.person_id
             WHERE p.id_number = '{id_number}' ORDER BY e.id LIMIT 1 OFFSET {n}"
        ),
    )
}

/// R5.5, R5.2 The attack of the issue: a registered entry moved to another person (its
/// content touched so the row stays unique) counts for that person; `audit verify` names the
/// move with both people's ID numbers.
#[test]
fn r5_5_an_entry_moved_to_another_person_is_named() {
    let env = bureau();
    let id = nth_entry_of(&env, ZHANG, 0);
    let content: String = one(
        &env,
        &format!("SELECT content FROM entries WHERE id = {id}"),
    );
    let (_, before) = env.check_json(LI, &["--from", "2012", "--to", "2016"]);
    env.conn()
        .execute(
            "UPDATE entries SET person_id = (SELECT id FROM people WHERE id_number = ?1),
                 content = content || '.' WHERE id = ?2",
            params![LI, id],
        )
        .unwrap();
    let (_, after) = env.check_json(LI, &["--from", "2012", "--to", "2016"]);
    assert_ne!(before, after, "the moved hours count for 李娜 now");
    found(
        &verify(&env),
        &[
            "audit trail intact",
            &format!("entry:{id}: person is \"{LI}\" but audit record"),
            &format!("says \"{ZHANG}\": changed behind the trail"),
            &format!("entry:{id}: content is \"{content}.\""),
        ],
    );
    found(
        &verify_zh(&env),
        &[&format!("entry:{id} 的 person 现为“{LI}”")],
    );
}

/// R5.1, R5.2, R2 Every fact of an entry the trail states is held against the table: its
/// category, year, result (a pass turned into a fail, or the reverse), paper-history flag,
/// dates, content and provider.
#[test]
fn r5_5_every_fact_of_an_entry_changed_behind_the_trail_is_named() {
    let env = bureau();
    let a = nth_entry_of(&env, ZHANG, 0);
    let b = nth_entry_of(&env, ZHANG, 1);
    let conn = env.conn();
    conn.execute(
        "UPDATE entries SET category = 'professional', year = 2013, result = 'fail',
             migrated = 0 WHERE id = ?1",
        [a],
    )
    .unwrap();
    conn.execute(
        "UPDATE entries SET start_date = '2012-04-02', end_date = '2012-04-29',
             content = '伪造的课程', provider = '某机构' WHERE id = ?1",
        [b],
    )
    .unwrap();
    found(
        &verify(&env),
        &[
            &format!("entry:{a}: category is \"professional\" but audit record"),
            "says \"public\"",
            &format!("entry:{a}: year is \"2013\""),
            "says \"2012\"",
            &format!("entry:{a}: result is \"fail\""),
            "says \"pass\"",
            &format!("entry:{a}: migrated is \"false\""),
            "says \"true\"",
            &format!("entry:{b}: start_date is \"2012-04-02\""),
            &format!("entry:{b}: end_date is \"2012-04-29\""),
            &format!("entry:{b}: content is \"伪造的课程\""),
            &format!("entry:{b}: provider is \"某机构\""),
        ],
    );
}

/// R1.2, R1.3, R1.4 A person's name, unit, kind of unit and city are what the last
/// `person.create` / `person.update` record says.
#[test]
fn r5_5_a_person_changed_behind_the_trail_is_named() {
    let env = bureau();
    let kind: String = one(
        &env,
        &format!("SELECT unit_kind FROM people WHERE id_number = '{ZHANG}'"),
    );
    let city: String = one(
        &env,
        &format!("SELECT city_code FROM people WHERE id_number = '{ZHANG}'"),
    );
    let other = if city == "430100" { "430200" } else { "430100" };
    let other_kind = if kind == "city" { "non_public" } else { "city" };
    env.conn()
        .execute(
            "UPDATE people SET name = '张三', unit = '别的单位', unit_kind = ?1, city_code = ?2
             WHERE id_number = ?3",
            params![other_kind, other, ZHANG],
        )
        .unwrap();
    let out = verify(&env);
    found(
        &out,
        &[
            &format!("person:{ZHANG}: name is \"张三\" but audit record"),
            "says \"张伟\"",
            &format!("person:{ZHANG}: unit is \"别的单位\""),
            &format!("person:{ZHANG}: unit_kind is \"{other_kind}\""),
            &format!("says \"{kind}\""),
            &format!("person:{ZHANG}: city_code is \"{other}\""),
            &format!("says \"{city}\""),
        ],
    );
    found(
        &verify_zh(&env),
        &[&format!("person:{ZHANG} 的 name 现为“张三”")],
    );
}

/// R1.2 A person added or removed with `sqlite3` is as visible as an entry.
#[test]
fn r5_5_a_person_added_or_deleted_behind_the_trail_is_named() {
    let env = bureau();
    let conn = env.conn();
    conn.execute(
        "INSERT INTO people (id_number, name, unit, unit_kind, city_code, created_at, updated_at)
         SELECT ?1, '赵六', unit, unit_kind, city_code, created_at, updated_at
         FROM people WHERE id_number = ?2",
        params![ZHAO, LI],
    )
    .unwrap();
    conn.execute("DELETE FROM entry_evidence WHERE entry_id IN (SELECT e.id FROM entries e JOIN people p ON p.id = e.person_id WHERE p.id_number = ?1)", [LI]).unwrap();
    conn.execute(
        "DELETE FROM entries WHERE person_id = (SELECT id FROM people WHERE id_number = ?1)",
        [LI],
    )
    .unwrap();
    conn.execute("DELETE FROM people WHERE id_number = ?1", [LI])
        .unwrap();
    found(
        &verify(&env),
        &[
            &format!("person:{ZHAO} has no audit record: written behind the trail"),
            &format!("person:{LI}, recorded in audit record"),
        ],
    );
}

/// R4.2 A filing's category and dates decide which trainings it covers (R4.3): changed
/// behind the trail, they are named.
#[test]
fn r5_5_a_filings_category_and_dates_changed_behind_the_trail_are_named() {
    let env = bureau();
    env.conn()
        .execute(
            "UPDATE filings SET category = 'professional', start_date = '2016-01-01',
                 end_date = '2016-12-31', name = '别的培训'",
            [],
        )
        .unwrap();
    found(
        &verify(&env),
        &[
            "filing:F2016-01: category is \"professional\" but audit record",
            "says \"public\"",
            "filing:F2016-01: start_date is \"2016-01-01\"",
            "says \"2016-03-01\"",
            "filing:F2016-01: end_date is \"2016-12-31\"",
            "filing:F2016-01: name is \"别的培训\"",
        ],
    );
}

/// R6.4, R7.2 The verification a certificate rests on and its office are what the issue
/// record says; a change inside the verification is named by its place.
#[test]
fn r7_a_certificates_verification_or_office_changed_behind_the_trail_is_named() {
    let env = bureau();
    let number = issue(&env, ZHANG);
    verify(&env).expect(0);
    let conn = env.conn();
    conn.execute(
        "UPDATE certificates SET verification = json_set(verification, '$.years[0].public', 99),
             office = '长沙'",
        [],
    )
    .unwrap();
    found(
        &verify(&env),
        &[
            &format!(
                "certificate:{number}: verification.years[0].public is \"99\" but audit record"
            ),
            "says \"30\"",
            &format!("certificate:{number}: office is \"长沙\""),
            "says \"省直\"",
        ],
    );
}

/// Only the rows a demo run wrote may lack their own record: a person and an entry added
/// with `sqlite3` to a demo database are still found.
#[test]
fn r5_5_a_demo_does_not_excuse_rows_added_later_behind_the_trail() {
    let env = Env::new();
    env.run(["demo", "--people", "3"]).expect(0);
    let out = verify(&env);
    out.expect(0);
    assert!(out.stdout.contains("rows of demo data"), "{out:?}");
    let conn = env.conn();
    conn.execute(
        "INSERT INTO people (id_number, name, unit, unit_kind, city_code, created_at, updated_at)
         SELECT ?1, '赵六', unit, unit_kind, city_code, created_at, updated_at
         FROM people ORDER BY id LIMIT 1",
        [ZHAO],
    )
    .unwrap();
    conn.execute(
        "INSERT INTO entries (person_id, year, category, form, content, provider, start_date,
             end_date, hours_tenths, result, state, batch_id, created_at, updated_at)
         SELECT (SELECT id FROM people WHERE id_number = ?1), year, category, form, content,
             provider, start_date, end_date, hours_tenths, result, 'registered', batch_id,
             created_at, updated_at
         FROM entries ORDER BY id LIMIT 1",
        [ZHAO],
    )
    .unwrap();
    let new = conn.last_insert_rowid();
    found(
        &verify(&env),
        &[
            &format!("person:{ZHAO} has no audit record: written behind the trail"),
            &format!("entry:{new} has no audit record: written behind the trail"),
        ],
    );
}

/// Delete the record of `id`, close the gap and recompute every hash as plain SHA-256: what
/// someone with the file but not the key can do to make a keyed trail look unkeyed.
fn strip_record(conn: &Connection, id: i64) {
    conn.execute("DELETE FROM audit WHERE id = ?1", [id])
        .unwrap();
    conn.execute("UPDATE audit SET id = id - 1 WHERE id > ?1", [id])
        .unwrap();
    if id == 1 {
        conn.execute(
            "UPDATE audit SET prev_hash = ?1 WHERE id = 1",
            [&"0".repeat(64)],
        )
        .unwrap();
    }
    rehash_from(conn, id.max(1));
}

/// R5.5 The keyed chain anchors itself where it starts, so a trail stripped of its
/// `audit.key` record and rehashed without the key is found even before anyone ran
/// `audit anchor`.
#[test]
fn r5_5_a_trail_stripped_of_its_key_record_and_rehashed_is_found() {
    let env = bureau();
    let log = std::fs::read_to_string(anchor_log(&env)).unwrap_or_default();
    assert_eq!(
        log.lines().count(),
        1,
        "the start of the keyed chain: {log}"
    );
    let v: serde_json::Value = serde_json::from_str(log.trim()).unwrap();
    assert_eq!(
        (v["count"].as_i64(), v["keyed_from"].as_i64()),
        (Some(1), Some(1))
    );
    verify(&env).expect(0);
    strip_record(&env.conn(), 1);
    assert_eq!(
        one::<i64>(
            &env,
            "SELECT count(*) FROM audit WHERE action = 'audit.key'"
        ),
        0
    );
    let out = verify(&env);
    found(
        &out,
        &[&format!(
            "the trail was keyed from record 1 (anchored on {TODAY}) and has no audit.key record now"
        )],
    );
    found(&verify_zh(&env), &["审计记录自第 1 条起以密钥链接"]);
    // Nor does the nightly `audit anchor` vouch for it, which would launder the rewrite.
    let lines = std::fs::read_to_string(anchor_log(&env))
        .unwrap()
        .lines()
        .count();
    let out = env.run(["--lang", "en", "audit", "anchor"]);
    out.expect(1);
    assert!(
        out.stderr
            .contains("not anchored: audit trail rewritten without its key"),
        "{out:?}"
    );
    assert_eq!(
        std::fs::read_to_string(anchor_log(&env))
            .unwrap()
            .lines()
            .count(),
        lines
    );
}

/// R5.5 An honest upgrade is not tampering: a database from before keys, opened by this
/// version with a key at hand, verifies and is not anchored until a write starts its keyed
/// chain; that write anchors it.
#[test]
fn r5_5_an_unkeyed_database_is_not_reported_until_its_keyed_chain_starts() {
    let env = Env::new();
    std::fs::create_dir_all(key_file(&env)).unwrap();
    env.people(&[(ZHANG, "张伟")]);
    std::fs::remove_dir(key_file(&env)).unwrap();
    let out = verify(&env);
    out.expect(0);
    assert!(out.stdout.contains("not keyed yet"), "{out:?}");
    assert!(
        !anchor_log(&env).exists(),
        "nothing keyed, nothing anchored"
    );
    let old: i64 = one(&env, "SELECT count(*) FROM audit");
    env.people(&[(LI, "李娜")]);
    let line = std::fs::read_to_string(anchor_log(&env)).unwrap();
    let v: serde_json::Value = serde_json::from_str(line.trim()).unwrap();
    assert_eq!(v["count"].as_i64(), Some(old + 1), "{line}");
    verify(&env).expect(0);
}

/// R7.4 `verify-code` consults the trail: a void taken back in the database leaves the
/// certificate void in the trail, and the reader is told the two disagree.
#[test]
fn r7_4_a_void_undone_in_the_database_is_not_read_as_valid() {
    let env = bureau();
    let number = issue(&env, ZHANG);
    let code = code_of(&env, &number);
    env.run(["void", &number, "--reason", "信息有误"]).expect(0);
    env.conn()
        .execute(
            "UPDATE certificates SET voided_by = NULL, voided_at = NULL, void_reason = NULL",
            [],
        )
        .unwrap();
    let out = env.run(["--lang", "en", "verify-code", &number, &code]);
    out.expect(1);
    assert!(!out.stdout.contains("genuine and valid"), "{out:?}");
    assert!(
        out.stdout.contains(&format!(
            "the database disagrees with the audit trail: certificate {number} was voided on {TODAY} (reason: 信息有误, audit record"
        )),
        "{out:?}"
    );
    let out = env.run(["verify-code", &number, &code]);
    out.expect(1);
    assert!(out.stdout.contains("数据库与审计记录不一致"), "{out:?}");
}

/// R7.4 The other way round: a certificate voided in the database with no void in the trail
/// is not reported void as if the office had voided it.
#[test]
fn r7_4_a_void_written_only_in_the_database_is_a_disagreement() {
    let env = bureau();
    let number = issue(&env, ZHANG);
    let code = code_of(&env, &number);
    env.conn()
        .execute(
            "UPDATE certificates SET voided_by = 'mallory', voided_at = '2017-07-15T12:00:00+08:00',
                 void_reason = '无'",
            [],
        )
        .unwrap();
    let out = env.run(["--lang", "en", "verify-code", &number, &code]);
    out.expect(1);
    assert!(
        out.stdout.contains(&format!(
            "the database disagrees with the audit trail: certificate {number} is void in the database, but the trail never voided it"
        )),
        "{out:?}"
    );
}

/// R6.4 The totals a batch's verification reads are checked against the entries: 李娜, with no
/// registered hours, given a full 2016 in the totals table behind the services, is named — else
/// she would be verified as passing. A row removed or added is named too.
#[test]
fn r6_4_totals_changed_behind_the_services_are_named() {
    let env = bureau();
    assert_eq!(verify(&env).code, 0, "{}", verify(&env).stdout);
    let li: i64 = one(
        &env,
        &format!("SELECT id FROM people WHERE id_number = '{LI}'"),
    );
    env.conn()
        .execute(
            "INSERT INTO person_year_totals (person_id, year, public_tenths, professional_tenths)
             VALUES (?1, 2016, 300, 600)",
            [li],
        )
        .unwrap();
    found(
        &verify(&env),
        &[&format!(
            "{LI} 李娜: the 2016 totals (public+professional) are \"30+60\" but rebuilt from the entries they are \"0+0\""
        )],
    );
    env.conn()
        .execute("DELETE FROM person_year_totals WHERE person_id = ?1", [li])
        .unwrap();
    let zhang: i64 = one(
        &env,
        &format!("SELECT id FROM people WHERE id_number = '{ZHANG}'"),
    );
    env.conn()
        .execute(
            "UPDATE person_year_totals SET public_tenths = public_tenths + 10
             WHERE person_id = ?1 AND year = 2014",
            [zhang],
        )
        .unwrap();
    found(
        &verify(&env),
        &[&format!(
            "{ZHANG} 张伟: the 2014 totals (public+professional)"
        )],
    );
}

/// What `verify-code` quotes back of the caller's number never reaches the terminal raw: an
/// escape sequence in it is never obeyed.
#[test]
fn verify_code_neutralises_the_number_it_quotes() {
    let env = bureau();
    let out = env.run([
        "verify-code",
        "长沙\u{1b}]0;evil\u{7}—2017—0001",
        "ABCDE-FGHJK",
    ]);
    assert!(out.code != 0, "{}", out.stdout);
    for text in [&out.stdout, &out.stderr] {
        assert!(
            !text.contains('\u{1b}') && !text.contains('\u{7}'),
            "{text:?}"
        );
    }
    assert!(out.stderr.contains("2017—0001"), "{:?}", out.stderr);
}

// ---------------------------------------------------------------- an import's payload

/// The record of the import of `file` (one per import of entries, R5.5) and what it says.
fn import_record(env: &Env, file: &str) -> (i64, serde_json::Value) {
    import_record_of(env, "import.entries", file)
}

/// The record of `action` (`import.entries`, `import.people`) importing `file`, and what it
/// says.
fn import_record_of(env: &Env, action: &str, file: &str) -> (i64, serde_json::Value) {
    let (id, after): (i64, String) = env
        .conn()
        .query_row(
            "SELECT id, after FROM audit
             WHERE action = ?1 AND json_extract(after, '$.file') LIKE '%' || ?2",
            [action, file],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    (id, serde_json::from_str(&after).unwrap())
}

/// The payload of record `id` as text: its parts unpacked in order.
fn payload_text(conn: &Connection, id: i64) -> String {
    use std::io::Read;
    let parts: Vec<Vec<u8>> = conn
        .prepare("SELECT body FROM audit_payloads WHERE audit_id = ?1 ORDER BY part")
        .unwrap()
        .query_map([id], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let mut text = String::new();
    for p in parts {
        flate2::read::ZlibDecoder::new(p.as_slice())
            .read_to_string(&mut text)
            .unwrap();
    }
    text
}

/// Replace the payload of record `id` with `text` in one part, as someone with `sqlite3` and
/// a zlib library would.
fn put_payload(conn: &Connection, id: i64, text: &str) {
    use std::io::Write;
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    z.write_all(text.as_bytes()).unwrap();
    let body = z.finish().unwrap();
    conn.execute("DELETE FROM audit_payloads WHERE audit_id = ?1", [id])
        .unwrap();
    conn.execute(
        "INSERT INTO audit_payloads (audit_id, part, body) VALUES (?1, 0, ?2)",
        params![id, body],
    )
    .unwrap();
}

/// R5.5 An import of entries is one signed record: who, when, the file and its SHA-256, the
/// entries it created, and the SHA-256 of its payload, which states each of them in a line —
/// no record per entry. `audit verify` replays the payload and agrees with the database.
#[test]
fn r5_5_an_import_is_one_record_whose_payload_states_every_entry() {
    let env = bureau();
    let (id, after) = import_record(&env, "history.csv");
    let entries: i64 = one(
        &env,
        &format!(
            "SELECT count(*) FROM entries WHERE person_id =
                 (SELECT id FROM people WHERE id_number = '{ZHANG}')"
        ),
    );
    let (first, last): (i64, i64) = env
        .conn()
        .query_row(
            &format!(
                "SELECT min(id), max(id) FROM entries WHERE person_id =
                     (SELECT id FROM people WHERE id_number = '{ZHANG}')"
            ),
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(after["added"], entries, "{after}");
    assert_eq!(
        after["created"],
        serde_json::json!([first, last]),
        "{after}"
    );
    assert_eq!(after["kind"], "entries.registered");
    assert_eq!(
        one::<i64>(
            &env,
            "SELECT count(*) FROM audit WHERE action = 'entry.migrate'"
        ),
        0
    );
    assert_eq!(
        one::<i64>(
            &env,
            &format!("SELECT count(*) FROM audit WHERE subject = 'entry:{first}'")
        ),
        0,
        "no record of its own"
    );
    let text = payload_text(&env.conn(), id);
    let sha: String = Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(after["payload"]["sha256"], sha.as_str());
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines.len() as i64,
        entries + 1,
        "a head, then a line an entry"
    );
    assert!(lines[0].starts_with("jijiao.entries.1\t"), "{}", lines[0]);
    // R3 Paper history arrives with its checklist complete: the line lists it.
    let codes: Vec<String> = env
        .conn()
        .prepare(&format!(
            "SELECT code FROM entry_evidence WHERE entry_id = {first} ORDER BY code"
        ))
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(!codes.is_empty());
    assert!(
        lines[1].starts_with(&format!("+\t{first}\t")) && lines[1].ends_with(&codes.join(",")),
        "{}",
        lines[1]
    );
    verify(&env).expect(0);
}

/// R5.5 An imported entry changed behind the trail is named with what the import's payload
/// says of it, and the import's record as the record that says it.
#[test]
fn r5_5_an_imported_entry_changed_behind_the_trail_is_named_from_the_payload() {
    let env = bureau();
    let (record, _) = import_record(&env, "history.csv");
    let id = nth_entry_of(&env, ZHANG, 2);
    let hours: i64 = one(
        &env,
        &format!("SELECT hours_tenths FROM entries WHERE id = {id}"),
    );
    env.conn()
        .execute(
            "UPDATE entries SET hours_tenths = hours_tenths + 100 WHERE id = ?1",
            [id],
        )
        .unwrap();
    let was = format!("{}", hours as f64 / 10.0);
    let now = format!("{}", (hours + 100) as f64 / 10.0);
    found(
        &verify(&env),
        &[
            "audit trail intact",
            &format!("entry:{id}: hours is \"{now}\" but audit record {record} says \"{was}\""),
        ],
    );
    found(
        &verify_zh(&env),
        &[&format!(
            "entry:{id} 的 hours 现为“{now}”，而审计记录第 {record} 条记载为“{was}”"
        )],
    );
}

/// R5.5, R3 Evidence of an imported entry taken away behind the trail is named against the
/// set its payload line lists.
#[test]
fn r5_5_evidence_of_an_imported_entry_removed_behind_the_trail_is_named() {
    let env = bureau();
    let (record, _) = import_record(&env, "history.csv");
    let id = nth_entry_of(&env, ZHANG, 1);
    let pieces = |env: &Env| -> i64 {
        one(
            env,
            &format!("SELECT count(*) FROM evidence_received WHERE entry_id = {id}"),
        )
    };
    let held = pieces(&env);
    // Through the old shape (a view since migration 24: SQLite counts no rows for it).
    env.conn()
        .execute(
            "DELETE FROM evidence_received WHERE entry_id = ?1
               AND code_id = (SELECT min(code_id) FROM evidence_received WHERE entry_id = ?1)",
            [id],
        )
        .unwrap();
    assert_eq!(pieces(&env), held - 1, "one piece taken away");
    found(&verify(&env), &[&format!("entry:{id}: evidence is \"")]);
    let out = verify(&env);
    assert!(
        out.stdout.contains(&format!("audit record {record} says")),
        "{out:?}"
    );
}

/// R5.5, R3 Pieces received together are one row of `evidence_sets` (migration 24): a bit
/// cleared in it, or one set in it, behind the trail is a piece taken away or added, and named
/// against the set the import's payload line lists.
#[test]
fn r5_5_a_set_of_evidence_changed_in_its_row_behind_the_trail_is_named() {
    let env = bureau();
    let (record, _) = import_record(&env, "history.csv");
    // An entry whose row holds more than one piece (a checklist of several items).
    let id: i64 = one(
        &env,
        &format!(
            "SELECT s.entry_id FROM evidence_sets s
                 JOIN entries e ON e.id = s.entry_id JOIN people p ON p.id = e.person_id
             WHERE p.id_number = '{ZHANG}' AND s.codes & (s.codes - 1) <> 0
             ORDER BY s.entry_id LIMIT 1"
        ),
    );
    let sets: i64 = one(
        &env,
        &format!("SELECT count(*) FROM evidence_sets WHERE entry_id = {id}"),
    );
    assert_eq!(sets, 1, "received together, one row");
    // The lowest bit cleared: a piece taken away.
    env.conn()
        .execute(
            "UPDATE evidence_sets SET codes = codes & (codes - 1) WHERE entry_id = ?1",
            [id],
        )
        .unwrap();
    found(
        &verify(&env),
        &[
            &format!("entry:{id}: evidence is \""),
            &format!("audit record {record} says"),
        ],
    );
    // On another entry, a piece no one received set in its row.
    let other: i64 = one(
        &env,
        &format!("SELECT min(entry_id) FROM evidence_sets WHERE entry_id <> {id}"),
    );
    let forged: i64 = env
        .conn()
        .query_row(
            "INSERT INTO evidence_codes (code) VALUES ('forged') RETURNING id",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(forged <= 62, "a code of the sets' bits: {forged}");
    env.conn()
        .execute(
            "UPDATE evidence_sets SET codes = codes | (1 << ?2) WHERE entry_id = ?1",
            [other, forged],
        )
        .unwrap();
    found(
        &verify(&env),
        &[
            &format!("entry:{id}: evidence is \""),
            &format!("entry:{other}: evidence is \""),
            "forged",
        ],
    );
}

/// R5.5 An imported entry deleted, and one inserted among them, behind the trail.
#[test]
fn r5_5_an_imported_entry_deleted_or_inserted_behind_the_trail_is_named() {
    let env = bureau();
    let (record, _) = import_record(&env, "history.csv");
    let id = nth_entry_of(&env, ZHANG, 3);
    let conn = env.conn();
    conn.execute("DELETE FROM evidence_received WHERE entry_id = ?1", [id])
        .unwrap();
    conn.execute("DELETE FROM entries WHERE id = ?1", [id])
        .unwrap();
    conn.execute(
        "INSERT INTO entries (person_id, year, category, form, content, provider, start_date,
             end_date, hours_tenths, result, state, migrated, batch_id, created_at, updated_at)
         SELECT person_id, year, category, form, content || '（补）', provider, start_date,
             end_date, hours_tenths, result, state, migrated, batch_id, created_at, updated_at
         FROM entries WHERE id = ?1",
        [nth_entry_of(&env, ZHANG, 0)],
    )
    .unwrap();
    let new = conn.last_insert_rowid();
    found(
        &verify(&env),
        &[
            &format!("entry:{id}, recorded in audit record {record}, is not in the database"),
            &format!("entry:{new} has no audit record: written behind the trail"),
        ],
    );
}

/// R5.5 A payload changed to agree with a changed entry (the attack on a payload: the lines
/// rewritten, the record left alone) is found: its SHA-256 is no longer the one the record
/// signed, and the entries it created are named as having no record to trust.
#[test]
fn r5_5_a_changed_payload_is_found() {
    let env = bureau();
    let (record, after) = import_record(&env, "history.csv");
    let id = nth_entry_of(&env, ZHANG, 0);
    let conn = env.conn();
    conn.execute("UPDATE entries SET hours_tenths = 900 WHERE id = ?1", [id])
        .unwrap();
    let text = payload_text(&conn, record);
    let forged: String = text
        .lines()
        .map(|l| {
            let mut f: Vec<String> = l.split('\t').map(str::to_string).collect();
            if f[1] == id.to_string() {
                f[10] = "90".into();
            }
            f.join("\t") + "\n"
        })
        .collect();
    assert_ne!(forged, text);
    put_payload(&conn, record, &forged);
    let created = &after["created"];
    let out = verify(&env);
    found(
        &out,
        &[
            "audit trail intact",
            &format!(
                "the payload of audit record {record} (a roster import) was changed: its SHA-256 is not the one the record signed; the entries it created, entry:{} to entry:{}",
                created[0], created[1]
            ),
        ],
    );
    // Named once, not once for each entry of the payload.
    assert!(!out.stdout.contains("has no audit record"), "{out:?}");
    found(
        &verify_zh(&env),
        &[&format!("审计记录第 {record} 条（名册导入）的明细已被改动")],
    );
}

/// R5.5 A payload deleted, or a part added for a record that signed none, behind the trail.
#[test]
fn r5_5_a_deleted_or_unsigned_payload_is_found() {
    let env = bureau();
    let (record, _) = import_record(&env, "history.csv");
    let conn = env.conn();
    let text = payload_text(&conn, record);
    conn.execute("DELETE FROM audit_payloads WHERE audit_id = ?1", [record])
        .unwrap();
    found(
        &verify(&env),
        &[&format!(
            "the payload of audit record {record} (a roster import) is missing: deleted behind the trail"
        )],
    );
    put_payload(&conn, record, &text);
    verify(&env).expect(0);
    // The filings import's record signs no payload.
    let filings: i64 = one(
        &env,
        "SELECT min(id) FROM audit WHERE action = 'import.filings'",
    );
    put_payload(&conn, filings, &text);
    found(
        &verify(&env),
        &[&format!(
            "the payload of audit record {filings} (a roster import) is signed by no record"
        )],
    );
}

/// R5.5 A row's 备注 stays a record of its own (`note.set` on the entry), beside the import's
/// one record: an empty note writes nothing, and the trail still agrees.
#[test]
fn r5_5_a_rosters_notes_are_kept_as_records_of_their_own_beside_the_payload() {
    let env = bureau();
    env.import_ok(
        "entries",
        "noted.csv",
        &format!(
            "身份证号,年度,科目类别,学习形式,培训内容,施教机构,开始日期,结束日期,学时,考核结果,备注\n\
             {LI},2015,公需,培训班,法治讲座,省人社厅,2015-05-01,2015-05-02,12,合格,补录\n\
             {LI},2015,专业,培训班,护理进展,省医学会,2015-06-01,2015-06-03,24,合格,\n"
        ),
        &[],
    );
    let (record, after) = import_record(&env, "noted.csv");
    assert_eq!(after["added"], 2, "{after}");
    let noted: i64 = one(
        &env,
        "SELECT e.id FROM entries e WHERE e.content = '法治讲座'",
    );
    let notes: Vec<(String, String)> = env
        .conn()
        .prepare("SELECT subject, after FROM audit WHERE action = 'note.set' AND id < ?1")
        .unwrap()
        .query_map([record], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert_eq!(notes[0].0, format!("entry:{noted}"));
    assert!(notes[0].1.contains("补录"), "{notes:?}");
    assert_eq!(
        one::<String>(
            &env,
            &format!("SELECT note FROM notes WHERE subject = 'entry:{noted}'")
        ),
        "补录"
    );
    assert_eq!(payload_text(&env.conn(), record).lines().count(), 3);
    verify(&env).expect(0);
}

// ---------------------------------------------------------------- an import of people's payload

/// The row id of the person with `id_number`.
fn person_of(env: &Env, id_number: &str) -> i64 {
    one(
        env,
        &format!("SELECT id FROM people WHERE id_number = '{id_number}'"),
    )
}

/// R5.5, R1.2 An import of people is one signed record (`import.people`): the file and its
/// SHA-256, the people it created, and the SHA-256 of its payload, a line per person — no
/// record per person. `audit verify` replays the lines and agrees with the database.
#[test]
fn r5_5_an_import_of_people_is_one_record_whose_payload_states_every_person() {
    let env = bureau();
    let (id, after) = import_record_of(&env, "import.people", "people.csv");
    let (zhang, li) = (person_of(&env, ZHANG), person_of(&env, LI));
    assert_eq!(after["added"], 2, "{after}");
    assert_eq!(after["kind"], "people", "{after}");
    assert_eq!(after["created"], serde_json::json!([zhang, li]), "{after}");
    assert_eq!(
        one::<i64>(
            &env,
            "SELECT count(*) FROM audit WHERE action LIKE 'person.%'"
        ),
        0,
        "no record of each person"
    );
    let text = payload_text(&env.conn(), id);
    let sha: String = Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(after["payload"]["sha256"], sha.as_str());
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "a head, then a line a person: {text}");
    assert!(lines[0].starts_with("jijiao.people.1\t"), "{}", lines[0]);
    assert!(
        lines[1].starts_with(&format!(
            "+\t{zhang}\t{ZHANG}\t张伟\t湖南师范大学\tprovincial\t"
        )),
        "{}",
        lines[1]
    );
    verify(&env).expect(0);
}

/// R5.5 A person a second roster changed has a `~` line in that import's payload; changed
/// again behind the trail, the person is named with what that payload says, and that
/// import's record as the one that says it.
#[test]
fn r5_5_a_person_a_roster_changed_is_held_against_its_payload() {
    let env = bureau();
    env.import_ok(
        "people",
        "moved.csv",
        &people_csv(&[(ZHANG, "张伟"), (LI, "李娜")]).replace(
            &format!("{ZHANG},张伟,湖南师范大学"),
            &format!("{ZHANG},张伟,湖南大学"),
        ),
        &[],
    );
    let (record, after) = import_record_of(&env, "import.people", "moved.csv");
    assert_eq!(
        (after["added"].as_i64(), after["updated"].as_i64()),
        (Some(0), Some(1))
    );
    let zhang = person_of(&env, ZHANG);
    let text = payload_text(&env.conn(), record);
    assert_eq!(text.lines().count(), 2, "{text}");
    assert!(
        text.lines()
            .nth(1)
            .is_some_and(|l| l.starts_with(&format!("~\t{zhang}\t{ZHANG}\t张伟\t湖南大学\t"))),
        "{text}"
    );
    verify(&env).expect(0);
    env.conn()
        .execute(
            "UPDATE people SET unit = '长沙学院' WHERE id_number = ?1",
            [ZHANG],
        )
        .unwrap();
    found(
        &verify(&env),
        &[&format!(
            "person:{ZHANG}: unit is \"长沙学院\" but audit record {record} says \"湖南大学\""
        )],
    );
}

/// R5.5 A people payload rewritten to agree with a person changed behind the trail is found
/// by its SHA-256, named once with the people it created, none of whom is then listed as
/// unrecorded; a payload deleted is named as missing.
#[test]
fn r5_5_a_changed_or_deleted_people_payload_is_found() {
    let env = bureau();
    let (record, _) = import_record_of(&env, "import.people", "people.csv");
    let (zhang, li) = (person_of(&env, ZHANG), person_of(&env, LI));
    let conn = env.conn();
    conn.execute("UPDATE people SET name = '李四' WHERE id = ?1", [li])
        .unwrap();
    let text = payload_text(&conn, record);
    let forged = text.replace("\t李娜\t", "\t李四\t");
    assert_ne!(forged, text);
    put_payload(&conn, record, &forged);
    let out = verify(&env);
    found(
        &out,
        &[
            "audit trail intact",
            &format!(
                "the payload of audit record {record} (a roster import) was changed: its SHA-256 is not the one the record signed; the people it created, ids {zhang} to {li} of people, have no record to trust"
            ),
        ],
    );
    assert!(!out.stdout.contains("has no audit record"), "{out:?}");
    found(
        &verify_zh(&env),
        &[&format!(
            "审计记录第 {record} 条（名册导入）的明细已被改动：其内容的 SHA-256 与记录签署的不符；它新增的人员（people 表 id {zhang}…{li}）"
        )],
    );
    conn.execute("DELETE FROM audit_payloads WHERE audit_id = ?1", [record])
        .unwrap();
    found(
        &verify(&env),
        &[&format!(
            "the payload of audit record {record} (a roster import) is missing: deleted behind the trail"
        )],
    );
    put_payload(&conn, record, &text);
    conn.execute("UPDATE people SET name = '李娜' WHERE id = ?1", [li])
        .unwrap();
    verify(&env).expect(0);
}

/// R5.5 A roster that only adds a 备注 to a person changes no person: its import's record
/// signs no payload (there is no line to sign), the note keeps its own record, and the trail
/// agrees — for people and for entries alike.
#[test]
fn r5_5_an_import_that_only_adds_notes_signs_no_payload() {
    let env = bureau();
    let noted = people_csv(&[(ZHANG, "张伟")])
        .replacen(PEOPLE_HEADER, &format!("{PEOPLE_HEADER},备注"), 1)
        .replace("0731-88872000\n", "0731-88872000,调入\n");
    let out = env.import_ok("people", "noted.csv", &noted, &[]);
    assert!(
        out.stdout.contains("新增 0 条，更新 1 条，未变 0 条"),
        "{out:?}"
    );
    let (_, after) = import_record_of(&env, "import.people", "noted.csv");
    assert!(after.get("payload").is_none(), "{after}");
    assert_eq!(
        one::<String>(
            &env,
            &format!("SELECT note FROM notes WHERE subject = 'person:{ZHANG}'")
        ),
        "调入"
    );
    let review = entries_csv(&[Entry::public(LI, 2016, "12.5")]);
    let review = review
        .replacen(ENTRIES_HEADER, &format!("{ENTRIES_HEADER},备注"), 1)
        .trim_end()
        .to_string()
        + ",补交\n";
    let out = env.import_ok("entries", "review-noted.csv", &review, &[]);
    assert!(out.stdout.contains("新增 0 条，更新 1 条"), "{out:?}");
    let (_, after) = import_record(&env, "review-noted.csv");
    assert!(after.get("payload").is_none(), "{after}");
    verify(&env).expect(0);
}
