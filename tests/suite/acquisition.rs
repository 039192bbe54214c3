//! The acquisition leg (docs/model.md §11): the open population against closed forms, the
//! limiting cases of word of mouth, and the promise that a scenario without (or with) an
//! acquisition section keeps its closed-cohort results byte for byte.
//!
//! Tolerances: the open population is a deterministic function of the simulated cohort curves,
//! so where the curves are random the check uses the exact standard error of that function of
//! the curves (the per-customer variable it averages, see each test), within
//! `common::K_SIGMA` = 4 standard errors. Recursion checks on hand-made curves are exact up to
//! floating-point rounding.

use std::path::Path;

use crate::common;
use crate::common::{K_SIGMA, model, run, scenario};
use cxsim::model::Model;
use cxsim::report;
use cxsim::results::acquisition::{Curves, FunnelParams, WordOfMouth, open_population};

const N: u64 = 200_000;

const INERT_TOUCHPOINT: &str = r#"Touchpoint(id: "visit", name: "Visit", stage: Purchase,
    trigger: EveryPeriod, quality: 1.0)"#;

/// A one-segment scenario with constant hazard θ (zero protection), value 10 a period.
fn geometric(theta: f64, horizon: u32, acquisition: &str) -> Model {
    let text = scenario(
        horizon,
        0.0,
        &format!(
            "value_per_period: 10.0, initial: (satisfied: 0.5, pleased: 0.5, loyal: 0.5), \
             churn_propensity: Fixed({theta:?})"
        ),
        INERT_TOUCHPOINT,
        [0.0, 0.0, 0.0],
        0.0,
    );
    with_acquisition(&text, acquisition)
}

/// A scenario's text with an acquisition section added, validated.
fn with_acquisition(text: &str, acquisition: &str) -> Model {
    let text = match text.rfind(')') {
        Some(i) => format!("{}    acquisition: Some(({acquisition})),\n)", &text[..i]),
        None => text.to_string(),
    };
    model(&text)
}

/// Exact mean and standard error (over `n` customers) of f(T), T the churn period of a customer
/// with constant hazard θ (T = horizon + 1: still active at the end).
fn exact_mean_se(theta: f64, horizon: usize, n: u64, f: impl Fn(usize) -> f64) -> (f64, f64) {
    let (mut m1, mut m2) = (0.0, 0.0);
    for c in 1..=horizon + 1 {
        let p = if c <= horizon {
            (1.0 - theta).powi(c as i32 - 1) * theta
        } else {
            (1.0 - theta).powi(horizon as i32)
        };
        let x = f(c);
        m1 += p * x;
        m2 += p * x * x;
    }
    (m1, ((m2 - m1 * m1).max(0.0) / n as f64).sqrt())
}

/// Constant inflow n with geometric churn θ: B_t = B₀(1−θ)^t + n·(1 − (1−θ)^t)/θ, which tends to
/// the steady state n/θ (inflow / churn). The estimate is B₀·Ŝ(t) + n·Σ_{a<t} Ŝ(a), the mean over
/// customers of B₀·1[T > t] + n·min(T, t), whose exact variance gives the tolerance.
#[test]
fn constant_inflow_with_geometric_churn_reaches_inflow_over_churn() {
    let (theta, h) = (0.1, 120usize);
    // 100 leads × 0.5 × 0.4 = 20 new customers a period.
    for b0 in [0.0, 200.0, 1000.0] {
        let m = geometric(
            theta,
            h as u32,
            &format!(
                "initial_customers: {b0:?}, funnels: [Funnel(segment: \"all\", \
                 leads_per_period: 100.0, qualification_rate: 0.5, conversion_rate: 0.4)]"
            ),
        );
        let r = run(&m, N, 5);
        let a = &r
            .acquisition
            .as_ref()
            .expect("acquisition results")
            .strategies[0];
        let n = 100.0 * 0.5 * 0.4;
        for (t, x) in a.new_customers.iter().enumerate() {
            assert!((x - n).abs() <= 1e-12 * n, "period {}: {x} new", t + 1);
        }
        for t in [1usize, 6, 12, 36, 60, 120] {
            let q = (1.0 - theta).powi(t as i32);
            let exact = b0 * q + n * (1.0 - q) / theta;
            let (mean, se) = exact_mean_se(theta, h, N, |c| {
                b0 * f64::from(u8::from(c > t)) + n * c.min(t) as f64
            });
            assert!(
                (mean - exact).abs() <= 1e-9 * exact.max(1.0),
                "closed form {exact} vs distribution {mean}"
            );
            let got = a.active_base[t];
            assert!(
                // Plus floating-point rounding where the exact answer is deterministic (t = 1).
                (got - exact).abs() <= K_SIGMA * se + 1e-9 * exact,
                "B0 {b0}, t {t}: active base {got} vs exact {exact} (se {se})"
            );
        }
        // After 120 periods (1 − θ)^120 ≈ 3e-6: the base is at the steady state n/θ.
        let (_, se) = exact_mean_se(theta, h, N, |c| {
            b0 * f64::from(u8::from(c > h)) + n * c.min(h) as f64
        });
        let steady = n / theta;
        let got = a.active_base[h];
        assert!(
            (got - steady).abs() <= K_SIGMA * se + 1e-3 * steady * (1.0 - theta).powi(h as i32),
            "steady state {steady} vs {got} (se {se})"
        );
        // CAC without costs is 0 and pays back at once.
        assert_eq!(a.cac, Some(0.0));
        assert_eq!(a.payback_periods, Some(0));
    }
}

