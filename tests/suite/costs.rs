//! Service cost and programme spend are reported separately, and NPV/CLV account for them.

use std::path::Path;

use cxsim::engine::RunSpec;

const SCENARIO: &str = r#"Scenario(
    name: "Costs", period: Month, horizon: 12,
    segments: [Segment(id: "all", share: 1.0, value_per_period: 10.0,
        initial: (satisfied: 0.5, pleased: 0.5, loyal: 0.5), churn_propensity: Fixed(0.1))],
    touchpoints: [Touchpoint(id: "t", name: "T", stage: Purchase, trigger: EveryPeriod,
        quality: 1.0, cost: 2.0)],
    churn: (protection: (satisfied: 0.0, pleased: 0.0, loyal: 0.0)),
    revenue: (loyalty_uplift: 0.0),
    strategies: [
        Strategy(name: "none", budget: 0.0, emphasis: (purchase: 1.0, exception: 0.0, relationship: 0.0)),
        Strategy(name: "spend", budget: 3.0, emphasis: (purchase: 1.0, exception: 0.0, relationship: 0.0)),
    ],
)"#;

#[test]
fn service_cost_and_programme_spend_are_separate() {
    let model = cxsim::model::load::load_str(Path::new("costs.ron"), SCENARIO).expect("valid");
    let r = cxsim::run::simulate(&model, &RunSpec::all_strategies(&model, 20_000, 3));
    for s in &r.strategies {
        let life = s.lifetime_periods.mean;
        // Every active period costs 2.0 of service (quality 1: no escalations) …
        assert!((s.cost_per_customer.mean - 2.0 * life).abs() < 1e-9 * life);
        // … and the budget in programme spend.
        assert!((s.programme_per_customer.mean - s.budget * life).abs() < 1e-9 * life.max(1.0));
        // No discounting: CLV = revenue − service cost, NPV = CLV − programme spend.
        let clv = s.revenue_per_customer.mean - s.cost_per_customer.mean;
        assert!((s.clv_per_customer.mean - clv).abs() < 1e-6);
        let npv = clv - s.programme_per_customer.mean;
        assert!((s.npv_per_customer.mean - npv).abs() < 1e-6);
    }
    // Quality is already 1, so spending changes nothing but the programme cost.
    assert_eq!(
        r.strategies[0].lifetime_periods,
        r.strategies[1].lifetime_periods
    );
    assert_eq!(r.strategies[0].programme_per_customer.mean, 0.0);
    assert!(r.strategies[1].programme_per_customer.mean > 0.0);
}
