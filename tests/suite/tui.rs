//! Journey studio: snapshots of every screen and key-driven behaviour, rendered with
//! ratatui's TestBackend from fixed results computed synchronously (no simulation timing).

use std::path::{Path, PathBuf};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use cxsim::engine::RunSpec;
use cxsim::format::{Emphasis, Strategy};
use cxsim::tui::app::{Dialog, Pane};
use cxsim::tui::{App, Event};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use crate::common::tui::{
    assert_problem_at, ctrl, go_to_field, key, open_form, render, retype, typed,
};

/// Simulates the app's scenario synchronously and installs the results.
fn with_results(app: &mut App) {
    let model = cxsim::model::validate(app.scenario.clone()).expect("valid scenario");
    let spec = RunSpec::all_strategies(&model, 8192, 1);
    let r = cxsim::run::simulate(&model, &spec);
    app.set_results(r);
}

/// The built-in example with two more strategies, fixed results, no colour.
fn studio() -> App {
    let mut app = cxsim::tui::open(None).expect("builtin opens");
    app.color = false;
    for (name, p, e, r) in [
        ("fix-purchase", 0.8, 0.1, 0.1),
        ("relationship", 0.1, 0.2, 0.7),
    ] {
        app.scenario.strategies.push(Strategy {
            name: name.into(),
            description: String::new(),
            budget: 4.0,
            emphasis: Emphasis {
                purchase: p,
                exception: e,
                relationship: r,
            },
            organisation: None,
            variants: Default::default(),
        });
    }
    app.saved = app.scenario.clone();
    app.scenario_changed();
    with_results(&mut app);
    app
}

fn fixture() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("journey.ron");
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/benchmark-triad.ron"),
        &path,
    )
    .expect("copy fixture");
    (dir, path)
}

fn open_fixture(path: &Path) -> App {
    let mut app = cxsim::tui::open(Some(path)).expect("fixture opens");
    app.color = false;
    app
}

// ------------------------------------------------------------------ snapshots

#[test]
fn snapshot_every_screen_at_two_sizes() {
    for (w, h) in [(80u16, 24u16), (120, 40)] {
        let mut app = studio();
        for (k, name) in ["map", "inspector", "strategies", "dashboard"]
            .iter()
            .enumerate()
        {
            key(&mut app, KeyCode::Char(char::from(b'1' + k as u8)));
            with_results(&mut app);
            insta::assert_snapshot!(format!("{name}_{w}x{h}"), render(&app, w, h));
        }
        // The inspector's field form with a touchpoint selected from the map.
        key(&mut app, KeyCode::Char('1'));
        key(&mut app, KeyCode::Enter);
        insta::assert_snapshot!(format!("inspector_form_{w}x{h}"), render(&app, w, h));
    }
}

#[test]
fn tiny_sizes_do_not_panic_and_ask_to_enlarge() {
    let mut app = studio();
    for screen in ['1', '2', '3', '4'] {
        key(&mut app, KeyCode::Char(screen));
        for (w, h) in [
            (0, 0),
            (1, 1),
            (20, 5),
            (79, 24),
            (80, 23),
            (3, 40),
            (200, 2),
        ] {
            let _ = render(&app, w, h);
        }
    }
    insta::assert_snapshot!("tiny_20x5", render(&app, 20, 5));
    assert!(render(&app, 79, 24).contains("enlarge"));
}

#[test]
fn snapshot_help_and_quit_dialog() {
    let mut app = studio();
    key(&mut app, KeyCode::Char('?'));
    assert!(app.help);
    insta::assert_snapshot!("help_80x24", render(&app, 80, 24));
    key(&mut app, KeyCode::Char('x'));
    assert!(!app.help);
    // Make a change, then q on the map asks.
    key(&mut app, KeyCode::Char('>'));
    assert!(app.dirty());
    key(&mut app, KeyCode::Char('q'));
    assert_eq!(app.dialog, Some(Dialog::Quit));
    insta::assert_snapshot!("quit_dialog_80x24", render(&app, 80, 24));
}

#[test]
fn help_lists_every_binding_from_the_key_table() {
    let mut app = studio();
    key(&mut app, KeyCode::Char('?'));
    let mut seen = 0;
    // Scroll through the overlay and collect its text.
    let mut text = String::new();
    for _ in 0..120 {
        text.push_str(&render(&app, 120, 40));
        key(&mut app, KeyCode::Down);
    }
    for b in cxsim::tui::keys::KEYS {
        assert!(text.contains(b.desc), "help misses {:?}", b.desc);
        seen += 1;
    }
    assert!(seen > 40);
}

