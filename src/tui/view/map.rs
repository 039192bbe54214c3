//! The journey map: three stage lanes of touchpoint cards, with the funnel and escalation
//! lanes when the scenario has them.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Paragraph};

use super::has_problem_under;
use crate::format::{FollowOn, Stage, Trigger};
use crate::results::StrategyResult;
use crate::tui::app::{App, Pane};
use crate::tui::layout::{
    CARD_W, LaneSize, card_rects, escalation_split, funnel_split, lane_rects, map_cards,
};
use crate::tui::theme::Theme;

// ---------------------------------------------------------------- journey map

fn heat(share: f64) -> (&'static str, &'static str) {
    if share >= 0.20 {
        ("●", "high")
    } else if share >= 0.05 {
        ("◐", "mid")
    } else {
        ("○", "low")
    }
}

fn heat_style(th: Theme, share: f64) -> Style {
    if share >= 0.20 {
        th.bad()
    } else if share >= 0.05 {
        th.warn()
    } else {
        th.good()
    }
}

/// The results of the strategy the dashboard has selected.
fn selected_result(app: &App) -> Option<&StrategyResult> {
    let r = app.sim.results.as_ref()?;
    r.strategies.get(app.dash_sel).or(r.strategies.first())
}

/// What a touchpoint's failure or outcome sets off: "→ complaint".
fn follow_ons(app: &App, i: usize) -> Vec<String> {
    let s = &app.scenario;
    let Some(tp) = s.touchpoints.get(i) else {
        return Vec::new();
    };
    let opens = tp.on_failure.contains(&FollowOn::OpenIncident);
    let mut v: Vec<String> = s
        .touchpoints
        .iter()
        .filter(|t| match &t.trigger {
            Trigger::After { touchpoint, .. } => *touchpoint == tp.id,
            Trigger::OnIncident => opens,
            _ => false,
        })
        .map(|t| t.id.clone())
        .collect();
    if tp
        .on_failure
        .iter()
        .any(|f| matches!(f, FollowOn::Escalate { .. }))
    {
        v.push("escalation".into());
    }
    v
}

/// The funnel and escalation lanes' cards on the map (full lanes only, as drawn): where a click
/// on each goes (`Card::fields`) and its rectangle.
/// The card's short marks for a lifecycle window, a segment restriction and per-segment
/// overrides, so a touchpoint that is not the same for everyone in every period says so on the
/// map: " ◷1–3 ⊂smb ≠smb".
fn badges(tp: &crate::format::Touchpoint) -> String {
    use crate::format::When;
    let mut out = String::new();
    let window = match tp.when {
        When::Always => None,
        When::FirstPeriods(n) => Some(format!("1–{n}")),
        When::AtPeriod(t) => Some(format!("{t}")),
        When::FromPeriod(t) => Some(format!("{t}+")),
        When::EveryPeriods(k) => Some(format!("/{k}")),
        When::Renewal(k) => Some(format!("renew/{k}")),
        When::Periods { from, every, until } => {
            let end = until.map_or("+".to_string(), |u| format!("–{u}"));
            let step = if every > 1 {
                format!("/{every}")
            } else {
                String::new()
            };
            Some(format!("{from}{end}{step}"))
        }
    };
    if let Some(w) = window {
        out.push_str(&format!(" ◷{w}"));
    }
    if !tp.segments.is_empty() {
        out.push_str(&format!(" ⊂{}", tp.segments.join(",")));
    }
    if !tp.by_segment.is_empty() {
        let ids: Vec<&str> = tp.by_segment.keys().map(String::as_str).collect();
        out.push_str(&format!(" ≠{}", ids.join(",")));
    }
    out
}

pub fn lane_cards(app: &App, whole: Rect) -> Vec<(String, Rect)> {
    let res = app.sim.results.as_ref();
    let full = |lane: Option<(Rect, LaneSize)>| match lane {
        Some((area, LaneSize::Full)) if area.width > 0 && area.height >= 3 => Some(area),
        _ => None,
    };
    let mut out = Vec::new();
    let (funnel, body) = funnel_split(app, whole);
    if let (Some(area), Some(acq)) = (full(funnel), &app.scenario.acquisition) {
        let cards = super::funnel_lane::cards(acq, app.scenario.period.name(), res, app.dash_sel);
        let rects = card_rects(area, cards.len());
        out.extend(cards.into_iter().zip(rects).map(|(c, r)| (c.fields, r)));
    }
    let (_, escalation) = escalation_split(app, body);
    if let (Some(area), Some(adv)) = (full(escalation), &app.scenario.advocacy) {
        let cards = super::escalation_lane::cards(adv, app.scenario.period, res, app.dash_sel);
        let rects = card_rects(area, cards.len());
        out.extend(cards.into_iter().zip(rects).map(|(c, r)| (c.fields, r)));
    }
    out
}

