//! The review queue (R5.1): recorded entries awaiting seal and registration, by batch and
//! provider; marks, pattern marks and one decision for all.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::widgets::Paragraph;

use super::keys::{Action, Scope};
use super::screen::{Ctx, Flow, Screen, View};
use crate::i18n::Lang;

pub struct ReviewScreen {}

impl ReviewScreen {
    pub fn new() -> ReviewScreen {
        ReviewScreen {}
    }
}

impl Screen for ReviewScreen {
    fn scopes(&self) -> &'static [Scope] {
        &[Scope::Review, Scope::List]
    }
    fn title(&self, lang: Lang) -> String {
        lang.pick("复核", "Review").into()
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
        f.render_widget(Paragraph::new(self.title(view.lang)), area);
    }
}
