//! `import filings` and `import applicants` stream their rosters (issue 10.3) through the same
//! two passes as entries and people: a roster of 200 000 rows is imported with the importing
//! process's peak memory well under the file's size; a bad last row is found by the checking
//! pass and leaves nothing written; and a small roster leaves the summary and the audit trail
//! (R5.5) that the whole-table import left, record for record.

mod common;

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use common::*;

/// A valid ID number for roster person `n` (R1.1), in a district no other test uses.
fn roster_id(n: usize) -> String {
    // Born on consecutive days from 1960 on, a thousand people a day.
    let day = chrono::NaiveDate::from_ymd_opt(1960, 1, 1).expect("date")
        + chrono::Days::new((n / 1000) as u64);
    let head = format!("439999{}{:03}", day.format("%Y%m%d"), n % 1000);
    format!("{head}{}", check_char(&head))
}

/// Rows of the large rosters: the default bound of `[import] max_rows`.
const LARGE: usize = 200_000;

/// A configuration with the row bound raised (the large rosters have a bad row past
/// [`LARGE`]), and the office a named batch is created for (R6.3).
fn config(env: &Env) -> PathBuf {
    env.write(
        "config.toml",
        "[office]\nname = \"长沙\"\nphone = \"0731-84440000\"\n\n[import]\nmax_rows = 1000000\n",
    )
}

/// `import KIND FILE ARGS…` with the configuration of [`config`].
fn import(env: &Env, kind: &str, file: &Path, extra: &[&str]) -> Out {
    let config = config(env);
    let mut args: Vec<&OsStr> = vec![
        OsStr::new("--config"),
        config.as_os_str(),
        OsStr::new("import"),
        OsStr::new(kind),
        file.as_os_str(),
    ];
    args.extend(extra.iter().map(OsStr::new));
    env.run(args)
}

/// [`import`], run as a child whose own peak resident memory is read at its end (`ru_maxrss`
/// from `wait4`, which reaps exactly this child): its output and the peak in bytes.
#[allow(clippy::zombie_processes)]
fn import_measured(env: &Env, kind: &str, file: &Path, extra: &[&str]) -> (Out, u64) {
    use std::io::Read;
    let config = config(env);
    let mut cmd: Command = env.command_on(&env.db(), TODAY);
    cmd.arg("--config")
        .arg(&config)
        .args(["import", kind])
        .arg(file)
        .args(extra)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("spawn jijiao");
    let mut out = child.stdout.take().expect("stdout");
    let mut err = child.stderr.take().expect("stderr");
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = out.read_to_string(&mut s);
        s
    });
    let mut stderr = String::new();
    let _ = err.read_to_string(&mut stderr);
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value for wait4 to fill in.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: waits for our own child, with pointers to live locals.
    let pid = unsafe { libc::wait4(child.id() as i32, &mut status, 0, &mut usage) };
    assert_eq!(pid, child.id() as i32, "wait4 reaps the child");
    let stdout = reader.join().expect("reader");
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        -1
    };
    let out = Out {
        code,
        stdout,
        stderr,
    };
    (out, usage.ru_maxrss as u64 * 1024)
}

/// Writes `header`, `rows` lines made by `line`, and `tail` to `name`, a line at a time: this
/// process never holds the roster, so the memory of the child it forks (which on Linux starts
/// from what the parent held) stays small.
fn write_roster(
    env: &Env,
    name: &str,
    header: &str,
    rows: usize,
    line: impl Fn(usize) -> String,
    tail: &str,
) -> (PathBuf, u64) {
    use std::io::Write;
    let path = env.path(name);
    let mut f = std::io::BufWriter::new(std::fs::File::create(&path).expect("roster"));
    writeln!(f, "{header}").expect("write");
    for r in 0..rows {
        writeln!(f, "{}", line(r)).expect("write");
    }
    f.write_all(tail.as_bytes()).expect("write");
    f.flush().expect("flush");
    let bytes = std::fs::metadata(&path).expect("roster").len();
    (path, bytes)
}