pub(crate) fn draw_map(frame: &mut Frame, app: &App, whole: Rect, th: Theme) {
    // The funnel lane (issue 6) above the stages when the scenario has acquisition.
    let (funnel, body) = funnel_split(app, whole);
    if let Some((area, size)) = funnel {
        super::funnel_lane::draw(frame, app, area, size, th);
    }
    // The escalation lifecycle below them when the scenario has an advocacy programme.
    let (body, escalation) = escalation_split(app, body);
    if let Some((area, size)) = escalation {
        super::escalation_lane::draw(frame, app, area, size, th);
    }
    let lanes = lane_rects(body);
    let res = selected_result(app);
    for (l, r) in lanes.iter().enumerate() {
        let stage = Stage::ALL[l];
        let n = app.lane(l).len();
        let sel = app.map_lane == l && app.pane == Pane::Map;
        let per_row = (r.width / CARD_W).max(1) as usize;
        let more = if n > per_row {
            format!(" — {per_row} of {n} shown, ←→ scrolls")
        } else {
            String::new()
        };
        let head = format!(
            "{} {} ({n}){more}",
            if sel { "▶" } else { "▌" },
            stage.name()
        );
        let head_style = if sel { th.accent() } else { th.dim() };
        frame.render_widget(
            Paragraph::new(Line::from(Span::styled(head, head_style))),
            Rect {
                height: 1.min(r.height),
                ..*r
            },
        );
        if n == 0 && r.height > 1 {
            frame.render_widget(
                Paragraph::new("  (no touchpoints — a adds one here)").style(th.dim()),
                Rect {
                    y: r.y + 1,
                    height: 1,
                    ..*r
                },
            );
        }
    }
    for (l, k, rect) in map_cards(app, whole) {
        let Some(&i) = app.lane(l).get(k) else {
            continue;
        };
        let tp = &app.scenario.touchpoints[i];
        let selected = l == app.map_lane && k == app.map_pos;
        let bad = has_problem_under(app, &format!("touchpoints[{i}]"));
        let title = format!("{}{}", if bad { "✗ " } else { "" }, tp.id);
        let block = Block::default()
            .borders(Borders::ALL)
            .border_type(if selected {
                BorderType::Double
            } else {
                BorderType::Plain
            })
            .border_style(if selected {
                th.accent()
            } else if bad {
                th.bad()
            } else {
                th.dim()
            })
            .title(title);
        let inner_h = rect.height.saturating_sub(2) as usize;
        let tr = res.and_then(|r| r.touchpoints.iter().find(|t| t.id == tp.id));
        let heat_span = match tr {
            Some(t) => {
                let (sym, word) = heat(t.churn_share);
                Span::styled(
                    format!("{sym} churn {:.0}% {word}", t.churn_share * 100.0),
                    heat_style(th, t.churn_share),
                )
            }
            None => Span::styled("· churn n/a", th.dim()),
        };
        let fo = follow_ons(app, i);
        let fo_text = if fo.is_empty() {
            String::new()
        } else {
            format!("→ {}", fo.join(", "))
        };
        let chan = [tp.channel.as_str(), tp.owner.as_str()]
            .iter()
            .filter(|s| !s.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join(" · ");
        // Tall cards give the marks a line of their own, so long segment ids stay readable.
        let marks = badges(tp);
        let own_line = inner_h >= 6 && !marks.is_empty();
        let q = if own_line {
            format!("q {:.2}", tp.quality)
        } else {
            format!("q {:.2}{marks}", tp.quality)
        };
        let name = Line::from(Span::styled(
            tp.name.clone(),
            Style::default().add_modifier(Modifier::BOLD),
        ));
        let lines: Vec<Line> = if inner_h >= 5 {
            let mut l = vec![name, Line::from(chan), Line::from(q)];
            if own_line {
                l.push(Line::from(marks.trim_start().to_string()));
            }
            l.push(Line::from(heat_span));
            l.push(Line::from(Span::styled(fo_text, th.accent())));
            l
        } else if inner_h == 4 {
            vec![
                name,
                Line::from(chan),
                Line::from(vec![Span::raw(format!("{q} ")), heat_span]),
                Line::from(Span::styled(fo_text, th.accent())),
            ]
        } else {
            vec![
                name,
                Line::from(format!("{q} {chan}")),
                Line::from(vec![
                    heat_span,
                    Span::styled(format!(" {fo_text}"), th.accent()),
                ]),
            ]
        };
        frame.render_widget(Paragraph::new(lines).block(block), rect);
    }
}
