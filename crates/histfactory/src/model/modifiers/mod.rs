//! One unit per modifier type: what each asks of its parameter set ([`Requirement`]), and
//! how it places itself into the compiled arrays of its sample's [`Block`].
//!
//! A modifier type is one variant of [`ModifierData`]. The two exhaustive matches here,
//! [`Collector::add`] and [`place`], hand each occurrence to its type's module, so the
//! compiler lists every place a new type must answer. To add a type: a variant in
//! `spec` (with its JSON form), a module here with its `requirement` and `place`, and, if
//! it acts on rates in a new way, its term in `likelihood::kernels::eval`.
//!
//! pyhf's counterpart is `modifiers/<type>.py` with a `required_parset` and a builder per
//! type, collected through the `histfactory_set` registry; here the registry is the enum.

mod histosys;
mod lumi;
mod normfactor;
pub(crate) mod normsys;
mod shapefactor;
mod shapesys;
mod staterror;

pub(crate) use normsys::NormSysTable;

use super::params::Constraint;
use super::{Block, ModelError, ModelOptions, ValuePlace};
use crate::spec::{Channel, Modifier, ModifierData, ModifierKind, Sample};
use std::collections::HashMap;

/// What one modifier occurrence asks of its parameter set, before occurrences of the same
/// name are merged.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Requirement {
    pub kind: ModifierKind,
    pub n: usize,
    pub is_scalar: bool,
    pub inits: Vec<f64>,
    pub bounds: Vec<[f64; 2]>,
    pub fixed: Vec<bool>,
    pub constraint: Constraint,
}

impl Requirement {
    fn scalar(kind: ModifierKind, init: f64, bounds: [f64; 2], constraint: Constraint) -> Self {
        Requirement {
            kind,
            n: 1,
            is_scalar: true,
            inits: vec![init],
            bounds: vec![bounds],
            fixed: vec![false],
            constraint,
        }
    }

    fn vector(kind: ModifierKind, n: usize, bounds: [f64; 2], constraint: Constraint) -> Self {
        Requirement {
            kind,
            n,
            is_scalar: false,
            inits: vec![1.0; n],
            bounds: vec![bounds; n],
            fixed: vec![false; n],
            constraint,
        }
    }

    /// Equality that treats NaN placeholders (lumi values the measurement must supply) as
    /// equal.
    fn agrees_with(&self, other: &Requirement) -> bool {
        fn bits(xs: &[f64]) -> Vec<u64> {
            xs.iter().map(|x| x.to_bits()).collect()
        }
        fn constraint_bits(c: &Constraint) -> (u8, Vec<u64>, Vec<u64>) {
            match c {
                Constraint::None => (0, Vec::new(), Vec::new()),
                Constraint::Normal { auxdata, sigmas } => (1, bits(auxdata), bits(sigmas)),
                Constraint::Poisson { auxdata, factors } => (2, bits(auxdata), bits(factors)),
            }
        }
        let flat = |r: &Requirement| -> Vec<f64> { r.bounds.iter().flatten().copied().collect() };
        self.kind == other.kind
            && self.n == other.n
            && self.is_scalar == other.is_scalar
            && bits(&self.inits) == bits(&other.inits)
            && bits(&flat(self)) == bits(&flat(other))
            && self.fixed == other.fixed
            && constraint_bits(&self.constraint) == constraint_bits(&other.constraint)
    }
}

/// A unit-width Gaussian constraint on `n` parameters around `aux`.
fn normal(n: usize, aux: f64) -> Constraint {
    Constraint::Normal {
        auxdata: vec![aux; n],
        sigmas: vec![1.0; n],
    }
}

/// A parameter-set error naming the set.
pub(super) fn param_err(name: &str, message: impl Into<String>) -> ModelError {
    ModelError::Parameter {
        name: name.to_string(),
        message: message.into(),
    }
}

/// A value of modifier `m` (of sample `s` in channel `c`) that cannot be evaluated, in
/// `bin` if one bin is at fault.
pub(super) fn value_err(
    c: &Channel,
    s: &Sample,
    m: &Modifier,
    bin: Option<usize>,
    message: impl Into<String>,
) -> ModelError {
    ModelError::InvalidValue {
        place: Box::new(ValuePlace {
            channel: c.name.clone(),
            sample: s.name.clone(),
            modifier: Some(format!("\"{}\" ({})", m.name, m.data.kind())),
            bin,
        }),
        message: message.into(),
    }
}

/// Requirements per modifier type, each in first-appearance order within its type.
pub(super) type Requirements = HashMap<ModifierKind, Vec<(String, Requirement)>>;

/// Collects every modifier occurrence's requirement, in pyhf's order (channels, samples
/// and modifiers sorted), merging occurrences of one name within a type.
#[derive(Default)]
pub(super) struct Collector {
    per_type: Requirements,
    shapesys: shapesys::Owners,
    staterror: staterror::Sums,
}

