//! The Jacobian of the expected main rates with respect to the parameters, for propagating
//! a fit's covariance into yield uncertainties (`sigma_b^2 = (J C J^T)_bb`).
//!
//! Why dual numbers and not finite differences: the rates are piecewise polynomial and
//! exponential in the parameters (interpolation codes switch branches at |alpha| = 1), so a
//! finite-difference step straddling a branch point, or one that is too large for a narrow
//! staterror, biases the derivative; the forward pass is already written over
//! [`Scalar`](super::kernels::scalar::Scalar), so pushing dual numbers through it gives each column
//! exactly, [`HESSIAN_LANES`] columns per pass as for the Hessian.

use super::eval::{self, Scratch};
use super::kernels::lanes::Lanes;
use super::HESSIAN_LANES;
use crate::model::{Model, ModelError};

impl Model {
    /// `d nu_b / d theta_i` for every main bin `b` (channels in sorted order) and parameter
    /// `i`, row-major `n_main * n_pars`, exact (forward-mode dual numbers). Rates clipped by `clip_sample`/`clip_bin` have zero derivative there.
    ///
    /// ```
    /// use histfactory::model::simple::uncorrelated_background;
    /// let model = uncorrelated_background(&[5.0], &[10.0], &[3.5])?;
    /// // nu = mu * 5 + gamma * 10
    /// let j = model.expected_data_jacobian(&[1.0, 1.0])?;
    /// assert_eq!(j, vec![5.0, 10.0]);
    /// # Ok::<(), histfactory::Error>(())
    /// ```
    pub fn expected_data_jacobian(&self, pars: &[f64]) -> Result<Vec<f64>, ModelError> {
        self.check_pars(pars)?;
        let (nb, np) = (self.n_main(), self.n_pars());
        let mut jac = vec![0.0; nb * np];
        let mut s = Scratch::<Lanes<HESSIAN_LANES>>::new(self);
        Lanes::passes(pars, 0..np, |dp, first, count| {
            eval::rates(self, dp, &mut s);
            for (b, r) in s.rates().iter().enumerate() {
                jac[b * np + first..b * np + first + count].copy_from_slice(&r.eps[..count]);
            }
        });
        Ok(jac)
    }
}
