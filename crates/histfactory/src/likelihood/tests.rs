//! Gradient checked three ways on random synthetic models covering every modifier and
//! interpolation code: the hand-written reverse-mode gradient against forward-mode dual
//! numbers through the value alone (independent code path) and against central finite
//! differences; the dual-number Hessian against finite differences of the gradient.

use super::eval::{self, Scratch};
use crate::model::{HistoSysCode, Model, ModelBuilder, ModelOptions, NormSysCode};
use crate::spec::Workspace;
use num_dual::Dual64;
use proptest::prelude::*;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Value};

/// A random workspace with every modifier type, from a seed.
fn random_workspace(seed: u64) -> Value {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let nch = rng.gen_range(1..=3);
    let mut channels = Vec::new();
    let mut observations = Vec::new();
    for c in 0..nch {
        let nb = rng.gen_range(1..=4);
        let mut samples = Vec::new();
        let ns = rng.gen_range(1..=3);
        for s in 0..ns {
            let nom: Vec<f64> = (0..nb).map(|_| rng.gen_range(5.0..50.0)).collect();
            let mut mods = vec![json!({"name": "mu", "type": "normfactor", "data": null})];
            if rng.gen_bool(0.7) {
                mods.push(json!({"name": "lumi", "type": "lumi", "data": null}));
            }
            for k in 0..2 {
                if rng.gen_bool(0.6) {
                    let hi = rng.gen_range(1.01..1.3);
                    let lo = rng.gen_range(0.7..0.99);
                    mods.push(json!({"name": format!("ns{k}"), "type": "normsys", "data": {"hi": hi, "lo": lo}}));
                }
                if rng.gen_bool(0.6) {
                    let hi: Vec<f64> = nom.iter().map(|n| n * rng.gen_range(1.0..1.2)).collect();
                    let lo: Vec<f64> = nom.iter().map(|n| n * rng.gen_range(0.8..1.0)).collect();
                    mods.push(json!({"name": format!("hs{k}"), "type": "histosys", "data": {"hi_data": hi, "lo_data": lo}}));
                }
            }
            if rng.gen_bool(0.5) {
                let unc: Vec<f64> = nom.iter().map(|n| n * rng.gen_range(0.05..0.2)).collect();
                mods.push(json!({"name": format!("stat_{c}"), "type": "staterror", "data": unc}));
            }
            if s == 0 && rng.gen_bool(0.5) {
                let unc: Vec<f64> = nom.iter().map(|n| n * rng.gen_range(0.05..0.3)).collect();
                mods.push(json!({"name": format!("shape_{c}"), "type": "shapesys", "data": unc}));
            }
            if s == ns - 1 && rng.gen_bool(0.4) {
                mods.push(json!({"name": format!("sf_{c}"), "type": "shapefactor", "data": null}));
            }
            samples.push(json!({"name": format!("s{s}"), "data": nom, "modifiers": mods}));
        }
        push_channel(&mut rng, c, nb, samples, &mut channels, &mut observations);
    }
    let lumi = json!([
        {"name": "lumi", "auxdata": [1.0], "sigmas": [0.05], "bounds": [[0.5, 1.5]], "inits": [1.0]}
    ]);
    workspace_doc(channels, observations, lumi)
}

/// Adds channel `c{c}` with `samples` and `nb` random observed counts.
pub(super) fn push_channel(
    rng: &mut ChaCha8Rng,
    c: usize,
    nb: usize,
    samples: Vec<Value>,
    channels: &mut Vec<Value>,
    observations: &mut Vec<Value>,
) {
    let obs: Vec<f64> = (0..nb).map(|_| rng.gen_range(0..120) as f64).collect();
    channels.push(json!({"name": format!("c{c}"), "samples": samples}));
    observations.push(json!({"name": format!("c{c}"), "data": obs}));
}

/// A workspace document with POI `mu` and the measurement's parameter configurations.
pub(super) fn workspace_doc(
    channels: Vec<Value>,
    observations: Vec<Value>,
    parameters: Value,
) -> Value {
    json!({
        "channels": channels,
        "observations": observations,
        "measurements": [{"name": "m", "config": {"poi": "mu", "parameters": parameters}}],
        "version": "1.0.0"
    })
}

fn model_for(seed: u64, normsys: NormSysCode, histosys: HistoSysCode) -> Model {
    let ws = Workspace::from_value(&random_workspace(seed)).expect("valid random workspace");
    ModelBuilder::new(&ws)
        .options(ModelOptions {
            normsys_code: normsys,
            histosys_code: histosys,
            ..Default::default()
        })
        .build()
        .expect("model")
}

