//! `card` and `register-page`: the yearly record card (年度备案卡) and the registration page
//! (登记证书页) of R5.4, printed through the same print service as certificates.

use super::{Context, EXIT_OK, Failure};
use crate::domain::text::clean_line;
use crate::i18n::{Describe, Lang};
use crate::print::card::{Kind, Record};
use crate::print::sink::Destination;
use crate::service::cards::{self, Target};
use crate::service::printing::{self, Overrides, PrintJob};

/// The print options `card` and `register-page` share with `print`; each unset one falls back
/// to the configuration.
pub struct CardOptions {
    pub encoding: Option<String>,
    pub layout: Option<String>,
    /// `--to FILE` (`--out` on `register-page`), replaced if it exists, or `-` for standard
    /// output.
    pub to: Option<String>,
    /// `--printer`: any destination form the configuration accepts.
    pub printer: Option<String>,
}

impl CardOptions {
    fn overrides(&self) -> Overrides {
        Overrides {
            encoding: self.encoding.clone(),
            layout: self.layout.clone(),
            destination: match (&self.to, &self.printer) {
                (Some(to), _) => Some(super::certs::To::of(to.as_ref()).destination()),
                (None, Some(p)) => Some(Destination::parse(p)),
                (None, None) => None,
            },
        }
    }
}

/// The name a card prints for the login that registered an entry: the configured printed name
/// (`[office.clerk_names]`), else the login as recorded (R5.5).
fn name_of(ctx: &Context) -> impl Fn(&str) -> String + '_ {
    |login: &str| {
        ctx.config
            .office
            .clerk_name(login)
            .map_or_else(|| login.to_string(), str::to_string)
    }
}

/// R5.4 `card --alignment`: the pre-printed card's test page; no person, no record.
pub fn alignment(ctx: &Context, o: &CardOptions) -> Result<u8, Failure> {
    let fail = |e: &dyn Describe| Failure(e.describe(ctx.lang));
    let overrides = o.overrides();
    let settings = printing::Settings::of(&ctx.config, &overrides).map_err(|e| fail(&e))?;
    let destination = printing::destination(&ctx.config, &overrides).map_err(|e| fail(&e))?;
    destination
        .send(&settings.card_alignment_bytes(), "jijiao card alignment")
        .map_err(|e| fail(&e))?;
    Ok(EXIT_OK)
}

/// R5.4 Print the yearly cards of `target` for `year` as one document (one card per person, a
/// form feed between them) and record each print (R5.5).
pub fn card(ctx: &Context, target: Target, year: i32, o: &CardOptions) -> Result<u8, Failure> {
    let lang = ctx.lang;
    print_records(ctx, o, |store| {
        cards::cards(store, &target, year, ctx.actor.today(), &name_of(ctx))
            .map_err(|e| Failure(e.describe(lang)))
    })
}

/// R5.4 Print the registration page of `id` over `from..=to` (by default the five years a
/// verification looks at, R6.1) and record the print (R5.5).
pub fn register_page(
    ctx: &Context,
    id: &str,
    from: Option<i32>,
    to: Option<i32>,
    o: &CardOptions,
) -> Result<u8, Failure> {
    let lang = ctx.lang;
    let (from, to) = ctx.period(from, to);
    print_records(ctx, o, |store| {
        cards::register_page(store, id, from, to, ctx.actor.today(), &name_of(ctx))
            .map(|r| vec![r])
            .map_err(|e| Failure(e.describe(lang)))
    })
}

/// Options and destination checked before the database is read; then the records, the job,
/// the print and what was printed, said on standard error unless the document went there.
fn print_records(
    ctx: &Context,
    o: &CardOptions,
    records: impl FnOnce(&crate::store::Store) -> Result<Vec<(i64, Record)>, Failure>,
) -> Result<u8, Failure> {
    let fail = |e: &dyn Describe| Failure(e.describe(ctx.lang));
    let overrides = o.overrides();
    printing::Settings::of(&ctx.config, &overrides).map_err(|e| fail(&e))?;
    let destination = printing::destination(&ctx.config, &overrides).map_err(|e| fail(&e))?;
    let mut store = ctx.open()?;
    let found = records(&store)?;
    let job = PrintJob::cards(&ctx.config, &overrides, found).map_err(|e| fail(&e))?;
    printing::print(&mut store, &ctx.actor, &job, &destination).map_err(|e| fail(&e))?;
    for c in job.cards_printed() {
        let r = &c.record;
        let name = clean_line(&r.person.name);
        let empty: Vec<i32> = r
            .years
            .iter()
            .filter(|y| y.entries.is_empty())
            .map(|y| y.result.year)
            .collect();
        if destination != Destination::Stdout {
            super::output::warn(&match (ctx.lang, r.kind) {
                (Lang::Zh, Kind::Card) => format!("已打印 {name} {} 年度备案卡", r.from()),
                (Lang::En, Kind::Card) => format!("printed the {} record card of {name}", r.from()),
                (Lang::Zh, Kind::Register) => {
                    format!("已打印 {name} {}—{} 年度登记证书页", r.from(), r.to())
                }
                (Lang::En, Kind::Register) => format!(
                    "printed the register page of {name} for {}–{}",
                    r.from(),
                    r.to()
                ),
            });
        }
        // R5.2 Said even when the card went to standard output: a clerk printing a unit's
        // cards learns whose year holds nothing registered.
        if r.kind == Kind::Card && !empty.is_empty() {
            super::output::warn(&match ctx.lang {
                Lang::Zh => format!(
                    "注意：{name}（{}）{} 年度没有已登记的培训记录，备案卡上已注明",
                    r.person.id_number,
                    r.from()
                ),
                Lang::En => format!(
                    "note: {name} ({}) has nothing registered in {}; the card says so",
                    r.person.id_number,
                    r.from()
                ),
            });
        }
    }
    Ok(EXIT_OK)
}
