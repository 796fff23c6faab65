//! The asymptotic calculator's formulas (pyhf `infer/calculators.py::AsymptoticCalculator`).
//!
//! Given the observed test statistic `q_obs` and its value `q_A` on the Asimov data set, pyhf
//! works in "−μ̂/σ space": under the Wald approximation `√q ≈ (μ − μ̂)/σ`, so the statistic
//!
//! - for `q` and `q0`: `T = √q_obs − √q_A`;
//! - for `q̃`: `T = √q_obs − √q_A` if `√q_obs ≤ √q_A` (or `q_A == 0`), otherwise
//!   `T = (q_obs − q_A)/(2√q_A)` (the second branch of eq. 66 of arXiv:1007.1727),
//!
//! is a unit normal centred on `−√q_A` under the tested (s+b) hypothesis and on `0` under the
//! background-only hypothesis. Upper-tail p-values are then `Φ(−(T − shift))`:
//!
//! ```text
//! CLs+b = Φ(−(T + √q_A)),   CLb = Φ(−T),   CLs = CLs+b / CLb
//! ```
//!
//! The expected band evaluates the same formulas at the background-only quantiles `T = n`,
//! `n ∈ [2, 1, 0, −1, −2]`, which orders CLs from smallest to largest: [−2σ, −1σ, median,
//! +1σ, +2σ].
//!
//! ## What pyhf reports for `q0`
//!
//! pyhf reuses the very same two distributions for `q0`, with the Asimov set generated at
//! μ = 1. For the discovery test the "s+b" distribution (shift `−√q_A`) *is* the
//! background-only null (`Φ(−(T + √q_A)) = Φ(−√q0_obs)` for `q0`), so `hypotest` reports
//! `CLs+b` as p0, returns `[CLb]` (the tail probability under the μ = 1 alternative) as its
//! tail probabilities, and the expected set is the `CLs+b` band
//! `Φ(−(n + √q_A))`, `n ∈ [2, 1, 0, −1, −2]` — not a ratio. [`AsymptoticResult::cls_obs`]
//! and [`AsymptoticResult::cls_exp`] hold these reported values; the raw ratio stays
//! available in [`AsymptoticResult::cls`].
//!
//! ## `q_A == 0`
//!
//! pyhf 0.7.6 divides by `2√q_A` in the `q̃` branch even when `q_A == 0` (giving `inf` or
//! `NaN`); the guard taken here is the fix on pyhf's main branch (issues #1992/#2722, PR
//! #2725): with `q_A == 0` the statistic is `√q_obs − √q_A`.

use std::str::FromStr;

use super::calculator::PValues;
use super::distributions::normal_cdf;
use super::test_statistics::TestStat;
use super::InferError;

/// The values of `T` (b-only quantiles, in σ) at which the expected band is evaluated, in
/// pyhf's order: the first gives the smallest CLs (−2σ), the last the largest (+2σ).
pub const EXPECTED_NSIGMA: [f64; 5] = [2.0, 1.0, 0.0, -1.0, -2.0];

/// The base distribution of the asymptotic calculator (`calc_base_dist`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum BaseDist {
    /// Unit normals, unbounded (pyhf's default, `"normal"`).
    #[default]
    Normal,
    /// Unit normals cut off at `T = −√q_A` (`"clipped_normal"`, pyhf PR #993): a p-value
    /// below the cut-off is NaN and the expected values of `T` are clamped to the cut-off.
    /// Below `−√q_A` lie configurations with `μ̂ > μ`, where a one-sided statistic is 0,
    /// so expected limits no longer come from them.
    ClippedNormal,
}

impl BaseDist {
    /// The name pyhf uses (`"normal"`, `"clipped_normal"`).
    pub fn name(self) -> &'static str {
        match self {
            BaseDist::Normal => "normal",
            BaseDist::ClippedNormal => "clipped_normal",
        }
    }
}

impl FromStr for BaseDist {
    type Err = InferError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "normal" => Ok(BaseDist::Normal),
            "clipped_normal" => Ok(BaseDist::ClippedNormal),
            other => Err(InferError::InvalidArgument {
                name: "calc_base_dist",
                message: format!("expected \"normal\" or \"clipped_normal\", got \"{other}\""),
            }),
        }
    }
}

