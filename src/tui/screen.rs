//! What every screen is: state rendered from memory, actions that may call services. Rendering
//! never touches the database; `reload` and `on_action` do.

use ratatui::Frame;
use ratatui::crossterm::event::KeyEvent;
use ratatui::layout::Rect;

use super::keys::{Action, Scope};
use crate::i18n::Lang;
use crate::service::Actor;
use crate::store::Store;
use crate::store::reference::Reference;

/// What a screen may use while drawing.
pub struct View {
    pub lang: Lang,
    pub theme: super::theme::Theme,
}

/// What a screen may use while handling input.
pub struct Ctx<'a> {
    pub store: &'a mut Store,
    pub actor: &'a Actor,
    /// The bureau's configuration: the printer and the record card's positions (R5.4).
    pub config: &'a crate::config::Config,
    pub lang: Lang,
    pub reference: &'a Reference,
    /// Rows a list can show at the current terminal size.
    pub page_rows: usize,
    /// Shows a long decision moving (done, total): pass it to `service::review::decide`.
    pub progress: &'a mut dyn FnMut(usize, usize),
    /// The query worker: list reads go there, so the keyboard is never kept waiting.
    pub jobs: &'a super::worker::Jobs,
    /// When this session began (RFC 3339, the clock the decisions are stamped with): what the
    /// clerk did "before" in this session is read from the trail after it.
    pub session_started: &'a str,
}

/// What a question is about, with the ids it acts on: one enum per screen, so that an answer
/// reaches only the code that asked, and acts on exactly the rows the question named (the rows
/// are fixed when asking, not read again from the screen's state when answering).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Question {
    People(super::people::Question),
    Review(super::review::Question),
    Filings(super::filings::Question),
    Batches(super::batches::Question),
    Batch(super::batch::Question),
    /// R5.4 The record card preview's questions.
    Card(super::card::Question),
    /// The report screen's questions (issue 11): the file to write a report to. Boxed: it
    /// carries a query and a scope, and every `Flow` would grow by them.
    Report(Box<super::report::Question>),
    /// R4.4 Register this entry (database id), a professional subject without a confirmed
    /// filing? Asked where one entry is decided on: a person's screen, the evidence checklist.
    RegisterEntry(i64),
}

/// A question the app asks on a screen's behalf; the answer comes back through `on_answer` with
/// the question's payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ask {
    /// Free text (a reason, a pattern, an ID), with a prompt.
    Text {
        about: Question,
        prompt: String,
        initial: String,
    },
    /// Yes or no.
    Confirm { about: Question, question: String },
}

impl Ask {
    pub fn text(about: impl Into<Question>, prompt: impl Into<String>, initial: String) -> Ask {
        Ask::Text {
            about: about.into(),
            prompt: prompt.into(),
            initial,
        }
    }

    pub fn confirm(about: impl Into<Question>, question: impl Into<String>) -> Ask {
        Ask::Confirm {
            about: about.into(),
            question: question.into(),
        }
    }
}

/// What the app does after a screen handled something.
pub enum Flow {
    Stay,
    Push(Box<dyn Screen>),
    /// Close this screen (a root screen stays) and reload the one below.
    Pop,
    /// Close this screen like `Pop`, then say what it did (a saved correction).
    PopSay(String),
    /// Put another screen in this one's place, with a message: a saved form hands over to what
    /// it made, so `Esc` never returns to a spent form.
    Replace(Box<dyn Screen>, String),
    Ask(Ask),
    /// A one-line message in the status area (results, refusals, the next suggested step).
    Say(String),
    Quit,
}

impl Flow {
    /// Say `what`, if anything; stay otherwise.
    pub fn said(what: Option<String>) -> Flow {
        what.map_or(Flow::Stay, Flow::Say)
    }

    /// Stay on success; say what went wrong otherwise.
    pub fn from(result: Result<(), String>) -> Flow {
        match result {
            Ok(()) => Flow::Stay,
            Err(e) => Flow::Say(e),
        }
    }
}

pub trait Screen {
    /// The key scopes, most specific first (the footer and help are generated from them).
    fn scopes(&self) -> &'static [Scope];
    fn title(&self, lang: Lang) -> String;
    /// A text field has the focus: printable keys are text, not commands.
    fn typing(&self) -> bool {
        false
    }
    /// The clerk leaves this screen for another (a tab switch, a screen opened over it): typing
    /// in its search field ends, so a digit pressed on coming back switches tabs instead of
    /// being typed; the search text and its results stay.
    fn leave(&mut self) {}
    /// Unsaved input that `Esc` must not discard without asking.
    fn dirty(&self) -> bool {
        false
    }
    /// The clerk's last decision was undone (`u`, handled by the app on every screen): forget
    /// what the screen said about it. The app reloads the screen next.
    fn undone(&mut self) {}
    /// Re-read what the screen shows at once, on the clerk's connection (after a decision taken
    /// there, which already ran on this thread).
    fn reload(&mut self, ctx: &mut Ctx<'_>) -> Result<(), String>;
    /// Re-read what the screen shows without making the clerk wait: when it opens or comes
    /// back into view, after a resize, after another clerk's commit. List screens send their
    /// reads to the worker; the others read at once.
    fn refresh(&mut self, ctx: &mut Ctx<'_>) -> Result<(), String> {
        self.reload(ctx)
    }
    /// A result from the worker: `Err(done)` when none of this screen's lists asked for it,
    /// else what the app does next (a failed read is said; a `:` jump may open a person).
    fn deliver(
        &mut self,
        done: super::worker::Done,
        _ctx: &mut Ctx<'_>,
    ) -> Result<Flow, super::worker::Done> {
        Err(done)
    }
    /// After a draw: lists whose area changed size read their page again at the new size.
    /// True when the screen changed at once (a list in memory read again), so the frame must
    /// be drawn again; reads sent to the worker redraw when they land.
    fn fit(&mut self, _ctx: &mut Ctx<'_>) -> bool {
        false
    }
    /// A list of this screen has new rows out (a page, a search) that the rows on screen will
    /// give way to: keys that act on the current row wait for them (`App::must_wait`).
    fn waiting(&self) -> bool {
        false
    }
    fn on_action(&mut self, action: Action, ctx: &mut Ctx<'_>) -> Flow;
    /// Keys that are not actions (text being typed).
    fn on_key(&mut self, _key: &KeyEvent, _ctx: &mut Ctx<'_>) -> Flow {
        Flow::Stay
    }
    fn on_paste(&mut self, _text: &str, _ctx: &mut Ctx<'_>) -> Flow {
        Flow::Stay
    }
    /// The answer to a question this screen asked (`None`: the clerk cancelled).
    fn on_answer(&mut self, _about: Question, _answer: Option<&str>, _ctx: &mut Ctx<'_>) -> Flow {
        Flow::Stay
    }
    fn render(&self, f: &mut Frame, area: Rect, view: &View);
}
