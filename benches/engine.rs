//! Engine benchmarks, reported in customer-periods per second (criterion `Throughput::Elements`).
//!
//! Run: `cargo bench --bench engine` (or `-- throughput` for one group). The workload is
//! benchmark-triad at 10⁶ customers; the smaller sizes check that throughput is flat in N.

use std::hint::black_box;
use std::path::Path;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use cxsim::engine::{Engine, RunSpec};
use cxsim::load::{load_str, to_canonical_ron};
use cxsim::model::Model;
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
        if let cxsim::scenario::Trigger::After { touchpoint, .. } = &mut tp.trigger {
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
    beta_sampler
);
criterion_main!(benches);
