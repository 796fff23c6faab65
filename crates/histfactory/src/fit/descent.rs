//! One descent from a starting point: the minimiser, a quasi-Newton finish where Newton
//! stalls, and the handling of interpolation kinks ([`super::kinks`]). Every minimisation
//! a fit runs goes through a [`Descent`], which records it.

use super::options::FitOptions;
use super::result::Restart;
use super::FitError;
use crate::likelihood::TwiceNll;
use crate::model::Model;
use crate::optim::{minimize, MinimizeOutcome, MinimizerOptions};

/// A minimum a descent reached, and how many of its parameters sit at an interpolation
/// kink (see [`super::kinks`]).
pub(super) struct Minimum {
    pub(super) out: MinimizeOutcome,
    pub(super) kinks: usize,
}

impl From<MinimizeOutcome> for Minimum {
    fn from(out: MinimizeOutcome) -> Self {
        Minimum { out, kinks: 0 }
    }
}

/// The settings every descent of one fit shares, and the record of the minimisations run.
pub(super) struct Descent<'a> {
    pub(super) model: &'a Model,
    pub(super) lo: &'a [f64],
    pub(super) hi: &'a [f64],
    pub(super) fixed: &'a [bool],
    pub(super) opts: &'a FitOptions,
    pub(super) restarts: Vec<Restart>,
    pub(super) iterations: usize,
    pub(super) evaluations: usize,
}

impl Descent<'_> {
    /// An empty record with the same settings, for a descent run on another thread.
    pub(super) fn fork(&self) -> Self {
        Descent {
            restarts: Vec::new(),
            iterations: 0,
            evaluations: 0,
            ..*self
        }
    }

    /// Adds the records of a forked descent.
    pub(super) fn absorb(&mut self, other: Self) {
        self.restarts.extend(other.restarts);
        self.iterations += other.iterations;
        self.evaluations += other.evaluations;
    }

    pub(super) fn record(&mut self, label: String, r: &MinimizeOutcome) {
        self.iterations += r.iterations;
        self.evaluations += r.evaluations.total();
        self.restarts.push(Restart {
            start: label,
            twice_nll: r.fval,
            converged: r.converged,
        });
    }

    /// The minimiser from `start`, finished with quasi-Newton steps where it did not
    /// converge, then with parameters at kink minima held there.
    pub(super) fn descend(
        &mut self,
        obj: &mut TwiceNll<'_>,
        start: &[f64],
        label: &str,
    ) -> Result<Minimum, FitError> {
        let (lo, hi, fixed) = (self.lo, self.hi, self.fixed);
        let mut best = minimize(obj, start, lo, hi, fixed, &self.opts.minimizer)?;
        self.record(label.to_string(), &best);
        if !best.converged && best.fval.is_finite() {
            // Newton steps stall at the kinks of code0/code1 interpolation (the Hessian of
            // one side predicts nothing on the other); finish with quasi-Newton steps.
            let quasi = MinimizerOptions {
                newton_polish: false,
                newton_max_n: 0,
                ..self.opts.minimizer.clone()
            };
            let r = minimize(obj, &best.x.clone(), lo, hi, fixed, &quasi)?;
            self.record(format!("{label}: quasi-Newton finish"), &r);
            if r.converged || r.fval < best.fval {
                best = r;
            }
        }
        self.hold_kinks(obj, label, best)
    }
}
