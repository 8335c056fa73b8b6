//! One person: profile, entries by year against the policy, hours per year, decisions.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::widgets::Paragraph;

use super::keys::{Action, Scope};
use super::screen::{Ctx, Flow, Screen, View};
use crate::i18n::Lang;

pub struct PersonScreen {
    person_id: i64,
}

impl PersonScreen {
    pub fn new(person_id: i64) -> PersonScreen {
        PersonScreen { person_id }
    }
}

impl Screen for PersonScreen {
    fn scopes(&self) -> &'static [Scope] {
        &[Scope::Person, Scope::List]
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
