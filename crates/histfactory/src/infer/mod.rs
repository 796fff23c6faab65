//! Inference: test statistics, asymptotic and toy p-values, CLs, root finding for limits.
//!
//! This module holds the *model-independent numerical core* of inference, as pure functions
//! that reproduce pyhf 0.7.6's semantics (`pyhf.infer`):
//!
//! - [`distributions`]: the standard normal cdf / survival function, accurate far in the
//!   tails (p-values of 9σ and beyond);
//! - [`test_statistics`]: `q0`, `qmu`, `qmu_tilde`, `tmu`, `tmu_tilde` from the two fitted
//!   `twice_nll` values;
//! - [`calculator`]: the [`Calculator`] trait with pyhf's four steps (test statistic,
//!   distributions, p-values, expected p-values) and [`FitPurpose`], why a test runs a fit;
//!   [`AsymptoticCalculator`] and [`ToyCalculator`] implement it, [`hypotest()`] drives it;
//! - [`progress`]: the [`Progress`] observer of long runs (the library draws nothing);
//! - [`asymptotics`]: the asymptotic calculator's formulas (test statistic in "−μ̂/σ space",
//!   CLs+b, CLb, CLs and the 5-value expected band), including the `clipped_normal` option;
//! - [`toys`]: empirical-distribution p-values, the expected band from background-only toys,
//!   reproducible per-toy random number generators, Poisson and normal samplers;
//! - [`toms748`](mod@toms748): the TOMS 748 bracketing root finder used by pyhf's `toms748_scan`;
//! - [`intervals`]: upper limits from a grid of CLs values by linear interpolation, as
//!   pyhf's `linear_grid_scan`.
//!
//! The fits that produce the inputs (`twice_nll` at the conditional and global minima, the
//! Asimov data) run on the fit layer; which fits a test needs, and how they warm-start one
//! another, is the calculators' business (`fits.rs`, shared by both).

pub mod asymptotic_calculator;
pub mod asymptotics;
pub mod calculator;
pub mod distributions;
mod fits;
pub mod hypotest;
pub mod intervals;
pub mod limits;
pub mod progress;
pub mod scan;
pub mod test_statistics;
pub mod toms748;
pub mod toy_calculator;
pub mod toys;

pub use asymptotic_calculator::AsymptoticCalculator;
pub use asymptotics::{
    asymptotic_pvalues, asymptotic_test_stat, AsymptoticDistributions, AsymptoticResult, BaseDist,
    NormalDistribution, EXPECTED_NSIGMA,
};
pub use calculator::{Calculator, CalculatorDetails, FitPurpose, ObservedStatistic, PValues};
pub use distributions::{normal_cdf, normal_sf};
pub use hypotest::AsimovFits;
pub use hypotest::{
    hypotest, hypotest_scan, hypotest_with, CalcType, HypotestCalculator, HypotestFits,
    HypotestOptions, HypotestResult,
};
pub use intervals::{crossing, interp, upper_limit_from_grid, GridUpperLimit};
pub use limits::{upper_limit, upper_limit_grid, UpperLimit, UpperLimitOptions};
pub use progress::{NoProgress, Progress, SharedProgress};
pub use scan::{delta_for_cl, profile_scan, profile_scan_around, ProfileScan, ScanInterval};
pub use test_statistics::{q0, qmu, qmu_tilde, tmu, tmu_tilde, TestStat};
pub use toms748::{toms748, toms748_try, Toms748Options, Toms748Result};
pub use toy_calculator::{sample_toy, ToyCalculator, ToyOptions, ToyResult};
pub use toys::{
    empirical_pvalue, percentiles, sample_normal, sample_poisson, toy_expected_band, toy_pvalues,
    toy_rng, ToyExpectedBand, ToyPValues, NORMAL_PERCENTILES,
};

