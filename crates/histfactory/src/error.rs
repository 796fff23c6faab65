//! The crate-wide error: one variant per layer, each layer owning its own enum.

/// Any error this crate returns.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The workspace document is malformed or inconsistent.
    #[error(transparent)]
    Spec(#[from] crate::spec::SpecError),
    /// The model cannot be built or evaluated as asked.
    #[error(transparent)]
    Model(#[from] crate::model::ModelError),
    /// A fit could not be carried out.
    #[error(transparent)]
    Fit(#[from] crate::fit::FitError),
    /// An inference step (hypothesis test, limit, scan) failed.
    #[error(transparent)]
    Infer(#[from] crate::infer::InferError),
    /// A report (ranking, pulls, yields, Brazil band, scan, ...) could not be computed.
    #[error(transparent)]
    Report(#[from] crate::report::ReportError),
}
