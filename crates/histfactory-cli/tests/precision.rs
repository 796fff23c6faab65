//! End-to-end: `cls` and `upper-limit` on a bin with a billion counts. See issue #17
//! ("Precision floor"): pyhf's form of the Poisson term left the likelihood flat to 1e-7
//! there, and the Asimov fit stopped with `LineSearchFailed` (exit 1).
#![allow(clippy::unwrap_used)]

mod common;
use common::run;

use serde_json::{json, Value};

/// One bin: `sig` scaled by `mu` on `bkg` with a shapesys of `unc`, observed `obs`;
/// written to a temporary file named after `tag`.
fn one_bin_workspace(tag: &str, sig: f64, bkg: f64, unc: f64, obs: f64) -> std::path::PathBuf {
    let ws = json!({
        "channels": [{"name": "c", "samples": [
            {"name": "signal", "data": [sig], "modifiers": [{"name": "mu", "type": "normfactor", "data": null}]},
            {"name": "background", "data": [bkg], "modifiers": [{"name": "u", "type": "shapesys", "data": [unc]}]}
        ]}],
        "observations": [{"name": "c", "data": [obs]}],
        "measurements": [{"name": "m", "config": {"poi": "mu", "parameters": []}}],
        "version": "1.0.0"
    });
    let path = std::env::temp_dir().join(format!("histfactory-{tag}-{}.json", std::process::id()));
    std::fs::write(&path, ws.to_string()).unwrap();
    path
}

/// `cls` at mu = 1 and `upper-limit` both exit 0 and report converged fits.
fn cls_and_upper_limit_converge(path: &std::path::Path) {
    let ws = path.to_str().unwrap();
    let (code, out, err) = run(&["cls", ws, "--poi-value", "1", "--json"]);
    assert_eq!(code, 0, "cls: {err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["converged"], true, "{out}");
    let cls = v["cls_obs"].as_f64().unwrap();
    assert!(cls > 0.0 && cls < 1.0, "{out}");
    let (code, out, err) = run(&["upper-limit", ws, "--json"]);
    assert_eq!(code, 0, "upper-limit: {err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["converged"], true, "{err}");
    assert!(v["obs"].as_f64().unwrap() > 0.0, "{out}");
    std::fs::remove_file(path).unwrap();
}

#[test]
fn cls_and_upper_limit_with_a_billion_counts_in_a_bin() {
    // 3e4 signal on 1e9 background with a 1e3 shapesys, observed 1e9 + 2e4.
    cls_and_upper_limit_converge(&one_bin_workspace("billion", 3e4, 1e9, 1e3, 1.00002e9));
}

#[test]
fn upper_limit_with_a_shapesys_of_a_thousandth_on_400() {
    // tau = 1.6e11: the fixed-POI fits of the limit search stopped with LineSearchFailed.
    cls_and_upper_limit_converge(&one_bin_workspace("tau16e10", 5.0, 400.0, 0.001, 405.0));
}
