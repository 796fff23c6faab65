#![allow(clippy::unwrap_used)]
//! Shared helpers for the integration tests: fixture paths, reference cases, tolerances.
#![allow(dead_code)]

use histfactory::model::{HistoSysCode, Model, ModelBuilder, NormSysCode};
use histfactory::spec::Workspace;
use serde_json::Value;
use std::path::PathBuf;

/// The project's copy of shared/ fixtures.
pub fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures")
}

pub fn read_json(path: &std::path::Path) -> Value {
    Workspace::read_value(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Reads a reference file; Python's json writes bare NaN/Infinity, which become strings
/// here and NaN/±inf in [`floats`].
pub fn read_reference(path: &std::path::Path) -> Value {
    let text = std::fs::read_to_string(path).expect("reference file");
    let text = text
        .replace("-Infinity", "\"-inf\"")
        .replace("Infinity", "\"inf\"")
        .replace("NaN", "\"nan\"");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// One reference case: its options and pyhf's values.
pub struct Case {
    pub id: String,
    pub spec: Value,
    pub reference: Value,
}

/// Reference cases whose likelihood pyhf cannot evaluate anywhere (its logpdf is NaN at
/// every point) and which the model builder therefore refuses, naming the value at fault
/// (see issue 17): `ghl3_top_dilep` has a normsys with `lo = 0`, the NextStat fixture a
/// lumi with `sigmas = [0]`. [`cases`] leaves them out; [`unevaluable_cases`] gives them.
pub const UNEVALUABLE: [&str; 2] = ["xml_ghl3_top_dilep", "xml_nextstat_histfactory_fixture"];

/// Every reference case whose model can be built (all but [`UNEVALUABLE`]).
pub fn cases() -> Vec<Case> {
    all_cases()
        .into_iter()
        .filter(|c| !UNEVALUABLE.contains(&c.id.as_str()))
        .collect()
}

/// The reference cases of [`UNEVALUABLE`].
pub fn unevaluable_cases() -> Vec<Case> {
    all_cases()
        .into_iter()
        .filter(|c| UNEVALUABLE.contains(&c.id.as_str()))
        .collect()
}

fn all_cases() -> Vec<Case> {
    let list = read_json(&fixtures().join("reference/cases.json"));
    list.as_array()
        .expect("cases.json is a list")
        .iter()
        .map(|c| {
            let id = c["id"].as_str().expect("id").to_string();
            let reference =
                read_reference(&fixtures().join(format!("reference/pyhf/{id}.ref.json")));
            Case {
                id,
                spec: c.clone(),
                reference,
            }
        })
        .collect()
}

impl Case {
    pub fn workspace(&self) -> Workspace {
        let path = fixtures().join(self.spec["workspace"].as_str().expect("workspace"));
        Workspace::from_path(&path).unwrap_or_else(|e| panic!("{}: {e}", self.id))
    }

    pub fn model(&self) -> Model {
        self.try_model()
            .unwrap_or_else(|e| panic!("{}: {e}", self.id))
    }

    /// The case's model, or the builder's error.
    pub fn try_model(&self) -> Result<Model, histfactory::model::ModelError> {
        let ws = self.workspace();
        let mut b = ModelBuilder::new(&ws);
        if let Some(m) = self.spec["measurement"].as_str() {
            b = b.measurement(m);
        }
        if self.spec["no_poi"].as_bool() == Some(true) {
            b = b.no_poi();
        }
        if let Some(c) = self.spec["normsys"].as_str() {
            b = b.normsys_code(c.parse::<NormSysCode>().expect("code"));
        }
        if let Some(c) = self.spec["histosys"].as_str() {
            b = b.histosys_code(c.parse::<HistoSysCode>().expect("code"));
        }
        b.build()
    }

    pub fn data(&self) -> Vec<f64> {
        floats(&self.reference["data"])
    }
}

pub fn floats(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap_or_else(|| panic!("expected array, got {v}"))
        .iter()
        .map(num)
        .collect()
}

/// Asserts `|a - b| <= abs + rel * |b|` elementwise, reporting the index and both values.
pub fn assert_close(what: &str, ours: &[f64], reference: &[f64], rel: f64, abs: f64) {
    assert_eq!(ours.len(), reference.len(), "{what}: lengths differ");
    for (i, (a, b)) in ours.iter().zip(reference).enumerate() {
        let ok = (a - b).abs() <= abs + rel * b.abs() || (a.is_nan() && b.is_nan());
        assert!(
            ok,
            "{what}[{i}]: ours {a}, reference {b} (diff {:e})",
            (a - b).abs()
        );
    }
}

/// A number, or a NaN/±inf written as a string by [`read_reference`].
pub fn num(x: &Value) -> f64 {
    match x {
        Value::String(s) => s.parse().expect("nan/inf string"),
        _ => x.as_f64().expect("number"),
    }
}

/// A workspace of `fixtures/reference/workspaces/`.
pub fn reference_workspace(name: &str) -> PathBuf {
    fixtures().join("reference/workspaces").join(name)
}

/// Model, observed data and the free fit of a reference workspace.
pub fn fitted_reference(name: &str) -> (Model, Vec<f64>, histfactory::fit::FitResult) {
    use histfactory::fit::{fit, FitOptions};
    let ws = Workspace::from_path(&reference_workspace(name)).expect("workspace parses");
    let model = ModelBuilder::new(&ws).build().expect("model builds");
    let data = model.observed_data().expect("observed data");
    let result = fit(&model, &data, &FitOptions::default()).expect("fit runs");
    assert!(result.converged, "{name}: {}", result.status);
    (model, data, result)
}

/// `a` within `tol` of `b`, relative to `1 + |b|`.
pub fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol * (1.0 + b.abs())
}
