//! Hypothesis tests of a model: pyhf's `pyhf.infer.hypotest` with the asymptotic or the toy
//! calculator.
//!
//! For a tested POI value μ the asymptotic calculator runs five fits (pyhf 0.7.6,
//! `AsymptoticCalculator.teststatistic`):
//!
//! 1. the free fit and the μ-fixed fit to the observed data → `q_obs`;
//! 2. the fit with the POI fixed at the Asimov value (0 for `q`/`q̃`, 1 for `q0`) to the
//!    observed data, whose expected data *including auxdata* are the Asimov data set
//!    (pyhf's `generate_asimov_data`: "post-fit, conditional" Asimov);
//! 3. the free fit and the μ-fixed fit to the Asimov data → `q_A`.
//!
//! Fits 1a, 2 and 3a do not depend on μ. [`HypotestCalculator`] does them once and keeps
//! them, so a scan over μ costs two fits per point, each warm-started from the minimum (and
//! Hessian) of the nearest μ tested before.
//!
//! ```
//! use histfactory::infer::{hypotest, HypotestOptions};
//! use histfactory::model::simple::uncorrelated_background;
//! // pyhf's README example: CLs = 0.05251497 at mu = 1.
//! let model = uncorrelated_background(&[12.0, 11.0], &[50.0, 52.0], &[3.0, 7.0])?;
//! let data = model.data_with_auxdata(&[51.0, 48.0])?;
//! let r = hypotest(&model, &data, 1.0, &HypotestOptions::default())?;
//! // pyhf prints 0.05251497 from its looser fits; the tight minimum gives 0.05251553.
//! assert!((r.cls_obs - 0.05251552513807446).abs() < 1e-8);
//! assert!(r.converged);
//! # Ok::<(), histfactory::Error>(())
//! ```

use super::asymptotics::{asymptotic_pvalues, AsymptoticResult, BaseDist};
use super::test_statistics::TestStat;
use super::toy_calculator::{run_toys, ToyOptions, ToyResult};
use super::toys::{toy_expected_band, toy_pvalues};
use super::InferError;
use crate::fit::{fit_on, fixed_poi_fit_on, FitError, FitOptions, FitResult};
use crate::likelihood::TwiceNll;
use crate::model::Model;
use std::cell::RefCell;
use std::sync::Arc;

/// Which calculator turns test statistics into p-values.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Calculator {
    /// Asymptotic formulas (pyhf `calctype="asymptotics"`, the default).
    #[default]
    Asymptotics,
    /// Pseudo-experiments (pyhf `calctype="toybased"`).
    Toys(ToyOptions),
}

/// Options of a hypothesis test (pyhf `hypotest` keyword arguments).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct HypotestOptions {
    /// The test statistic (default `qtilde`).
    pub test_stat: TestStat,
    /// The asymptotic base distribution (default `normal`); unused by toys.
    pub base_dist: BaseDist,
    /// The calculator.
    pub calculator: Calculator,
    /// Initial values, bounds and fixed parameters of every fit (pyhf `init_pars`,
    /// `par_bounds`, `fixed_params`), restarts and minimiser settings. The POI's lower
    /// bound decides between `q` and `q̃` as in pyhf.
    pub fit: FitOptions,
    /// Show progress bars on stderr (only when it is a terminal).
    pub progress: bool,
}

/// The fits behind one asymptotic test, as pyhf's `HypoTestFitResults`. The fits that do
/// not depend on the tested value are shared (`Arc`) by every test of one calculator.
#[derive(Debug, Clone, PartialEq)]
pub struct AsimovFits {
    /// The fit with the POI at the Asimov value to the observed data (its expected data are
    /// the Asimov data).
    pub conditional: Arc<FitResult>,
    /// The Asimov data: main bins then auxdata.
    pub data: Arc<Vec<f64>>,
    /// The free fit to the Asimov data.
    pub free: Arc<FitResult>,
    /// The fit with the POI fixed at the tested value to the Asimov data.
    pub fixed: FitResult,
}

/// The fits of one hypothesis test.
#[derive(Debug, Clone, PartialEq)]
pub struct HypotestFits {
    /// The free fit to the observed data (μ̂, θ̂), shared by every test of one calculator.
    pub free: Arc<FitResult>,
    /// The fit with the POI fixed at the tested value (0 for `q0`) to the observed data.
    pub fixed: FitResult,
    /// The Asimov fits (asymptotic calculator only).
    pub asimov: Option<AsimovFits>,
}

