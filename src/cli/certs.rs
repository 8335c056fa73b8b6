//! `issue`, `print`, `void`, `reissue`: the certificate commands (R7).

use super::{Context, EXIT_NO, EXIT_OK, Failure};
use crate::i18n::{Describe, Lang};
use crate::print::encode::PrintEncoding;
use crate::print::sink::Destination;
use crate::print::{layout, preprinted};
use crate::service::certificates::{self, Signature};
use crate::store::certificates::Stored;
use crate::store::reference::Reference;

fn signature(ctx: &Context) -> Signature {
    Signature {
        clerk: ctx.config.office.clerk_name(&ctx.actor.user),
        phone: ctx.config.office.phone.clone(),
    }
}

fn refused(ctx: &Context, r: &certificates::Refusal) -> u8 {
    eprintln!(
        "jijiao: {}{}",
        ctx.lang.pick("不予办理：", "refused: "),
        r.describe(ctx.lang)
    );
    EXIT_NO
}

fn say_issued(ctx: &Context, c: &Stored) {
    // The number alone on standard output, for scripts; the words on standard error.
    println!("{}", c.text.number);
    match ctx.lang {
        Lang::Zh => eprintln!(
            "已为{}出具合格证明（{}—{}年），编号 {}",
            c.text.name, c.text.from, c.text.to, c.text.number
        ),
        Lang::En => eprintln!(
            "certificate {} issued to {} for {}–{}",
            c.text.number, c.text.name, c.text.from, c.text.to
        ),
    }
}

pub fn issue(
    ctx: &Context,
    id: &str,
    from: Option<i32>,
    to: Option<i32>,
    office: Option<&str>,
) -> Result<u8, Failure> {
    let mut store = ctx.open()?;
    let (from, to) = ctx.period(from, to);
    let reference = Reference::load(&store).map_err(|e| Failure::from(&e, ctx.lang))?;
    let configured = Some(ctx.config.office.name.as_str()).filter(|s| !s.is_empty());
    let office = match certificates::resolve_office(&reference, office.or(configured)) {
        Ok(o) => o,
        Err(r) => return Ok(refused(ctx, &r)),
    };
    match certificates::issue(
        &mut store,
        &ctx.actor,
        id,
        from,
        to,
        &office,
        &signature(ctx),
    )
    .map_err(|e| Failure::from(&e, ctx.lang))?
    {
        Ok(c) => {
            say_issued(ctx, &c);
            Ok(EXIT_OK)
        }
        Err(r) => Ok(refused(ctx, &r)),
    }
}

pub fn void(ctx: &Context, number: &str, reason: &str) -> Result<u8, Failure> {
    let mut store = ctx.open()?;
    match certificates::void(&mut store, &ctx.actor, number, reason)
        .map_err(|e| Failure::from(&e, ctx.lang))?
    {
        Ok(c) => {
            println!(
                "{}",
                match ctx.lang {
                    Lang::Zh => format!("合格证明 {} 已作废（编号保留不再使用）", c.text.number),
                    Lang::En => format!(
                        "certificate {} voided (its number stays used)",
                        c.text.number
                    ),
                }
            );
            Ok(EXIT_OK)
        }
        Err(r) => Ok(refused(ctx, &r)),
    }
}

pub fn reissue(ctx: &Context, number: &str, reason: &str) -> Result<u8, Failure> {
    let mut store = ctx.open()?;
    match certificates::reissue(&mut store, &ctx.actor, number, reason, &signature(ctx))
        .map_err(|e| Failure::from(&e, ctx.lang))?
    {
        Ok(c) => {
            say_issued(ctx, &c);
            Ok(EXIT_OK)
        }
        Err(r) => Ok(refused(ctx, &r)),
    }
}

