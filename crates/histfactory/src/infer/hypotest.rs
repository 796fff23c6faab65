//! Hypothesis tests of a model: pyhf's `pyhf.infer.hypotest` with the asymptotic or the toy
//! calculator.
//!
//! [`hypotest`] drives a [`Calculator`]'s four steps (test statistic, distributions,
//! p-values, expected p-values; see [`calculator`](super::calculator)) and assembles the
//! [`HypotestResult`] in one place. [`HypotestCalculator`] keeps a calculator over many
//! tested values of one model and data set (a scan, a limit search): the fits that do not
//! depend on the tested value are done once, the others warm-started from the nearest
//! value tested before.
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

use super::asymptotic_calculator::AsymptoticCalculator;
use super::asymptotics::{AsymptoticResult, BaseDist};
use super::calculator::{Calculator, CalculatorDetails, ObservedStatistic, PValues};
use super::progress::SharedProgress;
use super::test_statistics::TestStat;
use super::toy_calculator::{ToyCalculator, ToyOptions, ToyResult};
use super::InferError;
use crate::fit::{FitOptions, FitResult};
use crate::model::Model;
use std::sync::Arc;

/// Which calculator turns test statistics into p-values (pyhf's `calctype`).
#[derive(Debug, Clone, PartialEq, Default)]
pub enum CalcType {
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
    pub calculator: CalcType,
    /// Initial values, bounds and fixed parameters of every fit (pyhf `init_pars`,
    /// `par_bounds`, `fixed_params`), restarts and minimiser settings. The POI's lower
    /// bound decides between `q` and `q̃` as in pyhf.
    pub fit: FitOptions,
    /// The observer of long runs (toys, scans, limit searches); by default none.
    pub progress: SharedProgress,
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
/// [`InferError::Poi`] without a free POI, [`InferError::InvalidArgument`] for a
/// `poi_value` outside the POI's bounds, [`InferError::Fit`] if a fit cannot be run (bad
/// options, data of the wrong length), [`InferError::InvalidTestStatValue`] if a fitted
/// `twice_nll` is NaN.
pub fn hypotest(
    model: &Model,
    data: &[f64],
    poi_value: f64,
    options: &HypotestOptions,
) -> Result<HypotestResult, InferError> {
    check_poi_value(model, options, poi_value)?;
    HypotestCalculator::new(model, data, options.clone())?.test(poi_value)
}

/// A tested POI value must lie within the POI's bounds (as pyhf requires): outside them
/// the fixed-POI fit is of another model than the free fit's.
fn check_poi_value(
    model: &Model,
    options: &HypotestOptions,
    poi_value: f64,
) -> Result<(), InferError> {
    let Some(poi) = model.poi_index() else {
        return Ok(()); // HypotestCalculator::new reports the missing POI.
    };
    let [lo, hi] = options
        .fit
        .bounds
        .as_ref()
        .and_then(|b| b.get(poi).copied())
        .unwrap_or_else(|| model.suggested_bounds()[poi]);
    if !(lo..=hi).contains(&poi_value) {
        return Err(InferError::InvalidArgument {
            name: "poi_value",
            message: format!(
                "{} = {poi_value} lies outside the POI's bounds [{lo}, {hi}]",
                model.poi_name().unwrap_or("poi")
            ),
        });
    }
    Ok(())
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
    let progress = &options.progress;
    progress.start("hypotest scan", Some(poi_values.len() as u64));
    let mut out = Vec::with_capacity(poi_values.len());
    for &mu in poi_values {
        out.push(calc.test(mu)?);
        progress.advance(1);
    }
    progress.finish();
    Ok(out)
}

/// Hypothesis tests of one model and data set at many POI values with the calculator the
/// options choose, keeping the fits that do not depend on the tested value (the free fit,
/// the Asimov data and the free fit to them) and warm-starting the others from the minimum
/// of the nearest value tested before.
#[derive(Debug)]
pub struct HypotestCalculator<'m> {
    options: HypotestOptions,
    calc: AnyCalculator<'m>,
}

/// The calculator of a [`HypotestCalculator`].
// One lives per series of tests, never in a collection: the size difference costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
enum AnyCalculator<'m> {
    Asymptotic(AsymptoticCalculator<'m>),
    Toys(ToyCalculator<'m>),
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
        let calc = match &options.calculator {
            CalcType::Asymptotics => {
                AnyCalculator::Asymptotic(AsymptoticCalculator::new(model, data, &options)?)
            }
            CalcType::Toys(toys) => {
                AnyCalculator::Toys(ToyCalculator::new(model, data, &options, toys.clone())?)
            }
        };
        Ok(HypotestCalculator { options, calc })
    }

    /// The options in use.
    pub fn options(&self) -> &HypotestOptions {
        &self.options
    }

    /// The free fit to the observed data (done once).
    ///
    /// # Errors
    /// [`InferError::Fit`] if the fit cannot be run.
    pub fn free_fit(&mut self) -> Result<Arc<FitResult>, InferError> {
        match &mut self.calc {
            AnyCalculator::Asymptotic(c) => c.free_fit(),
            AnyCalculator::Toys(c) => c.free_fit(),
        }
    }

    /// The hypothesis test at `poi_value`.
    ///
    /// # Errors
    /// As [`hypotest`].
    pub fn test(&mut self, poi_value: f64) -> Result<HypotestResult, InferError> {
        match &mut self.calc {
            AnyCalculator::Asymptotic(c) => hypotest_with(c, poi_value),
            AnyCalculator::Toys(c) => hypotest_with(c, poi_value),
        }
    }

    /// The expected CLs band at `poi_value` from the Asimov fits alone (see
    /// [`AsymptoticCalculator`]); `None` for the toy calculator, whose band needs the full
    /// test.
    pub(crate) fn expected_band(
        &mut self,
        poi_value: f64,
    ) -> Result<Option<ExpectedBand>, InferError> {
        match &mut self.calc {
            AnyCalculator::Asymptotic(c) => c.expected_band(poi_value).map(Some),
            AnyCalculator::Toys(_) => Ok(None),
        }
    }
}

