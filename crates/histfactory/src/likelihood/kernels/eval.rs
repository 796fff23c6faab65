//! The hot path: rates, logpdf and its reverse-mode gradient over the compiled model.
//!
//! One forward pass computes, per sample block, the scalar factors (normfactor, lumi,
//! normsys), the additive total `A_j = nominal_j + sum of histosys deltas` and the per-bin
//! product `Q_j` (shapefactor, shapesys, staterror), so `nu_sb = P * Q_j * A_j`. The main
//! term's adjoint `w_b = n_b / nu_b - 1` then flows back in one more pass:
//! `dL/dA_j = w P Q_j`, `dL/dQ_j = w P A_j`, `dL/dP = sum_j w Q_j A_j`. Products of "all the
//! other factors" are formed explicitly (prefix/suffix) instead of dividing, because factors
//! are often exactly zero (mu = 0). The gradient pass therefore costs about one more
//! forward pass.
//!
//! Everything is generic over [`Scalar`](super::scalar::Scalar) so that dual numbers pushed through the same code
//! give exact Hessian columns.

use super::histosys::HistoWork;
use super::hooks::KernelScalar;
use super::normsys::NormSysWork;
use super::poisson::ln_stirling_remainder;
use crate::model::{ConstraintTerm, Model};

/// Data prepared once for repeated evaluation: main counts, auxdata, and the constant
/// terms summed (Gaussian normalisations and, per Poisson term, the data-only part
/// `n ln n − n − lnΓ(n+1)` of `n ln λ − λ − lnΓ(n+1)`; see [`poisson`](super::poisson)).
#[derive(Clone, Debug)]
pub struct Dataset {
    pub(crate) main: Vec<f64>,
    /// `1/n` per main count (zero where `n` is not positive): the main terms are
    /// evaluated in `f = (λ − n)/n`.
    pub(crate) inv_main: Vec<f64>,
    pub(crate) aux: Vec<f64>,
    /// Per constraint term: for a Poisson term with positive auxdata `a`, `factor / a`, so
    /// that `λ/a = γ · factor/a` is exactly `γ` where `a = factor` (nominal auxdata);
    /// unused otherwise.
    pub(crate) aux_scale: Vec<f64>,
    pub(crate) constant: f64,
}

impl Dataset {
    /// Splits `data` (main + aux) and precomputes its constants. The length must already
    /// have been checked.
    pub(crate) fn new(model: &Model, data: &[f64]) -> Dataset {
        let (main, aux) = data.split_at(model.n_main);
        let mut constant: f64 = main.iter().map(|&n| ln_stirling_remainder(n)).sum();
        let mut aux_scale = Vec::with_capacity(aux.len());
        for (term, &a) in model.constraints.iter().zip(aux) {
            let (c, scale) = match term {
                // -log(sigma sqrt(2 pi)), as pyhf's normal_logpdf prefactor
                ConstraintTerm::Gauss(g) => {
                    (-(g.sigma * (2.0 * std::f64::consts::PI).sqrt()).ln(), 0.0)
                }
                ConstraintTerm::Poisson(t) => (ln_stirling_remainder(a), t.factor / a),
            };
            constant += c;
            aux_scale.push(scale);
        }
        Dataset {
            main: main.to_vec(),
            inv_main: main
                .iter()
                .map(|&n| if n > 0.0 { 1.0 / n } else { 0.0 })
                .collect(),
            aux: aux.to_vec(),
            aux_scale,
            constant,
        }
    }

    /// Main counts.
    pub fn main(&self) -> &[f64] {
        &self.main
    }
    /// Auxiliary data.
    pub fn aux(&self) -> &[f64] {
        &self.aux
    }
}

/// Reusable buffers for one evaluation at a time (one per thread in batches).
#[derive(Clone, Debug)]
pub(crate) struct Scratch<T> {
    /// The per-bin, per-block and per-sample-bin buffers ([`Bufs`]), in one allocation:
    /// a small model's fit builds two scratches (values, Hessian lanes), and one
    /// allocation per buffer was a tenth of the seed model's fit.
    buf: Vec<T>,
    sizes: Sizes,
    /// Per normsys entry: factor, derivative over factor (see [`NormSysWork`]).
    norm: NormSysWork<T>,
    suffix: Vec<T>,
    prefix: Vec<T>,
    /// Per parameter with histosys terms: its interpolation coefficients.
    histo: HistoWork<T>,
    sample_clipped: Vec<bool>,
    bin_clipped: Vec<bool>,
}