/// Funnels win accounts when the segments have accounts (docs/model.md §12): with fixed θ, no
/// protection and a renewal every K periods, an account is lost at period T ∈ {K, 2K, ...} with
/// P(T = jK) = (1 − θ)^(j−1)·θ, so S(t) = (1 − θ)^⌊t/K⌋ and the open population is
/// B_t = B₀·S(t) + n·Σ_{a<t} S(a): the mean over accounts of B₀·1[T > t] + n·min(T, t), whose
/// exact variance gives the tolerance as in the geometric case.
#[test]
fn funnels_win_accounts_that_leave_only_at_renewals() {
    let (theta, h, k, b0) = (0.2f64, 36usize, 4usize, 500.0);
    let text = scenario(
        h as u32,
        0.0,
        &format!(
            "value_per_period: 10.0, initial: (satisfied: 0.5, pleased: 0.5, loyal: 0.5), \
             churn_propensity: Fixed({theta:?}), accounts: Some((contacts: \
             [(role: \"buyer\"), (role: \"user\", count: 2, probability: 0.5)], \
             renewal_every: {k}))"
        ),
        INERT_TOUCHPOINT,
        [0.0, 0.0, 0.0],
        0.0,
    );
    let m = with_acquisition(
        &text,
        &format!(
            "initial_customers: {b0:?}, funnels: [Funnel(segment: \"all\", \
             leads_per_period: 100.0, qualification_rate: 0.5, conversion_rate: 0.4)]"
        ),
    );
    let r = run(&m, N, 9);
    assert!(r.strategies[0].accounts.is_some(), "an accounts run");
    let a = &r
        .acquisition
        .as_ref()
        .expect("acquisition results")
        .strategies[0];
    let n = 100.0 * 0.5 * 0.4;
    for (t, x) in a.new_customers.iter().enumerate() {
        assert!(
            (x - n).abs() <= 1e-12 * n,
            "period {}: {x} new accounts",
            t + 1
        );
    }
    // The churn period's distribution: T = jK for jK ≤ h, else h + 1 (kept to the end).
    let renewals = h / k;
    let dist: Vec<(usize, f64)> = (1..=renewals)
        .map(|j| (j * k, (1.0 - theta).powi(j as i32 - 1) * theta))
        .chain([(h + 1, (1.0 - theta).powi(renewals as i32))])
        .collect();
    for t in [1usize, 3, 4, 5, 8, 13, 24, 36] {
        let f = |c: usize| b0 * f64::from(u8::from(c > t)) + n * c.min(t) as f64;
        let m1: f64 = dist.iter().map(|&(c, p)| p * f(c)).sum();
        let m2: f64 = dist.iter().map(|&(c, p)| p * f(c) * f(c)).sum();
        let se = ((m2 - m1 * m1).max(0.0) / N as f64).sqrt();
        let s = |a: usize| (1.0 - theta).powi((a / k) as i32);
        let exact = b0 * s(t) + n * (0..t).map(s).sum::<f64>();
        assert!(
            (m1 - exact).abs() <= 1e-9 * exact,
            "closed form {exact} vs {m1}"
        );
        let got = a.active_base[t];
        assert!(
            (got - exact).abs() <= K_SIGMA * se + 1e-9 * exact,
            "t {t}: active accounts {got} vs exact {exact} (se {se})"
        );
    }
    // The run table says what the funnels win.
    let table = report::table(&r);
    assert!(table.contains("new accounts"), "{table}");
    // Between renewals no account leaves: the base only grows by the inflow.
    assert!((a.active_base[2] - a.active_base[1] - n).abs() <= 1e-9 * a.active_base[2]);
}

