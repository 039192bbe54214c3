//! The funnel lane of the journey map (issue 6: "the journey map shows funnel and escalation
//! lifecycle as lanes or cards"): when the scenario has an `acquisition` section, a lane above
//! the three stage lanes shows one card per funnel (leads → qualified → won per period, with the
//! rates and costs) and a word-of-mouth card (initial base, referral and warning strength). Once
//! results exist the cards add the simulated new customers per period and the CAC of the
//! strategy the dashboard has selected.
//!
//! A click on a card opens its fields in the inspector (funnels are edited there). It only
//! takes rows the stage lanes can spare — a full lane on tall terminals, one summary line on
//! short ones, nothing below that — so the stage lanes keep their layout and clicks keep working.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use crate::fmt::group_thousands;
use crate::format::acquisition::{Acquisition, Funnel, Warners};
use crate::results::RunResults;
use crate::results::acquisition::StrategyAcquisition;
use crate::tui::app::App;
use crate::tui::layout::{LaneSize, card_rects};
use crate::tui::theme::Theme;

/// A count: whole numbers with thousands separators, small ones with one decimal.
fn count(x: f64) -> String {
    if !x.is_finite() || x < 0.0 {
        return "n/a".into();
    }
    if x < 100.0 && x.fract().abs() > 1e-9 {
        format!("{x:.1}")
    } else {
        group_thousands(x.round() as u64)
    }
}

fn pct(p: f64) -> String {
    let v = p * 100.0;
    if (v - v.round()).abs() < 1e-9 {
        format!("{v:.0}%")
    } else {
        format!("{v:.1}%")
    }
}

/// The results of the selected strategy, if they belong to a scenario with acquisition.
fn selected(res: Option<&RunResults>, sel: usize) -> Option<&StrategyAcquisition> {
    let a = res?.acquisition.as_ref()?;
    a.strategies.get(sel).or(a.strategies.first())
}

/// One card: title and text lines.
pub struct Card {
    pub title: String,
    pub lines: Vec<String>,
    /// Where a click on the card goes: the validation path its first inspector field starts
    /// with (in the scenario settings' form).
    pub fields: String,
}

/// The cards of the lane: one per funnel (file order), then word of mouth. `res` adds the
/// simulated figures of strategy `sel`; `period` names the period ("quarter").
pub fn cards(acq: &Acquisition, period: &str, res: Option<&RunResults>, sel: usize) -> Vec<Card> {
    let sim = selected(res, sel);
    let horizon = res.map_or(0, |r| r.horizon);
    let currency = res.map_or("", |r| r.currency.as_str());
    let mut out: Vec<Card> = acq
        .funnels
        .iter()
        .enumerate()
        .map(|(k, f)| funnel_card(k, f, period, sim, horizon, currency))
        .collect();
    let warners = match acq.warners {
        Warners::FailureChurners => "failure churners",
        Warners::AllChurners => "all churners",
    };
    let mut wom = vec![
        format!("initial base {}", count(acq.initial_customers)),
        format!("referrals {} per loyal", acq.referral_strength),
        format!("warnings {} per churner", acq.warning_strength),
        format!("warners: {warners}"),
    ];
    match sim {
        Some(s) => {
            let referred: f64 = s.referred_customers.iter().sum();
            let warned: f64 = s.warned_off.iter().sum();
            wom.push(format!("sim: {} referred", count(referred)));
            wom.push(format!("sim: {} warned off", count(warned)));
        }
        None => wom.push("sim: no results yet".into()),
    }
    out.push(Card {
        title: "word of mouth".into(),
        lines: wom,
        fields: "acquisition.initial_customers".into(),
    });
    out
}

