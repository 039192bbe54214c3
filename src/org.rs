//! The organisation behind the journey (seed articles 002, DIME, and 003, the iron triangle).
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

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use crate::format::error::Problem;
use crate::format::{Effects, FollowOn, Outcome, Scenario, StateShifts, Trigger};
use crate::model::Model;

// ---------------------------------------------------------------------------------------------
// Format
// ---------------------------------------------------------------------------------------------

/// The organisation delivering the journey: teams and the iron triangle.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Organisation {
    /// Teams, referenced by touchpoints through `team` or, failing that, their `owner`.
    #[serde(default)]
    pub teams: Vec<Team>,
    /// Leadership, incentives and culture; absent means an execution factor of 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub triangle: Option<Triangle>,
    /// Share of quality a staff touchpoint loses when its team's engagement is 0:
    /// `q · (1 − engagement_impact · (1 − engagement))`.
    #[serde(default = "default_impact")]
    pub engagement_impact: f64,
    /// Organisational spend s per customer-period closes `s / (s + half_saturation)` of the gap
    /// between a level (a leg of the triangle, a team's engagement) and 1.
    #[serde(default = "default_org_half")]
    pub half_saturation: f64,
}

fn default_impact() -> f64 {
    0.5
}

fn default_org_half() -> f64 {
    2.0
}

/// A team that delivers staff touchpoints.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Team {
    pub id: String,
    #[serde(default)]
    pub name: String,
    /// Engagement level 0..1 at the start (and its resting level without overload).
    pub engagement: f64,
    /// Each period engagement moves this fraction of the way towards its target (0 = fixed).
    #[serde(default)]
    pub drift: f64,
    /// Staffing, which turns contacts into workload per agent; absent means never overloaded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub staffing: Option<Staffing>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Staffing {
    /// Agents per 1,000 active customers.
    pub agents_per_1000: f64,
    /// Contacts (staff touchpoint occurrences) one agent handles per period without strain.
    pub capacity: f64,
    /// Target engagement lost per unit of overload (workload / capacity − 1).
    #[serde(default = "default_strain")]
    pub strain: f64,
}

fn default_strain() -> f64 {
    0.5
}

/// The iron triangle: three mutually reinforcing investment levels, each 0..1.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Triangle {
    pub leadership: f64,
    pub incentives: f64,
    pub culture: f64,
    /// Exponent ρ ≤ 0 of the weighted power mean: 0 = geometric mean, −1 = harmonic mean,
    /// very negative = the weakest leg alone decides.
    #[serde(default = "default_rho")]
    pub rho: f64,
    /// Relative weights of the legs (normalised to sum 1).
    #[serde(default)]
    pub weights: LegWeights,
}

fn default_rho() -> f64 {
    -1.0
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LegWeights {
    pub leadership: f64,
    pub incentives: f64,
    pub culture: f64,
}

impl Default for LegWeights {
    fn default() -> Self {
        LegWeights {
            leadership: 1.0,
            incentives: 1.0,
            culture: 1.0,
        }
    }
}

/// Who delivers a touchpoint: people (engagement matters) or the customer alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Delivery {
    #[default]
    Staff,
    SelfService,
}

impl Delivery {
    pub fn is_staff(&self) -> bool {
        *self == Delivery::Staff
    }
}

/// Customer care: a failure of the touchpoint is recovered in the same period with probability
/// `quality`; a recovered failure costs `cost`, applies `effects` instead of the failure effects
/// and sets off none of the failure's follow-ons.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Recovery {
    pub quality: f64,
    #[serde(default)]
    pub cost: f64,
    #[serde(default)]
    pub effects: StateShifts,
}

/// Feedback for intelligence: a share `response_rate` of occurrences leaves feedback; each period
/// the touchpoint's quality closes `learning_rate · response_rate` of its gap to 1 (it fixes what
/// it hears about) and slides back by `decay` of its distance to the designed quality.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Feedback {
    pub response_rate: f64,
    #[serde(default)]
    pub learning_rate: f64,
    #[serde(default)]
    pub decay: f64,
}

/// A design variant of a touchpoint; unset fields keep the current design's values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Variant {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quality: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effects: Option<Effects>,
    #[serde(default)]
    pub notes: String,
}

/// The name that selects a touchpoint's current (file) design.
pub const CURRENT: &str = "current";

