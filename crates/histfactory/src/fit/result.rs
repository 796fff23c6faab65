//! What a fit found: [`FitResult`], the same shape for every fit, and [`FitStatus`], how
//! its minimisation ended.

use super::basin::Basin;
use crate::model::Model;
use crate::optim::{covariance_in_place, Convergence, MinimizeOutcome, Status, Stop, Termination};
use std::fmt;

/// How a fit's minimisation ended, and why, with the figures that decided it.
///
/// `Display` (and serialisation, as a string) gives one line: the variant's name, then the
/// reason, e.g. `Converged: projected gradient within tolerance`.
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub enum FitStatus {
    /// Converged by the test `criterion`, on a positive-definite Hessian; `kinks` of the
    /// parameters are held at an interpolation kink (alpha = 0, normsys code1 or histosys
    /// code0) where the one-sided derivatives bracket 0, a minimum of the non-smooth
    /// problem.
    Converged {
        /// The convergence test that was met.
        criterion: Convergence,
        /// Parameters at an interpolation kink.
        kinks: usize,
    },
    /// The convergence test was met, but the Hessian over the free parameters not at a
    /// bound is not positive definite: a saddle point, or a minimum with flat directions
    /// (then [`FitResult::converged`] is still true).
    HessianNotPosDef(Convergence),
    /// The iteration limit was reached ([`MinimizerOptions::max_iter`](crate::optim::MinimizerOptions::max_iter)).
    MaxIterations {
        /// Iterations of the last minimisation.
        iterations: usize,
        /// Largest projected-gradient component at the end.
        grad_norm: f64,
        /// The gradient tolerance it was still above.
        tol: f64,
    },
    /// No step along the search direction decreased twice_nll.
    LineSearchFailed {
        /// The Newton step's predicted decrease (EDM), if it was a Newton step.
        newton_edm: Option<f64>,
        /// Largest projected-gradient component at the end.
        grad_norm: f64,
    },
    /// twice_nll or its gradient is not finite at the initial values.
    NonFiniteStart {
        /// twice_nll there.
        twice_nll: f64,
    },
    /// A restart stopped before convergence (only reported if no minimisation of the fit
    /// did better).
    Stopped(Stop),
}

impl FitStatus {
    /// The status of a minimisation that ended with `termination`, `kinks` of its
    /// parameters held at an interpolation kink.
    pub fn new(termination: Termination, kinks: usize) -> Self {
        match termination {
            Termination::Converged(criterion) => FitStatus::Converged { criterion, kinks },
            Termination::HessianNotPosDef(c) => FitStatus::HessianNotPosDef(c),
            Termination::MaxIterations {
                iterations,
                grad_norm,
                tol,
            } => FitStatus::MaxIterations {
                iterations,
                grad_norm,
                tol,
            },
            Termination::LineSearchFailed {
                newton_edm,
                grad_norm,
            } => FitStatus::LineSearchFailed {
                newton_edm,
                grad_norm,
            },
            Termination::NonFiniteStart { value } => FitStatus::NonFiniteStart { twice_nll: value },
            Termination::Stopped(s) => FitStatus::Stopped(s),
        }
    }

    /// The minimiser's termination this status reports (without the kinks).
    pub fn termination(&self) -> Termination {
        match *self {
            FitStatus::Converged { criterion, .. } => Termination::Converged(criterion),
            FitStatus::HessianNotPosDef(c) => Termination::HessianNotPosDef(c),
            FitStatus::MaxIterations {
                iterations,
                grad_norm,
                tol,
            } => Termination::MaxIterations {
                iterations,
                grad_norm,
                tol,
            },
            FitStatus::LineSearchFailed {
                newton_edm,
                grad_norm,
            } => Termination::LineSearchFailed {
                newton_edm,
                grad_norm,
            },
            FitStatus::NonFiniteStart { twice_nll } => {
                Termination::NonFiniteStart { value: twice_nll }
            }
            FitStatus::Stopped(s) => Termination::Stopped(s),
        }
    }

    /// The outcome in one word.
    pub fn status(&self) -> Status {
        self.termination().status()
    }
}

impl fmt::Display for FitStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.status().name())?;
        f.write_str(": ")?;
        match *self {
            FitStatus::Converged { criterion, kinks } if kinks > 0 => write!(
                f,
                "{criterion} ({kinks} parameter(s) at an interpolation kink, alpha = 0, where \
                 the one-sided derivatives bracket 0)"
            ),
            _ => fmt::Display::fmt(&self.termination(), f),
        }
    }
}

impl serde::Serialize for FitStatus {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// One minimisation within a fit.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Restart {
    /// Where it started (`"init"`, `"mirrored"`, `"poi_low"`).
    pub start: String,
    /// twice_nll reached.
    pub twice_nll: f64,
    /// Whether it converged.
    pub converged: bool,
}

