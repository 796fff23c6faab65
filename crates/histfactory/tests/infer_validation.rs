#![allow(clippy::unwrap_used)]
//! pyhf's frozen inference numbers (`fixtures/data/pyhf-validation/*.expected.json` and
//! `fixtures/data/sbottom-ins1748602/regression.expected.json`), each with the interpolation
//! codes, test statistic and tolerance its sidecar names.

mod common;
use common::{fixtures, floats, num, read_json};
use histfactory::infer::{
    hypotest, upper_limit, upper_limit_grid, HypotestOptions, TestStat, UpperLimitOptions,
};
use histfactory::model::{HistoSysCode, Model, ModelBuilder, NormSysCode};
use histfactory::spec::Workspace;
use serde_json::Value;

fn validation_dir() -> std::path::PathBuf {
    fixtures().join("data/pyhf-validation")
}

fn build(ws: &Workspace, settings: &Value) -> Model {
    let mut b = ModelBuilder::new(ws);
    if let Some(c) = settings["normsys"]["interpcode"].as_str() {
        b = b.normsys_code(c.parse::<NormSysCode>().unwrap());
    }
    if let Some(c) = settings["histosys"]["interpcode"].as_str() {
        b = b.histosys_code(c.parse::<HistoSysCode>().unwrap());
    }
    b.build().unwrap()
}

fn rel_ok(ours: f64, want: f64, rel: f64) -> bool {
    (ours - want).abs() <= rel * want.abs()
}

/// pyhf's frozen numbers come from scipy's SLSQP at its default tolerance, which stops
/// short of the minima: on `1bin_shapesys` its free fit ends at mu = 0.50031667 with
/// twice_nll 11.621610098, where the analytic minimum is mu = 0.5, twice_nll 11.621609925
/// (ours); its free fit to the Asimov data ends at mu = 3.4e-5 instead of 0. These
/// 1e-7-level shortfalls move CLs by up to ~3e-4 relative (mostly the expected band,
/// through q_A). `fixtures/infer/pyhf076_tight_slsqp.json` holds pyhf 0.7.6's own hypotest
/// run with `scipy_optimizer(tolerance=1e-14)`: the same computation carried to the minima.
/// An entry that misses the frozen number at the stated tolerance must meet the tight pyhf
/// number at that same tolerance.
fn tight_pyhf(key: &str) -> Vec<f64> {
    let v = read_json(&fixtures().join("infer/pyhf076_tight_slsqp.json"));
    floats(&v["results"][key])
}

/// `tests/test_validation.py`: CLs_obs with `abs(obs-exp)/exp < tol`, each band entry with
/// `pytest.approx(rel=tol)` (which also accepts an absolute 1e-12).
#[test]
fn test_validation_cases() {
    let mut failures = Vec::new();
    let mut n = 0;
    for entry in std::fs::read_dir(validation_dir()).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        if !name.ends_with(".expected.json") {
            continue;
        }
        let side = read_json(&path);
        if side["calctype"].as_str() != Some("asymptotics") {
            continue;
        }
        n += 1;
        let case = name.trim_end_matches(".expected.json");
        if case == "2bin_2channel_coupledhistosys" {
            // Multimodal: see `coupledhistosys_code0_global_minima`.
            continue;
        }
        let ws = Workspace::from_path(&validation_dir().join(side["workspace"].as_str().unwrap()))
            .unwrap();
        let model = build(&ws, &side["modifier_settings"]);
        let data = model.observed_data().unwrap();
        let opts = HypotestOptions {
            test_stat: side["test_stat"]
                .as_str()
                .unwrap()
                .parse::<TestStat>()
                .unwrap(),
            ..Default::default()
        };
        let r = hypotest(&model, &data, num(&side["mu_test"]), &opts).unwrap();
        let e = &side["expected"];
        let obs = num(&e["CLs_obs"]);
        let band = floats(&e["CLs_exp_band_minus2_to_plus2_sigma"]);
        let tol = &side["tolerance"];
        let ok = |ours: f64, want: f64| match tol.get("relative") {
            Some(rel) => rel_ok(ours, want, num(rel)) || (ours - want).abs() <= 1e-12,
            // np.allclose(atol, rtol)
            None => (ours - want).abs() <= num(&tol["atol"]) + num(&tol["rtol"]) * want.abs(),
        };
        eprintln!(
            "{name}: obs {} vs {obs} (rel {:.1e}), band rel {:?}",
            r.cls_obs,
            (r.cls_obs - obs).abs() / obs,
            r.cls_exp
                .iter()
                .zip(&band)
                .map(|(a, b)| format!("{:.1e}", (a - b).abs() / b.abs()))
                .collect::<Vec<_>>()
        );
        let tight = tight_pyhf(&name);
        let mut ours = vec![r.cls_obs];
        ours.extend(r.cls_exp);
        let mut frozen = vec![obs];
        frozen.extend(band);
        for k in 0..6 {
            if !ok(ours[k], frozen[k]) {
                eprintln!(
                    "  {name}[{k}]: frozen {} missed (SLSQP), tight pyhf {}",
                    frozen[k], tight[k]
                );
                if !ok(ours[k], tight[k]) {
                    failures.push(format!(
                        "{name}[{k}] (CLs_obs, exp...): ours {} vs frozen {} / tight pyhf {}",
                        ours[k], frozen[k], tight[k]
                    ));
                }
            }
        }
    }
    assert_eq!(n, 10, "asymptotic sidecars found");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// `tests/test_regression.py`: the published ATLAS sbottom likelihoods.
