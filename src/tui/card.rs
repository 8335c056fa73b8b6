//! R5.4 The yearly record card (年度备案卡) of one person and year, opened from the person
//! screen with `v`: exactly the text `p` sends to the printer (the print service lays it out
//! once, R7.4's promise kept for cards), scrolled like the certificates' preview; `p` asks and
//! prints to the configured printer, `w` prints to a file the clerk names. Each print is
//! recorded with its audit row (R5.5).

use ratatui::Frame;
use ratatui::layout::Rect;

use super::batch::{
    configured_printer, draw_preview, file_destination, preview_lines, scroll_preview,
};
use super::keys::{Action, Scope};
use super::screen::{Ask, Ctx, Flow, Question as ScreenQuestion, Screen, View};
use crate::domain::text::clean_line;
use crate::i18n::{Describe, Lang};
use crate::print::sink::Destination;
use crate::service::cards;
use crate::service::printing::{self, Overrides, PrintJob};

/// What the card preview asks, with the person (database id) and year it prints: fixed when
/// asking, so the answer prints the card the question named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Question {
    /// Print this card on the configured printer?
    Print { person_id: i64, year: i32 },
    /// The file to print this card to.
    PrintFile { person_id: i64, year: i32 },
}

impl From<Question> for ScreenQuestion {
    fn from(q: Question) -> ScreenQuestion {
        ScreenQuestion::Card(q)
    }
}

/// The card of `person_id` for `year` as one print job, through the one print service: what
/// the preview shows is what prints.
fn job_of(person_id: i64, year: i32, ctx: &mut Ctx<'_>) -> Result<PrintJob, String> {
    let lang = ctx.lang;
    let config = ctx.config;
    let name_of = |login: &str| {
        config
            .office
            .clerk_name(login)
            .map_or_else(|| login.to_string(), str::to_string)
    };
    let record = cards::card_of_person(ctx.store, person_id, year, &name_of)
        .map_err(|e| e.describe(lang))?;
    PrintJob::cards(config, &Overrides::default(), vec![record]).map_err(|e| e.describe(lang))
}

/// "张伟 2016 年度备案卡" / "the 2016 record card of 张伟".
fn what(name: &str, year: i32, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!("{name} {year} 年度备案卡"),
        Lang::En => format!("the {year} record card of {name}"),
    }
}

/// The card of one person and year, as it prints, page after page.
pub struct CardScreen {
    person_id: i64,
    year: i32,
    /// The person's name, cleaned, for the title and the questions.
    name: String,
    pages: usize,
    lines: Vec<String>,
    offset: usize,
    /// Rows visible, known from the last reload.
    page: usize,
}

impl CardScreen {
    /// The card of `person_id` for `year`, laid out now; the error says why there is none.
    pub fn open(person_id: i64, year: i32, ctx: &mut Ctx<'_>) -> Result<CardScreen, String> {
        let mut screen = CardScreen {
            person_id,
            year,
            name: String::new(),
            pages: 0,
            lines: Vec::new(),
            offset: 0,
            page: (ctx.page_rows + 2).max(1),
        };
        screen.build(ctx)?;
        Ok(screen)
    }

    fn build(&mut self, ctx: &mut Ctx<'_>) -> Result<(), String> {
        let job = job_of(self.person_id, self.year, ctx)?;
        self.name = job
            .holders()
            .first()
            .map(|n| clean_line(n))
            .unwrap_or_default();
        self.pages = job.text().matches(crate::print::layout::FORM_FEED).count();
        self.lines = preview_lines(job.text());
        self.offset = self.offset.min(self.lines.len().saturating_sub(self.page));
        Ok(())
    }