/// Everything the asymptotic calculator computes for one tested POI value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AsymptoticResult {
    /// The test statistic used.
    pub test_stat: TestStat,
    /// The base distribution used.
    pub base_dist: BaseDist,
    /// `T`, the test statistic in −μ̂/σ space (what pyhf's `calc.teststatistic` returns).
    pub test_stat_value: f64,
    /// `√q_A`, the shift of the s+b distribution (with opposite sign).
    pub sqrt_q_asimov: f64,
    /// What `hypotest` reports first: CLs for `q`/`q̃`, p0 (= [`Self::clsb`]) for `q0`.
    pub cls_obs: f64,
    /// Observed `CLs+b = Φ(−(T + √q_A))` (p0 for `q0`).
    pub clsb: f64,
    /// Observed `CLb = Φ(−T)`.
    pub clb: f64,
    /// Observed `CLs+b / CLb`, whatever the test statistic.
    pub cls: f64,
    /// The expected set `hypotest` reports, [−2σ, −1σ, median, +1σ, +2σ]: the CLs band for
    /// `q`/`q̃`, the CLs+b (p0) band for `q0`.
    pub cls_exp: [f64; 5],
    /// Expected `CLs+b` at `T = n`, `n ∈ [2, 1, 0, −1, −2]`.
    pub clsb_exp: [f64; 5],
    /// Expected `CLb` at `T = n`, `n ∈ [2, 1, 0, −1, −2]`.
    pub clb_exp: [f64; 5],
    /// Expected `CLs+b / CLb` at `T = n`, `n ∈ [2, 1, 0, −1, −2]`.
    pub cls_ratio_exp: [f64; 5],
}

/// `T`, the test statistic in −μ̂/σ space, from `q_obs` and `q_A` (see the module docs).
///
/// # Errors
/// [`InferError::InvalidTestStatValue`] if either value is negative or NaN (the test
/// statistics are clipped at 0, so such a value means a bug upstream).
pub fn asymptotic_test_stat(q_obs: f64, q_asimov: f64, kind: TestStat) -> Result<f64, InferError> {
    check_q("q_obs", q_obs)?;
    check_q("q_asimov", q_asimov)?;
    let sqrt_q_obs = q_obs.sqrt();
    let sqrt_q_a = q_asimov.sqrt();
    Ok(match kind {
        TestStat::Q | TestStat::Q0 => sqrt_q_obs - sqrt_q_a,
        TestStat::QTilde => {
            if sqrt_q_obs <= sqrt_q_a || q_asimov == 0.0 {
                sqrt_q_obs - sqrt_q_a
            } else {
                // pyhf squares the square roots again; q_obs and q_A are used directly here,
                // which differs from it by at most a rounding error.
                (q_obs - q_asimov) / (2.0 * sqrt_q_a)
            }
        }
    })
}

/// The asymptotic p-values, observed and expected, as pyhf 0.7.6's `hypotest` computes them
/// with `calctype="asymptotics"`, from `q_obs` and `q_A` (see the module docs).
///
/// # Errors
/// [`InferError::InvalidTestStatValue`] if `q_obs` or `q_asimov` is negative or NaN.
pub fn asymptotic_pvalues(
    q_obs: f64,
    q_asimov: f64,
    kind: TestStat,
    base_dist: BaseDist,
) -> Result<AsymptoticResult, InferError> {
    let t = asymptotic_test_stat(q_obs, q_asimov, kind)?;
    let dists = AsymptoticDistributions::new(q_asimov, base_dist);
    let observed = dists.pvalues(t);
    let expected = dists.expected_pvalues();
    Ok(AsymptoticResult::new(kind, &dists, t, &observed, &expected))
}

impl AsymptoticResult {
    /// The result from the calculator's steps: `t` and its p-values, the expected ones.
    pub(crate) fn new(
        kind: TestStat,
        dists: &AsymptoticDistributions,
        t: f64,
        observed: &PValues,
        expected: &[PValues; 5],
    ) -> Self {
        let clsb_exp = expected.map(|p| p.clsb);
        let clb_exp = expected.map(|p| p.clb);
        let cls_ratio_exp = expected.map(|p| p.cls);
        let cls_exp = expected.map(|p| p.reported(kind));
        AsymptoticResult {
            test_stat: kind,
            base_dist: dists.base_dist,
            test_stat_value: t,
            sqrt_q_asimov: dists.sqrt_q_asimov,
            cls_obs: observed.reported(kind),
            clsb: observed.clsb,
            clb: observed.clb,
            cls: observed.cls,
            cls_exp,
            clsb_exp,
            clb_exp,
            cls_ratio_exp,
        }
    }
}

