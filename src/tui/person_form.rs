//! Register or edit a person (R1.1–R1.4): the ID number checked as typed; a duplicate ID jumps
//! to the existing person.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::widgets::Paragraph;

use super::keys::{Action, Scope};
use super::screen::{Ctx, Flow, Screen, View};
use crate::i18n::Lang;

pub struct PersonForm {
    person_id: Option<i64>,
}

impl PersonForm {
    pub fn new(person_id: Option<i64>) -> PersonForm {
        PersonForm { person_id }
    }
}

impl Screen for PersonForm {
    fn scopes(&self) -> &'static [Scope] {
        &[Scope::Form]
    }
    fn title(&self, lang: Lang) -> String {
        lang.pick("人员信息", "Person").into()
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
