#![allow(clippy::unwrap_used)]
//! The reports that run fits and tests of their own (profile scan, ranking, Brazil band),
//! on real workspaces in `fixtures/reference/workspaces/`, checked against independent
//! fits, the inference layer and pyhf. See issue 6.

mod common;
use common::{close, fitted_reference as setup, reference_workspace as workspace_path};
use std::path::Path;
use std::time::Instant;

use histfactory::fit::{fit, fixed_poi_fit, FitOptions};
use histfactory::model::ModelBuilder;
use histfactory::report::{self, ReportError};
use histfactory::spec::Workspace;

#[test]
fn scan_of_the_poi_matches_independent_fixed_poi_fits() {
    let (model, data, result) = setup("sbottom_RegionC_sbottom_1600_850_60.json");
    let opts = report::ScanOptions {
        points: 9,
        ..Default::default()
    };
    let scan = report::scan(&model, &data, &result, &opts).expect("scan");
    assert_eq!(scan.values.len(), 9);
    assert!(scan.converged.iter().all(|&c| c));
    for (k, (&v, &d)) in scan.values.iter().zip(&scan.delta_twice_nll).enumerate() {
        let r = fixed_poi_fit(&model, &data, v, &FitOptions::default()).expect("fit");
        let want = r.twice_nll - result.twice_nll;
        // Both are converged minima (gradient ~1e-10): agreement to 1e-6 absolute.
        assert!((d - want).abs() < 1e-6, "point {k} at {v}: {d} vs {want}");
        assert!(d > -1e-6, "profile below the global minimum at {v}");
    }
    // Up to +3σ above the best fit (the low end stops at the bound 0): the high end sits
    // near Δ = 9 (exactly 9 if the profile were parabolic).
    let poi = model.poi_index().expect("poi");
    let hi = result.bestfit[poi] + 3.0 * result.uncertainties[poi];
    assert!(close(scan.values[8], hi, 1e-12));
    assert!(scan.delta_twice_nll[8] > 4.0 && scan.delta_twice_nll[8] < 16.0);
    assert_eq!(scan.best_fit, result.bestfit[poi]);
    assert_eq!(scan.best_twice_nll, result.twice_nll);
}

#[test]
fn ranking_impacts_are_sorted_and_agree_with_independent_fixed_fits() {
    // RegionC: the POI's best fit (0.75) is away from its bound, so impacts are two-sided.
    let (model, data, result) = setup("sbottom_RegionC_sbottom_1600_850_60.json");
    let poi = model.poi_index().expect("poi");
    let n = model.n_pars();
    let t = Instant::now();
    let ranking = report::ranking(
        &model,
        &data,
        &result,
        &report::RankingOptions { top_n: 10 },
    )
    .expect("ranking");
    println!(
        "ranking of {} parameters: {:.2} s",
        n - 1,
        t.elapsed().as_secs_f64()
    );
    assert_eq!(ranking.impacts.len(), 10);
    assert!(ranking
        .impacts
        .windows(2)
        .all(|w| w[0].postfit_impact() >= w[1].postfit_impact()));
    for imp in &ranking.impacts {
        assert!(imp.converged, "{}", imp.name);
        // Linearised, the post-fit ±1σ impacts are ±ρ(θ, μ) σ_μ: up − down has the sign
        // of ρ where |ρ| is clearly non-zero (up and down alone can share a sign when the
        // response is curved).
        let rho = result.correlations[imp.index * n + poi];
        if rho.abs() > 0.05 {
            let slope = imp.postfit_up - imp.postfit_down;
            assert_eq!(
                slope.signum(),
                rho.signum(),
                "{}: impacts {} / {} vs correlation {rho}",
                imp.name,
                imp.postfit_up,
                imp.postfit_down
            );
        }
    }
    // The top entry, refitted independently.
    let top = &ranking.impacts[0];
    let mut init = result.bestfit.clone();
    init[top.index] += result.uncertainties[top.index];
    let mut fixed = result.fixed.clone();
    fixed[top.index] = true;
    let r = fit(
        &model,
        &data,
        &FitOptions {
            init: Some(init),
            fixed: Some(fixed),
            ..Default::default()
        },
    )
    .expect("fit");
    let want = r.bestfit[poi] - result.bestfit[poi];
    assert!(
        (top.postfit_up - want).abs() < 1e-6,
        "{} vs {want}",
        top.postfit_up
    );
}

