//! Building blocks of the toy calculator (pyhf `infer/calculators.py::ToyCalculator`).
//!
//! - p-values from sampled test statistics ([`empirical_pvalue`], [`toy_pvalues`]);
//! - the expected band from background-only toys ([`toy_expected_band`]);
//! - reproducible random numbers: [`toy_rng`] gives toy `i` its own ChaCha8 stream derived
//!   from `(seed, i)` alone, so results do not depend on how toys are spread over threads;
//! - [`sample_poisson`] (non-integer means, as the continuous-Poisson main term needs) and
//!   [`sample_normal`].
//!
//! The test statistics of toys are the plain `q`, `q̃`, `q0` values (not the square-root
//! "−μ̂/σ space" of the asymptotic calculator): a larger value is less compatible with the
//! tested hypothesis, hence upper-tail p-values.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal, Poisson};

use super::InferError;

/// The percentiles pyhf takes of the background-only toys' p-values for the expected band:
/// `100·Φ(n)` for `n = −2, −1, 0, 1, 2`, with the 8-decimal literals pyhf hard-codes
/// (`ToyCalculator.expected_pvalues`).
pub const NORMAL_PERCENTILES: [f64; 5] = [2.27501319, 15.86552539, 50.0, 84.13447461, 97.72498681];

/// The p-value of `value` in an empirical distribution: the fraction of samples `≥ value`
/// (inclusive, as pyhf's `EmpiricalDistribution.pvalue`). NaN samples never count as `≥`
/// but do count in the denominator, as with numpy.
///
/// # Errors
/// [`InferError::Empty`] if there are no samples.
pub fn empirical_pvalue(samples: &[f64], value: f64) -> Result<f64, InferError> {
    if samples.is_empty() {
        return Err(InferError::Empty { what: "samples" });
    }
    let count = samples.iter().filter(|&&s| s >= value).count();
    Ok(count as f64 / samples.len() as f64)
}

/// `(CLs+b, CLb, CLs)` from toys.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ToyPValues {
    /// Fraction of s+b toys with a test statistic `≥` the value.
    pub clsb: f64,
    /// Fraction of b-only toys with a test statistic `≥` the value.
    pub clb: f64,
    /// `clsb / clb` (NaN or ∞ if `clb` is 0, as in pyhf).
    pub cls: f64,
}

/// The toy p-values of an (observed) test-statistic value, given the test statistics of the
/// s+b toys and of the b-only toys.
///
/// For `q0`, pyhf's `hypotest` reports [`ToyPValues::clsb`] as p0, as in the asymptotic case.
///
/// # Errors
/// [`InferError::Empty`] if either set of samples is empty.
pub fn toy_pvalues(
    sb_samples: &[f64],
    b_samples: &[f64],
    value: f64,
) -> Result<ToyPValues, InferError> {
    let clsb = empirical_pvalue(sb_samples, value)?;
    let clb = empirical_pvalue(b_samples, value)?;
    Ok(ToyPValues {
        clsb,
        clb,
        cls: clsb / clb,
    })
}

/// The expected band from toys, each entry [−2σ, −1σ, median, +1σ, +2σ].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ToyExpectedBand {
    /// Percentiles of CLs+b over the b-only toys.
    pub clsb: [f64; 5],
    /// Percentiles of CLb over the b-only toys.
    pub clb: [f64; 5],
    /// Percentiles of CLs over the b-only toys (what `hypotest` reports for `q`/`q̃`; for
    /// `q0` it reports [`Self::clsb`]).
    pub cls: [f64; 5],
}

