//! Workspace validation and operations (`histfactory::spec::ops`) on JSON text, for
//! `histfactory.Workspace`: validate, prune, rename, sort, combine, patch, digest.

use crate::errors::{json_err, ops_err, spec_err, InvalidWorkspaceOperation};
use histfactory::spec::ops::{self, CombineOptions, JoinMode, PruneOptions, RenameOptions};
use histfactory::spec::{ModifierKind, Workspace};
use pyo3::prelude::*;
use serde_json::Value;

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(validate_workspace, m)?)?;
    m.add_function(wrap_pyfunction!(prune_workspace, m)?)?;
    m.add_function(wrap_pyfunction!(rename_workspace, m)?)?;
    m.add_function(wrap_pyfunction!(sort_workspace, m)?)?;
    m.add_function(wrap_pyfunction!(combine_workspaces, m)?)?;
    m.add_function(wrap_pyfunction!(digest, m)?)?;
    m.add_function(wrap_pyfunction!(apply_patches, m)?)?;
    Ok(())
}

fn parse(text: &str) -> PyResult<Value> {
    serde_json::from_str(text).map_err(json_err)
}

fn dump(value: &Value) -> String {
    value.to_string()
}

/// Checks workspace JSON text against the schema and the consistency rules; raises
/// `InvalidSpecification` naming the JSON path of the first problem.
#[pyfunction]
fn validate_workspace(py: Python<'_>, workspace_json: &str) -> PyResult<()> {
    let value = parse(workspace_json)?;
    py.allow_threads(|| Workspace::from_value(&value).map(drop))
        .map_err(spec_err)
}

/// pyhf's `Workspace.prune`: returns the pruned workspace as JSON text.
#[pyfunction]
#[pyo3(signature = (workspace_json, modifiers, modifier_types, samples, channels, measurements))]
fn prune_workspace(
    workspace_json: &str,
    modifiers: Vec<String>,
    modifier_types: Vec<String>,
    samples: Vec<String>,
    channels: Vec<String>,
    measurements: Vec<String>,
) -> PyResult<String> {
    let modifier_types = modifier_types
        .iter()
        .map(|t| {
            ModifierKind::from_name(t).ok_or_else(|| {
                InvalidWorkspaceOperation::new_err(format!(
                    "{t} is not one of the modifier types (histosys, lumi, normfactor, normsys, shapefactor, shapesys, staterror)"
                ))
            })
        })
        .collect::<PyResult<Vec<_>>>()?;
    let opts = PruneOptions {
        modifiers,
        modifier_types,
        samples,
        channels,
        measurements,
    };
    let out = ops::prune(&parse(workspace_json)?, &opts).map_err(ops_err)?;
    Ok(dump(&out))
}

/// pyhf's `Workspace.rename`: each argument is a list of `(old, new)` pairs.
#[pyfunction]
#[pyo3(signature = (workspace_json, modifiers, samples, channels, measurements))]
fn rename_workspace(
    workspace_json: &str,
    modifiers: Vec<(String, String)>,
    samples: Vec<(String, String)>,
    channels: Vec<(String, String)>,
    measurements: Vec<(String, String)>,
) -> PyResult<String> {
    let opts = RenameOptions {
        modifiers,
        samples,
        channels,
        measurements,
    };
    let out = ops::rename(&parse(workspace_json)?, &opts).map_err(ops_err)?;
    Ok(dump(&out))
}

/// pyhf's `Workspace.sorted`: channels, samples, modifiers and measurements by name.
#[pyfunction]
fn sort_workspace(workspace_json: &str) -> PyResult<String> {
    let out = ops::sort(&parse(workspace_json)?).map_err(ops_err)?;
    Ok(dump(&out))
}

/// pyhf's `Workspace.combine(left, right, join, merge_channels)`.
#[pyfunction]
#[pyo3(signature = (left_json, right_json, join="none", merge_channels=false))]
fn combine_workspaces(
    left_json: &str,
    right_json: &str,
    join: &str,
    merge_channels: bool,
) -> PyResult<String> {
    let join: JoinMode = join.parse().map_err(ops_err)?;
    let opts = CombineOptions {
        join,
        merge_channels,
    };
    let out = ops::combine(&parse(left_json)?, &parse(right_json)?, &opts).map_err(ops_err)?;
    Ok(dump(&out))
}

/// pyhf's `utils.digest(obj, algorithm)`: the hex digest of the canonical JSON of `obj`.
#[pyfunction]
#[pyo3(signature = (json_text, algorithm="sha256"))]
fn digest(json_text: &str, algorithm: &str) -> PyResult<String> {
    histfactory::spec::digest::digest_named(&parse(json_text)?, algorithm)
        .map_err(|e| pyo3::exceptions::PyValueError::new_err(e.to_string()))
}

/// Applies RFC 6902 patches (a JSON list of operation lists) in order to any JSON
/// document, as `jsonpatch`; raises `InvalidWorkspaceOperation` naming the patch and
/// operation that failed.
#[pyfunction]
fn apply_patches(document_json: &str, patches_json: &str) -> PyResult<String> {
    let patches: Vec<Value> = serde_json::from_str(patches_json).map_err(json_err)?;
    let out = ops::apply_patches(&parse(document_json)?, &patches).map_err(ops_err)?;
    Ok(dump(&out))
}