/// A filing's training programme (培训方案) as bureaus file them: a paragraph of aims, content
/// and assessment, here some 150 characters, which makes the roster's rows about 700 bytes.
const PROGRAMME: &str = "一、培训目标：提升专业技术人员的业务能力和职业素养，掌握本领域新理论、新技术、新方法。\
二、培训内容：政策法规解读、专业前沿讲座、案例研讨与实操训练。\
三、培训方式：集中面授与分组研讨相结合，理论学习与实践操作相结合。\
四、考核方式：出勤、课堂表现与结业考试综合评定，合格者颁发结业证明。";

const FILINGS_COLUMNS: &str = "备案编号,培训名称,科目类别,申报单位,培训机构,开始日期,结束日期,状态,备案日期,单位通讯地址,培训负责人,负责人电话,培训联系人,联系人电话,培训地点,培训方案";

/// Filing `i` of the large roster (R4.2): every third one pending, the others approved with a
/// date (R4.3).
fn filing_row(i: usize) -> String {
    let (y, m, d) = (2012 + i % 5, 1 + i % 12, 1 + i % 20);
    let category = if i.is_multiple_of(4) {
        "公需"
    } else {
        "专业"
    };
    let (status, on) = if i.is_multiple_of(3) {
        ("待审", String::new())
    } else {
        ("已备案", format!("{y}-{m:02}-01"))
    };
    format!(
        "湘继教备{y}第{i:07}号,{category}科目培训班第{}期,{category},湖南省第{}专业技术人员培训中心,湖南大学继续教育学院,{y}-{m:02}-{d:02},{y}-{m:02}-{:02},{status},{on},长沙市岳麓区麓山南路{}号,张{}老师,0731-8882{:04},李{}老师,1390731{:04},长沙,{PROGRAMME}",
        i % 997,
        i % 300,
        d + 5,
        i % 500,
        i % 97,
        i % 10_000,
        i % 89,
        i % 10_000,
    )
}

/// The memory an import may peak at: issue 10's bound for any file size, 100 MB, under the
/// files of these tests (128 and 140 MB). The whole-table import held every cell of the roster
/// (five times the file); the streamed one holds the page cache it writes through (32 MB), the
/// rows in flight between its reading thread and the checking or writing one (some two
/// thousand), per row only the marks that find a row listed twice (32 bytes and the number for
/// a filing, 16 bytes for an applicant: 6–10 MB at 200 000 rows), and what the allocator keeps
/// of what was freed (mimalloc, some 15 MB more than glibc's: 52 → 67 MB for the filings).
fn bound(file_bytes: u64) -> u64 {
    const ISSUE_10: u64 = 100 << 20;
    assert!(
        file_bytes > ISSUE_10,
        "a roster larger than the bound proves streaming"
    );
    ISSUE_10
}

