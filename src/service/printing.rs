//! R7.4, R7.5, R5.4 The one way documents are printed, for the command line and the interface
//! alike: certificates, and the yearly record cards and registration pages. A [`PrintJob`] is
//! built over one kind of document — [`PrintJob::build`] for certificates, [`PrintJob::cards`]
//! for cards and pages — from the configuration and the caller's overrides, and lays out the
//! whole document once; its [`PrintJob::text`] is the preview and its [`PrintJob::bytes`] (that
//! text encoded) is what [`send`] delivers, so what the clerk previewed is what prints.
//! [`record`] then writes one print record per certificate or card, each with its audit record,
//! in one transaction (R7.4: the first print and every reprint of a certificate are known; R5.5:
//! every printed card is).
//!
//! A certificate document is always in certificate-number order (office, year, sequence),
//! whatever order the certificates were handed in: the paper comes off the printer in the order
//! of the register. A card document keeps the order it was handed (the cards service's: name,
//! then ID number).

use serde_json::json;

use crate::config::{Config, InvalidValue};
use crate::i18n::{Describe, Lang};
use crate::print::card::{self, CardPositions, Record as CardRecord};
use crate::print::encode::PrintEncoding;
use crate::print::layout;
use crate::print::preprinted::{self, Positions};
use crate::print::sink::{Destination, SinkError};
use crate::print::width::PrintWidth;
use crate::store::Store;
use crate::store::audit::{self, Record};
use crate::store::certificates::{self as certs, Stored};

use super::{Actor, ServiceError};

/// `full` text on plain paper, or only the variable fields on the province's `preprinted`
/// forms (R7.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LayoutKind {
    Full,
    Preprinted,
}

impl LayoutKind {
    /// `full` or `preprinted`, as the configuration and `--layout` write it.
    pub fn parse(s: &str) -> Option<LayoutKind> {
        match s.trim() {
            "full" => Some(LayoutKind::Full),
            "preprinted" => Some(LayoutKind::Preprinted),
            _ => None,
        }
    }

    /// The name recorded with each print.
    pub fn name(self) -> &'static str {
        match self {
            LayoutKind::Full => "full",
            LayoutKind::Preprinted => "preprinted",
        }
    }
}

/// What a caller sets instead of the configuration: the command line's `--encoding`,
/// `--layout` and destination options. The interface overrides only the destination.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub encoding: Option<String>,
    pub layout: Option<String>,
    pub destination: Option<Destination>,
}

/// Why nothing was printed (or, for [`PrintError::Record`], why a delivered print was not
/// recorded).
#[derive(Debug)]
pub enum PrintError {
    /// A value of an option or configuration key that is not allowed: `key` as the clerk wrote
    /// it (`--encoding`, `[printer] layout`), the value found and what is expected.
    BadValue {
        key: &'static str,
        value: String,
        expected: &'static str,
    },
    Config(InvalidValue),
    /// No certificate was handed in: nothing to lay out.
    Empty,
    /// No record card or page was handed in (R5.4): nothing to lay out.
    NoCard,
    /// The printer or file could not take the document: nothing was recorded as printed.
    Sink(SinkError),
    /// The document went out but the print record failed: the clerk must know, since the next
    /// print will not be marked as a reprint (R7.4).
    Record(ServiceError),
    /// R5.5 The login may not print this kind of document: nothing was sent.
    Denied(super::authz::Refusal),
}