/// The distribution of `T` under one hypothesis: a unit normal centred on `shift`, cut off
/// at `cutoff` (−∞, or −√q_A for [`BaseDist::ClippedNormal`]); pyhf's
/// `AsymptoticTestStatDistribution`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NormalDistribution {
    /// Where the distribution is centred.
    pub shift: f64,
    /// The cut-off below which p-values are NaN.
    pub cutoff: f64,
}

impl NormalDistribution {
    /// The upper-tail probability of `value`, `Φ(−(value − shift))`; NaN below the cut-off
    /// (pyhf's `where(value >= cutoff, p, nan)`).
    pub fn pvalue(&self, value: f64) -> f64 {
        if value.is_nan() || value < self.cutoff {
            return f64::NAN;
        }
        // Upper tails as Φ(−x), never 1 − Φ(x), to keep precision far in the tail.
        normal_cdf(-(value - self.shift))
    }

    /// The value `nsigma` standard deviations above the centre, clamped to the cut-off
    /// from below (pyhf: `where(shift + n > cutoff, shift + n, cutoff)`).
    pub fn expected_value(&self, nsigma: f64) -> f64 {
        let t = self.shift + nsigma;
        if t > self.cutoff {
            t
        } else {
            self.cutoff
        }
    }
}

/// The asymptotic calculator's two distributions of `T`, from `q_A`: s+b centred on
/// `−√q_A`, background-only on 0, both with the same cut-off.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AsymptoticDistributions {
    /// The base distribution.
    pub base_dist: BaseDist,
    /// `√q_A`.
    pub sqrt_q_asimov: f64,
    /// Under the tested (s+b) hypothesis.
    pub signal_plus_background: NormalDistribution,
    /// Under the background-only hypothesis.
    pub background_only: NormalDistribution,
}

impl AsymptoticDistributions {
    /// The distributions for `q_A = q_asimov`.
    pub fn new(q_asimov: f64, base_dist: BaseDist) -> Self {
        let sqrt_q_a = q_asimov.sqrt();
        // pyhf builds both distributions with the same cut-off (−∞ or −√q_A).
        let cutoff = match base_dist {
            BaseDist::Normal => f64::NEG_INFINITY,
            BaseDist::ClippedNormal => -sqrt_q_a,
        };
        AsymptoticDistributions {
            base_dist,
            sqrt_q_asimov: sqrt_q_a,
            signal_plus_background: NormalDistribution {
                shift: -sqrt_q_a,
                cutoff,
            },
            background_only: NormalDistribution { shift: 0.0, cutoff },
        }
    }

    /// CLs+b, CLb and CLs at `T = t`.
    pub fn pvalues(&self, t: f64) -> PValues {
        let clsb = self.signal_plus_background.pvalue(t);
        let clb = self.background_only.pvalue(t);
        PValues {
            clsb,
            clb,
            cls: clsb / clb,
        }
    }

    /// The p-values at the background-only quantiles `T = n`, `n ∈ [2, 1, 0, −1, −2]`,
    /// which orders CLs from smallest to largest: [−2σ, −1σ, median, +1σ, +2σ].
    pub fn expected_pvalues(&self) -> [PValues; 5] {
        EXPECTED_NSIGMA.map(|n| self.pvalues(self.background_only.expected_value(n)))
    }
}