impl<T: KernelScalar> Scratch<T> {
    /// Buffers sized for `model`.
    pub(crate) fn new(model: &Model) -> Self {
        let nsb: usize = model.blocks.iter().map(|b| b.nominal.len()).sum();
        let z = T::cst(0.0);
        let clip_sample = model.options.clip_sample.is_some();
        let clip_bin = model.options.clip_bin.is_some();
        let sizes = Sizes {
            n_main: model.n_main,
            blocks: model.blocks.len(),
            nsb,
        };
        Scratch {
            buf: vec![z; sizes.total()],
            sizes,
            norm: NormSysWork::new(&model.normsys),
            // Only blocks whose product is zero or not finite use these (see `backward`):
            // grown there on first use, so the common fit allocates neither.
            suffix: Vec::new(),
            prefix: Vec::new(),
            // Sized by parameter index, for the parameters with histosys terms only: none,
            // none at all (each allocation is a noticeable part of a small model's fit).
            histo: HistoWork::new(
                if model.histo_params.is_empty() {
                    0
                } else {
                    model.n_pars()
                },
                T::SPARSE_DUAL && finite_histo_deltas(model),
            ),
            // Read and written only when clipping is on.
            sample_clipped: vec![false; if clip_sample { nsb } else { 0 }],
            bin_clipped: vec![false; if clip_bin { model.n_main } else { 0 }],
        }
    }

    /// Main-bin rates of the last evaluation.
    pub(crate) fn rates(&self) -> &[T] {
        &self.buf[..self.sizes.n_main]
    }
}

/// Whether every histosys delta of `model` is finite (see [`HistoWork`]).
fn finite_histo_deltas(model: &Model) -> bool {
    model.blocks.iter().all(|b| {
        let finite = |d: &[f64]| d.iter().all(|x| x.is_finite());
        finite(&b.histo_up) && finite(&b.histo_dn)
    })
}

/// The lengths of the buffers in [`Scratch::buf`].
#[derive(Clone, Copy, Debug)]
struct Sizes {
    n_main: usize,
    blocks: usize,
    /// Sample-bins: the bins of every block.
    nsb: usize,
}

/// [`Scratch::buf`] cut into its buffers.
struct Bufs<'a, T> {
    /// Expected main-bin rates.
    rates: &'a mut [T],
    /// Main-term adjoints `n / nu - 1`.
    adj: &'a mut [T],
    /// Each block's scalar product `P`.
    blockp: &'a mut [T],
    /// Per sample-bin: additive total `A`, per-bin product `Q`, and the adjoints of `A`
    /// and of the factors.
    add: &'a mut [T],
    binprod: &'a mut [T],
    adj_a: &'a mut [T],
    adj_f: &'a mut [T],
}

impl Sizes {
    fn total(self) -> usize {
        2 * self.n_main + self.blocks + 4 * self.nsb
    }

    /// The buffers, in this order (`sample_rates` reads some by these offsets).
    fn split<T>(self, buf: &mut [T]) -> Bufs<'_, T> {
        let (rates, rest) = buf.split_at_mut(self.n_main);
        let (adj, rest) = rest.split_at_mut(self.n_main);
        let (blockp, rest) = rest.split_at_mut(self.blocks);
        let (add, rest) = rest.split_at_mut(self.nsb);
        let (binprod, rest) = rest.split_at_mut(self.nsb);
        let (adj_a, adj_f) = rest.split_at_mut(self.nsb);
        Bufs {
            rates,
            adj,
            blockp,
            add,
            binprod,
            adj_a,
            adj_f,
        }
    }
}

/// Blocks of at most this many bins sum their histosys deltas bins-outer (see [`rates`]).
const SHORT_BLOCK: usize = 4;

