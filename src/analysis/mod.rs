//! Strategy analysis on top of the engine (issue 8): paired comparisons against a baseline,
//! search of the emphasis simplex, one-at-a-time sensitivity and the churn diagnosis.
//!
//! Everything here is library code: no terminal, no files. Every analysis runs all the
//! variants it compares in ONE engine run (strategies of one model, or arms of several models),
//! so every pair sees the same customers with the same random numbers and paired differences
//! come with their standard error from the run's cross-products (docs/model.md §7, docs/analysis.md).

pub mod check;
pub mod compare;
pub mod diagnose;
pub mod diff;
pub mod optimize;
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
    let base = estimate(r, a, m)?;
    let other = estimate(r, b, m)?;
    let difference = r.paired_difference(a, b, m.slot())?;
    let independent_se = base.se.hypot(other.se);
    Some(Paired {
        metric: m,
        base,
        other,
        difference,
        significant: difference.significant(),
        independent_se,
        se_ratio: (difference.se > 0.0).then(|| independent_se / difference.se),
    })
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

/// Output formats of the analysis commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnalysisFormat {
    Table,
    Json,
    Csv,
    /// A Markdown report with the charts as inline SVG.
    Md,
    /// A standalone HTML page with the charts as inline SVG.
    Html,
}

/// A value of a metric for people: retention in percent, money and counts with decimals.
pub fn fmt_value(m: Metric, v: f64) -> String {
    if m.is_share() {
        format!("{:.2}%", v * 100.0)
    } else {
        match m {
            Metric::Incidents | Metric::Escalations => format!("{v:.4}"),
            _ => format!("{v:.2}"),
        }
    }
}

/// A signed difference for people (retention in percentage points).
pub fn fmt_diff(m: Metric, v: f64) -> String {
    if m.is_share() {
        format!("{:+.2} pp", v * 100.0)
    } else {
        match m {
            Metric::Incidents | Metric::Escalations => format!("{v:+.4}"),
            _ => format!("{v:+.2}"),
        }
    }
}

/// "+1.20 [+0.80, +1.60]" for a difference and its 95 % interval.
pub fn fmt_interval(m: Metric, e: &Estimate) -> String {
    format!(
        "{} [{}, {}]",
        fmt_diff(m, e.mean),
        fmt_diff(m, e.lo),
        fmt_diff(m, e.hi)
    )
}

/// A CSV field, quoted when needed.
pub fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// Pretty JSON with a trailing newline (serialisation of these plain types cannot fail; if it
/// ever did, the error is reported in the document rather than panicking).
pub fn to_json<T: Serialize>(doc: &T) -> String {
    match serde_json::to_string_pretty(doc) {
        Ok(mut s) => {
            s.push('\n');
            s
        }
        Err(e) => format!("{{\"error\": \"{e}\"}}\n"),
    }
}
