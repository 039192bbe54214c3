//! `cxsim compare` as table, JSON and CSV.

use std::fmt::Write as _;

use super::{fmt_interval, fmt_value};
use crate::analysis::compare::Comparison;
use crate::fmt::{csv_field, to_json};

/// The `cxsim.compare/1` JSON document (docs/format.md).
pub fn json(c: &Comparison) -> String {
    to_json(c)
}

/// One row per strategy and metric.
pub fn csv(c: &Comparison) -> String {
    let mut out = String::from(
        "strategy,metric,baseline,baseline_se,strategy_value,strategy_se,difference,difference_se,\
         difference_lo,difference_hi,significant,independent_se,se_ratio\n",
    );
    for sc in &c.comparisons {
        for p in &sc.metrics {
            let _ = writeln!(
                out,
                "{},{},{},{},{},{},{},{},{},{},{},{},{}",
                csv_field(&sc.strategy),
                p.metric.name(),
                p.base.mean,
                p.base.se,
                p.other.mean,
                p.other.se,
                p.difference.mean,
                p.difference.se,
                p.difference.lo,
                p.difference.hi,
                p.significant,
                p.independent_se,
                p.se_ratio.map_or(String::new(), |r| r.to_string())
            );
        }
    }
    out
}

/// "8.3×" or "—" when the paired se is zero.
pub fn fmt_ratio(r: Option<f64>) -> String {
    r.map_or("—".to_string(), |r| format!("{r:.1}×"))
}

/// The table for people.
pub fn table(c: &Comparison) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} — each strategy minus \"{}\", {} customers on common random numbers, seed {}, \
         horizon {} {}s, amounts in {}",
        c.scenario,
        c.baseline,
        crate::fmt::group_thousands(c.customers),
        c.seed,
        c.horizon,
        c.period,
        c.currency
    );
    if let Some(g) = &c.segment {
        let _ = writeln!(
            out,
            "Segment \"{g}\" only: per initial customer of the segment, paired on its customers."
        );
    }
    let _ = writeln!(
        out,
        "* = the 95 % interval excludes 0.  CRN gain = SE of independent runs / paired SE \
         (independent runs would need gain² as many customers)."
    );
    if c.comparisons.is_empty() {
        let _ = writeln!(out, "\nno strategy to compare with the baseline");
        return out;
    }
    for sc in &c.comparisons {
        let _ = writeln!(out, "\n{} vs {}", sc.strategy, c.baseline);
        let _ = writeln!(
            out,
            "  {:<28} {:>12} {:>12}  {:<38} {:>3} {:>9}",
            "metric", "baseline", "strategy", "difference [95% interval]", "", "CRN gain"
        );
        for p in &sc.metrics {
            let _ = writeln!(
                out,
                "  {:<28} {:>12} {:>12}  {:<38} {:>3} {:>9}",
                p.metric.label(),
                fmt_value(p.metric, p.base.mean),
                fmt_value(p.metric, p.other.mean),
                fmt_interval(p.metric, &p.difference),
                if p.significant { "*" } else { "" },
                fmt_ratio(p.se_ratio)
            );
        }
    }
    out
}
