//! `audit verify`, `audit anchor` and `verify-code`: the trail checked against its key, its
//! anchors and the state of the database, and a paper certificate checked against its code
//! (R5.5, R7.4, issue 9).

use super::{Context, EXIT_ERROR, EXIT_NO, EXIT_OK, Failure, output};
use crate::i18n::{Describe, Lang};
use crate::service::audit::{self as trail, AuditPaths};
use crate::service::certificates;
use crate::store::Store;
use crate::store::anchor::{self, Anchor};
use crate::store::audit;

/// The key file and anchor log of this run's database.
pub fn paths(ctx: &Context) -> AuditPaths {
    ctx.config
        .audit
        .paths(&ctx.db, trail::user_config_dir().as_deref())
}

/// Hand the audit key to `store` (made first, for a personal install). A key that cannot be
/// read is not an error here: reading commands work without it, and a write to a keyed trail
/// is refused naming the key file. With the key, the start of the keyed chain is anchored if
/// it is not yet ([`trail::anchor_key_start`]); a log that cannot take it is said, not fatal.
pub fn attach(ctx: &Context, store: &Store) -> Result<(), Failure> {
    let paths = paths(ctx);
    let missing = trail::attach_key(store, &paths).map_err(|e| Failure::from(&e, ctx.lang))?;
    if missing.is_none() {
        let db = trail::anchor_name(&ctx.db);
        if let Err(e) = trail::anchor_key_start(store, &paths, &db, &ctx.actor.stamp()) {
            output::warn(&format!(
                "jijiao: {}",
                match ctx.lang {
                    Lang::Zh => format!(
                        "注意：无法把审计密钥启用处写入锚点记录 {}（{e}）；请运行 jijiao audit anchor",
                        paths.anchor_log.display()
                    ),
                    Lang::En => format!(
                        "note: the start of the keyed trail could not be anchored in {} ({e}); run jijiao audit anchor",
                        paths.anchor_log.display()
                    ),
                }
            ));
        }
    }
    Ok(())
}

/// After a command: when it started the keyed chain (its first keyed write), anchor that
/// start now that the write is committed, rather than at the next run.
pub fn anchor_if_started(ctx: &Context) {
    if audit::keyed_chain_started()
        && ctx.db.exists()
        && let Ok(store) = Store::open(&ctx.db)
    {
        // Whatever went wrong was said by `attach`; the command's own outcome stands.
        let _ = attach(ctx, &store);
    }
}

/// `jijiao audit verify`: exit 0 when the chain is intact, agrees with the latest anchor and
/// the database agrees with the trail; 1 when anything was found; 2 when the keyed part could
/// not be checked (no key, or another key) and nothing else was found.
pub fn verify(ctx: &Context) -> Result<u8, Failure> {
    let lang = ctx.lang;
    let fail = |e: crate::store::StoreError| Failure::from(&e, lang);
    let store = ctx.open()?;
    let paths = paths(ctx);
    let chain = audit::check(store.conn()).map_err(fail)?;
    let db = trail::anchor_name(&ctx.db);
    let latest = anchor::latest(&paths.anchor_log, &db)
        .map_err(|e| io_failure(lang, &paths.anchor_log, &e))?;
    let against = match &latest.anchor {
        Some(a) => Some(anchor::compare(store.conn(), a).map_err(fail)?),
        None => None,
    };
    let state = trail::check_state(store.conn()).map_err(fail)?;
    let report = output::AuditReport {
        chain: &chain,
        anchor: latest.anchor.as_ref().zip(against.as_ref()),
        unreadable_anchors: latest.unreadable,
        anchor_log: &paths.anchor_log,
        state: &state,
    };
    // Names and values read back from the database reach the terminal neutralised too
    // (`say`), and a closed pipe (`| head`) ends the command quietly.
    output::say(output::audit_report(&report, lang).trim_end_matches('\n'));
    let found = chain.tamper.is_some()
        || against
            .as_ref()
            .is_some_and(|a| *a != anchor::Against::Agrees)
        || !state.findings.is_empty();
    Ok(if found {
        EXIT_NO
    } else if chain.unchecked.is_some() {
        EXIT_ERROR
    } else {
        EXIT_OK
    })
}

