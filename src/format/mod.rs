//! The RON schema of a journey map: plain serde types, exactly as a CX designer writes them.
//!
//! Nothing here is checked beyond syntax; `crate::model::validate` turns a `Scenario` into a
//! `Model` and reports every semantic problem with its field path. Every field is documented in
//! docs/format.md. New optional fields may be added (with defaults), never renamed or removed,
//! so that files written today keep loading.

pub mod accounts;
pub mod acquisition;
pub mod advocacy;
pub mod data;
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
    /// The periods of a customer's life in which the trigger can fire (default: all of them).
    #[serde(default, skip_serializing_if = "When::is_always")]
    pub when: When,
    /// The segments (ids) it happens for; empty: every segment.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub segments: Vec<String>,
    /// Segment id → what differs for that segment's customers (quality, cost, trigger chance,
    /// effects); everything not given is the touchpoint's own.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub by_segment: std::collections::BTreeMap<String, SegmentOverride>,
}

/// What a touchpoint does differently for one segment. Fields left out keep the touchpoint's
/// own value; a strategy's investment improves an overridden quality as it does the touchpoint's.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SegmentOverride {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quality: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost: Option<f64>,
    /// `EveryPeriod` or `Chance(p)`, for a touchpoint whose own trigger is one of these
    /// (follow-ons and incidents keep the journey's structure the same for every segment).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trigger: Option<OverrideTrigger>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effects: Option<Effects>,
}

/// The triggers a segment may override: how often, never what a touchpoint follows.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum OverrideTrigger {
    EveryPeriod,
    Chance(f64),
}

impl OverrideTrigger {
    pub fn trigger(self) -> Trigger {
        match self {
            OverrideTrigger::EveryPeriod => Trigger::EveryPeriod,
            OverrideTrigger::Chance(p) => Trigger::Chance(p),
        }
    }
}

/// The lifecycle window of a touchpoint, in periods of the customer's life (period 1 is a
/// customer's first period, whenever the customer arrived). Outside it the touchpoint does not
/// happen at all; inside it, its trigger decides as usual.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum When {
    /// Every period.
    #[default]
    Always,
    /// Periods 1..=n only (onboarding, installation).
    FirstPeriods(u32),
    /// Period t only.
    AtPeriod(u32),
    /// Periods t, t+1, … (after a first year).
    FromPeriod(u32),
    /// Every k-th period: k, 2k, 3k, … (a quarterly check-in in months: 3; the last period of
    /// each contract term of k periods).
    EveryPeriods(u32),
    /// The first period of each new contract term of `term` periods: term+1, 2·term+1, …
    Renewal(u32),
    /// The general form: from, from+every, from+2·every, … up to `until` (inclusive).
    Periods {
        from: u32,
        #[serde(default = "one_u32")]
        every: u32,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        until: Option<u32>,
    },
}

fn one_u32() -> u32 {
    1
}

impl When {
    pub fn is_always(&self) -> bool {
        matches!(self, When::Always)
    }

    /// The window as (first period, step, last period); `u32::MAX` means no end.
    /// Validation keeps first and step ≥ 1 and last ≥ first.
    pub fn window(&self) -> (u32, u32, u32) {
        match *self {
            When::Always => (1, 1, u32::MAX),
            When::FirstPeriods(n) => (1, 1, n),
            When::AtPeriod(t) => (t, 1, t),
            When::FromPeriod(t) => (t, 1, u32::MAX),
            When::EveryPeriods(k) => (k, k, u32::MAX),
            When::Renewal(term) => (term.saturating_add(1), term, u32::MAX),
            When::Periods { from, every, until } => (from, every, until.unwrap_or(u32::MAX)),
        }
    }

    /// The window in words, for diffs and cards: "in every period", "in periods 1–3", …
    pub fn describe(&self) -> String {
        match *self {
            When::Always => "in every period".into(),
            When::FirstPeriods(1) | When::AtPeriod(1) => "in the first period only".into(),
            When::FirstPeriods(n) => format!("in the first {n} periods"),
            When::AtPeriod(t) => format!("in period {t} only"),
            When::FromPeriod(t) => format!("from period {t} on"),
            When::EveryPeriods(k) => format!("every {k} periods ({k}, {}, …)", 2 * u64::from(k)),
            When::Renewal(term) => format!(
                "at each renewal of a {term}-period term ({}, {}, …)",
                u64::from(term) + 1,
                2 * u64::from(term) + 1
            ),
            When::Periods { from, every, until } => {
                let step = if every <= 1 {
                    String::new()
                } else {
                    format!(", every {every}")
                };
                match until {
                    Some(u) => format!("in periods {from}–{u}{step}"),
                    None => format!("from period {from} on{step}"),
                }
            }
        }
    }

    /// Whether period `t` (1-based, of the customer's life) lies in the window.
    pub fn contains(&self, t: u32) -> bool {
        window_contains(self.window(), t)
    }
}

/// Whether period `t` lies in the window (first, step, last); a step of 0 is read as 1.
pub fn window_contains((first, step, last): (u32, u32, u32), t: u32) -> bool {
    t >= first && t <= last && (t - first).is_multiple_of(step.max(1))
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

#[cfg(test)]
mod tests {
    use super::When;

    fn periods(w: When, up_to: u32) -> Vec<u32> {
        (0..=up_to).filter(|&t| w.contains(t)).collect()
    }

    #[test]
    fn every_window_holds_exactly_its_periods() {
        assert_eq!(periods(When::Always, 5), [1, 2, 3, 4, 5]);
        assert_eq!(periods(When::FirstPeriods(2), 9), [1, 2]);
        assert_eq!(periods(When::AtPeriod(4), 9), [4]);
        assert_eq!(periods(When::FromPeriod(7), 9), [7, 8, 9]);
        assert_eq!(periods(When::EveryPeriods(3), 10), [3, 6, 9]);
        assert_eq!(periods(When::Renewal(4), 14), [5, 9, 13]);
        let general = When::Periods {
            from: 2,
            every: 3,
            until: Some(11),
        };
        assert_eq!(periods(general, 20), [2, 5, 8, 11]);
        // Period 0 (before the first period) is never in a window, nor is anything after
        // an end, up to the largest period.
        assert!(!When::Always.contains(0));
        assert!(When::FromPeriod(1).contains(u32::MAX));
        assert!(!When::FirstPeriods(3).contains(u32::MAX));
        // A renewal term at the largest period does not overflow.
        assert_eq!(When::Renewal(u32::MAX).window().0, u32::MAX);
    }

    #[test]
    fn windows_read_as_words() {
        for (w, words) in [
            (When::Always, "in every period"),
            (When::FirstPeriods(1), "in the first period only"),
            (When::FirstPeriods(3), "in the first 3 periods"),
            (When::AtPeriod(6), "in period 6 only"),
            (When::FromPeriod(13), "from period 13 on"),
            (When::EveryPeriods(3), "every 3 periods (3, 6, …)"),
            (
                When::Renewal(12),
                "at each renewal of a 12-period term (13, 25, …)",
            ),
            (
                When::Periods {
                    from: 2,
                    every: 2,
                    until: Some(10),
                },
                "in periods 2–10, every 2",
            ),
        ] {
            assert_eq!(w.describe(), words);
        }
    }
}
