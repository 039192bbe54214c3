//! Dashboard panel of the acquisition leg (issue 6): the open population of the selected
//! strategy — inflow, CAC, payback, active base and the revenue lost to churn. Drawn only when
//! the scenario has an `acquisition` section; the figures are those of the run table.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use crate::fmt::group_thousands;
use crate::results::RunResults;

/// Rows the panel needs (borders included).
pub const HEIGHT: u16 = 10;

/// An amount rounded to a whole number with thousands separators (negative amounts keep "-").
fn amount(x: f64) -> String {
    if !x.is_finite() {
        return "n/a".to_string();
    }
    let r = x.round();
    let s = group_thousands(r.abs() as u64);
    if r < 0.0 { format!("-{s}") } else { s }
}

/// The panel's text lines for strategy `sel` (the first if out of range); empty without an
/// acquisition section.
pub fn lines(res: &RunResults, sel: usize) -> Vec<(String, String)> {
    let Some(a) = &res.acquisition else {
        return Vec::new();
    };
    let Some(s) = a.strategies.get(sel).or(a.strategies.first()) else {
        return Vec::new();
    };
    let h = s.active_base.len().saturating_sub(1);
    let cur = &res.currency;
    let money = |x: f64| format!("{} {cur}", amount(x));
    vec![
        (
            // With accounts (docs/model.md §12) the funnels win accounts.
            if res.strategies.iter().any(|s| s.accounts.is_some()) {
                "new accounts".into()
            } else {
                "new customers".into()
            },
            format!(
                "{} ({} by referral)",
                amount(s.total_new_customers),
                amount(s.referred_customers.iter().sum())
            ),
        ),
        (
            "warned off".into(),
            format!("{} conversions", amount(s.warned_off.iter().sum())),
        ),
        (
            "CAC · payback".into(),
            format!(
                "{} · {}",
                s.cac.map_or("n/a".to_string(), money),
                s.payback_periods
                    .map_or("not in horizon".to_string(), |p| format!(
                        "{p} {}s",
                        res.period
                    ))
            ),
        ),
        (
            "active base".into(),
            format!(
                "{} → {} ({h} {}s)",
                amount(s.active_base[0]),
                amount(s.active_base[h]),
                res.period
            ),
        ),
        ("lost: current".into(), money(s.lost_to_churn.current)),
        ("  future".into(), money(s.lost_to_churn.future)),
        ("  reputation".into(), money(s.lost_to_churn.reputation)),
        ("acq. spend".into(), money(s.total_acquisition_cost)),
    ]
}

/// Draws the panel for strategy `sel` into `area`.
pub fn draw(frame: &mut Frame, res: &RunResults, sel: usize, area: Rect, label: Style) {
    let name = res
        .acquisition
        .as_ref()
        .and_then(|a| a.strategies.get(sel).or(a.strategies.first()))
        .map_or(String::new(), |s| s.name.clone());
    let text: Vec<Line> = lines(res, sel)
        .into_iter()
        .map(|(k, v)| Line::from(vec![Span::styled(format!(" {k:<14}"), label), Span::raw(v)]))
        .collect();
    frame.render_widget(
        Paragraph::new(text).block(
            Block::default()
                .borders(Borders::ALL)
                .title(format!(" Acquisition · {name} ")),
        ),
        area,
    );
}
