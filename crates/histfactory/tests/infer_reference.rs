#![allow(clippy::unwrap_used)]
//! Hypothesis tests and upper limits on every reference case against pyhf 0.7.6
//! (`hypotest_mu1_qtilde`: CLs, CLs+b, CLb and the expected band to 1e-4 absolute;
//! `upper_limit_95`: observed and expected limits to 1e-3 relative), and what the global
//! minima give on the cases flagged `multimodal`.

mod common;
use common::{cases, floats, num, Case};
use histfactory::infer::{hypotest, upper_limit, HypotestOptions, UpperLimitOptions};

fn is_multimodal(c: &Case) -> bool {
    c.reference["multimodal"].as_bool() == Some(true)
}

/// The reference fit found no finite likelihood (twice_nll stored as 2e30): its hypotest
/// numbers (CLs = 1 from q = 0) are placeholders, and pyhf's own hypotest raised an error.
fn reference_not_evaluable(c: &Case) -> bool {
    num(&c.reference["mle"]["twice_nll"]) >= 1e29
}

fn check_hypotest(c: &Case) -> Result<(), String> {
    let h = &c.reference["hypotest_mu1_qtilde"];
    let model = c.model();
    let r = hypotest(&model, &c.data(), 1.0, &HypotestOptions::default())
        .map_err(|e| format!("{}: {e}", c.id))?;
    let mut ours = vec![r.cls_obs, r.clsb, r.clb];
    ours.extend(r.cls_exp);
    let mut want = vec![num(&h["cls_obs"]), num(&h["clsb"]), num(&h["clb"])];
    want.extend(floats(&h["cls_exp"]));
    for (i, (a, b)) in ours.iter().zip(&want).enumerate() {
        if (a - b).abs() > 1e-4 || a.is_nan() {
            return Err(format!(
                "{}: value {i} (cls_obs, clsb, clb, exp...) ours {a} vs pyhf {b}; q_obs {} vs {}, q_A {} vs {}",
                c.id,
                r.q_obs,
                num(&h["q_obs"]),
                r.q_asimov,
                num(&h["q_asimov"])
            ));
        }
    }
    Ok(())
}

