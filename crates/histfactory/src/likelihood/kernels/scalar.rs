//! The number type the likelihood is written over.
//!
//! Evaluation code is generic over [`Scalar`] so that one implementation serves two
//! purposes: with `f64` it is the fast path, and with a forward dual number
//! ([`num_dual::Dual64`]) pushed through the hand-written gradient it yields exact
//! Hessian columns (and an independent check of the gradient).

use num_dual::{Dual64, DualNum};
use std::ops::{Add, AddAssign, Div, Mul, MulAssign, Neg, Sub, SubAssign};

/// The arithmetic the likelihood needs (the kernels' extra demands are
/// [`KernelScalar`](super::hooks::KernelScalar)), implemented for `f64`, `Dual64`, Hessian lanes
/// ([`Lanes`](super::lanes::Lanes)) and bundles of points ([`Points`](super::points::Points)).
pub(crate) trait Scalar:
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
