//! Funnels, contact roles and escalation policies are added, renamed and removed from the
//! inspector form with key presses (`a`, `x` then `y`), checked on the scenario, on validation
//! and on the screen.

use std::path::Path;

use crate::common::tui::{assert_problem_at, go_to_field, key, open_form, render, retype};
use crossterm::event::KeyCode;
use cxsim::tui::App;
use cxsim::tui::app::Dialog;
use cxsim::tui::fields::Obj;

fn open(name: &str) -> App {
    let path = Path::new("scenarios").join(name);
    let mut app = cxsim::tui::open(Some(&path)).expect("opens");
    app.color = false;
    app
}

fn funnel_segments(app: &App) -> Vec<String> {
    let a = app.scenario.acquisition.as_ref().expect("acquisition");
    a.funnels.iter().map(|f| f.segment.clone()).collect()
}

fn policy_segments(app: &App) -> Vec<(String, u32, Option<u32>)> {
    let a = app.scenario.advocacy.as_ref().expect("advocacy");
    a.policies
        .iter()
        .map(|p| (p.segment.clone(), p.escalate_on, p.at_most))
        .collect()
}

fn roles(app: &App, segment: usize) -> Vec<String> {
    let a = app.scenario.segments[segment]
        .accounts
        .as_ref()
        .expect("accounts");
    a.contacts.iter().map(|c| c.role.clone()).collect()
}

fn selected_label(app: &App) -> String {
    app.current_fields()[app.insp_field].label.clone()
}

#[test]
fn funnels_are_removed_added_and_moved_between_segments() {
    let mut app = open("b2b-saas-stool.ron");
    open_form(&mut app, Obj::Settings);
    go_to_field(&mut app, "mid-market funnel for");
    // Every segment has its funnel: nothing to add.
    key(&mut app, KeyCode::Char('a'));
    assert!(
        app.status.contains("every segment has a funnel"),
        "{}",
        app.status
    );
    assert_eq!(funnel_segments(&app), ["smb", "mid-market", "enterprise"]);

    // Removing asks first; "n" keeps it.
    key(&mut app, KeyCode::Char('x'));
    assert!(matches!(app.dialog, Some(Dialog::ConfirmRemoveItem(_))));
    let screen = render(&app, 120, 40);
    assert!(
        screen.contains("Remove the funnel for segment mid-market?"),
        "{screen}"
    );
    key(&mut app, KeyCode::Char('n'));
    assert_eq!(funnel_segments(&app).len(), 3);
    key(&mut app, KeyCode::Char('x'));
    key(&mut app, KeyCode::Char('y'));
    assert_eq!(funnel_segments(&app), ["smb", "enterprise"]);
    assert!(
        app.status
            .contains("removed the funnel for segment mid-market")
    );
    // The funnel that moved up into its place is selected.
    assert_eq!(selected_label(&app), "enterprise funnel for");
    assert!(app.problems.is_empty(), "{:?}", app.problems);

    // Adding after smb's funnel gives the segment without one a funnel, selected.
    go_to_field(&mut app, "smb leads");
    key(&mut app, KeyCode::Char('a'));
    assert_eq!(funnel_segments(&app), ["smb", "mid-market", "enterprise"]);
    assert_eq!(selected_label(&app), "mid-market funnel for");
    assert!(app.problems.is_empty(), "{:?}", app.problems);
    let f = &app
        .scenario
        .acquisition
        .as_ref()
        .expect("acquisition")
        .funnels[1];
    assert_eq!(
        (f.leads_per_period, f.qualification_rate, f.conversion_rate),
        (100.0, 0.5, 0.2)
    );

    // The segment pick-list: moving smb's funnel onto mid-market makes a second funnel there,
    // which validation flags at the second one's segment.
    go_to_field(&mut app, "smb funnel for");
    key(&mut app, KeyCode::Right);
    assert_eq!(funnel_segments(&app)[0], "mid-market");
    assert_problem_at(&app, "acquisition.funnels[1].segment");
    key(&mut app, KeyCode::Char('u'));
    assert_eq!(funnel_segments(&app)[0], "smb");
    key(&mut app, KeyCode::Char('u'));
    assert_eq!(funnel_segments(&app), ["smb", "enterprise"]);
}

