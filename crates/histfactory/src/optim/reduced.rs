//! The reparametrising wrapper that removes fixed parameters from the optimiser's vector.
//!
//! The algorithm in [`super::core`] never sees fixed parameters: it works on the free ones
//! only, and this wrapper scatters them into a full-length vector (holding the fixed values)
//! before every call of the wrapped objective. Keeping fixed parameters out of the algorithm
//! means no masks in the linear algebra and no risk of a fixed value drifting.

use super::Objective;
use std::borrow::Cow;

/// How many times each method of the objective was called.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EvalCounts {
    /// Calls of [`Objective::value`].
    pub value: usize,
    /// Calls of [`Objective::value_and_grad`].
    pub value_and_grad: usize,
    /// Calls of [`Objective::hessian`].
    pub hessian: usize,
}

impl EvalCounts {
    /// Total number of calls of any kind.
    pub fn total(&self) -> usize {
        self.value + self.value_and_grad + self.hessian
    }
}

/// An [`Objective`] over the free parameters of another objective, the fixed ones held at
/// the values given at construction. It also counts evaluations.
pub struct Reduced<'a, O: Objective + ?Sized> {
    inner: &'a mut O,
    /// Full-vector index of each free parameter, in order.
    free: Cow<'a, [usize]>,
    /// Full-length point: fixed values stay, free ones are overwritten on each call.
    full_x: Vec<f64>,
    /// Full-length gradient scratch.
    full_g: Vec<f64>,
    /// Full `n * n` Hessian scratch, for a caller whose Hessian buffer is only `m * m`
    /// (allocated lazily).
    full_h: Vec<f64>,
    counts: EvalCounts,
}

impl<'a, O: Objective + ?Sized> Reduced<'a, O> {
    /// Wraps `inner`; parameters with `fixed[i]` stay at `x_full[i]`.
    ///
    /// `x_full` must have length `inner.n_params()`; entries of `fixed` beyond its length
    /// count as free ([`super::minimize`] validates both).
    pub fn new(inner: &'a mut O, x_full: &[f64], fixed: &[bool]) -> Self {
        let free: Vec<usize> = (0..x_full.len())
            .filter(|&i| !fixed.get(i).copied().unwrap_or(false))
            .collect();
        Self::with_free(inner, x_full, Cow::Owned(free))
    }

    /// [`Reduced::new`] with the free parameters' indices (increasing) given, possibly
    /// borrowed from a caller that needs them too.
    pub(crate) fn with_free(inner: &'a mut O, x_full: &[f64], free: Cow<'a, [usize]>) -> Self {
        let n = x_full.len();
        Self {
            inner,
            free,
            full_x: x_full.to_vec(),
            full_g: vec![0.0; n],
            full_h: Vec::new(),
            counts: EvalCounts::default(),
        }
    }

    /// Full-vector indices of the free parameters.
    pub fn free_indices(&self) -> &[usize] {
        &self.free
    }

    /// Number of parameters of the wrapped (full) objective.
    pub fn n_full(&self) -> usize {
        self.full_x.len()
    }

    /// Evaluations so far.
    pub fn counts(&self) -> EvalCounts {
        self.counts
    }

    /// Writes the full-length point corresponding to the free vector `x` into `out`.
    ///
    /// # Panics
    /// If `x` is shorter than the number of free parameters or `out` differs in length
    /// from the full vector.
    pub fn expand(&self, x: &[f64], out: &mut [f64]) {
        out.copy_from_slice(&self.full_x);
        for (k, &i) in self.free.iter().enumerate() {
            out[i] = x[k];
        }
    }

    /// Copies the free components of the full vector `full` into `out`.
    ///
    /// # Panics
    /// If `full` is shorter than the full vector or `out` than the free one.
    pub fn gather(&self, full: &[f64], out: &mut [f64]) {
        for (k, &i) in self.free.iter().enumerate() {
            out[k] = full[i];
        }
    }

    fn scatter(&mut self, x: &[f64]) {
        for (k, &i) in self.free.iter().enumerate() {
            self.full_x[i] = x[k];
        }
    }
}

impl<O: Objective + ?Sized> Objective for Reduced<'_, O> {
    fn n_params(&self) -> usize {
        self.free.len()
    }

    fn value(&mut self, x: &[f64]) -> f64 {
        self.counts.value += 1;
        self.scatter(x);
        self.inner.value(&self.full_x)
    }

    fn value_and_grad(&mut self, x: &[f64], grad: &mut [f64]) -> f64 {
        self.counts.value_and_grad += 1;
        self.scatter(x);
        let f = self.inner.value_and_grad(&self.full_x, &mut self.full_g);
        for (k, &i) in self.free.iter().enumerate() {
            grad[k] = self.full_g[i];
        }
        f
    }

    fn hessian(&mut self, x: &[f64], hess: &mut [f64]) {
        self.counts.hessian += 1;
        self.scatter(x);
        let n = self.full_x.len();
        let m = self.free.len();
        if m == n {
            // Nothing fixed: the reduced Hessian is the full one, so no `n * n` scratch.
            self.inner.hessian(&self.full_x, hess);
            return;
        }
        if hess.len() >= n * n {
            // Room for the full Hessian (the minimiser gives it, see `core::run`): evaluate
            // it there and compact the free rows and columns to the front. Each entry moves
            // to an index no later than its own (a <= i, b <= j, m <= n), and the moves go in
            // increasing order, so none overwrites an entry still to be read.
            self.inner.hessian(&self.full_x, &mut hess[..n * n]);
            for (a, &i) in self.free.iter().enumerate() {
                for (b, &j) in self.free.iter().enumerate() {
                    hess[a * m + b] = hess[i * n + j];
                }
            }
            return;
        }
        if self.full_h.len() != n * n {
            self.full_h = vec![0.0; n * n];
        }
        self.inner.hessian(&self.full_x, &mut self.full_h);
        for (a, &i) in self.free.iter().enumerate() {
            for (b, &j) in self.free.iter().enumerate() {
                hess[a * m + b] = self.full_h[i * n + j];
            }
        }
    }
}
