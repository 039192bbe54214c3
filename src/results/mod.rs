//! Accumulators → results with uncertainty. The same `RunResults` feed the table, JSON and CSV
//! writers and the TUI.

pub mod accounts;
pub mod acquisition;
pub mod advocacy;
pub mod metric;
pub mod org;
pub mod segment;

pub use metric::Metric;

use serde::{Deserialize, Serialize};

use crate::engine::{
    Acc, Arm, M, M_CLV, M_COST, M_ESCALATIONS, M_INCIDENTS, M_LIFETIME, M_NPV, M_REVENUE, RunSpec,
};
use crate::model::Model;

/// Two-sided 95 % normal quantile.
pub const Z95: f64 = 1.959_963_984_540_054;

/// A Monte Carlo mean with its standard error and 95 % interval (mean ± 1.96 se).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Estimate {
    pub mean: f64,
    pub se: f64,
    pub lo: f64,
    pub hi: f64,
}

impl Estimate {
    /// From a sum and a sum of squares over n independent customers.
    pub fn from_sums(sum: f64, sum_sq: f64, n: u64) -> Estimate {
        if n == 0 {
            return Estimate {
                mean: 0.0,
                se: 0.0,
                lo: 0.0,
                hi: 0.0,
            };
        }
        let nf = n as f64;
        let mean = sum / nf;
        let var = if n > 1 {
            ((sum_sq - nf * mean * mean) / (nf - 1.0)).max(0.0)
        } else {
            0.0
        };
        Estimate::with_se(mean, (var / nf).sqrt())
    }

    pub fn with_se(mean: f64, se: f64) -> Estimate {
        Estimate {
            mean,
            se,
            lo: mean - Z95 * se,
            hi: mean + Z95 * se,
        }
    }

    /// A proportion k/n with its binomial standard error; the interval is clamped to 0..1.
    pub fn proportion(k: u64, n: u64) -> Estimate {
        if n == 0 {
            return Estimate::with_se(0.0, 0.0);
        }
        let p = k as f64 / n as f64;
        let se = (p * (1.0 - p) / n as f64).sqrt();
        let mut e = Estimate::with_se(p, se);
        e.lo = e.lo.max(0.0);
        e.hi = e.hi.min(1.0);
        e
    }

    /// A share of `count` units split over causes: Σ a / count, where each unit gives a part
    /// a_i ∈ [0, 1] (sum `sum`, sum of squares `sum_sq`). Its standard error is the ratio's
    /// linearisation, √(Σ (a_i − R)²) / count, which is the binomial one when every part is 0
    /// or 1. The interval is clamped to 0..1.
    pub fn share(sum: f64, sum_sq: f64, count: u64) -> Estimate {
        if count == 0 {
            return Estimate::with_se(0.0, 0.0);
        }
        let c = count as f64;
        let r = sum / c;
        let ss = (sum_sq - 2.0 * r * sum + r * r * c).max(0.0);
        let mut e = Estimate::with_se(r, ss.sqrt() / c);
        e.lo = e.lo.max(0.0);
        e.hi = e.hi.min(1.0);
        e
    }