#[test]
fn contact_roles_are_added_renamed_and_removed() {
    let mut app = open("b2b-saas-whole-customer.ron");
    open_form(&mut app, Obj::Segment(0));
    assert_eq!(roles(&app, 0), ["decision maker", "user"]);
    go_to_field(&mut app, "decision maker weight");
    key(&mut app, KeyCode::Char('a'));
    assert_eq!(roles(&app, 0), ["decision maker", "role 1", "user"]);
    assert_eq!(selected_label(&app), "role 1 role");
    assert!(app.problems.is_empty(), "{:?}", app.problems);
    let c = &app.scenario.segments[0]
        .accounts
        .as_ref()
        .expect("accounts")
        .contacts[1];
    assert_eq!((c.count, c.probability, c.weight), (1, 1.0, 1.0));

    retype(&mut app, "admin");
    assert_eq!(roles(&app, 0), ["decision maker", "admin", "user"]);
    assert_eq!(selected_label(&app), "admin role");
    // A name another role has is flagged, at the later of the two as for funnels.
    retype(&mut app, "user");
    assert_problem_at(&app, "segments[0].accounts.contacts[2].role");
    retype(&mut app, "admin");
    assert!(app.problems.is_empty(), "{:?}", app.problems);

    // Who the role meets, typed as touchpoint ids; an unknown id is flagged at the field.
    go_to_field(&mut app, "admin meets");
    assert_eq!(
        app.current_fields()[app.insp_field].display(&app.scenario),
        "all"
    );
    retype(&mut app, "qbr, no-such-touchpoint");
    assert_problem_at(&app, "segments[0].accounts.contacts[1].meets[1]");
    assert!(
        !app.problems_at("segments[0].accounts.contacts[1].meets")
            .is_empty()
    );
    retype(&mut app, "qbr,  invoice ");
    assert!(app.problems.is_empty(), "{:?}", app.problems);
    let meets = |app: &App| {
        app.scenario.segments[0]
            .accounts
            .as_ref()
            .expect("accounts")
            .contacts[1]
            .meets
            .clone()
    };
    assert_eq!(
        meets(&app),
        Some(vec!["qbr".to_string(), "invoice".to_string()])
    );
    retype(&mut app, "none");
    assert_eq!(meets(&app), Some(Vec::new()));
    retype(&mut app, "all");
    assert_eq!(meets(&app), None);
    // Starting states: the segment's until one is typed, then the role's own.
    let seg_initial = app.scenario.segments[0].initial;
    go_to_field(&mut app, "admin starts loyal");
    assert_eq!(
        app.current_fields()[app.insp_field].display(&app.scenario),
        cxsim::tui::fields::fmt_num(seg_initial.loyal)
    );
    retype(&mut app, "0.9");
    let initial = app.scenario.segments[0]
        .accounts
        .as_ref()
        .expect("accounts")
        .contacts[1]
        .initial
        .expect("the role's own starting states");
    assert_eq!(
        (initial.satisfied, initial.pleased, initial.loyal),
        (seg_initial.satisfied, seg_initial.pleased, 0.9)
    );
    retype(&mut app, "1.5");
    assert_problem_at(&app, "segments[0].accounts.contacts[1].initial.loyal");
    retype(&mut app, "0.9");

    go_to_field(&mut app, "decision maker count");
    key(&mut app, KeyCode::Delete);
    key(&mut app, KeyCode::Char('y'));
    assert_eq!(roles(&app, 0), ["admin", "user"]);
    assert_eq!(selected_label(&app), "admin role");
    // The journey still validates and runs with the roles as edited.
    let model = cxsim::model::validate(app.scenario.clone()).expect("valid");
    let r = cxsim::run::simulate(
        &model,
        &cxsim::engine::RunSpec::all_strategies(&model, 500, 1),
    );
    let a = r.strategies[0].accounts.as_ref().expect("accounts");
    assert!(a.roles.iter().any(|x| x.role == "admin"), "{:?}", a.roles);
    // Other segments' roles are untouched.
    assert_eq!(roles(&app, 1), ["decision maker", "champion", "user"]);
}

