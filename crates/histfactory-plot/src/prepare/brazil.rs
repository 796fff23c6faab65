//! The Brazil band: observed and expected CLs over a range of POI values, and the upper
//! limits where they cross the test size.

use histfactory::infer::{
    hypotest_scan, upper_limit, upper_limit_grid, HypotestResult, UpperLimit, UpperLimitOptions,
};
use histfactory::model::Model;
use serde::Serialize;

use super::{linspace, PrepareError};
use crate::BrazilBand;

/// Options of [`brazil_data`].
#[derive(Debug, Clone, PartialEq)]
pub struct BrazilOptions {
    /// Test size, hypothesis-test settings (test statistic, calculator, fit options) and
    /// root-search tolerances.
    pub limit: UpperLimitOptions,
    /// POI values to test. `Some`: the limits come from linear interpolation of CLs on
    /// these points (pyhf `upper_limit(..., scan=points)`). `None`: the limits come from
    /// the TOMS 748 root search, and the band is drawn on `points` values from the POI's
    /// lower bound to 1.25 times the largest limit, so every crossing is in the figure.
    pub scan: Option<Vec<f64>>,
    /// Number of drawn points when `scan` is `None`.
    pub points: usize,
}

impl Default for BrazilOptions {
    fn default() -> Self {
        BrazilOptions {
            limit: UpperLimitOptions::default(),
            scan: None,
            points: 31,
        }
    }
}

/// What [`brazil_data`] computed: the figure and the limits it marks.
#[derive(Debug, Clone, Serialize)]
pub struct BrazilData {
    /// POI name.
    pub poi: String,
    /// Test size (0.05 for 95% CL).
    pub level: f64,
    /// `"toms748"` or `"grid"`: how the limits were found.
    pub method: &'static str,
    /// Observed upper limit.
    pub obs_limit: f64,
    /// Expected upper limits, −2σ … +2σ.
    pub exp_limits: [f64; 5],
    /// Tested POI values, increasing.
    pub poi_values: Vec<f64>,
    /// Observed CLs per tested value.
    pub cls_obs: Vec<f64>,
    /// Expected CLs (−2σ … +2σ) per tested value.
    pub cls_exp: Vec<[f64; 5]>,
    /// Every fit of the limit search and the scan converged.
    pub converged: bool,
    /// What went wrong where something did.
    pub warnings: Vec<String>,
}

impl BrazilData {
    /// The renderer's input.
    pub fn figure(&self) -> BrazilBand {
        BrazilBand {
            poi_values: self.poi_values.clone(),
            cls_obs: self.cls_obs.clone(),
            cls_exp: self.cls_exp.clone(),
            level: self.level,
            obs_limit: self.obs_limit,
            exp_limits: self.exp_limits,
            poi_name: self.poi.clone(),
        }
    }
}

/// Hypothesis tests over a range of POI values and the observed and expected upper limits:
/// the numbers of a Brazil-band figure (cabinetry's `limit` plot, pyhf's `brazil` plot).
///
/// ```
/// use histfactory::model::simple::uncorrelated_background;
/// use histfactory_plot::prepare::{brazil_data, BrazilOptions};
/// let model = uncorrelated_background(&[5.0], &[10.0], &[3.5]).unwrap();
/// let data = model.data_with_auxdata(&[12.0]).unwrap();
/// let band = brazil_data(&model, &data, &BrazilOptions::default()).unwrap();
/// assert!(band.obs_limit > 0.0 && band.exp_limits[0] < band.exp_limits[4]);
/// ```
///
/// # Errors
/// [`PrepareError::NoPoi`] without a POI, [`PrepareError::InvalidOption`] for a scan of
/// fewer than 2 or non-finite values or fewer than 2 points, [`PrepareError::Infer`] for
/// an unordered scan or if a hypothesis test or the limit search fails.
pub fn brazil_data(
    model: &Model,
    data: &[f64],
    options: &BrazilOptions,
) -> Result<BrazilData, PrepareError> {
    let poi = model
        .poi_index()
        .ok_or(PrepareError::NoPoi("a Brazil band"))?;
    let poi_name = model.par_names()[poi].clone();
    match &options.scan {
        Some(points) => {
            check_scan(points)?;
            let ul = upper_limit_grid(model, data, points, &options.limit)?;
            let tests = ul.tests.clone();
            Ok(assemble(poi_name, "grid", ul, &tests, Vec::new()))
        }
        None => {
            if options.points < 2 {
                return Err(PrepareError::InvalidOption(format!(
                    "a Brazil band needs at least 2 points, got {}",
                    options.points
                )));
            }
            let ul = upper_limit(model, data, &options.limit)?;
            let top = ul
                .exp
                .iter()
                .chain(std::iter::once(&ul.obs))
                .copied()
                .fold(0.0_f64, f64::max);
            let [lo, hi] = model.suggested_bounds()[poi];
            let lo = match options
                .limit
                .hypotest
                .fit
                .bounds
                .as_ref()
                .and_then(|b| b.get(poi))
            {
                Some(b) => b[0],
                None => lo,
            };
            let hi = (1.25 * top).min(hi);
            if !hi.is_finite() || hi <= lo {
                return Err(PrepareError::InvalidOption(format!(
                    "the limits ({top}) leave no range above the POI's lower bound {lo}"
                )));
            }
            let points = linspace(lo, hi, options.points);
            let tests = hypotest_scan(model, data, &points, &options.limit.hypotest)?;
            let warnings = scan_warnings(&tests);
            Ok(assemble(poi_name, "toms748", ul, &tests, warnings))
        }
    }
}

fn check_scan(points: &[f64]) -> Result<(), PrepareError> {
    if points.len() < 2 {
        return Err(PrepareError::InvalidOption(format!(
            "a Brazil band needs at least 2 POI values, got {}",
            points.len()
        )));
    }
    // The order is checked by `upper_limit_grid`, before any test is run.
    if points.iter().any(|v| !v.is_finite()) {
        return Err(PrepareError::InvalidOption(
            "the POI values of a Brazil band must be finite".into(),
        ));
    }
    Ok(())
}

fn scan_warnings(tests: &[HypotestResult]) -> Vec<String> {
    tests
        .iter()
        .filter(|t| !t.converged)
        .map(|t| {
            let why = t.warnings.join("; ");
            format!("hypotest at {} did not converge: {why}", t.poi_value)
        })
        .collect()
}

fn assemble(
    poi: String,
    method: &'static str,
    ul: UpperLimit,
    tests: &[HypotestResult],
    mut warnings: Vec<String>,
) -> BrazilData {
    warnings.extend(ul.warnings.iter().cloned());
    let converged = ul.converged && tests.iter().all(|t| t.converged);
    BrazilData {
        poi,
        level: ul.level,
        method,
        obs_limit: ul.obs,
        exp_limits: ul.exp,
        poi_values: tests.iter().map(|t| t.poi_value).collect(),
        cls_obs: tests.iter().map(|t| t.cls_obs).collect(),
        cls_exp: tests.iter().map(|t| t.cls_exp).collect(),
        converged,
        warnings,
    }
}
