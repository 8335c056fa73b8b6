//! The one key list. Every action is named once here with its keys, the screens where it works
//! and its words in both languages; dispatch, the footer and the help overlay all read this list,
//! so what the clerk is told can never drift from what the keys do.
//!
//! No action needs a function key, Alt or a mouse (SSH terminals may not deliver them), and no
//! destructive action sits on a key that a broken escape sequence produces (`[`, `A`–`D`, `O`).

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::i18n::Lang;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    Quit,
    Help,
    Command,
    NextScreen,
    GoPeople,
    GoReview,
    GoFilings,
    GoBatches,
    /// Screen 5, the annual completion report (issue 11).
    GoReport,
    Back,
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    Open,
    Search,
    Filter,
    Mark,
    MarkPattern,
    ApplyToMarked,
    Undo,
    New,
    Edit,
    AddEntry,
    /// R5.1 Correct the selected entry while nobody has decided on it.
    EditEntry,
    Evidence,
    /// R3 `A or B` items: the previous / next alternative of the checklist item.
    PrevOption,
    NextOption,
    Toggle,
    Seal,
    Register,
    Refuse,
    Falsified,
    Approve,
    Reject,
    Save,
    NextField,
    PrevField,
    SameAsPrevious,
    History,
    /// A completion list: the next / previous suggestion.
    PickNext,
    PickPrev,
    /// Close the completion list and keep the text as typed (`Esc` while it is open).
    CloseSuggestions,
    AddToBatch,
    /// R6 triage: accept a passing applicant, return a short one, issue, print, preview.
    Accept,
    Return,
    Issue,
    Print,
    /// Print the certificates to a new file instead of the configured printer.
    PrintToFile,
    Preview,
    Verify,
    Sort,
    /// The report's year: the one before / after (R2.1 is judged a year at a time).
    PrevYear,
    NextYear,
    /// Write the report of the level shown to a CSV or XLSX file the clerk names.
    Export,
}

/// Where an action works. `Global` works everywhere unless a form field is taking text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    Global,
    List,
    People,
    Person,
    Review,
    Evidence,
    Filings,
    Form,
    /// Completions are open under a form field: ↑ / ↓ move among them, so moving down picks a
    /// suggestion instead of leaving the field with the typed prefix.
    Suggest,
    /// A multi-line text area has the focus: arrows move within the text.
    Text,
    /// The queue of verification batches (R6.3).
    Batches,
    /// One verification batch: its applicants and their triage.
    Batch,
    /// The print preview of certificates or of a record card.
    Preview,
    /// Screen 5, the annual completion report and its drill-down (issue 11).
    Report,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key {
    pub code: KeyCode,
    pub mods: KeyModifiers,
}

const fn k(c: char) -> Key {
    Key {
        code: KeyCode::Char(c),
        mods: KeyModifiers::NONE,
    }
}

const fn ctrl(c: char) -> Key {
    Key {
        code: KeyCode::Char(c),
        mods: KeyModifiers::CONTROL,
    }
}

const fn code(c: KeyCode) -> Key {
    Key {
        code: c,
        mods: KeyModifiers::NONE,
    }
}

pub struct Binding {
    pub action: Action,
    pub keys: &'static [Key],
    pub scopes: &'static [Scope],
    /// Shown in the footer of these scopes (the help overlay shows every binding).
    pub footer: bool,
    pub zh: &'static str,
    pub en: &'static str,
}

use Scope::*;

