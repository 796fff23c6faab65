//! The asymptotic calculator (pyhf `AsymptoticCalculator`): the five fits of a test and
//! the normal distributions of `T` they give.
//!
//! For a tested POI value μ it runs five fits (pyhf 0.7.6, `teststatistic`):
//!
//! 1. the free fit and the μ-fixed fit to the observed data → `q_obs`;
//! 2. the fit with the POI fixed at the Asimov value (0 for `q`/`q̃`, 1 for `q0`) to the
//!    observed data, whose expected data *including auxdata* are the Asimov data set
//!    (pyhf's `generate_asimov_data`: "post-fit, conditional" Asimov);
//! 3. the free fit and the μ-fixed fit to the Asimov data → `q_A`.
//!
//! Fits 1a, 2 and 3a do not depend on μ: they are done once and kept, so a scan over μ
//! costs two fits per point, each warm-started from the minimum (and Hessian) of the
//! nearest μ tested before. The formulas are in [`asymptotics`](super::asymptotics).

use std::sync::Arc;

use super::asymptotics::{asymptotic_test_stat, AsymptoticDistributions, AsymptoticResult};
use super::calculator::{Calculator, CalculatorDetails, FitPurpose, ObservedStatistic, PValues};
use super::fits::{fit_poi, observed_fits, DataFits, FitSetup};
use super::hypotest::{AsimovFits, ExpectedBand, HypotestFits, HypotestOptions};
use super::test_statistics::TestStat;
use super::{BaseDist, InferError};
use crate::fit::FitResult;
use crate::model::Model;

/// Hypothesis tests of one model and data set by asymptotic formulas, keeping the fits
/// that do not depend on the tested value.
#[derive(Debug)]
pub struct AsymptoticCalculator<'m> {
    setup: FitSetup<'m>,
    test_stat: TestStat,
    base_dist: BaseDist,
    observed: DataFits<'m>,
    asimov: Option<AsimovSide<'m>>,
}

/// The fit generating the Asimov data, and the fits to them.
#[derive(Debug)]
struct AsimovSide<'m> {
    generator: Arc<FitResult>,
    fits: DataFits<'m>,
}

