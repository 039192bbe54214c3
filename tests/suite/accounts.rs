//! Accounts and contacts (docs/model.md §12): the reduction to the plain model, closed forms,
//! the ordering of the health rules, and reproducibility.
//!
//! Tolerances follow tests/common/mod.rs: within `K_SIGMA` = 4 standard errors of the exact
//! value, with binomial standard errors computed from the exact probability.

use std::path::Path;

use cxsim::engine::{M_RETAINED, RunSpec};
use cxsim::model::Model;
use cxsim::report;
use cxsim::results::RunResults;

use crate::common::{K_SIGMA, assert_estimate, model, run};

/// Two segments (Beta and Fixed propensity), every trigger kind, escalations, discounting and
/// three strategies with budgets (the scenario of tests/suite/determinism.rs). `{RETAIL}` and
/// `{BUSINESS}` are replaced by each segment's extra fields.
const MULTI: &str = r#"Scenario(
    name: "Accounts multi-strategy",
    period: Month,
    horizon: 30,
    discount_rate: 0.09,
    segments: [
        Segment(id: "retail", share: 0.7, value_per_period: 35.0,
                initial: (satisfied: 0.5, pleased: 0.4, loyal: 0.2),
                churn_propensity: Beta(alpha: 0.9, beta: 6.0){RETAIL}),
        Segment(id: "business", share: 0.3, value_per_period: 120.0,
                initial: (satisfied: 0.6, pleased: 0.5, loyal: 0.4),
                churn_propensity: Fixed(0.04){BUSINESS}),
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
    revenue: (loyalty_uplift: 0.5),
    strategies: [
        Strategy(name: "baseline", budget: 0.0,
                 emphasis: (purchase: 0.34, exception: 0.33, relationship: 0.33)),
        Strategy(name: "purchase", budget: 3.0,
                 emphasis: (purchase: 0.8, exception: 0.1, relationship: 0.1)),
        Strategy(name: "care", budget: 3.0,
                 emphasis: (purchase: 0.1, exception: 0.6, relationship: 0.3)),
    ],
)"#;

fn multi(retail: &str, business: &str) -> String {
    MULTI
        .replace("{RETAIL}", retail)
        .replace("{BUSINESS}", business)
}

/// Not a multiple of the work unit (4096), so the last unit is partial.
const CUSTOMERS: u64 = 10_001;

/// The results with every accounts part removed (results and raw sums).
fn without_accounts(mut r: RunResults) -> RunResults {
    for s in &mut r.strategies {
        s.accounts = None;
    }
    if let Some(acc) = &mut r.acc {
        for s in &mut acc.strategies {
            s.accounts = None;
        }
    }
    r
}

fn json_on_threads(m: &Model, customers: u64, seed: u64, threads: usize) -> String {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap_or_else(|e| panic!("cannot build a pool of {threads} threads: {e}"));
    let spec = RunSpec::all_strategies(m, customers, seed);
    pool.install(|| report::json(&cxsim::run::simulate(m, &spec)))
}

// ---------------------------------------------------------------------------------------------
// 1. One contact of weight 1, renewals every period: exactly the plain model.

#[test]
fn one_contact_of_weight_one_renewing_every_period_is_the_plain_model_byte_for_byte() {
    let plain = model(&multi("", ""));
    let one = ", accounts: Some((contacts: [(role: \"buyer\", weight: 1.0)], \
               health: Mean, renewal_every: 1))";
    // Weakest of one contact is that contact's score too; a segment without accounts next to
    // one with them also runs the plain kernel.
    let weakest = ", accounts: Some((contacts: [(role: \"buyer\")], health: Weakest))";
    for (what, text) in [
        ("both segments", multi(one, one)),
        ("business only", multi("", one)),
        ("weakest", multi(weakest, one)),
    ] {
        let acc_model = model(&text);
        let a = run(&plain, CUSTOMERS, 7);
        let b = run(&acc_model, CUSTOMERS, 7);
        assert!(b.strategies.iter().all(|s| s.accounts.is_some()), "{what}");
        let b = without_accounts(b);
        let json_a = report::json(&a).replace("Accounts multi-strategy", "");
        let json_b = report::json(&b).replace("Accounts multi-strategy", "");
        assert_eq!(json_a, json_b, "{what}: JSON differs from the plain model");
        assert_eq!(a.acc, b.acc, "{what}: raw sums differ from the plain model");
        assert_eq!(report::table(&a), report::table(&b), "{what}: table");
    }
}

