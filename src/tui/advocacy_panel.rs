//! Dashboard panel of the Customer Advocacy Framework (issue 6): the selected strategy's
//! escalations — how many, close-outs, recurrences, time to resolution, trials and programme
//! cost. Drawn only when the scenario has an `advocacy` section; the figures are those of the
//! run table and `cxsim review`.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use crate::results::RunResults;

/// Rows the panel needs (borders included).
pub const HEIGHT: u16 = 9;

/// The panel's text lines for strategy `sel` (the first if out of range); empty when that
/// strategy has no advocacy results.
pub fn lines(res: &RunResults, sel: usize) -> Vec<(String, String)> {
    let Some(s) = res.strategies.get(sel).or(res.strategies.first()) else {
        return Vec::new();
    };
    let Some(a) = &s.advocacy else {
        return Vec::new();
    };
    let mut out = vec![
        (
            "escalations".to_string(),
            format!(
                "{:.3} per customer (P {} · E {} · R {})",
                a.escalations_per_customer,
                a.by_stage.purchase,
                a.by_stage.exception,
                a.by_stage.relationship
            ),
        ),
        (
            "closed out".to_string(),
            format!(
                "{:.1}% ±{:.1} · abandoned {}",
                a.close_out_rate.mean * 100.0,
                (a.close_out_rate.hi - a.close_out_rate.mean) * 100.0,
                a.abandoned
            ),
        ),
        (
            "recur · reopen".to_string(),
            format!("{} · {}", a.recurrences, a.reopens),
        ),
        (
            "to resolution".to_string(),
            format!("{:.2} {}s", a.time_to_resolution.mean, res.period),
        ),
        (
            "programme cost".to_string(),
            format!(
                "{:.0} {} per customer",
                a.programme_cost_per_customer.mean, res.currency
            ),
        ),
    ];
    if let Some(t) = &a.trial {
        out.push((
            "free trials".to_string(),
            format!("{} converted of {} offered", t.conversions, t.offers),
        ));
    }
    out.push((
        "churn in plans".to_string(),
        format!("{:.2}% per period", a.plan_churn_rate * 100.0),
    ));
    out
}

/// Draws the panel for strategy `sel` into `area`.
pub fn draw(frame: &mut Frame, res: &RunResults, sel: usize, area: Rect, label: Style) {
    let name = res
        .strategies
        .get(sel)
        .or(res.strategies.first())
        .map_or(String::new(), |s| s.name.clone());
    let text: Vec<Line> = lines(res, sel)
        .into_iter()
        .map(|(k, v)| Line::from(vec![Span::styled(format!(" {k:<15}"), label), Span::raw(v)]))
        .collect();
    frame.render_widget(
        Paragraph::new(text).block(
            Block::default()
                .borders(Borders::ALL)
                .title(format!(" Advocacy · {name} ")),
        ),
        area,
    );
}