/// A random point inside the region where all rates stay positive; alphas cover both
/// sides of ±1 so every interpolation branch is exercised.
fn random_point(model: &Model, rng: &mut ChaCha8Rng) -> Vec<f64> {
    (0..model.n_pars())
        .map(|i| {
            let [lo, hi] = model.suggested_bounds()[i];
            if lo < 0.0 {
                rng.gen_range(-2.0..2.0)
            } else {
                rng.gen_range(0.5f64.max(lo)..1.5f64.min(hi))
            }
        })
        .collect()
}

fn codes() -> Vec<(NormSysCode, HistoSysCode)> {
    let mut v = Vec::new();
    for n in [NormSysCode::Code1, NormSysCode::Code4] {
        for h in [
            HistoSysCode::Code0,
            HistoSysCode::Code2,
            HistoSysCode::Code4p,
        ] {
            v.push((n, h));
        }
    }
    v
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn hand_gradient_matches_dual_numbers_and_finite_differences(seed in 0u64..10_000) {
        for (nc, hc) in codes() {
            let model = model_for(seed, nc, hc);
            let data = model.observed_data().expect("data");
            let ds = model.dataset(&data).expect("dataset");
            let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5eed);
            let pars = random_point(&model, &mut rng);
            let (v, g) = model.logpdf_and_grad(&pars, &data).expect("grad");
            prop_assert!(v.is_finite());
            let mut s = Scratch::<Dual64>::new(&model);
            for i in 0..model.n_pars() {
                // forward mode through the value only: independent of the reverse pass
                let dp: Vec<Dual64> = pars.iter().enumerate()
                    .map(|(j, &x)| Dual64::new(x, if i == j { 1.0 } else { 0.0 }))
                    .collect();
                let d = eval::logpdf(&model, &ds, &dp, None, &mut s);
                prop_assert!((d.eps - g[i]).abs() <= 1e-10 * g[i].abs().max(1.0),
                    "{nc:?}/{hc:?} d/d{}: hand {} dual {}", model.par_names()[i], g[i], d.eps);
                let h = 1e-6;
                let (mut up, mut dn) = (pars.clone(), pars.clone());
                up[i] += h;
                dn[i] -= h;
                let fd = (model.logpdf(&up, &data).expect("v") - model.logpdf(&dn, &data).expect("v")) / (2.0 * h);
                prop_assert!((fd - g[i]).abs() <= 1e-5 * g[i].abs().max(1.0),
                    "{nc:?}/{hc:?} d/d{}: hand {} fd {}", model.par_names()[i], g[i], fd);
            }
        }
    }

    #[test]
    fn hessian_matches_finite_differences_of_gradient(seed in 0u64..10_000) {
        let model = model_for(seed, NormSysCode::Code4, HistoSysCode::Code4p);
        let data = model.observed_data().expect("data");
        let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0xbeef);
        let pars = random_point(&model, &mut rng);
        if let Some(e) = hessian_mismatch(&model, &data, &pars, 1e-4) {
            prop_assert!(false, "{}", e);
        }
    }
}

/// The first entry where the exact Hessian of logpdf at `pars` differs from central finite
/// differences of the analytic gradient by more than `tol` (relative, floor 1), or is not
/// symmetric to rounding (1e-9).
fn hessian_mismatch(model: &Model, data: &[f64], pars: &[f64], tol: f64) -> Option<String> {
    let n = model.n_pars();
    let hess = model.logpdf_hessian(pars, data).expect("hessian");
    for i in 0..n {
        let h = 1e-6;
        let (mut up, mut dn) = (pars.to_vec(), pars.to_vec());
        up[i] += h;
        dn[i] -= h;
        let gu = model.logpdf_and_grad(&up, data).expect("g").1;
        let gd = model.logpdf_and_grad(&dn, data).expect("g").1;
        for j in 0..n {
            let fd = (gu[j] - gd[j]) / (2.0 * h);
            let hij = hess[j * n + i];
            if (fd - hij).abs() > tol * hij.abs().max(1.0) {
                return Some(format!("{n} pars: H[{j},{i}] {hij} vs fd {fd}"));
            }
            if (hij - hess[i * n + j]).abs() > 1e-9 * hij.abs().max(1.0) {
                return Some(format!(
                    "{n} pars: H[{j},{i}] {hij} vs H[{i},{j}] not symmetric"
                ));
            }
        }
    }
    None
}

#[test]
fn data_gradient_matches_finite_differences() {
    let model = model_for(7, NormSysCode::Code4, HistoSysCode::Code4p);
    let mut data = model.observed_data().expect("data");
    // non-integer counts are allowed (continuous Poisson), so perturbing the data is fine
    for x in data.iter_mut() {
        *x += 0.5;
    }
    let pars = model.suggested_init();
    let g = model.logpdf_data_grad(&pars, &data).expect("grad");
    for i in 0..data.len() {
        let h = 1e-6;
        let (mut up, mut dn) = (data.clone(), data.clone());
        up[i] += h;
        dn[i] -= h;
        let fd = (model.logpdf(&pars, &up).expect("v") - model.logpdf(&pars, &dn).expect("v"))
            / (2.0 * h);
        assert!(
            (fd - g[i]).abs() <= 1e-6 * fd.abs().max(1.0),
            "d/ddata[{i}]: {} vs {fd}",
            g[i]
        );
    }
}

