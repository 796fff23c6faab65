//! Profile-likelihood scan data: Δtwice_nll against one parameter from fixed-parameter
//! fits, each warm-started from its neighbour's minimum.

use histfactory::fit::{fit as run_fit, FitOptions, FitResult};
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
    /// `twice_nll - best_twice_nll`.
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
/// fixed parameters as in `fit`). The points are fitted outwards from the one nearest the
/// best fit, each starting from the previous point's minimum; the two directions run in
/// parallel.
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
    let best = fit.bestfit[ip];
    let start = values
        .iter()
        .enumerate()
        .min_by(|a, b| (a.1 - best).abs().total_cmp(&(b.1 - best).abs()))
        .map(|(i, _)| i)
        .unwrap_or(0);

    let chain = |idx: Vec<usize>| -> Result<Vec<(usize, FitResult)>, PrepareError> {
        let mut init = fit.bestfit.clone();
        let mut out = Vec::with_capacity(idx.len());
        for i in idx {
            init[ip] = values[i];
            let mut fixed = fit.fixed.clone();
            fixed[ip] = true;
            let r = run_fit(
                model,
                data,
                &FitOptions {
                    init: Some(init.clone()),
                    fixed: Some(fixed),
                    ..Default::default()
                },
            )?;
            if r.converged {
                init.clone_from(&r.bestfit);
            }
            out.push((i, r));
        }
        Ok(out)
    };
    let (up, down) = rayon::join(
        || chain((start..values.len()).collect()),
        || chain((0..start).rev().collect()),
    );
    let mut fits: Vec<(usize, FitResult)> = up?.into_iter().chain(down?).collect();
    fits.sort_by_key(|f| f.0);
    let twice_nll: Vec<f64> = fits.iter().map(|f| f.1.twice_nll).collect();
    Ok(ScanData {
        par: model.par_names()[ip].clone(),
        par_index: ip,
        delta_twice_nll: twice_nll.iter().map(|t| t - fit.twice_nll).collect(),
        converged: fits.iter().map(|f| f.1.converged).collect(),
        twice_nll,
        values,
        best_fit: best,
        best_twice_nll: fit.twice_nll,
    })
}
