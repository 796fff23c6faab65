//! Upper limits from a grid scan (pyhf `infer/intervals/upper_limits.py::linear_grid_scan`).
//!
//! pyhf runs `hypotest(μ, ..., return_expected_set=True)` at every scanned μ, then, for the
//! observed CLs curve and each of the five expected curves, finds the μ at which CLs equals
//! `level` with `numpy.interp(level, cls[::-1], scan[::-1])`: both arrays are reversed so
//! that a CLs curve falling with μ becomes increasing, as `numpy.interp` requires.
//!
//! Consequences of using `numpy.interp` that users may not expect, reproduced here:
//! - if the curve never crosses `level` inside the scan, the result is clamped to the scan's
//!   end (`numpy.interp` returns the end values outside the range): the last scanned μ when
//!   every CLs is above `level`, the first when every CLs is below — no error, no warning;
//! - a non-monotone CLs curve is not detected; the answer is then some crossing (found by
//!   binary search), which may differ from the one numpy finds.

use super::InferError;

/// Observed and expected upper limits from a grid scan.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GridUpperLimit {
    /// The observed upper limit.
    pub obs: f64,
    /// The expected upper limits [−2σ, −1σ, median, +1σ, +2σ].
    pub exp: [f64; 5],
}

/// `numpy.interp(x, xp, fp)` for one point: piecewise-linear interpolation in increasing
/// `xp`, clamped to `fp[0]` / `fp[last]` outside `[xp[0], xp[last]]`; NaN `x` gives NaN.
///
/// Follows numpy's arithmetic, including its exact hits (`x == xp[j]` returns `fp[j]`) and
/// its retry from the right-hand point when the left-hand formula gives NaN (infinite
/// values).
///
/// # Errors
/// [`InferError::Empty`] for empty `xp`, [`InferError::LengthMismatch`] if `fp` and `xp`
/// differ in length.
pub fn interp(x: f64, xp: &[f64], fp: &[f64]) -> Result<f64, InferError> {
    if xp.is_empty() {
        return Err(InferError::Empty { what: "xp" });
    }
    if fp.len() != xp.len() {
        return Err(InferError::LengthMismatch {
            what: "fp",
            expected: xp.len(),
            found: fp.len(),
        });
    }
    let last = xp.len() - 1;
    if x.is_nan() {
        return Ok(x);
    }
    if x < xp[0] {
        return Ok(fp[0]);
    }
    if x > xp[last] {
        return Ok(fp[last]);
    }
    // The last j with xp[j] ≤ x (at least 0, since xp[0] ≤ x here).
    let j = xp.partition_point(|&v| v <= x).saturating_sub(1);
    if j >= last || xp[j] == x {
        return Ok(fp[j.min(last)]);
    }
    let slope = (fp[j + 1] - fp[j]) / (xp[j + 1] - xp[j]);
    let mut y = slope * (x - xp[j]) + fp[j];
    if y.is_nan() {
        // As numpy: try from the other end of the interval, and accept a flat segment.
        y = slope * (x - xp[j + 1]) + fp[j + 1];
        if y.is_nan() && fp[j] == fp[j + 1] {
            y = fp[j];
        }
    }
    Ok(y)
}

/// The POI value where a CLs curve, decreasing along `scan`, equals `level`:
/// `numpy.interp(level, cls[::-1], scan[::-1])`.
///
/// # Errors
/// As [`interp`].
pub fn crossing(level: f64, scan: &[f64], cls: &[f64]) -> Result<f64, InferError> {
    if cls.len() != scan.len() {
        return Err(InferError::LengthMismatch {
            what: "CLs values",
            expected: scan.len(),
            found: cls.len(),
        });
    }
    let xp: Vec<f64> = cls.iter().rev().copied().collect();
    let fp: Vec<f64> = scan.iter().rev().copied().collect();
    interp(level, &xp, &fp)
}