pub const BINDINGS: &[Binding] = &[
    Binding {
        action: Action::Up,
        keys: &[code(KeyCode::Up), k('k')],
        scopes: &[List, Evidence],
        footer: false,
        zh: "上移",
        en: "up",
    },
    Binding {
        action: Action::Down,
        keys: &[code(KeyCode::Down), k('j')],
        scopes: &[List, Evidence],
        footer: false,
        zh: "下移",
        en: "down",
    },
    Binding {
        action: Action::PageUp,
        keys: &[code(KeyCode::PageUp), ctrl('b')],
        scopes: &[List],
        footer: false,
        zh: "上页",
        en: "page up",
    },
    Binding {
        action: Action::PageDown,
        keys: &[code(KeyCode::PageDown), ctrl('f')],
        scopes: &[List],
        footer: false,
        zh: "下页",
        en: "page down",
    },
    Binding {
        action: Action::Top,
        keys: &[k('g'), code(KeyCode::Home)],
        scopes: &[List],
        footer: false,
        zh: "首行",
        en: "first",
    },
    Binding {
        action: Action::Bottom,
        keys: &[k('G'), code(KeyCode::End)],
        scopes: &[List],
        footer: false,
        zh: "末行",
        en: "last",
    },
    Binding {
        action: Action::Open,
        keys: &[code(KeyCode::Enter)],
        scopes: &[People, Person, Review, Filings, Batches],
        footer: true,
        zh: "打开",
        en: "open",
    },
    Binding {
        action: Action::Open,
        keys: &[code(KeyCode::Enter)],
        scopes: &[Batch],
        footer: false,
        zh: "打开人员",
        en: "open person",
    },
    Binding {
        action: Action::Open,
        keys: &[code(KeyCode::Enter)],
        scopes: &[Report],
        footer: true,
        zh: "下钻",
        en: "drill down",
    },
    // `[` may be the tail of a split escape sequence: changing the year destroys nothing,
    // and `<` `>` are there for keyboards where brackets are awkward.
    Binding {
        action: Action::PrevYear,
        keys: &[k('['), k('<')],
        scopes: &[Report],
        footer: true,
        zh: "上一年",
        en: "prev year",
    },
    Binding {
        action: Action::NextYear,
        keys: &[k(']'), k('>')],
        scopes: &[Report],
        footer: true,
        zh: "下一年",
        en: "next year",
    },
    Binding {
        action: Action::Export,
        keys: &[k('w')],
        scopes: &[Report],
        footer: true,
        zh: "导出文件",
        en: "export",
    },
    Binding {
        action: Action::Search,
        keys: &[k('/')],
        scopes: &[People, Review, Filings],
        footer: true,
        zh: "搜索",
        en: "search",
    },
    Binding {
        action: Action::Filter,
        keys: &[k('f')],
        scopes: &[People],
        footer: true,
        zh: "筛选",
        en: "filter",
    },
    Binding {
        action: Action::Filter,
        keys: &[k('f')],
        scopes: &[Batch],
        footer: false,
        zh: "按状态筛选",
        en: "filter by state",
    },
    Binding {
        action: Action::Sort,
        keys: &[k('o')],
        scopes: &[Batch],
        footer: false,
        zh: "排序",
        en: "sort",
    },
    Binding {
        action: Action::New,
        keys: &[k('n')],
        scopes: &[People, Filings, Batches],
        footer: true,
        zh: "新建",
        en: "new",
    },
    Binding {
        action: Action::New,
        keys: &[k('n')],
        scopes: &[Batch],
        footer: false,
        zh: "添加申报人",
        en: "add applicant",
    },
    Binding {
        action: Action::Edit,
        keys: &[k('e')],
        scopes: &[Person, Filings],
        footer: true,
        zh: "编辑",
        en: "edit",
    },
    Binding {
        action: Action::AddEntry,
        keys: &[k('a')],
        scopes: &[Person],
        footer: true,
        zh: "添加培训",
        en: "add entry",
    },
    Binding {
        action: Action::EditEntry,
        keys: &[k('c')],
        scopes: &[Person],
        footer: true,
        zh: "更正培训",
        en: "correct",
    },
    Binding {
        action: Action::History,
        keys: &[k('h')],
        scopes: &[Person],
        footer: true,
        zh: "历史",
        en: "history",
    },
    Binding {
        action: Action::Evidence,
        keys: &[k('m')],
        scopes: &[Person, Review],
        footer: false,
        zh: "材料",
        en: "evidence",
    },
    Binding {
        action: Action::PrevOption,
        keys: &[code(KeyCode::Left)],
        scopes: &[Evidence],
        footer: false,
        zh: "二选一：前一项",
        en: "previous alternative",
    },
    Binding {
        action: Action::NextOption,
        keys: &[code(KeyCode::Right)],
        scopes: &[Evidence],
        footer: false,
        zh: "二选一：后一项",
        en: "next alternative",
    },
    Binding {
        action: Action::Toggle,
        keys: &[code(KeyCode::Char(' '))],
        scopes: &[Evidence],
        footer: true,
        zh: "收到/未收",
        en: "received",
    },
    Binding {
        action: Action::AddToBatch,
        keys: &[k('b')],
        scopes: &[People],
        footer: true,
        zh: "加入批次",
        // Short, so People's footer fits at 80 columns in English as in Chinese.
        en: "batch",
    },
    Binding {
        action: Action::Mark,
        keys: &[k('t')],
        scopes: &[Review, Filings, Batch, People],
        footer: true,
        zh: "标记",
        en: "mark",
    },
    // The words a pattern may say are listed under the keys in `?` (`marks::help`).
    Binding {
        action: Action::MarkPattern,
        keys: &[k('T')],
        scopes: &[Review, Batch],
        footer: true,
        zh: "条件标记",
        en: "match",
    },
    Binding {
        action: Action::ApplyToMarked,
        keys: &[k(';')],
        scopes: &[Review, Batch],
        footer: true,
        zh: "对标记",
        en: "marked",
    },
    // On Filings the footer keeps its room for the decisions (y x u); `?` lists these.
    Binding {
        action: Action::MarkPattern,
        keys: &[k('T')],
        scopes: &[Filings],
        footer: false,
        zh: "条件标记",
        en: "match",
    },
    Binding {
        action: Action::ApplyToMarked,
        keys: &[k(';')],
        scopes: &[Filings],
        footer: false,
        zh: "对标记",
        en: "marked",
    },
    Binding {
        action: Action::Accept,
        keys: &[k('a')],
        scopes: &[Batch],
        footer: true,
        zh: "通过",
        en: "accept",
    },
    Binding {
        action: Action::Return,
        keys: &[k('r')],
        scopes: &[Batch],
        footer: true,
        zh: "退回",
        en: "return",
    },
    Binding {
        action: Action::Refuse,
        keys: &[k('x')],
        scopes: &[Batch],
        footer: true,
        zh: "不予通过",
        en: "refuse",
    },
    Binding {
        action: Action::Issue,
        keys: &[k('i')],
        scopes: &[Batch],
        footer: true,
        zh: "出具",
        en: "issue",
    },
    Binding {
        action: Action::Preview,
        keys: &[k('v')],
        scopes: &[Batch],
        footer: true,
        zh: "预览",
        en: "preview",
    },
    // R5.4 The person's yearly record card, for the year of the entry under the cursor. Out
    // of the footer, which is full there: the year table's head names it, and `?` lists it.
    Binding {
        action: Action::Preview,
        keys: &[k('v')],
        scopes: &[Person],
        footer: false,
        zh: "备案卡",
        en: "card",
    },
    Binding {
        action: Action::Print,
        keys: &[k('p')],
        scopes: &[Batch, Preview],
        footer: true,
        zh: "打印",
        en: "print",
    },
    Binding {
        action: Action::PrintToFile,
        keys: &[k('w')],
        scopes: &[Batch, Preview],
        footer: true,
        zh: "打印到文件",
        en: "print to a file",
    },
    Binding {
        action: Action::Verify,
        keys: &[k('c')],
        scopes: &[Batch],
        footer: false,
        zh: "验证本批",
        en: "verify batch",
    },
    Binding {
        action: Action::Seal,
        keys: &[k('s')],
        scopes: &[Review, Evidence],
        footer: true,
        zh: "初审",
        en: "seal",
    },
    // R5.1 The same decision on the person's selected entry; out of the footer, which is full
    // there (the help overlay lists it, and the messages after evidence and seal name it).
    Binding {
        action: Action::Seal,
        keys: &[k('s')],
        scopes: &[Person],
        footer: false,
        zh: "初审",
        en: "seal",
    },
    Binding {
        action: Action::Register,
        keys: &[k('r')],
        scopes: &[Review, Evidence],
        footer: true,
        zh: "登记",
        en: "register",
    },
    // R5.1 The same decision on the person's selected entry; out of the footer, which is full
    // there (the help overlay lists it, and the messages after evidence and seal name it).
    Binding {
        action: Action::Register,
        keys: &[k('r')],
        scopes: &[Person],
        footer: false,
        zh: "登记",
        en: "register",
    },
    Binding {
        action: Action::Refuse,
        keys: &[k('x')],
        scopes: &[Review],
        footer: true,
        zh: "不予登记",
        en: "refuse",
    },
    Binding {
        action: Action::Falsified,
        keys: &[k('!')],
        scopes: &[Review],
        footer: false,
        zh: "弄虚作假",
        en: "falsified",
    },
    Binding {
        action: Action::Approve,
        keys: &[k('y')],
        scopes: &[Filings],
        footer: true,
        zh: "准予备案",
        en: "approve",
    },
    Binding {
        action: Action::Reject,
        keys: &[k('x')],
        scopes: &[Filings],
        footer: true,
        zh: "不予备案",
        en: "reject",
    },
    // R5.5 The clerk's last decision, whatever screen it was taken on (entries, filings,
    // applicants): one decision log, so one key everywhere.
    Binding {
        action: Action::Undo,
        keys: &[k('u')],
        scopes: &[Global],
        footer: true,
        zh: "撤销",
        en: "undo",
    },
    Binding {
        action: Action::Save,
        keys: &[ctrl('s')],
        scopes: &[Form, Text],
        footer: true,
        zh: "保存",
        en: "save",
    },
    Binding {
        action: Action::NextField,
        keys: &[code(KeyCode::Tab), code(KeyCode::Down)],
        scopes: &[Form],
        footer: true,
        zh: "下一项",
        en: "next field",
    },
    Binding {
        action: Action::PrevField,
        keys: &[code(KeyCode::BackTab), code(KeyCode::Up)],
        scopes: &[Form],
        footer: false,
        zh: "上一项",
        en: "previous field",
    },
    Binding {
        action: Action::NextField,
        keys: &[code(KeyCode::Tab)],
        scopes: &[Text],
        footer: true,
        zh: "下一项",
        en: "next field",
    },
    Binding {
        action: Action::PrevField,
        keys: &[code(KeyCode::BackTab)],
        scopes: &[Text],
        footer: false,
        zh: "上一项",
        en: "previous field",
    },
    Binding {
        action: Action::PickNext,
        keys: &[code(KeyCode::PageDown), ctrl('n')],
        scopes: &[Form],
        footer: false,
        zh: "下一个候选",
        en: "next suggestion",
    },
    Binding {
        action: Action::PickPrev,
        keys: &[code(KeyCode::PageUp)],
        scopes: &[Form],
        footer: false,
        zh: "上一个候选",
        en: "previous suggestion",
    },
    Binding {
        action: Action::PickNext,
        keys: &[code(KeyCode::Down)],
        scopes: &[Suggest],
        footer: true,
        zh: "选择候选",
        en: "pick",
    },
    Binding {
        action: Action::PickPrev,
        keys: &[code(KeyCode::Up)],
        scopes: &[Suggest],
        footer: false,
        zh: "上一个候选",
        en: "previous suggestion",
    },
    Binding {
        action: Action::CloseSuggestions,
        keys: &[code(KeyCode::Esc)],
        scopes: &[Suggest],
        footer: true,
        zh: "关闭候选",
        en: "close list",
    },
    Binding {
        action: Action::SameAsPrevious,
        keys: &[ctrl('p')],
        scopes: &[Form],
        footer: true,
        zh: "同上一条",
        en: "same as previous",
    },
    Binding {
        action: Action::Back,
        keys: &[code(KeyCode::Esc)],
        scopes: &[Global],
        footer: true,
        zh: "返回",
        en: "back",
    },
    Binding {
        action: Action::NextScreen,
        keys: &[code(KeyCode::Tab)],
        scopes: &[Global],
        footer: false,
        zh: "切换页面",
        en: "next screen",
    },
    Binding {
        action: Action::GoPeople,
        keys: &[k('1')],
        scopes: &[Global],
        footer: false,
        zh: "人员",
        en: "people",
    },
    Binding {
        action: Action::GoReview,
        keys: &[k('2')],
        scopes: &[Global],
        footer: false,
        zh: "复核",
        en: "review",
    },
    Binding {
        action: Action::GoFilings,
        keys: &[k('3')],
        scopes: &[Global],
        footer: false,
        zh: "备案",
        en: "filings",
    },
    Binding {
        action: Action::GoBatches,
        keys: &[k('4')],
        scopes: &[Global],
        footer: false,
        zh: "验证",
        en: "verification",
    },
    Binding {
        action: Action::GoReport,
        keys: &[k('5')],
        scopes: &[Global],
        footer: false,
        zh: "报表",
        en: "report",
    },
    Binding {
        action: Action::Command,
        keys: &[k(':')],
        scopes: &[Global],
        footer: false,
        zh: "命令",
        en: "command",
    },
    Binding {
        action: Action::Help,
        keys: &[k('?'), ctrl('g')],
        scopes: &[Global],
        footer: true,
        zh: "帮助",
        en: "help",
    },
    Binding {
        action: Action::Quit,
        keys: &[k('q')],
        scopes: &[Global],
        footer: true,
        zh: "退出",
        en: "quit",
    },
];

