//! `diagnose`: removal effects against an exact calculation, root-cause bookkeeping, and the
//! weakest leg of the triad.
//!
//! The chain: each period a Purchase touchpoint (quality q1) sets `satisfied` to 1 on success
//! and 0 on failure (Up(1.0) / Down(1.0)), and a Relationship touchpoint (quality q2) does the
//! same to `loyal`; θ is fixed. The states after the touchpoints are therefore independent
//! Bernoulli(q1), Bernoulli(q2) in every period, whatever happened before, and the per-period
//! survival probability is
//!     g(q1, q2) = Σ_{a,b ∈ {0,1}} P(a) P(b) (1 − θ·exp(−w_s·a − w_l·b)).
//! Retention after H periods is g^H and revenue per customer is v·Σ_{t=1..H} g^t, so the removal
//! effect of making the Purchase touchpoint perfect is g(1, q2)^H − g(q1, q2)^H (and similarly
//! for revenue). Tolerance: 4 standard errors of the run's own paired difference
//! (tests/common/mod.rs).

use cxsim::analysis::diagnose;
use cxsim::results::Estimate;

use crate::common::{K_SIGMA, model, scenario};

const THETA: f64 = 0.08;
const W_S: f64 = 1.5;
const W_L: f64 = 1.0;
const Q1: f64 = 0.8;
const Q2: f64 = 0.5;
const V: f64 = 10.0;
const H: usize = 12;

fn g(q1: f64, q2: f64) -> f64 {
    let mut s = 0.0;
    for (a, pa) in [(0.0, 1.0 - q1), (1.0, q1)] {
        for (b, pb) in [(0.0, 1.0 - q2), (1.0, q2)] {
            s += pa * pb * (1.0 - THETA * (-W_S * a - W_L * b).exp());
        }
    }
    s
}

fn retention(q1: f64, q2: f64) -> f64 {
    g(q1, q2).powi(H as i32)
}

fn revenue(q1: f64, q2: f64) -> f64 {
    (1..=H).map(|t| V * g(q1, q2).powi(t as i32)).sum()
}

fn assert_close(what: &str, e: &Estimate, exact: f64) {
    let dev = e.mean - exact;
    assert!(
        dev.abs() <= K_SIGMA * e.se,
        "{what}: estimate {} (se {}) vs exact {exact}: {:.2} se",
        e.mean,
        e.se,
        dev / e.se
    );
}

/// The chain's scenario: touchpoints `tps`, protection weights `w`, no costs or discounting.
fn chain(tps: &str, w: [f64; 3]) -> String {
    scenario(
        H as u32,
        0.0,
        &format!(
            "value_per_period: {V:?}, initial: (satisfied: 0.5, pleased: 0.5, loyal: 0.5), \
             churn_propensity: Fixed({THETA:?})"
        ),
        tps,
        w,
        0.0,
    )
}

#[test]
fn removal_effects_match_the_exact_chain() {
    let tps = format!(
        r#"Touchpoint(id: "delivery", name: "Delivery", stage: Purchase, trigger: EveryPeriod,
               quality: {Q1:?}, effects: (success: (satisfied: Up(1.0)), failure: (satisfied: Down(1.0)))),
           Touchpoint(id: "care", name: "Care call", stage: Relationship, trigger: EveryPeriod,
               quality: {Q2:?}, effects: (success: (loyal: Up(1.0)), failure: (loyal: Down(1.0))))"#
    );
    let text = chain(&tps, [W_S, 0.0, W_L]);
    let m = model(&text);
    let d =
        diagnose::diagnose(&m, 0, 100_000, 21, None, &|_, _| {}).unwrap_or_else(|e| panic!("{e}"));

    let tp = |id: &str| {
        d.removal_by_touchpoint
            .iter()
            .find(|r| r.target == id)
            .unwrap_or_else(|| panic!("{id} missing"))
    };
    let delivery = tp("delivery");
    assert_close(
        "delivery retention",
        &delivery.retention.difference,
        retention(1.0, Q2) - retention(Q1, Q2),
    );
    assert_close(
        "delivery revenue",
        &delivery.revenue.difference,
        revenue(1.0, Q2) - revenue(Q1, Q2),
    );
    let care = tp("care");
    assert_close(
        "care retention",
        &care.retention.difference,
        retention(Q1, 1.0) - retention(Q1, Q2),
    );
    assert_close(
        "care revenue",
        &care.revenue.difference,
        revenue(Q1, 1.0) - revenue(Q1, Q2),
    );
    // The baseline values themselves.
    assert_close(
        "base retention",
        &delivery.retention.base,
        retention(Q1, Q2),
    );
    // No costs, no budget, no discounting: NPV is revenue.
    assert_eq!(
        delivery.npv.difference.mean,
        delivery.revenue.difference.mean
    );

    // A stage with one touchpoint is that touchpoint; a stage with none changes nothing.
    let stage = |name: &str| {
        d.removal_by_stage
            .iter()
            .find(|r| r.target == name)
            .unwrap_or_else(|| panic!("{name} missing"))
    };
    assert_eq!(stage("Purchase").retention, delivery.retention);
    assert_eq!(stage("Relationship").revenue, care.revenue);
    let ex = stage("Exception").retention.difference;
    assert_eq!((ex.mean, ex.se), (0.0, 0.0));

    // Exact: perfect care saves more customers than perfect delivery (0.874 vs 0.863 retained).
    assert!(retention(Q1, 1.0) > retention(1.0, Q2) + 0.005);
    assert_eq!(d.weakest_stage, "Relationship");
    // Sorted by retention gain.
    assert_eq!(d.removal_by_touchpoint[0].target, "care");

    // Root-cause bookkeeping: stage counts add up to the churners; touchpoint counts to the
    // stage counts; no Exception churn without Exception touchpoints.
    let total: u64 = d.cause_by_stage.iter().map(|c| c.churners).sum();
    assert_eq!(total, d.churners);
    let by_tp: u64 = d.cause_by_touchpoint.iter().map(|c| c.churners).sum();
    let attributed: u64 = d.cause_by_stage[..3].iter().map(|c| c.churners).sum();
    assert_eq!(by_tp, attributed);
    assert_eq!(d.cause_by_stage[1].churners, 0);
    assert_close("churn", &d.churn, 1.0 - retention(Q1, Q2));
}

