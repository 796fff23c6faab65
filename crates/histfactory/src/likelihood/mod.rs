//! Evaluating the likelihood: `logpdf`, expected data, exact gradients and Hessians, and
//! batches of parameter points in parallel.
//!
//! `logpdf(pars, data)` is pyhf's `model.logpdf`: continuous Poisson main terms
//! (`xlogy(n, nu) - nu - lgamma(n+1)`) plus Gaussian and Poisson constraint terms, all
//! constants included, evaluated as `n (ln(1+f) - f)` with `f = (nu - n)/n` plus the
//! data-only `n ln n - n - lgamma(n+1)` so that no digits cancel at large counts (pyhf's
//! direct form is off by 3e-4 for a shapesys with tau = 1.6e11; see `kernels::poisson`).
//! Where a rate is negative (and its count positive) the value is NaN, exactly as pyhf; [`Model::check_rates`] names the channel, sample and bin at fault, and
//! [`ModelOptions`](crate::model::ModelOptions) offers pyhf's clipping.
//!
//! ```
//! use histfactory::model::simple::uncorrelated_background;
//! let model = uncorrelated_background(&[5.0], &[10.0], &[3.5])?;
//! let data = model.data_with_auxdata(&[15.0])?;
//! let (value, grad) = model.logpdf_and_grad(&[1.2, 0.9], &data)?;
//! assert!(value.is_finite() && grad.len() == 2);
//! # Ok::<(), histfactory::Error>(())
//! ```

mod batch;
mod jacobian;
pub(crate) mod kernels;
mod objective;

pub use batch::{Grid2d, GridPoint};
pub use kernels::eval::Dataset;
pub(crate) use kernels::eval::Scratch;

use kernels::{eval, lanes};
pub use objective::TwiceNll;

use crate::model::{ConstraintTerm, Model, ModelError};

impl Model {
    /// Prepares `data` (main counts followed by auxdata) for repeated evaluation.
    pub fn dataset(&self, data: &[f64]) -> Result<Dataset, ModelError> {
        self.check_data(data)?;
        Ok(Dataset::new(self, data))
    }

    /// `log L(pars | data)` as pyhf's `model.logpdf(pars, data)[0]`.
    pub fn logpdf(&self, pars: &[f64], data: &[f64]) -> Result<f64, ModelError> {
        self.check_pars(pars)?;
        let ds = self.dataset(data)?;
        let mut s = Scratch::new(self);
        Ok(eval::logpdf(self, &ds, pars, None, &mut s))
    }

    /// `logpdf` and its gradient with respect to the parameters, in one pass (pyhf+JAX's
    /// `value_and_grad`).
    pub fn logpdf_and_grad(
        &self,
        pars: &[f64],
        data: &[f64],
    ) -> Result<(f64, Vec<f64>), ModelError> {
        self.check_pars(pars)?;
        let ds = self.dataset(data)?;
        let mut s = Scratch::new(self);
        let mut g = vec![0.0; self.n_pars()];
        let v = eval::logpdf(self, &ds, pars, Some(&mut g), &mut s);
        Ok((v, g))
    }

    /// `-2 logpdf`, pyhf's `twice_nll`.
    pub fn twice_nll(&self, pars: &[f64], data: &[f64]) -> Result<f64, ModelError> {
        Ok(-2.0 * self.logpdf(pars, data)?)
    }

    /// The exact Hessian of `logpdf` with respect to the parameters (row-major), from dual
    /// numbers pushed through the analytic gradient: one pass per parameter.
    pub fn logpdf_hessian(&self, pars: &[f64], data: &[f64]) -> Result<Vec<f64>, ModelError> {
        self.check_pars(pars)?;
        let ds = self.dataset(data)?;
        let n = self.n_pars();
        let mut h = vec![0.0; n * n];
        hessian_into(self, &ds, pars, &mut HessianScratch::default(), &mut h);
        Ok(h)
    }

