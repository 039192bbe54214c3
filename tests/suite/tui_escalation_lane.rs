//! The escalation lane of the journey map (issue 6): the advocacy lifecycle drawn below the
//! stage lanes when the scenario has an advocacy section, absent (the map unchanged) otherwise;
//! every terminal size draws without panicking.

use std::path::Path;

use crate::common::tui::render;
use cxsim::engine::RunSpec;
use cxsim::tui::App;

fn open(name: &str) -> App {
    let path = Path::new("scenarios").join(name);
    let mut app = cxsim::tui::open(Some(&path)).expect("opens");
    app.color = false;
    app
}

fn with_results(app: &mut App) {
    let model = cxsim::model::validate(app.scenario.clone()).expect("valid");
    app.set_results(cxsim::run::simulate(
        &model,
        &RunSpec::all_strategies(&model, 4096, 1),
    ));
}

#[test]
fn the_map_shows_the_escalation_lifecycle_before_and_after_a_run() {
    let mut app = open("advocacy-enterprise.ron");
    let before = render(&app, 160, 40);
    assert!(before.contains("▌Escalation lifecycle"), "{before}");
    for card in [
        "who escalates",
        "1 response planning",
        "2 customer meeting",
        "3 get-well plan",
        "4 close-out / recur",
        "free trial",
    ] {
        assert!(before.contains(card), "{card}: {before}");
    }
    // The file's policies: strategic on the first unresolved incident, standard on the second.
    assert!(before.contains("strategic: 1st"), "{before}");
    assert!(before.contains("standard: 2nd, ≤1×"), "{before}");
    assert!(before.contains("sim: no results yet"), "{before}");
    // The stage lanes are still there above it.
    for stage in ["Purchase", "Exception", "Relationship"] {
        assert!(before.contains(stage), "{stage}: {before}");
    }
    insta::assert_snapshot!("map_advocacy_160x40", before);

    with_results(&mut app);
    let after = render(&app, 160, 40);
    let r = app.sim.results.as_ref().expect("results");
    let a = r.strategies[0].advocacy.as_ref().expect("advocacy results");
    assert!(after.contains("· sim: baseline"), "{after}");
    assert!(
        after.contains(&format!(
            "sim: closed {:.1}%",
            a.close_out_rate.mean * 100.0
        )),
        "{after}"
    );
    assert!(
        after.contains(&format!("sim: {:.3}/customer", a.escalations_per_customer)),
        "{after}"
    );
    // 80×24: one summary line.
    let small = render(&app, 80, 24);
    assert!(small.contains("▌Escalation  planning → meeting"), "{small}");
    assert!(!small.contains("who escalates"), "{small}");
}

#[test]
fn without_advocacy_the_map_has_no_escalation_lane() {
    let app = open("b2b-saas.ron");
    let shown = render(&app, 160, 40);
    assert!(!shown.contains("Escalation"), "{shown}");
}

#[test]
fn every_size_draws_without_panicking() {
    let mut app = open("advocacy-enterprise.ron");
    for pass in 0..2 {
        for w in [20u16, 40, 60, 79, 80, 100, 120, 160, 200] {
            for h in [5u16, 8, 12, 20, 24, 28, 40, 60] {
                let _ = render(&app, w, h);
            }
        }
        if pass == 0 {
            with_results(&mut app);
        }
    }
}
