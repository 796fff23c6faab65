//! End-to-end: the binary under bad input and hostile output (see issue 17). Every case
//! exits with a message (2 for the input, 1 for a failed write), never a panic or a NaN.
#![allow(clippy::unwrap_used)]

mod common;
use common::{run, workspace};

use serde_json::{json, Value};
use std::path::PathBuf;
use std::process::{Command, Stdio};

/// A file in this test run's temporary folder.
fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("histfactory-cli-robust-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

/// `doc` written to a temporary file, as a path string.
fn write(name: &str, doc: &Value) -> String {
    let path = temp(name);
    std::fs::write(&path, doc.to_string()).unwrap();
    path.to_str().unwrap().to_string()
}

/// A one-channel workspace: a signal scaled by `mu` and a background with a normsys
/// `n`, observed `obs`.
fn two_samples(obs: f64) -> Value {
    json!({
        "channels": [{"name": "SR", "samples": [
            {"name": "sig", "data": [5.0], "modifiers": [
                {"name": "mu", "type": "normfactor", "data": null}]},
            {"name": "bkg", "data": [10.0], "modifiers": [
                {"name": "n", "type": "normsys", "data": {"hi": 1.1, "lo": 0.9}}]}
        ]}],
        "observations": [{"name": "SR", "data": [obs]}],
        "measurements": [{"name": "m", "config": {"poi": "mu", "parameters": []}}],
        "version": "1.0.0"
    })
}

/// Runs `histfactory ARGS` with standard output going to `/dev/full`: exit code, stderr.
#[cfg(target_os = "linux")]
fn run_to_full_disk(args: &[&str]) -> (i32, String) {
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_histfactory"))
        .args(args)
        .stdout(full)
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[cfg(target_os = "linux")]
#[test]
fn writes_to_a_full_disk_fail_with_exit_1_and_a_message() {
    let ws = workspace("seed_model.json");
    for args in [
        vec!["fit", ws.as_str(), "--json"],
        vec!["fit", ws.as_str()],
        vec!["inspect", ws.as_str()],
        vec!["inspect", ws.as_str(), "--json"],
        vec!["sort", ws.as_str()],
        vec!["completions", "bash"],
    ] {
        let (code, err) = run_to_full_disk(&args);
        assert_eq!(code, 1, "{args:?}: {err}");
        assert_eq!(
            err, "error: cannot write to standard output: No space left on device (os error 28)\n",
            "{args:?}"
        );
    }
}

#[test]
fn a_closed_pipe_ends_the_command_quietly() {
    let ws = workspace("seed_model.json");
    let mut child = Command::new(env!("CARGO_BIN_EXE_histfactory"))
        .args(["inspect", &ws, "--json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert!(String::from_utf8(out.stderr).unwrap().is_empty());
}

#[test]
fn arrays_for_objects_are_refused_from_a_file_and_from_stdin_alike() {
    let mut doc = two_samples(12.0);
    doc["measurements"][0]["config"]["parameters"] = json!([["mu"]]);
    let file = write("positional-parameter.json", &doc);
    let (code, _, from_file) = run(&["fit", &file]);
    assert_eq!(code, 2, "{from_file}");
    let want = "measurements[0].config.parameters[0]: expected an object, found an array";
    assert!(from_file.contains(want), "{from_file}");
    let mut child = Command::new(env!("CARGO_BIN_EXE_histfactory"))
        .args(["fit", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(doc.to_string().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let from_stdin = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        from_file.replace(&file, "-"),
        from_stdin,
        "the two readers disagree"
    );
    // A whole document written positionally.
    let positional = json!([
        [["SR", [["sig", [5.0], [["mu", "normfactor", null]]]]]],
        [["SR", [12.0]]],
        [["m", ["mu", []]]],
        "1.0.0"
    ]);
    let (code, _, err) = run(&["fit", &write("positional.json", &positional)]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("expected an object, found an array"), "{err}");
}

#[test]
fn values_the_likelihood_cannot_take_are_refused_with_exit_2_naming_the_place() {
    let mut normsys = two_samples(12.0);
    normsys["channels"][0]["samples"][1]["modifiers"][0]["data"] = json!({"hi": 1.2, "lo": 0.0});
    let mut negative = two_samples(12.0);
    negative["channels"][0]["samples"][1]["data"] = json!([-10.0]);
    let mut tau = two_samples(12.0);
    tau["channels"][0]["samples"][1]["data"] = json!([1e308]);
    tau["channels"][0]["samples"][1]["modifiers"] =
        json!([{"name": "sh", "type": "shapesys", "data": [1.0]}]);
    let mut tiny = two_samples(5.0);
    tiny["channels"][0]["samples"] = json!([{"name": "sig", "data": [2.2250738585072014e-308],
        "modifiers": [{"name": "mu", "type": "normfactor", "data": null}]}]);
    let mut lumi = two_samples(12.0);
    lumi["channels"][0]["samples"][0]["modifiers"]
        .as_array_mut()
        .unwrap()
        .push(json!({"name": "lumi", "type": "lumi", "data": null}));
    lumi["measurements"][0]["config"]["parameters"] = json!([{"name": "lumi", "inits": [1.0],
        "bounds": [[0.5, 1.5]], "auxdata": [1.0], "sigmas": [0.0]}]);
    let cases = [
        (normsys, "channel \"SR\", sample \"bkg\", modifier \"n\" (normsys): normsys factors must be positive and finite"),
        (negative, "channel \"SR\", sample \"bkg\", bin 0: the bin's nominal rate is -5.0, below 0"),
        (tau, "channel \"SR\", sample \"bkg\", modifier \"sh\" (shapesys), bin 0: tau = (nominal / uncertainty)^2 = (1e308 / 1.0)^2 is not finite"),
        (tiny, "channel \"SR\", sample \"sig\", bin 0: the bin's nominal rate 2.2250738585072014e-308 is positive but below 1e-290"),
        (lumi, "parameter \"lumi\": sigmas[0] = 0.0: the constraint needs a positive, finite value"),
        (two_samples(-1.0), "observations[0].data[0]: expected a count of at least 0, found -1 (channel \"SR\", bin 0)"),
    ];
    for (i, (doc, want)) in cases.into_iter().enumerate() {
        let file = write(&format!("unevaluable-{i}.json"), &doc);
        for command in ["fit", "cls", "inspect"] {
            let (code, out, err) = run(&[command, &file]);
            assert_eq!(code, 2, "{command} {want}: {err}");
            assert!(err.contains(want), "{command}: {err}");
            assert!(!out.contains("NaN") && !out.contains("null"), "{out}");
        }
    }
}

#[test]
fn plot_to_a_missing_directory_names_the_path() {
    let ws = workspace("seed_model.json");
    let (code, _, err) = run(&["plot", "pulls", &ws, "-o", "missing_dir/x.png"]);
    assert_eq!(code, 2, "{err}");
    assert_eq!(
        err,
        "error: -o missing_dir/x.png: the directory missing_dir does not exist\n"
    );
}

#[test]
fn plot_ranking_without_nuisance_parameters_says_so() {
    let doc = json!({
        "channels": [{"name": "SR", "samples": [{"name": "sig", "data": [5.0], "modifiers": [
            {"name": "mu", "type": "normfactor", "data": null}]}]}],
        "observations": [{"name": "SR", "data": [6.0]}],
        "measurements": [{"name": "m", "config": {"poi": "mu", "parameters": []}}],
        "version": "1.0.0"
    });
    let file = write("no-nuisance.json", &doc);
    let out = temp("ranking.png");
    let (code, _, err) = run(&["plot", "ranking", &file, "-o", out.to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("the model has no nuisance parameters to rank"),
        "{err}"
    );
}

#[test]
fn fix_with_a_non_finite_value_names_the_parameter() {
    let ws = workspace("seed_model.json");
    for value in ["NaN", "inf"] {
        let spec = format!("mu={value}");
        let (code, _, err) = run(&["fit", &ws, "--fix", &spec]);
        assert_eq!(code, 2, "{err}");
        assert!(
            err.contains(&format!(
                "--fix {spec}: parameter \"mu\" needs a finite value"
            )),
            "{err}"
        );
    }
}

#[test]
fn an_error_wrapping_another_prints_it_once() {
    let mut doc = two_samples(12.0);
    doc["measurements"][0]["config"]["parameters"] =
        json!([{"name": "mu", "inits": [20.0], "bounds": [[0.0, 10.0]]}]);
    let file = write("init-outside.json", &doc);
    let (code, _, err) = run(&["cls", &file]);
    assert_eq!(code, 2, "{err}");
    let message = "initial value 20 outside its bounds [0, 10]";
    assert_eq!(err.matches(message).count(), 1, "{err}");
}

#[test]
fn negative_numbers_are_taken_as_values() {
    let file = write("negative-values.json", &two_samples(12.0));
    // Parsed as values, not refused by the argument parser; what the commands then make of
    // them (a POI value outside its bounds) is theirs to say.
    for args in [
        vec!["cls", file.as_str(), "--poi-value", "-1"],
        vec!["upper-limit", file.as_str(), "--scan", "-5:-1:5"],
        vec!["fit", file.as_str(), "--fix-poi", "-1"],
    ] {
        let (_, _, err) = run(&args);
        assert!(
            !err.contains("unexpected argument") && !err.contains("tip:"),
            "{args:?}: {err}"
        );
    }
    let (code, out, err) = run(&["scan", &file, "--par", "n", "--range", "-3:3:3", "--json"]);
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["values"], json!([-3.0, 0.0, 3.0]), "{out}");
    let png = temp("negative-range.png");
    let (code, _, err) = run(&[
        "plot",
        "gradient-map",
        &file,
        "--x",
        "n",
        "--y",
        "mu",
        "--x-range",
        "-4:-1",
        "--y-range",
        "0:2",
        "--grid",
        "5",
        "-o",
        png.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
}

#[test]
fn control_characters_in_names_are_escaped_in_tables() {
    let mut doc = two_samples(12.0);
    let evil = "A\u{1b}[2J\u{1b}[31mEVIL";
    doc["channels"][0]["name"] = json!(evil);
    doc["observations"][0]["name"] = json!(evil);
    doc["channels"][0]["samples"][1]["modifiers"][0]["name"] = json!("n\u{1b}]0;title\u{7}");
    let file = write("escapes.json", &doc);
    let (code, out, err) = run(&["inspect", &file]);
    assert_eq!(code, 0, "{err}");
    assert!(!out.contains('\u{1b}') && !out.contains('\u{7}'), "{out:?}");
    assert!(out.contains("A\\u001b[2J\\u001b[31mEVIL"), "{out}");
    assert!(out.contains("n\\u001b]0;title\\u0007"), "{out}");
    let (code, out, err) = run(&["fit", &file]);
    assert_eq!(code, 0, "{err}");
    assert!(!out.contains('\u{1b}'), "{out:?}");
    // Messages too: an unknown parameter is echoed escaped.
    let (code, _, err) = run(&["fit", &file, "--fix", "x\u{1b}[2J=1"]);
    assert_eq!(code, 2);
    assert!(
        !err.contains('\u{1b}') && err.contains("x\\u001b[2J"),
        "{err:?}"
    );
    // JSON output keeps the names as they are (its strings are escaped already).
    let (code, out, _) = run(&["inspect", &file, "--json"]);
    assert_eq!(code, 0);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["channels"][0], json!(evil));
}
