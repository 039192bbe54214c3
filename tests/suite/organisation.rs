//! The organisation behind the journey (issue 7): the pure functions of `cxsim::engine::org` against
//! their documented closed forms, validation of the new fields, and the limiting cases in which
//! the organisation must reproduce the plain triad model exactly.

use crate::common;

use std::path::Path;

use cxsim::engine::org::{
    self, engagement_factor, execution_factor, learn_step, learning_closed_form,
    learning_fixed_point, level_after_spend,
};
use cxsim::format::org::{self as org_format, Feedback};

const RHOS: [f64; 5] = [0.0, -0.25, -1.0, -3.0, -20.0];
const W: [f64; 3] = [1.0, 1.0, 1.0];

fn grid() -> Vec<f64> {
    (0..=20).map(|k| f64::from(k) / 20.0).collect()
}

#[test]
fn execution_factor_is_zero_when_any_leg_is_missing() {
    for rho in RHOS {
        for &a in &grid() {
            for &b in &grid() {
                for legs in [[0.0, a, b], [a, 0.0, b], [a, b, 0.0]] {
                    assert_eq!(execution_factor(legs, W, rho), 0.0, "{legs:?} rho {rho}");
                    assert_eq!(
                        execution_factor(legs, [0.2, 0.5, 0.3], rho),
                        0.0,
                        "{legs:?} rho {rho}"
                    );
                }
            }
        }
    }
}

#[test]
fn execution_factor_is_one_with_all_legs_and_monotone_in_each_leg() {
    let g = grid();
    for rho in RHOS {
        assert_eq!(execution_factor([1.0; 3], W, rho), 1.0);
        for &a in &g {
            for &b in &g {
                for leg in 0..3 {
                    let mut prev = -1.0;
                    for &v in &g {
                        let mut legs = [a, b, a];
                        legs[leg] = v;
                        let x = execution_factor(legs, W, rho);
                        assert!((0.0..=1.0).contains(&x));
                        assert!(x >= prev, "not monotone: {legs:?} rho {rho}: {x} < {prev}");
                        // A power mean with ρ ≤ 0 never exceeds the geometric mean (ρ = 0)
                        // and lies between the smallest and largest leg.
                        let lo = legs.iter().copied().fold(f64::INFINITY, f64::min);
                        let hi = legs.iter().copied().fold(0.0, f64::max);
                        assert!(x <= hi + 1e-12 && x >= lo - 1e-12, "{legs:?} {x}");
                        prev = x;
                    }
                }
            }
        }
    }
}

#[test]
fn execution_factor_matches_the_named_means() {
    let legs = [0.9, 0.5, 0.2];
    let geo = (0.9f64 * 0.5 * 0.2).powf(1.0 / 3.0);
    assert!((execution_factor(legs, W, 0.0) - geo).abs() < 1e-12);
    let harm = 3.0 / (1.0 / 0.9 + 1.0 / 0.5 + 1.0 / 0.2);
    assert!((execution_factor(legs, W, -1.0) - harm).abs() < 1e-12);
    // Very negative ρ: the weakest leg decides.
    assert!((execution_factor(legs, W, -200.0) - 0.2).abs() < 0.002);
    // Weights are relative: (2, 2, 2) is the same as (1, 1, 1).
    assert_eq!(
        execution_factor(legs, [2.0; 3], -1.0),
        execution_factor(legs, W, -1.0)
    );
    // Complementarity: raising the weakest leg helps more than raising the strongest.
    let base = execution_factor(legs, W, -1.0);
    let weak = execution_factor([0.9, 0.5, 0.3], W, -1.0) - base;
    let strong = execution_factor([1.0, 0.5, 0.2], W, -1.0) - base;
    assert!(weak > strong);
}

#[test]
fn spend_closes_part_of_the_gap() {
    assert_eq!(level_after_spend(0.3, 0.0, 2.0), 0.3);
    assert!((level_after_spend(0.3, 2.0, 2.0) - 0.65).abs() < 1e-15);
    assert!((level_after_spend(0.0, 6.0, 2.0) - 0.75).abs() < 1e-15);
    assert_eq!(engagement_factor(1.0, 0.5), 1.0);
    assert_eq!(engagement_factor(0.0, 0.5), 0.5);
    assert!((engagement_factor(0.6, 0.5) - 0.8).abs() < 1e-15);
}

