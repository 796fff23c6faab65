//! Interpolation codes for normsys (multiplicative) and histosys (additive) modifiers,
//! exactly as pyhf 0.7.6 defines them (CERN-OPEN-2012-016 names), and what a normsys
//! factor precomputes when the model is built ([`NormSysInterp`]). Their evaluation at an
//! alpha is `likelihood::kernels::interp`.

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
    pub(crate) code: NormSysCode,
    pub(crate) ln_hi: f64,
    pub(crate) ln_lo: f64,
    /// code4's coefficients a1..a6 of `1 + sum a_i alpha^i`, as `[a_{i+1}, (i+1) a_{i+1}]`:
    /// the value polynomial (`1 + alpha P(alpha)`) and the derivative polynomial. The hot
    /// loops use the copy in [`NormSysTable`](super::normsys::NormSysTable), which forms
    /// the same products in the same order.
    pub(crate) pd: [[f64; 2]; 6],
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
}
