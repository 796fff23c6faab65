//! `staterror`: the Monte Carlo statistical uncertainty, one Gaussian-constrained factor
//! per bin shared by every sample that names it (Barlow–Beeston light).

use super::{normal, param_err, Block, Requirement};
use crate::model::params::Constraint;
use crate::model::ModelError;
use crate::spec::{Channel, Modifier, ModifierKind, Sample};
use std::collections::HashMap;

/// Per bin of one staterror set: the summed nominal of the participating samples, and
/// each sample's (nominal, absolute error).
type BinSums = (Vec<f64>, Vec<Vec<(f64, f64)>>);

/// [`BinSums`] per staterror name: the widths need every occurrence.
#[derive(Default)]
pub(super) struct Sums(HashMap<String, BinSums>);

impl Sums {
    /// One parameter per bin around 1; records the sample's nominal and errors.
    pub(super) fn requirement(
        &mut self,
        m: &Modifier,
        c: &Channel,
        s: &Sample,
        unc: &[f64],
        nbins: usize,
    ) -> Result<Requirement, ModelError> {
        let name = m.name.as_str();
        let entry = self
            .0
            .entry(name.to_string())
            .or_insert_with(|| (vec![0.0; nbins], vec![Vec::new(); nbins]));
        if entry.0.len() != nbins {
            return Err(param_err(
                name,
                format!(
                    "staterror used on channels with different bin counts ({} and {nbins}, channel \"{}\")",
                    entry.0.len(),
                    c.name
                ),
            ));
        }
        for (j, (&nom, &d)) in s.data.iter().zip(unc).enumerate() {
            entry.0[j] += nom;
            entry.1[j].push((nom, d));
        }
        Ok(Requirement::vector(
            ModifierKind::StatError,
            nbins,
            [1e-10, 10.0],
            normal(nbins, 1.0),
        ))
    }

    /// Finishes the staterror sets: they come in sorted-name order (pyhf creates their
    /// builder keys for every sample before finalising), and `sigma_b` is the quadrature
    /// sum of the participating samples' errors relative to their summed nominal;
    /// zero-sigma bins are fixed with sigma 1 so the constant Gaussian term stays finite;
    /// a width that overflows is an error.
    pub(super) fn finish(&self, list: &mut [(String, Requirement)]) -> Result<(), ModelError> {
        list.sort_by(|a, b| a.0.cmp(&b.0));
        for (name, req) in list.iter_mut() {
            let (sums, parts) = &self.0[name.as_str()];
            let mut sigmas = vec![1.0; req.n];
            for j in 0..req.n {
                let total = sums[j];
                let sigma = if total > 0.0 {
                    parts[j]
                        .iter()
                        .map(|&(_, d)| (d / total) * (d / total))
                        .sum::<f64>()
                        .sqrt()
                } else {
                    0.0
                };
                if sigma.is_infinite() {
                    return Err(param_err(
                        name,
                        format!("bin {j}: the relative width sqrt(sum (uncertainty / summed nominal)^2) overflows (summed nominal {total:?})"),
                    ));
                }
                if sigma > 0.0 {
                    sigmas[j] = sigma;
                } else {
                    req.fixed[j] = true;
                }
            }
            req.constraint = Constraint::Normal {
                auxdata: vec![1.0; req.n],
                sigmas,
            };
        }
        Ok(())
    }
}

/// Bin `j` is multiplied by parameter `p + j`.
pub(super) fn place(p: usize, block: &mut Block) {
    block.binwise.push(p);
}
