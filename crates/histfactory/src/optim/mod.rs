//! The optimiser: bounded minimisation of an [`Objective`] by projected L-BFGS, then a
//! Newton polish on the exact Hessian.
//!
//! A leaf of the crate: it knows nothing of channels, models or likelihoods, and imports
//! nothing from the rest of the crate but the CPU-feature dispatch of [`crate::simd`], a
//! utility below every layer. The likelihood layer implements [`Objective`] for
//! `twice_nll`; the fit layer (`crate::fit`) runs this minimiser on it, adding starting
//! points, restarts, kink handling and the results a physicist reads. Its errors are
//! [`OptimError`] (bad inputs only: a minimisation that fails to converge is an outcome,
//! reported in [`MinimizeOutcome::status`] and [`MinimizeOutcome::termination`]).
//!
//! # Algorithm
//!
//! Fixed parameters (and parameters with `lo == hi`) are removed by a reparametrising
//! wrapper ([`Reduced`]); the algorithm sees only the free ones.
//!
//! 1. **Projected quasi-Newton** (two-metric projection, Bertsekas 1982, with an L-BFGS
//!    metric). Variables at (or within `eps_k = min(1e-6, |x - P(x - g)|)` of) a bound whose
//!    gradient points outwards are *binding*: they take a scaled steepest-descent step which
//!    the projection clips onto the bound. The others take the L-BFGS step (memory
//!    [`MinimizerOptions::memory`]) computed from curvature pairs restricted to them. This
//!    plays the role of L-BFGS-B's Cauchy point: it identifies the active set in finitely
//!    many steps, at the price of no subspace minimisation, which the Newton phase provides.
//! 2. **Newton polish**: when the quasi-Newton model predicts a decrease (its EDM estimate)
//!    below [`MinimizerOptions::newton_switch_edm`], or when quasi-Newton stalls, each step
//!    solves `H_FF d_F = -g_F` on the exact Hessian restricted to the non-binding variables
//!    (Cholesky; Levenberg shift if not positive definite). Near the minimum this converges
//!    quadratically, to the projected gradient's rounding floor (~1e-10 and below on the
//!    test problems). A Hessian (and its factorisation) is reused for the next step while
//!    each step still shrinks the projected gradient fivefold: a Hessian costs about `n`
//!    gradients and barely changes over the last steps. Convergence by the EDM test is
//!    only declared on a freshly evaluated Hessian, and the final Hessian is always exact.
//!
//! Both phases use one line search along the projected path `P(x + a d)`: full step first
//! (evaluated with its gradient, since it is usually accepted), then backtracking by
//! quadratic interpolation under Armijo's condition. NaN/inf values or gradients (the
//! objective's forbidden region) are never accepted: the step shrinks by 4.
//!
//! **Small problems start in Newton.** For `n_free <= `[`MinimizerOptions::newton_max_n`]
//! (default 8) Newton steps are used from the start. Measured cost in gradient-evaluation
//! units (a value counts 0.4, a Hessian `n`; test `measure_newton_vs_quasi_newton`):
//!
//! | problem            | n  | Newton from start | quasi-Newton + polish |
//! |--------------------|----|-------------------|-----------------------|
//! | quadratic, cond 1e3| 2  | 6                 | 10                    |
//! | quadratic, cond 1e3| 5  | 12                | 31                    |
//! | quadratic, cond 1e3| 10 | 22                | 68                    |
//! | quadratic, cond 1e3| 40 | 82                | 173                   |
//! | `x - a ln x`       | 2  | 32                | 41                    |
//! | `x - a ln x`       | 5  | 112               | 90                    |
//! | `x - a ln x`       | 10 | 252               | 326                   |
//! | Rosenbrock         | 2  | 89                | 61                    |
//! | Rosenbrock         | 5  | 125               | 82                    |
//! | Rosenbrock         | 10 | 547               | 122                   |
//! | 2-bin Poisson+constraint | 2 | 24          | 17                    |
//!
//! Near-quadratic objectives (what `twice_nll` is, in most directions) favour Newton by 2-3x
//! up to n ~ 10 and beyond; strongly non-quadratic ones (Rosenbrock) favour quasi-Newton, by
//! <= 1.5x for n <= 5 but 4.5x at n = 10 and rapidly more after that (a Hessian costs `n`
//! gradients and far from the minimum Newton needs many). 8 bounds the worst case while
//! keeping most of the gain; for large `n` quasi-Newton does the travelling and Newton only
//! the last one to three steps.
//!
//! # Convergence and outputs
//!
//! Converged when the largest projected-gradient component is at most
//! `max(grad_tol, grad_rtol * max(1, |f|))`, or when the Newton step cannot decrease `f` any
//! more (rounding floor) while its predicted decrease is below
//! `max(edm_tol * max(1, |f|), edm_floor)` on a
//! positive-definite Hessian. A converged gradient on a Hessian that is not positive
//! definite over the free parameters is reported as [`Status::HessianNotPosDef`], not
//! converged. Failures are reported in [`MinimizeOutcome::status`], never as `Err`.
//!
//! The EDM is `g_F^T H_FF^{-1} g_F / 2` over the free parameters not held at a bound, with
//! the exact Hessian of the objective at the final point: the decrease of the objective a
//! Newton step would still achieve. This is Minuit's definition (`g^T V g / 2`, `V` the
//! inverse Hessian of the function minimised, independent of `errordef`); Minuit stops at
//! `EDM < 0.002 * tol * errordef`, i.e. `2e-4` for `twice_nll` (`errordef = 1`) at its
//! default `tol = 0.1`, far looser than what this minimiser reaches (~1e-20 on the tests).
//!
//! For `f = twice_nll = -2 ln L`, the covariance of the parameters is `2 H^{-1}`; see
//! [`covariance_from_hessian`] and [`MinimizeOutcome::covariance`].

