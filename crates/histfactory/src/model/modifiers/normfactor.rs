//! `normfactor`: a free, unconstrained scale of a sample's yields (the usual POI).

use super::{Block, Requirement};
use crate::model::params::Constraint;
use crate::spec::ModifierKind;

/// One parameter, initial 1, bounds [0, 10] (pyhf's defaults), no constraint.
pub(super) fn requirement() -> Requirement {
    Requirement::scalar(ModifierKind::NormFactor, 1.0, [0.0, 10.0], Constraint::None)
}

/// The parameter multiplies every bin of the sample.
pub(super) fn place(p: usize, block: &mut Block) {
    block.direct.push(p);
}