/// Referral strength 0 (and warning strength 0) changes nothing: inflow is exactly leads ×
/// qualification × conversion; a positive strength only adds customers, warnings only remove.
#[test]
fn referral_strength_zero_changes_nothing() {
    let body = |rho: f64, omega: f64| {
        format!(
            "initial_customers: 500.0, referral_strength: {rho:?}, warning_strength: {omega:?}, \
             warners: AllChurners, funnels: [Funnel(segment: \"all\", leads_per_period: 80.0, \
             qualification_rate: 0.5, conversion_rate: 0.25, cost_per_lead: 10.0, \
             cost_per_win: 100.0)]"
        )
    };
    let plain = run(&geometric(0.05, 24, &body(0.0, 0.0)), 20_000, 3);
    let a0 = &plain.acquisition.as_ref().expect("acquisition").strategies[0];
    for &x in &a0.new_customers {
        assert_eq!(x, 80.0 * (0.5 * 0.25));
    }
    assert!(a0.referred_customers.iter().all(|&x| x == 0.0));
    assert!(a0.warned_off.iter().all(|&x| x == 0.0));
    assert_eq!(a0.lost_to_churn.reputation, 0.0);
    // CAC = (80·10 + 10·100) / 10 = 180 per period, every period.
    let cac = a0.cac.expect("wins");
    assert!((cac - 180.0).abs() < 1e-9, "CAC {cac}");

    let referrals = run(&geometric(0.05, 24, &body(0.3, 0.0)), 20_000, 3);
    let a1 = &referrals
        .acquisition
        .as_ref()
        .expect("acquisition")
        .strategies[0];
    let warnings = run(&geometric(0.05, 24, &body(0.0, 2.0)), 20_000, 3);
    let a2 = &warnings
        .acquisition
        .as_ref()
        .expect("acquisition")
        .strategies[0];
    for t in 0..24 {
        assert!(a1.new_customers[t] > a0.new_customers[t]);
        // Nobody has churned before period 1, so warnings start in period 2.
        if t == 0 {
            assert_eq!(a2.new_customers[t], a0.new_customers[t]);
        } else {
            assert!(a2.new_customers[t] < a0.new_customers[t]);
        }
    }
    assert!(a2.lost_to_churn.reputation > 0.0);
    // The closed cohort is the same in all three runs: word of mouth changes only inflow.
    assert_eq!(plain.strategies, referrals.strategies);
    assert_eq!(plain.strategies, warnings.strategies);
}

/// Hand-made curves: nobody churns, everyone is fully loyal (S = ℓ = 1). Then the base grows as
/// B_t = B_{t−1} + (L + ρ·B_{t−1})·w, i.e. B_t = (B₀ + L/ρ)(1 + ρw)^t − L/ρ.
#[test]
fn referrals_compound_like_the_closed_form() {
    let h = 40;
    let curves = Curves {
        survival: vec![1.0; h + 1],
        loyal: vec![1.0; h + 1],
        revenue: (0..=h).map(|a| if a == 0 { 0.0 } else { 5.0 }).collect(),
        churn: vec![0.0; h + 1],
        warn_share: 1.0,
        cost_per_period: 0.0,
    };
    let (l, w, rho, b0) = (50.0, 0.1, 0.05, 300.0);
    let f = FunnelParams {
        segment: "all".into(),
        leads: l,
        win_rate: w,
        cost_per_lead: 0.0,
        cost_per_win: 0.0,
    };
    let a = open_population(
        "s",
        b0,
        &curves,
        std::slice::from_ref(&f),
        &[&curves],
        WordOfMouth {
            referral_strength: rho,
            warning_strength: 7.0, // no churners, so no warnings either
        },
    );
    for t in 0..=h {
        let exact = (b0 + l / rho) * (1.0 + rho * w).powi(t as i32) - l / rho;
        let got = a.active_base[t];
        assert!(
            (got - exact).abs() <= 1e-9 * exact,
            "t {t}: {got} vs {exact}"
        );
    }
    // Nobody churns: nothing is lost.
    assert_eq!(a.lost_to_churn.current, 0.0);
    assert_eq!(a.lost_to_churn.future, 0.0);
    assert_eq!(a.lost_to_churn.reputation, 0.0);
}