#[test]
fn the_accounts_curve_of_one_contact_accounts_is_the_retention_curve() {
    let one = ", accounts: Some((contacts: [(role: \"buyer\")]))";
    let r = run(&model(&multi(one, one)), CUSTOMERS, 3);
    for s in &r.strategies {
        let a = s.accounts.as_ref().expect("accounts results");
        assert_eq!(a.accounts, CUSTOMERS);
        assert_eq!(a.contacts_per_account, 1.0);
        assert_eq!(a.retention, s.retention, "{}", s.name);
        assert_eq!(a.account_periods, s.customer_periods);
        assert_eq!(a.contact_periods, s.customer_periods);
    }
}

// ---------------------------------------------------------------------------------------------
// 2. Closed forms.

const N: u64 = 200_000;

/// One segment of accounts; `contacts` and `health` as written; protection on loyalty only.
fn account_scenario(
    horizon: u32,
    theta: f64,
    contacts: &str,
    health: &str,
    every: u32,
    touchpoint: &str,
    loyal_protection: f64,
) -> String {
    format!(
        r#"Scenario(
    name: "accounts closed form",
    period: Month,
    horizon: {horizon},
    segments: [ Segment(id: "b2b", share: 1.0, value_per_period: 10.0,
        initial: (satisfied: 0.5, pleased: 0.5, loyal: 1.0),
        churn_propensity: Fixed({theta:?}),
        accounts: Some((contacts: [{contacts}], health: {health}, renewal_every: {every}))) ],
    touchpoints: [ {touchpoint} ],
    churn: (protection: (satisfied: 0.0, pleased: 0.0, loyal: {loyal_protection:?})),
    revenue: (loyalty_uplift: 0.0),
    strategies: [
        Strategy(name: "baseline", budget: 0.0,
                 emphasis: (purchase: 0.34, exception: 0.33, relationship: 0.33)),
    ],
)"#
    )
}

const INERT: &str = r#"Touchpoint(id: "visit", name: "Visit", stage: Purchase,
    trigger: EveryPeriod, quality: 1.0)"#;

/// Asserts the accounts-kept curve against exact survival, binomial SE from the exact p.
fn assert_accounts_kept(what: &str, r: &RunResults, exact: &[f64]) {
    let a = r.strategies[0].accounts.as_ref().expect("accounts results");
    let n = a.accounts as f64;
    assert_eq!(a.retention.len(), exact.len(), "{what}: length");
    for (t, (pt, &p)) in a.retention.iter().zip(exact).enumerate() {
        let se = (p * (1.0 - p) / n).sqrt();
        let dev = pt.mean - p;
        assert!(
            dev.abs() <= K_SIGMA * se + 1e-12,
            "{what}: accounts kept at t={t}: {} vs exact {p} ({:.2} se)",
            pt.mean,
            dev / se
        );
    }
}

/// Fixed θ, no protection: the hazard at every renewal is θ, whatever the contacts, and an
/// account can leave only at renewals t = K, 2K, ..., so S(t) = (1 − θ)^⌊t/K⌋ and the revenue
/// per account is v · Σ_{t=1..H} S(t) (it earns in period t iff it survived period t).
#[test]
fn renewals_every_k_periods_give_geometric_survival_in_renewals() {
    let (theta, h, k, v) = (0.2, 14usize, 3usize, 10.0);
    let contacts = r#"(role: "decision maker", weight: 2.0),
                      (role: "user", count: 3, probability: 0.6, weight: 1.0)"#;
    for health in ["Mean", "Weakest", "Mix(0.5)"] {
        let text = account_scenario(h as u32, theta, contacts, health, k as u32, INERT, 0.0);
        let r = run(&model(&text), N, 21);
        let s = |t: usize| (1.0 - theta).powi((t / k) as i32);
        let exact: Vec<f64> = (0..=h).map(s).collect();
        assert_accounts_kept(health, &r, &exact);
        // Every simulated customer is an account: the plain retention curve is the same.
        let a = r.strategies[0].accounts.as_ref().expect("accounts");
        assert_eq!(a.retention, r.strategies[0].retention);
        let rev: f64 = (1..=h).map(|t| v * s(t)).sum();
        assert_estimate(health, &a.revenue_per_account, rev);
    }
}