#[test]
fn escalation_policies_are_edited_removed_and_added_and_the_last_one_stays() {
    let mut app = open("advocacy-enterprise.ron");
    open_form(&mut app, Obj::Settings);
    go_to_field(&mut app, "standard at most (0: ∞)");
    assert_eq!(
        app.current_fields()[app.insp_field].display(&app.scenario),
        "1"
    );
    // 0 is the form's "no limit": the file's at_most goes away.
    retype(&mut app, "0");
    go_to_field(&mut app, "standard escalate on");
    retype(&mut app, "3");
    assert_eq!(
        policy_segments(&app),
        [("strategic".into(), 1, None), ("standard".into(), 3, None)]
    );
    assert!(app.problems.is_empty(), "{:?}", app.problems);

    go_to_field(&mut app, "strategic policy for");
    key(&mut app, KeyCode::Char('x'));
    key(&mut app, KeyCode::Char('y'));
    assert_eq!(policy_segments(&app), [("standard".into(), 3, None)]);
    assert_eq!(selected_label(&app), "standard policy for");
    // The last policy stays: validation needs one, and `a` needs a policy's field to act on.
    // It is said at once, without asking first.
    key(&mut app, KeyCode::Char('x'));
    assert_eq!(app.dialog, None);
    assert!(
        app.status.contains("the last escalation policy stays"),
        "{}",
        app.status
    );
    assert_eq!(policy_segments(&app).len(), 1);
    // Adding goes to the segment without a policy, escalating on the first incident.
    key(&mut app, KeyCode::Char('a'));
    assert_eq!(
        policy_segments(&app),
        [("standard".into(), 3, None), ("strategic".into(), 1, None)]
    );
    assert!(app.problems.is_empty(), "{:?}", app.problems);
    // A field outside the lists says what a and x act on.
    go_to_field(&mut app, "Esc. planning success");
    key(&mut app, KeyCode::Char('a'));
    assert!(
        app.status.contains("select one of their fields"),
        "{}",
        app.status
    );
    assert_eq!(policy_segments(&app).len(), 2);
}

#[test]
fn renaming_a_touchpoint_keeps_the_roles_meets_pointing_at_it() {
    let mut app = open("b2b-saas-whole-customer.ron");
    let qbr = app
        .scenario
        .touchpoints
        .iter()
        .position(|t| t.id == "qbr")
        .expect("qbr");
    open_form(&mut app, Obj::Touchpoint(qbr));
    go_to_field(&mut app, "Id");
    retype(&mut app, "business-review");
    assert!(app.problems.is_empty(), "{:?}", app.problems);
    let meets = app.scenario.segments[1]
        .accounts
        .as_ref()
        .expect("accounts")
        .contacts[0]
        .meets
        .clone()
        .expect("the decision maker's meets");
    assert!(meets.contains(&"business-review".to_string()), "{meets:?}");
    assert!(!meets.contains(&"qbr".to_string()), "{meets:?}");
}

#[test]
fn a_problem_inside_a_list_element_shows_only_at_its_own_field() {
    let mut app = open("benchmark-triad.ron");
    open_form(&mut app, Obj::Touchpoint(1));
    let label = app
        .current_fields()
        .iter()
        .find(|f| f.path.ends_with(".probability") && f.path.contains("on_failure"))
        .map(|f| f.label.clone())
        .expect("an escalation probability field");
    go_to_field(&mut app, &label);
    retype(&mut app, "1.5");
    let at = app
        .problems
        .iter()
        .find(|p| p.path.contains("on_failure"))
        .map(|p| p.path.clone())
        .expect("a problem at the escalation");
    assert!(!app.problems_at(&at).is_empty());
    // The whole-list fields (open incident / escalate) do not repeat it.
    assert!(
        app.problems_at("touchpoints[1].on_failure").is_empty(),
        "{at}"
    );
}

