//! Rendering: pure functions of `&App` into a frame, one file per screen; the geometry they
//! share with mouse hit-testing is in `layout`, the styles in `theme`.

pub mod analysis;
pub mod dashboard;
pub mod escalation_lane;
pub mod funnel_lane;
pub mod help;
pub mod inspector;
pub mod map;
pub mod strategies;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph, Wrap};

use crate::tui::app::{App, Dialog, EditTarget, Screen, thousands};
use crate::tui::keys::{self, Ctx};
use crate::tui::layout::{MIN_H, MIN_W, regions, tab_spans, too_small};
use crate::tui::theme::Theme;
use crate::tui::worker::Phase;
use dashboard::draw_dashboard;
use help::draw_help;
use inspector::draw_inspector;
use map::draw_map;
use strategies::draw_strategies;

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
        Screen::Analysis => analysis::draw(frame, app, r.body),
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

pub(crate) fn sim_text(app: &App) -> (String, Style, Theme) {
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

pub(crate) fn has_problem_under(app: &App, prefix: &str) -> bool {
    app.problems.iter().any(|p| {
        p.path == prefix
            || p.path
                .strip_prefix(prefix)
                .is_some_and(|rest| rest.starts_with('.') || rest.starts_with('['))
    })
}
