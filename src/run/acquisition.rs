//! The acquisition's extra simulations (docs/model.md §11, §14): after the main run, each funnel
//! segment of a multi-segment scenario is simulated as its own closed cohort, and with enough
//! customers every run is repeated batch by batch for the intervals. The open-population
//! arithmetic on their curves is `results::acquisition`.

use std::sync::atomic::AtomicBool;

use crate::engine::{Acc, Cancelled, Engine, RunSpec, reduce};
use crate::model::Model;
use crate::results::RunResults;
use crate::results::acquisition::intervals;
use crate::results::acquisition::{
    AcquisitionResults, Curves, FunnelParams, WordOfMouth, open_population,
};

/// What the open population needs beyond the main run's accumulator.
#[derive(Debug, Clone, Default)]
pub struct Extras {
    /// Per funnel of a multi-segment scenario: its segment simulated as its own closed cohort.
    pub funnels: Vec<Acc>,
    /// Per funnel: that cohort's accumulator per batch (empty without intervals).
    pub funnel_batches: Vec<Vec<Acc>>,
    /// The main run's accumulator per batch (empty without intervals).
    pub run_batches: Vec<Acc>,
}

/// The funnels' segments as their own scenarios (same customers count, seed and strategies),
/// one engine per funnel, when the scenario has several segments; none otherwise (the whole
/// run's curves serve every funnel then).
pub fn funnel_engines(model: &Model, spec: &RunSpec) -> Vec<Engine> {
    let (Some(acq), segs) = (&model.scenario.acquisition, &model.scenario.segments) else {
        return Vec::new();
    };
    if segs.len() <= 1 {
        return Vec::new();
    }
    acq.funnels
        .iter()
        // Validation refuses unknown segments.
        .filter_map(|f| segs.iter().find(|s| s.id == f.segment))
        .map(|seg| {
            let mut sub = model.clone();
            let mut only = seg.clone();
            only.share = 1.0;
            sub.scenario.segments = vec![only];
            sub.scenario.acquisition = None;
            Engine::new(&sub, spec.clone())
        })
        .collect()
}

/// Runs the extra simulations of `model`'s acquisition section.
pub fn simulate_extras(
    model: &Model,
    spec: &RunSpec,
    cancel: Option<&AtomicBool>,
) -> Result<Extras, Cancelled> {
    let batched = intervals::has_intervals(spec.customers);
    let mut extras = Extras::default();
    for engine in funnel_engines(model, spec) {
        if batched {
            let (whole, batches) = run_batched(&engine, cancel)?;
            extras.funnels.push(whole);
            extras.funnel_batches.push(batches);
        } else {
            extras.funnels.push(engine.run(cancel, &|_, _| {})?);
        }
    }
    if batched {
        extras.run_batches = run_batched(&Engine::new(model, spec.clone()), cancel)?.1;
    }
    Ok(extras)
}

/// Adds the acquisition section to `results` when the scenario has one. Funnel segments of a
/// multi-segment scenario are simulated as their own closed cohort (the scenario with only that
/// segment, same customers count, seed and strategies); the whole-run curves serve the initial
/// base. Deterministic: same inputs, same bytes, at any thread count. Called after a run by
/// `run::simulate`, the CLI and the studio's worker.
pub fn attach(
    model: &Model,
    spec: &RunSpec,
    results: &mut RunResults,
    cancel: Option<&AtomicBool>,
) -> Result<(), Cancelled> {
    if model.scenario.acquisition.is_none() || results.acc.is_none() {
        return Ok(());
    }
    let extras = simulate_extras(model, spec, cancel)?;
    attach_extras(model, spec, results, &extras);
    Ok(())
}