    /// The gradient of `logpdf` with respect to the data vector (main counts, then
    /// auxdata), for differentiable analyses. Uses the continuous Poisson, so
    /// `d/dn [n ln nu - lgamma(n+1)] = ln nu - digamma(n+1)`.
    pub fn logpdf_data_grad(&self, pars: &[f64], data: &[f64]) -> Result<Vec<f64>, ModelError> {
        self.check_pars(pars)?;
        self.check_data(data)?;
        let mut s = Scratch::<f64>::new(self);
        eval::rates(self, pars, &mut s);
        let mut g = Vec::with_capacity(data.len());
        for (&nu, &n) in s.rates().iter().zip(&data[..self.n_main]) {
            g.push(nu.ln() - statrs::function::gamma::digamma(n + 1.0));
        }
        for (term, &a) in self.constraints.iter().zip(&data[self.n_main..]) {
            g.push(match term {
                ConstraintTerm::Gauss(t) => -(a - pars[t.param]) / (t.sigma * t.sigma),
                ConstraintTerm::Poisson(t) => {
                    (pars[t.param] * t.factor).ln() - statrs::function::gamma::digamma(a + 1.0)
                }
            });
        }
        Ok(g)
    }

    /// Expected main rates (channels in sorted order) and, if asked, the expected
    /// auxiliary data (Gaussian: the parameter; Poisson: parameter times factor), as pyhf's
    /// `model.expected_data(pars, include_auxdata)`.
    pub fn expected_data(
        &self,
        pars: &[f64],
        include_auxdata: bool,
    ) -> Result<Vec<f64>, ModelError> {
        self.check_pars(pars)?;
        let mut s = Scratch::<f64>::new(self);
        eval::rates(self, pars, &mut s);
        let mut out = s.rates().to_vec();
        if include_auxdata {
            out.extend(self.expected_auxdata_unchecked(pars));
        }
        Ok(out)
    }

    /// Expected auxiliary data at `pars`.
    pub fn expected_auxdata(&self, pars: &[f64]) -> Result<Vec<f64>, ModelError> {
        self.check_pars(pars)?;
        Ok(self.expected_auxdata_unchecked(pars).collect())
    }

    fn expected_auxdata_unchecked<'a>(&'a self, pars: &'a [f64]) -> impl Iterator<Item = f64> + 'a {
        self.constraints.iter().map(move |t| match t {
            ConstraintTerm::Gauss(g) => pars[g.param],
            ConstraintTerm::Poisson(p) => pars[p.param] * p.factor,
        })
    }

    /// Expected rates per sample: `(channel, sample, rates per bin)` in pyhf's order
    /// (channels sorted, samples sorted within each channel). Used for yield tables and
    /// plots.
    pub fn expected_by_sample(
        &self,
        pars: &[f64],
    ) -> Result<Vec<(String, String, Vec<f64>)>, ModelError> {
        self.check_pars(pars)?;
        let mut s = Scratch::<f64>::new(self);
        eval::rates(self, pars, &mut s);
        let out = eval::sample_rates(self, &s)
            .into_iter()
            .zip(&self.blocks)
            .map(|(r, blk)| {
                (
                    self.channels[blk.channel].name.clone(),
                    blk.sample.clone(),
                    r,
                )
            })
            .collect();
        Ok(out)
    }

    /// Checks that every sample rate and bin rate at `pars` is finite and not negative,
    /// naming the first channel, sample and bin at fault. pyhf returns NaN there instead;
    /// this says why.
    pub fn check_rates(&self, pars: &[f64]) -> Result<(), ModelError> {
        for (channel, sample, rates) in self.expected_by_sample(pars)? {
            for (j, r) in rates.iter().enumerate() {
                if !r.is_finite() || (*r < 0.0 && self.options.clip_sample.is_none()) {
                    return Err(ModelError::InvalidRate(format!(
                        "channel \"{channel}\", sample \"{sample}\", bin {j}: rate {r} at these parameters is {} (pyhf gives a NaN logpdf here; clip_sample/clip_bin options clip such rates)",
                        if r.is_finite() { "negative" } else { "not finite" }
                    )));
                }
            }
        }
        let total = self.expected_data(pars, false)?;
        for c in &self.channels {
            for j in 0..c.nbins {
                let r = total[c.offset + j];
                if !r.is_finite() || (r < 0.0 && self.options.clip_bin.is_none()) {
                    return Err(ModelError::InvalidRate(format!(
                        "channel \"{}\", bin {j}: total rate {r} is negative or not finite",
                        c.name
                    )));
                }
            }
        }
        Ok(())
    }
}