    /// `p`: name the card and the printer, and ask (paper is spent).
    fn ask_print(&self, ctx: &mut Ctx<'_>) -> Flow {
        let lang = ctx.lang;
        let destination = match configured_printer(ctx.config, lang) {
            Ok(d) => d,
            Err(e) => return Flow::Say(e),
        };
        let dest = clean_line(&destination.label());
        let card = what(&self.name, self.year, lang);
        let question = match lang {
            Lang::Zh => format!("打印{card}到打印机{dest}？"),
            Lang::En => format!("Print {card} on the printer {dest}?"),
        };
        Flow::Ask(Ask::confirm(
            Question::Print {
                person_id: self.person_id,
                year: self.year,
            },
            question,
        ))
    }

    /// `w`: ask for the file, suggesting one in the home directory named by person and year.
    fn ask_file(&self, ctx: &mut Ctx<'_>) -> Flow {
        let lang = ctx.lang;
        let id = crate::store::people::get(ctx.store.conn(), self.person_id)
            .ok()
            .flatten()
            .map(|p| p.id_number.to_string())
            .unwrap_or_else(|| self.person_id.to_string());
        let card = what(&self.name, self.year, lang);
        Flow::Ask(Ask::Text {
            about: Question::PrintFile {
                person_id: self.person_id,
                year: self.year,
            }
            .into(),
            prompt: match lang {
                Lang::Zh => format!(" 将{card}打印到文件（Esc 取消） "),
                Lang::En => format!(" print {card} to a file (Esc cancels) "),
            },
            // ASCII in English: an English setup may have no Chinese file names.
            initial: format!(
                "~/jijiao-{}-{id}-{}.txt",
                lang.pick("备案卡", "card"),
                self.year
            ),
        })
    }

    /// Print the card named by the question to `destination` and record it (R5.5).
    fn print_to(
        &mut self,
        person_id: i64,
        year: i32,
        destination: &Destination,
        ctx: &mut Ctx<'_>,
    ) -> String {
        let lang = ctx.lang;
        let job = match job_of(person_id, year, ctx) {
            Ok(j) => j,
            Err(e) => return e,
        };
        if let Err(e) = printing::print(ctx.store, ctx.actor, &job, destination) {
            return e.describe(lang);
        }
        let dest = clean_line(&destination.label());
        let card = what(&self.name, year, lang);
        match lang {
            Lang::Zh => format!("已打印{card}到 {dest}"),
            Lang::En => format!("printed {card} to {dest}"),
        }
    }
}

impl Screen for CardScreen {
    fn scopes(&self) -> &'static [Scope] {
        &[Scope::Preview, Scope::List]
    }

    fn title(&self, lang: Lang) -> String {
        lang.pick("年度备案卡", "Record card").into()
    }

    fn reload(&mut self, ctx: &mut Ctx<'_>) -> Result<(), String> {
        // The body less the two rules above and below the text.
        self.page = (ctx.page_rows + 2).max(1);
        self.build(ctx)
    }

    fn on_action(&mut self, action: Action, ctx: &mut Ctx<'_>) -> Flow {
        if scroll_preview(&mut self.offset, self.page, self.lines.len(), action) {
            return Flow::Stay;
        }
        match action {
            Action::Print => return self.ask_print(ctx),
            Action::PrintToFile => return self.ask_file(ctx),
            Action::Back => return Flow::Pop,
            _ => {}
        }
        Flow::Stay
    }

    fn on_answer(
        &mut self,
        about: ScreenQuestion,
        answer: Option<&str>,
        ctx: &mut Ctx<'_>,
    ) -> Flow {
        let lang = ctx.lang;
        let said = match (about, answer) {
            (ScreenQuestion::Card(Question::Print { person_id, year }), Some(_)) => {
                match configured_printer(ctx.config, lang) {
                    Ok(d) => self.print_to(person_id, year, &d, ctx),
                    Err(e) => e,
                }
            }
            (ScreenQuestion::Card(Question::PrintFile { person_id, year }), Some(path)) => {
                match file_destination(path, lang) {
                    Ok(d) => self.print_to(person_id, year, &d, ctx),
                    Err(e) => e,
                }
            }
            _ => lang
                .pick("已取消，没有打印", "cancelled: nothing printed")
                .into(),
        };
        Flow::Say(said)
    }

    fn render(&self, f: &mut Frame, area: Rect, view: &View) {
        let lang = view.lang;
        let t = &view.theme;
        let title = match lang {
            Lang::Zh => format!(
                " 年度备案卡 {} {} 年（{} 页） ",
                self.name, self.year, self.pages
            ),
            Lang::En => format!(
                " Record card {} {} ({} p.) ",
                self.name, self.year, self.pages
            ),
        };
        draw_preview(f, area, title, &self.lines, self.offset, self.page, t);
    }
}