#[test]
fn learning_converges_to_the_documented_fixed_point() {
    for (q0, r, l, d) in [
        (0.6, 0.1, 0.5, 0.0),
        (0.6, 0.2, 0.3, 0.02),
        (0.95, 0.5, 0.1, 0.3),
        (0.1, 1.0, 1.0, 0.0),
        (0.7, 0.0, 0.9, 0.1),
    ] {
        let fb = Feedback {
            response_rate: r,
            learning_rate: l,
            decay: d,
        };
        let star = learning_fixed_point(q0, &fb);
        let a: f64 = l * r;
        let expected = if a + d > 0.0 {
            (a + d * q0) / (a + d)
        } else {
            q0
        };
        assert!((star - expected).abs() < 1e-15);
        assert!(
            (learn_step(star, q0, &fb) - star).abs() < 1e-15,
            "not fixed"
        );
        let mut p = q0;
        for t in 1..=400u32 {
            let cf = learning_closed_form(q0, &fb, t);
            assert!((p - cf).abs() < 1e-12, "t {t}: {p} vs closed form {cf}");
            p = learn_step(p, q0, &fb);
        }
        if a + d > 0.0 {
            assert!((p - star).abs() < 1e-9, "{p} did not converge to {star}");
        } else {
            assert_eq!(p, q0);
        }
    }
    // Learning rate 0 and no decay: the quality stays exactly the designed one.
    let none = Feedback {
        response_rate: 0.3,
        learning_rate: 0.0,
        decay: 0.0,
    };
    assert_eq!(learn_step(0.83, 0.83, &none), 0.83);
}

fn scenario(path: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(path))
        .unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn the_schedule_without_organisation_is_the_plain_compiled_quality() {
    for file in [
        "scenarios/benchmark-triad.ron",
        "scenarios/ecommerce-retailer.ron",
        "scenarios/b2b-saas.ron",
        "scenarios/retail-bank.ron",
        "scenarios/telecom.ron",
    ] {
        let m = common::model(&scenario(file));
        let s = &m.scenario;
        for si in 0..s.strategies.len() {
            let sch = org::schedule(&m, si);
            assert!(!sch.dynamic(), "{file}");
            assert_eq!(sch.execution_factor, 1.0);
            let st = &s.strategies[si];
            for (i, tp) in s.touchpoints.iter().enumerate() {
                let plain = cxsim::engine::invested_quality(
                    tp.quality,
                    st.budget * st.emphasis.get(tp.stage),
                    s.investment.max_uplift,
                    s.investment.half_saturation,
                );
                assert_eq!(sch.quality[i], vec![plain], "{file} {}", tp.id);
            }
        }
    }
}

/// The single-touchpoint feedback loop of docs/model.md §10: quality trajectory in the schedule
/// follows the closed form and ends at the fixed point.
#[test]
fn schedule_follows_the_learning_recursion() {
    let m = common::model(
        r#"Scenario(name: "learn", period: Month, horizon: 200,
        segments: [Segment(id: "a", share: 1.0, value_per_period: 10.0,
            initial: (satisfied: 0.5, pleased: 0.5, loyal: 0.5), churn_propensity: Fixed(0.01))],
        touchpoints: [Touchpoint(id: "t", name: "T", stage: Purchase, trigger: EveryPeriod,
            quality: 0.6, feedback: Some(Feedback(response_rate: 0.2, learning_rate: 0.5, decay: 0.05)))],
        churn: (protection: (satisfied: 1.0, pleased: 1.0, loyal: 1.0)),
        revenue: (loyalty_uplift: 0.0),
        strategies: [Strategy(name: "s", emphasis: (purchase: 1.0, exception: 0.0, relationship: 0.0))])"#,
    );
    let sch = org::schedule(&m, 0);
    assert!(sch.dynamic());
    let fb = Feedback {
        response_rate: 0.2,
        learning_rate: 0.5,
        decay: 0.05,
    };
    assert_eq!(sch.quality[0].len(), 200);
    for (t, &q) in sch.quality[0].iter().enumerate() {
        let cf = learning_closed_form(0.6, &fb, t as u32 + 1);
        assert!((q - cf).abs() < 1e-12, "period {}: {q} vs {cf}", t + 1);
    }
    // (0.1 + 0.05·0.6) / 0.15 = 13/15.
    let star = 13.0 / 15.0;
    assert!((sch.quality[0][199] - star).abs() < 1e-9);
}

