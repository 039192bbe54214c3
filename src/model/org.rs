//! Validation of the organisation (docs/format.md, "Organisation"), and the strategies a
//! `--variant` run adds.

use std::collections::HashMap;

use super::{Checker, Model};
use crate::format::Scenario;
use crate::format::error::Problem;
use crate::format::org::CURRENT;

/// `cxsim run --variant tp=name …`: for each selected strategy, a copy that also selects the
/// given variants, named `"<strategy> [tp=name, …]"`. Returns the extended model and the
/// strategy order (each strategy followed by its copy), so the copies run on common random
/// numbers with their originals. Problems (unknown touchpoint or variant) come back as the
/// validation's messages.
pub fn with_variant_strategies(
    model: &Model,
    strategies: &[usize],
    choices: &[(String, String)],
) -> Result<(Model, Vec<usize>), Vec<Problem>> {
    // An impossible choice is the argument's fault, reported once with the argument's words
    // rather than once per strategy copy at a path the user never wrote.
    let problems: Vec<Problem> = choices
        .iter()
        .filter_map(|(tp, v)| {
            variant_problem(&model.scenario, tp, v).map(|(message, hint)| Problem {
                path: format!("--variant {tp}={v}"),
                message,
                hint,
            })
        })
        .collect();
    if !problems.is_empty() {
        return Err(problems);
    }
    let mut s = model.scenario.clone();
    let label: Vec<String> = choices.iter().map(|(t, v)| format!("{t}={v}")).collect();
    let label = label.join(", ");
    let mut order = Vec::with_capacity(strategies.len() * 2);
    for &si in strategies {
        let mut copy = s.strategies[si].clone();
        copy.name = format!("{} [{label}]", copy.name);
        for (tp, v) in choices {
            copy.variants.insert(tp.clone(), v.clone());
        }
        order.push(si);
        order.push(s.strategies.len());
        s.strategies.push(copy);
    }
    let m = crate::model::validate(s)?;
    Ok((m, order))
}

