//! The compiled model (work in progress in this commit).

/// Errors of the model layer.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ModelError {
    /// Placeholder.
    #[error("{0}")]
    Invalid(String),
}