impl Describe for PrintError {
    fn describe(&self, lang: Lang) -> String {
        match (self, lang) {
            (
                PrintError::BadValue {
                    key,
                    value,
                    expected,
                },
                Lang::Zh,
            ) => format!(
                "{key} 的值“{}”无法识别，应为 {expected}",
                crate::domain::text::reveal_invisible(value)
            ),
            (
                PrintError::BadValue {
                    key,
                    value,
                    expected,
                },
                Lang::En,
            ) => format!(
                "{key} \"{}\" is not known, expected {expected}",
                crate::domain::text::reveal_invisible(value)
            ),
            (PrintError::Config(e), lang) => e.describe(lang),
            (PrintError::Empty, Lang::Zh) => "没有可打印的合格证明".into(),
            (PrintError::Empty, Lang::En) => "no certificate to print".into(),
            (PrintError::NoCard, Lang::Zh) => "没有可打印的备案卡".into(),
            (PrintError::NoCard, Lang::En) => "no record card to print".into(),
            (PrintError::Sink(e), lang) => e.describe(lang),
            (PrintError::Denied(r), lang) => r.describe(lang),
            (PrintError::Record(e), Lang::Zh) => format!(
                "已送出打印，但打印记录未能保存（下次打印不会标为补打）：{}",
                e.describe(lang)
            ),
            (PrintError::Record(e), Lang::En) => format!(
                "sent to the printer, but the print was not recorded (the next print will not be marked as a reprint): {}",
                e.describe(lang)
            ),
        }
    }
}

/// How pages are laid out and encoded: the configuration with the overrides applied.
#[derive(Debug, Clone)]
pub struct Settings {
    layout: LayoutKind,
    /// The encoding, and how the printer counts columns in it.
    device: PrintWidth,
    /// Display columns per line, at least [`layout::MIN_WIDTH`].
    width: usize,
    positions: Positions,
    /// R5.4 The record card's places on its pre-printed form, and the length of its pages.
    card_positions: CardPositions,
}

impl Settings {
    /// The configuration's `[printer]` and `[preprinted]` with `overrides` applied; an error
    /// names the option or key whose value is not allowed.
    pub fn of(config: &Config, overrides: &Overrides) -> Result<Settings, PrintError> {
        let cfg = &config.printer;
        let (key, value) = match &overrides.encoding {
            Some(e) => ("--encoding", e.as_str()),
            None => ("[printer] encoding", cfg.encoding.as_str()),
        };
        let encoding = PrintEncoding::parse(value).ok_or_else(|| PrintError::BadValue {
            key,
            value: value.to_string(),
            expected: "utf-8 / gb18030",
        })?;
        let (key, value) = match &overrides.layout {
            Some(l) => ("--layout", l.as_str()),
            None => ("[printer] layout", cfg.layout.as_str()),
        };
        let layout = LayoutKind::parse(value).ok_or_else(|| PrintError::BadValue {
            key,
            value: value.to_string(),
            expected: "full / preprinted",
        })?;
        Ok(Settings {
            layout,
            device: cfg.print_width(encoding).map_err(PrintError::Config)?,
            width: cfg.width.max(layout::MIN_WIDTH),
            positions: config.preprinted.clone(),
            card_positions: config.preprinted_card.clone(),
        })
    }

    pub fn encoding(&self) -> PrintEncoding {
        self.device.encoding()
    }

    pub fn layout(&self) -> LayoutKind {
        self.layout
    }

    /// One certificate's page(s), ended by a form feed.
    fn page(&self, cert: &Stored, reprint: bool) -> String {
        match self.layout {
            LayoutKind::Full => layout::full(
                &cert.text,
                cert.code.as_deref(),
                self.device,
                self.width,
                reprint,
            ),
            LayoutKind::Preprinted => preprinted::fields(
                &cert.text,
                cert.code.as_deref(),
                &self.positions,
                self.device,
                self.width,
                reprint,
            ),
        }
    }

    /// R7.5 The alignment test page for the pre-printed forms, encoded for the printer.
    pub fn alignment_bytes(&self) -> Vec<u8> {
        let page = preprinted::alignment_page(&self.positions, self.device, self.width);
        self.encoding().encode(&page)
    }

    /// R5.4 One card's or page's text, each page ended by a form feed.
    fn card_page(&self, record: &CardRecord) -> String {
        match self.layout {
            LayoutKind::Full => card::full(
                record,
                self.device,
                self.width,
                self.card_positions.page_lines,
            ),
            LayoutKind::Preprinted => {
                card::preprinted(record, &self.card_positions, self.device, self.width)
            }
        }
    }

    /// R5.4 The alignment test page for the pre-printed record card, encoded for the printer.
    pub fn card_alignment_bytes(&self) -> Vec<u8> {
        let page = card::alignment_page(&self.card_positions, self.device, self.width);
        self.encoding().encode(&page)
    }
}