/// Forward pass: fills `s.rates` (and the per-block intermediates the gradient needs).
#[inline(always)]
pub(crate) fn rates<T: KernelScalar>(model: &Model, pars: &[T], s: &mut Scratch<T>) {
    let clip_sample = model.options.clip_sample;
    let code = model.options.histosys_code;
    let b = s.sizes.split(&mut s.buf);
    for r in b.rates.iter_mut() {
        *r = T::cst(0.0);
    }
    s.histo.update(code, &model.histo_params, pars);
    // Hot: every normsys factor of every block (4,174 in 1Lbb) in one vectorised pass over
    // a contiguous table, before the per-block pass, so the block loop below only reads
    // them; derivatives are left to `backward`, which only the gradient needs.
    model.normsys.values(pars, &mut s.norm);
    let mut sb = 0;
    for (bi, blk) in model.blocks.iter().enumerate() {
        let n = blk.nominal.len();
        // The block's scalar product (see `NormSysWork::product`).
        let mut direct = T::cst(1.0);
        for &i in &blk.direct {
            direct *= pars[i];
        }
        let p = if blk.normsys.is_empty() {
            direct
        } else {
            s.norm.product(blk.normsys.clone()) * direct
        };
        b.blockp[bi] = p;

        let a = &mut b.add[sb..sb + n];
        // Hot: every non-zero histosys delta of the block. Two shapes, chosen per block:
        // - short blocks (1Lbb: about 20 terms on one or two bins): bins outer, terms
        //   inner, summing in two register accumulators. Terms outer would write `a[j]`
        //   back to memory after every term, a chain of store-to-load round trips that
        //   profiling showed as the costliest instructions;
        // - longer blocks (synthetic models: 20 bins): terms outer over contiguous bins,
        //   which vectorises and needs no per-element index arithmetic.
        // Alpha-dependent coefficients are computed once per parameter (`histo`).
        let hp = &blk.histo_params;
        let (hu, hd) = (&blk.histo_up[..hp.len() * n], &blk.histo_dn[..hp.len() * n]);
        if n <= SHORT_BLOCK {
            for (j, (x, &nom)) in a.iter_mut().zip(&blk.nominal).enumerate() {
                let (mut acc0, mut acc1) = (T::cst(nom), T::cst(0.0));
                let mut pairs = hp.chunks_exact(2);
                let mut k = j;
                for pr in pairs.by_ref() {
                    let (t0, t1) = (s.histo.term(pr[0]), s.histo.term(pr[1]));
                    acc0 = t0.add_delta(acc0, hu[k], hd[k]);
                    acc1 = t1.add_delta(acc1, hu[k + n], hd[k + n]);
                    k += 2 * n;
                }
                if let [last] = pairs.remainder() {
                    acc0 = s.histo.term(*last).add_delta(acc0, hu[k], hd[k]);
                }
                *x = acc0 + acc1;
            }
        } else {
            for (x, &nom) in a.iter_mut().zip(&blk.nominal) {
                *x = T::cst(nom);
            }
            for ((&param, up), dn) in hp.iter().zip(hu.chunks_exact(n)).zip(hd.chunks_exact(n)) {
                s.histo.add_deltas(a, param, up, dn);
            }
        }
        let q = &mut b.binprod[sb..sb + n];
        for x in q.iter_mut() {
            *x = T::cst(1.0);
        }
        for &start in &blk.binwise {
            for (x, &g) in q.iter_mut().zip(&pars[start..start + n]) {
                *x *= g;
            }
        }
        let out = &mut b.rates[blk.offset..blk.offset + n];
        for j in 0..n {
            let mut nu = p * q[j] * a[j];
            if let Some(c) = clip_sample {
                let clipped = nu.re() < c;
                s.sample_clipped[sb + j] = clipped;
                if clipped {
                    nu = T::cst(c);
                }
            }
            out[j] += nu;
        }
        sb += n;
    }
    if let Some(c) = model.options.clip_bin {
        for (r, flag) in b.rates.iter_mut().zip(s.bin_clipped.iter_mut()) {
            *flag = r.re() < c;
            if *flag {
                *r = T::cst(c);
            }
        }
    }
}

/// Per-block sample rates from the intermediates of the last [`rates`] call (clipping of
/// sample rates applied, bin clipping not).
pub(crate) fn sample_rates(model: &Model, s: &Scratch<f64>) -> Vec<Vec<f64>> {
    // The read-only part of `Sizes::split`'s layout: rates, adjoints, then these.
    let Sizes {
        n_main,
        blocks,
        nsb,
    } = s.sizes;
    let blockp = &s.buf[2 * n_main..][..blocks];
    let add = &s.buf[2 * n_main + blocks..][..nsb];
    let binprod = &s.buf[2 * n_main + blocks + nsb..][..nsb];
    let mut sb = 0;
    let clip = model.options.clip_sample;
    model
        .blocks
        .iter()
        .enumerate()
        .map(|(bi, blk)| {
            let n = blk.nominal.len();
            let p = blockp[bi];
            let r = (0..n)
                .map(|j| {
                    let nu = p * binprod[sb + j] * add[sb + j];
                    match clip {
                        Some(c) if nu < c => c,
                        _ => nu,
                    }
                })
                .collect();
            sb += n;
            r
        })
        .collect()
}

