//! Upper limits on the POI: the observed limit and the five expected limits where CLs
//! equals `level` (pyhf `infer.intervals.upper_limits`).
//!
//! - [`upper_limit`]: bracketing root search with TOMS 748, as pyhf's `toms748_scan`. The
//!   bracket starts at the POI's bounds and is widened (lower end halved while any CLs
//!   there is below `level`, upper end doubled while any is above); every hypothesis test
//!   is kept, and each expected limit is searched from the tightest bracket among the
//!   points already known. Two departures from pyhf's procedure change its cost, not its
//!   roots: the searches run on `sqrt(-2 ln CLs)`, nearly linear in the POI, instead of
//!   CLs (about half the tests), and an expected curve at a new point takes only the
//!   Asimov fit its band depends on (half the fits of a full test).
//! - [`upper_limit_grid`]: hypothesis tests on a grid and linear interpolation, as pyhf's
//!   `linear_grid_scan`.
//!
//! Both warm-start each fit from the previous test's minimum ([`HypotestCalculator`]).
//!
//! ```
//! use histfactory::infer::{upper_limit, UpperLimitOptions};
//! use histfactory::model::simple::uncorrelated_background;
//! let model = uncorrelated_background(&[12.0, 11.0], &[50.0, 52.0], &[3.0, 7.0])?;
//! let data = model.data_with_auxdata(&[51.0, 48.0])?;
//! let limit = upper_limit(&model, &data, &UpperLimitOptions::default())?;
//! assert!((limit.obs - 1.01156939).abs() < 1e-3 * 1.01156939);
//! # Ok::<(), histfactory::Error>(())
//! ```

use super::hypotest::{ExpectedBand, HypotestCalculator, HypotestOptions, HypotestResult};
use super::intervals::upper_limit_from_grid;
use super::toms748::{toms748_try, Toms748Options};
use super::InferError;
use crate::model::Model;

/// Options of an upper-limit search.
#[derive(Debug, Clone, PartialEq)]
pub struct UpperLimitOptions {
    /// The CLs level (0.05 for 95% CL).
    pub level: f64,
    /// Options of every hypothesis test.
    pub hypotest: HypotestOptions,
    /// The initial bracket; default the POI's bounds (pyhf: `suggested_bounds`).
    pub bracket: Option<(f64, f64)>,
    /// Relative tolerance of the root search (pyhf default 1e-4).
    pub rtol: f64,
    /// Absolute tolerance of the root search (pyhf default 2e-12).
    pub atol: f64,
}

impl Default for UpperLimitOptions {
    fn default() -> Self {
        UpperLimitOptions {
            level: 0.05,
            hypotest: HypotestOptions::default(),
            bracket: None,
            rtol: 1e-4,
            atol: 2e-12,
        }
    }
}

/// Observed and expected upper limits with the hypothesis tests behind them.
#[derive(Debug, Clone, PartialEq)]
pub struct UpperLimit {
    /// The CLs level.
    pub level: f64,
    /// The observed upper limit.
    pub obs: f64,
    /// The expected upper limits [−2σ, −1σ, median, +1σ, +2σ].
    pub exp: [f64; 5],
    /// Every full hypothesis test run, sorted by POI value (the points where only an
    /// expected band was computed for the expected limits' searches are not included).
    pub tests: Vec<HypotestResult>,
    /// Whether every fit converged and every root search met its tolerance.
    pub converged: bool,
    /// What did not converge.
    pub warnings: Vec<String>,
}

/// The largest relative tolerance a root search accepts: beyond 10%, the "limit" is a
/// guess.
pub const MAX_RTOL: f64 = 0.1;

fn check_rtol(rtol: f64) -> Result<(), InferError> {
    if rtol > 0.0 && rtol <= MAX_RTOL {
        Ok(())
    } else {
        Err(InferError::InvalidArgument {
            name: "rtol",
            message: format!("must lie in (0, {MAX_RTOL}], got {rtol}"),
        })
    }
}

/// The POI's bounds as the hypothesis tests use them.
fn poi_bounds(model: &Model, options: &UpperLimitOptions, poi: usize) -> [f64; 2] {
    options
        .hypotest
        .fit
        .bounds
        .as_ref()
        .and_then(|b| b.get(poi).copied())
        .unwrap_or_else(|| model.suggested_bounds()[poi])
}

fn check_level(level: f64) -> Result<(), InferError> {
    if level > 0.0 && level < 1.0 {
        Ok(())
    } else {
        Err(InferError::InvalidArgument {
            name: "level",
            message: format!("must lie in (0, 1), got {level}"),
        })
    }
}