/// One certificate of a job, and whether this print of it is a reprint (R7.4).
#[derive(Debug, Clone)]
pub struct Sheet {
    pub cert: Stored,
    pub reprint: bool,
}

/// One record card or registration page of a job (R5.4), with its person's database id.
#[derive(Debug, Clone)]
pub struct CardSheet {
    pub person_id: i64,
    pub record: CardRecord,
}

/// What a job prints: one kind of document.
#[derive(Debug, Clone)]
enum Document {
    /// R7 Certificates, in number order.
    Certificates(Vec<Sheet>),
    /// R5.4 Record cards and registration pages, in the order handed in.
    Cards(Vec<CardSheet>),
}

/// A document ready to go: its sheets and their text, laid out once.
#[derive(Debug, Clone)]
pub struct PrintJob {
    settings: Settings,
    document: Document,
    text: String,
}

impl PrintJob {
    /// Lay out `certificates` (each with whether it is a reprint, as
    /// [`super::certificates::for_print`] says) in certificate-number order; a certificate
    /// handed in twice prints once. [`PrintError::Empty`] when there is none.
    pub fn build(
        config: &Config,
        overrides: &Overrides,
        certificates: Vec<(Stored, bool)>,
    ) -> Result<PrintJob, PrintError> {
        let settings = Settings::of(config, overrides)?;
        let mut sheets: Vec<Sheet> = certificates
            .into_iter()
            .map(|(cert, reprint)| Sheet { cert, reprint })
            .collect();
        sheets.sort_by(|a, b| {
            let (a, b) = (&a.cert.text.number, &b.cert.text.number);
            (&a.office, a.year, a.sequence).cmp(&(&b.office, b.year, b.sequence))
        });
        sheets.dedup_by_key(|s| s.cert.id);
        if sheets.is_empty() {
            return Err(PrintError::Empty);
        }
        let text = sheets
            .iter()
            .map(|s| settings.page(&s.cert, s.reprint))
            .collect();
        Ok(PrintJob {
            settings,
            document: Document::Certificates(sheets),
            text,
        })
    }

    /// R5.4 Lay out record cards or registration pages (each with its person's database id, as
    /// `service::cards` makes them) in the order given, each ended by a form feed, so cards of a
    /// unit follow one another with a form feed between them. [`PrintError::NoCard`] when there
    /// is none.
    pub fn cards(
        config: &Config,
        overrides: &Overrides,
        records: Vec<(i64, CardRecord)>,
    ) -> Result<PrintJob, PrintError> {
        let settings = Settings::of(config, overrides)?;
        if records.is_empty() {
            return Err(PrintError::NoCard);
        }
        let sheets: Vec<CardSheet> = records
            .into_iter()
            .map(|(person_id, record)| CardSheet { person_id, record })
            .collect();
        let text = sheets
            .iter()
            .map(|s| settings.card_page(&s.record))
            .collect();
        Ok(PrintJob {
            settings,
            document: Document::Cards(sheets),
            text,
        })
    }

    /// The document before encoding: exactly what the preview shows.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The document as sent: [`PrintJob::text`] in the job's encoding.
    pub fn bytes(&self) -> Vec<u8> {
        self.settings.encoding().encode(&self.text)
    }

    /// The certificates, in the order they print (none in a job of cards).
    pub fn sheets(&self) -> &[Sheet] {
        match &self.document {
            Document::Certificates(sheets) => sheets,
            Document::Cards(_) => &[],
        }
    }

