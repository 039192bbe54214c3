//! Drawing the analysis screen: pure functions of `&App`; chart data comes from
//! `crate::report::chart` (the same functions the SVG reports use).

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use crate::analysis::diagnose::Diagnosis;
use crate::analysis::optimize::{self};
use crate::analysis::sensitivity::Sensitivity;
use crate::fmt::group_thousands;
use crate::report::chart;
use crate::report::diagnose::pct;
use crate::report::{fmt_diff, fmt_interval, fmt_value};
use crate::results::Estimate;
use crate::tui::analysis::{Output, View, analysis_customers};
use crate::tui::app::App;
use crate::tui::theme::Theme;

/// Draws the analysis screen into the body area.
pub fn draw(frame: &mut Frame, app: &App, area: Rect) {
    let look = Theme { color: app.color };
    let rows = Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).split(area);
    frame.render_widget(Paragraph::new(header_line(app, look)), rows[0]);
    let title = format!(" {} ", app.analysis.view.title());
    let block = Block::default().borders(Borders::ALL).title(title);
    let inner = block.inner(rows[1]);
    frame.render_widget(block, rows[1]);
    let lines = match app.analysis_output() {
        None => vec![Line::from(Span::styled(
            match (&app.analysis.error, app.problems.is_empty()) {
                (Some(e), _) => format!("✗ {e} — r runs it again"),
                (None, false) => "the scenario has problems: fix them to analyse it".into(),
                (None, true) => "⟳ analysing…".into(),
            },
            look.warn(),
        ))],
        Some((out, _)) => match out {
            Output::Optimize(o) => {
                draw_ternary(frame, o, inner, look);
                return;
            }
            Output::Sensitivity(s) => tornado_lines(s, inner.width, look),
            Output::Diagnose(d) => diagnosis_lines(d, look),
        },
    };
    let scroll = app
        .analysis
        .scroll
        .min((lines.len() as u16).saturating_sub(inner.height));
    frame.render_widget(Paragraph::new(lines).scroll((scroll, 0)), inner);
}

fn header_line(app: &App, look: Theme) -> Line<'static> {
    let a = &app.analysis;
    let mut spans = vec![Span::raw(" ")];
    for v in View::ALL {
        let t = format!(" {} ", v.title());
        if v == a.view {
            spans.push(Span::styled(
                t,
                look.accent().add_modifier(Modifier::REVERSED),
            ));
        } else {
            spans.push(Span::raw(t));
        }
    }
    let what = match a.view {
        View::Optimize => format!("objective {}", a.objective.metric().name()),
        View::Sensitivity => format!(
            "{} · {}",
            app.scenario
                .strategies
                .get(a.strategy)
                .map_or("", |s| s.name.as_str()),
            a.metric.name()
        ),
        View::Diagnose => app
            .scenario
            .strategies
            .get(a.strategy)
            .map_or(String::new(), |s| s.name.clone()),
    };
    spans.push(Span::styled(format!(" {what} "), look.dim()));
    let state = if let Some((done, total)) = a.progress {
        let n = analysis_customers(app.customers);
        match a.view {
            View::Optimize if done > 0 => format!("⟳ {done} splits × {}", thousands(n)),
            _ if total > 0 => format!(
                "⟳ {:.0}% of {}",
                done as f64 / total as f64 * 100.0,
                thousands(total)
            ),
            _ => format!("⟳ starting ({} customers/variant)", thousands(n)),
        }
    } else if let Some((o, current)) = app.analysis_output() {
        let n = match o {
            Output::Optimize(o) => o.customers,
            Output::Sensitivity(s) => s.customers,
            Output::Diagnose(d) => d.customers,
        };
        if current {
            format!("✓ {} customers/variant", thousands(n))
        } else {
            "older result".into()
        }
    } else {
        String::new()
    };
    spans.push(Span::styled(state, look.warn()));
    Line::from(spans)
}

fn thousands(n: u64) -> String {
    group_thousands(n)
}

