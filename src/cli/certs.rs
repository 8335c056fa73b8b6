//! `issue`, `print`, `void`, `reissue`: the certificate commands (R7).

use super::{Context, EXIT_NO, EXIT_OK, Failure};
use crate::i18n::{Describe, Lang};
use crate::print::sink::Destination;
use crate::service::certificates::{self, Signature};
use crate::service::printing::{self, Overrides, PrintJob};
use crate::store::certificates::Stored;
use crate::store::reference::Reference;

/// Where a command's `--to` sends its output: `-` is standard output, anything else a file.
/// The one place that says what `-` means, for `print`, `card`, `register-page`, `report` and
/// `export` alike.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum To {
    Stdout,
    File(std::path::PathBuf),
}

impl To {
    /// `--to VALUE` as the clerk gave it.
    pub fn of(value: &std::ffi::OsStr) -> To {
        if value == "-" {
            To::Stdout
        } else {
            To::File(value.into())
        }
    }

    /// The print sink's destination for this `--to` (a file is created or replaced).
    pub fn destination(self) -> Destination {
        match self {
            To::Stdout => Destination::Stdout,
            To::File(p) => Destination::File(p),
        }
    }
}

/// R7.1 The stub's clerk and phone from the configuration, or the refusal naming the keys
/// to set: checked before the database is opened, so no number can be taken.
fn signature(ctx: &Context) -> Result<Signature, u8> {
    Signature::configured(&ctx.config.office, &ctx.actor.user).map_err(|r| refused(ctx, &r))
}

fn refused(ctx: &Context, r: &certificates::Refusal) -> u8 {
    super::output::warn(&format!(
        "jijiao: {}{}",
        ctx.lang.pick("不予办理：", "refused: "),
        r.describe(ctx.lang)
    ));
    EXIT_NO
}

fn say_issued(ctx: &Context, c: &Stored) {
    // The number alone on standard output, for scripts; the words on standard error.
    super::output::say(&c.text.number.to_string());
    match ctx.lang {
        Lang::Zh => super::output::warn(&format!(
            "已为{}出具合格证明（{}—{}年），编号 {}",
            c.text.name, c.text.from, c.text.to, c.text.number
        )),
        Lang::En => super::output::warn(&format!(
            "certificate {} issued to {} for {}–{}",
            c.text.number, c.text.name, c.text.from, c.text.to
        )),
    }
}

pub fn issue(
    ctx: &Context,
    id: &str,
    from: Option<i32>,
    to: Option<i32>,
    office: Option<&str>,
) -> Result<u8, Failure> {
    let sig = match signature(ctx) {
        Ok(s) => s,
        Err(code) => return Ok(code),
    };
    let mut store = ctx.open()?;
    let (from, to) = ctx.period(from, to);
    let reference = Reference::load(&store).map_err(|e| Failure::from(&e, ctx.lang))?;
    let configured = Some(ctx.config.office.name.as_str()).filter(|s| !s.is_empty());
    let office = match certificates::resolve_office(&reference, office.or(configured)) {
        Ok(o) => o,
        Err(r) => return Ok(refused(ctx, &r)),
    };
    match certificates::issue(&mut store, &ctx.actor, id, from, to, &office, &sig)
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
            super::output::say(&match ctx.lang {
                Lang::Zh => format!("合格证明 {} 已作废（编号保留不再使用）", c.text.number),
                Lang::En => format!(
                    "certificate {} voided (its number stays used)",
                    c.text.number
                ),
            });
            Ok(EXIT_OK)
        }
        Err(r) => Ok(refused(ctx, &r)),
    }
}

pub fn reissue(ctx: &Context, number: &str, reason: &str) -> Result<u8, Failure> {
    let sig = match signature(ctx) {
        Ok(s) => s,
        Err(code) => return Ok(code),
    };
    let mut store = ctx.open()?;
    match certificates::reissue(&mut store, &ctx.actor, number, reason, &sig)
        .map_err(|e| Failure::from(&e, ctx.lang))?
    {
        Ok(c) => {
            say_issued(ctx, &c);
            Ok(EXIT_OK)
        }
        Err(r) => Ok(refused(ctx, &r)),
    }
}

/// The options of `jijiao print`; each unset one falls back to the configuration.
pub struct PrintOptions {
    pub encoding: Option<String>,
    pub layout: Option<String>,
    /// `--to FILE` (replaced if it exists) or `-` for standard output.
    pub to: Option<String>,
    /// `--printer`: any destination form the configuration accepts.
    pub printer: Option<String>,
    pub alignment: bool,
}

/// R7.4 Print the certificates `numbers` as one document in number order, through the same
/// print service as the interface; every number must be printable or nothing prints.
pub fn print(ctx: &Context, numbers: &[String], o: PrintOptions) -> Result<u8, Failure> {
    let fail = |e: &dyn Describe| Failure(e.describe(ctx.lang));
    let overrides = Overrides {
        encoding: o.encoding.clone(),
        layout: o.layout.clone(),
        destination: match (&o.to, &o.printer) {
            (Some(to), _) => Some(To::of(to.as_ref()).destination()),
            (None, Some(p)) => Some(Destination::parse(p)),
            (None, None) => None,
        },
    };
    if o.alignment {
        let settings = printing::Settings::of(&ctx.config, &overrides).map_err(|e| fail(&e))?;
        let destination = printing::destination(&ctx.config, &overrides).map_err(|e| fail(&e))?;
        destination
            .send(&settings.alignment_bytes(), "jijiao alignment")
            .map_err(|e| fail(&e))?;
        return Ok(EXIT_OK);
    }
    if numbers.is_empty() {
        return Err(Failure(
            ctx.lang
                .pick("请给出合格证明编号", "give a certificate number")
                .into(),
        ));
    }
    // Options and destination are checked before the database is read.
    printing::Settings::of(&ctx.config, &overrides).map_err(|e| fail(&e))?;
    let destination = printing::destination(&ctx.config, &overrides).map_err(|e| fail(&e))?;
    let mut store = ctx.open()?;
    let mut found = Vec::with_capacity(numbers.len());
    for number in numbers {
        match certificates::for_print(&store, number).map_err(|e| Failure::from(&e, ctx.lang))? {
            Ok(x) => found.push(x),
            Err(r) => {
                super::output::warn(&format!("jijiao: {}", r.describe(ctx.lang)));
                return Ok(super::EXIT_ERROR);
            }
        }
    }
    let job = PrintJob::build(&ctx.config, &overrides, found).map_err(|e| fail(&e))?;
    printing::print(&mut store, &ctx.actor, &job, &destination).map_err(|e| fail(&e))?;
    if destination != Destination::Stdout {
        for sheet in job.sheets() {
            let number = &sheet.cert.text.number;
            super::output::warn(&match (ctx.lang, sheet.reprint) {
                (Lang::Zh, false) => format!("已打印 {number}"),
                (Lang::Zh, true) => format!("已补打 {number}"),
                (Lang::En, false) => format!("printed {number}"),
                (Lang::En, true) => format!("reprinted {number}"),
            });
        }
    }
    Ok(EXIT_OK)
}