/// Errors of the inference layer.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum InferError {
    /// A test-statistic name that pyhf does not accept (`qtilde`, `q`, `q0`).
    #[error("unknown test statistic \"{name}\" (expected one of: qtilde, q, q0)")]
    UnknownTestStat {
        /// The name given.
        name: String,
    },
    /// A test-statistic value that cannot come from a likelihood ratio (negative or NaN).
    #[error("{name} must be a non-negative number, got {value}")]
    InvalidTestStatValue {
        /// Which value (`q_obs`, `q_asimov`, ...).
        name: &'static str,
        /// The value given.
        value: f64,
    },
    /// An argument outside its allowed range.
    #[error("invalid {name}: {message}")]
    InvalidArgument {
        /// The argument's name.
        name: &'static str,
        /// What was expected and what was found.
        message: String,
    },
    /// A count above its maximum, or storage above the memory limit
    /// ([`crate::limits`]); checked before anything is allocated.
    #[error(transparent)]
    TooLarge(Box<crate::limits::LimitError>),
    /// Two inputs that must have the same length do not.
    #[error("length mismatch: {what} has {found} entries, expected {expected}")]
    LengthMismatch {
        /// What the lengths are about.
        what: &'static str,
        /// The expected length.
        expected: usize,
        /// The length found.
        found: usize,
    },
    /// An empty input where at least one value is needed.
    #[error("{what} is empty")]
    Empty {
        /// What is empty.
        what: &'static str,
    },
    /// The function values at the two ends of a root-finding bracket have the same sign.
    #[error("f(a) = {fa} and f(b) = {fb} at a = {a}, b = {b} do not bracket a sign change")]
    NotBracketed {
        /// Lower end of the bracket.
        a: f64,
        /// Upper end of the bracket.
        b: f64,
        /// Function value at `a`.
        fa: f64,
        /// Function value at `b`.
        fb: f64,
    },
    /// The function returned a non-finite value where the root finder needed a number.
    #[error("the function value at x = {x} is {value}; the root finder cannot continue")]
    NonFiniteFunctionValue {
        /// Where the function was evaluated.
        x: f64,
        /// What it returned.
        value: f64,
    },
    /// A fit needed by an inference step could not be run.
    #[error("{context}: {source}")]
    Fit {
        /// Which fit (for example "hypotest at mu = 1: fixed-POI fit to the observed data").
        context: String,
        /// The fit's error.
        source: crate::fit::FitError,
    },
    /// The model could not be evaluated (expected data of a fit result, data of a toy).
    #[error("{context}: {source}")]
    Model {
        /// Where it happened.
        context: String,
        /// The model's error.
        source: crate::model::ModelError,
    },
    /// The model has no parameter of interest, or it is fixed.
    #[error("{0}")]
    Poi(String),
    /// A fit ended without a finite likelihood (every point it reached had negative or
    /// undefined rates), so no test statistic can be formed.
    #[error("{0}")]
    FitFailed(String),
    /// A search (bracket widening, root finding) did not reach its goal.
    #[error("{0}")]
    SearchFailed(String),
    /// A grid scan whose CLs curve does not cross the level inside the scan: the limit
    /// lies outside it (pyhf's `linear_grid_scan` returns the scan's end instead).
    #[error(
        "upper limit ({curve}): the scan from {lo} to {hi} ({points} point(s)) does not bracket \
         CLs = {level}: CLs is {cls_lo} at {lo} and {cls_hi} at {hi}; widen the scan"
    )]
    NotBracketedByScan {
        /// Which curve (`"observed"`, `"expected median"`, ...).
        curve: &'static str,
        /// The scan's first POI value.
        lo: f64,
        /// The scan's last POI value.
        hi: f64,
        /// Number of scanned points.
        points: usize,
        /// The CLs level.
        level: f64,
        /// CLs at `lo`.
        cls_lo: f64,
        /// CLs at `hi`.
        cls_hi: f64,
    },
}

// Boxed: a limit's message fields would otherwise make every `Result` of this layer large.
impl From<crate::limits::LimitError> for InferError {
    fn from(e: crate::limits::LimitError) -> Self {
        InferError::TooLarge(Box::new(e))
    }
}
