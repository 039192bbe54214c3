//! A segment's survival curve as a function of its churn propensity, and the likelihood of
//! cohort data under it (docs/calibration.md).
//!
//! Two forms. When the segment's hazard is θ alone (every traced multiplier is 1) the curve
//! has a closed form: shifted-beta-geometric for θ ~ Beta(α, β), geometric for a fixed θ.
//! Otherwise S(t) = E_path E_θ Π_{s≤t} (1 − min(1, θ·m_s)) over the traced paths
//! (`crate::engine::trace`): the path average is computed once on a grid of θ, and the Beta
//! average integrates that grid curve exactly piece by piece (linear between nodes, with the
//! Beta's cell masses and first moments from the regularized incomplete beta function), so the
//! curve is smooth in α and β and one evaluation costs a few thousand operations.

use statrs::function::beta::checked_beta_reg;

use crate::format::data::Cohort;

/// A churn propensity as fitted: the file's two forms.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Prop {
    Beta { alpha: f64, beta: f64 },
    Fixed(f64),
}

/// How a segment's survival depends on its propensity.
#[derive(Debug, Clone, PartialEq)]
pub enum Form {
    /// The hazard is θ alone.
    Closed,
    /// Traced paths of the segment's customers.
    Paths(PathCurve),
}

/// The path-averaged survival on a θ grid, and the paths themselves (for a fixed θ).
#[derive(Debug, Clone, PartialEq)]
pub struct PathCurve {
    /// θ nodes: 0, then geometric from 1e-5 to 1.
    pub nodes: Vec<f64>,
    /// `grid[t][j]`: mean over paths of survival to period t at θ = nodes[j]; t = 0..=T.
    pub grid: Vec<Vec<f64>>,
    /// The paths, `periods` multipliers each.
    pub paths: Vec<Vec<f64>>,
}

/// Nodes of the θ grid above 0 (geometric spacing, 1.5 % apart: the linear pieces are within
/// about 2e-5 of (1 − θ)^t for every t).
const GRID_NODES: usize = 800;

impl PathCurve {
    /// The curve of `paths` up to `periods`.
    pub fn new(paths: Vec<Vec<f64>>, periods: usize) -> PathCurve {
        use rayon::prelude::*;
        let mut nodes = vec![0.0];
        let lo: f64 = 1e-5;
        for j in 0..GRID_NODES {
            nodes.push(lo * (1.0 / lo).powf(j as f64 / (GRID_NODES - 1) as f64));
        }
        let n = paths.len().max(1) as f64;
        // Per node, survival to each t summed over paths in path order (deterministic).
        let columns: Vec<Vec<f64>> = nodes
            .par_iter()
            .map(|&theta| {
                let mut col = vec![0.0; periods + 1];
                for p in &paths {
                    let mut s = 1.0;
                    col[0] += 1.0;
                    for (t, &m) in p.iter().take(periods).enumerate() {
                        s *= 1.0 - (theta * m).min(1.0);
                        col[t + 1] += s;
                    }
                }
                col.iter().map(|v| v / n).collect()
            })
            .collect();
        let grid = (0..=periods)
            .map(|t| columns.iter().map(|c| c[t]).collect())
            .collect();
        PathCurve { nodes, grid, paths }
    }
}

