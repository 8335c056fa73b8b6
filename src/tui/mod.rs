//! The clerk's terminal interface. This module owns the terminal: raw mode, the alternate
//! screen, bracketed paste, synchronized updates, and restoring all of it on exit, on error and
//! on panic.
//!
//! It never asks the terminal anything (no cursor-position or keyboard-protocol query): some
//! terminals and slow links never answer, and the program must start and run all the same. The
//! backend is [`backend::Quiet`] for that reason, and the size comes from the kernel (`ioctl`).

pub mod app;
pub mod backend;
pub mod batch;
pub mod batches;
pub mod card;
pub mod chrome;
#[cfg(test)]
mod engine_tests;
pub mod entry_form;
pub mod escape;
pub mod evidence;
pub mod filing_form;
pub mod filings;
pub mod form;
pub mod input;
pub mod keys;
pub mod list;
pub mod marks;
pub mod people;
pub mod person;
pub mod person_form;
pub mod report;
#[cfg(test)]
mod report_tests;
pub mod review;
#[cfg(test)]
mod roles_tests;
pub mod screen;
#[cfg(test)]
mod session_clock_tests;
#[cfg(test)]
pub mod testing;
pub mod theme;
#[cfg(test)]
mod triage_tests;
pub mod worker;

use std::io::{self, Write};
use std::time::{Duration, Instant};

use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use ratatui::crossterm::event::{self, DisableBracketedPaste, EnableBracketedPaste};
use ratatui::crossterm::terminal::{
    self, BeginSynchronizedUpdate, EndSynchronizedUpdate, EnterAlternateScreen,
    LeaveAlternateScreen,
};
use ratatui::crossterm::{cursor, execute};

pub use app::App;

/// How often to look for other clerks' changes while the clerk is idle.
const POLL: Duration = Duration::from_millis(1000);

/// How long a frame waits for a query the key just sent: a quick answer (most keyset pages)
/// then makes one frame instead of two, and typing is never held up longer than this.
const FRAME_WAIT: Duration = Duration::from_millis(8);

fn restore() {
    // Best effort: on the way out there is nothing better to do with an error.
    let _ = execute!(
        io::stdout(),
        DisableBracketedPaste,
        LeaveAlternateScreen,
        cursor::Show
    );
    let _ = terminal::disable_raw_mode();
}

/// Restores the terminal when dropped, so an early return or an error leaves it usable.
struct Guard;

impl Drop for Guard {
    fn drop(&mut self) {
        restore();
    }
}

/// Run the interface until the clerk quits.
///
/// Errors are those of the terminal itself (standard output closed, raw mode refused); an
/// unanswered question cannot be one, since none is asked.
pub fn run(mut app: App) -> io::Result<()> {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore();
        previous(info);
    }));
    terminal::enable_raw_mode()?;
    let _guard = Guard;
    execute!(io::stdout(), EnterAlternateScreen, EnableBracketedPaste)?;
    let mut term = Terminal::new(backend::Quiet::new(CrosstermBackend::new(io::stdout())))?;
    term.clear()?;
    // Set when the progress sink wrote past ratatui: the next frame must repaint everything,
    // since ratatui's diff does not know about those cells.
    let scribbled = std::rc::Rc::new(std::cell::Cell::new(false));
    app.set_progress(progress_sink(app.lang(), scribbled.clone()));
    if let Err(e) = app
        .store()
        .notice_waits(wait_sink(app.lang(), scribbled.clone()))
    {
        // Only the notice is lost: writes still wait as before.
        worker::trace(format_args!("wait notice: {e}"));
    }
    draw(&mut term, &mut app)?;
    // Keys are read on a thread of their own and arrive on the channel the query worker
    // answers on, so the loop waits on both and a query never holds up a key.
    let keys = app.wake_sender();
    std::thread::Builder::new()
        .name("jijiao-input".into())
        .spawn(move || {
            loop {
                let sent = match event::read() {
                    Ok(ev) => keys.send(app::Wake::Input(ev, Instant::now())),
                    Err(e) => {
                        let _ = keys.send(app::Wake::InputError(e));
                        return;
                    }
                };
                if sent.is_err() {
                    return;
                }
            }
        })?;
    while !app.should_quit() {
        // Wait for input or a query's result, or until a held Esc is due, or for the idle poll
        // of other clerks.
        let wait = app
            .input_deadline()
            .map_or(POLL, |d| d.saturating_duration_since(Instant::now()));
        // Redraw on events only: an idle screen sends nothing down a slow link.
        let mut changed = match app.next_wake(wait) {
            Some(w) => take(&mut app, w)?,
            None if app.input_deadline().is_some() => app.settle(Instant::now()),
            None => app.tick(),
        };
        // Take whatever else is already queued (a paste, key repeat, results) before drawing
        // once; give a query just sent a few milliseconds to come back first.
        let until = Instant::now() + FRAME_WAIT;
        while !app.should_quit() {
            let left = until.saturating_duration_since(Instant::now());
            let wait = if app.busy() { left } else { Duration::ZERO };
            match app.next_wake(wait) {
                Some(w) => changed |= take(&mut app, w)?,
                None => break,
            }
        }
        if changed && !app.should_quit() {
            if scribbled.replace(false) {
                term.clear()?;
            }
            draw(&mut term, &mut app)?;
        }
    }
    Ok(())
}

