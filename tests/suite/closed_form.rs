//! The engine against closed forms: geometric survival, the shifted-beta-geometric model and
//! small absorbing Markov chains whose exact behaviour is computed here by iterating their
//! transition probabilities (never by sampling).
//!
//! Tolerances: every Monte Carlo quantity is compared with its exact value within
//! `common::K_SIGMA` = 4 standard errors (rationale in tests/common/mod.rs). Retention uses the
//! binomial SE from the *exact* p and N; per-customer metrics use the run's own SE (the sample
//! SD of a per-customer value over N independent customers / √N), which the engine reports.
//! Nothing is tuned: the exact numbers are derived from the model definition in
//! docs/model.md and the engine docs (per period: touchpoints in run order, then churn with
//! h = θ·exp(−w·s); survivors earn value·(1 + uplift·loyal); a customer churning in period t
//! was active for t periods; revenue is discounted with the end-of-period factor d_t).

use crate::common;
use crate::common::{
    assert_estimate, assert_retention, assert_retention_sane, model, monthly_discount, run,
    scenario,
};

const N: u64 = 200_000;

/// A Purchase touchpoint that always happens, always succeeds and changes nothing.
const INERT_TOUCHPOINT: &str = r#"Touchpoint(id: "visit", name: "Visit", stage: Purchase,
    trigger: EveryPeriod, quality: 1.0)"#;

/// Σ_{t=lo..=hi} f(t).
fn sum(lo: usize, hi: usize, f: impl Fn(usize) -> f64) -> f64 {
    (lo..=hi).map(f).sum()
}

// ---------------------------------------------------------------------------------------------
// 1. Geometric survival.

/// Fixed θ and zero protection: h = θ in every period, so S(t) = (1−θ)^t, E[revenue] =
/// v·Σ_{t=1..H} S(t), E[lifetime] = Σ_{t=0..H−1} S(t) (active in period t iff survived t−1
/// periods), E[NPV] = Σ_{t=1..H} v·S(t)·d_t (no costs, no budget).
#[test]
fn geometric_survival_with_constant_hazard() {
    let (theta, h, v, rate): (f64, usize, f64, f64) = (0.05, 36, 20.0, 0.08);
    let text = scenario(
        h as u32,
        rate,
        &format!(
            "value_per_period: {v:?}, initial: (satisfied: 0.5, pleased: 0.5, loyal: 0.5), \
             churn_propensity: Fixed({theta:?})"
        ),
        INERT_TOUCHPOINT,
        [0.0, 0.0, 0.0],
        0.0,
    );
    let r = run(&model(&text), N, 11);
    assert_retention_sane("geometric", &r);
    let s = |t: usize| (1.0 - theta).powi(t as i32);
    let exact: Vec<f64> = (0..=h).map(s).collect();
    assert_retention("geometric", &r, 0, &exact);

    let st = &r.strategies[0];
    let d = monthly_discount(rate, h);
    assert_estimate(
        "geometric revenue",
        &st.revenue_per_customer,
        v * sum(1, h, s),
    );
    assert_estimate("geometric lifetime", &st.lifetime_periods, sum(0, h - 1, s));
    assert_estimate(
        "geometric NPV",
        &st.npv_per_customer,
        sum(1, h, |t| v * s(t) * d[t - 1]),
    );
    // No costs anywhere: cost is exactly zero and CLV equals NPV.
    assert_eq!(st.cost_per_customer.mean, 0.0);
    assert_eq!(st.clv_per_customer.mean, st.npv_per_customer.mean);
    // The EveryPeriod touchpoint runs once per active period.
    let runs = st.touchpoints[0].runs_per_customer;
    assert!(
        (runs - st.lifetime_periods.mean).abs() <= 1e-9 * runs,
        "runs per customer {runs} vs lifetime {}",
        st.lifetime_periods.mean
    );
}

