//! `optimize`: search the emphasis simplex (purchase + exception + relationship = 1) for the split
//! that maximises an objective at a fixed budget.
//!
//! The search (docs/analysis.md):
//! 1. **Coarse grid**: every split whose shares are multiples of 1/R (R = `resolution`).
//! 2. **Refinement**, `rounds` times: around each of the `centres` best points found so far, the
//!    splits on a lattice twice as fine, within one step of the previous lattice.
//! 3. **Indistinguishability**: the best point and every point whose conservative (unpaired)
//!    interval of the difference to the best contains 0 are simulated again in ONE run, so each
//!    is compared with the best on common random numbers. A point is *indistinguishable* from the
//!    best when the paired 95 % interval of its difference to the best contains 0.
//!
//! All evaluations use the same customers and seed, so a point's value is the same number in
//! every batch it appears in. The search is generic over an [`Evaluator`], so tests can drive it
//! with an analytic function.

use std::collections::BTreeMap;
use std::sync::atomic::AtomicBool;

use serde::Serialize;

use super::unpaired_difference;
use crate::engine::{Cancelled, Engine, RunSpec};
use crate::format::{Emphasis, Strategy};
use crate::model::{Model, validate};
use crate::results::Metric;
use crate::results::{Estimate, RunResults};

pub const OPTIMIZE_SCHEMA: &str = "cxsim.optimize/1";

/// What to maximise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Objective {
    Npv,
    Revenue,
    Retention,
    Clv,
}

impl Objective {
    pub fn metric(self) -> Metric {
        match self {
            Objective::Npv => Metric::Npv,
            Objective::Revenue => Metric::Revenue,
            Objective::Retention => Metric::Retention,
            Objective::Clv => Metric::Clv,
        }
    }
}

/// Tuning of the search.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SearchConfig {
    /// Coarse grid: shares are multiples of 1/resolution.
    pub resolution: u32,
    /// Refinement rounds; each halves the lattice step around the best points.
    pub rounds: u32,
    /// Number of best points refined around in each round.
    pub centres: usize,
    /// Most points simulated in one engine run (the engine's cross-products grow with the
    /// square of the number of strategies in a run).
    pub max_batch: usize,
    /// Most points in the final paired run (the best included).
    pub final_cap: usize,
}

impl Default for SearchConfig {
    fn default() -> Self {
        SearchConfig {
            resolution: 10,
            rounds: 2,
            centres: 3,
            max_batch: 80,
            final_cap: 60,
        }
    }
}

/// The values of one batch of points evaluated together (on common random numbers).
pub struct Evaluation {
    pub values: Vec<Estimate>,
    pairs: Pairs,
}

enum Pairs {
    /// Values are exact: differences are plain subtractions with no uncertainty.
    Exact,
    Run {
        results: Box<RunResults>,
        metric: Metric,
    },
}

impl Evaluation {
    /// Exact values (an analytic objective).
    pub fn exact(values: Vec<f64>) -> Evaluation {
        Evaluation {
            values: values
                .into_iter()
                .map(|v| Estimate::with_se(v, 0.0))
                .collect(),
            pairs: Pairs::Exact,
        }
    }

    /// Values of `metric` from a run with one strategy (or arm) per point.
    pub fn from_run(results: RunResults, metric: Metric) -> Evaluation {
        let values = (0..results.strategies.len())
            .map(|i| super::estimate(&results, i, metric).unwrap_or(Estimate::with_se(0.0, 0.0)))
            .collect();
        Evaluation {
            values,
            pairs: Pairs::Run {
                results: Box::new(results),
                metric,
            },
        }
    }

    /// Paired difference (point b − point a) within this batch.
    pub fn difference(&self, a: usize, b: usize) -> Estimate {
        match &self.pairs {
            Pairs::Exact => Estimate::with_se(self.values[b].mean - self.values[a].mean, 0.0),
            Pairs::Run { results, metric } => results
                .paired_difference(a, b, metric.slot())
                .unwrap_or_else(|| unpaired_difference(&self.values[a], &self.values[b])),
        }
    }
}

