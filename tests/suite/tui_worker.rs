//! The simulation worker: cancellation, generations, preview then full, panics as errors.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::sync::mpsc::{Receiver, channel};
use std::time::Duration;

use cxsim::engine::Cancelled;
use cxsim::tui::worker::{Phase, Request, Runner, Worker, WorkerMsg, engine_runner};

fn model() -> cxsim::model::Model {
    cxsim::model::load::load_str(
        std::path::Path::new(cxsim::BUILTIN_EXAMPLE_NAME),
        cxsim::BUILTIN_EXAMPLE,
    )
    .expect("builtin is valid")
}

fn req(generation: u64, customers: u64) -> Request {
    Request {
        generation,
        model: model(),
        customers,
        seed: 1,
    }
}

fn next(rx: &Receiver<WorkerMsg>) -> WorkerMsg {
    rx.recv_timeout(Duration::from_secs(60))
        .expect("worker answers within a minute")
}

/// The next message that is not progress.
fn next_final(rx: &Receiver<WorkerMsg>) -> WorkerMsg {
    loop {
        match next(rx) {
            WorkerMsg::Progress { .. } => continue,
            m => return m,
        }
    }
}

fn identity(m: WorkerMsg) -> WorkerMsg {
    m
}

#[test]
fn preview_then_full_with_progress() {
    let (tx, rx) = channel();
    let w = Worker::spawn(engine_runner(), tx, identity).expect("spawn");
    w.submit(req(1, 30_000));
    let mut saw_progress = false;
    let mut done = Vec::new();
    while done.len() < 2 {
        match next(&rx) {
            WorkerMsg::Progress { generation, .. } => {
                assert_eq!(generation, 1);
                saw_progress = true;
            }
            WorkerMsg::Done {
                generation,
                phase,
                results,
            } => {
                assert_eq!(generation, 1);
                done.push((phase, results.customers));
            }
            m => panic!("unexpected {m:?}"),
        }
    }
    assert!(saw_progress);
    assert_eq!(done, vec![(Phase::Preview, 20_000), (Phase::Full, 30_000)]);
}

/// A runner that only ends when cancelled.
fn blocking_runner() -> Runner {
    Arc::new(|model, spec, cancel, progress| {
        if spec.seed == 7 {
            // The second request finishes normally.
            return Ok(cxsim::run::simulate(model, spec));
        }
        for _ in 0..6000 {
            progress(0, spec.customers);
            if cancel.load(Ordering::Relaxed) {
                return Err(Cancelled);
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        panic!("never cancelled")
    })
}

#[test]
fn a_new_request_cancels_the_running_one_and_results_carry_generations() {
    let (tx, rx) = channel();
    let w = Worker::spawn(blocking_runner(), tx, identity).expect("spawn");
    w.submit(req(1, 5_000));
    // Wait until it runs.
    match next(&rx) {
        WorkerMsg::Progress { generation: 1, .. } => {}
        m => panic!("unexpected {m:?}"),
    }
    let mut r2 = req(2, 5_000);
    r2.seed = 7;
    w.submit(r2);
    assert!(matches!(
        next_final(&rx),
        WorkerMsg::Cancelled { generation: 1 }
    ));
    match next_final(&rx) {
        WorkerMsg::Done {
            generation, phase, ..
        } => {
            assert_eq!(generation, 2);
            assert_eq!(phase, Phase::Preview);
        }
        m => panic!("unexpected {m:?}"),
    }
}

#[test]
fn a_panicking_run_is_reported_as_an_error() {
    let (tx, rx) = channel();
    let runner: Runner = Arc::new(|_, _, _, _| panic!("boom in the engine"));
    let w = Worker::spawn(runner, tx, identity).expect("spawn");
    w.submit(req(5, 5_000));
    match next_final(&rx) {
        WorkerMsg::Failed {
            generation,
            message,
        } => {
            assert_eq!(generation, 5);
            assert!(message.contains("boom in the engine"), "{message}");
        }
        m => panic!("unexpected {m:?}"),
    }
    // The worker survives and serves the next request.
    drop(w);
}

#[test]
fn the_worker_survives_a_panic_and_runs_again() {
    let (tx, rx) = channel();
    let runner: Runner = Arc::new(|model, spec, cancel, progress| {
        if spec.seed == 1 {
            panic!("first run fails");
        }
        engine_runner()(model, spec, cancel, progress)
    });
    let w = Worker::spawn(runner, tx, identity).expect("spawn");
    w.submit(req(1, 4_096));
    assert!(matches!(
        next_final(&rx),
        WorkerMsg::Failed { generation: 1, .. }
    ));
    let mut r = req(2, 4_096);
    r.seed = 2;
    w.submit(r);
    assert!(matches!(
        next_final(&rx),
        WorkerMsg::Done { generation: 2, .. }
    ));
}
