//! Profile likelihood scans of any parameter, and confidence intervals from them.
//!
//! At each scanned value the parameter is fixed and every other free parameter fitted
//! (warm-started from the neighbouring point's minimum); the scan reports `twice_nll` and
//! `Δtwice_nll = twice_nll − twice_nll_min`, where the minimum is the free fit's (or a scan
//! point's, if one went lower: the free fit then missed the global minimum).
//!
//! ```
//! use histfactory::infer::{profile_scan, NoProgress};
//! use histfactory::fit::FitOptions;
//! use histfactory::model::simple::uncorrelated_background;
//! let model = uncorrelated_background(&[5.0], &[10.0], &[3.5])?;
//! let data = model.data_with_auxdata(&[15.0])?;
//! let values: Vec<f64> = (0..=40).map(|i| i as f64 * 0.1).collect();
//! let scan = profile_scan(&model, &data, "mu", &values, &FitOptions::default(), &NoProgress)?;
//! let interval = scan.interval(1.0)?; // Δ = 1: the 68.3% CL interval
//! assert_eq!(interval.best, 1.0);
//! assert!((interval.upper - 2.054).abs() < 1e-3);
//! // Δtwice_nll(mu = 0) = 0.90 < 1: the interval reaches past the scan's start.
//! assert!(interval.lower.is_nan());
//! # Ok::<(), histfactory::Error>(())
//! ```

use super::progress::Progress;
use super::InferError;
use crate::fit::{fit, FitOptions, FitResult};
use crate::model::Model;

/// A profile likelihood scan.
#[derive(Debug, Clone, PartialEq)]
pub struct ProfileScan {
    /// The scanned parameter's name.
    pub par: String,
    /// Its index in the parameter vector.
    pub par_index: usize,
    /// The scanned values.
    pub values: Vec<f64>,
    /// `twice_nll` of the fit at each value.
    pub twice_nll: Vec<f64>,
    /// `twice_nll − twice_nll_min`.
    pub delta_twice_nll: Vec<f64>,
    /// The free fit.
    pub free: FitResult,
    /// The fitted parameters at each value.
    pub bestfits: Vec<Vec<f64>>,
    /// Whether each fit converged.
    pub converged: Vec<bool>,
}

/// A confidence interval read off a scan: where `Δtwice_nll` crosses `delta`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScanInterval {
    /// The Δtwice_nll threshold (1 for 68.3% CL in one dimension).
    pub delta: f64,
    /// The value at the minimum of the scan (the free fit's).
    pub best: f64,
    /// Lower crossing (linear interpolation between scan points); NaN if the scan does not
    /// go down that far.
    pub lower: f64,
    /// Upper crossing; NaN if the scan stops first.
    pub upper: f64,
}

/// A profile likelihood scan of parameter `par` over `values`.
///
/// # Errors
/// [`InferError::InvalidArgument`] for an unknown parameter or empty/non-finite values,
/// [`InferError::Fit`] if a fit cannot be run.
pub fn profile_scan(
    model: &Model,
    data: &[f64],
    par: &str,
    values: &[f64],
    options: &FitOptions,
    progress: &dyn Progress,
) -> Result<ProfileScan, InferError> {
    let index = model
        .par_index(par)
        .ok_or_else(|| InferError::InvalidArgument {
            name: "par",
            message: format!("no parameter named \"{par}\""),
        })?;
    check_values(values)?;
    let free = fit(model, data, options).map_err(|e| InferError::Fit {
        context: format!("profile scan of {par}: free fit"),
        source: e,
    })?;
    profile_scan_around(model, data, free, index, values, options, progress)
}

