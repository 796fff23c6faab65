//! The evaluation of a model's [`NormSysTable`] (every normsys factor, in one table) into
//! per-scratch buffers ([`NormSysWork`]).
//!
//! Two ways to evaluate, chosen by the scalar type:
//! - all entries at once, in vectorised loops over contiguous arrays (`f64`, and any
//!   scalar whose parts are all live, such as bundles of points);
//! - for the dual numbers of Hessian passes ([`KernelScalar::SPARSE_DUAL`](super::scalar::KernelScalar::SPARSE_DUAL)), real parts and
//!   derivative parts apart. A pass seeds derivatives on at most 8 parameters, so all but
//!   a few hundred of 1Lbb's 4,174 factors are constants: their values and `f'/f` ratios
//!   are plain numbers, the same in every pass of one Hessian, computed once in `f64` and
//!   kept; only the entries of seeded parameters are evaluated as dual numbers. Evaluated
//!   entry by entry as duals, the polynomials of every pass were most of a Hessian's cost,
//!   and on exponential branches both the polynomial and the exponential were paid.

use super::hooks::KernelScalar;
use super::interp::ExpSide;
use super::poly6;
use crate::model::interp::NormSysInterp;
use crate::model::modifiers::NormSysTable;
use std::ops::Range;

impl NormSysTable {
    /// The entries whose factor is not the polynomial's, parameter by parameter with the
    /// branch their alpha (real part `a`, from `alpha_of(parameter)`) is on
    /// ([`ExpSide::of`], as [`NormSysInterp::eval`]): every entry for code1, for code4
    /// those whose alpha is outside (-1, 1). Toys and scans often move a few alphas past
    /// ±1; a scan of the whole table for them cost as much as the polynomials.
    fn fixups<'a>(
        &'a self,
        alpha_of: impl Fn(usize) -> f64 + 'a,
    ) -> impl Iterator<Item = (ExpSide, f64, &'a [usize])> + 'a {
        self.params
            .iter()
            .zip(&self.entries)
            .filter_map(move |(&p, e)| {
                let a = alpha_of(p);
                ExpSide::of(self.code, a).map(|side| (side, a, e.as_slice()))
            })
    }

    /// Entry `k`'s coefficients a1..a6.
    #[inline(always)]
    fn coef_of(&self, k: usize) -> [f64; 6] {
        std::array::from_fn(|i| self.coef[i][k])
    }

    /// Entry `k`'s slope on exponential branch `side`.
    #[inline(always)]
    fn slope(&self, k: usize, side: ExpSide) -> f64 {
        let [ln_hi, ln_lo] = self.ln[k];
        side.slope(ln_hi, ln_lo)
    }

    /// Entry `k`'s factor at `alpha` (on branch `side`), the same operations as the
    /// vectorised loops.
    #[inline(always)]
    fn value_of<T: KernelScalar>(&self, k: usize, side: Option<ExpSide>, alpha: T) -> T {
        match side {
            Some(side) => alpha.scale(self.slope(k, side)).exp(),
            None => poly6::value(self.coef_of(k), alpha),
        }
    }

    /// Entry `k`'s `f'/f` at `alpha` (on branch `side`) with factor `value`, the same
    /// operations as the vectorised loops. On an exponential branch the ratio is the slope
    /// itself, a constant (NaN stays NaN, as the quotient would).
    #[inline(always)]
    fn ratio_of<T: KernelScalar>(
        &self,
        k: usize,
        side: Option<ExpSide>,
        a: f64,
        alpha: T,
        value: T,
    ) -> T {
        match side {
            Some(_) if a.is_nan() => T::cst(f64::NAN),
            Some(side) => T::cst(self.slope(k, side)),
            None => poly6::deriv(self.coef_of(k), alpha) / value,
        }
    }

    /// Entry `k`'s interpolation, rebuilt from the table (the coefficient products are
    /// those of [`NormSysInterp::new`], so it computes the same numbers as the original):
    /// only the rare blocks whose product is zero or not finite need it, and keeping a copy
    /// of every entry would more than double the table.
    fn interp(&self, k: usize) -> NormSysInterp {
        NormSysInterp {
            code: self.code,
            ln_hi: self.ln[k][0],
            ln_lo: self.ln[k][1],
            pd: std::array::from_fn(|i| [self.coef[i][k], self.coef[i][k] * (i as f64 + 1.0)]),
        }
    }

    /// Entry `k`'s derivative at `pars`, the same number the polynomial loops form.
    pub(crate) fn deriv<T: KernelScalar>(&self, k: usize, pars: &[T]) -> T {
        self.interp(k).eval(pars[self.param[k]]).1
    }

    /// Every factor at `pars`, into `w` (read back with [`NormSysWork::product`] and
    /// [`NormSysWork::value`]).
    pub(crate) fn values<T: KernelScalar>(&self, pars: &[T], w: &mut NormSysWork<T>) {
        if T::SPARSE_DUAL {
            return self.values_sparse(pars, w);
        }
        gather(&self.param, pars, &mut w.alpha, |a| a);
        T::poly6_values(&self.coef, &w.alpha, &mut w.value);
        for (side, _, entries) in self.fixups(|p| pars[p].re()) {
            for &k in entries {
                w.value[k] = self.value_of(k, Some(side), w.alpha[k]);
            }
        }
    }

    /// Every factor's derivative in its alpha divided by the factor, `f'(alpha) / f`, into
    /// `w`, after [`values`](Self::values) at the same `pars` (read back with
    /// [`NormSysWork::add_ratios`]). The gradient wants "the product of all other factors"
    /// times `f'`, which is the block's product times this ratio whenever no factor is
    /// zero: the divisions done here in one vectorised pass cost a third of the per-entry
    /// scalar divisions they replace in the block loop (1Lbb). On an exponential branch
    /// the ratio is the slope itself, a constant (its derivative is zero, which dual
    /// numbers get right with a constant): forming it as `f'/f` evaluated the exponential
    /// a second time.
    pub(crate) fn log_derivs<T: KernelScalar>(&self, pars: &[T], w: &mut NormSysWork<T>) {
        if T::SPARSE_DUAL {
            return self.log_derivs_sparse(pars, w);
        }
        T::poly6_log_derivs(&self.coef, &w.alpha, &w.value, &mut w.ratio);
        for (side, a, entries) in self.fixups(|p| pars[p].re()) {
            for &k in entries {
                w.ratio[k] = self.ratio_of(k, Some(side), a, w.alpha[k], w.value[k]);
            }
        }
    }

    /// [`values`](Self::values) for sparse duals: the real parts of every entry once per
    /// point (see [`NormSysWork::refresh`]), dual numbers for the entries of parameters
    /// that carry derivatives, given the next slots of the compact dual arrays.
    fn values_sparse<T: KernelScalar>(&self, pars: &[T], w: &mut NormSysWork<T>) {
        if self.param.is_empty() {
            // Nothing to do, and the key of `refresh` would be an allocation per fit.
            return;
        }
        w.refresh(self, pars);
        w.unslot(self);
        for (i, &p) in self.params.iter().enumerate() {
            if !pars[p].is_constant() {
                w.dual_params.push(i);
            }
        }
        // Exactly this pass's entries: the arrays grow to the most entries any pass has,
        // not to every entry, and not to twice that.
        let count = w.dual_params.iter().map(|&i| self.entries[i].len()).sum();
        w.value.reserve_exact(count);
        for &i in &w.dual_params {
            let alpha = pars[self.params[i]];
            let side = ExpSide::of(self.code, alpha.re());
            for &k in &self.entries[i] {
                w.slot[k] = slot_index(w.value.len());
                w.value.push(self.value_of(k, side, alpha));
            }
        }
    }

    /// [`log_derivs`](Self::log_derivs) for sparse duals (see
    /// [`values_sparse`](Self::values_sparse)): the constant entries' ratios were formed
    /// with their values.
    fn log_derivs_sparse<T: KernelScalar>(&self, pars: &[T], w: &mut NormSysWork<T>) {
        w.ratio.clear();
        w.ratio.reserve_exact(w.value.len());
        for &i in &w.dual_params {
            let alpha = pars[self.params[i]];
            let a = alpha.re();
            let side = ExpSide::of(self.code, a);
            for &k in &self.entries[i] {
                // Slots were given in this same order: the ratio lands in its entry's slot.
                let v = w.value[w.slot[k] as usize];
                debug_assert_eq!(w.slot[k] as usize, w.ratio.len());
                w.ratio.push(self.ratio_of(k, side, a, alpha, v));
            }
        }
    }
}

