//! The per-strategy results of the accounts (docs/model.md §12), from the kernel's
//! accumulator (`engine::accounts`).

use serde::{Deserialize, Serialize};

use crate::results::{Estimate, RetentionPoint};

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
    let retention = super::retention_curve(&a.churned_at, n);
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
