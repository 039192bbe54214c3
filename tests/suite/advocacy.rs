//! The Customer Advocacy Framework (docs/model.md §13): the escalation lifecycle against its
//! absorbing Markov chain, the free trial's bounds, the management review's programme-off arm,
//! and the promise that files without an `advocacy` section give exactly the output they gave
//! before.

use crate::common;

use std::path::Path;

use cxsim::engine::{Arm, M_INCIDENTS, M_REVENUE, RunSpec};
use cxsim::model::Model;
use cxsim::report;

use crate::common::{K_SIGMA, model};

fn load(name: &str) -> Model {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join(name);
    cxsim::model::load::load_file(&path).unwrap_or_else(|e| panic!("{name} does not load: {e}"))
}

/// One segment that never churns, an outage every period that opens an incident and a ticket
/// that never resolves it: every customer escalates at the end of period 1, exactly once
/// (`at_most: 1`), and the lifecycle then runs undisturbed (no reopening).
fn chain_scenario(horizon: u32, advocacy_tail: &str) -> String {
    format!(
        r#"Scenario(
    name: "advocacy chain",
    period: Month,
    horizon: {horizon},
    segments: [ Segment(id: "key", share: 1.0, value_per_period: 100.0,
                        initial: (satisfied: 0.5, pleased: 0.5, loyal: 0.5),
                        churn_propensity: Fixed(0.0)) ],
    touchpoints: [
        Touchpoint(id: "outage", name: "Outage", stage: Purchase, trigger: EveryPeriod,
                   quality: 0.0, on_failure: [OpenIncident]),
        Touchpoint(id: "ticket", name: "Ticket", stage: Exception, trigger: OnIncident,
                   quality: 0.0),
    ],
    churn: (protection: (satisfied: 1.0, pleased: 1.0, loyal: 1.0)),
    revenue: (loyalty_uplift: 0.0),
    strategies: [ Strategy(name: "baseline", budget: 0.0,
                           emphasis: (purchase: 0.34, exception: 0.33, relationship: 0.33)) ],
    advocacy: (
        policies: [ (segment: "key", escalate_on: 1, at_most: 1) ],
        {advocacy_tail}
    ),
)"#
    )
}

/// Solves A x = b by Gauss-Jordan elimination with partial pivoting (A small and regular).
fn solve(mut a: Vec<Vec<f64>>, mut b: Vec<f64>) -> Vec<f64> {
    let n = b.len();
    for col in 0..n {
        let piv = (col..n)
            .max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))
            .expect("non-empty");
        a.swap(col, piv);
        b.swap(col, piv);
        let p = a[col][col];
        assert!(p.abs() > 1e-12, "singular system");
        for row in 0..n {
            if row != col {
                let f = a[row][col] / p;
                let pivot_row = a[col].clone();
                for (x, y) in a[row].iter_mut().zip(&pivot_row).skip(col) {
                    *x -= f * y;
                }
                b[row] -= f * b[col];
            }
        }
    }
    (0..n).map(|i| b[i] / a[i][i]).collect()
}

