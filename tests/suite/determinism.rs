//! Reproducibility contract: the same model, customers and seed give the same JSON bytes on
//! any number of threads; a different seed gives different results; every strategy sees the
//! same customers with the same luck (common random numbers).

use crate::common;

use std::path::Path;

use cxsim::engine::{M, M_REVENUE, RunSpec};
use cxsim::model::Model;
use cxsim::report;
use cxsim::results::RunResults;

use crate::common::model;

/// Not a multiple of the work unit (4096), so the last unit is partial.
const CUSTOMERS: u64 = 10_001;

fn benchmark() -> Model {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/benchmark-triad.ron");
    cxsim::model::load::load_file(&path).unwrap_or_else(|e| panic!("{e}"))
}

/// Two segments (Beta and Fixed propensity), every trigger kind, escalations, discounting and
/// three strategies with budgets.
const MULTI: &str = r#"Scenario(
    name: "Determinism multi-strategy",
    period: Month,
    horizon: 30,
    discount_rate: 0.09,
    segments: [
        Segment(id: "retail", share: 0.7, value_per_period: 35.0,
                initial: (satisfied: 0.5, pleased: 0.4, loyal: 0.2),
                churn_propensity: Beta(alpha: 0.9, beta: 6.0)),
        Segment(id: "business", share: 0.3, value_per_period: 120.0,
                initial: (satisfied: 0.6, pleased: 0.5, loyal: 0.4),
                churn_propensity: Fixed(0.04)),
    ],
    touchpoints: [
        Touchpoint(id: "order", name: "Order", stage: Purchase, trigger: EveryPeriod,
                   quality: 0.9, cost: 1.5,
                   effects: (success: (satisfied: Up(0.1)), failure: (satisfied: Down(0.3))),
                   on_failure: [OpenIncident]),
        Touchpoint(id: "returns", name: "Returns", stage: Purchase, trigger: Chance(0.2),
                   quality: 0.8,
                   effects: (failure: (satisfied: Down(0.2))),
                   on_failure: [OpenIncident, Escalate(probability: 0.2, cost: 30.0)]),
        Touchpoint(id: "helpdesk", name: "Helpdesk", stage: Exception, trigger: OnIncident,
                   quality: 0.65, cost: 4.0,
                   effects: (success: (pleased: Up(0.3)), failure: (pleased: Down(0.4))),
                   on_failure: [Escalate(probability: 0.5, cost: 90.0)]),
        Touchpoint(id: "callback", name: "Callback", stage: Exception,
                   trigger: After(touchpoint: "helpdesk", outcome: Failure, probability: 0.6),
                   quality: 0.5, cost: 8.0,
                   effects: (success: (pleased: Up(0.5), loyal: Up(0.05)))),
        Touchpoint(id: "newsletter", name: "Newsletter", stage: Relationship,
                   trigger: EveryPeriod, quality: 0.35,
                   effects: (success: (loyal: Up(0.1)), failure: (loyal: Down(0.03)))),
    ],
    churn: (protection: (satisfied: 1.2, pleased: 0.9, loyal: 1.6)),
    revenue: (loyalty_uplift: 0.4),
    investment: (max_uplift: 0.6, half_saturation: 4.0),
    strategies: [
        Strategy(name: "baseline", budget: 0.0,
                 emphasis: (purchase: 0.34, exception: 0.33, relationship: 0.33)),
        Strategy(name: "fix-purchase", budget: 5.0,
                 emphasis: (purchase: 0.8, exception: 0.2, relationship: 0.0)),
        Strategy(name: "care", budget: 3.5,
                 emphasis: (purchase: 0.1, exception: 0.5, relationship: 0.4)),
    ],
)"#;

fn json_on_threads(m: &Model, spec: &RunSpec, threads: usize) -> String {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap_or_else(|e| panic!("cannot build a pool of {threads} threads: {e}"));
    let r = pool.install(|| cxsim::run::simulate(m, spec));
    assert_eq!(r.customers, spec.customers);
    report::json(&r)
}

