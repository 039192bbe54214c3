//! `diagnose`: where customers are lost and what it costs, the triad's root-cause view.
//!
//! Two complementary views, both with 95 % intervals (docs/analysis.md):
//! * **Root cause** (recorded by the engine, docs/model.md §4): each churn shared among the
//!   failures in the attribution window by the part of the churn chance each added, summed per
//!   stage and touchpoint, as a share of churners and of all customers.
//! * **Removal effect** (causal): the change in retention, revenue and NPV when a touchpoint
//!   (or every touchpoint of a stage) is made perfect (quality 1), each variant simulated as an
//!   arm of one run with the unchanged scenario, on common random numbers.
//!
//! The **weakest leg** of the triad is the stage whose removal effect on retention is largest.

use std::sync::atomic::AtomicBool;

use serde::Serialize;

use super::{Paired, paired};
use crate::engine::compile::NO_CAUSE;
use crate::engine::{Arm, Cancelled, Engine};
use crate::format::{Scenario, Stage};
use crate::model::{Model, validate};
use crate::results::Metric;
use crate::results::{Estimate, RunResults};

pub const DIAGNOSE_SCHEMA: &str = "cxsim.diagnose/1";

/// Churn attributed to one root cause.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CauseRow {
    /// "Purchase", "Exception", "Relationship" or "none" (baseline churn).
    pub stage: String,
    /// The touchpoint id for touchpoint rows; absent for stage rows.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub touchpoint: Option<String>,
    /// Churners with this root cause, each counted by its part (docs/model.md §4).
    pub churners: f64,
    /// Share of all churners with this root cause.
    pub share_of_churners: Estimate,
    /// Share of all initial customers lost with this root cause.
    pub share_of_customers: Estimate,
    /// Revenue lost to churners with this root cause, per initial customer: each churner's
    /// revenue rate at churn times the periods left in the horizon (docs/analysis.md).
    pub lost_revenue: Estimate,
    /// This cause's share of all revenue lost to churn.
    pub share_of_lost_revenue: f64,
}

/// The effect of making a touchpoint (or a whole stage) perfect.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RemovalRow {
    /// Touchpoint id, or the stage name for stage rows.
    pub target: String,
    pub name: String,
    pub stage: String,
    /// The touchpoint's quality in the file (stage rows: absent).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quality: Option<f64>,
    /// Retention at the horizon: perfect − as is (the share of customers saved).
    pub retention: Paired,
    /// Revenue per customer: the revenue lost to this touchpoint's failures.
    pub revenue: Paired,
    pub npv: Paired,
}

/// The whole diagnosis of one strategy.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Diagnosis {
    pub schema: &'static str,
    pub scenario: String,
    pub strategy: String,
    pub customers: u64,
    pub seed: u64,
    pub horizon: u32,
    pub period: String,
    pub currency: String,
    /// Share of customers lost within the horizon.
    pub churn: Estimate,
    pub churners: u64,
    /// Revenue lost to churn within the horizon per initial customer (all causes).
    pub lost_revenue: Estimate,
    pub cause_by_stage: Vec<CauseRow>,
    pub cause_by_touchpoint: Vec<CauseRow>,
    /// Stage removal effects, in stage order.
    pub removal_by_stage: Vec<RemovalRow>,
    /// Touchpoint removal effects, largest retention gain first.
    pub removal_by_touchpoint: Vec<RemovalRow>,
    /// The stage with the largest removal effect on retention.
    pub weakest_stage: String,
    /// The stage blamed for the most churners by root cause.
    pub most_blamed_stage: String,
}

/// The scenario with the given touchpoints made perfect, re-validated.
fn perfected(base: &Scenario, which: impl Fn(usize) -> bool) -> Result<Model, String> {
    let mut s = base.clone();
    for (i, tp) in s.touchpoints.iter_mut().enumerate() {
        if which(i) {
            tp.quality = 1.0;
        }
    }
    validate(s).map_err(|p| {
        p.iter()
            .map(|p| format!("{}: {}", p.path, p.message))
            .collect::<Vec<_>>()
            .join("; ")
    })
}

/// Why a diagnosis did not finish.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AnalysisError {
    #[error("simulation cancelled")]
    Cancelled,
    #[error("{0}")]
    Invalid(String),
}

impl From<Cancelled> for AnalysisError {
    fn from(_: Cancelled) -> Self {
        AnalysisError::Cancelled
    }
}

