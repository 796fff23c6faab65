//! Interpolation codes for normsys (multiplicative) and histosys (additive) modifiers,
//! exactly as pyhf 0.7.6 defines them (CERN-OPEN-2012-016 names).
//!
//! Each code is a function of alpha returning the value and its derivative in alpha. The
//! per-bin work is split into an alpha-dependent part computed once per modifier and a
//! cheap per-bin combination, because alpha is shared by every bin of a modifier.
//!
//! Branch choices at the kinks follow pyhf's `where` conditions, so that values and the
//! gradient (which JAX takes along the branch pyhf evaluates) agree at alpha = 0 and ±1.

use super::scalar::Scalar;

/// Interpolation code for normsys modifiers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum NormSysCode {
    /// Piecewise exponential: `hi^alpha` above 0, `lo^-alpha` below.
    Code1,
    /// Exponential outside |alpha| >= 1, a 6th-order polynomial inside (pyhf's default).
    #[default]
    Code4,
}

/// Interpolation code for histosys modifiers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum HistoSysCode {
    /// Piecewise linear.
    Code0,
    /// Quadratic inside |alpha| <= 1, linear outside (ROOT's continuous variant).
    Code2,
    /// 6th-order polynomial inside, linear outside (pyhf's default).
    #[default]
    Code4p,
}

impl std::str::FromStr for NormSysCode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "code1" => Ok(NormSysCode::Code1),
            "code4" => Ok(NormSysCode::Code4),
            other => Err(format!(
                "unknown normsys interpolation code \"{other}\" (expected code1 or code4)"
            )),
        }
    }
}

impl std::str::FromStr for HistoSysCode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "code0" => Ok(HistoSysCode::Code0),
            "code2" => Ok(HistoSysCode::Code2),
            "code4p" => Ok(HistoSysCode::Code4p),
            other => Err(format!(
                "unknown histosys interpolation code \"{other}\" (expected code0, code2 or code4p)"
            )),
        }
    }
}

/// Precomputed normsys interpolation for one (sample, modifier): factors at ±1 relative to
/// nominal 1, their logarithms, and code4's polynomial coefficients.
#[derive(Clone, Debug)]
pub(crate) struct NormSysInterp {
    code: NormSysCode,
    ln_hi: f64,
    ln_lo: f64,
    /// code4's coefficients a1..a6 of `1 + sum a_i alpha^i`, as `[a_{i+1}, (i+1) a_{i+1}]`:
    /// the value polynomial (`1 + alpha P(alpha)`) and the derivative polynomial. The hot
    /// loop uses the copy in [`NormSysTable`]; [`NormSysTable`]'s own fast loops form the
    /// same products in the same order.
    pd: [[f64; 2]; 6],
}

// The constant matrix solving code4's 6x6 boundary conditions for alpha0 = 1 (value, first
// and second derivative of the exponentials at ±1), rows a1..a6.
const CODE4_MATRIX: [[f64; 6]; 6] = [
    [
        15. / 16.,
        -15. / 16.,
        -7. / 16.,
        -7. / 16.,
        1. / 16.,
        -1. / 16.,
    ],
    [3. / 2., 3. / 2., -9. / 16., 9. / 16., 1. / 16., 1. / 16.],
    [-5. / 8., 5. / 8., 5. / 8., 5. / 8., -1. / 8., 1. / 8.],
    [-3. / 2., -3. / 2., 7. / 8., -7. / 8., -1. / 8., -1. / 8.],
    [
        3. / 16.,
        -3. / 16.,
        -3. / 16.,
        -3. / 16.,
        1. / 16.,
        -1. / 16.,
    ],
    [1. / 2., 1. / 2., -5. / 16., 5. / 16., 1. / 16., 1. / 16.],
];