#[test]
fn escalation_lifecycle_matches_its_absorbing_markov_chain() {
    // Planning 2 periods (succeeds 0.8), meeting 1 period (0.6; with senior management, who
    // attend 3 meetings in 10, 0.9), get-well plan 3 periods (0.5, else it recurs: planning again).
    let (pp, pm, sigma, ps, pg) = (0.8, 0.6, 0.3, 0.9, 0.5);
    let tail = format!(
        "planning: (probability: {pp:?}, duration: 2),
         meeting: (probability: {pm:?}, duration: 1),
         senior_management: (share: {sigma:?}, probability: {ps:?}),
         get_well: (duration: 3, probability: {pg:?}, reopen_on_related: false),"
    );
    // 400 periods: the chance that an escalation is still open is below 0.65^50 ≈ 1e-9.
    let m = model(&chain_scenario(400, &tail));

    // Transient states, one per period: P1 P2 (planning), Mn Ms (meeting without / with senior
    // management), G1 G2 G3 (plan). Absorbing: closed out, abandoned.
    const P1: usize = 0;
    const P2: usize = 1;
    const MN: usize = 2;
    const MS: usize = 3;
    const G1: usize = 4;
    const G2: usize = 5;
    const G3: usize = 6;
    let n = 7;
    let mut q = vec![vec![0.0; n]; n];
    let mut r_closed = vec![0.0; n];
    let mut r_abandoned = vec![0.0; n];
    q[P1][P2] = 1.0;
    q[P2][MN] = pp * (1.0 - sigma);
    q[P2][MS] = pp * sigma;
    r_abandoned[P2] = 1.0 - pp;
    q[MN][G1] = pm;
    r_abandoned[MN] = 1.0 - pm;
    q[MS][G1] = ps;
    r_abandoned[MS] = 1.0 - ps;
    q[G1][G2] = 1.0;
    q[G2][G3] = 1.0;
    r_closed[G3] = pg;
    q[G3][P1] = 1.0 - pg;
    let i_minus_q: Vec<Vec<f64>> = (0..n)
        .map(|i| {
            (0..n)
                .map(|j| f64::from(u8::from(i == j)) - q[i][j])
                .collect()
        })
        .collect();
    // b = (I − Q)⁻¹ r: probability of closing out from each state.
    let b_closed = solve(i_minus_q.clone(), r_closed.clone());
    let b_abandoned = solve(i_minus_q.clone(), r_abandoned);
    assert!((b_closed[P1] + b_abandoned[P1] - 1.0).abs() < 1e-12);
    // t = (I − Q)⁻¹ 1: expected periods to absorption.
    let t = solve(i_minus_q.clone(), vec![1.0; n]);
    // E[T · 1{closed}] = (I − Q)⁻¹ b_closed: each period spent in j counts when the escalation
    // goes on to close from j.
    let t_closed = solve(i_minus_q.clone(), b_closed.clone());
    let resolution = t_closed[P1] / b_closed[P1];

    let customers = 40_000;
    let r = common::run(&m, customers, 11);
    let a = r.strategies[0].advocacy.as_ref().expect("advocacy results");
    assert_eq!(a.escalations, customers, "one escalation per customer");
    assert_eq!(a.in_progress, 0);
    assert_eq!(a.closed_out + a.abandoned, customers);
    assert_eq!(a.reopens, 0);
    assert_eq!(a.by_stage.purchase, customers);

    println!(
        "close-out {:.5} (exact {:.5}); time to absorption {:.4} ±{:.4} (exact {:.4}); \
         time to resolution {:.4} ±{:.4} (exact {:.4})",
        a.close_out_rate.mean,
        b_closed[P1],
        a.time_to_absorption.mean,
        a.time_to_absorption.se,
        t[P1],
        a.time_to_resolution.mean,
        a.time_to_resolution.se,
        resolution
    );
    // Close-out probability, with the binomial SE of the exact value.
    let p = b_closed[P1];
    let se = (p * (1.0 - p) / customers as f64).sqrt();
    let dev = a.close_out_rate.mean - p;
    assert!(
        dev.abs() <= K_SIGMA * se,
        "close-out rate {} vs exact {p} ({:.2} se)",
        a.close_out_rate.mean,
        dev / se
    );
    common::assert_estimate("time to absorption", &a.time_to_absorption, t[P1]);
    common::assert_estimate("time to resolution", &a.time_to_resolution, resolution);
    // Visit counts: with the fundamental matrix N = (I − Q)⁻¹, the visits V_j to state j
    // starting from P1 have mean N[P1][j] and variance N[P1][j]·(2·N[j][j] − 1) − N[P1][j]².
    // A recurrence is a return to P1 (V_P1 − 1 of them); senior meetings are visits to Ms.
    let fundamental: Vec<Vec<f64>> = {
        let cols: Vec<Vec<f64>> = (0..n)
            .map(|j| {
                let e: Vec<f64> = (0..n).map(|i| f64::from(u8::from(i == j))).collect();
                solve(i_minus_q.clone(), e)
            })
            .collect();
        (0..n)
            .map(|i| (0..n).map(|j| cols[j][i]).collect())
            .collect()
    };
    let visits = |j: usize| {
        let mean = fundamental[P1][j];
        let var = mean * (2.0 * fundamental[j][j] - 1.0) - mean * mean;
        (mean, (var / customers as f64).sqrt())
    };
    let check = |what: &str, observed: u64, exact: f64, se: f64| {
        let got = observed as f64 / customers as f64;
        assert!(
            (got - exact).abs() <= K_SIGMA * se,
            "{what} per escalation: {got} vs exact {exact} ({:.2} se)",
            (got - exact) / se
        );
    };
    let (v_p1, se_p1) = visits(P1);
    check("recurrences", a.recurrences, v_p1 - 1.0, se_p1);
    let (v_ms, se_ms) = visits(MS);
    check("senior meetings", a.senior_meetings, v_ms, se_ms);
}

/// The enterprise scenario with its trial's conversion probability replaced.
fn with_conversion(m: &Model, conversion: f64) -> Model {
    let mut m = m.clone();
    let adv = m.scenario.advocacy.as_mut().expect("advocacy");
    adv.trial.as_mut().expect("trial").conversion = conversion;
    m
}

