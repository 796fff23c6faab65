//! Parameter sets: what a modifier name contributes to the parameter vector.

use crate::spec::ModifierKind;

/// How a parameter set is constrained by auxiliary data.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum Constraint {
    /// Free parameters (normfactor, shapefactor).
    None,
    /// `Normal(aux | theta, sigma)` per parameter (normsys, histosys, lumi, staterror).
    Normal {
        /// Auxiliary data, one per parameter.
        auxdata: Vec<f64>,
        /// Widths, one per parameter.
        sigmas: Vec<f64>,
    },
    /// `Poisson(aux | theta * factor)` per parameter (shapesys; factor = tau).
    Poisson {
        /// Auxiliary data, one per parameter.
        auxdata: Vec<f64>,
        /// Rate factors (tau), one per parameter.
        factors: Vec<f64>,
    },
}

/// One named set of parameters, as pyhf's `model.config.param_set(name)`.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct ParameterSet {
    /// Set name (the modifier name).
    pub name: String,
    /// The modifier type that defines it first in pyhf's order.
    pub kind: ModifierKind,
    /// Number of parameters.
    pub n_pars: usize,
    /// Index of its first parameter in the parameter vector.
    pub offset: usize,
    /// A scalar set is named `name`; a non-scalar one `name[i]`, even with one entry.
    pub is_scalar: bool,
    /// Suggested initial values.
    pub inits: Vec<f64>,
    /// Suggested bounds.
    pub bounds: Vec<[f64; 2]>,
    /// Held constant in fits by default.
    pub fixed: Vec<bool>,
    /// Its constraint term.
    pub constraint: Constraint,
}

impl ParameterSet {
    /// Whether the set has a constraint term (and auxiliary data).
    pub fn is_constrained(&self) -> bool {
        !matches!(self.constraint, Constraint::None)
    }

    /// Pre-fit widths, as pyhf's `param_set.width()`: sigma for Gaussian constraints,
    /// `1/sqrt(tau)` for Poisson ones; `None` for free parameters.
    pub fn widths(&self) -> Option<Vec<f64>> {
        match &self.constraint {
            Constraint::None => None,
            Constraint::Normal { sigmas, .. } => Some(sigmas.clone()),
            Constraint::Poisson { factors, .. } => {
                Some(factors.iter().map(|t| 1.0 / t.sqrt()).collect())
            }
        }
    }
}
