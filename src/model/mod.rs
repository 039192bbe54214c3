//! Validation: a parsed `Scenario` becomes a `Model` only if every field makes business sense.
//! All problems are collected in one pass, each with a field path and a hint.

pub mod accounts;
pub mod acquisition;
pub mod advocacy;
pub mod checker;
pub mod load;
pub mod org;

pub use checker::{Checker, num};

use std::collections::HashMap;

use crate::format::error::Problem;
use crate::format::{FollowOn, MAX_HORIZON, Propensity, Scenario, Stage, Trigger, When};

/// Largest number of touchpoints accepted (the engine's per-touchpoint counters are u16-indexed).
pub const MAX_TOUCHPOINTS: usize = 4096;
/// Tolerance for shares and emphasis splits summing to 1.
/// Largest protection weight: keeps every log-hazard change (harm) far inside f64's range, which
/// the engine's root-cause bookkeeping relies on.
pub const MAX_PROTECTION: f64 = 1000.0;
pub const SUM_TOLERANCE: f64 = 1e-9;

/// A scenario that passed validation, with references resolved to indices.
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    pub scenario: Scenario,
    /// For each touchpoint, the index of the touchpoint its `After` trigger names.
    pub after_source: Vec<Option<usize>>,
    /// Touchpoint indices in the order they run within a period: stage order, except that a
    /// touchpoint always runs after everything that can trigger it.
    pub run_order: Vec<usize>,
}

impl Model {
    pub fn horizon(&self) -> usize {
        self.scenario.horizon as usize
    }

    pub fn report_every(&self) -> u32 {
        self.scenario
            .report_every
            .unwrap_or_else(|| self.scenario.period.per_year())
            .clamp(1, self.scenario.horizon.max(1))
    }

    pub fn strategy_index(&self, name: &str) -> Option<usize> {
        self.scenario.strategies.iter().position(|s| s.name == name)
    }
}

/// A touchpoint's lifecycle window: periods count from 1, steps are at least 1, and a window
/// ends no earlier than it starts.
fn check_when(c: &mut Checker, path: &str, when: When) {
    let positive = |c: &mut Checker, at: String, v: u32, what: &str, hint: &str| {
        if v == 0 {
            c.push(at, format!("{what} is 0"), hint);
        }
    };
    match when {
        When::Always => {}
        When::FirstPeriods(n) => positive(
            c,
            path.to_string(),
            n,
            "FirstPeriods",
            "periods count from 1: FirstPeriods(1) is a customer's first period only",
        ),
        When::AtPeriod(t) | When::FromPeriod(t) => positive(
            c,
            path.to_string(),
            t,
            "the period",
            "periods count from 1: a customer's first period is period 1",
        ),
        When::EveryPeriods(k) => positive(
            c,
            path.to_string(),
            k,
            "the step",
            "EveryPeriods(3) is every third period (3, 6, 9, …); use Always for every period",
        ),
        When::Renewal(term) => positive(
            c,
            path.to_string(),
            term,
            "the contract term",
            "Renewal(12) is the first period of each new 12-period term (13, 25, …)",
        ),
        When::Periods { from, every, until } => {
            positive(
                c,
                format!("{path}.from"),
                from,
                "from",
                "periods count from 1: a customer's first period is period 1",
            );
            positive(
                c,
                format!("{path}.every"),
                every,
                "every",
                "every: 1 is each period of the window, 3 every third",
            );
            if let Some(u) = until
                && u < from
            {
                c.push(
                    format!("{path}.until"),
                    format!("the window ends (period {u}) before it starts (period {from})"),
                    "until is the last period of the window, inclusive, and at least from",
                );
            }
        }
    }
}

