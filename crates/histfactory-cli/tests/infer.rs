//! End-to-end: `histfactory cls`, `upper-limit` and `scan` against pyhf 0.7.6 numbers.
#![allow(clippy::unwrap_used)]

mod common;
use common::{fixtures, run};

use serde_json::Value;

fn simplemodel() -> String {
    fixtures()
        .join("data/pyhf-validation/simplemodel_uncorr_2bin.json")
        .to_str()
        .unwrap()
        .to_string()
}

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap()
}

#[test]
fn cls_json_keys_and_values() {
    let ws = simplemodel();
    let (code, out, err) = run(&["cls", &ws, "--poi-value", "1", "--json"]);
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["poi_value"], 1.0);
    assert_eq!(v["test_stat"], "qtilde");
    // pyhf 0.7.6 carried to the minima (fixtures/infer/pyhf076_tight_slsqp.json).
    assert!((f(&v["cls_obs"]) - 0.05251552464679199).abs() < 1e-8);
    let exp = v["cls_exp"].as_array().unwrap();
    assert_eq!(exp.len(), 5);
    assert!((f(&exp[2]) - 0.06445515300441822).abs() < 1e-8);
    assert!(f(&v["clsb"]) > 0.0 && f(&v["clb"]) > 0.0);
    assert_eq!(v["converged"], true);
}

#[test]
fn cls_toys_and_q0() {
    let ws = simplemodel();
    let (code, out, err) = run(&[
        "cls",
        &ws,
        "--poi-value",
        "1",
        "--calc",
        "toys",
        "--ntoys",
        "200",
        "--seed",
        "3",
        "--json",
    ]);
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["ntoys"], 200);
    let cls = f(&v["cls_obs"]);
    assert!((cls - 0.0525).abs() < 0.05, "{cls}");
    // Same seed, same numbers.
    let (_, out2, _) = run(&[
        "cls",
        &ws,
        "--poi-value",
        "1",
        "--calc",
        "toys",
        "--ntoys",
        "200",
        "--seed",
        "3",
        "--json",
    ]);
    let v2: Value = serde_json::from_str(&out2).unwrap();
    assert_eq!(v["cls_obs"], v2["cls_obs"]);

    let (code, out, err) = run(&[
        "cls",
        &ws,
        "--poi-value",
        "0",
        "--test-stat",
        "q0",
        "--json",
    ]);
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["test_stat"], "q0");
}

#[test]
fn cls_bad_input_exit_2() {
    let ws = simplemodel();
    let (code, _, err) = run(&["cls", &ws, "--test-stat", "qq", "--json"]);
    assert_eq!(code, 2);
    assert!(err.contains("unknown test statistic"), "{err}");
    let (code, _, err) = run(&["cls", &ws, "--no-poi", "--json"]);
    assert_eq!(code, 2);
    assert!(err.contains("POI"), "{err}");
    let (code, _, _) = run(&["cls", &ws, "--calc", "magic"]);
    assert_eq!(code, 2);
}

#[test]
fn upper_limit_toms748_and_scan() {
    let ws = simplemodel();
    let (code, out, err) = run(&["upper-limit", &ws, "--json"]);
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["level"], 0.05);
    // pyhf 0.7.6: obs 1.01156939 (rtol 1e-4 root search; limits to 1e-3 relative).
    assert!((f(&v["obs"]) / 1.0115718791325965 - 1.0).abs() < 1e-3);
    let exp = v["exp"].as_array().unwrap();
    assert!((f(&exp[2]) / 1.0623549934005592 - 1.0).abs() < 1e-3);

    let (code, out, err) = run(&["upper-limit", &ws, "--scan", "0:5:11", "--json"]);
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert!((f(&v["obs"]) - 1.0262759603215208).abs() < 1e-6);
    assert_eq!(v["scan"].as_array().unwrap().len(), 11);
    assert_eq!(v["cls_obs"].as_array().unwrap().len(), 11);
    assert_eq!(v["cls_exp"][0].as_array().unwrap().len(), 5);

    let (code, _, _) = run(&["upper-limit", &ws, "--scan", "0:5"]);
    assert_eq!(code, 2);
    let (code, _, _) = run(&["upper-limit", &ws, "--level", "1.5"]);
    assert_eq!(code, 2);
}

#[test]
fn scan_profile_likelihood() {
    let ws = simplemodel();
    let (code, out, err) = run(&["scan", &ws, "--par", "mu", "--range", "0:3:31", "--json"]);
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["par"], "mu");
    let values = v["values"].as_array().unwrap();
    let d = v["delta_twice_nll"].as_array().unwrap();
    assert_eq!(values.len(), 31);
    assert_eq!(v["twice_nll"].as_array().unwrap().len(), 31);
    assert!(d.iter().all(|x| f(x) >= -1e-9));
    // The minimum of the scan is next to the best fit.
    let min = d.iter().map(f).fold(f64::INFINITY, f64::min);
    assert!(min < 0.05);
    let (code, _, err) = run(&["scan", &ws, "--par", "nope", "--range", "0:3:31"]);
    assert_eq!(code, 2);
    assert!(err.contains("nope"), "{err}");
}
