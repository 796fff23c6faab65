#![allow(clippy::unwrap_used)]
//! logpdf, value_and_grad, Hessian and the 10,201-point grid on the seed model, published
//! ATLAS workspaces and synthetic models of growing size.
//!
//! `cargo bench -p histfactory --bench likelihood`

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use histfactory::likelihood::TwiceNll;
use histfactory::model::{Model, ModelBuilder};
use histfactory::optim::Objective;
use histfactory::spec::Workspace;
use std::hint::black_box;
use std::path::PathBuf;

fn fixture(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures")
        .join(rel)
}

/// (name, model) for every benchmarked workspace.
pub fn models() -> Vec<(&'static str, Model)> {
    let list = [
        ("seed", "reference/workspaces/seed_model.json"),
        (
            "sbottom_A",
            "reference/workspaces/sbottom_RegionA_sbottom_1300_850_60.json",
        ),
        ("1Lbb", "reference/workspaces/1Lbb_C1N2_Wh_hbb_700_400.json"),
        ("synth_30", "synth/synth_30.json"),
        ("synth_200", "synth/synth_200.json"),
        ("synth_600", "synth/synth_600.json.gz"),
    ];
    list.iter()
        .map(|(name, path)| {
            let ws = Workspace::from_path(&fixture(path)).expect("workspace");
            (*name, ModelBuilder::new(&ws).build().expect("model"))
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    for (name, model) in models() {
        let data = model.observed_data().expect("data");
        let pars = model.suggested_init();
        let n = model.n_pars();
        let mut obj = TwiceNll::new(&model, &data).expect("objective");
        let mut grad = vec![0.0; n];
        let mut g = c.benchmark_group(format!("{name} ({n} pars)"));
        g.bench_function("logpdf", |b| {
            b.iter(|| black_box(obj.value(black_box(&pars))))
        });
        g.bench_function("value_and_grad", |b| {
            b.iter(|| black_box(obj.value_and_grad(black_box(&pars), &mut grad)))
        });
        let mut hess = vec![0.0; n * n];
        g.sample_size(10);
        g.bench_function("hessian", |b| {
            b.iter(|| obj.hessian(black_box(&pars), &mut hess))
        });
        let poi = model.poi_index().unwrap_or(0);
        let other = if poi == 0 { 1.min(n - 1) } else { 0 };
        let axis: Vec<f64> = (0..101).map(|i| 0.5 + i as f64 * 0.01).collect();
        g.bench_with_input(
            BenchmarkId::new("grid_101x101_value_and_grad", n),
            &axis,
            |b, axis| {
                b.iter(|| {
                    model
                        .grid_2d(&data, &pars, poi, other, axis, axis)
                        .expect("grid")
                })
            },
        );
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
