//! The Monte Carlo engine: compiled model → per-customer kernel → per-unit accumulators,
//! merged in unit order so the result is the same bytes at any thread count.

pub mod accounts;
pub mod advocacy;
pub mod attribution;
pub mod beta;
pub mod compile;
pub mod hazard;
pub mod org;
pub mod reduce;
pub mod rng;
pub mod trace;

use std::sync::atomic::{AtomicBool, Ordering};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

pub use compile::invested_quality;
use compile::{CAUSES, Compiled, Lin, NO_CAUSE, Op, PropensityC, Tp, TriggerKind};
use rng::CustomerRng;

use crate::model::Model;

/// `state' = add + mul · state` for each of the three states: one form for Up, Down and Keep.
pub(crate) type Affine = [(f64, f64); 3];

/// One arm of a run: a model under one of its strategies, with everything the kernel needs
/// resolved to numbers (no strings, no hashing). Arms of one run may come from different models
/// of the same horizon; they share customers and random numbers.
#[derive(Debug, Clone)]
pub(crate) struct ArmC {
    pub tps: Vec<Tp>,
    /// Per segment: its customers' touchpoints, when some touchpoint differs by segment
    /// (`by_segment`); empty otherwise, and `tps` serves everyone.
    pub segment_tps: Vec<Vec<Tp>>,
    /// [`ArmC::every_period`] of each list in `segment_tps` (an override may turn a
    /// touchpoint's trigger from every period to a chance, or back).
    pub segment_every: Vec<Vec<usize>>,
    /// Per run position: where the touchpoint may happen (read only for [`Op::Gated`]).
    pub gates: Vec<compile::Gate>,
    /// File indices of the touchpoints run in every period of a customer's life, ungated:
    /// their runs are the customer's lifetime, added once per customer.
    pub every_period: Vec<usize>,
    /// (32-bit threshold of the probability, cost) of each escalation follow-on.
    pub escalations: Vec<(u64, f64)>,
    /// Programme spend per active customer-period.
    pub budget: f64,
    pub any_after: bool,
    pub segments: Vec<compile::SegmentC>,
    pub protection: [f64; 3],
    /// Discount factor for cash at the end of period t (index t-1).
    pub discount: Vec<f64>,
    /// Σ of discount factors of periods 1..=t (index t).
    pub cum_discount: Vec<f64>,
    pub attribution_window: u32,
    /// Touchpoints in the arm's scenario file (sizes its per-touchpoint sums).
    pub n_touchpoints: usize,
    /// The organisation (crate::org), used only by the `ORG` kernel: success thresholds per
    /// period and run position (`[t · tps.len() + k]`; empty when no quality changes over time)
    /// and recoveries per run position (empty when no touchpoint has one).
    pub org_quality: Vec<u64>,
    pub org_recovery: Vec<Option<compile::RecoveryC>>,
    /// The advocacy programme (crate::engine::advocacy), used only by the `ADV` kernel.
    pub adv: Option<Box<crate::engine::advocacy::AdvC>>,
    /// Accounts and contacts (docs/model.md §12); `None` keeps the plain kernel alone.
    pub accounts: Option<crate::engine::accounts::AccountsC>,
}

/// Customers per work unit. Part of the reproducibility contract: sums are formed per unit and
/// merged by the canonical dyadic tree over unit indices ([`reduce`]), so changing this changes
/// the last digits of results.
pub const UNIT: u64 = 4096;

/// Per-customer metrics, in this order.
pub const METRICS: [&str; 8] = [
    "revenue",
    "cost",
    "npv",
    "clv",
    "incidents",
    "escalations",
    "lifetime",
    "retained",
];
pub const M: usize = METRICS.len();
pub const M_REVENUE: usize = 0;
pub const M_COST: usize = 1;
pub const M_NPV: usize = 2;
pub const M_CLV: usize = 3;
pub const M_INCIDENTS: usize = 4;
pub const M_ESCALATIONS: usize = 5;
pub const M_LIFETIME: usize = 6;
/// 1 if the customer is still active at the end of the horizon, else 0: its mean is the final
/// retention, and its cross-products give paired retention differences (issue 8).
pub const M_RETAINED: usize = 7;

/// What to simulate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunSpec {
    pub customers: u64,
    pub seed: u64,
    /// Indices into the scenario's strategies, in report order.
    pub strategies: Vec<usize>,
}

impl RunSpec {
    pub fn all_strategies(model: &Model, customers: u64, seed: u64) -> RunSpec {
        RunSpec {
            customers,
            seed,
            strategies: (0..model.scenario.strategies.len()).collect(),
        }
    }

    pub fn units(&self) -> u64 {
        self.customers.div_ceil(UNIT)
    }
}

