//! The account kernel (docs/model.md §12): a customer of a segment with `accounts` is an
//! account whose contacts go through the touchpoints one by one; the account renews or leaves
//! as a whole, every `renewal_every` periods, with the churn hazard of its health.
//!
//! Chosen per arm when the run is compiled, and per customer only for segments with accounts,
//! so the plain kernel's loop is untouched. Streams: the account's own stream (the customer's
//! stream of the plain model) draws the segment, θ, which contacts are present and the renewal
//! decisions, and also serves the account's first contact slot; every other slot j has its own
//! stream seeded from (account seed, j). One contact of weight 1 with renewals every period
//! therefore draws exactly the plain model's numbers, in the same order, and gives the same
//! bits (tests/suite/accounts.rs).

use serde::{Deserialize, Serialize};

use super::ArmC;
use super::attribution;
use super::rng::{CustomerRng, mix64};
use super::{CustomerStart, M, PeriodSums, Scratch, StrategyAcc, occurrences};
use crate::format::TriadLevels;
use crate::format::accounts::{Health, has_accounts};
use crate::model::Model;

/// One contact slot of an account: the role's count expanded, in file order.
#[derive(Debug, Clone)]
pub(crate) struct SlotC {
    /// Index of the role among all roles of the arm (segments in file order, then roles).
    pub role: usize,
    pub probability: f64,
    pub weight: f64,
    pub initial: [f64; 3],
    /// Per touchpoint (file order): whether the role's contacts go through it; `None` = all.
    pub meets: Option<Vec<bool>>,
}

/// A segment's `accounts`, compiled.
#[derive(Debug, Clone)]
pub(crate) struct AccountC {
    pub slots: Vec<SlotC>,
    /// λ of `Mix(λ)`: 0 = Mean, 1 = Weakest (kept apart so Mean and Weakest are exact).
    pub health: Health,
    pub renewal_every: usize,
}

/// The accounts of an arm: per segment (`None` = plain customers), and the number of roles.
#[derive(Debug, Clone)]
pub(crate) struct AccountsC {
    pub segments: Vec<Option<AccountC>>,
    pub n_roles: usize,
}

impl AccountsC {
    /// `None` when no segment of the model has accounts (the plain kernel then runs alone).
    pub fn new(model: &Model) -> Option<AccountsC> {
        let s = &model.scenario;
        if !has_accounts(s) {
            return None;
        }
        let mut n_roles = 0;
        let segments = s
            .segments
            .iter()
            .map(|seg| {
                let a = seg.accounts.as_ref()?;
                let mut slots = Vec::new();
                for c in &a.contacts {
                    let init: TriadLevels = c.initial.unwrap_or(seg.initial);
                    let meets = c.meets.as_ref().map(|ids| {
                        s.touchpoints
                            .iter()
                            .map(|t| ids.contains(&t.id))
                            .collect::<Vec<bool>>()
                    });
                    for _ in 0..c.count {
                        slots.push(SlotC {
                            role: n_roles,
                            probability: c.probability,
                            weight: c.weight,
                            initial: [init.satisfied, init.pleased, init.loyal],
                            meets: meets.clone(),
                        });
                    }
                    n_roles += 1;
                }
                Some(AccountC {
                    slots,
                    health: a.health,
                    renewal_every: a.renewal_every.max(1) as usize,
                })
            })
            .collect();
        Some(AccountsC { segments, n_roles })
    }
}

/// Sums over the accounts of one strategy (JSON part files: `accounts`, absent without them).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountAcc {
    pub accounts: u64,
    pub contacts: u64,
    /// Accounts lost at the end of period t (index t; 0 unused).
    pub churned_at: Vec<u64>,
    pub revenue_sum: f64,
    pub revenue_sq: f64,
    pub clv_sum: f64,
    pub clv_sq: f64,
    pub account_periods: u64,
    pub contact_periods: u64,
    /// Per role: contacts drawn, contacts present in lost accounts at the loss, lost accounts
    /// whose weakest contact had the role.
    pub role_contacts: Vec<u64>,
    pub role_at_loss: Vec<u64>,
    pub weakest_at_loss: Vec<u64>,
    /// Per period t and role r (index t · roles + r): Σ triad states and count of the role's
    /// contacts in active accounts.
    pub role_triad: Vec<[f64; 3]>,
    pub role_active: Vec<u64>,
}

