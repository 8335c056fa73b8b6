//! The application: a stack of screens, overlays (help, questions), the status line and footer,
//! and the loop's state. `handle_event` changes state; `render` only draws it.

use ratatui::Frame;
use ratatui::crossterm::event::{Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use super::chrome;
use super::input::LineInput;
use super::keys::{self, Action, Scope};
use super::people::PeopleScreen;
use super::screen::{Ask, Ctx, Flow, Question, Screen, View};
use super::theme::Theme;
use crate::domain::text::clean_line;
use crate::i18n::Lang;
use crate::service::Actor;
use crate::store::Store;
use crate::store::reference::Reference;

/// Rows taken by the status line, the message line and the footer.
const CHROME_ROWS: u16 = 3;

/// Rows the body keeps when a long message takes lines from it.
const MIN_BODY_ROWS: u16 = 5;

/// Width of question boxes: room for a sentence, narrower than the screen so it reads as a box.
const BOX_COLS: u16 = 70;

/// A box of `w` × `h` over `body`, centred across and a third of the way down, within it.
fn overlay_area(body: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(body.width);
    let h = h.min(body.height);
    let y = body.y + (body.height / 3).min(body.height - h);
    Rect {
        x: body.x + (body.width - w) / 2,
        y,
        width: w,
        height: h,
    }
}

enum Overlay {
    Help,
    Text {
        about: Question,
        prompt: String,
        input: LineInput,
    },
    Confirm {
        about: Question,
        question: String,
    },
    /// Esc on a form with unsaved input: leave without saving?
    Discard,
    /// The `:` command line.
    Command(LineInput),
}

/// What wakes the terminal loop: a key (or paste, or resize) from the input thread, or a query
/// the worker finished. One channel carries both, so the loop waits on both at once.
pub enum Wake {
    /// An event and when the input thread read it (keys typed during a long action are told
    /// from keys typed after it by this time: [`App::feed`]).
    Input(Event, std::time::Instant),
    /// Reading the terminal failed (standard input closed): the loop ends with it.
    InputError(std::io::Error),
    Done(super::worker::Done),
}

/// An action that holds the interface this long makes the keys typed meanwhile blind
/// ([`App::feed`]); shorter ones (every list key, a single decision) keep type-ahead.
pub const LONG_ACTION: std::time::Duration = std::time::Duration::from_millis(400);

/// `said`, and that `n` keys typed while it was being done were not acted on.
fn blind_message(said: &str, n: usize, lang: Lang) -> String {
    let note = match lang {
        Lang::Zh => format!("处理期间按下的 {n} 个键未执行"),
        Lang::En => format!("{n} key(s) typed while working were not acted on"),
    };
    if said.is_empty() {
        note
    } else {
        format!("{said} · {note}")
    }
}

pub struct App {
    store: Store,
    /// The query worker, on its own connection to the same database.
    worker: super::worker::Worker,
    wake_tx: std::sync::mpsc::Sender<Wake>,
    wake_rx: std::sync::mpsc::Receiver<Wake>,
    /// The clerk, stamped with the time of the decision being made: refreshed from `clock`
    /// before every action, so nothing is dated with the moment the session began.
    actor: Actor,
    clock: crate::service::Clock,
    lang: Lang,
    reference: Reference,
    /// What the status line says about where the data lives.
    db_label: String,
    office_label: String,
    /// The bureau's configuration: the verification screen signs and prints with it.
    config: crate::config::Config,
    stack: Vec<Box<dyn Screen>>,
    /// The root screens of the tabs not shown (by their index in [`TABS`]), as the clerk left
    /// them: search, filters, position and marks are there when the tab comes back.
    parked: Vec<Option<Box<dyn Screen>>>,
    overlay: Option<Overlay>,
    message: String,
    quit: bool,
    size: (u16, u16),
    /// SQLite's `data_version` of the clerk's connection when the top screen last read for it:
    /// moved only by a reload (`refresh_top`), never by a key, so a commit by another clerk
    /// that lands between two keys is still seen by the next [`App::tick`].
    data_version: i64,
    /// Keys that came while the top screen's list had rows out and that act on the current
    /// row (marks, decisions, Enter): replayed in order once the rows land, so a key acts on
    /// the row the clerk saw it act on ([`App::must_wait`]).
    held: std::collections::VecDeque<Event>,
    pub theme: Theme,
    /// Where a long decision reports its progress; the terminal loop installs one that writes
    /// straight to the terminal, since the screen is not redrawn during a transaction.
    progress: Box<dyn FnMut(usize, usize)>,
    /// Puts escape sequences split by a slow link back together before they reach a screen.
    escape: super::escape::Assembler,
    /// When the session began, by the session's clock ([`Ctx::session_started`]).
    session_started: String,
    /// Typed blind: keys read while an action held the interface for longer than this are
    /// dropped ([`App::feed`]).
    long_action: std::time::Duration,
    /// The end of the last action that held the interface that long.
    held_until: Option<std::time::Instant>,
    /// Keys dropped since it ended, and the message they are counted after.
    blind: Option<(usize, String)>,
    /// The day the top screen was last read on: a screen of "this year" (the person's years,
    /// the report's year) is read again when the clock passes midnight ([`App::tick`]).
    day: chrono::NaiveDate,
}

impl App {
    pub fn new(
        store: Store,
        actor: Actor,
        lang: Lang,
        db_label: String,
        office_label: String,
        size: (u16, u16),
    ) -> Result<App, String> {
        let reference = Reference::load(&store).map_err(|e| e.to_string())?;
        let data_version = store.data_version().unwrap_or(0);
        let reader = store
            .reader()
            .map_err(|e| crate::i18n::Describe::describe(&e, lang))?;
        let (wake_tx, wake_rx) = std::sync::mpsc::channel();
        let to_loop = wake_tx.clone();
        let worker = super::worker::Worker::spawn(reader, move |done| {
            // The loop has gone (the clerk quit): nobody to tell.
            let _ = to_loop.send(Wake::Done(done));
        });
        let session_started = actor.stamp();
        let day = actor.today();
        let mut app = App {
            store,
            worker,
            wake_tx,
            wake_rx,
            clock: crate::service::Clock::fixed(actor.now),
            actor,
            lang,
            reference,
            db_label,
            office_label,
            config: crate::config::Config::default(),
            stack: Vec::new(),
            parked: TABS.iter().map(|_| None).collect(),
            overlay: None,
            message: String::new(),
            quit: false,
            size,
            data_version,
            held: std::collections::VecDeque::new(),
            theme: Theme::from_env(),
            progress: Box::new(|_, _| {}),
            escape: super::escape::Assembler::new(),
            long_action: LONG_ACTION,
            held_until: None,
            blind: None,
            session_started,
            day,
        };
        app.open_tab(0);
        Ok(app)
    }

    /// The configuration (printer, stub signature) for the screens that print.
    pub fn with_config(mut self, config: crate::config::Config) -> App {
        self.set_config(config);
        self
    }

    /// Where the time of each decision comes from (the system clock in a real session).
    pub fn with_clock(mut self, clock: crate::service::Clock) -> App {
        self.set_clock(clock);
        self
    }

    pub fn set_clock(&mut self, clock: crate::service::Clock) {
        self.clock = clock;
        self.actor.now = self.clock.now();
        self.session_started = self.actor.stamp();
        self.day = self.actor.today();
    }

    /// Read the clock for the decision about to be made.
    fn stamp_now(&mut self) {
        self.actor.now = self.clock.now();
    }

    /// The configuration; its office, when it names one, is the office the clerk acts for.
    pub fn set_config(&mut self, config: crate::config::Config) {
        if !config.office.name.trim().is_empty() {
            self.office_label = config.office.name.clone();
        }
        self.config = config;
        // The verification tab signs and prints with the configuration it was opened with:
        // it is opened anew with this one, kept or shown.
        for (kept, tab) in self.parked.iter_mut().zip(&TABS) {
            if tab.scope == Scope::Batches {
                *kept = None;
            }
        }
        let shown = self.tab();
        if TABS[shown].scope == Scope::Batches && !self.stack.is_empty() {
            self.stack.clear();
            self.open_tab(shown);
        }
    }

    pub fn set_progress(&mut self, sink: Box<dyn FnMut(usize, usize)>) {
        self.progress = sink;
    }

    pub fn should_quit(&self) -> bool {
        self.quit
    }

    pub fn lang(&self) -> Lang {
        self.lang
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The session's store, for a test to write as another command would meanwhile.
    #[cfg(test)]
    pub(crate) fn store_mut(&mut self) -> &mut Store {
        &mut self.store
    }

    pub fn message(&self) -> &str {
        &self.message
    }

    fn page_rows(&self) -> usize {
        // Lists draw inside a border with a header row.
        self.size.1.saturating_sub(CHROME_ROWS + 4).max(1) as usize
    }

    fn with_ctx<T>(&mut self, f: impl FnOnce(&mut dyn Screen, &mut Ctx<'_>) -> T) -> Option<T> {
        self.stamp_now();
        let page_rows = self.page_rows();
        let screen = self.stack.last_mut()?;
        let mut ctx = Ctx {
            store: &mut self.store,
            actor: &self.actor,
            config: &self.config,
            lang: self.lang,
            reference: &self.reference,
            page_rows,
            progress: &mut *self.progress,
            jobs: self.worker.jobs(),
            session_started: &self.session_started,
        };
        Some(f(screen.as_mut(), &mut ctx))
    }

    /// Read the top screen again without making the clerk wait ([`Screen::refresh`]). The
    /// commits counted before the read are in what it reads (it starts after), so the mark of
    /// other clerks' changes moves here and nowhere else.
    fn refresh_top(&mut self) {
        let seen = self.store.data_version().ok();
        if let Some(Err(e)) = self.with_ctx(|s, ctx| s.refresh(ctx)) {
            self.message = e;
        }
        if let Some(v) = seen {
            self.data_version = v;
        }
    }

    /// Where the worker's results and the input thread's events arrive.
    pub fn wake_sender(&self) -> std::sync::mpsc::Sender<Wake> {
        self.wake_tx.clone()
    }

    /// The next thing that woke the loop, waiting at most `wait`.
    pub fn next_wake(&self, wait: std::time::Duration) -> Option<Wake> {
        self.wake_rx.recv_timeout(wait).ok()
    }

    /// Whether queries are out on the worker (their results may not have arrived yet).
    pub fn busy(&self) -> bool {
        !self.worker.jobs().idle()
    }

    /// The worker, for tests that hold its jobs.
    #[cfg(test)]
    pub fn jobs(&self) -> &super::worker::Jobs {
        self.worker.jobs()
    }

    /// A finished query: to the screen whose list asked for it (any on the stack; a screen
    /// that is gone asked for nothing any more). What it says next is applied for the top one.
    pub fn deliver(&mut self, done: super::worker::Done) {
        self.stamp_now();
        let page_rows = self.page_rows();
        let top = self.stack.len().saturating_sub(1);
        let mut done = Some(done);
        let mut flow = None;
        for (i, screen) in self.stack.iter_mut().enumerate().rev() {
            let Some(d) = done.take() else { break };
            let mut ctx = Ctx {
                store: &mut self.store,
                actor: &self.actor,
                config: &self.config,
                lang: self.lang,
                reference: &self.reference,
                page_rows,
                progress: &mut *self.progress,
                jobs: self.worker.jobs(),
                session_started: &self.session_started,
            };
            match screen.deliver(d, &mut ctx) {
                Ok(f) if i == top => flow = Some(f),
                Ok(Flow::Say(m)) => self.message = m,
                Ok(_) => {}
                Err(d) => done = Some(d),
            }
        }
        self.apply(flow);
        self.replay();
    }

    /// After a frame was drawn: lists whose area changed size read again at the new size.
    /// True when the screen changed at once (a list in memory), so the frame must be drawn
    /// again now: nothing else would wake the loop to draw it.
    pub fn fit(&mut self) -> bool {
        let changed = self.with_ctx(|s, ctx| s.fit(ctx)).unwrap_or(false);
        // A read that a key was waiting for may have gone out or come back.
        self.replay();
        changed
    }

    /// Deliver results until the worker is idle (the test driver, after each key, so what a
    /// test reads is what the clerk sees once the queries are back). Gives up after `limit`.
    /// Whether any result was delivered (the terminal loop would draw a frame for it).
    pub fn settle_jobs(&mut self, limit: std::time::Duration) -> bool {
        let deadline = std::time::Instant::now() + limit;
        let mut delivered = false;
        loop {
            // Idle before draining: every result is in the channel. Delivering one may send
            // another query (moves that waited for rows), so look again after.
            let idle = !self.busy();
            while let Ok(w) = self.wake_rx.try_recv() {
                if let Wake::Done(d) = w {
                    self.deliver(d);
                    delivered = true;
                }
            }
            if idle && !self.busy() {
                return delivered;
            }
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            if left.is_zero() {
                return delivered;
            }
            if let Ok(Wake::Done(d)) = self
                .wake_rx
                .recv_timeout(left.min(std::time::Duration::from_millis(20)))
            {
                self.deliver(d);
                delivered = true;
            }
        }
    }

    /// Show tab `i` of [`TABS`], closing every screen above the root. The root of the tab
    /// left is kept as it is; the tab shown is the one kept for it (new the first time), read
    /// again through the worker ([`Screen::refresh`]) since others may have changed its rows.
    fn open_tab(&mut self, i: usize) {
        let Some(tab) = TABS.get(i) else { return };
        self.stamp_now();
        let left = self.tab();
        self.stack.truncate(1);
        if let Some(mut root) = self.stack.pop()
            && let Some(slot) = self.parked.get_mut(left)
        {
            root.leave();
            *slot = Some(root);
        }
        let screen = match self.parked.get_mut(i).and_then(Option::take) {
            Some(kept) => kept,
            None => (tab.open)(self),
        };
        self.stack.push(screen);
        self.refresh_top();
    }

    /// The index in [`TABS`] of the tab the clerk is in (the people list when unknown).
    fn tab(&self) -> usize {
        let scopes = self.stack.first().map_or(&[][..], |s| s.scopes());
        TABS.iter()
            .position(|t| scopes.contains(&t.scope))
            .unwrap_or(0)
    }

    /// Poll for other clerks' changes (SQLite's data_version, which this connection's own
    /// commits leave alone); true when the screen reloaded for them. A form with unsaved input
    /// is not read under the clerk's hands: the mark stays, and the screen under it reloads
    /// when the form closes.
    pub fn tick(&mut self) -> bool {
        // A session left open past midnight: what the screen shows of "today" and "this year"
        // is read again on the new day's clock.
        let today = self.clock.now().date_naive();
        if today != self.day && !self.stack.last().is_some_and(|s| s.dirty()) {
            self.day = today;
            self.refresh_top();
            return true;
        }
        match self.store.data_version() {
            Ok(v) if v != self.data_version => {
                if self.stack.last().is_some_and(|s| s.dirty()) {
                    return false;
                }
                self.refresh_top();
                true
            }
            _ => false,
        }
    }

    /// An event read from the terminal at `at`: it passes the escape-sequence assembler first,
    /// so `Esc` `[` `B` split by a slow link is one Down key (see `tui::escape`), and a lone
    /// `Esc` waits until [`App::input_deadline`].
    ///
    /// A key read at `at` while an earlier key's action held the interface for
    /// [`LONG_ACTION`] or more (an undo of forty thousand entries, a decision waiting for
    /// another clerk's write) was typed before the clerk could see what that action did: it is
    /// dropped, and the message says how many were (tester: a second `u` typed during a
    /// nine-second undo undid another mass decision unseen).
    pub fn feed(&mut self, ev: Event, at: std::time::Instant) {
        if self.held_until.is_some_and(|end| at < end) {
            let (n, said) = self.blind.get_or_insert_with(|| (0, self.message.clone()));
            *n += 1;
            self.message = blind_message(said, *n, self.lang);
            return;
        }
        self.blind = None;
        let start = std::time::Instant::now();
        for ev in self.escape.push(ev, at) {
            self.handle_event(ev);
            if self.quit {
                return;
            }
        }
        let end = std::time::Instant::now();
        if end.duration_since(start) >= self.long_action {
            self.held_until = Some(end);
        }
    }

    /// Tests: how long an action must hold the interface for the keys typed meanwhile to be
    /// dropped ([`App::feed`]).
    #[cfg(test)]
    pub fn set_long_action(&mut self, d: std::time::Duration) {
        self.long_action = d;
    }

    /// The loop woke at `at` without input: deliver what the assembler held and is now due (a
    /// lone `Esc` whose window passed). True when anything was delivered.
    pub fn settle(&mut self, at: std::time::Instant) -> bool {
        let due = self.escape.due(at);
        let any = !due.is_empty();
        for ev in due {
            self.handle_event(ev);
        }
        any
    }

    /// Until when the loop may wait for input before calling [`App::settle`]; `None` when
    /// nothing is held.
    pub fn input_deadline(&self) -> Option<std::time::Instant> {
        self.escape.deadline()
    }

    /// One complete event (tests, and what the assembler delivers). A key that must wait for
    /// rows still being read is held ([`App::must_wait`]) and replayed when they land.
    pub fn handle_event(&mut self, ev: Event) {
        if self.must_wait(&ev) {
            self.held.push_back(ev);
        } else {
            self.act(ev);
        }
        self.replay();
    }

    fn act(&mut self, ev: Event) {
        match ev {
            Event::Key(k) if k.kind != KeyEventKind::Release => self.handle_key(k),
            Event::Paste(text) => self.handle_paste(&text),
            Event::Resize(w, h) => {
                self.size = (w, h);
                self.refresh_top();
            }
            _ => {}
        }
    }

    /// Whether the top screen waits for rows (a new page, a search) it has out on the worker.
    fn top_waits(&self) -> bool {
        self.stack.last().is_some_and(|s| s.waiting())
    }

    /// A key acts on what the clerk saw it act on: while the top screen has a page or a search
    /// out, a key that acts on the current row (a mark, a decision, Enter, undo, Esc that
    /// clears the search around the row) waits for the rows, and so does every key after it,
    /// in order. Typing into the search field still echoes at once, and moves chain on the
    /// list itself ([`super::list::Lister`] defers them); Ctrl-C, a resize, help, `:`, `/`
    /// and tab switches touch no row and go at once.
    fn must_wait(&self, ev: &Event) -> bool {
        let key = match ev {
            Event::Resize(..) => return false,
            Event::Key(k) if k.kind == KeyEventKind::Release => return false,
            Event::Key(k)
                if k.code == KeyCode::Char('c') && k.modifiers.contains(KeyModifiers::CONTROL) =>
            {
                return false;
            }
            _ if !self.held.is_empty() => return true,
            _ if self.overlay.is_some() || !self.top_waits() => return false,
            Event::Key(k) => k,
            // Pasted text goes to the search field: typing.
            _ => return false,
        };
        let (scopes, typing) = match self.stack.last() {
            Some(s) => (s.scopes(), s.typing()),
            None => return false,
        };
        match keys::action_for(key, scopes, typing) {
            None => !typing,
            Some(a) if super::marks::is_move(a) => false,
            Some(Action::Back) => !typing,
            Some(
                Action::Search | Action::Help | Action::Quit | Action::Command | Action::NextScreen,
            ) => false,
            Some(a) => !TABS.iter().any(|t| t.action == a),
        }
    }

    /// Replay the held keys in order while the top screen has no rows out (they landed, the
    /// read failed, or a key replayed sent another read: the rest wait for that one).
    fn replay(&mut self) {
        while !self.quit && !self.top_waits() {
            let Some(ev) = self.held.pop_front() else {
                return;
            };
            self.act(ev);
        }
    }

    fn handle_paste(&mut self, text: &str) {
        match &mut self.overlay {
            Some(Overlay::Text { input, .. }) | Some(Overlay::Command(input)) => {
                input.insert_str(text)
            }
            Some(_) => {}
            None => {
                let flow = self.with_ctx(|s, ctx| s.on_paste(text, ctx));
                self.apply(flow);
            }
        }
    }

    fn handle_key(&mut self, key: KeyEvent) {
        // Ctrl-C always leaves, whatever has the focus: the clerk's way out of anything.
        if key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL) {
            self.quit = true;
            return;
        }
        if let Some(overlay) = self.overlay.take() {
            self.handle_overlay_key(overlay, key);
            return;
        }
        self.message.clear();
        let (scopes, typing, dirty) = match self.stack.last() {
            Some(s) => (s.scopes(), s.typing(), s.dirty()),
            None => (&[][..], false, false),
        };
        match keys::action_for(&key, scopes, typing) {
            Some(Action::Quit) => {
                if dirty {
                    self.overlay = Some(Overlay::Discard);
                } else {
                    self.quit = true;
                }
            }
            Some(Action::Help) => self.overlay = Some(Overlay::Help),
            Some(Action::Undo) => self.undo_last_decision(),
            Some(Action::Command) => self.overlay = Some(Overlay::Command(LineInput::default())),
            Some(Action::NextScreen) => {
                if dirty {
                    self.overlay = Some(Overlay::Discard);
                } else {
                    self.open_tab((self.tab() + 1) % TABS.len());
                }
            }
            Some(action) if TABS.iter().any(|t| t.action == action) => {
                if dirty {
                    self.overlay = Some(Overlay::Discard);
                } else if let Some(i) = TABS.iter().position(|t| t.action == action) {
                    self.open_tab(i);
                }
            }
            Some(Action::Back) => {
                // A lone Esc may be half of a broken escape sequence: never drop a filled form.
                if dirty {
                    self.overlay = Some(Overlay::Discard);
                } else {
                    let flow = self.with_ctx(|s, ctx| s.on_action(Action::Back, ctx));
                    self.apply(flow);
                }
            }
            Some(action) => {
                let flow = self.with_ctx(|s, ctx| s.on_action(action, ctx));
                self.apply(flow);
            }
            None => {
                let flow = self.with_ctx(|s, ctx| s.on_key(&key, ctx));
                self.apply(flow);
            }
        }
    }

    /// `u` on any screen (R5.5): undo the clerk's own last decision, whatever screen it was
    /// taken on, say what was undone in one line, and show the current screen as it now is.
    fn undo_last_decision(&mut self) {
        use crate::i18n::Describe;
        use crate::service::decision;
        let lang = self.lang;
        let mut message =
            match decision::undo_last_with(&mut self.store, &self.actor, &mut *self.progress) {
                Ok(Some(u)) => u.message(lang, self.size.0 as usize),
                Ok(None) => decision::nothing_to_undo(lang).into(),
                Err(e) => e.describe(lang),
            };
        for screen in self
            .stack
            .iter_mut()
            .chain(self.parked.iter_mut().flatten())
        {
            screen.undone();
        }
        if let Some(Err(e)) = self.with_ctx(|s, ctx| s.reload(ctx)) {
            message = format!("{message} / {e}");
        }
        self.message = message;
    }

    fn handle_overlay_key(&mut self, overlay: Overlay, key: KeyEvent) {
        match overlay {
            Overlay::Help => {} // any key closes help
            Overlay::Discard => match key.code {
                KeyCode::Char('y') | KeyCode::Char('Y') => self.pop(),
                // Keys that are no answer (what a split escape sequence becomes) leave the
                // question open rather than answer "stay" for the clerk.
                KeyCode::Up
                | KeyCode::Down
                | KeyCode::Left
                | KeyCode::Right
                | KeyCode::PageUp
                | KeyCode::PageDown
                | KeyCode::Home
                | KeyCode::End
                | KeyCode::Insert
                | KeyCode::Delete
                | KeyCode::F(_) => self.overlay = Some(Overlay::Discard),
                _ => {
                    self.message = self
                        .lang
                        .pick("已保留未保存的内容", "kept the unsaved input")
                        .into()
                }
            },
            Overlay::Confirm { about, question } => match key.code {
                KeyCode::Char('y') | KeyCode::Char('Y') => {
                    let flow = self.with_ctx(|s, ctx| s.on_answer(about, Some("y"), ctx));
                    self.apply(flow);
                }
                KeyCode::Char('n') | KeyCode::Char('N') | KeyCode::Esc => {
                    let flow = self.with_ctx(|s, ctx| s.on_answer(about, None, ctx));
                    self.apply(flow);
                }
                _ => self.overlay = Some(Overlay::Confirm { about, question }),
            },
            Overlay::Text {
                about,
                prompt,
                mut input,
            } => match key.code {
                KeyCode::Enter => {
                    let text = input.text().to_string();
                    let flow = self.with_ctx(|s, ctx| s.on_answer(about, Some(&text), ctx));
                    self.apply(flow);
                }
                KeyCode::Esc => {
                    let flow = self.with_ctx(|s, ctx| s.on_answer(about, None, ctx));
                    self.apply(flow);
                }
                _ => {
                    input.handle(&key);
                    self.overlay = Some(Overlay::Text {
                        about,
                        prompt,
                        input,
                    });
                }
            },
            Overlay::Command(mut input) => match key.code {
                KeyCode::Enter => {
                    let cmd = input.text().trim().to_string();
                    self.run_command(&cmd);
                }
                KeyCode::Esc => {}
                _ => {
                    input.handle(&key);
                    self.overlay = Some(Overlay::Command(input));
                }
            },
        }
    }

    /// `:` commands: `people`, `review`, `filings`, `q`, or an ID number / name to jump to.
    fn run_command(&mut self, cmd: &str) {
        match cmd {
            "" => {}
            "q" | "quit" | "退出" => self.quit = true,
            "help" | "帮助" => self.overlay = Some(Overlay::Help),
            tab if TABS.iter().any(|t| t.opens(tab)) => {
                if let Some(i) = TABS.iter().position(|t| t.opens(tab)) {
                    self.open_tab(i);
                }
            }
            other => {
                // Anything else is a search: an ID number opens the person if there is one.
                self.open_tab(0);
                let text = other.to_string();
                let flow = self.with_ctx(|s, ctx| {
                    s.on_answer(
                        Question::People(super::people::Question::Jump),
                        Some(&text),
                        ctx,
                    )
                });
                self.apply(flow);
            }
        }
    }

    fn pop(&mut self) {
        if self.stack.len() > 1 {
            self.stack.pop();
            self.refresh_top();
        }
    }

    fn apply(&mut self, flow: Option<Flow>) {
        match flow {
            None | Some(Flow::Stay) => {}
            Some(Flow::Push(mut screen)) => {
                self.stamp_now();
                let page_rows = self.page_rows();
                let mut ctx = Ctx {
                    store: &mut self.store,
                    actor: &self.actor,
                    config: &self.config,
                    lang: self.lang,
                    reference: &self.reference,
                    page_rows,
                    progress: &mut *self.progress,
                    jobs: self.worker.jobs(),
                    session_started: &self.session_started,
                };
                if let Err(e) = screen.refresh(&mut ctx) {
                    self.message = e;
                }
                if let Some(below) = self.stack.last_mut() {
                    below.leave();
                }
                self.stack.push(screen);
            }
            Some(Flow::Pop) => self.pop(),
            Some(Flow::PopSay(message)) => {
                self.pop();
                // A reload that failed says so first.
                if self.message.is_empty() {
                    self.message = message;
                }
            }
            Some(Flow::Replace(screen, message)) => {
                // A root screen is never replaced: the new screen goes above it instead.
                if self.stack.len() > 1 {
                    self.stack.pop();
                }
                self.apply(Some(Flow::Push(screen)));
                if self.message.is_empty() {
                    self.message = message;
                }
            }
            Some(Flow::Ask(Ask::Text {
                about,
                prompt,
                initial,
            })) => {
                self.overlay = Some(Overlay::Text {
                    about,
                    prompt,
                    input: LineInput::new(&initial),
                })
            }
            Some(Flow::Ask(Ask::Confirm { about, question })) => {
                self.overlay = Some(Overlay::Confirm { about, question })
            }
            Some(Flow::Say(m)) => self.message = m,
            Some(Flow::Quit) => self.quit = true,
        }
    }

    pub fn render(&self, f: &mut Frame) {
        let area = f.area();
        // A message too long for one line takes more, from the body, so it is read whole; the
        // body keeps at least a few rows (a message longer than that ends in `…`).
        // The services' messages carry rule codes for the logs; the clerk reads the words.
        let message_text = chrome::without_rule_codes(&clean_line(&self.message));
        let max_rows = area.height.saturating_sub(2 + MIN_BODY_ROWS).max(1) as usize;
        let message_lines = chrome::clip(
            chrome::wrap(&message_text, area.width as usize),
            max_rows,
            area.width as usize,
        );
        let [status, body, message, footer] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Min(1),
            Constraint::Length(message_lines.len() as u16),
            Constraint::Length(1),
        ])
        .areas(area);
        self.render_status(f, status);
        if let Some(screen) = self.stack.last() {
            let view = View {
                lang: self.lang,
                theme: self.theme,
            };
            screen.render(f, body, &view);
        }
        f.render_widget(
            Paragraph::new(
                message_lines
                    .into_iter()
                    .map(Line::from)
                    .collect::<Vec<_>>(),
            )
            .style(self.theme.message),
            message,
        );
        self.render_footer(f, footer);
        match &self.overlay {
            None => {}
            Some(Overlay::Help) => self.render_help(f, body),
            Some(Overlay::Text { prompt, input, .. }) => self.render_prompt(f, body, prompt, input),
            Some(Overlay::Command(input)) => {
                f.render_widget(Clear, footer);
                f.render_widget(Paragraph::new(":"), footer);
                input.render(
                    f,
                    Rect {
                        x: footer.x + 1,
                        width: footer.width.saturating_sub(1),
                        ..footer
                    },
                    Style::default(),
                    true,
                );
            }
            Some(Overlay::Confirm { question, .. }) => {
                let hint = self.lang.pick("(y 是 / n 否)", "(y/n)");
                let question = chrome::without_rule_codes(&clean_line(question));
                self.render_box(f, body, &question, hint);
            }
            Some(Overlay::Discard) => {
                let q = self.lang.pick(
                    "有未保存的内容，放弃并离开？",
                    "Unsaved input: discard it and leave?",
                );
                let hint = self.lang.pick(
                    "(y 放弃 / 其他键 留下)",
                    "(y discard / any other key stays)",
                );
                self.render_box(f, body, q, hint);
            }
        }
    }

    fn render_status(&self, f: &mut Frame, area: Rect) {
        let current = self.tab();
        let mut spans = vec![
            Span::styled(self.lang.pick("继教", "jijiao"), self.theme.title),
            Span::raw(" "),
        ];
        for (i, tab) in TABS.iter().enumerate() {
            let style = if i == current {
                self.theme.tab_active
            } else {
                self.theme.tab
            };
            let label = match self.lang {
                Lang::Zh => format!(" {}{} ", tab.key, tab.zh),
                Lang::En => format!(" {} {} ", tab.key, tab.en),
            };
            spans.push(Span::styled(label, style));
        }
        // R5.5 A login in no role reads only: said where the clerk's name is, before any key
        // is refused.
        let read_only = if self.actor.grants.read_only() {
            self.lang.pick(" 只读", " read-only")
        } else {
            ""
        };
        let tabs: usize = spans.iter().map(|s| s.width()).sum();
        let (who, db) = status_tail(
            &clean_line(&self.actor.user),
            read_only,
            &clean_line(&self.office_label),
            &clean_line(&self.db_label),
            (area.width as usize).saturating_sub(tabs),
            self.lang,
        );
        spans.push(Span::raw(who));
        spans.push(Span::styled(db, self.theme.dim));
        f.render_widget(
            Paragraph::new(Line::from(spans)).style(self.theme.status),
            area,
        );
    }

    /// The key hints of the current screen, `?` first; when they do not all fit, as many as
    /// fit and then `…` (the help lists every key).
    fn render_footer(&self, f: &mut Frame, area: Rect) {
        let scopes = self.stack.last().map_or(&[][..], |s| s.scopes());
        let typing = self.stack.last().is_some_and(|s| s.typing());
        let hints = keys::footer(scopes, self.lang, typing);
        let (shown, cut) = chrome::footer_fit(&hints, area.width as usize);
        let mut spans = Vec::new();
        for (key, label) in hints.into_iter().take(shown) {
            spans.push(Span::styled(key, self.theme.key));
            spans.push(Span::raw(format!(" {label} ")));
        }
        if cut {
            spans.push(Span::raw("…"));
        }
        f.render_widget(Paragraph::new(Line::from(spans)), area);
    }

    /// A question in a box over the body: the text whole (wrapped between words), then the
    /// answers it takes on a line of their own, so they show however long the question is.
    fn render_box(&self, f: &mut Frame, body: Rect, text: &str, answers: &str) {
        let w = body.width.min(BOX_COLS);
        let inner_cols = w.saturating_sub(2) as usize;
        let mut lines = chrome::wrap(text, inner_cols);
        lines.extend(chrome::wrap(answers, inner_cols));
        let rows = (body.height.saturating_sub(2) as usize).max(1);
        let lines = chrome::clip(lines, rows, inner_cols);
        let area = overlay_area(body, w, lines.len() as u16 + 2);
        super::chrome::clear_for_box(f, area);
        f.render_widget(
            Paragraph::new(lines.into_iter().map(Line::from).collect::<Vec<_>>())
                .block(Block::default().borders(Borders::ALL)),
            area,
        );
    }

    /// A text question: the prompt whole inside the box (a title would be cut at the border),
    /// the input line under it.
    fn render_prompt(&self, f: &mut Frame, body: Rect, prompt: &str, input: &LineInput) {
        let w = body.width.min(BOX_COLS);
        let inner_cols = w.saturating_sub(2) as usize;
        let rows = (body.height.saturating_sub(3) as usize).max(1);
        let lines = chrome::clip(
            chrome::wrap(&chrome::without_rule_codes(&clean_line(prompt)), inner_cols),
            rows,
            inner_cols,
        );
        let area = overlay_area(body, w, lines.len() as u16 + 3);
        super::chrome::clear_for_box(f, area);
        let block = Block::default().borders(Borders::ALL);
        let inner = block.inner(area);
        f.render_widget(block, area);
        let [text, field] =
            Layout::vertical([Constraint::Min(0), Constraint::Length(1)]).areas(inner);
        f.render_widget(
            Paragraph::new(lines.into_iter().map(Line::from).collect::<Vec<_>>()),
            text,
        );
        input.render(f, field, Style::default(), true);
    }

    fn render_help(&self, f: &mut Frame, body: Rect) {
        let scopes = self.stack.last().map_or(&[][..], |s| s.scopes());
        let typing = self.stack.last().is_some_and(|s| s.typing());
        let bindings = keys::help(scopes, typing);
        let area = Rect {
            x: body.x + 2,
            y: body.y,
            width: body.width.saturating_sub(4),
            height: body.height,
        };
        super::chrome::clear_for_box(f, area);
        let title = self
            .lang
            .pick(" 按键（任意键关闭） ", " keys (any key closes) ");
        let block = Block::default().borders(Borders::ALL).title(Span::styled(
            title,
            Style::default().add_modifier(Modifier::BOLD),
        ));
        let mut inner = block.inner(area);
        f.render_widget(block, area);
        // Under the keys, what a `T` pattern may say on this screen (from the words its parser
        // takes), wrapped; the keys take the rows above it.
        if let Some(words) = super::marks::help(scopes, self.lang) {
            let cols = (inner.width as usize).max(1);
            // A blank row, the rows the text fills, and one for what wrapping at words loses.
            let rows: usize = words
                .lines()
                .map(|l| crate::domain::text::width(l).div_ceil(cols))
                .sum();
            let need = (rows + 2) as u16;
            let need = need.min(inner.height / 2);
            inner.height -= need;
            f.render_widget(
                Paragraph::new(words).wrap(Wrap { trim: true }),
                // A blank row between the keys and the words.
                Rect {
                    y: inner.y + inner.height + 1,
                    height: need.saturating_sub(1),
                    ..inner
                },
            );
        }
        // As many columns as the list needs at this height, so every key shows at 80×24.
        let rows = (inner.height as usize).max(1);
        let columns = bindings.len().div_ceil(rows).max(1);
        let col_w = inner.width / columns as u16;
        for (c, chunk) in bindings.chunks(rows).enumerate() {
            // The keys as wide as this column's longest needs (at most 12), the words in what
            // is left less one blank column, ending in `…` when cut: columns never run together.
            let key_w = chunk
                .iter()
                .map(|(keys, _)| crate::domain::text::width(keys) + 1)
                .max()
                .unwrap_or(1)
                .min(12);
            let words_w = (col_w as usize).saturating_sub(key_w + 1);
            let lines: Vec<Line> = chunk
                .iter()
                .map(|(keys, b)| {
                    Line::from(vec![
                        Span::styled(crate::domain::text::fit(keys, key_w), self.theme.key),
                        Span::raw(
                            crate::domain::text::fit(b.label(self.lang), words_w)
                                .trim_end()
                                .to_string(),
                        ),
                    ])
                })
                .collect();
            let col = Rect {
                x: inner.x + c as u16 * col_w,
                width: col_w,
                ..inner
            };
            f.render_widget(Paragraph::new(lines), col);
        }
    }
}