/// A touchpoint's lifecycle window and segments are edited in its form: the window's choice
/// cycles with →, its numbers follow the form chosen, an unknown segment is flagged at its
/// path, and the card shows both marks.
#[test]
fn a_touchpoints_window_and_segments_are_edited_in_the_form() {
    use cxsim::format::When;
    let mut app = open("retail-bank.ron");
    let ids: Vec<String> = app.scenario.segments.iter().map(|s| s.id.clone()).collect();
    open_form(&mut app, Obj::Touchpoint(0));
    go_to_field(&mut app, "When");
    key(&mut app, KeyCode::Right); // Always → FirstPeriods
    assert_eq!(app.scenario.touchpoints[0].when, When::FirstPeriods(1));
    go_to_field(&mut app, "  periods");
    retype(&mut app, "3");
    assert_eq!(app.scenario.touchpoints[0].when, When::FirstPeriods(3));
    // 0 periods is refused by validation at the window's path.
    retype(&mut app, "0");
    assert_problem_at(&app, "touchpoints[0].when");
    retype(&mut app, "3");
    assert!(app.problems.is_empty(), "{:?}", app.problems);
    // Each step of the cycle keeps the number typed: AtPeriod(3), FromPeriod(3),
    // EveryPeriods(3), Renewal(3), then the general form of Renewal(3).
    go_to_field(&mut app, "When");
    key(&mut app, KeyCode::Right);
    assert_eq!(app.scenario.touchpoints[0].when, When::AtPeriod(3));
    for _ in 0..4 {
        key(&mut app, KeyCode::Right);
    }
    assert_eq!(
        app.scenario.touchpoints[0].when,
        When::Periods {
            from: 4,
            every: 3,
            until: None
        }
    );
    go_to_field(&mut app, "  every");
    retype(&mut app, "2");
    go_to_field(&mut app, "  until period (0: no end)");
    retype(&mut app, "9");
    assert_eq!(
        app.scenario.touchpoints[0].when,
        When::Periods {
            from: 4,
            every: 2,
            until: Some(9)
        }
    );
    retype(&mut app, "0");
    assert_eq!(
        app.scenario.touchpoints[0].when,
        When::Periods {
            from: 4,
            every: 2,
            until: None
        }
    );

    go_to_field(&mut app, "Segments");
    assert_eq!(
        app.current_fields()[app.insp_field].display(&app.scenario),
        "all"
    );
    retype(&mut app, "nobody");
    assert_problem_at(&app, "touchpoints[0].segments[0]");
    retype(&mut app, &ids[0]);
    assert!(app.problems.is_empty(), "{:?}", app.problems);
    assert_eq!(app.scenario.touchpoints[0].segments, [ids[0].clone()]);
    key(&mut app, KeyCode::Esc);
    key(&mut app, KeyCode::Char('1'));
    let text = render(&app, 160, 45);
    assert!(text.contains("◷4+/2"), "the card shows the window:\n{text}");
    assert!(
        text.contains(&format!("⊂{}", ids[0])),
        "the card shows the segment:\n{text}"
    );
    open_form(&mut app, Obj::Touchpoint(0));
    go_to_field(&mut app, "Segments");
    retype(&mut app, "all");
    assert!(app.scenario.touchpoints[0].segments.is_empty());
}

/// A segment's own quality and cost are typed in the touchpoint's form; "same" takes the
/// touchpoint's value again and leaves no empty override behind.
#[test]
fn a_segments_own_quality_and_cost_are_typed_in_the_form() {
    let mut app = open("retail-bank.ron");
    let id = app.scenario.segments[1].id.clone();
    open_form(&mut app, Obj::Touchpoint(0));
    go_to_field(&mut app, &format!("  {id} quality"));
    assert_eq!(
        app.current_fields()[app.insp_field].display(&app.scenario),
        "same"
    );
    retype(&mut app, "1.5");
    assert_problem_at(
        &app,
        &format!("touchpoints[0].by_segment[\"{id}\"].quality"),
    );
    retype(&mut app, "0.5");
    assert!(app.problems.is_empty(), "{:?}", app.problems);
    go_to_field(&mut app, &format!("  {id} cost"));
    retype(&mut app, "4");
    let o = app.scenario.touchpoints[0].by_segment[&id];
    assert_eq!((o.quality, o.cost), (Some(0.5), Some(4.0)));
    // Not a number: refused with a hint, nothing changes.
    retype(&mut app, "cheap");
    assert_eq!(app.scenario.touchpoints[0].by_segment[&id].cost, Some(4.0));
    key(&mut app, KeyCode::Esc);
    key(&mut app, KeyCode::Esc);
    key(&mut app, KeyCode::Char('1'));
    let text = render(&app, 160, 45);
    assert!(
        text.contains(&format!("≠{id}")),
        "the card marks the override:\n{text}"
    );
    open_form(&mut app, Obj::Touchpoint(0));
    go_to_field(&mut app, &format!("  {id} cost"));
    retype(&mut app, "same");
    go_to_field(&mut app, &format!("  {id} quality"));
    retype(&mut app, "");
    assert!(app.scenario.touchpoints[0].by_segment.is_empty());
}
