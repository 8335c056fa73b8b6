//! What commands print: plain text for clerks, JSON for scripts. Every line goes through
//! [`say`] or [`warn`], so that no text from a roster, the database or a file name reaches the
//! terminal as a control sequence (issue 9).

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};

use super::{Context, EXIT_OK, Failure};
use crate::domain::text::{clean_line, for_terminal, pad};
use crate::i18n::{Describe, Lang};
use crate::service::audit::StateReport;
use crate::service::check::CheckResult;
use crate::service::demo::DemoSummary;
use crate::service::import::Summary;
use crate::store::anchor::{Against, Anchor};
use crate::store::audit::{Chain, Tamper, Unchecked};
use crate::store::{entries, people};

/// Writes `text` and a line break to standard output, its control characters and invisible
/// format characters shown as `<U+XXXX>` ([`for_terminal`]): the one way the command line
/// prints lines to standard output. A reader that has gone (`jijiao check ID | head -1`) is
/// noted ([`stdout_closed`]) and the rest is dropped: never a panic.
pub fn say(text: &str) {
    let mut out = Stdout;
    let _ = writeln!(out, "{}", for_terminal(text)).and_then(|()| out.flush());
}

/// [`say`] for standard error: errors, refusals and the words around a result. Standard error
/// that cannot be written loses the words, never the command's work.
pub fn warn(text: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{}", for_terminal(text));
}

/// The exit status of a command whose standard output was closed by its reader before it had
/// written everything: 141, as a shell reports a command ended by SIGPIPE (128 + 13), so
/// `set -o pipefail` scripts see what they see of `cat` or `ls`; without pipefail the pipeline's
/// status is its last command's (`… | head` is 0). Chosen instead of letting SIGPIPE kill the
/// process: the printer sink writes to `lp`'s standard input, and a printer that goes away
/// must stay an error with nothing recorded (R7.4), not a silent death.
pub const EXIT_CLOSED_PIPE: u8 = 141;

static STDOUT_CLOSED: AtomicBool = AtomicBool::new(false);

/// Whether a write to standard output found its reader gone (a broken pipe): the command
/// stops quietly and ends with [`EXIT_CLOSED_PIPE`] (`cli::run`).
pub fn stdout_closed() -> bool {
    STDOUT_CLOSED.load(Ordering::Relaxed)
}

/// Whether `e` is standard output's reader going away; if so it is noted for
/// [`stdout_closed`].
pub fn is_closed_pipe(e: &std::io::Error) -> bool {
    let closed = e.kind() == std::io::ErrorKind::BrokenPipe;
    if closed {
        STDOUT_CLOSED.store(true, Ordering::Relaxed);
    }
    closed
}

/// Standard output for data (a report, an export, `say`'s lines): a write after the reader
/// has gone fails with the broken pipe, noted for [`stdout_closed`], so the producer stops
/// and the command ends quietly. Never used for the print sink: a print's `-` is
/// `print::sink::Destination::Stdout`, whose failure is the print's error.
pub struct Stdout;

impl Write for Stdout {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if stdout_closed() {
            return Err(std::io::ErrorKind::BrokenPipe.into());
        }
        std::io::stdout().lock().write(buf).inspect_err(|e| {
            is_closed_pipe(e);
        })
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if stdout_closed() {
            return Err(std::io::ErrorKind::BrokenPipe.into());
        }
        std::io::stdout().lock().flush().inspect_err(|e| {
            is_closed_pipe(e);
        })
    }
}

/// How many row problems an import lists: enough to fix a roster in a pass or two, never
/// a flood (a wrong file of 200 000 rows has a million).
pub const LISTED_PROBLEMS: usize = 200;

/// The line after the listed problems when there were more; `None` when all were listed.
pub fn unlisted_problems(total: usize, lang: Lang) -> Option<String> {
    let rest = total.checked_sub(LISTED_PROBLEMS).filter(|&n| n > 0)?;
    Some(match lang {
        Lang::Zh => format!(
            "……另有 {rest} 个问题未列出（共 {total} 个）：请先改正以上问题，再次导入会列出其余的"
        ),
        Lang::En => format!(
            "… and {rest} more problems not listed ({total} in all): correct those above and import again to see the rest"
        ),
    })
}