impl AccountAcc {
    pub(crate) fn new(horizon: usize, n_roles: usize) -> AccountAcc {
        AccountAcc {
            accounts: 0,
            contacts: 0,
            churned_at: vec![0; horizon + 1],
            revenue_sum: 0.0,
            revenue_sq: 0.0,
            clv_sum: 0.0,
            clv_sq: 0.0,
            account_periods: 0,
            contact_periods: 0,
            role_contacts: vec![0; n_roles],
            role_at_loss: vec![0; n_roles],
            weakest_at_loss: vec![0; n_roles],
            role_triad: vec![[0.0; 3]; (horizon + 1) * n_roles],
            role_active: vec![0; (horizon + 1) * n_roles],
        }
    }

    pub(crate) fn merge(&mut self, o: &AccountAcc) {
        self.accounts += o.accounts;
        self.contacts += o.contacts;
        super::add_u64(&mut self.churned_at, &o.churned_at);
        self.revenue_sum += o.revenue_sum;
        self.revenue_sq += o.revenue_sq;
        self.clv_sum += o.clv_sum;
        self.clv_sq += o.clv_sq;
        self.account_periods += o.account_periods;
        self.contact_periods += o.contact_periods;
        super::add_u64(&mut self.role_contacts, &o.role_contacts);
        super::add_u64(&mut self.role_at_loss, &o.role_at_loss);
        super::add_u64(&mut self.weakest_at_loss, &o.weakest_at_loss);
        for (a, b) in self.role_triad.iter_mut().zip(&o.role_triad) {
            for k in 0..3 {
                a[k] += b[k];
            }
        }
        super::add_u64(&mut self.role_active, &o.role_active);
    }

    pub(crate) fn same_shape(&self, o: &AccountAcc) -> bool {
        self.churned_at.len() == o.churned_at.len()
            && self.role_contacts.len() == o.role_contacts.len()
            && self.role_at_loss.len() == o.role_at_loss.len()
            && self.weakest_at_loss.len() == o.weakest_at_loss.len()
            && self.role_triad.len() == o.role_triad.len()
            && self.role_active.len() == o.role_active.len()
    }
}

/// The stream of contact slot `j` ≥ 1 of the account whose plain-model seed is `account_seed`.
fn slot_stream(account_seed: u64, j: usize) -> CustomerRng {
    CustomerRng::from_seed(mix64(account_seed ^ mix64(j as u64)))
}

struct Contact {
    /// Index into the account's streams (0 = the account's own stream).
    stream: usize,
    /// Index of the contact's slot in `AccountC::slots`.
    slot: usize,
    role: usize,
    /// Weight in the health; the roles' weights, or 1 each when all present weights are 0.
    weight: f64,
    s: [f64; 3],
}

/// A contact's score: its triad states combined by the churn protection weights, exactly the
/// plain model's x.
#[inline(always)]
fn score(w: &[f64; 3], s: &[f64; 3]) -> f64 {
    w[0] * s[0] + w[1] * s[1] + w[2] * s[2]
}

