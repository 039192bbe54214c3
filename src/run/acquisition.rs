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
    let Some(acq) = &model.scenario.acquisition else {
        return Ok(());
    };
    let Some(acc) = &results.acc else {
        return Ok(());
    };
    let h = model.horizon();
    let n = acc.customers;
    let segs = &model.scenario.segments;
    let mut sub_accs: Vec<Acc> = Vec::new();
    // Per-batch accumulators for the intervals (§14): the run's, then each funnel segment's.
    let batched = intervals::has_intervals(spec.customers);
    let mut sub_batches: Vec<Vec<Acc>> = Vec::new();
    let mut params = Vec::new();
    for f in &acq.funnels {
        let Some(seg) = segs.iter().find(|s| s.id == f.segment) else {
            continue; // validation refuses unknown segments
        };
        params.push(FunnelParams {
            segment: f.segment.clone(),
            leads: f.leads_per_period,
            win_rate: f.qualification_rate * f.conversion_rate,
            cost_per_lead: f.cost_per_lead,
            cost_per_win: f.cost_per_win,
        });
        if segs.len() > 1 {
            let mut sub = model.clone();
            let mut only = seg.clone();
            only.share = 1.0;
            sub.scenario.segments = vec![only];
            sub.scenario.acquisition = None;
            let engine = Engine::new(&sub, spec.clone());
            if batched {
                let (whole, batches) = run_batched(&engine, cancel)?;
                sub_accs.push(whole);
                sub_batches.push(batches);
            } else {
                sub_accs.push(engine.run(cancel, &|_, _| {})?);
            }
        }
    }
    let wom = WordOfMouth {
        referral_strength: acq.referral_strength,
        warning_strength: acq.warning_strength,
    };
    let run_batches = if batched {
        run_batched(&Engine::new(model, spec.clone()), cancel)?.1
    } else {
        Vec::new()
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
    Ok(())
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
