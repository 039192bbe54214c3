//! Batch-means intervals for the open-population figures (docs/model.md §14).
//!
//! The open population is a smooth, non-linear function of the simulated cohort curves (ratios
//! for CAC and lost revenue, a threshold crossing for payback, word of mouth feeding back into
//! inflow), so there is no per-customer variable whose sample variance gives its standard error.
//! Batch means get it without algebra: the customers are split into B contiguous batches along
//! the engine's work units, every figure is recomputed from each batch's curves alone, and the
//! spread of the batch figures estimates the Monte Carlo error of the full-run figure.
//!
//! The batches are fixed ranges of work units (a function of the customer count only), reduced
//! with the engine's canonical dyadic tree, so the intervals are the same bytes at any thread
//! count, like everything else. The batched run itself is `run::acquisition::run_batched`; this
//! file is the statistics.

use std::ops::Range;

use serde::{Deserialize, Serialize};

use super::{Curves, StrategyAcquisition};
use crate::engine::UNIT;
use crate::results::Estimate;

/// At most this many batches: enough degrees of freedom for a stable SE, few enough that each
/// batch holds many customers (the batch figure must be close to normal and nearly unbiased).
pub const MAX_BATCHES: u64 = 32;
/// Fewer batches than this give no interval: with B − 1 < 3 degrees of freedom the SE itself is
/// too uncertain (the t quantile alone is ≥ 4.3) for the interval to mean much.
pub const MIN_BATCHES: u64 = 4;

/// Two-sided 95 % quantiles of Student's t with 1..=31 degrees of freedom (index df − 1).
const T975: [f64; 31] = [
    12.706_204_736,
    4.302_652_730,
    3.182_446_305,
    2.776_445_105,
    2.570_581_836,
    2.446_911_851,
    2.364_624_252,
    2.306_004_135,
    2.262_157_163,
    2.228_138_852,
    2.200_985_160,
    2.178_812_830,
    2.160_368_656,
    2.144_786_688,
    2.131_449_546,
    2.119_905_299,
    2.109_815_578,
    2.100_922_040,
    2.093_024_054,
    2.085_963_447,
    2.079_613_845,
    2.073_873_068,
    2.068_657_610,
    2.063_898_562,
    2.059_538_553,
    2.055_529_439,
    2.051_830_516,
    2.048_407_142,
    2.045_229_642,
    2.042_272_456,
    2.039_513_446,
];

/// The two-sided 95 % t quantile with `df` degrees of freedom (1..=31; the normal 1.96 beyond,
/// which `MAX_BATCHES` never reaches).
pub fn t975(df: u64) -> f64 {
    match df {
        0 => f64::INFINITY,
        d if d as usize <= T975.len() => T975[d as usize - 1],
        _ => crate::results::Z95,
    }
}

/// The intervals of one strategy's open-population figures (JSON `intervals`). A figure is
/// `null` when there are too few batches (`reason` says so) or when it is undefined in some
/// batch (no wins: no CAC; no payback within the horizon).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Intervals {
    /// How the SE was estimated: always "batch-means".
    pub method: String,
    /// Number of batches B (consecutive ranges of work units).
    pub batches: u32,
    /// Why there is no interval, when there is none for any figure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Customers active at the end of the horizon.
    pub active_base_end: Option<Estimate>,
    pub cac: Option<Estimate>,
    /// Payback as a fractional number of periods (the crossing interpolated within the period;
    /// `payback_periods` is its ceiling).
    pub payback_periods: Option<Estimate>,
    pub lost_current: Option<Estimate>,
    pub lost_future: Option<Estimate>,
    pub lost_reputation: Option<Estimate>,
}

/// The batches of a run of `units` work units: B = min(units, MAX_BATCHES) consecutive ranges
/// whose sizes differ by at most one unit.
pub fn batch_ranges(units: u64) -> Vec<Range<u64>> {
    let b = units.min(MAX_BATCHES);
    (0..b).map(|k| units * k / b..units * (k + 1) / b).collect()
}

/// Whether a run of `customers` gets intervals.
pub fn has_intervals(customers: u64) -> bool {
    customers.div_ceil(UNIT).min(MAX_BATCHES) >= MIN_BATCHES
}

/// Payback as a fractional age: the first age a with cumulative net revenue ≥ CAC, minus the
/// share of period a not needed (linear within the period). `None` if not within the horizon.
pub fn payback_fraction(mix: &[(f64, &Curves)], cac: f64) -> Option<f64> {
    if cac <= 0.0 {
        return Some(0.0);
    }
    let h = mix.first()?.1.horizon();
    let mut cum = 0.0;
    for a in 1..=h {
        let mut step = 0.0;
        for (w, c) in mix {
            step += w * (c.revenue[a] - c.cost_per_period * c.survival[a - 1]);
        }
        let next = cum + step;
        if next >= cac {
            let frac = if step > 0.0 {
                ((cac - cum) / step).clamp(0.0, 1.0)
            } else {
                1.0
            };
            return Some((a - 1) as f64 + frac);
        }
        cum = next;
    }
    None
}