/// The expected band as pyhf's `ToyCalculator.expected_pvalues` computes it: (CLs+b, CLb,
/// CLs) at the test statistic of *every* b-only toy, then the [`NORMAL_PERCENTILES`] of each
/// with numpy's default (linear) interpolation. Percentiles are taken of each p-value
/// separately, so the CLs band is not the ratio of the CLs+b and CLb bands.
///
/// # Errors
/// [`InferError::Empty`] if either set of samples is empty.
pub fn toy_expected_band(
    sb_samples: &[f64],
    b_samples: &[f64],
) -> Result<ToyExpectedBand, InferError> {
    if sb_samples.is_empty() {
        return Err(InferError::Empty {
            what: "s+b samples",
        });
    }
    if b_samples.is_empty() {
        return Err(InferError::Empty {
            what: "b-only samples",
        });
    }
    // Counting `≥ v` for every b-only toy is O(n²) done naively; with the samples sorted it
    // is a binary search each. NaN samples are never `≥` and are left out of the search but
    // kept in the denominator.
    let sb_sorted = sorted_finite_or_inf(sb_samples);
    let b_sorted = sorted_finite_or_inf(b_samples);
    let upper_fraction = |sorted: &[f64], total: usize, v: f64| {
        if v.is_nan() {
            return 0.0;
        }
        let below = sorted.partition_point(|&s| s < v);
        (sorted.len() - below) as f64 / total as f64
    };

    let n = b_samples.len();
    let mut clsb = Vec::with_capacity(n);
    let mut clb = Vec::with_capacity(n);
    let mut cls = Vec::with_capacity(n);
    for &t in b_samples {
        let sb = upper_fraction(&sb_sorted, sb_samples.len(), t);
        let b = upper_fraction(&b_sorted, n, t);
        clsb.push(sb);
        clb.push(b);
        cls.push(sb / b);
    }
    Ok(ToyExpectedBand {
        clsb: percentiles(&mut clsb, &NORMAL_PERCENTILES)?,
        clb: percentiles(&mut clb, &NORMAL_PERCENTILES)?,
        cls: percentiles(&mut cls, &NORMAL_PERCENTILES)?,
    })
}

fn sorted_finite_or_inf(samples: &[f64]) -> Vec<f64> {
    let mut v: Vec<f64> = samples.iter().copied().filter(|s| !s.is_nan()).collect();
    v.sort_by(f64::total_cmp);
    v
}

/// `numpy.percentile(values, p)` with the default `method="linear"`, for each `p` in
/// percent; `values` is sorted in place. Any NaN in `values` gives NaN, as numpy.
///
/// # Errors
/// [`InferError::Empty`] if `values` is empty, [`InferError::InvalidArgument`] for a
/// percentile outside [0, 100].
pub fn percentiles<const N: usize>(
    values: &mut [f64],
    ps: &[f64; N],
) -> Result<[f64; N], InferError> {
    if values.is_empty() {
        return Err(InferError::Empty { what: "values" });
    }
    if let Some(p) = ps.iter().find(|p| !(0.0..=100.0).contains(*p)) {
        return Err(InferError::InvalidArgument {
            name: "percentile",
            message: format!("must lie in [0, 100], got {p}"),
        });
    }
    if values.iter().any(|v| v.is_nan()) {
        return Ok([f64::NAN; N]);
    }
    values.sort_by(f64::total_cmp);
    let n = values.len();
    let last = n - 1;
    let mut out = [0.0; N];
    for (o, &p) in out.iter_mut().zip(ps) {
        // numpy: q = p/100, virtual index (n−1)·q, then interpolate between its neighbours.
        let virtual_index = (n - 1) as f64 * (p / 100.0);
        let below = virtual_index.floor();
        let gamma = virtual_index - below;
        // `below` lies in [0, n−1] because p ∈ [0, 100]; the cast cannot truncate.
        let i = (below as usize).min(last);
        let j = (i + 1).min(last);
        *o = lerp(values[i], values[j], gamma);
    }
    Ok(out)
}

/// numpy's `_lerp`: `a + (b−a)·t`, but computed from `b` when `t ≥ 0.5` so that the result
/// is exact at both ends and monotone in `t`.
fn lerp(a: f64, b: f64, t: f64) -> f64 {
    let diff = b - a;
    if t >= 0.5 {
        b - diff * (1.0 - t)
    } else {
        a + diff * t
    }
}

/// The random number generator of toy number `toy_index` in a run seeded with `seed`.
///
/// Each toy gets its own ChaCha8 stream (`set_stream(toy_index)` on the generator seeded
/// from `seed`), so a toy's numbers depend only on `(seed, toy_index)`: the same toys come
/// out whichever thread computes them and in whatever order. ChaCha streams are independent
/// by construction (distinct nonces), unlike seeds derived by arithmetic on the index.
pub fn toy_rng(seed: u64, toy_index: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(toy_index);
    rng
}

/// A Poisson variate with (possibly non-integer) mean `lambda`, as an `f64`.
///
/// `lambda == 0` gives 0 (rand_distr rejects a zero mean, but a bin with zero expected
/// events must sample 0).
///
/// # Errors
/// [`InferError::InvalidArgument`] if `lambda` is negative, NaN or infinite.
pub fn sample_poisson<R: Rng + ?Sized>(rng: &mut R, lambda: f64) -> Result<f64, InferError> {
    if lambda == 0.0 {
        return Ok(0.0);
    }
    let invalid = || InferError::InvalidArgument {
        name: "poisson mean",
        message: format!("must be finite and non-negative, got {lambda}"),
    };
    if !(lambda > 0.0 && lambda.is_finite()) {
        return Err(invalid());
    }
    let dist = Poisson::new(lambda).map_err(|_| invalid())?;
    Ok(dist.sample(rng))
}

