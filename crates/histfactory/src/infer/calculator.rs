//! The shape every calculator shares: pyhf's four steps of a hypothesis test
//! (`infer/calculators.py`: `teststatistic`, `distributions`, `pvalues`,
//! `expected_pvalues`), and the purposes of the fits they run.
//!
//! A calculator turns a tested POI value into p-values in four steps:
//!
//! 1. [`Calculator::test_statistic`]: the fits to the observed data and the test
//!    statistic from them ([`ObservedStatistic`]);
//! 2. [`Calculator::distributions`]: the test statistic's distributions under the tested
//!    (s+b) and the background-only hypotheses (normals for the asymptotic calculator,
//!    the toys' values for the toy calculator);
//! 3. [`Calculator::pvalues`]: CLs+b, CLb and CLs at a value of the statistic;
//! 4. [`Calculator::expected_pvalues`]: the same at the background-only quantiles
//!    [−2σ, −1σ, median, +1σ, +2σ].
//!
//! [`hypotest`](super::hypotest()) drives the steps and assembles the
//! [`HypotestResult`](super::HypotestResult) in one place; the implementations are
//! [`AsymptoticCalculator`](super::AsymptoticCalculator) and
//! [`ToyCalculator`](super::ToyCalculator). A new calculator implements the trait and
//! gets a variant of [`CalculatorDetails`] for what it reports beyond the p-values.

use std::fmt;

use super::asymptotics::AsymptoticResult;
use super::hypotest::HypotestFits;
use super::test_statistics::TestStat;
use super::toy_calculator::ToyResult;
use super::InferError;

/// One calculator's way from a tested POI value to p-values (pyhf's calculator API).
pub trait Calculator {
    /// The test statistic's distributions under the s+b and the background-only
    /// hypotheses, and whatever the calculator learnt making them.
    type Distributions;

    /// Step 1: the fits to the observed data at `poi_value` and the test statistic.
    ///
    /// # Errors
    /// [`InferError::Fit`] or [`InferError::FitFailed`] if a fit fails,
    /// [`InferError::InvalidArgument`] for a non-finite POI value.
    fn test_statistic(&mut self, poi_value: f64) -> Result<ObservedStatistic, InferError>;

    /// Step 2: the distributions of the statistic of the test `observed`.
    ///
    /// # Errors
    /// As [`Self::test_statistic`] for the fits it needs (toys).
    fn distributions(
        &mut self,
        observed: &ObservedStatistic,
    ) -> Result<Self::Distributions, InferError>;

    /// Step 3: the p-values at `value` (in the units of [`ObservedStatistic::value`]).
    ///
    /// # Errors
    /// [`InferError::Empty`] for an empty toy distribution.
    fn pvalues(
        &self,
        value: f64,
        distributions: &Self::Distributions,
    ) -> Result<PValues, InferError>;

    /// Step 4: the expected p-values [−2σ, −1σ, median, +1σ, +2σ].
    ///
    /// # Errors
    /// As [`Self::pvalues`].
    fn expected_pvalues(
        &self,
        distributions: &Self::Distributions,
    ) -> Result<[PValues; 5], InferError>;

    /// What the calculator reports beyond the p-values, from the four steps' results.
    fn details(
        &self,
        observed: &ObservedStatistic,
        distributions: Self::Distributions,
        pvalues: &PValues,
        expected: &[PValues; 5],
    ) -> CalculatorDetails;
}

/// The outcome of step 1: the test statistic of the observed data and the fits behind it.
#[derive(Debug, Clone, PartialEq)]
pub struct ObservedStatistic {
    /// The tested POI value.
    pub poi_value: f64,
    /// The test statistic used.
    pub test_stat: TestStat,
    /// The value the p-values are read at: `T` in −μ̂/σ space for the asymptotic
    /// calculator (pyhf's `teststatistic`), `q_obs` itself for toys.
    pub value: f64,
    /// The observed test statistic `q_obs` (plain, not the square-root form).
    pub q_obs: f64,
    /// `q_A`, the test statistic of the Asimov data (NaN for toys).
    pub q_asimov: f64,
    /// The fits run so far.
    pub fits: HypotestFits,
    /// One line per fit that did not converge.
    pub warnings: Vec<String>,
}

