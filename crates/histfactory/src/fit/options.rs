//! The settings of a fit, and the starting point and box they give on a model: pyhf's
//! suggested values where the caller gives none, checked against the model once.

use super::FitError;
use crate::model::Model;
use crate::optim::MinimizerOptions;

/// Options of a fit. `None` fields take the model's suggested values.
#[derive(Clone, Debug, PartialEq)]
pub struct FitOptions {
    /// Initial values (pyhf: `init_pars`).
    pub init: Option<Vec<f64>>,
    /// Bounds (pyhf: `par_bounds`).
    pub bounds: Option<Vec<[f64; 2]>>,
    /// Parameters held at their initial value (pyhf: `fixed_params`).
    pub fixed: Option<Vec<bool>>,
    /// Restart from other starting points to find the global minimum (default true).
    pub restarts: bool,
    /// Further starting points, typically the minima of related fits (a scan's previous
    /// point, the free fit of a hypothesis test); each is descended from when `restarts`
    /// is on. Fixed parameters take their values from `init`, not from these.
    pub extra_starts: Vec<Vec<f64>>,
    /// Minimiser settings.
    pub minimizer: MinimizerOptions,
}

impl Default for FitOptions {
    fn default() -> Self {
        FitOptions {
            init: None,
            bounds: None,
            fixed: None,
            restarts: true,
            extra_starts: Vec::new(),
            minimizer: MinimizerOptions::default(),
        }
    }
}

/// A fit's starting point, box and fixed parameters, full length (pyhf order).
pub(super) struct Problem {
    pub(super) init: Vec<f64>,
    pub(super) lo: Vec<f64>,
    pub(super) hi: Vec<f64>,
    pub(super) fixed: Vec<bool>,
}

impl Problem {
    /// The options' values or the model's suggested ones, with the POI fixed at the given
    /// value for a fixed-POI fit.
    ///
    /// # Errors
    /// [`FitError::InvalidInput`] for a length that differs from the model's number of
    /// parameters, or a free parameter whose initial value lies outside its bounds.
    pub(super) fn new(
        model: &Model,
        opts: &FitOptions,
        fix_poi: Option<(usize, f64)>,
    ) -> Result<Self, FitError> {
        let n = model.n_pars();
        let mut init = opts.init.clone().unwrap_or_else(|| model.suggested_init());
        let bounds = opts
            .bounds
            .clone()
            .unwrap_or_else(|| model.suggested_bounds());
        let mut fixed = opts
            .fixed
            .clone()
            .unwrap_or_else(|| model.suggested_fixed());
        for (what, len) in [
            ("init", init.len()),
            ("bounds", bounds.len()),
            ("fixed", fixed.len()),
        ] {
            if len != n {
                return Err(FitError::InvalidInput(format!(
                    "{what} has {len} entries, the model has {n} parameters"
                )));
            }
        }
        if let Some((poi, v)) = fix_poi {
            init[poi] = v;
            fixed[poi] = true;
        }
        let mut lo: Vec<f64> = bounds.iter().map(|b| b[0]).collect();
        let mut hi: Vec<f64> = bounds.iter().map(|b| b[1]).collect();
        for i in 0..n {
            if !(lo[i]..=hi[i]).contains(&init[i]) && !fixed[i] {
                return Err(FitError::InvalidInput(format!(
                    "parameter {}: initial value {} outside its bounds [{}, {}]",
                    model.par_names()[i],
                    init[i],
                    lo[i],
                    hi[i]
                )));
            }
        }
        // A fixed parameter may sit outside its bounds (pyhf allows fixing anywhere): widen
        // the box to it so the minimiser accepts it.
        for i in 0..n {
            if fixed[i] {
                lo[i] = lo[i].min(init[i]);
                hi[i] = hi[i].max(init[i]);
            }
        }
        Ok(Problem {
            init,
            lo,
            hi,
            fixed,
        })
    }
}