#[cfg(test)]
mod tests {
    use ratatui::crossterm::event::KeyCode;

    use super::*;
    use crate::config::Config;
    use crate::service::batches::tests::one;
    use crate::service::fixtures::{ZHANG, actor, store_with};
    use crate::service::review::{Decision, decide};
    use crate::tui::testing::Driver;

    const PRO: &str =
        "专业,远程教育,临床新进展,湖南人才市场有限公司,2016-04-01,2016-04-30,60,合格,学习证明材料";
    const PUB: &str =
        "公需,培训班,保密意识和保密常识教育,湖南师范大学,2016-05-10,2016-05-12,30,合格,";
    const PRO_2015: &str = "专业,远程教育,影像诊断进展,湖南人才市场有限公司,2015-03-01,2015-03-20,40,合格,学习证明材料";

    /// 张伟: the 2016 and 2015 professional courses registered by lijun, the 2016 public class
    /// only recorded.
    fn store() -> crate::store::Store {
        let mut store = store_with(&[PRO, PUB, PRO_2015]);
        let a = actor("lijun");
        decide(&mut store, &a, &[1, 3], &Decision::Seal, &mut |_, _| {}).unwrap();
        decide(
            &mut store,
            &a,
            &[1, 3],
            &Decision::Register { confirm: true },
            &mut |_, _| {},
        )
        .unwrap();
        store
    }

    /// The bureau's printer a file in `dir`, in `encoding`; lijun's printed name 李军.
    fn config(dir: &std::path::Path, encoding: &str) -> Config {
        let mut c = Config::default();
        c.office.clerk_names.insert("lijun".into(), "李军".into());
        c.printer.destination = format!("file:{}", dir.join("printed.txt").display());
        c.printer.encoding = encoding.into();
        c
    }

    /// The person screen of 张伟, the cursor on the entry of `year`, and its card opened.
    fn card_of(lang: Lang, config: Config, year: i32) -> Driver {
        let mut d = Driver::new(store(), lang);
        d.app.set_config(config);
        d.key(KeyCode::Enter);
        for _ in 0..3 {
            if selected_year(&d) == Some(year) {
                break;
            }
            d.key(KeyCode::Char('j'));
        }
        d.key(KeyCode::Char('v'));
        d
    }

    /// The year of the highlighted entry row, read from the row itself: the entries list's rows
    /// start with their year after the border.
    fn selected_year(d: &Driver) -> Option<i32> {
        let buf = d.term.backend().buffer();
        (0..buf.area.height).find_map(|y| {
            let cell = &buf[(1, y)];
            let reversed = cell.modifier.contains(ratatui::style::Modifier::REVERSED)
                || cell.bg != ratatui::style::Color::Reset;
            if !reversed {
                return None;
            }
            let row: String = (1..5).map(|x| buf[(x, y)].symbol().to_string()).collect();
            row.parse().ok()
        })
    }