impl<'m> AsymptoticCalculator<'m> {
    /// A calculator for `model` and `data` (main bins then auxdata) with the test
    /// statistic, base distribution and fit options of `options`.
    ///
    /// # Errors
    /// [`InferError::Poi`] if the model has no POI or the options fix it.
    pub fn new(
        model: &'m Model,
        data: &[f64],
        options: &HypotestOptions,
    ) -> Result<Self, InferError> {
        let setup = FitSetup::new(model, options.fit.clone())?;
        let observed = DataFits::new(&setup, Arc::new(data.to_vec()));
        Ok(AsymptoticCalculator {
            setup,
            test_stat: options.test_stat,
            base_dist: options.base_dist,
            observed,
            asimov: None,
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

    /// The Asimov side of a test at `mu_fit` (the POI value the fits use): the shared
    /// fits, the fixed-POI fit to the Asimov data and `q_A`; a line for every fit that did
    /// not converge goes to `warnings`.
    fn asimov_side(
        &mut self,
        mu_fit: f64,
        warnings: &mut Vec<String>,
    ) -> Result<(AsimovFits, f64), InferError> {
        let side = match &mut self.asimov {
            Some(side) => side,
            empty => empty.insert(asimov_side(
                &self.setup,
                &mut self.observed,
                self.test_stat.asimov_mu(),
            )?),
        };
        let free = side
            .fits
            .free_fit(&self.setup, None, FitPurpose::FreeAsimov)?;
        let generator = side.generator.clone();
        let fixed = side.fits.tested_fit(
            &self.setup,
            mu_fit,
            &generator.bestfit,
            FitPurpose::FixedAsimov,
        )?;
        let q_asimov = self.test_stat.evaluate(
            fixed.twice_nll,
            free.twice_nll,
            free.bestfit[self.setup.poi],
            mu_fit,
        );
        for (purpose, r) in [
            (FitPurpose::AsimovGenerator, &*generator),
            (FitPurpose::FreeAsimov, &*free),
            (FitPurpose::FixedAsimov, &fixed),
        ] {
            if !r.converged {
                warnings.push(format!("{purpose}: {}", r.status));
            }
        }
        let fits = AsimovFits {
            conditional: generator,
            data: side.fits.data().clone(),
            free,
            fixed,
        };
        Ok((fits, q_asimov))
    }

    /// The expected CLs band at `poi_value` from the Asimov fits alone: the asymptotic
    /// band depends on `q_A` only, so an upper-limit search for an expected limit needs
    /// one fit per point where a full test runs two.
    pub(crate) fn expected_band(&mut self, poi_value: f64) -> Result<ExpectedBand, InferError> {
        let stat = self.test_stat;
        let mu_fit = fit_poi(stat, poi_value)?;
        let mut warnings = Vec::new();
        let (_, q_asimov) = self.asimov_side(mu_fit, &mut warnings)?;
        // The band does not depend on q_obs; q_A stands in for it in the check of the
        // values (a NaN q_A is an error, as in a full test).
        asymptotic_test_stat(q_asimov, q_asimov, stat)?;
        let expected = AsymptoticDistributions::new(q_asimov, self.base_dist).expected_pvalues();
        Ok(ExpectedBand {
            poi_value,
            cls_exp: expected.map(|p| p.reported(stat)),
            warnings,
        })
    }
}

/// The fit generating the Asimov data (warm-started from the free fit to the observed
/// data), the data, and the free fit to them started where they were generated.
fn asimov_side<'m>(
    setup: &FitSetup<'m>,
    observed: &mut DataFits<'m>,
    mu_a: f64,
) -> Result<AsimovSide<'m>, InferError> {
    let free = observed.free_fit(setup, None, FitPurpose::FreeObserved)?;
    let generator = observed.other_fit(setup, mu_a, &free.bestfit, FitPurpose::AsimovGenerator)?;
    let data = setup
        .model
        .expected_data(&generator.bestfit, true)
        .map_err(|e| InferError::Model {
            context: "hypotest: Asimov data".into(),
            source: e,
        })?;
    let mut fits = DataFits::new(setup, Arc::new(data));
    // The conditional minimum is where the Asimov likelihood peaks: start there.
    fits.free_fit(setup, Some(&generator.bestfit), FitPurpose::FreeAsimov)?;
    Ok(AsimovSide {
        generator: Arc::new(generator),
        fits,
    })
}

impl Calculator for AsymptoticCalculator<'_> {
    type Distributions = AsymptoticDistributions;

    /// All five fits; the value is `T` in −μ̂/σ space (pyhf's `teststatistic`).
    fn test_statistic(&mut self, poi_value: f64) -> Result<ObservedStatistic, InferError> {
        let stat = self.test_stat;
        let mu_fit = fit_poi(stat, poi_value)?;
        let (free, fixed, q_obs, mut warnings) =
            observed_fits(&self.setup, &mut self.observed, stat, mu_fit)?;
        let (asimov, q_asimov) = self.asimov_side(mu_fit, &mut warnings)?;
        let value = asymptotic_test_stat(q_obs, q_asimov, stat)?;
        Ok(ObservedStatistic {
            poi_value,
            test_stat: stat,
            value,
            q_obs,
            q_asimov,
            fits: HypotestFits {
                free,
                fixed,
                asimov: Some(asimov),
            },
            warnings,
        })
    }

    fn distributions(
        &mut self,
        observed: &ObservedStatistic,
    ) -> Result<AsymptoticDistributions, InferError> {
        Ok(AsymptoticDistributions::new(
            observed.q_asimov,
            self.base_dist,
        ))
    }

    fn pvalues(
        &self,
        value: f64,
        distributions: &AsymptoticDistributions,
    ) -> Result<PValues, InferError> {
        Ok(distributions.pvalues(value))
    }

    fn expected_pvalues(
        &self,
        distributions: &AsymptoticDistributions,
    ) -> Result<[PValues; 5], InferError> {
        Ok(distributions.expected_pvalues())
    }

    fn details(
        &self,
        observed: &ObservedStatistic,
        distributions: AsymptoticDistributions,
        pvalues: &PValues,
        expected: &[PValues; 5],
    ) -> CalculatorDetails {
        CalculatorDetails::Asymptotic(AsymptoticResult::new(
            self.test_stat,
            &distributions,
            observed.value,
            pvalues,
            expected,
        ))
    }
}