/// The hypothesis test at `poi_value` by `calc`'s four steps, with any [`Calculator`].
///
/// # Errors
/// As [`hypotest`].
pub fn hypotest_with<C: Calculator>(
    calc: &mut C,
    poi_value: f64,
) -> Result<HypotestResult, InferError> {
    let observed = calc.test_statistic(poi_value)?;
    let distributions = calc.distributions(&observed)?;
    let pvalues = calc.pvalues(observed.value, &distributions)?;
    let expected = calc.expected_pvalues(&distributions)?;
    let details = calc.details(&observed, distributions, &pvalues, &expected);
    Ok(assemble(observed, &pvalues, &expected, details))
}

/// The one place a [`HypotestResult`] is put together.
fn assemble(
    observed: ObservedStatistic,
    pvalues: &PValues,
    expected: &[PValues; 5],
    details: CalculatorDetails,
) -> HypotestResult {
    let stat = observed.test_stat;
    let mut warnings = observed.warnings;
    warnings.extend(details.warnings());
    let (asymptotic, toys) = match details {
        CalculatorDetails::Asymptotic(a) => (Some(a), None),
        CalculatorDetails::Toys(t) => (None, Some(t)),
    };
    HypotestResult {
        poi_value: observed.poi_value,
        test_stat: stat,
        cls_obs: pvalues.reported(stat),
        clsb: pvalues.clsb,
        clb: pvalues.clb,
        cls_exp: expected.map(|p| p.reported(stat)),
        q_obs: observed.q_obs,
        q_asimov: observed.q_asimov,
        asymptotic,
        toys,
        fits: observed.fits,
        converged: warnings.is_empty(),
        warnings,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::infer::progress::Progress;
    use crate::model::simple::uncorrelated_background;
    use std::sync::atomic::{AtomicU64, Ordering};

    #[test]
    fn each_calculator_driven_directly_gives_hypotests_result() {
        let model = uncorrelated_background(&[12.0, 11.0], &[50.0, 52.0], &[3.0, 7.0]).unwrap();
        let data = model.data_with_auxdata(&[51.0, 48.0]).unwrap();
        let opts = HypotestOptions::default();
        let mut asymptotic = AsymptoticCalculator::new(&model, &data, &opts).unwrap();
        let direct = hypotest_with(&mut asymptotic, 1.0).unwrap();
        assert_eq!(direct, hypotest(&model, &data, 1.0, &opts).unwrap());
        let toys = ToyOptions {
            ntoys: 20,
            seed: 3,
            ..Default::default()
        };
        let opts = HypotestOptions {
            calculator: CalcType::Toys(toys.clone()),
            ..opts
        };
        let mut calc = ToyCalculator::new(&model, &data, &opts, toys).unwrap();
        let direct = hypotest_with(&mut calc, 1.0).unwrap();
        // q_A is NaN for toys, so the results are compared by their printed values.
        let via_hypotest = hypotest(&model, &data, 1.0, &opts).unwrap();
        assert_eq!(format!("{direct:?}"), format!("{via_hypotest:?}"));
        assert!(direct.toys.is_some() && direct.asymptotic.is_none());
    }

    #[derive(Default)]
    struct Record {
        started: AtomicU64,
        steps: AtomicU64,
        finished: AtomicU64,
    }

    impl Progress for Record {
        fn start(&self, _task: &str, total: Option<u64>) {
            self.started
                .fetch_add(total.unwrap_or(0), Ordering::Relaxed);
        }
        fn advance(&self, steps: u64) {
            self.steps.fetch_add(steps, Ordering::Relaxed);
        }
        fn finish(&self) {
            self.finished.fetch_add(1, Ordering::Relaxed);
        }
    }

    #[test]
    fn toys_report_every_toy_to_the_observer() {
        let model = uncorrelated_background(&[12.0, 11.0], &[50.0, 52.0], &[3.0, 7.0]).unwrap();
        let data = model.data_with_auxdata(&[51.0, 48.0]).unwrap();
        let record = std::sync::Arc::new(Record::default());
        struct Forward(std::sync::Arc<Record>);
        impl Progress for Forward {
            fn start(&self, task: &str, total: Option<u64>) {
                self.0.start(task, total);
            }
            fn advance(&self, steps: u64) {
                self.0.advance(steps);
            }
            fn finish(&self) {
                self.0.finish();
            }
        }
        let opts = HypotestOptions {
            calculator: CalcType::Toys(ToyOptions {
                ntoys: 15,
                ..Default::default()
            }),
            progress: SharedProgress::new(Forward(record.clone())),
            ..Default::default()
        };
        hypotest_scan(&model, &data, &[0.5, 1.0], &opts).unwrap();
        // The scan's 2 tests, and 2 × 15 toys in each.
        assert_eq!(record.started.load(Ordering::Relaxed), 2 + 2 * 30);
        assert_eq!(record.steps.load(Ordering::Relaxed), 2 + 2 * 30);
        assert_eq!(record.finished.load(Ordering::Relaxed), 3);
    }
}
