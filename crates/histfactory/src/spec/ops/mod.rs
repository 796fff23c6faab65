//! pyhf 0.7.6's workspace operations (`pyhf.Workspace.prune`, `rename`, `combine`,
//! `sorted`) and RFC 6902 patching, on workspaces held as `serde_json::Value`.
//!
//! The operations work on the JSON value rather than on the typed [`Workspace`](crate::spec::Workspace) so that
//! everything not touched keeps its exact JSON form (integers stay integers, key sets stay
//! as they were): the result hashes to the same digest as pyhf's result. Every input is
//! validated first and every result is re-validated with
//! [`Workspace::from_value`](crate::spec::Workspace::from_value), as pyhf
//! does by constructing a new `Workspace`.
//!
//! One module per operation: `prune` and `rename` (sharing one walk over the workspace,
//! as pyhf's `_prune_and_rename`), `combine`, `sort` and `patch`. This module holds what
//! they share: the error type, fallible accessors on the JSON tree and Python's equality
//! ([`py_eq`]). Everything is re-exported here, so callers name `spec::ops::prune`.
//!
//! ```
//! use histfactory::spec::ops::{prune, PruneOptions};
//! let ws = serde_json::json!({
//!   "channels": [{"name": "sr", "samples": [
//!     {"name": "sig", "data": [5.0], "modifiers": [{"name": "mu", "type": "normfactor", "data": null}]},
//!     {"name": "bkg", "data": [50.0], "modifiers": []}]}],
//!   "observations": [{"name": "sr", "data": [52.0]}],
//!   "measurements": [{"name": "m", "config": {"poi": "mu", "parameters": []}}],
//!   "version": "1.0.0"});
//! let pruned = prune(&ws, &PruneOptions { samples: vec!["bkg".into()], ..Default::default() })?;
//! assert_eq!(pruned["channels"][0]["samples"].as_array().map(Vec::len), Some(1));
//! # Ok::<(), histfactory::spec::ops::OpsError>(())
//! ```

mod combine;
mod patch;
mod prune;
mod prune_and_rename;
mod rename;
mod sort;

pub use combine::{combine, CombineOptions, JoinMode};
pub use patch::apply_patches;
pub(crate) use patch::{apply_parsed, parse_patch};
pub use prune::{prune, PruneOptions};
pub use rename::{rename, RenameOptions};
pub use sort::sort;

use super::SpecError;
use serde_json::Value;
use std::collections::HashMap;

/// Why a workspace operation failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum OpsError {
    /// The operation cannot be carried out on these workspaces (pyhf's
    /// `InvalidWorkspaceOperation`); the message names the offending item.
    #[error("invalid workspace operation: {0}")]
    InvalidOperation(String),
    /// An input workspace, or the result of the operation, is not a valid workspace.
    #[error(transparent)]
    Spec(#[from] SpecError),
    /// A JSON patch is malformed or one of its operations failed.
    #[error("patch {index}{}: {message}", op_label(*operation, op.as_deref()))]
    Patch {
        /// Index of the patch in the list given.
        index: usize,
        /// Index of the failing operation within the patch, if known.
        operation: Option<usize>,
        /// The failing operation's `op` (`add`, `remove`, ...), if known.
        op: Option<String>,
        /// What went wrong, including the JSON pointer.
        message: String,
    },
}

fn op_label(operation: Option<usize>, op: Option<&str>) -> String {
    match (operation, op) {
        (Some(i), Some(op)) => format!(", operation {i} ({op})"),
        (Some(i), None) => format!(", operation {i}"),
        _ => String::new(),
    }
}

type R<T> = Result<T, OpsError>;

// ---------------------------------------------------------------------------------------
// Small fallible accessors: inputs are validated before use, but the operations never
// panic even if that ever changes.

fn shape(path: &str, what: &str) -> OpsError {
    OpsError::Spec(SpecError::Invalid {
        path: path.to_string(),
        message: format!("expected {what}"),
    })
}

fn arr_mut<'a>(v: &'a mut Value, key: &str, path: &str) -> R<&'a mut Vec<Value>> {
    v.get_mut(key)
        .and_then(Value::as_array_mut)
        .ok_or_else(|| shape(&format!("{path}.{key}"), "an array"))
}

fn arr<'a>(v: &'a Value, key: &str, path: &str) -> R<&'a Vec<Value>> {
    v.get(key)
        .and_then(Value::as_array)
        .ok_or_else(|| shape(&format!("{path}.{key}"), "an array"))
}

fn name_of(v: &Value) -> &str {
    v.get("name").and_then(Value::as_str).unwrap_or("")
}

fn type_of(v: &Value) -> &str {
    v.get("type").and_then(Value::as_str).unwrap_or("")
}

fn set_name(v: &mut Value, map: &HashMap<&str, &str>) {
    if let Some(obj) = v.as_object_mut() {
        let new = obj
            .get("name")
            .and_then(Value::as_str)
            .and_then(|n| map.get(n))
            .map(|n| n.to_string());
        if let Some(new) = new {
            obj.insert("name".into(), Value::String(new));
        }
    }
}

fn quoted<'a>(names: impl IntoIterator<Item = &'a str>) -> String {
    names
        .into_iter()
        .map(|n| format!("\"{n}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Python `==` on JSON values: like `Value`'s equality except that numbers compare by
/// value (`1 == 1.0` in Python, while `serde_json` keeps them apart). pyhf's `outer` join
/// deduplicates with this equality.
pub fn py_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_i64(), y.as_i64()) {
            (Some(i), Some(j)) => i == j,
            _ => match (x.as_u64(), y.as_u64()) {
                (Some(i), Some(j)) => i == j,
                _ => x.as_f64() == y.as_f64(),
            },
        },
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| py_eq(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| py_eq(v, w)))
        }
        _ => a == b,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests may panic on unexpected results
mod tests {
    use super::*;
    use serde_json::json;

    /// A one-channel workspace with a normfactor POI and a shapesys, with integer and
    /// float numbers mixed so that tests can check that untouched numbers keep their form.
    pub(super) fn small_workspace() -> Value {
        json!({
            "channels": [{"name": "sr", "samples": [
                {"name": "sig", "data": [5.0, 1], "modifiers": [
                    {"name": "mu", "type": "normfactor", "data": null}]},
                {"name": "bkg", "data": [50.0, 60.0], "modifiers": [
                    {"name": "unc", "type": "shapesys", "data": [5.0, 6.0]}]}]}],
            "observations": [{"name": "sr", "data": [52.0, 61]}],
            "measurements": [{"name": "m", "config": {"poi": "mu", "parameters": [
                {"name": "mu", "bounds": [[0, 10]]}]}}],
            "version": "1.0.0"
        })
    }

    #[test]
    fn py_eq_treats_int_and_float_alike() {
        assert!(py_eq(&json!({"a": [1, 2.0]}), &json!({"a": [1.0, 2]})));
        assert!(!py_eq(&json!({"a": [1]}), &json!({"a": [1.5]})));
        assert!(!py_eq(&json!({"a": 1}), &json!({"a": 1, "b": 2})));
        assert!(!py_eq(&json!("1"), &json!(1)));
    }
}