/// Hand-made geometric curves with warnings: inflow tends to the fixed point
/// n* = L·w·exp(−ω·n*/L) (in the steady state the churners per period equal the inflow).
#[test]
fn warnings_settle_at_the_fixed_point() {
    let (h, theta) = (600usize, 0.1f64);
    let s: Vec<f64> = (0..=h).map(|a| (1.0 - theta).powi(a as i32)).collect();
    let curves = Curves {
        churn: (0..=h)
            .map(|a| if a == 0 { 0.0 } else { s[a - 1] - s[a] })
            .collect(),
        loyal: s.iter().map(|x| 0.5 * x).collect(),
        revenue: (0..=h)
            .map(|a| if a == 0 { 0.0 } else { 5.0 * s[a] })
            .collect(),
        survival: s,
        warn_share: 1.0,
        cost_per_period: 0.0,
    };
    let (l, w, omega) = (100.0, 0.2, 2.0);
    let f = FunnelParams {
        segment: "all".into(),
        leads: l,
        win_rate: w,
        cost_per_lead: 0.0,
        cost_per_win: 0.0,
    };
    let a = open_population(
        "s",
        0.0,
        &curves,
        std::slice::from_ref(&f),
        &[&curves],
        WordOfMouth {
            referral_strength: 0.0,
            warning_strength: omega,
        },
    );
    // Bisection on g(n) = n − L·w·exp(−ω n / L), increasing in n.
    let (mut lo, mut hi) = (0.0f64, l * w);
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if mid - l * w * (-omega * mid / l).exp() > 0.0 {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    let got = a.new_customers[h - 1];
    assert!(
        (got - lo).abs() <= 1e-9 * lo,
        "inflow {got} vs fixed point {lo}"
    );
    assert!((a.active_base[h] - lo / theta).abs() <= 1e-6 * lo / theta);
    // Conversions lost per period: L·w − n*.
    assert!((a.warned_off[h - 1] - (l * w - lo)).abs() <= 1e-9 * l * w);
}

fn shipped() -> Vec<std::path::PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("scenarios/")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "ron"))
        // Sidecars of `cxsim check` (NAME.expect.ron) are expectations, not scenarios.
        .filter(|p| !p.to_string_lossy().ends_with(".expect.ron"))
        .collect();
    files.sort();
    files
}

