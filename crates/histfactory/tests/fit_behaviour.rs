//! Fits in the situations the issue names: starting at a bound, a minimum on a bound,
//! fixed parameters, a POI-less model, and a fit that is stopped early.
#![allow(clippy::unwrap_used)]

mod common;
use histfactory::fit::{fit, fixed_poi_fit, FitOptions};
use histfactory::model::{Model, ModelBuilder};
use histfactory::spec::Workspace;

fn doc_model() -> (Model, Vec<f64>) {
    // pyhf's 2-bin simple model: signal [12, 11], bkg [50, 52], unc [3, 7], obs [51, 48]
    let ws = Workspace::from_path(
        &common::fixtures().join("data/pyhf-validation/simplemodel_uncorr_2bin.json"),
    )
    .unwrap();
    let m = ModelBuilder::new(&ws).build().unwrap();
    let d = m.observed_data().unwrap();
    (m, d)
}

#[test]
fn minimum_on_the_poi_bound_is_found_and_converged() {
    // pyhf mle.fit docstring: pars ≈ [0, 1.0030512, 0.96266961], twice_nll 24.98393521
    let (m, d) = doc_model();
    let r = fit(&m, &d, &FitOptions::default()).unwrap();
    assert!(r.converged, "{}", r.status);
    assert_eq!(r.bestfit[0], 0.0, "mu sits on its lower bound");
    assert!((r.twice_nll - 24.98393521).abs() < 1e-7);
    // The docstring's values come from SLSQP, which stops short (~1e-5); ours is the
    // stationary point.
    assert!((r.bestfit[1] - 1.0030512).abs() < 1e-4 && (r.bestfit[2] - 0.96266961).abs() < 1e-4);
    assert!(
        r.grad_norm < 1e-8,
        "projected gradient at the bound: {}",
        r.grad_norm
    );
}

#[test]
fn fit_starting_at_a_bound_reaches_the_same_minimum() {
    let (m, d) = doc_model();
    let mut init = m.suggested_init();
    init[0] = 0.0;
    init[2] = 10.0; // gamma at its upper bound
    let opts = FitOptions {
        init: Some(init),
        ..Default::default()
    };
    let r = fit(&m, &d, &opts).unwrap();
    assert!(r.converged);
    assert!((r.twice_nll - 24.98393521).abs() < 1e-7);
}

#[test]
fn fixed_parameters_stay_fixed_with_zero_uncertainty() {
    let (m, d) = doc_model();
    let mut init = m.suggested_init();
    init[1] = 1.1;
    let mut fixed = m.suggested_fixed();
    fixed[1] = true;
    let r = fit(
        &m,
        &d,
        &FitOptions {
            init: Some(init),
            fixed: Some(fixed),
            ..Default::default()
        },
    )
    .unwrap();
    assert!(r.converged);
    assert_eq!(r.bestfit[1], 1.1);
    assert_eq!(r.uncertainties[1], 0.0);
    assert!(
        r.twice_nll > 24.98393521,
        "a constrained fit cannot go below the free minimum"
    );
    // pyhf fixed_poi_fit docstring at mu = 1: twice_nll 28.92218013
    let r = fixed_poi_fit(&m, &d, 1.0, &FitOptions::default()).unwrap();
    assert!((r.twice_nll - 28.92218013).abs() < 1e-7);
    assert_eq!(r.bestfit[0], 1.0);
}

#[test]
fn poi_less_model_fits_and_rejects_fixed_poi_fit() {
    let ws = Workspace::from_path(
        &common::fixtures().join("data/pyhf/tests/test_workspace/poiless.json"),
    )
    .unwrap();
    let m = ModelBuilder::new(&ws).no_poi().build().unwrap();
    let d = m.observed_data().unwrap();
    let r = fit(&m, &d, &FitOptions::default()).unwrap();
    assert!(r.converged, "{}", r.status);
    let e = fixed_poi_fit(&m, &d, 1.0, &FitOptions::default())
        .unwrap_err()
        .to_string();
    assert!(e.contains("needs a model with a POI"), "{e}");
}

#[test]
fn a_fit_stopped_early_is_never_reported_converged() {
    let (m, d) = doc_model();
    let mut opts = FitOptions {
        restarts: false,
        ..Default::default()
    };
    opts.minimizer.max_iter = 1;
    let mut init = m.suggested_init();
    init[0] = 5.0;
    opts.init = Some(init);
    let r = fit(&m, &d, &opts).unwrap();
    assert!(!r.converged);
    assert!(r.to_string().contains("NOT CONVERGED"));
}

#[test]
fn init_outside_bounds_is_an_error_naming_the_parameter() {
    let (m, d) = doc_model();
    let mut init = m.suggested_init();
    init[0] = -1.0;
    let e = fit(
        &m,
        &d,
        &FitOptions {
            init: Some(init),
            ..Default::default()
        },
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("mu") && e.contains("outside its bounds"), "{e}");
}

/// Above 256 parameters a fit holds one dense matrix at a time: a restart that needs a
/// Hessian of its own makes the first minimum give up its factor, which is evaluated again
/// when a later restart or the result needs it. None of that may change the result.
#[test]
fn large_model_restarts_leave_the_first_minimum_bit_for_bit() {
    let ws = Workspace::from_path(&common::fixtures().join("synth/synth_600.json.gz")).unwrap();
    let m = ModelBuilder::new(&ws).build().unwrap();
    assert!(m.n_pars() > 256, "{} parameters", m.n_pars());
    let d = m.observed_data().unwrap();
    let once = fit(
        &m,
        &d,
        &FitOptions {
            restarts: false,
            ..Default::default()
        },
    )
    .unwrap();
    let r = fit(&m, &d, &FitOptions::default()).unwrap();
    assert!(
        once.converged && r.converged,
        "{} / {}",
        once.status,
        r.status
    );
    // Both ways out of a watched restart are taken here: one restart reaches its Newton
    // phase (the first minimum's factor is released and re-evaluated), one joins the first
    // minimum during its quasi-Newton steps.
    let starts: Vec<&str> = r.restarts.iter().map(|s| s.start.as_str()).collect();
    assert!(
        starts.iter().any(|s| s.ends_with(", continued")),
        "{starts:?}"
    );
    assert!(
        starts
            .iter()
            .any(|s| s.ends_with("joined the first minimum")),
        "{starts:?}"
    );
    assert_eq!(r.twice_nll.to_bits(), once.twice_nll.to_bits());
    assert_eq!(r.bestfit, once.bestfit);
    assert_eq!(r.uncertainties, once.uncertainties);
    assert_eq!(r.correlations, once.correlations);
}
