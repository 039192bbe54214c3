//! "Understand the whole customer" (issue 6): the `accounts` block of a segment. Each simulated
//! customer of that segment is then an account whose contacts (decision makers, users,
//! champions, ...) go through the touchpoints one by one, while the account renews, or leaves,
//! as a whole, on a renewal cycle, with a hazard set by its health: a function of its contacts'
//! states (docs/model.md §12). Validation is `model::accounts`, the kernel `engine::accounts`,
//! the per-strategy results `results::accounts`.

use serde::{Deserialize, Serialize};

use crate::format::{Scenario, TriadLevels};

/// Most contacts (the sum of the roles' counts) one account may have: keeps an account's
/// per-period work bounded and catches typos such as `count: 10000`.
pub const MAX_CONTACTS: u32 = 256;

/// The `accounts` block of a segment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Accounts {
    /// The roles of an account's contacts.
    pub contacts: Vec<ContactRole>,
    /// How the contacts' states combine into the account's health.
    #[serde(default)]
    pub health: Health,
    /// The account can leave only every this many periods (1 = every period).
    #[serde(default = "one_period")]
    pub renewal_every: u32,
}

fn one_period() -> u32 {
    1
}

fn one() -> f64 {
    1.0
}

fn one_contact() -> u32 {
    1
}

/// One role among an account's contacts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContactRole {
    /// E.g. "decision maker", "user", "champion".
    pub role: String,
    /// Contacts of this role an account can have.
    #[serde(default = "one_contact")]
    pub count: u32,
    /// Probability that each of those `count` contacts is present in a given account.
    #[serde(default = "one")]
    pub probability: f64,
    /// Weight of this role's contacts in the account's health (≥ 0).
    #[serde(default = "one")]
    pub weight: f64,
    /// Where this role's triad states start (default: the segment's `initial`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub initial: Option<TriadLevels>,
    /// The touchpoint ids this role's contacts go through (default: every touchpoint). A
    /// decision maker who never calls support, say, meets only the relationship touchpoints.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meets: Option<Vec<String>>,
}

/// Account health from contact scores (docs/model.md §12).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub enum Health {
    /// The weighted mean of the contacts' scores.
    #[default]
    Mean,
    /// The lowest score among contacts of positive weight: the account is as healthy as its
    /// unhappiest contact who matters.
    Weakest,
    /// λ · Weakest + (1 − λ) · Mean, λ in 0..1.
    Mix(f64),
}

impl Health {
    pub fn label(self) -> String {
        match self {
            Health::Mean => "Mean".into(),
            Health::Weakest => "Weakest".into(),
            Health::Mix(l) => format!("Mix({l})"),
        }
    }
}

/// Whether any segment of the scenario has accounts.
pub fn has_accounts(s: &Scenario) -> bool {
    s.segments.iter().any(|g| g.accounts.is_some())
}