#[test]
fn covariance_from_exact_hessian_inverts() {
    let model = model_for(11, NormSysCode::Code4, HistoSysCode::Code4p);
    let data = model.observed_data().expect("data");
    let pars = model.suggested_init();
    let n = model.n_pars();
    let h = model.logpdf_hessian(&pars, &data).expect("hessian");
    // covariance of the NLL: inverse of -H
    let m = nalgebra::DMatrix::from_row_slice(n, n, &h.iter().map(|x| -x).collect::<Vec<_>>());
    let inv = m.clone().try_inverse().expect("invertible");
    let id = &m * &inv;
    for i in 0..n {
        for j in 0..n {
            let want = if i == j { 1.0 } else { 0.0 };
            assert!((id[(i, j)] - want).abs() < 1e-8, "({i},{j}) {}", id[(i, j)]);
        }
    }
}

/// Models of 2, 3 and 4 parameters take the 2- and 4-lane Hessian passes (larger ones the
/// 8-lane passes, checked above): the same finite-difference check on each.
#[test]
fn small_model_hessians_match_finite_differences() {
    use crate::model::simple::uncorrelated_background;
    for bins in 1..=3 {
        let sig: Vec<f64> = (0..bins).map(|b| 5.0 + b as f64).collect();
        let bkg: Vec<f64> = (0..bins).map(|b| 10.0 + 2.0 * b as f64).collect();
        let unc: Vec<f64> = (0..bins).map(|b| 3.5 - 0.5 * b as f64).collect();
        let model = uncorrelated_background(&sig, &bkg, &unc).expect("model");
        let obs: Vec<f64> = (0..bins).map(|b| 14.0 + b as f64).collect();
        let data = model.data_with_auxdata(&obs).expect("data");
        assert_eq!(model.n_pars(), bins + 1);
        let pars: Vec<f64> = (0..=bins).map(|i| 0.8 + 0.1 * i as f64).collect();
        if let Some(e) = hessian_mismatch(&model, &data, &pars, 1e-6) {
            panic!("{e}");
        }
    }
}

/// The grid evaluates bundles of points together (`points`): every point must equal its
/// own evaluation, including bundles next to interpolation kinks and mu = 0 (zero block
/// products take the gradient's other path), for every interpolation code.
#[test]
fn grid_points_match_single_evaluations_across_kinks() {
    for seed in [3u64, 17, 99] {
        for (nc, hc) in codes() {
            let model = model_for(seed, nc, hc);
            let data = model.observed_data().expect("data");
            let base = model.suggested_init();
            let mu = model.poi_index().expect("poi");
            // An alpha if the model has one, else any other parameter.
            let other = (0..model.n_pars())
                .find(|&i| model.suggested_bounds()[i][0] < 0.0)
                .unwrap_or((mu + 1) % model.n_pars());
            let ax: Vec<f64> = (0..23).map(|i| -1.5 + i as f64 * 0.125).collect();
            let mus: Vec<f64> = (0..13).map(|i| i as f64 * 0.25).collect();
            let empty = model
                .grid_2d(&data, &base, other, mu, &[], &mus)
                .expect("grid");
            assert!(empty.values.is_empty() && empty.grad_x.is_empty());
            for (x, y, xs, ys) in [(other, mu, &ax, &mus), (mu, other, &mus, &ax)] {
                let grid = model.grid_2d(&data, &base, x, y, xs, ys).expect("grid");
                for (iy, &vy) in ys.iter().enumerate() {
                    for (ix, &vx) in xs.iter().enumerate() {
                        let mut p = base.clone();
                        p[x] = vx;
                        p[y] = vy;
                        let (v, g) = model.logpdf_and_grad(&p, &data).expect("point");
                        let k = iy * xs.len() + ix;
                        let close = |a: f64, b: f64| {
                            a == b
                                || (a.is_nan() && b.is_nan())
                                || (a - b).abs() <= 1e-12 * b.abs().max(1.0)
                        };
                        assert!(
                            close(grid.values[k], v)
                                && close(grid.grad_x[k], g[x])
                                && close(grid.grad_y[k], g[y]),
                            "{nc:?}/{hc:?} seed {seed} at {p:?}: {} {} {} vs {v} {} {}",
                            grid.values[k],
                            grid.grad_x[k],
                            grid.grad_y[k],
                            g[x],
                            g[y]
                        );
                    }
                }
            }
        }
    }
}

