//! `histosys`: a correlated shape variation, additive per bin, interpolated between the
//! yields at alpha = -1 and +1 (the code is the model's
//! [`HistoSysCode`](crate::model::HistoSysCode)); Gaussian-constrained.

use super::{normal, Block, Requirement};
use crate::spec::ModifierKind;

/// One parameter, initial 0, bounds [-5, 5], a unit Gaussian around 0.
pub(super) fn requirement() -> Requirement {
    Requirement::scalar(ModifierKind::HistoSys, 0.0, [-5.0, 5.0], normal(1, 0.0))
}

/// Appends the term's per-bin `up = hi - nom` and `dn = nom - lo` to the block.
pub(super) fn place(p: usize, nominal: &[f64], hi: &[f64], lo: &[f64], block: &mut Block) {
    let up: Vec<f64> = hi.iter().zip(nominal).map(|(h, n)| h - n).collect();
    let dn: Vec<f64> = nominal.iter().zip(lo).map(|(n, l)| n - l).collect();
    // Published workspaces carry many histosys whose variations equal the nominal (3/4 of
    // 1Lbb's): their delta is identically zero, so they are left out of the hot loop (the
    // parameter and its constraint stay).
    if up.iter().chain(&dn).any(|x| *x != 0.0) {
        block.histo_params.push(p);
        block.histo_up.extend(up);
        block.histo_dn.extend(dn);
    }
}