fn assert_thread_independent(what: &str, m: &Model, seed: u64) {
    let spec = RunSpec::all_strategies(m, CUSTOMERS, seed);
    let one = json_on_threads(m, &spec, 1);
    for threads in [2, 8] {
        let other = json_on_threads(m, &spec, threads);
        assert!(
            one == other,
            "{what}: JSON on {threads} threads differs from 1 thread"
        );
    }
    // Same seed, same bytes on a second run (on the global pool).
    let again = report::json(&cxsim::run::simulate(m, &spec));
    assert!(
        one == again,
        "{what}: a second run with the same seed differs"
    );
    // A different seed gives a different document.
    let spec2 = RunSpec::all_strategies(m, CUSTOMERS, seed + 1);
    let different = json_on_threads(m, &spec2, 2);
    assert_ne!(
        one,
        different,
        "{what}: seeds {seed} and {} agree",
        seed + 1
    );
}

#[test]
fn benchmark_json_is_thread_and_run_independent() {
    assert_thread_independent("benchmark-triad", &benchmark(), 2024);
}

#[test]
fn multi_strategy_json_is_thread_and_run_independent() {
    let m = model(MULTI);
    assert_eq!(m.scenario.strategies.len(), 3);
    assert_thread_independent("multi-strategy", &m, 7);
}

/// The raw sums behind the results (kept for paired comparisons and shards) are also
/// thread-independent, not only their rendering.
#[test]
fn accumulators_are_thread_independent() {
    let m = model(MULTI);
    let spec = RunSpec::all_strategies(&m, CUSTOMERS, 99);
    let run = |threads: usize| -> RunResults {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap_or_else(|e| panic!("{e}"));
        pool.install(|| cxsim::run::simulate(&m, &spec))
    };
    let a = run(1);
    let b = run(8);
    assert!(a.acc.is_some());
    assert!(
        a == b,
        "results (including raw sums) differ between 1 and 8 threads"
    );
}

/// The engine's parallel reduction (a recursive join per aligned block) is the canonical
/// binary counter of docs/model.md §6, fed one unit at a time in unit order: the same bits,
/// for a unit count that is not a power of two (blocks of 8, 4 and 1 units).
#[test]
fn the_parallel_reduction_is_the_sequential_counter() {
    use cxsim::engine::{Engine, UNIT, reduce::Reducer};
    let m = model(MULTI);
    let customers = 12 * UNIT + 1;
    let engine = Engine::new(&m, RunSpec::all_strategies(&m, customers, 5));
    let mut counter = Reducer::new(0);
    for u in 0..customers.div_ceil(UNIT) {
        counter.push_unit(engine.simulate_unit(u));
    }
    let sequential = counter.finish().unwrap_or_else(|| panic!("no units"));
    for threads in [1, 2, 5] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap_or_else(|e| panic!("{e}"));
        let parallel = pool
            .install(|| engine.run(None, &|_, _| {}))
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(
            parallel == sequential,
            "{threads} threads: the parallel reduction differs from the unit-order counter"
        );
    }
}

/// Progress comes from the workers as units finish; the reports still only go up, one per
/// unit, and end at the number of customers.
#[test]
fn progress_reports_increase_and_end_at_the_total() {
    use cxsim::engine::{Engine, UNIT};
    let m = benchmark();
    let customers = 9 * UNIT + 7;
    let engine = Engine::new(&m, RunSpec::all_strategies(&m, customers, 1));
    let seen = std::sync::Mutex::new(Vec::new());
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(3)
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    pool.install(|| {
        engine.run(None, &|done, total| {
            if let Ok(mut v) = seen.lock() {
                v.push((done, total));
            }
        })
    })
    .unwrap_or_else(|e| panic!("{e}"));
    let seen = seen.into_inner().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(seen.len(), 10, "one report per unit: {seen:?}");
    assert!(seen.windows(2).all(|w| w[0].0 < w[1].0), "{seen:?}");
    assert!(
        seen.iter().all(|&(_, total)| total == customers),
        "{seen:?}"
    );
    assert_eq!(seen.last().map(|&(done, _)| done), Some(customers));
}

