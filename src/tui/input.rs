//! A one-line text field laid out by display width, so CJK text and the real terminal cursor
//! line up and the clerk's input method composes in place.

use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::{Position, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use unicode_normalization::UnicodeNormalization;
use unicode_width::UnicodeWidthChar;

use crate::domain::text::{clean_line, width};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LineInput {
    text: String,
    /// Caret position in chars.
    caret: usize,
}

impl LineInput {
    pub fn new(text: &str) -> LineInput {
        let text: String = text.nfc().collect();
        LineInput {
            caret: text.chars().count(),
            text,
        }
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn set(&mut self, text: &str) {
        *self = LineInput::new(text);
    }

    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    fn byte_at(&self, caret: usize) -> usize {
        self.text
            .char_indices()
            .nth(caret)
            .map_or(self.text.len(), |(i, _)| i)
    }

    /// Insert pasted or typed text as all text entering the system is cleaned
    /// ([`clean_line`]: control sequences and invisible format characters removed, one line,
    /// NFC); a typed zero-width character inserts nothing.
    pub fn insert_str(&mut self, s: &str) {
        let clean = clean_line(s);
        let at = self.byte_at(self.caret);
        self.text.insert_str(at, &clean);
        self.caret += clean.chars().count();
        // Composition may merge characters across the caret; renormalise and keep the caret in
        // range.
        let n: String = self.text.nfc().collect();
        if n != self.text {
            self.text = n;
            self.caret = self.caret.min(self.text.chars().count());
        }
    }

    /// A search field: the new text when `active` and `ev` edited it, so the list re-queries.
    pub fn typed(&mut self, active: bool, ev: &KeyEvent) -> Option<String> {
        (active && self.handle(ev)).then(|| self.text.clone())
    }

    /// Pasted text added to a search field; the whole new text.
    pub fn pasted(&mut self, text: &str) -> String {
        self.insert_str(text);
        self.text.clone()
    }

    /// Handle an editing key; true when the key was an edit.
    pub fn handle(&mut self, ev: &KeyEvent) -> bool {
        let ctrl = ev.modifiers.contains(KeyModifiers::CONTROL);
        match ev.code {
            KeyCode::Char('u') if ctrl => {
                self.text.clear();
                self.caret = 0;
            }
            KeyCode::Char('a') if ctrl => self.caret = 0,
            KeyCode::Char('e') if ctrl => self.caret = self.text.chars().count(),
            // `insert_str` trims, which would drop a lone typed space: keep it as one space.
            KeyCode::Char(c) if !ctrl && c.is_whitespace() => {
                let at = self.byte_at(self.caret);
                self.text.insert(at, ' ');
                self.caret += 1;
            }
            KeyCode::Char(c) if !ctrl => {
                let mut buf = [0u8; 4];
                self.insert_str(c.encode_utf8(&mut buf));
            }
            KeyCode::Backspace if self.caret > 0 => {
                let at = self.byte_at(self.caret - 1);
                self.text.remove(at);
                self.caret -= 1;
            }
            KeyCode::Delete if self.caret < self.text.chars().count() => {
                let at = self.byte_at(self.caret);
                self.text.remove(at);
            }
            KeyCode::Left => self.caret = self.caret.saturating_sub(1),
            KeyCode::Right => self.caret = (self.caret + 1).min(self.text.chars().count()),
            KeyCode::Home => self.caret = 0,
            KeyCode::End => self.caret = self.text.chars().count(),
            KeyCode::Backspace | KeyCode::Delete => {}
            _ => return false,
        }
        true
    }

    /// Draw into `area` (one row), scrolled so the caret shows; put the real cursor at the caret
    /// when `focused`.
    pub fn render(&self, f: &mut Frame, area: Rect, style: Style, focused: bool) {
        let cols = area.width as usize;
        if cols == 0 {
            return;
        }
        let before: String = self.text.chars().take(self.caret).collect();
        let caret_col = width(&before);
        // Scroll so that the caret stays inside the field, keeping one column for it.
        let mut skip_cols = caret_col.saturating_sub(cols.saturating_sub(1));
        let mut shown = String::new();
        let mut used = 0;
        let mut skipped = 0;
        for c in self.text.chars() {
            let w = c.width().unwrap_or(0);
            if skipped < skip_cols {
                skipped += w;
                continue;
            }
            if used + w > cols {
                break;
            }
            shown.push(c);
            used += w;
        }
        // A wide character cut by the scroll moved the start right.
        skip_cols = skipped;
        f.render_widget(Line::from(Span::styled(shown, style)), area);
        if focused {
            let x = area.x + (caret_col - skip_cols).min(cols.saturating_sub(1)) as u16;
            f.set_cursor_position(Position::new(x, area.y));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(c: KeyCode) -> KeyEvent {
        KeyEvent::new(c, KeyModifiers::NONE)
    }

    #[test]
    fn edits_by_character_not_byte() {
        let mut i = LineInput::new("张伟");
        i.handle(&key(KeyCode::Backspace));
        assert_eq!(i.text(), "张");
        i.handle(&key(KeyCode::Home));
        i.handle(&key(KeyCode::Char('小')));
        assert_eq!(i.text(), "小张");
    }

    #[test]
    fn a_typed_space_is_kept() {
        let mut i = LineInput::default();
        for c in "湖南 师大".chars() {
            i.handle(&key(KeyCode::Char(c)));
        }
        assert_eq!(i.text(), "湖南 师大");
    }

    #[test]
    fn pasted_escape_sequences_and_newlines_are_stripped() {
        let mut i = LineInput::default();
        i.insert_str("王\u{1b}[31m芳\r\n");
        assert_eq!(i.text(), "王芳");
    }

    #[test]
    fn input_is_normalised_to_nfc() {
        let mut i = LineInput::default();
        i.insert_str("e\u{301}");
        assert_eq!(i.text(), "\u{e9}");
    }

    #[test]
    fn invisible_characters_typed_or_pasted_are_not_kept() {
        let mut i = LineInput::default();
        i.insert_str("\u{200f}430102\u{200b}1980\u{feff}01010011\u{200d}");
        assert_eq!(i.text(), "430102198001010011");
        for c in ['张', '\u{200d}', '伟', '\u{202e}'] {
            i.handle(&key(KeyCode::Char(c)));
        }
        assert_eq!(i.text(), "430102198001010011张伟");
        // A combining mark typed after its base composes with it across the caret.
        let mut i = LineInput::new("陈e");
        i.insert_str("\u{200b}\u{301}");
        assert_eq!(i.text(), "陈\u{e9}");
    }

    #[test]
    fn cursor_sits_after_wide_characters() {
        use ratatui::{Terminal, backend::TestBackend};
        let mut t = Terminal::new(TestBackend::new(20, 1)).unwrap();
        let i = LineInput::new("张伟a");
        t.draw(|f| i.render(f, Rect::new(2, 0, 10, 1), Style::default(), true))
            .unwrap();
        t.backend_mut()
            .assert_cursor_position(Position::new(2 + 5, 0));
    }
}
