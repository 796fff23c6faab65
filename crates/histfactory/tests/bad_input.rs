#![allow(clippy::unwrap_used)]
//! Bad input gets an error that names the place, never a panic. Each test checks the
//! message a physicist would read.

mod common;
use histfactory::model::{ModelBuilder, NormSysCode};
use histfactory::spec::Workspace;
use serde_json::{json, Value};

fn base() -> Value {
    json!({
        "channels": [{"name": "SR", "samples": [
            {"name": "sig", "data": [5.0, 3.0], "modifiers": [{"name": "mu", "type": "normfactor", "data": null}]},
            {"name": "bkg", "data": [10.0, 8.0], "modifiers": [
                {"name": "unc", "type": "shapesys", "data": [1.0, 2.0]},
                {"name": "jes", "type": "histosys", "data": {"hi_data": [11.0, 9.0], "lo_data": [9.0, 7.0]}}
            ]}
        ]}],
        "observations": [{"name": "SR", "data": [15.0, 11.0]}],
        "measurements": [{"name": "meas", "config": {"poi": "mu", "parameters": []}}],
        "version": "1.0.0"
    })
}

fn spec_error(v: &Value) -> String {
    Workspace::from_value(v)
        .expect_err("must be rejected")
        .to_string()
}

fn model_error(v: &Value) -> String {
    let ws = Workspace::from_value(v).expect("valid document");
    ModelBuilder::new(&ws)
        .build()
        .expect_err("model must be rejected")
        .to_string()
}

#[test]
fn unknown_modifier_type_names_path_and_choices() {
    let mut v = base();
    v["channels"][0]["samples"][1]["modifiers"][0]["type"] = json!("shapesyst");
    let e = spec_error(&v);
    assert!(
        e.starts_with("channels[0].samples[1].modifiers[0].type:"),
        "{e}"
    );
    assert!(
        e.contains("unknown modifier type \"shapesyst\"") && e.contains("normsys"),
        "{e}"
    );
}

#[test]
fn histosys_with_wrong_bin_count_names_channel_and_counts() {
    let mut v = base();
    v["channels"][0]["samples"][1]["modifiers"][1]["data"]["hi_data"] = json!([11.0, 9.0, 1.0]);
    let e = spec_error(&v);
    assert_eq!(
        e,
        "channels[0].samples[1].modifiers[1].data.hi_data: expected 2 bins (channel \"SR\"), found 3"
    );
}

#[test]
fn wrong_data_shape_is_rejected_with_type_found() {
    let mut v = base();
    v["channels"][0]["samples"][0]["data"] = json!({"a": 1});
    let e = spec_error(&v);
    assert_eq!(
        e,
        "channels[0].samples[0].data: expected an array, found an object"
    );
    let mut v = base();
    v["channels"][0]["samples"][1]["modifiers"][1]["data"] = json!([1.0]);
    let e = spec_error(&v);
    assert!(
        e.starts_with("channels[0].samples[1].modifiers[1].data: expected an object"),
        "{e}"
    );
    let mut v = base();
    v["channels"][0]["samples"][0]["data"] = json!([5.0, "x"]);
    assert_eq!(
        spec_error(&v),
        "channels[0].samples[0].data[1]: expected a number, found a string"
    );
}

#[test]
fn samples_whose_bins_do_not_line_up_are_rejected() {
    let mut v = base();
    v["channels"][0]["samples"][1]["data"] = json!([10.0]);
    let e = spec_error(&v);
    assert!(
        e.starts_with("channels[0].samples[1].data: expected 2 bins"),
        "{e}"
    );
}

#[test]
fn observation_with_wrong_length_is_rejected() {
    let v = common::read_json(&common::fixtures().join("data/pyhf-validation/pdf_clipping.json"));
    let e = spec_error(&v);
    assert!(
        e.starts_with("observations[") && e.contains("expected 2 bins"),
        "{e}"
    );
}

#[test]
fn duplicate_names_are_rejected_for_pyhf_schema_cases() {
    for (file, what) in [
        ("model_duplicate_channels.json", "duplicate channel name"),
        ("model_duplicate_samples.json", "duplicate sample name"),
        ("model_duplicate_modifiers.json", "duplicate modifier"),
    ] {
        let v = common::read_json(
            &common::fixtures()
                .join("data/pyhf/tests/test_schema")
                .join(file),
        );
        // These fixtures are bare model specs ({channels, parameters}); wrap them.
        let ws = json!({
            "channels": v["channels"],
            "observations": [],
            "measurements": [{"name": "m", "config": {"poi": "mu", "parameters": []}}],
            "version": "1.0.0"
        });
        let e = spec_error(&ws);
        assert!(
            e.contains(what) && e.starts_with("channels["),
            "{file}: {e}"
        );
    }
}

