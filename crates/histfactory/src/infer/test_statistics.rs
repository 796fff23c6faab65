//! Profile-likelihood test statistics from fitted values (pyhf `infer/test_statistics.py`,
//! equation numbers of arXiv:1007.1727).
//!
//! Every statistic starts from `t(μ) = twice_nll(μ, θ̂̂_μ) − twice_nll(μ̂, θ̂)`, the difference
//! of the conditional (POI fixed) and global minima of `−2 ln L`, clipped at zero from below
//! because an imperfect fit can leave the conditional minimum a hair below the global one.
//!
//! As in pyhf, the "tilde" variants are numerically *the same functions* as the plain ones:
//! what makes a statistic `q̃μ`/`t̃μ` is only that both fits were done with the POI bounded
//! below by 0, which is the caller's business (pyhf merely logs a warning when the bounds
//! do not match).

use std::fmt;
use std::str::FromStr;

use super::InferError;

/// The test statistics pyhf's calculators and `hypotest` accept (`infer/utils.py`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum TestStat {
    /// `q̃μ` (`"qtilde"`, pyhf's default): one-sided, POI bounded below by 0.
    #[default]
    QTilde,
    /// `qμ` (`"q"`): one-sided, no lower bound on the POI.
    Q,
    /// `q0` (`"q0"`): discovery test of μ = 0.
    Q0,
}

impl TestStat {
    /// The name pyhf uses (`"qtilde"`, `"q"`, `"q0"`).
    pub fn name(self) -> &'static str {
        match self {
            TestStat::QTilde => "qtilde",
            TestStat::Q => "q",
            TestStat::Q0 => "q0",
        }
    }

    /// The POI value at which the Asimov data set is generated: 1 for `q0` (the expected
    /// discovery significance of the nominal signal), 0 for `q` and `q̃` (the expected
    /// exclusion under the background-only hypothesis).
    pub fn asimov_mu(self) -> f64 {
        match self {
            TestStat::Q0 => 1.0,
            TestStat::QTilde | TestStat::Q => 0.0,
        }
    }

    /// Evaluates the statistic from the two fitted minima and the fitted POI.
    ///
    /// For [`TestStat::Q0`] `mu_test` is ignored: the conditional fit must have been done at
    /// μ = 0.
    pub fn evaluate(
        self,
        twice_nll_fixed: f64,
        twice_nll_free: f64,
        mu_hat: f64,
        mu_test: f64,
    ) -> f64 {
        match self {
            TestStat::QTilde => qmu_tilde(twice_nll_fixed, twice_nll_free, mu_hat, mu_test),
            TestStat::Q => qmu(twice_nll_fixed, twice_nll_free, mu_hat, mu_test),
            TestStat::Q0 => q0(twice_nll_fixed, twice_nll_free, mu_hat),
        }
    }
}

impl fmt::Display for TestStat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for TestStat {
    type Err = InferError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "qtilde" => Ok(TestStat::QTilde),
            "q" => Ok(TestStat::Q),
            "q0" => Ok(TestStat::Q0),
            other => Err(InferError::UnknownTestStat {
                name: other.to_string(),
            }),
        }
    }
}

/// `t(μ) = max(0, twice_nll_fixed − twice_nll_free)` (eq. 8).
///
/// NaN propagates (pyhf clips with `where(t < 0, 0, t)`, which keeps a NaN; `f64::max`
/// would silently turn it into 0 and hide a failed fit).
pub fn tmu(twice_nll_fixed: f64, twice_nll_free: f64) -> f64 {
    clip_at_zero(twice_nll_fixed - twice_nll_free)
}

/// `t̃(μ)` (eq. 11): numerically identical to [`tmu`]; the fits must bound the POI below by 0.
pub fn tmu_tilde(twice_nll_fixed: f64, twice_nll_free: f64) -> f64 {
    tmu(twice_nll_fixed, twice_nll_free)
}