/// Simulates one account under one strategy; returns the per-customer metrics of the account
/// (revenue, cost, ... as for a plain customer).
#[allow(clippy::too_many_arguments)]
pub(super) fn simulate_account(
    horizon: usize,
    st: &ArmC,
    ac: &AccountC,
    start: CustomerStart,
    acc: &mut StrategyAcc,
    period_sums: &mut [PeriodSums],
    scratch: &mut Scratch,
) -> [f64; M] {
    let Scratch { counts, harms, .. } = scratch;
    let CustomerStart {
        rng: account_rng,
        segment,
        theta,
        key: (seed, index),
    } = start;
    // The plain model's seed of this customer: contact streams derive from it.
    let account_seed = super::rng::customer_seed(seed, index);
    let seg = &st.segments[segment];
    let w = st.protection;
    let mut streams = vec![account_rng];
    let mut contacts: Vec<Contact> = Vec::with_capacity(ac.slots.len());
    for (j, slot) in ac.slots.iter().enumerate() {
        if !streams[0].chance(slot.probability) {
            continue;
        }
        let stream = if j == 0 {
            0
        } else {
            streams.push(slot_stream(account_seed, j));
            streams.len() - 1
        };
        contacts.push(Contact {
            stream,
            slot: j,
            role: slot.role,
            weight: slot.weight,
            s: slot.initial,
        });
    }
    // An account always has someone to talk to: with no slot drawn, its first slot is present.
    if contacts.is_empty()
        && let Some(slot) = ac.slots.first()
    {
        contacts.push(Contact {
            stream: 0,
            slot: 0,
            role: slot.role,
            weight: slot.weight,
            s: slot.initial,
        });
    }
    if contacts.iter().all(|c| c.weight <= 0.0) {
        for c in &mut contacts {
            c.weight = 1.0;
        }
    }
    let weight_sum = contacts.iter().fold(0.0, |a, c| a + c.weight);
    // Weighted means of the contacts' states: the account's triad and its loyalty (revenue).
    let account_states = |contacts: &[Contact]| -> [f64; 3] {
        let mut m = [0.0; 3];
        for c in contacts {
            for (mk, sk) in m.iter_mut().zip(c.s) {
                *mk += c.weight * sk;
            }
        }
        [m[0] / weight_sum, m[1] / weight_sum, m[2] / weight_sum]
    };
    let lambda = match ac.health {
        Health::Mean => 0.0,
        Health::Weakest => 1.0,
        Health::Mix(l) => l,
    };
    // (health, index of the weakest contact of positive weight)
    let health = |contacts: &[Contact]| -> (f64, usize) {
        let mut sum = 0.0;
        let mut weakest = f64::INFINITY;
        let mut weakest_i = 0;
        for (i, c) in contacts.iter().enumerate() {
            let x = score(&w, &c.s);
            sum += c.weight * x;
            if c.weight > 0.0 && x < weakest {
                weakest = x;
                weakest_i = i;
            }
        }
        let mean = sum / weight_sum;
        let h = match ac.health {
            Health::Mean => mean,
            Health::Weakest => weakest,
            Health::Mix(_) => lambda * weakest + (1.0 - lambda) * mean,
        };
        (h, weakest_i)
    };

    let StrategyAcc {
        tp_runs,
        tp_failures,
        accounts: account_acc,
        ..
    } = acc;
    let Some(aa) = account_acc.as_mut() else {
        return [0.0; M];
    };
    let n_roles = aa.role_contacts.len();
    aa.accounts += 1;
    aa.contacts += contacts.len() as u64;
    for c in &contacts {
        aa.role_contacts[c.role] += 1;
    }
    let record_roles = |aa: &mut AccountAcc, t: usize, contacts: &[Contact]| {
        for c in contacts {
            let i = t * n_roles + c.role;
            aa.role_active[i] += 1;
            for k in 0..3 {
                aa.role_triad[i][k] += c.s[k];
            }
        }
    };
    record_roles(aa, 0, &contacts);
    {
        let s0 = account_states(&contacts);
        for k in 0..3 {
            period_sums[0][k] += s0[k];
        }
    }

    let mut revenue = 0.0;
    let mut disc_revenue = 0.0;
    let mut service_cost = 0.0;
    let mut disc_service = 0.0;
    let mut incidents = 0u32;
    let mut escalations = 0u32;
    let mut churned_at = 0usize;
    let mut loyal_at_churn = 0.0;

    for t0 in 0..horizon {
        let d = st.discount[t0];
        let mut account_cost = 0.0;
        let harm_row = harms.row(t0 + 1, st.tps.len());
        harm_row.fill(0.0);
        for c in contacts.iter_mut() {
            let rng = &mut streams[c.stream];
            let meets = ac.slots.get(c.slot).and_then(|x| x.meets.as_deref());
            let (cost, inc) = contact_period(
                st,
                (segment, t0 as u32 + 1),
                meets,
                rng,
                &mut c.s,
                counts,
                (tp_runs, tp_failures),
                (&mut *harm_row, c.weight / weight_sum),
                &mut escalations,
            );
            account_cost += cost;
            incidents += inc;
        }
        aa.contact_periods += contacts.len() as u64;
        service_cost += account_cost;
        disc_service += account_cost * d;

        let period = t0 + 1;
        if period % ac.renewal_every == 0 {
            let draw = streams[0].next32();
            let (x, weakest) = health(&contacts);
            // The plain model's hazard with the account's health for x.
            if super::hazard::below_hazard(draw, theta, x) {
                churned_at = period;
                loyal_at_churn = account_states(&contacts)[2];
                aa.weakest_at_loss[contacts[weakest].role] += 1;
                for c in &contacts {
                    aa.role_at_loss[c.role] += 1;
                }
                break;
            }
        }
        let s = account_states(&contacts);
        let r = seg.value + seg.value_uplift * s[2];
        revenue += r;
        disc_revenue += r * d;
        let ps = &mut period_sums[period];
        ps[0] += s[0];
        ps[1] += s[1];
        ps[2] += s[2];
        ps[3] += r;
        record_roles(aa, period, &contacts);
    }

    let lifetime = if churned_at > 0 { churned_at } else { horizon };
    aa.account_periods += lifetime as u64;
    let disc_programme = st.budget * st.cum_discount[lifetime];
    let clv = disc_revenue - disc_service;
    aa.revenue_sum += revenue;
    aa.revenue_sq += revenue * revenue;
    aa.clv_sum += clv;
    aa.clv_sq += clv * clv;
    if churned_at > 0 {
        aa.churned_at[churned_at] += 1;
    }
    acc.customer_periods += lifetime as u64;
    if churned_at > 0 {
        acc.churned_at[churned_at] += 1;
        let lost =
            (seg.value + seg.value_uplift * loyal_at_churn) * (horizon + 1 - churned_at) as f64;
        attribution::attribute(
            st,
            acc,
            harms,
            (churned_at, segment),
            st.attribution_window,
            lost,
        );
    }
    [
        revenue,
        service_cost,
        clv - disc_programme,
        clv,
        f64::from(incidents),
        f64::from(escalations),
        lifetime as f64,
        f64::from(u8::from(churned_at == 0)),
    ]
}

