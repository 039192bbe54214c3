//! The studio's strategy-analysis screen (issue 8): the optimiser's ternary heat map, the
//! sensitivity tornado and the churn diagnosis, each computed by the library on a background
//! thread of its own and drawn from state.
//!
//! - state: `AnalysisState` (in `App::analysis`), changed only through `App` methods below;
//! - work: `AnalysisWorker` runs one `AnalysisRequest` at a time; a newer request (or an edit)
//!   cancels the running one, and answers carry the request id so stale ones are dropped;
//! - drawing: pure functions of `&App`; chart data comes from `crate::report::chart` (the same
//!   functions the SVG reports use).

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Sender;

use super::background::{Background, panic_message};

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::app::App;
use super::keys::Cmd;
use super::ui::Theme;
use crate::analysis::diagnose::{self, AnalysisError, Diagnosis};
use crate::analysis::optimize::{
    self, Objective, OptimizeError, OptimizeSpec, SearchConfig, default_budget,
};
use crate::analysis::sensitivity::{self, Sensitivity};
use crate::fmt::group_thousands;
use crate::model::Model;
use crate::report::chart;
use crate::report::diagnose::pct;
use crate::report::{fmt_diff, fmt_interval, fmt_value};
use crate::results::Estimate;
use crate::results::Metric;

/// The three analyses of the screen, in ←/→ order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    Optimize,
    Sensitivity,
    Diagnose,
}

impl View {
    pub const ALL: [View; 3] = [View::Optimize, View::Sensitivity, View::Diagnose];
    pub fn title(self) -> &'static str {
        match self {
            View::Optimize => "Emphasis map",
            View::Sensitivity => "Sensitivity",
            View::Diagnose => "Diagnosis",
        }
    }
    fn index(self) -> usize {
        match self {
            View::Optimize => 0,
            View::Sensitivity => 1,
            View::Diagnose => 2,
        }
    }
}

/// Customers an analysis simulates per variant: a twentieth of the studio's run size, at least
/// 1,000 (200,000 → 10,000), so an analysis of dozens of variants stays interactive.
pub fn analysis_customers(studio_customers: u64) -> u64 {
    (studio_customers / 20).max(1_000)
}

/// What an analysis depends on; a result is current while its key equals the app's.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Key {
    /// The app's scenario generation (bumped by every edit, seed or size change).
    pub generation: u64,
    pub view: View,
    pub strategy: usize,
    pub objective: Objective,
    pub metric: Metric,
}

/// One analysis to run.
#[derive(Debug, Clone)]
pub struct AnalysisRequest {
    pub id: u64,
    pub key: Key,
    pub model: Model,
    pub customers: u64,
    pub seed: u64,
}

/// A finished analysis.
#[derive(Debug, Clone)]
pub enum Output {
    Optimize(Box<optimize::Optimization>),
    Sensitivity(Box<Sensitivity>),
    Diagnose(Box<Diagnosis>),
}

/// What the analysis worker reports.
#[derive(Debug, Clone)]
pub enum AnalysisMsg {
    Progress { id: u64, done: u64, total: u64 },
    Done { id: u64, key: Key, output: Output },
    Failed { id: u64, message: String },
    Cancelled { id: u64 },
}

/// The relative change of the sensitivity view.
pub const DELTA: f64 = 0.1;

/// The search of the emphasis map: the CLI's default grid with one refinement round.
pub fn search_config() -> SearchConfig {
    SearchConfig {
        rounds: 1,
        ..SearchConfig::default()
    }
}