#[test]
fn organisation_fields_are_validated_with_paths_and_hints() {
    let text = scenario("scenarios/benchmark-triad.ron")
        .replace(
            "strategies: [",
            r#"organisation: Some(Organisation(
                teams: [Team(id: "Fulfilment", engagement: 1.2, drift: 0.1,
                             staffing: Some(Staffing(agents_per_1000: 0.0, capacity: 10.0))),
                        Team(id: "Fulfilment", engagement: 0.5)],
                triangle: Some(Triangle(leadership: 0.5, incentives: -0.1, culture: 0.5, rho: 1.0)),
            )),
            strategies: ["#,
        )
        .replace(
            "on_failure: [OpenIncident],",
            r#"on_failure: [OpenIncident], team: Some("Nobody"),
               feedback: Some(Feedback(response_rate: 1.0, learning_rate: 0.9, decay: 0.5)),
               variants: [Variant(name: "current"), Variant(name: "fast", quality: Some(2.0))],"#,
        )
        .replace(
            "budget: 0.0,",
            r#"budget: 0.0, variants: {"delivery": "slow", "nope": "x"},
               organisation: Some(OrgSpend(culture: -1.0)),"#,
        );
    let err = match cxsim::model::load::load_str(Path::new("x.ron"), &text) {
        Ok(_) => panic!("invalid organisation accepted"),
        Err(e) => e,
    };
    let paths: Vec<String> = err.problems().into_iter().map(|p| p.path).collect();
    for expected in [
        "organisation.teams[0].engagement",
        "organisation.teams[0].staffing.agents_per_1000",
        "organisation.teams[1].id",
        "organisation.triangle.incentives",
        "organisation.triangle.rho",
        "touchpoints[0].team",
        "touchpoints[0].feedback",
        "touchpoints[0].variants[0].name",
        "touchpoints[0].variants[1].quality",
        "strategies[0].organisation.culture",
        "strategies[0].variants[\"delivery\"]",
        "strategies[0].variants[\"nope\"]",
    ] {
        assert!(
            paths.iter().any(|p| p == expected),
            "no problem at {expected}; got {paths:?}"
        );
    }
    assert!(
        err.problems().iter().all(|p| !p.hint.is_empty()),
        "every problem has a hint"
    );
}

fn json(
    m: &cxsim::model::Model,
    customers: u64,
    seed: u64,
) -> (cxsim::results::RunResults, String) {
    let spec = cxsim::engine::RunSpec::all_strategies(m, customers, seed);
    let mut r = cxsim::run::simulate(m, &spec);
    let with_org = r.clone();
    for s in &mut r.strategies {
        s.organisation = None;
    }
    (with_org, cxsim::report::json(&r))
}

/// Every organisation feature present but neutral: every owner a team at engagement 1 (with
/// staffing far from overload), every touchpoint collecting feedback with learning rate 0, a
/// triangle with all legs at 1, and every strategy selecting a variant identical to the current
/// design. The numbers must be the plain model's, bit for bit (JSON without the organisation
/// section, which only the organisation run has).
#[test]
fn engagement_one_and_no_learning_reproduce_the_plain_model_exactly() {
    for file in [
        "scenarios/benchmark-triad.ron",
        "scenarios/ecommerce-retailer.ron",
        "scenarios/b2b-saas.ron",
        "scenarios/retail-bank.ron",
        "scenarios/telecom.ron",
    ] {
        let plain = common::model(&scenario(file));
        let mut s = plain.scenario.clone();
        let mut owners: Vec<String> = s.touchpoints.iter().map(|t| t.owner.clone()).collect();
        owners.sort();
        owners.dedup();
        s.organisation = Some(org_format::Organisation {
            teams: owners
                .iter()
                .filter(|o| !o.is_empty())
                .map(|o| org_format::Team {
                    id: o.clone(),
                    name: String::new(),
                    engagement: 1.0,
                    drift: 0.3,
                    staffing: Some(org_format::Staffing {
                        agents_per_1000: 1000.0,
                        capacity: 1000.0,
                        strain: 0.5,
                    }),
                })
                .collect(),
            triangle: Some(org_format::Triangle {
                leadership: 1.0,
                incentives: 1.0,
                culture: 1.0,
                rho: -1.0,
                weights: org_format::LegWeights::default(),
            }),
            engagement_impact: 0.5,
            half_saturation: 2.0,
        });
        for tp in &mut s.touchpoints {
            tp.feedback = Some(Feedback {
                response_rate: 0.3,
                learning_rate: 0.0,
                decay: 0.2,
            });
            tp.variants.push(org_format::Variant {
                name: "same".into(),
                quality: Some(tp.quality),
                cost: Some(tp.cost),
                effects: Some(tp.effects),
                notes: String::new(),
            });
        }
        let ids: Vec<String> = s.touchpoints.iter().map(|t| t.id.clone()).collect();
        for st in &mut s.strategies {
            for id in &ids {
                st.variants.insert(id.clone(), "same".into());
            }
        }
        let neutral = match cxsim::model::validate(s) {
            Ok(m) => m,
            Err(p) => panic!("{file}: {p:?}"),
        };
        let (_, a) = json(&plain, 5_000, 7);
        let (with_org, b) = json(&neutral, 5_000, 7);
        assert!(
            a == b,
            "{file}: the neutral organisation changed the results"
        );
        let o = with_org.strategies[0]
            .organisation
            .as_ref()
            .unwrap_or_else(|| panic!("{file}: no organisation results"));
        assert_eq!(o.execution_factor, 1.0);
        assert!(
            o.teams
                .iter()
                .all(|t| t.engagement.iter().all(|&e| e == 1.0))
        );
    }
}

