//! Poisson log-probabilities without cancellation, at any count.
//!
//! pyhf writes a Poisson term as `n ln λ − λ − lnΓ(n+1)`: three terms of size `n ln n`
//! that cancel to something of order `ln n`. With `n = 1e9` the sum loses nine digits,
//! and a shapesys constraint with `τ = 1.6e11` (a 0.1% uncertainty on 400 events) moves
//! in steps of `τ ε ≈ 1e-5` as its parameter changes: the gradient by finite differences
//! is exactly zero, and fits stop with a failed line search. Here the same term is
//!
//! ```text
//! n ln λ − λ − lnΓ(n+1) = n·log1pmx(f) + [n ln n − n − lnΓ(n+1)],   f = (λ − n) / n,
//! ```
//!
//! with `log1pmx(f) = ln(1+f) − f`. The bracket depends on the data only and is computed
//! once per data set ([`ln_stirling_remainder`], by Stirling's series for large `n`); the
//! first term is evaluated from `f`, which `λ − n` (exact when λ is within a factor two of
//! `n`) keeps at full relative precision, by fdlibm's `log1p` polynomial where `f` is
//! small ([`log1pmx`]). Both parts are then accurate to a few ulps at any count, and
//! so is their sum. The derivative needs no such care: `n/λ − 1` is written
//! `(n − λ)/λ`, one rounding from exact.

use super::scalar::Scalar;

/// fdlibm's `log1p` coefficients (`s_log1p.c`, the same as `e_log.c`'s): `R(z)`
/// approximates `(ln(1+f) − f + f²/2) / s − f²/2` with `s = f/(2+f)`, `z = s²`, for
/// `|s| ≤ 0.1716`, to within 2^-58.45.
const LP: [f64; 7] = [
    6.666_666_666_666_735e-1,
    3.999_999_999_940_942e-1,
    2.857_142_874_366_239e-1,
    2.222_219_843_214_978_4e-1,
    1.818_357_216_161_805e-1,
    1.531_383_769_920_937_3e-1,
    1.479_819_860_511_658_6e-1,
];

/// The range of `f` where the polynomial holds: `1 + f` in `[sqrt(2)/2, sqrt(2)]`, so
/// `|s| ≤ 0.1716`. Outside it `|ln(1+f) − f| ≥ 0.05` is at least a sixth of `|f|`, and the
/// direct form loses less than three bits.
pub(crate) const POLY_RANGE: (f64, f64) = (
    std::f64::consts::FRAC_1_SQRT_2 - 1.0,
    std::f64::consts::SQRT_2 - 1.0,
);

/// `ln(1+f) − f` for `f` in [`POLY_RANGE`], by fdlibm's reduction: with `hfsq = f²/2`,
/// `ln(1+f) = f − hfsq + s (hfsq + R)`, so the result is `s (hfsq + R) − hfsq`, whose
/// two terms are `f³/3` and `f²/2` in size: no digits are lost.
#[inline(always)]
pub(crate) fn log1pmx_poly<T: Scalar>(f: T) -> T {
    let s = f / (f + T::cst(2.0));
    let z = s * s;
    let w = z * z;
    let t1 = w * (T::cst(LP[1]) + w * (T::cst(LP[3]) + w * T::cst(LP[5])));
    let t2 = z * (T::cst(LP[0]) + w * (T::cst(LP[2]) + w * (T::cst(LP[4]) + w * T::cst(LP[6]))));
    let hfsq = (f * f).scale(0.5);
    s * (hfsq + t1 + t2) - hfsq
}

/// `ln(ratio) − f`, where `ratio = 1 + f` (both given: `f` exact where it is small,
/// `ratio` exact where `f` is close to −1), as a number of any [`Scalar`] type: the
/// polynomial where `f` is small, the logarithm elsewhere, chosen on the real part.
#[inline(always)]
pub(crate) fn log1pmx<T: Scalar>(f: T, ratio: T) -> T {
    let x = f.re();
    if (POLY_RANGE.0..=POLY_RANGE.1).contains(&x) {
        log1pmx_poly(f)
    } else {
        ratio.ln() - f
    }
}

/// `n ln n − n − lnΓ(n+1)` (zero at `n = 0`): the data-only part of a Poisson term, see
/// the module documentation. From 10 up by Stirling's series,
/// `−ln(2πn)/2 − Σ B_2k / (2k (2k−1) n^(2k−1))`, whose eight terms here leave a remainder
/// below 1e-17 of the value; below 10 directly, where the terms are small enough that
/// their cancellation costs at most three bits. Negative and NaN `n` (invalid counts)
/// keep pyhf's `−lnΓ(n+1)`, as their main terms keep pyhf's form.
pub(crate) fn ln_stirling_remainder(n: f64) -> f64 {
    if n.is_nan() || n < 0.0 {
        return -libm::lgamma(n + 1.0);
    }
    if n == 0.0 {
        return 0.0;
    }
    if n < 10.0 {
        return n * n.ln() - n - libm::lgamma(n + 1.0);
    }
    if n.is_infinite() {
        return f64::NEG_INFINITY;
    }
    // B_2k / (2k (2k−1)) for k = 1..8.
    const C: [f64; 8] = [
        1.0 / 12.0,
        -1.0 / 360.0,
        1.0 / 1260.0,
        -1.0 / 1680.0,
        1.0 / 1188.0,
        -691.0 / 360_360.0,
        1.0 / 156.0,
        -3617.0 / 122_400.0,
    ];
    let r = 1.0 / n;
    let r2 = r * r;
    let mut series = C[7];
    for &c in C[..7].iter().rev() {
        series = series * r2 + c;
    }
    -0.5 * (2.0 * std::f64::consts::PI * n).ln() - series * r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn poly_and_logarithm_agree_at_the_range_ends() {
        // Where the branches meet both forms are accurate: the logarithm's rounding error
        // (about 1e-16) is 2e-15 of the result there (about 0.05). The mpmath tests in
        // `tests/poisson_precision.rs` check each branch closely.
        for f in [POLY_RANGE.0, POLY_RANGE.1] {
            let (p, l) = (log1pmx_poly(f), (1.0 + f).ln() - f);
            assert!((p - l).abs() <= 5e-15 * l.abs(), "f = {f}: {p:e} vs {l:e}");
        }
        assert_eq!(log1pmx_poly(0.0f64), 0.0);
    }

    #[test]
    fn stirling_and_direct_agree_near_the_switch() {
        // Direct evaluation loses about three bits here, Stirling's series none.
        for n in [10.0, 10.5, 12.0, 20.0] {
            let direct = n * f64::ln(n) - n - libm::lgamma(n + 1.0);
            let s = ln_stirling_remainder(n);
            assert!(
                (s - direct).abs() <= 1e-14 * direct.abs(),
                "{n}: {s} vs {direct}"
            );
        }
        assert_eq!(ln_stirling_remainder(0.0), 0.0);
    }
}
