//! `sensitivity`: one-at-a-time sensitivity of a metric to each touchpoint's quality and cost
//! and to the key parameters of the model.
//!
//! Each parameter is moved down and up by a relative `delta` (value · (1 ± delta)), clamped to
//! its valid range; each perturbed scenario is re-validated and simulated as an arm next to the
//! unchanged scenario in ONE run (common random numbers), so every effect is a paired difference
//! with a 95 % interval. Parameters whose value is 0 are not perturbed (a relative change of 0 is
//! 0). Rows are sorted by swing |effect(high) − effect(low)| (a tornado chart).

use std::sync::atomic::AtomicBool;

use serde::Serialize;

use super::diagnose::{AnalysisError, run_arms};
use super::{Paired, paired};
use crate::engine::Arm;
use crate::format::path::FieldPath;
use crate::format::{Propensity, Scenario};
use crate::model::{MAX_PROTECTION, Model, validate};
use crate::results::Estimate;
use crate::results::Metric;

pub const SENSITIVITY_SCHEMA: &str = "cxsim.sensitivity/1";

/// Sets a parameter in a scenario.
type Setter = Box<dyn Fn(&mut Scenario, f64)>;

/// A parameter: a label, its field path, its value, its valid range and how to set it.
struct Param {
    label: String,
    path: FieldPath,
    value: f64,
    range: (f64, f64),
    set: Setter,
}

/// The parameters perturbed for `strategy`: every touchpoint's quality and cost, the churn
/// protection weights, segment values (all segments together), the churn propensity θ (all
/// segments together: Fixed θ scaled, Beta mean scaled through α with α + β kept), loyalty
/// uplift, the investment response, the strategy's budget and the discount rate.
fn parameters(s: &Scenario, strategy: usize) -> Vec<Param> {
    let mut ps: Vec<Param> = Vec::new();
    for (i, tp) in s.touchpoints.iter().enumerate() {
        ps.push(Param {
            label: format!("{} quality", tp.name),
            path: FieldPath::root()
                .field("touchpoints")
                .index(i)
                .field("quality"),
            value: tp.quality,
            range: (0.0, 1.0),
            set: Box::new(move |s, v| s.touchpoints[i].quality = v),
        });
    }
    for (i, tp) in s.touchpoints.iter().enumerate() {
        ps.push(Param {
            label: format!("{} cost", tp.name),
            path: FieldPath::root()
                .field("touchpoints")
                .index(i)
                .field("cost"),
            value: tp.cost,
            range: (0.0, f64::MAX),
            set: Box::new(move |s, v| s.touchpoints[i].cost = v),
        });
    }
    let w = s.churn.protection;
    ps.push(Param {
        label: "protection of satisfied".into(),
        path: FieldPath::root()
            .field("churn")
            .field("protection")
            .field("satisfied"),
        value: w.satisfied,
        range: (0.0, MAX_PROTECTION),
        set: Box::new(|s, v| s.churn.protection.satisfied = v),
    });
    ps.push(Param {
        label: "protection of pleased".into(),
        path: FieldPath::root()
            .field("churn")
            .field("protection")
            .field("pleased"),
        value: w.pleased,
        range: (0.0, MAX_PROTECTION),
        set: Box::new(|s, v| s.churn.protection.pleased = v),
    });
    ps.push(Param {
        label: "protection of loyal".into(),
        path: FieldPath::root()
            .field("churn")
            .field("protection")
            .field("loyal"),
        value: w.loyal,
        range: (0.0, MAX_PROTECTION),
        set: Box::new(|s, v| s.churn.protection.loyal = v),
    });
    // Segment-wide factors are expressed as a multiplier around 1.
    let base_values: Vec<f64> = s.segments.iter().map(|g| g.value_per_period).collect();
    if base_values.iter().any(|&v| v > 0.0) {
        ps.push(Param {
            label: "value per period (all segments)".into(),
            path: FieldPath::root()
                .field("segments")
                .all()
                .field("value_per_period"),
            value: 1.0,
            range: (0.0, f64::MAX),
            set: Box::new(move |s, f| {
                for (g, v) in s.segments.iter_mut().zip(&base_values) {
                    g.value_per_period = v * f;
                }
            }),
        });
    }
    let base_prop: Vec<Propensity> = s.segments.iter().map(|g| g.churn_propensity).collect();
    // The largest factor keeping every θ (Fixed) or Beta mean below 1.
    let max_mean = base_prop
        .iter()
        .map(|p| match *p {
            Propensity::Fixed(t) => t,
            Propensity::Beta { alpha, beta } => alpha / (alpha + beta),
        })
        .fold(0.0, f64::max);
    if max_mean > 0.0 {
        ps.push(Param {
            label: "churn propensity θ (all segments)".into(),
            path: FieldPath::root()
                .field("segments")
                .all()
                .field("churn_propensity"),
            value: 1.0,
            range: (0.0, (1.0 / max_mean).min(f64::MAX)),
            set: Box::new(move |s, f| {
                for (g, p) in s.segments.iter_mut().zip(&base_prop) {
                    g.churn_propensity = match *p {
                        Propensity::Fixed(t) => Propensity::Fixed((t * f).min(1.0)),
                        Propensity::Beta { alpha, beta } => {
                            let total = alpha + beta;
                            let mean = (alpha / total * f).clamp(1e-9, 1.0 - 1e-9);
                            Propensity::Beta {
                                alpha: mean * total,
                                beta: (1.0 - mean) * total,
                            }
                        }
                    };
                }
            }),
        });
    }
    ps.push(Param {
        label: "loyalty uplift".into(),
        path: FieldPath::root().field("revenue").field("loyalty_uplift"),
        value: s.revenue.loyalty_uplift,
        range: (0.0, f64::MAX),
        set: Box::new(|s, v| s.revenue.loyalty_uplift = v),
    });
    let budget = s.strategies.get(strategy).map_or(0.0, |st| st.budget);
    if budget > 0.0 {
        ps.push(Param {
            label: "investment max uplift".into(),
            path: FieldPath::root().field("investment").field("max_uplift"),
            value: s.investment.max_uplift,
            range: (0.0, 1.0),
            set: Box::new(|s, v| s.investment.max_uplift = v),
        });
        ps.push(Param {
            label: "investment half saturation".into(),
            path: FieldPath::root()
                .field("investment")
                .field("half_saturation"),
            value: s.investment.half_saturation,
            range: (1e-12, f64::MAX),
            set: Box::new(|s, v| s.investment.half_saturation = v),
        });
    }
    ps.push(Param {
        label: "strategy budget".into(),
        path: FieldPath::root()
            .field("strategies")
            .index(strategy)
            .field("budget"),
        value: budget,
        range: (0.0, f64::MAX),
        set: Box::new(move |s, v| s.strategies[strategy].budget = v),
    });
    ps.push(Param {
        label: "discount rate".into(),
        path: FieldPath::root().field("discount_rate"),
        value: s.discount_rate,
        range: (0.0, 1.0),
        set: Box::new(|s, v| s.discount_rate = v),
    });
    ps.retain(|p| p.value > 0.0);
    ps
}