/// Two strategies selecting the same variant see the same customers with the same luck:
/// their paired difference is exactly 0 ± 0 for every metric.
#[test]
fn a_variant_against_itself_differs_by_exactly_zero() {
    let m = common::model(&scenario("scenarios/ecommerce-organisation.ron"));
    let mut s = m.scenario.clone();
    let mut twin = s.strategies[4].clone();
    assert_eq!(
        twin.variants.get("returns").map(String::as_str),
        Some("instant-refund")
    );
    twin.name = "instant-refund again".into();
    s.strategies.push(twin);
    let m = cxsim::model::validate(s).unwrap_or_else(|p| panic!("{p:?}"));
    let spec = cxsim::engine::RunSpec::all_strategies(&m, 9_000, 3);
    let r = cxsim::run::simulate(&m, &spec);
    for metric in 0..cxsim::engine::M {
        let d = r
            .paired_difference(4, 5, metric)
            .unwrap_or_else(|| panic!("no acc"));
        assert_eq!((d.mean, d.se), (0.0, 0.0), "metric {metric}");
        // And the variant really changes something against the current design.
        let base = r
            .paired_difference(0, 4, metric)
            .unwrap_or_else(|| panic!("no acc"));
        if metric == cxsim::engine::M_COST {
            assert!(base.se > 0.0);
        }
    }
}

/// An execution factor of 0 (a missing leg) turns the stage budget into nothing: qualities are
/// the file's, yet the programme spend is paid.
#[test]
fn a_missing_leg_wastes_the_budget() {
    let text = scenario("scenarios/ecommerce-organisation.ron").replace(
        "triangle: Some(Triangle(leadership: 0.7, incentives: 0.4, culture: 0.6)),",
        "triangle: Some(Triangle(leadership: 0.7, incentives: 0.0, culture: 0.6)),",
    );
    let m = common::model(&text);
    let base = org::schedule(&m, 0);
    let spend = org::schedule(&m, 1); // exception-first: budget 0.8
    assert_eq!(spend.execution_factor, 0.0);
    assert_eq!(base.quality, spend.quality);
    // Spending on the missing leg brings execution back.
    let with_incentives = org::schedule(&m, 2);
    assert!(with_incentives.execution_factor > 0.0);
    assert!(org_format::programme_spend(&m.scenario, 2) > m.scenario.strategies[2].budget);
}

fn single(extra: &str, quality: f64, horizon: u32) -> cxsim::model::Model {
    common::model(&format!(
        r#"Scenario(name: "single", period: Month, horizon: {horizon},
        segments: [Segment(id: "a", share: 1.0, value_per_period: 10.0,
            initial: (satisfied: 0.5, pleased: 0.5, loyal: 0.5), churn_propensity: Fixed(0.0))],
        touchpoints: [Touchpoint(id: "t", name: "T", stage: Purchase, trigger: EveryPeriod,
            quality: {quality}, effects: (failure: (satisfied: Down(0.1))),
            on_failure: [OpenIncident], {extra})],
        churn: (protection: (satisfied: 1.0, pleased: 1.0, loyal: 1.0)),
        revenue: (loyalty_uplift: 0.0),
        strategies: [Strategy(name: "s", emphasis: (purchase: 1.0, exception: 0.0, relationship: 0.0))])"#
    ))
}