/// Sums for one strategy over some customers. Everything the reports need, nothing per customer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StrategyAcc {
    /// Customers who churned in period t (index t; index 0 unused).
    pub churned_at: Vec<u64>,
    /// Sum of (satisfied, pleased, loyal) over customers active at the end of period t.
    pub triad_sum: Vec<[f64; 3]>,
    /// Revenue earned in period t.
    pub revenue_sum: Vec<f64>,
    pub metric_sum: [f64; M],
    pub metric_sq: [f64; M],
    /// Churners by root-cause stage (Purchase, Exception, Relationship, none): each churner
    /// split over its causes (docs/model.md §4), and the squares of each churner's parts.
    pub churn_cause: [f64; CAUSES],
    #[serde(default)]
    pub churn_cause_sq: [f64; CAUSES],
    /// Per touchpoint (file order): occurrences, failures, churners attributed. An account's
    /// touchpoint occurs once for each contact who meets it.
    pub tp_runs: Vec<u64>,
    pub tp_failures: Vec<u64>,
    pub tp_churn: Vec<f64>,
    #[serde(default)]
    pub tp_churn_sq: Vec<f64>,
    pub customer_periods: u64,
    /// Per touchpoint: failures recovered in the same period (organisation; see `crate::org`).
    #[serde(default)]
    pub tp_recovered: Vec<u64>,
    /// Revenue lost to churn by root-cause stage (as `churn_cause`): each churner's revenue
    /// rate at churn times the periods left in the horizon (docs/model.md §4), and its squares.
    #[serde(default)]
    pub cause_lost: [f64; CAUSES],
    #[serde(default)]
    pub cause_lost_sq: [f64; CAUSES],
    /// The same per root-cause touchpoint (file order).
    #[serde(default)]
    pub tp_lost: Vec<f64>,
    #[serde(default)]
    pub tp_lost_sq: Vec<f64>,
    /// Σ lost² over churners: the standard error of the total lost (its parts' squares do not
    /// add up to it once a churn is split).
    #[serde(default)]
    pub lost_sq: f64,
    /// Escalations (crate::engine::advocacy); None for arms without an advocacy programme.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub advocacy: Option<crate::engine::advocacy::AdvAcc>,
    /// Sums over accounts (docs/model.md §12); absent when no segment has accounts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accounts: Option<accounts::AccountAcc>,
    /// The same customers split by segment (file order); empty for a one-segment scenario.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub segments: Vec<SegmentAcc>,
}

/// Sums over the customers of one segment under one strategy: its retention curve, its
/// per-customer metrics with their squares, and its churners split by root-cause stage.
/// Accumulated in the same run as everything else, so segments keep their common random
/// numbers, shared budget and word of mouth (docs/model.md §15).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SegmentAcc {
    pub customers: u64,
    /// Churners in period t (index t; 0 unused).
    pub churned_at: Vec<u64>,
    pub metric_sum: [f64; M],
    pub metric_sq: [f64; M],
    pub churn_cause: [f64; CAUSES],
    pub churn_cause_sq: [f64; CAUSES],
}

impl SegmentAcc {
    pub fn new(horizon: usize) -> SegmentAcc {
        SegmentAcc {
            customers: 0,
            churned_at: vec![0; horizon + 1],
            metric_sum: [0.0; M],
            metric_sq: [0.0; M],
            churn_cause: [0.0; CAUSES],
            churn_cause_sq: [0.0; CAUSES],
        }
    }

    /// One customer's metrics (its churn period is its lifetime when it did not stay).
    fn add_customer(&mut self, v: &[f64; M]) {
        self.customers += 1;
        for ((sum, sq), x) in self.metric_sum.iter_mut().zip(&mut self.metric_sq).zip(v) {
            *sum += x;
            *sq += x * x;
        }
        if v[M_RETAINED] == 0.0
            && let Some(c) = self.churned_at.get_mut(v[M_LIFETIME] as usize)
        {
            *c += 1;
        }
    }

    fn merge(&mut self, o: &SegmentAcc) {
        self.customers += o.customers;
        add_u64(&mut self.churned_at, &o.churned_at);
        add_f64(&mut self.metric_sum, &o.metric_sum);
        add_f64(&mut self.metric_sq, &o.metric_sq);
        add_f64(&mut self.churn_cause, &o.churn_cause);
        add_f64(&mut self.churn_cause_sq, &o.churn_cause_sq);
    }
}

impl StrategyAcc {
    fn new(horizon: usize, n_tp: usize) -> StrategyAcc {
        StrategyAcc {
            churned_at: vec![0; horizon + 1],
            triad_sum: vec![[0.0; 3]; horizon + 1],
            revenue_sum: vec![0.0; horizon + 1],
            metric_sum: [0.0; M],
            metric_sq: [0.0; M],
            churn_cause: [0.0; CAUSES],
            churn_cause_sq: [0.0; CAUSES],
            tp_runs: vec![0; n_tp],
            tp_failures: vec![0; n_tp],
            tp_churn: vec![0.0; n_tp],
            tp_churn_sq: vec![0.0; n_tp],
            customer_periods: 0,
            tp_recovered: vec![0; n_tp],
            cause_lost: [0.0; CAUSES],
            cause_lost_sq: [0.0; CAUSES],
            tp_lost: vec![0.0; n_tp],
            tp_lost_sq: vec![0.0; n_tp],
            lost_sq: 0.0,
            advocacy: None,
            accounts: None,
            segments: Vec::new(),
        }
    }

    fn merge(&mut self, o: &StrategyAcc) {
        add_u64(&mut self.churned_at, &o.churned_at);
        for (a, b) in self.triad_sum.iter_mut().zip(&o.triad_sum) {
            for k in 0..3 {
                a[k] += b[k];
            }
        }
        add_f64(&mut self.revenue_sum, &o.revenue_sum);
        add_f64(&mut self.metric_sum, &o.metric_sum);
        add_f64(&mut self.metric_sq, &o.metric_sq);
        add_f64(&mut self.churn_cause, &o.churn_cause);
        add_f64(&mut self.churn_cause_sq, &o.churn_cause_sq);
        add_u64(&mut self.tp_runs, &o.tp_runs);
        add_u64(&mut self.tp_failures, &o.tp_failures);
        add_f64(&mut self.tp_churn, &o.tp_churn);
        add_f64(&mut self.tp_churn_sq, &o.tp_churn_sq);
        add_u64(&mut self.tp_recovered, &o.tp_recovered);
        add_f64(&mut self.cause_lost, &o.cause_lost);
        add_f64(&mut self.cause_lost_sq, &o.cause_lost_sq);
        add_f64(&mut self.tp_lost, &o.tp_lost);
        add_f64(&mut self.tp_lost_sq, &o.tp_lost_sq);
        self.lost_sq += o.lost_sq;
        match (&mut self.advocacy, &o.advocacy) {
            (Some(a), Some(b)) => a.merge(b),
            (None, Some(b)) => self.advocacy = Some(b.clone()),
            _ => {}
        }
        self.customer_periods += o.customer_periods;
        match (&mut self.accounts, &o.accounts) {
            (Some(a), Some(b)) => a.merge(b),
            (None, Some(b)) => self.accounts = Some(b.clone()),
            _ => {}
        }
        if self.segments.is_empty() {
            self.segments = o.segments.clone();
        } else {
            for (a, b) in self.segments.iter_mut().zip(&o.segments) {
                a.merge(b);
            }
        }
    }
}