#[test]
fn reports_that_need_a_poi_say_so_and_the_others_work_without() {
    let ws = Workspace::from_path(&workspace_path("seed_model.json")).expect("workspace");
    let model = ModelBuilder::new(&ws).no_poi().build().expect("model");
    let data = model.observed_data().expect("data");
    let result = fit(&model, &data, &FitOptions::default()).expect("fit");
    let err = report::ranking(&model, &data, &result, &Default::default()).unwrap_err();
    assert!(matches!(err, ReportError::NoPoi(_)), "{err}");
    let err = report::scan(&model, &data, &result, &Default::default()).unwrap_err();
    assert!(err.to_string().contains("parameter of interest"), "{err}");
    // Without a POI, mu is a free nuisance parameter and is shown with its value.
    let pulls = report::pulls(&model, &result, &Default::default()).expect("pulls");
    assert_eq!(pulls.entries.len(), 2);
    let scan = report::scan(
        &model,
        &data,
        &result,
        &report::ScanOptions {
            par: Some("mu".into()),
            points: 5,
            ..Default::default()
        },
    )
    .expect("scan of a named parameter");
    assert_eq!(scan.values.len(), 5);
}

/// pyhf 0.7.6's `hypotest(1.0, data, model, test_stat="qtilde")` on sbottom region A, from
/// `fixtures/reference/pyhf/sbottom_A_1300_850_60.ref.json`.
fn sbottom_a_pyhf_hypotest_mu1() -> (f64, [f64; 5]) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/reference/pyhf/sbottom_A_1300_850_60.ref.json");
    let text = std::fs::read_to_string(path).expect("reference exists");
    let v: serde_json::Value = serde_json::from_str(&text).expect("reference parses");
    let h = &v["hypotest_mu1_qtilde"];
    let exp: Vec<f64> = serde_json::from_value(h["cls_exp"].clone()).expect("cls_exp");
    (
        h["cls_obs"].as_f64().expect("cls_obs"),
        exp.try_into().expect("5 values"),
    )
}

/// Linear interpolation of `ys` over increasing `xs` at `x`.
fn interp(xs: &[f64], ys: &[f64], x: f64) -> f64 {
    let k = xs.partition_point(|&v| v <= x).clamp(1, xs.len() - 1);
    let t = (x - xs[k - 1]) / (xs[k] - xs[k - 1]);
    ys[k - 1] + t * (ys[k] - ys[k - 1])
}

