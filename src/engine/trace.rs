//! Hazard paths for calibration (docs/calibration.md): each customer's journey walked with
//! churn switched off, recording the multiplier m_t of their churn hazard h_t = θ·m_t in each
//! period (m = e^(−protection·states), times a get-well plan's multiplier).
//!
//! θ is used by nothing but the churn decision, and a churner's journey is the survivor's cut
//! short, so a customer's survival to t given θ is Π_{s≤t} (1 − min(1, θ·m_s)) on this path,
//! and the survival of the journey is its average over paths and over θ ~ the segment's
//! propensity. That is smooth in the propensity's parameters and needs one simulation, not
//! one per trial value. The stream is the run's own: θ = 0 still draws every churn number.

use rayon::prelude::*;

use super::{Acc, CustomerStart, Engine, M, RunSpec, Scratch, attribution, traced_kernel};
use crate::model::Model;

/// Every customer's segment and hazard multipliers, customer by customer.
#[derive(Debug, Clone, PartialEq)]
pub struct HazardPaths {
    pub horizon: usize,
    /// Per customer: the segment (file order).
    pub segment: Vec<usize>,
    /// Per customer, `horizon` multipliers (period 1 first), customer after customer.
    pub multipliers: Vec<f64>,
}

impl HazardPaths {
    /// Customer `i`'s multipliers.
    pub fn path(&self, i: usize) -> &[f64] {
        &self.multipliers[i * self.horizon..(i + 1) * self.horizon]
    }

    /// Whether every path of segment `g` has m ≡ 1 (its hazard is θ alone).
    pub fn is_pure(&self, g: usize) -> bool {
        (0..self.segment.len())
            .filter(|&i| self.segment[i] == g)
            .all(|i| self.path(i).iter().all(|&m| m == 1.0))
    }
}

/// Why paths could not be traced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TraceError {
    /// The segment's customers are accounts (their own kernel, several contacts).
    AccountSegment(usize),
}

/// Customers per parallel chunk: fixed, so the output does not depend on the thread count.
const CHUNK: u64 = 1024;

/// The hazard paths of `customers` customers under `strategy`, from the run's seed. Refused
/// when a segment of the file is made of accounts.
pub fn hazard_paths(
    model: &Model,
    strategy: usize,
    customers: u64,
    seed: u64,
) -> Result<HazardPaths, TraceError> {
    let engine = Engine::new(
        model,
        RunSpec {
            customers,
            seed,
            strategies: vec![strategy],
        },
    );
    let c = &engine.compiled;
    let Some(arm) = c.arms.first() else {
        return Ok(HazardPaths {
            horizon: c.horizon,
            segment: Vec::new(),
            multipliers: Vec::new(),
        });
    };
    if let Some(ac) = &arm.accounts
        && let Some(g) = ac.segments.iter().position(Option::is_some)
    {
        return Err(TraceError::AccountSegment(g));
    }
    let horizon = c.horizon;
    let sim = traced_kernel(arm);
    let chunks: Vec<(Vec<usize>, Vec<f64>)> = (0..customers.div_ceil(CHUNK))
        .into_par_iter()
        .map(|chunk| {
            let mut acc: Acc = engine.new_acc();
            let mut scratch = Scratch {
                counts: vec![[0u32; 2]; arm.tps.len()],
                harms: attribution::HarmGrid::new(horizon, arm.tps.len()),
                trace: Some(Vec::with_capacity(horizon)),
            };
            let mut fails = vec![0u64; arm.tps.len()];
            let mut sums = vec![[0.0; 4]; horizon + 1];
            let (first, last) = (chunk * CHUNK, ((chunk + 1) * CHUNK).min(customers));
            let mut segments = Vec::with_capacity((last - first) as usize);
            let mut mult = Vec::with_capacity((last - first) as usize * horizon);
            for idx in first..last {
                let mut start = CustomerStart::new(arm, seed, idx);
                start.theta = 0.0;
                segments.push(start.segment);
                if let Some(tr) = scratch.trace.as_mut() {
                    tr.clear();
                }
                let _: [f64; M] = sim(
                    horizon,
                    arm,
                    start,
                    &mut acc.strategies[0],
                    &mut sums,
                    &mut scratch,
                    &mut fails,
                );
                let tr = scratch.trace.as_deref().unwrap_or(&[]);
                mult.extend_from_slice(tr);
                // Never short (no churn at θ = 0), but keep the layout whatever happens.
                mult.resize(mult.len() + horizon - tr.len().min(horizon), 1.0);
            }
            (segments, mult)
        })
        .collect();
    let mut out = HazardPaths {
        horizon,
        segment: Vec::with_capacity(customers as usize),
        multipliers: Vec::with_capacity(customers as usize * horizon),
    };
    for (s, m) in chunks {
        out.segment.extend(s);
        out.multipliers.extend(m);
    }
    Ok(out)
}