/// The outcome of a hypothesis test at one POI value.
#[derive(Debug, Clone, PartialEq)]
pub struct HypotestResult {
    /// The tested POI value.
    pub poi_value: f64,
    /// The test statistic used.
    pub test_stat: TestStat,
    /// What pyhf's `hypotest` returns first: CLs for `q`/`q̃`, p0 (= `clsb`) for `q0`.
    pub cls_obs: f64,
    /// Observed CLs+b (p-value of the tested hypothesis; p0 for `q0`).
    pub clsb: f64,
    /// Observed CLb.
    pub clb: f64,
    /// The expected set [−2σ, −1σ, median, +1σ, +2σ] (CLs; the p0 band for `q0`).
    pub cls_exp: [f64; 5],
    /// The observed test statistic `q_obs` (plain, not the square-root form).
    pub q_obs: f64,
    /// The test statistic of the Asimov data `q_A` (NaN for toys).
    pub q_asimov: f64,
    /// Every asymptotic quantity (asymptotic calculator only).
    pub asymptotic: Option<AsymptoticResult>,
    /// The toys' test statistics (toy calculator only).
    pub toys: Option<ToyResult>,
    /// The fits, with their fitted parameters.
    pub fits: HypotestFits,
    /// Whether every fit converged (toy fits included). When false the numbers are reported
    /// but should not be trusted; [`Self::warnings`] says which fit failed.
    pub converged: bool,
    /// One line per fit that did not converge.
    pub warnings: Vec<String>,
}

/// A hypothesis test at `poi_value` (pyhf `hypotest(poi_value, data, model, ...)`).
///
/// # Errors
/// [`InferError::Poi`] without a free POI, [`InferError::Fit`] if a fit cannot be run (bad
/// options, data of the wrong length), [`InferError::InvalidTestStatValue`] if a fitted
/// `twice_nll` is NaN.
pub fn hypotest(
    model: &Model,
    data: &[f64],
    poi_value: f64,
    options: &HypotestOptions,
) -> Result<HypotestResult, InferError> {
    HypotestCalculator::new(model, data, options.clone())?.test(poi_value)
}

/// Hypothesis tests at each of `poi_values`, warm-started from one point to the next: the
/// input of a Brazil-band plot (observed CLs and the 5 expected CLs per point) and of
/// grid-scan upper limits.
///
/// # Errors
/// As [`hypotest`].
pub fn hypotest_scan(
    model: &Model,
    data: &[f64],
    poi_values: &[f64],
    options: &HypotestOptions,
) -> Result<Vec<HypotestResult>, InferError> {
    let mut calc = HypotestCalculator::new(model, data, options.clone())?;
    let bar = super::progress::bar(poi_values.len() as u64, "hypotest scan", options.progress);
    let mut out = Vec::with_capacity(poi_values.len());
    for &mu in poi_values {
        out.push(calc.test(mu)?);
        bar.inc(1);
    }
    bar.finish_and_clear();
    Ok(out)
}

/// Hypothesis tests of one model and data set at many POI values, keeping the fits that do
/// not depend on the tested value (the free fit, the Asimov data and the free fit to them)
/// and warm-starting the others from the minimum of the nearest value tested before.
#[derive(Debug)]
pub struct HypotestCalculator<'m> {
    model: &'m Model,
    data: Vec<f64>,
    options: HypotestOptions,
    poi: usize,
    free: Option<Arc<FitResult>>,
    asimov: Option<AsimovBase>,
    observed_minima: WarmStarts,
    asimov_minima: WarmStarts,
    /// The objectives of the fixed-POI fits, built at the first of each and kept: their
    /// prepared data and buffers cost more than a small model's whole fit.
    observed_nll: NllSlot<'m>,
    asimov_nll: NllSlot<'m>,
}

type NllSlot<'m> = RefCell<Option<TwiceNll<'m>>>;

/// The fit generating the Asimov data, the data and the free fit to them.
type AsimovBase = (Arc<FitResult>, Arc<Vec<f64>>, Arc<FitResult>);

