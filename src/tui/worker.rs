//! The background simulation worker: owns every run, so the UI thread never blocks.
//!
//! Each request carries a generation number. Submitting a new request sets the running one's
//! cancel flag; results are tagged with their generation so the app can drop stale ones. A run
//! first produces a quick preview, then the full customer count. A panic inside a run is caught
//! and reported as an error message.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

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
        crate::acquisition::attach(model, spec, &mut results, Some(cancel))?;
        Ok(results)
    })
}

pub struct Worker {
    requests: Option<Sender<(Request, Arc<AtomicBool>)>>,
    current: Arc<Mutex<Arc<AtomicBool>>>,
    handle: Option<JoinHandle<()>>,
}

impl Worker {
    /// Starts the worker thread; `report` receives every message, mapped by `wrap`.
    pub fn spawn<E: Send + 'static>(
        runner: Runner,
        report: Sender<E>,
        wrap: fn(WorkerMsg) -> E,
    ) -> std::io::Result<Worker> {
        let (tx, rx) = channel::<(Request, Arc<AtomicBool>)>();
        let current = Arc::new(Mutex::new(Arc::new(AtomicBool::new(false))));
        let handle = std::thread::Builder::new()
            .name(THREAD_NAME.into())
            .spawn(move || worker_loop(rx, runner, report, wrap))?;
        Ok(Worker {
            requests: Some(tx),
            current,
            handle: Some(handle),
        })
    }

    /// Cancels whatever runs and queues a new request.
    pub fn submit(&self, req: Request) {
        let flag = Arc::new(AtomicBool::new(false));
        if let Ok(mut cur) = self.current.lock() {
            cur.store(true, Ordering::Relaxed);
            *cur = flag.clone();
        }
        if let Some(tx) = &self.requests {
            let _ = tx.send((req, flag));
        }
    }

    pub fn cancel_current(&self) {
        if let Ok(flag) = self.current.lock() {
            flag.store(true, Ordering::Relaxed);
        }
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        self.cancel_current();
        self.requests = None;
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

fn panic_message(p: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = p.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = p.downcast_ref::<String>() {
        s.clone()
    } else {
        "unknown panic".to_string()
    }
}

fn worker_loop<E: Send + 'static>(
    rx: Receiver<(Request, Arc<AtomicBool>)>,
    runner: Runner,
    report: Sender<E>,
    wrap: fn(WorkerMsg) -> E,
) {
    let send = |m: WorkerMsg| report.send(wrap(m)).is_ok();
    while let Ok((mut req, mut cancel)) = rx.recv() {
        // Only the newest request matters.
        while let Ok((newer, flag)) = rx.try_recv() {
            if !send(WorkerMsg::Cancelled {
                generation: req.generation,
            }) {
                return;
            }
            req = newer;
            cancel = flag;
        }
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
                runner(&req.model, &spec, &cancel, &progress)
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
            if !send(msg) {
                return;
            }
            if stop || cancel.load(Ordering::Relaxed) {
                break;
            }
        }
    }
}
