//! Regression tests of issue 17: the resource limits set in the environment are checked
//! before anything is allocated. This file is a test binary of its own because it sets
//! `HISTFACTORY_MAX_MEMORY` and `HISTFACTORY_MAX_INPUT` for the whole process: every test
//! here sets them to the same values.
#![allow(clippy::unwrap_used)]

use histfactory::fit::{fit, FitError, FitOptions};
use histfactory::infer::{hypotest, CalcType, HypotestOptions, InferError, ToyOptions};
use histfactory::limits::{LimitError, MAX_INPUT_ENV, MAX_MEMORY_ENV};
use histfactory::model::simple::uncorrelated_background;
use histfactory::spec::{SpecError, Workspace};
use std::io::Write;

fn set_limits() {
    // 40 parameters need two 40 x 40 matrices (25,600 bytes); 100 kB passes them, not 200.
    std::env::set_var(MAX_MEMORY_ENV, "100000");
    std::env::set_var(MAX_INPUT_ENV, "2000");
}

fn model_of(n_bins: usize) -> (histfactory::model::Model, Vec<f64>) {
    let model =
        uncorrelated_background(&vec![5.0; n_bins], &vec![50.0; n_bins], &vec![5.0; n_bins])
            .unwrap();
    let data = model.data_with_auxdata(&vec![52.0; n_bins]).unwrap();
    (model, data)
}

#[test]
fn a_fit_above_the_memory_limit_fails_before_allocating() {
    set_limits();
    let (small, data) = model_of(39);
    assert!(
        fit(&small, &data, &FitOptions::default())
            .unwrap()
            .converged
    );
    let (large, data) = model_of(199);
    let e = fit(&large, &data, &FitOptions::default()).unwrap_err();
    let FitError::TooLarge(limit) = &e else {
        panic!("{e:?}");
    };
    assert!(
        matches!(
            **limit,
            LimitError::TooLarge {
                needed: Some(640_000),
                limit: 100_000,
                from_env: true,
                ..
            }
        ),
        "{e:?}"
    );
    assert!(e.to_string().contains("200 x 200"), "{e}");
}

#[test]
fn toys_above_the_memory_limit_fail_before_running() {
    set_limits();
    let (model, data) = model_of(1);
    let opts = HypotestOptions {
        calculator: CalcType::Toys(ToyOptions {
            ntoys: 1_000_000,
            ..Default::default()
        }),
        ..Default::default()
    };
    let e = hypotest(&model, &data, 1.0, &opts).unwrap_err();
    assert!(matches!(e, InferError::TooLarge(_)), "{e:?}");
    let opts = HypotestOptions {
        calculator: CalcType::Toys(ToyOptions {
            ntoys: usize::MAX,
            ..Default::default()
        }),
        ..Default::default()
    };
    let e = hypotest(&model, &data, 1.0, &opts).unwrap_err();
    let InferError::TooLarge(limit) = &e else {
        panic!("{e:?}");
    };
    assert!(matches!(**limit, LimitError::CountTooLarge { .. }), "{e:?}");
}

/// A valid workspace, gzipped, padded with whitespace to `size` bytes of text.
fn gzipped_workspace(size: usize) -> Vec<u8> {
    let text = r#"{"channels":[{"name":"c","samples":[{"name":"s","data":[5.0],"modifiers":[{"name":"mu","type":"normfactor","data":null}]}]}],"observations":[{"name":"c","data":[3.0]}],"measurements":[{"name":"m","config":{"poi":"mu","parameters":[]}}],"version":"1.0.0"}"#;
    let mut padded = text.to_string();
    padded.push_str(&" ".repeat(size - text.len()));
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(padded.as_bytes()).unwrap();
    gz.finish().unwrap()
}

// See issue 17: a 3 MB `.json.gz` that inflates to 3 GiB took 7.8 GB of memory.
#[test]
fn a_gzip_document_above_the_input_limit_is_rejected_with_the_limit() {
    set_limits();
    let dir = std::env::temp_dir().join(format!("histfactory-limits-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let ok = dir.join("ok.json.gz");
    std::fs::write(&ok, gzipped_workspace(2000)).unwrap();
    Workspace::from_path(&ok).unwrap();
    let big = dir.join("big.json.gz");
    std::fs::write(&big, gzipped_workspace(2001)).unwrap();
    for e in [
        Workspace::from_path(&big).unwrap_err(),
        Workspace::read_value(&big).unwrap_err(),
    ] {
        let text = e.to_string();
        assert!(text.contains("big.json.gz"), "{text}");
        assert!(
            text.contains("set HISTFACTORY_MAX_INPUT=<bytes> to lift it"),
            "{text}"
        );
    }
    let e = histfactory::spec::value_from_bytes(&gzipped_workspace(4000)).unwrap_err();
    let SpecError::TooLarge(limit) = &e else {
        panic!("{e:?}");
    };
    assert!(
        matches!(**limit, LimitError::InputTooLarge { limit: 2000, .. }),
        "{e:?}"
    );
}