/// The minima of earlier fixed-POI fits to one data set, each with its Hessian while the
/// memory budget allows: the fit at a new POI value starts from the nearest one with
/// Newton steps on that Hessian, which is close to the new minimum's (a root search or scan
/// moves the POI by little), and converges in a few iterations where quasi-Newton steps
/// from the previous point needed tens to hundreds.
#[derive(Debug)]
struct WarmStarts {
    points: Vec<Minimum>,
    hessian_budget: usize,
}

/// A fixed-POI minimum: the POI value, the parameters and (when kept) the Hessian there.
#[derive(Debug)]
struct Minimum {
    mu: f64,
    x: Vec<f64>,
    hessian: Option<Arc<Vec<f64>>>,
}

/// Where a fit starts: parameters, and a Hessian to begin Newton steps with.
type Warm<'a> = (&'a [f64], Option<Arc<Vec<f64>>>);

impl WarmStarts {
    /// Hessians kept per data set, in values (8 MB): all of them for models of up to 300
    /// parameters, the latest two at 600.
    const HESSIAN_VALUES: usize = 1 << 20;

    fn new(n_pars: usize) -> Self {
        WarmStarts {
            points: Vec::new(),
            hessian_budget: (Self::HESSIAN_VALUES / (n_pars * n_pars).max(1)).max(2),
        }
    }

    /// The minimum found at the POI value nearest to `mu`.
    fn nearest(&self, mu: f64) -> Option<Warm<'_>> {
        self.points
            .iter()
            .min_by(|a, b| (a.mu - mu).abs().total_cmp(&(b.mu - mu).abs()))
            .map(|m| (m.x.as_slice(), m.hessian.clone()))
    }

    fn push(&mut self, mu: f64, x: Vec<f64>, hessian: Vec<f64>) {
        let kept = self.points.iter().filter(|p| p.hessian.is_some()).count();
        if kept >= self.hessian_budget {
            if let Some(oldest) = self.points.iter_mut().find(|p| p.hessian.is_some()) {
                oldest.hessian = None;
            }
        }
        let hessian = (!hessian.is_empty()).then(|| Arc::new(hessian));
        self.points.push(Minimum { mu, x, hessian });
    }
}

/// The expected CLs band at one POI value from the Asimov fits alone
/// ([`HypotestCalculator::expected_band`]).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ExpectedBand {
    pub(crate) poi_value: f64,
    pub(crate) cls_exp: [f64; 5],
    pub(crate) warnings: Vec<String>,
}

impl<'m> HypotestCalculator<'m> {
    /// A calculator for `model` and `data` (main bins then auxdata).
    ///
    /// # Errors
    /// [`InferError::Poi`] if the model has no POI or the options fix it.
    pub fn new(
        model: &'m Model,
        data: &[f64],
        options: HypotestOptions,
    ) -> Result<Self, InferError> {
        let poi = model.poi_index().ok_or_else(|| {
            InferError::Poi("hypotest needs a model with a POI (built with --no-poi?)".into())
        })?;
        let fixed = options.fit.fixed.as_deref().unwrap_or(model.fixed());
        if fixed.get(poi).copied().unwrap_or(false) {
            return Err(InferError::Poi(format!(
                "hypotest: the POI \"{}\" is fixed; it must float",
                model.par_names()[poi]
            )));
        }
        Ok(HypotestCalculator {
            model,
            data: data.to_vec(),
            options,
            poi,
            free: None,
            asimov: None,
            observed_minima: WarmStarts::new(model.n_pars()),
            asimov_minima: WarmStarts::new(model.n_pars()),
            observed_nll: RefCell::new(None),
            asimov_nll: RefCell::new(None),
        })
    }

    /// The options in use.
    pub fn options(&self) -> &HypotestOptions {
        &self.options
    }

    /// The free fit to the observed data (done once).
    ///
    /// # Errors
    /// [`InferError::Fit`] if the fit cannot be run.
    pub fn free_fit(&mut self) -> Result<&FitResult, InferError> {
        if self.free.is_none() {
            let context = || "hypotest: free fit to the observed data".to_string();
            let r = self
                .on_nll(&self.observed_nll, &self.data, |obj| {
                    fit_on(obj, &self.data, &self.options.fit)
                })
                .map_err(|e| InferError::Fit {
                    context: context(),
                    source: e,
                })?;
            self.free = Some(Arc::new(finite(r, context)?));
        }
        // Just filled above.
        self.free
            .as_deref()
            .ok_or_else(|| InferError::Poi("unreachable: free fit missing".into()))
    }

