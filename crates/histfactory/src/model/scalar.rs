//! The number type the likelihood is written over.
//!
//! Evaluation code is generic over [`Scalar`] so that one implementation serves two
//! purposes: with `f64` it is the fast path, and with a forward dual number
//! ([`num_dual::Dual64`]) pushed through the hand-written gradient it yields exact
//! Hessian columns (and an independent check of the gradient).

use num_dual::{Dual64, DualNum};
use std::ops::{Add, AddAssign, Div, Mul, MulAssign, Neg, Sub, SubAssign};

/// The arithmetic the likelihood needs, implemented for `f64` and `Dual64`.
pub trait Scalar:
    Copy
    + Send
    + Sync
    + std::fmt::Debug
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
    + Div<Output = Self>
    + Neg<Output = Self>
    + AddAssign
    + SubAssign
    + MulAssign
{
    /// A constant (zero derivative).
    fn cst(x: f64) -> Self;
    /// The real part, used for branch decisions (which interpolation branch, clipping).
    fn re(self) -> f64;
    /// Natural logarithm.
    fn ln(self) -> Self;
    /// Exponential.
    fn exp(self) -> Self;
    /// Multiplication by a plain number.
    fn scale(self, f: f64) -> Self;
    /// Two polynomials in `self` at once by Horner's rule, coefficients interleaved
    /// `c[i] = [a_i, b_i]`: returns `(sum a_i x^i, sum b_i x^i)`.
    #[inline(always)]
    fn horner_pair(self, c: &[[f64; 2]; 6]) -> (Self, Self) {
        let (mut a, mut b) = (Self::cst(c[5][0]), Self::cst(c[5][1]));
        for ci in c[..5].iter().rev() {
            a = a * self + Self::cst(ci[0]);
            b = b * self + Self::cst(ci[1]);
        }
        (a, b)
    }
    /// Whether the value is a normal float (not zero, subnormal, infinite or NaN); for a
    /// bundle of points, in every point.
    #[doc(hidden)]
    #[inline(always)]
    fn all_normal(self) -> bool {
        self.re().is_normal()
    }
    /// Whether the normsys table and the histosys coefficients may evaluate this type's
    /// real and derivative parts apart (see
    /// [`NormSysWork`](crate::model::normsys::NormSysWork) and
    /// [`HistoWork`](crate::model::histosys::HistoWork)): true for dual numbers
    /// whose derivative parts are mostly zero (Hessian passes seed a few parameters) and
    /// whose real part of a sum, product, [`scale`](Self::scale) and [`exp`](Self::exp)
    /// is the `f64` operation on the real parts, so that plain numbers reproduce it
    /// exactly (divisions are formed through the type itself). False by default: every
    /// part is evaluated as the type.
    #[doc(hidden)]
    const SPARSE_DUAL: bool = false;
    /// Whether the value carries no derivative (only asked of
    /// [`SPARSE_DUAL`](Self::SPARSE_DUAL) types).
    #[doc(hidden)]
    #[inline(always)]
    fn is_constant(self) -> bool {
        false
    }
    /// code4's normsys polynomial `1 + x (c0 + x (c1 + ... + x c5))` for every entry `k`
    /// (coefficients `c[i][k]`, `x[k]`), into `out`; the loop of [`NormSysTable`]
    /// (crate::model::normsys::NormSysTable), overridden for `f64` by a vectorised one.
    #[doc(hidden)]
    #[inline]
    fn poly6_values(c: &[Vec<f64>; 6], x: &[Self], out: &mut [Self]) {
        poly6_values_in(c, x, out)
    }
    /// The derivative of [`poly6_values`](Self::poly6_values)'s polynomials divided by
    /// `v`.
    #[doc(hidden)]
    #[inline]
    fn poly6_log_derivs(c: &[Vec<f64>; 6], x: &[Self], v: &[Self], out: &mut [Self]) {
        poly6_log_derivs_in(c, x, v, out)
    }
}

