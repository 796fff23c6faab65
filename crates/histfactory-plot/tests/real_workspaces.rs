//! Every figure prepared from a real workspace in
//! `fixtures/reference/workspaces/`, rendered, and checked against the fit it came from
//! and against independent computations. See issue 6.
mod common;

use std::path::{Path, PathBuf};
use std::time::Instant;

use common::tmp;
use histfactory::fit::{fit, fixed_poi_fit, FitOptions, FitResult};
use histfactory::model::{Model, ModelBuilder};
use histfactory::spec::{ModifierKind, Workspace};
use histfactory_plot as hp;
use hp::prepare::{self, PrepareError};

fn workspace_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/reference/workspaces")
        .join(name)
}

/// Model, observed data and the free fit of a reference workspace.
fn setup(name: &str) -> (Model, Vec<f64>, FitResult) {
    let ws = Workspace::from_path(&workspace_path(name)).expect("workspace parses");
    let model = ModelBuilder::new(&ws).build().expect("model builds");
    let data = model.observed_data().expect("observed data");
    let result = fit(&model, &data, &FitOptions::default()).expect("fit runs");
    assert!(result.converged, "{name}: {}", result.status);
    (model, data, result)
}

/// Width and height from a PNG header.
fn png_size(path: &Path) -> (u32, u32) {
    let b = std::fs::read(path).expect("png exists");
    assert_eq!(&b[1..4], b"PNG", "{} is not a PNG", path.display());
    let be = |s: &[u8]| u32::from_be_bytes([s[0], s[1], s[2], s[3]]);
    (be(&b[16..20]), be(&b[20..24]))
}

/// The PNG exists, has the reported size and is not trivially small.
fn check_png(path: &Path, info: &hp::RenderInfo) {
    assert_eq!(png_size(path), info.size);
    let len = std::fs::metadata(path).expect("file exists").len();
    assert!(len > 5_000, "{}: only {len} bytes", path.display());
}

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol * (1.0 + b.abs())
}

#[test]
fn gradient_map_of_the_seed_model_draws_the_fit_and_the_logpdf() {
    let t = Instant::now();
    let (model, data, result) = setup("seed_model.json");
    let opts = prepare::GradientMapOptions {
        x: model.par_names()[0].clone(),
        y: model.par_names()[1].clone(),
        x_range: Some((0.0, 5.0)),
        y_range: Some((0.0, 5.0)),
        ..Default::default()
    };
    let fig = prepare::gradient_map_data(&model, &data, &result, &opts).expect("grid");
    assert_eq!(fig.values.len(), 101 * 101);
    assert_eq!(fig.arrows.len(), 11 * 11);
    // Grid values are the model's logpdf with the other parameters at the best fit.
    for k in [0, 5_000, 101 * 101 - 1] {
        let mut p = result.bestfit.clone();
        p[0] = fig.xs[k % 101];
        p[1] = fig.ys[k / 101];
        let want = model.logpdf(&p, &data).expect("logpdf");
        let same = fig.values[k].to_bits() == want.to_bits() || close(fig.values[k], want, 1e-12);
        assert!(same, "grid point {k}: {} vs {want}", fig.values[k]);
    }
    let png = tmp("real_gradient_map.png");
    let info = hp::gradient_map(&fig, &png).expect("render");
    println!(
        "seed gradient map [0,5]², fit + 101×101 grid + PNG: {:.1} ms (debug/test profile)",
        t.elapsed().as_secs_f64() * 1e3
    );
    check_png(&png, &info);
    assert_eq!(info.size, (900, 800));
    // At gamma = 0 (the bottom row) the background rate vanishes and the gradient is not
    // finite: those 11 arrows are skipped.
    let finite = fig
        .arrows
        .iter()
        .filter(|a| a.dx.is_finite() && a.dy.is_finite())
        .count();
    assert_eq!(finite, 110);
    assert_eq!(info.arrows, finite);
    let dot = info
        .markers
        .iter()
        .find(|m| m.label == "best fit")
        .expect("best-fit marker");
    assert_eq!(dot.data, (result.bestfit[0], result.bestfit[1]));
}

