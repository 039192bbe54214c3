//! Root cause of churn (docs/model.md §4): every failure's harm to a customer's hazard is
//! kept by period and touchpoint, and a churn is split between those of the attribution window and
//! "none" (the customer's own propensity) by how much of the churn period's hazard they added.
//!
//! The split is the *probability of causation* of epidemiology: failures with total harm H in
//! the window multiplied the hazard by e^H, so a fraction 1 − e^−H of it is theirs and e^−H is
//! the baseline's; the failures' part is shared in proportion to their harms (harms add up in
//! the log-hazard). Only positive harms count, so a failure that did no harm is never blamed.

use super::{ArmC, CAUSES, NO_CAUSE, StrategyAcc};

/// One customer's failure harms by period and run position: slot (t, k) holds the harm the
/// touchpoint at run position k did in period t, summed over its occurrences. Kernels may write
/// a success's sunk harm or a harmless failure's (≤ 0) instead of 0: only positive values count.
#[derive(Debug, Clone)]
pub(crate) struct HarmGrid {
    slots: Vec<f64>,
    width: usize,
    /// Per run position: the churn's blame while it is split (zero between churns).
    blame: Vec<f64>,
}

impl HarmGrid {
    pub fn new(horizon: usize, n_tps: usize) -> HarmGrid {
        HarmGrid {
            slots: vec![0.0; (horizon + 1) * n_tps],
            width: n_tps,
            blame: vec![0.0; n_tps],
        }
    }

    /// Period `t`'s slots (1-based periods), as long as the arm's touchpoints at most. The
    /// kernel writes every slot of its arm each period, so nothing needs clearing between
    /// customers.
    #[inline(always)]
    pub fn row(&mut self, t: usize, n_tps: usize) -> &mut [f64] {
        let from = t * self.width;
        let to = from + n_tps.min(self.width);
        self.slots.get_mut(from..to).unwrap_or(&mut [])
    }
}

/// The split of one churn: the failures' share (1 − e^−H) and the total harm H of the window.
/// With no harmful failure the churn is wholly baseline: (0, 0).
pub fn failure_share(total_harm: f64) -> f64 {
    if total_harm > 0.0 {
        -libm::expm1(-total_harm)
    } else {
        0.0
    }
}

/// Splits a churn in period `churned_at` over the window's failures and "none", and credits
/// each part and its revenue lost (`lost`) to touchpoints and stages, with sums of squares
/// per customer for the standard errors.
pub(crate) fn attribute(
    st: &ArmC,
    acc: &mut StrategyAcc,
    grid: &mut HarmGrid,
    (churned_at, segment): (usize, usize),
    window: u32,
    lost: f64,
) {
    let from = churned_at.saturating_sub(window.max(1) as usize - 1).max(1);
    let n = st.tps.len().min(grid.width);
    let HarmGrid {
        slots,
        width,
        blame,
    } = grid;
    let rows = slots
        .get(from * *width..(churned_at + 1) * *width)
        .unwrap_or(&[]);
    for row in rows.chunks(*width) {
        for (b, &h) in blame.iter_mut().zip(&row[..n]) {
            *b += h.max(0.0);
        }
    }
    let total: f64 = blame[..n].iter().sum();
    let blamed = failure_share(total);
    let mut by_stage = [0.0f64; CAUSES];
    by_stage[NO_CAUSE] = 1.0 - blamed;
    for (k, b) in blame[..n].iter_mut().enumerate() {
        let harm = std::mem::take(b);
        if harm == 0.0 {
            continue;
        }
        let part = blamed * (harm / total);
        let tp = &st.tps[k];
        let i = tp.file_index;
        acc.tp_churn[i] += part;
        acc.tp_churn_sq[i] += part * part;
        acc.tp_lost[i] += part * lost;
        acc.tp_lost_sq[i] += (part * lost) * (part * lost);
        by_stage[tp.stage as usize] += part;
    }
    let seg = acc.segments.get_mut(segment);
    for (c, &b) in by_stage.iter().enumerate() {
        if b != 0.0 {
            acc.churn_cause[c] += b;
            acc.churn_cause_sq[c] += b * b;
            acc.cause_lost[c] += b * lost;
            acc.cause_lost_sq[c] += (b * lost) * (b * lost);
        }
    }
    if let Some(g) = seg {
        for (c, &b) in by_stage.iter().enumerate() {
            g.churn_cause[c] += b;
            g.churn_cause_sq[c] += b * b;
        }
    }
    acc.lost_sq += lost * lost;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_the_periods_slots() {
        let mut g = HarmGrid::new(3, 2);
        g.row(1, 2).copy_from_slice(&[0.5, -1e300]);
        g.row(3, 1)[0] = 0.25;
        assert_eq!(g.row(1, 2), &[0.5, -1e300]);
        assert_eq!(g.row(2, 2), &[0.0, 0.0]);
        assert_eq!(g.row(3, 2), &[0.25, 0.0]);
        // Out of range gives nothing rather than a panic.
        assert!(g.row(9, 2).is_empty());
        assert_eq!(g.row(1, 5).len(), 2);
    }

    #[test]
    fn the_failure_share_is_the_probability_of_causation() {
        assert_eq!(failure_share(0.0), 0.0);
        assert_eq!(failure_share(-1.0), 0.0);
        for h in [1e-12f64, 0.01, 0.5, 1.0, 3.0, 40.0] {
            let exact: f64 = 1.0 - (-h).exp();
            assert!(
                (failure_share(h) - exact).abs() <= 1e-15 + 1e-12 * exact,
                "{h}"
            );
        }
    }
}