fn io_failure(lang: Lang, path: &std::path::Path, e: &std::io::Error) -> Failure {
    Failure(match lang {
        Lang::Zh => format!("无法读写锚点记录 {}：{e}", path.display()),
        Lang::En => format!("cannot use the anchor log {}: {e}", path.display()),
    })
}

/// `jijiao audit anchor`: append the head of a verified trail to the anchor log and the system
/// log. A trail that does not verify is not anchored (exit 1): an anchor would vouch for it.
pub fn anchor(ctx: &Context) -> Result<u8, Failure> {
    let lang = ctx.lang;
    // An anchor is written where the clerks cannot write: the administrator's (or the nightly
    // job's) act, not anyone's.
    crate::service::authz::require(&ctx.actor, crate::service::authz::Act::Anchor)
        .map_err(|e| Failure::from(&e, lang))?;
    let store = ctx.open()?;
    let paths = paths(ctx);
    let chain = audit::check(store.conn()).map_err(|e| Failure::from(&e, lang))?;
    if !chain.intact() {
        output::warn(&format!(
            "jijiao: {}{}",
            lang.pick("不予锚定：", "not anchored: "),
            output::chain_problem(&chain, lang)
        ));
        return Ok(if chain.tamper.is_some() {
            EXIT_NO
        } else {
            EXIT_ERROR
        });
    }
    let db = trail::anchor_name(&ctx.db);
    // An anchor vouches for the trail: one that disagrees with the last anchor (truncated,
    // rewritten, stripped of its key record) is not vouched for, or the nightly anchor would
    // launder the rewrite.
    let latest = anchor::latest(&paths.anchor_log, &db)
        .map_err(|e| io_failure(lang, &paths.anchor_log, &e))?;
    if let Some(last) = &latest.anchor {
        let against = anchor::compare(store.conn(), last).map_err(|e| Failure::from(&e, lang))?;
        if against != anchor::Against::Agrees {
            output::warn(&format!(
                "jijiao: {}{}",
                lang.pick("不予锚定：", "not anchored: "),
                output::against_anchor(last, &against, lang)
            ));
            return Ok(EXIT_NO);
        }
    }
    let a = Anchor {
        count: chain.head.count,
        hash: chain.head.hash.clone(),
        at: ctx.actor.stamp(),
        db,
        keyed_from: chain.keyed_from.and_then(|k| u64::try_from(k).ok()),
    };
    anchor::append(&paths.anchor_log, &a, !paths.system)
        .map_err(|e| io_failure(lang, &paths.anchor_log, &e))?;
    output::say(&output::anchored(&a, &paths.anchor_log, lang));
    let message = format!(
        "audit anchor db={} count={} hash={} at={}",
        a.db, a.count, a.hash, a.at
    );
    match anchor::to_system_log(&message) {
        Ok(true) => {}
        Ok(false) => eprintln!(
            "jijiao: {}",
            lang.pick(
                "注意：本机没有 logger 命令，锚点只写入了锚点文件，未写入系统日志",
                "note: no logger command on this system: the anchor went to the anchor log only, not to the system log",
            )
        ),
        Err(e) => eprintln!(
            "jijiao: {}",
            match lang {
                Lang::Zh => format!("注意：写入系统日志失败（{e}），锚点已写入锚点文件"),
                Lang::En => format!(
                    "note: the system log refused the anchor ({e}); it is in the anchor log"
                ),
            }
        ),
    }
    Ok(EXIT_OK)
}

/// `jijiao verify-code NUMBER CODE`: 0 genuine and valid, 1 voided or not genuine, 2 no such
/// number.
pub fn verify_code(ctx: &Context, number: &str, code: &str) -> Result<u8, Failure> {
    let store = ctx.open()?;
    let found =
        certificates::check_code(&store, number, code).map_err(|e| Failure::from(&e, ctx.lang))?;
    let text = found.describe(ctx.lang);
    // The number is the caller's text, quoted back: neutralised like every other output.
    if found.exit_code() == EXIT_ERROR {
        output::warn(&format!("jijiao: {text}"));
    } else {
        output::say(&text);
    }
    Ok(found.exit_code())
}