#[test]
fn trial_conversion_one_and_zero_bound_the_results() {
    let base = load("advocacy-enterprise.ron");
    let never = with_conversion(&base, 0.0);
    let half = with_conversion(&base, 0.5);
    let always = with_conversion(&base, 1.0);
    let arms = [
        Arm {
            model: &never,
            strategy: 0,
        },
        Arm {
            model: &half,
            strategy: 0,
        },
        Arm {
            model: &always,
            strategy: 0,
        },
    ];
    let r = cxsim::run::simulate_arms(&arms, 30_000, 5).expect("same horizon");
    let trial = |i: usize| {
        r.strategies[i]
            .advocacy
            .as_ref()
            .and_then(|a| a.trial.clone())
            .expect("trial results")
    };
    // Exact bounds: conversion 0 converts nobody and earns nothing from the service;
    // conversion 1 turns nobody off.
    let (t0, t1) = (trial(0), trial(2));
    assert!(t0.offers > 0 && t1.offers > 0, "the trial is offered");
    assert_eq!(t0.conversions, 0);
    assert_eq!(t0.service_revenue_per_customer.mean, 0.0);
    assert_eq!(t1.turned_off, 0);
    assert!(t1.conversions > 0);
    assert!(t1.service_revenue_per_customer.mean > 0.0);
    // In expectation the half-converting programme lies between the two (paired differences on
    // common random numbers, each allowed K_SIGMA standard errors of noise).
    let ordered = |lo: usize, hi: usize, m: usize, what: &str| {
        let d = r.paired_difference(lo, hi, m).expect("sums kept");
        assert!(
            d.mean >= -K_SIGMA * d.se,
            "{what}: arm {hi} − arm {lo} = {} (se {})",
            d.mean,
            d.se
        );
    };
    ordered(0, 1, M_REVENUE, "revenue, conversion 0.5 vs 0");
    ordered(1, 2, M_REVENUE, "revenue, conversion 1 vs 0.5");
    ordered(1, 0, M_INCIDENTS, "incidents, conversion 0 vs 0.5");
    ordered(2, 1, M_INCIDENTS, "incidents, conversion 0.5 vs 1");
    // And the bounds are strict where the service matters: converting everyone lowers
    // incidents and raises revenue significantly.
    let rev = r.paired_difference(0, 2, M_REVENUE).expect("sums");
    assert!(rev.lo > 0.0, "conversion 1 earns more than 0: {rev:?}");
    let inc = r.paired_difference(2, 0, M_INCIDENTS).expect("sums");
    assert!(
        inc.lo > 0.0,
        "conversion 1 has fewer incidents than 0: {inc:?}"
    );
}

/// FNV-1a, 64 bits: a dependency-free fingerprint of a document.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// The JSON of benchmark-triad (10,001 customers, seed 1) as the engine produced it before the
/// advocacy programme existed (`cxsim run scenarios/benchmark-triad.ron -n 10001 -s 1 -f json`
/// on the parent commit), fingerprinted; taken anew when churn attribution became proportional
/// to harm (docs/model.md §4), the one change in these bytes since.
const BENCHMARK_JSON_FNV: u64 = 0xd71e_5327_6d0f_ac89;
const BENCHMARK_JSON_LEN: usize = 16_894;

#[test]
fn files_without_advocacy_give_the_same_bytes_as_before() {
    let m = load("benchmark-triad.ron");
    assert!(m.scenario.advocacy.is_none());
    let json = report::json(&cxsim::run::simulate(
        &m,
        &RunSpec::all_strategies(&m, 10_001, 1),
    ));
    assert!(!json.contains("\"advocacy\""));
    assert_eq!(
        (json.len(), fnv1a(json.as_bytes())),
        (BENCHMARK_JSON_LEN, BENCHMARK_JSON_FNV),
        "benchmark-triad JSON changed"
    );
    // The programme switched off is the plain model, bit for bit.
    let adv = load("advocacy-enterprise.ron");
    let off = cxsim::analysis::review::programme_off(&adv);
    let mut text_off = adv.scenario.clone();
    text_off.advocacy = None;
    let plain = cxsim::model::validate(text_off).expect("valid");
    let spec = RunSpec::all_strategies(&off, 8_192, 3);
    assert_eq!(
        report::json(&cxsim::run::simulate(&off, &spec)),
        report::json(&cxsim::run::simulate(&plain, &spec))
    );
}

