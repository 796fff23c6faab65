//! End-to-end: run the `histfactory` binary on real workspaces and check what it prints
//! against pyhf 0.7.6 values from the fixtures.
#![allow(clippy::unwrap_used)]

mod common;
use common::{fixtures, run};

use serde_json::Value;

fn reference(id: &str) -> Value {
    let text =
        std::fs::read_to_string(fixtures().join(format!("reference/pyhf/{id}.ref.json"))).unwrap();
    serde_json::from_str(
        &text
            .replace("-Infinity", "null")
            .replace("Infinity", "null")
            .replace("NaN", "null"),
    )
    .unwrap()
}

#[test]
fn inspect_json_matches_pyhf_model_config() {
    let ws = fixtures().join("reference/workspaces/sbottom_RegionA_sbottom_1300_850_60.json");
    let (code, out, _) = run(&["inspect", ws.to_str().unwrap(), "--json"]);
    assert_eq!(code, 0);
    let v: Value = serde_json::from_str(&out).unwrap();
    let r = reference("sbottom_A_1300_850_60");
    assert_eq!(v["par_names"], r["par_names"]);
    assert_eq!(v["poi_name"], r["poi_name"]);
    assert_eq!(v["channels"], r["channels"]);
    let ours: Vec<f64> = v["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect();
    let want: Vec<f64> = r["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect();
    assert_eq!(ours.len(), want.len());
    for (a, b) in ours.iter().zip(&want) {
        assert!((a - b).abs() <= 1e-12 * b.abs().max(1.0));
    }
    // The size memory use is measured against, as the library counts it.
    let model = histfactory::model::ModelBuilder::new(
        &histfactory::spec::Workspace::from_path(&ws).unwrap(),
    )
    .build()
    .unwrap();
    assert_eq!(v["compiled_bytes"], model.compiled_bytes());
    let (code, table, _) = run(&["inspect", ws.to_str().unwrap()]);
    assert_eq!(code, 0);
    let mb = format!(
        "compiled arrays  {:.2} MB",
        model.compiled_bytes() as f64 / 1e6
    );
    assert!(table.contains(&mb), "{table}");
}

#[test]
fn logpdf_with_grad_matches_pyhf_points() {
    let r = reference("seed_model");
    let pars: Vec<Value> = r["points"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["pars"].clone())
        .collect();
    let file = std::env::temp_dir().join(format!("hf-cli-pars-{}.json", std::process::id()));
    std::fs::write(&file, serde_json::to_string(&pars).unwrap()).unwrap();
    let ws = fixtures().join("reference/workspaces/seed_model.json");
    let (code, out, err) = run(&[
        "logpdf",
        ws.to_str().unwrap(),
        "--pars",
        file.to_str().unwrap(),
        "--grad",
        "--json",
    ]);
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    for (k, p) in r["points"].as_array().unwrap().iter().enumerate() {
        let want = p["logpdf"].as_f64().unwrap();
        let got = v["logpdf"][k].as_f64().unwrap();
        assert!((got - want).abs() <= 1e-10 * want.abs());
        for (i, g) in p["grad"].as_array().unwrap().iter().enumerate() {
            let (g, w) = (v["grad"][k][i].as_f64().unwrap(), g.as_f64().unwrap());
            assert!((g - w).abs() <= 1e-8 * w.abs().max(1.0));
        }
    }
}

#[test]
fn digest_and_patchset_verify_on_1lbb() {
    let dir = fixtures().join("data/atlas-1Lbb-ins1755298");
    let bkg = dir.join("BkgOnly.json.gz");
    let (code, out, _) = run(&["digest", bkg.to_str().unwrap()]);
    assert_eq!(code, 0);
    assert_eq!(
        out.trim(),
        "sha256:2563672e1a165384faf49f1431e921d88c9c07ec10f150d5045576564f98f820"
    );
    let (code, _, err) = run(&[
        "patchset",
        "verify",
        bkg.to_str().unwrap(),
        dir.join("patchset.json.gz").to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
}

#[test]
fn simplemodel_round_trips_through_inspect() {
    let (code, out, _) = run(&[
        "simplemodel",
        "uncorrelated-background",
        "--signal",
        "12,11",
        "--bkg",
        "50,52",
        "--bkg-uncertainty",
        "3,7",
        "--observed",
        "51,48",
    ]);
    assert_eq!(code, 0);
    let file = std::env::temp_dir().join(format!("hf-cli-simple-{}.json", std::process::id()));
    std::fs::write(&file, out).unwrap();
    let (code, out, _) = run(&["inspect", file.to_str().unwrap(), "--json"]);
    assert_eq!(code, 0);
    let v: Value = serde_json::from_str(&out).unwrap();
    // pyhf docs: auxdata = [(50/3)^2, (52/7)^2]
    let aux = v["auxdata"].as_array().unwrap();
    assert!((aux[0].as_f64().unwrap() - (50.0f64 / 3.0).powi(2)).abs() < 1e-9);
    assert!((aux[1].as_f64().unwrap() - (52.0f64 / 7.0).powi(2)).abs() < 1e-9);
}

#[test]
fn bad_input_exits_2_with_the_json_path() {
    let file = std::env::temp_dir().join(format!("hf-cli-bad-{}.json", std::process::id()));
    std::fs::write(&file, r#"{"channels":[{"name":"a","samples":[{"name":"s","data":[1.0],"modifiers":[{"name":"x","type":"nosuch","data":null}]}]}],"observations":[{"name":"a","data":[1]}],"measurements":[{"name":"m","config":{"poi":"x","parameters":[]}}],"version":"1.0.0"}"#).unwrap();
    let (code, _, err) = run(&["inspect", file.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(
        err.contains("channels[0].samples[0].modifiers[0].type")
            && err.contains("unknown modifier type"),
        "{err}"
    );
}

#[test]
fn fit_json_reproduces_pyhf_doc_minima() {
    // pyhf's mle docstrings for the 2-bin simple model: free fit 24.98393521, mu=1 28.92218013
    let ws = fixtures().join("data/pyhf-validation/simplemodel_uncorr_2bin.json");
    let (code, out, err) = run(&["fit", ws.to_str().unwrap(), "--json"]);
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert!((v["twice_nll"].as_f64().unwrap() - 24.98393521).abs() < 1e-7);
    assert_eq!(v["converged"], true);
    assert_eq!(v["par_names"][0], "mu");
    let (code, out, _) = run(&["fit", ws.to_str().unwrap(), "--fix-poi", "1", "--json"]);
    assert_eq!(code, 0);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert!((v["twice_nll"].as_f64().unwrap() - 28.92218013).abs() < 1e-7);
    assert!((v["bestfit"][1].as_f64().unwrap() - 0.97224597).abs() < 1e-6);
    let (code, _, err) = run(&["fit", ws.to_str().unwrap(), "--fix", "nosuch=1"]);
    assert_eq!(code, 2);
    assert!(err.contains("no parameter named \"nosuch\""), "{err}");
}

#[test]
fn every_command_help_shows_an_example() {
    let commands: &[&[&str]] = &[
        &["inspect"],
        &["fit"],
        &["cls"],
        &["upper-limit"],
        &["scan"],
        &["logpdf"],
        &["plot"],
        &["plot", "gradient-map"],
        &["plot", "brazil"],
        &["plot", "scan"],
        &["plot", "pulls"],
        &["plot", "correlations"],
        &["plot", "ranking"],
        &["plot", "yields"],
        &["simplemodel"],
        &["simplemodel", "uncorrelated-background"],
        &["simplemodel", "correlated-background"],
        &["prune"],
        &["rename"],
        &["combine"],
        &["sort"],
        &["digest"],
        &["patchset"],
        &["patchset", "inspect"],
        &["patchset", "extract"],
        &["patchset", "verify"],
        &["patchset", "apply"],
        &["completions"],
    ];
    for c in commands {
        let mut args = c.to_vec();
        args.push("--help");
        let (code, out, err) = run(&args);
        assert_eq!(code, 0, "{c:?}: {err}");
        assert!(
            out.contains("Example"),
            "{c:?} --help has no example:\n{out}"
        );
        assert!(out.contains("histfactory "), "{c:?}: {out}");
    }
}

/// `histfactory sort big.json | head`: the reader goes away after the first bytes, and the
/// writer must end quietly (SIGPIPE, as any Unix tool), not panic in `println!` nor
/// report the broken pipe as an error.
#[test]
fn a_closed_output_pipe_ends_the_command_quietly() {
    use std::io::Read;
    use std::process::{Command, Stdio};
    let ws = common::fixtures().join("synth/synth_600.json.gz");
    let mut child = Command::new(env!("CARGO_BIN_EXE_histfactory"))
        .arg("sort")
        .arg(&ws)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 100];
    child.stdout.take().unwrap().read_exact(&mut first).unwrap();
    // The pipe is closed (stdout dropped) long before the 1.2 MB document is written.
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    // Neither a panic nor an error message about the pipe.
    assert!(stderr.is_empty(), "{stderr}");
    assert_ne!(out.status.code(), Some(101));
}