#[test]
fn no_color_renders_without_any_colour() {
    let mut app = studio();
    key(&mut app, KeyCode::Char('4'));
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).expect("backend");
    terminal
        .draw(|f| cxsim::tui::view::draw(f, &app))
        .expect("draw");
    let buf = terminal.backend().buffer();
    for cell in buf.content() {
        assert_eq!(cell.fg, ratatui::style::Color::Reset);
        assert_eq!(cell.bg, ratatui::style::Color::Reset);
    }
}

#[test]
fn map_cards_show_channel_owner_quality_heat_and_follow_ons() {
    let app = studio();
    let text = render(&app, 120, 40);
    for needle in [
        "Purchase",
        "Exception",
        "Relationship",
        "Parcel delivery",
        "Courier",
        "Fulfilment",
        "q 0.90",
        "→ delay-notice",
        "churn",
    ] {
        assert!(text.contains(needle), "map misses {needle}:\n{text}");
    }
    // Heat is text and symbol, never colour alone.
    assert!(text.contains("● churn") || text.contains("◐ churn") || text.contains("○ churn"));
}

// ------------------------------------------------------------------ editing

#[test]
fn add_touchpoint_edit_probability_out_of_range_save_and_reload() {
    let (_dir, path) = fixture();
    let mut app = open_fixture(&path);
    assert!(app.had_comments, "the fixture has a header comment");
    // Add a touchpoint in the Exception lane through the map.
    key(&mut app, KeyCode::Down);
    assert_eq!(app.map_lane, 1);
    typed(&mut app, "a");
    assert_eq!(app.scenario.touchpoints.len(), 4);
    let new = app
        .scenario
        .touchpoints
        .iter()
        .position(|t| t.id == "new-touchpoint")
        .expect("added");
    // Edit it in the form: rename.
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.pane, Pane::InspForm);
    key(&mut app, KeyCode::Down); // Name
    key(&mut app, KeyCode::Enter);
    for _ in 0..20 {
        key(&mut app, KeyCode::Backspace);
    }
    typed(&mut app, "Refund desk");
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.scenario.touchpoints[new].name, "Refund desk");
    // Change its quality (a probability): go to the Quality field.
    let fields = app.current_fields();
    let q = fields
        .iter()
        .position(|f| f.label == "Quality")
        .expect("quality field");
    while app.insp_field < q {
        key(&mut app, KeyCode::Down);
    }
    key(&mut app, KeyCode::Enter);
    for _ in 0..10 {
        key(&mut app, KeyCode::Backspace);
    }
    typed(&mut app, "0.75");
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.scenario.touchpoints[new].quality, 0.75);
    // An out-of-range value: the live check shows validate's message while typing …
    key(&mut app, KeyCode::Enter);
    for _ in 0..10 {
        key(&mut app, KeyCode::Backspace);
    }
    typed(&mut app, "1.5");
    let live = render(&app, 120, 40);
    assert!(
        live.contains("expected a probability between 0 and 1, found 1.5"),
        "{live}"
    );
    // … and accepting it shows the problem inline, with the same text and hint as validate.
    key(&mut app, KeyCode::Enter);
    let p = app
        .problems
        .iter()
        .find(|p| p.path == format!("touchpoints[{new}].quality"))
        .expect("problem at the quality path");
    let shown = render(&app, 120, 40);
    assert!(shown.contains(&format!("✗ {}", p.message)), "{shown}");
    assert!(shown.contains(&p.hint), "{shown}");
    assert!(shown.contains("simulation paused"));
    // The same message `cxsim validate` prints.
    let text = cxsim::format::parse::to_canonical_ron(&app.scenario);
    let err = cxsim::model::load::load_str(Path::new("x.ron"), &text).expect_err("invalid");
    assert!(err.to_string().contains(&p.message));
    // Not a number is refused and the editor stays open.
    key(&mut app, KeyCode::Enter);
    for _ in 0..10 {
        key(&mut app, KeyCode::Backspace);
    }
    typed(&mut app, "abc");
    key(&mut app, KeyCode::Enter);
    assert!(app.editor.is_some());
    assert!(render(&app, 120, 40).contains("is not a number"));
    key(&mut app, KeyCode::Esc);
    assert!(app.editor.is_none());
    // Fix it and save.
    key(&mut app, KeyCode::Enter);
    for _ in 0..10 {
        key(&mut app, KeyCode::Backspace);
    }
    typed(&mut app, "0.8");
    key(&mut app, KeyCode::Enter);
    assert!(app.problems.is_empty(), "{:?}", app.problems);
    assert!(app.dirty());
    assert!(render(&app, 80, 24).contains("*"));
    let original = std::fs::read_to_string(&path).expect("read");
    ctrl(&mut app, 's');
    // The fixture has comments: warned once.
    assert!(matches!(app.dialog, Some(Dialog::CommentsWarning { .. })));
    assert!(render(&app, 80, 24).contains("notes"));
    key(&mut app, KeyCode::Char('y'));
    assert!(!app.dirty(), "status: {}", app.status);
    let bak = std::fs::read_to_string(format!("{}.bak", path.display())).expect("bak");
    assert_eq!(bak, original);
    let reloaded = cxsim::model::load::load_file(&path).expect("saved file is valid");
    assert_eq!(reloaded.scenario, app.scenario);
    // A second save does not warn again.
    key(&mut app, KeyCode::Char('u'));
    ctrl(&mut app, 'y');
    typed(&mut app, "1>");
    ctrl(&mut app, 's');
    assert!(app.dialog.is_none());
    assert!(!app.dirty());
}

