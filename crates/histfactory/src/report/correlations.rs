//! The correlation matrix of a fit, optionally pruned to the most correlated parameters.

use serde::Serialize;

use crate::fit::FitResult;
use crate::model::Model;

use super::common::check_fit;
use super::ReportError;

/// Which parameters the correlation matrix shows. Parameters fixed in the fit are always
/// left out (their rows are zero).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CorrelationOptions {
    /// Keep only parameters with some |ρ| ≥ threshold with another parameter, as
    /// cabinetry's `pruning_threshold` (default 0: keep all).
    pub threshold: f64,
    /// Keep at most this many parameters, those with the largest off-diagonal |ρ|; the POI
    /// is always kept (default `None`: no limit).
    pub top_n: Option<usize>,
}

/// The pruned correlation matrix and which parameters it shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[must_use]
pub struct CorrelationReport {
    /// Names of the shown parameters, in parameter order.
    pub names: Vec<String>,
    /// Indices of the shown parameters in the parameter vector (increasing).
    pub indices: Vec<usize>,
    /// The shown rows and columns of `FitResult::correlations`, row-major:
    /// `matrix[a * names.len() + b]` is ρ(names\[a\], names\[b\]), from the inverse
    /// Hessian of the NLL at the best fit; 1 on the diagonal.
    pub matrix: Vec<f64>,
}

/// The correlation matrix of `fit`, restricted as `opts` says.
///
/// # Errors
/// [`ReportError::FitMismatch`] for a fit of another model, [`ReportError::InvalidOption`]
/// for a threshold outside [0, 1], `top_n = Some(0)`, or a threshold no parameter reaches.
pub fn correlations(
    model: &Model,
    fit: &FitResult,
    opts: &CorrelationOptions,
) -> Result<CorrelationReport, ReportError> {
    check_fit(model, fit)?;
    if !(0.0..=1.0).contains(&opts.threshold) {
        return Err(ReportError::InvalidOption(format!(
            "correlation threshold {} must lie in [0, 1]",
            opts.threshold
        )));
    }
    let n = model.n_pars();
    let rho = |i: usize, j: usize| fit.correlations[i * n + j];
    let free: Vec<usize> = (0..n).filter(|&i| !fit.fixed[i]).collect();
    // Largest |ρ| of each parameter with any other free parameter (NaN counts as 0).
    let max_off = |i: usize| {
        free.iter()
            .filter(|&&j| j != i)
            .map(|&j| rho(i, j).abs())
            .filter(|v| v.is_finite())
            .fold(0.0f64, f64::max)
    };
    let poi = model.poi_index();
    let mut keep: Vec<usize> = free
        .iter()
        .copied()
        .filter(|&i| Some(i) == poi || max_off(i) >= opts.threshold)
        .collect();
    if let Some(top) = opts.top_n {
        if top == 0 {
            return Err(ReportError::InvalidOption(
                "top_n must be at least 1".into(),
            ));
        }
        let mut ranked = keep.clone();
        ranked.sort_by(|&a, &b| {
            let pa = Some(a) == poi;
            let pb = Some(b) == poi;
            pb.cmp(&pa).then(max_off(b).total_cmp(&max_off(a)))
        });
        ranked.truncate(top);
        keep.retain(|i| ranked.contains(i));
    }
    if keep.is_empty() {
        return Err(ReportError::InvalidOption(format!(
            "no parameter has a correlation of at least {} with another",
            opts.threshold
        )));
    }
    let matrix = keep
        .iter()
        .flat_map(|&i| keep.iter().map(move |&j| rho(i, j)))
        .collect();
    Ok(CorrelationReport {
        names: keep.iter().map(|&i| model.par_names()[i].clone()).collect(),
        indices: keep,
        matrix,
    })
}