    /// Every line of the open card as the screen shows it, read page by page.
    fn read(d: &mut Driver) -> Vec<String> {
        d.key(KeyCode::Char('g'));
        let mut lines: Vec<Option<String>> = Vec::new();
        loop {
            let screen = d.screen();
            let rows: Vec<&str> = screen.lines().collect();
            let rule = rows
                .iter()
                .rposition(|r| r.starts_with('─') && r.contains('/'))
                .expect("the preview's bottom rule");
            let range = rows[rule].trim_start_matches('─').trim();
            let (span, total) = range.split_once('/').unwrap();
            let (first, last) = span.split_once('–').unwrap();
            let (first, last, total): (usize, usize, usize) = (
                first.parse().unwrap(),
                last.parse().unwrap(),
                total.parse().unwrap(),
            );
            lines.resize(total, None);
            for (i, row) in rows[2..rule].iter().enumerate() {
                lines[first - 1 + i] = Some(row.trim_end().to_string());
            }
            if last == total {
                break;
            }
            d.key(KeyCode::PageDown);
        }
        lines.into_iter().map(Option::unwrap_or_default).collect()
    }

    fn fits_80x24(d: &Driver) {
        let screen = d.screen();
        assert_eq!(screen.lines().count(), 24, "{screen}");
        for l in screen.lines() {
            assert!(crate::domain::text::width(l) <= 80, "{l}");
        }
    }

    /// R5.4 From the person screen, `v` shows the card of the year under the cursor exactly as
    /// it prints; `p` asks, names the card and the printer, prints it and records the print
    /// with its audit row (R5.5).
    #[test]
    fn r5_4_the_card_of_the_year_under_the_cursor_previews_and_prints_as_shown() {
        let dir = tempfile::tempdir().unwrap();
        let mut d = card_of(Lang::Zh, config(dir.path(), "utf-8"), 2016);
        assert!(
            d.shows(" 年度备案卡 张伟 2016 年（1 页） "),
            "{}",
            d.screen()
        );
        assert!(
            d.shows("湖南省专业技术人员继续教育年度备案卡"),
            "{}",
            d.screen()
        );
        assert!(
            d.shows("p 打印") && d.shows("w 打印到文件"),
            "{}",
            d.screen()
        );
        fits_80x24(&d);
        insta::assert_snapshot!("card_preview_zh", d.screen());
        let shown = read(&mut d);
        let text = shown.join("\n");
        assert!(text.contains("【专业科目】临床新进展"), "{text}");
        assert!(text.contains("登记：李军 2017-07-15"), "{text}");
        // R5.2 The recorded public class and the other year's course are not on it.
        assert!(!text.contains("保密意识"), "{text}");
        assert!(!text.contains("影像诊断进展"), "{text}");
        // The totals are check's.
        let y = crate::service::check::check(d.app.store(), ZHANG, 2016, 2016)
            .unwrap()
            .verification
            .years
            .remove(0);
        assert_eq!(y.professional.tenths(), 600);
        assert!(
            text.contains("专业科目：60.0 学时（应不少于 60.0）"),
            "{text}"
        );
        assert!(
            text.contains("公需科目：0.0 学时（应不少于 30.0）"),
            "{text}"
        );
        assert!(text.contains("结    论：未达年度学时要求"), "{text}");
        assert!(text.contains("初审盖章"), "{text}");
        d.key(KeyCode::Char('p'));
        let file = dir.path().join("printed.txt");
        assert!(
            d.shows(&format!(
                "打印张伟 2016 年度备案卡到打印机{}",
                file.display()
            )),
            "{}",
            d.screen()
        );
        d.key(KeyCode::Char('y'));
        assert_eq!(
            d.app.message(),
            format!("已打印张伟 2016 年度备案卡到 {}", file.display())
        );
        // What the clerk read is, line for line, what was written.
        let printed = std::fs::read_to_string(&file).unwrap();
        let expected: Vec<String> = preview_lines(&printed)
            .iter()
            .map(|l| l.trim_end().to_string())
            .collect();
        assert_eq!(shown, expected);
        let s = d.app.store();
        assert_eq!(
            one(
                s,
                "SELECT count(*) FROM card_prints WHERE kind = 'card' AND from_year = 2016 AND printed_by = 'wangfang'"
            ),
            1
        );
        assert_eq!(
            one(
                s,
                "SELECT count(*) FROM audit WHERE action = 'card.print' AND user = 'wangfang'"
            ),
            1
        );
        // The person's history tells of the print; Esc goes back there.
        d.key(KeyCode::Esc).key(KeyCode::Char('h'));
        assert!(
            d.shows("2017-07-15 10:00:00 wangfang 打印备案卡"),
            "{}",
            d.screen()
        );
    }

