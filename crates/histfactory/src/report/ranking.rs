//! Ranking (impact) data, as cabinetry's `fit.ranking`: for each nuisance parameter, the
//! shift of the POI's best fit when the parameter is fixed at its best fit ± its pre-fit and
//! post-fit uncertainty and everything else is refitted.

use rayon::prelude::*;
use serde::Serialize;

use crate::fit::{fit as run_fit, FitOptions, FitResult};
use crate::model::Model;

use super::common::{check_fit, prefit_uncertainties};
use super::pulls::pull_of;
use super::ReportError;

/// How many parameters to rank.
#[derive(Debug, Clone, PartialEq)]
pub struct RankingOptions {
    /// Keep the `top_n` parameters with the largest post-fit impact (default 20; 0 = all).
    pub top_n: usize,
}

impl Default for RankingOptions {
    fn default() -> Self {
        RankingOptions { top_n: 20 }
    }
}

/// The impact of one nuisance parameter θ on the POI μ.
///
/// Each impact is `μ̂_θ − μ̂`, in the POI's units: the POI's best fit with θ fixed at the
/// shifted value and every other free parameter refitted, minus the free fit's μ̂. A shift
/// that would leave θ's bounds stops at the bound. NaN where the uncertainty is not finite.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Impact {
    /// Parameter name.
    pub name: String,
    /// Index in the parameter vector.
    pub index: usize,
    /// POI shift with the parameter fixed at θ̂ + σ_prefit (0 for free parameters, which
    /// have no pre-fit width).
    pub prefit_up: f64,
    /// POI shift with the parameter fixed at θ̂ − σ_prefit.
    pub prefit_down: f64,
    /// POI shift with the parameter fixed at θ̂ + σ̂.
    pub postfit_up: f64,
    /// POI shift with the parameter fixed at θ̂ − σ̂.
    pub postfit_down: f64,
    /// Pull as in the pull plot: `(θ̂ − θ₀)/σ_prefit`, or `θ̂` for a free parameter.
    pub pull: f64,
    /// Pull error as in the pull plot: `σ̂/σ_prefit`, or `σ̂` for a free parameter.
    pub pull_error: f64,
    /// Whether all of its (up to four) fits converged.
    pub converged: bool,
}

impl Impact {
    /// max(|post-fit up|, |post-fit down|), NaN counted as 0: the ranking key.
    pub fn postfit_impact(&self) -> f64 {
        let f = |v: f64| if v.is_finite() { v.abs() } else { 0.0 };
        f(self.postfit_up).max(f(self.postfit_down))
    }
}

/// Impacts sorted by post-fit impact, largest first.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[must_use]
pub struct RankingReport {
    /// POI name.
    pub poi: String,
    /// The POI's best-fit value.
    pub poi_bestfit: f64,
    /// The ranked parameters (at most `top_n`).
    pub impacts: Vec<Impact>,
}

/// Ranks every nuisance parameter that was free in `fit` (POI excluded) by its impact on
/// the POI. Each variation is a fit with that parameter fixed, warm-started from the best
/// fit (without restarts); all fits run in parallel. A variation that would leave the parameter's bounds is
/// clamped to them (outside, rates can turn negative and the likelihood undefined). A
/// variation of zero size (a free parameter's pre-fit one) costs no fit and has impact 0.
///
/// # Errors
/// [`ReportError::FitMismatch`] for a fit of another model, [`ReportError::NoPoi`]
/// without a POI, [`ReportError::Fit`] if one of the fits cannot be run.
pub fn ranking(
    model: &Model,
    data: &[f64],
    fit: &FitResult,
    opts: &RankingOptions,
) -> Result<RankingReport, ReportError> {
    check_fit(model, fit)?;
    let poi = model
        .poi_index()
        .ok_or(ReportError::NoPoi("the ranking plot"))?;
    let bounds = model.suggested_bounds();
    let prefit = prefit_uncertainties(model, &fit.fixed);
    let params: Vec<usize> = (0..model.n_pars())
        .filter(|&i| i != poi && !fit.fixed[i])
        .collect();
    // Jobs: (parameter, variation 0..4 = pre up, pre down, post up, post down).
    let jobs: Vec<(usize, usize)> = params
        .iter()
        .flat_map(|&i| (0..4).map(move |v| (i, v)))
        .collect();
    let shifts: Vec<(f64, bool)> = jobs
        .par_iter()
        .map(|&(i, v)| -> Result<(f64, bool), ReportError> {
            let sigma = if v < 2 {
                prefit[i]
            } else {
                fit.uncertainties[i]
            };
            let sign = if v % 2 == 0 { 1.0 } else { -1.0 };
            if sigma == 0.0 || !sigma.is_finite() {
                return Ok((if sigma == 0.0 { 0.0 } else { f64::NAN }, true));
            }
            let value = (fit.bestfit[i] + sign * sigma).clamp(bounds[i][0], bounds[i][1]);
            let mut init = fit.bestfit.clone();
            init[i] = value;
            let mut fixed = fit.fixed.clone();
            fixed[i] = true;
            let r = run_fit(
                model,
                data,
                &FitOptions {
                    init: Some(init),
                    fixed: Some(fixed),
                    // The start is the best fit with one parameter moved by 1σ, next to
                    // the minimum sought; the restarts that hunt for other minima of
                    // histosys models would triple the cost of hundreds of fits.
                    restarts: false,
                    ..Default::default()
                },
            )
            .map_err(|source| ReportError::Fit {
                context: format!(
                    "ranking: fit with {} fixed at {value}",
                    model.par_names()[i]
                ),
                source,
            })?;
            Ok((r.bestfit[poi] - fit.bestfit[poi], r.converged))
        })
        .collect::<Result<_, _>>()?;
    let mut impacts: Vec<Impact> = params
        .iter()
        .zip(shifts.chunks(4))
        .map(|(&i, s)| {
            let (pull, pull_error, _) = pull_of(model, fit, i);
            Impact {
                name: model.par_names()[i].clone(),
                index: i,
                prefit_up: s[0].0,
                prefit_down: s[1].0,
                postfit_up: s[2].0,
                postfit_down: s[3].0,
                pull,
                pull_error,
                converged: s.iter().all(|x| x.1),
            }
        })
        .collect();
    impacts.sort_by(|a, b| b.postfit_impact().total_cmp(&a.postfit_impact()));
    if opts.top_n > 0 {
        impacts.truncate(opts.top_n);
    }
    Ok(RankingReport {
        poi: model.par_names()[poi].clone(),
        poi_bestfit: fit.bestfit[poi],
        impacts,
    })
}
