//! Random streams. Every customer has its own stream derived from (seed, customer index) only,
//! so results do not depend on threads or work units, and every strategy sees the same customer
//! with the same luck (common random numbers).

use std::convert::Infallible;

use rand::{SeedableRng, TryRng};
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
///
/// The generator step is written out here (the same output as rand_xoshiro's
/// `Xoshiro256PlusPlus`, tested below) with the state in four plain words, so that in the
/// kernel's loop it stays in registers instead of being stored back on every draw.
#[derive(Debug, Clone)]
pub struct CustomerRng {
    s0: u64,
    s1: u64,
    s2: u64,
    s3: u64,
}

impl CustomerRng {
    #[inline]
    pub fn new(seed: u64, index: u64) -> CustomerRng {
        CustomerRng::from_seed(customer_seed(seed, index))
    }

    /// A stream from a 64-bit seed (sub-streams, e.g. an account's contacts).
    #[inline]
    pub fn from_seed(seed: u64) -> CustomerRng {
        // rand_xoshiro's own seeding (SplitMix64), so streams are exactly its streams.
        let b = Xoshiro256PlusPlus::seed_from_u64(seed).state();
        let word = |i: usize| {
            let mut w = [0u8; 8];
            w.copy_from_slice(&b[8 * i..8 * i + 8]);
            u64::from_le_bytes(w)
        };
        CustomerRng {
            s0: word(0),
            s1: word(1),
            s2: word(2),
            s3: word(3),
        }
    }

    /// One Xoshiro256++ step.
    #[inline(always)]
    pub fn next_u64(&mut self) -> u64 {
        let out = self
            .s0
            .wrapping_add(self.s3)
            .rotate_left(23)
            .wrapping_add(self.s0);
        let t = self.s1 << 17;
        self.s2 ^= self.s0;
        self.s3 ^= self.s1;
        self.s1 ^= self.s2;
        self.s0 ^= self.s3;
        self.s2 ^= t;
        self.s3 = self.s3.rotate_left(45);
        out
    }

    /// A uniform 32-bit draw: the high half of one output. Serving both halves of an output
    /// would save a generator step but needs an "is there a spare?" branch that the CPU
    /// mispredicts about once per customer-period, which costs more than the step.
    #[inline(always)]
    pub fn next32(&mut self) -> u64 {
        self.next_u64() >> 32
    }

    /// True with probability threshold/2^32 (see [`threshold`]).
    #[inline(always)]
    pub fn hit(&mut self, threshold: u64) -> bool {
        self.next32() < threshold
    }

    /// Uniform in [0, 1) with 53 random bits.
    #[inline(always)]
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
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
}

/// So generic samplers (the Beta draw) take the customer's stream directly.
impl TryRng for CustomerRng {
    type Error = Infallible;

    #[inline(always)]
    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        Ok((self.next_u64() >> 32) as u32)
    }

    #[inline(always)]
    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        Ok(self.next_u64())
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        rand::rand_core::utils::fill_bytes_via_next_word(dst, || Ok(self.next_u64()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    #[test]
    fn the_stream_is_rand_xoshiros_xoshiro256plusplus() {
        for seed in [0u64, 1, 2, 42, u64::MAX, 0x9E37_79B9_7F4A_7C15] {
            for index in [0u64, 1, 7, 4095, 1 << 40] {
                let mut ours = CustomerRng::new(seed, index);
                let mut theirs = Xoshiro256PlusPlus::seed_from_u64(customer_seed(seed, index));
                for _ in 0..1000 {
                    assert_eq!(ours.next_u64(), theirs.next_u64());
                }
                // Through the trait, as the Beta sampler draws.
                assert_eq!(Rng::next_u64(&mut ours), theirs.next_u64());
                assert_eq!(Rng::next_u32(&mut ours), theirs.next_u32());
                let (mut a, mut b) = ([0u8; 13], [0u8; 13]);
                ours.fill_bytes(&mut a);
                theirs.fill_bytes(&mut b);
                assert_eq!(a, b);
                assert_eq!(ours.next_u64(), theirs.next_u64());
            }
        }
    }
}