/// Something that can evaluate the objective at a batch of splits.
pub trait Evaluator {
    fn evaluate(&mut self, points: &[Emphasis]) -> Result<Evaluation, OptimizeError>;
}

/// An analytic objective (for tests and for checking the search itself).
pub struct Analytic<F: FnMut(&Emphasis) -> f64>(pub F);

impl<F: FnMut(&Emphasis) -> f64> Evaluator for Analytic<F> {
    fn evaluate(&mut self, points: &[Emphasis]) -> Result<Evaluation, OptimizeError> {
        Ok(Evaluation::exact(points.iter().map(&mut self.0).collect()))
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum OptimizeError {
    #[error("simulation cancelled")]
    Cancelled,
    #[error("{0}")]
    Invalid(String),
}

impl From<Cancelled> for OptimizeError {
    fn from(_: Cancelled) -> Self {
        OptimizeError::Cancelled
    }
}

/// Simulates each split as a strategy with the given budget, all of a batch in one engine run.
pub struct Simulated<'a> {
    pub model: &'a Model,
    pub budget: f64,
    pub metric: Metric,
    pub customers: u64,
    pub seed: u64,
    pub cancel: Option<&'a AtomicBool>,
    /// Called with (points evaluated so far, points evaluated so far + this batch) after each run.
    pub progress: &'a (dyn Fn(u64, u64) + Sync),
    pub evaluated: u64,
}

/// The model with its strategies replaced by one strategy per split, re-validated.
pub fn model_with_splits(
    model: &Model,
    budget: f64,
    points: &[Emphasis],
) -> Result<Model, OptimizeError> {
    let mut scenario = model.scenario.clone();
    // Everything but name, budget and emphasis (e.g. organisation spend) is taken from the
    // file's first strategy.
    let template = scenario
        .strategies
        .first()
        .cloned()
        .ok_or_else(|| OptimizeError::Invalid("the scenario has no strategy".into()))?;
    scenario.strategies = points
        .iter()
        .map(|e| Strategy {
            name: split_name(e),
            description: String::new(),
            budget,
            emphasis: *e,
            ..template.clone()
        })
        .collect();
    validate(scenario).map_err(|problems| {
        let lines: Vec<String> = problems
            .iter()
            .map(|p| format!("{}: {}", p.path, p.message))
            .collect();
        OptimizeError::Invalid(lines.join("; "))
    })
}

/// "P40/E30/R30" (percent, one decimal when needed).
pub fn split_name(e: &Emphasis) -> String {
    let pct = |v: f64| {
        let p = v * 100.0;
        if (p - p.round()).abs() < 1e-9 {
            format!("{p:.0}")
        } else {
            format!("{p:.1}")
        }
    };
    format!(
        "P{}/E{}/R{}",
        pct(e.purchase),
        pct(e.exception),
        pct(e.relationship)
    )
}

impl Evaluator for Simulated<'_> {
    fn evaluate(&mut self, points: &[Emphasis]) -> Result<Evaluation, OptimizeError> {
        let m = model_with_splits(self.model, self.budget, points)?;
        let spec = RunSpec::all_strategies(&m, self.customers, self.seed);
        let acc = Engine::new(&m, spec.clone()).run(self.cancel, &|_, _| {})?;
        self.evaluated += points.len() as u64;
        (self.progress)(self.evaluated, self.evaluated);
        Ok(Evaluation::from_run(
            RunResults::from_acc(&m, &spec, acc),
            self.metric,
        ))
    }
}

/// A split on the finest lattice: shares p/d, e/d and (d − p − e)/d.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
struct Node {
    p: u32,
    e: u32,
}

fn emphasis(n: Node, d: u32) -> Emphasis {
    let df = f64::from(d);
    Emphasis {
        purchase: f64::from(n.p) / df,
        exception: f64::from(n.e) / df,
        relationship: f64::from(d - n.p - n.e) / df,
    }
}

