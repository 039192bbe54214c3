//! Sampling a customer's churn propensity θ ~ Beta(α, β).

use rand::Rng;
use rand_distr::Distribution;

/// Beta(α, β) sampler. Validation guarantees α, β > 0 and finite; should construction still
/// fail, the sampler degrades to the distribution's mean rather than panicking.
#[derive(Debug, Clone)]
pub struct BetaSampler {
    inner: Option<rand_distr::Beta<f64>>,
    mean: f64,
}

impl BetaSampler {
    pub fn new(alpha: f64, beta: f64) -> BetaSampler {
        BetaSampler {
            inner: rand_distr::Beta::new(alpha, beta).ok(),
            mean: alpha / (alpha + beta),
        }
    }

    #[inline]
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        match &self.inner {
            Some(b) => b.sample(rng),
            None => self.mean,
        }
    }
}
