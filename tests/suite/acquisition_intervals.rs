//! Batch-means intervals of the open-population figures (docs/model.md §14).
//!
//! The reference is a one-segment scenario with geometric churn θ and a constant inflow n (no
//! word of mouth), whose active base has a closed form, B_t = B₀(1−θ)^t + n(1 − (1−θ)^t)/θ
//! (→ n/θ), and whose estimate is the mean over customers of B₀·1[T > t] + n·min(T, t) (T the
//! churn period): its exact standard error follows from the geometric distribution.
//!
//! Tolerances, all derived (tests/common/mod.rs, K_SIGMA = 4):
//! * the estimate lies within K_SIGMA exact SEs of the exact value;
//! * the batch SE² / exact SE² is distributed as χ²(B−1)/(B−1) (the figure is linear in the
//!   batch curves, so the batch figures are independent and, over thousands of customers,
//!   normal); it must lie in that distribution's ±K_SIGMA band (Wilson–Hilferty);
//! * over M independent seeds, the number of 95 % intervals that cover the exact value is
//!   Binomial(M, 0.95): it must be within K_SIGMA binomial SDs of 0.95·M.

use crate::common::{K_SIGMA, model, run, scenario};
use cxsim::engine::{Engine, RunSpec, UNIT};
use cxsim::model::Model;
use cxsim::report;
use cxsim::results::acquisition::intervals::{MAX_BATCHES, t975};
use cxsim::run::acquisition::run_batched;

const INERT_TOUCHPOINT: &str = r#"Touchpoint(id: "visit", name: "Visit", stage: Purchase,
    trigger: EveryPeriod, quality: 1.0)"#;

const THETA: f64 = 0.1;
/// 100 leads × 0.5 × 0.4 = 20 new customers a period.
const INFLOW: f64 = 20.0;
const B0: f64 = 200.0;

/// A one-segment scenario with constant hazard θ, value 10 a period, a funnel of constant inflow
/// (with costs, so CAC and payback exist) and no word of mouth.
fn geometric(horizon: u32) -> Model {
    let text = scenario(
        horizon,
        0.0,
        &format!(
            "value_per_period: 10.0, initial: (satisfied: 0.5, pleased: 0.5, loyal: 0.5), \
             churn_propensity: Fixed({THETA:?})"
        ),
        INERT_TOUCHPOINT,
        [0.0, 0.0, 0.0],
        0.0,
    );
    let acquisition = format!(
        "initial_customers: {B0:?}, funnels: [Funnel(segment: \"all\", leads_per_period: 100.0, \
         qualification_rate: 0.5, conversion_rate: 0.4, cost_per_lead: 0.2, cost_per_win: 5.0)]"
    );
    let text = match text.rfind(')') {
        Some(i) => format!("{}    acquisition: Some(({acquisition})),\n)", &text[..i]),
        None => text,
    };
    model(&text)
}

/// Exact active base at the end of period t.
fn exact_base(t: usize) -> f64 {
    let q = (1.0 - THETA).powi(t as i32);
    B0 * q + INFLOW * (1.0 - q) / THETA
}

/// Exact SE over n customers of the active-base estimate at the end of period t (horizon h).
fn exact_se(h: usize, t: usize, n: u64) -> f64 {
    let (mut m1, mut m2) = (0.0, 0.0);
    for c in 1..=h + 1 {
        let p = if c <= h {
            (1.0 - THETA).powi(c as i32 - 1) * THETA
        } else {
            (1.0 - THETA).powi(h as i32)
        };
        let x = B0 * f64::from(u8::from(c > t)) + INFLOW * c.min(t) as f64;
        m1 += p * x;
        m2 += p * x * x;
    }
    ((m2 - m1 * m1).max(0.0) / n as f64).sqrt()
}

/// The ±K_SIGMA band of √(χ²(ν)/ν) by the Wilson–Hilferty cube approximation.
fn se_ratio_band(nu: f64) -> (f64, f64) {
    let a = 2.0 / (9.0 * nu);
    let cube = |z: f64| (1.0 - a + z * a.sqrt()).max(0.0).powi(3);
    (cube(-K_SIGMA).sqrt(), cube(K_SIGMA).sqrt())
}

fn batches_for(n: u64) -> u64 {
    n.div_ceil(UNIT).min(MAX_BATCHES)
}