impl NormSysInterp {
    /// `hi`, `lo` are the factors at alpha = +1 and -1 (nominal 1). Non-positive factors
    /// give NaN logarithms and hence NaN rates, as in pyhf.
    pub(crate) fn new(code: NormSysCode, hi: f64, lo: f64) -> Self {
        let (ln_hi, ln_lo) = (hi.ln(), lo.ln());
        let g = [
            hi - 1.0,
            lo - 1.0,
            hi * ln_hi,
            -lo * ln_lo,
            hi * ln_hi * ln_hi,
            lo * ln_lo * ln_lo,
        ];
        let mut poly = [0.0; 6];
        for (a, row) in poly.iter_mut().zip(CODE4_MATRIX.iter()) {
            *a = row.iter().zip(g.iter()).map(|(m, x)| m * x).sum();
        }
        let mut pd = [[0.0; 2]; 6];
        for (i, c) in pd.iter_mut().enumerate() {
            *c = [poly[i], poly[i] * (i as f64 + 1.0)];
        }
        NormSysInterp {
            code,
            ln_hi,
            ln_lo,
            pd,
        }
    }

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
/// loops of [`NormSysTable`].
#[derive(Clone, Copy, Debug)]
enum ExpSide {
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
    fn of(code: NormSysCode, a: f64) -> Option<ExpSide> {
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
    fn slope(self, ln_hi: f64, ln_lo: f64) -> f64 {
        match self {
            ExpSide::Hi => ln_hi,
            ExpSide::Kink => ln_lo,
            ExpSide::Lo => -ln_lo,
        }
    }
}

/// Every normsys factor of a model, block by block, as a structure of arrays.
///
/// The hot part of evaluation is code4's polynomial for |alpha| < 1, 4,174 of them per
/// call on 1Lbb. Stored entry by entry (value and derivative coefficients interleaved
/// with the parameter index and the exponential branch's logarithms, 136 bytes) the loop
/// streamed half a megabyte and could not be vectorised; as contiguous coefficient arrays
/// with the alphas gathered once into a contiguous array, it is one branch-free loop over
/// all entries that the compiler vectorises, reading only what the value needs (the
/// derivative coefficients are multiples of the same ones, formed only when the gradient
/// is wanted). Entries outside the polynomial's range, rare, are overwritten afterwards.
#[derive(Clone, Debug, Default)]
pub(crate) struct NormSysTable {
    /// Parameter of each entry.
    pub param: Vec<usize>,
    /// code4's coefficients a1..a6 of `1 + sum a_i alpha^i`: `coef[i][k]` is entry `k`'s
    /// a_(i+1).
    coef: [Vec<f64>; 6],
    /// Every entry's `[ln(hi), ln(lo)]`, for the exponential branches.
    ln: Vec<[f64; 2]>,
    /// The model's normsys code (one for all entries).
    code: NormSysCode,
    /// The distinct parameters, to tell cheaply whether any alpha is outside (-1, 1).
    params: Vec<usize>,
    /// The entries of each of `params`: the ones to leave the polynomial when that alpha
    /// is outside (-1, 1), found without scanning the whole table.
    entries: Vec<Vec<usize>>,
}

impl NormSysTable {
    /// Number of entries.
    pub(crate) fn len(&self) -> usize {
        self.param.len()
    }

    /// Appends an entry for parameter `param`.
    pub(crate) fn push(&mut self, param: usize, interp: NormSysInterp) {
        self.param.push(param);
        for (c, pd) in self.coef.iter_mut().zip(&interp.pd) {
            c.push(pd[0]);
        }
        debug_assert!(self.param.len() == 1 || self.code == interp.code);
        self.code = interp.code;
        self.ln.push([interp.ln_hi, interp.ln_lo]);
        let k = self.param.len() - 1;
        match self.params.binary_search(&param) {
            Ok(i) => self.entries[i].push(k),
            Err(i) => {
                self.params.insert(i, param);
                self.entries.insert(i, vec![k]);
            }
        }
    }

    /// Bytes held by the table.
    pub(crate) fn bytes(&self) -> usize {
        use std::mem::size_of;
        self.len() * (2 * size_of::<usize>() + 8 * size_of::<f64>())
            + self.params.len() * (size_of::<usize>() + size_of::<Vec<usize>>())
    }

