//! R5.4 The yearly record card (年度备案卡) of one person and year, opened from the person
//! screen with `v`: exactly the text `p` sends to the printer (the print service lays it out
//! once, R7.4's promise kept for cards), scrolled like the certificates' preview; `p` asks and
//! prints to the configured printer, `w` prints to a file the clerk names. Each print is
//! recorded with its audit row (R5.5).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::batch::{configured_printer, file_destination, preview_lines};
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
            initial: format!("~/jijiao-备案卡-{id}-{}.txt", self.year),
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
        let last = self.lines.len().saturating_sub(self.page);
        match action {
            Action::Up => self.offset = self.offset.saturating_sub(1),
            Action::Down => self.offset = (self.offset + 1).min(last),
            Action::PageUp => self.offset = self.offset.saturating_sub(self.page),
            Action::PageDown => self.offset = (self.offset + self.page).min(last),
            Action::Top => self.offset = 0,
            Action::Bottom => self.offset = last,
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
            _ => {
                lang.pick("已取消，没有打印", "cancelled: nothing printed")
                    .into()
            }
        };
        Flow::Say(said)
    }

    fn render(&self, f: &mut Frame, area: Rect, view: &View) {
        let lang = view.lang;
        let t = &view.theme;
        let title = match lang {
            Lang::Zh => format!(" 年度备案卡 {} {} 年（{} 页） ", self.name, self.year, self.pages),
            Lang::En => format!(
                " Record card {} {} ({} p.) ",
                self.name, self.year, self.pages
            ),
        };
        let shown = format!(
            " {}–{}/{} ",
            (self.offset + 1).min(self.lines.len()),
            (self.offset + self.page).min(self.lines.len()),
            self.lines.len()
        );
        // No side borders: a line of the card may use every column of an 80-column terminal.
        let block = Block::default()
            .borders(Borders::TOP | Borders::BOTTOM)
            .title(Span::styled(title, t.header))
            .title_bottom(Line::from(shown).right_aligned());
        let inner = block.inner(area);
        f.render_widget(block, area);
        let lines: Vec<Line> = self
            .lines
            .iter()
            .skip(self.offset)
            .take(inner.height as usize)
            .map(|l| Line::from(l.clone()))
            .collect();
        f.render_widget(Paragraph::new(lines), inner);
    }
}