    /// The record cards and pages, in the order they print (none in a job of certificates).
    pub fn cards_printed(&self) -> &[CardSheet] {
        match &self.document {
            Document::Cards(cards) => cards,
            Document::Certificates(_) => &[],
        }
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The holders' names as issued (R7.4), or the cards' people, in the order they print: what
    /// a confirmation names.
    pub fn holders(&self) -> Vec<String> {
        match &self.document {
            Document::Certificates(sheets) => {
                sheets.iter().map(|s| s.cert.text.name.clone()).collect()
            }
            Document::Cards(cards) => cards.iter().map(|c| c.record.person.name.clone()).collect(),
        }
    }

    /// How many of the certificates print as reprints (a card is never one).
    pub fn reprints(&self) -> usize {
        self.sheets().iter().filter(|s| s.reprint).count()
    }

    /// The title a print queue shows: the number of a single certificate, else the range; a
    /// card's person and years, else how many cards.
    pub fn title(&self) -> String {
        if let Document::Cards(cards) = &self.document {
            return match cards.as_slice() {
                [one] => format!(
                    "{} {}-{}",
                    crate::domain::text::clean_line(&one.record.person.name),
                    one.record.from(),
                    one.record.to()
                ),
                many => format!("jijiao cards ({})", many.len()),
            };
        }
        match self.sheets() {
            [one] => one.cert.text.number.to_string(),
            [first, .., last] => format!(
                "{} .. {} ({})",
                first.cert.text.number,
                last.cert.text.number,
                self.sheets().len()
            ),
            [] => "jijiao".into(),
        }
    }

    /// R5.5 What printing this job needs the login to hold.
    fn act(&self) -> super::authz::Act {
        match self.document {
            Document::Certificates(_) => super::authz::Act::Print,
            Document::Cards(_) => super::authz::Act::PrintCard,
        }
    }
}

/// Where a job goes: the override, else `[printer] destination`; [`SinkError::NoPrinter`]
/// when neither names one.
pub fn destination(config: &Config, overrides: &Overrides) -> Result<Destination, PrintError> {
    if let Some(d) = &overrides.destination {
        return Ok(d.clone());
    }
    Some(config.printer.destination.trim())
        .filter(|d| !d.is_empty())
        .map(Destination::parse)
        .ok_or(PrintError::Sink(SinkError::NoPrinter))
}

/// Deliver the job's bytes to `destination`; nothing is recorded here.
pub fn send(job: &PrintJob, destination: &Destination) -> Result<(), PrintError> {
    destination
        .send(&job.bytes(), &job.title())
        .map_err(PrintError::Sink)
}

/// R7.4, R5.4 Record that `job` went to `destination`: one print record and one audit record
/// per certificate (`certificate.print`, or `certificate.reprint`) or per card (`card.print`,
/// `register.print` for a registration page, on the person's subject), all in one transaction.
pub fn record(
    store: &mut Store,
    actor: &Actor,
    job: &PrintJob,
    destination: &Destination,
) -> super::Result<()> {
    super::authz::require(actor, job.act())?;
    let now = actor.stamp();
    let layout = job.settings.layout.name();
    let encoding = job.settings.encoding().to_string();
    let dest = destination.label();
    let tx = store.write()?;
    for c in job.cards_printed() {
        let r = &c.record;
        let kind = r.kind.code();
        crate::store::cards::log_print(
            &tx,
            &crate::store::cards::Print {
                person_id: c.person_id,
                kind,
                from: r.from(),
                to: r.to(),
                layout,
                encoding: &encoding,
                destination: &dest,
                by: &actor.user,
                at: &now,
            },
        )?;
        audit::append(
            &tx,
            &Record {
                at: &now,
                user: &actor.user,
                action: match r.kind {
                    card::Kind::Card => "card.print",
                    card::Kind::Register => "register.print",
                },
                subject: &format!("person:{}", r.person.id_number),
                before: None,
                after: Some(
                    &json!({
                        "from": r.from(),
                        "to": r.to(),
                        "layout": layout,
                        "encoding": encoding,
                        "destination": dest
                    })
                    .to_string(),
                ),
            },
        )?;
    }
    for s in job.sheets() {
        certs::log_print(
            &tx,
            s.cert.id,
            s.reprint,
            layout,
            &encoding,
            &dest,
            &actor.user,
            &now,
        )?;
        audit::append(
            &tx,
            &Record {
                at: &now,
                user: &actor.user,
                action: if s.reprint {
                    "certificate.reprint"
                } else {
                    "certificate.print"
                },
                subject: &format!("certificate:{}", s.cert.text.number),
                before: None,
                after: Some(
                    &json!({ "layout": layout, "encoding": encoding, "destination": dest })
                        .to_string(),
                ),
            },
        )?;
    }
    tx.commit()?;
    Ok(())
}

/// [`send`], then [`record`]: a print that does not reach the destination is not recorded.
pub fn print(
    store: &mut Store,
    actor: &Actor,
    job: &PrintJob,
    destination: &Destination,
) -> Result<(), PrintError> {
    // R5.5 Refused before the paper comes out, not after.
    super::authz::require(actor, job.act()).map_err(|e| match e {
        ServiceError::Denied(r) => PrintError::Denied(r),
        other => PrintError::Record(other),
    })?;
    send(job, destination)?;
    record(store, actor, job, destination).map_err(PrintError::Record)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::certificate::{CertificateNumber, CertificateText};
    use crate::service::fixtures::actor;
    use chrono::NaiveDate;

    fn stored(id: i64, office: &str, year: i32, sequence: u32, name: &str) -> Stored {
        Stored {
            id,
            person_id: id,
            text: CertificateText {
                name: name.into(),
                unit: "长沙市第一医院".into(),
                title: "主治医师".into(),
                number: CertificateNumber {
                    office: office.into(),
                    year,
                    sequence,
                },
                clerk: "王芳".into(),
                phone: "0731-88888888".into(),
                from: 2012,
                to: 2016,
                date: NaiveDate::from_ymd_opt(2017, 7, 15).unwrap(),
            },
            issued_by: "wangfang".into(),
            issued_at: "2017-07-15T10:00:00+08:00".into(),
            replaces: None,
            voided: None,
            prints: 0,
            code: None,
        }
    }

    fn numbers_in(text: &str) -> Vec<String> {
        text.lines()
            .filter_map(|l| l.trim().strip_prefix("证书编号："))
            .map(str::to_string)
            .collect()
    }

    #[test]
    fn r7_2_a_document_is_in_certificate_number_order_whatever_order_it_was_given() {
        let given = vec![
            (stored(3, "长沙", 2017, 10, "赵敏"), false),
            (stored(1, "长沙", 2017, 2, "张伟"), true),
            (stored(9, "长沙", 2016, 7, "李娜"), false),
            (stored(2, "长沙", 2017, 9, "王芳"), false),
            (stored(1, "长沙", 2017, 2, "张伟"), true),
        ];
        let job = PrintJob::build(&Config::default(), &Overrides::default(), given).unwrap();
        // Numerically, not as text: 0009 before 0010, the earlier year first; once each.
        assert_eq!(
            numbers_in(job.text()),
            vec![
                "长沙—2016—0007",
                "长沙—2017—0002",
                "长沙—2017—0009",
                "长沙—2017—0010"
            ]
        );
        assert_eq!(job.text().matches('\u{c}').count(), 4);
        assert_eq!(job.reprints(), 1);
        assert_eq!(job.title(), "长沙—2016—0007 .. 长沙—2017—0010 (4)");
    }

    #[test]
    fn r7_5_the_bytes_sent_are_the_preview_text_encoded() {
        let one = vec![(stored(1, "长沙", 2017, 1, "吉𠮷"), false)];
        let gb = PrintJob::build(&Config::default(), &Overrides::default(), one.clone()).unwrap();
        assert_eq!(
            gb.settings().encoding(),
            PrintEncoding::Gb18030,
            "the default"
        );
        let bytes = gb.bytes();
        let (decoded, _, bad) = encoding_rs::GB18030.decode(&bytes);
        assert!(!bad);
        assert_eq!(decoded, gb.text());
        let utf8 = Overrides {
            encoding: Some("utf-8".into()),
            ..Overrides::default()
        };
        let u = PrintJob::build(&Config::default(), &utf8, one).unwrap();
        assert_eq!(u.bytes(), u.text().as_bytes());
        assert_eq!(u.text(), gb.text(), "the same words for both printers here");
    }

    #[test]
    fn bad_values_name_the_option_or_key_and_nothing_is_empty_of_meaning() {
        let one = || vec![(stored(1, "长沙", 2017, 1, "张伟"), false)];
        let mut config = Config::default();
        config.printer.layout = "fancy".into();
        let e = PrintJob::build(&config, &Overrides::default(), one()).unwrap_err();
        assert_eq!(
            e.describe(Lang::Zh),
            "[printer] layout 的值“fancy”无法识别，应为 full / preprinted"
        );
        let o = Overrides {
            encoding: Some("latin1".into()),
            ..Overrides::default()
        };
        let e = PrintJob::build(&Config::default(), &o, one()).unwrap_err();
        assert_eq!(
            e.describe(Lang::En),
            "--encoding \"latin1\" is not known, expected utf-8 / gb18030"
        );
        let e = PrintJob::build(&Config::default(), &Overrides::default(), vec![]).unwrap_err();
        assert_eq!(e.describe(Lang::En), "no certificate to print");
        let e = destination(&Config::default(), &Overrides::default()).unwrap_err();
        assert!(e.describe(Lang::Zh).contains("未配置打印机"), "{e:?}");
    }

    #[test]
    fn r7_4_a_print_that_fails_is_not_recorded_and_one_that_succeeds_is_recorded_once_each() {
        use crate::domain::batch::Decision;
        use crate::service::batches::tests::{batch_of_six, bureau, one};
        use crate::service::batches::{self, decide, issue, verify};
        let mut store = bureau();
        let a = actor("wangfang");
        let batch = batch_of_six(&mut store);
        verify(&mut store, &a, batch, &mut |_, _| {}).unwrap();
        let ids: Vec<i64> = crate::store::batches::all(
            store.conn(),
            batch,
            crate::store::batches::Filter::All,
            crate::store::batches::Sort::Name,
        )
        .unwrap()
        .iter()
        .map(|x| x.id)
        .collect();
        decide(&mut store, &a, &ids, &Decision::Accept, &mut |_, _| {}).unwrap();
        let sig = crate::service::certificates::Signature {
            clerk: "王芳".into(),
            phone: "0731-88888888".into(),
        };
        issue(&mut store, &a, &ids, &sig, &mut |_, _| {}).unwrap();
        let (pages, _) = batches::pages(&store, &ids).unwrap();
        let certs = |pages: &[batches::Page]| -> Vec<(Stored, bool)> {
            pages.iter().map(|p| (p.cert.clone(), p.reprint)).collect()
        };
        let job =
            PrintJob::build(&Config::default(), &Overrides::default(), certs(&pages)).unwrap();
        assert_eq!(job.sheets().len(), 3);
        let dir = tempfile::tempdir().unwrap();
        let nowhere = Destination::Device(dir.path().join("no-such-device"));
        assert!(matches!(
            print(&mut store, &a, &job, &nowhere),
            Err(PrintError::Sink(_))
        ));
        assert_eq!(one(&store, "SELECT count(*) FROM certificate_prints"), 0);
        let file = Destination::NewFile(dir.path().join("out.txt"));
        print(&mut store, &a, &job, &file).unwrap();
        assert_eq!(one(&store, "SELECT count(*) FROM certificate_prints"), 3);
        assert_eq!(
            one(
                &store,
                "SELECT count(*) FROM audit WHERE action = 'certificate.print'"
            ),
            3
        );
        // The next print of the same certificates is a reprint, and marked so (R7.4).
        let (again, _) = batches::pages(&store, &ids).unwrap();
        let job =
            PrintJob::build(&Config::default(), &Overrides::default(), certs(&again)).unwrap();
        assert_eq!(job.reprints(), 3);
        assert_eq!(job.text().matches("【补打 REPRINT】").count(), 6);
    }

    /// R5.4 A card job: the same settings and destinations as certificates, the preview is the
    /// bytes sent, a form feed between cards, and one print record with its audit record per
    /// card, in one transaction (R5.5); a failed delivery records nothing.
    #[test]
    fn r5_4_cards_print_through_the_same_service_and_each_is_recorded() {
        use crate::print::card::{CARD_TITLE, Kind};
        use crate::service::batches::tests::one;
        use crate::service::cards::{Target, cards};
        use crate::service::fixtures::{ZHANG, store_with};
        let mut store = store_with(&[
            "专业,远程教育,临床新进展,湖南人才市场有限公司,2016-04-01,2016-04-30,60,合格,学习证明材料",
        ]);
        let a = actor("wangfang");
        let today = NaiveDate::from_ymd_opt(2017, 7, 15).unwrap();
        let name = |l: &str| l.to_string();
        let mut two = cards(&store, &Target::Person(ZHANG.into()), 2016, today, &name).unwrap();
        two.extend(cards(&store, &Target::Person(ZHANG.into()), 2015, today, &name).unwrap());
        let job = PrintJob::cards(&Config::default(), &Overrides::default(), two).unwrap();
        assert_eq!(job.cards_printed().len(), 2);
        assert!(job.sheets().is_empty());
        assert_eq!(job.text().matches(CARD_TITLE).count(), 2);
        assert_eq!(
            job.text().matches('\u{c}').count(),
            2,
            "a form feed after each card"
        );
        assert_eq!(job.holders(), ["张伟", "张伟"]);
        // GB18030 by default: the bytes are the preview, encoded.
        let bytes = job.bytes();
        let (back, _, bad) = encoding_rs::GB18030.decode(&bytes);
        assert!(!bad);
        assert_eq!(back, job.text());
        let dir = tempfile::tempdir().unwrap();
        let nowhere = Destination::Device(dir.path().join("no-such-device"));
        assert!(matches!(
            print(&mut store, &a, &job, &nowhere),
            Err(PrintError::Sink(_))
        ));
        assert_eq!(one(&store, "SELECT count(*) FROM card_prints"), 0);
        let file = Destination::NewFile(dir.path().join("cards.txt"));
        print(&mut store, &a, &job, &file).unwrap();
        assert_eq!(
            std::fs::read(dir.path().join("cards.txt")).unwrap(),
            job.bytes()
        );
        assert_eq!(
            one(
                &store,
                "SELECT count(*) FROM card_prints WHERE kind = 'card' AND printed_by = 'wangfang'"
            ),
            2
        );
        assert_eq!(
            one(
                &store,
                &format!(
                    "SELECT count(*) FROM audit WHERE action = 'card.print' AND subject = 'person:{ZHANG}'"
                )
            ),
            2
        );
        let (intact, tamper) = crate::store::audit::verify(store.conn()).unwrap();
        assert!(tamper.is_none() && intact > 0);
        assert_eq!(job.cards_printed()[0].record.kind, Kind::Card);
        let e = PrintJob::cards(&Config::default(), &Overrides::default(), vec![]).unwrap_err();
        assert_eq!(e.describe(Lang::Zh), "没有可打印的备案卡");
    }

    /// R5.5 A reviewer prints cards (they seal them); an issuer who may print certificates may
    /// not, and is told which right is missing before anything is sent.
    #[test]
    fn r5_5_printing_a_card_needs_the_reviewer_role() {
        use crate::service::authz::{Grants, Role};
        use crate::service::cards::{Target, cards};
        use crate::service::fixtures::{ZHANG, store_with};
        let mut store = store_with(&[]);
        let today = NaiveDate::from_ymd_opt(2017, 7, 15).unwrap();
        let name = |l: &str| l.to_string();
        let records = cards(&store, &Target::Person(ZHANG.into()), 2016, today, &name).unwrap();
        let job = PrintJob::cards(&Config::default(), &Overrides::default(), records).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let issuer = actor("zs").with_grants(Grants::only(&[Role::Issuer], false));
        let file = Destination::NewFile(dir.path().join("card.txt"));
        let e = print(&mut store, &issuer, &job, &file).unwrap_err();
        assert!(matches!(e, PrintError::Denied(_)), "{e:?}");
        assert!(
            e.describe(Lang::En).contains("printing record cards"),
            "{}",
            e.describe(Lang::En)
        );
        assert!(!dir.path().join("card.txt").exists(), "nothing sent");
        let reviewer = actor("lj").with_grants(Grants::only(&[Role::Reviewer], false));
        print(&mut store, &reviewer, &job, &file).unwrap();
        assert!(dir.path().join("card.txt").exists());
    }
}