/// One evaluated split.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SurfacePoint {
    pub purchase: f64,
    pub exception: f64,
    pub relationship: f64,
    /// 0 for the coarse grid, k for the k-th refinement round.
    pub round: u32,
    pub value: Estimate,
    /// Difference to the best: paired (common random numbers) when `paired`, otherwise the
    /// conservative difference of independent estimates.
    pub difference_to_best: Estimate,
    pub paired: bool,
    /// The 95 % interval of the difference to the best contains 0.
    pub indistinguishable: bool,
}

/// The outcome of a search.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Search {
    pub resolution: u32,
    /// The finest lattice reached by refinement.
    pub finest_resolution: u32,
    pub best: SurfacePoint,
    /// Every evaluated split, in lattice order (purchase, then exception).
    pub surface: Vec<SurfacePoint>,
    /// Number of splits indistinguishable from the best (the best included).
    pub indistinguishable: usize,
    /// More points passed the screen than `final_cap`: those not re-simulated are counted as
    /// indistinguishable on their conservative interval.
    pub capped: bool,
}

/// Runs the search (coarse grid, refinement, paired indistinguishability run).
pub fn search(cfg: &SearchConfig, ev: &mut dyn Evaluator) -> Result<Search, OptimizeError> {
    let r = cfg.resolution.max(1);
    let scale = 1u32 << cfg.rounds.min(8);
    let d = r * scale;
    let mut seen: BTreeMap<Node, (Estimate, u32)> = BTreeMap::new();

    let mut batch_eval = |nodes: Vec<Node>,
                          round: u32,
                          seen: &mut BTreeMap<Node, (Estimate, u32)>|
     -> Result<(), OptimizeError> {
        for chunk in nodes.chunks(cfg.max_batch.max(2)) {
            let pts: Vec<Emphasis> = chunk.iter().map(|&n| emphasis(n, d)).collect();
            let eval = ev.evaluate(&pts)?;
            for (&n, v) in chunk.iter().zip(eval.values) {
                seen.insert(n, (v, round));
            }
        }
        Ok(())
    };

    // 1. Coarse grid.
    let mut coarse = Vec::new();
    for p in (0..=d).step_by(scale as usize) {
        for e in (0..=d - p).step_by(scale as usize) {
            coarse.push(Node { p, e });
        }
    }
    batch_eval(coarse, 0, &mut seen)?;

    // 2. Refinement around the best points.
    for round in 1..=cfg.rounds.min(8) {
        let step = scale >> round;
        if step == 0 {
            break;
        }
        let mut new = Vec::new();
        for c in ranked(&seen).into_iter().take(cfg.centres.max(1)) {
            for a in -2i64..=2 {
                for b in -2i64..=2 {
                    if (a + b).abs() > 2 {
                        continue;
                    }
                    let p = i64::from(c.p) + a * i64::from(step);
                    let e = i64::from(c.e) + b * i64::from(step);
                    if p < 0 || e < 0 || p + e > i64::from(d) {
                        continue;
                    }
                    let n = Node {
                        p: p as u32,
                        e: e as u32,
                    };
                    if !seen.contains_key(&n) && !new.contains(&n) {
                        new.push(n);
                    }
                }
            }
        }
        new.sort();
        batch_eval(new, round, &mut seen)?;
    }

    // 3. The best, a conservative screen, and a paired run of the survivors.
    let order = ranked(&seen);
    let best = order[0];
    let best_v = seen[&best].0;
    let mut finalists: Vec<Node> = order
        .iter()
        .copied()
        .filter(|n| {
            let diff = unpaired_difference(&best_v, &seen[n].0);
            *n == best || diff.hi >= 0.0
        })
        .collect();
    let capped = finalists.len() > cfg.final_cap.max(1);
    finalists.truncate(cfg.final_cap.max(1));
    let pts: Vec<Emphasis> = finalists.iter().map(|&n| emphasis(n, d)).collect();
    let eval = if finalists.len() > 1 {
        Some(ev.evaluate(&pts)?)
    } else {
        None
    };

    let mut surface = Vec::with_capacity(seen.len());
    let mut best_point = None;
    let mut count = 0;
    for (&n, &(value, round)) in &seen {
        let e = emphasis(n, d);
        let (difference_to_best, paired) =
            match (finalists.iter().position(|&f| f == n), eval.as_ref()) {
                (Some(i), Some(ev)) => (ev.difference(0, i), true),
                (Some(_), None) => (Estimate::with_se(0.0, 0.0), true),
                (None, _) => (unpaired_difference(&best_v, &value), false),
            };
        let indistinguishable = n == best || !difference_to_best.significant();
        count += usize::from(indistinguishable);
        let sp = SurfacePoint {
            purchase: e.purchase,
            exception: e.exception,
            relationship: e.relationship,
            round,
            value,
            difference_to_best,
            paired,
            indistinguishable,
        };
        if n == best {
            best_point = Some(sp.clone());
        }
        surface.push(sp);
    }
    let best = best_point.ok_or_else(|| OptimizeError::Invalid("no point evaluated".into()))?;
    Ok(Search {
        resolution: r,
        finest_resolution: d,
        best,
        surface,
        indistinguishable: count,
        capped,
    })
}