#[test]
fn lumi_without_measurement_config_is_rejected() {
    let mut v = base();
    v["channels"][0]["samples"][0]["modifiers"]
        .as_array_mut()
        .unwrap()
        .push(json!({"name": "lumi", "type": "lumi", "data": null}));
    let e = model_error(&v);
    assert!(
        e.starts_with("parameter \"lumi\":") && e.contains("config.parameters"),
        "{e}"
    );
}

#[test]
fn lumi_must_be_named_lumi() {
    let mut v = base();
    v["channels"][0]["samples"][0]["modifiers"]
        .as_array_mut()
        .unwrap()
        .push(json!({"name": "luminosity", "type": "lumi", "data": null}));
    assert!(spec_error(&v).contains("must be named \"lumi\""));
}

#[test]
fn observation_for_missing_channel_is_reported() {
    let mut v = base();
    v["observations"]
        .as_array_mut()
        .unwrap()
        .push(json!({"name": "CR", "data": [1.0]}));
    // pyhf accepts this (published workspaces carry such observations); we lint it and
    // reject it when reading strictly.
    let ws = Workspace::from_value(&v).expect("tolerated as pyhf does");
    let lint = ws.lint();
    assert_eq!(lint.len(), 1);
    assert_eq!(lint[0].0, "observations[1].name");
    let e = Workspace::from_value_strict(&v)
        .expect_err("strict")
        .to_string();
    assert_eq!(
        e,
        "observations[1].name: observation for channel \"CR\", which the workspace does not have"
    );
}

#[test]
fn poi_that_no_modifier_defines_is_rejected() {
    let mut v = base();
    v["measurements"][0]["config"]["poi"] = json!("mu_sig");
    let e = model_error(&v);
    assert!(
        e.contains("the POI \"mu_sig\" is not defined by any modifier"),
        "{e}"
    );
    assert!(e.contains("mu"), "lists the parameters: {e}");
}

#[test]
fn unknown_measurement_lists_available() {
    let ws = Workspace::from_value(&base()).unwrap();
    let e = ModelBuilder::new(&ws)
        .measurement("other")
        .build()
        .unwrap_err()
        .to_string();
    assert_eq!(
        e,
        "no measurement named \"other\" (the workspace has: meas)"
    );
}

#[test]
fn shared_shapesys_is_rejected_as_pyhf_does() {
    let mut v = base();
    v["channels"][0]["samples"][0]["modifiers"]
        .as_array_mut()
        .unwrap()
        .push(json!({"name": "unc", "type": "shapesys", "data": [1.0, 1.0]}));
    let e = model_error(&v);
    assert!(e.contains("shapesys modifiers cannot be shared"), "{e}");
}

#[test]
fn measurement_config_with_wrong_lengths_or_fields_is_rejected() {
    let mut v = base();
    v["measurements"][0]["config"]["parameters"] = json!([{"name": "unc", "inits": [1.0]}]);
    let e = model_error(&v);
    assert_eq!(
        e,
        "parameter \"unc\": measurement config gives 1 inits for a set of 2 parameter(s)"
    );
    let mut v = base();
    v["measurements"][0]["config"]["parameters"] = json!([{"name": "mu", "sigmas": [1.0]}]);
    assert!(model_error(&v).contains("sets sigmas, which a normfactor parameter does not use"));
}

#[test]
fn wrong_lengths_at_evaluation_are_errors() {
    let ws = Workspace::from_value(&base()).unwrap();
    let m = ModelBuilder::new(&ws).build().unwrap();
    let data = m.observed_data().unwrap();
    let e = m.logpdf(&[1.0], &data).unwrap_err().to_string();
    assert_eq!(
        e,
        format!("parameters: expected {} values, found 1", m.n_pars())
    );
    let e = m
        .logpdf(&m.suggested_init(), &data[..2])
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with("data (main + auxdata): expected 5 values"),
        "{e}"
    );
}