fn check_q(name: &'static str, value: f64) -> Result<(), InferError> {
    if value >= 0.0 {
        Ok(())
    } else {
        Err(InferError::InvalidTestStatValue { name, value })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, rtol: f64) -> bool {
        (a - b).abs() <= rtol * b.abs()
    }

    /// pyhf's documented example (hepdata_like([12, 11], [50, 52], [3, 7]), data [51, 48],
    /// μ = 1, qtilde): T = 0.14043184 and q_obs = 3.93824492; √q_A ≈ 1.84903 is printed
    /// rounded, so it is recovered from T and q_obs via the q̃ branch
    /// `q_A + 2T√q_A − q_obs = 0`.
    #[test]
    fn pyhf_docstring_example() {
        let t_doc: f64 = 0.14043184;
        let q_obs = 3.93824492;
        let sqrt_q_a = -t_doc + (t_doc * t_doc + q_obs).sqrt();
        assert!((sqrt_q_a - 1.84903).abs() < 5e-6);
        let r = asymptotic_pvalues(
            q_obs,
            sqrt_q_a * sqrt_q_a,
            TestStat::QTilde,
            BaseDist::Normal,
        )
        .expect("valid inputs");
        assert!(close(r.test_stat_value, t_doc, 1e-12));
        assert!(close(r.clsb, 0.02332502, 1e-6), "{}", r.clsb);
        assert!(close(r.clb, 0.4441594, 1e-6), "{}", r.clb);
        assert!(close(r.cls_obs, 0.05251497, 1e-6), "{}", r.cls_obs);
        let band = [0.00260626, 0.01382005, 0.06445321, 0.23525644, 0.57303621];
        for (got, want) in r.cls_exp.iter().zip(band) {
            assert!(close(*got, want, 1e-6), "{got} vs {want}");
        }
    }

    /// Every reference case: pyhf's formulas applied to the reference q_obs and q_A must give
    /// the stored CLs, CLs+b, CLb and expected band.
    #[test]
    fn reference_hypotests_are_reproduced_from_q_values() {
        let dir =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/reference/pyhf");
        let mut entries: Vec<_> = std::fs::read_dir(&dir)
            .expect("reference directory")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.to_string_lossy().ends_with(".ref.json"))
            .collect();
        entries.sort();
        let mut checked = 0;
        let mut max_dev: f64 = 0.0;
        for path in &entries {
            let text = std::fs::read_to_string(path).expect("readable reference file");
            // Python's json writes non-finite fits as bare NaN/Infinity, which is not JSON;
            // none of them is in the hypotest entry, so they are blanked out.
            let text = text
                .replace("-Infinity", "null")
                .replace("Infinity", "null")
                .replace("NaN", "null");
            let doc: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
            let Some(h) = doc.get("hypotest_mu1_qtilde").filter(|h| h.is_object()) else {
                continue;
            };
            let num = |k: &str| h[k].as_f64().unwrap_or_else(|| panic!("{path:?}: {k}"));
            let r = asymptotic_pvalues(
                num("q_obs"),
                num("q_asimov"),
                TestStat::QTilde,
                BaseDist::Normal,
            )
            .expect("valid q values");
            let mut devs = vec![
                (r.cls_obs - num("cls_obs")).abs(),
                (r.clsb - num("clsb")).abs(),
                (r.clb - num("clb")).abs(),
            ];
            let exp = h["cls_exp"].as_array().expect("cls_exp array");
            assert_eq!(exp.len(), 5);
            for (got, want) in r.cls_exp.iter().zip(exp) {
                devs.push((got - want.as_f64().expect("number")).abs());
            }
            let dev = devs.iter().cloned().fold(0.0, f64::max);
            assert!(dev < 1e-9, "{path:?}: deviation {dev}");
            max_dev = max_dev.max(dev);
            checked += 1;
        }
        assert!(checked >= 60, "only {checked} reference files checked");
        eprintln!("checked {checked} reference hypotests, max deviation {max_dev:e}");
    }

    #[test]
    fn test_stat_branches() {
        // q and q0: plain difference of square roots, whatever the sizes.
        let t = asymptotic_test_stat(9.0, 4.0, TestStat::Q).expect("valid");
        assert_eq!(t, 1.0);
        assert_eq!(
            asymptotic_test_stat(9.0, 4.0, TestStat::Q0).expect("valid"),
            1.0
        );
        // q̃, √q_obs > √q_A: (q_obs − q_A)/(2√q_A).
        assert_eq!(
            asymptotic_test_stat(9.0, 4.0, TestStat::QTilde).expect("valid"),
            1.25
        );
        // q̃, √q_obs ≤ √q_A: difference of square roots.
        assert_eq!(
            asymptotic_test_stat(1.0, 4.0, TestStat::QTilde).expect("valid"),
            -1.0
        );
        // q̃ with q_A == 0: the guard avoids the division by zero.
        assert_eq!(
            asymptotic_test_stat(4.0, 0.0, TestStat::QTilde).expect("valid"),
            2.0
        );
        let r = asymptotic_pvalues(0.0, 0.0, TestStat::QTilde, BaseDist::Normal).expect("valid");
        assert_eq!((r.clsb, r.clb, r.cls), (0.5, 0.5, 1.0));
        // Invalid inputs.
        assert!(matches!(
            asymptotic_test_stat(-1.0, 4.0, TestStat::Q),
            Err(InferError::InvalidTestStatValue { name: "q_obs", .. })
        ));
        assert!(asymptotic_test_stat(1.0, f64::NAN, TestStat::Q).is_err());
    }

    #[test]
    fn q0_reports_p0_and_the_clsb_band() {
        // q0_obs = 25 (5σ observed), q0_A = 9 (3σ expected).
        let r = asymptotic_pvalues(25.0, 9.0, TestStat::Q0, BaseDist::Normal).expect("valid");
        assert_eq!(r.test_stat_value, 2.0);
        // p0 = Φ(−√q0_obs).
        assert!(close(r.cls_obs, 2.866515718791945e-07, 1e-8));
        assert_eq!(r.cls_obs, r.clsb);
        assert!(close(r.clb, normal_cdf(-2.0), 1e-15));
        // Expected p0 band: Φ(−(n + √q_A)), the median being Φ(−3).
        for (k, n) in EXPECTED_NSIGMA.iter().enumerate() {
            assert!(close(r.cls_exp[k], normal_cdf(-(n + 3.0)), 1e-15));
            assert_eq!(r.cls_exp[k], r.clsb_exp[k]);
        }
        assert!(close(r.cls_exp[2], 0.0013498980316300946, 1e-12));
        // The raw ratio is still there.
        assert!(close(r.cls, r.clsb / r.clb, 1e-15));
    }

    #[test]
    fn expected_band_is_increasing_and_median_matches_closed_form() {
        let r = asymptotic_pvalues(2.0, 3.0, TestStat::Q, BaseDist::Normal).expect("valid");
        for k in 0..4 {
            assert!(r.cls_exp[k] < r.cls_exp[k + 1]);
        }
        // Median: CLs = Φ(−√q_A)/0.5.
        assert!(close(
            r.cls_exp[2],
            2.0 * normal_cdf(-(3.0f64).sqrt()),
            1e-14
        ));
        assert_eq!(r.clb_exp[2], 0.5);
    }

    #[test]
    fn clipped_normal_clamps_expected_values() {
        // √q_A = 1.5 < 2: the +2σ expected value T = −2 is clamped to −1.5.
        let q_a = 2.25;
        let clipped =
            asymptotic_pvalues(1.0, q_a, TestStat::QTilde, BaseDist::ClippedNormal).expect("valid");
        let normal =
            asymptotic_pvalues(1.0, q_a, TestStat::QTilde, BaseDist::Normal).expect("valid");
        // Observed values are unaffected (T ≥ −√q_A always).
        assert_eq!(clipped.cls_obs, normal.cls_obs);
        assert_eq!(clipped.cls_exp[..4], normal.cls_exp[..4]);
        assert_eq!(clipped.clsb_exp[4], 0.5);
        assert!(close(clipped.cls_exp[4], 0.5 / normal_cdf(1.5), 1e-15));
        assert!(clipped.cls_exp[4] < normal.cls_exp[4]);
        // √q_A = 3 > 2: nothing is clamped.
        let a = asymptotic_pvalues(1.0, 9.0, TestStat::Q, BaseDist::ClippedNormal).expect("valid");
        let b = asymptotic_pvalues(1.0, 9.0, TestStat::Q, BaseDist::Normal).expect("valid");
        assert_eq!(
            a,
            AsymptoticResult {
                base_dist: BaseDist::ClippedNormal,
                ..b
            }
        );
        // Below the cut-off a p-value is NaN.
        let dists = AsymptoticDistributions::new(q_a, BaseDist::ClippedNormal);
        assert!(dists.pvalues(-2.0).clsb.is_nan());
        assert_eq!(
            "clipped_normal".parse::<BaseDist>(),
            Ok(BaseDist::ClippedNormal)
        );
        assert_eq!("normal".parse::<BaseDist>(), Ok(BaseDist::Normal));
        assert!("gauss".parse::<BaseDist>().is_err());
        assert_eq!(BaseDist::ClippedNormal.name(), "clipped_normal");
    }
}
