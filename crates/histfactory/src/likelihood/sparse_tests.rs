//! Sparse-dual Hessian passes ([`KernelScalar::SPARSE_DUAL`]) against dense ones, bit for bit.
//!
//! Sparse passes keep the constant parts of a pass as plain numbers and only the seeded
//! parameters' parts as dual numbers, in compact per-pass storage: a wrong slot, or one
//! left over from an earlier pass, would silently mix up entries. The reference is the
//! same 8-lane arithmetic with every part evaluated as a dual number (the dense paths that
//! `f64` and gradients take), so the two must agree exactly, not to a tolerance.

use super::eval::{self, Scratch};
use super::kernels::hooks::KernelScalar;
use super::kernels::lanes::Lanes;
use super::kernels::scalar::Scalar;
use super::tests::{push_channel, workspace_doc};
use crate::model::{HistoSysCode, Model, ModelBuilder, ModelOptions, NormSysCode};
use crate::spec::Workspace;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::json;
use std::ops::{Add, AddAssign, Div, Mul, MulAssign, Neg, Sub, SubAssign};

/// Lanes per pass, as the Hessians of larger models.
const L: usize = super::HESSIAN_LANES;

/// [`Lanes`] with every operation its own, evaluated densely: not
/// [`SPARSE_DUAL`](KernelScalar::SPARSE_DUAL), so no part of a pass is taken as constant.
#[derive(Clone, Copy, Debug)]
struct Dense(Lanes<L>);

macro_rules! dense_ops {
    ($($op:ident $f:ident $assign:ident $fa:ident),*) => {$(
        impl $op for Dense {
            type Output = Dense;
            fn $f(self, o: Dense) -> Dense {
                Dense(self.0.$f(o.0))
            }
        }
        impl $assign for Dense {
            fn $fa(&mut self, o: Dense) {
                self.0.$fa(o.0);
            }
        }
    )*};
}
dense_ops!(Add add AddAssign add_assign, Sub sub SubAssign sub_assign, Mul mul MulAssign mul_assign);

impl Div for Dense {
    type Output = Dense;
    fn div(self, o: Dense) -> Dense {
        Dense(self.0 / o.0)
    }
}

impl Neg for Dense {
    type Output = Dense;
    fn neg(self) -> Dense {
        Dense(-self.0)
    }
}

impl KernelScalar for Dense {}

impl Scalar for Dense {
    fn cst(x: f64) -> Self {
        Dense(Lanes::cst(x))
    }
    fn re(self) -> f64 {
        self.0.re
    }
    fn ln(self) -> Self {
        Dense(self.0.ln())
    }
    fn exp(self) -> Self {
        Dense(self.0.exp())
    }
    fn scale(self, f: f64) -> Self {
        Dense(self.0.scale(f))
    }
}

/// `x` seeded in lane `lane`, if any.
fn seeded(x: f64, lane: Option<usize>) -> Lanes<L> {
    let mut v = Lanes::cst(x);
    if let Some(k) = lane {
        v.eps[k] = 1.0;
    }
    v
}

/// The Hessian of logpdf at `pars` from the passes seeding rows `first..first + L` for
/// each of `firsts`, in that order, in scratch `s`; `wrap` turns a seeded number into the
/// scalar evaluated and `lanes` reads it back. Rows no pass covers stay NaN.
fn hessian_by_passes<T: KernelScalar>(
    model: &Model,
    data: &[f64],
    pars: &[f64],
    firsts: &[usize],
    s: &mut Scratch<T>,
    wrap: impl Fn(Lanes<L>) -> T,
    lanes: impl Fn(T) -> Lanes<L>,
) -> Vec<f64> {
    let ds = model.dataset(data).expect("dataset");
    let n = pars.len();
    let mut h = vec![f64::NAN; n * n];
    for &first in firsts {
        let dp: Vec<T> = (0..n)
            .map(|j| wrap(seeded(pars[j], j.checked_sub(first).filter(|&k| k < L))))
            .collect();
        let mut g = vec![T::cst(0.0); n];
        eval::logpdf(model, &ds, &dp, Some(&mut g), s);
        for k in 0..L.min(n - first) {
            for (hj, gj) in h[(first + k) * n..][..n].iter_mut().zip(&g) {
                *hj = lanes(*gj).eps[k];
            }
        }
    }
    h
}