/// One contact's touchpoints in one period (the plain kernel's inner loop, same draws in the
/// same order): returns the period's service cost and incidents, and logs the harmful
/// failures, each harm scaled by the contact's share of the account's weight (its effect on
/// the mean health, docs/model.md §12). Every occurrence counts as a run, so a touchpoint's
/// failure rate is per contact occurrence.
#[allow(clippy::too_many_arguments)]
fn contact_period(
    st: &ArmC,
    (segment, period): (usize, u32),
    meets: Option<&[bool]>,
    rng: &mut CustomerRng,
    s: &mut [f64; 3],
    counts: &mut [[u32; 2]],
    (tp_runs, tp_failures): (&mut [u64], &mut [u64]),
    (harm_row, share): (&mut [f64], f64),
    escalations: &mut u32,
) -> (f64, u32) {
    let w = st.protection;
    if st.any_after {
        counts.fill([0, 0]);
    }
    let mut period_incidents = 0u32;
    let mut period_cost = 0.0;
    for (k, tp) in st.tps_of(segment).0.iter().enumerate() {
        // A touchpoint the role does not meet draws nothing, so `meets` listing every
        // touchpoint gives the same bits as no `meets`.
        if meets.is_some_and(|m| !m.get(tp.file_index).copied().unwrap_or(true)) {
            continue;
        }
        // Likewise a touchpoint outside its lifecycle window or segments.
        if tp.op == super::Op::Gated && !st.gates[k].open(segment, period) {
            continue;
        }
        let mut n = match tp.kind {
            super::TriggerKind::Every => 1,
            super::TriggerKind::OnIncident if period_incidents == 0 => continue,
            _ => occurrences(tp, rng, counts, period_incidents),
        };
        tp_runs[tp.file_index] += u64::from(n);
        while n > 0 {
            n -= 1;
            let ok = rng.hit(tp.quality_thr);
            let failed = !ok;
            period_cost += tp.cost;
            let next = tp.effects[usize::from(failed)].apply(*s);
            let harm = w[0] * (s[0] - next[0]) + w[1] * (s[1] - next[1]) + w[2] * (s[2] - next[2]);
            if failed && let Some(slot) = harm_row.get_mut(k) {
                *slot += (harm * share).max(0.0);
            }
            *s = next;
            tp_failures[tp.file_index] += u64::from(failed);
            period_incidents += u32::from(failed & tp.opens_incident);
            if st.any_after {
                counts[k][usize::from(failed)] += 1;
            }
            if failed {
                for &(thr, cost) in &st.escalations[tp.esc_start..tp.esc_end] {
                    if rng.hit(thr) {
                        *escalations += 1;
                        period_cost += cost;
                    }
                }
            }
        }
    }
    (period_cost, period_incidents)
}
