//! The funnel lane of the journey map (issue 6): drawn above the stage lanes when the scenario
//! has an acquisition section, absent (the map unchanged) otherwise; every terminal size from
//! 20×5 to 200×60 draws without panicking, and NO_COLOR leaves the lane without colours.

use std::path::Path;

use crate::common::tui::{key, render};
use crossterm::event::KeyCode;
use cxsim::engine::RunSpec;
use cxsim::tui::App;
use cxsim::tui::layout::{LaneSize, funnel_split};
use cxsim::tui::view::funnel_lane;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::layout::Rect;
use ratatui::style::Color;

fn open(name: &str) -> App {
    // A relative path (tests run in the package root) keeps the header the same everywhere.
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

const SIZES_W: [u16; 9] = [20, 40, 60, 79, 80, 100, 120, 160, 200];
const SIZES_H: [u16; 11] = [5, 8, 12, 20, 23, 24, 25, 28, 29, 40, 60];

#[test]
fn the_map_shows_the_funnel_lane_before_and_after_a_run() {
    let mut app = open("b2b-saas-stool.ron");
    let before = render(&app, 120, 40);
    assert!(before.contains("▌Funnel (3 segments)"), "{before}");
    assert!(before.contains("funnel · smb"), "{before}");
    // 1200 leads × 35 % = 420 qualified × 20 % = 84 won.
    assert!(before.contains("leads 1,200/quarter"), "{before}");
    assert!(before.contains("→ qualified 420 (35%)"), "{before}");
    assert!(before.contains("→ won 84 (20%)"), "{before}");
    assert!(before.contains("cost 60/lead · 1,500/win"), "{before}");
    assert!(before.contains("sim: no results yet"), "{before}");
    // The stage lanes are still there below it.
    for stage in ["Purchase", "Exception", "Relationship"] {
        assert!(before.contains(stage), "{stage}: {before}");
    }
    insta::assert_snapshot!("map_stool_120x40", before);

    with_results(&mut app);
    let after = render(&app, 120, 40);
    let r = app.sim.results.as_ref().expect("results");
    let a = &r.acquisition.as_ref().expect("acquisition").strategies[0];
    assert!(after.contains("· sim: baseline"), "{after}");
    // The simulated CAC of the smb funnel, as the card prints it.
    let f = a
        .funnels
        .iter()
        .find(|f| f.segment == "smb")
        .expect("smb funnel");
    let cac = cxsim::fmt::group_thousands(f.cac.expect("wins").round() as u64);
    assert!(
        after.contains(&format!("sim: CAC {cac} USD")),
        "{cac}: {after}"
    );
    insta::assert_snapshot!("map_stool_results_120x40", after);

    // Wide enough for every card: three funnels and word of mouth.
    let wide = render(&app, 200, 60);
    assert!(wide.contains("word of mouth"), "{wide}");
    assert!(wide.contains("funnel · enterprise"), "{wide}");
    // 80×24: one summary line, the stage lanes keep the rest.
    let small = render(&app, 80, 24);
    assert!(small.contains("▌Funnel  smb 1,200→420→84"), "{small}");
    assert!(!small.contains("funnel · smb"), "{small}");
    insta::assert_snapshot!("map_stool_80x24", small);
}

#[test]
fn narrow_terminals_show_fewer_cards_and_say_so() {
    let app = open("b2b-saas-stool.ron");
    let text = render(&app, 80, 40);
    assert!(text.contains("3 of 4 cards shown"), "{text}");
}

#[test]
fn without_acquisition_the_map_is_unchanged() {
    let app = open("b2b-saas.ron");
    for (w, h) in [(80, 24), (120, 40), (200, 60)] {
        let text = render(&app, w, h);
        assert!(!text.contains("Funnel"), "{w}×{h}: {text}");
        let body = Rect::new(0, 2, w, h - 4);
        let (lane, rest) = funnel_split(&app, body);
        assert!(lane.is_none());
        assert_eq!(rest, body);
    }
    // The same file with its acquisition section removed draws the same stage lanes as
    // b2b-saas.ron (the stool file is b2b-saas.ron plus acquisition).
    let mut stool = open("b2b-saas-stool.ron");
    stool.scenario.acquisition = None;
    let body_rows = |s: String| s.lines().skip(2).take(36).collect::<Vec<_>>().join("\n");
    assert_eq!(
        body_rows(render(&stool, 120, 40)),
        body_rows(render(&app, 120, 40))
    );
}

#[test]
fn every_size_draws_without_panicking() {
    let mut app = open("b2b-saas-stool.ron");
    for results in [false, true] {
        if results {
            with_results(&mut app);
        }
        for w in SIZES_W {
            for h in SIZES_H {
                // The whole studio.
                let _ = render(&app, w, h);
                // The lane on its own, in an area of any size, both ways.
                for size in [LaneSize::Full, LaneSize::Compact] {
                    let mut t = Terminal::new(TestBackend::new(w, h)).expect("terminal");
                    t.draw(|f| {
                        let area = f.area();
                        funnel_lane::draw(
                            f,
                            &app,
                            area,
                            size,
                            cxsim::tui::theme::Theme { color: true },
                        )
                    })
                    .expect("draw");
                }
                // The split never hands out more rows than the body has.
                let body = Rect::new(0, 0, w, h);
                let (lane, rest) = funnel_split(&app, body);
                let used = lane.map_or(0, |(r, _)| r.height);
                assert_eq!(used + rest.height, h, "{w}×{h}");
            }
        }
    }
}

#[test]
fn no_color_leaves_the_lane_uncoloured() {
    let mut app = open("b2b-saas-stool.ron");
    with_results(&mut app);
    for color in [false, true] {
        app.color = color;
        let mut t = Terminal::new(TestBackend::new(120, 40)).expect("terminal");
        t.draw(|f| cxsim::tui::view::draw(f, &app)).expect("draw");
        let buf = t.backend().buffer().clone();
        // Rows 2..11: the lane (header and cards) under the title and tabs.
        let coloured = (2..11u16)
            .flat_map(|y| (0..120u16).map(move |x| (x, y)))
            .any(|(x, y)| buf[(x, y)].fg != Color::Reset || buf[(x, y)].bg != Color::Reset);
        assert_eq!(coloured, color, "color = {color}");
    }
}

/// Where `text` starts on the screen drawn at `w`×`h` (column, row), counted in cells.
fn find_on_screen(app: &App, w: u16, h: u16, text: &str) -> (u16, u16) {
    let screen = render(app, w, h);
    for (row, line) in screen.lines().enumerate() {
        if let Some(at) = line.find(text) {
            let col = line[..at].chars().count();
            return (col as u16, row as u16);
        }
    }
    panic!("{text:?} is not on the screen:\n{screen}");
}

fn click(app: &mut App, (column, row): (u16, u16)) {
    use crossterm::event::{KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
    app.handle_event(cxsim::tui::Event::Mouse(MouseEvent {
        kind: MouseEventKind::Down(MouseButton::Left),
        column,
        row,
        modifiers: KeyModifiers::NONE,
    }));
}

fn selected_path(app: &App) -> String {
    app.current_fields()[app.insp_field].path.clone()
}

#[test]
fn a_click_on_a_lane_card_opens_its_fields_in_the_inspector() {
    use cxsim::tui::app::Pane;
    let mut app = open("b2b-saas-stool.ron");
    with_results(&mut app);
    app.handle_event(cxsim::tui::Event::Resize(160, 50));
    let at = find_on_screen(&app, 160, 50, "funnel · mid-market");
    click(&mut app, at);
    assert_eq!(app.pane, Pane::InspForm);
    assert_eq!(selected_path(&app), "acquisition.funnels[1].segment");
    // Back on the map, the word-of-mouth card opens the base and word-of-mouth numbers.
    key(&mut app, KeyCode::Char('1'));
    assert_eq!(app.pane, Pane::Map);
    let (x, y) = find_on_screen(&app, 160, 50, "word of mouth");
    // Anywhere inside the card, not only its title.
    click(&mut app, (x + 2, y + 3));
    assert_eq!(selected_path(&app), "acquisition.initial_customers");

    // The escalation lane's cards open the advocacy programme's steps and policies.
    let mut adv = open("advocacy-enterprise.ron");
    with_results(&mut adv);
    adv.handle_event(cxsim::tui::Event::Resize(160, 50));
    for (title, path) in [
        ("3 get-well plan", "advocacy.get_well.duration"),
        ("who escalates", "advocacy.policies[0].segment"),
        ("2 customer meeting", "advocacy.meeting.probability"),
    ] {
        key(&mut adv, KeyCode::Char('1'));
        let at = find_on_screen(&adv, 160, 50, title);
        click(&mut adv, at);
        assert_eq!(adv.pane, Pane::InspForm, "{title}");
        assert_eq!(selected_path(&adv), path, "{title}");
    }
    // From the keyboard: E opens the advocacy programme's first field, F says there are no
    // funnels here; on the stool journey F opens the acquisition leg's first field.
    key(&mut adv, KeyCode::Char('1'));
    key(&mut adv, KeyCode::Char('E'));
    assert_eq!(adv.pane, Pane::InspForm);
    assert_eq!(selected_path(&adv), "advocacy.planning.probability");
    key(&mut adv, KeyCode::Char('1'));
    key(&mut adv, KeyCode::Char('F'));
    assert_eq!(adv.pane, Pane::Map);
    assert!(adv.status.contains("no acquisition leg"), "{}", adv.status);
    key(&mut app, KeyCode::Char('1'));
    key(&mut app, KeyCode::Char('F'));
    assert_eq!(selected_path(&app), "acquisition.initial_customers");
    // A click on a stage card still selects the touchpoint on the map.
    key(&mut adv, KeyCode::Char('1'));
    let at = find_on_screen(&adv, 160, 50, "Support case");
    click(&mut adv, at);
    assert_eq!(adv.pane, Pane::Map);
}
