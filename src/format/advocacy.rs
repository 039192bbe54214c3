//! The Customer Advocacy Framework (seed article 004, issue 6): segments decide which unresolved
//! incidents are escalated; an escalation runs a lifecycle (response planning, a customer meeting,
//! optionally with senior management, a get-well plan) that closes out back to standard operating
//! procedure, is abandoned, or recurs; the fix may be a mitigating service offered as a free trial.
//!
//! Without an `advocacy` section nothing here runs: the engine keeps its plain kernel and every
//! result is what it was. The rules are written down in docs/model.md §13; the format in
//! docs/format.md ("Advocacy"). This file holds
//! the format; the state machine is `crate::engine::advocacy`.

use serde::{Deserialize, Serialize};

use super::{Effects, PeriodUnit};

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
pub const MAX_TRIAL_DAYS: f64 = 36_500.0;
