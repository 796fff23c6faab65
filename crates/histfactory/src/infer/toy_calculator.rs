//! The toy calculator (pyhf `ToyCalculator`): sampling pseudo-data from the full model
//! and evaluating the test statistic on each toy with two fits, in parallel; the toys'
//! values are the test statistic's empirical distributions.
//!
//! s+b toys are drawn at the conditional MLE of the tested value, b-only toys at the
//! conditional MLE of the Asimov value (0, or 1 for `q0`), as pyhf (PR #1610).
//!
//! Toys are drawn as pyhf's `model.make_pdf(pars).sample()`: main bins Poisson around the
//! expected rates, auxiliary data Normal around the parameter (width σ of the constraint)
//! for Gaussian constraints and Poisson around `γ·τ` for Poisson constraints.
//!
//! Reproducibility: toy `i` of the s+b ensemble uses [`toy_rng`]`(seed, 2i)`, of the b-only
//! ensemble `toy_rng(seed, 2i + 1)`; each toy's numbers depend on `(seed, i)` alone, so the
//! results are identical whatever the number of rayon threads, and a run with more toys
//! extends a run with fewer.

use std::sync::Arc;

use rand::Rng;
use rayon::prelude::*;

use super::calculator::{Calculator, CalculatorDetails, FitPurpose, ObservedStatistic, PValues};
use super::fits::{fit_poi, observed_fits, DataFits, FitSetup};
use super::hypotest::{HypotestFits, HypotestOptions};
use super::progress::{Progress, SharedProgress};
use super::test_statistics::TestStat;
use super::toys::{sample_normal, sample_poisson, toy_expected_band, toy_pvalues, toy_rng};
use super::InferError;
use crate::fit::{fit, fixed_poi_fit, FitOptions, FitResult};
use crate::limits;
use crate::model::{ConstraintTerm, Model};

/// The EDM accepted at the rounding floor of toy fits (see
/// [`MinimizerOptions::edm_floor`](crate::optim::MinimizerOptions::edm_floor)).
pub const TOY_EDM_FLOOR: f64 = 1e-8;

/// Options of the toy calculator.
#[derive(Debug, Clone, PartialEq)]
pub struct ToyOptions {
    /// Number of toys per hypothesis (pyhf default 2000).
    pub ntoys: usize,
    /// Seed of the per-toy random number generators.
    pub seed: u64,
    /// Run the restarts of the fit on every toy (slower; only matters for models with
    /// several local minima). Default false: toy fits start at the generating parameters,
    /// next to the toy's minimum.
    pub restarts: bool,
}

impl Default for ToyOptions {
    fn default() -> Self {
        ToyOptions {
            ntoys: 2000,
            seed: 0,
            restarts: false,
        }
    }
}

/// The test statistics of the two toy ensembles.
#[derive(Debug, Clone, PartialEq)]
pub struct ToyResult {
    /// Toys per ensemble.
    pub ntoys: usize,
    /// The seed used.
    pub seed: u64,
    /// Test statistic of each toy generated under the tested hypothesis (s+b).
    pub sb_test_stats: Vec<f64>,
    /// Test statistic of each toy generated under the background-only hypothesis (for
    /// `q0`: under μ = 1).
    pub b_test_stats: Vec<f64>,
    /// Number of toy fits (two per toy) that did not converge; their values are kept.
    pub n_not_converged: usize,
}

/// One pseudo-data set (main bins then auxdata) drawn from the model at `pars`.
///
/// # Errors
/// [`InferError::Model`] for a parameter vector of the wrong length,
/// [`InferError::InvalidArgument`] if an expected rate is negative or not finite.
pub fn sample_toy<R: Rng + ?Sized>(
    model: &Model,
    pars: &[f64],
    rng: &mut R,
) -> Result<Vec<f64>, InferError> {
    let main = model
        .expected_data(pars, false)
        .map_err(|e| InferError::Model {
            context: "toy sampling".into(),
            source: e,
        })?;
    let mut out = Vec::with_capacity(model.n_main() + model.n_aux());
    for lambda in main {
        out.push(sample_poisson(rng, lambda)?);
    }
    for term in model.constraint_terms() {
        out.push(match term {
            ConstraintTerm::Gauss(g) => sample_normal(rng, pars[g.param], g.sigma)?,
            ConstraintTerm::Poisson(p) => sample_poisson(rng, pars[p.param] * p.factor)?,
        });
    }
    Ok(out)
}