    /// Whether the 95 % interval excludes zero.
    pub fn significant(&self) -> bool {
        self.lo > 0.0 || self.hi < 0.0
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RetentionPoint {
    pub period: u32,
    pub mean: f64,
    pub lo: f64,
    pub hi: f64,
    pub se: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TriadPoint {
    pub period: u32,
    pub satisfied: f64,
    pub pleased: f64,
    pub loyal: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ChurnByStage {
    pub purchase: f64,
    pub exception: f64,
    pub relationship: f64,
    pub none: f64,
    /// Number of simulated customers who churned within the horizon.
    pub churners: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TouchpointResult {
    pub id: String,
    pub name: String,
    pub stage: String,
    /// Times it happened per initial customer over the horizon.
    pub runs_per_customer: f64,
    /// Share of its occurrences that failed.
    pub failure_rate: f64,
    /// Share of all churners whose root cause is this touchpoint.
    pub churn_share: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StrategyResult {
    pub name: String,
    pub budget: f64,
    pub retention: Vec<RetentionPoint>,
    pub revenue_per_customer: Estimate,
    pub npv_per_customer: Estimate,
    pub clv_per_customer: Estimate,
    /// Service cost: touchpoint occurrences plus escalations, undiscounted.
    pub cost_per_customer: Estimate,
    /// The strategy's programme spend (budget × active periods), undiscounted.
    pub programme_per_customer: Estimate,
    pub incidents_per_customer: Estimate,
    pub escalations_per_customer: Estimate,
    pub lifetime_periods: Estimate,
    pub churn_by_stage: ChurnByStage,
    pub triad: Vec<TriadPoint>,
    /// Mean revenue per initial customer earned in each period (index 0 is period 1).
    pub revenue_by_period: Vec<f64>,
    pub touchpoints: Vec<TouchpointResult>,
    pub customer_periods: u64,
    /// The organisation behind the journey (only for scenarios that use it; see `crate::org`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organisation: Option<crate::results::org::OrgResult>,
    /// Escalations and the advocacy programme (only for scenarios with `advocacy`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub advocacy: Option<crate::results::advocacy::AdvocacyResult>,
    /// Accounts and contacts (only for scenarios with accounts; docs/model.md §12).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accounts: Option<accounts::AccountsResult>,
    /// The same figures per segment (file order), for scenarios with several segments.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub segments: Vec<segment::SegmentResult>,
}

impl StrategyResult {
    /// The estimate of `m` from the per-strategy figures (retention: at the horizon).
    pub fn metric(&self, m: Metric) -> Estimate {
        pick_metric(
            m,
            [
                self.revenue_per_customer,
                self.cost_per_customer,
                self.npv_per_customer,
                self.clv_per_customer,
                self.incidents_per_customer,
                self.escalations_per_customer,
                self.lifetime_periods,
            ],
            &self.retention,
        )
    }
}

/// Metric `m` of figures given as (revenue, cost, NPV, CLV, incidents, escalations, lifetime)
/// and a retention curve (retention: at its last period).
pub fn pick_metric(m: Metric, e: [Estimate; 7], retention: &[RetentionPoint]) -> Estimate {
    match m {
        Metric::Revenue => e[0],
        Metric::Cost => e[1],
        Metric::Npv => e[2],
        Metric::Clv => e[3],
        Metric::Incidents => e[4],
        Metric::Escalations => e[5],
        Metric::Lifetime => e[6],
        Metric::Retention => retention
            .last()
            .map_or(Estimate::with_se(0.0, 0.0), |p| Estimate {
                mean: p.mean,
                se: p.se,
                lo: p.lo,
                hi: p.hi,
            }),
    }
}

/// The share of `n` units still active after each period, from the count lost in period t
/// (index t), with binomial intervals.
pub fn retention_curve(churned_at: &[u64], n: u64) -> Vec<RetentionPoint> {
    let mut alive = n;
    churned_at
        .iter()
        .enumerate()
        .map(|(t, &c)| {
            alive -= c.min(alive);
            let e = Estimate::proportion(alive, n);
            RetentionPoint {
                period: t as u32,
                mean: e.mean,
                lo: e.lo,
                hi: e.hi,
                se: e.se,
            }
        })
        .collect()
}

/// Touchpoint evaluations of a run: every touchpoint occurrence the kernel decided, summed
/// over strategies. `cxsim bench` reports throughput in these units too, so journeys of
/// different sizes compare.
pub fn touchpoint_evaluations(acc: &Acc) -> u64 {
    acc.strategies
        .iter()
        .map(|sa| sa.tp_runs.iter().sum::<u64>())
        .sum()
}

/// Everything a run produced, ready for any view.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunResults {
    pub scenario: String,
    pub customers: u64,
    pub seed: u64,
    pub horizon: u32,
    pub period: String,
    pub currency: String,
    pub report_every: u32,
    pub strategies: Vec<StrategyResult>,
    /// The open population (funnels, word of mouth), when the scenario has an acquisition
    /// section; added after the run by `crate::run::acquisition::attach`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acquisition: Option<acquisition::AcquisitionResults>,
    /// The raw sums, kept for paired comparisons and merging shards.
    #[serde(skip)]
    pub acc: Option<Acc>,
}

impl RunResults {
    /// Results of `spec.strategies` of one model.
    pub fn from_acc(model: &Model, spec: &RunSpec, acc: Acc) -> RunResults {
        let arms: Vec<Arm<'_>> = spec
            .strategies
            .iter()
            .map(|&strategy| Arm { model, strategy })
            .collect();
        RunResults::from_arms(&arms, spec.customers, spec.seed, acc)
    }

    /// One [`StrategyResult`] per arm, each built from its own arm's model; the scenario-level
    /// fields (name, horizon, period, currency) come from the first arm. `customers` is kept
    /// for the signature's symmetry with the run; the count of simulated customers is the
    /// accumulator's.
    pub fn from_arms(arms: &[Arm<'_>], _customers: u64, seed: u64, acc: Acc) -> RunResults {
        let n = acc.customers;
        let nf = (n.max(1)) as f64;
        let strategies = arms
            .iter()
            .zip(&acc.strategies)
            .map(|(arm, sa)| {
                let (model, si) = (arm.model, arm.strategy);
                let s = &model.scenario;
                let mut alive = n;
                let mut retention = Vec::with_capacity(model.horizon() + 1);
                let mut triad = Vec::with_capacity(model.horizon() + 1);
                for t in 0..=model.horizon() {
                    alive -= sa.churned_at[t];
                    let e = Estimate::proportion(alive, n);
                    retention.push(RetentionPoint {
                        period: t as u32,
                        mean: e.mean,
                        lo: e.lo,
                        hi: e.hi,
                        se: e.se,
                    });
                    let denom = if t == 0 { n } else { alive };
                    let mean = |k: usize| {
                        if denom == 0 {
                            0.0
                        } else {
                            sa.triad_sum[t][k] / denom as f64
                        }
                    };
                    triad.push(TriadPoint {
                        period: t as u32,
                        satisfied: mean(0),
                        pleased: mean(1),
                        loyal: mean(2),
                    });
                }
                let est = |m: usize| Estimate::from_sums(sa.metric_sum[m], sa.metric_sq[m], n);
                let churners: u64 = sa.churned_at.iter().sum();
                let share = |k: f64| {
                    if churners == 0 {
                        0.0
                    } else {
                        k / churners as f64
                    }
                };
                let touchpoints = s
                    .touchpoints
                    .iter()
                    .enumerate()
                    .map(|(i, tp)| {
                        let runs = sa.tp_runs[i];
                        TouchpointResult {
                            id: tp.id.clone(),
                            name: tp.name.clone(),
                            stage: tp.stage.name().to_string(),
                            runs_per_customer: runs as f64 / nf,
                            failure_rate: if runs == 0 {
                                0.0
                            } else {
                                sa.tp_failures[i] as f64 / runs as f64
                            },
                            churn_share: share(sa.tp_churn[i]),
                        }
                    })
                    .collect();
                StrategyResult {
                    name: s.strategies[si].name.clone(),
                    budget: s.strategies[si].budget,
                    retention,
                    revenue_per_customer: est(M_REVENUE),
                    npv_per_customer: est(M_NPV),
                    clv_per_customer: est(M_CLV),
                    cost_per_customer: est(M_COST),
                    // budget × lifetime: exactly the lifetime estimate scaled by the budget.
                    programme_per_customer: {
                        let b = crate::format::org::programme_spend(s, si);
                        let l = est(M_LIFETIME);
                        Estimate {
                            mean: b * l.mean,
                            se: b * l.se,
                            lo: b * l.lo,
                            hi: b * l.hi,
                        }
                    },
                    incidents_per_customer: est(M_INCIDENTS),
                    escalations_per_customer: est(M_ESCALATIONS),
                    lifetime_periods: est(M_LIFETIME),
                    churn_by_stage: ChurnByStage {
                        purchase: share(sa.churn_cause[0]),
                        exception: share(sa.churn_cause[1]),
                        relationship: share(sa.churn_cause[2]),
                        none: share(sa.churn_cause[3]),
                        churners,
                    },
                    triad,
                    revenue_by_period: sa.revenue_sum[1..].iter().map(|r| r / nf).collect(),
                    touchpoints,
                    customer_periods: sa.customer_periods,
                    organisation: crate::results::org::strategy_result(model, si, sa, n),
                    advocacy: crate::results::advocacy::strategy_result(
                        model,
                        sa.advocacy.as_ref(),
                        n,
                    ),
                    accounts: accounts::strategy_result(model, sa),
                    segments: segment::strategy_segments(model, si, &sa.segments),
                }
            })
            .collect();
        let Some(first) = arms.first() else {
            return RunResults {
                scenario: String::new(),
                customers: n,
                seed,
                horizon: 0,
                period: String::new(),
                currency: String::new(),
                report_every: 1,
                strategies,
                acquisition: None,
                acc: Some(acc),
            };
        };
        let s = &first.model.scenario;
        RunResults {
            scenario: s.name.clone(),
            customers: n,
            seed,
            horizon: s.horizon,
            period: s.period.name().to_string(),
            currency: s.currency.clone(),
            report_every: first.model.report_every(),
            strategies,
            acquisition: None,
            acc: Some(acc),
        }
    }

    /// [`RunResults::paired_difference`] over the customers of segment `g` (file order) only.
    /// `None` without per-segment sums (one segment, or arms that split customers differently).
    pub fn paired_difference_in(&self, g: usize, a: usize, b: usize, m: usize) -> Option<Estimate> {
        let acc = self.acc.as_ref()?;
        let (sa, sb) = (
            acc.strategies.get(a)?.segments.get(g)?,
            acc.strategies.get(b)?.segments.get(g)?,
        );
        if a == b {
            return Some(Estimate::with_se(0.0, 0.0));
        }
        if m >= M {
            return None;
        }
        let (i, j) = if a < b { (a, b) } else { (b, a) };
        let n_s = acc.strategies.len();
        let cross = acc.segment_cross.get(Acc::pair_index(n_s, i, j))?.get(g)?[m];
        let sum = sb.metric_sum[m] - sa.metric_sum[m];
        let sum_sq = sb.metric_sq[m] + sa.metric_sq[m] - 2.0 * cross;
        Some(Estimate::from_sums(sum, sum_sq, sa.customers))
    }

    /// Paired difference (strategy `b` − strategy `a`) of metric `m` per initial customer, on
    /// common random numbers. `None` if the raw sums are not available.
    pub fn paired_difference(&self, a: usize, b: usize, m: usize) -> Option<Estimate> {
        let acc = self.acc.as_ref()?;
        if a == b {
            return Some(Estimate::with_se(0.0, 0.0));
        }
        let (i, j) = if a < b { (a, b) } else { (b, a) };
        let n_s = acc.strategies.len();
        if j >= n_s || m >= M {
            return None;
        }
        let n = acc.customers;
        let cross = acc.cross[Acc::pair_index(n_s, i, j)][m];
        let (sa, sb) = (&acc.strategies[a], &acc.strategies[b]);
        let sum = sb.metric_sum[m] - sa.metric_sum[m];
        let sum_sq = sb.metric_sq[m] + sa.metric_sq[m] - 2.0 * cross;
        Some(Estimate::from_sums(sum, sum_sq, n))
    }
}
