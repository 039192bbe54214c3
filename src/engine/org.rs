//! The organisation behind the journey, simulated (seed articles 002, DIME, and 003, the iron triangle).
//!
//! * **Engagement** per team scales the quality of the staff-delivered touchpoints it owns and
//!   drifts with workload; spend on engagement raises it.
//! * **Customer care**: a failed touchpoint can be recovered in the same period (`Recovery`).
//! * **Feedback for intelligence**: touchpoints collect feedback at a response rate and learn from
//!   the failures they hear about (`Feedback`).
//! * **Experience design**: touchpoint design variants, selected per strategy.
//! * **The iron triangle**: leadership, incentives and culture give an execution factor that decides
//!   how much of a strategy's stage budget becomes better touchpoints.
//!
//! Everything that would couple customers (learning from aggregate feedback, workload per agent)
//! is a deterministic per-period mean-field schedule computed here, BEFORE the customer
//! simulation, so customers stay independent. The formulas are in docs/model.md, section 10;
//! every function here is pure.

use crate::format::org::{Feedback, Staffing, Team, default_org_half, design_of, team_of};
use crate::format::{FollowOn, Outcome, Scenario, Trigger};
use crate::model::Model;

/// A level after spend: `level + (1 − level) · s / (s + half)`. Spend 0 leaves it exactly.
pub fn level_after_spend(level: f64, spend: f64, half: f64) -> f64 {
    if spend <= 0.0 {
        return level;
    }
    (level + (1.0 - level) * spend / (spend + half)).clamp(0.0, 1.0)
}

/// The execution factor of the iron triangle: the weighted power mean
/// `X = (Σ w_k · L_k^ρ)^(1/ρ)` with ρ ≤ 0 (ρ = 0: the weighted geometric mean `Π L_k^w_k`).
/// X = 0 whenever a leg with positive weight is 0, X = 1 when all legs are 1, X is
/// non-decreasing in each leg and never exceeds the largest leg.
pub fn execution_factor(legs: [f64; 3], weights: [f64; 3], rho: f64) -> f64 {
    let total: f64 = weights.iter().sum();
    if total <= 0.0 || !total.is_finite() {
        return 0.0;
    }
    if legs
        .iter()
        .zip(&weights)
        .any(|(&l, &w)| w > 0.0 && l <= 0.0)
    {
        return 0.0;
    }
    if legs.iter().all(|&l| l >= 1.0) {
        return 1.0;
    }
    let w = weights.map(|x| x / total);
    let x = if rho == 0.0 {
        legs.iter()
            .zip(&w)
            .map(|(&l, &wk)| wk * libm::log(l))
            .sum::<f64>()
    } else {
        let s: f64 = legs
            .iter()
            .zip(&w)
            .map(|(&l, &wk)| wk * libm::pow(l, rho))
            .sum();
        libm::log(s) / rho
    };
    libm::exp(x).clamp(0.0, 1.0)
}

/// Quality multiplier of a staff touchpoint whose team has engagement `e`: `1 − impact·(1 − e)`.
/// Exactly 1 at full engagement.
pub fn engagement_factor(e: f64, impact: f64) -> f64 {
    if e >= 1.0 {
        return 1.0;
    }
    1.0 - impact * (1.0 - e)
}

/// One step of the feedback-learning recursion on the designed quality `q0`:
/// `p' = p + λ·r·(1 − p) − φ·(p − q0)`.
pub fn learn_step(p: f64, q0: f64, fb: &Feedback) -> f64 {
    let a = fb.learning_rate * fb.response_rate;
    (p + a * (1.0 - p) - fb.decay * (p - q0)).clamp(0.0, 1.0)
}

/// The fixed point of `learn_step`: `p* = (λ·r + φ·q0) / (λ·r + φ)` (q0 when nobody learns).
pub fn learning_fixed_point(q0: f64, fb: &Feedback) -> f64 {
    let a = fb.learning_rate * fb.response_rate;
    if a + fb.decay <= 0.0 {
        return q0;
    }
    (a + fb.decay * q0) / (a + fb.decay)
}

/// Closed form of the recursion: `p_t = p* + (q0 − p*)·(1 − λ·r − φ)^(t−1)` for period t ≥ 1.
pub fn learning_closed_form(q0: f64, fb: &Feedback, t: u32) -> f64 {
    let a = fb.learning_rate * fb.response_rate;
    let p = learning_fixed_point(q0, fb);
    p + (q0 - p) * libm::pow(1.0 - a - fb.decay, f64::from(t.saturating_sub(1)))
}

