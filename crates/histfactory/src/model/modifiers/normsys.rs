//! `normsys`: a normalisation uncertainty, a factor on a sample's yields interpolated
//! between its values at alpha = -1 and +1 (the code is the model's [`NormSysCode`]);
//! Gaussian-constrained. Every normsys factor of a model lives in one table,
//! [`NormSysTable`], evaluated by `likelihood::kernels::normsys`.

use super::{normal, Requirement};
use crate::model::exact;
use crate::model::interp::{NormSysCode, NormSysInterp};
use crate::model::ModelOptions;
use crate::spec::ModifierKind;

/// One parameter, initial 0, bounds [-5, 5], a unit Gaussian around 0; an error (its
/// message) unless the factors `hi` and `lo` at alpha = ±1 are positive and finite.
pub(super) fn requirement(hi: f64, lo: f64) -> Result<Requirement, String> {
    // Both codes interpolate in the logarithms of the factors (code1 is `hi^alpha`, code4
    // is matched to it beyond |alpha| = 1): a factor of 0 or below has none, and pyhf's
    // value or gradient is NaN at some alpha.
    if !(hi.is_finite() && hi > 0.0 && lo.is_finite() && lo > 0.0) {
        return Err(format!(
            "normsys factors must be positive and finite (their logarithms are interpolated), found hi = {hi:?}, lo = {lo:?}"
        ));
    }
    Ok(Requirement::scalar(
        ModifierKind::NormSys,
        0.0,
        [-5.0, 5.0],
        normal(1, 0.0),
    ))
}

/// Appends the factor of parameter `p` with values `hi` and `lo` at alpha = ±1 to the
/// model's table; the sample's block owns the range of entries its modifiers appended.
pub(super) fn place(p: usize, hi: f64, lo: f64, options: &ModelOptions, table: &mut NormSysTable) {
    table.push(p, NormSysInterp::new(options.normsys_code, hi, lo));
}

/// Every normsys factor of a model, block by block, as a structure of arrays.
///
/// The hot part of evaluation is code4's polynomial for |alpha| < 1, 4,174 of them per
/// call on 1Lbb. Stored entry by entry (value and derivative coefficients interleaved
/// with the parameter index and the exponential branch's logarithms, 136 bytes) the loop
/// streamed half a megabyte and could not be vectorised; as contiguous coefficient arrays
/// with the alphas gathered once into a contiguous array, it is one branch-free loop over
/// all entries that the compiler vectorises, reading only what the value needs (the
/// derivative coefficients are multiples of the same ones, formed only when the gradient
/// is wanted). Entries outside the polynomial's range, rare, are overwritten afterwards.
#[derive(Clone, Debug, Default)]
pub(crate) struct NormSysTable {
    /// Parameter of each entry.
    pub(crate) param: Vec<usize>,
    /// code4's coefficients a1..a6 of `1 + sum a_i alpha^i`: `coef[i][k]` is entry `k`'s
    /// a_(i+1).
    pub(crate) coef: [Vec<f64>; 6],
    /// Every entry's `[ln(hi), ln(lo)]`, for the exponential branches.
    pub(crate) ln: Vec<[f64; 2]>,
    /// The model's normsys code (one for all entries).
    pub(crate) code: NormSysCode,
    /// The distinct parameters, to tell cheaply whether any alpha is outside (-1, 1).
    pub(crate) params: Vec<usize>,
    /// The entries of each of `params`: the ones to leave the polynomial when that alpha
    /// is outside (-1, 1), found without scanning the whole table.
    pub(crate) entries: Vec<Vec<usize>>,
}

impl NormSysTable {
    /// Number of entries.
    pub(crate) fn len(&self) -> usize {
        self.param.len()
    }

    /// Appends an entry for parameter `param`.
    pub(crate) fn push(&mut self, param: usize, interp: NormSysInterp) {
        self.param.push(param);
        for (c, pd) in self.coef.iter_mut().zip(&interp.pd) {
            c.push(pd[0]);
        }
        debug_assert!(self.param.len() == 1 || self.code == interp.code);
        self.code = interp.code;
        self.ln.push([interp.ln_hi, interp.ln_lo]);
        let k = self.param.len() - 1;
        match self.params.binary_search(&param) {
            Ok(i) => self.entries[i].push(k),
            Err(i) => {
                self.params.insert(i, param);
                self.entries.insert(i, vec![k]);
            }
        }
    }

    /// Reallocates the table's vectors to their lengths (see [`exact`]).
    pub(crate) fn shrink_exact(&mut self) {
        exact(&mut self.param);
        for c in &mut self.coef {
            exact(c);
        }
        exact(&mut self.ln);
        exact(&mut self.params);
        for e in &mut self.entries {
            exact(e);
        }
        exact(&mut self.entries);
    }

    /// Bytes held by the table.
    pub(crate) fn bytes(&self) -> usize {
        use std::mem::size_of;
        self.len() * (2 * size_of::<usize>() + 8 * size_of::<f64>())
            + self.params.len() * (size_of::<usize>() + size_of::<Vec<usize>>())
    }

    /// The distinct parameters of the table's entries, sorted.
    pub(crate) fn params(&self) -> &[usize] {
        &self.params
    }
}
