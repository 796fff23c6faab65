//! `lumi`: the luminosity, a scale of a sample's yields with a Gaussian constraint whose
//! values only the measurement's parameter configuration supplies.

use super::{param_err, Block, Requirement};
use crate::model::params::{Constraint, ParameterSet};
use crate::model::ModelError;
use crate::spec::ModifierKind;

/// One parameter; NaN marks every value the measurement must supply.
pub(super) fn requirement() -> Requirement {
    Requirement::scalar(
        ModifierKind::Lumi,
        f64::NAN,
        [f64::NAN, f64::NAN],
        Constraint::Normal {
            auxdata: vec![f64::NAN],
            sigmas: vec![f64::NAN],
        },
    )
}

/// An error unless the measurement supplied inits, bounds, auxdata and sigmas.
pub(super) fn check_supplied(set: &ParameterSet) -> Result<(), ModelError> {
    let missing = set.inits.iter().any(|x| x.is_nan())
        || set.bounds.iter().flatten().any(|x| x.is_nan())
        || matches!(&set.constraint, Constraint::Normal { auxdata, sigmas }
            if auxdata.iter().chain(sigmas).any(|x| x.is_nan()));
    if missing {
        return Err(param_err(
            &set.name,
            "a lumi modifier needs inits, bounds, auxdata and sigmas in the measurement's parameter configuration (config.parameters)",
        ));
    }
    Ok(())
}

/// The parameter multiplies every bin of the sample.
pub(super) fn place(p: usize, block: &mut Block) {
    block.direct.push(p);
}