#[test]
fn undo_redo_round_trip() {
    let (_dir, path) = fixture();
    let mut app = open_fixture(&path);
    let s0 = app.scenario.clone();
    typed(&mut app, "a"); // add
    let s1 = app.scenario.clone();
    typed(&mut app, ">"); // move stage
    let s2 = app.scenario.clone();
    typed(&mut app, "d"); // duplicate
    let s3 = app.scenario.clone();
    assert_ne!(s0, s1);
    assert_ne!(s1, s2);
    assert_ne!(s2, s3);
    ctrl(&mut app, 'z');
    assert_eq!(app.scenario, s2);
    typed(&mut app, "u");
    assert_eq!(app.scenario, s1);
    typed(&mut app, "u");
    assert_eq!(app.scenario, s0);
    assert!(!app.dirty());
    typed(&mut app, "u"); // nothing more
    assert_eq!(app.scenario, s0);
    ctrl(&mut app, 'y');
    assert_eq!(app.scenario, s1);
    typed(&mut app, "UU");
    assert_eq!(app.scenario, s3);
    // A new edit clears redo.
    typed(&mut app, "uu");
    typed(&mut app, "<");
    typed(&mut app, "U");
    assert_ne!(app.scenario, s3);
}

#[test]
fn delete_asks_and_pick_lists_cycle() {
    let (_dir, path) = fixture();
    let mut app = open_fixture(&path);
    typed(&mut app, "x");
    assert!(matches!(app.dialog, Some(Dialog::ConfirmDelete(_))));
    key(&mut app, KeyCode::Esc);
    assert_eq!(app.scenario.touchpoints.len(), 3);
    typed(&mut app, "x");
    typed(&mut app, "y");
    assert_eq!(app.scenario.touchpoints.len(), 2);
    // Deleting delivery leaves complaint OnIncident with nothing opening incidents.
    assert!(!app.problems.is_empty());
    typed(&mut app, "u");
    assert!(app.problems.is_empty());
    // Trigger pick-list of complaint → After, then its reference list holds existing ids.
    key(&mut app, KeyCode::Down); // exception lane
    key(&mut app, KeyCode::Enter);
    let t = app
        .current_fields()
        .iter()
        .position(|f| f.label == "Trigger")
        .expect("trigger");
    while app.insp_field < t {
        key(&mut app, KeyCode::Down);
    }
    key(&mut app, KeyCode::Right); // OnIncident → After
    assert!(matches!(
        app.scenario.touchpoints[1].trigger,
        cxsim::format::Trigger::After { .. }
    ));
    key(&mut app, KeyCode::Down); // After touchpoint
    let before = format!("{:?}", app.scenario.touchpoints[1].trigger);
    key(&mut app, KeyCode::Right);
    assert_ne!(before, format!("{:?}", app.scenario.touchpoints[1].trigger));
    let text = render(&app, 120, 40);
    assert!(text.contains("After touchpoint"), "{text}");
}

