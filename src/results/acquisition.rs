//! The acquisition leg of the three-legged stool (seed article 001, issue 6): funnels that bring
//! customers in, word of mouth (referrals from loyal customers, warnings from churners) and the
//! revenue lost to churn split into current, future and reputation.
//!
//! Customers are independent, so an open population is a superposition of cohorts. The engine
//! simulates one closed cohort per segment (exactly as without a funnel) and this module turns
//! its per-age curves into the open population with a deterministic renewal recursion after the
//! simulation (`run::acquisition::attach` drives it). The per-customer kernel is not touched:
//! without an `acquisition` section nothing here runs and every result is what it was. The
//! rules are written down in docs/model.md §11.

pub mod intervals;

use serde::{Deserialize, Serialize};

use crate::engine::{M_COST, M_LIFETIME, StrategyAcc};
use crate::format::acquisition::Warners;

// ---------------------------------------------------------------------------------------------
// Results (JSON `acquisition`, docs/format.md).

/// The open population of every simulated strategy (same order as `RunResults::strategies`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AcquisitionResults {
    pub initial_customers: f64,
    pub strategies: Vec<StrategyAcquisition>,
}

/// One strategy's open population. Per-period vectors: index 0 is period 1, except
/// `active_base` whose index t is the end of period t (index 0 = the start).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StrategyAcquisition {
    pub name: String,
    /// Customers won in each period (they are active from the next period on).
    pub new_customers: Vec<f64>,
    /// Of which came from referral leads.
    pub referred_customers: Vec<f64>,
    /// Conversions lost to warnings in each period.
    pub warned_off: Vec<f64>,
    /// Marketing and sales spend in each period.
    pub acquisition_cost: Vec<f64>,
    /// Customers active at the end of each period.
    pub active_base: Vec<f64>,
    /// Churners in each period.
    pub churners: Vec<f64>,
    /// Revenue of the whole base in each period (undiscounted).
    pub revenue: Vec<f64>,
    pub total_new_customers: f64,
    pub total_acquisition_cost: f64,
    /// Customer acquisition cost: total spend / total new customers (null without wins).
    pub cac: Option<f64>,
    /// Periods until a new customer's expected revenue net of service cost repays the CAC
    /// (null if not within the horizon).
    pub payback_periods: Option<u32>,
    pub lost_to_churn: LostToChurn,
    pub funnels: Vec<FunnelResult>,
    /// Batch-means intervals of the headline figures (docs/model.md §14); absent when the
    /// figures were computed from given curves rather than a run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub intervals: Option<intervals::Intervals>,
}

/// Revenue lost to churn over the horizon (undiscounted).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LostToChurn {
    /// Revenue the churners would have earned in the period they left.
    pub current: f64,
    /// Revenue they would have earned in the rest of the horizon.
    pub future: f64,
    /// Revenue of the customers not won because of warnings and of referrals the churners
    /// would have made.
    pub reputation: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FunnelResult {
    pub segment: String,
    pub new_customers: f64,
    pub acquisition_cost: f64,
    pub cac: Option<f64>,
    pub payback_periods: Option<u32>,
}

// ---------------------------------------------------------------------------------------------
// Cohort curves.

/// Per-age curves of one closed cohort, per initial customer of that cohort. Index a = age in
/// periods (a customer won at the end of period u has age t − u at the end of period t).
#[derive(Debug, Clone, PartialEq)]
pub struct Curves {
    /// S(a): share still active at the end of age a (S(0) = 1).
    pub survival: Vec<f64>,
    /// ℓ(a): Σ loyal over customers active at the end of age a, per initial customer.
    pub loyal: Vec<f64>,
    /// r(a): revenue earned at age a per initial customer (r(0) = 0).
    pub revenue: Vec<f64>,
    /// κ(a): churners at age a per initial customer (κ(0) = 0).
    pub churn: Vec<f64>,
    /// Share of churners who warn (by `Warners`; all-age share of failure-caused churn).
    pub warn_share: f64,
    /// Service cost per active customer-period.
    pub cost_per_period: f64,
}

