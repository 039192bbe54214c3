//! Maximising a log-likelihood over unconstrained coordinates, and what the fit needs around
//! the maximum: profile-likelihood intervals and the observed information (for correlations
//! and bands). Nelder–Mead and Brent's root finder come from argmin; the likelihoods here are
//! smooth, low-dimensional and cheap, which is what Nelder–Mead is good at.

use argmin::core::{CostFunction, Error, Executor};
use argmin::solver::brent::BrentRoot;
use argmin::solver::neldermead::NelderMead;

/// χ²(1) 0.95 quantile: a profile-likelihood 95 % interval is where 2·(ℓ̂ − ℓ) ≤ this.
pub const CHI2_1_95: f64 = 3.841_458_820_694_124;

/// How far from the estimate (in the unconstrained coordinate) an interval end is searched;
/// beyond it the end is reported as unbounded (the data do not bound the parameter).
const REACH: f64 = 12.0;

struct Negated<'a> {
    f: &'a (dyn Fn(&[f64]) -> f64 + Sync),
    fixed: Option<(usize, f64)>,
}

impl Negated<'_> {
    fn full(&self, p: &[f64]) -> Vec<f64> {
        match self.fixed {
            None => p.to_vec(),
            Some((k, v)) => {
                let mut x = p.to_vec();
                x.insert(k, v);
                x
            }
        }
    }
}

impl CostFunction for Negated<'_> {
    type Param = Vec<f64>;
    type Output = f64;
    fn cost(&self, p: &Vec<f64>) -> Result<f64, Error> {
        let v = (self.f)(&self.full(p));
        // −∞ likelihoods (impossible counts) become a large finite cost so the simplex can
        // still order its points.
        Ok(if v.is_finite() { -v } else { 1e300 })
    }
}

/// Maximises `f` from `start`; `fixed` pins one coordinate (profiles). Returns the full
/// argument and the maximum.
fn maximise(
    f: &(dyn Fn(&[f64]) -> f64 + Sync),
    start: &[f64],
    fixed: Option<(usize, f64)>,
) -> (Vec<f64>, f64) {
    let problem = Negated { f, fixed };
    let free: Vec<f64> = match fixed {
        None => start.to_vec(),
        Some((k, _)) => start
            .iter()
            .enumerate()
            .filter(|&(i, _)| i != k)
            .map(|(_, &v)| v)
            .collect(),
    };
    if free.is_empty() {
        let x = problem.full(&free);
        let v = f(&x);
        return (x, v);
    }
    let mut best = free;
    // Two restarts: Nelder–Mead can stall on a ridge; restarting from its best point with a
    // fresh simplex removes that.
    for step in [0.5, 0.1, 0.02] {
        let mut simplex = vec![best.clone()];
        for i in 0..best.len() {
            let mut p = best.clone();
            p[i] += step;
            simplex.push(p);
        }
        let solver = match NelderMead::new(simplex).with_sd_tolerance(1e-12) {
            Ok(s) => s,
            Err(_) => break,
        };
        let run = Executor::new(Negated { f, fixed }, solver)
            .configure(|s| s.max_iters(4000))
            .run();
        if let Ok(r) = run
            && let Some(p) = r.state.best_param.clone()
        {
            best = p;
        }
    }
    let x = problem.full(&best);
    let v = f(&x);
    (x, v)
}

/// The maximum of `f` (an argument and the value).
pub fn fit(f: &(dyn Fn(&[f64]) -> f64 + Sync), start: &[f64]) -> (Vec<f64>, f64) {
    maximise(f, start, None)
}

/// One end of a profile-likelihood interval in the unconstrained coordinate: `None` when the
/// deviance stays below the threshold out to [`REACH`] (unbounded).
fn profile_end(
    f: &(dyn Fn(&[f64]) -> f64 + Sync),
    best: &[f64],
    max: f64,
    k: usize,
    direction: f64,
) -> Option<f64> {
    let deviance = |v: f64, warm: &[f64]| {
        let (_, m) = maximise(f, warm, Some((k, v)));
        2.0 * (max - m) - CHI2_1_95
    };
    let mut inner = best[k];
    let mut step = 0.05;
    let mut warm = best.to_vec();
    loop {
        let outer = inner + direction * step;
        if (outer - best[k]).abs() > REACH {
            return None;
        }
        let (x, m) = maximise(f, &warm, Some((k, outer)));
        if 2.0 * (max - m) >= CHI2_1_95 {
            let (lo, hi) = if direction > 0.0 {
                (inner, outer)
            } else {
                (outer, inner)
            };
            struct Root<'a> {
                d: &'a dyn Fn(f64) -> f64,
            }
            impl CostFunction for Root<'_> {
                type Param = f64;
                type Output = f64;
                fn cost(&self, v: &f64) -> Result<f64, Error> {
                    Ok((self.d)(*v))
                }
            }
            let w = warm.clone();
            let d = move |v: f64| deviance(v, &w);
            let solver = BrentRoot::new(lo, hi, 1e-7);
            let root = Executor::new(Root { d: &d }, solver)
                .configure(|s| s.param((lo + hi) / 2.0).max_iters(100))
                .run()
                .ok()
                .and_then(|r| r.state.best_param);
            return root.or(Some((lo + hi) / 2.0));
        }
        inner = outer;
        warm = x;
        step *= 2.0;
    }
}