/// The hypothesis tests run so far, by POI value, and the expected bands computed alone.
struct Cache<'m> {
    calc: HypotestCalculator<'m>,
    tests: Vec<HypotestResult>,
    bands: Vec<ExpectedBand>,
}

impl Cache<'_> {
    fn get(&mut self, mu: f64) -> Result<&HypotestResult, InferError> {
        let pos = match self.tests.iter().position(|t| t.poi_value == mu) {
            Some(i) => i,
            None => {
                let r = self.calc.test(mu)?;
                self.calc.options().progress.advance(1);
                self.tests.push(r);
                self.tests.len() - 1
            }
        };
        Ok(&self.tests[pos])
    }

    /// `z(level) − z(CLs)` of curve `which` (0: observed, 1..=5: expected) at `mu`: zero
    /// where CLs = level, positive below the limit (see [`z`]). An expected curve at a new
    /// point takes the band alone (half the fits of a full test) when the calculator can;
    /// its values are those the full test would give.
    fn f(&mut self, mu: f64, which: usize, level: f64) -> Result<f64, InferError> {
        let cls = self.cls(mu, which)?;
        Ok(z(level) - z(cls))
    }

    fn cls(&mut self, mu: f64, which: usize) -> Result<f64, InferError> {
        if which > 0 && !self.tests.iter().any(|t| t.poi_value == mu) {
            if let Some(b) = self.bands.iter().find(|b| b.poi_value == mu) {
                return Ok(b.cls_exp[which - 1]);
            }
            if let Some(b) = self.calc.expected_band(mu)? {
                self.calc.options().progress.advance(1);
                let v = b.cls_exp[which - 1];
                self.bands.push(b);
                return Ok(v);
            }
        }
        Ok(curve(self.get(mu)?, which))
    }

    /// Every point where curve `which` is known: `(mu, CLs)`.
    fn known(&self, which: usize) -> impl Iterator<Item = (f64, f64)> + '_ {
        let tests = self
            .tests
            .iter()
            .map(move |t| (t.poi_value, curve(t, which)));
        let bands = self
            .bands
            .iter()
            .filter(move |_| which > 0)
            .map(move |b| (b.poi_value, b.cls_exp[which - 1]));
        tests.chain(bands)
    }
}

/// The scale the root searches run on: `z = sqrt(-2 ln CLs)`, strictly decreasing in CLs,
/// so the roots are those of `CLs − level`. CLs falls off like a Gaussian tail in the POI,
/// and `z` of a Gaussian tail is nearly linear: TOMS 748's interpolation steps land next to
/// the root where on CLs itself, over a bracket from CLs = 1 to 1e-20, they crawl (pyhf's
/// search on CLs takes 6–12 tests per curve). NaN stays NaN (the search then fails).
fn z(cls: f64) -> f64 {
    if cls.is_nan() {
        return f64::NAN;
    }
    // CLs can underflow to 0 far above the limit, or round to just over 1 near mu = 0.
    (-2.0 * cls.max(f64::MIN_POSITIVE).ln()).max(0.0).sqrt()
}

fn curve(t: &HypotestResult, which: usize) -> f64 {
    if which == 0 {
        t.cls_obs
    } else {
        t.cls_exp[which - 1]
    }
}

fn all_values(t: &HypotestResult) -> impl Iterator<Item = f64> + '_ {
    std::iter::once(t.cls_obs).chain(t.cls_exp.iter().copied())
}

