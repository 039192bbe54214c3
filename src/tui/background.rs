//! A background thread that works on the newest job only: the pattern shared by the simulation
//! worker and the analysis worker, so the UI thread never blocks.
//!
//! Submitting a job raises the running job's cancel flag and queues the new one; jobs queued
//! behind a newer one are skipped (the caller is told, so it can report them as cancelled).
//! Dropping the handle cancels the running job and joins the thread.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

type Job<J> = (J, Arc<AtomicBool>);

pub struct Background<J> {
    jobs: Option<Sender<Job<J>>>,
    current: Arc<Mutex<Arc<AtomicBool>>>,
    thread: Option<JoinHandle<()>>,
}

impl<J: Send + 'static> Background<J> {
    /// Starts the thread. `skipped` hears of every job a newer one replaced before it started;
    /// `work` runs the newest job with its cancel flag. Either returns `false` when nobody
    /// listens any more, which ends the thread.
    pub fn spawn(
        name: &str,
        mut skipped: impl FnMut(J) -> bool + Send + 'static,
        mut work: impl FnMut(J, &AtomicBool) -> bool + Send + 'static,
    ) -> std::io::Result<Background<J>> {
        let (tx, rx) = channel::<Job<J>>();
        let thread = std::thread::Builder::new()
            .name(name.into())
            .spawn(move || {
                while let Some((job, cancel)) = newest(&rx, &mut skipped) {
                    if !work(job, &cancel) {
                        return;
                    }
                }
            })?;
        Ok(Background {
            jobs: Some(tx),
            current: Arc::new(Mutex::new(Arc::new(AtomicBool::new(false)))),
            thread: Some(thread),
        })
    }

    /// Cancels whatever runs and queues `job`.
    pub fn submit(&self, job: J) {
        let flag = Arc::new(AtomicBool::new(false));
        if let Ok(mut cur) = self.current.lock() {
            cur.store(true, Ordering::Relaxed);
            *cur = flag.clone();
        }
        if let Some(tx) = &self.jobs {
            let _ = tx.send((job, flag));
        }
    }

    pub fn cancel_current(&self) {
        if let Ok(flag) = self.current.lock() {
            flag.store(true, Ordering::Relaxed);
        }
    }
}

/// Waits for a job, then skips to the newest queued one. `None` when the handle is gone or
/// `skipped` says nobody listens.
fn newest<J>(rx: &Receiver<Job<J>>, skipped: &mut impl FnMut(J) -> bool) -> Option<Job<J>> {
    let mut job = rx.recv().ok()?;
    while let Ok(newer) = rx.try_recv() {
        let (old, _) = std::mem::replace(&mut job, newer);
        if !skipped(old) {
            return None;
        }
    }
    Some(job)
}

impl<J> Drop for Background<J> {
    fn drop(&mut self) {
        if let Ok(flag) = self.current.lock() {
            flag.store(true, Ordering::Relaxed);
        }
        self.jobs = None;
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The text of a caught panic, for an error line in the UI.
pub fn panic_message(p: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = p.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = p.downcast_ref::<String>() {
        s.clone()
    } else {
        "unknown panic".to_string()
    }
}