fn add_u64(a: &mut [u64], b: &[u64]) {
    for (x, y) in a.iter_mut().zip(b) {
        *x += y;
    }
}

fn add_f64(a: &mut [f64], b: &[f64]) {
    for (x, y) in a.iter_mut().zip(b) {
        *x += y;
    }
}

/// Per period: the sums of (satisfied, pleased, loyal) over customers active at its end, and
/// the revenue earned in it. Kept per work unit in this four-wide form, which the kernel adds
/// as two vector operations, and folded into [`StrategyAcc::triad_sum`] and
/// [`StrategyAcc::revenue_sum`] once per unit (the same sums: those start at zero per unit).
pub(crate) type PeriodSums = [f64; 4];

/// Sums for all strategies over a set of work units, plus the cross products that give paired
/// differences between strategies (common random numbers make them far tighter than
/// independent runs).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Acc {
    pub customers: u64,
    pub strategies: Vec<StrategyAcc>,
    /// For each pair (i < j) in row-major order, Σ x_i·x_j per metric.
    pub cross: Vec<[f64; M]>,
    /// The same per segment (`[pair][segment]`), for paired differences inside a segment;
    /// kept only when every arm puts each customer in the same segment and there are several.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub segment_cross: Vec<Vec<[f64; M]>>,
}

impl Acc {
    /// Sums for `n_strategies` arms of one model with `n_tp` touchpoints.
    pub fn new(horizon: usize, n_tp: usize, n_strategies: usize) -> Acc {
        Acc::for_arms(horizon, &vec![n_tp; n_strategies])
    }

    /// Sums for arms whose scenarios have `n_tp[i]` touchpoints.
    pub fn for_arms(horizon: usize, n_tp: &[usize]) -> Acc {
        let n = n_tp.len();
        Acc {
            customers: 0,
            strategies: n_tp.iter().map(|&k| StrategyAcc::new(horizon, k)).collect(),
            cross: vec![[0.0; M]; n * n.saturating_sub(1) / 2],
            segment_cross: Vec::new(),
        }
    }

    /// Adds another accumulator's sums. Merging must happen in unit order for determinism.
    pub fn merge(&mut self, o: &Acc) {
        self.customers += o.customers;
        for (a, b) in self.strategies.iter_mut().zip(&o.strategies) {
            a.merge(b);
        }
        for (a, b) in self.cross.iter_mut().zip(&o.cross) {
            add_f64(a, b);
        }
        if self.segment_cross.is_empty() {
            self.segment_cross = o.segment_cross.clone();
        } else {
            for (a, b) in self.segment_cross.iter_mut().zip(&o.segment_cross) {
                for (x, y) in a.iter_mut().zip(b) {
                    add_f64(x, y);
                }
            }
        }
    }

    /// Whether `o` has the same shape (strategies, horizon, touchpoints) as `self`, so the two
    /// can be merged; used to check accumulators read from part files.
    pub fn same_shape(&self, o: &Acc) -> bool {
        self.strategies.len() == o.strategies.len()
            && self.cross.len() == o.cross.len()
            && self.segment_cross.len() == o.segment_cross.len()
            && self
                .segment_cross
                .iter()
                .zip(&o.segment_cross)
                .all(|(a, b)| a.len() == b.len())
            && self.strategies.iter().zip(&o.strategies).all(|(a, b)| {
                a.churned_at.len() == b.churned_at.len()
                    && a.triad_sum.len() == b.triad_sum.len()
                    && a.revenue_sum.len() == b.revenue_sum.len()
                    && a.tp_runs.len() == b.tp_runs.len()
                    && a.tp_failures.len() == b.tp_failures.len()
                    && a.tp_churn.len() == b.tp_churn.len()
                    && a.tp_recovered.len() == b.tp_recovered.len()
                    && a.tp_lost.len() == b.tp_lost.len()
                    && a.tp_lost_sq.len() == b.tp_lost_sq.len()
                    && a.segments.len() == b.segments.len()
                    && a.segments
                        .iter()
                        .zip(&b.segments)
                        .all(|(x, y)| x.churned_at.len() == y.churned_at.len())
                    && match (&a.accounts, &b.accounts) {
                        (None, None) => true,
                        (Some(x), Some(y)) => x.same_shape(y),
                        _ => false,
                    }
            })
    }

    /// Index of pair (i, j), i < j, in `cross`.
    pub fn pair_index(n: usize, i: usize, j: usize) -> usize {
        debug_assert!(i < j && j < n);
        i * (2 * n - i - 1) / 2 + (j - i - 1)
    }

    pub fn customer_periods(&self) -> u64 {
        self.strategies.iter().map(|s| s.customer_periods).sum()
    }
}

impl reduce::Combine for Acc {
    fn combine(&mut self, right: &Acc) {
        self.merge(right);
    }
}

