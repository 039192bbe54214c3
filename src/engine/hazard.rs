//! The churn decision `d < θ·e^(−x)·2^32` of a 32-bit draw `d`, decided exactly as with libm's
//! `exp` (identical bits on every machine), but mostly without calling it.
//!
//! libm's exp is correctly rounded to within 1 ulp but costs about 150 instructions and a
//! table lookup. [`exp_neg_approx`] costs about 20 and is within 1e-10 of it (tested). When the
//! draw is more than 1e-8 (relative) away from the approximate threshold, that decides; only
//! inside the band (probability about 2e-8·θ per call) does libm's exp run. So the decision —
//! and every result — is the same as computing `θ·libm::exp(−x)·2^32` each time.

use super::rng::SCALE32;

/// The relative band around the approximate threshold inside which the exact exp decides. It
/// is 100× the approximation's tested error (1e-10) plus libm's (≤ 2.3e-16).
const BAND: f64 = 1e-8;

/// e^(−x) within a relative 1e-10 for |x| ≤ 700; NaN outside (so both bounds of
/// [`below_hazard`] fail and the exact path decides).
#[inline(always)]
pub fn exp_neg_approx(x: f64) -> f64 {
    // NaN fails the range test too.
    if x.is_nan() || x.abs() > 700.0 {
        return f64::NAN;
    }
    let y = -x;
    // y = k·ln2 + r with |r| ≤ ln2/2 (+ rounding): e^y = 2^k·e^r.
    let k = (y * std::f64::consts::LOG2_E).round();
    let r = y - k * std::f64::consts::LN_2;
    // Taylor to degree 10: the remainder |r|^11/11! < 2e-13 for |r| ≤ 0.35.
    let mut p = 1.0 / 3_628_800.0;
    p = p * r + 1.0 / 362_880.0;
    p = p * r + 1.0 / 40_320.0;
    p = p * r + 1.0 / 5_040.0;
    p = p * r + 1.0 / 720.0;
    p = p * r + 1.0 / 120.0;
    p = p * r + 1.0 / 24.0;
    p = p * r + 1.0 / 6.0;
    p = p * r + 0.5;
    p = p * r + 1.0;
    p = p * r + 1.0;
    // |k| ≤ 1010: a normal power of two.
    let scale = f64::from_bits(((k as i64 + 1023) as u64) << 52);
    p * scale
}

/// The exact hazard threshold as the engine defines it: `θ·libm::exp(−x)·2^32`.
#[inline(never)]
pub fn exact_threshold(theta: f64, x: f64) -> f64 {
    theta * libm::exp(-x) * SCALE32
}

/// Whether a 32-bit draw churns at hazard `θ·e^(−x)`: the same answer as
/// `draw < exact_threshold(θ, x)`, with libm's exp only near the boundary.
#[inline(always)]
pub fn below_hazard(draw: u64, theta: f64, x: f64) -> bool {
    let d = draw as f64;
    let a = theta * exp_neg_approx(x) * SCALE32;
    if d < a * (1.0 - BAND) {
        return true;
    }
    if d >= a * (1.0 + BAND) {
        return false;
    }
    d < exact_threshold(theta, x)
}

/// A customer's churn propensity θ with the bound above which no draw can churn.
///
/// h = θ·exp(−x) with x = w·s ≥ 0, and exp(x) ≥ 1 + x + x²/2, so a draw d with
/// d·(1 + x + x²/2) ≥ θ·2^32 cannot churn, and one with d ≥ θ·2^32 cannot churn whatever x is.
/// The factor 1 + 1e-12 on the bound covers rounding, so [`ChurnRisk::churns`] decides exactly
/// as the full computation `d < θ·libm::exp(−x)·2^32` would (tested below).
#[derive(Debug, Clone, Copy)]
pub struct ChurnRisk {
    theta: f64,
    bound: f64,
}

impl ChurnRisk {
    #[inline(always)]
    pub fn new(theta: f64) -> ChurnRisk {
        ChurnRisk {
            theta,
            bound: theta * SCALE32 * (1.0 + 1e-12),
        }
    }

    /// Whether a 32-bit draw churns at hazard θ·e^(−x), for x ≥ 0. `x` is computed only when
    /// the draw is below θ's bound: with θ mostly small, most periods need neither x nor exp.
    #[inline(always)]
    pub fn churns(&self, draw: u64, x: impl FnOnce() -> f64) -> bool {
        let d = draw as f64;
        if d >= self.bound {
            return false;
        }
        let x = x();
        d * (1.0 + x + 0.5 * x * x) < self.bound && below_hazard(draw, self.theta, x)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_approximation_is_within_1e_10_of_libm() {
        let mut worst = 0.0f64;
        let mut x = -700.0;
        while x <= 700.0 {
            let e = libm::exp(-x);
            let rel = (exp_neg_approx(x) / e - 1.0).abs();
            worst = worst.max(rel);
            x += 0.000_731;
        }
        assert!(worst < 1e-10, "worst relative error {worst:e}");
        assert!(exp_neg_approx(0.0) == 1.0);
        assert!(exp_neg_approx(700.1).is_nan() && exp_neg_approx(f64::NAN).is_nan());
        assert!(exp_neg_approx(f64::INFINITY).is_nan());
    }

    #[test]
    fn decisions_match_the_exact_threshold_including_at_the_boundary() {
        let mut state = 0x1234_5678_9abc_def0u64;
        let mut next = || {
            state = super::super::rng::mix64(state);
            state
        };
        let mut checked = 0;
        for _ in 0..200_000 {
            let theta = (next() >> 11) as f64 / (1u64 << 53) as f64;
            let x = (next() >> 11) as f64 / (1u64 << 53) as f64 * 12.0;
            let t = exact_threshold(theta, x);
            let random = next() >> 32;
            // Draws on and next to the exact threshold, where only the exact path can decide.
            for d in [
                random,
                t.floor() as u64,
                t.ceil() as u64,
                t.floor() as u64 + 1,
            ] {
                let d = d.min(u32::MAX as u64);
                assert_eq!(
                    below_hazard(d, theta, x),
                    (d as f64) < t,
                    "θ={theta} x={x} d={d}"
                );
                checked += 1;
            }
        }
        assert_eq!(checked, 800_000);
        // The whole decision, bounds included, for x ≥ 0 as the kernel's x = w·s is.
        for _ in 0..200_000 {
            let theta = (next() >> 11) as f64 / (1u64 << 53) as f64;
            let x = (next() >> 11) as f64 / (1u64 << 53) as f64 * 6.0;
            let t = exact_threshold(theta, x);
            let risk = ChurnRisk::new(theta);
            for d in [next() >> 32, t.floor() as u64, t.ceil() as u64] {
                let d = d.min(u32::MAX as u64);
                assert_eq!(
                    risk.churns(d, || x),
                    (d as f64) < t,
                    "θ={theta} x={x} d={d}"
                );
            }
        }
        // Out-of-range x and extreme θ fall back to the exact path.
        for (theta, x) in [
            (1.0, 800.0),
            (1.0, -800.0),
            (0.0, 1.0),
            (1.0, 0.0),
            (1.0, f64::NAN),
        ] {
            for d in [0u64, 1, u32::MAX as u64] {
                assert_eq!(
                    below_hazard(d, theta, x),
                    (d as f64) < exact_threshold(theta, x)
                );
            }
        }
    }
}
