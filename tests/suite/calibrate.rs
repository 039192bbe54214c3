//! `calibrate` (issue 21): published estimates reproduced, known parameters recovered at the
//! nominal interval coverage, the traced-path likelihood checked against data the engine
//! simulated, data files read with located errors, the calibrated journey written safely.

use std::path::Path;

use cxsim::analysis::calibrate::{CalibrateSpec, Calibration, calibrate};
use cxsim::format::PeriodUnit;
use cxsim::format::data::{Cohort, Data, ExportOptions, Stamp, read_data};
use cxsim::format::path::FieldPath;
use rand::{Rng, SeedableRng};
use rand_distr::Distribution;

use crate::common::cli::cxsim;
use crate::common::{model, scenario};

const INERT: &str = r#"Touchpoint(id: "visit", name: "Visit", stage: Purchase,
    trigger: EveryPeriod, quality: 1.0)"#;

/// A one-segment, twelve-month journey with propensity `prop`.
fn journey(prop: &str, touchpoints: &str, protection: [f64; 3]) -> String {
    scenario(
        12,
        0.0,
        &format!(
            "value_per_period: 10.0, initial: (satisfied: 0.5, pleased: 0.5, loyal: 0.5), \
             churn_propensity: {prop}"
        ),
        touchpoints,
        protection,
        0.0,
    )
}

/// A journey whose hazard is θ alone (so the sBG closed form applies).
fn pure_churn(prop: &str) -> String {
    journey(prop, INERT, [0.0, 0.0, 0.0])
}

fn cohort(active: &[u64]) -> Cohort {
    Cohort {
        segment: None,
        label: String::new(),
        observed: active
            .iter()
            .enumerate()
            .map(|(t, &a)| (t as u32, a))
            .collect(),
        source: "inline.csv".into(),
    }
}

fn spec(fit: &str) -> CalibrateSpec {
    CalibrateSpec {
        fit: vec![FieldPath::parse(fit).unwrap_or_else(|e| panic!("{e}"))],
        strategy: 0,
        customers: 4000,
        seed: 1,
        holdout: 0,
        sources: vec!["inline.csv".into()],
    }
}

fn fit(text: &str, cohorts: Vec<Cohort>, path: &str) -> Calibration {
    let data = Data {
        cohorts,
        rates: Vec::new(),
    };
    calibrate(&model(text), &data, &spec(path)).unwrap_or_else(|e| panic!("{e}"))
}

fn value(c: &Calibration, path: &str) -> (f64, f64, f64) {
    let e = c
        .estimates
        .iter()
        .find(|e| e.path == path)
        .unwrap_or_else(|| panic!("no estimate {path}"));
    (
        e.value,
        e.lo.unwrap_or(f64::NEG_INFINITY),
        e.hi.unwrap_or(f64::INFINITY),
    )
}

/// Fader & Hardie (2007), "How to project customer retention", J. Interactive Marketing 21(1),
/// table 1 and the estimates of its section 4: the "High End" and "Regular" cohorts of 1000,
/// years 1–7 fitted: α = 0.668, β = 3.806 and α = 0.704, β = 1.182 (three decimals printed).
#[test]
fn published_sbg_estimates_are_reproduced() {
    let text = pure_churn("Beta(alpha: 1.0, beta: 1.0)");
    for (data, alpha, beta) in [
        (&[1000, 869, 743, 653, 593, 551, 517, 491][..], 0.668, 3.806),
        (&[1000, 631, 468, 382, 326, 289, 262, 241][..], 0.704, 1.182),
    ] {
        let c = fit(&text, vec![cohort(data)], "segments[0].churn_propensity");
        let (a, ..) = value(&c, "segments[0].churn_propensity.alpha");
        let (b, ..) = value(&c, "segments[0].churn_propensity.beta");
        // Half a unit in the third decimal: the paper's printed precision.
        assert!((a - alpha).abs() < 5e-4, "α {a} vs published {alpha}");
        assert!((b - beta).abs() < 5e-4, "β {b} vs published {beta}");
        assert_eq!(c.traced_customers, 0, "the closed form needs no simulation");
        assert!(c.estimates[0].method.contains("shifted-beta-geometric"));
    }
}