/// A strategy's organisational spend per active customer-period, on top of its stage budget.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrgSpend {
    #[serde(default)]
    pub leadership: f64,
    #[serde(default)]
    pub incentives: f64,
    #[serde(default)]
    pub culture: f64,
    /// Spread over every team: raises each team's engagement level.
    #[serde(default)]
    pub engagement: f64,
}

impl OrgSpend {
    pub fn total(&self) -> f64 {
        self.leadership + self.incentives + self.culture + self.engagement
    }
}

/// Variant selections of a strategy: touchpoint id → variant name.
pub type VariantChoice = BTreeMap<String, String>;

// ---------------------------------------------------------------------------------------------
// Pure functions
// ---------------------------------------------------------------------------------------------

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

/// The touchpoint as a strategy sees it: its variant (if the strategy selects one) applied to
/// quality, cost and effects.
pub fn design_of(s: &Scenario, strategy: usize, tp: usize) -> (&str, f64, f64, Effects) {
    let t = &s.touchpoints[tp];
    let chosen = s
        .strategies
        .get(strategy)
        .and_then(|st| st.variants.get(&t.id))
        .and_then(|name| t.variants.iter().find(|v| &v.name == name));
    match chosen {
        Some(v) => (
            v.name.as_str(),
            v.quality.unwrap_or(t.quality),
            v.cost.unwrap_or(t.cost),
            v.effects.unwrap_or(t.effects),
        ),
        None => (CURRENT, t.quality, t.cost, t.effects),
    }
}

/// Index of the team of a touchpoint: its `team`, else the team whose id is its `owner`.
pub fn team_of(s: &Scenario, tp: usize) -> Option<usize> {
    let org = s.organisation.as_ref()?;
    let t = &s.touchpoints[tp];
    let key = t.team.as_deref().unwrap_or(t.owner.as_str());
    org.teams.iter().position(|team| team.id == key)
}

/// Whether the scenario uses any organisation feature (otherwise the plain model runs and no
/// organisation results are reported).
pub fn has_features(s: &Scenario) -> bool {
    s.organisation.is_some()
        || s.touchpoints
            .iter()
            .any(|t| t.recovery.is_some() || t.feedback.is_some() || !t.variants.is_empty())
        || s.strategies
            .iter()
            .any(|st| st.organisation.is_some() || !st.variants.is_empty())
}