/// Constant states (the only touchpoint has no effects) turn the protection into a constant
/// factor: h = θ·exp(−w·s₀), S(t) = (1−h)^t, and every survivor earns v·(1 + u·loyal₀).
#[test]
fn constant_states_scale_hazard_and_revenue() {
    let (theta, h, v, uplift): (f64, usize, f64, f64) = (0.2, 24, 10.0, 0.6);
    let w = [1.0, 0.5, 2.0];
    let s0 = [0.5, 0.4, 0.3];
    let text = scenario(
        h as u32,
        0.0,
        &format!(
            "value_per_period: {v:?}, initial: (satisfied: {:?}, pleased: {:?}, loyal: {:?}), \
             churn_propensity: Fixed({theta:?})",
            s0[0], s0[1], s0[2]
        ),
        INERT_TOUCHPOINT,
        w,
        uplift,
    );
    let r = run(&model(&text), N, 12);
    assert_retention_sane("constant states", &r);
    let hazard = theta * (-(w[0] * s0[0] + w[1] * s0[1] + w[2] * s0[2])).exp();
    let s = |t: usize| (1.0 - hazard).powi(t as i32);
    let exact: Vec<f64> = (0..=h).map(s).collect();
    assert_retention("constant states", &r, 0, &exact);
    let st = &r.strategies[0];
    let per_period = v * (1.0 + uplift * s0[2]);
    assert_estimate(
        "constant states revenue",
        &st.revenue_per_customer,
        per_period * sum(1, h, s),
    );
    assert_estimate(
        "constant states lifetime",
        &st.lifetime_periods,
        sum(0, h - 1, s),
    );
    // discount_rate 0: NPV is undiscounted revenue minus (zero) costs.
    assert_estimate(
        "constant states NPV",
        &st.npv_per_customer,
        per_period * sum(1, h, s),
    );
    // Triad means of survivors stay at the initial levels.
    for p in &st.triad {
        for (got, want) in [p.satisfied, p.pleased, p.loyal].into_iter().zip(s0) {
            assert!((got - want).abs() < 1e-12, "triad drifted: {got} vs {want}");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// 2. Shifted-beta-geometric.

/// θ ~ Beta(α, β) drawn once per customer and h = θ: S(t) = E[(1−θ)^t] = B(α, β+t)/B(α, β)
/// = Π_{k=0}^{t−1} (β+k)/(α+β+k).
fn check_sbg(alpha: f64, beta: f64, seed: u64) {
    let (h, v) = (36usize, 15.0);
    let text = scenario(
        h as u32,
        0.0,
        &format!(
            "value_per_period: {v:?}, initial: (satisfied: 0.2, pleased: 0.9, loyal: 0.4), \
             churn_propensity: Beta(alpha: {alpha:?}, beta: {beta:?})"
        ),
        INERT_TOUCHPOINT,
        [0.0, 0.0, 0.0],
        0.0,
    );
    let r = run(&model(&text), N, seed);
    let what = format!("sBG({alpha}, {beta})");
    assert_retention_sane(&what, &r);
    let mut exact = vec![1.0];
    for k in 0..h {
        let k = k as f64;
        let last = exact[exact.len() - 1];
        exact.push(last * (beta + k) / (alpha + beta + k));
    }
    assert_retention(&what, &r, 0, &exact);
    let st = &r.strategies[0];
    assert_estimate(
        &format!("{what} revenue"),
        &st.revenue_per_customer,
        v * exact[1..=h].iter().sum::<f64>(),
    );
    assert_estimate(
        &format!("{what} lifetime"),
        &st.lifetime_periods,
        exact[0..h].iter().sum::<f64>(),
    );
}

#[test]
fn shifted_beta_geometric_alpha_below_one() {
    check_sbg(0.7, 3.0, 21);
}

#[test]
fn shifted_beta_geometric_alpha_above_one() {
    check_sbg(2.0, 5.0, 22);
}

// ---------------------------------------------------------------------------------------------
// 3. Absorbing Markov chains.
//
// The scenarios below only use Up(1.0) / Down(1.0) shifts, which set a state to exactly 1 or 0,
// so each customer's triad is one of finitely many corner states. The period's random outcome
// (which touchpoints run and how they end) moves the customer between corners; churn is the
// absorbing state, entered after the touchpoints with the hazard of the corner reached.

/// One way a period can go from a given state: its probability, the state after the
/// touchpoints, and the expected incidents, escalations and service cost it brings.
struct Branch {
    p: f64,
    next: usize,
    incidents: f64,
    escalations: f64,
    cost: f64,
}

/// A finite chain over transient states; churn is the absorbing state.
struct Chain {
    start: usize,
    /// Churn hazard in each state (applied after the period's touchpoints).
    hazard: Vec<f64>,
    /// Revenue of a survivor ending the period in each state.
    revenue: Vec<f64>,
    /// The period's branches from each state.
    step: Vec<Vec<Branch>>,
}

/// Exact expectations over a finite horizon.
struct Exact {
    /// P(active at the end of period t), t = 0..=H.
    survival: Vec<f64>,
    lifetime: f64,
    revenue: f64,
    npv: f64,
    cost: f64,
    incidents: f64,
    escalations: f64,
}

impl Chain {
    fn check(&self) {
        for (i, branches) in self.step.iter().enumerate() {
            let total: f64 = branches.iter().map(|b| b.p).sum();
            assert!(
                (total - 1.0).abs() < 1e-12,
                "branch probabilities of state {i} sum to {total}"
            );
        }
    }

    /// Iterates the state distribution of active customers period by period. An expected
    /// count over the horizon is Σ_t Σ_s P(active at the start of t in s)·E[count in t | s].
    fn exact(&self, horizon: usize, discount: &[f64]) -> Exact {
        self.check();
        let n = self.hazard.len();
        let mut pi = vec![0.0; n];
        pi[self.start] = 1.0;
        let mut e = Exact {
            survival: vec![1.0],
            lifetime: 0.0,
            revenue: 0.0,
            npv: 0.0,
            cost: 0.0,
            incidents: 0.0,
            escalations: 0.0,
        };
        for t in 1..=horizon {
            let d = discount[t - 1];
            e.lifetime += pi.iter().sum::<f64>();
            let mut next = vec![0.0; n];
            for (s, &mass) in pi.iter().enumerate() {
                for b in &self.step[s] {
                    let m = mass * b.p;
                    e.incidents += m * b.incidents;
                    e.escalations += m * b.escalations;
                    e.cost += m * b.cost;
                    e.npv -= m * b.cost * d;
                    let survive = m * (1.0 - self.hazard[b.next]);
                    next[b.next] += survive;
                    e.revenue += survive * self.revenue[b.next];
                    e.npv += survive * self.revenue[b.next] * d;
                }
            }
            pi = next;
            e.survival.push(pi.iter().sum());
        }
        e
    }

    /// Infinite-horizon expectations from the fundamental matrix N = (I − Q)^{-1}, where
    /// Q[i][j] = P(move from i to j and survive): row `start` of N holds the expected number of
    /// periods begun in each state. Returns (E[lifetime], E[incidents], E[escalations]).
    fn fundamental(&self) -> (f64, f64, f64) {
        self.check();
        let n = self.hazard.len();
        // Solve x (I − Q) = e_start, i.e. (I − Q)ᵀ xᵀ = e_start, by Gaussian elimination.
        let mut a = vec![vec![0.0; n + 1]; n];
        for (i, row) in a.iter_mut().enumerate() {
            row[i] += 1.0;
            row[n] = if i == self.start { 1.0 } else { 0.0 };
        }
        for (i, branches) in self.step.iter().enumerate() {
            for b in branches {
                // (I − Q)ᵀ[j][i] −= Q[i][j]
                a[b.next][i] -= b.p * (1.0 - self.hazard[b.next]);
            }
        }
        for col in 0..n {
            let piv = (col..n)
                .max_by(|&x, &y| a[x][col].abs().total_cmp(&a[y][col].abs()))
                .unwrap_or(col);
            a.swap(col, piv);
            let pivot = a[col].clone();
            for (r, row) in a.iter_mut().enumerate() {
                if r != col {
                    let f = row[col] / pivot[col];
                    for (x, p) in row.iter_mut().zip(&pivot).skip(col) {
                        *x -= f * p;
                    }
                }
            }
        }
        let visits: Vec<f64> = (0..n).map(|i| a[i][n] / a[i][i]).collect();
        let per_state = |f: &dyn Fn(&Branch) -> f64| -> f64 {
            (0..n)
                .map(|i| visits[i] * self.step[i].iter().map(|b| b.p * f(b)).sum::<f64>())
                .sum()
        };
        (
            visits.iter().sum(),
            per_state(&|b| b.incidents),
            per_state(&|b| b.escalations),
        )
    }
}

fn assert_chain(what: &str, r: &cxsim::results::RunResults, ex: &Exact) {
    assert_retention_sane(what, r);
    assert_retention(what, r, 0, &ex.survival);
    let st = &r.strategies[0];
    assert_estimate(
        &format!("{what} lifetime"),
        &st.lifetime_periods,
        ex.lifetime,
    );
    assert_estimate(
        &format!("{what} revenue"),
        &st.revenue_per_customer,
        ex.revenue,
    );
    assert_estimate(&format!("{what} NPV"), &st.npv_per_customer, ex.npv);
    assert_estimate(&format!("{what} cost"), &st.cost_per_customer, ex.cost);
    assert_estimate(
        &format!("{what} incidents"),
        &st.incidents_per_customer,
        ex.incidents,
    );
    assert_estimate(
        &format!("{what} escalations"),
        &st.escalations_per_customer,
        ex.escalations,
    );
}

/// Chain A: a Purchase touchpoint every period whose success sets satisfied to 1 and whose
/// failure sets it to 0 (opening an incident, escalated with probability e). States:
/// 0 = unsatisfied (h = θ), 1 = satisfied (h = θ·e^{−w}).
struct ChainA {
    theta: f64,
    w: f64,
    q: f64,
    esc_p: f64,
    esc_cost: f64,
    tp_cost: f64,
    value: f64,
}

const CHAIN_A: ChainA = ChainA {
    theta: 0.1,
    w: 1.5,
    q: 0.8,
    esc_p: 0.25,
    esc_cost: 40.0,
    tp_cost: 2.0,
    value: 30.0,
};

impl ChainA {
    fn text(&self, horizon: u32, rate: f64) -> String {
        scenario(
            horizon,
            rate,
            &format!(
                "value_per_period: {:?}, initial: (satisfied: 0.5, pleased: 0.0, loyal: 0.0), \
                 churn_propensity: Fixed({:?})",
                self.value, self.theta
            ),
            &format!(
                r#"Touchpoint(id: "delivery", name: "Delivery", stage: Purchase,
                    trigger: EveryPeriod, quality: {:?}, cost: {:?},
                    effects: (success: (satisfied: Up(1.0)), failure: (satisfied: Down(1.0))),
                    on_failure: [OpenIncident, Escalate(probability: {:?}, cost: {:?})])"#,
                self.q, self.tp_cost, self.esc_p, self.esc_cost
            ),
            [self.w, 0.0, 0.0],
            0.0,
        )
    }

    fn chain(&self) -> Chain {
        let branches = || {
            vec![
                Branch {
                    p: self.q,
                    next: 1,
                    incidents: 0.0,
                    escalations: 0.0,
                    cost: self.tp_cost,
                },
                Branch {
                    p: 1.0 - self.q,
                    next: 0,
                    incidents: 1.0,
                    escalations: self.esc_p,
                    cost: self.tp_cost + self.esc_p * self.esc_cost,
                },
            ]
        };
        Chain {
            start: 0, // irrelevant: the first period overwrites the initial level
            hazard: vec![self.theta, self.theta * (-self.w).exp()],
            revenue: vec![self.value, self.value],
            step: vec![branches(), branches()],
        }
    }
}

#[test]
fn markov_every_period_purchase() {
    let (h, rate) = (24usize, 0.10);
    let a = CHAIN_A;
    let r = run(&model(&a.text(h as u32, rate)), N, 31);
    let ex = a.chain().exact(h, &monthly_discount(rate, h));
    // Cross-check of the oracle itself: this chain has the same one-period survival
    // 1 − (q·θe^{−w} + (1−q)·θ) from either state, so S(t) is geometric.
    let p1 = 1.0 - (a.q * a.theta * (-a.w).exp() + (1.0 - a.q) * a.theta);
    for (t, s) in ex.survival.iter().enumerate() {
        assert!((s - p1.powi(t as i32)).abs() < 1e-12);
    }
    assert_chain("chain A", &r, &ex);
}

/// Chain A over a horizon long enough (S(H) < 1e-9) for the fundamental matrix to give the
/// expected lifetime, incidents and escalations; it also checks the finite-horizon oracle.
#[test]
fn markov_every_period_fundamental_matrix() {
    let h = 1000usize;
    let a = CHAIN_A;
    let r = run(&model(&a.text(h as u32, 0.0)), 100_000, 32);
    let chain = a.chain();
    let ex = chain.exact(h, &vec![1.0; h]);
    assert!(
        ex.survival[h] < 1e-9,
        "horizon too short: S(H) = {}",
        ex.survival[h]
    );
    let (lifetime, incidents, escalations) = chain.fundamental();
    for (name, finite, infinite) in [
        ("lifetime", ex.lifetime, lifetime),
        ("incidents", ex.incidents, incidents),
        ("escalations", ex.escalations, escalations),
    ] {
        assert!(
            (finite - infinite).abs() < 1e-8 * infinite,
            "oracle disagrees on {name}: finite sum {finite} vs fundamental matrix {infinite}"
        );
    }
    let st = &r.strategies[0];
    assert_estimate("chain A (∞) lifetime", &st.lifetime_periods, lifetime);
    assert_estimate(
        "chain A (∞) incidents",
        &st.incidents_per_customer,
        incidents,
    );
    assert_estimate(
        "chain A (∞) escalations",
        &st.escalations_per_customer,
        escalations,
    );
    assert_retention_sane("chain A (∞)", &r);
}

/// Chain B: a follow-on. `purchase` happens with probability p (so states persist across
/// periods); success sets satisfied to 1, failure sets it to 0 and escalates with probability
/// e₁. After a failure, `recovery` follows with probability r: its success restores satisfied
/// to 1, its failure destroys loyalty (loyal → 0) and escalates with probability e₂. Protection
/// on satisfied and loyal, loyalty uplift on revenue. States: sat + 2·loyal.
///
/// `recovery` is listed first in the file and has the same stage as `purchase`, so it only
/// ever runs if the run order puts a follow-on after its source, as the model promises.
#[test]
fn markov_after_trigger_recovery() {
    let (h, rate, n) = (30usize, 0.06, N);
    let (theta, w_sat, w_loyal) = (0.08, 1.0, 0.7);
    let (p, q, e1, c1, cost1) = (0.6, 0.7, 0.3, 50.0, 1.0);
    let (r_follow, q2, e2, c2, cost2) = (0.8, 0.5, 0.5, 80.0, 5.0);
    let (v, uplift) = (40.0, 0.5);
    let text = scenario(
        h as u32,
        rate,
        &format!(
            "value_per_period: {v:?}, initial: (satisfied: 1.0, pleased: 0.3, loyal: 1.0), \
             churn_propensity: Fixed({theta:?})"
        ),
        &format!(
            r#"Touchpoint(id: "recovery", name: "Recovery call", stage: Purchase,
                trigger: After(touchpoint: "purchase", outcome: Failure, probability: {r_follow:?}),
                quality: {q2:?}, cost: {cost2:?},
                effects: (success: (satisfied: Up(1.0)), failure: (loyal: Down(1.0))),
                on_failure: [Escalate(probability: {e2:?}, cost: {c2:?})]),
               Touchpoint(id: "purchase", name: "Purchase", stage: Purchase,
                trigger: Chance({p:?}), quality: {q:?}, cost: {cost1:?},
                effects: (success: (satisfied: Up(1.0)), failure: (satisfied: Down(1.0))),
                on_failure: [Escalate(probability: {e1:?}, cost: {c1:?})])"#
        ),
        [w_sat, 0.0, w_loyal],
        uplift,
    );
    let state = |sat: usize, loyal: usize| sat + 2 * loyal;
    let mut step = Vec::new();
    for s in 0..4 {
        let loyal = s / 2;
        let fail_cost = cost1 + e1 * c1;
        step.push(vec![
            // No purchase this period: nothing changes.
            Branch {
                p: 1.0 - p,
                next: s,
                incidents: 0.0,
                escalations: 0.0,
                cost: 0.0,
            },
            Branch {
                p: p * q,
                next: state(1, loyal),
                incidents: 0.0,
                escalations: 0.0,
                cost: cost1,
            },
            // Failure without recovery.
            Branch {
                p: p * (1.0 - q) * (1.0 - r_follow),
                next: state(0, loyal),
                incidents: 0.0,
                escalations: e1,
                cost: fail_cost,
            },
            // Failure, recovered.
            Branch {
                p: p * (1.0 - q) * r_follow * q2,
                next: state(1, loyal),
                incidents: 0.0,
                escalations: e1,
                cost: fail_cost + cost2,
            },
            // Failure, recovery fails: loyalty lost.
            Branch {
                p: p * (1.0 - q) * r_follow * (1.0 - q2),
                next: state(0, 0),
                incidents: 0.0,
                escalations: e1 + e2,
                cost: fail_cost + cost2 + e2 * c2,
            },
        ]);
    }
    let chain = Chain {
        start: state(1, 1),
        hazard: (0..4)
            .map(|s| theta * (-(w_sat * (s % 2) as f64 + w_loyal * (s / 2) as f64)).exp())
            .collect(),
        revenue: (0..4)
            .map(|s| v * (1.0 + uplift * (s / 2) as f64))
            .collect(),
        step,
    };
    let r = run(&model(&text), n, 41);
    let ex = chain.exact(h, &monthly_discount(rate, h));
    assert_chain("chain B", &r, &ex);
    // Touchpoint counts: E[runs] = Σ_t P(active at start of t)·P(runs in t); the purchase
    // and recovery probabilities do not depend on the state.
    let st = &r.strategies[0];
    let recovery = &st.touchpoints[0];
    let purchase = &st.touchpoints[1];
    assert_eq!(
        (recovery.id.as_str(), purchase.id.as_str()),
        ("recovery", "purchase")
    );
    // Runs per customer are means of per-customer counts whose SE the engine does not report;
    // bound them with the variance of a count ≤ (max count)·mean, i.e. SE ≤ sqrt(H·mean/N).
    for (name, got, rate_per_period) in [
        ("purchase runs", purchase.runs_per_customer, p),
        (
            "recovery runs",
            recovery.runs_per_customer,
            p * (1.0 - q) * r_follow,
        ),
    ] {
        let exact = rate_per_period * ex.lifetime;
        let se = (h as f64 * exact / n as f64).sqrt();
        assert!(
            (got - exact).abs() <= common::K_SIGMA * se,
            "chain B {name}: {got} vs exact {exact} (se bound {se})"
        );
    }
}

/// Chain C: incidents. `purchase` (Chance p, quality q) sets satisfied to 1 or 0 and opens an
/// incident on failure; `billing` (every period, quality q_b, no effects) opens one on
/// failure too. Each incident runs `complaint` (OnIncident) once: success sets pleased to 1,
/// failure sets it to 0 and escalates with probability e. With k incidents in a period the
/// pleased level afterwards is the outcome of the last complaint. States: sat + 2·pleased.
#[test]
fn markov_on_incident_complaints() {
    let (h, rate) = (30usize, 0.0);
    let (theta, w_sat, w_pleased) = (0.12, 0.8, 1.2);
    let (p, q, qb, qc, e, esc_cost, c_cost) = (0.7, 0.75, 0.9, 0.6, 0.4, 100.0, 10.0);
    let v = 25.0;
    let text = scenario(
        h as u32,
        rate,
        &format!(
            "value_per_period: {v:?}, initial: (satisfied: 1.0, pleased: 1.0, loyal: 0.0), \
             churn_propensity: Fixed({theta:?})"
        ),
        &format!(
            r#"Touchpoint(id: "complaint", name: "Complaint", stage: Exception,
                trigger: OnIncident, quality: {qc:?}, cost: {c_cost:?},
                effects: (success: (pleased: Up(1.0)), failure: (pleased: Down(1.0))),
                on_failure: [Escalate(probability: {e:?}, cost: {esc_cost:?})]),
               Touchpoint(id: "purchase", name: "Purchase", stage: Purchase,
                trigger: Chance({p:?}), quality: {q:?},
                effects: (success: (satisfied: Up(1.0)), failure: (satisfied: Down(1.0))),
                on_failure: [OpenIncident]),
               Touchpoint(id: "billing", name: "Billing", stage: Purchase,
                trigger: EveryPeriod, quality: {qb:?},
                on_failure: [OpenIncident])"#
        ),
        [w_sat, w_pleased, 0.0],
        0.0,
    );
    let mut step = Vec::new();
    for s in 0..4 {
        let (sat0, pleased0) = (s % 2, s / 2);
        let mut branches = Vec::new();
        // Purchase: none, success, failure → (probability, satisfied after, incidents).
        let purchase = [
            (1.0 - p, sat0, 0usize),
            (p * q, 1, 0),
            (p * (1.0 - q), 0, 1),
        ];
        let billing = [(qb, 0usize), (1.0 - qb, 1)];
        for &(pp, sat, i1) in &purchase {
            for &(pb, i2) in &billing {
                let k = i1 + i2;
                let base = pp * pb;
                let kf = k as f64;
                // Expected escalations and cost of k complaints.
                let esc = kf * (1.0 - qc) * e;
                let cost = kf * c_cost + esc * esc_cost;
                if k == 0 {
                    branches.push(Branch {
                        p: base,
                        next: sat + 2 * pleased0,
                        incidents: 0.0,
                        escalations: 0.0,
                        cost: 0.0,
                    });
                } else {
                    for (pc, pleased) in [(qc, 1usize), (1.0 - qc, 0)] {
                        branches.push(Branch {
                            p: base * pc,
                            next: sat + 2 * pleased,
                            incidents: kf,
                            escalations: esc,
                            cost,
                        });
                    }
                }
            }
        }
        step.push(branches);
    }
    let chain = Chain {
        start: 3,
        hazard: (0..4)
            .map(|s| theta * (-(w_sat * (s % 2) as f64 + w_pleased * (s / 2) as f64)).exp())
            .collect(),
        revenue: vec![v; 4],
        step,
    };
    let r = run(&model(&text), N, 51);
    let ex = chain.exact(h, &monthly_discount(rate, h));
    assert_chain("chain C", &r, &ex);
    // Every incident runs the complaint touchpoint exactly once.
    let st = &r.strategies[0];
    let complaint = &st.touchpoints[0];
    assert_eq!(complaint.id, "complaint");
    let inc = st.incidents_per_customer.mean;
    assert!(
        (complaint.runs_per_customer - inc).abs() <= 1e-12 * inc,
        "complaint runs {} vs incidents {inc}",
        complaint.runs_per_customer
    );
}

// ---------------------------------------------------------------------------------------------
// 5. Retention interval sanity on the reference model, with several strategies.

#[test]
fn retention_sanity_on_reference_model() {
    let text = include_str!("../../scenarios/benchmark-triad.ron").replace(
        "strategies: [",
        r#"strategies: [
        Strategy(name: "purchase", budget: 6.0,
                 emphasis: (purchase: 1.0, exception: 0.0, relationship: 0.0)),
        Strategy(name: "relationship", budget: 3.0,
                 emphasis: (purchase: 0.0, exception: 0.2, relationship: 0.8)),"#,
    );
    let m = model(&text);
    assert_eq!(m.scenario.strategies.len(), 3);
    let r = run(&m, 100_000, 61);
    assert_retention_sane("benchmark triad", &r);
    for s in &r.strategies {
        assert_eq!(
            s.retention[0].se, 0.0,
            "{}: period 0 has no uncertainty",
            s.name
        );
        assert!(
            s.retention[r.horizon as usize].mean > 0.0,
            "{}: everyone churned",
            s.name
        );
    }
}