/// Nodes by decreasing value; ties by lattice order (deterministic).
fn ranked(seen: &BTreeMap<Node, (Estimate, u32)>) -> Vec<Node> {
    let mut v: Vec<(Node, f64)> = seen.iter().map(|(&n, &(e, _))| (n, e.mean)).collect();
    v.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    v.into_iter().map(|(n, _)| n).collect()
}

/// The best split at one budget of a sweep.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SweepPoint {
    pub budget: f64,
    pub best: SurfacePoint,
    pub indistinguishable: usize,
}

/// A full optimisation: the search at the chosen budget and an optional budget sweep.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Optimization {
    pub schema: &'static str,
    pub scenario: String,
    pub objective: Objective,
    pub budget: f64,
    pub customers: u64,
    pub seed: u64,
    pub currency: String,
    #[serde(flatten)]
    pub search: Search,
    pub sweep: Vec<SweepPoint>,
}

/// Parameters of [`optimize`].
#[derive(Debug, Clone, PartialEq)]
pub struct OptimizeSpec {
    pub objective: Objective,
    pub budget: f64,
    pub customers: u64,
    pub seed: u64,
    pub config: SearchConfig,
    /// Budgets of the optional sweep (each searched like the main budget).
    pub sweep: Vec<f64>,
}

/// The default budget: the largest budget among the scenario's strategies.
pub fn default_budget(model: &Model) -> f64 {
    model
        .scenario
        .strategies
        .iter()
        .map(|s| s.budget)
        .fold(0.0, f64::max)
}

/// Searches the simplex at `spec.budget` (and at each sweep budget) by simulation.
pub fn optimize(
    model: &Model,
    spec: &OptimizeSpec,
    cancel: Option<&AtomicBool>,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> Result<Optimization, OptimizeError> {
    let run = |budget: f64| {
        let mut ev = Simulated {
            model,
            budget,
            metric: spec.objective.metric(),
            customers: spec.customers,
            seed: spec.seed,
            cancel,
            progress,
            evaluated: 0,
        };
        search(&spec.config, &mut ev)
    };
    let main = run(spec.budget)?;
    let mut sweep = Vec::with_capacity(spec.sweep.len());
    for &b in &spec.sweep {
        let s = run(b)?;
        sweep.push(SweepPoint {
            budget: b,
            best: s.best,
            indistinguishable: s.indistinguishable,
        });
    }
    Ok(Optimization {
        schema: OPTIMIZE_SCHEMA,
        scenario: model.scenario.name.clone(),
        objective: spec.objective,
        budget: spec.budget,
        customers: spec.customers,
        seed: spec.seed,
        currency: model.scenario.currency.clone(),
        search: main,
        sweep,
    })
}