mod core;
mod linalg;
mod reduced;
mod status;
#[cfg(test)]
mod tests;

pub use linalg::{covariance_from_hessian, Covariance};
pub(crate) use linalg::{covariance_in_place, factor_upper, restore_symmetric, PackedFactor};
pub use reduced::{EvalCounts, Reduced};
pub use status::{Convergence, Status, Stop, Termination};

/// A smooth function to minimise, with its exact gradient and Hessian.
///
/// Methods take `&mut self` so that implementations can own scratch buffers and evaluate
/// without allocating.
pub trait Objective {
    /// Number of parameters.
    fn n_params(&self) -> usize;
    /// The function value at `x` (may be NaN or infinite where undefined).
    fn value(&mut self, x: &[f64]) -> f64;
    /// The value at `x`, writing the gradient into `grad` (length `n_params`).
    fn value_and_grad(&mut self, x: &[f64], grad: &mut [f64]) -> f64;
    /// The Hessian at `x`, row-major, `n_params * n_params` entries written into `hess`.
    fn hessian(&mut self, x: &[f64], hess: &mut [f64]);
}

/// Inputs the minimiser cannot start from. A run that starts but does not converge is not
/// an error: see [`MinimizeOutcome::status`].
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum OptimError {
    /// An input vector's length differs from the objective's number of parameters.
    #[error("{what} has length {got}, the objective has {expected} parameters")]
    LengthMismatch {
        /// Which input (`"x0"`, `"lo"`, `"hi"`, `"fixed"`, `"initial_hessian"`).
        what: &'static str,
        /// The objective's number of parameters (squared for `"initial_hessian"`).
        expected: usize,
        /// The input's length.
        got: usize,
    },
    /// A lower bound exceeds its upper bound (or a bound is NaN).
    #[error("parameter {index}: invalid bounds [{lo}, {hi}]")]
    InvalidBounds {
        /// Parameter index.
        index: usize,
        /// Lower bound.
        lo: f64,
        /// Upper bound.
        hi: f64,
    },
    /// An initial value lies outside its bounds or is not finite (pyhf raises `ValueError`).
    #[error("parameter {index}: initial value {value} outside bounds [{lo}, {hi}]")]
    InitOutsideBounds {
        /// Parameter index.
        index: usize,
        /// Initial value.
        value: f64,
        /// Lower bound.
        lo: f64,
        /// Upper bound.
        hi: f64,
    },
}