/// The factors and `f'/f` ratios of a [`NormSysTable`] at one point, per scratch.
///
/// For sparse duals ([`KernelScalar::SPARSE_DUAL`](super::scalar::KernelScalar::SPARSE_DUAL)) the entries whose alpha carries no
/// derivative are kept as plain numbers (`value_re`, `ratio_re`) and `value`/`ratio` hold
/// only the entries of the seeded parameters, compactly, at the entries' `slot`s: sized for
/// every entry, the two dual arrays were most of a Hessian scratch's memory after the
/// per-bin buffers (326 KB of 940 KB with 8 lanes on a 590-parameter model) for the few
/// dozen entries a pass seeds.
#[derive(Clone, Debug)]
pub(crate) struct NormSysWork<T> {
    /// Every entry's alpha, gathered contiguously for the vectorised loops (not for sparse
    /// duals, which gather real parts into `alpha_re`).
    alpha: Vec<T>,
    /// Every entry's factor and ratio; for sparse duals, those of the dual entries only,
    /// in slot order.
    value: Vec<T>,
    ratio: Vec<T>,
    /// Sparse duals: the real parts of `pars` that `alpha_re`, `value_re` and `ratio_re`
    /// were computed at (empty: none yet).
    key: Vec<f64>,
    alpha_re: Vec<f64>,
    value_re: Vec<f64>,
    ratio_re: Vec<f64>,
    /// Sparse duals: each entry's index into `value`/`ratio`, [`NOT_DUAL`] for the constant
    /// ones, and the parameters (indices into the table's distinct parameters) of the dual
    /// entries.
    slot: Vec<u32>,
    dual_params: Vec<usize>,
}