/// One step of a team's engagement: `e' = e + drift·(target − e)` with
/// `target = clamp(level − strain·max(0, load/capacity − 1), 0, 1)`.
pub fn engagement_step(e: f64, level: f64, drift: f64, overload: f64, strain: f64) -> f64 {
    let target = (level - strain * overload.max(0.0)).clamp(0.0, 1.0);
    (e + drift * (target - e)).clamp(0.0, 1.0)
}

/// Contacts per agent and period, from expected contacts per active customer-period.
pub fn workload(contacts_per_customer: f64, staffing: &Staffing) -> f64 {
    contacts_per_customer * 1000.0 / staffing.agents_per_1000
}

/// Expected occurrences of every touchpoint (file order) per active customer in `period`
/// (1-based), given each touchpoint's success probability `q` and recovery probability `rec`.
/// Exact under the model for a single segment: expectations of counts add up along the trigger
/// graph in run order. A touchpoint restricted to some segments counts with their initial
/// share of customers (the mix drifts as segments churn at different rates; docs/model.md §10).
pub fn expected_occurrences(model: &Model, q: &[f64], rec: &[f64], period: u32) -> Vec<f64> {
    let s = &model.scenario;
    let n = s.touchpoints.len();
    let mut occ = vec![0.0; n];
    let mut incidents = 0.0;
    for &i in &model.run_order {
        let t = &s.touchpoints[i];
        let m = match &t.trigger {
            Trigger::EveryPeriod => 1.0,
            Trigger::Chance(p) => *p,
            Trigger::OnIncident => incidents,
            Trigger::After {
                outcome,
                probability,
                ..
            } => {
                let j = model.after_source[i].unwrap_or(i);
                let unrecovered = (1.0 - q[j]) * (1.0 - rec[j]);
                let share = match outcome {
                    Outcome::Success => 1.0 - unrecovered,
                    Outcome::Failure => unrecovered,
                    Outcome::Any => 1.0,
                };
                probability * occ[j] * share
            }
        };
        let reach = if !t.when.contains(period) {
            0.0
        } else if t.segments.is_empty() {
            1.0
        } else {
            s.segments
                .iter()
                .filter(|g| t.segments.contains(&g.id))
                .map(|g| g.share)
                .sum()
        };
        let m = m * reach;
        occ[i] = m;
        if t.on_failure.contains(&FollowOn::OpenIncident) {
            incidents += m * (1.0 - q[i]) * (1.0 - rec[i]);
        }
    }
    occ
}

/// The organisation's effect on one strategy, period by period.
#[derive(Debug, Clone, PartialEq)]
pub struct Schedule {
    /// Legs after the strategy's spend (leadership, incentives, culture); 1s without a triangle.
    pub legs: [f64; 3],
    pub execution_factor: f64,
    /// Per team: engagement in periods 1..=horizon (index t−1).
    pub engagement: Vec<Vec<f64>>,
    /// Per touchpoint (file order): success probability in periods 1..=horizon (index t−1);
    /// one entry when it is the same in every period.
    pub quality: Vec<Vec<f64>>,
    /// Per touchpoint: recovery probability (0 without recovery).
    pub recovery: Vec<f64>,
    /// Per touchpoint: the design variant in use.
    pub variant: Vec<String>,
}

impl Schedule {
    pub fn quality_at(&self, tp: usize, t: usize) -> f64 {
        let q = &self.quality[tp];
        q[t.min(q.len() - 1)]
    }

    /// Whether any touchpoint's quality changes over the horizon.
    pub fn dynamic(&self) -> bool {
        self.quality.iter().any(|q| q.len() > 1)
    }
}

/// Quality after the stage investment (as `engine::compile::invested_quality`).
fn invested(q: f64, stage_budget: f64, s: &Scenario) -> f64 {
    crate::engine::invested_quality(
        q,
        stage_budget,
        s.investment.max_uplift,
        s.investment.half_saturation,
    )
}