/// The status line after the tabs, in `room` columns: who works (the clerk, read-only, the
/// office) and where the data lives (`db`, a path). What gives way first is the database: its
/// directory, then the word "clerk:", then the end of its file name (never to less than a few
/// characters, else it goes); only then are the office and the clerk cut. The same rule in
/// both languages, so an English line at 80 columns keeps what a Chinese one keeps.
fn status_tail(
    user: &str,
    read_only: &str,
    office: &str,
    db: &str,
    room: usize,
    lang: Lang,
) -> (String, String) {
    use crate::domain::text::{fit, width};
    /// Fewer columns than this show too little of a file name to be of use.
    const MIN_DB: usize = 6;
    let name = std::path::Path::new(db)
        .file_name()
        .map_or(db.to_string(), |n| n.to_string_lossy().into_owned());
    let labelled = format!(
        " {}{user}{read_only} {office} ",
        lang.pick("经办人:", "clerk:")
    );
    let bare = format!(" {user}{read_only} {office} ");
    for (who, db) in [
        (&labelled, db),
        (&labelled, name.as_str()),
        (&bare, name.as_str()),
    ] {
        if width(who) + width(db) <= room {
            return (who.clone(), db.to_string());
        }
    }
    let left = room.saturating_sub(width(&bare));
    if left >= MIN_DB {
        return (bare, fit(&name, left).trim_end().to_string());
    }
    // No room for the database at all: the office, then the clerk, are cut to what is left.
    let who = if width(&bare) <= room {
        bare
    } else {
        let head = format!(" {user}{read_only} ");
        match room.saturating_sub(width(&head)) {
            0 | 1 => fit(&head, room),
            rest => format!("{head}{}", fit(office, rest).trim_end()),
        }
    };
    (who, String::new())
}

