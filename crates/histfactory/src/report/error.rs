//! The report layer's error: what was asked wrongly, or which fit, test or evaluation
//! behind a report failed.

use crate::fit::FitError;
use crate::infer::InferError;
use crate::model::ModelError;

/// Errors from computing a report.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReportError {
    /// A parameter name that the model does not have.
    #[error("no parameter named \"{name}\" in the model (parameters: {known})")]
    UnknownParameter {
        /// The name asked for.
        name: String,
        /// A few of the model's parameter names, for the message.
        known: String,
    },
    /// A channel name that the model does not have.
    #[error("no channel named \"{name}\" in the model (channels: {known})")]
    UnknownChannel {
        /// The name asked for.
        name: String,
        /// The model's channel names.
        known: String,
    },
    /// The report needs a parameter of interest and the model has none.
    #[error("{0} needs a model with a parameter of interest (built with --no-poi?)")]
    NoPoi(&'static str),
    /// A grid or scan above its maximum size, or above the memory limit
    /// ([`crate::limits`]); checked before anything is allocated.
    #[error(transparent)]
    TooLarge(Box<crate::limits::LimitError>),
    /// An option is out of range or inconsistent.
    #[error("{0}")]
    InvalidOption(String),
    /// The fit result does not belong to this model.
    #[error("the fit result has {got} parameters, the model has {expected}")]
    FitMismatch {
        /// The model's number of parameters.
        expected: usize,
        /// The fit result's number of parameters.
        got: usize,
    },
    /// The model could not be evaluated.
    #[error("{context}: {source}")]
    Model {
        /// Which evaluation (for example "gradient map: logpdf grid").
        context: String,
        /// The model's error.
        source: ModelError,
    },
    /// A fit could not be carried out.
    #[error("{context}: {source}")]
    Fit {
        /// Which fit (for example "ranking: fit with alpha_jes fixed at 1.2").
        context: String,
        /// The fit's error.
        source: FitError,
    },
    /// A hypothesis test, limit search or scan failed.
    #[error("{context}: {source}")]
    Infer {
        /// Which step (for example "Brazil band: upper-limit search").
        context: String,
        /// The inference layer's error.
        source: InferError,
    },
}

impl ReportError {
    /// Wraps a model error with what was being evaluated.
    pub(crate) fn model(context: impl Into<String>) -> impl FnOnce(ModelError) -> Self {
        let context = context.into();
        move |source| ReportError::Model { context, source }
    }

    /// Wraps an inference error with the step that failed.
    pub(crate) fn infer(context: impl Into<String>) -> impl FnOnce(InferError) -> Self {
        let context = context.into();
        move |source| ReportError::Infer { context, source }
    }
}

// Boxed: a limit's message fields would otherwise make every `Result` of this layer large.
impl From<crate::limits::LimitError> for ReportError {
    fn from(e: crate::limits::LimitError) -> Self {
        ReportError::TooLarge(Box::new(e))
    }
}