/// A strategy against an exact copy of itself (another name): the per-customer values are the
/// same numbers, so the paired difference is exactly 0 with exactly 0 standard error.
#[test]
fn identical_strategies_have_zero_paired_difference() {
    let text = MULTI.replace(
        r#"        Strategy(name: "care", budget: 3.5,"#,
        r#"        Strategy(name: "fix-purchase copy", budget: 5.0,
                 emphasis: (purchase: 0.8, exception: 0.2, relationship: 0.0)),
        Strategy(name: "care", budget: 3.5,"#,
    );
    let m = model(&text);
    let names: Vec<&str> = m
        .scenario
        .strategies
        .iter()
        .map(|s| s.name.as_str())
        .collect();
    assert_eq!(
        names,
        ["baseline", "fix-purchase", "fix-purchase copy", "care"]
    );
    let r = common::run(&m, CUSTOMERS, 5);
    for (a, b) in [(1, 2), (2, 1)] {
        for metric in 0..M {
            let d = r
                .paired_difference(a, b, metric)
                .unwrap_or_else(|| panic!("no paired difference for metric {metric}"));
            assert_eq!(
                (d.mean, d.se),
                (0.0, 0.0),
                "metric {}: strategy vs its copy",
                cxsim::engine::METRICS[metric]
            );
        }
    }
    // Everything but the name is identical.
    let mut copy = r.strategies[2].clone();
    copy.name = r.strategies[1].name.clone();
    assert!(
        copy == r.strategies[1],
        "a strategy and its copy give different results"
    );
    // And a real difference is not zero.
    let d = r.paired_difference(0, 1, M_REVENUE).unwrap();
    assert!(d.se > 0.0 && d.mean != 0.0);
}

/// Common random numbers: both strategies see the same customers (same θ, same draws), so
/// their revenues are strongly positively correlated and the paired SE
/// sqrt(se_a² + se_b² − 2ρ·se_a·se_b) is far below the SE of independent runs
/// sqrt(se_a² + se_b²). Independent streams (ρ = 0) would make the two equal up to sampling
/// noise of a few per mille at this N; requiring a factor 2 (i.e. ρ > 0.75) shows the pairing is
/// real without depending on the precise correlation.
#[test]
fn common_random_numbers_shrink_paired_se() {
    let text = include_str!("../../scenarios/benchmark-triad.ron").replace(
        "strategies: [",
        r#"strategies: [
        Strategy(name: "purchase", budget: 5.0,
                 emphasis: (purchase: 1.0, exception: 0.0, relationship: 0.0)),"#,
    );
    let m = model(&text);
    let r = common::run(&m, 100_000, 17);
    let (a, b) = (&r.strategies[0], &r.strategies[1]);
    assert_eq!((a.name.as_str(), b.name.as_str()), ("purchase", "baseline"));
    let independent = a.revenue_per_customer.se.hypot(b.revenue_per_customer.se);
    let paired = r.paired_difference(1, 0, M_REVENUE).unwrap();
    assert!(
        paired.se < 0.5 * independent,
        "paired se {} not clearly below independent se {independent}",
        paired.se
    );
    // Investing in Purchase raises quality, hence protection, hence revenue.
    assert!(
        paired.mean > 0.0,
        "investment lowered revenue: {}",
        paired.mean
    );
    assert!(
        (paired.mean - (a.revenue_per_customer.mean - b.revenue_per_customer.mean)).abs()
            <= 1e-9 * a.revenue_per_customer.mean,
        "paired mean is not the difference of the means"
    );
}
