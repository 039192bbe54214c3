//! Engine benchmarks, reported in customer-periods per second (criterion `Throughput::Elements`).
//!
//! Run: `cargo bench --bench engine` (or `-- throughput` for one group). The workload is
//! benchmark-triad at 10⁶ customers; the smaller sizes check that throughput is flat in N.

use std::hint::black_box;
use std::path::Path;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use cxsim::engine::{Engine, RunSpec};
use cxsim::format::parse::to_canonical_ron;
use cxsim::model::Model;
use cxsim::model::load::load_str;
use rand::SeedableRng;

fn reference() -> Model {
    let text = include_str!("../scenarios/benchmark-triad.ron");
    match load_str(Path::new("benchmark-triad.ron"), text) {
        Ok(m) => m,
        Err(e) => panic!("the reference scenario must load: {e}"),
    }
}

fn customer_periods(engine: &Engine) -> u64 {
    engine
        .run(None, &|_, _| {})
        .map_or(0, |a| a.customer_periods())
}

fn throughput(c: &mut Criterion) {
    let model = reference();
    let mut group = c.benchmark_group("throughput");
    group.sample_size(10);
    for &threads in &[1usize, 2] {
        let pool = match rayon::ThreadPoolBuilder::new().num_threads(threads).build() {
            Ok(p) => p,
            Err(e) => panic!("thread pool: {e}"),
        };
        for &n in &[10_000u64, 100_000, 1_000_000] {
            let engine = Engine::new(&model, RunSpec::all_strategies(&model, n, 1));
            let cp = pool.install(|| customer_periods(&engine));
            group.throughput(Throughput::Elements(cp));
            group.bench_with_input(
                BenchmarkId::new(format!("benchmark-triad/{threads}t"), n),
                &engine,
                |b, engine| b.iter(|| pool.install(|| black_box(engine.run(None, &|_, _| {})))),
            );
        }
    }
    group.finish();
}

/// The other shipped scenarios (organisation, advocacy, accounts, several strategies) at 10⁵
/// customers on 1 thread: the kernels other than the reference model's path.
fn scenarios(c: &mut Criterion) {
    let mut group = c.benchmark_group("scenarios");
    group.sample_size(10);
    let pool = match rayon::ThreadPoolBuilder::new().num_threads(1).build() {
        Ok(p) => p,
        Err(e) => panic!("thread pool: {e}"),
    };
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .map(|d| d.filter_map(Result::ok).map(|e| e.path()).collect())
        .unwrap_or_default();
    files.retain(|p| {
        p.extension().is_some_and(|e| e == "ron") && !p.to_string_lossy().ends_with(".expect.ron")
    });
    files.sort();
    for path in files {
        let Ok(model) = cxsim::model::load::load_file(&path) else {
            panic!("shipped scenario {} must load", path.display());
        };
        let engine = Engine::new(&model, RunSpec::all_strategies(&model, 100_000, 1));
        let cp = pool.install(|| customer_periods(&engine));
        group.throughput(Throughput::Elements(cp));
        let name = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        group.bench_with_input(BenchmarkId::new(name, 100_000), &engine, |b, engine| {
            b.iter(|| pool.install(|| black_box(engine.run(None, &|_, _| {}))))
        });
    }
    group.finish();
}

/// The churn decision per period: the kernel's (θ's bound first, then a quadratic bound, then
/// a bracketed fast exp) against `θ·exp(−x)` every period, as a straightforward port does.
/// θ ~ Beta(0.7, 3) and x = w·s in [0.5, 3], as in the reference model.
fn churn_decision(c: &mut Criterion) {
    use cxsim::engine::hazard::{ChurnRisk, exact_threshold};
    let sampler = cxsim::engine::beta::BetaSampler::new(0.7, 3.0);
    let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(11);
    let cases: Vec<(u64, f64, f64)> = (0..4096)
        .map(|_| {
            let theta = sampler.sample(&mut rng);
            let u = rand::Rng::next_u64(&mut rng);
            let x = 0.5 + (u & 0xffff_ffff) as f64 / 4_294_967_296.0 * 2.5;
            (u >> 32, theta, x)
        })
        .collect();
    let mut group = c.benchmark_group("churn-decision");
    group.throughput(Throughput::Elements(cases.len() as u64));
    group.bench_function("kernel", |b| {
        b.iter(|| {
            cases
                .iter()
                .filter(|&&(d, t, x)| ChurnRisk::new(t).churns(black_box(d), || x))
                .count()
        })
    });
    group.bench_function("exp-every-period", |b| {
        b.iter(|| {
            cases
                .iter()
                .filter(|&&(d, t, x)| (black_box(d) as f64) < exact_threshold(t, x))
                .count()
        })
    });
    group.finish();
}

/// The TUI's preview: 20,000 customers on every edit, including compilation.
fn preview(c: &mut Criterion) {
    let model = reference();
    c.bench_function("preview-20k/compile+run", |b| {
        b.iter(|| {
            let engine = Engine::new(&model, RunSpec::all_strategies(&model, 20_000, 1));
            black_box(engine.run(None, &|_, _| {}))
        })
    });
}

/// A large journey: 200 touchpoints across the three stages, with follow-on chains.
fn large_scenario_text() -> String {
    let model = reference();
    let mut s = model.scenario.clone();
    let template = s.touchpoints.clone();
    s.touchpoints.clear();
    for i in 0..200 {
        let mut tp = template[i % template.len()].clone();
        tp.id = format!("tp{i}");
        tp.name = format!("Touchpoint {i}");
        if let cxsim::format::Trigger::After { touchpoint, .. } = &mut tp.trigger {
            *touchpoint = format!("tp{}", i.saturating_sub(1));
        }
        s.touchpoints.push(tp);
    }
    to_canonical_ron(&s)
}

fn compile_and_validate(c: &mut Criterion) {
    let text = large_scenario_text();
    c.bench_function("load+validate/200-touchpoints", |b| {
        b.iter(|| black_box(load_str(Path::new("large.ron"), black_box(&text)).is_ok()))
    });
    if let Ok(model) = load_str(Path::new("large.ron"), &text) {
        c.bench_function("compile/200-touchpoints", |b| {
            b.iter(|| black_box(Engine::new(&model, RunSpec::all_strategies(&model, 1, 1))))
        });
    }
}

fn beta_sampler(c: &mut Criterion) {
    let sampler = cxsim::engine::beta::BetaSampler::new(0.7, 3.0);
    let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(7);
    let mut group = c.benchmark_group("draws");
    group.throughput(Throughput::Elements(1));
    group.bench_function("beta(0.7,3.0)", |b| {
        b.iter(|| black_box(sampler.sample(&mut rng)))
    });
    let mut crng = cxsim::engine::rng::CustomerRng::new(1, 2);
    group.bench_function("next32", |b| b.iter(|| black_box(crng.next32())));
    group.bench_function("customer-stream-seed", |b| {
        let mut i = 0u64;
        b.iter(|| {
            i += 1;
            black_box(cxsim::engine::rng::CustomerRng::new(1, i))
        })
    });
    group.finish();
}

criterion_group!(
    benches,
    throughput,
    preview,
    compile_and_validate,
    beta_sampler,
    scenarios,
    churn_decision
);
criterion_main!(benches);
