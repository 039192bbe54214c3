//! The studio's strategy-analysis screen (issue 8): the optimiser's ternary heat map, the
//! sensitivity tornado and the churn diagnosis, each computed by the library on a background
//! thread of its own and drawn from state.
//!
//! - state: `AnalysisState` (in `App::analysis`), changed only through the `App` methods
//!   in `app::analysis`;
//! - work: `AnalysisWorker` runs one `AnalysisRequest` at a time; a newer request (or an edit)
//!   cancels the running one, and answers carry the request id so stale ones are dropped;
//! - drawing: `view::analysis`.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Sender;

use super::background::{Background, panic_message};

use crate::analysis::diagnose::{self, AnalysisError, Diagnosis};
use crate::analysis::optimize::{
    self, Objective, OptimizeError, OptimizeSpec, SearchConfig, default_budget,
};
use crate::analysis::sensitivity::{self, Sensitivity};
use crate::model::Model;
use crate::results::Metric;

/// The three analyses of the screen, in ←/→ order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    Optimize,
    Sensitivity,
    Diagnose,
}

impl View {
    pub const ALL: [View; 3] = [View::Optimize, View::Sensitivity, View::Diagnose];
    pub fn title(self) -> &'static str {
        match self {
            View::Optimize => "Emphasis map",
            View::Sensitivity => "Sensitivity",
            View::Diagnose => "Diagnosis",
        }
    }
    pub(crate) fn index(self) -> usize {
        match self {
            View::Optimize => 0,
            View::Sensitivity => 1,
            View::Diagnose => 2,
        }
    }
}

/// Customers an analysis simulates per variant: a twentieth of the studio's run size, at least
/// 1,000 (200,000 → 10,000), so an analysis of dozens of variants stays interactive.
pub fn analysis_customers(studio_customers: u64) -> u64 {
    (studio_customers / 20).max(1_000)
}

/// What an analysis depends on; a result is current while its key equals the app's.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Key {
    /// The app's scenario generation (bumped by every edit, seed or size change).
    pub generation: u64,
    pub view: View,
    pub strategy: usize,
    pub objective: Objective,
    pub metric: Metric,
}

/// One analysis to run.
#[derive(Debug, Clone)]
pub struct AnalysisRequest {
    pub id: u64,
    pub key: Key,
    pub model: Model,
    pub customers: u64,
    pub seed: u64,
}

/// A finished analysis.
#[derive(Debug, Clone)]
pub enum Output {
    Optimize(Box<optimize::Optimization>),
    Sensitivity(Box<Sensitivity>),
    Diagnose(Box<Diagnosis>),
}

/// What the analysis worker reports.
#[derive(Debug, Clone)]
pub enum AnalysisMsg {
    Progress { id: u64, done: u64, total: u64 },
    Done { id: u64, key: Key, output: Output },
    Failed { id: u64, message: String },
    Cancelled { id: u64 },
}

/// The relative change of the sensitivity view.
pub const DELTA: f64 = 0.1;

/// The search of the emphasis map: the CLI's default grid with one refinement round.
pub fn search_config() -> SearchConfig {
    SearchConfig {
        rounds: 1,
        ..SearchConfig::default()
    }
}