/// Issue 10.3, R4.2 A filings roster of 200 000 rows (140 MB): with a bad status in its very last
/// row, the checking pass names that row and nothing is written; without it, every filing is
/// written with its record, in memory well under the file's size.
#[test]
fn a_filings_roster_of_200000_rows_streams_and_a_bad_last_row_writes_nothing() {
    let env = Env::new();
    // R4.2 A status outside the vocabulary, in the row after the 200 000 good ones.
    let last = filing_row(LARGE)
        .replace(",已备案,", ",审核中,")
        .replace(",待审,", ",审核中,");
    let (bad, bad_bytes) = write_roster(
        &env,
        "filings-bad.csv",
        FILINGS_COLUMNS,
        LARGE,
        filing_row,
        &format!("{last}\n"),
    );
    let (out, peak) = import_measured(&env, "filings", &bad, &[]);
    out.expect(2);
    let row = LARGE + 2;
    assert!(
        out.stderr
            .contains(&format!("filings-bad.csv:{row}:状态: 无法识别的值“审核中”")),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("未写入任何数据"), "{}", out.stderr);
    let c = env.counts();
    assert_eq!((c.filings, c.audit), (0, 0), "nothing written");
    assert!(
        peak < bound(bad_bytes),
        "checking {bad_bytes} bytes peaked at {peak}"
    );

    let (good, bytes) = write_roster(&env, "filings.csv", FILINGS_COLUMNS, LARGE, filing_row, "");
    assert!(bytes > 128 << 20, "{bytes} bytes");
    let (out, peak) = import_measured(&env, "filings", &good, &[]);
    out.expect(0);
    assert!(
        out.stdout
            .contains(&format!("新增 {LARGE} 条，更新 0 条，未变 0 条")),
        "{}",
        out.stdout
    );
    assert!(
        peak < bound(bytes),
        "importing {bytes} bytes peaked at {peak} bytes"
    );
    let conn = env.conn();
    let count = |sql: &str| -> i64 { conn.query_row(sql, [], |r| r.get(0)).expect(sql) };
    assert_eq!(count("SELECT count(*) FROM filings"), LARGE as i64);
    assert_eq!(
        count("SELECT count(*) FROM filings WHERE status = 'approved' AND approved_on IS NOT NULL"),
        (0..LARGE).filter(|i| !i.is_multiple_of(3)).count() as i64
    );
    // R5.5 A record per filing created, and the import's own naming the file as it was read.
    assert_eq!(
        count("SELECT count(*) FROM audit WHERE action = 'filing.create'"),
        LARGE as i64
    );
    let after: String = conn
        .query_row(
            "SELECT after FROM audit WHERE action = 'import.filings'",
            [],
            |r| r.get(0),
        )
        .expect("the import's record");
    let after: serde_json::Value = serde_json::from_str(&after).expect("json");
    assert_eq!(after["sha256"], sha256_of(&good));
    assert_eq!(after["added"], LARGE as i64);
    // The last filing, read whole after a 140 MB stream: its programme as the roster has it.
    let programme: String = conn
        .query_row(
            "SELECT programme FROM filings WHERE filing_no = ?1",
            [format!(
                "湘继教备{}第{:07}号",
                2012 + (LARGE - 1) % 5,
                LARGE - 1
            )],
            |r| r.get(0),
        )
        .expect("the last filing");
    assert_eq!(programme, PROGRAMME);
}

/// A department's remark on applicant `n` (备注): rosters carry one, and the import reads past
/// it. Some 250 characters, which makes the rows about 700 bytes.
fn remark(n: usize) -> String {
    format!(
        "第{n}号申报人：本年度继续教育学时已按要求完成，公需科目与专业科目学时均已登记，\
         所在单位已审核其培训证明材料并签署意见，同意报送本批次进行合格验证。\
         如有疑问请联系单位人事科，联系电话0731-8888{:04}，工作日上午八点至十二点、下午两点半至五点半。\
         材料清单：学时证明、结业证书复印件、单位审核意见表、个人申报表。\
         另：该同志近五年年度考核均为合格以上等次，无违反继续教育管理规定的情形，\
         所填信息真实准确，单位对此负责。",
        n % 10_000
    )
}

