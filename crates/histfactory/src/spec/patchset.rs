//! pyhf patchsets (`pyhf.PatchSet`, schema `patchset.json` 1.0.0): a set of named JSON
//! patches, each turning a published background-only workspace into one signal hypothesis,
//! with the digest of the background-only workspace they were made for.
//!
//! Validation follows the schema and pyhf's extra checks: required metadata (`description`,
//! `digests`, `labels`, `references`), label and patch-name pattern `^[a-zA-Z0-9_]+$`,
//! `sha256`/`md5` digest formats, HEPData reference `ins` + 7 digits, at least one patch,
//! unique patch names, unique value tuples, and as many values per patch as labels. Every
//! error names the JSON path.
//!
//! ```
//! use histfactory::spec::patchset::{PatchKey, PatchSet};
//! let ps = PatchSet::from_value(&serde_json::json!({
//!   "metadata": {"description": "d", "digests": {"sha256": "a38f6093800189b79bc22ef677baf90c75705af2cfc7ff594159eca54eaa7928"},
//!                "labels": ["m"], "references": {"hepdata": "ins1234567"}},
//!   "patches": [{"metadata": {"name": "p_500", "values": [500]},
//!                "patch": [{"op": "replace", "path": "/c", "value": 5.0}]}],
//!   "version": "1.0.0"}))?;
//! let patched = ps.apply_unchecked(&serde_json::json!({"a": 2.0, "b": 3.0, "c": 1.0}), &PatchKey::from("p_500"))?;
//! assert_eq!(patched["c"], 5.0);
//! # Ok::<(), histfactory::spec::patchset::PatchSetError>(())
//! ```

use super::digest::{digest, DigestAlgorithm, DigestError};
use super::ops::{self, py_eq, OpsError};
use super::parse::kind_of;
use super::{SpecError, Workspace};
use serde_json::{Map, Value};
use std::path::Path;

/// Why a patchset cannot be read, verified or applied.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum PatchSetError {
    /// The patchset document is not valid (pyhf's schema validation or `InvalidPatchSet`).
    #[error("invalid patchset: {path}: {message}")]
    Invalid {
        /// JSON path, for example `patches[3].metadata.name`.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// No patch has this name or these values (pyhf's `InvalidPatchLookup`).
    #[error("no patch associated with {0} is defined in the patchset")]
    UnknownPatch(String),
    /// The workspace's digest differs from the patchset's (pyhf's
    /// `PatchSetVerificationError`).
    #[error(
        "the digest verification failed for hash algorithm '{algorithm}': expected {expected}, got {got}"
    )]
    Verification {
        /// The hash algorithm.
        algorithm: String,
        /// The digest listed in the patchset.
        expected: String,
        /// The digest of the workspace given.
        got: String,
    },
    /// A digest algorithm listed in the patchset cannot be computed here.
    #[error("cannot verify the patchset: {0}")]
    Digest(#[from] DigestError),
    /// A patch failed to apply.
    #[error("patch \"{name}\": {source}")]
    Apply {
        /// The patch's name.
        name: String,
        /// What failed.
        source: OpsError,
    },
    /// The file could not be read, or the patched result is not a valid workspace.
    #[error(transparent)]
    Spec(#[from] SpecError),
}

type R<T> = Result<T, PatchSetError>;

fn invalid(path: impl Into<String>, message: impl Into<String>) -> PatchSetError {
    PatchSetError::Invalid {
        path: path.into(),
        message: message.into(),
    }
}

/// One patch of a patchset: its metadata and its JSON patch operations.
#[derive(Clone, Debug, PartialEq)]
pub struct Patch {
    /// The patch name (`^[a-zA-Z0-9_]+$`).
    pub name: String,
    /// The coordinates of this patch, one per patchset label (numbers or strings).
    pub values: Vec<Value>,
    /// The whole patch metadata, including keys beyond `name` and `values`.
    pub metadata: Map<String, Value>,
    /// The RFC 6902 operations, as in the document.
    pub operations: Value,
    parsed: json_patch::Patch,
}

impl Patch {
    /// Applies this patch to `doc` (no digest check, no validation of the result).
    pub fn apply_to(&self, doc: &Value) -> R<Value> {
        let mut out = doc.clone();
        ops::apply_parsed(&mut out, &self.parsed, 0).map_err(|source| PatchSetError::Apply {
            name: self.name.clone(),
            source,
        })?;
        Ok(out)
    }
}

/// How to look a patch up: by name or by its value tuple.
#[derive(Clone, Debug, PartialEq)]
pub enum PatchKey {
    /// The patch name.
    Name(String),
    /// The values, one per label; numbers compare by value (`700` matches `700.0`).
    Values(Vec<Value>),
}

impl From<&str> for PatchKey {
    fn from(s: &str) -> Self {
        PatchKey::Name(s.to_string())
    }
}

impl std::fmt::Display for PatchKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PatchKey::Name(n) => write!(f, "\"{n}\""),
            PatchKey::Values(v) => write!(f, "values {}", Value::Array(v.clone())),
        }
    }
}

