//! The evaluation kernels: the likelihood's arithmetic over the compiled model's arrays,
//! written once, generic over the number type ([`scalar::Scalar`], with the kernels' own
//! demands in [`hooks::KernelScalar`]).
//!
//! - [`eval`]: rates, the Poisson and constraint terms, and the hand-written reverse-mode
//!   gradient, in one pass over the model's blocks;
//! - [`poisson`]: Poisson log-probabilities written so that no digits cancel at large
//!   counts;
//! - [`normsys`], [`histosys`], [`interp`], [`poly6`]: the modifiers' interpolation at a
//!   point, evaluated once per point for every block;
//! - number types: `f64` (the fast path), `Dual64` and [`lanes::Lanes`] (exact Hessian
//!   columns, dual numbers pushed through the gradient), and [`points::Points`] (bundles
//!   of grid points, one lane per point), with [`vlog`]'s vectorised logarithm.
//!
//! Run-time CPU-feature selection goes through [`crate::simd::dispatch`] only.

pub(crate) mod eval;
pub(crate) mod histosys;
pub(crate) mod hooks;
pub(crate) mod interp;
pub(crate) mod lanes;
pub(crate) mod normsys;
pub(crate) mod points;
pub(crate) mod poisson;
pub(crate) mod poly6;
pub(crate) mod scalar;
pub(crate) mod vlog;
