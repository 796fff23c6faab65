//! `twice_nll = -2 log L` as an [`optim::Objective`](crate::optim::Objective): the model and a
//! prepared dataset with their scratch buffers, so fits evaluate without allocating.

use super::eval::{self, Dataset, Scratch};
use crate::model::{Model, ModelError};
use crate::optim::Objective;

/// pyhf's `twice_nll(pars, data, model)` with gradient and exact Hessian, ready for a
/// minimiser.
#[derive(Clone, Debug)]
pub struct TwiceNll<'m> {
    model: &'m Model,
    data: Dataset,
    scratch: Scratch<f64>,
    /// One dual-number scratch per parallel block of Hessian rows.
    dual: super::HessianScratch,
}

impl<'m> TwiceNll<'m> {
    /// The objective for `model` and `data` (main counts followed by auxdata).
    pub fn new(model: &'m Model, data: &[f64]) -> Result<Self, ModelError> {
        Ok(Self::from_dataset(model, model.dataset(data)?))
    }

    /// The objective for a dataset prepared earlier.
    pub fn from_dataset(model: &'m Model, data: Dataset) -> Self {
        TwiceNll {
            model,
            data,
            scratch: Scratch::new(model),
            dual: Default::default(),
        }
    }

    /// The model.
    pub fn model(&self) -> &'m Model {
        self.model
    }

    /// The prepared data.
    pub fn dataset(&self) -> &Dataset {
        &self.data
    }
}

impl Objective for TwiceNll<'_> {
    fn n_params(&self) -> usize {
        self.model.n_pars()
    }

    fn value(&mut self, x: &[f64]) -> f64 {
        -2.0 * eval::logpdf(self.model, &self.data, x, None, &mut self.scratch)
    }

    fn value_and_grad(&mut self, x: &[f64], grad: &mut [f64]) -> f64 {
        grad.iter_mut().for_each(|g| *g = 0.0);
        let v = eval::logpdf(self.model, &self.data, x, Some(grad), &mut self.scratch);
        grad.iter_mut().for_each(|g| *g *= -2.0);
        -2.0 * v
    }

    fn hessian(&mut self, x: &[f64], hess: &mut [f64]) {
        super::hessian_into(self.model, &self.data, x, &mut self.dual, hess);
        hess.iter_mut().for_each(|h| *h *= -2.0);
    }
}
