//! `cxsim review`: the advocacy programme against the same customers without it (paired on
//! common random numbers).

use serde::Serialize;

use crate::model::Model;
use crate::results::Estimate;
use crate::results::advocacy::AdvocacyResult;

pub const REVIEW_SCHEMA: &str = "cxsim.review/1";

/// The review of every requested strategy.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Review {
    pub schema: &'static str,
    pub scenario: String,
    pub customers: u64,
    pub seed: u64,
    pub horizon: u32,
    pub period: String,
    pub currency: String,
    pub strategies: Vec<StrategyReview>,
}

/// One strategy with and without the advocacy programme, on common random numbers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StrategyReview {
    pub name: String,
    pub advocacy: AdvocacyResult,
    /// Revenue per initial customer with the programme and with it switched off.
    pub revenue_with: Estimate,
    pub revenue_without: Estimate,
    /// Paired difference (with − without): the revenue the programme retained (including the
    /// paid mitigating service), per initial customer.
    pub retained_revenue_per_customer: Estimate,
    /// Paired difference of NPV per initial customer (programme cost included).
    pub npv_difference: Estimate,
    /// Final retention with and without, and the paired difference.
    pub retention_with: f64,
    pub retention_without: f64,
    pub retention_difference: Estimate,
    /// Programme cost per initial customer.
    pub programme_cost_per_customer: Estimate,
}

/// The same model with the advocacy programme switched off.
pub fn programme_off(model: &Model) -> Model {
    let mut off = model.clone();
    off.scenario.advocacy = None;
    off
}

/// Simulates each strategy with and without the programme (two arms per strategy, one run, so
/// every customer is the same in both) and pairs them.
pub fn review(
    model: &Model,
    strategies: &[usize],
    customers: u64,
    seed: u64,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> Result<Review, String> {
    use crate::engine::{Arm, Engine, M_NPV, M_RETAINED, M_REVENUE};
    if model.scenario.advocacy.is_none() {
        return Err(format!(
            "scenario \"{}\" has no advocacy section, so there is no programme to review\n  \
             hint: add advocacy: (policies: [..], planning: .., meeting: .., get_well: ..) \
             (docs/format.md, \"Advocacy\")",
            model.scenario.name
        ));
    }
    let off = programme_off(model);
    let arms: Vec<Arm<'_>> = strategies
        .iter()
        .flat_map(|&strategy| {
            [
                Arm { model, strategy },
                Arm {
                    model: &off,
                    strategy,
                },
            ]
        })
        .collect();
    let engine = Engine::from_arms(&arms, customers, seed).map_err(|e| e.to_string())?;
    let acc = engine.run(None, progress).map_err(|e| e.to_string())?;
    let r = crate::results::RunResults::from_arms(&arms, customers, seed, acc);
    let zero = Estimate::with_se(0.0, 0.0);
    let out = strategies
        .iter()
        .enumerate()
        .filter_map(|(i, _)| {
            let (on, offi) = (2 * i, 2 * i + 1);
            let with = r.strategies.get(on)?;
            let without = r.strategies.get(offi)?;
            let advocacy = with.advocacy.clone()?;
            let last =
                |s: &crate::results::StrategyResult| s.retention.last().map_or(0.0, |p| p.mean);
            Some(StrategyReview {
                name: with.name.clone(),
                programme_cost_per_customer: advocacy.programme_cost_per_customer,
                advocacy,
                revenue_with: with.revenue_per_customer,
                revenue_without: without.revenue_per_customer,
                retained_revenue_per_customer: r
                    .paired_difference(offi, on, M_REVENUE)
                    .unwrap_or(zero),
                npv_difference: r.paired_difference(offi, on, M_NPV).unwrap_or(zero),
                retention_with: last(with),
                retention_without: last(without),
                retention_difference: r.paired_difference(offi, on, M_RETAINED).unwrap_or(zero),
            })
        })
        .collect();
    let s = &model.scenario;
    Ok(Review {
        schema: REVIEW_SCHEMA,
        scenario: s.name.clone(),
        customers: r.customers,
        seed,
        horizon: s.horizon,
        period: s.period.name().to_string(),
        currency: s.currency.clone(),
        strategies: out,
    })
}