/// Parameters that no interpolation branches on (a normfactor, a shapesys gamma) are
/// bundled across 0 and ±1, and partial bundles pad their unused lanes: every point of
/// such a grid, of any shape, must still equal its own evaluation.
#[test]
fn grid_points_match_single_evaluations_without_interpolation() {
    use crate::model::simple::uncorrelated_background;
    let model = uncorrelated_background(&[5.0, 3.0], &[10.0, 7.0], &[3.5, 1.5]).expect("model");
    let data = model.data_with_auxdata(&[15.0, 9.0]).expect("data");
    let base = model.suggested_init();
    for (n, lo, step) in [(101, 0.5, 0.01), (7, -1.0, 0.5), (13, 0.0, 0.25)] {
        let xs: Vec<f64> = (0..n).map(|i| lo + i as f64 * step).collect();
        let ys: Vec<f64> = (0..n + 2).map(|i| 0.25 + i as f64 * step).collect();
        let grid = model.grid_2d(&data, &base, 0, 2, &xs, &ys).expect("grid");
        for (iy, &vy) in ys.iter().enumerate() {
            for (ix, &vx) in xs.iter().enumerate() {
                let mut p = base.clone();
                (p[0], p[2]) = (vx, vy);
                let (v, g) = model.logpdf_and_grad(&p, &data).expect("point");
                let k = iy * xs.len() + ix;
                for (got, want) in [
                    (grid.values[k], v),
                    (grid.grad_x[k], g[0]),
                    (grid.grad_y[k], g[2]),
                ] {
                    let close = got == want
                        || (got.is_nan() && want.is_nan())
                        || (got - want).abs() <= 1e-12 * want.abs().max(1.0);
                    assert!(close, "at {p:?}: {got} vs {want}");
                }
            }
        }
    }
}

/// Hessian passes evaluate the normsys factors of unseeded parameters as plain numbers,
/// once per point, and keep them in the scratch across passes and Hessians
/// (`NormSysWork`): a Hessian must not depend on what its scratch evaluated before, and
/// must agree with one-lane `Dual64` passes, which evaluate every factor as a dual number.
/// Points include alphas at the kinks (0, ±1) and mu = 0 (zero block products take the
/// gradient's other path).
#[test]
fn sparse_dual_hessians_match_dual64_whatever_the_scratch_held() {
    use super::{hessian_into, HessianScratch};
    for seed in 0u64..12 {
        for (nc, hc) in codes() {
            let model = model_for(seed, nc, hc);
            let data = model.observed_data().expect("data");
            let ds = model.dataset(&data).expect("dataset");
            let n = model.n_pars();
            let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0xd0a1);
            let mut points = vec![random_point(&model, &mut rng)];
            let mut kinks = random_point(&model, &mut rng);
            for (i, x) in kinks.iter_mut().enumerate() {
                if model.suggested_bounds()[i][0] < 0.0 {
                    *x = [-1.0, 0.0, 1.0][i % 3];
                }
            }
            points.push(kinks);
            let mut zero_mu = random_point(&model, &mut rng);
            zero_mu[model.poi_index().expect("poi")] = 0.0;
            points.push(zero_mu);
            let hessian = |pars: &[f64], scratch: &mut HessianScratch| {
                let mut h = vec![0.0; n * n];
                hessian_into(&model, &ds, pars, scratch, &mut h);
                h
            };
            let mut kept = HessianScratch::default();
            let first: Vec<Vec<f64>> = points.iter().map(|p| hessian(p, &mut kept)).collect();
            let mut s = Scratch::<Dual64>::new(&model);
            let same = |a: &[f64], b: &[f64]| {
                a.iter()
                    .zip(b)
                    .all(|(x, y)| x == y || (x.is_nan() && y.is_nan()))
            };
            for (p, h) in points.iter().zip(&first) {
                // Again with the scratch of the other points, and with a fresh one.
                assert!(same(&hessian(p, &mut kept), h), "{nc:?}/{hc:?} seed {seed}");
                assert!(same(&hessian(p, &mut HessianScratch::default()), h));
                for i in 0..n {
                    let dp: Vec<Dual64> = p
                        .iter()
                        .enumerate()
                        .map(|(j, &x)| Dual64::new(x, if i == j { 1.0 } else { 0.0 }))
                        .collect();
                    let mut g = vec![Dual64::from(0.0); n];
                    eval::logpdf(&model, &ds, &dp, Some(&mut g), &mut s);
                    for (j, gj) in g.iter().enumerate() {
                        let hij = h[i * n + j];
                        assert!(
                            (hij - gj.eps).abs() <= 1e-12 * gj.eps.abs().max(1.0)
                                || (hij.is_nan() && gj.eps.is_nan()),
                            "{nc:?}/{hc:?} seed {seed} H[{i},{j}]: {hij} vs Dual64 {}",
                            gj.eps
                        );
                    }
                }
            }
        }
    }
}
