#![allow(clippy::unwrap_used)]
//! Every case of the reference set: the model as pyhf 0.7.6 builds it, and logpdf at every
//! reference point. Values from `fixtures/reference/pyhf/<id>.ref.json` (pyhf 0.7.6).

mod common;
use common::{assert_close, cases, floats, num};

#[test]
fn model_config_matches_pyhf_for_every_case() {
    for case in cases() {
        let model = case.model();
        let r = &case.reference;
        let id = &case.id;
        let names: Vec<String> = r["par_names"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_str().unwrap().to_string())
            .collect();
        assert_eq!(model.par_names(), names.as_slice(), "{id}: par_names");
        let order: Vec<&str> = r["par_order"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_str().unwrap())
            .collect();
        assert_eq!(model.par_order(), order, "{id}: par_order");
        // Exact model configuration: 1e-12 relative.
        assert_close(
            &format!("{id} init"),
            &model.suggested_init(),
            &floats(&r["suggested_init"]),
            1e-12,
            0.0,
        );
        let bounds: Vec<f64> = model.suggested_bounds().iter().flatten().copied().collect();
        let ref_bounds: Vec<f64> = r["suggested_bounds"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(floats)
            .collect();
        assert_close(&format!("{id} bounds"), &bounds, &ref_bounds, 1e-12, 0.0);
        let fixed: Vec<bool> = r["suggested_fixed"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_bool().unwrap())
            .collect();
        assert_eq!(model.suggested_fixed(), fixed, "{id}: suggested_fixed");
        assert_eq!(model.poi_name(), r["poi_name"].as_str(), "{id}: poi_name");
        assert_eq!(
            model.poi_index(),
            r["poi_index"].as_u64().map(|i| i as usize),
            "{id}: poi_index"
        );
        let channels: Vec<&str> = r["channels"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_str().unwrap())
            .collect();
        let ours: Vec<&str> = model.channels().iter().map(|c| c.name.as_str()).collect();
        assert_eq!(ours, channels, "{id}: channels");
        for c in model.channels() {
            assert_eq!(
                Some(c.nbins as u64),
                r["channel_nbins"][&c.name].as_u64(),
                "{id}: nbins {}",
                c.name
            );
        }
        assert_close(
            &format!("{id} auxdata"),
            model.auxdata(),
            &floats(&r["auxdata"]),
            1e-12,
            0.0,
        );
        assert_close(
            &format!("{id} data"),
            &model.observed_data().unwrap(),
            &case.data(),
            1e-12,
            0.0,
        );
        let expected = model.expected_data(&model.suggested_init(), true).unwrap();
        assert_close(
            &format!("{id} expected_data_init"),
            &expected,
            &floats(&r["expected_data_init"]),
            1e-12,
            1e-12,
        );
    }
}

#[test]
fn logpdf_matches_pyhf_at_every_reference_point() {
    let mut n = 0;
    for case in cases() {
        let model = case.model();
        let data = case.data();
        for (k, p) in case.reference["points"]
            .as_array()
            .unwrap()
            .iter()
            .enumerate()
        {
            let pars = floats(&p["pars"]);
            let want = num(&p["logpdf"]);
            let got = model.logpdf(&pars, &data).unwrap();
            // 1e-10 relative, the project's standard for logpdf.
            assert!(
                (got - want).abs() <= 1e-10 * want.abs().max(1e-300)
                    || (got.is_nan() && want.is_nan()),
                "{} point {k}: ours {got}, pyhf {want}, rel diff {:e}",
                case.id,
                ((got - want) / want).abs()
            );
            n += 1;
        }
    }
    assert!(n > 100, "only {n} reference points checked");
}

#[test]
fn gradient_matches_jax_at_every_reference_point() {
    for case in cases() {
        let model = case.model();
        let data = case.data();
        for (k, p) in case.reference["points"]
            .as_array()
            .unwrap()
            .iter()
            .enumerate()
        {
            let pars = floats(&p["pars"]);
            let want = floats(&p["grad"]);
            let (_, got) = model.logpdf_and_grad(&pars, &data).unwrap();
            for (i, (g, w)) in got.iter().zip(&want).enumerate() {
                if w.is_nan() && g.is_finite() {
                    // JAX's xlogy gives 0 * (1/0) = NaN for a bin with zero count and zero
                    // rate; the derivative exists (d(-nu)/dnu = -1). Check ours against
                    // central finite differences there instead.
                    let h = 1e-6 * pars[i].abs().max(1.0);
                    let (mut up, mut dn) = (pars.clone(), pars.clone());
                    up[i] += h;
                    dn[i] -= h;
                    let fd = (model.logpdf(&up, &data).unwrap()
                        - model.logpdf(&dn, &data).unwrap())
                        / (2.0 * h);
                    assert!(
                        (g - fd).abs() <= 1e-5 * fd.abs().max(1.0),
                        "{} point {k} d/d{}: ours {g}, finite differences {fd}",
                        case.id,
                        model.par_names()[i]
                    );
                    continue;
                }
                // 1e-8 relative against max(1, |g|), per component.
                assert!(
                    (g - w).abs() <= 1e-8 * w.abs().max(1.0) || (g.is_nan() && w.is_nan()),
                    "{} point {k} d/d{}: ours {g}, jax {w}",
                    case.id,
                    model.par_names()[i]
                );
            }
        }
    }
}