/// Contact slots are present independently with their probabilities, and an account with none
/// drawn keeps its first slot: N = X + 1{X = 0}, X ~ Binomial(3, 0.5): E[N] = 1.625,
/// Var[N] = E[X²] + P(X = 0) − E[N]² = 3 + 0.125 − 1.625².
#[test]
fn contacts_per_account_follow_the_role_probabilities() {
    let contacts =
        r#"(role: "decision maker", probability: 0.5), (role: "user", count: 2, probability: 0.5)"#;
    let text = account_scenario(3, 0.1, contacts, "Mean", 1, INERT, 0.0);
    let r = run(&model(&text), N, 5);
    let a = r.strategies[0].accounts.as_ref().expect("accounts");
    let mean = 1.625;
    let var: f64 = 3.125 - mean * mean;
    let se = (var / a.accounts as f64).sqrt();
    assert!(
        (a.contacts_per_account - mean).abs() <= K_SIGMA * se,
        "contacts per account {} vs {mean} (se {se})",
        a.contacts_per_account
    );
    // Per role: decision makers 0.5 + 0.125 (the fallback), users 2 · 0.5.
    for (role, exact, var) in [("decision maker", 0.625, 0.625 * 0.375), ("user", 1.0, 0.5)] {
        let x = a.roles.iter().find(|x| x.role == role).expect("role");
        let se = (var / a.accounts as f64).sqrt();
        assert!(
            (x.per_account - exact).abs() <= K_SIGMA * se,
            "{role}: {} vs {exact}",
            x.per_account
        );
    }
}

/// n identical contacts start fully loyal; every period each one independently breaks for
/// good with probability 1 − q (loyalty Down(1.0) → 0). With k of n still loyal the contact
/// scores are w (loyal) or 0, so the health is Mean: w·k/n, Weakest: w·1{k = n},
/// Mix(λ): λ·Weakest + (1 − λ)·Mean, and the renewal hazard θ·exp(−health). The exact survival
/// comes from iterating the distribution of k (binomial thinning per period) and the renewal.
#[test]
fn health_rules_match_the_exact_markov_chain_of_independent_contacts() {
    let (theta, q, w, n, h, k_every): (f64, f64, f64, usize, usize, usize) =
        (0.3, 0.9, 2.0, 3, 12, 2);
    let breaks = r#"Touchpoint(id: "incident", name: "Incident", stage: Exception,
        trigger: EveryPeriod, quality: 0.9, effects: (failure: (loyal: Down(1.0))))"#;
    let contacts = format!(r#"(role: "user", count: {n})"#);
    let binom = |a: usize, b: usize| -> f64 {
        (0..b).fold(1.0, |acc, i| acc * (a - i) as f64 / (i + 1) as f64)
    };
    for (health, lambda) in [("Mean", 0.0), ("Weakest", 1.0), ("Mix(0.4)", 0.4)] {
        let text = account_scenario(
            h as u32,
            theta,
            &contacts,
            health,
            k_every as u32,
            breaks,
            w,
        );
        let r = run(&model(&text), N, 33);
        // p[k] = P(alive and k contacts still loyal), after period t.
        let mut p = vec![0.0; n + 1];
        p[n] = 1.0;
        let mut exact = vec![1.0];
        for t in 1..=h {
            let mut next = vec![0.0; n + 1];
            for (k, &pk) in p.iter().enumerate() {
                for (j, nj) in next.iter_mut().enumerate().take(k + 1) {
                    *nj += pk * binom(k, j) * q.powi(j as i32) * (1.0 - q).powi((k - j) as i32);
                }
            }
            if t % k_every == 0 {
                for (k, x) in next.iter_mut().enumerate() {
                    let mean = w * k as f64 / n as f64;
                    let weakest = if k == n { w } else { 0.0 };
                    let health = lambda * weakest + (1.0 - lambda) * mean;
                    *x *= 1.0 - theta * (-health).exp();
                }
            }
            p = next;
            exact.push(p.iter().sum());
        }
        assert_accounts_kept(health, &r, &exact);
    }
}

// ---------------------------------------------------------------------------------------------
// 3. Weakest ≤ Mix ≤ Mean.