/// The rows above the header (a title, a unit and date line) and a second header row that an
/// import skipped, so the clerk knows nothing there was read; `None` when there were none.
pub fn skipped_rows(table: &crate::import::Table, lang: Lang) -> Option<String> {
    if table.skipped.is_empty() {
        return None;
    }
    let n = table.skipped.len();
    let rows = table
        .skipped
        .iter()
        .map(usize::to_string)
        .collect::<Vec<_>>()
        .join(lang.pick("、", ", "));
    let header = table.header_line;
    Some(match lang {
        Lang::Zh => format!(
            "表头在第{header}行；跳过了 {n} 行（第{rows}行：标题、说明或第二行表头），未作为数据读取"
        ),
        Lang::En => format!(
            "the header is on row {header}; skipped {n} row(s) ({rows}: title, notes or a second header), not read as data"
        ),
    })
}

pub fn import_summary(s: &Summary, lang: Lang) -> String {
    let line = match lang {
        Lang::Zh => format!(
            "新增 {} 条，更新 {} 条，未变 {} 条",
            s.added, s.updated, s.unchanged
        ),
        Lang::En => format!(
            "added {}, updated {}, unchanged {}",
            s.added, s.updated, s.unchanged
        ),
    };
    if s.dry_run {
        format!(
            "{line}{}",
            lang.pick(
                "（试运行，未写入任何数据）",
                " (dry run: nothing was written)"
            )
        )
    } else {
        line
    }
}

/// `check --json` exactly as docs/INTERFACES.md specifies.
pub fn check_json(r: &CheckResult) -> String {
    crate::service::check::to_json(r).to_string()
}

/// The check as a small table a clerk reads on an 80-column terminal.
pub fn check_text(r: &CheckResult, lang: Lang) -> String {
    let v = &r.verification;
    let mut out = String::new();
    let verdict = match (v.pass(), v.blocked) {
        (true, _) => lang.pick("合格", "PASS"),
        (false, true) => lang.pick(
            "不合格（有弄虚作假记录，验证冻结 R5.3）",
            "FAIL (blocked by a falsification finding, R5.3)",
        ),
        (false, false) => lang.pick("不合格", "FAIL"),
    };
    let name = clean_line(&r.person.name);
    match lang {
        Lang::Zh => out.push_str(&format!(
            "{name}  {}\n验证期：{}—{}年  结论：{verdict}\n",
            r.person.id_number, v.from, v.to
        )),
        Lang::En => out.push_str(&format!(
            "{name}  {}\nperiod: {}–{}  result: {verdict}\n",
            r.person.id_number, v.from, v.to
        )),
    }
    let heads: [&str; 5] = match lang {
        Lang::Zh => ["年度", "公需", "专业", "合计", "结果"],
        Lang::En => ["year", "public", "profess.", "total", "result"],
    };
    let widths = [6, 8, 9, 8, 0];
    let row = |cells: [&str; 5]| {
        let mut line = String::new();
        for (c, w) in cells.iter().zip(widths) {
            line.push_str(&pad(c, w));
        }
        line.trim_end().to_string() + "\n"
    };
    out.push_str(&row(heads));
    for y in &v.years {
        let result = if y.pass() {
            lang.pick("合格", "pass").to_string()
        } else {
            y.shortfalls
                .iter()
                .map(|s| s.explain(y, lang))
                .collect::<Vec<_>>()
                .join(lang.pick("；", "; "))
        };
        out.push_str(&row([
            &y.year.to_string(),
            &y.public.to_string(),
            &y.professional.to_string(),
            &y.total.to_string(),
            &result,
        ]));
    }
    out
}

/// What `audit verify` found, for [`audit_report`].
pub struct AuditReport<'a> {
    pub chain: &'a Chain,
    /// The latest anchor of this database and how the trail stands against it.
    pub anchor: Option<(&'a Anchor, &'a Against)>,
    pub unreadable_anchors: usize,
    pub anchor_log: &'a std::path::Path,
    pub state: &'a StateReport,
}

/// At most this many differences are listed; the rest are counted.
const FINDINGS_SHOWN: usize = 20;