#[test]
fn negative_rates_give_nan_as_pyhf_and_check_rates_names_the_bin() {
    let mut v = base();
    // a down variation that drives the background negative at alpha = -3
    v["channels"][0]["samples"][1]["modifiers"][1]["data"]["lo_data"] = json!([2.0, 7.0]);
    let ws = Workspace::from_value(&v).unwrap();
    let m = ModelBuilder::new(&ws).build().unwrap();
    let data = m.observed_data().unwrap();
    let mut pars = m.suggested_init();
    let jes = m.par_index("jes").unwrap();
    pars[jes] = -3.0;
    assert!(m.logpdf(&pars, &data).unwrap().is_nan());
    let e = m.check_rates(&pars).unwrap_err().to_string();
    assert!(
        e.contains("channel \"SR\", sample \"bkg\", bin 0") && e.contains("negative"),
        "{e}"
    );
}

#[test]
fn not_json_and_missing_files_are_errors() {
    assert!(Workspace::from_str("{")
        .unwrap_err()
        .to_string()
        .starts_with("not valid JSON"));
    let e = Workspace::from_path("/no/such/file.json".as_ref())
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("cannot read /no/such/file.json"), "{e}");
}

#[test]
fn clipping_sample_and_bin_rates_as_pyhf() {
    // pyhf tests/test_pdf.py::test_pdf_clipping, with ch1's observation padded to 2 bins
    // (the sidecar notes the test never uses observations).
    let dir = common::fixtures().join("data/pyhf-validation");
    let mut v = common::read_json(&dir.join("pdf_clipping.json"));
    let expected = common::read_json(&dir.join("pdf_clipping.expected.json"));
    for o in v["observations"].as_array_mut().unwrap() {
        let n = o["data"].as_array().unwrap().len();
        if o["name"] == "ch1" && n == 1 {
            o["data"].as_array_mut().unwrap().push(json!(0.0));
        }
    }
    let ws = Workspace::from_value(&v).unwrap();
    let pars_of = |m: &histfactory::model::Model| {
        let mut p = m.suggested_init();
        for (name, val) in expected["pars"].as_object().unwrap() {
            p[m.par_index(name).unwrap()] = val.as_f64().unwrap();
        }
        p
    };
    let m = ModelBuilder::new(&ws).build().unwrap();
    let got = m.expected_data(&pars_of(&m), false).unwrap();
    let want = common::floats(&expected["expected"]["expected_actualdata_noclip"]);
    common::assert_close("noclip", &got, &want, 0.0, 1e-3);
    for (key, opts) in [
        ("expected_actualdata_clip_sample_data_0", (Some(0.0), None)),
        ("expected_actualdata_clip_bin_data_0", (None, Some(0.0))),
    ] {
        let m = ModelBuilder::new(&ws)
            .options(histfactory::model::ModelOptions {
                clip_sample: opts.0,
                clip_bin: opts.1,
                ..Default::default()
            })
            .build()
            .unwrap();
        let got = m.expected_data(&pars_of(&m), false).unwrap();
        let want = common::floats(&expected["expected"][key]);
        common::assert_close(key, &got, &want, 0.0, 1e-3);
    }
}

// See issue 17: values the likelihood cannot be evaluated with are refused when the model
// is built, naming channel, sample, modifier and bin, instead of a NaN at the first fit.

#[test]
fn negative_nominal_bin_rate_is_refused_naming_channel_sample_and_bin() {
    let mut v = base();
    v["channels"][0]["samples"][1]["data"] = json!([10.0, -9.0]);
    let e = model_error(&v);
    assert_eq!(
        e,
        "channel \"SR\", sample \"bkg\", bin 1: the bin's nominal rate is -6.0, below 0 (a Poisson mean must not be negative; the clip_sample/clip_bin options clip such rates) (sample yield -9.0)"
    );
}

#[test]
fn negative_samples_in_positive_bins_zero_yields_and_clipped_models_still_build() {
    // pyhf evaluates these finitely: a negative sample whose bin sum is positive, a bin
    // of zero rate, and, with clipping, a negative bin sum.
    let mut v = base();
    v["channels"][0]["samples"][0]["data"] = json!([-5.0, 0.0]);
    v["channels"][0]["samples"][1]["data"] = json!([10.0, 0.0]);
    v["channels"][0]["samples"][1]["modifiers"][1]["data"] =
        json!({"hi_data": [11.0, 0.0], "lo_data": [9.0, 0.0]});
    let ws = Workspace::from_value(&v).unwrap();
    let m = ModelBuilder::new(&ws).build().unwrap();
    let data = m.data_with_auxdata(&[5.0, 0.0]).unwrap();
    assert!(m.logpdf(&m.suggested_init(), &data).unwrap().is_finite());
    v["channels"][0]["samples"][1]["data"] = json!([1.0, 0.0]);
    let ws = Workspace::from_value(&v).unwrap();
    assert!(ModelBuilder::new(&ws).build().is_err());
    let clipped = histfactory::model::ModelOptions {
        clip_bin: Some(0.0),
        ..Default::default()
    };
    ModelBuilder::new(&ws).options(clipped).build().unwrap();
}

