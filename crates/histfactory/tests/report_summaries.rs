#![allow(clippy::unwrap_used)]
//! The reports that summarise one fit without refitting (gradient map, pulls,
//! correlations, yields with bands), on real workspaces in `fixtures/reference/workspaces/`,
//! checked against the fit they came from and against independent computations.
//! See issue 6.

mod common;
use common::{close, fitted_reference as setup};

use histfactory::report::{self, ReportError};
use histfactory::spec::ModifierKind;

#[test]
fn gradient_map_of_the_seed_model_is_the_logpdf_around_the_fit() {
    let (model, data, result) = setup("seed_model.json");
    let opts = report::GradientMapOptions {
        x: model.par_names()[0].clone(),
        y: model.par_names()[1].clone(),
        x_range: Some((0.0, 5.0)),
        y_range: Some((0.0, 5.0)),
        ..Default::default()
    };
    let map = report::gradient_map(&model, &data, &result, &opts).expect("grid");
    assert_eq!(map.logpdf.len(), 101 * 101);
    assert_eq!(map.grad_x.len(), 11 * 11);
    assert_eq!(map.grad_y.len(), 11 * 11);
    // Grid values are the model's logpdf with the other parameters at the best fit.
    for k in [0, 5_000, 101 * 101 - 1] {
        let mut p = result.bestfit.clone();
        p[0] = map.xs[k % 101];
        p[1] = map.ys[k / 101];
        let want = model.logpdf(&p, &data).expect("logpdf");
        let same = map.logpdf[k].to_bits() == want.to_bits() || close(map.logpdf[k], want, 1e-12);
        assert!(same, "grid point {k}: {} vs {want}", map.logpdf[k]);
    }
    // At gamma = 0 (the bottom row) the background rate vanishes and the gradient is not
    // finite: 11 of the 121 gradients.
    let finite = map
        .grad_x
        .iter()
        .zip(&map.grad_y)
        .filter(|(dx, dy)| dx.is_finite() && dy.is_finite())
        .count();
    assert_eq!(finite, 110);
    assert_eq!(map.best_fit, [result.bestfit[0], result.bestfit[1]]);
}

#[test]
fn gradient_map_takes_any_two_parameters_and_defaults_to_three_sigma() {
    let (model, data, result) = setup("sbottom_RegionA_sbottom_1300_850_60.json");
    let poi = model.poi_index().expect("poi");
    let other = (0..model.n_pars())
        .find(|&i| model.parameter_kind(i) == Some(ModifierKind::NormSys))
        .expect("a normsys parameter");
    let opts = report::GradientMapOptions {
        x: model.par_names()[poi].clone(),
        y: model.par_names()[other].clone(),
        grid: 41,
        arrows: 7,
        ..Default::default()
    };
    let map = report::gradient_map(&model, &data, &result, &opts).expect("grid");
    let [lo, hi] = model.suggested_bounds()[poi];
    let want_lo = (result.bestfit[poi] - 3.0 * result.uncertainties[poi]).max(lo);
    let want_hi = (result.bestfit[poi] + 3.0 * result.uncertainties[poi]).min(hi);
    assert!(close(map.xs[0], want_lo, 1e-12) && close(map.xs[40], want_hi, 1e-12));
    assert_eq!((map.arrow_xs.len(), map.arrow_ys.len()), (7, 7));
    assert_eq!(map.best_fit, [result.bestfit[poi], result.bestfit[other]]);

    // Errors name what was wrong.
    let bad = report::GradientMapOptions {
        y: "no_such_parameter".into(),
        ..opts.clone()
    };
    let err = report::gradient_map(&model, &data, &result, &bad).unwrap_err();
    assert!(matches!(err, ReportError::UnknownParameter { .. }));
    assert!(err.to_string().contains("no_such_parameter"), "{err}");
    let same = report::GradientMapOptions {
        y: opts.x.clone(),
        ..opts
    };
    assert!(report::gradient_map(&model, &data, &result, &same).is_err());
}