#[test]
fn diagnosis_is_deterministic_at_any_thread_count() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/telecom.ron");
    let m = cxsim::model::load::load_file(&path).unwrap_or_else(|e| panic!("{e}"));
    let render = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap_or_else(|e| panic!("{e}"));
        pool.install(|| {
            let d = diagnose::diagnose(&m, 1, 6_000, 4, None, &|_, _| {})
                .unwrap_or_else(|e| panic!("{e}"));
            (
                cxsim::report::diagnose::json(&d),
                cxsim::report::diagnose::csv(&d),
                cxsim::report::diagnose::table(&d),
            )
        })
    };
    let one = render(1);
    assert_eq!(one, render(2));
    let (json, _, table) = one;
    assert!(table.contains("WEAKEST LEG"), "{table}");
    let v: serde_json::Value = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(v["schema"], "cxsim.diagnose/1");
}

/// Revenue lost by root cause on a one-touchpoint chain with an attribution window of one
/// period. Each period the Purchase touchpoint (quality Q1) sets `satisfied` to 1 or 0; the
/// churn hazard is then θ·e^(−w_s) after a success and θ after a failure, so a customer churns
/// in period t after a failure with probability g^(t−1)(1−Q1)θ and after a success with
/// g^(t−1)·Q1·θe^(−w_s), g = Q1(1−θe^(−w_s)) + (1−Q1)(1−θ). A churner in period t loses
/// V·(H − t + 1) (the rate V over the periods left, the churn period included). Churn after a
/// failure is blamed on the touchpoint (the window holds only the churn period), after a
/// success on nothing (baseline churn). Tolerance: 4 standard errors of each estimate.
#[test]
fn lost_revenue_by_root_cause_matches_the_exact_chain() {
    let tps = format!(
        r#"Touchpoint(id: "delivery", name: "Delivery", stage: Purchase, trigger: EveryPeriod,
               quality: {Q1:?}, effects: (success: (satisfied: Up(1.0)), failure: (satisfied: Down(1.0))))"#
    );
    let text = chain(&tps, [W_S, 0.0, 0.0]).replacen(
        "horizon:",
        "attribution_window: 1,\n    horizon:",
        1,
    );
    let m = model(&text);
    let d =
        diagnose::diagnose(&m, 0, 100_000, 5, None, &|_, _| {}).unwrap_or_else(|e| panic!("{e}"));
    let h_ok = THETA * (-W_S).exp();
    let g = Q1 * (1.0 - h_ok) + (1.0 - Q1) * (1.0 - THETA);
    let lost = |p_churn: f64| -> f64 {
        (1..=H)
            .map(|t| g.powi(t as i32 - 1) * p_churn * V * (H - t + 1) as f64)
            .sum()
    };
    let blamed = lost((1.0 - Q1) * THETA);
    let baseline = lost(Q1 * h_ok);
    let row = |stage: &str| {
        d.cause_by_stage
            .iter()
            .find(|c| c.stage == stage)
            .unwrap_or_else(|| panic!("{stage} missing"))
    };
    assert_close("lost to Purchase", &row("Purchase").lost_revenue, blamed);
    assert_close("lost to no failure", &row("none").lost_revenue, baseline);
    assert_close("lost in all", &d.lost_revenue, blamed + baseline);
    let tp = &d.cause_by_touchpoint[0];
    assert_eq!(tp.touchpoint.as_deref(), Some("delivery"));
    assert_eq!(tp.lost_revenue, row("Purchase").lost_revenue);
    // Stages without touchpoints lose nothing; the shares add up to one.
    assert_eq!(row("Exception").lost_revenue.mean, 0.0);
    let shares: f64 = d
        .cause_by_stage
        .iter()
        .map(|c| c.share_of_lost_revenue)
        .sum();
    assert!((shares - 1.0).abs() < 1e-12);
    // Every output format carries it.
    assert!(cxsim::report::diagnose::json(&d).contains("\"lost_revenue\""));
    assert!(
        cxsim::report::diagnose::csv(&d)
            .lines()
            .next()
            .is_some_and(|h| h.ends_with("lost_revenue_hi"))
    );
    assert!(cxsim::report::diagnose::table(&d).contains("lost revenue per customer"));
    let doc = cxsim::report::document::diagnose_doc(&d);
    assert!(doc.markdown().contains("lost revenue per customer [95%]"));
    assert!(doc.html().contains("Revenue lost to churn by root cause"));
}