/// Every shipped scenario: without an acquisition section the JSON has no `acquisition` key and
/// is the engine's plain output; adding a section leaves every other byte of the JSON unchanged.
#[test]
fn shipped_scenarios_keep_their_json_with_and_without_acquisition() {
    let mut tried = 0;
    for path in shipped() {
        let mut m = cxsim::model::load::load_file(&path).expect("shipped scenario loads");
        let had = m.scenario.acquisition.take();
        let spec = cxsim::engine::RunSpec::all_strategies(&m, 3000, 9);
        let plain = cxsim::run::simulate(&m, &spec);
        let json = report::json(&plain);
        assert!(!json.contains("\"acquisition\""), "{}", path.display());
        // The engine alone (no hook) gives the same bytes.
        let acc = cxsim::engine::Engine::new(&m, spec.clone())
            .run(None, &|_, _| {})
            .expect("not cancelled");
        let bare = cxsim::results::RunResults::from_acc(&m, &spec, acc);
        assert_eq!(json, report::json(&bare), "{}", path.display());

        let seg = m.scenario.segments[0].id.clone();
        m.scenario.acquisition = had.or_else(|| {
            Some(cxsim::format::acquisition::Acquisition {
                initial_customers: 1000.0,
                funnels: vec![cxsim::format::acquisition::Funnel {
                    segment: seg,
                    leads_per_period: 100.0,
                    qualification_rate: 0.5,
                    conversion_rate: 0.3,
                    cost_per_lead: 5.0,
                    cost_per_win: 50.0,
                }],
                referral_strength: 0.1,
                warning_strength: 1.0,
                warners: cxsim::format::acquisition::Warners::FailureChurners,
            })
        });
        // Some sections refuse acquisition (accounts: docs/model.md §12); users cannot run such
        // a file, so neither does this test.
        let Ok(m) = cxsim::model::validate(m.scenario.clone()) else {
            assert!(
                m.scenario.segments.iter().any(|s| s.accounts.is_some()),
                "{} refuses an acquisition section",
                path.display()
            );
            continue;
        };
        tried += 1;
        let mut with = cxsim::run::simulate(&m, &spec);
        assert!(with.acquisition.is_some());
        assert!(report::json(&with).contains("\"acquisition\""));
        assert!(report::table(&with).contains("Acquisition (open population)"));
        with.acquisition = None;
        assert_eq!(json, report::json(&with), "{}", path.display());
    }
    assert!(
        tried >= 7,
        "only {tried} scenarios took an acquisition section"
    );
}

/// The acquisition figures are the same bytes at any thread count.
#[test]
fn acquisition_is_deterministic_across_threads() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/b2b-saas-stool.ron");
    let m = cxsim::model::load::load_file(&path).expect("loads");
    let spec = cxsim::engine::RunSpec::all_strategies(&m, 10_000, 2);
    let json = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("pool");
        pool.install(|| report::json(&cxsim::run::simulate(&m, &spec)))
    };
    let one = json(1);
    assert!(one.contains("\"acquisition\""));
    assert_eq!(one, json(2));
    assert_eq!(one, json(3));
}

/// Field paths and hints of invalid acquisition sections.
#[test]
fn invalid_acquisition_is_reported_with_field_paths() {
    let text = geometric_text(
        "initial_customers: -1.0, referral_strength: 0.1, funnels: [ \
         Funnel(segment: \"nobody\", leads_per_period: 10.0, qualification_rate: 1.5, \
         conversion_rate: 0.5), \
         Funnel(segment: \"all\", leads_per_period: -3.0, qualification_rate: 0.5, \
         conversion_rate: 0.5, cost_per_win: -1.0), \
         Funnel(segment: \"all\", leads_per_period: 3.0, qualification_rate: 0.5, \
         conversion_rate: 0.5)]",
    );
    let err = cxsim::model::load::load_str(Path::new("bad.ron"), &text).expect_err("invalid");
    let msg = err.to_string();
    for needle in [
        "acquisition.initial_customers",
        "acquisition.funnels[0].segment",
        "unknown segment id \"nobody\"",
        "known ids: all",
        "acquisition.funnels[0].qualification_rate",
        "acquisition.funnels[1].leads_per_period",
        "acquisition.funnels[1].cost_per_win",
        "acquisition.funnels[2].segment",
        "second funnel",
    ] {
        assert!(msg.contains(needle), "missing {needle:?} in:\n{msg}");
    }
    let empty = geometric_text("funnels: []");
    let msg = cxsim::model::load::load_str(Path::new("e.ron"), &empty)
        .expect_err("invalid")
        .to_string();
    assert!(msg.contains("acquisition.funnels"), "{msg}");
}

fn geometric_text(acquisition: &str) -> String {
    let text = scenario(
        12,
        0.0,
        "value_per_period: 10.0, initial: (satisfied: 0.5, pleased: 0.5, loyal: 0.5), \
         churn_propensity: Fixed(0.1)",
        INERT_TOUCHPOINT,
        [0.0, 0.0, 0.0],
        0.0,
    );
    match text.rfind(')') {
        Some(i) => format!("{}    acquisition: Some(({acquisition})),\n)", &text[..i]),
        None => text,
    }
}