/// One tab of the status line: a screen the clerk reaches from anywhere with its digit, with
/// Tab (the next one, wrapping) or with the `:` command line.
struct Tab {
    /// The digit that opens it, shown before its title.
    key: char,
    zh: &'static str,
    en: &'static str,
    /// What its digit means (`keys::BINDINGS`).
    action: Action,
    /// Words of the `:` command line that open it, besides its digit.
    commands: &'static [&'static str],
    /// The scope by which its root screen is recognised (`Screen::scopes`).
    scope: Scope,
    /// Its root screen, new.
    open: fn(&App) -> Box<dyn Screen>,
}

impl Tab {
    fn opens(&self, command: &str) -> bool {
        command.chars().eq([self.key]) || self.commands.contains(&command)
    }
}

/// The tabs, in order: the one table for the status line, the digits, Tab, `:` commands and
/// recognising where the clerk is. A new tab is one row here (and its key in `keys`).
const TABS: [Tab; 5] = [
    Tab {
        key: '1',
        zh: "人员",
        en: "People",
        action: Action::GoPeople,
        commands: &["people", "人员"],
        scope: Scope::People,
        open: |_| Box::new(PeopleScreen::new()),
    },
    Tab {
        key: '2',
        zh: "复核",
        en: "Review",
        action: Action::GoReview,
        commands: &["review", "复核"],
        scope: Scope::Review,
        open: |_| Box::new(super::review::ReviewScreen::new()),
    },
    Tab {
        key: '3',
        zh: "备案",
        en: "Filings",
        action: Action::GoFilings,
        commands: &["filings", "备案"],
        scope: Scope::Filings,
        open: |_| Box::new(super::filings::FilingsScreen::new()),
    },
    Tab {
        key: '4',
        zh: "验证",
        en: "Verify",
        action: Action::GoBatches,
        commands: &["batches", "verification", "验证"],
        scope: Scope::Batches,
        open: |app| {
            Box::new(super::batches::BatchesScreen::new(
                app.config.clone(),
                app.office_label.clone(),
            ))
        },
    },
    Tab {
        key: '5',
        zh: "报表",
        en: "Report",
        action: Action::GoReport,
        commands: &["report", "reports", "报表"],
        scope: Scope::Report,
        // The year of the clock the app is given: the figures a clerk is asked for first.
        open: |app| {
            Box::new(super::report::ReportScreen::new(chrono::Datelike::year(
                &app.actor.today(),
            )))
        },
    },
];

