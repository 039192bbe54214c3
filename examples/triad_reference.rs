//! A machine calibration, not part of cxsim: a straightforward single-purpose Rust port of
//! `scenarios/benchmark-triad.ron`, written the obvious way (rand's Xoshiro256++ and f64
//! draws, rand_distr's Beta, `exp` every period, a survival and revenue curve).
//!
//! The performance issue quotes "a straightforward Rust port" at about 64 M customer-periods/s
//! on its reference machine. Machines here differ by 2× and more, so the README compares
//! cxsim with this port on the same machine, in the same sitting, as a ratio.
//!
//! Run: `cargo run --release --example triad_reference -- [customers] [threads]`

use std::time::Instant;

use rand::{RngExt, SeedableRng};
use rand_distr::{Beta, Distribution};
use rand_xoshiro::Xoshiro256PlusPlus;
use rayon::prelude::*;

const HORIZON: usize = 36;
const UNIT: u64 = 4096;

#[derive(Clone)]
struct Sums {
    alive: [u64; HORIZON + 1],
    revenue: [f64; HORIZON + 1],
    periods: u64,
    value: f64,
    value_sq: f64,
}

impl Sums {
    fn new() -> Sums {
        Sums {
            alive: [0; HORIZON + 1],
            revenue: [0.0; HORIZON + 1],
            periods: 0,
            value: 0.0,
            value_sq: 0.0,
        }
    }

    fn merge(mut self, o: Sums) -> Sums {
        for t in 0..=HORIZON {
            self.alive[t] += o.alive[t];
            self.revenue[t] += o.revenue[t];
        }
        self.periods += o.periods;
        self.value += o.value;
        self.value_sq += o.value_sq;
        self
    }
}

fn up(s: f64, f: f64) -> f64 {
    s + f * (1.0 - s)
}

fn down(s: f64, f: f64) -> f64 {
    s - f * s
}

fn unit(u: u64, customers: u64, beta: &Beta<f64>) -> Sums {
    let mut sums = Sums::new();
    for idx in u * UNIT..((u + 1) * UNIT).min(customers) {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(idx ^ 0x5EED);
        let theta = beta.sample(&mut rng);
        let (mut sat, mut ple, mut loy) = (0.5, 0.5, 0.2);
        let mut value = 0.0;
        for t in 1..=HORIZON {
            sums.periods += 1;
            // Delivery (purchase); a failure opens an incident for complaint handling.
            if rng.random::<f64>() < 0.92 {
                sat = up(sat, 0.10);
            } else {
                sat = down(sat, 0.30);
                if rng.random::<f64>() < 0.70 {
                    ple = up(ple, 0.20);
                } else {
                    ple = down(ple, 0.40);
                    if rng.random::<f64>() < 0.5 {
                        value -= 120.0;
                    }
                }
            }
            // Relationship check-in.
            if rng.random::<f64>() < 0.30 {
                loy = up(loy, 0.15);
            } else {
                loy = down(loy, 0.02);
            }
            let hazard = theta * (-(sat + 0.8 * ple + 1.5 * loy)).exp();
            if rng.random::<f64>() < hazard {
                break;
            }
            let r = 50.0 + 25.0 * loy;
            value += r;
            sums.alive[t] += 1;
            sums.revenue[t] += r;
        }
        sums.value += value;
        sums.value_sq += value * value;
    }
    sums
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let customers: u64 = args
        .get(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let threads: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(1);
    let Ok(beta) = Beta::new(0.7, 3.0) else {
        return;
    };
    let Ok(pool) = rayon::ThreadPoolBuilder::new().num_threads(threads).build() else {
        eprintln!("could not start {threads} threads");
        return;
    };
    let mut best = f64::INFINITY;
    let mut periods = 0;
    for _ in 0..5 {
        let t = Instant::now();
        let sums = pool.install(|| {
            (0..customers.div_ceil(UNIT))
                .into_par_iter()
                .map(|u| unit(u, customers, &beta))
                .reduce(Sums::new, Sums::merge)
        });
        best = best.min(t.elapsed().as_secs_f64());
        periods = sums.periods;
        std::hint::black_box(&sums);
    }
    println!(
        "reference port: {customers} customers, {threads} threads, {:.1} periods/customer, best of 5 {best:.4} s, {:.1} M customer-periods/s",
        periods as f64 / customers as f64,
        periods as f64 / best / 1e6
    );
}