/// Everything a fit found, the same shape for every fit.
#[must_use]
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct FitResult {
    /// Parameter names (pyhf order), shared with the model: a fit does not copy them.
    pub par_names: std::sync::Arc<[String]>,
    /// Best-fit values.
    pub bestfit: Vec<f64>,
    /// Uncertainties: square roots of the diagonal of `2 H^-1` (Hessian of twice_nll over
    /// the free parameters); 0 for fixed parameters, NaN if the Hessian is not invertible
    /// and for a free parameter whose curvature is zero (the data say nothing about it
    /// near the minimum: its uncertainty is undefined, see [`FitResult::warnings`]).
    pub uncertainties: Vec<f64>,
    /// Correlation matrix, row-major `n * n` (zero rows for fixed parameters).
    pub correlations: Vec<f64>,
    /// twice_nll at the best fit (constants included, as pyhf).
    pub twice_nll: f64,
    /// Whether the minimiser converged (never true for a failed fit).
    pub converged: bool,
    /// How the minimisation ended, and why (`Display`: a line of text; serialised as that
    /// text).
    pub status: FitStatus,
    /// Estimated distance to the minimum (in twice_nll units).
    pub edm: f64,
    /// Largest projected gradient component over free parameters.
    pub grad_norm: f64,
    /// Minimiser iterations (all restarts).
    pub iterations: usize,
    /// Objective evaluations (all restarts).
    pub evaluations: usize,
    /// Whether the Hessian at the minimum is positive definite (false if a free parameter
    /// has zero curvature).
    pub hessian_pos_def: bool,
    /// Which parameters were held fixed.
    pub fixed: Vec<bool>,
    /// Every minimisation run, the first from the initial values.
    pub restarts: Vec<Restart>,
    /// What makes part of the result untrustworthy although the fit converged (a free
    /// parameter with zero curvature), one message each, naming the parameter.
    pub warnings: Vec<String>,
}

impl std::fmt::Display for FitResult {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "{} — twice_nll = {:.10}, edm = {:.2e}, |grad| = {:.2e}, {} iterations, {} evaluations, Hessian {}",
            if self.converged { "converged" } else { "NOT CONVERGED" },
            self.twice_nll,
            self.edm,
            self.grad_norm,
            self.iterations,
            self.evaluations,
            if self.hessian_pos_def { "positive definite" } else { "NOT positive definite" }
        )?;
        if !self.converged {
            writeln!(f, "status: {}", self.status)?;
        }
        writeln!(
            f,
            "{:<40} {:>16} {:>14}",
            "parameter", "best fit", "uncertainty"
        )?;
        for i in 0..self.bestfit.len() {
            let unc = if self.fixed[i] {
                "fixed".to_string()
            } else if self.uncertainties[i].is_nan() {
                "undefined".to_string()
            } else {
                format!("{:.6}", self.uncertainties[i])
            };
            writeln!(
                f,
                "{:<40} {:>16.8} {:>14}",
                self.par_names[i], self.bestfit[i], unc
            )?;
        }
        Ok(())
    }
}

/// Whether a stationary point whose Hessian is not positive definite is a minimum with
/// flat directions (parameters the data do not constrain: only ~zero eigenvalues) rather
/// than a saddle (a clearly negative eigenvalue).
fn flat_not_saddle(out: &MinimizeOutcome) -> bool {
    let n = out.x.len();
    if out.hessian.len() != n * n {
        return false;
    }
    let free: Vec<usize> = (0..n)
        .filter(|&i| !out.fixed[i] && !out.at_bound[i])
        .collect();
    let m = free.len();
    if m == 0 {
        return true;
    }
    let h = nalgebra::DMatrix::from_fn(m, m, |a, b| out.hessian[free[a] * n + free[b]]);
    let eig = nalgebra::SymmetricEigen::new(h).eigenvalues;
    let scale = eig.iter().fold(0.0f64, |acc, e| acc.max(e.abs())).max(1.0);
    eig.iter().all(|e| *e >= -1e-8 * scale)
}