/// Simulates `arms` in one run with cancellation and progress.
pub fn run_arms(
    arms: &[Arm<'_>],
    customers: u64,
    seed: u64,
    cancel: Option<&AtomicBool>,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> Result<RunResults, AnalysisError> {
    let engine = Engine::from_arms(arms, customers, seed)
        .map_err(|e| AnalysisError::Invalid(e.to_string()))?;
    let acc = engine.run(cancel, progress)?;
    Ok(RunResults::from_arms(arms, customers, seed, acc))
}

/// Diagnoses strategy `strategy` of the model.
pub fn diagnose(
    model: &Model,
    strategy: usize,
    customers: u64,
    seed: u64,
    cancel: Option<&AtomicBool>,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> Result<Diagnosis, AnalysisError> {
    let s = &model.scenario;
    let n_tp = s.touchpoints.len();
    let mut variants = Vec::with_capacity(n_tp + 3);
    for k in 0..n_tp {
        variants.push(perfected(s, |i| i == k).map_err(AnalysisError::Invalid)?);
    }
    for stage in Stage::ALL {
        variants.push(
            perfected(s, |i| s.touchpoints[i].stage == stage).map_err(AnalysisError::Invalid)?,
        );
    }
    let mut arms = vec![Arm { model, strategy }];
    arms.extend(variants.iter().map(|m| Arm { model: m, strategy }));
    let r = run_arms(&arms, customers, seed, cancel, progress)?;
    let acc = r
        .acc
        .as_ref()
        .ok_or_else(|| AnalysisError::Invalid("the run kept no sums".into()))?;
    let base = &acc.strategies[0];
    let n = acc.customers;
    let churners: u64 = base.churned_at.iter().sum();
    let lost_total: f64 = base.cause_lost.iter().sum();
    let lost_revenue = Estimate::from_sums(lost_total, base.lost_sq, n);
    // A cause's part of each churner (docs/model.md §4): its sum and sum of squares.
    let cause =
        |stage: &str, touchpoint: Option<String>, part: (f64, f64), lost: (f64, f64)| CauseRow {
            stage: stage.to_string(),
            touchpoint,
            churners: part.0,
            share_of_churners: Estimate::share(part.0, part.1, churners),
            share_of_customers: Estimate::from_sums(part.0, part.1, n),
            lost_revenue: Estimate::from_sums(lost.0, lost.1, n),
            share_of_lost_revenue: if lost_total > 0.0 {
                lost.0 / lost_total
            } else {
                0.0
            },
        };
    let stage_part = |c: usize| (base.churn_cause[c], base.churn_cause_sq[c]);
    let stage_lost = |c: usize| (base.cause_lost[c], base.cause_lost_sq[c]);
    let mut cause_by_stage: Vec<CauseRow> = Stage::ALL
        .iter()
        .map(|st| {
            let c = st.index();
            cause(st.name(), None, stage_part(c), stage_lost(c))
        })
        .collect();
    cause_by_stage.push(cause(
        "none",
        None,
        stage_part(NO_CAUSE),
        stage_lost(NO_CAUSE),
    ));
    let tp_lost = |i: usize| {
        (
            base.tp_lost.get(i).copied().unwrap_or(0.0),
            base.tp_lost_sq.get(i).copied().unwrap_or(0.0),
        )
    };
    let mut cause_by_touchpoint: Vec<CauseRow> = s
        .touchpoints
        .iter()
        .enumerate()
        .map(|(i, tp)| {
            cause(
                tp.stage.name(),
                Some(tp.id.clone()),
                (
                    base.tp_churn[i],
                    base.tp_churn_sq.get(i).copied().unwrap_or(0.0),
                ),
                tp_lost(i),
            )
        })
        .collect();
    // Most blamed first; ties (such as touchpoints never blamed) keep file order.
    cause_by_touchpoint.sort_by(|a, b| b.churners.total_cmp(&a.churners));

    let removal = |arm: usize, target: String, name: String, stage: &str, q: Option<f64>| {
        let p = |m: Metric| {
            paired(&r, 0, arm, m).ok_or_else(|| AnalysisError::Invalid("no paired sums".into()))
        };
        Ok::<RemovalRow, AnalysisError>(RemovalRow {
            target,
            name,
            stage: stage.to_string(),
            quality: q,
            retention: p(Metric::Retention)?,
            revenue: p(Metric::Revenue)?,
            npv: p(Metric::Npv)?,
        })
    };
    let mut removal_by_touchpoint = Vec::with_capacity(n_tp);
    for (k, tp) in s.touchpoints.iter().enumerate() {
        removal_by_touchpoint.push(removal(
            1 + k,
            tp.id.clone(),
            tp.name.clone(),
            tp.stage.name(),
            Some(tp.quality),
        )?);
    }
    removal_by_touchpoint.sort_by(|a, b| {
        b.retention
            .difference
            .mean
            .total_cmp(&a.retention.difference.mean)
    });
    let mut removal_by_stage = Vec::with_capacity(3);
    for (j, st) in Stage::ALL.iter().enumerate() {
        removal_by_stage.push(removal(
            1 + n_tp + j,
            st.name().to_string(),
            format!("every {} touchpoint", st.name()),
            st.name(),
            None,
        )?);
    }
    let weakest_stage = removal_by_stage
        .iter()
        .fold(None::<&RemovalRow>, |best, r| match best {
            Some(b) if b.retention.difference.mean >= r.retention.difference.mean => Some(b),
            _ => Some(r),
        })
        .map(|r| r.target.clone())
        .unwrap_or_default();
    let most_blamed_stage = cause_by_stage[..3]
        .iter()
        .fold(None::<&CauseRow>, |best, r| match best {
            Some(b) if b.churners >= r.churners => Some(b),
            _ => Some(r),
        })
        .map(|r| r.stage.clone())
        .unwrap_or_default();

    Ok(Diagnosis {
        schema: DIAGNOSE_SCHEMA,
        scenario: s.name.clone(),
        strategy: s.strategies[strategy].name.clone(),
        customers: n,
        seed,
        horizon: s.horizon,
        period: s.period.name().to_string(),
        currency: s.currency.clone(),
        churn: Estimate::proportion(churners, n),
        churners,
        lost_revenue,
        cause_by_stage,
        cause_by_touchpoint,
        removal_by_stage,
        removal_by_touchpoint,
        weakest_stage,
        most_blamed_stage,
    })
}
