//! Strategy analysis on top of the engine (issue 8): paired comparisons against a baseline,
//! search of the emphasis simplex, one-at-a-time sensitivity and the churn diagnosis.
//!
//! Everything here is library code: no terminal, no files. Every analysis runs all the
//! variants it compares in ONE engine run (strategies of one model, or arms of several models),
//! so every pair sees the same customers with the same random numbers and paired differences
//! come with their standard error from the run's cross-products (docs/model.md §7, docs/analysis.md).

pub mod calibrate;
pub mod check;
pub mod compare;
pub mod diagnose;
pub mod diff;
pub mod optimize;
pub mod review;
pub mod sensitivity;
pub mod shard;

use serde::{Deserialize, Serialize};

use crate::results::{Estimate, Metric, RunResults, Z95};

/// The estimate of a metric for strategy (or arm) `i`, from the run's raw sums. `None` if the
/// results carry no sums (they always do when produced by `simulate`).
pub fn estimate(r: &RunResults, i: usize, m: Metric) -> Option<Estimate> {
    let acc = r.acc.as_ref()?;
    let sa = acc.strategies.get(i)?;
    let k = m.slot();
    Some(Estimate::from_sums(
        sa.metric_sum[k],
        sa.metric_sq[k],
        acc.customers,
    ))
}

/// [`estimate`] over the customers of segment `g` (file order) only.
pub fn estimate_in(r: &RunResults, g: usize, i: usize, m: Metric) -> Option<Estimate> {
    let seg = r.acc.as_ref()?.strategies.get(i)?.segments.get(g)?;
    let k = m.slot();
    Some(Estimate::from_sums(
        seg.metric_sum[k],
        seg.metric_sq[k],
        seg.customers,
    ))
}

/// [`paired`] over the customers of segment `g` only (still paired: the same customers).
pub fn paired_in(r: &RunResults, g: usize, a: usize, b: usize, m: Metric) -> Option<Paired> {
    Some(Paired::of(
        m,
        estimate_in(r, g, a, m)?,
        estimate_in(r, g, b, m)?,
        r.paired_difference_in(g, a, b, m.slot())?,
    ))
}

impl Paired {
    /// The comparison of `base` and `other` whose paired difference is `difference`.
    fn of(metric: Metric, base: Estimate, other: Estimate, difference: Estimate) -> Paired {
        let independent_se = base.se.hypot(other.se);
        Paired {
            metric,
            base,
            other,
            difference,
            significant: difference.significant(),
            independent_se,
            se_ratio: (difference.se > 0.0).then(|| independent_se / difference.se),
        }
    }
}

/// A paired difference `b − a` of one metric, with what independent runs would have given.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Paired {
    pub metric: Metric,
    /// The reference (a).
    pub base: Estimate,
    /// The variant (b).
    pub other: Estimate,
    /// b − a on common random numbers.
    pub difference: Estimate,
    /// Whether the 95 % interval of the difference excludes 0.
    pub significant: bool,
    /// The standard error two independent runs of the same size would give:
    /// sqrt(se_a² + se_b²).
    pub independent_se: f64,
    /// independent_se / paired se: how many times tighter common random numbers made the
    /// difference (its square is the factor of customers independent runs would need). `None`
    /// when the paired se is 0 (identical arms, or no variation at all).
    pub se_ratio: Option<f64>,
}

/// Paired difference of metric `m` between arms `a` (reference) and `b`.
pub fn paired(r: &RunResults, a: usize, b: usize, m: Metric) -> Option<Paired> {
    Some(Paired::of(
        m,
        estimate(r, a, m)?,
        estimate(r, b, m)?,
        r.paired_difference(a, b, m.slot())?,
    ))
}

/// A difference with the conservative standard error of independent estimates (used only to
/// screen candidates that were not simulated in the same run).
pub fn unpaired_difference(a: &Estimate, b: &Estimate) -> Estimate {
    Estimate::with_se(b.mean - a.mean, a.se.hypot(b.se))
}

/// Half-width of the 95 % interval of an estimate.
pub fn half_width(e: &Estimate) -> f64 {
    Z95 * e.se
}