/// Checks the organisation fields of a scenario; called from `model::validate`.
pub fn validate(s: &Scenario, c: &mut Checker) {
    let level_hint = "a level between 0 (absent) and 1 (fully present)";
    let mut team_ids: HashMap<&str, usize> = HashMap::new();
    if let Some(org) = &s.organisation {
        c.fraction(
            "organisation.engagement_impact",
            org.engagement_impact,
            "0.5: a fully disengaged team delivers half the quality",
        );
        c.positive(
            "organisation.half_saturation",
            org.half_saturation,
            "the spend per customer-period that closes half of a level's gap to 1",
        );
        for (i, tm) in org.teams.iter().enumerate() {
            let p = format!("organisation.teams[{i}]");
            if tm.id.trim().is_empty() {
                c.push(
                    format!("{p}.id"),
                    "team id is empty".into(),
                    "use the owner name its touchpoints carry, e.g. \"Customer care\"",
                );
            } else if let Some(first) = team_ids.get(tm.id.as_str()) {
                c.push(
                    format!("{p}.id"),
                    format!(
                        "duplicate team id \"{}\" (first used at organisation.teams[{first}])",
                        tm.id
                    ),
                    "they must be unique; rename one of them",
                );
            } else {
                team_ids.insert(tm.id.as_str(), i);
            }
            c.fraction(&format!("{p}.engagement"), tm.engagement, level_hint);
            c.fraction(
                &format!("{p}.drift"),
                tm.drift,
                "the fraction of the way to its target engagement moves each period; 0 keeps it fixed",
            );
            if let Some(sf) = tm.staffing {
                c.positive(
                    &format!("{p}.staffing.agents_per_1000"),
                    sf.agents_per_1000,
                    "agents per 1,000 active customers, e.g. 2.5",
                );
                c.positive(
                    &format!("{p}.staffing.capacity"),
                    sf.capacity,
                    "contacts one agent handles per period without strain, e.g. 400",
                );
                c.non_negative(
                    &format!("{p}.staffing.strain"),
                    sf.strain,
                    "engagement lost per unit of overload; 0 ignores workload",
                );
            }
        }
        if let Some(tr) = org.triangle {
            for (leg, v) in [
                ("leadership", tr.leadership),
                ("incentives", tr.incentives),
                ("culture", tr.culture),
            ] {
                c.fraction(&format!("organisation.triangle.{leg}"), v, level_hint);
            }
            if c.finite("organisation.triangle.rho", tr.rho) && tr.rho > 0.0 {
                c.push(
                    "organisation.triangle.rho".into(),
                    format!("expected ρ ≤ 0, found {}", tr.rho),
                    "with ρ > 0 a missing leg would not stop execution; use 0 (geometric mean) or -1",
                );
            }
            let w = tr.weights;
            for (leg, v) in [
                ("leadership", w.leadership),
                ("incentives", w.incentives),
                ("culture", w.culture),
            ] {
                c.positive(
                    &format!("organisation.triangle.weights.{leg}"),
                    v,
                    "every leg matters: weights are relative and > 0",
                );
            }
        }
    }

    for (i, tp) in s.touchpoints.iter().enumerate() {
        let p = format!("touchpoints[{i}]");
        if let Some(team) = &tp.team {
            match &s.organisation {
                None => c.push(
                    format!("{p}.team"),
                    format!("team \"{team}\" named, but the scenario has no organisation"),
                    "add organisation: Some(Organisation(teams: [Team(id: .., engagement: ..)]))",
                ),
                Some(org) if !org.teams.iter().any(|t| &t.id == team) => {
                    let known: Vec<&str> = org.teams.iter().map(|t| t.id.as_str()).collect();
                    c.push(
                        format!("{p}.team"),
                        format!("unknown team \"{team}\""),
                        &format!("known teams: {}", known.join(", ")),
                    );
                }
                _ => {}
            }
        }
        if let Some(r) = &tp.recovery {
            c.fraction(
                &format!("{p}.recovery.quality"),
                r.quality,
                "the probability a failure is put right in the same period, e.g. 0.6",
            );
            c.non_negative(
                &format!("{p}.recovery.cost"),
                r.cost,
                "the cost of a recovery cannot be negative",
            );
            c.shifts(&format!("{p}.recovery.effects"), &r.effects);
        }
        if let Some(fb) = &tp.feedback {
            let fp = format!("{p}.feedback");
            c.fraction(
                &format!("{fp}.response_rate"),
                fb.response_rate,
                "the share of occurrences that leave feedback, e.g. 0.1",
            );
            c.fraction(
                &format!("{fp}.learning_rate"),
                fb.learning_rate,
                "the share of the failures heard about that get fixed each period, e.g. 0.2",
            );
            c.fraction(
                &format!("{fp}.decay"),
                fb.decay,
                "the share of learned quality lost each period; 0 keeps it",
            );
            let step = fb.learning_rate * fb.response_rate + fb.decay;
            if step.is_finite() && step > 1.0 {
                c.push(
                    fp,
                    format!("learning_rate · response_rate + decay = {step}, expected at most 1"),
                    "larger steps overshoot the fixed point; lower the learning rate or the decay",
                );
            }
        }
        let mut names: HashMap<&str, usize> = HashMap::new();
        for (k, v) in tp.variants.iter().enumerate() {
            let vp = format!("{p}.variants[{k}]");
            if v.name.trim().is_empty() || v.name == CURRENT {
                c.push(
                    format!("{vp}.name"),
                    format!("variant name \"{}\" is empty or reserved", v.name),
                    "\"current\" selects the design in the file; name a variant e.g. \"redesigned\"",
                );
            } else if let Some(first) = names.get(v.name.as_str()) {
                c.push(
                    format!("{vp}.name"),
                    format!(
                        "duplicate variant \"{}\" (first at {p}.variants[{first}])",
                        v.name
                    ),
                    "variant names must be unique within a touchpoint",
                );
            } else {
                names.insert(v.name.as_str(), k);
            }
            if let Some(q) = v.quality {
                c.fraction(
                    &format!("{vp}.quality"),
                    q,
                    "write 0.9 for \"9 in 10\", not 90",
                );
            }
            if let Some(cost) = v.cost {
                c.non_negative(
                    &format!("{vp}.cost"),
                    cost,
                    "cost per occurrence cannot be negative",
                );
            }
            if let Some(e) = &v.effects {
                c.shifts(&format!("{vp}.effects.success"), &e.success);
                c.shifts(&format!("{vp}.effects.failure"), &e.failure);
            }
        }
    }

    let has_triangle = s
        .organisation
        .as_ref()
        .is_some_and(|o| o.triangle.is_some());
    let has_teams = s.organisation.as_ref().is_some_and(|o| !o.teams.is_empty());
    for (i, st) in s.strategies.iter().enumerate() {
        let p = format!("strategies[{i}]");
        if let Some(o) = st.organisation {
            let hint = "organisational spend per active customer per period, like budget";
            for (leg, v) in [
                ("leadership", o.leadership),
                ("incentives", o.incentives),
                ("culture", o.culture),
                ("engagement", o.engagement),
            ] {
                c.non_negative(&format!("{p}.organisation.{leg}"), v, hint);
            }
            if !has_triangle && o.leadership + o.incentives + o.culture > 0.0 {
                c.push(
                    format!("{p}.organisation"),
                    "spends on the iron triangle, but the organisation has no triangle".into(),
                    "add triangle: Some(Triangle(leadership: .., incentives: .., culture: ..)) to the organisation",
                );
            }
            if !has_teams && o.engagement > 0.0 {
                c.push(
                    format!("{p}.organisation.engagement"),
                    "spends on engagement, but the organisation has no teams".into(),
                    "add teams to organisation, or set engagement: 0.0",
                );
            }
        }
        for (tp_id, name) in &st.variants {
            if let Some((message, hint)) = variant_problem(s, tp_id, name) {
                c.push(format!("{p}.variants[\"{tp_id}\"]"), message, &hint);
            }
        }
    }
}

/// Why selecting variant `name` of touchpoint `tp_id` is impossible (message, hint), if it is.
fn variant_problem(s: &Scenario, tp_id: &str, name: &str) -> Option<(String, String)> {
    match s.touchpoints.iter().find(|t| t.id == tp_id) {
        None => {
            let known: Vec<&str> = s.touchpoints.iter().map(|t| t.id.as_str()).collect();
            Some((
                format!("unknown touchpoint id \"{tp_id}\""),
                format!("known ids: {}", known.join(", ")),
            ))
        }
        Some(t) if name != CURRENT && !t.variants.iter().any(|v| v.name == name) => {
            let mut known: Vec<&str> = vec![CURRENT];
            known.extend(t.variants.iter().map(|v| v.name.as_str()));
            Some((
                format!("touchpoint \"{tp_id}\" has no variant \"{name}\""),
                format!("its variants: {}", known.join(", ")),
            ))
        }
        _ => None,
    }
}