/// The base columns of `--format csv` (docs/format.md), unchanged by the acquisition section.
const CSV_BASE: &str = "strategy,period,retention,retention_lo,retention_hi,satisfied,pleased,loyal,revenue_per_customer";
/// The per-segment retention columns the stool's three segments add after everything else.
const SEGMENT_COLUMNS: &str = ",retention[smb],retention_lo[smb],retention_hi[smb],\
    retention[mid-market],retention_lo[mid-market],retention_hi[mid-market],\
    retention[enterprise],retention_lo[enterprise],retention_hi[enterprise]";

/// `--format csv` gains the acquisition columns after the existing ones when the scenario has an
/// acquisition section, and is byte-for-byte what it was without one.
#[test]
fn csv_appends_the_acquisition_columns() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/b2b-saas-stool.ron");
    let mut m = cxsim::model::load::load_file(&path).expect("loads");
    let spec = cxsim::engine::RunSpec::all_strategies(&m, 3000, 9);
    let with = cxsim::run::simulate(&m, &spec);
    let csv = report::csv(&with);
    let mut lines = csv.lines();
    let header = lines.next().expect("header");
    assert_eq!(
        header,
        format!(
            "{CSV_BASE},new_customers,referred_customers,warned_off,acquisition_cost,active_base,\
             churners,base_revenue,cac,payback_periods,lost_current,lost_future,lost_reputation{SEGMENT_COLUMNS}"
        )
    );
    let cols = header.split(',').count();
    let h = with.horizon as usize;
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), with.strategies.len() * (h + 1));
    assert!(rows.iter().all(|r| r.len() == cols), "ragged rows:\n{csv}");
    let acq = with.acquisition.as_ref().expect("acquisition");
    for (si, a) in acq.strategies.iter().enumerate() {
        for t in 0..=h {
            let row = &rows[si * (h + 1) + t];
            assert_eq!(row[0], a.name);
            assert_eq!(row[1], t.to_string());
            let flow = |v: &[f64]| if t == 0 { 0.0 } else { v[t - 1] }.to_string();
            assert_eq!(row[9], flow(&a.new_customers), "row {si}/{t}");
            assert_eq!(row[12], flow(&a.acquisition_cost));
            assert_eq!(row[13], a.active_base[t].to_string());
            assert_eq!(row[14], flow(&a.churners));
            assert_eq!(row[15], flow(&a.revenue));
            assert_eq!(row[16], a.cac.map_or(String::new(), |c| c.to_string()));
            assert_eq!(
                row[17],
                a.payback_periods.map_or(String::new(), |p| p.to_string())
            );
            assert_eq!(row[18], a.lost_to_churn.current.to_string());
            assert_eq!(row[20], a.lost_to_churn.reputation.to_string());
        }
    }
    // Without the section: the closed cohort's header (with its segments) and exactly its rows.
    m.scenario.acquisition = None;
    let plain = report::csv(&cxsim::run::simulate(&m, &spec));
    assert_eq!(
        plain.lines().next(),
        Some(format!("{CSV_BASE}{SEGMENT_COLUMNS}").as_str())
    );
    let mut stripped = with.clone();
    stripped.acquisition = None;
    assert_eq!(plain, report::csv(&stripped));
    // And the base and segment columns of the acquisition CSV are those rows, cell for cell
    // (the acquisition's columns sit between them).
    for (a, b) in csv.lines().zip(plain.lines()).skip(1) {
        let (a, b): (Vec<&str>, Vec<&str>) = (a.split(',').collect(), b.split(',').collect());
        assert_eq!(a[..9], b[..9]);
        assert_eq!(a[a.len() - 9..], b[b.len() - 9..]);
    }
}

/// The binary writes the same CSV (`cxsim run --format csv`).
#[test]
fn cli_csv_has_the_acquisition_columns() {
    let out = common::cli::cxsim()
        .args([
            "run",
            "scenarios/b2b-saas-stool.ron",
            "--format",
            "csv",
            "-n",
            "2000",
            "--quiet",
        ])
        .output()
        .expect("runs");
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8(out.stdout).expect("utf-8");
    let header = text.lines().next().unwrap_or_default();
    assert!(header.starts_with(CSV_BASE), "{header}");
    assert!(
        header.ends_with(&format!(
            ",lost_current,lost_future,lost_reputation{SEGMENT_COLUMNS}"
        )),
        "{header}"
    );
}
