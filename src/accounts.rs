//! "Understand the whole customer" (issue 6): B2B accounts with several contacts.
//!
//! A segment may declare `accounts`: each simulated customer of that segment is then an account
//! whose contacts (decision makers, users, champions, ...) go through the touchpoints one by
//! one, while the account renews, or leaves, as a whole, on a renewal cycle, with a hazard set
//! by its health: a function of its contacts' states (docs/model.md §12). This module holds the
//! file format, its validation, and the per-strategy results; the kernel is
//! `crate::engine::accounts`.

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use crate::format::error::Problem;
use crate::format::{Scenario, TriadLevels};
use crate::results::{Estimate, RetentionPoint, RunResults};

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

/// Every problem of the `accounts` blocks, with field paths and hints.
pub fn validate(s: &Scenario) -> Vec<Problem> {
    let mut out = Vec::new();
    let mut push = |path: String, message: String, hint: &str| {
        out.push(Problem {
            path,
            message,
            hint: hint.to_string(),
        })
    };
    for (i, seg) in s.segments.iter().enumerate() {
        let Some(a) = &seg.accounts else {
            continue;
        };
        let p = format!("segments[{i}].accounts");
        if crate::format::org::has_features(s) {
            push(
                p.clone(),
                "accounts cannot be combined with the organisation features (organisation, \
                 recovery, feedback, variants) yet"
                    .into(),
                "model the accounts in a copy of the scenario without the organisation, or \
                 remove the accounts block",
            );
        }
        // With acquisition the open population counts accounts (docs/model.md §12); a segment
        // of plain customers would add customers to accounts in one count.
        if s.acquisition.is_some()
            && let Some(plain) = s.segments.iter().find(|g| g.accounts.is_none())
        {
            push(
                p.clone(),
                format!(
                    "with an acquisition section, every segment has accounts or none does (segment \"{}\" has plain customers)",
                    plain.id
                ),
                "the open population would add customers to accounts; give that segment an accounts block, or remove this one",
            );
        }
        if s.advocacy.is_some() {
            push(
                p.clone(),
                "accounts cannot be combined with the advocacy section yet".into(),
                "escalations are tracked per customer, not per account; remove one of the two",
            );
        }
        if a.contacts.is_empty() {
            push(
                format!("{p}.contacts"),
                "an account without contacts".into(),
                "add at least one role, e.g. (role: \"decision maker\", count: 1, weight: 1.0)",
            );
        }
        let mut total: u64 = 0;
        let mut weight_sum = 0.0;
        let mut seen: Vec<&str> = Vec::new();
        for (k, c) in a.contacts.iter().enumerate() {
            let q = format!("{p}.contacts[{k}]");
            if c.role.trim().is_empty() {
                push(
                    format!("{q}.role"),
                    "role name is empty".into(),
                    "name it as the account would, e.g. \"decision maker\"",
                );
            } else if seen.contains(&c.role.as_str()) {
                push(
                    format!("{q}.role"),
                    format!("duplicate role \"{}\"", c.role),
                    "each role appears once; raise its count instead",
                );
            }
            seen.push(c.role.as_str());
            if c.count == 0 {
                push(
                    format!("{q}.count"),
                    "a role with count 0 contributes no contact".into(),
                    "use count ≥ 1, or remove the role",
                );
            }
            total += u64::from(c.count);
            if !(c.probability.is_finite() && (0.0..=1.0).contains(&c.probability)) {
                push(
                    format!("{q}.probability"),
                    format!(
                        "expected a probability between 0 and 1, found {}",
                        c.probability
                    ),
                    "the chance that each of the role's contacts is present, e.g. 0.8",
                );
            }
            if !(c.weight.is_finite() && c.weight >= 0.0) {
                push(
                    format!("{q}.weight"),
                    format!("expected a weight ≥ 0, found {}", c.weight),
                    "a role's weight in the account's health; 0 = its contacts do not count",
                );
            } else {
                weight_sum += c.weight;
            }
            for (j, id) in c.meets.iter().flatten().enumerate() {
                if !s.touchpoints.iter().any(|t| &t.id == id) {
                    let known: Vec<&str> = s.touchpoints.iter().map(|t| t.id.as_str()).collect();
                    push(
                        format!("{q}.meets[{j}]"),
                        format!("unknown touchpoint id \"{id}\""),
                        &format!("known touchpoints: {}", known.join(", ")),
                    );
                }
            }
            if let Some(init) = c.initial {
                for (name, v) in [
                    ("satisfied", init.satisfied),
                    ("pleased", init.pleased),
                    ("loyal", init.loyal),
                ] {
                    if !(v.is_finite() && (0.0..=1.0).contains(&v)) {
                        push(
                            format!("{q}.initial.{name}"),
                            format!("expected a probability between 0 and 1, found {v}"),
                            "a triad state is a level between 0 and 1",
                        );
                    }
                }
            }
        }
        if !a.contacts.is_empty()
            && a.contacts.iter().all(|c| c.weight.is_finite())
            && weight_sum <= 0.0
            && a.contacts.iter().all(|c| c.weight >= 0.0)
        {
            push(
                format!("{p}.contacts"),
                "every contact weight is 0: the account's health would be undefined".into(),
                "give at least one role a positive weight, e.g. weight: 1.0",
            );
        }
        if total > u64::from(MAX_CONTACTS) {
            push(
                format!("{p}.contacts"),
                format!("{total} contacts per account exceed the maximum of {MAX_CONTACTS}"),
                "model the roles that raise issues and decide renewals; many similar users \
                 can share one role with a higher weight",
            );
        }
        if let Health::Mix(l) = a.health
            && !(l.is_finite() && (0.0..=1.0).contains(&l))
        {
            push(
                format!("{p}.health"),
                format!("expected λ between 0 and 1 in Mix(λ), found {l}"),
                "Mix(0.0) is Mean, Mix(1.0) is Weakest; Mix(0.5) weighs them equally",
            );
        }
        if a.renewal_every == 0 {
            push(
                format!("{p}.renewal_every"),
                "renewal every 0 periods".into(),
                "use 1 to let accounts leave in any period, or e.g. 4 for yearly renewals in quarters",
            );
        }
    }
    out
}