/// A cohort of `n` drawn from θ ~ Beta(α, β), geometric churn, observed `periods` periods.
fn synthetic(alpha: f64, beta: f64, n: u64, periods: usize, seed: u64) -> Cohort {
    let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(seed);
    let dist = rand_distr::Beta::new(alpha, beta).unwrap_or_else(|e| panic!("{e}"));
    let mut active = vec![0u64; periods + 1];
    for _ in 0..n {
        let theta: f64 = dist.sample(&mut rng);
        active[0] += 1;
        for a in active.iter_mut().skip(1) {
            let u = (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
            if u < theta {
                break;
            }
            *a += 1;
        }
    }
    cohort(&active)
}

/// Profile-likelihood 95 % intervals cover the true α and β at the nominal rate. Over R
/// independent data sets the number covered is Binomial(R, 0.95): the test allows 4 of its
/// standard errors (sqrt(0.95·0.05/R)) either side, the suite's K_SIGMA, nothing tuned.
#[test]
fn intervals_cover_known_parameters_at_the_nominal_rate() {
    let (alpha, beta) = (0.8, 2.5);
    let text = pure_churn("Beta(alpha: 1.0, beta: 1.0)");
    let m = model(&text);
    let reps = 400u64;
    let mut covered = [0u64; 2];
    for seed in 0..reps {
        let data = Data {
            cohorts: vec![synthetic(alpha, beta, 600, 8, 1000 + seed)],
            rates: Vec::new(),
        };
        let c = calibrate(&m, &data, &spec("segments[0].churn_propensity"))
            .unwrap_or_else(|e| panic!("{e}"));
        for (k, (path, truth)) in [
            ("segments[0].churn_propensity.alpha", alpha),
            ("segments[0].churn_propensity.beta", beta),
        ]
        .into_iter()
        .enumerate()
        {
            let (_, lo, hi) = value(&c, path);
            covered[k] += u64::from(lo <= truth && truth <= hi);
        }
    }
    let se = (0.95 * 0.05 / reps as f64).sqrt();
    for (k, name) in ["α", "β"].iter().enumerate() {
        let rate = covered[k] as f64 / reps as f64;
        assert!(
            (rate - 0.95).abs() <= crate::common::K_SIGMA * se,
            "{name}: covered {rate:.3} of {reps}, expected 0.95 ± {:.3}",
            crate::common::K_SIGMA * se
        );
    }
}

/// A journey whose touchpoints move the hazard: the data are the engine's own retention of a
/// large run at known α, β; the traced-path likelihood must recover them within its
/// intervals, and the fit must use the traced mixture, not the closed form.
#[test]
fn the_traced_path_likelihood_recovers_what_the_engine_simulated() {
    let tps = r#"Touchpoint(id: "service", name: "Service", stage: Purchase,
        trigger: EveryPeriod, quality: 0.7,
        effects: (success: (satisfied: Up(0.05)), failure: (satisfied: Down(0.15))))"#;
    let truth = "Beta(alpha: 0.9, beta: 6.0)";
    let text = |prop: &str| journey(prop, tps, [1.5, 0.0, 0.0]);
    let n = 3000u64;
    let r = crate::common::run(&model(&text(truth)), n, 77);
    let active: Vec<u64> = r.strategies[0]
        .retention
        .iter()
        .map(|p| (p.mean * n as f64).round() as u64)
        .collect();
    let mut s = spec("segments[0].churn_propensity");
    s.customers = 20_000;
    let c = calibrate(
        &model(&text("Beta(alpha: 2.0, beta: 2.0)")),
        &Data {
            cohorts: vec![cohort(&active)],
            rates: Vec::new(),
        },
        &s,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(c.traced_customers, 20_000);
    assert!(c.estimates[0].method.contains("traced journey paths"));
    let (a, alo, ahi) = value(&c, "segments[0].churn_propensity.alpha");
    let (b, blo, bhi) = value(&c, "segments[0].churn_propensity.beta");
    assert!(alo <= 0.9 && 0.9 <= ahi, "α {a} [{alo}, {ahi}]");
    assert!(blo <= 6.0 && 6.0 <= bhi, "β {b} [{blo}, {bhi}]");
    // The calibrated journey validates and carries the note.
    assert!(c.calibrated.notes.contains("Calibrated by cxsim calibrate"));
    assert!(cxsim::model::validate(c.calibrated.clone()).is_ok());
}

fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap_or_else(|e| panic!("{e}"));
    p
}

fn opts() -> ExportOptions {
    ExportOptions {
        unit: PeriodUnit::Month,
        as_of: None,
    }
}