/// Expected occurrences of every touchpoint (file order) per active customer in one period,
/// given each touchpoint's success probability `q` and recovery probability `rec`. Exact under
/// the model: expectations of counts add up along the trigger graph in run order.
pub fn expected_occurrences(model: &Model, q: &[f64], rec: &[f64]) -> Vec<f64> {
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
    for _t in 0..horizon {
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
            let occ = expected_occurrences(model, &q_t, &recovery);
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

/// The programme spend of a strategy per active customer-period: budget plus organisational
/// spend. Exactly `budget` when it spends nothing on the organisation.
pub fn programme_spend(s: &Scenario, si: usize) -> f64 {
    let st = &s.strategies[si];
    match st.organisation {
        Some(o) if o.total() > 0.0 => st.budget + o.total(),
        _ => st.budget,
    }
}

/// Parses `TOUCHPOINT=VARIANT` (the `--variant` option).
pub fn parse_variant_arg(arg: &str) -> Result<(String, String), String> {
    match arg.split_once('=') {
        Some((tp, v)) if !tp.trim().is_empty() && !v.trim().is_empty() => {
            Ok((tp.trim().to_string(), v.trim().to_string()))
        }
        _ => Err(format!(
            "error: --variant expects TOUCHPOINT=VARIANT, found \"{arg}\"\n  hint: e.g. --variant returns=instant-refund"
        )),
    }
}

/// `cxsim run --variant tp=name …`: for each selected strategy, a copy that also selects the
/// given variants, named `"<strategy> [tp=name, …]"`. Returns the extended model and the
/// strategy order (each strategy followed by its copy), so the copies run on common random
/// numbers with their originals. Problems (unknown touchpoint or variant) come back as the
/// validation's messages.
pub fn with_variant_strategies(
    model: &Model,
    strategies: &[usize],
    choices: &[(String, String)],
) -> Result<(Model, Vec<usize>), Vec<Problem>> {
    // An impossible choice is the argument's fault, reported once with the argument's words
    // rather than once per strategy copy at a path the user never wrote.
    let problems: Vec<Problem> = choices
        .iter()
        .filter_map(|(tp, v)| {
            variant_problem(&model.scenario, tp, v).map(|(message, hint)| Problem {
                path: format!("--variant {tp}={v}"),
                message,
                hint,
            })
        })
        .collect();
    if !problems.is_empty() {
        return Err(problems);
    }
    let mut s = model.scenario.clone();
    let label: Vec<String> = choices.iter().map(|(t, v)| format!("{t}={v}")).collect();
    let label = label.join(", ");
    let mut order = Vec::with_capacity(strategies.len() * 2);
    for &si in strategies {
        let mut copy = s.strategies[si].clone();
        copy.name = format!("{} [{label}]", copy.name);
        for (tp, v) in choices {
            copy.variants.insert(tp.clone(), v.clone());
        }
        order.push(si);
        order.push(s.strategies.len());
        s.strategies.push(copy);
    }
    let m = crate::model::validate(s)?;
    Ok((m, order))
}

// ---------------------------------------------------------------------------------------------
// Results
// ---------------------------------------------------------------------------------------------

/// What the organisation did for one strategy (JSON `strategies[].organisation`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrgResult {
    /// Share of the stage budget that becomes better touchpoints (1 without a triangle).
    pub execution_factor: f64,
    /// Leadership, incentives and culture after the strategy's spend (absent without a triangle).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legs: Option<LegLevels>,
    /// Organisational spend per active customer-period (included in programme spend).
    pub spend_per_period: f64,
    pub teams: Vec<TeamResult>,
    pub touchpoints: Vec<TouchpointOrgResult>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LegLevels {
    pub leadership: f64,
    pub incentives: f64,
    pub culture: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TeamResult {
    pub id: String,
    /// Engagement in periods 1..=horizon.
    pub engagement: Vec<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TouchpointOrgResult {
    pub id: String,
    /// The design variant in use ("current" = the file's design).
    pub variant: String,
    /// The team delivering it ("" if none) and whether its engagement applies.
    pub team: String,
    pub staff: bool,
    /// Success probability in periods 1..=horizon (after learning, investment and engagement).
    pub quality: Vec<f64>,
    /// Feedback responses per initial customer over the horizon (expected: response rate ×
    /// occurrences), and those about failures.
    pub feedback_per_customer: f64,
    pub failure_feedback_per_customer: f64,
    /// Failures recovered in the same period, per initial customer.
    pub recovered_per_customer: f64,
}

/// The organisation part of a strategy's results; `None` for scenarios without organisation
/// features, so their JSON is unchanged.
pub fn strategy_result(
    model: &Model,
    si: usize,
    sa: &crate::engine::StrategyAcc,
    customers: u64,
) -> Option<OrgResult> {
    let s = &model.scenario;
    if !has_features(s) {
        return None;
    }
    let sch = schedule(model, si);
    let h = model.horizon();
    let nf = customers.max(1) as f64;
    let triangle = s.organisation.as_ref().and_then(|o| o.triangle);
    let teams = s
        .organisation
        .as_ref()
        .map_or(&[][..], |o| o.teams.as_slice());
    let touchpoints = s
        .touchpoints
        .iter()
        .enumerate()
        .map(|(i, tp)| {
            let runs = if tp.trigger == Trigger::EveryPeriod {
                sa.customer_periods
            } else {
                sa.tp_runs[i]
            };
            let r = tp.feedback.map_or(0.0, |f| f.response_rate);
            let team = team_of(s, i);
            TouchpointOrgResult {
                id: tp.id.clone(),
                variant: sch.variant[i].clone(),
                team: team.map_or(String::new(), |k| teams[k].id.clone()),
                staff: team.is_some() && tp.delivery.is_staff(),
                quality: (0..h).map(|t| sch.quality_at(i, t)).collect(),
                feedback_per_customer: r * runs as f64 / nf,
                failure_feedback_per_customer: r * sa.tp_failures[i] as f64 / nf,
                recovered_per_customer: sa.tp_recovered.get(i).map_or(0, |&k| k) as f64 / nf,
            }
        })
        .collect();
    Some(OrgResult {
        execution_factor: sch.execution_factor,
        legs: triangle.map(|_| LegLevels {
            leadership: sch.legs[0],
            incentives: sch.legs[1],
            culture: sch.legs[2],
        }),
        spend_per_period: s.strategies[si].organisation.map_or(0.0, |o| o.total()),
        teams: teams
            .iter()
            .zip(&sch.engagement)
            .map(|(t, e)| TeamResult {
                id: t.id.clone(),
                engagement: e.clone(),
            })
            .collect(),
        touchpoints,
    })
}

/// The rows of the table report's "Organisation" section: execution factor, legs, programme
/// spend on the organisation, engagement per team and quality per touchpoint (first → last
/// period), feedback and recoveries per customer.
pub fn table_rows(r: &crate::results::RunResults, row: &mut dyn FnMut(&str, Vec<String>)) {
    let orgs: Vec<Option<&OrgResult>> = r
        .strategies
        .iter()
        .map(|s| s.organisation.as_ref())
        .collect();
    let cells = |f: &dyn Fn(&OrgResult) -> String| -> Vec<String> {
        orgs.iter().map(|o| o.map_or("-".to_string(), f)).collect()
    };
    let first = match orgs.iter().flatten().next() {
        Some(o) => *o,
        None => return,
    };
    let trend = |v: &[f64]| match (v.first(), v.last()) {
        (Some(a), Some(b)) if a == b => format!("{a:.3}"),
        (Some(a), Some(b)) => format!("{a:.3} → {b:.3}"),
        _ => "-".to_string(),
    };
    row(
        "  execution factor",
        cells(&|o| format!("{:.3}", o.execution_factor)),
    );
    if first.legs.is_some() {
        row(
            "  legs (lead/inc/cult)",
            cells(&|o| {
                o.legs.map_or("-".into(), |l| {
                    format!("{:.2}/{:.2}/{:.2}", l.leadership, l.incentives, l.culture)
                })
            }),
        );
    }
    row(
        "  organisation spend/period",
        cells(&|o| format!("{:.2}", o.spend_per_period)),
    );
    for (k, team) in first.teams.iter().enumerate() {
        row(
            &format!("  eng. {}", clip(&team.id, 19)),
            cells(&|o| o.teams.get(k).map_or("-".into(), |t| trend(&t.engagement))),
        );
    }
    for (i, tp) in first.touchpoints.iter().enumerate() {
        row(
            &format!("  quality {}", clip(&tp.id, 18)),
            cells(&|o| {
                o.touchpoints
                    .get(i)
                    .map_or("-".into(), |t| trend(&t.quality))
            }),
        );
    }
    row(
        "  design variants",
        cells(&|o| {
            let v: Vec<String> = o
                .touchpoints
                .iter()
                .filter(|t| t.variant != CURRENT)
                .map(|t| format!("{}={}", t.id, t.variant))
                .collect();
            if v.is_empty() {
                CURRENT.to_string()
            } else {
                clip(&v.join(","), 20)
            }
        }),
    );
    row(
        "  feedback (failures)/cust.",
        cells(&|o| {
            let f: f64 = o.touchpoints.iter().map(|t| t.feedback_per_customer).sum();
            let ff: f64 = o
                .touchpoints
                .iter()
                .map(|t| t.failure_feedback_per_customer)
                .sum();
            format!("{f:.3} ({ff:.3})")
        }),
    );
    row(
        "  recovered/customer",
        cells(&|o| {
            let v: f64 = o.touchpoints.iter().map(|t| t.recovered_per_customer).sum();
            format!("{v:.3}")
        }),
    );
}

fn clip(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut c: String = s.chars().take(n - 1).collect();
        c.push('…');
        c
    }
}

// ---------------------------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------------------------

/// Checks the organisation fields of a scenario; called from `model::validate`.
pub fn validate(s: &Scenario) -> Vec<Problem> {
    let mut c = crate::model::Checker::new();
    let level_hint = "a level between 0 (absent) and 1 (fully present)";
    let mut team_ids: HashMap<&str, usize> = HashMap::new();
    if let Some(org) = &s.organisation {
        c.fraction(
            "organisation.engagement_impact",
            org.engagement_impact,
            "0.5: a fully disengaged team delivers half the quality",
        );
        c.positive(
            "organisation.half_saturation",
            org.half_saturation,
            "the spend per customer-period that closes half of a level's gap to 1",
        );
        for (i, tm) in org.teams.iter().enumerate() {
            let p = format!("organisation.teams[{i}]");
            if tm.id.trim().is_empty() {
                c.push(
                    format!("{p}.id"),
                    "team id is empty".into(),
                    "use the owner name its touchpoints carry, e.g. \"Customer care\"",
                );
            } else if let Some(first) = team_ids.get(tm.id.as_str()) {
                c.push(
                    format!("{p}.id"),
                    format!(
                        "duplicate team id \"{}\" (first used at organisation.teams[{first}])",
                        tm.id
                    ),
                    "they must be unique; rename one of them",
                );
            } else {
                team_ids.insert(tm.id.as_str(), i);
            }
            c.fraction(&format!("{p}.engagement"), tm.engagement, level_hint);
            c.fraction(
                &format!("{p}.drift"),
                tm.drift,
                "the fraction of the way to its target engagement moves each period; 0 keeps it fixed",
            );
            if let Some(sf) = tm.staffing {
                c.positive(
                    &format!("{p}.staffing.agents_per_1000"),
                    sf.agents_per_1000,
                    "agents per 1,000 active customers, e.g. 2.5",
                );
                c.positive(
                    &format!("{p}.staffing.capacity"),
                    sf.capacity,
                    "contacts one agent handles per period without strain, e.g. 400",
                );
                c.non_negative(
                    &format!("{p}.staffing.strain"),
                    sf.strain,
                    "engagement lost per unit of overload; 0 ignores workload",
                );
            }
        }
        if let Some(tr) = org.triangle {
            for (leg, v) in [
                ("leadership", tr.leadership),
                ("incentives", tr.incentives),
                ("culture", tr.culture),
            ] {
                c.fraction(&format!("organisation.triangle.{leg}"), v, level_hint);
            }
            if c.finite("organisation.triangle.rho", tr.rho) && tr.rho > 0.0 {
                c.push(
                    "organisation.triangle.rho".into(),
                    format!("expected ρ ≤ 0, found {}", tr.rho),
                    "with ρ > 0 a missing leg would not stop execution; use 0 (geometric mean) or -1",
                );
            }
            let w = tr.weights;
            for (leg, v) in [
                ("leadership", w.leadership),
                ("incentives", w.incentives),
                ("culture", w.culture),
            ] {
                c.positive(
                    &format!("organisation.triangle.weights.{leg}"),
                    v,
                    "every leg matters: weights are relative and > 0",
                );
            }
        }
    }

    for (i, tp) in s.touchpoints.iter().enumerate() {
        let p = format!("touchpoints[{i}]");
        if let Some(team) = &tp.team {
            match &s.organisation {
                None => c.push(
                    format!("{p}.team"),
                    format!("team \"{team}\" named, but the scenario has no organisation"),
                    "add organisation: Some(Organisation(teams: [Team(id: .., engagement: ..)]))",
                ),
                Some(org) if !org.teams.iter().any(|t| &t.id == team) => {
                    let known: Vec<&str> = org.teams.iter().map(|t| t.id.as_str()).collect();
                    c.push(
                        format!("{p}.team"),
                        format!("unknown team \"{team}\""),
                        &format!("known teams: {}", known.join(", ")),
                    );
                }
                _ => {}
            }
        }
        if let Some(r) = &tp.recovery {
            c.fraction(
                &format!("{p}.recovery.quality"),
                r.quality,
                "the probability a failure is put right in the same period, e.g. 0.6",
            );
            c.non_negative(
                &format!("{p}.recovery.cost"),
                r.cost,
                "the cost of a recovery cannot be negative",
            );
            c.shifts(&format!("{p}.recovery.effects"), &r.effects);
        }
        if let Some(fb) = &tp.feedback {
            let fp = format!("{p}.feedback");
            c.fraction(
                &format!("{fp}.response_rate"),
                fb.response_rate,
                "the share of occurrences that leave feedback, e.g. 0.1",
            );
            c.fraction(
                &format!("{fp}.learning_rate"),
                fb.learning_rate,
                "the share of the failures heard about that get fixed each period, e.g. 0.2",
            );
            c.fraction(
                &format!("{fp}.decay"),
                fb.decay,
                "the share of learned quality lost each period; 0 keeps it",
            );
            let step = fb.learning_rate * fb.response_rate + fb.decay;
            if step.is_finite() && step > 1.0 {
                c.push(
                    fp,
                    format!("learning_rate · response_rate + decay = {step}, expected at most 1"),
                    "larger steps overshoot the fixed point; lower the learning rate or the decay",
                );
            }
        }
        let mut names: HashMap<&str, usize> = HashMap::new();
        for (k, v) in tp.variants.iter().enumerate() {
            let vp = format!("{p}.variants[{k}]");
            if v.name.trim().is_empty() || v.name == CURRENT {
                c.push(
                    format!("{vp}.name"),
                    format!("variant name \"{}\" is empty or reserved", v.name),
                    "\"current\" selects the design in the file; name a variant e.g. \"redesigned\"",
                );
            } else if let Some(first) = names.get(v.name.as_str()) {
                c.push(
                    format!("{vp}.name"),
                    format!(
                        "duplicate variant \"{}\" (first at {p}.variants[{first}])",
                        v.name
                    ),
                    "variant names must be unique within a touchpoint",
                );
            } else {
                names.insert(v.name.as_str(), k);
            }
            if let Some(q) = v.quality {
                c.fraction(
                    &format!("{vp}.quality"),
                    q,
                    "write 0.9 for \"9 in 10\", not 90",
                );
            }
            if let Some(cost) = v.cost {
                c.non_negative(
                    &format!("{vp}.cost"),
                    cost,
                    "cost per occurrence cannot be negative",
                );
            }
            if let Some(e) = &v.effects {
                c.shifts(&format!("{vp}.effects.success"), &e.success);
                c.shifts(&format!("{vp}.effects.failure"), &e.failure);
            }
        }
    }

    let has_triangle = s
        .organisation
        .as_ref()
        .is_some_and(|o| o.triangle.is_some());
    let has_teams = s.organisation.as_ref().is_some_and(|o| !o.teams.is_empty());
    for (i, st) in s.strategies.iter().enumerate() {
        let p = format!("strategies[{i}]");
        if let Some(o) = st.organisation {
            let hint = "organisational spend per active customer per period, like budget";
            for (leg, v) in [
                ("leadership", o.leadership),
                ("incentives", o.incentives),
                ("culture", o.culture),
                ("engagement", o.engagement),
            ] {
                c.non_negative(&format!("{p}.organisation.{leg}"), v, hint);
            }
            if !has_triangle && o.leadership + o.incentives + o.culture > 0.0 {
                c.push(
                    format!("{p}.organisation"),
                    "spends on the iron triangle, but the organisation has no triangle".into(),
                    "add triangle: Some(Triangle(leadership: .., incentives: .., culture: ..)) to the organisation",
                );
            }
            if !has_teams && o.engagement > 0.0 {
                c.push(
                    format!("{p}.organisation.engagement"),
                    "spends on engagement, but the organisation has no teams".into(),
                    "add teams to organisation, or set engagement: 0.0",
                );
            }
        }
        for (tp_id, name) in &st.variants {
            if let Some((message, hint)) = variant_problem(s, tp_id, name) {
                c.push(format!("{p}.variants[\"{tp_id}\"]"), message, &hint);
            }
        }
    }
    c.problems
}

/// Why selecting variant `name` of touchpoint `tp_id` is impossible (message, hint), if it is.
fn variant_problem(s: &Scenario, tp_id: &str, name: &str) -> Option<(String, String)> {
    match s.touchpoints.iter().find(|t| t.id == tp_id) {
        None => {
            let known: Vec<&str> = s.touchpoints.iter().map(|t| t.id.as_str()).collect();
            Some((
                format!("unknown touchpoint id \"{tp_id}\""),
                format!("known ids: {}", known.join(", ")),
            ))
        }
        Some(t) if name != CURRENT && !t.variants.iter().any(|v| v.name == name) => {
            let mut known: Vec<&str> = vec![CURRENT];
            known.extend(t.variants.iter().map(|v| v.name.as_str()));
            Some((
                format!("touchpoint \"{tp_id}\" has no variant \"{name}\""),
                format!("its variants: {}", known.join(", ")),
            ))
        }
        _ => None,
    }
}