/// Per-strategy results of the accounts (JSON: `strategies[].accounts`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountsResult {
    /// Simulated accounts (customers of segments with accounts).
    pub accounts: u64,
    /// Contacts per account.
    pub contacts_per_account: f64,
    /// Share of accounts kept at the end of each period (index = period, 0 = start).
    pub retention: Vec<RetentionPoint>,
    /// Revenue per account over the horizon (undiscounted).
    pub revenue_per_account: Estimate,
    /// CLV per account: discounted revenue minus discounted service cost of all its contacts.
    pub clv_per_account: Estimate,
    /// Accounts lost within the horizon.
    pub lost: u64,
    pub roles: Vec<RoleResult>,
    /// Account-periods and contact-periods simulated (throughput).
    pub account_periods: u64,
    pub contact_periods: u64,
}

/// One role of one segment's accounts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoleResult {
    pub segment: String,
    pub role: String,
    /// Contacts of this role per account.
    pub per_account: f64,
    /// Contacts of this role per lost account, counted at the loss.
    pub per_lost_account: f64,
    /// Share of lost accounts whose weakest contact (lowest score, positive weight) had this
    /// role at the loss.
    pub weakest_at_loss: f64,
    /// Mean triad states of this role's contacts in active accounts, at the start and at each
    /// `report_every` period.
    pub states: Vec<crate::results::TriadPoint>,
}