#[test]
fn gradient_map_takes_any_two_parameters_and_defaults_to_three_sigma() {
    let (model, data, result) = setup("sbottom_RegionA_sbottom_1300_850_60.json");
    let poi = model.poi_index().expect("poi");
    let other = (0..model.n_pars())
        .find(|&i| model.parameter_kind(i) == Some(ModifierKind::NormSys))
        .expect("a normsys parameter");
    let opts = prepare::GradientMapOptions {
        x: model.par_names()[poi].clone(),
        y: model.par_names()[other].clone(),
        grid: 41,
        arrows: 7,
        ..Default::default()
    };
    let fig = prepare::gradient_map_data(&model, &data, &result, &opts).expect("grid");
    let [lo, hi] = model.suggested_bounds()[poi];
    let want_lo = (result.bestfit[poi] - 3.0 * result.uncertainties[poi]).max(lo);
    let want_hi = (result.bestfit[poi] + 3.0 * result.uncertainties[poi]).min(hi);
    assert!(close(fig.xs[0], want_lo, 1e-12) && close(fig.xs[40], want_hi, 1e-12));
    let png = tmp("real_gradient_map_sbottom.png");
    let info = hp::gradient_map(&fig, &png).expect("render");
    check_png(&png, &info);
    assert_eq!(info.arrows, 49);
    assert_eq!(
        info.markers[0].data,
        (result.bestfit[poi], result.bestfit[other])
    );

    // Errors name what was wrong.
    let bad = prepare::GradientMapOptions {
        y: "no_such_parameter".into(),
        ..opts.clone()
    };
    let err = prepare::gradient_map_data(&model, &data, &result, &bad).unwrap_err();
    assert!(matches!(err, PrepareError::UnknownParameter { .. }));
    assert!(err.to_string().contains("no_such_parameter"), "{err}");
    let same = prepare::GradientMapOptions {
        y: opts.x.clone(),
        ..opts
    };
    assert!(prepare::gradient_map_data(&model, &data, &result, &same).is_err());
}

#[test]
fn scan_of_the_poi_matches_independent_fixed_poi_fits() {
    let (model, data, result) = setup("sbottom_RegionC_sbottom_1600_850_60.json");
    let opts = prepare::ScanOptions {
        points: 9,
        ..Default::default()
    };
    let scan = prepare::profile_scan(&model, &data, &result, &opts).expect("scan");
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
    let png = tmp("real_scan.png");
    let info = hp::scan(&scan.figure(), &png).expect("render");
    check_png(&png, &info);
    assert_eq!(info.size, (800, 600));
    assert_eq!(info.items, 9);
    assert_eq!(info.markers[0].data.0, result.bestfit[poi]);
}