fn shipped() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/b2b-saas-whole-customer.ron");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The same account sees the same contact histories and renewal draws under every rule
/// (common random numbers), and Weakest ≤ Mix ≤ Mean health pointwise, so an account kept
/// under Weakest is kept under Mix and under Mean: the ordering holds account by account, and
/// on the shipped scenario, where contacts differ, it is strict beyond 4 SE.
#[test]
fn weakest_keeps_fewer_accounts_than_mix_than_mean() {
    let text = shipped();
    let m = |rule: &str| model(&text.replace("health: Mix(0.5)", &format!("health: {rule}")));
    let (weak, mix, mean) = (m("Weakest"), m("Mix(0.5)"), m("Mean"));
    let arms = [
        cxsim::engine::Arm {
            model: &weak,
            strategy: 0,
        },
        cxsim::engine::Arm {
            model: &mix,
            strategy: 0,
        },
        cxsim::engine::Arm {
            model: &mean,
            strategy: 0,
        },
    ];
    let r = cxsim::run::simulate_arms(&arms, 40_000, 9).expect("arms run together");
    let kept = |i: usize| {
        let a = r.strategies[i].accounts.as_ref().expect("accounts");
        a.retention.last().map_or(0.0, |p| p.mean)
    };
    assert!(
        kept(0) <= kept(1) && kept(1) <= kept(2),
        "{} {} {}",
        kept(0),
        kept(1),
        kept(2)
    );
    for (a, b) in [(0, 1), (1, 2)] {
        let d = r
            .paired_difference(a, b, M_RETAINED)
            .expect("paired difference");
        assert!(
            d.mean > K_SIGMA * d.se,
            "arm {b} − arm {a}: {} (se {})",
            d.mean,
            d.se
        );
    }
}

// ---------------------------------------------------------------------------------------------
// 4. Reproducibility.

#[test]
fn accounts_json_is_thread_independent() {
    let m = model(&shipped());
    let one = json_on_threads(&m, CUSTOMERS, 4, 1);
    assert!(one.contains("\"accounts\""));
    for threads in [2, 8] {
        assert_eq!(
            one,
            json_on_threads(&m, CUSTOMERS, 4, threads),
            "JSON on {threads} threads differs from 1 thread"
        );
    }
}

#[test]
fn shipped_scenario_table_has_the_accounts_section() {
    let m = model(&shipped());
    let r = run(&m, 5_000, 1);
    let table = report::table(&r);
    assert!(table.contains("Accounts (95% interval)"), "{table}");
    assert!(table.contains("mid-market/champion"), "{table}");
}

#[test]
fn csv_rows_carry_the_accounts_columns_and_match_the_json() {
    let m = model(&shipped());
    let r = run(&m, 5_000, 1);
    let csv = report::csv(&r);
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().expect("a header").split(',').collect();
    assert!(header.contains(&"account_retention"), "{header:?}");
    assert!(header.contains(&"mid-market.champion.loyal"), "{header:?}");
    let col = |name: &str| {
        header
            .iter()
            .position(|h| *h == name)
            .unwrap_or_else(|| panic!("no column {name}"))
    };
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    let horizon = r.horizon as usize;
    assert_eq!(rows.len(), r.strategies.len() * (horizon + 1));
    for (i, row) in rows.iter().enumerate() {
        assert_eq!(row.len(), header.len(), "row {i}");
        let (si, t) = (i / (horizon + 1), i % (horizon + 1));
        let a = r.strategies[si].accounts.as_ref().expect("accounts");
        let cell = |name: &str| row[col(name)].parse::<f64>().expect("a number");
        assert_eq!(cell("account_retention"), a.retention[t].mean);
        assert_eq!(cell("accounts_lost"), a.lost as f64);
        assert_eq!(cell("clv_per_account"), a.clv_per_account.mean);
        // Role states only where the JSON has them.
        let champion = a
            .roles
            .iter()
            .find(|x| x.segment == "mid-market" && x.role == "champion")
            .expect("the champion role");
        match champion.states.iter().find(|p| p.period as usize == t) {
            Some(p) => assert_eq!(cell("mid-market.champion.loyal"), p.loyal),
            None => assert_eq!(row[col("mid-market.champion.loyal")], ""),
        }
    }
}

#[test]
fn csv_without_accounts_has_no_accounts_columns() {
    let plain = model(
        &std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/benchmark-triad.ron"),
        )
        .expect("read"),
    );
    let csv = report::csv(&run(&plain, 1_000, 1));
    assert!(csv.starts_with(
        "strategy,period,retention,retention_lo,retention_hi,satisfied,pleased,loyal,revenue_per_customer\n"
    ));
}