#[test]
fn sbottom_regression() {
    let dir = fixtures().join("data/sbottom-ins1748602");
    let side = read_json(&dir.join("regression.expected.json"));
    let mut failures = Vec::new();
    for case in side["cases"].as_array().unwrap() {
        let mut spec = read_json(&dir.join(case["workspace"].as_str().unwrap()));
        let patch = read_json(&dir.join(case["patch"].as_str().unwrap()));
        let patch: json_patch::Patch = serde_json::from_value(patch).unwrap();
        json_patch::patch(&mut spec, &patch).unwrap();
        let ws = Workspace::from_value(&spec).unwrap();
        let model = build(&ws, &side["modifier_settings"]);
        let data = model.observed_data().unwrap();
        let t = std::time::Instant::now();
        let r = hypotest(&model, &data, 1.0, &HypotestOptions::default()).unwrap();
        let name = case["test"].as_str().unwrap();
        let obs = num(&case["CLs_obs"]);
        let band = floats(&case["CLs_exp"]);
        eprintln!(
            "{name}: {:.2} s, obs rel {:.1e}, band rel {:?}",
            t.elapsed().as_secs_f64(),
            (r.cls_obs - obs).abs() / obs,
            r.cls_exp
                .iter()
                .zip(&band)
                .map(|(a, b)| format!("{:.1e}", (a - b).abs() / b))
                .collect::<Vec<_>>()
        );
        assert!(r.converged, "{name}: {:?}", r.warnings);
        let (obs_rel, exp_rel) = (num(&case["CLs_obs_rel"]), num(&case["CLs_exp_rtol"]));
        let tight = tight_pyhf(name);
        if name == "test_sbottom_regionC_1600_850_60" {
            // The same model is reference case `sbottom_C_1600_850_60` (tight minima): there
            // the stated tolerances hold.
            let refc = common::read_reference(
                &fixtures().join("reference/pyhf/sbottom_C_1600_850_60.ref.json"),
            );
            let h = &refc["hypotest_mu1_qtilde"];
            assert!(rel_ok(
                r.cls_obs,
                num(&h["cls_obs"]),
                num(&case["CLs_obs_rel"])
            ));
            for (a, b) in r.cls_exp.iter().zip(floats(&h["cls_exp"])) {
                assert!(rel_ok(*a, b, num(&case["CLs_exp_rtol"])), "{a} vs {b}");
            }
        }
        if !rel_ok(r.cls_obs, obs, obs_rel) && !rel_ok(r.cls_obs, tight[0], obs_rel) {
            failures.push(format!(
                "{name}: CLs_obs {} vs {obs} / tight {}",
                r.cls_obs, tight[0]
            ));
        }
        for (k, (a, b)) in r.cls_exp.iter().zip(&band).enumerate() {
            if !rel_ok(*a, *b, exp_rel) && !rel_ok(*a, tight[k + 1], exp_rel) {
                failures.push(format!(
                    "{name}: CLs_exp[{k}] {a} vs {b} / tight {}",
                    tight[k + 1]
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn simplemodel() -> (Model, Vec<f64>, Value) {
    let side = read_json(&validation_dir().join("simplemodel_uncorr_2bin.expected.json"));
    let ws = Workspace::from_path(&validation_dir().join("simplemodel_uncorr_2bin.json")).unwrap();
    let model = build(&ws, &side["modifier_settings"]);
    let data = model.observed_data().unwrap();
    (model, data, side["expected"].clone())
}

/// README / `pyhf cls` and `tests/test_infer.py` on the simple 2-bin model.
#[test]
fn simplemodel_hypotest_and_limits() {
    let (model, data, e) = simplemodel();
    let r = hypotest(&model, &data, 1.0, &HypotestOptions::default()).unwrap();
    let h = &e["hypotest_qtilde_mu1_asymptotics"];
    eprintln!("hypotest: {} {:?}", r.cls_obs, r.cls_exp);

    let grid: Vec<f64> = (0..11).map(|i| 0.5 * i as f64).collect();
    let g = upper_limit_grid(&model, &data, &grid, &UpperLimitOptions::default()).unwrap();
    let want = &e["upper_limit_linear_scan_0_5_11pts"];
    eprintln!("grid: {} {:?}", g.obs, g.exp);

    let opts = UpperLimitOptions {
        rtol: 1e-6,
        ..Default::default()
    };
    let t = upper_limit(&model, &data, &opts).unwrap();
    let want_t = &e["upper_limit_toms748_rtol1e-6"];
    eprintln!("toms748: {} {:?}", t.obs, t.exp);

    let ok = |a: f64, b: f64, rel: f64| rel_ok(a, b, rel);
    let mut failures = Vec::new();
    // Frozen numbers from SLSQP at its default tolerance: where one is missed, the tight
    // pyhf run (see `tight_pyhf`) must be met at the same tolerance.
    let mut check = |what: &str, ours: &[f64], want: &[f64], rel: f64| {
        let tight = tight_pyhf(&format!("simplemodel_uncorr_2bin:{what}"));
        for (k, (a, b)) in ours.iter().zip(want).enumerate() {
            if !ok(*a, *b, rel) && !ok(*a, tight[k], rel) {
                failures.push(format!("{what}[{k}]: {a} vs {b} / tight {}", tight[k]));
            }
        }
    };
    let mut ours = vec![r.cls_obs];
    ours.extend(r.cls_exp);
    let mut w = vec![num(&h["CLs_obs"])];
    w.extend(floats(&h["CLs_exp_band_minus2_to_plus2_sigma"]));
    check("hypotest", &ours, &w, 1e-6);
    let mut ours = vec![g.obs];
    ours.extend(g.exp);
    let mut w = vec![num(&want["obs"])];
    w.extend(floats(&want["exp_band"]));
    check("grid_0_5_11", &ours, &w, 1e-6);
    let mut ours = vec![t.obs];
    ours.extend(t.exp);
    let mut w = vec![num(&want_t["obs"])];
    w.extend(floats(&want_t["exp_band"]));
    check("toms748_rtol1e-6", &ours, &w, 1e-6);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// `2bin_2channel_coupledhistosys` with code1/code0 (test_validation): the histosys kink
/// makes the fixed-POI likelihoods bimodal. pyhf 0.7.6 (numpy/SLSQP, checked) stops at
/// alpha = +0.481 with twice_nll 31.3751 for the mu = 1 fit to the data and at alpha = +0.493,
/// twice_nll 37.4757 for the mu = 1 fit to the Asimov data; the global minima are on the
/// other side of the kink, lower (30.8717 at alpha = -0.359 on the data). With the global
/// minima q_obs = 1.5843 and q_A = 3.7673 (pyhf: 2.088, 8.61), so CLs = 0.13831 instead of
/// pyhf's 0.07967 and the band is wider. We assert the global-minimum values (computed here,
/// stated tolerance 1e-6) and that the fixed fit is below pyhf's.
#[test]
fn coupledhistosys_code0_global_minima() {
    let ws =
        Workspace::from_path(&validation_dir().join("2bin_2channel_coupledhistosys.json")).unwrap();
    let side = read_json(&validation_dir().join("2bin_2channel_coupledhistosys.expected.json"));
    let model = build(&ws, &side["modifier_settings"]);
    let data = model.observed_data().unwrap();
    let opts = HypotestOptions {
        test_stat: TestStat::Q,
        ..Default::default()
    };
    let r = hypotest(&model, &data, 1.0, &opts).unwrap();
    assert!(r.converged);
    assert!(r.fits.fixed.twice_nll < 31.3751 - 0.1);
    assert!(r.fits.asimov.as_ref().unwrap().fixed.twice_nll < 37.4757 - 0.1);
    let mut ours = vec![r.cls_obs];
    ours.extend(r.cls_exp);
    let want = [
        0.138305152364664,
        0.0017836766062603539,
        0.010311721736297436,
        0.0522637016498788,
        0.2060557086878202,
        0.5357296755554678,
    ];
    common::assert_close("coupledhistosys code0", &ours, &want, 1e-6, 0.0);
}

/// `nanguard` (test_infer.py::test_teststat_nan_guard): q̃(mu = 0) on a model where the
/// free fit sits at mu = 0 is 0, not NaN; a tiny signal gives finite numbers.
#[test]
fn nan_guards() {
    for (case, mu) in [
        ("nanguard_uncorr_1bin_a", 0.0),
        ("nanguard_uncorr_1bin_b", 1.0),
    ] {
        let ws = Workspace::from_path(&validation_dir().join(format!("{case}.json"))).unwrap();
        let model = ModelBuilder::new(&ws).build().unwrap();
        let data = model.observed_data().unwrap();
        let r = hypotest(&model, &data, mu, &HypotestOptions::default()).unwrap();
        assert!(
            r.cls_obs.is_finite() && r.cls_exp.iter().all(|v| v.is_finite()),
            "{case}"
        );
        if mu == 0.0 {
            assert_eq!(r.q_obs, 0.0, "{case}");
        }
    }
}
