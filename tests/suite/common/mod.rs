//! Shared helpers of the statistical integration tests: building scenarios from RON snippets,
//! running them, and comparing Monte Carlo estimates with exact values.
//!
//! Tolerance policy (used by every check here): an estimate is accepted when it lies within
//! `K_SIGMA` standard errors of the exact value. For a normal estimator a single 4σ check fails
//! by chance with probability 6.3e-5, so even the few hundred (strongly correlated) checks of
//! the suite together have a false-alarm rate well under 2 %, while a real modelling error of a
//! few standard errors is caught. The seeds are fixed, so a run is reproducible: a failure is
//! either an engine bug or (rarely) a reproducible fluke that a different seed would not repeat.

#![allow(dead_code)] // each test crate uses a different subset

pub mod cli;
pub mod tui;

use std::path::Path;

use cxsim::engine::RunSpec;
use cxsim::model::Model;
use cxsim::results::{Estimate, RunResults};

/// Number of standard errors an estimate may deviate from its exact value.
pub const K_SIGMA: f64 = 4.0;

/// Parses and validates RON text, panicking with the rendered problems on failure.
pub fn model(text: &str) -> Model {
    match cxsim::model::load::load_str(Path::new("inline.ron"), text) {
        Ok(m) => m,
        Err(e) => panic!("test scenario does not load:\n{e}\n--- text ---\n{text}"),
    }
}

/// Runs every strategy of the model.
pub fn run(model: &Model, customers: u64, seed: u64) -> RunResults {
    cxsim::run::simulate(model, &RunSpec::all_strategies(model, customers, seed))
}

/// A one-segment scenario with a single `baseline` strategy (budget 0).
///
/// `segment_body` is the inside of `Segment(...)` without `id` and `share`;
/// `touchpoints` is the inside of the touchpoint list.
pub fn scenario(
    horizon: u32,
    discount_rate: f64,
    segment_body: &str,
    touchpoints: &str,
    protection: [f64; 3],
    loyalty_uplift: f64,
) -> String {
    format!(
        r#"Scenario(
    name: "closed form",
    period: Month,
    horizon: {horizon},
    discount_rate: {discount_rate:?},
    segments: [ Segment(id: "all", share: 1.0, {segment_body}) ],
    touchpoints: [ {touchpoints} ],
    churn: (protection: (satisfied: {:?}, pleased: {:?}, loyal: {:?})),
    revenue: (loyalty_uplift: {loyalty_uplift:?}),
    strategies: [
        Strategy(name: "baseline", budget: 0.0,
                 emphasis: (purchase: 0.34, exception: 0.33, relationship: 0.33)),
    ],
)"#,
        protection[0], protection[1], protection[2]
    )
}

/// Monthly discount factors d_t = (1 + r)^(−t/12) for t = 1..=horizon (index t−1), computed
/// independently of the engine's (1 + r_p)^(−t) with r_p = (1 + r)^(1/12) − 1 (equal in exact
/// arithmetic).
pub fn monthly_discount(annual: f64, horizon: usize) -> Vec<f64> {
    (1..=horizon)
        .map(|t| (1.0 + annual).powf(-(t as f64) / 12.0))
        .collect()
}

/// Asserts |estimate − exact| ≤ K_SIGMA · se, where se is the run's own standard error.
pub fn assert_estimate(what: &str, e: &Estimate, exact: f64) {
    let tol = K_SIGMA * e.se;
    let dev = e.mean - exact;
    assert!(
        dev.abs() <= tol,
        "{what}: estimate {} (se {}) vs exact {exact}: deviation {dev} = {:.2} se exceeds {K_SIGMA} se",
        e.mean,
        e.se,
        dev / e.se
    );
}

/// Asserts that the retention curve matches exact survival probabilities `exact[t]`
/// (t = 0..=horizon): |p̂_t − p_t| ≤ K_SIGMA · sqrt(p_t (1 − p_t) / N), the binomial standard
/// error computed from the exact p_t (so a wrong curve cannot widen its own tolerance).
pub fn assert_retention(what: &str, r: &RunResults, strategy: usize, exact: &[f64]) {
    let n = r.customers as f64;
    let ret = &r.strategies[strategy].retention;
    assert_eq!(ret.len(), exact.len(), "{what}: retention length");
    for (t, (pt, &p)) in ret.iter().zip(exact).enumerate() {
        assert_eq!(pt.period as usize, t);
        let se = (p * (1.0 - p) / n).sqrt();
        let dev = pt.mean - p;
        assert!(
            dev.abs() <= K_SIGMA * se,
            "{what}: retention at t={t}: estimate {} vs exact {p}: deviation {dev} = {:.2} se \
             (se {se}) exceeds {K_SIGMA} se",
            pt.mean,
            dev / se
        );
    }
}

/// Structural properties every retention curve has, whatever the model: everyone is active at
/// period 0 (exactly 1.0), retention never increases, and each interval contains its mean.
pub fn assert_retention_sane(what: &str, r: &RunResults) {
    for s in &r.strategies {
        let ret = &s.retention;
        assert_eq!(
            ret.len(),
            r.horizon as usize + 1,
            "{what}/{}: length",
            s.name
        );
        assert_eq!(ret[0].mean, 1.0, "{what}/{}: period 0 retention", s.name);
        for w in ret.windows(2) {
            assert!(
                w[1].mean <= w[0].mean,
                "{what}/{}: retention increases from t={} ({}) to t={} ({})",
                s.name,
                w[0].period,
                w[0].mean,
                w[1].period,
                w[1].mean
            );
        }
        for p in ret {
            assert!(
                p.lo <= p.mean && p.mean <= p.hi,
                "{what}/{}: interval [{}, {}] does not contain mean {} at t={}",
                s.name,
                p.lo,
                p.hi,
                p.mean,
                p.period
            );
            assert!(
                (0.0..=1.0).contains(&p.lo) && (0.0..=1.0).contains(&p.hi),
                "{what}/{}: interval [{}, {}] outside 0..1 at t={}",
                s.name,
                p.lo,
                p.hi,
                p.period
            );
        }
    }
}
