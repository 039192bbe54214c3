//! The background simulation worker: owns every run, so the UI thread never blocks.
//!
//! Each request carries a generation number. Submitting a new request sets the running one's
//! cancel flag; results are tagged with their generation so the app can drop stale ones. A run
//! first produces a quick preview, then the full customer count. A panic inside a run is caught
//! and reported as an error message.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Sender;

use super::background::{Background, panic_message};

use crate::engine::{Cancelled, Engine, RunSpec};
use crate::model::Model;
use crate::results::RunResults;

/// Customers of the quick preview run.
pub const PREVIEW_CUSTOMERS: u64 = 20_000;
/// Default customers of the full run.
pub const DEFAULT_CUSTOMERS: u64 = 200_000;
/// Name of the worker thread (the panic hook stays quiet for it: its panics become UI errors).
pub const THREAD_NAME: &str = "cxsim-sim";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Preview,
    Full,
}

/// One simulation request.
#[derive(Debug, Clone)]
pub struct Request {
    pub generation: u64,
    pub model: Model,
    pub customers: u64,
    pub seed: u64,
}

/// What the worker reports.
#[derive(Debug, Clone)]
pub enum WorkerMsg {
    Progress {
        generation: u64,
        phase: Phase,
        done: u64,
        total: u64,
    },
    Done {
        generation: u64,
        phase: Phase,
        results: Box<RunResults>,
    },
    Failed {
        generation: u64,
        message: String,
    },
    Cancelled {
        generation: u64,
    },
}

impl WorkerMsg {
    pub fn generation(&self) -> u64 {
        match self {
            WorkerMsg::Progress { generation, .. }
            | WorkerMsg::Done { generation, .. }
            | WorkerMsg::Failed { generation, .. }
            | WorkerMsg::Cancelled { generation } => *generation,
        }
    }
}

/// The function that performs one run (the engine by default; tests inject others).
pub type Runner = Arc<
    dyn Fn(
            &Model,
            &RunSpec,
            &AtomicBool,
            &(dyn Fn(u64, u64) + Sync),
        ) -> Result<RunResults, Cancelled>
        + Send
        + Sync,
>;

/// The real engine.
pub fn engine_runner() -> Runner {
    Arc::new(|model, spec, cancel, progress| {
        let engine = Engine::new(model, spec.clone());
        let acc = engine.run(Some(cancel), progress)?;
        let mut results = RunResults::from_acc(model, spec, acc);
        crate::run::acquisition::attach(model, spec, &mut results, Some(cancel))?;
        Ok(results)
    })
}

pub struct Worker {
    thread: Background<Request>,
}

impl Worker {
    /// Starts the worker thread; `report` receives every message, mapped by `wrap`.
    pub fn spawn<E: Send + 'static>(
        runner: Runner,
        report: Sender<E>,
        wrap: fn(WorkerMsg) -> E,
    ) -> std::io::Result<Worker> {
        let skipped_report = report.clone();
        let thread = Background::spawn(
            THREAD_NAME,
            move |req: Request| {
                skipped_report
                    .send(wrap(WorkerMsg::Cancelled {
                        generation: req.generation,
                    }))
                    .is_ok()
            },
            move |req, cancel| run_request(&req, cancel, &runner, &report, wrap),
        )?;
        Ok(Worker { thread })
    }

    /// Cancels whatever runs and queues a new request.
    pub fn submit(&self, req: Request) {
        self.thread.submit(req);
    }

    pub fn cancel_current(&self) {
        self.thread.cancel_current();
    }
}

/// The preview, then (unless cancelled) the full run; `false` when nobody listens any more.
fn run_request<E: Send>(
    req: &Request,
    cancel: &AtomicBool,
    runner: &Runner,
    report: &Sender<E>,
    wrap: fn(WorkerMsg) -> E,
) -> bool {
    let g = req.generation;
    let preview = req.customers.min(PREVIEW_CUSTOMERS);
    let mut phases = vec![(Phase::Preview, preview)];
    if req.customers > preview {
        phases.push((Phase::Full, req.customers));
    }
    for (phase, customers) in phases {
        let spec = RunSpec::all_strategies(&req.model, customers, req.seed);
        let progress = |done: u64, total: u64| {
            let _ = report.send(wrap(WorkerMsg::Progress {
                generation: g,
                phase,
                done,
                total,
            }));
        };
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            runner(&req.model, &spec, cancel, &progress)
        }));
        let msg = match outcome {
            Ok(Ok(results)) => WorkerMsg::Done {
                generation: g,
                phase,
                results: Box::new(results),
            },
            Ok(Err(Cancelled)) => WorkerMsg::Cancelled { generation: g },
            Err(p) => WorkerMsg::Failed {
                generation: g,
                message: format!("the simulation crashed: {}", panic_message(p.as_ref())),
            },
        };
        let stop = !matches!(msg, WorkerMsg::Done { .. });
        if report.send(wrap(msg)).is_err() {
            return false;
        }
        if stop || cancel.load(Ordering::Relaxed) {
            break;
        }
    }
    true
}
