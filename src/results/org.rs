//! The organisation's results per strategy: leg levels, teams, touchpoint qualities.

use serde::{Deserialize, Serialize};

use crate::engine::org::schedule;
use crate::format::org::{has_features, team_of};
use crate::model::Model;

/// What the organisation did for one strategy (JSON `strategies[].organisation`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrgResult {
    /// Share of the stage budget that becomes better touchpoints (1 without a triangle).
    pub execution_factor: f64,
    /// Leadership, incentives and culture after the strategy's spend (absent without a triangle).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legs: Option<LegLevels>,
    /// Organisational spend per active customer-period (included in programme spend).
    pub spend_per_period: f64,
    pub teams: Vec<TeamResult>,
    pub touchpoints: Vec<TouchpointOrgResult>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LegLevels {
    pub leadership: f64,
    pub incentives: f64,
    pub culture: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TeamResult {
    pub id: String,
    /// Engagement in periods 1..=horizon.
    pub engagement: Vec<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TouchpointOrgResult {
    pub id: String,
    /// The design variant in use ("current" = the file's design).
    pub variant: String,
    /// The team delivering it ("" if none) and whether its engagement applies.
    pub team: String,
    pub staff: bool,
    /// Success probability in periods 1..=horizon (after learning, investment and engagement).
    pub quality: Vec<f64>,
    /// Feedback responses per initial customer over the horizon (expected: response rate ×
    /// occurrences), and those about failures.
    pub feedback_per_customer: f64,
    pub failure_feedback_per_customer: f64,
    /// Failures recovered in the same period, per initial customer.
    pub recovered_per_customer: f64,
}

/// The organisation part of a strategy's results; `None` for scenarios without organisation
/// features, so their JSON is unchanged.
pub fn strategy_result(
    model: &Model,
    si: usize,
    sa: &crate::engine::StrategyAcc,
    customers: u64,
) -> Option<OrgResult> {
    let s = &model.scenario;
    if !has_features(s) {
        return None;
    }
    let sch = schedule(model, si);
    let h = model.horizon();
    let nf = customers.max(1) as f64;
    let triangle = s.organisation.as_ref().and_then(|o| o.triangle);
    let teams = s
        .organisation
        .as_ref()
        .map_or(&[][..], |o| o.teams.as_slice());
    let touchpoints = s
        .touchpoints
        .iter()
        .enumerate()
        .map(|(i, tp)| {
            let runs = sa.tp_runs[i];
            let r = tp.feedback.map_or(0.0, |f| f.response_rate);
            let team = team_of(s, i);
            TouchpointOrgResult {
                id: tp.id.clone(),
                variant: sch.variant[i].clone(),
                team: team.map_or(String::new(), |k| teams[k].id.clone()),
                staff: team.is_some() && tp.delivery.is_staff(),
                quality: (0..h).map(|t| sch.quality_at(i, t)).collect(),
                feedback_per_customer: r * runs as f64 / nf,
                failure_feedback_per_customer: r * sa.tp_failures[i] as f64 / nf,
                recovered_per_customer: sa.tp_recovered.get(i).map_or(0, |&k| k) as f64 / nf,
            }
        })
        .collect();
    Some(OrgResult {
        execution_factor: sch.execution_factor,
        legs: triangle.map(|_| LegLevels {
            leadership: sch.legs[0],
            incentives: sch.legs[1],
            culture: sch.legs[2],
        }),
        spend_per_period: s.strategies[si].organisation.map_or(0.0, |o| o.total()),
        teams: teams
            .iter()
            .zip(&sch.engagement)
            .map(|(t, e)| TeamResult {
                id: t.id.clone(),
                engagement: e.clone(),
            })
            .collect(),
        touchpoints,
    })
}