#[test]
fn strategy_sliders_stay_at_100_percent() {
    let mut app = studio();
    typed(&mut app, "3");
    assert_eq!(app.pane, Pane::Strategies);
    for _ in 0..7 {
        key(&mut app, KeyCode::Right);
    }
    typed(&mut app, "L");
    assert!((app.scenario.strategies[0].emphasis.purchase - 0.51).abs() < 1e-9);
    // The other two were rescaled proportionally (they were equal, so they stay equal).
    let e = app.scenario.strategies[0].emphasis;
    assert!((e.exception - e.relationship).abs() < 0.011);
    key(&mut app, KeyCode::Down);
    key(&mut app, KeyCode::Left);
    for s in &app.scenario.strategies {
        let e = s.emphasis;
        assert!((e.purchase + e.exception + e.relationship - 1.0).abs() < 1e-9);
    }
    assert!(app.problems.is_empty());
    // Type a value in percent.
    key(&mut app, KeyCode::Enter);
    for _ in 0..10 {
        key(&mut app, KeyCode::Backspace);
    }
    typed(&mut app, "50");
    key(&mut app, KeyCode::Enter);
    assert!((app.scenario.strategies[0].emphasis.exception - 0.5).abs() < 1e-9);
    // Budget.
    key(&mut app, KeyCode::Down);
    key(&mut app, KeyCode::Down);
    key(&mut app, KeyCode::Right);
    assert_eq!(app.scenario.strategies[0].budget, 0.5);
    // Add, rename, duplicate, delete.
    let n = app.scenario.strategies.len();
    typed(&mut app, "a");
    assert_eq!(app.scenario.strategies.len(), n + 1);
    typed(&mut app, "r");
    for _ in 0..30 {
        key(&mut app, KeyCode::Backspace);
    }
    typed(&mut app, "bold");
    key(&mut app, KeyCode::Enter);
    assert!(app.scenario.strategies.iter().any(|s| s.name == "bold"));
    typed(&mut app, "d");
    assert!(
        app.scenario
            .strategies
            .iter()
            .any(|s| s.name == "bold-copy")
    );
    typed(&mut app, "xy");
    assert_eq!(app.scenario.strategies.len(), n + 1);
}

#[test]
fn quit_with_unsaved_changes_prompts() {
    let (_dir, path) = fixture();
    let mut app = open_fixture(&path);
    typed(&mut app, "q");
    assert!(app.should_quit, "clean quits at once");
    let mut app = open_fixture(&path);
    typed(&mut app, "a");
    typed(&mut app, "q");
    assert_eq!(app.dialog, Some(Dialog::Quit));
    key(&mut app, KeyCode::Esc);
    assert!(app.dialog.is_none() && !app.should_quit);
    typed(&mut app, "q");
    typed(&mut app, "d");
    assert!(app.should_quit);
    // Save-and-quit path: the comment warning comes first, then it saves and quits.
    let mut app = open_fixture(&path);
    typed(&mut app, "a");
    typed(&mut app, "q");
    typed(&mut app, "s");
    assert!(matches!(
        app.dialog,
        Some(Dialog::CommentsWarning { then_quit: true })
    ));
    typed(&mut app, "y");
    assert!(app.should_quit);
    assert_eq!(
        cxsim::model::load::load_file(&path)
            .expect("saved")
            .scenario,
        app.scenario
    );
}

#[test]
fn file_changed_on_disk_offers_reload_and_recovery_round_trip() {
    let (_dir, path) = fixture();
    let mut app = open_fixture(&path);
    typed(&mut app, "a");
    std::thread::sleep(std::time::Duration::from_millis(20));
    let mut other = cxsim::model::load::load_file(&path).expect("load").scenario;
    other.name = "Changed elsewhere".into();
    std::fs::write(&path, cxsim::format::parse::to_canonical_ron(&other)).expect("write");
    // Make sure the mtime differs even on coarse filesystems.
    let f = std::fs::File::options()
        .write(true)
        .open(&path)
        .expect("open");
    f.set_modified(std::time::SystemTime::now() + std::time::Duration::from_secs(5))
        .expect("mtime");
    drop(f);
    app.handle_event(Event::Tick);
    assert_eq!(app.dialog, Some(Dialog::Reload));
    typed(&mut app, "r");
    assert_eq!(app.scenario.name, "Changed elsewhere");
    typed(&mut app, "u");
    assert_ne!(app.scenario.name, "Changed elsewhere");
    // Recovery: unsaved work written on a signal is offered at the next start.
    let rec = app.write_recovery().expect("dirty work written");
    assert_eq!(
        rec,
        PathBuf::from(format!("{}.recovery.ron", path.display()))
    );
    let mut next = open_fixture(&path);
    next.offer_recovery();
    assert!(matches!(next.dialog, Some(Dialog::Recovery { .. })));
    typed(&mut next, "r");
    assert_eq!(next.scenario, app.scenario);
    assert!(next.dirty());
    // Saving removes the recovery file.
    ctrl(&mut next, 's');
    typed(&mut next, "y");
    assert!(!rec.exists());
}