/// A touchpoint's `by_segment`: known segments it reaches, numbers in range, and only the
/// triggers that keep the journey's structure (docs/format.md "Touchpoint").
fn check_overrides(c: &mut Checker, s: &Scenario, i: usize, tp: &crate::format::Touchpoint) {
    if tp.by_segment.is_empty() {
        return;
    }
    let p = format!("touchpoints[{i}].by_segment");
    if crate::format::org::has_features(s) {
        c.push(
            p.clone(),
            "per-segment overrides are not supported together with the organisation's features \
             yet (its schedule computes one quality per touchpoint)"
                .into(),
            "write the segments' difference as a design variant, or model the organisation \
             in a separate file",
        );
    }
    for (id, ov) in &tp.by_segment {
        let at = format!("{p}[\"{}\"]", id.escape_debug());
        if !s.segments.iter().any(|g| g.id == *id) {
            let known: Vec<&str> = s.segments.iter().map(|g| g.id.as_str()).collect();
            c.push(
                at.clone(),
                format!("unknown segment id \"{}\"", id.escape_debug()),
                &format!("known segment ids: {}", known.join(", ")),
            );
        } else if !tp.segments.is_empty() && !tp.segments.contains(id) {
            c.push(
                at.clone(),
                format!("overrides segment \"{id}\", which the touchpoint does not reach"),
                "add the segment to the touchpoint's segments, or remove the override",
            );
        }
        if let Some(q) = ov.quality {
            c.probability(&format!("{at}.quality"), q);
        }
        if let Some(cost) = ov.cost {
            c.non_negative(
                &format!("{at}.cost"),
                cost,
                "cost per occurrence cannot be negative",
            );
        }
        if let Some(e) = &ov.effects {
            for (outcome, shifts) in [("success", e.success), ("failure", e.failure)] {
                for (k, state) in ["satisfied", "pleased", "loyal"].iter().enumerate() {
                    c.shift(&format!("{at}.effects.{outcome}.{state}"), shifts.get(k));
                }
            }
        }
        if let Some(t) = ov.trigger {
            if let crate::format::OverrideTrigger::Chance(pr) = t {
                c.probability(&format!("{at}.trigger"), pr);
            }
            if !matches!(tp.trigger, Trigger::EveryPeriod | Trigger::Chance(_)) {
                c.push(
                    format!("{at}.trigger"),
                    "only an EveryPeriod or Chance touchpoint can have its trigger overridden \
                     per segment"
                        .into(),
                    "follow-ons and incident handling run for every segment alike; restrict \
                     the touchpoint with segments instead",
                );
            }
        }
    }
}