/// Shade glyphs from low to high value (legible without colour).
pub const SHADES: [char; 5] = ['·', '░', '▒', '▓', '█'];
/// The same five levels for splits statistically indistinguishable from the best.
pub const CLOSE_SHADES: [char; 5] = ['∙', '∘', '○', '◎', '●'];
/// The best split on the map.
pub const BEST: char = '★';

/// The heat map as rows of (glyph, shade level 0..1) cells, `w` × `h`, Purchase bottom left,
/// Exception bottom right, Relationship at the top. Each cell shows the evaluated split nearest
/// to the point of the simplex it covers.
pub fn ternary_cells(t: &chart::Ternary, w: usize, h: usize) -> Vec<Vec<Option<(char, f64)>>> {
    let mut grid = vec![vec![None; w]; h];
    if t.points.is_empty() || w < 3 || h < 2 {
        return grid;
    }
    let (lo, hi) = t.range();
    let level = |v: f64| if hi > lo { (v - lo) / (hi - lo) } else { 1.0 };
    let half = (w - 1) as f64 / 2.0;
    let mut best_cell = None;
    let mut best_dist = f64::INFINITY;
    let best = t.points.iter().find(|p| p.best);
    for (y, row) in grid.iter_mut().enumerate() {
        let r = 1.0 - y as f64 / (h - 1) as f64;
        let x0 = half * r;
        let x1 = (w - 1) as f64 - half * r;
        for (x, cell) in row.iter_mut().enumerate() {
            let xf = x as f64;
            if xf < x0.floor() || xf > x1.ceil() {
                continue;
            }
            let u = if x1 > x0 {
                ((xf - x0) / (x1 - x0)).clamp(0.0, 1.0)
            } else {
                0.5
            };
            let (p, e) = ((1.0 - r) * (1.0 - u), (1.0 - r) * u);
            let d = |q: &chart::TernaryPoint| {
                (q.purchase - p).powi(2) + (q.exception - e).powi(2) + (q.relationship - r).powi(2)
            };
            let Some(near) = t.points.iter().min_by(|a, b| d(a).total_cmp(&d(b))) else {
                continue;
            };
            let l = level(near.value);
            let level = ((l * 4.0).round() as usize).min(4);
            let glyph = if near.indistinguishable {
                CLOSE_SHADES[level]
            } else {
                SHADES[level]
            };
            *cell = Some((glyph, l));
            if let Some(b) = best {
                let db = d(b);
                if db < best_dist {
                    best_dist = db;
                    best_cell = Some((y, x));
                }
            }
        }
    }
    if let Some((y, x)) = best_cell
        && let Some(c) = grid[y][x].as_mut()
    {
        c.0 = BEST;
    }
    grid
}

