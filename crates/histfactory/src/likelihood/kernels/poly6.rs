//! code4's normsys polynomial, `1 + x (c0 + x (c1 + ... + x c5))`, and its derivative:
//! for one entry, and in loops over all entries of a [`NormSysTable`], compiled for AVX
//! where the CPU has it.
//!
//! [`NormSysTable`]: crate::model::modifiers::NormSysTable

use super::scalar::Scalar;
use crate::simd::dispatch;

/// code4's polynomial `1 + x (c0 + x (c1 + ... + x c5))` of one entry: the operations, in
/// order, of every normsys evaluation (loops and single entries alike), so that all give
/// identical results. Horner's rule in the order of `NormSysInterp::eval`.
#[inline(always)]
pub(crate) fn value<T: Scalar>(c: [f64; 6], a: T) -> T {
    let acc = T::cst(c[5]) * a + T::cst(c[4]);
    let acc = (acc * a + T::cst(c[3])) * a + T::cst(c[2]);
    let acc = (acc * a + T::cst(c[1])) * a + T::cst(c[0]);
    acc * a + T::cst(1.0)
}

/// The derivative of [`value`]'s polynomial, `sum (i+1) c_i x^i`.
#[inline(always)]
pub(crate) fn deriv<T: Scalar>(c: [f64; 6], a: T) -> T {
    let acc = T::cst(c[5] * 6.0) * a + T::cst(c[4] * 5.0);
    let acc = (acc * a + T::cst(c[3] * 4.0)) * a + T::cst(c[2] * 3.0);
    (acc * a + T::cst(c[1] * 2.0)) * a + T::cst(c[0])
}

/// [`KernelScalar::poly6_values`](super::scalar::KernelScalar::poly6_values)'s loop, for any scalar; the `f64` override runs it compiled for
/// AVX.
#[inline(always)]
pub(crate) fn values_in<T: Scalar>(c: &[Vec<f64>; 6], x: &[T], out: &mut [T]) {
    let n = out.len();
    let ([c0, c1, c2, c3, c4, c5], x) = (coefs_to(c, n), &x[..n]);
    for k in 0..n {
        out[k] = value([c0[k], c1[k], c2[k], c3[k], c4[k], c5[k]], x[k]);
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

/// [`KernelScalar::poly6_log_derivs`](super::scalar::KernelScalar::poly6_log_derivs)'s loop, for any scalar (see [`values_in`]).
#[inline(always)]
pub(crate) fn log_derivs_in<T: Scalar>(c: &[Vec<f64>; 6], x: &[T], v: &[T], out: &mut [T]) {
    let n = out.len();
    let ([c0, c1, c2, c3, c4, c5], x, v) = (coefs_to(c, n), &x[..n], &v[..n]);
    for k in 0..n {
        out[k] = deriv([c0[k], c1[k], c2[k], c3[k], c4[k], c5[k]], x[k]) / v[k];
    }
}

dispatch! {
    /// [`values_in`] on `f64`, compiled for AVX where the CPU has it: twice the width of
    /// the packed multiplies and adds of the normsys loops.
    pub(crate) fn values_f64(c: &[Vec<f64>; 6], x: &[f64], out: &mut [f64]) {
        "avx" => values_in(c, x, out)
    }
}

dispatch! {
    /// [`log_derivs_in`] on `f64`, compiled for AVX where the CPU has it: above all its
    /// divisions, a sixth of 1Lbb's value-and-gradient in the baseline build.
    pub(crate) fn log_derivs_f64(c: &[Vec<f64>; 6], x: &[f64], v: &[f64], out: &mut [f64]) {
        "avx" => log_derivs_in(c, x, v, out)
    }
}