/// Runs one request (on the worker thread; tests call it directly).
pub fn run(
    req: &AnalysisRequest,
    cancel: Option<&AtomicBool>,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> Result<Output, AnalysisError> {
    let k = req.key;
    match k.view {
        View::Optimize => {
            let spec = OptimizeSpec {
                objective: k.objective,
                budget: default_budget(&req.model),
                customers: req.customers,
                seed: req.seed,
                config: search_config(),
                sweep: Vec::new(),
            };
            optimize::optimize(&req.model, &spec, cancel, progress)
                .map(|o| Output::Optimize(Box::new(o)))
                .map_err(|e| match e {
                    OptimizeError::Cancelled => AnalysisError::Cancelled,
                    OptimizeError::Invalid(m) => AnalysisError::Invalid(m),
                })
        }
        View::Sensitivity => sensitivity::sensitivity(
            &req.model,
            k.strategy,
            k.metric,
            DELTA,
            req.customers,
            req.seed,
            cancel,
            progress,
        )
        .map(|s| Output::Sensitivity(Box::new(s))),
        View::Diagnose => diagnose::diagnose(
            &req.model,
            k.strategy,
            req.customers,
            req.seed,
            cancel,
            progress,
        )
        .map(|d| Output::Diagnose(Box::new(d))),
    }
}

/// The background thread of the analysis screen (one analysis at a time, newest wins).
pub struct AnalysisWorker {
    thread: Background<AnalysisRequest>,
}

impl AnalysisWorker {
    /// Starts the thread; every message goes to `report`, mapped by `wrap`.
    pub fn spawn<E: Send + 'static>(
        report: Sender<E>,
        wrap: fn(AnalysisMsg) -> E,
    ) -> std::io::Result<AnalysisWorker> {
        let skipped_report = report.clone();
        let thread = Background::spawn(
            super::worker::THREAD_NAME,
            move |req: AnalysisRequest| {
                skipped_report
                    .send(wrap(AnalysisMsg::Cancelled { id: req.id }))
                    .is_ok()
            },
            move |req, cancel| {
                let id = req.id;
                let progress = |done: u64, total: u64| {
                    let _ = report.send(wrap(AnalysisMsg::Progress { id, done, total }));
                };
                let outcome = catch_unwind(AssertUnwindSafe(|| run(&req, Some(cancel), &progress)));
                let msg = match outcome {
                    // A newer request raised the flag after the last cancellation point: the
                    // answer is superseded, so it is reported as cancelled, not shown.
                    Ok(Ok(_)) if cancel.load(Ordering::Relaxed) => AnalysisMsg::Cancelled { id },
                    Ok(Ok(output)) => AnalysisMsg::Done {
                        id,
                        key: req.key,
                        output,
                    },
                    Ok(Err(AnalysisError::Cancelled)) => AnalysisMsg::Cancelled { id },
                    Ok(Err(AnalysisError::Invalid(message))) => AnalysisMsg::Failed { id, message },
                    Err(p) => AnalysisMsg::Failed {
                        id,
                        message: format!("the analysis crashed: {}", panic_message(p.as_ref())),
                    },
                };
                report.send(wrap(msg)).is_ok()
            },
        )?;
        Ok(AnalysisWorker { thread })
    }

    /// Cancels the running analysis and queues `req`.
    pub fn submit(&self, req: AnalysisRequest) {
        self.thread.submit(req);
    }

    pub fn cancel_current(&self) {
        self.thread.cancel_current();
    }
}

/// The screen's state.
#[derive(Debug, Clone)]
pub struct AnalysisState {
    pub view: View,
    /// The strategy analysed by the sensitivity and diagnosis views.
    pub strategy: usize,
    pub objective: Objective,
    pub metric: Metric,
    /// First row shown of the sensitivity and diagnosis lists.
    pub scroll: u16,
    /// The id of the newest request.
    pub id: u64,
    /// The key of the newest request (running or done).
    pub requested: Option<Key>,
    /// The latest result of each view with the key it was computed for.
    pub results: [Option<(Key, Output)>; 3],
    pub progress: Option<(u64, u64)>,
    pub error: Option<String>,
    /// A request for the worker, taken by the event loop.
    pub pending: Option<AnalysisRequest>,
    /// The event loop should cancel the running analysis.
    pub cancel: bool,
}

impl Default for AnalysisState {
    fn default() -> Self {
        AnalysisState {
            view: View::Optimize,
            strategy: 0,
            objective: Objective::Npv,
            metric: Metric::Npv,
            scroll: 0,
            id: 0,
            requested: None,
            results: [None, None, None],
            progress: None,
            error: None,
            pending: None,
            cancel: false,
        }
    }
}

pub(crate) const OBJECTIVES: [Objective; 4] = [
    Objective::Npv,
    Objective::Revenue,
    Objective::Retention,
    Objective::Clv,
];

pub(crate) fn cycle<T: Copy + PartialEq>(all: &[T], cur: T) -> T {
    let i = all.iter().position(|x| *x == cur).unwrap_or(0);
    all[(i + 1) % all.len()]
}
