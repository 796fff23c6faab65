//! Pulls and constraints of the nuisance parameters after a fit.

use histfactory::fit::FitResult;
use histfactory::model::Model;
use histfactory::spec::ModifierKind;

use super::{check_fit, par_index, prefit_constraint, PrepareError};
use crate::Pulls;

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
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PullEntry {
    /// Parameter name.
    pub name: String,
    /// Index in the parameter vector.
    pub index: usize,
    /// Whether it has a constraint term.
    pub constrained: bool,
    /// Constrained: `(θ̂ − θ₀) / σ_prefit`; free: `θ̂`.
    pub pull: f64,
    /// Constrained: `σ̂ / σ_prefit`; free: `σ̂`.
    pub error: f64,
}

/// The rows of a pull plot, in parameter order.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PullsData {
    /// One entry per shown parameter.
    pub entries: Vec<PullEntry>,
}

impl PullsData {
    /// The figure.
    pub fn figure(&self) -> Pulls {
        Pulls {
            names: self.entries.iter().map(|e| e.name.clone()).collect(),
            pulls: self.entries.iter().map(|e| e.pull).collect(),
            constraints: self.entries.iter().map(|e| e.error).collect(),
        }
    }
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
pub fn pulls_data(
    model: &Model,
    fit: &FitResult,
    opts: &PullsOptions,
) -> Result<PullsData, PrepareError> {
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
        return Err(PrepareError::InvalidOption(
            "no parameters left to show in the pull plot (all fixed or excluded)".into(),
        ));
    }
    Ok(PullsData { entries })
}
