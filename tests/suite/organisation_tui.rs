//! The studio's organisation panel (issue 7), rendered on a TestBackend.

use std::path::Path;

use cxsim::engine::RunSpec;
use cxsim::tui::app::Pane;
use cxsim::tui::org_panel::{gauge, sparkline};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

fn render(app: &cxsim::tui::App, w: u16, h: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(w, h)).expect("test backend");
    terminal
        .draw(|f| cxsim::tui::view::draw(f, app))
        .expect("draw");
    let buf = terminal.backend().buffer().clone();
    let mut out = String::new();
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            out.push_str(buf[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}

#[test]
fn gauges_and_sparklines() {
    assert_eq!(gauge(0.0, 4), "░░░░");
    assert_eq!(gauge(0.5, 4), "██░░");
    assert_eq!(gauge(1.0, 4), "████");
    assert_eq!(sparkline(&[0.0, 1.0], 10), "▁█");
    assert_eq!(sparkline(&[0.5; 100], 5).chars().count(), 5);
    assert_eq!(sparkline(&[], 5), "");
}

#[test]
fn the_dashboard_shows_the_organisation_of_the_selected_strategy() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/ecommerce-organisation.ron");
    let mut app = cxsim::tui::open(Some(&path)).expect("scenario opens");
    app.color = false;
    let model = cxsim::model::validate(app.scenario.clone()).expect("valid");
    app.set_results(cxsim::run::simulate(
        &model,
        &RunSpec::all_strategies(&model, 4096, 1),
    ));
    app.pane = Pane::Dashboard;
    let text = render(&app, 140, 50);
    for needle in [
        "Organisation: baseline",
        "execution",
        "leadership",
        "incentives",
        "engagement by team",
        "Customer care",
        "quality over the horizon",
        "care-contact",
    ] {
        assert!(text.contains(needle), "missing {needle:?} in\n{text}");
    }
    // Small terminals do not panic.
    let _ = render(&app, 80, 24);
    let _ = render(&app, 40, 12);
}

#[test]
fn the_plain_dashboard_has_no_organisation_panel() {
    let mut app = cxsim::tui::open(None).expect("builtin opens");
    app.color = false;
    let model = cxsim::model::validate(app.scenario.clone()).expect("valid");
    app.set_results(cxsim::run::simulate(
        &model,
        &RunSpec::all_strategies(&model, 4096, 1),
    ));
    app.pane = Pane::Dashboard;
    assert!(!render(&app, 120, 40).contains("Organisation"));
}