/// One parameter's effect.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SensitivityRow {
    pub parameter: String,
    /// Field path in the scenario (`segments[*]` = every segment).
    pub path: FieldPath,
    /// The value in the file (segment-wide factors: 1).
    pub value: f64,
    pub low_value: f64,
    pub high_value: f64,
    /// metric(low) − metric(as is), paired.
    pub low: Paired,
    /// metric(high) − metric(as is), paired.
    pub high: Paired,
    /// |high − low| of the mean effects: the length of the tornado bar.
    pub swing: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Sensitivity {
    pub schema: &'static str,
    pub scenario: String,
    pub strategy: String,
    pub metric: Metric,
    pub delta: f64,
    pub customers: u64,
    pub seed: u64,
    pub currency: String,
    /// The metric of the unchanged scenario.
    pub base: Estimate,
    /// Sorted by swing, largest first.
    pub rows: Vec<SensitivityRow>,
}

/// One-at-a-time sensitivity of `metric` under `strategy` to ± `delta` (relative).
#[allow(clippy::too_many_arguments)]
pub fn sensitivity(
    model: &Model,
    strategy: usize,
    metric: Metric,
    delta: f64,
    customers: u64,
    seed: u64,
    cancel: Option<&AtomicBool>,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> Result<Sensitivity, AnalysisError> {
    if !(delta.is_finite() && delta > 0.0 && delta < 1.0) {
        return Err(AnalysisError::Invalid(format!(
            "delta {delta} is outside (0, 1): use e.g. 0.1 for ±10 %"
        )));
    }
    let s = &model.scenario;
    let params = parameters(s, strategy);
    let mut variants = Vec::with_capacity(2 * params.len());
    let mut values = Vec::with_capacity(params.len());
    for p in &params {
        let lo = (p.value * (1.0 - delta)).clamp(p.range.0, p.range.1);
        let hi = (p.value * (1.0 + delta)).clamp(p.range.0, p.range.1);
        for v in [lo, hi] {
            let mut sc = s.clone();
            (p.set)(&mut sc, v);
            let m = validate(sc).map_err(|problems| {
                AnalysisError::Invalid(format!(
                    "{} = {v} makes the scenario invalid: {}",
                    p.path,
                    problems
                        .iter()
                        .map(|q| format!("{}: {}", q.path, q.message))
                        .collect::<Vec<_>>()
                        .join("; ")
                ))
            })?;
            variants.push(m);
        }
        values.push((lo, hi));
    }
    let mut arms = vec![Arm { model, strategy }];
    arms.extend(variants.iter().map(|m| Arm { model: m, strategy }));
    let r = run_arms(&arms, customers, seed, cancel, progress)?;
    let missing = || AnalysisError::Invalid("the run kept no sums".into());
    let base = super::estimate(&r, 0, metric).ok_or_else(missing)?;
    let mut rows = Vec::with_capacity(params.len());
    for (k, (p, &(lo, hi))) in params.iter().zip(&values).enumerate() {
        let low = paired(&r, 0, 1 + 2 * k, metric).ok_or_else(missing)?;
        let high = paired(&r, 0, 2 + 2 * k, metric).ok_or_else(missing)?;
        rows.push(SensitivityRow {
            parameter: p.label.clone(),
            path: p.path.clone(),
            value: p.value,
            low_value: lo,
            high_value: hi,
            swing: (high.difference.mean - low.difference.mean).abs(),
            low,
            high,
        });
    }
    rows.sort_by(|a, b| {
        b.swing
            .total_cmp(&a.swing)
            .then_with(|| a.path.to_string().cmp(&b.path.to_string()))
    });
    Ok(Sensitivity {
        schema: SENSITIVITY_SCHEMA,
        scenario: s.name.clone(),
        strategy: s.strategies[strategy].name.clone(),
        metric,
        delta,
        customers,
        seed,
        currency: s.currency.clone(),
        base,
        rows,
    })
}