/// The [`FitResult`] of the minimum `out` (`kinks`: how many of its parameters sit at an
/// interpolation kink), whose covariance comes from its Hessian or, where that was given up,
/// from its basin's factor.
#[allow(clippy::too_many_arguments)]
pub(super) fn assemble(
    model: &Model,
    mut out: MinimizeOutcome,
    kinks: usize,
    basin: Option<Basin>,
    fixed: Vec<bool>,
    restarts: Vec<Restart>,
    iterations: usize,
    evaluations: usize,
) -> FitResult {
    let n = model.n_pars();
    // A gradient at tolerance on a Hessian that is singular only along flat directions is
    // a minimum (its value is trustworthy; uncertainties along those directions are not,
    // and hessian_pos_def says so). A saddle stays not converged.
    let converged =
        out.converged || (out.status == Status::HessianNotPosDef && flat_not_saddle(&out));
    // The Hessian's buffer becomes the covariance, then the correlations: the result's one
    // `n * n` matrix is the only one alive. A minimum whose Hessian was given up for its
    // basin's factor has the covariance solved from that factor (identical).
    let covariance = match basin {
        Some(b) if out.hessian.is_empty() => Some(b.into_covariance(2.0)),
        _ => covariance_in_place(std::mem::take(&mut out.hessian), n, 2.0),
    };
    let (uncertainties, correlations) = match covariance {
        Some(c) => c.into_std_errors_and_correlation(),
        None => (vec![f64::NAN; n], vec![f64::NAN; n * n]),
    };
    let mut correlations = correlations;
    for (i, &f) in fixed.iter().enumerate() {
        if f {
            for j in 0..n {
                correlations[i * n + j] = 0.0;
                correlations[j * n + i] = 0.0;
            }
        }
    }
    // The covariance leaves out every parameter whose Hessian row is all zero, as it does
    // fixed ones, and gives it a variance of exactly 0 (a kept parameter's variance, from
    // an inverse that is positive definite, is never 0). For a free parameter that zero
    // row means no curvature: the uncertainty is undefined, not 0.
    let mut warnings = Vec::new();
    let mut hessian_pos_def = out.hessian_pos_def;
    let uncertainties = uncertainties
        .into_iter()
        .zip(&fixed)
        .enumerate()
        .map(|(i, (u, &f))| {
            if f {
                0.0
            } else if u == 0.0 {
                hessian_pos_def = false;
                warnings.push(format!(
                    "parameter {}: twice_nll has zero curvature in it at the minimum ({} = {}), \
                     so its uncertainty is undefined",
                    model.par_names()[i],
                    model.par_names()[i],
                    out.x[i]
                ));
                f64::NAN
            } else {
                u
            }
        })
        .collect();
    FitResult {
        par_names: model.shared_par_names(),
        bestfit: out.x,
        uncertainties,
        correlations,
        twice_nll: out.fval,
        converged,
        status: FitStatus::new(out.termination, kinks),
        edm: out.edm,
        grad_norm: out.grad_norm,
        iterations,
        evaluations,
        hessian_pos_def,
        fixed,
        restarts,
        warnings,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn every_status() -> Vec<FitStatus> {
        let edm = Convergence::EdmAtRoundingFloor {
            edm: 1.5e-12,
            change: 3.0e-13,
            tol: 1e-8,
            grad_norm: 2.5e-7,
        };
        let floor = Convergence::NoFurtherDecrease {
            edm: 4.0e-15,
            grad_norm: 1.0e-9,
        };
        vec![
            FitStatus::new(Termination::Converged(Convergence::Gradient), 0),
            FitStatus::new(Termination::Converged(edm), 0),
            FitStatus::new(Termination::Converged(floor), 2),
            FitStatus::new(Termination::HessianNotPosDef(Convergence::Gradient), 0),
            FitStatus::new(
                Termination::MaxIterations {
                    iterations: 5000,
                    grad_norm: 1.25e-3,
                    tol: 1e-10,
                },
                0,
            ),
            FitStatus::new(
                Termination::LineSearchFailed {
                    newton_edm: Some(0.5),
                    grad_norm: 7.0,
                },
                0,
            ),
            FitStatus::new(
                Termination::LineSearchFailed {
                    newton_edm: None,
                    grad_norm: f64::NAN,
                },
                0,
            ),
            FitStatus::new(
                Termination::NonFiniteStart {
                    value: f64::INFINITY,
                },
                0,
            ),
            FitStatus::new(Termination::Stopped(Stop::NeedsHessian), 0),
            FitStatus::new(Termination::Stopped(Stop::Caller { value: 12.5 }), 0),
        ]
    }

    /// The text every fit printed before the status was an enum: `"{status:?}: {message}"`,
    /// with the kink note appended to a converged message.
    #[test]
    fn status_text_is_the_status_name_and_the_termination_message() {
        let expected = [
            "Converged: projected gradient within tolerance",
            "Converged: EDM 1.500e-12 and twice_nll change 3.000e-13 below 1.000e-8 \
             (projected gradient 2.500e-7 at its rounding floor)",
            "Converged: rounding floor reached: no further decrease, EDM 4.000e-15, projected \
             gradient 1.000e-9 (2 parameter(s) at an interpolation kink, alpha = 0, where the \
             one-sided derivatives bracket 0)",
            "HessianNotPosDef: projected gradient within tolerance, but the Hessian over the \
             free parameters is not positive definite",
            "MaxIterations: 5000 iterations, projected gradient 1.250e-3 > 1.000e-10",
            "LineSearchFailed: Newton line search found no decrease (EDM 5.000e-1, projected \
             gradient 7.000e0)",
            "LineSearchFailed: line search found no decrease (projected gradient NaN)",
            "NonFiniteStart: objective or gradient not finite at the start (f = inf)",
            "Stopped: stopped where the Newton phase needs an exact Hessian",
            "Stopped: stopped by the caller at f = 12.5",
        ];
        for (status, text) in every_status().iter().zip(expected) {
            assert_eq!(status.to_string(), text);
            assert_eq!(
                format!("{:?}: ", status.status()),
                format!("{}: ", status.status().name())
            );
        }
    }

    #[test]
    fn status_serialises_as_its_text() {
        for status in every_status() {
            let json = serde_json::to_string(&status).unwrap();
            assert_eq!(json, serde_json::to_string(&status.to_string()).unwrap());
        }
    }
}