#[test]
fn missing_file_is_created_from_template() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("fresh.ron");
    let app = open_fixture(&path);
    assert!(path.exists());
    assert_eq!(app.scenario.name, "fresh");
    assert!(app.problems.is_empty());
    assert!(!app.had_comments);
}

#[test]
fn builtin_example_save_asks_for_a_name() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut app = studio();
    ctrl(&mut app, 's');
    assert!(app.editor.is_some());
    assert!(render(&app, 80, 24).contains("Save as"));
    for _ in 0..20 {
        key(&mut app, KeyCode::Backspace);
    }
    let target = dir.path().join("mine.ron");
    typed(&mut app, &target.display().to_string());
    key(&mut app, KeyCode::Enter);
    assert!(!app.dirty());
    assert_eq!(
        cxsim::model::load::load_file(&target)
            .expect("saved")
            .scenario,
        app.scenario
    );
}

#[test]
fn tabs_and_clicks_switch_and_select() {
    use crossterm::event::{MouseButton, MouseEvent, MouseEventKind};
    let mut app = studio();
    app.handle_event(Event::Resize(120, 40));
    let click = |x, y| {
        Event::Mouse(MouseEvent {
            kind: MouseEventKind::Down(MouseButton::Left),
            column: x,
            row: y,
            modifiers: KeyModifiers::NONE,
        })
    };
    let tabs = cxsim::tui::layout::tab_spans(ratatui::layout::Rect::new(0, 1, 120, 1));
    app.handle_event(click(tabs[3].1 + 1, 1));
    assert_eq!(app.pane, Pane::Dashboard);
    app.handle_event(click(tabs[0].1 + 1, 1));
    assert_eq!(app.pane, Pane::Map);
    // Click the card in the Relationship lane.
    let body = cxsim::tui::layout::regions(ratatui::layout::Rect::new(0, 0, 120, 40)).body;
    let cards = cxsim::tui::layout::map_cards(&app, body);
    let (lane, _, rect) = cards.iter().find(|c| c.0 == 2).copied().expect("card");
    app.handle_event(click(rect.x + 2, rect.y + 2));
    assert_eq!(app.map_lane, lane);
    // The first Relationship card of the built-in e-commerce journey is `newsletter` (index 6).
    assert_eq!(app.selected_touchpoint(), Some(6));
    // Tab cycles panes across screens.
    for expect in [
        Pane::InspList,
        Pane::InspForm,
        Pane::Strategies,
        Pane::Dashboard,
        Pane::Analysis,
        Pane::Map,
    ] {
        key(&mut app, KeyCode::Tab);
        assert_eq!(app.pane, expect);
    }
}

#[test]
fn stale_worker_results_are_dropped() {
    use cxsim::tui::worker::{Phase, WorkerMsg};
    let mut app = studio();
    let before = app.sim.results.clone();
    let gen_now = app.generation;
    let mut other = before.clone().expect("results");
    other.seed = 999;
    app.handle_event(Event::Worker(WorkerMsg::Done {
        generation: gen_now - 1,
        phase: Phase::Full,
        results: Box::new(other.clone()),
    }));
    assert_eq!(app.sim.results, before, "stale result dropped");
    app.handle_event(Event::Worker(WorkerMsg::Done {
        generation: gen_now,
        phase: Phase::Full,
        results: Box::new(other),
    }));
    assert_eq!(app.sim.results.as_ref().map(|r| r.seed), Some(999));
    app.handle_event(Event::Worker(WorkerMsg::Failed {
        generation: gen_now,
        message: "the simulation crashed: boom".into(),
    }));
    assert!(render(&app, 120, 40).contains("boom"));
}

#[test]
fn customers_and_seed_are_visible_and_changeable() {
    let mut app = studio();
    assert!(render(&app, 80, 24).contains("n 200,000 · seed 1"));
    typed(&mut app, "+S");
    let req = app.take_request().expect("new run requested");
    assert_eq!(req.customers, 400_000);
    assert_eq!(req.seed, 2);
    assert_eq!(req.generation, app.generation);
    typed(&mut app, "--");
    assert!(render(&app, 80, 24).contains("n 100,000 · seed 2"));
}