/// logpdf at `pars`; with `grad`, also adds d logpdf / d pars into `grad` (which the caller
/// zeroes). NaN where a rate is negative and its count positive, as pyhf.
pub(crate) fn logpdf<T: KernelScalar>(
    model: &Model,
    data: &Dataset,
    pars: &[T],
    grad: Option<&mut [T]>,
    s: &mut Scratch<T>,
) -> T {
    logpdf_inline(model, data, pars, grad, s)
}

/// [`logpdf`], inlined into its caller: for callers compiled with wider vector
/// instructions (the grid's bundles of points), so that the whole evaluation uses them.
#[inline(always)]
pub(crate) fn logpdf_inline<T: KernelScalar>(
    model: &Model,
    data: &Dataset,
    pars: &[T],
    grad: Option<&mut [T]>,
    s: &mut Scratch<T>,
) -> T {
    rates(model, pars, s);
    let b = s.sizes.split(&mut s.buf);
    let mut logp = T::cst(data.constant);
    // Hot: once per main bin. The continuous Poisson `n ln nu - nu` less its data-only
    // part (in `data.constant`), as `n (ln(1+f) - f)` with `f = (nu - n)/n`: no digits
    // cancel at large counts (see `poisson`). `nu - n` is exact near `n`, so the adjoint
    // `n/nu - 1` is written `(n - nu)/nu` for the same reason.
    for (((nu, &n), &inv_n), w) in b
        .rates
        .iter()
        .zip(&data.main)
        .zip(&data.inv_main)
        .zip(b.adj.iter_mut())
    {
        if n > 0.0 {
            let diff = *nu - T::cst(n);
            logp += T::log1pmx(diff.scale(inv_n), nu.scale(inv_n)).scale(n);
            *w = -(diff / *nu);
        } else if n == 0.0 {
            // xlogy(0, nu) = 0 even for nu <= 0.
            logp -= *nu;
            *w = T::cst(-1.0);
        } else {
            // Negative or NaN counts (invalid data): pyhf's form, as pyhf evaluates them.
            logp += nu.ln().scale(n) - *nu;
            *w = T::cst(n) / *nu - T::cst(1.0);
        }
    }
    if model.options.clip_bin.is_some() {
        for (w, &c) in b.adj.iter_mut().zip(&s.bin_clipped) {
            if c {
                *w = T::cst(0.0);
            }
        }
    }
    let mut grad = grad;
    for ((term, &a), &aux_scale) in model.constraints.iter().zip(&data.aux).zip(&data.aux_scale) {
        match term {
            ConstraintTerm::Gauss(g) => {
                let theta = pars[g.param];
                let inv_var = 1.0 / (g.sigma * g.sigma);
                let diff = T::cst(a) - theta;
                logp -= (diff * diff).scale(0.5 * inv_var);
                if let Some(gr) = grad.as_deref_mut() {
                    gr[g.param] += diff.scale(inv_var);
                }
            }
            ConstraintTerm::Poisson(t) => {
                let gamma = pars[t.param];
                if a > 0.0 {
                    // As the main terms, in `f = lam/a - 1`: with nominal auxdata
                    // (`a = factor = tau`, up to 1e12 for small shapesys
                    // uncertainties) `lam/a` is `gamma` itself and `f` is exact.
                    let ratio = gamma.scale(aux_scale);
                    let f = ratio - T::cst(1.0);
                    logp += T::log1pmx(f, ratio).scale(a);
                    if let Some(gr) = grad.as_deref_mut() {
                        // d/dgamma [a ln(gamma factor) - gamma factor] = -a f / gamma
                        gr[t.param] -= (f / gamma).scale(a);
                    }
                } else if a == 0.0 {
                    logp -= gamma.scale(t.factor);
                    if let Some(gr) = grad.as_deref_mut() {
                        gr[t.param] -= T::cst(t.factor);
                    }
                } else {
                    let lam = gamma.scale(t.factor);
                    logp += lam.ln().scale(a) - lam;
                    if let Some(gr) = grad.as_deref_mut() {
                        gr[t.param] += (T::cst(a) / lam - T::cst(1.0)).scale(t.factor);
                    }
                }
            }
        }
    }
    if let Some(gr) = grad {
        backward(model, pars, gr, s);
    }
    logp
}

