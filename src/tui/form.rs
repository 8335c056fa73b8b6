//! What the register forms share: labelled one-line fields laid out by display width, focus that
//! moves with Tab / Shift-Tab / ↑ / ↓ and checks each field as it is left, closed vocabularies
//! cycled with ← / →, completion under a field (↑ / ↓ pick while it is open, and it comes back
//! when the clerk returns to the field), Enter on the last field and Ctrl-S anywhere to
//! save — and, once saved, the screen the form hands its place on the stack to (the person just
//! registered, the new entry's evidence checklist), so Esc from there goes back to where the
//! clerk came from, not to a spent form.
//!
//! A form is a [`FormScreen`] around an [`Editor`], which knows what its fields mean: how to
//! check one, what to say about it, and what saving does.

use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use super::input::LineInput;
use super::keys::{Action, Scope};
use super::screen::{Ctx, Flow, Screen, View};
use crate::domain::text::{clean_line, fit, pad, width};
use crate::i18n::Lang;

/// Columns of a short field's input (a date, an ID number, a closed vocabulary's label); the
/// least a long text field is given.
const INPUT_COLS: usize = 26;
/// Suggestions offered under a field.
pub const SUGGESTIONS: usize = 10;

/// One labelled line of a form.
#[derive(Debug, Clone)]
pub struct Field {
    pub zh: &'static str,
    pub en: &'static str,
    pub required: bool,
    /// Shown, not editable, skipped by Tab (the ID number of a person being edited).
    pub locked: bool,
    pub input: LineInput,
    /// A closed vocabulary: the labels ← / → cycle through. Typed text is checked on leaving.
    pub choices: Vec<String>,
    /// The rule's message, from when the field was last left.
    pub error: Option<String>,
    /// What the value means (the birth date in an ID number, a filing's status).
    pub note: Option<String>,
    /// Typed by the clerk, not filled by a default or a copy.
    pub touched: bool,
    /// Long free text (a training's content, a provider's or a unit's name): the input takes
    /// the form's width to its right edge, less what its note needs, instead of
    /// [`INPUT_COLS`], so 信息技术与学科教学融合网络课程 is read whole at 80×24.
    pub wide: bool,
}

impl Field {
    pub fn new(zh: &'static str, en: &'static str) -> Field {
        Field {
            zh,
            en,
            required: false,
            locked: false,
            input: LineInput::default(),
            choices: Vec::new(),
            error: None,
            note: None,
            touched: false,
            wide: false,
        }
    }

    pub fn required(mut self) -> Field {
        self.required = true;
        self
    }

    /// A long free-text field: see [`Field::wide`].
    pub fn wide(mut self) -> Field {
        self.wide = true;
        self
    }

    pub fn label(&self, lang: Lang) -> &'static str {
        lang.pick(self.zh, self.en)
    }

    pub fn value(&self) -> &str {
        self.input.text().trim()
    }
}

/// A completion offered under the focused field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suggestion {
    /// What taking it puts into the field.
    pub value: String,
    /// Shown beside it (a filing's name and status).
    pub detail: String,
}

/// The fields of a form and where the clerk is.
#[derive(Debug, Clone)]
pub struct Fields {
    pub list: Vec<Field>,
    pub focus: usize,
    /// Something was typed, cycled or copied in: Esc asks before discarding.
    pub dirty: bool,
    pub suggestions: Vec<Suggestion>,
    pub picked: Option<usize>,
}

impl Fields {
    pub fn new(list: Vec<Field>) -> Fields {
        let mut f = Fields {
            list,
            focus: 0,
            dirty: false,
            suggestions: Vec::new(),
            picked: None,
        };
        f.focus = f.first_open();
        f
    }

    pub fn first_open(&self) -> usize {
        self.list.iter().position(|f| !f.locked).unwrap_or(0)
    }

    pub fn value(&self, i: usize) -> &str {
        self.list.get(i).map_or("", Field::value)
    }

    /// Put text in a field without counting it as the clerk's (loading, normalising).
    pub fn set(&mut self, i: usize, text: &str) {
        if let Some(f) = self.list.get_mut(i) {
            f.input.set(text);
        }
    }

    /// Put text in a field on the clerk's behalf ("same as the previous one"): the form is then
    /// unsaved work.
    pub fn fill(&mut self, i: usize, text: &str) {
        if let Some(f) = self.list.get_mut(i) {
            f.input.set(text);
            f.error = None;
            self.dirty = true;
        }
    }

