//! RFC 6902 JSON patches (the `json_patch` crate), with errors that name the patch, the
//! operation and its `op`.

use super::OpsError;
use serde_json::Value;

type R<T> = Result<T, OpsError>;

/// Applies RFC 6902 JSON patches in order (each patch is a JSON array of operations) and
/// returns the patched document. Each patch applies atomically.
///
/// Errors name the patch (its index in `patches`), the operation and its `op`. The result
/// is not validated here: a patch may legitimately target a non-workspace document (pyhf
/// patches model specs too); call
/// [`Workspace::from_value`](crate::spec::Workspace::from_value) on it when it should be a
/// workspace.
pub fn apply_patches(value: &Value, patches: &[Value]) -> R<Value> {
    let mut doc = value.clone();
    for (index, p) in patches.iter().enumerate() {
        apply_one(&mut doc, p, index)?;
    }
    Ok(doc)
}

/// Parses one patch document (an array of operations), naming the operation that is
/// malformed.
pub(crate) fn parse_patch(p: &Value, index: usize) -> R<json_patch::Patch> {
    let ops = p.as_array().ok_or_else(|| OpsError::Patch {
        index,
        operation: None,
        op: None,
        message: "a JSON patch must be an array of operations".into(),
    })?;
    let mut parsed = Vec::with_capacity(ops.len());
    for (i, op) in ops.iter().enumerate() {
        let one: json_patch::PatchOperation =
            serde_json::from_value(op.clone()).map_err(|e| OpsError::Patch {
                index,
                operation: Some(i),
                op: op.get("op").and_then(Value::as_str).map(str::to_owned),
                message: format!("malformed operation: {e}"),
            })?;
        parsed.push(one);
    }
    Ok(json_patch::Patch(parsed))
}

fn op_name(op: &json_patch::PatchOperation) -> &'static str {
    match op {
        json_patch::PatchOperation::Add(_) => "add",
        json_patch::PatchOperation::Remove(_) => "remove",
        json_patch::PatchOperation::Replace(_) => "replace",
        json_patch::PatchOperation::Move(_) => "move",
        json_patch::PatchOperation::Copy(_) => "copy",
        json_patch::PatchOperation::Test(_) => "test",
    }
}

/// Applies an already parsed patch; `index` only labels errors.
pub(crate) fn apply_parsed(doc: &mut Value, patch: &json_patch::Patch, index: usize) -> R<()> {
    json_patch::patch(doc, &patch.0).map_err(|e| OpsError::Patch {
        index,
        operation: Some(e.operation),
        op: patch.0.get(e.operation).map(|o| op_name(o).to_string()),
        message: format!("at path \"{}\": {}", e.path, e.kind),
    })
}

fn apply_one(doc: &mut Value, p: &Value, index: usize) -> R<()> {
    let patch = parse_patch(p, index)?;
    apply_parsed(doc, &patch, index)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests may panic on unexpected results
mod tests {
    use super::*;
    use crate::spec::ops::tests::small_workspace as ws;
    use serde_json::json;

    #[test]
    fn patch_errors_name_patch_and_operation() {
        let patches = vec![
            json!([{"op": "add", "path": "/version2", "value": 1}]),
            json!([
                {"op": "test", "path": "/version", "value": "1.0.0"},
                {"op": "remove", "path": "/channels/7"}
            ]),
        ];
        let err = apply_patches(&ws(), &patches).unwrap_err();
        match &err {
            OpsError::Patch {
                index,
                operation,
                op,
                ..
            } => {
                assert_eq!(*index, 1);
                assert_eq!(*operation, Some(1));
                assert_eq!(op.as_deref(), Some("remove"));
            }
            other => panic!("unexpected {other:?}"),
        }
        let msg = err.to_string();
        assert!(
            msg.contains("patch 1") && msg.contains("/channels/7"),
            "{msg}"
        );

        let bad = apply_patches(&ws(), &[json!([{"op": "frobnicate", "path": "/x"}])])
            .unwrap_err()
            .to_string();
        assert!(
            bad.contains("patch 0") && bad.contains("frobnicate"),
            "{bad}"
        );
    }
}
