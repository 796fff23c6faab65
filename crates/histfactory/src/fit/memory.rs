//! The memory policy of fits on large models: one dense `n * n` matrix at a time.
//!
//! A fit's minimum keeps its Hessian (or, once restarts are watched against it, its
//! basin's factor in the same buffer) until the fit's result turns it into the
//! covariance. Below [`ONE_MATRIX_PARS`] parameters a restart may hold a Hessian of its
//! own meanwhile; from there the minimum's matrix is released when a restart needs one and
//! evaluated again (the same numbers) when next needed. [`Best`] keeps the lowest minimum
//! and applies this policy.

use super::basin::Basin;
use super::descent::{Descent, Minimum};
use super::global::PARALLEL_RESTARTS_PARS;
use super::FitError;
use crate::likelihood::TwiceNll;
use crate::optim::{MinimizeOutcome, Objective};

/// From this many parameters a fit holds one dense `n * n` matrix at a time: at 590
/// parameters one is 2.8 MB, almost three times the model's compiled arrays, and two or
/// three of them were most of a fit's peak memory. A restart is watched against the first
/// minimum's factor only while its quasi-Newton steps need no Hessian; if it reaches its
/// Newton phase without having joined that minimum, the factor is given up for the
/// restart's own Hessian and evaluated again from the minimum when next needed (one
/// Hessian, about `n` gradients: 10 ms at 590 parameters, in a fit of about 300 ms).
pub(super) const ONE_MATRIX_PARS: usize = *PARALLEL_RESTARTS_PARS.end() + 1;

/// Checks the fit's planned dense memory against [`crate::limits::max_memory`] before any
/// `n * n` matrix exists: two matrices below [`ONE_MATRIX_PARS`] parameters (a minimum's
/// Hessian and a restart's), one from there.
pub(super) fn check_dense_matrices(n: usize) -> Result<(), FitError> {
    let matrices = if n < ONE_MATRIX_PARS { 2 } else { 1 };
    let needed = n
        .checked_mul(n)
        .and_then(|nn| nn.checked_mul(matrices))
        .and_then(crate::limits::bytes_of::<f64>);
    let what = format!(
        "the fit's {n} x {n} Hessian{}",
        if matrices > 1 { "s" } else { "" }
    );
    crate::limits::check_memory(what, needed)?;
    Ok(())
}

/// The lowest minimum so far, and the quadratic basin that restarts are watched against
/// (built on first use from the minimum's Hessian, whose `n * n` buffer then holds the
/// factor instead, unless the caller wants the Hessian back).
pub(super) struct Best {
    pub(super) out: MinimizeOutcome,
    /// Parameters of `out` at an interpolation kink.
    kinks: usize,
    /// `None` until first asked for; `Some(None)` if the minimum has no usable basin.
    basin: Option<Option<Basin>>,
    keep_hessian: bool,
    /// The minimum's Hessian (in its basin's factor) was given up for a restart's own
    /// ([`ONE_MATRIX_PARS`]): evaluated again at the minimum when next needed.
    released: bool,
}

impl Best {
    pub(super) fn new(first: Minimum, keep_hessian: bool) -> Self {
        Best {
            out: first.out,
            kinks: first.kinks,
            basin: None,
            keep_hessian,
            released: false,
        }
    }

    pub(super) fn basin(&mut self, obj: &mut TwiceNll<'_>) -> Option<&Basin> {
        if self.basin.is_none() {
            self.restore_hessian(obj);
            self.basin = Some(Basin::take(&mut self.out, self.keep_hessian));
        }
        self.basin.as_ref().and_then(Option::as_ref)
    }

    /// Gives up the minimum's Hessian, in its basin's factor or its own buffer, before a
    /// restart holds a Hessian of its own; it is evaluated again when next needed. A basin
    /// known to be unusable stays known, so it is not rebuilt for nothing.
    pub(super) fn release(&mut self) {
        let had_factor = matches!(self.basin, Some(Some(_)));
        if had_factor {
            self.basin = None;
        }
        let had_hessian = !self.out.hessian.is_empty();
        self.out.hessian = Vec::new();
        self.released |= had_factor || had_hessian;
    }

    /// Evaluates the released Hessian again, as the minimiser left it: the objective's
    /// Hessian at the minimum with zero rows and columns for fixed parameters (the same
    /// passes at the same point, so the same numbers).
    fn restore_hessian(&mut self, obj: &mut TwiceNll<'_>) {
        if !self.released {
            return;
        }
        let n = self.out.x.len();
        let mut h = vec![0.0; n * n];
        obj.hessian(&self.out.x, &mut h);
        for (i, _) in self.out.fixed.iter().enumerate().filter(|(_, &f)| f) {
            h[i * n..(i + 1) * n].fill(0.0);
            for j in 0..n {
                h[j * n + i] = 0.0;
            }
        }
        self.out.hessian = h;
        self.released = false;
    }

    /// Keeps `r` if it is better: converged over not converged, then the lower minimum. The
    /// loser is dropped at once, its Hessian with it.
    pub(super) fn offer(&mut self, r: Minimum) {
        let Minimum { out: r, kinks } = r;
        let best = &self.out;
        let better = (r.converged && !best.converged)
            || (r.converged == best.converged && r.fval < best.fval - 1e-9);
        if better {
            self.out = r;
            self.kinks = kinks;
            self.basin = None;
            self.released = false;
        }
    }

    /// The minimum, with its Hessian or its basin (which then holds the factor the
    /// covariance comes from).
    pub(super) fn into_parts(mut self, obj: &mut TwiceNll<'_>) -> (Minimum, Option<Basin>) {
        self.restore_hessian(obj);
        let min = Minimum {
            out: self.out,
            kinks: self.kinks,
        };
        (min, self.basin.flatten())
    }
}

impl Descent<'_> {
    /// [`Descent::restart`] against `best` on the fit's own objective, one after another;
    /// from [`ONE_MATRIX_PARS`] parameters without ever holding `best`'s factor and a
    /// Hessian of the restart's own at once.
    pub(super) fn restart_from(
        &mut self,
        obj: &mut TwiceNll<'_>,
        start: &[f64],
        label: &str,
        best: &mut Best,
    ) -> Result<Minimum, FitError> {
        if self.model.n_pars() < ONE_MATRIX_PARS {
            let basin = best.basin(obj);
            return self.restart(obj, start, label, basin);
        }
        let Some(basin) = best.basin(obj) else {
            best.release();
            return self.descend(obj, start, label);
        };
        let (first, joined) = self.watched(obj, start, label, basin, true)?;
        if joined {
            return Ok(first.into());
        }
        best.release();
        self.descend(obj, &first.x, &format!("{label}, continued"))
    }
}
