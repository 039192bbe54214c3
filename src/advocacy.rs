//! The Customer Advocacy Framework (seed article 004, issue 6): segments decide which unresolved
//! incidents are escalated; an escalation runs a lifecycle (response planning, a customer meeting,
//! optionally with senior management, a get-well plan) that closes out back to standard operating
//! procedure, is abandoned, or recurs; the fix may be a mitigating service offered as a free trial.
//!
//! Without an `advocacy` section nothing here runs: the engine keeps its plain kernel and every
//! result is what it was. The rules are written down in docs/model.md §13; the format in
//! docs/format.md ("Advocacy").

use serde::{Deserialize, Serialize};

use crate::engine::compile::Affine;
use crate::engine::rng::{CustomerRng, threshold};
use crate::format::error::Problem;
use crate::format::{Effects, PeriodUnit, Scenario, Shift, Trigger};
use crate::model::Model;
use crate::results::Estimate;

// ---------------------------------------------------------------------------------------------
// Format (docs/format.md, "Advocacy").

/// The Customer Advocacy Framework: who is escalated, and the escalation lifecycle.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Advocacy {
    /// Which segments are escalated, and on which unresolved incident. Segments without a
    /// policy are never escalated (standard operating procedure only).
    pub policies: Vec<EscalationPolicy>,
    /// Response planning: analysis and the situation summary.
    pub planning: Step,
    /// The customer meeting.
    pub meeting: Step,
    /// Senior management at the meeting: costs more, restores more trust.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub senior_management: Option<SeniorManagement>,
    /// The get-well plan agreed at the meeting, with its success criteria.
    pub get_well: GetWellPlan,
    /// A mitigating service the customer did not buy, offered as a free trial.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trial: Option<FreeTrial>,
}

/// One segment's engagement rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EscalationPolicy {
    pub segment: String,
    /// Escalate on the Nth unresolved incident counted since the customer's last escalation
    /// ended (1 = the first unresolved incident).
    pub escalate_on: u32,
    /// At most this many escalations per customer over the horizon (default: no limit).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_most: Option<u32>,
}

/// One step of the lifecycle: it lasts `duration` periods, costs `cost` each time it starts and
/// succeeds at its end with `probability`; `effects` move the triad states at its end.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    pub probability: f64,
    pub duration: u32,
    #[serde(default)]
    pub cost: f64,
    #[serde(default)]
    pub effects: Effects,
}

/// Senior management attends a share of the meetings; then the meeting's success probability
/// and effects are these, and it costs `extra_cost` more.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeniorManagement {
    pub share: f64,
    #[serde(default)]
    pub extra_cost: f64,
    pub probability: f64,
    #[serde(default)]
    pub effects: Effects,
}

/// The get-well plan: `duration` periods, then its success criteria are met with
/// `probability` (close-out, success effects) or not (the escalation recurs: failure effects,
/// planning again).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GetWellPlan {
    pub duration: u32,
    pub probability: f64,
    #[serde(default)]
    pub cost_per_period: f64,
    #[serde(default)]
    pub effects: Effects,
    /// Multiplies the churn hazard in the periods the customer spends in the plan.
    #[serde(default = "one")]
    pub churn_multiplier: f64,
    /// A related incident (opened by the escalation's root-cause touchpoint) during the plan
    /// reopens the escalation: failure effects, planning again.
    #[serde(default = "yes")]
    pub reopen_on_related: bool,
}

/// A mitigating service offered free for a trial period when an escalation's root cause is one
/// of the touchpoints it mitigates; afterwards the customer pays for it or it is turned off.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FreeTrial {
    /// Touchpoint ids whose failures the service prevents in part.
    pub mitigates: Vec<String>,
    /// Trial length in days, converted to whole periods of the scenario's unit (at least 1).
    #[serde(default = "ninety")]
    pub days: f64,
    /// Probability the customer pays for the service at the end of the trial.
    pub conversion: f64,
    /// Share of the mitigated touchpoints' failures the service prevents while it is on.
    pub failure_reduction: f64,
    /// Revenue per period from a converted customer.
    #[serde(default)]
    pub price_per_period: f64,
    /// Cost to the company per period of providing the service during the trial.
    #[serde(default)]
    pub cost_per_period: f64,
}

fn one() -> f64 {
    1.0
}

fn yes() -> bool {
    true
}

fn ninety() -> f64 {
    90.0
}

/// Days in one period of the unit (a year is 365 days).
pub fn days_per_period(unit: PeriodUnit) -> f64 {
    365.0 / f64::from(unit.per_year())
}

