//! `compare`: paired differences on common random numbers. A strategy against an identical
//! copy differs by exactly 0 in every metric; a dominating strategy is significantly better;
//! pairing shrinks the standard error; output is deterministic at any thread count.

use std::path::Path;

use cxsim::analysis::compare::{self, COMPARE_SCHEMA, COMPARED};
use cxsim::analysis::estimate;
use cxsim::model::Model;
use cxsim::results::Metric;

const DOMINANT: &str = "tests/fixtures/analysis/dominant.ron";

fn load(rel: &str) -> Model {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(rel);
    cxsim::model::load::load_file(&path).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn strategy_against_its_copy_differs_by_exactly_zero() {
    let m = load(DOMINANT);
    // "balanced copy" (index 2) against "balanced" (index 0).
    let c =
        compare::compare(&m, &[2], 0, 9_000, 3, None, &|_, _| {}).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(c.baseline, "balanced");
    assert_eq!(c.comparisons.len(), 1);
    let sc = &c.comparisons[0];
    assert_eq!(sc.strategy, "balanced copy");
    assert_eq!(sc.metrics.len(), COMPARED.len());
    for p in &sc.metrics {
        let d = p.difference;
        assert_eq!(
            (d.mean, d.se, d.lo, d.hi),
            (0.0, 0.0, 0.0, 0.0),
            "{}",
            p.metric.name()
        );
        assert!(!p.significant, "{}", p.metric.name());
        assert_eq!(p.se_ratio, None, "{}", p.metric.name());
        assert_eq!(p.base, p.other, "{}", p.metric.name());
    }
}

#[test]
fn the_baseline_is_not_compared_with_itself() {
    let m = load(DOMINANT);
    let c = compare::compare(&m, &[0, 1], 0, 100, 1, None, &|_, _| {})
        .unwrap_or_else(|e| panic!("{e}"));
    let names: Vec<&str> = c.comparisons.iter().map(|s| s.strategy.as_str()).collect();
    assert_eq!(names, ["exception-only"]);
    assert_eq!(c.results.strategies.len(), 2);
}

#[test]
fn dominating_strategy_is_significantly_better() {
    let m = load(DOMINANT);
    let c = compare::compare(&m, &[1], 0, 20_000, 7, None, &|_, _| {})
        .unwrap_or_else(|e| panic!("{e}"));
    let sc = &c.comparisons[0];
    let get = |metric: Metric| {
        *sc.metrics
            .iter()
            .find(|p| p.metric == metric)
            .unwrap_or_else(|| panic!("{} missing", metric.name()))
    };
    for metric in [Metric::Npv, Metric::Revenue, Metric::Retention, Metric::Clv] {
        let p = get(metric);
        assert!(
            p.significant && p.difference.lo > 0.0,
            "{}: {:?}",
            metric.name(),
            p.difference
        );
        // Pairing helps: the paired se is below the se of independent runs.
        let ratio = p.se_ratio.unwrap_or(0.0);
        assert!(ratio > 1.0, "{}: CRN gain {ratio}", metric.name());
    }
    // The estimates a comparison reports are the run's own.
    let npv = get(Metric::Npv);
    assert_eq!(Some(npv.base), estimate(&c.results, 0, Metric::Npv));
    assert_eq!(npv.base.mean, c.results.strategies[0].npv_per_customer.mean);
    // Retention at the horizon equals the retention curve's last point.
    let ret = get(Metric::Retention);
    let curve = c.results.strategies[1].retention.last().map(|p| p.mean);
    assert_eq!(Some(ret.other.mean), curve);
}

#[test]
fn json_document_follows_the_schema() {
    let m = load(DOMINANT);
    let c = compare::compare(&m, &[0, 1, 2], 1, 5_000, 2, None, &|_, _| {})
        .unwrap_or_else(|e| panic!("{e}"));
    let v: serde_json::Value =
        serde_json::from_str(&cxsim::report::compare::json(&c)).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(v["schema"], COMPARE_SCHEMA);
    assert_eq!(v["baseline"], "exception-only");
    assert_eq!(v["customers"], 5_000);
    let comps = v["comparisons"].as_array().expect("comparisons array");
    assert_eq!(comps.len(), 2);
    assert_eq!(comps[0]["strategy"], "balanced");
    let first = &comps[0]["metrics"][0];
    assert_eq!(first["metric"], "npv");
    for key in [
        "base",
        "other",
        "difference",
        "significant",
        "independent_se",
        "se_ratio",
    ] {
        assert!(!first[key].is_null(), "{key} missing in {first}");
    }
    assert!(first["difference"]["hi"].as_f64() < Some(0.0));
}

#[test]
fn output_is_identical_at_any_thread_count() {
    let m = load(DOMINANT);
    let render = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap_or_else(|e| panic!("{e}"));
        pool.install(|| {
            let c = compare::compare(&m, &[0, 1, 2], 0, 10_001, 9, None, &|_, _| {})
                .unwrap_or_else(|e| panic!("{e}"));
            (
                cxsim::report::compare::json(&c),
                cxsim::report::compare::csv(&c),
                cxsim::report::compare::table(&c),
            )
        })
    };
    assert_eq!(render(1), render(3));
}
