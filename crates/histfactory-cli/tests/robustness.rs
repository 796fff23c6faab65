//! End-to-end regression tests of issue 17: sizes checked before allocating (exit 2 with
//! the limit and how to lift it), undefined uncertainties reported as such, grid limits
//! that the scan must bracket, and values outside the POI's bounds rejected.
#![allow(clippy::unwrap_used)]

mod common;
use common::{fixtures, run};

use serde_json::Value;
use std::path::PathBuf;
use std::process::Command;

fn simplemodel() -> String {
    fixtures()
        .join("data/pyhf-validation/simplemodel_uncorr_2bin.json")
        .to_str()
        .unwrap()
        .to_string()
}

/// Runs `histfactory ARGS` with extra environment variables: exit code, stdout, stderr.
fn run_env(args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_histfactory"))
        .args(args)
        .envs(env.iter().copied())
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// Writes `text` to a file of this test's own in the temporary directory.
fn temp_file(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("histfactory-robustness-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// The issue's model: one sample scaled by `mu`, no background, `observed` events.
fn signal_only(observed: f64) -> PathBuf {
    let ws = format!(
        r#"{{"channels":[{{"name":"c","samples":[{{"name":"s","data":[5.0],"modifiers":[{{"name":"mu","type":"normfactor","data":null}}]}}]}}],"observations":[{{"name":"c","data":[{observed}]}}],"measurements":[{{"name":"m","config":{{"poi":"mu","parameters":[]}}}}],"version":"1.0.0"}}"#
    );
    temp_file(&format!("signal_only_{observed}.json"), &ws)
}

fn assert_no_panic(err: &str) {
    assert!(!err.contains("panicked"), "{err}");
}

// See issue 17: `--ntoys 18446744073709551615` panicked (capacity overflow) and
// `--ntoys 1000000000000` aborted on allocation.
#[test]
fn ntoys_above_the_maximum_is_an_input_error() {
    let ws = simplemodel();
    for n in ["18446744073709551615", "1000000000000", "100000001"] {
        let (code, _, err) = run(&["cls", &ws, "--calc", "toys", "--ntoys", n]);
        assert_eq!(code, 2, "--ntoys {n}: {err}");
        assert!(err.contains("100000000"), "{err}");
        assert_no_panic(&err);
    }
}

// See issue 17: `plot gradient-map --grid 100000` reached 8 GB, and a scan of 10^8 points
// ran without end.
#[test]
fn grids_and_scans_above_their_maxima_are_input_errors() {
    let ws = simplemodel();
    let out = temp_file("unused.png", "");
    let out = out.to_str().unwrap();
    let cases: [&[&str]; 5] = [
        &[
            "plot",
            "gradient-map",
            &ws,
            "--x",
            "mu",
            "--y",
            "uncorr_bkguncrt[0]",
            "--grid",
            "100000",
            "-o",
            out,
        ],
        &[
            "plot",
            "gradient-map",
            &ws,
            "--x",
            "mu",
            "--y",
            "uncorr_bkguncrt[0]",
            "--arrows",
            "5000",
            "-o",
            out,
        ],
        &["upper-limit", &ws, "--scan", "0:5:100000000"],
        &["scan", &ws, "--par", "mu", "--range", "0:5:100000001"],
        &["plot", "brazil", &ws, "--points", "1000000", "-o", out],
    ];
    for args in cases {
        let (code, _, err) = run(args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(
            err.contains("100000") || err.contains("4096") || err.contains("1024"),
            "{err}"
        );
        assert_no_panic(&err);
    }
}

// See issue 17: a fit of 180,003 parameters tried to allocate a 259 GB Hessian.
#[test]
fn fit_too_large_for_the_memory_limit_says_which_limit_and_how_to_lift_it() {
    // 9,000 channels of 20 bins with staterror: 180,000 gammas, mu and two normfactors.
    let mut channels = Vec::new();
    let mut observations = Vec::new();
    for c in 0..9000 {
        channels.push(serde_json::json!({
            "name": format!("c{c:04}"),
            "samples": [{
                "name": "s",
                "data": vec![10.0; 20],
                "modifiers": [
                    {"name": "mu", "type": "normfactor", "data": null},
                    {"name": "k1", "type": "normfactor", "data": null},
                    {"name": "k2", "type": "normfactor", "data": null},
                    {"name": format!("stat_c{c:04}"), "type": "staterror", "data": vec![1.0; 20]},
                ],
            }],
        }));
        observations.push(serde_json::json!({"name": format!("c{c:04}"), "data": vec![10.0; 20]}));
    }
    let ws = serde_json::json!({
        "channels": channels,
        "observations": observations,
        "measurements": [{"name": "m", "config": {"poi": "mu", "parameters": []}}],
        "version": "1.0.0",
    });
    let path = temp_file("large.json", &ws.to_string());
    let path = path.to_str().unwrap();
    let (code, _, err) = run_env(&["fit", path], &[("HISTFACTORY_MAX_MEMORY", "8G")]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("180003 x 180003"), "{err}");
    assert!(
        err.contains("set HISTFACTORY_MAX_MEMORY=<bytes> to lift it"),
        "{err}"
    );
    // A limit that is not a size is an input error too.
    let (code, _, err) = run_env(&["fit", path], &[("HISTFACTORY_MAX_MEMORY", "lots")]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("HISTFACTORY_MAX_MEMORY=lots"), "{err}");
}

// See issue 17: a free parameter with zero curvature got σ = 0 and hessian_pos_def true.
#[test]
fn zero_curvature_gives_an_undefined_uncertainty_and_a_warning() {
    let ws = signal_only(0.0);
    let (code, out, err) = run(&["fit", ws.to_str().unwrap(), "--json"]);
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["uncertainties"][0], Value::Null);
    assert_eq!(v["hessian_pos_def"], false);
    assert!(
        err.contains("warning: parameter mu") && err.contains("zero curvature"),
        "{err}"
    );
    let (code, out, _) = run(&["fit", ws.to_str().unwrap()]);
    assert_eq!(code, 0);
    assert!(
        out.contains("undefined") && out.contains("NOT positive definite"),
        "{out}"
    );
}

// See issue 17: grid limits fell silently to the scan's edge.
#[test]
fn a_scan_that_does_not_bracket_the_limit_is_an_error() {
    let ws = simplemodel();
    for scan in ["0:1:5", "0:5:1"] {
        let (code, _, err) = run(&["upper-limit", &ws, "--scan", scan, "--json"]);
        assert_eq!(code, 1, "--scan {scan}: {err}");
        assert!(err.contains("does not bracket CLs = 0.05"), "{err}");
        assert!(err.contains("CLs is "), "{err}");
    }
    let (code, _, err) = run(&["upper-limit", &ws, "--scan", "20:30:5"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("bounds [0, 10]"), "{err}");
    // A scan that brackets every curve still works.
    let (code, _, err) = run(&["upper-limit", &ws, "--scan", "0:5:11", "--json"]);
    assert_eq!(code, 0, "{err}");
}

#[test]
fn root_search_tolerance_outside_its_range_is_rejected() {
    let ws = simplemodel();
    for rtol in ["10", "0", "0.2"] {
        let (code, _, err) = run(&["upper-limit", &ws, &format!("--rtol={rtol}")]);
        assert_eq!(code, 2, "--rtol {rtol}: {err}");
        assert!(err.contains("rtol"), "{err}");
    }
}

// See issue 17: cls at a POI value outside the bounds and --fix outside the bounds were
// accepted silently.
#[test]
fn poi_values_and_fixed_values_outside_the_bounds_are_rejected() {
    let ws = simplemodel();
    for v in ["-1", "50"] {
        let (code, _, err) = run(&["cls", &ws, &format!("--poi-value={v}")]);
        assert_eq!(code, 2, "--poi-value {v}: {err}");
        assert!(err.contains("outside the POI's bounds [0, 10]"), "{err}");
    }
    let (code, _, err) = run(&["fit", &ws, "--fix", "mu=100"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("outside the bounds [0, 10]"), "{err}");
    let (code, _, err) = run(&["fit", &ws, "--fix", "mu=2"]);
    assert_eq!(code, 0, "{err}");
}