/// The profile-likelihood 95 % interval of coordinate `k` (unconstrained scale).
pub fn profile_interval(
    f: &(dyn Fn(&[f64]) -> f64 + Sync),
    best: &[f64],
    max: f64,
    k: usize,
) -> (Option<f64>, Option<f64>) {
    (
        profile_end(f, best, max, k, -1.0),
        profile_end(f, best, max, k, 1.0),
    )
}

#[allow(clippy::needless_range_loop)] // symmetric fills read clearest by index
/// The observed information −∇²ℓ at `x` by central differences, and its inverse (the
/// asymptotic covariance) when it is positive definite.
pub fn covariance(f: &(dyn Fn(&[f64]) -> f64 + Sync), x: &[f64]) -> Option<Vec<Vec<f64>>> {
    let n = x.len();
    let h = 1e-4;
    let at = |d: &[(usize, f64)]| {
        let mut p = x.to_vec();
        for &(i, v) in d {
            p[i] += v;
        }
        f(&p)
    };
    let f0 = f(x);
    let mut info = vec![vec![0.0; n]; n];
    for i in 0..n {
        for j in i..n {
            let v = if i == j {
                -(at(&[(i, h)]) - 2.0 * f0 + at(&[(i, -h)])) / (h * h)
            } else {
                -(at(&[(i, h), (j, h)]) - at(&[(i, h), (j, -h)]) - at(&[(i, -h), (j, h)])
                    + at(&[(i, -h), (j, -h)]))
                    / (4.0 * h * h)
            };
            info[i][j] = v;
            info[j][i] = v;
        }
    }
    invert_spd(&info)
}

#[allow(clippy::needless_range_loop)] // triangular solves read clearest by index
/// The inverse of a small symmetric positive-definite matrix (Cholesky); `None` if it is not
/// positive definite (a flat or saddle-shaped likelihood).
fn invert_spd(a: &[Vec<f64>]) -> Option<Vec<Vec<f64>>> {
    let n = a.len();
    let mut l = vec![vec![0.0; n]; n];
    for i in 0..n {
        for j in 0..=i {
            let s: f64 = (0..j).map(|k| l[i][k] * l[j][k]).sum();
            if i == j {
                let d = a[i][i] - s;
                if !(d > 0.0 && d.is_finite()) {
                    return None;
                }
                l[i][j] = d.sqrt();
            } else {
                l[i][j] = (a[i][j] - s) / l[j][j];
            }
        }
    }
    // inv = (L⁻¹)ᵀ L⁻¹.
    let mut li = vec![vec![0.0; n]; n];
    for i in 0..n {
        li[i][i] = 1.0 / l[i][i];
        for j in 0..i {
            let s: f64 = (j..i).map(|k| l[i][k] * li[k][j]).sum();
            li[i][j] = -s / l[i][i];
        }
    }
    let mut inv = vec![vec![0.0; n]; n];
    for i in 0..n {
        for j in 0..n {
            inv[i][j] = (i.max(j)..n).map(|k| li[k][i] * li[k][j]).sum();
        }
    }
    Some(inv)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_normal_log_likelihood_gives_its_exact_interval_and_covariance() {
        // ℓ(μ, σ²-known) = −(μ − 2)²/(2·0.25) − (ν + 1)²/2 + 0.3·(μ − 2)(ν + 1)… kept
        // separable but correlated: covariance [[a, c], [c, b]] known exactly.
        let (a, b, c) = (0.25, 1.0, 0.3);
        let det = a * b - c * c;
        let f = move |x: &[f64]| {
            let (u, v) = (x[0] - 2.0, x[1] + 1.0);
            -0.5 * (b * u * u - 2.0 * c * u * v + a * v * v) / det
        };
        let (best, max) = fit(&f, &[0.0, 0.0]);
        assert!(
            (best[0] - 2.0).abs() < 1e-5 && (best[1] + 1.0).abs() < 1e-5,
            "{best:?}"
        );
        let cov = covariance(&f, &best).unwrap_or_default();
        assert!(
            (cov[0][0] - a).abs() < 1e-4 && (cov[0][1] - c).abs() < 1e-4,
            "{cov:?}"
        );
        let (lo, hi) = profile_interval(&f, &best, max, 0);
        let half = CHI2_1_95.sqrt() * a.sqrt();
        assert!(
            (lo.unwrap_or(f64::NAN) - (2.0 - half)).abs() < 1e-4,
            "{lo:?}"
        );
        assert!(
            (hi.unwrap_or(f64::NAN) - (2.0 + half)).abs() < 1e-4,
            "{hi:?}"
        );
        // A flat direction: unbounded and no covariance.
        let flat = |x: &[f64]| -(x[0] - 1.0).powi(2);
        let (b2, m2) = fit(&flat, &[0.0, 0.0]);
        assert_eq!(profile_interval(&flat, &b2, m2, 1), (None, None));
        assert!(covariance(&flat, &b2).is_none());
    }
}