/// Observed and expected upper limits by TOMS 748 root search (pyhf `toms748_scan`, what
/// `upper_limit(..., scan=None)` runs).
///
/// # Errors
/// [`InferError::InvalidArgument`] for a level outside (0, 1), an `rtol` outside
/// (0, [`MAX_RTOL`]] or a bad bracket,
/// [`InferError::SearchFailed`] if no bracket is found within 30 halvings/doublings, and
/// the errors of the hypothesis tests.
pub fn upper_limit(
    model: &Model,
    data: &[f64],
    options: &UpperLimitOptions,
) -> Result<UpperLimit, InferError> {
    check_level(options.level)?;
    check_rtol(options.rtol)?;
    let level = options.level;
    let poi = model.poi_index().ok_or_else(|| {
        InferError::Poi("upper_limit needs a model with a POI (built with --no-poi?)".into())
    })?;
    let (mut lo, mut hi) = options.bracket.unwrap_or_else(|| {
        let b = options
            .hypotest
            .fit
            .bounds
            .as_ref()
            .map(|b| b[poi])
            .unwrap_or_else(|| model.suggested_bounds()[poi]);
        (b[0], b[1])
    });
    if !(lo.is_finite() && hi.is_finite() && lo < hi && lo >= 0.0) {
        return Err(InferError::InvalidArgument {
            name: "bracket",
            message: format!("need finite 0 <= lo < hi, got [{lo}, {hi}]"),
        });
    }
    let mut cache = Cache {
        calc: HypotestCalculator::new(model, data, options.hypotest.clone())?,
        tests: Vec::new(),
        bands: Vec::new(),
    };
    let progress = &options.hypotest.progress;
    // The number of tests a root search takes is not known in advance.
    progress.start("upper limit: hypothesis tests", None);

    // Widen the bracket until every curve is above `level` at `lo` and below at `hi`.
    let mut steps = 0;
    while all_values(cache.get(lo)?).any(|v| v < level) {
        steps += 1;
        if steps > 30 || lo == 0.0 {
            return Err(InferError::SearchFailed(format!(
                "upper limit: CLs is already below {level} at the lower end {lo} of the bracket; \
                 no limit above it can be found"
            )));
        }
        lo /= 2.0;
    }
    steps = 0;
    while all_values(cache.get(hi)?).any(|v| v > level) {
        steps += 1;
        if steps > 30 {
            return Err(InferError::SearchFailed(format!(
                "upper limit: CLs is still above {level} at {hi}; no limit found"
            )));
        }
        hi *= 2.0;
    }

    let t_opts = Toms748Options {
        xtol: options.atol,
        rtol: options.rtol,
        maxiter: 100,
        k: 2,
    };
    let mut warnings = Vec::new();
    let mut limits = [0.0; 6];
    for (which, limit) in limits.iter_mut().enumerate() {
        let (a, b) = if which == 0 {
            (lo, hi)
        } else {
            tightest_bracket(cache.known(which), level)
        };
        let r = toms748_try(|mu| cache.f(mu, which, level), a, b, &t_opts)?;
        if !r.converged {
            warnings.push(format!(
                "upper limit ({}): root search did not converge in {} iterations",
                curve_name(which),
                r.iterations
            ));
        }
        *limit = r.root;
    }
    progress.finish();
    for b in &cache.bands {
        for w in &b.warnings {
            warnings.push(format!("expected band at {}: {w}", b.poi_value));
        }
    }
    let mut tests = cache.tests;
    tests.sort_by(|a, b| a.poi_value.total_cmp(&b.poi_value));
    collect_fit_warnings(&tests, &mut warnings);
    Ok(UpperLimit {
        level,
        obs: limits[0],
        exp: [limits[1], limits[2], limits[3], limits[4], limits[5]],
        tests,
        converged: warnings.is_empty(),
        warnings,
    })
}

fn curve_name(which: usize) -> &'static str {
    [
        "observed",
        "expected −2σ",
        "expected −1σ",
        "expected median",
        "expected +1σ",
        "expected +2σ",
    ][which]
}

/// The known points of a curve closest to `level` from above and from below.
fn tightest_bracket(points: impl Iterator<Item = (f64, f64)>, level: f64) -> (f64, f64) {
    let mut above: Option<(f64, f64)> = None; // (f, mu) with f >= 0, smallest f
    let mut below: Option<(f64, f64)> = None; // (f, mu) with f < 0, largest f
    for (mu, cls) in points {
        let f = cls - level;
        if f >= 0.0 {
            match above {
                Some((g, _)) if g <= f => {}
                _ => above = Some((f, mu)),
            }
        } else if f < 0.0 {
            match below {
                Some((g, _)) if g >= f => {}
                _ => below = Some((f, mu)),
            }
        }
    }
    // The widening guarantees both exist; NaN brackets make toms748 report an error.
    (
        above.map_or(f64::NAN, |(_, m)| m),
        below.map_or(f64::NAN, |(_, m)| m),
    )
}

fn collect_fit_warnings(tests: &[HypotestResult], warnings: &mut Vec<String>) {
    for t in tests {
        for w in &t.warnings {
            warnings.push(format!("hypotest at {}: {w}", t.poi_value));
        }
    }
}