#[cfg(test)]
mod tests {
    use ratatui::crossterm::event::KeyCode;

    use crate::i18n::Lang;
    use crate::service::fixtures::{actor, source, store_with, table};
    use crate::service::import;
    use crate::store::Store;
    use crate::tui::testing::Driver;

    #[test]
    fn help_is_generated_from_the_key_list() {
        let mut d = Driver::new(store_with(&[]), Lang::Zh);
        d.key(KeyCode::Char('?'));
        for (_, b) in crate::tui::keys::help(
            &[
                crate::tui::keys::Scope::People,
                crate::tui::keys::Scope::List,
            ],
            false,
        ) {
            assert!(d.shows(b.zh), "help lacks {}:\n{}", b.zh, d.screen());
        }
        insta::assert_snapshot!("help_zh", d.screen());
        d.key(KeyCode::Char('x'));
        assert!(!d.shows("任意键关闭"), "any key closes help");
    }

    #[test]
    fn help_in_english_on_the_review_queue() {
        let mut d = Driver::new(store_with(&[]), Lang::En);
        d.key(KeyCode::Char('2')).key(KeyCode::Char('?'));
        for (_, b) in crate::tui::keys::help(
            &[
                crate::tui::keys::Scope::Review,
                crate::tui::keys::Scope::List,
            ],
            false,
        ) {
            assert!(d.shows(b.en), "help lacks {}:\n{}", b.en, d.screen());
        }
        insta::assert_snapshot!("help_en", d.screen());
    }

