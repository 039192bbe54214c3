//! The studio's colours and styles: every style collapses to plain text attributes when colour
//! is off (NO_COLOR). A leaf: it knows nothing of the app.

use ratatui::style::{Color, Modifier, Style};

/// Styles that collapse to plain text attributes when colour is off (NO_COLOR).
#[derive(Clone, Copy)]
pub struct Theme {
    pub color: bool,
}

impl Theme {
    pub fn fg(self, c: Color) -> Style {
        if self.color {
            Style::default().fg(c)
        } else {
            Style::default()
        }
    }
    pub fn sel(self) -> Style {
        if self.color {
            Style::default().fg(Color::Black).bg(Color::Cyan)
        } else {
            Style::default().add_modifier(Modifier::REVERSED)
        }
    }
    pub fn accent(self) -> Style {
        self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
    }
    pub fn dim(self) -> Style {
        self.fg(Color::DarkGray)
    }
    pub fn good(self) -> Style {
        self.fg(Color::Green)
    }
    pub fn warn(self) -> Style {
        self.fg(Color::Yellow)
    }
    pub fn bad(self) -> Style {
        self.fg(Color::Red)
    }
    pub fn series(self, k: usize) -> Style {
        const C: [Color; 6] = [
            Color::Cyan,
            Color::Magenta,
            Color::Yellow,
            Color::Green,
            Color::Blue,
            Color::Red,
        ];
        self.fg(C[k % C.len()])
    }
}