/// The test statistic on one toy: fixed fit at `mu` and free fit, both started at the
/// generating parameters. Returns the value and how many of the two fits did not converge.
fn toy_test_stat(
    model: &Model,
    toy: &[f64],
    start: &[f64],
    mu: f64,
    stat: TestStat,
    fit_opts: &FitOptions,
) -> Result<(f64, usize), InferError> {
    let poi = model
        .poi_index()
        .ok_or_else(|| InferError::Poi("toys need a model with a POI".into()))?;
    let context = |what: &str| format!("toy fit ({what})");
    let mut opts = fit_opts.clone();
    let bounds = opts
        .bounds
        .clone()
        .unwrap_or_else(|| model.suggested_bounds());
    let mut init = start.to_vec();
    init[poi] = init[poi].clamp(bounds[poi][0], bounds[poi][1]);
    opts.init = Some(init);
    let free = fit(model, toy, &opts).map_err(|e| InferError::Fit {
        context: context("free"),
        source: e,
    })?;
    let fixed = fixed_poi_fit(model, toy, mu, &opts).map_err(|e| InferError::Fit {
        context: context("fixed POI"),
        source: e,
    })?;
    let failed = usize::from(!free.converged) + usize::from(!fixed.converged);
    let q = stat.evaluate(fixed.twice_nll, free.twice_nll, free.bestfit[poi], mu);
    Ok((q, failed))
}

/// Checks `ntoys` against [`limits::MAX_TOYS`] and the ensembles' storage against the
/// memory limit: per toy and hypothesis, its fit's result while the ensemble runs, then
/// its test statistic, a sorted copy and the three p-values of its expected CLs.
fn check_toy_storage(ntoys: usize) -> Result<(), InferError> {
    limits::check_count("ntoys", ntoys, limits::MAX_TOYS)?;
    let per_toy = 2 * std::mem::size_of::<Result<(f64, usize), InferError>>() + 2 * 8 * 2 + 3 * 8;
    let needed = ntoys.checked_mul(per_toy).and_then(limits::bytes_of::<u8>);
    limits::check_memory(format!("{ntoys} toys per hypothesis"), needed)?;
    Ok(())
}

/// Runs both toy ensembles: `ntoys` toys at `sb_pars` and `ntoys` at `b_pars`, each
/// evaluated with the test statistic at `mu`, in parallel on the current rayon pool.
///
/// # Errors
/// [`InferError::InvalidArgument`] for `ntoys == 0`; [`InferError::TooLarge`] above
/// [`limits::MAX_TOYS`] or the memory limit; the first sampling or fit error.
#[allow(clippy::too_many_arguments)]
pub(crate) fn run_toys(
    model: &Model,
    sb_pars: &[f64],
    b_pars: &[f64],
    mu: f64,
    stat: TestStat,
    fit_opts: &FitOptions,
    toy_opts: &ToyOptions,
    progress: &dyn Progress,
) -> Result<ToyResult, InferError> {
    if toy_opts.ntoys == 0 {
        return Err(InferError::InvalidArgument {
            name: "ntoys",
            message: "need at least one toy".into(),
        });
    }
    check_toy_storage(toy_opts.ntoys)?;
    let mut opts = fit_opts.clone();
    opts.restarts = toy_opts.restarts;
    // Toys with large Poisson auxiliary data have a twice_nll whose rounding noise (~1e-9)
    // exceeds the default relative EDM tolerance: accept the rounding floor there, since a
    // test statistic good to 1e-8 is far below the toys' statistical precision.
    opts.minimizer.edm_floor = opts.minimizer.edm_floor.max(TOY_EDM_FLOOR);
    opts.minimizer.edm_stop = true;
    // Toy fits start at the parameters their toy was generated from, close to the toy's
    // minimum, so Newton steps on the Hessian at those parameters (for their expected data)
    // converge in a few iterations where quasi-Newton needs hundreds; it is computed once
    // per hypothesis. The test statistic needs no uncertainties: no final Hessian either.
    opts.minimizer.final_hessian = false;
    let mut sb_opts = opts.clone();
    sb_opts.minimizer.initial_hessian = generator_hessian(model, sb_pars)?;
    let mut b_opts = opts;
    b_opts.minimizer.initial_hessian = generator_hessian(model, b_pars)?;
    let n = toy_opts.ntoys;
    progress.start("toys", Some(2 * n as u64));
    // Index 2i: s+b toy i; 2i + 1: b-only toy i.
    let results: Vec<Result<(f64, usize), InferError>> = (0..2 * n)
        .into_par_iter()
        .map(|k| {
            let (pars, opts) = if k % 2 == 0 {
                (sb_pars, &sb_opts)
            } else {
                (b_pars, &b_opts)
            };
            let mut rng = toy_rng(toy_opts.seed, k as u64);
            let toy = sample_toy(model, pars, &mut rng)?;
            let r = toy_test_stat(model, &toy, pars, mu, stat, opts);
            progress.advance(1);
            r
        })
        .collect();
    progress.finish();
    let mut sb = Vec::with_capacity(n);
    let mut b = Vec::with_capacity(n);
    let mut n_not_converged = 0;
    for (k, r) in results.into_iter().enumerate() {
        let (q, failed) = r?;
        n_not_converged += failed;
        if k % 2 == 0 {
            sb.push(q);
        } else {
            b.push(q);
        }
    }
    Ok(ToyResult {
        ntoys: n,
        seed: toy_opts.seed,
        sb_test_stats: sb,
        b_test_stats: b,
        n_not_converged,
    })
}

/// Hypothesis tests of one model and data set with pseudo-experiments.
#[derive(Debug)]
pub struct ToyCalculator<'m> {
    setup: FitSetup<'m>,
    test_stat: TestStat,
    toys: ToyOptions,
    observed: DataFits<'m>,
    progress: SharedProgress,
}