#[test]
fn data_files_are_read_with_located_errors() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let d = dir.path();
    for (text, line, needle) in [
        (
            "period,active\n0,1000\n1,900\n2,950\n",
            4,
            "more than the 900",
        ),
        (
            "period,active\n0,1000\n1,9x0\n",
            3,
            "whole number of customers",
        ),
        ("period,active\n1,900\n", 2, "no period-0 row"),
        ("when,who\n1,2\n", 1, "cannot tell what these data are"),
        ("period,active\n0,10\n0,9\n", 3, "period 0 twice"),
        (
            "touchpoint,successes,trials\nvisit,11,10\n",
            2,
            "11 successes out of 10",
        ),
        (
            "customer,segment,start,end\na,,2024-01-01,2023-12-01\n",
            2,
            "is not after start",
        ),
        (
            "customer,segment,start,end\na,,2024-02-30,\n",
            2,
            "must be a date",
        ),
        (
            "period,active,churned\n0,100,\n1,,120\n",
            3,
            "only 100 were active",
        ),
        ("period,active\n", 1, "no rows"),
    ] {
        let p = write(d, "bad.csv", text);
        let e = read_data(&p, opts(), &mut Data::default()).expect_err(text);
        let shown = e.to_string();
        assert!(
            shown.contains(&format!("bad.csv:{line}:")),
            "{text}\n→ {shown}"
        );
        assert!(shown.contains(needle), "{text}\n→ {shown}");
        assert!(shown.contains("hint:"), "{shown}");
    }
}

#[test]
fn churned_counts_and_active_counts_read_the_same_cohort() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let mut a = Data::default();
    let mut b = Data::default();
    let pa = write(dir.path(), "a.csv", "period,active\n0,1000\n1,869\n2,743\n");
    let pb = write(
        dir.path(),
        "b.csv",
        "period,active,churned\n0,1000,\n1,,131\n2,,126\n",
    );
    read_data(&pa, opts(), &mut a).unwrap_or_else(|e| panic!("{e}"));
    read_data(&pb, opts(), &mut b).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(a.cohorts[0].observed, b.cohorts[0].observed);
}

/// A CRM export becomes one right-censored cohort per (segment, start): a customer is active at
/// period t while start + t periods < end; the export date ends every cohort's observation.
#[test]
fn a_customer_export_becomes_censored_cohorts() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let text = "customer,segment,start,end\n\
                c1,home,2024-01-15,2024-02-10\n\
                c2,home,2024-01-15,2024-03-15\n\
                c3,home,2024-01-15,\n\
                c4,home,2024-01-15,2024-06-01\n\
                c5,smb,2024-03-01,\n";
    let p = write(dir.path(), "export.csv", text);
    let mut data = Data::default();
    let o = ExportOptions {
        unit: PeriodUnit::Month,
        as_of: Stamp::parse("2024-05-20"),
    };
    read_data(&p, o, &mut data).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(data.cohorts.len(), 2);
    let home = &data.cohorts[0];
    assert_eq!(home.segment.as_deref(), Some("home"));
    // Observed through 2024-05-15 (4 whole months): c1 left in month 1, c2 exactly at month
    // 2 (active at 0 and 1), c4 after the export date (censored, active throughout).
    assert_eq!(home.observed, vec![(0, 4), (1, 3), (2, 2), (3, 2), (4, 2)]);
    let smb = &data.cohorts[1];
    assert_eq!(smb.observed, vec![(0, 1), (1, 1), (2, 1)]);
}

/// A quality met under an invested strategy is q + (1 − q)·u; the fit undoes that and gives
/// the binomial likelihood-ratio interval, mapped the same way.
#[test]
fn touchpoint_quality_is_fitted_from_rates_under_the_strategys_investment() {
    let text = r#"Scenario(
    name: "rates", period: Month, horizon: 12,
    segments: [ Segment(id: "all", share: 1.0, value_per_period: 10.0,
        initial: (satisfied: 0.5, pleased: 0.5, loyal: 0.5), churn_propensity: Fixed(0.02)) ],
    touchpoints: [ Touchpoint(id: "desk", name: "Desk", stage: Exception,
        trigger: Chance(0.1), quality: 0.5) ],
    churn: (protection: (satisfied: 0.0, pleased: 0.0, loyal: 0.0)),
    revenue: (loyalty_uplift: 0.0),
    investment: (max_uplift: 0.5, half_saturation: 1.0),
    strategies: [ Strategy(name: "care", budget: 3.0,
        emphasis: (purchase: 0.0, exception: 1.0, relationship: 0.0)) ],
)"#;
    let rows = vec![cxsim::format::data::RateRow {
        touchpoint: "desk".into(),
        segment: None,
        period: None,
        successes: 450,
        trials: 500,
        line: 2,
        source: "rates.csv".into(),
    }];
    let c = calibrate(
        &model(text),
        &Data {
            cohorts: Vec::new(),
            rates: rows,
        },
        &spec("touchpoints[desk].quality"),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let u = 0.5 * 3.0 / (3.0 + 1.0);
    let (q, lo, hi) = value(&c, "touchpoints[desk].quality");
    assert!((q - (0.9 - u) / (1.0 - u)).abs() < 1e-12, "{q}");
    assert!(lo < q && q < hi && hi <= 1.0);
    // The observed-rate interval: 2·(ℓ̂ − ℓ) = χ²₁(0.95) at both ends.
    let r = &c.rates[0];
    let ll = |p: f64| 450.0 * p.ln() + 50.0 * (1.0 - p).ln();
    for end in [r.observed_lo, r.observed_hi] {
        assert!((2.0 * (ll(0.9) - ll(end)) - 3.841_458_820_694_124).abs() < 1e-6);
    }
    assert!((c.calibrated.touchpoints[0].quality - q).abs() < 1e-15);
}

