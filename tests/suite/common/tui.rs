//! Studio test helpers: the screen as text through ratatui's TestBackend, and key presses.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use cxsim::tui::{App, Event};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

/// The app drawn at `w`×`h`, one line of symbols per row, trailing blanks trimmed.
pub fn render(app: &App, w: u16, h: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(w, h)).expect("test backend");
    terminal
        .draw(|f| cxsim::tui::view::draw(f, app))
        .expect("draw");
    let buf = terminal.backend().buffer().clone();
    let mut out = String::new();
    for y in 0..buf.area.height {
        let mut line = String::new();
        for x in 0..buf.area.width {
            line.push_str(buf[(x, y)].symbol());
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// Presses a key without modifiers.
pub fn key(app: &mut App, code: KeyCode) {
    app.handle_event(Event::Key(KeyEvent::new(code, KeyModifiers::NONE)));
}

/// Presses Ctrl + a character.
pub fn ctrl(app: &mut App, c: char) {
    app.handle_event(Event::Key(KeyEvent::new(
        KeyCode::Char(c),
        KeyModifiers::CONTROL,
    )));
}

/// Types a string, one key press per character.
pub fn typed(app: &mut App, s: &str) {
    for c in s.chars() {
        key(app, KeyCode::Char(c));
    }
}

/// Moves the inspector form's selection to the field labelled `label`.
pub fn go_to_field(app: &mut App, label: &str) {
    let at = app
        .current_fields()
        .iter()
        .position(|f| f.label == label)
        .unwrap_or_else(|| panic!("no field {label}"));
    while app.insp_field > at {
        key(app, KeyCode::Up);
    }
    while app.insp_field < at {
        key(app, KeyCode::Down);
    }
}

/// Opens the selected field's editor, clears it, types `text` and accepts it with Enter.
pub fn retype(app: &mut App, text: &str) {
    key(app, KeyCode::Enter);
    key(app, KeyCode::End);
    for _ in 0..40 {
        key(app, KeyCode::Backspace);
    }
    typed(app, text);
    key(app, KeyCode::Enter);
}

/// Selects `obj` in the inspector's list and opens its form.
pub fn open_form(app: &mut App, obj: cxsim::tui::fields::Obj) {
    app.pane = cxsim::tui::app::Pane::InspList;
    app.insp_obj = app
        .objects()
        .iter()
        .position(|o| *o == obj)
        .unwrap_or_else(|| panic!("{obj:?} is not listed"));
    key(app, KeyCode::Enter);
}

/// Asserts that validation reports a problem at `path`.
pub fn assert_problem_at(app: &App, path: &str) {
    assert!(
        app.problems.iter().any(|p| p.path == path),
        "no problem at {path}: {:?}",
        app.problems
    );
}