    /// The shared free fit.
    fn free_shared(&mut self) -> Result<Arc<FitResult>, InferError> {
        self.free_fit()?;
        self.free
            .clone()
            .ok_or_else(|| InferError::Poi("unreachable: free fit missing".into()))
    }

    /// The fit with the POI fixed at `mu` to `data`, warm-started from `warm` (a nearby
    /// minimum and, when kept, the Hessian there) when given; returns the Hessian at the
    /// minimum too.
    fn fixed_fit(
        &self,
        nll: &NllSlot<'m>,
        data: &[f64],
        mu: f64,
        warm: Option<Warm<'_>>,
        what: &str,
    ) -> Result<(FitResult, Vec<f64>), InferError> {
        let mut opts = self.options.fit.clone();
        if let Some((w, hessian)) = warm {
            let mut init = warm_start(self.model, &self.options.fit, w);
            init[self.poi] = mu;
            opts.init = Some(init);
            if hessian.is_some() {
                opts.minimizer.initial_hessian = hessian;
            }
        }
        let context = || format!("hypotest at {} = {mu}: {what}", self.poi_name());
        let fit_error = |e| InferError::Fit {
            context: context(),
            source: e,
        };
        let (r, hessian) = self
            .on_nll(nll, data, |obj| fixed_poi_fit_on(obj, data, mu, &opts))
            .map_err(fit_error)?;
        // Only the parameters of the fits that generate data (Asimov, toys) are used, not
        // their likelihood value: a conditional fit at the edge of the model (a POI of 0
        // that zeroes every rate, where the Poisson term of an empty bin is undefined) is
        // still a valid generating point.
        if what.starts_with("fit generating") {
            Ok((r, hessian))
        } else {
            Ok((finite(r, context)?, hessian))
        }
    }

