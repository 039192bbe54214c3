//! Per-segment results (docs/model.md §15): accumulated in the one run, so the segments add up
//! to the whole exactly, and each segment's figures match its own closed form within its own
//! standard error.

use crate::common::{K_SIGMA, assert_estimate, model, run};

/// Two segments with different fixed θ and no protection: each segment's survival is
/// geometric in its own θ, S_g(t) = (1 − θ_g)^t, revenue v_g·Σ S_g(t).
#[test]
fn each_segments_retention_and_revenue_follow_its_own_geometric_law() {
    let text = r#"Scenario(
    name: "two segments",
    period: Month,
    horizon: 24,
    segments: [
        Segment(id: "loyal", share: 0.7, value_per_period: 10.0,
                initial: (satisfied: 0.5, pleased: 0.5, loyal: 0.5), churn_propensity: Fixed(0.02)),
        Segment(id: "fickle", share: 0.3, value_per_period: 25.0,
                initial: (satisfied: 0.5, pleased: 0.5, loyal: 0.5), churn_propensity: Fixed(0.12)),
    ],
    touchpoints: [ Touchpoint(id: "visit", name: "Visit", stage: Purchase, trigger: EveryPeriod, quality: 1.0) ],
    churn: (protection: (satisfied: 0.0, pleased: 0.0, loyal: 0.0)),
    revenue: (loyalty_uplift: 0.0),
    strategies: [ Strategy(name: "baseline", emphasis: (purchase: 0.34, exception: 0.33, relationship: 0.33)) ],
)"#;
    let r = run(&model(text), 200_000, 17);
    let st = &r.strategies[0];
    assert_eq!(st.segments.len(), 2);
    for (g, theta, v) in [
        (&st.segments[0], 0.02f64, 10.0),
        (&st.segments[1], 0.12, 25.0),
    ] {
        let n = g.customers as f64;
        for p in &g.retention {
            let exact = (1.0 - theta).powi(p.period as i32);
            let se = (exact * (1.0 - exact) / n).sqrt();
            assert!(
                (p.mean - exact).abs() <= K_SIGMA * se.max(1e-12),
                "{}: retention at {} is {} vs exact {exact} (se {se})",
                g.id,
                p.period,
                p.mean
            );
        }
        let revenue: f64 = (1..=24).map(|t| v * (1.0 - theta).powi(t)).sum();
        assert_estimate(
            &format!("{} revenue", g.id),
            &g.revenue_per_customer,
            revenue,
        );
    }
    // Shares are drawn per customer: the count is binomial around 0.7·N.
    let n0 = st.segments[0].customers as f64;
    let se = (0.7 * 0.3 * 200_000.0f64).sqrt();
    assert!((n0 - 140_000.0).abs() <= K_SIGMA * se, "{n0}");
}

/// The segments are the whole split, not separate runs: customer counts, churners per
/// period, revenue and NPV sums and churn causes add up to the strategy's own, for every
/// shipped multi-segment scenario and every strategy.
#[test]
fn segments_add_up_to_the_whole_in_every_shipped_scenario() {
    let mut checked = 0;
    for entry in std::fs::read_dir("scenarios").expect("scenarios/") {
        let path = entry.expect("entry").path();
        if !path.to_string_lossy().ends_with(".ron") || path.to_string_lossy().contains(".expect.")
        {
            continue;
        }
        let m = cxsim::model::load::load_file(&path).expect("shipped scenario loads");
        if m.scenario.segments.len() < 2 {
            continue;
        }
        checked += 1;
        let r = run(&m, 8_192, 3);
        for st in &r.strategies {
            let what = format!("{} / {}", path.display(), st.name);
            assert_eq!(st.segments.len(), m.scenario.segments.len(), "{what}");
            let n: u64 = st.segments.iter().map(|g| g.customers).sum();
            assert_eq!(n, r.customers, "{what}: customers");
            for t in 0..=r.horizon as usize {
                let alive: f64 = st
                    .segments
                    .iter()
                    .map(|g| g.retention[t].mean * g.customers as f64)
                    .sum();
                let whole = st.retention[t].mean * r.customers as f64;
                assert!(
                    (alive - whole).abs() < 1e-6,
                    "{what}: alive at {t}: {alive} vs {whole}"
                );
            }
            let total = |f: &dyn Fn(&cxsim::results::segment::SegmentResult) -> f64| -> f64 {
                st.segments
                    .iter()
                    .map(|g| f(g) * g.customers as f64)
                    .sum::<f64>()
                    / r.customers as f64
            };
            for (name, whole, parts) in [
                (
                    "revenue",
                    st.revenue_per_customer.mean,
                    total(&|g| g.revenue_per_customer.mean),
                ),
                (
                    "NPV",
                    st.npv_per_customer.mean,
                    total(&|g| g.npv_per_customer.mean),
                ),
                (
                    "cost",
                    st.cost_per_customer.mean,
                    total(&|g| g.cost_per_customer.mean),
                ),
                (
                    "lifetime",
                    st.lifetime_periods.mean,
                    total(&|g| g.lifetime_periods.mean),
                ),
            ] {
                assert!(
                    (whole - parts).abs() <= 1e-9 * whole.abs().max(1.0),
                    "{what}: {name} {whole} vs segments {parts}"
                );
            }
            let churners: u64 = st.segments.iter().map(|g| g.churn_by_stage.churners).sum();
            assert_eq!(churners, st.churn_by_stage.churners, "{what}: churners");
            let none: f64 = st
                .segments
                .iter()
                .map(|g| g.churn_by_stage.none * g.churn_by_stage.churners as f64)
                .sum();
            let whole = st.churn_by_stage.none * st.churn_by_stage.churners as f64;
            assert!(
                (none - whole).abs() <= 1e-6 * whole.max(1.0),
                "{what}: none {none} vs {whole}"
            );
        }
    }
    assert!(
        checked >= 3,
        "only {checked} multi-segment scenarios were checked"
    );
}

/// Paired differences inside segments weigh up to the whole's: Σ n_g·d̄_g = N·d̄ for every
/// metric, and each has a standard error from its own customers.
#[test]
fn paired_differences_per_segment_add_up_to_the_whole() {
    let m = cxsim::model::load::load_file(std::path::Path::new("scenarios/retail-bank.ron"))
        .expect("loads");
    let r = run(&m, 12_000, 2);
    let n = r.customers as f64;
    for metric in cxsim::results::Metric::ALL {
        if metric == cxsim::results::Metric::Retention {
            continue;
        }
        let slot = metric.slot();
        let whole = r.paired_difference(0, 1, slot).expect("paired");
        let mut sum = 0.0;
        for (g, seg) in r.strategies[0].segments.iter().enumerate() {
            let d = r.paired_difference_in(g, 0, 1, slot).expect("per segment");
            assert!(d.se.is_finite() && d.se >= 0.0);
            sum += d.mean * seg.customers as f64;
        }
        assert!(
            (sum / n - whole.mean).abs() <= 1e-9 * whole.mean.abs().max(1.0),
            "{metric:?}: segments {} vs whole {}",
            sum / n,
            whole.mean
        );
    }
}