/// Adds the acquisition section from the main run's results and the extra simulations (run
/// here, or merged from the shards of a sharded run).
pub fn attach_extras(model: &Model, spec: &RunSpec, results: &mut RunResults, extras: &Extras) {
    let Some(acq) = &model.scenario.acquisition else {
        return;
    };
    let Some(acc) = &results.acc else {
        return;
    };
    let h = model.horizon();
    let n = acc.customers;
    let segs = &model.scenario.segments;
    let batched = intervals::has_intervals(spec.customers);
    let (sub_accs, sub_batches, run_batches) =
        (&extras.funnels, &extras.funnel_batches, &extras.run_batches);
    let params: Vec<FunnelParams> = acq
        .funnels
        .iter()
        .filter(|f| segs.iter().any(|s| s.id == f.segment))
        .map(|f| FunnelParams {
            segment: f.segment.clone(),
            leads: f.leads_per_period,
            win_rate: f.qualification_rate * f.conversion_rate,
            cost_per_lead: f.cost_per_lead,
            cost_per_win: f.cost_per_win,
        })
        .collect();
    let wom = WordOfMouth {
        referral_strength: acq.referral_strength,
        warning_strength: acq.warning_strength,
    };
    let strategies = results
        .strategies
        .iter()
        .enumerate()
        .map(|(si, sr)| {
            let base = Curves::from_acc(&acc.strategies[si], n, h, acq.warners);
            let funnel_curves: Vec<Curves> = if segs.len() > 1 {
                sub_accs
                    .iter()
                    .map(|a| Curves::from_acc(&a.strategies[si], a.customers, h, acq.warners))
                    .collect()
            } else {
                params.iter().map(|_| base.clone()).collect()
            };
            let refs: Vec<&Curves> = funnel_curves.iter().collect();
            let mut s =
                open_population(&sr.name, acq.initial_customers, &base, &params, &refs, wom);
            // Each batch's figures from its own curves (§14).
            let per_batch: Vec<(u64, [Option<f64>; 6])> = run_batches
                .iter()
                .enumerate()
                .map(|(k, ba)| {
                    let base = Curves::from_acc(&ba.strategies[si], ba.customers, h, acq.warners);
                    let funnel_curves: Vec<Curves> = if segs.len() > 1 {
                        sub_batches
                            .iter()
                            .map(|b| {
                                let a = &b[k];
                                Curves::from_acc(&a.strategies[si], a.customers, h, acq.warners)
                            })
                            .collect()
                    } else {
                        params.iter().map(|_| base.clone()).collect()
                    };
                    let refs: Vec<&Curves> = funnel_curves.iter().collect();
                    let sb = open_population(
                        &sr.name,
                        acq.initial_customers,
                        &base,
                        &params,
                        &refs,
                        wom,
                    );
                    (ba.customers, intervals::figures(&sb, &refs))
                })
                .collect();
            s.intervals = Some(if batched {
                intervals::intervals(intervals::figures(&s, &refs), &per_batch)
            } else {
                intervals::unavailable(spec.units().min(intervals::MAX_BATCHES))
            });
            s
        })
        .collect();
    results.acquisition = Some(AcquisitionResults {
        initial_customers: acq.initial_customers,
        strategies,
    });
}

/// Simulates the engine's run batch by batch: the whole-run accumulator (the same bits as
/// `Engine::run`, because the batches' canonical blocks are fed in unit order into one
/// counter, see `engine::reduce`) and one accumulator per batch.
pub fn run_batched(
    engine: &Engine,
    cancel: Option<&AtomicBool>,
) -> Result<(Acc, Vec<Acc>), Cancelled> {
    let ranges = intervals::batch_ranges(engine.spec().units());
    let mut whole = reduce::Reducer::new(0);
    let mut ok = true;
    let mut batches = Vec::with_capacity(ranges.len());
    for r in ranges {
        let blocks = engine.run_blocks(r, cancel, &|_, _| {})?;
        batches.push(reduce::fold_right(blocks.clone()).unwrap_or_else(|| engine.empty_acc()));
        for b in blocks {
            ok &= whole.push_block(b).is_ok();
        }
    }
    // The blocks of consecutive ranges always form the canonical walk; should that ever fail,
    // the plain run gives the whole-run bits.
    let whole = match (ok, whole.finish()) {
        (true, Some(acc)) => acc,
        (true, None) => engine.empty_acc(),
        (false, _) => engine.run(cancel, &|_, _| {})?,
    };
    Ok((whole, batches))
}
