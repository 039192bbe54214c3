//! Typed field paths against a real journey: ids resolve to the positions validation prints.

use cxsim::format::path::FieldPath;

#[test]
fn ids_resolve_to_the_positions_validation_prints() {
    let s = cxsim::format::parse::parse_scenario(
        std::path::Path::new("builtin.ron"),
        cxsim::BUILTIN_EXAMPLE,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let id = &s.touchpoints[1].id;
    let p = FieldPath::parse(&format!("touchpoints[{id}].quality"))
        .and_then(|p| p.resolve_ids(&s))
        .map(|p| p.to_string());
    assert_eq!(p.as_deref(), Ok("touchpoints[1].quality"));
    let strategy = &s.strategies[0].name;
    let p = FieldPath::root()
        .field("strategies")
        .key(strategy)
        .field("budget");
    assert_eq!(
        p.resolve_ids(&s).map(|p| p.to_string()).as_deref(),
        Ok("strategies[0].budget")
    );
    let e = FieldPath::parse("segments[nobody].share")
        .and_then(|p| p.resolve_ids(&s))
        .expect_err("unknown id");
    assert!(
        e.message.contains("nobody") && e.hint.starts_with("known: "),
        "{e}"
    );
}