/// Computes the schedule of strategy `si`: legs and execution factor, then for t = 1..=horizon
/// the learned design quality, the invested quality (the stage budget scaled by the execution
/// factor), the engagement factor of the owning team, expected workload, and next period's
/// engagement. With no organisation features every quality is the plain model's compiled
/// quality, bit for bit.
pub fn schedule(model: &Model, si: usize) -> Schedule {
    let s = &model.scenario;
    let st = &s.strategies[si];
    let spend = st.organisation.unwrap_or_default();
    let org = s.organisation.as_ref();
    let half = org.map_or(default_org_half(), |o| o.half_saturation);
    let impact = org.map_or(0.0, |o| o.engagement_impact);

    let (legs, x) = match org.and_then(|o| o.triangle) {
        Some(tr) => {
            let legs = [
                level_after_spend(tr.leadership, spend.leadership, half),
                level_after_spend(tr.incentives, spend.incentives, half),
                level_after_spend(tr.culture, spend.culture, half),
            ];
            let w = [
                tr.weights.leadership,
                tr.weights.incentives,
                tr.weights.culture,
            ];
            (legs, execution_factor(legs, w, tr.rho))
        }
        None => ([1.0; 3], 1.0),
    };

    let n = s.touchpoints.len();
    let horizon = model.horizon().max(1);
    let teams: &[Team] = org.map_or(&[], |o| o.teams.as_slice());
    let team: Vec<Option<usize>> = (0..n).map(|i| team_of(s, i)).collect();
    let staff_team: Vec<Option<usize>> = (0..n)
        .map(|i| team[i].filter(|_| s.touchpoints[i].delivery.is_staff()))
        .collect();
    let designs: Vec<(String, f64, f64)> = (0..n)
        .map(|i| {
            let (name, q, cost, _) = design_of(s, si, i);
            (name.to_string(), q, cost)
        })
        .collect();
    let stage_budget: Vec<f64> = s
        .touchpoints
        .iter()
        .map(|t| {
            let b = st.budget * st.emphasis.get(t.stage);
            if x == 1.0 { b } else { x * b }
        })
        .collect();
    let recovery: Vec<f64> = s
        .touchpoints
        .iter()
        .map(|t| t.recovery.map_or(0.0, |r| r.quality))
        .collect();
    // Engagement levels after spend (the resting level each team drifts back to).
    let levels: Vec<f64> = teams
        .iter()
        .map(|tm| level_after_spend(tm.engagement, spend.engagement, half))
        .collect();

    let mut e: Vec<f64> = levels.clone();
    let mut p: Vec<f64> = designs.iter().map(|d| d.1).collect();
    let mut quality: Vec<Vec<f64>> = vec![Vec::with_capacity(horizon); n];
    let mut engagement: Vec<Vec<f64>> = vec![Vec::with_capacity(horizon); teams.len()];
    let mut q_t = vec![0.0; n];
    for t0 in 0..horizon {
        for (k, tm) in engagement.iter_mut().enumerate() {
            tm.push(e[k]);
        }
        for i in 0..n {
            let inv = invested(p[i], stage_budget[i], s);
            q_t[i] = match staff_team[i] {
                Some(k) if impact > 0.0 => {
                    let f = engagement_factor(e[k], impact);
                    if f == 1.0 { inv } else { inv * f }
                }
                _ => inv,
            };
            quality[i].push(q_t[i]);
        }
        // Next period: learning, then engagement from this period's workload.
        for (i, tp) in s.touchpoints.iter().enumerate() {
            if let Some(fb) = &tp.feedback {
                p[i] = learn_step(p[i], designs[i].1, fb);
            }
        }
        if teams.iter().any(|tm| tm.drift > 0.0) {
            let occ = expected_occurrences(model, &q_t, &recovery, t0 as u32 + 1);
            for (k, tm) in teams.iter().enumerate() {
                let (overload, strain) = match tm.staffing {
                    Some(sf) => {
                        let contacts: f64 = (0..n)
                            .filter(|&i| staff_team[i] == Some(k))
                            .map(|i| occ[i])
                            .sum();
                        (workload(contacts, &sf) / sf.capacity - 1.0, sf.strain)
                    }
                    None => (0.0, 0.0),
                };
                e[k] = engagement_step(e[k], levels[k], tm.drift, overload, strain);
            }
        }
    }
    for q in &mut quality {
        if q.iter().all(|&v| v == q[0]) {
            q.truncate(1);
        }
    }
    Schedule {
        legs,
        execution_factor: x,
        engagement,
        quality,
        recovery,
        variant: designs.into_iter().map(|d| d.0).collect(),
    }
}
