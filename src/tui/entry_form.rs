//! Record a training entry (R5.1): fields validated as they are left; "same as the previous
//! entry" for keying in a class roster.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::widgets::Paragraph;

use super::keys::{Action, Scope};
use super::screen::{Ctx, Flow, Screen, View};
use crate::i18n::Lang;

pub struct EntryForm {
    person_id: i64,
}

impl EntryForm {
    pub fn new(person_id: i64) -> EntryForm {
        EntryForm { person_id }
    }
}

impl Screen for EntryForm {
    fn scopes(&self) -> &'static [Scope] {
        &[Scope::Form]
    }
    fn title(&self, lang: Lang) -> String {
        lang.pick("培训记录", "Training entry").into()
    }
    fn reload(&mut self, _ctx: &mut Ctx<'_>) -> Result<(), String> {
        Ok(())
    }
    fn on_action(&mut self, action: Action, _ctx: &mut Ctx<'_>) -> Flow {
        match action {
            Action::Back => Flow::Pop,
            _ => Flow::Stay,
        }
    }
    fn render(&self, f: &mut Frame, area: Rect, view: &View) {
        let _ = self.person_id;
        f.render_widget(Paragraph::new(self.title(view.lang)), area);
    }
}
