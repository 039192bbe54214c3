//! The studio's strategy-analysis screen: key-driven navigation, requests to the analysis
//! worker (cancelled by edits, stale answers dropped) and snapshots of the emphasis map, the
//! tornado and the diagnosis, with analyses computed synchronously on a few thousand customers.

use std::sync::mpsc::channel;
use std::time::Duration;

use crate::common::tui::{key, render};
use crossterm::event::KeyCode;
use cxsim::engine::RunSpec;
use cxsim::tui::analysis::{AnalysisMsg, AnalysisWorker, Output, View, analysis_customers};
use cxsim::tui::app::Pane;
use cxsim::tui::view::analysis::{BEST, CLOSE_SHADES, SHADES, ternary_cells};
use cxsim::tui::{App, Event};

/// The built-in example, no colour, 40,000 studio customers (analyses of 2,000), with results.
fn studio() -> App {
    let mut app = cxsim::tui::open(None).expect("builtin opens");
    app.color = false;
    app.customers = 40_000;
    app.scenario_changed();
    let model = cxsim::model::validate(app.scenario.clone()).expect("valid");
    let spec = RunSpec::all_strategies(&model, 4096, 1);
    app.set_results(cxsim::run::simulate(&model, &spec));
    app
}

/// Runs the pending analysis request synchronously and feeds its answer to the app.
fn complete(app: &mut App) {
    let req = app
        .analysis
        .pending
        .take()
        .expect("the screen asked for an analysis");
    let output = cxsim::tui::analysis::run(&req, None, &|_, _| {}).expect("analysis runs");
    app.handle_event(Event::Analysis(AnalysisMsg::Done {
        id: req.id,
        key: req.key,
        output,
    }));
}

#[test]
fn screen_5_requests_the_map_and_draws_it() {
    let mut app = studio();
    assert!(app.analysis.pending.is_none(), "nothing runs off screen");
    key(&mut app, KeyCode::Char('5'));
    assert_eq!(app.pane, Pane::Analysis);
    let req = app.analysis.pending.as_ref().expect("request");
    assert_eq!(req.key.view, View::Optimize);
    assert_eq!(req.customers, analysis_customers(40_000));
    assert_eq!(req.customers, 2_000);
    // Before the answer: a progress line, no map.
    let waiting = render(&app, 80, 24);
    assert!(waiting.contains("⟳"), "{waiting}");
    complete(&mut app);
    assert!(app.analysis.pending.is_none());
    assert!(app.analysis.progress.is_none());
    let map = render(&app, 80, 24);
    assert!(map.contains(BEST), "best split marked:\n{map}");
    assert!(map.contains("Relationship") && map.contains("Purchase"));
    insta::assert_snapshot!("analysis_map_80x24", map);
    insta::assert_snapshot!("analysis_map_120x40", render(&app, 120, 40));
    // Nothing new is asked while the result is current.
    key(&mut app, KeyCode::Down);
    assert!(app.analysis.pending.is_none());
}

#[test]
fn arrows_switch_views_and_each_view_draws_from_its_result() {
    let mut app = studio();
    key(&mut app, KeyCode::Char('5'));
    app.analysis.pending = None;
    key(&mut app, KeyCode::Right);
    assert_eq!(app.analysis.view, View::Sensitivity);
    // The abandoned map request is cancelled; the tornado is asked for.
    assert!(app.analysis.cancel);
    assert_eq!(
        app.analysis.pending.as_ref().map(|r| r.key.view),
        Some(View::Sensitivity)
    );
    complete(&mut app);
    let tornado = render(&app, 120, 40);
    assert!(tornado.contains("│") && tornado.contains("█"), "{tornado}");
    insta::assert_snapshot!("analysis_tornado_120x40", tornado);
    insta::assert_snapshot!("analysis_tornado_80x24", render(&app, 80, 24));

    key(&mut app, KeyCode::Char('l'));
    assert_eq!(app.analysis.view, View::Diagnose);
    complete(&mut app);
    let diag = render(&app, 120, 40);
    let Some((Output::Diagnose(d), true)) = app.analysis_output() else {
        panic!("a current diagnosis");
    };
    assert!(diag.contains(&format!("▶ WEAKEST LEG: {}", d.weakest_stage)));
    insta::assert_snapshot!("analysis_diagnosis_120x40", diag);
    insta::assert_snapshot!("analysis_diagnosis_80x24", render(&app, 80, 24));

    // Wraps around to the map; going back left keeps the diagnosis (no new request).
    key(&mut app, KeyCode::Right);
    assert_eq!(app.analysis.view, View::Optimize);
    app.analysis.pending = None;
    key(&mut app, KeyCode::Left);
    assert_eq!(app.analysis.view, View::Diagnose);
    assert!(app.analysis.pending.is_none(), "the diagnosis is current");
}

#[test]
fn metric_and_strategy_keys_change_what_is_asked() {
    let mut app = studio();
    key(&mut app, KeyCode::Char('5'));
    key(&mut app, KeyCode::Char('m'));
    let req = app.analysis.pending.take().expect("request");
    assert_eq!(
        req.key.objective,
        cxsim::analysis::optimize::Objective::Revenue
    );
    key(&mut app, KeyCode::Right);
    app.analysis.pending = None;
    key(&mut app, KeyCode::Char('s'));
    let req = app.analysis.pending.take().expect("request");
    let n = app.scenario.strategies.len();
    assert_eq!(req.key.strategy, 1 % n);
    key(&mut app, KeyCode::Char('m'));
    let req = app.analysis.pending.take().expect("request");
    assert_eq!(req.key.metric, cxsim::results::Metric::Clv);
}

