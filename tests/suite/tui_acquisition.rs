//! The dashboard's acquisition panel (issue 6): shown for a scenario with an acquisition
//! section, absent otherwise; snapshot of the stool scenario's dashboard.

use std::path::Path;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use cxsim::engine::RunSpec;
use cxsim::tui::{App, Event};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

fn render(app: &App, w: u16, h: u16) -> String {
    let mut term = Terminal::new(TestBackend::new(w, h)).expect("terminal");
    term.draw(|f| cxsim::tui::view::draw(f, app)).expect("draw");
    let buf = term.backend().buffer().clone();
    let mut out = String::new();
    for y in 0..buf.area.height {
        let mut line = String::new();
        for x in 0..buf.area.width {
            line.push_str(buf[(x, y)].symbol());
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn open(name: &str) -> App {
    // A relative path (tests run in the package root) keeps the header the same everywhere.
    let path = Path::new("scenarios").join(name);
    let mut app = cxsim::tui::open(Some(&path)).expect("opens");
    app.color = false;
    app.handle_event(Event::Key(KeyEvent::new(
        KeyCode::Char('4'),
        KeyModifiers::NONE,
    )));
    let model = cxsim::model::validate(app.scenario.clone()).expect("valid");
    app.set_results(cxsim::run::simulate(
        &model,
        &RunSpec::all_strategies(&model, 4096, 1),
    ));
    app
}

#[test]
fn dashboard_shows_the_acquisition_panel() {
    let app = open("b2b-saas-stool.ron");
    let big = render(&app, 120, 40);
    assert!(big.contains("Acquisition · baseline"), "{big}");
    assert!(big.contains("CAC · payback"), "{big}");
    insta::assert_snapshot!("dashboard_stool_120x40", big);
    // Too small for the panel: the triad chart keeps the space, nothing panics.
    let small = render(&app, 80, 24);
    assert!(!small.contains("Acquisition ·"), "{small}");
    let r = app.sim.results.as_ref().expect("results");
    let lines = cxsim::tui::acquisition::lines(r, 0);
    assert_eq!(lines.len(), 8);
    // The panel shows the run table's figures.
    let a = &r.acquisition.as_ref().expect("acquisition").strategies[0];
    let cac = cxsim::fmt::group_thousands(a.cac.expect("wins").round() as u64);
    assert!(lines[2].1.contains(&cac), "{:?} vs {cac}", lines[2]);
}

#[test]
fn no_panel_without_an_acquisition_section() {
    let app = open("b2b-saas.ron");
    let big = render(&app, 120, 40);
    assert!(!big.contains("Acquisition ·"), "{big}");
    let r = app.sim.results.as_ref().expect("results");
    assert!(cxsim::tui::acquisition::lines(r, 0).is_empty());
}
