//! `compare`: every metric of each strategy against a baseline, as paired differences on common
//! random numbers, with the variance reduction the pairing gave over independent runs.

use std::sync::atomic::AtomicBool;

use serde::Serialize;

use super::{Paired, paired, paired_in};
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
    /// The segment compared (its customers only), or none for all customers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub segment: Option<String>,
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
    from_results_in(results, baseline, None)
}

/// [`from_results`] over the customers of one segment (`segment`: its position in the
/// scenario's segments), still paired. A segment the results keep no sums for (a one-segment
/// scenario) compares all customers, which is that segment.
pub fn from_results_in(results: RunResults, baseline: usize, segment: Option<usize>) -> Comparison {
    let kept = |g: usize| {
        results
            .strategies
            .first()
            .is_some_and(|s| g < s.segments.len())
    };
    let segment = segment.filter(|&g| kept(g));
    let comparisons = (0..results.strategies.len())
        .filter(|&i| i != baseline)
        .map(|i| StrategyComparison {
            strategy: results.strategies[i].name.clone(),
            metrics: COMPARED
                .iter()
                .filter_map(|&m| match segment {
                    Some(g) => paired_in(&results, g, baseline, i, m),
                    None => paired(&results, baseline, i, m),
                })
                .collect(),
        })
        .collect();
    let segment_id = segment.and_then(|g| {
        results
            .strategies
            .first()
            .and_then(|s| s.segments.get(g))
            .map(|x| x.id.clone())
    });
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
        segment: segment_id,
        comparisons,
        results,
    }
}