pub struct PrintOptions {
    pub encoding: Option<String>,
    pub layout: Option<String>,
    pub to: Option<String>,
    pub printer: Option<String>,
    pub alignment: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layout {
    Full,
    Preprinted,
}

fn bad_option(ctx: &Context, option: &str, value: &str, expected: &str) -> Failure {
    Failure(match ctx.lang {
        Lang::Zh => format!("{option} 的值“{value}”无法识别，应为 {expected}"),
        Lang::En => format!("{option} \"{value}\" is not known, expected {expected}"),
    })
}

pub fn print(ctx: &Context, number: Option<&str>, o: PrintOptions) -> Result<u8, Failure> {
    let cfg = &ctx.config.printer;
    let encoding_name = o.encoding.clone().unwrap_or_else(|| cfg.encoding.clone());
    let encoding = PrintEncoding::parse(&encoding_name)
        .ok_or_else(|| bad_option(ctx, "--encoding", &encoding_name, "utf-8 / gb18030"))?;
    let layout_name = o.layout.clone().unwrap_or_else(|| cfg.layout.clone());
    let layout_kind = match layout_name.as_str() {
        "full" => Layout::Full,
        "preprinted" => Layout::Preprinted,
        other => return Err(bad_option(ctx, "--layout", other, "full / preprinted")),
    };
    let device = cfg
        .print_width(encoding)
        .map_err(|e| Failure(e.describe(ctx.lang)))?;
    let width = cfg.width.max(layout::MIN_WIDTH);
    let destination = match (&o.to, &o.printer) {
        (Some(to), _) if to == "-" => Destination::Stdout,
        (Some(to), _) => Destination::File(to.into()),
        (None, Some(p)) => Destination::parse(p),
        (None, None) if !cfg.destination.is_empty() => Destination::parse(&cfg.destination),
        (None, None) => {
            return Err(Failure::from(
                &crate::print::sink::SinkError::NoPrinter,
                ctx.lang,
            ));
        }
    };
    let send = |bytes: &[u8], title: &str| {
        destination
            .send(bytes, title)
            .map_err(|e| Failure::from(&e, ctx.lang))
    };
    if o.alignment {
        let page = preprinted::alignment_page(&ctx.config.preprinted, device, width);
        send(&encoding.encode(&page), "jijiao alignment")?;
        return Ok(EXIT_OK);
    }
    let Some(number) = number else {
        return Err(Failure(
            ctx.lang
                .pick("请给出合格证明编号", "give a certificate number")
                .into(),
        ));
    };
    let mut store = ctx.open()?;
    let (cert, reprint) =
        match certificates::for_print(&store, number).map_err(|e| Failure::from(&e, ctx.lang))? {
            Ok(x) => x,
            Err(r) => {
                eprintln!("jijiao: {}", r.describe(ctx.lang));
                return Ok(super::EXIT_ERROR);
            }
        };
    let page = match layout_kind {
        Layout::Full => layout::full(&cert.text, device, width, reprint),
        Layout::Preprinted => {
            preprinted::fields(&cert.text, &ctx.config.preprinted, device, width, reprint)
        }
    };
    let number = cert.text.number.to_string();
    send(&encoding.encode(&page), &number)?;
    let dest = match &destination {
        Destination::Queue(q) => q.clone(),
        Destination::Socket { host, port } => format!("socket://{host}:{port}"),
        Destination::Device(p) | Destination::File(p) => p.display().to_string(),
        Destination::Stdout => "-".into(),
    };
    certificates::record_print(
        &mut store,
        &ctx.actor,
        &cert,
        reprint,
        &layout_name,
        &encoding.to_string(),
        &dest,
    )
    .map_err(|e| Failure::from(&e, ctx.lang))?;
    if destination != Destination::Stdout {
        eprintln!(
            "{}",
            match (ctx.lang, reprint) {
                (Lang::Zh, false) => format!("已打印 {number}"),
                (Lang::Zh, true) => format!("已补打 {number}"),
                (Lang::En, false) => format!("printed {number}"),
                (Lang::En, true) => format!("reprinted {number}"),
            }
        );
    }
    Ok(EXIT_OK)
}
