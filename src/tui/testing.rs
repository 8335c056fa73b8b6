//! Driving the real `App` key by key on a `TestBackend`, as a clerk would at 80×24.

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};

use super::App;
use crate::i18n::Lang;
use crate::service::fixtures::actor;
use crate::store::Store;

pub struct Driver {
    pub app: App,
    pub term: Terminal<TestBackend>,
    /// Wait for the query worker after each key (the default), so every assertion reads the
    /// screen as it stands once the queries are back; off, a test sees what the clerk sees
    /// while a query is still out.
    pub wait: bool,
}

/// How long the driver waits for the worker before it reads the screen anyway.
const SETTLE: std::time::Duration = std::time::Duration::from_secs(30);

impl Driver {
    pub fn new(store: Store, lang: Lang) -> Driver {
        Driver::sized(store, lang, 80, 24)
    }

    /// A terminal of another size (robustness tests; the screens are designed for 80×24).
    pub fn sized(store: Store, lang: Lang, width: u16, height: u16) -> Driver {
        let mut app = App::new(
            store,
            actor("wangfang"),
            lang,
            "/srv/jijiao/jijiao.sqlite".into(),
            "长沙".into(),
            (width, height),
        )
        .expect("app");
        // Snapshots must not depend on the terminal the tests run in.
        app.theme = super::theme::Theme::plain();
        let term = Terminal::new(TestBackend::new(width, height)).expect("terminal");
        let mut d = Driver {
            app,
            term,
            wait: true,
        };
        d.draw();
        d
    }

    /// Deliver the worker's results until it is idle, as the terminal loop would.
    pub fn settle(&mut self) -> &mut Self {
        self.app.settle_jobs(SETTLE);
        self
    }

    pub fn draw(&mut self) {
        if self.wait {
            self.settle();
        }
        self.frame();
        // After a frame, as in `tui::run`: a list whose area changed size reads again; a list
        // in memory has its new rows at once and says so, and the frame is drawn again. What
        // went to the worker is drawn when it lands (it may be back in the channel already,
        // the worker idle again, so the driver looks there whatever `busy` says).
        let again = self.app.fit();
        let landed = self.wait && self.app.settle_jobs(SETTLE);
        if again || landed {
            self.frame();
        }
    }

    fn frame(&mut self) {
        // A full redraw each time: the assertions read the whole screen as the clerk would see
        // it after any redraw, not the cells a diff happened to leave alone.
        self.term.clear().expect("clear");
        let app = &self.app;
        self.term.draw(|f| app.render(f)).expect("draw");
    }

    pub fn key(&mut self, code: KeyCode) -> &mut Self {
        self.app
            .handle_event(Event::Key(KeyEvent::new(code, KeyModifiers::NONE)));
        self.draw();
        self
    }

    pub fn ctrl(&mut self, c: char) -> &mut Self {
        self.app.handle_event(Event::Key(KeyEvent::new(
            KeyCode::Char(c),
            KeyModifiers::CONTROL,
        )));
        self.draw();
        self
    }

    /// Type text one character at a time (as keys, not as a paste).
    pub fn keys(&mut self, text: &str) -> &mut Self {
        for c in text.chars() {
            let mods = if c.is_ascii_uppercase() {
                KeyModifiers::SHIFT
            } else {
                KeyModifiers::NONE
            };
            self.app
                .handle_event(Event::Key(KeyEvent::new(KeyCode::Char(c), mods)));
        }
        self.draw();
        self
    }

    /// An event read by the terminal loop at `at`: it goes through the escape-sequence
    /// assembler as in `tui::run`, so a split sequence can be replayed with its timing.
    pub fn timed(&mut self, event: Event, at: std::time::Instant) -> &mut Self {
        self.app.feed(event, at);
        self.draw();
        self
    }

    /// Characters as crossterm reports them one by one (capitals with Shift), all read at `at`.
    pub fn timed_text(&mut self, text: &str, at: std::time::Instant) -> &mut Self {
        for c in text.chars() {
            let mods = if c.is_ascii_uppercase() {
                KeyModifiers::SHIFT
            } else {
                KeyModifiers::NONE
            };
            self.app
                .feed(Event::Key(KeyEvent::new(KeyCode::Char(c), mods)), at);
        }
        self.draw();
        self
    }

    /// The loop woke up at `at` with no input: a held `Esc` whose window passed is delivered.
    pub fn idle_until(&mut self, at: std::time::Instant) -> &mut Self {
        self.app.settle(at);
        self.draw();
        self
    }

