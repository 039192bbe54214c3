//! The organisation behind the journey, as the file writes it (seed articles 002, DIME, and 003,
//! the iron triangle): teams, staffing, the triangle, recovery, feedback and design variants.
//! The formulas are in `crate::engine::org`, the rules in docs/model.md §10.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{Effects, Scenario, StateShifts};

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

/// The organisation's half-saturation spend when the file gives none.
pub fn default_org_half() -> f64 {
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

/// The programme spend of a strategy per active customer-period: budget plus organisational
/// spend. Exactly `budget` when it spends nothing on the organisation.
pub fn programme_spend(s: &Scenario, si: usize) -> f64 {
    let st = &s.strategies[si];
    match st.organisation {
        Some(o) if o.total() > 0.0 => st.budget + o.total(),
        _ => st.budget,
    }
}
