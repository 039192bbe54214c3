//! The RON schema of a journey map: plain serde types, exactly as a CX designer writes them.
//!
//! Nothing here is checked beyond syntax; `crate::model::validate` turns a `Scenario` into a
//! `Model` and reports every semantic problem with its field path. Every field is documented in
//! docs/format.md. New optional fields may be added (with defaults), never renamed or removed,
//! so that files written today keep loading.

pub mod accounts;
pub mod acquisition;
pub mod advocacy;
pub mod error;
pub mod locate;
pub mod org;
pub mod parse;
pub mod path;

use serde::{Deserialize, Serialize};

/// Largest horizon accepted: ten years of days. Protects against typos that would hang a run.
pub const MAX_HORIZON: u32 = 3650;

/// A whole journey map: metadata, customers, touchpoints, the churn and revenue model, strategies.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// Free text kept through saves (RON drops comments, so notes live here).
    #[serde(default)]
    pub notes: String,
    #[serde(default = "default_currency")]
    pub currency: String,
    /// What one simulated period stands for.
    pub period: PeriodUnit,
    /// Number of periods simulated.
    pub horizon: u32,
    /// Annual discount rate used for NPV and CLV (0.08 = 8 % a year).
    #[serde(default)]
    pub discount_rate: f64,
    /// Periods per row of the retention table; defaults to one year of periods.
    #[serde(default)]
    pub report_every: Option<u32>,
    /// A churn is shared among the touchpoint failures within this many periods, by the part of
    /// the churn chance each added (docs/model.md §4).
    #[serde(default = "default_attribution_window")]
    pub attribution_window: u32,
    pub segments: Vec<Segment>,
    pub touchpoints: Vec<Touchpoint>,
    pub churn: Churn,
    pub revenue: Revenue,
    #[serde(default)]
    pub investment: Investment,
    pub strategies: Vec<Strategy>,
    /// The organisation behind the journey (engagement, iron triangle); see `crate::org`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organisation: Option<crate::format::org::Organisation>,
    /// The acquisition leg (funnels, word of mouth); absent = the closed cohort.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acquisition: Option<acquisition::Acquisition>,
    /// The Customer Advocacy Framework (escalation lifecycle); see `crate::format::advocacy`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub advocacy: Option<crate::format::advocacy::Advocacy>,
}

fn default_currency() -> String {
    "EUR".to_string()
}

fn default_attribution_window() -> u32 {
    3
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PeriodUnit {
    Day,
    Week,
    Month,
    Quarter,
    Year,
}

impl PeriodUnit {
    pub fn per_year(self) -> u32 {
        match self {
            PeriodUnit::Day => 365,
            PeriodUnit::Week => 52,
            PeriodUnit::Month => 12,
            PeriodUnit::Quarter => 4,
            PeriodUnit::Year => 1,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            PeriodUnit::Day => "day",
            PeriodUnit::Week => "week",
            PeriodUnit::Month => "month",
            PeriodUnit::Quarter => "quarter",
            PeriodUnit::Year => "year",
        }
    }
}

/// A group of customers who share value, starting feelings and churn propensity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Segment {
    pub id: String,
    #[serde(default)]
    pub name: String,
    /// Share of the initial customers in this segment; shares sum to 1.
    pub share: f64,
    /// Revenue a customer of this segment brings per period before the loyalty uplift.
    pub value_per_period: f64,
    /// Where each triad state starts, 0..1.
    pub initial: TriadLevels,
    /// Each customer's baseline churn probability per period (θ), drawn once.
    pub churn_propensity: Propensity,
    /// B2B: each customer is an account with several contacts (docs/model.md §12).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accounts: Option<accounts::Accounts>,
}

/// The three states of the Customer Experience Triad, each 0..1.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TriadLevels {
    /// Built by Purchase touchpoints.
    pub satisfied: f64,
    /// Goodwill, built by Exception handling.
    pub pleased: f64,
    /// Built by Relationship work.
    pub loyal: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum Propensity {
    /// θ ~ Beta(alpha, beta): customers differ in how ready they are to leave.
    Beta { alpha: f64, beta: f64 },
    /// Every customer has the same θ.
    Fixed(f64),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Stage {
    Purchase,
    Exception,
    Relationship,
}

impl Stage {
    pub const ALL: [Stage; 3] = [Stage::Purchase, Stage::Exception, Stage::Relationship];

    pub fn index(self) -> usize {
        self as usize
    }

    pub fn name(self) -> &'static str {
        match self {
            Stage::Purchase => "Purchase",
            Stage::Exception => "Exception",
            Stage::Relationship => "Relationship",
        }
    }
}

