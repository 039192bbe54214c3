//! The journey studio: a terminal app over the library.
//!
//! - `app`: plain state plus `App::apply`, the only place state changes;
//! - `keys`: the one key table behind dispatch, the hint bar and the help overlay;
//! - `input`: events (keys, mouse) turned into actions;
//! - `view`: pure rendering of `&App`, one file per screen;
//! - `layout`: the geometry shared by drawing and mouse hit-testing;
//! - `theme`: colours and styles (NO_COLOR);
//! - `fields`: the editable fields of every scenario object;
//! - `worker`: the background simulation thread (generations, cancel, preview then full);
//! - `files`: saving with a backup, comments detection, recovery files.
//!
//! `run` owns the terminal: one event loop, a panic hook installed before raw mode, restore on
//! every exit path, SIGTERM/SIGHUP write unsaved work to a recovery file.

pub mod accounts;
pub mod acquisition;
pub mod advocacy_panel;
pub mod analysis;
pub mod app;
pub mod background;
pub mod fields;
pub mod files;
pub mod input;
pub mod keys;
pub mod layout;
pub mod org_panel;
pub mod theme;
pub mod view;
pub mod worker;

use std::io::{Write, stdout};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{RecvTimeoutError, Sender, channel};
use std::time::{Duration, Instant};

use crossterm::event::{self as ct, DisableMouseCapture, EnableMouseCapture};
use crossterm::execute;
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;

pub use app::{App, Event};

/// Why the studio could not start or had to stop.
#[derive(Debug, thiserror::Error)]
pub enum StudioError {
    /// The file is not a readable scenario (syntax); semantic problems are shown in the app.
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    Io(String),
}

/// Whether the studio currently owns the terminal (the panic hook restores it only then).
static ACTIVE: AtomicBool = AtomicBool::new(false);

/// The unsaved scenario and where its recovery file goes, kept current by the event loop so the
/// panic hook can save the user's work even though it cannot reach the `App`.
static PENDING_RECOVERY: std::sync::Mutex<Option<(PathBuf, crate::format::Scenario)>> =
    std::sync::Mutex::new(None);

/// Writes the pending unsaved work (if any) to its recovery file; used on a panic.
fn write_pending_recovery() -> Option<PathBuf> {
    // try_lock: a panic while the loop holds the lock must not deadlock the hook.
    let guard = PENDING_RECOVERY.try_lock().ok()?;
    let (path, scenario) = guard.as_ref()?;
    files::write_recovery(path, scenario).ok()?;
    Some(path.clone())
}

/// Loads the file to edit (creating it from a template if it does not exist) or the built-in
/// example. Only syntax errors stop the studio: semantic problems are shown inside it.
pub fn open(file: Option<&Path>) -> Result<App, StudioError> {
    match file {
        None => {
            let s = crate::format::parse::parse_scenario(
                Path::new(crate::BUILTIN_EXAMPLE_NAME),
                crate::BUILTIN_EXAMPLE,
            )
            .map_err(|e| StudioError::Invalid(e.to_string()))?;
            Ok(App::new(s, None, false))
        }
        Some(p) => {
            files::remove_stale_temps(p);
            let mut created = false;
            if !p.exists() {
                crate::fsutil::write_atomic(p, files::template(p).as_bytes())
                    .map_err(|e| StudioError::Io(format!("{}: cannot create: {e}", p.display())))?;
                created = true;
            }
            let (s, comments) = files::read(p).map_err(|e| {
                if p.is_file() {
                    StudioError::Invalid(e)
                } else {
                    StudioError::Io(e)
                }
            })?;
            let mut app = App::new(s, Some(p.to_path_buf()), comments);
            if created {
                app.status = format!("created {} from the template", p.display());
            }
            Ok(app)
        }
    }
}

fn restore_terminal() {
    let _ = disable_raw_mode();
    let _ = execute!(
        stdout(),
        DisableMouseCapture,
        LeaveAlternateScreen,
        crossterm::cursor::Show
    );
    let _ = stdout().flush();
}

/// Installs (once) a panic hook that restores the terminal — including mouse capture, which
/// ratatui's own hook leaves on — before the message is printed. Panics on other threads (the
/// simulation worker) are caught there and shown in the app, so they stay quiet here.
fn install_panic_hook() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let prev = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !ACTIVE.load(Ordering::SeqCst) {
                prev(info);
                return;
            }
            if std::thread::current().name() == Some("main") {
                ACTIVE.store(false, Ordering::SeqCst);
                restore_terminal();
                prev(info);
                if let Some(p) = write_pending_recovery() {
                    eprintln!(
                        "cxsim: unsaved work written to {} — the next start offers to restore it",
                        p.display()
                    );
                }
            }
        }));
    });
}

/// Reads terminal input on its own thread. If reading fails or the thread panics, `lost` is set
/// so the loop can save the user's work and exit instead of waiting for keys that never come.
fn spawn_input(
    tx: Sender<Event>,
    stop: Arc<AtomicBool>,
    lost: Arc<AtomicBool>,
) -> std::io::Result<()> {
    std::thread::Builder::new()
        .name("cxsim-input".into())
        .spawn(move || {
            let stop_flag = stop.clone();
            let read =
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| input_loop(&tx, &stop)));
            if !stop_flag.load(Ordering::Relaxed) || read.is_err() {
                lost.store(true, Ordering::SeqCst);
            }
        })?;
    Ok(())
}