    /// In English: the card of the other year's entry, printed to a file the clerk names (in
    /// GB18030 as configured); a cancelled print prints and records nothing.
    #[test]
    fn r5_4_the_card_in_english_prints_to_a_file_and_a_cancel_prints_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let mut d = card_of(Lang::En, config(dir.path(), "gb18030"), 2015);
        assert!(d.shows(" Record card 张伟 2015 (1 p.) "), "{}", d.screen());
        assert!(
            d.shows("p print") && d.shows("w print to a file"),
            "{}",
            d.screen()
        );
        fits_80x24(&d);
        insta::assert_snapshot!("card_preview_en", d.screen());
        d.key(KeyCode::Char('p')).key(KeyCode::Char('n'));
        assert_eq!(d.app.message(), "cancelled: nothing printed");
        assert_eq!(one(d.app.store(), "SELECT count(*) FROM card_prints"), 0);
        d.key(KeyCode::Char('w'));
        assert!(
            d.shows("print the 2015 record card of 张伟 to a file (Esc cancels)"),
            "{}",
            d.screen()
        );
        // Issue 11: an ASCII name in English, not 备案卡.
        assert!(
            d.shows(&format!("~/jijiao-card-{ZHANG}-2015.txt")),
            "{}",
            d.screen()
        );
        let file = dir.path().join("card-2015.txt");
        d.ctrl('u')
            .keys(&file.display().to_string())
            .key(KeyCode::Enter);
        assert_eq!(
            d.app.message(),
            format!("printed the 2015 record card of 张伟 to {}", file.display())
        );
        let bytes = std::fs::read(&file).unwrap();
        let (text, _, bad) = encoding_rs::GB18030.decode(&bytes);
        assert!(!bad, "GB18030 as configured");
        assert!(text.contains("【专业科目】影像诊断进展"), "{text}");
        assert!(text.contains("（2015 年度）"), "{text}");
        assert!(text.ends_with("\n\u{c}"));
        assert_eq!(one(d.app.store(), "SELECT count(*) FROM card_prints"), 1);
        // The same file again is never overwritten.
        d.key(KeyCode::Char('w'))
            .ctrl('u')
            .keys(&file.display().to_string())
            .key(KeyCode::Enter);
        assert!(
            d.app.message().contains("already exists"),
            "{}",
            d.app.message()
        );
        assert_eq!(one(d.app.store(), "SELECT count(*) FROM card_prints"), 1);
    }

    /// Without a configured printer `p` says what to set, and that `w` prints to a file; from
    /// the history (no entry under the cursor) `v` shows last year's card.
    #[test]
    fn without_a_printer_p_says_what_to_do_and_the_history_shows_last_years_card() {
        let mut d = Driver::new(store(), Lang::Zh);
        d.key(KeyCode::Enter)
            .key(KeyCode::Char('h'))
            .key(KeyCode::Char('v'));
        assert!(d.shows(" 年度备案卡 张伟 2016 年"), "{}", d.screen());
        d.key(KeyCode::Char('p'));
        assert!(
            d.app.message().contains("未配置打印机") && d.app.message().contains("按 w 打印到文件"),
            "{}",
            d.app.message()
        );
        // Issue 11: what to do here, not a command-line option the interface has not.
        assert!(
            !d.app.message().contains("--printer"),
            "{}",
            d.app.message()
        );
        assert!(d.app.message().contains("请管理员"), "{}", d.app.message());
        assert_eq!(one(d.app.store(), "SELECT count(*) FROM card_prints"), 0);
    }
}
