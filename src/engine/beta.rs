//! Sampling a customer's churn propensity θ ~ Beta(α, β).
//!
//! Cheng's (1978) exact rejection algorithms BB (both parameters > 1) and BC (otherwise), the
//! ones rand_distr uses, written out here with the pure-Rust `libm` for ln and exp: rand_distr
//! goes through the platform's libm, whose last bits may differ between libc versions and CPU
//! code paths (glibc picks an FMA or a non-FMA exp at run time), and the same seed must give
//! the same bytes on every machine. Checked against the exact moments and CDF in tests/suite/beta.rs.

use rand::Rng;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Algorithm {
    /// min(α, β) > 1.
    BB { alpha: f64, beta: f64, gamma: f64 },
    /// min(α, β) ≤ 1.
    BC {
        alpha: f64,
        beta: f64,
        kappa1: f64,
        kappa2: f64,
    },
    /// Parameters that are not both positive and finite (validation refuses them): the
    /// sampler degrades to the mean rather than panicking or looping.
    Constant(f64),
}

/// Beta(α, β) sampler.
#[derive(Debug, Clone, PartialEq)]
pub struct BetaSampler {
    /// Cheng's a ≤ b after the swap below.
    a: f64,
    b: f64,
    /// The draw is b/(b+w) instead of w/(b+w).
    switched: bool,
    algorithm: Algorithm,
    /// α/(α+β), returned if extreme parameters make the arithmetic produce NaN.
    mean: f64,
}

const LN_4: f64 = std::f64::consts::LN_2 * 2.0;
/// ln 5 (to the last bit of f64).
const LN_5: f64 = 1.609_437_912_434_100_4;

/// Uniform in the open interval (0, 1): 52 random bits plus half a step.
#[inline]
fn open01<R: Rng + ?Sized>(rng: &mut R) -> f64 {
    ((rng.next_u64() >> 12) as f64 + 0.5) * (1.0 / (1u64 << 52) as f64)
}

impl BetaSampler {
    pub fn new(alpha: f64, beta: f64) -> BetaSampler {
        let valid = |x: f64| x > 0.0 && x.is_finite();
        if !(valid(alpha) && valid(beta)) {
            let mean = alpha / (alpha + beta);
            let mean = if mean.is_finite() {
                mean.clamp(0.0, 1.0)
            } else {
                0.5
            };
            return BetaSampler {
                a: 1.0,
                b: 1.0,
                switched: false,
                algorithm: Algorithm::Constant(mean),
                mean,
            };
        }
        let mean = alpha / (alpha + beta);
        let (a, b, switched) = if alpha < beta {
            (alpha, beta, false)
        } else {
            (beta, alpha, true)
        };
        if a > 1.0 {
            let sum = a + b;
            let beta = ((sum - 2.0) / (2.0 * a * b - sum)).sqrt();
            BetaSampler {
                a,
                b,
                switched,
                algorithm: Algorithm::BB {
                    alpha: sum,
                    beta,
                    gamma: a + 1.0 / beta,
                },
                mean,
            }
        } else {
            // BC works with a ≥ b.
            let (a, b, switched) = (b, a, !switched);
            let beta = 1.0 / b;
            let delta = 1.0 + a - b;
            BetaSampler {
                a,
                b,
                switched,
                algorithm: Algorithm::BC {
                    alpha: a + b,
                    beta,
                    kappa1: delta * (1.0 / 72.0 + 3.0 / 72.0 * b) / (a * beta - 14.0 / 18.0),
                    kappa2: 0.25 + (0.5 + 0.25 / delta) * b,
                },
                mean,
            }
        }
    }

    #[inline]
    #[allow(clippy::neg_cmp_op_on_partial_ord)] // NaN must leave the loop; see below
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        let (a, b) = (self.a, self.b);
        let w = match self.algorithm {
            Algorithm::Constant(mean) => return mean,
            Algorithm::BB { alpha, beta, gamma } => loop {
                let u1 = open01(rng);
                let u2 = open01(rng);
                let v = beta * libm::log(u1 / (1.0 - u1));
                let w = a * libm::exp(v);
                let z = u1 * u1 * u2;
                let r = gamma * v - LN_4;
                let s = a + r - w;
                if s + 1.0 + LN_5 >= 5.0 * z {
                    break w;
                }
                let t = libm::log(z);
                // `!(x < t)` rather than `x >= t`: a NaN (from extreme parameters) must end
                // the loop, as in Cheng's and rand_distr's formulation, never spin forever.
                if s >= t || !(r + alpha * libm::log(alpha / (b + w)) < t) {
                    break w;
                }
            },
            Algorithm::BC {
                alpha,
                beta,
                kappa1,
                kappa2,
            } => loop {
                let u1 = open01(rng);
                let u2 = open01(rng);
                let z;
                if u1 < 0.5 {
                    let y = u1 * u2;
                    z = u1 * y;
                    if 0.25 * u2 + z - y >= kappa1 {
                        continue;
                    }
                } else {
                    z = u1 * u1 * u2;
                    if z <= 0.25 {
                        let v = beta * libm::log(u1 / (1.0 - u1));
                        break a * libm::exp(v);
                    }
                    if z >= kappa2 {
                        continue;
                    }
                }
                let v = beta * libm::log(u1 / (1.0 - u1));
                let w = a * libm::exp(v);
                if !(alpha * (libm::log(alpha / (b + w)) + v) - LN_4 < libm::log(z)) {
                    break w;
                }
            },
        };
        let x = if self.switched {
            b / (b + w)
        } else if w == f64::INFINITY {
            1.0
        } else {
            w / (b + w)
        };
        if x.is_nan() { self.mean } else { x }
    }
}