/// The figures that get intervals, in the order of `Intervals`' fields.
pub fn figures(s: &StrategyAcquisition, funnel_curves: &[&Curves]) -> [Option<f64>; 6] {
    let total = s.total_new_customers;
    let mix: Vec<(f64, &Curves)> = s
        .funnels
        .iter()
        .zip(funnel_curves)
        .map(|(f, c)| (f.new_customers / total.max(f64::MIN_POSITIVE), *c))
        .collect();
    [
        s.active_base.last().copied(),
        s.cac,
        s.cac.and_then(|c| payback_fraction(&mix, c)),
        Some(s.lost_to_churn.current),
        Some(s.lost_to_churn.future),
        Some(s.lost_to_churn.reputation),
    ]
}

fn empty(b: u64) -> Intervals {
    Intervals {
        method: "batch-means".into(),
        batches: b as u32,
        reason: None,
        active_base_end: None,
        cac: None,
        payback_periods: None,
        lost_current: None,
        lost_future: None,
        lost_reputation: None,
    }
}

/// No interval for a run of `b` batches (fewer than `MIN_BATCHES`), saying why.
pub fn unavailable(b: u64) -> Intervals {
    Intervals {
        reason: Some(format!(
            "no interval: {b} batch(es) of up to {UNIT} customers; intervals need at least \
             {MIN_BATCHES} batches (more than {} customers)",
            (MIN_BATCHES - 1) * UNIT
        )),
        ..empty(b)
    }
}

/// The intervals from the full-run figures and each batch's (customers, figures).
///
/// With batch sizes n_k (Σ n_k = N) and batch figures θ_k: θ̄ = Σ n_k θ_k / N,
/// s² = Σ n_k (θ_k − θ̄)² / (B − 1) estimates N·Var(θ̂) (a figure from n customers has variance
/// ≈ σ²/n), so SE = √(s²/N); for equal batches this is sd(θ_k)/√B. The interval is centred on
/// the full-run figure: θ̂ ± t₀.₉₇₅(B − 1)·SE.
pub fn intervals(full: [Option<f64>; 6], batches: &[(u64, [Option<f64>; 6])]) -> Intervals {
    let b = batches.len() as u64;
    if b < MIN_BATCHES {
        return unavailable(b);
    }
    let mut out = empty(b);
    let t = t975(b - 1);
    let est = |j: usize| -> Option<Estimate> {
        let centre = full[j]?;
        let mut xs = Vec::with_capacity(batches.len());
        for (n, f) in batches {
            xs.push((*n as f64, f[j]?));
        }
        let n: f64 = xs.iter().map(|(n, _)| n).sum();
        if n <= 0.0 {
            return None;
        }
        let mean = xs.iter().map(|(n, x)| n * x).sum::<f64>() / n;
        let s2 = xs.iter().map(|(n, x)| n * (x - mean).powi(2)).sum::<f64>() / (b - 1) as f64;
        let se = (s2 / n).sqrt();
        Some(Estimate {
            mean: centre,
            se,
            lo: centre - t * se,
            hi: centre + t * se,
        })
    };
    out.active_base_end = est(0);
    out.cac = est(1);
    out.payback_periods = est(2);
    out.lost_current = est(3);
    out.lost_future = est(4);
    out.lost_reputation = est(5);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_cover_the_units_in_order() {
        for units in [1u64, 2, 3, 31, 32, 33, 100, 1000] {
            let r = batch_ranges(units);
            assert_eq!(r.len() as u64, units.min(MAX_BATCHES));
            let mut next = 0;
            for x in &r {
                assert_eq!(x.start, next);
                assert!(x.end > x.start);
                next = x.end;
            }
            assert_eq!(next, units);
        }
    }

    #[test]
    fn equal_batches_give_sd_over_root_b() {
        let xs = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0];
        let batches: Vec<(u64, [Option<f64>; 6])> =
            xs.iter().map(|&x| (10, [Some(x); 6])).collect();
        let iv = intervals([Some(4.5); 6], &batches);
        let e = iv.active_base_end.expect("interval");
        // sd = √(Σ(x − 4.5)²/7) = √6, SE = √6/√8.
        assert!((e.se - (6.0f64 / 8.0).sqrt()).abs() < 1e-12, "{}", e.se);
        assert!((e.hi - e.mean - t975(7) * e.se).abs() < 1e-12);
    }

    #[test]
    fn too_few_batches_say_no_interval() {
        let batches: Vec<(u64, [Option<f64>; 6])> = (0..3).map(|_| (1, [Some(1.0); 6])).collect();
        let iv = intervals([Some(1.0); 6], &batches);
        assert!(iv.active_base_end.is_none());
        assert!(
            iv.reason
                .as_deref()
                .is_some_and(|r| r.starts_with("no interval"))
        );
        assert!(!has_intervals(3 * UNIT));
        assert!(has_intervals(3 * UNIT + 1));
    }

    #[test]
    fn t_quantiles_decrease_towards_the_normal() {
        for df in 1..31 {
            assert!(t975(df) > t975(df + 1));
        }
        assert!(t975(31) > crate::results::Z95);
    }
}
