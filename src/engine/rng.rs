//! Random streams. Every customer has its own stream derived from (seed, customer index) only,
//! so results do not depend on threads or work units, and every strategy sees the same customer
//! with the same luck (common random numbers).

use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

/// SplitMix64 finaliser: a bijective 64-bit mixer with full avalanche.
#[inline]
pub fn mix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The seed of customer `index` under master seed `seed`.
#[inline]
pub fn customer_seed(seed: u64, index: u64) -> u64 {
    mix64(mix64(seed) ^ index)
}

/// 2^32 as f64: 32-bit draws are compared against probabilities scaled by this.
pub const SCALE32: f64 = 4_294_967_296.0;

/// The 32-bit threshold of probability p: a 32-bit draw `d` is a success iff `d < threshold(p)`,
/// which happens with probability round(p·2^32)/2^32, within 1.2e-10 of p, and exactly for
/// p = 0 and p = 1 (no special cases needed in the kernel).
#[inline]
pub fn threshold(p: f64) -> u64 {
    (p.clamp(0.0, 1.0) * SCALE32).round() as u64
}

/// A customer's stream: Xoshiro256++ (fast, 256-bit state, passes BigCrush), seeded through
/// SplitMix64 as its authors recommend.
#[derive(Debug, Clone)]
pub struct CustomerRng {
    rng: Xoshiro256PlusPlus,
}

impl CustomerRng {
    #[inline]
    pub fn new(seed: u64, index: u64) -> CustomerRng {
        CustomerRng {
            rng: Xoshiro256PlusPlus::seed_from_u64(customer_seed(seed, index)),
        }
    }

    /// A stream from a 64-bit seed (sub-streams, e.g. an account's contacts).
    #[inline]
    pub fn from_seed(seed: u64) -> CustomerRng {
        CustomerRng {
            rng: Xoshiro256PlusPlus::seed_from_u64(seed),
        }
    }

    /// A uniform 32-bit draw: the high half of one output. Serving both halves of an output
    /// would save a generator step but needs an "is there a spare?" branch that the CPU
    /// mispredicts about once per customer-period, which costs more than the step.
    #[inline(always)]
    pub fn next32(&mut self) -> u64 {
        self.rng.next_u64() >> 32
    }

    /// True with probability threshold/2^32 (see [`threshold`]).
    #[inline(always)]
    pub fn hit(&mut self, threshold: u64) -> bool {
        self.next32() < threshold
    }

    /// Uniform in [0, 1) with 53 random bits.
    #[inline(always)]
    pub fn uniform(&mut self) -> f64 {
        (self.rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// True with probability p; draws nothing when the outcome is certain.
    #[inline(always)]
    pub fn chance(&mut self, p: f64) -> bool {
        if p >= 1.0 {
            true
        } else if p <= 0.0 {
            false
        } else {
            self.uniform() < p
        }
    }

    pub fn inner(&mut self) -> &mut Xoshiro256PlusPlus {
        &mut self.rng
    }
}