/// Settings of [`minimize`].
#[derive(Debug, Clone, PartialEq)]
pub struct MinimizerOptions {
    /// Maximum number of iterations (accepted or attempted steps of either phase).
    /// Default 5000.
    pub max_iter: usize,
    /// Absolute tolerance on the largest projected-gradient component. Default `1e-10`.
    pub grad_tol: f64,
    /// Tolerance on the largest projected-gradient component relative to `max(1, |f|)`;
    /// the looser of the two applies. Default `1e-13` (about a thousand times the rounding
    /// level of a sum of many terms).
    pub grad_rtol: f64,
    /// When the Newton step can no longer decrease `f` (rounding floor), the fit is
    /// converged if its predicted decrease (EDM) is below `edm_tol * max(1, |f|)`.
    /// Default `1e-12`.
    pub edm_tol: f64,
    /// Absolute floor of the EDM tolerance at the rounding floor: when no Newton step can
    /// decrease `f` any more, the fit is converged if its EDM is below
    /// `max(edm_tol * max(1, |f|), edm_floor)`. `twice_nll` is a sum of terms much larger
    /// than itself (Poisson terms of large counts and their constants), so its rounding
    /// noise can exceed `edm_tol * |f|` (with Poisson auxiliary data of 1e6, terms are ~1e7
    /// and f is noisy at ~1e-9); an EDM of 1e-8 moves a test statistic by 1e-8. Default
    /// `1e-8`.
    pub edm_floor: f64,
    /// Also stop after a Newton step on a positive-definite Hessian that predicted (EDM) and
    /// achieved a decrease below `max(edm_tol * max(1, |f|), edm_floor)`, before the
    /// gradient test is met. Saves the iterations spent at the gradient's rounding floor
    /// (toys), but in nearly flat directions it stops where the gradient test would still
    /// move the parameters. Default false; the toy calculator turns it on.
    pub edm_stop: bool,
    /// Number of L-BFGS curvature pairs. Default 10.
    pub memory: usize,
    /// Use exact Newton steps from the start when there are at most this many free
    /// parameters. Default 8 (measured: see the module docs).
    pub newton_max_n: usize,
    /// Switch from quasi-Newton to Newton when the quasi-Newton model's predicted decrease
    /// falls below this (in units of `f`; for `twice_nll` 1 is one standard deviation).
    /// Default `1e-4`.
    pub newton_switch_edm: f64,
    /// Whether the Newton phase is used at all (`false`: quasi-Newton only, which may not
    /// reach the tolerance). Default `true`.
    pub newton_polish: bool,
    /// Whether to evaluate the exact Hessian at the final point (for EDM, positive
    /// definiteness and covariance) if the last iteration did not. Default `true`.
    pub final_hessian: bool,
    /// Maximum number of trial points per line search. Default 60.
    pub max_line_search: usize,
    /// A Hessian of the objective (full `n * n`, row-major) near the start: the run begins
    /// with Newton steps on it instead of quasi-Newton steps, and re-evaluates the exact
    /// Hessian only when those steps stop contracting. Many fits of similar data (toys)
    /// share one, taken at the parameters they were generated from. Default `None`.
    pub initial_hessian: Option<std::sync::Arc<Vec<f64>>>,
}

impl Default for MinimizerOptions {
    fn default() -> Self {
        Self {
            max_iter: 5000,
            grad_tol: 1e-10,
            grad_rtol: 1e-13,
            edm_tol: 1e-12,
            edm_floor: 1e-8,
            edm_stop: false,
            memory: 10,
            newton_max_n: 8,
            newton_switch_edm: 1e-4,
            newton_polish: true,
            final_hessian: true,
            max_line_search: 60,
            initial_hessian: None,
        }
    }
}

/// The result of [`minimize`]. Vectors are full length (fixed parameters included).
#[must_use]
#[derive(Debug, Clone, PartialEq)]
pub struct MinimizeOutcome {
    /// Final point.
    pub x: Vec<f64>,
    /// Objective value at `x`.
    pub fval: f64,
    /// Gradient at `x` (not projected); 0 for fixed parameters.
    pub grad: Vec<f64>,
    /// How the run ended.
    pub status: Status,
    /// Why it ended there, with the figures that decided it (`Display`: a sentence).
    pub termination: Termination,
    /// `status == Status::Converged`.
    pub converged: bool,
    /// Estimated distance to minimum `g_F^T H_FF^{-1} g_F / 2` (free parameters not at a
    /// bound, exact Hessian at `x`), in units of the objective. NaN if the Hessian was not
    /// evaluated or not positive definite.
    pub edm: f64,
    /// Largest |projected gradient| component over the free parameters (components at a
    /// bound whose gradient pushes outwards do not count).
    pub grad_norm: f64,
    /// Iterations of both phases.
    pub iterations: usize,
    /// Of which Newton iterations.
    pub newton_iterations: usize,
    /// Calls of the objective's methods.
    pub evaluations: EvalCounts,
    /// Whether the Hessian over the free parameters not at a bound is positive definite.
    pub hessian_pos_def: bool,
    /// Exact Hessian at `x`, row-major `n * n`, rows and columns of fixed parameters zero;
    /// empty if not evaluated. For `twice_nll`, the covariance is `2 H^{-1}`.
    pub hessian: Vec<f64>,
    /// Parameters held at a bound by the gradient at the end.
    pub at_bound: Vec<bool>,
    /// Which parameters were fixed.
    pub fixed: Vec<bool>,
}

