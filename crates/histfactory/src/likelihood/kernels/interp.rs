//! Interpolation codes evaluated at an alpha: a normsys factor and its derivative
//! ([`NormSysInterp::eval`]), a histosys term's coefficients ([`histo_coeffs`]), exactly as
//! pyhf 0.7.6 defines them.
//!
//! Each code is a function of alpha returning the value and its derivative in alpha. The
//! per-bin work is split into an alpha-dependent part computed once per modifier and a
//! cheap per-bin combination, because alpha is shared by every bin of a modifier.
//!
//! Branch choices at the kinks follow pyhf's `where` conditions, so that values and the
//! gradient (which JAX takes along the branch pyhf evaluates) agree at alpha = 0 and ±1.

use super::scalar::Scalar;
use crate::model::interp::NormSysInterp;
use crate::model::{HistoSysCode, NormSysCode};

impl NormSysInterp {
    /// The factor at `alpha` and its derivative.
    #[inline]
    pub(crate) fn eval<T: Scalar>(&self, alpha: T) -> (T, T) {
        match ExpSide::of(self.code, alpha.re()) {
            Some(side) => {
                let l = side.slope(self.ln_hi, self.ln_lo);
                let f = alpha.scale(l).exp();
                (f, f.scale(l))
            }
            None => {
                // Horner for 1 + sum_i a_i x^i and for sum_i i a_i x^(i-1).
                let (v, d) = alpha.horner_pair(&self.pd);
                (v * alpha + T::cst(1.0), d)
            }
        }
    }
}

/// The exponential branch of a normsys factor that alpha falls on: the factor is
/// `exp(l alpha)` and its derivative `l exp(l alpha)`, with the slope `l` of
/// [`ExpSide::slope`]. The one decision shared by [`NormSysInterp::eval`] and the fast
/// loops of [`NormSysTable`](crate::model::modifiers::NormSysTable).
#[derive(Clone, Copy, Debug)]
pub(crate) enum ExpSide {
    /// `hi^alpha`: slope `ln hi`.
    Hi,
    /// code1 at alpha = 0: pyhf writes the factor as `lo^|alpha|` and JAX differentiates
    /// `|alpha|` as +1 at 0, so the reference gradient there is `ln lo`; we take the same
    /// one-sided derivative so gradients agree with pyhf+JAX.
    Kink,
    /// `lo^-alpha`: slope `-ln lo`.
    Lo,
}

impl ExpSide {
    /// The branch of `alpha` (its real part `a`), or `None` on code4's polynomial
    /// (|alpha| < 1; NaN too, which the polynomial propagates). pyhf: code1 is
    /// `where(alpha > 0, hi^alpha, lo^-alpha)`, code4 the same outside [-1, 1].
    #[inline]
    pub(crate) fn of(code: NormSysCode, a: f64) -> Option<ExpSide> {
        match code {
            NormSysCode::Code1 if a > 0.0 => Some(ExpSide::Hi),
            NormSysCode::Code1 if a == 0.0 => Some(ExpSide::Kink),
            NormSysCode::Code1 => Some(ExpSide::Lo),
            NormSysCode::Code4 if a >= 1.0 => Some(ExpSide::Hi),
            NormSysCode::Code4 if a <= -1.0 => Some(ExpSide::Lo),
            NormSysCode::Code4 => None,
        }
    }

    #[inline]
    pub(crate) fn slope(self, ln_hi: f64, ln_lo: f64) -> f64 {
        match self {
            ExpSide::Hi => ln_hi,
            ExpSide::Kink => ln_lo,
            ExpSide::Lo => -ln_lo,
        }
    }
}

/// The alpha-dependent coefficients of an additive (histosys) interpolation: for every bin
/// the delta is `c_up * up + c_dn * dn` with `up = hi - nom`, `dn = nom - lo`, and the
/// derivative `d_up * up + d_dn * dn`.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct HistoCoeffs<T> {
    pub c_up: T,
    pub c_dn: T,
    pub d_up: T,
    pub d_dn: T,
}