#[test]
fn unfittable_paths_and_missing_data_are_refused_with_a_hint() {
    let text = pure_churn("Beta(alpha: 1.0, beta: 1.0)");
    let m = model(&text);
    let data = Data {
        cohorts: vec![cohort(&[100, 90])],
        rates: Vec::new(),
    };
    for (path, needle) in [
        ("discount_rate", "cannot fit discount_rate"),
        ("segments[nope].churn_propensity", "no element \"nope\""),
        ("touchpoints[visit].quality", "no rate data"),
        ("segments[0].churn_propensity.alpha", "fitted together"),
    ] {
        let e = calibrate(&m, &data, &spec(path)).expect_err(path);
        assert!(e.to_string().contains(needle), "{path}: {e}");
        assert!(!e.hint.is_empty());
    }
    // A period far beyond any horizon is refused, not allocated.
    let mut far = cohort(&[100]);
    far.observed.push((4_000_000_000, 50));
    let e = calibrate(
        &m,
        &Data {
            cohorts: vec![far],
            rates: Vec::new(),
        },
        &spec("segments[0].churn_propensity"),
    )
    .expect_err("a far period");
    assert!(e.message.contains("beyond the longest horizon"), "{e}");
}

#[test]
fn the_cli_writes_the_calibrated_journey_and_never_over_an_input() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let d = dir.path();
    let journey = write(d, "j.ron", &pure_churn("Beta(alpha: 1.0, beta: 1.0)"));
    let data = write(
        d,
        "cohort.csv",
        "period,active\n0,1000\n1,869\n2,743\n3,653\n4,593\n5,551\n6,517\n7,491\n",
    );
    let out = d.join("calibrated.ron");
    let run = cxsim()
        .args([
            "calibrate",
            "-f",
            "json",
            "--fit",
            "segments[all].churn_propensity",
        ])
        .arg(&journey)
        .arg("--data")
        .arg(&data)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let json: serde_json::Value =
        serde_json::from_slice(&run.stdout).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(json["schema"], "cxsim.calibrate/1");
    let written = std::fs::read_to_string(&out).unwrap_or_else(|e| panic!("{e}"));
    let back = model(&written);
    match back.scenario.segments[0].churn_propensity {
        cxsim::format::Propensity::Beta { alpha, beta } => {
            assert!((alpha - 0.668).abs() < 5e-4 && (beta - 3.806).abs() < 5e-4);
        }
        p => panic!("{p:?}"),
    }
    assert!(back.scenario.notes.contains("from cohort.csv"));

    // --out naming an input is refused before anything is written.
    let before = std::fs::read(&data).unwrap_or_default();
    let refused = cxsim()
        .args(["calibrate", "--fit", "segments[0].churn_propensity"])
        .arg(&journey)
        .arg("--data")
        .arg(&data)
        .arg("--out")
        .arg(&data)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(refused.status.code(), Some(2));
    assert_eq!(std::fs::read(&data).unwrap_or_default(), before);

    // A bad data file: exit 3 with the file, line and column.
    let bad = write(d, "bad.csv", "period,active\n0,1000\n1,1200\n");
    let failed = cxsim()
        .args(["calibrate", "--fit", "segments[0].churn_propensity"])
        .arg(&journey)
        .arg("--data")
        .arg(&bad)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(failed.status.code(), Some(3));
    let err = String::from_utf8_lossy(&failed.stderr);
    assert!(err.contains("bad.csv:3:"), "{err}");
}

/// The traced likelihood is the same at any thread count.
#[test]
fn calibration_is_the_same_at_any_thread_count() {
    let args = [
        "calibrate",
        "scenarios/benchmark-triad.ron",
        "--data",
        "scenarios/data/benchmark-triad.cohorts.csv",
        "--fit",
        "segments[*].churn_propensity",
        "-n",
        "5000",
        "-f",
        "json",
    ];
    let one = cxsim()
        .env("RAYON_NUM_THREADS", "1")
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let two = cxsim()
        .env("RAYON_NUM_THREADS", "2")
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        one.status.success(),
        "{}",
        String::from_utf8_lossy(&one.stderr)
    );
    assert_eq!(one.stdout, two.stdout);
}