    /// The entries whose factor is not the polynomial's, parameter by parameter with the
    /// branch their alpha is on ([`ExpSide::of`], as [`NormSysInterp::eval`]): every entry
    /// for code1, for code4 those whose alpha is outside (-1, 1). Toys and scans often
    /// move a few alphas past ±1; a scan of the whole table for them cost as much as the
    /// polynomials.
    fn fixups<'a, T: Scalar>(
        &'a self,
        pars: &'a [T],
    ) -> impl Iterator<Item = (ExpSide, f64, &'a [usize])> + 'a {
        self.params
            .iter()
            .zip(&self.entries)
            .filter_map(move |(&p, e)| {
                let a = pars[p].re();
                ExpSide::of(self.code, a).map(|side| (side, a, e.as_slice()))
            })
    }

    /// Gathers every entry's alpha from `pars` into `alpha` and writes the factors to
    /// `value`.
    pub(crate) fn values<T: Scalar>(&self, pars: &[T], alpha: &mut [T], value: &mut [T]) {
        for (a, &p) in alpha.iter_mut().zip(&self.param) {
            *a = pars[p];
        }
        T::poly6_values(&self.coef, alpha, value);
        for (side, _, entries) in self.fixups(pars) {
            for &k in entries {
                let [ln_hi, ln_lo] = self.ln[k];
                value[k] = alpha[k].scale(side.slope(ln_hi, ln_lo)).exp();
            }
        }
    }

    /// Every factor's derivative in its alpha divided by the factor, `f'(alpha) / f`, into
    /// `out`, from the `alpha` and `value` of the last [`values`](Self::values) at the
    /// same `pars`. The gradient wants "the product of all other factors" times `f'`,
    /// which is the block's product times this ratio whenever no factor is zero: the
    /// divisions done here in one vectorised pass cost a third of the per-entry scalar
    /// divisions they replace in the block loop (1Lbb). On an exponential branch the ratio
    /// is the slope itself, a constant (its derivative is zero, which dual numbers get
    /// right with a constant): forming it as `f'/f` evaluated the exponential a second time.
    pub(crate) fn log_derivs<T: Scalar>(
        &self,
        pars: &[T],
        alpha: &[T],
        value: &[T],
        out: &mut [T],
    ) {
        T::poly6_log_derivs(&self.coef, alpha, value, out);
        for (side, a, entries) in self.fixups(pars) {
            for &k in entries {
                let [ln_hi, ln_lo] = self.ln[k];
                // NaN stays NaN, as the quotient would.
                out[k] = T::cst(if a.is_nan() {
                    f64::NAN
                } else {
                    side.slope(ln_hi, ln_lo)
                });
            }
        }
    }

    /// The distinct parameters of the table's entries, sorted.
    pub(crate) fn params(&self) -> &[usize] {
        &self.params
    }

    /// Entry `k`'s interpolation, rebuilt from the table (the coefficient products are
    /// those of [`NormSysInterp::new`], so it computes the same numbers as the original):
    /// only the rare entries outside the polynomial need it, and keeping a copy of every
    /// entry would more than double the table.
    fn interp(&self, k: usize) -> NormSysInterp {
        NormSysInterp {
            code: self.code,
            ln_hi: self.ln[k][0],
            ln_lo: self.ln[k][1],
            pd: std::array::from_fn(|i| [self.coef[i][k], self.coef[i][k] * (i as f64 + 1.0)]),
        }
    }

    /// Entry `k`'s derivative at `alpha`, the same number the polynomial loops form.
    pub(crate) fn deriv<T: Scalar>(&self, k: usize, alpha: T) -> T {
        self.interp(k).eval(alpha).1
    }
}

/// Runs `$body` (a call of an `#[inline(always)]` function) compiled for AVX when the CPU
/// has it, else for the portable baseline (SSE2). AVX doubles the width of the packed
/// multiplies, adds and, above all, divisions of the normsys loops (the divisions were a
/// sixth of 1Lbb's value-and-gradient); without FMA every operation rounds as in the
/// baseline, so results are bit-identical on every machine.
macro_rules! with_avx {
    ($body:expr) => {{
        #[cfg(target_arch = "x86_64")]
        {
            #[target_feature(enable = "avx")]
            unsafe fn avx(f: impl FnOnce()) {
                f()
            }
            if std::arch::is_x86_feature_detected!("avx") {
                // SAFETY: the CPU supports AVX, checked just above.
                unsafe { avx(|| $body) };
                return;
            }
        }
        $body
    }};
}

/// [`poly6_values_in`](crate::model::scalar::poly6_values_in) on `f64`, with AVX where
/// available.
pub(crate) fn poly6_values_f64(c: &[Vec<f64>; 6], x: &[f64], out: &mut [f64]) {
    with_avx!(crate::model::scalar::poly6_values_in(c, x, out))
}

/// [`poly6_log_derivs_in`](crate::model::scalar::poly6_log_derivs_in) on `f64`, with AVX
/// where available.
pub(crate) fn poly6_log_derivs_f64(c: &[Vec<f64>; 6], x: &[f64], v: &[f64], out: &mut [f64]) {
    with_avx!(crate::model::scalar::poly6_log_derivs_in(c, x, v, out))
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

    #[test]
    fn table_matches_entrywise_eval_inside_outside_and_at_the_kinks() {
        use num_dual::Dual64;
        let alphas = [
            -3.0,
            -1.0,
            -1.0 + 1e-12,
            -0.4,
            0.0,
            0.25,
            1.0 - 1e-12,
            1.0,
            2.5,
            f64::NAN,
        ];
        for code in [NormSysCode::Code4, NormSysCode::Code1] {
            // Entry k uses parameter k % 3 of `pars`, so every alpha meets every factor.
            let factors = [(1.1, 0.9), (1.3, 0.95), (0.8, 1.2), (1.05, 1.02)];
            let mut table = NormSysTable::default();
            let mut interps = Vec::new();
            for k in 0..24 {
                let (hi, lo) = factors[k % factors.len()];
                let i = NormSysInterp::new(code, hi, lo);
                table.push(k % 3, i.clone());
                interps.push(i);
            }
            for w in alphas.windows(3) {
                let pars = [w[0], w[1], w[2]];
                let n = table.len();
                let (mut alpha, mut v, mut d) = (vec![0.0; n], vec![0.0; n], vec![0.0; n]);
                table.values(&pars, &mut alpha, &mut v);
                table.log_derivs(&pars, &alpha, &v, &mut d);
                let dp: Vec<Dual64> = pars.iter().map(|&x| Dual64::from(x)).collect();
                let mut da = vec![Dual64::from(0.0); n];
                let (mut dv, mut dd) = (da.clone(), da.clone());
                table.values(&dp, &mut da, &mut dv);
                table.log_derivs(&dp, &da, &dv, &mut dd);
                for k in 0..n {
                    let (want, deriv) = interps[k].eval(pars[k % 3]);
                    let dwant = deriv / want;
                    assert_eq!(table.deriv(k, pars[k % 3]).to_bits(), deriv.to_bits());
                    let same = |a: f64, b: f64| a == b || (a.is_nan() && b.is_nan());
                    assert!(same(v[k], want), "{code:?} {pars:?} {k}: {} {want}", v[k]);
                    // On the exponential branches f'/f is the logarithm itself, not the
                    // quotient of the two rounded numbers: an ulp or two apart. Dual
                    // numbers may divide through a reciprocal: the same.
                    let near = |a: f64, b: f64| same(a, b) || (a - b).abs() <= 1e-15 * b.abs();
                    assert!(near(d[k], dwant), "{code:?} {pars:?} {k}: {} {dwant}", d[k]);
                    assert!(same(dv[k].re, want) && near(dd[k].re, dwant));
                }
            }
        }
    }
}
