//! pyhf's `simplemodels`: one-channel signal-plus-background models with POI `mu`.
//!
//! ```
//! use histfactory::model::simple::uncorrelated_background;
//! let model = uncorrelated_background(&[12.0, 11.0], &[50.0, 52.0], &[3.0, 7.0])?;
//! let tau0 = (50.0f64 / 3.0).powi(2);
//! assert!((model.auxdata()[0] - tau0).abs() < 1e-12);
//! # Ok::<(), histfactory::Error>(())
//! ```

use super::{Model, ModelBuilder};
use crate::spec::{Channel, Measurement, Modifier, ModifierData, Observation, Sample, Workspace};

/// One channel `channel`: signal (normfactor `mu`) plus a background carrying `modifier`;
/// observations default to signal plus background.
fn workspace(
    channel: &str,
    sig: &[f64],
    bkg: &[f64],
    modifier: Modifier,
    observed: Option<&[f64]>,
) -> Workspace {
    let observed = observed
        .map(<[f64]>::to_vec)
        .unwrap_or_else(|| sig.iter().zip(bkg).map(|(s, b)| s + b).collect());
    let background = Sample {
        name: "background".into(),
        data: bkg.to_vec(),
        modifiers: vec![modifier],
    };
    Workspace {
        observations: vec![Observation {
            name: channel.into(),
            data: observed,
        }],
        channels: vec![Channel {
            name: channel.into(),
            samples: vec![signal(sig), background],
        }],
        measurements: vec![Measurement {
            name: "measurement".into(),
            poi: "mu".into(),
            parameters: Vec::new(),
        }],
        version: "1.0.0".into(),
    }
}

fn signal(signal: &[f64]) -> Sample {
    Sample {
        name: "signal".into(),
        data: signal.to_vec(),
        modifiers: vec![Modifier {
            name: "mu".into(),
            data: ModifierData::NormFactor,
        }],
    }
}

/// The workspace of [`uncorrelated_background`] with the given observations (default: the
/// signal-plus-background expectation).
pub fn uncorrelated_background_workspace(
    sig: &[f64],
    bkg: &[f64],
    bkg_uncertainty: &[f64],
    observed: Option<&[f64]>,
) -> Workspace {
    let modifier = Modifier {
        name: "uncorr_bkguncrt".into(),
        data: ModifierData::ShapeSys(bkg_uncertainty.to_vec()),
    };
    workspace("singlechannel", sig, bkg, modifier, observed)
}

/// The workspace of [`correlated_background`] with the given observations (default: the
/// signal-plus-background expectation).
pub fn correlated_background_workspace(
    sig: &[f64],
    bkg: &[f64],
    bkg_up: &[f64],
    bkg_down: &[f64],
    observed: Option<&[f64]>,
) -> Workspace {
    let modifier = Modifier {
        name: "correlated_bkg_uncertainty".into(),
        data: ModifierData::HistoSys {
            hi_data: bkg_up.to_vec(),
            lo_data: bkg_down.to_vec(),
        },
    };
    workspace("single_channel", sig, bkg, modifier, observed)
}

fn build(ws: &Workspace) -> Result<Model, crate::Error> {
    // Re-validate: the slices come from the caller and may disagree in length.
    crate::spec::validate_channels(&ws.channels)?;
    let mut model = ModelBuilder::new(ws).build()?;
    // pyhf's simple models carry no observations; the caller supplies the data.
    model.observed = None;
    Ok(model)
}

/// Signal with a free normalisation `mu`, background with uncorrelated per-bin
/// uncertainties (`shapesys` named `uncorr_bkguncrt`), as `pyhf.simplemodels.uncorrelated_background`.
pub fn uncorrelated_background(
    sig: &[f64],
    bkg: &[f64],
    bkg_uncertainty: &[f64],
) -> Result<Model, crate::Error> {
    build(&uncorrelated_background_workspace(
        sig,
        bkg,
        bkg_uncertainty,
        None,
    ))
}

/// Signal with a free normalisation `mu`, background with a fully correlated shape
/// uncertainty (`histosys` named `correlated_bkg_uncertainty`), as
/// `pyhf.simplemodels.correlated_background`.
pub fn correlated_background(
    sig: &[f64],
    bkg: &[f64],
    bkg_up: &[f64],
    bkg_down: &[f64],
) -> Result<Model, crate::Error> {
    build(&correlated_background_workspace(
        sig, bkg, bkg_up, bkg_down, None,
    ))
}

/// The pre-0.6.2 name of [`uncorrelated_background`], kept for old scripts.
pub fn hepdata_like(
    signal_data: &[f64],
    bkg_data: &[f64],
    bkg_uncerts: &[f64],
) -> Result<Model, crate::Error> {
    uncorrelated_background(signal_data, bkg_data, bkg_uncerts)
}