#[test]
fn hypotest_mu1_qtilde_matches_pyhf() {
    let mut failures = Vec::new();
    let mut n = 0;
    for c in cases() {
        if c.reference.get("hypotest_mu1_qtilde").is_none()
            || is_multimodal(&c)
            || reference_not_evaluable(&c)
        {
            continue;
        }
        n += 1;
        let t = std::time::Instant::now();
        if let Err(e) = check_hypotest(&c) {
            failures.push(e);
        }
        eprintln!("{}: {:.2} s", c.id, t.elapsed().as_secs_f64());
    }
    assert!(n > 40, "only {n} cases");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn upper_limit_95_matches_pyhf() {
    let mut failures = Vec::new();
    let mut n = 0;
    for c in cases() {
        let u = &c.reference["upper_limit_95"];
        if u.get("obs").is_none() || is_multimodal(&c) {
            continue;
        }
        n += 1;
        let model = c.model();
        let r = match upper_limit(&model, &c.data(), &UpperLimitOptions::default()) {
            Ok(r) => r,
            Err(e) => {
                failures.push(format!("{}: {e}", c.id));
                continue;
            }
        };
        let mut ours = vec![r.obs];
        ours.extend(r.exp);
        let mut want = vec![num(&u["obs"])];
        want.extend(floats(&u["exp"]));
        for (i, (a, b)) in ours.iter().zip(&want).enumerate() {
            if (a - b).abs() > 1e-3 * b.abs() || a.is_nan() {
                failures.push(format!(
                    "{}: limit {i} (obs, exp...) ours {a} vs pyhf {b}",
                    c.id
                ));
            }
        }
    }
    assert!(n > 10, "only {n} cases");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Where the reference fit could not evaluate the likelihood, pyhf's hypotest raised an
/// error: a fixed POI (`InvalidModel`) or a failed minimisation. The models that are
/// nowhere finite are refused when built (below); on
/// `xml_pyhf_multibin_histfactory` (a zero-count bin where JAX's gradients are NaN but ours
/// are finite) we find the minimum and give the result of the equivalent model
/// `pyhfval_1bin_shapesys`'s numbers.
#[test]
fn hypotest_where_pyhf_failed() {
    for c in cases() {
        if c.reference.get("hypotest_mu1_qtilde").is_none() || !reference_not_evaluable(&c) {
            continue;
        }
        let model = c.model();
        let r = hypotest(&model, &c.data(), 1.0, &HypotestOptions::default());
        eprintln!("{}: {:?}", c.id, r.as_ref().map(|r| r.cls_obs));
        let r = r.unwrap();
        assert!(r.converged && r.cls_obs.is_finite(), "{}", c.id);
    }
}

/// The two cases whose likelihood pyhf evaluates to NaN everywhere (its hypotest raised:
/// a fixed POI, a failed minimisation) are refused when the model is built, with the value
/// at fault named (see issue 17; before, hypotest failed on them, one with "no finite
/// likelihood").
#[test]
fn models_pyhf_cannot_evaluate_are_refused_when_built() {
    let cases = common::unevaluable_cases();
    assert_eq!(cases.len(), common::UNEVALUABLE.len());
    for c in cases {
        assert!(
            num(&c.reference["points"][0]["logpdf"]).is_nan(),
            "{}",
            c.id
        );
        let e = c.try_model().expect_err("must be refused").to_string();
        let want = match c.id.as_str() {
            "xml_ghl3_top_dilep" => "channel \"ee\", sample \"Fake\", modifier \"FakeRate\" (normsys): normsys factors must be positive and finite",
            "xml_nextstat_histfactory_fixture" => "parameter \"lumi\": sigmas[0] = 0.0: the constraint needs a positive, finite value",
            other => panic!("{other}"),
        };
        assert!(e.starts_with(want), "{}: {e}", c.id);
    }
}

/// Cases with several local minima (the coupled-histosys validation model and its XML
/// imports): the free fit to the observed data has a local minimum at twice_nll 30.80 (or
/// 28.03 in the XML import's normalisation) where pyhf's SLSQP/Minuit stop, and a global
/// one 1.47 lower that our restarts find. Using the global minimum raises the free-fit
/// likelihood, hence q_obs, and CLs drops from pyhf's 0.2778 to 0.11404. The Asimov fits
/// are unimodal, so the expected band agrees with pyhf to ~1e-6 (the precision of its
/// fits). Our numbers must match the global-minimum reference (`hypotest_mu1_qtilde`) to
/// 1e-6 and differ from pyhf's own observed CLs.
#[test]
fn multimodal_cases_use_global_minima() {
    for c in cases() {
        if !is_multimodal(&c) || c.reference.get("hypotest_mu1_qtilde").is_none() {
            continue;
        }
        let h = &c.reference["hypotest_mu1_qtilde"];
        let p = &c.reference["pyhf_hypotest_mu1_qtilde"];
        let model = c.model();
        let r = hypotest(&model, &c.data(), 1.0, &HypotestOptions::default()).unwrap();
        let mut ours = vec![r.cls_obs];
        ours.extend(r.cls_exp);
        let mut want = vec![num(&h["cls_obs"])];
        want.extend(floats(&h["cls_exp"]));
        common::assert_close(&c.id, &ours, &want, 0.0, 1e-6);
        // pyhf's own observed CLs comes from its local minimum and is far off.
        assert!((num(&p["cls_obs"]) - r.cls_obs).abs() > 0.1, "{}", c.id);
        // Upper limits: pyhf's own (local minima) against ours (global minima). Observed: our
        // CLs is lower at every mu (lower free-fit minimum), so the limit is lower (1.319
        // vs pyhf's 1.542). Expected: the Asimov fits are unimodal near the −1σ..+2σ
        // limits, which agree to 1e-4; near mu = 0.34 (the −2σ limit) the mu-fixed fit to
        // the Asimov data has a second, lower minimum that we find, q_A is smaller, the
        // expected CLs higher, and our −2σ limit is 0.3537 instead of 0.3376.
        let u = &c.reference["upper_limit_95"];
        if u.get("obs").is_some() {
            let lim = upper_limit(&model, &c.data(), &UpperLimitOptions::default()).unwrap();
            eprintln!(
                "{}: limits ours {} {:?} (global minima) vs pyhf {} {}",
                c.id, lim.obs, lim.exp, u["obs"], u["exp"]
            );
            let want = floats(&u["exp"]);
            assert!(lim.obs < num(&u["obs"]) - 0.1, "{}", c.id);
            assert!(lim.exp[0] > want[0] + 0.01, "{}", c.id);
            for (a, b) in lim.exp.iter().zip(&want).skip(1) {
                assert!(
                    (a - b).abs() <= 1e-3 * b,
                    "{}: expected limit {a} vs {b}",
                    c.id
                );
            }
        }
        eprintln!(
            "{}: ours cls {} exp {:?} | global-minimum ref cls {} exp {} | pyhf {} | first_start {}",
            c.id,
            r.cls_obs,
            r.cls_exp,
            h["cls_obs"],
            h["cls_exp"],
            p,
            c.reference["mle"].get("first_start_twice_nll").unwrap_or(&serde_json::Value::Null)
        );
    }
}
