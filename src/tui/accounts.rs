//! Dashboard panel of the whole customer (issue 6): accounts of the selected strategy —
//! accounts kept, contacts, revenue and CLV per account, and which role was the weakest contact
//! when accounts were lost. Drawn only when the scenario has accounts; the figures are those of
//! the run table (docs/model.md §12).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use crate::results::RunResults;

/// Rows the panel needs (borders included).
pub const HEIGHT: u16 = 10;

/// Role lines shown (the roles most often weakest at a loss first).
const ROLE_LINES: usize = 4;

/// The panel's text lines for strategy `sel` (the first if out of range); empty without
/// accounts.
pub fn lines(res: &RunResults, sel: usize) -> Vec<(String, String)> {
    let Some(s) = res.strategies.get(sel).or(res.strategies.first()) else {
        return Vec::new();
    };
    let Some(a) = &s.accounts else {
        return Vec::new();
    };
    let cur = &res.currency;
    let kept = a.retention.last().map_or("n/a".to_string(), |p| {
        format!(
            "{:.1}% [{:.1}, {:.1}] after {}",
            100.0 * p.mean,
            100.0 * p.lo,
            100.0 * p.hi,
            p.period
        )
    });
    let pm = |e: crate::results::Estimate| format!("{:.0} ±{:.0} {cur}", e.mean, e.hi - e.mean);
    let mut out = vec![
        ("accounts kept".to_string(), kept),
        (
            "contacts".to_string(),
            format!("{:.2} per account", a.contacts_per_account),
        ),
        ("revenue/acct".to_string(), pm(a.revenue_per_account)),
        ("CLV/account".to_string(), pm(a.clv_per_account)),
    ];
    let mut roles: Vec<&crate::results::accounts::RoleResult> = a.roles.iter().collect();
    // Stable sort: ties keep file order.
    roles.sort_by(|x, y| y.weakest_at_loss.total_cmp(&x.weakest_at_loss));
    for (i, r) in roles.iter().take(ROLE_LINES).enumerate() {
        let key = if i == 0 {
            "weakest at loss".to_string()
        } else {
            String::new()
        };
        out.push((
            key,
            format!(
                "{:>5.1}% {}/{}",
                100.0 * r.weakest_at_loss,
                r.segment,
                r.role
            ),
        ));
    }
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
        .map(|(k, v)| Line::from(vec![Span::styled(format!(" {k:<16}"), label), Span::raw(v)]))
        .collect();
    frame.render_widget(
        Paragraph::new(text).block(
            Block::default()
                .borders(Borders::ALL)
                .title(format!(" Accounts · {name} ")),
        ),
        area,
    );
}
