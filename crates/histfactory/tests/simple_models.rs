//! pyhf's simple models (tests/test_simplemodels.py and the docs' 2-bin example).
#![allow(clippy::unwrap_used)]

use histfactory::model::simple::{correlated_background, hepdata_like, uncorrelated_background};

#[test]
fn uncorrelated_background_matches_pyhf_config() {
    let m = uncorrelated_background(&[12.0, 11.0], &[50.0, 52.0], &[3.0, 7.0]).unwrap();
    assert_eq!(
        m.par_names(),
        ["mu", "uncorr_bkguncrt[0]", "uncorr_bkguncrt[1]"]
    );
    assert_eq!(m.suggested_init(), vec![1.0, 1.0, 1.0]);
    assert_eq!(
        m.suggested_bounds(),
        vec![[0.0, 10.0], [1e-10, 10.0], [1e-10, 10.0]]
    );
    let aux = m.auxdata();
    assert!(
        (aux[0] - 277.7777777777778).abs() < 1e-9 && (aux[1] - 55.183673469387756).abs() < 1e-9
    );
    // twice_nll at suggested init, pyhf mle docstring: 30.77525435
    let data = m.data_with_auxdata(&[51.0, 48.0]).unwrap();
    assert!((m.twice_nll(&m.suggested_init(), &data).unwrap() - 30.77525435).abs() < 1e-7);
}

#[test]
fn correlated_background_orders_histosys_before_normfactor() {
    let m =
        correlated_background(&[12.0, 11.0], &[50.0, 52.0], &[45.0, 57.0], &[55.0, 47.0]).unwrap();
    assert_eq!(m.par_order(), ["correlated_bkg_uncertainty", "mu"]);
    assert_eq!(m.channels()[0].name, "single_channel");
    assert_eq!(m.auxdata(), [0.0]);
}

#[test]
fn hepdata_like_is_uncorrelated_background() {
    let a = hepdata_like(&[5.0], &[10.0], &[3.5]).unwrap();
    let b = uncorrelated_background(&[5.0], &[10.0], &[3.5]).unwrap();
    assert_eq!(a.par_names(), b.par_names());
    assert_eq!(a.auxdata(), b.auxdata());
}

#[test]
fn mismatched_lengths_are_errors_not_panics() {
    let e = uncorrelated_background(&[5.0, 1.0], &[10.0], &[3.5])
        .unwrap_err()
        .to_string();
    assert!(e.contains("expected 2 bins"), "{e}");
}
