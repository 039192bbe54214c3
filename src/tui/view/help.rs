//! The help overlay: every key of the key table, grouped.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph};

use crate::tui::app::App;
use crate::tui::keys::{HELP_ORDER, KEYS};
use crate::tui::theme::Theme;

pub(crate) fn draw_help(frame: &mut Frame, app: &App, area: Rect, th: Theme) {
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
