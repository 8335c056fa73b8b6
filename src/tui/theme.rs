//! Colours that stay readable on 16-colour terminals, and none at all under `NO_COLOR`: every
//! distinction is also made by text or by reverse video, never by colour alone.

use ratatui::style::{Color, Modifier, Style};

#[derive(Debug, Clone, Copy)]
pub struct Theme {
    pub title: Style,
    pub status: Style,
    pub tab: Style,
    pub tab_active: Style,
    pub key: Style,
    pub message: Style,
    pub selected: Style,
    pub marked: Style,
    pub header: Style,
    pub good: Style,
    pub bad: Style,
    pub dim: Style,
}

impl Theme {
    /// NO_COLOR (https://no-color.org): present and non-empty means no colour.
    pub fn from_env() -> Theme {
        match std::env::var_os("NO_COLOR") {
            Some(v) if !v.is_empty() => Theme::plain(),
            _ => Theme::colour(),
        }
    }

    pub fn plain() -> Theme {
        let n = Style::default();
        Theme {
            title: n.add_modifier(Modifier::BOLD),
            status: n,
            tab: n,
            tab_active: n.add_modifier(Modifier::REVERSED),
            key: n.add_modifier(Modifier::BOLD),
            message: n,
            selected: n.add_modifier(Modifier::REVERSED),
            marked: n.add_modifier(Modifier::BOLD),
            header: n.add_modifier(Modifier::BOLD),
            good: n,
            bad: n.add_modifier(Modifier::BOLD),
            dim: n,
        }
    }

    /// Only the 16 basic colours, which every terminal clerks use can show.
    pub fn colour() -> Theme {
        let n = Style::default();
        Theme {
            title: n.fg(Color::Yellow).add_modifier(Modifier::BOLD),
            status: n,
            tab: n,
            tab_active: n.add_modifier(Modifier::REVERSED),
            key: n.fg(Color::Cyan).add_modifier(Modifier::BOLD),
            message: n.fg(Color::Yellow),
            selected: n.add_modifier(Modifier::REVERSED),
            marked: n.fg(Color::Magenta).add_modifier(Modifier::BOLD),
            header: n.add_modifier(Modifier::BOLD | Modifier::UNDERLINED),
            good: n.fg(Color::Green),
            bad: n.fg(Color::Red).add_modifier(Modifier::BOLD),
            dim: n.fg(Color::DarkGray),
        }
    }
}