    pub fn paste(&mut self, text: &str) -> &mut Self {
        self.app.handle_event(Event::Paste(text.to_string()));
        self.draw();
        self
    }

    /// The screen as text, one line per row, wide characters once (their second cell is
    /// skipped), trailing spaces trimmed.
    pub fn screen(&self) -> String {
        buffer_text(self.term.backend().buffer())
    }

    pub fn shows(&self, text: &str) -> bool {
        self.screen().contains(text)
    }
}

/// A buffer as text, one line per row, wide characters once (their second cell is skipped),
/// trailing spaces trimmed.
pub fn buffer_text(buf: &Buffer) -> String {
    let mut out = String::new();
    for y in 0..buf.area.height {
        let mut line = String::new();
        let mut skip = 0;
        for x in 0..buf.area.width {
            if skip > 0 {
                skip -= 1;
                continue;
            }
            let sym = buf[(x, y)].symbol();
            skip = unicode_width::UnicodeWidthStr::width(sym).saturating_sub(1);
            line.push_str(sym);
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// The glass of a terminal in a UTF-8 locale that receives only what ratatui's diff sends
/// between two frames — what a clerk over SSH sees — behaving as xterm, VTE and their kin do: a
/// character is as wide as `unicode-width` says (ambiguous ones narrow, combining marks part of
/// their cell); a wide character covers the column after it; writing over either half of a wide
/// character erases the whole of it. `TestBackend` alone cannot show stale cells, since it
/// stores each cell it receives without those rules.
pub struct Glass {
    width: usize,
    /// `None`: the right half of the wide character to the left.
    rows: Vec<Vec<Option<String>>>,
    shown: Buffer,
}

impl Glass {
    pub fn new(area: ratatui::layout::Rect) -> Glass {
        Glass {
            width: area.width as usize,
            rows: vec![vec![Some(" ".to_string()); area.width as usize]; area.height as usize],
            shown: Buffer::empty(area),
        }
    }

    /// Receive the cells that turn the last frame into `next`, as `Terminal::flush` sends them.
    pub fn receive(&mut self, next: &Buffer) {
        let updates: Vec<(u16, u16, String)> = self
            .shown
            .diff(next)
            .into_iter()
            .map(|(x, y, c)| (x, y, c.symbol().to_string()))
            .collect();
        for (x, y, symbol) in updates {
            self.write(x as usize, y as usize, &symbol);
        }
        self.shown = next.clone();
    }

    fn erase(row: &mut [Option<String>], x: usize) {
        // The whole character that column x belongs to becomes blank.
        let start = if row[x].is_none() && x > 0 { x - 1 } else { x };
        let wide = row[start]
            .as_deref()
            .is_some_and(|s| unicode_width::UnicodeWidthStr::width(s) > 1);
        row[start] = Some(" ".into());
        if wide && start + 1 < row.len() {
            row[start + 1] = Some(" ".into());
        }
    }

    fn write(&mut self, x: usize, y: usize, symbol: &str) {
        let width = self.width;
        let row = &mut self.rows[y];
        let w = unicode_width::UnicodeWidthStr::width(symbol).max(1);
        for k in x..(x + w).min(width) {
            Glass::erase(row, k);
        }
        row[x] = Some(symbol.to_string());
        if w > 1 && x + 1 < width {
            row[x + 1] = None;
        }
    }

    /// What the glass shows, in the form of [`buffer_text`].
    pub fn text(&self) -> String {
        let mut out = String::new();
        for row in &self.rows {
            let line: String = row.iter().flatten().map(String::as_str).collect();
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::layout::Rect;

    #[test]
    fn the_glass_erases_a_wide_character_written_over_by_half() {
        let area = Rect::new(0, 0, 6, 1);
        let mut g = Glass::new(area);
        g.write(0, 0, "张");
        g.write(2, 0, "伟");
        assert_eq!(g.text(), "张伟\n");
        // Over the right half of 张 and the left half of 伟: both are gone.
        g.write(1, 0, "a");
        g.write(2, 0, "b");
        assert_eq!(g.text(), " ab\n");
        // A wide character over two narrow ones covers both.
        g.write(1, 0, "李");
        assert_eq!(g.text(), " 李\n");
        // What ratatui sends when 张 becomes `a` followed by a blank: only the `a`.
        let mut before = Buffer::empty(area);
        before.set_string(0, 0, "张", ratatui::style::Style::default());
        let mut after = Buffer::empty(area);
        after.set_string(0, 0, "a", ratatui::style::Style::default());
        let mut g = Glass::new(area);
        g.receive(&before);
        g.receive(&after);
        assert_eq!(g.text(), buffer_text(&after));
    }
}