#[test]
fn batch_se_matches_the_exact_se_of_the_active_base() {
    // A short horizon (the finite-horizon formula) and a long one (the steady state n/θ);
    // 8 and 32 equal batches, 25 batches with a partial last unit, and 32 unequal batches.
    for h in [24usize, 120] {
        let m = geometric(h as u32);
        for n in [8 * UNIT, 100_000, 32 * UNIT, 300_000] {
            let r = run(&m, n, 17);
            let a = &r.acquisition.as_ref().expect("acquisition").strategies[0];
            let iv = a.intervals.as_ref().expect("intervals");
            let b = batches_for(n);
            assert_eq!(u64::from(iv.batches), b);
            assert!(iv.reason.is_none());
            let e = iv.active_base_end.expect("an interval");
            let exact = exact_base(h);
            let se = exact_se(h, h, n);
            assert_eq!(e.mean, a.active_base[h]);
            assert!(
                (e.mean - exact).abs() <= K_SIGMA * se,
                "h {h}, n {n}: base {} vs exact {exact} (se {se})",
                e.mean
            );
            let (lo, hi) = se_ratio_band((b - 1) as f64);
            let ratio = e.se / se;
            assert!(
                (lo..=hi).contains(&ratio),
                "h {h}, n {n}: batch SE {} vs exact {se}: ratio {ratio} outside [{lo}, {hi}]",
                e.se
            );
            // The interval is the t interval of B − 1 degrees of freedom.
            let half = t975(b - 1) * e.se;
            assert!(((e.hi - e.mean) - half).abs() <= 1e-9 * half);
            assert!(((e.mean - e.lo) - half).abs() <= 1e-9 * half);
            // Without word of mouth the inflow is the same in every batch: CAC has no spread.
            let cac = iv.cac.expect("CAC interval");
            assert_eq!(cac.se, 0.0);
            assert_eq!(Some(cac.mean), a.cac);
            // Lost revenue and payback vary with the survival curve.
            for (name, x) in [
                ("payback", iv.payback_periods),
                ("current", iv.lost_current),
                ("future", iv.lost_future),
            ] {
                let x = x.unwrap_or_else(|| panic!("{name} interval"));
                assert!(x.se > 0.0 && x.se.is_finite(), "{name}: {x:?}");
                assert!(x.lo <= x.mean && x.mean <= x.hi, "{name}: {x:?}");
            }
            // The payback interval is that of the crossing whose ceiling is payback_periods.
            let p = iv.payback_periods.expect("payback");
            assert_eq!(a.payback_periods, Some(p.mean.ceil() as u32));
        }
    }
}

/// Over M seeds the 95 % intervals cover the exact active base at the nominal rate, at a small
/// (8 batches) and a larger (32 batches) customer count.
#[test]
fn intervals_cover_the_exact_value_at_the_nominal_rate() {
    let h = 24usize;
    let m = geometric(h as u32);
    let exact = exact_base(h);
    let seeds = 60u64;
    for n in [8 * UNIT, 32 * UNIT] {
        let mut covered = 0u64;
        for seed in 0..seeds {
            let r = run(&m, n, 1000 + seed);
            let a = &r.acquisition.as_ref().expect("acquisition").strategies[0];
            let e = a
                .intervals
                .as_ref()
                .and_then(|i| i.active_base_end)
                .expect("an interval");
            covered += u64::from(e.lo <= exact && exact <= e.hi);
        }
        let (mf, p) = (seeds as f64, 0.95);
        let sd = (mf * p * (1.0 - p)).sqrt();
        assert!(
            (covered as f64 - mf * p).abs() <= K_SIGMA * sd,
            "n {n}: {covered} of {seeds} intervals cover {exact} (expected {} ± {})",
            mf * p,
            K_SIGMA * sd
        );
    }
}

#[test]
fn small_runs_say_no_interval() {
    let m = geometric(24);
    for (n, b) in [(1000u64, 1u64), (UNIT, 1), (3 * UNIT, 3)] {
        let r = run(&m, n, 3);
        let a = &r.acquisition.as_ref().expect("acquisition").strategies[0];
        let iv = a.intervals.as_ref().expect("intervals");
        assert_eq!(u64::from(iv.batches), b);
        assert!(iv.active_base_end.is_none() && iv.cac.is_none() && iv.lost_future.is_none());
        let reason = iv.reason.as_deref().unwrap_or_default();
        assert!(reason.starts_with("no interval"), "{reason}");
        let json = report::json(&r);
        assert!(json.contains("\"reason\": \"no interval"), "{json}");
        assert!(json.contains("\"active_base_end\": null"), "{json}");
        let table = report::table(&r);
        assert!(table.contains("no interval"), "{table}");
        let end = table
            .lines()
            .find(|l| l.starts_with("  active base at end"))
            .unwrap_or_default();
        assert!(!end.is_empty() && !end.contains('±'), "{table}");
    }
    // One customer more than three units: four batches, an interval.
    let r = run(&m, 3 * UNIT + 1, 3);
    let a = &r.acquisition.as_ref().expect("acquisition").strategies[0];
    let iv = a.intervals.as_ref().expect("intervals");
    assert_eq!(iv.batches, 4);
    assert!(iv.active_base_end.is_some());
    assert!(report::table(&r).contains("4 batches"));
}

/// Running in batches gives the bits of the plain run (the sub-runs of a multi-segment
/// scenario are computed that way), and the intervals are the same bytes at any thread count.
#[test]
fn batched_runs_are_bit_identical_and_thread_independent() {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/b2b-saas-stool.ron");
    let m = cxsim::model::load::load_file(&path).expect("loads");
    for n in [5 * UNIT + 7, 40 * UNIT + 1] {
        let spec = RunSpec::all_strategies(&m, n, 4);
        let engine = Engine::new(&m, spec.clone());
        let (whole, batches) = run_batched(&engine, None).expect("not cancelled");
        assert_eq!(batches.len() as u64, batches_for(n));
        assert_eq!(batches.iter().map(|b| b.customers).sum::<u64>(), n);
        let plain = engine.run(None, &|_, _| {}).expect("not cancelled");
        assert_eq!(whole, plain, "n {n}");
    }
    let spec = RunSpec::all_strategies(&m, 6 * UNIT, 2);
    let json = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("pool");
        pool.install(|| report::json(&cxsim::run::simulate(&m, &spec)))
    };
    let one = json(1);
    assert!(one.contains("\"method\": \"batch-means\""), "{one}");
    assert!(one.contains("\"active_base_end\": {"), "{one}");
    assert_eq!(one, json(2));
    assert_eq!(one, json(4));
}