/// A validated patchset.
#[derive(Clone, Debug, PartialEq)]
pub struct PatchSet {
    /// The whole metadata object, including keys beyond the four required ones.
    pub metadata: Map<String, Value>,
    /// `metadata.description`.
    pub description: String,
    /// `metadata.digests`: `(algorithm, hex digest)` of the background-only workspace.
    pub digests: Vec<(String, String)>,
    /// `metadata.labels`: names of the coordinates of the patches.
    pub labels: Vec<String>,
    /// `metadata.references` (for example `{"hepdata": "ins1755298"}`).
    pub references: Map<String, Value>,
    /// The patches, in document order.
    pub patches: Vec<Patch>,
    /// The schema version, `"1.0.0"`.
    pub version: String,
}

fn is_name(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

fn obj<'a>(v: &'a Value, path: &str) -> R<&'a Map<String, Value>> {
    v.as_object()
        .ok_or_else(|| invalid(path, format!("expected an object, found {}", kind_of(v))))
}

fn req<'a>(o: &'a Map<String, Value>, key: &str, path: &str) -> R<&'a Value> {
    o.get(key)
        .ok_or_else(|| invalid(path, format!("missing required key \"{key}\"")))
}

fn string<'a>(v: &'a Value, path: &str) -> R<&'a str> {
    v.as_str()
        .ok_or_else(|| invalid(path, format!("expected a string, found {}", kind_of(v))))
}

fn only_keys(o: &Map<String, Value>, allowed: &[&str], path: &str) -> R<()> {
    match o.keys().find(|k| !allowed.contains(&k.as_str())) {
        Some(k) => Err(invalid(
            path,
            format!("unexpected key \"{k}\" (allowed: {})", allowed.join(", ")),
        )),
        None => Ok(()),
    }
}

fn is_hex(s: &str, len: usize, upper_ok: bool) -> bool {
    s.len() == len
        && s.bytes().all(|b| {
            b.is_ascii_digit()
                || (b'a'..=b'f').contains(&b)
                || (upper_ok && (b'A'..=b'F').contains(&b))
        })
}

/// The validated `metadata` of a patchset.
struct Metadata {
    all: Map<String, Value>,
    description: String,
    digests: Vec<(String, String)>,
    labels: Vec<String>,
    references: Map<String, Value>,
}

