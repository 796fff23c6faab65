//! HistFactory binned likelihoods, read from pyhf JSON workspaces, evaluated exactly as
//! pyhf 0.7.6 evaluates them, with exact gradients, fits and inference.
//!
//! Data flow one way: [`spec`] (the workspace document) → [`model`] (compiled flat arrays in
//! pyhf's parameter order) → [`likelihood`] (logpdf, gradient, Hessian, batches) → [`fit`]
//! (maximum likelihood, on the [`optim`] minimiser, a leaf) → [`infer`] (test statistics, CLs, limits, scans) → [`report`]
//! (ranking, pulls, yields with bands, Brazil bands, scans: serialisable results that the
//! plot crate draws).
//!
//! Conventions a physicist will ask about:
//! - parameters follow pyhf's `par_order`/`par_names`;
//! - `logpdf` and `twice_nll` include every constant term (`lgamma(n+1)`, Gaussian
//!   normalisations), so numbers compare directly with pyhf's;
//! - default interpolation codes are pyhf 0.7.6's `Model` defaults: normsys `code4`,
//!   histosys `code4p`.
//!
//! ```
//! use histfactory::model::simple::uncorrelated_background;
//! let model = uncorrelated_background(&[5.0], &[10.0], &[3.5])?;
//! let data = model.data_with_auxdata(&[15.0])?;
//! let logpdf = model.logpdf(&model.suggested_init(), &data)?;
//! assert!((logpdf - -4.257482273702912).abs() < 1e-12);
//! # Ok::<(), histfactory::Error>(())
//! ```
#![deny(missing_docs)]

pub mod fit;
pub mod infer;
pub mod likelihood;
pub mod limits;
pub mod model;
pub mod optim;
pub mod report;
pub mod spec;

mod simd;

mod error;
pub use error::Error;