/// The [`NormSysWork::slot`] of an entry that holds a plain number (and of a parameter
/// whose histosys coefficients do, in [`HistoWork`](super::histosys::HistoWork)).
pub(crate) const NOT_DUAL: u32 = u32::MAX;

/// Compact slot `i` as stored: a pass seeds a few parameters, far fewer than 2^32 - 1
/// entries.
pub(crate) fn slot_index(i: usize) -> u32 {
    let s = u32::try_from(i).unwrap_or(NOT_DUAL);
    assert!(s != NOT_DUAL, "too many normsys entries seeded in one pass");
    s
}

impl<T: KernelScalar> NormSysWork<T> {
    /// Buffers for `table`.
    pub(crate) fn new(table: &NormSysTable) -> Self {
        let n = table.len();
        let z = T::cst(0.0);
        // Sparse duals grow `value` and `ratio` to the entries of their passes.
        let (live, sparse) = if T::SPARSE_DUAL { (0, n) } else { (n, 0) };
        NormSysWork {
            alpha: vec![z; live],
            value: vec![z; live],
            ratio: vec![z; live],
            key: Vec::new(),
            alpha_re: vec![0.0; sparse],
            value_re: vec![0.0; sparse],
            ratio_re: vec![0.0; sparse],
            slot: vec![NOT_DUAL; sparse],
            dual_params: Vec::new(),
        }
    }

    /// Sparse duals: marks the previous pass's dual entries constant and empties the
    /// compact arrays, touching only those entries.
    fn unslot(&mut self, table: &NormSysTable) {
        for &i in &self.dual_params {
            for &k in &table.entries[i] {
                self.slot[k] = NOT_DUAL;
            }
        }
        self.dual_params.clear();
        self.value.clear();
        self.ratio.clear();
    }

    /// Sparse duals: entry `k`'s dual slot, if it holds a dual number.
    #[inline(always)]
    fn dual_slot(&self, k: usize) -> Option<usize> {
        slot_of(self.slot[k])
    }

    /// Sparse duals: recomputes every entry's real parts (alpha, factor, ratio) unless
    /// they were computed at the same real parts of `pars` already, as they were for every
    /// pass of a Hessian but its first. They are formed by the `f64` operations the dual
    /// arithmetic does on real parts, in the same order (`SPARSE_DUAL`'s requirement), so
    /// a constant entry is exactly what the dual evaluation gave. The ratio divides as `T`
    /// divides.
    fn refresh(&mut self, table: &NormSysTable, pars: &[T]) {
        let same = self.key.len() == pars.len()
            && self
                .key
                .iter()
                .zip(pars)
                .all(|(k, p)| k.to_bits() == p.re().to_bits());
        if same {
            return;
        }
        self.key.clear();
        self.key.extend(pars.iter().map(|p| p.re()));
        gather(&table.param, pars, &mut self.alpha_re, T::re);
        poly6::values_f64(&table.coef, &self.alpha_re, &mut self.value_re);
        for (k, (r, (&a, &v))) in self
            .ratio_re
            .iter_mut()
            .zip(self.alpha_re.iter().zip(&self.value_re))
            .enumerate()
        {
            *r = (T::cst(poly6::deriv(table.coef_of(k), a)) / T::cst(v)).re();
        }
        let key = &self.key;
        for (side, a, entries) in table.fixups(|p| key[p]) {
            for &k in entries {
                let v = table.value_of(k, Some(side), self.alpha_re[k]);
                self.value_re[k] = v;
                self.ratio_re[k] = table.ratio_of(k, Some(side), a, a, v);
            }
        }
    }

