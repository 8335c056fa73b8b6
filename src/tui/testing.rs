//! Driving the real `App` key by key on a `TestBackend`, as a clerk would at 80×24.

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};

use super::App;
use crate::i18n::Lang;
use crate::service::fixtures::actor;
use crate::store::Store;

pub struct Driver {
    pub app: App,
    pub term: Terminal<TestBackend>,
}

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
        let mut d = Driver { app, term };
        d.draw();
        d
    }

    pub fn draw(&mut self) {
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

    pub fn paste(&mut self, text: &str) -> &mut Self {
        self.app.handle_event(Event::Paste(text.to_string()));
        self.draw();
        self
    }

    /// The screen as text, one line per row, wide characters once (their second cell is
    /// skipped), trailing spaces trimmed.
    pub fn screen(&self) -> String {
        let buf = self.term.backend().buffer();
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

    pub fn shows(&self, text: &str) -> bool {
        self.screen().contains(text)
    }
}
