//! Recognising a descent that is on its way into a minimum already found.
//!
//! A fit's restarts look for a lower minimum; most of them end in the one the first
//! descent found, and finishing them to full precision (the Newton phase, exact Hessians)
//! costs as much as the first descent. Around a minimum `x_b` the objective is its
//! quadratic model `f_b + g_bᵀd + ½ dᵀ H_b d` (`d = x - x_b`; `g_b` is non-zero only for
//! parameters held at a bound). A point where the value *and* the gradient agree with that
//! model is in its basin: one Newton step with `H_b` from there lands next to `x_b`. Such a
//! restart is stopped and reported as having joined the first minimum.

use crate::optim::{factor_upper, restore_symmetric, Covariance, MinimizeOutcome, PackedFactor};

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
/// It holds only the Cholesky factor `U` of the minimum's Hessian over its free parameters
/// (`UᵀU = H_b`), enough for both the model (`H_b d = Uᵀ(U d)`) and the covariance, should
/// this minimum stay the best ([`Basin::into_covariance`], identical to the one from the
/// Hessian). The Hessian is factorised in its own buffer and, unless the caller needs it
/// afterwards, given up: the factor is packed inside that buffer, which later becomes the
/// covariance, so the minimum's Hessian, factor and covariance are one `n * n` matrix. It
/// is only read while restarts are watched, so restarts run side by side share it, each
/// with its own [`BasinScratch`].
pub(crate) struct Basin {
    x: Vec<f64>,
    f: f64,
    g: Vec<f64>,
    /// Indices of the parameters that were free.
    free: Vec<usize>,
    u: PackedFactor,
}

/// One watcher's work vectors (length: the number of free parameters).
pub(crate) struct BasinScratch {
    d: Vec<f64>,
    t: Vec<f64>,
    hd: Vec<f64>,
    r: Vec<f64>,
    z: Vec<f64>,
}

impl Basin {
    /// The basin of `min`, if it is a converged minimum with a positive-definite Hessian.
    /// `min.hessian` is then emptied (the basin's factor stands in for it) unless
    /// `keep_hessian`.
    pub(crate) fn take(min: &mut MinimizeOutcome, keep_hessian: bool) -> Option<Basin> {
        let n = min.x.len();
        if !min.converged || !min.hessian_pos_def || min.hessian.len() != n * n {
            return None;
        }
        let free: Vec<usize> = (0..n).filter(|&i| !min.fixed[i]).collect();
        let mut buf = std::mem::take(&mut min.hessian);
        let hdiag: Vec<f64> = (0..n).map(|i| buf[i * n + i]).collect();
        let factored = factor_upper(&mut buf, n, &free, &hdiag, 0.0);
        let u = if factored && !keep_hessian {
            PackedFactor::pack_in_place(buf, n, &free)
        } else {
            let u = factored.then(|| PackedFactor::from_upper(&buf, n, &free));
            // The outcome's Hessian is exactly symmetric: restored bit for bit.
            restore_symmetric(&mut buf, n, &hdiag);
            min.hessian = buf;
            u?
        };
        Some(Basin {
            x: min.x.clone(),
            f: min.fval,
            g: min.grad.clone(),
            free,
            u,
        })
    }

    /// The covariance `scale H_b^-1` (fixed parameters: zero rows and columns), the same
    /// as [`crate::optim::covariance_in_place`] on the minimum's Hessian, computed in
    /// the factor's buffer.
    pub(crate) fn into_covariance(self, scale: f64) -> Covariance {
        let n = self.x.len();
        self.u.into_covariance(&self.free, n, scale)
    }

    /// Work vectors for one watched descent.
    pub(crate) fn scratch(&self) -> BasinScratch {
        let k = self.free.len();
        BasinScratch {
            d: vec![0.0; k],
            t: vec![0.0; k],
            hd: vec![0.0; k],
            r: vec![0.0; k],
            z: vec![0.0; k],
        }
    }

    /// Whether `(x, f, grad)` (full vectors) lies in this minimum's quadratic basin.
    pub(crate) fn contains(&self, s: &mut BasinScratch, x: &[f64], f: f64, grad: &[f64]) -> bool {
        // The value checks below accept nothing outside this range; far from the minimum
        // (most points a restart visits) that saves the matrix-vector product.
        if !(f >= self.f - 1e-9 && f - self.f <= MAX_RISE * (1.0 + VALUE_RTOL) + 1e-6) {
            return false;
        }
        let k = self.free.len();
        for (a, &i) in self.free.iter().enumerate() {
            s.d[a] = x[i] - self.x[i];
        }
        self.u.gram_times(&s.d, &mut s.t, &mut s.hd);
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
        self.u.solve(&mut s.z);
        let rr: f64 = s.z.iter().zip(&s.r).map(|(a, b)| a * b).sum();
        rr <= LANDING_RTOL * LANDING_RTOL * dhd.max(1e-300)
    }
}