fn parse_metadata(v: &Value) -> R<Metadata> {
    let path = "metadata";
    let m = obj(v, path)?;

    let refs_v = req(m, "references", path)?;
    let refs = obj(refs_v, "metadata.references")?;
    only_keys(refs, &["hepdata"], "metadata.references")?;
    if refs.is_empty() {
        return Err(invalid(
            "metadata.references",
            "expected at least one reference",
        ));
    }
    if let Some(h) = refs.get("hepdata") {
        let h = string(h, "metadata.references.hepdata")?;
        let ok =
            h.len() == 10 && h.starts_with("ins") && h[3..].bytes().all(|b| b.is_ascii_digit());
        if !ok {
            return Err(invalid(
                "metadata.references.hepdata",
                format!("expected \"ins\" followed by 7 digits, found \"{h}\""),
            ));
        }
    }

    let dig = obj(req(m, "digests", path)?, "metadata.digests")?;
    only_keys(dig, &["md5", "sha256"], "metadata.digests")?;
    if dig.is_empty() {
        return Err(invalid("metadata.digests", "expected at least one digest"));
    }
    let mut digests = Vec::new();
    for (alg, d) in dig {
        let dpath = format!("metadata.digests.{alg}");
        let d = string(d, &dpath)?;
        // The schema's patterns: md5 lower-case only, sha256 either case.
        let ok = match alg.as_str() {
            "md5" => is_hex(d, 32, false),
            _ => is_hex(d, 64, true),
        };
        if !ok {
            return Err(invalid(
                &dpath,
                format!("\"{d}\" is not a valid {alg} hex digest"),
            ));
        }
        digests.push((alg.clone(), d.to_string()));
    }

    let labels_v = req(m, "labels", path)?;
    let labels_a = labels_v.as_array().ok_or_else(|| {
        invalid(
            "metadata.labels",
            format!("expected an array, found {}", kind_of(labels_v)),
        )
    })?;
    if labels_a.is_empty() {
        return Err(invalid("metadata.labels", "expected at least one label"));
    }
    let mut labels = Vec::with_capacity(labels_a.len());
    for (i, l) in labels_a.iter().enumerate() {
        let lpath = format!("metadata.labels[{i}]");
        let l = string(l, &lpath)?;
        if !is_name(l) {
            return Err(invalid(
                lpath,
                format!("label \"{l}\" does not match ^[a-zA-Z0-9_]+$"),
            ));
        }
        labels.push(l.to_string());
    }

    let description = string(req(m, "description", path)?, "metadata.description")?.to_string();
    Ok(Metadata {
        all: m.clone(),
        description,
        digests,
        labels,
        references: refs.clone(),
    })
}

fn parse_patch(v: &Value, i: usize) -> R<Patch> {
    let path = format!("patches[{i}]");
    let o = obj(v, &path)?;
    only_keys(o, &["metadata", "patch"], &path)?;
    let mpath = format!("{path}.metadata");
    let md = obj(req(o, "metadata", &path)?, &mpath)?;
    let name = string(req(md, "name", &mpath)?, &format!("{mpath}.name"))?;
    if !is_name(name) {
        return Err(invalid(
            format!("{mpath}.name"),
            format!("patch name \"{name}\" does not match ^[a-zA-Z0-9_]+$"),
        ));
    }
    let vpath = format!("{mpath}.values");
    let values_v = req(md, "values", &mpath)?;
    let values = values_v.as_array().ok_or_else(|| {
        invalid(
            &vpath,
            format!("expected an array, found {}", kind_of(values_v)),
        )
    })?;
    for (j, x) in values.iter().enumerate() {
        if !(x.is_number() || x.is_string()) {
            return Err(invalid(
                format!("{vpath}[{j}]"),
                format!("expected a number or a string, found {}", kind_of(x)),
            ));
        }
    }
    let ppath = format!("{path}.patch");
    let operations = req(o, "patch", &path)?;
    let parsed = ops::parse_patch(operations, i).map_err(|e| match e {
        OpsError::Patch {
            operation: Some(j),
            message,
            ..
        } => invalid(format!("{ppath}[{j}]"), message),
        OpsError::Patch { message, .. } => invalid(&ppath, message),
        other => invalid(&ppath, other.to_string()),
    })?;
    Ok(Patch {
        name: name.to_string(),
        values: values.clone(),
        metadata: md.clone(),
        operations: operations.clone(),
        parsed,
    })
}

