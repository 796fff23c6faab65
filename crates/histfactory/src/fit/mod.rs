//! Maximum-likelihood fits.
//!
//! The minimiser knows nothing of channels: it works on any [`Objective`], a function with
//! its gradient and Hessian. The model's `twice_nll` implements it in the likelihood layer.

mod basin;
pub mod minimizer;
mod model_fit;

pub use model_fit::{fit, fixed_poi_fit, FitOptions, FitResult, Restart};
pub(crate) use model_fit::{fit_on, fixed_poi_fit_on};

/// Errors of the fit layer.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum FitError {
    /// The inputs to a fit are inconsistent (lengths, bounds, initial values).
    #[error("{0}")]
    InvalidInput(String),
    /// An input vector's length differs from the objective's number of parameters.
    #[error("{what} has length {got}, the objective has {expected} parameters")]
    LengthMismatch {
        /// Which input (`"x0"`, `"lo"`, `"hi"`, `"fixed"`).
        what: &'static str,
        /// The objective's number of parameters.
        expected: usize,
        /// The input's length.
        got: usize,
    },
    /// A lower bound exceeds its upper bound (or a bound is NaN).
    #[error("parameter {index}: invalid bounds [{lo}, {hi}]")]
    InvalidBounds {
        /// Parameter index.
        index: usize,
        /// Lower bound.
        lo: f64,
        /// Upper bound.
        hi: f64,
    },
    /// An initial value lies outside its bounds or is not finite (pyhf raises `ValueError`).
    #[error("parameter {index}: initial value {value} outside bounds [{lo}, {hi}]")]
    InitOutsideBounds {
        /// Parameter index.
        index: usize,
        /// Initial value.
        value: f64,
        /// Lower bound.
        lo: f64,
        /// Upper bound.
        hi: f64,
    },
}

/// A smooth function to minimise, with its exact gradient and Hessian.
///
/// Methods take `&mut self` so that implementations can own scratch buffers and evaluate
/// without allocating.
pub trait Objective {
    /// Number of parameters.
    fn n_params(&self) -> usize;
    /// The function value at `x` (may be NaN or infinite where undefined).
    fn value(&mut self, x: &[f64]) -> f64;
    /// The value at `x`, writing the gradient into `grad` (length `n_params`).
    fn value_and_grad(&mut self, x: &[f64], grad: &mut [f64]) -> f64;
    /// The Hessian at `x`, row-major, `n_params * n_params` entries written into `hess`.
    fn hessian(&mut self, x: &[f64], hess: &mut [f64]);
}
