//! Rendering: pure functions of `&App` into a frame, plus the hit-testing that maps mouse
//! positions back through the same layout functions.

use crossterm::event::{MouseEvent, MouseEventKind};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{
    Axis, Block, BorderType, Borders, Chart, Clear, Dataset, GraphType, Paragraph, Wrap,
};

use super::app::{Action, App, Dialog, EditTarget, Pane, Screen, thousands};
use super::fields::{self, Kind, Obj};
use super::keys::{self, Cmd, Ctx, HELP_ORDER, KEYS};
use super::worker::Phase;
use crate::engine::M_NPV;
use crate::format::{FollowOn, Stage, Trigger};
use crate::results::{Estimate, RunResults, StrategyResult};

/// The smallest terminal the studio lays out for.
pub const MIN_W: u16 = 80;
pub const MIN_H: u16 = 24;

/// Styles that collapse to plain text attributes when colour is off (NO_COLOR).
#[derive(Clone, Copy)]
pub struct Theme {
    pub color: bool,
}

impl Theme {
    pub(crate) fn fg(self, c: Color) -> Style {
        if self.color {
            Style::default().fg(c)
        } else {
            Style::default()
        }
    }
    fn sel(self) -> Style {
        if self.color {
            Style::default().fg(Color::Black).bg(Color::Cyan)
        } else {
            Style::default().add_modifier(Modifier::REVERSED)
        }
    }
    pub(crate) fn accent(self) -> Style {
        self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
    }
    pub(crate) fn dim(self) -> Style {
        self.fg(Color::DarkGray)
    }
    fn good(self) -> Style {
        self.fg(Color::Green)
    }
    pub(crate) fn warn(self) -> Style {
        self.fg(Color::Yellow)
    }
    pub(crate) fn bad(self) -> Style {
        self.fg(Color::Red)
    }
    fn series(self, k: usize) -> Style {
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

fn too_small(area: Rect) -> bool {
    area.width < MIN_W || area.height < MIN_H
}

/// Draws the whole app.
pub fn draw(frame: &mut Frame, app: &App) {
    let area = frame.area();
    let th = Theme { color: app.color };
    if area.width == 0 || area.height == 0 {
        return;
    }
    if too_small(area) {
        let msg = format!(
            "Please enlarge the terminal: the studio needs at least {MIN_W}×{MIN_H}, this one is {}×{}. q quits.",
            area.width, area.height
        );
        frame.render_widget(
            Paragraph::new(msg)
                .wrap(Wrap { trim: true })
                .style(th.warn()),
            area,
        );
        return;
    }
    let r = regions(area);
    draw_title(frame, app, r.title, th);
    draw_tabs(frame, app, r.tabs, th);
    match app.screen() {
        Screen::Map => draw_map(frame, app, r.body, th),
        Screen::Inspector => draw_inspector(frame, app, r.body, th),
        Screen::Strategies => draw_strategies(frame, app, r.body, th),
        Screen::Dashboard => draw_dashboard(frame, app, r.body, th),
        Screen::Analysis => super::analysis::draw(frame, app, r.body),
    }
    draw_status(frame, app, r.status, th);
    draw_hints(frame, app, r.hints, th);
    if let Some(e) = &app.editor
        && let EditTarget::SaveAs { .. } = e.target
    {
        let text = vec![
            Line::from("The built-in example has no file yet. Save as:"),
            Line::from(vec![Span::styled(format!(" {}", e.shown()), th.sel())]),
            Line::from(Span::styled(e.check.clone().unwrap_or_default(), th.warn())),
            Line::from("Enter save · Esc cancel"),
        ];
        popup(frame, area, " Save as ", text, th);
    }
    if let Some(d) = &app.dialog {
        draw_dialog(frame, app, d, area, th);
    }
    if app.help {
        draw_help(frame, app, area, th);
    }
}

fn draw_title(frame: &mut Frame, app: &App, area: Rect, th: Theme) {
    let dirty = if app.dirty() { "*" } else { "" };
    let right = format!("n {} · seed {} ", thousands(app.customers), app.seed);
    // The file name may be cut; the customers and seed stay visible.
    let room = (area.width as usize).saturating_sub(right.chars().count() + 1);
    let left: String = format!(
        " cxsim — {}{dirty} · {}{dirty}",
        app.scenario.name, app.display_name
    )
    .chars()
    .take(room)
    .collect();
    let w = area.width as usize;
    let pad = w.saturating_sub(left.chars().count() + right.chars().count());
    let line = Line::from(vec![
        Span::styled(left, th.accent()),
        Span::raw(" ".repeat(pad)),
        Span::styled(right, th.dim()),
    ]);
    frame.render_widget(Paragraph::new(line), area);
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

fn draw_tabs(frame: &mut Frame, app: &App, area: Rect, th: Theme) {
    let mut spans = vec![Span::raw(" ")];
    for (s, _, _, t) in tab_spans(area) {
        if s == app.screen() {
            spans.push(Span::styled(t, th.sel().add_modifier(Modifier::BOLD)));
        } else {
            spans.push(Span::raw(t));
        }
        spans.push(Span::styled("│", th.dim()));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn sim_text(app: &App) -> (String, Style, Theme) {
    let th = Theme { color: app.color };
    if !app.problems.is_empty() {
        let n = app.problems.len();
        return (
            format!(
                "✗ {n} problem{} — simulation paused until fixed (see Inspector)",
                if n == 1 { "" } else { "s" }
            ),
            th.bad(),
            th,
        );
    }
    if let Some(e) = &app.sim.error {
        return (format!("⚠ {e}"), th.bad(), th);
    }
    if let Some((phase, done, total)) = app.sim.progress {
        let pct = if total == 0 {
            0.0
        } else {
            done as f64 / total as f64 * 100.0
        };
        let what = match phase {
            Phase::Preview => "preview",
            Phase::Full => "full run",
        };
        return (
            format!("⟳ {what} {pct:.0}% of {} customers", thousands(total)),
            th.warn(),
            th,
        );
    }
    match (&app.sim.results, app.sim.results_phase) {
        (Some(r), _) if app.sim.results_generation != app.generation => (
            format!(
                "⟳ updating… (showing {} customers, older edit)",
                thousands(r.customers)
            ),
            th.warn(),
            th,
        ),
        (Some(r), Some(Phase::Preview)) => (
            format!("◐ preview of {} customers", thousands(r.customers)),
            th.warn(),
            th,
        ),
        (Some(r), _) => (
            format!("✓ results of {} customers", thousands(r.customers)),
            th.good(),
            th,
        ),
        (None, _) => ("⟳ waiting for the first results…".into(), th.warn(), th),
    }
}

fn draw_status(frame: &mut Frame, app: &App, area: Rect, _th: Theme) {
    let (sim, style, th) = sim_text(app);
    let w = area.width as usize;
    let left = if app.status.is_empty() {
        String::new()
    } else {
        format!(" {}", app.status)
    };
    let sim = format!("{sim} ");
    let pad = w.saturating_sub(left.chars().count() + sim.chars().count());
    let line = Line::from(vec![
        Span::styled(left, th.accent()),
        Span::raw(" ".repeat(pad)),
        Span::styled(sim, style),
    ]);
    frame.render_widget(Paragraph::new(line), area);
}

fn draw_hints(frame: &mut Frame, app: &App, area: Rect, th: Theme) {
    let ctx = if app.help { Ctx::Global } else { app.ctx() };
    let mut spans = Vec::new();
    for (label, desc) in fit_hints(keys::hints(ctx), area.width as usize) {
        spans.push(Span::styled(format!(" {label}"), th.accent()));
        spans.push(Span::raw(format!(" {desc}")));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// The hints that fit in `width` columns, whole ones only and in table order; `? help` is kept
/// even when others have to go, because it leads to all the rest.
fn fit_hints(
    hints: Vec<(&'static str, &'static str)>,
    width: usize,
) -> Vec<(&'static str, &'static str)> {
    let cost = |(l, d): &(&str, &str)| l.chars().count() + d.chars().count() + 2;
    let help = hints.iter().copied().find(|h| h.0 == "?");
    let mut reserve = help.as_ref().map_or(0, cost);
    let mut used = 0;
    let mut out = Vec::new();
    for h in hints {
        let is_help = Some(h) == help;
        if is_help {
            reserve = 0;
        }
        if used + cost(&h) + reserve > width {
            continue;
        }
        used += cost(&h);
        out.push(h);
    }
    out
}

fn popup(frame: &mut Frame, area: Rect, title: &str, lines: Vec<Line>, th: Theme) {
    let w = (lines.iter().map(|l| l.width()).max().unwrap_or(20) as u16 + 4)
        .clamp(30, area.width.saturating_sub(4).max(1));
    let h = (lines.len() as u16 + 2).min(area.height);
    let rect = Rect {
        x: area.x + area.width.saturating_sub(w) / 2,
        y: area.y + area.height.saturating_sub(h) / 2,
        width: w.min(area.width),
        height: h,
    };
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: false }).block(
            Block::default()
                .borders(Borders::ALL)
                .border_type(BorderType::Double)
                .border_style(th.accent())
                .title(title.to_string()),
        ),
        rect,
    );
}

fn draw_dialog(frame: &mut Frame, app: &App, d: &Dialog, area: Rect, th: Theme) {
    let file = &app.display_name;
    let (title, lines): (&str, Vec<String>) = match d {
        Dialog::ConfirmDelete(obj) => (
            " Delete ",
            vec![
                format!("Delete {}?", obj.title(&app.scenario)),
                "References to it will be flagged; u undoes.".into(),
                String::new(),
                "y delete · n/Esc keep it".into(),
            ],
        ),
        Dialog::ConfirmRemoveItem(item) => (
            " Remove ",
            vec![
                format!("Remove {}?", item.title(&app.scenario)),
                "u undoes.".into(),
                String::new(),
                "y remove · n/Esc keep it".into(),
            ],
        ),
        Dialog::Quit => (
            " Unsaved changes ",
            vec![
                format!("{file} has unsaved changes."),
                String::new(),
                "s save and quit · d discard and quit · c/Esc cancel".into(),
            ],
        ),
        Dialog::Reload => (
            " File changed on disk ",
            vec![
                format!("{file} was changed by another program."),
                String::new(),
                "r reload it (u undoes the reload) · Esc keep your version".into(),
            ],
        ),
        Dialog::Recovery { path, .. } => (
            " Recover unsaved work? ",
            vec![
                "An earlier session ended with unsaved work, kept in".into(),
                path.display().to_string(),
                String::new(),
                "r restore it · d discard it · Esc decide later".into(),
            ],
        ),
        Dialog::CommentsWarning { .. } => (
            " Comments will be dropped ",
            vec![
                format!("{file} contains comments (// or /* */)."),
                "Saving writes canonical RON, which drops them;".into(),
                "the previous file stays in the .bak copy.".into(),
                "Keep remarks in the `notes` fields instead.".into(),
                String::new(),
                "y save anyway (asked once) · n/Esc cancel".into(),
            ],
        ),
        Dialog::Message(m) => (" Note ", vec![m.clone(), String::new(), "Esc close".into()]),
    };
    popup(
        frame,
        area,
        title,
        lines.into_iter().map(Line::from).collect(),
        th,
    );
}

fn draw_help(frame: &mut Frame, app: &App, area: Rect, th: Theme) {
    let mut lines = vec![Line::from(Span::styled(
        "Keys (from the same table that drives the app) — ↑↓ scroll, any other key closes",
        th.dim(),
    ))];
    for ctx in HELP_ORDER {
        lines.push(Line::from(Span::styled(ctx.title(), th.accent())));
        for b in KEYS.iter().filter(|b| b.ctx == ctx) {
            lines.push(Line::from(format!("  {:<9} {}", b.label, b.desc)));
        }
    }
    let h = area.height.saturating_sub(2);
    let w = area.width.saturating_sub(6).min(76);
    let rect = Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + 1,
        width: w,
        height: h,
    };
    let max_scroll = (lines.len() as u16).saturating_sub(h.saturating_sub(2));
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines)
            .scroll((app.help_scroll.min(max_scroll), 0))
            .block(
                Block::default()
                    .borders(Borders::ALL)
                    .border_type(BorderType::Double)
                    .title(" Help (?) "),
            ),
        rect,
    );
}

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

const CARD_W: u16 = 26;

/// The funnel and escalation lanes' cards on the map (full lanes only, as drawn): where a click
/// on each goes (`Card::fields`) and its rectangle.
pub fn lane_cards(app: &App, whole: Rect) -> Vec<(String, Rect)> {
    use super::funnel_lane::{LaneSize, card_rects};
    let res = app.sim.results.as_ref();
    let full = |lane: Option<(Rect, LaneSize)>| match lane {
        Some((area, LaneSize::Full)) if area.width > 0 && area.height >= 3 => Some(area),
        _ => None,
    };
    let mut out = Vec::new();
    let (funnel, body) = super::funnel_lane::split(app, whole);
    if let (Some(area), Some(acq)) = (full(funnel), &app.scenario.acquisition) {
        let cards = super::funnel_lane::cards(acq, app.scenario.period.name(), res, app.dash_sel);
        let rects = card_rects(area, cards.len());
        out.extend(cards.into_iter().zip(rects).map(|(c, r)| (c.fields, r)));
    }
    let (_, escalation) = super::escalation_lane::split(app, body);
    if let (Some(area), Some(adv)) = (full(escalation), &app.scenario.advocacy) {
        let cards = super::escalation_lane::cards(adv, app.scenario.period, res, app.dash_sel);
        let rects = card_rects(area, cards.len());
        out.extend(cards.into_iter().zip(rects).map(|(c, r)| (c.fields, r)));
    }
    out
}

/// Card rectangles: (lane, position in lane, rect). Shared by drawing and clicks.
pub fn map_cards(app: &App, body: Rect) -> Vec<(usize, usize, Rect)> {
    let mut out = Vec::new();
    let (_, body) = super::funnel_lane::split(app, body);
    let (body, _) = super::escalation_lane::split(app, body);
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

fn lane_rects(body: Rect) -> Vec<Rect> {
    Layout::vertical([
        Constraint::Ratio(1, 3),
        Constraint::Ratio(1, 3),
        Constraint::Ratio(1, 3),
    ])
    .split(body)
    .to_vec()
}

fn has_problem_under(app: &App, prefix: &str) -> bool {
    app.problems.iter().any(|p| {
        p.path == prefix
            || p.path
                .strip_prefix(prefix)
                .is_some_and(|rest| rest.starts_with('.') || rest.starts_with('['))
    })
}

fn draw_map(frame: &mut Frame, app: &App, whole: Rect, th: Theme) {
    // The funnel lane (issue 6) above the stages when the scenario has acquisition.
    let (funnel, body) = super::funnel_lane::split(app, whole);
    if let Some((area, size)) = funnel {
        super::funnel_lane::draw(frame, app, area, size, th);
    }
    // The escalation lifecycle below them when the scenario has an advocacy programme.
    let (body, escalation) = super::escalation_lane::split(app, body);
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
        let q = format!("q {:.2}", tp.quality);
        let name = Line::from(Span::styled(
            tp.name.clone(),
            Style::default().add_modifier(Modifier::BOLD),
        ));
        let lines: Vec<Line> = if inner_h >= 5 {
            vec![
                name,
                Line::from(chan),
                Line::from(q),
                Line::from(heat_span),
                Line::from(Span::styled(fo_text, th.accent())),
            ]
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

// ---------------------------------------------------------------- inspector

fn insp_split(body: Rect) -> (Rect, Rect) {
    let r = Layout::horizontal([Constraint::Length(28), Constraint::Min(0)]).split(body);
    (r[0], r[1])
}

/// First visible row of a scrolled list keeping `sel` in view.
fn scroll_for(sel: usize, visible: usize) -> usize {
    if visible == 0 {
        0
    } else {
        sel.saturating_sub(visible - 1)
    }
}

fn draw_inspector(frame: &mut Frame, app: &App, body: Rect, th: Theme) {
    let (list, form) = insp_split(body);
    let objs = app.objects();
    let focus_list = app.pane == Pane::InspList;
    let inner_h = list.height.saturating_sub(2) as usize;
    let first = scroll_for(app.insp_obj, inner_h);
    let lines: Vec<Line> = objs
        .iter()
        .enumerate()
        .skip(first)
        .take(inner_h)
        .map(|(k, o)| {
            let bad = match o {
                Obj::Settings => app.problems.iter().any(|p| {
                    !p.path.starts_with("segments[")
                        && !p.path.starts_with("touchpoints[")
                        && !p.path.starts_with("strategies[")
                }),
                _ => has_problem_under(app, &o.path()),
            };
            let mark = if bad { "✗ " } else { "  " };
            let text = format!("{mark}{}", o.title(&app.scenario));
            if k == app.insp_obj {
                Line::from(Span::styled(
                    format!("{text:<w$}", w = list.width.saturating_sub(2) as usize),
                    if focus_list {
                        th.sel()
                    } else {
                        Style::default().add_modifier(Modifier::BOLD)
                    },
                ))
            } else if bad {
                Line::from(Span::styled(text, th.bad()))
            } else {
                Line::from(text)
            }
        })
        .collect();
    frame.render_widget(
        Paragraph::new(lines).block(
            Block::default()
                .borders(Borders::ALL)
                .border_style(if focus_list { th.accent() } else { th.dim() })
                .title(" Objects "),
        ),
        list,
    );
    let (lines, sel_line, _) = form_lines(app, form.width.saturating_sub(2), th);
    let inner_h = form.height.saturating_sub(2) as usize;
    let first = scroll_for(sel_line + 2, inner_h).min(lines.len().saturating_sub(1));
    let focus_form = app.pane == Pane::InspForm;
    frame.render_widget(
        Paragraph::new(lines).scroll((first as u16, 0)).block(
            Block::default()
                .borders(Borders::ALL)
                .border_style(if focus_form { th.accent() } else { th.dim() })
                .title(format!(" {} ", app.current_obj().title(&app.scenario))),
        ),
        form,
    );
}

/// The form's lines, the line of the selected field, and for each line the field it shows.
fn form_lines(app: &App, width: u16, th: Theme) -> (Vec<Line<'static>>, usize, Vec<Option<usize>>) {
    let obj = app.current_obj();
    let fs = app.current_fields();
    let mut lines = Vec::new();
    let mut owner = Vec::new();
    let mut sel_line = 0;
    // Problems of the object that belong to no single field (e.g. shares that do not sum to 1).
    let prefix = obj.path();
    let field_paths: Vec<&str> = fs.iter().map(|f| f.path.as_str()).collect();
    for p in &app.problems {
        let mine = match obj {
            Obj::Settings => !p.path.contains('[') && !field_paths.contains(&p.path.as_str()),
            _ => {
                (p.path == prefix
                    || p.path
                        .strip_prefix(&prefix)
                        .is_some_and(|r| r.starts_with('.')))
                    && !field_paths.contains(&p.path.as_str())
            }
        };
        if mine {
            lines.push(Line::from(Span::styled(
                format!("✗ {}: {}", p.path, p.message),
                th.bad(),
            )));
            owner.push(None);
            if !p.hint.is_empty() {
                lines.push(Line::from(Span::styled(
                    format!("  hint: {}", p.hint),
                    th.dim(),
                )));
                owner.push(None);
            }
        }
    }
    let focus = app.pane == Pane::InspForm;
    let label_w = 26usize;
    for (k, f) in fs.iter().enumerate() {
        let selected = k == app.insp_field;
        let editing = app
            .editor
            .as_ref()
            .filter(|e| e.target == EditTarget::Field { obj, field: k });
        let value = match (&f.kind, editing) {
            (_, Some(e)) => e.shown(),
            (Kind::Choice(_), None) => format!("◀ {} ▶", f.display(&app.scenario)),
            _ => f.display(&app.scenario),
        };
        let range = match (&f.kind, selected) {
            (Kind::Num { min, max, int }, true) => {
                let lo = if *min > 0.0 && *min < 1e-100 {
                    "> 0".to_string()
                } else {
                    format!("≥ {}", fields::fmt_num(*min))
                };
                let hi = if max.is_finite() && *max < 1e9 {
                    format!(", ≤ {}", fields::fmt_num(*max))
                } else {
                    String::new()
                };
                format!("  ({lo}{hi}{})", if *int { ", whole" } else { "" })
            }
            _ => String::new(),
        };
        // A field of a funnel, role or policy says how to add or remove one.
        let range = match fields::Item::of_path(&f.path) {
            Some(item) if selected => {
                format!(
                    "{range}  a: add another {} · x: remove it",
                    item.list.noun()
                )
            }
            _ => range,
        };
        let marker = if selected { "▶ " } else { "  " };
        let text = format!("{marker}{:<label_w$} {value}", f.label);
        if selected {
            sel_line = lines.len();
        }
        let style = if selected && focus && editing.is_none() {
            th.sel()
        } else if selected {
            Style::default().add_modifier(Modifier::BOLD)
        } else {
            Style::default()
        };
        let pad = (width as usize).saturating_sub(text.chars().count() + range.chars().count());
        lines.push(Line::from(vec![
            Span::styled(text, style),
            Span::styled(range, th.dim()),
            Span::raw(" ".repeat(if selected { pad } else { 0 })),
        ]));
        owner.push(Some(k));
        if let Some(e) = editing
            && let Some(c) = &e.check
        {
            lines.push(Line::from(Span::styled(format!("    ⚠ {c}"), th.warn())));
            owner.push(Some(k));
        }
        for p in app.problems_at(&f.path) {
            lines.push(Line::from(Span::styled(
                format!("    ✗ {}", p.message),
                th.bad(),
            )));
            owner.push(Some(k));
            if !p.hint.is_empty() {
                lines.push(Line::from(Span::styled(
                    format!("      hint: {}", p.hint),
                    th.dim(),
                )));
                owner.push(Some(k));
            }
        }
    }
    (lines, sel_line, owner)
}

// ---------------------------------------------------------------- strategies

const STRAT_H: u16 = 6;

fn strategy_rows(app: &App, body: Rect) -> (usize, usize) {
    let visible = ((body.height.saturating_sub(3)) / STRAT_H).max(1) as usize;
    (scroll_for(app.strat_sel, visible), visible)
}

fn draw_strategies(frame: &mut Frame, app: &App, body: Rect, th: Theme) {
    let focus = app.pane == Pane::Strategies;
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(if focus { th.accent() } else { th.dim() })
        .title(
            " Strategies — the three shares always sum to 100 %: moving one rescales the others ",
        );
    let inner = block.inner(body);
    frame.render_widget(block, body);
    let (first, visible) = strategy_rows(app, body);
    let mut lines: Vec<Line> = Vec::new();
    let bar_w = (inner.width as usize).saturating_sub(34).clamp(10, 50);
    for (i, st) in app
        .scenario
        .strategies
        .iter()
        .enumerate()
        .skip(first)
        .take(visible)
    {
        let bad = has_problem_under(app, &format!("strategies[{i}]"));
        let head = format!(
            "{}{} {}",
            if bad { "✗ " } else { "" },
            st.name,
            if st.description.is_empty() {
                String::new()
            } else {
                format!("— {}", st.description)
            }
        );
        lines.push(Line::from(Span::styled(
            head,
            if i == app.strat_sel {
                th.accent()
            } else {
                Style::default().add_modifier(Modifier::BOLD)
            },
        )));
        for row in 0..4 {
            let sel = i == app.strat_sel && row == app.strat_row;
            let marker = if sel { "▶" } else { " " };
            let editing = app
                .editor
                .as_ref()
                .filter(|e| e.target == EditTarget::StrategyValue { strategy: i, row });
            let text = if row < 3 {
                let stage = Stage::ALL[row];
                let v = st.emphasis.get(stage);
                let filled = ((v.clamp(0.0, 1.0) * bar_w as f64).round() as usize).min(bar_w);
                let value = match editing {
                    Some(e) => format!("{} %", e.shown()),
                    None => format!("{:>5.1} %", v * 100.0),
                };
                format!(
                    "{marker} {:<13}[{}{}] {value}",
                    stage.name(),
                    "█".repeat(filled),
                    "░".repeat(bar_w - filled),
                )
            } else {
                let value = match editing {
                    Some(e) => e.shown(),
                    None => format!(
                        "{} {} per customer-period",
                        fields::fmt_num(st.budget),
                        app.scenario.currency
                    ),
                };
                format!("{marker} {:<13}{value}", "Budget")
            };
            lines.push(Line::from(Span::styled(
                text,
                if sel && focus && editing.is_none() {
                    th.sel()
                } else {
                    Style::default()
                },
            )));
        }
        let probs: Vec<String> = app
            .problems
            .iter()
            .filter(|p| p.path.starts_with(&format!("strategies[{i}]")))
            .map(|p| format!("  ✗ {}: {}", p.path, p.message))
            .collect();
        match (probs.first(), &app.editor) {
            (_, Some(e)) if matches!(e.target, EditTarget::StrategyName(k) | EditTarget::StrategyValue { strategy: k, .. } if k == i) =>
            {
                let what = if let EditTarget::StrategyName(_) = e.target {
                    format!("  name: {}", e.shown())
                } else {
                    String::new()
                };
                let check = e
                    .check
                    .as_ref()
                    .map(|c| format!(" ⚠ {c}"))
                    .unwrap_or_default();
                lines.push(Line::from(Span::styled(
                    format!("{what}{check}"),
                    th.warn(),
                )));
            }
            (Some(p), _) => lines.push(Line::from(Span::styled(p.clone(), th.bad()))),
            _ => lines.push(Line::from("")),
        }
    }
    if app.scenario.strategies.is_empty() {
        lines.push(Line::from("No strategies: press a to add one."));
    }
    let n = app.scenario.strategies.len();
    if n > visible {
        lines.push(Line::from(Span::styled(
            format!("showing {}–{} of {n}", first + 1, (first + visible).min(n)),
            th.dim(),
        )));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

// ---------------------------------------------------------------- dashboard

fn est(e: &Estimate) -> String {
    format!("{:.1} ±{:.1}", e.mean, e.hi - e.mean)
}

const MARKERS: [Marker; 4] = [
    Marker::Braille,
    Marker::Dot,
    Marker::Block,
    Marker::HalfBlock,
];

fn draw_dashboard(frame: &mut Frame, app: &App, body: Rect, th: Theme) {
    let Some(res) = app.sim.results.as_ref() else {
        let (msg, style, _) = sim_text(app);
        frame.render_widget(
            Paragraph::new(vec![
                Line::from(""),
                Line::from(Span::styled(format!("  {msg}"), style)),
                Line::from(""),
                Line::from("  The dashboard fills in as soon as the first preview run finishes."),
            ])
            .block(Block::default().borders(Borders::ALL).title(" Dashboard ")),
            body,
        );
        return;
    };
    let n_s = res.strategies.len();
    let table_h = (n_s as u16 + 5).min(body.height / 2).max(6);
    let r = Layout::vertical([Constraint::Min(6), Constraint::Length(table_h)]).split(body);
    let top =
        Layout::horizontal([Constraint::Percentage(60), Constraint::Percentage(40)]).split(r[0]);
    draw_retention(frame, app, res, top[0], th);
    let org = res
        .strategies
        .get(app.dash_sel)
        .and_then(|s| s.organisation.as_ref().map(|o| (s, o)));
    if res.acquisition.is_some() && top[1].height >= super::acquisition::HEIGHT + 6 {
        // The acquisition leg (issue 6) under the triad chart.
        let right = Layout::vertical([
            Constraint::Min(6),
            Constraint::Length(super::acquisition::HEIGHT),
        ])
        .split(top[1]);
        draw_triad(frame, app, res, right[0], th);
        super::acquisition::draw(frame, res, app.dash_sel, right[1], th.accent());
    } else if res
        .strategies
        .get(app.dash_sel)
        .is_some_and(|s| s.advocacy.is_some())
        && top[1].height >= super::advocacy_panel::HEIGHT + 6
    {
        // The advocacy programme (issue 6) under the triad chart.
        let right = Layout::vertical([
            Constraint::Min(6),
            Constraint::Length(super::advocacy_panel::HEIGHT),
        ])
        .split(top[1]);
        draw_triad(frame, app, res, right[0], th);
        super::advocacy_panel::draw(frame, res, app.dash_sel, right[1], th.accent());
    } else if res.strategies.iter().any(|s| s.accounts.is_some())
        && top[1].height >= super::accounts::HEIGHT + 6
    {
        // The whole customer (issue 6): accounts under the triad chart.
        let right = Layout::vertical([
            Constraint::Min(6),
            Constraint::Length(super::accounts::HEIGHT),
        ])
        .split(top[1]);
        draw_triad(frame, app, res, right[0], th);
        super::accounts::draw(frame, res, app.dash_sel, right[1], th.accent());
    } else if let Some((s, o)) = org {
        // The organisation panel (issue 7) shares the right column with the triad when the
        // selected strategy has organisation results.
        let right =
            Layout::vertical([Constraint::Percentage(40), Constraint::Min(6)]).split(top[1]);
        draw_triad(frame, app, res, right[0], th);
        frame.render_widget(
            Paragraph::new(super::org_panel::lines(o, right[1].width)).block(
                Block::default()
                    .borders(Borders::ALL)
                    .title(format!(" Organisation: {} ", s.name)),
            ),
            right[1],
        );
    } else {
        draw_triad(frame, app, res, top[1], th);
    }
    draw_metrics(frame, app, res, r[1], th);
}

type Points = Vec<(f64, f64)>;

fn draw_retention(frame: &mut Frame, app: &App, res: &RunResults, area: Rect, th: Theme) {
    let series: Vec<[Points; 3]> = res
        .strategies
        .iter()
        .map(|s| {
            [
                s.retention
                    .iter()
                    .map(|p| (p.period as f64, p.mean))
                    .collect(),
                s.retention
                    .iter()
                    .map(|p| (p.period as f64, p.lo))
                    .collect(),
                s.retention
                    .iter()
                    .map(|p| (p.period as f64, p.hi))
                    .collect(),
            ]
        })
        .collect();
    let min_y = res
        .strategies
        .iter()
        .flat_map(|s| s.retention.iter().map(|p| p.lo))
        .fold(1.0f64, f64::min);
    let lo_y = ((min_y * 10.0).floor() / 10.0).clamp(0.0, 0.9);
    let mut datasets = Vec::new();
    for (k, (s, [mean, lo, hi])) in res.strategies.iter().zip(&series).enumerate() {
        let style = th.series(k);
        let marker = if app.color {
            Marker::Braille
        } else {
            MARKERS[k % 4]
        };
        let sel = if k == app.dash_sel { "▶" } else { " " };
        datasets.push(
            Dataset::default()
                .name(format!("{sel}{}", s.name))
                .marker(marker)
                .graph_type(GraphType::Line)
                .style(style)
                .data(mean),
        );
        for band in [lo, hi] {
            datasets.push(
                Dataset::default()
                    .marker(Marker::Dot)
                    .graph_type(GraphType::Scatter)
                    .style(style.add_modifier(Modifier::DIM))
                    .data(band),
            );
        }
    }
    let h = res.horizon as f64;
    let chart = Chart::new(datasets)
        .hidden_legend_constraints((Constraint::Ratio(1, 2), Constraint::Ratio(1, 2)))
        .block(
            Block::default()
                .borders(Borders::ALL)
                .title(" Retention (share active, dots = 95 % band) "),
        )
        .x_axis(
            Axis::default()
                .title(res.period.clone())
                .bounds([0.0, h.max(1.0)])
                .labels(vec!["0".to_string(), format!("{}", res.horizon)]),
        )
        .y_axis(
            Axis::default()
                .bounds([lo_y, 1.0])
                .labels(vec![format!("{:.0}%", lo_y * 100.0), "100%".to_string()]),
        );
    frame.render_widget(chart, area);
}

fn draw_triad(frame: &mut Frame, app: &App, res: &RunResults, area: Rect, th: Theme) {
    let Some(s) = res.strategies.get(app.dash_sel).or(res.strategies.first()) else {
        return;
    };
    let pts = |f: fn(&crate::results::TriadPoint) -> f64| -> Vec<(f64, f64)> {
        s.triad.iter().map(|p| (p.period as f64, f(p))).collect()
    };
    let sat = pts(|p| p.satisfied);
    let ple = pts(|p| p.pleased);
    let loy = pts(|p| p.loyal);
    let mk = |k: usize| {
        if app.color {
            Marker::Braille
        } else {
            MARKERS[k]
        }
    };
    let datasets = vec![
        Dataset::default()
            .name("satisfied")
            .marker(mk(0))
            .graph_type(GraphType::Line)
            .style(th.series(3))
            .data(&sat),
        Dataset::default()
            .name("pleased")
            .marker(mk(1))
            .graph_type(GraphType::Line)
            .style(th.series(2))
            .data(&ple),
        Dataset::default()
            .name("loyal")
            .marker(mk(2))
            .graph_type(GraphType::Line)
            .style(th.series(1))
            .data(&loy),
    ];
    let chart = Chart::new(datasets)
        .hidden_legend_constraints((Constraint::Ratio(1, 2), Constraint::Ratio(1, 2)))
        .block(
            Block::default()
                .borders(Borders::ALL)
                .title(format!(" Triad states: {} ", s.name)),
        )
        .x_axis(
            Axis::default()
                .bounds([0.0, (res.horizon as f64).max(1.0)])
                .labels(vec!["0".to_string(), format!("{}", res.horizon)]),
        )
        .y_axis(
            Axis::default()
                .bounds([0.0, 1.0])
                .labels(vec!["0".to_string(), "1".to_string()]),
        );
    frame.render_widget(chart, area);
}

fn draw_metrics(frame: &mut Frame, app: &App, res: &RunResults, area: Rect, th: Theme) {
    let base = app.baseline.min(res.strategies.len().saturating_sub(1));
    let base_name = res.strategies.get(base).map_or("", |s| s.name.as_str());
    // Narrow terminals drop the CLV column; the rest always fits in 78 columns.
    let wide = area.width >= 100;
    let clv_head = if wide {
        format!(" {:>14}", "CLV")
    } else {
        String::new()
    };
    let mut lines = vec![Line::from(Span::styled(
        format!(
            "  {:<14} {:>14}{clv_head} {:>9} {:>8} {:>15} sig",
            "strategy",
            format!("NPV/cust {}", res.currency),
            "revenue",
            "cost",
            "ΔNPV vs base",
        ),
        Style::default().add_modifier(Modifier::BOLD),
    ))];
    for (k, s) in res.strategies.iter().enumerate() {
        let (delta, sig) = if k == base {
            ("baseline".to_string(), "—".to_string())
        } else {
            match res.paired_difference(base, k, M_NPV) {
                Some(d) => (
                    format!("{:+.1} ±{:.1}", d.mean, d.hi - d.mean),
                    if d.significant() {
                        "✓".into()
                    } else {
                        "~".into()
                    },
                ),
                None => ("n/a".into(), "".into()),
            }
        };
        let name: String = s.name.chars().take(14).collect();
        let clv = if wide {
            format!(" {:>14}", est(&s.clv_per_customer))
        } else {
            String::new()
        };
        let text = format!(
            "{} {:<14} {:>14}{clv} {:>9.1} {:>8.1} {:>15} {sig}",
            if k == app.dash_sel { "▶" } else { " " },
            name,
            est(&s.npv_per_customer),
            s.revenue_per_customer.mean,
            s.cost_per_customer.mean,
            delta,
        );
        lines.push(Line::from(Span::styled(
            text,
            if k == app.dash_sel && app.pane == Pane::Dashboard {
                th.sel()
            } else {
                th.series(k)
            },
        )));
    }
    lines.push(Line::from(Span::styled(
        format!("  baseline = {base_name}; ✓ the 95 % interval of the paired difference excludes 0, ~ it does not"),
        th.dim(),
    )));
    if let Some(s) = res.strategies.get(app.dash_sel) {
        let c = s.churn_by_stage;
        let scale = if wide { 10.0 } else { 4.0 };
        let bar = |v: f64| "█".repeat((v * scale).round() as usize);
        lines.push(Line::from(format!(
            "  churn cause ({}): Purchase {:.0}% {} Exception {:.0}% {} Relationship {:.0}% {} none {:.0}%",
            s.name,
            c.purchase * 100.0,
            bar(c.purchase),
            c.exception * 100.0,
            bar(c.exception),
            c.relationship * 100.0,
            bar(c.relationship),
            c.none * 100.0,
        )));
        if let Some(last) = s.retention.last() {
            lines.push(Line::from(format!(
                "  retained after {} {}s: {:.1}% [{:.1}–{:.1}] · lifetime {:.1} periods",
                last.period,
                res.period,
                last.mean * 100.0,
                last.lo * 100.0,
                last.hi * 100.0,
                s.lifetime_periods.mean
            )));
        }
    }
    frame.render_widget(
        Paragraph::new(lines).block(
            Block::default()
                .borders(Borders::ALL)
                .border_style(if app.pane == Pane::Dashboard {
                    th.accent()
                } else {
                    th.dim()
                })
                .title(" Metrics per initial customer (mean ±95 %) — b sets the baseline "),
        ),
        area,
    );
}

// ---------------------------------------------------------------- mouse

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
    if !super::app::is_click(m) {
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