impl Curves {
    /// Curves of one strategy's accumulator over `n` customers.
    pub fn from_acc(sa: &StrategyAcc, n: u64, horizon: usize, warners: Warners) -> Curves {
        let nf = n.max(1) as f64;
        let mut alive = n;
        let mut survival = Vec::with_capacity(horizon + 1);
        for t in 0..=horizon {
            alive -= sa.churned_at[t].min(alive);
            survival.push(alive as f64 / nf);
        }
        let churners: u64 = sa.churned_at.iter().sum();
        let warn_share = match warners {
            Warners::AllChurners => 1.0,
            Warners::FailureChurners if churners == 0 => 0.0,
            Warners::FailureChurners => {
                let none = sa.churn_cause[sa.churn_cause.len() - 1];
                (churners as f64 - none) / churners as f64
            }
        };
        let lifetime = sa.metric_sum[M_LIFETIME];
        Curves {
            survival,
            loyal: (0..=horizon).map(|t| sa.triad_sum[t][2] / nf).collect(),
            revenue: (0..=horizon)
                .map(|t| if t == 0 { 0.0 } else { sa.revenue_sum[t] / nf })
                .collect(),
            churn: (0..=horizon)
                .map(|t| {
                    if t == 0 {
                        0.0
                    } else {
                        sa.churned_at[t] as f64 / nf
                    }
                })
                .collect(),
            warn_share,
            cost_per_period: if lifetime > 0.0 {
                sa.metric_sum[M_COST] / lifetime
            } else {
                0.0
            },
        }
    }

    fn horizon(&self) -> usize {
        self.survival.len() - 1
    }

    /// Expected revenue within the horizon of a customer won at the end of period t.
    fn value_if_won_at(&self, t: usize) -> f64 {
        let h = self.horizon();
        self.revenue[1..=h.saturating_sub(t)].iter().sum()
    }
}

/// A funnel resolved against the scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct FunnelParams {
    pub segment: String,
    pub leads: f64,
    /// qualification × conversion.
    pub win_rate: f64,
    pub cost_per_lead: f64,
    pub cost_per_win: f64,
}

/// Word-of-mouth parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WordOfMouth {
    pub referral_strength: f64,
    pub warning_strength: f64,
}

/// Σ_{u} n[u] · f[t − u] over cohorts u = from..=t (cohorts indexed by the period they were won).
fn conv(n: &[f64], f: &[f64], t: usize, from: usize) -> f64 {
    (from..=t).map(|u| n[u] * f[t - u]).sum()
}

