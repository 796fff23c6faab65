//! Pre-fit and post-fit yields per channel, with uncertainty bands from the covariance.
//!
//! The band is linear error propagation, `σ_b² = Σ_ij J_bi C_ij J_bj`, with `J` the exact
//! Jacobian of the expected rates ([`Model::expected_data_jacobian`], dual numbers) and `C`
//! the covariance: post-fit `σ̂_i σ̂_j ρ_ij` from the fit; pre-fit diagonal with the
//! constraint widths (free and fixed parameters contribute nothing), as cabinetry's
//! pre-fit model.

use serde::Serialize;

use crate::fit::FitResult;
use crate::model::Model;

use super::common::{check_fit, list_names, prefit_uncertainties};
use super::ReportError;

/// Pre-fit and post-fit yields, one [`ChannelYields`] per selected channel each.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[must_use]
pub struct YieldsReport {
    /// At the suggested initial parameters, with pre-fit uncertainties.
    pub prefit: Vec<ChannelYields>,
    /// At the best fit, with the post-fit covariance (empty without a fit).
    pub postfit: Vec<ChannelYields>,
}

/// Which parameters and covariance a set of yields was evaluated with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum YieldStage {
    /// The suggested initial parameters and the constraint widths.
    #[serde(rename = "pre-fit")]
    PreFit,
    /// The best fit and its covariance.
    #[serde(rename = "post-fit")]
    PostFit,
}

impl YieldStage {
    /// `"pre-fit"` or `"post-fit"`, as shown in figure titles and JSON.
    pub fn label(self) -> &'static str {
        match self {
            YieldStage::PreFit => "pre-fit",
            YieldStage::PostFit => "post-fit",
        }
    }
}

/// The expected events of one sample in one channel.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SampleYields {
    /// Sample name.
    pub name: String,
    /// Expected events per bin, with every modifier applied.
    pub yields: Vec<f64>,
}

/// One channel's yields: the samples to stack, the band on their sum and the data.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChannelYields {
    /// Channel name.
    pub channel: String,
    /// Pre-fit or post-fit.
    pub stage: YieldStage,
    /// Per sample, in the workspace's sample order.
    pub samples: Vec<SampleYields>,
    /// Absolute 1σ uncertainty of the total expected events per bin, by linear error
    /// propagation of the stage's covariance.
    pub total_uncertainty: Vec<f64>,
    /// Observed events per bin.
    pub data: Vec<f64>,
}

/// Yields per channel (all channels if `channels` is empty), stacked by sample, with the
/// observed main data from `data`. Without `fit`, only the pre-fit yields are filled.
///
/// # Errors
/// [`ReportError::InvalidOption`] for data of the wrong length,
/// [`ReportError::UnknownChannel`] for a channel the model lacks,
/// [`ReportError::FitMismatch`] for a fit of another model, [`ReportError::Model`] if the
/// rates or their Jacobian cannot be evaluated.
pub fn yields(
    model: &Model,
    data: &[f64],
    fit: Option<&FitResult>,
    channels: &[String],
) -> Result<YieldsReport, ReportError> {
    let nd = model.n_main() + model.n_aux();
    if data.len() != nd {
        return Err(ReportError::InvalidOption(format!(
            "data has {} values, the model needs {nd} (main {} + auxdata {})",
            data.len(),
            model.n_main(),
            model.n_aux()
        )));
    }
    let known: Vec<String> = model.channels().iter().map(|c| c.name.clone()).collect();
    for c in channels {
        if !known.contains(c) {
            return Err(ReportError::UnknownChannel {
                name: c.clone(),
                known: list_names(&known),
            });
        }
    }
    let n = model.n_pars();
    let init = model.suggested_init();
    let pre_sigma = prefit_uncertainties(model, &model.suggested_fixed());
    let pre_cov: Vec<f64> = (0..n * n)
        .map(|k| {
            let (i, j) = (k / n, k % n);
            if i == j {
                pre_sigma[i] * pre_sigma[i]
            } else {
                0.0
            }
        })
        .collect();
    let prefit = stage(model, data, &init, &pre_cov, channels, YieldStage::PreFit)?;
    let postfit = match fit {
        Some(f) => {
            check_fit(model, f)?;
            let s = &f.uncertainties;
            let cov: Vec<f64> = (0..n * n)
                .map(|k| {
                    let (i, j) = (k / n, k % n);
                    if f.fixed[i] || f.fixed[j] {
                        0.0
                    } else {
                        s[i] * s[j] * f.correlations[k]
                    }
                })
                .collect();
            stage(model, data, &f.bestfit, &cov, channels, YieldStage::PostFit)?
        }
        None => Vec::new(),
    };
    Ok(YieldsReport { prefit, postfit })
}

/// Yields of every selected channel at `pars` with the band from covariance `cov`.
fn stage(
    model: &Model,
    data: &[f64],
    pars: &[f64],
    cov: &[f64],
    channels: &[String],
    stage: YieldStage,
) -> Result<Vec<ChannelYields>, ReportError> {
    let n = model.n_pars();
    let jac = model
        .expected_data_jacobian(pars)
        .map_err(ReportError::model(format!(
            "{} yields: Jacobian",
            stage.label()
        )))?;
    // σ_b = sqrt(J_b · C · J_bᵀ), one row of J per main bin.
    let sigma: Vec<f64> = jac
        .chunks(n.max(1))
        .map(|row| {
            let mut s = 0.0;
            for (i, &ji) in row.iter().enumerate() {
                if ji == 0.0 {
                    continue;
                }
                for (j, &jj) in row.iter().enumerate() {
                    s += ji * cov[i * n + j] * jj;
                }
            }
            s.max(0.0).sqrt()
        })
        .collect();
    let by_sample = model
        .expected_by_sample(pars)
        .map_err(ReportError::model(format!("{} yields", stage.label())))?;
    let out = model
        .channels()
        .iter()
        .filter(|c| channels.is_empty() || channels.contains(&c.name))
        .map(|c| ChannelYields {
            channel: c.name.clone(),
            stage,
            samples: by_sample
                .iter()
                .filter(|(ch, _, _)| *ch == c.name)
                .map(|(_, s, r)| SampleYields {
                    name: s.clone(),
                    yields: r.clone(),
                })
                .collect(),
            total_uncertainty: sigma[c.offset..c.offset + c.nbins].to_vec(),
            data: data[c.offset..c.offset + c.nbins].to_vec(),
        })
        .collect();
    Ok(out)
}