fn draw_ternary(frame: &mut Frame, o: &optimize::Optimization, area: Rect, look: Theme) {
    let m = o.objective.metric();
    let t = chart::ternary(m.label(), &o.search);
    let h = (area.height as usize).saturating_sub(2).max(2);
    // Cells are about twice as tall as wide: an equilateral triangle of h rows is ~2.3 h wide.
    let w = ((h as f64 * 2.3).round() as usize).min((area.width as usize).saturating_sub(34));
    let grid = ternary_cells(&t, w.max(3), h);
    let mut lines = vec![Line::from(Span::styled(
        format!("{:^w$}", "Relationship"),
        look.dim(),
    ))];
    for row in &grid {
        let spans: Vec<Span> = row
            .iter()
            .map(|c| match c {
                None => Span::raw(" "),
                Some((g, l)) if look.color => {
                    let (r, gr, b) = chart::heat(*l);
                    let style = Style::default().bg(Color::Rgb(r, gr, b)).fg(Color::Black);
                    // Colour carries the value; the glyph only marks the close region.
                    let glyph = if SHADES.contains(g) {
                        ' '
                    } else if CLOSE_SHADES.contains(g) {
                        '○'
                    } else {
                        *g
                    };
                    Span::styled(glyph.to_string(), style)
                }
                Some((g, _)) => Span::raw(g.to_string()),
            })
            .collect();
        lines.push(Line::from(spans));
    }
    lines.push(Line::from(Span::styled(
        format!("{:<half$}{:>half$}", "Purchase", "Exception", half = w / 2),
        look.dim(),
    )));
    let cols =
        Layout::horizontal([Constraint::Length(w as u16 + 2), Constraint::Min(0)]).split(area);
    frame.render_widget(Paragraph::new(lines), cols[0]);

    let b = &o.search.best;
    let (lo, hi) = t.range();
    let legend = vec![
        Line::from(Span::styled(
            format!("{} over the simplex", m.label()),
            look.accent(),
        )),
        Line::from(format!(
            "budget {} {} · {} splits",
            o.budget,
            o.currency,
            o.search.surface.len()
        )),
        Line::from(""),
        Line::from(vec![
            Span::styled(
                format!("{BEST} best "),
                look.bad().add_modifier(Modifier::BOLD),
            ),
            Span::raw(optimize::split_name(&crate::format::Emphasis {
                purchase: b.purchase,
                exception: b.exception,
                relationship: b.relationship,
            })),
        ]),
        Line::from(format!(
            "  {} [{}, {}]",
            fmt_value(m, b.value.mean),
            fmt_value(m, b.value.lo),
            fmt_value(m, b.value.hi)
        )),
        Line::from(format!(
            "{} {} split(s) indistinguishable",
            CLOSE_SHADES[2], o.search.indistinguishable
        )),
        Line::from("  from the best (95 % paired)"),
        Line::from(""),
        Line::from(format!(
            "low {} high: {}",
            fmt_value(m, lo),
            fmt_value(m, hi)
        )),
        Line::from(format!("  {}  others", SHADES.iter().collect::<String>())),
        Line::from(format!(
            "  {}  indistinguishable",
            CLOSE_SHADES.iter().collect::<String>()
        )),
        Line::from(Span::styled("m objective · r run again", look.dim())),
    ];
    frame.render_widget(Paragraph::new(legend), cols[1]);
}

/// The tornado as text: a bar per parameter, −delta as ░ and +delta as █ around a centre line.
fn tornado_lines(s: &Sensitivity, width: u16, look: Theme) -> Vec<Line<'static>> {
    let t = chart::tornado(s);
    let m = s.metric;
    let label = 24usize;
    let vals = 34usize;
    let bar = (width as usize)
        .saturating_sub(label + vals + 3)
        .clamp(8, 60);
    let halfbar = bar / 2;
    let max = t
        .rows
        .iter()
        .map(|r| r.low.abs().max(r.high.abs()))
        .fold(0.0, f64::max);
    let cells = |v: f64| {
        if max > 0.0 {
            ((v.abs() / max) * halfbar as f64).round() as usize
        } else {
            0
        }
    };
    let mut out = vec![
        Line::from(vec![
            Span::styled(format!("{} ", m.label()), look.accent()),
            Span::raw(format!(
                "as is {} [{}, {}] · each parameter ±{:.0}%",
                fmt_value(m, s.base.mean),
                fmt_value(m, s.base.lo),
                fmt_value(m, s.base.hi),
                s.delta * 100.0
            )),
        ]),
        Line::from(Span::styled(
            format!(
                "{:<label$} {:^bar$}  −{:.0}% / +{:.0}% [95%]",
                "░ −delta  █ +delta",
                "− │ +",
                s.delta * 100.0,
                s.delta * 100.0
            ),
            look.dim(),
        )),
    ];
    for (row, sr) in t.rows.iter().zip(&s.rows) {
        let mut left = vec![' '; halfbar];
        let mut right = vec![' '; halfbar];
        // Larger effect first, the smaller drawn over it, so both stay visible.
        let mut parts = [(row.low, '░'), (row.high, '█')];
        parts.sort_by(|a, b| b.0.abs().total_cmp(&a.0.abs()));
        for (v, g) in parts {
            let n = cells(v).min(halfbar);
            if v < 0.0 {
                for c in left.iter_mut().rev().take(n) {
                    *c = g;
                }
            } else {
                for c in right.iter_mut().take(n) {
                    *c = g;
                }
            }
        }
        let name: String = if row.label.chars().count() > label {
            row.label.chars().take(label - 1).chain(['…']).collect()
        } else {
            row.label.clone()
        };
        out.push(Line::from(format!(
            "{name:<label$} {}│{}  {} / {}",
            left.iter().collect::<String>(),
            right.iter().collect::<String>(),
            fmt_interval(m, &sr.low.difference),
            fmt_diff(m, sr.high.difference.mean)
        )));
    }
    out.push(Line::from(Span::styled(
        "←→ analysis · ↑↓ scroll · m metric · s strategy · r run again",
        look.dim(),
    )));
    out
}

