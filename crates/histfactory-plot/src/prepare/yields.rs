//! Pre-fit and post-fit yields per channel, with uncertainty bands from the covariance.
//!
//! The band is linear error propagation, `σ_b² = Σ_ij J_bi C_ij J_bj`, with `J` the exact
//! Jacobian of the expected rates ([`Model::expected_data_jacobian`], dual numbers) and `C`
//! the covariance: post-fit `σ̂_i σ̂_j ρ_ij` from the fit; pre-fit diagonal with the
//! constraint widths (free and fixed parameters contribute nothing), as cabinetry's
//! pre-fit model.

use histfactory::fit::FitResult;
use histfactory::model::Model;

use super::{check_fit, list_names, prefit_uncertainties, PrepareError};
use crate::Yields;

/// Pre-fit and post-fit yields, one [`Yields`] per channel each.
#[derive(Debug, Clone, PartialEq)]
pub struct YieldsData {
    /// At the suggested initial parameters, pre-fit uncertainties.
    pub prefit: Vec<Yields>,
    /// At the best fit, post-fit covariance (empty without a fit).
    pub postfit: Vec<Yields>,
}

/// Yields per channel (all channels if `channels` is empty), stacked by sample, with the
/// observed main data from `data`. Without `fit`, only the pre-fit yields are filled.
pub fn yields_data(
    model: &Model,
    data: &[f64],
    fit: Option<&FitResult>,
    channels: &[String],
) -> Result<YieldsData, PrepareError> {
    let nd = model.n_main() + model.n_aux();
    if data.len() != nd {
        return Err(PrepareError::InvalidOption(format!(
            "data has {} values, the model needs {nd} (main {} + auxdata {})",
            data.len(),
            model.n_main(),
            model.n_aux()
        )));
    }
    let known: Vec<String> = model.channels().iter().map(|c| c.name.clone()).collect();
    for c in channels {
        if !known.contains(c) {
            return Err(PrepareError::UnknownChannel {
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
    let prefit = stage(model, data, &init, &pre_cov, channels, "pre-fit")?;
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
            stage(model, data, &f.bestfit, &cov, channels, "post-fit")?
        }
        None => Vec::new(),
    };
    Ok(YieldsData { prefit, postfit })
}

/// Yields of every selected channel at `pars` with the band from covariance `cov`.
fn stage(
    model: &Model,
    data: &[f64],
    pars: &[f64],
    cov: &[f64],
    channels: &[String],
    label: &str,
) -> Result<Vec<Yields>, PrepareError> {
    let n = model.n_pars();
    let jac = model.expected_data_jacobian(pars)?;
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
    let by_sample = model.expected_by_sample(pars)?;
    let out = model
        .channels()
        .iter()
        .filter(|c| channels.is_empty() || channels.contains(&c.name))
        .map(|c| Yields {
            channel_name: c.name.clone(),
            bin_edges: Vec::new(),
            samples: by_sample
                .iter()
                .filter(|(ch, _, _)| *ch == c.name)
                .map(|(_, s, r)| (s.clone(), r.clone()))
                .collect(),
            total_uncertainty: sigma[c.offset..c.offset + c.nbins].to_vec(),
            data: data[c.offset..c.offset + c.nbins].to_vec(),
            label: label.to_string(),
        })
        .collect();
    Ok(out)
}