/// The results of the accounts of arm `sa`, or `None` when the arm's scenario has none.
pub fn strategy_result(
    model: &crate::model::Model,
    sa: &crate::engine::StrategyAcc,
) -> Option<AccountsResult> {
    let a = sa.accounts.as_ref()?;
    let s = &model.scenario;
    let n = a.accounts;
    let nf = n.max(1) as f64;
    let mut alive = n;
    let retention = (0..a.churned_at.len())
        .map(|t| {
            alive -= a.churned_at[t];
            let e = Estimate::proportion(alive, n);
            RetentionPoint {
                period: t as u32,
                mean: e.mean,
                lo: e.lo,
                hi: e.hi,
                se: e.se,
            }
        })
        .collect();
    let lost: u64 = a.churned_at.iter().sum();
    let every = model.report_every() as usize;
    let n_roles = a.role_contacts.len();
    let mut roles = Vec::with_capacity(n_roles);
    for seg in &s.segments {
        let Some(acc_def) = &seg.accounts else {
            continue;
        };
        for c in &acc_def.contacts {
            let r = roles.len();
            if r >= n_roles {
                break;
            }
            let states = (0..a.churned_at.len())
                .filter(|t| t % every == 0 || *t + 1 == a.churned_at.len())
                .map(|t| {
                    let k = a.role_active[t * n_roles + r];
                    let sum = a.role_triad[t * n_roles + r];
                    let mean = |i: usize| if k == 0 { 0.0 } else { sum[i] / k as f64 };
                    crate::results::TriadPoint {
                        period: t as u32,
                        satisfied: mean(0),
                        pleased: mean(1),
                        loyal: mean(2),
                    }
                })
                .collect();
            let share = |k: u64| {
                if lost == 0 {
                    0.0
                } else {
                    k as f64 / lost as f64
                }
            };
            roles.push(RoleResult {
                segment: seg.id.clone(),
                role: c.role.clone(),
                per_account: a.role_contacts[r] as f64 / nf,
                per_lost_account: share(a.role_at_loss[r]),
                weakest_at_loss: share(a.weakest_at_loss[r]),
                states,
            });
        }
    }
    Some(AccountsResult {
        accounts: n,
        contacts_per_account: a.contacts as f64 / nf,
        retention,
        revenue_per_account: Estimate::from_sums(a.revenue_sum, a.revenue_sq, n),
        clv_per_account: Estimate::from_sums(a.clv_sum, a.clv_sq, n),
        lost,
        roles,
        account_periods: a.account_periods,
        contact_periods: a.contact_periods,
    })
}