fn funnel_card(
    k: usize,
    f: &Funnel,
    period: &str,
    sim: Option<&StrategyAcquisition>,
    horizon: u32,
    currency: &str,
) -> Card {
    let qualified = f.leads_per_period * f.qualification_rate;
    let won = qualified * f.conversion_rate;
    let costs = match (f.cost_per_lead > 0.0, f.cost_per_win > 0.0) {
        (false, false) => "no costs".to_string(),
        (true, false) => format!("cost {}/lead", count(f.cost_per_lead)),
        (false, true) => format!("cost {}/win", count(f.cost_per_win)),
        (true, true) => format!(
            "cost {}/lead · {}/win",
            count(f.cost_per_lead),
            count(f.cost_per_win)
        ),
    };
    let mut lines = vec![
        format!("leads {}/{period}", count(f.leads_per_period)),
        format!(
            "→ qualified {} ({})",
            count(qualified),
            pct(f.qualification_rate)
        ),
        format!("→ won {} ({})", count(won), pct(f.conversion_rate)),
        costs,
    ];
    match sim.and_then(|s| s.funnels.iter().find(|r| r.segment == f.segment)) {
        Some(r) => {
            let per_period = r.new_customers / f64::from(horizon.max(1));
            lines.push(format!("sim: {} won/{period}", count(per_period)));
            lines.push(match r.cac {
                Some(c) => format!("sim: CAC {} {currency}", count(c))
                    .trim_end()
                    .to_string(),
                None => "sim: CAC n/a (no wins)".to_string(),
            });
        }
        None => lines.push("sim: no results yet".to_string()),
    }
    Card {
        title: format!("funnel · {}", f.segment),
        lines,
        fields: format!("acquisition.funnels[{k}]"),
    }
}

/// The one-line summary: "Funnel  smb 1,200→420→84 · … · referrals 0.05 · warnings 3".
pub fn summary(acq: &Acquisition) -> String {
    let mut parts: Vec<String> = acq
        .funnels
        .iter()
        .map(|f| {
            let q = f.leads_per_period * f.qualification_rate;
            format!(
                "{} {}→{}→{}",
                f.segment,
                count(f.leads_per_period),
                count(q),
                count(q * f.conversion_rate)
            )
        })
        .collect();
    parts.push(format!(
        "referrals {} · warnings {}",
        acq.referral_strength, acq.warning_strength
    ));
    format!("▌Funnel  {}", parts.join(" · "))
}

/// Draws the lane into `area` (any size: too small an area draws less, never panics).
pub fn draw(frame: &mut Frame, app: &App, area: Rect, size: LaneSize, th: Theme) {
    let Some(acq) = &app.scenario.acquisition else {
        return;
    };
    if area.width == 0 || area.height == 0 {
        return;
    }
    if size == LaneSize::Compact || area.height < 3 {
        frame.render_widget(
            Paragraph::new(Line::from(Span::styled(summary(acq), th.dim()))),
            Rect { height: 1, ..area },
        );
        return;
    }
    let period = app.scenario.period.name();
    let res = app.sim.results.as_ref();
    let cards = cards(acq, period, res, app.dash_sel);
    let who = selected(res, app.dash_sel).map_or(String::new(), |s| format!(" · sim: {}", s.name));
    let header = format!(
        "▌Funnel ({} segments){who} · F or a click edits",
        acq.funnels.len()
    );
    draw_cards(frame, area, header, cards, th);
}

/// Draws a lane of cards under a one-line header: as many cards of at least `MIN_CARD_W`
/// columns as fit, the header saying how many are hidden. Lines starting with "sim:" (simulated
/// figures) stand out from the inputs read from the file. Shared by the funnel and escalation
/// lanes.
pub fn draw_cards(frame: &mut Frame, area: Rect, header: String, cards: Vec<Card>, th: Theme) {
    if area.width == 0 || area.height == 0 {
        return;
    }
    let n = cards.len() as u16;
    let rects = card_rects(area, cards.len());
    let fit = rects.len() as u16;
    let more = if fit < n {
        format!(" — {fit} of {n} cards shown, widen the terminal for the rest")
    } else {
        String::new()
    };
    frame.render_widget(
        Paragraph::new(Line::from(Span::styled(
            format!("{header}{more}"),
            th.dim(),
        ))),
        Rect { height: 1, ..area },
    );
    for (card, rect) in cards.into_iter().zip(rects) {
        // Simulated figures stand out from the inputs read from the file.
        let lines: Vec<Line> = card
            .lines
            .into_iter()
            .map(|l| {
                let style = if l.starts_with("sim:") {
                    th.accent()
                } else {
                    Style::default()
                };
                Line::from(Span::styled(l, style))
            })
            .collect();
        frame.render_widget(
            Paragraph::new(lines).block(
                Block::default()
                    .borders(Borders::ALL)
                    .border_style(th.dim())
                    .title(Span::styled(
                        card.title,
                        Style::default().add_modifier(Modifier::BOLD),
                    )),
            ),
            rect,
        );
    }
}
