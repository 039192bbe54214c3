//! The dashboard: results of the latest run.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Axis, Block, Borders, Chart, Dataset, GraphType, Paragraph};

use super::sim_text;
use crate::engine::M_NPV;
use crate::results::{ChurnByStage, Estimate, RetentionPoint, RunResults, StrategyResult};
use crate::tui::app::{App, Pane};
use crate::tui::theme::Theme;

fn est(e: &Estimate) -> String {
    format!("{:.1} ±{:.1}", e.mean, e.hi - e.mean)
}

/// What the dashboard shows of one strategy: all its customers, or one segment's (`g` on the
/// dashboard), with the segment's index when it is one.
struct Shown<'a> {
    segment: Option<usize>,
    retention: &'a [RetentionPoint],
    npv: Estimate,
    clv: Estimate,
    revenue: Estimate,
    cost: Estimate,
    lifetime: Estimate,
    churn: ChurnByStage,
}

fn shown<'a>(app: &App, s: &'a StrategyResult) -> Shown<'a> {
    match app
        .dash_segment
        .and_then(|k| s.segments.get(k).map(|g| (k, g)))
    {
        Some((k, g)) => Shown {
            segment: Some(k),
            retention: &g.retention,
            npv: g.npv_per_customer,
            clv: g.clv_per_customer,
            revenue: g.revenue_per_customer,
            cost: g.cost_per_customer,
            lifetime: g.lifetime_periods,
            churn: g.churn_by_stage,
        },
        None => Shown {
            segment: None,
            retention: &s.retention,
            npv: s.npv_per_customer,
            clv: s.clv_per_customer,
            revenue: s.revenue_per_customer,
            cost: s.cost_per_customer,
            lifetime: s.lifetime_periods,
            churn: s.churn_by_stage,
        },
    }
}

/// " — segment ID" when the dashboard shows one segment, else "".
fn segment_label(app: &App, res: &RunResults) -> String {
    let shown_id = res
        .strategies
        .first()
        .and_then(|s| app.dash_segment.and_then(|k| s.segments.get(k)))
        .map(|g| g.id.clone());
    shown_id.map_or(String::new(), |id| format!(" — segment {id}"))
}

const MARKERS: [Marker; 4] = [
    Marker::Braille,
    Marker::Dot,
    Marker::Block,
    Marker::HalfBlock,
];

pub(crate) fn draw_dashboard(frame: &mut Frame, app: &App, body: Rect, th: Theme) {
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
    if res.acquisition.is_some() && top[1].height >= crate::tui::acquisition::HEIGHT + 6 {
        // The acquisition leg (issue 6) under the triad chart.
        let right = Layout::vertical([
            Constraint::Min(6),
            Constraint::Length(crate::tui::acquisition::HEIGHT),
        ])
        .split(top[1]);
        draw_triad(frame, app, res, right[0], th);
        crate::tui::acquisition::draw(frame, res, app.dash_sel, right[1], th.accent());
    } else if res
        .strategies
        .get(app.dash_sel)
        .is_some_and(|s| s.advocacy.is_some())
        && top[1].height >= crate::tui::advocacy_panel::HEIGHT + 6
    {
        // The advocacy programme (issue 6) under the triad chart.
        let right = Layout::vertical([
            Constraint::Min(6),
            Constraint::Length(crate::tui::advocacy_panel::HEIGHT),
        ])
        .split(top[1]);
        draw_triad(frame, app, res, right[0], th);
        crate::tui::advocacy_panel::draw(frame, res, app.dash_sel, right[1], th.accent());
    } else if res.strategies.iter().any(|s| s.accounts.is_some())
        && top[1].height >= crate::tui::accounts::HEIGHT + 6
    {
        // The whole customer (issue 6): accounts under the triad chart.
        let right = Layout::vertical([
            Constraint::Min(6),
            Constraint::Length(crate::tui::accounts::HEIGHT),
        ])
        .split(top[1]);
        draw_triad(frame, app, res, right[0], th);
        crate::tui::accounts::draw(frame, res, app.dash_sel, right[1], th.accent());
    } else if let Some((s, o)) = org {
        // The organisation panel (issue 7) shares the right column with the triad when the
        // selected strategy has organisation results.
        let right =
            Layout::vertical([Constraint::Percentage(40), Constraint::Min(6)]).split(top[1]);
        draw_triad(frame, app, res, right[0], th);
        frame.render_widget(
            Paragraph::new(crate::tui::org_panel::lines(o, right[1].width)).block(
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
            let ret = shown(app, s).retention;
            [
                ret.iter().map(|p| (p.period as f64, p.mean)).collect(),
                ret.iter().map(|p| (p.period as f64, p.lo)).collect(),
                ret.iter().map(|p| (p.period as f64, p.hi)).collect(),
            ]
        })
        .collect();
    let min_y = res
        .strategies
        .iter()
        .flat_map(|s| shown(app, s).retention.iter().map(|p| p.lo))
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
        .block(Block::default().borders(Borders::ALL).title(format!(
            " Retention (share active, dots = 95 % band){} ",
            segment_label(app, res)
        )))
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
        let sh = shown(app, s);
        let (delta, sig) = if k == base {
            ("baseline".to_string(), "—".to_string())
        } else {
            let d = match sh.segment {
                Some(g) => res.paired_difference_in(g, base, k, M_NPV),
                None => res.paired_difference(base, k, M_NPV),
            };
            match d {
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
            format!(" {:>14}", est(&sh.clv))
        } else {
            String::new()
        };
        let text = format!(
            "{} {:<14} {:>14}{clv} {:>9.1} {:>8.1} {:>15} {sig}",
            if k == app.dash_sel { "▶" } else { " " },
            name,
            est(&sh.npv),
            sh.revenue.mean,
            sh.cost.mean,
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
        let sh = shown(app, s);
        let c = sh.churn;
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
        if let Some(last) = sh.retention.last() {
            lines.push(Line::from(format!(
                "  retained after {} {}s: {:.1}% [{:.1}–{:.1}] · lifetime {:.1} periods",
                last.period,
                res.period,
                last.mean * 100.0,
                last.lo * 100.0,
                last.hi * 100.0,
                sh.lifetime.mean
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
                .title(format!(
                    " Metrics per initial customer (mean ±95 %){} — b sets the baseline, g a segment ",
                    segment_label(app, res)
                )),
        ),
        area,
    );
}
