//! A forward dual number with `N` derivative lanes, for Hessians.
//!
//! The Hessian is the forward derivative of the hand-written gradient. With one lane per
//! pass (`Dual64`) every pass recomputes the primal values, the interpolation branches and
//! the memory traffic of the whole model to obtain one column; with `N` lanes one pass
//! yields `N` columns and the shared work is done once. `num_dual`'s vector duals keep
//! their derivative in an `Option<SVector>` (a branch per operation, to skip zero
//! derivatives), which suits sparse use; here every lane is live, so a plain array is
//! faster and lets the compiler keep the lanes in SIMD registers.

use super::hooks::KernelScalar;
use super::scalar::Scalar;
use std::ops::{Add, AddAssign, Div, Mul, MulAssign, Neg, Sub, SubAssign};

/// `re + Σ eps[k] ε_k` with `ε_k ε_l = 0`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Lanes<const N: usize> {
    pub(crate) re: f64,
    pub(crate) eps: [f64; N],
}

impl<const N: usize> Lanes<N> {
    /// `x` with derivative 1 in lane `k` (the seed of parameter `k` of a block).
    fn seeded(x: f64, k: usize) -> Self {
        let mut eps = [0.0; N];
        eps[k] = 1.0;
        Lanes { re: x, eps }
    }

    /// Forward-mode passes over parameters `rows` of `pars`, `N` at a time: `pass(dp, first,
    /// count)` is called with `dp` seeded in lanes `0..count` on parameters
    /// `first..first + count` and every other entry constant. One pass yields `N` columns of
    /// whatever derivative `pass` pushes `dp` through (Hessian rows, Jacobian columns).
    pub(crate) fn passes(
        pars: &[f64],
        rows: std::ops::Range<usize>,
        mut pass: impl FnMut(&[Self], usize, usize),
    ) {
        let mut dp: Vec<Self> = pars.iter().map(|&x| Self::cst(x)).collect();
        for first in rows.clone().step_by(N) {
            let count = N.min(rows.end - first);
            for k in 0..count {
                dp[first + k] = Self::seeded(pars[first + k], k);
            }
            pass(&dp, first, count);
            for k in 0..count {
                dp[first + k] = Self::cst(pars[first + k]);
            }
        }
    }

    #[inline(always)]
    fn map_eps(self, f: impl Fn(f64) -> f64) -> [f64; N] {
        let mut e = self.eps;
        for v in &mut e {
            *v = f(*v);
        }
        e
    }
}

impl<const N: usize> Add for Lanes<N> {
    type Output = Self;
    #[inline(always)]
    fn add(self, o: Self) -> Self {
        let mut eps = self.eps;
        for (e, b) in eps.iter_mut().zip(&o.eps) {
            *e += b;
        }
        Lanes {
            re: self.re + o.re,
            eps,
        }
    }
}

impl<const N: usize> Sub for Lanes<N> {
    type Output = Self;
    #[inline(always)]
    fn sub(self, o: Self) -> Self {
        let mut eps = self.eps;
        for (e, b) in eps.iter_mut().zip(&o.eps) {
            *e -= b;
        }
        Lanes {
            re: self.re - o.re,
            eps,
        }
    }
}

impl<const N: usize> Mul for Lanes<N> {
    type Output = Self;
    #[inline(always)]
    fn mul(self, o: Self) -> Self {
        let mut eps = self.eps;
        for (e, b) in eps.iter_mut().zip(&o.eps) {
            *e = *e * o.re + b * self.re;
        }
        Lanes {
            re: self.re * o.re,
            eps,
        }
    }
}

impl<const N: usize> Div for Lanes<N> {
    type Output = Self;
    #[inline(always)]
    fn div(self, o: Self) -> Self {
        let inv = 1.0 / o.re;
        let re = self.re * inv;
        let mut eps = self.eps;
        for (e, b) in eps.iter_mut().zip(&o.eps) {
            *e = (*e - re * b) * inv;
        }
        Lanes { re, eps }
    }
}

impl<const N: usize> Neg for Lanes<N> {
    type Output = Self;
    #[inline(always)]
    fn neg(self) -> Self {
        Lanes {
            re: -self.re,
            eps: self.map_eps(|v| -v),
        }
    }
}

impl<const N: usize> AddAssign for Lanes<N> {
    #[inline(always)]
    fn add_assign(&mut self, o: Self) {
        *self = *self + o;
    }
}

impl<const N: usize> SubAssign for Lanes<N> {
    #[inline(always)]
    fn sub_assign(&mut self, o: Self) {
        *self = *self - o;
    }
}

impl<const N: usize> MulAssign for Lanes<N> {
    #[inline(always)]
    fn mul_assign(&mut self, o: Self) {
        *self = *self * o;
    }
}

impl<const N: usize> KernelScalar for Lanes<N> {
    /// Real parts are plain `f64` operations (`re` never reads `eps`), and a Hessian pass
    /// seeds at most `N` parameters.
    const SPARSE_DUAL: bool = true;
    #[inline(always)]
    fn is_constant(self) -> bool {
        self.eps.iter().all(|&e| e == 0.0)
    }
}

impl<const N: usize> Scalar for Lanes<N> {
    #[inline(always)]
    fn cst(x: f64) -> Self {
        Lanes {
            re: x,
            eps: [0.0; N],
        }
    }
    #[inline(always)]
    fn re(self) -> f64 {
        self.re
    }
    #[inline(always)]
    fn ln(self) -> Self {
        let inv = 1.0 / self.re;
        Lanes {
            re: self.re.ln(),
            eps: self.map_eps(|v| v * inv),
        }
    }
    #[inline(always)]
    fn exp(self) -> Self {
        let e = self.re.exp();
        Lanes {
            re: e,
            eps: self.map_eps(|v| v * e),
        }
    }
    #[inline(always)]
    fn scale(self, f: f64) -> Self {
        Lanes {
            re: self.re * f,
            eps: self.map_eps(|v| v * f),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use num_dual::{Dual64, DualNum};

    /// Every operation agrees with `Dual64` lane by lane.
    #[test]
    fn lanes_agree_with_dual64() {
        let f = |a: Lanes<3>, b: Lanes<3>| {
            let c = (a * b + a / b).ln() + (-a).exp().scale(2.5);
            let mut d = c;
            d += a;
            d -= b;
            d *= c;
            d
        };
        let g = |a: Dual64, b: Dual64| {
            let c = (a * b + a / b).ln() + (-a).exp() * 2.5;
            let mut d = c;
            d += a;
            d -= b;
            d *= c;
            d
        };
        let (x, y) = (1.7, 0.6);
        let a = Lanes::<3> {
            re: x,
            eps: [1.0, 0.0, 0.3],
        };
        let b = Lanes::<3> {
            re: y,
            eps: [0.0, 1.0, -0.2],
        };
        let got = f(a, b);
        for k in 0..3 {
            let want = g(Dual64::new(x, a.eps[k]), Dual64::new(y, b.eps[k]));
            // Division is a multiplication by the inverse here: a few ulps apart.
            assert!(
                (got.re - want.re).abs() <= 1e-14 * want.re.abs(),
                "{} vs {}",
                got.re,
                want.re
            );
            assert!(
                (got.eps[k] - want.eps).abs() <= 1e-14 * want.eps.abs().max(1.0),
                "lane {k}: {} vs {}",
                got.eps[k],
                want.eps
            );
        }
        assert_eq!(DualNum::re(&Dual64::from(2.0)), 2.0);
    }
}
