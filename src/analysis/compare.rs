//! `compare`: every metric of each strategy against a baseline, as paired differences on common
//! random numbers, with the variance reduction the pairing gave over independent runs.

use std::fmt::Write as _;
use std::sync::atomic::AtomicBool;

use serde::Serialize;

use super::{Paired, csv_field, fmt_interval, fmt_value, paired, to_json};
use crate::engine::{Cancelled, Engine, RunSpec};
use crate::model::Model;
use crate::results::Metric;
use crate::results::RunResults;

pub const COMPARE_SCHEMA: &str = "cxsim.compare/1";

/// The metrics a comparison reports, in this order.
pub const COMPARED: [Metric; 8] = Metric::ALL;

/// One strategy against the baseline.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StrategyComparison {
    pub strategy: String,
    pub metrics: Vec<Paired>,
}

/// A whole comparison. `results` holds the run (baseline first, then the others).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    pub schema: &'static str,
    pub scenario: String,
    pub customers: u64,
    pub seed: u64,
    pub horizon: u32,
    pub period: String,
    pub currency: String,
    pub baseline: String,
    pub comparisons: Vec<StrategyComparison>,
    #[serde(skip)]
    pub results: RunResults,
}

/// Run order for a comparison: the baseline first, then the other strategies in the given order
/// (the baseline is not repeated).
pub fn run_order(strategies: &[usize], baseline: usize) -> Vec<usize> {
    let mut order = vec![baseline];
    order.extend(strategies.iter().copied().filter(|&s| s != baseline));
    order
}

/// Simulates the baseline and the strategies (indices into the scenario's strategies) in one
/// run and compares each with the baseline. `cancel` and `progress` as in `Engine::run`.
pub fn compare(
    model: &Model,
    strategies: &[usize],
    baseline: usize,
    customers: u64,
    seed: u64,
    cancel: Option<&AtomicBool>,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> Result<Comparison, Cancelled> {
    let spec = RunSpec {
        customers,
        seed,
        strategies: run_order(strategies, baseline),
    };
    let engine = Engine::new(model, spec.clone());
    let acc = engine.run(cancel, progress)?;
    Ok(from_results(RunResults::from_acc(model, &spec, acc), 0))
}

/// Compares every strategy of existing results with strategy `baseline` (a position in
/// `results.strategies`). The results must carry their raw sums.
pub fn from_results(results: RunResults, baseline: usize) -> Comparison {
    let comparisons = (0..results.strategies.len())
        .filter(|&i| i != baseline)
        .map(|i| StrategyComparison {
            strategy: results.strategies[i].name.clone(),
            metrics: COMPARED
                .iter()
                .filter_map(|&m| paired(&results, baseline, i, m))
                .collect(),
        })
        .collect();
    Comparison {
        schema: COMPARE_SCHEMA,
        scenario: results.scenario.clone(),
        customers: results.customers,
        seed: results.seed,
        horizon: results.horizon,
        period: results.period.clone(),
        currency: results.currency.clone(),
        baseline: results
            .strategies
            .get(baseline)
            .map(|s| s.name.clone())
            .unwrap_or_default(),
        comparisons,
        results,
    }
}

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
        crate::report::group_thousands(c.customers),
        c.seed,
        c.horizon,
        c.period,
        c.currency
    );
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