/// A workspace whose normsys and histosys parameters each sit on several samples of
/// several channels, more of them than one pass seeds, so that every pass's dual entries
/// are scattered over the blocks and interleaved with constant ones.
fn shared_workspace(seed: u64) -> serde_json::Value {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let (nn, nh) = (13, 7);
    let mut channels = Vec::new();
    let mut observations = Vec::new();
    for c in 0..3 {
        let nb = [1, 3, 6][c];
        let mut samples = Vec::new();
        for s in 0..3 {
            let nom: Vec<f64> = (0..nb).map(|_| rng.gen_range(5.0..50.0)).collect();
            let mut mods = vec![json!({"name": "mu", "type": "normfactor", "data": null})];
            for k in 0..nn {
                if rng.gen_bool(0.6) {
                    let (hi, lo) = (rng.gen_range(1.01..1.3), rng.gen_range(0.7..0.99));
                    let name = format!("ns{k:02}");
                    mods.push(
                        json!({"name": name, "type": "normsys", "data": {"hi": hi, "lo": lo}}),
                    );
                }
            }
            for k in 0..nh {
                if rng.gen_bool(0.5) {
                    let hi: Vec<f64> = nom.iter().map(|n| n * rng.gen_range(1.0..1.2)).collect();
                    let lo: Vec<f64> = nom.iter().map(|n| n * rng.gen_range(0.8..1.0)).collect();
                    let (name, data) = (format!("hs{k}"), json!({"hi_data": hi, "lo_data": lo}));
                    mods.push(json!({"name": name, "type": "histosys", "data": data}));
                }
            }
            if s == 0 {
                let unc: Vec<f64> = nom.iter().map(|n| n * rng.gen_range(0.05..0.2)).collect();
                mods.push(json!({"name": format!("stat_{c}"), "type": "staterror", "data": unc}));
            }
            samples.push(json!({"name": format!("s{s}"), "data": nom, "modifiers": mods}));
        }
        push_channel(&mut rng, c, nb, samples, &mut channels, &mut observations);
    }
    workspace_doc(channels, observations, json!([]))
}

/// Sparse-dual Hessian passes equal dense ones bit for bit on a model whose parameters
/// share normsys and histosys entries across blocks, whatever the scratch evaluated
/// before: passes in order, in reverse, starting at every offset (so each parameter is
/// seeded with different companions and in different lanes), and across points (inside,
/// outside and at the kinks of the interpolations, and mu = 0, whose zero block products
/// take the gradient's other path), all in one kept scratch.
#[test]
fn sparse_dual_passes_equal_dense_ones_bit_for_bit() {
    let bits = |h: &[f64]| -> Vec<u64> {
        h.iter()
            .map(|x| if x.is_nan() { 0 } else { x.to_bits() })
            .collect()
    };
    for seed in 0u64..4 {
        for (nc, hc) in [
            (NormSysCode::Code4, HistoSysCode::Code4p),
            (NormSysCode::Code1, HistoSysCode::Code0),
            (NormSysCode::Code4, HistoSysCode::Code2),
        ] {
            let ws = Workspace::from_value(&shared_workspace(seed)).expect("workspace");
            let options = ModelOptions {
                normsys_code: nc,
                histosys_code: hc,
                ..Default::default()
            };
            let model = ModelBuilder::new(&ws)
                .options(options)
                .build()
                .expect("model");
            let data = model.observed_data().expect("data");
            let n = model.n_pars();
            assert!(n > 2 * L, "{n} parameters: too few for several passes");
            let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5ca7);
            let bounds = model.suggested_bounds();
            let mut points = Vec::new();
            for kind in 0..3 {
                let p: Vec<f64> = (0..n)
                    .map(|i| match (bounds[i][0] < 0.0, kind) {
                        (true, 1) => [-1.0, 0.0, 1.0, -2.5, 0.5][i % 5],
                        (true, _) => rng.gen_range(-2.0..2.0),
                        (false, _) => rng.gen_range(0.5..1.5),
                    })
                    .collect();
                points.push(p);
            }
            points[2][model.poi_index().expect("poi")] = 0.0;
            let forward: Vec<usize> = (0..n).step_by(L).collect();
            let reverse: Vec<usize> = forward.iter().rev().copied().collect();
            let mut kept = Scratch::<Lanes<L>>::new(&model);
            let mut dense = Scratch::<Dense>::new(&model);
            for p in &points {
                for order in [&forward, &reverse] {
                    let want =
                        hessian_by_passes(&model, &data, p, order, &mut dense, Dense, |d| d.0);
                    let got = hessian_by_passes(&model, &data, p, order, &mut kept, |l| l, |l| l);
                    assert_eq!(
                        bits(&got),
                        bits(&want),
                        "{nc:?}/{hc:?} seed {seed} at {p:?}"
                    );
                }
                // Every offset: each pass seeds a different set of parameters, so each
                // one's entries move to other slots and lanes.
                for first in 0..n {
                    let want =
                        hessian_by_passes(&model, &data, p, &[first], &mut dense, Dense, |d| d.0);
                    let got =
                        hessian_by_passes(&model, &data, p, &[first], &mut kept, |l| l, |l| l);
                    assert_eq!(
                        bits(&got),
                        bits(&want),
                        "{nc:?}/{hc:?} seed {seed} first {first}"
                    );
                }
            }
        }
    }
}