/// Below this many parameters the Hessian's dual passes run on the calling thread: handing
/// columns to other threads costs more than a few passes of a small model.
const PAR_HESSIAN_MIN_PARS: usize = 16;

/// Derivative lanes per Hessian pass (see [`lanes`]) on models of more than 4 parameters.
/// Measured with callgrind on 1Lbb (126 parameters): 104 M instructions per Hessian with 1
/// lane (`Dual64`), 46 M with 4, 36 M with 8.
pub(crate) const HESSIAN_LANES: usize = 8;

/// The dual scratches Hessian passes work in, one per parallel block of rows, with as
/// many lanes as the model needs: a 2-parameter model's Hessian in 8-lane passes spent
/// three quarters of its arithmetic, and a quarter of its fit, on unused lanes.
#[derive(Clone, Debug, Default)]
pub(crate) struct HessianScratch {
    two: Vec<Scratch<lanes::Lanes<2>>>,
    four: Vec<Scratch<lanes::Lanes<4>>>,
    eight: Vec<Scratch<lanes::Lanes<HESSIAN_LANES>>>,
}

/// Writes the exact Hessian of `logpdf` at `pars` into `h` (row-major, n×n): row `i` is
/// the derivative of the gradient along parameter `i` (column `i` of the symmetric
/// Hessian), 2, 4 or [`HESSIAN_LANES`] rows per dual pass. For larger models the rows are
/// split into contiguous blocks computed in parallel, one scratch per block (grown in
/// `scratch` on first use and reused after).
pub(crate) fn hessian_into(
    model: &Model,
    ds: &Dataset,
    pars: &[f64],
    scratch: &mut HessianScratch,
    h: &mut [f64],
) {
    match model.n_pars() {
        0 => {}
        1..=2 => hessian_in_lanes(model, ds, pars, &mut scratch.two, h),
        3..=4 => hessian_in_lanes(model, ds, pars, &mut scratch.four, h),
        _ => hessian_in_lanes(model, ds, pars, &mut scratch.eight, h),
    }
}

fn hessian_in_lanes<const L: usize>(
    model: &Model,
    ds: &Dataset,
    pars: &[f64],
    scratches: &mut Vec<Scratch<lanes::Lanes<L>>>,
    h: &mut [f64],
) {
    use kernels::scalar::Scalar;
    use lanes::Lanes;
    let n = model.n_pars();
    let blocks = if n >= PAR_HESSIAN_MIN_PARS {
        rayon::current_num_threads().min(n / (2 * L)).max(1)
    } else {
        1
    };
    while scratches.len() < blocks {
        scratches.push(Scratch::new(model));
    }
    // Whole passes per block, so no pass straddles two blocks.
    let rows = n.div_ceil(blocks).div_ceil(L) * L;
    let fill = |first: usize, block: &mut [f64], s: &mut Scratch<Lanes<L>>| {
        let mut g = vec![Lanes::<L>::cst(0.0); n];
        Lanes::<L>::passes(pars, first..first + block.len() / n, |dp, start, count| {
            g.fill(Lanes::cst(0.0));
            eval::logpdf(model, ds, dp, Some(&mut g), s);
            for k in 0..count {
                let r = start - first + k;
                for (hj, gj) in block[r * n..(r + 1) * n].iter_mut().zip(&g) {
                    *hj = gj.eps[k];
                }
            }
        });
    };
    if blocks == 1 {
        fill(0, &mut h[..n * n], &mut scratches[0]);
    } else {
        use rayon::prelude::*;
        h[..n * n]
            .par_chunks_mut(rows * n)
            .zip(scratches.par_iter_mut())
            .enumerate()
            .for_each(|(c, (block, s))| fill(c * rows, block, s));
    }
}

#[cfg(test)]
mod sparse_tests;
#[cfg(test)]
mod tests;
