//! Pulls and constraints of the nuisance parameters after a fit.

use serde::Serialize;

use crate::fit::FitResult;
use crate::model::Model;
use crate::spec::ModifierKind;

use super::common::{check_fit, par_index, prefit_constraint};
use super::ReportError;

/// Which parameters the pull plot shows.
#[derive(Debug, Clone, PartialEq)]
pub struct PullsOptions {
    /// Show free (unconstrained) nuisance parameters as their post-fit value ± uncertainty,
    /// as cabinetry does (default true).
    pub include_unconstrained: bool,
    /// Show the POI too (default false: it is not a nuisance parameter).
    pub include_poi: bool,
    /// Leave out parameters defined by these modifier kinds (e.g. `StatError`).
    pub exclude_kinds: Vec<ModifierKind>,
    /// Leave out these parameters (names as in `par_names`).
    pub exclude: Vec<String>,
}

impl Default for PullsOptions {
    fn default() -> Self {
        PullsOptions {
            include_unconstrained: true,
            include_poi: false,
            exclude_kinds: Vec::new(),
            exclude: Vec::new(),
        }
    }
}

/// One row of the pull plot.
///
/// θ₀ is the constraint's centre (a Gaussian's auxdatum; `aux / τ` for a Poisson
/// constraint), σ_prefit its width (pyhf's `width()`), θ̂ ± σ̂ the post-fit value and
/// uncertainty (from the inverse Hessian of the NLL).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PullEntry {
    /// Parameter name.
    pub name: String,
    /// Index in the parameter vector.
    pub index: usize,
    /// Whether it has a constraint term.
    pub constrained: bool,
    /// Constrained: `(θ̂ − θ₀) / σ_prefit`, in units of the pre-fit width; free: `θ̂`.
    pub pull: f64,
    /// Constrained: `σ̂ / σ_prefit` (below 1: the data constrain the parameter beyond its
    /// pre-fit width); free: `σ̂`.
    pub error: f64,
}

/// The rows of a pull plot, in parameter order.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[must_use]
pub struct PullsReport {
    /// One entry per shown parameter.
    pub entries: Vec<PullEntry>,
}

/// The pull of parameter `i`: `(θ̂ − θ₀)/σ_prefit` and `σ̂/σ_prefit` if it is constrained,
/// otherwise `θ̂` and `σ̂`. Returns `(pull, error, constrained)`.
pub(crate) fn pull_of(model: &Model, fit: &FitResult, i: usize) -> (f64, f64, bool) {
    match prefit_constraint(model, i) {
        Some((theta0, width)) => (
            (fit.bestfit[i] - theta0) / width,
            fit.uncertainties[i] / width,
            true,
        ),
        None => (fit.bestfit[i], fit.uncertainties[i], false),
    }
}

/// Pulls of the nuisance parameters that were free in `fit`: constrained ones as
/// `(θ̂ − θ₀)/σ_prefit ± σ̂/σ_prefit`, free ones (if asked) as `θ̂ ± σ̂`. Parameters fixed
/// in the fit are left out (they have no post-fit uncertainty).
///
/// # Errors
/// [`ReportError::FitMismatch`] for a fit of another model,
/// [`ReportError::UnknownParameter`] for an excluded name the model lacks,
/// [`ReportError::InvalidOption`] if nothing is left to show.
pub fn pulls(
    model: &Model,
    fit: &FitResult,
    opts: &PullsOptions,
) -> Result<PullsReport, ReportError> {
    check_fit(model, fit)?;
    let excluded: Vec<usize> = opts
        .exclude
        .iter()
        .map(|n| par_index(model, n))
        .collect::<Result<_, _>>()?;
    let poi = model.poi_index();
    let mut entries = Vec::new();
    for (i, name) in model.par_names().iter().enumerate() {
        if fit.fixed[i]
            || excluded.contains(&i)
            || (Some(i) == poi && !opts.include_poi)
            || model
                .parameter_kind(i)
                .is_some_and(|k| opts.exclude_kinds.contains(&k))
        {
            continue;
        }
        let (pull, error, constrained) = pull_of(model, fit, i);
        if !constrained && !opts.include_unconstrained && Some(i) != poi {
            continue;
        }
        entries.push(PullEntry {
            name: name.clone(),
            index: i,
            constrained,
            pull,
            error,
        });
    }
    if entries.is_empty() {
        return Err(ReportError::InvalidOption(
            "no parameters left to show in the pull plot (all fixed or excluded)".into(),
        ));
    }
    Ok(PullsReport { entries })
}