/// `qμ` (eq. 14): 0 if `μ̂ > μ` (an upward fluctuation is no evidence against μ), else `t(μ)`.
///
/// The comparison is strict, as in pyhf: at `μ̂ == μ` the value is `t(μ)` (which is then ≈ 0).
pub fn qmu(twice_nll_fixed: f64, twice_nll_free: f64, mu_hat: f64, mu_test: f64) -> f64 {
    if mu_hat > mu_test {
        0.0
    } else {
        tmu(twice_nll_fixed, twice_nll_free)
    }
}

/// `q̃μ` (eq. 16): numerically identical to [`qmu`]; the fits must bound the POI below by 0.
pub fn qmu_tilde(twice_nll_fixed: f64, twice_nll_free: f64, mu_hat: f64, mu_test: f64) -> f64 {
    qmu(twice_nll_fixed, twice_nll_free, mu_hat, mu_test)
}

/// `q0` (eq. 12): the conditional fit is at μ = 0; 0 if `μ̂ < 0` (a deficit is no evidence
/// for a signal), else `t(0)`.
pub fn q0(twice_nll_fixed: f64, twice_nll_free: f64, mu_hat: f64) -> f64 {
    if mu_hat < 0.0 {
        0.0
    } else {
        tmu(twice_nll_fixed, twice_nll_free)
    }
}

fn clip_at_zero(t: f64) -> f64 {
    // Written as a comparison rather than `t.max(0.0)` so that NaN stays NaN.
    if t < 0.0 {
        0.0
    } else {
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tmu_clips_at_zero_and_keeps_nan() {
        assert_eq!(tmu(12.5, 10.0), 2.5);
        assert_eq!(tmu(10.0, 10.0 + 1e-9), 0.0);
        assert_eq!(tmu_tilde(11.0, 10.0), 1.0);
        assert!(tmu(f64::NAN, 10.0).is_nan());
    }

    #[test]
    fn qmu_is_zero_for_upward_fluctuations() {
        assert_eq!(qmu(14.0, 10.0, 0.3, 1.0), 4.0);
        assert_eq!(qmu(14.0, 10.0, 1.3, 1.0), 0.0);
        // Strict comparison: μ̂ == μ keeps t(μ).
        assert_eq!(qmu(10.5, 10.0, 1.0, 1.0), 0.5);
        assert_eq!(qmu_tilde(14.0, 10.0, -0.5, 1.0), 4.0);
        assert_eq!(qmu(9.0, 10.0, 0.3, 1.0), 0.0);
    }

    #[test]
    fn q0_is_zero_for_deficits() {
        assert_eq!(q0(30.0, 5.0, 2.0), 25.0);
        assert_eq!(q0(30.0, 5.0, -0.1), 0.0);
        // Strict comparison: μ̂ == 0 keeps t(0).
        assert_eq!(q0(5.0, 5.0, 0.0), 0.0);
        assert_eq!(q0(5.5, 5.0, 0.0), 0.5);
    }

    #[test]
    fn test_stat_names_round_trip() {
        for ts in [TestStat::QTilde, TestStat::Q, TestStat::Q0] {
            assert_eq!(ts.name().parse::<TestStat>(), Ok(ts));
            assert_eq!(ts.to_string(), ts.name());
        }
        assert_eq!(TestStat::default(), TestStat::QTilde);
        let err = "tmu"
            .parse::<TestStat>()
            .expect_err("not a pyhf test statistic");
        assert_eq!(
            err.to_string(),
            "unknown test statistic \"tmu\" (expected one of: qtilde, q, q0)"
        );
        assert_eq!(TestStat::Q0.asimov_mu(), 1.0);
        assert_eq!(TestStat::QTilde.asimov_mu(), 0.0);
        assert_eq!(TestStat::Q0.evaluate(9.0, 5.0, 1.0, 123.0), 4.0);
        assert_eq!(TestStat::Q.evaluate(9.0, 5.0, 2.0, 1.0), 0.0);
        assert_eq!(TestStat::QTilde.evaluate(9.0, 5.0, 0.5, 1.0), 4.0);
    }
}