#[test]
fn key_table_has_no_conflicts_and_drives_the_hint_bar() {
    use cxsim::tui::keys::{Ctx, HELP_ORDER, KEYS, hints, lookup};
    for ctx in HELP_ORDER {
        let mut seen = Vec::new();
        for b in KEYS.iter().filter(|b| b.ctx == ctx) {
            for k in b.keys {
                assert!(!seen.contains(k), "{k:?} bound twice in {ctx:?}");
                seen.push(*k);
                // Dispatch finds exactly this binding's command.
                let ev = KeyEvent::new(k.0, k.1);
                assert_eq!(lookup(ctx, &ev), Some(b.cmd), "{k:?} in {ctx:?}");
            }
        }
    }
    let app = studio();
    let text = render(&app, 200, 30);
    let bar = text.lines().last().expect("hint bar");
    for (label, hint) in hints(Ctx::Map) {
        assert!(bar.contains(&format!("{label} {hint}")), "{bar}");
    }
}

#[test]
fn comments_are_detected_outside_strings_only() {
    use cxsim::tui::files::has_comments;
    assert!(has_comments("// header\nScenario()"));
    assert!(has_comments("Scenario(/* x */)"));
    assert!(!has_comments(
        "Scenario(notes: \"see https://example.com\")"
    ));
    assert!(!has_comments("Scenario(notes: \"a \\\" // quoted\")"));
    assert!(has_comments("Scenario(notes: \"url\") // trailing"));
}

#[test]
fn an_invalid_file_opens_with_its_problems_shown() {
    let (_dir, path) = fixture();
    let text = std::fs::read_to_string(&path).expect("read");
    std::fs::write(&path, text.replace("quality: 0.92", "quality: 92.0")).expect("write");
    let mut app = open_fixture(&path);
    assert_eq!(app.problems.len(), 1);
    assert!(
        app.take_request().is_none(),
        "no simulation of an invalid scenario"
    );
    let map = render(&app, 100, 30);
    assert!(map.contains("✗ delivery"), "{map}");
    assert!(map.contains("simulation paused"));
    typed(&mut app, "2");
    let insp = render(&app, 120, 40);
    assert!(insp.contains("✗ Delivery [P]"), "{insp}");
}

#[test]
fn text_fields_have_a_movable_cursor() {
    let mut app = studio();
    ctrl(&mut app, 's');
    let buffer = |app: &App| app.editor.as_ref().map(|e| e.buffer.clone());
    assert_eq!(buffer(&app).as_deref(), Some("journey.ron"));
    // The cursor starts at the end and is drawn where it is.
    assert!(render(&app, 80, 24).contains("journey.ron▏"));
    key(&mut app, KeyCode::Home);
    typed(&mut app, "my-");
    assert_eq!(buffer(&app).as_deref(), Some("my-journey.ron"));
    assert!(render(&app, 80, 24).contains("my-▏journey.ron"));
    key(&mut app, KeyCode::End);
    for _ in 0..4 {
        key(&mut app, KeyCode::Left);
    }
    typed(&mut app, "2");
    assert_eq!(buffer(&app).as_deref(), Some("my-journey2.ron"));
    // Del removes the character under the cursor, Backspace the one before it.
    key(&mut app, KeyCode::Delete);
    assert_eq!(buffer(&app).as_deref(), Some("my-journey2ron"));
    key(&mut app, KeyCode::Backspace);
    assert_eq!(buffer(&app).as_deref(), Some("my-journeyron"));
    // Emacs-style ^A / ^E, and the cursor never leaves the text.
    ctrl(&mut app, 'a');
    key(&mut app, KeyCode::Left);
    key(&mut app, KeyCode::Backspace);
    typed(&mut app, "x");
    assert_eq!(buffer(&app).as_deref(), Some("xmy-journeyron"));
    ctrl(&mut app, 'e');
    key(&mut app, KeyCode::Right);
    key(&mut app, KeyCode::Delete);
    typed(&mut app, "é");
    key(&mut app, KeyCode::Left);
    typed(&mut app, "ü");
    assert_eq!(buffer(&app).as_deref(), Some("xmy-journeyronüé"));
    key(&mut app, KeyCode::Esc);
    assert!(app.editor.is_none());
}