#[test]
fn positive_rate_too_small_to_divide_by_is_refused() {
    // A nominal of f64::MIN_POSITIVE gave a NaN gradient with 5 observed events.
    let mut v = base();
    v["channels"][0]["samples"][0]["data"] = json!([5.0, 2.2250738585072014e-308]);
    v["channels"][0]["samples"][1]["data"] = json!([10.0, 0.0]);
    v["channels"][0]["samples"][1]["modifiers"][1]["data"] =
        json!({"hi_data": [11.0, 0.0], "lo_data": [9.0, 0.0]});
    let e = model_error(&v);
    assert!(
        e.starts_with("channel \"SR\", sample \"sig\", bin 1: the bin's nominal rate 2.2250738585072014e-308 is positive but below 1e-290"),
        "{e}"
    );
}

#[test]
fn normsys_factor_of_zero_or_below_is_refused_for_both_codes() {
    for (hi, lo) in [(1.2, 0.0), (-1.1, 0.9)] {
        let mut v = base();
        v["channels"][0]["samples"][0]["modifiers"]
            .as_array_mut()
            .unwrap()
            .push(json!({"name": "n", "type": "normsys", "data": {"hi": hi, "lo": lo}}));
        let ws = Workspace::from_value(&v).unwrap();
        for code in [NormSysCode::Code1, NormSysCode::Code4] {
            let e = ModelBuilder::new(&ws)
                .normsys_code(code)
                .build()
                .unwrap_err()
                .to_string();
            assert_eq!(
                e,
                format!("channel \"SR\", sample \"sig\", modifier \"n\" (normsys): normsys factors must be positive and finite (their logarithms are interpolated), found hi = {hi:?}, lo = {lo:?}")
            );
        }
    }
}

#[test]
fn shapesys_with_infinite_tau_is_refused_naming_the_bin() {
    let mut v = base();
    v["channels"][0]["samples"][1]["data"] = json!([10.0, 1e308]);
    v["channels"][0]["samples"][1]["modifiers"][1]["data"] =
        json!({"hi_data": [11.0, 1e308], "lo_data": [9.0, 1e308]});
    let e = model_error(&v);
    assert_eq!(
        e,
        "channel \"SR\", sample \"bkg\", modifier \"unc\" (shapesys), bin 1: tau = (nominal / uncertainty)^2 = (1e308 / 2.0)^2 is not finite"
    );
}

#[test]
fn constraint_widths_and_factors_of_zero_or_below_are_refused() {
    let mut v = base();
    v["channels"][0]["samples"][0]["modifiers"]
        .as_array_mut()
        .unwrap()
        .push(json!({"name": "lumi", "type": "lumi", "data": null}));
    let lumi = |sigma: f64| json!({"name": "lumi", "inits": [1.0], "bounds": [[0.5, 1.5]], "auxdata": [1.0], "sigmas": [sigma]});
    for (config, want) in [
        (
            lumi(0.0),
            "parameter \"lumi\": sigmas[0] = 0.0: the constraint needs a positive, finite value",
        ),
        (
            lumi(-0.1),
            "parameter \"lumi\": sigmas[0] = -0.1: the constraint needs a positive, finite value",
        ),
        (
            json!({"name": "jes", "sigmas": [0.0]}),
            "parameter \"jes\": sigmas[0] = 0.0: the constraint needs a positive, finite value",
        ),
        (
            json!({"name": "unc", "factors": [100.0, -1.0]}),
            "parameter \"unc\": factors[1] = -1.0: the constraint needs a positive, finite value",
        ),
    ] {
        let mut v = v.clone();
        v["measurements"][0]["config"]["parameters"] = json!([lumi(0.02), config]);
        if config["name"] == "lumi" {
            v["measurements"][0]["config"]["parameters"] = json!([config]);
        }
        assert_eq!(model_error(&v), want);
    }
}

#[test]
fn negative_observed_count_is_refused_by_both_readers_naming_the_bin() {
    let mut v = base();
    v["observations"][0]["data"] = json!([15.0, -1.0]);
    let want =
        "observations[0].data[1]: expected a count of at least 0, found -1 (channel \"SR\", bin 1)";
    assert_eq!(spec_error(&v), want);
    assert_eq!(
        Workspace::from_str(&v.to_string()).unwrap_err().to_string(),
        want
    );
}