    /// Entry `k`'s factor.
    #[inline(always)]
    pub(crate) fn value(&self, k: usize) -> T {
        if !T::SPARSE_DUAL {
            return self.value[k];
        }
        match self.dual_slot(k) {
            Some(s) => self.value[s],
            None => T::cst(self.value_re[k]),
        }
    }

    /// The product of the factors `range` (a block's), with four independent partial
    /// products: a single running product is a chain of dependent multiplies,
    /// latency-bound at ~4 cycles each, which profiling showed as the largest single cost
    /// of the forward pass (about 50 normsys factors per 1Lbb block). A constant factor of
    /// a sparse dual multiplies as a plain number (the same real part and derivatives; a
    /// derivative's zero may change sign), reading 8 bytes instead of a whole dual.
    #[inline]
    pub(crate) fn product(&self, range: Range<usize>) -> T {
        let mut acc = [T::cst(1.0); 4];
        if T::SPARSE_DUAL {
            let (re, slot) = (&self.value_re[range.clone()], &self.slot[range]);
            for (j, (&v, &s)) in re.iter().zip(slot).enumerate() {
                let l = j % 4;
                acc[l] = match slot_of(s) {
                    Some(s) => acc[l] * self.value[s],
                    None => acc[l].scale(v),
                };
            }
        } else {
            let mut quads = self.value[range].chunks_exact(4);
            for q in quads.by_ref() {
                for l in 0..4 {
                    acc[l] *= q[l];
                }
            }
            for (l, &v) in quads.remainder().iter().enumerate() {
                acc[l] *= v;
            }
        }
        (acc[0] * acc[1]) * (acc[2] * acc[3])
    }

    /// `grad[params[j]] += gp * ratio` for every entry `range.start + j` (`params` are the
    /// entries' parameters). A constant ratio of a sparse dual multiplies as a plain number
    /// (see [`product`](Self::product)).
    #[inline]
    pub(crate) fn add_ratios(&self, range: Range<usize>, params: &[usize], gp: T, grad: &mut [T]) {
        if T::SPARSE_DUAL {
            let (re, slot) = (&self.ratio_re[range.clone()], &self.slot[range]);
            for ((&i, &r), &s) in params.iter().zip(re).zip(slot) {
                grad[i] += match slot_of(s) {
                    Some(s) => gp * self.ratio[s],
                    None => gp.scale(r),
                };
            }
        } else {
            for (&i, &r) in params.iter().zip(&self.ratio[range]) {
                grad[i] += gp * r;
            }
        }
    }
}

/// A stored [`NormSysWork::slot`] as an index into the compact dual arrays, if any.
#[inline(always)]
pub(crate) fn slot_of(s: u32) -> Option<usize> {
    (s != NOT_DUAL).then_some(s as usize)
}

