//! The clerk's terminal interface. This module owns the terminal: raw mode, the alternate
//! screen, bracketed paste, synchronized updates, and restoring all of it on exit, on error and
//! on panic.

pub mod app;
pub mod entry_form;
pub mod evidence;
pub mod filings;
pub mod input;
pub mod keys;
pub mod list;
pub mod people;
pub mod person;
pub mod person_form;
pub mod review;
pub mod screen;
#[cfg(test)]
pub mod testing;
pub mod theme;

use std::io::{self, Write};
use std::time::Duration;

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
pub fn run(mut app: App) -> io::Result<()> {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore();
        previous(info);
    }));
    terminal::enable_raw_mode()?;
    let _guard = Guard;
    execute!(io::stdout(), EnterAlternateScreen, EnableBracketedPaste)?;
    let mut term = Terminal::new(CrosstermBackend::new(io::stdout()))?;
    term.clear()?;
    draw(&mut term, &app)?;
    while !app.should_quit() {
        // Redraw on events only: an idle screen sends nothing down a slow link.
        let changed = if event::poll(POLL)? {
            app.handle_event(event::read()?);
            // Take whatever else is already queued (a paste, key repeat) before drawing once.
            while !app.should_quit() && event::poll(Duration::ZERO)? {
                app.handle_event(event::read()?);
            }
            true
        } else {
            app.tick()
        };
        if changed && !app.should_quit() {
            draw(&mut term, &app)?;
        }
    }
    Ok(())
}

fn draw(term: &mut Terminal<CrosstermBackend<io::Stdout>>, app: &App) -> io::Result<()> {
    // Synchronized update: the terminal shows the frame at once, never half-drawn over SSH.
    execute!(io::stdout(), BeginSynchronizedUpdate)?;
    term.draw(|f| app.render(f))?;
    execute!(io::stdout(), EndSynchronizedUpdate)?;
    io::stdout().flush()
}
