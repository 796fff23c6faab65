//! How a minimisation ended: [`Status`], the outcome in one word, and [`Termination`], the
//! same with the figures that decided it.
//!
//! The minimiser builds no strings while it runs: formatting the figures of a message
//! cost a tenth of a small model's fit. A [`Termination`] keeps them as numbers, and its
//! `Display` writes the sentence only when someone reads it.

use std::fmt;

/// How a minimisation ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Status {
    /// The convergence criterion was met and the Hessian is positive definite over the free
    /// parameters not at a bound (or it was not evaluated, see
    /// [`MinimizerOptions::final_hessian`](super::MinimizerOptions::final_hessian)).
    Converged,
    /// [`MinimizerOptions::max_iter`](super::MinimizerOptions::max_iter) iterations without
    /// convergence.
    MaxIterations,
    /// No step along the search direction decreased the objective.
    LineSearchFailed,
    /// The objective or its gradient is NaN/infinite at the starting point.
    NonFiniteStart,
    /// The gradient criterion was met but the Hessian over the free parameters is not
    /// positive definite (saddle point or flat direction).
    HessianNotPosDef,
    /// The caller's stop condition ([`minimize_until`](super::minimize_until)) ended the
    /// run; not converged.
    Stopped,
}

impl Status {
    /// The variant's name, as `{:?}` writes it.
    pub fn name(self) -> &'static str {
        match self {
            Status::Converged => "Converged",
            Status::MaxIterations => "MaxIterations",
            Status::LineSearchFailed => "LineSearchFailed",
            Status::NonFiniteStart => "NonFiniteStart",
            Status::HessianNotPosDef => "HessianNotPosDef",
            Status::Stopped => "Stopped",
        }
    }
}

/// Which convergence test a run met.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum Convergence {
    /// The largest projected-gradient component is within
    /// `max(grad_tol, grad_rtol * max(1, |f|))`.
    Gradient,
    /// A Newton step on a positive-definite Hessian predicted (EDM) and achieved a decrease
    /// below `tol = max(edm_tol * max(1, |f|), edm_floor)`: the gradient is at its rounding
    /// floor.
    EdmAtRoundingFloor {
        /// The step's predicted decrease.
        edm: f64,
        /// The decrease it achieved.
        change: f64,
        /// The tolerance both were below.
        tol: f64,
        /// Largest projected-gradient component at the end.
        grad_norm: f64,
    },
    /// No Newton step decreases `f` any more (rounding floor) and the predicted decrease is
    /// within tolerance.
    NoFurtherDecrease {
        /// The last Newton step's predicted decrease.
        edm: f64,
        /// Largest projected-gradient component at the end.
        grad_norm: f64,
    },
}

/// Why a caller's or the minimiser's own stop ended a run early.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum Stop {
    /// A run without Hessians reached its Newton phase, which needs one.
    NeedsHessian,
    /// The caller's stop condition returned true after an accepted step.
    Caller {
        /// The objective's value there.
        value: f64,
    },
}

/// How a minimisation ended, with the figures that decided it. `Display` gives the
/// sentence the outcome's messages show; [`Termination::status`] the one-word outcome.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum Termination {
    /// Converged by the given test, on a positive-definite Hessian (or none evaluated).
    Converged(Convergence),
    /// The convergence test was met, but the Hessian over the free parameters not at a
    /// bound is not positive definite (saddle point or flat direction).
    HessianNotPosDef(Convergence),
    /// The iteration limit was reached.
    MaxIterations {
        /// Iterations run.
        iterations: usize,
        /// Largest projected-gradient component at the end.
        grad_norm: f64,
        /// The gradient tolerance it was still above.
        tol: f64,
    },
    /// No step along the search direction decreased the objective.
    LineSearchFailed {
        /// The Newton step's predicted decrease (EDM), if it was a Newton step.
        newton_edm: Option<f64>,
        /// Largest projected-gradient component at the end.
        grad_norm: f64,
    },
    /// The objective or its gradient is not finite at the start.
    NonFiniteStart {
        /// The objective's value at the start.
        value: f64,
    },
    /// Stopped before convergence.
    Stopped(Stop),
}

impl Termination {
    /// The outcome in one word.
    pub fn status(&self) -> Status {
        match self {
            Termination::Converged(_) => Status::Converged,
            Termination::HessianNotPosDef(_) => Status::HessianNotPosDef,
            Termination::MaxIterations { .. } => Status::MaxIterations,
            Termination::LineSearchFailed { .. } => Status::LineSearchFailed,
            Termination::NonFiniteStart { .. } => Status::NonFiniteStart,
            Termination::Stopped(_) => Status::Stopped,
        }
    }
}

impl fmt::Display for Convergence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Convergence::Gradient => f.write_str("projected gradient within tolerance"),
            Convergence::EdmAtRoundingFloor {
                edm,
                change,
                tol,
                grad_norm,
            } => write!(
                f,
                "EDM {edm:.3e} and twice_nll change {change:.3e} below {tol:.3e} \
                 (projected gradient {grad_norm:.3e} at its rounding floor)"
            ),
            Convergence::NoFurtherDecrease { edm, grad_norm } => write!(
                f,
                "rounding floor reached: no further decrease, EDM {edm:.3e}, \
                 projected gradient {grad_norm:.3e}"
            ),
        }
    }
}

impl fmt::Display for Stop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Stop::NeedsHessian => {
                f.write_str("stopped where the Newton phase needs an exact Hessian")
            }
            Stop::Caller { value } => write!(f, "stopped by the caller at f = {value}"),
        }
    }
}

impl fmt::Display for Termination {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Termination::Converged(c) => c.fmt(f),
            Termination::HessianNotPosDef(c) => write!(
                f,
                "{c}, but the Hessian over the free parameters is not positive definite"
            ),
            Termination::MaxIterations {
                iterations,
                grad_norm,
                tol,
            } => write!(
                f,
                "{iterations} iterations, projected gradient {grad_norm:.3e} > {tol:.3e}"
            ),
            Termination::LineSearchFailed {
                newton_edm: Some(edm),
                grad_norm,
            } => write!(
                f,
                "Newton line search found no decrease (EDM {edm:.3e}, projected \
                 gradient {grad_norm:.3e})"
            ),
            Termination::LineSearchFailed {
                newton_edm: None,
                grad_norm,
            } => write!(
                f,
                "line search found no decrease (projected gradient {grad_norm:.3e})"
            ),
            Termination::NonFiniteStart { value } => write!(
                f,
                "objective or gradient not finite at the start (f = {value})"
            ),
            Termination::Stopped(s) => s.fmt(f),
        }
    }
}