/// `out[k] = part(pars[param[k]])` for every entry `k`: the alphas gathered contiguously
/// for the vectorised loops. Not inlined: inside the evaluation's large loop nest the
/// output pointer was spilled and reloaded on every entry (1Lbb logpdf +2.5% instructions).
#[inline(never)]
fn gather<T: Copy, U>(param: &[usize], pars: &[T], out: &mut [U], part: impl Fn(T) -> U) {
    for (a, &p) in out.iter_mut().zip(param) {
        *a = part(pars[p]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::likelihood::kernels::lanes::Lanes;
    use crate::likelihood::kernels::scalar::Scalar;
    use crate::model::NormSysCode;
    use num_dual::Dual64;

    /// Every way of evaluating the table (vectorised `f64`, generic dual numbers, sparse
    /// dual numbers with derivatives on one parameter) gives each entry's own
    /// interpolation, inside, outside and at the kinks, with the work buffers reused from
    /// one point to the next as evaluation does.
    #[test]
    fn table_matches_entrywise_eval_inside_outside_and_at_the_kinks() {
        let alphas = [
            -3.0,
            -1.0,
            -1.0 + 1e-12,
            -0.4,
            0.0,
            0.25,
            1.0 - 1e-12,
            1.0,
            2.5,
            f64::NAN,
        ];
        let same = |a: f64, b: f64| a == b || (a.is_nan() && b.is_nan());
        // On the exponential branches f'/f is the logarithm itself, not the quotient of
        // the two rounded numbers: an ulp or two apart. Dual numbers may divide through a
        // reciprocal: the same.
        let near = |a: f64, b: f64| same(a, b) || (a - b).abs() <= 1e-15 * b.abs();
        // Derivatives: the reference's f'/f on an exponential branch is a rounded quotient
        // whose derivative is a rounding residue, where the table's is exactly zero.
        let close = |a: f64, b: f64| same(a, b) || (a - b).abs() <= 1e-13 * (1.0 + b.abs());
        for code in [NormSysCode::Code4, NormSysCode::Code1] {
            // Entry k uses parameter k % 3 of `pars`, so every alpha meets every factor.
            let factors = [(1.1, 0.9), (1.3, 0.95), (0.8, 1.2), (1.05, 1.02)];
            let mut table = NormSysTable::default();
            let mut interps = Vec::new();
            for k in 0..24 {
                let (hi, lo) = factors[k % factors.len()];
                let i = NormSysInterp::new(code, hi, lo);
                table.push(k % 3, i.clone());
                interps.push(i);
            }
            let mut w = NormSysWork::<f64>::new(&table);
            let mut dw = NormSysWork::<Dual64>::new(&table);
            let mut lw = NormSysWork::<Lanes<2>>::new(&table);
            for (step, win) in alphas.windows(3).enumerate() {
                let pars = [win[0], win[1], win[2]];
                table.values(&pars, &mut w);
                table.log_derivs(&pars, &mut w);
                // Dual64: seeded on parameter 0; Lanes: on parameter `step % 3` (lane 1),
                // so the sparse evaluation keeps some entries from the previous point.
                let dp: Vec<Dual64> = (0..3)
                    .map(|j| Dual64::new(pars[j], if j == 0 { 1.0 } else { 0.0 }))
                    .collect();
                table.values(&dp, &mut dw);
                table.log_derivs(&dp, &mut dw);
                let seeded = step % 3;
                let lp: Vec<Lanes<2>> = (0..3)
                    .map(|j| Lanes {
                        re: pars[j],
                        eps: [0.0, if j == seeded { 1.0 } else { 0.0 }],
                    })
                    .collect();
                table.values(&lp, &mut lw);
                table.log_derivs(&lp, &mut lw);
                let n = table.len();
                let ratios = |w: &NormSysWork<f64>| {
                    let mut g = vec![0.0; n];
                    w.add_ratios(0..n, &(0..n).collect::<Vec<_>>(), 1.0, &mut g);
                    g
                };
                let d = ratios(&w);
                let mut dd = vec![Dual64::from(0.0); n];
                dw.add_ratios(
                    0..n,
                    &(0..n).collect::<Vec<_>>(),
                    Dual64::from(1.0),
                    &mut dd,
                );
                let mut ld = vec![Lanes::<2>::cst(0.0); n];
                lw.add_ratios(0..n, &(0..n).collect::<Vec<_>>(), Lanes::cst(1.0), &mut ld);
                for k in 0..n {
                    let a = pars[k % 3];
                    let (want, deriv) = interps[k].eval(a);
                    let dwant = deriv / want;
                    let msg = format!("{code:?} {pars:?} {k}");
                    assert_eq!(table.deriv(k, &pars).to_bits(), deriv.to_bits());
                    assert!(same(w.value(k), want), "{msg}: {} {want}", w.value(k));
                    assert!(near(d[k], dwant), "{msg}: {} {dwant}", d[k]);
                    assert!(same(dw.value(k).re, want) && near(dd[k].re, dwant), "{msg}");
                    assert!(same(lw.value(k).re, want) && near(ld[k].re, dwant), "{msg}");
                    // Derivatives in alpha: the Dual64 ones on parameter 0, the lanes' in
                    // lane 1 on the seeded parameter (zero elsewhere and in lane 0).
                    let (f1, f2) = interps[k].eval(Dual64::new(a, 1.0));
                    let (dv, dr) = (f1.eps, (f2 / f1).eps);
                    if a.is_nan() {
                        // The value is NaN; its derivatives say nothing.
                        continue;
                    }
                    let on = |j: usize, d: f64| if k % 3 == j { d } else { 0.0 };
                    assert!(close(dw.value(k).eps, on(0, dv)), "{msg}");
                    assert!(close(dd[k].eps, on(0, dr)), "{msg}");
                    let lv = lw.value(k).eps;
                    assert!(
                        lv[0] == 0.0 && close(lv[1], on(seeded, dv)),
                        "{msg}: {lv:?}"
                    );
                    assert!(ld[k].eps[0] == 0.0, "{msg}");
                    assert!(close(ld[k].eps[1], on(seeded, dr)), "{msg}");
                }
            }
        }
    }
}