    /// The lines of the help box on screen (its borders and title left out).
    fn help_box(d: &Driver) -> Vec<String> {
        let s = d.screen();
        s.lines()
            .skip_while(|l| !(l.contains("任意键关闭") || l.contains("any key closes")))
            .skip(1)
            .take_while(|l| !l.contains('└'))
            .map(str::to_string)
            .collect()
    }

    /// Tester's fault 4: Ctrl-G in a form lists the keys of the form, its own first, and none
    /// that do nothing there (Tab is the next field, `1`–`5`, `u`, `q` and `:` are text).
    #[test]
    fn help_in_a_form_lists_the_keys_that_work_there() {
        for (lang, works, dead) in [
            (
                Lang::Zh,
                ["保存", "下一项", "上一项", "同上一条", "返回", "帮助"],
                ["切换页面", "人员", "复核", "报表", "撤销", "退出", "命令"],
            ),
            (
                Lang::En,
                [
                    "save",
                    "next field",
                    "previous field",
                    "same as previous",
                    "back",
                    "help",
                ],
                [
                    "next screen",
                    "people",
                    "review",
                    "report",
                    "undo",
                    "quit",
                    "command",
                ],
            ),
        ] {
            let mut d = Driver::new(store_with(&[]), lang);
            d.key(KeyCode::Enter).key(KeyCode::Char('a'));
            d.ctrl('g');
            let help = help_box(&d);
            let text = help.join("\n");
            assert!(!help.is_empty(), "{}", d.screen());
            for w in works {
                assert!(text.contains(w), "help lacks {w}:\n{}", d.screen());
            }
            for w in dead {
                assert!(!text.contains(w), "help lists {w}:\n{}", d.screen());
            }
            // The form's own keys first: saving comes before going back, a global key.
            let at = |w: &str| help.iter().position(|l| l.contains(w));
            assert!(at(works[0]) < at(works[4]), "{}", d.screen());
            // `?` is text in a form: help is Ctrl-G there.
            assert!(!text.contains("?/"), "{}", d.screen());
            d.key(KeyCode::Char('x'));
            assert!(help_box(&d).is_empty(), "any key closes help");
        }
    }