#[test]
fn advocacy_results_are_thread_independent() {
    let m = load("advocacy-enterprise.ron");
    let spec = RunSpec::all_strategies(&m, 10_001, 17);
    let on = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap_or_else(|e| panic!("{e}"));
        pool.install(|| {
            let run = report::json(&cxsim::run::simulate(&m, &spec));
            let review = cxsim::analysis::review::review(&m, &[0, 1], 10_001, 17, &|_, _| {})
                .expect("review");
            (run, cxsim::report::advocacy::review_json(&review))
        })
    };
    let one = on(1);
    assert!(one.0.contains("\"advocacy\""));
    for threads in [2, 8] {
        assert!(on(threads) == one, "{threads} threads differ from 1");
    }
}

#[test]
fn a_programme_without_effect_retains_exactly_nothing() {
    // Escalations happen and are counted, but nothing they do touches the customer or the
    // books: no effects, no cost, no churn change, no trial.
    let tail = "planning: (probability: 0.7, duration: 1),
                meeting: (probability: 0.8, duration: 1),
                get_well: (duration: 2, probability: 0.6),";
    let text = chain_scenario(24, tail)
        .replace("Fixed(0.0)", "Beta(alpha: 1.0, beta: 9.0)")
        .replace("quality: 0.0, on_failure", "quality: 0.8, on_failure")
        .replace(
            "quality: 0.0),",
            "quality: 0.6, effects: (failure: (pleased: Down(0.3)))),",
        )
        .replace(", at_most: 1", "");
    let m = model(&text);
    let review = cxsim::analysis::review::review(&m, &[0], 20_000, 9, &|_, _| {}).expect("review");
    let s = &review.strategies[0];
    assert!(s.advocacy.escalations > 0, "escalations happen");
    assert_eq!(s.programme_cost_per_customer.mean, 0.0);
    for (what, e) in [
        ("revenue", s.retained_revenue_per_customer),
        ("npv", s.npv_difference),
        ("retention", s.retention_difference),
    ] {
        assert_eq!((e.mean, e.se), (0.0, 0.0), "{what}");
    }
}

#[test]
fn review_refuses_a_scenario_without_a_programme() {
    let m = load("benchmark-triad.ron");
    let e =
        cxsim::analysis::review::review(&m, &[0], 100, 1, &|_, _| {}).expect_err("no programme");
    assert!(e.contains("no advocacy section"), "{e}");
}

#[test]
fn review_command_writes_table_json_and_csv_and_refuses_files_without_a_programme() {
    let cxsim = || {
        let mut c = assert_cmd::Command::cargo_bin("cxsim").expect("the cxsim binary is built");
        c.current_dir(env!("CARGO_MANIFEST_DIR"));
        c
    };
    let file = "scenarios/advocacy-enterprise.ron";
    let json = cxsim()
        .args(["review", file, "-n", "3000", "-f", "json", "-q"])
        .output()
        .expect("runs");
    assert_eq!(json.status.code(), Some(0));
    let text = String::from_utf8_lossy(&json.stdout);
    assert!(text.contains("\"schema\": \"cxsim.review/1\""), "{text}");
    assert!(text.contains("\"retained_revenue_per_customer\""));
    let table = cxsim()
        .args(["review", file, "-n", "3000", "--strategy", "baseline"])
        .output()
        .expect("runs");
    assert_eq!(table.status.code(), Some(0));
    let text = String::from_utf8_lossy(&table.stdout);
    assert!(text.contains("revenue retained"), "{text}");
    assert!(!text.contains("exception-first"));
    let csv = cxsim()
        .args(["review", file, "-n", "3000", "-f", "csv"])
        .output()
        .expect("runs");
    assert_eq!(String::from_utf8_lossy(&csv.stdout).lines().count(), 3);
    let refused = cxsim()
        .args(["review", "scenarios/benchmark-triad.ron", "-n", "100"])
        .output()
        .expect("runs");
    assert_eq!(refused.status.code(), Some(2));
    assert!(refused.stdout.is_empty());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("no advocacy section"));
}

#[test]
fn dashboard_panel_lists_the_selected_strategys_escalations() {
    let m = load("advocacy-enterprise.ron");
    let r = common::run(&m, 3000, 1);
    let lines = cxsim::tui::advocacy_panel::lines(&r, 1);
    let keys: Vec<&str> = lines.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        keys,
        [
            "escalations",
            "closed out",
            "recur · reopen",
            "to resolution",
            "programme cost",
            "free trials",
            "churn in plans"
        ]
    );
    assert!(lines.len() as u16 + 2 <= cxsim::tui::advocacy_panel::HEIGHT);
    let plain = load("benchmark-triad.ron");
    assert!(cxsim::tui::advocacy_panel::lines(&common::run(&plain, 500, 1), 0).is_empty());
}