/// The first line of a trail that is not intact: where it breaks, or why it could not be
/// checked.
pub fn chain_problem(c: &Chain, lang: Lang) -> String {
    let n = c.intact;
    match (&c.tamper, &c.unchecked, lang) {
        (Some(Tamper::Altered(id)), _, Lang::Zh) => {
            format!("审计记录第 {id} 条被修改（前 {n} 条完好）")
        }
        (Some(Tamper::Altered(id)), _, Lang::En) => {
            format!("audit record {id} was altered ({n} records before it are intact)")
        }
        (Some(Tamper::Broken(id)), _, Lang::Zh) => {
            format!("审计记录在第 {id} 条处断链：有记录被删除或插入（前 {n} 条完好）")
        }
        (Some(Tamper::Broken(id)), _, Lang::En) => format!(
            "audit trail broken at record {id}: a record was removed or inserted ({n} records before it are intact)"
        ),
        (None, Some(Unchecked::NoKey { from, path }), Lang::Zh) => format!(
            "无法核验：审计记录自第 {from} 条起用密钥链接，而审计密钥 {path} 无法读取（前 {n} 条完好）"
        ),
        (None, Some(Unchecked::NoKey { from, path }), Lang::En) => format!(
            "cannot verify: the trail is keyed from record {from} and the audit key {path} cannot be read ({n} records before it are intact)"
        ),
        (None, Some(Unchecked::WrongKey { from, path }), Lang::Zh) => {
            format!("无法核验：审计密钥 {path} 不是第 {from} 条记录启用的密钥（前 {n} 条完好）")
        }
        (None, Some(Unchecked::WrongKey { from, path }), Lang::En) => format!(
            "cannot verify: the audit key {path} is not the key record {from} started the trail with ({n} records before it are intact)"
        ),
        (None, None, Lang::Zh) => format!("审计记录完整：共 {n} 条，未被篡改"),
        (None, None, Lang::En) => format!("audit trail intact: {n} records, untampered"),
    }
}

/// The report of `audit verify`: the chain, the anchor, the state behind the trail, one
/// finding a line, each naming what was found and what the trail says instead.
pub fn audit_report(r: &AuditReport<'_>, lang: Lang) -> String {
    let mut out = Vec::new();
    let c = r.chain;
    out.push(chain_problem(c, lang));
    if c.intact() {
        out.push(match (c.keyed_from, lang) {
            (Some(1), Lang::Zh) => "全部记录以审计密钥链接（HMAC-SHA256）".to_string(),
            (Some(1), Lang::En) => "every record is keyed (HMAC-SHA256)".to_string(),
            (Some(k), Lang::Zh) => format!(
                "第 {k} 条起以审计密钥链接（HMAC-SHA256）；此前 {} 条为启用密钥前的记录",
                k - 1
            ),
            (Some(k), Lang::En) => format!(
                "keyed (HMAC-SHA256) from record {k}; the {} records before it predate the key",
                k - 1
            ),
            (None, Lang::Zh) => {
                "尚未以审计密钥链接：下一次写入时启用（未链接的记录被整体重算时无法发现）".to_string()
            }
            (None, Lang::En) => "not keyed yet: the next write starts the keyed chain (until then a trail rewritten with recomputed hashes cannot be told)".to_string(),
        });
    }
    let log = r.anchor_log.display();
    out.push(match (r.anchor, lang) {
        (None, Lang::Zh) => {
            format!("锚点：{log} 中尚无本数据库的锚点（请定期运行 jijiao audit anchor）")
        }
        (None, Lang::En) => format!(
            "anchor: none for this database in {log} yet (run jijiao audit anchor regularly)"
        ),
        (Some((a, against)), _) => against_anchor(a, against, lang),
    });
    if r.unreadable_anchors > 0 {
        out.push(match lang {
            Lang::Zh => format!("注意：锚点记录中有 {} 行无法读取", r.unreadable_anchors),
            Lang::En => format!(
                "note: {} lines of the anchor log cannot be read",
                r.unreadable_anchors
            ),
        });
    }
    let s = r.state;
    if s.findings.is_empty() {
        out.push(match lang {
            Lang::Zh => format!("数据与审计记录一致：核对 {} 条记录", s.compared),
            Lang::En => format!(
                "the database agrees with the trail: {} records compared",
                s.compared
            ),
        });
    } else {
        out.push(match lang {
            Lang::Zh => format!("数据与审计记录不一致：{} 处", s.findings.len()),
            Lang::En => format!(
                "the database differs from the trail in {} places",
                s.findings.len()
            ),
        });
        for f in s.findings.iter().take(FINDINGS_SHOWN) {
            out.push(format!("  {}", clean_line(&f.describe(lang))));
        }
        let more = s.findings.len().saturating_sub(FINDINGS_SHOWN);
        if more > 0 {
            out.push(match lang {
                Lang::Zh => format!("  ……另有 {more} 处"),
                Lang::En => format!("  … and {more} more"),
            });
        }
    }
    if s.demo_rows > 0 {
        out.push(match lang {
            Lang::Zh => format!(
                "注意：{} 条演示数据（jijiao demo 只记一条汇总审计记录）无逐条记录可核对",
                s.demo_rows
            ),
            Lang::En => format!(
                "note: {} rows of demo data (jijiao demo records one summary) have no record of their own to compare",
                s.demo_rows
            ),
        });
    }
    let mut text = out.join("\n");
    text.push('\n');
    text
}

