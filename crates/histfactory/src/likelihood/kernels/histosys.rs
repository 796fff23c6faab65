//! The histosys coefficients of every parameter at one point, per scratch ([`HistoWork`]).

use super::hooks::KernelScalar;
use super::interp::{histo_coeffs, HistoCoeffs};
use super::normsys::{slot_index, slot_of, NOT_DUAL};
use crate::model::HistoSysCode;

/// Every parameter's [`HistoCoeffs`] at one point, computed once per evaluation and read by
/// every histosys term of every block.
///
/// For sparse duals ([`KernelScalar::SPARSE_DUAL`](super::scalar::KernelScalar::SPARSE_DUAL)) the coefficients of parameters that carry no
/// derivative are plain numbers (`coef_re`) and `coef` holds only the seeded parameters',
/// compactly, at their `slot`s. A constant term then adds `c_up up + c_dn dn` as one plain
/// number instead of two scaled dual numbers: a Hessian pass seeds at most 8 parameters,
/// so nearly every term of a pass is constant. Sized for every parameter, the dual
/// coefficients were 170 KB of a 590-parameter model's 8-lane scratch.
#[derive(Clone, Debug)]
pub(crate) struct HistoWork<T> {
    /// Every parameter's coefficients, by parameter; for sparse duals, the seeded
    /// parameters' only, in slot order.
    coef: Vec<HistoCoeffs<T>>,
    /// Sparse duals: every parameter's coefficients as plain numbers, valid where its
    /// `slot` is [`NOT_DUAL`].
    coef_re: Vec<HistoCoeffs<f64>>,
    /// Sparse duals: each parameter's index into `coef`, [`NOT_DUAL`] for constant ones.
    slot: Vec<u32>,
    /// Sparse duals: the parameters given a slot by the last [`update`](Self::update).
    seeded: Vec<usize>,
    /// Sparse duals: whether constant coefficients may be plain numbers. A constant dual
    /// coefficient's derivatives are zeros, which a finite delta turns into zeros that add
    /// nothing; an infinite one turns them into NaN, which plain numbers would lose.
    plain: bool,
}

impl<T: KernelScalar> HistoWork<T> {
    /// Buffers for `n_pars` parameters; `finite` says whether every histosys delta of the
    /// model is finite.
    pub(crate) fn new(n_pars: usize, finite: bool) -> Self {
        let z = T::cst(0.0);
        let dual = HistoCoeffs {
            c_up: z,
            c_dn: z,
            d_up: z,
            d_dn: z,
        };
        // Sparse duals grow `coef` to the seeded parameters of their passes.
        let (live, sparse) = if T::SPARSE_DUAL {
            (0, n_pars)
        } else {
            (n_pars, 0)
        };
        HistoWork {
            coef: vec![dual; live],
            coef_re: vec![HistoCoeffs::default(); sparse],
            slot: vec![NOT_DUAL; sparse],
            seeded: Vec::new(),
            plain: finite,
        }
    }

    /// The coefficients of parameters `params` (those with histosys terms) at `pars`.
    #[inline]
    pub(crate) fn update(&mut self, code: HistoSysCode, params: &[usize], pars: &[T]) {
        if T::SPARSE_DUAL {
            return self.update_sparse(code, params, pars);
        }
        for &i in params {
            self.coef[i] = histo_coeffs(code, pars[i]);
        }
    }

    /// [`update`](Self::update) for sparse duals. A constant alpha's coefficients are the
    /// real parts of the dual ones: they take only sums, products and scalings, whose real
    /// parts are the `f64` operations ([`KernelScalar::SPARSE_DUAL`](super::scalar::KernelScalar::SPARSE_DUAL)). A non-finite alpha keeps
    /// dual coefficients, whose NaN derivatives plain numbers would lose.
    fn update_sparse(&mut self, code: HistoSysCode, params: &[usize], pars: &[T]) {
        for &i in &self.seeded {
            self.slot[i] = NOT_DUAL;
        }
        self.seeded.clear();
        self.coef.clear();
        for &i in params {
            let alpha = pars[i];
            if self.plain && alpha.is_constant() && alpha.re().is_finite() {
                self.coef_re[i] = histo_coeffs(code, alpha.re());
            } else {
                self.slot[i] = slot_index(self.coef.len());
                self.seeded.push(i);
                self.coef.push(histo_coeffs(code, alpha));
            }
        }
    }

    /// Parameter `param`'s coefficients as its terms read them: dual ones unless sparse,
    /// else a seeded parameter's; plain numbers for the others.
    #[inline(always)]
    pub(crate) fn term(&self, param: usize) -> Term<T> {
        if !T::SPARSE_DUAL {
            return Term::Dual(self.coef[param]);
        }
        match slot_of(self.slot[param]) {
            Some(s) => Term::Dual(self.coef[s]),
            None => Term::Plain(self.coef_re[param]),
        }
    }

    /// `a[j]` plus parameter `param`'s delta of bin `j` (`up[j]`, `dn[j]`) for every bin of
    /// a block, choosing between dual and plain coefficients once for all bins.
    #[inline(always)]
    pub(crate) fn add_deltas(&self, a: &mut [T], param: usize, up: &[f64], dn: &[f64]) {
        match self.term(param) {
            Term::Dual(c) => {
                for ((x, &u), &d) in a.iter_mut().zip(up).zip(dn) {
                    *x += c.c_up.scale(u) + c.c_dn.scale(d);
                }
            }
            plain => {
                for ((x, &u), &d) in a.iter_mut().zip(up).zip(dn) {
                    *x = plain.add_delta(*x, u, d);
                }
            }
        }
    }
}

/// One parameter's histosys coefficients, from [`HistoWork::term`].
#[derive(Clone, Copy, Debug)]
pub(crate) enum Term<T> {
    /// Dual coefficients (any coefficient of a type that is not a sparse dual).
    Dual(HistoCoeffs<T>),
    /// A sparse dual's constant coefficients, as plain numbers.
    Plain(HistoCoeffs<f64>),
}

impl<T: KernelScalar> Term<T> {
    /// `acc` plus the delta `c_up up + c_dn dn` of one bin. A plain delta adds as a plain
    /// number: as a dual its derivatives would be zeros, and the derivatives of `acc` (a
    /// sum that started from a constant) are never -0, so adding zeros leaves them as
    /// they are.
    #[inline(always)]
    pub(crate) fn add_delta(self, acc: T, up: f64, dn: f64) -> T {
        match self {
            Term::Dual(c) => acc + (c.c_up.scale(up) + c.c_dn.scale(dn)),
            Term::Plain(c) => acc + T::cst(c.c_up * up + c.c_dn * dn),
        }
    }

    /// `[d_up, d_dn]`, the factors of the adjoint-weighted sums of the up and down deltas
    /// in the gradient. Plain coefficients become constant duals, to multiply as such: as
    /// [`scale`](super::scalar::Scalar::scale), an infinite sum would lose the NaN derivatives it made
    /// when they were stored as duals.
    #[inline(always)]
    pub(crate) fn derivs(self) -> [T; 2] {
        match self {
            Term::Dual(c) => [c.d_up, c.d_dn],
            Term::Plain(c) => [T::cst(c.d_up), T::cst(c.d_dn)],
        }
    }
}