impl Key {
    fn matches(&self, ev: &KeyEvent) -> bool {
        // Shift arrives with upper-case letters and some symbols on some terminals and not on
        // others; compare characters without it.
        let mods = ev.modifiers - KeyModifiers::SHIFT;
        let want = self.mods - KeyModifiers::SHIFT;
        match (self.code, ev.code) {
            (KeyCode::Char(a), KeyCode::Char(b)) if want.contains(KeyModifiers::CONTROL) => {
                mods == want && a.eq_ignore_ascii_case(&b)
            }
            (KeyCode::Char(a), KeyCode::Char(b)) => mods == want && a == b,
            (KeyCode::BackTab, KeyCode::BackTab) => true,
            (a, b) => a == b && mods == want,
        }
    }

    pub fn label(&self) -> String {
        let base = match self.code {
            KeyCode::Char(' ') => "Space".to_string(),
            KeyCode::Char(c) => c.to_string(),
            KeyCode::Enter => "Enter".into(),
            KeyCode::Esc => "Esc".into(),
            KeyCode::Tab => "Tab".into(),
            KeyCode::BackTab => "S-Tab".into(),
            KeyCode::Up => "↑".into(),
            KeyCode::Down => "↓".into(),
            KeyCode::Left => "←".into(),
            KeyCode::Right => "→".into(),
            KeyCode::PageUp => "PgUp".into(),
            KeyCode::PageDown => "PgDn".into(),
            KeyCode::Home => "Home".into(),
            KeyCode::End => "End".into(),
            other => format!("{other:?}"),
        };
        if self.mods.contains(KeyModifiers::CONTROL) {
            format!("^{}", base.to_uppercase())
        } else {
            base
        }
    }
}

