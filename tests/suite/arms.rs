//! Arms: (model, strategy) pairs of possibly different models simulated on common random
//! numbers. Arms from one model must reproduce the plain strategy run bit for bit, and a
//! scenario against an identical copy must differ by exactly zero.

use std::path::Path;

use cxsim::engine::{Arm, ArmsError, M, M_NPV, RunSpec};
use cxsim::model::Model;
use cxsim::report;

fn load(name: &str) -> Model {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join(name);
    match cxsim::model::load::load_file(&path) {
        Ok(m) => m,
        Err(e) => panic!("{name} does not load: {e}"),
    }
}

#[test]
fn arms_of_one_model_reproduce_the_strategy_run_exactly() {
    let m = load("ecommerce-retailer.ron");
    let plain = cxsim::run::simulate(&m, &RunSpec::all_strategies(&m, 10_000, 7));
    let arms = cxsim::run::simulate_arms(&Arm::all(&m), 10_000, 7).expect("arms share a horizon");
    assert_eq!(report::json(&plain), report::json(&arms));
    assert_eq!(plain.acc, arms.acc);
}

#[test]
fn a_copy_of_the_scenario_differs_by_exactly_zero() {
    let m = load("telecom.ron");
    let copy = m.clone();
    let arms = [
        Arm {
            model: &m,
            strategy: 1,
        },
        Arm {
            model: &copy,
            strategy: 1,
        },
    ];
    let r = cxsim::run::simulate_arms(&arms, 8_192, 3).expect("same horizon");
    for metric in 0..M {
        let d = r.paired_difference(0, 1, metric).expect("sums kept");
        assert_eq!((d.mean, d.se), (0.0, 0.0), "metric {metric}");
    }
}

#[test]
fn a_changed_touchpoint_is_compared_pairwise_with_a_smaller_error() {
    let m = load("benchmark-triad.ron");
    let mut better = m.scenario.clone();
    better.touchpoints[0].quality = 0.97;
    let better = cxsim::model::validate(better).expect("still valid");
    let arms = [
        Arm {
            model: &m,
            strategy: 0,
        },
        Arm {
            model: &better,
            strategy: 0,
        },
    ];
    let r = cxsim::run::simulate_arms(&arms, 40_000, 11).expect("same horizon");
    let d = r.paired_difference(0, 1, M_NPV).expect("sums kept");
    let (a, b) = (
        r.strategies[0].npv_per_customer,
        r.strategies[1].npv_per_customer,
    );
    let independent_se = (a.se * a.se + b.se * b.se).sqrt();
    assert!(d.mean > 0.0, "better delivery must raise NPV: {d:?}");
    assert!(
        d.se < 0.5 * independent_se,
        "common random numbers must tighten the comparison: paired {} vs independent {}",
        d.se,
        independent_se
    );
}

#[test]
fn arms_may_have_different_touchpoints() {
    let m = load("benchmark-triad.ron");
    let mut fewer = m.scenario.clone();
    fewer.touchpoints.pop();
    let fewer = cxsim::model::validate(fewer).expect("still valid");
    let arms = [
        Arm {
            model: &m,
            strategy: 0,
        },
        Arm {
            model: &fewer,
            strategy: 0,
        },
    ];
    let r = cxsim::run::simulate_arms(&arms, 4_096, 5).expect("same horizon");
    assert_eq!(r.strategies[0].touchpoints.len(), 3);
    assert_eq!(r.strategies[1].touchpoints.len(), 2);
    // Without the relationship check-in nobody is retained better.
    let d = r.paired_difference(0, 1, M_NPV).expect("sums kept");
    assert!(d.mean < 0.0, "{d:?}");
}

#[test]
fn mismatched_arms_are_refused() {
    let m = load("benchmark-triad.ron");
    let mut longer = m.scenario.clone();
    longer.horizon = 48;
    let longer = cxsim::model::validate(longer).expect("still valid");
    let arms = [
        Arm {
            model: &m,
            strategy: 0,
        },
        Arm {
            model: &longer,
            strategy: 0,
        },
    ];
    let err = cxsim::run::simulate_arms(&arms, 100, 1).expect_err("horizons differ");
    assert!(matches!(err, ArmsError::HorizonMismatch { found: 48, .. }));
    assert!(err.to_string().contains("horizon"));
    let bad = [Arm {
        model: &m,
        strategy: 9,
    }];
    assert!(matches!(
        cxsim::run::simulate_arms(&bad, 100, 1),
        Err(ArmsError::StrategyOutOfRange { .. })
    ));
    assert_eq!(
        cxsim::run::simulate_arms(&[], 100, 1).err(),
        Some(ArmsError::NoArms)
    );
}

#[test]
fn an_arm_gets_the_same_sums_whatever_arms_run_beside_it() {
    // Arms with the same segments share each customer's first draws (stream, segment, θ);
    // arms with other segments draw their own. Either way an arm's sums must be exactly those
    // of a run of that arm alone.
    let m = load("retail-bank.ron");
    let mut other = m.scenario.clone();
    other.segments[0].churn_propensity = cxsim::format::Propensity::Fixed(0.05);
    let other = cxsim::model::validate(other).expect("still valid");
    let mut arms = Arm::all(&m);
    arms.insert(
        1,
        Arm {
            model: &other,
            strategy: 0,
        },
    );
    let together = cxsim::run::simulate_arms(&arms, 5_000, 13).expect("same horizon");
    let together = together.acc.expect("sums kept");
    for (i, arm) in arms.iter().enumerate() {
        let alone = cxsim::run::simulate_arms(&[*arm], 5_000, 13).expect("one arm");
        let alone = alone.acc.expect("sums kept");
        assert_eq!(together.strategies[i], alone.strategies[0], "arm {i}");
    }
}