fn input_loop(tx: &Sender<Event>, stop: &AtomicBool) {
    while !stop.load(Ordering::Relaxed) {
        match ct::poll(Duration::from_millis(100)) {
            Ok(true) => {
                let ev = match ct::read() {
                    Ok(ct::Event::Key(k)) => Event::Key(k),
                    Ok(ct::Event::Mouse(m)) => Event::Mouse(m),
                    Ok(ct::Event::Resize(w, h)) => Event::Resize(w, h),
                    Ok(_) => continue,
                    Err(_) => break,
                };
                if tx.send(ev).is_err() {
                    break;
                }
            }
            Ok(false) => {}
            Err(_) => break,
        }
    }
}

/// Runs the studio on a file (or the built-in example) until the user quits.
pub fn run(file: Option<&Path>) -> Result<(), StudioError> {
    let mut app = open(file)?;
    app.offer_recovery();

    let signal = Arc::new(AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGTERM, signal_hook::consts::SIGHUP] {
        signal_hook::flag::register(sig, signal.clone())
            .map_err(|e| StudioError::Io(format!("cannot install signal handler: {e}")))?;
    }

    install_panic_hook();
    ACTIVE.store(true, Ordering::SeqCst);
    let setup = (|| -> std::io::Result<Terminal<CrosstermBackend<std::io::Stdout>>> {
        enable_raw_mode()?;
        execute!(stdout(), EnterAlternateScreen, EnableMouseCapture)?;
        Terminal::new(CrosstermBackend::new(stdout()))
    })();
    let mut terminal = match setup {
        Ok(t) => t,
        Err(e) => {
            ACTIVE.store(false, Ordering::SeqCst);
            restore_terminal();
            return Err(StudioError::Io(format!(
                "cannot start the terminal UI: {e}"
            )));
        }
    };
    let result = event_loop(&mut terminal, &mut app, &signal);
    ACTIVE.store(false, Ordering::SeqCst);
    restore_terminal();
    if let Some(p) = result.as_ref().ok().and_then(|r| r.clone()) {
        eprintln!(
            "cxsim: unsaved work written to {} — the next start offers to restore it",
            p.display()
        );
    }
    result.map(|_| ()).map_err(StudioError::Io)
}

/// The one loop: wait for an event, drain the queue, apply, hand requests to the worker,
/// draw at most once. Returns the recovery file written on a termination signal, if any.
fn event_loop(
    terminal: &mut Terminal<CrosstermBackend<std::io::Stdout>>,
    app: &mut App,
    signal: &AtomicBool,
) -> Result<Option<PathBuf>, String> {
    let io = |e: std::io::Error| format!("terminal error: {e}");
    let (tx, rx) = channel::<Event>();
    let stop = Arc::new(AtomicBool::new(false));
    let input_lost = Arc::new(AtomicBool::new(false));
    spawn_input(tx.clone(), stop.clone(), input_lost.clone()).map_err(io)?;
    let worker =
        worker::Worker::spawn(worker::engine_runner(), tx.clone(), Event::Worker).map_err(io)?;
    let analyses = analysis::AnalysisWorker::spawn(tx, Event::Analysis).map_err(io)?;
    if let Ok(size) = terminal.size() {
        app.size = (size.width, size.height);
    }
    let tick = Duration::from_millis(250);
    // At most one frame per 30 ms: a flood of progress reports or fast typing never lags.
    let frame = Duration::from_millis(30);
    let mut last_tick = Instant::now();
    let mut last_draw: Option<Instant> = None;
    let mut needs_draw = true;
    let mut outcome = Ok(None);
    loop {
        if app.cancel_running {
            worker.cancel_current();
            app.cancel_running = false;
        }
        if let Some(req) = app.take_request() {
            worker.submit(req);
        }
        if std::mem::take(&mut app.analysis.cancel) {
            analyses.cancel_current();
        }
        if let Some(req) = app.analysis.pending.take() {
            analyses.submit(req);
        }
        if needs_draw && last_draw.is_none_or(|t| t.elapsed() >= frame) {
            if let Err(e) = terminal.draw(|f| view::draw(f, app)) {
                outcome = Err(io(e));
                break;
            }
            last_draw = Some(Instant::now());
            needs_draw = false;
        }
        let wait = if needs_draw { frame } else { tick };
        let first = match rx.recv_timeout(wait) {
            Ok(ev) => Some(ev),
            Err(RecvTimeoutError::Timeout) => None,
            Err(RecvTimeoutError::Disconnected) => break,
        };
        if let Some(ev) = first {
            app.handle_event(ev);
            needs_draw = true;
        }
        // Drain everything pending before the next frame.
        while let Ok(ev) = rx.try_recv() {
            app.handle_event(ev);
            needs_draw = true;
        }
        // Keep the panic hook's copy of unsaved work current (cheap: compared, cloned on change).
        if let Ok(mut pending) = PENDING_RECOVERY.try_lock() {
            let current = pending.as_ref().map(|(_, s)| s);
            if !app.dirty() {
                *pending = None;
            } else if current != Some(&app.scenario) {
                *pending = Some((
                    files::recovery_path(app.source_path()),
                    app.scenario.clone(),
                ));
            }
        }
        if app.should_quit {
            break;
        }
        if last_tick.elapsed() >= tick {
            last_tick = Instant::now();
            app.handle_event(Event::Tick);
            needs_draw = true;
        }
        if signal.load(Ordering::Relaxed) {
            outcome = Ok(app.write_recovery());
            break;
        }
        if input_lost.load(Ordering::SeqCst) {
            let saved = app
                .write_recovery()
                .map(|p| format!("; unsaved work written to {}", p.display()))
                .unwrap_or_default();
            outcome = Err(format!("terminal input stopped{saved}"));
            break;
        }
    }
    stop.store(true, Ordering::Relaxed);
    worker.cancel_current();
    analyses.cancel_current();
    drop(worker);
    drop(analyses);
    outcome
}