/// CLs+b, CLb and their ratio at one value of the test statistic.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PValues {
    /// The tail probability under the tested hypothesis (p0 for `q0`).
    pub clsb: f64,
    /// The tail probability under the background-only hypothesis.
    pub clb: f64,
    /// `clsb / clb`.
    pub cls: f64,
}

impl PValues {
    /// What `hypotest` reports for `stat`: CLs for `q`/`q̃`, p0 (= CLs+b) for `q0`.
    pub fn reported(&self, stat: TestStat) -> f64 {
        match stat {
            TestStat::Q0 => self.clsb,
            TestStat::Q | TestStat::QTilde => self.cls,
        }
    }
}

/// What a calculator reports beyond the p-values.
#[derive(Debug, Clone, PartialEq)]
pub enum CalculatorDetails {
    /// Every asymptotic quantity.
    Asymptotic(AsymptoticResult),
    /// The toys' test statistics.
    Toys(ToyResult),
}

impl CalculatorDetails {
    /// One line per problem the details show (toy fits that did not converge).
    pub fn warnings(&self) -> Vec<String> {
        match self {
            CalculatorDetails::Asymptotic(_) => Vec::new(),
            CalculatorDetails::Toys(t) if t.n_not_converged > 0 => vec![format!(
                "{} of {} toy fits did not converge",
                t.n_not_converged,
                4 * t.ntoys
            )],
            CalculatorDetails::Toys(_) => Vec::new(),
        }
    }
}

/// Why a hypothesis test runs a fit; its [`Display`](fmt::Display) names the fit in
/// warnings and errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FitPurpose {
    /// The free fit to the observed data (μ̂, θ̂).
    FreeObserved,
    /// The fit with the POI fixed at the tested value to the observed data.
    FixedObserved,
    /// The fit to the observed data whose expected data are the Asimov data.
    AsimovGenerator,
    /// The free fit to the Asimov data.
    FreeAsimov,
    /// The fit with the POI fixed at the tested value to the Asimov data.
    FixedAsimov,
    /// The fit to the observed data whose parameters generate the s+b toys.
    SignalPlusBackgroundToys,
    /// The fit to the observed data whose parameters generate the background-only toys.
    BackgroundOnlyToys,
}

impl FitPurpose {
    /// Whether only the fit's parameters are used, to generate data (Asimov, toys), not
    /// its likelihood value: such a fit may end without a finite likelihood, at the edge
    /// of the model (a POI of 0 that zeroes every rate, where the Poisson term of an
    /// empty bin is undefined), and still be a valid generating point.
    pub fn generates_data(self) -> bool {
        matches!(
            self,
            FitPurpose::AsimovGenerator
                | FitPurpose::SignalPlusBackgroundToys
                | FitPurpose::BackgroundOnlyToys
        )
    }
}

impl fmt::Display for FitPurpose {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FitPurpose::FreeObserved => "free fit to the observed data",
            FitPurpose::FixedObserved => "fixed-POI fit to the observed data",
            FitPurpose::AsimovGenerator => "fit generating the Asimov data",
            FitPurpose::FreeAsimov => "free fit to the Asimov data",
            FitPurpose::FixedAsimov => "fixed-POI fit to the Asimov data",
            FitPurpose::SignalPlusBackgroundToys => "fit generating the s+b toys",
            FitPurpose::BackgroundOnlyToys => "fit generating the b-only toys",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_generating_fits_may_end_without_a_finite_likelihood() {
        let generating = [
            FitPurpose::AsimovGenerator,
            FitPurpose::SignalPlusBackgroundToys,
            FitPurpose::BackgroundOnlyToys,
        ];
        for p in generating {
            assert!(p.generates_data(), "{p}");
            assert!(p.to_string().starts_with("fit generating"));
        }
        for p in [
            FitPurpose::FreeObserved,
            FitPurpose::FixedObserved,
            FitPurpose::FreeAsimov,
            FitPurpose::FixedAsimov,
        ] {
            assert!(!p.generates_data(), "{p}");
        }
    }

    #[test]
    fn toy_details_warn_about_failed_toy_fits() {
        let toys = |n_not_converged| {
            CalculatorDetails::Toys(ToyResult {
                ntoys: 10,
                seed: 0,
                sb_test_stats: vec![],
                b_test_stats: vec![],
                n_not_converged,
            })
        };
        assert!(toys(0).warnings().is_empty());
        assert_eq!(
            toys(3).warnings(),
            vec!["3 of 40 toy fits did not converge".to_string()]
        );
    }
}
