//! The pipeline: model → engine → results. The CLI, the studio, `check`, batches and shards all
//! run a scenario through here.

pub mod acquisition;

use crate::engine::{self, Arm, ArmsError, Engine, RunSpec};
use crate::model::Model;
use crate::results::RunResults;

/// Simulates a model with the given spec on the current rayon pool, without progress reports.
pub fn simulate(model: &Model, spec: &RunSpec) -> RunResults {
    let engine = Engine::new(model, spec.clone());
    match engine.run(None, &|_, _| {}) {
        Ok(acc) => {
            let mut r = RunResults::from_acc(model, spec, acc);
            // Without a cancel flag the acquisition runs cannot be cancelled either.
            let _ = acquisition::attach(model, spec, &mut r, None);
            r
        }
        // Without a cancel flag a run cannot be cancelled.
        Err(engine::Cancelled) => RunResults::from_acc(
            model,
            spec,
            engine::Acc::new(
                model.horizon(),
                model.scenario.touchpoints.len(),
                spec.strategies.len(),
            ),
        ),
    }
}

/// Simulates arms (model, strategy) of possibly different models on common random numbers, so
/// `RunResults::paired_difference` compares any two of them.
pub fn simulate_arms(arms: &[Arm<'_>], customers: u64, seed: u64) -> Result<RunResults, ArmsError> {
    let engine = Engine::from_arms(arms, customers, seed)?;
    let n_tp: Vec<usize> = arms
        .iter()
        .map(|a| a.model.scenario.touchpoints.len())
        .collect();
    let acc = match engine.run(None, &|_, _| {}) {
        Ok(acc) => acc,
        // Without a cancel flag a run cannot be cancelled.
        Err(engine::Cancelled) => {
            engine::Acc::for_arms(arms.first().map_or(0, |a| a.model.horizon()), &n_tp)
        }
    };
    Ok(RunResults::from_arms(arms, customers, seed, acc))
}
