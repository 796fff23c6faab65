//! `shapesys`: an uncorrelated factor per bin of one sample, Poisson-constrained
//! (Barlow–Beeston light with the sample's own uncertainties).

use super::{param_err, value_err, Block, Requirement};
use crate::model::params::Constraint;
use crate::model::ModelError;
use crate::spec::{Channel, Modifier, ModifierKind, Sample};
use std::collections::HashMap;

/// The channel and sample each shapesys name is on: pyhf allows one sample per name.
#[derive(Default)]
pub(super) struct Owners(HashMap<String, (String, String)>);

impl Owners {
    /// One parameter per bin with `tau = (nominal / uncertainty)^2` as its Poisson
    /// factor and auxdatum; an error if the name is already on another sample or a tau is
    /// not finite.
    pub(super) fn requirement(
        &mut self,
        m: &Modifier,
        c: &Channel,
        s: &Sample,
        unc: &[f64],
        nbins: usize,
    ) -> Result<Requirement, ModelError> {
        let name = m.name.as_str();
        if let Some((oc, os)) = self.0.get(name) {
            return Err(param_err(
                name,
                format!(
                    "shapesys modifiers cannot be shared, but it is on sample \"{os}\" of channel \"{oc}\" and on sample \"{}\" of channel \"{}\"",
                    s.name, c.name
                ),
            ));
        }
        self.0
            .insert(name.to_string(), (c.name.clone(), s.name.clone()));
        // Bins with a non-positive nominal or uncertainty keep a parameter but are fixed
        // at 1 with aux 1 (pyhf 0.7.6), so their constraint is the constant log Pois(1|1).
        let mut req = Requirement::vector(
            ModifierKind::ShapeSys,
            nbins,
            [1e-10, 10.0],
            Constraint::None,
        );
        let mut tau = vec![1.0; nbins];
        for (j, (&nom, &d)) in s.data.iter().zip(unc).enumerate() {
            if nom > 0.0 && d > 0.0 {
                tau[j] = (nom / d) * (nom / d);
                // An overflowing tau (a yield of 1e308, an uncertainty of 1e-300) makes
                // the constraint term and the auxdata infinite.
                if !tau[j].is_finite() {
                    return Err(value_err(
                        c,
                        s,
                        m,
                        Some(j),
                        format!(
                            "tau = (nominal / uncertainty)^2 = ({nom:?} / {d:?})^2 is not finite"
                        ),
                    ));
                }
            } else {
                req.fixed[j] = true;
            }
        }
        req.constraint = Constraint::Poisson {
            auxdata: tau.clone(),
            factors: tau,
        };
        Ok(req)
    }
}

/// Bin `j` is multiplied by parameter `p + j`.
pub(super) fn place(p: usize, block: &mut Block) {
    block.binwise.push(p);
}
