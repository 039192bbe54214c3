//! The studio's organisation panel (issue 7): for the selected strategy, the iron triangle's
//! legs and execution factor as gauges, each team's engagement and each touchpoint's quality
//! over the horizon as sparklines. Pure: results in, text lines out (view/dashboard.rs frames them).

use ratatui::text::Line;

use crate::results::org::OrgResult;

const BLOCKS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// A horizontal gauge of a level 0..1, `width` cells wide.
pub fn gauge(v: f64, width: usize) -> String {
    let filled = (v.clamp(0.0, 1.0) * width as f64).round() as usize;
    format!(
        "{}{}",
        "█".repeat(filled),
        "░".repeat(width - filled.min(width))
    )
}

/// A trajectory of levels 0..1 (absolute scale) as at most `width` block characters, sampled
/// evenly over the horizon.
pub fn sparkline(values: &[f64], width: usize) -> String {
    if values.is_empty() || width == 0 {
        return String::new();
    }
    let n = values.len().min(width);
    (0..n)
        .map(|k| {
            let i = if n == 1 {
                0
            } else {
                k * (values.len() - 1) / (n - 1)
            };
            let v = values[i].clamp(0.0, 1.0);
            BLOCKS[((v * 7.0).round() as usize).min(7)]
        })
        .collect()
}

fn trend(v: &[f64]) -> String {
    match (v.first(), v.last()) {
        (Some(a), Some(b)) if a == b => format!("{a:.2}"),
        (Some(a), Some(b)) => format!("{a:.2}→{b:.2}"),
        _ => "-".into(),
    }
}

fn clip(s: &str, n: usize) -> String {
    let mut out: String = s.chars().take(n).collect();
    while out.chars().count() < n {
        out.push(' ');
    }
    out
}

/// The panel's lines for one strategy's organisation results, fitted to `width` columns.
pub fn lines(o: &OrgResult, width: u16) -> Vec<Line<'static>> {
    let w = usize::from(width).saturating_sub(2);
    let label = 14.min(w / 3).max(6);
    let bar = w.saturating_sub(label + 8).clamp(4, 20);
    let mut out = vec![Line::from(format!(
        "{} {} {:.2}",
        clip("execution", label),
        gauge(o.execution_factor, bar),
        o.execution_factor
    ))];
    if let Some(l) = o.legs {
        for (name, v) in [
            ("leadership", l.leadership),
            ("incentives", l.incentives),
            ("culture", l.culture),
        ] {
            out.push(Line::from(format!(
                "{} {} {v:.2}",
                clip(name, label),
                gauge(v, bar)
            )));
        }
    }
    if !o.teams.is_empty() {
        out.push(Line::from("engagement by team"));
        for t in &o.teams {
            out.push(Line::from(format!(
                "{} {} {}",
                clip(&t.id, label),
                sparkline(&t.engagement, bar),
                trend(&t.engagement)
            )));
        }
    }
    out.push(Line::from("quality over the horizon"));
    for t in &o.touchpoints {
        let mark = if t.variant != crate::format::org::CURRENT {
            " *"
        } else if t.staff {
            " s"
        } else {
            ""
        };
        out.push(Line::from(format!(
            "{} {} {}{mark}",
            clip(&t.id, label),
            sparkline(&t.quality, bar),
            trend(&t.quality)
        )));
    }
    out.push(Line::from("s = staff-delivered, * = design variant"));
    out
}
