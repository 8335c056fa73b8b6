//! A terminal backend that never asks the terminal a question.
//!
//! ratatui's `Terminal::clear` (called by us at start and after the progress sink wrote past
//! ratatui, and by ratatui itself on every resize) reads the cursor position from the backend;
//! `CrosstermBackend` answers that by writing the query `ESC[6n` and waiting up to two seconds
//! for the terminal's reply, then failing. Some terminals and slow links never reply, and the
//! program stopped with "terminal error". [`Quiet`] delegates everything to the backend it wraps
//! but answers `get_cursor_position` from the last position it moved the cursor to, so no path
//! through ratatui can send a query.

use std::io;

use ratatui::backend::{Backend, ClearType, WindowSize};
use ratatui::buffer::Cell;
use ratatui::layout::{Position, Size};

/// Wraps a backend; see the module doc. The position it reports is where it last put the
/// cursor: by `set_cursor_position`, or just after the last cell it drew (which is where a
/// terminal leaves it). Nothing in this program needs more than that: ratatui only restores the
/// position it read, and every frame moves the cursor explicitly.
///
/// (Should ratatui's `scrolling-regions` feature ever be enabled, the two scroll methods must be
/// delegated here too; the compiler will say so.)
pub struct Quiet<B: Backend> {
    inner: B,
    cursor: Position,
}

impl<B: Backend> Quiet<B> {
    pub fn new(inner: B) -> Quiet<B> {
        Quiet {
            inner,
            cursor: Position::ORIGIN,
        }
    }

    /// The wrapped backend (tests read a `TestBackend`'s buffer through it).
    pub fn inner(&self) -> &B {
        &self.inner
    }
}

impl<B: Backend> Backend for Quiet<B> {
    type Error = B::Error;

    fn draw<'a, I>(&mut self, content: I) -> Result<(), Self::Error>
    where
        I: Iterator<Item = (u16, u16, &'a Cell)>,
    {
        let mut last = None;
        let content = content.inspect(|(x, y, cell)| {
            let w = unicode_width::UnicodeWidthStr::width(cell.symbol()).max(1) as u16;
            last = Some(Position {
                x: x.saturating_add(w),
                y: *y,
            });
        });
        self.inner.draw(content)?;
        if let Some(p) = last {
            self.cursor = p;
        }
        Ok(())
    }

    fn append_lines(&mut self, n: u16) -> Result<(), Self::Error> {
        self.inner.append_lines(n)
    }

    fn hide_cursor(&mut self) -> Result<(), Self::Error> {
        self.inner.hide_cursor()
    }

    fn show_cursor(&mut self) -> Result<(), Self::Error> {
        self.inner.show_cursor()
    }

    /// Where this backend last put the cursor; the terminal is never asked.
    fn get_cursor_position(&mut self) -> Result<Position, Self::Error> {
        Ok(self.cursor)
    }

    fn set_cursor_position<P: Into<Position>>(&mut self, position: P) -> Result<(), Self::Error> {
        let position = position.into();
        self.inner.set_cursor_position(position)?;
        self.cursor = position;
        Ok(())
    }

    fn clear(&mut self) -> Result<(), Self::Error> {
        self.inner.clear()
    }

    fn clear_region(&mut self, clear_type: ClearType) -> Result<(), Self::Error> {
        self.inner.clear_region(clear_type)
    }

    fn size(&self) -> Result<Size, Self::Error> {
        self.inner.size()
    }

    fn window_size(&mut self) -> Result<WindowSize, Self::Error> {
        self.inner.window_size()
    }

    fn flush(&mut self) -> Result<(), Self::Error> {
        self.inner.flush()
    }
}

/// The backend the interface runs on: crossterm on standard output, never queried.
pub type Stdout = Quiet<ratatui::backend::CrosstermBackend<io::Stdout>>;

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;
    use ratatui::layout::Rect;
    use ratatui::widgets::Paragraph;

    /// A backend that fails the test if anyone asks it where the cursor is: on a real terminal
    /// that question is the `ESC[6n` that may never be answered.
    struct NoQuestions(TestBackend);

    impl Backend for NoQuestions {
        type Error = <TestBackend as Backend>::Error;
        fn draw<'a, I>(&mut self, content: I) -> Result<(), Self::Error>
        where
            I: Iterator<Item = (u16, u16, &'a Cell)>,
        {
            self.0.draw(content)
        }
        fn hide_cursor(&mut self) -> Result<(), Self::Error> {
            self.0.hide_cursor()
        }
        fn show_cursor(&mut self) -> Result<(), Self::Error> {
            self.0.show_cursor()
        }
        fn get_cursor_position(&mut self) -> Result<Position, Self::Error> {
            panic!("the terminal was asked for the cursor position (ESC[6n)")
        }
        fn set_cursor_position<P: Into<Position>>(&mut self, p: P) -> Result<(), Self::Error> {
            self.0.set_cursor_position(p)
        }
        fn clear(&mut self) -> Result<(), Self::Error> {
            self.0.clear()
        }
        fn clear_region(&mut self, t: ClearType) -> Result<(), Self::Error> {
            self.0.clear_region(t)
        }
        fn size(&self) -> Result<Size, Self::Error> {
            self.0.size()
        }
        fn window_size(&mut self) -> Result<WindowSize, Self::Error> {
            self.0.window_size()
        }
        fn flush(&mut self) -> Result<(), Self::Error> {
            self.0.flush()
        }
    }

    #[test]
    fn clearing_resizing_and_drawing_never_ask_the_terminal() {
        let mut term = Terminal::new(Quiet::new(NoQuestions(TestBackend::new(80, 24)))).unwrap();
        term.clear().unwrap();
        term.draw(|f| f.render_widget(Paragraph::new("人员 1 人"), f.area()))
            .unwrap();
        // What the loop does after the progress sink wrote to the screen.
        term.clear().unwrap();
        term.resize(Rect::new(0, 0, 100, 30)).unwrap();
        term.draw(|f| f.render_widget(Paragraph::new("人员 1 人"), f.area()))
            .unwrap();
        // A shrinking window clears the whole screen first (ratatui's resize).
        term.backend_mut().inner.0.resize(60, 20);
        term.draw(|f| f.render_widget(Paragraph::new("人员 2 人"), f.area()))
            .unwrap();
        let text = crate::tui::testing::buffer_text(term.backend().inner().0.buffer());
        assert!(text.starts_with("人员 2 人\n"), "{text}");
        assert_eq!(term.size().unwrap(), Size::new(60, 20));
    }

    #[test]
    fn the_position_reported_is_where_the_cursor_was_put() {
        let mut b = Quiet::new(NoQuestions(TestBackend::new(10, 3)));
        assert_eq!(b.get_cursor_position().unwrap(), Position::ORIGIN);
        b.set_cursor_position((4, 2)).unwrap();
        assert_eq!(b.get_cursor_position().unwrap(), Position::new(4, 2));
        let cell = Cell::new("x");
        b.draw([(6u16, 1u16, &cell)].into_iter()).unwrap();
        assert_eq!(b.get_cursor_position().unwrap(), Position::new(7, 1));
    }
}
