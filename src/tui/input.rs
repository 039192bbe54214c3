//! Input: the mapping from terminal events (keys, mouse) to actions; state changes only in
//! `App::apply`. Mouse clicks are hit-tested through `layout`, the geometry drawing uses.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::Rect;

use super::app::{Action, App, Event, Pane, Screen};
use super::keys::{self, Cmd, Ctx};
use super::layout::{
    STRAT_H, insp_split, map_cards, regions, scroll_for, strategy_rows, tab_spans, too_small,
};
use super::theme::Theme;
use super::view::inspector::form_lines;
use super::view::map::lane_cards;

impl App {
    pub fn handle_event(&mut self, ev: Event) {
        match ev {
            Event::Key(k) => {
                if k.kind == KeyEventKind::Release {
                    return;
                }
                if let Some(a) = self.key_action(&k) {
                    self.apply(a);
                }
            }
            Event::Mouse(m) => {
                if let Some(a) = mouse_action(self, &m) {
                    self.apply(a);
                }
            }
            Event::Resize(w, h) => self.apply(Action::Resize(w, h)),
            Event::Tick => self.apply(Action::Tick),
            Event::Worker(msg) => self.apply(Action::Worker(msg)),
            Event::Analysis(msg) => self.analysis_msg(msg),
        }
        self.analysis_poll();
    }

    /// Turns a key into an action: typed characters while editing, otherwise the key table.
    pub fn key_action(&self, k: &KeyEvent) -> Option<Action> {
        let ctx = self.ctx();
        if ctx == Ctx::Editing {
            if let Some(cmd) = keys::lookup(ctx, k) {
                return Some(Action::Cmd(cmd));
            }
            return match k.code {
                KeyCode::Backspace => Some(Action::Backspace),
                KeyCode::Char(c)
                    if !k
                        .modifiers
                        .contains(crossterm::event::KeyModifiers::CONTROL) =>
                {
                    Some(Action::Type(c))
                }
                _ => None,
            };
        }
        if self.help {
            // Any key closes help except scrolling.
            return match k.code {
                KeyCode::Down | KeyCode::Char('j') => Some(Action::Cmd(Cmd::Down)),
                KeyCode::Up | KeyCode::Char('k') => Some(Action::Cmd(Cmd::Up)),
                _ => Some(Action::Cmd(Cmd::Help)),
            };
        }
        keys::lookup(ctx, k).map(Action::Cmd)
    }
}

// ---------------------------------------------------------------- mouse

/// A press of the left button.
pub fn is_click(m: &MouseEvent) -> bool {
    matches!(m.kind, MouseEventKind::Down(MouseButton::Left))
}

/// Maps a mouse event to an action through the same layout functions used for drawing.
pub fn mouse_action(app: &App, m: &MouseEvent) -> Option<Action> {
    let area = Rect::new(0, 0, app.size.0, app.size.1);
    if too_small(area) || app.dialog.is_some() || app.editor.is_some() || app.help {
        return None;
    }
    match m.kind {
        MouseEventKind::ScrollDown => {
            return Some(Action::Cmd(if app.pane == Pane::Map {
                Cmd::Right
            } else {
                Cmd::Down
            }));
        }
        MouseEventKind::ScrollUp => {
            return Some(Action::Cmd(if app.pane == Pane::Map {
                Cmd::Left
            } else {
                Cmd::Up
            }));
        }
        _ => {}
    }
    if !is_click(m) {
        return None;
    }
    let (x, y) = (m.column, m.row);
    let r = regions(area);
    let inside = |rect: Rect| x >= rect.x && x < rect.right() && y >= rect.y && y < rect.bottom();
    if inside(r.tabs) {
        return tab_spans(r.tabs)
            .into_iter()
            .find(|(_, a, b, _)| x >= *a && x < *b)
            .map(|(s, ..)| {
                Action::Focus(match s {
                    Screen::Map => Pane::Map,
                    Screen::Inspector => Pane::InspList,
                    Screen::Strategies => Pane::Strategies,
                    Screen::Dashboard => Pane::Dashboard,
                    Screen::Analysis => Pane::Analysis,
                })
            });
    }
    if !inside(r.body) {
        return None;
    }
    match app.screen() {
        Screen::Map => lane_cards(app, r.body)
            .into_iter()
            .find(|(_, rect)| inside(*rect))
            .map(|(fields, _)| Action::OpenFields(fields))
            .or_else(|| {
                map_cards(app, r.body)
                    .into_iter()
                    .find(|(_, _, rect)| inside(*rect))
                    .map(|(lane, pos, _)| Action::SelectCard { lane, pos })
            }),
        Screen::Inspector => {
            let (list, form) = insp_split(r.body);
            if inside(list) {
                let inner_h = list.height.saturating_sub(2) as usize;
                let first = scroll_for(app.insp_obj, inner_h);
                let row = y.checked_sub(list.y + 1)? as usize;
                let k = first + row;
                (k < app.objects().len()).then_some(Action::SelectObject(k))
            } else if inside(form) {
                let th = Theme { color: false };
                let (lines, sel_line, owner) = form_lines(app, form.width.saturating_sub(2), th);
                let inner_h = form.height.saturating_sub(2) as usize;
                let first = scroll_for(sel_line + 2, inner_h).min(lines.len().saturating_sub(1));
                let row = y.checked_sub(form.y + 1)? as usize;
                owner
                    .get(first + row)
                    .copied()
                    .flatten()
                    .map(Action::SelectField)
            } else {
                None
            }
        }
        Screen::Strategies => {
            let (first, _) = strategy_rows(app, r.body);
            let row = y.checked_sub(r.body.y + 1)?;
            let strategy = first + (row / STRAT_H) as usize;
            let within = row % STRAT_H;
            (strategy < app.scenario.strategies.len() && (1..=4).contains(&within)).then_some(
                Action::SelectStrategyRow {
                    strategy,
                    row: (within - 1) as usize,
                },
            )
        }
        Screen::Dashboard => {
            let res = app.sim.results.as_ref()?;
            let n_s = res.strategies.len();
            let table_h = (n_s as u16 + 5).min(r.body.height / 2).max(6);
            let table_y = r.body.bottom() - table_h;
            let row = y.checked_sub(table_y + 2)? as usize;
            (row < n_s).then_some(Action::SelectDashStrategy(row))
        }
        Screen::Analysis => None,
    }
}
