//! What the kernels ask of a number type beyond its arithmetic ([`KernelScalar`]): the
//! tests that steer the normsys and histosys loops, and loops a type may replace with
//! faster ones. Kept apart from [`Scalar`] so that the number types' arithmetic knows
//! nothing of the kernels.

use super::poisson;
use super::poly6;
use super::scalar::Scalar;
use num_dual::Dual64;

/// A number type the kernels evaluate: defaults right for any [`Scalar`], overridden by
/// `f64`, bundles of points and Hessian lanes where they do better.
pub(crate) trait KernelScalar: Scalar {
    /// Whether the value is a normal float (not zero, subnormal, infinite or NaN); for a
    /// bundle of points, in every point.
    #[inline(always)]
    fn all_normal(self) -> bool {
        self.re().is_normal()
    }
    /// Whether the normsys table and the histosys coefficients may evaluate this type's
    /// real and derivative parts apart (see
    /// [`NormSysWork`](super::normsys::NormSysWork) and
    /// [`HistoWork`](super::histosys::HistoWork)): true for dual numbers
    /// whose derivative parts are mostly zero (Hessian passes seed a few parameters) and
    /// whose real part of a sum, product, [`scale`](Scalar::scale) and [`exp`](Scalar::exp)
    /// is the `f64` operation on the real parts, so that plain numbers reproduce it
    /// exactly (divisions are formed through the type itself). False by default: every
    /// part is evaluated as the type.
    const SPARSE_DUAL: bool = false;
    /// Whether the value carries no derivative (only asked of
    /// [`SPARSE_DUAL`](Self::SPARSE_DUAL) types).
    #[inline(always)]
    fn is_constant(self) -> bool {
        false
    }
    /// code4's normsys polynomial `1 + x (c0 + x (c1 + ... + x c5))` for every entry `k`
    /// (coefficients `c[i][k]`, `x[k]`), into `out`; the loop of
    /// [`NormSysTable`](crate::model::modifiers::NormSysTable), overridden for `f64` by a vectorised one.
    #[inline]
    fn poly6_values(c: &[Vec<f64>; 6], x: &[Self], out: &mut [Self]) {
        poly6::values_in(c, x, out)
    }
    /// The derivative of [`poly6_values`](Self::poly6_values)'s polynomials divided by
    /// `v`.
    #[inline]
    fn poly6_log_derivs(c: &[Vec<f64>; 6], x: &[Self], v: &[Self], out: &mut [Self]) {
        poly6::log_derivs_in(c, x, v, out)
    }
    /// `ln(ratio) − f` with `ratio = 1 + f`, the Poisson terms' part that depends on the
    /// parameters ([`poisson::log1pmx`]); its branch is chosen on the real part, which a
    /// bundle of points overrides to choose per point.
    #[inline(always)]
    fn log1pmx(f: Self, ratio: Self) -> Self {
        poisson::log1pmx(f, ratio)
    }
}

impl KernelScalar for f64 {
    #[inline]
    fn poly6_values(c: &[Vec<f64>; 6], x: &[Self], out: &mut [Self]) {
        poly6::values_f64(c, x, out)
    }
    #[inline]
    fn poly6_log_derivs(c: &[Vec<f64>; 6], x: &[Self], v: &[Self], out: &mut [Self]) {
        poly6::log_derivs_f64(c, x, v, out)
    }
}

impl KernelScalar for Dual64 {}
