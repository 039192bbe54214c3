//! Per-segment results: the same figures as a strategy's, over the customers of one segment,
//! from sums accumulated in the one run (docs/model.md §15).

use serde::{Deserialize, Serialize};

use super::{ChurnByStage, Estimate, RetentionPoint};
use crate::engine::{
    M_CLV, M_COST, M_ESCALATIONS, M_INCIDENTS, M_LIFETIME, M_NPV, M_REVENUE, SegmentAcc,
};
use crate::model::Model;
use crate::results::Metric;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SegmentResult {
    pub id: String,
    pub name: String,
    /// Simulated customers drawn into this segment (about share × customers).
    pub customers: u64,
    pub retention: Vec<RetentionPoint>,
    /// Per initial customer of the segment.
    pub revenue_per_customer: Estimate,
    pub npv_per_customer: Estimate,
    pub clv_per_customer: Estimate,
    pub cost_per_customer: Estimate,
    pub programme_per_customer: Estimate,
    pub incidents_per_customer: Estimate,
    pub escalations_per_customer: Estimate,
    pub lifetime_periods: Estimate,
    /// The segment's churners by root-cause stage (shares of them, with standard errors in
    /// `churn_by_stage_se`).
    pub churn_by_stage: ChurnByStage,
    pub churn_by_stage_se: [f64; 4],
}

impl SegmentResult {
    /// The estimate of `m` (retention: at the horizon), as `StrategyResult::metric`.
    pub fn metric(&self, m: Metric) -> Estimate {
        super::pick_metric(
            m,
            [
                self.revenue_per_customer,
                self.cost_per_customer,
                self.npv_per_customer,
                self.clv_per_customer,
                self.incidents_per_customer,
                self.escalations_per_customer,
                self.lifetime_periods,
            ],
            &self.retention,
        )
    }
}

/// The segments of one strategy's results; empty when the run kept no per-segment sums (a
/// one-segment scenario, whose only segment is the whole).
pub fn strategy_segments(model: &Model, si: usize, sums: &[SegmentAcc]) -> Vec<SegmentResult> {
    let s = &model.scenario;
    let programme = crate::format::org::programme_spend(s, si);
    s.segments
        .iter()
        .zip(sums)
        .map(|(seg, g)| {
            let n = g.customers;
            let retention = super::retention_curve(&g.churned_at, n);
            let est = |m: usize| Estimate::from_sums(g.metric_sum[m], g.metric_sq[m], n);
            let churners: u64 = g.churned_at.iter().sum();
            let share = |c: usize| Estimate::share(g.churn_cause[c], g.churn_cause_sq[c], churners);
            let l = est(M_LIFETIME);
            SegmentResult {
                id: seg.id.clone(),
                name: seg.name.clone(),
                customers: n,
                retention,
                revenue_per_customer: est(M_REVENUE),
                npv_per_customer: est(M_NPV),
                clv_per_customer: est(M_CLV),
                cost_per_customer: est(M_COST),
                programme_per_customer: Estimate {
                    mean: programme * l.mean,
                    se: programme * l.se,
                    lo: programme * l.lo,
                    hi: programme * l.hi,
                },
                incidents_per_customer: est(M_INCIDENTS),
                escalations_per_customer: est(M_ESCALATIONS),
                lifetime_periods: l,
                churn_by_stage: ChurnByStage {
                    purchase: share(0).mean,
                    exception: share(1).mean,
                    relationship: share(2).mean,
                    none: share(3).mean,
                    churners,
                },
                churn_by_stage_se: [share(0).se, share(1).se, share(2).se, share(3).se],
            }
        })
        .collect()
}
