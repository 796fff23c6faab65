//! `shapefactor`: a free, unconstrained factor per bin of a sample.

use super::{Block, Requirement};
use crate::model::params::Constraint;
use crate::spec::ModifierKind;

/// One parameter per bin, initial 1, bounds [0, 10], no constraint.
pub(super) fn requirement(nbins: usize) -> Requirement {
    Requirement::vector(
        ModifierKind::ShapeFactor,
        nbins,
        [0.0, 10.0],
        Constraint::None,
    )
}

/// Bin `j` is multiplied by parameter `p + j`.
pub(super) fn place(p: usize, block: &mut Block) {
    block.binwise.push(p);
}
