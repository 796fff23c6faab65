//! Small dense linear algebra on preallocated row-major buffers, plus the covariance helper.
//!
//! The Newton steps factorise a Hessian every iteration; doing it in place on buffers the
//! minimiser owns keeps those iterations allocation-free (nalgebra's dynamic matrices would
//! allocate). nalgebra is used only for the eigen-decomposition fallback of
//! [`covariance_from_hessian`], which runs once per fit.

use nalgebra::{DMatrix, SymmetricEigen};

/// In-place Cholesky factorisation `A = L L^T` of the leading `m x m` block of `a`
/// (row-major, stride `m`). On success the lower triangle holds `L`; returns `false` if the
/// matrix is not (numerically) positive definite.
pub(crate) fn cholesky_in_place(a: &mut [f64], m: usize) -> bool {
    for j in 0..m {
        let mut d = a[j * m + j];
        for k in 0..j {
            d -= a[j * m + k] * a[j * m + k];
        }
        // A non-positive (or NaN) pivot means the matrix is not positive definite.
        if d.is_nan() || d <= 0.0 {
            return false;
        }
        let ljj = d.sqrt();
        a[j * m + j] = ljj;
        for i in (j + 1)..m {
            let mut s = a[i * m + j];
            for k in 0..j {
                s -= a[i * m + k] * a[j * m + k];
            }
            a[i * m + j] = s / ljj;
        }
    }
    true
}

/// Solves `L L^T x = b` in place (`b` becomes `x`) with the factor from [`cholesky_in_place`].
pub(crate) fn cholesky_solve(l: &[f64], m: usize, b: &mut [f64]) {
    for i in 0..m {
        let mut s = b[i];
        for k in 0..i {
            s -= l[i * m + k] * b[k];
        }
        b[i] = s / l[i * m + i];
    }
    for i in (0..m).rev() {
        let mut s = b[i];
        for k in (i + 1)..m {
            s -= l[k * m + i] * b[k];
        }
        b[i] = s / l[i * m + i];
    }
}

/// A covariance matrix obtained from a Hessian.
#[derive(Debug, Clone, PartialEq)]
pub struct Covariance {
    /// Number of parameters (rows).
    pub n: usize,
    /// Row-major `n * n` covariance; rows/columns of parameters excluded as fixed are zero.
    pub cov: Vec<f64>,
    /// `true` if the Hessian was not positive definite and was made so by raising its
    /// eigenvalues (as Minuit does); the uncertainties are then not trustworthy.
    pub forced_pos_def: bool,
}

impl Covariance {
    /// Standard errors: square roots of the diagonal (0 for fixed parameters).
    pub fn std_errors(&self) -> Vec<f64> {
        (0..self.n)
            .map(|i| self.cov[i * self.n + i].max(0.0).sqrt())
            .collect()
    }

    /// Row-major correlation matrix; rows/columns with zero variance are zero except for a
    /// 1 on the diagonal.
    pub fn correlation(&self) -> Vec<f64> {
        self.clone().into_correlation()
    }

    /// [`Covariance::correlation`], computed in the covariance's own buffer (no second
    /// `n * n` matrix).
    pub fn into_correlation(self) -> Vec<f64> {
        let n = self.n;
        let sd = self.std_errors();
        let mut c = self.cov;
        for i in 0..n {
            for j in 0..n {
                c[i * n + j] = if i == j {
                    1.0
                } else if sd[i] > 0.0 && sd[j] > 0.0 {
                    c[i * n + j] / (sd[i] * sd[j])
                } else {
                    0.0
                };
            }
        }
        c
    }
}

/// Covariance `scale * H^{-1}` from a row-major `n x n` Hessian `hess`.
///
/// For `twice_nll = -2 ln L` use `scale = 2` (the covariance of the parameters is
/// `2 H^{-1}` where `H` is the Hessian of `twice_nll`); for `nll = -ln L` use `scale = 1`.
///
/// Parameters whose Hessian row is entirely zero (how [`super::MinimizeOutcome::hessian`]
/// marks fixed parameters) are excluded and get zero covariance. The inverse uses a Cholesky
/// factorisation; if that fails the Hessian is made positive definite by raising its
/// eigenvalues to at least `1e-12` times the largest one in absolute value, and
/// [`Covariance::forced_pos_def`] is set. Returns `None` if `hess.len() != n * n`, an entry
/// is not finite, or no eigenvalue is positive.
pub fn covariance_from_hessian(hess: &[f64], n: usize, scale: f64) -> Option<Covariance> {
    if hess.len() != n * n || hess.iter().any(|v| !v.is_finite()) {
        return None;
    }
    let keep: Vec<usize> = (0..n)
        .filter(|&i| (0..n).any(|j| hess[i * n + j] != 0.0))
        .collect();
    let m = keep.len();
    let sub = || {
        let mut sub = vec![0.0; m * m];
        for (a, &i) in keep.iter().enumerate() {
            for (b, &j) in keep.iter().enumerate() {
                sub[a * m + b] = hess[i * n + j];
            }
        }
        sub
    };
    // Each column of the inverse goes straight to its place in `cov`: besides the result,
    // only the factor is held (the fit calling this already holds the Hessian).
    let mut cov = vec![0.0; n * n];
    let mut forced = false;
    let mut l = sub();
    if cholesky_in_place(&mut l, m) {
        let mut col = vec![0.0; m];
        for (b, &j) in keep.iter().enumerate() {
            col.iter_mut().for_each(|v| *v = 0.0);
            col[b] = 1.0;
            cholesky_solve(&l, m, &mut col);
            for (a, &i) in keep.iter().enumerate() {
                cov[i * n + j] = scale * col[a];
            }
        }
    } else {
        forced = true;
        drop(l);
        let eig = SymmetricEigen::new(DMatrix::from_row_slice(m, m, &sub()));
        let lmax = eig.eigenvalues.iter().fold(0.0_f64, |a, v| a.max(v.abs()));
        if lmax <= 0.0 || eig.eigenvalues.iter().all(|&v| v <= 0.0) {
            return None;
        }
        let floor = 1e-12 * lmax;
        for (a, &i) in keep.iter().enumerate() {
            for (b, &j) in keep.iter().enumerate() {
                let mut s = 0.0;
                for k in 0..m {
                    let lam = eig.eigenvalues[k].max(floor);
                    s += eig.eigenvectors[(a, k)] * eig.eigenvectors[(b, k)] / lam;
                }
                cov[i * n + j] = scale * s;
            }
        }
    }
    Some(Covariance {
        n,
        cov,
        forced_pos_def: forced,
    })
}