#[test]
fn objects_move_earlier_and_later_in_the_inspector_list() {
    use cxsim::tui::fields::Obj;
    let mut app = studio();
    app.pane = Pane::InspList;
    let names = |app: &App| -> Vec<String> {
        app.scenario
            .strategies
            .iter()
            .map(|s| s.name.clone())
            .collect()
    };
    let before = names(&app);
    assert!(before.len() >= 2, "the studio has several strategies");
    app.insp_obj = app
        .objects()
        .iter()
        .position(|o| *o == Obj::Strategy(0))
        .expect("first strategy listed");
    // Earlier than the first: nothing happens.
    typed(&mut app, "K");
    assert_eq!(names(&app), before);
    typed(&mut app, "J");
    let mut swapped = before.clone();
    swapped.swap(0, 1);
    assert_eq!(names(&app), swapped);
    // The selection follows the moved strategy.
    assert_eq!(app.current_obj(), Obj::Strategy(1));
    typed(&mut app, "K");
    assert_eq!(names(&app), before);
    // Touchpoints move too, and undo restores the order.
    let t0 = app.scenario.touchpoints[0].id.clone();
    app.insp_obj = app
        .objects()
        .iter()
        .position(|o| *o == Obj::Touchpoint(0))
        .expect("first touchpoint listed");
    typed(&mut app, "J");
    assert_eq!(app.scenario.touchpoints[1].id, t0);
    assert_eq!(app.current_obj(), Obj::Touchpoint(1));
    typed(&mut app, "u");
    assert_eq!(app.scenario.touchpoints[0].id, t0);
}

#[test]
fn the_advocacy_programme_is_edited_in_the_scenario_settings() {
    use cxsim::tui::fields::Obj;
    let mut app = open_fixture(Path::new("scenarios/advocacy-enterprise.ron"));
    open_form(&mut app, Obj::Settings);
    assert_eq!(app.pane, Pane::InspForm);
    let labels: Vec<String> = app
        .current_fields()
        .iter()
        .map(|f| f.label.clone())
        .collect();
    for l in [
        "Esc. meeting success",
        "Senior mgmt share",
        "Get-well success",
        "Trial days",
    ] {
        assert!(labels.iter().any(|x| x == l), "{l} missing from {labels:?}");
    }
    go_to_field(&mut app, "Get-well success");
    let form = render(&app, 120, 40);
    assert!(form.contains("Get-well success"), "{form}");
    // A valid value lands in the scenario …
    retype(&mut app, "0.85");
    let plan = |app: &App| {
        app.scenario
            .advocacy
            .as_ref()
            .map(|a| a.get_well.probability)
    };
    assert_eq!(plan(&app), Some(0.85));
    // … an out-of-range one shows validate's message at validate's path …
    retype(&mut app, "1.5");
    assert_problem_at(&app, "advocacy.get_well.probability");
    // … and undo brings the file's value back.
    ctrl(&mut app, 'z');
    ctrl(&mut app, 'z');
    assert_eq!(plan(&app), Some(0.7));
    assert!(app.problems.is_empty(), "{:?}", app.problems);
    // A pick-list: reopening on a related incident.
    go_to_field(&mut app, "Reopen on related");
    key(&mut app, KeyCode::Right);
    let reopen = app
        .scenario
        .advocacy
        .as_ref()
        .map(|a| a.get_well.reopen_on_related);
    assert_eq!(reopen, Some(false));
}

#[test]
fn scenarios_without_advocacy_have_no_advocacy_fields() {
    let app = studio();
    let fields = cxsim::tui::fields::fields(&app.scenario, cxsim::tui::fields::Obj::Settings);
    assert!(fields.iter().all(|f| !f.path.starts_with("advocacy")));
}