/// The run was cancelled (the TUI started a newer one).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("simulation cancelled")]
pub struct Cancelled;

/// One arm of a run: a model under one of its strategies. All arms of a run see the same
/// customers with the same random numbers, so any two arms can be compared pairwise — two
/// strategies, or two versions of a scenario (perturbed, edited, a feature switched off).
#[derive(Debug, Clone, Copy)]
pub struct Arm<'a> {
    pub model: &'a Model,
    pub strategy: usize,
}

impl<'a> Arm<'a> {
    /// One arm per strategy of `model`, in file order.
    pub fn all(model: &'a Model) -> Vec<Arm<'a>> {
        (0..model.scenario.strategies.len())
            .map(|strategy| Arm { model, strategy })
            .collect()
    }
}

/// Arms that cannot run together.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ArmsError {
    #[error("nothing to simulate: no arms were given")]
    NoArms,
    #[error(
        "arm {index} ('{scenario}') has horizon {found}, the first arm {expected}; \
         arms compared on common random numbers must share one horizon"
    )]
    HorizonMismatch {
        index: usize,
        scenario: String,
        expected: usize,
        found: usize,
    },
    #[error("arm {index} ('{scenario}') asks for strategy {strategy}, which does not exist")]
    StrategyOutOfRange {
        index: usize,
        scenario: String,
        strategy: usize,
    },
}