#[test]
fn pulls_equal_the_fit_values_in_units_of_the_prefit_width() {
    let (model, _data, result) = setup("sbottom_RegionC_sbottom_1600_850_60.json");
    let data = report::pulls(&model, &result, &Default::default()).expect("pulls");
    let poi = model.poi_index().expect("poi");
    let free_nps = (0..model.n_pars())
        .filter(|&i| i != poi && !result.fixed[i])
        .count();
    assert_eq!(data.entries.len(), free_nps);
    for e in &data.entries {
        let set = model.parameter_set_of(e.index).expect("set");
        let k = e.index - set.offset;
        let (theta0, width) = match &set.constraint {
            histfactory::model::Constraint::Normal { auxdata, sigmas } => (auxdata[k], sigmas[k]),
            histfactory::model::Constraint::Poisson { auxdata, factors } => {
                (auxdata[k] / factors[k], 1.0 / factors[k].sqrt())
            }
            histfactory::model::Constraint::None => (0.0, 1.0),
        };
        let b = result.bestfit[e.index];
        let s = result.uncertainties[e.index];
        if e.constrained {
            assert!(close(e.pull, (b - theta0) / width, 1e-12), "{}", e.name);
            assert!(close(e.error, s / width, 1e-12), "{}", e.name);
        } else {
            assert_eq!((e.pull, e.error), (b, s), "{}", e.name);
        }
    }

    // Excluding a kind removes exactly those parameters.
    let no_stat = report::pulls(
        &model,
        &result,
        &report::PullsOptions {
            exclude_kinds: vec![ModifierKind::StatError],
            ..Default::default()
        },
    )
    .expect("pulls");
    assert!(no_stat
        .entries
        .iter()
        .all(|e| model.parameter_kind(e.index) != Some(ModifierKind::StatError)));
    assert!(no_stat.entries.len() < data.entries.len());
}

#[test]
fn correlation_matrix_equals_the_fits_and_prunes_to_the_top_entries() {
    let (model, _data, result) = setup("sbottom_RegionA_sbottom_1300_850_60.json");
    let n = model.n_pars();
    let all = report::correlations(&model, &result, &Default::default()).expect("corr");
    let m = all.indices.len();
    assert_eq!(m, (0..n).filter(|&i| !result.fixed[i]).count());
    for (a, &i) in all.indices.iter().enumerate() {
        assert_eq!(all.names[a], model.par_names()[i]);
        for (b, &j) in all.indices.iter().enumerate() {
            assert_eq!(all.matrix[a * m + b], result.correlations[i * n + j]);
        }
    }
    let top = report::correlations(
        &model,
        &result,
        &report::CorrelationOptions {
            top_n: Some(12),
            ..Default::default()
        },
    )
    .expect("corr");
    assert_eq!(top.indices.len(), 12);
    assert_eq!(top.matrix.len(), 12 * 12);
    assert!(top.indices.contains(&model.poi_index().expect("poi")));
}