impl PatchSet {
    /// Parses and validates a patchset document.
    pub fn from_value(v: &Value) -> R<Self> {
        let top = obj(v, "$")?;
        only_keys(top, &["metadata", "patches", "version"], "$")?;
        let version = string(req(top, "version", "$")?, "version")?;
        if version != "1.0.0" {
            return Err(invalid(
                "version",
                format!("expected \"1.0.0\", found \"{version}\""),
            ));
        }
        let Metadata {
            all: metadata,
            description,
            digests,
            labels,
            references,
        } = parse_metadata(req(top, "metadata", "$")?)?;
        let patches_v = req(top, "patches", "$")?;
        let patches_a = patches_v.as_array().ok_or_else(|| {
            invalid(
                "patches",
                format!("expected an array, found {}", kind_of(patches_v)),
            )
        })?;
        if patches_a.is_empty() {
            return Err(invalid("patches", "expected at least one patch"));
        }
        let mut patches: Vec<Patch> = Vec::with_capacity(patches_a.len());
        for (i, pv) in patches_a.iter().enumerate() {
            let p = parse_patch(pv, i)?;
            let here = format!("patches[{i}].metadata");
            if let Some(j) = patches.iter().position(|q| q.name == p.name) {
                return Err(invalid(
                    format!("{here}.name"),
                    format!("patch name \"{}\" is already used by patches[{j}]", p.name),
                ));
            }
            if let Some(j) = patches.iter().position(|q| values_eq(&q.values, &p.values)) {
                return Err(invalid(
                    format!("{here}.values"),
                    format!(
                        "values {} of patch \"{}\" are already used by patches[{j}] (\"{}\")",
                        Value::Array(p.values.clone()),
                        p.name,
                        patches[j].name
                    ),
                ));
            }
            if p.values.len() != labels.len() {
                return Err(invalid(
                    format!("{here}.values"),
                    format!(
                        "patch \"{}\" has {} value(s), expected {} (one per label: {})",
                        p.name,
                        p.values.len(),
                        labels.len(),
                        labels.join(", ")
                    ),
                ));
            }
            patches.push(p);
        }
        Ok(PatchSet {
            metadata,
            description,
            digests,
            labels,
            references,
            patches,
            version: version.to_string(),
        })
    }

    /// Parses and validates a patchset from JSON text.
    #[allow(clippy::should_implement_trait)]
    pub fn from_str(text: &str) -> R<Self> {
        let v: Value = serde_json::from_str(text).map_err(|e| SpecError::Json(e.to_string()))?;
        Self::from_value(&v)
    }

    /// Reads and validates a patchset from a `.json` or `.json.gz` file.
    pub fn from_path(path: &Path) -> R<Self> {
        Self::from_value(&Workspace::read_value(path)?)
    }

    /// The patch with this name or these values.
    pub fn get(&self, key: &PatchKey) -> R<&Patch> {
        let found = match key {
            PatchKey::Name(n) => self.patches.iter().find(|p| &p.name == n),
            PatchKey::Values(v) => self.patches.iter().find(|p| values_eq(&p.values, v)),
        };
        found.ok_or_else(|| PatchSetError::UnknownPatch(key.to_string()))
    }

    /// Checks every digest listed in the metadata against `workspace` (the background-only
    /// workspace as JSON), as `PatchSet.verify`.
    pub fn verify(&self, workspace: &Value) -> R<()> {
        for (alg, expected) in &self.digests {
            let algorithm: DigestAlgorithm = alg.parse()?;
            let got = digest(workspace, algorithm);
            if &got != expected {
                return Err(PatchSetError::Verification {
                    algorithm: alg.clone(),
                    expected: expected.clone(),
                    got,
                });
            }
        }
        Ok(())
    }

    /// Verifies the digests, applies the patch `key` and validates the result, as
    /// `PatchSet.apply`. Returns the patched workspace as JSON.
    pub fn apply(&self, workspace: &Value, key: &PatchKey) -> R<Value> {
        // Look up first so that a wrong name is reported even for an unverifiable pair.
        let patch = self.get(key)?;
        self.verify(workspace)?;
        let out = patch.apply_to(workspace)?;
        Workspace::from_value(&out)?;
        Ok(out)
    }