/// Issue 10.3, R6.1 An applicants roster of 200 000 rows (140 MB with the departments'
/// remarks): with an unregistered person in its very last row, the checking pass names that row
/// and nothing is written, not even the batch; without it, every person is added to the batch
/// created for the department (R6.3), each with its record, in memory well under the file's size.
#[test]
fn an_applicants_roster_of_200000_rows_streams_and_a_bad_last_row_writes_nothing() {
    let env = Env::new();
    let people_line = |n: usize| {
        format!(
            "{},申报人{n},长沙市基准测试研究院,市州所属单位,长沙",
            roster_id(n)
        )
    };
    let (people, _) = write_roster(
        &env,
        "people.csv",
        "身份证号,姓名,单位,单位类型,市州",
        LARGE,
        people_line,
        "",
    );
    import(&env, "people", &people, &[]).expect(0);
    let audited = env.counts().audit;
    let batch = ["--batch", "长沙市基准测试研究院"];
    let applicant = |n: usize| format!("{},申报人{n},{}", roster_id(n), remark(n));

    let (bad, bad_bytes) = write_roster(
        &env,
        "applicants-bad.csv",
        "身份证号,姓名,备注",
        LARGE,
        applicant,
        &format!("{STRANGER},路人,{}\n", remark(0)),
    );
    let (out, peak) = import_measured(&env, "applicants", &bad, &batch);
    out.expect(2);
    let row = LARGE + 2;
    assert!(
        out.stderr.contains(&format!(
            "applicants-bad.csv:{row}:身份证号: 数据库中没有身份证号为“{STRANGER}”的人员"
        )),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("未写入任何数据"), "{}", out.stderr);
    let conn = env.conn();
    let count = |sql: &str| -> i64 { conn.query_row(sql, [], |r| r.get(0)).expect(sql) };
    assert_eq!(count("SELECT count(*) FROM verification_batches"), 0);
    assert_eq!(count("SELECT count(*) FROM batch_applicants"), 0);
    assert_eq!(count("SELECT count(*) FROM audit"), audited);
    assert!(
        peak < bound(bad_bytes),
        "checking {bad_bytes} bytes peaked at {peak}"
    );

    let (good, bytes) = write_roster(
        &env,
        "applicants.csv",
        "身份证号,姓名,备注",
        LARGE,
        applicant,
        "",
    );
    assert!(bytes > 120 << 20, "{bytes} bytes");
    let (out, peak) = import_measured(&env, "applicants", &good, &batch);
    out.expect(0);
    assert!(
        out.stdout
            .contains(&format!("新增 {LARGE} 条，更新 0 条，未变 0 条")),
        "{}",
        out.stdout
    );
    assert!(
        out.stderr
            .contains("已新建验证批次 #1：长沙市基准测试研究院"),
        "{}",
        out.stderr
    );
    assert!(
        peak < bound(bytes),
        "importing {bytes} bytes peaked at {peak} bytes"
    );
    assert_eq!(count("SELECT count(*) FROM verification_batches"), 1);
    assert_eq!(
        count("SELECT count(DISTINCT person_id) FROM batch_applicants WHERE batch_id = 1"),
        LARGE as i64
    );
    assert_eq!(
        count("SELECT count(*) FROM audit WHERE action = 'applicant.add'"),
        LARGE as i64
    );
    let after: String = conn
        .query_row(
            "SELECT after FROM audit WHERE action = 'import.applicants'",
            [],
            |r| r.get(0),
        )
        .expect("the import's record");
    let after: serde_json::Value = serde_json::from_str(&after).expect("json");
    assert_eq!(after["sha256"], sha256_of(&good));
    assert_eq!(
        (after["added"].as_i64(), after["batch"].as_i64()),
        (Some(LARGE as i64), Some(1))
    );
}

fn sha256_of(path: &Path) -> String {
    use sha2::{Digest, Sha256};
    let bytes = std::fs::read(path).expect("roster");
    Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// One audit record as the trail is compared: (user, action, subject, before, after).
type Audited = (String, String, String, Option<String>, Option<String>);

/// The audit trail of this test's database, in order, without the records of the audit key and
/// of the people import (not this change's).
fn trail(env: &Env) -> Vec<Audited> {
    let conn = env.conn();
    let mut stmt = conn
        .prepare(
            "SELECT user, action, subject, before, after FROM audit
             WHERE action NOT IN ('audit.key', 'import.people') ORDER BY id",
        )
        .expect("trail");
    stmt.query_map([], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
    })
    .expect("trail")
    .collect::<rusqlite::Result<Vec<_>>>()
    .expect("trail")
}

/// A filing's record as `filing.create` and `filing.update` state it (`store::filings::to_json`).
fn filing_json(
    no: &str,
    name: &str,
    category: &str,
    dates: (&str, &str),
    status: &str,
    on: Option<&str>,
) -> String {
    let on = on.map_or_else(|| "null".to_string(), |d| format!("\"{d}\""));
    format!(
        "{{\"address\":\"\",\"applicant_unit\":\"湖南省人社厅\",\"approved_on\":{on},\"category\":\"{category}\",\"contact\":\"\",\"contact_phone\":\"\",\"contact_post\":\"\",\"email\":\"\",\"end_date\":\"{}\",\"filing_no\":\"{no}\",\"head\":\"\",\"head_phone\":\"\",\"head_post\":\"\",\"institution\":\"湖南省继续教育基地\",\"name\":\"{name}\",\"place\":\"\",\"post_code\":\"\",\"programme\":\"\",\"schedule\":\"\",\"start_date\":\"{}\",\"status\":\"{status}\",\"trainees\":\"\"}}",
        dates.1, dates.0
    )
}

