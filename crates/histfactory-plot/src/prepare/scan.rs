//! Profile-likelihood scan data: Δtwice_nll against one parameter from fixed-parameter
//! fits, each warm-started from its neighbour's minimum.

use histfactory::fit::{FitOptions, FitResult};
use histfactory::infer::{profile_scan_around, NoProgress};
use histfactory::model::Model;

use super::{check_fit, check_range, default_range, linspace, par_index, PrepareError};
use crate::ScanPlot;

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

/// A profile likelihood scan.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ScanData {
    /// Scanned parameter.
    pub par: String,
    /// Its index in the parameter vector.
    pub par_index: usize,
    /// Scanned values, increasing.
    pub values: Vec<f64>,
    /// twice_nll of the fit with the parameter fixed at each value.
    pub twice_nll: Vec<f64>,
    /// `twice_nll` minus the lowest of `best_twice_nll` and the scan's `twice_nll`.
    pub delta_twice_nll: Vec<f64>,
    /// Whether each fixed fit converged.
    pub converged: Vec<bool>,
    /// The parameter's best-fit value.
    pub best_fit: f64,
    /// twice_nll of the free fit.
    pub best_twice_nll: f64,
}

impl ScanData {
    /// The figure: Δtwice_nll against the parameter with 1σ/2σ lines.
    pub fn figure(&self) -> ScanPlot {
        ScanPlot {
            par_name: self.par.clone(),
            values: self.values.clone(),
            delta_twice_nll: self.delta_twice_nll.clone(),
            best_fit: self.best_fit,
        }
    }
}

/// Profile scan of one parameter: at each value a fit with that parameter fixed (other
/// fixed parameters as in `fit`), by [`profile_scan_around`]: outwards from the point
/// nearest the best fit, each fit starting from its neighbour's minimum. `Δtwice_nll` is
/// taken from the lowest of the free fit and the scan points, so it is never negative.
pub fn profile_scan(
    model: &Model,
    data: &[f64],
    fit: &FitResult,
    opts: &ScanOptions,
) -> Result<ScanData, PrepareError> {
    check_fit(model, fit)?;
    let ip = match &opts.par {
        Some(name) => par_index(model, name)?,
        None => model
            .poi_index()
            .ok_or(PrepareError::NoPoi("a scan without --par"))?,
    };
    if opts.points < 2 {
        return Err(PrepareError::InvalidOption(format!(
            "a scan needs at least 2 points, got {}",
            opts.points
        )));
    }
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
    )?;
    Ok(ScanData {
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