    /// Applies the patch `key` without checking digests or validating the result.
    pub fn apply_unchecked(&self, workspace: &Value, key: &PatchKey) -> R<Value> {
        self.get(key)?.apply_to(workspace)
    }
}

fn values_eq(a: &[Value], b: &[Value]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| py_eq(x, y))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests may panic on unexpected results
mod tests {
    use super::*;
    use serde_json::json;

    fn good() -> Value {
        json!({
            "metadata": {
                "description": "test",
                "digests": {"sha256": "a38f6093800189b79bc22ef677baf90c75705af2cfc7ff594159eca54eaa7928"},
                "labels": ["x", "y"],
                "references": {"hepdata": "ins1234567"},
                "extra": 1
            },
            "patches": [
                {"metadata": {"name": "p_1_2", "values": [1, 2]},
                 "patch": [{"op": "replace", "path": "/c", "value": 5.0}]},
                {"metadata": {"name": "p_3_a", "values": [3.5, "a"]},
                 "patch": [{"op": "remove", "path": "/nope"}]}
            ],
            "version": "1.0.0"
        })
    }

    fn err_of(v: Value) -> String {
        PatchSet::from_value(&v).unwrap_err().to_string()
    }

    #[test]
    fn lookup_by_name_and_by_values() {
        let ps = PatchSet::from_value(&good()).unwrap();
        assert_eq!(ps.labels, ["x", "y"]);
        assert!(ps.metadata.contains_key("extra"));
        assert_eq!(ps.get(&PatchKey::from("p_3_a")).unwrap().values[1], "a");
        let by_values = ps
            .get(&PatchKey::Values(vec![json!(1.0), json!(2)]))
            .unwrap();
        assert_eq!(by_values.name, "p_1_2");
        let err = ps.get(&PatchKey::from("nope")).unwrap_err().to_string();
        assert!(err.contains("\"nope\""), "{err}");
    }

    #[test]
    fn verify_and_apply() {
        let ps = PatchSet::from_value(&good()).unwrap();
        let bkg = json!({"a": 2.0, "b": 3.0, "c": 1.0});
        ps.verify(&bkg).unwrap();
        let other = json!({"a": 2, "b": 3.0, "c": 1.0});
        let err = ps.verify(&other).unwrap_err();
        assert!(matches!(err, PatchSetError::Verification { .. }), "{err}");
        // A patch whose operation fails names the patch and the operation's path.
        let err = ps
            .apply_unchecked(&bkg, &PatchKey::from("p_3_a"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("p_3_a") && err.contains("/nope"), "{err}");
        // apply() validates the result as a workspace, which this toy document is not.
        let err = ps.apply(&bkg, &PatchKey::from("p_1_2")).unwrap_err();
        assert!(matches!(err, PatchSetError::Spec(_)), "{err}");
    }

    #[test]
    fn rejects_bad_documents_naming_the_place() {
        let mut v = good();
        v["patches"][1]["metadata"]["name"] = json!("p_1_2");
        assert!(err_of(v).contains("patches[1].metadata.name"));

        let mut v = good();
        v["patches"][1]["metadata"]["values"] = json!([1.0, 2.0]);
        assert!(err_of(v).contains("patches[1].metadata.values"));

        let mut v = good();
        v["patches"][0]["metadata"]["values"] = json!([1]);
        assert!(err_of(v).contains("patches[0].metadata.values"));

        let mut v = good();
        v["metadata"]["labels"] = json!(["ok", "bad label"]);
        assert!(err_of(v).contains("metadata.labels[1]"));

        let mut v = good();
        v["metadata"]["digests"] = json!({"sha256": "xyz"});
        assert!(err_of(v).contains("metadata.digests.sha256"));

        let mut v = good();
        v["patches"][0]["patch"] = json!([{"op": "add", "path": "/x"}]);
        assert!(err_of(v).contains("patches[0].patch[0]"));

        let mut v = good();
        v["version"] = json!("1.1.0");
        assert!(err_of(v).contains("version"));
    }
}