/// Recovery: failures happen at 1 − q, a share ρ of them is recovered (reported), the rest
/// opens incidents; customers never churn here, so every count is a sum of H Bernoulli draws.
#[test]
fn recovery_rescues_the_documented_share_of_failures() {
    let (q, rho, h, n) = (0.7, 0.4, 24u32, 40_000u64);
    let m = single(
        &format!("recovery: Some(Recovery(quality: {rho}, cost: 2.0))"),
        q,
        h,
    );
    let r = cxsim::run::simulate(&m, &cxsim::engine::RunSpec::all_strategies(&m, n, 11));
    let s = &r.strategies[0];
    let o = s
        .organisation
        .as_ref()
        .unwrap_or_else(|| panic!("no organisation"));
    let hf = f64::from(h);
    let nf = n as f64;
    let p_rec = (1.0 - q) * rho;
    let se_rec = (hf * p_rec * (1.0 - p_rec) / nf).sqrt();
    let rec = o.touchpoints[0].recovered_per_customer;
    assert!(
        (rec - hf * p_rec).abs() < common::K_SIGMA * se_rec,
        "recovered {rec} vs {}",
        hf * p_rec
    );
    let inc = s.incidents_per_customer;
    let p_inc = (1.0 - q) * (1.0 - rho);
    assert!(
        (inc.mean - hf * p_inc).abs() < common::K_SIGMA * inc.se,
        "{inc:?}"
    );
    // The failure rate counts failures before recovery.
    let fr = s.touchpoints[0].failure_rate;
    let se_fr = (q * (1.0 - q) / (nf * hf)).sqrt();
    assert!((fr - (1.0 - q)).abs() < common::K_SIGMA * se_fr, "{fr}");
    // Service cost: each recovery costs 2.
    let cost = s.cost_per_customer;
    assert!(
        (cost.mean - 2.0 * hf * p_rec).abs() < common::K_SIGMA * cost.se,
        "{cost:?}"
    );
}

/// The engine uses the per-period qualities of the feedback loop: the failure rate over the
/// horizon is the mean of 1 − q_t of the closed form.
#[test]
fn the_engine_follows_the_learning_schedule() {
    let (q0, h, n) = (0.5, 36u32, 20_000u64);
    let fb = Feedback {
        response_rate: 0.5,
        learning_rate: 0.2,
        decay: 0.0,
    };
    let m = single(
        "feedback: Some(Feedback(response_rate: 0.5, learning_rate: 0.2))",
        q0,
        h,
    );
    let r = cxsim::run::simulate(&m, &cxsim::engine::RunSpec::all_strategies(&m, n, 5));
    let qs: Vec<f64> = (1..=h).map(|t| learning_closed_form(q0, &fb, t)).collect();
    let o = r.strategies[0]
        .organisation
        .as_ref()
        .unwrap_or_else(|| panic!("no org"));
    for (a, b) in o.touchpoints[0].quality.iter().zip(&qs) {
        assert!((a - b).abs() < 1e-12);
    }
    let hf = f64::from(h);
    let expected = qs.iter().map(|q| 1.0 - q).sum::<f64>() / hf;
    let var: f64 = qs.iter().map(|q| q * (1.0 - q)).sum();
    let se = (n as f64 * var).sqrt() / (n as f64 * hf);
    let fr = r.strategies[0].touchpoints[0].failure_rate;
    assert!(
        (fr - expected).abs() < common::K_SIGMA * se,
        "{fr} vs {expected} (se {se})"
    );
    // Plain (period-1) quality would fail far more often.
    assert!(fr < 1.0 - q0 - 10.0 * se);
    // Feedback volume: r × occurrences per customer.
    let fpc = o.touchpoints[0].feedback_per_customer;
    assert!((fpc - 0.5 * hf).abs() < 1e-9, "{fpc}");
}

/// Same file, same seed: same bytes at any thread count, with the organisation kernel.
#[test]
fn the_organisation_run_is_deterministic_across_threads() {
    let m = common::model(&scenario("scenarios/ecommerce-organisation.ron"));
    let spec = cxsim::engine::RunSpec::all_strategies(&m, 9_001, 2);
    let run = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap_or_else(|e| panic!("{e}"));
        pool.install(|| cxsim::report::json(&cxsim::run::simulate(&m, &spec)))
    };
    let one = run(1);
    assert_eq!(one, run(3));
    assert!(one.contains("\"recovered_per_customer\""));
}
