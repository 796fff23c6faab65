#![allow(clippy::unwrap_used)]
//! Inference timings: hypotest (asymptotics), an upper limit (TOMS 748) and toys on the
//! seed model, sbottom and 1Lbb.
//!
//! `cargo bench -p histfactory --bench inference` (toys: 1,000 and 10,000 on the seed
//! model; the large workspaces use fewer samples and fewer toys).

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use histfactory::infer::{
    hypotest, upper_limit, CalcType, HypotestOptions, ToyOptions, UpperLimitOptions,
};
use histfactory::model::{Model, ModelBuilder};
use histfactory::spec::Workspace;
use std::hint::black_box;
use std::path::PathBuf;
use std::time::Duration;

fn load(rel: &str) -> (Model, Vec<f64>) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures")
        .join(rel);
    let ws = Workspace::from_path(&path).unwrap();
    let model = ModelBuilder::new(&ws).build().unwrap();
    let data = model.observed_data().unwrap();
    (model, data)
}

fn models() -> Vec<(&'static str, Model, Vec<f64>)> {
    [
        ("seed", "reference/workspaces/seed_model.json"),
        (
            "sbottom_A",
            "reference/workspaces/sbottom_RegionA_sbottom_1300_850_60.json",
        ),
        ("1Lbb", "reference/workspaces/1Lbb_C1N2_Wh_hbb_700_400.json"),
    ]
    .into_iter()
    .map(|(name, path)| {
        let (m, d) = load(path);
        (name, m, d)
    })
    .collect()
}

fn toys(ntoys: usize) -> HypotestOptions {
    HypotestOptions {
        calculator: CalcType::Toys(ToyOptions {
            ntoys,
            seed: 1,
            ..Default::default()
        }),
        ..Default::default()
    }
}

fn bench(c: &mut Criterion) {
    let models = models();
    let mut g = c.benchmark_group("hypotest");
    g.sample_size(10).measurement_time(Duration::from_secs(3));
    for (name, model, data) in &models {
        g.bench_with_input(BenchmarkId::from_parameter(name), name, |b, _| {
            b.iter(|| black_box(hypotest(model, data, 1.0, &HypotestOptions::default()).unwrap()))
        });
    }
    g.finish();

    let mut g = c.benchmark_group("upper_limit");
    g.sample_size(10).measurement_time(Duration::from_secs(5));
    for (name, model, data) in &models {
        g.bench_with_input(BenchmarkId::from_parameter(name), name, |b, _| {
            b.iter(|| black_box(upper_limit(model, data, &UpperLimitOptions::default()).unwrap()))
        });
    }
    g.finish();

    let mut g = c.benchmark_group("toys");
    g.sample_size(10).measurement_time(Duration::from_secs(5));
    for (name, model, data) in &models {
        let counts: &[usize] = if *name == "seed" {
            &[1000, 10_000]
        } else {
            &[100]
        };
        for &n in counts {
            let opts = toys(n);
            g.bench_with_input(BenchmarkId::new(*name, n), &n, |b, _| {
                b.iter(|| black_box(hypotest(model, data, 1.0, &opts).unwrap()))
            });
        }
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