impl Binding {
    pub fn label(&self, lang: Lang) -> &'static str {
        match lang {
            Lang::Zh => self.zh,
            Lang::En => self.en,
        }
    }
}

/// The action a key means in `scopes` (most specific first), then globally unless `typing`
/// (a text field has the focus, so printable keys are text).
pub fn action_for(ev: &KeyEvent, scopes: &[Scope], typing: bool) -> Option<Action> {
    let printable =
        matches!(ev.code, KeyCode::Char(_)) && !ev.modifiers.contains(KeyModifiers::CONTROL);
    for scope in scopes.iter().chain(std::iter::once(&Global)) {
        if typing && printable {
            return None;
        }
        if let Some(b) = BINDINGS
            .iter()
            .find(|b| b.scopes.contains(scope) && b.keys.iter().any(|k| k.matches(ev)))
        {
            return Some(b.action);
        }
    }
    None
}

/// Footer hints for the screen's scopes: "Enter 打开  / 搜索 …", most specific first. The help
/// key comes first, so that on a narrow terminal the way to every other key always shows.
///
/// While the clerk is `typing`, printable keys are text, so the hints show only the keys that
/// still act (Ctrl-S, Tab, Esc …).
pub fn footer(scopes: &[Scope], lang: Lang, typing: bool) -> Vec<(String, &'static str)> {
    let acts = |k: &Key| {
        !typing || !matches!(k.code, KeyCode::Char(_)) || k.mods.contains(KeyModifiers::CONTROL)
    };
    let mut out: Vec<(String, &'static str)> = Vec::new();
    // In a form `?` is text: its other key (Ctrl-G, as in nano) keeps help one key away.
    if let Some(help) = BINDINGS.iter().find(|b| b.action == Action::Help)
        && let Some(key) = help.keys.iter().find(|k| acts(k))
    {
        out.push((key.label(), help.label(lang)));
    }
    for scope in scopes.iter().chain(std::iter::once(&Global)) {
        // A key shows only for what it does here: Esc that closes a list is not also "back".
        let does = |b: &Binding| {
            let k = &b.keys[0];
            action_for(&KeyEvent::new(k.code, k.mods), scopes, typing) == Some(b.action)
        };
        for b in BINDINGS
            .iter()
            .filter(|b| b.footer && b.scopes.contains(scope) && acts(&b.keys[0]) && does(b))
        {
            if !out.iter().any(|(_, l)| *l == b.label(lang)) {
                out.push((b.keys[0].label(), b.label(lang)));
            }
        }
    }
    out
}

/// The keys of these scopes for the help overlay, most specific first (a form's own keys
/// before the global ones): each binding with the label of those of its keys that do its
/// action here. A binding none of whose keys does (printable keys while the clerk is `typing`
/// in a form; Tab, which a form takes for its next field) is left out, so help lists only
/// keys that work where the clerk is (tester: Ctrl-G in a form listed `Tab 切换页面`, `1`–`5`,
/// `u`, `q`).
pub fn help(scopes: &[Scope], typing: bool) -> Vec<(String, &'static Binding)> {
    let mut out: Vec<(String, &'static Binding)> = Vec::new();
    for scope in scopes.iter().chain(std::iter::once(&Global)) {
        for b in BINDINGS.iter().filter(|b| b.scopes.contains(scope)) {
            if out.iter().any(|(_, x)| std::ptr::eq(*x, b)) {
                continue;
            }
            let acting: Vec<String> = b
                .keys
                .iter()
                .filter(|k| {
                    action_for(&KeyEvent::new(k.code, k.mods), scopes, typing) == Some(b.action)
                })
                .map(Key::label)
                .collect();
            if !acting.is_empty() {
                out.push((acting.join("/"), b));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(c: KeyCode, m: KeyModifiers) -> KeyEvent {
        KeyEvent::new(c, m)
    }

    #[test]
    fn screen_keys_win_over_global_ones() {
        let tab = key(KeyCode::Tab, KeyModifiers::NONE);
        assert_eq!(action_for(&tab, &[Form], false), Some(Action::NextField));
        assert_eq!(
            action_for(&tab, &[List, People], false),
            Some(Action::NextScreen)
        );
    }

    #[test]
    fn typing_keeps_printable_keys_as_text() {
        let q = key(KeyCode::Char('q'), KeyModifiers::NONE);
        assert_eq!(action_for(&q, &[Form], true), None);
        assert_eq!(action_for(&q, &[List], false), Some(Action::Quit));
        let save = key(KeyCode::Char('s'), KeyModifiers::CONTROL);
        assert_eq!(action_for(&save, &[Form], true), Some(Action::Save));
    }

    #[test]
    fn no_destructive_action_on_keys_a_split_escape_sequence_produces() {
        // ESC [ A (cursor up) may arrive as Esc, '[', 'A' on a slow link.
        for c in [
            '[', 'A', 'B', 'C', 'D', 'F', 'H', 'O', 'P', 'Q', 'R', 'S', '~', '1', '2', '3', '5',
            '6',
        ] {
            let ev = key(KeyCode::Char(c), KeyModifiers::SHIFT);
            let a = action_for(
                &ev,
                &[
                    List, Review, People, Person, Filings, Evidence, Batches, Batch, Preview,
                    Report,
                ],
                false,
            );
            assert!(
                !matches!(
                    a,
                    Some(
                        Action::Refuse
                            | Action::Falsified
                            | Action::Register
                            | Action::Seal
                            | Action::Reject
                            | Action::Approve
                            | Action::Quit
                            | Action::Undo
                            | Action::Accept
                            | Action::Return
                            | Action::Issue
                            | Action::Print
                            | Action::Verify
                            | Action::New
                    )
                ),
                "{c} → {a:?}"
            );
        }
    }

    #[test]
    fn no_two_bindings_share_a_key_in_one_scope() {
        for a in BINDINGS {
            for b in BINDINGS {
                if std::ptr::eq(a, b) {
                    continue;
                }
                let shared_scope = a.scopes.iter().any(|s| b.scopes.contains(s));
                let shared_key = a.keys.iter().any(|k| b.keys.contains(k));
                assert!(
                    !(shared_scope && shared_key),
                    "{:?} and {:?}",
                    a.action,
                    b.action
                );
            }
        }
    }

    #[test]
    fn no_binding_needs_a_function_key_or_alt() {
        for b in BINDINGS {
            for k in b.keys {
                assert!(!matches!(k.code, KeyCode::F(_)), "{:?}", b.action);
                assert!(!k.mods.contains(KeyModifiers::ALT), "{:?}", b.action);
            }
        }
    }
}