impl MinimizeOutcome {
    /// Covariance `2 H^{-1}`, assuming the objective is `twice_nll = -2 ln L` (for
    /// `nll = -ln L` use [`covariance_from_hessian`] with scale 1). Fixed parameters have
    /// zero rows/columns. `None` if the Hessian was not evaluated.
    pub fn covariance(&self) -> Option<Covariance> {
        covariance_from_hessian(&self.hessian, self.x.len(), 2.0)
    }
}

/// Spreads the free-parameter Hessian (`m * m` at the front of `h`, `m = free.len()`) to
/// its full layout (`n * n`; rows and columns of the others zero) in the same buffer, which
/// has room for it (the core allocates `n * n`): no second matrix. Each entry moves to an
/// index no earlier than its own (`i >= a`, `j >= b`), so moving them in decreasing order
/// never overwrites one still to be read.
fn expand_in_place(h: &mut Vec<f64>, free: &[usize], n: usize) {
    let m = free.len();
    h.resize(n * n, 0.0);
    if m == n {
        return;
    }
    for (a, &i) in free.iter().enumerate().rev() {
        for (b, &j) in free.iter().enumerate().rev() {
            h[i * n + j] = h[a * m + b];
        }
    }
    let mut is_free = vec![false; n];
    for &i in free {
        is_free[i] = true;
    }
    for i in 0..n {
        for j in 0..n {
            if !(is_free[i] && is_free[j]) {
                h[i * n + j] = 0.0;
            }
        }
    }
}

/// A caller's stop condition for [`minimize_until`]: `(x, f, grad)` after an accepted step.
pub type StopFn<'a> = dyn FnMut(&[f64], f64, &[f64]) -> bool + 'a;

/// Minimises `obj` over the box `lo <= x <= hi` from `x0`, holding parameters with
/// `fixed[i]` at `x0[i]`.
///
/// `lo`/`hi` may be infinite. `fixed` may be empty (nothing fixed). Errors:
/// [`OptimError::LengthMismatch`] for lengths that differ from `obj.n_params()`,
/// [`OptimError::InvalidBounds`] for `lo > hi` or NaN bounds, [`OptimError::InitOutsideBounds`]
/// for `x0` outside the bounds or not finite (as pyhf raises `ValueError`).
/// A fit that fails to converge is not an error: see [`MinimizeOutcome::status`].
pub fn minimize<O: Objective + ?Sized>(
    obj: &mut O,
    x0: &[f64],
    lo: &[f64],
    hi: &[f64],
    fixed: &[bool],
    opts: &MinimizerOptions,
) -> Result<MinimizeOutcome, OptimError> {
    minimize_until(obj, x0, lo, hi, fixed, opts, &mut |_, _, _| false)
}

/// [`minimize`], ending early with [`Status::Stopped`] as soon as `stop(x, f, grad)` (full
/// vectors, fixed parameters included, gradient 0 there) returns true after an accepted
/// step. No final Hessian is evaluated for a stopped run. Fits use it to abandon a restart
/// that is descending into a minimum already found.
///
/// # Errors
/// As [`minimize`].
pub fn minimize_until<O: Objective + ?Sized>(
    obj: &mut O,
    x0: &[f64],
    lo: &[f64],
    hi: &[f64],
    fixed: &[bool],
    opts: &MinimizerOptions,
    stop: &mut StopFn<'_>,
) -> Result<MinimizeOutcome, OptimError> {
    minimize_impl(obj, x0, lo, hi, fixed, opts, stop, false)
}

/// [`minimize_until`] without any exact Hessian: the run also ends, with
/// [`Status::Stopped`], where its Newton phase would evaluate the first one, so it never
/// allocates that `n * n` matrix (nor takes a final Hessian or
/// [`MinimizerOptions::initial_hessian`]). For a descent watched against a minimum whose
/// factor is held meanwhile (fit restarts on large models).
pub(crate) fn minimize_quasi_newton_until<O: Objective + ?Sized>(
    obj: &mut O,
    x0: &[f64],
    lo: &[f64],
    hi: &[f64],
    fixed: &[bool],
    opts: &MinimizerOptions,
    stop: &mut StopFn<'_>,
) -> Result<MinimizeOutcome, OptimError> {
    minimize_impl(obj, x0, lo, hi, fixed, opts, stop, true)
}