#[test]
fn pulls_equal_the_fit_values_in_units_of_the_prefit_width() {
    let (model, _data, result) = setup("sbottom_RegionC_sbottom_1600_850_60.json");
    let data = prepare::pulls_data(&model, &result, &Default::default()).expect("pulls");
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
    let fig = data.figure();
    let png = tmp("real_pulls.png");
    let info = hp::pulls(&fig, &png).expect("render");
    check_png(&png, &info);
    assert_eq!(info.size, (800, 130 + 28 * data.entries.len() as u32));
    assert_eq!(info.items, data.entries.len());

    // Excluding a kind removes exactly those parameters.
    let no_stat = prepare::pulls_data(
        &model,
        &result,
        &prepare::PullsOptions {
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
    let all = prepare::correlations_data(&model, &result, &Default::default()).expect("corr");
    let m = all.indices.len();
    assert_eq!(m, (0..n).filter(|&i| !result.fixed[i]).count());
    for (a, &i) in all.indices.iter().enumerate() {
        for (b, &j) in all.indices.iter().enumerate() {
            assert_eq!(all.figure.matrix[a * m + b], result.correlations[i * n + j]);
        }
    }
    let top = prepare::correlations_data(
        &model,
        &result,
        &prepare::CorrelationOptions {
            top_n: Some(12),
            ..Default::default()
        },
    )
    .expect("corr");
    assert_eq!(top.indices.len(), 12);
    assert!(top.indices.contains(&model.poi_index().expect("poi")));
    let png = tmp("real_correlations.png");
    let info = hp::correlations(&top.figure, &png).expect("render");
    check_png(&png, &info);
    assert_eq!(info.items, 12 * 12);
    let png = tmp("real_correlations_all.png");
    let info = hp::correlations(&all.figure, &png).expect("render");
    check_png(&png, &info);
}

#[test]
fn ranking_impacts_are_sorted_and_agree_with_independent_fixed_fits() {
    // RegionC: the POI's best fit (0.75) is away from its bound, so impacts are two-sided.
    let (model, data, result) = setup("sbottom_RegionC_sbottom_1600_850_60.json");
    let poi = model.poi_index().expect("poi");
    let n = model.n_pars();
    let t = Instant::now();
    let ranking = prepare::ranking_data(
        &model,
        &data,
        &result,
        &prepare::RankingOptions { top_n: 10 },
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

    let png = tmp("real_ranking.png");
    let info = hp::ranking(&ranking.figure(), &png).expect("render");
    check_png(&png, &info);
    assert_eq!(info.items, 10);
}

#[test]
fn yields_stack_to_expected_data_with_bands_from_the_covariance() {
    let (model, data, result) = setup("sbottom_RegionC_sbottom_1600_850_60.json");
    let y = prepare::yields_data(&model, &data, Some(&result), &[]).expect("yields");
    assert_eq!(y.prefit.len(), model.channels().len());
    assert_eq!(y.postfit.len(), model.channels().len());
    for (stage, pars) in [
        (&y.prefit, model.suggested_init()),
        (&y.postfit, result.bestfit.clone()),
    ] {
        let expected = model.expected_data(&pars, false).expect("expected");
        for (ch, info) in stage.iter().zip(model.channels()) {
            assert_eq!(ch.channel_name, info.name);
            assert_eq!(ch.data, data[info.offset..info.offset + info.nbins]);
            for b in 0..info.nbins {
                let sum: f64 = ch.samples.iter().map(|s| s.1[b]).sum();
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
            .find(|c| c.channel_name == info.name)
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

    let panels: Vec<hp::Yields> = y
        .prefit
        .iter()
        .zip(&y.postfit)
        .flat_map(|(a, b)| [a.clone(), b.clone()])
        .collect();
    let png = tmp("real_yields.png");
    let info = hp::yields_grid_columns(&panels, 2, &png).expect("render");
    check_png(&png, &info);
    assert_eq!(info.panels, 6);
    // Pre-fit and post-fit side by side: 2 columns, 3 rows of 600×450 px.
    assert_eq!(info.size, (1200, 1350));

    let err = prepare::yields_data(&model, &data, None, &["nope".into()]).unwrap_err();
    assert!(err.to_string().contains("nope"), "{err}");
}

#[test]
fn yield_band_of_the_seed_model_is_the_analytic_propagation() {
    // nu = mu * 5 + gamma * 10: sigma^2 = 25 s_mu^2 + 100 s_g^2 + 2*50 rho s_mu s_g.
    let (model, data, result) = setup("seed_model.json");
    let y = prepare::yields_data(&model, &data, Some(&result), &[]).expect("yields");
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
fn figures_that_need_a_poi_say_so_and_the_others_work_without() {
    let ws = Workspace::from_path(&workspace_path("seed_model.json")).expect("workspace");
    let model = ModelBuilder::new(&ws).no_poi().build().expect("model");
    let data = model.observed_data().expect("data");
    let result = fit(&model, &data, &FitOptions::default()).expect("fit");
    let err = prepare::ranking_data(&model, &data, &result, &Default::default()).unwrap_err();
    assert!(matches!(err, PrepareError::NoPoi(_)), "{err}");
    let err = prepare::profile_scan(&model, &data, &result, &Default::default()).unwrap_err();
    assert!(err.to_string().contains("parameter of interest"), "{err}");
    // Without a POI, mu is a free nuisance parameter and is shown with its value.
    let pulls = prepare::pulls_data(&model, &result, &Default::default()).expect("pulls");
    assert_eq!(pulls.entries.len(), 2);
    let scan = prepare::profile_scan(
        &model,
        &data,
        &result,
        &prepare::ScanOptions {
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
    let opts = prepare::BrazilOptions {
        points: 21,
        ..Default::default()
    };
    let band = prepare::brazil_data(&model, &data, &opts).expect("band");
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

    let png = tmp("real_brazil.png");
    let info = hp::brazil_band(&band.figure(), &png).expect("render");
    check_png(&png, &info);
    assert_eq!(info.size, (800, 600));
}

#[test]
fn brazil_band_on_a_grid_draws_pyhfs_cls_and_interpolated_limits() {
    let ws = Workspace::from_path(&workspace_path("sbottom_RegionA_sbottom_1300_850_60.json"))
        .expect("workspace");
    let model = ModelBuilder::new(&ws).build().expect("model");
    let data = model.observed_data().expect("data");
    let scan: Vec<f64> = (0..=12).map(|i| 0.125 * i as f64).collect();
    let opts = prepare::BrazilOptions {
        scan: Some(scan.clone()),
        ..Default::default()
    };
    let band = prepare::brazil_data(&model, &data, &opts).expect("band");
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

    let svg = tmp("real_brazil.svg");
    let info = hp::brazil_band(&band.figure(), &svg).expect("render svg");
    let text = std::fs::read_to_string(&svg).expect("svg");
    assert!(text.starts_with("<svg") && text.len() > 5_000);
    let (string, _) = hp::brazil_band_svg(&band.figure()).expect("svg string");
    assert_eq!((string.len(), info.size), (text.len(), (800, 600)));
}

#[test]
fn brazil_band_errors_name_the_problem() {
    let (model, data, _) = setup("seed_model.json");
    let one = prepare::BrazilOptions {
        scan: Some(vec![1.0]),
        ..Default::default()
    };
    let err = prepare::brazil_data(&model, &data, &one).unwrap_err();
    assert!(err.to_string().contains("at least 2 POI values"), "{err}");
    let unordered = prepare::BrazilOptions {
        scan: Some(vec![1.0, 0.5]),
        ..Default::default()
    };
    let err = prepare::brazil_data(&model, &data, &unordered).unwrap_err();
    assert!(err.to_string().contains("increasing"), "{err}");
    let ws = Workspace::from_path(&workspace_path("seed_model.json")).expect("workspace");
    let no_poi = ModelBuilder::new(&ws).no_poi().build().expect("model");
    let err = prepare::brazil_data(&no_poi, &data, &Default::default()).unwrap_err();
    assert!(matches!(err, PrepareError::NoPoi(_)), "{err}");
}