#[test]
fn brazil_band_of_sbottom_marks_the_root_search_limits_where_cls_crosses() {
    let ws = Workspace::from_path(&workspace_path("sbottom_RegionA_sbottom_1300_850_60.json"))
        .expect("workspace");
    let model = ModelBuilder::new(&ws).build().expect("model");
    let data = model.observed_data().expect("data");
    let opts = report::BrazilOptions {
        points: 21,
        ..Default::default()
    };
    let band = report::brazil(&model, &data, &opts).expect("band");
    assert!(band.converged, "{:?}", band.warnings);
    assert_eq!((band.method, band.level), ("toms748", 0.05));
    // The marked limits are the inference layer's root-search limits.
    let ul = histfactory::infer::upper_limit(&model, &data, &opts.limit).expect("limit");
    assert_eq!(band.obs_limit, ul.obs);
    assert_eq!(band.exp_limits, ul.exp);
    // The drawn range starts at the POI's lower bound and holds every crossing.
    assert_eq!(band.poi_values.len(), 21);
    assert_eq!(band.poi_values[0], 0.0);
    let top = band.exp_limits[4].max(band.obs_limit);
    assert!(
        band.poi_values[20] > top,
        "{} <= {top}",
        band.poi_values[20]
    );
    // At each limit the drawn curve is at the test size (up to the linear interpolation
    // between drawn points), and it falls through it.
    let xs = &band.poi_values;
    let obs_at = interp(xs, &band.cls_obs, band.obs_limit);
    assert!(
        (obs_at - 0.05).abs() < 0.01,
        "observed CLs at the limit: {obs_at}"
    );
    for k in 0..5 {
        let curve: Vec<f64> = band.cls_exp.iter().map(|e| e[k]).collect();
        let at = interp(xs, &curve, band.exp_limits[k]);
        assert!(
            (at - 0.05).abs() < 0.01,
            "expected band {k} at its limit: {at}"
        );
        assert!(
            curve.windows(2).all(|w| w[1] <= w[0] + 1e-9),
            "band {k} not falling"
        );
    }
    // The drawn CLs are hypothesis tests at those points (spot check, cold start).
    let h = histfactory::infer::hypotest(&model, &data, xs[5], &Default::default()).expect("test");
    assert!((band.cls_obs[5] - h.cls_obs).abs() < 1e-6);
    assert!((band.cls_exp[5][2] - h.cls_exp[2]).abs() < 1e-6);
}

#[test]
fn brazil_band_on_a_grid_draws_pyhfs_cls_and_interpolated_limits() {
    let ws = Workspace::from_path(&workspace_path("sbottom_RegionA_sbottom_1300_850_60.json"))
        .expect("workspace");
    let model = ModelBuilder::new(&ws).build().expect("model");
    let data = model.observed_data().expect("data");
    let scan: Vec<f64> = (0..=12).map(|i| 0.125 * i as f64).collect();
    let opts = report::BrazilOptions {
        scan: Some(scan.clone()),
        ..Default::default()
    };
    let band = report::brazil(&model, &data, &opts).expect("band");
    assert_eq!(band.method, "grid");
    assert_eq!(band.poi_values, scan);
    // mu = 1 is drawn with pyhf's CLs there.
    let (obs, exp) = sbottom_a_pyhf_hypotest_mu1();
    assert!(
        (band.cls_obs[8] - obs).abs() < 1e-4,
        "{} vs {obs}",
        band.cls_obs[8]
    );
    for (k, (got, want)) in band.cls_exp[8].iter().zip(exp).enumerate() {
        assert!((got - want).abs() < 1e-4, "band {k}: {got} vs {want}");
    }
    // Grid limits are the linear interpolation of the drawn points at 0.05.
    let at = interp(&band.poi_values, &band.cls_obs, band.obs_limit);
    assert!((at - 0.05).abs() < 1e-9, "{at}");
    let root = histfactory::infer::upper_limit(&model, &data, &opts.limit).expect("limit");
    assert!((band.obs_limit - root.obs).abs() < 0.05 * root.obs);
}

#[test]
fn brazil_band_errors_name_the_problem() {
    let (model, data, _) = setup("seed_model.json");
    let one = report::BrazilOptions {
        scan: Some(vec![1.0]),
        ..Default::default()
    };
    let err = report::brazil(&model, &data, &one).unwrap_err();
    assert!(err.to_string().contains("at least 2 POI values"), "{err}");
    let unordered = report::BrazilOptions {
        scan: Some(vec![1.0, 0.5]),
        ..Default::default()
    };
    let err = report::brazil(&model, &data, &unordered).unwrap_err();
    assert!(err.to_string().contains("increasing"), "{err}");
    // The failing step is named in front of the inference layer's message.
    assert!(matches!(err, ReportError::Infer { .. }), "{err}");
    assert!(err.to_string().starts_with("Brazil band"), "{err}");
    let ws = Workspace::from_path(&workspace_path("seed_model.json")).expect("workspace");
    let no_poi = ModelBuilder::new(&ws).no_poi().build().expect("model");
    let err = report::brazil(&no_poi, &data, &Default::default()).unwrap_err();
    assert!(matches!(err, ReportError::NoPoi(_)), "{err}");
}
