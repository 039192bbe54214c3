//! The dashboard's accounts panel (issue 6, the whole customer): shown for a scenario with
//! accounts, absent otherwise; snapshot of the whole-customer scenario's dashboard.

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
fn dashboard_shows_the_accounts_panel() {
    let app = open("b2b-saas-whole-customer.ron");
    let big = render(&app, 120, 40);
    assert!(big.contains("Accounts · baseline"), "{big}");
    assert!(big.contains("weakest at loss"), "{big}");
    insta::assert_snapshot!("dashboard_whole_customer_120x40", big);
    // Too small for the panel: the triad chart keeps the space, nothing panics.
    let small = render(&app, 80, 24);
    assert!(!small.contains("Accounts ·"), "{small}");
    let r = app.sim.results.as_ref().expect("results");
    let lines = cxsim::tui::accounts::lines(r, 0);
    assert_eq!(lines.len(), 8);
    // The panel shows the run table's figures.
    let a = r.strategies[0].accounts.as_ref().expect("accounts");
    let kept = format!("{:.1}%", 100.0 * a.retention.last().expect("curve").mean);
    assert!(lines[0].1.starts_with(&kept), "{:?} vs {kept}", lines[0]);
}

#[test]
fn no_accounts_panel_without_accounts() {
    let app = open("b2b-saas.ron");
    let big = render(&app, 120, 40);
    assert!(!big.contains("Accounts ·"), "{big}");
    let r = app.sim.results.as_ref().expect("results");
    assert!(cxsim::tui::accounts::lines(r, 0).is_empty());
}