/// Reverse pass over the blocks, from the main-term adjoints in `s.adj`.
#[inline(always)]
fn backward<T: KernelScalar>(model: &Model, pars: &[T], grad: &mut [T], s: &mut Scratch<T>) {
    let clip = model.options.clip_sample.is_some();
    model.normsys.log_derivs(pars, &mut s.norm);
    let b = s.sizes.split(&mut s.buf);
    let mut sb = 0;
    for (bi, blk) in model.blocks.iter().enumerate() {
        let n = blk.nominal.len();
        let p = b.blockp[bi];
        let mut g_p = T::cst(0.0);
        for j in 0..n {
            let mut w = b.adj[blk.offset + j];
            if clip && s.sample_clipped[sb + j] {
                w = T::cst(0.0);
            }
            let q = b.binprod[sb + j];
            let wa = w * b.add[sb + j];
            b.adj_a[sb + j] = w * p * q;
            b.adj_f[sb + j] = wa * p;
            g_p += wa * q;
        }
        let adj_a = &b.adj_a[sb..sb + n];
        for ((&param, up), dn) in blk
            .histo_params
            .iter()
            .zip(blk.histo_up.chunks_exact(n))
            .zip(blk.histo_dn.chunks_exact(n))
        {
            let [d_up, d_dn] = s.histo.term(param).derivs();
            let (mut su, mut sd) = (T::cst(0.0), T::cst(0.0));
            for ((&g, &u), &d) in adj_a.iter().zip(up).zip(dn) {
                su += g.scale(u);
                sd += g.scale(d);
            }
            grad[param] += d_up * su + d_dn * sd;
        }
        let adj_f = &b.adj_f[sb..sb + n];
        for (k, &start) in blk.binwise.iter().enumerate() {
            for j in 0..n {
                let mut others = adj_f[j];
                for (l, &other) in blk.binwise.iter().enumerate() {
                    if l != k {
                        others *= pars[other + j];
                    }
                }
                grad[start + j] += others;
            }
        }
        let range = blk.normsys.clone();
        let (nn, m) = (range.len(), range.len() + blk.direct.len());
        if m > 0 {
            let params = &model.normsys.param[range.clone()];
            if p.all_normal() {
                // Common case: the block's product is a normal number, so no factor is
                // zero, infinite or NaN, and "all other factors" times f'_k is P f'_k / f_k
                // to within a few rounding errors, with f'_k / f_k from the vectorised
                // normsys pass. The prefix/suffix products below are two serial
                // chains of dependent multiplies, which made the gradient cost 3.5
                // logpdfs on 1Lbb (about 50 normsys per block).
                let gp = g_p * p;
                s.norm.add_ratios(range, params, gp, grad);
                for &i in &blk.direct {
                    grad[i] += gp / pars[i];
                }
                sb += n;
                continue;
            }
            // The product of all other factors of factor k is prefix[k] * suffix[k+1]. Both
            // running products are chains of dependent multiplies; they are built in one
            // loop so that the two chains overlap, and the gradient loop after them has no
            // dependency chain at all. Factors are the block's normsys, then its direct
            // factors (derivative 1).
            let factor = |k: usize| {
                if k < nn {
                    s.norm.value(range.start + k)
                } else {
                    pars[blk.direct[k - nn]]
                }
            };
            if s.prefix.len() <= m {
                s.prefix.resize(m + 1, T::cst(0.0));
                s.suffix.resize(m + 1, T::cst(0.0));
            }
            let (prefix, suffix) = (&mut s.prefix[..=m], &mut s.suffix[..=m]);
            prefix[0] = T::cst(1.0);
            suffix[m] = T::cst(1.0);
            for k in 0..m {
                prefix[k + 1] = prefix[k] * factor(k);
                suffix[m - 1 - k] = suffix[m - k] * factor(m - 1 - k);
            }
            for k in 0..m {
                let others = g_p * prefix[k] * suffix[k + 1];
                if k < nn {
                    // f' itself: the ratio f' / f is useless where f is zero.
                    let d = model.normsys.deriv(range.start + k, pars);
                    grad[params[k]] += others * d;
                } else {
                    grad[blk.direct[k - nn]] += others;
                }
            }
        }
        sb += n;
    }
}