#[test]
fn yields_stack_to_expected_data_with_bands_from_the_covariance() {
    let (model, data, result) = setup("sbottom_RegionC_sbottom_1600_850_60.json");
    let y = report::yields(&model, &data, Some(&result), &[]).expect("yields");
    assert_eq!(y.prefit.len(), model.channels().len());
    assert_eq!(y.postfit.len(), model.channels().len());
    for (stage, pars) in [
        (&y.prefit, model.suggested_init()),
        (&y.postfit, result.bestfit.clone()),
    ] {
        let expected = model.expected_data(&pars, false).expect("expected");
        for (ch, info) in stage.iter().zip(model.channels()) {
            assert_eq!(ch.channel, info.name);
            assert_eq!(ch.data, data[info.offset..info.offset + info.nbins]);
            for b in 0..info.nbins {
                let sum: f64 = ch.samples.iter().map(|s| s.yields[b]).sum();
                let want = expected[info.offset + b];
                assert!(
                    close(sum, want, 1e-12),
                    "{} bin {b}: {sum} vs {want}",
                    info.name
                );
                assert!(ch.total_uncertainty[b] > 0.0);
            }
        }
    }
    assert!(y
        .prefit
        .iter()
        .all(|c| c.stage == report::YieldStage::PreFit));
    assert!(y
        .postfit
        .iter()
        .all(|c| c.stage == report::YieldStage::PostFit));
    // The post-fit band against an independent propagation through a central
    // finite-difference Jacobian (step 1e-6 σ; agreement to 1e-5 relative).
    let n = model.n_pars();
    let p0 = result.bestfit.clone();
    let mut jac = vec![vec![0.0; n]; model.n_main()];
    for i in (0..n).filter(|&i| !result.fixed[i]) {
        let h = 1e-6 * result.uncertainties[i].max(1e-3);
        let (mut up, mut dn) = (p0.clone(), p0.clone());
        up[i] += h;
        dn[i] -= h;
        let eu = model.expected_data(&up, false).expect("up");
        let ed = model.expected_data(&dn, false).expect("down");
        for b in 0..model.n_main() {
            jac[b][i] = (eu[b] - ed[b]) / (2.0 * h);
        }
    }
    for info in model.channels() {
        let ch = y
            .postfit
            .iter()
            .find(|c| c.channel == info.name)
            .expect("channel");
        for b in 0..info.nbins {
            let row = &jac[info.offset + b];
            let mut var = 0.0;
            for i in 0..n {
                for j in 0..n {
                    let c = result.uncertainties[i]
                        * result.uncertainties[j]
                        * result.correlations[i * n + j];
                    var += row[i] * c * row[j];
                }
            }
            let want = var.sqrt();
            let got = ch.total_uncertainty[b];
            assert!(
                close(got, want, 1e-5),
                "{} bin {b}: {got} vs {want}",
                info.name
            );
        }
    }

    let err = report::yields(&model, &data, None, &["nope".into()]).unwrap_err();
    assert!(err.to_string().contains("nope"), "{err}");
}

#[test]
fn yield_band_of_the_seed_model_is_the_analytic_propagation() {
    // nu = mu * 5 + gamma * 10: sigma^2 = 25 s_mu^2 + 100 s_g^2 + 2*50 rho s_mu s_g.
    let (model, data, result) = setup("seed_model.json");
    let y = report::yields(&model, &data, Some(&result), &[]).expect("yields");
    let (im, ig) = (
        model.poi_index().expect("poi"),
        (0..2).find(|&i| Some(i) != model.poi_index()).expect("np"),
    );
    let s = |i: usize| result.uncertainties[i];
    let rho = result.correlations[im * 2 + ig];
    let ch = &y.postfit[0];
    assert_eq!(ch.samples.len(), 2);
    let nominal_s: f64 = 5.0;
    let nominal_b: f64 = 10.0;
    let want = (nominal_s.powi(2) * s(im).powi(2)
        + nominal_b.powi(2) * s(ig).powi(2)
        + 2.0 * nominal_s * nominal_b * rho * s(im) * s(ig))
    .sqrt();
    assert!(
        close(ch.total_uncertainty[0], want, 1e-10),
        "{} vs {want}",
        ch.total_uncertainty[0]
    );
}

#[test]
fn reports_serialise_with_their_documented_field_names() {
    let (model, data, result) = setup("seed_model.json");
    let y = report::yields(&model, &data, Some(&result), &[]).expect("yields");
    let v = serde_json::to_value(&y).expect("serialise");
    assert_eq!(v["postfit"][0]["stage"], "post-fit");
    assert_eq!(v["prefit"][0]["stage"], "pre-fit");
    assert!(v["postfit"][0]["samples"][0]["yields"].is_array());
    let p = report::pulls(&model, &result, &Default::default()).expect("pulls");
    let v = serde_json::to_value(&p).expect("serialise");
    assert_eq!(v["entries"][0]["name"], "uncorr_bkguncrt[0]");
}
