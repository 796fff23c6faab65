//! The Python exceptions that Rust errors become, named as pyhf's where pyhf has one.
//!
//! Every exception carries the library's message unchanged, so the JSON path, channel,
//! sample, modifier or bin that the library names reaches the user.

use histfactory::model::ModelError;
use histfactory::spec::ops::OpsError;
use histfactory::spec::SpecError;
use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;

create_exception!(
    histfactory.exceptions,
    HistFactoryError,
    PyException,
    "Base class of every error the histfactory engine raises."
);
create_exception!(
    histfactory.exceptions,
    InvalidSpecification,
    HistFactoryError,
    "A workspace or model specification is not valid; the message names the JSON path."
);
create_exception!(
    histfactory.exceptions,
    InvalidModel,
    HistFactoryError,
    "A specification is valid JSON but cannot become a model (parameters, POI, rates)."
);
create_exception!(
    histfactory.exceptions,
    InvalidMeasurement,
    HistFactoryError,
    "The requested measurement does not exist in the workspace."
);
create_exception!(
    histfactory.exceptions,
    InvalidWorkspaceOperation,
    HistFactoryError,
    "A workspace operation (prune, rename, combine, patch) cannot be carried out."
);
create_exception!(
    histfactory.exceptions,
    InvalidPatchSet,
    HistFactoryError,
    "A patchset is not valid or has no patch for the requested key."
);
create_exception!(
    histfactory.exceptions,
    InvalidPdfParameters,
    HistFactoryError,
    "A parameter vector has the wrong length for the model."
);
create_exception!(
    histfactory.exceptions,
    InvalidPdfData,
    HistFactoryError,
    "A data vector has the wrong length for the model."
);
create_exception!(
    histfactory.exceptions,
    InvalidInterpCode,
    HistFactoryError,
    "An interpolation code in modifier_settings is not one the model knows."
);

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("HistFactoryError", py.get_type::<HistFactoryError>())?;
    m.add(
        "InvalidSpecification",
        py.get_type::<InvalidSpecification>(),
    )?;
    m.add("InvalidModel", py.get_type::<InvalidModel>())?;
    m.add("InvalidMeasurement", py.get_type::<InvalidMeasurement>())?;
    m.add(
        "InvalidWorkspaceOperation",
        py.get_type::<InvalidWorkspaceOperation>(),
    )?;
    m.add("InvalidPatchSet", py.get_type::<InvalidPatchSet>())?;
    m.add(
        "InvalidPdfParameters",
        py.get_type::<InvalidPdfParameters>(),
    )?;
    m.add("InvalidPdfData", py.get_type::<InvalidPdfData>())?;
    m.add("InvalidInterpCode", py.get_type::<InvalidInterpCode>())?;
    Ok(())
}

/// A workspace-layer error as the exception pyhf raises for it.
pub(crate) fn spec_err(e: SpecError) -> PyErr {
    match e {
        SpecError::UnknownMeasurement { .. } => InvalidMeasurement::new_err(e.to_string()),
        SpecError::Patch { .. } => InvalidWorkspaceOperation::new_err(e.to_string()),
        _ => InvalidSpecification::new_err(e.to_string()),
    }
}

/// A model-layer error: shape errors of inputs as pyhf's `InvalidPdfParameters` /
/// `InvalidPdfData`, a bad document as `InvalidSpecification`, the rest `InvalidModel`.
pub(crate) fn model_err(e: ModelError) -> PyErr {
    match e {
        ModelError::Spec(s) => spec_err(s),
        ModelError::Length { what, .. } if what.starts_with("parameters") => {
            InvalidPdfParameters::new_err(e.to_string())
        }
        ModelError::Length { what, .. } if what.contains("data") => {
            InvalidPdfData::new_err(e.to_string())
        }
        _ => InvalidModel::new_err(e.to_string()),
    }
}

/// A workspace operation's error.
pub(crate) fn ops_err(e: OpsError) -> PyErr {
    match e {
        OpsError::Spec(s) => spec_err(s),
        _ => InvalidWorkspaceOperation::new_err(e.to_string()),
    }
}

/// Text that is not JSON (it came from `json.dumps`, so this means a non-finite number).
pub(crate) fn json_err(e: serde_json::Error) -> PyErr {
    InvalidSpecification::new_err(format!("not valid JSON: {e}"))
}