impl<'m> ToyCalculator<'m> {
    /// A calculator for `model` and `data` (main bins then auxdata) with the test
    /// statistic, fit options and progress observer of `options`, running toys as `toys`
    /// says.
    ///
    /// # Errors
    /// [`InferError::Poi`] if the model has no POI or the options fix it.
    pub fn new(
        model: &'m Model,
        data: &[f64],
        options: &HypotestOptions,
        toys: ToyOptions,
    ) -> Result<Self, InferError> {
        let setup = FitSetup::new(model, options.fit.clone())?;
        let observed = DataFits::new(&setup, Arc::new(data.to_vec()));
        Ok(ToyCalculator {
            setup,
            test_stat: options.test_stat,
            toys,
            observed,
            progress: options.progress.clone(),
        })
    }

    /// The free fit to the observed data (done once).
    ///
    /// # Errors
    /// [`InferError::Fit`] if the fit cannot be run.
    pub fn free_fit(&mut self) -> Result<Arc<FitResult>, InferError> {
        self.observed
            .free_fit(&self.setup, None, FitPurpose::FreeObserved)
    }
}

impl Calculator for ToyCalculator<'_> {
    /// The toys' test statistics: the empirical distributions.
    type Distributions = ToyResult;

    /// The free and fixed-POI fits to the observed data; the value is `q_obs`.
    fn test_statistic(&mut self, poi_value: f64) -> Result<ObservedStatistic, InferError> {
        let stat = self.test_stat;
        let mu_fit = fit_poi(stat, poi_value)?;
        let (free, fixed, q_obs, warnings) =
            observed_fits(&self.setup, &mut self.observed, stat, mu_fit)?;
        Ok(ObservedStatistic {
            poi_value,
            test_stat: stat,
            value: q_obs,
            q_obs,
            q_asimov: f64::NAN,
            fits: HypotestFits {
                free,
                fixed,
                asimov: None,
            },
            warnings,
        })
    }

    /// The fits generating the toys, then both ensembles.
    fn distributions(&mut self, observed: &ObservedStatistic) -> Result<ToyResult, InferError> {
        let stat = self.test_stat;
        let poi_value = observed.poi_value;
        let mu_fit = fit_poi(stat, poi_value)?;
        let HypotestFits { free, fixed, .. } = &observed.fits;
        // For q0 the test's fixed fit is at 0, not at the tested value.
        let sb_pars = if mu_fit == poi_value {
            fixed.bestfit.clone()
        } else {
            self.observed
                .other_fit(
                    &self.setup,
                    poi_value,
                    &fixed.bestfit,
                    FitPurpose::SignalPlusBackgroundToys,
                )?
                .bestfit
        };
        let b_fit = self.observed.other_fit(
            &self.setup,
            stat.asimov_mu(),
            &free.bestfit,
            FitPurpose::BackgroundOnlyToys,
        )?;
        run_toys(
            self.setup.model,
            &sb_pars,
            &b_fit.bestfit,
            mu_fit,
            stat,
            &self.setup.options,
            &self.toys,
            &*self.progress,
        )
    }

    fn pvalues(&self, value: f64, toys: &ToyResult) -> Result<PValues, InferError> {
        let p = toy_pvalues(&toys.sb_test_stats, &toys.b_test_stats, value)?;
        Ok(PValues {
            clsb: p.clsb,
            clb: p.clb,
            cls: p.cls,
        })
    }

    fn expected_pvalues(&self, toys: &ToyResult) -> Result<[PValues; 5], InferError> {
        let band = toy_expected_band(&toys.sb_test_stats, &toys.b_test_stats)?;
        Ok(std::array::from_fn(|k| PValues {
            clsb: band.clsb[k],
            clb: band.clb[k],
            cls: band.cls[k],
        }))
    }

    fn details(
        &self,
        _observed: &ObservedStatistic,
        toys: ToyResult,
        _pvalues: &PValues,
        _expected: &[PValues; 5],
    ) -> CalculatorDetails {
        CalculatorDetails::Toys(toys)
    }
}

/// The Hessian of twice_nll at `pars` for the data they predict (main and auxiliary): what
/// the toys generated at `pars` have on average. `None` where it is not finite (the fits
/// then start with quasi-Newton steps as usual).
fn generator_hessian(
    model: &Model,
    pars: &[f64],
) -> Result<Option<std::sync::Arc<Vec<f64>>>, InferError> {
    use crate::optim::Objective;
    let err = |source| InferError::Model {
        context: "toys: the Hessian at the generating parameters".into(),
        source,
    };
    let expected = model.expected_data(pars, true).map_err(err)?;
    let mut obj = crate::likelihood::TwiceNll::new(model, &expected).map_err(err)?;
    let n = model.n_pars();
    let mut h = vec![0.0; n * n];
    obj.hessian(pars, &mut h);
    Ok(h.iter()
        .all(|v| v.is_finite())
        .then(|| std::sync::Arc::new(h)))
}
