//! The evidence checklist of one entry (R3): either-or items on one line, Space toggles.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::widgets::Paragraph;

use super::keys::{Action, Scope};
use super::screen::{Ctx, Flow, Screen, View};
use crate::i18n::Lang;

pub struct EvidenceScreen {
    entry_id: i64,
}

impl EvidenceScreen {
    pub fn new(entry_id: i64) -> EvidenceScreen {
        EvidenceScreen { entry_id }
    }
}

impl Screen for EvidenceScreen {
    fn scopes(&self) -> &'static [Scope] {
        &[Scope::Evidence]
    }
    fn title(&self, lang: Lang) -> String {
        lang.pick("证明材料", "Evidence").into()
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
        let _ = self.entry_id;
        f.render_widget(Paragraph::new(self.title(view.lang)), area);
    }
}