    pub fn focused(&self) -> Option<&Field> {
        self.list.get(self.focus)
    }

    /// The next (or previous) field that takes input.
    fn step(&self, forward: bool) -> Option<usize> {
        let open = |i: &usize| self.list.get(*i).is_some_and(|f| !f.locked);
        if forward {
            (self.focus + 1..self.list.len()).find(open)
        } else {
            (0..self.focus).rev().find(open)
        }
    }

    fn is_last(&self) -> bool {
        self.step(true).is_none()
    }

    /// The message "this field is required" in the clerk's language.
    pub fn required_message(&self, i: usize, lang: Lang) -> String {
        let label = self.list.get(i).map_or("", |f| f.label(lang));
        match lang {
            Lang::Zh => format!("{label}不能为空"),
            Lang::En => format!("{label} is required"),
        }
    }

    /// Err with "required" when the field is empty.
    pub fn require(&self, i: usize, lang: Lang) -> Result<&str, String> {
        match self.value(i) {
            "" => Err(self.required_message(i, lang)),
            v => Ok(v),
        }
    }

    pub fn suggest(&mut self, list: Vec<Suggestion>) {
        let current = self.focused().map(|f| f.value().to_string());
        self.suggestions = list
            .into_iter()
            .filter(|s| Some(&s.value) != current.as_ref())
            .collect();
        self.picked = None;
    }

    fn close_suggestions(&mut self) {
        self.suggestions.clear();
        self.picked = None;
    }
}

/// A closed vocabulary from typed text: its code, its Chinese name or alias (`parse`), or its
/// label in either language.
pub fn choose<T: Copy>(
    text: &str,
    all: &[T],
    parse: fn(&str) -> Option<T>,
    label: fn(T, Lang) -> &'static str,
) -> Option<T> {
    let t = text.trim();
    parse(t).or_else(|| {
        all.iter()
            .copied()
            .find(|v| label(*v, Lang::En).eq_ignore_ascii_case(t) || label(*v, Lang::Zh) == t)
    })
}

/// The labels of a vocabulary in the clerk's language, for a field's choices.
pub fn labels<T: Copy>(all: &[T], label: fn(T, Lang) -> &'static str, lang: Lang) -> Vec<String> {
    all.iter().map(|v| label(*v, lang).to_string()).collect()
}

/// "Not one of these": what a closed-vocabulary field says about other text.
pub fn not_one_of(choices: &[String], lang: Lang) -> String {
    match lang {
        Lang::Zh => format!("请用←→选择，或输入其中之一：{}", choices.join("、")),
        Lang::En => format!("use ←/→, or type one of: {}", choices.join(", ")),
    }
}

/// What saving did, and where the clerk goes next.
pub enum Saved {
    /// The form gives its place to this screen, and the message suggests the next step.
    Open(Box<dyn Screen>, String),
    /// Close the form (an edit was saved): the screen below reloads and shows the change.
    Close,
    /// Close the form and tell the clerk what the save did (a correction and its effects).
    Back(String),
}