impl Scalar for f64 {
    #[inline(always)]
    fn cst(x: f64) -> Self {
        x
    }
    #[inline(always)]
    fn re(self) -> f64 {
        self
    }
    #[inline(always)]
    fn ln(self) -> Self {
        f64::ln(self)
    }
    #[inline(always)]
    fn exp(self) -> Self {
        f64::exp(self)
    }
    #[inline(always)]
    fn scale(self, f: f64) -> Self {
        self * f
    }
    /// Written on `[f64; 2]` lanes so that the two chains compile to one packed
    /// multiply-add per step (SSE2): normsys factors and their derivatives are the
    /// largest cost of the forward pass on workspaces with thousands of normsys.
    #[inline(always)]
    fn horner_pair(self, c: &[[f64; 2]; 6]) -> (Self, Self) {
        let mut acc = c[5];
        for ci in c[..5].iter().rev() {
            acc = [acc[0] * self + ci[0], acc[1] * self + ci[1]];
        }
        (acc[0], acc[1])
    }
    #[inline]
    fn poly6_values(c: &[Vec<f64>; 6], x: &[Self], out: &mut [Self]) {
        crate::model::normsys::poly6_values_f64(c, x, out)
    }
    #[inline]
    fn poly6_log_derivs(c: &[Vec<f64>; 6], x: &[Self], v: &[Self], out: &mut [Self]) {
        crate::model::normsys::poly6_log_derivs_f64(c, x, v, out)
    }
}

impl Scalar for Dual64 {
    #[inline(always)]
    fn cst(x: f64) -> Self {
        Dual64::from(x)
    }
    #[inline(always)]
    fn re(self) -> f64 {
        self.re
    }
    #[inline(always)]
    fn ln(self) -> Self {
        DualNum::ln(&self)
    }
    #[inline(always)]
    fn exp(self) -> Self {
        DualNum::exp(&self)
    }
    #[inline(always)]
    fn scale(self, f: f64) -> Self {
        self * f
    }
}

/// code4's polynomial `1 + x (c0 + x (c1 + ... + x c5))` of one entry: the operations, in
/// order, of every normsys evaluation (loops and single entries alike), so that all give
/// identical results. Horner's rule in the order of `NormSysInterp::eval`.
#[inline(always)]
pub(crate) fn poly6_value<T: Scalar>(c: [f64; 6], a: T) -> T {
    let acc = T::cst(c[5]) * a + T::cst(c[4]);
    let acc = (acc * a + T::cst(c[3])) * a + T::cst(c[2]);
    let acc = (acc * a + T::cst(c[1])) * a + T::cst(c[0]);
    acc * a + T::cst(1.0)
}

/// The derivative of [`poly6_value`]'s polynomial, `sum (i+1) c_i x^i`.
#[inline(always)]
pub(crate) fn poly6_deriv<T: Scalar>(c: [f64; 6], a: T) -> T {
    let acc = T::cst(c[5] * 6.0) * a + T::cst(c[4] * 5.0);
    let acc = (acc * a + T::cst(c[3] * 4.0)) * a + T::cst(c[2] * 3.0);
    (acc * a + T::cst(c[1] * 2.0)) * a + T::cst(c[0])
}

/// [`Scalar::poly6_values`]'s loop, for any scalar; the `f64` override runs it compiled for
/// AVX.
#[inline(always)]
pub(crate) fn poly6_values_in<T: Scalar>(c: &[Vec<f64>; 6], x: &[T], out: &mut [T]) {
    let n = out.len();
    let ([c0, c1, c2, c3, c4, c5], x) = (coefs_to(c, n), &x[..n]);
    for k in 0..n {
        out[k] = poly6_value([c0[k], c1[k], c2[k], c3[k], c4[k], c5[k]], x[k]);
    }
}

/// The six coefficient rows cut to exactly `n` entries, so that the loops over them have
/// no bounds checks and vectorise.
#[inline(always)]
fn coefs_to(c: &[Vec<f64>; 6], n: usize) -> [&[f64]; 6] {
    [
        &c[0][..n],
        &c[1][..n],
        &c[2][..n],
        &c[3][..n],
        &c[4][..n],
        &c[5][..n],
    ]
}

/// [`Scalar::poly6_log_derivs`]'s loop, for any scalar (see [`poly6_values_in`]).
#[inline(always)]
pub(crate) fn poly6_log_derivs_in<T: Scalar>(c: &[Vec<f64>; 6], x: &[T], v: &[T], out: &mut [T]) {
    let n = out.len();
    let ([c0, c1, c2, c3, c4, c5], x, v) = (coefs_to(c, n), &x[..n], &v[..n]);
    for k in 0..n {
        out[k] = poly6_deriv([c0[k], c1[k], c2[k], c3[k], c4[k], c5[k]], x[k]) / v[k];
    }
}