/// Checks that arms can share a run.
pub fn check_arms(arms: &[Arm<'_>]) -> Result<(), ArmsError> {
    let first = arms.first().ok_or(ArmsError::NoArms)?;
    let expected = first.model.horizon();
    for (index, a) in arms.iter().enumerate() {
        let scenario = || a.model.scenario.name.clone();
        if a.strategy >= a.model.scenario.strategies.len() {
            return Err(ArmsError::StrategyOutOfRange {
                index,
                scenario: scenario(),
                strategy: a.strategy,
            });
        }
        if a.model.horizon() != expected {
            return Err(ArmsError::HorizonMismatch {
                index,
                scenario: scenario(),
                expected,
                found: a.model.horizon(),
            });
        }
    }
    Ok(())
}

/// A compiled set of arms ready to simulate.
#[derive(Debug, Clone)]
pub struct Engine {
    compiled: Compiled,
    spec: RunSpec,
}

impl Engine {
    /// The strategies `spec.strategies` of one model. Out-of-range strategy indices are
    /// dropped (the spec is built from the model, so this does not happen in practice).
    pub fn new(model: &Model, spec: RunSpec) -> Engine {
        let arms: Vec<Arm<'_>> = spec
            .strategies
            .iter()
            .filter(|&&strategy| strategy < model.scenario.strategies.len())
            .map(|&strategy| Arm { model, strategy })
            .collect();
        Engine {
            compiled: Compiled::from_arms(&arms),
            spec,
        }
    }

    /// Arms of possibly different models, simulated on common random numbers. The spec's
    /// `strategies` then lists arm positions 0..arms.len().
    pub fn from_arms(arms: &[Arm<'_>], customers: u64, seed: u64) -> Result<Engine, ArmsError> {
        check_arms(arms)?;
        Ok(Engine {
            compiled: Compiled::from_arms(arms),
            spec: RunSpec {
                customers,
                seed,
                strategies: (0..arms.len()).collect(),
            },
        })
    }

    fn new_acc(&self) -> Acc {
        let c = &self.compiled;
        let n_tp: Vec<usize> = c.arms.iter().map(|a| a.n_touchpoints).collect();
        let mut acc = Acc::for_arms(c.horizon, &n_tp);
        let n_segments = c.arms.first().map_or(0, |a| a.segments.len());
        if n_segments > 1 && c.arms.len() > 1 && c.draw_source.iter().all(|&d| d == 0) {
            acc.segment_cross = vec![vec![[0.0; M]; n_segments]; acc.cross.len()];
        }
        for (sa, arm) in acc.strategies.iter_mut().zip(&c.arms) {
            if arm.adv.is_some() {
                sa.advocacy = Some(crate::engine::advocacy::AdvAcc::new(arm.n_touchpoints));
            }
            if let Some(ac) = &arm.accounts {
                sa.accounts = Some(accounts::AccountAcc::new(c.horizon, ac.n_roles));
            }
            if arm.segments.len() > 1 {
                sa.segments = vec![SegmentAcc::new(c.horizon); arm.segments.len()];
            }
        }
        acc
    }

    pub fn spec(&self) -> &RunSpec {
        &self.spec
    }

    /// Simulates all work units. `progress(customers_done, customers_total)` is called between
    /// batches; setting `cancel` stops at the next batch.
    pub fn run(
        &self,
        cancel: Option<&AtomicBool>,
        progress: &(dyn Fn(u64, u64) + Sync),
    ) -> Result<Acc, Cancelled> {
        self.run_units(0..self.spec.units(), cancel, progress)
    }

    /// Simulates the work units in `units` and reduces them by the canonical dyadic tree
    /// ([`reduce`]): the range's maximal aligned blocks, folded from the right. For `0..units()`
    /// this is the whole run.
    pub fn run_units(
        &self,
        units: std::ops::Range<u64>,
        cancel: Option<&AtomicBool>,
        progress: &(dyn Fn(u64, u64) + Sync),
    ) -> Result<Acc, Cancelled> {
        let blocks = self.run_blocks(units, cancel, progress)?;
        Ok(reduce::fold_right(blocks).unwrap_or_else(|| self.empty_acc()))
    }

    /// An accumulator with nothing in it, shaped for this engine.
    pub fn empty_acc(&self) -> Acc {
        self.new_acc()
    }

    /// Simulates the work units in `units` and returns the range's canonical blocks (see
    /// [`reduce`]): what a shard writes to its part file. Feeding the blocks of all shards, in
    /// unit order, into a [`reduce::Reducer`] gives the bits of the unsharded run.
    pub fn run_blocks(
        &self,
        units: std::ops::Range<u64>,
        cancel: Option<&AtomicBool>,
        progress: &(dyn Fn(u64, u64) + Sync),
    ) -> Result<Vec<reduce::Block<Acc>>, Cancelled> {
        let customers = self.spec.customers;
        let total: u64 = if units.end > units.start {
            (units.end * UNIT).min(customers) - (units.start * UNIT).min(customers)
        } else {
            0
        };
        // Progress is reported from the workers as units finish, under a lock so that the
        // reports arrive in increasing order.
        let done = std::sync::Mutex::new(0u64);
        let tick = |customers: u64| {
            if let Ok(mut d) = done.lock() {
                *d += customers;
                progress(*d, total);
            }
        };
        let blocks = reduce::dyadic_blocks(units);
        let values: Vec<Acc> = blocks
            .par_iter()
            .map(|&(level, first)| self.reduce_block(level, first, cancel, &tick))
            .collect::<Result<_, Cancelled>>()?;
        let out = blocks
            .into_iter()
            .zip(values)
            .map(|((level, first), value)| reduce::Block {
                level,
                first,
                value,
            })
            .collect();
        Ok(out)
    }

    /// The aligned block of `2^level` units from `first`, reduced as the canonical counter
    /// does (for an aligned block that is the balanced tree: left half, then right half merged
    /// into it), with the halves simulated in parallel. No thread waits for a batch or a merge:
    /// memory is a few accumulators per level of the recursion.
    fn reduce_block(
        &self,
        level: u32,
        first: u64,
        cancel: Option<&AtomicBool>,
        tick: &(dyn Fn(u64) + Sync),
    ) -> Result<Acc, Cancelled> {
        if level == 0 {
            if cancel.is_some_and(|f| f.load(Ordering::Relaxed)) {
                return Err(Cancelled);
            }
            let acc = self.simulate_unit(first);
            tick(acc.customers);
            return Ok(acc);
        }
        let half = 1u64 << (level - 1);
        let (left, right) = rayon::join(
            || self.reduce_block(level - 1, first, cancel, tick),
            || self.reduce_block(level - 1, first + half, cancel, tick),
        );
        let mut left = left?;
        left.merge(&right?);
        Ok(left)
    }

    /// One work unit: customers [u·UNIT, (u+1)·UNIT) ∩ [0, N).
    pub fn simulate_unit(&self, unit: u64) -> Acc {
        let c = &self.compiled;
        let n_s = c.arms.len();
        let mut acc = self.new_acc();
        let first = unit * UNIT;
        let last = ((unit + 1) * UNIT).min(self.spec.customers);
        let max_tp = c.arms.iter().map(|a| a.tps.len()).max().unwrap_or(0);
        let mut scratch = Scratch {
            counts: vec![[0u32; 2]; max_tp],
            harms: attribution::HarmGrid::new(c.horizon, max_tp),
            trace: None,
        };
        let mut values = vec![[0.0f64; M]; n_s];
        // Failures per arm and run position, added to `tp_failures` at the end of the unit.
        let mut fails: Vec<Vec<u64>> = c.arms.iter().map(|a| vec![0; a.tps.len()]).collect();
        let mut starts: Vec<CustomerStart> = Vec::with_capacity(n_s);
        let mut period_sums = vec![vec![[0.0; 4]; c.horizon + 1]; n_s];
        for idx in first..last {
            starts.clear();
            for (si, st) in c.arms.iter().enumerate() {
                // Arms with the same segments share the customer's first draws (the Beta
                // sample is the costliest step per customer); the rest of the stream is each
                // arm's own copy, so results are the same as drawing afresh.
                let start = match starts.get(c.draw_source[si]) {
                    Some(shared) => shared.clone(),
                    None => CustomerStart::new(st, self.spec.seed, idx),
                };
                starts.push(start.clone());
                let segment = start.segment;
                // The organisation kernel (per-period qualities, recoveries) only when needed,
                // so the plain model's loop is unchanged.
                // The advocacy kernel likewise only for arms with a programme.
                let sim = kernel(st);
                // Accounts (docs/model.md §12) have their own kernel, for their segments only.
                let account = st
                    .accounts
                    .as_ref()
                    .and_then(|a| a.segments.get(start.segment))
                    .and_then(Option::as_ref);
                let v = match account {
                    None => sim(
                        c.horizon,
                        st,
                        start,
                        &mut acc.strategies[si],
                        &mut period_sums[si],
                        &mut scratch,
                        &mut fails[si],
                    ),
                    Some(ac) => accounts::simulate_account(
                        c.horizon,
                        st,
                        ac,
                        start,
                        &mut acc.strategies[si],
                        &mut period_sums[si],
                        &mut scratch,
                    ),
                };
                let sa = &mut acc.strategies[si];
                for ((sum, sq), x) in sa.metric_sum.iter_mut().zip(&mut sa.metric_sq).zip(v) {
                    *sum += x;
                    *sq += x * x;
                }
                if let Some(g) = sa.segments.get_mut(segment) {
                    g.add_customer(&v);
                }
                values[si] = v;
            }
            if n_s > 1 {
                // Every arm drew the first arm's segment when `segment_cross` is kept.
                let segment = starts.first().map_or(0, |s| s.segment);
                let mut p = 0;
                for i in 0..n_s {
                    for j in i + 1..n_s {
                        let cr = &mut acc.cross[p];
                        for m in 0..M {
                            cr[m] += values[i][m] * values[j][m];
                        }
                        if let Some(sc) = acc
                            .segment_cross
                            .get_mut(p)
                            .and_then(|v| v.get_mut(segment))
                        {
                            for m in 0..M {
                                sc[m] += values[i][m] * values[j][m];
                            }
                        }
                        p += 1;
                    }
                }
            }
        }
        for (((sa, arm), f), ps) in acc
            .strategies
            .iter_mut()
            .zip(&c.arms)
            .zip(&fails)
            .zip(&period_sums)
        {
            for (tp, n) in arm.tps.iter().zip(f) {
                sa.tp_failures[tp.file_index] += n;
            }
            for ((triad, revenue), p) in sa.triad_sum.iter_mut().zip(&mut sa.revenue_sum).zip(ps) {
                for k in 0..3 {
                    triad[k] += p[k];
                }
                *revenue += p[3];
            }
        }
        acc.customers = last.saturating_sub(first);
        acc
    }
}

/// A work unit's per-customer working memory, reused customer after customer.
struct Scratch {
    /// Per run position: (successes, failures) this period, for follow-on triggers.
    counts: Vec<[u32; 2]>,
    /// The customer's failure harms by period and run position (see `attribution`).
    harms: attribution::HarmGrid,
    /// `Some` only for [`trace`]: each period's hazard multiplier m (h = θ·m) is pushed.
    trace: Option<Vec<f64>>,
}

/// A customer's draws before the journey: the stream, the segment and θ.
#[derive(Debug, Clone)]
struct CustomerStart {
    rng: CustomerRng,
    segment: usize,
    theta: f64,
    /// (master seed, customer index): the advocacy kernel derives its own stream from them.
    key: (u64, u64),
}

impl CustomerStart {
    #[inline]
    fn new(arm: &ArmC, seed: u64, idx: u64) -> CustomerStart {
        let mut rng = CustomerRng::new(seed, idx);
        let u = rng.uniform();
        // The last bound is +∞ (see compile.rs), so the search always ends inside.
        let segment = arm
            .segments
            .iter()
            .position(|s| u < s.cum_share)
            .unwrap_or(arm.segments.len().saturating_sub(1));
        let theta = match &arm.segments[segment].propensity {
            PropensityC::Beta(b) => b.sample(&mut rng),
            PropensityC::Fixed(t) => *t,
        };
        CustomerStart {
            rng,
            segment,
            theta,
            key: (seed, idx),
        }
    }
}

/// The plain kernel's signature (see [`simulate_customer`]).
type Kernel = fn(
    usize,
    &ArmC,
    CustomerStart,
    &mut StrategyAcc,
    &mut [PeriodSums],
    &mut Scratch,
    &mut [u64],
) -> [f64; M];

/// The plain kernel compiled for what `st` uses: follow-on triggers, the organisation, the
/// advocacy programme, and (for `engine::trace` only) recording the hazard multipliers. What an
/// arm does not use is compiled out, so its loop is unchanged.
macro_rules! kernel_for {
    ($st:expr, $trace:literal) => {
        match ($st.any_after, $st.org(), $st.adv.is_some()) {
            (true, false, false) => simulate_customer::<true, false, false, $trace>,
            (false, false, false) => simulate_customer::<false, false, false, $trace>,
            (true, true, false) => simulate_customer::<true, true, false, $trace>,
            (false, true, false) => simulate_customer::<false, true, false, $trace>,
            (true, false, true) => simulate_customer::<true, false, true, $trace>,
            (false, false, true) => simulate_customer::<false, false, true, $trace>,
            (true, true, true) => simulate_customer::<true, true, true, $trace>,
            (false, true, true) => simulate_customer::<false, true, true, $trace>,
        }
    };
}

fn kernel(st: &ArmC) -> Kernel {
    kernel_for!(st, false)
}

/// [`kernel`] pushing each period's hazard multiplier to `Scratch::trace`.
fn traced_kernel(st: &ArmC) -> Kernel {
    kernel_for!(st, true)
}

/// Simulates one customer under one strategy; returns the per-customer metrics.
///
/// Hot loop: no allocation, no hashing; `counts` and `harms` are per-worker scratch. Periods
/// are walked with zipped iterators so the per-period arrays need no bounds checks. Kept out of
/// line so its loop gets the registers to itself.
#[inline(never)]
fn simulate_customer<const ANY_AFTER: bool, const ORG: bool, const ADV: bool, const TRACE: bool>(
    horizon: usize,
    st: &ArmC,
    start: CustomerStart,
    acc: &mut StrategyAcc,
    period_sums: &mut [PeriodSums],
    scratch: &mut Scratch,
    fails: &mut [u64],
) -> [f64; M] {
    let Scratch {
        counts,
        harms,
        trace,
    } = scratch;
    let CustomerStart {
        mut rng,
        segment,
        theta,
        key,
    } = start;
    let seg = &st.segments[segment];
    let risk = hazard::ChurnRisk::new(theta);
    let mut s = seg.initial;
    if let Some(p0) = period_sums.first_mut() {
        for k in 0..3 {
            p0[k] += s[k];
        }
    }
    let w = st.protection;
    let StrategyAcc {
        tp_runs,
        tp_recovered,
        advocacy,
        ..
    } = acc;
    // The advocacy programme (crate::engine::advocacy): a state machine per customer with its own
    // stream, advanced once per period. Absent (and compiled out) in the plain kernel.
    let adv = if ADV { st.adv.as_deref() } else { None };
    let mut esc = match (adv, advocacy.as_ref()) {
        (Some(_), Some(_)) => Some(crate::engine::advocacy::Escalation::new(key.0, key.1)),
        _ => None,
    };
    let mut adv_openers = [0u16; 64];
    let (tps, every_period) = st.tps_of(segment);
    let n_tps = tps.len();
    let fails = &mut fails[..n_tps];

    let mut revenue = 0.0;
    let mut disc_revenue = 0.0;
    let mut service_cost = 0.0;
    let mut disc_service = 0.0;
    let mut incidents = 0u32;
    let mut escalations = 0u32;
    let mut churned_at = 0usize;

    let periods = st.discount.iter().zip(&mut period_sums[1..]);
    for (t0, (&d, sums_t)) in periods.enumerate() {
        let harm_row = harms.row(t0 + 1, n_tps);
        if ANY_AFTER {
            counts.fill([0, 0]);
        }
        let mut period_incidents = 0u32;
        let mut period_cost = 0.0;
        // Advocacy: whether the mitigating service is on, and which incidents' handling failed.
        let mut service_on = false;
        let mut failed_handling = 0u64;
        if ADV && let (Some(e), Some(a), Some(aa)) = (esc.as_mut(), adv, advocacy.as_mut()) {
            service_on = e.start_period(a, aa);
        }
        // One occurrence (number `j` in the period) of the touchpoint at run position `k`.
        // Written once and expanded twice, so that touchpoints run every period (most of them)
        // get a straight-line body and only the others a loop.
        macro_rules! occurrence {
            ($k:expr, $tp:expr, $fail_count:expr, $harm_slot:expr, $many:expr, $j:expr, $escalates:expr, $apply:expr, $opens:expr) => {{
                let (k, tp, j): (usize, &Tp, u32) = ($k, $tp, $j);
                let mut quality_thr = if ORG && !st.org_quality.is_empty() {
                    st.org_quality[t0 * n_tps + k]
                } else {
                    tp.quality_thr
                };
                if ADV
                    && service_on
                    && let Some(tr) = adv.and_then(|a| a.trial.as_ref())
                    && tr.mitigated[k]
                {
                    quality_thr =
                        crate::engine::advocacy::mitigated_threshold(quality_thr, tr.keep);
                }
                let ok = rng.hit(quality_thr);
                let mut failed = !ok;
                period_cost += tp.cost;
                let mut aff = &tp.effects[usize::from(failed)];
                // Customer care: one more draw, only after a failure of a touchpoint with recovery.
                if ORG
                    && failed
                    && let Some(Some(rc)) = st.org_recovery.get(k)
                    && rng.hit(rc.thr)
                {
                    failed = false;
                    aff = &rc.effects;
                    period_cost += rc.cost;
                    tp_recovered[tp.file_index] += 1;
                }
                // Harm: how much this failure raised the log-hazard. Computed for every
                // occurrence and kept by selects, not branches: outcomes are coin flips.
                let (next, harm) = $apply(aff, s, w);
                // Only failures are candidates: the effects applied carry their outcome's
                // sink (a recovered failure's effects a success's), so no `if` on the outcome.
                // One occurrence a period overwrites the slot (attribution reads only positive
                // harms); several add their positive parts.
                let candidate = harm + aff.sink;
                let slot: &mut f64 = $harm_slot;
                if $many {
                    *slot += candidate.max(0.0);
                } else {
                    *slot = candidate;
                }
                s = next;
                *$fail_count += u64::from(!ok);
                if ADV && failed {
                    if tp.opens_incident {
                        adv_openers[period_incidents.min(63) as usize] = k as u16;
                    }
                    if tp.kind == TriggerKind::OnIncident {
                        failed_handling |= 1u64 << j.min(63);
                    }
                }
                period_incidents += u32::from(failed & $opens);
                if ANY_AFTER {
                    counts[k][usize::from(failed)] += 1;
                }
                // Compiled out for touchpoints known to have no escalations, so the outcome (a
                // coin flip the CPU cannot predict) is not branched on.
                if $escalates && failed {
                    for &(thr, cost) in &st.escalations[tp.esc_start..tp.esc_end] {
                        if rng.hit(thr) {
                            escalations += 1;
                            period_cost += cost;
                        }
                    }
                }
            }};
        }
        // `fails` (run order, as long as `tps`) counts failures for the caller, which adds
        // them to `tp_failures` once per unit: zipped, it needs no index or bounds check.
        let per_tp = tps.iter().zip(fails.iter_mut()).zip(harm_row.iter_mut());
        for (k, ((tp, fail_count), harm_slot)) in per_tp.enumerate() {
            // No `continue` here: a second loop latch would let LLVM split off an inner loop
            // of plain touchpoints, where its cmov converter turns the coin-flip selects into
            // branches.
            // One-state effects take the short path, except where a recovery (organisation)
            // may apply effects of its own.
            // A touchpoint run once per period without escalations: `$apply` updates the
            // state, `$opens` says whether its failure opens an incident.
            macro_rules! straight {
                ($apply:expr, $opens:expr) => {
                    occurrence!(
                        k, tp, fail_count, harm_slot, false, 0, false, $apply, $opens
                    )
                };
            }
            // `n` occurrences of a touchpoint that need not run every period.
            macro_rules! counted {
                ($n:expr) => {{
                    let n: u32 = $n;
                    tp_runs[tp.file_index] += u64::from(n);
                    *harm_slot = 0.0;
                    for j in 0..n {
                        occurrence!(
                            k,
                            tp,
                            fail_count,
                            &mut *harm_slot,
                            true,
                            j,
                            true,
                            Lin::apply_harm,
                            tp.opens_incident
                        );
                    }
                }};
            }
            match tp.op {
                Op::PlainSatisfied if !ORG => straight!(Lin::apply_harm_one::<0>, false),
                Op::PlainLoyal if !ORG => straight!(Lin::apply_harm_one::<2>, false),
                Op::PlainSatisfied | Op::PlainLoyal | Op::Plain => {
                    straight!(Lin::apply_harm, false)
                }
                Op::OpenerSatisfied if !ORG => straight!(Lin::apply_harm_one::<0>, true),
                Op::OpenerLoyal if !ORG => straight!(Lin::apply_harm_one::<2>, true),
                Op::OpenerSatisfied | Op::OpenerLoyal | Op::Opener => {
                    straight!(Lin::apply_harm, true)
                }
                Op::Every => {
                    occurrence!(
                        k,
                        tp,
                        fail_count,
                        harm_slot,
                        false,
                        0,
                        true,
                        Lin::apply_harm,
                        tp.opens_incident
                    )
                }
                // Incidents are rare: skip the bookkeeping when there are none.
                Op::OnIncident if period_incidents == 0 => *harm_slot = 0.0,
                Op::OnIncident | Op::Counted => {
                    let n = occurrences(tp, &mut rng, counts, period_incidents);
                    counted!(n);
                }
                // Its own arm, so the other paths never test a gate. A closed gate draws
                // nothing: restricting a touchpoint leaves every other draw where it was.
                Op::Gated => {
                    let n = if st.gates[k].open(segment, t0 as u32 + 1) {
                        occurrences(tp, &mut rng, counts, period_incidents)
                    } else {
                        0
                    };
                    counted!(n);
                }
            }
        }
        let mut in_plan = false;
        if ADV && let (Some(e), Some(a), Some(aa)) = (esc.as_mut(), adv, advocacy.as_mut()) {
            in_plan = e.in_plan();
            aa.plan_periods += u64::from(in_plan);
            period_cost += e.end_period(
                a,
                t0 as u32 + 1,
                segment,
                period_incidents,
                &adv_openers,
                failed_handling,
                &mut s,
                aa,
            );
        }
        incidents += period_incidents;
        service_cost += period_cost;
        disc_service += period_cost * d;

        let draw = rng.next32();
        // A get-well plan has its own churn risk: θ times the plan's multiplier.
        let plan_multiplier = match adv {
            Some(a) if ADV && in_plan => Some(a.churn_multiplier),
            _ => None,
        };
        let risk = match plan_multiplier {
            Some(f) => hazard::ChurnRisk::new(theta * f),
            None => risk,
        };
        if TRACE && let Some(tr) = trace.as_mut() {
            let x = w[0] * s[0] + w[1] * s[1] + w[2] * s[2];
            tr.push(plan_multiplier.unwrap_or(1.0) * libm::exp(-x));
        }
        // Decided as with libm's exp (identical bits everywhere), mostly without x or exp.
        if risk.churns(draw, || w[0] * s[0] + w[1] * s[1] + w[2] * s[2]) {
            churned_at = t0 + 1;
            if ADV && let Some(aa) = advocacy.as_mut() {
                aa.plan_churners += u64::from(in_plan);
            }
            break;
        }
        let mut r = seg.value + seg.value_uplift * s[2];
        if ADV && let (Some(e), Some(a)) = (esc.as_mut(), adv) {
            r += e.service_revenue(a);
        }
        revenue += r;
        disc_revenue += r * d;
        let add = [s[0], s[1], s[2], r];
        for k in 0..4 {
            sums_t[k] += add[k];
        }
    }

    if ADV && let (Some(e), Some(aa)) = (esc.as_ref(), advocacy.as_mut()) {
        e.finish(aa);
        escalations += e.count;
    }
    let lifetime = if churned_at > 0 { churned_at } else { horizon };
    acc.customer_periods += lifetime as u64;
    // Touchpoints run every period ran once in each period lived; counting them here, once
    // per customer, keeps a store out of the hot loop.
    for &i in every_period {
        acc.tp_runs[i] += lifetime as u64;
    }
    if churned_at > 0 {
        acc.churned_at[churned_at] += 1;
        // Revenue at risk: the rate the churner was earning, over the periods left (the churn
        // period included, as it earns nothing).
        let lost = (seg.value + seg.value_uplift * s[2]) * (horizon + 1 - churned_at) as f64;
        attribution::attribute(
            st,
            acc,
            harms,
            (churned_at, segment),
            st.attribution_window,
            lost,
        );
    }
    let disc_programme = st.budget * st.cum_discount[lifetime];
    let clv = disc_revenue - disc_service;
    [
        revenue,
        service_cost,
        clv - disc_programme,
        clv,
        f64::from(incidents),
        f64::from(escalations),
        lifetime as f64,
        f64::from(u8::from(churned_at == 0)),
    ]
}

/// How many times a touchpoint that does not run every period runs in this period. Inlined: a
/// call would take the stream's address and keep its state out of registers in the kernel.
#[inline(always)]
fn occurrences(tp: &Tp, rng: &mut CustomerRng, counts: &[[u32; 2]], incidents: u32) -> u32 {
    match tp.kind {
        TriggerKind::Every => 1,
        TriggerKind::Chance => u32::from(rng.hit(tp.trigger_thr)),
        TriggerKind::OnIncident => incidents,
        TriggerKind::After => {
            let src = counts[tp.source];
            let m = if tp.outcome_mask & 1 != 0 { src[0] } else { 0 }
                + if tp.outcome_mask & 2 != 0 { src[1] } else { 0 };
            (0..m).filter(|_| rng.hit(tp.trigger_thr)).count() as u32
        }
    }
}