/// `meets`: a role that meets every touchpoint is the default, bit for bit; a role that meets
/// none keeps its starting states exactly; an unknown id is refused at its path.
#[test]
fn roles_meet_only_the_touchpoints_they_list() {
    let text = shipped();
    let base = model(&text);
    let ids: Vec<String> = base
        .scenario
        .touchpoints
        .iter()
        .map(|t| format!("{:?}", t.id))
        .collect();
    let with_meets = |list: &str| {
        text.replacen(
            "(role: \"user\"",
            &format!("(role: \"user\", meets: Some([{list}])"),
            1,
        )
    };
    assert_ne!(with_meets(""), text, "the shipped scenario has a user role");
    let all = model(&with_meets(&ids.join(", ")));
    assert_eq!(
        json_on_threads(&base, CUSTOMERS, 3, 1),
        json_on_threads(&all, CUSTOMERS, 3, 1),
        "meeting every touchpoint is the default"
    );
    let none = model(&with_meets(""));
    let r = run(&none, 5_000, 3);
    let a = r.strategies[0].accounts.as_ref().expect("accounts");
    let (k, user) = a
        .roles
        .iter()
        .enumerate()
        .find(|(_, x)| x.role == "user")
        .expect("the user role");
    let seg = none
        .scenario
        .segments
        .iter()
        .find(|g| g.id == user.segment)
        .expect("the user's segment");
    let start = seg
        .accounts
        .as_ref()
        .and_then(|acc| acc.contacts.iter().find(|c| c.role == "user"))
        .and_then(|c| c.initial)
        .unwrap_or(seg.initial);
    for p in &user.states {
        assert!(
            (p.satisfied - start.satisfied).abs() < 1e-9
                && (p.pleased - start.pleased).abs() < 1e-9
                && (p.loyal - start.loyal).abs() < 1e-9,
            "role {k} moved at period {}: {p:?} vs {start:?}",
            p.period
        );
    }
    // Other roles still go through the journey.
    let moved = a.roles.iter().filter(|x| x.role != "user").any(|x| {
        x.states
            .last()
            .is_some_and(|p| (p.loyal - x.states[0].loyal).abs() > 1e-3)
    });
    assert!(moved, "the other roles' states never moved");
    // An unknown id is refused, with the field path and the known ids.
    let err =
        cxsim::model::load::load_str(Path::new("x.ron"), &with_meets("\"no-such-touchpoint\""))
            .expect_err("unknown touchpoint");
    let msg = err.to_string();
    assert!(msg.contains(".meets[0]"), "{msg}");
    assert!(
        msg.contains("unknown touchpoint id \"no-such-touchpoint\""),
        "{msg}"
    );
    assert!(msg.contains("platform-sla"), "{msg}");
}

// ---------------------------------------------------------------------------------------------
// 5. Shards: the parts of a sharded run merge to the bytes of the single run.

#[test]
fn sharded_accounts_runs_merge_to_the_single_run() {
    use assert_cmd::Command;
    let dir = tempfile::tempdir().expect("temp dir");
    let scenario = "scenarios/b2b-saas-whole-customer.ron";
    let cxsim = || {
        let mut c = Command::cargo_bin("cxsim").expect("the cxsim binary is built");
        c.current_dir(env!("CARGO_MANIFEST_DIR"));
        c
    };
    let out = |args: &[&str]| -> Vec<u8> {
        let o = cxsim().args(args).output().expect("cxsim runs");
        assert!(
            o.status.success(),
            "cxsim {args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        o.stdout
    };
    for format in ["json", "table"] {
        let single = out(&["run", scenario, "-n", "13000", "-s", "5", "-f", format]);
        assert!(String::from_utf8_lossy(&single).contains("ccounts"));
        let parts: Vec<String> = (1..=3)
            .map(|k| {
                let p = dir.path().join(format!("{format}-{k}.json"));
                let p = p.to_str().expect("UTF-8 path").to_string();
                let shard = format!("{k}/3");
                out(&[
                    "run", scenario, "-n", "13000", "-s", "5", "--shard", &shard, "--out", &p, "-q",
                ]);
                p
            })
            .collect();
        let mut args = vec!["merge", "--format", format];
        args.extend(parts.iter().map(String::as_str));
        assert!(
            out(&args) == single,
            "{format}: merged output differs from the single run"
        );
    }
}
