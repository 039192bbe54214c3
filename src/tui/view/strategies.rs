//! The strategies screen.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::has_problem_under;
use crate::format::Stage;
use crate::tui::app::{App, EditTarget, Pane};
use crate::tui::fields::{self};
use crate::tui::layout::strategy_rows;
use crate::tui::theme::Theme;

pub(crate) fn draw_strategies(frame: &mut Frame, app: &App, body: Rect, th: Theme) {
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