    /// Every screen, at sizes from tiny to wide, through the keys a clerk might press: the
    /// interface must never panic, whatever the terminal.
    #[test]
    fn no_screen_panics_at_any_terminal_size() {
        let keys: Vec<KeyCode> = "jjkGgtT\nn?x\u{1b}/zw\u{1b}fhmev"
            .chars()
            .map(|c| {
                if c == '\u{1b}' {
                    KeyCode::Esc
                } else {
                    KeyCode::Char(c)
                }
            })
            .chain([
                KeyCode::Enter,
                KeyCode::Tab,
                KeyCode::PageDown,
                KeyCode::Esc,
                KeyCode::Esc,
            ])
            .collect();
        for (w, h) in [(80, 24), (40, 12), (20, 6), (12, 4), (132, 43)] {
            for screen in ['1', '2', '3', '4'] {
                let mut d = Driver::sized(
                    store_with(&[
                        "专业,远程教育,临床新进展,湖南人才市场有限公司,2016-04-01,2016-04-30,60,合格,学习证明材料",
                    ]),
                    Lang::Zh,
                    w,
                    h,
                );
                d.key(KeyCode::Char(screen));
                for k in &keys {
                    d.key(*k);
                    if d.app.should_quit() {
                        break;
                    }
                }
                d.key(KeyCode::Enter)
                    .key(KeyCode::Char('a'))
                    .keys("专业")
                    .key(KeyCode::Tab);
            }
        }
    }

    /// A long deterministic random walk over the keys (but `q` and Ctrl-C), at 80×24 and at a
    /// cramped size: whatever order a clerk presses them in, nothing panics.
    #[test]
    fn a_random_walk_over_the_keys_never_panics() {
        let pool: Vec<KeyCode> = "jkgGtT;srxuamhenfb/123 4yc!vip"
            .chars()
            .map(KeyCode::Char)
            .chain([
                KeyCode::Enter,
                KeyCode::Esc,
                KeyCode::Tab,
                KeyCode::BackTab,
                KeyCode::Up,
                KeyCode::Down,
                KeyCode::Left,
                KeyCode::Right,
                KeyCode::PageUp,
                KeyCode::PageDown,
                KeyCode::Backspace,
                KeyCode::Home,
                KeyCode::End,
            ])
            .collect();
        for (w, h, seed) in [(80u16, 24u16, 7u64), (30, 8, 11)] {
            let mut d = Driver::sized(
                store_with(&[
                    "专业,远程教育,临床新进展,湖南人才市场有限公司,2016-04-01,2016-04-30,60,合格,学习证明材料",
                    "公需,培训班,保密教育,湖南师范大学,2016-05-10,2016-05-12,30,合格,培训通知",
                ]),
                Lang::En,
                w,
                h,
            );
            let mut x = seed;
            for _ in 0..1500 {
                x = x
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let k = pool[(x >> 33) as usize % pool.len()];
                d.key(k);
                assert!(!d.app.should_quit(), "only q and Ctrl-C quit");
            }
        }
    }

    #[test]
    fn other_clerks_changes_appear_without_restarting() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("shared.sqlite");
        let mut d = Driver::new(Store::open(&path).unwrap(), Lang::Zh);
        assert!(d.shows("人员 0 人"), "{}", d.screen());
        assert!(!d.app.tick(), "nothing changed yet");