/// Validates a scenario, returning the model or every problem found.
pub fn validate(scenario: Scenario) -> Result<Model, Vec<Problem>> {
    let mut c = Checker {
        problems: Vec::new(),
    };
    let s = &scenario;

    c.plain_text("name", &s.name, "scenario name");
    if s.name.trim().is_empty() {
        c.push(
            "name".into(),
            "scenario name is empty".into(),
            "name the journey, e.g. \"Online retailer 2027\"",
        );
    }
    if s.horizon == 0 {
        c.push(
            "horizon".into(),
            "horizon is 0 periods: nothing would be simulated".into(),
            "set the number of periods to simulate, e.g. 36 for three years of months",
        );
    } else if s.horizon > MAX_HORIZON {
        c.push(
            "horizon".into(),
            format!(
                "horizon {} exceeds the maximum of {MAX_HORIZON} periods",
                s.horizon
            ),
            "use a longer period unit (Month instead of Day) for long horizons",
        );
    }
    if c.finite("discount_rate", s.discount_rate) && !(0.0..=1.0).contains(&s.discount_rate) {
        c.push(
            "discount_rate".into(),
            format!(
                "expected an annual rate between 0 and 1, found {}",
                num(s.discount_rate)
            ),
            "write 0.08 for 8 % a year",
        );
    }
    if let Some(r) = s.report_every
        && (r == 0 || r > s.horizon.max(1))
    {
        c.push(
            "report_every".into(),
            format!(
                "expected a number of periods between 1 and the horizon ({}), found {r}",
                s.horizon
            ),
            "omit it to report once a year",
        );
    }
    if s.attribution_window == 0 {
        c.push(
            "attribution_window".into(),
            "attribution window is 0 periods".into(),
            "use at least 1: the period in which the customer churned",
        );
    }

    // Segments.
    if s.segments.is_empty() {
        c.push(
            "segments".into(),
            "no customer segments".into(),
            "add at least one Segment with share: 1.0",
        );
    }
    let mut seg_ids = HashMap::new();
    let mut share_sum = 0.0;
    for (i, seg) in s.segments.iter().enumerate() {
        let p = format!("segments[{i}]");
        c.id(&format!("{p}.id"), &seg.id, &mut seg_ids, "segment id");
        c.probability(&format!("{p}.share"), seg.share);
        share_sum += seg.share;
        c.non_negative(
            &format!("{p}.value_per_period"),
            seg.value_per_period,
            "revenue per period cannot be negative",
        );
        c.probability(&format!("{p}.initial.satisfied"), seg.initial.satisfied);
        c.probability(&format!("{p}.initial.pleased"), seg.initial.pleased);
        c.probability(&format!("{p}.initial.loyal"), seg.initial.loyal);
        match seg.churn_propensity {
            Propensity::Beta { alpha, beta } => {
                let hint = "Beta(alpha, beta) has mean alpha/(alpha+beta); both must be > 0";
                c.positive(&format!("{p}.churn_propensity.alpha"), alpha, hint);
                c.positive(&format!("{p}.churn_propensity.beta"), beta, hint);
            }
            Propensity::Fixed(theta) => c.probability(&format!("{p}.churn_propensity"), theta),
        }
    }
    if !s.segments.is_empty() && share_sum.is_finite() && (share_sum - 1.0).abs() > SUM_TOLERANCE {
        c.push(
            "segments".into(),
            format!("segment shares sum to {}, expected 1", fmt_sum(share_sum)),
            "shares are fractions of the customer base; make them add up to exactly 1",
        );
    }

    // Touchpoints.
    if s.touchpoints.is_empty() {
        c.push(
            "touchpoints".into(),
            "the journey has no touchpoints".into(),
            "add at least one Touchpoint, e.g. a Purchase touchpoint with trigger: EveryPeriod",
        );
    }
    if s.touchpoints.len() > MAX_TOUCHPOINTS {
        c.push(
            "touchpoints".into(),
            format!(
                "{} touchpoints exceed the maximum of {MAX_TOUCHPOINTS}",
                s.touchpoints.len()
            ),
            "split the journey into several scenarios",
        );
    }
    let mut tp_ids: HashMap<String, String> = HashMap::new();
    for (i, tp) in s.touchpoints.iter().enumerate() {
        c.id(
            &format!("touchpoints[{i}].id"),
            &tp.id,
            &mut tp_ids,
            "touchpoint id",
        );
    }
    let index_of: HashMap<&str, usize> = s
        .touchpoints
        .iter()
        .enumerate()
        .map(|(i, t)| (t.id.as_str(), i))
        .rev() // first occurrence wins for duplicate ids (already reported)
        .collect();
    let opens_incident: Vec<bool> = s
        .touchpoints
        .iter()
        .map(|t| t.on_failure.contains(&FollowOn::OpenIncident))
        .collect();
    let any_incident = opens_incident.iter().any(|&b| b);
    let mut after_source = vec![None; s.touchpoints.len()];
    for (i, tp) in s.touchpoints.iter().enumerate() {
        let p = format!("touchpoints[{i}]");
        c.plain_text(&format!("{p}.name"), &tp.name, "touchpoint name");
        if tp.name.trim().is_empty() {
            c.push(
                format!("{p}.name"),
                "touchpoint name is empty".into(),
                "name it as the customer would, e.g. \"Delivery\"",
            );
        }
        c.probability(&format!("{p}.quality"), tp.quality);
        c.non_negative(
            &format!("{p}.cost"),
            tp.cost,
            "cost per occurrence cannot be negative",
        );
        for (outcome, shifts) in [
            ("success", tp.effects.success),
            ("failure", tp.effects.failure),
        ] {
            for (k, state) in ["satisfied", "pleased", "loyal"].iter().enumerate() {
                c.shift(&format!("{p}.effects.{outcome}.{state}"), shifts.get(k));
            }
        }
        for (k, f) in tp.on_failure.iter().enumerate() {
            if let FollowOn::Escalate { probability, cost } = *f {
                c.probability(&format!("{p}.on_failure[{k}].probability"), probability);
                c.non_negative(
                    &format!("{p}.on_failure[{k}].cost"),
                    cost,
                    "an escalation's cost cannot be negative",
                );
            }
        }
        match &tp.trigger {
            Trigger::EveryPeriod => {}
            Trigger::Chance(pr) => c.probability(&format!("{p}.trigger"), *pr),
            Trigger::OnIncident => {
                if !any_incident {
                    c.push(
                        format!("{p}.trigger"),
                        "triggered OnIncident, but no touchpoint opens an incident".into(),
                        "add on_failure: [OpenIncident] to the touchpoint whose failure it handles",
                    );
                }
            }
            Trigger::After {
                touchpoint,
                probability,
                ..
            } => {
                c.probability(&format!("{p}.trigger.probability"), *probability);
                match index_of.get(touchpoint.as_str()) {
                    None => {
                        let known: Vec<&str> =
                            s.touchpoints.iter().map(|t| t.id.as_str()).collect();
                        c.push(
                            format!("{p}.trigger.touchpoint"),
                            format!("unknown touchpoint id \"{touchpoint}\""),
                            &format!("known ids: {}", known.join(", ")),
                        );
                    }
                    Some(&j) if j == i => c.push(
                        format!("{p}.trigger.touchpoint"),
                        format!("touchpoint \"{touchpoint}\" is triggered by itself"),
                        "a follow-on must name another touchpoint",
                    ),
                    Some(&j) => after_source[i] = Some(j),
                }
            }
        }
    }

    for (i, tp) in s.touchpoints.iter().enumerate() {
        let p = format!("touchpoints[{i}]");
        check_when(&mut c, &format!("{p}.when"), tp.when);
        let mut seen: Vec<&str> = Vec::new();
        for (k, id) in tp.segments.iter().enumerate() {
            let at = format!("{p}.segments[{k}]");
            if !s.segments.iter().any(|g| g.id == *id) {
                let known: Vec<&str> = s.segments.iter().map(|g| g.id.as_str()).collect();
                c.push(
                    at,
                    format!("unknown segment id \"{}\"", id.escape_debug()),
                    &format!("known segment ids: {}", known.join(", ")),
                );
            } else if seen.contains(&id.as_str()) {
                c.push(
                    at,
                    format!("segment \"{id}\" is listed twice"),
                    "list each segment once",
                );
            }
            seen.push(id);
        }
        check_overrides(&mut c, s, i, tp);
    }

    // Trigger graph: edges source -> triggered. Must be acyclic.
    let n = s.touchpoints.len();
    let mut edges: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (i, src) in after_source.iter().enumerate() {
        if let Some(j) = *src {
            edges[j].push(i);
        }
    }
    for (i, tp) in s.touchpoints.iter().enumerate() {
        if tp.trigger == Trigger::OnIncident {
            for (j, &opens) in opens_incident.iter().enumerate() {
                if opens && j != i {
                    edges[j].push(i);
                }
            }
        }
    }
    for (i, tp) in s.touchpoints.iter().enumerate() {
        if tp.trigger == Trigger::OnIncident && opens_incident[i] {
            c.push(
                format!("touchpoints[{i}].on_failure"),
                "an OnIncident touchpoint opens an incident itself: its failures would feed it again"
                    .into(),
                "escalate instead (Escalate(probability: .., cost: ..)) or remove OpenIncident",
            );
        }
    }
    let run_order = match topo_order(s, &edges) {
        Ok(order) => order,
        Err(cycle) => {
            let names: Vec<&str> = cycle
                .iter()
                .map(|&k| s.touchpoints[k].id.as_str())
                .collect();
            c.push(
                format!("touchpoints[{}].trigger", cycle[0]),
                format!("follow-ons form a cycle: {}", names.join(" → ")),
                "a touchpoint cannot (indirectly) trigger itself within a period; break the loop",
            );
            Vec::new()
        }
    };

    // Churn, revenue, investment.
    let w = s.churn.protection;
    let hint = "protection ≥ 0: a better state lowers churn, never raises it";
    c.non_negative("churn.protection.satisfied", w.satisfied, hint);
    c.non_negative("churn.protection.pleased", w.pleased, hint);
    c.non_negative("churn.protection.loyal", w.loyal, hint);
    for (path, v) in [
        ("churn.protection.satisfied", w.satisfied),
        ("churn.protection.pleased", w.pleased),
        ("churn.protection.loyal", w.loyal),
    ] {
        if v.is_finite() && v > MAX_PROTECTION {
            c.push(
                path.to_string(),
                format!(
                    "expected a protection weight of at most {MAX_PROTECTION}, found {}",
                    num(v)
                ),
                "a weight of 50 already divides the churn hazard by e^50 at a full state; \
                 weights are log-hazard per unit of state",
            );
        }
    }
    c.non_negative(
        "revenue.loyalty_uplift",
        s.revenue.loyalty_uplift,
        "0.5 means a fully loyal customer spends 50 % more",
    );
    c.probability("investment.max_uplift", s.investment.max_uplift);
    c.positive(
        "investment.half_saturation",
        s.investment.half_saturation,
        "the budget per customer-period at which half of max_uplift is reached",
    );

    // Strategies.
    if s.strategies.is_empty() {
        c.push(
            "strategies".into(),
            "no strategies".into(),
            "add Strategy(name: \"baseline\", budget: 0.0, emphasis: (purchase: 0.34, exception: 0.33, relationship: 0.33))",
        );
    }
    let mut names = HashMap::new();
    for (i, st) in s.strategies.iter().enumerate() {
        let p = format!("strategies[{i}]");
        c.id(&format!("{p}.name"), &st.name, &mut names, "strategy name");
        c.non_negative(
            &format!("{p}.budget"),
            st.budget,
            "budget is extra spend per active customer per period",
        );
        let e = st.emphasis;
        c.probability(&format!("{p}.emphasis.purchase"), e.purchase);
        c.probability(&format!("{p}.emphasis.exception"), e.exception);
        c.probability(&format!("{p}.emphasis.relationship"), e.relationship);
        let sum = e.purchase + e.exception + e.relationship;
        if sum.is_finite() && (sum - 1.0).abs() > SUM_TOLERANCE {
            c.push(
                format!("{p}.emphasis"),
                format!(
                    "emphasis shares sum to {} ({} + {} + {}), expected 1",
                    fmt_sum(sum),
                    num(e.purchase),
                    num(e.exception),
                    num(e.relationship)
                ),
                "split the budget over the three stages, e.g. (purchase: 0.5, exception: 0.3, relationship: 0.2)",
            );
        }
    }

    // The organisation behind the journey (crate::org).
    org::validate(s, &mut c);
    acquisition::validate(s, &mut c);
    advocacy::validate(s, &mut c);
    accounts::validate(s, &mut c);

    if c.problems.is_empty() {
        Ok(Model {
            scenario,
            after_source,
            run_order,
        })
    } else {
        Err(c.problems)
    }
}

