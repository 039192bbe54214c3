//! The advocacy programme's results per strategy: escalations by stage and root cause, time to
//! resolution, recurrence, trials.

use serde::{Deserialize, Serialize};

use crate::engine::advocacy::AdvAcc;
use crate::format::advocacy::trial_periods;
use crate::model::Model;
use crate::results::Estimate;

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
