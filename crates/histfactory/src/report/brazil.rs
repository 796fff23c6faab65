//! The Brazil band: observed and expected CLs over a range of POI values, and the upper
//! limits where they cross the test size (cabinetry's `limit` plot, pyhf's `brazil` plot).

use serde::Serialize;

use crate::infer::{
    hypotest_scan, upper_limit, upper_limit_grid, HypotestResult, UpperLimit, UpperLimitOptions,
};
use crate::model::Model;

use super::common::linspace;
use super::ReportError;

/// Options of [`brazil`].
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

/// What [`brazil`] computed: CLs at the drawn POI values and the limits they cross at.
#[derive(Debug, Clone, Serialize)]
#[must_use]
pub struct BrazilReport {
    /// POI name.
    pub poi: String,
    /// Test size α of the limits (0.05 for 95% CL): a POI value is excluded where
    /// CLs < α.
    pub level: f64,
    /// How the limits were found: `"toms748"` (root search on CLs − α) or `"grid"`
    /// (linear interpolation of CLs between the tested values, as pyhf's `scan=`).
    pub method: &'static str,
    /// Observed upper limit on the POI, in the POI's units.
    pub obs_limit: f64,
    /// Expected upper limits for the −2σ, −1σ, median, +1σ and +2σ background-only
    /// outcomes, in that order.
    pub exp_limits: [f64; 5],
    /// Tested POI values, increasing.
    pub poi_values: Vec<f64>,
    /// Observed CLs = CLs+b / CLb per tested value.
    pub cls_obs: Vec<f64>,
    /// Expected CLs per tested value, −2σ … +2σ as in `exp_limits`.
    pub cls_exp: Vec<[f64; 5]>,
    /// Every fit of the limit search and of the drawn points converged.
    pub converged: bool,
    /// What went wrong where something did, one message per problem.
    pub warnings: Vec<String>,
}

/// Hypothesis tests over a range of POI values and the observed and expected upper limits:
/// the numbers of a Brazil-band figure (cabinetry's `limit` plot, pyhf's `brazil` plot).
///
/// ```
/// use histfactory::model::simple::uncorrelated_background;
/// use histfactory::report::{brazil, BrazilOptions};
/// let model = uncorrelated_background(&[5.0], &[10.0], &[3.5])?;
/// let data = model.data_with_auxdata(&[12.0])?;
/// let band = brazil(&model, &data, &BrazilOptions::default())?;
/// assert!(band.obs_limit > 0.0 && band.exp_limits[0] < band.exp_limits[4]);
/// # Ok::<(), histfactory::Error>(())
/// ```
///
/// # Errors
/// [`ReportError::NoPoi`] without a POI, [`ReportError::InvalidOption`] for a scan of
/// fewer than 2 or non-finite values or fewer than 2 points, [`ReportError::Infer`] for
/// an unordered scan or if a hypothesis test or the limit search fails.
pub fn brazil(
    model: &Model,
    data: &[f64],
    options: &BrazilOptions,
) -> Result<BrazilReport, ReportError> {
    let poi = model
        .poi_index()
        .ok_or(ReportError::NoPoi("a Brazil band"))?;
    let poi_name = model.par_names()[poi].clone();
    match &options.scan {
        Some(points) => {
            check_scan(points)?;
            let ul = upper_limit_grid(model, data, points, &options.limit)
                .map_err(ReportError::infer("Brazil band: upper limits on the grid"))?;
            let tests = ul.tests.clone();
            Ok(assemble(poi_name, "grid", ul, &tests, Vec::new()))
        }
        None => {
            crate::limits::check_count("points", options.points, crate::limits::MAX_SCAN_POINTS)?;
            if options.points < 2 {
                return Err(ReportError::InvalidOption(format!(
                    "a Brazil band needs at least 2 points, got {}",
                    options.points
                )));
            }
            let ul = upper_limit(model, data, &options.limit)
                .map_err(ReportError::infer("Brazil band: upper-limit search"))?;
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
                return Err(ReportError::InvalidOption(format!(
                    "the limits ({top}) leave no range above the POI's lower bound {lo}"
                )));
            }
            let points = linspace(lo, hi, options.points);
            let tests = hypotest_scan(model, data, &points, &options.limit.hypotest).map_err(
                ReportError::infer("Brazil band: hypothesis tests at the drawn points"),
            )?;
            let warnings = scan_warnings(&tests);
            Ok(assemble(poi_name, "toms748", ul, &tests, warnings))
        }
    }
}

fn check_scan(points: &[f64]) -> Result<(), ReportError> {
    if points.len() < 2 {
        return Err(ReportError::InvalidOption(format!(
            "a Brazil band needs at least 2 POI values, got {}",
            points.len()
        )));
    }
    // The order is checked by `upper_limit_grid`, before any test is run.
    if points.iter().any(|v| !v.is_finite()) {
        return Err(ReportError::InvalidOption(
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
) -> BrazilReport {
    warnings.extend(ul.warnings.iter().cloned());
    let converged = ul.converged && tests.iter().all(|t| t.converged);
    BrazilReport {
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