/// A normal variate with mean `mean` and standard deviation `sigma` (`sigma == 0` gives
/// `mean`).
///
/// # Errors
/// [`InferError::InvalidArgument`] if `mean` is not finite or `sigma` is negative or not
/// finite.
pub fn sample_normal<R: Rng + ?Sized>(
    rng: &mut R,
    mean: f64,
    sigma: f64,
) -> Result<f64, InferError> {
    let invalid = || InferError::InvalidArgument {
        name: "normal parameters",
        message: format!(
            "need a finite mean and a finite sigma >= 0, got mean {mean}, sigma {sigma}"
        ),
    };
    if !(mean.is_finite() && sigma.is_finite() && sigma >= 0.0) {
        return Err(invalid());
    }
    let dist = Normal::new(mean, sigma).map_err(|_| invalid())?;
    Ok(dist.sample(rng))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rayon::prelude::*;

    #[test]
    fn empirical_pvalue_is_inclusive() {
        let s = [0.0, 1.0, 2.0, 2.0, 3.0];
        assert_eq!(empirical_pvalue(&s, 2.0), Ok(0.6));
        assert_eq!(empirical_pvalue(&s, 2.5), Ok(0.2));
        assert_eq!(empirical_pvalue(&s, -1.0), Ok(1.0));
        assert_eq!(empirical_pvalue(&s, 4.0), Ok(0.0));
        assert_eq!(empirical_pvalue(&[f64::NAN, 1.0], 0.0), Ok(0.5));
        assert!(matches!(
            empirical_pvalue(&[], 0.0),
            Err(InferError::Empty { .. })
        ));
        let p = toy_pvalues(&[0.0, 1.0, 5.0, 6.0], &[0.0, 0.0, 1.0, 2.0], 1.0).expect("samples");
        assert_eq!((p.clsb, p.clb, p.cls), (0.75, 0.5, 1.5));
    }

    #[test]
    fn percentiles_match_numpy_linear() {
        // numpy.percentile([3, 1, 4, 1, 5, 9, 2, 6], [0, 2.27501319, 15.86552539, 50, 84.13447461,
        // 97.72498681, 100]) (worked by hand: virtual index 7·p/100 between sorted neighbours).
        let mut v = [3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0];
        let got = percentiles(
            &mut v,
            &[
                0.0,
                2.27501319,
                15.86552539,
                50.0,
                84.13447461,
                97.72498681,
                100.0,
            ],
        )
        .expect("valid");
        let want = [1.0, 1.0, 1.1105867773, 3.5, 5.8894132227, 8.5222472301, 9.0];
        for (g, w) in got.iter().zip(want) {
            assert!((g - w).abs() < 1e-8, "{got:?}");
        }
        assert_eq!(percentiles(&mut [7.0], &[0.0, 50.0, 100.0]), Ok([7.0; 3]));
        assert!(percentiles(&mut [1.0, f64::NAN], &[50.0]).expect("valid")[0].is_nan());
        assert!(percentiles(&mut [1.0], &[101.0]).is_err());
        assert!(percentiles(&mut [], &[50.0]).is_err());
    }

    #[test]
    fn expected_band_matches_brute_force() {
        // Brute force: p-values of every b-only toy, then the percentiles.
        let mut rng = toy_rng(7, 0);
        let sb: Vec<f64> = (0..301)
            .map(|_| sample_normal(&mut rng, 2.0, 1.0).map(|x| x.max(0.0).powi(2)))
            .collect::<Result<_, _>>()
            .expect("valid");
        let b: Vec<f64> = (0..257)
            .map(|_| sample_normal(&mut rng, 0.0, 1.0).map(|x| x.max(0.0).powi(2)))
            .collect::<Result<_, _>>()
            .expect("valid");
        let band = toy_expected_band(&sb, &b).expect("samples");
        let mut clsb = Vec::new();
        let mut clb = Vec::new();
        let mut cls = Vec::new();
        for &t in &b {
            let p = toy_pvalues(&sb, &b, t).expect("samples");
            clsb.push(p.clsb);
            clb.push(p.clb);
            cls.push(p.cls);
        }
        assert_eq!(
            band.clsb,
            percentiles(&mut clsb, &NORMAL_PERCENTILES).expect("valid")
        );
        assert_eq!(
            band.clb,
            percentiles(&mut clb, &NORMAL_PERCENTILES).expect("valid")
        );
        assert_eq!(
            band.cls,
            percentiles(&mut cls, &NORMAL_PERCENTILES).expect("valid")
        );
        for k in 0..4 {
            assert!(band.cls[k] <= band.cls[k + 1]);
        }
        // The b-only p-values of b-only toys are uniform-ish: the median CLb is near 0.5
        // (about half the q values are exactly 0 and have CLb = 1).
        assert!(band.clb[2] > 0.4, "{band:?}");
    }

    #[test]
    fn expected_band_small_exact_case() {
        // b = [0, 1, 2, 3]: CLb = [1, .75, .5, .25]; sb = [1, 2, 3, 4]: CLsb = [1, 1, .75, .5].
        let band =
            toy_expected_band(&[1.0, 2.0, 3.0, 4.0], &[0.0, 1.0, 2.0, 3.0]).expect("samples");
        assert_eq!(band.clb[2], 0.625);
        assert_eq!(band.clsb[2], 0.875);
        // CLs per toy = [1, 4/3, 1.5, 2] → median 1.41666…
        assert!((band.cls[2] - (4.0 / 3.0 + 1.5) / 2.0).abs() < 1e-15);
        assert!(toy_expected_band(&[], &[1.0]).is_err());
        assert!(toy_expected_band(&[1.0], &[]).is_err());
    }

    #[test]
    fn toy_rng_is_reproducible_and_thread_independent() {
        use rand::RngCore;
        let draw = |i: u64| {
            let mut rng = toy_rng(42, i);
            (0..8).map(|_| rng.next_u64()).collect::<Vec<_>>()
        };
        let serial: Vec<_> = (0..64).map(draw).collect();
        // In parallel, and serially in reverse order: the same numbers per toy.
        let parallel: Vec<_> = (0..64usize)
            .into_par_iter()
            .map(|i| draw(i as u64))
            .collect();
        assert_eq!(serial, parallel);
        let mut reversed: Vec<_> = (0..64).rev().map(draw).collect();
        reversed.reverse();
        assert_eq!(serial, reversed);
        assert_eq!(serial[3], draw(3));
        // Streams and seeds differ.
        assert_ne!(serial[0], serial[1]);
        let mut other_seed = toy_rng(43, 0);
        assert_ne!(serial[0][0], other_seed.next_u64());
    }

    #[test]
    fn poisson_sampler_has_the_right_moments() {
        let mut rng = toy_rng(1, 0);
        for lambda in [0.37, 4.5, 123.25] {
            let n = 40_000;
            let xs: Vec<f64> = (0..n)
                .map(|_| sample_poisson(&mut rng, lambda))
                .collect::<Result<_, _>>()
                .expect("valid");
            assert!(xs.iter().all(|x| *x >= 0.0 && x.fract() == 0.0));
            let mean = xs.iter().sum::<f64>() / n as f64;
            let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
            // 5 standard errors.
            assert!(
                (mean - lambda).abs() < 5.0 * (lambda / n as f64).sqrt(),
                "λ={lambda}: mean {mean}"
            );
            assert!((var / lambda - 1.0).abs() < 0.05, "λ={lambda}: var {var}");
        }
        assert_eq!(sample_poisson(&mut rng, 0.0), Ok(0.0));
        assert!(sample_poisson(&mut rng, -1.0).is_err());
        assert!(sample_poisson(&mut rng, f64::NAN).is_err());
        assert!(sample_poisson(&mut rng, f64::INFINITY).is_err());
    }

    #[test]
    fn normal_sampler() {
        let mut rng = toy_rng(2, 5);
        let n = 40_000;
        let xs: Vec<f64> = (0..n)
            .map(|_| sample_normal(&mut rng, 1.5, 0.5))
            .collect::<Result<_, _>>()
            .expect("valid");
        let mean = xs.iter().sum::<f64>() / n as f64;
        let sd = (xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt();
        assert!((mean - 1.5).abs() < 5.0 * 0.5 / (n as f64).sqrt());
        assert!((sd - 0.5).abs() < 0.01);
        assert_eq!(sample_normal(&mut rng, 3.0, 0.0), Ok(3.0));
        assert!(sample_normal(&mut rng, 0.0, -1.0).is_err());
        assert!(sample_normal(&mut rng, f64::NAN, 1.0).is_err());
    }
}