    /// `f` on the objective for `data` that `nll` holds, built on first use: every fit
    /// of one data set shares its prepared data and buffers.
    fn on_nll<R>(
        &self,
        nll: &NllSlot<'m>,
        data: &[f64],
        f: impl FnOnce(&mut TwiceNll<'m>) -> Result<R, FitError>,
    ) -> Result<R, FitError> {
        let mut slot = nll.borrow_mut();
        let obj = match &mut *slot {
            Some(obj) => obj,
            empty => empty.insert(
                TwiceNll::new(self.model, data)
                    .map_err(|e| FitError::InvalidInput(e.to_string()))?,
            ),
        };
        f(obj)
    }

    fn poi_name(&self) -> &str {
        &self.model.par_names()[self.poi]
    }

    /// The Asimov data and the fits that make and fit them (done once).
    fn asimov(&mut self) -> Result<(), InferError> {
        if self.asimov.is_some() {
            return Ok(());
        }
        let mu_a = self.options.test_stat.asimov_mu();
        let warm = self.free_fit()?.bestfit.clone();
        let (conditional, _) = self.fixed_fit(
            &self.observed_nll,
            &self.data,
            mu_a,
            Some((&warm, None)),
            "fit generating the Asimov data",
        )?;
        let asimov_data = self
            .model
            .expected_data(&conditional.bestfit, true)
            .map_err(|e| InferError::Model {
                context: "hypotest: Asimov data".into(),
                source: e,
            })?;
        // The conditional minimum is where the Asimov likelihood peaks: start there.
        let mut opts = self.options.fit.clone();
        opts.init = Some(warm_start(
            self.model,
            &self.options.fit,
            &conditional.bestfit,
        ));
        let context = || "hypotest: free fit to the Asimov data".to_string();
        let free = self
            .on_nll(&self.asimov_nll, &asimov_data, |obj| {
                fit_on(obj, &asimov_data, &opts)
            })
            .map_err(|e| InferError::Fit {
                context: context(),
                source: e,
            })?;
        let free = finite(free, context)?;
        self.asimov = Some((Arc::new(conditional), Arc::new(asimov_data), Arc::new(free)));
        Ok(())
    }

    /// The fit with the POI fixed at `mu` to the Asimov data, warm-started from the nearest
    /// earlier one (or the conditional fit that made the data).
    fn asimov_fixed_fit(
        &mut self,
        asimov_data: &[f64],
        conditional: &FitResult,
        mu: f64,
    ) -> Result<FitResult, InferError> {
        let warm = self
            .asimov_minima
            .nearest(mu)
            .unwrap_or((&conditional.bestfit, None));
        let (r, hessian) = self.fixed_fit(
            &self.asimov_nll,
            asimov_data,
            mu,
            Some(warm),
            "fixed-POI fit to the Asimov data",
        )?;
        self.asimov_minima.push(mu, r.bestfit.clone(), hessian);
        Ok(r)
    }

    /// The Asimov side of a test at `mu_fit` (the POI value the fits use): the shared
    /// fits, the fixed-POI fit to the Asimov data and `q_A`; a line for every fit that did
    /// not converge goes to `warnings`.
    fn asimov_side(
        &mut self,
        mu_fit: f64,
        warnings: &mut Vec<String>,
    ) -> Result<(AsimovFits, f64), InferError> {
        self.asimov()?;
        let (conditional, data, free) = match &self.asimov {
            Some((c, d, f)) => (c.clone(), d.clone(), f.clone()),
            None => return Err(InferError::Poi("unreachable: no Asimov fits".into())),
        };
        let fixed = self.asimov_fixed_fit(&data, &conditional, mu_fit)?;
        let q_asimov = self.options.test_stat.evaluate(
            fixed.twice_nll,
            free.twice_nll,
            free.bestfit[self.poi],
            mu_fit,
        );
        for (what, r) in [
            ("fit generating the Asimov data", &*conditional),
            ("free fit to the Asimov data", &*free),
            ("fixed-POI fit to the Asimov data", &fixed),
        ] {
            if !r.converged {
                warnings.push(format!("{what}: {}", r.status));
            }
        }
        let fits = AsimovFits {
            conditional,
            data,
            free,
            fixed,
        };
        Ok((fits, q_asimov))
    }

    /// The expected CLs band at `poi_value` from the Asimov fits alone: with the
    /// asymptotic calculator the band depends on `q_A` only, so an upper-limit search for
    /// an expected limit needs one fit per point where a full test runs two. `None` for
    /// the toy calculator, whose band needs the full test.
    pub(crate) fn expected_band(
        &mut self,
        poi_value: f64,
    ) -> Result<Option<ExpectedBand>, InferError> {
        if self.options.calculator != Calculator::Asymptotics {
            return Ok(None);
        }
        let stat = self.options.test_stat;
        let mu_fit = self.fit_poi(poi_value)?;
        let mut warnings = Vec::new();
        let (_, q_asimov) = self.asimov_side(mu_fit, &mut warnings)?;
        // The expected band does not depend on q_obs; q_A stands in for it.
        let a = asymptotic_pvalues(q_asimov, q_asimov, stat, self.options.base_dist)?;
        Ok(Some(ExpectedBand {
            poi_value,
            cls_exp: a.cls_exp,
            warnings,
        }))
    }

    /// The POI value the fixed-POI fits of a test at `poi_value` use: `poi_value`, except
    /// for `q0`, which always tests mu = 0 (the discovery hypothesis).
    fn fit_poi(&self, poi_value: f64) -> Result<f64, InferError> {
        if !poi_value.is_finite() {
            return Err(InferError::InvalidArgument {
                name: "poi_value",
                message: format!("must be finite, got {poi_value}"),
            });
        }
        Ok(if self.options.test_stat == TestStat::Q0 {
            0.0
        } else {
            poi_value
        })
    }

    /// The hypothesis test at `poi_value`.
    ///
    /// # Errors
    /// As [`hypotest`].
    pub fn test(&mut self, poi_value: f64) -> Result<HypotestResult, InferError> {
        let stat = self.options.test_stat;
        let mu_fit = self.fit_poi(poi_value)?;
        let free = self.free_shared()?;
        let warm = self
            .observed_minima
            .nearest(mu_fit)
            .unwrap_or((&free.bestfit, None));
        let (fixed, hessian) = self.fixed_fit(
            &self.observed_nll,
            &self.data,
            mu_fit,
            Some(warm),
            "fixed-POI fit to the observed data",
        )?;
        self.observed_minima
            .push(mu_fit, fixed.bestfit.clone(), hessian);
        let q_obs = stat.evaluate(
            fixed.twice_nll,
            free.twice_nll,
            free.bestfit[self.poi],
            mu_fit,
        );

        let mut warnings = Vec::new();
        for (what, r) in [("free fit", &*free), ("fixed-POI fit", &fixed)] {
            if !r.converged {
                warnings.push(format!("{what} to the observed data: {}", r.status));
            }
        }

        match self.options.calculator.clone() {
            Calculator::Asymptotics => {
                let (asimov, q_asimov) = self.asimov_side(mu_fit, &mut warnings)?;
                let a = asymptotic_pvalues(q_obs, q_asimov, stat, self.options.base_dist)?;
                Ok(HypotestResult {
                    poi_value,
                    test_stat: stat,
                    cls_obs: a.cls_obs,
                    clsb: a.clsb,
                    clb: a.clb,
                    cls_exp: a.cls_exp,
                    q_obs,
                    q_asimov,
                    asymptotic: Some(a),
                    toys: None,
                    fits: HypotestFits {
                        free,
                        fixed,
                        asimov: Some(asimov),
                    },
                    converged: warnings.is_empty(),
                    warnings,
                })
            }
            Calculator::Toys(toy_opts) => {
                // s+b toys at the conditional MLE of the tested value; b-only toys at the
                // conditional MLE of the Asimov value (0, or 1 for q0), as pyhf.
                let sb_pars = if mu_fit == poi_value {
                    fixed.bestfit.clone()
                } else {
                    self.fixed_fit(
                        &self.observed_nll,
                        &self.data,
                        poi_value,
                        Some((&fixed.bestfit, None)),
                        "fit generating the s+b toys",
                    )?
                    .0
                    .bestfit
                };
                let (b_fit, _) = self.fixed_fit(
                    &self.observed_nll,
                    &self.data,
                    stat.asimov_mu(),
                    Some((&free.bestfit, None)),
                    "fit generating the b-only toys",
                )?;
                let toys = run_toys(
                    self.model,
                    &sb_pars,
                    &b_fit.bestfit,
                    mu_fit,
                    stat,
                    &self.options.fit,
                    &toy_opts,
                    self.options.progress,
                )?;
                if toys.n_not_converged > 0 {
                    warnings.push(format!(
                        "{} of {} toy fits did not converge",
                        toys.n_not_converged,
                        4 * toys.ntoys
                    ));
                }
                let p = toy_pvalues(&toys.sb_test_stats, &toys.b_test_stats, q_obs)?;
                let band = toy_expected_band(&toys.sb_test_stats, &toys.b_test_stats)?;
                let (cls_obs, cls_exp) = match stat {
                    TestStat::Q0 => (p.clsb, band.clsb),
                    TestStat::Q | TestStat::QTilde => (p.cls, band.cls),
                };
                Ok(HypotestResult {
                    poi_value,
                    test_stat: stat,
                    cls_obs,
                    clsb: p.clsb,
                    clb: p.clb,
                    cls_exp,
                    q_obs,
                    q_asimov: f64::NAN,
                    asymptotic: None,
                    toys: Some(toys),
                    fits: HypotestFits {
                        free,
                        fixed,
                        asimov: None,
                    },
                    converged: warnings.is_empty(),
                    warnings,
                })
            }
        }
    }
}

/// A warm start from a previous minimum: free parameters clamped into their bounds (a
/// conditional fit may have held the POI outside them), fixed ones at their configured
/// values.
pub(crate) fn warm_start(model: &Model, opts: &FitOptions, previous: &[f64]) -> Vec<f64> {
    let bounds = opts.bounds.as_deref().unwrap_or(model.bounds());
    let fixed = opts.fixed.as_deref().unwrap_or(model.fixed());
    let init = opts.init.as_deref().unwrap_or(model.init());
    previous
        .iter()
        .enumerate()
        .map(|(i, &v)| {
            if fixed[i] {
                init[i]
            } else {
                v.clamp(bounds[i][0], bounds[i][1])
            }
        })
        .collect()
}

/// A fit result whose minimum is a number; otherwise an error naming the fit.
fn finite(r: FitResult, context: impl Fn() -> String) -> Result<FitResult, InferError> {
    if r.twice_nll.is_finite() {
        Ok(r)
    } else {
        Err(InferError::FitFailed(format!(
            "{}: no finite likelihood was reached (twice_nll = {}; {}); \
             check the model for negative rates",
            context(),
            r.twice_nll,
            r.status
        )))
    }
}