/// Observed and expected upper limits from hypothesis tests at `scan` (increasing) by
/// linear interpolation, as pyhf's `linear_grid_scan`. Where pyhf returns the scan's end
/// for a curve that does not cross `level` inside the scan (`numpy.interp` clamps), this is
/// an error: the scan's end is not a limit.
///
/// # Errors
/// [`InferError::InvalidArgument`] for a level outside (0, 1), a scan that is not
/// increasing or leaves the POI's bounds; [`InferError::Empty`] for an empty scan;
/// [`InferError::TooLarge`] for more than [`crate::limits::MAX_SCAN_POINTS`] points;
/// [`InferError::NotBracketedByScan`] if a curve does not cross `level` inside the scan;
/// and the errors of the tests.
pub fn upper_limit_grid(
    model: &Model,
    data: &[f64],
    scan: &[f64],
    options: &UpperLimitOptions,
) -> Result<UpperLimit, InferError> {
    check_level(options.level)?;
    if scan.is_empty() {
        return Err(InferError::Empty { what: "scan" });
    }
    crate::limits::check_count("scan points", scan.len(), crate::limits::MAX_SCAN_POINTS)?;
    if scan
        .windows(2)
        .any(|w| w[0].partial_cmp(&w[1]) != Some(std::cmp::Ordering::Less))
    {
        return Err(InferError::InvalidArgument {
            name: "scan",
            message: "POI values must be strictly increasing".into(),
        });
    }
    let poi = model.poi_index().ok_or_else(|| {
        InferError::Poi("upper_limit_grid needs a model with a POI (built with --no-poi?)".into())
    })?;
    let [b_lo, b_hi] = poi_bounds(model, options, poi);
    let (first, last) = (scan[0], scan[scan.len() - 1]);
    if first < b_lo || last > b_hi {
        return Err(InferError::InvalidArgument {
            name: "scan",
            message: format!(
                "the scan from {first} to {last} leaves the bounds [{b_lo}, {b_hi}] of the POI \
                 {}",
                model.poi_name().unwrap_or("poi")
            ),
        });
    }
    let tests = super::hypotest::hypotest_scan(model, data, scan, &options.hypotest)?;
    let obs: Vec<f64> = tests.iter().map(|t| t.cls_obs).collect();
    let exp: Vec<[f64; 5]> = tests.iter().map(|t| t.cls_exp).collect();
    for which in 0..6 {
        let curve_at = |t: &HypotestResult| curve(t, which);
        let crosses = tests.iter().any(|t| curve_at(t) >= options.level)
            && tests.iter().any(|t| curve_at(t) <= options.level);
        if !crosses {
            return Err(InferError::NotBracketedByScan {
                curve: curve_name(which),
                lo: first,
                hi: last,
                points: scan.len(),
                level: options.level,
                cls_lo: curve_at(&tests[0]),
                cls_hi: curve_at(&tests[tests.len() - 1]),
            });
        }
    }
    let g = upper_limit_from_grid(scan, &obs, &exp, options.level)?;
    let mut warnings = Vec::new();
    collect_fit_warnings(&tests, &mut warnings);
    Ok(UpperLimit {
        level: options.level,
        obs: g.obs,
        exp: g.exp,
        tests,
        converged: warnings.is_empty(),
        warnings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::simple::uncorrelated_background;

    #[test]
    fn z_is_decreasing_in_cls_and_keeps_nan() {
        let xs = [1.0, 0.5, 0.05, 1e-5, 1e-300, 0.0];
        for w in xs.windows(2) {
            assert!(z(w[0]) < z(w[1]), "{w:?}");
        }
        assert_eq!(z(1.0 + 1e-15), 0.0);
        assert!(z(f64::NAN).is_nan());
    }

    #[test]
    fn expected_band_alone_equals_the_full_tests_band() {
        let model = uncorrelated_background(&[12.0, 11.0], &[50.0, 52.0], &[3.0, 7.0]).unwrap();
        let data = model.data_with_auxdata(&[51.0, 48.0]).unwrap();
        let opts = HypotestOptions::default();
        let mut alone = HypotestCalculator::new(&model, &data, opts.clone()).unwrap();
        for mu in [0.7, 1.9, 1.2] {
            let band = alone.expected_band(mu).unwrap().unwrap();
            let mut calc = HypotestCalculator::new(&model, &data, opts.clone()).unwrap();
            let full = calc.test(mu).unwrap();
            for (a, b) in band.cls_exp.iter().zip(&full.cls_exp) {
                assert!((a - b).abs() < 1e-9 * b, "mu = {mu}: {a} vs {b}");
            }
        }
        let toys = HypotestOptions {
            calculator: super::super::hypotest::CalcType::Toys(Default::default()),
            ..opts
        };
        let mut calc = HypotestCalculator::new(&model, &data, toys).unwrap();
        assert!(calc.expected_band(1.0).unwrap().is_none());
    }
}
