//! Validation of the advocacy programme (docs/format.md, "Advocacy").

use super::Checker;
use crate::format::advocacy::{MAX_TRIAL_DAYS, Step};
use crate::format::{Effects, Scenario, Shift};

pub fn validate(s: &Scenario, c: &mut Checker) {
    let Some(a) = &s.advocacy else {
        return;
    };
    let mut push = |path: String, message: String, hint: &str| c.push(path, message, hint);
    let prob = |v: f64| v.is_finite() && (0.0..=1.0).contains(&v);
    let non_neg = |v: f64| v.is_finite() && v >= 0.0;
    let prob_hint = "write 0.9 for \"9 in 10\", not 90";
    let cost_hint = "a cost cannot be negative";

    if !s.touchpoints.iter().any(|t| {
        t.on_failure
            .contains(&crate::format::FollowOn::OpenIncident)
    }) {
        push(
            "advocacy".into(),
            "advocacy is set, but no touchpoint opens an incident: nothing can be escalated".into(),
            "add on_failure: [OpenIncident] to the touchpoint whose failures customers escalate",
        );
    }
    if a.policies.is_empty() {
        push(
            "advocacy.policies".into(),
            "advocacy has no escalation policies: no customer would be escalated".into(),
            "add (segment: \"..\", escalate_on: 1), or remove the advocacy section",
        );
    }
    let mut seen: Vec<&str> = Vec::new();
    for (i, pol) in a.policies.iter().enumerate() {
        let p = format!("advocacy.policies[{i}]");
        if !s.segments.iter().any(|g| g.id == pol.segment) {
            let known: Vec<&str> = s.segments.iter().map(|g| g.id.as_str()).collect();
            push(
                format!("{p}.segment"),
                format!("unknown segment id \"{}\"", pol.segment),
                &format!("known ids: {}", known.join(", ")),
            );
        } else if seen.contains(&pol.segment.as_str()) {
            push(
                format!("{p}.segment"),
                format!("segment \"{}\" has a second escalation policy", pol.segment),
                "one policy per segment; remove one of them",
            );
        } else {
            seen.push(pol.segment.as_str());
        }
        if pol.escalate_on == 0 {
            push(
                format!("{p}.escalate_on"),
                "escalate_on is 0".into(),
                "1 escalates on the first unresolved incident, 2 on the second; remove the \
                 policy to never escalate the segment",
            );
        }
        if pol.at_most == Some(0) {
            push(
                format!("{p}.at_most"),
                "at_most is 0: the segment would never be escalated".into(),
                "omit at_most for no limit, or remove the policy",
            );
        }
    }

    let step = |push: &mut dyn FnMut(String, String, &str), name: &str, st: &Step| {
        let p = format!("advocacy.{name}");
        if !prob(st.probability) {
            push(
                format!("{p}.probability"),
                format!(
                    "expected a probability between 0 and 1, found {}",
                    st.probability
                ),
                prob_hint,
            );
        }
        if st.duration == 0 {
            push(
                format!("{p}.duration"),
                "duration is 0 periods".into(),
                "every step takes at least one period",
            );
        }
        if !non_neg(st.cost) {
            push(
                format!("{p}.cost"),
                format!("expected a finite number ≥ 0, found {}", st.cost),
                cost_hint,
            );
        }
        effects(push, &format!("{p}.effects"), &st.effects);
    };
    step(&mut push, "planning", &a.planning);
    step(&mut push, "meeting", &a.meeting);
    if let Some(sm) = &a.senior_management {
        let p = "advocacy.senior_management";
        for (name, v) in [("share", sm.share), ("probability", sm.probability)] {
            if !prob(v) {
                push(
                    format!("{p}.{name}"),
                    format!("expected a probability between 0 and 1, found {v}"),
                    prob_hint,
                );
            }
        }
        if !non_neg(sm.extra_cost) {
            push(
                format!("{p}.extra_cost"),
                format!("expected a finite number ≥ 0, found {}", sm.extra_cost),
                cost_hint,
            );
        }
        effects(&mut push, &format!("{p}.effects"), &sm.effects);
    }
    let g = &a.get_well;
    if g.duration == 0 {
        push(
            "advocacy.get_well.duration".into(),
            "duration is 0 periods".into(),
            "a get-well plan takes at least one period",
        );
    }
    if !prob(g.probability) {
        push(
            "advocacy.get_well.probability".into(),
            format!(
                "expected a probability between 0 and 1, found {}",
                g.probability
            ),
            prob_hint,
        );
    }
    if !non_neg(g.cost_per_period) {
        push(
            "advocacy.get_well.cost_per_period".into(),
            format!("expected a finite number ≥ 0, found {}", g.cost_per_period),
            cost_hint,
        );
    }
    if !non_neg(g.churn_multiplier) {
        push(
            "advocacy.get_well.churn_multiplier".into(),
            format!("expected a finite number ≥ 0, found {}", g.churn_multiplier),
            "1 leaves the churn risk as it is, 0.5 halves it, 2 doubles it",
        );
    }
    effects(&mut push, "advocacy.get_well.effects", &g.effects);

    if let Some(tr) = &a.trial {
        let p = "advocacy.trial";
        if tr.mitigates.is_empty() {
            push(
                format!("{p}.mitigates"),
                "the trial mitigates no touchpoint".into(),
                "name the touchpoint ids whose failures the service prevents",
            );
        }
        let known: Vec<&str> = s.touchpoints.iter().map(|t| t.id.as_str()).collect();
        let mut any_opener = false;
        let mut all_known = true;
        for (k, id) in tr.mitigates.iter().enumerate() {
            match s.touchpoints.iter().find(|t| &t.id == id) {
                None => {
                    all_known = false;
                    push(
                        format!("{p}.mitigates[{k}]"),
                        format!("unknown touchpoint id \"{id}\""),
                        &format!("known ids: {}", known.join(", ")),
                    );
                }
                Some(t) => {
                    any_opener |= t
                        .on_failure
                        .contains(&crate::format::FollowOn::OpenIncident)
                }
            }
        }
        if all_known && !tr.mitigates.is_empty() && !any_opener {
            push(
                format!("{p}.mitigates"),
                "no mitigated touchpoint opens an incident, so no escalation has it as root \
                 cause and the trial is never offered"
                    .into(),
                "name a touchpoint with on_failure: [OpenIncident]",
            );
        }
        if !(tr.days.is_finite() && tr.days > 0.0 && tr.days <= MAX_TRIAL_DAYS) {
            push(
                format!("{p}.days"),
                format!(
                    "expected a trial length above 0 and at most {MAX_TRIAL_DAYS} days, found {}",
                    tr.days
                ),
                "the trial length in days, e.g. 90 (converted to whole periods)",
            );
        }
        for (name, v) in [
            ("conversion", tr.conversion),
            ("failure_reduction", tr.failure_reduction),
        ] {
            if !prob(v) {
                push(
                    format!("{p}.{name}"),
                    format!("expected a probability between 0 and 1, found {v}"),
                    "a share: 0.4 for \"4 in 10\", not 40",
                );
            }
        }
        for (name, v) in [
            ("price_per_period", tr.price_per_period),
            ("cost_per_period", tr.cost_per_period),
        ] {
            if !non_neg(v) {
                push(
                    format!("{p}.{name}"),
                    format!("expected a finite number ≥ 0, found {v}"),
                    "money per period cannot be negative",
                );
            }
        }
    }
}

fn effects(push: &mut dyn FnMut(String, String, &str), path: &str, e: &Effects) {
    for (outcome, shifts) in [("success", e.success), ("failure", e.failure)] {
        for (k, state) in ["satisfied", "pleased", "loyal"].iter().enumerate() {
            if let Shift::Up(f) | Shift::Down(f) = shifts.get(k)
                && !(f.is_finite() && (0.0..=1.0).contains(&f))
            {
                push(
                    format!("{path}.{outcome}.{state}"),
                    format!("expected a fraction between 0 and 1, found {f}"),
                    "Up(0.1) closes a tenth of the gap to the top; Down(0.3) loses 30 % of the level",
                );
            }
        }
    }
}