/// One moment where the company meets the customer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Touchpoint {
    pub id: String,
    pub name: String,
    pub stage: Stage,
    #[serde(default)]
    pub channel: String,
    #[serde(default)]
    pub owner: String,
    pub trigger: Trigger,
    /// Probability the touchpoint succeeds when it happens ("9 in 10 deliveries arrive on time").
    pub quality: f64,
    /// Cost to the company each time it happens.
    #[serde(default)]
    pub cost: f64,
    #[serde(default)]
    pub effects: Effects,
    /// What a failure sets off, in this period.
    #[serde(default)]
    pub on_failure: Vec<FollowOn>,
    #[serde(default)]
    pub notes: String,
    /// The organisation's team delivering it (default: the team whose id is `owner`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team: Option<String>,
    /// Staff (default; its team's engagement matters) or SelfService.
    #[serde(
        default,
        skip_serializing_if = "crate::format::org::Delivery::is_staff"
    )]
    pub delivery: crate::format::org::Delivery,
    /// Customer care: how a failure is recovered in the same period.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recovery: Option<crate::format::org::Recovery>,
    /// Feedback collection and learning from failures.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feedback: Option<crate::format::org::Feedback>,
    /// Design variants a strategy can select.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub variants: Vec<crate::format::org::Variant>,
}

/// When a touchpoint happens for a customer in a period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Trigger {
    /// Once in every period.
    EveryPeriod,
    /// With this probability in each period.
    Chance(f64),
    /// Once for every incident opened earlier in the same period.
    OnIncident,
    /// After another touchpoint with the given outcome, with a probability.
    After {
        touchpoint: String,
        outcome: Outcome,
        #[serde(default = "one")]
        probability: f64,
    },
}

fn one() -> f64 {
    1.0
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Outcome {
    Success,
    Failure,
    Any,
}

/// How a touchpoint moves the triad states on success and on failure.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Effects {
    #[serde(default)]
    pub success: StateShifts,
    #[serde(default)]
    pub failure: StateShifts,
}

#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StateShifts {
    #[serde(default, skip_serializing_if = "Shift::is_keep")]
    pub satisfied: Shift,
    #[serde(default, skip_serializing_if = "Shift::is_keep")]
    pub pleased: Shift,
    #[serde(default, skip_serializing_if = "Shift::is_keep")]
    pub loyal: Shift,
}

impl StateShifts {
    pub fn get(&self, i: usize) -> Shift {
        match i {
            0 => self.satisfied,
            1 => self.pleased,
            _ => self.loyal,
        }
    }
}

/// A move of one state: `Up(f)` closes a fraction f of the gap to 1, `Down(f)` loses a
/// fraction f of the current level. Both keep the state within 0..1 for any f in 0..1.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub enum Shift {
    #[default]
    Keep,
    Up(f64),
    Down(f64),
}

impl Shift {
    pub fn is_keep(&self) -> bool {
        matches!(self, Shift::Keep)
    }
}

/// Something a failed touchpoint sets off.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum FollowOn {
    /// Opens an incident: every `OnIncident` touchpoint then runs for it in this period.
    OpenIncident,
    /// Escalates with a probability, at a cost to the company.
    Escalate { probability: f64, cost: f64 },
}

/// The churn hazard: h = θ · exp(−(protection · states)), clamped to 0..1.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Churn {
    /// How strongly each state protects against churn (≥ 0).
    pub protection: TriadWeights,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TriadWeights {
    pub satisfied: f64,
    pub pleased: f64,
    pub loyal: f64,
}

/// Revenue of a surviving customer for a period: value_per_period · (1 + loyalty_uplift · loyal).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Revenue {
    #[serde(default)]
    pub loyalty_uplift: f64,
}

/// How budget becomes quality: a stage receiving b per customer-period closes
/// `max_uplift · b / (b + half_saturation)` of each of its touchpoints' gap to perfect quality.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Investment {
    pub max_uplift: f64,
    pub half_saturation: f64,
}

impl Default for Investment {
    fn default() -> Self {
        Investment {
            max_uplift: 0.5,
            half_saturation: 5.0,
        }
    }
}

/// A named emphasis split of a budget over the three stages.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Strategy {
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// Extra CX spend per active customer per period.
    #[serde(default)]
    pub budget: f64,
    pub emphasis: Emphasis,
    /// Spend on the iron triangle's legs and on engagement, on top of `budget`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organisation: Option<crate::format::org::OrgSpend>,
    /// Touchpoint design variants: touchpoint id → variant name ("current" = the file's design).
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub variants: crate::format::org::VariantChoice,
}

/// Shares of the budget per stage; they sum to 1.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Emphasis {
    pub purchase: f64,
    pub exception: f64,
    pub relationship: f64,
}

impl Emphasis {
    pub fn get(&self, stage: Stage) -> f64 {
        match stage {
            Stage::Purchase => self.purchase,
            Stage::Exception => self.exception,
            Stage::Relationship => self.relationship,
        }
    }
}