#[allow(clippy::too_many_arguments)]
fn minimize_impl<O: Objective + ?Sized>(
    obj: &mut O,
    x0: &[f64],
    lo: &[f64],
    hi: &[f64],
    fixed: &[bool],
    opts: &MinimizerOptions,
    stop: &mut StopFn<'_>,
    no_hessian: bool,
) -> Result<MinimizeOutcome, OptimError> {
    let n = obj.n_params();
    let fixed_given = !fixed.is_empty();
    for (what, got) in [("x0", x0.len()), ("lo", lo.len()), ("hi", hi.len())] {
        if got != n {
            return Err(OptimError::LengthMismatch {
                what,
                expected: n,
                got,
            });
        }
    }
    if fixed_given && fixed.len() != n {
        return Err(OptimError::LengthMismatch {
            what: "fixed",
            expected: n,
            got: fixed.len(),
        });
    }
    for i in 0..n {
        let (l, h, v) = (lo[i], hi[i], x0[i]);
        if l.is_nan() || h.is_nan() || l > h {
            return Err(OptimError::InvalidBounds {
                index: i,
                lo: l,
                hi: h,
            });
        }
        // NaN and infinite initial values are rejected too: there is nothing to start from.
        if !v.is_finite() || v < l || v > h {
            return Err(OptimError::InitOutsideBounds {
                index: i,
                value: v,
                lo: l,
                hi: h,
            });
        }
    }
    // Zero-width boxes are fixed parameters too.
    let fixed_all: Vec<bool> = (0..n)
        .map(|i| (fixed_given && fixed[i]) || lo[i] == hi[i])
        .collect();

    let free_idx: Vec<usize> = (0..n).filter(|&i| !fixed_all[i]).collect();
    let mut red = Reduced::with_free(obj, x0, std::borrow::Cow::Borrowed(&free_idx));
    let m = red.n_params();
    // The reduced start and bounds in one allocation (small fits are a few microseconds).
    let mut reduced = vec![0.0; 3 * m];
    let (xr, bounds) = reduced.split_at_mut(m);
    let (lor, hir) = bounds.split_at_mut(m);
    red.gather(x0, xr);
    red.gather(lo, lor);
    red.gather(hi, hir);
    // Filled on the first accepted step: a run that starts at its minimum never needs them.
    let (mut stop_x, mut stop_g) = (Vec::new(), Vec::new());
    let mut full_stop = |xr: &[f64], f: f64, gr: &[f64]| {
        if stop_x.is_empty() {
            stop_x = x0.to_vec();
            stop_g = vec![0.0; n];
        }
        for (k, &i) in free_idx.iter().enumerate() {
            stop_x[i] = xr[k];
            stop_g[i] = gr[k];
        }
        stop(&stop_x, f, &stop_g)
    };
    let initial_hessian = opts.initial_hessian.as_ref().filter(|_| !no_hessian);
    let h0: Option<std::borrow::Cow<'_, [f64]>> = match initial_hessian {
        // Nothing fixed: used as given, no copy of an `n * n` matrix.
        Some(h) if h.len() == n * n && free_idx.len() == n => Some(h.as_slice().into()),
        Some(h) if h.len() == n * n => {
            let m = free_idx.len();
            let mut hr = vec![0.0; m * m];
            for (a, &i) in free_idx.iter().enumerate() {
                for (b, &j) in free_idx.iter().enumerate() {
                    hr[a * m + b] = h[i * n + j];
                }
            }
            Some(hr.into())
        }
        Some(h) => {
            return Err(OptimError::LengthMismatch {
                what: "initial_hessian",
                expected: n * n,
                got: h.len(),
            })
        }
        None => None,
    };
    let r = core::run(
        &mut red,
        xr,
        lor,
        hir,
        opts,
        h0.as_deref(),
        n * n,
        &mut full_stop,
        no_hessian,
    );

    let free = red.free_indices();
    let mut at_bound = r.active;
    at_bound.resize(m, false);
    let (x, grad, at_bound) = if m == n {
        // Nothing fixed: the core's vectors already have the full layout.
        (r.x, r.g, at_bound)
    } else {
        let mut x = vec![0.0; n];
        red.expand(&r.x, &mut x);
        let mut grad = vec![0.0; n];
        let mut full_bound = vec![false; n];
        for (k, &i) in free.iter().enumerate() {
            grad[i] = r.g[k];
            full_bound[i] = at_bound[k];
        }
        (x, grad, full_bound)
    };
    let hessian = if r.hess_valid {
        let mut h = r.hess;
        expand_in_place(&mut h, free, n);
        h
    } else {
        Vec::new()
    };
    Ok(MinimizeOutcome {
        x,
        fval: r.f,
        grad,
        converged: r.termination.status() == Status::Converged,
        status: r.termination.status(),
        termination: r.termination,
        edm: r.edm,
        grad_norm: r.grad_norm,
        iterations: r.iterations,
        newton_iterations: r.newton_iterations,
        evaluations: red.counts(),
        hessian_pos_def: r.pos_def,
        hessian,
        at_bound,
        fixed: fixed_all,
    })
}
