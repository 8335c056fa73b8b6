//! Programme filings (R4.2): the list, the attachment-3 form, approve or reject with reason.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::widgets::Paragraph;

use super::keys::{Action, Scope};
use super::screen::{Ctx, Flow, Screen, View};
use crate::i18n::Lang;

pub struct FilingsScreen {}

impl FilingsScreen {
    pub fn new() -> FilingsScreen {
        FilingsScreen {}
    }
}

impl Screen for FilingsScreen {
    fn scopes(&self) -> &'static [Scope] {
        &[Scope::Filings, Scope::List]
    }
    fn title(&self, lang: Lang) -> String {
        lang.pick("备案", "Filings").into()
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
