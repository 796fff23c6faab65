//! Helpers the reports share: parameter look-up by name, the fit-result check, pre-fit
//! constraint widths, and the grids and default ranges of scans and maps.

use crate::fit::FitResult;
use crate::model::{Constraint, Model};

use super::ReportError;

/// Index of parameter `name`, or an error listing some of the names.
pub(crate) fn par_index(model: &Model, name: &str) -> Result<usize, ReportError> {
    model
        .par_index(name)
        .ok_or_else(|| ReportError::UnknownParameter {
            name: name.to_string(),
            known: list_names(model.par_names()),
        })
}

/// The first few names, comma separated, with a count of the rest.
pub(crate) fn list_names(names: &[String]) -> String {
    const SHOWN: usize = 12;
    let mut s = names
        .iter()
        .take(SHOWN)
        .map(|n| format!("\"{n}\""))
        .collect::<Vec<_>>()
        .join(", ");
    if names.len() > SHOWN {
        s.push_str(&format!(", … {} more", names.len() - SHOWN));
    }
    s
}

/// Errors unless `fit` has one entry per model parameter.
pub(crate) fn check_fit(model: &Model, fit: &FitResult) -> Result<(), ReportError> {
    let n = model.n_pars();
    for got in [fit.bestfit.len(), fit.uncertainties.len(), fit.fixed.len()] {
        if got != n {
            return Err(ReportError::FitMismatch { expected: n, got });
        }
    }
    if fit.correlations.len() != n * n {
        return Err(ReportError::FitMismatch {
            expected: n,
            got: (fit.correlations.len() as f64).sqrt() as usize,
        });
    }
    Ok(())
}

/// Nominal value `theta_0` and pre-fit width of parameter `index` if it is constrained:
/// Gaussian constraints are centred on their auxdatum, Poisson ones on `aux / tau`
/// (pyhf's `param_set.width()` for the width). `None` for free parameters.
pub(crate) fn prefit_constraint(model: &Model, index: usize) -> Option<(f64, f64)> {
    let set = model.parameter_set_of(index)?;
    let k = index - set.offset;
    match &set.constraint {
        Constraint::None => None,
        Constraint::Normal { auxdata, sigmas } => Some((auxdata[k], sigmas[k])),
        Constraint::Poisson { auxdata, factors } => {
            Some((auxdata[k] / factors[k], 1.0 / factors[k].sqrt()))
        }
    }
}

/// Pre-fit uncertainty of every parameter, as cabinetry's `prefit_uncertainties`: the
/// constraint width for constrained parameters, 0 for free and fixed ones.
pub(crate) fn prefit_uncertainties(model: &Model, fixed: &[bool]) -> Vec<f64> {
    (0..model.n_pars())
        .map(|i| match prefit_constraint(model, i) {
            Some((_, w)) if !fixed[i] => w,
            _ => 0.0,
        })
        .collect()
}

/// `n` evenly spaced values from `lo` to `hi` inclusive. The ends are exactly `lo` and
/// `hi` (not `lo + (hi - lo) * (n-1)/(n-1)`, which can round past `hi`), so a coarse arrow
/// grid and a fine value grid over the same range share their end points.
pub(crate) fn linspace(lo: f64, hi: f64, n: usize) -> Vec<f64> {
    if n == 1 {
        return vec![0.5 * (lo + hi)];
    }
    (0..n)
        .map(|i| match i {
            0 => lo,
            _ if i == n - 1 => hi,
            _ => lo + (hi - lo) * i as f64 / (n - 1) as f64,
        })
        .collect()
}

/// `[best - 3 sigma, best + 3 sigma]` within the parameter's bounds; where the fit gave no
/// usable uncertainty, `best ± max(1, |best|/2)` within the bounds.
pub(crate) fn default_range(model: &Model, fit: &FitResult, index: usize) -> (f64, f64) {
    let best = fit.bestfit[index];
    let sigma = fit.uncertainties[index];
    let half = if sigma.is_finite() && sigma > 0.0 {
        3.0 * sigma
    } else {
        (0.5 * best.abs()).max(1.0)
    };
    let [blo, bhi] = model.suggested_bounds()[index];
    ((best - half).max(blo), (best + half).min(bhi))
}

/// Errors unless `lo < hi` and both are finite.
pub(crate) fn check_range(what: &str, (lo, hi): (f64, f64)) -> Result<(), ReportError> {
    if !(lo.is_finite() && hi.is_finite() && lo < hi) {
        return Err(ReportError::InvalidOption(format!(
            "{what}: range [{lo}, {hi}] must be finite with low < high"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linspace_ends_exactly_at_both_bounds() {
        // 0.1 * 40 / 40 and 0.1 * 6 / 6 need not round alike; the ends must.
        for n in [2, 7, 11, 41, 101] {
            let v = linspace(0.1, 0.3, n);
            assert_eq!((v[0], v[n - 1], v.len()), (0.1, 0.3, n));
        }
    }

    #[test]
    fn list_names_shows_twelve_and_counts_the_rest() {
        let names: Vec<String> = (0..15).map(|i| format!("p{i}")).collect();
        let s = list_names(&names);
        assert!(
            s.starts_with("\"p0\", \"p1\"") && s.ends_with("… 3 more"),
            "{s}"
        );
    }
}