impl Collector {
    /// Adds modifier `m` of sample `s` in channel `c` (of `nbins` bins).
    pub(super) fn add(
        &mut self,
        c: &Channel,
        s: &Sample,
        m: &Modifier,
        nbins: usize,
    ) -> Result<(), ModelError> {
        let kind = m.data.kind();
        let req = match &m.data {
            ModifierData::NormFactor => normfactor::requirement(),
            ModifierData::Lumi => lumi::requirement(),
            ModifierData::NormSys { hi, lo } => normsys::requirement(*hi, *lo)
                .map_err(|message| value_err(c, s, m, None, message))?,
            ModifierData::HistoSys { .. } => histosys::requirement(),
            ModifierData::ShapeFactor => shapefactor::requirement(nbins),
            ModifierData::ShapeSys(unc) => self.shapesys.requirement(m, c, s, unc, nbins)?,
            ModifierData::StatError(unc) => self.staterror.requirement(m, c, s, unc, nbins)?,
        };
        let list = self.per_type.entry(kind).or_default();
        match list.iter_mut().find(|(n, _)| n == &m.name) {
            None => list.push((m.name.clone(), req)),
            Some((_, existing)) => {
                if existing.n != req.n {
                    return Err(param_err(
                        &m.name,
                        format!(
                            "{kind} used with {} bins in one place and {} in channel \"{}\"",
                            existing.n, req.n, c.name
                        ),
                    ));
                }
                // staterror occurrences of one name differ by design (each sample brings
                // its own errors); their set is finished from all of them in `finish`.
                if kind != ModifierKind::StatError && !existing.agrees_with(&req) {
                    return Err(param_err(
                        &m.name,
                        format!(
                            "{kind} modifiers of this name disagree (channel \"{}\", sample \"{}\")",
                            c.name, s.name
                        ),
                    ));
                }
            }
        }
        Ok(())
    }

    /// The requirements, with the sets that depend on every occurrence finished.
    pub(super) fn finish(mut self) -> Result<Requirements, ModelError> {
        if let Some(list) = self.per_type.get_mut(&ModifierKind::StatError) {
            self.staterror.finish(list)?;
        }
        Ok(self.per_type)
    }
}

/// Checks a parameter set once the measurement's configuration is applied: values a
/// modifier type leaves to the measurement must have been supplied, and the constraint's
/// widths and factors must give a finite constraint term.
pub(super) fn check_set(set: &super::ParameterSet) -> Result<(), ModelError> {
    check_constraint(set)?;
    match set.kind {
        ModifierKind::Lumi => lumi::check_supplied(set),
        ModifierKind::HistoSys
        | ModifierKind::NormFactor
        | ModifierKind::NormSys
        | ModifierKind::ShapeFactor
        | ModifierKind::ShapeSys
        | ModifierKind::StatError => Ok(()),
    }
}

/// An error unless every auxdatum is finite and every Gaussian width and Poisson factor
/// positive and finite: pyhf's constraint terms are NaN or infinite otherwise (a width of
/// 0 divides by 0, a negative one takes the logarithm of a negative number).
fn check_constraint(set: &super::ParameterSet) -> Result<(), ModelError> {
    let (auxdata, scales, what) = match &set.constraint {
        Constraint::None => return Ok(()),
        Constraint::Normal { auxdata, sigmas } => (auxdata, sigmas, "sigmas"),
        Constraint::Poisson { auxdata, factors } => (auxdata, factors, "factors"),
    };
    // NaN marks lumi values the measurement has not supplied: `lumi::check_supplied`
    // names those.
    if let Some(i) = scales
        .iter()
        .position(|x| !x.is_nan() && (x.is_infinite() || *x <= 0.0))
    {
        return Err(param_err(
            &set.name,
            format!(
                "{what}[{i}] = {:?}: the constraint needs a positive, finite value",
                scales[i]
            ),
        ));
    }
    if let Some(i) = auxdata.iter().position(|x| x.is_infinite()) {
        return Err(param_err(
            &set.name,
            format!("auxdata[{i}] = {:?} is not finite", auxdata[i]),
        ));
    }
    Ok(())
}

/// Places modifier `m` of sample `s`, whose parameters start at `p`, into the sample's
/// `block` (and the model-wide normsys table).
pub(super) fn place(
    m: &Modifier,
    s: &Sample,
    p: usize,
    block: &mut Block,
    normsys: &mut NormSysTable,
    options: &ModelOptions,
) {
    match &m.data {
        ModifierData::NormFactor => normfactor::place(p, block),
        ModifierData::Lumi => lumi::place(p, block),
        ModifierData::NormSys { hi, lo } => normsys::place(p, *hi, *lo, options, normsys),
        ModifierData::HistoSys { hi_data, lo_data } => {
            histosys::place(p, &s.data, hi_data, lo_data, block)
        }
        ModifierData::ShapeFactor => shapefactor::place(p, block),
        ModifierData::ShapeSys(_) => shapesys::place(p, block),
        ModifierData::StatError(_) => staterror::place(p, block),
    }
}
