//! Several parameter points evaluated together, one per lane.
//!
//! For small models (the seed model has two parameters and one bin) the cost of a point
//! is almost all per-evaluation overhead: loop set-up for every block and modifier kind,
//! buffer zeroing, the two logarithms' call latency. Evaluating `N` points in one pass
//! through the same generic code pays that overhead once for `N` points, and the lane
//! arithmetic compiles to packed SIMD operations. Every lane does exactly the IEEE
//! operations the `f64` path does, so results are bit-identical to evaluating the points
//! one by one.
//!
//! The evaluation's branches (interpolation regions, clipping) are decided on lane 0
//! ([`Scalar::re`]); callers must only bundle points for which every such branch agrees:
//! points that differ only in parameters whose values share a [`kink_region`], in a model
//! without clipping (clipping compares rates, not parameters).

use super::hooks::KernelScalar;
use super::scalar::Scalar;
use std::ops::{Add, AddAssign, Div, Mul, MulAssign, Neg, Sub, SubAssign};

/// `N` independent values, one per parameter point.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Points<const N: usize>(pub(crate) [f64; N]);

impl<const N: usize> Points<N> {
    #[inline(always)]
    fn map(self, f: impl Fn(f64) -> f64) -> Self {
        let mut v = self.0;
        for x in &mut v {
            *x = f(*x);
        }
        Points(v)
    }
    #[inline(always)]
    fn zip(self, o: Self, f: impl Fn(f64, f64) -> f64) -> Self {
        let mut v = self.0;
        for (x, y) in v.iter_mut().zip(o.0) {
            *x = f(*x, y);
        }
        Points(v)
    }
}

/// Which side of every interpolation kink (alpha = -1, 0, 1) `a` lies on. Every branch of
/// the evaluation that depends on a parameter value compares it with these kinks only, so
/// points whose varying parameters share regions take the same branches everywhere.
pub(crate) fn kink_region(a: f64) -> u8 {
    if a.is_nan() {
        7
    } else if a < -1.0 {
        0
    } else if a == -1.0 {
        1
    } else if a < 0.0 {
        2
    } else if a == 0.0 {
        3
    } else if a < 1.0 {
        4
    } else if a == 1.0 {
        5
    } else {
        6
    }
}

macro_rules! lane_op {
    ($tr:ident, $f:ident, $op:tt, $atr:ident, $af:ident) => {
        impl<const N: usize> $tr for Points<N> {
            type Output = Self;
            #[inline(always)]
            fn $f(self, o: Self) -> Self {
                self.zip(o, |a, b| a $op b)
            }
        }
        impl<const N: usize> $atr for Points<N> {
            #[inline(always)]
            fn $af(&mut self, o: Self) {
                *self = self.zip(o, |a, b| a $op b);
            }
        }
    };
}
lane_op!(Add, add, +, AddAssign, add_assign);
lane_op!(Sub, sub, -, SubAssign, sub_assign);
lane_op!(Mul, mul, *, MulAssign, mul_assign);

impl<const N: usize> Div for Points<N> {
    type Output = Self;
    #[inline(always)]
    fn div(self, o: Self) -> Self {
        self.zip(o, |a, b| a / b)
    }
}

impl<const N: usize> Neg for Points<N> {
    type Output = Self;
    #[inline(always)]
    fn neg(self) -> Self {
        self.map(|a| -a)
    }
}

impl<const N: usize> Scalar for Points<N> {
    #[inline(always)]
    fn cst(x: f64) -> Self {
        Points([x; N])
    }
    /// Lane 0 decides branches (see the module documentation).
    #[inline(always)]
    fn re(self) -> f64 {
        self.0[0]
    }
    #[inline(always)]
    fn ln(self) -> Self {
        Points(super::vlog::ln_lanes(self.0))
    }
    #[inline(always)]
    fn exp(self) -> Self {
        self.map(f64::exp)
    }
    #[inline(always)]
    fn scale(self, f: f64) -> Self {
        self.map(|a| a * f)
    }
}

impl<const N: usize> KernelScalar for Points<N> {
    #[inline(always)]
    fn all_normal(self) -> bool {
        self.0.iter().all(|x| x.is_normal())
    }
    /// Per point: rates differ between points, so lane 0 cannot choose the branch. Each
    /// lane takes [`log1pmx`](super::poisson::log1pmx)'s branch for its own `f`, but
    /// each branch is evaluated for the whole bundle: the polynomial as lane operations
    /// (the same `f64` operations per lane), the logarithm four lanes at a time (`vlog`)
    /// instead of one libm call per lane, which cost the seed grid a quarter of its time.
    #[inline(always)]
    fn log1pmx(f: Self, ratio: Self) -> Self {
        use super::poisson::{log1pmx_poly, POLY_RANGE};
        let near = f.0.map(|x| (POLY_RANGE.0..=POLY_RANGE.1).contains(&x));
        if near.iter().all(|&b| b) {
            return log1pmx_poly(f);
        }
        let far = ratio.ln() - f;
        if !near.iter().any(|&b| b) {
            return far;
        }
        let poly = log1pmx_poly(f);
        Points(std::array::from_fn(|k| {
            if near[k] {
                poly.0[k]
            } else {
                far.0[k]
            }
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lanes_are_independent_f64_operations() {
        let (a, b) = (Points([1.5, -2.0, 0.0]), Points([0.25, 3.0, -1.0]));
        let mut c = (a * b - a / b).scale(2.0) + (-a).exp() + b.map(f64::abs).ln();
        c += a;
        c -= b;
        c *= a;
        for k in 0..3 {
            let (x, y) = (a.0[k], b.0[k]);
            let mut want = (x * y - x / y) * 2.0 + (-x).exp() + y.abs().ln();
            want += x;
            want -= y;
            want *= x;
            assert_eq!(c.0[k].to_bits(), want.to_bits(), "lane {k}");
        }
        assert!(!Points([1.0, 0.0]).all_normal() && Points([1.0, 2.0]).all_normal());
    }

    #[test]
    fn regions_split_at_every_kink() {
        let xs = [-2.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0, f64::NAN];
        for (i, &a) in xs.iter().enumerate() {
            for (j, &b) in xs.iter().enumerate() {
                assert_eq!(kink_region(a) == kink_region(b), i == j, "{a} {b}");
            }
        }
        assert_eq!(kink_region(0.1), kink_region(0.9));
        assert_eq!(kink_region(-0.0), kink_region(0.0));
    }
}