/// Runs one request (on the worker thread; tests call it directly).
pub fn run(
    req: &AnalysisRequest,
    cancel: Option<&AtomicBool>,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> Result<Output, AnalysisError> {
    let k = req.key;
    match k.view {
        View::Optimize => {
            let spec = OptimizeSpec {
                objective: k.objective,
                budget: default_budget(&req.model),
                customers: req.customers,
                seed: req.seed,
                config: search_config(),
                sweep: Vec::new(),
            };
            optimize::optimize(&req.model, &spec, cancel, progress)
                .map(|o| Output::Optimize(Box::new(o)))
                .map_err(|e| match e {
                    OptimizeError::Cancelled => AnalysisError::Cancelled,
                    OptimizeError::Invalid(m) => AnalysisError::Invalid(m),
                })
        }
        View::Sensitivity => sensitivity::sensitivity(
            &req.model,
            k.strategy,
            k.metric,
            DELTA,
            req.customers,
            req.seed,
            cancel,
            progress,
        )
        .map(|s| Output::Sensitivity(Box::new(s))),
        View::Diagnose => diagnose::diagnose(
            &req.model,
            k.strategy,
            req.customers,
            req.seed,
            cancel,
            progress,
        )
        .map(|d| Output::Diagnose(Box::new(d))),
    }
}

/// The background thread of the analysis screen (one analysis at a time, newest wins).
pub struct AnalysisWorker {
    thread: Background<AnalysisRequest>,
}

impl AnalysisWorker {
    /// Starts the thread; every message goes to `report`, mapped by `wrap`.
    pub fn spawn<E: Send + 'static>(
        report: Sender<E>,
        wrap: fn(AnalysisMsg) -> E,
    ) -> std::io::Result<AnalysisWorker> {
        let skipped_report = report.clone();
        let thread = Background::spawn(
            super::worker::THREAD_NAME,
            move |req: AnalysisRequest| {
                skipped_report
                    .send(wrap(AnalysisMsg::Cancelled { id: req.id }))
                    .is_ok()
            },
            move |req, cancel| {
                let id = req.id;
                let progress = |done: u64, total: u64| {
                    let _ = report.send(wrap(AnalysisMsg::Progress { id, done, total }));
                };
                let outcome = catch_unwind(AssertUnwindSafe(|| run(&req, Some(cancel), &progress)));
                let msg = match outcome {
                    // A newer request raised the flag after the last cancellation point: the
                    // answer is superseded, so it is reported as cancelled, not shown.
                    Ok(Ok(_)) if cancel.load(Ordering::Relaxed) => AnalysisMsg::Cancelled { id },
                    Ok(Ok(output)) => AnalysisMsg::Done {
                        id,
                        key: req.key,
                        output,
                    },
                    Ok(Err(AnalysisError::Cancelled)) => AnalysisMsg::Cancelled { id },
                    Ok(Err(AnalysisError::Invalid(message))) => AnalysisMsg::Failed { id, message },
                    Err(p) => AnalysisMsg::Failed {
                        id,
                        message: format!("the analysis crashed: {}", panic_message(p.as_ref())),
                    },
                };
                report.send(wrap(msg)).is_ok()
            },
        )?;
        Ok(AnalysisWorker { thread })
    }

    /// Cancels the running analysis and queues `req`.
    pub fn submit(&self, req: AnalysisRequest) {
        self.thread.submit(req);
    }

    pub fn cancel_current(&self) {
        self.thread.cancel_current();
    }
}

/// The screen's state.
#[derive(Debug, Clone)]
pub struct AnalysisState {
    pub view: View,
    /// The strategy analysed by the sensitivity and diagnosis views.
    pub strategy: usize,
    pub objective: Objective,
    pub metric: Metric,
    /// First row shown of the sensitivity and diagnosis lists.
    pub scroll: u16,
    /// The id of the newest request.
    pub id: u64,
    /// The key of the newest request (running or done).
    pub requested: Option<Key>,
    /// The latest result of each view with the key it was computed for.
    pub results: [Option<(Key, Output)>; 3],
    pub progress: Option<(u64, u64)>,
    pub error: Option<String>,
    /// A request for the worker, taken by the event loop.
    pub pending: Option<AnalysisRequest>,
    /// The event loop should cancel the running analysis.
    pub cancel: bool,
}

impl Default for AnalysisState {
    fn default() -> Self {
        AnalysisState {
            view: View::Optimize,
            strategy: 0,
            objective: Objective::Npv,
            metric: Metric::Npv,
            scroll: 0,
            id: 0,
            requested: None,
            results: [None, None, None],
            progress: None,
            error: None,
            pending: None,
            cancel: false,
        }
    }
}

const OBJECTIVES: [Objective; 4] = [
    Objective::Npv,
    Objective::Revenue,
    Objective::Retention,
    Objective::Clv,
];

fn cycle<T: Copy + PartialEq>(all: &[T], cur: T) -> T {
    let i = all.iter().position(|x| *x == cur).unwrap_or(0);
    all[(i + 1) % all.len()]
}

