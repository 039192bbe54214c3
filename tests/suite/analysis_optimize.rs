//! `optimize`: the search finds the maximum of a smooth analytic objective within the grid
//! resolution, and on a scenario where only Exception investment pays, finds the all-Exception
//! split with every clearly worse split distinguishable from it.

use std::path::Path;

use cxsim::analysis::optimize::{
    self, Analytic, Objective, OptimizeSpec, SearchConfig, search, split_name,
};
use cxsim::format::Emphasis;

fn load(rel: &str) -> cxsim::model::Model {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(rel);
    cxsim::model::load::load_file(&path).unwrap_or_else(|e| panic!("{e}"))
}

/// f = −((p − p*)² + 2(e − e*)² + (r − r*)²) with (p*, e*, r*) on the simplex: its maximum
/// over the simplex is exactly (p*, e*, r*).
fn smooth(target: [f64; 3]) -> impl FnMut(&Emphasis) -> f64 {
    move |e: &Emphasis| {
        -((e.purchase - target[0]).powi(2)
            + 2.0 * (e.exception - target[1]).powi(2)
            + (e.relationship - target[2]).powi(2))
    }
}

#[test]
fn finds_a_smooth_maximum_within_the_grid_resolution() {
    for (target, resolution) in [
        ([0.37, 0.21, 0.42], 10),
        ([0.05, 0.9, 0.05], 10),
        ([0.613, 0.0, 0.387], 7),
        ([1.0 / 3.0, 1.0 / 3.0, 1.0 / 3.0], 4),
    ] {
        let cfg = SearchConfig {
            resolution,
            ..SearchConfig::default()
        };
        let s = search(&cfg, &mut Analytic(smooth(target))).unwrap_or_else(|e| panic!("{e}"));
        let b = &s.best;
        let step = 1.0 / f64::from(resolution);
        for (got, want) in [b.purchase, b.exception, b.relationship].iter().zip(target) {
            assert!(
                (got - want).abs() <= step,
                "target {target:?} at resolution {resolution}: best {b:?}"
            );
        }
        // Refinement helps: the best is at least as good as the best coarse-grid point.
        let coarse_best = s
            .surface
            .iter()
            .filter(|p| p.round == 0)
            .map(|p| p.value.mean)
            .fold(f64::NEG_INFINITY, f64::max);
        assert!(b.value.mean >= coarse_best);
        assert_eq!(s.finest_resolution, resolution * 4);
        // Exact values: only the best itself (and exact ties) are indistinguishable.
        for p in &s.surface {
            assert_eq!(
                p.indistinguishable,
                p.value.mean == b.value.mean,
                "{p:?} vs best {b:?}"
            );
        }
        // Every point is on the simplex.
        for p in &s.surface {
            assert!((p.purchase + p.exception + p.relationship - 1.0).abs() < 1e-12);
        }
    }
}

#[test]
fn coarse_grid_has_every_split_once() {
    let cfg = SearchConfig {
        resolution: 5,
        rounds: 0,
        ..SearchConfig::default()
    };
    let s = search(&cfg, &mut Analytic(|_: &Emphasis| 1.0)).unwrap_or_else(|e| panic!("{e}"));
    // (R+1)(R+2)/2 splits, all tied: all indistinguishable, the first in lattice order is best.
    assert_eq!(s.surface.len(), 21);
    assert_eq!(s.indistinguishable, 21);
    assert_eq!(
        split_name(&Emphasis {
            purchase: s.best.purchase,
            exception: s.best.exception,
            relationship: s.best.relationship,
        }),
        "P0/E0/R100"
    );
}

#[test]
fn finds_the_dominating_emphasis_by_simulation() {
    let m = load("tests/fixtures/analysis/dominant.ron");
    let spec = OptimizeSpec {
        objective: Objective::Retention,
        budget: 6.0,
        customers: 20_000,
        seed: 5,
        config: SearchConfig {
            resolution: 5,
            rounds: 1,
            ..SearchConfig::default()
        },
        sweep: vec![0.0, 12.0],
    };
    let o = optimize::optimize(&m, &spec, None, &|_, _| {}).unwrap_or_else(|e| panic!("{e}"));
    let s = &o.search;
    // Only exception spend matters and more is better: the all-Exception split is the best or
    // statistically indistinguishable from it ...
    let corner = s
        .surface
        .iter()
        .find(|p| p.exception == 1.0)
        .unwrap_or_else(|| panic!("corner not evaluated"));
    assert!(corner.indistinguishable, "{corner:?} best {:?}", s.best);
    assert!(s.best.exception >= 0.8, "{:?}", s.best);
    // ... and every split giving Exception at most half the budget is significantly worse,
    // judged on common random numbers or on the conservative interval.
    for p in s.surface.iter().filter(|p| p.exception <= 0.5) {
        assert!(!p.indistinguishable, "{p:?}");
        assert!(p.difference_to_best.hi < 0.0, "{p:?}");
    }
    // Splits with the same exception share simulate identical customers (the other stages are
    // already perfect), so their values are exactly equal.
    let same: Vec<f64> = s
        .surface
        .iter()
        .filter(|p| (p.exception - 0.6).abs() < 1e-12)
        .map(|p| p.value.mean)
        .collect();
    assert!(
        same.len() >= 2 && same.iter().all(|&v| v == same[0]),
        "{same:?}"
    );
    // The sweep: at budget 0 every split is the same model, all tied (at least the 21 splits
    // of the coarse grid are indistinguishable).
    assert_eq!(o.sweep.len(), 2);
    assert!(o.sweep[0].indistinguishable >= 21, "{:?}", o.sweep[0]);
    assert!(o.sweep[1].best.exception >= 0.8);
    // Deterministic CSV and JSON.
    let again = optimize::optimize(&m, &spec, None, &|_, _| {}).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        cxsim::report::optimize::csv(&o),
        cxsim::report::optimize::csv(&again)
    );
    assert_eq!(
        cxsim::report::optimize::json(&o),
        cxsim::report::optimize::json(&again)
    );
}
