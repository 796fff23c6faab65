//! Profile-likelihood scan data: Δtwice_nll against one parameter from fixed-parameter
//! fits, each warm-started from its neighbour's minimum.

use serde::Serialize;

use crate::fit::{FitOptions, FitResult};
use crate::infer::{profile_scan_around, NoProgress};
use crate::model::Model;

use super::common::{check_fit, check_range, default_range, linspace, par_index};
use super::ReportError;

/// What to scan.
#[derive(Debug, Clone, PartialEq)]
pub struct ScanOptions {
    /// Parameter to scan; `None` means the POI.
    pub par: Option<String>,
    /// Scan range; default: best fit ± 3σ within the parameter's bounds.
    pub range: Option<(f64, f64)>,
    /// Number of points (default 21).
    pub points: usize,
}

impl Default for ScanOptions {
    fn default() -> Self {
        ScanOptions {
            par: None,
            range: None,
            points: 21,
        }
    }
}

/// A profile likelihood scan. `twice_nll` is −2 ln L with every constant term, as pyhf's
/// `twice_nll`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[must_use]
pub struct ScanReport {
    /// Scanned parameter.
    pub par: String,
    /// Its index in the parameter vector.
    pub par_index: usize,
    /// Scanned values, increasing.
    pub values: Vec<f64>,
    /// twice_nll of the fit with the parameter fixed at each value.
    pub twice_nll: Vec<f64>,
    /// `twice_nll` minus the lowest of `best_twice_nll` and the scan's `twice_nll`, so
    /// never negative; it crosses 1 and 4 at the ends of the 1σ and 2σ intervals.
    pub delta_twice_nll: Vec<f64>,
    /// Whether each fixed fit converged.
    pub converged: Vec<bool>,
    /// The parameter's best-fit value.
    pub best_fit: f64,
    /// twice_nll of the free fit.
    pub best_twice_nll: f64,
}

/// Profile scan of one parameter: at each value a fit with that parameter fixed (other
/// fixed parameters as in `fit`), by [`profile_scan_around`]: outwards from the point
/// nearest the best fit, each fit starting from its neighbour's minimum. `Δtwice_nll` is
/// taken from the lowest of the free fit and the scan points, so it is never negative.
///
/// # Errors
/// [`ReportError::FitMismatch`] for a fit of another model,
/// [`ReportError::UnknownParameter`] for a name the model lacks, [`ReportError::NoPoi`]
/// without `par` and a POI, [`ReportError::InvalidOption`] for fewer than 2 points or an
/// empty range, [`ReportError::Infer`] if a fit of the scan cannot be run.
pub fn scan(
    model: &Model,
    data: &[f64],
    fit: &FitResult,
    opts: &ScanOptions,
) -> Result<ScanReport, ReportError> {
    check_fit(model, fit)?;
    let ip = match &opts.par {
        Some(name) => par_index(model, name)?,
        None => model
            .poi_index()
            .ok_or(ReportError::NoPoi("a scan without --par"))?,
    };
    if opts.points < 2 {
        return Err(ReportError::InvalidOption(format!(
            "a scan needs at least 2 points, got {}",
            opts.points
        )));
    }
    crate::limits::check_count("scan points", opts.points, crate::limits::MAX_SCAN_POINTS)?;
    let range = opts.range.unwrap_or_else(|| default_range(model, fit, ip));
    check_range("scan", range)?;
    let values = linspace(range.0, range.1, opts.points);
    let fit_opts = FitOptions {
        fixed: Some(fit.fixed.clone()),
        ..Default::default()
    };
    let scan = profile_scan_around(
        model,
        data,
        fit.clone(),
        ip,
        &values,
        &fit_opts,
        &NoProgress,
    )
    .map_err(ReportError::infer(format!(
        "profile scan of {}",
        model.par_names()[ip]
    )))?;
    Ok(ScanReport {
        par: scan.par,
        par_index: ip,
        values: scan.values,
        twice_nll: scan.twice_nll,
        delta_twice_nll: scan.delta_twice_nll,
        converged: scan.converged,
        best_fit: fit.bestfit[ip],
        best_twice_nll: fit.twice_nll,
    })
}