/// The open population of one strategy: the initial base follows `base` (the whole-cohort
/// curves, segments mixed by share), each funnel's new customers follow `funnel_curves[i]`.
pub fn open_population(
    name: &str,
    initial: f64,
    base: &Curves,
    funnels: &[FunnelParams],
    funnel_curves: &[&Curves],
    wom: WordOfMouth,
) -> StrategyAcquisition {
    let h = base.horizon();
    let g = funnels.len();
    let paid: f64 = funnels.iter().map(|f| f.leads).sum();
    // Share of referral leads each funnel receives: its share of paid leads (equal if none).
    let ref_share: Vec<f64> = funnels
        .iter()
        .map(|f| {
            if paid > 0.0 {
                f.leads / paid
            } else {
                1.0 / g.max(1) as f64
            }
        })
        .collect();
    // Won customers per funnel and period; index 0 unused (the initial base is separate).
    let mut won = vec![vec![0.0; h + 1]; g];
    let mut referred = vec![0.0; h];
    let mut warned = vec![0.0; h];
    let mut cost = vec![0.0; h];
    let mut funnel_cost = vec![0.0; g];
    // Per-funnel curves multiplied by the warning share (warning churners per age).
    let warn_curve =
        |c: &Curves| -> Vec<f64> { c.churn.iter().map(|k| k * c.warn_share).collect() };
    let base_warn = warn_curve(base);
    let funnel_warn: Vec<Vec<f64>> = funnel_curves.iter().map(|c| warn_curve(c)).collect();
    let mut loyal_sum = vec![0.0; h + 1];
    let mut warners = vec![0.0; h + 1];
    for t in 1..=h {
        // Word of mouth seen in period t comes from the base at the end of period t − 1.
        let p = t - 1;
        let mut lam = initial * base.loyal[p];
        let mut kap = initial * base_warn[p];
        for i in 0..g {
            lam += conv(&won[i], &funnel_curves[i].loyal, p, 1);
            kap += conv(&won[i], &funnel_warn[i], p, 1);
        }
        loyal_sum[p] = lam;
        warners[p] = kap;
        let referral_leads = wom.referral_strength * lam;
        let leads = paid + referral_leads;
        let reach = if leads > 0.0 {
            (-wom.warning_strength * kap / leads).exp()
        } else {
            1.0
        };
        for (i, f) in funnels.iter().enumerate() {
            let r = referral_leads * ref_share[i];
            let n = (f.leads + r) * f.win_rate * reach;
            won[i][t] = n;
            referred[t - 1] += r * f.win_rate * reach;
            warned[t - 1] += (f.leads + r) * f.win_rate * (1.0 - reach);
            let c = f.leads * f.cost_per_lead + n * f.cost_per_win;
            cost[t - 1] += c;
            funnel_cost[i] += c;
        }
    }

    // Active base, churners and revenue: renewal sums over cohorts.
    let mut active_base = Vec::with_capacity(h + 1);
    let mut churners = Vec::with_capacity(h);
    let mut revenue = Vec::with_capacity(h);
    for t in 0..=h {
        let mut b = initial * base.survival[t];
        let mut k = initial * base.churn[t];
        let mut r = initial * base.revenue[t];
        for i in 0..g {
            let c = funnel_curves[i];
            b += conv(&won[i], &c.survival, t, 1);
            k += conv(&won[i], &c.churn, t, 1);
            r += conv(&won[i], &c.revenue, t, 1);
        }
        active_base.push(b);
        if t > 0 {
            churners.push(k);
            revenue.push(r);
        }
    }

    // Revenue lost to churn: current and future, per cohort; foregone referrals.
    let mut lost = LostToChurn {
        current: 0.0,
        future: 0.0,
        reputation: 0.0,
    };
    // Lost loyalty in the base at the end of each period (first order: the churners' own).
    let mut lost_loyal = vec![0.0; h + 1];
    let mut add_cohort = |size: f64, won_at: usize, c: &Curves| {
        if size == 0.0 {
            return;
        }
        let last = h - won_at; // oldest age this cohort reaches within the horizon
        // Suffix sums of revenue: future[a] = Σ_{k=a+1..=last} r(k).
        let mut suffix = vec![0.0; last + 2];
        for a in (1..=last).rev() {
            suffix[a] = suffix[a + 1] + c.revenue[a];
        }
        let mut cum = 0.0; // Σ_{a'≤a} κ(a')/S(a')
        for a in 1..=last {
            let s = c.survival[a];
            if s > 0.0 {
                let per_survivor = c.churn[a] / s;
                lost.current += size * per_survivor * c.revenue[a];
                lost.future += size * per_survivor * suffix[a + 1];
                cum += per_survivor;
            }
            lost_loyal[won_at + a] += size * c.loyal[a] * cum;
        }
    };
    add_cohort(initial, 0, base);
    for i in 0..g {
        for (u, &n) in won[i].iter().enumerate().skip(1) {
            add_cohort(n, u, funnel_curves[i]);
        }
    }
    for t in 1..=h {
        let p = t - 1;
        let leads = paid + wom.referral_strength * loyal_sum[p];
        let reach = if leads > 0.0 {
            (-wom.warning_strength * warners[p] / leads).exp()
        } else {
            1.0
        };
        let lost_referrals = wom.referral_strength * lost_loyal[p];
        for (i, f) in funnels.iter().enumerate() {
            let value = funnel_curves[i].value_if_won_at(t);
            let r = lost_referrals * ref_share[i];
            let warned_off = (f.leads + wom.referral_strength * loyal_sum[p] * ref_share[i])
                * f.win_rate
                * (1.0 - reach);
            lost.reputation += (warned_off + r * f.win_rate * reach) * value;
        }
    }

    let total_new: f64 = won.iter().flat_map(|w| w.iter()).sum();
    let total_cost: f64 = cost.iter().sum();
    let funnel_results: Vec<FunnelResult> = funnels
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let n: f64 = won[i].iter().sum();
            let cac = (n > 0.0).then(|| funnel_cost[i] / n);
            FunnelResult {
                segment: f.segment.clone(),
                new_customers: n,
                acquisition_cost: funnel_cost[i],
                cac,
                payback_periods: cac.and_then(|c| payback(&[(1.0, funnel_curves[i])], c)),
            }
        })
        .collect();
    let cac = (total_new > 0.0).then(|| total_cost / total_new);
    let mix: Vec<(f64, &Curves)> = funnel_results
        .iter()
        .zip(funnel_curves)
        .map(|(f, c)| (f.new_customers / total_new.max(f64::MIN_POSITIVE), *c))
        .collect();
    let mut new_customers = vec![0.0; h];
    for w in &won {
        for (t, x) in w.iter().enumerate().skip(1) {
            new_customers[t - 1] += x;
        }
    }
    StrategyAcquisition {
        name: name.to_string(),
        new_customers,
        referred_customers: referred,
        warned_off: warned,
        acquisition_cost: cost,
        active_base,
        churners,
        revenue,
        total_new_customers: total_new,
        total_acquisition_cost: total_cost,
        cac,
        payback_periods: cac.and_then(|c| payback(&mix, c)),
        lost_to_churn: lost,
        funnels: funnel_results,
        intervals: None,
    }
}

/// First age a at which Σ_{k=1..a} (r(k) − cost·S(k−1)) ≥ cac for the weighted mix of cohorts.
fn payback(mix: &[(f64, &Curves)], cac: f64) -> Option<u32> {
    if cac <= 0.0 {
        return Some(0);
    }
    let h = mix.first()?.1.horizon();
    let mut cum = 0.0;
    for a in 1..=h {
        for (w, c) in mix {
            cum += w * (c.revenue[a] - c.cost_per_period * c.survival[a - 1]);
        }
        if cum >= cac {
            return Some(a as u32);
        }
    }
    None
}
