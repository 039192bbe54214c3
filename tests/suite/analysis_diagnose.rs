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
    // Churners are split over causes, so the parts add up to within rounding.
    let total: f64 = d.cause_by_stage.iter().map(|c| c.churners).sum();
    assert!((total - d.churners as f64).abs() <= 1e-9 * d.churners as f64);
    let by_tp: f64 = d.cause_by_touchpoint.iter().map(|c| c.churners).sum();
    let attributed: f64 = d.cause_by_stage[..3].iter().map(|c| c.churners).sum();
    assert!((by_tp - attributed).abs() <= 1e-9 * attributed);
    assert_eq!(d.cause_by_stage[1].churners, 0.0);
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

/// Root cause and revenue lost, against the exact chain with one touchpoint (Up(1.0) on
/// success, Down(1.0) on failure, so the state after it is its last outcome) and a window of one
/// period. A churn after a success has no failure in its window: all baseline. A churn after a
/// failure that followed state s has harm h = w_s·s, so the failure's part is 1 − e^−h and the
/// rest is baseline (docs/model.md §4); a failure after a failure did no further harm and gets
/// nothing. The exact sums walk the chain over the state before the touchpoint (0.5 at the start,
/// then 1 or 0). Each churner in period t loses V·(H − t + 1). Tolerance: 4 standard errors of
/// each estimate.
#[test]
fn root_cause_and_lost_revenue_match_the_exact_chain() {
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
    // (state before the touchpoint, probability mass alive with it)
    let mut mass: Vec<(f64, f64)> = vec![(0.5, 1.0)];
    let (mut blamed, mut baseline, mut blamed_n, mut churn_n) = (0.0, 0.0, 0.0, 0.0);
    for t in 1..=H {
        let left = V * (H - t + 1) as f64;
        let (mut alive_ok, mut alive_failed) = (0.0, 0.0);
        for &(s_before, m) in &mass {
            let after_ok = m * Q1 * h_ok;
            let after_failure = m * (1.0 - Q1) * THETA;
            let part = 1.0 - (-W_S * s_before).exp();
            blamed += after_failure * part * left;
            baseline += (after_ok + after_failure * (1.0 - part)) * left;
            blamed_n += after_failure * part;
            churn_n += after_ok + after_failure;
            alive_ok += m * Q1 * (1.0 - h_ok);
            alive_failed += m * (1.0 - Q1) * (1.0 - THETA);
        }
        mass = vec![(1.0, alive_ok), (0.0, alive_failed)];
    }
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
    // The share of churners blamed on the touchpoint: a ratio, checked with its own error.
    assert_close(
        "delivery's share",
        &tp.share_of_churners,
        blamed_n / churn_n,
    );
    assert_close("blamed per customer", &tp.share_of_customers, blamed_n);
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

/// A journey with a harmful delivery and a newsletter whose failure ("not read") changes
/// nothing, written as `newsletter` (the inside of its `Touchpoint(...)` after the stage).
fn newsletter_journey(newsletter: &str) -> String {
    let tps = format!(
        r#"Touchpoint(id: "delivery", name: "Delivery", stage: Purchase, trigger: EveryPeriod,
               quality: 0.8, effects: (success: (satisfied: Up(0.2)), failure: (satisfied: Down(0.5)))),
           Touchpoint(id: "newsletter", name: "Newsletter", stage: Relationship, {newsletter})"#
    );
    chain(&tps, [W_S, 0.0, W_L])
}

/// docs/model.md §4: a failure is blamed only in proportion to the harm it did. A newsletter
/// nobody reads does no harm, so it is never a root cause; and writing "read by 20 %" as a
/// quality (`EveryPeriod`, quality 0.2) or as a reach (`Chance(0.2)`, quality 1.0) is the same
/// behaviour, so the two give the same root-cause shares: equal within 4 standard errors of
/// their difference (independent seeds).
#[test]
fn a_failure_without_effect_is_never_blamed_in_either_encoding() {
    let quality = newsletter_journey(
        "trigger: EveryPeriod, quality: 0.2, effects: (success: (loyal: Up(0.3)))",
    );
    let reach = newsletter_journey(
        "trigger: Chance(0.2), quality: 1.0, effects: (success: (loyal: Up(0.3)))",
    );
    let run = |text: &str, seed: u64| {
        diagnose::diagnose(&model(text), 0, 100_000, seed, None, &|_, _| {})
            .unwrap_or_else(|e| panic!("{e}"))
    };
    let (a, b) = (run(&quality, 3), run(&reach, 4));
    for d in [&a, &b] {
        let newsletter = d
            .cause_by_touchpoint
            .iter()
            .find(|c| c.touchpoint.as_deref() == Some("newsletter"))
            .unwrap_or_else(|| panic!("newsletter missing"));
        assert_eq!(newsletter.churners, 0.0);
        assert_eq!(newsletter.share_of_churners.mean, 0.0);
        assert_eq!(newsletter.lost_revenue.mean, 0.0);
        let relationship = &d.cause_by_stage[2];
        assert_eq!(relationship.stage, "Relationship");
        assert_eq!(relationship.churners, 0.0);
        // The delivery's failures are blamed, but not for every churn.
        let purchase = &d.cause_by_stage[0];
        assert!(purchase.share_of_churners.mean > 0.05, "{purchase:?}");
        assert!(d.cause_by_stage[3].share_of_churners.mean > 0.05);
    }
    for (x, y) in a.cause_by_stage.iter().zip(&b.cause_by_stage) {
        let (ex, ey) = (x.share_of_churners, y.share_of_churners);
        let tol = K_SIGMA * (ex.se * ex.se + ey.se * ey.se).sqrt();
        assert!(
            (ex.mean - ey.mean).abs() <= tol,
            "{}: {} vs {} (tolerance {tol})",
            x.stage,
            ex.mean,
            ey.mean
        );
    }
}