/// R4.2, R6.1, R5.5 Small rosters, streamed, say and record what the whole-table import said
/// and recorded (the expected trail below is the one the import before this change left for
/// the same files): a record per filing created or changed, a note's own, one for each import
/// that changed anything with the file's SHA-256; a filing listed twice alike counted once; a
/// person listed twice (the name written with a space) added once; the same files again change
/// nothing and record nothing; `--dry-run` writes nothing.
#[test]
fn small_rosters_leave_the_summary_and_trail_they_left_before() {
    let env = Env::new();
    let h = "备案编号,培训名称,科目类别,申报单位,培训机构,开始日期,结束日期,状态,备案日期,备注";
    let row = |no: &str,
               name: &str,
               cat: &str,
               start: &str,
               end: &str,
               status: &str,
               on: &str,
               note: &str| {
        format!(
            "{no},{name},{cat},湖南省人社厅,湖南省继续教育基地,{start},{end},{status},{on},{note}"
        )
    };
    let f1 = env.write(
        "f1.csv",
        &[
            h.to_string(),
            row(
                "F2016-01",
                "公需科目培训班",
                "公需",
                "2016-03-01",
                "2016-03-05",
                "待审",
                "",
                "首批",
            ),
            row(
                "F2016-02",
                "专业科目培训班",
                "专业",
                "2016-04-01",
                "2016-04-05",
                "已备案",
                "2016-03-20",
                "",
            ),
            row(
                "F2016-02",
                "专业科目培训班",
                "专业",
                "2016-04-01",
                "2016-04-05",
                "已备案",
                "2016-03-20",
                "",
            ),
        ]
        .join("\n"),
    );
    let f2 = env.write(
        "f2.csv",
        &[
            h.to_string(),
            row(
                "F2016-01",
                "公需科目培训班",
                "公需",
                "2016-03-01",
                "2016-03-05",
                "已备案",
                "2016-02-20",
                "",
            ),
            row(
                "F2016-02",
                "专业科目培训班",
                "专业",
                "2016-04-01",
                "2016-04-05",
                "已备案",
                "2016-03-20",
                "",
            ),
            row(
                "F2016-03",
                "专业科目研修班",
                "专业",
                "2016-05-01",
                "2016-05-03",
                "不予备案",
                "",
                "材料不全",
            ),
        ]
        .join("\n"),
    );
    let dry = import(&env, "filings", &f1, &["--dry-run"]);
    dry.expect(0);
    assert!(
        dry.stdout.contains("新增 2 条") && dry.stdout.contains("试运行"),
        "{dry:?}"
    );
    assert_eq!(env.counts().filings, 0);
    assert_eq!(trail(&env), vec![], "a dry run records nothing");
    let said = [
        import(&env, "filings", &f1, &[]),
        import(&env, "filings", &f2, &[]),
        import(&env, "filings", &f2, &[]),
    ]
    .map(|o| o.expect(0).stdout.trim().to_string());
    assert_eq!(
        said,
        [
            // The repeated row is counted as unchanged: every row is accounted for (tester,
            // 2026-11-30; the whole-table import had left it out of the sum).
            "新增 2 条，更新 0 条，未变 1 条",
            "新增 1 条，更新 1 条，未变 1 条",
            "新增 0 条，更新 0 条，未变 3 条"
        ]
    );

    let people = env.write(
        "p.csv",
        &format!(
            "身份证号,姓名,单位,单位类型,市州\n{ZHANG},张伟,长沙市第一医院,市州所属单位,长沙\n\
             {LI},李娜,长沙市第一医院,市州所属单位,长沙\n{WANG},王五,长沙市第一医院,市州所属单位,长沙\n"
        ),
    );
    import(&env, "people", &people, &[]).expect(0);
    let a = env.write(
        "a.csv",
        &format!("身份证号,姓名\n{ZHANG},张伟\n{LI},李 娜\n{ZHANG},\n"),
    );
    let by_name = ["--batch", "长沙市第一医院"];
    let dry = import(
        &env,
        "applicants",
        &a,
        &[&by_name[..], &["--dry-run"]].concat(),
    );
    dry.expect(0);
    assert!(
        dry.stderr.contains("将新建验证批次：长沙市第一医院"),
        "{dry:?}"
    );
    let runs = [
        import(&env, "applicants", &a, &by_name),
        import(&env, "applicants", &a, &by_name),
        import(&env, "applicants", &a, &["--batch", "#1"]),
    ];
    let said = runs
        .each_ref()
        .map(|o| o.expect(0).stdout.trim().to_string());
    assert_eq!(
        said,
        [
            "新增 2 条，更新 0 条，未变 1 条",
            "新增 0 条，更新 0 条，未变 3 条",
            "新增 0 条，更新 0 条，未变 3 条"
        ]
    );
    assert!(
        runs[0]
            .stderr
            .contains("已新建验证批次 #1：长沙市第一医院（市州单位，2017年）"),
        "{:?}",
        runs[0]
    );
    assert!(
        runs[2]
            .stderr
            .contains("验证批次 #1：长沙市第一医院（2017年）"),
        "{:?}",
        runs[2]
    );

    let s = |x: &str| x.to_string();
    let f01_pending = filing_json(
        "F2016-01",
        "公需科目培训班",
        "public",
        ("2016-03-01", "2016-03-05"),
        "pending",
        None,
    );
    let f01_approved = filing_json(
        "F2016-01",
        "公需科目培训班",
        "public",
        ("2016-03-01", "2016-03-05"),
        "approved",
        Some("2016-02-20"),
    );
    let f02 = filing_json(
        "F2016-02",
        "专业科目培训班",
        "professional",
        ("2016-04-01", "2016-04-05"),
        "approved",
        Some("2016-03-20"),
    );
    let f03 = filing_json(
        "F2016-03",
        "专业科目研修班",
        "professional",
        ("2016-05-01", "2016-05-03"),
        "rejected",
        None,
    );
    let (sha1, sha2, sha_a) = (sha256_of(&f1), sha256_of(&f2), sha256_of(&a));
    let record = |action: &str, subject: &str, before: Option<String>, after: String| {
        (s(CLERK), s(action), s(subject), before, Some(after))
    };
    let expected = vec![
        record(
            "filing.create",
            "filing:F2016-01",
            None,
            f01_pending.clone(),
        ),
        record("note.set", "filing:F2016-01", None, s(r#"{"note":"首批"}"#)),
        record("filing.create", "filing:F2016-02", None, f02),
        record(
            "import.filings",
            "file:f1.csv",
            None,
            format!(r#"{{"added":2,"file":"f1.csv","sha256":"{sha1}","unchanged":1,"updated":0}}"#),
        ),
        record(
            "filing.update",
            "filing:F2016-01",
            Some(f01_pending),
            f01_approved,
        ),
        record("filing.create", "filing:F2016-03", None, f03),
        record(
            "note.set",
            "filing:F2016-03",
            None,
            s(r#"{"note":"材料不全"}"#),
        ),
        record(
            "import.filings",
            "file:f2.csv",
            None,
            format!(r#"{{"added":1,"file":"f2.csv","sha256":"{sha2}","unchanged":1,"updated":1}}"#),
        ),
        record(
            "batch.create",
            "batch:1",
            None,
            s(
                r#"{"application_year":2017,"department":"长沙市第一医院","kind":"city","office":"430100","override_reason":"","window_override_reason":""}"#,
            ),
        ),
        record(
            "applicant.add",
            "batch:1",
            None,
            format!(r#"{{"person":"{ZHANG}"}}"#),
        ),
        record(
            "applicant.add",
            "batch:1",
            None,
            format!(r#"{{"person":"{LI}"}}"#),
        ),
        record(
            "import.applicants",
            "file:a.csv",
            None,
            format!(r#"{{"added":2,"batch":1,"file":"a.csv","sha256":"{sha_a}","unchanged":1}}"#),
        ),
    ];
    assert_eq!(trail(&env), expected);
    env.run(["audit", "verify"]).expect(0);
}
