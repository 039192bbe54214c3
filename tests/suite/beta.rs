//! The engine's Beta(α, β) sampler (churn propensities) against the exact distribution:
//! mean, variance and a Kolmogorov–Smirnov test against the exact CDF, the regularized
//! incomplete beta function I_x(α, β), implemented here independently (Lanczos ln Γ and the
//! Numerical Recipes continued fraction `betacf`).
//!
//! Tolerances: mean and variance within 4 standard errors, with the SEs computed from the exact
//! moments (SE of the mean = σ/√n; SE of the sample variance = sqrt((μ₄ − σ⁴)/n) to first
//! order), so a wrong sampler cannot widen its own tolerance; 4σ has a 6e-5 false-alarm rate per
//! check. The KS statistic is compared with the asymptotic critical value at significance
//! 0.001, K = 1.9495 (P(sup|B| > K) = 0.001 for the Brownian bridge), i.e. D ≤ 1.9495/√n.

use cxsim::engine::beta::BetaSampler;
use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;

const N: usize = 200_000;
const K_SIGMA: f64 = 4.0;
/// Kolmogorov distribution: P(K > 1.94947) = 0.001.
const KS_CRITICAL_0_001: f64 = 1.949_47;

/// ln Γ(x) for x > 0: Lanczos approximation (g = 7, 9 terms), relative error ≈ 1e-15, with
/// the reflection formula below 0.5.
fn ln_gamma(x: f64) -> f64 {
    const G: f64 = 7.0;
    const C: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        let pi = std::f64::consts::PI;
        return (pi / (pi * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut a = C[0];
    let t = x + G + 0.5;
    for (i, &c) in C.iter().enumerate().skip(1) {
        a += c / (x + i as f64);
    }
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + a.ln()
}

/// Continued fraction for the incomplete beta function (Numerical Recipes `betacf`, modified
/// Lentz's method).
fn betacf(a: f64, b: f64, x: f64) -> f64 {
    const MAXIT: usize = 10_000;
    const EPS: f64 = 1e-15;
    const FPMIN: f64 = 1e-300;
    let qab = a + b;
    let qap = a + 1.0;
    let qam = a - 1.0;
    let mut c = 1.0;
    let mut d = 1.0 - qab * x / qap;
    if d.abs() < FPMIN {
        d = FPMIN;
    }
    d = 1.0 / d;
    let mut h = d;
    for m in 1..=MAXIT {
        let m = m as f64;
        let m2 = 2.0 * m;
        let aa = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1.0 + aa * d;
        if d.abs() < FPMIN {
            d = FPMIN;
        }
        c = 1.0 + aa / c;
        if c.abs() < FPMIN {
            c = FPMIN;
        }
        d = 1.0 / d;
        h *= d * c;
        let aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1.0 + aa * d;
        if d.abs() < FPMIN {
            d = FPMIN;
        }
        c = 1.0 + aa / c;
        if c.abs() < FPMIN {
            c = FPMIN;
        }
        d = 1.0 / d;
        let del = d * c;
        h *= del;
        if (del - 1.0).abs() < EPS {
            return h;
        }
    }
    panic!("betacf({a}, {b}, {x}) did not converge");
}

/// The regularized incomplete beta function I_x(a, b): the CDF of Beta(a, b) at x.
fn beta_cdf(a: f64, b: f64, x: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    let ln_bt = ln_gamma(a + b) - ln_gamma(a) - ln_gamma(b) + a * x.ln() + b * (-x).ln_1p();
    let bt = ln_bt.exp();
    // The continued fraction converges fast for x < (a+1)/(a+b+2); use symmetry otherwise.
    if x < (a + 1.0) / (a + b + 2.0) {
        bt * betacf(a, b, x) / a
    } else {
        1.0 - bt * betacf(b, a, 1.0 - x) / b
    }
}

/// Raw moment E[X^k] of Beta(a, b) = Π_{i<k} (a+i)/(a+b+i).
fn raw_moment(a: f64, b: f64, k: u32) -> f64 {
    (0..k)
        .map(|i| (a + f64::from(i)) / (a + b + f64::from(i)))
        .product()
}

/// The oracle itself against closed forms of special cases.
#[test]
fn incomplete_beta_matches_special_cases() {
    let close = |got: f64, want: f64, what: &str| {
        assert!((got - want).abs() < 1e-12, "{what}: {got} vs {want}");
    };
    for &x in &[1e-6, 0.01, 0.2, 0.5, 0.73, 0.99, 1.0 - 1e-9] {
        close(beta_cdf(1.0, 1.0, x), x, "uniform");
        close(beta_cdf(2.5, 1.0, x), x.powf(2.5), "Beta(a,1)");
        close(
            beta_cdf(1.0, 3.5, x),
            1.0 - (1.0 - x).powf(3.5),
            "Beta(1,b)",
        );
        // Arcsine law.
        close(
            beta_cdf(0.5, 0.5, x),
            // 2/π·asin(√x), evaluated on the well-conditioned side of 1/2.
            if x < 0.5 {
                2.0 / std::f64::consts::PI * x.sqrt().asin()
            } else {
                1.0 - 2.0 / std::f64::consts::PI * (1.0 - x).sqrt().asin()
            },
            "arcsine",
        );
        // Symmetry I_x(a, b) = 1 − I_{1−x}(b, a).
        close(
            beta_cdf(0.7, 3.0, x),
            1.0 - beta_cdf(3.0, 0.7, 1.0 - x),
            "symmetry",
        );
    }
    close(beta_cdf(4.2, 4.2, 0.5), 0.5, "symmetric median");
    // Beta(2, 2): 3x² − 2x³.
    close(
        beta_cdf(2.0, 2.0, 0.3),
        3.0 * 0.09 - 2.0 * 0.027,
        "Beta(2,2)",
    );
    // ln Γ at known points.
    close(ln_gamma(1.0), 0.0, "lnΓ(1)");
    close(ln_gamma(0.5), std::f64::consts::PI.sqrt().ln(), "lnΓ(1/2)");
    close(ln_gamma(10.0), 362_880f64.ln(), "lnΓ(10)");
}

fn check_sampler(alpha: f64, beta: f64, seed: u64) {
    let what = format!("Beta({alpha}, {beta})");
    let sampler = BetaSampler::new(alpha, beta);
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut xs: Vec<f64> = (0..N).map(|_| sampler.sample(&mut rng)).collect();
    for &x in &xs {
        assert!(
            x.is_finite() && (0.0..=1.0).contains(&x),
            "{what}: sample {x} outside 0..1"
        );
    }
    let n = N as f64;

    // Exact moments.
    let mu = alpha / (alpha + beta);
    let m2 = raw_moment(alpha, beta, 2);
    let m3 = raw_moment(alpha, beta, 3);
    let m4 = raw_moment(alpha, beta, 4);
    let var = m2 - mu * mu;
    let mu4 = m4 - 4.0 * mu * m3 + 6.0 * mu * mu * m2 - 3.0 * mu.powi(4);
    assert!((var - alpha * beta / ((alpha + beta).powi(2) * (alpha + beta + 1.0))).abs() < 1e-14);

    // Sample moments.
    let mean = xs.iter().sum::<f64>() / n;
    let s2 = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    let se_mean = (var / n).sqrt();
    let se_var = ((mu4 - var * var) / n).sqrt();
    assert!(
        (mean - mu).abs() <= K_SIGMA * se_mean,
        "{what}: mean {mean} vs {mu}: {:.2} se",
        (mean - mu) / se_mean
    );
    assert!(
        (s2 - var).abs() <= K_SIGMA * se_var,
        "{what}: variance {s2} vs {var}: {:.2} se",
        (s2 - var) / se_var
    );

    // Kolmogorov–Smirnov against the exact CDF.
    xs.sort_by(f64::total_cmp);
    let mut d = 0.0f64;
    for (i, &x) in xs.iter().enumerate() {
        let f = beta_cdf(alpha, beta, x);
        d = d.max((i + 1) as f64 / n - f).max(f - i as f64 / n);
    }
    let critical = KS_CRITICAL_0_001 / n.sqrt();
    assert!(
        d <= critical,
        "{what}: KS statistic {d} exceeds the 0.001 critical value {critical} (√n·D = {:.3})",
        d * n.sqrt()
    );
}

#[test]
fn beta_0_7_3_0() {
    check_sampler(0.7, 3.0, 1);
}

#[test]
fn beta_0_5_0_5() {
    check_sampler(0.5, 0.5, 2);
}

#[test]
fn beta_2_5() {
    check_sampler(2.0, 5.0, 3);
}

#[test]
fn beta_0_3_0_8() {
    check_sampler(0.3, 0.8, 4);
}

#[test]
fn beta_5_1_5() {
    check_sampler(5.0, 1.5, 5);
}

#[test]
fn beta_1_1_is_uniform() {
    check_sampler(1.0, 1.0, 6);
}

#[test]
fn impossible_parameters_give_a_finite_value_instead_of_a_panic_or_a_hang() {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(9);
    for (a, b) in [
        (0.0, 1.0),
        (1.0, 0.0),
        (f64::NAN, 2.0),
        (f64::INFINITY, 1.0),
        (-1.0, -1.0),
    ] {
        let x = BetaSampler::new(a, b).sample(&mut rng);
        assert!((0.0..=1.0).contains(&x), "Beta({a}, {b}) gave {x}");
    }
}