#[test]
fn an_edit_cancels_the_running_analysis_and_stale_answers_are_dropped() {
    let mut app = studio();
    key(&mut app, KeyCode::Char('5'));
    let old = app.analysis.pending.take().expect("request");
    app.handle_event(Event::Analysis(AnalysisMsg::Progress {
        id: old.id,
        done: 10,
        total: 100,
    }));
    assert!(render(&app, 80, 24).contains("⟳"));
    // A new seed is an edit of what the analysis depends on.
    key(&mut app, KeyCode::Char('S'));
    assert!(app.analysis.cancel, "the running analysis is cancelled");
    let new = app.analysis.pending.take().expect("asked again");
    assert!(new.id > old.id);
    assert_eq!(new.seed, old.seed + 1);
    // The old answer arrives late: ignored.
    let output = cxsim::tui::analysis::run(&old, None, &|_, _| {}).expect("runs");
    app.handle_event(Event::Analysis(AnalysisMsg::Done {
        id: old.id,
        key: old.key,
        output,
    }));
    assert!(app.analysis_output().is_none());
    // A failure of the current one is shown with the way out.
    app.handle_event(Event::Analysis(AnalysisMsg::Failed {
        id: new.id,
        message: "boom".into(),
    }));
    assert!(render(&app, 80, 24).contains("boom — r runs it again"));
    key(&mut app, KeyCode::Char('r'));
    assert!(app.analysis.pending.is_some());
}

#[test]
fn help_and_hints_show_the_analysis_keys() {
    let mut app = studio();
    key(&mut app, KeyCode::Char('5'));
    let screen = render(&app, 120, 40);
    assert!(screen.contains("5 Analysis"), "{screen}");
    assert!(screen.contains("m metric") && screen.contains("s strategy"));
    key(&mut app, KeyCode::Char('?'));
    let mut help = String::new();
    for _ in 0..60 {
        help.push_str(&render(&app, 80, 24));
        key(&mut app, KeyCode::Down);
    }
    assert!(help.contains("next objective (map) or metric (sensitivity)"));
    assert!(help.contains("Analysis (emphasis map, sensitivity, diagnosis)"));
}

#[test]
fn ternary_cells_mark_best_and_close_points_without_colour() {
    use cxsim::report::chart::{Ternary, TernaryPoint};
    let pt = |p: f64, e: f64, v: f64, best: bool, close: bool| TernaryPoint {
        purchase: p,
        exception: e,
        relationship: 1.0 - p - e,
        value: v,
        best,
        indistinguishable: close,
    };
    let t = Ternary {
        title: "t".into(),
        points: vec![
            pt(1.0, 0.0, 0.0, false, false),
            pt(0.0, 1.0, 5.0, false, false),
            pt(0.0, 0.0, 10.0, true, true),
            pt(0.0, 0.2, 9.0, false, true),
        ],
    };
    let g = ternary_cells(&t, 21, 10);
    // Apex (relationship 1) is the best point; bottom-left (purchase) is the lowest value.
    assert_eq!(g[0][10].map(|c| c.0), Some(BEST));
    assert_eq!(g[9][0].map(|c| c.0), Some(SHADES[0]));
    assert_eq!(g[9][20].map(|c| c.0), Some(SHADES[2]));
    // The close point (apex side) is drawn with the circle family at its shade level.
    assert!(g.iter().flatten().flatten().any(|c| c.0 == CLOSE_SHADES[4]));
    assert!(!g[9].iter().flatten().any(|c| CLOSE_SHADES.contains(&c.0)));
    assert_eq!(
        g.iter().flatten().flatten().filter(|c| c.0 == BEST).count(),
        1
    );
    // Outside the triangle nothing is drawn.
    assert!(g[0][0].is_none() && g[0][20].is_none());
}

#[test]
fn the_worker_runs_an_analysis_and_newer_requests_win() {
    let mut app = studio();
    app.customers = 20_000; // 1,000 customers per variant
    app.scenario_changed();
    key(&mut app, KeyCode::Char('5'));
    key(&mut app, KeyCode::Right);
    key(&mut app, KeyCode::Right);
    let req = app.analysis.pending.take().expect("diagnosis request");
    let (tx, rx) = channel();
    let w = AnalysisWorker::spawn(tx, |m| m).expect("spawn");
    let mut first = req.clone();
    first.id = req.id - 1;
    w.submit(first);
    w.submit(req.clone());
    let mut saw_progress = false;
    loop {
        match rx
            .recv_timeout(Duration::from_secs(120))
            .expect("the worker answers")
        {
            AnalysisMsg::Progress { id, .. } if id == req.id => saw_progress = true,
            // The older request may only finish if it did so before the newer one was
            // submitted; its answer must then be dropped by the app as stale.
            AnalysisMsg::Done { id, key, output } if id != req.id => {
                assert_eq!(id, req.id - 1, "an unknown request finished");
                app.handle_event(Event::Analysis(AnalysisMsg::Done { id, key, output }));
                assert!(app.analysis_output().is_none(), "a stale answer was shown");
            }
            AnalysisMsg::Done { id, key, output } => {
                assert!(saw_progress);
                assert!(matches!(output, Output::Diagnose(_)));
                app.handle_event(Event::Analysis(AnalysisMsg::Done { id, key, output }));
                break;
            }
            AnalysisMsg::Failed { message, .. } => panic!("{message}"),
            _ => {}
        }
    }
    assert!(matches!(
        app.analysis_output(),
        Some((Output::Diagnose(_), true))
    ));
}