#[test]
fn a_segments_accounts_are_edited_in_its_form() {
    use cxsim::format::accounts::Health;
    use cxsim::tui::fields::Obj;
    let mut app = open_fixture(Path::new("scenarios/b2b-saas-whole-customer.ron"));
    let seg = app
        .scenario
        .segments
        .iter()
        .position(|g| g.accounts.as_ref().is_some_and(|a| a.contacts.len() >= 2))
        .expect("a segment with several roles");
    open_form(&mut app, Obj::Segment(seg));
    let fields = app.current_fields();
    let role = app.scenario.segments[seg]
        .accounts
        .as_ref()
        .map(|a| a.contacts[1].role.clone())
        .expect("accounts");
    assert!(fields.iter().any(|f| f.label == format!("{role} weight")));
    // The health rule cycles Mean → Weakest → Mix(0.5), and λ is then editable.
    go_to_field(&mut app, "Account health");
    let health = |app: &App| {
        app.scenario.segments[seg]
            .accounts
            .as_ref()
            .map(|a| a.health)
    };
    while health(&app) != Some(Health::Weakest) {
        key(&mut app, KeyCode::Right);
    }
    key(&mut app, KeyCode::Right);
    assert_eq!(health(&app), Some(Health::Mix(0.5)));
    go_to_field(&mut app, "Health mix λ");
    retype(&mut app, "0.25");
    assert_eq!(health(&app), Some(Health::Mix(0.25)));
    // Setting λ under another rule selects Mix.
    go_to_field(&mut app, "Account health");
    while health(&app) != Some(Health::Mean) {
        key(&mut app, KeyCode::Right);
    }
    go_to_field(&mut app, "Health mix λ");
    retype(&mut app, "0.4");
    assert_eq!(health(&app), Some(Health::Mix(0.4)));
    // A negative weight is refused by validate at the role's path.
    go_to_field(&mut app, &format!("{role} weight"));
    retype(&mut app, "-1");
    assert_problem_at(
        &app,
        &format!("segments[{seg}].accounts.contacts[1].weight"),
    );
    assert!(render(&app, 120, 40).contains("simulation paused"));
}

#[test]
fn the_acquisition_leg_is_edited_in_the_scenario_settings() {
    use cxsim::tui::fields::Obj;
    let mut app = open_fixture(Path::new("scenarios/b2b-saas-stool.ron"));
    open_form(&mut app, Obj::Settings);
    assert_eq!(app.current_obj(), Obj::Settings);
    let funnel = app
        .scenario
        .acquisition
        .as_ref()
        .map(|a| a.funnels[0].segment.clone())
        .expect("funnels");
    go_to_field(&mut app, &format!("{funnel} won"));
    retype(&mut app, "0.3");
    let won = |app: &App| {
        app.scenario
            .acquisition
            .as_ref()
            .map(|a| a.funnels[0].conversion_rate)
    };
    assert_eq!(won(&app), Some(0.3));
    retype(&mut app, "2");
    assert_problem_at(&app, "acquisition.funnels[0].conversion_rate");
}

/// `g` on the dashboard shows one segment's customers (retention chart, metrics, paired ΔNPV,
/// churn causes), then the next, then all again.
#[test]
fn the_dashboard_shows_one_segment_at_a_time() {
    let mut app = studio();
    key(&mut app, KeyCode::Char('4'));
    let ids: Vec<String> = app.scenario.segments.iter().map(|g| g.id.clone()).collect();
    assert!(ids.len() > 1, "the built-in journey has segments");
    let whole = render(&app, 140, 45);
    assert!(!whole.contains("— segment"), "{whole}");
    key(&mut app, KeyCode::Char('g'));
    assert_eq!(app.dash_segment, Some(0));
    let text = render(&app, 140, 45);
    assert!(text.contains(&format!("— segment {}", ids[0])), "{text}");
    // The metrics row is the segment's NPV, not the whole's.
    let r = app.sim.results.as_ref().expect("results");
    let g = &r.strategies[0].segments[0];
    let npv = format!(
        "{:.1} ±{:.1}",
        g.npv_per_customer.mean,
        g.npv_per_customer.hi - g.npv_per_customer.mean
    );
    assert!(text.contains(&npv), "segment NPV {npv} not shown:\n{text}");
    for _ in 1..ids.len() {
        key(&mut app, KeyCode::Char('g'));
    }
    assert_eq!(app.dash_segment, Some(ids.len() - 1));
    key(&mut app, KeyCode::Char('g'));
    assert_eq!(app.dash_segment, None);
    // Back to all customers: the same screen, but for the status line saying so.
    let again = render(&app, 140, 45);
    assert!(again.contains("dashboard: all customers"), "{again}");
    let without_status = |t: &str| -> Vec<String> {
        let lines: Vec<String> = t.lines().map(str::to_string).collect();
        let n = lines.len();
        lines
            .into_iter()
            .enumerate()
            .filter(|(k, _)| *k + 2 != n)
            .map(|(_, l)| l)
            .collect()
    };
    assert_eq!(without_status(&again), without_status(&whole));
}