/// Handle what woke the loop; whether the screen may have changed.
fn take(app: &mut App, wake: app::Wake) -> io::Result<bool> {
    if worker::tracing() {
        worker::trace(format_args!(
            "wake {}",
            match &wake {
                app::Wake::Input(ev, _) => format!("{ev:?}"),
                app::Wake::Done(d) => format!("done list={} gen={}", d.list, d.generation),
                app::Wake::InputError(_) => "input error".into(),
            }
        ));
    }
    match wake {
        app::Wake::Input(ev, at) => app.feed(ev, at),
        // A read ahead changes nothing on screen: no frame for it (a frame would also be
        // taken for the answer to the key before it).
        app::Wake::Done(done) if done.quiet => {
            app.deliver(done);
            return Ok(false);
        }
        app::Wake::Done(done) => app.deliver(done),
        app::Wake::InputError(e) => return Err(e),
    }
    Ok(true)
}

/// A decision on hundreds of entries runs inside one transaction, between two redraws: report its
/// progress on the message row directly, a few dozen times at most, so a slow link is not flooded.
fn progress_sink(
    lang: crate::i18n::Lang,
    scribbled: std::rc::Rc<std::cell::Cell<bool>>,
) -> Box<dyn FnMut(usize, usize)> {
    let mut last_shown = usize::MAX;
    Box::new(move |done, total| {
        if total < 20 {
            return;
        }
        scribbled.set(true);
        let step = (total / 25).max(1);
        if done != total && done / step == last_shown {
            return;
        }
        last_shown = done / step;
        scribble(&match lang {
            crate::i18n::Lang::Zh => format!("处理中 {done}/{total}"),
            crate::i18n::Lang::En => format!("working {done}/{total}"),
        });
    })
}

/// A write queued behind another clerk's (an import, a decision on thousands) says so on the
/// message row at once, instead of a screen that shows nothing until the lock comes.
fn wait_sink(
    lang: crate::i18n::Lang,
    scribbled: std::rc::Rc<std::cell::Cell<bool>>,
) -> Box<dyn FnMut()> {
    Box::new(move || {
        scribbled.set(true);
        scribble(lang.pick(
            "等待其他职员的写入完成…",
            "waiting for another clerk's write to finish…",
        ));
    })
}

/// `text` on the message row, written past ratatui while the loop is held by a transaction.
fn scribble(text: &str) {
    // The size from the kernel, not the terminal: it may have changed since the start.
    let (_, rows) = terminal::size().unwrap_or((80, 24));
    let _ = execute!(
        io::stdout(),
        cursor::MoveTo(0, rows.saturating_sub(2)),
        terminal::Clear(terminal::ClearType::CurrentLine),
        ratatui::crossterm::style::Print(text)
    );
}

fn draw(term: &mut Terminal<backend::Stdout>, app: &mut App) -> io::Result<()> {
    frame(term, app)?;
    // The lists measured their areas while drawing: one that changed size reads again. A list
    // in memory (a person's entries) has its rows at once and nothing else would wake the loop
    // to show them, so the frame is drawn again now; one read on the worker redraws when its
    // result lands.
    if app.fit() {
        frame(term, app)?;
    }
    Ok(())
}

fn frame(term: &mut Terminal<backend::Stdout>, app: &mut App) -> io::Result<()> {
    // Synchronized update: the terminal shows the frame at once, never half-drawn over SSH.
    let t = Instant::now();
    execute!(io::stdout(), BeginSynchronizedUpdate)?;
    term.draw(|f| app.render(f))?;
    execute!(io::stdout(), EndSynchronizedUpdate)?;
    io::stdout().flush()?;
    worker::trace(format_args!("frame {}us", t.elapsed().as_micros()));
    Ok(())
}
