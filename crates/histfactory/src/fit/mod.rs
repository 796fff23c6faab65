//! Maximum-likelihood fits of a [`Model`](crate::model::Model): pyhf's `mle.fit` and
//! `mle.fixed_poi_fit`, done to a true minimum, with uncertainties and correlations from
//! the exact Hessian.
//!
//! The minimiser itself lives in [`crate::optim`] and knows nothing of channels; this
//! layer runs it on the model's `twice_nll` and adds what a physicist's fit needs:
//! - [`options`]: defaults from the model (pyhf's suggested init, bounds, fixed) and
//!   their validation;
//! - `descent`: one descent from a starting point, with a quasi-Newton finish where
//!   Newton stalls, and `kinks`: parameters held at an interpolation kink;
//! - `global`: restarts from other starting points, looking for the global minimum
//!   (with `basin`: recognising a restart that is descending into a known minimum);
//! - `memory`: from 257 parameters, a fit holds one dense
//!   matrix at a time;
//! - [`result`]: the [`FitResult`] and its [`FitStatus`].
//!
//! Local minima: HistFactory likelihoods with additive histosys terms can have more than
//! one minimum (pyhf's own fit of its validation case `2bin_2channel_coupledhistosys` stops
//! at twice_nll 30.80 where 29.33 exists). When the model has histosys parameters, every
//! fit is followed by at most two restarts from principled starting points — the first
//! minimum with the constrained nuisance parameters mirrored (the other side of the
//! interpolation kink at alpha = 0), and, for free fits, the first minimum with the POI at
//! its lower end (where the mu = 0 fixed fit lives) — and the lowest converged minimum wins.
//! The restarts are reported in [`FitResult::restarts`]; they cost at most two more
//! minimisations, and usually much less: a restart is stopped as soon as its value and
//! gradient show it descending into the first minimum's quadratic basin (module `basin`).
//!
//! ```
//! use histfactory::fit::{fit, FitOptions};
//! use histfactory::model::simple::uncorrelated_background;
//! let model = uncorrelated_background(&[5.0], &[10.0], &[3.5])?;
//! let data = model.data_with_auxdata(&[15.0])?;
//! let result = fit(&model, &data, &FitOptions::default())?;
//! assert!(result.converged);
//! assert!((result.twice_nll - 8.514964547405835).abs() < 1e-8);
//! # Ok::<(), histfactory::Error>(())
//! ```

mod basin;
mod descent;
mod global;
mod kinks;
mod memory;
pub mod options;
pub mod result;

pub use options::FitOptions;
pub use result::{FitResult, FitStatus, Restart};

use crate::likelihood::TwiceNll;
use crate::model::Model;
use crate::optim::OptimError;

/// Errors of the fit layer.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum FitError {
    /// The inputs to a fit are inconsistent (lengths, bounds, initial values).
    #[error("{0}")]
    InvalidInput(String),
    /// The minimiser rejected its inputs (lengths, bounds, initial values).
    #[error(transparent)]
    Optim(#[from] OptimError),
    /// The fit's dense matrices (`n * n` Hessian, covariance) would exceed the memory
    /// limit ([`crate::limits::MAX_MEMORY_ENV`]); checked before any is allocated.
    #[error(transparent)]
    TooLarge(Box<crate::limits::LimitError>),
}

/// The free fit (pyhf's `mle.fit`).
pub fn fit(model: &Model, data: &[f64], opts: &FitOptions) -> Result<FitResult, FitError> {
    run(model, data, opts, None)
}

/// The fit with the POI fixed at `poi_value` (pyhf's `mle.fixed_poi_fit`).
pub fn fixed_poi_fit(
    model: &Model,
    data: &[f64],
    poi_value: f64,
    opts: &FitOptions,
) -> Result<FitResult, FitError> {
    run(model, data, opts, Some((poi_index(model)?, poi_value)))
}

/// [`fixed_poi_fit`] on an objective built earlier for `data` (many fits of one data set
/// share its prepared data and buffers), that also returns the Hessian of twice_nll at the
/// minimum (full `n * n`, row-major; empty if it was not evaluated): the initial Hessian of
/// the next fit of a scan over the POI, which then starts with Newton steps.
pub(crate) fn fixed_poi_fit_on<'m>(
    obj: &mut TwiceNll<'m>,
    data: &[f64],
    poi_value: f64,
    opts: &FitOptions,
) -> Result<(FitResult, Vec<f64>), FitError> {
    let model = obj.model();
    let fix_poi = Some((poi_index(model)?, poi_value));
    global::run(model, data, opts, fix_poi, true, Some(obj))
}

/// [`fit`] on an objective built earlier for `data` (see [`fixed_poi_fit_on`]).
pub(crate) fn fit_on<'m>(
    obj: &mut TwiceNll<'m>,
    data: &[f64],
    opts: &FitOptions,
) -> Result<FitResult, FitError> {
    global::run(obj.model(), data, opts, None, false, Some(obj)).map(|(r, _)| r)
}

fn poi_index(model: &Model) -> Result<usize, FitError> {
    model.poi_index().ok_or_else(|| {
        FitError::InvalidInput(
            "fixed_poi_fit needs a model with a POI (built with --no-poi?)".into(),
        )
    })
}

/// A fit on an objective of its own.
fn run(
    model: &Model,
    data: &[f64],
    opts: &FitOptions,
    fix_poi: Option<(usize, f64)>,
) -> Result<FitResult, FitError> {
    global::run(model, data, opts, fix_poi, false, None).map(|(r, _)| r)
}

// Boxed: a limit's message fields would otherwise make every `Result` of this layer large.
impl From<crate::limits::LimitError> for FitError {
    fn from(e: crate::limits::LimitError) -> Self {
        FitError::TooLarge(Box::new(e))
    }
}
