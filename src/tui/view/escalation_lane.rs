//! The escalation lane of the journey map (issue 6: "the journey map shows funnel and escalation
//! lifecycle as lanes or cards"): when the scenario has an `advocacy` section, a lane below the
//! three stage lanes shows the lifecycle as cards in order — who is escalated, response
//! planning, the customer meeting, the get-well plan, close-out or recurrence, and the free
//! trial. Once results exist the cards add the simulated figures of the strategy the dashboard
//! has selected (the same figures as the dashboard panel and `cxsim review`).
//!
//! A click on a card opens its fields in the inspector, as in the funnel lane; the lane only
//! takes rows the stage lanes can spare.

use ratatui::Frame;
use ratatui::layout::Rect;

use super::funnel_lane::{Card, draw_cards};
use crate::format::PeriodUnit;
use crate::format::advocacy::{Advocacy, Step, trial_periods};
use crate::results::RunResults;
use crate::results::advocacy::AdvocacyResult;
use crate::tui::app::App;
use crate::tui::layout::LaneSize;
use crate::tui::theme::Theme;

fn pct(p: f64) -> String {
    format!("{:.0}%", p * 100.0)
}

fn ordinal(n: u32) -> String {
    let suffix = match (n % 10, n % 100) {
        (1, r) if r != 11 => "st",
        (2, r) if r != 12 => "nd",
        (3, r) if r != 13 => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

fn plural(n: u32, unit: &str) -> String {
    if n == 1 {
        format!("1 {unit}")
    } else {
        format!("{n} {unit}s")
    }
}

fn step_lines(step: &Step, period: &str) -> Vec<String> {
    vec![
        format!("goes well {}", pct(step.probability)),
        format!("takes {}", plural(step.duration, period)),
        format!("cost {:.0}", step.cost),
    ]
}

fn selected(res: Option<&RunResults>, sel: usize) -> Option<&AdvocacyResult> {
    let r = res?;
    r.strategies
        .get(sel)
        .or(r.strategies.first())?
        .advocacy
        .as_ref()
}

/// The lifecycle cards, in the order an escalation meets them.
pub fn cards(adv: &Advocacy, unit: PeriodUnit, res: Option<&RunResults>, sel: usize) -> Vec<Card> {
    let period = unit.name();
    let sim = selected(res, sel);
    // Short lines: cards can be as narrow as 24 columns.
    let mut who = vec!["on unresolved incident".to_string()];
    who.extend(adv.policies.iter().map(|p| {
        let cap = p.at_most.map_or(String::new(), |m| format!(", ≤{m}×"));
        format!("{}: {}{cap}", p.segment, ordinal(p.escalate_on))
    }));
    who.push(match sim {
        Some(a) => format!("sim: {:.3}/customer", a.escalations_per_customer),
        None => "sim: no results yet".into(),
    });
    let mut planning = step_lines(&adv.planning, period);
    if let Some(a) = sim {
        planning.push(format!(
            "sim: P {} · E {} · R {}",
            a.by_stage.purchase, a.by_stage.exception, a.by_stage.relationship
        ));
    }
    let mut meeting = step_lines(&adv.meeting, period);
    if let Some(sm) = &adv.senior_management {
        meeting.push(format!("senior {} · +{:.0}", pct(sm.share), sm.extra_cost));
    }
    if let Some(a) = sim {
        meeting.push(format!("sim: {} senior", a.senior_meetings));
    }
    let g = &adv.get_well;
    let mut plan = vec![
        format!(
            "{} · succeeds {}",
            plural(g.duration, period),
            pct(g.probability)
        ),
        format!("cost {:.0}/{period}", g.cost_per_period),
        format!("churn ×{}", g.churn_multiplier),
        if g.reopen_on_related {
            "related incident reopens".into()
        } else {
            "incidents do not reopen".into()
        },
    ];
    if let Some(a) = sim {
        plan.push(format!(
            "sim: churn {:.2}%/{period}",
            a.plan_churn_rate * 100.0
        ));
    }
    let outcome = match sim {
        Some(a) => vec![
            format!("sim: closed {:.1}%", a.close_out_rate.mean * 100.0),
            format!("sim: recur {} · reopen {}", a.recurrences, a.reopens),
            format!("sim: {:.1} {period}s to resolve", a.time_to_resolution.mean),
            format!("sim: abandoned {}", a.abandoned),
        ],
        None => vec![
            "success → back to SOP".into(),
            "failure → recurs".into(),
            "sim: no results yet".into(),
        ],
    };
    let mut out = vec![
        Card {
            title: "who escalates".into(),
            lines: who,
            fields: "advocacy.policies[0]".into(),
        },
        Card {
            title: "1 response planning".into(),
            lines: planning,
            fields: "advocacy.planning".into(),
        },
        Card {
            title: "2 customer meeting".into(),
            lines: meeting,
            fields: "advocacy.meeting".into(),
        },
        Card {
            title: "3 get-well plan".into(),
            lines: plan,
            fields: "advocacy.get_well".into(),
        },
        Card {
            title: "4 close-out / recur".into(),
            lines: outcome,
            fields: "advocacy.get_well.probability".into(),
        },
    ];
    if let Some(t) = &adv.trial {
        let mut lines = vec![
            format!("mitigates {}", t.mitigates.join(", ")),
            format!(
                "{:.0} days = {}",
                t.days,
                plural(trial_periods(t.days, unit), period)
            ),
            format!("converts {}", pct(t.conversion)),
            format!("failures −{}", pct(t.failure_reduction)),
        ];
        if let Some(tr) = sim.and_then(|a| a.trial.as_ref()) {
            lines.push(format!("sim: {} of {} convert", tr.conversions, tr.offers));
        }
        out.push(Card {
            title: "free trial".into(),
            lines,
            fields: "advocacy.trial".into(),
        });
    }
    out
}

/// The one-line summary: "Escalation  planning → meeting → get-well 6 months → close-out".
pub fn summary(adv: &Advocacy, unit: PeriodUnit) -> String {
    let trial = if adv.trial.is_some() {
        " · free trial"
    } else {
        ""
    };
    format!(
        "▌Escalation  planning → meeting → get-well {} → close-out or recur{trial}",
        plural(adv.get_well.duration, unit.name())
    )
}

/// Draws the lane into `area` (any size: too small an area draws less, never panics).
pub fn draw(frame: &mut Frame, app: &App, area: Rect, size: LaneSize, th: Theme) {
    let Some(adv) = &app.scenario.advocacy else {
        return;
    };
    if area.width == 0 || area.height == 0 {
        return;
    }
    let unit = app.scenario.period;
    if size == LaneSize::Compact || area.height < 3 {
        frame.render_widget(
            ratatui::widgets::Paragraph::new(ratatui::text::Span::styled(
                summary(adv, unit),
                th.dim(),
            )),
            Rect { height: 1, ..area },
        );
        return;
    }
    let res = app.sim.results.as_ref();
    let who = res
        .and_then(|r| r.strategies.get(app.dash_sel).or(r.strategies.first()))
        .map_or(String::new(), |s| format!(" · sim: {}", s.name));
    let header = format!("▌Escalation lifecycle{who} · E or a click edits");
    draw_cards(frame, area, header, cards(adv, unit, res, app.dash_sel), th);
}