/// A profile likelihood scan of parameter `index` over `values`, around a free fit
/// already made with `options` (a figure's scan starts from the fit it shows).
///
/// The points are fitted outwards from the value nearest the free fit's, in increasing
/// and in decreasing order (the two directions in parallel), each starting from its
/// neighbour's minimum when that fit converged, and from the free fit's as a second start
/// (restarts are on by default): neighbouring minima are close, so each fit is short.
///
/// # Errors
/// [`InferError::InvalidArgument`] for an index out of range, a free fit of another
/// model, or empty/non-finite values; [`InferError::Fit`] if a fit cannot be run.
pub fn profile_scan_around(
    model: &Model,
    data: &[f64],
    free: FitResult,
    index: usize,
    values: &[f64],
    options: &FitOptions,
    progress: &dyn Progress,
) -> Result<ProfileScan, InferError> {
    let n = model.n_pars();
    if index >= n || free.bestfit.len() != n {
        return Err(InferError::InvalidArgument {
            name: "profile scan",
            message: format!(
                "parameter index {index} and a free fit of {} parameters for a model of {n}",
                free.bestfit.len()
            ),
        });
    }
    check_values(values)?;
    let par = &model.par_names()[index];
    let base_fixed = options
        .fixed
        .clone()
        .unwrap_or_else(|| model.suggested_fixed());
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
    let best = free.bestfit[index];
    let start = (0..order.len())
        .min_by(|&a, &b| {
            let d = |k: usize| (values[order[k]] - best).abs();
            d(a).total_cmp(&d(b))
        })
        .unwrap_or(0);
    progress.start("profile scan", Some(values.len() as u64));
    let chain = |idx: Vec<usize>| -> Result<Vec<(usize, FitResult)>, InferError> {
        let mut warm = free.bestfit.clone();
        let mut out = Vec::with_capacity(idx.len());
        for i in idx {
            let v = values[i];
            let mut opts = options.clone();
            let mut init = warm.clone();
            init[index] = v;
            let mut fixed = base_fixed.clone();
            fixed[index] = true;
            opts.init = Some(init);
            opts.fixed = Some(fixed);
            opts.extra_starts = vec![free.bestfit.clone()];
            let r = fit(model, data, &opts).map_err(|e| InferError::Fit {
                context: format!("profile scan of {par} at {v}"),
                source: e,
            })?;
            // A fit that did not converge is no place to start the next one from.
            if r.converged {
                warm.clone_from(&r.bestfit);
            }
            progress.advance(1);
            out.push((i, r));
        }
        Ok(out)
    };
    let (up, down) = rayon::join(
        || chain(order[start..].to_vec()),
        || chain(order[..start].iter().rev().copied().collect()),
    );
    progress.finish();
    let mut fits: Vec<(usize, FitResult)> = up?.into_iter().chain(down?).collect();
    fits.sort_by_key(|f| f.0);
    let twice_nll: Vec<f64> = fits.iter().map(|f| f.1.twice_nll).collect();
    let min = twice_nll.iter().copied().fold(free.twice_nll, f64::min);
    Ok(ProfileScan {
        par: par.clone(),
        par_index: index,
        values: values.to_vec(),
        delta_twice_nll: twice_nll.iter().map(|t| t - min).collect(),
        twice_nll,
        converged: fits.iter().map(|f| f.1.converged).collect(),
        bestfits: fits.into_iter().map(|f| f.1.bestfit).collect(),
        free,
    })
}

fn check_values(values: &[f64]) -> Result<(), InferError> {
    if values.is_empty() {
        return Err(InferError::Empty {
            what: "scan values",
        });
    }
    if let Some(v) = values.iter().find(|v| !v.is_finite()) {
        return Err(InferError::InvalidArgument {
            name: "scan values",
            message: format!("must be finite, got {v}"),
        });
    }
    Ok(())
}

/// `Δtwice_nll` for a two-sided interval at confidence level `cl` in one dimension:
/// `(Φ⁻¹((1 + cl)/2))²` (1 for 68.27%, 3.84 for 95%).
///
/// # Errors
/// [`InferError::InvalidArgument`] for `cl` outside (0, 1).
pub fn delta_for_cl(cl: f64) -> Result<f64, InferError> {
    if !(cl > 0.0 && cl < 1.0) {
        return Err(InferError::InvalidArgument {
            name: "confidence level",
            message: format!("must lie in (0, 1), got {cl}"),
        });
    }
    use statrs::distribution::{ContinuousCDF, Normal};
    let n = Normal::standard();
    let z = n.inverse_cdf(0.5 * (1.0 + cl));
    Ok(z * z)
}

impl ProfileScan {
    /// The interval where `Δtwice_nll ≤ delta`, by linear interpolation between the scan
    /// points on each side of the free fit's value.
    ///
    /// # Errors
    /// [`InferError::InvalidArgument`] for a non-positive `delta`.
    pub fn interval(&self, delta: f64) -> Result<ScanInterval, InferError> {
        if !(delta > 0.0 && delta.is_finite()) {
            return Err(InferError::InvalidArgument {
                name: "delta",
                message: format!("must be positive and finite, got {delta}"),
            });
        }
        let best = self.free.bestfit[self.par_index];
        let (x, y) = (&self.values, &self.delta_twice_nll);
        let mut lower = f64::NAN;
        let mut upper = f64::NAN;
        for i in 0..x.len().saturating_sub(1) {
            let (x0, x1, y0, y1) = (x[i], x[i + 1], y[i], y[i + 1]);
            let crosses_down = y0 > delta && y1 <= delta;
            let crosses_up = y0 <= delta && y1 > delta;
            if !(crosses_down || crosses_up) {
                continue;
            }
            let c = x0 + (delta - y0) * (x1 - x0) / (y1 - y0);
            // The last downward crossing below the best fit, the first upward one above.
            if crosses_down && c <= best {
                lower = c;
            }
            if crosses_up && c >= best && upper.is_nan() {
                upper = c;
            }
        }
        Ok(ScanInterval {
            delta,
            best,
            lower,
            upper,
        })
    }

    /// The interval at confidence level `cl` (two-sided, one parameter).
    ///
    /// # Errors
    /// [`InferError::InvalidArgument`] for `cl` outside (0, 1).
    pub fn interval_cl(&self, cl: f64) -> Result<ScanInterval, InferError> {
        self.interval(delta_for_cl(cl)?)
    }
}