/// Trial length in whole periods: days / days per period, rounded, at least 1.
pub fn trial_periods(days: f64, unit: PeriodUnit) -> u32 {
    let p = (days / days_per_period(unit)).round();
    if p.is_finite() && p >= 1.0 {
        p.min(f64::from(u32::MAX)) as u32
    } else {
        1
    }
}

/// Largest trial accepted: 100 years.
const MAX_TRIAL_DAYS: f64 = 36_500.0;

// ---------------------------------------------------------------------------------------------
// Validation.

pub fn validate(s: &Scenario) -> Vec<Problem> {
    let mut out = Vec::new();
    let Some(a) = &s.advocacy else {
        return out;
    };
    let mut push = |path: String, message: String, hint: &str| {
        out.push(Problem {
            path,
            message,
            hint: hint.to_string(),
        })
    };
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
    out
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

// ---------------------------------------------------------------------------------------------
// Compiled form (used by the engine's `ADV` kernel only).

/// A lifecycle step resolved to numbers: success threshold, duration, cost, effects.
#[derive(Debug, Clone)]
pub(crate) struct StepC {
    pub thr: u64,
    pub duration: u32,
    pub cost: f64,
    pub success: Affine,
    pub failure: Affine,
}

impl StepC {
    fn new(probability: f64, duration: u32, cost: f64, effects: &Effects) -> StepC {
        StepC {
            thr: threshold(probability),
            duration,
            cost,
            success: affine3(effects, true),
            failure: affine3(effects, false),
        }
    }
}

fn affine3(e: &Effects, success: bool) -> Affine {
    let shifts = if success { e.success } else { e.failure };
    let one = |sh: Shift| match sh {
        Shift::Keep => (0.0, 1.0),
        Shift::Up(f) => (f, 1.0 - f),
        Shift::Down(f) => (0.0, 1.0 - f),
    };
    [
        one(shifts.satisfied),
        one(shifts.pleased),
        one(shifts.loyal),
    ]
}

/// The free trial resolved to numbers.
#[derive(Debug, Clone)]
pub(crate) struct TrialC {
    /// Per run position: whether the service mitigates the touchpoint (and so is offered when
    /// it is an escalation's root cause).
    pub mitigated: Vec<bool>,
    /// 1 − failure_reduction: the share of the failure probability left while the service is on.
    pub keep: f64,
    pub periods: u32,
    pub conversion_thr: u64,
    pub price: f64,
    pub cost: f64,
}

/// The advocacy programme of one arm, resolved to numbers.
#[derive(Debug, Clone)]
pub(crate) struct AdvC {
    /// Per segment (file order): (escalate on the Nth unresolved incident, 0 = never; at most
    /// this many escalations).
    pub policy: Vec<(u32, u32)>,
    pub planning: StepC,
    pub meeting: StepC,
    /// (threshold of the share of meetings senior management attends, the meeting as it then
    /// is: success threshold, extra cost, effects).
    pub senior: Option<(u64, StepC)>,
    /// The get-well plan; `cost` is per period in the plan.
    pub plan: StepC,
    pub churn_multiplier: f64,
    pub reopen: bool,
    /// Whether any touchpoint handles incidents (OnIncident). Without one nothing resolves an
    /// incident, so every incident is unresolved.
    pub handlers: bool,
    pub trial: Option<TrialC>,
    /// Per run position: the touchpoint's stage and file index (an escalation's root cause).
    pub stage_file: Vec<(u8, usize)>,
}

/// The compiled programme of `model`, or None when it has no advocacy section.
pub(crate) fn compile(model: &Model) -> Option<Box<AdvC>> {
    let s = &model.scenario;
    let a = s.advocacy.as_ref()?;
    let policy = s
        .segments
        .iter()
        .map(|seg| {
            a.policies
                .iter()
                .find(|p| p.segment == seg.id)
                .map_or((0, 0), |p| (p.escalate_on, p.at_most.unwrap_or(u32::MAX)))
        })
        .collect();
    let meeting = StepC::new(
        a.meeting.probability,
        a.meeting.duration,
        a.meeting.cost,
        &a.meeting.effects,
    );
    let senior = a.senior_management.map(|sm| {
        (
            threshold(sm.share),
            StepC::new(
                sm.probability,
                a.meeting.duration,
                sm.extra_cost,
                &sm.effects,
            ),
        )
    });
    let g = &a.get_well;
    let trial = a.trial.as_ref().map(|tr| TrialC {
        mitigated: model
            .run_order
            .iter()
            .map(|&i| tr.mitigates.contains(&s.touchpoints[i].id))
            .collect(),
        keep: 1.0 - tr.failure_reduction,
        periods: trial_periods(tr.days, s.period),
        conversion_thr: threshold(tr.conversion),
        price: tr.price_per_period,
        cost: tr.cost_per_period,
    });
    Some(Box::new(AdvC {
        policy,
        planning: StepC::new(
            a.planning.probability,
            a.planning.duration,
            a.planning.cost,
            &a.planning.effects,
        ),
        meeting,
        senior,
        plan: StepC::new(g.probability, g.duration, g.cost_per_period, &g.effects),
        churn_multiplier: g.churn_multiplier,
        reopen: g.reopen_on_related,
        handlers: s
            .touchpoints
            .iter()
            .any(|t| t.trigger == Trigger::OnIncident),
        trial,
        stage_file: model
            .run_order
            .iter()
            .map(|&i| (s.touchpoints[i].stage as u8, i))
            .collect(),
    }))
}

/// The success threshold of a mitigated touchpoint: its failure probability times `keep`.
#[inline]
pub(crate) fn mitigated_threshold(thr: u64, keep: f64) -> u64 {
    const FULL: u64 = 1 << 32;
    let fail = FULL.saturating_sub(thr) as f64 * keep;
    FULL - (fail.round() as u64).min(FULL)
}

/// The salt of the advocacy stream: customer `i` under seed `S` draws its escalation outcomes
/// from the stream of customer `i` under seed `S xor ADV_STREAM`, so the journey's own stream
/// (and with it the common random numbers shared with a programme-off arm) is never disturbed.
pub const ADV_STREAM: u64 = 0xAD70_CAC7_0E5C_A1A7;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Standard operating procedure: no escalation open.
    Sop,
    Planning,
    Meeting,
    GetWell,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TrialState {
    NotOffered,
    /// Trial periods left after the current one's end.
    Running(u32),
    Paid,
    Off,
}

/// One customer's escalation state, advanced once per period by the engine's `ADV` kernel.
#[derive(Debug, Clone)]
pub(crate) struct Escalation {
    rng: CustomerRng,
    phase: Phase,
    senior: bool,
    /// Periods left in the current step.
    left: u32,
    /// Run position of the escalation's root-cause touchpoint.
    root: u16,
    opened_at: u32,
    /// Unresolved incidents since the last escalation ended.
    unresolved: u32,
    /// Escalations opened so far.
    pub count: u32,
    trial: TrialState,
    /// Programme cost and service revenue of this customer so far.
    cost: f64,
    service_revenue: f64,
}

impl Escalation {
    pub fn new(seed: u64, index: u64) -> Escalation {
        Escalation {
            rng: CustomerRng::new(seed ^ ADV_STREAM, index),
            phase: Phase::Sop,
            senior: false,
            left: 0,
            root: 0,
            opened_at: 0,
            unresolved: 0,
            count: 0,
            trial: TrialState::NotOffered,
            cost: 0.0,
            service_revenue: 0.0,
        }
    }

    /// Start of a period: a trial that has run its course converts or is turned off. Returns
    /// whether the mitigating service is on in this period.
    #[inline]
    pub fn start_period(&mut self, adv: &AdvC, acc: &mut AdvAcc) -> bool {
        match self.trial {
            TrialState::Running(0) => {
                let thr = adv.trial.as_ref().map_or(0, |t| t.conversion_thr);
                if self.rng.hit(thr) {
                    self.trial = TrialState::Paid;
                    acc.conversions += 1;
                    true
                } else {
                    self.trial = TrialState::Off;
                    acc.turned_off += 1;
                    false
                }
            }
            TrialState::Running(_) | TrialState::Paid => true,
            TrialState::NotOffered | TrialState::Off => false,
        }
    }

    /// Whether the customer spends this period in a get-well plan (asked before `end_period`).
    #[inline]
    pub fn in_plan(&self) -> bool {
        self.phase == Phase::GetWell
    }

    /// Revenue of the paid mitigating service in this period.
    #[inline]
    pub fn service_revenue(&mut self, adv: &AdvC) -> f64 {
        match (self.trial, &adv.trial) {
            (TrialState::Paid, Some(t)) => {
                self.service_revenue += t.price;
                t.price
            }
            _ => 0.0,
        }
    }

    /// End of period `t` (1-based), after the touchpoints: the escalation advances one period.
    /// `openers[j]` is the run position of the touchpoint that opened the period's j-th incident
    /// (j < 64), bit j of `failed_handling` says an OnIncident touchpoint failed it. Moves the
    /// triad states `s`; returns the programme cost of the period.
    #[allow(clippy::too_many_arguments)]
    pub fn end_period(
        &mut self,
        adv: &AdvC,
        t: u32,
        segment: usize,
        incidents: u32,
        openers: &[u16; 64],
        failed_handling: u64,
        s: &mut [f64; 3],
        acc: &mut AdvAcc,
    ) -> f64 {
        let mut cost = 0.0;
        if let TrialState::Running(left) = &mut self.trial {
            *left = left.saturating_sub(1);
            cost += adv.trial.as_ref().map_or(0.0, |tr| tr.cost);
        }
        let slots = incidents.min(64) as usize;
        match self.phase {
            Phase::Sop => {
                let (on, at_most) = adv.policy[segment];
                if on > 0 && self.count < at_most && slots > 0 {
                    let mut m = if adv.handlers {
                        failed_handling
                    } else if slots == 64 {
                        u64::MAX
                    } else {
                        (1u64 << slots) - 1
                    };
                    while m != 0 {
                        let j = m.trailing_zeros() as usize;
                        m &= m - 1;
                        self.unresolved += 1;
                        if self.unresolved >= on {
                            cost += self.open(adv, t, openers[j], acc);
                            break;
                        }
                    }
                }
            }
            Phase::Planning => {
                self.left -= 1;
                if self.left == 0 {
                    if self.rng.hit(adv.planning.thr) {
                        apply(&adv.planning.success, s);
                        cost += self.start_meeting(adv, acc);
                    } else {
                        apply(&adv.planning.failure, s);
                        self.abandon(t, acc);
                    }
                }
            }
            Phase::Meeting => {
                self.left -= 1;
                if self.left == 0 {
                    let step = match (&adv.senior, self.senior) {
                        (Some((_, sm)), true) => sm,
                        _ => &adv.meeting,
                    };
                    if self.rng.hit(step.thr) {
                        apply(&step.success, s);
                        self.phase = Phase::GetWell;
                        self.left = adv.plan.duration;
                        if let Some(tr) = &adv.trial
                            && self.trial == TrialState::NotOffered
                            && tr.mitigated[usize::from(self.root)]
                        {
                            self.trial = TrialState::Running(tr.periods);
                            acc.trial_offers += 1;
                        }
                    } else {
                        apply(&step.failure, s);
                        self.abandon(t, acc);
                    }
                }
            }
            Phase::GetWell => {
                cost += adv.plan.cost;
                let related = adv.reopen && openers[..slots].contains(&self.root);
                if related {
                    acc.reopens += 1;
                    apply(&adv.plan.failure, s);
                    cost += self.start_planning(adv);
                } else {
                    self.left -= 1;
                    if self.left == 0 {
                        if self.rng.hit(adv.plan.thr) {
                            apply(&adv.plan.success, s);
                            let d = f64::from(t - self.opened_at);
                            acc.closed += 1;
                            acc.resolution_sum += d;
                            acc.resolution_sq += d * d;
                            acc.absorption_sum += d;
                            acc.absorption_sq += d * d;
                            self.phase = Phase::Sop;
                        } else {
                            apply(&adv.plan.failure, s);
                            acc.recurrences += 1;
                            cost += self.start_planning(adv);
                        }
                    }
                }
            }
        }
        self.cost += cost;
        cost
    }

    fn open(&mut self, adv: &AdvC, t: u32, root: u16, acc: &mut AdvAcc) -> f64 {
        self.count += 1;
        self.unresolved = 0;
        self.root = root;
        self.opened_at = t;
        let (stage, file) = adv.stage_file[usize::from(root)];
        acc.opened += 1;
        acc.by_stage[usize::from(stage) % 3] += 1;
        if let Some(c) = acc.by_touchpoint.get_mut(file) {
            *c += 1;
        }
        self.start_planning(adv)
    }

    fn start_planning(&mut self, adv: &AdvC) -> f64 {
        self.phase = Phase::Planning;
        self.left = adv.planning.duration;
        adv.planning.cost
    }

    fn start_meeting(&mut self, adv: &AdvC, acc: &mut AdvAcc) -> f64 {
        self.phase = Phase::Meeting;
        self.left = adv.meeting.duration;
        self.senior = match &adv.senior {
            Some((share, _)) => self.rng.hit(*share),
            None => false,
        };
        if self.senior {
            acc.senior_meetings += 1;
        }
        let extra = match (&adv.senior, self.senior) {
            (Some((_, sm)), true) => sm.cost,
            _ => 0.0,
        };
        adv.meeting.cost + extra
    }

    fn abandon(&mut self, t: u32, acc: &mut AdvAcc) {
        let d = f64::from(t - self.opened_at);
        acc.abandoned += 1;
        acc.absorption_sum += d;
        acc.absorption_sq += d * d;
        self.phase = Phase::Sop;
    }

    /// The customer's journey is over (churn or horizon): per-customer sums.
    pub fn finish(&self, acc: &mut AdvAcc) {
        if self.phase != Phase::Sop {
            acc.unfinished += 1;
        }
        acc.cost_sum += self.cost;
        acc.cost_sq += self.cost * self.cost;
        acc.service_revenue_sum += self.service_revenue;
        acc.service_revenue_sq += self.service_revenue * self.service_revenue;
    }
}

#[inline]
fn apply(aff: &Affine, s: &mut [f64; 3]) {
    for k in 0..3 {
        s[k] = aff[k].0 + aff[k].1 * s[k];
    }
}

// ---------------------------------------------------------------------------------------------
// Accumulator (part of `engine::StrategyAcc`; merged in unit order like everything else).

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct AdvAcc {
    pub opened: u64,
    /// Escalations by the stage of their root-cause touchpoint.
    pub by_stage: [u64; 3],
    /// Escalations by root-cause touchpoint (file order).
    pub by_touchpoint: Vec<u64>,
    pub closed: u64,
    pub abandoned: u64,
    pub recurrences: u64,
    pub reopens: u64,
    /// Escalations still open when the customer's journey ended (churn or horizon).
    pub unfinished: u64,
    pub senior_meetings: u64,
    /// Periods from escalation to close-out (closed-out escalations) and its squares.
    pub resolution_sum: f64,
    pub resolution_sq: f64,
    /// Periods from escalation to close-out or abandonment, and its squares.
    pub absorption_sum: f64,
    pub absorption_sq: f64,
    pub trial_offers: u64,
    pub conversions: u64,
    pub turned_off: u64,
    /// Per customer: programme cost and paid-service revenue, and their squares.
    pub cost_sum: f64,
    pub cost_sq: f64,
    pub service_revenue_sum: f64,
    pub service_revenue_sq: f64,
    /// Customer-periods spent in a get-well plan, and churners in such a period.
    pub plan_periods: u64,
    pub plan_churners: u64,
}

impl AdvAcc {
    pub fn new(n_touchpoints: usize) -> AdvAcc {
        AdvAcc {
            by_touchpoint: vec![0; n_touchpoints],
            ..AdvAcc::default()
        }
    }

    pub fn merge(&mut self, o: &AdvAcc) {
        self.opened += o.opened;
        for k in 0..3 {
            self.by_stage[k] += o.by_stage[k];
        }
        for (a, b) in self.by_touchpoint.iter_mut().zip(&o.by_touchpoint) {
            *a += b;
        }
        self.closed += o.closed;
        self.abandoned += o.abandoned;
        self.recurrences += o.recurrences;
        self.reopens += o.reopens;
        self.unfinished += o.unfinished;
        self.senior_meetings += o.senior_meetings;
        self.resolution_sum += o.resolution_sum;
        self.resolution_sq += o.resolution_sq;
        self.absorption_sum += o.absorption_sum;
        self.absorption_sq += o.absorption_sq;
        self.trial_offers += o.trial_offers;
        self.conversions += o.conversions;
        self.turned_off += o.turned_off;
        self.cost_sum += o.cost_sum;
        self.cost_sq += o.cost_sq;
        self.service_revenue_sum += o.service_revenue_sum;
        self.service_revenue_sq += o.service_revenue_sq;
        self.plan_periods += o.plan_periods;
        self.plan_churners += o.plan_churners;
    }
}

// ---------------------------------------------------------------------------------------------
// Results (JSON `advocacy` per strategy, docs/format.md).

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct StageCounts {
    pub purchase: u64,
    pub exception: u64,
    pub relationship: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TouchpointEscalations {
    pub id: String,
    pub name: String,
    pub stage: String,
    pub escalations: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrialResult {
    /// Trial length in periods (the days converted).
    pub periods: u32,
    pub offers: u64,
    pub conversions: u64,
    pub turned_off: u64,
    /// conversions / (conversions + turned_off).
    pub conversion_rate: Estimate,
    /// Revenue of the paid service per initial customer.
    pub service_revenue_per_customer: Estimate,
}

/// One strategy's escalations, for the management review.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdvocacyResult {
    /// Escalations opened over the horizon (all simulated customers).
    pub escalations: u64,
    pub escalations_per_customer: f64,
    pub by_stage: StageCounts,
    /// Touchpoints that open incidents, with the escalations they caused.
    pub by_touchpoint: Vec<TouchpointEscalations>,
    pub closed_out: u64,
    pub abandoned: u64,
    /// Still open when the customer churned or the horizon ended.
    pub in_progress: u64,
    /// closed_out / (closed_out + abandoned).
    pub close_out_rate: Estimate,
    /// Get-well plans that failed their success criteria (the escalation started again).
    pub recurrences: u64,
    /// Get-well plans reopened by a related incident.
    pub reopens: u64,
    /// (recurrences + reopens) per escalation.
    pub recurrence_rate: f64,
    pub senior_meetings: u64,
    /// Periods from escalation to close-out, over closed-out escalations.
    pub time_to_resolution: Estimate,
    /// Periods from escalation to close-out or abandonment.
    pub time_to_absorption: Estimate,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trial: Option<TrialResult>,
    /// Planning, meetings, get-well plans and trials, per initial customer (undiscounted;
    /// included in `cost_per_customer`).
    pub programme_cost_per_customer: Estimate,
    /// Customer-periods spent in a get-well plan, churners among them and the churn rate per
    /// such period.
    pub plan_customer_periods: u64,
    pub plan_churners: u64,
    pub plan_churn_rate: f64,
}

/// Results of a strategy's escalations; None without an advocacy section.
pub fn strategy_result(
    model: &Model,
    a: Option<&AdvAcc>,
    customers: u64,
) -> Option<AdvocacyResult> {
    let adv = model.scenario.advocacy.as_ref()?;
    let a = a?;
    let s = &model.scenario;
    let n = customers.max(1) as f64;
    let absorbed = a.closed + a.abandoned;
    let by_touchpoint = s
        .touchpoints
        .iter()
        .enumerate()
        .filter(|(_, t)| {
            t.on_failure
                .contains(&crate::format::FollowOn::OpenIncident)
        })
        .map(|(i, t)| TouchpointEscalations {
            id: t.id.clone(),
            name: t.name.clone(),
            stage: t.stage.name().to_string(),
            escalations: a.by_touchpoint.get(i).copied().unwrap_or(0),
        })
        .collect();
    Some(AdvocacyResult {
        escalations: a.opened,
        escalations_per_customer: a.opened as f64 / n,
        by_stage: StageCounts {
            purchase: a.by_stage[0],
            exception: a.by_stage[1],
            relationship: a.by_stage[2],
        },
        by_touchpoint,
        closed_out: a.closed,
        abandoned: a.abandoned,
        in_progress: a.unfinished,
        close_out_rate: Estimate::proportion(a.closed, absorbed),
        recurrences: a.recurrences,
        reopens: a.reopens,
        recurrence_rate: if a.opened == 0 {
            0.0
        } else {
            (a.recurrences + a.reopens) as f64 / a.opened as f64
        },
        senior_meetings: a.senior_meetings,
        time_to_resolution: Estimate::from_sums(a.resolution_sum, a.resolution_sq, a.closed),
        time_to_absorption: Estimate::from_sums(a.absorption_sum, a.absorption_sq, absorbed),
        trial: adv.trial.as_ref().map(|tr| TrialResult {
            periods: trial_periods(tr.days, s.period),
            offers: a.trial_offers,
            conversions: a.conversions,
            turned_off: a.turned_off,
            conversion_rate: Estimate::proportion(a.conversions, a.conversions + a.turned_off),
            service_revenue_per_customer: Estimate::from_sums(
                a.service_revenue_sum,
                a.service_revenue_sq,
                customers,
            ),
        }),
        programme_cost_per_customer: Estimate::from_sums(a.cost_sum, a.cost_sq, customers),
        plan_customer_periods: a.plan_periods,
        plan_churners: a.plan_churners,
        plan_churn_rate: if a.plan_periods == 0 {
            0.0
        } else {
            a.plan_churners as f64 / a.plan_periods as f64
        },
    })
}

/// Rows of the run table's "Advocacy" block (strategies as columns): label and cells.
pub fn table_rows(r: &crate::results::RunResults, row: &mut dyn FnMut(&str, Vec<String>)) {
    let cells = |f: &dyn Fn(&AdvocacyResult) -> String| -> Vec<String> {
        r.strategies
            .iter()
            .map(|s| s.advocacy.as_ref().map_or_else(|| "—".to_string(), f))
            .collect()
    };
    row(
        "  escalations / customer",
        cells(&|a| format!("{:.3}", a.escalations_per_customer)),
    );
    row(
        "  closed out",
        cells(&|a| {
            format!(
                "{:.1}% ±{:.1}",
                a.close_out_rate.mean * 100.0,
                (a.close_out_rate.hi - a.close_out_rate.mean) * 100.0
            )
        }),
    );
    row(
        "  recurrences / escalation",
        cells(&|a| format!("{:.3}", a.recurrence_rate)),
    );
    row(
        "  periods to resolution",
        cells(&|a| {
            format!(
                "{:.2} ±{:.2}",
                a.time_to_resolution.mean,
                a.time_to_resolution.hi - a.time_to_resolution.mean
            )
        }),
    );
    row(
        "  programme cost",
        cells(&|a| {
            let e = a.programme_cost_per_customer;
            format!("{:.1} ±{:.1}", e.mean, e.hi - e.mean)
        }),
    );
    if r.strategies
        .iter()
        .any(|s| s.advocacy.as_ref().is_some_and(|a| a.trial.is_some()))
    {
        row(
            "  trial conversions",
            cells(&|a| match &a.trial {
                Some(t) => format!("{} / {}", t.conversions, t.offers),
                None => "—".into(),
            }),
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Internal management review (`cxsim review`): the programme against itself switched off.

pub const REVIEW_SCHEMA: &str = "cxsim.review/1";

/// The review of every requested strategy.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Review {
    pub schema: &'static str,
    pub scenario: String,
    pub customers: u64,
    pub seed: u64,
    pub horizon: u32,
    pub period: String,
    pub currency: String,
    pub strategies: Vec<StrategyReview>,
}

/// One strategy with and without the advocacy programme, on common random numbers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StrategyReview {
    pub name: String,
    pub advocacy: AdvocacyResult,
    /// Revenue per initial customer with the programme and with it switched off.
    pub revenue_with: Estimate,
    pub revenue_without: Estimate,
    /// Paired difference (with − without): the revenue the programme retained (including the
    /// paid mitigating service), per initial customer.
    pub retained_revenue_per_customer: Estimate,
    /// Paired difference of NPV per initial customer (programme cost included).
    pub npv_difference: Estimate,
    /// Final retention with and without, and the paired difference.
    pub retention_with: f64,
    pub retention_without: f64,
    pub retention_difference: Estimate,
    /// Programme cost per initial customer.
    pub programme_cost_per_customer: Estimate,
}

/// The same model with the advocacy programme switched off.
pub fn programme_off(model: &Model) -> Model {
    let mut off = model.clone();
    off.scenario.advocacy = None;
    off
}

/// Simulates each strategy with and without the programme (two arms per strategy, one run, so
/// every customer is the same in both) and pairs them.
pub fn review(
    model: &Model,
    strategies: &[usize],
    customers: u64,
    seed: u64,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> Result<Review, String> {
    use crate::engine::{Arm, Engine, M_NPV, M_RETAINED, M_REVENUE};
    if model.scenario.advocacy.is_none() {
        return Err(format!(
            "scenario \"{}\" has no advocacy section, so there is no programme to review\n  \
             hint: add advocacy: (policies: [..], planning: .., meeting: .., get_well: ..) \
             (docs/format.md, \"Advocacy\")",
            model.scenario.name
        ));
    }
    let off = programme_off(model);
    let arms: Vec<Arm<'_>> = strategies
        .iter()
        .flat_map(|&strategy| {
            [
                Arm { model, strategy },
                Arm {
                    model: &off,
                    strategy,
                },
            ]
        })
        .collect();
    let engine = Engine::from_arms(&arms, customers, seed).map_err(|e| e.to_string())?;
    let acc = engine.run(None, progress).map_err(|e| e.to_string())?;
    let r = crate::results::RunResults::from_arms(&arms, customers, seed, acc);
    let zero = Estimate::with_se(0.0, 0.0);
    let out = strategies
        .iter()
        .enumerate()
        .filter_map(|(i, _)| {
            let (on, offi) = (2 * i, 2 * i + 1);
            let with = r.strategies.get(on)?;
            let without = r.strategies.get(offi)?;
            let advocacy = with.advocacy.clone()?;
            let last =
                |s: &crate::results::StrategyResult| s.retention.last().map_or(0.0, |p| p.mean);
            Some(StrategyReview {
                name: with.name.clone(),
                programme_cost_per_customer: advocacy.programme_cost_per_customer,
                advocacy,
                revenue_with: with.revenue_per_customer,
                revenue_without: without.revenue_per_customer,
                retained_revenue_per_customer: r
                    .paired_difference(offi, on, M_REVENUE)
                    .unwrap_or(zero),
                npv_difference: r.paired_difference(offi, on, M_NPV).unwrap_or(zero),
                retention_with: last(with),
                retention_without: last(without),
                retention_difference: r.paired_difference(offi, on, M_RETAINED).unwrap_or(zero),
            })
        })
        .collect();
    let s = &model.scenario;
    Ok(Review {
        schema: REVIEW_SCHEMA,
        scenario: s.name.clone(),
        customers: r.customers,
        seed,
        horizon: s.horizon,
        period: s.period.name().to_string(),
        currency: s.currency.clone(),
        strategies: out,
    })
}

fn pm(e: &Estimate, decimals: usize) -> String {
    format!("{:.*} ±{:.*}", decimals, e.mean, decimals, e.hi - e.mean)
}

/// The review for people.
pub fn review_table(r: &Review) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Internal management review: {} — {} customers, seed {}, horizon {} {}s, amounts in {}",
        r.scenario,
        crate::fmt::group_thousands(r.customers),
        r.seed,
        r.horizon,
        r.period,
        r.currency
    );
    for s in &r.strategies {
        let a = &s.advocacy;
        let _ = writeln!(out, "\nStrategy {}", s.name);
        let _ = writeln!(
            out,
            "  escalations                {} ({:.3} per customer)",
            a.escalations, a.escalations_per_customer
        );
        let _ = writeln!(
            out,
            "    by root-cause stage      Purchase {}, Exception {}, Relationship {}",
            a.by_stage.purchase, a.by_stage.exception, a.by_stage.relationship
        );
        for t in &a.by_touchpoint {
            let _ = writeln!(out, "    {:<24} {} ({})", t.id, t.escalations, t.stage);
        }
        let _ = writeln!(
            out,
            "  closed out                 {} ({:.1}% ±{:.1} of finished), abandoned {}, in progress {}",
            a.closed_out,
            a.close_out_rate.mean * 100.0,
            (a.close_out_rate.hi - a.close_out_rate.mean) * 100.0,
            a.abandoned,
            a.in_progress
        );
        let _ = writeln!(
            out,
            "  recurrences / reopens      {} / {} ({:.3} per escalation)",
            a.recurrences, a.reopens, a.recurrence_rate
        );
        let _ = writeln!(out, "  senior-management meetings {}", a.senior_meetings);
        let _ = writeln!(
            out,
            "  periods to resolution      {}",
            pm(&a.time_to_resolution, 2)
        );
        if let Some(t) = &a.trial {
            let _ = writeln!(
                out,
                "  free trials ({} periods)    {} offered, {} converted, {} turned off ({:.1}% ±{:.1})",
                t.periods,
                t.offers,
                t.conversions,
                t.turned_off,
                t.conversion_rate.mean * 100.0,
                (t.conversion_rate.hi - t.conversion_rate.mean) * 100.0
            );
        }
        let _ = writeln!(
            out,
            "  churn in get-well plans    {} of {} customer-periods ({:.2}%)",
            a.plan_churners,
            a.plan_customer_periods,
            a.plan_churn_rate * 100.0
        );
        let _ = writeln!(
            out,
            "  programme cost / customer  {}",
            pm(&s.programme_cost_per_customer, 2)
        );
        let _ = writeln!(
            out,
            "  revenue / customer         {} with, {} without",
            pm(&s.revenue_with, 2),
            pm(&s.revenue_without, 2)
        );
        let _ = writeln!(
            out,
            "  revenue retained           {} (paired, 95%)",
            pm(&s.retained_revenue_per_customer, 2)
        );
        let _ = writeln!(
            out,
            "  NPV difference             {} (paired, 95%)",
            pm(&s.npv_difference, 2)
        );
        let _ = writeln!(
            out,
            "  retention                  {:.2}% with, {:.2}% without, difference {:+.2} ±{:.2} points",
            s.retention_with * 100.0,
            s.retention_without * 100.0,
            s.retention_difference.mean * 100.0,
            (s.retention_difference.hi - s.retention_difference.mean) * 100.0
        );
    }
    out
}

/// The `cxsim.review/1` JSON document, with a trailing newline.
pub fn review_json(r: &Review) -> String {
    match serde_json::to_string_pretty(r) {
        Ok(mut s) => {
            s.push('\n');
            s
        }
        Err(e) => format!("{{\"error\": \"{e}\"}}\n"),
    }
}

/// One row per strategy.
pub fn review_csv(r: &Review) -> String {
    use std::fmt::Write as _;
    let mut out = String::from(
        "strategy,escalations,closed_out,abandoned,in_progress,recurrences,reopens,\
         mean_periods_to_resolution,trial_offers,trial_conversions,programme_cost_per_customer,\
         retained_revenue_per_customer,retained_revenue_lo,retained_revenue_hi,npv_difference,\
         retention_difference\n",
    );
    for s in &r.strategies {
        let a = &s.advocacy;
        let (offers, conv) = a
            .trial
            .as_ref()
            .map_or((0, 0), |t| (t.offers, t.conversions));
        let name = crate::fmt::csv_field(&s.name);
        let _ = writeln!(
            out,
            "{name},{},{},{},{},{},{},{},{offers},{conv},{},{},{},{},{},{}",
            a.escalations,
            a.closed_out,
            a.abandoned,
            a.in_progress,
            a.recurrences,
            a.reopens,
            a.time_to_resolution.mean,
            s.programme_cost_per_customer.mean,
            s.retained_revenue_per_customer.mean,
            s.retained_revenue_per_customer.lo,
            s.retained_revenue_per_customer.hi,
            s.npv_difference.mean,
            s.retention_difference.mean
        );
    }
    out
}