/// Compact "26.9 [23.9,29.9]" of a value scaled by `k` with `d` decimals.
fn compact(e: &Estimate, k: f64, d: usize, sign: bool) -> String {
    if sign {
        format!("{:+.d$} [{:+.d$},{:+.d$}]", e.mean * k, e.lo * k, e.hi * k)
    } else {
        format!("{:.d$} [{:.d$},{:.d$}]", e.mean * k, e.lo * k, e.hi * k)
    }
}

/// The diagnosis as text: churn share and revenue lost by root cause and the removal effect
/// on retention per stage (the weakest leg marked), then per touchpoint.
fn diagnosis_lines(d: &Diagnosis, look: Theme) -> Vec<Line<'static>> {
    let mut out = vec![
        Line::from(format!(
            "lost within the horizon: {} of customers ({} churners)",
            pct(&d.churn),
            thousands(d.churners)
        )),
        Line::from(format!(
            "revenue lost to churn: {} {} per customer (rate at churn × periods left)",
            compact(&d.lost_revenue, 1.0, 1, false),
            d.currency
        )),
        Line::from(vec![
            Span::styled(
                format!("▶ WEAKEST LEG: {}", d.weakest_stage),
                look.bad().add_modifier(Modifier::BOLD),
            ),
            Span::raw(" — making it perfect saves the most customers"),
        ]),
        Line::from(Span::styled(
            format!(
                "  {:<16} {:<18} {:<20} {}",
                "root cause", "% of churners", "lost revenue/cust.", "perfect: +retention pp"
            ),
            look.dim(),
        )),
    ];
    let cause_of = |target: &str, tp: bool| {
        let rows = if tp {
            &d.cause_by_touchpoint
        } else {
            &d.cause_by_stage
        };
        rows.iter()
            .find(|c| {
                if tp {
                    c.touchpoint.as_deref() == Some(target)
                } else {
                    c.stage == target
                }
            })
            .map_or((String::new(), String::new()), |c| {
                (
                    compact(&c.share_of_churners, 100.0, 1, false),
                    compact(&c.lost_revenue, 1.0, 1, false),
                )
            })
    };
    let name = |s: &str| -> String {
        if s.chars().count() > 16 {
            s.chars().take(15).chain(['…']).collect()
        } else {
            s.to_string()
        }
    };
    let row = |mark: &str, target: &str, tp: bool, removal: Option<&Estimate>| {
        let (share, lost) = cause_of(target, tp);
        let effect = removal.map_or(String::new(), |e| compact(e, 100.0, 2, true));
        format!(
            "{mark} {:<16} {share:<18} {lost:<20} {effect}",
            name(target)
        )
    };
    for r in &d.removal_by_stage {
        let weakest = r.target == d.weakest_stage;
        let text = row(
            if weakest { "▶" } else { " " },
            &r.target,
            false,
            Some(&r.retention.difference),
        );
        out.push(if weakest {
            Line::from(Span::styled(text, look.bad().add_modifier(Modifier::BOLD)))
        } else {
            Line::from(text)
        });
    }
    out.push(Line::from(row(" ", "none", false, None)));
    out.push(Line::from(Span::styled(
        "  touchpoints, largest removal effect first",
        look.dim(),
    )));
    for r in &d.removal_by_touchpoint {
        out.push(Line::from(row(
            " ",
            &r.target,
            true,
            Some(&r.retention.difference),
        )));
    }
    out
}
