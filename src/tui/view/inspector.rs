//! The inspector: the list of scenario objects and the selected object's form.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::has_problem_under;
use crate::tui::app::{App, EditTarget, Pane};
use crate::tui::fields::{self, Kind, Obj};
use crate::tui::layout::{insp_split, scroll_for};
use crate::tui::theme::Theme;

pub(crate) fn draw_inspector(frame: &mut Frame, app: &App, body: Rect, th: Theme) {
    let (list, form) = insp_split(body);
    let objs = app.objects();
    let focus_list = app.pane == Pane::InspList;
    let inner_h = list.height.saturating_sub(2) as usize;
    let first = scroll_for(app.insp_obj, inner_h);
    let lines: Vec<Line> = objs
        .iter()
        .enumerate()
        .skip(first)
        .take(inner_h)
        .map(|(k, o)| {
            let bad = match o {
                Obj::Settings => app.problems.iter().any(|p| {
                    !p.path.starts_with("segments[")
                        && !p.path.starts_with("touchpoints[")
                        && !p.path.starts_with("strategies[")
                }),
                _ => has_problem_under(app, &o.path()),
            };
            let mark = if bad { "✗ " } else { "  " };
            let text = format!("{mark}{}", o.title(&app.scenario));
            if k == app.insp_obj {
                Line::from(Span::styled(
                    format!("{text:<w$}", w = list.width.saturating_sub(2) as usize),
                    if focus_list {
                        th.sel()
                    } else {
                        Style::default().add_modifier(Modifier::BOLD)
                    },
                ))
            } else if bad {
                Line::from(Span::styled(text, th.bad()))
            } else {
                Line::from(text)
            }
        })
        .collect();
    frame.render_widget(
        Paragraph::new(lines).block(
            Block::default()
                .borders(Borders::ALL)
                .border_style(if focus_list { th.accent() } else { th.dim() })
                .title(" Objects "),
        ),
        list,
    );
    let (lines, sel_line, _) = form_lines(app, form.width.saturating_sub(2), th);
    let inner_h = form.height.saturating_sub(2) as usize;
    let first = scroll_for(sel_line + 2, inner_h).min(lines.len().saturating_sub(1));
    let focus_form = app.pane == Pane::InspForm;
    frame.render_widget(
        Paragraph::new(lines).scroll((first as u16, 0)).block(
            Block::default()
                .borders(Borders::ALL)
                .border_style(if focus_form { th.accent() } else { th.dim() })
                .title(format!(" {} ", app.current_obj().title(&app.scenario))),
        ),
        form,
    );
}

/// The form's lines, the line of the selected field, and for each line the field it shows.
pub(crate) fn form_lines(
    app: &App,
    width: u16,
    th: Theme,
) -> (Vec<Line<'static>>, usize, Vec<Option<usize>>) {
    let obj = app.current_obj();
    let fs = app.current_fields();
    let mut lines = Vec::new();
    let mut owner = Vec::new();
    let mut sel_line = 0;
    // Problems of the object that belong to no single field (e.g. shares that do not sum to 1).
    let prefix = obj.path();
    let field_paths: Vec<&str> = fs.iter().map(|f| f.path.as_str()).collect();
    for p in &app.problems {
        let mine = match obj {
            Obj::Settings => !p.path.contains('[') && !field_paths.contains(&p.path.as_str()),
            _ => {
                (p.path == prefix
                    || p.path
                        .strip_prefix(&prefix)
                        .is_some_and(|r| r.starts_with('.')))
                    && !field_paths.contains(&p.path.as_str())
            }
        };
        if mine {
            lines.push(Line::from(Span::styled(
                format!("✗ {}: {}", p.path, p.message),
                th.bad(),
            )));
            owner.push(None);
            if !p.hint.is_empty() {
                lines.push(Line::from(Span::styled(
                    format!("  hint: {}", p.hint),
                    th.dim(),
                )));
                owner.push(None);
            }
        }
    }
    let focus = app.pane == Pane::InspForm;
    let label_w = 26usize;
    for (k, f) in fs.iter().enumerate() {
        let selected = k == app.insp_field;
        let editing = app
            .editor
            .as_ref()
            .filter(|e| e.target == EditTarget::Field { obj, field: k });
        let value = match (&f.kind, editing) {
            (_, Some(e)) => e.shown(),
            (Kind::Choice(_), None) => format!("◀ {} ▶", f.display(&app.scenario)),
            _ => f.display(&app.scenario),
        };
        let range = match (&f.kind, selected) {
            (Kind::Num { min, max, int }, true) => {
                let lo = if *min > 0.0 && *min < 1e-100 {
                    "> 0".to_string()
                } else {
                    format!("≥ {}", fields::fmt_num(*min))
                };
                let hi = if max.is_finite() && *max < 1e9 {
                    format!(", ≤ {}", fields::fmt_num(*max))
                } else {
                    String::new()
                };
                format!("  ({lo}{hi}{})", if *int { ", whole" } else { "" })
            }
            _ => String::new(),
        };
        // A field of a funnel, role or policy says how to add or remove one.
        let range = match fields::Item::of_path(&f.path) {
            Some(item) if selected => {
                format!(
                    "{range}  a: add another {} · x: remove it",
                    item.list.noun()
                )
            }
            _ => range,
        };
        let marker = if selected { "▶ " } else { "  " };
        let text = format!("{marker}{:<label_w$} {value}", f.label);
        if selected {
            sel_line = lines.len();
        }
        let style = if selected && focus && editing.is_none() {
            th.sel()
        } else if selected {
            Style::default().add_modifier(Modifier::BOLD)
        } else {
            Style::default()
        };
        let pad = (width as usize).saturating_sub(text.chars().count() + range.chars().count());
        lines.push(Line::from(vec![
            Span::styled(text, style),
            Span::styled(range, th.dim()),
            Span::raw(" ".repeat(if selected { pad } else { 0 })),
        ]));
        owner.push(Some(k));
        if let Some(e) = editing
            && let Some(c) = &e.check
        {
            lines.push(Line::from(Span::styled(format!("    ⚠ {c}"), th.warn())));
            owner.push(Some(k));
        }
        for p in app.problems_at(&f.path) {
            lines.push(Line::from(Span::styled(
                format!("    ✗ {}", p.message),
                th.bad(),
            )));
            owner.push(Some(k));
            if !p.hint.is_empty() {
                lines.push(Line::from(Span::styled(
                    format!("      hint: {}", p.hint),
                    th.dim(),
                )));
                owner.push(Some(k));
            }
        }
    }
    (lines, sel_line, owner)
}
