//! End-to-end: `histfactory plot …` on real workspaces writes the figure and, with
//! `--json`, prints the numbers it drew; those are checked against `histfactory fit`.
//! See issue 6.
#![allow(clippy::unwrap_used)]

mod common;
use common::{run, workspace};

use serde_json::Value;
use std::path::{Path, PathBuf};

fn out_path(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("histfactory-cli-plot-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

/// Runs a plot with `--json`, checks the exit code and the PNG's header size; returns the
/// printed object.
fn plot(args: &[&str], out: &Path) -> Value {
    let mut all = args.to_vec();
    let o = out.to_str().unwrap();
    all.extend(["-o", o, "--json"]);
    let (code, stdout, stderr) = run(&all);
    assert_eq!(code, 0, "{stderr}");
    let v: Value = serde_json::from_str(&stdout).unwrap();
    let bytes = std::fs::read(out).unwrap();
    assert!(bytes.len() > 5_000, "{} bytes", bytes.len());
    if o.ends_with(".png") {
        let be = |s: &[u8]| u32::from_be_bytes([s[0], s[1], s[2], s[3]]) as u64;
        assert_eq!(be(&bytes[16..20]), v["width"].as_u64().unwrap());
        assert_eq!(be(&bytes[20..24]), v["height"].as_u64().unwrap());
    } else {
        assert!(String::from_utf8(bytes).unwrap().starts_with("<svg"));
    }
    v
}

fn fit_json(ws: &str, extra: &[&str]) -> Value {
    let mut args = vec!["fit", ws, "--json"];
    args.extend(extra);
    let (code, out, err) = run(&args);
    assert_eq!(code, 0, "{err}");
    serde_json::from_str(&out).unwrap()
}

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap()
}

#[test]
fn plot_gradient_map_draws_the_best_fit_of_fit() {
    let ws = workspace("seed_model.json");
    let v = plot(
        &[
            "plot",
            "gradient-map",
            &ws,
            "--x",
            "mu",
            "--y",
            "uncorr_bkguncrt[0]",
            "--x-range",
            "0:5",
            "--y-range",
            "0:5",
        ],
        &out_path("map.png"),
    );
    let fit = fit_json(&ws, &[]);
    assert_eq!(v["figure"]["best_fit"], fit["bestfit"]);
    assert_eq!(v["figure"]["grid"], serde_json::json!([101, 101]));
    assert_eq!(
        (v["width"].as_u64(), v["height"].as_u64()),
        (Some(900), Some(800))
    );
    // SVG too.
    plot(
        &[
            "plot",
            "gradient-map",
            &ws,
            "--x",
            "mu",
            "--y",
            "uncorr_bkguncrt[0]",
        ],
        &out_path("map.svg"),
    );
}

#[test]
fn plot_scan_matches_fixed_poi_fits() {
    let ws = workspace("seed_model.json");
    let v = plot(
        &["plot", "scan", &ws, "--range", "0:3:4"],
        &out_path("scan.png"),
    );
    let best = f(&fit_json(&ws, &[])["twice_nll"]);
    let values = v["figure"]["values"].as_array().unwrap();
    assert_eq!(values.len(), 4);
    for (x, d) in values
        .iter()
        .zip(v["figure"]["delta_twice_nll"].as_array().unwrap())
    {
        let mu = f(x).to_string();
        let fixed = f(&fit_json(&ws, &["--fix-poi", &mu])["twice_nll"]);
        assert!((f(d) - (fixed - best)).abs() < 1e-6, "mu {mu}");
    }
}

#[test]
fn plot_pulls_and_correlations_show_the_fit_values() {
    let ws = workspace("sbottom_RegionA_sbottom_1300_850_60.json");
    let fit = fit_json(&ws, &[]);
    let names: Vec<&str> = fit["par_names"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap())
        .collect();
    let idx = |n: &str| names.iter().position(|x| *x == n).unwrap();
    let v = plot(&["plot", "pulls", &ws], &out_path("pulls.png"));
    let entries = v["figure"]["entries"].as_array().unwrap();
    assert!(!entries.is_empty());
    for e in entries {
        let i = idx(e["name"].as_str().unwrap());
        let b = f(&fit["bestfit"][i]);
        let s = f(&fit["uncertainties"][i]);
        if e["constrained"].as_bool().unwrap() {
            // Normsys/histosys/lumi-like parameters here have widths of order 1 or given.
            assert!(f(&e["error"]) > 0.0);
        } else {
            assert!((f(&e["pull"]) - b).abs() < 1e-9 && (f(&e["error"]) - s).abs() < 1e-9);
        }
    }
    let v = plot(
        &["plot", "correlations", &ws, "--top", "8"],
        &out_path("corr.png"),
    );
    let shown: Vec<&str> = v["figure"]["names"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap())
        .collect();
    assert_eq!(shown.len(), 8);
    for (a, na) in shown.iter().enumerate() {
        for (b, nb) in shown.iter().enumerate() {
            assert_eq!(
                v["figure"]["correlations"][a][b],
                fit["correlations"][idx(na)][idx(nb)]
            );
        }
    }
}

#[test]
fn plot_ranking_and_yields_on_small_workspaces() {
    // Seed model: one nuisance parameter, anti-correlated with mu, so raising it lowers mu.
    let ws = workspace("seed_model.json");
    let v = plot(&["plot", "ranking", &ws], &out_path("ranking.png"));
    let imp = &v["figure"]["impacts"][0];
    assert_eq!(imp["name"], "uncorr_bkguncrt[0]");
    assert!(f(&imp["postfit_up"]) < 0.0 && f(&imp["postfit_down"]) > 0.0);

    let ws = workspace("sbottom_RegionC_sbottom_1600_850_60.json");
    let v = plot(&["plot", "yields", &ws], &out_path("yields.svg"));
    let panels = v["figure"]["panels"].as_array().unwrap();
    assert_eq!(panels.len(), 6);
    assert_eq!(panels[0]["stage"], "pre-fit");
    assert_eq!(panels[1]["stage"], "post-fit");
    let v = plot(
        &[
            "plot",
            "yields",
            &ws,
            "--stage",
            "postfit",
            "--channel",
            "CRz_cuts",
        ],
        &out_path("yields_crz.png"),
    );
    let panels = v["figure"]["panels"].as_array().unwrap();
    assert_eq!(panels.len(), 1);
    assert_eq!(panels[0]["channel"], "CRz_cuts");
}

#[test]
fn plot_input_errors_exit_2_and_name_the_problem() {
    let ws = workspace("seed_model.json");
    let o = out_path("bad.png");
    let o = o.to_str().unwrap();
    let (code, _, err) = run(&[
        "plot",
        "gradient-map",
        &ws,
        "--x",
        "mu",
        "--y",
        "nope",
        "-o",
        o,
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("\"nope\""), "{err}");
    let (code, _, err) = run(&["plot", "pulls", &ws, "-o", "out.pdf"]);
    assert_eq!(code, 2);
    assert!(err.contains("pdf"), "{err}");
    let (code, _, err) = run(&["plot", "yields", &ws, "--channel", "SR", "-o", o]);
    assert_eq!(code, 2);
    assert!(err.contains("\"SR\""), "{err}");
    let (code, _, err) = run(&["plot", "scan", &ws, "--range", "0:3", "-o", o]);
    assert_eq!(code, 2);
    assert!(err.contains("LO:HI:N"), "{err}");
}

#[test]
fn plot_brazil_marks_the_limits_of_upper_limit() {
    let ws = workspace("seed_model.json");
    let v = plot(
        &["plot", "brazil", &ws, "--points", "11"],
        &out_path("brazil.png"),
    );
    let fig = &v["figure"];
    let (code, out, err) = run(&["upper-limit", &ws, "--json"]);
    assert_eq!(code, 0, "{err}");
    let ul: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(f(&fig["obs_limit"]), f(&ul["obs"]));
    for k in 0..5 {
        assert_eq!(f(&fig["exp_limits"][k]), f(&ul["exp"][k]));
    }
    assert_eq!(fig["poi_values"].as_array().unwrap().len(), 11);
    assert_eq!(fig["method"], "toms748");

    // With --scan the tested points are the grid, as `upper-limit --scan`.
    let v = plot(
        &["plot", "brazil", &ws, "--scan", "0:5:11"],
        &out_path("brazil.svg"),
    );
    let (code, out, err) = run(&["upper-limit", &ws, "--scan", "0:5:11", "--json"]);
    assert_eq!(code, 0, "{err}");
    let ul: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["figure"]["poi_values"], ul["scan"]);
    assert_eq!(v["figure"]["cls_obs"], ul["cls_obs"]);
    assert_eq!(f(&v["figure"]["obs_limit"]), f(&ul["obs"]));

    let (code, _, err) = run(&["plot", "brazil", &ws, "--scan", "0:5", "-o", "x.png"]);
    assert_eq!(code, 2);
    assert!(err.contains("LO:HI:N"), "{err}");
}