        // Another clerk, another process's connection.
        let mut other = Store::open(&path).unwrap();
        import::people(
            &mut other,
            &actor("lijun"),
            &table(
                "身份证号,姓名,单位,单位类型,市州",
                &["11010519491231002X,张伟,长沙市第一医院,市州所属单位,长沙"],
            ),
            &source(),
            false,
        )
        .unwrap();
        assert!(d.app.tick());
        d.draw();
        assert!(d.shows("人员 1 人"), "{}", d.screen());
    }

    #[test]
    fn colon_jumps_to_a_person_by_id_number() {
        let mut d = Driver::new(store_with(&[]), Lang::En);
        d.key(KeyCode::Char(':'))
            .keys("11010519491231002x")
            .key(KeyCode::Enter);
        assert!(d.shows("┌ 张伟 11010519491231002X"), "{}", d.screen());
        d.key(KeyCode::Char(':')).keys("review").key(KeyCode::Enter);
        assert!(
            d.shows("[2 Review]") || d.shows("2 Review"),
            "{}",
            d.screen()
        );
    }

    #[test]
    fn tab_and_digits_switch_screens_and_esc_goes_back() {
        let mut d = Driver::new(store_with(&[]), Lang::Zh);
        d.key(KeyCode::Enter);
        assert!(d.shows("┌ 张伟"));
        d.key(KeyCode::Esc);
        assert!(d.shows("人员 1 人"), "{}", d.screen());
        d.key(KeyCode::Char('3'));
        assert!(!d.shows("人员 1 人"));
        d.key(KeyCode::Char('1'));
        assert!(d.shows("人员 1 人"));
    }

    #[test]
    fn pasted_text_searches_and_loses_its_escape_sequences() {
        let mut d = Driver::new(store_with(&[]), Lang::Zh);
        d.paste("\u{1b}[31m张\u{1b}[0m");
        assert!(d.shows("搜索/ 张"), "{}", d.screen());
        assert!(d.shows("人员 1 人"));
    }

    /// What a slow SSH link delivers for the Down key: `ESC` alone, then `[B` 100 ms later.
    fn split_down(d: &mut Driver, t0: std::time::Instant) {
        use ratatui::crossterm::event::{Event, KeyEvent, KeyModifiers};
        d.timed(
            Event::Key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE)),
            t0,
        );
        d.timed_text("[B", t0 + std::time::Duration::from_millis(100));
    }

    /// Issue 8.5 in a text field: the split sequence is the Down key it was; nothing is typed,
    /// the form is not left, and no question about unsaved input comes up.
    #[test]
    fn a_split_cursor_down_in_a_form_field_moves_the_focus_and_types_nothing() {
        let mut d = Driver::new(store_with(&[]), Lang::Zh);
        d.key(KeyCode::Char('n')).keys("4301");
        assert!(d.shows("> 身份证号*   4301 "), "{}", d.screen());
        let t0 = std::time::Instant::now();
        split_down(&mut d, t0);
        d.idle_until(t0 + std::time::Duration::from_secs(2));
        let s = d.screen();
        assert!(s.contains("> 姓名*"), "the focus moved down:\n{s}");
        assert!(s.contains("身份证号*   4301 "), "ID field unchanged:\n{s}");
        assert!(!s.contains("[B") && !s.contains("4301B"), "typed:\n{s}");
        assert!(!s.contains("有未保存的内容"), "the Esc acted:\n{s}");
    }

    /// The same on a yes/no question (R4.4's confirmation to register unfiled professional
    /// entries): it stays open, and the clerk's answer still counts.
    #[test]
    fn a_split_cursor_down_on_a_question_leaves_it_open() {
        let mut d = Driver::new(
            store_with(&[
                "专业,远程教育,临床新进展,湖南人才市场有限公司,2016-04-01,2016-04-30,60,合格,学习证明材料",
            ]),
            Lang::En,
        );
        d.key(KeyCode::Char('2')).key(KeyCode::Char('s'));
        d.key(KeyCode::Char('r'));
        let question = d.screen();
        assert!(question.contains("(y/n)"), "{question}");
        let t0 = std::time::Instant::now();
        split_down(&mut d, t0);
        d.idle_until(t0 + std::time::Duration::from_secs(2));
        assert_eq!(d.screen(), question, "the question was touched");
        d.key(KeyCode::Char('n'));
        assert!(!d.shows("(y/n)"), "{}", d.screen());
    }

    /// The unsaved-input question is not dismissed by a navigation key either (what a split
    /// sequence becomes): only an answer closes it.
    #[test]
    fn a_split_cursor_down_does_not_dismiss_the_discard_question() {
        let mut d = Driver::new(store_with(&[]), Lang::Zh);
        d.key(KeyCode::Char('n')).keys("4301").key(KeyCode::Esc);
        assert!(d.shows("有未保存的内容"), "{}", d.screen());
        let t0 = std::time::Instant::now();
        split_down(&mut d, t0);
        d.idle_until(t0 + std::time::Duration::from_secs(2));
        assert!(d.shows("有未保存的内容"), "{}", d.screen());
        d.key(KeyCode::Char('y'));
        assert!(d.shows("人员 1 人"), "{}", d.screen());
    }

    /// A real lone Esc still goes back, once its window has passed and not before.
    #[test]
    fn a_lone_esc_goes_back_when_its_window_passes() {
        use ratatui::crossterm::event::{Event, KeyEvent, KeyModifiers};
        let mut d = Driver::new(store_with(&[]), Lang::Zh);
        d.key(KeyCode::Enter);
        assert!(d.shows("┌ 张伟"), "{}", d.screen());
        let t0 = std::time::Instant::now();
        d.timed(
            Event::Key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE)),
            t0,
        );
        assert_eq!(
            d.app.input_deadline(),
            Some(t0 + crate::tui::escape::ESC_WINDOW)
        );
        d.idle_until(t0 + std::time::Duration::from_millis(200));
        assert!(
            d.shows("┌ 张伟"),
            "held while a tail may come:\n{}",
            d.screen()
        );
        d.idle_until(t0 + crate::tui::escape::ESC_WINDOW);
        assert!(d.shows("人员 1 人"), "{}", d.screen());
        assert_eq!(d.app.input_deadline(), None);
    }

    /// The bottom row, where the footer is.
    fn footer_row(d: &Driver) -> String {
        d.screen().lines().last().unwrap_or("").to_string()
    }

    /// Issue 8: at 80 columns every screen's footer fits, `?` first wherever it acts, and ends
    /// in `…` when hints were left out (the help lists them all), in both languages.
    #[test]
    fn every_footer_fits_at_80_columns_with_help_first_and_an_ellipsis_when_cut() {
        for lang in [Lang::Zh, Lang::En] {
            let mut d = Driver::new(
                store_with(&[
                    "专业,远程教育,临床新进展,湖南人才市场有限公司,2016-04-01,2016-04-30,60,合格,学习证明材料",
                ]),
                lang,
            );
            // The five tabs, a person, the entry form, the person form.
            let walks: [&[KeyCode]; 8] = [
                &[KeyCode::Char('1')],
                &[KeyCode::Char('2')],
                &[KeyCode::Char('3')],
                &[KeyCode::Char('4')],
                &[KeyCode::Char('5')],
                &[KeyCode::Char('1'), KeyCode::Enter],
                &[KeyCode::Char('1'), KeyCode::Enter, KeyCode::Char('a')],
                &[KeyCode::Char('1'), KeyCode::Char('n')],
            ];
            for walk in walks {
                d.key(KeyCode::Esc).key(KeyCode::Esc);
                if d.shows("(y") {
                    d.key(KeyCode::Char('y'));
                }
                for k in walk {
                    d.key(*k);
                }
                let row = footer_row(&d);
                let scopes = d.app.stack.last().map_or(&[][..], |s| s.scopes());
                let typing = d.app.stack.last().is_some_and(|s| s.typing());
                let hints = crate::tui::keys::footer(scopes, lang, typing);
                assert!(crate::domain::text::width(&row) <= 80, "{walk:?} {row}");
                if !typing {
                    assert!(row.starts_with("? "), "{walk:?}: {row}");
                }
                let all = hints.iter().all(|(k, l)| row.contains(&format!("{k} {l}")));
                assert!(
                    all || row.ends_with('…'),
                    "{walk:?}: hints left out without a word: {row}"
                );
                assert!(!(all && row.ends_with('…')), "{walk:?}: {row}");
            }
        }
    }

    /// Tester's minor point: at 80 columns the English footers keep as many key hints as the
    /// Chinese ones on every screen (a list, its search field, a person, the forms).
    #[test]
    fn english_footers_keep_as_many_hints_as_chinese_ones() {
        let shown = |lang: Lang, walk: &[KeyCode]| -> (usize, String) {
            let mut d = Driver::new(
                store_with(&[
                    "专业,远程教育,临床新进展,湖南人才市场有限公司,2016-04-01,2016-04-30,60,合格,学习证明材料",
                ]),
                lang,
            );
            for k in walk {
                d.key(*k);
            }
            let row = footer_row(&d);
            let scopes = d.app.stack.last().map_or(&[][..], |s| s.scopes());
            let typing = d.app.stack.last().is_some_and(|s| s.typing());
            let hints = crate::tui::keys::footer(scopes, lang, typing);
            let n = hints
                .iter()
                .take_while(|(k, l)| row.contains(&format!("{k} {l}")))
                .count();
            (n, row)
        };
        let walks: [&[KeyCode]; 9] = [
            &[KeyCode::Char('1')],
            &[KeyCode::Char('1'), KeyCode::Char('/')],
            &[KeyCode::Char('2')],
            &[KeyCode::Char('2'), KeyCode::Char('/')],
            &[KeyCode::Char('3')],
            &[KeyCode::Char('4')],
            &[KeyCode::Char('5')],
            &[KeyCode::Char('1'), KeyCode::Enter],
            &[KeyCode::Char('1'), KeyCode::Enter, KeyCode::Char('a')],
        ];
        for walk in walks {
            let (zh, zh_row) = shown(Lang::Zh, walk);
            let (en, en_row) = shown(Lang::En, walk);
            assert!(en >= zh, "{walk:?}\n{zh_row}\n{en_row}");
        }
    }

    /// Tester's minor point: the status line fits at 80 columns in English as in Chinese. The
    /// database gives way first (its directory, then the word "clerk:", then its file name),
    /// the clerk and the office only once it is gone.
    #[test]
    fn the_status_line_fits_and_the_database_label_shrinks_first() {
        let status = |lang: Lang, office: &str, db: &str, width: u16| -> String {
            let app = super::App::new(
                store_with(&[]),
                actor("wangfang"),
                lang,
                db.into(),
                office.into(),
                (width, 24),
            )
            .unwrap();
            let mut d = Driver {
                app,
                term: ratatui::Terminal::new(ratatui::backend::TestBackend::new(width, 24))
                    .unwrap(),
                wait: true,
            };
            d.app.theme = crate::tui::theme::Theme::plain();
            d.draw();
            d.screen().lines().next().unwrap_or_default().to_string()
        };
        // Five tabs take 58 columns in English: at 90 the tail has the room four tabs left it
        // at 80, and shrinks the same way as the width goes down.
        let en = status(Lang::En, "(no office)", "/tmp/fx/d.sqlite", 90);
        assert!(
            en.ends_with("5 Report  wangfang (no office) d.sqlite"),
            "{en}"
        );
        // In Chinese the fifth tab takes 7 columns.
        let zh = status(Lang::Zh, "（未配置办公室）", "/tmp/fx/d.sqlite", 87);
        assert!(
            zh.ends_with("5报表  经办人:wangfang （未配置办公室） d.sqlite"),
            "{zh}"
        );
        let en = status(Lang::En, "长沙", "/srv/jijiao/jijiao.sqlite", 90);
        assert!(
            en.ends_with("5 Report  wangfang 长沙 jijiao.sqlite"),
            "{en}"
        );
        // Narrower: the file name is cut, then goes; then the office is cut, the clerk last.
        let en = status(Lang::En, "(no office)", "/tmp/fx/demo-20000.sqlite", 90);
        assert!(en.ends_with("wangfang (no office) demo-2000…"), "{en}");
        let en = status(Lang::En, "(no office)", "/tmp/fx/d.sqlite", 82);
        assert!(en.ends_with("5 Report  wangfang (no office)"), "{en}");
        let en = status(Lang::En, "(no office)", "/tmp/fx/d.sqlite", 74);
        assert!(en.ends_with("5 Report  wangfang (no o…"), "{en}");
        // At 80 the clerk and the office still show whole, in both languages.
        let en = status(Lang::En, "(no office)", "/tmp/fx/d.sqlite", 80);
        assert!(en.ends_with("5 Report  wangfang (no office)"), "{en}");
        let zh = status(Lang::Zh, "（未配置办公室）", "/tmp/fx/d.sqlite", 80);
        assert!(zh.ends_with("wangfang （未配置办公室） d.sqlite"), "{zh}");
        for w in [40u16, 60, 64, 70, 80, 100] {
            for lang in [Lang::Zh, Lang::En] {
                let line = status(lang, "(no office)", "/tmp/fx/d.sqlite", w);
                assert!(crate::domain::text::width(&line) <= w as usize, "{line}");
            }
        }
    }

    /// A message longer than its line is shown whole on a second line, broken between words,
    /// and the footer with `?` stays; the next key clears it and the screen is as before.
    #[test]
    fn a_long_message_is_shown_whole_and_never_cut_mid_word() {
        for (lang, text) in [
            (
                Lang::En,
                "not issued 1: undecided: only accepted applicants are certified; press a to accept 430102197505050020 first",
            ),
            (
                Lang::Zh,
                "未出具 1 人：状态为“待定”，只为已通过的申报人出具；请先对430102197505050020按 a 通过，再按 i 出具",
            ),
        ] {
            let mut d = Driver::new(store_with(&[]), lang);
            let before = d.screen();
            d.app.message = text.to_string();
            d.draw();
            let s = d.screen();
            let rows: Vec<&str> = s.lines().collect();
            let footer = rows[23];
            assert!(footer.starts_with("? "), "{s}");
            let shown = format!("{} {}", rows[21], rows[22]);
            for word in text.split(' ') {
                assert!(shown.contains(word), "{word:?} not whole in:\n{s}");
            }
            assert!(rows[20].starts_with('└'), "the body gave one row:\n{s}");
            d.key(KeyCode::Char('j'));
            assert_eq!(d.screen(), before);
        }
    }

    /// Every cell of a box's right edge, top to bottom, is its border: no wide character
    /// inside reached it. Returns the text inside the box, row by row.
    fn box_edges_intact(d: &Driver, x0: u16) -> Vec<String> {
        let buf = d.term.backend().buffer();
        let y0 = (0..buf.area.height)
            .find(|&y| buf[(x0, y)].symbol() == "┌")
            .expect("a box");
        let y1 = (y0..buf.area.height)
            .find(|&y| buf[(x0, y)].symbol() == "└")
            .expect("its bottom");
        let x1 = x0 + super::BOX_COLS - 1;
        assert_eq!(buf[(x1, y0)].symbol(), "┐", "\n{}", d.screen());
        assert_eq!(buf[(x1, y1)].symbol(), "┘", "\n{}", d.screen());
        let mut inside = Vec::new();
        for y in y0 + 1..y1 {
            assert_eq!(buf[(x0, y)].symbol(), "│", "row {y}:\n{}", d.screen());
            assert_eq!(buf[(x1, y)].symbol(), "│", "row {y}:\n{}", d.screen());
            let mut row = String::new();
            let mut x = x0 + 1;
            while x < x1 {
                let sym = buf[(x, y)].symbol();
                row.push_str(sym);
                // The second cell of a wide character holds nothing of its own.
                x += crate::domain::text::width(sym).max(1) as u16;
            }
            inside.push(row.trim_end().to_string());
        }
        inside
    }

    /// Questions and prompts whose wide characters would fall on the right border (one narrow
    /// character first shifts them by a column) keep their borders, at 80 and 79 columns, on
    /// the glass of a real terminal as in the buffer; the answers always show.
    #[test]
    fn question_boxes_keep_their_borders_and_show_the_answers() {
        use crate::tui::testing::{Glass, buffer_text};
        let question = format!("a{}？", "确认一并登记专业科目未经备案确认的条目".repeat(4));
        for w in [80u16, 79] {
            let mut d = Driver::sized(store_with(&[]), Lang::Zh, w, 24);
            let mut glass = Glass::new(ratatui::layout::Rect::new(0, 0, w, 24));
            glass.receive(d.term.backend().buffer());
            let x0 = (w - super::BOX_COLS) / 2;

            d.app.overlay = Some(super::Overlay::Confirm {
                about: super::Question::People(crate::tui::people::Question::Jump),
                question: question.clone(),
            });
            d.draw();
            glass.receive(d.term.backend().buffer());
            assert_eq!(glass.text(), buffer_text(d.term.backend().buffer()));
            let inside = box_edges_intact(&d, x0);
            assert_eq!(inside.last().map(String::as_str), Some("(y 是 / n 否)"));
            assert_eq!(inside[..inside.len() - 1].concat(), question, "whole");

            d.app.overlay = Some(super::Overlay::Text {
                about: super::Question::People(crate::tui::people::Question::Jump),
                prompt: question.clone(),
                input: crate::tui::input::LineInput::new(&question),
            });
            d.draw();
            glass.receive(d.term.backend().buffer());
            assert_eq!(glass.text(), buffer_text(d.term.backend().buffer()));
            let inside = box_edges_intact(&d, x0);
            assert_eq!(
                inside[..inside.len() - 1].concat(),
                question,
                "prompt whole"
            );
            assert!(
                inside.last().is_some_and(|l| l.ends_with("条目？")),
                "{inside:?}"
            );
        }
    }

    /// The help box at odd widths, in English (long labels): its border is whole on every row.
    #[test]
    fn the_help_box_keeps_its_border_at_odd_widths() {
        for (lang, w) in [(Lang::En, 79u16), (Lang::Zh, 79), (Lang::En, 81)] {
            let mut d = Driver::sized(store_with(&[]), lang, w, 24);
            d.key(KeyCode::Char('2')).key(KeyCode::Char('?'));
            let buf = d.term.backend().buffer();
            let right = w - 3;
            assert_eq!(buf[(right, 1)].symbol(), "┐", "\n{}", d.screen());
            for y in 2..21 {
                assert_eq!(buf[(right, y)].symbol(), "│", "row {y}:\n{}", d.screen());
            }
        }
    }
}