impl App {
    /// The key of what the analysis screen should show now.
    pub fn analysis_key(&self) -> Key {
        let a = &self.analysis;
        Key {
            generation: self.generation,
            view: a.view,
            // Deleting strategies must not leave the analysed one out of range.
            strategy: a
                .strategy
                .min(self.scenario.strategies.len().saturating_sub(1)),
            objective: a.objective,
            metric: a.metric,
        }
    }

    /// The shown view's result (possibly from an older key) and whether it is current.
    pub fn analysis_output(&self) -> Option<(&Output, bool)> {
        let key = self.analysis_key();
        self.analysis.results[self.analysis.view.index()]
            .as_ref()
            .map(|(k, o)| (o, *k == key))
    }

    /// Called after every event: asks for the shown analysis when it is missing or stale and
    /// the screen is visible; cancels a running analysis that no longer matches.
    pub fn analysis_poll(&mut self) {
        let key = self.analysis_key();
        let current = self.analysis.results[self.analysis.view.index()]
            .as_ref()
            .is_some_and(|(k, _)| *k == key);
        let on_screen = self.pane == super::app::Pane::Analysis;
        if self.analysis.requested.is_some_and(|r| r != key) && self.analysis.progress.is_some() {
            // An edit or a changed choice made the running analysis stale.
            self.analysis.cancel = true;
            self.analysis.progress = None;
            self.analysis.requested = None;
        }
        if !on_screen || current || self.analysis.requested == Some(key) {
            return;
        }
        if !self.problems.is_empty() {
            return; // nothing to analyse until the scenario is valid again
        }
        let Ok(model) = crate::model::validate(self.scenario.clone()) else {
            return;
        };
        self.analysis.id += 1;
        self.analysis.requested = Some(key);
        self.analysis.error = None;
        self.analysis.progress = Some((0, 0));
        self.analysis.pending = Some(AnalysisRequest {
            id: self.analysis.id,
            key,
            model,
            customers: analysis_customers(self.customers),
            seed: self.seed,
        });
    }

    /// A message from the analysis worker.
    pub fn analysis_msg(&mut self, msg: AnalysisMsg) {
        let a = &mut self.analysis;
        match msg {
            AnalysisMsg::Progress { id, done, total } if id == a.id => {
                a.progress = Some((done, total));
            }
            AnalysisMsg::Done { id, key, output } if id == a.id => {
                a.results[key.view.index()] = Some((key, output));
                a.progress = None;
                a.error = None;
            }
            AnalysisMsg::Failed { id, message } if id == a.id => {
                a.progress = None;
                a.error = Some(message);
            }
            AnalysisMsg::Cancelled { id } if id == a.id => {
                a.progress = None;
                a.requested = None;
            }
            _ => {} // an older request's answer
        }
    }

    /// Keys of the analysis screen.
    pub fn analysis_cmd(&mut self, cmd: Cmd) {
        let n_strategies = self.scenario.strategies.len().max(1);
        let a = &mut self.analysis;
        match cmd {
            Cmd::Left | Cmd::Right => {
                let i = a.view.index();
                let j = if cmd == Cmd::Right { i + 1 } else { i + 2 } % 3;
                a.view = View::ALL[j];
                a.scroll = 0;
            }
            Cmd::Up => a.scroll = a.scroll.saturating_sub(1),
            Cmd::Down => a.scroll = a.scroll.saturating_add(1),
            Cmd::AnalysisMetric => match a.view {
                View::Optimize => a.objective = cycle(&OBJECTIVES, a.objective),
                View::Sensitivity => a.metric = cycle(&Metric::ALL, a.metric),
                View::Diagnose => {
                    self.status = "the diagnosis explains churn: no metric to choose".into()
                }
            },
            Cmd::AnalysisStrategy => {
                if a.view == View::Optimize {
                    self.status =
                        "the emphasis map searches splits; other settings come from the first \
                         strategy"
                            .into();
                } else {
                    a.strategy = (a.strategy + 1) % n_strategies;
                    a.scroll = 0;
                }
            }
            Cmd::AnalysisRun => {
                // Forget the shown view's result and ask again.
                a.results[a.view.index()] = None;
                a.requested = None;
                a.error = None;
            }
            _ => {}
        }
        self.analysis.strategy = self.analysis.strategy.min(n_strategies - 1);
    }
}

// ---------------------------------------------------------------------------------------------
// Drawing

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