/// A sum of fractions for messages: rounding noise removed (0.1 + 0.2 shows as 0.3), yet any
/// difference from 1 beyond `SUM_TOLERANCE` stays visible.
fn fmt_sum(v: f64) -> String {
    if v.abs() >= 1e6 {
        return num(v);
    }
    let s = format!("{v:.12}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    s.to_string()
}

/// Kahn's algorithm, always picking the ready touchpoint earliest in (stage, file order), so the
/// run order is stage order wherever the trigger graph allows. On a cycle, returns one cycle.
fn topo_order(s: &Scenario, edges: &[Vec<usize>]) -> Result<Vec<usize>, Vec<usize>> {
    let n = edges.len();
    let key = |i: usize| (stage_rank(s.touchpoints[i].stage), i);
    let mut indeg = vec![0usize; n];
    for outs in edges {
        for &t in outs {
            indeg[t] += 1;
        }
    }
    let mut ready: std::collections::BTreeSet<(usize, usize)> =
        (0..n).filter(|&i| indeg[i] == 0).map(key).collect();
    let mut order = Vec::with_capacity(n);
    while let Some(first) = ready.pop_first() {
        let i = first.1;
        order.push(i);
        for &t in &edges[i] {
            indeg[t] -= 1;
            if indeg[t] == 0 {
                ready.insert(key(t));
            }
        }
    }
    if order.len() == n {
        return Ok(order);
    }
    // Walk back along remaining edges from any unfinished node until a node repeats.
    let remaining: Vec<bool> = (0..n).map(|i| indeg[i] > 0).collect();
    let mut preds: Vec<Option<usize>> = vec![None; n];
    for (j, outs) in edges.iter().enumerate() {
        for &t in outs {
            if remaining[j] && remaining[t] {
                preds[t] = Some(j);
            }
        }
    }
    let start = remaining.iter().position(|&r| r).unwrap_or(0);
    let mut seen = vec![usize::MAX; n];
    let mut path = Vec::new();
    let mut cur = start;
    while seen[cur] == usize::MAX {
        seen[cur] = path.len();
        path.push(cur);
        match preds[cur] {
            Some(p) => cur = p,
            None => break,
        }
    }
    let mut cycle: Vec<usize> = if seen[cur] != usize::MAX {
        path[seen[cur]..].to_vec()
    } else {
        path
    };
    cycle.reverse();
    if let Some(&first) = cycle.first() {
        cycle.push(first);
    }
    Err(cycle)
}

fn stage_rank(stage: Stage) -> usize {
    stage.index()
}