/// What one form's fields mean.
pub trait Editor {
    fn title(&self, lang: Lang) -> String;
    /// Lines above the fields: whose record this is.
    fn header(&self, _lang: Lang) -> Vec<String> {
        Vec::new()
    }
    /// Lines under the fields: what the values mean together; `true` marks a warning.
    fn info(&self, _fields: &Fields, _lang: Lang) -> Vec<(String, bool)> {
        Vec::new()
    }
    /// How to fill field `i`, shown while it has the focus.
    fn hint(&self, _i: usize, _lang: Lang) -> Option<String> {
        None
    }
    /// Read what the form edits (once, on the first reload); set choices and defaults.
    fn load(&mut self, fields: &mut Fields, ctx: &mut Ctx<'_>) -> Result<(), String>;
    /// The focused field was edited: checks as typed, completion.
    fn edited(&mut self, _fields: &mut Fields, _ctx: &mut Ctx<'_>) {}
    /// Offer completions for the focused field from the text it holds (`Fields::suggest`).
    /// Called when the clerk comes back to a field that holds text, so the suggestions left
    /// behind return with it; an editor whose `edited` completes calls it from there too.
    fn complete(&mut self, _fields: &mut Fields, _ctx: &mut Ctx<'_>) {}
    /// Check field `i` as it is left (and before saving): Err is the rule's message. May
    /// normalise the text and set notes.
    fn check(&mut self, i: usize, fields: &mut Fields, ctx: &mut Ctx<'_>) -> Result<(), String>;
    /// Enter on the focused field, before it moves on: `Some` when the editor has a use for it.
    fn enter(&mut self, _fields: &mut Fields, _ctx: &mut Ctx<'_>) -> Option<Saved> {
        None
    }
    /// Fill the fields that repeat from the previous record; returns what to tell the clerk.
    fn same_as_previous(&mut self, fields: &mut Fields, ctx: &mut Ctx<'_>) -> String;
    /// Write the record (every field has passed its check).
    fn save(&mut self, fields: &mut Fields, ctx: &mut Ctx<'_>) -> Result<Saved, String>;
}

/// A form on the screen stack.
pub struct FormScreen<E> {
    editor: E,
    fields: Fields,
    loaded: bool,
}

impl<E: Editor> FormScreen<E> {
    pub fn with(editor: E, fields: Vec<Field>) -> FormScreen<E> {
        FormScreen {
            editor,
            fields: Fields::new(fields),
            loaded: false,
        }
    }

    fn problem(&self, i: usize, lang: Lang) -> Option<String> {
        let f = self.fields.list.get(i)?;
        let e = f.error.as_ref()?;
        Some(match lang {
            Lang::Zh => format!("{}：{e}", f.label(lang)),
            Lang::En => format!("{}: {e}", f.label(lang)),
        })
    }

    fn check(&mut self, i: usize, ctx: &mut Ctx<'_>) -> bool {
        if self.fields.list.get(i).is_none_or(|f| f.locked) {
            return true;
        }
        let result = self.editor.check(i, &mut self.fields, ctx);
        let ok = result.is_ok();
        self.fields.list[i].error = result.err();
        ok
    }

    /// Leave the focused field for the next or previous one, checking it on the way out.
    fn go(&mut self, forward: bool, ctx: &mut Ctx<'_>) -> Flow {
        // A suggestion the clerk moved to is what they chose: leaving the field takes it.
        self.take_suggestion();
        self.fields.close_suggestions();
        let left = self.fields.focus;
        let ok = self.check(left, ctx);
        if let Some(n) = self.fields.step(forward) {
            self.fields.focus = n;
            // Back on a field the clerk typed in: what it offered before is offered again (a
            // loaded value was not typed here, so ↓ still walks through an edit form).
            if self.fields.list[n].touched && !self.fields.value(n).is_empty() {
                self.editor.complete(&mut self.fields, ctx);
            }
        }
        match (ok, self.problem(left, ctx.lang)) {
            (false, Some(p)) => Flow::Say(p),
            _ => Flow::Stay,
        }
    }

    fn save(&mut self, ctx: &mut Ctx<'_>) -> Flow {
        self.take_suggestion();
        self.fields.close_suggestions();
        let mut first = None;
        let mut bad = 0;
        for i in 0..self.fields.list.len() {
            if !self.check(i, ctx) {
                bad += 1;
                first.get_or_insert(i);
            }
        }
        if let Some(i) = first {
            self.fields.focus = i;
            let p = self.problem(i, ctx.lang).unwrap_or_default();
            return Flow::Say(match ctx.lang {
                Lang::Zh => format!("未保存，{bad}项需要更正。{p}"),
                Lang::En => format!("not saved: {bad} to correct. {p}"),
            });
        }
        match self.editor.save(&mut self.fields, ctx) {
            Ok(saved) => self.hand_over(saved, ctx),
            Err(m) => Flow::Say(m),
        }
    }

    fn hand_over(&mut self, saved: Saved, _ctx: &mut Ctx<'_>) -> Flow {
        match saved {
            Saved::Close => Flow::Pop,
            Saved::Back(message) => Flow::PopSay(message),
            Saved::Open(next, message) => Flow::Replace(next, message),
        }
    }

    fn edited(&mut self, ctx: &mut Ctx<'_>) {
        let i = self.fields.focus;
        if let Some(f) = self.fields.list.get_mut(i) {
            f.touched = true;
            f.error = None;
            f.note = None;
        }
        self.fields.dirty = true;
        self.fields.close_suggestions();
        self.editor.edited(&mut self.fields, ctx);
    }

    /// ← / → on a closed vocabulary: the previous or next choice (an optional field passes
    /// through empty).
    fn cycle(&mut self, forward: bool, ctx: &mut Ctx<'_>) {
        let Some(f) = self.fields.list.get(self.fields.focus) else {
            return;
        };
        let mut options: Vec<&str> = Vec::new();
        if !f.required {
            options.push("");
        }
        options.extend(f.choices.iter().map(String::as_str));
        let n = options.len();
        if n == 0 {
            return;
        }
        let current = options.iter().position(|o| *o == f.value());
        let next = match (current, forward) {
            (Some(i), true) => (i + 1) % n,
            (Some(i), false) => (i + n - 1) % n,
            (None, true) => usize::from(!f.required && n > 1),
            (None, false) => n - 1,
        };
        let text = options[next].to_string();
        self.fields.list[self.fields.focus].input.set(&text);
        self.edited(ctx);
    }

    fn pick(&mut self, forward: bool) {
        let n = self.fields.suggestions.len();
        if n == 0 {
            return;
        }
        self.fields.picked = Some(match (self.fields.picked, forward) {
            (None, true) => 0,
            (None, false) => n - 1,
            (Some(i), true) => (i + 1) % n,
            (Some(i), false) => (i + n - 1) % n,
        });
    }

    fn take_suggestion(&mut self) -> bool {
        let Some(s) = self
            .fields
            .picked
            .and_then(|i| self.fields.suggestions.get(i))
            .cloned()
        else {
            return false;
        };
        let i = self.fields.focus;
        self.fields.list[i].input.set(&s.value);
        self.fields.list[i].touched = true;
        self.fields.list[i].error = None;
        self.fields.dirty = true;
        self.fields.close_suggestions();
        true
    }
}

impl<E: Editor> Screen for FormScreen<E> {
    fn scopes(&self) -> &'static [Scope] {
        // While completions are open, ↑ / ↓ move among them (the typed prefix is not saved by
        // moving down); Tab still leaves the field.
        if self.fields.suggestions.is_empty() {
            &[Scope::Form]
        } else {
            &[Scope::Suggest, Scope::Form]
        }
    }

    fn title(&self, lang: Lang) -> String {
        self.editor.title(lang)
    }

    fn typing(&self) -> bool {
        true
    }

    fn dirty(&self) -> bool {
        self.fields.dirty
    }

    fn reload(&mut self, ctx: &mut Ctx<'_>) -> Result<(), String> {
        if !self.loaded {
            self.loaded = true;
            self.editor.load(&mut self.fields, ctx)?;
            self.fields.focus = self.fields.first_open();
        }
        Ok(())
    }

    fn on_action(&mut self, action: Action, ctx: &mut Ctx<'_>) -> Flow {
        match action {
            Action::NextField => self.go(true, ctx),
            Action::PrevField => self.go(false, ctx),
            Action::Save => self.save(ctx),
            Action::PickNext | Action::PickPrev => {
                self.pick(action == Action::PickNext);
                Flow::Stay
            }
            Action::CloseSuggestions => {
                self.fields.close_suggestions();
                Flow::Stay
            }
            Action::SameAsPrevious => {
                self.fields.close_suggestions();
                Flow::Say(self.editor.same_as_previous(&mut self.fields, ctx))
            }
            Action::Back => Flow::Pop,
            _ => Flow::Stay,
        }
    }

    fn on_key(&mut self, key: &KeyEvent, ctx: &mut Ctx<'_>) -> Flow {
        let choice = self.fields.focused().is_some_and(|f| !f.choices.is_empty());
        match key.code {
            KeyCode::Enter => {
                if self.take_suggestion() {
                    return Flow::Stay;
                }
                if let Some(saved) = self.editor.enter(&mut self.fields, ctx) {
                    return self.hand_over(saved, ctx);
                }
                if self.fields.is_last() {
                    self.save(ctx)
                } else {
                    self.go(true, ctx)
                }
            }
            KeyCode::Left | KeyCode::Right if choice => {
                self.cycle(key.code == KeyCode::Right, ctx);
                Flow::Stay
            }
            _ => {
                let i = self.fields.focus;
                let Some(f) = self.fields.list.get_mut(i) else {
                    return Flow::Stay;
                };
                if !f.locked {
                    let before = f.input.text().to_string();
                    if f.input.handle(key) && f.input.text() != before {
                        self.edited(ctx);
                    }
                }
                Flow::Stay
            }
        }
    }

    fn on_paste(&mut self, text: &str, ctx: &mut Ctx<'_>) -> Flow {
        let i = self.fields.focus;
        if let Some(f) = self.fields.list.get_mut(i)
            && !f.locked
        {
            f.input.insert_str(text);
            self.edited(ctx);
        }
        Flow::Stay
    }

    fn render(&self, f: &mut Frame, area: Rect, view: &View) {
        render_form(&self.editor, &self.fields, f, area, view);
    }
}

fn row(area: Rect, x: usize, y: u16, cols: usize) -> Rect {
    let x = (area.x as usize + x).min(area.right() as usize) as u16;
    Rect {
        x,
        y,
        width: (cols as u16).min(area.right().saturating_sub(x)),
        height: 1,
    }
}

fn render_form(editor: &dyn Editor, fields: &Fields, f: &mut Frame, area: Rect, view: &View) {
    let lang = view.lang;
    let t = &view.theme;
    let block = Block::default()
        .borders(Borders::ALL)
        .title(format!(" {} ", editor.title(lang)));
    let inner = block.inner(area);
    f.render_widget(block, area);
    if inner.width < 20 || inner.height < 3 {
        return;
    }
    let w = inner.width as usize;
    let bottom = inner.bottom();
    // The bottom two rows explain the focused field: its problem in full, or how to fill it.
    let detail_y = bottom.saturating_sub(2).max(inner.y);
    let mut y = inner.y;

    let header = editor.header(lang);
    for line in &header {
        if y >= detail_y {
            break;
        }
        f.render_widget(
            Paragraph::new(fit(&clean_line(line), w)),
            row(inner, 0, y, w),
        );
        y += 1;
    }
    if !header.is_empty() {
        y += 1;
    }

    let label_w = fields
        .list
        .iter()
        .map(|x| width(x.label(lang)))
        .max()
        .unwrap_or(0)
        + 1;
    let input_x = 2 + label_w + 1;
    // Columns right of the labels, one kept before the border.
    let free = w.saturating_sub(input_x + 1);
    let mut focus_at = None;
    for (i, field) in fields.list.iter().enumerate() {
        if y >= detail_y {
            break;
        }
        let focused = i == fields.focus;
        let label = format!(
            "{}{}",
            field.label(lang),
            if field.required { "*" } else { "" }
        );
        let label_style = if focused {
            t.key
        } else if field.locked {
            t.dim
        } else {
            Style::default()
        };
        f.render_widget(
            Paragraph::new(Line::from(vec![
                Span::raw(if focused { ">" } else { " " }),
                // Marked by text too, not by colour alone.
                Span::styled(if field.error.is_some() { "!" } else { " " }, t.bad),
                Span::styled(pad(&label, label_w), label_style),
            ])),
            row(inner, 0, y, input_x),
        );
        let (text, style) = match (&field.error, &field.note) {
            (Some(e), _) => (e.clone(), t.bad),
            (None, Some(n)) => (n.clone(), t.dim),
            (None, None) if focused && !field.choices.is_empty() => ("← →".to_string(), t.dim),
            _ => (String::new(), Style::default()),
        };
        let input_w = if field.wide {
            // The note (a problem, what the value means) keeps its room beside the text, and
            // the text never gets less than a short field.
            let note = if text.is_empty() { 0 } else { width(&text) + 1 };
            free.saturating_sub(note).max(INPUT_COLS.min(free))
        } else {
            INPUT_COLS.min(free)
        };
        let note_x = input_x + input_w + 1;
        let note_w = w.saturating_sub(note_x);
        let input_area = row(inner, input_x, y, input_w);
        let input_style = if field.locked {
            t.dim
        } else {
            Style::default().add_modifier(Modifier::UNDERLINED)
        };
        f.buffer_mut().set_style(input_area, input_style);
        if focused {
            field.input.render(f, input_area, input_style, true);
        } else {
            // Not being edited: from its start, cut with "…" when wider than the field.
            let text = clean_line(field.input.text());
            let shown = if width(&text) > input_w {
                fit(&text, input_w)
            } else {
                text
            };
            f.render_widget(Paragraph::new(Span::styled(shown, input_style)), input_area);
        }
        if note_w > 0 && !text.is_empty() {
            f.render_widget(
                Paragraph::new(Span::styled(fit(&text, note_w), style)),
                row(inner, note_x, y, note_w),
            );
        }
        if focused {
            focus_at = Some(input_area);
        }
        y += 1;
    }

    y += 1;
    for (text, warning) in editor.info(fields, lang) {
        if y >= detail_y {
            break;
        }
        let style = if warning { t.bad } else { Style::default() };
        f.render_widget(
            Paragraph::new(Span::styled(fit(&clean_line(&text), w), style)),
            row(inner, 0, y, w),
        );
        y += 1;
    }

    let detail = fields.focused().and_then(|x| {
        x.error.as_ref().map(|e| {
            (
                format!("{}{}{e}", x.label(lang), lang.pick("：", ": ")),
                t.bad,
            )
        })
    });
    let detail = detail.or_else(|| {
        let hint = editor.hint(fields.focus, lang);
        let last = fields.is_last().then(|| {
            lang.pick("最后一项：Enter 保存", "last field: Enter saves")
                .to_string()
        });
        match (hint, last) {
            (Some(h), Some(l)) => Some((format!("{h} · {l}"), t.dim)),
            (Some(h), None) | (None, Some(h)) => Some((h, t.dim)),
            (None, None) => None,
        }
    });
    if let Some((text, style)) = detail {
        f.render_widget(
            Paragraph::new(Span::styled(clean_line(&text), style)).wrap(Wrap { trim: true }),
            Rect {
                x: inner.x,
                y: detail_y,
                width: inner.width,
                height: bottom - detail_y,
            },
        );
    }

    if let Some(input) = focus_at {
        render_suggestions(fields, f, inner, input, detail_y, view);
    }
}

/// The completions under the focused field, over the fields below it.
/// Below the field when they fit above the explanation rows, else on the side with more room.
fn render_suggestions(
    fields: &Fields,
    f: &mut Frame,
    inner: Rect,
    input: Rect,
    floor: u16,
    view: &View,
) {
    if fields.suggestions.is_empty() {
        return;
    }
    let t = &view.theme;
    let x = input.x.saturating_sub(1);

    let title = view
        .lang
        .pick(" ↑↓ 选择 Enter 采用 ", " ↑↓ pick, Enter take ");
    let widest = fields
        .suggestions
        .iter()
        .map(|s| {
            width(&s.value)
                + if s.detail.is_empty() {
                    0
                } else {
                    2 + width(&s.detail)
                }
        })
        .chain(std::iter::once(width(title)))
        .max()
        .unwrap_or(0);
    let width = (inner.right().saturating_sub(x))
        .min(widest as u16 + 2)
        .min(70);
    let need = fields.suggestions.len() as u16 + 2;
    let below = floor.saturating_sub(input.y + 1);
    let above = input.y.saturating_sub(inner.y);
    let (y, height) = if need <= below || below >= above {
        (input.y + 1, need.min(below))
    } else {
        let h = need.min(above);
        (input.y - h, h)
    };
    if height < 3 || width < 10 {
        return;
    }
    let area = Rect {
        x,
        y,
        width,
        height,
    };
    let cols = width.saturating_sub(2) as usize;
    // Scrolled so that the picked one shows.
    let rows = usize::from(height - 2);
    let skip = fields.picked.map_or(0, |p| (p + 1).saturating_sub(rows));
    let lines: Vec<Line> = fields
        .suggestions
        .iter()
        .enumerate()
        .skip(skip)
        .take(rows)
        .map(|(i, s)| {
            let text = if s.detail.is_empty() {
                clean_line(&s.value)
            } else {
                format!("{}  {}", clean_line(&s.value), clean_line(&s.detail))
            };
            let style = if Some(i) == fields.picked {
                t.selected
            } else {
                Style::default()
            };
            Line::from(Span::styled(fit(&text, cols), style))
        })
        .collect();
    super::chrome::clear_for_box(f, area);
    f.render_widget(
        Paragraph::new(lines).block(Block::default().borders(Borders::ALL).title(title)),
        area,
    );
}

/// The screen as a terminal shows it. `TestBackend` does not blank the second cell of a wide
/// character the way a terminal does, so a frame drawn as a diff can keep a stale cell there:
/// draw this one in full.
#[cfg(test)]
pub(crate) fn screen(d: &mut super::testing::Driver) -> String {
    d.term.clear().expect("clear");
    d.draw();
    d.screen()
}
