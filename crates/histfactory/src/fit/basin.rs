//! Recognising a descent that is on its way into a minimum already found.
//!
//! A fit's restarts look for a lower minimum; most of them end in the one the first
//! descent found, and finishing them to full precision (the Newton phase, exact Hessians)
//! costs as much as the first descent. Around a minimum `x_b` the objective is its
//! quadratic model `f_b + g_bᵀd + ½ dᵀ H_b d` (`d = x - x_b`; `g_b` is non-zero only for
//! parameters held at a bound). A point where the value *and* the gradient agree with that
//! model is in its basin: one Newton step with `H_b` from there lands next to `x_b`. Such a
//! restart is stopped and reported as having joined the first minimum.

use super::minimizer::MinimizeOutcome;
use std::borrow::Cow;

/// Largest predicted rise above the minimum (in twice_nll units: 2 is a bit over one
/// standard deviation in one parameter) at which the quadratic model is trusted.
const MAX_RISE: f64 = 2.0;
/// Largest relative disagreement of the value with the quadratic model.
const VALUE_RTOL: f64 = 0.1;
/// Largest distance, relative to `|d|` in the `H_b` metric, from `x_b` of where a Newton
/// step with `H_b` from the current point lands.
const LANDING_RTOL: f64 = 0.1;

/// The quadratic model of a converged minimum.
///
/// With every parameter free, `H_b` is the minimum's own `n * n` Hessian, borrowed rather
/// than copied: at a few hundred parameters each such matrix is megabytes, and the restart
/// this basin watches holds two more of them (the minimiser's Hessian and its factor).
pub(crate) struct Basin<'a> {
    x: Vec<f64>,
    f: f64,
    g: Vec<f64>,
    /// Indices of the parameters that were free.
    free: Vec<usize>,
    /// `H_b`: the Hessian's free rows and columns, row-major `k * k`.
    h: Cow<'a, [f64]>,
    /// Cholesky factor of `H_b`.
    chol: Vec<f64>,
    d: Vec<f64>,
    r: Vec<f64>,
    z: Vec<f64>,
}

impl<'a> Basin<'a> {
    /// The basin of `min`, if it is a converged minimum with a positive-definite Hessian.
    pub(crate) fn of(min: &'a MinimizeOutcome) -> Option<Basin<'a>> {
        let n = min.x.len();
        if !min.converged || !min.hessian_pos_def || min.hessian.len() != n * n {
            return None;
        }
        let free: Vec<usize> = (0..n).filter(|&i| !min.fixed[i]).collect();
        let k = free.len();
        let h: Cow<'a, [f64]> = if k == n {
            Cow::Borrowed(&min.hessian)
        } else {
            let mut h = vec![0.0; k * k];
            for (a, &i) in free.iter().enumerate() {
                for (b, &j) in free.iter().enumerate() {
                    h[a * k + b] = min.hessian[i * n + j];
                }
            }
            Cow::Owned(h)
        };
        let mut chol = h.to_vec();
        if !super::minimizer::cholesky_in_place(&mut chol, k) {
            return None;
        }
        Some(Basin {
            x: min.x.clone(),
            f: min.fval,
            g: min.grad.clone(),
            free,
            h,
            chol,
            d: vec![0.0; k],
            r: vec![0.0; k],
            z: vec![0.0; k],
        })
    }

    /// Whether `(x, f, grad)` (full vectors) lies in this minimum's quadratic basin.
    pub(crate) fn contains(&mut self, x: &[f64], f: f64, grad: &[f64]) -> bool {
        let k = self.free.len();
        for (a, &i) in self.free.iter().enumerate() {
            self.d[a] = x[i] - self.x[i];
        }
        // r = g - g_b - H d and the model's rise g_bᵀd + ½ dᵀHd.
        let (mut dhd, mut gd) = (0.0, 0.0);
        for a in 0..k {
            let hd: f64 = (0..k).map(|b| self.h[a * k + b] * self.d[b]).sum();
            let i = self.free[a];
            dhd += self.d[a] * hd;
            gd += self.g[i] * self.d[a];
            self.r[a] = grad[i] - self.g[i] - hd;
        }
        let rise = gd + 0.5 * dhd;
        if !(rise.is_finite() && rise <= MAX_RISE && f >= self.f - 1e-9) {
            return false;
        }
        if (f - self.f - rise).abs() > VALUE_RTOL * rise + 1e-7 {
            return false;
        }
        // |H⁻¹ r|_H² = rᵀ H⁻¹ r: how far from x_b a Newton step with H_b lands.
        self.z.copy_from_slice(&self.r);
        super::minimizer::cholesky_solve(&self.chol, k, &mut self.z);
        let rr: f64 = self.z.iter().zip(&self.r).map(|(a, b)| a * b).sum();
        rr <= LANDING_RTOL * LANDING_RTOL * dhd.max(1e-300)
    }
}
