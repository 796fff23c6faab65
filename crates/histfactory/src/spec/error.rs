//! Errors of the workspace layer. Every message names the JSON path it is about.

/// A workspace that cannot be read or is not valid.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum SpecError {
    /// The file could not be read.
    #[error("cannot read {path}: {message}")]
    Io {
        /// File path.
        path: String,
        /// What the OS said.
        message: String,
    },
    /// The text is not JSON.
    #[error("not valid JSON: {0}")]
    Json(String),
    /// A value has the wrong type or shape.
    #[error("{path}: {message}")]
    Invalid {
        /// JSON path, for example `channels[1].samples[0].modifiers[2].data.hi_data`.
        path: String,
        /// What was expected and what was found.
        message: String,
    },
    /// A measurement name that the workspace does not have.
    #[error("no measurement named \"{name}\" (the workspace has: {})", available.join(", "))]
    UnknownMeasurement {
        /// The requested name.
        name: String,
        /// The names present.
        available: Vec<String>,
    },
    /// A compressed document inflates beyond [`crate::limits::MAX_INPUT_ENV`].
    #[error(transparent)]
    TooLarge(Box<crate::limits::LimitError>),
    /// A JSON patch could not be applied.
    #[error("patch {index}: {message}")]
    Patch {
        /// Index of the patch (in the order given).
        index: usize,
        /// What went wrong.
        message: String,
    },
}

impl SpecError {
    pub(crate) fn invalid(path: impl Into<String>, message: impl Into<String>) -> Self {
        SpecError::Invalid {
            path: path.into(),
            message: message.into(),
        }
    }
}

// Boxed: a limit's message fields would otherwise make every `Result` of this layer large.
impl From<crate::limits::LimitError> for SpecError {
    fn from(e: crate::limits::LimitError) -> Self {
        SpecError::TooLarge(Box::new(e))
    }
}