/// Coefficients for `code` at `alpha` (see [`HistoCoeffs`]).
#[inline]
pub(crate) fn histo_coeffs<T: Scalar>(code: HistoSysCode, alpha: T) -> HistoCoeffs<T> {
    let a = alpha.re();
    let zero = T::cst(0.0);
    let one = T::cst(1.0);
    match code {
        HistoSysCode::Code0 => {
            // pyhf: where(alpha > 0, alpha*up, alpha*dn)
            if a > 0.0 {
                HistoCoeffs {
                    c_up: alpha,
                    c_dn: zero,
                    d_up: one,
                    d_dn: zero,
                }
            } else {
                HistoCoeffs {
                    c_up: zero,
                    c_dn: alpha,
                    d_up: zero,
                    d_dn: one,
                }
            }
        }
        HistoSysCode::Code2 => {
            // a = (up - dn)/2, b = (up + dn)/2; inside: a x^2 + b x; outside, ROOT's
            // continuous extrapolation: up + (b + 2a)(x - 1) and -dn + (b - 2a)(x + 1).
            if a > 1.0 {
                // (b + 2a) = (3 up - dn)/2... expressed in up/dn: up*(1 + 1.5(x-1)) + dn*(-0.5(x-1))
                let t = alpha - one;
                HistoCoeffs {
                    c_up: one + t.scale(1.5),
                    c_dn: t.scale(-0.5),
                    d_up: T::cst(1.5),
                    d_dn: T::cst(-0.5),
                }
            } else if a < -1.0 {
                // -dn + (b - 2a)(x + 1), b - 2a = (3 dn - up)/2
                let t = alpha + one;
                HistoCoeffs {
                    c_up: t.scale(-0.5),
                    c_dn: -one + t.scale(1.5),
                    d_up: T::cst(-0.5),
                    d_dn: T::cst(1.5),
                }
            } else {
                let x2 = alpha * alpha;
                HistoCoeffs {
                    c_up: (x2 + alpha).scale(0.5),
                    c_dn: (alpha - x2).scale(0.5),
                    d_up: alpha + T::cst(0.5),
                    d_dn: T::cst(0.5) - alpha,
                }
            }
        }
        HistoSysCode::Code4p => {
            if a > 1.0 {
                HistoCoeffs {
                    c_up: alpha,
                    c_dn: zero,
                    d_up: one,
                    d_dn: zero,
                }
            } else if a < -1.0 {
                HistoCoeffs {
                    c_up: zero,
                    c_dn: alpha,
                    d_up: zero,
                    d_dn: one,
                }
            } else {
                // delta = x S + A (15x^2 - 10x^4 + 3x^6), S = (up+dn)/2, A = (up-dn)/16
                let x2 = alpha * alpha;
                let x4 = x2 * x2;
                let poly = (x2.scale(15.0) - x4.scale(10.0) + x4 * x2.scale(3.0)).scale(1.0 / 16.0);
                let dpoly = (alpha.scale(30.0) - x2 * alpha.scale(40.0) + x4 * alpha.scale(18.0))
                    .scale(1.0 / 16.0);
                let half_x = alpha.scale(0.5);
                HistoCoeffs {
                    c_up: half_x + poly,
                    c_dn: half_x - poly,
                    d_up: T::cst(0.5) + dpoly,
                    d_dn: T::cst(0.5) - dpoly,
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Scalar reference versions written straight from the definitions, as pyhf's _slow_code*.
    fn slow_code4(alpha: f64, hi: f64, lo: f64) -> f64 {
        if alpha >= 1.0 {
            hi.powf(alpha)
        } else if alpha <= -1.0 {
            lo.powf(-alpha)
        } else {
            let p = NormSysInterp::new(NormSysCode::Code4, hi, lo).pd;
            1.0 + (1..=6)
                .map(|i| p[i - 1][0] * alpha.powi(i as i32))
                .sum::<f64>()
        }
    }

    fn slow_histo(code: HistoSysCode, a: f64, lo: f64, nom: f64, hi: f64) -> f64 {
        let (up, dn) = (hi - nom, nom - lo);
        match code {
            HistoSysCode::Code0 => {
                if a > 0.0 {
                    a * up
                } else {
                    a * dn
                }
            }
            HistoSysCode::Code2 => {
                let (qa, b) = (0.5 * (hi + lo) - nom, 0.5 * (hi - lo));
                if a > 1.0 {
                    up + (b + 2.0 * qa) * (a - 1.0)
                } else if a < -1.0 {
                    -dn + (b - 2.0 * qa) * (a + 1.0)
                } else {
                    qa * a * a + b * a
                }
            }
            HistoSysCode::Code4p => {
                if a > 1.0 {
                    a * up
                } else if a < -1.0 {
                    a * dn
                } else {
                    let s = 0.5 * (up + dn);
                    let aa = (up - dn) / 16.0;
                    a * s + aa * (15.0 * a * a - 10.0 * a.powi(4) + 3.0 * a.powi(6))
                }
            }
        }
    }

    #[test]
    fn code4_is_continuous_at_unit_alpha_and_one_at_zero() {
        let i = NormSysInterp::new(NormSysCode::Code4, 1.1, 0.9);
        assert!((i.eval(0.0f64).0 - 1.0).abs() < 1e-15);
        for (a, want) in [(1.0 - 1e-9, 1.1), (-1.0 + 1e-9, 0.9)] {
            assert!((i.eval(a).0 - want).abs() < 1e-8, "{a}");
        }
        // first derivative matches the exponential's at +1
        let d_in = i.eval(1.0 - 1e-12).1;
        assert!((d_in - 1.1 * 1.1f64.ln()).abs() < 1e-9);
    }

    #[test]
    fn fast_paths_match_slow_reference_versions() {
        for &a in &[-3.0, -1.5, -1.0, -0.7, -0.1, 0.0, 0.2, 0.9, 1.0, 1.3, 4.0] {
            for &(hi, lo) in &[(1.1, 0.9), (1.3, 0.95), (0.8, 1.2)] {
                let f = NormSysInterp::new(NormSysCode::Code4, hi, lo).eval(a).0;
                assert!(
                    (f - slow_code4(a, hi, lo)).abs() < 1e-14,
                    "code4 {a} {hi} {lo}"
                );
                let f1 = NormSysInterp::new(NormSysCode::Code1, hi, lo).eval(a).0;
                let want = if a > 0.0 { hi.powf(a) } else { lo.powf(-a) };
                assert!((f1 - want).abs() < 1e-14);
            }
            for code in [
                HistoSysCode::Code0,
                HistoSysCode::Code2,
                HistoSysCode::Code4p,
            ] {
                let (lo, nom, hi) = (7.0, 10.0, 14.0);
                let c = histo_coeffs(code, a);
                let fast = c.c_up * (hi - nom) + c.c_dn * (nom - lo);
                assert!(
                    (fast - slow_histo(code, a, lo, nom, hi)).abs() < 1e-12,
                    "{code:?} {a}"
                );
            }
        }
    }

    #[test]
    fn derivatives_match_finite_differences_away_from_kinks() {
        let h = 1e-6;
        for &a in &[-2.0, -0.6, 0.3, 0.8, 1.7] {
            for code in [NormSysCode::Code1, NormSysCode::Code4] {
                let i = NormSysInterp::new(code, 1.2, 0.85);
                let fd = (i.eval(a + h).0 - i.eval(a - h).0) / (2.0 * h);
                assert!((i.eval(a).1 - fd).abs() < 1e-8, "{code:?} {a}");
            }
            for code in [
                HistoSysCode::Code0,
                HistoSysCode::Code2,
                HistoSysCode::Code4p,
            ] {
                let f = |x: f64| {
                    let c = histo_coeffs(code, x);
                    c.c_up * 4.0 + c.c_dn * 3.0
                };
                let c = histo_coeffs(code, a);
                let fd = (f(a + h) - f(a - h)) / (2.0 * h);
                assert!(
                    (c.d_up * 4.0 + c.d_dn * 3.0 - fd).abs() < 1e-7,
                    "{code:?} {a}"
                );
            }
        }
    }
}