/// Survival S(0..=periods) of a segment with propensity `p`; `None` when the parameters are
/// out of range (the optimiser then steps back).
pub fn curve(form: &Form, p: Prop, periods: usize) -> Option<Vec<f64>> {
    match (form, p) {
        (_, Prop::Beta { alpha, beta })
            if !(alpha > 0.0 && beta > 0.0 && alpha.is_finite() && beta.is_finite()) =>
        {
            None
        }
        (_, Prop::Fixed(t)) if !(0.0..=1.0).contains(&t) => None,
        (Form::Closed, Prop::Beta { alpha, beta }) => {
            // S(t) = B(α, β + t)/B(α, β) = S(t − 1)·(β + t − 1)/(α + β + t − 1).
            let mut s = vec![1.0; periods + 1];
            for t in 1..=periods {
                let k = (t - 1) as f64;
                s[t] = s[t - 1] * (beta + k) / (alpha + beta + k);
            }
            Some(s)
        }
        (Form::Closed, Prop::Fixed(theta)) => {
            // Step by step, as the path form multiplies: both give the same bits.
            let mut s = vec![1.0; periods + 1];
            for t in 1..=periods {
                s[t] = s[t - 1] * (1.0 - theta);
            }
            Some(s)
        }
        (Form::Paths(pc), Prop::Fixed(theta)) => {
            let mut s = vec![0.0; periods + 1];
            for p in &pc.paths {
                let mut v = 1.0;
                s[0] += 1.0;
                for (t, &m) in p.iter().take(periods).enumerate() {
                    v *= 1.0 - (theta * m).min(1.0);
                    s[t + 1] += v;
                }
            }
            let n = pc.paths.len().max(1) as f64;
            Some(s.iter().map(|v| v / n).collect())
        }
        (Form::Paths(pc), Prop::Beta { alpha, beta }) => {
            let mean = alpha / (alpha + beta);
            let cdf = |a: f64, x: f64| checked_beta_reg(a, beta, x).ok();
            let mut m0 = Vec::with_capacity(pc.nodes.len());
            let mut m1 = Vec::with_capacity(pc.nodes.len());
            for &x in &pc.nodes {
                m0.push(cdf(alpha, x)?);
                m1.push(cdf(alpha + 1.0, x)?);
            }
            // Cell k = [nodes[k], nodes[k+1]]: mass w0, first moment w1.
            let cells: Vec<(f64, f64, f64, f64)> = (0..pc.nodes.len() - 1)
                .map(|k| {
                    let (a, b) = (pc.nodes[k], pc.nodes[k + 1]);
                    (a, b, m0[k + 1] - m0[k], mean * (m1[k + 1] - m1[k]))
                })
                .collect();
            let s = pc
                .grid
                .iter()
                .take(periods + 1)
                .map(|g| {
                    cells
                        .iter()
                        .enumerate()
                        .map(|(k, &(a, b, w0, w1))| {
                            g[k] * w0 + (g[k + 1] - g[k]) * (w1 - a * w0) / (b - a)
                        })
                        .sum::<f64>()
                        .clamp(0.0, 1.0)
                })
                .collect();
            Some(s)
        }
    }
}

/// The log-likelihood of one cohort under survival `s`: the churners of each observed interval
/// and the survivors at the last observation (right-censored). −∞ when a count has no chance.
pub fn cohort_log_lik(c: &Cohort, s: &[f64]) -> f64 {
    let mut ll = 0.0;
    for w in c.observed.windows(2) {
        let ((p0, a0), (p1, a1)) = (w[0], w[1]);
        let lost = (a0 - a1) as f64;
        if lost > 0.0 {
            let q = s[p0 as usize] - s[p1 as usize];
            if q <= 0.0 {
                return f64::NEG_INFINITY;
            }
            ll += lost * q.ln();
        }
    }
    let (pk, ak) = c.observed.last().copied().unwrap_or((0, 0));
    if ak > 0 {
        let q = s[pk as usize];
        if q <= 0.0 {
            return f64::NEG_INFINITY;
        }
        ll += ak as f64 * q.ln();
    }
    ll
}

/// Pearson's χ² cells of one cohort: (observed, expected) for each interval's churners and the
/// survivors.
pub fn cohort_cells(c: &Cohort, s: &[f64]) -> Vec<(f64, f64)> {
    let n = c.size() as f64;
    let mut cells: Vec<(f64, f64)> = c
        .observed
        .windows(2)
        .map(|w| {
            let ((p0, a0), (p1, a1)) = (w[0], w[1]);
            ((a0 - a1) as f64, n * (s[p0 as usize] - s[p1 as usize]))
        })
        .collect();
    let (pk, ak) = c.observed.last().copied().unwrap_or((0, 0));
    cells.push((ak as f64, n * s[pk as usize]));
    cells
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_grid_curve_matches_the_closed_form_when_every_multiplier_is_one() {
        let periods = 24;
        let paths = vec![vec![1.0; periods]; 3];
        let pc = Form::Paths(PathCurve::new(paths, periods));
        for (alpha, beta) in [(0.668, 3.806), (0.704, 1.182), (5.0, 40.0), (0.3, 0.2)] {
            let p = Prop::Beta { alpha, beta };
            let exact = curve(&Form::Closed, p, periods).unwrap_or_default();
            let grid = curve(&pc, p, periods).unwrap_or_default();
            for t in 0..=periods {
                assert!(
                    (exact[t] - grid[t]).abs() < 5e-5,
                    "α {alpha} β {beta} t {t}: {} vs {}",
                    exact[t],
                    grid[t]
                );
            }
        }
        let f = Prop::Fixed(0.07);
        let (a, b) = (curve(&Form::Closed, f, 5), curve(&pc, f, 5));
        let (a, b) = (a.unwrap_or_default(), b.unwrap_or_default());
        assert_eq!(a.len(), 6);
        assert!(
            a.iter().zip(&b).all(|(x, y)| (x - y).abs() < 1e-15),
            "{a:?} {b:?}"
        );
    }
}
