//! Recognising a descent that is on its way into a minimum already found.
//!
//! A fit's restarts look for a lower minimum; most of them end in the one the first
//! descent found, and finishing them to full precision (the Newton phase, exact Hessians)
//! costs as much as the first descent. Around a minimum `x_b` the objective is its
//! quadratic model `f_b + g_bᵀd + ½ dᵀ H_b d` (`d = x - x_b`; `g_b` is non-zero only for
//! parameters held at a bound). A point where the value *and* the gradient agree with that
//! model is in its basin: one Newton step with `H_b` from there lands next to `x_b`. Such a
//! restart is stopped and reported as having joined the first minimum.

use super::minimizer::{factor_upper, restore_symmetric, solve_upper, MinimizeOutcome};

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
/// It holds the minimum's own `n * n` Hessian, taken from the outcome and factorised in
/// place (the Hessian in the strict lower triangle and a diagonal vector, the factor of its
/// free block in the upper triangle, see `factor_upper`), and gives it back whole
/// ([`Basin::give_back`]): at a few hundred parameters each such matrix is megabytes, and
/// this way the model costs no matrix besides the one the minimum already had. It is only
/// read while restarts are watched, so restarts run side by side share it, each with its
/// own [`BasinScratch`].
pub(crate) struct Basin {
    x: Vec<f64>,
    f: f64,
    g: Vec<f64>,
    /// Indices of the parameters that were free.
    free: Vec<usize>,
    n: usize,
    /// `H_b` (all `n` parameters; fixed ones have zero rows) and the factor of its free
    /// block, in split storage.
    buf: Vec<f64>,
    hdiag: Vec<f64>,
}

/// One watcher's work vectors (length: the number of free parameters).
pub(crate) struct BasinScratch {
    d: Vec<f64>,
    hd: Vec<f64>,
    r: Vec<f64>,
    z: Vec<f64>,
}

impl Basin {
    /// The basin of `min`, if it is a converged minimum with a positive-definite Hessian;
    /// it then holds `min`'s Hessian (`min.hessian` is empty until [`Basin::give_back`]).
    pub(crate) fn take(min: &mut MinimizeOutcome) -> Option<Basin> {
        let n = min.x.len();
        if !min.converged || !min.hessian_pos_def || min.hessian.len() != n * n {
            return None;
        }
        let free: Vec<usize> = (0..n).filter(|&i| !min.fixed[i]).collect();
        let mut buf = std::mem::take(&mut min.hessian);
        let hdiag: Vec<f64> = (0..n).map(|i| buf[i * n + i]).collect();
        if !factor_upper(&mut buf, n, &free, &hdiag, 0.0) {
            restore_symmetric(&mut buf, n, &hdiag);
            min.hessian = buf;
            return None;
        }
        Some(Basin {
            x: min.x.clone(),
            f: min.fval,
            g: min.grad.clone(),
            free,
            n,
            buf,
            hdiag,
        })
    }

    /// Returns the Hessian to the minimum it was taken from, whole again (the outcome's
    /// Hessian is exactly symmetric, so it is restored bit for bit).
    pub(crate) fn give_back(self, min: &mut MinimizeOutcome) {
        let mut buf = self.buf;
        restore_symmetric(&mut buf, self.n, &self.hdiag);
        min.hessian = buf;
    }

    /// Work vectors for one watched descent.
    pub(crate) fn scratch(&self) -> BasinScratch {
        let k = self.free.len();
        BasinScratch {
            d: vec![0.0; k],
            hd: vec![0.0; k],
            r: vec![0.0; k],
            z: vec![0.0; k],
        }
    }

    /// `s.hd = H_b s.d` over the free block, from the strict lower triangle and the
    /// diagonal, row by row (contiguous reads); each entry's terms are added in increasing
    /// column order, as a dot product with the whole row would.
    fn hessian_times_d(&self, s: &mut BasinScratch) {
        let n = self.n;
        let free = &self.free;
        s.hd.fill(0.0);
        for (a, &i) in free.iter().enumerate() {
            let row = &self.buf[i * n..i * n + i];
            let da = s.d[a];
            let mut acc = 0.0;
            for (b, &j) in free[..a].iter().enumerate() {
                acc += row[j] * s.d[b];
            }
            acc += self.hdiag[i] * da;
            s.hd[a] = acc;
            for (b, &j) in free[..a].iter().enumerate() {
                s.hd[b] += row[j] * da;
            }
        }
    }

    /// Whether `(x, f, grad)` (full vectors) lies in this minimum's quadratic basin.
    pub(crate) fn contains(&self, s: &mut BasinScratch, x: &[f64], f: f64, grad: &[f64]) -> bool {
        let k = self.free.len();
        for (a, &i) in self.free.iter().enumerate() {
            s.d[a] = x[i] - self.x[i];
        }
        self.hessian_times_d(s);
        // r = g - g_b - H d and the model's rise g_bᵀd + ½ dᵀHd.
        let (mut dhd, mut gd) = (0.0, 0.0);
        for a in 0..k {
            let hd = s.hd[a];
            let i = self.free[a];
            dhd += s.d[a] * hd;
            gd += self.g[i] * s.d[a];
            s.r[a] = grad[i] - self.g[i] - hd;
        }
        let rise = gd + 0.5 * dhd;
        if !(rise.is_finite() && rise <= MAX_RISE && f >= self.f - 1e-9) {
            return false;
        }
        if (f - self.f - rise).abs() > VALUE_RTOL * rise + 1e-7 {
            return false;
        }
        // |H⁻¹ r|_H² = rᵀ H⁻¹ r: how far from x_b a Newton step with H_b lands.
        s.z.copy_from_slice(&s.r);
        solve_upper(&self.buf, self.n, &self.free, &mut s.z);
        let rr: f64 = s.z.iter().zip(&s.r).map(|(a, b)| a * b).sum();
        rr <= LANDING_RTOL * LANDING_RTOL * dhd.max(1e-300)
    }
}