/// How the trail stands against anchor `a` (R5.5), in one line.
pub fn against_anchor(a: &Anchor, against: &Against, lang: Lang) -> String {
    let day = a.at.get(..10).unwrap_or(&a.at);
    match (against, lang) {
        (Against::Agrees, Lang::Zh) => format!("锚点：与 {} 的锚点一致（{} 条）", a.at, a.count),
        (Against::Agrees, Lang::En) => format!(
            "anchor: agrees with the anchor of {} ({} records)",
            a.at, a.count
        ),
        (Against::Truncated { anchored, found }, Lang::Zh) => format!(
            "审计记录被截短：{} 锚定时有 {anchored} 条，现只有 {found} 条（末尾的记录被删除）",
            a.at
        ),
        (Against::Truncated { anchored, found }, Lang::En) => format!(
            "audit trail truncated: {anchored} records were anchored on {}, {found} remain (the last records were deleted)",
            a.at
        ),
        (Against::Rewritten { count }, Lang::Zh) => format!(
            "审计记录被改写：第 {count} 条的哈希与 {} 的锚点不符（记录被改写并重算哈希）",
            a.at
        ),
        (Against::Rewritten { count }, Lang::En) => format!(
            "audit trail rewritten: record {count} does not have the hash anchored on {} (records were rewritten and rehashed)",
            a.at
        ),
        (Against::Unkeyed { from }, Lang::Zh) => format!(
            "审计记录被无密钥改写：审计记录自第 {from} 条起以密钥链接（{day} 锚定），现已没有启用密钥的 audit.key 记录（该记录被删除，哈希被重算）"
        ),
        (Against::Unkeyed { from }, Lang::En) => format!(
            "audit trail rewritten without its key: the trail was keyed from record {from} (anchored on {day}) and has no audit.key record now (it was removed and the hashes recomputed)"
        ),
    }
}

/// What `audit anchor` says it did.
pub fn anchored(a: &Anchor, log: &std::path::Path, lang: Lang) -> String {
    let short = a.hash.get(..16).unwrap_or(&a.hash);
    match lang {
        Lang::Zh => format!(
            "已锚定：{} 条审计记录，末条哈希 {short}…，写入 {}",
            a.count,
            log.display()
        ),
        Lang::En => format!(
            "anchored: {} audit records, last hash {short}…, in {}",
            a.count,
            log.display()
        ),
    }
}

pub fn demo(ctx: &Context, s: &DemoSummary) {
    say(&match ctx.lang {
        Lang::Zh => format!(
            "演示数据已写入 {}：人员 {} 人，培训记录 {} 条，备案 {} 项（已有的不重复写入）",
            ctx.db.display(),
            s.people,
            s.entries,
            s.filings
        ),
        Lang::En => format!(
            "demo data written to {}: {} people, {} entries, {} filings (existing ones are not duplicated)",
            ctx.db.display(),
            s.people,
            s.entries,
            s.filings
        ),
    });
}

/// `jijiao` with no sub-command, until the terminal interface lands: say where things are.
pub fn status(ctx: &Context) -> Result<u8, Failure> {
    let store = ctx.open()?;
    let count = |r: crate::store::Result<i64>| r.map_err(|e| Failure(e.describe(ctx.lang)));
    let p = count(people::count(store.conn()))?;
    let e = count(entries::count(store.conn()))?;
    say(&match ctx.lang {
        Lang::Zh => format!(
            "继教  经办人：{}  数据库：{}\n人员 {p} 人，培训记录 {e} 条。\n用 jijiao --help 查看命令。",
            ctx.actor.user,
            ctx.db.display()
        ),
        Lang::En => format!(
            "jijiao  clerk: {}  database: {}\n{p} people, {e} training entries.\nSee jijiao --help for the commands.",
            ctx.actor.user,
            ctx.db.display()
        ),
    });
    Ok(EXIT_OK)
}