/// Observed and expected upper limits at CL `1 − level` from a grid scan, as pyhf's
/// `linear_grid_scan`: `cls_obs[i]` and `cls_exp[i]` (the 5-value expected set) are
/// `hypotest`'s results at `scan[i]`, with `scan` increasing.
///
/// # Errors
/// [`InferError::Empty`] for an empty scan, [`InferError::LengthMismatch`] if the CLs
/// arrays do not match the scan, [`InferError::InvalidArgument`] for a level outside (0, 1).
pub fn upper_limit_from_grid(
    scan: &[f64],
    cls_obs: &[f64],
    cls_exp: &[[f64; 5]],
    level: f64,
) -> Result<GridUpperLimit, InferError> {
    if scan.is_empty() {
        return Err(InferError::Empty { what: "scan" });
    }
    if !(level > 0.0 && level < 1.0) {
        return Err(InferError::InvalidArgument {
            name: "level",
            message: format!("must lie in (0, 1), got {level}"),
        });
    }
    if cls_exp.len() != scan.len() {
        return Err(InferError::LengthMismatch {
            what: "expected CLs sets",
            expected: scan.len(),
            found: cls_exp.len(),
        });
    }
    let obs = crossing(level, scan, cls_obs)?;
    let mut exp = [0.0; 5];
    for (k, e) in exp.iter_mut().enumerate() {
        let curve: Vec<f64> = cls_exp.iter().map(|set| set[k]).collect();
        *e = crossing(level, scan, &curve)?;
    }
    Ok(GridUpperLimit { obs, exp })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interp_matches_numpy() {
        let xp = [1.0, 2.0, 4.0];
        let fp = [10.0, 20.0, 0.0];
        assert_eq!(interp(1.5, &xp, &fp), Ok(15.0));
        assert_eq!(interp(3.0, &xp, &fp), Ok(10.0));
        assert_eq!(interp(2.0, &xp, &fp), Ok(20.0));
        assert_eq!(interp(4.0, &xp, &fp), Ok(0.0));
        // Clamped outside.
        assert_eq!(interp(0.0, &xp, &fp), Ok(10.0));
        assert_eq!(interp(9.0, &xp, &fp), Ok(0.0));
        assert!(interp(f64::NAN, &xp, &fp).expect("valid").is_nan());
        // A single point.
        assert_eq!(interp(5.0, &[1.0], &[3.0]), Ok(3.0));
        // Ties in xp: numpy lands on the last of the tied points.
        assert_eq!(
            interp(2.0, &[1.0, 2.0, 2.0, 3.0], &[0.0, 5.0, 6.0, 7.0]),
            Ok(6.0)
        );
        // Infinite fp on a flat segment: retried from the right, then accepted as flat.
        assert_eq!(
            interp(1.5, &[1.0, 2.0], &[f64::INFINITY, f64::INFINITY]),
            Ok(f64::INFINITY)
        );
        assert!(matches!(
            interp(1.0, &[], &[]),
            Err(InferError::Empty { .. })
        ));
        assert!(matches!(
            interp(1.0, &[1.0], &[1.0, 2.0]),
            Err(InferError::LengthMismatch { .. })
        ));
    }

    /// Independent reference: walk the grid and solve the linear segment that crosses.
    fn brute_force_crossing(level: f64, scan: &[f64], cls: &[f64]) -> f64 {
        for i in 0..scan.len() - 1 {
            if cls[i] >= level && cls[i + 1] <= level {
                let t = (cls[i] - level) / (cls[i] - cls[i + 1]);
                return scan[i] + t * (scan[i + 1] - scan[i]);
            }
        }
        f64::NAN
    }

    #[test]
    fn grid_limits_of_synthetic_monotone_curves() {
        // CLs_obs(μ) = exp(−1.2 μ²/ (1 + μ)) and expected curves shifted in μ, on
        // numpy.linspace(0, 5, 21) like pyhf's documentation.
        let scan: Vec<f64> = (0..21).map(|i| 5.0 * i as f64 / 20.0).collect();
        let curve = |mu: f64, s: f64| (-1.2 * (mu * s).powi(2) / (1.0 + mu * s)).exp();
        let scales = [1.8, 1.4, 1.1, 0.9, 0.7];
        let obs: Vec<f64> = scan.iter().map(|&m| curve(m, 1.1)).collect();
        let exp: Vec<[f64; 5]> = scan.iter().map(|&m| scales.map(|s| curve(m, s))).collect();
        let level = 0.05;
        let r = upper_limit_from_grid(&scan, &obs, &exp, level).expect("valid");
        let want_obs = brute_force_crossing(level, &scan, &obs);
        assert!((r.obs - want_obs).abs() < 1e-12, "{} vs {want_obs}", r.obs);
        for k in 0..5 {
            let c: Vec<f64> = exp.iter().map(|e| e[k]).collect();
            let want = brute_force_crossing(level, &scan, &c);
            assert!(
                (r.exp[k] - want).abs() < 1e-12,
                "{k}: {} vs {want}",
                r.exp[k]
            );
        }
        // The expected limits increase from −2σ to +2σ.
        for k in 0..4 {
            assert!(r.exp[k] < r.exp[k + 1], "{:?}", r.exp);
        }
        // Linear interpolation of a convex curve is close to, but not at, the true root.
        let true_obs = {
            // exp(−1.2 x²/(1+x)) = 0.05 with x = 1.1 μ: 1.2 x² = −ln(0.05)(1+x).
            let c = -(0.05f64).ln();
            let x = (c + (c * c + 4.0 * 1.2 * c).sqrt()) / (2.0 * 1.2);
            x / 1.1
        };
        assert!((r.obs - true_obs).abs() < 0.05, "{} vs {true_obs}", r.obs);
    }

    #[test]
    fn linear_curve_is_exact_and_no_crossing_clamps() {
        let scan = [0.0, 1.0, 2.0, 3.0];
        let cls = [1.0, 0.7, 0.4, 0.1];
        assert!((crossing(0.05, &scan, &cls).expect("valid") - 3.0).abs() < 1e-15);
        assert!((crossing(0.55, &scan, &cls).expect("valid") - 1.5).abs() < 1e-12);
        // Every CLs above the level: the last scan point; every CLs below: the first.
        assert_eq!(crossing(0.01, &scan, &cls), Ok(3.0));
        assert_eq!(crossing(0.05, &scan, &[0.04, 0.03, 0.02, 0.01]), Ok(0.0));
    }

    #[test]
    fn grid_errors() {
        let exp = [[0.5; 5], [0.01; 5]];
        assert!(upper_limit_from_grid(&[0.0, 1.0], &[0.5, 0.01], &exp, 0.05).is_ok());
        assert!(matches!(
            upper_limit_from_grid(&[0.0, 1.0], &[0.5], &exp, 0.05),
            Err(InferError::LengthMismatch { .. })
        ));
        assert!(matches!(
            upper_limit_from_grid(&[0.0, 1.0], &[0.5, 0.01], &exp[..1], 0.05),
            Err(InferError::LengthMismatch { .. })
        ));
        assert!(matches!(
            upper_limit_from_grid(&[], &[], &[], 0.05),
            Err(InferError::Empty { .. })
        ));
        assert!(matches!(
            upper_limit_from_grid(&[0.0, 1.0], &[0.5, 0.01], &exp, 1.5),
            Err(InferError::InvalidArgument { name: "level", .. })
        ));
    }
}
