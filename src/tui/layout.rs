//! The studio's geometry: pure functions from an area (and the app's state) to rectangles,
//! shared by drawing (`view`) and mouse hit-testing (`input`) so a click lands where the thing
//! was drawn. Imports no drawing and no input code.

use ratatui::layout::{Constraint, Layout, Rect};

use super::app::{App, Screen};

/// The smallest terminal the studio lays out for.
pub const MIN_W: u16 = 80;
pub const MIN_H: u16 = 24;

/// The screen's regions.
pub struct Regions {
    pub title: Rect,
    pub tabs: Rect,
    pub body: Rect,
    pub status: Rect,
    pub hints: Rect,
}

pub fn regions(area: Rect) -> Regions {
    let r = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(0),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .split(area);
    Regions {
        title: r[0],
        tabs: r[1],
        body: r[2],
        status: r[3],
        hints: r[4],
    }
}

pub(crate) fn too_small(area: Rect) -> bool {
    area.width < MIN_W || area.height < MIN_H
}

/// Tab titles and their x ranges (for clicks).
pub fn tab_spans(area: Rect) -> Vec<(Screen, u16, u16, String)> {
    let mut x = area.x + 1;
    let mut v = Vec::new();
    for (k, s) in Screen::ALL.iter().enumerate() {
        let t = format!(" {} {} ", k + 1, s.title());
        let w = t.chars().count() as u16;
        v.push((*s, x, x + w, t));
        x += w + 1;
    }
    v
}

pub(crate) const CARD_W: u16 = 26;

/// Card rectangles: (lane, position in lane, rect). Shared by drawing and clicks.
pub fn map_cards(app: &App, body: Rect) -> Vec<(usize, usize, Rect)> {
    let mut out = Vec::new();
    let (_, body) = funnel_split(app, body);
    let (body, _) = escalation_split(app, body);
    let lanes = lane_rects(body);
    for (l, lane_rect) in lanes.iter().enumerate() {
        let members = app.lane(l);
        let cards_area = Rect {
            y: lane_rect.y + 1,
            height: lane_rect.height.saturating_sub(1),
            ..*lane_rect
        };
        let per_row = (cards_area.width / CARD_W).max(1) as usize;
        let first = if l == app.map_lane {
            app.map_pos.saturating_sub(per_row - 1)
        } else {
            0
        };
        for (k, _) in members.iter().enumerate().skip(first).take(per_row) {
            let x = cards_area.x + ((k - first) as u16) * CARD_W;
            out.push((
                l,
                k,
                Rect {
                    x,
                    y: cards_area.y,
                    width: CARD_W.min(cards_area.right().saturating_sub(x)),
                    height: cards_area.height,
                },
            ));
        }
    }
    out
}

pub(crate) fn lane_rects(body: Rect) -> Vec<Rect> {
    Layout::vertical([
        Constraint::Ratio(1, 3),
        Constraint::Ratio(1, 3),
        Constraint::Ratio(1, 3),
    ])
    .split(body)
    .to_vec()
}

pub(crate) fn insp_split(body: Rect) -> (Rect, Rect) {
    let r = Layout::horizontal([Constraint::Length(28), Constraint::Min(0)]).split(body);
    (r[0], r[1])
}

/// First visible row of a scrolled list keeping `sel` in view.
pub(crate) fn scroll_for(sel: usize, visible: usize) -> usize {
    if visible == 0 {
        0
    } else {
        sel.saturating_sub(visible - 1)
    }
}

pub(crate) const STRAT_H: u16 = 6;

pub(crate) fn strategy_rows(app: &App, body: Rect) -> (usize, usize) {
    let visible = ((body.height.saturating_sub(3)) / STRAT_H).max(1) as usize;
    (scroll_for(app.strat_sel, visible), visible)
}

// ---------------------------------------------------------------- funnel and escalation lanes

/// Rows of the full lane: a header line and cards of six text lines inside borders.
pub const FULL_HEIGHT: u16 = 9;
/// Rows the three stage lanes keep below a full lane (two rows of header and card each).
pub const STAGE_ROWS_FULL: u16 = 18;
/// Rows the stage lanes keep below the one-line summary.
pub const STAGE_ROWS_COMPACT: u16 = 15;
/// Narrowest card worth drawing.
pub const MIN_CARD_W: u16 = 24;

/// How much of the map the funnel lane takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LaneSize {
    /// Header and cards.
    Full,
    /// One summary line.
    Compact,
}

/// Splits the map's body into the funnel lane (if any) and what is left for the stage lanes.
/// Without an acquisition section the body is returned unchanged, so the map is exactly as
/// before.
pub fn funnel_split(app: &App, body: Rect) -> (Option<(Rect, LaneSize)>, Rect) {
    if app.scenario.acquisition.is_none() {
        return (None, body);
    }
    let (rows, size) = if body.height >= FULL_HEIGHT + STAGE_ROWS_FULL {
        (FULL_HEIGHT, LaneSize::Full)
    } else if body.height > STAGE_ROWS_COMPACT {
        (1, LaneSize::Compact)
    } else {
        return (None, body);
    };
    let lane = Rect {
        height: rows,
        ..body
    };
    let rest = Rect {
        y: body.y + rows,
        height: body.height - rows,
        ..body
    };
    (Some((lane, size)), rest)
}

/// Splits what the funnel lane left of the map into the stage lanes and, at the bottom, the
/// escalation lane (if any). Without an advocacy section the body is returned unchanged.
pub fn escalation_split(app: &App, body: Rect) -> (Rect, Option<(Rect, LaneSize)>) {
    if app.scenario.advocacy.is_none() {
        return (body, None);
    }
    let (rows, size) = if body.height >= FULL_HEIGHT + STAGE_ROWS_FULL {
        (FULL_HEIGHT, LaneSize::Full)
    } else if body.height > STAGE_ROWS_COMPACT {
        (1, LaneSize::Compact)
    } else {
        return (body, None);
    };
    let stages = Rect {
        height: body.height - rows,
        ..body
    };
    let lane = Rect {
        y: body.y + body.height - rows,
        height: rows,
        ..body
    };
    (stages, Some((lane, size)))
}

/// Where `n` cards go in a lane's `area` (below its header line): as many as fit at
/// [`MIN_CARD_W`] columns, side by side, the last taking the rounding remainder. Shared by
/// drawing and by mouse clicks.
pub fn card_rects(area: Rect, n: usize) -> Vec<Rect> {
    if area.width == 0 || area.height < 2 || n == 0 {
        return Vec::new();
    }
    let n = u16::try_from(n).unwrap_or(u16::MAX);
    let fit = (area.width / MIN_CARD_W).clamp(1, n);
    let card_w = area.width / fit;
    let cards_area = Rect {
        y: area.y + 1,
        height: area.height - 1,
        ..area
    };
    (0..fit)
        .map(|k| {
            let x = cards_area.x + k * card_w;
            let w = if k + 1 == fit {
                cards_area.right().saturating_sub(x)
            } else {
                card_w
            };
            Rect {
                x,
                width: w,
                ..cards_area
            }
        })
        .collect()
}