/// The accounts part of `cxsim run`'s table (strategies as columns, like the rest of the
/// table); empty when no strategy has accounts.
pub fn table_lines(r: &RunResults, label_w: usize, col_w: usize) -> String {
    let mut out = String::new();
    if r.strategies.iter().all(|s| s.accounts.is_none()) {
        return out;
    }
    let _ = write!(out, "\n{:<label_w$}", "Accounts (95% interval)");
    for s in &r.strategies {
        let _ = write!(out, "  {:>col_w$}", s.name);
    }
    out.push('\n');
    let mut row = |label: &str, cell: &dyn Fn(&AccountsResult) -> String| {
        // Long role labels are cut so the columns stay aligned with the rest of the table.
        let label: String = if label.chars().count() > label_w {
            let mut cut: String = label.chars().take(label_w.saturating_sub(1)).collect();
            cut.push('…');
            cut
        } else {
            label.to_string()
        };
        let _ = write!(out, "{label:<label_w$}");
        for s in &r.strategies {
            let c = s.accounts.as_ref().map_or("n/a".to_string(), cell);
            let _ = write!(out, "  {c:>col_w$}");
        }
        out.push('\n');
    };
    let step = r.report_every.max(1) as usize;
    let mut periods: Vec<usize> = (step..=r.horizon as usize).step_by(step).collect();
    if periods.last() != Some(&(r.horizon as usize)) {
        periods.push(r.horizon as usize);
    }
    for t in periods {
        row(
            &format!("  kept after {} {t}", r.period),
            &|a: &AccountsResult| {
                a.retention.get(t).map_or("n/a".to_string(), |p| {
                    format!(
                        "{:.1}% [{:.1}, {:.1}]",
                        p.mean * 100.0,
                        p.lo * 100.0,
                        p.hi * 100.0
                    )
                })
            },
        );
    }
    row("  accounts simulated", &|a: &AccountsResult| {
        a.accounts.to_string()
    });
    row("  contacts per account", &|a: &AccountsResult| {
        format!("{:.2}", a.contacts_per_account)
    });
    row("  revenue per account", &|a: &AccountsResult| {
        let e = a.revenue_per_account;
        format!("{:.1} ±{:.1}", e.mean, e.hi - e.mean)
    });
    row("  CLV per account", &|a: &AccountsResult| {
        let e = a.clv_per_account;
        format!("{:.1} ±{:.1}", e.mean, e.hi - e.mean)
    });
    let roles: Vec<(String, usize)> = r
        .strategies
        .iter()
        .find_map(|s| s.accounts.as_ref())
        .map(|a| {
            a.roles
                .iter()
                .enumerate()
                .map(|(i, x)| (format!("{}/{}", x.segment, x.role), i))
                .collect()
        })
        .unwrap_or_default();
    if !roles.is_empty() {
        row("  weakest at loss, by role", &|_: &AccountsResult| {
            String::new()
        });
        for (label, i) in &roles {
            row(&format!("    {label}"), &|a: &AccountsResult| {
                a.roles.get(*i).map_or("n/a".to_string(), |x| {
                    format!("{:.1}%", 100.0 * x.weakest_at_loss)
                })
            });
        }
        row("  contacts per lost account", &|_: &AccountsResult| {
            String::new()
        });
        for (label, i) in &roles {
            row(&format!("    {label}"), &|a: &AccountsResult| {
                a.roles
                    .get(*i)
                    .map_or("n/a".to_string(), |x| format!("{:.2}", x.per_lost_account))
            });
        }
        row("  final sat/pleased/loyal", &|_: &AccountsResult| {
            String::new()
        });
        for (label, i) in &roles {
            row(&format!("    {label}"), &|a: &AccountsResult| {
                a.roles
                    .get(*i)
                    .and_then(|x| x.states.last())
                    .map_or("n/a".to_string(), |p| {
                        format!("{:.2}/{:.2}/{:.2}", p.satisfied, p.pleased, p.loyal)
                    })
            });
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// CSV columns (appended to each row of `report::csv`; docs/format.md "Accounts in CSV").

/// The header of the accounts columns (with a leading comma): the accounts' retention with its
/// interval, the horizon figures, then each role's mean states. Empty when no strategy has
/// accounts, so other scenarios' CSV is unchanged.
pub fn csv_header(r: &RunResults) -> String {
    let Some(a) = r.strategies.iter().find_map(|s| s.accounts.as_ref()) else {
        return String::new();
    };
    let mut out = String::from(
        ",account_retention,account_retention_lo,account_retention_hi,accounts,accounts_lost,\
         revenue_per_account,clv_per_account",
    );
    for role in &a.roles {
        for state in ["satisfied", "pleased", "loyal"] {
            let name = format!("{}.{}.{state}", role.segment, role.role);
            let _ = write!(out, ",{}", crate::fmt::csv_field(&name));
        }
    }
    out
}

/// The accounts cells of strategy `si`'s row for period `t` (with a leading comma). Role
/// states exist at period 0, every `report_every` periods and the horizon; other periods'
/// cells are empty, as are all cells of a strategy without accounts.
pub fn csv_cells(r: &RunResults, si: usize, t: usize) -> String {
    let Some(first) = r.strategies.iter().find_map(|s| s.accounts.as_ref()) else {
        return String::new();
    };
    let width = 7 + 3 * first.roles.len();
    let Some(a) = r.strategies.get(si).and_then(|s| s.accounts.as_ref()) else {
        return ",".repeat(width);
    };
    let mut out = String::new();
    match a.retention.get(t) {
        Some(p) => {
            let _ = write!(out, ",{},{},{}", p.mean, p.lo, p.hi);
        }
        None => out.push_str(",,,"),
    }
    let _ = write!(
        out,
        ",{},{},{},{}",
        a.accounts, a.lost, a.revenue_per_account.mean, a.clv_per_account.mean
    );
    for role in &a.roles {
        match role.states.iter().find(|p| p.period as usize == t) {
            Some(p) => {
                let _ = write!(out, ",{},{},{}", p.satisfied, p.pleased, p.loyal);
            }
            None => out.push_str(",,,"),
        }
    }
    out
}
